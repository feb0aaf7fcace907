//! Liveness, readiness and metrics.

use std::time::Duration;

use axum::{extract::State, http::StatusCode, response::IntoResponse, Json};
use serde_json::json;

use crate::{jobs, state::AppState};

/// 200 while the process runs.
pub async fn health() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// 200 when the database (and Redis, when REDIS_URL is set) answers within two seconds,
/// otherwise 503 with the reason.
pub async fn ready(State(state): State<AppState>) -> impl IntoResponse {
    if let Some(redis) = state.redis.as_deref() {
        let answer = tokio::time::timeout(Duration::from_secs(2), redis.ping()).await;
        let reason = match answer {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(format!("redis: {e}")),
            Err(_) => Some("redis: no answer within 2 s".to_string()),
        };
        if let Some(reason) = reason {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "reason": reason })),
            );
        }
    }
    match tokio::time::timeout(Duration::from_secs(2), state.db.ping()).await {
        Ok(Ok(())) => (
            StatusCode::OK,
            Json(
                json!({ "status": "ready", "database": "ok", "redis": if state.redis.as_deref().is_some() { "ok" } else { "off" } }),
            ),
        ),
        Ok(Err(e)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "unavailable", "reason": format!("database: {e}") })),
        ),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "unavailable", "reason": "database: no answer within 2 s" })),
        ),
    }
}

/// Prometheus text format. Job counts are read from the queue at scrape time.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    if let Ok(counts) = jobs::counts_by_status(&state.db).await {
        for status in ["queued", "running", "done", "dead"] {
            let n = counts
                .iter()
                .find(|(s, _)| s == status)
                .map(|(_, n)| *n)
                .unwrap_or(0);
            metrics::gauge!("jobs", "status" => status).set(n as f64);
        }
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        state.metrics.render(),
    )
}
