//! The dashboard's figures. For now: the team and its activity, the only data that exists yet.

use chrono::{DateTime, NaiveTime, TimeZone, Utc};
use serde::Serialize;

use crate::access::{Permission, Principal};
use crate::{
    audit::{self, Action, EventRow},
    error::Result,
    identity, Db,
};

#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub members: i64,
    pub events_today: i64,
    pub sign_ins_today: i64,
    pub failed_sign_ins_today: i64,
    /// The latest audit entries, for members who may read the audit log (None otherwise).
    pub recent: Option<Vec<EventRow>>,
}

/// Midnight today in the company's time zone, as a UTC instant.
pub fn start_of_today(timezone: &str, now: DateTime<Utc>) -> DateTime<Utc> {
    let tz: chrono_tz::Tz = timezone.parse().unwrap_or(chrono_tz::UTC);
    let local_date = now.with_timezone(&tz).date_naive();
    tz.from_local_datetime(&local_date.and_time(NaiveTime::MIN))
        .earliest()
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or(now)
}

#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id), err)]
pub async fn summary(db: &Db, p: &Principal) -> Result<Summary> {
    let since = start_of_today(&p.timezone, Utc::now());
    let may_read_audit = p.permissions.contains(Permission::AuditRead);
    // Independent reads: run them at once rather than paying each round trip in turn.
    let (members, events_today, sign_ins_today, failed_sign_ins_today, recent) = tokio::try_join!(
        identity::count_members(db, p.company_id),
        audit::count_since(db, p.company_id, None, since),
        audit::count_since(db, p.company_id, Some(Action::Login), since),
        audit::count_since(db, p.company_id, Some(Action::LoginFailed), since),
        async {
            if may_read_audit {
                audit::recent(db, p.company_id, 8).await.map(Some)
            } else {
                Ok(None)
            }
        },
    )?;
    Ok(Summary {
        members,
        events_today,
        sign_ins_today,
        failed_sign_ins_today,
        recent,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_starts_at_local_midnight() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 22, 30, 0).unwrap();
        assert_eq!(
            start_of_today("UTC", now),
            Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap()
        );
        // Bucharest is UTC+2 in November: 00:30 local on the 24th, day began 22:00 UTC.
        assert_eq!(
            start_of_today("Europe/Bucharest", now),
            Utc.with_ymd_and_hms(2026, 11, 23, 22, 0, 0).unwrap()
        );
        assert_eq!(
            start_of_today("America/New_York", now),
            Utc.with_ymd_and_hms(2026, 11, 23, 5, 0, 0).unwrap()
        );
    }
}
