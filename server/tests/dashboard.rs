//! The dashboard on both databases: every figure against a fixture computed by hand, the
//! rollups against their recomputation after random writes (a property test over seeds), the
//! check that finds and repairs a drifted rollup, a time zone change, store scoping, and the
//! refusals (a store the member may not see, a reversed or over-long range).

mod common;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use common::*;
use rand::{rngs::StdRng, Rng, SeedableRng};
use server::{
    access::Principal,
    billing::ledger,
    dashboard::{
        self, rollups,
        seed::{self, SeedAnalysis, SeedOrder},
        service::Compared,
        Query,
    },
    Db, Error,
};
use uuid::Uuid;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn q(period: &str, from: &str, to: &str, store: &str) -> Query {
    Query {
        period: period.into(),
        from: from.into(),
        to: to.into(),
        store: store.into(),
    }
}

fn c(now: i64, before: i64) -> Compared {
    Compared { now, before }
}

fn order(store: Uuid, n: u32, status: &str, currency: &str, total: i64, when: &str) -> SeedOrder {
    SeedOrder {
        store_id: store,
        number: format!("#{n}"),
        status: status.into(),
        currency: currency.into(),
        total_minor: total,
        customer: format!("Buyer {n}"),
        placed_at: at(when),
    }
}

async fn owner(app: &TestApp) -> Principal {
    app.setup("ada@example.com").await;
    app.principal("ada@example.com").await
}

