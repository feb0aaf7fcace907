//! What an extraction produces: every field is `{value, unit, confidence, source, page}`, in
//! the sections of DESIGN §2 Analyses. A field nobody could read stays empty (`value: None`);
//! extractors never invent values. Units are normalised on the way in (Ω, MΩ, °C, %, m), so the
//! rules compare numbers directly.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One extracted value with where it came from and how sure the extractor is (0–1).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Field<T> {
    pub value: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default)]
    pub confidence: f64,
    /// Which pass or text produced it ("text layer", "claude", "radiometric", "reviewer"…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// 1-based page (or image) number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    /// The text the value was read from, shown as evidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excerpt: Option<String>,
}

impl<T> Field<T> {
    pub fn empty() -> Self {
        Field {
            value: None,
            unit: None,
            confidence: 0.0,
            source: None,
            page: None,
            excerpt: None,
        }
    }

    pub fn found(value: T, unit: Option<&str>, confidence: f64, source: &str, page: u32) -> Self {
        Field {
            value: Some(value),
            unit: unit.map(str::to_string),
            confidence: confidence.clamp(0.0, 1.0),
            source: Some(source.to_string()),
            page: Some(page),
            excerpt: None,
        }
    }

    pub fn with_excerpt(mut self, excerpt: &str) -> Self {
        let e: String = excerpt.trim().chars().take(160).collect();
        self.excerpt = Some(e);
        self
    }

    pub fn is_set(&self) -> bool {
        self.value.is_some()
    }

    /// Keeps `other` when this field is empty or `other` is more confident (the seed's
    /// "highest-confidence section wins").
    pub fn merge(&mut self, other: Field<T>) {
        if other.value.is_some() && (self.value.is_none() || other.confidence > self.confidence) {
            *self = other;
        }
    }

