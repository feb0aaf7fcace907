//! Shopify's GraphQL Admin API (the REST Admin API is legacy since 2024-10): the shop (for
//! "Test connection") and pages of orders by `updated_at` (for sync). Throttling is honoured:
//! a THROTTLED answer waits as long as the cost bucket needs to refill (from the answer's
//! `extensions.cost`), a 429 waits its Retry-After, both a bounded number of times; a token
//! Shopify refuses, or Shopify being down, is an error the caller reports or retries.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{config::OrdersConfig, model::OrderFacts, shopify};

/// Orders asked for per page (each with up to 100 line items).
pub const PAGE_SIZE: u32 = 50;
/// Throttled answers waited out per call before giving up (the job retries later).
const THROTTLE_RETRIES: u32 = 5;
/// The longest single wait for the cost bucket.
const MAX_WAIT: Duration = Duration::from_secs(20);

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Shopify said no: a wrong or revoked token, a missing scope, an unknown shop.
    #[error("Shopify refused the request: {0}")]
    Refused(String),
    /// Still throttled after waiting.
    #[error("Shopify is throttling requests; try again shortly")]
    Throttled,
    /// Shopify could not be reached or answered 5xx.
    #[error("Shopify is unavailable: {0}")]
    Unavailable(String),
    /// An answer we could not read.
    #[error("Shopify's answer could not be read: {0}")]
    Invalid(String),
}

pub struct ShopifyApi {
    http: reqwest::Client,
    endpoint: url::Url,
    token: SecretString,
}

/// What "Test connection" shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShopInfo {
    pub name: String,
    pub domain: String,
    pub currency: String,
}

/// One page of orders by `updated_at`, oldest first.
pub struct OrdersPage {
    /// Each order's facts with its node as received (kept as the order's payload).
    pub orders: Vec<(OrderFacts, String)>,
    /// Nodes that could not be read: (Shopify id, why).
    pub unreadable: Vec<(String, String)>,
    pub end_cursor: Option<String>,
    pub has_next: bool,
}

/// An order's own fields, as both the pages and the bulk export ask for them.
pub(super) const ORDER_SCALARS: &str = "id name createdAt updatedAt cancelledAt displayFinancialStatus \
    displayFulfillmentStatus currencyCode email phone note paymentGatewayNames \
    totalPriceSet { shopMoney { amount } } subtotalPriceSet { shopMoney { amount } } \
    totalTaxSet { shopMoney { amount } } totalShippingPriceSet { shopMoney { amount } } \
    customer { firstName lastName email phone } \
    shippingAddress { name firstName lastName company address1 address2 city province zip countryCodeV2 phone } \
    billingAddress { name firstName lastName company address1 address2 city province zip countryCodeV2 phone }";
/// A line item's fields.
pub(super) const LINE_FIELDS: &str =
    "title variantTitle sku quantity originalUnitPriceSet { shopMoney { amount } }";

