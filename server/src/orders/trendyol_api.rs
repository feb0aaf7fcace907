//! Trendyol's order integration API: pages of shipment packages by their last change
//! (`GET /integration/order/sellers/{sellerId}/orders`, Basic auth with the API key and
//! secret, and the `"{sellerId} - SelfIntegration"` User-Agent Trendyol asks integrators for).
//!
//! Limits respected: at most 200 packages a page, pages 0–49 of one query (Trendyol serves no
//! more than 10,000 records of a filter, so the sync moves its window instead of paging
//! further), and calls spaced so that one pass stays under Trendyol's 1,000 a minute. A 429
//! waits its Retry-After (or 1, 2, 4 … seconds) a bounded number of times; a refused key is an
//! error the caller reports; Trendyol being down is one the queue retries.

use std::time::Duration;

use base64::Engine;
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::{config::OrdersConfig, model::OrderFacts, trendyol};

/// Packages asked for per page (Trendyol's most).
pub const PAGE_SIZE: u32 = 200;
/// The pages one query may be read to (Trendyol's window of 10,000 records).
pub const MAX_PAGES: u32 = 50;
/// The longest span one query may cover (Trendyol answers two weeks at most).
pub const MAX_SPAN: chrono::Duration = chrono::Duration::days(14);
/// Throttled answers waited out per call before giving up (the job retries later).
const THROTTLE_RETRIES: u32 = 5;
/// The longest single wait after a 429.
const MAX_WAIT: Duration = Duration::from_secs(20);
/// The least time between two calls of one client: 1,000 a minute at most.
const MIN_GAP: Duration = Duration::from_millis(60);

const PRODUCTION: &str = "https://apigw.trendyol.com/";
const STAGE: &str = "https://stageapigw.trendyol.com/";

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Trendyol said no: a wrong key or secret, or a seller id that is not theirs.
    #[error("Trendyol refused the request: {0}")]
    Refused(String),
    /// Still throttled after waiting.
    #[error("Trendyol is throttling requests; try again shortly")]
    Throttled,
    /// Trendyol could not be reached or answered 5xx.
    #[error("Trendyol is unavailable: {0}")]
    Unavailable(String),
    /// An answer we could not read.
    #[error("Trendyol's answer could not be read: {0}")]
    Invalid(String),
}

/// One page of packages by their last change, oldest first.
pub struct PackagesPage {
    /// Each package's facts with the package as received (kept as the order's payload).
    pub packages: Vec<(OrderFacts, String)>,
    /// Packages that could not be read: (package id, why).
    pub unreadable: Vec<(String, String)>,
    pub total_pages: u32,
    pub total_elements: u64,
    /// The newest `lastModifiedDate` of the page, readable packages or not.
    pub newest: Option<DateTime<Utc>>,
}

pub struct TrendyolApi {
    http: reqwest::Client,
    orders: url::Url,
    seller_id: String,
    authorization: SecretString,
    last_call: Mutex<Option<Instant>>,
}

impl TrendyolApi {
    /// A client for one seller; `stage` picks Trendyol's test gateway (unless
    /// TRENDYOL_API_BASE says where Trendyol is).
    pub fn new(
        config: &OrdersConfig,
        seller_id: &str,
        api_key: &str,
        api_secret: &str,
        stage: bool,
    ) -> Result<Self, ApiError> {
        let base = match &config.trendyol_api_base {
            Some(base) => base.clone(),
            None => url::Url::parse(if stage { STAGE } else { PRODUCTION })
                .map_err(|e| ApiError::Invalid(e.to_string()))?,
        };
        let mut base = base;
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        let orders = base
            .join(&format!("integration/order/sellers/{seller_id}/orders"))
            .map_err(|e| ApiError::Invalid(e.to_string()))?;
        let http = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(format!("{seller_id} - SelfIntegration"))
            .build()
            .map_err(|e| ApiError::Unavailable(e.to_string()))?;
        let basic =
            base64::engine::general_purpose::STANDARD.encode(format!("{api_key}:{api_secret}"));
        Ok(TrendyolApi {
            http,
            orders,
            seller_id: seller_id.to_string(),
            authorization: format!("Basic {basic}").into(),
            last_call: Mutex::new(None),
        })
    }

    pub fn seller_id(&self) -> &str {
        &self.seller_id
    }

    /// Waits until this client may call again.
    async fn pace(&self) {
        let mut last = self.last_call.lock().await;
        if let Some(at) = *last {
            let next = at + MIN_GAP;
            if next > Instant::now() {
                tokio::time::sleep_until(next).await;
            }
        }
        *last = Some(Instant::now());
    }

