//! Analyses as a service: create from an upload, read, list with filters, cancel, delete,
//! correct a field, re-analyse. Every function starts with the permission check and scopes by
//! the principal's company; analysts see only their own analyses unless granted
//! analyses.read_all.

use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::{
    config::AnalysesConfig,
    model::{Extraction, CORRECTABLE},
    pdf, pipeline,
    repo::{self, ListFilter, NewAnalysis},
    rules::{self, Outcome, TestType, Thresholds, Verdict},
    upload::{self, Kind},
};
use crate::access::Principal;
use crate::storage::Storage;
use crate::{
    access::Permission,
    audit::{self, Action, Entry, RequestMeta},
    billing::ledger,
    db::Tx,
    jobs::{self, NewJob},
    Db, Error, Result,
};

/// What the upload route hands over once the file is on local disk.
pub struct NewUpload {
    pub filename: String,
    pub test_type: String,
    /// The received bytes (deleted by the caller afterwards).
    pub temp_path: PathBuf,
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct AnalysisRow {
    pub id: Uuid,
    pub company_id: Uuid,
    pub created_by: Option<Uuid>,
    pub creator_name: Option<String>,
    pub lineage_id: Uuid,
    pub version: i32,
    pub previous_id: Option<Uuid>,
    pub filename: String,
    pub file_kind: String,
    pub file_bytes: i64,
    pub source_key: String,
    pub pages: i32,
    pub test_type: String,
    pub standard: String,
    pub thresholds: Option<String>,
    pub status: String,
    pub estimate: i64,
    pub hold_id: Option<Uuid>,
    pub tokens_charged: i64,
    pub provider: Option<String>,
    pub model: Option<String>,
    pub usage: Option<String>,
    pub provider_cost_micros: Option<i64>,
    pub verdict: Option<String>,
    pub score: Option<i32>,
    pub confidence: Option<f64>,
    pub requires_review: bool,
    pub extraction: Option<String>,
    pub outcome: Option<String>,
    pub raw_reply: Option<String>,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub processing_ms: Option<i64>,
}

impl AnalysisRow {
    pub fn extraction(&self) -> Option<Extraction> {
        self.extraction
            .as_deref()
            .and_then(|s| serde_json::from_str(s).ok())
    }

    pub fn outcome(&self) -> Option<Outcome> {
        self.outcome
            .as_deref()
            .and_then(|s| serde_json::from_str(s).ok())
    }

    pub fn test(&self) -> TestType {
        TestType::parse(&self.test_type).unwrap_or(TestType::Grounding)
    }

    /// The limits this analysis runs with (copied at creation; the standard's for older rows).
    pub fn thresholds(&self) -> Thresholds {
        self.thresholds
            .as_deref()
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or_else(|| Thresholds::for_standard(&self.standard))
    }

    pub fn is_active(&self) -> bool {
        matches!(self.status.as_str(), "pending" | "processing")
    }
}

fn may_see(p: &Principal, row: &AnalysisRow) -> bool {
    p.permissions.contains(Permission::AnalysesReadAll) || row.created_by == Some(p.user_id)
}

/// One analysis the principal may read (404 for others' when not allowed to see all, so ids of
/// colleagues' analyses are not confirmed).
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id, id = %id))]
pub async fn get(db: &Db, p: &Principal, id: Uuid) -> Result<AnalysisRow> {
    p.authorize(Permission::AnalysesRead)?;
    let row = repo::load_analysis(db, p.company_id, id).await?;
    if !may_see(p, &row) {
        return Err(Error::NotFound);
    }
    Ok(row)
}

/// The versions of an analysis's lineage the principal may see, oldest first.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id))]
pub async fn versions(db: &Db, p: &Principal, row: &AnalysisRow) -> Result<Vec<(Uuid, i32)>> {
    p.authorize(Permission::AnalysesRead)?;
    let rows = repo::lineage_versions(db, p.company_id, row.lineage_id).await?;
    let all = p.permissions.contains(Permission::AnalysesReadAll);
    Ok(rows
        .into_iter()
        .filter(|(_, _, by)| all || *by == Some(p.user_id))
        .map(|(id, v, _)| (id, v))
        .collect())
}

/// CPU time one upload's stream scan may take before the PDF is refused.
const SCAN_BUDGET: std::time::Duration = std::time::Duration::from_secs(20);

