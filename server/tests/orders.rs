//! Orders on both databases: Shopify webhooks (signature, unknown shop, malformed body,
//! redelivery, out-of-order states), store connections (checked, sealed, audited) and the
//! inbox scoped by store access, with its filters and their bad values, and its text search.

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
        connections::{self, ShopifyInput},
        service::{self, Query},
        shopify,
    },
    team::stores::{self, StoreInput},
    Error,
};
use uuid::Uuid;

const SHOP: &str = "ana-shop.myshopify.com";
const SECRET: &str = "shpss_0123456789abcdef";
const TOKEN: &str = "shpat_0123456789abcdefWXYZ";

fn meta() -> RequestMeta {
    RequestMeta::default()
}

fn fixture() -> Value {
    serde_json::from_str(include_str!("fixtures/shopify/order.json")).unwrap()
}

/// The fixture order with another id, number and updated_at.
fn order(id: u64, number: &str, updated_at: &str) -> Value {
    let mut o = fixture();
    o["id"] = json!(id);
    o["name"] = json!(number);
    o["updated_at"] = json!(updated_at);
    o
}

async fn store(app: &TestApp, owner: &Principal, name: &str, platform: &str) -> Uuid {
    stores::create(
        &app.state.db,
        owner,
        &meta(),
        StoreInput {
            name: name.into(),
            platform: platform.into(),
        },
    )
    .await
    .unwrap()
    .id
}

fn shopify_input(store_id: Uuid, domain: &str) -> ShopifyInput {
    ShopifyInput {
        store_id,
        shop_domain: domain.into(),
        access_token: TOKEN.into(),
        webhook_secret: SECRET.into(),
        currency: "".into(),
    }
}

async fn connect(app: &TestApp, owner: &Principal, store_id: Uuid, domain: &str) {
    connections::connect_shopify(
        &app.state.db,
        &app.state.config.app_secret_key,
        owner,
        &meta(),
        shopify_input(store_id, domain),
    )
    .await
    .unwrap();
}

/// An app with an owner and a connected Shopify store.
async fn shop_app() -> (TestApp, Principal, Uuid) {
    shop_app_with(&[]).await
}

async fn shop_app_with(extra: &[(&str, &str)]) -> (TestApp, Principal, Uuid) {
    let app = spawn_app_with(extra).await;
    app.setup("ada@example.com").await;
    let owner = app.principal("ada@example.com").await;
    let store_id = store(&app, &owner, "Atelier", "shopify").await;
    connect(&app, &owner, store_id, SHOP).await;
    (app, owner, store_id)
}

struct Delivery<'a> {
    domain: &'a str,
    topic: &'a str,
    id: &'a str,
    body: String,
    signature: Option<String>,
}

impl<'a> Delivery<'a> {
    fn signed(topic: &'a str, id: &'a str, body: &Value) -> Self {
        let body = body.to_string();
        Delivery {
            domain: SHOP,
            topic,
            id,
            signature: Some(shopify::sign(body.as_bytes(), SECRET)),
            body,
        }
    }
}

async fn deliver(app: &TestApp, d: &Delivery<'_>) -> reqwest::Response {
    let mut req = app
        .client
        .post(app.url("/webhooks/shopify"))
        .header("content-type", "application/json")
        .header("x-shopify-topic", d.topic)
        .header("x-shopify-shop-domain", d.domain)
        .header("x-shopify-webhook-id", d.id)
        .header("x-shopify-api-version", "2026-10")
        .body(d.body.clone());
    if let Some(sig) = &d.signature {
        req = req.header("x-shopify-hmac-sha256", sig);
    }
    req.send().await.unwrap()
}

async fn run_jobs(app: &TestApp) -> usize {
    run_until_empty(&app.state.job_context(), &server::areas::jobs())
        .await
        .unwrap()
}

async fn inbox(app: &TestApp, p: &Principal, q: Query) -> Vec<(String, String)> {
    service::inbox(&app.state.db, p, &q)
        .await
        .unwrap()
        .rows
        .into_iter()
        .map(|r| (r.number, r.status))
        .collect()
}

