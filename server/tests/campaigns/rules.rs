//! Alert rules against the platforms' stand-ins, on both databases, with the clock moved by the
//! test: AND and OR over windows of days, pause and budget cuts written to Meta once per window
//! and then resting 24 hours, the rollback after the rule's hours (skipped when a person changed
//! the campaign since, never when kept), notifications through the outbox, a dry run, a platform
//! refusal, permissions and tenancy.
//!
//! The synced figures (fixtures/meta) for campaign 1 over 1–3 December: spend 353.37 RON,
//! 14 purchases (CPA 25.24), purchase value 1,901.50 (ROAS 5.38), 45,261 impressions for
//! 23,720 people reached (frequency 1.91); today (3 December) 61.00 RON of a 150.00 budget.

use crate::ads::*;
use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use server::{
    access::Principal,
    audit::RequestMeta,
    campaigns::{
        controls::{self, ChangeInput, Wanted},
        repo,
        rules::{self, ConditionInput, RuleInput},
    },
    Error,
};
use uuid::Uuid;
use wiremock::{
    matchers::{body_string_contains, method, path},
    Mock, MockServer, ResponseTemplate,
};

const C1_PATH: &str = "/v21.0/120210000000000001";
const NOON: &str = "2026-12-03T12:00:00Z";

struct World {
    s: Ads,
    account: Uuid,
    campaign: Uuid,
}

async fn world() -> World {
    let s = setup().await;
    let (account, campaign) = s.synced_meta().await;
    World {
        s,
        account,
        campaign,
    }
}

async fn meta_accepts(server: &MockServer, field: &str, times: u64) {
    Mock::given(method("POST"))
        .and(path(C1_PATH))
        .and(body_string_contains(field))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true})))
        .expect(times)
        .named(field)
        .mount(server)
        .await;
}

fn cond(metric: &str, op: &str, value: &str, days: &str) -> ConditionInput {
    ConditionInput {
        metric: metric.into(),
        op: op.into(),
        value: value.into(),
        days: days.into(),
    }
}

fn rule(
    name: &str,
    combine: &str,
    conditions: Vec<ConditionInput>,
    action: &str,
    percent: &str,
    hours: &str,
) -> RuleInput {
    RuleInput {
        name: name.into(),
        combine: combine.into(),
        conditions,
        action: action.into(),
        reduce_percent: percent.into(),
        rollback_hours: hours.into(),
    }
}

impl World {
    async fn create(&self, who: &Principal, input: RuleInput) -> server::Result<Uuid> {
        rules::create(self.s.db(), who, &RequestMeta::default(), &input).await
    }

    async fn evaluate(&self, at: DateTime<Utc>) -> rules::Evaluation {
        rules::evaluate(
            self.s.db(),
            &self.s.app.state.config.app_secret_key,
            self.s.config(),
            &self.s.app.state.config.public_url,
            at,
        )
        .await
        .unwrap()
    }

    async fn rollback(&self, at: DateTime<Utc>) -> usize {
        rules::rollback_due(
            self.s.db(),
            &self.s.app.state.config.app_secret_key,
            self.s.config(),
            at,
        )
        .await
        .unwrap()
    }

    async fn campaign(&self) -> (String, Option<i64>, i64) {
        let c = repo::campaigns(self.s.db(), self.s.owner.company_id, self.account)
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.id == self.campaign)
            .unwrap();
        (c.status, c.daily_budget_minor, c.version)
    }

    async fn firings(&self) -> Vec<repo::FiringRow> {
        rules::firings(self.s.db(), &self.s.owner, Some(self.campaign))
            .await
            .unwrap()
    }

    async fn alert_mails(&self) -> i64 {
        server::with_db!(self.s.db(), |c| sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM outbox WHERE kind = 'ad_rule_fired'"
        )
        .fetch_one(c)
        .await)
        .unwrap()
    }
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

