//! The campaigns area's SQL (both databases): connections, ad accounts and their sync state,
//! campaigns and their days. Every query names the company, or reaches rows only through ids
//! a company-scoped query gave.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::platform::{RemoteAccount, RemoteCampaign, RemoteDay};
use crate::{db::Tx, exec, exec_tx, with_db, with_tx, Db, Result};

/// An ad account with what its sync needs of its connection.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SyncAccount {
    pub id: Uuid,
    pub company_id: Uuid,
    pub connection_id: Uuid,
    pub platform: String,
    pub external_id: String,
    pub currency: String,
    pub time_zone: String,
    pub synced_at: Option<DateTime<Utc>>,
    pub metrics_from: Option<NaiveDate>,
    pub sealed_token: String,
    pub connection_status: String,
}

pub async fn sync_account(db: &Db, account_id: Uuid) -> Result<Option<SyncAccount>> {
    const SQL: &str = "SELECT a.id, a.company_id, a.connection_id, a.platform, a.external_id, a.currency, \
        a.time_zone, a.synced_at, a.metrics_from, c.sealed_token, c.status AS connection_status \
        FROM ad_accounts a JOIN ad_connections c ON c.id = a.connection_id AND c.company_id = a.company_id \
        WHERE a.id = $1 AND a.imported = $2";
    Ok(with_db!(db, |c| sqlx::query_as(SQL)
        .bind(account_id)
        .bind(true)
        .fetch_optional(c)
        .await)?)
}

/// Queues a pass unless one is queued or running: false when one is.
pub async fn queue_sync(
    tx: &mut Tx,
    company_id: Uuid,
    account_id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str =
        "UPDATE ad_accounts SET sync_state = 'queued', sync_state_at = $3, sync_done = 0 \
        WHERE id = $1 AND company_id = $2 AND imported = $4 AND sync_state IS NULL";
    Ok(exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(account_id)
            .bind(company_id)
            .bind(now)
            .bind(true)
    )? > 0)
}

/// Forgets a queued pass (its account is no longer imported).
pub async fn clear_sync_state(db: &Db, account_id: Uuid) -> Result<()> {
    const SQL: &str =
        "UPDATE ad_accounts SET sync_state = NULL, sync_state_at = NULL WHERE id = $1";
    exec!(db, sqlx::query(SQL).bind(account_id))?;
    Ok(())
}

pub async fn start_pass(db: &Db, account_id: Uuid, now: DateTime<Utc>) -> Result<()> {
    const SQL: &str = "UPDATE ad_accounts SET sync_state = 'running', sync_state_at = $2, sync_done = 0 WHERE id = $1";
    exec!(db, sqlx::query(SQL).bind(account_id).bind(now))?;
    Ok(())
}

/// Ends the pass: on success the figures are read from `metrics_from` on.
pub async fn finish_pass(
    db: &Db,
    account_id: Uuid,
    now: DateTime<Utc>,
    error: Option<&str>,
    metrics_from: Option<NaiveDate>,
) -> Result<()> {
    const SQL: &str =
        "UPDATE ad_accounts SET sync_state = NULL, sync_state_at = NULL, sync_finished_at = $2, \
        sync_error = $3, \
        synced_at = CASE WHEN $3 IS NULL THEN $2 ELSE synced_at END, \
        metrics_from = CASE WHEN $4 IS NULL THEN metrics_from \
            WHEN metrics_from IS NULL OR $4 < metrics_from THEN $4 ELSE metrics_from END \
        WHERE id = $1";
    exec!(
        db,
        sqlx::query(SQL)
            .bind(account_id)
            .bind(now)
            .bind(error)
            .bind(metrics_from)
    )?;
    Ok(())
}

/// The platform no longer accepts the connection's token: nothing of it syncs until someone
/// connects again.
pub async fn needs_reconnect(
    db: &Db,
    connection_id: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "UPDATE ad_connections SET status = 'reconnect', status_reason = $2, updated_at = $3 WHERE id = $1";
    exec!(
        db,
        sqlx::query(SQL).bind(connection_id).bind(reason).bind(now)
    )?;
    Ok(())
}

/// Writes the account's campaigns as the platform describes them; answers (external id, our
/// id) for each. A change of status or budget raises the campaign's version.
pub async fn upsert_campaigns(
    db: &Db,
    company_id: Uuid,
    account_id: Uuid,
    campaigns: &[RemoteCampaign],
    now: DateTime<Utc>,
) -> Result<Vec<(String, Uuid)>> {
    const SQL: &str = "INSERT INTO ad_campaigns (id, company_id, account_id, external_id, name, status, objective, \
        daily_budget_minor, lifetime_budget_minor, platform_updated_at, synced_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
        ON CONFLICT (account_id, external_id) DO UPDATE SET name = excluded.name, status = excluded.status, \
        objective = excluded.objective, daily_budget_minor = excluded.daily_budget_minor, \
        lifetime_budget_minor = excluded.lifetime_budget_minor, platform_updated_at = excluded.platform_updated_at, \
        synced_at = excluded.synced_at, \
        version = ad_campaigns.version + CASE WHEN ad_campaigns.status IS DISTINCT FROM excluded.status \
            OR ad_campaigns.daily_budget_minor IS DISTINCT FROM excluded.daily_budget_minor \
            OR ad_campaigns.lifetime_budget_minor IS DISTINCT FROM excluded.lifetime_budget_minor THEN 1 ELSE 0 END \
        RETURNING id";
    let mut tx = db.begin().await?;
    let mut ids = Vec::with_capacity(campaigns.len());
    for c in campaigns {
        let id: Uuid = with_tx!(&mut tx, |conn| sqlx::query_scalar(SQL)
            .bind(Uuid::now_v7())
            .bind(company_id)
            .bind(account_id)
            .bind(&c.external_id)
            .bind(&c.name)
            .bind(c.status)
            .bind(&c.objective)
            .bind(c.daily_budget_minor)
            .bind(c.lifetime_budget_minor)
            .bind(c.updated_at)
            .bind(now)
            .fetch_one(conn)
            .await)?;
        ids.push((c.external_id.clone(), id));
    }
    tx.commit().await?;
    Ok(ids)
}

/// Writes a page of days (each with our campaign id) and counts them into the pass's progress.
pub async fn write_days(
    db: &Db,
    company_id: Uuid,
    account_id: Uuid,
    days: &[(Uuid, &RemoteDay)],
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "INSERT INTO ad_campaign_days (campaign_id, day, company_id, spend_minor, impressions, clicks, \
        conversions, purchase_value_minor, synced_at, reach) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
        ON CONFLICT (campaign_id, day) DO UPDATE SET spend_minor = excluded.spend_minor, \
        impressions = excluded.impressions, clicks = excluded.clicks, conversions = excluded.conversions, \
        purchase_value_minor = excluded.purchase_value_minor, synced_at = excluded.synced_at, reach = excluded.reach";
    let mut tx = db.begin().await?;
    for (campaign_id, d) in days {
        exec_tx!(
            &mut tx,
            sqlx::query(SQL)
                .bind(campaign_id)
                .bind(d.day)
                .bind(company_id)
                .bind(d.totals.spend_minor)
                .bind(d.totals.impressions)
                .bind(d.totals.clicks)
                .bind(d.totals.conversions)
                .bind(d.totals.purchase_value_minor)
                .bind(now)
                .bind(d.reach)
        )?;
    }
    const PROGRESS: &str = "UPDATE ad_accounts SET sync_done = sync_done + $2 WHERE id = $1";
    exec_tx!(
        &mut tx,
        sqlx::query(PROGRESS)
            .bind(account_id)
            .bind(days.len() as i64)
    )?;
    tx.commit().await
}

