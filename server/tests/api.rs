//! The JSON API on both databases: company keys (scopes, store, expiry, revocation, audit),
//! orders and tokens through them, problem documents for every refusal, the named limits with
//! their headers, Idempotency-Key, and the OpenAPI document with its reference page.

mod common;
#[path = "common/orders.rs"]
mod orders_common;

use chrono::{Duration, Utc};
use common::*;
use reqwest::{RequestBuilder, Response, StatusCode};
use secrecy::ExposeSecret;
use serde_json::{json, Value};
use server::{
    access::Principal,
    api::keys::{self, NewKey},
    audit::RequestMeta,
    Error,
};
use uuid::Uuid;

const OWNER: &str = "ada@example.com";

struct Fixture {
    app: TestApp,
    owner: Principal,
    store_a: Uuid,
    store_b: Uuid,
    /// Orders of store A (3) then B (2), by number 1..=5.
    orders: Vec<Uuid>,
}

async fn fixture_with(extra: &[(&str, &str)]) -> Fixture {
    let app = spawn_app_with(extra).await;
    app.setup(OWNER).await;
    let owner = app.principal(OWNER).await;
    let db = &app.state.db;
    let store_a = orders_common::store(db, &owner, "Shop A").await;
    let store_b = orders_common::store(db, &owner, "Shop B").await;
    let mut orders = Vec::new();
    for n in 1..=5u64 {
        let store = if n <= 3 { store_a } else { store_b };
        orders.push(orders_common::add_order(db, &owner, store, n, |_| {}).await);
    }
    Fixture {
        app,
        owner,
        store_a,
        store_b,
        orders,
    }
}

async fn key_for(app: &TestApp, p: &Principal, scopes: &[&str], store: Option<Uuid>) -> String {
    keys::create(
        &app.state.db,
        p,
        &RequestMeta::default(),
        &NewKey {
            name: "Warehouse sync".into(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            store: store.map(|s| s.to_string()),
            expires_on: None,
        },
    )
    .await
    .unwrap()
    .key
    .expose_secret()
    .to_string()
}

/// A client without cookies or Origin: an integrator's program.
fn program() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn with_key(req: RequestBuilder, key: &str) -> RequestBuilder {
    req.header("authorization", format!("Bearer {key}"))
}

async fn get(app: &TestApp, path: &str, key: Option<&str>) -> Response {
    let req = program().get(app.url(path));
    match key {
        Some(k) => with_key(req, k),
        None => req,
    }
    .send()
    .await
    .unwrap()
}

async fn post_json(
    app: &TestApp,
    path: &str,
    key: &str,
    body: Value,
    idem: Option<&str>,
) -> Response {
    let mut req = with_key(program().post(app.url(path)), key).json(&body);
    if let Some(k) = idem {
        req = req.header("idempotency-key", k);
    }
    req.send().await.unwrap()
}

/// Asserts a problem document with `status` and `code`; answers it.
async fn problem(res: Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(res.status(), status);
    assert_eq!(
        res.headers()["content-type"],
        "application/problem+json",
        "a problem document"
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], status.as_u16());
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["type"], format!("/api/v1/docs#problem-{code}"));
    assert!(!body["title"].as_str().unwrap().is_empty());
    body
}

async fn refusals(app: &TestApp) -> Vec<Option<String>> {
    app.audit_actions()
        .await
        .into_iter()
        .filter(|(a, _)| a == "API_KEY_REFUSED")
        .map(|(_, r)| r)
        .collect()
}

