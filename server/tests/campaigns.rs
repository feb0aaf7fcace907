//! Campaigns: connecting Meta and TikTok ad accounts through OAuth, and syncing their campaigns
//! and daily figures — against wiremock answering with the shapes of the Marketing API and the
//! TikTok Business API references (fixtures/meta, fixtures/tiktok), on both databases. Bad
//! consents (no or wrong or replayed state, declined, no code, a used code), throttling waited
//! out, a refused token marking the connection for reconnecting, revised and vanished days,
//! tenancy and permissions.

#[path = "common/ads.rs"]
mod ads;
mod common;
// One test binary for the whole area (each binary links the server once more: CI time).
#[path = "campaigns/controls.rs"]
mod controls;
#[path = "campaigns/insights.rs"]
mod insights;
#[path = "campaigns/overview.rs"]
mod overview;
#[path = "campaigns/rules.rs"]
mod rules;
#[path = "campaigns/webhook.rs"]
mod webhook;

use ads::*;
use chrono::{NaiveDate, Utc};
use serde_json::{json, Value};
use server::{
    campaigns::{
        config::CampaignsConfig,
        connections::{self, Callback, Connected},
        metrics::Platform,
        repo, sync,
    },
    Error,
};
use wiremock::{
    matchers::{header, method, path, query_param},
    Mock, Request, Respond, ResponseTemplate,
};

/// A campaign as the tests compare it: id, status, daily and lifetime budgets, version.
type Summary<'a> = (&'a str, &'a str, Option<i64>, Option<i64>, i64);

