//! Shopify sync through the GraphQL Admin API (wiremock with the API's request and answer
//! shapes), on both databases: a first pass imports every page, later passes read changes
//! since the last; Shopify down, a 429 or a THROTTLED answer mid-pass resume from the cursor
//! with no gap and no duplicate; a refused token ends the pass with Shopify's message; "Test
//! connection"; who may ask for a pass, and a double click doing one.

mod common;

use common::*;
use serde_json::{json, Value};
use server::{
    access::Principal,
    audit::RequestMeta,
    orders::{
        config::OrdersConfig,
        connections::{self, ShopifyInput},
        service::{self, Query},
        shopify, sync,
    },
    team::stores::{self, StoreInput},
    Error,
};
use uuid::Uuid;
use wiremock::{
    matchers::{header, method, path},
    Mock, MockServer, Request, ResponseTemplate,
};

const SHOP: &str = "ana-shop.myshopify.com";
const TOKEN: &str = "shpat_0123456789abcdefWXYZ";
const ENDPOINT: &str = "/admin/api/2026-10/graphql.json";

fn meta() -> RequestMeta {
    RequestMeta::default()
}

/// An order node of the GraphQL Admin API: the fixture with another id, number and updatedAt.
fn node(id: u64, number: &str, updated_at: &str) -> Value {
    let mut n: Value =
        serde_json::from_str(include_str!("fixtures/shopify/order_node.json")).unwrap();
    n["id"] = json!(format!("gid://shopify/Order/{id}"));
    n["name"] = json!(number);
    n["updatedAt"] = json!(updated_at);
    n
}

/// The `orders` answer Shopify gives, with its cost extension.
fn page(nodes: Vec<Value>, end: Option<&str>, next: bool) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "data": { "orders": { "nodes": nodes, "pageInfo": { "hasNextPage": next, "endCursor": end } } },
        "extensions": { "cost": { "requestedQueryCost": 252, "actualQueryCost": 12,
            "throttleStatus": { "maximumAvailable": 2000.0, "currentlyAvailable": 1988, "restoreRate": 100.0 } } }
    }))
}

/// Matches a GraphQL call by the `after` variable (None: the first page).
struct After(Option<&'static str>);

impl wiremock::Match for After {
    fn matches(&self, req: &Request) -> bool {
        let body: Value = serde_json::from_slice(&req.body).unwrap_or_default();
        body["query"]
            .as_str()
            .is_some_and(|q| q.contains("orders("))
            && body["variables"]["after"].as_str() == self.0
    }
}

struct Setup {
    app: TestApp,
    owner: Principal,
    store: Uuid,
    shopify: MockServer,
}

/// Matches a GraphQL call whose query holds `text` ("ordersCount {": the store's plain order
/// count, which a first pass asks to choose pages or a bulk export; not reconciliation's aliased
/// per-day counts).
struct Asks(&'static str);

impl wiremock::Match for Asks {
    fn matches(&self, req: &Request) -> bool {
        let body: Value = serde_json::from_slice(&req.body).unwrap_or_default();
        body["query"].as_str().is_some_and(|q| q.contains(self.0))
    }
}

fn count(n: u64) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "data": { "ordersCount": { "count": n, "precision": "EXACT" } },
        "extensions": { "cost": { "requestedQueryCost": 1, "actualQueryCost": 1 } }
    }))
}

async fn setup() -> Setup {
    setup_with(&[]).await
}

async fn setup_with(env: &[(&str, &str)]) -> Setup {
    let shopify = MockServer::start().await;
    let base = shopify.uri();
    let mut env = env.to_vec();
    env.push(("SHOPIFY_API_BASE", &base));
    let app = spawn_app_with(&env).await;
    // A small store unless a test says otherwise: first passes read pages.
    Mock::given(method("POST"))
        .and(Asks("ordersCount {"))
        .respond_with(count(2))
        .with_priority(10)
        .mount(&shopify)
        .await;
    app.setup("ada@example.com").await;
    let owner = app.principal("ada@example.com").await;
    let store = stores::create(
        &app.state.db,
        &owner,
        &meta(),
        StoreInput {
            name: "Atelier".into(),
            platform: "shopify".into(),
        },
    )
    .await
    .unwrap()
    .id;
    connections::connect_shopify(
        &app.state.db,
        &app.state.config.app_secret_key,
        &owner,
        &meta(),
        ShopifyInput {
            store_id: store,
            shop_domain: SHOP.into(),
            access_token: TOKEN.into(),
            webhook_secret: "shpss_0123456789abcdef".into(),
            currency: "RON".into(),
        },
    )
    .await
    .unwrap();
    Setup {
        app,
        owner,
        store,
        shopify,
    }
}

