//! The resources of `/api/v1`: each handler checks the key's scope first, then calls the
//! service the pages use with the key's principal (tenant and store scoping come from there),
//! and answers JSON or a problem document.

use axum::{
    body::Bytes,
    extract::{Path, RawQuery, State},
    http::{header, HeaderMap},
    Extension, Json,
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{
    keys::Caller,
    problem::{ApiResult, Problem},
};
use crate::{
    access::Permission,
    audit::{self, Action, Entry},
    billing::ledger,
    http::forms::Meta,
    orders::{
        actions::{self, OrderAction, Outcome},
        model, service as orders,
    },
    state::AppState,
    Error,
};

/// The query string's pairs; a name given twice is refused.
struct Params(Vec<(String, String)>);

impl Params {
    fn parse(raw: Option<&str>, known: &[&str]) -> ApiResult<Params> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for (k, v) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
            if !known.contains(&k.as_ref()) {
                continue;
            }
            if pairs.iter().any(|(n, _)| *n == k) {
                return Err(Problem::bad_request(format!(
                    "`{k}` is given more than once."
                )));
            }
            pairs.push((k.into_owned(), v.into_owned()));
        }
        Ok(Params(pairs))
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn date(&self, name: &str) -> ApiResult<Option<NaiveDate>> {
        self.get(name)
            .map(|v| {
                NaiveDate::parse_from_str(v, "%Y-%m-%d")
                    .map_err(|_| field_problem(name, "Give a date like 2026-11-24."))
            })
            .transpose()
    }

    /// `limit`: 1 to `max`, `default` when absent.
    fn limit(&self, default: i64, max: i64) -> ApiResult<i64> {
        match self.get("limit") {
            None => Ok(default),
            Some(v) => v
                .parse::<i64>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| {
                    field_problem("limit", &format!("Give a whole number from 1 to {max}."))
                }),
        }
    }
}

fn field_problem(field: &str, message: &str) -> Problem {
    Problem::from(Error::validation(field, message))
}

fn parse_id(raw: &str) -> ApiResult<Uuid> {
    Uuid::parse_str(raw).map_err(|_| Problem::from(Error::NotFound))
}

/// A page of orders, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderPage {
    pub data: Vec<OrderSummary>,
    /// Give it as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// A page of ledger entries, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerPage {
    pub data: Vec<LedgerEntry>,
    /// Give it as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// An order as the list shows it. Money is in minor units (bani for RON) of `currency`.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderSummary {
    pub id: Uuid,
    pub store_id: Uuid,
    pub store_name: String,
    /// The order number in its store (`#1001`).
    pub number: String,
    /// One of the unified statuses (`PENDING`, `VALIDATED`, `PICKING`, `SHIPPED`, …).
    pub status: String,
    pub financial_status: Option<String>,
    /// ISO 4217 code.
    pub currency: String,
    pub total_minor: i64,
    pub customer_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Validation flags: `phone` (missing or invalid), `address` (incomplete).
    pub flags: Vec<String>,
    pub placed_at: DateTime<Utc>,
}

fn flags_of(s: &str) -> Vec<String> {
    s.split([',', ' '])
        .filter(|f| !f.is_empty())
        .map(str::to_string)
        .collect()
}

impl From<orders::ListRow> for OrderSummary {
    fn from(r: orders::ListRow) -> Self {
        OrderSummary {
            id: r.id,
            store_id: r.store_id,
            store_name: r.store_name,
            number: r.number,
            status: r.status,
            financial_status: r.financial_status,
            currency: r.currency,
            total_minor: r.total_minor,
            customer_name: r.customer_name,
            email: r.email,
            phone: r.phone,
            flags: flags_of(&r.flags),
            placed_at: r.placed_at,
        }
    }
}

/// Something that happened to an order (ingest, status change, note, AWB event).
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderEvent {
    pub happened_at: DateTime<Utc>,
    pub kind: String,
    /// The member who did it; null for the platform or a job.
    pub actor_name: Option<String>,
    pub detail: String,
}

