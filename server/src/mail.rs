//! Outgoing mail. Every message is first written to the `outbox` table in the transaction of
//! the change that caused it, so it is never silently dropped; admins read their company's
//! messages at Settings → Outbox.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::{access::Permission, db::Tx, error::Result, identity::Principal, with_db, with_tx, Db};

pub struct Message {
    pub kind: &'static str,
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// Queues a message inside the caller's transaction; returns its outbox id.
pub async fn enqueue(tx: &mut Tx, company_id: Option<Uuid>, m: Message) -> Result<i64> {
    const SQL: &str = "INSERT INTO outbox (company_id, kind, to_email, subject, body, created_at) \
                       VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
    Ok(with_tx!(tx, |c| sqlx::query_scalar(SQL)
        .bind(company_id)
        .bind(m.kind)
        .bind(&m.to)
        .bind(&m.subject)
        .bind(&m.body)
        .bind(Utc::now())
        .fetch_one(c)
        .await)?)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct OutboxItem {
    pub id: i64,
    pub kind: String,
    pub to_email: String,
    pub subject: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// The company's newest messages. Platform mail that belongs to no company (password resets)
/// is shown only to the platform's super-admins: a company admin must never read the reset
/// link of someone who outranks them.
pub async fn outbox(db: &Db, p: &Principal, limit: i64) -> Result<Vec<OutboxItem>> {
    p.authorize(Permission::MembersManage)?;
    const SQL: &str = "SELECT id, kind, to_email, subject, body, created_at, sent_at FROM outbox \
                       WHERE company_id = $1 OR ($3 AND company_id IS NULL) ORDER BY id DESC LIMIT $2";
    Ok(with_db!(db, |pool| sqlx::query_as::<_, OutboxItem>(SQL)
        .bind(p.company_id)
        .bind(limit)
        .bind(p.is_super_admin)
        .fetch_all(pool)
        .await)?)
}
