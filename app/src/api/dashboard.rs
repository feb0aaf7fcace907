//! The dashboard for the active company, a period and a store: its figures ready to show
//! (`Dashboard`, on the server only), and that, rendered (`DashboardHtml`), for the page.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::ssr;
use super::AppError;

/// A figure, its value in the previous period and the change between them.
#[cfg(feature = "ssr")]
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Kpi {
    pub label: String,
    pub value: String,
    pub before: String,
    /// "+12.5%", "−3.0%", "new", or empty when both are zero.
    pub change: String,
    /// Whether the change is good news (for its colour): None when there is none.
    pub good: Option<bool>,
    pub test_id: String,
}

#[cfg(feature = "ssr")]
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ChartData {
    pub labels: Vec<String>,
    /// (series name, values in minor units: the page divides by 100). Whole numbers: the
    /// figures are a cache key (`pages::dashboard::render`), which floats cannot be.
    pub series: Vec<(String, Vec<i64>)>,
    pub unit: String,
    pub caption: String,
    /// What a point is: "day", or "week" for periods over 92 days (a year's 365 points per
    /// series made the page ten times heavier and no easier to read).
    pub per: String,
}

#[cfg(feature = "ssr")]
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SalesCard {
    pub currency: String,
    pub kpis: Vec<Kpi>,
}

#[cfg(feature = "ssr")]
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Bar {
    pub label: String,
    pub count: String,
    /// Share of the total in tenths of a percent, 0–1000.
    pub per_mille: i64,
}

#[cfg(feature = "ssr")]
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ProfitLine {
    pub store: String,
    pub revenue: String,
    pub ad_spend: String,
    pub courier: String,
    pub profit: String,
    pub negative: bool,
}

/// A line of the latest orders, analyses or activity, written out on the server (one shape
/// for all three keeps the page's browser code small).
#[cfg(feature = "ssr")]
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ListItem {
    /// Where the title leads ("" for none).
    pub href: String,
    pub title: String,
    /// Beside the title, lighter.
    pub beside: String,
    /// Under the title, small.
    pub detail: String,
    /// On the right.
    pub aside: String,
    /// A warning (a failed sign-in): the aside is tinted.
    pub warn: bool,
}

#[cfg(feature = "ssr")]
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Notice {
    pub text: String,
    pub link: String,
    pub link_text: String,
}

#[cfg(feature = "ssr")]
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Dashboard {
    pub greeting: String,
    /// "1 Nov – 30 Nov 2026, compared with 2 Oct – 31 Oct".
    pub period_text: String,
    pub period: String,
    pub from: String,
    pub to: String,
    /// (id, name) of the stores the member sees; `store` the chosen one ("" for all).
    pub stores: Vec<(String, String)>,
    pub store: String,
    /// One card per currency (the main one first); None without orders.read.
    pub sales: Option<Vec<SalesCard>>,
    pub sales_chart: Option<ChartData>,
    pub fulfilment: Option<Vec<Bar>>,
    /// Ad KPIs per platform and currency; None without campaigns.read.
    pub ads: Option<Vec<SalesCard>>,
    pub ads_chart: Option<ChartData>,
    pub profit: Option<Vec<ProfitLine>>,
    /// The stores' lines added up, when they are in one currency (and more than one).
    pub profit_total: Option<ProfitLine>,
    /// The AI tokens used in the period at the price paid for them (the whole company).
    pub ai_cost: Option<String>,
    /// The total less the AI tokens, when they were paid in the stores' currency.
    pub profit_after_ai: Option<String>,
    pub analyses: Option<Vec<Kpi>>,
    pub tokens: Option<Vec<Kpi>>,
    pub recent_orders: Option<Vec<ListItem>>,
    pub recent_analyses: Option<Vec<ListItem>>,
    /// The audit log's latest entries; only for members who may read it.
    pub activity: Option<Vec<ListItem>>,
    pub notices: Vec<Notice>,
    /// What an empty company should do first (connect a store, upload a report, buy tokens).
    pub first_steps: Vec<Notice>,
}

/// The dashboard rendered to HTML on the server (`pages::dashboard`). The page shows it as it
/// is: nothing in it reacts, so the browser needs neither the figures nor the code that lays
/// them out, and the page does not carry the figures a second time for hydration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DashboardHtml {
    pub html: String,
}

