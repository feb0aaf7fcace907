//! Ad platforms for tests: an app whose Meta and TikTok apps point at wiremock servers, Meta's
//! consent and account answers mounted (fixtures/meta), and helpers to connect, import and
//! sync an account.
#![allow(dead_code)]

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{json, Value};
use server::{
    access::Principal,
    audit::RequestMeta,
    campaigns::{
        config::CampaignsConfig,
        connections::{self, Callback, Connected, Pending},
        metrics::Platform,
        platform::Patience,
        repo::{self, DayRow},
        sync,
    },
};
use uuid::Uuid;
use wiremock::{
    matchers::{body_partial_json, header, method, path, query_param, query_param_is_missing},
    Mock, MockServer, Request, Respond, ResponseTemplate,
};

use crate::common::{spawn_app_with, TestApp};

pub const META_TOKEN: &str = "EAAlongLIVEDtoken0000WXYZ";
pub const ACCOUNT: &str = "act_1000000000000001";
pub const ADVERTISER: &str = "7100000000000000001";
pub const TIKTOK_TOKEN: &str = "act.tt0123456789abcdefTOKEN";

pub fn meta() -> RequestMeta {
    RequestMeta::default()
}

pub fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

pub fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

pub fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

pub fn quick() -> Patience {
    Patience {
        attempts: 3,
        max_wait: std::time::Duration::from_millis(10),
    }
}

pub struct Ads {
    pub app: TestApp,
    pub owner: Principal,
    pub meta: MockServer,
    pub tiktok: MockServer,
}

pub fn redirect() -> url::Url {
    url::Url::parse("http://localhost:3000/campaigns/connect/callback").unwrap()
}

pub async fn setup() -> Ads {
    setup_with(&[]).await
}

/// An app with `extra` configuration besides the platforms' stand-ins.
pub async fn setup_with(extra: &[(&str, &str)]) -> Ads {
    let meta_server = MockServer::start().await;
    let tiktok = MockServer::start().await;
    let (m, t) = (meta_server.uri(), tiktok.uri());
    let mut env = vec![
        ("META_GRAPH_BASE", m.as_str()),
        ("META_DIALOG_BASE", m.as_str()),
        ("META_APP_ID", "4242"),
        ("META_APP_SECRET", "meta-app-secret"),
        ("TIKTOK_API_BASE", t.as_str()),
        ("TIKTOK_APP_ID", "7777"),
        ("TIKTOK_APP_SECRET", "tiktok-app-secret"),
    ];
    env.extend_from_slice(extra);
    let app = spawn_app_with(&env).await;
    app.setup("ada@example.com").await;
    let owner = app.principal("ada@example.com").await;
    mount_meta_consent(&meta_server).await;
    Ads {
        app,
        owner,
        meta: meta_server,
        tiktok,
    }
}

/// TikTok's token exchange (auth code `tt-code`) and advertiser details.
pub async fn mount_tiktok_consent(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/open_api/v1.3/oauth2/access_token/"))
        .and(body_partial_json(
            json!({"app_id": "7777", "secret": "tiktok-app-secret", "auth_code": "tt-code"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("tiktok/access_token.json")))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/open_api/v1.3/advertiser/info/"))
        .and(header("access-token", TIKTOK_TOKEN))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("tiktok/advertiser_info.json")),
        )
        .mount(server)
        .await;
}

pub async fn mount_meta_consent(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/v21.0/oauth/access_token"))
        .and(query_param("code", "good-code"))
        .and(query_param("client_id", "4242"))
        .and(query_param("client_secret", "meta-app-secret"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"access_token": "EAAshortLIVED", "token_type": "bearer", "expires_in": 5400}),
        ))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v21.0/oauth/access_token"))
        .and(query_param("code", "used-code"))
        .respond_with(
            ResponseTemplate::new(400).set_body_json(fixture("meta/error_code_used.json")),
        )
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v21.0/oauth/access_token"))
        .and(query_param("grant_type", "fb_exchange_token"))
        .and(query_param("fb_exchange_token", "EAAshortLIVED"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"access_token": META_TOKEN, "token_type": "bearer", "expires_in": 5183944}),
        ))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v21.0/me"))
        .and(header(
            "authorization",
            format!("Bearer {META_TOKEN}").as_str(),
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": "10150000000000001", "name": "Ada Lovelace"})),
        )
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v21.0/me/adaccounts"))
        .and(header(
            "authorization",
            format!("Bearer {META_TOKEN}").as_str(),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("meta/ad_accounts.json")))
        .mount(server)
        .await;
}

/// The campaigns edge: the fixture's two pages by `after`.
pub async fn mount_meta_campaigns(server: &MockServer, first: Value) {
    let p = format!("/v21.0/{ACCOUNT}/campaigns");
    Mock::given(method("GET"))
        .and(path(p.as_str()))
        .and(query_param_is_missing("after"))
        .respond_with(ResponseTemplate::new(200).set_body_json(first))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(p.as_str()))
        .and(query_param("after", "MjM4NTU"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("meta/campaigns_last.json")))
        .mount(server)
        .await;
}

/// Insights: `pages` (first page, then by its `after` cursor) for a time range holding
/// 2026-12-01..=2026-12-03, nothing for other ranges.
pub struct Insights(pub Value, pub Value);

pub fn range_of(req: &Request) -> (NaiveDate, NaiveDate) {
    let (_, tr) = req
        .url
        .query_pairs()
        .find(|(k, _)| k == "time_range")
        .expect("a time range");
    let tr: Value = serde_json::from_str(&tr).unwrap();
    (
        d(tr["since"].as_str().unwrap()),
        d(tr["until"].as_str().unwrap()),
    )
}

