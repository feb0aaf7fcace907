//! Alert rules (campaigns.manage): conditions on a campaign's figures over a window of days —
//! spend, CPA, ROAS, CTR, frequency — or on today's pacing, combined with AND (`all`) or OR
//! (`any`); an action: notify (an email to the rule's author through the outbox, and the
//! firing listed on the campaign), pause, or cut the daily budget by a percentage. A pause or a
//! cut is undone after the rule's rollback hours unless a person kept it; a rollback whose
//! campaign was changed since by someone else is skipped and says so. A rule fires at most once
//! per campaign per evaluation window (15 minutes, a unique key) and then rests 24 hours for
//! that campaign. `evaluate` and `rollback_due` take the clock, so tests move it.
//!
//! What a condition compares, in the units a person types: spend and CPA in the account's
//! currency, ROAS as a ratio (2.5), CTR and pacing in percent (pacing: today's spend against an
//! even spend of the daily budget by this hour, 100 = on pace), frequency as impressions per
//! person reached (the platforms' daily reach, summed over the window). A CPA with spend but no
//! conversion is infinite (a "CPA above" condition holds); a figure with no denominator
//! otherwise (no impressions, no spend) holds no condition.

use chrono::{DateTime, Duration, DurationRound, Utc};
use chrono_tz::Tz;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    config::CampaignsConfig,
    controls,
    metrics::{self, Platform, Totals},
    platform::{self, Write},
    repo::{self, FiringRow, RuleRow, Target},
};
use crate::{
    access::{Permission, Principal},
    audit::{Action, RequestMeta},
    mail, money, Db, Error, Result,
};

pub const ALERTS_KIND: &str = "campaigns.ads-alerts";
pub const ROLLBACK_KIND: &str = "campaigns.ads-rollback";
/// How often rules are evaluated, and the window a rule fires once in.
pub const WINDOW: Duration = Duration::minutes(15);
/// How long a rule rests for a campaign after firing.
pub const COOLDOWN: Duration = Duration::hours(24);
/// Conditions per rule.
const MAX_CONDITIONS: usize = 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    Spend,
    Cpa,
    Roas,
    Ctr,
    Frequency,
    Pacing,
}

impl Metric {
    fn parse(s: &str) -> Option<Metric> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "spend" => Metric::Spend,
            "cpa" => Metric::Cpa,
            "roas" => Metric::Roas,
            "ctr" => Metric::Ctr,
            "frequency" => Metric::Frequency,
            "pacing" => Metric::Pacing,
            _ => return None,
        })
    }

    pub fn label(self) -> &'static str {
        match self {
            Metric::Spend => "Spend",
            Metric::Cpa => "CPA",
            Metric::Roas => "ROAS",
            Metric::Ctr => "CTR",
            Metric::Frequency => "Frequency",
            Metric::Pacing => "Pacing",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    #[serde(rename = ">")]
    Above,
    #[serde(rename = ">=")]
    AtLeast,
    #[serde(rename = "<")]
    Below,
    #[serde(rename = "<=")]
    AtMost,
}

impl Op {
    fn parse(s: &str) -> Option<Op> {
        Some(match s.trim() {
            ">" => Op::Above,
            ">=" => Op::AtLeast,
            "<" => Op::Below,
            "<=" => Op::AtMost,
            _ => return None,
        })
    }

    fn symbol(self) -> &'static str {
        match self {
            Op::Above => ">",
            Op::AtLeast => "≥",
            Op::Below => "<",
            Op::AtMost => "≤",
        }
    }

    fn holds(self, measured: f64, value: f64) -> bool {
        match self {
            Op::Above => measured > value,
            Op::AtLeast => measured >= value,
            Op::Below => measured < value,
            Op::AtMost => measured <= value,
        }
    }
}

/// One condition: `metric op value` over the last `days` days (today included).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    pub metric: Metric,
    pub op: Op,
    pub value: f64,
    pub days: u32,
}

/// A condition as typed in the rule form.
#[derive(Clone, Debug, Default)]
pub struct ConditionInput {
    pub metric: String,
    pub op: String,
    pub value: String,
    pub days: String,
}

