//! The orders area's plain routes. POST /webhooks/shopify: the shop is found by its domain
//! header (unknown: 404), the HMAC of the raw body is checked with that shop's secret (bad or
//! missing: 401), the body must be JSON (else 400); the delivery is recorded with its job in
//! one transaction and answered at once (Shopify waits 5 s). A redelivery answers 200 and does
//! nothing.

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
    Json, Router,
};
use serde_json::json;

use super::{connections, jobs::ShopifyWebhook, shopify, webhooks};
use crate::{jobs::Job, state::AppState};

pub fn routes() -> Router<AppState> {
    Router::new().route("/webhooks/shopify", post(shopify_webhook))
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

fn answer(status: StatusCode, why: &str) -> Response {
    (status, Json(json!({ "error": why }))).into_response()
}

pub async fn shopify_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let raw_domain = header(&headers, "x-shopify-shop-domain").unwrap_or("");
    let Some(domain) = shopify::shop_domain(raw_domain) else {
        tracing::warn!(shop = %raw_domain.chars().take(100).collect::<String>(), "shopify webhook for no shop");
        return answer(StatusCode::NOT_FOUND, "unknown shop");
    };
    let (store_id, secret) =
        match connections::shop_secret(&state.db, &state.config.app_secret_key, &domain).await {
            Ok(Some(found)) => found,
            Ok(None) => {
                tracing::warn!(shop = %domain, "shopify webhook for an unknown shop");
                return answer(StatusCode::NOT_FOUND, "unknown shop");
            }
            Err(e) => return e.into_response(),
        };
    if !shopify::verify(&body, header(&headers, "x-shopify-hmac-sha256"), &secret) {
        tracing::warn!(shop = %domain, "shopify webhook refused: bad signature");
        return answer(StatusCode::UNAUTHORIZED, "bad signature");
    }
    let Some(topic) = header(&headers, "x-shopify-topic") else {
        return answer(StatusCode::BAD_REQUEST, "no topic");
    };
    let Some(webhook_id) = header(&headers, "x-shopify-webhook-id")
        .or_else(|| header(&headers, "x-shopify-event-id"))
        .filter(|id| id.len() <= 200)
    else {
        return answer(StatusCode::BAD_REQUEST, "no webhook id");
    };
    let Ok(body) = std::str::from_utf8(&body) else {
        return answer(StatusCode::BAD_REQUEST, "the body is not UTF-8");
    };
    if serde_json::from_str::<serde::de::IgnoredAny>(body).is_err() {
        tracing::warn!(shop = %domain, %topic, "shopify webhook refused: malformed JSON");
        return answer(StatusCode::BAD_REQUEST, "the body is not JSON");
    }
    let known = topic == shopify::UNINSTALLED || shopify::ORDER_TOPICS.contains(&topic);
    if !known {
        tracing::info!(shop = %domain, %topic, "shopify webhook topic ignored");
        return Json(json!({ "received": true, "ignored": true })).into_response();
    }
    let received = webhooks::Received {
        store_id,
        shop_domain: &domain,
        webhook_id,
        topic,
        body,
    };
    match webhooks::record(&state.db, &received, ShopifyWebhook.max_attempts()).await {
        Ok(new) => {
            tracing::info!(shop = %domain, %topic, webhook = %webhook_id, duplicate = !new, "shopify webhook received");
            Json(json!({ "received": true, "duplicate": !new })).into_response()
        }
        Err(e) => e.into_response(),
    }
}
