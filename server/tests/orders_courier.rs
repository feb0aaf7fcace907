//! Shipping with FAN Courier (wiremock with the API's request and answer shapes, kept under
//! fixtures/fancourier), on both databases: the account (checked, sealed, audited), an AWB
//! made with a cached token and its label kept in storage, a bulk AWB run where FAN Courier
//! refuses one order (that one in the errors tab, the others done), FAN Courier down (the error
//! waits PENDING and retries itself), a refused token renewed once, tracking moving orders by
//! the seed's status table, and who may do what.

mod common;

use common::*;
use serde_json::{json, Value};
use server::{
    access::Principal,
    audit::RequestMeta,
    orders::{
        actions::OrderAction,
        bulk::{self, Scope},
        config::OrdersConfig,
        courier::{self, AccountInput, AwbForm, AwbInput, Courier},
        errors, ingest, service, shopify,
    },
    team::stores::{self, StoreInput},
    Error,
};
use uuid::Uuid;
use wiremock::{
    matchers::{body_string_contains, header, method, path, query_param},
    Mock, MockServer, Request, ResponseTemplate,
};

const PASSWORD_FC: &str = "fan-secret-pass-77";

fn meta() -> RequestMeta {
    RequestMeta::default()
}

fn fixture(name: &str) -> Value {
    let text = match name {
        "login" => include_str!("fixtures/fancourier/login.json"),
        "intern_awb" => include_str!("fixtures/fancourier/intern_awb.json"),
        "intern_awb_refused" => include_str!("fixtures/fancourier/intern_awb_refused.json"),
        "tracking" => include_str!("fixtures/fancourier/tracking.json"),
        _ => unreachable!(),
    };
    serde_json::from_str(text).unwrap()
}

struct Setup {
    app: TestApp,
    owner: Principal,
    store: Uuid,
    fan: MockServer,
}

impl Setup {
    fn courier(&self) -> Courier<'_> {
        Courier {
            db: &self.app.state.db,
            app_key: &self.app.state.config.app_secret_key,
            config: self.app.state.config.section::<OrdersConfig>(),
        }
    }

    async fn connect(&self) {
        courier::save_account(
            &self.courier(),
            &self.owner,
            &meta(),
            &AccountInput {
                client_id: "7032158".into(),
                username: "clienttest".into(),
                password: PASSWORD_FC.into(),
                service: "Standard".into(),
                payer: "recipient".into(),
                weight_kg: "1,5".into(),
                handover_close: String::new(),
            },
        )
        .await
        .unwrap();
    }

    /// The fixture order as order `number`, validated (ready to ship) unless `status` says.
    async fn order(&self, number: u64, status: &str) -> Uuid {
        let mut o: Value =
            serde_json::from_str(include_str!("fixtures/shopify/order.json")).unwrap();
        o["id"] = json!(800_000 + number);
        o["name"] = json!(format!("#{number}"));
        let raw = o.to_string();
        let facts = shopify::order_facts(&raw).unwrap();
        let db = &self.app.state.db;
        let id = match ingest::ingest(
            db,
            self.owner.company_id,
            self.store,
            &facts,
            &raw,
            "a test",
        )
        .await
        .unwrap()
        {
            ingest::Ingested::Created(id) => id,
            other => panic!("{other:?}"),
        };
        server::exec!(
            db,
            sqlx::query("UPDATE orders SET status = $1 WHERE id = $2")
                .bind(status)
                .bind(id)
        )
        .unwrap();
        id
    }

    async fn status(&self, id: Uuid) -> String {
        service::detail(&self.app.state.db, &self.owner, id)
            .await
            .unwrap()
            .order
            .status
    }
}

async fn setup() -> Setup {
    let fan = MockServer::start().await;
    let app = spawn_app_with(&[("FANCOURIER_API_BASE", &fan.uri())]).await;
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
    Setup {
        app,
        owner,
        store,
        fan,
    }
}