#[tokio::test]
async fn a_key_reads_orders_and_tokens_within_its_scopes() {
    let f = fixture_with(&[]).await;
    let app = &f.app;
    let key = key_for(app, &f.owner, &["orders.read", "billing.read"], None).await;
    assert!(key.starts_with("swk_"));
    assert_eq!(app.audit_count("API_KEY_CREATED").await, 1);

    // The whole list, newest first, with what is left of the hour's calls.
    let res = get(app, "/api/v1/orders", Some(&key)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["ratelimit-limit"], "1000");
    assert_eq!(res.headers()["ratelimit-remaining"], "999");
    assert_eq!(res.headers()["ratelimit-policy"], "1000;w=3600");
    let page: Value = res.json().await.unwrap();
    let numbers: Vec<&str> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, ["#5", "#4", "#3", "#2", "#1"]);
    assert_eq!(page["next_cursor"], Value::Null);
    let first = &page["data"][0];
    assert_eq!(first["store_name"], "Shop B");
    assert!(first["total_minor"].as_i64().unwrap() > 0);
    assert!(first["flags"].is_array());

    // Pages of two follow the cursor to the end, each order once.
    let (mut seen, mut cursor) = (Vec::new(), None::<String>);
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/orders?limit=2&cursor={c}"),
            None => "/api/v1/orders?limit=2".to_string(),
        };
        let page: Value = get(app, &path, Some(&key)).await.json().await.unwrap();
        for o in page["data"].as_array().unwrap() {
            seen.push(o["number"].as_str().unwrap().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(seen, ["#5", "#4", "#3", "#2", "#1"]);

    // The inbox's filters.
    let page: Value = get(
        app,
        &format!("/api/v1/orders?store={}", f.store_a),
        Some(&key),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(page["data"].as_array().unwrap().len(), 3);

    // A store that is not the company's is no store; an empty one is refused.
    problem(
        get(
            app,
            &format!("/api/v1/orders?store={}", Uuid::now_v7()),
            Some(&key),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let p = problem(
        get(app, "/api/v1/orders?store=", Some(&key)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(p["field"], "store");

    // One order, whole.
    let res = get(app, &format!("/api/v1/orders/{}", f.orders[0]), Some(&key)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let order: Value = res.json().await.unwrap();
    assert_eq!(order["number"], "#1");
    assert_eq!(order["store_id"], f.store_a.to_string());
    assert!(!order["items"].as_array().unwrap().is_empty());
    assert!(!order["timeline"].as_array().unwrap().is_empty());

    // Tokens.
    let balance: Value = get(app, "/api/v1/tokens", Some(&key))
        .await
        .json()
        .await
        .unwrap();
    let expected = server::billing::ledger::balance(&app.state.db, f.owner.company_id)
        .await
        .unwrap();
    assert_eq!(balance["balance"], expected);
    let ledger: Value = get(app, "/api/v1/tokens/ledger?limit=1", Some(&key))
        .await
        .json()
        .await
        .unwrap();
    assert!(ledger["data"].is_array());

    // Bad values: problems naming the field, nothing else.
    problem(
        get(app, "/api/v1/orders?limit=0", Some(&key)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    let p = problem(
        get(app, "/api/v1/orders?cursor=yesterday", Some(&key)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(p["field"], "cursor");
    let p = problem(
        get(
            app,
            "/api/v1/orders?from=2026-11-20&to=2026-11-01",
            Some(&key),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(p["field"], "to");
    let p = problem(
        get(app, "/api/v1/orders?status=LOST", Some(&key)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(p["field"], "status");
    problem(
        get(app, "/api/v1/orders?limit=1&limit=2", Some(&key)).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;
    for path in [
        format!("/api/v1/orders/{}", Uuid::now_v7()),
        "/api/v1/orders/not-a-uuid".to_string(),
        "/api/v1/no-such-thing".to_string(),
    ] {
        problem(
            get(app, &path, Some(&key)).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }

    // Outside its scopes: 403, audited with the permission it lacked.
    let res = post_json(
        app,
        &format!("/api/v1/orders/{}/status", f.orders[0]),
        &key,
        json!({"status": "PICKING"}),
        None,
    )
    .await;
    problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(refusals(app).await, [Some("scope".to_string())]);

    // Its use is noted (when, from where).
    let listed = keys::list(&app.state.db, &f.owner).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].last_used_at.is_some());
    assert_eq!(listed[0].last_used_ip.as_deref(), Some("127.0.0.1"));
    assert!(key.starts_with(&listed[0].prefix));
}

#[tokio::test]
async fn no_key_a_wrong_one_or_the_session_is_refused() {
    let f = fixture_with(&[]).await;
    let app = &f.app;
    let key = key_for(app, &f.owner, &["orders.read"], None).await;
    let res = get(app, "/api/v1/orders", None).await;
    assert_eq!(res.headers()["www-authenticate"], "Bearer");
    assert_eq!(res.headers()["ratelimit-limit"], "100");
    problem(res, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let wrong_secret = format!("{}{}", &key[..key.len() - 4], "0000");
    for bad in [
        "swk_nothing",
        &wrong_secret,
        &key.replacen("swk_", "sk_", 1),
    ] {
        let p = problem(
            get(app, "/api/v1/orders", Some(bad)).await,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        )
        .await;
        assert_eq!(p["detail"], "The API key is not valid.");
    }
    // A known prefix with a wrong secret is audited in the key's company.
    assert_eq!(refusals(app).await, [Some("wrong_secret".to_string())]);
    // Another scheme.
    let res = program()
        .get(app.url("/api/v1/orders"))
        .header("authorization", format!("Basic {key}"))
        .send()
        .await
        .unwrap();
    problem(res, StatusCode::UNAUTHORIZED, "unauthorized").await;
    // A signed-in browser's session is no key.
    let browser = app.signed_in_client(OWNER, PASSWORD, "browser").await;
    let res = browser.get(app.url("/api/v1/orders")).send().await.unwrap();
    problem(res, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[tokio::test]
async fn a_store_key_and_another_company_see_only_their_own() {
    let f = fixture_with(&[]).await;
    let app = &f.app;
    let key = key_for(app, &f.owner, &["orders.read"], Some(f.store_a)).await;
    let page: Value = get(app, "/api/v1/orders", Some(&key))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["data"].as_array().unwrap().len(), 3);
    assert!(page["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|o| o["store_id"] == f.store_a.to_string()));
    problem(
        get(
            app,
            &format!("/api/v1/orders?store={}", f.store_b),
            Some(&key),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        get(app, &format!("/api/v1/orders/{}", f.orders[4]), Some(&key)).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    // A key of the owner's other company sees none of this company's orders.
    let other = app.company_owned_by("Other Co", f.owner.user_id).await;
    let there = server::identity::load_principal(&app.state.db, f.owner.user_id, other)
        .await
        .unwrap()
        .unwrap();
    let other_key = key_for(app, &there, &["orders.read"], None).await;
    let page: Value = get(app, "/api/v1/orders", Some(&other_key))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["data"], json!([]));
    problem(
        get(
            app,
            &format!("/api/v1/orders/{}", f.orders[0]),
            Some(&other_key),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn keys_are_checked_when_made_and_refused_once_revoked_expired_or_narrowed() {
    let f = fixture_with(&[]).await;
    let app = &f.app;
    let db = &app.state.db;
    let meta = RequestMeta::default();
    let make = |name: &str, scopes: &[&str], store: Option<String>, expires_on| NewKey {
        name: name.into(),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        store,
        expires_on,
    };
    let today = Utc::now().date_naive();
    let before = app.count("api_keys").await;
    for (new, field) in [
        (make(" ", &["orders.read"], None, None), "name"),
        (make(&"k".repeat(81), &["orders.read"], None, None), "name"),
        (make("k", &[], None, None), "scopes"),
        (make("k", &["rockets.launch"], None, None), "scopes"),
        (
            make(
                "k",
                &["orders.read"],
                Some(Uuid::now_v7().to_string()),
                None,
            ),
            "store",
        ),
        (
            make("k", &["orders.read"], Some("shop".into()), None),
            "store",
        ),
        (
            make("k", &["orders.read"], None, Some(today - Duration::days(1))),
            "expires",
        ),
        (
            make(
                "k",
                &["orders.read"],
                None,
                Some(today + Duration::days(800)),
            ),
            "expires",
        ),
    ] {
        match keys::create(db, &f.owner, &meta, &new).await {
            Err(Error::Validation { field: got, .. }) => assert_eq!(got, field, "{new:?}"),
            Err(other) => panic!("{new:?}: {other:?}"),
            Ok(_) => panic!("{new:?} was accepted"),
        }
    }
    assert_eq!(app.count("api_keys").await, before, "nothing written");

    // An operator (no settings.manage) makes none; a manager gives only what they hold.
    let operator = app
        .add_member(&f.owner, "op@example.com", "operator", vec![f.store_a])
        .await;
    assert!(matches!(
        keys::create(
            db,
            &operator,
            &meta,
            &make("k", &["orders.read"], None, None)
        )
        .await,
        Err(Error::Forbidden)
    ));

    // Revoked: refused at once, with why; revoking again changes nothing.
    let key = key_for(app, &f.owner, &["orders.read"], None).await;
    let id = keys::list(db, &f.owner).await.unwrap()[0].id;
    assert_eq!(
        get(app, "/api/v1/orders", Some(&key)).await.status(),
        StatusCode::OK
    );
    keys::revoke(db, &f.owner, &meta, id).await.unwrap();
    keys::revoke(db, &f.owner, &meta, id).await.unwrap();
    assert_eq!(app.audit_count("API_KEY_REVOKED").await, 1);
    let p = problem(
        get(app, "/api/v1/orders", Some(&key)).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    assert_eq!(p["detail"], "The API key was revoked.");
    assert!(matches!(
        keys::revoke(db, &operator, &meta, id).await,
        Err(Error::Forbidden)
    ));

    // Expired: refused.
    let key = key_for(app, &f.owner, &["orders.read"], None).await;
    server::exec!(
        db,
        sqlx::query("UPDATE api_keys SET expires_at = $1 WHERE revoked_at IS NULL")
            .bind(Utc::now() - Duration::minutes(1))
    )
    .unwrap();
    let p = problem(
        get(app, "/api/v1/orders", Some(&key)).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    assert_eq!(p["detail"], "The API key has expired.");
    assert_eq!(
        refusals(app).await,
        [Some("revoked".to_string()), Some("expired".to_string())]
    );

    // A key acts for its maker as they are now: an admin's write key stops writing when the
    // admin becomes a viewer, and stops altogether when they leave.
    let admin = app
        .add_member(&f.owner, "admin@example.com", "admin", vec![])
        .await;
    let key = key_for(app, &admin, &["orders.read", "orders.write"], None).await;
    let path = format!("/api/v1/orders/{}/status", f.orders[0]);
    let res = post_json(app, &path, &key, json!({"status": "PICKING"}), None).await;
    assert_eq!(res.status(), StatusCode::OK);
    server::team::members::change_role(db, &f.owner, &meta, admin.user_id, "viewer")
        .await
        .unwrap();
    let res = post_json(app, &path, &key, json!({"status": "PACKED"}), None).await;
    problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(
        get(app, "/api/v1/orders", Some(&key)).await.status(),
        StatusCode::OK
    );
    server::team::members::remove(db, &app.state.sessions, &f.owner, &meta, admin.user_id)
        .await
        .unwrap();
    let p = problem(
        get(app, "/api/v1/orders", Some(&key)).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    assert!(
        p["detail"].as_str().unwrap().contains("can no longer act"),
        "{p}"
    );
}

#[tokio::test]
async fn a_status_change_runs_once_per_idempotency_key() {
    let f = fixture_with(&[]).await;
    let app = &f.app;
    let key = key_for(app, &f.owner, &["orders.read", "orders.write"], None).await;
    let order = f.orders[0];
    let path = format!("/api/v1/orders/{order}/status");
    // No Origin, no cookie: the key is the proof (no CSRF refusal).
    let res = post_json(app, &path, &key, json!({"status": "PICKING"}), Some("op-1")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers().get("idempotent-replayed").is_none());
    let first: Value = res.json().await.unwrap();
    assert_eq!(first["status"], "PICKING");
    let audited = app.audit_count("ORDER_EDITED").await;
    assert_eq!(audited, 1);

    // The same request again: the first answer, nothing done.
    let res = post_json(app, &path, &key, json!({"status": "PICKING"}), Some("op-1")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["idempotent-replayed"], "true");
    assert_eq!(res.json::<Value>().await.unwrap(), first);
    assert_eq!(app.audit_count("ORDER_EDITED").await, 1);

    // The same key for another request: refused.
    let res = post_json(app, &path, &key, json!({"status": "PACKED"}), Some("op-1")).await;
    problem(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
    )
    .await;
    // A bad key.
    let res = post_json(
        app,
        &path,
        &key,
        json!({"status": "PACKED"}),
        Some("two words"),
    )
    .await;
    problem(res, StatusCode::BAD_REQUEST, "bad_request").await;

    // Without a key: the status it has already is no change; a move the workflow refuses is a
    // 409 with why; bad bodies are problems.
    let res = post_json(app, &path, &key, json!({"status": "PICKING"}), None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.audit_count("ORDER_EDITED").await, 1);
    let res = post_json(app, &path, &key, json!({"status": "DELIVERED"}), None).await;
    let p = problem(res, StatusCode::CONFLICT, "conflict").await;
    assert_eq!(p["detail"], "Only a shipped order can be marked Delivered.");
    let p = problem(
        post_json(app, &path, &key, json!({"status": "LOST"}), None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(p["field"], "status");
    problem(
        post_json(app, &path, &key, json!({"state": "PACKED"}), None).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;
    let res = with_key(program().post(app.url(&path)), &key)
        .header("content-type", "text/plain")
        .body("PACKED")
        .send()
        .await
        .unwrap();
    problem(
        res,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;

    // A claim whose first request never got its answer (cut off) is taken over after its
    // lease, for the same request.
    server::exec!(
        &app.state.db,
        sqlx::query("UPDATE api_idempotency SET status = NULL, body = NULL, created_at = $1")
            .bind(Utc::now() - Duration::minutes(2))
    )
    .unwrap();
    let res = post_json(app, &path, &key, json!({"status": "PICKING"}), Some("op-1")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers().get("idempotent-replayed").is_none());

    // Kept answers are forgotten after a day.
    assert_eq!(app.count("api_idempotency").await, 1);
    server::exec!(
        &app.state.db,
        sqlx::query("UPDATE api_idempotency SET created_at = $1")
            .bind(Utc::now() - Duration::hours(25))
    )
    .unwrap();
    assert_eq!(
        server::api::idempotency::prune(&app.state.db)
            .await
            .unwrap(),
        1
    );
    assert_eq!(app.count("api_idempotency").await, 0);
}

#[tokio::test]
async fn calls_are_limited_per_key_and_per_address() {
    let f = fixture_with(&[
        ("API_REQUESTS_PER_HOUR", "3"),
        ("API_ANONYMOUS_PER_HOUR", "2"),
    ])
    .await;
    let app = &f.app;
    let key = key_for(app, &f.owner, &["orders.read"], None).await;
    for left in ["2", "1", "0"] {
        let res = get(app, "/api/v1/orders", Some(&key)).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["ratelimit-remaining"], left);
    }
    let res = get(app, "/api/v1/orders", Some(&key)).await;
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&wait), "{wait}");
    problem(res, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;

    // Without a key: the document, then the address's quota is spent.
    for _ in 0..2 {
        assert_eq!(
            get(app, "/api/v1/openapi.json", None).await.status(),
            StatusCode::OK
        );
    }
    problem(
        get(app, "/api/v1/openapi.json", None).await,
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
    )
    .await;
}

#[tokio::test]
async fn the_document_and_its_reference_page_are_served() {
    let app = spawn_app().await;
    app.setup(OWNER).await;
    let res = get(&app, "/api/v1/openapi.json", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/json");
    let doc: Value = res.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(doc["paths"]["/api/v1/orders/{id}/status"]["post"].is_object());
    assert_eq!(
        doc["components"]["securitySchemes"]["api_key"]["scheme"],
        "bearer"
    );
    let res = get(&app, "/api/v1/docs", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("default-src 'self'"), "{csp}");
    let page = res.text().await.unwrap();
    assert!(page.contains("List orders"));
    assert!(page.contains("Idempotency-Key"));
    assert!(!page.contains("<script"));
}

#[tokio::test]
async fn settings_forms_make_and_revoke_keys_for_a_signed_in_member() {
    let f = fixture_with(&[]).await;
    let app = &f.app;
    let browser = app.signed_in_client(OWNER, PASSWORD, "browser").await;
    let post = |path: &'static str, form: Vec<(&'static str, String)>| {
        let browser = browser.clone();
        async move {
            browser
                .post(app.url(path))
                .form(&form)
                .send()
                .await
                .unwrap()
        }
    };

    // Refused with the field named and what was typed kept; nothing made.
    let res = post(
        "/settings/api/keys",
        vec![("name", "Warehouse".into()), ("store", "".into())],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/settings/api");
    let flash = flash_of(&res).unwrap();
    assert_eq!(flash.field.as_deref(), Some("scopes"));
    assert_eq!(flash.values["name"], "Warehouse");
    assert_eq!(app.count("api_keys").await, 0);

    // Made: back to the page with a message naming its prefix (the key waits in the session).
    let res = post(
        "/settings/api/keys",
        vec![
            ("name", "Warehouse".into()),
            ("scopes", "orders.read".into()),
            ("scopes", "billing.read".into()),
            ("store", f.store_a.to_string()),
            ("expires", "".into()),
        ],
    )
    .await;
    assert_eq!(location(&res), "/settings/api");
    let flash = flash_of(&res).unwrap();
    assert_eq!(flash.field, None);
    let listed = keys::list(&app.state.db, &f.owner).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].scopes, "orders.read billing.read");
    assert_eq!(listed[0].store_id, Some(f.store_a));
    assert!(
        flash.message.contains(&listed[0].prefix),
        "{}",
        flash.message
    );

    // Another site's form cannot make one.
    let res = program()
        .post(app.url("/settings/api/keys"))
        .header("origin", "https://evil.example")
        .form(&[("name", "x"), ("scopes", "orders.read")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Revoked from the list.
    let res = post(
        "/settings/api/keys/revoke",
        vec![("id", listed[0].id.to_string())],
    )
    .await;
    assert_eq!(location(&res), "/settings/api");
    assert!(keys::list(&app.state.db, &f.owner).await.unwrap()[0]
        .revoked_at
        .is_some());

    // A member without settings.manage: refused.
    app.add_member(&f.owner, "op@example.com", "operator", vec![])
        .await;
    let operator = app.signed_in_client("op@example.com", PASSWORD, "op").await;
    let res = operator
        .post(app.url("/settings/api/keys"))
        .form(&[("name", "x"), ("scopes", "orders.read")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("api_keys").await, 1);
}

#[tokio::test]
async fn webhook_endpoints_through_the_api() {
    let f = fixture_with(&[]).await;
    let app = &f.app;
    let key = key_for(app, &f.owner, &["settings.manage"], None).await;
    let res = post_json(
        app,
        "/api/v1/webhook-endpoints",
        &key,
        json!({"url": "https://hooks.example.com/in", "events": ["order.created", "tokens.purchased"]}),
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let made: Value = res.json().await.unwrap();
    assert!(made["secret"].as_str().unwrap().starts_with("whsec_"));
    assert_eq!(made["endpoint"]["circuit"], "closed");
    let id = made["endpoint"]["id"].as_str().unwrap().to_string();
    let list: Value = get(app, "/api/v1/webhook-endpoints", Some(&key))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        list["data"][0]["events"],
        json!(["order.created", "tokens.purchased"])
    );
    assert!(list["data"][0].get("secret").is_none());

    let p = problem(
        post_json(
            app,
            "/api/v1/webhook-endpoints",
            &key,
            json!({"url": "http://169.254.169.254/latest", "events": ["order.created"]}),
            None,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(p["field"], "url");

    let res = with_key(
        program().delete(app.url(&format!("/api/v1/webhook-endpoints/{id}"))),
        &key,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = with_key(
        program().delete(app.url(&format!("/api/v1/webhook-endpoints/{id}"))),
        &key,
    )
    .send()
    .await
    .unwrap();
    problem(res, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(app.audit_count("WEBHOOK_ENDPOINT_DELETED").await, 1);
}