impl ShopifyApi {
    pub fn new(
        config: &OrdersConfig,
        shop_domain: &str,
        token: SecretString,
    ) -> Result<Self, ApiError> {
        let base = match &config.shopify_api_base {
            Some(base) => base.clone(),
            None => url::Url::parse(&format!("https://{shop_domain}/"))
                .map_err(|e| ApiError::Invalid(e.to_string()))?,
        };
        let endpoint = base
            .join(&format!(
                "admin/api/{}/graphql.json",
                config.shopify_api_version
            ))
            .map_err(|e| ApiError::Invalid(e.to_string()))?;
        let http = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ApiError::Unavailable(e.to_string()))?;
        Ok(ShopifyApi {
            http,
            endpoint,
            token,
        })
    }

    /// One GraphQL call, throttling waited out; answers `data`.
    pub(super) async fn call(&self, query: &str, variables: Value) -> Result<Value, ApiError> {
        let body = json!({ "query": query, "variables": variables });
        for _ in 0..=THROTTLE_RETRIES {
            let res = self
                .http
                .post(self.endpoint.clone())
                .header("X-Shopify-Access-Token", self.token.expose_secret())
                .json(&body)
                .send()
                .await
                .map_err(|e| ApiError::Unavailable(e.without_url().to_string()))?;
            let status = res.status();
            if status.as_u16() == 429 {
                let wait =
                    crate::outbound::retry_after(res.headers()).unwrap_or(Duration::from_secs(2));
                tokio::time::sleep(wait.min(MAX_WAIT)).await;
                continue;
            }
            if status.is_server_error() {
                return Err(ApiError::Unavailable(format!("HTTP {status}")));
            }
            let text = res
                .text()
                .await
                .map_err(|e| ApiError::Unavailable(e.without_url().to_string()))?;
            if matches!(status.as_u16(), 401 | 403 | 404) {
                return Err(ApiError::Refused(refusal(status.as_u16(), &text)));
            }
            if !status.is_success() {
                return Err(ApiError::Invalid(format!("HTTP {status}")));
            }
            let answer: Value =
                serde_json::from_str(&text).map_err(|e| ApiError::Invalid(e.to_string()))?;
            if let Some(errors) = answer.get("errors").and_then(Value::as_array) {
                if errors
                    .iter()
                    .any(|e| e["extensions"]["code"] == "THROTTLED")
                {
                    tokio::time::sleep(refill_wait(&answer)).await;
                    continue;
                }
                if !errors.is_empty() {
                    let messages: Vec<&str> = errors
                        .iter()
                        .filter_map(|e| e["message"].as_str())
                        .collect();
                    return Err(ApiError::Refused(messages.join("; ")));
                }
            }
            return answer
                .get("data")
                .cloned()
                .filter(|d| !d.is_null())
                .ok_or_else(|| ApiError::Invalid("no data".into()));
        }
        Err(ApiError::Throttled)
    }

    pub async fn shop(&self) -> Result<ShopInfo, ApiError> {
        let data = self
            .call("{ shop { name myshopifyDomain currencyCode } }", json!({}))
            .await?;
        let shop = &data["shop"];
        let text = |k: &str| shop[k].as_str().map(str::to_string);
        match (text("name"), text("myshopifyDomain"), text("currencyCode")) {
            (Some(name), Some(domain), Some(currency)) => Ok(ShopInfo {
                name,
                domain,
                currency,
            }),
            _ => Err(ApiError::Invalid("the shop has no name or domain".into())),
        }
    }

    /// Orders updated at or after `since` (all when None) — or, with `day`, the orders created
    /// that UTC day — from `after` (a page's end cursor).
    pub async fn orders_page(
        &self,
        since: Option<DateTime<Utc>>,
        day: Option<chrono::NaiveDate>,
        after: Option<&str>,
    ) -> Result<OrdersPage, ApiError> {
        let query = format!(
            "query Orders($first: Int!, $after: String, $query: String) {{ \
             orders(first: $first, after: $after, sortKey: UPDATED_AT, query: $query) {{ \
             nodes {{ {ORDER_SCALARS} lineItems(first: 100) {{ nodes {{ {LINE_FIELDS} }} }} }} \
             pageInfo {{ hasNextPage endCursor }} }} }}"
        );
        let filter = match day {
            Some(day) => Some(day_filter(day)),
            None => since.map(|t| {
                format!(
                    "updated_at:>='{}'",
                    t.to_rfc3339_opts(SecondsFormat::Secs, true)
                )
            }),
        };
        let data = self
            .call(
                &query,
                json!({ "first": PAGE_SIZE, "after": after, "query": filter }),
            )
            .await?;
        let orders = &data["orders"];
        let nodes = orders["nodes"]
            .as_array()
            .ok_or_else(|| ApiError::Invalid("no orders in the answer".into()))?;
        let mut page = OrdersPage {
            orders: Vec::with_capacity(nodes.len()),
            unreadable: Vec::new(),
            end_cursor: orders["pageInfo"]["endCursor"].as_str().map(str::to_string),
            has_next: orders["pageInfo"]["hasNextPage"].as_bool().unwrap_or(false),
        };
        for node in nodes {
            match shopify::facts_from_node(node) {
                Ok(facts) => page.orders.push((facts, node.to_string())),
                Err(why) => page
                    .unreadable
                    .push((node["id"].as_str().unwrap_or("?").to_string(), why)),
            }
        }
        if page.has_next && page.end_cursor.is_none() {
            return Err(ApiError::Invalid("a next page without a cursor".into()));
        }
        Ok(page)
    }
}

/// One day as the shop counts it (UTC days, by creation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShopDay {
    pub day: chrono::NaiveDate,
    pub count: i64,
    /// The newest `updated_at` of the day's orders.
    pub latest: Option<DateTime<Utc>>,
}

/// The search filter of one UTC day's orders by creation.
pub fn day_filter(day: chrono::NaiveDate) -> String {
    let start = day.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
    let end = start + chrono::Duration::days(1);
    format!(
        "created_at:>='{}' created_at:<'{}'",
        start.to_rfc3339_opts(SecondsFormat::Secs, true),
        end.to_rfc3339_opts(SecondsFormat::Secs, true)
    )
}