/// Checks an upload and answers its kind and page count, before anything is stored or held.
#[tracing::instrument(skip_all)]
pub async fn inspect(cfg: &AnalysesConfig, up: &NewUpload) -> Result<(Kind, u32)> {
    let bad = |m: String| Error::validation("file", m);
    upload::clean_name(&up.filename).map_err(bad)?;
    if up.bytes == 0 {
        return Err(bad("The file is empty.".into()));
    }
    if up.bytes > cfg.max_upload_bytes {
        return Err(bad(upload::too_large(cfg.max_upload_bytes)));
    }
    let mut head = vec![0u8; 1024];
    let n = {
        use tokio::io::AsyncReadExt;
        let mut f = tokio::fs::File::open(&up.temp_path)
            .await
            .map_err(|e| Error::Internal(e.into()))?;
        f.read(&mut head)
            .await
            .map_err(|e| Error::Internal(e.into()))?
    };
    let kind = upload::sniff(&head[..n]).map_err(bad)?;
    let pages = match kind {
        Kind::Pdf => {
            let limits = pdf::Limits::default();
            let path = up.temp_path.clone();
            // A bomb's cap grows with the file: scans inflate ~2:1, bombs ~1,000:1.
            let cap = (up.bytes.saturating_mul(25)).clamp(256 << 20, 4 << 30);
            tokio::task::spawn_blocking(move || {
                let bytes = std::fs::read(&path)?;
                Ok::<_, std::io::Error>(pdf::inspect_streams(&bytes, cap, SCAN_BUDGET))
            })
            .await
            .map_err(|e| Error::Internal(e.into()))?
            .map_err(|e| Error::Internal(e.into()))?
            .map_err(|e| bad(e.to_string()))?;
            pdf::info(&up.temp_path, cfg.max_pages, &limits)
                .await
                .map_err(|e| match e {
                    pdf::PdfError::ToolMissing => Error::Unavailable(e.to_string()),
                    e => bad(e.to_string()),
                })?
                .pages
        }
        Kind::Png | Kind::Jpeg => 1,
    };
    Ok((kind, pages))
}

/// Creates an analysis from an upload: checks the file, the balance against the estimate, stores
/// the file under a generated key, then records the row, the audit entry and the job together.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id))]
pub async fn create(
    db: &Db,
    storage: &Storage,
    cfg: &AnalysesConfig,
    p: &Principal,
    meta: &RequestMeta,
    up: NewUpload,
) -> Result<Uuid> {
    p.authorize(Permission::AnalysesRun)?;
    let test = TestType::parse(up.test_type.trim())
        .ok_or_else(|| Error::validation("test_type", "Choose the type of test."))?;
    let (kind, pages) = inspect(cfg, &up).await?;
    let filename = upload::clean_name(&up.filename).map_err(|m| Error::validation("file", m))?;
    let estimate = upload::estimate_tokens(up.bytes);
    let balance = ledger::balance(db, p.company_id).await?;
    if balance < estimate {
        return Err(ledger::insufficient(balance, estimate));
    }
    let (standard, _) = repo::company_profile(db, p.company_id).await?;
    let thresholds = super::limits::in_force(db, p.company_id, &standard).await?;
    let id = Uuid::now_v7();
    let key = super::keys::source_key(p.company_id, id, kind.extension());
    storage.put_file(&key, &up.temp_path).await.map_err(|e| {
        Error::Unavailable(format!("the file store did not accept the upload ({e})"))
    })?;
    let stored = NewAnalysis {
        id,
        lineage_id: id,
        version: 1,
        previous_id: None,
        filename: &filename,
        kind,
        bytes: up.bytes as i64,
        sha256: &up.sha256,
        key: &key,
        pages,
        test,
        standard: &standard,
        thresholds: &thresholds,
        estimate,
        timezone: &p.timezone,
    };
    let result = async {
        let mut tx = db.begin().await?;
        repo::insert_analysis(&mut tx, p.company_id, p.user_id, &stored).await?;
        audit::record(
            &mut tx,
            meta,
            Entry::by(
                p,
                Action::AnalysisCreated,
                Some(id.to_string()),
                serde_json::json!({
                    "filename": filename, "test_type": test.as_str(), "bytes": up.bytes,
                    "pages": pages, "estimate": estimate,
                }),
            ),
        )
        .await?;
        queue(&mut tx, id, p.company_id).await?;
        tx.commit().await
    }
    .await;
    if let Err(e) = result {
        let _ = storage
            .delete_prefix(&super::keys::prefix(p.company_id, id))
            .await;
        return Err(e);
    }
    tracing::info!(analysis = %id, test = test.as_str(), bytes = up.bytes, pages, "analysis created");
    Ok(id)
}

