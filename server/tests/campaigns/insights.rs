//! AI insights on campaigns, on both databases: the local analyser's honest rule-based
//! suggestions (no AI configured) and a provider run against a wiremock Anthropic (the Messages
//! API's tool-use shape) holding and settling tokens, with impossible suggestions dropped and a
//! failed call releasing its hold; applying through the controls, dismissing with a reason (fed
//! into the next prompt), expiry, a double click, permissions and tenancy.

use crate::ads::*;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::{json, Value};
use server::{
    audit::RequestMeta,
    billing::ledger,
    campaigns::{controls, insights, repo},
    Error,
};
use uuid::Uuid;
use wiremock::{
    matchers::{body_string_contains, method, path},
    Mock, MockServer, ResponseTemplate,
};

const C1_PATH: &str = "/v21.0/120210000000000001";

/// Seven days from `first` of 100.00 RON spent for one purchase worth 120.00 (ROAS 1.2).
async fn poor_week(s: &Ads, campaign: Uuid, first: &str) {
    for d in 0..7 {
        let day = first.parse::<NaiveDate>().unwrap() + Duration::days(d);
        server::with_db!(s.db(), |c| sqlx::query(
            "INSERT INTO ad_campaign_days (campaign_id, day, company_id, spend_minor, impressions, clicks, \
             conversions, purchase_value_minor, synced_at, reach) VALUES ($1, $2, $3, 10000, 5000, 60, 1, 12000, $4, 2000) \
             ON CONFLICT (campaign_id, day) DO UPDATE SET spend_minor = 10000, conversions = 1, purchase_value_minor = 12000"
        )
        .bind(campaign)
        .bind(day)
        .bind(s.owner.company_id)
        .bind(Utc::now())
        .execute(c)
        .await
        .map(drop))
        .unwrap();
    }
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

async fn run(s: &Ads, id: Uuid, now: &str) -> repo::RunRow {
    insights::run(
        s.db(),
        &s.app.state.config.app_secret_key,
        s.app.state.config.section::<server::ai::AiConfig>(),
        id,
        at(now),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn the_local_analyser_suggests_honestly_and_a_suggestion_is_applied_or_dismissed() {
    let s = setup().await;
    let (_, campaign) = s.synced_meta().await;
    poor_week(&s, campaign, "2026-11-26").await;
    let meta = RequestMeta::default();
    let viewer = s
        .app
        .add_member(&s.owner, "vic@example.com", "viewer", vec![])
        .await;
    assert!(matches!(
        insights::ask(s.db(), &viewer, &meta).await,
        Err(Error::Forbidden)
    ));
    let first = insights::ask(s.db(), &s.owner, &meta).await.unwrap();
    assert_eq!(
        insights::ask(s.db(), &s.owner, &meta).await.unwrap(),
        first,
        "one run at a time"
    );

    // 3 December, 10:00 in Bucharest: the week is 26 Nov – 2 Dec (today is not complete).
    let done = run(&s, first, "2026-12-03T08:00:00Z").await;
    assert_eq!(
        (
            done.state.as_str(),
            done.provider.as_deref(),
            done.tokens_charged,
            done.suggestions
        ),
        ("done", Some("local"), 0, 1)
    );
    let list = insights::list(s.db(), &viewer, None).await.unwrap();
    assert_eq!(list.len(), 1);
    let i = &list[0];
    assert_eq!(
        (i.kind.as_str(), i.status.as_str(), i.source.as_str()),
        ("budget", "pending", "local")
    );
    assert!(
        i.title.contains("ROAS 1.20 is below the target 2.00"),
        "{}",
        i.title
    );
    assert!(i.reasoning.contains("Rule-based"), "{}", i.reasoning);
    assert_eq!(
        (i.current_value.as_str(), i.suggested_value.as_str()),
        ("150.00 RON", "120.00 RON")
    );
    assert_eq!((i.suggested_budget_minor, i.confidence), (Some(12_000), 89));

    // Applied through the controls (a cut needs no approver), once.
    Mock::given(method("POST"))
        .and(path(C1_PATH))
        .and(body_string_contains("daily_budget=12000"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true})))
        .expect(1)
        .mount(&s.meta)
        .await;
    let apply = || {
        insights::apply(
            s.db(),
            &s.app.state.config.app_secret_key,
            s.config(),
            &s.owner,
            &meta,
            i.id,
        )
    };
    assert!(matches!(
        insights::apply(
            s.db(),
            &s.app.state.config.app_secret_key,
            s.config(),
            &viewer,
            &meta,
            i.id
        )
        .await,
        Err(Error::Forbidden)
    ));
    let change = apply().await.unwrap();
    assert_eq!(change.state, "applied");
    assert_eq!(
        apply().await.unwrap().id,
        change.id,
        "a second click answers the same change"
    );
    let applied = &insights::list(s.db(), &s.owner, Some(campaign))
        .await
        .unwrap()[0];
    assert_eq!(
        (applied.status.as_str(), applied.change_id),
        ("applied", Some(change.id))
    );

    // The next run suggests another cut (the figures did not change); dismissed with a reason.
    let second = insights::ask(s.db(), &s.owner, &meta).await.unwrap();
    assert_ne!(second, first);
    run(&s, second, "2026-12-03T09:00:00Z").await;
    let newest = insights::list(s.db(), &s.owner, Some(campaign))
        .await
        .unwrap()
        .remove(0);
    assert_eq!(
        (newest.status.as_str(), newest.suggested_budget_minor),
        ("pending", Some(9_600))
    );
    assert!(matches!(
        insights::dismiss(s.db(), &s.owner, &meta, newest.id, " ").await,
        Err(Error::Validation { field, .. }) if field == "reason"
    ));
    insights::dismiss(
        s.db(),
        &s.owner,
        &meta,
        newest.id,
        "Black Friday week, expected",
    )
    .await
    .unwrap();
    assert!(matches!(
        insights::dismiss(s.db(), &s.owner, &meta, newest.id, "again").await,
        Err(Error::Conflict(_))
    ));
    assert!(matches!(
        apply_of(&s, &meta, newest.id).await,
        Err(Error::Conflict(_))
    ));

    // A run long ago: its suggestion has expired by now and can no longer be applied.
    poor_week(&s, campaign, "2026-11-10").await;
    let old = insights::ask(s.db(), &s.owner, &meta).await.unwrap();
    run(&s, old, "2026-11-17T08:00:00Z").await;
    let rows = insights::list(s.db(), &s.owner, None).await.unwrap();
    assert!(
        rows.iter().any(|r| r.status == "expired"),
        "{:?}",
        rows.iter().map(|r| &r.status).collect::<Vec<_>>()
    );

    // Another company sees none of it.
    let rival = s.app.sign_up("Rival SRL", "Rita", "rita@example.com").await;
    assert!(insights::list(s.db(), &rival, None)
        .await
        .unwrap()
        .is_empty());
    assert!(matches!(
        apply_of_as(&s, &rival, &meta, i.id).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        insights::dismiss(s.db(), &rival, &meta, i.id, "not mine").await,
        Err(Error::NotFound)
    ));
}

async fn apply_of(s: &Ads, meta: &RequestMeta, id: Uuid) -> server::Result<repo::ChangeRow> {
    apply_of_as(s, &s.owner, meta, id).await
}

async fn apply_of_as(
    s: &Ads,
    who: &server::access::Principal,
    meta: &RequestMeta,
    id: Uuid,
) -> server::Result<repo::ChangeRow> {
    insights::apply(
        s.db(),
        &s.app.state.config.app_secret_key,
        s.config(),
        who,
        meta,
        id,
    )
    .await
}

fn claude(suggestions: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "id": "msg_01", "type": "message", "role": "assistant", "model": "claude-sonnet-4-20250514",
        "content": [{ "type": "tool_use", "id": "toolu_01", "name": "campaign_suggestions", "input": { "suggestions": suggestions } }],
        "stop_reason": "tool_use",
        "usage": { "input_tokens": 3000, "output_tokens": 500 }
    }))
}

