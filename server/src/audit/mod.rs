//! The audit log: who did what, when, from where. Entries are written inside the same
//! transaction as the change they describe.

pub mod http;
mod repo;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::{
    access::Permission,
    http::middleware::{PageNeeds, PageRule},
};
use crate::{db::Tx, error::Result, Db};

/// The audit log page; its CSV export is a form endpoint.
pub const PAGES: &[PageRule] = &[
    PageRule::new("/audit", PageNeeds::Permission(Permission::AuditRead)),
    PageRule::new("/audit/export", PageNeeds::NotAPage),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Action {
    Login,
    LoginFailed,
    Logout,
    CompanyCreated,
    CompanyDisabled,
    CompanyEnabled,
    CompanyDeleted,
    ProfileUpdated,
    UserInvited,
    InvitationResent,
    InvitationRevoked,
    InvitationAccepted,
    UserDeleted,
    UserDisabled,
    UserEnabled,
    RoleChanged,
    RoleCreated,
    RoleUpdated,
    RoleDeleted,
    StoreCreated,
    StoreDeleted,
    StoreAccessChanged,
    StoreConnected,
    StoreDisconnected,
    OrdersSyncRequested,
    OrdersImported,
    OrderEdited,
    OrdersBulkStarted,
    OrderErrorRetried,
    OrderErrorSkipped,
    CourierConnected,
    CourierDisconnected,
    AwbCreated,
    AwbHandedOver,
    HandoverClosed,
    SettingsChanged,
    SessionRevoked,
    PasswordChanged,
    PasswordResetRequested,
    ExportCreated,
    TwoFactorEnabled,
    TwoFactorDisabled,
    SecondFactorLocked,
    EmailVerified,
    TokensPurchased,
    TokensRefunded,
    TokensGranted,
    AnalysisCreated,
    AnalysisDeleted,
    AnalysisReanalyzed,
    AnalysisCancelled,
    AnalysisCorrected,
    AdAccountConnected,
    AdAccountsImported,
    AdAccountDisconnected,
    CampaignChangeRequested,
    CampaignChanged,
    CampaignChangeFailed,
    CampaignChangeApproved,
    CampaignChangeRejected,
    CampaignChangeResubmitted,
    AdBudgetCapChanged,
    AdRuleSaved,
    AdRuleDeleted,
    AdRuleActionKept,
    AdInsightsRequested,
    AdInsightDismissed,
    StudioAuthorsImported,
    StudioAuthorDeleted,
    JobRetried,
    JobDiscarded,
    ApiKeyCreated,
    ApiKeyRevoked,
    ApiKeyRefused,
    WebhookEndpointCreated,
    WebhookEndpointUpdated,
    WebhookEndpointDeleted,
    WebhookSecretRotated,
    WebhookReplayed,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Login => "LOGIN",
            Action::LoginFailed => "LOGIN_FAILED",
            Action::Logout => "LOGOUT",
            Action::CompanyCreated => "COMPANY_CREATED",
            Action::CompanyDisabled => "COMPANY_DISABLED",
            Action::CompanyEnabled => "COMPANY_ENABLED",
            Action::CompanyDeleted => "COMPANY_DELETED",
            Action::ProfileUpdated => "PROFILE_UPDATED",
            Action::UserInvited => "USER_INVITED",
            Action::InvitationResent => "INVITATION_RESENT",
            Action::InvitationRevoked => "INVITATION_REVOKED",
            Action::InvitationAccepted => "INVITATION_ACCEPTED",
            Action::UserDeleted => "USER_DELETED",
            Action::UserDisabled => "USER_DISABLED",
            Action::UserEnabled => "USER_ENABLED",
            Action::RoleChanged => "ROLE_CHANGED",
            Action::RoleCreated => "ROLE_CREATED",
            Action::RoleUpdated => "ROLE_UPDATED",
            Action::RoleDeleted => "ROLE_DELETED",
            Action::StoreCreated => "STORE_CREATED",
            Action::StoreDeleted => "STORE_DELETED",
            Action::StoreAccessChanged => "STORE_ACCESS_CHANGED",
            Action::StoreConnected => "STORE_CONNECTED",
            Action::StoreDisconnected => "STORE_DISCONNECTED",
            Action::OrdersSyncRequested => "ORDERS_SYNC_REQUESTED",
            Action::OrdersImported => "ORDERS_IMPORTED",
            Action::OrderEdited => "ORDER_EDITED",
            Action::OrdersBulkStarted => "ORDERS_BULK_STARTED",
            Action::OrderErrorRetried => "ORDER_ERROR_RETRIED",
            Action::OrderErrorSkipped => "ORDER_ERROR_SKIPPED",
            Action::CourierConnected => "COURIER_CONNECTED",
            Action::CourierDisconnected => "COURIER_DISCONNECTED",
            Action::AwbCreated => "AWB_CREATED",
            Action::AwbHandedOver => "AWB_HANDED_OVER",
            Action::HandoverClosed => "HANDOVER_CLOSED",
            Action::SettingsChanged => "SETTINGS_CHANGED",
            Action::SessionRevoked => "SESSION_REVOKED",
            Action::PasswordChanged => "PASSWORD_CHANGED",
            Action::PasswordResetRequested => "PASSWORD_RESET_REQUESTED",
            Action::ExportCreated => "EXPORT_CREATED",
            Action::TwoFactorEnabled => "TWO_FACTOR_ENABLED",
            Action::TwoFactorDisabled => "TWO_FACTOR_DISABLED",
            Action::SecondFactorLocked => "SECOND_FACTOR_LOCKED",
            Action::EmailVerified => "EMAIL_VERIFIED",
            Action::TokensPurchased => "TOKENS_PURCHASED",
            Action::TokensRefunded => "TOKENS_REFUNDED",
            Action::TokensGranted => "TOKENS_GRANTED",
            Action::AnalysisCreated => "ANALYSIS_CREATED",
            Action::AnalysisDeleted => "ANALYSIS_DELETED",
            Action::AnalysisReanalyzed => "ANALYSIS_REANALYZED",
            Action::AnalysisCancelled => "ANALYSIS_CANCELLED",
            Action::AnalysisCorrected => "ANALYSIS_CORRECTED",
            Action::AdAccountConnected => "AD_ACCOUNT_CONNECTED",
            Action::AdAccountsImported => "AD_ACCOUNTS_IMPORTED",
            Action::AdAccountDisconnected => "AD_ACCOUNT_DISCONNECTED",
            Action::CampaignChangeRequested => "CAMPAIGN_CHANGE_REQUESTED",
            Action::CampaignChanged => "CAMPAIGN_CHANGED",
            Action::CampaignChangeFailed => "CAMPAIGN_CHANGE_FAILED",
            Action::CampaignChangeApproved => "CAMPAIGN_CHANGE_APPROVED",
            Action::CampaignChangeRejected => "CAMPAIGN_CHANGE_REJECTED",
            Action::CampaignChangeResubmitted => "CAMPAIGN_CHANGE_RESUBMITTED",
            Action::AdBudgetCapChanged => "AD_BUDGET_CAP_CHANGED",
            Action::AdRuleSaved => "AD_RULE_SAVED",
            Action::AdRuleDeleted => "AD_RULE_DELETED",
            Action::AdRuleActionKept => "AD_RULE_ACTION_KEPT",
            Action::AdInsightsRequested => "AD_INSIGHTS_REQUESTED",
            Action::AdInsightDismissed => "AD_INSIGHT_DISMISSED",
            Action::StudioAuthorsImported => "STUDIO_AUTHORS_IMPORTED",
            Action::StudioAuthorDeleted => "STUDIO_AUTHOR_DELETED",
            Action::JobRetried => "JOB_RETRIED",
            Action::JobDiscarded => "JOB_DISCARDED",
            Action::ApiKeyCreated => "API_KEY_CREATED",
            Action::ApiKeyRevoked => "API_KEY_REVOKED",
            Action::ApiKeyRefused => "API_KEY_REFUSED",
            Action::WebhookEndpointCreated => "WEBHOOK_ENDPOINT_CREATED",
            Action::WebhookEndpointUpdated => "WEBHOOK_ENDPOINT_UPDATED",
            Action::WebhookEndpointDeleted => "WEBHOOK_ENDPOINT_DELETED",
            Action::WebhookSecretRotated => "WEBHOOK_SECRET_ROTATED",
            Action::WebhookReplayed => "WEBHOOK_REPLAYED",
        }
    }
}

