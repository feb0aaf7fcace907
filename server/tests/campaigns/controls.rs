//! Campaign controls against the platforms' stand-ins (wiremock with the Marketing API's and the
//! Business API's write shapes), on both databases: a small change applies at once; a rise of
//! more than 50 % or above the company's cap waits for an approver, who is someone else with
//! campaigns.approve and has a limit per hour; a rejection has a reason and the requester
//! resubmits; a form sent twice does its work once; two people changing one campaign at once,
//! bad budgets and a platform refusal change nothing; other companies see nothing.

use crate::ads::*;
use serde_json::json;
use server::{
    access::Principal,
    campaigns::{
        controls::{self, ChangeInput, Wanted},
        metrics::PaceState,
        repo::{self, ChangeRow},
    },
    Error,
};
use uuid::Uuid;
use wiremock::{
    matchers::{body_string_contains, header, method, path},
    Mock, MockServer, ResponseTemplate,
};

const C1_PATH: &str = "/v21.0/120210000000000001";

struct Controls {
    s: Ads,
    account: Uuid,
    campaign: Uuid,
    manager: Principal,
    admin: Principal,
}

/// Meta's answer to a campaign update whose form holds `field`.
async fn meta_accepts(server: &MockServer, field: &str, times: u64) {
    Mock::given(method("POST"))
        .and(path(C1_PATH))
        .and(header(
            "authorization",
            format!("Bearer {META_TOKEN}").as_str(),
        ))
        .and(body_string_contains(field))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true})))
        .expect(times)
        .named(field)
        .mount(server)
        .await;
}

async fn controls_with(extra: &[(&str, &str)]) -> Controls {
    let s = setup_with(extra).await;
    let (account, campaign) = s.synced_meta().await;
    let manager = s
        .app
        .add_member(&s.owner, "max@example.com", "manager", vec![])
        .await;
    let admin = s
        .app
        .add_member(&s.owner, "ann@example.com", "admin", vec![])
        .await;
    Controls {
        s,
        account,
        campaign,
        manager,
        admin,
    }
}

async fn controls() -> Controls {
    controls_with(&[]).await
}

impl Controls {
    async fn ask(
        &self,
        who: &Principal,
        version: i64,
        wanted: Wanted,
    ) -> server::Result<ChangeRow> {
        self.ask_as(who, version, &Uuid::now_v7().to_string(), wanted)
            .await
    }

    async fn ask_as(
        &self,
        who: &Principal,
        version: i64,
        request_id: &str,
        wanted: Wanted,
    ) -> server::Result<ChangeRow> {
        controls::request(
            self.s.db(),
            &self.s.app.state.config.app_secret_key,
            self.s.config(),
            who,
            &server::audit::RequestMeta::default(),
            ChangeInput {
                campaign_id: self.campaign,
                expected_version: version,
                request_id: request_id.into(),
                wanted,
            },
        )
        .await
    }

    async fn approve(&self, who: &Principal, change: Uuid) -> server::Result<ChangeRow> {
        controls::approve(
            self.s.db(),
            &self.s.app.state.config.app_secret_key,
            self.s.config(),
            &self.s.app.state.limits,
            who,
            &server::audit::RequestMeta::default(),
            change,
        )
        .await
    }

    /// (status, daily budget, version) of the campaign.
    async fn campaign(&self) -> (String, Option<i64>, i64) {
        let c = repo::campaigns(self.s.db(), self.s.owner.company_id, self.account)
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.id == self.campaign)
            .unwrap();
        (c.status, c.daily_budget_minor, c.version)
    }
}

fn budget(v: &str) -> Wanted {
    Wanted::DailyBudget(v.into())
}

