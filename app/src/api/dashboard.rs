//! The dashboard's figures for the active company.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::ssr;
use super::AppError;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActivityItem {
    pub action: String,
    pub actor: Option<String>,
    pub ip: Option<String>,
    /// Local time in the company's zone, e.g. "14:05" or "Nov 21, 14:05".
    pub when: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    pub greeting: String,
    pub members: i64,
    pub events_today: i64,
    pub sign_ins_today: i64,
    pub failed_sign_ins_today: i64,
    /// Recent audit entries; only for members who may read the audit log.
    pub recent: Option<Vec<ActivityItem>>,
    /// The stores this member may see.
    pub stores: Vec<String>,
}

/// The dashboard's figures for the active company.
#[server(endpoint = "dashboard")]
pub async fn get_dashboard() -> Result<Dashboard, AppError> {
    use chrono::{Timelike, Utc};
    let p = ssr::authenticated()?;
    let state = ssr::state()?;
    let (s, stores) = tokio::try_join!(
        server::dashboard::summary(&state.db, &p),
        server::team::stores::visible(&state.db, &p),
    )
    .map_err(ssr::fail)?;
    let tz: chrono_tz::Tz = p.timezone.parse().unwrap_or(chrono_tz::UTC);
    let now = Utc::now().with_timezone(&tz);
    let part = match now.hour() {
        5..=11 => "Good morning",
        12..=17 => "Good afternoon",
        _ => "Good evening",
    };
    let first = p
        .name
        .split_whitespace()
        .next()
        .unwrap_or(&p.name)
        .to_string();
    let today = now.date_naive();
    Ok(Dashboard {
        greeting: format!("{part}, {first}"),
        members: s.members,
        events_today: s.events_today,
        sign_ins_today: s.sign_ins_today,
        failed_sign_ins_today: s.failed_sign_ins_today,
        stores: stores.into_iter().map(|s| s.name).collect(),
        recent: s.recent.map(|recent| {
            recent
                .into_iter()
                .map(|e| {
                    let local = e.created_at.with_timezone(&tz);
                    ActivityItem {
                        action: e.action,
                        actor: e.actor_name,
                        ip: e.ip,
                        when: if local.date_naive() == today {
                            local.format("%H:%M").to_string()
                        } else {
                            local.format("%b %-d, %H:%M").to_string()
                        },
                    }
                })
                .collect()
        }),
    })
}
