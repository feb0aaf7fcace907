//! The local extractor: reads what a report's text layer really says — labelled values with
//! units (Ω, MΩ, °C, %, m), dates, serials, equipment tags, the six insulation pairs, the
//! absorption index — and leaves everything else empty. Confidence is honest: an explicit label
//! with an explicit unit is 0.9; a unit inferred from the field is 0.75; a day/month order decided
//! only by the company's date format is 0.8; readings that disagree between pages drop to 0.6.
//! It never sees images, so watermarks and drawn signatures stay unknown unless the text says.

use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;

use super::model::{Extraction, Field};

pub const SOURCE: &str = "text layer";

/// Day/month order for dates like 03/04/2026.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateOrder {
    DayFirst,
    MonthFirst,
}

impl DateOrder {
    /// From the company's `date_format` setting.
    pub fn from_setting(s: &str) -> DateOrder {
        if s.starts_with("MM") {
            DateOrder::MonthFirst
        } else {
            DateOrder::DayFirst
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Slot {
    TestDate,
    CalibrationDate,
    ExpiryDate,
    Laboratory,
    CertificateNo,
    InstrumentSerial,
    EquipmentSerial,
    Serial,
    Tag,
    Description,
    Location,
    GroundResistance,
    DisplayReading,
    Absorption,
    Ambient,
    Reflected,
    Max,
    Min,
    Delta,
    Emissivity,
    Distance,
    Humidity,
    Signature,
    Watermark,
    Instrument,
}

/// Labels, tried in order on each cell (longer, more specific labels first).
static LABELS: LazyLock<Vec<(Slot, Regex)>> = LazyLock::new(|| {
    let table: &[(Slot, &str)] = &[
        (
            Slot::ExpiryDate,
            r"calibration\s+(?:due|expiry|expires|expiration|valid\s+until)(?:\s+date)?|cal\.?\s+due(?:\s+date)?|next\s+calibration(?:\s+date)?|re-?calibration\s+due|expiry\s+date|expiration\s+date|valid\s+until|due\s+date",
        ),
        (
            Slot::CalibrationDate,
            r"calibration\s+date|date\s+of\s+calibration|calibrated\s+on|cal\.?\s+date|last\s+calibration(?:\s+date)?",
        ),
        (
            Slot::TestDate,
            r"test\s+date|date\s+of\s+test(?:ing)?|tested\s+on|date\s+tested|measurement\s+date|inspection\s+date|survey\s+date",
        ),
        (
            Slot::Laboratory,
            r"calibration\s+laboratory|calibration\s+lab|laboratory|calibrated\s+by",
        ),
        (
            Slot::CertificateNo,
            r"certificate\s+(?:no\.?|number|#)|cert\.?\s+(?:no\.?|number|#)",
        ),
        (
            Slot::InstrumentSerial,
            r"instrument\s+(?:serial(?:\s+(?:no\.?|number))?|s/n)|meter\s+(?:serial|s/n)|tester\s+(?:serial|s/n)|camera\s+(?:serial|s/n)",
        ),
        (
            Slot::EquipmentSerial,
            r"equipment\s+(?:serial(?:\s+(?:no\.?|number))?|s/n)|asset\s+serial",
        ),
        (Slot::Serial, r"serial\s+(?:no\.?|number)|serial|s/n"),
        (
            Slot::Tag,
            r"equipment\s+(?:tag|id)|asset\s+tag|tag\s+(?:no\.?|number)|tag",
        ),
        (Slot::Description, r"equipment\s+description|description"),
        (Slot::Location, r"location"),
        (
            Slot::GroundResistance,
            r"(?:ground|earth|grounding|earthing)\s+(?:electrode\s+)?resistance|resistance\s+to\s+(?:ground|earth)|measured\s+resistance",
        ),
        (
            Slot::DisplayReading,
            r"display\s+reading|display\s+shows|instrument\s+display|meter\s+reading(?:\s+on\s+(?:the\s+)?display)?|reading\s+on\s+(?:the\s+)?display",
        ),
        (
            Slot::Absorption,
            r"(?:dielectric\s+)?absorption\s+(?:index|ratio)|dar",
        ),
        (
            Slot::Reflected,
            r"reflected(?:\s+apparent)?(?:\s+temperature|\s+temp\.?)?",
        ),
        (
            Slot::Ambient,
            r"ambient(?:\s+temperature|\s+temp\.?)?|atmospheric\s+temperature",
        ),
        (
            Slot::Delta,
            r"delta\s*t|Δ\s*t|temperature\s+(?:difference|rise)",
        ),
        (
            Slot::Max,
            r"max(?:imum|\.)?(?:\s+temperature|\s+temp\.?)?|hot\s*spot(?:\s+temperature)?|t\s*max",
        ),
        (
            Slot::Min,
            r"min(?:imum|\.)?(?:\s+temperature|\s+temp\.?)?|t\s*min",
        ),
        (Slot::Emissivity, r"emissivity"),
        (Slot::Distance, r"(?:object\s+)?distance"),
        (Slot::Humidity, r"(?:relative\s+)?humidity|rh"),
        (
            Slot::Signature,
            r"technician(?:'s)?\s+signature|signed\s+by|signature",
        ),
        (Slot::Watermark, r"photo\s+watermarks?|watermark(?:ed|s)?"),
        (
            Slot::Instrument,
            r"instrument|tester|meter|test\s+equipment",
        ),
    ];
    table
        .iter()
        .map(|(slot, label)| {
            let re = format!(
                r"(?i)^[\s•*\-–]*(?:{label})\s*(?:\((?P<unit>[^)]{{1,8}})\))?(?:\s*[:=]\s*(?P<v1>.*)|\s{{2,}}(?P<v2>.*)|\s+(?P<v3>[-+>≥]?\d.*)|\s*(?P<v4>))$"
            );
            (*slot, Regex::new(&re).expect("label pattern"))
        })
        .collect()
});

static NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?P<gt>[>≥]\s*)?(?P<num>[-+]?\d+(?:[.,]\d+)?)\s*(?P<unit>[a-zA-Z°ºΩμµ%]{1,6}(?:\s*[Ω])?)?")
        .expect("number pattern")
});