/// An order with its items, addresses and timeline (newest event first).
#[derive(Debug, Serialize, ToSchema)]
pub struct Order {
    pub id: Uuid,
    pub store_id: Uuid,
    pub store_name: String,
    pub number: String,
    pub status: String,
    pub financial_status: Option<String>,
    pub fulfillment_status: Option<String>,
    pub currency: String,
    pub total_minor: i64,
    pub subtotal_minor: i64,
    pub shipping_minor: i64,
    pub tax_minor: i64,
    pub customer_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub shipping_address: Option<model::Address>,
    pub billing_address: Option<model::Address>,
    pub payment_gateway: Option<String>,
    pub note: Option<String>,
    pub flags: Vec<String>,
    pub placed_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub items: Vec<model::Item>,
    pub timeline: Vec<OrderEvent>,
}

impl From<orders::Detail> for Order {
    fn from(d: orders::Detail) -> Self {
        let o = d.order;
        Order {
            id: o.id,
            store_id: o.store_id,
            store_name: o.store_name,
            number: o.number,
            status: o.status,
            financial_status: o.financial_status,
            fulfillment_status: o.fulfillment_status,
            currency: o.currency,
            total_minor: o.total_minor,
            subtotal_minor: o.subtotal_minor,
            shipping_minor: o.shipping_minor,
            tax_minor: o.tax_minor,
            customer_name: o.customer_name,
            email: o.email,
            phone: o.phone,
            shipping_address: d.shipping,
            billing_address: d.billing,
            payment_gateway: o.payment_gateway,
            note: o.note,
            flags: flags_of(&o.flags),
            placed_at: o.placed_at,
            updated_at: o.updated_at,
            cancelled_at: o.cancelled_at,
            items: d.items,
            timeline: d
                .events
                .into_iter()
                .map(|e| OrderEvent {
                    happened_at: e.happened_at,
                    kind: e.kind,
                    actor_name: e.actor_name,
                    detail: e.detail,
                })
                .collect(),
        }
    }
}

/// The order list's filters (the inbox's), and paging. It describes the query for the
/// document only: the handler reads the query itself (`Params`), so that a bad value is a
/// problem document rather than axum's plain-text rejection; hence the fields are never read.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct OrderFilter {
    /// Only this store's orders.
    store: Option<Uuid>,
    /// Only orders in this status.
    #[param(value_type = Option<String>, example = "PENDING")]
    status: Option<String>,
    /// Text in the number, customer name, email or phone (at most 100 characters).
    #[param(max_length = 100)]
    q: Option<String>,
    /// Only orders with this validation flag (`phone`, `address`).
    flag: Option<String>,
    /// Placed on or after this day (the company's time zone).
    from: Option<NaiveDate>,
    /// Placed on or before this day.
    to: Option<NaiveDate>,
    /// Orders per page, 1 to 1000 (50 by default).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// The orders' keyset cursor: `<placed, microseconds>.<id>`.
fn order_cursor(r: &orders::ListRow) -> String {
    format!("{}.{}", r.placed_at.timestamp_micros(), r.id)
}

fn parse_order_cursor(c: &str) -> ApiResult<(DateTime<Utc>, Uuid)> {
    let bad = || field_problem("cursor", "Give the next_cursor of a previous page.");
    let (micros, id) = c.split_once('.').ok_or_else(bad)?;
    let micros: i64 = micros.parse().map_err(|_| bad())?;
    let at = DateTime::<Utc>::from_timestamp_micros(micros).ok_or_else(bad)?;
    Ok((at, Uuid::parse_str(id).map_err(|_| bad())?))
}

/// List orders
///
/// The orders of the stores the key may see, newest first, with the inbox's filters.
#[utoipa::path(get, path = "/api/v1/orders", tag = "orders", params(OrderFilter),
    responses((status = 200, description = "A page of orders", body = OrderPage)),
    security(("api_key" = ["orders.read"])))]
