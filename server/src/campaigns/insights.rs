//! AI insights on campaigns: a run (daily at the company's time, job `campaigns.ai-insights-due`
//! every 15 minutes; or asked for, campaigns.manage) looks at every watched campaign's last 7
//! and 30 days and today's pacing, with the company's last 10 decisions on earlier suggestions,
//! and suggests at most one change per campaign (budget, status or bid) with a title, its
//! reasoning, the current and suggested value, a confidence (0–100) and the expected impact.
//! Suggestions are PENDING until a person applies one (through the controls, so a large rise
//! still waits for an approver) or dismisses it with a reason; after 7 days they expire, and a
//! newer suggestion for the same campaign replaces an older pending one.
//!
//! With an AI provider (the company's key, else the platform's) a run holds tokens before the
//! call and settles them with the provider's usage, like an analysis. With none, the local
//! analyser makes honest rule-based suggestions from the figures (and says so), at no cost.

use chrono::{DateTime, Duration, NaiveTime, Timelike, Utc};
use chrono_tz::Tz;
use secrecy::SecretString;
use serde_json::{json, Value};
use uuid::Uuid;

use super::{
    config::CampaignsConfig,
    controls::{self, ChangeInput, Wanted},
    metrics::{self, Platform, Totals},
    platform,
    repo::{self, InsightRow, NewInsight, RunRow, Target},
};
use crate::{
    access::{Permission, Principal},
    ai::{self, keys::Choice, AiConfig},
    audit::{Action, RequestMeta},
    billing::ledger,
    jobs::{self, NewJob},
    money, Db, Error, Result,
};

pub const RUN_KIND: &str = "campaigns.ai-insights";
pub const DUE_KIND: &str = "campaigns.ai-insights-due";
/// How long a suggestion waits for a decision.
pub const LIFETIME: Duration = Duration::days(7);
/// Decisions fed into the next prompt.
const DECISIONS: i64 = 10;
/// Tokens held before a provider call: a base and a share per campaign.
const HOLD_BASE: i64 = 4_000;
const HOLD_PER_CAMPAIGN: i64 = 600;
/// An open run this old lost its job (the process stopped): it is failed so the company can
/// run again.
const STALE_RUN: Duration = Duration::hours(2);
/// Campaigns one run looks at.
const MAX_CAMPAIGNS: usize = 200;

/// A campaign's figures as a run sees them.
struct Seen {
    t: Target,
    platform: Platform,
    week: Totals,
    /// Days of the last 7 (before today) with any spend.
    week_days: i64,
    month: Totals,
    /// Yesterday's spend.
    yesterday_spend: i64,
    pacing: Option<f64>,
}

async fn look(db: &Db, company_id: Uuid, now: DateTime<Utc>) -> Result<Vec<Seen>> {
    let mut out = Vec::new();
    for t in repo::watched_campaigns(db, company_id)
        .await?
        .into_iter()
        .take(MAX_CAMPAIGNS)
    {
        let tz: Tz = t.time_zone.parse().unwrap_or(chrono_tz::UTC);
        let today = now.with_timezone(&tz).date_naive();
        let yesterday = today - Duration::days(1);
        let week_from = today - Duration::days(7);
        // One read of the last 30 days and today; everything below is added up from it.
        let days = repo::campaign_days(db, t.id, today - Duration::days(30), today).await?;
        let (mut week, mut month) = (Totals::default(), Totals::default());
        let (mut week_days, mut yesterday_spend, mut spend_today) = (0, 0, 0);
        for (day, figures) in &days {
            if *day == today {
                spend_today = figures.spend_minor;
                continue;
            }
            month.add(figures);
            if *day >= week_from {
                week.add(figures);
                week_days += i64::from(figures.spend_minor > 0);
            }
            if *day == yesterday {
                yesterday_spend = figures.spend_minor;
            }
        }
        let pacing = t
            .daily_budget_minor
            .and_then(|b| metrics::pacing(spend_today, b, metrics::day_elapsed(now, tz)))
            .and_then(|p| p.ratio);
        let platform = platform::from_code(&t.platform).unwrap_or(Platform::Meta);
        out.push(Seen {
            t,
            platform,
            week,
            week_days,
            month,
            yesterday_spend,
            pacing,
        });
    }
    Ok(out)
}

