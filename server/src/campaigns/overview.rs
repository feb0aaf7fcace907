//! What the campaign pages read (campaigns.read): the campaigns of the imported accounts with
//! their figures over a period (the last 7, 30 or 90 days, or chosen dates), today's budget
//! pacing in each account's own day, and totals and a spend-against-purchase-value series per
//! platform and currency, never added across them.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

use super::{
    metrics::{self, Pacing, Platform, Totals},
    platform, repo,
};
use crate::{
    access::{Permission, Principal},
    Db, Error, Result,
};

/// The longest period a page reads.
pub const MAX_DAYS: i64 = 366;

/// The days a page covers, both ends included.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Period {
    /// "7", "30", "90" or "custom".
    pub preset: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    pub fn days(&self) -> Vec<NaiveDate> {
        self.from
            .iter_days()
            .take_while(|d| *d <= self.to)
            .collect()
    }
}

/// Reads a period as the address gives it: a preset of the last 7, 30 (the default) or 90 days
/// ending `today`, or "custom" with both dates. Bad dates are refused at their field.
pub fn period(preset: &str, from: &str, to: &str, today: NaiveDate) -> Result<Period> {
    let last = |n: i64, preset: &str| Period {
        preset: preset.to_string(),
        from: today - Duration::days(n - 1),
        to: today,
    };
    match preset.trim() {
        "7" => return Ok(last(7, "7")),
        "" | "30" => return Ok(last(30, "30")),
        "90" => return Ok(last(90, "90")),
        "custom" => {}
        _ => {
            return Err(Error::validation(
                "range",
                "Choose the last 7, 30 or 90 days, or your own dates.",
            ))
        }
    }
    let day = |field: &str, raw: &str| {
        NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
            .map_err(|_| Error::validation(field, "Use a date such as 2026-03-14."))
    };
    let (from, to) = (day("from", from)?, day("to", to)?);
    if from > to {
        return Err(Error::validation(
            "to",
            "The end date is before the start date.",
        ));
    }
    if (to - from).num_days() + 1 > MAX_DAYS {
        return Err(Error::validation(
            "from",
            format!("Choose at most {MAX_DAYS} days."),
        ));
    }
    Ok(Period {
        preset: "custom".into(),
        from,
        to,
    })
}

/// Narrows the list (empty strings leave it whole).
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// "meta" or "tiktok".
    pub platform: String,
    /// ACTIVE, PAUSED, ARCHIVED or DELETED.
    pub status: String,
    /// Part of the campaign's or its account's name.
    pub search: String,
}

impl Filter {
    fn keeps(&self, c: &repo::ListedCampaign) -> bool {
        let search = self.search.trim().to_lowercase();
        (self.platform.is_empty() || c.platform == self.platform)
            && (self.status.is_empty() || c.status.eq_ignore_ascii_case(&self.status))
            && (search.is_empty()
                || c.name.to_lowercase().contains(&search)
                || c.account_name.to_lowercase().contains(&search))
    }
}

/// A campaign with its figures over the period.
#[derive(Clone, Debug)]
pub struct Line {
    pub campaign: repo::ListedCampaign,
    pub platform: Platform,
    pub totals: Totals,
    /// Spent today, in the account's own day.
    pub spend_today_minor: i64,
    /// Today's spend against the daily budget at this hour (None without a daily budget).
    pub pacing: Option<Pacing>,
}

/// One platform in one currency: its campaigns' totals and, per day of the period, spend and
/// purchase value.
#[derive(Clone, Debug)]
pub struct Group {
    pub platform: Platform,
    pub currency: String,
    pub campaigns: usize,
    pub totals: Totals,
    /// (day, spend, purchase value), every day of the period (0 when nothing was spent).
    pub days: Vec<(NaiveDate, i64, i64)>,
}

#[derive(Clone, Debug)]
pub struct Overview {
    pub period: Period,
    pub lines: Vec<Line>,
    pub groups: Vec<Group>,
    /// Imported accounts exist (an empty list then means nothing matched, or nothing synced).
    pub any_campaign: bool,
}

/// Today in the account's time zone.
fn today_in(tz: &str, now: DateTime<Utc>) -> (NaiveDate, f64) {
    let tz: Tz = tz.parse().unwrap_or(chrono_tz::UTC);
    (
        now.with_timezone(&tz).date_naive(),
        metrics::day_elapsed(now, tz),
    )
}

/// The campaigns and their figures over `period`, narrowed by `filter`.
pub async fn overview(
    db: &Db,
    p: &Principal,
    period: Period,
    filter: &Filter,
    now: DateTime<Utc>,
) -> Result<Overview> {
    p.authorize(Permission::CampaignsRead)?;
    let all = repo::listed_campaigns(db, p.company_id, None).await?;
    let any_campaign = !all.is_empty();
    // The period's days and the last two (today in any time zone lies among them).
    let utc_today = now.date_naive();
    let from = period.from.min(utc_today - Duration::days(1));
    let to = period.to.max(utc_today + Duration::days(1));
    let rows = if all.is_empty() {
        Vec::new()
    } else {
        repo::company_days(db, p.company_id, from, to).await?
    };
    // Each campaign's days, read once: the period's for its figures, today's for its pacing.
    let mut by_campaign: HashMap<Uuid, Vec<(NaiveDate, Totals)>> = HashMap::new();
    for (id, day, t) in rows {
        by_campaign.entry(id).or_default().push((day, t));
    }
    let lines: Vec<Line> = all
        .into_iter()
        .filter(|c| filter.keeps(c))
        .filter_map(|c| {
            let days = by_campaign
                .get(&c.id)
                .map(Vec::as_slice)
                .unwrap_or_default();
            line(c, days, &period, now)
        })
        .collect();
    let groups = groups(&lines, &period, &by_campaign);
    Ok(Overview {
        period,
        lines,
        groups,
        any_campaign,
    })
}