pub async fn list_orders(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Meta(meta): Meta,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<OrderPage>> {
    caller
        .require(&state.db, &meta, Permission::OrdersRead)
        .await?;
    let params = Params::parse(
        raw.as_deref(),
        &[
            "store", "status", "q", "flag", "from", "to", "limit", "cursor",
        ],
    )?;
    let limit = params.limit(50, 1000)?;
    let after = params.get("cursor").map(parse_order_cursor).transpose()?;
    let store = match params.get("store") {
        None => caller.store_id,
        Some(s) => {
            let id =
                Uuid::parse_str(s).map_err(|_| field_problem("store", "Give a store's id."))?;
            // A store of another company, one the key's maker does not see, or one the key is
            // not for: no such store.
            caller.check_store(id)?;
            if !super::keys::store_visible(&state.db, &caller.principal, id).await? {
                return Err(Problem::from(Error::NotFound));
            }
            Some(id)
        }
    };
    let query = orders::Query {
        store: store.map(|s| s.to_string()),
        status: params.get("status").map(str::to_string),
        q: params.get("q").map(str::to_string),
        flag: params.get("flag").map(str::to_string),
        from: params.date("from")?,
        to: params.date("to")?,
        ..Default::default()
    };
    let rows = orders::orders_after(&state.db, &caller.principal, &query, after, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    let rows: Vec<_> = rows.into_iter().take(limit as usize).collect();
    let next_cursor = more.then(|| rows.last().map(order_cursor)).flatten();
    Ok(Json(OrderPage {
        data: rows.into_iter().map(OrderSummary::from).collect(),
        next_cursor,
    }))
}

/// Get an order
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders",
    params(("id" = Uuid, Path, description = "The order's id")),
    responses((status = 200, description = "The order", body = Order)),
    security(("api_key" = ["orders.read"])))]
pub async fn get_order(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Meta(meta): Meta,
    Path(id): Path<String>,
) -> ApiResult<Json<Order>> {
    caller
        .require(&state.db, &meta, Permission::OrdersRead)
        .await?;
    let id = parse_id(&id)?;
    let detail = orders::detail(&state.db, &caller.principal, id).await?;
    caller.check_store(detail.order.store_id)?;
    Ok(Json(Order::from(detail)))
}

/// A status change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    /// The status to set: `PENDING`, `WAIT_TRANSFER`, `PICKING`, `PACKED`, `SHIPPED`,
    /// `DELIVERED`, `CANCELLED`, … (those a person may set; the workflow decides which moves
    /// are allowed from the order's status).
    pub status: String,
}

/// Reads a JSON body (refused with a problem, never a plain-text rejection).
fn json_body<T: serde::de::DeserializeOwned>(headers: &HeaderMap, body: &Bytes) -> ApiResult<T> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            let ct = ct.split(';').next().unwrap_or_default().trim();
            ct.eq_ignore_ascii_case("application/json")
        });
    if !is_json {
        return Err(Problem::new(
            axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Send the body as application/json.",
        ));
    }
    serde_json::from_slice(body)
        .map_err(|e| Problem::bad_request(format!("The body is not valid: {e}.")))
}

/// Change an order's status
///
/// Moves the order to a status a person may set, following the workflow; a move the workflow
/// refuses is a 409 with why. Setting the status it already has changes nothing.
#[utoipa::path(post, path = "/api/v1/orders/{id}/status", tag = "orders",
    params(("id" = Uuid, Path, description = "The order's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for the same request")),
    request_body = StatusChange,
    responses((status = 200, description = "The order after the change", body = Order)),
    security(("api_key" = ["orders.write"])))]
