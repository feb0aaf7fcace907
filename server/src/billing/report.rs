//! What the billing page reads: the ledger as CSV and tokens used per day (for the chart).

use chrono::{Duration, NaiveDate, Utc};

use super::{ledger, repo};
use crate::access::Principal;
use crate::{
    access::Permission,
    audit::{self, Action, Entry, RequestMeta},
    Db, Error, Result,
};

/// Tokens used on each of the last `days` local days, oldest first: holds net of what
/// settlement and release gave back.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id))]
pub async fn usage_by_day(db: &Db, p: &Principal, days: i64) -> Result<Vec<(NaiveDate, i64)>> {
    p.authorize(Permission::BillingRead)?;
    let tz: chrono_tz::Tz = p.timezone.parse().unwrap_or(chrono_tz::UTC);
    let today = Utc::now().with_timezone(&tz).date_naive();
    let first = today - Duration::days(days - 1);
    let since = Utc::now() - Duration::days(days + 1);
    let rows = repo::usage_entries_since(db, p.company_id, since).await?;
    let mut days_used: Vec<(NaiveDate, i64)> =
        (0..days).map(|i| (first + Duration::days(i), 0)).collect();
    for (at, tokens) in rows {
        let day = at.with_timezone(&tz).date_naive();
        if let Some(slot) = days_used.iter_mut().find(|(d, _)| *d == day) {
            slot.1 -= tokens;
        }
    }
    for slot in &mut days_used {
        slot.1 = slot.1.max(0);
    }
    Ok(days_used)
}

/// The whole ledger as CSV, oldest first (EXPORT_CREATED recorded).
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id))]
pub async fn ledger_csv(db: &Db, p: &Principal, meta: &RequestMeta, max: i64) -> Result<Vec<u8>> {
    p.authorize(Permission::BillingRead)?;
    let (mut rows, total) = ledger::entries(db, p.company_id, max, 0).await?;
    rows.reverse();
    let tz: chrono_tz::Tz = p.timezone.parse().unwrap_or(chrono_tz::UTC);
    let csv_err = |e: csv::Error| Error::Internal(e.into());
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "time",
        "kind",
        "tokens",
        "balance_after",
        "reference",
        "note",
    ])
    .map_err(csv_err)?;
    for r in &rows {
        out.write_record([
            r.created_at.with_timezone(&tz).to_rfc3339(),
            r.kind.clone(),
            r.tokens.to_string(),
            r.balance_after.to_string(),
            audit::cell(r.reference.clone()),
            audit::cell(r.note.clone().unwrap_or_default()),
        ])
        .map_err(csv_err)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| Error::Internal(anyhow::anyhow!("csv: {e}")))?;
    audit::record_alone(
        db,
        meta,
        Entry::by(
            p,
            Action::ExportCreated,
            Some("token_ledger".into()),
            serde_json::json!({ "rows": rows.len(), "total": total }),
        ),
    )
    .await?;
    Ok(bytes)
}