impl Setup {
    fn config(&self) -> &OrdersConfig {
        self.app.state.config.section::<OrdersConfig>()
    }

    async fn pass(&self) -> anyhow::Result<String> {
        sync::run(
            &self.app.state.db,
            &self.app.state.config.app_secret_key,
            self.config(),
            self.store,
        )
        .await
    }

    async fn numbers(&self) -> Vec<String> {
        let q = Query {
            sort: Some("number".into()),
            asc: true,
            ..Default::default()
        };
        service::inbox(&self.app.state.db, &self.owner, &q)
            .await
            .unwrap()
            .rows
            .into_iter()
            .map(|r| r.number)
            .collect()
    }

    async fn state(&self) -> (Option<String>, Option<String>, i64, Option<String>) {
        server::with_db!(&self.app.state.db, |c| sqlx::query_as(
            "SELECT sync_state, sync_cursor, sync_done, sync_error FROM store_connections"
        )
        .fetch_one(c)
        .await)
        .unwrap()
    }

    async fn queue(&self) -> bool {
        sync::sync_now(&self.app.state.db, &self.owner, &meta(), self.store, None)
            .await
            .unwrap()
    }
}

/// The `query` variable of every orders call received, in order.
async fn filters(server: &MockServer) -> Vec<Option<String>> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter_map(|r| serde_json::from_slice::<Value>(&r.body).ok())
        .filter(|b| b["query"].as_str().is_some_and(|q| q.contains("orders(")))
        .map(|b| b["variables"]["query"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn a_first_pass_imports_every_page_and_later_passes_read_changes_since() {
    let s = setup().await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .and(header("x-shopify-access-token", TOKEN))
        .and(After(None))
        .respond_with(page(
            vec![
                node(1, "#1001", "2026-11-29T10:00:00Z"),
                node(2, "#1002", "2026-11-29T11:00:00Z"),
            ],
            Some("c1"),
            true,
        ))
        .up_to_n_times(1)
        .mount(&s.shopify)
        .await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .and(After(Some("c1")))
        .respond_with(page(
            vec![node(3, "#1003", "2026-11-30T09:00:00Z")],
            Some("c2"),
            false,
        ))
        .mount(&s.shopify)
        .await;
    assert!(s.queue().await);
    assert!(!s.queue().await, "a second click while queued does nothing");
    assert_eq!(run_jobs(&s.app).await, 1, "one pass for the two clicks");
    assert_eq!(s.numbers().await, vec!["#1001", "#1002", "#1003"]);
    assert_eq!(s.state().await, (None, None, 3, None));

    // The next pass asks for changes since the newest updated_at read, less a minute.
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .and(After(None))
        .respond_with(page(
            vec![
                node(3, "#1003", "2026-11-30T09:00:00Z"),
                node(4, "#1004", "2026-11-30T09:30:00Z"),
            ],
            Some("c3"),
            false,
        ))
        .mount(&s.shopify)
        .await;
    assert!(s.queue().await);
    run_jobs(&s.app).await;
    assert_eq!(s.numbers().await, vec!["#1001", "#1002", "#1003", "#1004"]);
    assert_eq!(
        filters(&s.shopify).await,
        vec![
            None,
            None,
            Some("updated_at:>='2026-11-30T08:59:00Z'".into())
        ]
    );
    // The re-read order changed nothing (its updated_at is not newer).
    let events: i64 = server::with_db!(&s.app.state.db, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM order_events"
    )
    .fetch_one(c)
    .await)
    .unwrap();
    assert_eq!(events, 4, "one ingest entry per order");
    // A node and a webhook of the same order agree on every field.
    let from_node =
        shopify::facts_from_node(&node(5631234567890, "#1042", "2026-11-30T07:15:03Z")).unwrap();
    let from_webhook = shopify::order_facts(include_str!("fixtures/shopify/order.json")).unwrap();
    assert_eq!(from_node, from_webhook);
}

#[tokio::test]
async fn shopify_down_or_throttling_mid_pass_resumes_from_the_cursor_without_gap_or_duplicate() {
    let s = setup().await;
    Mock::given(method("POST"))
        .and(After(None))
        .respond_with(page(
            vec![
                node(1, "#1001", "2026-11-29T10:00:00Z"),
                node(2, "#1002", "2026-11-29T11:00:00Z"),
            ],
            Some("c1"),
            true,
        ))
        .mount(&s.shopify)
        .await;
    // Page two: Shopify is down once, then throttles (429, then a THROTTLED answer), then answers.
    Mock::given(method("POST"))
        .and(After(Some("c1")))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&s.shopify)
        .await;
    Mock::given(method("POST"))
        .and(After(Some("c1")))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0.05"))
        .up_to_n_times(1)
        .with_priority(2)
        .mount(&s.shopify)
        .await;
    Mock::given(method("POST"))
        .and(After(Some("c1")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "errors": [{ "message": "Throttled", "extensions": { "code": "THROTTLED",
                "documentation": "https://shopify.dev/api/usage/rate-limits" } }],
            "extensions": { "cost": { "requestedQueryCost": 252,
                "throttleStatus": { "maximumAvailable": 2000.0, "currentlyAvailable": 247, "restoreRate": 100.0 } } }
        })))
        .up_to_n_times(1)
        .with_priority(3)
        .mount(&s.shopify)
        .await;
    Mock::given(method("POST"))
        .and(After(Some("c1")))
        .respond_with(page(
            vec![node(3, "#1003", "2026-11-30T09:00:00Z")],
            None,
            false,
        ))
        .with_priority(4)
        .mount(&s.shopify)
        .await;

    assert!(s.queue().await);
    let err = s.pass().await.expect_err("Shopify down stops the pass");
    assert!(err.to_string().contains("unavailable"), "{err}");
    assert_eq!(s.numbers().await, vec!["#1001", "#1002"]);
    let (state, cursor, done, error) = s.state().await;
    assert_eq!(
        (state.as_deref(), cursor.as_deref(), done),
        (Some("running"), Some("c1"), 2)
    );
    assert!(error.unwrap().contains("unavailable"));

    // The retry resumes at page two, waits out the 429 and the THROTTLED answer, and finishes.
    assert_eq!(s.pass().await.unwrap(), "3 orders read");
    assert_eq!(s.numbers().await, vec!["#1001", "#1002", "#1003"]);
    assert_eq!(s.state().await, (None, None, 3, None));
    let afters: Vec<Option<String>> = s
        .shopify
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| serde_json::from_slice::<Value>(&r.body).unwrap())
        .filter(|b| b["query"].as_str().is_some_and(|q| q.contains("orders(")))
        .map(|b| b["variables"]["after"].as_str().map(str::to_string))
        .collect();
    assert_eq!(
        afters,
        vec![
            None,
            Some("c1".into()),
            Some("c1".into()),
            Some("c1".into()),
            Some("c1".into())
        ],
        "page one was read once"
    );
    assert_eq!(s.app.count("orders").await, 3);
}