#[tokio::test]
async fn a_signed_order_webhook_becomes_one_order_with_its_items_money_and_checks() {
    let (app, owner, _) = shop_app().await;
    let body = fixture();
    for _ in 0..3 {
        let res = deliver(&app, &Delivery::signed("orders/create", "wh-1", &body)).await;
        assert_eq!(res.status(), 200);
    }
    assert_eq!(
        app.count("shopify_webhooks").await,
        1,
        "redeliveries recorded once"
    );
    assert_eq!(run_jobs(&app).await, 1, "one job for three deliveries");
    assert_eq!(app.count("orders").await, 1);

    let page = service::inbox(&app.state.db, &owner, &Query::default())
        .await
        .unwrap();
    assert_eq!(page.total, 1);
    let row = &page.rows[0];
    assert_eq!(
        (row.number.as_str(), row.status.as_str()),
        ("#1042", "PENDING")
    );
    assert_eq!((row.total_minor, row.currency.as_str()), (20_989, "RON"));
    assert_eq!(row.store_name, "Atelier");
    assert_eq!(row.flags, "", "a complete Romanian address and phone");

    let d = service::detail(&app.state.db, &owner, row.id)
        .await
        .unwrap();
    assert_eq!(d.order.customer_name, "Ana Pop");
    assert_eq!(d.order.phone.as_deref(), Some("+40712345678"));
    assert_eq!(d.order.email.as_deref(), Some("ana.pop@example.ro"));
    assert_eq!(
        (
            d.order.subtotal_minor,
            d.order.shipping_minor,
            d.order.tax_minor
        ),
        (18_990, 1_999, 3_351)
    );
    let items: Vec<_> = d
        .items
        .iter()
        .map(|i| (i.sku.as_deref(), i.quantity, i.unit_price_minor))
        .collect();
    assert_eq!(
        items,
        vec![(Some("CANA-ALB"), 2, 5_995), (Some("FARF-01"), 1, 7_000)]
    );
    let ship = d.shipping.unwrap();
    assert_eq!(
        (
            ship.city.as_str(),
            ship.county.as_str(),
            ship.postcode.as_str()
        ),
        ("Brașov", "Brașov", "500035")
    );
    assert_eq!(d.events.len(), 1);
    assert!(
        d.events[0].detail.contains("Shopify (orders/create)"),
        "{:?}",
        d.events[0].detail
    );
    let raw = service::payload(&app.state.db, &owner, row.id)
        .await
        .unwrap();
    assert_eq!(serde_json::from_str::<Value>(&raw).unwrap(), body);
}

#[tokio::test]
async fn out_of_order_deliveries_keep_the_newest_state() {
    let (app, owner, _) = shop_app().await;
    let created = order(9001, "#2001", "2026-11-30T10:00:00Z");
    let mut cancelled = order(9001, "#2001", "2026-11-30T12:00:00Z");
    cancelled["cancelled_at"] = json!("2026-11-30T12:00:00Z");
    let mut paid_older = order(9001, "#2001", "2026-11-30T11:00:00Z");
    paid_older["note"] = json!("an older edit");

    // The newest state arrives first, then the creation, then an older update.
    for (topic, id, body) in [
        ("orders/cancelled", "wh-c", &cancelled),
        ("orders/create", "wh-a", &created),
        ("orders/updated", "wh-b", &paid_older),
    ] {
        assert_eq!(
            deliver(&app, &Delivery::signed(topic, id, body))
                .await
                .status(),
            200
        );
        run_jobs(&app).await;
    }
    assert_eq!(app.count("orders").await, 1);
    let rows = inbox(&app, &owner, Query::default()).await;
    assert_eq!(rows, vec![("#2001".into(), "CANCELLED".into())]);
    let id = service::inbox(&app.state.db, &owner, &Query::default())
        .await
        .unwrap()
        .rows[0]
        .id;
    let d = service::detail(&app.state.db, &owner, id).await.unwrap();
    assert_ne!(d.order.note.as_deref(), Some("an older edit"));
    assert!(d.order.cancelled_at.is_some());
    assert_eq!(d.events.len(), 1, "only the first (newest) delivery wrote");

    // A newer update after the cancellation moves the facts but keeps it cancelled.
    let mut newer = cancelled.clone();
    newer["updated_at"] = json!("2026-11-30T13:00:00Z");
    newer["note"] = json!("refund issued");
    deliver(&app, &Delivery::signed("orders/updated", "wh-d", &newer)).await;
    run_jobs(&app).await;
    let d = service::detail(&app.state.db, &owner, id).await.unwrap();
    assert_eq!(d.order.note.as_deref(), Some("refund issued"));
    assert_eq!(d.order.status, "CANCELLED");
    let outcomes: Vec<String> = server::with_db!(&app.state.db, |c| sqlx::query_scalar(
        "SELECT outcome FROM shopify_webhooks ORDER BY received_at, webhook_id"
    )
    .fetch_all(c)
    .await)
    .unwrap();
    assert_eq!(
        outcomes.iter().filter(|o| o.contains("not newer")).count(),
        2,
        "{outcomes:?}"
    );
}

