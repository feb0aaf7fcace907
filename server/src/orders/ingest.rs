//! A platform's facts about an order written into our model, in one transaction: a new order
//! is created with its derived status; a newer state replaces the kept one (our status moves
//! only as `model::derive_status` allows); an older or equal state changes nothing. Every
//! change is on the order's timeline.

use chrono::Utc;
use uuid::Uuid;

use super::{
    model::{derive_status, status_label, OrderFacts},
    repo::{self, Write},
};
use crate::{Db, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ingested {
    Created(Uuid),
    Updated(Uuid),
    /// The delivery was older than (or the same as) the kept state: nothing changed.
    Stale(Uuid),
}

impl Ingested {
    pub fn outcome(&self) -> String {
        match self {
            Ingested::Created(id) => format!("order {id} created"),
            Ingested::Updated(id) => format!("order {id} updated"),
            Ingested::Stale(id) => format!("order {id} kept: this state is not newer"),
        }
    }
}

/// An order event's data (`order.created`, `order.updated`) for outgoing webhooks.
fn event_data(
    id: Uuid,
    store_id: Uuid,
    facts: &OrderFacts,
    status: &str,
    previous: Option<&str>,
) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "store_id": store_id,
        "number": facts.number,
        "status": status,
        "previous_status": previous,
        "currency": facts.currency,
        "total_minor": facts.total_minor,
        "placed_at": facts.placed_at,
        "updated_at": facts.updated_at,
    })
}

/// Writes `facts` (from `source`, e.g. "Shopify webhook orders/create") into the store's order.
#[tracing::instrument(skip_all, fields(company_id = %company_id, store_id = %store_id, order = %facts.external_id))]
pub async fn ingest(
    db: &Db,
    company_id: Uuid,
    store_id: Uuid,
    facts: &OrderFacts,
    raw: &str,
    source: &str,
) -> Result<Ingested> {
    let flags = facts.flags().join(" ");
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let placed_day = crate::dates::local_day(
        &repo::company_timezone(&mut tx, company_id).await?,
        facts.placed_at,
    );
    // Three times at most: an imported order adopted, or a concurrent first delivery inserted
    // between our read and our insert, is read again.
    for _ in 0..3 {
        let kept = repo::order_for_update(&mut tx, store_id, &facts.external_id).await?;
        match kept {
            // An order imported from a file under this number becomes the platform's: it takes
            // the platform's id, then this delivery updates it (no duplicate).
            None if repo::adopt_import(&mut tx, store_id, &facts.number, &facts.external_id)
                .await? =>
            {
                continue;
            }
            None => {
                let status = derive_status(facts.state, None);
                let id = Uuid::now_v7();
                let w = Write {
                    id,
                    company_id,
                    store_id,
                    facts,
                    status: &status,
                    flags: &flags,
                    raw,
                    now,
                    placed_day,
                };
                if repo::insert_order(&mut tx, &w).await? {
                    let detail = format!("Received from {source}: {}", status_label(&status));
                    repo::add_event(&mut tx, company_id, id, "ingest", None, &detail, now).await?;
                    let data = event_data(id, store_id, facts, &status, None);
                    crate::api::webhooks::emit(&mut tx, company_id, "order.created", data).await?;
                    tx.commit().await?;
                    return Ok(Ingested::Created(id));
                }
            }
            Some((id, _, kept_at)) if facts.updated_at <= kept_at => {
                return Ok(Ingested::Stale(id));
            }
            Some((id, current, _)) => {
                let status = derive_status(facts.state, Some(&current));
                let w = Write {
                    id,
                    company_id,
                    store_id,
                    facts,
                    status: &status,
                    flags: &flags,
                    raw,
                    now,
                    placed_day,
                };
                repo::update_order(&mut tx, &w).await?;
                repo::add_event(
                    &mut tx,
                    company_id,
                    id,
                    "update",
                    None,
                    &format!("Updated from {source}"),
                    now,
                )
                .await?;
                if status != current {
                    let detail = format!("{} → {}", status_label(&current), status_label(&status));
                    repo::add_event(&mut tx, company_id, id, "status", None, &detail, now).await?;
                }
                let data = event_data(id, store_id, facts, &status, Some(&current));
                crate::api::webhooks::emit(&mut tx, company_id, "order.updated", data).await?;
                tx.commit().await?;
                return Ok(Ingested::Updated(id));
            }
        }
    }
    Err(crate::Error::Conflict(
        "The order changed while it was being written; try again.".into(),
    ))
}