impl Respond for Insights {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let (since, until) = range_of(req);
        let after = req
            .url
            .query_pairs()
            .find(|(k, _)| k == "after")
            .map(|(_, v)| v.to_string());
        if since > d("2026-12-01") || until < d("2026-12-03") {
            return ResponseTemplate::new(200)
                .set_body_json(json!({"data": [], "paging": {"cursors": {}}}));
        }
        match after.as_deref() {
            None => ResponseTemplate::new(200).set_body_json(self.0.clone()),
            Some("MgZDZD") => ResponseTemplate::new(200).set_body_json(self.1.clone()),
            Some(other) => ResponseTemplate::new(400).set_body_json(
                json!({"error": {"message": format!("unknown cursor {other}"), "code": 100}}),
            ),
        }
    }
}

pub async fn mount_meta_insights(server: &MockServer, first: Value, last: Value) {
    Mock::given(method("GET"))
        .and(path(format!("/v21.0/{ACCOUNT}/insights").as_str()))
        .and(query_param("level", "campaign"))
        .and(query_param("time_increment", "1"))
        .and(header(
            "authorization",
            format!("Bearer {META_TOKEN}").as_str(),
        ))
        .respond_with(Insights(first, last))
        .mount(server)
        .await;
}

impl Ads {
    pub fn config(&self) -> &CampaignsConfig {
        self.app.state.config.section::<CampaignsConfig>()
    }

    pub fn db(&self) -> &server::Db {
        &self.app.state.db
    }

    pub async fn finish(
        &self,
        who: &Principal,
        pending: Option<&Pending>,
        callback: Callback,
    ) -> server::Result<Connected> {
        connections::finish(
            self.db(),
            &self.app.state.config.app_secret_key,
            self.config(),
            who,
            &meta(),
            connections::Return {
                pending,
                callback: &callback,
                redirect_uri: &redirect(),
            },
        )
        .await
    }

    pub async fn connect_meta(&self) -> Connected {
        let (_, pending) =
            connections::begin(self.config(), &self.owner, Platform::Meta, &redirect()).unwrap();
        self.finish(&self.owner, Some(&pending), meta_back(&pending))
            .await
            .unwrap()
    }

    /// Connects Meta (the fixtures' two accounts), imports the RON account and syncs it at noon
    /// on 3 December 2026: (account, campaign 1).
    pub async fn synced_meta(&self) -> (Uuid, Uuid) {
        self.connect_meta().await;
        let account = self.import(ACCOUNT).await;
        mount_meta_campaigns(&self.meta, fixture("meta/campaigns.json")).await;
        mount_meta_insights(
            &self.meta,
            fixture("meta/insights.json"),
            fixture("meta/insights_last.json"),
        )
        .await;
        self.pass(account, "2026-12-03T12:00:00Z", quick())
            .await
            .unwrap();
        let campaign = repo::campaigns(self.db(), self.owner.company_id, account)
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.external_id == C1)
            .unwrap()
            .id;
        (account, campaign)
    }

    pub async fn connect_tiktok(&self) -> Connected {
        let (_, pending) =
            connections::begin(self.config(), &self.owner, Platform::TikTok, &redirect()).unwrap();
        self.finish(&self.owner, Some(&pending), tiktok_back(&pending))
            .await
            .unwrap()
    }

    pub async fn account(&self, external_id: &str) -> repo::AccountRow {
        connections::accounts(self.db(), &self.owner)
            .await
            .unwrap()
            .into_iter()
            .find(|a| a.external_id == external_id)
            .expect("the account")
    }

    pub async fn import(&self, external_id: &str) -> Uuid {
        let a = self.account(external_id).await;
        connections::choose_imports(self.db(), &self.owner, &meta(), &[a.id])
            .await
            .unwrap();
        a.id
    }

    pub async fn pass(
        &self,
        account: Uuid,
        now: &str,
        patience: Patience,
    ) -> anyhow::Result<sync::Outcome> {
        sync::run(
            self.db(),
            &self.app.state.config.app_secret_key,
            self.config(),
            account,
            patience,
            at(now),
        )
        .await
    }

    pub async fn days(&self, account: Uuid) -> Vec<DayRow> {
        repo::days(
            self.db(),
            self.owner.company_id,
            account,
            d("2026-01-01"),
            d("2027-01-01"),
        )
        .await
        .unwrap()
    }

    pub async fn connection_status(&self) -> Vec<String> {
        server::with_db!(self.db(), |c| sqlx::query_scalar::<_, String>(
            "SELECT status FROM ad_connections ORDER BY connected_at"
        )
        .fetch_all(c)
        .await)
        .unwrap()
    }
}

pub fn day(external_id: &str, day: &str, figures: [i64; 5]) -> DayRow {
    DayRow {
        external_id: external_id.into(),
        day: d(day),
        spend_minor: figures[0],
        impressions: figures[1],
        clicks: figures[2],
        conversions: figures[3],
        purchase_value_minor: figures[4],
    }
}

pub const C1: &str = "120210000000000001";
pub const C2: &str = "120210000000000002";

/// What Meta sends back after the consent `pending` was started for (code `good-code`).
pub fn meta_back(pending: &Pending) -> Callback {
    Callback {
        code: Some("good-code".into()),
        state: Some(pending.state.clone()),
        ..Callback::default()
    }
}

/// What TikTok sends back after the consent `pending` was started for (code `tt-code`).
pub fn tiktok_back(pending: &Pending) -> Callback {
    Callback {
        auth_code: Some("tt-code".into()),
        state: Some(pending.state.clone()),
        ..Callback::default()
    }
}