impl ShopifyApi {
    /// Per day: how many orders the shop has and the newest change among them, in one call
    /// (aliased `ordersCount` and `orders(first: 1, sortKey: UPDATED_AT, reverse: true)`).
    pub async fn days(&self, days: &[chrono::NaiveDate]) -> Result<Vec<ShopDay>, ApiError> {
        let mut query = String::from("query {");
        for (i, day) in days.iter().enumerate() {
            let f = day_filter(*day).replace('"', "");
            query.push_str(&format!(
                " c{i}: ordersCount(query: \"{f}\", limit: null) {{ count precision }} \
                 l{i}: orders(first: 1, sortKey: UPDATED_AT, reverse: true, query: \"{f}\") {{ nodes {{ updatedAt }} }}"
            ));
        }
        query.push_str(" }");
        let data = self.call(&query, json!({})).await?;
        days.iter()
            .enumerate()
            .map(|(i, day)| {
                let count = data[format!("c{i}")]["count"]
                    .as_i64()
                    .ok_or_else(|| ApiError::Invalid(format!("no count for {day}")))?;
                let latest = data[format!("l{i}")]["nodes"][0]["updatedAt"]
                    .as_str()
                    .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                    .map(|t| t.with_timezone(&Utc));
                Ok(ShopDay {
                    day: *day,
                    count,
                    latest,
                })
            })
            .collect()
    }
}

/// A customer's contact and shipping address as `orderUpdate` takes them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactUpdate {
    pub email: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub phone: Option<String>,
    pub address1: String,
    pub address2: Option<String>,
    pub city: String,
    pub province: String,
    pub zip: String,
    pub country_code: String,
}

impl ShopifyApi {
    /// Writes an order's email, phone and shipping address (`orderUpdate`); answers the order's new
    /// `updatedAt`. Shopify's `userErrors` come back as `Refused` with its words.
    pub async fn update_contact(
        &self,
        order_id: &str,
        c: &ContactUpdate,
    ) -> Result<DateTime<Utc>, ApiError> {
        const MUTATION: &str = "mutation OrderUpdate($input: OrderInput!) { \
            orderUpdate(input: $input) { order { id updatedAt } userErrors { field message } } }";
        let mut input = json!({
            "id": format!("gid://shopify/Order/{order_id}"),
            "shippingAddress": {
                "firstName": c.first_name, "lastName": c.last_name, "phone": c.phone,
                "address1": c.address1, "address2": c.address2, "city": c.city,
                "province": c.province, "zip": c.zip, "countryCode": c.country_code,
            },
        });
        if let Some(email) = &c.email {
            input["email"] = json!(email);
        }
        // The order's own phone too (OrderInput.phone, public since 2026-01): the order's
        // webhooks carry it first, so an edit of the shipping phone alone would come back.
        if let Some(phone) = &c.phone {
            input["phone"] = json!(phone);
        }
        let data = self.call(MUTATION, json!({ "input": input })).await?;
        let result = &data["orderUpdate"];
        refused_by(result)?;
        result["order"]["updatedAt"]
            .as_str()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| ApiError::Invalid("the updated order has no updatedAt".into()))
    }
}

/// What a refusal says: Shopify's `errors` text when it gave one.
fn refusal(status: u16, body: &str) -> String {
    #[derive(Deserialize)]
    struct Body {
        errors: Value,
    }
    let said = serde_json::from_str::<Body>(body)
        .ok()
        .map(|b| match b.errors {
            Value::String(s) => s,
            other => other.to_string(),
        })
        .unwrap_or_default();
    let said: String = said.chars().take(200).collect();
    if said.is_empty() {
        format!("HTTP {status}")
    } else {
        format!("HTTP {status}: {said}")
    }
}

/// How long until the cost bucket holds what the throttled query asked for.
fn refill_wait(answer: &Value) -> Duration {
    let cost = &answer["extensions"]["cost"];
    let requested = cost["requestedQueryCost"].as_f64().unwrap_or(100.0);
    let available = cost["throttleStatus"]["currentlyAvailable"]
        .as_f64()
        .unwrap_or(0.0);
    let rate = cost["throttleStatus"]["restoreRate"]
        .as_f64()
        .filter(|r| *r > 0.0)
        .unwrap_or(50.0);
    Duration::from_secs_f64(((requested - available).max(0.0) / rate).max(0.05)).min(MAX_WAIT)
}

/// A mutation's `userErrors` (Shopify's words for what it refused), as `Refused`.
pub(super) fn refused_by(payload: &Value) -> Result<(), ApiError> {
    match payload["userErrors"].as_array().filter(|e| !e.is_empty()) {
        Some(errors) => {
            let said: Vec<&str> = errors
                .iter()
                .filter_map(|e| e["message"].as_str())
                .collect();
            Err(ApiError::Refused(said.join("; ")))
        }
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_throttled_answer_waits_for_the_bucket_to_refill() {
        let answer = json!({ "extensions": { "cost": { "requestedQueryCost": 152,
            "throttleStatus": { "maximumAvailable": 2000, "currentlyAvailable": 52, "restoreRate": 100 } } } });
        assert_eq!(refill_wait(&answer), Duration::from_secs(1));
        assert_eq!(refill_wait(&json!({})), Duration::from_secs(2));
        assert_eq!(refusal(401, r#"{"errors":"[API] Invalid API key or access token (unrecognized login or wrong password)"}"#),
            "HTTP 401: [API] Invalid API key or access token (unrecognized login or wrong password)");
        assert_eq!(refusal(403, "<html>"), "HTTP 403");
    }
}
