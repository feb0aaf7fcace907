//! Meta's Marketing API (the Graph API, version META_API_VERSION): the person's ad accounts,
//! an account's campaigns and their daily insights. The token travels in the Authorization
//! header, never in an address. Rate limits are honoured: a throttling error (codes 4, 17, 32,
//! 613, 80000–80014, or a 429) waits as long as `X-Business-Use-Case-Usage` says access takes
//! to come back, and an answer whose usage headers report 90 % or more of a quota used pauses
//! before the next call; both within [`Patience`]. Pages are followed by their `after` cursor
//! on our own address (never the `next` address an answer carries).

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use super::{
    config::CampaignsConfig,
    metrics::Totals,
    platform::{self, ApiError, DaysPage, Patience, RemoteAccount, RemoteCampaign, RemoteDay},
};

const PLATFORM: &str = "Meta";
/// Rows asked for per page.
const PAGE_LIMIT: &str = "200";
/// Purchases, in the order they are preferred: every channel together, then the pixel's.
const PURCHASE_ACTIONS: &[&str] = &[
    "omni_purchase",
    "purchase",
    "offsite_conversion.fb_pixel_purchase",
];

pub struct MetaApi {
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

/// The versioned Graph API address every call starts from.
pub fn versioned_base(config: &CampaignsConfig) -> Result<url::Url, ApiError> {
    config
        .meta_graph_base
        .join(&format!("{}/", config.meta_api_version))
        .map_err(invalid)
}

/// A Graph API error's code as Meta documents them: what kind of failure it is.
enum Kind {
    Throttle,
    Reconnect,
    Transient,
    Refused,
}

fn kind(error: &Value) -> Kind {
    let code = error["code"].as_i64().unwrap_or(0);
    let sub = error["error_subcode"].as_i64().unwrap_or(0);
    match code {
        4 | 17 | 32 | 613 | 80000..=80014 => Kind::Throttle,
        // Invalid or expired session; 102: the session key is no longer valid.
        190 | 102 => Kind::Reconnect,
        _ if matches!(sub, 458 | 459 | 460 | 463 | 464 | 467) => Kind::Reconnect,
        1 | 2 => Kind::Transient,
        _ if error["is_transient"].as_bool() == Some(true) => Kind::Transient,
        _ => Kind::Refused,
    }
}

/// The highest share of any quota the usage headers report as used, in percent, and how long
/// Meta says access takes to come back.
fn usage(headers: &reqwest::header::HeaderMap) -> (f64, Option<Duration>) {
    let json = |name: &str| -> Option<Value> {
        serde_json::from_str(headers.get(name)?.to_str().ok()?).ok()
    };
    let mut highest: f64 = 0.0;
    let mut regain: Option<Duration> = None;
    let mut note = |v: &Value| {
        for k in [
            "call_count",
            "total_cputime",
            "total_time",
            "acc_id_util_pct",
        ] {
            if let Some(p) = v[k].as_f64() {
                highest = highest.max(p);
            }
        }
        let minutes = v["estimated_time_to_regain_access"].as_f64().unwrap_or(0.0);
        let seconds = v["reset_time_duration"].as_f64().unwrap_or(0.0);
        let wait = (minutes * 60.0).max(seconds);
        if wait.is_finite() && wait > 0.0 {
            let d = Duration::from_secs_f64(wait);
            regain = Some(regain.map_or(d, |r| r.max(d)));
        }
    };
    if let Some(Value::Object(by_business)) = json("x-business-use-case-usage") {
        for entries in by_business.values() {
            for e in entries.as_array().into_iter().flatten() {
                note(e);
            }
        }
    }
    for name in ["x-app-usage", "x-ad-account-usage"] {
        if let Some(v) = json(name) {
            note(&v);
        }
    }
    (highest, regain)
}

/// `act_` and digits: an ad account's id as it may go into an address.
pub fn account_id(raw: &str) -> Option<&str> {
    let digits = raw.strip_prefix("act_")?;
    (!digits.is_empty() && digits.len() <= 24 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then_some(raw)
}

/// Digits only: a campaign's id as it may go into an address.
pub fn object_id(raw: &str) -> Option<&str> {
    (!raw.is_empty() && raw.len() <= 24 && raw.bytes().all(|b| b.is_ascii_digit())).then_some(raw)
}

impl MetaApi {
    pub fn new(config: &CampaignsConfig, token: SecretString) -> Result<Self, ApiError> {
        let http = platform::http_client(config, PLATFORM)?;
        Ok(MetaApi {
            http,
            base: versioned_base(config)?,
            token,
            patience: Patience::default(),
        })
    }

    /// How long rate limits are waited out (tests shorten it).
    pub fn with_patience(mut self, patience: Patience) -> Self {
        self.patience = patience;
        self
    }

    /// One GET, rate limits waited out; answers the JSON body.
    async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Value, ApiError> {
        self.request(reqwest::Method::GET, path, query, None).await
    }

    /// One call (a POST with `form` as its body), rate limits waited out; answers the JSON
    /// body.
    async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &[(&str, String)],
        form: Option<&[(&str, String)]>,
    ) -> Result<Value, ApiError> {
        let url = self.base.join(path).map_err(invalid)?;
        for attempt in 0..=self.patience.attempts {
            let mut req = self
                .http
                .request(method.clone(), url.clone())
                .query(query)
                .bearer_auth(self.token.expose_secret());
            if let Some(form) = form {
                req = req.form(form);
            }
            let res = req.send().await.map_err(|e| unavailable(e.without_url()))?;
            let status = res.status();
            let (used, regain) = usage(res.headers());
            let text = res.text().await.map_err(|e| unavailable(e.without_url()))?;
            let body: Option<Value> = serde_json::from_str(&text).ok();
            let error = body.as_ref().and_then(|b| b.get("error")).cloned();
            let throttled = status.as_u16() == 429
                || error
                    .as_ref()
                    .is_some_and(|e| matches!(kind(e), Kind::Throttle));
            if throttled {
                if attempt == self.patience.attempts {
                    break;
                }
                let backoff = Duration::from_secs(2u64.saturating_pow(attempt + 1));
                tokio::time::sleep(regain.unwrap_or(backoff).min(self.patience.max_wait)).await;
                continue;
            }
            if status.is_server_error() {
                return Err(unavailable(format!("HTTP {status}")));
            }
            if let Some(e) = error {
                let message = e["message"]
                    .as_str()
                    .unwrap_or("no message")
                    .chars()
                    .take(500)
                    .collect::<String>();
                return Err(match kind(&e) {
                    Kind::Reconnect => ApiError::Reconnect {
                        platform: PLATFORM,
                        message,
                    },
                    Kind::Transient => unavailable(message),
                    _ => ApiError::Refused {
                        platform: PLATFORM,
                        message,
                    },
                });
            }
            if !status.is_success() {
                return Err(invalid(format!("HTTP {status}")));
            }
            let body = body.ok_or_else(|| invalid("not JSON"))?;
            if used >= 90.0 {
                // Close to a quota: give it time before the next call rather than hit it.
                let pause = regain.unwrap_or(Duration::from_secs(5));
                tokio::time::sleep(pause.min(self.patience.max_wait)).await;
            }
            return Ok(body);
        }
        Err(ApiError::Throttled(PLATFORM))
    }

    /// Every page of an edge, by its `after` cursor.
    async fn all_pages(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Vec<Value>, ApiError> {
        let mut rows = Vec::new();
        let mut after: Option<String> = None;
        // A bound on pages: an answer that keeps saying "more" is not followed forever.
        for _ in 0..1_000 {
            let mut q = query.to_vec();
            if let Some(a) = &after {
                q.push(("after", a.clone()));
            }
            let page = self.get(path, &q).await?;
            rows.extend(page["data"].as_array().cloned().unwrap_or_default());
            match next_cursor(&page) {
                Some(a) => after = Some(a),
                None => return Ok(rows),
            }
        }
        Err(invalid("more than 1,000 pages"))
    }

    /// Who the token belongs to: (Meta's user id, name).
    pub async fn me(&self) -> Result<(String, String), ApiError> {
        let me = self.get("me", &[("fields", "id,name".into())]).await?;
        match (me["id"].as_str(), me["name"].as_str()) {
            (Some(id), name) if object_id(id).is_some() => {
                Ok((id.to_string(), name.unwrap_or(id).to_string()))
            }
            _ => Err(invalid("no user id")),
        }
    }

    /// The ad accounts the person may use.
    pub async fn ad_accounts(&self) -> Result<Vec<RemoteAccount>, ApiError> {
        let rows = self
            .all_pages(
                "me/adaccounts",
                &[
                    ("fields", "id,name,currency,timezone_name".into()),
                    ("limit", PAGE_LIMIT.into()),
                ],
            )
            .await?;
        let mut accounts = Vec::new();
        for r in rows {
            let id = r["id"].as_str().and_then(account_id);
            let currency = r["currency"]
                .as_str()
                .filter(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()));
            let tz = r["timezone_name"]
                .as_str()
                .filter(|t| t.parse::<chrono_tz::Tz>().is_ok());
            match (id, currency, tz) {
                (Some(id), Some(currency), Some(tz)) => accounts.push(RemoteAccount {
                    external_id: id.to_string(),
                    name: r["name"].as_str().unwrap_or(id).to_string(),
                    currency: currency.to_string(),
                    time_zone: tz.to_string(),
                }),
                _ => {
                    tracing::warn!(account = %r["id"], "meta ad account without a usable id, currency or time zone skipped")
                }
            }
        }
        Ok(accounts)
    }

    /// Every campaign of the account (deleted and archived ones included: their past figures
    /// still count).
    pub async fn campaigns(
        &self,
        account: &str,
        _currency: &str,
    ) -> Result<Vec<RemoteCampaign>, ApiError> {
        let account = account_id(account).ok_or_else(|| invalid("not an ad account id"))?;
        let rows = self
            .all_pages(
                &format!("{account}/campaigns"),
                &[
                    (
                        "fields",
                        "id,name,status,objective,daily_budget,lifetime_budget,updated_time".into(),
                    ),
                    (
                        "effective_status",
                        r#"["ACTIVE","PAUSED","ARCHIVED","DELETED","IN_PROCESS","WITH_ISSUES","CAMPAIGN_PAUSED"]"#.into(),
                    ),
                    ("limit", PAGE_LIMIT.into()),
                ],
            )
            .await?;
        rows.iter().map(campaign).collect()
    }

    /// A page of the account's daily figures per campaign, for the days `from..=to` of its
    /// time zone.
    pub async fn days_page(
        &self,
        account: &str,
        currency: &str,
        from: NaiveDate,
        to: NaiveDate,
        after: Option<&str>,
    ) -> Result<DaysPage, ApiError> {
        let account = account_id(account).ok_or_else(|| invalid("not an ad account id"))?;
        let mut q: Vec<(&str, String)> = vec![
            ("level", "campaign".into()),
            (
                "fields",
                "campaign_id,date_start,spend,impressions,reach,clicks,actions,action_values"
                    .into(),
            ),
            (
                "time_range",
                serde_json::json!({ "since": from.to_string(), "until": to.to_string() })
                    .to_string(),
            ),
            ("time_increment", "1".into()),
            // Without this, Meta leaves out deleted and archived campaigns, whose past figures
            // still count.
            (
                "filtering",
                r#"[{"field":"campaign.effective_status","operator":"IN","value":["ACTIVE","PAUSED","DELETED","ARCHIVED","IN_PROCESS","WITH_ISSUES","CAMPAIGN_PAUSED"]}]"#.into(),
            ),
            ("limit", PAGE_LIMIT.into()),
        ];
        if let Some(a) = after {
            q.push(("after", a.to_string()));
        }
        let page = self.get(&format!("{account}/insights"), &q).await?;
        let mut days = Vec::new();
        let mut unreadable = Vec::new();
        for r in page["data"].as_array().into_iter().flatten() {
            match insight(r, currency) {
                Ok(d) => days.push(d),
                Err(why) => {
                    unreadable.push((r["campaign_id"].as_str().unwrap_or("?").to_string(), why))
                }
            }
        }
        Ok(DaysPage {
            days,
            unreadable,
            next: next_cursor(&page),
        })
    }
}

/// A token from an OAuth exchange, and how long it lasts (None: Meta did not say).
pub struct Granted {
    pub token: SecretString,
    pub expires_in: Option<Duration>,
}

/// One call of Meta's token endpoint.
async fn token_call(
    http: &reqwest::Client,
    url: url::Url,
    query: &[(&str, &str)],
) -> Result<Granted, ApiError> {
    let res = http
        .get(url)
        .query(query)
        .send()
        .await
        .map_err(|e| unavailable(e.without_url()))?;
    let status = res.status();
    if status.is_server_error() {
        return Err(unavailable(format!("HTTP {status}")));
    }
    let body: Value = res.json().await.map_err(|e| invalid(e.without_url()))?;
    if let Some(e) = body.get("error") {
        let message = e["message"].as_str().unwrap_or("no message");
        return Err(ApiError::Refused {
            platform: PLATFORM,
            message: message.chars().take(500).collect(),
        });
    }
    let token = body["access_token"]
        .as_str()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| invalid("no access token"))?;
    Ok(Granted {
        token: SecretString::from(token.to_string()),
        expires_in: body["expires_in"]
            .as_u64()
            .filter(|s| *s > 0)
            .map(Duration::from_secs),
    })
}