/// A rule as typed.
#[derive(Clone, Debug, Default)]
pub struct RuleInput {
    pub name: String,
    /// "all" or "any".
    pub combine: String,
    pub conditions: Vec<ConditionInput>,
    /// "notify", "pause" or "reduce_budget".
    pub action: String,
    pub reduce_percent: String,
    /// Empty: never undone.
    pub rollback_hours: String,
}

/// A valid rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub name: String,
    pub all: bool,
    pub conditions: Vec<Condition>,
    pub action: RuleAction,
    pub rollback_hours: Option<i64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleAction {
    Notify,
    Pause,
    /// Cut the daily budget by this many percent (1–90).
    Reduce(i64),
}

impl RuleAction {
    fn code(self) -> &'static str {
        match self {
            RuleAction::Notify => "notify",
            RuleAction::Pause => "pause",
            RuleAction::Reduce(_) => "reduce_budget",
        }
    }
}

/// Checks a rule as typed; every refusal names its field (`conditions.2.value`).
pub fn validate(input: &RuleInput) -> Result<Rule> {
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        return Err(Error::validation("name", "A name of 1 to 120 characters."));
    }
    let all = match input.combine.trim() {
        "all" | "" => true,
        "any" => false,
        _ => {
            return Err(Error::validation(
                "combine",
                "All conditions (AND) or any of them (OR).",
            ))
        }
    };
    let rows: Vec<&ConditionInput> = input
        .conditions
        .iter()
        .filter(|c| !(c.metric.trim().is_empty() && c.value.trim().is_empty()))
        .collect();
    if rows.is_empty() {
        return Err(Error::validation("conditions", "At least one condition."));
    }
    if rows.len() > MAX_CONDITIONS {
        return Err(Error::validation(
            "conditions",
            format!("At most {MAX_CONDITIONS} conditions."),
        ));
    }
    let mut conditions = Vec::with_capacity(rows.len());
    for (i, c) in rows.iter().enumerate() {
        let field = |f: &str| format!("conditions.{i}.{f}");
        let metric = Metric::parse(&c.metric).ok_or_else(|| {
            Error::validation(
                &field("metric"),
                "Spend, CPA, ROAS, CTR, frequency or pacing.",
            )
        })?;
        let op = Op::parse(&c.op)
            .ok_or_else(|| Error::validation(&field("op"), "Above, at least, below or at most."))?;
        let value: f64 = c
            .value
            .trim()
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite() && *v >= 0.0 && *v < 1e12)
            .ok_or_else(|| {
                Error::validation(&field("value"), "A number of 0 or more, such as 50 or 2.5.")
            })?;
        let days = if metric == Metric::Pacing {
            1
        } else {
            match c.days.trim() {
                "" => 1,
                d => d
                    .parse::<u32>()
                    .ok()
                    .filter(|d| (1..=90).contains(d))
                    .ok_or_else(|| {
                        Error::validation(&field("days"), "A window of 1 to 90 days.")
                    })?,
            }
        };
        conditions.push(Condition {
            metric,
            op,
            value,
            days,
        });
    }
    let action = match input.action.trim() {
        "notify" => RuleAction::Notify,
        "pause" => RuleAction::Pause,
        "reduce_budget" => RuleAction::Reduce(
            input
                .reduce_percent
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|p| (1..=90).contains(p))
                .ok_or_else(|| {
                    Error::validation("reduce_percent", "Cut the budget by 1 to 90 %.")
                })?,
        ),
        _ => {
            return Err(Error::validation(
                "action",
                "Notify, pause, or reduce the budget.",
            ))
        }
    };
    let rollback_hours = match input.rollback_hours.trim() {
        "" => None,
        h => Some(
            h.parse::<i64>()
                .ok()
                .filter(|h| (1..=720).contains(h))
                .ok_or_else(|| {
                    Error::validation(
                        "rollback_hours",
                        "Undo after 1 to 720 hours, or never (empty).",
                    )
                })?,
        ),
    };
    if rollback_hours.is_some() && action == RuleAction::Notify {
        return Err(Error::validation(
            "rollback_hours",
            "A notification has nothing to undo.",
        ));
    }
    Ok(Rule {
        name: name.to_string(),
        all,
        conditions,
        action,
        rollback_hours,
    })
}

