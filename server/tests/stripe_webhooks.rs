//! POST /webhooks/stripe on both databases: signature negatives, redelivery and concurrency
//! (one credit per event), every fact's effect, and a database that cannot record the event.

mod common;

use std::sync::Arc;

use common::*;
use server::{
    billing::{ledger, stripe::SessionFacts},
    jobs::run_until_empty,
};
use stripe_webhook::Webhook;
use uuid::Uuid;

const SECRET: &str = "whsec_test_switchyard";

async fn billing_app() -> TestApp {
    let app = spawn_app_with(&[
        ("STRIPE_SECRET_KEY", "sk_test_switchyard"),
        ("STRIPE_WEBHOOK_SECRET", SECRET),
        // Nothing listens here: these tests never call Stripe.
        ("STRIPE_API_BASE", "http://127.0.0.1:9"),
    ])
    .await;
    app.setup("ada@example.com").await;
    app
}

fn session_completed(
    event_id: &str,
    session_id: &str,
    company: &str,
    pack: &str,
    amount: i64,
) -> String {
    serde_json::json!({
        "id": event_id, "object": "event", "type": "checkout.session.completed",
        "api_version": "2026-09-30.endive", "created": chrono::Utc::now().timestamp(),
        "livemode": false, "pending_webhooks": 1,
        "data": { "object": {
            "id": session_id, "object": "checkout.session", "automatic_tax": { "enabled": false },
            "created": 1_700_000_000, "custom_fields": [], "custom_text": {},
            "expires_at": 1_900_000_000, "livemode": false, "mode": "payment",
            "payment_method_types": ["card"], "payment_status": "paid", "status": "complete",
            "shipping_options": [], "amount_total": amount, "currency": "usd",
            "client_reference_id": company, "metadata": { "company_id": company, "pack": pack },
            "payment_intent": format!("pi_{session_id}")
        }}
    })
    .to_string()
}

fn charge_refunded(event_id: &str, session_id: &str, amount: i64, refunded: i64) -> String {
    charge_event("charge.refunded", event_id, session_id, amount, refunded)
}

/// A charge.* event for the payment of `session_id`'s Checkout Session, with its receipt.
fn charge_event(
    kind: &str,
    event_id: &str,
    session_id: &str,
    amount: i64,
    refunded: i64,
) -> String {
    serde_json::json!({
        "id": event_id, "object": "event", "type": kind,
        "created": chrono::Utc::now().timestamp(), "livemode": false, "pending_webhooks": 1,
        "data": { "object": {
            "id": format!("ch_{session_id}"), "object": "charge", "amount": amount,
            "amount_captured": amount, "amount_refunded": refunded, "billing_details": {},
            "captured": true, "created": 1_700_000_000, "currency": "usd", "disputed": false,
            "livemode": false, "metadata": {}, "paid": true, "refunded": refunded >= amount,
            "status": "succeeded", "payment_intent": format!("pi_{session_id}"),
            "receipt_url": format!("https://pay.stripe.com/receipts/{session_id}")
        }}
    })
    .to_string()
}

fn signed(body: &str) -> String {
    Webhook::generate_test_header(body, SECRET, None)
}

async fn deliver(
    client: &reqwest::Client,
    app: &TestApp,
    body: &str,
    signature: Option<&str>,
) -> u16 {
    let mut req = client
        .post(app.url("/webhooks/stripe"))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(sig) = signature {
        req = req.header("stripe-signature", sig);
    }
    req.send().await.unwrap().status().as_u16()
}

async fn run_jobs(app: &TestApp) -> usize {
    run_until_empty(&app.state.job_context(), &server::areas::jobs())
        .await
        .unwrap()
}

/// (clawed_back, shortfall, status) of the purchase of a Checkout Session.
async fn purchase_state(app: &TestApp, session: &str) -> (i64, i64, String) {
    server::with_db!(&app.state.db, |p| sqlx::query_as(
        "SELECT clawed_back, shortfall, status FROM token_purchases WHERE checkout_session_id = $1"
    )
    .bind(session)
    .fetch_one(p)
    .await)
    .unwrap()
}

