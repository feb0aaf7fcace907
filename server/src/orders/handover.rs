//! The daily handover of parcels to the courier (`/orders/handover`). Staff scan each parcel's
//! AWB (a barcode reader types the number and Enter) or tick AWBs in the list as the courier
//! takes them; the day closes at the account's set time in the company's time zone (default
//! 20:00), by the `orders.handover-close` job or earlier by hand, and the AWBs still waiting
//! are kept as that day's misses ("not handed over").
//!
//! A day is the company's local date. Once today is closed, scans count for tomorrow. AWBs made
//! more than `WINDOW_DAYS` ago and never scanned are no longer waited for, so a company that
//! does not use the handover does not pile them up; scanning one by number still works.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

pub use super::repo::handover::HandoverAwbRow;
use super::repo::{
    self,
    handover::{self as sql, ClosedRow, Closing},
};
use crate::{
    access::{Permission, Principal},
    audit::{self, Action, Entry, RequestMeta},
    Db, Error, Result,
};

pub const CLOSE_KIND: &str = "orders.handover-close";
/// How often the close job looks for days to close.
pub const CLOSE_EVERY: std::time::Duration = std::time::Duration::from_secs(300);
/// The close time of a new account.
pub const DEFAULT_CLOSE: &str = "20:00";
/// AWBs older than this are not waited for.
const WINDOW_DAYS: i64 = 7;
/// Rows shown per list, and AWBs ticked at once.
const LIST_LIMIT: i64 = 1000;
pub const TICK_MAX: usize = 1000;
/// Closed days listed.
const RECENT_DAYS: i64 = 14;

/// A close time as typed ("20:00", "9:30"); empty is the default.
pub fn close_time(typed: &str) -> Result<NaiveTime> {
    let t = typed.trim();
    let t = if t.is_empty() { DEFAULT_CLOSE } else { t };
    NaiveTime::parse_from_str(t, "%H:%M").map_err(|_| {
        Error::validation(
            "handover_close",
            "Enter the handover close time as HH:MM, for example 20:00.",
        )
    })
}

fn zone(name: &str) -> Tz {
    name.parse().unwrap_or(chrono_tz::Europe::Bucharest)
}

fn day_key(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// The day a scan counts for now: today in the company's zone, or tomorrow once today is closed.
async fn open_day(
    tx: &mut crate::db::Tx,
    company_id: Uuid,
    tz: Tz,
    now: DateTime<Utc>,
) -> Result<NaiveDate> {
    let today = now.with_timezone(&tz).date_naive();
    Ok(if sql::is_closed(tx, company_id, &day_key(today)).await? {
        today.succ_opt().unwrap_or(today)
    } else {
        today
    })
}

/// A closed day as the page lists it.
#[derive(Clone, Debug)]
pub struct ClosedDay {
    pub day: NaiveDate,
    pub closed_at: DateTime<Utc>,
    /// Who closed it by hand; None when it closed at the set time.
    pub closed_by: Option<String>,
    pub by_person: bool,
    pub handed_over: i64,
    pub missed: i64,
}

impl ClosedDay {
    fn from_row(r: ClosedRow) -> Option<(Uuid, ClosedDay)> {
        let day = NaiveDate::parse_from_str(&r.day, "%Y-%m-%d").ok()?;
        Some((
            r.id,
            ClosedDay {
                day,
                closed_at: r.closed_at,
                closed_by: r.closed_by_name,
                by_person: r.by_person,
                handed_over: r.handed_over,
                missed: r.missed,
            },
        ))
    }
}

/// What `/orders/handover` shows: the open day (waiting and handed over), or a closed day
/// (handed over and missed), and the latest closed days.
#[derive(Clone, Debug)]
pub struct HandoverView {
    pub day: NaiveDate,
    /// Set when the day shown is closed.
    pub closed: Option<ClosedDay>,
    pub timezone: String,
    /// "HH:MM"; None when no courier account is connected.
    pub close_time: Option<String>,
    pub waiting: Vec<HandoverAwbRow>,
    pub handed_over: Vec<HandoverAwbRow>,
    pub missed: Vec<HandoverAwbRow>,
    pub recent: Vec<ClosedDay>,
    pub can_scan: bool,
    pub can_close: bool,
}

/// The handover page (orders.read): the open day, or `day` when it is a closed one.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id), err(level = "info"))]
pub async fn view(db: &Db, p: &Principal, day: Option<NaiveDate>) -> Result<HandoverView> {
    p.authorize(Permission::OrdersRead)?;
    let tz = zone(&p.timezone);
    let now = Utc::now();
    let open = {
        let mut tx = db.begin().await?;
        let d = open_day(&mut tx, p.company_id, tz, now).await?;
        tx.commit().await?;
        d
    };
    let recent: Vec<ClosedDay> = sql::recent_closed(db, p.company_id, RECENT_DAYS)
        .await?
        .into_iter()
        .filter_map(|r| ClosedDay::from_row(r).map(|(_, d)| d))
        .collect();
    let close_time = sql::close_time(db, p.company_id).await?;
    let mut v = HandoverView {
        day: open,
        closed: None,
        timezone: tz.name().to_string(),
        close_time,
        waiting: Vec::new(),
        handed_over: Vec::new(),
        missed: Vec::new(),
        recent,
        can_scan: p.permissions.contains(Permission::OrdersWrite),
        can_close: p.permissions.contains(Permission::OrdersWrite) && p.sees_all_stores(),
    };
    let who = p.store_limit();
    match day.filter(|d| *d != open) {
        None => {
            let since = now - Duration::days(WINDOW_DAYS);
            let key = day_key(open);
            let (waiting, handed) = tokio::try_join!(
                sql::waiting(db, p.company_id, who, since, LIST_LIMIT),
                sql::handed_over_in(db, p.company_id, who, &key, LIST_LIMIT),
            )?;
            v.waiting = waiting;
            v.handed_over = handed;
        }
        Some(d) => {
            let (id, closed) = sql::closed_day(db, p.company_id, &day_key(d))
                .await?
                .and_then(ClosedDay::from_row)
                .ok_or(Error::NotFound)?;
            let key = day_key(d);
            let (handed, missed) = tokio::try_join!(
                sql::handed_over_in(db, p.company_id, who, &key, LIST_LIMIT),
                sql::missed_by(db, p.company_id, who, id, LIST_LIMIT),
            )?;
            v.day = d;
            v.closed = Some(closed);
            v.handed_over = handed;
            v.missed = missed;
        }
    }
    Ok(v)
}

/// What a scan found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scanned {
    /// Handed over now, in this day.
    HandedOver { number: String, day: NaiveDate },
    /// It was handed over already: when and by whom.
    Already {
        number: String,
        at: DateTime<Utc>,
        by: Option<String>,
    },
}

