//! Outgoing webhooks on both databases: an order's events reach a subscribed endpoint signed
//! the Standard Webhooks way; failures are retried on the schedule, then dead and replayable;
//! consecutive failures open the endpoint's circuit and the owners are told; a rotated secret
//! signs beside the previous one; private addresses are refused unless allowed.

mod common;
#[path = "common/orders.rs"]
mod orders_common;

use common::*;
use serde_json::Value;
use server::{
    access::Principal,
    api::{
        config::ApiConfig,
        webhooks::{self, EndpointInput},
    },
    audit::RequestMeta,
    jobs::run_until_empty,
    Error,
};
use uuid::Uuid;
use wiremock::{matchers::method, Mock, MockServer, ResponseTemplate};

const OWNER: &str = "ada@example.com";

struct Hooks {
    app: TestApp,
    owner: Principal,
    receiver: MockServer,
}

async fn setup(extra: &[(&str, &str)]) -> Hooks {
    let receiver = MockServer::start().await;
    let allow = receiver.address().to_string();
    let mut vars = vec![("WEBHOOK_ALLOW", allow.as_str())];
    vars.extend_from_slice(extra);
    let app = spawn_app_with(&vars).await;
    app.setup(OWNER).await;
    let owner = app.principal(OWNER).await;
    Hooks {
        app,
        owner,
        receiver,
    }
}

impl Hooks {
    fn cfg(&self) -> &ApiConfig {
        self.app.state.config.section::<ApiConfig>()
    }

    async fn endpoint(&self, events: &[&str]) -> (Uuid, String) {
        webhooks::create_endpoint(
            &self.app.state.db,
            self.cfg(),
            &self.app.state.config.app_secret_key,
            &self.owner,
            &RequestMeta::default(),
            &EndpointInput {
                url: format!("{}/hooks", self.receiver.uri()),
                description: "Warehouse".into(),
                events: events.iter().map(|e| e.to_string()).collect(),
            },
        )
        .await
        .unwrap()
    }

    async fn run_jobs(&self) -> usize {
        run_until_empty(&self.app.state.job_context(), &server::areas::jobs())
            .await
            .unwrap()
    }

    async fn deliveries(&self, endpoint: Uuid) -> Vec<webhooks::DeliveryRow> {
        webhooks::deliveries(&self.app.state.db, &self.owner, endpoint, 50)
            .await
            .unwrap()
    }
}

/// Checks a received request's Standard Webhooks headers against `secrets` (each must sign it).
fn verify(req: &wiremock::Request, secrets: &[&str]) -> Value {
    let header = |n: &str| req.headers.get(n).unwrap().to_str().unwrap().to_string();
    let id = header("webhook-id");
    let ts: i64 = header("webhook-timestamp").parse().unwrap();
    assert!((chrono::Utc::now().timestamp() - ts).abs() < 60);
    let signatures = header("webhook-signature");
    let sent: Vec<&str> = signatures.split(' ').collect();
    assert_eq!(sent.len(), secrets.len(), "{signatures}");
    for secret in secrets {
        let expected = webhooks::sign(secret, &id, ts, &req.body).unwrap();
        assert!(sent.contains(&expected.as_str()), "{signatures}");
    }
    assert_eq!(header("content-type"), "application/json");
    serde_json::from_slice(&req.body).unwrap()
}

#[tokio::test]
async fn an_orders_events_reach_the_endpoint_signed() {
    let h = setup(&[]).await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("thanks"))
        .mount(&h.receiver)
        .await;
    let (endpoint, secret) = h.endpoint(&["order.created"]).await;
    assert!(secret.starts_with("whsec_"));
    let db = &h.app.state.db;
    let store = orders_common::store(db, &h.owner, "Shop A").await;
    let order = orders_common::add_order(db, &h.owner, store, 7, |_| {}).await;
    assert_eq!(h.run_jobs().await, 1);

    let got = h.receiver.received_requests().await.unwrap();
    assert_eq!(got.len(), 1);
    let body = verify(&got[0], &[&secret]);
    assert_eq!(body["type"], "order.created");
    assert_eq!(body["data"]["id"], order.to_string());
    assert_eq!(body["data"]["number"], "#7");
    let log = h.deliveries(endpoint).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].status, "delivered");
    assert_eq!(log[0].attempts, 1);
    assert_eq!(log[0].last_status, Some(200));
    assert_eq!(log[0].last_response.as_deref(), Some("thanks"));
    assert_eq!(
        got[0].headers.get("webhook-id").unwrap().to_str().unwrap(),
        log[0].event_id
    );

    // An event it did not choose is not sent; a test event is, whatever it chose.
    server::orders::ingest::ingest(
        db,
        h.owner.company_id,
        store,
        &{
            let mut o = orders_common::fixture();
            o["id"] = serde_json::json!(900_007);
            o["name"] = serde_json::json!("#7");
            o["updated_at"] = serde_json::json!("2030-01-01T00:00:00Z");
            server::orders::shopify::order_facts(&o.to_string()).unwrap()
        },
        "{}",
        "a test",
    )
    .await
    .unwrap();
    h.run_jobs().await;
    assert_eq!(h.receiver.received_requests().await.unwrap().len(), 1);
    webhooks::send_test(db, &h.owner, endpoint).await.unwrap();
    h.run_jobs().await;
    let got = h.receiver.received_requests().await.unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(verify(&got[1], &[&secret])["type"], "webhook.test");
}

