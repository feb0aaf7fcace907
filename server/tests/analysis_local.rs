//! The local extractor on report text as `pdftotext -layout` gives it: what the text says is
//! read with its unit, page and honest confidence; what it does not say stays empty.

use server::analyses::{
    evaluate,
    local::{extract, DateOrder},
    TestType, Thresholds, Verdict,
};

const GROUNDING_P1: &str = "\
                 GROUNDING SYSTEM TEST REPORT
Project: Data Centre West, Hall 2           Report no.: GR-2026-031
Equipment tag:   GND-GRID-01                Location:   Substation B, yard
Description:     Main earthing grid
Test date:       14/03/2026                 Method: Fall of potential (62 %)
Instrument:      Megger DET4TC2, S/N 101234567
Ambient temperature: 18 °C

   Probe spacing      Reading
   20 m               7.1 Ω
Ground resistance: 7.4 Ω
Display reading: 7.4 Ω
Photo watermark: none
Technician signature: ____________
";

const GROUNDING_P2: &str = "\
                 CALIBRATION CERTIFICATE
Certificate no.: CAL-88231              Laboratory: Metrology Lab Ltd
Instrument serial: 101234567
Calibration date: 2025-01-31
Calibration due: 2026-01-31
";

const INSULATION: &str = "\
INSULATION RESISTANCE TEST (MEGGER)
Equipment ID: TX-2A     Serial no.: 55-1209
Test date: March 14, 2026      Test voltage: 1000 V DC
  L1-L2:   2.5 GΩ        L1-L3: 2400 MΩ      L2-L3: 2300 MΩ
  L1-PE:   850 MΩ        L2-PE: 92 MΩ
Dielectric absorption ratio: 1.31
Meter reading on display: 92 MΩ
";

const THERMO: &str = "\
THERMOGRAPHIC INSPECTION
Asset tag: UPS-2B    Location: Electrical room 1
Inspection date: 2026-05-02
Emissivity: 0.95     Distance: 1.5 m     Relative humidity: 45 %
Ambient temperature: 24.0 °C
Reflected temperature: 26.5 °C
Max: 61.2 °C      Min: 38.0 °C      Delta T: 23.2 °C
";

fn pages(p: &[&str]) -> Vec<String> {
    p.iter().map(|s| s.to_string()).collect()
}

#[test]
fn grounding_report_is_read_with_pages_and_units() {
    let x = extract(&pages(&[GROUNDING_P1, GROUNDING_P2]), DateOrder::DayFirst);
    assert_eq!(x.ground_resistance.value, Some(7.4));
    assert_eq!(x.ground_resistance.unit.as_deref(), Some("Ω"));
    assert_eq!(x.ground_resistance.page, Some(1));
    assert_eq!(x.ground_resistance.confidence, 0.9);
    assert!(x
        .ground_resistance
        .excerpt
        .as_deref()
        .unwrap()
        .contains("7.4 Ω"));
    assert_eq!(x.test_date.value.unwrap().to_string(), "2026-03-14");
    assert_eq!(x.equipment.tag.value.as_deref(), Some("GND-GRID-01"));
    assert_eq!(
        x.equipment.location.value.as_deref(),
        Some("Substation B, yard")
    );
    assert_eq!(x.instrument_serial.value.as_deref(), Some("101234567"));
    assert_eq!(x.instrument_serial.page, Some(1));
    assert_eq!(
        x.certificate.instrument_serial.value.as_deref(),
        Some("101234567")
    );
    assert_eq!(x.certificate.instrument_serial.page, Some(2));
    assert_eq!(x.certificate.serial.value.as_deref(), Some("CAL-88231"));
    assert_eq!(
        x.certificate.laboratory.value.as_deref(),
        Some("Metrology Lab Ltd")
    );
    assert_eq!(
        x.certificate.calibration_date.value.unwrap().to_string(),
        "2025-01-31"
    );
    assert_eq!(
        x.certificate.expiry_date.value.unwrap().to_string(),
        "2026-01-31"
    );
    assert_eq!(x.certificate.expiry_date.page, Some(2));
    assert_eq!(x.display_reading.value, Some(7.4));
    assert_eq!(x.evidence.photos_watermarked.value, Some(false));
    assert_eq!(x.evidence.technician_signature.value, Some(false));
    assert!(
        x.evidence.technician_signature.confidence < 0.8,
        "a guess from text is not sure"
    );
    assert_eq!(x.temperatures.ambient.value, Some(18.0));
    // Never invented: nothing in the text says these.
    assert_eq!(x.temperatures.reflected.value, None);
    assert_eq!(x.insulation.r_s.value, None);
    assert_eq!(x.camera.emissivity.value, None);

    let o = evaluate(TestType::Grounding, &x, &Thresholds::neta());
    let codes: Vec<&str> = o.findings.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(codes, ["GND-001", "GND-002", "GND-004", "GND-005"]);
    assert_eq!(o.verdict, Verdict::Rejected);
    assert!(o.findings[0]
        .evidence
        .contains("7.4 Ω (page 1, text layer)"));
    assert!(o.findings[1]
        .evidence
        .contains("2026-01-31 (page 2, text layer)"));
    assert!(
        o.requires_review,
        "signature and watermark were read with low confidence"
    );
}

