//! The validation rules one by one: at each threshold, just below and just above it, for both
//! standards; verdict, score and the review flag. Pure functions: no database needed.
#![allow(clippy::field_reassign_with_default)] // fixtures read best as "a good report, then one change"

use chrono::NaiveDate;
use server::analyses::{
    evaluate,
    model::{Extraction, Field},
    Severity, TestType, Thresholds, Verdict,
};

fn f<T>(v: T) -> Field<T> {
    Field::found(v, None, 0.95, "test", 1)
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// A grounding report that passes every rule.
fn good_grounding() -> Extraction {
    let mut x = Extraction::default();
    x.ground_resistance = f(2.1);
    x.test_date = f(date("2026-03-14"));
    x.certificate.expiry_date = f(date("2026-09-30"));
    x.evidence.photos_watermarked = f(true);
    x.evidence.technician_signature = f(true);
    x.equipment.tag = f("GND-GRID-01".to_string());
    x.instrument_serial = f("101234567".to_string());
    x.certificate.instrument_serial = f("101234567".to_string());
    x
}

fn good_insulation() -> Extraction {
    let mut x = Extraction::default();
    for (i, name) in ["R-S", "R-T", "S-T", "R-ground", "S-ground", "T-ground"]
        .iter()
        .enumerate()
    {
        *x.insulation.pair_mut(name).unwrap() = f(2000.0 + i as f64);
    }
    x.insulation.absorption_index = f(1.6);
    x.test_date = f(date("2026-03-14"));
    x.certificate.expiry_date = f(date("2026-09-30"));
    x
}

fn good_thermography() -> Extraction {
    let mut x = Extraction::default();
    x.temperatures.max = f(31.0);
    x.temperatures.min = f(29.0);
    x.temperatures.ambient = f(24.0);
    x.temperatures.reflected = f(24.5);
    x
}

fn codes(test: TestType, x: &Extraction) -> Vec<String> {
    evaluate(test, x, &Thresholds::neta())
        .findings
        .into_iter()
        .map(|f| f.code)
        .collect()
}

fn has(test: TestType, x: &Extraction, code: &str) -> bool {
    codes(test, x).iter().any(|c| c == code)
}

#[test]
fn clean_reports_are_approved_with_full_score() {
    for (t, x) in [
        (TestType::Grounding, good_grounding()),
        (TestType::Insulation, good_insulation()),
        (TestType::Thermography, good_thermography()),
    ] {
        let o = evaluate(t, &x, &Thresholds::neta());
        assert_eq!(o.findings, vec![], "{t:?}");
        assert_eq!(o.verdict, Verdict::Approved);
        assert_eq!(o.score, 100);
        assert!(!o.requires_review, "{:?}", o.review_reasons);
        assert!((o.confidence - 0.95).abs() < 1e-9);
    }
}

#[test]
fn gnd_001_ground_resistance_limit() {
    let mut x = good_grounding();
    for (v, fails) in [(4.99, false), (5.0, false), (5.01, true), (7.4, true)] {
        x.ground_resistance = f(v);
        assert_eq!(has(TestType::Grounding, &x, "GND-001"), fails, "{v} Ω");
    }
    // Microsoft's profile is stricter: 1 Ω.
    x.ground_resistance = f(1.01);
    let o = evaluate(TestType::Grounding, &x, &Thresholds::microsoft());
    assert_eq!(o.findings[0].code, "GND-001");
    assert!(o.findings[0]
        .evidence
        .contains("Microsoft CxPOR limit of 1 Ω"));
    x.ground_resistance = f(1.0);
    assert!(evaluate(TestType::Grounding, &x, &Thresholds::microsoft())
        .findings
        .is_empty());
}

#[test]
fn gnd_002_and_003_calibration_against_test_date() {
    let mut x = good_grounding();
    for (expiry, expect) in [
        ("2026-03-13", Some("GND-002")),
        ("2026-03-14", Some("GND-003")),
        ("2026-03-15", None),
    ] {
        x.certificate.expiry_date = f(date(expiry));
        let c = codes(TestType::Grounding, &x);
        assert_eq!(
            c,
            expect.into_iter().map(String::from).collect::<Vec<_>>(),
            "{expiry}"
        );
    }
    x.certificate.expiry_date = f(date("2026-03-13"));
    let o = evaluate(TestType::Grounding, &x, &Thresholds::neta());
    assert_eq!(o.findings[0].severity, Severity::Critical);
    assert_eq!(o.verdict, Verdict::Rejected);
    x.certificate.expiry_date = f(date("2026-03-14"));
    let o = evaluate(TestType::Grounding, &x, &Thresholds::neta());
    assert_eq!(o.findings[0].severity, Severity::Minor);
    assert_eq!(o.verdict, Verdict::ApprovedWithComments);
    assert_eq!(o.score, 95);
}

#[test]
fn gnd_004_and_005_photos_and_signature() {
    let mut x = good_grounding();
    x.evidence.photos_watermarked = f(false);
    assert_eq!(codes(TestType::Grounding, &x), vec!["GND-004"]);
    x.evidence.photos_watermarked = f(true);
    x.evidence.technician_signature = f(false);
    let o = evaluate(TestType::Grounding, &x, &Thresholds::neta());
    assert_eq!(o.findings[0].code, "GND-005");
    assert_eq!(o.findings[0].severity, Severity::Major);
    assert_eq!(o.score, 85);
    // Unknown is not a finding: it is listed as not evaluated.
    x.evidence.technician_signature = Field::empty();
    let o = evaluate(TestType::Grounding, &x, &Thresholds::neta());
    assert!(o.findings.is_empty());
    assert!(o.not_evaluated.iter().any(|n| n.code == "GND-005"));
}

#[test]
fn meg_001_every_pair_must_be_present() {
    let mut x = good_insulation();
    *x.insulation.pair_mut("S-ground").unwrap() = Field::empty();
    let o = evaluate(TestType::Insulation, &x, &Thresholds::neta());
    assert_eq!(o.findings[0].code, "MEG-001");
    assert!(o.findings[0].evidence.contains("S-ground"));
    assert_eq!(o.verdict, Verdict::Rejected);
}

#[test]
fn meg_002_lowest_pair_against_minimum() {
    let mut x = good_insulation();
    for (v, fails) in [(99.9, true), (100.0, false), (100.1, false)] {
        *x.insulation.pair_mut("T-ground").unwrap() = f(v);
        assert_eq!(has(TestType::Insulation, &x, "MEG-002"), fails, "{v} MΩ");
    }
    *x.insulation.pair_mut("T-ground").unwrap() = f(42.0);
    let o = evaluate(TestType::Insulation, &x, &Thresholds::neta());
    assert!(o.findings[0].evidence.contains("T-ground = 42 MΩ"));
}

#[test]
fn meg_003_absorption_index() {
    let mut x = good_insulation();
    for (v, fails) in [(1.39, true), (1.4, false), (1.41, false)] {
        x.insulation.absorption_index = f(v);
        assert_eq!(has(TestType::Insulation, &x, "MEG-003"), fails, "{v}");
    }
}

#[test]
fn thm_001_and_002_delta_t_bands() {
    let mut x = good_thermography();
    for (d, expect) in [
        (2.99, None),
        (3.0, None),
        (3.01, Some("THM-002")),
        (15.0, Some("THM-002")),
        (15.01, Some("THM-001")),
    ] {
        x.temperatures.delta = f(d);
        let c = codes(TestType::Thermography, &x);
        assert_eq!(
            c,
            expect.into_iter().map(String::from).collect::<Vec<_>>(),
            "ΔT {d}"
        );
    }
    // Without a reported ΔT it is max − min.
    x.temperatures.delta = Field::empty();
    x.temperatures.max = f(50.0);
    x.temperatures.min = f(30.0);
    let o = evaluate(TestType::Thermography, &x, &Thresholds::neta());
    assert_eq!(o.findings[0].code, "THM-001");
    assert!(o.findings[0].evidence.contains("ΔT 20 °C (max − min)"));
}

#[test]
fn thm_003_and_004_missing_readings() {
    let mut x = good_thermography();
    x.temperatures.min = Field::empty();
    assert_eq!(codes(TestType::Thermography, &x), vec!["THM-003"]);
    let mut x = good_thermography();
    x.temperatures.reflected = Field::empty();
    assert_eq!(codes(TestType::Thermography, &x), vec!["THM-004"]);
}

#[test]
fn temp_001_ambient_against_reflected() {
    let mut x = good_thermography();
    for (r, fails) in [(25.0, false), (25.01, true), (23.0, false), (22.99, true)] {
        x.temperatures.reflected = f(r);
        assert_eq!(has(TestType::Thermography, &x, "TEMP-001"), fails, "{r}");
    }
}

#[test]
fn cert_001_for_insulation_and_thermography() {
    let mut x = good_insulation();
    x.certificate.expiry_date = f(date("2026-03-13"));
    assert_eq!(codes(TestType::Insulation, &x), vec!["CERT-001"]);
    x.certificate.expiry_date = f(date("2026-03-14"));
    assert!(codes(TestType::Insulation, &x).is_empty());
    let mut t = good_thermography();
    t.test_date = f(date("2026-05-01"));
    t.certificate.expiry_date = f(date("2026-04-30"));
    assert_eq!(codes(TestType::Thermography, &t), vec!["CERT-001"]);
}

#[test]
fn tag_001_and_serial_001_compare_normalised() {
    let mut x = good_grounding();
    x.tags_seen = vec![f("gnd grid-01".to_string()), f("GND-GRID-01".to_string())];
    assert!(codes(TestType::Grounding, &x).is_empty());
    x.tags_seen.push(f("GND-GRID-02".to_string()));
    assert_eq!(codes(TestType::Grounding, &x), vec!["TAG-001"]);

    let mut x = good_grounding();
    x.certificate.instrument_serial = f("1012-345-67".to_string());
    assert!(codes(TestType::Grounding, &x).is_empty());
    x.certificate.instrument_serial = f("101234568".to_string());
    assert_eq!(codes(TestType::Grounding, &x), vec!["SERIAL-001"]);
}

#[test]
fn valor_001_display_against_report() {
    let mut x = good_grounding();
    x.ground_resistance = f(2.0);
    for (shown, fails) in [(2.1, false), (2.1001, true), (1.9, false), (1.8999, true)] {
        x.display_reading = f(shown);
        assert_eq!(has(TestType::Grounding, &x, "VALOR-001"), fails, "{shown}");
    }
    let mut t = good_thermography();
    t.display_reading = f(40.0);
    assert_eq!(codes(TestType::Thermography, &t), vec!["VALOR-001"]);
}

#[test]
fn score_and_verdict_combine_findings() {
    let mut x = good_grounding();
    x.ground_resistance = f(7.4); // critical
    x.certificate.expiry_date = f(date("2026-01-31")); // critical
    x.evidence.technician_signature = f(false); // major
    x.display_reading = f(9.0); // minor
    let o = evaluate(TestType::Grounding, &x, &Thresholds::neta());
    let c: Vec<&str> = o.findings.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(c, ["GND-001", "GND-002", "GND-005", "VALOR-001"]);
    assert_eq!(o.verdict, Verdict::Rejected);
    assert_eq!(o.score, 100 - 30 - 30 - 15 - 5);
    x.instrument_serial = f("X".to_string());
    x.certificate.instrument_serial = f("Y".to_string());
    x.tags_seen = vec![f("A-1".to_string())];
    let o = evaluate(TestType::Grounding, &x, &Thresholds::neta());
    assert_eq!(o.score, 0, "never below zero");
    // The same input always gives the same answer.
    assert_eq!(o, evaluate(TestType::Grounding, &x, &Thresholds::neta()));
}

#[test]
fn low_confidence_or_missing_primary_requires_review() {
    let mut x = good_grounding();
    x.ground_resistance = Field::found(2.0, Some("Ω"), 0.79, "test", 2);
    let o = evaluate(TestType::Grounding, &x, &Thresholds::neta());
    assert!(o.requires_review);
    assert!((o.confidence - 0.79).abs() < 1e-9);
    x.ground_resistance.confidence = 0.80;
    assert!(!evaluate(TestType::Grounding, &x, &Thresholds::neta()).requires_review);
    // Low confidence on a field no rule uses does not matter.
    x.camera.humidity = Field::found(40.0, Some("%"), 0.1, "test", 1);
    assert!(!evaluate(TestType::Grounding, &x, &Thresholds::neta()).requires_review);
    x.ground_resistance = Field::empty();
    let o = evaluate(TestType::Grounding, &x, &Thresholds::neta());
    assert!(o.requires_review);
    assert!(o.not_evaluated.iter().any(|n| n.code == "GND-001"));
}

#[test]
fn reviewer_corrections_are_typed_and_trusted() {
    let mut x = good_grounding();
    x.ground_resistance = f(7.4);
    assert_eq!(
        evaluate(TestType::Grounding, &x, &Thresholds::neta()).verdict,
        Verdict::Rejected
    );
    x.correct("ground_resistance", "4,2").unwrap();
    assert_eq!(x.ground_resistance.value, Some(4.2));
    assert_eq!(x.ground_resistance.confidence, 1.0);
    assert_eq!(x.ground_resistance.source.as_deref(), Some("reviewer"));
    assert_eq!(
        evaluate(TestType::Grounding, &x, &Thresholds::neta()).verdict,
        Verdict::Approved
    );
    assert!(x
        .correct("ground_resistance", "abc")
        .unwrap_err()
        .0
        .contains("must be a number"));
    assert!(x
        .correct("test_date", "14/03/2026")
        .unwrap_err()
        .0
        .contains("YYYY-MM-DD"));
    assert!(x.correct("nope", "1").is_err());
    x.correct("insulation.S-ground", "250").unwrap();
    assert_eq!(x.insulation.s_ground.value, Some(250.0));
    assert_eq!(x.display("insulation.S-ground").as_deref(), Some("250"));
    x.correct("evidence.technician_signature", "no").unwrap();
    assert_eq!(codes(TestType::Grounding, &x), vec!["GND-005"]);
}