static PAIR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?P<a>L1|L2|L3|R|S|T|A|B|C|U|V|W)\s*[-–/]\s*(?P<b>L1|L2|L3|R|S|T|A|B|C|U|V|W|GND|GROUND|EARTH|PE|G|E)\b\s*(?:\([^)]*\))?\s*[:=]?\s*(?P<gt>[>≥]\s*)?(?P<num>\d+(?:[.,]\d+)?)\s*(?P<unit>[kMGT]?\s*(?:Ω|ohms?|Ohms?))",
    )
    .expect("pair pattern")
});

static TAG_SHAPE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b[A-Z][A-Z0-9]{0,9}(?:[-_./][A-Z0-9]{1,10}){1,5}\b").expect("tag pattern")
});

static ID_SHAPE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z0-9][A-Za-z0-9\-_/.]{2,39}").expect("id pattern"));

static SN_INLINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:s/n|serial(?:\s+no\.?)?)\s*[:#]?\s*(?P<sn>[A-Za-z0-9][A-Za-z0-9\-/]{2,39})",
    )
    .expect("serial pattern")
});

static CERT_PAGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)calibration\s+certificate|certificate\s+of\s+calibration").expect("cert")
});

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// A date found in text and how sure the parse is.
fn parse_date(s: &str, order: DateOrder) -> Option<(NaiveDate, f64)> {
    static ISO: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\b").unwrap());
    static NUMERIC: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\b(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})\b").unwrap());
    static DAY_MONTH: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\b(\d{1,2})(?:st|nd|rd|th)?[\s\-]+([a-z]{3,9})\.?[\s\-,]+(\d{4})\b")
            .unwrap()
    });
    static MONTH_DAY: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\b([a-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b").unwrap()
    });
    let month = |name: &str| -> Option<u32> {
        let n = name.to_ascii_lowercase();
        MONTHS
            .iter()
            .position(|m| n.starts_with(m))
            .map(|i| i as u32 + 1)
    };
    if let Some(c) = ISO.captures(s) {
        let d =
            NaiveDate::from_ymd_opt(c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?)?;
        return Some((d, 1.0));
    }
    if let Some(c) = NUMERIC.captures(s) {
        let (a, b, y): (u32, u32, i32) =
            (c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?);
        let ambiguous = a <= 12 && b <= 12 && a != b;
        let (day, mon) = if a > 12 {
            (a, b)
        } else if b > 12 {
            (b, a)
        } else if order == DateOrder::DayFirst {
            (a, b)
        } else {
            (b, a)
        };
        let d = NaiveDate::from_ymd_opt(y, mon, day)?;
        return Some((d, if ambiguous { 0.8 / 0.9 } else { 1.0 }));
    }
    if let Some(c) = DAY_MONTH.captures(s) {
        if let Some(m) = month(&c[2]) {
            return NaiveDate::from_ymd_opt(c[3].parse().ok()?, m, c[1].parse().ok()?)
                .map(|d| (d, 1.0));
        }
    }
    if let Some(c) = MONTH_DAY.captures(s) {
        if let Some(m) = month(&c[1]) {
            return NaiveDate::from_ymd_opt(c[3].parse().ok()?, m, c[2].parse().ok()?)
                .map(|d| (d, 1.0));
        }
    }
    None
}

