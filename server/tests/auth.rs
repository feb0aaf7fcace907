//! First-run setup, sign-in, sign-out and session lifetime, over HTTP against the real router.

mod common;

use common::*;
use reqwest::StatusCode;

#[tokio::test]
async fn before_setup_every_page_leads_to_setup() {
    let app = spawn_app().await;
    for path in ["/", "/login", "/audit", "/settings/members"] {
        let res = app.get(path).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(location(&res), "/setup", "{path}");
    }
    assert_eq!(
        app.get("/setup").await.status(),
        StatusCode::NOT_FOUND,
        "no page in the bare router, but not redirected"
    );
    assert_eq!(app.get("/health").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn setup_creates_the_company_and_its_owner_and_signs_in() {
    let app = spawn_app().await;
    let res = app.setup("Ada@Example.com").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/");
    let cookie = session_cookie(&res).expect("session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain-http loopback: {cookie}");

    assert!(app.signed_in().await);
    assert_eq!(app.count("companies").await, 1);
    assert_eq!(app.count("users").await, 1);
    assert_eq!(app.count("memberships").await, 1);
    let (email, hash): (String, String) = server::with_db!(&app.state.db, |p| sqlx::query_as(
        "SELECT email, password_hash FROM users"
    )
    .fetch_one(p)
    .await)
    .unwrap();
    assert_eq!(email, "ada@example.com", "stored normalised");
    assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    let actions: Vec<String> = app.audit_actions().await.into_iter().map(|a| a.0).collect();
    assert_eq!(actions, ["COMPANY_CREATED", "LOGIN"]);

    // Now /setup is closed and /login sends a signed-in user home.
    assert_eq!(location(&app.get("/setup").await), "/");
    assert_eq!(location(&app.get("/login").await), "/");
}

#[tokio::test]
async fn setup_happens_only_once() {
    let app = spawn_app().await;
    app.setup("ada@example.com").await;
    let other = client_for(&app.base);
    let res = other
        .post(app.url("/auth/setup"))
        .form(&[
            ("company_name", "Evil Corp"),
            ("timezone", "UTC"),
            ("name", "Mallory"),
            ("email", "mallory@example.com"),
            ("password", PASSWORD),
            ("password_confirm", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/login");
    assert!(flash_of(&res).unwrap().message.contains("already set up"));
    assert_eq!(app.count("users").await, 1);
    assert_eq!(app.count("companies").await, 1);
}

#[tokio::test]
async fn concurrent_setups_create_exactly_one_company() {
    let app = spawn_app().await;
    let mut tasks = Vec::new();
    for i in 0..6 {
        let base = app.base.clone();
        tasks.push(tokio::spawn(async move {
            client_for(&base)
                .post(format!("{base}/auth/setup"))
                .form(&[
                    ("company_name", format!("Company {i}")),
                    ("timezone", "UTC".into()),
                    ("name", format!("Owner {i}")),
                    ("email", format!("owner{i}@example.com")),
                    ("password", PASSWORD.into()),
                    ("password_confirm", PASSWORD.into()),
                ])
                .send()
                .await
                .unwrap()
        }));
    }
    let mut home = 0;
    for t in tasks {
        if location(&t.await.unwrap()) == "/" {
            home += 1;
        }
    }
    assert_eq!(home, 1, "exactly one setup wins");
    assert_eq!(app.count("users").await, 1);
    assert_eq!(app.count("companies").await, 1);
}

#[tokio::test]
async fn setup_rejects_bad_input_naming_the_field_and_changes_nothing() {
    let app = spawn_app().await;
    let cases: &[(&str, &str, &str)] = &[
        ("company_name", "", "Company name is required"),
        ("email", "not-an-email", "valid email"),
        ("password", "short1", "at least 8"),
        ("password", "password123", "too common"),
        ("password", "onlyletters", "one letter and one digit"),
        ("timezone", "Mars/Olympus", "time zone"),
    ];
    for (field, value, expected) in cases {
        let mut form = vec![
            ("company_name", "Acme"),
            ("timezone", "UTC"),
            ("name", "Ada"),
            ("email", "ada@example.com"),
            ("password", PASSWORD),
            ("password_confirm", PASSWORD),
        ];
        for f in form.iter_mut() {
            if f.0 == *field {
                f.1 = value;
            }
        }
        if *field == "password" {
            form.retain(|f| f.0 != "password_confirm");
            form.push(("password_confirm", value));
        }
        let res = app.post_form("/auth/setup", &form).await;
        assert_eq!(location(&res), "/setup", "{field}={value}");
        let flash = flash_of(&res).expect("flash");
        assert_eq!(flash.field.as_deref(), Some(*field), "{field}={value}");
        assert!(
            flash.message.contains(expected),
            "{}: {}",
            field,
            flash.message
        );
        assert_eq!(
            flash.values.get("email").map(String::as_str),
            Some(if *field == "email" {
                *value
            } else {
                "ada@example.com"
            })
        );
        assert!(
            !flash.values.contains_key("password"),
            "passwords are never echoed"
        );
    }
    let res = app
        .setup_with(&[("password_confirm", "different-2026")])
        .await;
    assert_eq!(
        flash_of(&res).unwrap().field.as_deref(),
        Some("password_confirm")
    );
    assert_eq!(app.count("users").await, 0);
    assert_eq!(app.count("companies").await, 0);
    assert_eq!(app.count("instance").await, 0);
    assert_eq!(app.count("audit_log").await, 0);
    assert!(session_cookie(&res).is_none());
}

#[tokio::test]
async fn sign_in_with_the_right_password_cycles_the_session_id() {
    let app = spawn_app().await;
    let first = session_cookie(&app.setup("ada@example.com").await).unwrap();
    let res = app.login("ADA@example.com ", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/");
    let second = session_cookie(&res).expect("new session cookie");
    let id = |c: &str| c.split(';').next().unwrap().to_string();
    assert_ne!(id(&first), id(&second), "session id must change at sign-in");
    assert_eq!(app.count("sessions").await, 1, "the old session is gone");
    assert!(app.signed_in().await);
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_answer() {
    let app = spawn_app().await;
    app.setup("ada@example.com").await;
    app.logout().await;

    let wrong = app.login("ada@example.com", "not-the-password-1").await;
    let unknown = app.login("nobody@example.com", PASSWORD).await;
    for res in [&wrong, &unknown] {
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(res), "/login");
        assert!(session_cookie(res).is_none());
        let flash = flash_of(res).unwrap();
        assert_eq!(flash.message, "Email or password is incorrect.");
        assert_eq!(flash.field, None);
    }
    assert!(!app.signed_in().await);
    let failed: Vec<_> = app
        .audit_actions()
        .await
        .into_iter()
        .filter(|a| a.0 == "LOGIN_FAILED")
        .map(|a| a.1.unwrap())
        .collect();
    assert_eq!(failed, ["wrong_password", "unknown_email"]);
}

#[tokio::test]
async fn sign_in_returns_to_the_page_asked_for_but_never_off_site() {
    let app = spawn_app().await;
    app.setup("ada@example.com").await;
    app.logout().await;
    let res = app.get("/audit?page=2").await;
    assert_eq!(location(&res), "/login?next=%2Faudit%3Fpage%3D2");
    for (next, expected) in [
        ("/audit?page=2", "/audit?page=2"),
        ("//evil.example/x", "/"),
        // Browsers drop the TAB and follow `//evil.example`.
        ("/\t/evil.example", "/"),
        ("/.//evil.example", "/"),
    ] {
        let res = app
            .post_form(
                "/auth/login",
                &[
                    ("email", "ada@example.com"),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(location(&res), expected, "next={next}");
        app.logout().await;
    }
}

#[tokio::test]
async fn sign_out_ends_the_session_everywhere() {
    let app = spawn_app().await;
    let cookie = session_cookie(&app.setup("ada@example.com").await).unwrap();
    let pair = cookie.split(';').next().unwrap().to_string();
    let res = app.logout().await;
    assert_eq!(location(&res), "/login?signed_out=1");
    assert!(!app.signed_in().await);
    assert_eq!(app.count("sessions").await, 0);

    // Replaying the old cookie does not bring the session back.
    let replay = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = replay
        .get(app.url("/"))
        .header("cookie", pair)
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/login");
    let actions: Vec<String> = app.audit_actions().await.into_iter().map(|a| a.0).collect();
    assert_eq!(actions.last().map(String::as_str), Some("LOGOUT"));
}

#[tokio::test]
async fn an_expired_session_is_signed_out_and_cleaned_up() {
    let app = spawn_app().await;
    app.setup("ada@example.com").await;
    assert!(app.signed_in().await);
    let past = chrono::Utc::now() - chrono::Duration::minutes(1);
    server::exec!(
        &app.state.db,
        sqlx::query("UPDATE sessions SET expires_at = $1").bind(past)
    )
    .unwrap();
    assert!(!app.signed_in().await);

    server::jobs::enqueue(
        &app.state.db,
        server::jobs::NewJob {
            kind: server::sessions::cleanup::KIND,
            payload: serde_json::json!({}),
            run_at: chrono::Utc::now(),
            max_attempts: 3,
            dedupe_key: None,
        },
    )
    .await
    .unwrap();
    let ran = server::jobs::run_until_empty(&app.state.job_context(), &server::areas::jobs())
        .await
        .unwrap();
    assert_eq!(ran, 1);
    assert_eq!(app.count("sessions").await, 0);
}

#[tokio::test]
async fn the_session_cookie_follows_the_inactivity_timeout() {
    let app = spawn_app_with(&[("SESSION_TIMEOUT_MINUTES", "45")]).await;
    let cookie = session_cookie(&app.setup("ada@example.com").await).unwrap();
    let max_age: i64 = cookie
        .split(';')
        .find_map(|p| {
            p.trim()
                .strip_prefix("Max-Age=")
                .map(|v| v.parse().unwrap())
        })
        .expect("Max-Age");
    assert!((45 * 60 - 5..=45 * 60).contains(&max_age), "{cookie}");
    let expires: chrono::DateTime<chrono::Utc> =
        server::with_db!(&app.state.db, |p| sqlx::query_scalar(
            "SELECT expires_at FROM sessions"
        )
        .fetch_one(p)
        .await)
        .unwrap();
    let left = expires - chrono::Utc::now();
    assert!(left > chrono::Duration::minutes(44) && left <= chrono::Duration::minutes(45));
}

#[tokio::test]
async fn activity_slides_the_inactivity_expiry_forward() {
    let app = spawn_app().await;
    app.setup("ada@example.com").await;
    // The session was last extended two minutes ago and ends in ten seconds.
    let now = chrono::Utc::now();
    let record: String = server::with_db!(&app.state.db, |p| sqlx::query_scalar(
        "SELECT record FROM sessions"
    )
    .fetch_one(p)
    .await)
    .unwrap();
    // Edit the text: a serde_json::Value round trip would turn the i128 session id into a float.
    let seen = format!("\"seen\":{}", now.timestamp() - 120);
    let start = record
        .find("\"seen\":")
        .expect("sign-in stamps the session");
    let end = start + record[start..].find([',', '}']).unwrap();
    let record = format!("{}{}{}", &record[..start], seen, &record[end..]);
    server::exec!(
        &app.state.db,
        sqlx::query("UPDATE sessions SET record = $1, expires_at = $2")
            .bind(record)
            .bind(now + chrono::Duration::seconds(10))
    )
    .unwrap();

    let res = app.get("/some/page").await;
    assert_eq!(
        res.status(),
        reqwest::StatusCode::NOT_FOUND,
        "signed in, and the session saved"
    );
    let expires: chrono::DateTime<chrono::Utc> =
        server::with_db!(&app.state.db, |p| sqlx::query_scalar(
            "SELECT expires_at FROM sessions"
        )
        .fetch_one(p)
        .await)
        .unwrap();
    assert!(
        expires - now > chrono::Duration::minutes(29),
        "a request extends the session: {expires}"
    );
}

#[tokio::test]
async fn production_answers_only_its_public_host_and_origin() {
    let app = spawn_app_with(&[
        ("APP_ENV", "production"),
        ("APP_SECRET_KEY", "0123456789abcdef0123456789abcdef"),
    ])
    .await;
    // PUBLIC_URL defaults to http://localhost:<port>; the client speaks to 127.0.0.1.
    let port = app.state.config.public_url.port().unwrap();
    let ours = format!("localhost:{port}");
    let anon = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // Another name for this server (a rebound attacker domain, a bare IP): refused.
    for host in ["evil.example", "127.0.0.1", &format!("127.0.0.1:{port}")] {
        let res = anon
            .get(app.url("/login"))
            .header("host", host)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::MISDIRECTED_REQUEST, "{host}");
    }
    let res = anon
        .get(app.url("/login"))
        .header("host", &ours)
        .send()
        .await
        .unwrap();
    assert_ne!(res.status(), StatusCode::MISDIRECTED_REQUEST);
    // Load balancers' probes use whatever host they like.
    assert_eq!(app.get("/health").await.status(), StatusCode::OK);
    // A POST from the host it was sent to is not our origin in production.
    let res = anon
        .post(app.url("/auth/login"))
        .header("host", &ours)
        .header("origin", format!("http://127.0.0.1:{port}"))
        .form(&[("email", "m@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = anon
        .post(app.url("/auth/login"))
        .header("host", &ours)
        .header("origin", format!("http://{ours}"))
        .form(&[("email", "m@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_ne!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn cross_site_posts_are_refused_before_anything_happens() {
    let app = spawn_app().await;
    let evil = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = evil
        .post(app.url("/auth/setup"))
        .header("origin", "https://evil.example")
        .form(&[
            ("company_name", "Evil"),
            ("timezone", "UTC"),
            ("name", "M"),
            ("email", "m@example.com"),
            ("password", PASSWORD),
            ("password_confirm", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = evil
        .post(app.url("/auth/login"))
        .form(&[("email", "m@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "no Origin and no Referer"
    );
    assert_eq!(app.count("users").await, 0);
    assert_eq!(app.count("audit_log").await, 0);
}

#[tokio::test]
async fn a_disabled_user_loses_their_session_and_cannot_sign_in() {
    let app = spawn_app().await;
    app.setup("ada@example.com").await;
    server::exec!(
        &app.state.db,
        sqlx::query("UPDATE users SET disabled_at = $1").bind(chrono::Utc::now())
    )
    .unwrap();
    assert!(!app.signed_in().await);
    assert_eq!(
        app.count("sessions").await,
        0,
        "the stale session was ended"
    );
    let res = app.login("ada@example.com", PASSWORD).await;
    assert_eq!(
        flash_of(&res).unwrap().message,
        "Email or password is incorrect."
    );
}

/// The built site's files never touch the session: a preload still in flight with the cookie of
/// a session that signing in has just replaced (and deleted) must not answer with a cookie that
/// removes the new one.
#[tokio::test]
async fn files_of_the_site_never_remove_the_session_cookie() {
    let app = spawn_app().await;
    app.setup("ada@example.com").await;
    assert!(app.signed_in().await);
    // The session's record goes, as signing in again deletes the old one.
    let db = &app.state.db;
    server::exec!(db, sqlx::query("DELETE FROM sessions")).unwrap();
    let res = app.get("/pkg/switchyard.wasm").await;
    assert!(
        res.headers().get("set-cookie").is_none(),
        "a file answered with {:?}",
        res.headers().get("set-cookie")
    );
    // A page with that cookie does clear it (the session is gone).
    let res = app.get("/").await;
    assert!(res.headers().get("set-cookie").is_some());
}
