//! Work on orders, on both databases: bulk status changes and validation as a job with a
//! result per order, the processing errors tab with retry and skip, the bulk form's route, and
//! every refusal (bad input, other stores, other companies, missing permission) writing
//! nothing.

mod common;
#[path = "common/orders.rs"]
mod orders_common;

use common::*;
use serde_json::{json, Value};
use server::{
    access::Principal,
    audit::RequestMeta,
    jobs::run_until_empty,
    orders::{
        actions::OrderAction,
        bulk::{self, Scope},
        errors, ingest,
        service::{self, Query},
        shopify,
    },
    Error,
};
use uuid::Uuid;

fn meta() -> RequestMeta {
    RequestMeta::default()
}

async fn store(app: &TestApp, owner: &Principal, name: &str) -> Uuid {
    orders_common::store(&app.state.db, owner, name).await
}

async fn add_order(
    app: &TestApp,
    owner: &Principal,
    store_id: Uuid,
    number: u64,
    edit: impl FnOnce(&mut Value),
) -> Uuid {
    orders_common::add_order(&app.state.db, owner, store_id, number, edit).await
}

/// The fixture with no usable phone and a shipping address missing its county and postcode.
fn unshippable(o: &mut Value) {
    o["phone"] = Value::Null;
    o["customer"]["phone"] = Value::Null;
    o["billing_address"]["phone"] = Value::Null;
    o["shipping_address"]["phone"] = json!("12");
    o["shipping_address"]["province"] = json!("");
    o["shipping_address"]["province_code"] = Value::Null;
    o["shipping_address"]["zip"] = json!("");
}

async fn run_jobs(app: &TestApp) -> usize {
    run_until_empty(&app.state.job_context(), &server::areas::jobs())
        .await
        .unwrap()
}

async fn status_of(app: &TestApp, p: &Principal, id: Uuid) -> String {
    service::detail(&app.state.db, p, id)
        .await
        .unwrap()
        .order
        .status
}

fn field(e: Result<Uuid, Error>) -> String {
    match e {
        Err(Error::Validation { field, .. }) => field,
        other => panic!("expected a refusal at a field, got {other:?}"),
    }
}

async fn owner_app() -> (TestApp, Principal, Uuid) {
    let app = spawn_app().await;
    app.setup("ada@example.com").await;
    let owner = app.principal("ada@example.com").await;
    let a = store(&app, &owner, "Atelier").await;
    (app, owner, a)
}

#[tokio::test]
async fn a_bulk_status_change_is_a_job_with_a_result_per_order() {
    let (app, owner, a) = owner_app().await;
    let db = &app.state.db;
    let mut ids = Vec::new();
    for n in 1..=4 {
        ids.push(add_order(&app, &owner, a, n, |_| {}).await);
    }
    let cancelled = add_order(&app, &owner, a, 5, |o| {
        o["cancelled_at"] = json!("2026-11-20T10:00:00Z");
    })
    .await;
    ids.push(cancelled);
    let picking = OrderAction::SetStatus("PICKING".into());

    let run_id = bulk::start(
        db,
        &owner,
        &meta(),
        "form-1",
        &picking,
        &Scope::Selected(ids.clone()),
    )
    .await
    .unwrap();
    // A double click (the same form's key) is the same run, with one job.
    let again = bulk::start(
        db,
        &owner,
        &meta(),
        "form-1",
        &picking,
        &Scope::Selected(ids.clone()),
    )
    .await
    .unwrap();
    assert_eq!(again, run_id);
    assert_eq!(app.count("order_bulk_runs").await, 1);
    let queued = bulk::view(db, &owner, run_id).await.unwrap();
    assert_eq!((queued.run.state.as_str(), queued.run.total), ("queued", 5));
    assert!(queued.items.iter().all(|i| i.result == "pending"));

    assert_eq!(run_jobs(&app).await, 1);
    let done = bulk::view(db, &owner, run_id).await.unwrap();
    let r = &done.run;
    assert_eq!(
        (r.state.as_str(), r.succeeded, r.failed, r.skipped),
        ("finished", 4, 1, 0)
    );
    assert!(r.finished_at.is_some());
    // Failures are listed first, with the reason.
    assert_eq!(done.items[0].order_id, cancelled);
    assert_eq!(done.items[0].result, "failed");
    assert_eq!(
        done.items[0].message.as_deref(),
        Some("A cancelled order can only be reopened as Pending.")
    );
    assert_eq!(status_of(&app, &owner, cancelled).await, "CANCELLED");
    for id in &ids[..4] {
        assert_eq!(status_of(&app, &owner, *id).await, "PICKING");
        let events = service::detail(db, &owner, *id).await.unwrap().events;
        assert_eq!(events[0].detail, "Status changed from Pending to Picking");
        assert_eq!(events[0].actor_name.as_deref(), Some("Ada Lovelace"));
    }
    let audited: Vec<_> = app
        .audit_actions()
        .await
        .into_iter()
        .filter(|(a, _)| a == "ORDERS_BULK_STARTED")
        .collect();
    assert_eq!(audited.len(), 1);

    // Running the finished run again changes nothing.
    let courier = server::orders::courier::Courier {
        db,
        app_key: &app.state.config.app_secret_key,
        config: app
            .state
            .config
            .section::<server::orders::config::OrdersConfig>(),
    };
    let rerun = bulk::run(&courier, run_id).await.unwrap();
    assert_eq!((rerun.succeeded, rerun.failed), (4, 1));

    // The same change again: every order is skipped with why ("all matching" this time).
    let filter = Query {
        status: Some("PICKING".into()),
        ..Query::default()
    };
    let second = bulk::start(
        db,
        &owner,
        &meta(),
        "form-2",
        &picking,
        &Scope::Matching(filter),
    )
    .await
    .unwrap();
    run_jobs(&app).await;
    let v = bulk::view(db, &owner, second).await.unwrap();
    assert_eq!((v.run.total, v.run.skipped), (4, 4));
    assert_eq!(v.items[0].message.as_deref(), Some("Already picking."));
    assert_eq!(bulk::recent(db, &owner).await.unwrap().len(), 2);
}

