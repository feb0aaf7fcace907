//! Sync with the store's platform by last change: a pass reads every order changed since the
//! last pass (all of them the first time), page by page, oldest change first, and writes each
//! through `ingest` (so a re-read changes nothing). After each page the cursor and the newest
//! change read are saved: a pass stopped by the platform being down, throttling past our
//! patience or a crash resumes from its cursor when the queue retries it — no gap, and no
//! duplicate. A refused token ends the pass with the platform's message (it will not get
//! better by retrying). Passes run every ORDERS_SYNC_MINUTES and on demand ("Sync now").
//!
//! Shopify: GraphQL pages by `updated_at` with cursors; a big store's first pass reads one bulk
//! export instead (`shopify_export`). Trendyol: shipment packages by their
//! last change, in windows of at most two weeks (Trendyol's limit), the first pass going back
//! [`TRENDYOL_HISTORY`]; a window with more than Trendyol's 10,000 readable records continues
//! from the newest change read. The cursor is "window start (ms):page".

use chrono::{DateTime, Duration, NaiveDate, Utc};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    config::OrdersConfig,
    connections, ingest,
    repo::{self, SyncStatus},
    shopify_api::ApiError,
    shopify_export::{self, Export},
    trendyol_api::{self, TrendyolApi},
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
/// How far back a Trendyol store's first pass reads (Trendyol keeps three months).
pub const TRENDYOL_HISTORY: Duration = Duration::days(90);
/// How long a package's change may take to show in Trendyol's answers: the next pass starts
/// this much before the end of the last one.
const TRENDYOL_LAG: Duration = Duration::minutes(5);
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

/// "Test connection": asks the platform with the stored credentials; answers what it said
/// ("Connected to Ana's shop (ana.myshopify.com, RON).").
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, store_id = %store_id))]
pub async fn test_connection(
    db: &Db,
    app_key: &SecretString,
    config: &OrdersConfig,
    p: &Principal,
    store_id: Uuid,
) -> Result<String> {
    p.authorize(Permission::StoresManage)?;
    let row = repo::sync_row(db, store_id)
        .await?
        .filter(|r| r.company_id == p.company_id)
        .ok_or(Error::NotFound)?;
    let refused = |e: &dyn std::fmt::Display| Error::validation("store_id", e.to_string());
    if row.platform == "trendyol" {
        let api = connections::trendyol_api(app_key, config, &row.sealed_credentials)?;
        let now = Utc::now();
        let page = api
            .packages(now - trendyol_api::MAX_SPAN, now, 0)
            .await
            .map_err(|e| refused(&e))?;
        return Ok(format!(
            "Connected to Trendyol seller {}: {} packages changed in the last two weeks.",
            api.seller_id(),
            page.total_elements
        ));
    }
    let shop = connections::api(
        app_key,
        config,
        row.shop_domain.as_deref(),
        &row.sealed_credentials,
    )?
    .shop()
    .await
    .map_err(|e| refused(&e))?;
    Ok(format!(
        "Connected to {} ({}, {}).",
        shop.name, shop.domain, shop.currency
    ))
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
    if row.platform == "trendyol" {
        let api = connections::trendyol_api(app_key, config, &row.sealed_credentials)?;
        return trendyol_pass(db, &api, store_id, &row).await;
    }
    let api = connections::api(
        app_key,
        config,
        row.shop_domain.as_deref(),
        &row.sealed_credentials,
    )?;
    // A big store's first pass reads a bulk export; a pass already reading one goes on with it.
    let first = row.sync_day.is_none() && row.sync_since.is_none() && config.bulk_from > 0;
    let exporting = row
        .sync_cursor
        .as_deref()
        .is_some_and(|c| c.starts_with(shopify_export::CURSOR));
    if exporting || (first && row.sync_cursor.is_none()) {
        match shopify_export::pass(db, &api, config, store_id, &row).await? {
            Export::Done(msg) => return Ok(msg),
            Export::Paged => {
                row.sync_cursor = None;
                row.sync_high = None;
                row.sync_done = 0;
            }
        }
    }
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

/// Where a Trendyol pass stands: the start of the window being read and the page in it.
fn trendyol_cursor(cursor: Option<&str>) -> Option<(DateTime<Utc>, u32)> {
    let (start, page) = cursor?.split_once(':')?;
    let start = DateTime::from_timestamp_millis(start.parse().ok()?)?;
    Some((start, page.parse().ok()?))
}

/// A Trendyol pass (or its resumption): windows of at most two weeks from the last pass's
/// newest change (or [`TRENDYOL_HISTORY`] back, or one day with `sync_day`) up to now.
async fn trendyol_pass(
    db: &Db,
    api: &TrendyolApi,
    store_id: Uuid,
    row: &repo::SyncRow,
) -> anyhow::Result<String> {
    let now = Utc::now();
    let (from, to) = match row.sync_day {
        Some(day) => {
            let start = day.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
            (start, start + Duration::days(1))
        }
        None => (
            row.sync_since
                .unwrap_or(now - TRENDYOL_HISTORY)
                .max(now - TRENDYOL_HISTORY),
            now,
        ),
    };
    let (mut start, mut page) = trendyol_cursor(row.sync_cursor.as_deref()).unwrap_or((from, 0));
    let (mut high, mut done) = (row.sync_high, row.sync_done);
    loop {
        let end = (start + trendyol_api::MAX_SPAN).min(to);
        let got = match api.packages(start, end, page).await {
            Ok(got) => got,
            Err(trendyol_api::ApiError::Refused(why)) => {
                let msg = format!("Trendyol refused the sync: {why}");
                repo::finish_sync(db, store_id, None, Some(&msg), Utc::now()).await?;
                return Ok(msg);
            }
            Err(e) => {
                repo::sync_failed(db, store_id, &e.to_string()).await?;
                anyhow::bail!(e);
            }
        };
        let mut newest_here: Option<DateTime<Utc>> = None;
        for (facts, raw) in &got.packages {
            ingest::ingest(db, row.company_id, store_id, facts, raw, "Trendyol sync").await?;
            newest_here = Some(newest_here.map_or(facts.updated_at, |h| h.max(facts.updated_at)));
        }
        if let Some(n) = newest_here {
            high = Some(high.map_or(n, |h: DateTime<Utc>| h.max(n)));
        }
        for (id, why) in &got.unreadable {
            tracing::warn!(package = %id, %why, "trendyol package unreadable during sync");
        }
        done += got.packages.len() as i64;
        let more_pages = page + 1 < got.total_pages;
        let last = if more_pages && page + 1 < trendyol_api::MAX_PAGES {
            page += 1;
            false
        } else if more_pages {
            // Past what Trendyol serves of one query: the window goes on from the newest
            // change read (re-reading that instant is harmless), never backwards.
            start = got
                .newest
                .filter(|n| *n > start)
                .unwrap_or(start + Duration::milliseconds(1));
            page = 0;
            false
        } else if end < to {
            start = end;
            page = 0;
            false
        } else {
            true
        };
        let cursor = format!("{}:{page}", start.timestamp_millis());
        repo::sync_progress(db, store_id, Some(&cursor), high, done, Utc::now()).await?;
        if last {
            break;
        }
    }
    // Every change up to `to` has been read, less what Trendyol may not show yet.
    let until = match row.sync_day {
        Some(_) => None,
        // Not the newest change read: a change stamped just before it may show up later.
        None => Some(to - TRENDYOL_LAG),
    };
    repo::finish_sync(db, store_id, until, None, Utc::now()).await?;
    Ok(format!("{done} packages read"))
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