#[tokio::test]
async fn a_meta_consent_connects_accounts_and_passes_read_history_then_revised_days() {
    let s = setup().await;
    let (url, pending) =
        connections::begin(s.config(), &s.owner, Platform::Meta, &redirect()).unwrap();
    assert!(url
        .as_str()
        .starts_with(&format!("{}/v21.0/dialog/oauth?", s.meta.uri())));
    let q: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(q["client_id"], "4242");
    assert_eq!(q["scope"], "ads_management,ads_read,business_management");
    assert_eq!(q["state"], pending.state);
    assert_eq!(q["redirect_uri"], redirect().as_str());

    let connected = s
        .finish(&s.owner, Some(&pending), meta_back(&pending))
        .await
        .unwrap();
    assert_eq!(
        (connected.name.as_str(), connected.accounts),
        ("Ada Lovelace", 2)
    );
    // The token is sealed: only its last characters are kept in the clear.
    let (sealed, hint): (String, String) = server::with_db!(s.db(), |c| sqlx::query_as(
        "SELECT sealed_token, token_hint FROM ad_connections"
    )
    .fetch_one(c)
    .await)
    .unwrap();
    assert!(!sealed.contains(META_TOKEN));
    assert_eq!(hint, "…WXYZ");
    assert_eq!(s.app.audit_count("AD_ACCOUNT_CONNECTED").await, 1);
    let accounts = connections::accounts(s.db(), &s.owner).await.unwrap();
    assert_eq!(accounts.len(), 2);
    assert!(accounts.iter().all(|a| !a.imported));
    let eu = accounts.iter().find(|a| a.currency == "EUR").unwrap();
    assert_eq!(eu.time_zone, "Europe/Berlin");

    let account = s.import(ACCOUNT).await;
    mount_meta_campaigns(&s.meta, fixture("meta/campaigns.json")).await;
    mount_meta_insights(
        &s.meta,
        fixture("meta/insights.json"),
        fixture("meta/insights_last.json"),
    )
    .await;

    // The first pass reads 90 days back, in windows of at most 30.
    let first = s
        .pass(account, "2026-12-03T12:00:00Z", quick())
        .await
        .unwrap();
    assert_eq!(
        first,
        sync::Outcome {
            campaigns: 3,
            days: 4,
            dropped: 0,
            skipped: 1,
            error: None
        }
    );
    let ranges: Vec<(NaiveDate, NaiveDate)> = s
        .meta
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| {
            r.url.path().ends_with("/insights") && !r.url.query_pairs().any(|(k, _)| k == "after")
        })
        .map(range_of)
        .collect();
    assert_eq!(
        ranges,
        vec![
            (d("2026-09-05"), d("2026-10-04")),
            (d("2026-10-05"), d("2026-11-03")),
            (d("2026-11-04"), d("2026-12-03")),
        ]
    );
    let expected = vec![
        day(C1, "2026-12-01", [14_237, 18_250, 431, 7, 104_550]),
        day(C1, "2026-12-02", [15_000, 20_011, 402, 5, 61_200]),
        day(C1, "2026-12-03", [6_100, 7_000, 150, 2, 24_400]),
        day(C2, "2026-12-01", [3_510, 4_000, 0, 0, 0]),
    ];
    assert_eq!(s.days(account).await, expected);
    let campaigns = repo::campaigns(s.db(), s.owner.company_id, account)
        .await
        .unwrap();
    let summary: Vec<Summary> = campaigns
        .iter()
        .map(|c| {
            (
                c.external_id.as_str(),
                c.status.as_str(),
                c.daily_budget_minor,
                c.lifetime_budget_minor,
                c.version,
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (C1, "ACTIVE", Some(15_000), None, 0),
            (C2, "PAUSED", None, Some(300_000), 0),
            ("120210000000000003", "ARCHIVED", None, None, 0),
        ]
    );

    // A re-read of the same answers changes nothing.
    let again = s
        .pass(account, "2026-12-03T13:00:00Z", quick())
        .await
        .unwrap();
    assert_eq!((again.days, again.dropped), (4, 0));
    assert_eq!(s.days(account).await, expected);

    // Later that day Meta has revised the 2nd, no longer reports the paused campaign's 1st, and
    // someone raised the budget in Ads Manager.
    s.meta.reset().await;
    let mut campaigns_now = fixture("meta/campaigns.json");
    campaigns_now["data"][0]["daily_budget"] = json!("20000");
    mount_meta_campaigns(&s.meta, campaigns_now).await;
    let mut revised = fixture("meta/insights.json");
    revised["data"][1]["spend"] = json!("160.00");
    revised["data"].as_array_mut().unwrap().remove(2);
    mount_meta_insights(&s.meta, revised, fixture("meta/insights_last.json")).await;
    let later = s
        .pass(account, "2026-12-03T18:00:00Z", quick())
        .await
        .unwrap();
    assert_eq!((later.days, later.dropped, later.skipped), (3, 1, 1));
    let ranges: Vec<_> = s
        .meta
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| {
            r.url.path().ends_with("/insights") && !r.url.query_pairs().any(|(k, _)| k == "after")
        })
        .map(range_of)
        .collect();
    assert_eq!(
        ranges,
        vec![(d("2026-12-01"), d("2026-12-03"))],
        "only the revised days"
    );
    let mut expected = expected;
    expected[1].spend_minor = 16_000;
    expected.remove(3);
    assert_eq!(s.days(account).await, expected);
    let c1 = repo::campaigns(s.db(), s.owner.company_id, account)
        .await
        .unwrap()
        .remove(0);
    assert_eq!((c1.daily_budget_minor, c1.version), (Some(20_000), 1));
    let a = s.account(ACCOUNT).await;
    assert_eq!((a.sync_state, a.sync_error, a.sync_done), (None, None, 3));
}

