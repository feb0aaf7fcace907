//! AI: the platform's default provider keys and the calls' timeout, attempts and backoff
//! (ANTHROPIC_*, OPENAI_*, ANALYSIS_PROVIDER_*). A company's own key (Settings → Integrations,
//! `ai::keys`) wins over the platform's.

use std::{fmt, time::Duration};

use secrecy::SecretString;
use url::Url;

pub const DEFAULT_ANTHROPIC_MODEL: &str = "claude-sonnet-4-20250514";
pub const DEFAULT_OPENAI_MODEL: &str = "gpt-4o-2024-08-06";

/// One AI provider's platform default (a company's own key in Settings → Integrations wins).
#[derive(Clone)]
pub struct ProviderConfig {
    pub api_key: SecretString,
    pub base_url: Url,
    pub model: String,
}

impl fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("api_key", &"[redacted]")
            .field("base_url", &self.base_url.as_str())
            .field("model", &self.model)
            .finish()
    }
}

#[derive(Clone, Debug)]
pub struct AiConfig {
    pub anthropic: Option<ProviderConfig>,
    pub openai: Option<ProviderConfig>,
    /// Base URLs used for a company's own key (tests point them at wiremock).
    pub anthropic_base_url: Url,
    pub openai_base_url: Url,
    pub timeout: Duration,
    /// Attempts per provider call (429 and 5xx are retried with backoff).
    pub attempts: u32,
    /// The first wait before a retry; doubled each time.
    pub backoff: Duration,
}

impl Default for AiConfig {
    fn default() -> Self {
        AiConfig {
            anthropic: None,
            openai: None,
            anthropic_base_url: Url::parse("https://api.anthropic.com").expect("url"),
            openai_base_url: Url::parse("https://api.openai.com").expect("url"),
            timeout: Duration::from_secs(120),
            attempts: 4,
            backoff: Duration::from_secs(1),
        }
    }
}

impl AiConfig {
    /// The retry policy of every provider call.
    pub fn retry(&self) -> super::client::Retry {
        super::client::Retry {
            attempts: self.attempts,
            timeout: self.timeout,
            base: self.backoff,
        }
    }
}

impl crate::config::Section for AiConfig {
    fn load(get: &dyn Fn(&str) -> Option<String>, errors: &mut Vec<String>) -> Self {
        let mut c = AiConfig::default();
        let number = |var: &str, min: u64, max: u64, errors: &mut Vec<String>| {
            crate::config::number(get, var, min, max, errors)
        };
        if let Some(n) = number("ANALYSIS_PROVIDER_TIMEOUT_SECONDS", 1, 3600, errors) {
            c.timeout = Duration::from_secs(n);
        }
        if let Some(n) = number("ANALYSIS_PROVIDER_ATTEMPTS", 1, 10, errors) {
            c.attempts = n as u32;
        }
        if let Some(n) = number("ANALYSIS_PROVIDER_BACKOFF_MS", 1, 60_000, errors) {
            c.backoff = Duration::from_millis(n);
        }
        let url = |var: &str, default: &Url, errors: &mut Vec<String>| {
            crate::config::http_url(get, var, default, errors)
        };
        c.anthropic_base_url = url("ANTHROPIC_BASE_URL", &c.anthropic_base_url.clone(), errors);
        c.openai_base_url = url("OPENAI_BASE_URL", &c.openai_base_url.clone(), errors);
        c.anthropic = get("ANTHROPIC_API_KEY").map(|k| ProviderConfig {
            api_key: SecretString::from(k),
            base_url: c.anthropic_base_url.clone(),
            model: get("ANTHROPIC_MODEL").unwrap_or_else(|| DEFAULT_ANTHROPIC_MODEL.into()),
        });
        c.openai = get("OPENAI_API_KEY").map(|k| ProviderConfig {
            api_key: SecretString::from(k),
            base_url: c.openai_base_url.clone(),
            model: get("OPENAI_MODEL").unwrap_or_else(|| DEFAULT_OPENAI_MODEL.into()),
        });
        c
    }
}