/// Removes the account's days in `from..=to` the platform no longer reports (not written
/// since `pass_started`): the platform's answer for those days is the truth.
pub async fn drop_unreported_days(
    db: &Db,
    account_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
    pass_started: DateTime<Utc>,
) -> Result<u64> {
    const SQL: &str =
        "DELETE FROM ad_campaign_days WHERE day >= $2 AND day <= $3 AND synced_at < $4 \
        AND campaign_id IN (SELECT id FROM ad_campaigns WHERE account_id = $1 AND status NOT IN ('DELETED', 'ARCHIVED'))";
    Ok(exec!(
        db,
        sqlx::query(SQL)
            .bind(account_id)
            .bind(from)
            .bind(to)
            .bind(pass_started)
    )?)
}

/// Imported accounts of active connections with no pass queued or running whose last pass
/// ended before `due` (or never ran); a pass stuck since before `stale` (its job gave up) is
/// cleared first: (company, account).
pub async fn accounts_to_sync(
    db: &Db,
    stale: DateTime<Utc>,
    due: DateTime<Utc>,
) -> Result<Vec<(Uuid, Uuid)>> {
    const RESET: &str = "UPDATE ad_accounts SET sync_state = NULL, sync_error = 'the last sync stopped; started again' \
        WHERE sync_state IS NOT NULL AND sync_state_at < $1";
    exec!(db, sqlx::query(RESET).bind(stale))?;
    const SQL: &str = "SELECT a.company_id, a.id FROM ad_accounts a \
        JOIN ad_connections c ON c.id = a.connection_id AND c.status = 'active' \
        WHERE a.imported = $2 AND a.sync_state IS NULL \
        AND (a.sync_finished_at IS NULL OR a.sync_finished_at < $1)";
    Ok(with_db!(db, |c| sqlx::query_as(SQL)
        .bind(due)
        .bind(true)
        .fetch_all(c)
        .await)?)
}

/// A connection as stored (its token sealed).
pub struct NewConnection<'a> {
    pub company_id: Uuid,
    pub platform: &'a str,
    pub external_user: &'a str,
    pub display_name: &'a str,
    pub sealed_token: &'a str,
    pub token_hint: &'a str,
    pub token_expires_at: Option<DateTime<Utc>>,
    pub connected_by: Uuid,
}

/// Saves a consent (a new token for the same person replaces the old one and makes the
/// connection active again) and the accounts it reaches (new ones not imported yet); answers
/// the connection's id.
pub async fn save_connection(
    tx: &mut Tx,
    c: &NewConnection<'_>,
    accounts: &[RemoteAccount],
    now: DateTime<Utc>,
) -> Result<Uuid> {
    const CONNECTION: &str = "INSERT INTO ad_connections (id, company_id, platform, external_user, display_name, \
        sealed_token, token_hint, token_expires_at, status, status_reason, connected_by, connected_at, updated_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'active', NULL, $9, $10, $10) \
        ON CONFLICT (company_id, platform, external_user) DO UPDATE SET display_name = excluded.display_name, \
        sealed_token = excluded.sealed_token, token_hint = excluded.token_hint, \
        token_expires_at = excluded.token_expires_at, status = 'active', status_reason = NULL, \
        expiry_reminded_at = NULL, \
        connected_by = excluded.connected_by, updated_at = excluded.updated_at \
        RETURNING id";
    let id: Uuid = with_tx!(tx, |conn| sqlx::query_scalar(CONNECTION)
        .bind(Uuid::now_v7())
        .bind(c.company_id)
        .bind(c.platform)
        .bind(c.external_user)
        .bind(c.display_name)
        .bind(c.sealed_token)
        .bind(c.token_hint)
        .bind(c.token_expires_at)
        .bind(c.connected_by)
        .bind(now)
        .fetch_one(conn)
        .await)?;
    // An account reached through another of the company's connections moves to this one.
    const ACCOUNT: &str = "INSERT INTO ad_accounts (id, company_id, connection_id, platform, external_id, name, \
        currency, time_zone, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
        ON CONFLICT (company_id, platform, external_id) DO UPDATE SET connection_id = excluded.connection_id, \
        name = excluded.name, currency = excluded.currency, time_zone = excluded.time_zone";
    for a in accounts {
        exec_tx!(
            tx,
            sqlx::query(ACCOUNT)
                .bind(Uuid::now_v7())
                .bind(c.company_id)
                .bind(id)
                .bind(c.platform)
                .bind(&a.external_id)
                .bind(&a.name)
                .bind(&a.currency)
                .bind(&a.time_zone)
                .bind(now)
        )?;
    }
    Ok(id)
}

/// Chooses whether an account of the company is imported (synced and shown).
pub async fn set_imported(
    tx: &mut Tx,
    company_id: Uuid,
    account_id: Uuid,
    imported: bool,
) -> Result<bool> {
    const SQL: &str = "UPDATE ad_accounts SET imported = $3 WHERE id = $1 AND company_id = $2";
    Ok(exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(account_id)
            .bind(company_id)
            .bind(imported)
    )? > 0)
}

/// An account as the settings page lists it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AccountRow {
    pub id: Uuid,
    pub connection_id: Uuid,
    pub platform: String,
    pub external_id: String,
    pub name: String,
    pub currency: String,
    pub time_zone: String,
    pub imported: bool,
    pub sync_state: Option<String>,
    pub sync_done: i64,
    pub synced_at: Option<DateTime<Utc>>,
    pub sync_error: Option<String>,
    pub connection_status: String,
    pub connection_name: String,
}

pub async fn accounts(db: &Db, company_id: Uuid) -> Result<Vec<AccountRow>> {
    const SQL: &str = "SELECT a.id, a.connection_id, a.platform, a.external_id, a.name, a.currency, a.time_zone, \
        a.imported, a.sync_state, a.sync_done, a.synced_at, a.sync_error, c.status AS connection_status, \
        c.display_name AS connection_name \
        FROM ad_accounts a JOIN ad_connections c ON c.id = a.connection_id \
        WHERE a.company_id = $1 ORDER BY a.platform, a.name, a.external_id";
    Ok(with_db!(db, |c| sqlx::query_as(SQL)
        .bind(company_id)
        .fetch_all(c)
        .await)?)
}

/// A campaign's day as read back (tests, the campaign pages).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct DayRow {
    pub external_id: String,
    pub day: NaiveDate,
    pub spend_minor: i64,
    pub impressions: i64,
    pub clicks: i64,
    pub conversions: i64,
    pub purchase_value_minor: i64,
}

/// The account's days in `from..=to`, by campaign and day.
pub async fn days(
    db: &Db,
    company_id: Uuid,
    account_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<DayRow>> {
    const SQL: &str = "SELECT c.external_id, d.day, d.spend_minor, d.impressions, d.clicks, d.conversions, \
        d.purchase_value_minor FROM ad_campaign_days d JOIN ad_campaigns c ON c.id = d.campaign_id \
        WHERE d.company_id = $1 AND c.company_id = $1 AND c.account_id = $2 AND d.day >= $3 AND d.day <= $4 \
        ORDER BY c.external_id, d.day";
    Ok(with_db!(db, |c| sqlx::query_as(SQL)
        .bind(company_id)
        .bind(account_id)
        .bind(from)
        .bind(to)
        .fetch_all(c)
        .await)?)
}

/// A campaign as read back.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CampaignRow {
    pub id: Uuid,
    pub external_id: String,
    pub name: String,
    pub status: String,
    pub objective: Option<String>,
    pub daily_budget_minor: Option<i64>,
    pub lifetime_budget_minor: Option<i64>,
    pub version: i64,
}

pub async fn campaigns(db: &Db, company_id: Uuid, account_id: Uuid) -> Result<Vec<CampaignRow>> {
    const SQL: &str = "SELECT id, external_id, name, status, objective, daily_budget_minor, lifetime_budget_minor, version \
        FROM ad_campaigns WHERE company_id = $1 AND account_id = $2 ORDER BY external_id";
    Ok(with_db!(db, |c| sqlx::query_as(SQL)
        .bind(company_id)
        .bind(account_id)
        .fetch_all(c)
        .await)?)
}

