//! TikTok's Business API (v1.3): advertisers' details, their campaigns and the integrated
//! report's daily figures per campaign. Every answer is `{code, message, request_id, data}`,
//! mostly with HTTP 200 whatever the code: 0 is success; 40100 (too many requests) or a 429 is
//! waited out within [`Patience`]; 40102, 40104 and 40105 (an expired, missing or revoked
//! token) need someone to connect again; 5xxxx codes are TikTok being unwell. The token goes in
//! the `Access-Token` header.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};

use super::{
    config::CampaignsConfig,
    metrics::Totals,
    platform::{self, ApiError, DaysPage, Patience, RemoteAccount, RemoteCampaign, RemoteDay},
};

const PLATFORM: &str = "TikTok";
/// Campaigns per page (TikTok's largest).
const CAMPAIGN_PAGE: u32 = 1000;
/// Report rows per page (TikTok's largest).
const REPORT_PAGE: u32 = 1000;

pub struct TikTokApi {
    http: reqwest::Client,
    base: url::Url,
    token: SecretString,
    patience: Patience,
}

fn unavailable(e: impl std::fmt::Display) -> ApiError {
    ApiError::Unavailable {
        platform: PLATFORM,
        message: e.to_string(),
    }
}

fn invalid(e: impl std::fmt::Display) -> ApiError {
    ApiError::Invalid {
        platform: PLATFORM,
        message: e.to_string(),
    }
}

/// Digits only: an advertiser's or campaign's id as it may go into a request.
pub fn tiktok_id(raw: &str) -> Option<&str> {
    (!raw.is_empty() && raw.len() <= 24 && raw.bytes().all(|b| b.is_ascii_digit())).then_some(raw)
}

/// An id TikTok may write as a number or a string.
fn id_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => tiktok_id(s).map(str::to_string),
        Value::Number(n) => n.as_u64().map(|n| n.to_string()),
        _ => None,
    }
}

/// What an answer's code means.
pub(super) fn failure(code: i64, message: &str) -> Option<ApiError> {
    let message = message.chars().take(500).collect::<String>();
    match code {
        0 => None,
        40100 => Some(ApiError::Throttled(PLATFORM)),
        40102 | 40104 | 40105 => Some(ApiError::Reconnect {
            platform: PLATFORM,
            message,
        }),
        50000..=59999 => Some(unavailable(message)),
        _ => Some(ApiError::Refused {
            platform: PLATFORM,
            message,
        }),
    }
}

impl TikTokApi {
    pub fn new(config: &CampaignsConfig, token: SecretString) -> Result<Self, ApiError> {
        let http = platform::http_client(config, PLATFORM)?;
        Ok(TikTokApi {
            http,
            base: config
                .tiktok_api_base
                .join("open_api/v1.3/")
                .map_err(invalid)?,
            token,
            patience: Patience::default(),
        })
    }

    /// How long rate limits are waited out (tests shorten it).
    pub fn with_patience(mut self, patience: Patience) -> Self {
        self.patience = patience;
        self
    }

    /// One GET, rate limits waited out; answers `data`.
    async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Value, ApiError> {
        self.request(path, query, None).await
    }

