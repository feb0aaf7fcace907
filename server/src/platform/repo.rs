//! SQL for the platform super-admin. Written once, run on either backend.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::CompanyRow;
use crate::{
    db::Tx,
    error::{Error, Result},
    exec_tx, with_db, with_tx, Db,
};

/// Every company of the installation with its member count and owners, by name.
pub async fn list_companies(db: &Db) -> Result<Vec<CompanyRow>> {
    const SQL: &str = "SELECT c.id, c.name, c.created_at, c.disabled_at, \
               (SELECT COUNT(*) FROM memberships m WHERE m.company_id = c.id) AS members, \
               (SELECT MIN(u.email) FROM memberships m JOIN users u ON u.id = m.user_id \
                 WHERE m.company_id = c.id AND m.role = 'owner') AS owners, \
               (SELECT MIN(i.email) FROM invitations i WHERE i.company_id = c.id AND i.role = 'owner' \
                 AND i.accepted_at IS NULL AND i.revoked_at IS NULL) AS pending_owner \
        FROM companies c ORDER BY LOWER(c.name), c.id";
    Ok(with_db!(db, |pool| sqlx::query_as::<_, CompanyRow>(SQL)
        .fetch_all(pool)
        .await)?)
}

/// The company's name; `Error::NotFound` when there is no such company.
pub async fn company_name(tx: &mut Tx, id: Uuid) -> Result<String> {
    const SQL: &str = "SELECT name FROM companies WHERE id = $1";
    with_tx!(tx, |c| sqlx::query_scalar::<_, String>(SQL)
        .bind(id)
        .fetch_optional(c)
        .await)?
    .ok_or(Error::NotFound)
}

/// Sets when the company was disabled (None enables it).
pub async fn set_disabled_at(
    tx: &mut Tx,
    company_id: Uuid,
    disabled_at: Option<DateTime<Utc>>,
) -> Result<()> {
    const SQL: &str = "UPDATE companies SET disabled_at = $1 WHERE id = $2";
    exec_tx!(tx, sqlx::query(SQL).bind(disabled_at).bind(company_id))?;
    Ok(())
}

pub async fn count_members(tx: &mut Tx, company_id: Uuid) -> Result<i64> {
    const SQL: &str = "SELECT COUNT(*) FROM memberships WHERE company_id = $1";
    Ok(with_tx!(tx, |c| sqlx::query_scalar(SQL)
        .bind(company_id)
        .fetch_one(c)
        .await)?)
}

/// Deletes the company (and, through the schema, everything in it).
pub async fn delete_company(tx: &mut Tx, company_id: Uuid) -> Result<()> {
    const SQL: &str = "DELETE FROM companies WHERE id = $1";
    exec_tx!(tx, sqlx::query(SQL).bind(company_id))?;
    Ok(())
}

/// Backups started after `since` and not finished (an older one is a crashed attempt).
pub async fn backups_running(db: &Db, since: DateTime<Utc>) -> Result<i64> {
    const SQL: &str = "SELECT COUNT(*) FROM backups WHERE status = 'running' AND started_at > $1";
    Ok(with_db!(db, |pool| sqlx::query_scalar::<_, i64>(SQL)
        .bind(since)
        .fetch_one(pool)
        .await)?)
}

const SELECT_BACKUP: &str =
    "SELECT id, key, engine, status, bytes, error, started_at, finished_at, pruned_at FROM backups ";

/// The last backup attempts, newest first.
pub async fn backups(db: &Db, limit: i64) -> Result<Vec<super::backups::Backup>> {
    let sql = format!("{SELECT_BACKUP}ORDER BY started_at DESC, id DESC LIMIT $1");
    Ok(with_db!(db, |pool| sqlx::query_as(&sql)
        .bind(limit)
        .fetch_all(pool)
        .await)?)
}

/// One backup attempt by id.
pub async fn backup(db: &Db, id: i64) -> Result<super::backups::Backup> {
    let sql = format!("{SELECT_BACKUP}WHERE id = $1");
    Ok(with_db!(db, |pool| sqlx::query_as(&sql)
        .bind(id)
        .fetch_one(pool)
        .await)?)
}
