//! Cron for external schedulers: POST /api/cron/{job} and /api/cron/run-all.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::Value;

const SECRET: &str = "cron-secret-0123456789abcdef-0123456789";

/// The queued jobs of `kind` and their dedupe keys.
async fn queued(app: &TestApp, kind: &str) -> Vec<String> {
    server::with_db!(&app.state.db, |p| sqlx::query_scalar::<_, Option<String>>(
        "SELECT dedupe_key FROM jobs WHERE kind = $1 ORDER BY id"
    )
    .bind(kind)
    .fetch_all(p)
    .await)
    .unwrap()
    .into_iter()
    .map(|k| k.unwrap_or_default())
    .collect()
}

async fn call(app: &TestApp, path: &str, auth: Option<&str>) -> reqwest::Response {
    let mut req = app.client.post(app.url(path));
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn a_scheduler_with_the_secret_queues_a_slot_once() {
    let app = spawn_app_with(&[("CRON_SECRET", SECRET)]).await;
    let bearer = format!("Bearer {SECRET}");
    let kind = "session-cleanup";
    let every = server::areas::jobs()
        .schedule()
        .into_iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, every)| every)
        .expect("the session cleanup is periodic");

    // No secret, a wrong one, the secret without its scheme: refused, nothing queued.
    for auth in [
        None,
        Some("Bearer not-the-cron-secret-0123456789abcdef0"),
        Some(SECRET),
    ] {
        let res = call(&app, &format!("/api/cron/{kind}"), auth).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{auth:?}");
        assert_eq!(res.headers()["www-authenticate"], "Bearer");
    }
    assert!(queued(&app, kind).await.is_empty());

    // An unknown job: 404 with the jobs there are.
    let res = call(&app, "/api/cron/no-such-job", Some(&bearer)).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "no scheduled job `no-such-job`");
    assert!(body["jobs"].as_array().unwrap().iter().any(|k| k == kind));

    // The secret: the current slot is queued, under the in-process scheduler's key; a second
    // call (a retrying scheduler, another instance) finds it queued already.
    let res = call(&app, &format!("/api/cron/{kind}"), Some(&bearer)).await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let first: Value = res.json().await.unwrap();
    assert_eq!(first["job"], kind);
    assert_eq!(first["queued"], true);
    let slot = first["slot"].as_i64().unwrap();
    let expected = server::jobs::slot_of(chrono::Utc::now(), every);
    assert!(
        (expected - slot).abs() <= 1,
        "slot {slot}, expected {expected}"
    );
    let again: Value = call(&app, &format!("/api/cron/{kind}"), Some(&bearer))
        .await
        .json()
        .await
        .unwrap();
    if again["slot"] == first["slot"] {
        assert_eq!(again["queued"], false, "{again}");
    }
    let keys = queued(&app, kind).await;
    assert_eq!(keys[0], server::jobs::slot_key(kind, slot));
    assert_eq!(
        keys.len(),
        if again["slot"] == first["slot"] { 1 } else { 2 }
    );
}

#[tokio::test]
async fn run_all_queues_every_periodic_job_once_per_slot() {
    let app = spawn_app_with(&[("CRON_SECRET", SECRET)]).await;
    let bearer = format!("Bearer {SECRET}");
    let schedule = server::areas::jobs().schedule();
    assert!(schedule.len() >= 5, "{schedule:?}");

    let res = call(&app, "/api/cron/run-all", None).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.count("jobs").await, 0);

    let res = call(&app, "/api/cron/run-all", Some(&bearer)).await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let body: Value = res.json().await.unwrap();
    let jobs = body["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), schedule.len());
    for (kind, _) in &schedule {
        let entry = jobs.iter().find(|j| j["job"] == *kind).unwrap();
        assert_eq!(entry["queued"], true, "{entry}");
        assert_eq!(queued(&app, kind).await.len(), 1, "{kind}");
    }
    // Again at once: every slot is there already (a slot that just turned is queued anew).
    let body: Value = call(&app, "/api/cron/run-all", Some(&bearer))
        .await
        .json()
        .await
        .unwrap();
    let anew = body["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|j| j["queued"] == true)
        .count();
    assert!(anew <= 1, "{body}");
    assert_eq!(app.count("jobs").await as usize, schedule.len() + anew);
}

#[tokio::test]
async fn without_a_cron_secret_the_endpoints_do_not_exist() {
    let app = spawn_app().await;
    for path in ["/api/cron/run-all", "/api/cron/session-cleanup"] {
        let res = call(&app, path, Some(&format!("Bearer {SECRET}"))).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(app.count("jobs").await, 0);
    // A secret too short to be one is refused at start.
    let mut vars = std::collections::BTreeMap::new();
    vars.insert("CRON_SECRET".to_string(), "short".to_string());
    let err = server::areas::config_from_map(&vars).unwrap_err();
    assert!(
        err.0.iter().any(|e| e.contains("CRON_SECRET")),
        "{:?}",
        err.0
    );
}
