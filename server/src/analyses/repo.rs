//! SQL for analyses. Written once, run on either backend.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    extract::Extracted,
    model::Extraction,
    rules::{Outcome, TestType, Thresholds},
    service::{AnalysisRow, Correction},
    upload::Kind,
};
use crate::{db::Tx, exec, exec_tx, with_db, with_tx, Db, Error, Result};

const COLUMNS: &str = "a.id, a.company_id, a.created_by, u.name AS creator_name, a.lineage_id, \
     a.version, a.previous_id, a.filename, a.file_kind, a.file_bytes, a.source_key, a.pages, a.test_type, \
     a.standard, a.thresholds, a.status, a.estimate, a.hold_id, a.tokens_charged, a.provider, a.model, a.usage, \
     a.provider_cost_micros, a.verdict, a.score, a.confidence, a.requires_review, a.extraction, \
     a.outcome, a.raw_reply, a.error, a.created_at, a.started_at, a.completed_at, a.processing_ms";

/// One analysis of the company; `Error::NotFound` when the company has none with this id.
pub async fn load_analysis(db: &Db, company_id: Uuid, id: Uuid) -> Result<AnalysisRow> {
    let sql = format!(
        "SELECT {COLUMNS} FROM analyses a LEFT JOIN users u ON u.id = a.created_by \
         WHERE a.id = $1 AND a.company_id = $2"
    );
    with_db!(db, |p| sqlx::query_as::<_, AnalysisRow>(&sql)
        .bind(id)
        .bind(company_id)
        .fetch_optional(p)
        .await)?
    .ok_or(Error::NotFound)
}

/// (id, version, created_by) of every version of a lineage, oldest first.
pub async fn lineage_versions(
    db: &Db,
    company_id: Uuid,
    lineage_id: Uuid,
) -> Result<Vec<(Uuid, i32, Option<Uuid>)>> {
    const SQL: &str = "SELECT id, version, created_by FROM analyses WHERE company_id = $1 AND lineage_id = $2 ORDER BY version";
    Ok(with_db!(db, |c| sqlx::query_as(SQL)
        .bind(company_id)
        .bind(lineage_id)
        .fetch_all(c)
        .await)?)
}

/// The company's analysis standard and date format.
pub async fn company_profile(db: &Db, company_id: Uuid) -> Result<(String, String)> {
    const SQL: &str = "SELECT analysis_standard, date_format FROM companies WHERE id = $1";
    Ok(with_db!(db, |c| sqlx::query_as(SQL)
        .bind(company_id)
        .fetch_one(c)
        .await)?)
}

/// The company's analysis standard.
pub async fn analysis_standard(db: &Db, company_id: Uuid) -> Result<String> {
    const SQL: &str = "SELECT analysis_standard FROM companies WHERE id = $1";
    Ok(with_db!(db, |c| sqlx::query_scalar(SQL)
        .bind(company_id)
        .fetch_one(c)
        .await)?)
}

/// The company's overridden limits as stored (JSON), None when it has none.
pub async fn analysis_limits(db: &Db, company_id: Uuid) -> Result<Option<String>> {
    const SQL: &str = "SELECT analysis_limits FROM companies WHERE id = $1";
    Ok(with_db!(db, |c| sqlx::query_scalar(SQL)
        .bind(company_id)
        .fetch_one(c)
        .await)?)
}

/// Stores the company's overridden limits (JSON; None keeps the standard's).
pub async fn set_analysis_limits(tx: &mut Tx, company_id: Uuid, json: Option<&str>) -> Result<()> {
    const SQL: &str = "UPDATE companies SET analysis_limits = $2 WHERE id = $1";
    exec_tx!(tx, sqlx::query(SQL).bind(company_id).bind(json))?;
    Ok(())
}

/// A new analysis row, pending.
pub struct NewAnalysis<'a> {
    pub id: Uuid,
    pub lineage_id: Uuid,
    pub version: i32,
    pub previous_id: Option<Uuid>,
    pub filename: &'a str,
    pub kind: Kind,
    pub bytes: i64,
    pub sha256: &'a str,
    pub key: &'a str,
    pub pages: u32,
    pub test: TestType,
    pub standard: &'a str,
    pub thresholds: &'a Thresholds,
    pub estimate: i64,
    /// The company's time zone: the analysis counts under its local day.
    pub timezone: &'a str,
}