/// A connection of the company: (platform, sealed token, the consenting person's id).
pub async fn connection(
    db: &Db,
    company_id: Uuid,
    id: Uuid,
) -> Result<Option<(String, String, String)>> {
    const SQL: &str = "SELECT platform, sealed_token, external_user FROM ad_connections WHERE id = $1 AND company_id = $2";
    Ok(with_db!(db, |c| sqlx::query_as(SQL)
        .bind(id)
        .bind(company_id)
        .fetch_optional(c)
        .await)?)
}

/// Whether another connection (of any company) rests on the same person's consent.
pub async fn consent_shared(
    db: &Db,
    id: Uuid,
    platform: &str,
    external_user: &str,
) -> Result<bool> {
    const SQL: &str = "SELECT COUNT(*) FROM ad_connections WHERE platform = $1 AND external_user = $2 AND id <> $3";
    let n: i64 = with_db!(db, |c| sqlx::query_scalar(SQL)
        .bind(platform)
        .bind(external_user)
        .bind(id)
        .fetch_one(c)
        .await)?;
    Ok(n > 0)
}

/// Deletes a connection of the company with its accounts, campaigns and days.
pub async fn delete_connection(tx: &mut Tx, company_id: Uuid, id: Uuid) -> Result<bool> {
    const SQL: &str = "DELETE FROM ad_connections WHERE id = $1 AND company_id = $2";
    Ok(exec_tx!(tx, sqlx::query(SQL).bind(id).bind(company_id))? > 0)
}

// Controls.

/// A campaign with what changing it needs: its account, connection and today's spend.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Target {
    pub id: Uuid,
    pub company_id: Uuid,
    pub external_id: String,
    pub name: String,
    pub status: String,
    pub daily_budget_minor: Option<i64>,
    pub lifetime_budget_minor: Option<i64>,
    pub version: i64,
    pub account_external_id: String,
    pub platform: String,
    pub currency: String,
    pub time_zone: String,
    pub connection_id: Uuid,
    pub sealed_token: String,
    pub connection_status: String,
}

/// A campaign of the company's imported accounts.
pub async fn target(db: &Db, company_id: Uuid, campaign_id: Uuid) -> Result<Option<Target>> {
    const SQL: &str = "SELECT c.id, c.company_id, c.external_id, c.name, c.status, c.daily_budget_minor, \
        c.lifetime_budget_minor, c.version, a.external_id AS account_external_id, a.platform, a.currency, \
        a.time_zone, a.connection_id, n.sealed_token, n.status AS connection_status \
        FROM ad_campaigns c JOIN ad_accounts a ON a.id = c.account_id AND a.company_id = c.company_id \
        JOIN ad_connections n ON n.id = a.connection_id AND n.company_id = c.company_id \
        WHERE c.id = $1 AND c.company_id = $2 AND a.imported = $3";
    Ok(with_db!(db, |c| sqlx::query_as(SQL)
        .bind(campaign_id)
        .bind(company_id)
        .bind(true)
        .fetch_optional(c)
        .await)?)
}

/// The campaign's spend on `day` (0 when nothing is recorded).
pub async fn spend_on(db: &Db, campaign_id: Uuid, day: NaiveDate) -> Result<i64> {
    const SQL: &str =
        "SELECT spend_minor FROM ad_campaign_days WHERE campaign_id = $1 AND day = $2";
    let v: Option<i64> = with_db!(db, |c| sqlx::query_scalar(SQL)
        .bind(campaign_id)
        .bind(day)
        .fetch_optional(c)
        .await)?;
    Ok(v.unwrap_or(0))
}

/// The company's budget cap in `currency`, when it set one.
pub async fn budget_cap(db: &Db, company_id: Uuid, currency: &str) -> Result<Option<i64>> {
    const SQL: &str =
        "SELECT cap_minor FROM ad_budget_caps WHERE company_id = $1 AND currency = $2";
    Ok(with_db!(db, |c| sqlx::query_scalar(SQL)
        .bind(company_id)
        .bind(currency)
        .fetch_optional(c)
        .await)?)
}

/// Sets (Some) or removes (None) the company's cap in `currency`.
pub async fn set_budget_cap(
    tx: &mut Tx,
    company_id: Uuid,
    currency: &str,
    cap: Option<i64>,
) -> Result<()> {
    match cap {
        Some(cap) => {
            const SQL: &str =
                "INSERT INTO ad_budget_caps (company_id, currency, cap_minor) VALUES ($1, $2, $3) \
                ON CONFLICT (company_id, currency) DO UPDATE SET cap_minor = excluded.cap_minor";
            exec_tx!(
                tx,
                sqlx::query(SQL).bind(company_id).bind(currency).bind(cap)
            )?;
        }
        None => {
            const SQL: &str = "DELETE FROM ad_budget_caps WHERE company_id = $1 AND currency = $2";
            exec_tx!(tx, sqlx::query(SQL).bind(company_id).bind(currency))?;
        }
    }
    Ok(())
}

/// A change as stored.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ChangeRow {
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub kind: String,
    pub old_status: Option<String>,
    pub new_status: Option<String>,
    pub old_budget_minor: Option<i64>,
    pub new_budget_minor: Option<i64>,
    pub base_version: i64,
    pub state: String,
    pub approval_reason: Option<String>,
    pub requested_by: Option<Uuid>,
    pub requested_at: DateTime<Utc>,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_reason: Option<String>,
    pub request_id: String,
    pub platform_answer: Option<String>,
    pub applied_at: Option<DateTime<Utc>>,
    pub source: String,
}

const CHANGE_COLUMNS: &str = "id, campaign_id, kind, old_status, new_status, old_budget_minor, new_budget_minor, \
    base_version, state, approval_reason, requested_by, requested_at, decided_by, decided_at, decision_reason, \
    request_id, platform_answer, applied_at, source";

/// A change of the company.
pub async fn change(db: &Db, company_id: Uuid, id: Uuid) -> Result<Option<ChangeRow>> {
    let sql = format!("SELECT {CHANGE_COLUMNS} FROM ad_changes WHERE id = $1 AND company_id = $2");
    Ok(with_db!(db, |c| sqlx::query_as(&sql)
        .bind(id)
        .bind(company_id)
        .fetch_optional(c)
        .await)?)
}

/// The company's change with this request id (a form sent twice).
pub async fn change_by_request(
    db: &Db,
    company_id: Uuid,
    request_id: &str,
) -> Result<Option<ChangeRow>> {
    let sql = format!(
        "SELECT {CHANGE_COLUMNS} FROM ad_changes WHERE request_id = $1 AND company_id = $2"
    );
    Ok(with_db!(db, |c| sqlx::query_as(&sql)
        .bind(request_id)
        .bind(company_id)
        .fetch_optional(c)
        .await)?)
}

/// The company's changes in `state` (all with None) of one campaign (all with None), newest first.
pub async fn changes(
    db: &Db,
    company_id: Uuid,
    campaign_id: Option<Uuid>,
    state: Option<&str>,
) -> Result<Vec<ChangeRow>> {
    let sql = format!(
        "SELECT {CHANGE_COLUMNS} FROM ad_changes WHERE company_id = $1 AND ($2 IS NULL OR campaign_id = $2) \
         AND ($3 IS NULL OR state = $3) ORDER BY requested_at DESC, id DESC LIMIT 500"
    );
    Ok(with_db!(db, |c| sqlx::query_as(&sql)
        .bind(company_id)
        .bind(campaign_id)
        .bind(state)
        .fetch_all(c)
        .await)?)
}

