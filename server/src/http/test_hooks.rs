//! Hooks for the end-to-end suite, routed only when TEST_HOOKS is set (which the configuration
//! refuses with APP_ENV=production): move the application's clock forward, and run a periodic
//! job now instead of at its next slot, or queue a job that fails (for /admin/jobs). They let
//! a browser test see an hour-long rollback window pass in seconds. No session: the suite calls
//! them directly, from loopback only.

use std::sync::Arc;

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::post,
    Extension, Json, Router,
};
use serde::Deserialize;
use serde_json::json;

use crate::{
    http::forms::Meta,
    jobs::{self, NewJob},
    state::AppState,
};

/// The hooks; `periodic` are the job kinds `/_test/jobs/{kind}` may start.
pub fn routes(periodic: Vec<&'static str>) -> Router<AppState> {
    Router::new()
        .route("/_test/clock", post(clock))
        .route("/_test/jobs/{kind}", post(run_job))
        .route("/_test/failing-job", post(failing_job))
        .layer(Extension(Periodic(Arc::new(periodic))))
}

#[derive(Clone)]
struct Periodic(Arc<Vec<&'static str>>);

/// Whether the caller is on this machine (the client address the middleware settled on).
fn loopback(meta: &crate::access::RequestMeta) -> bool {
    meta.ip
        .as_deref()
        .and_then(|ip| ip.parse::<std::net::IpAddr>().ok())
        .is_some_and(|ip| ip.is_loopback())
}

#[derive(Deserialize)]
pub struct Advance {
    seconds: i64,
}

/// POST /_test/clock {"seconds": n}: the clock moves n seconds forward.
async fn clock(Meta(meta): Meta, Json(advance): Json<Advance>) -> Response {
    if !loopback(&meta) {
        return StatusCode::FORBIDDEN.into_response();
    }
    let offset = crate::clock::advance(advance.seconds);
    tracing::warn!(offset, "test hook: the clock was moved forward");
    Json(json!({ "offset_seconds": offset, "now": crate::clock::now() })).into_response()
}

/// POST /_test/jobs/{kind}: queues a job of a known periodic kind to run now.
async fn run_job(
    State(state): State<AppState>,
    Extension(periodic): Extension<Periodic>,
    Meta(meta): Meta,
    Path(kind): Path<String>,
) -> Response {
    if !loopback(&meta) {
        return StatusCode::FORBIDDEN.into_response();
    }
    let Some(kind) = periodic.0.iter().copied().find(|k| *k == kind) else {
        return (StatusCode::NOT_FOUND, "no periodic job of that kind").into_response();
    };
    let now = chrono::Utc::now();
    let key = format!("test-hook:{kind}:{}", now.timestamp_micros());
    enqueue_now(&state, kind, json!({}), Some(key)).await
}

/// Queues one attempt of `kind` due now; answers `{"queued": kind}`.
async fn enqueue_now(
    state: &AppState,
    kind: &'static str,
    payload: serde_json::Value,
    dedupe_key: Option<String>,
) -> Response {
    match jobs::enqueue(
        &state.db,
        NewJob {
            kind,
            payload,
            run_at: chrono::Utc::now(),
            max_attempts: 1,
            dedupe_key,
        },
    )
    .await
    {
        Ok(_) => Json(json!({ "queued": kind })).into_response(),
        Err(e) => e.into_response(),
    }
}

/// The kind of [`failing_job`]'s jobs: no handler has it.
pub const FAILING_KIND: &str = "test-hook-fails";

/// POST /_test/failing-job: queues a job of a kind nobody handles, with one attempt: the
/// runner takes it and it dies ("no handler"), as a job of a removed kind would.
async fn failing_job(State(state): State<AppState>, Meta(meta): Meta) -> Response {
    if !loopback(&meta) {
        return StatusCode::FORBIDDEN.into_response();
    }
    enqueue_now(
        &state,
        FAILING_KIND,
        json!({ "from": "the end-to-end suite" }),
        None,
    )
    .await
}
