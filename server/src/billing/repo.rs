//! SQL for billing. Written once, run on either backend.
//!
//! The ledger's correctness under concurrency rests on the callers: they open the transaction,
//! take the company lock (`ledger::lock_balance`) and commit; these functions only run one
//! statement each inside the transaction they are given.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    ledger::{Entry, Hold, Posting},
    packs::Pack,
    purchases::Purchase,
};
use crate::{db::Tx, error::Result, exec, exec_tx, with_db, with_tx, Db};

// ---- Ledger ----

const TOKEN_BALANCE: &str = "SELECT token_balance FROM companies WHERE id = $1";

/// The company's balance; `None` when there is no such company.
pub(super) async fn token_balance(db: &Db, company_id: Uuid) -> Result<Option<i64>> {
    Ok(with_db!(db, |p| sqlx::query_scalar::<_, i64>(
        TOKEN_BALANCE
    )
    .bind(company_id)
    .fetch_optional(p)
    .await)?)
}

/// `token_balance` inside the caller's transaction.
pub(super) async fn token_balance_in(tx: &mut Tx, company_id: Uuid) -> Result<Option<i64>> {
    Ok(with_tx!(tx, |c| sqlx::query_scalar::<_, i64>(
        TOKEN_BALANCE
    )
    .bind(company_id)
    .fetch_optional(c)
    .await)?)
}

/// Whether the company already has a ledger entry of this kind and reference.
pub(super) async fn entry_exists(
    tx: &mut Tx,
    company_id: Uuid,
    kind: &str,
    reference: &str,
) -> Result<bool> {
    const SQL: &str =
        "SELECT 1 FROM token_transactions WHERE company_id = $1 AND kind = $2 AND reference = $3";
    let seen: Option<i32> = with_tx!(tx, |c| sqlx::query_scalar(SQL)
        .bind(company_id)
        .bind(kind)
        .bind(reference)
        .fetch_optional(c)
        .await)?;
    Ok(seen.is_some())
}

/// Adds `tokens` (negative takes away) to the balance unless that would take it below zero.
/// Answers the new balance and whether the low-balance warning is set; `None` when nothing
/// changed (the balance is short, or there is no such company).
pub(super) async fn move_balance(
    tx: &mut Tx,
    company_id: Uuid,
    tokens: i64,
) -> Result<Option<(i64, bool)>> {
    const SQL: &str = "UPDATE companies SET token_balance = token_balance + $2 \
                        WHERE id = $1 AND token_balance + $2 >= 0 \
                        RETURNING token_balance, low_balance_warned_at IS NOT NULL";
    Ok(with_tx!(tx, |c| sqlx::query_as(SQL)
        .bind(company_id)
        .bind(tokens)
        .fetch_optional(c)
        .await)?)
}

/// Appends the posting to `token_transactions` with the balance it left.
pub(super) async fn insert_entry(
    tx: &mut Tx,
    p: &Posting<'_>,
    balance_after: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "INSERT INTO token_transactions (company_id, kind, tokens, balance_after, \
                          reference, purchase_id, hold_id, actor_id, note, created_at) \
                          VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
    exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(p.company_id)
            .bind(p.kind.as_str())
            .bind(p.tokens)
            .bind(balance_after)
            .bind(p.reference)
            .bind(p.purchase_id)
            .bind(p.hold_id)
            .bind(p.actor_id)
            .bind(p.note)
            .bind(now)
    )?;
    Ok(())
}

