//! The figures of the campaign list, worked out from a period's totals: the ratios are `None`
//! when their denominator is zero (shown as "—": a campaign without clicks has no cost per
//! click, not a cost of 0 or of infinity), and budget pacing compares today's spend with the
//! share of the daily budget the hour allows. Totals are only ever added within one platform
//! and one currency: a Meta conversion and a TikTok conversion are counted differently, and
//! lei are not euros.

use std::collections::BTreeMap;

use chrono::{DateTime, Timelike, Utc};
use chrono_tz::Tz;

/// The advertising platforms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Platform {
    Meta,
    TikTok,
}

/// A campaign's totals over some days; money in minor units of the ad account's currency.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub spend_minor: i64,
    pub impressions: i64,
    pub clicks: i64,
    pub conversions: i64,
    pub purchase_value_minor: i64,
}

impl Totals {
    /// Adds another day (or campaign) of the same platform and currency.
    pub fn add(&mut self, o: &Totals) {
        self.spend_minor = self.spend_minor.saturating_add(o.spend_minor);
        self.impressions = self.impressions.saturating_add(o.impressions);
        self.clicks = self.clicks.saturating_add(o.clicks);
        self.conversions = self.conversions.saturating_add(o.conversions);
        self.purchase_value_minor = self
            .purchase_value_minor
            .saturating_add(o.purchase_value_minor);
    }

    /// Click-through rate, in percent: clicks per 100 impressions.
    pub fn ctr_percent(&self) -> Option<f64> {
        ratio(self.clicks, self.impressions).map(|r| r * 100.0)
    }

    /// Cost per click, in minor units (rounded to the nearest).
    pub fn cpc_minor(&self) -> Option<i64> {
        per(self.spend_minor, self.clicks)
    }

    /// Cost per conversion (acquisition), in minor units (rounded to the nearest).
    pub fn cpa_minor(&self) -> Option<i64> {
        per(self.spend_minor, self.conversions)
    }

    /// Return on ad spend: purchase value for each unit spent.
    pub fn roas(&self) -> Option<f64> {
        ratio(self.purchase_value_minor, self.spend_minor)
    }
}

