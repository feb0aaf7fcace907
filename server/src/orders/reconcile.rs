//! Reconciliation: the shop's order count and newest change per UTC day (by creation), for
//! the last [`DAYS`] days, compared with ours. A day that differs is drift — an order we never
//! received, or a change we missed — shown on the inbox with a re-sync of that day. Runs for
//! every connected store once a day (`orders.reconcile`) and on demand.

use chrono::{Duration, NaiveDate, Utc};
use secrecy::SecretString;
use uuid::Uuid;

use super::{
    config::OrdersConfig,
    connections,
    repo::{self, DayRow},
    shopify_api::ApiError,
};
use crate::{
    access::{Permission, Principal},
    Db, Error, Result,
};

pub const KIND: &str = "orders.reconcile";
/// The days compared, today included.
pub const DAYS: i64 = 30;

/// Compares the store's last [`DAYS`] days; answers how many drift.
#[tracing::instrument(skip_all, fields(store_id = %store_id))]
pub async fn run(
    db: &Db,
    app_key: &SecretString,
    config: &OrdersConfig,
    store_id: Uuid,
) -> Result<std::result::Result<usize, ApiError>> {
    let Some(row) = repo::sync_row(db, store_id).await? else {
        return Err(Error::NotFound);
    };
    if row.platform != "shopify" {
        return Err(Error::validation(
            "store_id",
            "Only Shopify stores are compared day by day.",
        ));
    }
    let api = connections::api(
        app_key,
        config,
        row.shop_domain.as_deref(),
        &row.sealed_credentials,
    )?;
    let today = Utc::now().date_naive();
    let days: Vec<NaiveDate> = (0..DAYS).map(|i| today - Duration::days(i)).collect();
    let shop = match api.days(&days).await {
        Ok(shop) => shop,
        Err(e) => return Ok(Err(e)),
    };
    let mut rows = Vec::with_capacity(shop.len());
    for d in shop {
        let start = d.day.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
        let (our_count, our_latest) =
            repo::day_stats(db, store_id, start, start + Duration::days(1)).await?;
        rows.push(DayRow {
            store_id,
            day: d.day,
            shop_count: d.count,
            our_count,
            shop_latest: d.latest,
            our_latest,
        });
    }
    let drifting = rows.iter().filter(|r| drifts(r)).count();
    repo::save_reconciliation(db, row.company_id, store_id, &rows, Utc::now()).await?;
    Ok(Ok(drifting))
}

/// Whether a compared day drifts.
pub fn drifts(r: &DayRow) -> bool {
    r.shop_count != r.our_count
        || match (r.shop_latest, r.our_latest) {
            (Some(shop), Some(ours)) => shop > ours,
            (Some(_), None) => true,
            _ => false,
        }
}

/// "Check against Shopify" (orders.write, a store the member sees): compares now.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, store_id = %store_id))]
pub async fn check_now(
    db: &Db,
    app_key: &SecretString,
    config: &OrdersConfig,
    p: &Principal,
    store_id: Uuid,
) -> Result<usize> {
    p.authorize(Permission::OrdersWrite)?;
    super::sync::visible_connection(db, p, store_id).await?;
    run(db, app_key, config, store_id)
        .await?
        .map_err(|e| Error::validation("store_id", e.to_string()))
}

/// The drifting days of the stores the member sees, newest first.
pub async fn drift(db: &Db, p: &Principal) -> Result<Vec<DayRow>> {
    p.authorize(Permission::OrdersRead)?;
    let limited = p.store_limit();
    repo::drift(db, p.company_id, limited).await
}

/// Compares every connected store not compared for a day; answers how many were.
pub async fn run_due(db: &Db, app_key: &SecretString, config: &OrdersConfig) -> Result<usize> {
    let due = repo::stores_to_reconcile(db, Utc::now() - Duration::hours(24)).await?;
    let mut done = 0;
    for store_id in due {
        match run(db, app_key, config, store_id).await? {
            Ok(drifting) => {
                done += 1;
                if drifting > 0 {
                    tracing::warn!(%store_id, days = drifting, "orders drift from the shop");
                }
            }
            Err(e) => {
                tracing::warn!(%store_id, error = %e, "reconciliation could not ask the shop")
            }
        }
    }
    Ok(done)
}