fn money_of(minor: i64, currency: &str) -> String {
    money::format_money(minor, currency)
}

/// The local analyser: fixed rules on the figures, each suggestion saying it is one.
fn local(seen: &[Seen], target_roas: f64) -> Vec<NewInsight> {
    const HONEST: &str = "Rule-based: no AI provider is set up for this company, so this comes from fixed rules on the figures, not from an AI model.";
    let mut out = Vec::new();
    for s in seen {
        let c = &s.t.currency;
        let Some(budget) = s.t.daily_budget_minor else {
            continue;
        };
        let roas = s.week.roas();
        // No sale in a week that spent three days' budget: pause.
        if s.week.conversions == 0 && s.week.spend_minor >= 3 * budget {
            out.push(NewInsight {
                campaign_id: s.t.id,
                kind: "status",
                title: format!(
                    "Pause: {} spent in 7 days without a purchase",
                    money_of(s.week.spend_minor, c)
                ),
                reasoning: format!(
                    "The last 7 days spent {} ({} clicks) and brought no purchase. {HONEST}",
                    money_of(s.week.spend_minor, c),
                    s.week.clicks
                ),
                current_value: "Active".into(),
                suggested_value: "Paused".into(),
                suggested_budget_minor: None,
                suggested_status: Some("PAUSED"),
                confidence: 70,
                impact: format!(
                    "about {} a day not spent",
                    money_of(s.week.spend_minor / 7, c)
                ),
            });
            continue;
        }
        match roas {
            // Below target for a week of spending: cut by a fifth.
            Some(r) if r < target_roas && s.week_days >= 5 => {
                let cut = budget - budget / 5;
                if controls::parse_budget(&money::format_decimal(cut, c), s.platform, c).is_err() {
                    continue;
                }
                out.push(NewInsight {
                    campaign_id: s.t.id,
                    kind: "budget",
                    title: format!("Lower the budget: ROAS {r:.2} is below the target {target_roas:.2} for 7 days"),
                    reasoning: format!(
                        "Over the last 7 days the campaign spent {} and brought {} in purchases (ROAS {r:.2}), below the company's target of {target_roas:.2}, with spend on {} of the 7 days. Cutting the daily budget by 20 % limits the loss while it is reworked. {HONEST}",
                        money_of(s.week.spend_minor, c),
                        money_of(s.week.purchase_value_minor, c),
                        s.week_days
                    ),
                    current_value: money_of(budget, c),
                    suggested_value: money_of(cut, c),
                    suggested_budget_minor: Some(cut),
                    suggested_status: None,
                    confidence: (40 + 7 * s.week_days).min(90),
                    impact: format!("about {} a day less spend", money_of(budget - cut, c)),
                });
            }
            // Well above target and spending its whole budget: raise by a fifth.
            Some(r) if r >= 1.5 * target_roas && s.yesterday_spend * 100 >= budget * 95 => {
                let raise = budget + budget / 5;
                if controls::parse_budget(&money::format_decimal(raise, c), s.platform, c).is_err()
                {
                    continue;
                }
                out.push(NewInsight {
                    campaign_id: s.t.id,
                    kind: "budget",
                    title: format!("Raise the budget: ROAS {r:.2} and the budget runs out"),
                    reasoning: format!(
                        "Over the last 7 days the campaign returned {r:.2} for each unit spent (target {target_roas:.2}), and yesterday it spent {} of its {} budget: it is held back by the budget. A 20 % rise lets it reach more buyers at a similar return, which is not guaranteed. {HONEST}",
                        money_of(s.yesterday_spend, c),
                        money_of(budget, c)
                    ),
                    current_value: money_of(budget, c),
                    suggested_value: money_of(raise, c),
                    suggested_budget_minor: Some(raise),
                    suggested_status: None,
                    confidence: 60,
                    impact: format!(
                        "up to {} more purchases a day at the same ROAS",
                        money_of(((budget / 5) as f64 * r).round() as i64, c)
                    ),
                });
            }
            _ => {}
        }
    }
    out
}

