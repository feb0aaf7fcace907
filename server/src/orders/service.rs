//! The inbox and the order page. A member sees only the orders of the stores they may see
//! (every store with stores.manage, else those granted); an order of another store answers
//! NotFound, as one of another company does.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

use super::{
    model::{self, Address, Item},
    repo::{self, EventRow, ListFilter, OrderRow},
};
use crate::{
    access::{Permission, Principal},
    Db, Error, Result,
};

pub use super::repo::ListRow;

/// Page sizes the inbox offers.
pub const PAGE_SIZES: &[i64] = &[50, 100, 250, 500, 1000];
/// The inbox counts matches up to this many (a count to the end of a million-order filter
/// would cost more than the page itself).
pub const COUNT_CAP: i64 = 10_000;
/// The columns the inbox sorts by.
pub const SORTS: &[&str] = &["placed", "number", "customer", "total", "status"];

/// The inbox's filter as the address gives it; every field optional.
#[derive(Clone, Debug, Default)]
pub struct Query {
    pub store: Option<String>,
    pub status: Option<String>,
    pub q: Option<String>,
    pub flag: Option<String>,
    /// Days, inclusive, in the company's time zone.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub sort: Option<String>,
    pub asc: bool,
    pub page: i64,
    pub per_page: i64,
}

/// One page of the inbox, without its count.
pub struct InboxPage {
    pub rows: Vec<ListRow>,
    pub page: i64,
    pub per_page: i64,
}

/// How many orders the inbox's query matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InboxCount {
    /// How many match, counted up to [`COUNT_CAP`].
    pub total: i64,
    /// More than [`COUNT_CAP`] match.
    pub more: bool,
    /// Pages of the query's size: at least the page asked for, and one more when `more`.
    pub pages: i64,
}

pub struct Inbox {
    pub rows: Vec<ListRow>,
    /// How many match, counted up to [`COUNT_CAP`].
    pub total: i64,
    /// More than [`COUNT_CAP`] match.
    pub more: bool,
    pub page: i64,
    pub per_page: i64,
}

/// The first instant of a day in the company's time zone.
fn start_of(d: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let midnight = d.and_hms_opt(0, 0, 0).expect("midnight");
    tz.from_local_datetime(&midnight)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| midnight.and_utc())
}

/// The query checked and turned into the SQL filter for the member: unknown filter values are
/// refused with the field they belong to; an unknown sort falls back to the newest first.
pub fn filter(p: &Principal, q: &Query) -> Result<ListFilter> {
    let store_id = match q.store.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            Uuid::parse_str(s)
                .map_err(|_| Error::validation("store", "Choose a store from the list."))?,
        ),
    };
    let status = q.status.clone().filter(|s| !s.is_empty());
    if status.as_deref().is_some_and(|s| !model::is_status(s)) {
        return Err(Error::validation(
            "status",
            "Choose a status from the list.",
        ));
    }
    let flag = q.flag.clone().filter(|s| !s.is_empty());
    if flag
        .as_deref()
        .is_some_and(|f| !model::FLAGS.iter().any(|(k, _)| *k == f))
    {
        return Err(Error::validation("flag", "Choose a check from the list."));
    }
    let text =
        q.q.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
    if text.as_deref().is_some_and(|t| t.chars().count() > 100) {
        return Err(Error::validation("q", "Search for at most 100 characters."));
    }
    let (from, to) = (q.from, q.to);
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            return Err(Error::validation(
                "to",
                "The end date is before the start date.",
            ));
        }
    }
    let sort = q
        .sort
        .as_deref()
        .filter(|s| SORTS.contains(s))
        .unwrap_or("placed")
        .to_string();
    let tz: Tz = p.timezone.parse().unwrap_or(chrono_tz::UTC);
    Ok(ListFilter {
        company_id: p.company_id,
        limited_to: p.store_limit(),
        store_id,
        status,
        text,
        flag,
        from: from.map(|d| start_of(d, tz)),
        to: to.and_then(|d| d.succ_opt()).map(|d| start_of(d, tz)),
        sort,
        asc: q.asc,
        after: None,
    })
}

