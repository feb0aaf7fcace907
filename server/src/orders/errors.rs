//! The processing errors tab: what failed on which order (a validation, later an invoice or
//! an AWB), with retry and skip. Retry marks the error RETRYING and queues the action again
//! for that order (`orders.retry-error`): it ends RESOLVED or FAILED with the new message.
//! Skip sets it aside (SKIPPED) until the action next succeeds on the order.

use chrono::Utc;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    actions::{self, Outcome},
    courier::{self, Courier},
    repo::work::{self, ErrorRow},
};
use crate::{
    access::{Permission, Principal},
    audit::{self, Action, Entry, RequestMeta},
    jobs::{self, NewJob},
    Db, Error, Result,
};

pub const KIND: &str = "orders.retry-error";
/// The statuses of a processing error, as the tab shows them.
pub const STATUSES: &[(&str, &str)] = &[
    ("PENDING", "Pending"),
    ("RETRYING", "Retrying"),
    ("FAILED", "Failed"),
    ("RESOLVED", "Resolved"),
    ("SKIPPED", "Skipped"),
];
/// The tab shows this many errors a page.
pub const PER_PAGE: i64 = 50;

#[derive(Serialize, Deserialize)]
pub struct Payload {
    pub error_id: Uuid,
}

pub struct ErrorList {
    pub rows: Vec<ErrorRow>,
    /// (status, how many) for every status.
    pub counts: Vec<(&'static str, i64)>,
}

/// The member's errors of `status` (the open ones when None), newest first.
pub async fn list(db: &Db, p: &Principal, status: Option<&str>, page: i64) -> Result<ErrorList> {
    p.authorize(Permission::OrdersRead)?;
    if status.is_some_and(|s| !STATUSES.iter().any(|(k, _)| *k == s)) {
        return Err(Error::validation(
            "status",
            "Choose a status from the list.",
        ));
    }
    let limited = p.store_limit();
    let offset = (page.clamp(1, 100_000) - 1) * PER_PAGE;
    let (rows, counted) = tokio::try_join!(
        work::errors(db, p.company_id, limited, status, PER_PAGE, offset),
        work::error_counts(db, p.company_id, limited),
    )?;
    let counts = STATUSES
        .iter()
        .map(|(k, _)| {
            let n = counted.iter().find(|(s, _)| s == k).map_or(0, |(_, n)| *n);
            (*k, n)
        })
        .collect();
    Ok(ErrorList { rows, counts })
}

/// Retry (orders.write): FAILED, PENDING or SKIPPED become RETRYING and the action is queued.
/// Answers false when a retry is already under way or the error is resolved.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id, error_id = %id), err(level = "info"))]
pub async fn retry(db: &Db, p: &Principal, meta: &RequestMeta, id: Uuid) -> Result<bool> {
    change(db, p, meta, id, Change::Retry).await
}

/// Skip (orders.write): PENDING or FAILED become SKIPPED. False when there was nothing to
/// skip.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id, error_id = %id), err(level = "info"))]
pub async fn skip(db: &Db, p: &Principal, meta: &RequestMeta, id: Uuid) -> Result<bool> {
    change(db, p, meta, id, Change::Skip).await
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Change {
    Retry,
    Skip,
}

async fn change(db: &Db, p: &Principal, meta: &RequestMeta, id: Uuid, c: Change) -> Result<bool> {
    p.authorize(Permission::OrdersWrite)?;
    let limited = p.store_limit();
    let mut tx = db.begin().await?;
    let (order_id, action, status) = work::error_for_update(&mut tx, p.company_id, limited, id)
        .await?
        .ok_or(Error::NotFound)?;
    let now = Utc::now();
    let (allowed, to, audit_action): (&[&str], _, _) = match c {
        Change::Retry => (
            &["PENDING", "FAILED", "SKIPPED"],
            "RETRYING",
            Action::OrderErrorRetried,
        ),
        Change::Skip => (&["PENDING", "FAILED"], "SKIPPED", Action::OrderErrorSkipped),
    };
    if !allowed.contains(&status.as_str()) {
        return Ok(false);
    }
    work::set_error_status(&mut tx, id, to, Some(p.user_id), now).await?;
    if c == Change::Retry {
        jobs::enqueue_tx(
            &mut tx,
            NewJob {
                kind: KIND,
                payload: serde_json::to_value(Payload { error_id: id })
                    .map_err(|e| Error::Internal(e.into()))?,
                run_at: now,
                max_attempts: 5,
                dedupe_key: Some(format!("orders-retry:{id}:{}", now.timestamp_micros())),
            },
        )
        .await?;
    }
    audit::record(
        &mut tx,
        meta,
        Entry::by(
            p,
            audit_action,
            Some(format!("order:{order_id}")),
            serde_json::json!({ "action": action }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// The retry job's body: the action again on the order, as the member who asked (an
/// automatic retry of a PENDING error runs as the job).
#[tracing::instrument(skip(c))]
pub async fn run_retry(c: &Courier<'_>, error_id: Uuid) -> Result<Option<Outcome>> {
    let db = c.db;
    let Some((company_id, order_id, action, status, asked_by)) =
        work::error_by_id(db, error_id).await?
    else {
        return Ok(None);
    };
    if status != "RETRYING" && status != "PENDING" {
        return Ok(None);
    }
    let Some(order_action) = actions::for_error(&action) else {
        let mut tx = db.begin().await?;
        let failure = work::Failure {
            company_id,
            order_id,
            action: &action,
            status: "FAILED",
            message: "This kind of step cannot be retried from here.",
            by: None,
            now: Utc::now(),
        };
        work::record_error(&mut tx, &failure).await?;
        tx.commit().await?;
        return Ok(None);
    };
    let by = (status == "RETRYING").then_some(asked_by).flatten();
    if order_action == actions::OrderAction::CreateAwb {
        let outcome =
            courier::create_awb(c, company_id, order_id, &courier::AwbInput::default(), by).await?;
        return Ok(Some(outcome));
    }
    let mut tx = db.begin().await?;
    let outcome =
        actions::apply(&mut tx, company_id, order_id, &order_action, by, Utc::now()).await?;
    tx.commit().await?;
    Ok(Some(outcome))
}