#[tokio::test]
async fn a_small_change_applies_at_once_and_a_large_rise_waits_for_another_approver() {
    let c = controls().await;
    meta_accepts(&c.s.meta, "daily_budget=18000", 1).await;
    meta_accepts(&c.s.meta, "daily_budget=33000", 1).await;
    meta_accepts(&c.s.meta, "daily_budget=30000", 0).await;

    // 150 → 180 RON (+20 %): written at once, once even if the form is sent twice.
    let form = Uuid::now_v7().to_string();
    let applied = c.ask_as(&c.manager, 0, &form, budget("180")).await.unwrap();
    assert_eq!(
        (applied.state.as_str(), applied.platform_answer.as_deref()),
        ("applied", Some("success"))
    );
    assert_eq!(c.campaign().await, ("ACTIVE".into(), Some(18_000), 1));
    let again = c.ask_as(&c.manager, 0, &form, budget("180")).await.unwrap();
    assert_eq!(again.id, applied.id);
    assert_eq!(c.campaign().await.2, 1);

    // 180 → 330 (+83 %): waits; nothing is written to Meta yet.
    let waiting = c.ask(&c.manager, 1, budget("330")).await.unwrap();
    assert_eq!(waiting.state, "pending");
    assert!(
        waiting.approval_reason.as_deref().unwrap().contains("83 %"),
        "{waiting:?}"
    );
    assert_eq!(c.campaign().await, ("ACTIVE".into(), Some(18_000), 1));
    // Not by the requester's role (no campaigns.approve), nor by the requester themselves.
    assert!(matches!(
        c.approve(&c.manager, waiting.id).await,
        Err(Error::Forbidden)
    ));
    let own = c.ask(&c.s.owner, 1, budget("300")).await.unwrap();
    assert!(matches!(
        c.approve(&c.s.owner, own.id).await,
        Err(Error::Validation { field, .. }) if field == "approval"
    ));
    let queue = controls::waiting(c.s.db(), &c.admin).await.unwrap();
    assert_eq!(queue.len(), 2);

    // Another approver approves: written to Meta, the campaign takes it.
    let done = c.approve(&c.admin, waiting.id).await.unwrap();
    assert_eq!(
        (done.state.as_str(), done.decided_by),
        ("applied", Some(c.admin.user_id))
    );
    assert_eq!(c.campaign().await, ("ACTIVE".into(), Some(33_000), 2));
    // A second click finds it applied.
    assert_eq!(
        c.approve(&c.admin, waiting.id).await.unwrap().state,
        "applied"
    );
    // The owner's own request was asked against version 1: the campaign moved since.
    assert!(matches!(
        c.approve(&c.admin, own.id).await,
        Err(Error::Conflict(_))
    ));

    // History for anyone who reads campaigns; changing needs campaigns.manage.
    let viewer =
        c.s.app
            .add_member(&c.s.owner, "vic@example.com", "viewer", vec![])
            .await;
    let history = controls::history(c.s.db(), &viewer, c.campaign)
        .await
        .unwrap();
    assert_eq!(history.iter().filter(|h| h.state == "applied").count(), 2);
    assert!(matches!(
        c.ask(&viewer, 2, Wanted::Pause).await,
        Err(Error::Forbidden)
    ));
    for action in [
        "CAMPAIGN_CHANGE_REQUESTED",
        "CAMPAIGN_CHANGED",
        "CAMPAIGN_CHANGE_APPROVED",
    ] {
        assert!(c.s.app.audit_count(action).await >= 1, "{action}");
    }
    // Pause and resume.
    meta_accepts(&c.s.meta, "status=PAUSED", 1).await;
    meta_accepts(&c.s.meta, "status=ACTIVE", 1).await;
    assert_eq!(
        c.ask(&c.manager, 2, Wanted::Pause).await.unwrap().state,
        "applied"
    );
    assert_eq!(c.campaign().await.0, "PAUSED");
    assert!(matches!(
        c.ask(&c.manager, 3, Wanted::Pause).await,
        Err(Error::Validation { field, .. }) if field == "status"
    ));
    assert_eq!(
        c.ask(&c.manager, 3, Wanted::Resume).await.unwrap().state,
        "applied"
    );
    assert_eq!(c.campaign().await, ("ACTIVE".into(), Some(33_000), 4));
}