#[tokio::test]
async fn bad_webhooks_are_refused_and_store_nothing() {
    let (app, _, _) = shop_app().await;
    let body = fixture();
    let good = Delivery::signed("orders/create", "wh-1", &body);

    let mut tampered = Delivery::signed("orders/create", "wh-1", &body);
    tampered.body = tampered.body.replace("209.89", "2.09");
    let mut unsigned = Delivery::signed("orders/create", "wh-1", &body);
    unsigned.signature = None;
    let mut wrong_key = Delivery::signed("orders/create", "wh-1", &body);
    wrong_key.signature = Some(shopify::sign(good.body.as_bytes(), "another-secret-000"));
    let mut garbage_sig = Delivery::signed("orders/create", "wh-1", &body);
    garbage_sig.signature = Some("not base64 at all".into());
    let mut unknown = Delivery::signed("orders/create", "wh-1", &body);
    unknown.domain = "someone-else.myshopify.com";
    let mut not_shopify = Delivery::signed("orders/create", "wh-1", &body);
    not_shopify.domain = "ana-shop.example.com";
    let malformed_body = r##"{"id": 1, "name": "#1"##.to_string();
    let malformed = Delivery {
        signature: Some(shopify::sign(malformed_body.as_bytes(), SECRET)),
        body: malformed_body,
        ..Delivery::signed("orders/create", "wh-1", &body)
    };
    let no_id = Delivery::signed("orders/create", "", &body);

    let cases: [(&str, &Delivery, u16); 8] = [
        ("tampered body", &tampered, 401),
        ("no signature", &unsigned, 401),
        ("another key's signature", &wrong_key, 401),
        ("a signature that is not base64", &garbage_sig, 401),
        ("unknown shop", &unknown, 404),
        ("not a myshopify domain", &not_shopify, 404),
        ("malformed JSON", &malformed, 400),
        ("no webhook id", &no_id, 400),
    ];
    for (what, d, status) in cases {
        assert_eq!(deliver(&app, d).await.status(), status, "{what}");
    }
    assert_eq!(app.count("shopify_webhooks").await, 0);
    assert_eq!(app.count("jobs").await, 0);
    assert_eq!(app.count("orders").await, 0);

    // An unreadable order (valid JSON, signed) is kept with why, never half-written.
    let unreadable = json!({ "id": 77, "currency": "RON", "total_price": "a lot" });
    let d = Delivery::signed("orders/create", "wh-u", &unreadable);
    assert_eq!(deliver(&app, &d).await.status(), 200);
    run_jobs(&app).await;
    assert_eq!(app.count("orders").await, 0);
    let outcome: String = server::with_db!(&app.state.db, |c| sqlx::query_scalar(
        "SELECT outcome FROM shopify_webhooks WHERE webhook_id = 'wh-u'"
    )
    .fetch_one(c)
    .await)
    .unwrap();
    assert!(outcome.starts_with("unreadable"), "{outcome}");

    // Other topics are acknowledged and ignored; app/uninstalled marks the connection.
    let d = Delivery::signed("products/update", "wh-p", &json!({ "id": 1 }));
    assert_eq!(deliver(&app, &d).await.status(), 200);
    assert_eq!(app.count("shopify_webhooks").await, 1);
    let d = Delivery::signed("app/uninstalled", "wh-x", &json!({ "id": 1 }));
    assert_eq!(deliver(&app, &d).await.status(), 200);
    run_jobs(&app).await;
    let marked: Option<chrono::DateTime<chrono::Utc>> =
        server::with_db!(&app.state.db, |c| sqlx::query_scalar(
            "SELECT uninstalled_at FROM store_connections"
        )
        .fetch_one(c)
        .await)
        .unwrap();
    assert!(marked.is_some());
}