fn audit_entry(p: &Principal, action: Action, details: serde_json::Value) -> Entry {
    Entry::by(p, action, Some("courier:handover".into()), details)
}

/// Hands over the AWB with this number (orders.write): an active AWB of the member's stores.
/// A second scan of the same parcel says when it was handed over and changes nothing.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id), err(level = "info"))]
pub async fn scan(db: &Db, p: &Principal, meta: &RequestMeta, typed: &str) -> Result<Scanned> {
    p.authorize(Permission::OrdersWrite)?;
    let number = typed.trim();
    if number.is_empty() || number.len() > 40 || !number.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return Err(Error::validation(
            "awb",
            "Scan or type an AWB number (letters and digits).",
        ));
    }
    let tz = zone(&p.timezone);
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let found = sql::find_active(&mut tx, p.company_id, p.store_limit(), number)
        .await?
        .ok_or_else(|| {
            Error::validation(
                "awb",
                "No active AWB with that number in your stores. Check the number, or create the AWB first.",
            )
        })?;
    if let Some(at) = found.handed_over_at {
        return Ok(Scanned::Already {
            number: number.to_string(),
            at,
            by: found.handed_over_by_name,
        });
    }
    let day = open_day(&mut tx, p.company_id, tz, now).await?;
    let Some((order_id, number)) = sql::hand_over(
        &mut tx,
        p.company_id,
        p.store_limit(),
        found.id,
        p.user_id,
        &day_key(day),
        now,
    )
    .await?
    else {
        return Err(Error::Conflict(
            "The AWB changed meanwhile; scan it again.".into(),
        ));
    };
    handed_over(&mut tx, p, meta, &[(order_id, number.clone())], now).await?;
    tx.commit().await?;
    Ok(Scanned::HandedOver { number, day })
}

/// Writes the orders' timelines and one audit entry for AWBs just handed over.
async fn handed_over(
    tx: &mut crate::db::Tx,
    p: &Principal,
    meta: &RequestMeta,
    done: &[(Uuid, String)],
    now: DateTime<Utc>,
) -> Result<()> {
    for (order_id, number) in done {
        repo::add_event(
            tx,
            p.company_id,
            *order_id,
            "awb",
            Some(p.user_id),
            &format!("AWB {number} handed over to FAN Courier."),
            now,
        )
        .await?;
    }
    let numbers: Vec<&str> = done.iter().take(50).map(|(_, n)| n.as_str()).collect();
    audit::record(
        tx,
        meta,
        audit_entry(
            p,
            Action::AwbHandedOver,
            serde_json::json!({ "count": done.len(), "awbs": numbers }),
        ),
    )
    .await
}