#[tokio::test]
async fn a_rejection_has_a_reason_the_requester_resubmits_and_approvals_are_limited() {
    let c = controls_with(&[("CAMPAIGN_APPROVALS_PER_HOUR", "2")]).await;
    let asked = c.ask(&c.manager, 0, budget("300")).await.unwrap();
    assert!(matches!(
        controls::reject(c.s.db(), &c.admin, &Default::default(), asked.id, " ").await,
        Err(Error::Validation { field, .. }) if field == "reason"
    ));
    let rejected = controls::reject(
        c.s.db(),
        &c.admin,
        &Default::default(),
        asked.id,
        "Not before the weekend",
    )
    .await
    .unwrap();
    assert_eq!(
        (rejected.state.as_str(), rejected.decision_reason.as_deref()),
        ("rejected", Some("Not before the weekend"))
    );
    // A rejected change cannot be approved.
    assert_eq!(
        c.approve(&c.admin, asked.id).await.unwrap().state,
        "rejected"
    );
    // Only the requester resubmits; a budget that needs no approval is asked for directly.
    assert!(matches!(
        controls::resubmit(c.s.db(), &c.admin, &Default::default(), asked.id, None).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        controls::resubmit(c.s.db(), &c.manager, &Default::default(), asked.id, Some("160")).await,
        Err(Error::Validation { field, .. }) if field == "budget"
    ));
    let again = controls::resubmit(
        c.s.db(),
        &c.manager,
        &Default::default(),
        asked.id,
        Some("260"),
    )
    .await
    .unwrap();
    assert_eq!(again.state, "pending");
    assert_eq!((again.decided_by, again.decision_reason), (None, None));
    assert_eq!(again.new_budget_minor, Some(26_000));
    assert!(again.approval_reason.unwrap().contains("73 %"));

    // Two approvals an hour here: the third is refused, and its change keeps waiting.
    meta_accepts(&c.s.meta, "daily_budget=26000", 1).await;
    assert_eq!(
        c.approve(&c.admin, asked.id).await.unwrap().state,
        "applied"
    );
    let (_, _, v) = c.campaign().await;
    let second = c.ask(&c.manager, v, budget("500")).await.unwrap();
    meta_accepts(&c.s.meta, "daily_budget=50000", 1).await;
    assert_eq!(
        c.approve(&c.admin, second.id).await.unwrap().state,
        "applied"
    );
    let third = c.ask(&c.manager, v + 1, budget("900")).await.unwrap();
    assert!(matches!(
        c.approve(&c.admin, third.id).await,
        Err(Error::RateLimited)
    ));
    assert_eq!(
        repo::change(c.s.db(), c.s.owner.company_id, third.id)
            .await
            .unwrap()
            .unwrap()
            .state,
        "pending"
    );
    // Another approver still may.
    meta_accepts(&c.s.meta, "daily_budget=90000", 1).await;
    assert_eq!(
        c.approve(&c.s.owner, third.id).await.unwrap().state,
        "applied"
    );
    assert_eq!(c.s.app.audit_count("CAMPAIGN_CHANGE_REJECTED").await, 1);
    assert_eq!(c.s.app.audit_count("CAMPAIGN_CHANGE_RESUBMITTED").await, 1);
}

