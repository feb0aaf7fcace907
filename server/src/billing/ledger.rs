//! The token ledger: every movement of a company's tokens is one append-only entry in
//! `token_transactions`, written in the same transaction as the balance it changes, under a lock
//! on the company row (PostgreSQL `FOR UPDATE`; SQLite's single writer, `BEGIN IMMEDIATE`).
//! The balance never goes negative: the database refuses it (CHECK) and so does `post`.
//!
//! Each entry is unique per (company, kind, reference), which makes every operation here
//! idempotent: a repeated call finds its entry and changes nothing.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::{db::Tx, exec_tx, with_db, with_tx, Db, Error, Result};

/// What an entry records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Purchase,
    Grant,
    Hold,
    Settle,
    Release,
    Clawback,
    Adjustment,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Purchase => "purchase",
            Kind::Grant => "grant",
            Kind::Hold => "hold",
            Kind::Settle => "settle",
            Kind::Release => "release",
            Kind::Clawback => "clawback",
            Kind::Adjustment => "adjustment",
        }
    }
}

/// One ledger entry to post.
pub struct Posting<'a> {
    pub company_id: Uuid,
    pub kind: Kind,
    /// What the entry adds to the balance (negative takes away).
    pub tokens: i64,
    pub reference: &'a str,
    pub purchase_id: Option<Uuid>,
    pub hold_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub note: Option<&'a str>,
}

impl<'a> Posting<'a> {
    pub fn new(company_id: Uuid, kind: Kind, tokens: i64, reference: &'a str) -> Self {
        Self {
            company_id,
            kind,
            tokens,
            reference,
            purchase_id: None,
            hold_id: None,
            actor_id: None,
            note: None,
        }
    }
}

/// Answer of `post`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Posted {
    /// Written; the balance it left.
    New { balance_after: i64 },
    /// An entry of this kind and reference was already there; nothing changed.
    Already,
}

/// The company's balance is short of what a debit needs (answered 402).
pub fn insufficient(balance: i64, needed: i64) -> Error {
    Error::InsufficientTokens { balance, needed }
}

/// Locks the company row for the rest of `tx` and answers its balance.
#[tracing::instrument(skip_all, fields(company_id = %company_id))]
pub async fn lock_balance(tx: &mut Tx, company_id: Uuid) -> Result<i64> {
    tx.lock_company(company_id).await?;
    const SQL: &str = "SELECT token_balance FROM companies WHERE id = $1";
    with_tx!(tx, |c| sqlx::query_scalar::<_, i64>(SQL)
        .bind(company_id)
        .fetch_optional(c)
        .await)?
    .ok_or(Error::NotFound)
}

/// Posts one entry and moves the balance with it, inside `tx` (which must hold the company
/// lock: see `lock_balance`). A debit larger than the balance is refused with `insufficient`.
#[tracing::instrument(skip_all)]
pub async fn post(tx: &mut Tx, p: &Posting<'_>) -> Result<Posted> {
    const SEEN: &str =
        "SELECT 1 FROM token_transactions WHERE company_id = $1 AND kind = $2 AND reference = $3";
    let seen: Option<i32> = with_tx!(tx, |c| sqlx::query_scalar(SEEN)
        .bind(p.company_id)
        .bind(p.kind.as_str())
        .bind(p.reference)
        .fetch_optional(c)
        .await)?;
    if seen.is_some() {
        return Ok(Posted::Already);
    }
    const MOVE: &str = "UPDATE companies SET token_balance = token_balance + $2 \
                        WHERE id = $1 AND token_balance + $2 >= 0 \
                        RETURNING token_balance, low_balance_warned_at IS NOT NULL";
    let after: Option<(i64, bool)> = with_tx!(tx, |c| sqlx::query_as(MOVE)
        .bind(p.company_id)
        .bind(p.tokens)
        .fetch_optional(c)
        .await)?;
    let Some((balance_after, warned)) = after else {
        let balance = lock_balance(tx, p.company_id).await?;
        return Err(insufficient(balance, -p.tokens));
    };
    // A debit may cross the low-balance threshold, a credit may re-arm its warning.
    if (p.tokens < 0 && !warned) || (p.tokens > 0 && warned) {
        let entry = format!("{}:{}", p.kind.as_str(), p.reference);
        super::alerts::queue_check(tx, p.company_id, &entry).await?;
    }
    const INSERT: &str =
        "INSERT INTO token_transactions (company_id, kind, tokens, balance_after, \
                          reference, purchase_id, hold_id, actor_id, note, created_at) \
                          VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
    exec_tx!(
        tx,
        sqlx::query(INSERT)
            .bind(p.company_id)
            .bind(p.kind.as_str())
            .bind(p.tokens)
            .bind(balance_after)
            .bind(p.reference)
            .bind(p.purchase_id)
            .bind(p.hold_id)
            .bind(p.actor_id)
            .bind(p.note)
            .bind(Utc::now())
    )?;
    Ok(Posted::New { balance_after })
}