/// One page of the company's ledger, newest first.
/// Up to `limit` entries older than the entry `before` (from the newest when None).
pub(super) async fn entries_before(
    db: &Db,
    company_id: Uuid,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<Entry>> {
    const SQL: &str = "SELECT id, kind, tokens, balance_after, reference, note, created_at \
                       FROM token_transactions WHERE company_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3";
    Ok(with_db!(db, |p| sqlx::query_as::<_, Entry>(SQL)
        .bind(company_id)
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(p)
        .await)?)
}

pub(super) async fn entries_page(
    db: &Db,
    company_id: Uuid,
    limit: i64,
    offset: i64,
) -> Result<Vec<Entry>> {
    const SQL: &str = "SELECT id, kind, tokens, balance_after, reference, note, created_at \
                       FROM token_transactions WHERE company_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3";
    Ok(with_db!(db, |p| sqlx::query_as::<_, Entry>(SQL)
        .bind(company_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(p)
        .await)?)
}

pub(super) async fn count_entries(db: &Db, company_id: Uuid) -> Result<i64> {
    const SQL: &str = "SELECT COUNT(*) FROM token_transactions WHERE company_id = $1";
    Ok(with_db!(db, |p| sqlx::query_scalar::<_, i64>(SQL)
        .bind(company_id)
        .fetch_one(p)
        .await)?)
}

/// The ledger entries of holds, settlements and releases since `since`, in no set order.
pub(super) async fn usage_entries_since(
    db: &Db,
    company_id: Uuid,
    since: DateTime<Utc>,
) -> Result<Vec<(DateTime<Utc>, i64)>> {
    const SQL: &str = "SELECT created_at, tokens FROM token_transactions WHERE company_id = $1 \
                       AND kind IN ('hold', 'settle', 'release') AND created_at >= $2";
    Ok(with_db!(db, |c| sqlx::query_as(SQL)
        .bind(company_id)
        .bind(since)
        .fetch_all(c)
        .await)?)
}

// ---- Holds ----

macro_rules! hold_columns {
    () => {
        "id, company_id, reference, tokens, status, charged"
    };
}

/// The company's hold for the work named `reference`, if any.
pub(super) async fn hold_by_reference(
    tx: &mut Tx,
    company_id: Uuid,
    reference: &str,
) -> Result<Option<Hold>> {
    const SQL: &str = concat!(
        "SELECT ",
        hold_columns!(),
        " FROM token_holds WHERE company_id = $1 AND reference = $2"
    );
    Ok(with_tx!(tx, |c| sqlx::query_as::<_, Hold>(SQL)
        .bind(company_id)
        .bind(reference)
        .fetch_optional(c)
        .await)?)
}

/// The company's hold with this id, if any.
pub(super) async fn hold_by_id(tx: &mut Tx, company_id: Uuid, id: Uuid) -> Result<Option<Hold>> {
    const SQL: &str = concat!(
        "SELECT ",
        hold_columns!(),
        " FROM token_holds WHERE company_id = $1 AND id = $2"
    );
    Ok(with_tx!(tx, |c| sqlx::query_as::<_, Hold>(SQL)
        .bind(company_id)
        .bind(id)
        .fetch_optional(c)
        .await)?)
}

/// Records a new hold with status `held`.
pub(super) async fn insert_hold(
    tx: &mut Tx,
    id: Uuid,
    company_id: Uuid,
    reference: &str,
    tokens: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str =
        "INSERT INTO token_holds (id, company_id, reference, tokens, status, created_at) \
                          VALUES ($1, $2, $3, $4, 'held', $5)";
    exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(id)
            .bind(company_id)
            .bind(reference)
            .bind(tokens)
            .bind(now)
    )?;
    Ok(())
}

/// Sets a hold's final status, the tokens charged and when it closed.
pub(super) async fn close_hold(
    tx: &mut Tx,
    id: Uuid,
    status: &str,
    charged: Option<i64>,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str =
        "UPDATE token_holds SET status = $2, charged = $3, closed_at = $4 WHERE id = $1";
    exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(id)
            .bind(status)
            .bind(charged)
            .bind(now)
    )?;
    Ok(())
}

// ---- Low-balance warning ----

/// The company's name and whether it has been warned of a low balance (fails when there is no
/// such company).
pub(super) async fn low_balance_state(tx: &mut Tx, company_id: Uuid) -> Result<(String, bool)> {
    const SQL: &str = "SELECT name, low_balance_warned_at IS NOT NULL FROM companies WHERE id = $1";
    Ok(with_tx!(tx, |c| sqlx::query_as(SQL)
        .bind(company_id)
        .fetch_one(c)
        .await)?)
}

/// Re-arms the low-balance warning.
pub(super) async fn clear_low_balance_warning(tx: &mut Tx, company_id: Uuid) -> Result<()> {
    const SQL: &str = "UPDATE companies SET low_balance_warned_at = NULL WHERE id = $1";
    exec_tx!(tx, sqlx::query(SQL).bind(company_id))?;
    Ok(())
}

/// Marks the company as warned of a low balance.
pub(super) async fn mark_low_balance_warned(
    tx: &mut Tx,
    company_id: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "UPDATE companies SET low_balance_warned_at = $2 WHERE id = $1";
    exec_tx!(tx, sqlx::query(SQL).bind(company_id).bind(now))?;
    Ok(())
}

