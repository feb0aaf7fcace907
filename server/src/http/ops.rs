//! Liveness, readiness and metrics.

use std::time::Duration;

use axum::{
    extract::State,
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Extension, Json,
};
use secrecy::ExposeSecret;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::middleware::ClientIp;
use crate::{config::AppEnv, jobs, state::AppState};

/// 200 while the process runs.
pub async fn health() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// 200 when the database (and Redis, when REDIS_URL is set) answers within two seconds,
/// otherwise 503 with a short reason; the driver's error (addresses, versions) only goes to
/// the log.
pub async fn ready(State(state): State<AppState>) -> impl IntoResponse {
    if let Some(redis) = state.redis.as_deref() {
        let answer = tokio::time::timeout(Duration::from_secs(2), redis.ping()).await;
        let reason = match answer {
            Ok(Ok(())) => None,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "readiness: Redis unavailable");
                Some("redis: unavailable")
            }
            Err(_) => Some("redis: no answer within 2 s"),
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
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: database unavailable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "reason": "database: unavailable" })),
            )
        }
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "unavailable", "reason": "database: no answer within 2 s" })),
        ),
    }
}

/// Whether this scrape may read the metrics: with METRICS_TOKEN, only with
/// `Authorization: Bearer <token>`; without it, only a loopback client in development.
fn may_scrape(state: &AppState, headers: &HeaderMap, client: Option<std::net::IpAddr>) -> bool {
    match &state.config.metrics_token {
        Some(token) => {
            let given = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .unwrap_or_default();
            // Compared as digests: equal length, no early exit on the secret's bytes.
            Sha256::digest(given.as_bytes()) == Sha256::digest(token.expose_secret().as_bytes())
        }
        None => {
            state.config.app_env == AppEnv::Development && client.is_some_and(|ip| ip.is_loopback())
        }
    }
}

/// Prometheus text format. Job counts are read from the queue at scrape time.
pub async fn metrics(
    State(state): State<AppState>,
    headers: HeaderMap,
    client: Option<Extension<ClientIp>>,
) -> Response {
    if !may_scrape(&state, &headers, client.map(|Extension(ClientIp(ip))| ip)) {
        return StatusCode::NOT_FOUND.into_response();
    }
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
        .into_response()
}