async fn queue(tx: &mut Tx, id: Uuid, company_id: Uuid) -> Result<()> {
    jobs::enqueue_tx(
        tx,
        NewJob {
            kind: pipeline::KIND,
            payload: serde_json::json!({ "analysis_id": id, "company_id": company_id }),
            run_at: Utc::now(),
            max_attempts: 3,
            dedupe_key: Some(format!("analysis:{id}")),
        },
    )
    .await?;
    Ok(())
}

/// Cancels a pending or processing analysis; its hold (if any) goes back in full.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id, id = %id))]
pub async fn cancel(db: &Db, p: &Principal, meta: &RequestMeta, id: Uuid) -> Result<()> {
    p.authorize(Permission::AnalysesRun)?;
    let row = get(db, p, id).await?;
    let mut tx = db.begin().await?;
    if !repo::mark_cancelled(&mut tx, p.company_id, id, Utc::now()).await? {
        return Err(Error::Conflict(
            "This analysis has already finished; there is nothing to cancel.".into(),
        ));
    }
    audit::record(
        &mut tx,
        meta,
        Entry::by(
            p,
            Action::AnalysisCancelled,
            Some(id.to_string()),
            serde_json::json!({ "filename": row.filename }),
        ),
    )
    .await?;
    tx.commit().await?;
    // Read the hold again: the job may have taken it after `row` was read.
    let hold = repo::load_analysis(db, p.company_id, id).await?.hold_id;
    if let Some(h) = hold {
        ledger::release(db, p.company_id, h).await?;
    }
    Ok(())
}

/// Deletes an analysis (the user typed DELETE) and every stored file of it.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id, id = %id))]
pub async fn delete(
    db: &Db,
    storage: &Storage,
    p: &Principal,
    meta: &RequestMeta,
    id: Uuid,
    confirm: &str,
) -> Result<()> {
    p.authorize(Permission::AnalysesRun)?;
    if confirm.trim() != "DELETE" {
        return Err(Error::validation("confirm", "Type DELETE to confirm."));
    }
    let row = get(db, p, id).await?;
    if row.is_active() {
        return Err(Error::Conflict(
            "Cancel the analysis before deleting it.".into(),
        ));
    }
    storage
        .delete_prefix(&super::keys::prefix(p.company_id, id))
        .await
        .map_err(|e| {
            Error::Unavailable(format!("the file store could not delete the files ({e})"))
        })?;
    let mut tx = db.begin().await?;
    repo::delete_analysis(&mut tx, p.company_id, id).await?;
    audit::record(
        &mut tx,
        meta,
        Entry::by(
            p,
            Action::AnalysisDeleted,
            Some(id.to_string()),
            serde_json::json!({ "filename": row.filename, "version": row.version }),
        ),
    )
    .await?;
    tx.commit().await
}

/// A new version of a finished analysis on the same file (charged again).
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id, id = %id))]
pub async fn reanalyse(
    db: &Db,
    storage: &Storage,
    p: &Principal,
    meta: &RequestMeta,
    id: Uuid,
) -> Result<Uuid> {
    p.authorize(Permission::AnalysesRun)?;
    let row = get(db, p, id).await?;
    if row.is_active() {
        return Err(Error::Conflict(
            "This analysis is still running; wait for it to finish.".into(),
        ));
    }
    let balance = ledger::balance(db, p.company_id).await?;
    if balance < row.estimate {
        return Err(ledger::insufficient(balance, row.estimate));
    }
    let kind = Kind::parse(&row.file_kind).unwrap_or(Kind::Pdf);
    let new_id = Uuid::now_v7();
    let key = super::keys::source_key(p.company_id, new_id, kind.extension());
    let bytes = storage
        .get(&row.source_key)
        .await
        .map_err(|e| Error::Unavailable(format!("the stored file could not be read ({e})")))?;
    storage
        .put(&key, bytes.to_vec())
        .await
        .map_err(|e| Error::Unavailable(format!("the file store did not accept the copy ({e})")))?;
    let (standard, _) = repo::company_profile(db, p.company_id).await?;
    let thresholds = super::limits::in_force(db, p.company_id, &standard).await?;
    let mut tx = db.begin().await?;
    let latest = repo::latest_version(&mut tx, p.company_id, row.lineage_id).await?;
    let version = latest.unwrap_or(row.version) + 1;
    repo::insert_analysis(
        &mut tx,
        p.company_id,
        p.user_id,
        &NewAnalysis {
            id: new_id,
            lineage_id: row.lineage_id,
            version,
            previous_id: Some(row.id),
            filename: &row.filename,
            kind,
            bytes: row.file_bytes,
            sha256: "",
            key: &key,
            pages: row.pages as u32,
            test: row.test(),
            standard: &standard,
            thresholds: &thresholds,
            estimate: row.estimate,
            timezone: &p.timezone,
        },
    )
    .await?;
    repo::copy_file_hash(&mut tx, new_id, row.id).await?;
    audit::record(
        &mut tx,
        meta,
        Entry::by(
            p,
            Action::AnalysisReanalyzed,
            Some(new_id.to_string()),
            serde_json::json!({ "previous": row.id, "version": version, "filename": row.filename }),
        ),
    )
    .await?;
    queue(&mut tx, new_id, p.company_id).await?;
    tx.commit().await?;
    Ok(new_id)
}