pub async fn change_order_status(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Order>> {
    caller
        .require(&state.db, &meta, Permission::OrdersWrite)
        .await?;
    let id = parse_id(&id)?;
    let change: StatusChange = json_body(&headers, &body)?;
    if !model::MANUAL_STATUSES.contains(&change.status.as_str()) {
        return Err(field_problem(
            "status",
            &format!("Choose one of {}.", model::MANUAL_STATUSES.join(", ")),
        ));
    }
    let p = &caller.principal;
    let order = orders::visible_order(&state.db, p, id).await?;
    caller.check_store(order.store_id)?;
    let action = OrderAction::SetStatus(change.status.clone());
    let mut tx = state.db.begin().await?;
    let outcome = actions::apply(
        &mut tx,
        p.company_id,
        id,
        &action,
        Some(p.user_id),
        Utc::now(),
    )
    .await?;
    match &outcome {
        Outcome::Failed(why) => return Err(Problem::from(Error::Conflict(why.clone()))),
        Outcome::Skipped(_) => drop(tx),
        Outcome::Succeeded(_) => {
            audit::record(
                &mut tx,
                &meta,
                Entry::by(
                    p,
                    Action::OrderEdited,
                    Some(order.number.clone()),
                    serde_json::json!({
                        "order_id": id,
                        "status": { "from": order.status, "to": change.status },
                        "api_key": caller.prefix,
                    }),
                ),
            )
            .await?;
            tx.commit().await?;
        }
    }
    let detail = orders::detail(&state.db, p, id).await?;
    Ok(Json(Order::from(detail)))
}

/// The company's token balance.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenBalance {
    /// AI tokens left.
    pub balance: i64,
}

/// Get the token balance
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens",
    responses((status = 200, description = "The balance", body = TokenBalance)),
    security(("api_key" = ["billing.read"])))]
pub async fn token_balance(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Meta(meta): Meta,
) -> ApiResult<Json<TokenBalance>> {
    caller
        .require(&state.db, &meta, Permission::BillingRead)
        .await?;
    let balance = ledger::balance(&state.db, caller.principal.company_id).await?;
    Ok(Json(TokenBalance { balance }))
}

/// A ledger entry: tokens in (purchase, grant, refund) or out (an analysis), and the balance
/// after it.
#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerEntry {
    pub id: i64,
    /// `purchase`, `grant`, `usage`, `refund`, …
    pub kind: String,
    /// Positive in, negative out.
    pub tokens: i64,
    pub balance_after: i64,
    /// What the entry is for (a payment, an analysis).
    pub reference: String,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Paging of the ledger (for the document only, like [`OrderFilter`]).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct LedgerParams {
    /// Entries per page, 1 to 1000 (100 by default).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// List the token ledger
///
/// Every token movement of the company, newest first.
#[utoipa::path(get, path = "/api/v1/tokens/ledger", tag = "tokens", params(LedgerParams),
    responses((status = 200, description = "A page of entries", body = LedgerPage)),
    security(("api_key" = ["billing.read"])))]
pub async fn token_ledger(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Meta(meta): Meta,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<LedgerPage>> {
    caller
        .require(&state.db, &meta, Permission::BillingRead)
        .await?;
    let params = Params::parse(raw.as_deref(), &["limit", "cursor"])?;
    let limit = params.limit(100, 1000)?;
    let before = params
        .get("cursor")
        .map(|c| {
            c.parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| field_problem("cursor", "Give the next_cursor of a previous page."))
        })
        .transpose()?;
    let rows =
        ledger::entries_before(&state.db, caller.principal.company_id, before, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    let rows: Vec<_> = rows.into_iter().take(limit as usize).collect();
    let next_cursor = more
        .then(|| rows.last().map(|e| e.id.to_string()))
        .flatten();
    Ok(Json(LedgerPage {
        data: rows
            .into_iter()
            .map(|e| LedgerEntry {
                id: e.id,
                kind: e.kind,
                tokens: e.tokens,
                balance_after: e.balance_after,
                reference: e.reference,
                note: e.note,
                created_at: e.created_at,
            })
            .collect(),
        next_cursor,
    }))
}

/// A webhook endpoint (its secret is never in the API; Settings → API shows it).
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookEndpoint {
    pub id: Uuid,
    pub url: String,
    pub description: String,
    /// The event types it receives.
    pub events: Vec<String>,
    pub enabled: bool,
    /// `closed`, `open` (paused after consecutive failures) or `half-open` (the next attempt
    /// is a probe).
    pub circuit: String,
    pub created_at: DateTime<Utc>,
}

/// The webhook endpoints.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookEndpointList {
    pub data: Vec<WebhookEndpoint>,
}

