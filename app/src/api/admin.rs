//! Server functions of /admin (platform super-admin only).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::ssr;
use super::AppError;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdminCompany {
    pub id: String,
    pub name: String,
    pub created: String,
    pub members: i64,
    pub owner: Option<String>,
    pub pending_owner: Option<String>,
    pub disabled: bool,
    /// The company the admin is working in (cannot be disabled or deleted from here).
    pub current: bool,
}

#[cfg(feature = "ssr")]
fn super_admin() -> Result<server::access::Principal, AppError> {
    let p = ssr::authenticated()?;
    if !p.is_super_admin {
        return Err(ssr::fail(server::Error::Forbidden));
    }
    Ok(p)
}

#[server(endpoint = "admin_companies")]
pub async fn get_admin_companies() -> Result<Vec<AdminCompany>, AppError> {
    let p = super_admin()?;
    let list = server::platform::companies(&ssr::state()?.db, &p)
        .await
        .map_err(ssr::fail)?;
    Ok(list
        .into_iter()
        .map(|c| AdminCompany {
            id: c.id.to_string(),
            current: c.id == p.company_id,
            name: c.name,
            created: c.created_at.format("%b %-d, %Y").to_string(),
            members: c.members,
            owner: c.owners,
            pending_owner: c.pending_owner,
            disabled: c.disabled_at.is_some(),
        })
        .collect())
}

/// Creates a company and invites its owner; answers the invitation link (shown once).
#[server(endpoint = "admin_create_company")]
pub async fn admin_create_company(
    name: String,
    owner_email: String,
    timezone: String,
) -> Result<String, AppError> {
    let p = super_admin()?;
    let state = ssr::state()?;
    server::platform::create_company(
        &state.db,
        &p,
        &ssr::meta(),
        &state.config.public_url,
        state.config.invitation_ttl_days,
        server::platform::NewCompany {
            name,
            owner_email,
            timezone,
        },
    )
    .await
    .map(|sent| sent.link)
    .map_err(ssr::fail)
}

#[server(endpoint = "admin_set_company_disabled")]
pub async fn admin_set_company_disabled(id: String, disabled: bool) -> Result<(), AppError> {
    let p = super_admin()?;
    let id = ssr::parse_id(&id)?;
    let state = ssr::state()?;
    server::platform::set_disabled(&state.db, &state.sessions, &p, &ssr::meta(), id, disabled)
        .await
        .map_err(ssr::fail)
}

#[server(endpoint = "admin_delete_company")]
pub async fn admin_delete_company(id: String, current_password: String) -> Result<(), AppError> {
    let p = super_admin()?;
    let id = ssr::parse_id(&id)?;
    let state = ssr::state()?;
    server::platform::delete_company(
        &state.db,
        &state.sessions,
        &state.storage,
        &p,
        &ssr::meta(),
        id,
        &current_password,
    )
    .await
    .map_err(ssr::fail)
}

/// One backup, as /admin lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdminBackup {
    pub when: String,
    pub file: String,
    /// "12.4 MB", "running", "failed: …", "deleted by retention".
    pub state: String,
    pub failed: bool,
}

/// The backups card: where they go, when, how long they are kept, the last attempts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdminBackups {
    pub schedule: String,
    pub rows: Vec<AdminBackup>,
}

#[server(endpoint = "admin_backups")]
pub async fn get_admin_backups() -> Result<AdminBackups, AppError> {
    use server::platform::backups::{self, BackupConfig};
    let p = super_admin()?;
    let state = ssr::state()?;
    let rows = backups::for_operator(&state.db, &p)
        .await
        .map_err(ssr::fail)?;
    let c = state.config.section::<BackupConfig>();
    let store = match state.storage.kind {
        "s3" => "the S3 bucket",
        "local" => "DATA_DIR/uploads",
        _ => "memory only (the file store is unavailable)",
    };
    let schedule = if c.enabled {
        format!(
            "Daily at {} UTC into {store}, under backups/. Kept: the latest of each of the last {} days and {} weeks.",
            c.at.format("%H:%M"),
            c.keep_daily,
            c.keep_weekly
        )
    } else {
        format!("Daily backups are off (BACKUPS=off); \"Back up now\" still writes to {store}.")
    };
    Ok(AdminBackups {
        schedule,
        rows: rows
            .into_iter()
            .map(|b| AdminBackup {
                when: b.started_at.format("%b %-d, %Y %H:%M UTC").to_string(),
                file: b.key.trim_start_matches(backups::PREFIX).to_string(),
                failed: b.status == "failed",
                state: b.state(server::format::bytes),
            })
            .collect(),
    })
}

/// Queues a backup now; answers what happened.
#[server(endpoint = "admin_backup_now")]
pub async fn admin_backup_now() -> Result<String, AppError> {
    let p = super_admin()?;
    let queued = server::platform::backups::request_now(&ssr::state()?.db, &p)
        .await
        .map_err(ssr::fail)?;
    Ok(if queued {
        "Backup queued: it appears below when it is done.".into()
    } else {
        "A backup is queued, under way or was taken a moment ago: see the list below.".into()
    })
}
