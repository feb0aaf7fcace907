//! Billing's plain routes. POST /billing/export: the ledger as CSV. POST /webhooks/stripe: the signature is checked on the raw body, the event is recorded by
//! id with its work queued in the same transaction, and Stripe gets its 2xx at once. A database
//! that cannot record the event answers 503, so Stripe retries it later.

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
    Extension, Json, Router,
};
use secrecy::ExposeSecret;
use serde_json::json;

use crate::{
    access::Permission,
    billing,
    error::Error,
    http::{
        forms::{csv_download, Meta},
        middleware::CurrentUser,
    },
    state::AppState,
};

/// The most rows one export holds.
pub const MAX_EXPORT_ROWS: i64 = 50_000;

/// The billing routes that are not pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/billing/export", post(ledger_csv))
        .route("/webhooks/stripe", post(stripe))
}

/// POST /billing/export: the company's token ledger as CSV (billing.read).
pub async fn ledger_csv(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Meta(meta): Meta,
) -> Response {
    let result = async {
        let p = user.0.ok_or(Error::Unauthorized)?;
        p.authorize(Permission::BillingRead)?;
        let csv = billing::report::ledger_csv(&state.db, &p, &meta, MAX_EXPORT_ROWS).await?;
        Ok::<_, Error>((p.company_name, csv))
    }
    .await;
    match result {
        Ok((company, csv)) => csv_download("tokens", &company, csv),
        Err(e) => e.into_response(),
    }
}

pub async fn stripe(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(config) = state
        .config
        .section::<crate::billing::packs::BillingConfig>()
        .stripe
        .as_ref()
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Ok(body) = std::str::from_utf8(&body) else {
        tracing::warn!("stripe webhook refused: body is not UTF-8");
        return refused("the body is not UTF-8");
    };
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok());
    let event =
        match billing::stripe::verify(body, signature, config.webhook_secret.expose_secret()) {
            Ok(event) => event,
            Err(why) => {
                tracing::warn!(reason = %why, "stripe webhook refused");
                return refused(&why.to_string());
            }
        };
    match billing::events::record(&state.db, &event, body).await {
        Ok(new) => {
            tracing::info!(event = %event.id, r#type = %event.event_type, duplicate = !new, "stripe event received");
            Json(json!({ "received": true, "duplicate": !new })).into_response()
        }
        Err(e) => e.into_response(),
    }
}

fn refused(why: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": why }))).into_response()
}
