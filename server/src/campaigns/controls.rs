//! Changing a campaign (campaigns.manage): pause, resume, or a new daily budget with a preview
//! of the pacing it gives. A rise of more than [`RISE_NEEDS_APPROVAL`] % in one change, or to
//! more than the company's cap in that currency, waits for an approver (campaigns.approve,
//! someone other than the requester, at most CAMPAIGN_APPROVALS_PER_HOUR approvals an hour);
//! a rejection carries a reason, and the requester may resubmit, which asks afresh.
//!
//! Every change is recorded before it is written to the platform, under a request id the form
//! carries: the same form sent twice finds its change instead of making another, and one change
//! at a time is written per campaign. A change is asked against the campaign's version: when
//! someone (or the sync) changed the campaign meanwhile, it is refused as a conflict. The
//! platform's answer is kept; a refusal leaves the campaign as it was and nothing is recorded
//! as applied. Everything is audited.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use secrecy::SecretString;
use uuid::Uuid;

use super::{
    config::CampaignsConfig,
    meta_api::MetaApi,
    metrics::{self, Pacing, Platform},
    platform::{self, ApiError, Write},
    repo::{self, ChangeRow, Target},
    sync,
    tiktok_api::TikTokApi,
};
use crate::{
    access::{Permission, Principal},
    audit::{self, Action, Entry, RequestMeta},
    money,
    ratelimit::Limits,
    Db, Error, Result,
};

/// The rate-limit scope of approvals, per approver.
pub const APPROVALS_PER_APPROVER: &str = "campaigns.approvals";
/// A rise of more than this many percent in one change needs an approver.
pub const RISE_NEEDS_APPROVAL: i64 = 50;
/// A change still `applying` after this long lost its answer (the process stopped meanwhile):
/// it is marked failed so the campaign can be changed again.
const STALE_WRITE: chrono::Duration = chrono::Duration::minutes(10);
/// The largest daily budget either platform is asked for, in the currency's units.
pub const MAX_DAILY_BUDGET_UNITS: i64 = 1_000_000;

/// What a person asks for.
#[derive(Clone, Debug)]
pub enum Wanted {
    Pause,
    Resume,
    /// A daily budget as typed ("250", "250.50").
    DailyBudget(String),
}

/// A change asked for through a form.
#[derive(Clone, Debug)]
pub struct ChangeInput {
    pub campaign_id: Uuid,
    /// The campaign's version the form was shown with.
    pub expected_version: i64,
    /// The form's own id (a UUID made when it was shown): sent twice, it finds its change.
    pub request_id: String,
    pub wanted: Wanted,
}

/// A daily budget as typed, in minor units of the campaign's currency, within the platform's
/// limits; the field is named in every refusal.
pub fn parse_budget(raw: &str, platform: Platform, currency: &str) -> Result<i64> {
    let bad = |m: String| Error::validation("budget", m);
    let digits = money::minor_digits(currency);
    let text = raw.trim().replace([' ', '\u{a0}'], "");
    if text.is_empty() {
        return Err(bad("Type the new daily budget.".into()));
    }
    let minor = money::parse_minor(&text, currency).ok_or_else(|| {
        bad(if digits == 0 {
            format!("A whole number of {currency}, such as 250.")
        } else {
            format!("An amount in {currency} with at most {digits} decimals, such as 250.50.")
        })
    })?;
    if minor <= 0 {
        return Err(bad("A daily budget above 0.".into()));
    }
    let scale = 10i64.pow(digits);
    let min_units = match platform {
        // TikTok's least daily budget for a campaign; Meta's depends on the currency and the
        // bid, and Meta says so itself when it is too low.
        Platform::TikTok => 50,
        Platform::Meta => 1,
    };
    if minor < min_units * scale {
        return Err(bad(format!(
            "{} takes a daily budget of at least {}.",
            platform::name(platform),
            money::format_money(min_units * scale, currency)
        )));
    }
    if minor > MAX_DAILY_BUDGET_UNITS * scale {
        return Err(bad(format!(
            "At most {} a day.",
            money::format_money(MAX_DAILY_BUDGET_UNITS * scale, currency)
        )));
    }
    Ok(minor)
}