#[tokio::test]
async fn meta_throttling_is_waited_out_and_a_refused_token_asks_for_reconnecting() {
    let s = setup().await;
    s.connect_meta().await;
    let account = s.import(ACCOUNT).await;
    mount_meta_campaigns(&s.meta, fixture("meta/campaigns.json")).await;
    // Two throttled answers first (Meta says access is back at once), then the figures.
    Mock::given(method("GET"))
        .and(path(format!("/v21.0/{ACCOUNT}/insights").as_str()))
        .respond_with(
            ResponseTemplate::new(400)
                .insert_header(
                    "x-business-use-case-usage",
                    r#"{"1000000000000001":[{"type":"ads_insights","call_count":100,"total_cputime":12,"total_time":40,"estimated_time_to_regain_access":0}]}"#,
                )
                .set_body_json(fixture("meta/error_throttled.json")),
        )
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&s.meta)
        .await;
    mount_meta_insights(
        &s.meta,
        fixture("meta/insights.json"),
        fixture("meta/insights_last.json"),
    )
    .await;
    let outcome = s
        .pass(account, "2026-12-03T12:00:00Z", quick())
        .await
        .unwrap();
    assert_eq!((outcome.days, outcome.error), (4, None));

    // Throttled past our patience: the job fails (and is retried later), nothing is lost.
    Mock::given(method("GET"))
        .and(path(format!("/v21.0/{ACCOUNT}/insights").as_str()))
        .respond_with(
            ResponseTemplate::new(400).set_body_json(fixture("meta/error_throttled.json")),
        )
        .with_priority(1)
        .mount(&s.meta)
        .await;
    let err = s
        .pass(account, "2026-12-03T13:00:00Z", quick())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("limiting requests"), "{err}");
    assert_eq!(s.days(account).await.len(), 4);
    assert_eq!(
        s.account(ACCOUNT).await.sync_state.as_deref(),
        Some("running")
    );

    // The token expired: the pass ends with Meta's words, the connection waits for someone to
    // connect again, and no pass is queued for it meanwhile.
    s.meta.reset().await;
    mount_meta_consent(&s.meta).await;
    Mock::given(method("GET"))
        .and(path(format!("/v21.0/{ACCOUNT}/campaigns").as_str()))
        .respond_with(ResponseTemplate::new(400).set_body_json(fixture("meta/error_token.json")))
        .mount(&s.meta)
        .await;
    let outcome = s
        .pass(account, "2026-12-03T14:00:00Z", quick())
        .await
        .unwrap();
    let error = outcome.error.expect("stopped");
    assert!(error.contains("Session has expired"), "{error}");
    assert_eq!(s.connection_status().await, vec!["reconnect"]);
    let a = s.account(ACCOUNT).await;
    assert_eq!(a.connection_status, "reconnect");
    assert!(a.sync_error.unwrap().contains("Session has expired"));
    assert_eq!(
        sync::queue_all(s.db(), std::time::Duration::ZERO)
            .await
            .unwrap(),
        0
    );
    let next = s
        .pass(account, "2026-12-03T15:00:00Z", quick())
        .await
        .unwrap();
    assert!(next
        .error
        .unwrap()
        .contains("connection needs to be made again"));
    assert_eq!(
        s.days(account).await.len(),
        4,
        "figures already read are kept"
    );

    // Connecting again makes it active, with the same accounts and their choice.
    s.connect_meta().await;
    assert_eq!(s.connection_status().await, vec!["active"]);
    assert!(s.account(ACCOUNT).await.imported);
    assert_eq!(
        sync::queue_all(s.db(), std::time::Duration::ZERO)
            .await
            .unwrap(),
        1
    );
}

/// The report: the fixture's two pages for a range holding 2026-12-01..=02, nothing else;
/// the first call throttled.
struct Report(std::sync::atomic::AtomicUsize);

impl Respond for Report {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        if self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            return ResponseTemplate::new(200)
                .set_body_json(fixture("tiktok/error_throttled.json"));
        }
        let q: std::collections::HashMap<String, String> =
            req.url.query_pairs().into_owned().collect();
        let (start, end) = (d(&q["start_date"]), d(&q["end_date"]));
        assert!((end - start).num_days() < 30, "at most 30 days at once");
        let dims: Value = serde_json::from_str(&q["dimensions"]).unwrap();
        assert_eq!(dims, json!(["campaign_id", "stat_time_day"]));
        let metrics: Vec<String> = serde_json::from_str(&q["metrics"]).unwrap();
        for m in [
            "spend",
            "impressions",
            "reach",
            "clicks",
            "complete_payment",
            "total_complete_payment_rate",
        ] {
            assert!(metrics.iter().any(|x| x == m), "{m} not asked for");
        }
        if start > d("2026-12-01") || end < d("2026-12-02") {
            return ResponseTemplate::new(200).set_body_json(json!({"code": 0, "message": "OK",
                "data": {"list": [], "page_info": {"page": 1, "page_size": 1000, "total_number": 0, "total_page": 0}}}));
        }
        match q["page"].as_str() {
            "1" => ResponseTemplate::new(200).set_body_json(fixture("tiktok/report_page1.json")),
            _ => ResponseTemplate::new(200).set_body_json(fixture("tiktok/report_page2.json")),
        }
    }
}

