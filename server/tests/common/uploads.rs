//! Analyses helpers: a report uploaded through POST /analyses/upload (as the hydrated page sends
//! it, asking for JSON) and run by the job queue. Included with `#[path]` by the analyses tests
//! (multipart needs a reqwest feature the app crate's tests do not enable).
#![allow(dead_code)]

use reqwest::{
    multipart::{Form, Part},
    StatusCode,
};
use serde_json::Value;
use server::access::Principal;
use server::analyses::service::AnalysisRow;
use uuid::Uuid;

use crate::common::TestApp;

pub async fn upload_with(
    app: &TestApp,
    client: &reqwest::Client,
    name: &str,
    bytes: Vec<u8>,
    test_type: &str,
) -> (StatusCode, Value) {
    let form = Form::new()
        .text("test_type", test_type.to_string())
        .part("file", Part::bytes(bytes).file_name(name.to_string()));
    let res = client
        .post(app.url("/analyses/upload"))
        .header("accept", "application/json")
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Uploads with the app's own (signed-in) client.
pub async fn upload(
    app: &TestApp,
    name: &str,
    bytes: Vec<u8>,
    test_type: &str,
) -> (StatusCode, Value) {
    upload_with(app, &app.client, name, bytes, test_type).await
}

pub async fn run_jobs(app: &TestApp) -> usize {
    server::jobs::run_until_empty(&app.state.job_context(), &server::areas::jobs())
        .await
        .unwrap()
}

pub fn id_of(v: &Value) -> Uuid {
    v["id"].as_str().unwrap().parse().unwrap()
}

/// Uploads, runs the queue, and answers the analysis as `owner` sees it.
pub async fn analysed(
    app: &TestApp,
    owner: &Principal,
    name: &str,
    bytes: Vec<u8>,
    test_type: &str,
) -> AnalysisRow {
    let (status, body) = upload(app, name, bytes, test_type).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    run_jobs(app).await;
    server::analyses::service::get(&app.state.db, owner, id_of(&body))
        .await
        .unwrap()
}
