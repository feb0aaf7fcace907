//! The dashboard's figures for a period and a store, from the rollups: at most three statements
//! a view (sales, ads, the company's feed), run at once, then shaped here; groups whose
//! rollup version has not moved come from the cache, and then the view asks only for its
//! latest lists.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::cache;
use super::period::Period;
use super::repo::{self, AdsRow, FeedParts, FeedRow, SalesRow, Scope};
use crate::access::{Permission, Principal};
use crate::error::{Error, Result};
use crate::Db;

/// A figure now and in the previous period.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Compared {
    pub now: i64,
    pub before: i64,
}

impl Compared {
    fn add(&mut self, now: bool, v: i64) {
        if now {
            self.now += v;
        } else {
            self.before += v;
        }
    }
}

/// Sales in one currency (orders in different currencies are never summed together).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrencySales {
    pub currency: String,
    /// Orders that count: neither cancelled nor returned.
    pub orders: Compared,
    /// Their totals, in minor units.
    pub revenue: Compared,
    /// Revenue per order that counts (0 without orders).
    pub average: Compared,
    /// Still being worked on: not shipped, delivered, returned or cancelled.
    pub to_process: Compared,
    /// Shipped or delivered.
    pub shipped: Compared,
    pub returned: Compared,
    pub cancelled: Compared,
}