/// A change to record.
pub struct NewChange<'a> {
    pub id: Uuid,
    pub company_id: Uuid,
    pub campaign_id: Uuid,
    pub kind: &'a str,
    pub old_status: Option<&'a str>,
    pub new_status: Option<&'a str>,
    pub old_budget_minor: Option<i64>,
    pub new_budget_minor: Option<i64>,
    pub base_version: i64,
    pub state: &'a str,
    pub approval_reason: Option<&'a str>,
    /// None: a rule or a rollback asked.
    pub requested_by: Option<Uuid>,
    pub request_id: &'a str,
    /// person, rule, rollback or insight.
    pub source: &'a str,
}

/// Records a change; false when the campaign's version is no longer `base_version` (someone
/// changed it meanwhile), another change of the campaign is being written (one at a time), or
/// the request id was used.
pub async fn insert_change(tx: &mut Tx, c: &NewChange<'_>, now: DateTime<Utc>) -> Result<bool> {
    const SQL: &str = "INSERT INTO ad_changes (id, company_id, campaign_id, kind, old_status, new_status, \
        old_budget_minor, new_budget_minor, base_version, state, approval_reason, requested_by, requested_at, \
        request_id, updated_at, source) SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $13, $15 \
        WHERE EXISTS (SELECT 1 FROM ad_campaigns WHERE id = $3 AND company_id = $2 AND version = $9) \
        ON CONFLICT DO NOTHING";
    Ok(exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(c.id)
            .bind(c.company_id)
            .bind(c.campaign_id)
            .bind(c.kind)
            .bind(c.old_status)
            .bind(c.new_status)
            .bind(c.old_budget_minor)
            .bind(c.new_budget_minor)
            .bind(c.base_version)
            .bind(c.state)
            .bind(c.approval_reason)
            .bind(c.requested_by)
            .bind(now)
            .bind(c.request_id)
            .bind(c.source)
    )? > 0)
}

/// Moves a pending change to `applying` for its approver; false when it is no longer pending
/// (decided meanwhile: a double click), the campaign changed since it was asked for, or another
/// change of the campaign is being written.
pub async fn approve_change(
    tx: &mut Tx,
    company_id: Uuid,
    id: Uuid,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str = "UPDATE ad_changes SET state = 'applying', decided_by = $3, decided_at = $4, updated_at = $4 \
        WHERE id = $1 AND company_id = $2 AND state = 'pending' \
        AND EXISTS (SELECT 1 FROM ad_campaigns c WHERE c.id = ad_changes.campaign_id AND c.version = ad_changes.base_version) \
        AND NOT EXISTS (SELECT 1 FROM ad_changes o WHERE o.campaign_id = ad_changes.campaign_id AND o.state = 'applying')";
    let done = with_tx!(tx, |conn| sqlx::query(SQL)
        .bind(id)
        .bind(company_id)
        .bind(by)
        .bind(now)
        .execute(conn)
        .await
        .map(|r| r.rows_affected()));
    match done {
        Ok(n) => Ok(n > 0),
        // Two approvals of two changes of one campaign at the same instant: PostgreSQL's
        // snapshot lets both past NOT EXISTS, and the one-applying index stops the second.
        Err(e) if crate::error::is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Rejects a pending change with the approver's reason; false when it is not pending.
pub async fn reject_change(
    tx: &mut Tx,
    company_id: Uuid,
    id: Uuid,
    by: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str = "UPDATE ad_changes SET state = 'rejected', decided_by = $3, decided_at = $4, decision_reason = $5, \
        updated_at = $4 WHERE id = $1 AND company_id = $2 AND state = 'pending'";
    Ok(exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(id)
            .bind(company_id)
            .bind(by)
            .bind(now)
            .bind(reason)
    )? > 0)
}

/// What a resubmission asks for: the budget (perhaps new) against the campaign as it is now.
pub struct Resubmission<'a> {
    pub old_budget_minor: Option<i64>,
    pub new_budget_minor: Option<i64>,
    pub base_version: i64,
    pub approval_reason: &'a str,
}

/// Sends a rejected change back for approval; the decision is cleared. False when it is not
/// rejected.
pub async fn resubmit_change(
    tx: &mut Tx,
    company_id: Uuid,
    id: Uuid,
    r: &Resubmission<'_>,
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str =
        "UPDATE ad_changes SET state = 'pending', decided_by = NULL, decided_at = NULL, \
        decision_reason = NULL, old_budget_minor = $3, new_budget_minor = $4, base_version = $5, \
        approval_reason = $6, requested_at = $7, updated_at = $7 \
        WHERE id = $1 AND company_id = $2 AND state = 'rejected'";
    Ok(exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(id)
            .bind(company_id)
            .bind(r.old_budget_minor)
            .bind(r.new_budget_minor)
            .bind(r.base_version)
            .bind(r.approval_reason)
            .bind(now)
    )? > 0)
}

/// The platform accepted the change: it is applied, and the campaign takes the new value
/// (and a new version).
pub async fn change_applied(
    tx: &mut Tx,
    c: &ChangeRow,
    answer: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    const CHANGE: &str = "UPDATE ad_changes SET state = 'applied', platform_answer = $2, applied_at = $3, updated_at = $3 \
        WHERE id = $1 AND state = 'applying'";
    exec_tx!(tx, sqlx::query(CHANGE).bind(c.id).bind(answer).bind(now))?;
    const CAMPAIGN: &str = "UPDATE ad_campaigns SET status = COALESCE($2, status), \
        daily_budget_minor = COALESCE($3, daily_budget_minor), version = version + 1 WHERE id = $1";
    exec_tx!(
        tx,
        sqlx::query(CAMPAIGN)
            .bind(c.campaign_id)
            .bind(&c.new_status)
            .bind(c.new_budget_minor)
    )?;
    Ok(())
}

/// The platform refused the change (or could not be reached): failed, with its words; the
/// campaign is unchanged.
pub async fn change_failed(tx: &mut Tx, id: Uuid, answer: &str, now: DateTime<Utc>) -> Result<()> {
    const SQL: &str =
        "UPDATE ad_changes SET state = 'failed', platform_answer = $2, updated_at = $3 \
        WHERE id = $1 AND state = 'applying'";
    exec_tx!(tx, sqlx::query(SQL).bind(id).bind(answer).bind(now))?;
    Ok(())
}

// Alert rules.

/// A rule as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RuleRow {
    pub id: Uuid,
    pub company_id: Uuid,
    pub name: String,
    pub enabled: bool,
    pub combine: String,
    pub conditions: String,
    pub action: String,
    pub reduce_percent: Option<i64>,
    pub rollback_hours: Option<i64>,
    pub created_by: Option<Uuid>,
}

const RULE_COLUMNS: &str =
    "id, company_id, name, enabled, combine, conditions, action, reduce_percent, rollback_hours, created_by";

pub struct NewRule<'a> {
    pub id: Uuid,
    pub company_id: Uuid,
    pub name: &'a str,
    pub combine: &'a str,
    pub conditions: &'a str,
    pub action: &'a str,
    pub reduce_percent: Option<i64>,
    pub rollback_hours: Option<i64>,
    pub created_by: Uuid,
}

pub async fn insert_rule(tx: &mut Tx, r: &NewRule<'_>, now: DateTime<Utc>) -> Result<()> {
    const SQL: &str =
        "INSERT INTO ad_rules (id, company_id, name, enabled, combine, conditions, action, \
        reduce_percent, rollback_hours, created_by, created_at, updated_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)";
    exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(r.id)
            .bind(r.company_id)
            .bind(r.name)
            .bind(true)
            .bind(r.combine)
            .bind(r.conditions)
            .bind(r.action)
            .bind(r.reduce_percent)
            .bind(r.rollback_hours)
            .bind(r.created_by)
            .bind(now)
    )?;
    Ok(())
}

pub async fn set_rule_enabled(
    tx: &mut Tx,
    company_id: Uuid,
    id: Uuid,
    enabled: bool,
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str =
        "UPDATE ad_rules SET enabled = $3, updated_at = $4 WHERE id = $1 AND company_id = $2";
    Ok(exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(id)
            .bind(company_id)
            .bind(enabled)
            .bind(now)
    )? > 0)
}

