//! Field-level precision and recall of an extractor against the corpus' truth, per test type
//! and field, the verdict agreement, and a calibration table (confidence band → share right).
//!
//! - recall: of the fields the report states, the share read with the right value (any
//!   confidence);
//! - precision: of the values given with confidence ≥ 0.80, the share that are right (a value
//!   the report does not state counts as wrong);
//! - verdict agreement: the rules' verdict on what was read equals their verdict on the truth.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use server::analyses::{evaluate, rules::normalise_id, Extraction, Field, TestType, Thresholds};

use super::Report;

/// The confidence from which a value counts as asserted.
pub const CONFIDENT: f64 = 0.80;

#[derive(Clone, Debug, PartialEq)]
enum Val {
    Num(f64),
    Date(NaiveDate),
    Id(String),
    Bool(bool),
}

impl std::fmt::Display for Val {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Val::Num(v) => write!(f, "{v}"),
            Val::Date(d) => write!(f, "{d}"),
            Val::Id(s) => write!(f, "{s}"),
            Val::Bool(b) => write!(f, "{b}"),
        }
    }
}

fn same(a: &Val, b: &Val) -> bool {
    match (a, b) {
        (Val::Num(x), Val::Num(y)) => (x - y).abs() <= 1e-6 * y.abs().max(1.0),
        (Val::Id(x), Val::Id(y)) => normalise_id(x) == normalise_id(y),
        _ => a == b,
    }
}

struct Read {
    value: Option<Val>,
    confidence: f64,
}

fn read<T: Clone>(f: &Field<T>, val: fn(T) -> Val) -> Read {
    Read {
        value: f.value.clone().map(val),
        confidence: f.confidence,
    }
}

fn num(f: &Field<f64>) -> Read {
    read(f, Val::Num)
}

/// A resistance or temperature in the unit the truth uses for the test (Ω, MΩ, °C).
fn display(f: &Field<f64>, test: TestType) -> Read {
    let scale = match (test, f.unit.as_deref()) {
        (TestType::Grounding, Some("MΩ")) => 1e6,
        (TestType::Insulation, Some("Ω")) => 1e-6,
        _ => 1.0,
    };
    Read {
        value: f.value.map(|v| Val::Num(v * scale)),
        confidence: f.confidence,
    }
}

fn date(f: &Field<NaiveDate>) -> Read {
    read(f, Val::Date)
}

fn id(f: &Field<String>) -> Read {
    read(f, Val::Id)
}

fn yes_no(f: &Field<bool>) -> Read {
    read(f, Val::Bool)
}

/// The fields scored for a test type, by path.
fn fields(test: TestType, x: &Extraction) -> Vec<(&'static str, Read)> {
    let mut v = vec![
        ("test_date", date(&x.test_date)),
        ("equipment.tag", id(&x.equipment.tag)),
        ("instrument_serial", id(&x.instrument_serial)),
        ("certificate.serial", id(&x.certificate.serial)),
        (
            "certificate.instrument_serial",
            id(&x.certificate.instrument_serial),
        ),
        (
            "certificate.calibration_date",
            date(&x.certificate.calibration_date),
        ),
        ("certificate.expiry_date", date(&x.certificate.expiry_date)),
        ("display_reading", display(&x.display_reading, test)),
    ];
    match test {
        TestType::Grounding => {
            v.push(("ground_resistance", num(&x.ground_resistance)));
            v.push((
                "evidence.photos_watermarked",
                yes_no(&x.evidence.photos_watermarked),
            ));
            v.push((
                "evidence.technician_signature",
                yes_no(&x.evidence.technician_signature),
            ));
        }
        TestType::Insulation => {
            let i = &x.insulation;
            v.push(("insulation.R-S", num(&i.r_s)));
            v.push(("insulation.R-T", num(&i.r_t)));
            v.push(("insulation.S-T", num(&i.s_t)));
            v.push(("insulation.R-ground", num(&i.r_ground)));
            v.push(("insulation.S-ground", num(&i.s_ground)));
            v.push(("insulation.T-ground", num(&i.t_ground)));
            v.push(("insulation.absorption_index", num(&i.absorption_index)));
        }
        TestType::Thermography => {
            let t = &x.temperatures;
            v.push(("temperatures.max", num(&t.max)));
            v.push(("temperatures.min", num(&t.min)));
            v.push(("temperatures.delta", num(&t.delta)));
            v.push(("temperatures.ambient", num(&t.ambient)));
            v.push(("temperatures.reflected", num(&t.reflected)));
            v.push(("camera.emissivity", num(&x.camera.emissivity)));
            v.push(("camera.distance", num(&x.camera.distance)));
            v.push(("camera.humidity", num(&x.camera.humidity)));
        }
    }
    v
}

#[derive(Clone, Copy, Debug, Default)]
pub struct Tally {
    /// Fields the reports state.
    pub stated: u32,
    /// Stated fields read right, at any confidence.
    pub right: u32,
    /// Values given with confidence ≥ 0.80.
    pub confident: u32,
    /// … of which right.
    pub confident_right: u32,
}

