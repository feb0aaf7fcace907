//! The daily courier handover, on both databases: scans and ticks hand an AWB over once (a
//! second scan says when), the day closes once at the set time in the company's zone with the
//! unscanned AWBs kept as not handed over, later scans count for the next day, the page's form
//! route answers with a one-shot message, and members only see and touch their stores' AWBs.

mod common;
#[path = "common/orders.rs"]
mod orders_common;

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use common::*;
use orders_common::{add_order, store};
use server::{
    access::Principal,
    audit::RequestMeta,
    orders::{
        config::OrdersConfig,
        courier::{self, AccountInput, Courier},
        handover::{self, Scanned},
        service,
    },
    Db, Error,
};
use uuid::Uuid;

fn meta() -> RequestMeta {
    RequestMeta::default()
}

async fn connect(app: &TestApp, owner: &Principal, close: &str) -> Result<(), Error> {
    let c = Courier {
        db: &app.state.db,
        app_key: &app.state.config.app_secret_key,
        config: app.state.config.section::<OrdersConfig>(),
    };
    courier::save_account(
        &c,
        owner,
        &meta(),
        &AccountInput {
            client_id: "7032158".into(),
            username: "clienttest".into(),
            password: "fan-secret-pass-77".into(),
            service: "Standard".into(),
            payer: "recipient".into(),
            weight_kg: "1".into(),
            handover_close: close.into(),
        },
    )
    .await
}

/// An AWB of the order as FAN Courier would have made it, `age` ago.
async fn awb(
    db: &Db,
    company_id: Uuid,
    order_id: Uuid,
    number: &str,
    state: &str,
    age: Duration,
) -> Uuid {
    let id = Uuid::now_v7();
    let at = Utc::now() - age;
    server::exec!(
        db,
        sqlx::query(
            "INSERT INTO awbs (id, company_id, order_id, number, state, service, payer, weight_grams, parcels, \
             cod_minor, declared_minor, currency, notes, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 'Standard', 'recipient', 1000, 1, 0, 0, 'RON', '', $6, $6)"
        )
        .bind(id)
        .bind(company_id)
        .bind(order_id)
        .bind(number)
        .bind(state)
        .bind(at)
    )
    .unwrap();
    id
}

fn numbers(rows: &[handover::HandoverAwbRow]) -> Vec<String> {
    let mut n: Vec<String> = rows.iter().filter_map(|r| r.number.clone()).collect();
    n.sort();
    n
}

fn field<T: std::fmt::Debug>(r: Result<T, Error>) -> String {
    match r {
        Err(Error::Validation { field, .. }) => field,
        other => panic!("expected a refusal at a field, got {other:?}"),
    }
}