#[tokio::test]
async fn a_refused_token_ends_the_pass_with_shopifys_words_and_test_connection_says_so() {
    let s = setup().await;
    let (db, key) = (&s.app.state.db, &s.app.state.config.app_secret_key);
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .and(header("x-shopify-access-token", TOKEN))
        .and(wiremock::matchers::body_string_contains("myshopifyDomain"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": { "shop": { "name": "Atelier Ana", "myshopifyDomain": SHOP, "currencyCode": "RON" } },
            "extensions": { "cost": { "requestedQueryCost": 1, "actualQueryCost": 1 } }
        })))
        .up_to_n_times(1)
        .mount(&s.shopify)
        .await;
    let info = sync::test_connection(db, key, s.config(), &s.owner, s.store)
        .await
        .unwrap();
    assert_eq!(info, format!("Connected to Atelier Ana ({SHOP}, RON)."));

    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
        })))
        .mount(&s.shopify)
        .await;
    match sync::test_connection(db, key, s.config(), &s.owner, s.store).await {
        Err(Error::Validation { message, .. }) => {
            assert!(
                message.contains("Invalid API key or access token"),
                "{message}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(s.queue().await);
    run_jobs(&s.app).await;
    let (state, _, _, error) = s.state().await;
    assert_eq!(state, None, "the pass ended");
    assert!(error.unwrap().contains("Invalid API key or access token"));
    assert_eq!(s.app.count("orders").await, 0);
    // It can be asked again (and ends the same way) once the credentials are fixed.
    assert!(s.queue().await);
}

#[tokio::test]
async fn only_members_who_update_orders_of_that_store_ask_for_a_pass() {
    let s = setup().await;
    let db = &s.app.state.db;
    let other = stores::create(
        db,
        &s.owner,
        &meta(),
        StoreInput {
            name: "Outlet".into(),
            platform: "shopify".into(),
        },
    )
    .await
    .unwrap()
    .id;
    let viewer = s
        .app
        .add_member(&s.owner, "vic@example.com", "viewer", vec![s.store])
        .await;
    let operator = s
        .app
        .add_member(&s.owner, "op@example.com", "operator", vec![other])
        .await;
    assert!(matches!(
        sync::sync_now(db, &viewer, &meta(), s.store, None).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        sync::sync_now(db, &operator, &meta(), s.store, None).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        sync::sync_now(db, &s.owner, &meta(), Uuid::now_v7(), None).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        sync::test_connection(
            db,
            &s.app.state.config.app_secret_key,
            s.config(),
            &operator,
            s.store
        )
        .await,
        Err(Error::Forbidden)
    ));
    assert_eq!(sync::statuses(db, &operator).await.unwrap().len(), 0);
    assert_eq!(sync::statuses(db, &viewer).await.unwrap().len(), 1);
    let sync_jobs = || async {
        server::with_db!(db, |c| sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM jobs WHERE kind = 'orders.sync'"
        )
        .fetch_one(c)
        .await)
        .unwrap()
    };
    assert_eq!(sync_jobs().await, 0);
    assert!(s.queue().await);
    assert_eq!(sync_jobs().await, 1);
    let actions = s.app.audit_actions().await;
    assert!(actions.iter().any(|(a, _)| a == "ORDERS_SYNC_REQUESTED"));
}

async fn run_jobs(app: &TestApp) -> usize {
    server::jobs::run_until_empty(&app.state.job_context(), &server::areas::jobs())
        .await
        .unwrap()
}

/// Answers the reconciliation query: per aliased day, the count and newest updatedAt of
/// `shop_days` (0 and none for days not listed).
struct ShopDays(Vec<(chrono::NaiveDate, i64, &'static str)>);

impl wiremock::Respond for ShopDays {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&req.body).unwrap();
        let query = body["query"].as_str().unwrap();
        let alias =
            regex::Regex::new(r#"c(\d+): ordersCount\(query: "created_at:>='(\d{4}-\d{2}-\d{2})T"#)
                .unwrap();
        let mut data = serde_json::Map::new();
        for cap in alias.captures_iter(query) {
            let (i, day) = (&cap[1], cap[2].parse::<chrono::NaiveDate>().unwrap());
            let found = self.0.iter().find(|(d, _, _)| *d == day);
            let count = found.map_or(0, |f| f.1);
            let nodes = found.map_or(json!([]), |f| json!([{ "updatedAt": f.2 }]));
            data.insert(
                format!("c{i}"),
                json!({ "count": count, "precision": "EXACT" }),
            );
            data.insert(format!("l{i}"), json!({ "nodes": nodes }));
        }
        assert_eq!(data.len(), 60, "thirty days asked in one call");
        ResponseTemplate::new(200).set_body_json(
            json!({ "data": data, "extensions": { "cost": { "requestedQueryCost": 150 } } }),
        )
    }
}

#[tokio::test]
async fn reconciliation_shows_a_drifting_day_and_its_re_sync_closes_the_gap() {
    let s = setup().await;
    let (db, key) = (&s.app.state.db, &s.app.state.config.app_secret_key);
    let day = chrono::Utc::now().date_naive() - chrono::Duration::days(1);
    let at = |h: u32| format!("{day}T{h:02}:00:00Z");
    let created = |id: u64, number: &str, h: u32| {
        let mut n = node(id, number, &at(h));
        n["createdAt"] = json!(at(h));
        n
    };
    // We received two of the day's three orders (the third's webhook was lost).
    Mock::given(method("POST"))
        .and(After(None))
        .respond_with(page(
            vec![created(1, "#1001", 10), created(2, "#1002", 11)],
            Some("c1"),
            false,
        ))
        .up_to_n_times(1)
        .mount(&s.shopify)
        .await;
    assert!(s.queue().await);
    run_jobs(&s.app).await;
    assert_eq!(s.numbers().await, vec!["#1001", "#1002"]);
    let synced_until = || async {
        server::with_db!(db, |c| sqlx::query_scalar::<
            _,
            Option<chrono::DateTime<chrono::Utc>>,
        >(
            "SELECT synced_until FROM store_connections"
        )
        .fetch_one(c)
        .await)
        .unwrap()
    };
    let mark = synced_until().await;

    Mock::given(method("POST"))
        .and(wiremock::matchers::body_string_contains("ordersCount"))
        .respond_with(ShopDays(vec![(day, 3, Box::leak(at(12).into_boxed_str()))]))
        .mount(&s.shopify)
        .await;
    assert_eq!(
        server::orders::reconcile::check_now(db, key, s.config(), &s.owner, s.store)
            .await
            .unwrap(),
        1
    );
    let drift = server::orders::reconcile::drift(db, &s.owner)
        .await
        .unwrap();
    assert_eq!(drift.len(), 1);
    assert_eq!(
        (drift[0].day, drift[0].shop_count, drift[0].our_count),
        (day, 3, 2)
    );

    // Re-syncing that day asks for the orders created that day and brings the third.
    Mock::given(method("POST"))
        .and(After(None))
        .respond_with(page(
            vec![
                created(1, "#1001", 10),
                created(2, "#1002", 11),
                created(3, "#1003", 12),
            ],
            Some("c9"),
            false,
        ))
        .mount(&s.shopify)
        .await;
    assert!(sync::sync_now(db, &s.owner, &meta(), s.store, Some(day))
        .await
        .unwrap());
    run_jobs(&s.app).await;
    assert_eq!(s.numbers().await, vec!["#1001", "#1002", "#1003"]);
    assert_eq!(
        filters(&s.shopify).await.last().unwrap().as_deref(),
        Some(server::orders::shopify_api::day_filter(day).as_str())
    );
    assert_eq!(
        synced_until().await,
        mark,
        "a day's re-sync keeps the incremental mark"
    );
    assert_eq!(
        server::orders::reconcile::check_now(db, key, s.config(), &s.owner, s.store)
            .await
            .unwrap(),
        0
    );
    assert!(server::orders::reconcile::drift(db, &s.owner)
        .await
        .unwrap()
        .is_empty());

    // Who may: orders.write on a store they see.
    let viewer = s
        .app
        .add_member(&s.owner, "vic@example.com", "viewer", vec![s.store])
        .await;
    let operator = s
        .app
        .add_member(&s.owner, "op@example.com", "operator", vec![])
        .await;
    assert!(matches!(
        server::orders::reconcile::check_now(db, key, s.config(), &viewer, s.store).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        server::orders::reconcile::check_now(db, key, s.config(), &operator, s.store).await,
        Err(Error::NotFound)
    ));
}

fn graphql(data: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "data": data, "extensions": { "cost": { "requestedQueryCost": 10, "actualQueryCost": 10 } }
    }))
}