async fn count_where(app: &TestApp, sql: &str) -> i64 {
    server::with_db!(&app.state.db, |p| sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(p)
        .await)
    .unwrap()
}

#[tokio::test]
async fn forged_stale_or_altered_events_are_refused_and_change_nothing() {
    let app = billing_app().await;
    let company = app
        .principal("ada@example.com")
        .await
        .company_id
        .to_string();
    let body = session_completed("evt_sig", "cs_sig", &company, "starter", 2500);
    let now = chrono::Utc::now().timestamp();
    let good = Webhook::generate_test_header(&body, SECRET, Some(now));
    let v1 = good.split_once(",v1=").unwrap().1.to_string();
    let reserialised =
        serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(&body).unwrap())
            .unwrap();
    let with = |t: i64| Webhook::generate_test_header(&body, SECRET, Some(t));
    let other_secret = |t: i64| Webhook::generate_test_header(&body, "whsec_other", Some(t));
    // One hex digit changed.
    let flipped = {
        let mut b = v1.clone().into_bytes();
        b[10] = if b[10] == b'0' { b'1' } else { b'0' };
        String::from_utf8(b).unwrap()
    };
    let cases: Vec<(&str, String, Option<String>)> = vec![
        ("no header", body.clone(), None),
        ("empty header", body.clone(), Some(String::new())),
        ("garbage header", body.clone(), Some("nonsense".into())),
        ("wrong secret", body.clone(), Some(other_secret(now))),
        (
            "secret without prefix",
            body.clone(),
            Some(Webhook::generate_test_header(
                &body,
                "test_switchyard",
                Some(now),
            )),
        ),
        (
            "one character changed",
            body.replacen("2500", "2501", 1),
            Some(good.clone()),
        ),
        ("re-serialised body", reserialised, Some(good.clone())),
        ("trailing newline", format!("{body}\n"), Some(good.clone())),
        ("leading space", format!(" {body}"), Some(good.clone())),
        ("empty body", String::new(), Some(good.clone())),
        (
            "another event's body",
            session_completed("evt_x", "cs_x", &company, "starter", 2500),
            Some(good.clone()),
        ),
        ("301 s old", body.clone(), Some(with(now - 301))),
        ("an hour old", body.clone(), Some(with(now - 3600))),
        ("a day ahead", body.clone(), Some(with(now + 86_400))),
        (
            "timestamp replaced",
            body.clone(),
            Some(format!("t={},v1={v1}", now - 1)),
        ),
        (
            "timestamp not a number",
            body.clone(),
            Some(format!("t=abc,v1={v1}")),
        ),
        ("no timestamp", body.clone(), Some(format!("v1={v1}"))),
        ("timestamp only", body.clone(), Some(format!("t={now}"))),
        ("v0 only", body.clone(), Some(format!("t={now},v0={v1}"))),
        (
            "signature not hex",
            body.clone(),
            Some(format!("t={now},v1=zz{}", &v1[2..])),
        ),
        (
            "signature truncated",
            body.clone(),
            Some(format!("t={now},v1={}", &v1[..32])),
        ),
        (
            "signature extended",
            body.clone(),
            Some(format!("t={now},v1={v1}00")),
        ),
        (
            "one digit of the signature changed",
            body.clone(),
            Some(format!("t={now},v1={flipped}")),
        ),
        (
            "signature zeroed",
            body.clone(),
            Some(format!("t={now},v1={}", "0".repeat(64))),
        ),
        (
            "only wrong v1s",
            body.clone(),
            Some(format!(
                "t={now},v1={},v1={}",
                "0".repeat(64),
                "1".repeat(64)
            )),
        ),
        (
            "space after comma",
            body.clone(),
            Some(format!("t={now}, v1={v1}")),
        ),
        (
            "V1 in capitals",
            body.clone(),
            Some(format!("t={now},V1={v1}")),
        ),
        (
            "stale with a good v1 for another time",
            body.clone(),
            Some(format!("t={},v1={v1}", now - 400)),
        ),
        (
            "signature of another body",
            body.clone(),
            Some(signed(&charge_refunded("evt_r", "cs_r", 2500, 2500))),
        ),
        (
            "not JSON but signed",
            "not json".into(),
            Some(signed("not json")),
        ),
        (
            "signed JSON without an id",
            "{\"type\":\"x\"}".into(),
            Some(signed("{\"type\":\"x\"}")),
        ),
    ];
    assert!(cases.len() >= 30);
    for (name, body, sig) in &cases {
        let status = deliver(&app.client, &app, body, sig.as_deref()).await;
        assert_eq!(status, 400, "{name}");
    }
    // Just over the tolerance ahead, signed at the moment of sending (whole seconds: one more
    // than 301 so the time the request takes cannot bring it back within 300 s).
    let ahead =
        Webhook::generate_test_header(&body, SECRET, Some(chrono::Utc::now().timestamp() + 302));
    assert_eq!(
        deliver(&app.client, &app, &body, Some(&ahead)).await,
        400,
        "302 s ahead"
    );
    // Not UTF-8 at all.
    let res = app
        .client
        .post(app.url("/webhooks/stripe"))
        .header("stripe-signature", good.clone())
        .body(vec![0xff, 0xfe, 0x00])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);
    assert_eq!(app.count("stripe_events").await, 0, "nothing recorded");
    assert_eq!(run_jobs(&app).await, 0);
    let company_id = Uuid::parse_str(&company).unwrap();
    assert_eq!(ledger::balance(&app.state.db, company_id).await.unwrap(), 0);

    // The real one passes, also among other v1 values and at 290 s.
    let several = format!("t={now},v1={},v1={v1}", "0".repeat(64));
    assert_eq!(deliver(&app.client, &app, &body, Some(&several)).await, 200);
    let edge = Webhook::generate_test_header(&body, SECRET, Some(now - 290));
    assert_eq!(deliver(&app.client, &app, &body, Some(&edge)).await, 200);
    run_jobs(&app).await;
    assert_eq!(
        ledger::balance(&app.state.db, company_id).await.unwrap(),
        50_000
    );
}