#[tokio::test]
async fn a_tiktok_consent_connects_its_advertisers_and_a_pass_reads_every_report_page() {
    let s = setup().await;
    mount_tiktok_consent(&s.tiktok).await;
    let token = TIKTOK_TOKEN;
    let (url, pending) =
        connections::begin(s.config(), &s.owner, Platform::TikTok, &redirect()).unwrap();
    assert!(url
        .as_str()
        .starts_with(&format!("{}/portal/auth?app_id=7777", s.tiktok.uri())));
    let connected = s
        .finish(&s.owner, Some(&pending), tiktok_back(&pending))
        .await
        .unwrap();
    assert_eq!(
        (connected.name.as_str(), connected.accounts),
        ("Atelier TikTok", 1)
    );
    let a = s.account(ADVERTISER).await;
    assert_eq!(
        (a.currency.as_str(), a.time_zone.as_str()),
        ("RON", "Europe/Bucharest")
    );
    let account = s.import(ADVERTISER).await;

    Mock::given(method("GET"))
        .and(path("/open_api/v1.3/campaign/get/"))
        .and(query_param("advertiser_id", ADVERTISER))
        .and(header("access-token", token))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("tiktok/campaigns.json")))
        .mount(&s.tiktok)
        .await;
    Mock::given(method("GET"))
        .and(path("/open_api/v1.3/report/integrated/get/"))
        .and(query_param("advertiser_id", ADVERTISER))
        .and(query_param("data_level", "AUCTION_CAMPAIGN"))
        .and(header("access-token", token))
        .respond_with(Report(Default::default()))
        .mount(&s.tiktok)
        .await;
    let outcome = s
        .pass(account, "2026-12-03T12:00:00Z", quick())
        .await
        .unwrap();
    assert_eq!(
        (
            outcome.campaigns,
            outcome.days,
            outcome.skipped,
            outcome.error
        ),
        (2, 2, 0, None)
    );
    let t1 = "1800000000000000001";
    assert_eq!(
        s.days(account).await,
        vec![
            day(t1, "2026-12-01", [18_055, 30_210, 512, 9, 131_240]),
            day(t1, "2026-12-02", [20_000, 31_000, 498, 8, 110_500]),
        ]
    );
    let c = repo::campaigns(s.db(), s.owner.company_id, account)
        .await
        .unwrap();
    assert_eq!(
        (c[0].status.as_str(), c[0].daily_budget_minor),
        ("ACTIVE", Some(20_000))
    );
    assert_eq!(
        (
            c[1].status.as_str(),
            c[1].daily_budget_minor,
            c[1].lifetime_budget_minor
        ),
        ("PAUSED", None, None)
    );

    // A revoked token: reconnect needed, in TikTok's words.
    s.tiktok.reset().await;
    Mock::given(method("GET"))
        .and(path("/open_api/v1.3/campaign/get/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("tiktok/error_token.json")))
        .mount(&s.tiktok)
        .await;
    let outcome = s
        .pass(account, "2026-12-03T13:00:00Z", quick())
        .await
        .unwrap();
    assert!(outcome
        .error
        .unwrap()
        .contains("incorrect or has been revoked"));
    assert_eq!(s.connection_status().await, vec!["reconnect"]);
}

#[tokio::test]
async fn a_bad_consent_is_refused_with_a_clear_message_and_stores_nothing() {
    let s = setup().await;
    let manager = s
        .app
        .add_member(&s.owner, "max@example.com", "manager", vec![])
        .await;
    let viewer = s
        .app
        .add_member(&s.owner, "vic@example.com", "viewer", vec![])
        .await;
    let (_, pending) =
        connections::begin(s.config(), &s.owner, Platform::Meta, &redirect()).unwrap();
    let good = || meta_back(&pending);
    let field = |r: server::Result<Connected>| match r {
        Err(Error::Validation { field, message }) => (field, message),
        other => panic!("expected a refusal, got {other:?}"),
    };
    // No consent under way in this session (never started, or already used).
    let (f, m) = field(s.finish(&s.owner, None, good()).await);
    assert_eq!(f, "state");
    assert!(m.contains("Start again"), "{m}");
    // Someone else's consent.
    assert_eq!(
        field(s.finish(&manager, Some(&pending), good()).await).0,
        "state"
    );
    // A state that does not match, or none.
    let mut forged = good();
    forged.state = Some("forged".into());
    assert_eq!(
        field(s.finish(&s.owner, Some(&pending), forged).await).0,
        "state"
    );
    let mut stateless = good();
    stateless.state = None;
    assert_eq!(
        field(s.finish(&s.owner, Some(&pending), stateless).await).0,
        "state"
    );
    // Too late.
    let mut old = pending.clone();
    old.expires = Utc::now().timestamp() - 1;
    assert_eq!(
        field(s.finish(&s.owner, Some(&old), good()).await).0,
        "state"
    );
    // Declined on Meta's page.
    let declined = Callback {
        state: Some(pending.state.clone()),
        error: Some("access_denied".into()),
        error_description: Some("Permissions error".into()),
        ..Callback::default()
    };
    let (f, m) = field(s.finish(&s.owner, Some(&pending), declined).await);
    assert_eq!(f, "consent");
    assert!(m.contains("declined"), "{m}");
    // No code.
    let mut no_code = good();
    no_code.code = None;
    assert!(field(s.finish(&s.owner, Some(&pending), no_code).await)
        .1
        .contains("no authorisation code"));
    // A code Meta has already exchanged (a replayed callback).
    let mut used = good();
    used.code = Some("used-code".into());
    let (f, m) = field(s.finish(&s.owner, Some(&pending), used).await);
    assert_eq!(f, "consent");
    assert!(m.contains("This authorization code has been used."), "{m}");
    assert_eq!(s.app.count("ad_connections").await, 0);
    assert_eq!(s.app.count("ad_accounts").await, 0);
    assert_eq!(s.app.audit_count("AD_ACCOUNT_CONNECTED").await, 0);

    // Only campaigns.manage connects; an installation without the app says what to set.
    assert!(matches!(
        connections::begin(s.config(), &viewer, Platform::Meta, &redirect()),
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        s.finish(&viewer, Some(&pending), good()).await,
        Err(Error::Forbidden)
    ));
    let bare = CampaignsConfig::default();
    match connections::begin(&bare, &s.owner, Platform::TikTok, &redirect()) {
        Err(Error::Unavailable(m)) => assert!(m.contains("TIKTOK_APP_ID"), "{m}"),
        other => panic!("{other:?}"),
    }
    // The manager may connect (the permission, not the role's name, decides).
    let (_, theirs) =
        connections::begin(s.config(), &manager, Platform::Meta, &redirect()).unwrap();
    let mine = meta_back(&theirs);
    assert_eq!(
        s.finish(&manager, Some(&theirs), mine)
            .await
            .unwrap()
            .accounts,
        2
    );
}

async fn sync_jobs(s: &Ads) -> i64 {
    server::with_db!(s.db(), |c| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM jobs WHERE kind = 'campaigns.ads-sync'"
    )
    .fetch_one(c)
    .await)
    .unwrap()
}