#[tokio::test]
async fn an_and_rule_pauses_once_per_window_and_is_undone_after_its_hours() {
    let w = world().await;
    let input = rule(
        "Costly sales",
        "all",
        vec![cond("cpa", ">", "20", "3"), cond("spend", ">=", "300", "3")],
        "pause",
        "",
        "6",
    );
    // The dry run says what would happen now, and changes nothing.
    let dry = rules::dry_run(w.s.db(), &w.s.owner, &input, at(NOON))
        .await
        .unwrap();
    assert_eq!(dry.len(), 1, "only the active campaign is watched: {dry:?}");
    assert!(dry[0].fires);
    assert!(
        dry[0].summary.contains("CPA 3 days 25.24 RON > 20.00 RON"),
        "{}",
        dry[0].summary
    );
    assert!(
        dry[0]
            .summary
            .contains("Spend 3 days 353.37 RON ≥ 300.00 RON"),
        "{}",
        dry[0].summary
    );
    let mut stricter = input.clone();
    stricter.conditions[0].value = "30".into();
    let dry = rules::dry_run(w.s.db(), &w.s.owner, &stricter, at(NOON))
        .await
        .unwrap();
    assert!(!dry[0].fires);
    assert!(dry[0].summary.contains("(not met)"));
    assert!(w.firings().await.is_empty());

    let rule_id = w.create(&w.s.owner, input).await.unwrap();
    // An endpoint that chose alerts gets a delivery of each firing (written with the firing).
    let state = &w.s.app.state;
    server::api::webhooks::create_endpoint(
        w.s.db(),
        state.config.section::<server::api::config::ApiConfig>(),
        &state.config.app_secret_key,
        &w.s.owner,
        &server::audit::RequestMeta::default(),
        &server::api::webhooks::EndpointInput {
            url: "https://hooks.example.com/ads".into(),
            description: String::new(),
            events: vec!["campaign.alert_fired".into()],
        },
    )
    .await
    .unwrap();
    meta_accepts(&w.s.meta, "status=PAUSED", 1).await;
    meta_accepts(&w.s.meta, "status=ACTIVE", 1).await;
    // Meta is down for the first try of the rollback.
    Mock::given(method("POST"))
        .and(path(C1_PATH))
        .and(body_string_contains("status=ACTIVE"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&w.s.meta)
        .await;
    assert_eq!(
        w.evaluate(at(NOON)).await,
        rules::Evaluation {
            fired: 1,
            failed: 0
        }
    );
    assert_eq!(w.campaign().await.0, "PAUSED");
    let f = &w.firings().await[0];
    assert_eq!((f.outcome.as_str(), f.action.as_str()), ("done", "pause"));
    assert_eq!(f.rollback_due_at, Some(at("2026-12-03T18:00:00Z")));
    assert_eq!(w.alert_mails().await, 1);
    // The same window, run again (a second instance, a retried job): nothing more.
    let alerts: Vec<String> = server::with_db!(w.s.db(), |p| sqlx::query_scalar(
        "SELECT payload FROM webhook_deliveries WHERE event_type = 'campaign.alert_fired'"
    )
    .fetch_all(p)
    .await)
    .unwrap();
    assert_eq!(alerts.len(), 1);
    let alert: serde_json::Value = serde_json::from_str(&alerts[0]).unwrap();
    assert_eq!(alert["data"]["rule_id"], rule_id.to_string());
    assert_eq!(alert["data"]["action"], "pause");
    assert_eq!(w.evaluate(at("2026-12-03T12:05:00Z")).await.fired, 0);

    // The rule cannot be deleted while its pause waits to be undone.
    let meta = RequestMeta::default();
    assert!(matches!(
        rules::delete(w.s.db(), &w.s.owner, &meta, rule_id).await,
        Err(Error::Conflict(_))
    ));
    // Not yet; then Meta is down (tried again an hour later), then undone once.
    assert_eq!(w.rollback(at("2026-12-03T17:59:59Z")).await, 0);
    assert_eq!(w.rollback(at("2026-12-03T18:00:00Z")).await, 0);
    let f = &w.firings().await[0];
    assert!(
        f.rollback_note
            .as_deref()
            .unwrap()
            .contains("not undone yet"),
        "{:?}",
        f.rollback_note
    );
    assert_eq!(w.campaign().await.0, "PAUSED");
    assert_eq!(w.rollback(at("2026-12-03T19:00:00Z")).await, 1);
    assert_eq!(w.campaign().await.0, "ACTIVE");
    let f = &w.firings().await[0];
    assert_eq!(f.rollback_note.as_deref(), Some("undone"));
    assert_eq!(w.rollback(at("2026-12-03T20:00:00Z")).await, 0);
    // Active again, but the rule rests 24 hours for this campaign.
    assert_eq!(w.evaluate(at("2026-12-03T19:00:00Z")).await.fired, 0);
    // Its rollback done, the rule may go.
    rules::delete(w.s.db(), &w.s.owner, &meta, rule_id)
        .await
        .unwrap();
    let changes = repo::changes(w.s.db(), w.s.owner.company_id, Some(w.campaign), None)
        .await
        .unwrap();
    let sources: Vec<&str> = changes.iter().map(|c| c.source.as_str()).collect();
    assert_eq!(sources, vec!["rollback", "rollback", "rule"]);
}

#[tokio::test]
async fn an_or_rule_cuts_the_budget_and_a_persons_change_since_blocks_the_rollback() {
    let w = world().await;
    w.create(
        &w.s.owner,
        rule(
            "Tired audience",
            "any",
            vec![
                cond("roas", "<", "1", "3"),
                cond("frequency", ">", "1.5", "3"),
            ],
            "reduce_budget",
            "20",
            "2",
        ),
    )
    .await
    .unwrap();
    meta_accepts(&w.s.meta, "daily_budget=12000", 1).await;
    meta_accepts(&w.s.meta, "daily_budget=13000", 1).await;
    meta_accepts(&w.s.meta, "daily_budget=15000", 0).await;
    assert_eq!(w.evaluate(at(NOON)).await.fired, 1);
    let (_, budget, version) = w.campaign().await;
    assert_eq!(budget, Some(12_000));
    let summary = &w.firings().await[0].summary;
    assert!(
        summary.contains("ROAS 3 days 5.38 < 1.00 (not met) or Frequency 3 days 1.91 > 1.50"),
        "{summary}"
    );

    // Someone sets 130 RON meanwhile: the rollback leaves their budget alone.
    controls::request(
        w.s.db(),
        &w.s.app.state.config.app_secret_key,
        w.s.config(),
        &w.s.owner,
        &RequestMeta::default(),
        ChangeInput {
            campaign_id: w.campaign,
            expected_version: version,
            request_id: Uuid::now_v7().to_string(),
            wanted: Wanted::DailyBudget("130".into()),
        },
    )
    .await
    .unwrap();
    assert_eq!(w.rollback(at(NOON) + Duration::hours(2)).await, 0);
    assert_eq!(w.campaign().await.1, Some(13_000));
    let note = w.firings().await[0].rollback_note.clone().unwrap();
    assert!(note.contains("changed since"), "{note}");
}

#[tokio::test]
async fn a_kept_action_stays_a_notice_changes_nothing_and_a_refusal_is_recorded() {
    let w = world().await;
    // Pacing today: 61.00 of an even 87.50 by 14:00 in Bucharest (69.7 %).
    w.create(
        &w.s.owner,
        rule(
            "Slow day",
            "all",
            vec![cond("pacing", "<", "80", "")],
            "notify",
            "",
            "",
        ),
    )
    .await
    .unwrap();
    let pause = w
        .create(
            &w.s.owner,
            rule(
                "Stop",
                "all",
                vec![cond("spend", ">", "50", "3")],
                "pause",
                "",
                "1",
            ),
        )
        .await
        .unwrap();
    meta_accepts(&w.s.meta, "status=PAUSED", 1).await;
    meta_accepts(&w.s.meta, "status=ACTIVE", 0).await;
    assert_eq!(w.evaluate(at(NOON)).await.fired, 2);
    let firings = w.firings().await;
    let notice = firings.iter().find(|f| f.action == "notify").unwrap();
    assert!(
        notice.summary.contains("Pacing today 69.7 % < 80.0 %"),
        "{}",
        notice.summary
    );
    assert_eq!((notice.outcome.as_str(), notice.change_id), ("done", None));
    assert_eq!(w.alert_mails().await, 2);

    // Kept by a person: never undone; keeping twice, or a rival keeping, is refused.
    let paused = firings.iter().find(|f| f.rule_id == pause).unwrap();
    let meta = RequestMeta::default();
    let rival =
        w.s.app
            .sign_up("Rival SRL", "Rita", "rita@example.com")
            .await;
    assert!(matches!(
        rules::keep(w.s.db(), &rival, &meta, paused.id).await,
        Err(Error::Conflict(_))
    ));
    rules::keep(w.s.db(), &w.s.owner, &meta, paused.id)
        .await
        .unwrap();
    assert!(matches!(
        rules::keep(w.s.db(), &w.s.owner, &meta, paused.id).await,
        Err(Error::Conflict(_))
    ));
    assert_eq!(w.rollback(at(NOON) + Duration::hours(5)).await, 0);
    assert_eq!(w.campaign().await.0, "PAUSED");
    assert_eq!(w.s.app.audit_count("AD_RULE_ACTION_KEPT").await, 1);

    // The next day the campaign is active again and Meta refuses the pause: recorded, counted.
    server::with_db!(w.s.db(), |c| sqlx::query(
        "UPDATE ad_campaigns SET status = 'ACTIVE'"
    )
    .execute(c)
    .await
    .map(drop))
    .unwrap();
    w.s.meta.reset().await;
    Mock::given(method("POST"))
        .and(path(C1_PATH))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": {
            "message": "(#100) This campaign is in review and cannot be paused.", "code": 100}})))
        .mount(&w.s.meta)
        .await;
    let next_day = at("2026-12-04T13:00:00Z");
    let failed = w.evaluate(next_day).await;
    // A day and an hour later both rules have rested their 24 hours: the notice goes out again
    // (nothing spent yet today), the pause fails.
    assert_eq!(
        failed,
        rules::Evaluation {
            fired: 2,
            failed: 1
        }
    );
    let f = w
        .firings()
        .await
        .into_iter()
        .find(|f| f.outcome == "failed")
        .unwrap();
    assert!(f.note.unwrap().contains("in review"));
    assert_eq!(w.campaign().await.0, "ACTIVE");
}