#[tokio::test]
async fn validation_failures_land_in_the_errors_tab_and_retry_or_skip_them() {
    let (app, owner, a) = owner_app().await;
    let db = &app.state.db;
    let good = add_order(&app, &owner, a, 1, |_| {}).await;
    let bad = add_order(&app, &owner, a, 2, unshippable).await;
    let shipped = add_order(&app, &owner, a, 3, |o| {
        o["fulfillment_status"] = json!("fulfilled");
    })
    .await;

    let run_id = bulk::start(
        db,
        &owner,
        &meta(),
        "v-1",
        &OrderAction::Validate,
        &Scope::Matching(Query::default()),
    )
    .await
    .unwrap();
    run_jobs(&app).await;
    let v = bulk::view(db, &owner, run_id).await.unwrap();
    assert_eq!(
        (v.run.total, v.run.succeeded, v.run.failed, v.run.skipped),
        (3, 1, 1, 1)
    );
    assert_eq!(status_of(&app, &owner, good).await, "VALIDATED");
    assert_eq!(status_of(&app, &owner, bad).await, "VALIDATION_FAILED");
    assert_eq!(status_of(&app, &owner, shipped).await, "SHIPPED");
    let why = "Phone number missing or invalid. Shipping address lacks county, postcode.";
    assert_eq!(v.items[0].message.as_deref(), Some(why));

    let list = errors::list(db, &owner, None, 1).await.unwrap();
    assert_eq!(list.rows.len(), 1);
    let e = &list.rows[0];
    assert_eq!(
        (
            e.order_id,
            e.action.as_str(),
            e.status.as_str(),
            e.message.as_str(),
            e.attempts
        ),
        (bad, "validate", "FAILED", why, 1)
    );
    assert!(list.counts.contains(&("FAILED", 1)));
    let error_id = e.id;

    // Retry with nothing fixed: RETRYING, then FAILED again, counted.
    assert!(errors::retry(db, &owner, &meta(), error_id).await.unwrap());
    assert!(
        !errors::retry(db, &owner, &meta(), error_id).await.unwrap(),
        "a double click retries once"
    );
    let retrying = errors::list(db, &owner, Some("RETRYING"), 1).await.unwrap();
    assert_eq!(retrying.rows.len(), 1);
    assert_eq!(run_jobs(&app).await, 1);
    let failed = errors::list(db, &owner, Some("FAILED"), 1).await.unwrap();
    assert_eq!((failed.rows.len(), failed.rows[0].attempts), (1, 2));

    // Skip sets it aside; skipping again does nothing.
    assert!(errors::skip(db, &owner, &meta(), error_id).await.unwrap());
    assert!(!errors::skip(db, &owner, &meta(), error_id).await.unwrap());
    assert!(errors::list(db, &owner, None, 1)
        .await
        .unwrap()
        .rows
        .is_empty());
    assert_eq!(
        errors::list(db, &owner, Some("SKIPPED"), 1)
            .await
            .unwrap()
            .rows
            .len(),
        1
    );

    // The customer fixes the address in Shopify; a retry now resolves it.
    let mut fixed = orders_common::fixture();
    fixed["id"] = json!(900_002);
    fixed["name"] = json!("#2");
    fixed["updated_at"] = json!("2026-12-01T09:00:00Z");
    let raw = fixed.to_string();
    ingest::ingest(
        db,
        owner.company_id,
        a,
        &shopify::order_facts(&raw).unwrap(),
        &raw,
        "a test",
    )
    .await
    .unwrap();
    assert_eq!(
        status_of(&app, &owner, bad).await,
        "VALIDATION_FAILED",
        "staff's status stays through a platform update"
    );
    assert!(errors::retry(db, &owner, &meta(), error_id).await.unwrap());
    run_jobs(&app).await;
    let resolved = errors::list(db, &owner, Some("RESOLVED"), 1).await.unwrap();
    assert_eq!(resolved.rows.len(), 1);
    assert_eq!(
        resolved.rows[0].updated_by_name.as_deref(),
        Some("Ada Lovelace")
    );
    assert_eq!(status_of(&app, &owner, bad).await, "VALIDATED");
    assert!(!errors::retry(db, &owner, &meta(), error_id).await.unwrap());
    let actions: Vec<String> = app
        .audit_actions()
        .await
        .into_iter()
        .map(|(a, _)| a)
        .collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "ORDER_ERROR_RETRIED")
            .count(),
        2
    );
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "ORDER_ERROR_SKIPPED")
            .count(),
        1
    );
}