impl Tally {
    pub fn recall(&self) -> f64 {
        ratio(self.right, self.stated)
    }

    pub fn precision(&self) -> f64 {
        ratio(self.confident_right, self.confident)
    }
}

fn ratio(a: u32, b: u32) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

/// Confidence bands of the calibration table: [from, to).
pub const BANDS: [(f64, f64); 5] = [(0.0, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.01)];

#[derive(Default)]
pub struct Scores {
    pub fields: BTreeMap<(&'static str, &'static str), Tally>,
    /// Per test type: (verdicts that agree, reports).
    pub verdicts: BTreeMap<&'static str, (u32, u32)>,
    /// Per band: (values given, right).
    pub bands: [(u32, u32); 5],
    /// What went wrong, for the reader of a failure.
    pub misses: Vec<String>,
}

impl Scores {
    pub fn add(&mut self, r: &Report, got: &Extraction, t: &Thresholds) {
        let truth = fields(r.test, &r.truth);
        let read = fields(r.test, got);
        for ((path, want), (_, have)) in truth.iter().zip(read.iter()) {
            let tally = self.fields.entry((r.test.as_str(), path)).or_default();
            let right = match (&want.value, &have.value) {
                (Some(w), Some(h)) => same(w, h),
                _ => false,
            };
            if want.value.is_some() {
                tally.stated += 1;
                if right {
                    tally.right += 1;
                }
            }
            if have.value.is_some() && have.confidence >= CONFIDENT {
                tally.confident += 1;
                if right {
                    tally.confident_right += 1;
                }
            }
            if let Some(h) = &have.value {
                if let Some(b) = BANDS
                    .iter()
                    .position(|(lo, hi)| have.confidence >= *lo && have.confidence < *hi)
                {
                    self.bands[b].0 += 1;
                    if right {
                        self.bands[b].1 += 1;
                    }
                }
                if !right {
                    self.misses.push(format!(
                        "report {} ({} {}): {path} read {h} at {:.2}, truth {}",
                        r.id,
                        r.test.as_str(),
                        r.lang.as_str(),
                        have.confidence,
                        want.value
                            .as_ref()
                            .map_or("not stated".into(), |v| v.to_string())
                    ));
                }
            } else if let Some(w) = &want.value {
                self.misses.push(format!(
                    "report {} ({} {}): {path} not read, truth {w}",
                    r.id,
                    r.test.as_str(),
                    r.lang.as_str()
                ));
            }
        }
        let want = evaluate(r.test, &r.truth, t).verdict;
        let have = evaluate(r.test, got, t).verdict;
        let v = self.verdicts.entry(r.test.as_str()).or_default();
        v.1 += 1;
        if want == have {
            v.0 += 1;
        } else {
            self.misses.push(format!(
                "report {} ({} {}): verdict {} , truth {}",
                r.id,
                r.test.as_str(),
                r.lang.as_str(),
                have.as_str(),
                want.as_str()
            ));
        }
    }

    /// All fields of all test types together.
    pub fn total(&self) -> Tally {
        self.fields.values().fold(Tally::default(), |a, t| Tally {
            stated: a.stated + t.stated,
            right: a.right + t.right,
            confident: a.confident + t.confident,
            confident_right: a.confident_right + t.confident_right,
        })
    }

    pub fn verdict_agreement(&self) -> f64 {
        let (a, n) = self
            .verdicts
            .values()
            .fold((0, 0), |(a, n), (x, y)| (a + x, n + y));
        ratio(a, n)
    }

    /// The table the bench prints.
    pub fn table(&self, title: &str) -> String {
        let mut s = format!("\n{title}\n");
        s.push_str(&format!(
            "{:<13} {:<30} {:>7} {:>8} {:>10}\n",
            "test", "field", "stated", "recall", "precision"
        ));
        for ((test, path), t) in &self.fields {
            if t.stated == 0 && t.confident == 0 {
                continue;
            }
            s.push_str(&format!(
                "{:<13} {:<30} {:>7} {:>7.1}% {:>9.1}%\n",
                test,
                path,
                t.stated,
                t.recall() * 100.0,
                t.precision() * 100.0
            ));
        }
        let all = self.total();
        s.push_str(&format!(
            "{:<13} {:<30} {:>7} {:>7.1}% {:>9.1}%\n",
            "all",
            "",
            all.stated,
            all.recall() * 100.0,
            all.precision() * 100.0
        ));
        s.push_str("verdict agreement:");
        for (test, (a, n)) in &self.verdicts {
            s.push_str(&format!(" {test} {a}/{n} ({:.1}%),", ratio(*a, *n) * 100.0));
        }
        s.push_str(&format!(" all {:.1}%\n", self.verdict_agreement() * 100.0));
        s.push_str("calibration (confidence band: values given, share right):\n");
        for ((lo, hi), (n, right)) in BANDS.iter().zip(self.bands.iter()) {
            s.push_str(&format!(
                "  {:.2}–{:.2}: {:>6} {:>7.1}%\n",
                lo,
                hi.min(1.0),
                n,
                ratio(*right, *n) * 100.0
            ));
        }
        s
    }
}
