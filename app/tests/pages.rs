//! The full application router (Leptos pages, server functions, server routes) over HTTP:
//! pages render useful HTML on the server, and server functions refuse anonymous callers.
#![cfg(feature = "ssr")]

mod support;

use reqwest::StatusCode;
use support::{common::*, spawn_full};

async fn html(app: &TestApp, path: &str) -> (StatusCode, String) {
    let res = app.get(path).await;
    (res.status(), res.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_and_login_pages_render_on_the_server() {
    let app = spawn_full().await;
    let (status, body) = html(&app, "/setup").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("<title>Set up Switchyard</title>"), "{body}");
    assert!(body.contains(r#"action="/auth/setup""#));
    assert!(body.contains(r#"name="password_confirm""#));

    // A refused setup comes back to the form with the message at its field, rendered by the
    // server, and the one-shot cookie is cleared.
    let res = app
        .setup_with(&[("password", "short1"), ("password_confirm", "short1")])
        .await;
    assert_eq!(location(&res), "/setup");
    let res = app.get("/setup").await;
    let cleared = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .any(|c| c.to_str().unwrap().starts_with("switchyard_flash=;"));
    let body = res.text().await.unwrap();
    assert!(
        body.contains("Password must be at least 8 characters long."),
        "{body}"
    );
    assert!(
        body.contains(r#"value="ada@example.com""#),
        "typed values are kept"
    );
    assert!(cleared, "the flash cookie is cleared once shown");
    let (_, again) = html(&app, "/setup").await;
    assert!(!again.contains("at least 8 characters long."), "shown once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_renders_real_figures_without_javascript() {
    let app = spawn_full().await;
    app.setup("ada@example.com").await;
    let (status, body) = html(&app, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains(", Ada</h1>"), "greeting: {body}");
    assert!(body.contains("Acme Electric"));
    assert!(
        body.contains("Get started"),
        "an empty company sees its first steps"
    );
    assert!(body.contains("created the company"));
    assert!(
        body.contains("/pkg/switchyard.js"),
        "hydration script is linked"
    );

    app.logout().await;
    let (status, body) = html(&app, "/login?signed_out=1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("You have been signed out."));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_functions_refuse_anonymous_callers_with_401() {
    let app = spawn_full().await;
    app.setup("ada@example.com").await;
    let res = app
        .client
        .post(app.url("/api/dashboard"))
        .form(&[("period", "7d"), ("from", ""), ("to", ""), ("store", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "signed in");
    let body: serde_json::Value = res.json().await.unwrap();
    // The dashboard rendered on the server, for the period asked.
    let html = body["html"].as_str().unwrap();
    assert!(html.contains(", Ada</h1>"), "{html}");
    assert!(html.contains(r#"<option value="7d" selected"#), "{html}");

    let anonymous = client_for(&app.base);
    let res = anonymous
        .post(app.url("/api/dashboard"))
        .form(&[("period", "7d"), ("from", ""), ("to", ""), ("store", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "unauthorized");

    let cross = reqwest::Client::new()
        .post(app.url("/api/dashboard"))
        .form(&[("period", "7d"), ("from", ""), ("to", ""), ("store", "")])
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(
        cross.status(),
        StatusCode::FORBIDDEN,
        "server functions get the origin check too"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_pages_are_404_for_signed_in_users() {
    let app = spawn_full().await;
    app.setup("ada@example.com").await;
    let (status, body) = html(&app, "/no/such/page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("This page does not exist"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_allow_only_scripts_carrying_their_nonce() {
    let app = spawn_full().await;
    let res = app.get("/setup").await;
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let body = res.text().await.unwrap();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce in the policy");
    assert!(nonce.len() >= 16, "{csp}");
    assert!(
        !csp.contains("unsafe-inline'; script")
            && !csp.contains("script-src 'self' 'unsafe-inline'")
    );
    let inline_scripts = body.matches("<script").count();
    let with_nonce = body.matches(&format!("nonce=\"{nonce}\"")).count();
    assert!(inline_scripts > 0);
    assert_eq!(
        inline_scripts, with_nonce,
        "every script carries the nonce: {body}"
    );
    let again = app.get("/setup").await;
    assert_ne!(
        again.headers()["content-security-policy"].to_str().unwrap(),
        csp,
        "a fresh nonce per page"
    );
}

/// The analysis limits form (as ActionForm sends it, `values[key]=…`) reaches the company, and a
/// bad value comes back as a 422 naming the field.
#[tokio::test]
async fn analysis_limits_are_saved_from_the_form_encoding() {
    let app = spawn_full().await;
    app.setup("ada@example.com").await;
    let owner = app.principal("ada@example.com").await;
    let res = app
        .post_form(
            "/api/save_analysis_limits",
            &[
                ("values[ground_max_ohm]", "8"),
                ("values[absorption_min]", ""),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        reqwest::StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    let (_, rows) = server::analyses::limits::rows(&app.state.db, &owner)
        .await
        .unwrap();
    let ground = rows.iter().find(|r| r.key == "ground_max_ohm").unwrap();
    assert_eq!(ground.custom, Some(8.0));
    assert_eq!(rows.iter().filter(|r| r.custom.is_some()).count(), 1);
    let res = app
        .post_form(
            "/api/save_analysis_limits",
            &[("values[ground_max_ohm]", "-1")],
        )
        .await;
    assert_eq!(res.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("ground_max_ohm"));
}