/// The company's balance.
#[tracing::instrument(skip_all, fields(company_id = %company_id))]
pub async fn balance(db: &Db, company_id: Uuid) -> Result<i64> {
    const SQL: &str = "SELECT token_balance FROM companies WHERE id = $1";
    with_db!(db, |p| sqlx::query_scalar::<_, i64>(SQL)
        .bind(company_id)
        .fetch_optional(p)
        .await)?
    .ok_or(Error::NotFound)
}

/// Tokens set aside for work in progress (an analysis), to be settled or released.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Hold {
    pub id: Uuid,
    pub company_id: Uuid,
    pub reference: String,
    pub tokens: i64,
    pub status: String,
    pub charged: Option<i64>,
}

const HOLD_COLUMNS: &str = "id, company_id, reference, tokens, status, charged";

async fn hold_by_reference(tx: &mut Tx, company_id: Uuid, reference: &str) -> Result<Option<Hold>> {
    let sql =
        format!("SELECT {HOLD_COLUMNS} FROM token_holds WHERE company_id = $1 AND reference = $2");
    Ok(with_tx!(tx, |c| sqlx::query_as::<_, Hold>(&sql)
        .bind(company_id)
        .bind(reference)
        .fetch_optional(c)
        .await)?)
}

async fn hold_by_id(tx: &mut Tx, company_id: Uuid, id: Uuid) -> Result<Hold> {
    let sql = format!("SELECT {HOLD_COLUMNS} FROM token_holds WHERE company_id = $1 AND id = $2");
    with_tx!(tx, |c| sqlx::query_as::<_, Hold>(&sql)
        .bind(company_id)
        .bind(id)
        .fetch_optional(c)
        .await)?
    .ok_or(Error::NotFound)
}