#[test]
fn insulation_pairs_with_aliases_and_prefixes() {
    let x = extract(&pages(&[INSULATION]), DateOrder::DayFirst);
    let i = &x.insulation;
    assert_eq!(i.r_s.value, Some(2500.0), "2.5 GΩ in MΩ");
    assert_eq!(i.r_t.value, Some(2400.0));
    assert_eq!(i.s_t.value, Some(2300.0));
    assert_eq!(i.r_ground.value, Some(850.0));
    assert_eq!(i.s_ground.value, Some(92.0));
    assert_eq!(i.t_ground.value, None, "L3-PE is not in the text");
    assert_eq!(i.absorption_index.value, Some(1.31));
    assert_eq!(x.test_date.value.unwrap().to_string(), "2026-03-14");
    assert_eq!(x.equipment.tag.value.as_deref(), Some("TX-2A"));
    assert_eq!(x.display_reading.value, Some(92.0));
    assert_eq!(x.display_reading.unit.as_deref(), Some("MΩ"));
    let o = evaluate(TestType::Insulation, &x, &Thresholds::neta());
    let codes: Vec<&str> = o.findings.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(codes, ["MEG-001", "MEG-002", "MEG-003"]);
    assert!(o.findings[0].evidence.contains("T-ground"));
}

#[test]
fn thermography_temperatures_and_camera() {
    let x = extract(&pages(&[THERMO]), DateOrder::DayFirst);
    let t = &x.temperatures;
    assert_eq!(t.ambient.value, Some(24.0));
    assert_eq!(t.reflected.value, Some(26.5));
    assert_eq!(t.max.value, Some(61.2));
    assert_eq!(t.min.value, Some(38.0));
    assert_eq!(t.delta.value, Some(23.2));
    assert_eq!(x.camera.emissivity.value, Some(0.95));
    assert_eq!(x.camera.distance.value, Some(1.5));
    assert_eq!(x.camera.humidity.value, Some(45.0));
    assert_eq!(x.equipment.tag.value.as_deref(), Some("UPS-2B"));
    let o = evaluate(TestType::Thermography, &x, &Thresholds::neta());
    let codes: Vec<&str> = o.findings.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(codes, ["TEMP-001", "THM-001"]);
}

#[test]
fn fahrenheit_and_ambiguous_dates() {
    let text = "Ambient temperature: 77 °F\nTest date: 03/04/2026\nDelta T: 9 °F\n";
    let x = extract(&pages(&[text]), DateOrder::DayFirst);
    assert!((x.temperatures.ambient.value.unwrap() - 25.0).abs() < 1e-9);
    assert!((x.temperatures.delta.value.unwrap() - 5.0).abs() < 1e-9);
    assert_eq!(x.test_date.value.unwrap().to_string(), "2026-04-03");
    assert!(
        x.test_date.confidence < 0.85,
        "order decided by the company setting only"
    );
    let x = extract(&pages(&[text]), DateOrder::MonthFirst);
    assert_eq!(x.test_date.value.unwrap().to_string(), "2026-03-04");
}

#[test]
fn conflicting_pages_lower_confidence_and_tags_are_all_kept() {
    let p1 = "Equipment tag: SWGR-A-01\nGround resistance: 3.2 Ω\n";
    let p2 = "Tag: SWGR-A-02\nGround resistance: 3.9 Ω\n";
    let x = extract(&pages(&[p1, p2]), DateOrder::DayFirst);
    assert_eq!(x.ground_resistance.value, Some(3.2));
    assert_eq!(x.ground_resistance.confidence, 0.6);
    assert_eq!(x.tags_seen.len(), 2);
    let o = evaluate(TestType::Grounding, &x, &Thresholds::neta());
    assert!(o.findings.iter().any(|f| f.code == "TAG-001"));
}

#[test]
fn text_without_measurements_gives_an_empty_extraction() {
    let x = extract(
        &pages(&["Minutes of the site meeting.\nThe weather was fine.\n", ""]),
        DateOrder::DayFirst,
    );
    assert_eq!(x, Default::default());
    let o = evaluate(TestType::Grounding, &x, &Thresholds::neta());
    assert!(o.requires_review);
    assert!(o.findings.is_empty());
}

#[test]
fn a_milliohm_reading_is_not_a_megohm_one() {
    let x = extract(&pages(&["Earth resistance: 850 mΩ\n"]), DateOrder::DayFirst);
    assert!((x.ground_resistance.value.unwrap() - 0.85).abs() < 1e-9);
    let x = extract(&pages(&["Earth resistance: 12 V\n"]), DateOrder::DayFirst);
    assert_eq!(
        x.ground_resistance.value, None,
        "a voltage is not a resistance"
    );
}