fn line(
    campaign: repo::ListedCampaign,
    days: &[(NaiveDate, Totals)],
    period: &Period,
    now: DateTime<Utc>,
) -> Option<Line> {
    let platform = platform::from_code(&campaign.platform)?;
    let mut totals = Totals::default();
    for (day, t) in days {
        if *day >= period.from && *day <= period.to {
            totals.add(t);
        }
    }
    let (today, elapsed) = today_in(&campaign.time_zone, now);
    let spend_today_minor = days
        .iter()
        .find(|(d, _)| *d == today)
        .map_or(0, |(_, t)| t.spend_minor);
    let pacing = campaign
        .daily_budget_minor
        .filter(|_| campaign.status == "ACTIVE")
        .and_then(|b| metrics::pacing(spend_today_minor, b, elapsed));
    Some(Line {
        campaign,
        platform,
        totals,
        spend_today_minor,
        pacing,
    })
}

fn groups(
    lines: &[Line],
    period: &Period,
    days: &HashMap<Uuid, Vec<(NaiveDate, Totals)>>,
) -> Vec<Group> {
    let mut out: BTreeMap<(Platform, String), Group> = BTreeMap::new();
    let all_days = period.days();
    for l in lines {
        let g = out
            .entry((l.platform, l.campaign.currency.clone()))
            .or_insert_with(|| Group {
                platform: l.platform,
                currency: l.campaign.currency.clone(),
                campaigns: 0,
                totals: Totals::default(),
                days: all_days.iter().map(|d| (*d, 0, 0)).collect(),
            });
        g.campaigns += 1;
        g.totals.add(&l.totals);
        for (day, t) in days.get(&l.campaign.id).into_iter().flatten() {
            if *day < period.from || *day > period.to {
                continue;
            }
            let i = (*day - period.from).num_days();
            if let Some(slot) = usize::try_from(i).ok().and_then(|i| g.days.get_mut(i)) {
                slot.1 += t.spend_minor;
                slot.2 += t.purchase_value_minor;
            }
        }
    }
    out.into_values().collect()
}

/// One campaign over the period: its line, and every day of the period with its figures.
#[derive(Clone, Debug)]
pub struct Detail {
    pub line: Line,
    pub days: Vec<(NaiveDate, Totals)>,
}

pub async fn campaign(
    db: &Db,
    p: &Principal,
    id: Uuid,
    period: Period,
    now: DateTime<Utc>,
) -> Result<Detail> {
    p.authorize(Permission::CampaignsRead)?;
    let c = repo::listed_campaigns(db, p.company_id, Some(id))
        .await?
        .into_iter()
        .next()
        .ok_or(Error::NotFound)?;
    let utc_today = now.date_naive();
    let rows = repo::campaign_days(
        db,
        c.id,
        period.from.min(utc_today - Duration::days(1)),
        period.to.max(utc_today + Duration::days(1)),
    )
    .await?;
    let days: Vec<(NaiveDate, Totals)> = period
        .days()
        .into_iter()
        .map(|d| {
            let t = rows
                .iter()
                .find(|(day, _)| *day == d)
                .map(|(_, t)| *t)
                .unwrap_or_default();
            (d, t)
        })
        .collect();
    let line = line(c, &rows, &period, now).ok_or(Error::NotFound)?;
    Ok(Detail { line, days })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn presets_end_today_and_chosen_dates_are_checked_at_their_field() {
        let today = d("2026-12-03");
        let p = period("7", "", "", today).unwrap();
        assert_eq!((p.from, p.to, p.days().len()), (d("2026-11-27"), today, 7));
        assert_eq!(period("", "", "", today).unwrap().days().len(), 30);
        assert_eq!(period("90", "", "", today).unwrap().from, d("2026-09-05"));
        let p = period("custom", "2026-11-01", "2026-11-01", today).unwrap();
        assert_eq!(p.days(), vec![d("2026-11-01")]);
        let field = |r: Result<Period>| match r {
            Err(Error::Validation { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(period("14", "", "", today)), "range");
        assert_eq!(
            field(period("custom", "2026-13-01", "2026-12-01", today)),
            "from"
        );
        assert_eq!(field(period("custom", "2026-12-01", "", today)), "to");
        assert_eq!(
            field(period("custom", "2026-12-02", "2026-12-01", today)),
            "to"
        );
        assert_eq!(
            field(period("custom", "2024-01-01", "2026-12-01", today)),
            "from"
        );
    }
}
