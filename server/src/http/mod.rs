//! Plain axum routes (operations, form endpoints) and the middleware stack shared with the
//! Leptos routes.

mod analyses;
pub mod auth;
mod exports;
pub mod flash;
mod google;
mod logo;
pub mod middleware;
mod ops;
mod webhooks;

use axum::{
    http::{HeaderName, Request},
    middleware::{from_fn, from_fn_with_state},
    routing::{get, post},
    Router,
};
use tower::ServiceBuilder;
use tower_http::{
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer},
    trace::TraceLayer,
};

use crate::{error::LoggedError, sessions, state::AppState};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The server's own routes.
pub fn routes(state: AppState) -> Router {
    Router::new()
        .route("/health", get(ops::health))
        .route("/ready", get(ops::ready))
        .route("/metrics", get(ops::metrics))
        .route("/auth/setup", post(auth::setup))
        .route("/auth/login", post(auth::login))
        .route("/auth/signup", post(auth::sign_up))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/invite/{token}", post(auth::accept_invitation))
        .route("/auth/forgot", post(auth::forgot))
        .route("/auth/code", post(auth::second_factor))
        .route("/auth/google", post(google::start))
        .route("/auth/google/callback", get(google::callback))
        .route("/audit/export", post(exports::audit_csv))
        .route("/billing/export", post(exports::ledger_csv))
        .route("/auth/reset/{token}", post(auth::reset))
        .route(
            "/settings/company/logo",
            post(logo::upload).layer(axum::extract::DefaultBodyLimit::max(
                crate::company::LOGO_MAX_BYTES + 64 * 1024,
            )),
        )
        .route("/settings/company/logo/remove", post(logo::remove))
        .route("/company/logo", get(logo::show))
        .route("/webhooks/stripe", post(webhooks::stripe))
        .route(
            "/analyses/upload",
            post(analyses::upload).layer(axum::extract::DefaultBodyLimit::max(
                state
                    .config
                    .section::<crate::analyses::config::AnalysesConfig>()
                    .max_upload_bytes as usize
                    + 1024 * 1024,
            )),
        )
        .route("/analyses/export", post(analyses::export_many))
        .route("/analyses/{id}/export", post(analyses::export_one))
        .route("/analyses/{id}/file", get(analyses::source))
        .route("/analyses/{id}/pages/{n}", get(analyses::page))
        .with_state(state)
}

/// Wraps a router (the server's routes merged with the Leptos ones) in the middleware stack:
/// request id → trace span → metrics → client IP → security headers → CSRF origin check → friendly error pages → session →
/// principal → page gate.
pub fn wrap(router: Router, state: AppState) -> Router {
    let trace = TraceLayer::new_for_http()
        .make_span_with(|req: &Request<_>| {
            let id = req
                .extensions()
                .get::<RequestId>()
                .and_then(|id| id.header_value().to_str().ok())
                .unwrap_or_default()
                .to_string();
            let route = req
                .extensions()
                .get::<axum::extract::MatchedPath>()
                .map(|p| p.as_str().to_string())
                .unwrap_or_else(|| req.uri().path().to_string());
            tracing::info_span!("request", request_id = %id, method = %req.method(), route = %route)
        })
        .on_request(())
        .on_response(
            |res: &axum::response::Response, latency: std::time::Duration, _span: &tracing::Span| {
                let ms = latency.as_secs_f64() * 1000.0;
                if let Some(LoggedError(e)) = res.extensions().get::<LoggedError>() {
                    tracing::error!(status = res.status().as_u16(), ms, error = %e, "request failed");
                } else if res.status().is_server_error() {
                    tracing::error!(status = res.status().as_u16(), ms, "request failed");
                } else {
                    tracing::info!(status = res.status().as_u16(), ms, "request");
                }
            },
        )
        .on_failure(());

    router
        .layer(from_fn_with_state(state.clone(), middleware::gate))
        .layer(from_fn_with_state(
            state.clone(),
            middleware::load_principal,
        ))
        .layer(sessions::layer(state.sessions.clone(), &state.config))
        .layer(from_fn_with_state(
            state.clone(),
            middleware::friendly_errors,
        ))
        .layer(from_fn_with_state(state.clone(), middleware::check_origin))
        .layer(from_fn_with_state(
            state.clone(),
            middleware::security_headers,
        ))
        .layer(from_fn_with_state(state.clone(), middleware::client_ip))
        .layer(from_fn(middleware::record_metrics))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(trace)
                .layer(PropagateRequestIdLayer::new(REQUEST_ID)),
        )
}

/// The server's routes with the full middleware stack, without Leptos pages (tests, tools).
pub fn router(state: AppState) -> Router {
    wrap(routes(state.clone()), state)
}
