//! Bulk actions on orders: the selected orders (up to a page, 1,000) or every order matching
//! the inbox's filter (up to [`MAX_ORDERS`]) get one action. The orders are fixed when the run
//! is created, in the member's stores only; the `orders.bulk` job then works through them one
//! transaction each, recording a result per order, so the run's page shows progress and a
//! retried job resumes where it stopped. The form's key makes a double click one run.

use chrono::Utc;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    actions::{self, OrderAction},
    courier::{self, AwbInput, Courier},
    model::Item,
    picking,
    repo::work::{self, NewRun},
    service::{self, Query},
};
use crate::{
    access::{Permission, Principal},
    audit::{self, Action, Entry, RequestMeta},
    jobs::{self, NewJob},
    Db, Error, Result,
};

pub use super::repo::work::{ItemRow, RunRow};

pub const KIND: &str = "orders.bulk";
/// "All matching" covers at most this many orders.
pub const MAX_ORDERS: usize = 10_000;
/// Selected rows: at most a page of the inbox.
pub const MAX_SELECTED: usize = 1_000;
/// Orders the job does between two reads of what is left.
const BATCH: i64 = 200;
/// The run page lists this many of its orders.
pub const ITEMS_SHOWN: i64 = 500;

#[derive(Serialize, Deserialize)]
pub struct Payload {
    pub run_id: Uuid,
}

/// Which orders a run covers.
#[derive(Clone, Debug)]
pub enum Scope {
    Selected(Vec<Uuid>),
    Matching(Query),
}