#[derive(Clone, Copy, PartialEq)]
enum Quantity {
    /// Earth resistance, normalised to Ω.
    Ohms,
    /// Normalised to °C.
    Celsius,
    /// Normalised to metres.
    Metres,
    Percent,
    /// A plain ratio (emissivity, absorption index).
    Ratio,
    /// A display reading: keeps the unit it shows.
    AsShown,
}

/// Multiplier to the quantity's base unit, or None when the unit does not fit.
fn unit_factor(q: Quantity, unit: &str) -> Option<(f64, &'static str)> {
    let u = unit.replace(' ', "");
    let lower = u.to_lowercase();
    match q {
        Quantity::Ohms => resistance_factor(&u).map(|f| (f, "Ω")),
        Quantity::Celsius => match lower.as_str() {
            "°c" | "ºc" | "c" | "degc" => Some((1.0, "°C")),
            "°f" | "ºf" | "f" | "degf" => Some((f64::NAN, "°C")),
            "k" => Some((f64::INFINITY, "°C")),
            _ => None,
        },
        Quantity::Metres => match lower.as_str() {
            "m" => Some((1.0, "m")),
            "cm" => Some((0.01, "m")),
            "mm" => Some((0.001, "m")),
            "ft" => Some((0.3048, "m")),
            _ => None,
        },
        Quantity::Percent => (lower == "%").then_some((1.0, "%")),
        Quantity::Ratio | Quantity::AsShown => None,
    }
}

/// Resistance prefixes are case-sensitive: mΩ is milli, MΩ mega.
fn resistance_factor(u: &str) -> Option<f64> {
    let (prefix, rest) = match u.char_indices().nth(1) {
        Some((i, _)) if !u.starts_with('Ω') && !u.to_lowercase().starts_with("ohm") => {
            u.split_at(i)
        }
        _ => ("", u),
    };
    let rest_l = rest.to_lowercase();
    if !(rest == "Ω" || rest_l == "ohm" || rest_l == "ohms") {
        return None;
    }
    Some(match prefix {
        "" => 1.0,
        "m" => 1e-3,
        "k" | "K" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        _ => return None,
    })
}

fn to_base(q: Quantity, v: f64, unit: Option<&str>) -> Option<(f64, String, bool)> {
    match unit.and_then(|u| unit_factor(q, u).map(|f| (u, f))) {
        Some((_, (f, base))) if f.is_nan() => Some(((v - 32.0) * 5.0 / 9.0, base.into(), true)),
        Some((_, (f, base))) if f.is_infinite() => Some((v - 273.15, base.into(), true)),
        Some((_, (f, base))) => Some((v * f, base.into(), true)),
        None => {
            let implied = match q {
                Quantity::Ohms => "Ω",
                Quantity::Celsius => "°C",
                Quantity::Metres => "m",
                Quantity::Percent => "%",
                Quantity::Ratio => return Some((v, String::new(), true)),
                Quantity::AsShown => {
                    return Some((v, unit.unwrap_or("").to_string(), unit.is_some()))
                }
            };
            // A unit that does not belong to the quantity: not this field.
            if unit.is_some() {
                return None;
            }
            Some((v, implied.into(), false))
        }
    }
}

fn parse_number(s: &str) -> Option<(f64, Option<String>)> {
    let c = NUMBER.captures(s)?;
    let v: f64 = c["num"].replace(',', ".").parse().ok()?;
    let unit = c
        .name("unit")
        .map(|u| u.as_str().trim().to_string())
        .filter(|u| !u.is_empty());
    v.is_finite().then_some((v, unit))
}

