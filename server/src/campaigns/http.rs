//! The campaigns area's plain routes: Meta's webhook (`GET` to subscribe, `POST` deliveries;
//! see `webhook`). Signed, no session: declared `PageNeeds::Webhook`.

use axum::{
    body::Bytes,
    extract::{Query, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::json;

use super::{config::CampaignsConfig, webhook};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/webhooks/meta", get(subscribe).post(deliver))
}

fn answer(status: StatusCode, why: &str) -> Response {
    (status, Json(json!({ "error": why }))).into_response()
}

#[derive(Deserialize)]
pub struct Hub {
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    #[serde(rename = "hub.verify_token")]
    verify_token: Option<String>,
    #[serde(rename = "hub.challenge")]
    challenge: Option<String>,
}

/// GET /webhooks/meta: Meta's subscription handshake.
pub async fn subscribe(State(state): State<AppState>, Query(hub): Query<Hub>) -> Response {
    let config = state.config.section::<CampaignsConfig>();
    let Some(token) = &config.meta_webhook_verify_token else {
        return answer(StatusCode::NOT_FOUND, "Meta webhooks are not configured");
    };
    let given = hub.verify_token.unwrap_or_default();
    let matches = crate::identity::tokens::constant_time_eq(
        given.as_bytes(),
        token.expose_secret().as_bytes(),
    );
    if hub.mode.as_deref() != Some("subscribe") || !matches {
        tracing::warn!("meta webhook subscription refused: wrong mode or verify token");
        return answer(StatusCode::FORBIDDEN, "wrong verify token");
    }
    // Meta's challenge is a number; anything else is not echoed back.
    match hub.challenge.filter(|c| {
        !c.is_empty()
            && c.len() <= 64
            && c.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    }) {
        Some(c) => ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], c).into_response(),
        None => answer(StatusCode::BAD_REQUEST, "no usable hub.challenge"),
    }
}

/// POST /webhooks/meta: a delivery, signed with the app's secret.
pub async fn deliver(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let config = state.config.section::<CampaignsConfig>();
    let Some(app) = &config.meta_app else {
        return answer(StatusCode::NOT_FOUND, "Meta is not configured");
    };
    let signature = headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok());
    if !webhook::verify(&body, signature, app.secret.expose_secret()) {
        tracing::warn!("meta webhook refused: bad signature");
        return answer(StatusCode::UNAUTHORIZED, "bad signature");
    }
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return answer(StatusCode::BAD_REQUEST, "the body is not JSON");
    };
    match webhook::receive(&state.db, &json).await {
        Ok(Ok(r)) => {
            tracing::info!(
                new = r.new,
                repeated = r.repeated,
                queued = r.queued,
                "meta webhook received"
            );
            Json(json!({ "received": true, "queued": r.queued, "repeated": r.repeated }))
                .into_response()
        }
        Ok(Err(why)) => answer(StatusCode::BAD_REQUEST, why),
        Err(e) => e.into_response(),
    }
}