/// The schema a provider's answer follows.
fn schema() -> Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["suggestions"],
        "properties": { "suggestions": { "type": "array", "items": {
            "type": "object",
            "additionalProperties": false,
            "required": ["campaign_id", "kind", "title", "reasoning", "suggested_daily_budget", "suggested_status", "confidence", "impact"],
            "properties": {
                "campaign_id": { "type": "string" },
                "kind": { "type": "string", "enum": ["budget", "status", "bid"] },
                "title": { "type": "string" },
                "reasoning": { "type": "string" },
                "suggested_daily_budget": { "type": ["number", "null"] },
                "suggested_status": { "type": ["string", "null"], "enum": ["ACTIVE", "PAUSED", null] },
                "confidence": { "type": "integer" },
                "impact": { "type": "string" }
            }
        } } }
    })
}

const SYSTEM: &str = "You are the ads analyst of a small e-commerce company. For each campaign given, \
suggest at most one change — its daily budget, its status, or its bids — only when the figures support it, \
and none otherwise. Use only the figures given; money is in the campaign's currency; ROAS is purchase value \
per unit spent; conversions are purchases. Never add figures across platforms. Learn from the company's \
recent decisions on earlier suggestions (a dismissal's reason says what they did not want). Keep titles \
under 100 characters and reasoning under 600. Confidence is 0 to 100.";

fn prompt(
    seen: &[Seen],
    target_roas: f64,
    decisions: &[(String, String, String, Option<String>)],
) -> String {
    let campaigns: Vec<Value> = seen
        .iter()
        .map(|s| {
            let c = &s.t.currency;
            let units = |m: i64| money::format_decimal(m, c);
            let figures = |t: &Totals| json!({
                "spend": units(t.spend_minor), "impressions": t.impressions, "clicks": t.clicks,
                "purchases": t.conversions, "purchase_value": units(t.purchase_value_minor),
                "roas": t.roas().map(|r| (r * 100.0).round() / 100.0),
                "cpa": t.cpa_minor().map(units), "ctr_percent": t.ctr_percent().map(|r| (r * 100.0).round() / 100.0),
            });
            json!({
                "campaign_id": s.t.id, "name": s.t.name, "platform": platform::name(s.platform),
                "currency": c, "status": s.t.status,
                "daily_budget": s.t.daily_budget_minor.map(units),
                "last_7_days": figures(&s.week), "last_30_days": figures(&s.month),
                "today_pacing_percent": s.pacing.map(|p| (p * 1000.0).round() / 10.0),
            })
        })
        .collect();
    let decisions: Vec<Value> = decisions
        .iter()
        .map(|(campaign, title, status, reason)| {
            json!({
                "campaign": campaign, "suggestion": title, "decision": status, "reason": reason,
            })
        })
        .collect();
    json!({ "target_roas": target_roas, "campaigns": campaigns, "recent_decisions": decisions })
        .to_string()
}