#[tokio::test]
async fn bulk_actions_refuse_bad_input_other_stores_and_other_companies() {
    let (app, owner, a) = owner_app().await;
    let db = &app.state.db;
    let b = store(&app, &owner, "Boutique").await;
    let in_a = add_order(&app, &owner, a, 1, |_| {}).await;
    let in_b = add_order(&app, &owner, b, 2, unshippable).await;
    let operator = app
        .add_member(&owner, "op@example.com", "operator", vec![a])
        .await;
    let viewer = app
        .add_member(&owner, "vi@example.com", "viewer", vec![a, b])
        .await;
    let validate = OrderAction::Validate;
    let sel = |ids: Vec<Uuid>| Scope::Selected(ids);

    // Bad input, each at its field.
    assert_eq!(
        field(bulk::start(db, &owner, &meta(), "k", &validate, &sel(vec![])).await),
        "ids"
    );
    let many: Vec<Uuid> = (0..1001).map(|_| Uuid::now_v7()).collect();
    assert_eq!(
        field(bulk::start(db, &owner, &meta(), "k", &validate, &sel(many)).await),
        "ids"
    );
    assert_eq!(
        field(bulk::start(db, &owner, &meta(), " ", &validate, &sel(vec![in_a])).await),
        "key"
    );
    let long_key = "k".repeat(101);
    assert_eq!(
        field(bulk::start(db, &owner, &meta(), &long_key, &validate, &sel(vec![in_a])).await),
        "key"
    );
    let none = Query {
        q: Some("nobody-at-all".into()),
        ..Query::default()
    };
    assert_eq!(
        field(bulk::start(db, &owner, &meta(), "k", &validate, &Scope::Matching(none)).await),
        "scope"
    );
    let bad_filter = Query {
        status: Some("LOST".into()),
        ..Query::default()
    };
    assert_eq!(
        field(
            bulk::start(
                db,
                &owner,
                &meta(),
                "k",
                &validate,
                &Scope::Matching(bad_filter)
            )
            .await
        ),
        "status"
    );
    for (op, status, at) in [
        ("status", None, "to_status"),
        ("status", Some("VALIDATED"), "to_status"),
        ("status", Some("AWB_CREATED"), "to_status"),
        ("delete", None, "op"),
        ("", None, "op"),
    ] {
        match OrderAction::parse(op, status) {
            Err(Error::Validation { field, .. }) => assert_eq!(field, at, "{op} {status:?}"),
            other => panic!("{op}: {other:?}"),
        }
    }

    // Another store's order (for a member limited to store A), another company's order, an
    // order that does not exist: not found, all or nothing.
    for ids in [vec![in_b], vec![in_a, in_b], vec![Uuid::now_v7()]] {
        assert!(matches!(
            bulk::start(db, &operator, &meta(), "k", &validate, &sel(ids)).await,
            Err(Error::NotFound)
        ));
    }
    let other_company = app.company_owned_by("Other Co", owner.user_id).await;
    let mut stranger = owner.clone();
    stranger.company_id = other_company;
    assert!(matches!(
        bulk::start(db, &stranger, &meta(), "k", &validate, &sel(vec![in_a])).await,
        Err(Error::NotFound)
    ));
    // No orders.write: forbidden before anything is read.
    assert!(matches!(
        bulk::start(db, &viewer, &meta(), "k", &validate, &sel(vec![in_a])).await,
        Err(Error::Forbidden)
    ));
    assert_eq!(app.count("order_bulk_runs").await, 0);
    assert_eq!(app.count("order_bulk_items").await, 0);
    let bulk_jobs: i64 = server::with_db!(db, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM jobs WHERE kind = 'orders.bulk'"
    )
    .fetch_one(c)
    .await)
    .unwrap();
    assert_eq!(bulk_jobs, 0);

    // "All matching" for the operator covers store A only.
    let run = bulk::start(db, &owner, &meta(), "k-owner", &validate, &sel(vec![in_b]))
        .await
        .unwrap();
    let op_run = bulk::start(
        db,
        &operator,
        &meta(),
        "k-op",
        &validate,
        &Scope::Matching(Query::default()),
    )
    .await
    .unwrap();
    run_jobs(&app).await;
    let v = bulk::view(db, &operator, op_run).await.unwrap();
    assert_eq!(v.run.total, 1);
    assert_eq!(v.items[0].order_id, in_a);
    // The owner's run on store B is not the operator's to see; nor is its error.
    assert!(matches!(
        bulk::view(db, &operator, run).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        bulk::view(db, &stranger, run).await,
        Err(Error::NotFound)
    ));
    assert_eq!(bulk::recent(db, &operator).await.unwrap().len(), 1);
    let error_id = errors::list(db, &owner, None, 1).await.unwrap().rows[0].id;
    assert!(errors::list(db, &operator, None, 1)
        .await
        .unwrap()
        .rows
        .is_empty());
    for p in [&operator, &stranger] {
        assert!(matches!(
            errors::retry(db, p, &meta(), error_id).await,
            Err(Error::NotFound)
        ));
        assert!(matches!(
            errors::skip(db, p, &meta(), error_id).await,
            Err(Error::NotFound)
        ));
    }
    assert!(matches!(
        errors::retry(db, &viewer, &meta(), error_id).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        errors::retry(db, &owner, &meta(), Uuid::now_v7()).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        errors::list(db, &owner, Some("LOST"), 1).await,
        Err(Error::Validation { .. })
    ));
    assert_eq!(
        errors::list(db, &owner, Some("FAILED"), 1)
            .await
            .unwrap()
            .rows[0]
            .attempts,
        1,
        "nothing retried"
    );
}

