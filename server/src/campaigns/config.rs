//! Campaigns configuration: where Meta's Graph API and TikTok's Business API are, the apps
//! the OAuth consent is given to, and how often and how far back ad accounts are synced.

use std::time::Duration;

use secrecy::SecretString;

/// An OAuth app registered with an ad platform.
#[derive(Clone, Debug)]
pub struct AdsApp {
    pub id: String,
    pub secret: SecretString,
}

#[derive(Clone, Debug)]
pub struct CampaignsConfig {
    /// Where Meta's Graph API is (META_GRAPH_BASE); the test suites point it at a stand-in.
    pub meta_graph_base: url::Url,
    /// Where Meta's consent dialog is (META_DIALOG_BASE); the end-to-end stand-in replaces it.
    pub meta_dialog_base: url::Url,
    /// The Graph API version every call names (META_API_VERSION).
    pub meta_api_version: String,
    /// META_APP_ID and META_APP_SECRET: unset, Meta accounts cannot be connected.
    pub meta_app: Option<AdsApp>,
    /// META_WEBHOOK_VERIFY_TOKEN: what Meta's subscription handshake must present (unset: the
    /// webhook is not offered).
    pub meta_webhook_verify_token: Option<SecretString>,
    /// Where TikTok's Business API is (TIKTOK_API_BASE); the test suites point it at a stand-in.
    pub tiktok_api_base: url::Url,
    /// TIKTOK_APP_ID and TIKTOK_APP_SECRET: unset, TikTok accounts cannot be connected.
    pub tiktok_app: Option<AdsApp>,
    /// How often every imported ad account is synced (ADS_SYNC_MINUTES).
    pub sync_every: Duration,
    /// How many days of figures an account's first pass reads (ADS_HISTORY_DAYS); later
    /// passes re-read the last [`super::sync::REVISED_DAYS`], which the platforms revise.
    pub history_days: u32,
    /// The longest one platform request may take.
    pub request_timeout: Duration,
    /// Approvals one approver may give per hour (CAMPAIGN_APPROVALS_PER_HOUR).
    pub approvals_per_hour: u32,
}

impl Default for CampaignsConfig {
    fn default() -> Self {
        CampaignsConfig {
            meta_graph_base: url::Url::parse("https://graph.facebook.com/").expect("a URL"),
            meta_dialog_base: url::Url::parse("https://www.facebook.com/").expect("a URL"),
            meta_api_version: "v21.0".into(),
            meta_app: None,
            meta_webhook_verify_token: None,
            tiktok_api_base: url::Url::parse("https://business-api.tiktok.com/").expect("a URL"),
            tiktok_app: None,
            sync_every: Duration::from_secs(30 * 60),
            history_days: 90,
            request_timeout: Duration::from_secs(30),
            approvals_per_hour: 10,
        }
    }
}

fn base_url(
    get: &dyn Fn(&str) -> Option<String>,
    name: &str,
    errors: &mut Vec<String>,
) -> Option<url::Url> {
    let v = get(name).filter(|v| !v.is_empty())?;
    match url::Url::parse(&v) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => Some(u),
        _ => {
            errors.push(format!("{name}={v:?}: an http(s) URL"));
            None
        }
    }
}

fn app(
    get: &dyn Fn(&str) -> Option<String>,
    id_name: &str,
    secret_name: &str,
    errors: &mut Vec<String>,
) -> Option<AdsApp> {
    let id = get(id_name).filter(|v| !v.trim().is_empty());
    let secret = get(secret_name).filter(|v| !v.trim().is_empty());
    match (id, secret) {
        (Some(id), Some(secret)) => Some(AdsApp {
            id: id.trim().to_string(),
            secret: SecretString::from(secret.trim().to_string()),
        }),
        (None, None) => None,
        _ => {
            errors.push(format!("{id_name} and {secret_name}: set both, or neither"));
            None
        }
    }
}

impl crate::config::Section for CampaignsConfig {
    /// The consent pages "Connect Meta" and "Connect TikTok" lead to (their form's answer is a
    /// redirect there, which CSP form-action must allow).
    fn form_action_origins(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.meta_app.is_some() {
            out.push(self.meta_dialog_base.origin().ascii_serialization());
        }
        if self.tiktok_app.is_some() {
            out.push(self.tiktok_api_base.origin().ascii_serialization());
        }
        out.dedup();
        out
    }

