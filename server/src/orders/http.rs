//! The orders area's plain routes. POST /webhooks/shopify: the shop is found by its domain
//! header (unknown: 404), the HMAC of the raw body is checked with that shop's secret (bad or
//! missing: 401), the body must be JSON (else 400); the delivery is recorded with its job in
//! one transaction and answered at once (Shopify waits 5 s). A redelivery answers 200 and does
//! nothing.

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
    Extension, Json, Router,
};
use serde_json::json;

use super::{
    actions::OrderAction,
    bulk::{self, Scope},
    connections,
    export::{self, Format},
    jobs::ShopifyWebhook,
    service::Query,
    shopify, webhooks,
};
use crate::{
    access::Permission,
    error::Error,
    http::{
        forms::{done, download, download_name, failure, Fields, Meta},
        middleware::CurrentUser,
    },
    jobs::Job,
    state::AppState,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/webhooks/shopify", post(shopify_webhook))
        .route("/orders/export", post(export_orders))
        .route("/orders/bulk", post(bulk_orders))
        .route("/orders/handover", post(handover))
        .route(
            "/orders/import",
            post(import_file).layer(axum::extract::DefaultBodyLimit::max(
                super::import::MAX_BYTES + 256 * 1024,
            )),
        )
        .route("/orders/import/{id}/confirm", post(import_confirm))
        .route("/orders/runs/{run}/picking-list", get(picking_list))
        .route("/orders/{order}/awbs/{awb}/label", get(awb_label))
}

/// The inbox's filter as its forms post it (the address's parameters, not its page).
fn inbox_query(f: &Fields, timezone: &str) -> Result<Query, Error> {
    let some = |name: &str| {
        let v = f.get(name);
        (!v.trim().is_empty()).then(|| v.to_string())
    };
    let (from, to) = crate::dates::range(timezone, f.get("preset"), f.get("from"), f.get("to"))?;
    Ok(Query {
        store: some("store"),
        status: some("status"),
        q: some("q"),
        flag: some("flag"),
        from,
        to,
        sort: some("sort"),
        asc: f.get("dir") == "asc",
        page: 1,
        per_page: 0,
    })
}

/// A stream of the receiver's items (the response body of an export).
fn body_of(rx: tokio::sync::mpsc::Receiver<std::io::Result<bytes::Bytes>>) -> axum::body::Body {
    axum::body::Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    }))
}

/// POST /orders/export: the inbox's current filter as CSV or XLSX (orders.read; the member's
/// stores only; `orders.export` per member per hour).
pub async fn export_orders(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Meta(meta): Meta,
    body: Bytes,
) -> Response {
    let f = Fields::parse(&body);
    let result = async {
        let p = user.0.ok_or(Error::Unauthorized)?;
        p.authorize(Permission::OrdersRead)?;
        let format = Format::parse(f.get("format"))?;
        state
            .limits
            .check(&[(export::EXPORTS_PER_USER, &p.user_id.to_string())])
            .await?;
        let q = inbox_query(&f, &p.timezone)?;
        let rows = export::start(&state.db, &p, &meta, &q, format).await?;
        let tz: chrono_tz::Tz = p.timezone.parse().unwrap_or(chrono_tz::UTC);
        let body = match format {
            Format::Csv => body_of(export::csv_chunks(rows, tz)),
            Format::Xlsx => {
                let path = export::xlsx_file(rows, tz, &state.config.data_dir.join("tmp")).await?;
                let file = tokio::fs::File::open(&path)
                    .await
                    .map_err(|e| Error::Internal(e.into()));
                // Unlinked at once: the open file is read to the end, then it is gone.
                let _ = tokio::fs::remove_file(&path).await;
                let file = file?;
                let (tx, rx) = tokio::sync::mpsc::channel(4);
                tokio::spawn(async move {
                    use tokio::io::AsyncReadExt;
                    let mut file = file;
                    loop {
                        let mut buf = vec![0u8; 64 * 1024];
                        match file.read(&mut buf).await {
                            Ok(0) => break,
                            Ok(n) => {
                                buf.truncate(n);
                                if tx.send(Ok(bytes::Bytes::from(buf))).await.is_err() {
                                    break;
                                }
                            }
                            Err(e) => {
                                let _ = tx.send(Err(e)).await;
                                break;
                            }
                        }
                    }
                });
                body_of(rx)
            }
        };
        Ok::<_, Error>((p.company_name, format, body))
    }
    .await;
    match result {
        Ok((company, format, body)) => {
            let name = download_name("orders", &company, format.extension());
            download(format.content_type(), &name, body)
        }
        Err(e) => e.into_response(),
    }
}