    /// One GET, or a POST of `body`, rate limits waited out; answers `data`.
    async fn request(
        &self,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Value, ApiError> {
        let url = self.base.join(path).map_err(invalid)?;
        for attempt in 0..=self.patience.attempts {
            let req = match body {
                Some(b) => self.http.post(url.clone()).json(b),
                None => self.http.get(url.clone()).query(query),
            };
            let res = req
                .header("Access-Token", self.token.expose_secret())
                .send()
                .await
                .map_err(|e| unavailable(e.without_url()))?;
            let status = res.status();
            let retry_after = crate::outbound::retry_after(res.headers());
            let text = res.text().await.map_err(|e| unavailable(e.without_url()))?;
            let body: Option<Value> = serde_json::from_str(&text).ok();
            let code = body.as_ref().and_then(|b| b["code"].as_i64());
            if status.as_u16() == 429 || code == Some(40100) {
                if attempt == self.patience.attempts {
                    break;
                }
                let backoff = Duration::from_secs(2u64.saturating_pow(attempt + 1));
                tokio::time::sleep(retry_after.unwrap_or(backoff).min(self.patience.max_wait))
                    .await;
                continue;
            }
            if status.is_server_error() {
                return Err(unavailable(format!("HTTP {status}")));
            }
            let body = body.ok_or_else(|| invalid(format!("HTTP {status}, not JSON")))?;
            let code = code.ok_or_else(|| invalid("no code"))?;
            if let Some(e) = failure(code, body["message"].as_str().unwrap_or("no message")) {
                return Err(e);
            }
            return Ok(body["data"].clone());
        }
        Err(ApiError::Throttled(PLATFORM))
    }

    /// The advertisers' names, currencies and time zones.
    pub async fn advertisers(&self, ids: &[String]) -> Result<Vec<RemoteAccount>, ApiError> {
        let ids: Vec<&str> = ids.iter().filter_map(|i| tiktok_id(i)).collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut accounts = Vec::new();
        // TikTok takes at most 100 advertisers per call.
        for chunk in ids.chunks(100) {
            let data = self
                .get(
                    "advertiser/info/",
                    &[
                        ("advertiser_ids", json!(chunk).to_string()),
                        (
                            "fields",
                            json!([
                                "advertiser_id",
                                "name",
                                "currency",
                                "timezone",
                                "display_timezone"
                            ])
                            .to_string(),
                        ),
                    ],
                )
                .await?;
            for a in data["list"].as_array().into_iter().flatten() {
                let id = id_of(&a["advertiser_id"]);
                let currency = a["currency"]
                    .as_str()
                    .filter(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()));
                let tz = [&a["display_timezone"], &a["timezone"]]
                    .into_iter()
                    .filter_map(Value::as_str)
                    .find(|t| t.parse::<chrono_tz::Tz>().is_ok());
                match (id, currency, tz) {
                    (Some(id), Some(currency), Some(tz)) => accounts.push(RemoteAccount {
                        name: a["name"].as_str().unwrap_or(&id).to_string(),
                        external_id: id,
                        currency: currency.to_string(),
                        time_zone: tz.to_string(),
                    }),
                    _ => {
                        tracing::warn!(advertiser = %a["advertiser_id"], "tiktok advertiser without a usable id, currency or time zone skipped")
                    }
                }
            }
        }
        Ok(accounts)
    }

    /// Every campaign of the advertiser; budgets turned into minor units of `currency`.
    pub async fn campaigns(
        &self,
        advertiser: &str,
        currency: &str,
    ) -> Result<Vec<RemoteCampaign>, ApiError> {
        let advertiser = tiktok_id(advertiser).ok_or_else(|| invalid("not an advertiser id"))?;
        let mut out = Vec::new();
        let mut page = 1u32;
        loop {
            let data = self
                .get(
                    "campaign/get/",
                    &[
                        ("advertiser_id", advertiser.to_string()),
                        ("page", page.to_string()),
                        ("page_size", CAMPAIGN_PAGE.to_string()),
                        (
                            "fields",
                            json!([
                                "campaign_id",
                                "campaign_name",
                                "operation_status",
                                "secondary_status",
                                "objective_type",
                                "budget",
                                "budget_mode",
                                "modify_time"
                            ])
                            .to_string(),
                        ),
                    ],
                )
                .await?;
            for c in data["list"].as_array().into_iter().flatten() {
                out.push(campaign(c, currency)?);
            }
            let total_pages = data["page_info"]["total_page"].as_u64().unwrap_or(1);
            if u64::from(page) >= total_pages || page >= 1_000 {
                return Ok(out);
            }
            page += 1;
        }
    }

    /// Writes a campaign's status (ACTIVE: ENABLE, PAUSED: DISABLE) or daily budget (TikTok
    /// takes it in the currency's units); answers TikTok's request id. Both are absolute
    /// values: the same write sent twice leaves the campaign as once.
    pub async fn update_campaign(
        &self,
        advertiser: &str,
        campaign: &str,
        currency: &str,
        change: &super::platform::Write,
    ) -> Result<String, ApiError> {
        let advertiser = tiktok_id(advertiser).ok_or_else(|| invalid("not an advertiser id"))?;
        let campaign = tiktok_id(campaign).ok_or_else(|| invalid("not a campaign id"))?;
        let (path, body) = match change {
            super::platform::Write::Status(s) => (
                "campaign/status/update/",
                json!({
                    "advertiser_id": advertiser,
                    "campaign_ids": [campaign],
                    "operation_status": if *s == "ACTIVE" { "ENABLE" } else { "DISABLE" },
                }),
            ),
            super::platform::Write::DailyBudget(m) => {
                let units: f64 = crate::money::format_decimal(*m, currency)
                    .parse()
                    .map_err(invalid)?;
                (
                    "campaign/update/",
                    json!({ "advertiser_id": advertiser, "campaign_id": campaign, "budget": units }),
                )
            }
        };
        self.request(path, &[], Some(&body)).await?;
        Ok("OK".into())
    }