pub async fn delete_rule(tx: &mut Tx, company_id: Uuid, id: Uuid) -> Result<bool> {
    const SQL: &str = "DELETE FROM ad_rules WHERE id = $1 AND company_id = $2";
    Ok(exec_tx!(tx, sqlx::query(SQL).bind(id).bind(company_id))? > 0)
}

/// The company's rules (all companies' enabled ones with None).
pub async fn rules(db: &Db, company_id: Option<Uuid>) -> Result<Vec<RuleRow>> {
    let sql = format!(
        "SELECT {RULE_COLUMNS} FROM ad_rules WHERE ($1 IS NULL AND enabled = $2) OR company_id = $1 ORDER BY created_at, id"
    );
    Ok(with_db!(db, |c| sqlx::query_as(&sql)
        .bind(company_id)
        .bind(true)
        .fetch_all(c)
        .await)?)
}

/// The company's active campaigns of imported accounts whose connection works: what rules
/// watch.
pub async fn watched_campaigns(db: &Db, company_id: Uuid) -> Result<Vec<Target>> {
    const SQL: &str = "SELECT c.id, c.company_id, c.external_id, c.name, c.status, c.daily_budget_minor, \
        c.lifetime_budget_minor, c.version, a.external_id AS account_external_id, a.platform, a.currency, \
        a.time_zone, a.connection_id, n.sealed_token, n.status AS connection_status \
        FROM ad_campaigns c JOIN ad_accounts a ON a.id = c.account_id AND a.company_id = c.company_id \
        JOIN ad_connections n ON n.id = a.connection_id AND n.company_id = c.company_id \
        WHERE c.company_id = $1 AND a.imported = $2 AND n.status = 'active' AND c.status = 'ACTIVE' \
        ORDER BY c.name, c.id";
    Ok(with_db!(db, |c| sqlx::query_as(SQL)
        .bind(company_id)
        .bind(true)
        .fetch_all(c)
        .await)?)
}

/// A campaign's totals over `from..=to`, with the people reached (summed by day).
pub async fn window(
    db: &Db,
    campaign_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<(super::metrics::Totals, i64)> {
    // PostgreSQL sums BIGINT as NUMERIC: cast back.
    const SQL: &str = "SELECT CAST(COALESCE(SUM(spend_minor), 0) AS BIGINT), CAST(COALESCE(SUM(impressions), 0) AS BIGINT), \
        CAST(COALESCE(SUM(clicks), 0) AS BIGINT), CAST(COALESCE(SUM(conversions), 0) AS BIGINT), \
        CAST(COALESCE(SUM(purchase_value_minor), 0) AS BIGINT), CAST(COALESCE(SUM(reach), 0) AS BIGINT) \
        FROM ad_campaign_days WHERE campaign_id = $1 AND day >= $2 AND day <= $3";
    let (spend, impressions, clicks, conversions, value, reach): (i64, i64, i64, i64, i64, i64) =
        with_db!(db, |c| sqlx::query_as(SQL)
            .bind(campaign_id)
            .bind(from)
            .bind(to)
            .fetch_one(c)
            .await)?;
    Ok((
        totals(spend, impressions, clicks, conversions, value),
        reach,
    ))
}

/// A campaign's figures per day in `from..=to`.
pub async fn campaign_days(
    db: &Db,
    campaign_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(NaiveDate, super::metrics::Totals)>> {
    const SQL: &str =
        "SELECT day, spend_minor, impressions, clicks, conversions, purchase_value_minor \
        FROM ad_campaign_days WHERE campaign_id = $1 AND day >= $2 AND day <= $3 ORDER BY day";
    let rows: Vec<(NaiveDate, i64, i64, i64, i64, i64)> = with_db!(db, |c| sqlx::query_as(SQL)
        .bind(campaign_id)
        .bind(from)
        .bind(to)
        .fetch_all(c)
        .await)?;
    Ok(rows
        .into_iter()
        .map(|(day, s, i, c, v, p)| (day, totals(s, i, c, v, p)))
        .collect())
}

/// A day's figures as the columns hold them (spend, impressions, clicks, conversions,
/// purchase value).
fn totals(
    spend: i64,
    impressions: i64,
    clicks: i64,
    conversions: i64,
    value: i64,
) -> super::metrics::Totals {
    super::metrics::Totals {
        spend_minor: spend,
        impressions,
        clicks,
        conversions,
        purchase_value_minor: value,
    }
}

/// When the rule last fired for the campaign.
pub async fn last_firing(
    db: &Db,
    rule_id: Uuid,
    campaign_id: Uuid,
) -> Result<Option<DateTime<Utc>>> {
    const SQL: &str =
        "SELECT MAX(fired_at) FROM ad_rule_firings WHERE rule_id = $1 AND campaign_id = $2";
    Ok(with_db!(db, |c| sqlx::query_scalar(SQL)
        .bind(rule_id)
        .bind(campaign_id)
        .fetch_one(c)
        .await)?)
}

pub struct NewFiring<'a> {
    pub id: Uuid,
    pub company_id: Uuid,
    pub rule_id: Uuid,
    pub campaign_id: Uuid,
    pub window_start: DateTime<Utc>,
    pub summary: &'a str,
    pub action: &'a str,
}

/// Records a firing (outcome `pending` until its action is done); false when the rule already
/// fired for the campaign in this window (another evaluation got there first).
pub async fn insert_firing(tx: &mut Tx, f: &NewFiring<'_>, now: DateTime<Utc>) -> Result<bool> {
    const SQL: &str = "INSERT INTO ad_rule_firings (id, company_id, rule_id, campaign_id, window_start, fired_at, \
        summary, action, outcome) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending') ON CONFLICT DO NOTHING";
    Ok(exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(f.id)
            .bind(f.company_id)
            .bind(f.rule_id)
            .bind(f.campaign_id)
            .bind(f.window_start)
            .bind(now)
            .bind(f.summary)
            .bind(f.action)
    )? > 0)
}

/// How a firing's action went.
pub async fn firing_done(
    db: &Db,
    id: Uuid,
    outcome: &str,
    note: Option<&str>,
    change_id: Option<Uuid>,
    rollback_due_at: Option<DateTime<Utc>>,
) -> Result<()> {
    const SQL: &str = "UPDATE ad_rule_firings SET outcome = $2, note = $3, change_id = $4, rollback_due_at = $5 WHERE id = $1";
    exec!(
        db,
        sqlx::query(SQL)
            .bind(id)
            .bind(outcome)
            .bind(note)
            .bind(change_id)
            .bind(rollback_due_at)
    )?;
    Ok(())
}

/// A firing as listed and as the rollback reads it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FiringRow {
    pub id: Uuid,
    pub company_id: Uuid,
    pub rule_id: Uuid,
    pub rule_name: String,
    pub campaign_id: Uuid,
    pub fired_at: DateTime<Utc>,
    pub summary: String,
    pub action: String,
    pub outcome: String,
    pub note: Option<String>,
    pub change_id: Option<Uuid>,
    pub rollback_due_at: Option<DateTime<Utc>>,
    pub kept_by: Option<Uuid>,
    pub rolled_back_at: Option<DateTime<Utc>>,
    pub rollback_note: Option<String>,
}

const FIRING_COLUMNS: &str = "f.id, f.company_id, f.rule_id, r.name AS rule_name, f.campaign_id, f.fired_at, f.summary, \
    f.action, f.outcome, f.note, f.change_id, f.rollback_due_at, f.kept_by, f.rolled_back_at, f.rollback_note";