pub use crate::access::RequestMeta;

pub struct Entry {
    pub company_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub action: Action,
    pub target: Option<String>,
    pub details: serde_json::Value,
}

/// Records an entry inside the caller's transaction.
#[tracing::instrument(skip_all)]
pub async fn record(tx: &mut Tx, meta: &RequestMeta, e: Entry) -> Result<()> {
    let ua = meta
        .user_agent
        .as_deref()
        .map(|s| s.chars().take(400).collect::<String>());
    repo::insert_entry(tx, &e, meta.ip.as_deref(), ua.as_deref(), Utc::now()).await
}

/// Records a single entry that has no other change to share a transaction with
/// (a failed sign-in, a sign-out).
#[tracing::instrument(skip_all)]
pub async fn record_alone(db: &Db, meta: &RequestMeta, e: Entry) -> Result<()> {
    let mut tx = db.begin().await?;
    record(&mut tx, meta, e).await?;
    tx.commit().await
}

impl Entry {
    /// An entry for something a signed-in member did in their active company.
    pub fn by(
        p: &crate::access::Principal,
        action: Action,
        target: Option<String>,
        details: serde_json::Value,
    ) -> Self {
        Entry {
            company_id: Some(p.company_id),
            actor_id: Some(p.user_id),
            action,
            target,
            details,
        }
    }
}