/// One page of the member's orders matching the query, and how many match: the inbox's two
/// requests ([`inbox_page`], [`inbox_count`]) at once.
pub async fn inbox(db: &Db, p: &Principal, q: &Query) -> Result<Inbox> {
    let (page, count) = tokio::try_join!(inbox_page(db, p, q), inbox_count(db, p, q))?;
    Ok(Inbox {
        rows: page.rows,
        total: count.total,
        more: count.more,
        page: page.page,
        per_page: page.per_page,
    })
}

/// The page size and page number the query asks for, within what the inbox offers.
fn paging(q: &Query) -> (i64, i64) {
    let per_page = if PAGE_SIZES.contains(&q.per_page) {
        q.per_page
    } else {
        PAGE_SIZES[0]
    };
    (per_page, q.page.clamp(1, 1_000_000))
}

/// One page of the member's orders matching the query, without its count ([`inbox_count`]):
/// the inbox shows the rows while a common term is still being counted.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id))]
pub async fn inbox_page(db: &Db, p: &Principal, q: &Query) -> Result<InboxPage> {
    p.authorize(Permission::OrdersRead)?;
    let filter = filter(p, q)?;
    let (per_page, page) = paging(q);
    let rows = repo::list_page(db, &filter, per_page, (page - 1) * per_page).await?;
    Ok(InboxPage {
        rows,
        page,
        per_page,
    })
}

/// Up to `limit` of the member's orders matching the query, newest first, after the order
/// (placed, id) `after` (the JSON API's keyset paging: stable while orders arrive).
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id))]
pub async fn orders_after(
    db: &Db,
    p: &Principal,
    q: &Query,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<ListRow>> {
    p.authorize(Permission::OrdersRead)?;
    let mut filter = filter(
        p,
        &Query {
            sort: None,
            asc: false,
            ..q.clone()
        },
    )?;
    filter.after = after;
    // One more than a page's most, so a caller can tell whether another page follows.
    repo::list_page(db, &filter, limit.clamp(1, 1001), 0).await
}

/// How many of the member's orders match the query, counted up to [`COUNT_CAP`].
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id))]
pub async fn inbox_count(db: &Db, p: &Principal, q: &Query) -> Result<InboxCount> {
    p.authorize(Permission::OrdersRead)?;
    let filter = filter(p, q)?;
    let counted = repo::count(db, &filter, COUNT_CAP + 1).await?;
    let (total, more) = (counted.min(COUNT_CAP), counted > COUNT_CAP);
    let (per_page, page) = paging(q);
    Ok(InboxCount {
        total,
        more,
        pages: ((total + per_page - 1) / per_page)
            .max(1)
            .max(page + i64::from(more)),
    })
}

/// A mark that changes whenever one of the member's orders is created or updated.
pub async fn change_mark(db: &Db, p: &Principal) -> Result<String> {
    p.authorize(Permission::OrdersRead)?;
    let limited = p.store_limit();
    Ok(repo::latest_change(db, p.company_id, limited)
        .await?
        .map(|t| t.timestamp_micros().to_string())
        .unwrap_or_default())
}

/// An order with everything its page shows.
pub struct Detail {
    pub order: OrderRow,
    pub shipping: Option<Address>,
    pub billing: Option<Address>,
    pub items: Vec<Item>,
    pub events: Vec<EventRow>,
}

/// The order when it is the member's company's, in a store they may see (NotFound for any
/// other); the caller has checked the permission its work needs.
pub async fn visible_order(db: &Db, p: &Principal, id: Uuid) -> Result<OrderRow> {
    let limited = p.store_limit();
    repo::load_order(db, p.company_id, limited, id)
        .await?
        .ok_or(Error::NotFound)
}

#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id, order_id = %id))]
pub async fn detail(db: &Db, p: &Principal, id: Uuid) -> Result<Detail> {
    p.authorize(Permission::OrdersRead)?;
    let order = visible_order(db, p, id).await?;
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
    visible_order(db, p, id).await?;
    repo::payload(db, id).await?.ok_or(Error::NotFound)
}