/// A provider's suggestions, checked: unknown campaigns, impossible values and repeats are
/// dropped (counted).
fn read_answer(answer: &Value, seen: &[Seen]) -> (Vec<NewInsight>, usize) {
    let mut out: Vec<NewInsight> = Vec::new();
    let mut dropped = 0;
    for item in answer["suggestions"].as_array().into_iter().flatten() {
        let Some(s) = item["campaign_id"]
            .as_str()
            .and_then(|id| seen.iter().find(|s| s.t.id.to_string() == id))
        else {
            dropped += 1;
            continue;
        };
        if out.iter().any(|o| o.campaign_id == s.t.id) {
            dropped += 1;
            continue;
        }
        let c = &s.t.currency;
        let text = |k: &str, max: usize| -> Option<String> {
            item[k]
                .as_str()
                .map(|t| t.trim().chars().take(max).collect::<String>())
                .filter(|t| !t.is_empty())
        };
        let (Some(title), Some(reasoning), Some(impact)) = (
            text("title", 200),
            text("reasoning", 2000),
            text("impact", 300),
        ) else {
            dropped += 1;
            continue;
        };
        let confidence = item["confidence"].as_i64().unwrap_or(0).clamp(0, 100);
        let current_budget = s.t.daily_budget_minor;
        let (kind, current, suggested, budget, status) = match item["kind"].as_str() {
            Some("budget") => {
                let Some(minor) = item["suggested_daily_budget"]
                    .as_f64()
                    .and_then(|v| money::parse_minor_rounded(&format!("{v:.6}"), c))
                    .filter(|m| {
                        controls::parse_budget(&money::format_decimal(*m, c), s.platform, c).is_ok()
                    })
                else {
                    dropped += 1;
                    continue;
                };
                let Some(current) = current_budget.filter(|b| *b != minor) else {
                    dropped += 1;
                    continue;
                };
                (
                    "budget",
                    money_of(current, c),
                    money_of(minor, c),
                    Some(minor),
                    None,
                )
            }
            Some("status") => {
                let to = match item["suggested_status"].as_str() {
                    Some("PAUSED") if s.t.status == "ACTIVE" => "PAUSED",
                    Some("ACTIVE") if s.t.status == "PAUSED" => "ACTIVE",
                    _ => {
                        dropped += 1;
                        continue;
                    }
                };
                let label = |s: &str| if s == "PAUSED" { "Paused" } else { "Active" };
                (
                    "status",
                    label(&s.t.status).to_string(),
                    label(to).to_string(),
                    None,
                    Some(to),
                )
            }
            Some("bid") => (
                "bid",
                "as set on the platform".into(),
                "see the reasoning".into(),
                None,
                None,
            ),
            _ => {
                dropped += 1;
                continue;
            }
        };
        out.push(NewInsight {
            campaign_id: s.t.id,
            kind,
            title,
            reasoning,
            current_value: current,
            suggested_value: suggested,
            suggested_budget_minor: budget,
            suggested_status: status,
            confidence,
            impact,
        });
    }
    (out, dropped)
}

