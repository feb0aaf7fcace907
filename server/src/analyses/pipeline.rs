//! The analysis job: PENDING → PROCESSING → COMPLETED | FAILED (or CANCELLED by the user).
//!
//! 1. claim the analysis (at most ANALYSIS_CONCURRENCY_PER_COMPANY processing at once; the job
//!    waits otherwise);
//! 2. fetch the file, read the text layer and render the pages (PDF) or take the image;
//! 3. hold the estimate on the ledger (refused → FAILED, nothing charged);
//! 4. run the extractor, apply the rules of the analysis's standard;
//! 5. mark COMPLETED (only if still processing: a cancel wins), then settle the hold with the
//!    real usage.
//!
//! Every step can run again after a crash (the job's lease expires and it is claimed again):
//! rendered pages are kept, the hold is found by its reference, a completed analysis with an
//! open hold is settled with the amount it recorded, so nothing is ever charged twice.

use std::time::Instant;

use async_trait::async_trait;
use chrono::Utc;
use uuid::Uuid;

use super::{
    config::AnalysesConfig,
    extract::{ExtractError, Extracted, Extractor, Input, Local},
    flir,
    local::DateOrder,
    ocr, pdf,
    providers::{self, Claude, OpenAi},
    repo, rules,
    service::AnalysisRow,
    upload::Kind,
};
use crate::{
    ai::{
        keys::{self as ai_keys, Choice},
        AiConfig,
    },
    billing::ledger,
    jobs::{Defer, Job, JobContext},
    storage::Storage,
    Db, Error,
};

pub const KIND: &str = "analysis.run";

/// Longest side of a rendered page, pixels.
pub const PAGE_SIDE: u32 = 1600;

pub struct RunAnalysis;

#[async_trait]
impl Job for RunAnalysis {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn max_attempts(&self) -> i32 {
        3
    }

    fn lease(&self) -> std::time::Duration {
        // Long enough for the provider's timeout × attempts plus rendering.
        std::time::Duration::from_secs(900)
    }

    async fn run(&self, ctx: &JobContext, payload: serde_json::Value) -> anyhow::Result<()> {
        let id: Uuid = serde_json::from_value(payload["analysis_id"].clone())?;
        let company: Uuid = serde_json::from_value(payload["company_id"].clone())?;
        run(ctx, company, id).await
    }
}

/// Runs (or resumes) one analysis.
#[tracing::instrument(skip_all, fields(company_id = %company, id = %id))]
pub async fn run(ctx: &JobContext, company: Uuid, id: Uuid) -> anyhow::Result<()> {
    let db = &ctx.db;
    let row = match repo::load_analysis(db, company, id).await {
        Ok(r) => r,
        Err(Error::NotFound) => return Ok(()), // deleted meanwhile
        Err(e) => return Err(e.into()),
    };
    let mut row = row;
    match row.status.as_str() {
        "completed" => return settle_leftover(db, &row).await,
        "failed" | "cancelled" => return release_leftover(db, &row).await,
        "pending" => {
            let now = Utc::now();
            if !claim(
                db,
                &row,
                ctx.config
                    .section::<AnalysesConfig>()
                    .concurrency_per_company,
                now,
            )
            .await?
            {
                return Err(Defer(std::time::Duration::from_secs(3)).into());
            }
            row.started_at = Some(now);
        }
        _ => tracing::info!(analysis = %id, "resuming an analysis left processing"),
    }
    let started = Instant::now();
    match work(ctx, &row).await {
        Ok(()) => {}
        Err(Failure::Retry(e)) => return Err(e),
        Err(Failure::Fail { reason, raw }) => {
            fail(db, &row, &reason, raw.as_deref()).await?;
            tracing::warn!(analysis = %id, %reason, "analysis failed");
        }
    }
    tracing::info!(analysis = %id, ms = started.elapsed().as_millis() as u64, "analysis job done");
    Ok(())
}