/// Why a budget change needs an approver, if it does.
pub fn approval_reason(old: i64, new: i64, cap: Option<i64>, currency: &str) -> Option<String> {
    if new <= old {
        return None;
    }
    // A rise of more than half: new > 1.5 × old, in integers.
    if old > 0 && 100 * (new - old) > RISE_NEEDS_APPROVAL * old {
        let pct = percent_change(old, new);
        return Some(format!(
            "a rise of {pct} % in one change (more than {RISE_NEEDS_APPROVAL} % needs an approver)"
        ));
    }
    match cap {
        Some(cap) if new > cap => Some(format!(
            "above the company's cap of {} a day",
            money::format_money(cap, currency)
        )),
        _ => None,
    }
}

/// `new` against `old` in whole percent, rounded half away from zero (a cut of 100 → 90 is −10).
pub fn percent_change(old: i64, new: i64) -> i64 {
    let (num, den) = (100 * (new - old), old.max(1));
    let q = num / den;
    if 2 * (num % den).abs() >= den {
        q + num.signum()
    } else {
        q
    }
}

/// What the budget form shows before it is sent.
#[derive(Clone, Debug, PartialEq)]
pub struct Preview {
    /// The campaign's (its ad account's) currency.
    pub currency: String,
    pub current_minor: i64,
    pub new_minor: i64,
    /// The change in percent of the current budget, rounded.
    pub change_percent: i64,
    pub spend_today_minor: i64,
    pub pacing_now: Option<Pacing>,
    pub pacing_new: Option<Pacing>,
    pub needs_approval: Option<String>,
}

async fn target(db: &Db, p: &Principal, campaign_id: Uuid) -> Result<(Target, Platform, Tz)> {
    let t = repo::target(db, p.company_id, campaign_id)
        .await?
        .ok_or(Error::NotFound)?;
    let platform = platform::from_code(&t.platform).ok_or(Error::NotFound)?;
    let tz: Tz = t.time_zone.parse().unwrap_or(chrono_tz::UTC);
    Ok((t, platform, tz))
}

fn current_budget(t: &Target) -> Result<i64> {
    t.daily_budget_minor.ok_or_else(|| {
        Error::validation(
            "budget",
            if t.lifetime_budget_minor.is_some() {
                "This campaign runs on a lifetime budget; change it on the platform."
            } else {
                "This campaign's budgets are set on its ad sets; change them on the platform."
            },
        )
    })
}

/// The pacing a new daily budget would give today, and whether it needs an approver.
pub async fn preview_budget(
    db: &Db,
    p: &Principal,
    campaign_id: Uuid,
    raw: &str,
    now: DateTime<Utc>,
) -> Result<Preview> {
    p.authorize(Permission::CampaignsManage)?;
    let (t, platform, tz) = target(db, p, campaign_id).await?;
    let current = current_budget(&t)?;
    let new = parse_budget(raw, platform, &t.currency)?;
    let cap = repo::budget_cap(db, p.company_id, &t.currency).await?;
    let today = now.with_timezone(&tz).date_naive();
    let spend = repo::spend_on(db, t.id, today).await?;
    let elapsed = metrics::day_elapsed(now, tz);
    Ok(Preview {
        currency: t.currency.clone(),
        current_minor: current,
        new_minor: new,
        change_percent: percent_change(current, new),
        spend_today_minor: spend,
        pacing_now: metrics::pacing(spend, current, elapsed),
        pacing_new: metrics::pacing(spend, new, elapsed),
        needs_approval: approval_reason(current, new, cap, &t.currency),
    })
}

fn request_id(raw: &str) -> Result<String> {
    Uuid::parse_str(raw.trim())
        .map(|u| u.to_string())
        .map_err(|_| Error::validation("request_id", "This form is out of date; reload the page."))
}

fn conflict(t: &Target) -> Error {
    Error::Conflict(format!(
        "“{}” changed since you opened it; look at it again and retry.",
        t.name
    ))
}