/// Inserts a pending analysis of the company created by `created_by` now.
pub async fn insert_analysis(
    tx: &mut Tx,
    company_id: Uuid,
    created_by: Uuid,
    r: &NewAnalysis<'_>,
) -> Result<()> {
    const SQL: &str = "INSERT INTO analyses (id, company_id, created_by, lineage_id, version, previous_id, \
        filename, file_kind, file_bytes, file_sha256, source_key, pages, test_type, standard, status, \
        estimate, created_at, thresholds, day) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
        'pending', $15, $16, $17, $18)";
    let now = Utc::now();
    exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(r.id)
            .bind(company_id)
            .bind(created_by)
            .bind(r.lineage_id)
            .bind(r.version)
            .bind(r.previous_id)
            .bind(r.filename)
            .bind(r.kind.as_str())
            .bind(r.bytes)
            .bind(r.sha256)
            .bind(r.key)
            .bind(r.pages as i32)
            .bind(r.test.as_str())
            .bind(r.standard)
            .bind(r.estimate)
            .bind(now)
            .bind(serde_json::to_string(r.thresholds).map_err(|e| Error::Internal(e.into()))?)
            .bind(crate::dates::local_day(r.timezone, now))
    )?;
    Ok(())
}

/// The highest version of a lineage; None when it has no row.
pub async fn latest_version(
    tx: &mut Tx,
    company_id: Uuid,
    lineage_id: Uuid,
) -> Result<Option<i32>> {
    const SQL: &str = "SELECT MAX(version) FROM analyses WHERE company_id = $1 AND lineage_id = $2";
    Ok(with_tx!(tx, |c| sqlx::query_scalar(SQL)
        .bind(company_id)
        .bind(lineage_id)
        .fetch_one(c)
        .await)?)
}

/// Copies the file hash of analysis `from` onto analysis `to` (a re-analysis of the same file).
pub async fn copy_file_hash(tx: &mut Tx, to: Uuid, from: Uuid) -> Result<()> {
    const SQL: &str = "UPDATE analyses SET file_sha256 = (SELECT file_sha256 FROM analyses WHERE id = $2) WHERE id = $1";
    exec_tx!(tx, sqlx::query(SQL).bind(to).bind(from))?;
    Ok(())
}

/// Cancels a pending or processing analysis; false when it was neither.
pub async fn mark_cancelled(
    tx: &mut Tx,
    company_id: Uuid,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str = "UPDATE analyses SET status = 'cancelled', completed_at = $3, error = 'Cancelled by the user.' \
                       WHERE id = $1 AND company_id = $2 AND status IN ('pending', 'processing')";
    let n = exec_tx!(tx, sqlx::query(SQL).bind(id).bind(company_id).bind(now))?;
    Ok(n != 0)
}

pub async fn delete_analysis(tx: &mut Tx, company_id: Uuid, id: Uuid) -> Result<()> {
    const SQL: &str = "DELETE FROM analyses WHERE id = $1 AND company_id = $2";
    exec_tx!(tx, sqlx::query(SQL).bind(id).bind(company_id))?;
    Ok(())
}

/// Stores a corrected extraction and its outcome; false when the analysis is not (or no
/// longer) completed.
pub async fn set_corrected(
    tx: &mut Tx,
    company_id: Uuid,
    id: Uuid,
    extraction: &Extraction,
    outcome: &Outcome,
) -> Result<bool> {
    const SQL: &str = "UPDATE analyses SET extraction = $3, outcome = $4, verdict = $5, score = $6, \
                       confidence = $7, requires_review = $8 WHERE id = $1 AND company_id = $2 AND status = 'completed'";
    let n = exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(id)
            .bind(company_id)
            .bind(serde_json::to_string(extraction).map_err(|e| Error::Internal(e.into()))?)
            .bind(serde_json::to_string(outcome).map_err(|e| Error::Internal(e.into()))?)
            .bind(outcome.verdict.as_str())
            .bind(outcome.score)
            .bind(outcome.confidence)
            .bind(outcome.requires_review)
    )?;
    Ok(n != 0)
}