/// A reviewer's correction: the field takes the new value, the rules run again, the verdict and
/// score follow, and the change is audited with the old and new values.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id, id = %id))]
pub async fn correct(
    db: &Db,
    p: &Principal,
    meta: &RequestMeta,
    id: Uuid,
    field: &str,
    value: &str,
) -> Result<Outcome> {
    p.authorize(Permission::AnalysesRun)?;
    let row = get(db, p, id).await?;
    if row.status != "completed" {
        return Err(Error::Conflict(
            "Only a completed analysis can be corrected.".into(),
        ));
    }
    if !CORRECTABLE.iter().any(|(f, _)| *f == field) {
        return Err(Error::validation(
            "field",
            "This field cannot be corrected.",
        ));
    }
    let mut x = row.extraction().unwrap_or_default();
    let old = x.display(field).unwrap_or_default();
    x.correct(field, value)
        .map_err(|e| Error::validation("value", e.0))?;
    let new = x.display(field).unwrap_or_default();
    if old == new {
        return Err(Error::validation("value", "That is already the value."));
    }
    let thresholds = row.thresholds();
    let outcome = rules::evaluate(row.test(), &x, &thresholds);
    let mut tx = db.begin().await?;
    if !repo::set_corrected(&mut tx, p.company_id, id, &x, &outcome).await? {
        return Err(Error::NotFound);
    }
    repo::insert_correction(
        &mut tx,
        Uuid::now_v7(),
        p.company_id,
        id,
        field,
        &old,
        &new,
        p.user_id,
        Utc::now(),
    )
    .await?;
    audit::record(
        &mut tx,
        meta,
        Entry::by(
            p,
            Action::AnalysisCorrected,
            Some(id.to_string()),
            serde_json::json!({
                "field": field, "from": old, "to": new,
                "verdict_before": row.verdict, "verdict_after": outcome.verdict.as_str(),
            }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(outcome)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Correction {
    pub field: String,
    pub old_value: String,
    pub new_value: String,
    pub user_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id, id = %id))]
pub async fn corrections(db: &Db, p: &Principal, id: Uuid) -> Result<Vec<Correction>> {
    get(db, p, id).await?;
    repo::list_corrections(db, p.company_id, id).await
}

/// History filters, as they appear in the page's URL.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filter {
    pub q: Option<String>,
    pub test_type: Option<TestType>,
    pub verdict: Option<Verdict>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// "date" (default) or "score", with `asc`.
    pub sort_score: bool,
    pub asc: bool,
}

pub const PAGE_SIZE: i64 = 20;

/// One page of the history the principal may see, and how many match in all.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id))]
pub async fn list(
    db: &Db,
    p: &Principal,
    f: &Filter,
    page: i64,
) -> Result<(Vec<AnalysisRow>, i64)> {
    p.authorize(Permission::AnalysesRead)?;
    let mine_only = !p.permissions.contains(Permission::AnalysesReadAll);
    let tz: chrono_tz::Tz = p.timezone.parse().unwrap_or(chrono_tz::UTC);
    let start_of = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(tz).earliest())
            .map(|t| t.with_timezone(&Utc))
    };
    let from = f.from.and_then(start_of);
    let to = f.to.and_then(|d| d.succ_opt()).and_then(start_of);
    let q = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let offset = (page.max(1) - 1) * PAGE_SIZE;
    repo::list_analyses(
        db,
        &ListFilter {
            company_id: p.company_id,
            created_by: mine_only.then_some(p.user_id),
            filename_contains: q,
            test_type: f.test_type.map(TestType::as_str),
            verdict: f.verdict.map(Verdict::as_str),
            from,
            to,
            by_score: f.sort_score,
            asc: f.asc,
        },
        PAGE_SIZE,
        offset,
    )
    .await
}

/// Several analyses by id for an export, skipping those the principal may not see.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id))]
pub async fn many(db: &Db, p: &Principal, ids: &[Uuid]) -> Result<Vec<AnalysisRow>> {
    p.authorize(Permission::AnalysesRead)?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids.iter().take(500) {
        match get(db, p, *id).await {
            Ok(r) => out.push(r),
            Err(Error::NotFound) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}
