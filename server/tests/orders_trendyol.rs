//! Trendyol stores (wiremock answering in the shapes of Trendyol's order integration API,
//! `fixtures/trendyol/`), on both databases: connecting with its bad inputs; a first pass
//! reading three months in windows of two weeks page by page, later passes reading changes
//! since; the package status flow moving orders; Trendyol down or throttling mid-pass
//! resuming from the cursor; a refused key ending the pass with Trendyol's words.

mod common;

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use common::*;
use serde_json::{json, Value};
use server::{
    access::Principal,
    audit::RequestMeta,
    orders::{
        config::OrdersConfig,
        connections::{self, TrendyolInput},
        service::{self, Query},
        sync,
    },
    team::stores::{self, StoreInput},
    Error,
};
use uuid::Uuid;
use wiremock::{
    matchers::{header, method, path},
    Mock, MockServer, Request, Respond, ResponseTemplate,
};

const SELLER: &str = "123456";
const KEY: &str = "qwErTy123456KEY";
const SECRET: &str = "aSdFgH987654SECRET";
const ORDERS: &str = "/integration/order/sellers/123456/orders";

fn meta() -> RequestMeta {
    RequestMeta::default()
}

/// A shipment package: the fixture with another id, number, status and last change.
fn package(id: u64, number: &str, status: &str, modified: DateTime<Utc>) -> Value {
    let mut p: Value =
        serde_json::from_str(include_str!("fixtures/trendyol/package.json")).unwrap();
    p["id"] = json!(id);
    p["orderNumber"] = json!(number);
    p["shipmentPackageStatus"] = json!(status);
    p["status"] = json!(status);
    p["orderDate"] = json!((modified - Duration::hours(1)).timestamp_millis());
    p["lastModifiedDate"] = json!(modified.timestamp_millis());
    p
}

/// Trendyol's getShipmentPackages over a list of packages: those last changed in
/// [startDate, endDate], oldest first, in pages of two (so passes walk pages).
#[derive(Clone, Default)]
struct Packages(Arc<Mutex<Vec<Value>>>);

const STANDIN_PAGE: usize = 2;

impl Packages {
    fn put(&self, p: Value) {
        let mut all = self.0.lock().unwrap();
        all.retain(|q| q["id"] != p["id"]);
        all.push(p);
    }
}

fn param(req: &Request, name: &str) -> Option<i64> {
    req.url
        .query_pairs()
        .find(|(k, _)| k == name)
        .and_then(|(_, v)| v.parse().ok())
}

impl Respond for Packages {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let (Some(start), Some(end), Some(page)) = (
            param(req, "startDate"),
            param(req, "endDate"),
            param(req, "page"),
        ) else {
            return ResponseTemplate::new(400).set_body_json(
                json!({ "errors": [{ "message": "startDate, endDate and page are required" }] }),
            );
        };
        if end - start > Duration::days(14).num_milliseconds() {
            return ResponseTemplate::new(400).set_body_json(
                json!({ "errors": [{ "message": "The date range may be two weeks at most" }] }),
            );
        }
        let mut hits: Vec<Value> = self
            .0
            .lock()
            .unwrap()
            .iter()
            .filter(|p| {
                let m = p["lastModifiedDate"].as_i64().unwrap();
                m >= start && m <= end
            })
            .cloned()
            .collect();
        hits.sort_by_key(|p| p["lastModifiedDate"].as_i64());
        let total = hits.len();
        let content: Vec<Value> = hits
            .into_iter()
            .skip(page as usize * STANDIN_PAGE)
            .take(STANDIN_PAGE)
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({
            "page": page, "size": STANDIN_PAGE, "totalElements": total,
            "totalPages": total.div_ceil(STANDIN_PAGE), "content": content
        }))
    }
}

struct Setup {
    app: TestApp,
    owner: Principal,
    store: Uuid,
    trendyol: MockServer,
    packages: Packages,
}