/// Logs one correction of a field (old and new values as displayed).
#[allow(clippy::too_many_arguments)]
pub async fn insert_correction(
    tx: &mut Tx,
    id: Uuid,
    company_id: Uuid,
    analysis_id: Uuid,
    field: &str,
    old_value: &str,
    new_value: &str,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "INSERT INTO analysis_corrections (id, analysis_id, company_id, field, old_value, new_value, user_id, created_at) \
                       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(id)
            .bind(analysis_id)
            .bind(company_id)
            .bind(field)
            .bind(old_value)
            .bind(new_value)
            .bind(user_id)
            .bind(now)
    )?;
    Ok(())
}

/// The corrections of an analysis, oldest first.
pub async fn list_corrections(
    db: &Db,
    company_id: Uuid,
    analysis_id: Uuid,
) -> Result<Vec<Correction>> {
    const SQL: &str =
        "SELECT c.field, c.old_value, c.new_value, u.name AS user_name, c.created_at \
                       FROM analysis_corrections c LEFT JOIN users u ON u.id = c.user_id \
                       WHERE c.analysis_id = $1 AND c.company_id = $2 ORDER BY c.created_at";
    Ok(with_db!(db, |c| sqlx::query_as::<_, Correction>(SQL)
        .bind(analysis_id)
        .bind(company_id)
        .fetch_all(c)
        .await)?)
}

/// The history's filters, resolved by the service (None means any).
pub struct ListFilter<'a> {
    pub company_id: Uuid,
    pub created_by: Option<Uuid>,
    /// Text the file name contains (matched in lower case, `%` and `_` taken literally).
    pub filename_contains: Option<&'a str>,
    pub test_type: Option<&'a str>,
    pub verdict: Option<&'a str>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// By score (else by date), ascending (else descending).
    pub by_score: bool,
    pub asc: bool,
}

/// One page of the analyses matching the filter, and how many match in all.
pub async fn list_analyses(
    db: &Db,
    f: &ListFilter<'_>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<AnalysisRow>, i64)> {
    let q = f.filename_contains.map(|s| {
        let escaped = s
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        format!("%{escaped}%")
    });
    const WHERE: &str = "WHERE a.company_id = $1 AND ($2 IS NULL OR a.created_by = $2) \
        AND ($3 IS NULL OR LOWER(a.filename) LIKE $3 ESCAPE '\\') AND ($4 IS NULL OR a.test_type = $4) \
        AND ($5 IS NULL OR a.verdict = $5) AND ($6 IS NULL OR a.created_at >= $6) \
        AND ($7 IS NULL OR a.created_at < $7)";
    let order = match (f.by_score, f.asc) {
        (true, true) => "a.score ASC NULLS LAST, a.created_at DESC",
        (true, false) => "a.score DESC NULLS LAST, a.created_at DESC",
        (false, true) => "a.created_at ASC, a.id ASC",
        (false, false) => "a.created_at DESC, a.id DESC",
    };
    let rows_sql = format!(
        "SELECT {COLUMNS} FROM analyses a LEFT JOIN users u ON u.id = a.created_by {WHERE} \
         ORDER BY {order} LIMIT $8 OFFSET $9"
    );
    let count_sql = format!("SELECT COUNT(*) FROM analyses a {WHERE}");
    let (rows, total) = with_db!(db, |pool| tokio::try_join!(
        sqlx::query_as::<_, AnalysisRow>(&rows_sql)
            .bind(f.company_id)
            .bind(f.created_by)
            .bind(q.as_deref())
            .bind(f.test_type)
            .bind(f.verdict)
            .bind(f.from)
            .bind(f.to)
            .bind(limit)
            .bind(offset)
            .fetch_all(pool),
        sqlx::query_scalar::<_, i64>(&count_sql)
            .bind(f.company_id)
            .bind(f.created_by)
            .bind(q.as_deref())
            .bind(f.test_type)
            .bind(f.verdict)
            .bind(f.from)
            .bind(f.to)
            .fetch_one(pool),
    ))?;
    Ok((rows, total))
}

// The analysis job.