/// Sets `tokens` aside for the work named `reference`. Calling it again with the same reference
/// answers the same hold and takes nothing more. Refused when the balance is short.
#[tracing::instrument(skip_all, fields(company_id = %company_id))]
pub async fn hold(db: &Db, company_id: Uuid, tokens: i64, reference: &str) -> Result<Hold> {
    if tokens <= 0 {
        return Err(Error::validation(
            "tokens",
            "A hold must be for at least one token.",
        ));
    }
    let mut tx = db.begin().await?;
    lock_balance(&mut tx, company_id).await?;
    if let Some(existing) = hold_by_reference(&mut tx, company_id, reference).await? {
        return Ok(existing);
    }
    let id = Uuid::now_v7();
    const INSERT: &str =
        "INSERT INTO token_holds (id, company_id, reference, tokens, status, created_at) \
                          VALUES ($1, $2, $3, $4, 'held', $5)";
    exec_tx!(
        &mut tx,
        sqlx::query(INSERT)
            .bind(id)
            .bind(company_id)
            .bind(reference)
            .bind(tokens)
            .bind(Utc::now())
    )?;
    let reference_of_entry = format!("hold:{id}");
    post(
        &mut tx,
        &Posting {
            hold_id: Some(id),
            ..Posting::new(company_id, Kind::Hold, -tokens, &reference_of_entry)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Hold {
        id,
        company_id,
        reference: reference.to_string(),
        tokens,
        status: "held".into(),
        charged: None,
    })
}

/// Closes a hold with the tokens the work really used: the difference goes back to the balance,
/// or, when the work used more than was held, the extra is taken as far as the balance allows
/// (never below zero). Answers the tokens charged. Settling again answers the first result.
#[tracing::instrument(skip_all, fields(company_id = %company_id, hold_id = %hold_id))]
pub async fn settle(db: &Db, company_id: Uuid, hold_id: Uuid, actual: i64) -> Result<i64> {
    let actual = actual.max(0);
    let mut tx = db.begin().await?;
    let balance = lock_balance(&mut tx, company_id).await?;
    let hold = hold_by_id(&mut tx, company_id, hold_id).await?;
    match hold.status.as_str() {
        "settled" => return Ok(hold.charged.unwrap_or(hold.tokens)),
        "released" => {
            return Err(Error::Conflict(
                "This hold was released; it cannot be settled.".into(),
            ))
        }
        _ => {}
    }
    // Positive: tokens given back; negative: extra taken (at most the balance).
    let back = (hold.tokens - actual).max(-balance);
    let charged = hold.tokens - back;
    let reference = format!("settle:{hold_id}");
    post(
        &mut tx,
        &Posting {
            hold_id: Some(hold_id),
            ..Posting::new(company_id, Kind::Settle, back, &reference)
        },
    )
    .await?;
    close_hold(&mut tx, hold_id, "settled", Some(charged)).await?;
    tx.commit().await?;
    Ok(charged)
}

/// Gives a hold's tokens back (the work failed or was cancelled). Releasing again does nothing.
#[tracing::instrument(skip_all, fields(company_id = %company_id, hold_id = %hold_id))]
pub async fn release(db: &Db, company_id: Uuid, hold_id: Uuid) -> Result<()> {
    let mut tx = db.begin().await?;
    lock_balance(&mut tx, company_id).await?;
    let hold = hold_by_id(&mut tx, company_id, hold_id).await?;
    match hold.status.as_str() {
        "released" => return Ok(()),
        "settled" => {
            return Err(Error::Conflict(
                "This hold was settled; it cannot be released.".into(),
            ))
        }
        _ => {}
    }
    let reference = format!("release:{hold_id}");
    post(
        &mut tx,
        &Posting {
            hold_id: Some(hold_id),
            ..Posting::new(company_id, Kind::Release, hold.tokens, &reference)
        },
    )
    .await?;
    close_hold(&mut tx, hold_id, "released", Some(0)).await?;
    tx.commit().await
}

async fn close_hold(tx: &mut Tx, id: Uuid, status: &str, charged: Option<i64>) -> Result<()> {
    const SQL: &str =
        "UPDATE token_holds SET status = $2, charged = $3, closed_at = $4 WHERE id = $1";
    exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(id)
            .bind(status)
            .bind(charged)
            .bind(Utc::now())
    )?;
    Ok(())
}

/// A ledger entry as the billing page shows it.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Entry {
    pub id: i64,
    pub kind: String,
    pub tokens: i64,
    pub balance_after: i64,
    pub reference: String,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// One page of the company's ledger, newest first, and the number of entries.
#[tracing::instrument(skip_all, fields(company_id = %company_id))]
pub async fn entries(
    db: &Db,
    company_id: Uuid,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Entry>, i64)> {
    const SQL: &str = "SELECT id, kind, tokens, balance_after, reference, note, created_at \
                       FROM token_transactions WHERE company_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3";
    const COUNT: &str = "SELECT COUNT(*) FROM token_transactions WHERE company_id = $1";
    let rows = with_db!(db, |p| sqlx::query_as::<_, Entry>(SQL)
        .bind(company_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(p)
        .await)?;
    let total = with_db!(db, |p| sqlx::query_scalar::<_, i64>(COUNT)
        .bind(company_id)
        .fetch_one(p)
        .await)?;
    Ok((rows, total))
}