/// `hh:mm` today in the member's zone, as a UTC instant.
fn today_at(p: &Principal, hh: u32, mm: u32) -> DateTime<Utc> {
    let tz: chrono_tz::Tz = p.timezone.parse().unwrap();
    let today = Utc::now().with_timezone(&tz).date_naive();
    tz.from_local_datetime(&today.and_time(NaiveTime::from_hms_opt(hh, mm, 0).unwrap()))
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

#[tokio::test]
async fn scans_and_ticks_hand_over_once_and_the_day_closes_with_what_was_missed() {
    let app = spawn_app().await;
    app.setup("ada@example.com").await;
    let owner = app.principal("ada@example.com").await;
    let db = &app.state.db;
    connect(&app, &owner, "").await.unwrap();
    let a = store(db, &owner, "Atelier").await;
    let c = owner.company_id;
    let mut ids = Vec::new();
    for (n, (number, state, age)) in [
        ("1001", "active", Duration::hours(1)),
        ("1002", "active", Duration::hours(2)),
        ("1003", "active", Duration::hours(3)),
        ("1004", "active", Duration::days(2)),
        ("1005", "failed", Duration::hours(1)),
        ("1006", "active", Duration::days(10)),
    ]
    .into_iter()
    .enumerate()
    {
        let order = add_order(db, &owner, a, n as u64 + 1, |_| {}).await;
        ids.push((awb(db, c, order, number, state, age).await, order));
    }

    // Waiting: the active AWBs of the last 7 days.
    let v = handover::view(db, &owner, None).await.unwrap();
    assert_eq!(numbers(&v.waiting), ["1001", "1002", "1003", "1004"]);
    assert!(v.handed_over.is_empty() && v.closed.is_none());
    assert_eq!(v.close_time.as_deref(), Some("20:00"));
    assert!(v.can_scan && v.can_close);

    // A scan hands over once; the second one says when and by whom.
    let today = handover::view(db, &owner, None).await.unwrap().day;
    assert_eq!(
        handover::scan(db, &owner, &meta(), " 1001 ").await.unwrap(),
        Scanned::HandedOver {
            number: "1001".into(),
            day: today
        }
    );
    match handover::scan(db, &owner, &meta(), "1001").await.unwrap() {
        Scanned::Already { number, by, .. } => {
            assert_eq!((number.as_str(), by.is_some()), ("1001", true))
        }
        other => panic!("{other:?}"),
    }
    // Refusals: a failed AWB, one that does not exist, and no number at all.
    for bad in ["1005", "999", "", "12-34", "<script>", &"9".repeat(41)] {
        assert_eq!(
            field(handover::scan(db, &owner, &meta(), bad).await),
            "awb",
            "{bad}"
        );
    }
    // An AWB older than the window is not listed, but its scan still works.
    assert!(matches!(
        handover::scan(db, &owner, &meta(), "1006").await.unwrap(),
        Scanned::HandedOver { .. }
    ));

    // Ticks: those waiting are handed over; one already handed over and an unknown id are left alone.
    let n = handover::tick(db, &owner, &meta(), &[ids[1].0, ids[0].0, Uuid::now_v7()])
        .await
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(field(handover::tick(db, &owner, &meta(), &[]).await), "ids");
    let many: Vec<Uuid> = (0..1001).map(|_| Uuid::now_v7()).collect();
    assert_eq!(
        field(handover::tick(db, &owner, &meta(), &many).await),
        "ids"
    );

    let v = handover::view(db, &owner, None).await.unwrap();
    assert_eq!(numbers(&v.waiting), ["1003", "1004"]);
    assert_eq!(numbers(&v.handed_over), ["1001", "1002", "1006"]);
    let events = service::detail(db, &owner, ids[0].1).await.unwrap().events;
    assert!(events
        .iter()
        .any(|e| e.detail == "AWB 1001 handed over to FAN Courier."));

    // The job closes nothing before the set time, then the day once.
    assert_eq!(
        handover::close_due(db, today_at(&owner, 19, 59))
            .await
            .unwrap(),
        0
    );
    assert_eq!(app.count("courier_handovers").await, 0);
    let at = today_at(&owner, 20, 1).max(Utc::now());
    assert_eq!(handover::close_due(db, at).await.unwrap(), 1);
    assert_eq!(handover::close_due(db, at).await.unwrap(), 0);
    assert_eq!(app.count("courier_handover_misses").await, 2);

    // The closed day: what was handed over and what was not.
    let closed = handover::view(db, &owner, Some(today)).await.unwrap();
    let day = closed.closed.clone().unwrap();
    assert_eq!((day.handed_over, day.missed, day.by_person), (3, 2, false));
    assert_eq!(numbers(&closed.missed), ["1003", "1004"]);
    assert_eq!(numbers(&closed.handed_over), ["1001", "1002", "1006"]);
    // Today is closed: closing it again by hand is refused, and scans count for tomorrow.
    assert!(matches!(
        handover::close_now(db, &owner, &meta()).await,
        Err(Error::Conflict(_))
    ));
    let open = handover::view(db, &owner, None).await.unwrap();
    assert_eq!(open.day, today.succ_opt().unwrap());
    assert_eq!(numbers(&open.waiting), ["1003", "1004"]);
    assert!(open.waiting.iter().all(|w| w.missed_on.is_some()));
    assert_eq!(
        handover::scan(db, &owner, &meta(), "1003").await.unwrap(),
        Scanned::HandedOver {
            number: "1003".into(),
            day: open.day
        }
    );
    let closed = handover::view(db, &owner, Some(today)).await.unwrap();
    let later: Vec<bool> = closed
        .missed
        .iter()
        .map(|m| m.handed_over_at.is_some())
        .collect();
    assert_eq!(later.iter().filter(|l| **l).count(), 1);
    assert_eq!(closed.closed.unwrap().missed, 2);
    // A day never closed is not found.
    assert!(matches!(
        handover::view(db, &owner, Some(today - Duration::days(3))).await,
        Err(Error::NotFound)
    ));

    assert_eq!(app.audit_count("AWB_HANDED_OVER").await, 4);
    assert_eq!(app.audit_count("HANDOVER_CLOSED").await, 1);
}

#[tokio::test]
async fn closing_by_hand_and_the_close_time_setting() {
    let app = spawn_app().await;
    app.setup("ada@example.com").await;
    let owner = app.principal("ada@example.com").await;
    let db = &app.state.db;
    // Without an account the page still works; a bad close time is refused at its field.
    assert_eq!(
        handover::view(db, &owner, None).await.unwrap().close_time,
        None
    );
    for bad in ["25:00", "8pm", "20"] {
        assert_eq!(field(connect(&app, &owner, bad).await), "handover_close");
    }
    assert_eq!(app.count("courier_accounts").await, 0);
    connect(&app, &owner, "7:30").await.unwrap();
    let v = handover::view(db, &owner, None).await.unwrap();
    assert_eq!(v.close_time.as_deref(), Some("07:30"));

    let a = store(db, &owner, "Atelier").await;
    let order = add_order(db, &owner, a, 1, |_| {}).await;
    awb(
        db,
        owner.company_id,
        order,
        "3001",
        "active",
        Duration::minutes(5),
    )
    .await;
    let closed = handover::close_now(db, &owner, &meta()).await.unwrap();
    assert_eq!((closed.handed_over, closed.missed), (0, 1));
    let day = handover::view(db, &owner, Some(closed.day))
        .await
        .unwrap()
        .closed
        .unwrap();
    assert!(day.by_person && day.closed_by.is_some());
    // The job finds today closed already.
    let after_close_time = today_at(&owner, 7, 31).max(Utc::now());
    assert_eq!(handover::close_due(db, after_close_time).await.unwrap(), 0);
    assert_eq!(app.count("courier_handovers").await, 1);
}

#[tokio::test]
async fn members_see_and_hand_over_only_their_stores_awbs() {
    let app = spawn_app().await;
    app.setup("ada@example.com").await;
    let owner = app.principal("ada@example.com").await;
    let db = &app.state.db;
    connect(&app, &owner, "20:00").await.unwrap();
    let a = store(db, &owner, "Atelier").await;
    let b = store(db, &owner, "Boutique").await;
    let in_a = add_order(db, &owner, a, 1, |_| {}).await;
    let in_b = add_order(db, &owner, b, 2, |_| {}).await;
    let c = owner.company_id;
    awb(db, c, in_a, "2001", "active", Duration::hours(1)).await;
    let awb_b = awb(db, c, in_b, "2002", "active", Duration::hours(1)).await;
    let operator = app
        .add_member(&owner, "op@example.com", "operator", vec![a])
        .await;
    let viewer = app
        .add_member(&owner, "vi@example.com", "viewer", vec![a, b])
        .await;

    let v = handover::view(db, &operator, None).await.unwrap();
    assert_eq!(numbers(&v.waiting), ["2001"]);
    assert!(v.can_scan && !v.can_close);
    // Another store's AWB: not found by number, left alone by id.
    assert_eq!(
        field(handover::scan(db, &operator, &meta(), "2002").await),
        "awb"
    );
    assert_eq!(
        handover::tick(db, &operator, &meta(), &[awb_b])
            .await
            .unwrap(),
        0
    );
    assert!(matches!(
        handover::close_now(db, &operator, &meta()).await,
        Err(Error::Forbidden)
    ));
    // Readers read; they do not hand over.
    let v = handover::view(db, &viewer, None).await.unwrap();
    assert_eq!(numbers(&v.waiting), ["2001", "2002"]);
    assert!(!v.can_scan && !v.can_close);
    assert!(matches!(
        handover::scan(db, &viewer, &meta(), "2001").await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        handover::tick(db, &viewer, &meta(), &[awb_b]).await,
        Err(Error::Forbidden)
    ));
    // Another company sees none of it.
    let other = app.sign_up("Eve Co", "Eve", "eve@example.com").await;
    assert_eq!(
        field(handover::scan(db, &other, &meta(), "2001").await),
        "awb"
    );
    assert!(handover::view(db, &other, None)
        .await
        .unwrap()
        .waiting
        .is_empty());
    assert_eq!(
        handover::tick(db, &other, &meta(), &[awb_b]).await.unwrap(),
        0
    );

    // Nothing was handed over or closed by any of that.
    let v = handover::view(db, &owner, None).await.unwrap();
    assert_eq!(numbers(&v.waiting), ["2001", "2002"]);
    assert_eq!(app.count("courier_handovers").await, 0);
    assert_eq!(app.audit_count("AWB_HANDED_OVER").await, 0);

    // The page's form: a scan answers 303 back with what happened; a refusal says why.
    let op = app
        .signed_in_client("op@example.com", PASSWORD, "handover-test")
        .await;
    let post = |form: Vec<(&'static str, &'static str)>| {
        let op = op.clone();
        let url = app.url("/orders/handover");
        async move { op.post(url).form(&form).send().await.unwrap() }
    };
    let res = post(vec![("op", "scan"), ("awb", "2001")]).await;
    assert_eq!(
        (res.status().as_u16(), location(&res).as_str()),
        (303, "/orders/handover")
    );
    let f = flash_of(&res).unwrap();
    assert_eq!(
        (f.form.as_str(), f.message.as_str()),
        ("handover", "AWB 2001 handed over.")
    );
    let res = post(vec![("op", "scan"), ("awb", "2002")]).await;
    let f = flash_of(&res).unwrap();
    assert_eq!(f.field.as_deref(), Some("awb"));
    assert_eq!(f.values.get("awb").map(String::as_str), Some("2002"));
    // Closing the day covers every store: refused to a member limited to some.
    let res = post(vec![("op", "close")]).await;
    assert_eq!(res.status().as_u16(), 403);
    assert_eq!(app.count("courier_handovers").await, 0);
    let res = post(vec![("op", "explode")]).await;
    assert_eq!(flash_of(&res).unwrap().field.as_deref(), Some("op"));
}