async fn differences(db: &Db, company: Uuid) -> Vec<String> {
    rollups::check(db, company, false)
        .await
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// "Now" for the fixture: 15 June 2026, noon UTC; 7 days are 9–15 June, before them 2–8 June.
const NOW: &str = "2026-06-15T12:00:00Z";

struct Fixture {
    app: TestApp,
    owner: Principal,
    alpha: Uuid,
    beta: Uuid,
}

/// An AWB of order `number` in `state`, charged `cost` in `currency`.
async fn awb(db: &Db, company: Uuid, number: &str, state: &str, cost: i64, currency: &str) {
    server::exec!(
        db,
        sqlx::query(
            "INSERT INTO awbs (id, company_id, order_id, number, state, service, payer, weight_grams, parcels, \
             cod_minor, declared_minor, currency, notes, cost_minor, cost_currency, created_at, updated_at) \
             SELECT $1, $2, id, $3, $4, 'Standard', 'sender', 1000, 1, 0, 0, currency, '', $5, $6, $7, $7 \
             FROM orders WHERE company_id = $2 AND number = $8"
        )
        .bind(Uuid::now_v7())
        .bind(company)
        .bind(format!("AWB{}", Uuid::now_v7().simple()))
        .bind(state)
        .bind(cost)
        .bind(currency)
        .bind(at(NOW))
        .bind(number)
    )
    .unwrap();
}

async fn fixture() -> Fixture {
    let app = spawn_app().await;
    let owner = owner(&app).await;
    let db = &app.state.db;
    let now = at(NOW);
    let alpha = seed::store(db, owner.company_id, "Alpha", now)
        .await
        .unwrap();
    let beta = seed::store(db, owner.company_id, "Beta", now)
        .await
        .unwrap();
    seed::orders(
        db,
        owner.company_id,
        "UTC",
        &[
            // The period.
            order(alpha, 1, "DELIVERED", "RON", 10_000, "2026-06-10T08:00:00Z"),
            order(alpha, 2, "PENDING", "RON", 20_000, "2026-06-15T11:00:00Z"),
            order(alpha, 3, "CANCELLED", "RON", 5_000, "2026-06-12T09:00:00Z"),
            order(alpha, 4, "RETURNED", "RON", 7_000, "2026-06-11T09:00:00Z"),
            order(beta, 5, "SHIPPED", "RON", 30_000, "2026-06-09T00:30:00Z"),
            order(beta, 6, "PENDING", "EUR", 4_000, "2026-06-14T10:00:00Z"),
            // The period before.
            order(alpha, 7, "DELIVERED", "RON", 15_000, "2026-06-05T10:00:00Z"),
            order(beta, 8, "SHIPPED", "RON", 5_000, "2026-06-08T23:59:00Z"),
            // Before both: never counted.
            order(alpha, 9, "DELIVERED", "RON", 99_900, "2026-06-01T10:00:00Z"),
        ],
    )
    .await
    .unwrap();
    let meta = seed::ad_campaign(
        db,
        owner.company_id,
        Some(alpha),
        "meta",
        "RON",
        "Alpha ads",
        now,
    )
    .await
    .unwrap();
    seed::ad_days(
        db,
        owner.company_id,
        meta,
        &[
            (day("2026-06-10"), 5_000, 20_000, 10, 2),
            (day("2026-06-05"), 3_000, 3_000, 4, 1),
        ],
        now,
    )
    .await
    .unwrap();
    let tiktok = seed::ad_campaign(db, owner.company_id, None, "tiktok", "RON", "Brand", now)
        .await
        .unwrap();
    seed::ad_days(
        db,
        owner.company_id,
        tiktok,
        &[(day("2026-06-12"), 1_000, 0, 3, 0)],
        now,
    )
    .await
    .unwrap();
    let analysis =
        |status: &str, verdict: Option<&str>, ms: Option<i64>, when: &str| SeedAnalysis {
            status: status.into(),
            verdict: verdict.map(str::to_string),
            processing_ms: ms,
            created_at: at(when),
        };
    seed::analyses(
        db,
        owner.company_id,
        "UTC",
        &[
            analysis(
                "completed",
                Some("APPROVED"),
                Some(10_000),
                "2026-06-10T10:00:00Z",
            ),
            analysis(
                "completed",
                Some("REJECTED"),
                Some(20_000),
                "2026-06-11T10:00:00Z",
            ),
            analysis("failed", None, None, "2026-06-12T10:00:00Z"),
            analysis(
                "completed",
                Some("APPROVED"),
                Some(30_000),
                "2026-06-03T10:00:00Z",
            ),
        ],
    )
    .await
    .unwrap();
    // FAN Courier's charges: #1's AWB (23.20 RON) and #3's (7.00 RON: cancelled, but its
    // shipping was paid); a failed AWB and one charged in another currency than its order's
    // count for nothing.
    for (number, state, cost, currency) in [
        ("#1", "active", 2_320, "RON"),
        ("#1", "failed", 999, "RON"),
        ("#3", "active", 700, "RON"),
        ("#5", "active", 1_500, "EUR"),
    ] {
        awb(db, owner.company_id, number, state, cost, currency).await;
    }
    // Read again, as the next request would: the seeding moved the company's rollup versions.
    let owner = app.principal("ada@example.com").await;
    Fixture {
        app,
        owner,
        alpha,
        beta,
    }
}

#[tokio::test]
async fn every_figure_matches_the_fixture_computed_by_hand() {
    let f = fixture().await;
    let db = &f.app.state.db;
    let v = dashboard::view(db, &f.owner, &q("7d", "", "", ""), at(NOW))
        .await
        .unwrap();
    assert_eq!(
        (v.period.from, v.period.to),
        (day("2026-06-09"), day("2026-06-15"))
    );
    assert_eq!(
        (v.previous.from, v.previous.to),
        (day("2026-06-02"), day("2026-06-08"))
    );
    assert_eq!(
        v.stores.iter().map(|s| s.1.as_str()).collect::<Vec<_>>(),
        ["Alpha", "Beta"]
    );

    // Sales: RON first (five orders of the period), EUR apart, never added to RON.
    let sales = v.sales.clone().unwrap();
    let ron = &sales.currencies[0];
    assert_eq!(ron.currency, "RON");
    assert_eq!(ron.orders, c(3, 2));
    assert_eq!(ron.revenue, c(60_000, 20_000));
    assert_eq!(ron.average, c(20_000, 10_000));
    assert_eq!(ron.to_process, c(1, 0));
    assert_eq!(ron.shipped, c(2, 2));
    assert_eq!(ron.returned, c(1, 0));
    assert_eq!(ron.cancelled, c(1, 0));
    let eur = &sales.currencies[1];
    assert_eq!(
        (
            eur.currency.as_str(),
            eur.orders,
            eur.revenue,
            eur.to_process
        ),
        ("EUR", c(1, 0), c(4_000, 0), c(1, 0))
    );
    assert_eq!(sales.currencies.len(), 2);
    assert_eq!(
        sales.fulfilment,
        [
            ("PENDING".to_string(), 2),
            ("CANCELLED".into(), 1),
            ("DELIVERED".into(), 1),
            ("RETURNED".into(), 1),
            ("SHIPPED".into(), 1)
        ]
    );
    // Revenue per day per store, in RON: Alpha on the 10th and 15th, Beta on the 9th.
    let series: Vec<(&str, &[i64])> = sales
        .daily
        .iter()
        .map(|s| (s.store.as_str(), s.revenue.as_slice()))
        .collect();
    assert_eq!(
        series,
        [
            ("Alpha", &[0, 10_000, 0, 0, 0, 0, 20_000][..]),
            ("Beta", &[30_000, 0, 0, 0, 0, 0, 0][..])
        ]
    );

    // Ads per platform, and the chart's days.
    let ads = v.ads.clone().unwrap();
    let meta = ads.platforms.iter().find(|p| p.platform == "meta").unwrap();
    assert_eq!(
        (meta.spend, meta.value, meta.clicks, meta.conversions),
        (c(5_000, 3_000), c(20_000, 3_000), c(10, 4), c(2, 1))
    );
    let tiktok = ads
        .platforms
        .iter()
        .find(|p| p.platform == "tiktok")
        .unwrap();
    assert_eq!((tiktok.spend, tiktok.value), (c(1_000, 0), c(0, 0)));
    assert_eq!(ads.currency, "RON");
    assert_eq!(ads.spend, [0, 5_000, 0, 1_000, 0, 0, 0]);
    assert_eq!(ads.value, [0, 20_000, 0, 0, 0, 0, 0]);

    // Profit per store: revenue less the spend of the accounts tied to it and the courier's
    // charges.
    let profit: Vec<(&str, &str, i64, i64, i64, i64)> = v
        .profit
        .as_ref()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p.store.as_str(),
                p.currency.as_str(),
                p.revenue,
                p.ad_spend,
                p.courier,
                p.profit,
            )
        })
        .collect();
    assert_eq!(
        profit,
        [
            ("Alpha", "RON", 30_000, 5_000, 3_020, 21_980),
            ("Beta", "EUR", 4_000, 0, 0, 4_000),
            ("Beta", "RON", 30_000, 0, 0, 30_000)
        ]
    );

    // Analyses: three run (two completed, one approved), 15 s on average; before: one.
    let a = v.analyses.unwrap();
    assert_eq!(
        (a.run, a.completed, a.approved),
        (c(3, 1), c(2, 1), c(1, 1))
    );
    assert_eq!(a.average_ms, c(15_000, 30_000));

    // The latest orders, newest first, within the member's stores.
    let recent: Vec<&str> = v
        .recent_orders
        .as_ref()
        .unwrap()
        .iter()
        .map(|o| o.number.as_str())
        .collect();
    assert_eq!(recent, ["#2", "#6", "#3", "#4", "#1"]);
    assert_eq!(v.recent_analyses.as_ref().unwrap().len(), 4);
    // The owner reads the audit log: its latest entries (the company's founding among them).
    let activity = v.activity.as_ref().unwrap();
    assert!(
        activity.iter().any(|e| e.action == "COMPANY_CREATED"),
        "{activity:?}"
    );
    assert!(differences(db, f.owner.company_id).await.is_empty());
}