fn from_row(r: &RuleRow) -> Result<Rule> {
    let conditions: Vec<Condition> =
        serde_json::from_str(&r.conditions).map_err(|e| Error::Internal(e.into()))?;
    let action = match r.action.as_str() {
        "pause" => RuleAction::Pause,
        "reduce_budget" => RuleAction::Reduce(r.reduce_percent.unwrap_or(0)),
        _ => RuleAction::Notify,
    };
    Ok(Rule {
        name: r.name.clone(),
        all: r.combine == "all",
        conditions,
        action,
        rollback_hours: r.rollback_hours,
    })
}

/// A saved rule in words: "Spend > 50 over 7 days AND ROAS < 1.5 over 7 days → pause,
/// undone after 2 hours".
pub fn describe(r: &RuleRow) -> Result<String> {
    let rule = from_row(r)?;
    let conditions: Vec<String> = rule
        .conditions
        .iter()
        .map(|c| {
            let window = match (c.metric, c.days) {
                (Metric::Pacing, _) => " today".to_string(),
                (_, 1) => " today".to_string(),
                (_, d) => format!(" over {d} days"),
            };
            let unit = match c.metric {
                Metric::Ctr | Metric::Pacing => " %",
                _ => "",
            };
            format!(
                "{} {} {}{unit}{window}",
                c.metric.label(),
                c.op.symbol(),
                c.value
            )
        })
        .collect();
    let action = match rule.action {
        RuleAction::Notify => "notify".to_string(),
        RuleAction::Pause => "pause".to_string(),
        RuleAction::Reduce(p) => format!("cut the budget by {p} %"),
    };
    let undo = match rule.rollback_hours {
        Some(1) => ", undone after 1 hour".to_string(),
        Some(h) => format!(", undone after {h} hours"),
        None => String::new(),
    };
    Ok(format!(
        "{} → {action}{undo}",
        conditions.join(if rule.all { " AND " } else { " OR " })
    ))
}

/// A condition's figure for a campaign, in the units a person types (see the module's words).
fn measure(
    metric: Metric,
    t: &Totals,
    reach: i64,
    currency: &str,
    pacing: Option<f64>,
) -> Option<f64> {
    let units = |minor: i64| minor as f64 / 10f64.powi(money::minor_digits(currency) as i32);
    match metric {
        Metric::Spend => Some(units(t.spend_minor)),
        Metric::Cpa => match t.cpa_minor() {
            Some(m) => Some(units(m)),
            None if t.spend_minor > 0 => Some(f64::INFINITY),
            None => None,
        },
        Metric::Roas => t.roas(),
        Metric::Ctr => t.ctr_percent(),
        Metric::Frequency => (reach > 0).then(|| t.impressions as f64 / reach as f64),
        Metric::Pacing => pacing.map(|r| r * 100.0),
    }
}

fn show(metric: Metric, v: f64, currency: &str) -> String {
    if v.is_infinite() {
        return "no conversion".into();
    }
    match metric {
        Metric::Spend | Metric::Cpa => format!("{v:.2} {currency}"),
        Metric::Ctr | Metric::Pacing => format!("{v:.1} %"),
        Metric::Roas | Metric::Frequency => format!("{v:.2}"),
    }
}

