//! Sync with Shopify by `updated_at`: a pass reads every order updated since the last pass
//! (all of them the first time), page by page, oldest change first, and writes each through
//! `ingest` (so a re-read changes nothing). After each page the cursor and the newest
//! `updated_at` read are saved: a pass stopped by Shopify being down, throttling past our
//! patience or a crash resumes from its cursor when the queue retries it — no gap, and no
//! duplicate. A refused token ends the pass with Shopify's message (it will not get better by
//! retrying). Passes run every ORDERS_SYNC_MINUTES and on demand ("Sync now").

use chrono::{DateTime, Duration, NaiveDate, Utc};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    config::OrdersConfig,
    connections, ingest,
    repo::{self, SyncStatus},
    shopify_api::{ApiError, ShopInfo},
};
use crate::{
    access::{Permission, Principal},
    audit::{self, Action, Entry, RequestMeta},
    jobs::{self, NewJob},
    Db, Error, Result,
};

pub const KIND: &str = "orders.sync";
pub const ALL_KIND: &str = "orders.sync-all";
/// A pass re-reads this much before the last one's newest change (same-second updates).
const OVERLAP: Duration = Duration::seconds(60);
/// A pass with no progress for this long is taken for dead and started again.
const STALE: Duration = Duration::hours(2);

#[derive(Serialize, Deserialize)]
pub struct Payload {
    pub store_id: Uuid,
}

/// Queues a pass for the store (of the orders created on `day`, with one) in the caller's
/// transaction; false when one is already queued or running (a double click does one pass).
pub async fn queue(
    tx: &mut crate::db::Tx,
    company_id: Uuid,
    store_id: Uuid,
    day: Option<NaiveDate>,
) -> Result<bool> {
    let now = Utc::now();
    if !repo::queue_sync(tx, company_id, store_id, day, now).await? {
        return Ok(false);
    }
    jobs::enqueue_tx(
        tx,
        NewJob {
            kind: KIND,
            payload: serde_json::to_value(Payload { store_id })
                .map_err(|e| Error::Internal(e.into()))?,
            run_at: now,
            max_attempts: 8,
            dedupe_key: Some(format!("orders-sync:{store_id}:{}", now.timestamp_micros())),
        },
    )
    .await?;
    Ok(true)
}

/// A connected store the member sees (NotFound for any other, of this company or not).
pub async fn visible_connection(db: &Db, p: &Principal, store_id: Uuid) -> Result<SyncStatus> {
    let limited = p.store_limit();
    repo::sync_statuses(db, p.company_id, limited)
        .await?
        .into_iter()
        .find(|s| s.store_id == store_id)
        .ok_or(Error::NotFound)
}