/// The dashboard for a period (`today`, `7d`, `30d`, `90d` or `custom` with `from`/`to`) and
/// a store ("" for all the member sees).
#[server(endpoint = "dashboard")]
pub async fn get_dashboard(
    period: String,
    from: String,
    to: String,
    store: String,
) -> Result<DashboardHtml, AppError> {
    let p = ssr::authenticated()?;
    let state = ssr::state()?;
    let q = server::dashboard::Query {
        period,
        from,
        to,
        store,
    };
    let now = server::clock::now();
    let v = server::dashboard::view(&state.db, &p, &q, now)
        .await
        .map_err(ssr::fail)?;
    let html = crate::pages::dashboard::render(shape::dashboard(&p, v, now));
    Ok(DashboardHtml {
        html: html.to_string(),
    })
}

#[cfg(feature = "ssr")]
mod shape {
    use chrono::{DateTime, Timelike, Utc};
    use server::access::{Permission, Principal};
    use server::dashboard::service::{Compared, View};
    use server::format::{group, money};

    use super::*;

    /// The change from `before` to `now` in percent, and whether it is good news when a rise is.
    fn change(c: Compared, rise_is_good: bool) -> (String, Option<bool>) {
        match (c.before, c.now) {
            (0, 0) => (String::new(), None),
            (0, _) => ("new".into(), Some(rise_is_good)),
            (b, n) => {
                let pct = (n - b) as f64 * 100.0 / b.abs() as f64;
                if pct.abs() < 0.05 {
                    ("no change".into(), None)
                } else {
                    let sign = if pct > 0.0 { "+" } else { "−" };
                    (
                        format!("{sign}{:.1}%", pct.abs()),
                        Some((pct > 0.0) == rise_is_good),
                    )
                }
            }
        }
    }

    fn kpi(
        label: &str,
        test_id: &str,
        c: Compared,
        show: impl Fn(i64) -> String,
        rise_is_good: bool,
    ) -> Kpi {
        let (change, good) = change(c, rise_is_good);
        Kpi {
            label: label.into(),
            value: show(c.now),
            before: show(c.before),
            change,
            good,
            test_id: test_id.into(),
        }
    }

    fn ratio(n: i64, d: i64) -> String {
        if d == 0 {
            "—".into()
        } else {
            format!("{:.2}", n as f64 / d as f64)
        }
    }

    fn day_text(d: chrono::NaiveDate, year: bool) -> String {
        if year {
            d.format("%-d %b %Y").to_string()
        } else {
            d.format("%-d %b").to_string()
        }
    }