#[tokio::test]
async fn imports_are_the_companys_own_the_job_syncs_them_and_disconnecting_deletes_everything() {
    let s = setup().await;
    s.connect_meta().await;
    let rival = s.app.sign_up("Rival SRL", "Rita", "rita@example.com").await;
    let a = s.account(ACCOUNT).await;
    // Another company cannot import (or learn of) our account.
    assert!(matches!(
        connections::choose_imports(s.db(), &rival, &meta(), &[a.id]).await,
        Err(Error::NotFound)
    ));
    assert!(connections::accounts(s.db(), &rival)
        .await
        .unwrap()
        .is_empty());
    assert!(!s.account(ACCOUNT).await.imported);

    // Importing starts a first pass at once; choosing the same again (a double click) does
    // not start another.
    assert_eq!(
        connections::choose_imports(s.db(), &s.owner, &meta(), &[a.id])
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        connections::choose_imports(s.db(), &s.owner, &meta(), &[a.id])
            .await
            .unwrap(),
        0
    );
    assert_eq!(sync_jobs(&s).await, 1);
    assert_eq!(
        s.account(ACCOUNT).await.sync_state.as_deref(),
        Some("queued")
    );
    assert_eq!(s.app.audit_count("AD_ACCOUNTS_IMPORTED").await, 2);

    // The queue runs it (the real job, today's date).
    mount_meta_campaigns(&s.meta, fixture("meta/campaigns.json")).await;
    Mock::given(method("GET"))
        .and(path(format!("/v21.0/{ACCOUNT}/insights").as_str()))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": [], "paging": {"cursors": {}}})),
        )
        .mount(&s.meta)
        .await;
    server::jobs::run_until_empty(&s.app.state.job_context(), &server::areas::jobs())
        .await
        .unwrap();
    let done = s.account(ACCOUNT).await;
    assert_eq!((done.sync_state, done.sync_error), (None, None));
    assert!(done.synced_at.is_some());
    assert_eq!(s.app.count("ad_campaigns").await, 3);
    // Just synced: nothing is due yet.
    assert_eq!(
        sync::queue_all(s.db(), std::time::Duration::from_secs(1800))
            .await
            .unwrap(),
        0
    );

    // Disconnecting: the rival cannot; we can, and Meta is asked to revoke the token.
    let connection = done.connection_id;
    assert!(matches!(
        connections::disconnect(
            s.db(),
            &s.app.state.config.app_secret_key,
            s.config(),
            &rival,
            &meta(),
            connection
        )
        .await,
        Err(Error::NotFound)
    ));
    Mock::given(method("DELETE"))
        .and(path("/v21.0/me/permissions"))
        .and(header(
            "authorization",
            format!("Bearer {META_TOKEN}").as_str(),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true})))
        .expect(1)
        .mount(&s.meta)
        .await;
    // The same Meta person (an agency) also connected the rival company: our disconnecting
    // must not take back the consent their connection rests on.
    let (_, theirs) = connections::begin(s.config(), &rival, Platform::Meta, &redirect()).unwrap();
    let rival_connection = s
        .finish(&rival, Some(&theirs), meta_back(&theirs))
        .await
        .unwrap()
        .connection_id;
    disconnect(&s, &s.owner, connection).await.unwrap();
    assert_eq!(s.app.count("ad_connections").await, 1, "theirs stays");
    assert_eq!(s.app.count("ad_campaigns").await, 0);
    // The last connection on that consent revokes it (the mock expects exactly one call).
    disconnect(&s, &rival, rival_connection).await.unwrap();
    for table in [
        "ad_connections",
        "ad_accounts",
        "ad_campaigns",
        "ad_campaign_days",
    ] {
        assert_eq!(s.app.count(table).await, 0, "{table}");
    }
    assert_eq!(s.app.audit_count("AD_ACCOUNT_DISCONNECTED").await, 2);
}