/// Asks for a change: applied at once, or waiting for an approver (see the module's words).
/// Answers the change as recorded; a change the platform refused is answered `failed` with its
/// words.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id, campaign_id = %input.campaign_id), err(level = "info"))]
pub async fn request(
    db: &Db,
    app_key: &SecretString,
    config: &CampaignsConfig,
    p: &Principal,
    meta: &RequestMeta,
    input: ChangeInput,
) -> Result<ChangeRow> {
    p.authorize(Permission::CampaignsManage)?;
    let request_id = request_id(&input.request_id)?;
    if let Some(done) = repo::change_by_request(db, p.company_id, &request_id).await? {
        return Ok(done);
    }
    let (t, platform, _) = target(db, p, input.campaign_id).await?;
    if t.connection_status != "active" {
        return Err(Error::Conflict(format!(
            "{} no longer accepts this account's connection: connect it again in Settings → Ad accounts.",
            platform::name(platform)
        )));
    }
    let (kind, write, old_status, new_status, old_budget, new_budget, approval) =
        match &input.wanted {
            Wanted::Pause | Wanted::Resume => {
                let to = if matches!(input.wanted, Wanted::Pause) {
                    "PAUSED"
                } else {
                    "ACTIVE"
                };
                if !matches!(t.status.as_str(), "ACTIVE" | "PAUSED") {
                    return Err(Error::validation(
                        "status",
                        format!(
                            "An {} campaign cannot be paused or resumed.",
                            t.status.to_lowercase()
                        ),
                    ));
                }
                if t.status == to {
                    return Err(Error::validation(
                        "status",
                        format!("The campaign is already {}.", to.to_lowercase()),
                    ));
                }
                (
                    "status",
                    Write::Status(to),
                    Some(t.status.clone()),
                    Some(to.to_string()),
                    None,
                    None,
                    None,
                )
            }
            Wanted::DailyBudget(raw) => {
                let current = current_budget(&t)?;
                let new = parse_budget(raw, platform, &t.currency)?;
                if new == current {
                    return Err(Error::validation(
                        "budget",
                        "That is the budget already; type a different one.",
                    ));
                }
                let cap = repo::budget_cap(db, p.company_id, &t.currency).await?;
                (
                    "budget",
                    Write::DailyBudget(new),
                    None,
                    None,
                    Some(current),
                    Some(new),
                    approval_reason(current, new, cap, &t.currency),
                )
            }
        };
    if t.version != input.expected_version {
        return Err(conflict(&t));
    }
    let now = Utc::now();
    let id = Uuid::now_v7();
    let state = if approval.is_some() {
        "pending"
    } else {
        "applying"
    };
    let mut tx = db.begin().await?;
    repo::fail_stale_applying(&mut tx, t.id, now - STALE_WRITE).await?;
    let recorded = repo::insert_change(
        &mut tx,
        &repo::NewChange {
            id,
            company_id: p.company_id,
            campaign_id: t.id,
            kind,
            old_status: old_status.as_deref(),
            new_status: new_status.as_deref(),
            old_budget_minor: old_budget,
            new_budget_minor: new_budget,
            base_version: t.version,
            state,
            approval_reason: approval.as_deref(),
            requested_by: Some(p.user_id),
            request_id: &request_id,
            source: "person",
        },
        now,
    )
    .await?;
    if !recorded {
        drop(tx);
        // The same form a moment ago, someone's change since the form was shown, or another
        // change of this campaign under way.
        if let Some(done) = repo::change_by_request(db, p.company_id, &request_id).await? {
            return Ok(done);
        }
        let (now_t, _, _) = target(db, p, input.campaign_id).await?;
        if now_t.version != input.expected_version {
            return Err(conflict(&now_t));
        }
        return Err(Error::Conflict(format!(
            "Another change of “{}” is being written to {}; try again in a moment.",
            t.name,
            platform::name(platform)
        )));
    }
    super::audited(
        &mut tx,
        meta,
        p,
        Action::CampaignChangeRequested,
        Some(t.id.to_string()),
        serde_json::json!({
            "change": id, "campaign": t.external_id, "kind": kind,
            "from": old_budget.map(|m| money::format_money(m, &t.currency)).or(old_status.clone()),
            "to": new_budget.map(|m| money::format_money(m, &t.currency)).or(new_status.clone()),
            "needs_approval": approval,
        }),
    )
    .await?;
    tx.commit().await?;
    let change = repo::change(db, p.company_id, id)
        .await?
        .ok_or(Error::NotFound)?;
    if approval.is_some() {
        return Ok(change);
    }
    apply(
        db,
        app_key,
        config,
        Some(p.user_id),
        meta,
        &t,
        platform,
        change,
        write,
    )
    .await
}