#[tokio::test]
async fn connections_are_checked_sealed_and_audited_without_secrets() {
    let app = spawn_app().await;
    app.setup("ada@example.com").await;
    let owner = app.principal("ada@example.com").await;
    let shop = store(&app, &owner, "Atelier", "shopify").await;
    let other = store(&app, &owner, "Outlet", "shopify").await;
    let trendyol = store(&app, &owner, "Trendyol RO", "trendyol").await;
    let (db, key) = (&app.state.db, &app.state.config.app_secret_key);

    let field_of = |r: Result<(), Error>| match r {
        Err(Error::Validation { field, .. }) => field,
        other => panic!("expected a validation error, got {other:?}"),
    };
    let cases: Vec<(ShopifyInput, &str)> = vec![
        (shopify_input(shop, "ana-shop.com"), "shop_domain"),
        (shopify_input(shop, "evil.myshopify.com.io"), "shop_domain"),
        (
            ShopifyInput {
                access_token: "short".into(),
                ..shopify_input(shop, SHOP)
            },
            "access_token",
        ),
        (
            ShopifyInput {
                webhook_secret: "has spaces in the secret".into(),
                ..shopify_input(shop, SHOP)
            },
            "webhook_secret",
        ),
        (
            ShopifyInput {
                currency: "leu".repeat(2),
                ..shopify_input(shop, SHOP)
            },
            "currency",
        ),
        (shopify_input(trendyol, SHOP), "store_id"),
    ];
    for (input, field) in cases {
        assert_eq!(
            field_of(connections::connect_shopify(db, key, &owner, &meta(), input).await),
            field
        );
    }
    assert!(matches!(
        connections::connect_shopify(
            db,
            key,
            &owner,
            &meta(),
            shopify_input(Uuid::now_v7(), SHOP)
        )
        .await,
        Err(Error::NotFound)
    ));
    assert_eq!(app.count("store_connections").await, 0);

    connect(&app, &owner, shop, " HTTPS://Ana-Shop.myshopify.com/ ").await;
    assert!(matches!(
        connections::connect_shopify(db, key, &owner, &meta(), shopify_input(other, SHOP)).await,
        Err(Error::Conflict(_))
    ));
    // Reconnecting the same store replaces its credentials.
    connect(&app, &owner, shop, SHOP).await;

    let listed = connections::list(db, &owner).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].shop_domain.as_deref(), Some(SHOP));
    assert_eq!(listed[0].hint, "token …WXYZ · secret …cdef");
    assert_eq!(listed[0].currency, "RON");
    let sealed: String = server::with_db!(db, |c| sqlx::query_scalar(
        "SELECT sealed_credentials FROM store_connections"
    )
    .fetch_one(c)
    .await)
    .unwrap();
    assert!(!sealed.contains(TOKEN) && !sealed.contains(SECRET));
    let details: Vec<String> = server::with_db!(db, |c| sqlx::query_scalar(
        "SELECT CAST(details AS TEXT) FROM audit_log WHERE action = 'STORE_CONNECTED'"
    )
    .fetch_all(c)
    .await)
    .unwrap();
    assert_eq!(details.len(), 2);
    assert!(details
        .iter()
        .all(|d| !d.contains(TOKEN) && !d.contains(SECRET) && d.contains(SHOP)));

    // Only stores.manage connects, lists or disconnects.
    let operator = app
        .add_member(&owner, "op@example.com", "operator", vec![shop])
        .await;
    assert!(matches!(
        connections::connect_shopify(db, key, &operator, &meta(), shopify_input(shop, SHOP)).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        connections::list(db, &operator).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        connections::disconnect(db, &operator, &meta(), shop).await,
        Err(Error::Forbidden)
    ));
    connections::disconnect(db, &owner, &meta(), shop)
        .await
        .unwrap();
    assert!(matches!(
        connections::disconnect(db, &owner, &meta(), shop).await,
        Err(Error::NotFound)
    ));
    // A disconnected shop's webhooks find no shop.
    let d = Delivery::signed("orders/create", "wh-1", &fixture());
    assert_eq!(deliver(&app, &d).await.status(), 404);
}