    /// One GET with 429s waited out; answers the JSON body.
    async fn get(&self, query: &[(&str, String)]) -> Result<Value, ApiError> {
        let mut backoff = Duration::from_secs(1);
        for _ in 0..=THROTTLE_RETRIES {
            self.pace().await;
            let res = self
                .http
                .get(self.orders.clone())
                .query(query)
                .header("Authorization", self.authorization.expose_secret())
                .send()
                .await
                .map_err(|e| ApiError::Unavailable(e.without_url().to_string()))?;
            let status = res.status();
            if status.as_u16() == 429 {
                let wait = crate::outbound::retry_after(res.headers()).unwrap_or(backoff);
                tokio::time::sleep(wait.min(MAX_WAIT)).await;
                backoff = (backoff * 2).min(MAX_WAIT);
                continue;
            }
            if status.is_server_error() {
                return Err(ApiError::Unavailable(format!("HTTP {status}")));
            }
            let text = res
                .text()
                .await
                .map_err(|e| ApiError::Unavailable(e.without_url().to_string()))?;
            // A 400 names something Trendyol will not answer (a date range, a parameter):
            // asking again the same way cannot help either.
            if matches!(status.as_u16(), 400 | 401 | 403 | 404) {
                return Err(ApiError::Refused(refusal(status.as_u16(), &text)));
            }
            if !status.is_success() {
                return Err(ApiError::Invalid(format!(
                    "HTTP {status}: {}",
                    refusal(status.as_u16(), &text)
                )));
            }
            return serde_json::from_str(&text).map_err(|e| ApiError::Invalid(e.to_string()));
        }
        Err(ApiError::Throttled)
    }

    /// The packages last changed in [start, end] (at most [`MAX_SPAN`] apart), page `page`
    /// (from 0) of [`PAGE_SIZE`], oldest change first.
    pub async fn packages(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        page: u32,
    ) -> Result<PackagesPage, ApiError> {
        let body = self
            .get(&[
                ("startDate", start.timestamp_millis().to_string()),
                ("endDate", end.timestamp_millis().to_string()),
                ("page", page.to_string()),
                ("size", PAGE_SIZE.to_string()),
                ("orderByField", "PackageLastModifiedDate".into()),
                ("orderByDirection", "ASC".into()),
            ])
            .await?;
        let content = body["content"]
            .as_array()
            .ok_or_else(|| ApiError::Invalid("no content in the answer".into()))?;
        let mut out = PackagesPage {
            packages: Vec::with_capacity(content.len()),
            unreadable: Vec::new(),
            total_pages: body["totalPages"]
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(0),
            total_elements: body["totalElements"]
                .as_u64()
                .unwrap_or(content.len() as u64),
            newest: content
                .iter()
                .filter_map(|p| p["lastModifiedDate"].as_i64())
                .max()
                .and_then(DateTime::from_timestamp_millis),
        };
        for p in content {
            match trendyol::package_facts(p) {
                Ok(facts) => out.packages.push((facts, p.to_string())),
                Err(why) => out.unreadable.push((
                    p["id"]
                        .as_u64()
                        .map(|n| n.to_string())
                        .unwrap_or_else(|| "?".into()),
                    why,
                )),
            }
        }
        Ok(out)
    }
}

/// Trendyol's reason for a refusal, from its error body when there is one.
fn refusal(status: u16, body: &str) -> String {
    let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let message = v["errors"][0]["message"]
        .as_str()
        .or_else(|| v["message"].as_str())
        .or_else(|| v["exception"].as_str())
        .map(str::to_string);
    match (status, message) {
        (_, Some(m)) if !m.trim().is_empty() => m.chars().take(300).collect(),
        (401, _) => "the API key or secret is wrong".into(),
        (403, _) => "this API key may not read this seller's orders".into(),
        (404, _) => "no such seller".into(),
        (s, _) => format!("HTTP {s}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_carry_trendyols_message() {
        assert_eq!(
            refusal(
                401,
                r#"{"errors":[{"key":"x","message":"Unauthorized supplier"}]}"#
            ),
            "Unauthorized supplier"
        );
        assert_eq!(refusal(401, "<html>"), "the API key or secret is wrong");
        assert_eq!(
            refusal(403, ""),
            "this API key may not read this seller's orders"
        );
    }

    #[test]
    fn the_gateway_follows_the_environment() {
        let config = OrdersConfig::default();
        let prod = TrendyolApi::new(&config, "123456", "k", "s", false).unwrap();
        assert_eq!(
            prod.orders.as_str(),
            "https://apigw.trendyol.com/integration/order/sellers/123456/orders"
        );
        let stage = TrendyolApi::new(&config, "123456", "k", "s", true).unwrap();
        assert!(stage
            .orders
            .as_str()
            .starts_with("https://stageapigw.trendyol.com/"));
        let local = OrdersConfig {
            trendyol_api_base: Some(url::Url::parse("http://127.0.0.1:9/trendyol").unwrap()),
            ..OrdersConfig::default()
        };
        let t = TrendyolApi::new(&local, "7", "k", "s", true).unwrap();
        assert_eq!(
            t.orders.as_str(),
            "http://127.0.0.1:9/trendyol/integration/order/sellers/7/orders"
        );
    }
}