    pub fn dashboard(p: &Principal, v: View, now: DateTime<Utc>) -> Dashboard {
        let tz: chrono_tz::Tz = p.timezone.parse().unwrap_or(chrono_tz::UTC);
        let local = now.with_timezone(&tz);
        let part = match local.hour() {
            5..=11 => "Good morning",
            12..=17 => "Good afternoon",
            _ => "Good evening",
        };
        let first = p.name.split_whitespace().next().unwrap_or(&p.name);
        let range = |a: chrono::NaiveDate, b: chrono::NaiveDate| {
            if a == b {
                day_text(a, true)
            } else {
                format!("{} – {}", day_text(a, a.year_ne(b)), day_text(b, true))
            }
        };
        let period_text = format!(
            "{}, compared with {}",
            range(v.period.from, v.period.to),
            range(v.previous.from, v.previous.to)
        );
        // A point per day, or per week (from its first day) over 92 days.
        let step = if v.period.days() > 92 { 7 } else { 1 };
        let per = if step == 1 { "day" } else { "week" };
        let labels: Vec<String> = v
            .period
            .each_day()
            .step_by(step)
            .map(|d| d.format("%-d %b").to_string())
            .collect();
        let points =
            |daily: &[i64]| -> Vec<i64> { daily.chunks(step).map(|c| c.iter().sum()).collect() };
        let store_name = v
            .store
            .and_then(|s| v.stores.iter().find(|(id, _)| *id == s))
            .map(|(_, n)| n.clone());
        let scope = store_name.clone().unwrap_or_else(|| "all stores".into());

        let sales = v.sales.as_ref().map(|s| {
            s.currencies
                .iter()
                .map(|c| {
                    let cur = c.currency.clone();
                    let m = move |x: i64| money(x, &cur);
                    SalesCard {
                        currency: c.currency.clone(),
                        kpis: vec![
                            kpi("Revenue", "revenue", c.revenue, m.clone(), true),
                            kpi("Orders", "orders", c.orders, group, true),
                            kpi("Average order", "aov", c.average, m, true),
                            kpi("To process", "to-process", c.to_process, group, false),
                            kpi("Shipped", "shipped", c.shipped, group, true),
                            kpi("Returned", "returned", c.returned, group, false),
                        ],
                    }
                })
                .collect::<Vec<_>>()
        });
        let sales_chart = v.sales.as_ref().and_then(|s| {
            let currency = s.currencies.first()?.currency.clone();
            (!s.daily.is_empty()).then(|| ChartData {
                labels: labels.clone(),
                series: s
                    .daily
                    .iter()
                    .map(|d| (d.store.clone(), points(&d.revenue)))
                    .collect(),
                unit: currency.clone(),
                caption: format!("Revenue per {per} per store, {currency}"),
                per: per.into(),
            })
        });
        let fulfilment = v.sales.as_ref().map(|s| {
            let total: i64 = s.fulfilment.iter().map(|(_, n)| n).sum();
            s.fulfilment
                .iter()
                .map(|(status, n)| Bar {
                    label: server::orders::model::status_label(status).to_string(),
                    count: group(*n),
                    per_mille: if total > 0 { n * 1000 / total } else { 0 },
                })
                .collect::<Vec<_>>()
        });
        let ads = v.ads.as_ref().map(|a| {
            a.platforms
                .iter()
                .map(|x| {
                    let cur = x.currency.clone();
                    let m = move |n: i64| money(n, &cur);
                    let roas = Compared {
                        now: if x.spend.now > 0 {
                            x.value.now * 100 / x.spend.now
                        } else {
                            0
                        },
                        before: if x.spend.before > 0 {
                            x.value.before * 100 / x.spend.before
                        } else {
                            0
                        },
                    };
                    let (change_text, good) = change(roas, true);
                    let platform = match x.platform.as_str() {
                        "meta" => "Meta",
                        "tiktok" => "TikTok",
                        other => other,
                    };
                    SalesCard {
                        currency: format!("{platform} · {}", x.currency),
                        kpis: vec![
                            kpi("Ad spend", "ad-spend", x.spend, m.clone(), false),
                            kpi("Purchase value", "purchase-value", x.value, m, true),
                            Kpi {
                                label: "ROAS".into(),
                                value: ratio(x.value.now, x.spend.now),
                                before: ratio(x.value.before, x.spend.before),
                                change: change_text,
                                good,
                                test_id: "roas".into(),
                            },
                            kpi("Conversions", "conversions", x.conversions, group, true),
                        ],
                    }
                })
                .collect::<Vec<_>>()
        });
        let ads_chart = v.ads.as_ref().and_then(|a| {
            (a.spend.iter().chain(&a.value).any(|x| *x != 0)).then(|| ChartData {
                labels: labels.clone(),
                series: vec![
                    ("Spend".into(), points(&a.spend)),
                    ("Purchase value".into(), points(&a.value)),
                ],
                unit: a.currency.clone(),
                caption: format!("Ad spend against purchase value per {per}, {}", a.currency),
                per: per.into(),
            })
        });
        let profit = v.profit.as_ref().map(|lines| {
            lines
                .iter()
                .map(|l| ProfitLine {
                    store: format!("{} · {}", l.store, l.currency),
                    revenue: money(l.revenue, &l.currency),
                    ad_spend: money(l.ad_spend, &l.currency),
                    courier: money(l.courier, &l.currency),
                    profit: money(l.profit, &l.currency),
                    negative: l.profit < 0,
                })
                .collect::<Vec<_>>()
        });
        // The company's line: the stores added up when they share a currency.
        let total = v.profit.as_ref().and_then(|lines| {
            let currency = &lines.first()?.currency;
            lines.iter().all(|l| &l.currency == currency).then(|| {
                let sum = |f: fn(&server::dashboard::service::StoreProfit) -> i64| {
                    lines.iter().map(f).sum::<i64>()
                };
                (
                    currency.clone(),
                    sum(|l| l.revenue),
                    sum(|l| l.ad_spend),
                    sum(|l| l.courier),
                    sum(|l| l.profit),
                    lines.len(),
                )
            })
        });
        let used_cost = v.tokens.as_ref().and_then(|t| t.used_cost.clone());
        let ai_cost = used_cost.as_ref().map(|(c, minor)| money(*minor, c));
        let profit_after_ai = match (&total, &used_cost) {
            (Some((currency, .., profit, _)), Some((c, ai)))
                if c.eq_ignore_ascii_case(currency) =>
            {
                Some(money(profit - ai, currency))
            }
            _ => None,
        };
        let profit_total =
            total
                .filter(|t| t.5 > 1)
                .map(
                    |(currency, revenue, ad_spend, courier, profit, _)| ProfitLine {
                        store: "All stores".into(),
                        revenue: money(revenue, &currency),
                        ad_spend: money(ad_spend, &currency),
                        courier: money(courier, &currency),
                        profit: money(profit, &currency),
                        negative: profit < 0,
                    },
                );
        let analyses = v.analyses.map(|a| {
            let rate = |c: Compared, d: Compared| Compared {
                now: if d.now > 0 { c.now * 1000 / d.now } else { 0 },
                before: if d.before > 0 {
                    c.before * 1000 / d.before
                } else {
                    0
                },
            };
            let approval = rate(a.approved, a.completed);
            let per_mille = |x: i64| format!("{:.1}%", x as f64 / 10.0);
            let seconds = |ms: i64| format!("{:.1} s", ms as f64 / 1000.0);
            vec![
                kpi("Analyses run", "analyses-run", a.run, group, true),
                Kpi {
                    before: if a.completed.before > 0 {
                        per_mille(approval.before)
                    } else {
                        "—".into()
                    },
                    value: if a.completed.now > 0 {
                        per_mille(approval.now)
                    } else {
                        "—".into()
                    },
                    ..kpi("Approval rate", "approval-rate", approval, per_mille, true)
                },
                kpi(
                    "Average processing",
                    "processing",
                    a.average_ms,
                    seconds,
                    false,
                ),
            ]
        });
        let balance = v.balance;
        let tokens = v.tokens.as_ref().map(|t| {
            let mut k = vec![
                kpi("Tokens used", "tokens-used", t.used, group, false),
                kpi("Tokens added", "tokens-added", t.added, group, true),
            ];
            if let Some(b) = balance {
                k.push(Kpi {
                    label: "Balance".into(),
                    value: group(b),
                    before: String::new(),
                    change: String::new(),
                    good: None,
                    test_id: "balance".into(),
                });
            }
            k
        });
        let recent_orders = v.recent_orders.as_ref().map(|list| {
            list.iter()
                .map(|o| ListItem {
                    href: format!("/orders/{}", o.id),
                    title: o.number.clone(),
                    beside: o.customer.clone(),
                    detail: format!(
                        "{} · {}",
                        server::orders::model::status_label(&o.status),
                        server::dates::local_time(&p.timezone, o.placed_at)
                    ),
                    aside: money(o.total, &o.currency),
                    warn: false,
                })
                .collect::<Vec<_>>()
        });
        let recent_analyses = v.recent_analyses.as_ref().map(|list| {
            list.iter()
                .map(|a| {
                    let state = match (a.status.as_str(), a.verdict.as_deref()) {
                        ("completed", Some("APPROVED")) => "Approved",
                        ("completed", Some("APPROVED_WITH_COMMENTS")) => "Approved with comments",
                        ("completed", Some("REJECTED")) => "Rejected",
                        ("completed", _) => "Completed",
                        ("failed", _) => "Failed",
                        ("cancelled", _) => "Cancelled",
                        _ => "In progress",
                    };
                    ListItem {
                        href: format!("/analyses/{}", a.id),
                        title: a.filename.clone(),
                        beside: String::new(),
                        detail: String::new(),
                        aside: format!(
                            "{state} · {}",
                            server::dates::local_time(&p.timezone, a.created_at)
                        ),
                        warn: a.verdict.as_deref() == Some("REJECTED") || a.status == "failed",
                    }
                })
                .collect::<Vec<_>>()
        });
        let may = |x| p.permissions.contains(x);
        let mut notices = Vec::new();
        for r in &v.reconnect {
            let (text, link, link_text) = if r.kind == "store" {
                (
                    format!(
                        "{} was disconnected from Switchyard: its orders no longer arrive.",
                        r.name
                    ),
                    "/settings/stores",
                    "Reconnect it",
                )
            } else {
                (
                    format!(
                        "The ad connection {} needs reconnecting{}.",
                        r.name,
                        r.reason
                            .as_deref()
                            .map(|x| format!(": {x}"))
                            .unwrap_or_default()
                    ),
                    "/settings/ad-accounts",
                    "Reconnect it",
                )
            };
            notices.push(Notice {
                text,
                link: link.into(),
                link_text: link_text.into(),
            });
        }
        // An empty company: what to do first instead of a wall of zeros.
        let mut first_steps = Vec::new();
        if v.store.is_none() {
            if v.stores.is_empty() && may(Permission::StoresManage) {
                first_steps.push(Notice {
                    text: "Connect a Shopify or Trendyol store: its orders, sales and fulfilment appear here.".into(),
                    link: "/settings/stores".into(),
                    link_text: "Connect a store".into(),
                });
            }
            if may(Permission::AnalysesRun)
                && v.recent_analyses.as_ref().is_some_and(|l| l.is_empty())
            {
                first_steps.push(Notice {
                    text:
                        "Upload a grounding, insulation or thermography report for an AI analysis."
                            .into(),
                    link: "/analyses/new".into(),
                    link_text: "Upload a report".into(),
                });
            }
            if may(Permission::BillingManage) && balance == Some(0) {
                first_steps.push(Notice {
                    text: "AI analyses, insights and the content studio spend tokens: buy a pack to start.".into(),
                    link: "/billing".into(),
                    link_text: "Buy tokens".into(),
                });
            }
        }
        Dashboard {
            greeting: format!("{part}, {first}"),
            period_text: format!("{period_text} · {scope}"),
            period: v.period.key.clone(),
            from: v.period.from.to_string(),
            to: v.period.to.to_string(),
            stores: v
                .stores
                .iter()
                .map(|(id, n)| (id.to_string(), n.clone()))
                .collect(),
            store: v.store.map(|s| s.to_string()).unwrap_or_default(),
            sales,
            sales_chart,
            fulfilment,
            ads,
            ads_chart,
            profit,
            profit_total,
            ai_cost,
            profit_after_ai,
            analyses,
            tokens,
            recent_orders,
            recent_analyses,
            activity: v.activity.as_ref().map(|list| {
                list.iter()
                    .map(|e| ListItem {
                        href: String::new(),
                        title: e.actor.clone().unwrap_or_else(|| "Someone".into()),
                        beside: action_label(&e.action).to_lowercase(),
                        detail: e
                            .ip
                            .as_ref()
                            .map(|ip| format!("from {ip}"))
                            .unwrap_or_default(),
                        aside: server::dates::local_time(&p.timezone, e.at),
                        warn: e.action == "LOGIN_FAILED",
                    })
                    .collect()
            }),
            notices,
            first_steps,
        }
    }

