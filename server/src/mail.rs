//! Outgoing mail. Every message is first written to the `outbox` table in the transaction of
//! the change that caused it, so it is never silently dropped; admins read their company's
//! messages at Settings → Outbox. With SMTP_URL set, a `mail.send` job queued in the same
//! transaction delivers it with `lettre` (retried with backoff; `sent_at` marks it delivered).

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use lettre::{
    message::{header::ContentType, Mailbox},
    AsyncSmtpTransport, AsyncTransport, Tokio1Executor,
};
use secrecy::ExposeSecret;

use crate::access::Principal;
use crate::{
    access::Permission,
    db::Tx,
    error::{Error, Result},
    exec, with_db, with_tx, Db,
};

pub struct Message {
    pub kind: &'static str,
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// Queues a message inside the caller's transaction; returns its outbox id.
#[tracing::instrument(skip_all)]
pub async fn enqueue(tx: &mut Tx, company_id: Option<Uuid>, m: Message) -> Result<i64> {
    const SQL: &str = "INSERT INTO outbox (company_id, kind, to_email, subject, body, created_at) \
                       VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
    let id: i64 = with_tx!(tx, |c| sqlx::query_scalar(SQL)
        .bind(company_id)
        .bind(m.kind)
        .bind(&m.to)
        .bind(&m.subject)
        .bind(&m.body)
        .bind(Utc::now())
        .fetch_one(c)
        .await)?;
    crate::jobs::enqueue_tx(
        tx,
        crate::jobs::NewJob {
            kind: SEND_KIND,
            payload: serde_json::json!({ "outbox_id": id }),
            run_at: Utc::now(),
            max_attempts: 8,
            dedupe_key: Some(format!("mail:{id}")),
        },
    )
    .await?;
    Ok(id)
}

const SEND_KIND: &str = "mail.send";

/// Delivers outbox messages over SMTP.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// The mailer SMTP_URL describes, or `None` when it is not set.
    pub fn from_config(config: &crate::config::Config) -> Result<Option<Self>> {
        let Some(url) = config.smtp_url.as_ref() else {
            return Ok(None);
        };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
            .map_err(|e| Error::Internal(anyhow::anyhow!("SMTP_URL: {e}")))?
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        let from = config
            .mail_from
            .parse()
            .map_err(|e| Error::Internal(anyhow::anyhow!("MAIL_FROM: {e}")))?;
        Ok(Some(Self { transport, from }))
    }

    #[tracing::instrument(skip_all)]
    pub async fn send(&self, to: &str, subject: &str, body: &str) -> anyhow::Result<()> {
        let message = lettre::Message::builder()
            .from(self.from.clone())
            .to(to.parse()?)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_string())?;
        self.transport.send(message).await?;
        Ok(())
    }
}

/// The `mail.send` job: delivers one outbox message once (a delivered one is skipped).
pub struct SendMail;

#[async_trait::async_trait]
impl crate::jobs::Job for SendMail {
    fn kind(&self) -> &'static str {
        SEND_KIND
    }

    async fn run(
        &self,
        ctx: &crate::jobs::JobContext,
        payload: serde_json::Value,
    ) -> anyhow::Result<()> {
        let Some(mailer) = ctx.get::<std::sync::Arc<Mailer>>() else {
            return Ok(()); // no SMTP: the outbox is where admins read it
        };
        let id = payload["outbox_id"]
            .as_i64()
            .ok_or_else(|| anyhow::anyhow!("mail.send without outbox_id"))?;
        const SQL: &str =
            "SELECT to_email, subject, body FROM outbox WHERE id = $1 AND sent_at IS NULL";
        let row: Option<(String, String, String)> = with_db!(&ctx.db, |p| sqlx::query_as(SQL)
            .bind(id)
            .fetch_optional(p)
            .await)?;
        let Some((to, subject, body)) = row else {
            return Ok(()); // delivered already, or its company was deleted
        };
        match mailer.send(&to, &subject, &body).await {
            Ok(()) => {
                const SENT: &str =
                    "UPDATE outbox SET sent_at = $1, last_error = NULL WHERE id = $2";
                exec!(&ctx.db, sqlx::query(SENT).bind(Utc::now()).bind(id))?;
                tracing::info!(outbox_id = id, "mail delivered");
                Ok(())
            }
            Err(e) => {
                let text: String = e.to_string().chars().take(500).collect();
                const FAILED: &str = "UPDATE outbox SET last_error = $1 WHERE id = $2";
                exec!(&ctx.db, sqlx::query(FAILED).bind(&text).bind(id))?;
                Err(e.context(format!("delivering outbox message {id}")))
            }
        }
    }
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
    /// Why the last delivery attempt failed (SMTP only).
    pub last_error: Option<String>,
}

/// The company's newest messages. Platform mail that belongs to no company (password resets)
/// is shown only to the platform's super-admins: a company admin must never read the reset
/// link of someone who outranks them.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id))]
pub async fn outbox(db: &Db, p: &Principal, limit: i64) -> Result<Vec<OutboxItem>> {
    p.authorize(Permission::MembersManage)?;
    const SQL: &str = "SELECT id, kind, to_email, subject, body, created_at, sent_at, last_error FROM outbox \
                       WHERE company_id = $1 OR ($3 AND company_id IS NULL) ORDER BY id DESC LIMIT $2";
    Ok(with_db!(db, |pool| sqlx::query_as::<_, OutboxItem>(SQL)
        .bind(p.company_id)
        .bind(limit)
        .bind(p.is_super_admin)
        .fetch_all(pool)
        .await)?)
}