#[tokio::test]
async fn members_see_only_the_orders_of_their_stores_and_filters_are_checked() {
    let (app, owner, a) = shop_app().await;
    let b = store(&app, &owner, "Outlet", "shopify").await;
    connections::connect_shopify(
        &app.state.db,
        &app.state.config.app_secret_key,
        &owner,
        &meta(),
        ShopifyInput {
            webhook_secret: "outlet-secret-0123456".into(),
            ..shopify_input(b, "outlet.myshopify.com")
        },
    )
    .await
    .unwrap();

    let mut ioana = order(1, "#A-1", "2026-11-28T10:00:00Z");
    ioana["created_at"] = json!("2026-11-28T10:00:00Z");
    ioana["customer"]["first_name"] = json!("Ioana");
    ioana["email"] = json!("ioana@example.ro");
    let mut no_phone = order(2, "#A-2", "2026-11-29T10:00:00Z");
    no_phone["created_at"] = json!("2026-11-29T10:00:00Z");
    no_phone["shipping_address"]["phone"] = json!("n/a");
    no_phone["billing_address"]["phone"] = Value::Null;
    no_phone["shipping_address"]["zip"] = json!("");
    for (id, body) in [("wh-1", &ioana), ("wh-2", &no_phone)] {
        deliver(&app, &Delivery::signed("orders/create", id, body)).await;
    }
    let outlet = order(3, "#B-1", "2026-11-30T10:00:00Z");
    let raw = outlet.to_string();
    let d = Delivery {
        domain: "outlet.myshopify.com",
        topic: "orders/create",
        id: "wh-3",
        signature: Some(shopify::sign(raw.as_bytes(), "outlet-secret-0123456")),
        body: raw,
    };
    assert_eq!(deliver(&app, &d).await.status(), 200);
    run_jobs(&app).await;
    assert_eq!(app.count("orders").await, 3);

    let numbers = |rows: Vec<(String, String)>| rows.into_iter().map(|r| r.0).collect::<Vec<_>>();
    assert_eq!(
        numbers(inbox(&app, &owner, Query::default()).await),
        vec!["#B-1", "#A-2", "#A-1"],
        "newest first"
    );
    let q = |f: fn(&mut Query)| {
        let mut q = Query::default();
        f(&mut q);
        q
    };
    assert_eq!(
        numbers(inbox(&app, &owner, q(|q| q.q = Some("IOANA".into()))).await),
        vec!["#A-1"]
    );
    assert_eq!(
        numbers(inbox(&app, &owner, q(|q| q.flag = Some("phone".into()))).await),
        vec!["#A-2"]
    );
    assert_eq!(
        numbers(inbox(&app, &owner, q(|q| q.flag = Some("address".into()))).await),
        vec!["#A-2"]
    );
    assert_eq!(
        numbers(
            inbox(
                &app,
                &owner,
                q(|q| {
                    q.from = "2026-11-29".parse().ok();
                    q.to = "2026-11-29".parse().ok();
                })
            )
            .await
        ),
        vec!["#A-2"]
    );
    assert_eq!(
        numbers(
            inbox(
                &app,
                &owner,
                q(|q| {
                    q.sort = Some("number".into());
                    q.asc = true;
                })
            )
            .await
        ),
        vec!["#A-1", "#A-2", "#B-1"]
    );
    assert_eq!(
        numbers(inbox(&app, &owner, q(|q| q.q = Some("a-1".into()))).await),
        vec!["#A-1"],
        "an order number is found without its # and in any case"
    );
    assert_eq!(
        numbers(inbox(&app, &owner, q(|q| q.q = Some("100%_".into()))).await),
        Vec::<String>::new(),
        "LIKE wildcards are matched literally"
    );

    // An operator granted store A sees A's orders only; B's answer NotFound.
    let operator = app
        .add_member(&owner, "op@example.com", "operator", vec![a])
        .await;
    assert_eq!(
        numbers(inbox(&app, &operator, Query::default()).await),
        vec!["#A-2", "#A-1"]
    );
    let only_b = Query {
        store: Some(b.to_string()),
        ..Default::default()
    };
    assert!(inbox(&app, &operator, only_b).await.is_empty());
    let b_order = service::inbox(&app.state.db, &owner, &Query::default())
        .await
        .unwrap()
        .rows[0]
        .id;
    assert!(matches!(
        service::detail(&app.state.db, &operator, b_order).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        service::payload(&app.state.db, &operator, b_order).await,
        Err(Error::NotFound)
    ));
    // Without orders.read, nothing.
    let analyst = app
        .add_member(&owner, "an@example.com", "analyst", vec![a, b])
        .await;
    assert!(matches!(
        service::inbox(&app.state.db, &analyst, &Query::default()).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        service::inbox_page(&app.state.db, &analyst, &Query::default()).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        service::inbox_count(&app.state.db, &analyst, &Query::default()).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        service::detail(&app.state.db, &analyst, b_order).await,
        Err(Error::Forbidden)
    ));

    // Bad filter values name their field.
    type Change = fn(&mut Query);
    let bad: [(Change, &str); 5] = [
        (|q| q.store = Some("not-a-uuid".into()), "store"),
        (|q| q.status = Some("LOST".into()), "status"),
        (|q| q.flag = Some("vip".into()), "flag"),
        (
            |q| {
                q.from = "2026-11-30".parse().ok();
                q.to = "2026-11-01".parse().ok();
            },
            "to",
        ),
        (|q| q.q = Some("x".repeat(101)), "q"),
    ];
    for (f, field) in bad {
        match service::inbox(&app.state.db, &owner, &q(f)).await {
            Err(Error::Validation { field: got, .. }) => assert_eq!(got, field),
            other => panic!("{field}: {:?}", other.map(|i| i.total)),
        }
        // The inbox's page and count, asked apart, refuse it the same way.
        match service::inbox_count(&app.state.db, &owner, &q(f)).await {
            Err(Error::Validation { field: got, .. }) => assert_eq!(got, field),
            other => panic!("count {field}: {other:?}"),
        }
        assert!(matches!(
            service::inbox_page(&app.state.db, &owner, &q(f)).await,
            Err(Error::Validation { .. })
        ));
    }
    // Unknown sort keys and page sizes fall back; pages past the end are empty.
    let page = service::inbox(
        &app.state.db,
        &owner,
        &q(|q| {
            q.sort = Some("drop table".into());
            q.per_page = 7;
            q.page = 99;
        }),
    )
    .await
    .unwrap();
    assert_eq!((page.per_page, page.total, page.rows.len()), (50, 3, 0));
}