/// Hands over the ticked AWBs (orders.write); those not waiting or not the member's are left
/// alone. Answers how many were handed over now.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id), err(level = "info"))]
pub async fn tick(db: &Db, p: &Principal, meta: &RequestMeta, ids: &[Uuid]) -> Result<usize> {
    p.authorize(Permission::OrdersWrite)?;
    if ids.is_empty() {
        return Err(Error::validation("ids", "Tick the AWBs the courier took."));
    }
    if ids.len() > TICK_MAX {
        return Err(Error::validation(
            "ids",
            "Tick at most 1,000 AWBs at a time.",
        ));
    }
    let tz = zone(&p.timezone);
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let day = day_key(open_day(&mut tx, p.company_id, tz, now).await?);
    let mut done = Vec::new();
    for id in ids {
        if let Some(d) = sql::hand_over(
            &mut tx,
            p.company_id,
            p.store_limit(),
            *id,
            p.user_id,
            &day,
            now,
        )
        .await?
        {
            done.push(d);
        }
    }
    if !done.is_empty() {
        handed_over(&mut tx, p, meta, &done, now).await?;
    }
    tx.commit().await?;
    Ok(done.len())
}

/// What closing a day did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Closed {
    pub day: NaiveDate,
    pub handed_over: i64,
    pub missed: i64,
}

async fn close_day(
    db: &Db,
    company_id: Uuid,
    day: NaiveDate,
    by: Option<Uuid>,
    now: DateTime<Utc>,
    audit_as: impl FnOnce(&Closed) -> (RequestMeta, Entry),
) -> Result<Option<Closed>> {
    let mut tx = db.begin().await?;
    let key = day_key(day);
    let closing = Closing {
        id: Uuid::now_v7(),
        company_id,
        day: &key,
        by,
        now,
        since: now - Duration::days(WINDOW_DAYS),
    };
    let Some((handed_over, missed)) = sql::close(&mut tx, &closing).await? else {
        return Ok(None);
    };
    let closed = Closed {
        day,
        handed_over,
        missed,
    };
    let (meta, entry) = audit_as(&closed);
    audit::record(&mut tx, &meta, entry).await?;
    tx.commit().await?;
    Ok(Some(closed))
}

/// Closes today before the set time (orders.write, and every store: a day covers them all).
/// Today already closed is refused, so a second click never closes tomorrow.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id), err(level = "info"))]
pub async fn close_now(db: &Db, p: &Principal, meta: &RequestMeta) -> Result<Closed> {
    p.authorize(Permission::OrdersWrite)?;
    if !p.sees_all_stores() {
        return Err(Error::Forbidden);
    }
    let tz = zone(&p.timezone);
    let now = Utc::now();
    let today = now.with_timezone(&tz).date_naive();
    let meta = meta.clone();
    close_day(db, p.company_id, today, Some(p.user_id), now, |c| {
        (
            meta,
            audit_entry(
                p,
                Action::HandoverClosed,
                serde_json::json!({ "day": day_key(c.day), "handed_over": c.handed_over, "missed": c.missed }),
            ),
        )
    })
    .await?
    .ok_or_else(|| {
        Error::Conflict("Today's handover is closed already; scans now count for tomorrow.".into())
    })
}

/// The close job's pass: closes today for every company whose close time has passed in its
/// zone. Closing is once per company and day, so a pass run twice closes nothing twice.
pub async fn close_due(db: &Db, now: DateTime<Utc>) -> Result<usize> {
    let mut closed = 0;
    for (company_id, timezone, at) in sql::schedules(db).await? {
        let local = now.with_timezone(&zone(&timezone));
        let at =
            close_time(&at).unwrap_or_else(|_| NaiveTime::from_hms_opt(20, 0, 0).expect("valid"));
        if local.time() < at {
            continue;
        }
        let day = local.date_naive();
        // A read first, so the passes after the close time write nothing.
        if sql::closed_day(db, company_id, &day_key(day))
            .await?
            .is_some()
        {
            continue;
        }
        let done = close_day(db, company_id, day, None, now, |c| {
            (
                RequestMeta::default(),
                Entry {
                    company_id: Some(company_id),
                    actor_id: None,
                    action: Action::HandoverClosed,
                    target: Some("courier:handover".into()),
                    details: serde_json::json!({
                        "day": day_key(c.day), "handed_over": c.handed_over, "missed": c.missed, "at": "set time"
                    }),
                },
            )
        })
        .await?;
        if let Some(c) = done {
            tracing::info!(%company_id, day = %c.day, handed_over = c.handed_over, missed = c.missed, "courier handover closed");
            closed += 1;
        }
    }
    Ok(closed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_times_are_read_strictly() {
        assert_eq!(
            close_time("").unwrap(),
            NaiveTime::from_hms_opt(20, 0, 0).unwrap()
        );
        assert_eq!(
            close_time(" 9:30 ").unwrap(),
            NaiveTime::from_hms_opt(9, 30, 0).unwrap()
        );
        for bad in ["24:00", "20", "20:60", "8pm", "20:00:00", "-1:00"] {
            assert!(close_time(bad).is_err(), "{bad}");
        }
    }
}