fn started(id: &str) -> ResponseTemplate {
    graphql(json!({ "bulkOperationRunQuery": {
        "bulkOperation": { "id": id, "status": "CREATED" }, "userErrors": [] } }))
}

fn operation(status: &str, error: Option<&str>, url: Option<&str>) -> ResponseTemplate {
    graphql(json!({ "node": {
        "status": status, "errorCode": error, "objectCount": "7", "url": url } }))
}

/// A grouped bulk export of `nodes`: each order's line (without its line items) followed by
/// one line per item, carrying `__parentId`.
fn jsonl(nodes: &[Value]) -> String {
    let mut out = String::new();
    for n in nodes {
        let mut order = n.clone();
        let items = order.as_object_mut().unwrap().remove("lineItems").unwrap();
        out.push_str(&order.to_string());
        out.push('\n');
        for item in items["nodes"].as_array().unwrap() {
            let mut item = item.clone();
            item["__parentId"] = n["id"].clone();
            out.push_str(&item.to_string());
            out.push('\n');
        }
    }
    out
}

fn deferred(result: anyhow::Result<String>) -> std::time::Duration {
    match result {
        Err(e) => {
            e.downcast_ref::<server::jobs::Defer>()
                .unwrap_or_else(|| panic!("not deferred: {e}"))
                .0
        }
        Ok(msg) => panic!("not deferred: {msg}"),
    }
}

