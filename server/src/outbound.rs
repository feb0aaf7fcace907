//! What every client of another service (Shopify, Trendyol, the ad platforms, the AI
//! providers) shares, and the guarded fetcher for addresses members type (`guard`).

pub mod guard;

/// How long a 429 asks the client to wait: its Retry-After in seconds, when that is a usable
/// number (a negative or endless one is ignored rather than trusted).
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<std::time::Duration> {
    headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(std::time::Duration::from_secs_f64)
}
