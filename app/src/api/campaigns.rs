//! Server functions of campaigns: the ad accounts (Settings → Ad accounts, campaigns.manage),
//! the campaign list and a campaign's page (campaigns.read), its controls (campaigns.manage)
//! and the approval queue (campaigns.approve). Thin: permission first, then
//! server::campaigns. Connecting goes through the plain routes of `server::campaigns::http`.
// The rule form's fields are the server functions' arguments.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::ssr;
use super::AppError;
#[cfg(feature = "ssr")]
use server::access::Permission;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdAccountView {
    pub id: String,
    pub name: String,
    pub external_id: String,
    pub currency: String,
    pub time_zone: String,
    pub imported: bool,
    /// "Syncing: 120 campaign-days so far", "Synced Dec 3, 2026 14:02", "Not synced yet".
    pub sync: String,
    pub syncing: bool,
    pub sync_error: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdConnectionView {
    pub id: String,
    pub platform: String,
    pub name: String,
    pub reconnect: bool,
    pub accounts: Vec<AdAccountView>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdAccountsPage {
    pub connections: Vec<AdConnectionView>,
    /// Which platforms this installation can connect (its app id and secret are set).
    pub meta_ready: bool,
    pub tiktok_ready: bool,
    pub any_syncing: bool,
}

/// Settings → Ad accounts: the connections and their accounts.
#[server(endpoint = "ad_accounts")]
pub async fn get_ad_accounts() -> Result<AdAccountsPage, AppError> {
    let p = ssr::authorize(Permission::CampaignsManage)?;
    let state = ssr::state()?;
    let config = ads_config(&state);
    let rows = server::campaigns::connections::accounts(&state.db, &p)
        .await
        .map_err(ssr::fail)?;
    let mut connections: Vec<AdConnectionView> = Vec::new();
    for a in rows {
        let syncing = a.sync_state.is_some();
        let sync = match (&a.sync_state, a.synced_at) {
            (Some(s), _) if s == "queued" => "Sync queued".to_string(),
            (Some(_), _) => format!(
                "Syncing: {} campaign-days so far",
                crate::format::group(a.sync_done)
            ),
            (None, Some(at)) => format!("Synced {}", ssr::local_time(&p, at)),
            (None, None) if a.imported => "Not synced yet".to_string(),
            (None, None) => "Not imported".to_string(),
        };
        let view = AdAccountView {
            id: a.id.to_string(),
            name: a.name,
            external_id: a.external_id,
            currency: a.currency,
            time_zone: a.time_zone,
            imported: a.imported,
            sync,
            syncing,
            sync_error: a.sync_error,
        };
        let id = a.connection_id.to_string();
        match connections.iter_mut().find(|c| c.id == id) {
            Some(c) => c.accounts.push(view),
            None => connections.push(AdConnectionView {
                id,
                platform: platform_name(&a.platform),
                name: a.connection_name,
                reconnect: a.connection_status != "active",
                accounts: vec![view],
            }),
        }
    }
    Ok(AdAccountsPage {
        any_syncing: connections
            .iter()
            .any(|c| c.accounts.iter().any(|a| a.syncing)),
        connections,
        meta_ready: config.meta_app.is_some(),
        tiktok_ready: config.tiktok_app.is_some(),
    })
}

#[cfg(feature = "ssr")]
fn ads_config(state: &server::AppState) -> &server::campaigns::config::CampaignsConfig {
    state
        .config
        .section::<server::campaigns::config::CampaignsConfig>()
}

#[cfg(feature = "ssr")]
fn platform_name(code: &str) -> String {
    match server::campaigns::platform::from_code(code) {
        Some(p) => server::campaigns::platform::name(p).to_string(),
        None => code.to_string(),
    }
}

/// Imports an account (its first sync starts at once) or stops importing it.
#[server(endpoint = "import_ad_account")]
pub async fn set_ad_account_import(account_id: String, imported: bool) -> Result<String, AppError> {
    let p = ssr::authorize(Permission::CampaignsManage)?;
    let id = ssr::parse_id(&account_id)?;
    let name = server::campaigns::connections::set_import(
        &ssr::state()?.db,
        &p,
        &ssr::meta(),
        id,
        imported,
    )
    .await
    .map_err(ssr::fail)?;
    Ok(if imported {
        format!("{name} imported: its first sync has started.")
    } else {
        format!("{name} is no longer imported: its campaigns are hidden and not synced.")
    })
}

/// Reads an imported account again now.
#[server(endpoint = "sync_ad_account")]
pub async fn sync_ad_account(account_id: String) -> Result<String, AppError> {
    let p = ssr::authorize(Permission::CampaignsManage)?;
    let id = ssr::parse_id(&account_id)?;
    let queued = server::campaigns::connections::sync_now(&ssr::state()?.db, &p, id)
        .await
        .map_err(ssr::fail)?;
    Ok(if queued {
        "Sync started.".into()
    } else {
        "A sync of this account is already under way.".into()
    })
}

/// Disconnects: revokes the consent at the platform and deletes its accounts and figures.
#[server(endpoint = "disconnect_ad_connection")]
pub async fn disconnect_ad_connection(connection_id: String) -> Result<String, AppError> {
    let p = ssr::authorize(Permission::CampaignsManage)?;
    let id = ssr::parse_id(&connection_id)?;
    let state = ssr::state()?;
    server::campaigns::connections::disconnect(
        &state.db,
        &state.config.app_secret_key,
        ads_config(&state),
        &p,
        &ssr::meta(),
        id,
    )
    .await
    .map_err(ssr::fail)?;
    Ok("Disconnected: the consent was withdrawn and its figures deleted.".into())
}

/// A period's figures, formatted.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    pub spend: String,
    pub impressions: String,
    pub clicks: String,
    pub ctr: String,
    pub cpc: String,
    pub conversions: String,
    pub cpa: String,
    pub value: String,
    pub roas: String,
    /// For sorting: spend in minor units, ROAS (−1 when there is none), CTR and CPA likewise.
    pub spend_minor: i64,
    pub roas_value: f64,
    pub ctr_value: f64,
    pub cpa_minor: i64,
}

#[cfg(feature = "ssr")]
fn figures(t: &server::campaigns::metrics::Totals, currency: &str) -> Figures {
    use server::money::format_money;
    let none = || "—".to_string();
    Figures {
        spend: format_money(t.spend_minor, currency),
        impressions: crate::format::group(t.impressions),
        clicks: crate::format::group(t.clicks),
        ctr: t.ctr_percent().map_or_else(none, |v| format!("{v:.2} %")),
        cpc: t
            .cpc_minor()
            .map_or_else(none, |v| format_money(v, currency)),
        conversions: crate::format::group(t.conversions),
        cpa: t
            .cpa_minor()
            .map_or_else(none, |v| format_money(v, currency)),
        value: format_money(t.purchase_value_minor, currency),
        roas: t.roas().map_or_else(none, |v| format!("{v:.2}×")),
        spend_minor: t.spend_minor,
        roas_value: t.roas().unwrap_or(-1.0),
        ctr_value: t.ctr_percent().unwrap_or(-1.0),
        cpa_minor: t.cpa_minor().unwrap_or(i64::MAX),
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CampaignLineView {
    pub id: String,
    pub name: String,
    pub account: String,
    pub platform: String,
    pub status: String,
    pub objective: String,
    pub currency: String,
    /// "150.00 RON a day", "3,000.00 RON lifetime", or "On its ad sets".
    pub budget: String,
    pub figures: Figures,
    /// "62 % of the even pace: 45.10 of 72.90 RON by now", or "—".
    pub pacing: String,
    /// under, on, over, spent, or empty.
    pub pacing_state: String,
    pub spent_today: String,
    pub reconnect: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlatformGroupView {
    pub platform: String,
    pub currency: String,
    pub campaigns: usize,
    pub figures: Figures,
    pub labels: Vec<String>,
    pub spend: Vec<f64>,
    pub value: Vec<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CampaignsView {
    pub preset: String,
    pub from: String,
    pub to: String,
    /// "Nov 4 – Dec 3, 2026".
    pub period: String,
    pub groups: Vec<PlatformGroupView>,
    pub lines: Vec<CampaignLineView>,
    pub any_campaign: bool,
    pub can_manage: bool,
    /// Changes waiting for this member's approval (None: not an approver).
    pub waiting: Option<usize>,
}

#[cfg(feature = "ssr")]
fn line_view(l: &server::campaigns::overview::Line) -> CampaignLineView {
    use server::campaigns::metrics::PaceState;
    use server::money::format_money;
    let c = &l.campaign;
    let budget = match (c.daily_budget_minor, c.lifetime_budget_minor) {
        (Some(d), _) => format!("{} a day", format_money(d, &c.currency)),
        (None, Some(t)) => format!("{} lifetime", format_money(t, &c.currency)),
        (None, None) => "On its ad sets".into(),
    };
    let (pacing, pacing_state) = match (&l.pacing, c.daily_budget_minor) {
        (Some(p), Some(budget)) => {
            let state = match p.state {
                PaceState::Under => "under",
                PaceState::OnPace => "on",
                PaceState::Over => "over",
                PaceState::Spent => "spent",
            };
            let text = match (p.state, p.ratio) {
                (PaceState::Spent, _) => format!(
                    "Budget spent: {} of {}",
                    format_money(l.spend_today_minor, &c.currency),
                    format_money(budget, &c.currency)
                ),
                (_, Some(r)) => format!(
                    "{:.0} % of an even pace: {} of {} by now",
                    r * 100.0,
                    format_money(l.spend_today_minor, &c.currency),
                    format_money(p.expected_minor, &c.currency)
                ),
                (_, None) => "The day has just begun".into(),
            };
            (text, state.to_string())
        }
        _ => ("—".into(), String::new()),
    };
    CampaignLineView {
        id: c.id.to_string(),
        name: c.name.clone(),
        account: c.account_name.clone(),
        platform: server::campaigns::platform::name(l.platform).into(),
        status: c.status.clone(),
        objective: c.objective.as_deref().map(objective).unwrap_or_default(),
        currency: c.currency.clone(),
        budget,
        figures: figures(&l.totals, &c.currency),
        pacing,
        pacing_state,
        spent_today: format_money(l.spend_today_minor, &c.currency),
        reconnect: c.connection_status != "active",
    }
}

/// A platform's objective as people say it ("OUTCOME_SALES" → "Sales").
#[cfg(feature = "ssr")]
fn objective(raw: &str) -> String {
    let words = raw
        .trim_start_matches("OUTCOME_")
        .replace('_', " ")
        .to_lowercase();
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(feature = "ssr")]
fn period_of(
    p: &server::access::Principal,
    range: &str,
    from: &str,
    to: &str,
) -> Result<server::campaigns::overview::Period, AppError> {
    let tz: chrono_tz::Tz = p.timezone.parse().unwrap_or(chrono_tz::UTC);
    let today = chrono::Utc::now().with_timezone(&tz).date_naive();
    server::campaigns::overview::period(range, from, to, today).map_err(ssr::fail)
}

#[cfg(feature = "ssr")]
fn period_label(p: &server::campaigns::overview::Period) -> String {
    use chrono::Datelike;
    if p.from.year() == p.to.year() {
        format!(
            "{} – {}",
            p.from.format("%b %-d"),
            p.to.format("%b %-d, %Y")
        )
    } else {
        format!(
            "{} – {}",
            p.from.format("%b %-d, %Y"),
            p.to.format("%b %-d, %Y")
        )
    }
}

/// Major units for a chart (its tooltips round them).
#[cfg(feature = "ssr")]
fn major(minor: i64, currency: &str) -> f64 {
    minor as f64 / 10f64.powi(server::money::minor_digits(currency) as i32)
}

/// /campaigns: every campaign of the imported accounts over a period, and per platform.
#[server(endpoint = "campaigns")]
pub async fn get_campaigns(
    range: String,
    from: String,
    to: String,
    platform: String,
    status: String,
    q: String,
) -> Result<CampaignsView, AppError> {
    let p = ssr::authorize(Permission::CampaignsRead)?;
    let period = period_of(&p, &range, &from, &to)?;
    let db = &ssr::state()?.db;
    let filter = server::campaigns::overview::Filter {
        platform: platform.trim().to_ascii_lowercase(),
        status: status.trim().to_ascii_uppercase(),
        search: q.chars().take(100).collect(),
    };
    let o = server::campaigns::overview::overview(db, &p, period, &filter, chrono::Utc::now())
        .await
        .map_err(ssr::fail)?;
    let waiting = if p.permissions.contains(Permission::CampaignsApprove) {
        Some(
            server::campaigns::controls::waiting(db, &p)
                .await
                .map_err(ssr::fail)?
                .into_iter()
                .filter(|c| c.requested_by != Some(p.user_id))
                .count(),
        )
    } else {
        None
    };
    let groups = o
        .groups
        .iter()
        .map(|g| PlatformGroupView {
            platform: server::campaigns::platform::name(g.platform).into(),
            currency: g.currency.clone(),
            campaigns: g.campaigns,
            figures: figures(&g.totals, &g.currency),
            labels: g
                .days
                .iter()
                .map(|(d, _, _)| d.format("%b %-d").to_string())
                .collect(),
            spend: g
                .days
                .iter()
                .map(|(_, s, _)| major(*s, &g.currency))
                .collect(),
            value: g
                .days
                .iter()
                .map(|(_, _, v)| major(*v, &g.currency))
                .collect(),
        })
        .collect();
    Ok(CampaignsView {
        preset: o.period.preset.clone(),
        from: o.period.from.to_string(),
        to: o.period.to.to_string(),
        period: period_label(&o.period),
        groups,
        lines: o.lines.iter().map(line_view).collect(),
        any_campaign: o.any_campaign,
        can_manage: p.permissions.contains(Permission::CampaignsManage),
        waiting,
    })
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DayView {
    pub day: String,
    pub figures: Figures,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChangeView {
    pub id: String,
    /// "Daily budget 150.00 → 270.00 RON", "Paused".
    pub what: String,
    /// pending, rejected, applying, applied, failed.
    pub state: String,
    pub approval_reason: Option<String>,
    pub requested: String,
    pub decided: Option<String>,
    pub decision_reason: Option<String>,
    pub platform_answer: Option<String>,
    /// person, rule, rollback, insight.
    pub source: String,
    pub campaign_id: String,
    pub campaign: String,
    /// The member may resubmit it (their own rejected budget change).
    pub may_resubmit: bool,
    /// The member may approve or reject it (pending, someone else's).
    pub may_decide: bool,
    pub new_budget: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FiringView {
    pub id: String,
    pub campaign_id: String,
    /// What it did waits to be undone, and the member may keep it.
    pub may_keep: bool,
    pub when: String,
    pub rule: String,
    pub summary: String,
    pub action: String,
    pub outcome: String,
    pub rollback: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InsightView {
    pub id: String,
    pub campaign: String,
    pub campaign_id: String,
    pub title: String,
    pub reasoning: String,
    pub current: String,
    pub suggested: String,
    pub confidence: i64,
    pub impact: String,
    pub source: String,
    pub status: String,
    pub dismiss_reason: Option<String>,
    pub created: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CampaignView {
    pub line: CampaignLineView,
    pub preset: String,
    pub from: String,
    pub to: String,
    pub period: String,
    pub days: Vec<DayView>,
    pub labels: Vec<String>,
    pub spend: Vec<f64>,
    pub value: Vec<f64>,
    pub changes: Vec<ChangeView>,
    pub firings: Vec<FiringView>,
    pub insights: Vec<InsightView>,
    pub can_manage: bool,
    /// The campaign's version and a fresh form id, for the controls.
    pub version: i64,
    pub request_id: String,
    /// The daily budget as the form starts ("150.00"), empty without one.
    pub daily_budget: String,
    pub status: String,
}

#[cfg(feature = "ssr")]
async fn names(
    db: &server::Db,
    p: &server::access::Principal,
) -> Result<std::collections::HashMap<uuid::Uuid, String>, AppError> {
    Ok(server::identity::member_names(db, p.company_id)
        .await
        .map_err(ssr::fail)?
        .into_iter()
        .collect())
}

#[cfg(feature = "ssr")]
fn change_view(
    p: &server::access::Principal,
    c: &server::campaigns::repo::ChangeRow,
    campaign: &str,
    currency: &str,
    names: &std::collections::HashMap<uuid::Uuid, String>,
) -> ChangeView {
    use server::money::format_money;
    let who = |id: Option<uuid::Uuid>| {
        id.and_then(|i| names.get(&i).cloned())
            .unwrap_or_else(|| "a former member".into())
    };
    let what = match c.kind.as_str() {
        "budget" => format!(
            "Daily budget {} → {}",
            c.old_budget_minor
                .map_or("—".into(), |m| format_money(m, currency)),
            c.new_budget_minor
                .map_or("—".into(), |m| format_money(m, currency))
        ),
        _ => match c.new_status.as_deref() {
            Some("PAUSED") => "Pause".into(),
            Some("ACTIVE") => "Resume".into(),
            other => format!("Status {}", other.unwrap_or("?")),
        },
    };
    let requested = match c.source.as_str() {
        "rule" => format!("By an alert rule, {}", ssr::local_time(p, c.requested_at)),
        "rollback" => format!("Rolled back, {}", ssr::local_time(p, c.requested_at)),
        "insight" => format!(
            "{} from a suggestion, {}",
            who(c.requested_by),
            ssr::local_time(p, c.requested_at)
        ),
        _ => format!(
            "{}, {}",
            who(c.requested_by),
            ssr::local_time(p, c.requested_at)
        ),
    };
    let decided = c
        .decided_at
        .map(|at| format!("{}, {}", who(c.decided_by), ssr::local_time(p, at)));
    ChangeView {
        id: c.id.to_string(),
        what,
        state: c.state.clone(),
        approval_reason: c.approval_reason.clone(),
        requested,
        decided,
        decision_reason: c.decision_reason.clone(),
        platform_answer: c.platform_answer.clone(),
        source: c.source.clone(),
        campaign_id: c.campaign_id.to_string(),
        campaign: campaign.to_string(),
        may_resubmit: c.state == "rejected"
            && c.kind == "budget"
            && c.requested_by == Some(p.user_id)
            && p.permissions.contains(Permission::CampaignsManage),
        may_decide: c.state == "pending"
            && c.requested_by != Some(p.user_id)
            && p.permissions.contains(Permission::CampaignsApprove),
        new_budget: c
            .new_budget_minor
            .map(|m| server::money::format_decimal(m, currency))
            .unwrap_or_default(),
    }
}

/// /campaigns/:id: its figures per day, changes, alerts that fired and suggestions.
#[server(endpoint = "campaign")]
pub async fn get_campaign(
    id: String,
    range: String,
    from: String,
    to: String,
) -> Result<CampaignView, AppError> {
    use server::campaigns::{controls, insights, overview, rules};
    let p = ssr::authorize(Permission::CampaignsRead)?;
    let id = ssr::parse_id(&id)?;
    let period = period_of(&p, &range, &from, &to)?;
    let db = &ssr::state()?.db;
    let d = overview::campaign(db, &p, id, period.clone(), chrono::Utc::now())
        .await
        .map_err(ssr::fail)?;
    let (changes, firings, suggestions, names) = tokio::try_join!(
        async { controls::history(db, &p, id).await.map_err(ssr::fail) },
        async { rules::firings(db, &p, Some(id)).await.map_err(ssr::fail) },
        async { insights::list(db, &p, Some(id)).await.map_err(ssr::fail) },
        names(db, &p),
    )?;
    let c = &d.line.campaign;
    let currency = c.currency.clone();
    Ok(CampaignView {
        line: line_view(&d.line),
        preset: period.preset.clone(),
        from: period.from.to_string(),
        to: period.to.to_string(),
        period: period_label(&period),
        days: d
            .days
            .iter()
            .rev()
            .map(|(day, t)| DayView {
                day: day.format("%a, %b %-d").to_string(),
                figures: figures(t, &currency),
            })
            .collect(),
        labels: d
            .days
            .iter()
            .map(|(day, _)| day.format("%b %-d").to_string())
            .collect(),
        spend: d
            .days
            .iter()
            .map(|(_, t)| major(t.spend_minor, &currency))
            .collect(),
        value: d
            .days
            .iter()
            .map(|(_, t)| major(t.purchase_value_minor, &currency))
            .collect(),
        changes: changes
            .iter()
            .map(|ch| change_view(&p, ch, &c.name, &currency, &names))
            .collect(),
        firings: firings.into_iter().map(|f| firing_view(&p, f)).collect(),
        insights: suggestions
            .into_iter()
            .map(|i| insight_view(&p, i))
            .collect(),
        can_manage: p.permissions.contains(Permission::CampaignsManage),
        version: c.version,
        request_id: uuid::Uuid::new_v4().to_string(),
        daily_budget: c
            .daily_budget_minor
            .map(|m| server::money::format_decimal(m, &currency))
            .unwrap_or_default(),
        status: c.status.clone(),
    })
}

#[cfg(feature = "ssr")]
fn outcome(c: &server::campaigns::repo::ChangeRow) -> Result<String, AppError> {
    match c.state.as_str() {
        "applied" => Ok("Done: the platform accepted the change.".into()),
        "pending" => Ok(format!(
            "Waiting for an approver: {}.",
            c.approval_reason
                .as_deref()
                .unwrap_or("this change needs one")
                .trim_end_matches('.')
        )),
        "failed" => Err(ssr::fail(server::Error::Unavailable(format!(
            "The platform refused the change: {}",
            c.platform_answer.as_deref().unwrap_or("no answer")
        )))),
        other => Ok(format!("The change is {other}.")),
    }
}

#[cfg(feature = "ssr")]
fn request_change(
    campaign_id: &str,
    version: i64,
    request_id: String,
    wanted: server::campaigns::controls::Wanted,
) -> Result<server::campaigns::controls::ChangeInput, AppError> {
    Ok(server::campaigns::controls::ChangeInput {
        campaign_id: ssr::parse_id(campaign_id)?,
        expected_version: version,
        request_id,
        wanted,
    })
}

#[cfg(feature = "ssr")]
async fn send_change(input: server::campaigns::controls::ChangeInput) -> Result<String, AppError> {
    let p = ssr::authorize(Permission::CampaignsManage)?;
    let state = ssr::state()?;
    let change = server::campaigns::controls::request(
        &state.db,
        &state.config.app_secret_key,
        ads_config(&state),
        &p,
        &ssr::meta(),
        input,
    )
    .await
    .map_err(ssr::fail)?;
    outcome(&change)
}

/// Pauses or resumes a campaign ("pause" or "resume").
#[server(endpoint = "campaign_status")]
pub async fn change_campaign_status(
    campaign_id: String,
    version: i64,
    request_id: String,
    action: String,
) -> Result<String, AppError> {
    use server::campaigns::controls::Wanted;
    ssr::authorize(Permission::CampaignsManage)?;
    let wanted = match action.as_str() {
        "pause" => Wanted::Pause,
        "resume" => Wanted::Resume,
        _ => {
            return Err(ssr::fail(server::Error::validation(
                "action",
                "Choose pause or resume.",
            )))
        }
    };
    send_change(request_change(&campaign_id, version, request_id, wanted)?).await
}

/// Changes a campaign's daily budget (a large rise waits for an approver).
#[server(endpoint = "campaign_budget")]
pub async fn change_campaign_budget(
    campaign_id: String,
    version: i64,
    request_id: String,
    budget: String,
) -> Result<String, AppError> {
    use server::campaigns::controls::Wanted;
    ssr::authorize(Permission::CampaignsManage)?;
    send_change(request_change(
        &campaign_id,
        version,
        request_id,
        Wanted::DailyBudget(budget),
    )?)
    .await
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BudgetPreview {
    pub change: String,
    pub pacing_now: String,
    pub pacing_new: String,
    pub needs_approval: Option<String>,
}

/// What a new daily budget would do to today's pacing, and whether it needs an approver.
#[server(endpoint = "campaign_budget_preview")]
pub async fn preview_campaign_budget(
    campaign_id: String,
    budget: String,
) -> Result<BudgetPreview, AppError> {
    use server::money::format_money;
    let p = ssr::authorize(Permission::CampaignsManage)?;
    let id = ssr::parse_id(&campaign_id)?;
    let db = &ssr::state()?.db;
    let v = server::campaigns::controls::preview_budget(db, &p, id, &budget, chrono::Utc::now())
        .await
        .map_err(ssr::fail)?;
    let cur = &v.currency;
    let pace = |x: &Option<server::campaigns::metrics::Pacing>| match x {
        Some(p) => match p.ratio {
            Some(r) => format!("{:.0} % of an even pace", r * 100.0),
            None => "the day has just begun".into(),
        },
        None => "—".into(),
    };
    Ok(BudgetPreview {
        change: format!(
            "{} → {} a day ({:+} %)",
            format_money(v.current_minor, cur),
            format_money(v.new_minor, cur),
            v.change_percent
        ),
        pacing_now: pace(&v.pacing_now),
        pacing_new: pace(&v.pacing_new),
        needs_approval: v.needs_approval,
    })
}

/// Changes waiting for an approver (campaigns.approve), with the member's own marked.
#[server(endpoint = "campaign_approvals")]
pub async fn get_approvals() -> Result<Vec<ChangeView>, AppError> {
    let p = ssr::authorize(Permission::CampaignsApprove)?;
    let db = &ssr::state()?.db;
    let waiting = server::campaigns::controls::waiting(db, &p)
        .await
        .map_err(ssr::fail)?;
    let campaigns = server::campaigns::repo::listed_campaigns(db, p.company_id, None)
        .await
        .map_err(ssr::fail)?;
    let names = names(db, &p).await?;
    Ok(waiting
        .iter()
        .filter_map(|c| {
            let campaign = campaigns.iter().find(|x| x.id == c.campaign_id)?;
            Some(change_view(
                &p,
                c,
                &campaign.name,
                &campaign.currency,
                &names,
            ))
        })
        .collect())
}

#[server(endpoint = "approve_campaign_change")]
pub async fn approve_change(change_id: String) -> Result<String, AppError> {
    let p = ssr::authorize(Permission::CampaignsApprove)?;
    let id = ssr::parse_id(&change_id)?;
    let state = ssr::state()?;
    let change = server::campaigns::controls::approve(
        &state.db,
        &state.config.app_secret_key,
        ads_config(&state),
        &state.limits,
        &p,
        &ssr::meta(),
        id,
    )
    .await
    .map_err(ssr::fail)?;
    match change.state.as_str() {
        "applied" => Ok("Approved: the platform accepted the new budget.".into()),
        _ => outcome(&change),
    }
}

#[server(endpoint = "reject_campaign_change")]
pub async fn reject_change(change_id: String, reason: String) -> Result<String, AppError> {
    let p = ssr::authorize(Permission::CampaignsApprove)?;
    let id = ssr::parse_id(&change_id)?;
    server::campaigns::controls::reject(&ssr::state()?.db, &p, &ssr::meta(), id, &reason)
        .await
        .map_err(ssr::fail)?;
    Ok("Rejected: the requester sees your reason.".into())
}

/// The requester sends their rejected budget change again (with another budget, or the same).
#[server(endpoint = "resubmit_campaign_change")]
pub async fn resubmit_change(change_id: String, budget: String) -> Result<String, AppError> {
    let p = ssr::authorize(Permission::CampaignsManage)?;
    let id = ssr::parse_id(&change_id)?;
    let budget = budget.trim();
    let change = server::campaigns::controls::resubmit(
        &ssr::state()?.db,
        &p,
        &ssr::meta(),
        id,
        (!budget.is_empty()).then_some(budget),
    )
    .await
    .map_err(ssr::fail)?;
    outcome(&change)
}

/// Applies a suggestion through the controls.
#[server(endpoint = "apply_campaign_insight")]
pub async fn apply_insight(insight_id: String) -> Result<String, AppError> {
    let p = ssr::authorize(Permission::CampaignsManage)?;
    let id = ssr::parse_id(&insight_id)?;
    let state = ssr::state()?;
    let change = server::campaigns::insights::apply(
        &state.db,
        &state.config.app_secret_key,
        ads_config(&state),
        &p,
        &ssr::meta(),
        id,
    )
    .await
    .map_err(ssr::fail)?;
    outcome(&change)
}

/// Dismisses a suggestion, saying why (fed into the next run's prompt).
#[server(endpoint = "dismiss_campaign_insight")]
pub async fn dismiss_insight(insight_id: String, reason: String) -> Result<String, AppError> {
    let p = ssr::authorize(Permission::CampaignsManage)?;
    let id = ssr::parse_id(&insight_id)?;
    server::campaigns::insights::dismiss(&ssr::state()?.db, &p, &ssr::meta(), id, &reason)
        .await
        .map_err(ssr::fail)?;
    Ok("Suggestion dismissed.".into())
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleView {
    pub id: String,
    pub name: String,
    pub enabled: bool,
    /// "Spend > 50 over 7 days AND ROAS < 1.5 over 7 days → pause, undone after 2 hours".
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RulesView {
    pub rules: Vec<RuleView>,
    pub can_manage: bool,
    /// The recent firings of every rule, newest first.
    pub firings: Vec<FiringView>,
}

#[cfg(feature = "ssr")]
fn firing_view(p: &server::access::Principal, f: server::campaigns::repo::FiringRow) -> FiringView {
    FiringView {
        when: ssr::local_time(p, f.fired_at),
        rule: f.rule_name,
        summary: f.summary,
        action: {
            let did = match f.action.as_str() {
                "pause" => "Paused",
                "reduce_budget" => "Budget cut",
                _ => "Notified",
            };
            match (f.outcome.as_str(), &f.note) {
                ("done", None) => did.to_string(),
                (_, Some(note)) => format!("{did}: {note}"),
                (outcome, None) => format!("{did}: {outcome}"),
            }
        },
        outcome: f.note.unwrap_or(f.outcome),
        rollback: match (f.rolled_back_at, f.kept_by, f.rollback_due_at) {
            (Some(at), _, _) => format!(
                "Undone {}{}",
                ssr::local_time(p, at),
                f.rollback_note
                    .map(|n| format!(": {n}"))
                    .unwrap_or_default()
            ),
            (None, Some(_), _) => "Kept by a person".into(),
            (None, None, Some(due)) => format!("To be undone {}", ssr::local_time(p, due)),
            _ => f.rollback_note.unwrap_or_default(),
        },
        id: f.id.to_string(),
        may_keep: f.rolled_back_at.is_none()
            && f.kept_by.is_none()
            && f.rollback_due_at.is_some()
            && p.permissions.contains(Permission::CampaignsManage),
        campaign_id: f.campaign_id.to_string(),
    }
}

/// /campaigns/rules: the company's alert rules and what they did lately.
#[server(endpoint = "campaign_rules")]
pub async fn get_rules() -> Result<RulesView, AppError> {
    use server::campaigns::rules;
    let p = ssr::authorize(Permission::CampaignsRead)?;
    let db = &ssr::state()?.db;
    let (list, firings) =
        tokio::try_join!(rules::list(db, &p), rules::firings(db, &p, None)).map_err(ssr::fail)?;
    let mut views = Vec::with_capacity(list.len());
    for r in &list {
        views.push(RuleView {
            id: r.id.to_string(),
            name: r.name.clone(),
            enabled: r.enabled,
            text: rules::describe(r).map_err(ssr::fail)?,
        });
    }
    Ok(RulesView {
        rules: views,
        can_manage: p.permissions.contains(Permission::CampaignsManage),
        firings: firings
            .into_iter()
            .take(50)
            .map(|f| firing_view(&p, f))
            .collect(),
    })
}

/// The rule form as typed: its condition rows are `metric[i]`, `op[i]`, `value[i]`, `days[i]`.
#[cfg(feature = "ssr")]
fn rule_input(
    name: String,
    combine: String,
    metric: Vec<String>,
    op: Vec<String>,
    value: Vec<String>,
    days: Vec<String>,
    action: String,
    reduce_percent: String,
    rollback_hours: String,
) -> (server::campaigns::rules::RuleInput, Vec<usize>) {
    use server::campaigns::rules::ConditionInput;
    let at = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
    let rows = metric.len().max(value.len()).min(10);
    let mut conditions = Vec::new();
    // Which form row each condition the service sees came from (it skips empty rows), so an
    // error names the row the person typed.
    let mut rows_of = Vec::new();
    for i in 0..rows {
        let c = ConditionInput {
            metric: at(&metric, i),
            op: at(&op, i),
            value: at(&value, i),
            days: at(&days, i),
        };
        if !(c.metric.trim().is_empty() && c.value.trim().is_empty()) {
            rows_of.push(i);
        }
        conditions.push(c);
    }
    (
        server::campaigns::rules::RuleInput {
            name,
            combine,
            conditions,
            action,
            reduce_percent,
            rollback_hours,
        },
        rows_of,
    )
}

/// An error about `conditions.{k}.x` named after the form row it came from.
#[cfg(feature = "ssr")]
fn row_error(e: server::Error, rows_of: &[usize]) -> server::Error {
    match e {
        server::Error::Validation { field, message } => {
            let field = match field
                .strip_prefix("conditions.")
                .and_then(|r| r.split_once('.'))
            {
                Some((k, what)) => match k.parse::<usize>().ok().and_then(|k| rows_of.get(k)) {
                    Some(row) => format!("conditions.{row}.{what}"),
                    None => field,
                },
                None => field,
            };
            let message = match field
                .strip_prefix("conditions.")
                .and_then(|r| r.split_once('.'))
            {
                Some((row, _)) => format!(
                    "Condition {}: {message}",
                    row.parse::<usize>().unwrap_or(0) + 1
                ),
                None => message,
            };
            server::Error::Validation { field, message }
        }
        other => other,
    }
}

#[server(endpoint = "save_campaign_rule")]
pub async fn save_rule(
    name: String,
    combine: String,
    #[server(default)] metric: Vec<String>,
    #[server(default)] op: Vec<String>,
    #[server(default)] value: Vec<String>,
    #[server(default)] days: Vec<String>,
    action: String,
    #[server(default)] reduce_percent: String,
    #[server(default)] rollback_hours: String,
) -> Result<String, AppError> {
    let p = ssr::authorize(Permission::CampaignsManage)?;
    let (input, rows_of) = rule_input(
        name,
        combine,
        metric,
        op,
        value,
        days,
        action,
        reduce_percent,
        rollback_hours,
    );
    server::campaigns::rules::create(&ssr::state()?.db, &p, &ssr::meta(), &input)
        .await
        .map_err(|e| ssr::fail(row_error(e, &rows_of)))?;
    Ok(format!(
        "Rule “{}” saved: it is checked every 15 minutes.",
        input.name.trim()
    ))
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DryRunLine {
    pub campaign: String,
    pub fires: bool,
    pub summary: String,
}

/// Which campaigns the rule as typed would fire for now; nothing is saved or changed.
#[server(endpoint = "dry_run_campaign_rule")]
pub async fn dry_run_rule(
    name: String,
    combine: String,
    #[server(default)] metric: Vec<String>,
    #[server(default)] op: Vec<String>,
    #[server(default)] value: Vec<String>,
    #[server(default)] days: Vec<String>,
    action: String,
    #[server(default)] reduce_percent: String,
    #[server(default)] rollback_hours: String,
) -> Result<Vec<DryRunLine>, AppError> {
    let p = ssr::authorize(Permission::CampaignsManage)?;
    let (input, rows_of) = rule_input(
        name,
        combine,
        metric,
        op,
        value,
        days,
        action,
        reduce_percent,
        rollback_hours,
    );
    Ok(
        server::campaigns::rules::dry_run(&ssr::state()?.db, &p, &input, server::clock::now())
            .await
            .map_err(|e| ssr::fail(row_error(e, &rows_of)))?
            .into_iter()
            .map(|d| DryRunLine {
                campaign: d.campaign,
                fires: d.fires,
                summary: d.summary,
            })
            .collect(),
    )
}

#[server(endpoint = "enable_campaign_rule")]
pub async fn set_rule_enabled(rule_id: String, enabled: bool) -> Result<String, AppError> {
    let p = ssr::authorize(Permission::CampaignsManage)?;
    let id = ssr::parse_id(&rule_id)?;
    server::campaigns::rules::set_enabled(&ssr::state()?.db, &p, &ssr::meta(), id, enabled)
        .await
        .map_err(ssr::fail)?;
    Ok(if enabled {
        "Rule turned on.".into()
    } else {
        "Rule turned off: it is not checked until you turn it on.".into()
    })
}

#[server(endpoint = "delete_campaign_rule")]
pub async fn delete_rule(rule_id: String) -> Result<String, AppError> {
    let p = ssr::authorize(Permission::CampaignsManage)?;
    let id = ssr::parse_id(&rule_id)?;
    server::campaigns::rules::delete(&ssr::state()?.db, &p, &ssr::meta(), id)
        .await
        .map_err(ssr::fail)?;
    Ok("Rule deleted.".into())
}

/// Keeps what a rule did: it will not be undone.
#[server(endpoint = "keep_campaign_firing")]
pub async fn keep_firing(firing_id: String) -> Result<String, AppError> {
    let p = ssr::authorize(Permission::CampaignsManage)?;
    let id = ssr::parse_id(&firing_id)?;
    server::campaigns::rules::keep(&ssr::state()?.db, &p, &ssr::meta(), id)
        .await
        .map_err(ssr::fail)?;
    Ok("Kept: this action will not be undone.".into())
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InsightRunView {
    pub when: String,
    pub trigger: String,
    pub state: String,
    pub provider: String,
    pub suggestions: i64,
    pub tokens: String,
    pub error: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InsightsView {
    pub insights: Vec<InsightView>,
    pub runs: Vec<InsightRunView>,
    pub running: bool,
    pub can_manage: bool,
    pub can_configure: bool,
    /// "07:30" or empty, and the target ROAS ("2.00").
    pub daily_at: String,
    pub target_roas: String,
}

/// /campaigns/insights: the suggestions, the runs that made them, and their settings.
#[server(endpoint = "campaign_insights")]
pub async fn get_insights() -> Result<InsightsView, AppError> {
    use server::campaigns::insights;
    let p = ssr::authorize(Permission::CampaignsRead)?;
    let db = &ssr::state()?.db;
    let (list, runs, (daily_at, target)) = tokio::try_join!(
        insights::list(db, &p, None),
        insights::runs(db, &p),
        server::campaigns::repo::insight_settings(db, p.company_id),
    )
    .map_err(ssr::fail)?;
    let mut views: Vec<InsightView> = list.into_iter().map(|i| insight_view(&p, i)).collect();
    // Those waiting for a decision first, newest first within each group.
    views.sort_by_key(|i| i.status != "pending");
    Ok(InsightsView {
        insights: views,
        running: runs
            .iter()
            .any(|r| matches!(r.state.as_str(), "queued" | "running")),
        runs: runs
            .into_iter()
            .take(10)
            .map(|r| InsightRunView {
                when: ssr::local_time(&p, r.created_at),
                trigger: if r.trigger == "daily" {
                    "Daily"
                } else {
                    "Asked"
                }
                .into(),
                state: r.state,
                provider: match r.provider.as_deref() {
                    Some("local") | None => "Local rules".into(),
                    Some(other) => other.to_string(),
                },
                suggestions: r.suggestions,
                tokens: crate::format::group(r.tokens_charged),
                error: r.error,
            })
            .collect(),
        can_manage: p.permissions.contains(Permission::CampaignsManage),
        can_configure: p.permissions.contains(Permission::SettingsManage),
        daily_at: daily_at.unwrap_or_default(),
        target_roas: format!("{:.2}", target as f64 / 100.0),
    })
}

#[cfg(feature = "ssr")]
fn insight_view(
    p: &server::access::Principal,
    i: server::campaigns::repo::InsightRow,
) -> InsightView {
    InsightView {
        id: i.id.to_string(),
        campaign: i.campaign_name,
        campaign_id: i.campaign_id.to_string(),
        title: i.title,
        reasoning: i.reasoning,
        current: i.current_value,
        suggested: i.suggested_value,
        confidence: i.confidence,
        impact: i.impact,
        source: i.source,
        status: i.status,
        dismiss_reason: i.dismiss_reason,
        created: ssr::local_time(p, i.created_at),
    }
}

/// Asks for suggestions now (a second click while a run is under way changes nothing).
#[server(endpoint = "ask_campaign_insights")]
pub async fn ask_insights() -> Result<String, AppError> {
    let p = ssr::authorize(Permission::CampaignsManage)?;
    server::campaigns::insights::ask(&ssr::state()?.db, &p, &ssr::meta())
        .await
        .map_err(ssr::fail)?;
    Ok("Suggestions asked for: they appear here in a moment.".into())
}

/// The daily run's time and the target ROAS (settings.manage).
#[server(endpoint = "save_insight_settings")]
pub async fn save_insight_settings(
    daily_at: String,
    target_roas: String,
) -> Result<String, AppError> {
    let p = ssr::authorize(Permission::SettingsManage)?;
    server::campaigns::insights::set_settings(
        &ssr::state()?.db,
        &p,
        &ssr::meta(),
        &daily_at,
        &target_roas,
    )
    .await
    .map_err(ssr::fail)?;
    Ok("Settings saved.".into())
}