fn ratio(num: i64, den: i64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

/// `num / den` rounded half away from zero, exactly (no floating point).
fn per(num: i64, den: i64) -> Option<i64> {
    if den <= 0 {
        return None;
    }
    let (q, r) = (num / den, num % den);
    Some(if 2 * r.abs() >= den {
        q + num.signum()
    } else {
        q
    })
}

/// Sums rows by platform and currency, never across them.
pub fn by_platform<'a>(
    rows: impl IntoIterator<Item = (Platform, &'a str, Totals)>,
) -> BTreeMap<(Platform, String), Totals> {
    let mut out: BTreeMap<(Platform, String), Totals> = BTreeMap::new();
    for (platform, currency, t) in rows {
        out.entry((platform, currency.to_string()))
            .or_default()
            .add(&t);
    }
    out
}

/// How today's spend compares with the daily budget at this hour.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pacing {
    /// What an even spend would have reached by now, in minor units.
    pub expected_minor: i64,
    /// Today's spend over `expected_minor` (None in the day's first second).
    pub ratio: Option<f64>,
    pub state: PaceState,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaceState {
    /// Spending less than 80 % of the even pace.
    Under,
    OnPace,
    /// Spending more than 120 % of the even pace.
    Over,
    /// The whole daily budget is spent.
    Spent,
}

/// How much of the day has gone at `now` in the account's time zone (0.0 at midnight, just
/// under 1.0 at 23:59:59).
pub fn day_elapsed(now: DateTime<Utc>, tz: Tz) -> f64 {
    let local = now.with_timezone(&tz);
    f64::from(local.num_seconds_from_midnight()) / 86_400.0
}

/// Pacing of today's spend against a daily budget; None without a (positive) daily budget.
pub fn pacing(spend_today_minor: i64, daily_budget_minor: i64, elapsed: f64) -> Option<Pacing> {
    if daily_budget_minor <= 0 {
        return None;
    }
    let elapsed = elapsed.clamp(0.0, 1.0);
    let expected_minor = (daily_budget_minor as f64 * elapsed).round() as i64;
    let ratio = ratio(spend_today_minor, expected_minor);
    let state = if spend_today_minor >= daily_budget_minor {
        PaceState::Spent
    } else {
        match ratio {
            Some(r) if r > 1.2 => PaceState::Over,
            Some(r) if r < 0.8 => PaceState::Under,
            Some(_) => PaceState::OnPace,
            // Midnight: any spend is ahead of an even pace.
            None if spend_today_minor > 0 => PaceState::Over,
            None => PaceState::OnPace,
        }
    };
    Some(Pacing {
        expected_minor,
        ratio,
        state,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(spend: i64, imp: i64, clicks: i64, conv: i64, value: i64) -> Totals {
        Totals {
            spend_minor: spend,
            impressions: imp,
            clicks,
            conversions: conv,
            purchase_value_minor: value,
        }
    }

    #[test]
    fn ratios_of_a_normal_period() {
        // 250.00 spent, 10,000 impressions, 125 clicks, 5 purchases worth 1,000.00.
        let x = t(25_000, 10_000, 125, 5, 100_000);
        assert_eq!(x.ctr_percent(), Some(1.25));
        assert_eq!(x.cpc_minor(), Some(200));
        assert_eq!(x.cpa_minor(), Some(5_000));
        assert_eq!(x.roas(), Some(4.0));
    }

    #[test]
    fn zero_denominators_give_no_figure() {
        let nothing = Totals::default();
        assert_eq!(nothing.ctr_percent(), None);
        assert_eq!(nothing.cpc_minor(), None);
        assert_eq!(nothing.cpa_minor(), None);
        assert_eq!(nothing.roas(), None);
        // Impressions without clicks: a CTR of 0, no CPC; spend without sales: a ROAS of 0.
        let shown = t(1_000, 500, 0, 0, 0);
        assert_eq!(shown.ctr_percent(), Some(0.0));
        assert_eq!(shown.cpc_minor(), None);
        assert_eq!(shown.cpa_minor(), None);
        assert_eq!(shown.roas(), Some(0.0));
        // Sales without spend (a free day): no ROAS rather than infinity.
        assert_eq!(t(0, 0, 0, 1, 5_000).roas(), None);
    }

    #[test]
    fn costs_round_to_the_nearest_minor_unit() {
        assert_eq!(t(1_000, 0, 3, 0, 0).cpc_minor(), Some(333));
        assert_eq!(t(1_000, 0, 6, 0, 0).cpc_minor(), Some(167));
        assert_eq!(t(5, 0, 2, 0, 0).cpc_minor(), Some(3), "half rounds up");
        assert_eq!(
            t(-5, 0, 2, 0, 0).cpc_minor(),
            Some(-3),
            "a refund rounds away from zero"
        );
    }

    #[test]
    fn platforms_and_currencies_are_never_added_together() {
        let rows = [
            (Platform::Meta, "RON", t(100, 1_000, 10, 1, 400)),
            (Platform::TikTok, "RON", t(50, 800, 8, 2, 100)),
            (Platform::Meta, "RON", t(300, 3_000, 30, 1, 800)),
            (Platform::Meta, "EUR", t(20, 100, 1, 0, 0)),
        ];
        let sums = by_platform(rows);
        assert_eq!(sums.len(), 3);
        assert_eq!(
            sums[&(Platform::Meta, "RON".into())],
            t(400, 4_000, 40, 2, 1_200)
        );
        assert_eq!(sums[&(Platform::TikTok, "RON".into())].conversions, 2);
        assert_eq!(sums[&(Platform::Meta, "EUR".into())].spend_minor, 20);
    }

    #[test]
    fn pacing_compares_spend_with_the_hour() {
        // 100.00 a day, at noon: 50.00 expected.
        let p = pacing(5_000, 10_000, 0.5).unwrap();
        assert_eq!(
            (p.expected_minor, p.ratio, p.state),
            (5_000, Some(1.0), PaceState::OnPace)
        );
        assert_eq!(pacing(7_000, 10_000, 0.5).unwrap().state, PaceState::Over);
        assert_eq!(pacing(3_000, 10_000, 0.5).unwrap().state, PaceState::Under);
        assert_eq!(pacing(10_000, 10_000, 0.5).unwrap().state, PaceState::Spent);
        // Midnight: nothing is expected yet.
        let m = pacing(0, 10_000, 0.0).unwrap();
        assert_eq!(
            (m.expected_minor, m.ratio, m.state),
            (0, None, PaceState::OnPace)
        );
        assert_eq!(pacing(1, 10_000, 0.0).unwrap().state, PaceState::Over);
        // No daily budget (a lifetime budget, or none): no pacing.
        assert_eq!(pacing(5_000, 0, 0.5), None);
        assert_eq!(pacing(5_000, -1, 0.5), None);
    }

    #[test]
    fn the_day_is_the_accounts_own() {
        let now = "2026-12-03T10:00:00Z".parse::<DateTime<Utc>>().unwrap();
        // 12:00 in Bucharest (UTC+2 in winter), 05:00 in New York.
        assert_eq!(day_elapsed(now, chrono_tz::Europe::Bucharest), 0.5);
        assert!((day_elapsed(now, chrono_tz::America::New_York) - 5.0 / 24.0).abs() < 1e-12);
    }
}