/// The company's firings (of one campaign with Some), newest first.
pub async fn firings(
    db: &Db,
    company_id: Uuid,
    campaign_id: Option<Uuid>,
) -> Result<Vec<FiringRow>> {
    let sql = format!(
        "SELECT {FIRING_COLUMNS} FROM ad_rule_firings f JOIN ad_rules r ON r.id = f.rule_id \
         WHERE f.company_id = $1 AND ($2 IS NULL OR f.campaign_id = $2) ORDER BY f.fired_at DESC, f.id DESC LIMIT 500"
    );
    Ok(with_db!(db, |c| sqlx::query_as(&sql)
        .bind(company_id)
        .bind(campaign_id)
        .fetch_all(c)
        .await)?)
}

/// Firings whose rollback is due at `now`, not kept, not rolled back.
pub async fn rollbacks_due(db: &Db, now: DateTime<Utc>) -> Result<Vec<FiringRow>> {
    let sql = format!(
        "SELECT {FIRING_COLUMNS} FROM ad_rule_firings f JOIN ad_rules r ON r.id = f.rule_id \
         WHERE f.rollback_due_at <= $1 AND f.rolled_back_at IS NULL AND f.kept_at IS NULL ORDER BY f.rollback_due_at"
    );
    Ok(with_db!(db, |c| sqlx::query_as(&sql)
        .bind(now)
        .fetch_all(c)
        .await)?)
}

/// Claims a due rollback (once, whoever runs it); false when kept or claimed meanwhile.
pub async fn claim_rollback(db: &Db, id: Uuid, now: DateTime<Utc>) -> Result<bool> {
    const SQL: &str = "UPDATE ad_rule_firings SET rolled_back_at = $2 WHERE id = $1 AND rolled_back_at IS NULL AND kept_at IS NULL";
    Ok(exec!(db, sqlx::query(SQL).bind(id).bind(now))? > 0)
}

/// Gives a claimed rollback back (it could not be done now; the next hourly run tries again).
pub async fn unclaim_rollback(db: &Db, id: Uuid, note: &str) -> Result<()> {
    const SQL: &str =
        "UPDATE ad_rule_firings SET rolled_back_at = NULL, rollback_note = $2 WHERE id = $1";
    exec!(db, sqlx::query(SQL).bind(id).bind(note))?;
    Ok(())
}

/// Rollbacks of the rule still to come.
pub async fn rule_rollbacks_due(db: &Db, company_id: Uuid, rule_id: Uuid) -> Result<i64> {
    const SQL: &str =
        "SELECT COUNT(*) FROM ad_rule_firings WHERE company_id = $1 AND rule_id = $2 \
        AND rollback_due_at IS NOT NULL AND rolled_back_at IS NULL AND kept_at IS NULL";
    Ok(with_db!(db, |c| sqlx::query_scalar(SQL)
        .bind(company_id)
        .bind(rule_id)
        .fetch_one(c)
        .await)?)
}

pub async fn rollback_noted(db: &Db, id: Uuid, note: &str, change_id: Option<Uuid>) -> Result<()> {
    const SQL: &str =
        "UPDATE ad_rule_firings SET rollback_note = $2, rollback_change_id = $3 WHERE id = $1";
    exec!(db, sqlx::query(SQL).bind(id).bind(note).bind(change_id))?;
    Ok(())
}

/// A person keeps what a rule did (no rollback); false when it is not waiting for one.
pub async fn keep_firing(
    tx: &mut Tx,
    company_id: Uuid,
    id: Uuid,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str = "UPDATE ad_rule_firings SET kept_by = $3, kept_at = $4 \
        WHERE id = $1 AND company_id = $2 AND rollback_due_at IS NOT NULL AND rolled_back_at IS NULL AND kept_at IS NULL";
    Ok(exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(id)
            .bind(company_id)
            .bind(by)
            .bind(now)
    )? > 0)
}

/// A person's email, when they are still an active member of the company (a rule's author,
/// whoever connected an account).
pub async fn member_email(db: &Db, company_id: Uuid, user_id: Uuid) -> Result<Option<String>> {
    const SQL: &str = "SELECT u.email FROM users u JOIN memberships m ON m.user_id = u.id \
        WHERE u.id = $1 AND m.company_id = $2 AND u.disabled_at IS NULL AND m.disabled_at IS NULL";
    Ok(with_db!(db, |c| sqlx::query_scalar(SQL)
        .bind(user_id)
        .bind(company_id)
        .fetch_optional(c)
        .await)?)
}

// AI insights.

/// The company's insight settings: (daily run time "HH:MM", target ROAS in hundredths).
pub async fn insight_settings(db: &Db, company_id: Uuid) -> Result<(Option<String>, i64)> {
    const SQL: &str =
        "SELECT daily_at, target_roas_centi FROM ad_insight_settings WHERE company_id = $1";
    let row: Option<(Option<String>, i64)> = with_db!(db, |c| sqlx::query_as(SQL)
        .bind(company_id)
        .fetch_optional(c)
        .await)?;
    Ok(row.unwrap_or((None, 200)))
}

pub async fn set_insight_settings(
    tx: &mut Tx,
    company_id: Uuid,
    daily_at: Option<&str>,
    target_roas_centi: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "INSERT INTO ad_insight_settings (company_id, daily_at, target_roas_centi, updated_at) \
        VALUES ($1, $2, $3, $4) ON CONFLICT (company_id) DO UPDATE SET daily_at = excluded.daily_at, \
        target_roas_centi = excluded.target_roas_centi, updated_at = excluded.updated_at";
    exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(company_id)
            .bind(daily_at)
            .bind(target_roas_centi)
            .bind(now)
    )?;
    Ok(())
}

/// Companies with a daily run time, with their time zone.
pub async fn daily_insight_companies(db: &Db) -> Result<Vec<(Uuid, String, String)>> {
    const SQL: &str = "SELECT s.company_id, s.daily_at, c.timezone FROM ad_insight_settings s \
        JOIN companies c ON c.id = s.company_id WHERE s.daily_at IS NOT NULL AND c.disabled_at IS NULL";
    Ok(with_db!(db, |c| sqlx::query_as(SQL).fetch_all(c).await)?)
}

/// Records a queued run; false when the company has one queued or running, or (daily) one
/// that day already.
pub async fn insert_run(
    tx: &mut Tx,
    id: Uuid,
    company_id: Uuid,
    trigger: &str,
    day: NaiveDate,
    requested_by: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str = "INSERT INTO ad_insight_runs (id, company_id, trigger, day, state, requested_by, created_at) \
        VALUES ($1, $2, $3, $4, 'queued', $5, $6) ON CONFLICT DO NOTHING";
    Ok(exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(id)
            .bind(company_id)
            .bind(trigger)
            .bind(day)
            .bind(requested_by)
            .bind(now)
    )? > 0)
}

/// A run as read back.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RunRow {
    pub id: Uuid,
    pub company_id: Uuid,
    pub trigger: String,
    pub state: String,
    pub provider: Option<String>,
    pub hold_id: Option<Uuid>,
    pub tokens_charged: i64,
    pub suggestions: i64,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

const RUN_COLUMNS: &str =
    "id, company_id, trigger, state, provider, hold_id, tokens_charged, suggestions, error, created_at, finished_at";

pub async fn run(db: &Db, id: Uuid) -> Result<Option<RunRow>> {
    let sql = format!("SELECT {RUN_COLUMNS} FROM ad_insight_runs WHERE id = $1");
    Ok(with_db!(db, |c| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(c)
        .await)?)
}

/// The company's open run (queued or running), if any.
pub async fn open_run(db: &Db, company_id: Uuid) -> Result<Option<RunRow>> {
    let sql = format!(
        "SELECT {RUN_COLUMNS} FROM ad_insight_runs WHERE company_id = $1 AND state IN ('queued', 'running')"
    );
    Ok(with_db!(db, |c| sqlx::query_as(&sql)
        .bind(company_id)
        .fetch_optional(c)
        .await)?)
}