/// The emails of the company's enabled owners (membership and account), sorted.
pub(super) async fn active_owner_emails(tx: &mut Tx, company_id: Uuid) -> Result<Vec<String>> {
    const SQL: &str = "SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id \
                          WHERE m.company_id = $1 AND m.role = 'owner' AND m.disabled_at IS NULL \
                          AND u.disabled_at IS NULL ORDER BY u.email";
    Ok(with_tx!(tx, |c| sqlx::query_scalar(SQL)
        .bind(company_id)
        .fetch_all(c)
        .await)?)
}

// ---- Purchases ----

macro_rules! purchase_columns {
    () => {
        "id, company_id, pack, tokens, amount, currency, status, checkout_session_id, \
                       payment_intent_id, (SELECT r.receipt_url FROM stripe_receipts r \
                       WHERE r.payment_intent_id = token_purchases.payment_intent_id) AS receipt_url, \
                       created_by, created_at, paid_at, clawed_back, shortfall"
    };
}

/// A purchase opened by a member's Buy click.
pub(super) struct NewPurchase<'a> {
    pub id: Uuid,
    pub company_id: Uuid,
    pub pack: &'a Pack,
    pub checkout_session_id: &'a str,
    pub checkout_url: Option<&'a str>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
}

/// Records an open purchase; does nothing when its Checkout Session is already recorded.
pub(super) async fn insert_purchase(db: &Db, n: &NewPurchase<'_>) -> Result<()> {
    const SQL: &str =
        "INSERT INTO token_purchases (id, company_id, pack, tokens, amount, currency, status, \
                          checkout_session_id, checkout_url, created_by, created_at) \
                          VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8, $9, $10) \
                          ON CONFLICT (checkout_session_id) DO NOTHING";
    exec!(
        db,
        sqlx::query(SQL)
            .bind(n.id)
            .bind(n.company_id)
            .bind(n.pack.id)
            .bind(n.pack.tokens)
            .bind(n.pack.price)
            .bind(&n.pack.currency)
            .bind(n.checkout_session_id)
            .bind(n.checkout_url)
            .bind(n.created_by)
            .bind(n.created_at)
    )?;
    Ok(())
}

/// Records an open purchase for a paid session we had no row for (no URL, no buyer); does
/// nothing when its Checkout Session is already recorded.
pub(super) async fn insert_adopted_purchase(
    tx: &mut Tx,
    id: Uuid,
    company_id: Uuid,
    pack: &Pack,
    checkout_session_id: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "INSERT INTO token_purchases (id, company_id, pack, tokens, amount, currency, status, \
                          checkout_session_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8) \
                          ON CONFLICT (checkout_session_id) DO NOTHING";
    exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(id)
            .bind(company_id)
            .bind(pack.id)
            .bind(pack.tokens)
            .bind(pack.price)
            .bind(&pack.currency)
            .bind(checkout_session_id)
            .bind(now)
    )?;
    Ok(())
}

/// The purchase of a Checkout Session, whichever company it belongs to (Stripe's ids are
/// global; the callers are the webhook's events and the success page).
pub(super) async fn purchase_by_session(
    tx: &mut Tx,
    checkout_session_id: &str,
) -> Result<Option<Purchase>> {
    const SQL: &str = concat!(
        "SELECT ",
        purchase_columns!(),
        " FROM token_purchases WHERE checkout_session_id = $1"
    );
    Ok(with_tx!(tx, |c| sqlx::query_as::<_, Purchase>(SQL)
        .bind(checkout_session_id)
        .fetch_optional(c)
        .await)?)
}

/// The purchase paid by a PaymentIntent, whichever company it belongs to.
pub(super) async fn purchase_by_payment_intent(
    tx: &mut Tx,
    payment_intent_id: &str,
) -> Result<Option<Purchase>> {
    const SQL: &str = concat!(
        "SELECT ",
        purchase_columns!(),
        " FROM token_purchases WHERE payment_intent_id = $1"
    );
    Ok(with_tx!(tx, |c| sqlx::query_as::<_, Purchase>(SQL)
        .bind(payment_intent_id)
        .fetch_optional(c)
        .await)?)
}

pub(super) async fn company_exists(tx: &mut Tx, company_id: Uuid) -> Result<bool> {
    const SQL: &str = "SELECT 1 FROM companies WHERE id = $1";
    let exists: Option<i32> = with_tx!(tx, |c| sqlx::query_scalar(SQL)
        .bind(company_id)
        .fetch_optional(c)
        .await)?;
    Ok(exists.is_some())
}