/// Exchanges a consent's code for a token, then that short-lived token for a long-lived one
/// (about 60 days), as Meta's login for business asks.
pub async fn exchange_code(
    config: &CampaignsConfig,
    app: &super::config::AdsApp,
    code: &str,
    redirect_uri: &str,
) -> Result<Granted, ApiError> {
    let http = platform::http_client(config, PLATFORM)?;
    let url = versioned_base(config)?
        .join("oauth/access_token")
        .map_err(invalid)?;
    let secret = app.secret.expose_secret();
    let short = token_call(
        &http,
        url.clone(),
        &[
            ("client_id", &app.id),
            ("client_secret", secret),
            ("redirect_uri", redirect_uri),
            ("code", code),
        ],
    )
    .await?;
    token_call(
        &http,
        url,
        &[
            ("grant_type", "fb_exchange_token"),
            ("client_id", &app.id),
            ("client_secret", secret),
            ("fb_exchange_token", short.token.expose_secret()),
        ],
    )
    .await
}

impl MetaApi {
    /// Writes a campaign's status (ACTIVE or PAUSED) or daily budget (minor units, as Meta
    /// takes budgets); answers Meta's words. Both are absolute values: the same write sent
    /// twice leaves the campaign as once.
    pub async fn update_campaign(
        &self,
        campaign: &str,
        change: &super::platform::Write,
    ) -> Result<String, ApiError> {
        let campaign = object_id(campaign).ok_or_else(|| invalid("not a campaign id"))?;
        let form: Vec<(&str, String)> = match change {
            super::platform::Write::Status(s) => vec![("status", (*s).to_string())],
            super::platform::Write::DailyBudget(m) => vec![("daily_budget", m.to_string())],
        };
        let answer = self
            .request(reqwest::Method::POST, campaign, &[], Some(&form))
            .await?;
        if answer["success"].as_bool() == Some(true) {
            Ok("success".into())
        } else {
            Err(invalid(format!("no success in {answer}")))
        }
    }