async fn setup() -> Setup {
    let trendyol = MockServer::start().await;
    let app = spawn_app_with(&[("TRENDYOL_API_BASE", &trendyol.uri())]).await;
    app.setup("ada@example.com").await;
    let owner = app.principal("ada@example.com").await;
    let store = stores::create(
        &app.state.db,
        &owner,
        &meta(),
        StoreInput {
            name: "Trendyol RO".into(),
            platform: "trendyol".into(),
        },
    )
    .await
    .unwrap()
    .id;
    connections::connect_trendyol(
        &app.state.db,
        &app.state.config.app_secret_key,
        &owner,
        &meta(),
        input(store),
    )
    .await
    .unwrap();
    Setup {
        app,
        owner,
        store,
        trendyol,
        packages: Packages::default(),
    }
}

fn input(store_id: Uuid) -> TrendyolInput {
    TrendyolInput {
        store_id,
        seller_id: SELLER.into(),
        api_key: KEY.into(),
        api_secret: SECRET.into(),
        environment: "stage".into(),
        currency: "RON".into(),
    }
}

impl Setup {
    fn config(&self) -> &OrdersConfig {
        self.app.state.config.section::<OrdersConfig>()
    }

    /// Trendyol answers from `self.packages`, when asked with the seller's key and secret and
    /// the User-Agent Trendyol asks for.
    async fn serve(&self) {
        let basic = base64_basic(KEY, SECRET);
        Mock::given(method("GET"))
            .and(path(ORDERS))
            .and(header("authorization", basic.as_str()))
            .and(header("user-agent", "123456 - SelfIntegration"))
            .respond_with(self.packages.clone())
            .mount(&self.trendyol)
            .await;
    }