/// Whether the rule fires for the campaign now, and what held (or was measured), in words.
async fn check(db: &Db, rule: &Rule, t: &Target, now: DateTime<Utc>) -> Result<(bool, String)> {
    let tz: Tz = t.time_zone.parse().unwrap_or(chrono_tz::UTC);
    let today = now.with_timezone(&tz).date_naive();
    let mut results = Vec::with_capacity(rule.conditions.len());
    let mut words = Vec::new();
    for c in &rule.conditions {
        let from = today - Duration::days(i64::from(c.days) - 1);
        let (totals, reach) = repo::window(db, t.id, from, today).await?;
        let pacing = t
            .daily_budget_minor
            .and_then(|b| metrics::pacing(totals.spend_minor, b, metrics::day_elapsed(now, tz)))
            .and_then(|p| {
                p.ratio
                    .or_else(|| (totals.spend_minor > 0).then_some(f64::INFINITY))
            });
        let measured = measure(c.metric, &totals, reach, &t.currency, pacing);
        let held = measured.is_some_and(|m| c.op.holds(m, c.value));
        results.push(held);
        // Pacing is always today's (validated with a one-day window).
        let window = if c.days == 1 {
            "today".to_string()
        } else {
            format!("{} days", c.days)
        };
        let value = show(c.metric, c.value, &t.currency);
        words.push(format!(
            "{} {window} {} {} {value}{}",
            c.metric.label(),
            measured.map_or("—".into(), |m| show(c.metric, m, &t.currency)),
            c.op.symbol(),
            if held { "" } else { " (not met)" }
        ));
    }
    let fires = if rule.all {
        results.iter().all(|h| *h)
    } else {
        results.iter().any(|h| *h)
    };
    Ok((fires, words.join(if rule.all { " and " } else { " or " })))
}

/// What an evaluation did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Evaluation {
    pub fired: usize,
    pub failed: usize,
}

/// Evaluates every enabled rule of every company at `now` (the `campaigns.ads-alerts` job).
pub async fn evaluate(
    db: &Db,
    app_key: &SecretString,
    config: &CampaignsConfig,
    public_url: &url::Url,
    now: DateTime<Utc>,
) -> Result<Evaluation> {
    let window_start = now
        .duration_trunc(WINDOW)
        .map_err(|e| Error::Internal(e.into()))?;
    let mut out = Evaluation::default();
    for row in repo::rules(db, None).await? {
        let rule = match from_row(&row) {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(rule_id = %row.id, error = %e, "alert rule unreadable; skipped");
                continue;
            }
        };
        // One company's trouble (a database hiccup, an unreadable token) never keeps the
        // others' rules from being evaluated.
        let watched = match repo::watched_campaigns(db, row.company_id).await {
            Ok(w) => w,
            Err(e) => {
                tracing::error!(rule_id = %row.id, error = %e, "alert rule's campaigns unreadable; skipped");
                continue;
            }
        };
        for t in watched {
            if let Some(last) = repo::last_firing(db, row.id, t.id).await? {
                if now - last < COOLDOWN {
                    continue;
                }
            }
            let (fires, summary) = match check(db, &rule, &t, now).await {
                Ok(c) => c,
                Err(e) => {
                    tracing::error!(rule_id = %row.id, campaign_id = %t.id, error = %e, "alert rule not evaluated");
                    continue;
                }
            };
            if !fires {
                continue;
            }
            let firing = Uuid::now_v7();
            let mut tx = db.begin().await?;
            let recorded = repo::insert_firing(
                &mut tx,
                &repo::NewFiring {
                    id: firing,
                    company_id: row.company_id,
                    rule_id: row.id,
                    campaign_id: t.id,
                    window_start,
                    summary: &summary,
                    action: rule.action.code(),
                },
                now,
            )
            .await?;
            if !recorded {
                continue;
            }
            let data = serde_json::json!({
                "firing_id": firing, "rule_id": row.id, "rule": row.name, "campaign_id": t.id,
                "summary": summary, "action": rule.action.code(), "fired_at": now,
            });
            crate::api::webhooks::emit(&mut tx, row.company_id, "campaign.alert_fired", data)
                .await?;
            tx.commit().await?;
            out.fired += 1;
            // The firing is recorded: whatever happens now is written on it, never left pending.
            match act(
                db, app_key, config, public_url, &row, &rule, &t, firing, &summary, now,
            )
            .await
            {
                Ok(true) => {}
                Ok(false) => out.failed += 1,
                Err(e) => {
                    out.failed += 1;
                    tracing::error!(rule_id = %row.id, campaign_id = %t.id, error = %e, "alert action failed");
                    let note = format!("the action could not be carried out: {e}");
                    repo::firing_done(db, firing, "failed", Some(&note), None, None).await?;
                }
            }
        }
    }
    Ok(out)
}

