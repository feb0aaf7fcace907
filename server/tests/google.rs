//! Google sign-in against a local OpenID Connect provider (wiremock serving discovery, JWKS and
//! a token endpoint whose id_tokens the test signs): the whole flow through the real routes,
//! and every refusal the issue lists, each leaving an audit entry and no account.

mod common;

use common::*;
use jsonwebtoken::{encode, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{json, Value};
use wiremock::{
    matchers::{body_string_contains, method, path},
    Mock, MockServer, ResponseTemplate,
};

const CLIENT_ID: &str = "switchyard-test-client";

fn key(name: &str) -> EncodingKey {
    let pem = std::fs::read(format!(
        "{}/tests/fixtures/oidc/{name}.pem",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    EncodingKey::from_rsa_pem(&pem).unwrap()
}

/// A provider with discovery and keys; each test mounts its token answers.
async fn provider() -> MockServer {
    let server = MockServer::start().await;
    provider_on(&server).await;
    server
}

async fn app_with(provider: &MockServer, extra: &[(&str, &str)]) -> TestApp {
    let issuer = provider.uri();
    let mut vars = vec![
        ("GOOGLE_CLIENT_ID", CLIENT_ID),
        ("GOOGLE_CLIENT_SECRET", "test-client-secret"),
        ("GOOGLE_ISSUER", issuer.as_str()),
    ];
    vars.extend_from_slice(extra);
    let app = spawn_app_with(&vars).await;
    app.setup("ada@example.com").await;
    app
}

/// Claims of a good id_token for `sub`/`email` answering `nonce`.
fn claims(provider: &MockServer, sub: &str, email: &str, nonce: &str) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "iss": provider.uri(),
        "aud": CLIENT_ID,
        "sub": sub,
        "email": email,
        "email_verified": true,
        "name": "Grace Hopper",
        "nonce": nonce,
        "iat": now,
        "exp": now + 600,
    })
}

fn sign(claims: &Value, key_name: &str) -> String {
    let mut header = Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some("test-key-1".into());
    encode(&header, claims, &key(key_name)).unwrap()
}

/// The token endpoint answers the next exchange with this id_token (once), and later ones as a
/// provider answers a used code.
async fn answer_with(provider: &MockServer, id_token: String) {
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("grant_type=authorization_code"))
        .and(body_string_contains("code_verifier="))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "at-1",
            "token_type": "Bearer",
            "expires_in": 3600,
            "id_token": id_token,
        })))
        .up_to_n_times(1)
        .mount(provider)
        .await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "invalid_grant",
            "error_description": "code already used",
        })))
        .with_priority(10)
        .mount(provider)
        .await;
}

/// A started flow: the sealed cookie and what the authorization URL carried.
struct Started {
    cookie: String,
    state: String,
    nonce: String,
}

async fn start(app: &TestApp, client: &reqwest::Client, form: &[(&str, &str)]) -> Started {
    let res = client
        .post(app.url("/auth/google"))
        .form(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = url::Url::parse(&location(&res)).unwrap();
    let q: std::collections::HashMap<String, String> = to.query_pairs().into_owned().collect();
    assert!(to.path().ends_with("/authorize"));
    assert_eq!(q["client_id"], CLIENT_ID);
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["code_challenge"].len(), 43);
    assert!(q["scope"].split(' ').any(|s| s == "openid"));
    let callback = app
        .state
        .config
        .public_url
        .join("/auth/google/callback")
        .unwrap();
    assert_eq!(q["redirect_uri"], callback.as_str());
    let set = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("switchyard_oidc="))
        .expect("the flow's cookie");
    assert!(
        set.contains("HttpOnly")
            && set.contains("SameSite=Lax")
            && set.contains("Path=/auth/google")
    );
    Started {
        cookie: set.split(';').next().unwrap().to_string(),
        state: q["state"].clone(),
        nonce: q["nonce"].clone(),
    }
}

/// Google's redirect back, from a browser that holds `cookie` (or none).
async fn callback(app: &TestApp, cookie: Option<&str>, query: &str) -> reqwest::Response {
    let client = client_for(&app.base);
    let mut req = client.get(app.url(&format!("/auth/google/callback?{query}")));
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    req.send().await.unwrap()
}

async fn google_links(app: &TestApp) -> i64 {
    app.count("user_identities").await
}

