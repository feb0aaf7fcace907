//! The token ledger on both databases: hold → settle → release arithmetic, idempotency by
//! reference, concurrent holds that never overdraw, grants, and the append-only rule.

mod common;

use common::*;
use server::{
    audit::RequestMeta,
    billing::{self, ledger},
    Error,
};
use uuid::Uuid;

async fn funded(tokens: i64) -> (TestApp, Uuid) {
    let app = spawn_app().await;
    app.setup("ada@example.com").await;
    let ada = app.principal("ada@example.com").await;
    if tokens > 0 {
        billing::grant(
            &app.state.db,
            &ada,
            &RequestMeta::default(),
            ada.company_id,
            tokens,
            "test funds",
        )
        .await
        .unwrap();
    }
    (app, ada.company_id)
}

/// Every entry's balance_after is the previous one plus its tokens, and the last one is the
/// company's balance.
async fn assert_ledger_adds_up(app: &TestApp, company: Uuid) {
    let (mut entries, total) = ledger::entries(&app.state.db, company, 10_000, 0)
        .await
        .unwrap();
    assert_eq!(entries.len() as i64, total);
    entries.reverse();
    let mut running = 0;
    for e in &entries {
        running += e.tokens;
        assert_eq!(e.balance_after, running, "entry {} ({})", e.id, e.kind);
        assert!(e.balance_after >= 0);
    }
    assert_eq!(
        ledger::balance(&app.state.db, company).await.unwrap(),
        running
    );
}

#[tokio::test]
async fn hold_settle_release_move_the_balance_exactly_once() {
    let (app, company) = funded(10_000).await;
    let db = &app.state.db;

    let h = ledger::hold(db, company, 3_000, "analysis:1")
        .await
        .unwrap();
    assert_eq!(ledger::balance(db, company).await.unwrap(), 7_000);
    // The same reference answers the same hold and takes nothing more.
    let again = ledger::hold(db, company, 3_000, "analysis:1")
        .await
        .unwrap();
    assert_eq!(again.id, h.id);
    assert_eq!(ledger::balance(db, company).await.unwrap(), 7_000);

    // Used less than held: the rest comes back; settling twice changes nothing.
    assert_eq!(
        ledger::settle(db, company, h.id, 1_200).await.unwrap(),
        1_200
    );
    assert_eq!(ledger::balance(db, company).await.unwrap(), 8_800);
    assert_eq!(
        ledger::settle(db, company, h.id, 9_999).await.unwrap(),
        1_200
    );
    assert_eq!(ledger::balance(db, company).await.unwrap(), 8_800);
    assert!(matches!(
        ledger::release(db, company, h.id).await,
        Err(Error::Conflict(_))
    ));

    // Released: everything comes back, once.
    let r = ledger::hold(db, company, 5_000, "analysis:2")
        .await
        .unwrap();
    assert_eq!(ledger::balance(db, company).await.unwrap(), 3_800);
    ledger::release(db, company, r.id).await.unwrap();
    ledger::release(db, company, r.id).await.unwrap();
    assert_eq!(ledger::balance(db, company).await.unwrap(), 8_800);
    assert!(matches!(
        ledger::settle(db, company, r.id, 10).await,
        Err(Error::Conflict(_))
    ));

    // Used more than held: the extra is taken, but never below zero.
    let big = ledger::hold(db, company, 8_000, "analysis:3")
        .await
        .unwrap();
    assert_eq!(ledger::balance(db, company).await.unwrap(), 800);
    assert_eq!(
        ledger::settle(db, company, big.id, 8_500).await.unwrap(),
        8_500
    );
    assert_eq!(ledger::balance(db, company).await.unwrap(), 300);
    let last = ledger::hold(db, company, 300, "analysis:4").await.unwrap();
    assert_eq!(
        ledger::settle(db, company, last.id, 1_000).await.unwrap(),
        300
    );
    assert_eq!(ledger::balance(db, company).await.unwrap(), 0);

    // Short: refused with what it needs, nothing written.
    let before = ledger::entries(db, company, 1, 0).await.unwrap().1;
    match ledger::hold(db, company, 1, "analysis:5").await {
        Err(Error::InsufficientTokens {
            balance: 0,
            needed: 1,
        }) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(ledger::entries(db, company, 1, 0).await.unwrap().1, before);
    // A hold of another company is not found here.
    let (other_app, other_company) = funded(0).await;
    drop(other_app);
    assert!(matches!(
        ledger::release(db, other_company, h.id).await,
        Err(Error::NotFound)
    ));
    assert_ledger_adds_up(&app, company).await;
}

#[tokio::test]
async fn a_hundred_concurrent_holds_on_a_balance_for_ten_never_overdraw() {
    let (app, company) = funded(10 * 1_000).await;
    let tasks: Vec<_> = (0..100)
        .map(|i| {
            let db = app.state.db.clone();
            tokio::spawn(
                async move { ledger::hold(&db, company, 1_000, &format!("job:{i}")).await },
            )
        })
        .collect();
    let (mut won, mut short) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => won += 1,
            Err(Error::InsufficientTokens { .. }) => short += 1,
            Err(e) => panic!("unexpected: {e:?}"),
        }
    }
    assert_eq!((won, short), (10, 90));
    assert_eq!(ledger::balance(&app.state.db, company).await.unwrap(), 0);
    assert_ledger_adds_up(&app, company).await;
}