/// Marks a purchase paid, keeping its PaymentIntent when `payment_intent` is `None`.
pub(super) async fn mark_purchase_paid(
    tx: &mut Tx,
    id: Uuid,
    now: DateTime<Utc>,
    payment_intent: Option<&str>,
) -> Result<()> {
    const SQL: &str = "UPDATE token_purchases SET status = 'paid', paid_at = $2, \
                        payment_intent_id = COALESCE($3, payment_intent_id) WHERE id = $1";
    exec_tx!(tx, sqlx::query(SQL).bind(id).bind(now).bind(payment_intent))?;
    Ok(())
}

/// Keeps a payment's receipt, replacing the one kept before.
pub(super) async fn upsert_receipt(
    db: &Db,
    payment_intent: &str,
    charge_id: &str,
    receipt_url: &str,
) -> Result<()> {
    const SQL: &str = "INSERT INTO stripe_receipts (payment_intent_id, charge_id, receipt_url) \
                       VALUES ($1, $2, $3) ON CONFLICT (payment_intent_id) \
                       DO UPDATE SET charge_id = excluded.charge_id, receipt_url = excluded.receipt_url";
    exec!(
        db,
        sqlx::query(SQL)
            .bind(payment_intent)
            .bind(charge_id)
            .bind(receipt_url)
    )?;
    Ok(())
}

/// Sets the status of the session's purchase if it is still open; false when none was.
pub(super) async fn close_open_purchase(db: &Db, session_id: &str, status: &str) -> Result<bool> {
    const SQL: &str =
        "UPDATE token_purchases SET status = $2 WHERE checkout_session_id = $1 AND status = 'open'";
    Ok(exec!(db, sqlx::query(SQL).bind(session_id).bind(status))? > 0)
}

/// Adds to a purchase's clawed-back tokens and shortfall and sets its status.
pub(super) async fn add_clawback(
    tx: &mut Tx,
    id: Uuid,
    taken: i64,
    shortfall: i64,
    status: &str,
) -> Result<()> {
    const SQL: &str = "UPDATE token_purchases SET clawed_back = clawed_back + $2, \
                       shortfall = shortfall + $3, status = $4 WHERE id = $1";
    exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(id)
            .bind(taken)
            .bind(shortfall)
            .bind(status)
    )?;
    Ok(())
}

/// One page of the company's purchases, newest first.
pub(super) async fn list_purchases(
    db: &Db,
    company_id: Uuid,
    limit: i64,
    offset: i64,
) -> Result<Vec<Purchase>> {
    const SQL: &str = concat!(
        "SELECT ",
        purchase_columns!(),
        " FROM token_purchases WHERE company_id = $1 \
         ORDER BY created_at DESC LIMIT $2 OFFSET $3"
    );
    Ok(with_db!(db, |c| sqlx::query_as::<_, Purchase>(SQL)
        .bind(company_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(c)
        .await)?)
}

/// The company's purchase of a Checkout Session, if any.
pub(super) async fn company_purchase_by_session(
    db: &Db,
    company_id: Uuid,
    checkout_session_id: &str,
) -> Result<Option<Purchase>> {
    const SQL: &str = concat!(
        "SELECT ",
        purchase_columns!(),
        " FROM token_purchases WHERE company_id = $1 AND checkout_session_id = $2"
    );
    Ok(with_db!(db, |c| sqlx::query_as::<_, Purchase>(SQL)
        .bind(company_id)
        .bind(checkout_session_id)
        .fetch_optional(c)
        .await)?)
}

// ---- Stripe events ----

/// Records a received event; false when its id was already recorded.
pub(super) async fn insert_event(
    tx: &mut Tx,
    id: &str,
    event_type: &str,
    payload: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str = "INSERT INTO stripe_events (id, type, payload, received_at) \
                          VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING";
    Ok(exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(id)
            .bind(event_type)
            .bind(payload)
            .bind(now)
    )? == 1)
}

const FINISH_EVENT: &str = "UPDATE stripe_events SET processed_at = $2, outcome = $3 WHERE id = $1";

/// Marks an event processed, with what happened.
pub(super) async fn finish_event(
    db: &Db,
    id: &str,
    now: DateTime<Utc>,
    outcome: &str,
) -> Result<()> {
    exec!(
        db,
        sqlx::query(FINISH_EVENT).bind(id).bind(now).bind(outcome)
    )?;
    Ok(())
}

/// `finish_event` inside the caller's transaction.
pub(super) async fn finish_event_in(
    tx: &mut Tx,
    id: &str,
    now: DateTime<Utc>,
    outcome: &str,
) -> Result<()> {
    exec_tx!(
        tx,
        sqlx::query(FINISH_EVENT).bind(id).bind(now).bind(outcome)
    )?;
    Ok(())
}