#[tokio::test]
async fn a_failing_endpoint_is_retried_then_dead_opens_its_circuit_and_is_replayed() {
    let h = setup(&[
        ("WEBHOOK_RETRY_SCHEDULE", "0,0"),
        ("WEBHOOK_CIRCUIT_FAILURES", "3"),
        ("WEBHOOK_CIRCUIT_SECONDS", "3600"),
    ])
    .await;
    let down = Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).set_body_string("maintenance"))
        .mount_as_scoped(&h.receiver)
        .await;
    let (endpoint, _) = h.endpoint(&["order.created"]).await;
    let db = &h.app.state.db;
    let store = orders_common::store(db, &h.owner, "Shop A").await;
    orders_common::add_order(db, &h.owner, store, 1, |_| {}).await;
    h.run_jobs().await;

    // Three attempts (at once, then the schedule's two), then dead.
    assert_eq!(h.receiver.received_requests().await.unwrap().len(), 3);
    let log = h.deliveries(endpoint).await;
    assert_eq!(log[0].status, "dead");
    assert_eq!(log[0].attempts, 3);
    assert_eq!(log[0].last_status, Some(503));
    assert_eq!(log[0].last_response.as_deref(), Some("maintenance"));
    assert_eq!(
        log[0].last_error.as_deref(),
        Some("The endpoint answered 503.")
    );

    // The circuit opened and the owner was told once.
    let listed = webhooks::endpoints(db, &h.owner).await.unwrap();
    assert_eq!(listed[0].circuit(3, chrono::Utc::now()), "open");
    assert_eq!(
        h.app
            .count("outbox WHERE kind = 'webhook_circuit_open'")
            .await,
        1
    );

    // While open, a new event waits: nothing is sent, nothing is lost.
    orders_common::add_order(db, &h.owner, store, 2, |_| {}).await;
    h.run_jobs().await;
    assert_eq!(h.receiver.received_requests().await.unwrap().len(), 3);
    let log = h.deliveries(endpoint).await;
    assert_eq!(log[0].status, "pending");
    assert_eq!(log[0].attempts, 0);

    // The receiver is back; its cool-down over, the waiting delivery is the probe that closes
    // the circuit, and the dead one is replayed.
    drop(down);
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&h.receiver)
        .await;
    server::exec!(
        db,
        sqlx::query("UPDATE webhook_endpoints SET circuit_open_until = $1")
            .bind(chrono::Utc::now() - chrono::Duration::seconds(1))
    )
    .unwrap();
    server::exec!(
        db,
        sqlx::query("UPDATE jobs SET run_at = $1 WHERE status = 'queued'")
            .bind(chrono::Utc::now() - chrono::Duration::seconds(1))
    )
    .unwrap();
    h.run_jobs().await;
    let log = h.deliveries(endpoint).await;
    assert_eq!(log[0].status, "delivered");
    assert_eq!(
        webhooks::endpoints(db, &h.owner).await.unwrap()[0].circuit(3, chrono::Utc::now()),
        "closed"
    );
    let dead = log[1].id;
    assert_eq!(log[1].status, "dead");
    webhooks::replay(db, &h.owner, &RequestMeta::default(), dead)
        .await
        .unwrap();
    // Replaying a delivery that is being tried is refused.
    assert!(matches!(
        webhooks::replay(db, &h.owner, &RequestMeta::default(), dead).await,
        Err(Error::Conflict(_))
    ));
    h.run_jobs().await;
    let log = h.deliveries(endpoint).await;
    assert_eq!(log[1].status, "delivered");
    assert_eq!(log[1].attempts, 1);
    assert_eq!(h.app.audit_count("WEBHOOK_REPLAYED").await, 1);
}