async fn disconnect(
    s: &Ads,
    who: &server::access::Principal,
    id: uuid::Uuid,
) -> server::Result<()> {
    connections::disconnect(
        s.db(),
        &s.app.state.config.app_secret_key,
        s.config(),
        who,
        &meta(),
        id,
    )
    .await
}

async fn reminders_sent(s: &Ads) -> i64 {
    server::with_db!(s.db(), |c| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM outbox WHERE kind = 'ad_token_expiring' AND to_email = 'ada@example.com'"
    )
    .fetch_one(c)
    .await)
    .unwrap()
}

async fn token_expiry(s: &Ads) -> chrono::DateTime<Utc> {
    server::with_db!(s.db(), |c| sqlx::query_scalar::<_, chrono::DateTime<Utc>>(
        "SELECT token_expires_at FROM ad_connections"
    )
    .fetch_one(c)
    .await)
    .unwrap()
}

#[tokio::test]
async fn the_connecting_person_is_reminded_before_the_token_expires_and_then_asked_to_reconnect() {
    let s = setup().await;
    s.connect_meta().await;
    s.import(ACCOUNT).await;
    let url = s.app.state.config.public_url.clone();
    let remind = |at: chrono::DateTime<Utc>| connections::remind_expiring(s.db(), &url, at);
    // Meta's long-lived token: about 60 days.
    let expires = token_expiry(&s).await;
    let days = (expires - Utc::now()).num_days();
    assert!((59..=60).contains(&days), "{days} days");
    assert_eq!(
        remind(expires - chrono::Duration::days(8)).await.unwrap(),
        0
    );
    assert_eq!(
        remind(expires - chrono::Duration::days(6)).await.unwrap(),
        1
    );
    assert_eq!(
        remind(expires - chrono::Duration::days(5)).await.unwrap(),
        0,
        "once"
    );
    assert_eq!(reminders_sent(&s).await, 1);
    // Expired: reconnect needed, and no sync is queued for it.
    server::with_db!(s.db(), |c| sqlx::query(
        "UPDATE ad_accounts SET sync_state = NULL"
    )
    .execute(c)
    .await
    .map(drop))
    .unwrap();
    remind(expires + chrono::Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!(s.connection_status().await, vec!["reconnect"]);
    assert!(s.account(ACCOUNT).await.connection_status == "reconnect");
    assert_eq!(
        sync::queue_all(s.db(), std::time::Duration::ZERO)
            .await
            .unwrap(),
        0
    );
    // Connected again: active, and the new token gets its own reminder.
    s.connect_meta().await;
    assert_eq!(s.connection_status().await, vec!["active"]);
    let renewed = token_expiry(&s).await;
    assert_eq!(
        remind(renewed - chrono::Duration::days(6)).await.unwrap(),
        1
    );
    assert_eq!(reminders_sent(&s).await, 2);
}
