//! Editing an order's customer and shipping address, on both databases: written back to
//! Shopify first (wiremock checks the `orderUpdate` Shopify receives), refused with Shopify's
//! words when it says no, refused as a conflict when the order changed since the form was
//! shown (Shopify never asked), each bad field refused with nothing changed, saved here only
//! on a store that is not written back to, and kept to members who may.

mod common;
#[path = "common/orders.rs"]
mod orders_common;

use common::*;
use orders_common::{add_order, store};
use serde_json::{json, Value};
use server::{
    access::Principal,
    audit::RequestMeta,
    orders::{
        config::OrdersConfig,
        connections::{self, ShopifyInput},
        edit::{self, ContactEdit, Saved},
    },
    Error,
};
use uuid::Uuid;
use wiremock::{matchers::method, Mock, MockServer, ResponseTemplate};

const SHOP: &str = "ana-shop.myshopify.com";

fn meta() -> RequestMeta {
    RequestMeta::default()
}

struct Setup {
    app: TestApp,
    owner: Principal,
    store: Uuid,
    order: Uuid,
    shopify: MockServer,
}

async fn setup() -> Setup {
    let shopify = MockServer::start().await;
    let app = spawn_app_with(&[("SHOPIFY_API_BASE", &shopify.uri())]).await;
    app.setup("ada@example.com").await;
    let owner = app.principal("ada@example.com").await;
    let db = &app.state.db;
    let store = store(db, &owner, "Atelier").await;
    connections::connect_shopify(
        db,
        &app.state.config.app_secret_key,
        &owner,
        &meta(),
        ShopifyInput {
            store_id: store,
            shop_domain: SHOP.into(),
            access_token: "shpat_0123456789abcdefWXYZ".into(),
            webhook_secret: "shpss_0123456789abcdef".into(),
            currency: "RON".into(),
        },
    )
    .await
    .unwrap();
    let order = add_order(db, &owner, store, 1042, |_| {}).await;
    Setup {
        app,
        owner,
        store,
        order,
        shopify,
    }
}

impl Setup {
    /// The form as the order page would fill it now, with a new address.
    async fn form(&self) -> ContactEdit {
        let updated_at: chrono::DateTime<chrono::Utc> =
            server::with_db!(&self.app.state.db, |c| sqlx::query_scalar(
                "SELECT updated_at FROM orders WHERE id = $1"
            )
            .bind(self.order)
            .fetch_one(c)
            .await)
            .unwrap();
        ContactEdit {
            order_id: self.order,
            seen: edit::version(updated_at),
            name: "Ana Maria Pop".into(),
            email: "Ana.Pop@Example.ro".into(),
            phone: "0744 555 666".into(),
            address1: "Str. Florilor 2".into(),
            address2: "ap. 4".into(),
            city: "Iași".into(),
            county: "Iași".into(),
            postcode: "700001".into(),
            country: "ro".into(),
        }
    }

    async fn save(&self, p: &Principal, form: &ContactEdit) -> server::Result<Saved> {
        edit::edit_contact(
            &self.app.state.db,
            &self.app.state.config.app_secret_key,
            self.app.state.config.section::<OrdersConfig>(),
            p,
            &meta(),
            form,
        )
        .await
    }

    /// (customer, email, phone, shipping JSON, flags) as stored.
    async fn stored(&self) -> (String, Option<String>, Option<String>, String, String) {
        server::with_db!(&self.app.state.db, |c| sqlx::query_as(
            "SELECT customer_name, email, phone, shipping_address, flags FROM orders WHERE id = $1"
        )
        .bind(self.order)
        .fetch_one(c)
        .await)
        .unwrap()
    }

    async fn calls(&self) -> Vec<Value> {
        self.shopify
            .received_requests()
            .await
            .unwrap()
            .iter()
            .map(|r| serde_json::from_slice(&r.body).unwrap())
            .collect()
    }
}

fn answer(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "data": { "orderUpdate": body },
        "extensions": { "cost": { "requestedQueryCost": 10, "actualQueryCost": 10 } }
    }))
}

