//! The token ledger: every movement of a company's tokens is one append-only entry in
//! `token_transactions`, written in the same transaction as the balance it changes, under a lock
//! on the company row (PostgreSQL `FOR NO KEY UPDATE`; SQLite's single writer, `BEGIN IMMEDIATE`).
//! The balance never goes negative: the database refuses it (CHECK) and so does `post`.
//!
//! Each entry is unique per (company, kind, reference), which makes every operation here
//! idempotent: a repeated call finds its entry and changes nothing.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::repo;
use crate::{db::Tx, Db, Error, Result};

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
    repo::token_balance_in(tx, company_id)
        .await?
        .ok_or(Error::NotFound)
}

/// Posts one entry and moves the balance with it, inside `tx` (which must hold the company
/// lock: see `lock_balance`). A debit larger than the balance is refused with `insufficient`.
#[tracing::instrument(skip_all)]
pub async fn post(tx: &mut Tx, p: &Posting<'_>) -> Result<Posted> {
    if repo::entry_exists(tx, p.company_id, p.kind.as_str(), p.reference).await? {
        return Ok(Posted::Already);
    }
    let after = repo::move_balance(tx, p.company_id, p.tokens).await?;
    let Some((balance_after, warned)) = after else {
        let balance = lock_balance(tx, p.company_id).await?;
        return Err(insufficient(balance, -p.tokens));
    };
    // A debit may cross the low-balance threshold, a credit may re-arm its warning.
    if (p.tokens < 0 && !warned) || (p.tokens > 0 && warned) {
        let entry = format!("{}:{}", p.kind.as_str(), p.reference);
        super::alerts::queue_check(tx, p.company_id, &entry).await?;
    }
    repo::insert_entry(tx, p, balance_after, Utc::now()).await?;
    Ok(Posted::New { balance_after })
}

/// The company's balance.
#[tracing::instrument(skip_all, fields(company_id = %company_id))]
pub async fn balance(db: &Db, company_id: Uuid) -> Result<i64> {
    repo::token_balance(db, company_id)
        .await?
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

async fn hold_by_id(tx: &mut Tx, company_id: Uuid, id: Uuid) -> Result<Hold> {
    repo::hold_by_id(tx, company_id, id)
        .await?
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
    if let Some(existing) = repo::hold_by_reference(&mut tx, company_id, reference).await? {
        return Ok(existing);
    }
    let id = Uuid::now_v7();
    repo::insert_hold(&mut tx, id, company_id, reference, tokens, Utc::now()).await?;
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
    repo::close_hold(&mut tx, hold_id, "settled", Some(charged), Utc::now()).await?;
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
    repo::close_hold(&mut tx, hold_id, "released", Some(0), Utc::now()).await?;
    tx.commit().await
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

/// Up to `limit` of the company's entries older than the entry `before` (from the newest when
/// None), newest first: the JSON API's keyset paging.
#[tracing::instrument(skip_all, fields(company_id = %company_id))]
pub async fn entries_before(
    db: &Db,
    company_id: Uuid,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<Entry>> {
    // One more than a page's most, so a caller can tell whether another page follows.
    repo::entries_before(db, company_id, before, limit.clamp(1, 1001)).await
}

/// One page of the company's ledger, newest first, and the number of entries.
#[tracing::instrument(skip_all, fields(company_id = %company_id))]
pub async fn entries(
    db: &Db,
    company_id: Uuid,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Entry>, i64)> {
    let rows = repo::entries_page(db, company_id, limit, offset).await?;
    let total = repo::count_entries(db, company_id).await?;
    Ok((rows, total))
}
