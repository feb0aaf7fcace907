//! Synthetic figures for a company: the bench's million orders (`switchyard seed`) and the
//! tests' hand-made fixtures. Rows go in with multi-row statements, so the rollup triggers run
//! exactly as they do for real writes; nothing here touches the rollups itself.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::{rngs::StdRng, Rng, SeedableRng};
use uuid::Uuid;

use crate::{exec, exec_tx, Db, Result};

/// An order as the dashboard reads it.
#[derive(Clone, Debug)]
pub struct SeedOrder {
    pub store_id: Uuid,
    pub number: String,
    pub status: String,
    pub currency: String,
    pub total_minor: i64,
    pub customer: String,
    pub placed_at: DateTime<Utc>,
}

/// Rows per statement (12 parameters each, under both databases' limits).
const ROWS: usize = 1000;

/// Inserts `list` into the company's orders; each counts under its local day in `tz`.
pub async fn orders(db: &Db, company_id: Uuid, tz: &str, list: &[SeedOrder]) -> Result<()> {
    let mut tx = db.begin().await?;
    for chunk in list.chunks(ROWS) {
        let sql = orders_sql(chunk.len());
        crate::with_tx!(&mut tx, |c| {
            let mut q = sqlx::query(&sql);
            for o in chunk {
                q = q
                    .bind(Uuid::now_v7())
                    .bind(company_id)
                    .bind(o.store_id)
                    .bind(format!("seed:{}", o.number))
                    .bind(o.number.clone())
                    .bind(o.status.clone())
                    .bind(o.currency.clone())
                    .bind(o.total_minor)
                    .bind(o.customer.clone())
                    .bind(format!("{} {}", o.number, o.customer).to_lowercase())
                    .bind(o.placed_at)
                    .bind(crate::dates::local_day(tz, o.placed_at));
            }
            q.execute(c).await.map(|r| r.rows_affected())
        })?;
    }
    tx.commit().await
}

/// The multi-row insert for `n` orders, 12 parameters each: id, company, store, external id,
/// number, status, currency, total, customer, search text, placed at, local day.
fn orders_sql(n: usize) -> String {
    let values: Vec<String> = (0..n)
        .map(|i| {
            let p = |k: usize| format!("${}", i * 12 + k);
            format!(
                "({}, {}, {}, {}, {}, {}, {}, {}, {}, 0, 0, {}, '', {}, {}, {}, {}, {}, {}, 'paid')",
                p(1),
                p(2),
                p(3),
                p(4),
                p(5),
                p(6),
                p(7),
                p(8),
                p(8),
                p(9),
                p(10),
                p(11),
                p(11),
                p(11),
                p(11),
                p(12)
            )
        })
        .collect();
    format!(
        "INSERT INTO orders (id, company_id, store_id, external_id, number, status, currency, total_minor, \
        subtotal_minor, shipping_minor, tax_minor, customer_name, flags, search, placed_at, source_updated_at, \
        created_at, updated_at, placed_day, financial_status) VALUES {}",
        values.join(", ")
    )
}

/// Creates a store of the company.
pub async fn store(db: &Db, company_id: Uuid, name: &str, now: DateTime<Utc>) -> Result<Uuid> {
    const SQL: &str = "INSERT INTO stores (id, company_id, name, platform, created_at) VALUES ($1, $2, $3, 'shopify', $4)";
    let id = Uuid::now_v7();
    exec!(
        db,
        sqlx::query(SQL)
            .bind(id)
            .bind(company_id)
            .bind(name)
            .bind(now)
    )?;
    Ok(id)
}

