//! Analyses configuration: upload limits, storage (local folder or an S3-compatible bucket),
//! the platform's default AI provider keys and the pipeline's limits.

use std::{fmt, time::Duration};

use secrecy::SecretString;
use url::Url;

pub const DEFAULT_ANTHROPIC_MODEL: &str = "claude-sonnet-4-20250514";
pub const DEFAULT_OPENAI_MODEL: &str = "gpt-4o-2024-08-06";

#[derive(Clone)]
pub struct S3Config {
    pub bucket: String,
    /// Custom endpoint (R2, MinIO, moto); None means AWS.
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: SecretString,
}

impl fmt::Debug for S3Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Config")
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"[redacted]")
            .finish()
    }
}

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
pub struct AnalysesConfig {
    pub max_upload_bytes: u64,
    pub max_pages: u32,
    /// Analyses of one company that may run at the same time; the rest wait their turn.
    pub concurrency_per_company: i64,
    /// Analysis requests per minute per client address.
    pub requests_per_minute: u32,
    pub s3: Option<S3Config>,
    pub anthropic: Option<ProviderConfig>,
    pub openai: Option<ProviderConfig>,
    /// Base URLs used for a company's own key (tests point them at wiremock).
    pub anthropic_base_url: Url,
    pub openai_base_url: Url,
    pub provider_timeout: Duration,
    /// Attempts per provider call (429 and 5xx are retried with backoff).
    pub provider_attempts: u32,
    /// The first wait before a retry; doubled each time.
    pub provider_backoff: Duration,
    /// What an analysis by the local extractor costs, tokens.
    pub local_cost: i64,
}

impl Default for AnalysesConfig {
    fn default() -> Self {
        AnalysesConfig {
            max_upload_bytes: 100 * 1024 * 1024,
            max_pages: 200,
            concurrency_per_company: 2,
            requests_per_minute: 10,
            s3: None,
            anthropic: None,
            openai: None,
            anthropic_base_url: Url::parse("https://api.anthropic.com").expect("url"),
            openai_base_url: Url::parse("https://api.openai.com").expect("url"),
            provider_timeout: Duration::from_secs(120),
            provider_attempts: 4,
            provider_backoff: Duration::from_secs(1),
            local_cost: 500,
        }
    }
}

impl AnalysesConfig {
    pub fn from_vars(get: &dyn Fn(&str) -> Option<String>, errors: &mut Vec<String>) -> Self {
        let mut c = AnalysesConfig::default();
        let number = |var: &str, min: u64, max: u64, errors: &mut Vec<String>| -> Option<u64> {
            let raw = get(var)?;
            match raw.parse::<u64>() {
                Ok(v) if (min..=max).contains(&v) => Some(v),
                _ => {
                    errors.push(format!(
                        "{var}: expected a whole number from {min} to {max}, got `{raw}`"
                    ));
                    None
                }
            }
        };
        if let Some(mb) = number("ANALYSIS_MAX_UPLOAD_MB", 1, 2048, errors) {
            c.max_upload_bytes = mb * 1024 * 1024;
        }
        if let Some(p) = number("ANALYSIS_MAX_PAGES", 1, 5000, errors) {
            c.max_pages = p as u32;
        }
        if let Some(n) = number("ANALYSIS_CONCURRENCY_PER_COMPANY", 1, 100, errors) {
            c.concurrency_per_company = n as i64;
        }
        if let Some(n) = number("ANALYSIS_RATE_PER_MINUTE", 1, 10_000, errors) {
            c.requests_per_minute = n as u32;
        }
        if let Some(n) = number("ANALYSIS_PROVIDER_TIMEOUT_SECONDS", 1, 3600, errors) {
            c.provider_timeout = Duration::from_secs(n);
        }
        if let Some(n) = number("ANALYSIS_PROVIDER_ATTEMPTS", 1, 10, errors) {
            c.provider_attempts = n as u32;
        }
        if let Some(n) = number("ANALYSIS_PROVIDER_BACKOFF_MS", 1, 60_000, errors) {
            c.provider_backoff = Duration::from_millis(n);
        }
        if let Some(n) = number("ANALYSIS_LOCAL_COST", 0, 100_000, errors) {
            c.local_cost = n as i64;
        }
        let url = |var: &str, default: &Url, errors: &mut Vec<String>| match get(var) {
            None => default.clone(),
            Some(raw) => match Url::parse(&raw) {
                Ok(u) if matches!(u.scheme(), "http" | "https") => u,
                _ => {
                    errors.push(format!("{var}: expected an http(s) URL, got `{raw}`"));
                    default.clone()
                }
            },
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
        if let Some(bucket) = get("S3_BUCKET") {
            let (id, secret) = (get("S3_ACCESS_KEY_ID"), get("S3_SECRET_ACCESS_KEY"));
            match (id, secret) {
                (Some(id), Some(secret)) => {
                    let endpoint = get("S3_ENDPOINT");
                    if let Some(e) = &endpoint {
                        if Url::parse(e).is_err() {
                            errors.push(format!("S3_ENDPOINT: expected a URL, got `{e}`"));
                        }
                    }
                    c.s3 = Some(S3Config {
                        bucket,
                        endpoint,
                        region: get("S3_REGION").unwrap_or_else(|| "auto".into()),
                        access_key_id: id,
                        secret_access_key: SecretString::from(secret),
                    });
                }
                _ => errors.push(
                    "S3_BUCKET: also set S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY (and S3_ENDPOINT for R2 or MinIO)"
                        .into(),
                ),
            }
        }
        c
    }
}