/// Carries out a firing's action; false when the platform refused it.
#[allow(clippy::too_many_arguments)]
async fn act(
    db: &Db,
    app_key: &SecretString,
    config: &CampaignsConfig,
    public_url: &url::Url,
    row: &RuleRow,
    rule: &Rule,
    t: &Target,
    firing: Uuid,
    summary: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let write = match rule.action {
        RuleAction::Notify => None,
        RuleAction::Pause => Some(Write::Status("PAUSED")),
        RuleAction::Reduce(pct) => match t.daily_budget_minor {
            Some(b) => {
                let cut = b - (b * pct + 50) / 100;
                let platform = platform::from_code(&t.platform).unwrap_or(Platform::Meta);
                match controls::parse_budget(
                    &money::format_decimal(cut, &t.currency),
                    platform,
                    &t.currency,
                ) {
                    Ok(cut) => Some(Write::DailyBudget(cut)),
                    Err(e) => {
                        let note =
                            format!("not cut: {}", e.to_string().trim_start_matches("budget: "));
                        repo::firing_done(db, firing, "skipped", Some(&note), None, None).await?;
                        return Ok(true);
                    }
                }
            }
            None => {
                repo::firing_done(
                    db,
                    firing,
                    "skipped",
                    Some("the campaign has no daily budget to cut"),
                    None,
                    None,
                )
                .await?;
                return Ok(true);
            }
        },
    };
    let Some(write) = write else {
        notify(db, public_url, row, t, summary).await?;
        repo::firing_done(db, firing, "done", None, None, None).await?;
        return Ok(true);
    };
    match controls::automatic(db, app_key, config, t, write, "rule").await? {
        None => {
            repo::firing_done(
                db,
                firing,
                "skipped",
                Some("another change of the campaign was being written"),
                None,
                None,
            )
            .await?;
            Ok(true)
        }
        Some(change) if change.state == "applied" => {
            let due = rule.rollback_hours.map(|h| now + Duration::hours(h));
            repo::firing_done(db, firing, "done", None, Some(change.id), due).await?;
            notify(db, public_url, row, t, summary).await?;
            Ok(true)
        }
        Some(change) => {
            repo::firing_done(
                db,
                firing,
                "failed",
                change.platform_answer.as_deref(),
                Some(change.id),
                None,
            )
            .await?;
            Ok(false)
        }
    }
}

/// Emails the rule's author (when still a member) through the outbox.
async fn notify(
    db: &Db,
    public_url: &url::Url,
    row: &RuleRow,
    t: &Target,
    summary: &str,
) -> Result<()> {
    let Some(author) = row.created_by else {
        return Ok(());
    };
    let Some(to) = repo::member_email(db, row.company_id, author).await? else {
        return Ok(());
    };
    let link = format!(
        "{}/campaigns/{}",
        public_url.as_str().trim_end_matches('/'),
        t.id
    );
    let what = match row.action.as_str() {
        "pause" => "The campaign was paused.".to_string(),
        "reduce_budget" => format!(
            "The daily budget was cut by {} %.",
            row.reduce_percent.unwrap_or(0)
        ),
        _ => "Nothing was changed.".to_string(),
    };
    let mut tx = db.begin().await?;
    mail::enqueue(
        &mut tx,
        Some(row.company_id),
        mail::Message {
            kind: "ad_rule_fired",
            to,
            subject: format!("Alert “{}”: {}", row.name, t.name),
            body: format!(
                "Your alert rule “{}” fired for the campaign “{}”:\n\n{summary}\n\n{what}\n\n{link}\n",
                row.name, t.name
            ),
        },
    )
    .await?;
    tx.commit().await
}