/// A new webhook endpoint.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhookEndpoint {
    /// An http(s) address; private, loopback and metadata addresses are refused unless the
    /// installation allows them.
    pub url: String,
    #[serde(default)]
    pub description: String,
    /// Event types: `order.created`, `order.updated`, `analysis.completed`,
    /// `tokens.purchased`, `tokens.low_balance`, `campaign.alert_fired`.
    pub events: Vec<String>,
}

/// A webhook endpoint just made, with its signing secret (shown this once here).
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedWebhookEndpoint {
    pub endpoint: WebhookEndpoint,
    /// `whsec_…`: check each delivery's `webhook-signature` with it.
    pub secret: String,
}

fn endpoint_of(
    e: crate::api::webhooks::EndpointRow,
    cfg: &super::config::ApiConfig,
) -> WebhookEndpoint {
    WebhookEndpoint {
        circuit: e.circuit(cfg.circuit_failures, Utc::now()).to_string(),
        id: e.id,
        url: e.url,
        description: e.description,
        events: e.events.split_whitespace().map(str::to_string).collect(),
        enabled: e.enabled,
        created_at: e.created_at,
    }
}

/// List webhook endpoints
#[utoipa::path(get, path = "/api/v1/webhook-endpoints", tag = "webhooks",
    responses((status = 200, description = "The company's endpoints", body = WebhookEndpointList)),
    security(("api_key" = ["settings.manage"])))]
pub async fn list_webhook_endpoints(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Meta(meta): Meta,
) -> ApiResult<Json<WebhookEndpointList>> {
    caller
        .require(&state.db, &meta, Permission::SettingsManage)
        .await?;
    caller.require_every_store()?;
    let cfg = state.config.section::<super::config::ApiConfig>();
    let rows = crate::api::webhooks::endpoints(&state.db, &caller.principal).await?;
    Ok(Json(WebhookEndpointList {
        data: rows.into_iter().map(|e| endpoint_of(e, cfg)).collect(),
    }))
}

/// Add a webhook endpoint
///
/// Answers the endpoint with its signing secret.
#[utoipa::path(post, path = "/api/v1/webhook-endpoints", tag = "webhooks",
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for the same request")),
    request_body = NewWebhookEndpoint,
    responses((status = 201, description = "The endpoint and its secret", body = CreatedWebhookEndpoint)),
    security(("api_key" = ["settings.manage"])))]
pub async fn create_webhook_endpoint(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Meta(meta): Meta,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(axum::http::StatusCode, Json<CreatedWebhookEndpoint>)> {
    caller
        .require(&state.db, &meta, Permission::SettingsManage)
        .await?;
    caller.require_every_store()?;
    let new: NewWebhookEndpoint = json_body(&headers, &body)?;
    let cfg = state.config.section::<super::config::ApiConfig>();
    let input = crate::api::webhooks::EndpointInput {
        url: new.url,
        description: new.description,
        events: new.events,
    };
    let (id, secret) = crate::api::webhooks::create_endpoint(
        &state.db,
        cfg,
        &state.config.app_secret_key,
        &caller.principal,
        &meta,
        &input,
    )
    .await?;
    let row = crate::api::webhooks::endpoints(&state.db, &caller.principal)
        .await?
        .into_iter()
        .find(|e| e.id == id)
        .ok_or(Error::NotFound)?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(CreatedWebhookEndpoint {
            endpoint: endpoint_of(row, cfg),
            secret,
        }),
    ))
}

/// Delete a webhook endpoint
///
/// Its deliveries go with it.
#[utoipa::path(delete, path = "/api/v1/webhook-endpoints/{id}", tag = "webhooks",
    params(("id" = Uuid, Path, description = "The endpoint's id")),
    responses((status = 204, description = "Deleted")),
    security(("api_key" = ["settings.manage"])))]
pub async fn delete_webhook_endpoint(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Meta(meta): Meta,
    Path(id): Path<String>,
) -> ApiResult<axum::http::StatusCode> {
    caller
        .require(&state.db, &meta, Permission::SettingsManage)
        .await?;
    caller.require_every_store()?;
    let id = parse_id(&id)?;
    crate::api::webhooks::delete_endpoint(&state.db, &caller.principal, &meta, id).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
