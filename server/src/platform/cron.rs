//! Cron for external schedulers: `POST /api/cron/{job}` and `POST /api/cron/run-all` with
//! `Authorization: Bearer $CRON_SECRET`. Like the in-process scheduler (`jobs::runner`), they
//! only enqueue: a periodic job's current interval slot, under the same dedupe key, so an
//! external scheduler, the in-process one and any number of instances never run one slot twice
//! (the key's unique index is the lock). Without CRON_SECRET the endpoints do not exist (404).

use std::sync::Arc;

use axum::{
    extract::{Path, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
    Extension, Json, Router,
};
use secrecy::ExposeSecret;
use serde::Serialize;
use serde_json::json;
use std::time::Duration;

use crate::{crypto::constant_time_eq, http::middleware::PageNeeds, jobs, state::AppState};

/// The paths, declared as webhooks: callers are schedulers, not browsers (no Origin, no
/// session); the bearer secret is their proof.
pub const PAGES: &[crate::http::middleware::PageRule] = &[crate::http::middleware::PageRule::new(
    "/api/cron/*",
    PageNeeds::Webhook,
)];

/// The periodic job kinds and their intervals (`jobs::Registry::schedule`).
#[derive(Clone)]
struct Schedule(Arc<Vec<(&'static str, Duration)>>);

/// The routes; `schedule` is every periodic job of the application.
pub fn routes(schedule: Vec<(&'static str, Duration)>) -> Router<AppState> {
    Router::new()
        .route("/api/cron/run-all", post(run_all))
        .route("/api/cron/{job}", post(run_one))
        .layer(Extension(Schedule(Arc::new(schedule))))
}

/// One job's slot, as answered.
#[derive(Debug, Serialize)]
pub struct Enqueued {
    pub job: &'static str,
    /// The interval slot (seconds since 1970 divided by the job's interval).
    pub slot: i64,
    /// False when this slot was already queued (by the in-process scheduler, another
    /// instance or an earlier call) or has run.
    pub queued: bool,
}

/// Queues the current slot of `kind`, run every `every`, under the scheduler's dedupe key.
pub async fn enqueue_slot(
    db: &crate::Db,
    kind: &'static str,
    every: Duration,
) -> crate::Result<Enqueued> {
    let now = chrono::Utc::now();
    let slot = jobs::slot_of(now, every);
    let queued = jobs::enqueue(
        db,
        jobs::NewJob {
            kind,
            payload: json!({}),
            run_at: now,
            max_attempts: 3,
            dedupe_key: Some(jobs::slot_key(kind, slot)),
        },
    )
    .await?;
    Ok(Enqueued {
        job: kind,
        slot,
        queued,
    })
}

/// `None` when the caller may go on; else the answer to give.
fn refuse(state: &AppState, headers: &HeaderMap) -> Option<Response> {
    let Some(secret) = &state.config.cron_secret else {
        return Some(StatusCode::NOT_FOUND.into_response());
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if constant_time_eq(given.as_bytes(), secret.expose_secret().as_bytes()) {
        return None;
    }
    tracing::warn!("cron call refused: missing or wrong bearer secret");
    Some(
        (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            Json(json!({ "error": "Authorization: Bearer <CRON_SECRET> is required" })),
        )
            .into_response(),
    )
}

/// POST /api/cron/{job}: queues the job's current slot.
async fn run_one(
    State(state): State<AppState>,
    Extension(schedule): Extension<Schedule>,
    headers: HeaderMap,
    Path(job): Path<String>,
) -> Response {
    if let Some(refused) = refuse(&state, &headers) {
        return refused;
    }
    let Some((kind, every)) = schedule.0.iter().copied().find(|(k, _)| *k == job) else {
        let known: Vec<&str> = schedule.0.iter().map(|(k, _)| *k).collect();
        return (
            StatusCode::NOT_FOUND,
            Json(json!({ "error": format!("no scheduled job `{job}`"), "jobs": known })),
        )
            .into_response();
    };
    match enqueue_slot(&state.db, kind, every).await {
        Ok(e) => {
            tracing::info!(job = kind, slot = e.slot, queued = e.queued, "cron call");
            (StatusCode::ACCEPTED, Json(e)).into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// POST /api/cron/run-all: queues the current slot of every periodic job.
async fn run_all(
    State(state): State<AppState>,
    Extension(schedule): Extension<Schedule>,
    headers: HeaderMap,
) -> Response {
    if let Some(refused) = refuse(&state, &headers) {
        return refused;
    }
    let mut out = Vec::with_capacity(schedule.0.len());
    for (kind, every) in schedule.0.iter().copied() {
        match enqueue_slot(&state.db, kind, every).await {
            Ok(e) => out.push(e),
            Err(e) => return e.into_response(),
        }
    }
    let queued = out.iter().filter(|e| e.queued).count();
    tracing::info!(queued, of = out.len(), "cron call: run-all");
    (StatusCode::ACCEPTED, Json(json!({ "jobs": out }))).into_response()
}