/// Undoes the pauses and cuts whose rollback is due at `now` (the `campaigns.ads-rollback`
/// job); answers how many were undone.
pub async fn rollback_due(
    db: &Db,
    app_key: &SecretString,
    config: &CampaignsConfig,
    now: DateTime<Utc>,
) -> Result<usize> {
    let mut undone = 0;
    for f in repo::rollbacks_due(db, now).await? {
        if !repo::claim_rollback(db, f.id, now).await? {
            continue;
        }
        let outcome = match undo(db, app_key, config, &f).await {
            Ok(u) => u,
            Err(e) => Undo::Later(format!("not undone yet: {e}")),
        };
        match outcome {
            Undo::Done(change) => {
                undone += 1;
                repo::rollback_noted(db, f.id, "undone", Some(change)).await?;
            }
            Undo::Final(note) => repo::rollback_noted(db, f.id, &note, None).await?,
            // Tried again at the next hourly run, for a day; then it is given up, and says so.
            Undo::Later(note) => {
                let overdue = f.rollback_due_at.is_some_and(|d| now - d > RETRY_UNDO_FOR);
                if overdue {
                    let note = format!("{note}; given up after a day of tries");
                    repo::rollback_noted(db, f.id, &note, None).await?;
                } else {
                    repo::unclaim_rollback(db, f.id, &note).await?;
                }
            }
        }
    }
    Ok(undone)
}

/// How a rollback went.
enum Undo {
    Done(Uuid),
    /// Nothing to do, or not to be done (the campaign was changed since).
    Final(String),
    /// Not now (the platform refused or was down, another change was being written).
    Later(String),
}

/// How long a rollback that could not be done is tried again.
const RETRY_UNDO_FOR: Duration = Duration::hours(24);

/// The reverse of a firing's change, when the campaign is still as the rule left it.
async fn undo(
    db: &Db,
    app_key: &SecretString,
    config: &CampaignsConfig,
    f: &FiringRow,
) -> Result<Undo> {
    let Some(change_id) = f.change_id else {
        return Ok(Undo::Final("nothing to undo".into()));
    };
    let Some(change) = repo::change(db, f.company_id, change_id).await? else {
        return Ok(Undo::Final("nothing to undo".into()));
    };
    let Some(t) = repo::target(db, f.company_id, f.campaign_id).await? else {
        return Ok(Undo::Final("the campaign is no longer synced".into()));
    };
    // The rule's write raised the version by one; anything since is someone else's change.
    let untouched = t.version == change.base_version + 1
        && match change.kind.as_str() {
            "status" => Some(t.status.as_str()) == change.new_status.as_deref(),
            _ => t.daily_budget_minor == change.new_budget_minor,
        };
    if !untouched {
        return Ok(Undo::Final(
            "skipped: the campaign was changed since, so it is left as it is".into(),
        ));
    }
    let write = match change.kind.as_str() {
        "status" => Write::Status(if change.old_status.as_deref() == Some("PAUSED") {
            "PAUSED"
        } else {
            "ACTIVE"
        }),
        _ => match change.old_budget_minor {
            Some(b) => Write::DailyBudget(b),
            None => return Ok(Undo::Final("nothing to undo".into())),
        },
    };
    Ok(
        match controls::automatic(db, app_key, config, &t, write, "rollback").await? {
            Some(c) if c.state == "applied" => Undo::Done(c.id),
            Some(c) => Undo::Later(format!(
                "not undone yet: {}",
                c.platform_answer
                    .unwrap_or_else(|| "the platform refused".into())
            )),
            None => Undo::Later(
                "not undone yet: another change of the campaign was being written".into(),
            ),
        },
    )
}