#[tokio::test]
async fn one_store_and_a_member_limited_to_it_see_only_its_figures() {
    let f = fixture().await;
    let db = &f.app.state.db;
    let v = dashboard::view(db, &f.owner, &q("7d", "", "", &f.beta.to_string()), at(NOW))
        .await
        .unwrap();
    let sales = v.sales.unwrap();
    assert_eq!(sales.currencies[0].revenue, c(30_000, 5_000));
    assert_eq!(sales.daily.len(), 1);
    // Beta has no ad account of its own; the company-wide cards are not shown for one store.
    assert!(v.ads.unwrap().platforms.is_empty());
    assert!(v.analyses.is_none() && v.tokens.is_none());

    let member = f
        .app
        .add_member(&f.owner, "olga@example.com", "viewer", vec![f.alpha])
        .await;
    let v = dashboard::view(db, &member, &q("7d", "", "", ""), at(NOW))
        .await
        .unwrap();
    assert_eq!(v.stores.iter().map(|s| s.0).collect::<Vec<_>>(), [f.alpha]);
    let sales = v.sales.unwrap();
    assert_eq!(sales.currencies.len(), 1);
    assert_eq!(sales.currencies[0].revenue, c(30_000, 15_000));
    assert_eq!(sales.currencies[0].cancelled, c(1, 0));
    // Only the account tied to Alpha: the store-less TikTok account is for members who see all.
    let ads = v.ads.unwrap();
    assert_eq!(ads.platforms.len(), 1);
    assert_eq!(ads.platforms[0].platform, "meta");
    let recent: Vec<&str> = v
        .recent_orders
        .as_ref()
        .unwrap()
        .iter()
        .map(|o| o.number.as_str())
        .collect();
    assert!(!recent.contains(&"#5") && !recent.contains(&"#6"));
    // Beta is not hers: not found, not an empty dashboard.
    assert!(matches!(
        dashboard::view(db, &member, &q("7d", "", "", &f.beta.to_string()), at(NOW)).await,
        Err(Error::NotFound)
    ));
    // An operator (orders only) gets no ads, analyses or tokens.
    let operator = f
        .app
        .add_member(&f.owner, "op@example.com", "operator", vec![f.alpha])
        .await;
    let v = dashboard::view(db, &operator, &q("7d", "", "", ""), at(NOW))
        .await
        .unwrap();
    assert!(
        v.sales.is_some()
            && v.ads.is_none()
            && v.analyses.is_none()
            && v.tokens.is_none()
            && v.balance.is_none()
    );
}