    /// Where the value came from, for evidence text: "page 2, text layer".
    pub fn origin(&self) -> String {
        match (self.page, self.source.as_deref()) {
            (Some(p), Some(s)) => format!("page {p}, {s}"),
            (Some(p), None) => format!("page {p}"),
            (None, Some(s)) => s.to_string(),
            (None, None) => "unknown source".into(),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Equipment {
    pub tag: Field<String>,
    pub serial: Field<String>,
    pub description: Field<String>,
    pub location: Field<String>,
}

/// Temperatures in °C.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Temperatures {
    pub ambient: Field<f64>,
    pub reflected: Field<f64>,
    pub max: Field<f64>,
    pub min: Field<f64>,
    pub delta: Field<f64>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Camera {
    pub emissivity: Field<f64>,
    /// Metres.
    pub distance: Field<f64>,
    /// Relative humidity, %.
    pub humidity: Field<f64>,
}

/// Insulation resistance in MΩ for the six pairs, and the absorption index (60 s / 30 s).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Insulation {
    pub r_s: Field<f64>,
    pub r_t: Field<f64>,
    pub s_t: Field<f64>,
    pub r_ground: Field<f64>,
    pub s_ground: Field<f64>,
    pub t_ground: Field<f64>,
    pub absorption_index: Field<f64>,
}

impl Insulation {
    /// The six pairs with their display names, in report order.
    pub fn pairs(&self) -> [(&'static str, &Field<f64>); 6] {
        [
            ("R-S", &self.r_s),
            ("R-T", &self.r_t),
            ("S-T", &self.s_t),
            ("R-ground", &self.r_ground),
            ("S-ground", &self.s_ground),
            ("T-ground", &self.t_ground),
        ]
    }

    pub fn pair_mut(&mut self, name: &str) -> Option<&mut Field<f64>> {
        Some(match name {
            "R-S" => &mut self.r_s,
            "R-T" => &mut self.r_t,
            "S-T" => &mut self.s_t,
            "R-ground" => &mut self.r_ground,
            "S-ground" => &mut self.s_ground,
            "T-ground" => &mut self.t_ground,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Certificate {
    pub serial: Field<String>,
    pub calibration_date: Field<NaiveDate>,
    pub expiry_date: Field<NaiveDate>,
    pub laboratory: Field<String>,
    pub instrument_serial: Field<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Evidence {
    /// Whether the technician signed the report.
    pub technician_signature: Field<bool>,
    /// Number of photos in the report.
    pub photos: Field<u32>,
    /// Whether every photo carries a date/location watermark.
    pub photos_watermarked: Field<bool>,
}

/// Everything read from one report.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Extraction {
    pub test_date: Field<NaiveDate>,
    pub equipment: Equipment,
    /// Every equipment tag seen (report text, photos, certificate), for TAG-001.
    pub tags_seen: Vec<Field<String>>,
    pub temperatures: Temperatures,
    pub camera: Camera,
    /// The reading on the instrument's display in a photo.
    pub display_reading: Field<f64>,
    /// Earth resistance, Ω.
    pub ground_resistance: Field<f64>,
    pub insulation: Insulation,
    /// The instrument serial the report names (compared with the certificate's, SERIAL-001).
    pub instrument_serial: Field<String>,
    pub certificate: Certificate,
    pub evidence: Evidence,
}

/// The fields a reviewer may correct, by stable path (used by the detail page and the audit).
pub const CORRECTABLE: &[(&str, &str)] = &[
    ("test_date", "Test date"),
    ("equipment.tag", "Equipment tag"),
    ("equipment.serial", "Equipment serial"),
    ("ground_resistance", "Ground resistance (Ω)"),
    ("display_reading", "Display reading"),
    ("insulation.R-S", "Insulation R-S (MΩ)"),
    ("insulation.R-T", "Insulation R-T (MΩ)"),
    ("insulation.S-T", "Insulation S-T (MΩ)"),
    ("insulation.R-ground", "Insulation R-ground (MΩ)"),
    ("insulation.S-ground", "Insulation S-ground (MΩ)"),
    ("insulation.T-ground", "Insulation T-ground (MΩ)"),
    ("insulation.absorption_index", "Absorption index"),
    ("temperatures.ambient", "Ambient temperature (°C)"),
    ("temperatures.reflected", "Reflected temperature (°C)"),
    ("temperatures.max", "Maximum temperature (°C)"),
    ("temperatures.min", "Minimum temperature (°C)"),
    ("instrument_serial", "Instrument serial"),
    (
        "certificate.instrument_serial",
        "Certificate instrument serial",
    ),
    ("certificate.calibration_date", "Calibration date"),
    ("certificate.expiry_date", "Calibration expiry date"),
    (
        "evidence.technician_signature",
        "Technician signature (yes/no)",
    ),
    ("evidence.photos_watermarked", "Photos watermarked (yes/no)"),
];

/// A field's value as text with its origin, for pages and exports.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldMeta {
    pub value: String,
    pub unit: Option<String>,
    pub confidence: f64,
    pub source: Option<String>,
    pub page: Option<u32>,
    pub excerpt: Option<String>,
    pub set: bool,
}

/// Why a correction was refused.
#[derive(Debug, PartialEq)]
pub struct BadCorrection(pub String);

impl Extraction {
    /// A correctable field's value (as text) and where it came from.
    pub fn meta(&self, path: &str) -> Option<FieldMeta> {
        fn m<T: ToString>(f: &Field<T>) -> FieldMeta {
            FieldMeta {
                value: f
                    .value
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                unit: f.unit.clone(),
                confidence: f.confidence,
                source: f.source.clone(),
                page: f.page,
                excerpt: f.excerpt.clone(),
                set: f.value.is_some(),
            }
        }
        Some(match path {
            "test_date" => m(&self.test_date),
            "equipment.tag" => m(&self.equipment.tag),
            "equipment.serial" => m(&self.equipment.serial),
            "ground_resistance" => m(&self.ground_resistance),
            "display_reading" => m(&self.display_reading),
            "insulation.absorption_index" => m(&self.insulation.absorption_index),
            "temperatures.ambient" => m(&self.temperatures.ambient),
            "temperatures.reflected" => m(&self.temperatures.reflected),
            "temperatures.max" => m(&self.temperatures.max),
            "temperatures.min" => m(&self.temperatures.min),
            "instrument_serial" => m(&self.instrument_serial),
            "certificate.instrument_serial" => m(&self.certificate.instrument_serial),
            "certificate.calibration_date" => m(&self.certificate.calibration_date),
            "certificate.expiry_date" => m(&self.certificate.expiry_date),
            "evidence.technician_signature" => m(&self.evidence.technician_signature),
            "evidence.photos_watermarked" => m(&self.evidence.photos_watermarked),
            p if p.starts_with("insulation.") => {
                let pair = &p["insulation.".len()..];
                m(self
                    .insulation
                    .pairs()
                    .into_iter()
                    .find(|(n, _)| *n == pair)?
                    .1)
            }
            _ => return None,
        })
    }

    /// The current value of a correctable field as text (empty when unset).
    pub fn display(&self, path: &str) -> Option<String> {
        self.meta(path).map(|m| m.value)
    }

    /// Applies a reviewer's correction: the value is parsed for the field's type, gets
    /// confidence 1 and source "reviewer". An empty value clears the field.
    pub fn correct(&mut self, path: &str, raw: &str) -> Result<(), BadCorrection> {
        let raw = raw.trim();
        let label = CORRECTABLE
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, l)| *l)
            .ok_or_else(|| BadCorrection("This field cannot be corrected.".into()))?;
        fn reviewed<T>(value: Option<T>, unit: Option<&str>) -> Field<T> {
            Field {
                value,
                unit: unit.map(str::to_string),
                confidence: 1.0,
                source: Some("reviewer".into()),
                page: None,
                excerpt: None,
            }
        }
        let number = |unit: Option<&str>| -> Result<Field<f64>, BadCorrection> {
            if raw.is_empty() {
                return Ok(reviewed(None, unit));
            }
            let v: f64 = raw
                .replace(',', ".")
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite())
                .ok_or_else(|| BadCorrection(format!("{label} must be a number.")))?;
            Ok(reviewed(Some(v), unit))
        };
        let date = || -> Result<Field<NaiveDate>, BadCorrection> {
            if raw.is_empty() {
                return Ok(reviewed(None, None));
            }
            NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .map(|d| reviewed(Some(d), None))
                .map_err(|_| BadCorrection(format!("{label} must be a date (YYYY-MM-DD).")))
        };
        let text = || -> Result<Field<String>, BadCorrection> {
            if raw.chars().count() > 120 {
                return Err(BadCorrection(format!(
                    "{label} is longer than 120 characters."
                )));
            }
            Ok(reviewed((!raw.is_empty()).then(|| raw.to_string()), None))
        };
        let yes_no = || -> Result<Field<bool>, BadCorrection> {
            match raw.to_ascii_lowercase().as_str() {
                "" => Ok(reviewed(None, None)),
                "yes" | "true" | "y" => Ok(reviewed(Some(true), None)),
                "no" | "false" | "n" => Ok(reviewed(Some(false), None)),
                _ => Err(BadCorrection(format!("{label}: answer yes or no."))),
            }
        };
        match path {
            "test_date" => self.test_date = date()?,
            "equipment.tag" => self.equipment.tag = text()?,
            "equipment.serial" => self.equipment.serial = text()?,
            "ground_resistance" => self.ground_resistance = number(Some("Ω"))?,
            "display_reading" => {
                let unit = self.display_reading.unit.clone();
                self.display_reading = number(unit.as_deref())?
            }
            "insulation.absorption_index" => self.insulation.absorption_index = number(None)?,
            "temperatures.ambient" => self.temperatures.ambient = number(Some("°C"))?,
            "temperatures.reflected" => self.temperatures.reflected = number(Some("°C"))?,
            "temperatures.max" => self.temperatures.max = number(Some("°C"))?,
            "temperatures.min" => self.temperatures.min = number(Some("°C"))?,
            "instrument_serial" => self.instrument_serial = text()?,
            "certificate.instrument_serial" => self.certificate.instrument_serial = text()?,
            "certificate.calibration_date" => self.certificate.calibration_date = date()?,
            "certificate.expiry_date" => self.certificate.expiry_date = date()?,
            "evidence.technician_signature" => self.evidence.technician_signature = yes_no()?,
            "evidence.photos_watermarked" => self.evidence.photos_watermarked = yes_no()?,
            p => {
                let pair = p.strip_prefix("insulation.").unwrap_or(p);
                let f = number(Some("MΩ"))?;
                if let Some(slot) = self.insulation.pair_mut(pair) {
                    *slot = f;
                }
            }
        }
        if path == "equipment.tag" {
            // The reviewer's tag settles TAG-001: other readings no longer disagree with it.
            self.tags_seen.clear();
        }
        if matches!(path, "temperatures.max" | "temperatures.min") {
            self.temperatures.delta = Field::empty();
        }
        Ok(())
    }
}
