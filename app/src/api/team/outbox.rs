//! Settings → Outbox: the mail the installation sent (or would send without SMTP).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::super::ssr;
use super::super::AppError;
#[cfg(feature = "ssr")]
use super::*;
#[cfg(feature = "ssr")]
use server::access::Permission;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutboxRow {
    pub id: i64,
    pub kind: String,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub created: String,
    pub delivered: bool,
    /// Shown when not delivered: why ("no SMTP configured", the last error, "sending").
    pub pending: String,
}

#[server(endpoint = "outbox")]
pub async fn get_outbox() -> Result<Vec<OutboxRow>, AppError> {
    let p = ssr::authorize(Permission::MembersManage)?;
    let state = ssr::state()?;
    let smtp = state.mailer.is_some();
    let items = server::mail::outbox(&state.db, &p, 100)
        .await
        .map_err(ssr::fail)?;
    Ok(items
        .into_iter()
        .map(|m| OutboxRow {
            id: m.id,
            kind: m.kind,
            to: m.to_email,
            subject: m.subject,
            body: m.body,
            created: local(m.created_at, &p.timezone),
            delivered: m.sent_at.is_some(),
            pending: match (smtp, m.last_error) {
                (false, _) => "Not sent: no SMTP".into(),
                (true, Some(e)) => format!("Retrying: {}", e.chars().take(120).collect::<String>()),
                (true, None) => "Sending".into(),
            },
        })
        .collect())
}