/// An imported ad account (with its connection) tied to `store_id`, and one campaign in it;
/// answers the campaign.
pub async fn ad_campaign(
    db: &Db,
    company_id: Uuid,
    store_id: Option<Uuid>,
    platform: &str,
    currency: &str,
    name: &str,
    now: DateTime<Utc>,
) -> Result<Uuid> {
    let (connection, account, campaign) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let mut tx = db.begin().await?;
    const CONNECTION: &str = "INSERT INTO ad_connections (id, company_id, platform, external_user, display_name, \
        sealed_token, token_hint, connected_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'sealed', '…', $6, $6)";
    exec_tx!(
        &mut tx,
        sqlx::query(CONNECTION)
            .bind(connection)
            .bind(company_id)
            .bind(platform)
            .bind(connection.to_string())
            .bind(name)
            .bind(now)
    )?;
    // Not a real account: its last sync is dated far ahead, so the sync job never asks the
    // platform for it (its token is no sealed token either).
    const ACCOUNT: &str =
        "INSERT INTO ad_accounts (id, company_id, connection_id, platform, external_id, name, \
        currency, time_zone, imported, store_id, created_at, synced_at, sync_finished_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, 'UTC', TRUE, $8, $9, $9, $10)";
    exec_tx!(
        &mut tx,
        sqlx::query(ACCOUNT)
            .bind(account)
            .bind(company_id)
            .bind(connection)
            .bind(platform)
            .bind(account.to_string())
            .bind(name)
            .bind(currency)
            .bind(store_id)
            .bind(now)
            .bind(now + Duration::days(365 * 100))
    )?;
    const CAMPAIGN: &str = "INSERT INTO ad_campaigns (id, company_id, account_id, external_id, name, status, synced_at) \
        VALUES ($1, $2, $3, $4, $5, 'ACTIVE', $6)";
    exec_tx!(
        &mut tx,
        sqlx::query(CAMPAIGN)
            .bind(campaign)
            .bind(company_id)
            .bind(account)
            .bind(campaign.to_string())
            .bind(name)
            .bind(now)
    )?;
    tx.commit().await?;
    Ok(campaign)
}

/// A campaign's figures of a day: (day, spend, purchase value, clicks, conversions), written
/// over what the day had (as a sync does).
pub async fn ad_days(
    db: &Db,
    company_id: Uuid,
    campaign_id: Uuid,
    days: &[(NaiveDate, i64, i64, i64, i64)],
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "INSERT INTO ad_campaign_days (campaign_id, day, company_id, spend_minor, impressions, clicks, \
        conversions, purchase_value_minor, synced_at) VALUES ($1, $2, $3, $4, $5 * 40, $5, $6, $7, $8) \
        ON CONFLICT (campaign_id, day) DO UPDATE SET spend_minor = excluded.spend_minor, \
        impressions = excluded.impressions, clicks = excluded.clicks, conversions = excluded.conversions, \
        purchase_value_minor = excluded.purchase_value_minor, synced_at = excluded.synced_at";
    let mut tx = db.begin().await?;
    for (day, spend, value, clicks, conversions) in days {
        exec_tx!(
            &mut tx,
            sqlx::query(SQL)
                .bind(campaign_id)
                .bind(day)
                .bind(company_id)
                .bind(spend)
                .bind(clicks)
                .bind(conversions)
                .bind(value)
                .bind(now)
        )?;
    }
    tx.commit().await
}

/// An analysis as the dashboard reads it.
#[derive(Clone, Debug)]
pub struct SeedAnalysis {
    /// pending, processing, completed, failed or cancelled.
    pub status: String,
    pub verdict: Option<String>,
    pub processing_ms: Option<i64>,
    pub created_at: DateTime<Utc>,
}

pub async fn analyses(db: &Db, company_id: Uuid, tz: &str, list: &[SeedAnalysis]) -> Result<()> {
    const SQL: &str = "INSERT INTO analyses (id, company_id, lineage_id, filename, file_kind, file_bytes, \
        file_sha256, source_key, test_type, standard, status, estimate, verdict, score, processing_ms, created_at, \
        completed_at, day) VALUES ($1, $2, $1, $3, 'pdf', 1000, 'seed', $4, 'grounding', 'NETA', $5, 1000, $6, $7, \
        $8, $9, $10, $11)";
    let mut tx = db.begin().await?;
    for (i, a) in list.iter().enumerate() {
        let id = Uuid::now_v7();
        let score = a
            .verdict
            .as_ref()
            .map(|v| if v == "REJECTED" { 40 } else { 90 });
        exec_tx!(
            &mut tx,
            sqlx::query(SQL)
                .bind(id)
                .bind(company_id)
                .bind(format!("Report {}.pdf", i + 1))
                .bind(format!("seed/{id}.pdf"))
                .bind(&a.status)
                .bind(&a.verdict)
                .bind(score)
                .bind(a.processing_ms)
                .bind(a.created_at)
                .bind(
                    a.processing_ms
                        .map(|ms| a.created_at + Duration::milliseconds(ms))
                )
                .bind(crate::dates::local_day(tz, a.created_at))
        )?;
    }
    tx.commit().await
}