#[tokio::test]
async fn rules_are_the_companys_own_and_need_campaigns_manage() {
    let w = world().await;
    let viewer =
        w.s.app
            .add_member(&w.s.owner, "vic@example.com", "viewer", vec![])
            .await;
    let input = rule(
        "Any spend",
        "all",
        vec![cond("spend", ">", "1", "1")],
        "notify",
        "",
        "",
    );
    assert!(matches!(
        w.create(&viewer, input.clone()).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        rules::dry_run(w.s.db(), &viewer, &input, at(NOON)).await,
        Err(Error::Forbidden)
    ));
    let mut bad = input.clone();
    bad.conditions[0].days = "0".into();
    assert!(
        matches!(w.create(&w.s.owner, bad).await, Err(Error::Validation { field, .. }) if field == "conditions.0.days")
    );
    let id = w.create(&w.s.owner, input).await.unwrap();
    assert_eq!(rules::list(w.s.db(), &viewer).await.unwrap().len(), 1);
    let rival =
        w.s.app
            .sign_up("Rival SRL", "Rita", "rita@example.com")
            .await;
    assert!(rules::list(w.s.db(), &rival).await.unwrap().is_empty());
    let meta = RequestMeta::default();
    assert!(matches!(
        rules::set_enabled(w.s.db(), &rival, &meta, id, false).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        rules::delete(w.s.db(), &rival, &meta, id).await,
        Err(Error::NotFound)
    ));
    // Turned off, it does not fire; on again, it does.
    rules::set_enabled(w.s.db(), &w.s.owner, &meta, id, false)
        .await
        .unwrap();
    assert_eq!(w.evaluate(at(NOON)).await.fired, 0);
    rules::set_enabled(w.s.db(), &w.s.owner, &meta, id, true)
        .await
        .unwrap();
    assert_eq!(w.evaluate(at(NOON)).await.fired, 1);
    rules::delete(w.s.db(), &w.s.owner, &meta, id)
        .await
        .unwrap();
    assert!(w.firings().await.is_empty());
    assert_eq!(w.s.app.count("ad_changes").await, 0);
}