/// Writes a recorded change (state `applying`) to the platform and records the answer;
/// `actor` is the person it is audited to (None: a rule or a rollback).
#[allow(clippy::too_many_arguments)]
async fn apply(
    db: &Db,
    app_key: &SecretString,
    config: &CampaignsConfig,
    actor: Option<Uuid>,
    meta: &RequestMeta,
    t: &Target,
    platform: Platform,
    change: ChangeRow,
    write: Write,
) -> Result<ChangeRow> {
    // Nothing below returns before the answer is recorded: a change never stays `applying`
    // because of an error here.
    let token = sync::token(app_key, &t.sealed_token).map_err(|_| ApiError::Invalid {
        platform: platform::name(platform),
        message: "the connection's token could not be opened (was APP_SECRET_KEY changed?)".into(),
    });
    let written: std::result::Result<String, ApiError> = match token {
        Err(e) => Err(e),
        Ok(token) => match platform {
            Platform::Meta => match MetaApi::new(config, token) {
                Ok(api) => api.update_campaign(&t.external_id, &write).await,
                Err(e) => Err(e),
            },
            Platform::TikTok => match TikTokApi::new(config, token) {
                Ok(api) => {
                    api.update_campaign(&t.account_external_id, &t.external_id, &t.currency, &write)
                        .await
                }
                Err(e) => Err(e),
            },
        },
    };
    let now = Utc::now();
    let (action, answer) = match &written {
        Ok(answer) => (Action::CampaignChanged, answer.clone()),
        Err(e) => (Action::CampaignChangeFailed, e.to_string()),
    };
    if let Err(e @ ApiError::Reconnect { .. }) = &written {
        repo::needs_reconnect(db, t.connection_id, &e.to_string(), now).await?;
    }
    let mut tx = db.begin().await?;
    match &written {
        Ok(answer) => repo::change_applied(&mut tx, &change, answer, now).await?,
        Err(e) => repo::change_failed(&mut tx, change.id, &e.to_string(), now).await?,
    }
    audit::record(
        &mut tx,
        meta,
        Entry {
            company_id: Some(t.company_id),
            actor_id: actor,
            action,
            target: Some(t.id.to_string()),
            details: serde_json::json!({
                "change": change.id, "request_id": change.request_id, "campaign": t.external_id,
                "kind": change.kind, "answer": answer, "source": change.source,
            }),
        },
    )
    .await?;
    tx.commit().await?;
    repo::change(db, t.company_id, change.id)
        .await?
        .ok_or(Error::NotFound)
}

