//! The dashboard's period: a preset (today, 7, 30 or 90 days, ending today) or a custom range
//! of local days, and the period of the same length just before it, which every figure is
//! compared with.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The longest custom range: two years.
pub const MAX_DAYS: i64 = 731;

/// The presets, as the address names them, with their labels.
pub const PRESETS: &[(&str, &str)] = &[
    ("today", "Today"),
    ("7d", "7 days"),
    ("30d", "30 days"),
    ("90d", "90 days"),
    ("custom", "Custom"),
];

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    /// The preset (`30d`) or `custom`.
    pub key: String,
    /// First and last day, inclusive, in the company's time zone.
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// Reads the address's `period`, `from` and `to` (an empty period is 30 days). A custom
    /// range must name both days, in order, at most two years apart; a bad one is refused at
    /// its field.
    pub fn parse(key: &str, from: &str, to: &str, today: NaiveDate) -> Result<Period> {
        let days_back = |n: i64| Period {
            key: key.to_string(),
            from: today - Duration::days(n - 1),
            to: today,
        };
        match key.trim() {
            "" | "30d" => Ok(Period {
                key: "30d".into(),
                ..days_back(30)
            }),
            "today" => Ok(days_back(1)),
            "7d" => Ok(days_back(7)),
            "90d" => Ok(days_back(90)),
            "custom" => {
                let day = |field: &str, label: &str, s: &str| -> Result<NaiveDate> {
                    let s = s.trim();
                    if s.is_empty() {
                        return Err(Error::validation(
                            field,
                            format!("Choose the {label} day of the range."),
                        ));
                    }
                    NaiveDate::parse_from_str(s, "%Y-%m-%d")
                        .map_err(|_| Error::validation(field, "Use a date such as 2026-03-14."))
                };
                let (from, to) = (day("from", "first", from)?, day("to", "last", to)?);
                if to < from {
                    return Err(Error::validation(
                        "to",
                        "The last day is before the first day.",
                    ));
                }
                if (to - from).num_days() + 1 > MAX_DAYS {
                    return Err(Error::validation(
                        "to",
                        "A range can be at most two years long.",
                    ));
                }
                Ok(Period {
                    key: "custom".into(),
                    from,
                    to,
                })
            }
            _ => Err(Error::validation(
                "period",
                "Choose today, 7, 30 or 90 days, or a custom range.",
            )),
        }
    }

    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// The period of the same length that ends the day before this one begins.
    pub fn previous(&self) -> Period {
        let n = self.days();
        Period {
            key: self.key.clone(),
            from: self.from - Duration::days(n),
            to: self.from - Duration::days(1),
        }
    }

    /// Every day of the period, in order.
    pub fn each_day(&self) -> impl Iterator<Item = NaiveDate> {
        let from = self.from;
        (0..self.days()).map(move |i| from + Duration::days(i))
    }

    /// The period as UTC instants [start, end) in time zone `tz`: where hourly rollups are cut.
    pub fn instants(&self, tz: &str) -> (DateTime<Utc>, DateTime<Utc>) {
        (
            midnight(tz, self.from),
            midnight(tz, self.to + Duration::days(1)),
        )
    }
}

/// The first instant of `day` in time zone `tz` (UTC when it cannot be read), rounded down to
/// the hour (the token rollups are hourly; a zone with a half-hour offset is read to the hour).
pub fn midnight(tz: &str, day: NaiveDate) -> DateTime<Utc> {
    let zone: chrono_tz::Tz = tz.parse().unwrap_or(chrono_tz::UTC);
    let local = zone
        .from_local_datetime(&day.and_time(NaiveTime::MIN))
        .earliest()
        // A day that begins in a DST gap (no 00:00): its first hour.
        .or_else(|| {
            zone.from_local_datetime(&day.and_hms_opt(1, 0, 0).unwrap_or_default())
                .earliest()
        })
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&day.and_time(NaiveTime::MIN)));
    let secs = local.timestamp();
    Utc.timestamp_opt(secs - secs.rem_euclid(3600), 0)
        .single()
        .unwrap_or(local)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn field(r: Result<Period>) -> String {
        match r {
            Err(Error::Validation { field, .. }) => field,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn presets_end_today_and_compare_with_the_days_before() {
        let today = d("2026-12-04");
        let p = Period::parse("7d", "", "", today).unwrap();
        assert_eq!((p.from, p.to, p.days()), (d("2026-11-28"), today, 7));
        let before = p.previous();
        assert_eq!((before.from, before.to), (d("2026-11-21"), d("2026-11-27")));
        assert_eq!(Period::parse("", "", "", today).unwrap().days(), 30);
        assert_eq!(Period::parse("today", "", "", today).unwrap().from, today);
        assert_eq!(
            Period::parse("90d", "", "", today)
                .unwrap()
                .each_day()
                .count(),
            90
        );
    }

    #[test]
    fn custom_ranges_are_checked_at_their_field() {
        let today = d("2026-12-04");
        let p = Period::parse("custom", "2026-01-01", "2026-01-31", today).unwrap();
        assert_eq!((p.days(), p.previous().from), (31, d("2025-12-01")));
        assert_eq!(
            field(Period::parse("custom", "", "2026-01-31", today)),
            "from"
        );
        assert_eq!(
            field(Period::parse("custom", "2026-01-31", "2026-01-01", today)),
            "to"
        );
        assert_eq!(
            field(Period::parse("custom", "2024-01-01", "2026-01-31", today)),
            "to"
        );
        assert_eq!(
            field(Period::parse("custom", "31/01/2026", "2026-02-01", today)),
            "from"
        );
        assert_eq!(field(Period::parse("week", "", "", today)), "period");
        // Two years exactly is allowed.
        assert!(Period::parse("custom", "2024-12-04", "2026-12-04", today).is_ok());
    }

    #[test]
    fn a_local_day_begins_at_its_zones_midnight() {
        // Bucharest is UTC+2 in winter, UTC+3 in summer.
        assert_eq!(
            midnight("Europe/Bucharest", d("2026-12-04")),
            Utc.with_ymd_and_hms(2026, 12, 3, 22, 0, 0).unwrap()
        );
        assert_eq!(
            midnight("Europe/Bucharest", d("2026-07-04")),
            Utc.with_ymd_and_hms(2026, 7, 3, 21, 0, 0).unwrap()
        );
        // Kolkata (UTC+5:30) is read to the hour.
        assert_eq!(
            midnight("Asia/Kolkata", d("2026-12-04")),
            Utc.with_ymd_and_hms(2026, 12, 3, 18, 0, 0).unwrap()
        );
        let p = Period::parse("today", "", "", d("2026-12-04")).unwrap();
        let (a, b) = p.instants("UTC");
        assert_eq!((b - a).num_hours(), 24);
    }
}