/// Moves a pending analysis to processing unless the company already has `cap` processing;
/// false when it was not claimed.
pub async fn claim_analysis(
    db: &Db,
    company_id: Uuid,
    id: Uuid,
    cap: i64,
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str = "UPDATE analyses SET status = 'processing', started_at = $3 \
        WHERE id = $1 AND company_id = $2 AND status = 'pending' \
        AND (SELECT COUNT(*) FROM analyses WHERE company_id = $2 AND status = 'processing') < $4";
    let n = exec!(
        db,
        sqlx::query(SQL)
            .bind(id)
            .bind(company_id)
            .bind(now)
            .bind(cap)
    )?;
    Ok(n == 1)
}

/// Records the ledger hold of an analysis.
pub async fn set_hold(db: &Db, id: Uuid, hold_id: Uuid) -> Result<()> {
    const SET_HOLD: &str = "UPDATE analyses SET hold_id = $2 WHERE id = $1";
    exec!(db, sqlx::query(SET_HOLD).bind(id).bind(hold_id))?;
    Ok(())
}

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

/// Marks a processing analysis completed with what was extracted and its outcome; false when
/// it is no longer processing (cancelled meanwhile).
pub async fn mark_completed(
    tx: &mut Tx,
    company_id: Uuid,
    id: Uuid,
    now: DateTime<Utc>,
    processing_ms: i64,
    x: &Extracted,
    outcome: &Outcome,
) -> Result<bool> {
    const SQL: &str =
        "UPDATE analyses SET status = 'completed', completed_at = $3, processing_ms = $4, \
        provider = $5, model = $6, usage = $7, provider_cost_micros = $8, tokens_charged = $9, \
        verdict = $10, score = $11, confidence = $12, requires_review = $13, extraction = $14, \
        outcome = $15, raw_reply = $16, error = NULL \
        WHERE id = $1 AND company_id = $2 AND status = 'processing'";
    let n = exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(id)
            .bind(company_id)
            .bind(now)
            .bind(processing_ms)
            .bind(x.provider)
            .bind(&x.model)
            .bind(json(&x.usage))
            .bind(x.cost_micros)
            .bind(x.tokens)
            .bind(outcome.verdict.as_str())
            .bind(outcome.score)
            .bind(outcome.confidence)
            .bind(outcome.requires_review)
            .bind(json(&x.extraction))
            .bind(json(outcome))
            .bind(x.raw.as_deref())
    )?;
    Ok(n != 0)
}

/// Corrects the tokens an analysis records as charged (to what the ledger settled).
pub async fn set_tokens_charged(db: &Db, id: Uuid, charged: i64) -> Result<()> {
    const FIX: &str = "UPDATE analyses SET tokens_charged = $2 WHERE id = $1";
    exec!(db, sqlx::query(FIX).bind(id).bind(charged))?;
    Ok(())
}

/// Fails a pending or processing analysis with a reason (and the provider's reply, if any);
/// does nothing to one that already ended.
pub async fn mark_failed(
    db: &Db,
    company_id: Uuid,
    id: Uuid,
    reason: &str,
    raw: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str =
        "UPDATE analyses SET status = 'failed', error = $3, raw_reply = $4, completed_at = $5 \
        WHERE id = $1 AND company_id = $2 AND status IN ('pending', 'processing')";
    exec!(
        db,
        sqlx::query(SQL)
            .bind(id)
            .bind(company_id)
            .bind(reason)
            .bind(raw)
            .bind(now)
    )?;
    Ok(())
}

/// (id, company_id) of up to 500 analyses of any company still pending or processing that
/// were created before `before`, oldest first.
pub async fn unfinished_before(db: &Db, before: DateTime<Utc>) -> Result<Vec<(Uuid, Uuid)>> {
    const STUCK: &str = "SELECT id, company_id FROM analyses \
        WHERE status IN ('pending', 'processing') AND created_at < $1 ORDER BY created_at LIMIT 500";
    Ok(with_db!(db, |c| sqlx::query_as(STUCK)
        .bind(before)
        .fetch_all(c)
        .await)?)
}

/// The status of the job with this dedupe key; None when there is none.
pub async fn job_status(db: &Db, dedupe_key: &str) -> Result<Option<String>> {
    const JOB: &str = "SELECT status FROM jobs WHERE dedupe_key = $1";
    Ok(with_db!(db, |c| sqlx::query_scalar(JOB)
        .bind(dedupe_key)
        .fetch_optional(c)
        .await)?)
}