/// Copies order `from` `n` times as "Bulk Buyer <i>" (i from 1), straight into the table.
async fn copies(app: &TestApp, from: Uuid, n: i64) {
    let new_id = match app.state.db {
        server::Db::Sqlite(..) => "randomblob(16)",
        server::Db::Postgres(_) => "gen_random_uuid()",
    };
    let sql = format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $2) \
         INSERT INTO orders (id, company_id, store_id, external_id, number, status, financial_status, \
         fulfillment_status, currency, total_minor, subtotal_minor, shipping_minor, tax_minor, customer_name, \
         email, phone, shipping_address, billing_address, payment_gateway, note, flags, search, placed_at, \
         source_updated_at, cancelled_at, created_at, updated_at, placed_day) \
         SELECT {new_id}, company_id, store_id, 'bulk-' || i, '#B' || i, status, financial_status, \
         fulfillment_status, currency, total_minor, subtotal_minor, shipping_minor, tax_minor, 'Bulk Buyer ' || i, \
         email, phone, shipping_address, billing_address, payment_gateway, note, flags, \
         '#b' || i || ' bulk buyer ' || i, placed_at, source_updated_at, cancelled_at, created_at, updated_at, placed_day \
         FROM orders, n WHERE orders.id = $1"
    );
    server::with_db!(&app.state.db, |p| sqlx::query(&sql)
        .bind(from)
        .bind(n)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))
    .unwrap();
}

/// SQLite's trigram index matches what the orders hold (its own integrity check).
async fn search_index_is_sound(app: &TestApp) {
    if let server::Db::Sqlite(p, _) = &app.state.db {
        sqlx::query(
            "INSERT INTO orders_search (orders_search, rank) VALUES ('integrity-check', 1)",
        )
        .execute(p)
        .await
        .expect("orders_search agrees with orders");
    }
}