    /// Takes back every permission the person gave the app (disconnecting).
    pub async fn revoke(&self) -> Result<(), ApiError> {
        let url = self.base.join("me/permissions").map_err(invalid)?;
        let res = self
            .http
            .delete(url)
            .bearer_auth(self.token.expose_secret())
            .send()
            .await
            .map_err(|e| unavailable(e.without_url()))?;
        if res.status().is_server_error() {
            return Err(unavailable(format!("HTTP {}", res.status())));
        }
        let body: Value = res.json().await.unwrap_or_default();
        match body.get("error") {
            // A token already refused has nothing left to revoke.
            Some(e) if matches!(kind(e), Kind::Reconnect) => Ok(()),
            Some(e) => Err(ApiError::Refused {
                platform: PLATFORM,
                message: e["message"].as_str().unwrap_or("no message").to_string(),
            }),
            None => Ok(()),
        }
    }
}

/// The `after` cursor when the answer says more pages follow.
fn next_cursor(page: &Value) -> Option<String> {
    page["paging"]["next"].as_str()?;
    page["paging"]["cursors"]["after"]
        .as_str()
        .filter(|a| !a.is_empty())
        .map(str::to_string)
}

fn campaign(r: &Value) -> Result<RemoteCampaign, ApiError> {
    let id = r["id"]
        .as_str()
        .and_then(object_id)
        .ok_or_else(|| invalid("a campaign without an id"))?;
    let status = match r["status"].as_str() {
        Some("ACTIVE") => "ACTIVE",
        Some("PAUSED") => "PAUSED",
        Some("ARCHIVED") => "ARCHIVED",
        Some("DELETED") => "DELETED",
        other => return Err(invalid(format!("campaign {id}: status {other:?}"))),
    };
    // Budgets come in the currency's smallest unit already ("5000" is 50.00 RON).
    let budget = |k: &str| -> Result<Option<i64>, ApiError> {
        match &r[k] {
            Value::Null => Ok(None),
            v => platform::count(v)
                .map(|n| (n > 0).then_some(n))
                .ok_or_else(|| invalid(format!("campaign {id}: {k} {v}"))),
        }
    };
    Ok(RemoteCampaign {
        external_id: id.to_string(),
        name: r["name"].as_str().unwrap_or(id).to_string(),
        status,
        objective: r["objective"].as_str().map(str::to_string),
        daily_budget_minor: budget("daily_budget")?,
        lifetime_budget_minor: budget("lifetime_budget")?,
        updated_at: r["updated_time"].as_str().and_then(meta_time),
    })
}