enum Failure {
    /// Infrastructure trouble: the job is retried.
    Retry(anyhow::Error),
    /// The analysis fails with a reason the user reads.
    Fail { reason: String, raw: Option<String> },
}

impl Failure {
    fn user(reason: impl Into<String>) -> Failure {
        Failure::Fail {
            reason: reason.into(),
            raw: None,
        }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Retry(e.into())
    }
}

async fn claim(
    db: &Db,
    row: &AnalysisRow,
    cap: i64,
    now: chrono::DateTime<Utc>,
) -> anyhow::Result<bool> {
    Ok(repo::claim_analysis(db, row.company_id, row.id, cap, now).await?)
}

async fn still_processing(db: &Db, row: &AnalysisRow) -> Result<bool, Failure> {
    Ok(repo::load_analysis(db, row.company_id, row.id)
        .await?
        .status
        == "processing")
}

/// A prepared file: its bytes, text per page (OCR'd where a PDF page has no text layer),
/// which pages were OCR'd, and a PNG per page.
struct Prepared {
    source: Vec<u8>,
    text: Vec<String>,
    scanned: Vec<bool>,
    images: Vec<Vec<u8>>,
}

/// The file's pages: text per page and a PNG per page, rendered once and kept in the store.
async fn prepare(ctx: &JobContext, row: &AnalysisRow) -> Result<Prepared, Failure> {
    let storage = ctx.resource::<Storage>()?;
    let source = storage.get(&row.source_key).await.map_err(|e| {
        Failure::user(format!(
            "The uploaded file could not be read from storage ({e})."
        ))
    })?;
    let kind = Kind::parse(&row.file_kind).unwrap_or(Kind::Pdf);
    if kind != Kind::Pdf {
        let key = super::keys::page_key(row.company_id, row.id, 1);
        let png = match storage.get(&key).await {
            Ok(b) => b.to_vec(),
            Err(_) => {
                let bytes = source.to_vec();
                let png =
                    tokio::task::spawn_blocking(move || super::images::page_png(&bytes, PAGE_SIDE))
                        .await
                        .map_err(|e| Failure::Retry(e.into()))?
                        .map_err(Failure::user)?;
                storage
                    .put(&key, png.clone())
                    .await
                    .map_err(Failure::Retry)?;
                png
            }
        };
        return Ok(Prepared {
            source: source.to_vec(),
            text: vec![String::new()],
            scanned: vec![false],
            images: vec![png],
        });
    }
    let tmp = tempfile::Builder::new()
        .prefix("analysis-")
        .suffix(".pdf")
        .tempfile()
        .map_err(|e| Failure::Retry(e.into()))?;
    tokio::fs::write(tmp.path(), &source)
        .await
        .map_err(|e| Failure::Retry(e.into()))?;
    let limits = pdf::Limits::default();
    let pages = row.pages.max(1) as u32;
    let mut text = pdf::text(tmp.path(), pages, &limits)
        .await
        .map_err(|e| Failure::user(e.to_string()))?;
    let mut images = Vec::with_capacity(pages as usize);
    for n in 1..=pages {
        let key = super::keys::page_key(row.company_id, row.id, n);
        let png = match storage.get(&key).await {
            Ok(b) => b.to_vec(),
            Err(_) => {
                let png = pdf::render(tmp.path(), n, PAGE_SIDE, &limits)
                    .await
                    .map_err(|e| Failure::user(e.to_string()))?;
                storage
                    .put(&key, png.clone())
                    .await
                    .map_err(Failure::Retry)?;
                png
            }
        };
        images.push(png);
    }
    let scanned = ocr::read_missing(&mut text, &images, &limits).await;
    Ok(Prepared {
        source: source.to_vec(),
        text,
        scanned,
        images,
    })
}

