//! Health, readiness and metrics.

mod common;

use common::*;
use reqwest::StatusCode;

#[tokio::test]
async fn health_and_ready_answer_while_the_database_is_up() {
    let app = spawn_app().await;
    let res = app.get("/health").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers().get("x-request-id").is_some(),
        "request id is echoed"
    );
    let res = app.get("/ready").await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn ready_says_503_with_the_reason_when_the_database_is_gone() {
    let app = spawn_app().await;
    assert_eq!(app.get("/ready").await.status(), StatusCode::OK);
    app.state.db.close().await;
    let res = app.get("/ready").await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["reason"], "database: unavailable", "{body}");
    assert_eq!(
        app.get("/health").await.status(),
        StatusCode::OK,
        "liveness does not depend on it"
    );
}

#[tokio::test]
async fn metrics_need_the_token_when_one_is_set_and_a_local_client_otherwise() {
    const TOKEN: &str = "scrape-me-0123456789";
    let app = spawn_app_with(&[("METRICS_TOKEN", TOKEN)]).await;
    let scrape = |auth: Option<&str>| {
        let mut req = app.client.get(app.url("/metrics"));
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        req.send()
    };
    assert_eq!(scrape(None).await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(
        scrape(Some("Bearer wrong-token-0123456789"))
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        scrape(Some(TOKEN)).await.unwrap().status(),
        StatusCode::NOT_FOUND,
        "the Bearer scheme is required"
    );
    let res = scrape(Some(&format!("Bearer {TOKEN}"))).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("http_requests_total"));

    // Without a token: a client behind a trusted proxy is not local, whatever the socket says.
    let proxied = spawn_app_with(&[("TRUSTED_PROXIES", "127.0.0.1")]).await;
    let res = proxied
        .client
        .get(proxied.url("/metrics"))
        .header("x-forwarded-for", "203.0.113.9")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // Production without a token: off.
    let prod = spawn_app_with(&[
        ("APP_ENV", "production"),
        ("APP_SECRET_KEY", "0123456789abcdef0123456789abcdef"),
    ])
    .await;
    assert_eq!(prod.get("/metrics").await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status_and_jobs_by_state() {
    let app = spawn_app().await;
    app.get("/health").await;
    app.get("/setup").await;
    let text = app.get("/metrics").await.text().await.unwrap();
    assert!(
        text.lines().any(|l| l.starts_with("http_requests_total{")
            && l.contains("route=\"/health\"")
            && l.contains("status=\"200\"")),
        "{text}"
    );
    assert!(
        text.contains("http_request_duration_seconds_bucket"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("jobs{status=\"queued\"}")),
        "{text}"
    );
}

#[tokio::test]
async fn a_page_request_during_an_outage_gets_a_friendly_page_with_a_reference() {
    let app = spawn_app().await;
    app.state.db.close().await;
    let res = app
        .client
        .get(app.url("/"))
        .header("accept", "text/html,application/xhtml+xml")
        .header("x-request-id", "ref-1234")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let body = res.text().await.unwrap();
    assert!(
        body.contains("Switchyard is temporarily unavailable"),
        "{body}"
    );
    assert!(body.contains("ref-1234"), "the reference is shown");

    // API callers keep the JSON error.
    let res = app.get("/").await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "unavailable");
}