/// Meta's times: "2026-11-30T10:00:00+0000".
fn meta_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%z")
        .or_else(|_| DateTime::parse_from_rfc3339(s))
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The value of the first purchase action found, in order of preference.
fn purchases(list: &Value) -> Option<&Value> {
    let list = list.as_array()?;
    PURCHASE_ACTIONS.iter().find_map(|kind| {
        list.iter()
            .find(|a| a["action_type"].as_str() == Some(kind))
            .map(|a| &a["value"])
    })
}

fn insight(r: &Value, currency: &str) -> Result<RemoteDay, String> {
    let id = r["campaign_id"]
        .as_str()
        .and_then(object_id)
        .ok_or("no campaign id")?;
    let day = r["date_start"]
        .as_str()
        .and_then(|d| d.parse::<NaiveDate>().ok())
        .ok_or("no date")?;
    let count = |v: &Value, what: &str| platform::count(v).ok_or(format!("{what} {v}"));
    let totals = Totals {
        spend_minor: platform::amount(&r["spend"], currency)
            .ok_or(format!("spend {}", r["spend"]))?,
        impressions: count(&r["impressions"], "impressions")?,
        clicks: count(&r["clicks"], "clicks")?,
        conversions: purchases(&r["actions"])
            .map(|v| count(v, "purchases"))
            .transpose()?
            .unwrap_or(0),
        purchase_value_minor: purchases(&r["action_values"])
            .map(|v| platform::amount(v, currency).ok_or(format!("purchase value {v}")))
            .transpose()?
            .unwrap_or(0),
    };
    Ok(RemoteDay {
        campaign_external_id: id.to_string(),
        day,
        totals,
        reach: count(&r["reach"], "reach")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_insight_row_reads_purchases_by_preference() {
        let r = json!({
            "campaign_id": "120210000000001", "date_start": "2026-11-30", "date_stop": "2026-11-30",
            "spend": "123.456", "impressions": "10000", "clicks": "250",
            "actions": [{"action_type": "link_click", "value": "250"},
                        {"action_type": "offsite_conversion.fb_pixel_purchase", "value": "4"},
                        {"action_type": "omni_purchase", "value": "5"}],
            "action_values": [{"action_type": "omni_purchase", "value": "987.5"}]
        });
        let d = insight(&r, "RON").unwrap();
        assert_eq!(d.day, NaiveDate::from_ymd_opt(2026, 11, 30).unwrap());
        assert_eq!(
            d.totals,
            Totals {
                spend_minor: 12_346,
                impressions: 10_000,
                clicks: 250,
                conversions: 5,
                purchase_value_minor: 98_750,
            }
        );
        let none = json!({"campaign_id": "1", "date_start": "2026-11-30", "spend": "0",
            "impressions": "0", "clicks": "0"});
        assert_eq!(insight(&none, "RON").unwrap().totals, Totals::default());
        assert!(insight(
            &json!({"campaign_id": "1/../x", "date_start": "2026-11-30"}),
            "RON"
        )
        .is_err());
        assert!(insight(
            &json!({"campaign_id": "1", "date_start": "2026-11-30", "spend": "-1"}),
            "RON"
        )
        .is_err());
    }

    #[test]
    fn ids_that_go_into_addresses_are_checked() {
        assert_eq!(account_id("act_123"), Some("act_123"));
        for bad in ["123", "act_", "act_12/../me", "act_1?x=1"] {
            assert_eq!(account_id(bad), None, "{bad}");
        }
        assert_eq!(object_id("120210000000001"), Some("120210000000001"));
        assert_eq!(object_id("1/2"), None);
    }

    #[test]
    fn usage_headers_give_the_busiest_quota_and_the_wait() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(
            "x-business-use-case-usage",
            r#"{"111":[{"type":"ads_insights","call_count":95,"total_cputime":20,"total_time":30,"estimated_time_to_regain_access":2}]}"#
                .parse()
                .unwrap(),
        );
        h.insert(
            "x-ad-account-usage",
            r#"{"acc_id_util_pct":40.5,"reset_time_duration":30}"#
                .parse()
                .unwrap(),
        );
        let (used, regain) = usage(&h);
        assert_eq!(used, 95.0);
        assert_eq!(regain, Some(Duration::from_secs(120)));
        assert_eq!(usage(&reqwest::header::HeaderMap::new()), (0.0, None));
    }
}