/// POST /orders/bulk: the inbox's bulk form. `op` ("status" with `to_status`, or "validate"),
/// `scope` ("selected" with the `ids` ticked, or "all" with the filter's fields) and the form's
/// `key`. Answers 303 to the run's page; a refusal goes back to the inbox (same filter) with
/// `bulk_error=<field>`, which the inbox shows in words.
pub async fn bulk_orders(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Meta(meta): Meta,
    body: Bytes,
) -> Response {
    let f = Fields::parse(&body);
    let result = async {
        let p = user.0.ok_or(Error::Unauthorized)?;
        p.authorize(Permission::OrdersWrite)?;
        let action = OrderAction::parse(f.get("op"), Some(f.get("to_status")))?;
        let scope = if f.get("scope") == "all" {
            Scope::Matching(inbox_query(&f, &p.timezone)?)
        } else {
            let ids = f
                .all("ids")
                .map(|v| {
                    v.parse::<uuid::Uuid>()
                        .map_err(|_| Error::validation("ids", "Select orders from the list."))
                })
                .collect::<Result<Vec<_>, _>>()?;
            Scope::Selected(ids)
        };
        bulk::start(&state.db, &p, &meta, f.get("key"), &action, &scope).await
    }
    .await;
    match result {
        Ok(id) => Redirect::to(&format!("/orders/runs/{id}")).into_response(),
        Err(Error::Validation { field, .. }) => {
            let mut back = url::form_urlencoded::Serializer::new(String::new());
            for name in [
                "store", "status", "q", "flag", "preset", "from", "to", "sort", "dir", "per",
                "page",
            ] {
                let v = f.get(name);
                if !v.is_empty() {
                    back.append_pair(name, v);
                }
            }
            back.append_pair("bulk_error", &field);
            Redirect::to(&format!("/orders?{}", back.finish())).into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// POST /orders/handover: the handover page's forms. `op` "scan" (with `awb`, the number a
/// barcode reader typed), "tick" (with the `ids` ticked) or "close" (today, by hand). Answers
/// 303 back to the page with a one-shot flash saying what happened, so scanning works the same
/// before and after hydration (the scan field has autofocus: a reader can scan the next parcel
/// at once).
pub async fn handover(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Meta(meta): Meta,
    body: Bytes,
) -> Response {
    use super::handover::{self as h, Scanned};
    let f = Fields::parse(&body);
    let typed = f.get("awb").trim().chars().take(60).collect::<String>();
    let result = async {
        let p = user.0.ok_or(Error::Unauthorized)?;
        p.authorize(Permission::OrdersWrite)?;
        Ok::<_, Error>(match f.get("op") {
            "scan" => match h::scan(&state.db, &p, &meta, &typed).await? {
                Scanned::HandedOver { number, .. } => format!("AWB {number} handed over."),
                Scanned::Already { number, at, by } => format!(
                    "AWB {number} was handed over already, at {}{}.",
                    crate::dates::local_time(&p.timezone, at),
                    by.map(|b| format!(" by {b}")).unwrap_or_default()
                ),
            },
            "tick" => {
                let ids = f
                    .all("ids")
                    .map(|v| {
                        v.parse::<uuid::Uuid>()
                            .map_err(|_| Error::validation("ids", "Tick AWBs from the list."))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                match h::tick(&state.db, &p, &meta, &ids).await? {
                    0 => "Nothing changed: those AWBs were handed over already.".to_string(),
                    1 => "1 AWB handed over.".to_string(),
                    n => format!("{n} AWBs handed over."),
                }
            }
            "close" => {
                let c = h::close_now(&state.db, &p, &meta).await?;
                format!(
                    "Handover closed: {} handed over, {} not handed over.",
                    c.handed_over, c.missed
                )
            }
            _ => return Err(Error::validation("op", "Choose what to do.")),
        })
    }
    .await;
    let secure = state.config.cookie_secure;
    match result {
        Ok(message) => done("/orders/handover", "handover", message, secure),
        Err(e @ (Error::Validation { .. } | Error::Conflict(_))) => {
            let mut values = std::collections::BTreeMap::new();
            values.insert("awb".to_string(), typed);
            failure("handover", "/orders/handover", &e, values, secure)
        }
        Err(e) => e.into_response(),
    }
}

/// GET /orders/runs/:id/picking-list: the run's picking list as PDF (orders.read, the
/// member's stores).
pub async fn picking_list(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    axum::extract::Path(run): axum::extract::Path<String>,
) -> Response {
    let result = async {
        let p = user.0.ok_or(Error::Unauthorized)?;
        p.authorize(Permission::OrdersRead)?;
        let run = run.parse().map_err(|_| Error::NotFound)?;
        bulk::picking_list(&state.db, &p, run).await
    }
    .await;
    match result {
        Ok((name, pdf)) => download("application/pdf", &name, pdf),
        Err(e) => e.into_response(),
    }
}

/// GET /orders/:id/awbs/:awb/label: the AWB's label as PDF (orders.read, the member's stores),
/// fetched from FAN Courier the first time and kept in storage.
pub async fn awb_label(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    axum::extract::Path((order, awb)): axum::extract::Path<(String, String)>,
) -> Response {
    let result = async {
        let p = user.0.ok_or(Error::Unauthorized)?;
        p.authorize(Permission::OrdersRead)?;
        let (order, awb) = match (order.parse(), awb.parse()) {
            (Ok(o), Ok(a)) => (o, a),
            _ => return Err(Error::NotFound),
        };
        let c = super::courier::Courier::new(&state.db, &state.config);
        super::courier::label(&c, &state.storage, &p, order, awb).await
    }
    .await;
    match result {
        Ok((number, pdf)) => download("application/pdf", &format!("awb-{number}.pdf"), pdf),
        Err(e) => e.into_response(),
    }
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

/// POST /orders/import (multipart: `store_id`, `file`): checks the file and keeps the preview,
/// then 303 to its page; a file refused as a whole goes back to the form with why (the store
/// chosen is kept). Nothing is written to the orders here.
pub async fn import_file(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    req: axum::extract::Request,
) -> Response {
    use axum::extract::{FromRequest, Multipart};
    let secure = state.config.cookie_secure;
    let p = match user.0.ok_or(Error::Unauthorized).and_then(|p| {
        p.authorize(Permission::OrdersWrite)?;
        Ok(p)
    }) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let mut store = String::new();
    let result =
        async {
            let bad = |m: &str| Error::validation("file", m);
            let mut form = Multipart::from_request(req, &state)
                .await
                .map_err(|_| bad("Choose a CSV or XLSX file."))?;
            let mut file: Option<(String, Vec<u8>)> = None;
            while let Some(mut field) = form.next_field().await.map_err(|_| {
                bad(&format!(
                    "The file is larger than {} MB.",
                    super::import::MAX_BYTES / 1024 / 1024
                ))
            })? {
                match field.name() {
                    Some("store_id") => {
                        store = field
                            .text()
                            .await
                            .unwrap_or_default()
                            .chars()
                            .take(40)
                            .collect();
                    }
                    Some("file") => {
                        let name = field.file_name().unwrap_or_default().to_string();
                        let mut bytes = Vec::new();
                        while let Some(chunk) = field.chunk().await.map_err(|_| {
                            bad("The upload was interrupted; choose the file again.")
                        })? {
                            bytes.extend_from_slice(&chunk);
                            if bytes.len() > super::import::MAX_BYTES {
                                return Err(bad(&format!(
                                    "The file is larger than {} MB.",
                                    super::import::MAX_BYTES / 1024 / 1024
                                )));
                            }
                        }
                        if !name.is_empty() {
                            file = Some((name, bytes));
                        }
                    }
                    _ => {}
                }
            }
            let store_id = store
                .parse::<uuid::Uuid>()
                .map_err(|_| Error::validation("store_id", "Choose one of your stores."))?;
            let (name, bytes) = file.ok_or_else(|| bad("Choose a CSV or XLSX file."))?;
            super::import::preview(&state.db, &p, store_id, &name, &bytes).await
        }
        .await;
    match result {
        Ok(id) => Redirect::to(&format!("/orders/import/{id}")).into_response(),
        Err(e @ Error::Validation { .. }) => {
            let values = [("store_id".to_string(), store)].into();
            failure("import", "/orders/import", &e, values, secure)
        }
        Err(e) => e.into_response(),
    }
}

/// POST /orders/import/:id/confirm: writes the preview's new orders (once), then 303 back to
/// the import's page, which says how many.
pub async fn import_confirm(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Meta(meta): Meta,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Response {
    let result = async {
        let p = user.0.ok_or(Error::Unauthorized)?;
        p.authorize(Permission::OrdersWrite)?;
        let id = id.parse::<uuid::Uuid>().map_err(|_| Error::NotFound)?;
        super::import::confirm(&state.db, &p, &meta, id).await?;
        Ok::<_, Error>(id)
    }
    .await;
    match result {
        Ok(id) => Redirect::to(&format!("/orders/import/{id}")).into_response(),
        Err(e) => e.into_response(),
    }
}