/// The company's AI key, else the platform's (Claude first), else the local reader.
async fn extractor(ctx: &JobContext, company: Uuid) -> Result<Box<dyn Extractor>, Failure> {
    let ai = ctx.config.section::<AiConfig>();
    let retry = ai.retry();
    let choice = ai_keys::choose(&ctx.db, &ctx.config.app_secret_key, ai, company)
        .await
        .map_err(|e| match e {
            Error::Internal(_) => Failure::user(
                "The company's AI key could not be read (was APP_SECRET_KEY changed?). Save it again in Settings → Integrations.",
            ),
            e => Failure::from(e),
        })?;
    Ok(match choice {
        Choice::Anthropic(a) => Box::new(Claude {
            http: reqwest::Client::new(),
            api_key: a.api_key,
            base_url: a.base_url.to_string(),
            model: a.model,
            retry,
        }),
        Choice::OpenAi(o) => Box::new(OpenAi {
            http: reqwest::Client::new(),
            api_key: o.api_key,
            base_url: o.base_url.to_string(),
            model: o.model,
            retry,
        }),
        Choice::Local => Box::new(Local {
            cost: ctx.config.section::<AnalysesConfig>().local_cost,
        }),
    })
}

async fn work(ctx: &JobContext, row: &AnalysisRow) -> Result<(), Failure> {
    let db = &ctx.db;
    let Prepared {
        source,
        text,
        scanned,
        images,
    } = prepare(ctx, row).await?;
    if !still_processing(db, row).await? {
        return Ok(());
    }
    let reference = format!("analysis:{}", row.id);
    let hold = match ledger::hold(db, row.company_id, row.estimate, &reference).await {
        Ok(h) => h,
        Err(e @ Error::InsufficientTokens { .. }) => return Err(Failure::user(e.to_string())),
        Err(e) => return Err(e.into()),
    };
    repo::set_hold(db, row.id, hold.id).await?;
    if hold.status == "released" || !still_processing(db, row).await? {
        // Cancelled while holding: give it back.
        let _ = ledger::release(db, row.company_id, hold.id).await;
        return Ok(());
    }
    let (_, date_format) = repo::company_profile(db, row.company_id).await?;
    let order = DateOrder::from_setting(&date_format);
    let kind = Kind::parse(&row.file_kind).unwrap_or(Kind::Pdf);
    let input = Input {
        test: row.test(),
        kind,
        pages_text: &text,
        scanned: &scanned,
        page_images: &images,
        source: &source,
        order,
    };
    // A failure here fails the analysis (which releases the hold) or retries with the same hold.
    let ex = extractor(ctx, row.company_id).await?;
    let mut extracted = match ex.extract(&input).await {
        Ok(x) => x,
        Err(ExtractError::Provider { reason, .. }) => {
            return Err(Failure::Fail {
                reason: format!("The AI provider did not answer: {reason}"),
                raw: None,
            })
        }
        Err(ExtractError::Malformed { reason, raw, .. }) => {
            return Err(Failure::Fail {
                reason: format!("The AI provider's answer could not be used: {reason}"),
                raw: Some(raw),
            })
        }
    };
    // A FLIR radiometric photo: measured temperatures beat anything read from pixels or text.
    if kind == Kind::Jpeg {
        let bytes = source.clone();
        if let Ok(Some(t)) = tokio::task::spawn_blocking(move || flir::read(&bytes)).await {
            providers::merge(&mut extracted.extraction, t.to_extraction());
        }
    }
    complete(db, row, hold.id, extracted).await
}