/// "Sync now" (orders.write, on a store the member sees), or "Re-sync this day" with `day`.
/// Answers false when a pass is already under way.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id, store_id = %store_id), err(level = "info"))]
pub async fn sync_now(
    db: &Db,
    p: &Principal,
    meta: &RequestMeta,
    store_id: Uuid,
    day: Option<NaiveDate>,
) -> Result<bool> {
    p.authorize(Permission::OrdersWrite)?;
    let status = visible_connection(db, p, store_id).await?;
    if status.uninstalled_at.is_some() {
        return Err(Error::validation(
            "store_id",
            "The store's Shopify app was uninstalled: reconnect it in Settings → Stores first.",
        ));
    }
    let mut tx = db.begin().await?;
    let queued = queue(&mut tx, p.company_id, store_id, day).await?;
    if queued {
        audit::record(
            &mut tx,
            meta,
            Entry::by(
                p,
                Action::OrdersSyncRequested,
                Some(format!("store:{store_id}")),
                serde_json::json!({ "day": day }),
            ),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(queued)
}

/// How the member's connected stores stand.
pub async fn statuses(db: &Db, p: &Principal) -> Result<Vec<SyncStatus>> {
    p.authorize(Permission::OrdersRead)?;
    let limited = p.store_limit();
    repo::sync_statuses(db, p.company_id, limited).await
}

/// "Test connection": asks Shopify for the shop with the stored token.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, store_id = %store_id))]
pub async fn test_connection(
    db: &Db,
    app_key: &SecretString,
    config: &OrdersConfig,
    p: &Principal,
    store_id: Uuid,
) -> Result<ShopInfo> {
    p.authorize(Permission::StoresManage)?;
    let row = repo::sync_row(db, store_id)
        .await?
        .filter(|r| r.company_id == p.company_id)
        .ok_or(Error::NotFound)?;
    connections::api(
        app_key,
        config,
        row.shop_domain.as_deref(),
        &row.sealed_credentials,
    )?
    .shop()
    .await
    .map_err(|e| Error::validation("store_id", e.to_string()))
}

/// Runs (or resumes) a store's pass. `Ok` when it ended (done, refused, or nothing to do);
/// `Err` for a stop the queue should retry.
#[tracing::instrument(skip_all, fields(store_id = %store_id))]
pub async fn run(
    db: &Db,
    app_key: &SecretString,
    config: &OrdersConfig,
    store_id: Uuid,
) -> anyhow::Result<String> {
    let Some(mut row) = repo::sync_row(db, store_id).await? else {
        return Ok("store no longer connected".into());
    };
    match row.sync_state.as_deref() {
        None => return Ok("no pass queued".into()),
        Some("queued") => {
            let since = row.synced_until.map(|t| t - OVERLAP);
            repo::start_sync(db, store_id, since, Utc::now()).await?;
            row.sync_since = since;
            row.sync_cursor = None;
            row.sync_high = None;
            row.sync_done = 0;
        }
        Some(_) => {} // resuming a running pass from its cursor
    }
    if row.uninstalled_at.is_some() {
        repo::finish_sync(
            db,
            store_id,
            None,
            Some("the Shopify app was uninstalled"),
            Utc::now(),
        )
        .await?;
        return Ok("uninstalled".into());
    }
    let api = connections::api(
        app_key,
        config,
        row.shop_domain.as_deref(),
        &row.sealed_credentials,
    )?;
    let (mut cursor, mut high, mut done) = (row.sync_cursor.clone(), row.sync_high, row.sync_done);
    loop {
        let page = match api
            .orders_page(row.sync_since, row.sync_day, cursor.as_deref())
            .await
        {
            Ok(page) => page,
            Err(ApiError::Refused(why)) => {
                let msg = format!("Shopify refused the sync: {why}");
                repo::finish_sync(db, store_id, None, Some(&msg), Utc::now()).await?;
                return Ok(msg);
            }
            Err(e) => {
                repo::sync_failed(db, store_id, &e.to_string()).await?;
                anyhow::bail!(e);
            }
        };
        for (facts, raw) in &page.orders {
            ingest::ingest(db, row.company_id, store_id, facts, raw, "Shopify sync").await?;
            high = Some(high.map_or(facts.updated_at, |h: DateTime<Utc>| h.max(facts.updated_at)));
        }
        for (id, why) in &page.unreadable {
            tracing::warn!(order = %id, %why, "shopify order unreadable during sync");
        }
        done += page.orders.len() as i64;
        cursor = page.end_cursor.clone();
        repo::sync_progress(db, store_id, cursor.as_deref(), high, done, Utc::now()).await?;
        if !page.has_next {
            break;
        }
    }
    // A day's re-sync leaves the incremental high-water mark where it was.
    let until = match row.sync_day {
        Some(_) => None,
        None => high.or(row.synced_until),
    };
    repo::finish_sync(db, store_id, until, None, Utc::now()).await?;
    Ok(format!("{done} orders read"))
}

/// Queues a pass for every connected store whose last one ended `every` ago or more.
pub async fn queue_all(db: &Db, every: std::time::Duration) -> Result<usize> {
    let now = Utc::now();
    let due = now - Duration::from_std(every).unwrap_or(Duration::minutes(15));
    let stores = repo::stores_to_sync(db, now - STALE, due).await?;
    let mut queued = 0;
    for (company_id, store_id) in stores {
        let mut tx = db.begin().await?;
        if queue(&mut tx, company_id, store_id, None).await? {
            queued += 1;
        }
        tx.commit().await?;
    }
    Ok(queued)
}