/// Starts a run (orders.write) and answers its id; the same `key` again answers the run it
/// made.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id), err(level = "info"))]
pub async fn start(
    db: &Db,
    p: &Principal,
    meta: &RequestMeta,
    key: &str,
    action: &OrderAction,
    scope: &Scope,
) -> Result<Uuid> {
    p.authorize(Permission::OrdersWrite)?;
    let key = key.trim();
    if key.is_empty() || key.len() > 100 {
        return Err(Error::validation(
            "key",
            "The form has expired: reload the page and try again.",
        ));
    }
    let base = service::filter(p, &Query::default())?;
    let (filter, selected) = match scope {
        Scope::Selected(ids) => {
            let mut ids = ids.clone();
            ids.sort();
            ids.dedup();
            if ids.is_empty() {
                return Err(Error::validation(
                    "ids",
                    "Select at least one order, or choose all orders matching the filter.",
                ));
            }
            if ids.len() > MAX_SELECTED {
                return Err(Error::validation(
                    "ids",
                    "Select at most 1,000 orders, or choose all orders matching the filter.",
                ));
            }
            (base, Some(ids))
        }
        Scope::Matching(q) => (service::filter(p, q)?, None),
    };
    let mut tx = db.begin().await?;
    if let Some(id) = work::run_by_key(&mut tx, p.company_id, key).await? {
        return Ok(id);
    }
    let ids = match &selected {
        Some(wanted) => {
            let found = work::visible_ids(&mut tx, &filter, wanted).await?;
            if found.len() != wanted.len() {
                return Err(Error::NotFound);
            }
            // Keep the order they were shown in (the page's), not the database's.
            let mut ordered = wanted.clone();
            ordered.retain(|id| found.contains(id));
            ordered
        }
        None => {
            let ids = work::matching_ids(&mut tx, &filter, MAX_ORDERS as i64 + 1).await?;
            if ids.is_empty() {
                return Err(Error::validation("scope", "No orders match the filter."));
            }
            if ids.len() > MAX_ORDERS {
                return Err(Error::validation(
                    "scope",
                    "More than 10,000 orders match: narrow the filter and run it in parts.",
                ));
            }
            ids
        }
    };
    let id = Uuid::now_v7();
    let now = Utc::now();
    let (name, target) = action.key();
    let run = NewRun {
        id,
        company_id: p.company_id,
        by: p.user_id,
        key,
        action: name,
        target_status: target,
        now,
    };
    if !work::insert_run(&mut tx, &run).await? {
        // A concurrent submission of the same form won.
        drop(tx);
        let mut tx = db.begin().await?;
        return work::run_by_key(&mut tx, p.company_id, key)
            .await?
            .ok_or(Error::NotFound);
    }
    work::add_items(&mut tx, id, &ids).await?;
    jobs::enqueue_tx(
        &mut tx,
        NewJob {
            kind: KIND,
            payload: serde_json::to_value(Payload { run_id: id })
                .map_err(|e| Error::Internal(e.into()))?,
            run_at: now,
            max_attempts: 5,
            dedupe_key: Some(format!("orders-bulk:{id}")),
        },
    )
    .await?;
    audit::record(
        &mut tx,
        meta,
        Entry::by(
            p,
            Action::OrdersBulkStarted,
            Some(format!("bulk:{id}")),
            serde_json::json!({ "action": name, "status": target, "orders": ids.len() }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The job's body: every order of the run still pending, one transaction each (an AWB: its
/// own steps, then the result).
#[tracing::instrument(skip(c))]
pub async fn run(c: &Courier<'_>, run_id: Uuid) -> Result<RunRow> {
    let db = c.db;
    let run = work::run(db, None, run_id).await?.ok_or(Error::NotFound)?;
    if run.state == "finished" {
        return Ok(run);
    }
    let action = OrderAction::parse(&run.action, run.target_status.as_deref())?;
    work::set_run_state(db, run_id, "running", None).await?;
    loop {
        let batch = work::pending_items(db, run_id, BATCH).await?;
        if batch.is_empty() {
            break;
        }
        for (position, order_id) in batch {
            if matches!(action, OrderAction::CreateAwb | OrderAction::Process) {
                let outcome = ship(c, &run, &action, order_id).await?;
                let mut tx = db.begin().await?;
                work::finish_item(
                    &mut tx,
                    run_id,
                    position,
                    outcome.result(),
                    outcome.message(),
                )
                .await?;
                tx.commit().await?;
                continue;
            }
            let mut tx = db.begin().await?;
            let outcome = actions::apply(
                &mut tx,
                run.company_id,
                order_id,
                &action,
                run.created_by,
                Utc::now(),
            )
            .await?;
            work::finish_item(
                &mut tx,
                run_id,
                position,
                outcome.result(),
                outcome.message(),
            )
            .await?;
            tx.commit().await?;
        }
    }
    work::set_run_state(db, run_id, "finished", Some(Utc::now())).await?;
    work::run(db, None, run_id).await?.ok_or(Error::NotFound)
}

/// The steps that ask the courier, each in its own transaction (no lock is held while FAN
/// Courier answers): "process" validates first and stops at a failed validation.
async fn ship(
    c: &Courier<'_>,
    run: &RunRow,
    action: &OrderAction,
    order_id: Uuid,
) -> Result<actions::Outcome> {
    if *action == OrderAction::Process {
        let mut tx = c.db.begin().await?;
        let validated = actions::apply(
            &mut tx,
            run.company_id,
            order_id,
            &OrderAction::Validate,
            run.created_by,
            Utc::now(),
        )
        .await?;
        tx.commit().await?;
        if let actions::Outcome::Failed(why) = validated {
            return Ok(actions::Outcome::Failed(format!("Not valid: {why}")));
        }
    }
    courier::create_awb(
        c,
        run.company_id,
        order_id,
        &AwbInput::default(),
        run.created_by,
    )
    .await
}

/// The picking list of a run that made AWBs (orders.read; the member's stores): the orders it
/// completed, with their items summed by SKU, as a PDF. Answers (file name, bytes).
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id, run_id = %id), err(level = "info"))]
pub async fn picking_list(db: &Db, p: &Principal, id: Uuid) -> Result<(String, Vec<u8>)> {
    let v = view(db, p, id).await?;
    if !matches!(v.run.action.as_str(), "process" | "awb") {
        return Err(Error::NotFound);
    }
    let limited = p.store_limit();
    let (rows, lines) = tokio::try_join!(
        work::picked_orders(db, id, p.company_id, limited, MAX_ORDERS as i64),
        work::picked_items(db, id, p.company_id),
    )?;
    let mut items: std::collections::HashMap<Uuid, Vec<Item>> = std::collections::HashMap::new();
    for l in lines {
        items.entry(l.order_id).or_default().push(Item {
            sku: l.sku,
            title: l.title,
            variant: l.variant,
            quantity: l.quantity,
            unit_price_minor: l.unit_price_minor,
        });
    }
    // Only the orders the member may see (`rows`) are listed.
    let orders: Vec<picking::PickOrder> = rows
        .into_iter()
        .map(|r| picking::PickOrder {
            items: items.remove(&r.order_id).unwrap_or_default(),
            number: r.number,
            customer: r.customer_name,
            awb: r.awb,
        })
        .collect();
    if orders.is_empty() {
        return Err(Error::Conflict(
            "No order of this run is ready to pick yet.".into(),
        ));
    }
    let tz: chrono_tz::Tz = p.timezone.parse().unwrap_or(chrono_tz::UTC);
    let started = v.run.created_at.with_timezone(&tz);
    let subtitle = format!(
        "{} · run started {} by {} · {}",
        p.company_name,
        started.format("%-d %b %Y %H:%M"),
        v.run.creator.as_deref().unwrap_or("a former member"),
        match orders.len() {
            1 => "1 order".to_string(),
            n => format!("{n} orders"),
        }
    );
    let pdf = picking::render("Picking list", &subtitle, &orders)?;
    Ok((
        format!("picking-list-{}.pdf", started.format("%Y%m%d-%H%M")),
        pdf,
    ))
}

/// A run and the first [`ITEMS_SHOWN`] of its orders the member sees (failures first).
pub struct RunView {
    pub run: RunRow,
    pub items: Vec<ItemRow>,
}

pub async fn view(db: &Db, p: &Principal, id: Uuid) -> Result<RunView> {
    p.authorize(Permission::OrdersRead)?;
    let run = work::run(db, Some(p.company_id), id)
        .await?
        .ok_or(Error::NotFound)?;
    let limited = p.store_limit();
    // A member limited to some stores sees their own runs (which hold only their stores'
    // orders) and, of others' runs, only their stores' orders.
    let items = work::items(db, id, p.company_id, limited, ITEMS_SHOWN, 0).await?;
    if limited.is_some() && items.is_empty() && run.created_by != Some(p.user_id) {
        return Err(Error::NotFound);
    }
    Ok(RunView { run, items })
}

/// The company's newest runs (orders.read).
pub async fn recent(db: &Db, p: &Principal) -> Result<Vec<RunRow>> {
    p.authorize(Permission::OrdersRead)?;
    let runs = work::runs(db, p.company_id, 20).await?;
    Ok(if p.sees_all_stores() {
        runs
    } else {
        runs.into_iter()
            .filter(|r| r.created_by == Some(p.user_id))
            .collect()
    })
}

/// An outcome's result in words for the run page.
pub fn result_label(result: &str) -> &'static str {
    match result {
        "succeeded" => "Done",
        "failed" => "Failed",
        "skipped" => "Skipped",
        _ => "Waiting",
    }
}

/// The words of an action as stored (for lists of runs).
pub fn action_label(action: &str, status: Option<&str>) -> String {
    OrderAction::parse(action, status)
        .map(|a| a.label())
        .unwrap_or_else(|_| action.to_string())
}