/// What the bench seeds: a company's stores, orders over its last days, campaigns with daily
/// figures, and analyses.
#[derive(Clone, Copy, Debug)]
pub struct Spec {
    pub stores: usize,
    pub orders: usize,
    pub days: i64,
    pub campaigns: usize,
    pub analyses: usize,
}

pub const BENCH: Spec = Spec {
    stores: 5,
    orders: 1_000_000,
    days: 90,
    campaigns: 200,
    analyses: 10_000,
};

const STATUSES: &[&str] = &[
    "PENDING",
    "PENDING",
    "VALIDATED",
    "PICKING",
    "PACKED",
    "AWB_CREATED",
    "SHIPPED",
    "SHIPPED",
    "SHIPPED",
    "DELIVERED",
    "DELIVERED",
    "DELIVERED",
    "DELIVERED",
    "DELIVERED",
    "CANCELLED",
    "RETURNED",
];
const FIRST: &[&str] = &[
    "Ana", "Ioana", "Maria", "Elena", "Andrei", "Mihai", "Radu", "Cristina", "Vlad", "Dan",
];
const LAST: &[&str] = &[
    "Pop",
    "Popescu",
    "Ionescu",
    "Ene",
    "Stan",
    "Dumitru",
    "Marin",
    "Georgescu",
];

/// Seeds the company per `spec`, the same for the same `seed`; `progress` hears how many
/// orders are in. Orders are in RON, one store in twenty of them in EUR.
pub async fn company(
    db: &Db,
    company_id: Uuid,
    tz: &str,
    spec: Spec,
    now: DateTime<Utc>,
    seed: u64,
    progress: impl Fn(usize),
) -> Result<()> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut stores = Vec::new();
    for k in 0..spec.stores {
        stores.push(store(db, company_id, &format!("Store {}", k + 1), now).await?);
    }
    let span = spec.days * 86_400;
    let mut batch = Vec::with_capacity(10_000);
    for i in 0..spec.orders {
        let k = i % stores.len().max(1);
        let customer = format!(
            "{} {}",
            FIRST[rng.gen_range(0..FIRST.len())],
            LAST[rng.gen_range(0..LAST.len())]
        );
        batch.push(SeedOrder {
            store_id: stores[k],
            number: format!("#S{}-{}", k + 1, i / stores.len().max(1) + 1),
            status: STATUSES[rng.gen_range(0..STATUSES.len())].into(),
            currency: if i % 20 == 19 { "EUR" } else { "RON" }.into(),
            total_minor: rng.gen_range(1_000..200_000),
            customer,
            placed_at: now - Duration::seconds(rng.gen_range(0..span)),
        });
        if batch.len() == batch.capacity() {
            orders(db, company_id, tz, &batch).await?;
            batch.clear();
            progress(i + 1);
        }
    }
    orders(db, company_id, tz, &batch).await?;
    progress(spec.orders);
    let today = crate::dates::local_day(tz, now);
    for c in 0..spec.campaigns {
        let platform = if c % 3 == 2 { "tiktok" } else { "meta" };
        let store_id = stores.get(c % stores.len().max(1)).copied();
        let campaign = ad_campaign(
            db,
            company_id,
            store_id,
            platform,
            "RON",
            &format!("Campaign {}", c + 1),
            now,
        )
        .await?;
        let days: Vec<(NaiveDate, i64, i64, i64, i64)> = (0..spec.days)
            .map(|d| {
                let spend = rng.gen_range(2_000..50_000);
                (
                    today - Duration::days(d),
                    spend,
                    spend * rng.gen_range(50..400) / 100,
                    rng.gen_range(10..500),
                    rng.gen_range(0..20),
                )
            })
            .collect();
        ad_days(db, company_id, campaign, &days, now).await?;
    }
    let list: Vec<SeedAnalysis> = (0..spec.analyses)
        .map(|_| {
            let roll = rng.gen_range(0..10);
            let (status, verdict) = match roll {
                0 => ("failed", None),
                1 => ("completed", Some("REJECTED")),
                2 | 3 => ("completed", Some("APPROVED_WITH_COMMENTS")),
                _ => ("completed", Some("APPROVED")),
            };
            SeedAnalysis {
                status: status.into(),
                verdict: verdict.map(str::to_string),
                processing_ms: (status == "completed").then(|| rng.gen_range(8_000..90_000)),
                created_at: now - Duration::seconds(rng.gen_range(0..span)),
            }
        })
        .collect();
    for chunk in list.chunks(2_000) {
        analyses(db, company_id, tz, chunk).await?;
    }
    Ok(())
}