#[tokio::test]
async fn without_configuration_google_sign_in_does_not_exist() {
    let app = spawn_app().await;
    app.setup("ada@example.com").await;
    assert!(app.state.google.is_none());
    let res = app.post_form("/auth/google", &[]).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_linked_google_account_signs_in_with_a_new_session_id() {
    let idp = provider().await;
    let app = app_with(&idp, &[]).await;

    // Ada links Google from her signed-in session (Settings → Security).
    let ada = client_with_agent(&app.base, "browser-a");
    let login = ada
        .post(app.url("/auth/login"))
        .form(&[("email", "ada@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let id_of = |c: Option<String>| c.map(|c| c.split(';').next().unwrap().to_string());
    let password_session = id_of(session_cookie(&login)).expect("signed in");
    let s = start(&app, &ada, &[("intent", "link")]).await;
    answer_with(
        &idp,
        sign(
            &claims(&idp, "g-ada", "ada.l@gmail.com", &s.nonce),
            "signing",
        ),
    )
    .await;
    let res = ada
        .get(app.url(&format!("/auth/google/callback?code=c1&state={}", s.state)))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/settings/security");
    let flash = flash_of(&res).unwrap();
    assert!(
        flash.message.contains("ada.l@gmail.com is now linked"),
        "{}",
        flash.message
    );
    assert_eq!(google_links(&app).await, 1);

    // "Continue with Google" signs her in, in a new session: the old id does not survive.
    idp.reset().await;
    provider_on(&idp).await;
    let s = start(&app, &ada, &[("next", "/audit")]).await;
    answer_with(
        &idp,
        sign(
            &claims(&idp, "g-ada", "ada.l@gmail.com", &s.nonce),
            "signing",
        ),
    )
    .await;
    let res = ada
        .get(app.url(&format!("/auth/google/callback?code=c2&state={}", s.state)))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/audit");
    let google_session = id_of(session_cookie(&res)).expect("a session cookie at sign-in");
    assert_ne!(
        google_session, password_session,
        "the session id changes at sign-in"
    );
    let cleared = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .any(|v| v.to_str().unwrap().starts_with("switchyard_oidc=;"));
    assert!(cleared, "the flow's cookie is used once");
    let actions = app.audit_actions().await;
    assert_eq!(actions.last().unwrap().0, "LOGIN");
    assert!(actions.iter().any(|(a, _)| a == "PROFILE_UPDATED"));
}

/// Mounts discovery and keys again after a reset (the server keeps its address).
async fn provider_on(server: &MockServer) -> &MockServer {
    let base = server.uri();
    Mock::given(method("GET"))
        .and(path("/.well-known/openid-configuration"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "issuer": base,
            "authorization_endpoint": format!("{base}/authorize"),
            "token_endpoint": format!("{base}/token"),
            "jwks_uri": format!("{base}/jwks"),
        })))
        .mount(server)
        .await;
    let jwks: Value = serde_json::from_str(
        &std::fs::read_to_string(format!(
            "{}/tests/fixtures/oidc/jwks.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
    )
    .unwrap();
    Mock::given(method("GET"))
        .and(path("/jwks"))
        .respond_with(ResponseTemplate::new(200).set_body_json(jwks))
        .mount(server)
        .await;
    server
}

/// One bad answer: how to spoil the flow, and the reason the audit log must show.
struct Case {
    name: &'static str,
    reason: &'static str,
}

#[tokio::test]
async fn every_tampered_or_unacceptable_answer_is_refused_audited_and_creates_nothing() {
    let idp = provider().await;
    let app = app_with(&idp, &[("ALLOWED_DOMAINS", "example.com,gmail.com")]).await;
    let users_before = app.count("users").await;
    let cases = [
        Case {
            name: "no flow cookie (unknown state)",
            reason: "state_unknown",
        },
        Case {
            name: "tampered cookie",
            reason: "state_unknown",
        },
        Case {
            name: "tampered state",
            reason: "state_mismatch",
        },
        Case {
            name: "provider says access_denied",
            reason: "cancelled",
        },
        Case {
            name: "wrong nonce",
            reason: "nonce_mismatch",
        },
        Case {
            name: "unverified email",
            reason: "email_unverified",
        },
        Case {
            name: "wrong audience",
            reason: "wrong_audience",
        },
        Case {
            name: "wrong issuer",
            reason: "wrong_issuer",
        },
        Case {
            name: "expired id_token",
            reason: "expired",
        },
        Case {
            name: "signed by another key",
            reason: "bad_signature",
        },
        Case {
            name: "replayed code",
            reason: "code_rejected",
        },
        Case {
            name: "email outside the allowed domains",
            reason: "not_allowed",
        },
        Case {
            name: "no linked account",
            reason: "not_linked",
        },
    ];
    for case in &cases {
        idp.reset().await;
        provider_on(&idp).await;
        let browser = client_for(&app.base);
        let s = start(&app, &browser, &[]).await;
        let mut c = claims(&idp, "g-stranger", "stranger@gmail.com", &s.nonce);
        let mut key_name = "signing";
        let mut cookie = Some(s.cookie.clone());
        let mut query = format!("code=code-1&state={}", s.state);
        match case.reason {
            "state_unknown" if case.name.starts_with("no flow") => cookie = None,
            "state_unknown" => {
                // Flip one character of the sealed value.
                let (name, value) = s.cookie.split_once('=').unwrap();
                let mut chars: Vec<char> = value.chars().collect();
                chars[20] = if chars[20] == 'A' { 'B' } else { 'A' };
                cookie = Some(format!("{name}={}", chars.into_iter().collect::<String>()));
            }
            "state_mismatch" => query = format!("code=code-1&state={}x", s.state),
            "cancelled" => query = format!("error=access_denied&state={}", s.state),
            "nonce_mismatch" => c["nonce"] = json!("someone-elses-nonce"),
            "email_unverified" => c["email_verified"] = json!(false),
            "wrong_audience" => c["aud"] = json!("another-client"),
            "wrong_issuer" => c["iss"] = json!("https://evil.example"),
            "expired" => {
                let past = chrono::Utc::now().timestamp() - 3600;
                c["iat"] = json!(past - 600);
                c["exp"] = json!(past);
            }
            "bad_signature" => key_name = "other",
            "not_allowed" => c["email"] = json!("eve@elsewhere.org"),
            _ => {}
        }
        answer_with(&idp, sign(&c, key_name)).await;
        let mut res = callback(&app, cookie.as_deref(), &query).await;
        if case.reason == "code_rejected" {
            // The first use goes through (no linked account); the same request again is refused.
            assert_eq!(location(&res), "/login", "{}", case.name);
            res = callback(&app, cookie.as_deref(), &query).await;
        }
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", case.name);
        assert_eq!(location(&res), "/login", "{}", case.name);
        let flash = flash_of(&res).unwrap_or_else(|| panic!("{}: no message", case.name));
        assert!(!flash.message.is_empty(), "{}", case.name);
        assert!(
            session_cookie(&res).is_none_or(|c| c.contains("Max-Age=0")),
            "{}: no session",
            case.name
        );
        let last = app.audit_actions().await.pop().unwrap();
        assert_eq!(
            last,
            ("LOGIN_FAILED".to_string(), Some(case.reason.to_string())),
            "{}",
            case.name
        );
    }
    assert_eq!(
        app.count("users").await,
        users_before,
        "no account was created"
    );
    assert_eq!(google_links(&app).await, 0);
    println!("google sign-in negative cases tried: {}", cases.len());
}

#[tokio::test]
async fn an_invited_person_joins_with_google_and_the_wrong_account_is_turned_away() {
    let idp = provider().await;
    let app = app_with(&idp, &[]).await;
    let owner = app.principal("ada@example.com").await;
    let sent = server::team::invitations::invite(
        &app.state.db,
        &owner,
        &server::audit::RequestMeta::default(),
        &app.state.config.public_url,
        7,
        server::team::invitations::InviteInput {
            email: "grace@example.com".into(),
            role: "analyst".into(),
            store_ids: vec![],
        },
    )
    .await
    .unwrap();
    let token = token_of(&sent.link).to_string();

    // Signed in to Google as someone else: refused on the invitation page, nothing used up.
    let browser = client_for(&app.base);
    let s = start(&app, &browser, &[("intent", "invite"), ("token", &token)]).await;
    answer_with(
        &idp,
        sign(
            &claims(&idp, "g-other", "other@example.com", &s.nonce),
            "signing",
        ),
    )
    .await;
    let res = callback(&app, Some(&s.cookie), &format!("code=a&state={}", s.state)).await;
    assert_eq!(location(&res), format!("/invite/{token}"));
    assert!(flash_of(&res)
        .unwrap()
        .message
        .contains("This invitation is for grace@example.com"));
    assert_eq!(app.count("users").await, 1);

    // The invited Google account joins: a new account without a password, linked on subject.
    idp.reset().await;
    provider_on(&idp).await;
    let s = start(&app, &browser, &[("intent", "invite"), ("token", &token)]).await;
    answer_with(
        &idp,
        sign(
            &claims(&idp, "g-grace", "Grace@Example.com", &s.nonce),
            "signing",
        ),
    )
    .await;
    let res = browser
        .get(app.url(&format!("/auth/google/callback?code=b&state={}", s.state)))
        .header("cookie", &s.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/?welcome=1");
    let grace = app.principal("grace@example.com").await;
    assert_eq!(grace.role, "analyst");
    assert_eq!(grace.name, "Grace Hopper");
    assert_eq!(google_links(&app).await, 1);
    let hash: Option<String> = server::with_db!(&app.state.db, |p| sqlx::query_scalar(
        "SELECT password_hash FROM users WHERE email = 'grace@example.com'"
    )
    .fetch_one(p)
    .await)
    .unwrap();
    assert!(hash.is_none(), "a Google-only account has no password");
    assert!(
        server::identity::proof::proven_at(&app.state.db, grace.user_id)
            .await
            .unwrap()
            .is_some(),
        "Google vouched for the invited address"
    );

    // She cannot unlink Google while it is her only way in.
    let err = server::identity::google::accounts::unlink(
        &app.state.db,
        &grace,
        &server::audit::RequestMeta::default(),
        app.state.google.as_ref().unwrap().issuer(),
    )
    .await
    .unwrap_err();
    assert!(err.public_message().contains("Set a password first"));
    assert_eq!(google_links(&app).await, 1);
}
