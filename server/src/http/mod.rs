//! The middleware stack shared by every route (Leptos pages included), what form endpoints
//! share (`forms`, `flash`), and infrastructure's own routes. Areas keep their routes in their
//! own `http` modules; `server::areas::routes` gathers them.

pub mod flash;
pub mod forms;
pub mod middleware;
mod ops;
pub mod test_hooks;

use axum::{
    http::{HeaderName, Request},
    middleware::{from_fn, from_fn_with_state},
    routing::get,
    Router,
};
use tower::ServiceBuilder;
use tower_http::{
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer},
    trace::TraceLayer,
};

use crate::{error::LoggedError, sessions, state::AppState};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Infrastructure's own routes: liveness, readiness, metrics. Areas bring theirs (see
/// `server::areas::routes`).
pub fn ops_routes() -> Router<AppState> {
    Router::new()
        .route("/health", get(ops::health))
        .route("/ready", get(ops::ready))
        .route("/metrics", get(ops::metrics))
}

/// Wraps a router (the server's routes merged with the Leptos ones) in the middleware stack:
/// request id → trace span (remembered for fields known later) → metrics → client IP → security headers → CSRF origin check → friendly error pages → session →
/// principal → page gate.
pub fn wrap(router: Router, state: AppState) -> Router {
    let slow_ms = state.config.slow_request_ms as f64;
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
            // `path` names the server function (/api/<name>) where the route is a pattern; the
            // tenant and member are recorded once the session is read (middleware::load_principal).
            tracing::info_span!(
                "request",
                request_id = %id,
                method = %req.method(),
                route = %route,
                path = %req.uri().path(),
                company_id = tracing::field::Empty,
                user_id = tracing::field::Empty,
            )
        })
        .on_request(())
        .on_response(
            move |res: &axum::response::Response, latency: std::time::Duration, _span: &tracing::Span| {
                let ms = latency.as_secs_f64() * 1000.0;
                if let Some(LoggedError(e)) = res.extensions().get::<LoggedError>() {
                    tracing::error!(status = res.status().as_u16(), ms, error = %e, "request failed");
                } else if res.status().is_server_error() {
                    tracing::error!(status = res.status().as_u16(), ms, "request failed");
                } else if ms >= slow_ms {
                    tracing::warn!(status = res.status().as_u16(), ms, slow_ms, "slow request");
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
        .layer(axum::middleware::from_fn(middleware::files_without_session))
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
                .layer(from_fn(middleware::remember_span))
                .layer(PropagateRequestIdLayer::new(REQUEST_ID)),
        )
}