#[tokio::test]
async fn bad_periods_and_stores_are_refused_at_their_field() {
    let f = fixture().await;
    let db = &f.app.state.db;
    let now = at(NOW);
    // (period, from, to) → the field the refusal names.
    for (period, from, to, field) in [
        ("custom", "2026-06-10", "2026-06-01", "to"),
        ("custom", "2024-01-01", "2026-06-01", "to"),
        ("custom", "", "2026-06-01", "from"),
        ("forever", "", "", "period"),
    ] {
        match dashboard::view(db, &f.owner, &q(period, from, to, ""), now).await {
            Err(Error::Validation { field: named, .. }) => {
                assert_eq!(named, field, "{period} {from}–{to}")
            }
            other => panic!(
                "{period} {from}–{to}: expected a refusal, got {:?}",
                other.map(|v| v.period)
            ),
        }
    }
    for store in ["not-a-uuid", &Uuid::now_v7().to_string()] {
        assert!(matches!(
            dashboard::view(db, &f.owner, &q("7d", "", "", store), now).await,
            Err(Error::NotFound)
        ));
    }
    // Another company's store is not found either.
    let other = f.app.sign_up("Other Co", "Bob", "bob@other.example").await;
    let theirs = seed::store(db, other.company_id, "Theirs", now)
        .await
        .unwrap();
    assert!(matches!(
        dashboard::view(db, &f.owner, &q("7d", "", "", &theirs.to_string()), now).await,
        Err(Error::NotFound)
    ));
    // A custom range with no data: zeros compared with zeros, no chart series.
    let v = dashboard::view(
        db,
        &f.owner,
        &q("custom", "2025-01-01", "2025-01-31", ""),
        now,
    )
    .await
    .unwrap();
    let sales = v.sales.unwrap();
    assert!(sales.currencies.is_empty() && sales.daily.is_empty() && sales.fulfilment.is_empty());
    assert_eq!(v.period.days(), 31);
}