#[tokio::test]
async fn a_rotated_secret_signs_beside_the_previous_one() {
    let h = setup(&[]).await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&h.receiver)
        .await;
    let (endpoint, old) = h.endpoint(&["order.created"]).await;
    let db = &h.app.state.db;
    let key = &h.app.state.config.app_secret_key;
    let new = webhooks::rotate_secret(db, key, &h.owner, &RequestMeta::default(), endpoint)
        .await
        .unwrap();
    assert_ne!(old, new);
    assert_eq!(
        webhooks::reveal_secret(db, key, &h.owner, endpoint)
            .await
            .unwrap(),
        new
    );
    webhooks::send_test(db, &h.owner, endpoint).await.unwrap();
    h.run_jobs().await;
    let got = h.receiver.received_requests().await.unwrap();
    verify(&got[0], &[&new, &old]);
    assert_eq!(h.app.audit_count("WEBHOOK_SECRET_ROTATED").await, 1);
}

#[tokio::test]
async fn endpoints_are_checked_and_scoped_to_their_company() {
    // Without WEBHOOK_ALLOW: this machine's addresses are refused.
    let app = spawn_app().await;
    app.setup(OWNER).await;
    let owner = app.principal(OWNER).await;
    let db = &app.state.db;
    let cfg = app.state.config.section::<ApiConfig>();
    let key = &app.state.config.app_secret_key;
    let meta = RequestMeta::default();
    let input = |url: &str, events: &[&str]| EndpointInput {
        url: url.into(),
        description: String::new(),
        events: events.iter().map(|e| e.to_string()).collect(),
    };
    for (url, events, field) in [
        ("http://127.0.0.1:9/x", vec!["order.created"], "url"),
        ("http://[::1]:9/x", vec!["order.created"], "url"),
        (
            "http://169.254.169.254/latest/meta-data",
            vec!["order.created"],
            "url",
        ),
        ("https://hooks.example.com/x", vec![], "events"),
        (
            "https://hooks.example.com/x",
            vec!["order.exploded"],
            "events",
        ),
    ] {
        match webhooks::create_endpoint(db, cfg, key, &owner, &meta, &input(url, &events)).await {
            Err(Error::Validation { field: got, .. }) => assert_eq!(got, field, "{url}"),
            other => panic!("{url}: {other:?}"),
        }
    }
    assert_eq!(app.count("webhook_endpoints").await, 0);
    let (id, _) = webhooks::create_endpoint(
        db,
        cfg,
        key,
        &owner,
        &meta,
        &input(
            "https://hooks.example.com/x",
            &["order.created", "tokens.purchased"],
        ),
    )
    .await
    .unwrap();
    assert_eq!(app.audit_count("WEBHOOK_ENDPOINT_CREATED").await, 1);

    // Another company's owner sees, changes and deletes none of it.
    let other_company = app.company_owned_by("Other Co", owner.user_id).await;
    let there = server::identity::load_principal(db, owner.user_id, other_company)
        .await
        .unwrap()
        .unwrap();
    assert!(webhooks::endpoints(db, &there).await.unwrap().is_empty());
    assert!(matches!(
        webhooks::delete_endpoint(db, &there, &meta, id).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        webhooks::send_test(db, &there, id).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        webhooks::reveal_secret(db, key, &there, id).await,
        Err(Error::NotFound)
    ));
    // An operator (no settings.manage) may not.
    let operator = app
        .add_member(&owner, "op@example.com", "operator", vec![])
        .await;
    assert!(matches!(
        webhooks::endpoints(db, &operator).await,
        Err(Error::Forbidden)
    ));
    // Off and on again; another company's owner cannot.
    assert!(matches!(
        webhooks::set_enabled(db, &there, &meta, id, false).await,
        Err(Error::NotFound)
    ));
    webhooks::set_enabled(db, &owner, &meta, id, false)
        .await
        .unwrap();
    assert!(!webhooks::endpoints(db, &owner).await.unwrap()[0].enabled);
    webhooks::set_enabled(db, &owner, &meta, id, true)
        .await
        .unwrap();
    assert!(webhooks::endpoints(db, &owner).await.unwrap()[0].enabled);
    assert_eq!(app.audit_count("WEBHOOK_ENDPOINT_UPDATED").await, 2);
    webhooks::delete_endpoint(db, &owner, &meta, id)
        .await
        .unwrap();
    assert_eq!(app.count("webhook_endpoints").await, 0);
}