#[tokio::test]
async fn an_edit_is_written_back_to_shopify_first_then_saved_here() {
    let s = setup().await;
    Mock::given(method("POST"))
        .respond_with(answer(json!({
            "order": { "id": "gid://shopify/Order/901042", "updatedAt": "2026-12-02T09:30:00Z" },
            "userErrors": []
        })))
        .mount(&s.shopify)
        .await;
    let form = s.form().await;
    assert_eq!(s.save(&s.owner, &form).await.unwrap(), Saved::WrittenBack);
    // What Shopify received, field by field.
    let calls = s.calls().await;
    assert_eq!(calls.len(), 1);
    assert!(calls[0]["query"]
        .as_str()
        .unwrap()
        .contains("orderUpdate(input: $input)"));
    assert_eq!(
        calls[0]["variables"]["input"],
        json!({
            "id": "gid://shopify/Order/901042",
            "email": "ana.pop@example.ro",
            "phone": "+40744555666",
            "shippingAddress": {
                "firstName": "Ana Maria", "lastName": "Pop", "phone": "+40744555666",
                "address1": "Str. Florilor 2", "address2": "ap. 4", "city": "Iași",
                "province": "Iași", "zip": "700001", "countryCode": "RO"
            }
        })
    );
    let (name, email, phone, shipping, flags) = s.stored().await;
    assert_eq!(name, "Ana Maria Pop");
    assert_eq!(email.as_deref(), Some("ana.pop@example.ro"));
    assert_eq!(phone.as_deref(), Some("+40744555666"));
    assert!(shipping.contains("Str. Florilor 2") && shipping.contains("700001"));
    assert_eq!(flags, "");
    let source: chrono::DateTime<chrono::Utc> =
        server::with_db!(&s.app.state.db, |c| sqlx::query_scalar(
            "SELECT source_updated_at FROM orders WHERE id = $1"
        )
        .bind(s.order)
        .fetch_one(c)
        .await)
        .unwrap();
    assert_eq!(source.to_rfc3339(), "2026-12-02T09:30:00+00:00");
    assert_eq!(s.app.audit_count("ORDER_EDITED").await, 1);
    let events: i64 = server::with_db!(&s.app.state.db, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM order_events WHERE order_id = $1 AND kind = 'edit'"
    )
    .bind(s.order)
    .fetch_one(c)
    .await)
    .unwrap();
    assert_eq!(events, 1);

    // The same form again (a double click, or a stale tab): the order has changed since.
    assert!(matches!(
        s.save(&s.owner, &form).await,
        Err(Error::Conflict(_))
    ));
    assert_eq!(s.calls().await.len(), 1, "Shopify is not asked again");
}

