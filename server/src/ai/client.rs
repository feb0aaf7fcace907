//! The one AI client every area uses (analyses today; campaign insights and the content studio
//! next): JSON POSTs to Anthropic or OpenAI with retries and backoff, the usage they report,
//! and what it costs at list price. The prompts and the schemas are the areas' own.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Why a call gave no usable answer (after its retries).
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// The provider could not be reached or kept failing.
    #[error("{0}")]
    Provider(String),
    /// The provider answered with something that is not JSON.
    #[error("{reason}")]
    Malformed { reason: String, raw: String },
}

/// Provider-reported token usage.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    pub input: i64,
    pub output: i64,
    pub cache_read: i64,
    pub cache_creation: i64,
    /// Provider calls made (with retries and repair attempts).
    pub calls: i64,
}

impl Usage {
    /// Tokens charged for it: input + output + cache read + cache creation.
    pub fn total(&self) -> i64 {
        self.input + self.output + self.cache_read + self.cache_creation
    }

    pub fn add(&mut self, o: &Usage) {
        self.input += o.input;
        self.output += o.output;
        self.cache_read += o.cache_read;
        self.cache_creation += o.cache_creation;
        self.calls += o.calls;
    }
}

/// Dollars per million tokens: input, output, cache write, cache read.
fn prices(model: &str) -> Option<(f64, f64, f64, f64)> {
    let m = model.to_lowercase();
    if m.contains("opus") {
        Some((15.0, 75.0, 18.75, 1.5))
    } else if m.contains("sonnet") {
        Some((3.0, 15.0, 3.75, 0.3))
    } else if m.contains("haiku") {
        Some((0.8, 4.0, 1.0, 0.08))
    } else if m.starts_with("gpt-4o-mini") {
        Some((0.15, 0.6, 0.15, 0.075))
    } else if m.starts_with("gpt-4o") {
        Some((2.5, 10.0, 2.5, 1.25))
    } else {
        None
    }
}

/// What the usage costs at the model's list price, in millionths of a dollar.
pub fn cost_micros(model: &str, u: &Usage) -> Option<i64> {
    let (i, o, w, r) = prices(model)?;
    let dollars = (u.input as f64 * i
        + u.output as f64 * o
        + u.cache_creation as f64 * w
        + u.cache_read as f64 * r)
        / 1e6;
    Some((dollars * 1e6).round() as i64)
}

/// Retry policy for one provider.
#[derive(Clone, Debug)]
pub struct Retry {
    pub attempts: u32,
    pub timeout: Duration,
    /// The first wait; doubled each time.
    pub base: Duration,
}

/// One HTTP reply: its JSON and the raw text (kept when an answer breaks the schema).
pub struct Reply {
    pub body: Value,
    pub raw: String,
}

/// POSTs with retries on 429 / 5xx (and Anthropic's 529) / network errors, each attempt
/// under the timeout, waiting `base × 2^(n−1)` or the Retry-After (up to 30 s), whichever is
/// longer. Every attempt is counted in `usage.calls`.
pub async fn post(
    http: &reqwest::Client,
    url: &str,
    headers: &[(&str, String)],
    body: &Value,
    retry: &Retry,
    usage: &mut Usage,
) -> Result<Reply, CallError> {
    let mut last = String::new();
    for attempt in 1..=retry.attempts.max(1) {
        let mut req = http.post(url).timeout(retry.timeout).json(body);
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        usage.calls += 1;
        let wait = match req.send().await {
            Ok(res) => {
                let status = res.status();
                let after = crate::outbound::retry_after(res.headers())
                    .map(|d| d.min(Duration::from_secs(30)));
                let raw = res.text().await.unwrap_or_default();
                if status.is_success() {
                    let body = serde_json::from_str(&raw).map_err(|_| CallError::Malformed {
                        reason: "the provider's reply is not JSON".into(),
                        raw: raw.chars().take(20_000).collect(),
                    })?;
                    return Ok(Reply { body, raw });
                }
                let retryable = status.as_u16() == 429 || status.is_server_error();
                last = format!("HTTP {}: {}", status.as_u16(), error_message(&raw));
                if !retryable {
                    return Err(CallError::Provider(last));
                }
                after
            }
            Err(e) if e.is_timeout() => {
                last = format!("no answer within {} s", retry.timeout.as_secs());
                None
            }
            Err(_) => {
                last = "the provider could not be reached".into();
                None
            }
        };
        if attempt < retry.attempts {
            let backoff = retry.base * 2u32.saturating_pow(attempt - 1);
            tokio::time::sleep(wait.unwrap_or(backoff).max(backoff)).await;
        }
    }
    Err(CallError::Provider(format!(
        "{last} (after {} attempts)",
        retry.attempts
    )))
}

fn error_message(raw: &str) -> String {
    serde_json::from_str::<Value>(raw)
        .ok()
        .and_then(|v| {
            v.pointer("/error/message")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .unwrap_or_else(|| raw.chars().take(200).collect())
}