    /// A page (from 1) of the advertiser's daily figures per campaign, for the days
    /// `from..=to` (at most 30, TikTok's limit for daily rows) of its time zone.
    pub async fn days_page(
        &self,
        advertiser: &str,
        currency: &str,
        from: NaiveDate,
        to: NaiveDate,
        page: u32,
    ) -> Result<DaysPage, ApiError> {
        let advertiser = tiktok_id(advertiser).ok_or_else(|| invalid("not an advertiser id"))?;
        let data = self
            .get(
                "report/integrated/get/",
                &[
                    ("advertiser_id", advertiser.to_string()),
                    ("report_type", "BASIC".into()),
                    ("data_level", "AUCTION_CAMPAIGN".into()),
                    (
                        "dimensions",
                        json!(["campaign_id", "stat_time_day"]).to_string(),
                    ),
                    (
                        "metrics",
                        json!([
                            "spend",
                            "impressions",
                            "reach",
                            "clicks",
                            "complete_payment",
                            "total_complete_payment_rate"
                        ])
                        .to_string(),
                    ),
                    ("start_date", from.to_string()),
                    ("end_date", to.to_string()),
                    ("page", page.to_string()),
                    ("page_size", REPORT_PAGE.to_string()),
                ],
            )
            .await?;
        let mut days = Vec::new();
        let mut unreadable = Vec::new();
        for r in data["list"].as_array().into_iter().flatten() {
            match report_row(r, currency) {
                Ok(d) => days.push(d),
                Err(why) => unreadable.push((
                    id_of(&r["dimensions"]["campaign_id"]).unwrap_or_else(|| "?".into()),
                    why,
                )),
            }
        }
        let total_pages = data["page_info"]["total_page"].as_u64().unwrap_or(1);
        Ok(DaysPage {
            days,
            unreadable,
            next: (u64::from(page) < total_pages).then(|| (page + 1).to_string()),
        })
    }
}

/// One POST of TikTok's OAuth endpoints (JSON in, the usual envelope out); answers `data`.
async fn oauth_post(config: &CampaignsConfig, path: &str, body: Value) -> Result<Value, ApiError> {
    let http = platform::http_client(config, PLATFORM)?;
    let url = config
        .tiktok_api_base
        .join("open_api/v1.3/")
        .and_then(|b| b.join(path))
        .map_err(invalid)?;
    let res = http
        .post(url)
        .json(&body)
        .send()
        .await
        .map_err(|e| unavailable(e.without_url()))?;
    if res.status().is_server_error() {
        return Err(unavailable(format!("HTTP {}", res.status())));
    }
    let body: Value = res.json().await.map_err(|e| invalid(e.without_url()))?;
    let code = body["code"].as_i64().ok_or_else(|| invalid("no code"))?;
    if let Some(e) = failure(code, body["message"].as_str().unwrap_or("no message")) {
        // An authorisation code refused is a consent to give again, not a token to reconnect.
        return Err(match e {
            ApiError::Reconnect { platform, message } => ApiError::Refused { platform, message },
            other => other,
        });
    }
    Ok(body["data"].clone())
}

/// Exchanges a consent's authorisation code for a long-term token; answers it with the
/// advertisers it reaches.
pub async fn exchange_code(
    config: &CampaignsConfig,
    app: &super::config::AdsApp,
    auth_code: &str,
) -> Result<(SecretString, Vec<String>), ApiError> {
    let data = oauth_post(
        config,
        "oauth2/access_token/",
        json!({ "app_id": app.id, "secret": app.secret.expose_secret(), "auth_code": auth_code }),
    )
    .await?;
    let token = data["access_token"]
        .as_str()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| invalid("no access token"))?;
    let advertisers = data["advertiser_ids"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(id_of)
        .collect();
    Ok((SecretString::from(token.to_string()), advertisers))
}

/// Revokes a token (disconnecting).
pub async fn revoke(
    config: &CampaignsConfig,
    app: &super::config::AdsApp,
    token: &SecretString,
) -> Result<(), ApiError> {
    oauth_post(
        config,
        "oauth2/revoke_token/",
        json!({ "app_id": app.id, "secret": app.secret.expose_secret(), "access_token": token.expose_secret() }),
    )
    .await
    .map(drop)
}