/// Saves a new rule.
pub async fn create(db: &Db, p: &Principal, meta: &RequestMeta, input: &RuleInput) -> Result<Uuid> {
    p.authorize(Permission::CampaignsManage)?;
    let rule = validate(input)?;
    let id = Uuid::now_v7();
    let conditions =
        serde_json::to_string(&rule.conditions).map_err(|e| Error::Internal(e.into()))?;
    let mut tx = db.begin().await?;
    repo::insert_rule(
        &mut tx,
        &repo::NewRule {
            id,
            company_id: p.company_id,
            name: &rule.name,
            combine: if rule.all { "all" } else { "any" },
            conditions: &conditions,
            action: rule.action.code(),
            reduce_percent: match rule.action {
                RuleAction::Reduce(p) => Some(p),
                _ => None,
            },
            rollback_hours: rule.rollback_hours,
            created_by: p.user_id,
        },
        Utc::now(),
    )
    .await?;
    super::audited(
        &mut tx,
        meta,
        p,
        Action::AdRuleSaved,
        Some(id.to_string()),
        serde_json::json!({
            "name": rule.name, "combine": if rule.all { "all" } else { "any" },
            "conditions": rule.conditions, "action": rule.action.code(),
            "rollback_hours": rule.rollback_hours,
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Turns a rule on or off.
pub async fn set_enabled(
    db: &Db,
    p: &Principal,
    meta: &RequestMeta,
    id: Uuid,
    enabled: bool,
) -> Result<()> {
    p.authorize(Permission::CampaignsManage)?;
    let mut tx = db.begin().await?;
    if !repo::set_rule_enabled(&mut tx, p.company_id, id, enabled, Utc::now()).await? {
        return Err(Error::NotFound);
    }
    super::audited(
        &mut tx,
        meta,
        p,
        Action::AdRuleSaved,
        Some(id.to_string()),
        serde_json::json!({ "enabled": enabled }),
    )
    .await?;
    tx.commit().await
}

/// Deletes a rule (its firings with it); refused while one of its actions waits to be undone
/// (deleting it would leave the campaign paused or cut for good).
pub async fn delete(db: &Db, p: &Principal, meta: &RequestMeta, id: Uuid) -> Result<()> {
    p.authorize(Permission::CampaignsManage)?;
    if repo::rule_rollbacks_due(db, p.company_id, id).await? > 0 {
        return Err(Error::Conflict(
            "This rule's last action is still to be undone: keep it, or wait for the rollback, then delete the rule.".into(),
        ));
    }
    let mut tx = db.begin().await?;
    if !repo::delete_rule(&mut tx, p.company_id, id).await? {
        return Err(Error::NotFound);
    }
    super::audited(
        &mut tx,
        meta,
        p,
        Action::AdRuleDeleted,
        Some(id.to_string()),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await
}

/// The company's rules (campaigns.read).
pub async fn list(db: &Db, p: &Principal) -> Result<Vec<RuleRow>> {
    p.authorize(Permission::CampaignsRead)?;
    repo::rules(db, Some(p.company_id)).await
}

/// A campaign's line in a dry run.
#[derive(Clone, Debug, PartialEq)]
pub struct DryRun {
    pub campaign_id: Uuid,
    pub campaign: String,
    pub fires: bool,
    /// What was measured against each condition.
    pub summary: String,
    /// Resting after a recent firing of this rule (a saved rule only).
    pub resting: bool,
}

/// Which of the company's watched campaigns a rule as typed would fire for now; nothing is
/// saved or changed.
pub async fn dry_run(
    db: &Db,
    p: &Principal,
    input: &RuleInput,
    now: DateTime<Utc>,
) -> Result<Vec<DryRun>> {
    p.authorize(Permission::CampaignsManage)?;
    let rule = validate(input)?;
    let mut out = Vec::new();
    for t in repo::watched_campaigns(db, p.company_id).await? {
        let (fires, summary) = check(db, &rule, &t, now).await?;
        out.push(DryRun {
            campaign_id: t.id,
            campaign: t.name.clone(),
            fires,
            summary,
            resting: false,
        });
    }
    Ok(out)
}

/// A person keeps what a rule did: it will not be undone.
pub async fn keep(db: &Db, p: &Principal, meta: &RequestMeta, firing: Uuid) -> Result<()> {
    p.authorize(Permission::CampaignsManage)?;
    let mut tx = db.begin().await?;
    if !repo::keep_firing(&mut tx, p.company_id, firing, p.user_id, Utc::now()).await? {
        return Err(Error::Conflict(
            "This alert's action is not waiting to be undone (already undone, kept, or never to be).".into(),
        ));
    }
    super::audited(
        &mut tx,
        meta,
        p,
        Action::AdRuleActionKept,
        Some(firing.to_string()),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await
}

/// The company's firings, of one campaign with Some (campaigns.read), newest first.
pub async fn firings(db: &Db, p: &Principal, campaign: Option<Uuid>) -> Result<Vec<FiringRow>> {
    p.authorize(Permission::CampaignsRead)?;
    repo::firings(db, p.company_id, campaign).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cond(metric: &str, op: &str, value: &str, days: &str) -> ConditionInput {
        ConditionInput {
            metric: metric.into(),
            op: op.into(),
            value: value.into(),
            days: days.into(),
        }
    }

    fn input(conditions: Vec<ConditionInput>, action: &str) -> RuleInput {
        RuleInput {
            name: "High CPA".into(),
            combine: "all".into(),
            conditions,
            action: action.into(),
            reduce_percent: "20".into(),
            rollback_hours: String::new(),
        }
    }

    #[test]
    fn a_rule_is_checked_field_by_field() {
        let ok = validate(&input(
            vec![cond("cpa", ">", "50", "3"), cond("spend", ">=", "100", "3")],
            "reduce_budget",
        ))
        .unwrap();
        assert_eq!(ok.action, RuleAction::Reduce(20));
        assert_eq!(
            ok.conditions[0],
            Condition {
                metric: Metric::Cpa,
                op: Op::Above,
                value: 50.0,
                days: 3
            }
        );
        let field = |i: RuleInput| match validate(&i) {
            Err(Error::Validation { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(input(vec![], "notify")), "conditions");
        assert_eq!(
            field(input(vec![cond("reach", ">", "1", "1")], "notify")),
            "conditions.0.metric"
        );
        assert_eq!(
            field(input(vec![cond("cpa", "=", "1", "1")], "notify")),
            "conditions.0.op"
        );
        assert_eq!(
            field(input(vec![cond("cpa", ">", "-1", "1")], "notify")),
            "conditions.0.value"
        );
        assert_eq!(
            field(input(vec![cond("cpa", ">", "NaN", "1")], "notify")),
            "conditions.0.value"
        );
        assert_eq!(
            field(input(vec![cond("cpa", ">", "1", "91")], "notify")),
            "conditions.0.days"
        );
        assert_eq!(
            field(input(vec![cond("cpa", ">", "1", "1")], "explode")),
            "action"
        );
        let mut r = input(vec![cond("cpa", ">", "1", "1")], "reduce_budget");
        r.reduce_percent = "95".into();
        assert_eq!(field(r), "reduce_percent");
        let mut r = input(vec![cond("cpa", ">", "1", "1")], "notify");
        r.rollback_hours = "6".into();
        assert_eq!(field(r), "rollback_hours");
    }

    #[test]
    fn figures_without_a_denominator_hold_no_condition_but_a_cpa_without_sales_is_infinite() {
        let spent = Totals {
            spend_minor: 10_000,
            impressions: 0,
            ..Totals::default()
        };
        assert_eq!(
            measure(Metric::Cpa, &spent, 0, "RON", None),
            Some(f64::INFINITY)
        );
        assert_eq!(measure(Metric::Ctr, &spent, 0, "RON", None), None);
        assert_eq!(measure(Metric::Frequency, &spent, 0, "RON", None), None);
        assert_eq!(
            measure(Metric::Roas, &Totals::default(), 0, "RON", None),
            None
        );
        assert_eq!(
            measure(Metric::Cpa, &Totals::default(), 0, "RON", None),
            None
        );
        assert_eq!(measure(Metric::Spend, &spent, 0, "RON", None), Some(100.0));
        let t = Totals {
            spend_minor: 30_000,
            impressions: 9_000,
            clicks: 90,
            conversions: 4,
            purchase_value_minor: 60_000,
        };
        assert_eq!(measure(Metric::Cpa, &t, 3_000, "RON", None), Some(75.0));
        assert_eq!(measure(Metric::Roas, &t, 3_000, "RON", None), Some(2.0));
        assert_eq!(measure(Metric::Ctr, &t, 3_000, "RON", None), Some(1.0));
        assert_eq!(
            measure(Metric::Frequency, &t, 3_000, "RON", None),
            Some(3.0)
        );
        assert!(Op::Above.holds(f64::INFINITY, 50.0));
        assert!(!Op::Below.holds(f64::INFINITY, 50.0));
    }
}
