//! What an analysis looks like outside the detail page: the changes between two versions, and
//! exports as JSON and CSV (one analysis, or a selection from the history).

use serde::Serialize;

use super::{
    model::{Extraction, CORRECTABLE},
    service::AnalysisRow,
};
use crate::audit::cell;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldChange {
    pub field: String,
    pub before: String,
    pub after: String,
}

/// What changed from one version to the next.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Diff {
    pub verdict: Option<(String, String)>,
    pub score: Option<(i32, i32)>,
    pub fields: Vec<FieldChange>,
    /// "GND-001 Ground resistance above the limit".
    pub findings_added: Vec<String>,
    pub findings_removed: Vec<String>,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        *self == Diff::default()
    }
}

fn findings(row: &AnalysisRow) -> Vec<String> {
    row.outcome()
        .map(|o| {
            o.findings
                .into_iter()
                .map(|f| format!("{} {}", f.code, f.title))
                .collect()
        })
        .unwrap_or_default()
}

pub fn diff(before: &AnalysisRow, after: &AnalysisRow) -> Diff {
    let (xb, xa) = (
        before.extraction().unwrap_or_default(),
        after.extraction().unwrap_or_default(),
    );
    let fields = CORRECTABLE
        .iter()
        .filter_map(|(path, label)| {
            let (b, a) = (xb.display(path)?, xa.display(path)?);
            (b != a).then(|| FieldChange {
                field: label.to_string(),
                before: if b.is_empty() { "—".into() } else { b },
                after: if a.is_empty() { "—".into() } else { a },
            })
        })
        .collect();
    let (fb, fa) = (findings(before), findings(after));
    Diff {
        verdict: (before.verdict != after.verdict).then(|| {
            (
                before.verdict.clone().unwrap_or_else(|| "—".into()),
                after.verdict.clone().unwrap_or_else(|| "—".into()),
            )
        }),
        score: match (before.score, after.score) {
            (Some(b), Some(a)) if a != b => Some((b, a)),
            _ => None,
        },
        fields,
        findings_added: fa.iter().filter(|f| !fb.contains(f)).cloned().collect(),
        findings_removed: fb.iter().filter(|f| !fa.contains(f)).cloned().collect(),
    }
}

/// One analysis as a JSON document (also the element of a multi-export).
pub fn to_json(row: &AnalysisRow) -> serde_json::Value {
    serde_json::json!({
        "id": row.id,
        "version": row.version,
        "filename": row.filename,
        "test_type": row.test_type,
        "standard": row.standard,
        "status": row.status.to_uppercase(),
        "verdict": row.verdict,
        "score": row.score,
        "confidence": row.confidence,
        "requires_review": row.requires_review,
        "tokens_charged": row.tokens_charged,
        "provider": row.provider,
        "model": row.model,
        "provider_cost_usd": row.provider_cost_micros.map(|m| m as f64 / 1e6),
        "processing_ms": row.processing_ms,
        "created_by": row.creator_name,
        "created_at": row.created_at,
        "completed_at": row.completed_at,
        "error": row.error,
        "outcome": row.outcome(),
        "extraction": row.extraction(),
    })
}

fn csv_bytes(records: Vec<Vec<String>>) -> crate::Result<Vec<u8>> {
    let mut out = csv::Writer::from_writer(Vec::new());
    for r in records {
        out.write_record(r.into_iter().map(cell))
            .map_err(|e| crate::Error::Internal(e.into()))?;
    }
    out.into_inner()
        .map_err(|e| crate::Error::Internal(anyhow::anyhow!("csv: {e}")))
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

/// Every extracted field as (path, value, unit, confidence, source, page).
pub fn field_rows(x: &Extraction) -> Vec<[String; 6]> {
    let v = serde_json::to_value(x).unwrap_or_default();
    let mut out = Vec::new();
    fn walk(prefix: &str, v: &serde_json::Value, out: &mut Vec<[String; 6]>) {
        let Some(obj) = v.as_object() else { return };
        if obj.contains_key("confidence") {
            let Some(value) = obj.get("value").filter(|v| !v.is_null()) else {
                return;
            };
            let s = |k: &str| {
                obj.get(k)
                    .map(|v| match v {
                        serde_json::Value::String(s) => s.clone(),
                        serde_json::Value::Null => String::new(),
                        v => v.to_string(),
                    })
                    .unwrap_or_default()
            };
            let value = match value {
                serde_json::Value::String(s) => s.clone(),
                v => v.to_string(),
            };
            out.push([
                prefix.to_string(),
                value,
                s("unit"),
                s("confidence"),
                s("source"),
                s("page"),
            ]);
            return;
        }
        for (k, child) in obj {
            let p = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            walk(&p, child, out);
        }
    }
    walk("", &v, &mut out);
    if let Some(list) = v.get("tags_seen").and_then(|t| t.as_array()) {
        for (i, t) in list.iter().enumerate() {
            walk(&format!("tags_seen.{}", i + 1), t, &mut out);
        }
    }
    out
}

/// One analysis as CSV: a summary line, the findings, then every extracted field.
pub fn one_csv(row: &AnalysisRow) -> crate::Result<Vec<u8>> {
    let mut r: Vec<Vec<String>> = vec![vec![
        "section".into(),
        "item".into(),
        "value".into(),
        "unit_or_severity".into(),
        "confidence".into(),
        "source".into(),
        "page".into(),
        "details".into(),
    ]];
    r.push(vec![
        "summary".into(),
        row.filename.clone(),
        opt(&row.verdict),
        row.test_type.clone(),
        opt(&row.confidence.map(|c| format!("{c:.2}"))),
        opt(&row.provider),
        row.pages.to_string(),
        format!(
            "score {}; tokens {}; status {}",
            opt(&row.score),
            row.tokens_charged,
            row.status.to_uppercase()
        ),
    ]);
    if let Some(o) = row.outcome() {
        for f in o.findings {
            r.push(vec![
                "finding".into(),
                f.code,
                f.title,
                f.severity.as_str().into(),
                String::new(),
                String::new(),
                opt(&f.page),
                format!("{} Corrective action: {}", f.evidence, f.corrective_action),
            ]);
        }
    }
    if let Some(x) = row.extraction() {
        for [path, value, unit, conf, source, page] in field_rows(&x) {
            r.push(vec![
                "field".into(),
                path,
                value,
                unit,
                conf,
                source,
                page,
                String::new(),
            ]);
        }
    }
    csv_bytes(r)
}

/// Several analyses as CSV, one line each.
pub fn many_csv(rows: &[AnalysisRow]) -> crate::Result<Vec<u8>> {
    let mut r: Vec<Vec<String>> = vec![[
        "id",
        "version",
        "filename",
        "test_type",
        "status",
        "verdict",
        "score",
        "confidence",
        "requires_review",
        "findings",
        "tokens_charged",
        "created_by",
        "created_at",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()];
    for row in rows {
        let codes: Vec<String> = row
            .outcome()
            .map(|o| o.findings.into_iter().map(|f| f.code).collect())
            .unwrap_or_default();
        r.push(vec![
            row.id.to_string(),
            row.version.to_string(),
            row.filename.clone(),
            row.test_type.clone(),
            row.status.to_uppercase(),
            opt(&row.verdict),
            opt(&row.score),
            opt(&row.confidence.map(|c| format!("{c:.2}"))),
            row.requires_review.to_string(),
            codes.join(" "),
            row.tokens_charged.to_string(),
            opt(&row.creator_name),
            row.created_at.to_rfc3339(),
        ]);
    }
    csv_bytes(r)
}