#[tokio::test]
async fn a_big_stores_first_pass_reads_one_bulk_export_then_changes_since_it_began() {
    let s = setup_with(&[("ORDERS_BULK_FROM", "3"), ("ORDERS_BULK_POLL_SECONDS", "7")]).await;
    let op = "gid://shopify/BulkOperation/7701";
    let asked_at = chrono::Utc::now();
    Mock::given(method("POST"))
        .and(Asks("ordersCount {"))
        .respond_with(count(3))
        .mount(&s.shopify)
        .await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .and(header("x-shopify-access-token", TOKEN))
        .and(Asks("bulkOperationRunQuery"))
        .respond_with(started(op))
        .mount(&s.shopify)
        .await;
    assert!(s.queue().await);
    // Shopify prepares the file: the pass asks again in ORDERS_BULK_POLL_SECONDS.
    assert_eq!(deferred(s.pass().await).as_secs(), 7);
    let (state, cursor, done, _) = s.state().await;
    assert_eq!((state.as_deref(), done), (Some("running"), 0));
    let cursor = cursor.unwrap();
    assert!(
        cursor.starts_with("bulk:") && cursor.ends_with(&format!(":{op}")),
        "{cursor}"
    );
    let bodies: Vec<Value> = s
        .shopify
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    let mutation = bodies
        .iter()
        .find(|b| {
            b["query"]
                .as_str()
                .unwrap()
                .contains("bulkOperationRunQuery")
        })
        .unwrap();
    assert!(mutation["query"]
        .as_str()
        .unwrap()
        .contains("groupObjects: true"));
    let inner = mutation["variables"]["query"].as_str().unwrap();
    assert!(
        inner.contains("orders {") && inner.contains("lineItems {"),
        "{inner}"
    );

    // Still running: the job waits again, nothing read yet.
    Mock::given(method("POST"))
        .and(Asks("BulkOperation"))
        .and(wiremock::matchers::body_string_contains(op))
        .respond_with(operation("RUNNING", None, None))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&s.shopify)
        .await;
    let file = format!("{}/bulk/export.jsonl", s.shopify.uri());
    Mock::given(method("POST"))
        .and(Asks("BulkOperation"))
        .respond_with(operation("COMPLETED", None, Some(&file)))
        .with_priority(2)
        .mount(&s.shopify)
        .await;
    assert_eq!(deferred(s.pass().await).as_secs(), 7);
    assert_eq!(s.app.count("orders").await, 0);

    // Done; the file's storage fails once: the queue's retry reads it all, once.
    let mut two = node(2, "#1002", "2026-11-29T11:00:00Z");
    two["lineItems"]["nodes"]
        .as_array_mut()
        .unwrap()
        .truncate(1);
    let export = jsonl(&[
        node(1, "#1001", "2026-11-29T10:00:00Z"),
        two,
        node(3, "#1003", "2026-11-30T09:00:00Z"),
    ]);
    Mock::given(method("GET"))
        .and(path("/bulk/export.jsonl"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&s.shopify)
        .await;
    Mock::given(method("GET"))
        .and(path("/bulk/export.jsonl"))
        .respond_with(ResponseTemplate::new(200).set_body_string(export))
        .with_priority(2)
        .mount(&s.shopify)
        .await;
    let err = s.pass().await.expect_err("the file's storage is down");
    assert!(err.to_string().contains("503"), "{err}");
    assert_eq!(s.app.count("orders").await, 0);
    assert_eq!(s.pass().await.unwrap(), "3 orders read (bulk export)");
    assert_eq!(s.numbers().await, vec!["#1001", "#1002", "#1003"]);
    assert_eq!(s.app.count("order_items").await, 5, "2 + 1 + 2 line items");
    assert_eq!(s.state().await, (None, None, 3, None));
    let downloads: Vec<Request> = s
        .shopify
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.method == wiremock::http::Method::GET)
        .collect();
    assert_eq!(downloads.len(), 2);
    assert!(
        downloads
            .iter()
            .all(|r| !r.headers.contains_key("x-shopify-access-token")),
        "the token stays with the shop"
    );

    // The next pass reads changes since the export was asked for, less the minute's overlap.
    Mock::given(method("POST"))
        .and(After(None))
        .respond_with(page(
            vec![node(4, "#1004", "2026-12-01T08:00:00Z")],
            None,
            false,
        ))
        .mount(&s.shopify)
        .await;
    assert!(s.queue().await);
    assert_eq!(s.pass().await.unwrap(), "1 orders read");
    let since = filters(&s.shopify).await.pop().unwrap().unwrap();
    let since = since
        .strip_prefix("updated_at:>='")
        .and_then(|v| v.strip_suffix('\''))
        .unwrap();
    let since: chrono::DateTime<chrono::Utc> = since.parse().unwrap();
    let overlap = asked_at - since;
    assert!(
        overlap >= chrono::Duration::seconds(55) && overlap <= chrono::Duration::seconds(61),
        "{since} for an export asked at {asked_at}"
    );
    assert_eq!(s.app.count("orders").await, 4);
}