    /// Runs the job queue until it is empty; answers how many jobs ran.
    async fn jobs(&self) -> usize {
        server::jobs::run_until_empty(&self.app.state.job_context(), &server::areas::jobs())
            .await
            .unwrap()
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

    async fn queue(&self) -> bool {
        sync::sync_now(&self.app.state.db, &self.owner, &meta(), self.store, None)
            .await
            .unwrap()
    }

    /// (number, status) of every order, by number.
    async fn orders(&self) -> Vec<(String, String)> {
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
            .map(|r| (r.number, r.status))
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

    /// (startDate, endDate, page) of every call Trendyol received, in order.
    async fn calls(&self) -> Vec<(i64, i64, i64)> {
        self.trendyol
            .received_requests()
            .await
            .unwrap()
            .iter()
            .map(|r| {
                (
                    param(r, "startDate").unwrap(),
                    param(r, "endDate").unwrap(),
                    param(r, "page").unwrap(),
                )
            })
            .collect()
    }
}

fn base64_basic(user: &str, password: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[tokio::test]
async fn a_first_pass_reads_three_months_in_windows_and_later_passes_read_changes_since() {
    let s = setup().await;
    s.serve().await;
    let now = Utc::now();
    // Three packages in the last two weeks (two pages there), one two months ago.
    s.packages
        .put(package(1, "TY-1001", "Created", now - Duration::days(60)));
    s.packages
        .put(package(2, "TY-1002", "Picking", now - Duration::days(3)));
    s.packages
        .put(package(3, "TY-1003", "Delivered", now - Duration::days(2)));
    s.packages
        .put(package(4, "TY-1004", "Cancelled", now - Duration::hours(5)));
    assert!(s.queue().await);
    assert!(!s.queue().await, "a second click while queued does nothing");
    assert_eq!(s.jobs().await, 1, "one pass for the two clicks");
    assert_eq!(
        s.orders().await,
        pairs(&[
            ("TY-1001", "PENDING"),
            ("TY-1002", "PICKING"),
            ("TY-1003", "DELIVERED"),
            ("TY-1004", "CANCELLED"),
        ])
    );
    assert_eq!(s.state().await, (None, None, 4, None));

    // Windows of at most two weeks, back to back from three months ago up to now, and each
    // window's pages in turn.
    let calls = s.calls().await;
    let day = Duration::days(1).num_milliseconds();
    assert!(calls[0].0 <= (now - Duration::days(90)).timestamp_millis() + day);
    assert!(calls[0].0 >= (now - Duration::days(90)).timestamp_millis() - day);
    for w in calls.windows(2) {
        let ((s0, e0, p0), (s1, e1, p1)) = (w[0], w[1]);
        assert!(e0 - s0 <= 14 * day && e1 - s1 <= 14 * day);
        if p1 == p0 + 1 {
            assert_eq!((s1, e1), (s0, e0), "a next page keeps its window");
        } else {
            assert_eq!(
                (s1, p1),
                (e0, 0),
                "the next window starts where the last ended"
            );
        }
    }
    assert_eq!(
        calls.len(),
        7 + 1,
        "seven windows, the last one read in two pages"
    );
    assert!(calls.last().unwrap().1 >= now.timestamp_millis());

    // A later pass asks only for what changed since (less a margin), and the package's new
    // status moves its order along the flow: one timeline entry per real change.
    let events_before = s.app.count("order_events").await;
    s.packages.put(package(
        2,
        "TY-1002",
        "Shipped",
        Utc::now() - Duration::seconds(1),
    ));
    assert!(s.queue().await);
    s.jobs().await;
    assert_eq!(s.orders().await[1], ("TY-1002".into(), "SHIPPED".into()));
    let later = &s.calls().await[8..];
    assert_eq!(later.len(), 1, "one window since the last pass");
    assert!(later[0].0 >= (now - Duration::minutes(7)).timestamp_millis());
    assert_eq!(
        s.app.count("order_events").await,
        events_before + 2,
        "an update and a status entry for the one changed package"
    );
    assert_eq!(s.app.count("orders").await, 4);
}

#[tokio::test]
async fn trendyol_down_or_throttling_mid_pass_resumes_from_the_cursor() {
    let s = setup().await;
    let now = Utc::now();
    for (i, hours) in [30, 20, 10].into_iter().enumerate() {
        s.packages.put(package(
            10 + i as u64,
            &format!("TY-20{i}"),
            "Created",
            now - Duration::hours(hours),
        ));
    }
    struct Page(i64);
    impl wiremock::Match for Page {
        fn matches(&self, req: &Request) -> bool {
            param(req, "page") == Some(self.0)
        }
    }
    // The last window's second page: down once, then a 429 with Retry-After, then answers.
    let recent = (now - Duration::days(2)).timestamp_millis();
    struct From(i64);
    impl wiremock::Match for From {
        fn matches(&self, req: &Request) -> bool {
            param(req, "endDate").is_some_and(|e| e > self.0)
        }
    }
    Mock::given(method("GET"))
        .and(Page(1))
        .and(From(recent))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&s.trendyol)
        .await;
    Mock::given(method("GET"))
        .and(Page(1))
        .and(From(recent))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0"))
        .up_to_n_times(1)
        .with_priority(2)
        .mount(&s.trendyol)
        .await;
    Mock::given(method("GET"))
        .respond_with(s.packages.clone())
        .with_priority(5)
        .mount(&s.trendyol)
        .await;

    assert!(s.queue().await);
    let err = s.pass().await.expect_err("Trendyol down stops the pass");
    assert!(err.to_string().contains("unavailable"), "{err}");
    let (state, cursor, done, error) = s.state().await;
    assert_eq!((state.as_deref(), done), (Some("running"), 2));
    assert!(
        cursor.unwrap().ends_with(":1"),
        "stopped at the second page"
    );
    assert!(error.unwrap().contains("Trendyol is unavailable"));
    assert_eq!(s.app.count("orders").await, 2);

    assert_eq!(s.pass().await.unwrap(), "3 packages read");
    assert_eq!(s.state().await, (None, None, 3, None));
    assert_eq!(s.app.count("orders").await, 3);
    let pages: Vec<i64> = s.calls().await.iter().map(|c| c.2).collect();
    assert_eq!(
        pages.iter().filter(|p| **p == 1).count(),
        3,
        "page two asked three times (down, throttled, answered); page one of its window once"
    );
}

#[tokio::test]
async fn connecting_checks_every_field_and_a_refused_key_ends_the_pass_with_trendyols_words() {
    let s = setup().await;
    let (db, key) = (&s.app.state.db, &s.app.state.config.app_secret_key);
    // Bad inputs, each refused at its field with nothing changed.
    let hint_before: String = server::with_db!(db, |c| sqlx::query_scalar(
        "SELECT credentials_hint FROM store_connections"
    )
    .fetch_one(c)
    .await)
    .unwrap();
    type Edit = fn(&mut TrendyolInput);
    let bad: [(&str, Edit); 9] = [
        ("seller_id", |i| i.seller_id = "abc".into()),
        ("seller_id", |i| i.seller_id = "0123".into()),
        ("seller_id", |i| i.seller_id = "1234567890123".into()),
        ("api_key", |i| i.api_key = "short".into()),
        ("api_key", |i| i.api_key = "has spaces in it".into()),
        ("api_secret", |i| i.api_secret = "x".repeat(129)),
        ("api_secret", |i| i.api_secret = "sécret-123456".into()),
        ("environment", |i| i.environment = "prod".into()),
        ("currency", |i| i.currency = "euro".into()),
    ];
    for (field, edit) in bad {
        let mut i = input(s.store);
        edit(&mut i);
        match connections::connect_trendyol(db, key, &s.owner, &meta(), i).await {
            Err(Error::Validation { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{field}: {other:?}"),
        }
    }
    // A Shopify store does not take Trendyol credentials; an unknown store is not found.
    let shop = stores::create(
        db,
        &s.owner,
        &meta(),
        StoreInput {
            name: "Atelier".into(),
            platform: "shopify".into(),
        },
    )
    .await
    .unwrap()
    .id;
    assert!(matches!(
        connections::connect_trendyol(db, key, &s.owner, &meta(), input(shop)).await,
        Err(Error::Validation { field, .. }) if field == "store_id"
    ));
    assert!(matches!(
        connections::connect_trendyol(db, key, &s.owner, &meta(), input(Uuid::now_v7())).await,
        Err(Error::NotFound)
    ));
    let viewer = s
        .app
        .add_member(&s.owner, "vic@example.com", "viewer", vec![s.store])
        .await;
    assert!(matches!(
        connections::connect_trendyol(db, key, &viewer, &meta(), input(s.store)).await,
        Err(Error::Forbidden)
    ));
    let hint: String = server::with_db!(db, |c| sqlx::query_scalar(
        "SELECT credentials_hint FROM store_connections"
    )
    .fetch_one(c)
    .await)
    .unwrap();
    assert_eq!(hint, hint_before);
    assert_eq!(hint, "seller 123456 · key …6KEY · secret …CRET · stage");
    // The audit names the seller, never the key or secret.
    let details: Vec<sqlx::types::Json<Value>> = server::with_db!(db, |c| sqlx::query_scalar(
        "SELECT details FROM audit_log WHERE action = 'STORE_CONNECTED'"
    )
    .fetch_all(c)
    .await)
    .unwrap();
    assert_eq!(details.len(), 1);
    let text = details[0].0.to_string();
    assert!(text.contains("123456") && !text.contains(KEY) && !text.contains(SECRET));

    // Test connection: Trendyol's count of the last two weeks.
    s.serve().await;
    s.packages.put(package(
        7,
        "TY-7",
        "Created",
        Utc::now() - Duration::days(1),
    ));
    let said = sync::test_connection(db, key, s.config(), &s.owner, s.store)
        .await
        .unwrap();
    assert_eq!(
        said,
        "Connected to Trendyol seller 123456: 1 packages changed in the last two weeks."
    );
    // Trendyol refuses the key: Test connection and the pass say Trendyol's words.
    s.trendyol.reset().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "errors": [{ "key": "401", "message": "Unauthorized supplier credentials" }]
        })))
        .mount(&s.trendyol)
        .await;
    match sync::test_connection(db, key, s.config(), &s.owner, s.store).await {
        Err(Error::Validation { message, .. }) => {
            assert!(
                message.contains("Unauthorized supplier credentials"),
                "{message}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(s.queue().await);
    s.jobs().await;
    let (state, _, _, error) = s.state().await;
    assert_eq!(state, None, "the pass ended");
    assert_eq!(
        error.as_deref(),
        Some("Trendyol refused the sync: Unauthorized supplier credentials")
    );
    assert_eq!(s.app.count("orders").await, 0);
    // Reconciliation is Shopify's: asked of a Trendyol store, it says so.
    assert!(matches!(
        server::orders::reconcile::check_now(db, key, s.config(), &s.owner, s.store).await,
        Err(Error::Validation { field, .. }) if field == "store_id"
    ));
}