/// Splits a layout line into label/value cells: columns are three or more spaces apart; a cell
/// that is only a label ending in ':' takes the next cell as its value.
fn cells(line: &str) -> Vec<String> {
    static GAP: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\s{3,}|\t+").unwrap());
    let parts: Vec<&str> = GAP.split(line.trim()).filter(|p| !p.is_empty()).collect();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < parts.len() {
        let p = parts[i];
        if p.trim_end().ends_with(':') && i + 1 < parts.len() {
            out.push(format!("{} {}", p.trim_end(), parts[i + 1]));
            i += 2;
        } else {
            out.push(p.to_string());
            i += 1;
        }
    }
    out
}

struct Reader {
    order: DateOrder,
    x: Extraction,
}

impl Reader {
    fn put<T: PartialEq + Clone>(slot: &mut Field<T>, new: Field<T>) {
        match &slot.value {
            None => *slot = new,
            Some(old) if Some(old) != new.value.as_ref() => {
                // Two pages disagree: keep the first reading, say we are unsure.
                slot.confidence = slot.confidence.min(0.6);
            }
            Some(_) => {}
        }
    }

    fn number(
        &self,
        q: Quantity,
        value: &str,
        label_unit: Option<&str>,
        page: u32,
        cell: &str,
    ) -> Option<Field<f64>> {
        let (v, unit) = parse_number(value)?;
        let unit = unit.as_deref().or(label_unit);
        let (v, unit, explicit) = to_base(q, v, unit)?;
        let conf = if explicit { 0.9 } else { 0.75 };
        let unit = (!unit.is_empty()).then_some(unit);
        Some(Field::found(v, unit.as_deref(), conf, SOURCE, page).with_excerpt(cell))
    }

    fn date(&self, value: &str, page: u32, cell: &str) -> Option<Field<NaiveDate>> {
        let (d, k) = parse_date(value, self.order)?;
        Some(Field::found(d, None, 0.9 * k, SOURCE, page).with_excerpt(cell))
    }

    fn id(&self, value: &str, page: u32, cell: &str) -> Option<Field<String>> {
        let v = ID_SHAPE
            .find(value.trim())?
            .as_str()
            .trim_end_matches(['.', '/']);
        v.chars()
            .any(|c| c.is_ascii_digit())
            .then(|| Field::found(v.to_string(), None, 0.9, SOURCE, page).with_excerpt(cell))
    }

    fn text(&self, value: &str, page: u32, cell: &str) -> Option<Field<String>> {
        let v = value.trim().trim_end_matches(['.', ',']);
        (v.len() >= 2 && v.chars().any(char::is_alphanumeric)).then(|| {
            let v: String = v.chars().take(120).collect();
            Field::found(v, None, 0.75, SOURCE, page).with_excerpt(cell)
        })
    }

    fn yes_no(&self, value: &str, page: u32, cell: &str, slot: Slot) -> Option<Field<bool>> {
        let v = value.trim().to_lowercase();
        let blank = v.is_empty() || v.chars().all(|c| c == '_' || c == '.' || c == '-');
        let no = blank
            || [
                "no",
                "none",
                "missing",
                "not signed",
                "unsigned",
                "absent",
                "without",
                "n/a",
            ]
            .iter()
            .any(|w| v == *w || v.starts_with(&format!("{w} ")));
        let yes = ["yes", "present", "signed", "ok", "included", "with "]
            .iter()
            .any(|w| v == w.trim() || v.starts_with(w));
        let value = if no {
            false
        } else if yes || (slot == Slot::Signature && v.chars().any(char::is_alphabetic)) {
            true
        } else {
            return None;
        };
        Some(Field::found(value, None, 0.6, SOURCE, page).with_excerpt(cell))
    }

