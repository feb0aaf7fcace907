//! The audit log page's server function.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::ssr;
use super::AppError;

pub const PER_PAGE: i64 = 50;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub when: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub ip: String,
    pub details: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    /// (user id, name) of the company's members, for the actor filter.
    pub actors: Vec<(String, String)>,
    pub actions: Vec<String>,
}

#[server(endpoint = "audit")]
pub async fn get_audit(
    actor: String,
    action: String,
    from: String,
    to: String,
    page: i64,
) -> Result<AuditPage, AppError> {
    let p = ssr::authorize(server::access::Permission::AuditRead)?;
    let db = &ssr::state()?.db;
    let filter = server::audit::Filter::parse(&actor, &action, &from, &to).map_err(ssr::fail)?;
    let page = page.max(1);
    let ((rows, total), actions, members) = tokio::try_join!(
        server::audit::search(db, &p, &filter, (page - 1) * PER_PAGE, PER_PAGE),
        server::audit::actions_in_use(db, p.company_id),
        server::identity::member_names(db, p.company_id),
    )
    .map_err(ssr::fail)?;
    let tz: chrono_tz::Tz = p.timezone.parse().unwrap_or(chrono_tz::UTC);
    Ok(AuditPage {
        entries: rows
            .into_iter()
            .map(|r| AuditEntry {
                when: r
                    .created_at
                    .with_timezone(&tz)
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string(),
                actor: r.actor_name.unwrap_or_else(|| "—".into()),
                action: r.action,
                target: r.target.unwrap_or_default(),
                ip: r.ip.unwrap_or_default(),
                details: match r.details.0 {
                    serde_json::Value::Object(m) if m.is_empty() => String::new(),
                    other => other.to_string(),
                },
            })
            .collect(),
        total,
        page,
        pages: ((total + PER_PAGE - 1) / PER_PAGE).max(1),
        actors: members
            .into_iter()
            .map(|(id, name)| (id.to_string(), name))
            .collect(),
        actions,
    })
}