#[tokio::test]
async fn shopifys_refusal_and_a_changed_order_leave_everything_as_it_was() {
    let s = setup().await;
    Mock::given(method("POST"))
        .respond_with(answer(json!({
            "order": null,
            "userErrors": [{ "field": ["shippingAddress", "zip"], "message": "Zip is invalid for Iași" }]
        })))
        .mount(&s.shopify)
        .await;
    let before = s.stored().await;
    match s.save(&s.owner, &s.form().await).await {
        Err(Error::Validation { message, .. }) => {
            assert_eq!(
                message,
                "Shopify refused the change: Zip is invalid for Iași. Nothing was saved."
            )
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(s.stored().await, before);

    // A newer version arrives from Shopify while the form is open: the edit is refused
    // before Shopify is asked.
    let form = s.form().await;
    let mut newer = orders_common::fixture();
    newer["id"] = json!(901042);
    newer["name"] = json!("#1042");
    newer["updated_at"] = json!("2026-12-01T10:00:00Z");
    let raw = newer.to_string();
    let facts = server::orders::shopify::order_facts(&raw).unwrap();
    server::orders::ingest::ingest(
        &s.app.state.db,
        s.owner.company_id,
        s.store,
        &facts,
        &raw,
        "a test",
    )
    .await
    .unwrap();
    let asked = s.calls().await.len();
    match s.save(&s.owner, &form).await {
        Err(Error::Conflict(m)) => assert!(m.contains("changed while you were editing"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(s.calls().await.len(), asked);
    assert_eq!(s.app.audit_count("ORDER_EDITED").await, 0);
}

#[tokio::test]
async fn bad_fields_other_stores_and_members_who_may_not_are_refused() {
    let s = setup().await;
    let before = s.stored().await;
    type Edit = fn(&mut ContactEdit);
    let bad: [(&str, Edit); 10] = [
        ("name", |f| f.name = "  ".into()),
        ("name", |f| f.name = "=HYPERLINK(\"x\")".into()),
        ("email", |f| f.email = "ana.example.ro".into()),
        ("phone", |f| f.phone = "12".into()),
        ("address1", |f| f.address1 = "".into()),
        ("city", |f| f.city = "".into()),
        ("county", |f| f.county = "".into()),
        ("postcode", |f| f.postcode = "7000".into()),
        ("country", |f| f.country = "ROU".into()),
        ("address2", |f| f.address2 = "x".repeat(201)),
    ];
    for (field, change) in bad {
        let mut form = s.form().await;
        change(&mut form);
        match s.save(&s.owner, &form).await {
            Err(Error::Validation { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{field}: {other:?}"),
        }
    }
    assert_eq!(s.stored().await, before);
    assert!(s.calls().await.is_empty(), "Shopify was never asked");

    // A viewer may not edit; a member without that store finds no such order.
    let viewer = s
        .app
        .add_member(&s.owner, "vic@example.com", "viewer", vec![s.store])
        .await;
    assert!(matches!(
        s.save(&viewer, &s.form().await).await,
        Err(Error::Forbidden)
    ));
    let outlet = store(&s.app.state.db, &s.owner, "Outlet").await;
    let op = s
        .app
        .add_member(&s.owner, "op@example.com", "operator", vec![outlet])
        .await;
    assert!(matches!(
        s.save(&op, &s.form().await).await,
        Err(Error::NotFound)
    ));
    let mut unknown = s.form().await;
    unknown.order_id = Uuid::now_v7();
    assert!(matches!(
        s.save(&s.owner, &unknown).await,
        Err(Error::NotFound)
    ));

    // A store not connected to Shopify: saved here only.
    let local = add_order(&s.app.state.db, &s.owner, outlet, 7, |_| {}).await;
    let mut form = s.form().await;
    form.order_id = local;
    form.seen = {
        let t: chrono::DateTime<chrono::Utc> =
            server::with_db!(&s.app.state.db, |c| sqlx::query_scalar(
                "SELECT updated_at FROM orders WHERE id = $1"
            )
            .bind(local)
            .fetch_one(c)
            .await)
            .unwrap();
        edit::version(t)
    };
    assert_eq!(s.save(&s.owner, &form).await.unwrap(), Saved::Here);
    assert!(s.calls().await.is_empty());
    assert_eq!(s.stored().await, before, "the other order is untouched");

    // An order imported into the Shopify store is not Shopify's: saved here only.
    let csv = "Order number,Customer,Total\nIMP-1,Ion Pop,10\n";
    let import = server::orders::import::preview(
        &s.app.state.db,
        &s.owner,
        s.store,
        "o.csv",
        csv.as_bytes(),
    )
    .await
    .unwrap();
    server::orders::import::confirm(&s.app.state.db, &s.owner, &meta(), import)
        .await
        .unwrap();
    let (imported, t): (Uuid, chrono::DateTime<chrono::Utc>) = server::with_db!(
        &s.app.state.db,
        |c| sqlx::query_as("SELECT id, updated_at FROM orders WHERE number = 'IMP-1'")
            .fetch_one(c)
            .await
    )
    .unwrap();
    let mut form = s.form().await;
    form.order_id = imported;
    form.seen = edit::version(t);
    assert_eq!(s.save(&s.owner, &form).await.unwrap(), Saved::Here);
    assert!(
        s.calls().await.is_empty(),
        "Shopify was not asked about an order it does not have"
    );
}
