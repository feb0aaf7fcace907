//! SQL for the audit log. Written once, run on either backend.

use chrono::{DateTime, Utc};
use sqlx::types::Json;
use uuid::Uuid;

use super::{Entry, LogRow};
use crate::{db::Tx, error::Result, exec_tx, with_db, Db};

/// Inserts one entry inside the caller's transaction.
pub async fn insert_entry(
    tx: &mut Tx,
    e: &Entry,
    ip: Option<&str>,
    user_agent: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    const INSERT: &str = "INSERT INTO audit_log (company_id, actor_id, action, target, ip, user_agent, details, created_at) \
                          VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    exec_tx!(
        tx,
        sqlx::query(INSERT)
            .bind(e.company_id)
            .bind(e.actor_id)
            .bind(e.action.as_str())
            .bind(e.target.as_deref())
            .bind(ip)
            .bind(user_agent)
            .bind(Json(&e.details))
            .bind(now)
    )?;
    Ok(())
}

const WHERE: &str = "WHERE a.company_id = $1 AND ($2 IS NULL OR a.actor_id = $2) \
                     AND ($3 IS NULL OR a.action = $3) AND ($4 IS NULL OR a.created_at >= $4) \
                     AND ($5 IS NULL OR a.created_at < $5)";

/// One page of the company's log, newest first, and how many entries match in all (None
/// filters mean any; `to` is exclusive).
#[allow(clippy::too_many_arguments)]
pub async fn search(
    db: &Db,
    company_id: Uuid,
    actor: Option<Uuid>,
    action: Option<&str>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    offset: i64,
    limit: i64,
) -> Result<(Vec<LogRow>, i64)> {
    let rows_sql = format!(
        "SELECT a.id, a.created_at, u.name AS actor_name, u.email AS actor_email, a.action, a.target, \
                a.ip, a.user_agent, a.details \
         FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id {WHERE} \
         ORDER BY a.created_at DESC, a.id DESC LIMIT $6 OFFSET $7"
    );
    let count_sql = format!("SELECT COUNT(*) FROM audit_log a {WHERE}");
    let (rows, total) = with_db!(db, |pool| tokio::try_join!(
        sqlx::query_as::<_, LogRow>(&rows_sql)
            .bind(company_id)
            .bind(actor)
            .bind(action)
            .bind(from)
            .bind(to)
            .bind(limit)
            .bind(offset)
            .fetch_all(pool),
        sqlx::query_scalar::<_, i64>(&count_sql)
            .bind(company_id)
            .bind(actor)
            .bind(action)
            .bind(from)
            .bind(to)
            .fetch_one(pool),
    ))?;
    Ok((rows, total))
}

/// The distinct actions in the company's log, sorted.
pub async fn actions_in_use(db: &Db, company_id: Uuid) -> Result<Vec<String>> {
    const SQL: &str = "SELECT DISTINCT action FROM audit_log WHERE company_id = $1 ORDER BY action";
    Ok(with_db!(db, |pool| sqlx::query_scalar(SQL)
        .bind(company_id)
        .fetch_all(pool)
        .await)?)
}
