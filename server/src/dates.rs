//! Date filters as lists take them: a preset (today, week, month, last_month) or explicit
//! YYYY-MM-DD days, in a member's time zone. Shared by every list and export with a period.

use chrono::{Datelike, Duration, NaiveDate};

use crate::error::{Error, Result};

/// A moment as a member reads it in time zone `tz` (UTC when it cannot be read): "14:02" today,
/// "1 Dec 14:02" another day.
pub fn local_time(tz: &str, at: chrono::DateTime<chrono::Utc>) -> String {
    let tz: chrono_tz::Tz = tz.parse().unwrap_or(chrono_tz::UTC);
    let local = at.with_timezone(&tz);
    if local.date_naive() == chrono::Utc::now().with_timezone(&tz).date_naive() {
        local.format("%H:%M").to_string()
    } else {
        local.format("%-d %b %H:%M").to_string()
    }
}

/// The date it is in time zone `tz` (UTC when it cannot be read) at `at`: the day an order or
/// an analysis counts under in the dashboard's rollups.
pub fn local_day(tz: &str, at: chrono::DateTime<chrono::Utc>) -> NaiveDate {
    let tz: chrono_tz::Tz = tz.parse().unwrap_or(chrono_tz::UTC);
    at.with_timezone(&tz).date_naive()
}

/// The days (inclusive) a preset or explicit dates stand for, in time zone `tz` (UTC when it
/// cannot be read). A bad date or an end before the start is refused at its field.
pub fn range(
    tz: &str,
    preset: &str,
    from: &str,
    to: &str,
) -> Result<(Option<NaiveDate>, Option<NaiveDate>)> {
    let tz: chrono_tz::Tz = tz.parse().unwrap_or(chrono_tz::UTC);
    let today = chrono::Utc::now().with_timezone(&tz).date_naive();
    let first_of_month = today.with_day(1).unwrap_or(today);
    match preset {
        "today" => return Ok((Some(today), Some(today))),
        "week" => {
            let start = today - Duration::days(today.weekday().num_days_from_monday() as i64);
            return Ok((Some(start), Some(today)));
        }
        "month" => return Ok((Some(first_of_month), Some(today))),
        "last_month" => {
            let end = first_of_month - Duration::days(1);
            return Ok((end.with_day(1), Some(end)));
        }
        _ => {}
    }
    let parse = |field: &str, s: &str| -> Result<Option<NaiveDate>> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(None);
        }
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| Error::validation(field, "Use a date such as 2026-03-14."))
    };
    let (f, t) = (parse("from", from)?, parse("to", to)?);
    if let (Some(f), Some(t)) = (f, t) {
        if f > t {
            return Err(Error::validation(
                "to",
                "The end date is before the start date.",
            ));
        }
    }
    Ok((f, t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_and_dates_resolve_and_bad_ones_name_their_field() {
        let (f, t) = range("UTC", "today", "", "").unwrap();
        assert_eq!(f, t);
        assert_eq!(
            range("UTC", "", "2026-03-01", "2026-03-14").unwrap(),
            ("2026-03-01".parse().ok(), "2026-03-14".parse().ok())
        );
        let field = |r: Result<_>| match r {
            Err(Error::Validation { field, .. }) => field,
            _ => String::new(),
        };
        assert_eq!(field(range("UTC", "", "14/03/2026", "")), "from");
        assert_eq!(field(range("UTC", "", "2026-03-14", "2026-03-01")), "to");
    }
}