#[tokio::test]
async fn text_search_finds_rare_short_and_common_terms_and_follows_changes() {
    let (app, owner, a) = shop_app().await;
    let db = &app.state.db;
    let customers = [
        ("Ioana", "Pop", "pop"),
        ("Zed", "Quist", "quist"),
        ("Ana \"Nia\"", "Ene", "ene"),
        ("Maria", "Stan", "stan"),
    ];
    let mut ids = Vec::new();
    for (i, (first, last, mail)) in customers.into_iter().enumerate() {
        ids.push(
            orders_common::add_order(db, &owner, a, i as u64 + 1, |o| {
                o["customer"]["first_name"] = json!(first);
                o["customer"]["last_name"] = json!(last);
                o["email"] = json!(format!("{mail}@example.ro"));
            })
            .await,
        );
    }
    // Another company's customer of the same name stays its own.
    let other = app.sign_up("Other Co", "Olga", "olga@example.com").await;
    let other_store = orders_common::store(db, &other, "Elsewhere").await;
    orders_common::add_order(db, &other, other_store, 9, |o| {
        o["customer"]["last_name"] = json!("Quist");
    })
    .await;

    let search = |text: &'static str| {
        let owner = &owner;
        async move {
            let q = Query {
                q: Some(text.into()),
                ..Default::default()
            };
            let inbox = service::inbox(db, owner, &q).await.unwrap();
            // The inbox asks for its page and its count apart: the same answer.
            let page = service::inbox_page(db, owner, &q).await.unwrap();
            let ids: Vec<_> = inbox.rows.iter().map(|r| r.id).collect();
            let page_ids: Vec<_> = page.rows.iter().map(|r| r.id).collect();
            assert_eq!(page_ids, ids, "page of {text}");
            let count = service::inbox_count(db, owner, &q).await.unwrap();
            assert_eq!(
                (count.total, count.more),
                (inbox.total, inbox.more),
                "count of {text}"
            );
            inbox
        }
    };
    let found = |text: &'static str| {
        let search = &search;
        async move {
            let mut numbers: Vec<String> = search(text)
                .await
                .rows
                .into_iter()
                .map(|r| r.number)
                .collect();
            numbers.sort();
            numbers
        }
    };
    let none: Vec<String> = Vec::new();
    // Rare terms (from SQLite's index), in any case, whole or in part.
    assert_eq!(found("quist").await, ["#2"]);
    assert_eq!(found("QUIST@EXAMPLE").await, ["#2"]);
    assert_eq!(
        found("ed qui").await,
        ["#2"],
        "across the space between names"
    );
    assert_eq!(found("example.ro").await, ["#1", "#2", "#3", "#4"]);
    // Too short for trigrams: matched by LIKE.
    assert_eq!(found("ni").await, ["#3"]);
    assert_eq!(found("q").await, ["#2"]);
    // What the member typed is text, never FTS5 or LIKE syntax.
    assert_eq!(found("\"nia\"").await, ["#3"], "quotes are characters");
    assert_eq!(found("nia\" OR \"pop").await, none);
    assert_eq!(found("ioana OR maria").await, none);
    assert_eq!(found("pop*").await, none);
    assert_eq!(found("NEAR(pop stan)").await, none);
    assert_eq!(found("st%n").await, none);
    assert_eq!(found("zzqq").await, none);

    // A changed email is found by its new value only.
    let mut changed = orders_common::fixture();
    changed["id"] = json!(900_002);
    changed["name"] = json!("#2");
    changed["created_at"] = json!("2026-11-03T10:00:00Z");
    changed["updated_at"] = json!("2026-12-01T10:00:00Z");
    changed["customer"]["first_name"] = json!("Zed");
    changed["customer"]["last_name"] = json!("Quist");
    changed["email"] = json!("zed@elsewhere.org");
    let raw = changed.to_string();
    let facts = shopify::order_facts(&raw).unwrap();
    let outcome = server::orders::ingest::ingest(db, owner.company_id, a, &facts, &raw, "a test")
        .await
        .unwrap();
    assert!(
        matches!(outcome, server::orders::ingest::Ingested::Updated(_)),
        "{outcome:?}"
    );
    assert_eq!(found("quist@").await, none);
    assert_eq!(found("elsewhere").await, ["#2"]);
    search_index_is_sound(&app).await;

    // A common term (more matches than SQLite's index is asked for) is paged by date and
    // counted up to the cap; a rare one among them still comes from the index.
    copies(&app, ids[3], 10_001).await;
    let common = search("bulk buyer").await;
    assert_eq!(
        (common.rows.len(), common.total, common.more),
        (50, 10_000, true)
    );
    assert!(common
        .rows
        .iter()
        .all(|r| r.customer_name.starts_with("Bulk Buyer")));
    let mid = search("bulk buyer 1000").await;
    // 1000, 10000 to 10001: three.
    assert_eq!((mid.total, mid.more), (3, false));
    // 1, 10–19, 100–199, 1000–1999, 10000–10001: 1,113 matches, enough for SQLite's page to
    // walk the orders by date against the index's set of matches. Its pages are those of a
    // plain LIKE over the orders.
    for page in [1, 3] {
        let q = Query {
            q: Some("bulk buyer 1".into()),
            page,
            ..Default::default()
        };
        let got = service::inbox(db, &owner, &q).await.unwrap();
        assert_eq!((got.total, got.more), (1_113, false));
        let page_ids: Vec<Uuid> = service::inbox_page(db, &owner, &q)
            .await
            .unwrap()
            .rows
            .iter()
            .map(|r| r.id)
            .collect();
        let expected: Vec<Uuid> = server::with_db!(db, |p| sqlx::query_scalar(
            "SELECT id FROM orders WHERE company_id = $1 AND search LIKE '%bulk buyer 1%' \
             ORDER BY placed_at DESC, id DESC LIMIT 50 OFFSET $2"
        )
        .bind(owner.company_id)
        .bind((page - 1) * 50)
        .fetch_all(p)
        .await)
        .unwrap();
        assert_eq!(expected.len(), 50);
        assert_eq!(page_ids, expected, "page {page}");
        assert_eq!(got.rows.iter().map(|r| r.id).collect::<Vec<_>>(), expected);
    }
    assert_eq!(found("bulk buyer 10001").await, ["#B10001"]);
    assert_eq!(
        found("quist").await,
        ["#2"],
        "the other company's Quist is not ours"
    );

    // Orders deleted with their store leave the index with them.
    server::with_db!(db, |p| sqlx::query("DELETE FROM stores WHERE id = $1")
        .bind(a)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))
    .unwrap();
    assert_eq!(found("example.ro").await, none);
    assert_eq!(found("bulk buyer").await, none);
    search_index_is_sound(&app).await;
}