/// Which entries the audit page asks for. Dates are whole days in the company's time zone.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub actor: Option<Uuid>,
    pub action: Option<String>,
    pub from: Option<chrono::NaiveDate>,
    pub to: Option<chrono::NaiveDate>,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct LogRow {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    pub actor_name: Option<String>,
    pub actor_email: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub details: sqlx::types::Json<serde_json::Value>,
}

impl Filter {
    /// Reads the filter form (empty fields mean "any"); a bad value is a field error.
    pub fn parse(actor: &str, action: &str, from: &str, to: &str) -> Result<Filter> {
        let date = |field: &str, raw: &str| -> Result<Option<chrono::NaiveDate>> {
            let raw = raw.trim();
            if raw.is_empty() {
                return Ok(None);
            }
            chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| {
                    crate::error::Error::validation(field, "Enter a date like 2026-11-24.")
                })
        };
        let actor = match actor.trim() {
            "" => None,
            raw => Some(raw.parse().map_err(|_| {
                crate::error::Error::validation("actor", "Choose a member from the list.")
            })?),
        };
        let action = Some(action.trim().to_string()).filter(|a| !a.is_empty());
        let (from, to) = (date("from", from)?, date("to", to)?);
        if let (Some(f), Some(t)) = (from, to) {
            if f > t {
                return Err(crate::error::Error::validation(
                    "to",
                    "The end date is before the start date.",
                ));
            }
        }
        Ok(Filter {
            actor,
            action,
            from,
            to,
        })
    }
}

/// A spreadsheet must not run what a user typed: cells starting like a formula get a quote.
pub(crate) fn cell(value: String) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value
    }
}

/// The UTC bounds [start, end) of a filter's local dates.
fn bounds(f: &Filter, timezone: &str) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
    let tz: chrono_tz::Tz = timezone.parse().unwrap_or(chrono_tz::UTC);
    let start_of = |d: chrono::NaiveDate| {
        use chrono::TimeZone;
        tz.from_local_datetime(&d.and_time(chrono::NaiveTime::MIN))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    };
    (
        f.from.and_then(start_of),
        f.to.and_then(|d| d.succ_opt()).and_then(start_of),
    )
}

/// One page of the company's log, newest first, and how many entries match in all.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id))]
pub async fn search(
    db: &Db,
    p: &crate::access::Principal,
    f: &Filter,
    offset: i64,
    limit: i64,
) -> Result<(Vec<LogRow>, i64)> {
    p.authorize(crate::access::Permission::AuditRead)?;
    let (from, to) = bounds(f, &p.timezone);
    repo::search(
        db,
        p.company_id,
        f.actor,
        f.action.as_deref(),
        from,
        to,
        offset,
        limit,
    )
    .await
}

/// The actions that occur in the company's log (for the filter list).
#[tracing::instrument(skip_all, fields(company_id = %company_id))]
pub async fn actions_in_use(db: &Db, company_id: Uuid) -> Result<Vec<String>> {
    repo::actions_in_use(db, company_id).await
}

/// The whole filtered log as CSV (at most `max` rows), recorded as EXPORT_CREATED.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id))]
pub async fn export_csv(
    db: &Db,
    p: &crate::access::Principal,
    meta: &RequestMeta,
    f: &Filter,
    max: i64,
) -> Result<Vec<u8>> {
    let (rows, total) = search(db, p, f, 0, max).await?;
    let tz: chrono_tz::Tz = p.timezone.parse().unwrap_or(chrono_tz::UTC);
    let mut out = csv::Writer::from_writer(Vec::new());
    let header = [
        "time",
        "actor",
        "actor_email",
        "action",
        "target",
        "ip",
        "user_agent",
        "details",
    ];
    let csv_err = |e: csv::Error| crate::error::Error::Internal(e.into());
    out.write_record(header).map_err(csv_err)?;
    for r in &rows {
        out.write_record([
            r.created_at.with_timezone(&tz).to_rfc3339(),
            cell(r.actor_name.clone().unwrap_or_default()),
            cell(r.actor_email.clone().unwrap_or_default()),
            r.action.clone(),
            cell(r.target.clone().unwrap_or_default()),
            cell(r.ip.clone().unwrap_or_default()),
            cell(r.user_agent.clone().unwrap_or_default()),
            cell(r.details.0.to_string()),
        ])
        .map_err(csv_err)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| crate::error::Error::Internal(anyhow::anyhow!("csv: {e}")))?;
    record_alone(
        db,
        meta,
        Entry::by(
            p,
            Action::ExportCreated,
            Some("audit_log".into()),
            serde_json::json!({ "rows": rows.len(), "matching": total }),
        ),
    )
    .await?;
    Ok(bytes)
}