/// A change no person asked for (a rule's action, a rollback): recorded and written at once,
/// against the campaign as it is. Answers None when another change of the campaign is being
/// written (the caller tries again later).
pub(super) async fn automatic(
    db: &Db,
    app_key: &SecretString,
    config: &CampaignsConfig,
    t: &Target,
    write: Write,
    source: &'static str,
) -> Result<Option<ChangeRow>> {
    let platform = platform::from_code(&t.platform).ok_or(Error::NotFound)?;
    let (kind, old_status, new_status, old_budget, new_budget) = match &write {
        Write::Status(s) => ("status", Some(t.status.as_str()), Some(*s), None, None),
        Write::DailyBudget(m) => ("budget", None, None, t.daily_budget_minor, Some(*m)),
    };
    let id = Uuid::now_v7();
    let request_id = Uuid::now_v7().to_string();
    let mut tx = db.begin().await?;
    repo::fail_stale_applying(&mut tx, t.id, Utc::now() - STALE_WRITE).await?;
    let recorded = repo::insert_change(
        &mut tx,
        &repo::NewChange {
            id,
            company_id: t.company_id,
            campaign_id: t.id,
            kind,
            old_status,
            new_status,
            old_budget_minor: old_budget,
            new_budget_minor: new_budget,
            base_version: t.version,
            state: "applying",
            approval_reason: None,
            requested_by: None,
            request_id: &request_id,
            source,
        },
        Utc::now(),
    )
    .await?;
    if !recorded {
        return Ok(None);
    }
    tx.commit().await?;
    let change = repo::change(db, t.company_id, id)
        .await?
        .ok_or(Error::NotFound)?;
    let meta = RequestMeta::default();
    apply(db, app_key, config, None, &meta, t, platform, change, write)
        .await
        .map(Some)
}

/// The write a recorded change asks for.
fn write_of(c: &ChangeRow) -> Result<Write> {
    match (c.kind.as_str(), c.new_status.as_deref(), c.new_budget_minor) {
        ("status", Some("PAUSED"), _) => Ok(Write::Status("PAUSED")),
        ("status", Some("ACTIVE"), _) => Ok(Write::Status("ACTIVE")),
        ("budget", _, Some(m)) => Ok(Write::DailyBudget(m)),
        _ => Err(Error::Internal(anyhow::anyhow!(
            "change {} has no write",
            c.id
        ))),
    }
}

/// Approves a pending change (campaigns.approve; not one's own) and writes it to the platform.
/// A second click finds it decided and answers it as it is.
#[allow(clippy::too_many_arguments)]
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id, %change_id), err(level = "info"))]
pub async fn approve(
    db: &Db,
    app_key: &SecretString,
    config: &CampaignsConfig,
    limits: &Limits,
    p: &Principal,
    meta: &RequestMeta,
    change_id: Uuid,
) -> Result<ChangeRow> {
    p.authorize(Permission::CampaignsApprove)?;
    let change = repo::change(db, p.company_id, change_id)
        .await?
        .ok_or(Error::NotFound)?;
    if change.state != "pending" {
        return Ok(change);
    }
    if change.requested_by == Some(p.user_id) {
        return Err(Error::validation(
            "approval",
            "Someone else must approve a change you asked for.",
        ));
    }
    let (t, platform, _) = target(db, p, change.campaign_id).await?;
    if t.version != change.base_version {
        return Err(Error::Conflict(format!(
            "“{}” changed since this was asked for; the requester can resubmit it against the campaign as it is now.",
            t.name
        )));
    }
    limits
        .check(&[(APPROVALS_PER_APPROVER, &p.user_id.to_string())])
        .await?;
    let write = write_of(&change)?;
    let mut tx = db.begin().await?;
    repo::fail_stale_applying(&mut tx, t.id, Utc::now() - STALE_WRITE).await?;
    if !repo::approve_change(&mut tx, p.company_id, change_id, p.user_id, Utc::now()).await? {
        drop(tx);
        let now = repo::change(db, p.company_id, change_id)
            .await?
            .ok_or(Error::NotFound)?;
        if now.state == "pending" {
            let (t_now, _, _) = target(db, p, now.campaign_id).await?;
            if t_now.version != now.base_version {
                return Err(Error::Conflict(format!(
                    "“{}” changed since this was asked for; the requester can resubmit it against the campaign as it is now.",
                    t_now.name
                )));
            }
            return Err(Error::Conflict(format!(
                "Another change of “{}” is being written; try again in a moment.",
                t.name
            )));
        }
        return Ok(now);
    }
    super::audited(
        &mut tx,
        meta,
        p,
        Action::CampaignChangeApproved,
        Some(t.id.to_string()),
        serde_json::json!({ "change": change.id, "campaign": t.external_id }),
    )
    .await?;
    tx.commit().await?;
    let change = repo::change(db, p.company_id, change_id)
        .await?
        .ok_or(Error::NotFound)?;
    apply(
        db,
        app_key,
        config,
        Some(p.user_id),
        meta,
        &t,
        platform,
        change,
        write,
    )
    .await
}

