//! Opening Stripe Checkout with async-stripe against wiremock: the request Stripe gets, one
//! session per Buy click, and clear refusals (no permission, not configured, Stripe down).

mod common;

use common::*;
use server::{billing::purchases, Error};
use wiremock::{
    matchers::{header_exists, method, path},
    Mock, MockServer, Request, Respond, ResponseTemplate,
};

/// Answers like Stripe: the same Idempotency-Key gets the same session.
struct Sessions;

impl Respond for Sessions {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let key = req
            .headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("none");
        let id = format!("cs_test_{}", &key[key.len().saturating_sub(12)..]);
        ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "id": id, "object": "checkout.session", "automatic_tax": { "enabled": false },
            "created": 1_700_000_000, "custom_fields": [], "custom_text": {},
            "expires_at": 1_900_000_000, "livemode": false, "mode": "payment",
            "payment_method_types": ["card"], "payment_status": "unpaid", "status": "open",
            "shipping_options": [], "amount_total": 15000, "currency": "usd",
            "url": format!("https://checkout.stripe.test/pay/{id}")
        }))
    }
}

async fn app_with_stripe(base: &str) -> TestApp {
    let app = spawn_app_with(&[
        ("STRIPE_SECRET_KEY", "sk_test_checkout"),
        ("STRIPE_WEBHOOK_SECRET", "whsec_checkout"),
        ("STRIPE_API_BASE", base),
    ])
    .await;
    app.setup("ada@example.com").await;
    app
}

#[tokio::test]
async fn a_buy_click_opens_one_checkout_session_with_the_pack_priced_inline() {
    let stripe = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/checkout/sessions"))
        .and(header_exists("idempotency-key"))
        .respond_with(Sessions)
        .mount(&stripe)
        .await;
    let app = app_with_stripe(&stripe.uri()).await;
    let ada = app.principal("ada@example.com").await;
    let (db, config, url) = (
        &app.state.db,
        &app.state
            .config
            .section::<server::billing::packs::BillingConfig>(),
        &app.state.config.public_url,
    );
    let attempt = uuid::Uuid::new_v4().to_string();

    let first = purchases::start_checkout(db, config, url, &ada, "professional", &attempt)
        .await
        .unwrap();
    // A double click: the same attempt, the same session, one purchase.
    let second = purchases::start_checkout(db, config, url, &ada, "professional", &attempt)
        .await
        .unwrap();
    assert_eq!(first, second);
    assert!(first.starts_with("https://checkout.stripe.test/pay/cs_test_"));
    assert_eq!(app.count("token_purchases").await, 1);
    // Another click later is another session.
    let other = uuid::Uuid::new_v4().to_string();
    let third = purchases::start_checkout(db, config, url, &ada, "professional", &other)
        .await
        .unwrap();
    assert_ne!(third, first);
    assert_eq!(app.count("token_purchases").await, 2);

    let requests = stripe.received_requests().await.unwrap();
    assert_eq!(requests.len(), 3);
    let body = String::from_utf8(requests[0].body.clone()).unwrap();
    let form: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(body.as_bytes())
            .into_owned()
            .collect();
    assert_eq!(form["mode"], "payment");
    assert_eq!(form["line_items[0][price_data][unit_amount]"], "15000");
    assert_eq!(form["line_items[0][price_data][currency]"], "usd");
    assert_eq!(form["line_items[0][quantity]"], "1");
    assert_eq!(form["client_reference_id"], ada.company_id.to_string());
    assert_eq!(form["metadata[company_id]"], ada.company_id.to_string());
    assert_eq!(form["metadata[pack]"], "professional");
    assert_eq!(form["customer_email"], "ada@example.com");
    assert!(form["success_url"].ends_with("/billing/success?session_id={CHECKOUT_SESSION_ID}"));
    assert!(form["cancel_url"].ends_with("/billing?canceled=1"));
    assert_eq!(
        requests[0].headers["authorization"].to_str().unwrap(),
        "Bearer sk_test_checkout"
    );
    assert_eq!(
        requests[0].headers["idempotency-key"],
        requests[1].headers["idempotency-key"]
    );
    assert_ne!(
        requests[0].headers["idempotency-key"],
        requests[2].headers["idempotency-key"]
    );
}

#[tokio::test]
async fn buying_is_refused_clearly_and_records_nothing_when_it_cannot_happen() {
    let stripe = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/checkout/sessions"))
        .respond_with(ResponseTemplate::new(500).set_body_json(serde_json::json!({
            "error": { "type": "api_error", "message": "Stripe is having a moment" }
        })))
        .mount(&stripe)
        .await;
    let app = app_with_stripe(&stripe.uri()).await;
    let ada = app.principal("ada@example.com").await;
    let bob = app
        .add_member(&ada, "bob@example.com", "manager", vec![])
        .await;
    let (db, config, url) = (
        &app.state.db,
        &app.state
            .config
            .section::<server::billing::packs::BillingConfig>(),
        &app.state.config.public_url,
    );
    let attempt = uuid::Uuid::new_v4().to_string();

    // Stripe failing: a message to retry, nothing recorded.
    match purchases::start_checkout(db, config, url, &ada, "starter", &attempt).await {
        Err(Error::Unavailable(m)) => assert!(m.contains("Nothing was charged"), "{m}"),
        other => panic!("{other:?}"),
    }
    // A member without billing.manage; an unknown pack; a forged attempt id.
    assert!(matches!(
        purchases::start_checkout(db, config, url, &bob, "starter", &attempt).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        purchases::start_checkout(db, config, url, &ada, "mega", &attempt).await,
        Err(Error::Validation { .. })
    ));
    assert!(matches!(
        purchases::start_checkout(db, config, url, &ada, "starter", "x").await,
        Err(Error::Validation { .. })
    ));
    // Stripe not reachable at all.
    let down = app_with_stripe("http://127.0.0.1:9").await;
    let ada_down = down.principal("ada@example.com").await;
    assert!(matches!(
        purchases::start_checkout(
            &down.state.db,
            down.state
                .config
                .section::<server::billing::packs::BillingConfig>(),
            url,
            &ada_down,
            "starter",
            &attempt
        )
        .await,
        Err(Error::Unavailable(_))
    ));
    // Not configured.
    let plain = spawn_app().await;
    plain.setup("ada@example.com").await;
    let ada_plain = plain.principal("ada@example.com").await;
    match purchases::start_checkout(
        &plain.state.db,
        plain
            .state
            .config
            .section::<server::billing::packs::BillingConfig>(),
        url,
        &ada_plain,
        "starter",
        &attempt,
    )
    .await
    {
        Err(Error::Conflict(m)) => assert!(m.contains("not configured"), "{m}"),
        other => panic!("{other:?}"),
    }
    for a in [&app, &down, &plain] {
        assert_eq!(a.count("token_purchases").await, 0);
    }
}