#[tokio::test]
async fn bad_budgets_conflicts_and_a_platform_refusal_change_nothing() {
    let c = controls().await;
    Mock::given(method("POST"))
        .and(path(C1_PATH))
        .and(body_string_contains("daily_budget=17000"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true})))
        .expect(1)
        .mount(&c.s.meta)
        .await;
    for bad in ["0", "-5", "abc", "1.234", "2000000", "", "150"] {
        match c.ask(&c.manager, 0, budget(bad)).await {
            Err(Error::Validation { field, .. }) => assert_eq!(field, "budget", "{bad:?}"),
            other => panic!("{bad:?}: {other:?}"),
        }
    }
    assert_eq!(c.s.app.count("ad_changes").await, 0);
    assert!(matches!(
        c.ask_as(&c.manager, 0, "not-a-uuid", budget("170")).await,
        Err(Error::Validation { field, .. }) if field == "request_id"
    ));

    // Two people change the budget from the same page: one wins, the other sees the conflict.
    assert_eq!(
        c.ask(&c.manager, 0, budget("170")).await.unwrap().state,
        "applied"
    );
    assert!(matches!(
        c.ask(&c.admin, 0, budget("175")).await,
        Err(Error::Conflict(_))
    ));
    assert_eq!(c.campaign().await, ("ACTIVE".into(), Some(17_000), 1));

    // Meta refuses: its words are kept, the campaign is as it was, nothing counts as applied.
    Mock::given(method("POST"))
        .and(path(C1_PATH))
        .and(body_string_contains("daily_budget=17500"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": {
            "message": "Invalid parameter", "type": "OAuthException", "code": 100,
            "error_subcode": 1885650, "error_user_msg": "Your budget is too low.", "fbtrace_id": "Ab12"}})))
        .mount(&c.s.meta)
        .await;
    let failed = c.ask(&c.manager, 1, budget("175")).await.unwrap();
    assert_eq!(failed.state, "failed");
    assert!(failed
        .platform_answer
        .as_deref()
        .unwrap()
        .contains("Invalid parameter"));
    assert_eq!(c.campaign().await, ("ACTIVE".into(), Some(17_000), 1));
    assert_eq!(c.s.app.audit_count("CAMPAIGN_CHANGE_FAILED").await, 1);
    assert_eq!(c.s.app.audit_count("CAMPAIGN_CHANGED").await, 1);

    // A write whose answer never came back (the process stopped): it blocks the campaign's
    // next write for ten minutes, then is marked failed and no longer does.
    let stuck = |minutes: i64| {
        let db = c.s.db();
        let id = failed.id;
        async move {
            server::with_db!(db, |conn| sqlx::query(
                "UPDATE ad_changes SET state = 'applying', updated_at = $1 WHERE id = $2"
            )
            .bind(chrono::Utc::now() - chrono::Duration::minutes(minutes))
            .bind(id)
            .execute(conn)
            .await
            .map(drop))
            .unwrap();
        }
    };
    stuck(1).await;
    assert!(matches!(
        c.ask(&c.manager, 1, budget("180")).await,
        Err(Error::Conflict(_))
    ));
    stuck(11).await;
    Mock::given(method("POST"))
        .and(path(C1_PATH))
        .and(body_string_contains("daily_budget=18000"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true})))
        .expect(1)
        .mount(&c.s.meta)
        .await;
    assert_eq!(
        c.ask(&c.manager, 1, budget("180")).await.unwrap().state,
        "applied"
    );
    let interrupted = repo::change(c.s.db(), c.s.owner.company_id, failed.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(interrupted.state, "failed");
    assert!(interrupted.platform_answer.unwrap().contains("interrupted"));

    // Another company: nothing of ours exists for them.
    let rival =
        c.s.app
            .sign_up("Rival SRL", "Rita", "rita@example.com")
            .await;
    assert!(matches!(
        c.ask(&rival, 1, budget("180")).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        c.approve(&rival, failed.id).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        controls::preview_budget(c.s.db(), &rival, c.campaign, "180", chrono::Utc::now()).await,
        Err(Error::NotFound)
    ));
    assert!(controls::waiting(c.s.db(), &rival)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn the_company_cap_and_the_pacing_preview() {
    let c = controls().await;
    let meta = server::audit::RequestMeta::default();
    assert!(matches!(
        controls::set_budget_cap(c.s.db(), &c.manager, &meta, "RON", "200").await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        controls::set_budget_cap(c.s.db(), &c.s.owner, &meta, "RON", "abc").await,
        Err(Error::Validation { field, .. }) if field == "cap"
    ));
    assert_eq!(
        controls::set_budget_cap(c.s.db(), &c.s.owner, &meta, "ron", "200")
            .await
            .unwrap(),
        Some(20_000)
    );

    // At 14:00 in Bucharest, 61.00 RON spent of 150.00: 8,750 expected by now, under pace.
    let at = chrono::DateTime::parse_from_rfc3339("2026-12-03T12:00:00Z")
        .unwrap()
        .to_utc();
    let p = controls::preview_budget(c.s.db(), &c.manager, c.campaign, "190", at)
        .await
        .unwrap();
    assert_eq!(
        (
            p.current_minor,
            p.new_minor,
            p.change_percent,
            p.spend_today_minor
        ),
        (15_000, 19_000, 27, 6_100)
    );
    let now = p.pacing_now.unwrap();
    assert_eq!((now.expected_minor, now.state), (8_750, PaceState::Under));
    assert_eq!(p.pacing_new.unwrap().expected_minor, 11_083);
    assert_eq!(p.needs_approval, None);
    let over = controls::preview_budget(c.s.db(), &c.manager, c.campaign, "210", at)
        .await
        .unwrap();
    assert!(over.needs_approval.unwrap().contains("cap of 200.00 RON"));

    meta_accepts(&c.s.meta, "daily_budget=19000", 1).await;
    assert_eq!(
        c.ask(&c.manager, 0, budget("190")).await.unwrap().state,
        "applied"
    );
    let capped = c.ask(&c.manager, 1, budget("210")).await.unwrap();
    assert_eq!(capped.state, "pending");
    assert!(capped.approval_reason.unwrap().contains("cap"));
    // Removing the cap: the same rise needs no one.
    controls::set_budget_cap(c.s.db(), &c.s.owner, &meta, "RON", "")
        .await
        .unwrap();
    meta_accepts(&c.s.meta, "daily_budget=21000", 1).await;
    assert_eq!(
        c.ask(&c.manager, 1, budget("210")).await.unwrap().state,
        "applied"
    );
}

#[tokio::test]
async fn tiktok_takes_its_budget_in_units_and_its_status_as_enable_or_disable() {
    let s = setup().await;
    mount_tiktok_consent(&s.tiktok).await;
    s.connect_tiktok().await;
    let account = s.import(ADVERTISER).await;
    Mock::given(method("GET"))
        .and(path("/open_api/v1.3/campaign/get/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("tiktok/campaigns.json")))
        .mount(&s.tiktok)
        .await;
    Mock::given(method("GET"))
        .and(path("/open_api/v1.3/report/integrated/get/"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"code": 0, "message": "OK",
            "data": {"list": [], "page_info": {"page": 1, "total_page": 0}}})),
        )
        .mount(&s.tiktok)
        .await;
    s.pass(account, "2026-12-03T12:00:00Z", quick())
        .await
        .unwrap();
    let campaign = repo::campaigns(s.db(), s.owner.company_id, account)
        .await
        .unwrap()[0]
        .id;
    Mock::given(method("POST"))
        .and(path("/open_api/v1.3/campaign/update/"))
        .and(header("access-token", TIKTOK_TOKEN))
        .and(wiremock::matchers::body_json(json!({
            "advertiser_id": ADVERTISER, "campaign_id": "1800000000000000001", "budget": 250.5})))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"code": 0, "message": "OK",
            "request_id": "2026120312", "data": {"campaign_id": "1800000000000000001"}})),
        )
        .expect(1)
        .mount(&s.tiktok)
        .await;
    Mock::given(method("POST"))
        .and(path("/open_api/v1.3/campaign/status/update/"))
        .and(wiremock::matchers::body_json(json!({
            "advertiser_id": ADVERTISER, "campaign_ids": ["1800000000000000001"], "operation_status": "DISABLE"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"code": 40002,
            "message": "The campaign is being reviewed and cannot be disabled.", "request_id": "2026120313", "data": {}})))
        .expect(1)
        .mount(&s.tiktok)
        .await;
    let meta = server::audit::RequestMeta::default();
    let ask = |wanted: Wanted, version: i64| {
        controls::request(
            s.db(),
            &s.app.state.config.app_secret_key,
            s.config(),
            &s.owner,
            &meta,
            ChangeInput {
                campaign_id: campaign,
                expected_version: version,
                request_id: Uuid::now_v7().to_string(),
                wanted,
            },
        )
    };
    assert!(matches!(
        ask(budget("49"), 0).await,
        Err(Error::Validation { field, .. }) if field == "budget"
    ));
    // 200.00 → 250.50 RON (+25 %).
    assert_eq!(ask(budget("250.50"), 0).await.unwrap().state, "applied");
    let refused = ask(Wanted::Pause, 1).await.unwrap();
    assert_eq!(refused.state, "failed");
    assert!(refused.platform_answer.unwrap().contains("being reviewed"));
    let c = &repo::campaigns(s.db(), s.owner.company_id, account)
        .await
        .unwrap()[0];
    assert_eq!(
        (c.status.as_str(), c.daily_budget_minor, c.version),
        ("ACTIVE", Some(25_050), 1)
    );
}