    fn cell(&mut self, cell: &str, page: u32, cert_page: bool) {
        for c in PAIR.captures_iter(cell) {
            let Some(name) = pair_name(&c["a"], &c["b"]) else {
                continue;
            };
            let Ok(v) = c["num"].replace(',', ".").parse::<f64>() else {
                continue;
            };
            let Some(factor) = resistance_factor(&c["unit"].replace(' ', "")) else {
                continue;
            };
            let conf = if c.name("gt").is_some() { 0.85 } else { 0.9 };
            let f =
                Field::found(v * factor / 1e6, Some("MΩ"), conf, SOURCE, page).with_excerpt(cell);
            if let Some(slot) = self.x.insulation.pair_mut(name) {
                Self::put(slot, f);
            }
        }
        let Some((slot, caps)) = LABELS
            .iter()
            .find_map(|(s, re)| re.captures(cell).map(|c| (*s, c)))
        else {
            return;
        };
        let value = ["v1", "v2", "v3", "v4"]
            .iter()
            .find_map(|n| caps.name(n))
            .map(|m| m.as_str())
            .unwrap_or("");
        let unit = caps.name("unit").map(|m| m.as_str().trim());
        match slot {
            Slot::TestDate if !cert_page => {
                if let Some(f) = self.date(value, page, cell) {
                    Self::put(&mut self.x.test_date, f);
                }
            }
            Slot::CalibrationDate => {
                if let Some(f) = self.date(value, page, cell) {
                    Self::put(&mut self.x.certificate.calibration_date, f);
                }
            }
            Slot::ExpiryDate => {
                if let Some(f) = self.date(value, page, cell) {
                    Self::put(&mut self.x.certificate.expiry_date, f);
                }
            }
            Slot::Laboratory => {
                if let Some(f) = self.text(value, page, cell) {
                    Self::put(&mut self.x.certificate.laboratory, f);
                }
            }
            Slot::CertificateNo => {
                if let Some(f) = self.id(value, page, cell) {
                    Self::put(&mut self.x.certificate.serial, f);
                }
            }
            Slot::InstrumentSerial | Slot::Serial | Slot::Instrument => {
                let f = if slot == Slot::Instrument {
                    SN_INLINE.captures(value).and_then(|c| {
                        self.id(&c["sn"], page, cell).map(|mut f| {
                            f.confidence = 0.8;
                            f
                        })
                    })
                } else {
                    self.id(value, page, cell)
                };
                if let Some(f) = f {
                    if cert_page {
                        Self::put(&mut self.x.certificate.instrument_serial, f);
                    } else if slot != Slot::Serial {
                        Self::put(&mut self.x.instrument_serial, f);
                    }
                }
            }
            Slot::EquipmentSerial => {
                if let Some(f) = self.id(value, page, cell) {
                    Self::put(&mut self.x.equipment.serial, f);
                }
            }
            Slot::Tag if !cert_page => {
                if let Some(m) = TAG_SHAPE.find(value) {
                    let f = Field::found(m.as_str().to_string(), None, 0.9, SOURCE, page)
                        .with_excerpt(cell);
                    let x = &mut self.x;
                    if !x.tags_seen.iter().any(|t| t.value == f.value) {
                        x.tags_seen.push(f.clone());
                    }
                    if !x.equipment.tag.is_set() {
                        x.equipment.tag = f;
                    }
                }
            }
            Slot::Description if !cert_page => {
                if let Some(f) = self.text(value, page, cell) {
                    Self::put(&mut self.x.equipment.description, f);
                }
            }
            Slot::Location if !cert_page => {
                if let Some(f) = self.text(value, page, cell) {
                    Self::put(&mut self.x.equipment.location, f);
                }
            }
            Slot::GroundResistance => {
                if let Some(f) = self.number(Quantity::Ohms, value, unit, page, cell) {
                    Self::put(&mut self.x.ground_resistance, f);
                }
            }
            Slot::DisplayReading => {
                if let Some(f) = self.number(Quantity::AsShown, value, unit, page, cell) {
                    Self::put(&mut self.x.display_reading, normalise_display(f));
                }
            }
            Slot::Absorption => {
                if let Some(f) = self.number(Quantity::Ratio, value, unit, page, cell) {
                    Self::put(&mut self.x.insulation.absorption_index, f);
                }
            }
            Slot::Ambient | Slot::Reflected | Slot::Max | Slot::Min | Slot::Delta => {
                let Some(mut f) = self.number(Quantity::Celsius, value, unit, page, cell) else {
                    return;
                };
                let t = &mut self.x.temperatures;
                let target = match slot {
                    Slot::Ambient => &mut t.ambient,
                    Slot::Reflected => &mut t.reflected,
                    Slot::Max => &mut t.max,
                    Slot::Min => &mut t.min,
                    _ => {
                        // A difference: °F steps are 5/9 of a °C step, without the offset.
                        if let Some((_, Some(u))) = parse_number(value) {
                            if u.to_lowercase().ends_with('f') {
                                f.value = parse_number(value).map(|(v, _)| v * 5.0 / 9.0);
                            }
                        }
                        &mut t.delta
                    }
                };
                Self::put(target, f);
            }
            Slot::Emissivity => {
                if let Some(f) = self
                    .number(Quantity::Ratio, value, unit, page, cell)
                    .filter(|f| f.value.is_some_and(|v| (0.0..=1.0).contains(&v)))
                {
                    Self::put(&mut self.x.camera.emissivity, f);
                }
            }
            Slot::Distance => {
                if let Some(f) = self.number(Quantity::Metres, value, unit, page, cell) {
                    Self::put(&mut self.x.camera.distance, f);
                }
            }
            Slot::Humidity => {
                if let Some(f) = self.number(Quantity::Percent, value, unit, page, cell) {
                    Self::put(&mut self.x.camera.humidity, f);
                }
            }
            Slot::Signature => {
                if let Some(f) = self.yes_no(value, page, cell, slot) {
                    Self::put(&mut self.x.evidence.technician_signature, f);
                }
            }
            Slot::Watermark => {
                if let Some(f) = self.yes_no(value, page, cell, slot) {
                    Self::put(&mut self.x.evidence.photos_watermarked, f);
                }
            }
            _ => {}
        }
    }
}

