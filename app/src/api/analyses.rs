//! Server functions of /analyses: history with filters, the detail of one analysis, cancel,
//! delete, re-analyse and a reviewer's correction. Uploads and exports are plain routes
//! (server::analyses::http) because they carry files.
// The history's filters are the server function's arguments (one per URL parameter); the
// generated client function carries all eight.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::ssr;
use super::AppError;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnalysisSummary {
    pub id: String,
    pub filename: String,
    pub test_label: String,
    pub version: i32,
    /// PENDING, PROCESSING, COMPLETED, FAILED, CANCELLED.
    pub status: String,
    pub verdict: Option<String>,
    pub score: Option<i32>,
    pub requires_review: bool,
    pub creator: String,
    pub created: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnalysesPage {
    pub rows: Vec<AnalysisSummary>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub can_run: bool,
    /// The dates the filter resolved to (a preset fills them), YYYY-MM-DD.
    pub from: String,
    pub to: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldView {
    pub path: String,
    pub label: String,
    pub value: String,
    pub unit: String,
    pub confidence: String,
    pub low: bool,
    pub source: String,
    pub page: Option<u32>,
    pub excerpt: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FindingView {
    pub code: String,
    /// critical, major, minor.
    pub severity: String,
    pub title: String,
    pub evidence: String,
    pub action: String,
    pub page: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChangeView {
    pub field: String,
    pub before: String,
    pub after: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DiffView {
    pub previous_id: String,
    pub previous_version: i32,
    pub verdict: Option<(String, String)>,
    pub score: Option<(i32, i32)>,
    pub fields: Vec<ChangeView>,
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CorrectionView {
    pub field: String,
    pub before: String,
    pub after: String,
    pub who: String,
    pub when: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnalysisView {
    pub id: String,
    pub filename: String,
    pub test_label: String,
    pub standard: String,
    pub status: String,
    pub active: bool,
    pub verdict: Option<String>,
    pub score: Option<i32>,
    pub confidence: Option<String>,
    pub requires_review: bool,
    pub review_reasons: Vec<String>,
    pub processing: Option<String>,
    pub tokens_charged: String,
    pub estimate: String,
    pub provider: String,
    pub cost: Option<String>,
    pub creator: String,
    pub created: String,
    pub version: i32,
    pub versions: Vec<(String, i32)>,
    pub pages: u32,
    pub file_kind: String,
    pub findings: Vec<FindingView>,
    pub not_evaluated: Vec<(String, String)>,
    pub fields: Vec<FieldView>,
    pub corrections: Vec<CorrectionView>,
    pub diff: Option<DiffView>,
    pub error: Option<String>,
    pub raw_reply: Option<String>,
    pub can_run: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UploadInfo {
    pub balance: i64,
    pub balance_text: String,
    pub max_mb: u64,
    pub max_pages: u32,
    pub per_minute: u32,
}

#[cfg(feature = "ssr")]
fn status_upper(s: &str) -> String {
    s.to_uppercase()
}

#[cfg(feature = "ssr")]
fn summary(
    p: &server::access::Principal,
    r: &server::analyses::service::AnalysisRow,
) -> AnalysisSummary {
    AnalysisSummary {
        id: r.id.to_string(),
        filename: r.filename.clone(),
        test_label: r.test().label().to_string(),
        version: r.version,
        status: status_upper(&r.status),
        verdict: r.verdict.clone(),
        score: r.score,
        requires_review: r.requires_review,
        creator: r
            .creator_name
            .clone()
            .unwrap_or_else(|| "a former member".into()),
        created: ssr::local_time(p, r.created_at),
    }
}

/// One page of the history, filtered.
#[server(endpoint = "analyses")]
pub async fn get_analyses(
    q: String,
    test_type: String,
    verdict: String,
    preset: String,
    from: String,
    to: String,
    sort: String,
    page: i64,
) -> Result<AnalysesPage, AppError> {
    use server::analyses::{service, TestType, Verdict};
    let p = ssr::authorize(server::access::Permission::AnalysesRead)?;
    let state = ssr::state()?;
    let (from, to) = ssr::date_range(&p, &preset, &from, &to)?;
    let filter = service::Filter {
        q: Some(q).filter(|s| !s.trim().is_empty()),
        test_type: TestType::parse(&test_type),
        verdict: Verdict::parse(&verdict),
        from,
        to,
        sort_score: sort.starts_with("score"),
        asc: sort.ends_with("_asc"),
    };
    let page = page.max(1);
    let (rows, total) = service::list(&state.db, &p, &filter, page)
        .await
        .map_err(ssr::fail)?;
    Ok(AnalysesPage {
        rows: rows.iter().map(|r| summary(&p, r)).collect(),
        total,
        page,
        pages: ((total + service::PAGE_SIZE - 1) / service::PAGE_SIZE).max(1),
        can_run: p
            .permissions
            .contains(server::access::Permission::AnalysesRun),
        from: from.map(|d| d.to_string()).unwrap_or_default(),
        to: to.map(|d| d.to_string()).unwrap_or_default(),
    })
}

/// One analysis with everything the detail page shows.
#[server(endpoint = "analysis")]
pub async fn get_analysis(id: String) -> Result<AnalysisView, AppError> {
    use crate::format::group;
    use server::analyses::{model::CORRECTABLE, report, service};
    let p = ssr::authorize(server::access::Permission::AnalysesRead)?;
    let state = ssr::state()?;
    let db = &state.db;
    let id = ssr::parse_id(&id)?;
    let row = service::get(db, &p, id).await.map_err(ssr::fail)?;
    let (versions, corrections) = tokio::try_join!(
        service::versions(db, &p, &row),
        service::corrections(db, &p, id)
    )
    .map_err(ssr::fail)?;
    let outcome = row.outcome();
    let x = row.extraction();
    let limits = row.thresholds();
    let review = limits.review_confidence;
    let fields = x
        .as_ref()
        .map(|x| {
            CORRECTABLE
                .iter()
                .filter_map(|(path, label)| {
                    let m = x.meta(path)?;
                    Some(FieldView {
                        path: path.to_string(),
                        label: label.to_string(),
                        value: m.value,
                        unit: m.unit.unwrap_or_default(),
                        confidence: if m.set {
                            format!("{:.2}", m.confidence)
                        } else {
                            String::new()
                        },
                        low: m.set && m.confidence < review,
                        source: m.source.unwrap_or_default(),
                        page: m.page,
                        excerpt: m.excerpt.unwrap_or_default(),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let diff = match row.previous_id {
        Some(prev) if row.status == "completed" => match service::get(db, &p, prev).await {
            Ok(before) => {
                let d = report::diff(&before, &row);
                Some(DiffView {
                    previous_id: prev.to_string(),
                    previous_version: before.version,
                    verdict: d.verdict,
                    score: d.score,
                    fields: d
                        .fields
                        .into_iter()
                        .map(|c| ChangeView {
                            field: c.field,
                            before: c.before,
                            after: c.after,
                        })
                        .collect(),
                    added: d.findings_added,
                    removed: d.findings_removed,
                })
            }
            Err(_) => None,
        },
        _ => None,
    };
    let label_of = |path: &str| {
        CORRECTABLE
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, l)| l.to_string())
            .unwrap_or_else(|| path.to_string())
    };
    Ok(AnalysisView {
        id: row.id.to_string(),
        filename: row.filename.clone(),
        test_label: row.test().label().to_string(),
        standard: limits.standard.clone(),
        status: status_upper(&row.status),
        active: row.is_active(),
        verdict: row.verdict.clone(),
        score: row.score,
        confidence: row.confidence.map(|c| format!("{:.0}%", c * 100.0)),
        requires_review: row.requires_review,
        review_reasons: outcome
            .as_ref()
            .map(|o| o.review_reasons.clone())
            .unwrap_or_default(),
        processing: row.processing_ms.map(|ms| {
            if ms < 1000 {
                format!("{ms} ms")
            } else {
                format!("{:.1} s", ms as f64 / 1000.0)
            }
        }),
        tokens_charged: group(row.tokens_charged),
        estimate: group(row.estimate),
        provider: match row.provider.as_deref() {
            Some("local") => "Local text reader (no AI key configured)".into(),
            Some(other) => format!("{other} · {}", row.model.clone().unwrap_or_default()),
            None => "—".into(),
        },
        cost: row
            .provider_cost_micros
            .map(|m| format!("${:.4}", m as f64 / 1e6)),
        creator: row
            .creator_name
            .clone()
            .unwrap_or_else(|| "a former member".into()),
        created: ssr::local_time(&p, row.created_at),
        version: row.version,
        versions: versions
            .into_iter()
            .map(|(id, v)| (id.to_string(), v))
            .collect(),
        pages: row.pages.max(1) as u32,
        file_kind: row.file_kind.clone(),
        findings: outcome
            .as_ref()
            .map(|o| {
                o.findings
                    .iter()
                    .map(|f| FindingView {
                        code: f.code.clone(),
                        severity: f.severity.as_str().to_string(),
                        title: f.title.clone(),
                        evidence: f.evidence.clone(),
                        action: f.corrective_action.clone(),
                        page: f.page,
                    })
                    .collect()
            })
            .unwrap_or_default(),
        not_evaluated: outcome
            .as_ref()
            .map(|o| {
                o.not_evaluated
                    .iter()
                    .map(|n| (n.code.clone(), n.reason.clone()))
                    .collect()
            })
            .unwrap_or_default(),
        fields,
        corrections: corrections
            .into_iter()
            .map(|c| CorrectionView {
                field: label_of(&c.field),
                before: if c.old_value.is_empty() {
                    "—".into()
                } else {
                    c.old_value
                },
                after: if c.new_value.is_empty() {
                    "—".into()
                } else {
                    c.new_value
                },
                who: c.user_name.unwrap_or_else(|| "a former member".into()),
                when: ssr::local_time(&p, c.created_at),
            })
            .collect(),
        diff,
        error: row.error.clone(),
        raw_reply: row.raw_reply.clone().filter(|_| row.status == "failed"),
        can_run: p
            .permissions
            .contains(server::access::Permission::AnalysesRun),
    })
}

/// What the upload page needs: the balance and the limits.
#[server(endpoint = "upload_info")]
pub async fn get_upload_info() -> Result<UploadInfo, AppError> {
    let p = ssr::authorize(server::access::Permission::AnalysesRun)?;
    let state = ssr::state()?;
    let balance = server::billing::ledger::balance(&state.db, p.company_id)
        .await
        .map_err(ssr::fail)?;
    let cfg = state
        .config
        .section::<server::analyses::config::AnalysesConfig>();
    Ok(UploadInfo {
        balance,
        balance_text: crate::format::group(balance),
        max_mb: cfg.max_upload_bytes / (1024 * 1024),
        max_pages: cfg.max_pages,
        per_minute: cfg.requests_per_minute,
    })
}

#[server(endpoint = "cancel_analysis")]
pub async fn cancel_analysis(id: String) -> Result<(), AppError> {
    let p = ssr::authorize(server::access::Permission::AnalysesRun)?;
    let state = ssr::state()?;
    let id = ssr::parse_id(&id)?;
    server::analyses::service::cancel(&state.db, &p, &ssr::meta(), id)
        .await
        .map_err(ssr::fail)
}

#[server(endpoint = "delete_analysis")]
pub async fn delete_analysis(id: String, confirm: String) -> Result<(), AppError> {
    let p = ssr::authorize(server::access::Permission::AnalysesRun)?;
    let state = ssr::state()?;
    let id = ssr::parse_id(&id)?;
    server::analyses::service::delete(&state.db, &state.storage, &p, &ssr::meta(), id, &confirm)
        .await
        .map_err(ssr::fail)?;
    leptos_axum::redirect("/analyses?deleted=1");
    Ok(())
}

#[server(endpoint = "reanalyse")]
pub async fn reanalyse(id: String) -> Result<String, AppError> {
    let p = ssr::authorize(server::access::Permission::AnalysesRun)?;
    let state = ssr::state()?;
    if let Some(ip) = use_context::<http::request::Parts>().and_then(|parts| {
        parts
            .extensions
            .get::<server::http::middleware::ClientIp>()
            .cloned()
    }) {
        state
            .limits
            .check(&[(server::analyses::REQUESTS_PER_IP, &ip.0.to_string())])
            .await
            .map_err(ssr::fail)?;
    }
    let id = ssr::parse_id(&id)?;
    let new_id =
        server::analyses::service::reanalyse(&state.db, &state.storage, &p, &ssr::meta(), id)
            .await
            .map_err(ssr::fail)?;
    leptos_axum::redirect(&format!("/analyses/{new_id}"));
    Ok(new_id.to_string())
}

#[server(endpoint = "correct_field")]
pub async fn correct_field(id: String, field: String, value: String) -> Result<String, AppError> {
    let p = ssr::authorize(server::access::Permission::AnalysesRun)?;
    let state = ssr::state()?;
    let id = ssr::parse_id(&id)?;
    let outcome =
        server::analyses::service::correct(&state.db, &p, &ssr::meta(), id, &field, &value)
            .await
            .map_err(ssr::fail)?;
    Ok(outcome.verdict.as_str().to_string())
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AiKeyView {
    pub provider: String,
    pub label: String,
    pub hint: String,
    pub model: String,
    pub updated: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IntegrationsView {
    pub keys: Vec<AiKeyView>,
    /// (key, label) of the providers a key can be saved for.
    pub providers: Vec<(String, String)>,
    /// What analyses use when the company has no key of its own.
    pub platform_default: String,
}

/// Settings → Integrations: the company's AI keys (hints only) and what is used without them.
#[server(endpoint = "integrations")]
pub async fn get_integrations() -> Result<IntegrationsView, AppError> {
    use server::ai::keys as ai_keys;
    let p = ssr::authorize(server::access::Permission::SettingsManage)?;
    let state = ssr::state()?;
    let keys = ai_keys::list(&state.db, &p).await.map_err(ssr::fail)?;
    let cfg = state.config.section::<server::ai::AiConfig>();
    let platform_default = match (&cfg.anthropic, &cfg.openai) {
        (Some(a), _) => format!("the platform's Anthropic key ({})", a.model),
        (None, Some(o)) => format!("the platform's OpenAI key ({})", o.model),
        _ => "the local text reader (no AI): it reads what the PDF's text says".into(),
    };
    Ok(IntegrationsView {
        keys: keys
            .into_iter()
            .map(|k| AiKeyView {
                label: ai_keys::provider_label(&k.provider).to_string(),
                provider: k.provider,
                hint: k.key_hint,
                model: k.model,
                updated: format!(
                    "{} by {}",
                    ssr::local_time(&p, k.updated_at),
                    k.updated_by_name
                        .unwrap_or_else(|| "a former member".into())
                ),
            })
            .collect(),
        providers: ai_keys::PROVIDERS
            .iter()
            .map(|(k, l)| (k.to_string(), l.to_string()))
            .collect(),
        platform_default,
    })
}

#[server(endpoint = "save_ai_key")]
pub async fn save_ai_key(provider: String, api_key: String, model: String) -> Result<(), AppError> {
    let p = ssr::authorize(server::access::Permission::SettingsManage)?;
    let state = ssr::state()?;
    server::ai::keys::save(
        &state.db,
        &state.config.app_secret_key,
        &p,
        &ssr::meta(),
        &provider,
        &api_key,
        &model,
    )
    .await
    .map_err(ssr::fail)
}

#[server(endpoint = "remove_ai_key")]
pub async fn remove_ai_key(provider: String) -> Result<(), AppError> {
    let p = ssr::authorize(server::access::Permission::SettingsManage)?;
    let state = ssr::state()?;
    server::ai::keys::remove(&state.db, &p, &ssr::meta(), &provider)
        .await
        .map_err(ssr::fail)
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LimitView {
    pub key: String,
    pub label: String,
    /// The standard's value, shown as the placeholder.
    pub standard: String,
    /// The company's value, empty when the standard's applies.
    pub custom: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LimitsView {
    pub standard: String,
    pub limits: Vec<LimitView>,
}

/// Settings → Company: the analysis limits in force (the standard's, or the company's own).
#[server(endpoint = "analysis_limits")]
pub async fn get_analysis_limits() -> Result<LimitsView, AppError> {
    let p = ssr::authorize(server::access::Permission::SettingsManage)?;
    let state = ssr::state()?;
    let (standard, rows) = server::analyses::limits::rows(&state.db, &p)
        .await
        .map_err(ssr::fail)?;
    Ok(LimitsView {
        standard,
        limits: rows
            .into_iter()
            .map(|r| LimitView {
                key: r.key,
                label: r.label,
                standard: crate::format::decimal(r.standard),
                custom: r.custom.map(crate::format::decimal).unwrap_or_default(),
            })
            .collect(),
    })
}

#[server(endpoint = "save_analysis_limits")]
pub async fn save_analysis_limits(
    values: std::collections::BTreeMap<String, String>,
) -> Result<(), AppError> {
    let p = ssr::authorize(server::access::Permission::SettingsManage)?;
    let state = ssr::state()?;
    server::analyses::limits::save(&state.db, &p, &ssr::meta(), &values)
        .await
        .map_err(ssr::fail)
}
