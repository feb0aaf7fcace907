//! `/api/v1`'s routes and the layers every call goes through: the key (or, for the document
//! and the reference page, none), the named limits with `RateLimit-*` headers, then
//! `Idempotency-Key` on POSTs (see [`super::idempotency`]).

use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    middleware::{from_fn_with_state, Next},
    response::{IntoResponse, Response},
    routing::{get, post},
    Router,
};

use super::{
    config::ApiConfig,
    docs, idempotency,
    keys::{self, Caller},
    problem::Problem,
    resources, PER_ADDRESS, PER_KEY, PER_USER,
};
use crate::{
    ratelimit::{Allowance, Limits},
    state::AppState,
};

/// The API's routes inside their layers.
pub fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(docs::openapi_json))
        .route("/api/v1/docs", get(docs::reference_page))
        .route("/api/v1/orders", get(resources::list_orders))
        .route("/api/v1/orders/{id}", get(resources::get_order))
        .route(
            "/api/v1/orders/{id}/status",
            post(resources::change_order_status),
        )
        .route("/api/v1/tokens", get(resources::token_balance))
        .route("/api/v1/tokens/ledger", get(resources::token_ledger))
        .route(
            "/api/v1/webhook-endpoints",
            get(resources::list_webhook_endpoints).post(resources::create_webhook_endpoint),
        )
        .route(
            "/api/v1/webhook-endpoints/{id}",
            axum::routing::delete(resources::delete_webhook_endpoint),
        )
        .route("/api/v1/{*rest}", axum::routing::any(not_found))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn_with_state(state.clone(), idempotency::layer))
        .layer(from_fn_with_state(state.clone(), authenticate))
        .layer(axum::middleware::map_response(problems_only))
}

async fn method_not_allowed() -> Problem {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "This path does not take that method.",
    )
}

/// Any refusal that is not a problem document yet (an extractor's plain-text rejection, a
/// body over the size limit) becomes one, keeping its status (and the logged cause).
async fn problems_only(res: Response) -> Response {
    let status = res.status();
    let is_problem = res.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
        v.as_bytes()
            .starts_with(super::problem::CONTENT_TYPE.as_bytes())
    });
    if !(status.is_client_error() || status.is_server_error()) || is_problem {
        return res;
    }
    let code = match status {
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    };
    let detail = status
        .canonical_reason()
        .unwrap_or("The request was refused.");
    let (parts, _) = res.into_parts();
    let mut problem = Problem::new(status, code, format!("{detail}.")).into_response();
    problem.extensions_mut().extend(parts.extensions);
    problem
}

/// Every area's API quotas (the composition root registers them).
pub fn rate_limits(
    limits: crate::ratelimit::LimitsBuilder,
    c: &ApiConfig,
) -> crate::ratelimit::LimitsBuilder {
    limits
        .scope_per_hour(PER_KEY, c.requests_per_hour)
        .scope_per_hour(PER_USER, c.requests_per_hour)
        .scope_per_hour(PER_ADDRESS, c.anonymous_per_hour)
}

async fn not_found() -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "There is no such API path.",
    )
}

/// Paths anyone may read (within the per-address limit).
fn is_public(path: &str) -> bool {
    matches!(path, "/api/v1/openapi.json" | "/api/v1/docs")
}

/// The key from `Authorization: Bearer <key>`, when the header has that form.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, key) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| key.trim())
}

fn with_limits(mut res: Response, a: &Allowance) -> Response {
    let h = res.headers_mut();
    h.insert("ratelimit-limit", HeaderValue::from(a.limit));
    h.insert("ratelimit-remaining", HeaderValue::from(a.remaining));
    h.insert("ratelimit-reset", HeaderValue::from(a.reset_secs));
    h.insert(
        "ratelimit-policy",
        HeaderValue::from_str(&format!("{};w={}", a.limit, a.window_secs))
            .unwrap_or(HeaderValue::from_static("")),
    );
    res
}

fn too_many(a: &Allowance) -> Response {
    let mut res = with_limits(
        Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!(
                "This key or address has used its {} calls for the window; try again in {} s.",
                a.limit, a.reset_secs
            ),
        )
        .into_response(),
        a,
    );
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(a.reset_secs));
    res
}

/// Counts a hit in each scope; answers the tighter allowance, or the refusal.
async fn take(limits: &Limits, hits: &[(&str, String)]) -> Result<Allowance, Allowance> {
    let mut tightest: Option<Allowance> = None;
    for (scope, key) in hits {
        let a = limits.take(scope, key).await?;
        if tightest.is_none_or(|t| a.remaining < t.remaining) {
            tightest = Some(a);
        }
    }
    tightest.ok_or(Allowance {
        limit: 0,
        remaining: 0,
        reset_secs: 60,
        window_secs: 60,
    })
}

/// Finds who the call acts for and counts it. Without a key only the public paths answer; a
/// refused key is a 401 with why (revoked, expired, …) and counts against the address.
async fn authenticate(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let meta = crate::http::forms::meta_from_parts(&parts);
    let address = meta.ip.clone().unwrap_or_else(|| "unknown".to_string());
    let public = is_public(parts.uri.path());
    type Refused = (&'static str, Option<(keys::Refusal, keys::KeyRef)>);
    let caller: Result<Option<Caller>, Refused> = match bearer(&parts.headers) {
        None if parts.headers.contains_key(header::AUTHORIZATION) => {
            Err(("Send the API key as `Authorization: Bearer <key>`.", None))
        }
        None => Ok(None),
        Some(key) => match keys::authenticate(&state.db, key, &meta).await {
            Err(e) => return Problem::from(e).into_response(),
            Ok(Ok(c)) => Ok(Some(c)),
            Ok(Err((refusal, key))) => Err((refusal.detail(), key.map(|k| (refusal, k)))),
        },
    };
    match caller {
        Ok(Some(c)) => {
            let hits = [
                (PER_KEY, c.key_id.to_string()),
                (PER_USER, c.principal.user_id.to_string()),
            ];
            let allowance = match take(&state.limits, &hits).await {
                Ok(a) => a,
                Err(a) => return too_many(&a),
            };
            if let Some(crate::http::middleware::RequestSpan(span)) =
                parts
                    .extensions
                    .get::<crate::http::middleware::RequestSpan>()
            {
                span.record(
                    "company_id",
                    tracing::field::display(c.principal.company_id),
                );
                span.record("user_id", tracing::field::display(c.principal.user_id));
            }
            parts.extensions.insert(c);
            let res = next.run(Request::from_parts(parts, body)).await;
            with_limits(res, &allowance)
        }
        anonymous => {
            let allowance = match take(&state.limits, &[(PER_ADDRESS, address)]).await {
                Ok(a) => a,
                Err(a) => return too_many(&a),
            };
            let res = match anonymous {
                Err((why, ours)) => {
                    // Audited only within the address's limit, so a flood of refused calls
                    // cannot flood the company's audit log.
                    if let Some((refusal, key)) = ours {
                        if let Err(e) = keys::record_refusal(&state.db, &meta, &key, refusal).await
                        {
                            return Problem::from(e).into_response();
                        }
                    }
                    Problem::unauthorized(why).into_response()
                }
                Ok(_) if !public => Problem::unauthorized(
                    "An API key is needed: send it as `Authorization: Bearer <key>`.",
                )
                .into_response(),
                Ok(_) => next.run(Request::from_parts(parts, body)).await,
            };
            with_limits(res, &allowance)
        }
    }
}
