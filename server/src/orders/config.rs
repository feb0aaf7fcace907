//! Orders configuration: how Shopify, Trendyol and FAN Courier are reached, how often stores are synced
//! and AWBs tracked.

use std::time::Duration;

#[derive(Clone, Debug)]
pub struct OrdersConfig {
    /// The Admin API version every GraphQL call names (SHOPIFY_API_VERSION).
    pub shopify_api_version: String,
    /// Where Shopify's Admin API is (SHOPIFY_API_BASE): unset means `https://<shop domain>`;
    /// tests and the end-to-end stand-in point it at a local server.
    pub shopify_api_base: Option<url::Url>,
    /// Where Trendyol's API is (TRENDYOL_API_BASE): unset means Trendyol's own gateway, stage
    /// or production as each store's connection says; tests and the end-to-end stand-in point
    /// it at a local server.
    pub trendyol_api_base: Option<url::Url>,
    /// How often every connected store is synced (ORDERS_SYNC_MINUTES).
    pub sync_every: Duration,
    /// The longest one Shopify request may take (for a bulk export's file: the longest wait
    /// for its next bytes).
    pub request_timeout: Duration,
    /// A Shopify store's first import reads through a bulk operation (one JSONL file Shopify
    /// prepares) when the store has at least this many orders; fewer are read page by page,
    /// which starts at once (ORDERS_BULK_FROM; 0: never).
    pub bulk_from: u64,
    /// How often a bulk operation under way is asked about (ORDERS_BULK_POLL_SECONDS).
    pub bulk_poll: Duration,
    /// Order exports per member per hour (ORDERS_EXPORTS_PER_HOUR).
    pub exports_per_hour: u32,
    /// Where FAN Courier's API is (FANCOURIER_API_BASE).
    pub fancourier_api_base: url::Url,
    /// How often AWBs on their way are tracked (AWB_TRACKING_MINUTES).
    pub tracking_every: Duration,
}

impl Default for OrdersConfig {
    fn default() -> Self {
        OrdersConfig {
            shopify_api_version: "2026-10".into(),
            shopify_api_base: None,
            trendyol_api_base: None,
            sync_every: Duration::from_secs(15 * 60),
            request_timeout: Duration::from_secs(30),
            bulk_from: 2_500,
            bulk_poll: Duration::from_secs(10),
            exports_per_hour: 20,
            fancourier_api_base: url::Url::parse("https://api.fancourier.ro").expect("a URL"),
            tracking_every: Duration::from_secs(30 * 60),
        }
    }
}

impl crate::config::Section for OrdersConfig {
    fn load(get: &dyn Fn(&str) -> Option<String>, errors: &mut Vec<String>) -> Self {
        let mut c = OrdersConfig::default();
        if let Some(v) = get("SHOPIFY_API_VERSION").filter(|v| !v.is_empty()) {
            let ok = v.len() == 7
                && v.as_bytes()[4] == b'-'
                && v[..4].bytes().all(|b| b.is_ascii_digit())
                && matches!(&v[5..], "01" | "04" | "07" | "10");
            if ok {
                c.shopify_api_version = v;
            } else {
                errors.push(format!(
                    "SHOPIFY_API_VERSION={v:?}: a Shopify API version such as 2026-10 (YYYY-01, -04, -07 or -10)"
                ));
            }
        }
        if let Some(v) = get("SHOPIFY_API_BASE").filter(|v| !v.is_empty()) {
            match url::Url::parse(&v) {
                Ok(u) if matches!(u.scheme(), "http" | "https") => c.shopify_api_base = Some(u),
                _ => errors.push(format!("SHOPIFY_API_BASE={v:?}: an http(s) URL")),
            }
        }
        if let Some(v) = get("TRENDYOL_API_BASE").filter(|v| !v.is_empty()) {
            match url::Url::parse(&v) {
                Ok(u) if matches!(u.scheme(), "http" | "https") => c.trendyol_api_base = Some(u),
                _ => errors.push(format!("TRENDYOL_API_BASE={v:?}: an http(s) URL")),
            }
        }
        if let Some(m) = crate::config::number(get, "ORDERS_SYNC_MINUTES", 1, 1440, errors) {
            c.sync_every = Duration::from_secs(m * 60);
        }
        if let Some(n) = crate::config::number(get, "ORDERS_BULK_FROM", 0, 10_000, errors) {
            c.bulk_from = n;
        }
        if let Some(s) = crate::config::number(get, "ORDERS_BULK_POLL_SECONDS", 1, 600, errors) {
            c.bulk_poll = Duration::from_secs(s);
        }
        if let Some(v) = get("FANCOURIER_API_BASE").filter(|v| !v.is_empty()) {
            match url::Url::parse(&v) {
                Ok(u) if matches!(u.scheme(), "http" | "https") => c.fancourier_api_base = u,
                _ => errors.push(format!("FANCOURIER_API_BASE={v:?}: an http(s) URL")),
            }
        }
        if let Some(m) = crate::config::number(get, "AWB_TRACKING_MINUTES", 5, 1440, errors) {
            c.tracking_every = Duration::from_secs(m * 60);
        }
        if let Some(n) = crate::config::number(get, "ORDERS_EXPORTS_PER_HOUR", 1, 10_000, errors) {
            c.exports_per_hour = n as u32;
        }
        c
    }
}