#[tokio::test]
async fn a_provider_run_holds_and_settles_tokens_and_drops_impossible_suggestions() {
    let ai = MockServer::start().await;
    let base = ai.uri();
    let s = setup_with(&[
        ("ANTHROPIC_API_KEY", "sk-ant-test"),
        ("ANTHROPIC_BASE_URL", base.as_str()),
        ("ANALYSIS_PROVIDER_ATTEMPTS", "1"),
        ("ANALYSIS_PROVIDER_BACKOFF_MS", "10"),
    ])
    .await;
    let (_, campaign) = s.synced_meta().await;
    let meta = RequestMeta::default();

    // No tokens: the run fails and says why; nothing is asked of the provider.
    let broke = insights::ask(s.db(), &s.owner, &meta).await.unwrap();
    let failed = run(&s, broke, "2026-12-03T08:00:00Z").await;
    assert_eq!(failed.state, "failed");
    assert!(failed.error.unwrap().contains("Not enough tokens"));

    server::billing::grant(
        s.db(),
        &s.owner,
        &meta,
        s.owner.company_id,
        20_000,
        "insights test",
    )
    .await
    .unwrap();
    let c1 = campaign.to_string();
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .and(body_string_contains(c1.as_str()))
        .respond_with(claude(json!([
            { "campaign_id": c1, "kind": "budget", "title": "Raise the budget by 20 %", "reasoning": "ROAS 5.4 over 3 days.",
              "suggested_daily_budget": 180.0, "suggested_status": null, "confidence": 72, "impact": "about 4 more purchases a week" },
            { "campaign_id": c1, "kind": "status", "title": "Pause", "reasoning": "A repeat for the same campaign.",
              "suggested_daily_budget": null, "suggested_status": "PAUSED", "confidence": 10, "impact": "none" },
            { "campaign_id": Uuid::now_v7().to_string(), "kind": "status", "title": "Pause another company's campaign", "reasoning": "x",
              "suggested_daily_budget": null, "suggested_status": "PAUSED", "confidence": 99, "impact": "x" }
        ])))
        .expect(1)
        .mount(&ai)
        .await;
    let id = insights::ask(s.db(), &s.owner, &meta).await.unwrap();
    let done = run(&s, id, "2026-12-03T08:00:00Z").await;
    assert_eq!(
        (
            done.state.as_str(),
            done.provider.as_deref(),
            done.suggestions
        ),
        ("done", Some("anthropic"), 1)
    );
    assert_eq!(done.tokens_charged, 3_500);
    assert_eq!(
        ledger::balance(s.db(), s.owner.company_id).await.unwrap(),
        20_000 - 3_500
    );
    let i = insights::list(s.db(), &s.owner, Some(campaign))
        .await
        .unwrap()
        .remove(0);
    assert_eq!(
        (i.source.as_str(), i.suggested_budget_minor, i.confidence),
        ("anthropic", Some(18_000), 72)
    );
    // The prompt carried the campaign's figures and the target.
    let asked: Value =
        serde_json::from_slice(&ai.received_requests().await.unwrap()[0].body).unwrap();
    let user = asked["messages"][0]["content"].as_str().unwrap();
    assert!(
        user.contains("\"target_roas\":2.0") && user.contains("Winter sale"),
        "{user}"
    );
    assert_eq!(asked["tool_choice"]["name"], "campaign_suggestions");

    // Applied, the rise waits for an approver (it goes above the company's cap of 170.00 RON);
    // the approver rejects it, which answers the suggestion too, and the next prompt carries the
    // reason. The provider then fails: the hold goes back.
    controls::set_budget_cap(s.db(), &s.owner, &meta, "RON", "170")
        .await
        .unwrap();
    let change = insights::apply(
        s.db(),
        &s.app.state.config.app_secret_key,
        s.config(),
        &s.owner,
        &meta,
        i.id,
    )
    .await
    .unwrap();
    assert_eq!(change.state, "pending");
    let admin = s
        .app
        .add_member(&s.owner, "ann@example.com", "admin", vec![])
        .await;
    controls::reject(s.db(), &admin, &meta, change.id, "No rises before the sale")
        .await
        .unwrap();
    let answered = insights::list(s.db(), &s.owner, Some(campaign))
        .await
        .unwrap()
        .remove(0);
    assert_eq!(answered.status, "dismissed");
    assert!(answered
        .dismiss_reason
        .unwrap()
        .contains("No rises before the sale"));
    ai.reset().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(ResponseTemplate::new(500).set_body_string("overloaded"))
        .mount(&ai)
        .await;
    let id = insights::ask(s.db(), &s.owner, &meta).await.unwrap();
    let failed = run(&s, id, "2026-12-03T09:00:00Z").await;
    assert_eq!(failed.state, "failed");
    assert!(failed.error.unwrap().contains("did not answer usably"));
    assert_eq!(
        ledger::balance(s.db(), s.owner.company_id).await.unwrap(),
        20_000 - 3_500
    );
    let asked: Value =
        serde_json::from_slice(&ai.received_requests().await.unwrap()[0].body).unwrap();
    assert!(asked["messages"][0]["content"]
        .as_str()
        .unwrap()
        .contains("No rises before the sale"));
}