/// The company's latest runs, newest first.
pub async fn runs(db: &Db, company_id: Uuid, limit: i64) -> Result<Vec<RunRow>> {
    let sql = format!(
        "SELECT {RUN_COLUMNS} FROM ad_insight_runs WHERE company_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
    );
    Ok(with_db!(db, |c| sqlx::query_as(&sql)
        .bind(company_id)
        .bind(limit)
        .fetch_all(c)
        .await)?)
}

/// Open runs (queued or running) made before `before` lost their job: failed, so the company
/// can run again.
pub async fn fail_stale_runs(db: &Db, before: DateTime<Utc>) -> Result<u64> {
    const SQL: &str = "UPDATE ad_insight_runs SET state = 'failed', error = 'interrupted; ask again', finished_at = $2 \
        WHERE state IN ('queued', 'running') AND created_at < $1";
    Ok(exec!(db, sqlx::query(SQL).bind(before).bind(Utc::now()))?)
}

pub async fn start_run(db: &Db, id: Uuid, provider: &str) -> Result<bool> {
    const SQL: &str = "UPDATE ad_insight_runs SET state = 'running', provider = $2 WHERE id = $1 AND state IN ('queued', 'running')";
    Ok(exec!(db, sqlx::query(SQL).bind(id).bind(provider))? > 0)
}

pub async fn set_run_hold(db: &Db, id: Uuid, hold_id: Uuid) -> Result<()> {
    const SQL: &str = "UPDATE ad_insight_runs SET hold_id = $2 WHERE id = $1";
    exec!(db, sqlx::query(SQL).bind(id).bind(hold_id))?;
    Ok(())
}

pub async fn finish_run(
    db: &Db,
    id: Uuid,
    state: &str,
    tokens: i64,
    suggestions: i64,
    error: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "UPDATE ad_insight_runs SET state = $2, tokens_charged = $3, suggestions = $4, error = $5, \
        finished_at = $6 WHERE id = $1";
    exec!(
        db,
        sqlx::query(SQL)
            .bind(id)
            .bind(state)
            .bind(tokens)
            .bind(suggestions)
            .bind(error)
            .bind(now)
    )?;
    Ok(())
}

/// A suggestion to record.
pub struct NewInsight {
    pub campaign_id: Uuid,
    pub kind: &'static str,
    pub title: String,
    pub reasoning: String,
    pub current_value: String,
    pub suggested_value: String,
    pub suggested_budget_minor: Option<i64>,
    pub suggested_status: Option<&'static str>,
    pub confidence: i64,
    pub impact: String,
}

/// Records a run's suggestions; a campaign's older pending suggestions expire (the new one
/// replaces them).
pub async fn insert_insights(
    db: &Db,
    company_id: Uuid,
    run_id: Uuid,
    source: &str,
    items: &[NewInsight],
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    let mut tx = db.begin().await?;
    const EXPIRE: &str = "UPDATE ad_insights SET status = 'expired' WHERE company_id = $1 AND campaign_id = $2 AND status = 'pending'";
    const SQL: &str = "INSERT INTO ad_insights (id, company_id, run_id, campaign_id, kind, title, reasoning, current_value, \
        suggested_value, suggested_budget_minor, suggested_status, confidence, impact, source, status, created_at, expires_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'pending', $15, $16)";
    for i in items {
        exec_tx!(
            &mut tx,
            sqlx::query(EXPIRE).bind(company_id).bind(i.campaign_id)
        )?;
        exec_tx!(
            &mut tx,
            sqlx::query(SQL)
                .bind(Uuid::now_v7())
                .bind(company_id)
                .bind(run_id)
                .bind(i.campaign_id)
                .bind(i.kind)
                .bind(&i.title)
                .bind(&i.reasoning)
                .bind(&i.current_value)
                .bind(&i.suggested_value)
                .bind(i.suggested_budget_minor)
                .bind(i.suggested_status)
                .bind(i.confidence)
                .bind(&i.impact)
                .bind(source)
                .bind(now)
                .bind(expires_at)
        )?;
    }
    tx.commit().await
}

/// Pending suggestions past their day expire.
pub async fn expire_insights(db: &Db, company_id: Uuid, now: DateTime<Utc>) -> Result<u64> {
    const SQL: &str = "UPDATE ad_insights SET status = 'expired' WHERE company_id = $1 AND status = 'pending' AND expires_at <= $2";
    Ok(exec!(db, sqlx::query(SQL).bind(company_id).bind(now))?)
}

/// A suggestion as read back.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct InsightRow {
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub campaign_name: String,
    pub kind: String,
    pub title: String,
    pub reasoning: String,
    pub current_value: String,
    pub suggested_value: String,
    pub suggested_budget_minor: Option<i64>,
    pub suggested_status: Option<String>,
    pub confidence: i64,
    pub impact: String,
    pub source: String,
    pub status: String,
    pub dismiss_reason: Option<String>,
    pub change_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

const INSIGHT_COLUMNS: &str = "i.id, i.campaign_id, c.name AS campaign_name, i.kind, i.title, i.reasoning, i.current_value, \
    i.suggested_value, i.suggested_budget_minor, i.suggested_status, i.confidence, i.impact, i.source, i.status, \
    i.dismiss_reason, i.change_id, i.created_at, i.expires_at";

/// The company's suggestions (of one campaign with Some), newest first.
pub async fn insights(
    db: &Db,
    company_id: Uuid,
    campaign_id: Option<Uuid>,
) -> Result<Vec<InsightRow>> {
    let sql = format!(
        "SELECT {INSIGHT_COLUMNS} FROM ad_insights i JOIN ad_campaigns c ON c.id = i.campaign_id \
         WHERE i.company_id = $1 AND ($2 IS NULL OR i.campaign_id = $2) ORDER BY i.created_at DESC, i.id DESC LIMIT 500"
    );
    Ok(with_db!(db, |c| sqlx::query_as(&sql)
        .bind(company_id)
        .bind(campaign_id)
        .fetch_all(c)
        .await)?)
}

pub async fn insight(db: &Db, company_id: Uuid, id: Uuid) -> Result<Option<InsightRow>> {
    let sql = format!(
        "SELECT {INSIGHT_COLUMNS} FROM ad_insights i JOIN ad_campaigns c ON c.id = i.campaign_id \
         WHERE i.company_id = $1 AND i.id = $2"
    );
    Ok(with_db!(db, |c| sqlx::query_as(&sql)
        .bind(company_id)
        .bind(id)
        .fetch_optional(c)
        .await)?)
}

/// Moves a pending, unexpired suggestion to `status` with who decided (and why); false when
/// it is no longer pending.
pub async fn decide_insight(
    db: &Db,
    company_id: Uuid,
    id: Uuid,
    status: &str,
    by: Uuid,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str = "UPDATE ad_insights SET status = $3, decided_by = $4, decided_at = $5, dismiss_reason = $6 \
        WHERE id = $1 AND company_id = $2 AND status = 'pending' AND expires_at > $5";
    Ok(exec!(
        db,
        sqlx::query(SQL)
            .bind(id)
            .bind(company_id)
            .bind(status)
            .bind(by)
            .bind(now)
            .bind(reason)
    )? > 0)
}

/// An applied suggestion goes back to pending (its change failed), or records its change.
pub async fn insight_change(
    db: &Db,
    id: Uuid,
    status: &str,
    change_id: Option<Uuid>,
) -> Result<()> {
    const SQL: &str = "UPDATE ad_insights SET status = $2, change_id = $3, \
        decided_by = CASE WHEN $2 = 'pending' THEN NULL ELSE decided_by END, \
        decided_at = CASE WHEN $2 = 'pending' THEN NULL ELSE decided_at END WHERE id = $1";
    exec!(db, sqlx::query(SQL).bind(id).bind(status).bind(change_id))?;
    Ok(())
}