#[tokio::test]
async fn a_thousand_events_delivered_three_times_and_fifty_ways_at_once_credit_once_each() {
    let app = billing_app().await;
    let company = app.principal("ada@example.com").await.company_id;
    let bodies: Vec<String> = (0..1000)
        .map(|i| {
            session_completed(
                &format!("evt_{i}"),
                &format!("cs_{i}"),
                &company.to_string(),
                "starter",
                2500,
            )
        })
        .collect();
    // Events 0..10 arrive 50 times at once; every other event three times, interleaved.
    let mut deliveries: Vec<usize> = Vec::new();
    for i in 0..10 {
        deliveries.extend(std::iter::repeat_n(i, 50));
    }
    for round in 0..3 {
        for i in 10..1000 {
            deliveries.push(if round == 1 { 999 - (i - 10) } else { i });
        }
    }
    let bodies = Arc::new(bodies);
    let limit = Arc::new(tokio::sync::Semaphore::new(50));
    let mut set = tokio::task::JoinSet::new();
    for i in deliveries.clone() {
        let (bodies, limit, client, url) = (
            bodies.clone(),
            limit.clone(),
            app.client.clone(),
            app.url("/webhooks/stripe"),
        );
        set.spawn(async move {
            let _permit = limit.acquire().await.unwrap();
            let body = &bodies[i];
            client
                .post(url)
                .header("stripe-signature", signed(body))
                .body(body.clone())
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        });
    }
    let mut statuses = std::collections::BTreeMap::new();
    while let Some(status) = set.join_next().await {
        *statuses.entry(status.unwrap()).or_insert(0) += 1;
    }
    assert_eq!(
        statuses,
        std::collections::BTreeMap::from([(200, deliveries.len())])
    );
    assert_eq!(app.count("stripe_events").await, 1000);
    assert_eq!(run_jobs(&app).await, 1000, "one job per event");
    // The success page may try too: still one credit.
    let config = app
        .state
        .config
        .section::<server::billing::packs::BillingConfig>();
    let again = SessionFacts {
        session_id: "cs_7".into(),
        url: None,
        paid: true,
        company_id: Some(company.to_string()),
        pack: Some("starter".into()),
        amount_total: Some(2500),
        currency: Some("usd".into()),
        payment_intent: None,
    };
    assert_eq!(
        server::billing::purchases::credit_checkout(&app.state.db, config, &again)
            .await
            .unwrap(),
        server::billing::purchases::Credit::AlreadyCredited
    );
    let credits = count_where(
        &app,
        "SELECT COUNT(*) FROM token_transactions WHERE kind = 'purchase'",
    )
    .await;
    assert_eq!(credits, 1000);
    assert_eq!(
        ledger::balance(&app.state.db, company).await.unwrap(),
        1000 * 50_000
    );
    assert_eq!(
        count_where(
            &app,
            "SELECT COUNT(*) FROM token_purchases WHERE status = 'paid'"
        )
        .await,
        1000
    );
    assert_eq!(
        count_where(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'TOKENS_PURCHASED'"
        )
        .await,
        1000
    );
}

