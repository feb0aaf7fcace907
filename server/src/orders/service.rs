//! The inbox and the order page. A member sees only the orders of the stores they may see
//! (every store with stores.manage, else those granted); an order of another store answers
//! NotFound, as one of another company does.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::{
    model::{self, Address, Item},
    repo::{self, EventRow, ListFilter, ListRow, OrderRow},
};
use crate::{
    access::{Permission, Principal},
    Db, Error, Result,
};

/// Page sizes the inbox offers.
pub const PAGE_SIZES: &[i64] = &[50, 100, 250, 500, 1000];
/// The columns the inbox sorts by.
pub const SORTS: &[&str] = &["placed", "number", "customer", "total", "status"];

/// The inbox's filter as the address gives it; every field optional.
#[derive(Clone, Debug, Default)]
pub struct Query {
    pub store: Option<String>,
    pub status: Option<String>,
    pub q: Option<String>,
    pub flag: Option<String>,
    /// Days, inclusive, in UTC (YYYY-MM-DD).
    pub from: Option<String>,
    pub to: Option<String>,
    pub sort: Option<String>,
    pub asc: bool,
    pub page: i64,
    pub per_page: i64,
}

pub struct Inbox {
    pub rows: Vec<ListRow>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

fn day(field: &str, v: &Option<String>) -> Result<Option<NaiveDate>> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| Error::validation(field, "A date as YYYY-MM-DD.")),
    }
}

fn start_of(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0).expect("midnight").and_utc()
}

/// One page of the member's orders matching the query. Unknown filter values are refused
/// with the field they belong to; an unknown sort falls back to the newest first.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id))]
pub async fn inbox(db: &Db, p: &Principal, q: &Query) -> Result<Inbox> {
    p.authorize(Permission::OrdersRead)?;
    let store_id = match q.store.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            Uuid::parse_str(s).map_err(|_| Error::validation("store", "Choose a store from the list."))?,
        ),
    };
    let status = q.status.as_deref().filter(|s| !s.is_empty());
    if status.is_some_and(|s| !model::is_status(s)) {
        return Err(Error::validation("status", "Choose a status from the list."));
    }
    let flag = q.flag.as_deref().filter(|s| !s.is_empty());
    if flag.is_some_and(|f| !model::FLAGS.iter().any(|(k, _)| *k == f)) {
        return Err(Error::validation("flag", "Choose a check from the list."));
    }
    let text = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if text.is_some_and(|t| t.chars().count() > 100) {
        return Err(Error::validation("q", "Search for at most 100 characters."));
    }
    let from = day("from", &q.from)?;
    let to = day("to", &q.to)?;
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            return Err(Error::validation("to", "The end date is before the start date."));
        }
    }
    let per_page = if PAGE_SIZES.contains(&q.per_page) { q.per_page } else { PAGE_SIZES[0] };
    let page = q.page.clamp(1, 1_000_000);
    let sort = q
        .sort
        .as_deref()
        .filter(|s| SORTS.contains(s))
        .unwrap_or("placed");
    let filter = ListFilter {
        company_id: p.company_id,
        limited_to: (!p.sees_all_stores()).then_some(p.user_id),
        store_id,
        status,
        text,
        flag,
        from: from.map(start_of),
        to: to.and_then(|d| d.succ_opt()).map(start_of),
        sort,
        asc: q.asc,
    };
    let (rows, total) = repo::list(db, &filter, per_page, (page - 1) * per_page).await?;
    Ok(Inbox {
        rows,
        total,
        page,
        per_page,
    })
}

/// An order with everything its page shows.
pub struct Detail {
    pub order: OrderRow,
    pub shipping: Option<Address>,
    pub billing: Option<Address>,
    pub items: Vec<Item>,
    pub events: Vec<EventRow>,
}

#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id, order_id = %id))]
pub async fn detail(db: &Db, p: &Principal, id: Uuid) -> Result<Detail> {
    p.authorize(Permission::OrdersRead)?;
    let limited = (!p.sees_all_stores()).then_some(p.user_id);
    let order = repo::load_order(db, p.company_id, limited, id)
        .await?
        .ok_or(Error::NotFound)?;
    let (items, events) = tokio::try_join!(repo::items(db, id), repo::events(db, id))?;
    let address = |s: &Option<String>| s.as_deref().and_then(|j| serde_json::from_str(j).ok());
    Ok(Detail {
        shipping: address(&order.shipping_address),
        billing: address(&order.billing_address),
        order,
        items,
        events,
    })
}

/// The platform's payload of the kept state (for replay and support).
pub async fn payload(db: &Db, p: &Principal, id: Uuid) -> Result<String> {
    p.authorize(Permission::OrdersWrite)?;
    let limited = (!p.sees_all_stores()).then_some(p.user_id);
    repo::load_order(db, p.company_id, limited, id)
        .await?
        .ok_or(Error::NotFound)?;
    repo::payload(db, id).await?.ok_or(Error::NotFound)
}