/// The company's last decisions on suggestions (for the next prompt): (campaign, title,
/// applied or dismissed, the reason).
pub async fn last_decisions(
    db: &Db,
    company_id: Uuid,
    limit: i64,
) -> Result<Vec<(String, String, String, Option<String>)>> {
    const SQL: &str = "SELECT c.name, i.title, i.status, i.dismiss_reason FROM ad_insights i \
        JOIN ad_campaigns c ON c.id = i.campaign_id WHERE i.company_id = $1 AND i.status IN ('applied', 'dismissed') \
        ORDER BY i.decided_at DESC, i.id DESC LIMIT $2";
    Ok(with_db!(db, |c| sqlx::query_as(SQL)
        .bind(company_id)
        .bind(limit)
        .fetch_all(c)
        .await)?)
}

// Meta's webhook.

/// Imported accounts of active connections with this external id, in any company:
/// (company, account).
pub async fn accounts_by_external_id(
    db: &Db,
    platform: &str,
    external_id: &str,
) -> Result<Vec<(Uuid, Uuid)>> {
    const SQL: &str = "SELECT a.company_id, a.id FROM ad_accounts a \
        JOIN ad_connections n ON n.id = a.connection_id AND n.status = 'active' \
        WHERE a.platform = $1 AND a.external_id = $2 AND a.imported = $3";
    Ok(with_db!(db, |c| sqlx::query_as(SQL)
        .bind(platform)
        .bind(external_id)
        .bind(true)
        .fetch_all(c)
        .await)?)
}

/// Forgets deliveries noted before `before` (Meta redelivers for a day at most).
pub async fn prune_webhook_events(db: &Db, before: DateTime<Utc>) -> Result<u64> {
    const SQL: &str = "DELETE FROM ad_webhook_events WHERE received_at < $1";
    Ok(exec!(db, sqlx::query(SQL).bind(before))?)
}

/// Notes a delivery's entry; false when it was seen before (a redelivery).
pub async fn note_webhook_event(
    tx: &mut Tx,
    account: &str,
    time: i64,
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str = "INSERT INTO ad_webhook_events (account_external_id, event_time, received_at) VALUES ($1, $2, $3) \
        ON CONFLICT DO NOTHING";
    Ok(exec_tx!(tx, sqlx::query(SQL).bind(account).bind(time).bind(now))? > 0)
}

/// A write whose answer never came back (the process stopped between recording a change and
/// hearing from the platform) would hold the campaign's one `applying` slot forever: after
/// `before` it is marked failed, saying the next sync shows whether it took.
pub async fn fail_stale_applying(
    tx: &mut Tx,
    campaign_id: Uuid,
    before: DateTime<Utc>,
) -> Result<u64> {
    const SQL: &str = "UPDATE ad_changes SET state = 'failed', \
        platform_answer = 'interrupted before the platform answered; the next sync shows whether it took', \
        updated_at = $2 WHERE campaign_id = $1 AND state = 'applying' AND updated_at < $3";
    Ok(exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(campaign_id)
            .bind(Utc::now())
            .bind(before)
    )?)
}

// Token expiry.

/// An active connection whose token expires before a date, not yet reminded of.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Expiring {
    pub id: Uuid,
    pub company_id: Uuid,
    pub platform: String,
    pub display_name: String,
    pub token_expires_at: DateTime<Utc>,
    pub connected_by: Option<Uuid>,
}

pub async fn expiring(db: &Db, before: DateTime<Utc>) -> Result<Vec<Expiring>> {
    const SQL: &str =
        "SELECT id, company_id, platform, display_name, token_expires_at, connected_by \
        FROM ad_connections WHERE status = 'active' AND token_expires_at IS NOT NULL \
        AND token_expires_at < $1 AND expiry_reminded_at IS NULL";
    Ok(with_db!(db, |c| sqlx::query_as(SQL)
        .bind(before)
        .fetch_all(c)
        .await)?)
}

/// Marks the reminder sent; false when another run sent it first.
pub async fn mark_reminded(tx: &mut Tx, id: Uuid, now: DateTime<Utc>) -> Result<bool> {
    const SQL: &str = "UPDATE ad_connections SET expiry_reminded_at = $2 WHERE id = $1 AND expiry_reminded_at IS NULL";
    Ok(exec_tx!(tx, sqlx::query(SQL).bind(id).bind(now))? > 0)
}

/// Active connections whose token has expired: reconnect needed.
pub async fn expire_tokens(db: &Db, now: DateTime<Utc>) -> Result<u64> {
    const SQL: &str = "UPDATE ad_connections SET status = 'reconnect', \
        status_reason = 'the access token expired: connect the account again', updated_at = $1 \
        WHERE status = 'active' AND token_expires_at IS NOT NULL AND token_expires_at <= $1";
    Ok(exec!(db, sqlx::query(SQL).bind(now))?)
}

/// A suggestion applied through a change the approver rejected is dismissed with the
/// approver's reason (so the next run learns from it too).
pub async fn insight_of_rejected_change(
    tx: &mut Tx,
    company_id: Uuid,
    change_id: Uuid,
    by: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<u64> {
    const SQL: &str =
        "UPDATE ad_insights SET status = 'dismissed', decided_by = $3, decided_at = $4, \
        dismiss_reason = $5 WHERE company_id = $1 AND change_id = $2 AND status = 'applied'";
    Ok(exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(company_id)
            .bind(change_id)
            .bind(by)
            .bind(now)
            .bind(format!("rejected by the approver: {reason}"))
    )?)
}

// The campaign pages.

/// A campaign of an imported account, with its account, as the lists show it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ListedCampaign {
    pub id: Uuid,
    pub external_id: String,
    pub name: String,
    pub status: String,
    pub objective: Option<String>,
    pub daily_budget_minor: Option<i64>,
    pub lifetime_budget_minor: Option<i64>,
    pub version: i64,
    pub synced_at: DateTime<Utc>,
    pub account_id: Uuid,
    pub account_name: String,
    pub platform: String,
    pub currency: String,
    pub time_zone: String,
    pub connection_status: String,
}

/// The company's campaigns of imported accounts (only `campaign` when given).
pub async fn listed_campaigns(
    db: &Db,
    company_id: Uuid,
    campaign: Option<Uuid>,
) -> Result<Vec<ListedCampaign>> {
    const SQL: &str = "SELECT c.id, c.external_id, c.name, c.status, c.objective, c.daily_budget_minor, \
        c.lifetime_budget_minor, c.version, c.synced_at, a.id AS account_id, a.name AS account_name, a.platform, \
        a.currency, a.time_zone, n.status AS connection_status \
        FROM ad_campaigns c JOIN ad_accounts a ON a.id = c.account_id AND a.company_id = c.company_id \
        JOIN ad_connections n ON n.id = a.connection_id AND n.company_id = c.company_id \
        WHERE c.company_id = $1 AND a.imported = $2 AND ($3 IS NULL OR c.id = $3) \
        ORDER BY a.platform, c.name, c.external_id";
    Ok(with_db!(db, |c| sqlx::query_as(SQL)
        .bind(company_id)
        .bind(true)
        .bind(campaign)
        .fetch_all(c)
        .await)?)
}

/// Every day of the company's campaigns in `from..=to`: (campaign, day, figures).
pub async fn company_days(
    db: &Db,
    company_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(Uuid, NaiveDate, super::metrics::Totals)>> {
    const SQL: &str = "SELECT campaign_id, day, spend_minor, impressions, clicks, conversions, purchase_value_minor \
        FROM ad_campaign_days WHERE company_id = $1 AND day >= $2 AND day <= $3";
    let rows: Vec<(Uuid, NaiveDate, i64, i64, i64, i64, i64)> =
        with_db!(db, |c| sqlx::query_as(SQL)
            .bind(company_id)
            .bind(from)
            .bind(to)
            .fetch_all(c)
            .await)?;
    Ok(rows
        .into_iter()
        .map(|(id, day, s, i, c, v, p)| (id, day, totals(s, i, c, v, p)))
        .collect())
}