async fn login_ok(fan: &MockServer, times: u64) {
    Mock::given(method("POST"))
        .and(path("/login"))
        .and(body_string_contains("username=clienttest"))
        .and(body_string_contains("password=fan-secret-pass-77"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("login")))
        .expect(times)
        .mount(fan)
        .await;
}

/// Matches an AWB request by the order number it carries.
struct ForOrder(&'static str);

impl wiremock::Match for ForOrder {
    fn matches(&self, req: &Request) -> bool {
        let body: Value = serde_json::from_slice(&req.body).unwrap_or_default();
        body["shipments"][0]["info"]["costCenter"] == self.0
    }
}

fn awb_answer(number: u64) -> ResponseTemplate {
    let mut a = fixture("intern_awb");
    a["response"][0]["awbNumber"] = json!(number);
    ResponseTemplate::new(200).set_body_json(a)
}

#[tokio::test]
async fn an_awb_is_made_with_a_cached_token_and_its_label_is_kept() {
    let s = setup().await;
    s.connect().await;
    login_ok(&s.fan, 1).await;
    Mock::given(method("POST"))
        .and(path("/intern-awb"))
        .and(header(
            "authorization",
            "Bearer 48944740|EJU0MgzeWY4y1zy9JpQg3cu3cDiqoVg1ZXsIrqLQ",
        ))
        .respond_with(awb_answer(2332300120218))
        .expect(1)
        .mount(&s.fan)
        .await;
    Mock::given(method("GET"))
        .and(path("/awb/label"))
        .and(query_param("clientId", "7032158"))
        .and(query_param("awbs[]", "2332300120218"))
        .and(query_param("pdf", "1"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/pdf")
                .set_body_bytes(b"%PDF-1.4 label".to_vec()),
        )
        .expect(1)
        .mount(&s.fan)
        .await;
    let id = s.order(1, "VALIDATED").await;
    let c = s.courier();
    let form = AwbForm {
        service: "Cont Colector".into(),
        payer: "sender".into(),
        weight_kg: "2".into(),
        parcels: "2".into(),
        cod: "209.89".into(),
        declared: "300".into(),
        notes: "Fragile".into(),
    };
    let input = AwbInput::from_form(&form, "RON").unwrap();
    let out = courier::create_for_member(&c, &s.owner, id, &input)
        .await
        .unwrap();
    assert_eq!(out.message(), "AWB 2332300120218 created.");
    assert_eq!(s.status(id).await, "AWB_CREATED");
    // What FAN Courier charged (tariff 30.53 + VAT 5.80 RON) is the order's courier cost.
    let courier: i64 = server::with_db!(&s.app.state.db, |p| sqlx::query_scalar(
        "SELECT courier_minor FROM orders WHERE id = $1"
    )
    .bind(id)
    .fetch_one(p)
    .await)
    .unwrap();
    assert_eq!(courier, 3_633);

    // What FAN Courier was sent.
    let sent: Value = s
        .fan
        .received_requests()
        .await
        .unwrap()
        .iter()
        .find(|r| r.url.path() == "/intern-awb")
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .unwrap();
    let shipment = &sent["shipments"][0];
    assert_eq!(sent["clientId"], 7032158);
    assert_eq!(shipment["info"]["service"], "Cont Colector");
    assert_eq!(shipment["info"]["payment"], "sender");
    assert_eq!(shipment["info"]["weight"], 2.0);
    assert_eq!(shipment["info"]["packages"]["parcel"], 2);
    assert_eq!(shipment["info"]["cod"], 209.89);
    assert_eq!(shipment["info"]["declaredValue"], 300.0);
    assert_eq!(shipment["info"]["observation"], "Fragile");
    assert_eq!(shipment["info"]["costCenter"], "#1");
    assert_eq!(shipment["recipient"]["phone"], "0712345678");
    assert_eq!(shipment["recipient"]["address"]["county"], "Brașov");
    assert_eq!(shipment["recipient"]["address"]["locality"], "Brașov");
    assert_eq!(shipment["recipient"]["address"]["zipCode"], "500035");

    // The AWB, its timeline entry and audit entry; a second one for the order is refused.
    let awbs = courier::awbs(&s.app.state.db, &s.owner, id).await.unwrap();
    assert_eq!(awbs.len(), 1);
    let awb = &awbs[0].awb;
    assert_eq!(
        (awb.number.as_deref(), awb.state.as_str()),
        (Some("2332300120218"), "active")
    );
    assert_eq!(
        (awb.cod_minor, awb.declared_minor, awb.weight_grams),
        (20_989, 30_000, 2_000)
    );
    let events = service::detail(&s.app.state.db, &s.owner, id)
        .await
        .unwrap()
        .events;
    assert!(events[0].detail.starts_with("AWB 2332300120218 created with FAN Courier (Cont Colector, 2 parcels, cash on delivery 209.89 RON)"), "{}", events[0].detail);
    let again = courier::create_for_member(&c, &s.owner, id, &AwbInput::default())
        .await
        .unwrap();
    assert_eq!(again.message(), "It already has AWB 2332300120218.");
    assert!(s
        .app
        .audit_actions()
        .await
        .iter()
        .any(|(a, _)| a == "AWB_CREATED"));

    // The label: fetched once, then from storage.
    let awb_id = awb.id;
    for _ in 0..2 {
        let (number, pdf) = courier::label(&c, &s.app.state.storage, &s.owner, id, awb_id)
            .await
            .unwrap();
        assert_eq!(number, "2332300120218");
        assert!(pdf.starts_with(b"%PDF"));
    }
    // The account was audited without its password; the token is kept sealed.
    let details: Vec<String> = server::with_db!(&s.app.state.db, |c| sqlx::query_scalar(
        "SELECT CAST(details AS TEXT) FROM audit_log WHERE action IN ('COURIER_CONNECTED', 'AWB_CREATED')"
    )
    .fetch_all(c)
    .await)
    .unwrap();
    assert_eq!(details.len(), 2);
    assert!(details.iter().all(|d| !d.contains(PASSWORD_FC)));
    let token: String = server::with_db!(&s.app.state.db, |c| sqlx::query_scalar(
        "SELECT sealed_token FROM courier_accounts"
    )
    .fetch_one(c)
    .await)
    .unwrap();
    assert!(!token.contains("EJU0MgzeWY4y1zy9JpQg3cu3cDiqoVg1ZXsIrqLQ"));
}

#[tokio::test]
async fn a_courier_refusal_in_a_bulk_run_lands_in_the_errors_tab_and_the_others_are_done() {
    let s = setup().await;
    s.connect().await;
    login_ok(&s.fan, 1).await;
    Mock::given(method("POST"))
        .and(path("/intern-awb"))
        .and(ForOrder("#2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("intern_awb_refused")))
        .mount(&s.fan)
        .await;
    Mock::given(method("POST"))
        .and(path("/intern-awb"))
        .and(ForOrder("#1"))
        .respond_with(awb_answer(2001))
        .mount(&s.fan)
        .await;
    Mock::given(method("POST"))
        .and(path("/intern-awb"))
        .and(ForOrder("#3"))
        .respond_with(awb_answer(2003))
        .mount(&s.fan)
        .await;
    let ok1 = s.order(1, "VALIDATED").await;
    let refused = s.order(2, "PACKED").await;
    let ok3 = s.order(3, "PICKING").await;
    let pending = s.order(4, "PENDING").await;
    let shipped = s.order(5, "SHIPPED").await;
    let db = &s.app.state.db;
    let run_id = bulk::start(
        db,
        &s.owner,
        &meta(),
        "awb-1",
        &OrderAction::CreateAwb,
        &Scope::Matching(service::Query::default()),
    )
    .await
    .unwrap();
    bulk::run(&s.courier(), run_id).await.unwrap();
    let v = bulk::view(db, &s.owner, run_id).await.unwrap();
    assert_eq!(
        (v.run.total, v.run.succeeded, v.run.failed, v.run.skipped),
        (5, 2, 2, 1)
    );
    let message = |id: Uuid| {
        v.items
            .iter()
            .find(|i| i.order_id == id)
            .unwrap()
            .message
            .clone()
            .unwrap()
    };
    assert_eq!(
        message(refused),
        "FAN Courier refused the AWB: recipient.locality: Locality not found"
    );
    assert_eq!(
        message(pending),
        "Validate the order first (it is pending)."
    );
    assert_eq!(message(shipped), "Not ready to ship (shipped).");
    assert_eq!(message(ok1), "AWB 2001 created.");
    assert_eq!(s.status(ok1).await, "AWB_CREATED");
    assert_eq!(s.status(ok3).await, "AWB_CREATED");
    assert_eq!(s.status(refused).await, "AWB_ERROR");
    let list = errors::list(db, &s.owner, None, 1).await.unwrap();
    assert_eq!(list.rows.len(), 1);
    assert_eq!(
        (
            list.rows[0].order_id,
            list.rows[0].action.as_str(),
            list.rows[0].status.as_str()
        ),
        (refused, "awb", "FAILED")
    );
    assert!(list.rows[0].message.contains("Locality not found"));
}

#[tokio::test]
async fn fan_courier_down_waits_pending_and_a_refused_token_is_renewed_once() {
    let s = setup().await;
    s.connect().await;
    let id = s.order(1, "VALIDATED").await;
    let c = s.courier();
    login_ok(&s.fan, 2).await;
    // Down: the error waits PENDING with an automatic retry queued.
    let down = Mock::given(method("POST"))
        .and(path("/intern-awb"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount_as_scoped(&s.fan)
        .await;
    let out = courier::create_for_member(&c, &s.owner, id, &AwbInput::default())
        .await
        .unwrap();
    assert!(
        out.message()
            .contains("FAN Courier is unavailable: HTTP 503; retried automatically."),
        "{}",
        out.message()
    );
    drop(down);
    let db = &s.app.state.db;
    let pending = errors::list(db, &s.owner, Some("PENDING"), 1)
        .await
        .unwrap();
    assert_eq!(pending.rows.len(), 1);
    let retries: i64 = server::with_db!(db, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM jobs WHERE kind = 'orders.retry-error' AND run_at > created_at"
    )
    .fetch_one(c)
    .await)
    .unwrap();
    assert_eq!(retries, 1, "a retry later, not at once");
    assert_eq!(s.status(id).await, "AWB_ERROR");

    // Back, but the cached token is refused once: a fresh sign-in, then the AWB.
    Mock::given(method("POST"))
        .and(path("/intern-awb"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({"message": "Unauthenticated."})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&s.fan)
        .await;
    Mock::given(method("POST"))
        .and(path("/intern-awb"))
        .respond_with(awb_answer(555))
        .with_priority(2)
        .mount(&s.fan)
        .await;
    let outcome = errors::run_retry(&c, pending.rows[0].id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(outcome.message(), "AWB 555 created.");
    assert_eq!(s.status(id).await, "AWB_CREATED");
    assert_eq!(
        errors::list(db, &s.owner, Some("RESOLVED"), 1)
            .await
            .unwrap()
            .rows
            .len(),
        1
    );
    // The failed attempt stays in the order's AWB history.
    let states: Vec<String> = courier::awbs(db, &s.owner, id)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.awb.state)
        .collect();
    assert_eq!(states, vec!["active", "failed"]);
}

#[tokio::test]
async fn tracking_keeps_the_courier_events_and_moves_the_order() {
    let s = setup().await;
    s.connect().await;
    login_ok(&s.fan, 1).await;
    Mock::given(method("POST"))
        .and(path("/intern-awb"))
        .and(ForOrder("#1"))
        .respond_with(awb_answer(2332300120218))
        .mount(&s.fan)
        .await;
    Mock::given(method("POST"))
        .and(path("/intern-awb"))
        .and(ForOrder("#2"))
        .respond_with(awb_answer(2332300120219))
        .mount(&s.fan)
        .await;
    let mut tracking = fixture("tracking");
    let mut returned = tracking["data"][0].clone();
    returned["awbNumber"] = json!("2332300120219");
    returned["events"] = json!([
        {"id": "C0", "name": "Expeditie ridicata", "location": "Bucuresti", "date": "2026-11-28 18:58:00"},
        {"id": "S6", "name": "Refuz primire", "location": "Iasi", "date": "2026-11-29 11:00:00"}
    ]);
    tracking["data"].as_array_mut().unwrap().push(returned);
    Mock::given(method("GET"))
        .and(path("/reports/awb/tracking"))
        .and(query_param("clientId", "7032158"))
        .respond_with(ResponseTemplate::new(200).set_body_json(tracking))
        .mount(&s.fan)
        .await;
    let c = s.courier();
    let delivered = s.order(1, "VALIDATED").await;
    let refused = s.order(2, "VALIDATED").await;
    for id in [delivered, refused] {
        courier::create_for_member(&c, &s.owner, id, &AwbInput::default())
            .await
            .unwrap();
    }
    assert_eq!(courier::track_due(&c).await.unwrap(), 2);
    assert_eq!(s.status(delivered).await, "DELIVERED");
    assert_eq!(s.status(refused).await, "RETURNED");
    let db = &s.app.state.db;
    let awbs = courier::awbs(db, &s.owner, delivered).await.unwrap();
    let codes: Vec<&str> = awbs[0].events.iter().map(|e| e.code.as_str()).collect();
    assert_eq!(codes, vec!["S2", "H4", "C0"]);
    assert_eq!(awbs[0].awb.courier_status_name.as_deref(), Some("Livrat"));
    let timeline = service::detail(db, &s.owner, delivered)
        .await
        .unwrap()
        .events;
    assert_eq!(
        timeline[0].detail,
        "FAN Courier: Livrat (S2) for AWB 2332300120218: Delivered"
    );
    // Not due again so soon; delivered and returned orders are not tracked any more.
    assert_eq!(courier::track_due(&c).await.unwrap(), 0);
    server::exec!(db, sqlx::query("UPDATE awbs SET tracked_at = NULL")).unwrap();
    assert_eq!(courier::track_due(&c).await.unwrap(), 0);
    assert_eq!(
        courier::awbs(db, &s.owner, delivered).await.unwrap()[0]
            .events
            .len(),
        3,
        "events kept once"
    );
}

#[tokio::test]
async fn the_account_and_awbs_refuse_bad_input_and_other_members() {
    let s = setup().await;
    let c = s.courier();
    let good = AccountInput {
        client_id: "7032158".into(),
        username: "clienttest".into(),
        password: PASSWORD_FC.into(),
        service: "Standard".into(),
        payer: "sender".into(),
        weight_kg: "1".into(),
        handover_close: "20:00".into(),
    };
    let field = |r: Result<(), Error>| match r {
        Err(Error::Validation { field, .. }) => field,
        other => panic!("{other:?}"),
    };
    for (bad, at) in [
        (
            AccountInput {
                client_id: "70a2".into(),
                ..good.clone()
            },
            "client_id",
        ),
        (
            AccountInput {
                client_id: "".into(),
                ..good.clone()
            },
            "client_id",
        ),
        (
            AccountInput {
                username: " ".into(),
                ..good.clone()
            },
            "username",
        ),
        (
            AccountInput {
                password: "".into(),
                ..good.clone()
            },
            "password",
        ),
        (
            AccountInput {
                service: "Teleport".into(),
                ..good.clone()
            },
            "service",
        ),
        (
            AccountInput {
                payer: "nobody".into(),
                ..good.clone()
            },
            "payer",
        ),
        (
            AccountInput {
                weight_kg: "0".into(),
                ..good.clone()
            },
            "weight_kg",
        ),
        (
            AccountInput {
                weight_kg: "250".into(),
                ..good.clone()
            },
            "weight_kg",
        ),
        (
            AccountInput {
                weight_kg: "heavy".into(),
                ..good.clone()
            },
            "weight_kg",
        ),
    ] {
        assert_eq!(
            field(courier::save_account(&c, &s.owner, &meta(), &bad).await),
            at
        );
    }
    assert_eq!(s.app.count("courier_accounts").await, 0);
    // No account: an AWB is refused with where to set it, and waits in the errors tab.
    let id = s.order(1, "VALIDATED").await;
    let out = courier::create_for_member(&c, &s.owner, id, &AwbInput::default())
        .await
        .unwrap();
    assert_eq!(
        out.message(),
        "Connect FAN Courier in Settings → Integrations first."
    );
    assert_eq!(s.app.count("awbs").await, 0);

    courier::save_account(&c, &s.owner, &meta(), &good)
        .await
        .unwrap();
    // An empty password keeps the saved one.
    courier::save_account(
        &c,
        &s.owner,
        &meta(),
        &AccountInput {
            password: "".into(),
            service: "RedCode".into(),
            ..good.clone()
        },
    )
    .await
    .unwrap();
    let account = courier::account(&s.app.state.db, &s.owner)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (account.service.as_str(), account.hint.as_str()),
        ("RedCode", "user clienttest · password …77")
    );
    // Wrong password at FAN Courier: "Test connection" says so.
    Mock::given(method("POST"))
        .and(path("/login"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({"status": "fail", "message": "These credentials do not match our records."}),
        ))
        .mount(&s.fan)
        .await;
    match courier::test_account(&c, &s.owner).await {
        Err(Error::Validation { message, .. }) => assert!(
            message.contains("These credentials do not match our records."),
            "{message}"
        ),
        other => panic!("{other:?}"),
    }

    // Bad AWB forms, each at its field.
    for (args, at) in [
        (["Teleport", "sender", "1", "1", "", "", ""], "service"),
        (["Standard", "x", "1", "1", "", "", ""], "payer"),
        (["Standard", "sender", "0", "1", "", "", ""], "weight_kg"),
        (["Standard", "sender", "1", "0", "", "", ""], "parcels"),
        (["Standard", "sender", "1", "51", "", "", ""], "parcels"),
        (["Standard", "sender", "1", "1", "12.345", "", ""], "cod"),
        (["Standard", "sender", "1", "1", "", "-5", ""], "declared"),
    ] {
        let form = AwbForm {
            service: args[0].into(),
            payer: args[1].into(),
            weight_kg: args[2].into(),
            parcels: args[3].into(),
            cod: args[4].into(),
            declared: args[5].into(),
            notes: args[6].into(),
        };
        match AwbInput::from_form(&form, "RON") {
            Err(Error::Validation { field, .. }) => assert_eq!(field, at, "{args:?}"),
            other => panic!("{args:?}: {other:?}"),
        }
    }

    // Who may: an operator of another store gets 404; a viewer cannot make AWBs; an analyst
    // cannot read the account.
    let other = stores::create(
        &s.app.state.db,
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
    let operator = s
        .app
        .add_member(&s.owner, "op@example.com", "operator", vec![other])
        .await;
    let viewer = s
        .app
        .add_member(&s.owner, "vi@example.com", "viewer", vec![s.store])
        .await;
    assert!(matches!(
        courier::create_for_member(&c, &operator, id, &AwbInput::default()).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        courier::awbs(&s.app.state.db, &operator, id).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        courier::create_for_member(&c, &viewer, id, &AwbInput::default()).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        courier::account(&s.app.state.db, &operator).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        courier::save_account(&c, &operator, &meta(), &good).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        courier::label(&c, &s.app.state.storage, &s.owner, id, Uuid::now_v7()).await,
        Err(Error::NotFound)
    ));
    courier::remove_account(&s.app.state.db, &s.owner, &meta())
        .await
        .unwrap();
    assert!(matches!(
        courier::remove_account(&s.app.state.db, &s.owner, &meta()).await,
        Err(Error::NotFound)
    ));
}

#[tokio::test]
async fn process_validates_makes_awbs_and_a_picking_list_of_the_orders_it_completed() {
    let s = setup().await;
    s.connect().await;
    login_ok(&s.fan, 1).await;
    for (order, number) in [("#1", 3001), ("#3", 3003)] {
        Mock::given(method("POST"))
            .and(path("/intern-awb"))
            .and(ForOrder(order))
            .respond_with(awb_answer(number))
            .expect(1)
            .mount(&s.fan)
            .await;
    }
    let db = &s.app.state.db;
    let fresh = s.order(1, "PENDING").await;
    let invalid = s.order(2, "PENDING").await;
    server::exec!(
        db,
        sqlx::query("UPDATE orders SET phone = NULL WHERE id = $1").bind(invalid)
    )
    .unwrap();
    let validated = s.order(3, "VALIDATED").await;
    let run_id = bulk::start(
        db,
        &s.owner,
        &meta(),
        "process-1",
        &OrderAction::parse("process", None).unwrap(),
        &Scope::Selected(vec![fresh, invalid, validated]),
    )
    .await
    .unwrap();
    // Before the run has done anything, there is nothing to pick.
    assert!(matches!(
        bulk::picking_list(db, &s.owner, run_id).await,
        Err(Error::Conflict(_))
    ));
    bulk::run(&s.courier(), run_id).await.unwrap();
    let v = bulk::view(db, &s.owner, run_id).await.unwrap();
    assert_eq!(
        (v.run.total, v.run.succeeded, v.run.failed, v.run.skipped),
        (3, 2, 1, 0)
    );
    let failed = v.items.iter().find(|i| i.order_id == invalid).unwrap();
    assert!(
        failed
            .message
            .as_deref()
            .unwrap()
            .starts_with("Not valid: "),
        "{:?}",
        failed.message
    );
    assert_eq!(s.status(fresh).await, "AWB_CREATED");
    assert_eq!(s.status(invalid).await, "VALIDATION_FAILED");
    assert_eq!(s.status(validated).await, "AWB_CREATED");

    // The picking list: the two completed orders, their items summed by SKU.
    let (name, pdf) = bulk::picking_list(db, &s.owner, run_id).await.unwrap();
    assert!(
        name.starts_with("picking-list-") && name.ends_with(".pdf"),
        "{name}"
    );
    let doc = lopdf::Document::load_mem(&pdf).unwrap();
    let text = doc.extract_text(&[1]).unwrap();
    for expected in [
        "Items to pick",
        "CANA-ALB",
        "FARF-01",
        "#1",
        "#3",
        "3001",
        "3003",
    ] {
        assert!(text.contains(expected), "{expected} in {text}");
    }
    assert!(!text.contains("#2 "), "{text}");

    // Its route: a PDF for the member, 404 for a run that made no AWBs or another company.
    let client = s
        .app
        .signed_in_client("ada@example.com", PASSWORD, "picking-test")
        .await;
    let res = client
        .get(s.app.url(&format!("/orders/runs/{run_id}/picking-list")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert!(res.bytes().await.unwrap().starts_with(b"%PDF"));
    let validate_run = bulk::start(
        db,
        &s.owner,
        &meta(),
        "validate-1",
        &OrderAction::Validate,
        &Scope::Selected(vec![fresh]),
    )
    .await
    .unwrap();
    assert!(matches!(
        bulk::picking_list(db, &s.owner, validate_run).await,
        Err(Error::NotFound)
    ));
    let other = s.app.sign_up("Eve Co", "Eve", "eve@example.com").await;
    assert!(matches!(
        bulk::picking_list(db, &other, run_id).await,
        Err(Error::NotFound)
    ));
}
