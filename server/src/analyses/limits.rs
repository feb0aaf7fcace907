//! A company's own analysis limits (Settings → Company): any threshold of its standard can be
//! overridden; an empty field keeps the standard's value. The limits in force are copied onto
//! each analysis when it is created, so a later change never alters a finished verdict, and a
//! correction re-runs the rules with the same limits.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{repo, rules::Thresholds};
use crate::access::Principal;
use crate::{
    access::Permission,
    audit::{self, Action, Entry, RequestMeta},
    Db, Error, Result,
};

/// (key, label, smallest, largest) of every limit a company may set.
pub const LIMITS: &[(&str, &str, f64, f64)] = &[
    (
        "ground_max_ohm",
        "Highest earth resistance, Ω (GND-001)",
        0.01,
        100.0,
    ),
    (
        "insulation_min_mohm",
        "Lowest insulation resistance, MΩ (MEG-002)",
        0.1,
        1_000_000.0,
    ),
    (
        "absorption_min",
        "Lowest absorption index (MEG-003)",
        1.0,
        10.0,
    ),
    (
        "delta_t_critical",
        "ΔT critical above, °C (THM-001)",
        1.0,
        200.0,
    ),
    (
        "delta_t_minor",
        "ΔT worth a comment above, °C (THM-002)",
        0.1,
        200.0,
    ),
    (
        "ambient_reflected_max",
        "Largest ambient/reflected gap, °C (TEMP-001)",
        0.1,
        50.0,
    ),
    (
        "display_tolerance_pct",
        "Largest display/report gap, % (VALOR-001)",
        0.1,
        100.0,
    ),
];

/// Overridden limits by key.
pub type Overrides = BTreeMap<String, f64>;

impl Thresholds {
    pub fn get(&self, key: &str) -> Option<f64> {
        Some(match key {
            "ground_max_ohm" => self.ground_max_ohm,
            "insulation_min_mohm" => self.insulation_min_mohm,
            "absorption_min" => self.absorption_min,
            "delta_t_critical" => self.delta_t_critical,
            "delta_t_minor" => self.delta_t_minor,
            "ambient_reflected_max" => self.ambient_reflected_max,
            "display_tolerance_pct" => self.display_tolerance_pct,
            _ => return None,
        })
    }

    fn set(&mut self, key: &str, v: f64) {
        match key {
            "ground_max_ohm" => self.ground_max_ohm = v,
            "insulation_min_mohm" => self.insulation_min_mohm = v,
            "absorption_min" => self.absorption_min = v,
            "delta_t_critical" => self.delta_t_critical = v,
            "delta_t_minor" => self.delta_t_minor = v,
            "ambient_reflected_max" => self.ambient_reflected_max = v,
            "display_tolerance_pct" => self.display_tolerance_pct = v,
            _ => {}
        }
    }

    /// The standard's limits with the company's overrides; the name says they were adjusted.
    pub fn with(mut self, o: &Overrides) -> Thresholds {
        let mut changed = false;
        for (k, v) in o {
            if self.get(k).is_some_and(|old| old != *v) {
                self.set(k, *v);
                changed = true;
            }
        }
        if changed {
            self.standard = format!("{} (company limits)", self.standard);
        }
        self
    }
}

/// The company's overrides.
#[tracing::instrument(skip_all, fields(company_id = %company_id))]
pub async fn overrides(db: &Db, company_id: Uuid) -> Result<Overrides> {
    let raw = repo::analysis_limits(db, company_id).await?;
    Ok(raw
        .and_then(|r| serde_json::from_str(&r).ok())
        .unwrap_or_default())
}

/// The limits an analysis of the company created now runs with.
#[tracing::instrument(skip_all, fields(company_id = %company_id))]
pub async fn in_force(db: &Db, company_id: Uuid, standard: &str) -> Result<Thresholds> {
    Ok(Thresholds::for_standard(standard).with(&overrides(db, company_id).await?))
}

/// One row of the settings form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LimitRow {
    pub key: String,
    pub label: String,
    /// The standard's value.
    pub standard: f64,
    pub custom: Option<f64>,
}

#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id))]
pub async fn rows(db: &Db, p: &Principal) -> Result<(String, Vec<LimitRow>)> {
    p.authorize(Permission::SettingsManage)?;
    let standard = repo::analysis_standard(db, p.company_id).await?;
    let base = Thresholds::for_standard(&standard);
    let o = overrides(db, p.company_id).await?;
    let rows = LIMITS
        .iter()
        .map(|(k, label, _, _)| LimitRow {
            key: k.to_string(),
            label: label.to_string(),
            standard: base.get(k).unwrap_or_default(),
            custom: o.get(*k).copied(),
        })
        .collect();
    Ok((base.standard, rows))
}

/// Saves the form: each value empty (the standard's) or a number in its range; ΔT's minor limit
/// must stay below the critical one. Audited with what changed.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id))]
pub async fn save(
    db: &Db,
    p: &Principal,
    meta: &RequestMeta,
    values: &BTreeMap<String, String>,
) -> Result<()> {
    p.authorize(Permission::SettingsManage)?;
    let mut o = Overrides::new();
    for (key, label, lo, hi) in LIMITS {
        let raw = values.get(*key).map(|s| s.trim()).unwrap_or("");
        if raw.is_empty() {
            continue;
        }
        let v: f64 = raw
            .replace(',', ".")
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite() && (*lo..=*hi).contains(v))
            .ok_or_else(|| {
                Error::validation(key, format!("{label}: a number from {lo} to {hi}."))
            })?;
        o.insert(key.to_string(), v);
    }
    let standard = repo::analysis_standard(db, p.company_id).await?;
    let t = Thresholds::for_standard(&standard).with(&o);
    if t.delta_t_minor >= t.delta_t_critical {
        return Err(Error::validation(
            "delta_t_minor",
            "The ΔT worth a comment must be below the critical ΔT.",
        ));
    }
    let before = overrides(db, p.company_id).await?;
    let mut tx = db.begin().await?;
    let json = (!o.is_empty()).then(|| serde_json::to_string(&o).unwrap_or_default());
    repo::set_analysis_limits(&mut tx, p.company_id, json.as_deref()).await?;
    audit::record(
        &mut tx,
        meta,
        Entry::by(
            p,
            Action::SettingsChanged,
            Some("analysis_limits".into()),
            serde_json::json!({ "before": before, "after": o }),
        ),
    )
    .await?;
    tx.commit().await
}