/// One store's revenue per day of the period (the chart's series), in one currency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreSeries {
    pub store_id: Uuid,
    pub store: String,
    pub currency: String,
    pub revenue: Vec<i64>,
    pub orders: Vec<i64>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sales {
    /// The main currency first (the company's most ordered in).
    pub currencies: Vec<CurrencySales>,
    /// Orders of the period by the status they are in now, most first.
    pub fulfilment: Vec<(String, i64)>,
    /// Revenue per day per store, in the main currency.
    pub daily: Vec<StoreSeries>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformAds {
    pub platform: String,
    pub currency: String,
    pub spend: Compared,
    /// What the platform attributes to the ads (purchase value).
    pub value: Compared,
    pub clicks: Compared,
    pub conversions: Compared,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ads {
    pub platforms: Vec<PlatformAds>,
    /// Spend and purchase value per day of the period, in the main ad currency.
    pub currency: String,
    pub spend: Vec<i64>,
    pub value: Vec<i64>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalysesFigures {
    /// Analyses created in the period.
    pub run: Compared,
    /// Of those, completed, and approved (with or without comments).
    pub completed: Compared,
    pub approved: Compared,
    /// Average processing time in milliseconds of those that have one (0 when none).
    pub average_ms: Compared,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tokens {
    /// Spent by AI work: holds, less what settling and releasing gave back.
    pub used: Compared,
    /// Bought or granted.
    pub added: Compared,
    /// What the tokens used in the period cost at the price paid for them: (currency, minor
    /// units), when the company has bought tokens.
    pub used_cost: Option<(String, i64)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreProfit {
    pub store_id: Uuid,
    pub store: String,
    pub currency: String,
    pub revenue: i64,
    pub ad_spend: i64,
    /// What FAN Courier charged for the AWBs of the period's orders (cancelled and returned
    /// ones too: their shipping was paid).
    pub courier: i64,
    /// Revenue less ad spend and courier cost.
    pub profit: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentOrder {
    pub id: Uuid,
    pub number: String,
    pub customer: String,
    pub status: String,
    pub currency: String,
    pub total: i64,
    pub placed_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentAnalysis {
    pub id: Uuid,
    pub filename: String,
    pub status: String,
    pub verdict: Option<String>,
    pub score: Option<i64>,
    pub created_at: DateTime<Utc>,
}

/// An audit entry of the latest activity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    pub action: String,
    pub actor: Option<String>,
    pub ip: Option<String>,
    pub at: DateTime<Utc>,
}

/// Something that needs a person: a store or an ad connection to reconnect.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reconnect {
    /// `store` or `ads`.
    pub kind: String,
    pub name: String,
    pub reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct View {
    pub period: Period,
    pub previous: Period,
    /// The stores the member sees, by name.
    pub stores: Vec<(Uuid, String)>,
    /// The store chosen (None: all the member sees).
    pub store: Option<Uuid>,
    /// Each card group is there only when the member may read it.
    pub sales: Option<Sales>,
    pub ads: Option<Ads>,
    pub analyses: Option<AnalysesFigures>,
    pub tokens: Option<Tokens>,
    pub profit: Option<Vec<StoreProfit>>,
    pub recent_orders: Option<Vec<RecentOrder>>,
    pub recent_analyses: Option<Vec<RecentAnalysis>>,
    pub reconnect: Vec<Reconnect>,
    /// The audit log's latest entries (with audit.read).
    pub activity: Option<Vec<Activity>>,
    /// The token balance (with billing.read).
    pub balance: Option<i64>,
}

/// What the address asks for: `period`, `from`, `to` and `store` (empty: all).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct Query {
    pub period: String,
    pub from: String,
    pub to: String,
    pub store: String,
}

/// The dashboard for `q`. A store the member does not see (or that does not exist) is
/// NotFound, not an empty dashboard; a bad period is refused at its field.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id), err(level = "info"))]
pub async fn view(db: &Db, p: &Principal, q: &Query, now: DateTime<Utc>) -> Result<View> {
    let today = crate::dates::local_day(&p.timezone, now);
    let period = Period::parse(&q.period, &q.from, &q.to, today)?;
    let store = match q.store.trim() {
        "" | "all" => None,
        s => Some(Uuid::parse_str(s).map_err(|_| Error::NotFound)?),
    };
    let previous = period.previous();
    let scope = Scope {
        company_id: p.company_id,
        member: p.store_limit(),
        store,
        before_from: previous.from,
        from: period.from,
        to: period.to,
    };
    let may = |x| p.permissions.contains(x);
    let parts = FeedParts {
        orders: may(Permission::OrdersRead),
        campaigns: may(Permission::CampaignsRead),
        analyses_all: may(Permission::AnalysesReadAll) && store.is_none(),
        analyses: may(Permission::AnalysesRead) && store.is_none(),
        billing: may(Permission::BillingRead) && store.is_none(),
        audit: may(Permission::AuditRead) && store.is_none(),
    };
    let (before_at, _) = previous.instants(&p.timezone);
    let (from_at, end_at) = period.instants(&p.timezone);
    let instants = (before_at, from_at, end_at);
    let key = |version, instants| cache::Key {
        scope,
        parts: parts.bits(),
        instants,
        version,
    };
    // Each group from the cache while its rollup version is the one the principal read (a
    // miss is one statement); the latest lists are read every time, in the company group's
    // statement when it misses, so a view never costs more than three.
    let feed = async {
        let mut lists = None;
        let figures = cache::COMPANY
            .get_or_insert_async(&key(p.rollups.company, Some(instants)), async {
                let rows = repo::feed(db, &scope, parts, true, instants, p.user_id).await?;
                let (figures, rest): (Vec<FeedRow>, Vec<FeedRow>) =
                    rows.into_iter().partition(|r| repo::is_figure(&r.part));
                lists = Some(rest);
                Ok::<_, Error>(Arc::new(figures))
            })
            .await?;
        let lists = match lists {
            Some(l) => l,
            None => repo::feed(db, &scope, parts, false, instants, p.user_id).await?,
        };
        Ok::<_, Error>((figures, lists))
    };
    let (sales_key, ads_key) = (key(p.rollups.sales, None), key(p.rollups.ads, None));
    let (sales_rows, ad_rows, (figure_rows, list_rows)) = tokio::try_join!(
        cache::SALES.get_or_insert_async(&sales_key, async {
            Ok::<_, Error>(Arc::new(repo::sales(db, &scope, parts.orders).await?))
        }),
        async {
            if parts.campaigns {
                cache::ADS
                    .get_or_insert_async(&ads_key, async {
                        Ok::<_, Error>(Arc::new(repo::ads(db, &scope).await?))
                    })
                    .await
            } else {
                Ok(Arc::new(Vec::new()))
            }
        },
        feed,
    )?;
    let feed_rows: Vec<&FeedRow> = figure_rows.iter().chain(list_rows.iter()).collect();
    let stores: Vec<(Uuid, String)> = {
        let mut s: Vec<(Uuid, String)> = sales_rows
            .iter()
            .filter(|r| r.part == "store")
            .map(|r| (r.store_id, r.a.clone()))
            .collect();
        s.sort_by_key(|a| a.1.to_lowercase());
        s
    };
    if let Some(id) = store {
        if !stores.iter().any(|(s, _)| *s == id) {
            return Err(Error::NotFound);
        }
    }
    let sales = parts
        .orders
        .then(|| shape_sales(&period, &stores, &sales_rows));
    let ads = parts.campaigns.then(|| shape_ads(&period, &ad_rows));
    let profit = match (&sales, parts.campaigns) {
        (Some(_), true) => Some(shape_profit(&stores, &sales_rows, &ad_rows)),
        _ => None,
    };
    let feed = shape_feed(&feed_rows, parts);
    Ok(View {
        period,
        previous,
        stores,
        store,
        sales,
        ads,
        analyses: feed.analyses,
        tokens: feed.tokens,
        profit,
        recent_orders: parts.orders.then_some(feed.orders),
        recent_analyses: parts.analyses.then_some(feed.analyses_list),
        reconnect: feed.reconnect,
        activity: parts.audit.then_some(feed.activity),
        balance: parts.billing.then_some(p.balance),
    })
}

fn day_index(period: &Period, day: NaiveDate) -> Option<usize> {
    let i = (day - period.from).num_days();
    (0..period.days()).contains(&i).then_some(i as usize)
}

pub(crate) fn shape_sales(period: &Period, stores: &[(Uuid, String)], rows: &[SalesRow]) -> Sales {
    let mut by_currency: BTreeMap<String, CurrencySales> = BTreeMap::new();
    let mut fulfilment: BTreeMap<String, i64> = BTreeMap::new();
    for r in rows
        .iter()
        .filter(|r| r.part == "now" || r.part == "before")
    {
        let now = r.part == "now";
        let status = r.b.as_deref().unwrap_or_default();
        let c = by_currency
            .entry(r.a.clone())
            .or_insert_with(|| CurrencySales {
                currency: r.a.clone(),
                ..Default::default()
            });
        match status {
            "CANCELLED" => c.cancelled.add(now, r.n),
            "RETURNED" => c.returned.add(now, r.n),
            _ => {
                c.orders.add(now, r.n);
                c.revenue.add(now, r.total);
                if matches!(status, "SHIPPED" | "DELIVERED") {
                    c.shipped.add(now, r.n);
                } else {
                    c.to_process.add(now, r.n);
                }
            }
        }
        if now {
            *fulfilment.entry(status.to_string()).or_default() += r.n;
        }
    }
    let mut currencies: Vec<CurrencySales> = by_currency
        .into_values()
        .map(|mut c| {
            let avg = |revenue: i64, orders: i64| if orders > 0 { revenue / orders } else { 0 };
            c.average = Compared {
                now: avg(c.revenue.now, c.orders.now),
                before: avg(c.revenue.before, c.orders.before),
            };
            c
        })
        .collect();
    // The main currency first: the one with the most orders now (then before, then by name).
    currencies.sort_by(|a, b| {
        (b.orders.now + b.returned.now + b.cancelled.now)
            .cmp(&(a.orders.now + a.returned.now + a.cancelled.now))
            .then((b.orders.before).cmp(&a.orders.before))
            .then(a.currency.cmp(&b.currency))
    });
    let main = currencies.first().map(|c| c.currency.clone());
    let days = period.days() as usize;
    let mut series: HashMap<Uuid, StoreSeries> = HashMap::new();
    for r in rows.iter().filter(|r| r.part == "day") {
        if Some(&r.a) != main.as_ref() {
            continue;
        }
        let (Some(day), Some(name)) = (
            r.day.and_then(|d| day_index(period, d)),
            stores
                .iter()
                .find(|(id, _)| *id == r.store_id)
                .map(|s| &s.1),
        ) else {
            continue;
        };
        let s = series.entry(r.store_id).or_insert_with(|| StoreSeries {
            store_id: r.store_id,
            store: name.clone(),
            currency: r.a.clone(),
            revenue: vec![0; days],
            orders: vec![0; days],
        });
        s.revenue[day] += r.total;
        s.orders[day] += r.n;
    }
    let mut daily: Vec<StoreSeries> = series.into_values().collect();
    daily.sort_by_key(|a| a.store.to_lowercase());
    let mut fulfilment: Vec<(String, i64)> =
        fulfilment.into_iter().filter(|(_, n)| *n > 0).collect();
    fulfilment.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    Sales {
        currencies,
        fulfilment,
        daily,
    }
}

pub(crate) fn shape_ads(period: &Period, rows: &[AdsRow]) -> Ads {
    let mut platforms: BTreeMap<(String, String), PlatformAds> = BTreeMap::new();
    for r in rows
        .iter()
        .filter(|r| r.part == "now" || r.part == "before")
    {
        let now = r.part == "now";
        let a = platforms
            .entry((r.platform.clone(), r.currency.clone()))
            .or_insert_with(|| PlatformAds {
                platform: r.platform.clone(),
                currency: r.currency.clone(),
                ..Default::default()
            });
        a.spend.add(now, r.spend);
        a.value.add(now, r.value);
        a.clicks.add(now, r.clicks);
        a.conversions.add(now, r.conversions);
    }
    let platforms: Vec<PlatformAds> = platforms.into_values().collect();
    // The chart's currency: the one most was spent in.
    let mut spent: BTreeMap<&str, i64> = BTreeMap::new();
    for p in &platforms {
        *spent.entry(&p.currency).or_default() += p.spend.now;
    }
    let currency = spent
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(c, _)| c.to_string())
        .unwrap_or_default();
    let days = period.days() as usize;
    let (mut spend, mut value) = (vec![0; days], vec![0; days]);
    for r in rows
        .iter()
        .filter(|r| r.part == "day" && r.currency == currency)
    {
        if let Some(i) = r.day.and_then(|d| day_index(period, d)) {
            spend[i] += r.spend;
            value[i] += r.value;
        }
    }
    Ads {
        platforms,
        currency,
        spend,
        value,
    }
}

fn shape_profit(stores: &[(Uuid, String)], sales: &[SalesRow], ads: &[AdsRow]) -> Vec<StoreProfit> {
    type Key = (String, Uuid, String);
    fn entry<'a>(
        by: &'a mut BTreeMap<Key, StoreProfit>,
        stores: &[(Uuid, String)],
        store_id: Uuid,
        currency: &str,
    ) -> Option<&'a mut StoreProfit> {
        let name = stores.iter().find(|(id, _)| *id == store_id)?.1.clone();
        Some(
            by.entry((name.to_lowercase(), store_id, currency.to_string()))
                .or_insert_with(|| StoreProfit {
                    store_id,
                    store: name,
                    currency: currency.to_string(),
                    revenue: 0,
                    ad_spend: 0,
                    courier: 0,
                    profit: 0,
                }),
        )
    }
    let mut by: BTreeMap<Key, StoreProfit> = BTreeMap::new();
    for r in sales.iter().filter(|r| r.part == "now") {
        if let Some(e) = entry(&mut by, stores, r.store_id, &r.a) {
            // A cancelled or returned order brings no revenue, but what its shipping cost was
            // still paid.
            if !matches!(r.b.as_deref(), Some("CANCELLED" | "RETURNED")) {
                e.revenue += r.total;
            }
            e.courier += r.courier;
        }
    }
    for r in ads.iter().filter(|r| r.part == "now") {
        if let Some(e) = r
            .store_id
            .and_then(|s| entry(&mut by, stores, s, &r.currency))
        {
            e.ad_spend += r.spend;
        }
    }
    by.into_values()
        .map(|mut p| {
            p.profit = p.revenue - p.ad_spend - p.courier;
            p
        })
        .collect()
}

#[derive(Default)]
struct Feed {
    analyses: Option<AnalysesFigures>,
    tokens: Option<Tokens>,
    orders: Vec<RecentOrder>,
    analyses_list: Vec<RecentAnalysis>,
    reconnect: Vec<Reconnect>,
    activity: Vec<Activity>,
}

fn shape_feed(rows: &[&FeedRow], parts: FeedParts) -> Feed {
    let mut f = Feed::default();
    let mut a = AnalysesFigures::default();
    let (mut timed, mut ms) = (Compared::default(), Compared::default());
    let mut t = Tokens::default();
    let mut price: Option<(String, i64, i64)> = None;
    for r in rows {
        match r.part.as_str() {
            "analyses_now" | "analyses_before" => {
                let now = r.part == "analyses_now";
                a.run.add(now, r.n1);
                if r.a.as_deref() == Some("completed") {
                    a.completed.add(now, r.n1);
                    if matches!(r.b.as_deref(), Some("APPROVED" | "APPROVED_WITH_COMMENTS")) {
                        a.approved.add(now, r.n1);
                    }
                }
                timed.add(now, r.n2);
                ms.add(now, r.n3);
            }
            "tokens_now" | "tokens_before" => {
                let now = r.part == "tokens_now";
                match r.a.as_deref() {
                    Some("hold" | "settle" | "release") => t.used.add(now, -r.n1),
                    Some("purchase" | "grant") => t.added.add(now, r.n1),
                    _ => {}
                }
            }
            // The currency most was paid in.
            "price" if price.as_ref().is_none_or(|p| r.n1 > p.1) => {
                price = Some((r.a.clone().unwrap_or_default(), r.n1, r.n2));
            }
            "order" => {
                let (status, currency) =
                    r.c.as_deref()
                        .and_then(|c| c.split_once(' '))
                        .unwrap_or_default();
                f.orders.push(RecentOrder {
                    id: r.id.unwrap_or_default(),
                    number: r.a.clone().unwrap_or_default(),
                    customer: r.b.clone().unwrap_or_default(),
                    status: status.to_string(),
                    currency: currency.to_string(),
                    total: r.n1,
                    placed_at: r.at.unwrap_or_default(),
                });
            }
            "analysis" => f.analyses_list.push(RecentAnalysis {
                id: r.id.unwrap_or_default(),
                filename: r.a.clone().unwrap_or_default(),
                status: r.b.clone().unwrap_or_default(),
                verdict: r.c.clone(),
                score: (r.n1 >= 0).then_some(r.n1),
                created_at: r.at.unwrap_or_default(),
            }),
            "store_reconnect" | "ads_reconnect" => f.reconnect.push(Reconnect {
                kind: if r.part == "store_reconnect" {
                    "store".into()
                } else {
                    "ads".into()
                },
                name: r.a.clone().unwrap_or_default(),
                reason: r.c.clone(),
            }),
            "activity" => f.activity.push(Activity {
                action: r.a.clone().unwrap_or_default(),
                actor: r.b.clone(),
                ip: r.c.clone(),
                at: r.at.unwrap_or_default(),
            }),
            _ => {}
        }
    }
    let avg = |sum: i64, n: i64| if n > 0 { sum / n } else { 0 };
    a.average_ms = Compared {
        now: avg(ms.now, timed.now),
        before: avg(ms.before, timed.before),
    };
    if let Some((currency, amount, tokens)) = price.filter(|p| p.2 > 0) {
        let cost = (i128::from(t.used.now.max(0)) * i128::from(amount) / i128::from(tokens)) as i64;
        t.used_cost = Some((currency, cost));
    }
    f.orders.sort_by_key(|o| std::cmp::Reverse(o.placed_at));
    f.analyses_list
        .sort_by_key(|a| std::cmp::Reverse(a.created_at));
    f.activity.sort_by_key(|e| std::cmp::Reverse(e.at));
    f.analyses = parts.analyses_all.then_some(a);
    f.tokens = parts.billing.then_some(t);
    f
}
