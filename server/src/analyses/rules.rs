//! The validation rules of DESIGN §2 Analyses as pure functions: an extraction, the test type
//! and the thresholds of the company's standard in; findings, verdict, score and review flag out.
//! Nothing here reads the clock, the database or a random source, so the same extraction always
//! gets the same answer (the seed drew its score at random).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::model::{Extraction, Field};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestType {
    Grounding,
    Insulation,
    Thermography,
}

impl TestType {
    pub const ALL: [TestType; 3] = [
        TestType::Grounding,
        TestType::Insulation,
        TestType::Thermography,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TestType::Grounding => "grounding",
            TestType::Insulation => "insulation",
            TestType::Thermography => "thermography",
        }
    }

    pub fn parse(s: &str) -> Option<TestType> {
        TestType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            TestType::Grounding => "Grounding (earth resistance)",
            TestType::Insulation => "Insulation resistance (Megger)",
            TestType::Thermography => "Thermography",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Critical,
    Major,
    Minor,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Major => "major",
            Severity::Minor => "minor",
        }
    }

    /// Points a finding of this severity takes off the score of 100.
    pub fn penalty(self) -> i32 {
        match self {
            Severity::Critical => 30,
            Severity::Major => 15,
            Severity::Minor => 5,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    Rejected,
    ApprovedWithComments,
    Approved,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Rejected => "REJECTED",
            Verdict::ApprovedWithComments => "APPROVED_WITH_COMMENTS",
            Verdict::Approved => "APPROVED",
        }
    }

    pub fn parse(s: &str) -> Option<Verdict> {
        [
            Verdict::Rejected,
            Verdict::ApprovedWithComments,
            Verdict::Approved,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

/// The limits of one standard; a company may override any of them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// Display name, used in evidence ("NETA ATS-2021").
    pub standard: String,
    /// GND-001: highest acceptable earth resistance, Ω.
    pub ground_max_ohm: f64,
    /// MEG-002: lowest acceptable insulation resistance, MΩ.
    pub insulation_min_mohm: f64,
    /// MEG-003: lowest acceptable absorption index.
    pub absorption_min: f64,
    /// THM-001: ΔT above this is critical, °C.
    pub delta_t_critical: f64,
    /// THM-002: ΔT above this is a minor finding, °C.
    pub delta_t_minor: f64,
    /// TEMP-001: largest acceptable difference between ambient and reflected, °C.
    pub ambient_reflected_max: f64,
    /// VALOR-001: largest acceptable difference between display and report, %.
    pub display_tolerance_pct: f64,
    /// Below this confidence a used field makes the analysis "requires review".
    pub review_confidence: f64,
}

impl Thresholds {
    /// NETA ATS-2021: 5 Ω earth resistance for large installations (7.13), 100 MΩ minimum
    /// insulation resistance (table 100.1, 1,000 V DC class), ΔT bands of table 100.18
    /// (> 3 °C possible deficiency, > 15 °C major).
    pub fn neta() -> Thresholds {
        Thresholds {
            standard: "NETA ATS-2021".into(),
            ground_max_ohm: 5.0,
            insulation_min_mohm: 100.0,
            absorption_min: 1.4,
            delta_t_critical: 15.0,
            delta_t_minor: 3.0,
            ambient_reflected_max: 1.0,
            display_tolerance_pct: 5.0,
            review_confidence: 0.80,
        }
    }

    /// Microsoft CxPOR: the data-centre profile. Stricter earth resistance (1 Ω, the usual
    /// data-centre grid target); the rest as NETA. Companies set their project's values.
    pub fn microsoft() -> Thresholds {
        Thresholds {
            standard: "Microsoft CxPOR".into(),
            ground_max_ohm: 1.0,
            ..Thresholds::neta()
        }
    }

    /// The profile for a company's `analysis_standard` ("NETA" or "Microsoft").
    pub fn for_standard(key: &str) -> Thresholds {
        match key {
            "Microsoft" => Thresholds::microsoft(),
            _ => Thresholds::neta(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub code: String,
    pub severity: Severity,
    pub title: String,
    /// What was read, where, against which limit.
    pub evidence: String,
    pub corrective_action: String,
    /// Paths of the fields it rests on (see model::CORRECTABLE).
    pub fields: Vec<String>,
    pub page: Option<u32>,
}

/// A rule that could not be checked because what it needs was not found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NotEvaluated {
    pub code: String,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub verdict: Verdict,
    /// 0–100: 100 less 30 per critical, 15 per major, 5 per minor finding, never below 0.
    pub score: i32,
    pub findings: Vec<Finding>,
    pub not_evaluated: Vec<NotEvaluated>,
    /// The lowest confidence among the fields the rules used (1 when none was used).
    pub confidence: f64,
    pub requires_review: bool,
    pub review_reasons: Vec<String>,
}

/// Collects findings and the fields the rules relied on.
struct Check<'a> {
    t: &'a Thresholds,
    findings: Vec<Finding>,
    skipped: Vec<NotEvaluated>,
    used: Vec<(String, f64)>,
    /// Pages whose used values were read by OCR (a scan).
    scanned: BTreeSet<u32>,
}

impl Check<'_> {
    fn use_field<T>(&mut self, path: &str, f: &Field<T>) {
        if f.value.is_some() && !self.used.iter().any(|(p, _)| p == path) {
            self.used.push((path.to_string(), f.confidence));
            if f.source.as_deref() == Some(super::local::OCR_SOURCE) {
                self.scanned.extend(f.page);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn find(
        &mut self,
        code: &str,
        severity: Severity,
        title: &str,
        evidence: String,
        action: &str,
        fields: &[&str],
        page: Option<u32>,
    ) {
        self.findings.push(Finding {
            code: code.into(),
            severity,
            title: title.into(),
            evidence,
            corrective_action: action.into(),
            fields: fields.iter().map(|s| s.to_string()).collect(),
            page,
        });
    }

    fn skip(&mut self, code: &str, reason: &str) {
        self.skipped.push(NotEvaluated {
            code: code.into(),
            reason: reason.into(),
        });
    }
}

fn num(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// Readings come from decimal text: a value on the limit must not fail by a binary rounding
/// error (2.1 vs 2.0 is 5.000000000000004 %).
const EPSILON: f64 = 1e-9;

fn above(v: f64, limit: f64) -> bool {
    v > limit + EPSILON
}

fn below(v: f64, limit: f64) -> bool {
    v < limit - EPSILON
}

/// Serial numbers and tags compared without case, spaces, dashes, dots or slashes.
pub fn normalise_id(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

/// Checks an extraction against the rules of its test type.
pub fn evaluate(test: TestType, x: &Extraction, t: &Thresholds) -> Outcome {
    let mut c = Check {
        t,
        findings: Vec::new(),
        skipped: Vec::new(),
        used: Vec::new(),
        scanned: BTreeSet::new(),
    };
    let mut review = Vec::new();
    match test {
        TestType::Grounding => {
            grounding(&mut c, x);
            if !x.ground_resistance.is_set() {
                review.push("The ground resistance was not found in the report.".to_string());
            }
        }
        TestType::Insulation => {
            insulation(&mut c, x);
            if x.insulation.pairs().iter().all(|(_, f)| !f.is_set()) {
                review.push("No insulation resistance value was found in the report.".into());
            }
        }
        TestType::Thermography => {
            thermography(&mut c, x);
            if !x.temperatures.max.is_set() {
                review.push("The maximum temperature was not found.".into());
            }
        }
    }
    if test != TestType::Grounding {
        certificate(&mut c, x);
    }
    tags(&mut c, x);
    serials(&mut c, x);
    display(&mut c, test, x);

    if !c.scanned.is_empty() {
        let pages: Vec<String> = c.scanned.iter().map(u32::to_string).collect();
        let (noun, verb) = if pages.len() == 1 {
            ("Page", "has")
        } else {
            ("Pages", "have")
        };
        review.push(format!(
            "{noun} {} {verb} no text layer (a scan): the values used from there were read by \
             OCR from the page image. Check them against the page.",
            pages.join(", ")
        ));
    }
    let confidence = c.used.iter().map(|(_, k)| *k).fold(1.0_f64, f64::min);
    for (path, k) in &c.used {
        if *k < t.review_confidence {
            let label = super::model::CORRECTABLE
                .iter()
                .find(|(p, _)| p == path)
                .map(|(_, l)| *l)
                .unwrap_or(path.as_str());
            review.push(format!(
                "{label} was read with confidence {k:.2} (below {:.2}).",
                t.review_confidence
            ));
        }
    }
    let mut findings = c.findings;
    findings.sort_by(|a, b| a.severity.cmp(&b.severity).then(a.code.cmp(&b.code)));
    let verdict = if findings.iter().any(|f| f.severity == Severity::Critical) {
        Verdict::Rejected
    } else if findings.is_empty() {
        Verdict::Approved
    } else {
        Verdict::ApprovedWithComments
    };
    let score = (100 - findings.iter().map(|f| f.severity.penalty()).sum::<i32>()).max(0);
    Outcome {
        verdict,
        score,
        findings,
        not_evaluated: c.skipped,
        confidence,
        requires_review: !review.is_empty(),
        review_reasons: review,
    }
}

fn grounding(c: &mut Check, x: &Extraction) {
    let r = &x.ground_resistance;
    c.use_field("ground_resistance", r);
    match r.value {
        Some(v) if above(v, c.t.ground_max_ohm) => c.find(
            "GND-001",
            Severity::Critical,
            "Ground resistance above the limit",
            format!(
                "Ground resistance {} Ω ({}) exceeds the {} limit of {} Ω.",
                num(v),
                r.origin(),
                c.t.standard,
                num(c.t.ground_max_ohm)
            ),
            "Improve the earthing system (additional or deeper rods, bonding, ground enhancement \
             material) and repeat the fall-of-potential test.",
            &["ground_resistance"],
            r.page,
        ),
        Some(_) => {}
        None => c.skip("GND-001", "ground resistance not found"),
    }

    let (test_date, expiry) = (&x.test_date, &x.certificate.expiry_date);
    c.use_field("test_date", test_date);
    c.use_field("certificate.expiry_date", expiry);
    match (test_date.value, expiry.value) {
        (Some(td), Some(ex)) if ex < td => c.find(
            "GND-002",
            Severity::Critical,
            "Instrument calibration expired on the test date",
            format!(
                "The calibration expired on {ex} ({}), before the test on {td} ({}).",
                expiry.origin(),
                test_date.origin()
            ),
            "Repeat the test with an instrument whose calibration is valid and attach its \
             current calibration certificate.",
            &["certificate.expiry_date", "test_date"],
            expiry.page,
        ),
        (Some(td), Some(ex)) if ex == td => c.find(
            "GND-003",
            Severity::Minor,
            "Instrument calibration expires on the test date",
            format!(
                "The calibration expires on {ex} ({}), the day of the test.",
                expiry.origin()
            ),
            "Send the instrument for calibration before its next use.",
            &["certificate.expiry_date", "test_date"],
            expiry.page,
        ),
        (Some(_), Some(_)) => {}
        (None, _) => {
            c.skip("GND-002", "test date not found");
            c.skip("GND-003", "test date not found");
        }
        (_, None) => {
            c.skip("GND-002", "calibration expiry date not found");
            c.skip("GND-003", "calibration expiry date not found");
        }
    }

    let w = &x.evidence.photos_watermarked;
    c.use_field("evidence.photos_watermarked", w);
    match w.value {
        Some(false) => c.find(
            "GND-004",
            Severity::Major,
            "Photos without watermark",
            format!(
                "The report's photos carry no date/location watermark ({}).",
                w.origin()
            ),
            "Retake the photos with a camera or app that stamps date, time and location.",
            &["evidence.photos_watermarked"],
            w.page,
        ),
        Some(true) => {}
        None => c.skip("GND-004", "photo watermarks could not be checked"),
    }

    let s = &x.evidence.technician_signature;
    c.use_field("evidence.technician_signature", s);
    match s.value {
        Some(false) => c.find(
            "GND-005",
            Severity::Major,
            "No technician signature",
            format!(
                "The report is not signed by the technician ({}).",
                s.origin()
            ),
            "Have the technician who performed the test sign the report.",
            &["evidence.technician_signature"],
            s.page,
        ),
        Some(true) => {}
        None => c.skip("GND-005", "signature could not be checked"),
    }
}

fn insulation(c: &mut Check, x: &Extraction) {
    let pairs = x.insulation.pairs();
    let missing: Vec<&str> = pairs
        .iter()
        .filter(|(_, f)| !f.is_set())
        .map(|(n, _)| *n)
        .collect();
    for (name, f) in pairs.iter() {
        c.use_field(&format!("insulation.{name}"), f);
    }
    if !missing.is_empty() {
        let fields: Vec<String> = missing.iter().map(|n| format!("insulation.{n}")).collect();
        let refs: Vec<&str> = fields.iter().map(String::as_str).collect();
        c.find(
            "MEG-001",
            Severity::Critical,
            "Insulation pairs missing",
            format!(
                "{} of the six pairs have no reading: {}.",
                missing.len(),
                missing.join(", ")
            ),
            "Measure every phase-to-phase and phase-to-ground pair and record all six readings.",
            &refs,
            None,
        );
    }
    let lowest = pairs
        .iter()
        .filter_map(|(n, f)| f.value.map(|v| (n, v, f)))
        .min_by(|a, b| a.1.total_cmp(&b.1));
    match lowest {
        Some((name, v, f)) if below(v, c.t.insulation_min_mohm) => c.find(
            "MEG-002",
            Severity::Critical,
            "Insulation resistance below the minimum",
            format!(
                "The lowest reading, {name} = {} MΩ ({}), is below the {} minimum of {} MΩ.",
                num(v),
                f.origin(),
                c.t.standard,
                num(c.t.insulation_min_mohm)
            ),
            "Find and correct the insulation weakness (moisture, contamination, damaged \
             insulation), then repeat the test.",
            &[&format!("insulation.{name}")],
            f.page,
        ),
        Some(_) => {}
        None => c.skip("MEG-002", "no insulation reading found"),
    }
    let ai = &x.insulation.absorption_index;
    c.use_field("insulation.absorption_index", ai);
    match ai.value {
        Some(v) if below(v, c.t.absorption_min) => c.find(
            "MEG-003",
            Severity::Major,
            "Absorption index below the minimum",
            format!(
                "Absorption index {} ({}) is below {}.",
                num(v),
                ai.origin(),
                num(c.t.absorption_min)
            ),
            "Dry and clean the insulation and repeat the 30 s / 60 s measurement.",
            &["insulation.absorption_index"],
            ai.page,
        ),
        Some(_) => {}
        None => c.skip("MEG-003", "absorption index not found"),
    }
}

/// ΔT as reported, or max − min when only those were read.
pub fn delta_t(x: &Extraction) -> Option<(f64, &'static str)> {
    let t = &x.temperatures;
    if let Some(d) = t.delta.value {
        return Some((d, "reported"));
    }
    match (t.max.value, t.min.value) {
        (Some(max), Some(min)) => Some((max - min, "max − min")),
        _ => None,
    }
}

fn thermography(c: &mut Check, x: &Extraction) {
    let t = &x.temperatures;
    for (p, f) in [
        ("temperatures.max", &t.max),
        ("temperatures.min", &t.min),
        ("temperatures.delta", &t.delta),
        ("temperatures.ambient", &t.ambient),
        ("temperatures.reflected", &t.reflected),
    ] {
        c.use_field(p, f);
    }
    match delta_t(x) {
        Some((d, how)) if above(d, c.t.delta_t_critical) => c.find(
            "THM-001",
            Severity::Critical,
            "Temperature difference above the critical limit",
            format!(
                "ΔT {} °C ({how}) exceeds {} °C: a major discrepancy under {}.",
                num(d),
                num(c.t.delta_t_critical),
                c.t.standard
            ),
            "Repair immediately: de-energise, inspect and re-torque or replace the hot \
             connection, then repeat the thermography under load.",
            &["temperatures.max", "temperatures.min"],
            t.max.page.or(t.delta.page),
        ),
        Some((d, how)) if above(d, c.t.delta_t_minor) => c.find(
            "THM-002",
            Severity::Minor,
            "Temperature difference indicates a possible deficiency",
            format!(
                "ΔT {} °C ({how}) is above {} °C.",
                num(d),
                num(c.t.delta_t_minor)
            ),
            "Investigate at the next maintenance window and repeat the scan.",
            &["temperatures.max", "temperatures.min"],
            t.max.page.or(t.delta.page),
        ),
        Some(_) => {}
        None => {
            c.skip("THM-001", "ΔT could not be determined");
            c.skip("THM-002", "ΔT could not be determined");
        }
    }
    let missing: Vec<&str> = [("minimum", &t.min), ("maximum", &t.max)]
        .into_iter()
        .filter(|(_, f)| !f.is_set())
        .map(|(n, _)| n)
        .collect();
    if !missing.is_empty() {
        c.find(
            "THM-003",
            Severity::Major,
            "Load reading missing",
            format!("No {} temperature reading was found.", missing.join(" or ")),
            "Record the minimum and maximum temperature of every scanned component.",
            &["temperatures.min", "temperatures.max"],
            None,
        );
    }
    if !t.reflected.is_set() {
        c.find(
            "THM-004",
            Severity::Minor,
            "Reflected temperature missing",
            "The reflected apparent temperature was not recorded.".into(),
            "Measure the reflected temperature and enter it in the camera settings.",
            &["temperatures.reflected"],
            None,
        );
    }
    match (t.ambient.value, t.reflected.value) {
        (Some(a), Some(r)) if above((a - r).abs(), c.t.ambient_reflected_max) => c.find(
            "TEMP-001",
            Severity::Critical,
            "Ambient and reflected temperatures disagree",
            format!(
                "Ambient {} °C ({}) and reflected {} °C ({}) differ by {} °C (more than {} °C).",
                num(a),
                t.ambient.origin(),
                num(r),
                t.reflected.origin(),
                num((a - r).abs()),
                num(c.t.ambient_reflected_max)
            ),
            "Re-measure the reflected temperature and correct the camera parameters; the \
             readings are not reliable otherwise.",
            &["temperatures.ambient", "temperatures.reflected"],
            t.reflected.page,
        ),
        (Some(_), Some(_)) => {}
        _ => c.skip("TEMP-001", "ambient or reflected temperature not found"),
    }
}

fn certificate(c: &mut Check, x: &Extraction) {
    let (td, ex) = (&x.test_date, &x.certificate.expiry_date);
    c.use_field("test_date", td);
    c.use_field("certificate.expiry_date", ex);
    match (td.value, ex.value) {
        (Some(d), Some(e)) if e < d => c.find(
            "CERT-001",
            Severity::Critical,
            "Calibration certificate expired before the measurement",
            format!(
                "The certificate expired on {e} ({}), before the measurement on {d}.",
                ex.origin()
            ),
            "Repeat the measurement with a calibrated instrument and attach its valid \
             certificate.",
            &["certificate.expiry_date", "test_date"],
            ex.page,
        ),
        (Some(_), Some(_)) => {}
        _ => c.skip("CERT-001", "test date or certificate expiry not found"),
    }
}

fn tags(c: &mut Check, x: &Extraction) {
    let mut all: Vec<&Field<String>> = x.tags_seen.iter().collect();
    if x.equipment.tag.is_set() {
        all.push(&x.equipment.tag);
        c.use_field("equipment.tag", &x.equipment.tag);
    }
    let distinct: BTreeSet<String> = all
        .iter()
        .filter_map(|f| f.value.as_deref())
        .map(normalise_id)
        .filter(|s| !s.is_empty())
        .collect();
    if distinct.len() > 1 {
        let seen: Vec<String> = all
            .iter()
            .filter_map(|f| f.value.as_ref().map(|v| format!("{v} ({})", f.origin())))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        c.find(
            "TAG-001",
            Severity::Critical,
            "Equipment tag differs between sources",
            format!("The equipment is named differently: {}.", seen.join("; ")),
            "Confirm which equipment was tested and correct the report so every page names it \
             the same way.",
            &["equipment.tag"],
            x.equipment.tag.page,
        );
    } else if distinct.is_empty() {
        c.skip("TAG-001", "no equipment tag found");
    }
}

fn serials(c: &mut Check, x: &Extraction) {
    let (r, cert) = (&x.instrument_serial, &x.certificate.instrument_serial);
    c.use_field("instrument_serial", r);
    c.use_field("certificate.instrument_serial", cert);
    match (r.value.as_deref(), cert.value.as_deref()) {
        (Some(a), Some(b)) if normalise_id(a) != normalise_id(b) => c.find(
            "SERIAL-001",
            Severity::Critical,
            "Instrument serial differs from the certificate",
            format!(
                "The report names instrument {a} ({}), the calibration certificate {b} ({}).",
                r.origin(),
                cert.origin()
            ),
            "Attach the calibration certificate of the instrument actually used, or correct \
             the serial in the report.",
            &["instrument_serial", "certificate.instrument_serial"],
            cert.page,
        ),
        (Some(_), Some(_)) => {}
        _ => c.skip(
            "SERIAL-001",
            "instrument serial not found in the report or certificate",
        ),
    }
}

/// The reported value a photo of the instrument's display is compared with.
fn reported_value(test: TestType, x: &Extraction) -> Option<(String, &Field<f64>)> {
    match test {
        TestType::Grounding => Some(("ground_resistance".into(), &x.ground_resistance)),
        TestType::Thermography => Some(("temperatures.max".into(), &x.temperatures.max)),
        // A Megger display shows one pair at a time: compare with the closest reported pair.
        TestType::Insulation => {
            let shown = x.display_reading.value?;
            x.insulation
                .pairs()
                .into_iter()
                .filter(|(_, f)| f.is_set())
                .min_by(|a, b| {
                    let d = |f: &Field<f64>| (f.value.unwrap_or(0.0) - shown).abs();
                    d(a.1).total_cmp(&d(b.1))
                })
                .map(|(n, f)| (format!("insulation.{n}"), f))
        }
    }
}

fn display(c: &mut Check, test: TestType, x: &Extraction) {
    let d = &x.display_reading;
    let Some(shown) = d.value else {
        c.skip("VALOR-001", "no display reading found");
        return;
    };
    c.use_field("display_reading", d);
    let Some((path, reported)) = reported_value(test, x) else {
        c.skip("VALOR-001", "no reported value to compare with");
        return;
    };
    let Some(rv) = reported.value.filter(|v| *v != 0.0) else {
        c.skip("VALOR-001", "no reported value to compare with");
        return;
    };
    let diff = (shown - rv).abs() / rv.abs() * 100.0;
    if above(diff, c.t.display_tolerance_pct) {
        let unit = reported.unit.as_deref().unwrap_or("");
        c.find(
            "VALOR-001",
            Severity::Minor,
            "Display reading differs from the report",
            format!(
                "The instrument display shows {} {unit} ({}), the report {} {unit} ({}): {}% apart \
                 (more than {}%).",
                num(shown),
                d.origin(),
                num(rv),
                reported.origin(),
                num((diff * 10.0).round() / 10.0),
                num(c.t.display_tolerance_pct)
            ),
            "Check the transcription of the reading and correct the report or retake the photo.",
            &["display_reading", &path],
            d.page,
        );
    }
}