#[tokio::test]
async fn exports_hold_the_members_filtered_orders_defuse_formulas_and_are_limited_per_hour() {
    let (app, owner, a) = shop_app_with(&[("ORDERS_EXPORTS_PER_HOUR", "3")]).await;
    let b = store(&app, &owner, "Outlet", "shopify").await;
    let mut sly = order(2, "#1043", "2026-11-30T10:00:00Z");
    sly["customer"]["first_name"] = json!("=HYPERLINK(\"http://evil\")");
    sly["customer"]["last_name"] = Value::Null;
    for (id, body) in [("wh-1", &fixture()), ("wh-2", &sly)] {
        assert_eq!(
            deliver(&app, &Delivery::signed("orders/create", id, body))
                .await
                .status(),
            200
        );
    }
    run_jobs(&app).await;

    let export = |form: Vec<(&'static str, &'static str)>| {
        let client = app.client.clone();
        let url = app.url("/orders/export");
        async move { client.post(url).form(&form).send().await.unwrap() }
    };
    let res = export(vec![("format", "csv"), ("sort", "number"), ("dir", "asc")]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment; filename=\"orders-acme-electric-"));
    let body = res.text().await.unwrap();
    let mut rows = csv::Reader::from_reader(body.as_bytes());
    assert_eq!(
        rows.headers().unwrap().iter().take(8).collect::<Vec<_>>(),
        vec!["Order", "Store", "Placed", "Status", "Customer", "Email", "Phone", "Total"]
    );
    let records: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 2);
    assert_eq!(&records[0][0], "#1042");
    assert_eq!(
        &records[0][6], "+40712345678",
        "a phone number is not a formula"
    );
    assert_eq!(&records[0][7], "209.89");
    assert_eq!(&records[0][14], "500035");
    assert!(
        records[1][4].starts_with("'=HYPERLINK"),
        "{:?}",
        &records[1][4]
    );

    let res = export(vec![("format", "csv"), ("q", "1043")]).await;
    let body = res.text().await.unwrap();
    assert_eq!(body.lines().count(), 2, "{body}");

    let res = export(vec![("format", "xlsx")]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let xlsx = res.bytes().await.unwrap();
    assert!(
        xlsx.starts_with(b"PK\x03\x04") && xlsx.len() > 2_000,
        "{} bytes",
        xlsx.len()
    );
    let leftovers = std::fs::read_dir(app.state.config.data_dir.join("tmp"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(leftovers, 0, "the temporary workbook is gone");

    // A bad format is refused at its field; the fourth export of the hour is refused.
    assert_eq!(export(vec![("format", "pdf")]).await.status(), 422);
    assert_eq!(export(vec![("format", "csv")]).await.status(), 429);
    assert_eq!(
        export(vec![("format", "csv"), ("status", "LOST")])
            .await
            .status(),
        429
    );
    let exports = app
        .audit_actions()
        .await
        .iter()
        .filter(|(a, _)| a == "EXPORT_CREATED")
        .count();
    assert_eq!(exports, 3);

    // An operator of the other store exports nothing of this one; no orders.read, no export.
    app.add_member(&owner, "op@example.com", "operator", vec![b])
        .await;
    let op = app
        .signed_in_client("op@example.com", PASSWORD, "Op/1.0")
        .await;
    let res = op
        .post(app.url("/orders/export"))
        .form(&[("format", "csv")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.text().await.unwrap().lines().count(),
        1,
        "the header only"
    );
    let res = op
        .post(app.url("/orders/export"))
        .form(&[("format", "csv"), ("store", &a.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.text().await.unwrap().lines().count(), 1);
    app.add_member(&owner, "an@example.com", "analyst", vec![a])
        .await;
    let analyst = app
        .signed_in_client("an@example.com", PASSWORD, "An/1.0")
        .await;
    let res = analyst
        .post(app.url("/orders/export"))
        .form(&[("format", "csv")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}