/// Resistance shown on a display is kept in Ω or MΩ as the report states it.
fn normalise_display(f: Field<f64>) -> Field<f64> {
    let Some(unit) = f.unit.clone() else {
        return f;
    };
    match resistance_factor(&unit) {
        Some(factor) if factor >= 1e6 => Field {
            value: f.value.map(|v| v * factor / 1e6),
            unit: Some("MΩ".into()),
            ..f
        },
        Some(factor) => Field {
            value: f.value.map(|v| v * factor),
            unit: Some("Ω".into()),
            ..f
        },
        None if unit.to_lowercase().ends_with('c') => Field {
            unit: Some("°C".into()),
            ..f
        },
        None => f,
    }
}

fn phase(s: &str) -> Option<char> {
    match s.to_ascii_uppercase().as_str() {
        "R" | "L1" | "A" | "U" => Some('R'),
        "S" | "L2" | "B" | "V" => Some('S'),
        "T" | "L3" | "C" | "W" => Some('T'),
        "G" | "GND" | "GROUND" | "EARTH" | "PE" | "E" => Some('G'),
        _ => None,
    }
}

fn pair_name(a: &str, b: &str) -> Option<&'static str> {
    let (mut x, mut y) = (phase(a)?, phase(b)?);
    if x == 'G' {
        std::mem::swap(&mut x, &mut y);
    }
    if y != 'G' && x > y {
        std::mem::swap(&mut x, &mut y);
    }
    Some(match (x, y) {
        ('R', 'S') => "R-S",
        ('R', 'T') => "R-T",
        ('S', 'T') => "S-T",
        ('R', 'G') => "R-ground",
        ('S', 'G') => "S-ground",
        ('T', 'G') => "T-ground",
        _ => return None,
    })
}

/// Reads the text layer of each page (index 0 is page 1).
pub fn extract(pages: &[String], order: DateOrder) -> Extraction {
    let mut r = Reader {
        order,
        x: Extraction::default(),
    };
    for (i, text) in pages.iter().enumerate() {
        let page = i as u32 + 1;
        let cert_page = CERT_PAGE.is_match(text);
        for line in text.lines() {
            for cell in cells(line) {
                r.cell(&cell, page, cert_page);
            }
        }
    }
    r.x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let d = |s| parse_date(s, DateOrder::DayFirst).map(|(d, _)| d.to_string());
        assert_eq!(d("2026-03-14").as_deref(), Some("2026-03-14"));
        assert_eq!(d("14/03/2026").as_deref(), Some("2026-03-14"));
        assert_eq!(d("03/14/2026").as_deref(), Some("2026-03-14"));
        assert_eq!(d("03/04/2026").as_deref(), Some("2026-04-03"));
        assert_eq!(
            parse_date("03/04/2026", DateOrder::MonthFirst).map(|(d, _)| d.to_string()),
            Some("2026-03-04".into())
        );
        assert_eq!(d("14 March 2026").as_deref(), Some("2026-03-14"));
        assert_eq!(d("March 14, 2026").as_deref(), Some("2026-03-14"));
        assert_eq!(d("31/02/2026"), None);
    }

    #[test]
    fn resistance_prefixes_are_case_sensitive() {
        assert_eq!(resistance_factor("MΩ"), Some(1e6));
        assert_eq!(resistance_factor("mΩ"), Some(1e-3));
        assert_eq!(resistance_factor("Ω"), Some(1.0));
        assert_eq!(resistance_factor("ohms"), Some(1.0));
        assert_eq!(resistance_factor("GOhm"), Some(1e9));
        assert_eq!(resistance_factor("V"), None);
    }
}
