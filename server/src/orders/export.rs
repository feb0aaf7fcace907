//! Exports of the inbox's current filter as CSV or XLSX (orders.read, the member's stores
//! only), EXPORTS_PER_HOUR per member (the `orders.export` limit), audited as EXPORT_CREATED.
//! Rows are read from the database as a stream and written as they come — CSV straight into
//! the response, XLSX through rust_xlsxwriter's constant-memory worksheet into a temporary
//! file that is then streamed — so memory stays flat for 100,000 orders.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use chrono_tz::Tz;
use tokio::sync::mpsc;

use super::{
    model,
    repo::{self, ExportRow},
    service::{self, Query},
};
use crate::{
    access::{Permission, Principal},
    audit::{self, Action, Entry, RequestMeta},
    Db, Error, Result,
};

/// Rate-limit scope: exports per member per hour (registered by the composition root).
pub const EXPORTS_PER_USER: &str = "orders.export";
/// The most orders one export holds.
pub const MAX_ROWS: i64 = 1_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    pub fn parse(s: &str) -> Result<Format> {
        match s {
            "csv" => Ok(Format::Csv),
            "xlsx" => Ok(Format::Xlsx),
            _ => Err(Error::validation("format", "Choose CSV or XLSX.")),
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

const HEADER: [&str; 15] = [
    "Order",
    "Store",
    "Placed",
    "Status",
    "Customer",
    "Email",
    "Phone",
    "Total",
    "Currency",
    "Payment",
    "Fulfilment",
    "Checks",
    "City",
    "County",
    "Postcode",
];

/// One exported row as text cells (Total stays a number in XLSX).
fn cells(r: &ExportRow, tz: Tz) -> ([String; 15], f64) {
    let address: Option<model::Address> = r
        .shipping_address
        .as_deref()
        .and_then(|j| serde_json::from_str(j).ok());
    let a = address.unwrap_or_default();
    let digits = crate::money::minor_digits(&r.currency);
    let total = r.total_minor as f64 / 10f64.powi(digits as i32);
    let flags: Vec<&str> = r
        .flags
        .split_whitespace()
        .map(|f| {
            model::FLAGS
                .iter()
                .find(|(k, _)| *k == f)
                .map_or(f, |(_, l)| l)
        })
        .collect();
    (
        [
            r.number.clone(),
            r.store_name.clone(),
            r.placed_at
                .with_timezone(&tz)
                .format("%Y-%m-%d %H:%M")
                .to_string(),
            model::status_label(&r.status).to_string(),
            r.customer_name.clone(),
            r.email.clone().unwrap_or_default(),
            r.phone.clone().unwrap_or_default(),
            format!("{total:.*}", digits as usize),
            r.currency.clone(),
            r.financial_status.clone().unwrap_or_default(),
            r.fulfillment_status
                .clone()
                .unwrap_or_else(|| "unfulfilled".into()),
            flags.join("; "),
            a.city,
            a.county,
            a.postcode,
        ],
        total,
    )
}

/// A CSV cell a spreadsheet would run as a formula (=, +, -, @, tab, CR first) is prefixed
/// with an apostrophe; plain numbers such as +40712345678 or -5.00 are left alone.
pub fn csv_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let number = cell.strip_prefix(['+', '-']).is_some_and(|rest| {
        !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit() || b == b'.')
    });
    if risky && !number {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// Starts an export: checks the permission and the filter, records the audit entry, and
/// answers the receiving end of the rows (streamed by a task that reads the database).
pub async fn start(
    db: &Db,
    p: &Principal,
    meta: &RequestMeta,
    q: &Query,
    format: Format,
) -> Result<mpsc::Receiver<Result<ExportRow>>> {
    p.authorize(Permission::OrdersRead)?;
    let filter = service::filter(p, q)?;
    let mut tx = db.begin().await?;
    audit::record(
        &mut tx,
        meta,
        Entry::by(
            p,
            Action::ExportCreated,
            Some("orders".into()),
            serde_json::json!({ "what": "orders", "format": format.extension(),
                "store": q.store, "status": q.status, "q": q.q, "flag": q.flag,
                "from": q.from, "to": q.to }),
        ),
    )
    .await?;
    tx.commit().await?;
    let (out, rows) = mpsc::channel(256);
    let db = db.clone();
    tokio::spawn(async move {
        if let Err(e) = repo::export_rows(&db, &filter, MAX_ROWS, &out).await {
            tracing::error!(error = ?e, "orders export failed");
            let _ = out.send(Err(e)).await;
        }
    });
    Ok(rows)
}

/// The CSV body: the header, then a chunk per 500 rows.
pub fn csv_chunks(
    mut rows: mpsc::Receiver<Result<ExportRow>>,
    tz: Tz,
) -> mpsc::Receiver<std::io::Result<Bytes>> {
    let (out, body) = mpsc::channel(8);
    tokio::spawn(async move {
        // Each chunk is its own writer's output: the header first, then 500 rows at a time.
        let chunk = |records: &[Vec<String>]| -> Bytes {
            let mut w = csv::Writer::from_writer(Vec::with_capacity(64 * 1024));
            for r in records {
                let _ = w.write_record(r);
            }
            Bytes::from(w.into_inner().unwrap_or_default())
        };
        let mut batch: Vec<Vec<String>> = vec![HEADER.iter().map(|h| h.to_string()).collect()];
        while let Some(row) = rows.recv().await {
            let row = match row {
                Ok(row) => row,
                Err(e) => {
                    let _ = out.send(Err(std::io::Error::other(e.to_string()))).await;
                    return;
                }
            };
            let (cells, _) = cells(&row, tz);
            batch.push(cells.iter().map(|c| csv_safe(c).into_owned()).collect());
            if batch.len() >= 500 {
                if out.send(Ok(chunk(&batch))).await.is_err() {
                    return;
                }
                batch.clear();
            }
        }
        let _ = out.send(Ok(chunk(&batch))).await;
    });
    body
}

/// Writes the XLSX to a temporary file under `tmp` (constant-memory worksheet, one row at a
/// time, blocking work off the async runtime); answers its path.
pub async fn xlsx_file(
    rows: mpsc::Receiver<Result<ExportRow>>,
    tz: Tz,
    tmp: &Path,
) -> Result<PathBuf> {
    std::fs::create_dir_all(tmp).map_err(|e| Error::Internal(e.into()))?;
    let path = tmp.join(format!("orders-{}.xlsx", uuid::Uuid::new_v4()));
    let (dir, target) = (tmp.to_path_buf(), path.clone());
    tokio::task::spawn_blocking(move || write_xlsx(rows, tz, &dir, &target))
        .await
        .map_err(|e| Error::Internal(e.into()))??;
    Ok(path)
}

fn write_xlsx(
    mut rows: mpsc::Receiver<Result<ExportRow>>,
    tz: Tz,
    dir: &Path,
    target: &Path,
) -> Result<()> {
    use rust_xlsxwriter::{Format as Cell, Workbook};
    let bad = |e: rust_xlsxwriter::XlsxError| Error::Internal(anyhow::anyhow!("xlsx: {e}"));
    let mut book = Workbook::new();
    book.set_tempdir(dir).map_err(bad)?;
    let sheet = book.add_worksheet_with_constant_memory().map_err(bad)?;
    sheet.set_name("Orders").map_err(bad)?;
    let bold = Cell::new().set_bold();
    for (c, h) in HEADER.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, *h, &bold)
            .map_err(bad)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(bad)?;
    let mut r = 1u32;
    while let Some(row) = rows.blocking_recv() {
        let row = row?;
        let (cells, total) = cells(&row, tz);
        for (c, v) in cells.iter().enumerate() {
            if c == 7 {
                sheet.write_number(r, c as u16, total).map_err(bad)?;
            } else if !v.is_empty() {
                sheet.write_string(r, c as u16, v).map_err(bad)?;
            }
        }
        r += 1;
    }
    book.save(target).map_err(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_and_numbers_left_alone() {
        assert_eq!(csv_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_safe("+1+cmd|' /C calc'!A0"), "'+1+cmd|' /C calc'!A0");
        assert_eq!(csv_safe("-"), "'-");
        assert_eq!(csv_safe("+40712345678"), "+40712345678");
        assert_eq!(csv_safe("-5.00"), "-5.00");
        assert_eq!(csv_safe("Ana Pop"), "Ana Pop");
    }
}
