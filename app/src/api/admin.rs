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

/// One job kind's line on /admin/jobs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdminJobKind {
    pub kind: String,
    pub queued: i64,
    pub retrying: i64,
    pub running: i64,
    pub dead: i64,
    /// Finished in the window.
    pub done: i64,
    /// "12 ms · 40 ms" (median · 95th percentile), or "—".
    pub wait: String,
    pub run: String,
    /// No handler for it on this installation: its jobs never run.
    pub unknown: bool,
}

/// One job in a list of /admin/jobs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdminJob {
    pub id: i64,
    pub kind: String,
    /// "attempt 2 of 5".
    pub attempts: String,
    /// When it is due (queued, retrying), was taken (running) or died.
    pub when: String,
    pub error: String,
    /// Its payload as JSON, cut at 300 characters.
    pub payload: String,
    /// Retry and discard apply (not to a running job).
    pub actionable: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdminJobs {
    pub kinds: Vec<AdminJobKind>,
    /// "1,234 jobs done in the last 24 hours".
    pub window: String,
    /// The list shown: its state and kind ("" for all), its jobs, and the cursor of the next
    /// page (None on the last).
    pub state: String,
    pub kind: String,
    pub rows: Vec<AdminJob>,
    pub next: Option<String>,
}

/// The queue per kind and one page of the jobs in `state` (queued, retrying, running, dead;
/// dead by default) of `kind` ("" for all), after the cursor `after` ("" for the first page).
#[server(endpoint = "admin_jobs")]
pub async fn get_admin_jobs(
    state: String,
    kind: String,
    after: String,
) -> Result<AdminJobs, AppError> {
    use server::jobs::State;
    use server::platform::jobs as admin;
    let p = super_admin()?;
    let app = ssr::state()?;
    let page = admin::Page::parse(&state, &kind, &after).map_err(ssr::fail)?;
    let known = server::areas::jobs().kinds();
    let overview = admin::overview(&app.db, &p, &known, server::clock::now())
        .await
        .map_err(ssr::fail)?;
    let (rows, next) = admin::list(&app.db, &p, &page).await.map_err(ssr::fail)?;
    let st = page.state;
    let spread = |s: Option<admin::Spread>| {
        s.map(|s| {
            format!(
                "{} · {}",
                server::format::millis(s.p50),
                server::format::millis(s.p95)
            )
        })
        .unwrap_or_else(|| "—".into())
    };
    let done: i64 = overview.kinds.iter().map(|k| k.counts.done).sum();
    Ok(AdminJobs {
        window: format!(
            "{} in the last {} hours",
            server::format::count(done, "job done", "jobs done"),
            admin::WINDOW_HOURS
        ),
        kinds: overview
            .kinds
            .into_iter()
            .map(|k| AdminJobKind {
                wait: spread(k.wait),
                run: spread(k.run),
                unknown: !k.known,
                kind: k.counts.kind,
                queued: k.counts.queued,
                retrying: k.counts.retrying,
                running: k.counts.running,
                dead: k.counts.dead,
                done: k.counts.done,
            })
            .collect(),
        state: st.as_str().to_string(),
        kind: page.kind.unwrap_or_default(),
        rows: rows
            .into_iter()
            .map(|r| {
                let when = match st {
                    State::Queued | State::Retrying => format!("due {}", stamp(r.run_at)),
                    State::Running => {
                        format!("since {}", stamp(r.started_at.unwrap_or(r.updated_at)))
                    }
                    State::Dead => format!("died {}", stamp(r.updated_at)),
                };
                let mut payload = r.payload.0.to_string();
                if payload.chars().count() > 300 {
                    payload = payload.chars().take(299).collect::<String>() + "…";
                }
                AdminJob {
                    id: r.id,
                    attempts: format!("attempt {} of {}", r.attempts, r.max_attempts),
                    when,
                    error: r.last_error.unwrap_or_default(),
                    payload,
                    actionable: st != State::Running,
                    kind: r.kind,
                }
            })
            .collect(),
        next,
    })
}

#[cfg(feature = "ssr")]
fn stamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%b %-d, %H:%M:%S UTC").to_string()
}

/// Puts a dead or waiting job back in the queue, due now.
#[server(endpoint = "admin_retry_job")]
pub async fn admin_retry_job(id: i64) -> Result<String, AppError> {
    job_act(id, server::platform::jobs::Act::Retry).await?;
    Ok(format!("Job {id} is queued again, due now."))
}

/// Throws away a dead or waiting job.
#[server(endpoint = "admin_discard_job")]
pub async fn admin_discard_job(id: i64) -> Result<String, AppError> {
    job_act(id, server::platform::jobs::Act::Discard).await?;
    Ok(format!("Job {id} discarded."))
}

#[cfg(feature = "ssr")]
async fn job_act(id: i64, act: server::platform::jobs::Act) -> Result<(), AppError> {
    let p = super_admin()?;
    server::platform::jobs::act(&ssr::state()?.db, &p, &ssr::meta(), id, act)
        .await
        .map_err(ssr::fail)
}