#[tokio::test]
async fn only_a_matching_paid_session_of_a_known_company_is_credited() {
    let app = billing_app().await;
    let company = app.principal("ada@example.com").await.company_id;
    let c = company.to_string();
    let cases = [
        ("evt_unknown_company", session_completed("evt_unknown_company", "cs_a", &Uuid::new_v4().to_string(), "starter", 2500)),
        ("evt_bad_amount", session_completed("evt_bad_amount", "cs_b", &c, "professional", 2500)),
        ("evt_unknown_pack", session_completed("evt_unknown_pack", "cs_c", &c, "mega", 2500)),
        ("evt_unpaid", session_completed("evt_unpaid", "cs_d", &c, "starter", 2500).replace("\"payment_status\":\"paid\"", "\"payment_status\":\"unpaid\"")),
        ("evt_other_type", "{\"id\":\"evt_other_type\",\"object\":\"event\",\"type\":\"customer.subscription.paused\",\"created\":1,\"livemode\":false,\"pending_webhooks\":1,\"data\":{\"object\":{}}}".to_string()),
        ("evt_made_up", "{\"id\":\"evt_made_up\",\"object\":\"event\",\"type\":\"made.up.event\",\"created\":1,\"livemode\":false,\"pending_webhooks\":1,\"data\":{\"object\":{\"id\":\"x\"}}}".to_string()),
    ];
    for (id, body) in &cases {
        assert_eq!(
            deliver(&app.client, &app, body, Some(&signed(body))).await,
            200,
            "{id}"
        );
    }
    run_jobs(&app).await;
    assert_eq!(ledger::balance(&app.state.db, company).await.unwrap(), 0);
    let outcomes: Vec<(String, Option<String>)> =
        server::with_db!(&app.state.db, |p| sqlx::query_as(
            "SELECT id, outcome FROM stripe_events ORDER BY id"
        )
        .fetch_all(p)
        .await)
        .unwrap();
    assert_eq!(outcomes.len(), cases.len());
    for (id, outcome) in outcomes {
        let outcome = outcome.unwrap_or_default();
        assert!(
            outcome.starts_with("ignored") || outcome == "not paid yet",
            "{id}: {outcome}"
        );
    }
}