/// Rejects a pending change with a reason the requester reads.
pub async fn reject(
    db: &Db,
    p: &Principal,
    meta: &RequestMeta,
    change_id: Uuid,
    reason: &str,
) -> Result<ChangeRow> {
    p.authorize(Permission::CampaignsApprove)?;
    let reason = reason.trim();
    if reason.chars().count() < 3 || reason.chars().count() > 500 {
        return Err(Error::validation(
            "reason",
            "Say why (3 to 500 characters), so the requester knows what to change.",
        ));
    }
    let change = repo::change(db, p.company_id, change_id)
        .await?
        .ok_or(Error::NotFound)?;
    let mut tx = db.begin().await?;
    if !repo::reject_change(
        &mut tx,
        p.company_id,
        change_id,
        p.user_id,
        reason,
        Utc::now(),
    )
    .await?
    {
        return Err(Error::Conflict(format!(
            "This change is no longer waiting for approval ({}).",
            change.state
        )));
    }
    repo::insight_of_rejected_change(
        &mut tx,
        p.company_id,
        change_id,
        p.user_id,
        reason,
        Utc::now(),
    )
    .await?;
    super::audited(
        &mut tx,
        meta,
        p,
        Action::CampaignChangeRejected,
        Some(change.campaign_id.to_string()),
        serde_json::json!({ "change": change.id, "reason": reason }),
    )
    .await?;
    tx.commit().await?;
    repo::change(db, p.company_id, change_id)
        .await?
        .ok_or(Error::NotFound)
}

/// The requester sends a rejected budget change again, perhaps with another budget: it waits
/// for an approver afresh, against the campaign as it is now. A budget that no longer needs
/// approval is asked for as a new change instead.
pub async fn resubmit(
    db: &Db,
    p: &Principal,
    meta: &RequestMeta,
    change_id: Uuid,
    budget: Option<&str>,
) -> Result<ChangeRow> {
    p.authorize(Permission::CampaignsManage)?;
    let change = repo::change(db, p.company_id, change_id)
        .await?
        .ok_or(Error::NotFound)?;
    if change.requested_by != Some(p.user_id) {
        return Err(Error::Forbidden);
    }
    if change.state != "rejected" || change.kind != "budget" {
        return Err(Error::Conflict(
            "Only a rejected budget change can be resubmitted.".into(),
        ));
    }
    let (t, platform, _) = target(db, p, change.campaign_id).await?;
    let current = current_budget(&t)?;
    let new = match budget {
        Some(raw) => parse_budget(raw, platform, &t.currency)?,
        None => change.new_budget_minor.unwrap_or(current),
    };
    let cap = repo::budget_cap(db, p.company_id, &t.currency).await?;
    let Some(reason) = approval_reason(current, new, cap, &t.currency) else {
        return Err(Error::validation(
            "budget",
            "This budget needs no approval any more: change it directly.",
        ));
    };
    let mut tx = db.begin().await?;
    let resubmitted = repo::resubmit_change(
        &mut tx,
        p.company_id,
        change_id,
        &repo::Resubmission {
            old_budget_minor: Some(current),
            new_budget_minor: Some(new),
            base_version: t.version,
            approval_reason: &reason,
        },
        Utc::now(),
    )
    .await?;
    if !resubmitted {
        return Err(Error::Conflict(
            "Only a rejected budget change can be resubmitted.".into(),
        ));
    }
    super::audited(&mut tx, meta, p, Action::CampaignChangeResubmitted, Some(t.id.to_string()), serde_json::json!({
                "change": change.id, "to": money::format_money(new, &t.currency), "needs_approval": reason,
            })).await?;
    tx.commit().await?;
    repo::change(db, p.company_id, change_id)
        .await?
        .ok_or(Error::NotFound)
}

