//! Shopify webhook deliveries: recorded by (shop, webhook id) with their job in one
//! transaction, so the webhook is answered at once and a redelivery does nothing; the
//! `orders.shopify-webhook` job applies them.

use chrono::Utc;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    ingest::{self, Ingested},
    repo::{self, Delivery},
    shopify,
};
use crate::{
    jobs::{self, NewJob},
    Db, Error, Result,
};

pub const KIND: &str = "orders.shopify-webhook";

/// The job's payload: which delivery to apply.
#[derive(Serialize, Deserialize)]
pub struct Payload {
    pub shop_domain: String,
    pub webhook_id: String,
}

/// A verified delivery to record.
pub struct Received<'a> {
    pub store_id: Uuid,
    pub shop_domain: &'a str,
    pub webhook_id: &'a str,
    pub topic: &'a str,
    pub body: &'a str,
}

/// Records a verified delivery and queues its work; false for a redelivery (nothing done).
#[tracing::instrument(skip_all, fields(shop = %r.shop_domain, topic = %r.topic))]
pub async fn record(db: &Db, r: &Received<'_>, max_attempts: i32) -> Result<bool> {
    let mut tx = db.begin().await?;
    let new = repo::insert_delivery(
        &mut tx,
        &Delivery {
            shop_domain: r.shop_domain,
            webhook_id: r.webhook_id,
            store_id: r.store_id,
            topic: r.topic,
            body: r.body,
            now: Utc::now(),
        },
    )
    .await?;
    if new {
        let payload = serde_json::to_value(Payload {
            shop_domain: r.shop_domain.to_string(),
            webhook_id: r.webhook_id.to_string(),
        })
        .map_err(|e| Error::Internal(e.into()))?;
        jobs::enqueue_tx(
            &mut tx,
            NewJob {
                kind: KIND,
                payload,
                run_at: Utc::now(),
                max_attempts,
                dedupe_key: Some(format!("shopify:{}:{}", r.shop_domain, r.webhook_id)),
            },
        )
        .await?;
    }
    // Acknowledged without waiting for the disk (PostgreSQL's flush was most of the answer's
    // time under load). A crash may lose the last moment's deliveries after Shopify was told
    // they arrived; the store's next incremental sync (every 15 minutes, from the newest change
    // it has read itself, which a webhook never moves) reads those orders again.
    tx.commit_unflushed().await?;
    Ok(new)
}

/// Applies a recorded delivery; answers what happened (kept on the delivery). A delivery
/// already applied is left alone.
#[tracing::instrument(skip_all, fields(shop = %p.shop_domain, webhook = %p.webhook_id))]
pub async fn apply(db: &Db, p: &Payload) -> Result<Option<String>> {
    let Some((store_id, topic, body)) =
        repo::pending_delivery(db, &p.shop_domain, &p.webhook_id).await?
    else {
        return Ok(None);
    };
    let (Some(store_id), Some(body)) = (store_id, body) else {
        return Ok(Some("store deleted".into()));
    };
    let outcome = if topic == shopify::UNINSTALLED {
        if repo::mark_uninstalled(db, store_id, Utc::now()).await? {
            "app uninstalled: the store's connection is marked".to_string()
        } else {
            "app uninstalled (already marked)".to_string()
        }
    } else if shopify::ORDER_TOPICS.contains(&topic.as_str()) {
        match shopify::order_facts(&body) {
            Ok(facts) => {
                let company_id = repo::store_company(db, store_id).await?;
                match company_id {
                    None => "store no longer connected".to_string(),
                    Some(company_id) => {
                        let source = format!("Shopify ({topic})");
                        let done: Ingested =
                            ingest::ingest(db, company_id, store_id, &facts, &body, &source)
                                .await?;
                        done.outcome()
                    }
                }
            }
            Err(why) => {
                tracing::warn!(%why, "shopify order unreadable");
                format!("unreadable: {why}")
            }
        }
    } else {
        format!("ignored topic {topic}")
    };
    repo::finish_delivery(db, &p.shop_domain, &p.webhook_id, Utc::now(), &outcome).await?;
    Ok(Some(outcome))
}