#[tokio::test]
async fn the_bulk_form_redirects_to_its_run_or_back_with_the_refusal() {
    let (app, owner, a) = owner_app().await;
    let id = add_order(&app, &owner, a, 1, |_| {}).await.to_string();
    let post = |form: Vec<(&'static str, String)>| {
        let client = app.client.clone();
        let url = app.url("/orders/bulk");
        async move { client.post(url).form(&form).send().await.unwrap() }
    };
    let res = post(vec![
        ("key", "web-1".into()),
        ("op", "status".into()),
        ("to_status", "PACKED".into()),
        ("scope", "selected".into()),
        ("ids", id.clone()),
        ("ids", id.clone()),
    ])
    .await;
    assert_eq!(res.status(), 303);
    let run_page = location(&res);
    assert!(run_page.starts_with("/orders/runs/"), "{run_page}");
    run_jobs(&app).await;
    assert_eq!(status_of(&app, &owner, id.parse().unwrap()).await, "PACKED");

    // Nothing ticked: back to the inbox with its filter and the refusal's field.
    let res = post(vec![
        ("key", "web-2".into()),
        ("op", "validate".into()),
        ("scope", "selected".into()),
        ("q", "ana pop".into()),
        ("per", "100".into()),
    ])
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/orders?q=ana+pop&per=100&bulk_error=ids");
    let res = post(vec![
        ("key", "web-3".into()),
        ("op", "status".into()),
        ("scope", "selected".into()),
        ("ids", id.clone()),
    ])
    .await;
    assert_eq!(location(&res), "/orders?bulk_error=to_status");
    let res = post(vec![
        ("key", "web-4".into()),
        ("op", "validate".into()),
        ("ids", "not-an-id".into()),
    ])
    .await;
    assert_eq!(location(&res), "/orders?bulk_error=ids");
    assert_eq!(app.count("order_bulk_runs").await, 1);

    // Another site's form is refused; so is a visitor with no session.
    let res = app
        .client
        .post(app.url("/orders/bulk"))
        .header("origin", "https://evil.example")
        .form(&[("key", "x"), ("op", "validate"), ("ids", id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let anonymous = client_for(&app.base);
    let res = anonymous
        .post(app.url("/orders/bulk"))
        .form(&[("key", "x"), ("op", "validate"), ("ids", id.as_str())])
        .send()
        .await
        .unwrap();
    assert!(
        matches!(res.status().as_u16(), 401 | 303),
        "{}",
        res.status()
    );
    assert_eq!(app.count("order_bulk_runs").await, 1);
}