    fn load(get: &dyn Fn(&str) -> Option<String>, errors: &mut Vec<String>) -> Self {
        let mut c = CampaignsConfig::default();
        if let Some(u) = base_url(get, "META_GRAPH_BASE", errors) {
            c.meta_graph_base = u;
        }
        if let Some(u) = base_url(get, "META_DIALOG_BASE", errors) {
            c.meta_dialog_base = u;
        }
        if let Some(v) = get("META_API_VERSION").filter(|v| !v.is_empty()) {
            let ok = v
                .strip_prefix('v')
                .and_then(|r| r.split_once('.'))
                .is_some_and(|(major, minor)| {
                    !major.is_empty()
                        && major.len() <= 3
                        && minor.len() == 1
                        && major
                            .bytes()
                            .chain(minor.bytes())
                            .all(|b| b.is_ascii_digit())
                });
            if ok {
                c.meta_api_version = v;
            } else {
                errors.push(format!(
                    "META_API_VERSION={v:?}: a Graph API version such as v21.0"
                ));
            }
        }
        c.meta_app = app(get, "META_APP_ID", "META_APP_SECRET", errors);
        match get("META_WEBHOOK_VERIFY_TOKEN").filter(|v| !v.is_empty()) {
            Some(t) if t.len() >= 8 && t.len() <= 200 && !t.chars().any(char::is_whitespace) => {
                c.meta_webhook_verify_token = Some(SecretString::from(t));
            }
            Some(_) => {
                errors.push("META_WEBHOOK_VERIFY_TOKEN: 8 to 200 characters without spaces".into())
            }
            None => {}
        }
        if let Some(u) = base_url(get, "TIKTOK_API_BASE", errors) {
            c.tiktok_api_base = u;
        }
        c.tiktok_app = app(get, "TIKTOK_APP_ID", "TIKTOK_APP_SECRET", errors);
        if let Some(m) = crate::config::number(get, "ADS_SYNC_MINUTES", 5, 1440, errors) {
            c.sync_every = Duration::from_secs(m * 60);
        }
        if let Some(d) = crate::config::number(get, "ADS_HISTORY_DAYS", 3, 1095, errors) {
            c.history_days = d as u32;
        }
        if let Some(n) = crate::config::number(get, "CAMPAIGN_APPROVALS_PER_HOUR", 1, 1000, errors)
        {
            c.approvals_per_hour = n as u32;
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Section;
    use secrecy::ExposeSecret;

    fn load(vars: &[(&str, &str)]) -> (CampaignsConfig, Vec<String>) {
        let map: std::collections::HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut errors = Vec::new();
        let c = CampaignsConfig::load(&|k| map.get(k).cloned(), &mut errors);
        (c, errors)
    }

    #[test]
    fn defaults_and_overrides() {
        let (c, errors) = load(&[]);
        assert!(errors.is_empty());
        assert_eq!(c.meta_api_version, "v21.0");
        assert!(c.meta_app.is_none() && c.tiktok_app.is_none());
        assert_eq!(c.sync_every, Duration::from_secs(1800));
        // Forms lead to a consent page only for a platform that is set up.
        use crate::config::Section;
        assert!(c.form_action_origins().is_empty());

        let (c, errors) = load(&[
            ("META_API_VERSION", "v22.0"),
            ("META_APP_ID", "123"),
            ("META_APP_SECRET", "s3cret"),
            ("META_GRAPH_BASE", "http://127.0.0.1:9000/"),
            ("ADS_SYNC_MINUTES", "60"),
            ("ADS_HISTORY_DAYS", "30"),
        ]);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(c.form_action_origins(), ["https://www.facebook.com"]);
        assert_eq!(c.meta_api_version, "v22.0");
        let app = c.meta_app.expect("the app");
        assert_eq!(
            (app.id.as_str(), app.secret.expose_secret()),
            ("123", "s3cret")
        );
        assert_eq!(c.meta_graph_base.as_str(), "http://127.0.0.1:9000/");
        assert_eq!(c.sync_every, Duration::from_secs(3600));
        assert_eq!(c.history_days, 30);
    }

    #[test]
    fn bad_values_are_named() {
        let (_, errors) = load(&[
            ("META_API_VERSION", "21"),
            ("META_APP_ID", "123"),
            ("TIKTOK_API_BASE", "ftp://x"),
            ("ADS_SYNC_MINUTES", "1"),
        ]);
        let all = errors.join("\n");
        for name in [
            "META_API_VERSION",
            "META_APP_SECRET",
            "TIKTOK_API_BASE",
            "ADS_SYNC_MINUTES",
        ] {
            assert!(all.contains(name), "{name} not named in {all}");
        }
    }
}
