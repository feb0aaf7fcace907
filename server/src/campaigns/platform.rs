//! What the ad platforms' clients (`meta_api`, `tiktok_api`) answer, in one shape: accounts,
//! campaigns and a campaign's figures for a day, money already in minor units of the
//! account's currency; and how their failures are told apart (a token to reconnect, a limit to
//! wait out, a platform down, a request refused with the platform's words).

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};

use super::metrics::{Platform, Totals};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The token no longer works (expired, revoked, password changed): someone must connect
    /// the account again. Retrying does not help.
    #[error("{platform} no longer accepts the connection: {message}")]
    Reconnect {
        platform: &'static str,
        message: String,
    },
    /// The platform refused this request (a missing permission, an invalid value): its words.
    #[error("{platform} refused the request: {message}")]
    Refused {
        platform: &'static str,
        message: String,
    },
    /// Still rate limited after waiting as long as we are willing to.
    #[error("{0} is limiting requests; the sync tries again later")]
    Throttled(&'static str),
    /// The platform could not be reached, or answered with a server error.
    #[error("{platform} is unavailable: {message}")]
    Unavailable {
        platform: &'static str,
        message: String,
    },
    /// An answer we could not read.
    #[error("{platform}'s answer could not be read: {message}")]
    Invalid {
        platform: &'static str,
        message: String,
    },
}

impl ApiError {
    /// Worth trying again later (the job's retry): the platform was busy or down.
    pub fn is_transient(&self) -> bool {
        matches!(self, ApiError::Throttled(_) | ApiError::Unavailable { .. })
    }
}

/// An ad account as its platform describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteAccount {
    pub external_id: String,
    pub name: String,
    pub currency: String,
    /// IANA time zone the platform counts the account's days in.
    pub time_zone: String,
}

/// A campaign as its platform describes it; budgets in minor units of the account's currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteCampaign {
    pub external_id: String,
    pub name: String,
    /// Unified: ACTIVE, PAUSED, ARCHIVED or DELETED.
    pub status: &'static str,
    pub objective: Option<String>,
    pub daily_budget_minor: Option<i64>,
    pub lifetime_budget_minor: Option<i64>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// One campaign's figures for one day of the account's time zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteDay {
    pub campaign_external_id: String,
    pub day: NaiveDate,
    pub totals: Totals,
    /// People reached that day (for frequency: impressions per person).
    pub reach: i64,
}

/// A change written to a campaign: its status (ACTIVE or PAUSED) or its daily budget in minor
/// units of the account's currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Write {
    Status(&'static str),
    DailyBudget(i64),
}

/// A page of days, and whether more follow.
pub struct DaysPage {
    pub days: Vec<RemoteDay>,
    /// Rows that could not be read: (campaign id, why).
    pub unreadable: Vec<(String, String)>,
    pub next: Option<String>,
}

/// How long a client waits for a platform's rate limit before giving up (the job retries
/// later): each wait at most `max_wait`, at most `attempts` of them per call.
#[derive(Clone, Copy, Debug)]
pub struct Patience {
    pub attempts: u32,
    pub max_wait: Duration,
}

impl Default for Patience {
    fn default() -> Self {
        Patience {
            attempts: 5,
            max_wait: Duration::from_secs(60),
        }
    }
}

/// The HTTP client every call to `platform` goes through: the configured timeout, and no
/// redirects followed (an answer must not send our token or secret elsewhere).
pub fn http_client(
    config: &super::config::CampaignsConfig,
    platform: &'static str,
) -> Result<reqwest::Client, ApiError> {
    reqwest::Client::builder()
        .timeout(config.request_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| ApiError::Unavailable {
            platform,
            message: e.to_string(),
        })
}

/// The platform's name as people read it.
pub fn name(p: Platform) -> &'static str {
    match p {
        Platform::Meta => "Meta",
        Platform::TikTok => "TikTok",
    }
}

/// The platform as the database writes it.
pub fn code(p: Platform) -> &'static str {
    match p {
        Platform::Meta => "meta",
        Platform::TikTok => "tiktok",
    }
}

/// The platform the database names.
pub fn from_code(s: &str) -> Option<Platform> {
    match s {
        "meta" => Some(Platform::Meta),
        "tiktok" => Some(Platform::TikTok),
        _ => None,
    }
}

/// A count as a platform writes it ("123", "4.0", 7): rounded to a whole one; None when it is
/// not a finite, non-negative number.
pub fn count(v: &serde_json::Value) -> Option<i64> {
    let n = match v {
        serde_json::Value::String(s) => s.trim().parse::<f64>().ok()?,
        serde_json::Value::Number(n) => n.as_f64()?,
        serde_json::Value::Null => return Some(0),
        _ => return None,
    };
    (0.0..9.0e15).contains(&n).then(|| n.round() as i64)
}

/// An amount as a platform writes it ("12.345", 12.3) in minor units of `currency`, rounded
/// half away from zero; None when it is not a non-negative amount.
pub fn amount(v: &serde_json::Value, currency: &str) -> Option<i64> {
    let text = match v {
        serde_json::Value::String(s) => s.trim().to_string(),
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::Null => return Some(0),
        _ => return None,
    };
    // JSON numbers may come as 1e-5 and the like: read those as decimals first.
    let text = if text.contains(['e', 'E']) {
        let f: f64 = text.parse().ok()?;
        format!("{f:.6}")
    } else {
        text
    };
    crate::money::parse_minor_rounded(&text, currency).filter(|m| *m >= 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn counts_and_amounts_are_read_as_platforms_write_them() {
        assert_eq!(count(&json!("123")), Some(123));
        assert_eq!(count(&json!("4.6")), Some(5));
        assert_eq!(count(&json!(7)), Some(7));
        assert_eq!(count(&json!(null)), Some(0));
        assert_eq!(count(&json!("-1")), None);
        assert_eq!(count(&json!("x")), None);
        assert_eq!(amount(&json!("12.345"), "RON"), Some(1_235));
        assert_eq!(amount(&json!(12.3), "EUR"), Some(1_230));
        assert_eq!(amount(&json!("1500"), "JPY"), Some(1_500));
        assert_eq!(amount(&json!(1e-5), "RON"), Some(0));
        assert_eq!(amount(&json!("-3"), "RON"), None);
        assert_eq!(amount(&json!([]), "RON"), None);
    }
}