#[tokio::test]
async fn an_export_shopify_will_not_start_or_that_fails_falls_back_to_pages() {
    let s = setup_with(&[("ORDERS_BULK_FROM", "2")]).await;
    Mock::given(method("POST"))
        .and(After(None))
        .respond_with(page(
            vec![
                node(1, "#1001", "2026-11-29T10:00:00Z"),
                node(2, "#1002", "2026-11-29T11:00:00Z"),
            ],
            None,
            false,
        ))
        .mount(&s.shopify)
        .await;
    // One already running for this app (Shopify allows one at a time): pages, at once.
    Mock::given(method("POST"))
        .and(Asks("bulkOperationRunQuery"))
        .respond_with(graphql(json!({ "bulkOperationRunQuery": { "bulkOperation": null,
            "userErrors": [{ "field": null, "message": "A bulk query operation for this app and shop is already in progress" }] } })))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&s.shopify)
        .await;
    assert!(s.queue().await);
    assert_eq!(s.pass().await.unwrap(), "2 orders read");
    assert_eq!(s.numbers().await, vec!["#1001", "#1002"]);

    // Another store's first pass whose export times out at Shopify: pages too.
    server::exec!(
        &s.app.state.db,
        sqlx::query("UPDATE store_connections SET synced_until = NULL")
    )
    .unwrap();
    Mock::given(method("POST"))
        .and(Asks("bulkOperationRunQuery"))
        .respond_with(started("gid://shopify/BulkOperation/9"))
        .with_priority(2)
        .mount(&s.shopify)
        .await;
    Mock::given(method("POST"))
        .and(Asks("BulkOperation"))
        .respond_with(operation("FAILED", Some("TIMEOUT"), None))
        .mount(&s.shopify)
        .await;
    assert!(s.queue().await);
    deferred(s.pass().await);
    assert_eq!(s.pass().await.unwrap(), "2 orders read");
    assert_eq!(s.numbers().await, vec!["#1001", "#1002"]);
    assert_eq!(s.state().await, (None, None, 2, None));

    // Its token may not read every order: the pass ends with Shopify's reason.
    server::exec!(
        &s.app.state.db,
        sqlx::query(
            "UPDATE store_connections SET synced_until = NULL, sync_since = NULL, sync_state = 'running', \
             sync_cursor = 'bulk:1764600000000:gid://shopify/BulkOperation/10'"
        )
    )
    .unwrap();
    Mock::given(method("POST"))
        .and(Asks("BulkOperation"))
        .and(wiremock::matchers::body_string_contains("BulkOperation/10"))
        .respond_with(operation("FAILED", Some("ACCESS_DENIED"), None))
        .with_priority(1)
        .mount(&s.shopify)
        .await;
    let msg = s.pass().await.unwrap();
    assert!(msg.contains("ACCESS_DENIED"), "{msg}");
    let (state, cursor, _, error) = s.state().await;
    assert_eq!((state, cursor), (None, None));
    assert!(error.unwrap().contains("ACCESS_DENIED"));
}