#[tokio::test]
async fn grants_are_for_platform_operators_with_a_reason_and_audited() {
    let (app, company) = funded(0).await;
    let db = &app.state.db;
    let ada = app.principal("ada@example.com").await;
    let bob = app
        .add_member(&ada, "bob@example.com", "admin", vec![])
        .await;
    let meta = RequestMeta::default();
    assert!(matches!(
        billing::grant(db, &bob, &meta, company, 500, "because").await,
        Err(Error::Forbidden)
    ));
    for (tokens, reason, field) in [
        (0, "ok reason", "tokens"),
        (-5, "ok reason", "tokens"),
        (billing::MAX_GRANT + 1, "ok reason", "tokens"),
        (10, " x ", "reason"),
    ] {
        match billing::grant(db, &ada, &meta, company, tokens, reason).await {
            Err(Error::Validation { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{tokens} {reason:?}: {other:?}"),
        }
    }
    assert!(matches!(
        billing::grant(db, &ada, &meta, Uuid::new_v4(), 10, "no such company").await,
        Err(Error::NotFound)
    ));
    assert_eq!(ledger::balance(db, company).await.unwrap(), 0);
    assert_eq!(
        billing::grant(db, &ada, &meta, company, 2_500, "pilot customer")
            .await
            .unwrap(),
        2_500
    );
    assert!(app
        .audit_actions()
        .await
        .iter()
        .any(|a| a.0 == "TOKENS_GRANTED"));
    let (entries, _) = ledger::entries(db, company, 10, 0).await.unwrap();
    assert_eq!(entries[0].note.as_deref(), Some("pilot customer"));
}

#[tokio::test]
async fn ledger_entries_cannot_be_changed() {
    let (app, company) = funded(100).await;
    let changed = server::exec!(
        &app.state.db,
        sqlx::query("UPDATE token_transactions SET tokens = 1000000 WHERE company_id = $1")
            .bind(company)
    );
    assert!(changed.is_err(), "append-only: {changed:?}");
    let negative = server::exec!(
        &app.state.db,
        sqlx::query("UPDATE companies SET token_balance = -1 WHERE id = $1").bind(company)
    );
    assert!(negative.is_err(), "the balance never goes negative");
    assert_ledger_adds_up(&app, company).await;
}

#[tokio::test]
async fn the_owner_is_told_once_each_time_the_balance_falls_below_the_threshold() {
    let app = spawn_app_with(&[("LOW_BALANCE_THRESHOLD", "10000")]).await;
    app.setup("ada@example.com").await;
    let ada = app.principal("ada@example.com").await;
    let (db, company) = (&app.state.db, ada.company_id);
    let meta = RequestMeta::default();
    let registry = server::areas::jobs();
    let ctx = app.state.job_context();
    let low_mails = || async {
        server::with_db!(db, |p| sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM outbox WHERE kind = 'low_balance' AND to_email = 'ada@example.com'"
        )
        .fetch_one(p)
        .await)
        .unwrap()
    };
    billing::grant(db, &ada, &meta, company, 12_000, "pilot")
        .await
        .unwrap();
    server::jobs::run_until_empty(&ctx, &registry)
        .await
        .unwrap();
    assert_eq!(low_mails().await, 0, "above the threshold");

    // 12,000 → 9,000: one message.
    ledger::hold(db, company, 3_000, "a:1").await.unwrap();
    server::jobs::run_until_empty(&ctx, &registry)
        .await
        .unwrap();
    assert_eq!(low_mails().await, 1);
    // Further down: no second message for the same crossing.
    ledger::hold(db, company, 3_000, "a:2").await.unwrap();
    server::jobs::run_until_empty(&ctx, &registry)
        .await
        .unwrap();
    assert_eq!(low_mails().await, 1);
    // Topped up above the threshold, then down again: a new crossing, a new message.
    billing::grant(db, &ada, &meta, company, 20_000, "top-up")
        .await
        .unwrap();
    server::jobs::run_until_empty(&ctx, &registry)
        .await
        .unwrap();
    let h = ledger::hold(db, company, 20_000, "a:3").await.unwrap();
    server::jobs::run_until_empty(&ctx, &registry)
        .await
        .unwrap();
    assert_eq!(low_mails().await, 2);
    let body: String = server::with_db!(db, |p| sqlx::query_scalar(
        "SELECT body FROM outbox WHERE kind = 'low_balance' ORDER BY id DESC LIMIT 1"
    )
    .fetch_one(p)
    .await)
    .unwrap();
    assert!(body.contains("6,000 tokens"), "{body}");
    assert!(body.contains("/billing"), "{body}");
    ledger::release(db, company, h.id).await.unwrap();
}

/// PostgreSQL: the company lock (ledger, members, roles) must not hold up a row written
/// elsewhere whose foreign key names the company. Under `FOR UPDATE` that insert's key-share
/// lock waited for the locking transaction, and two transactions that had each written such a
/// row and then asked for the lock deadlocked; `FOR NO KEY UPDATE` lets it through.
#[tokio::test]
async fn the_company_lock_lets_rows_naming_the_company_be_written() {
    let (app, company) = funded(1_000).await;
    let server::Db::Postgres(pool) = &app.state.db else {
        return; // SQLite has one writer: nothing is written beside a held lock there.
    };
    let mut locked = app.state.db.begin().await.unwrap();
    locked.lock_company(company).await.unwrap();
    let insert = sqlx::query(
        "INSERT INTO audit_log (company_id, action, created_at) VALUES ($1, 'test.lock', now())",
    )
    .bind(company)
    .execute(pool);
    let done = tokio::time::timeout(std::time::Duration::from_secs(3), insert).await;
    assert!(
        matches!(done, Ok(Ok(_))),
        "the insert waited for the company lock: {done:?}"
    );
    // A second lock still waits for the first (the lock still serialises its callers).
    let mut second = app.state.db.begin().await.unwrap();
    let waited = tokio::time::timeout(
        std::time::Duration::from_millis(500),
        second.lock_company(company),
    )
    .await;
    assert!(waited.is_err(), "two company locks were held at once");
    drop(locked);
}
