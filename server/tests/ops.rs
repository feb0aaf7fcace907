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
    assert!(
        body["reason"].as_str().unwrap().starts_with("database"),
        "{body}"
    );
    assert_eq!(
        app.get("/health").await.status(),
        StatusCode::OK,
        "liveness does not depend on it"
    );
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