#[tokio::test]
async fn a_refund_after_partial_spend_claws_back_what_is_left_and_records_the_shortfall() {
    let app = billing_app().await;
    let company = app.principal("ada@example.com").await.company_id;
    let db = &app.state.db;
    let paid = session_completed("evt_paid", "cs_r", &company.to_string(), "starter", 2500);
    deliver(&app.client, &app, &paid, Some(&signed(&paid))).await;
    run_jobs(&app).await;
    assert_eq!(ledger::balance(db, company).await.unwrap(), 50_000);
    // 30,000 of the 50,000 are spent.
    let h = ledger::hold(db, company, 30_000, "analysis:spent")
        .await
        .unwrap();
    ledger::settle(db, company, h.id, 30_000).await.unwrap();

    // Half refunded: 25,000 tokens are due and can be taken.
    let half = charge_refunded("evt_half", "cs_r", 2500, 1250);
    deliver(&app.client, &app, &half, Some(&signed(&half))).await;
    run_jobs(&app).await;
    assert_eq!(
        ledger::balance(db, company).await.unwrap(),
        0,
        "20,000 − … never below zero"
    );
    // Delivered again: nothing more.
    deliver(&app.client, &app, &half, Some(&signed(&half))).await;
    run_jobs(&app).await;
    let (clawed, shortfall, status) = purchase_state(&app, "cs_r").await;
    assert_eq!(
        (clawed, shortfall, status.as_str()),
        (20_000, 5_000, "paid")
    );

    // Then fully refunded: the other 25,000 are due, none left to take.
    let full = charge_refunded("evt_full", "cs_r", 2500, 2500);
    deliver(&app.client, &app, &full, Some(&signed(&full))).await;
    run_jobs(&app).await;
    let (clawed, shortfall, status) = purchase_state(&app, "cs_r").await;
    assert_eq!(
        (clawed, shortfall, status.as_str()),
        (20_000, 30_000, "refunded")
    );
    assert_eq!(ledger::balance(db, company).await.unwrap(), 0);
    assert_eq!(
        count_where(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'TOKENS_REFUNDED'"
        )
        .await,
        2
    );
}

#[tokio::test]
async fn with_the_database_gone_the_webhook_answers_503_so_stripe_retries() {
    let app = billing_app().await;
    let company = app.principal("ada@example.com").await.company_id;
    let body = session_completed("evt_down", "cs_down", &company.to_string(), "starter", 2500);
    app.state.db.close().await;
    assert_eq!(
        deliver(&app.client, &app, &body, Some(&signed(&body))).await,
        503
    );
}

#[tokio::test]
async fn without_stripe_configured_the_webhook_does_not_exist() {
    let app = spawn_app().await;
    app.setup("ada@example.com").await;
    let body = session_completed(
        "evt_none",
        "cs_none",
        &Uuid::new_v4().to_string(),
        "starter",
        2500,
    );
    assert_eq!(
        deliver(&app.client, &app, &body, Some(&signed(&body))).await,
        404
    );
}

#[tokio::test]
async fn a_receipt_is_linked_whether_it_arrives_before_or_after_the_payment() {
    let app = billing_app().await;
    let ada = app.principal("ada@example.com").await;
    let company = ada.company_id.to_string();
    // The charge's event first, then the session's; and the other way round.
    let early = charge_event("charge.succeeded", "evt_ch_early", "cs_early", 2500, 0);
    let paid_early = session_completed("evt_cs_early", "cs_early", &company, "starter", 2500);
    let paid_late = session_completed("evt_cs_late", "cs_late", &company, "starter", 2500);
    let late = charge_event("charge.updated", "evt_ch_late", "cs_late", 2500, 0);
    for body in [&early, &paid_early, &paid_late, &late] {
        assert_eq!(
            deliver(&app.client, &app, body, Some(&signed(body))).await,
            200
        );
        run_jobs(&app).await;
    }
    let list = server::billing::purchases::list(&app.state.db, &ada, 10, 0)
        .await
        .unwrap();
    let receipt = |s: &str| {
        list.iter()
            .find(|p| p.checkout_session_id == s)
            .and_then(|p| p.receipt_url.clone())
    };
    assert_eq!(
        receipt("cs_early").as_deref(),
        Some("https://pay.stripe.com/receipts/cs_early")
    );
    assert_eq!(
        receipt("cs_late").as_deref(),
        Some("https://pay.stripe.com/receipts/cs_late")
    );
    // A receipt is not a credit.
    assert_eq!(
        ledger::balance(&app.state.db, ada.company_id)
            .await
            .unwrap(),
        100_000
    );
}