/// Asks for a run now (campaigns.manage); a second click while one is under way answers it.
pub async fn ask(db: &Db, p: &Principal, meta: &RequestMeta) -> Result<Uuid> {
    p.authorize(Permission::CampaignsManage)?;
    repo::fail_stale_runs(db, Utc::now() - STALE_RUN).await?;
    if let Some(open) = repo::open_run(db, p.company_id).await? {
        return Ok(open.id);
    }
    let tz: Tz = p.timezone.parse().unwrap_or(chrono_tz::UTC);
    let now = Utc::now();
    let id = Uuid::now_v7();
    let mut tx = db.begin().await?;
    if !queue(
        &mut tx,
        id,
        p.company_id,
        "asked",
        now.with_timezone(&tz).date_naive(),
        Some(p.user_id),
        now,
    )
    .await?
    {
        drop(tx);
        return repo::open_run(db, p.company_id)
            .await?
            .map(|r| r.id)
            .ok_or_else(|| Error::Conflict("A run was just under way; look again.".into()));
    }
    super::audited(
        &mut tx,
        meta,
        p,
        Action::AdInsightsRequested,
        Some(id.to_string()),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

#[allow(clippy::too_many_arguments)]
async fn queue(
    tx: &mut crate::db::Tx,
    id: Uuid,
    company_id: Uuid,
    trigger: &str,
    day: chrono::NaiveDate,
    by: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<bool> {
    if !repo::insert_run(tx, id, company_id, trigger, day, by, now).await? {
        return Ok(false);
    }
    jobs::enqueue_tx(
        tx,
        NewJob {
            kind: RUN_KIND,
            payload: json!({ "run_id": id }),
            run_at: now,
            max_attempts: 3,
            dedupe_key: Some(format!("ai-insights:{id}")),
        },
    )
    .await?;
    Ok(true)
}

/// Queues the daily run of every company whose time has come today (the due job).
pub async fn queue_daily(db: &Db, now: DateTime<Utc>) -> Result<usize> {
    repo::fail_stale_runs(db, now - STALE_RUN).await?;
    let mut queued = 0;
    for (company_id, at, timezone) in repo::daily_insight_companies(db).await? {
        let tz: Tz = timezone.parse().unwrap_or(chrono_tz::UTC);
        let local = now.with_timezone(&tz);
        let Ok(at) = NaiveTime::parse_from_str(&at, "%H:%M") else {
            continue;
        };
        if local.time() < at {
            continue;
        }
        let mut tx = db.begin().await?;
        if queue(
            &mut tx,
            Uuid::now_v7(),
            company_id,
            "daily",
            local.date_naive(),
            None,
            now,
        )
        .await?
        {
            queued += 1;
        }
        tx.commit().await?;
    }
    Ok(queued)
}

/// Carries out a run (the `campaigns.ai-insights` job). Whatever goes wrong, the run ends
/// (failed, its hold given back) rather than staying open, which would block the company's
/// next runs.
pub async fn run(
    db: &Db,
    app_key: &SecretString,
    ai_config: &AiConfig,
    run_id: Uuid,
    now: DateTime<Utc>,
) -> anyhow::Result<RunRow> {
    match run_once(db, app_key, ai_config, run_id, now).await {
        Ok(r) => Ok(r),
        Err(e) => {
            tracing::error!(%run_id, error = %e, "ad insights run could not finish");
            let Some(row) = repo::run(db, run_id).await? else {
                return Err(e);
            };
            if let Some(hold) = row.hold_id {
                // A settled hold stays settled (the answer was stored and charged).
                let _ = ledger::release(db, row.company_id, hold).await;
            }
            if matches!(row.state.as_str(), "queued" | "running") {
                let why = "The run could not finish; ask again.";
                repo::finish_run(db, run_id, "failed", 0, 0, Some(why), Utc::now()).await?;
            }
            Ok(repo::run(db, run_id).await?.unwrap_or(row))
        }
    }
}

async fn run_once(
    db: &Db,
    app_key: &SecretString,
    ai_config: &AiConfig,
    run_id: Uuid,
    now: DateTime<Utc>,
) -> anyhow::Result<RunRow> {
    let row = repo::run(db, run_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no run {run_id}"))?;
    if !matches!(row.state.as_str(), "queued" | "running") {
        return Ok(row);
    }
    let company = row.company_id;
    repo::expire_insights(db, company, now).await?;
    let choice = ai::keys::choose(db, app_key, ai_config, company).await?;
    let provider = match &choice {
        Choice::Anthropic(_) => "anthropic",
        Choice::OpenAi(_) => "openai",
        Choice::Local => "local",
    };
    repo::start_run(db, run_id, provider).await?;
    let (_, target_centi) = repo::insight_settings(db, company).await?;
    let target_roas = target_centi as f64 / 100.0;
    let seen = look(db, company, now).await?;
    if seen.is_empty() {
        repo::finish_run(db, run_id, "done", 0, 0, None, now).await?;
        return Ok(repo::run(db, run_id).await?.expect("the run"));
    }
    let expires = now + LIFETIME;
    if let Choice::Local = choice {
        let items = local(&seen, target_roas);
        repo::insert_insights(db, company, run_id, "local", &items, now, expires).await?;
        repo::finish_run(db, run_id, "done", 0, items.len() as i64, None, now).await?;
        return Ok(repo::run(db, run_id).await?.expect("the run"));
    }
    let estimate = HOLD_BASE + HOLD_PER_CAMPAIGN * seen.len() as i64;
    let hold = match row.hold_id {
        Some(h) => h,
        None => match ledger::hold(db, company, estimate, &format!("ad-insights:{run_id}")).await {
            Ok(h) => {
                repo::set_run_hold(db, run_id, h.id).await?;
                h.id
            }
            Err(e @ Error::InsufficientTokens { .. }) => {
                repo::finish_run(db, run_id, "failed", 0, 0, Some(&e.to_string()), now).await?;
                return Ok(repo::run(db, run_id).await?.expect("the run"));
            }
            Err(e) => return Err(e.into()),
        },
    };
    let decisions = repo::last_decisions(db, company, DECISIONS).await?;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let asked = ai::structured::ask(
        &http,
        &choice,
        &ai_config.retry(),
        SYSTEM,
        &prompt(&seen, target_roas, &decisions),
        "campaign_suggestions",
        &schema(),
    )
    .await;
    match asked {
        Ok(answer) => {
            let (items, dropped) = read_answer(&answer.json, &seen);
            if dropped > 0 {
                tracing::warn!(%run_id, dropped, "AI suggestions dropped (unknown campaign or impossible value)");
            }
            repo::insert_insights(db, company, run_id, answer.provider, &items, now, expires)
                .await?;
            let charged = ledger::settle(db, company, hold, answer.usage.total()).await?;
            repo::finish_run(db, run_id, "done", charged, items.len() as i64, None, now).await?;
        }
        Err(e) => {
            ledger::release(db, company, hold).await?;
            let why = format!("The AI provider did not answer usably: {e}");
            repo::finish_run(db, run_id, "failed", 0, 0, Some(&why), now).await?;
        }
    }
    Ok(repo::run(db, run_id).await?.expect("the run"))
}

/// The company's suggestions (of one campaign with Some), expired ones marked (campaigns.read).
pub async fn list(db: &Db, p: &Principal, campaign: Option<Uuid>) -> Result<Vec<InsightRow>> {
    p.authorize(Permission::CampaignsRead)?;
    repo::expire_insights(db, p.company_id, Utc::now()).await?;
    repo::insights(db, p.company_id, campaign).await
}

/// The company's latest runs (campaigns.read).
pub async fn runs(db: &Db, p: &Principal) -> Result<Vec<RunRow>> {
    p.authorize(Permission::CampaignsRead)?;
    repo::runs(db, p.company_id, 20).await
}

/// Applies a suggestion through the controls (a large rise waits for an approver); a platform
/// refusal leaves it pending with the platform's words. A second click finds it applied.
pub async fn apply(
    db: &Db,
    app_key: &SecretString,
    config: &CampaignsConfig,
    p: &Principal,
    meta: &RequestMeta,
    id: Uuid,
) -> Result<repo::ChangeRow> {
    p.authorize(Permission::CampaignsManage)?;
    let insight = repo::insight(db, p.company_id, id)
        .await?
        .ok_or(Error::NotFound)?;
    if insight.status == "applied" {
        if let Some(change) = insight.change_id {
            return repo::change(db, p.company_id, change)
                .await?
                .ok_or(Error::NotFound);
        }
    }
    let writable = matches!(
        (
            insight.kind.as_str(),
            insight.suggested_budget_minor,
            insight.suggested_status.as_deref()
        ),
        ("budget", Some(_), _) | ("status", _, Some(_))
    );
    if !writable {
        return Err(Error::validation(
            "insight",
            "Bids are set on the platform itself: apply this there, then dismiss it here.",
        ));
    }
    let t = repo::target(db, p.company_id, insight.campaign_id)
        .await?
        .ok_or(Error::NotFound)?;
    let wanted = match (
        insight.suggested_budget_minor,
        insight.suggested_status.as_deref(),
    ) {
        (Some(m), _) => Wanted::DailyBudget(money::format_decimal(m, &t.currency)),
        (None, Some("PAUSED")) => Wanted::Pause,
        _ => Wanted::Resume,
    };
    if !repo::decide_insight(db, p.company_id, id, "applied", p.user_id, None, Utc::now()).await? {
        return Err(Error::Conflict(
            "This suggestion is no longer waiting (applied, dismissed or expired).".into(),
        ));
    }
    let asked = controls::request(
        db,
        app_key,
        config,
        p,
        meta,
        ChangeInput {
            campaign_id: t.id,
            expected_version: t.version,
            request_id: Uuid::now_v7().to_string(),
            wanted,
        },
    )
    .await;
    match asked {
        Ok(change) if change.state != "failed" => {
            repo::insight_change(db, id, "applied", Some(change.id)).await?;
            Ok(change)
        }
        Ok(change) => {
            repo::insight_change(db, id, "pending", None).await?;
            Err(Error::Conflict(format!(
                "{} refused it: {}",
                platform::name(platform::from_code(&t.platform).unwrap_or(Platform::Meta)),
                change.platform_answer.unwrap_or_default()
            )))
        }
        Err(e) => {
            repo::insight_change(db, id, "pending", None).await?;
            Err(e)
        }
    }
}

/// Dismisses a suggestion with a reason (fed into the next run).
pub async fn dismiss(
    db: &Db,
    p: &Principal,
    meta: &RequestMeta,
    id: Uuid,
    reason: &str,
) -> Result<()> {
    p.authorize(Permission::CampaignsManage)?;
    let reason = reason.trim();
    if reason.chars().count() < 3 || reason.chars().count() > 500 {
        return Err(Error::validation(
            "reason",
            "Say why (3 to 500 characters): the next suggestions learn from it.",
        ));
    }
    repo::insight(db, p.company_id, id)
        .await?
        .ok_or(Error::NotFound)?;
    if !repo::decide_insight(
        db,
        p.company_id,
        id,
        "dismissed",
        p.user_id,
        Some(reason),
        Utc::now(),
    )
    .await?
    {
        return Err(Error::Conflict(
            "This suggestion is no longer waiting (applied, dismissed or expired).".into(),
        ));
    }
    let mut tx = db.begin().await?;
    super::audited(
        &mut tx,
        meta,
        p,
        Action::AdInsightDismissed,
        Some(id.to_string()),
        json!({ "reason": reason }),
    )
    .await?;
    tx.commit().await
}

/// Sets the daily run time ("HH:MM", empty: none) and the target ROAS (settings.manage).
pub async fn set_settings(
    db: &Db,
    p: &Principal,
    meta: &RequestMeta,
    daily_at: &str,
    target_roas: &str,
) -> Result<()> {
    p.authorize(Permission::SettingsManage)?;
    let daily_at = match daily_at.trim() {
        "" => None,
        // On the quarter hour: the due job looks every 15 minutes, and a time after the day's
        // last look would never come.
        t => Some(
            NaiveTime::parse_from_str(t, "%H:%M")
                .ok()
                .filter(|t| t.minute() % 15 == 0)
                .map(|t| t.format("%H:%M").to_string())
                .ok_or_else(|| {
                    Error::validation(
                        "daily_at",
                        "A time on the quarter hour such as 07:30, or nothing for no daily run.",
                    )
                })?,
        ),
    };
    let target = money::parse_minor(target_roas.trim(), "EUR")
        .filter(|c| (1..=100_000).contains(c))
        .ok_or_else(|| {
            Error::validation(
                "target_roas",
                "A ROAS above 0 with at most two decimals, such as 2.5.",
            )
        })?;
    let mut tx = db.begin().await?;
    repo::set_insight_settings(
        &mut tx,
        p.company_id,
        daily_at.as_deref(),
        target,
        Utc::now(),
    )
    .await?;
    super::audited(
        &mut tx,
        meta,
        p,
        Action::SettingsChanged,
        Some("ad_insights".into()),
        json!({ "daily_at": daily_at, "target_roas": target as f64 / 100.0 }),
    )
    .await?;
    tx.commit().await
}