#[tokio::test]
async fn tokens_used_and_their_cost_come_from_the_ledger() {
    let app = spawn_app().await;
    let owner = owner(&app).await;
    let db = &app.state.db;
    let mut tx = db.begin().await.unwrap();
    ledger::post(
        &mut tx,
        &ledger::Posting::new(owner.company_id, ledger::Kind::Grant, 10_000, "welcome"),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let hold = ledger::hold(db, owner.company_id, 3_000, "analysis:1")
        .await
        .unwrap();
    ledger::settle(db, owner.company_id, hold.id, 2_500)
        .await
        .unwrap();
    let hold = ledger::hold(db, owner.company_id, 1_000, "analysis:2")
        .await
        .unwrap();
    ledger::release(db, owner.company_id, hold.id)
        .await
        .unwrap();
    // A paid pack: 100,000 tokens for 20.00 EUR, so the 2,500 used cost 0.50 EUR.
    server::exec!(
        db,
        sqlx::query(
            "INSERT INTO token_purchases (id, company_id, pack, tokens, amount, currency, status, \
             checkout_session_id, created_at) VALUES ($1, $2, 'starter', 100000, 2000, 'eur', 'paid', 'cs_1', $3)"
        )
        .bind(Uuid::now_v7())
        .bind(owner.company_id)
        .bind(Utc::now())
    )
    .unwrap();
    let owner = app.principal("ada@example.com").await;
    let v = dashboard::view(db, &owner, &q("today", "", "", ""), Utc::now())
        .await
        .unwrap();
    let t = v.tokens.unwrap();
    assert_eq!((t.used, t.added), (c(2_500, 0), c(10_000, 0)));
    assert_eq!(t.used_cost, Some(("eur".to_string(), 50)));
    assert_eq!(v.balance, Some(7_500));
    assert!(differences(db, owner.company_id).await.is_empty());
}

/// A view keeps the figures it read under the company's rollup versions. A principal read
/// before a write (a request that began before it) still gets them from the cache; the next
/// request's principal carries the versions the write raised and sees it, whichever of the
/// tables the figures come from was written. Each group moves alone.
#[tokio::test]
async fn every_write_moves_the_figures_the_next_view_sees() {
    let f = fixture().await;
    let db = &f.app.state.db;
    let company = f.owner.company_id;
    let now = at(NOW);
    let view = |p: Principal| async move {
        dashboard::view(db, &p, &q("7d", "", "", ""), now)
            .await
            .unwrap()
    };
    let revenue = |v: &dashboard::View| v.sales.as_ref().unwrap().currencies[0].revenue.now;
    let spend = |v: &dashboard::View| v.ads.as_ref().unwrap().spend.iter().sum::<i64>();
    let run = |v: &dashboard::View| v.analyses.unwrap().run.now;
    let used = |v: &dashboard::View| v.tokens.as_ref().unwrap().used.now;
    // Which versions moved between two principals: (sales, ads, company).
    let moved = |a: &Principal, b: &Principal| {
        (
            b.rollups.sales > a.rollups.sales,
            b.rollups.ads > a.rollups.ads,
            b.rollups.company > a.rollups.company,
        )
    };
    let mut before = f.owner.clone();
    let v = view(before.clone()).await;
    assert_eq!(
        (revenue(&v), spend(&v), run(&v), used(&v)),
        (60_000, 6_000, 3, 0)
    );

    // A new order.
    seed::orders(
        db,
        company,
        "UTC",
        &[order(
            f.alpha,
            10,
            "PENDING",
            "RON",
            1_000,
            "2026-06-13T10:00:00Z",
        )],
    )
    .await
    .unwrap();
    assert_eq!(revenue(&view(before.clone()).await), 60_000, "cached");
    let after = f.app.principal("ada@example.com").await;
    assert_eq!(moved(&before, &after), (true, false, false));
    assert_eq!(revenue(&view(after.clone()).await), 61_000);
    before = after;

    // Its cancellation (a status change).
    server::exec!(
        db,
        sqlx::query(
            "UPDATE orders SET status = 'CANCELLED' WHERE company_id = $1 AND number = '#10'"
        )
        .bind(company)
    )
    .unwrap();
    let after = f.app.principal("ada@example.com").await;
    assert_eq!(moved(&before, &after), (true, false, false));
    let v = view(after.clone()).await;
    assert_eq!(revenue(&v), 60_000);
    assert_eq!(v.sales.unwrap().currencies[0].cancelled.now, 2);
    before = after;

    // A store renamed: its name in the filter and in the profit lines.
    server::exec!(
        db,
        sqlx::query("UPDATE stores SET name = 'Alpha Prime' WHERE id = $1").bind(f.alpha)
    )
    .unwrap();
    let after = f.app.principal("ada@example.com").await;
    assert_eq!(moved(&before, &after), (true, true, false));
    let v = view(after.clone()).await;
    assert!(
        v.stores.iter().any(|s| s.1 == "Alpha Prime"),
        "{:?}",
        v.stores
    );
    assert!(v.profit.unwrap().iter().any(|p| p.store == "Alpha Prime"));
    before = after;

    // A day of ad figures.
    let campaign: Uuid = server::with_db!(db, |p| sqlx::query_scalar(
        "SELECT id FROM ad_campaigns WHERE company_id = $1 AND name = 'Alpha ads'"
    )
    .bind(company)
    .fetch_one(p)
    .await)
    .unwrap();
    seed::ad_days(
        db,
        company,
        campaign,
        &[(day("2026-06-14"), 2_500, 9_000, 5, 1)],
        now,
    )
    .await
    .unwrap();
    assert_eq!(spend(&view(before.clone()).await), 6_000, "cached");
    let after = f.app.principal("ada@example.com").await;
    assert_eq!(moved(&before, &after), (false, true, false));
    assert_eq!(spend(&view(after.clone()).await), 8_500);
    before = after;

    // An analysis, then tokens used.
    seed::analyses(
        db,
        company,
        "UTC",
        &[SeedAnalysis {
            status: "completed".into(),
            verdict: Some("APPROVED".into()),
            processing_ms: Some(1_000),
            created_at: at("2026-06-14T09:00:00Z"),
        }],
    )
    .await
    .unwrap();
    let after = f.app.principal("ada@example.com").await;
    assert_eq!(moved(&before, &after), (false, false, true));
    assert_eq!(run(&view(after.clone()).await), 4);
    before = after;
    let today = || q("today", "", "", "");
    let v = dashboard::view(db, &before, &today(), Utc::now())
        .await
        .unwrap();
    assert_eq!(v.tokens.unwrap().used.now, 0);
    let mut tx = db.begin().await.unwrap();
    ledger::post(
        &mut tx,
        &ledger::Posting::new(company, ledger::Kind::Grant, 5_000, "welcome"),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let hold = ledger::hold(db, company, 700, "analysis:9").await.unwrap();
    ledger::settle(db, company, hold.id, 700).await.unwrap();
    let after = f.app.principal("ada@example.com").await;
    assert_eq!(moved(&before, &after), (false, false, true));
    let v = dashboard::view(db, &after, &today(), Utc::now())
        .await
        .unwrap();
    assert_eq!(v.tokens.unwrap().used.now, 700);

    // A member's store access: granted Beta, she sees it at her next request.
    let member = f
        .app
        .add_member(&f.owner, "olga@example.com", "viewer", vec![f.alpha])
        .await;
    let v = view(member.clone()).await;
    assert_eq!(v.stores.len(), 1);
    server::exec!(
        db,
        sqlx::query("INSERT INTO store_access (store_id, user_id, company_id) VALUES ($1, $2, $3)")
            .bind(f.beta)
            .bind(member.user_id)
            .bind(company)
    )
    .unwrap();
    let member_after = f.app.principal("olga@example.com").await;
    assert_eq!(moved(&member, &member_after), (true, true, false));
    assert_eq!(view(member_after).await.stores.len(), 2);
}

/// Random inserts, status changes (shipping, returns, cancellations), total changes (partial
/// refunds), moves to another store, deletions and AWBs charged, failed and charged again;
/// after each round the rollups equal their
/// recomputation. Several seeds; the failing one is named.
#[tokio::test]
async fn rollups_equal_their_recomputation_after_random_writes() {
    let app = spawn_app().await;
    let owner = owner(&app).await;
    let db = &app.state.db;
    let now = at(NOW);
    let stores = [
        seed::store(db, owner.company_id, "One", now).await.unwrap(),
        seed::store(db, owner.company_id, "Two", now).await.unwrap(),
    ];
    const STATUSES: [&str; 6] = [
        "PENDING",
        "PICKING",
        "SHIPPED",
        "DELIVERED",
        "RETURNED",
        "CANCELLED",
    ];
    for seed_no in 0..4u64 {
        let mut rng = StdRng::seed_from_u64(seed_no);
        let list: Vec<SeedOrder> = (0..60)
            .map(|i| SeedOrder {
                store_id: stores[rng.gen_range(0..2)],
                number: format!("#{seed_no}-{i}"),
                status: STATUSES[rng.gen_range(0..6)].into(),
                currency: if rng.gen_bool(0.2) { "EUR" } else { "RON" }.into(),
                total_minor: rng.gen_range(100..50_000),
                customer: "Random".into(),
                placed_at: now - Duration::minutes(rng.gen_range(0..60 * 24 * 20)),
            })
            .collect();
        seed::orders(db, owner.company_id, "UTC", &list)
            .await
            .unwrap();
        let ids: Vec<Uuid> = server::with_db!(db, |p| sqlx::query_scalar(
            "SELECT id FROM orders WHERE company_id = $1 ORDER BY id"
        )
        .bind(owner.company_id)
        .fetch_all(p)
        .await)
        .unwrap();
        for _ in 0..80 {
            let id = ids[rng.gen_range(0..ids.len())];
            let choice = rng.gen_range(0..8);
            if choice >= 5 {
                // An AWB charged in RON or EUR (counted only in its order's currency), then a
                // failed one or a new charge.
                let cost = rng.gen_range(1..5_000i64);
                let sql = if choice == 5 {
                    "INSERT INTO awbs (id, company_id, order_id, number, state, service, payer, weight_grams, parcels, \
                     cod_minor, declared_minor, currency, notes, cost_minor, cost_currency, created_at, updated_at) \
                     SELECT $3, company_id, id, 'AWB', 'active', 'Standard', 'sender', 1000, 1, 0, 0, currency, '', \
                     $2, CASE WHEN $2 % 3 = 0 THEN 'EUR' ELSE 'RON' END, placed_at, placed_at FROM orders \
                     WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM awbs WHERE order_id = $1 AND state IN ('creating', 'active'))"
                } else if choice == 6 {
                    "UPDATE awbs SET state = 'failed' WHERE order_id = $1 AND state = 'active' AND $2 > 0 AND $3 IS NOT NULL"
                } else {
                    "UPDATE awbs SET cost_minor = $2 WHERE order_id = $1 AND state = 'active' AND $3 IS NOT NULL"
                };
                server::exec!(
                    db,
                    sqlx::query(sql).bind(id).bind(cost).bind(Uuid::now_v7())
                )
                .unwrap();
                continue;
            }
            let (sql, arg): (&str, String) = match choice {
                0 | 1 => ("UPDATE orders SET status = $2 WHERE id = $1", STATUSES[rng.gen_range(0..6)].into()),
                2 => ("UPDATE orders SET total_minor = total_minor / 2 + CAST($2 AS BIGINT) WHERE id = $1", rng.gen_range(0..100).to_string()),
                3 => ("UPDATE orders SET store_id = (SELECT id FROM stores WHERE name = $2) WHERE id = $1", if rng.gen_bool(0.5) { "One" } else { "Two" }.into()),
                _ => ("DELETE FROM orders WHERE id = $1 AND $2 <> ''", "x".into()),
            };
            server::exec!(db, sqlx::query(sql).bind(id).bind(arg)).unwrap();
        }
        let diff = differences(db, owner.company_id).await;
        assert!(diff.is_empty(), "seed {seed_no}: {diff:#?}");
    }
    // The AWBs did reach the orders' courier cost.
    let charged: Option<i64> = server::with_db!(db, |p| sqlx::query_scalar(
        "SELECT CAST(SUM(courier_minor) AS BIGINT) FROM order_days WHERE company_id = $1"
    )
    .bind(owner.company_id)
    .fetch_one(p)
    .await)
    .unwrap();
    assert!(charged.unwrap_or(0) > 0, "{charged:?}");
    let v = dashboard::view(db, &owner, &q("30d", "", "", ""), now)
        .await
        .unwrap();
    assert!(v.sales.unwrap().currencies.iter().any(|c| c.orders.now > 0));
}

#[tokio::test]
async fn the_check_finds_a_drifted_rollup_and_repairs_it() {
    let f = fixture().await;
    let db = &f.app.state.db;
    let company = f.owner.company_id;
    assert!(differences(db, company).await.is_empty());
    server::exec!(db, sqlx::query("UPDATE order_days SET orders = orders + 5 WHERE company_id = $1 AND status = 'PENDING'").bind(company)).unwrap();
    // An order's courier cost written past its AWBs (the order rollup follows it, by trigger).
    server::exec!(
        db,
        sqlx::query("UPDATE orders SET courier_minor = 1 WHERE company_id = $1 AND number = '#2'")
            .bind(company)
    )
    .unwrap();
    server::exec!(
        db,
        sqlx::query("DELETE FROM ad_days WHERE company_id = $1").bind(company)
    )
    .unwrap();
    server::exec!(
        db,
        sqlx::query("UPDATE analysis_days SET processing_ms = 1 WHERE company_id = $1")
            .bind(company)
    )
    .unwrap();
    let found = differences(db, company).await;
    assert!(
        found.iter().any(|d| d.starts_with("order_days")),
        "{found:#?}"
    );
    assert!(found.iter().any(|d| d.starts_with("ad_days")), "{found:#?}");
    assert!(
        found.iter().any(|d| d.starts_with("orders.courier_minor")),
        "{found:#?}"
    );
    assert!(
        found.iter().any(|d| d.starts_with("analysis_days")),
        "{found:#?}"
    );
    let repaired = rollups::check(db, company, true).await.unwrap();
    assert_eq!(repaired.len(), found.len());
    assert!(differences(db, company).await.is_empty());
    let v = dashboard::view(db, &f.owner, &q("7d", "", "", ""), at(NOW))
        .await
        .unwrap();
    assert_eq!(v.sales.unwrap().currencies[0].to_process, c(1, 0));
    assert_eq!(v.ads.unwrap().spend, [0, 5_000, 0, 1_000, 0, 0, 0]);
}

#[tokio::test]
async fn a_new_time_zone_moves_orders_to_their_local_days() {
    let f = fixture().await;
    let db = &f.app.state.db;
    let company = f.owner.company_id;
    // Beta's order at 00:30 UTC on 9 June is still 8 June in New York (UTC−4).
    // Through the company settings, as a member changes it.
    let settings = server::team::company::get(db, &f.owner).await.unwrap();
    server::team::company::update(
        db,
        &f.owner,
        &server::access::RequestMeta::default(),
        server::team::company::Settings {
            timezone: "America/New_York".into(),
            ..settings
        },
    )
    .await
    .unwrap();
    let changed = rollups::zones_changed(db, 100).await.unwrap();
    assert!(changed.contains(&(company, "America/New_York".to_string())));
    let moved = rollups::recompute_days(db, company, "America/New_York")
        .await
        .unwrap();
    // Only what happened before 04:00 UTC moves: Beta's 00:30 order (23:59 stays on the 8th).
    assert_eq!(moved, 1);
    assert!(!rollups::zones_changed(db, 100)
        .await
        .unwrap()
        .iter()
        .any(|(id, _)| *id == company));
    assert!(differences(db, company).await.is_empty());
    let owner = f.app.principal("ada@example.com").await;
    assert_eq!(owner.timezone, "America/New_York");
    let v = dashboard::view(db, &owner, &q("7d", "", "", ""), at(NOW))
        .await
        .unwrap();
    // 9–15 June in New York: the 00:30 UTC order of the 9th (8 June, 20:30 local) left the period.
    let ron = &v.sales.unwrap().currencies[0];
    assert_eq!(ron.revenue.now, 30_000);
}