    /// What an audit entry's action reads as in the activity list.
    fn action_label(action: &str) -> &'static str {
        match action {
            "LOGIN" => "Signed in",
            "LOGIN_FAILED" => "Failed sign-in",
            "LOGOUT" => "Signed out",
            "COMPANY_CREATED" => "Created the company",
            "USER_INVITED" => "Invited a member",
            "INVITATION_ACCEPTED" => "Joined the company",
            "INVITATION_REVOKED" => "Revoked an invitation",
            "INVITATION_RESENT" => "Resent an invitation",
            "ROLE_CHANGED" => "Changed a role",
            "USER_DELETED" => "Removed a member",
            "USER_DISABLED" => "Disabled a member",
            "USER_ENABLED" => "Enabled a member",
            "STORE_CREATED" => "Added a store",
            "STORE_DELETED" => "Deleted a store",
            "STORE_ACCESS_CHANGED" => "Changed store access",
            "STORE_CONNECTED" => "Connected a store",
            "STORE_DISCONNECTED" => "Disconnected a store",
            "ORDERS_SYNC_REQUESTED" => "Asked for an orders sync",
            "ORDERS_IMPORTED" => "Imported orders from a file",
            "ORDER_EDITED" => "Edited an order's customer and address",
            "ORDERS_BULK_STARTED" => "Ran a bulk action on orders",
            "ORDER_ERROR_RETRIED" => "Retried an order's processing",
            "ORDER_ERROR_SKIPPED" => "Skipped an order's processing error",
            "COURIER_CONNECTED" => "Connected FAN Courier",
            "COURIER_DISCONNECTED" => "Disconnected FAN Courier",
            "AWB_CREATED" => "Created an AWB",
            "ROLE_CREATED" | "ROLE_UPDATED" | "ROLE_DELETED" => "Changed the roles",
            _ => "Other",
        }
    }

    trait YearNe {
        fn year_ne(&self, other: chrono::NaiveDate) -> bool;
    }

    impl YearNe for chrono::NaiveDate {
        fn year_ne(&self, other: chrono::NaiveDate) -> bool {
            use chrono::Datelike;
            self.year() != other.year()
        }
    }
}