/// Changes waiting for an approver (campaigns.approve), newest first.
pub async fn waiting(db: &Db, p: &Principal) -> Result<Vec<ChangeRow>> {
    p.authorize(Permission::CampaignsApprove)?;
    repo::changes(db, p.company_id, None, Some("pending")).await
}

/// A campaign's changes, newest first (campaigns.read).
pub async fn history(db: &Db, p: &Principal, campaign_id: Uuid) -> Result<Vec<ChangeRow>> {
    p.authorize(Permission::CampaignsRead)?;
    target(db, p, campaign_id).await?;
    repo::changes(db, p.company_id, Some(campaign_id), None).await
}

/// Sets the company's daily budget cap in a currency (settings.manage); empty removes it.
pub async fn set_budget_cap(
    db: &Db,
    p: &Principal,
    meta: &RequestMeta,
    currency: &str,
    raw: &str,
) -> Result<Option<i64>> {
    p.authorize(Permission::SettingsManage)?;
    let currency = currency.trim().to_ascii_uppercase();
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(Error::validation(
            "currency",
            "A three-letter currency code such as RON or EUR.",
        ));
    }
    let cap = match raw.trim() {
        "" => None,
        raw => Some(
            money::parse_minor(raw, &currency)
                .filter(|m| *m > 0)
                .ok_or_else(|| {
                    Error::validation(
                        "cap",
                        format!("An amount in {currency} above 0, or nothing for no cap."),
                    )
                })?,
        ),
    };
    let mut tx = db.begin().await?;
    repo::set_budget_cap(&mut tx, p.company_id, &currency, cap).await?;
    super::audited(
        &mut tx,
        meta,
        p,
        Action::AdBudgetCapChanged,
        None,
        serde_json::json!({
            "currency": currency, "cap": cap.map(|m| money::format_money(m, &currency)),
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(cap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_are_read_exactly_and_refused_with_the_field_named() {
        assert_eq!(parse_budget("250", Platform::Meta, "RON").unwrap(), 25_000);
        assert_eq!(
            parse_budget(" 1 250.50 ", Platform::Meta, "RON").unwrap(),
            125_050
        );
        assert_eq!(parse_budget("5000", Platform::Meta, "JPY").unwrap(), 5_000);
        for bad in ["", "0", "-5", "abc", "1.234", "1,5", "2000000", "1e3"] {
            match parse_budget(bad, Platform::Meta, "RON") {
                Err(Error::Validation { field, .. }) => assert_eq!(field, "budget", "{bad}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
        assert!(parse_budget("49.99", Platform::TikTok, "RON").is_err());
        assert!(parse_budget("50", Platform::TikTok, "RON").is_ok());
    }

    #[test]
    fn percentages_round_half_away_from_zero() {
        assert_eq!(percent_change(100, 90), -10);
        assert_eq!(percent_change(15_000, 27_000), 80);
        assert_eq!(percent_change(18_000, 33_000), 83);
        assert_eq!(percent_change(300, 299), 0);
        assert_eq!(percent_change(200, 199), -1, "-0.5 % rounds away from zero");
    }

    #[test]
    fn a_large_rise_or_one_above_the_cap_needs_an_approver() {
        assert_eq!(
            approval_reason(10_000, 15_000, None, "RON"),
            None,
            "+50 % exactly"
        );
        assert!(approval_reason(10_000, 15_001, None, "RON")
            .unwrap()
            .contains("50 %"));
        assert!(approval_reason(15_000, 27_000, None, "RON")
            .unwrap()
            .contains("80 %"));
        assert_eq!(
            approval_reason(15_000, 1_000, Some(500), "RON"),
            None,
            "a cut never waits"
        );
        assert!(approval_reason(19_000, 21_000, Some(20_000), "RON")
            .unwrap()
            .contains("200.00 RON"));
        assert_eq!(approval_reason(19_000, 20_000, Some(20_000), "RON"), None);
    }
}