fn campaign(c: &Value, currency: &str) -> Result<RemoteCampaign, ApiError> {
    let id = id_of(&c["campaign_id"]).ok_or_else(|| invalid("a campaign without an id"))?;
    let status = if c["secondary_status"].as_str() == Some("CAMPAIGN_STATUS_DELETE") {
        "DELETED"
    } else {
        match c["operation_status"].as_str() {
            Some("ENABLE") => "ACTIVE",
            Some("DISABLE") => "PAUSED",
            other => return Err(invalid(format!("campaign {id}: status {other:?}"))),
        }
    };
    // Budgets come in the currency's units ("50.5" is 50.50 RON).
    let budget = match &c["budget"] {
        Value::Null => None,
        v => platform::amount(v, currency)
            .ok_or_else(|| invalid(format!("campaign {id}: budget {v}")))
            .map(|m| (m > 0).then_some(m))?,
    };
    let (daily, lifetime) = match c["budget_mode"].as_str() {
        Some("BUDGET_MODE_DAY") | Some("BUDGET_MODE_DYNAMIC_DAILY_BUDGET") => (budget, None),
        Some("BUDGET_MODE_TOTAL") => (None, budget),
        _ => (None, None),
    };
    Ok(RemoteCampaign {
        name: c["campaign_name"].as_str().unwrap_or(&id).to_string(),
        external_id: id,
        status,
        objective: c["objective_type"].as_str().map(str::to_string),
        daily_budget_minor: daily,
        lifetime_budget_minor: lifetime,
        updated_at: c["modify_time"].as_str().and_then(|t| {
            NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S")
                .ok()
                .map(|t| DateTime::<Utc>::from_naive_utc_and_offset(t, Utc))
        }),
    })
}

fn report_row(r: &Value, currency: &str) -> Result<RemoteDay, String> {
    let id = id_of(&r["dimensions"]["campaign_id"]).ok_or("no campaign id")?;
    let day = r["dimensions"]["stat_time_day"]
        .as_str()
        .and_then(|d| d.get(..10))
        .and_then(|d| d.parse::<NaiveDate>().ok())
        .ok_or("no day")?;
    let m = &r["metrics"];
    let count = |k: &str| platform::count(&m[k]).ok_or(format!("{k} {}", m[k]));
    let amount = |k: &str| platform::amount(&m[k], currency).ok_or(format!("{k} {}", m[k]));
    Ok(RemoteDay {
        campaign_external_id: id,
        day,
        totals: Totals {
            spend_minor: amount("spend")?,
            impressions: count("impressions")?,
            clicks: count("clicks")?,
            conversions: count("complete_payment")?,
            purchase_value_minor: amount("total_complete_payment_rate")?,
        },
        reach: count("reach")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn campaigns_and_report_rows_are_read() {
        let c = json!({"campaign_id": "1800000000000001", "campaign_name": "Winter",
            "operation_status": "ENABLE", "secondary_status": "CAMPAIGN_STATUS_ENABLE",
            "objective_type": "WEB_CONVERSIONS", "budget": 150.5, "budget_mode": "BUDGET_MODE_DAY",
            "modify_time": "2026-11-30 10:00:00"});
        let c = campaign(&c, "RON").unwrap();
        assert_eq!(
            (c.status, c.daily_budget_minor, c.lifetime_budget_minor),
            ("ACTIVE", Some(15_050), None)
        );
        let deleted = json!({"campaign_id": 1800000000000002u64, "operation_status": "DISABLE",
            "secondary_status": "CAMPAIGN_STATUS_DELETE", "budget_mode": "BUDGET_MODE_INFINITE", "budget": 0});
        let d = campaign(&deleted, "RON").unwrap();
        assert_eq!(
            (d.status, d.daily_budget_minor, d.external_id.as_str()),
            ("DELETED", None, "1800000000000002")
        );

        let r = json!({"dimensions": {"campaign_id": "1800000000000001", "stat_time_day": "2026-11-30 00:00:00"},
            "metrics": {"spend": "40.126", "impressions": "5000", "clicks": "80", "complete_payment": "3",
                "total_complete_payment_rate": "210.00"}});
        let r = report_row(&r, "RON").unwrap();
        assert_eq!(r.totals.spend_minor, 4_013);
        assert_eq!(r.totals.purchase_value_minor, 21_000);
        assert_eq!(r.day.to_string(), "2026-11-30");
    }

    #[test]
    fn codes_tell_what_to_do() {
        assert!(failure(0, "OK").is_none());
        assert!(matches!(
            failure(40105, "revoked"),
            Some(ApiError::Reconnect { .. })
        ));
        assert!(matches!(
            failure(40100, "slow down"),
            Some(ApiError::Throttled(_))
        ));
        assert!(matches!(
            failure(51000, "busy"),
            Some(ApiError::Unavailable { .. })
        ));
        assert!(matches!(
            failure(40002, "bad budget"),
            Some(ApiError::Refused { .. })
        ));
    }
}