async fn complete(db: &Db, row: &AnalysisRow, hold_id: Uuid, x: Extracted) -> Result<(), Failure> {
    let outcome = rules::evaluate(row.test(), &x.extraction, &row.thresholds());
    let now = Utc::now();
    let ms = row
        .started_at
        .map(|s| (now - s).num_milliseconds())
        .unwrap_or(0);
    let mut tx = db.begin().await?;
    let done = repo::mark_completed(&mut tx, row.company_id, row.id, now, ms, &x, &outcome).await?;
    if done {
        let data = serde_json::json!({
            "id": row.id, "filename": row.filename, "test_type": row.test_type,
            "verdict": outcome.verdict.as_str(), "score": outcome.score,
            "requires_review": outcome.requires_review, "tokens": x.tokens, "completed_at": now,
        });
        crate::api::webhooks::emit(&mut tx, row.company_id, "analysis.completed", data).await?;
    }
    tx.commit().await?;
    if !done {
        // Cancelled meanwhile: the cancel gives the hold back.
        let _ = ledger::release(db, row.company_id, hold_id).await;
        return Ok(());
    }
    let charged = ledger::settle(db, row.company_id, hold_id, x.tokens).await?;
    if charged != x.tokens {
        repo::set_tokens_charged(db, row.id, charged).await?;
    }
    tracing::info!(
        analysis = %row.id, verdict = outcome.verdict.as_str(), score = outcome.score,
        tokens = charged, provider = x.provider, "analysis completed"
    );
    Ok(())
}

async fn fail(db: &Db, row: &AnalysisRow, reason: &str, raw: Option<&str>) -> anyhow::Result<()> {
    let reason: String = reason.chars().take(1000).collect();
    repo::mark_failed(db, row.company_id, row.id, &reason, raw, Utc::now()).await?;
    let fresh = repo::load_analysis(db, row.company_id, row.id).await?;
    release_leftover(db, &fresh).await
}

/// A completed analysis whose hold is still open (the process stopped between the two): settle
/// it with the tokens the analysis recorded.
async fn settle_leftover(db: &Db, row: &AnalysisRow) -> anyhow::Result<()> {
    if let Some(h) = row.hold_id {
        match ledger::settle(db, row.company_id, h, row.tokens_charged).await {
            Ok(_) | Err(Error::Conflict(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// A failed or cancelled analysis gives its hold back (idempotent).
async fn release_leftover(db: &Db, row: &AnalysisRow) -> anyhow::Result<()> {
    if let Some(h) = row.hold_id {
        match ledger::release(db, row.company_id, h).await {
            Ok(()) | Err(Error::Conflict(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

pub const SWEEP_KIND: &str = "analyses.sweep";

/// Every 10 minutes: an analysis still pending or processing whose job is dead (its attempts
/// used up) or gone fails with a reason and gives its hold back, so nothing stays held forever.
pub struct Sweep;

#[async_trait]
impl Job for Sweep {
    fn kind(&self) -> &'static str {
        SWEEP_KIND
    }

    fn every(&self) -> Option<std::time::Duration> {
        Some(std::time::Duration::from_secs(600))
    }

    async fn run(&self, ctx: &JobContext, _payload: serde_json::Value) -> anyhow::Result<()> {
        let n = sweep(&ctx.db, chrono::Duration::minutes(10)).await?;
        if n > 0 {
            tracing::warn!(
                analyses = n,
                "stopped analyses failed and their holds released"
            );
        }
        Ok(())
    }
}

/// Fails analyses older than `age` that no live job will finish; answers how many.
#[tracing::instrument(skip_all)]
pub async fn sweep(db: &Db, age: chrono::Duration) -> anyhow::Result<usize> {
    let rows = repo::unfinished_before(db, Utc::now() - age).await?;
    let mut failed = 0;
    for (id, company) in rows {
        let status = repo::job_status(db, &format!("analysis:{id}")).await?;
        if matches!(status.as_deref(), Some("queued") | Some("running")) {
            continue;
        }
        let row = match repo::load_analysis(db, company, id).await {
            Ok(r) => r,
            Err(Error::NotFound) => continue,
            Err(e) => return Err(e.into()),
        };
        fail(
            db,
            &row,
            "The analysis stopped after repeated errors on our side. Nothing was charged; please run it again.",
            None,
        )
        .await?;
        failed += 1;
    }
    Ok(failed)
}
