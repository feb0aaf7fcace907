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

/// Labels, tried in order on each cell (longer, more specific labels first), in English,
/// Portuguese, Spanish and Romanian. They are matched against the cell folded to lower-case
/// ASCII letters (see [`fold`]), so "Resistência" and "RESISTENCIA" are one label.
static LABELS: LazyLock<Vec<(Slot, Regex)>> = LazyLock::new(|| {
    let table: &[(Slot, &str)] = &[
        (
            Slot::ExpiryDate,
            r"calibration\s+(?:due|expiry|expires|expiration|valid\s+until)(?:\s+date)?|cal\.?\s+due(?:\s+date)?|next\s+calibration(?:\s+date)?|re-?calibration\s+due|expiry\s+date|expiration\s+date|valid\s+until|due\s+date|validade(?:\s+da\s+calibracao)?|proxima\s+calibra(?:cao|cion)|valido\s+(?:ate|hasta)|vencimiento(?:\s+de\s+la\s+calibracion)?|valabil\s+pana\s+la|urmatoarea\s+etalonare|scadenta(?:\s+etalonarii)?",
        ),
        (
            Slot::CalibrationDate,
            r"calibration\s+date|date\s+of\s+calibration|calibrated\s+on|cal\.?\s+date|last\s+calibration(?:\s+date)?|data\s+d[ae]\s+calibracao|fecha\s+de\s+(?:la\s+)?calibracion|data\s+etalonarii",
        ),
        (
            Slot::TestDate,
            r"test\s+date|date\s+of\s+test(?:ing)?|tested\s+on|date\s+tested|measurement\s+date|inspection\s+date|survey\s+date|data\s+d[oa]\s+(?:ensaio|teste|medicao|inspecao)|fecha\s+(?:del\s+ensayo|de\s+(?:la\s+)?medicion|de\s+la\s+prueba|de\s+inspeccion)|data\s+(?:incercarii|masurarii|verificarii)|date|data|fecha",
        ),
        (
            Slot::Laboratory,
            r"calibration\s+laboratory|calibration\s+lab|laboratory|calibrated\s+by|laboratorio|laborator",
        ),
        (
            Slot::CertificateNo,
            r"certificate\s+(?:no\.?|number|#)|cert\.?\s+(?:no\.?|number|#)|certificado\s+(?:n\.?\s*[o°º]\.?|numero)|nr\.?\s+certificat|certificat\s+nr\.?",
        ),
        (
            Slot::InstrumentSerial,
            r"instrument\s+(?:serial(?:\s+(?:no\.?|number))?|s/n)|meter\s+(?:serial|s/n)|tester\s+(?:serial|s/n)|camera\s+(?:serial|s/n)|(?:n\.?\s*[o°º]\.?|numero)\s+de\s+serie\s+d(?:o|el)\s+(?:instrumento|equipo)|serie\s+aparat",
        ),
        (
            Slot::EquipmentSerial,
            r"equipment\s+(?:serial(?:\s+(?:no\.?|number))?|s/n)|asset\s+serial",
        ),
        (
            Slot::Serial,
            r"serial\s+(?:no\.?|number)|serial|s/n|(?:n\.?\s*[o°º]\.?|numero|numar)\s+de\s+serie",
        ),
        (
            Slot::Tag,
            r"equipment\s+(?:tag|id)|asset\s+tag|tag\s+(?:no\.?|number)|tag\s+d(?:o|el)\s+equip(?:amento|o)|identifica(?:cao|cion)\s+d(?:o|el)\s+equip(?:amento|o)|cod\s+echipament|identificator\s+echipament|tag",
        ),
        (
            Slot::Description,
            r"equipment\s+description|description|descricao|descripcion|descriere",
        ),
        (
            Slot::Location,
            r"location|local|localizacao|ubicacion|amplasament",
        ),
        (
            Slot::GroundResistance,
            r"(?:measured\s+|total\s+|valor\s+medido\s+d(?:a|e\s+la)\s+|valoarea\s+masurata\s+a\s+)?(?:(?:ground|earth|grounding|earthing)\s+(?:electrode\s+)?resistance|resistance\s+to\s+(?:ground|earth)|measured\s+resistance|resistencia\s+(?:de\s+aterramento|de\s+terra|de\s+puesta\s+a\s+tierra|de\s+tierra|a\s+tierra)|rezistent(?:a|ei)\s+(?:de\s+dispersie|prizei\s+de\s+pamant|de\s+impamantare)|rg|r_?e|rp)(?:\s*\((?:measured|medid[ao]|masurata)\)|,\s*measured\s+value|\s+medid[ao]|\s+masurata)?",
        ),
        (
            Slot::DisplayReading,
            r"display\s+reading|display\s+shows|instrument\s+display|meter\s+display|meter\s+reading(?:\s+on\s+(?:the\s+)?display)?|reading\s+on\s+(?:the\s+)?display|leitura\s+(?:do\s+display|no\s+visor)|lectura\s+(?:de\s+la\s+pantalla|en\s+el\s+display)|citire\s+afisaj|valoare\s+afisata",
        ),
        (
            Slot::Absorption,
            r"(?:(?:dielectric\s+)?absorption\s+(?:index|ratio)|indice\s+de\s+absor(?:cao|cion|btie)(?:\s+diele(?:tric|ctric)[ao])?|coeficient(?:ul)?\s+de\s+absorbtie|dar)(?:\s*\((?:dar|ia|r60\s*/\s*r30|60\s*s\s*/\s*30\s*s)\))?",
        ),
        (
            Slot::Reflected,
            r"reflected(?:\s+apparent)?(?:\s+temperature|\s+temp\.?)?|temperatura\s+(?:aparent[ea]?\s+)?(?:refletida|reflejada|reflectata)|t\s*refl",
        ),
        (
            Slot::Ambient,
            r"ambient(?:\s+temperature|\s+temp\.?)?|atmospheric\s+temperature|temp(?:eratura|\.)?\s+(?:ambiente|ambianta|ambientala|mediului)|t\s*amb",
        ),
        (
            Slot::Delta,
            r"delta\s*t|δ\s*t|temperature\s+(?:difference|rise)(?:\s*\(δ\s*t\))?|diferen(?:ca|cia|ta)\s+de\s+temperatura",
        ),
        (
            Slot::Max,
            r"max(?:imum|\.)?(?:\s+temperature|\s+temp\.?)?|hot\s*spot(?:\s+temperature)?|t\s*max|temp(?:eratura|\.)\s+max(?:im[ao]|\.)?|ponto\s+quente|punto\s+caliente|punct\s+fierbinte",
        ),
        (
            Slot::Min,
            r"min(?:imum|\.)?(?:\s+temperature|\s+temp\.?)?|t\s*min|reference\s+temperature\s*\(min\)|temp(?:eratura|\.)\s+min(?:im[ao]|\.)?",
        ),
        (
            Slot::Emissivity,
            r"emissivity|emissividade|emisividad|emisivitate|ε",
        ),
        (Slot::Distance, r"(?:object\s+)?distance|distancia|distanta"),
        (
            Slot::Humidity,
            r"(?:relative\s+)?humidity|rh|umidade(?:\s+relativa)?|humedad(?:\s+relativa)?|umiditate(?:\s+relativa)?|hr",
        ),
        (
            Slot::Signature,
            r"technician(?:'s)?\s+signature|signed\s+by|signature|assinatura(?:\s+do\s+tecnico)?|firma(?:\s+del\s+tecnico)?|semnatura(?:\s+tehnicianului)?",
        ),
        (
            Slot::Watermark,
            r"photos?\s+watermark(?:ed|s)?|watermark(?:ed|s)?(?:\s+on\s+(?:the\s+)?photos)?|fotos\s+com\s+marca\s+d.\s*agua|fotos\s+con\s+marca\s+de\s+agua|fotografii\s+cu\s+filigran",
        ),
        (
            Slot::Instrument,
            r"instrument|tester|meter|test\s+equipment|instrumento|equipamento\s+de\s+medicao|equipo\s+de\s+medicion|aparat(?:\s+de\s+masura)?",
        ),
    ];
    table
        .iter()
        .map(|(slot, label)| {
            let re = format!(
                r"(?i)^[\s•*\-–]*(?:{label})\s*(?:[(\[](?P<unit>[^)\]]{{1,12}})[)\]])?(?:\s*[:=]\s*(?P<v1>.*)|\s{{2,}}(?P<v2>.*)|\s+(?P<v3>[-+>≥]?\d.*)|\s*(?P<v4>))$"
            );
            (*slot, Regex::new(&re).expect("label pattern"))
        })
        .collect()
});

/// A unit after a number: °C/°F with or without a space, "deg C", a prefix and Ω or ohm apart
/// ("M Ohm"), else a word of letters ("megohms", "MΩ", "%").
const UNIT: &str = r"[°º]\s?[CFcf]\b|deg\s?[CFcf]\b|[kKmMGT]\s(?:[Ω\x{2126}]|[Oo][Hh][Mm][A-Za-z]*)|[A-Za-zΩ\x{2126}μµ%]{1,12}";

static NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?P<gt>[>≥]\s*)?(?P<num>[-+]?\d{{1,3}}(?:[ \u{{a0}}.,]\d{{3}})+(?:[.,]\d+)?|[-+]?\d+(?:[.,]\d+)?)\s*(?P<unit>{UNIT})?"
    ))
    .expect("number pattern")
});

static PAIR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)\b(?P<a>L1|L2|L3|R|S|T|A|B|C|U|V|W)\s*[-–/]\s*(?P<b>L1|L2|L3|R|S|T|A|B|C|U|V|W|GND|GROUND|EARTH|PE|G|E|TERRA|TIERRA|PAMANT)\b\s*(?:\([^)]*\))?\s*[:=]?\s*(?P<gt>[>≥]\s*)?(?P<num>\d{{1,3}}(?:[ \u{{a0}}.,]\d{{3}})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)\s*(?P<unit>{UNIT})"
    ))
    .expect("pair pattern")
});

/// A cell that is only a pair's name (a table row's first cell, or a label whose value is the
/// next cell).
static BARE_PAIR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*(?:ir|r\s?iso)?\s*(?:L1|L2|L3|R|S|T|A|B|C|U|V|W)\s*[-–/]\s*(?:L1|L2|L3|R|S|T|A|B|C|U|V|W|GND|GROUND|EARTH|PE|G|E|TERRA|TIERRA|PAMANT)\s*:?\s*$",
    )
    .expect("bare pair pattern")
});

/// A table header cell with its unit: "Result (Ω)", "Valor [°C]".
static HEADER_CELL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<name>[^(\[]*?)\s*[(\[](?P<unit>[^)\]]{1,12})[)\]]$").expect("header pattern")
});

/// Header words of a column that holds limits, not readings.
static LIMIT_COLUMN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)limit|min|max|required|allowed|permissible|admis|permitid|requerid|exigid|norma|standard")
        .expect("limit column pattern")
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
    Regex::new(r"(?i)calibration\s+certificate|certificate\s+of\s+calibration|certificado\s+de\s+calibra(?:cao|cion)|certificat\s+de\s+etalonare")
        .expect("cert")
});

/// One character for one character: accents and the Romanian comma letters to plain Latin
/// letters, the ohm sign to omega. Labels match the folded text; char positions are kept, so a
/// value is cut from the original.
fn fold(c: char) -> char {
    match c {
        'á' | 'à' | 'â' | 'ã' | 'ä' | 'ă' => 'a',
        'Á' | 'À' | 'Â' | 'Ã' | 'Ä' | 'Ă' => 'A',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'É' | 'È' | 'Ê' | 'Ë' => 'E',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'Í' | 'Ì' | 'Î' | 'Ï' => 'I',
        'ó' | 'ò' | 'ô' | 'õ' | 'ö' => 'o',
        'Ó' | 'Ò' | 'Ô' | 'Õ' | 'Ö' => 'O',
        'ú' | 'ù' | 'û' | 'ü' => 'u',
        'Ú' | 'Ù' | 'Û' | 'Ü' => 'U',
        'ç' => 'c',
        'Ç' => 'C',
        'ñ' => 'n',
        'Ñ' => 'N',
        'ș' | 'ş' => 's',
        'Ș' | 'Ş' => 'S',
        'ț' | 'ţ' => 't',
        'Ț' | 'Ţ' => 'T',
        '\u{2126}' => 'Ω',
        c => c,
    }
}

fn folded(s: &str) -> String {
    s.chars().map(fold).collect()
}

/// The part of `orig` that starts where byte `at` of its folded twin starts.
fn from_folded<'a>(orig: &'a str, twin: &str, at: usize) -> &'a str {
    let n = twin[..at].chars().count();
    orig.char_indices().nth(n).map_or("", |(b, _)| &orig[b..])
}

/// Month names by their first three letters (folded), in the four languages.
const MONTHS: [(&str, u32); 25] = [
    ("jan", 1),
    ("ene", 1),
    ("ian", 1),
    ("feb", 2),
    ("fev", 2),
    ("mar", 3),
    ("apr", 4),
    ("abr", 4),
    ("may", 5),
    ("mai", 5),
    ("jun", 6),
    ("iun", 6),
    ("jul", 7),
    ("iul", 7),
    ("aug", 8),
    ("ago", 8),
    ("sep", 9),
    ("set", 9),
    ("oct", 10),
    ("out", 10),
    ("nov", 11),
    ("noi", 11),
    ("dec", 12),
    ("dez", 12),
    ("dic", 12),
];

fn month(name: &str) -> Option<u32> {
    let n = folded(name).to_lowercase();
    MONTHS
        .iter()
        .find(|(m, _)| n.starts_with(m))
        .map(|(_, i)| *i)
}

/// A date found in text and how sure the parse is.
fn parse_date(s: &str, order: DateOrder) -> Option<(NaiveDate, f64)> {
    static ISO: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\b").unwrap());
    static NUMERIC: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\b(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})\b").unwrap());
    static DAY_MONTH: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?i)\b(\d{1,2})(?:st|nd|rd|th)?[\s\-/.]+(?:de\s+)?([a-z]{3,10})\.?[\s\-,/.]+(?:de\s+)?(\d{4})\b",
        )
        .unwrap()
    });
    static MONTH_DAY: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\b([a-z]{3,10})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b").unwrap()
    });
    let s = &folded(s);
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

/// How a document writes its decimals, judged from its numbers (a comma or point followed by
/// one, two or four and more digits is a decimal mark; dates are left out) and, when the
/// numbers do not tell, from its language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Decimals {
    Point,
    Comma,
    Unknown,
}

fn decimals(pages: &[String]) -> Decimals {
    static DATE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\b\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}\b").expect("date shape"));
    static COMMA: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\d,(?:\d{1,2}|\d{4,})\b").expect("comma decimal"));
    static POINT: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\d\.(?:\d{1,2}|\d{4,})\b").expect("point decimal"));
    static ROMANCE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\b(?:de|da|do|del|la|el|resistencia|rezistenta|temperatura|ensaio|ensayo|medicao|medicion|masurare|data|fecha)\b")
            .expect("language words")
    });
    static ENGLISH: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\b(?:the|of|test|date|resistance|temperature|reading|report|by)\b")
            .expect("language words")
    });
    let (mut comma, mut point, mut romance, mut english) = (0, 0, 0, 0);
    for page in pages {
        let text = DATE.replace_all(page, " ");
        comma += COMMA.find_iter(&text).count();
        point += POINT.find_iter(&text).count();
        let words = folded(&text);
        romance += ROMANCE.find_iter(&words).count();
        english += ENGLISH.find_iter(&words).count();
    }
    if comma > point {
        Decimals::Comma
    } else if point > comma {
        Decimals::Point
    } else if romance > english * 2 {
        Decimals::Comma
    } else if english > romance * 2 {
        Decimals::Point
    } else {
        Decimals::Unknown
    }
}

/// A number as written ("2 400", "2.400,5", "2,400.5", "0,42") and whether its reading is a
/// guess (one separator before three digits, in a document whose decimal mark is unknown).
fn number_value(raw: &str, marks: Decimals) -> Option<(f64, bool)> {
    let raw: String = raw
        .chars()
        .filter(|c| *c != ' ' && *c != '\u{a0}')
        .collect();
    let commas = raw.matches(',').count();
    let points = raw.matches('.').count();
    let grouped = |sep: char| {
        let mut parts = raw.trim_start_matches(['-', '+']).split(sep);
        parts.next().is_some_and(|p| (1..=3).contains(&p.len())) && parts.all(|p| p.len() == 3)
    };
    let (text, guess) = match (commas, points) {
        (0, 0) => (raw.clone(), false),
        (_, 0) if commas > 1 => (raw.replace(',', ""), false),
        (0, _) if points > 1 => (raw.replace('.', ""), false),
        (1, 0) if grouped(',') => match marks {
            Decimals::Comma => (raw.replace(',', "."), false),
            Decimals::Point => (raw.replace(',', ""), false),
            Decimals::Unknown => (raw.replace(',', ""), true),
        },
        (1, 0) => (raw.replace(',', "."), false),
        (0, 1) if grouped('.') => match marks {
            Decimals::Comma => (raw.replace('.', ""), false),
            Decimals::Point => (raw.clone(), false),
            Decimals::Unknown => (raw.clone(), true),
        },
        (0, 1) => (raw.clone(), false),
        _ => {
            // Both: the last one is the decimal mark.
            let last_comma = raw.rfind(',').unwrap_or(0);
            let last_point = raw.rfind('.').unwrap_or(0);
            if last_comma > last_point {
                (raw.replace('.', "").replace(',', "."), false)
            } else {
                (raw.replace(',', ""), false)
            }
        }
    };
    let v: f64 = text.parse().ok()?;
    v.is_finite().then_some((v, guess))
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

/// Resistance units as written: Ω or ohm with a one-letter prefix (case-sensitive: mΩ is
/// milli, MΩ mega), or spelled out in any case ("megohms", "MEGOHM", "gigaohm", "miliohmios").
fn resistance_factor(u: &str) -> Option<f64> {
    static WORD: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(milli|mili|kilo?|mega?|giga)?(?:ohms?|ohmios?|ohmi)$").expect("ohm word")
    });
    let u: String = u
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| if c == '\u{2126}' { 'Ω' } else { c })
        .collect();
    if u == "Ω" {
        return Some(1.0);
    }
    let lower = u.to_lowercase();
    if let Some(c) = WORD.captures(&lower) {
        return Some(match c.get(1).map(|m| m.as_str()) {
            None => 1.0,
            Some("milli" | "mili") => 1e-3,
            Some("kil" | "kilo") => 1e3,
            Some("meg" | "mega") => 1e6,
            _ => 1e9,
        });
    }
    let mut chars = u.chars();
    let prefix = chars.next()?;
    let rest = chars.as_str();
    let rest_l = rest.to_lowercase();
    if !(rest == "Ω" || rest_l == "ohm" || rest_l == "ohms") {
        return None;
    }
    Some(match prefix {
        'm' => 1e-3,
        'k' | 'K' => 1e3,
        'M' => 1e6,
        'G' => 1e9,
        'T' => 1e12,
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

/// The first number in `s` with the unit written after it, and whether the number's reading
/// is a guess (see [`number_value`]).
fn parse_number(s: &str, marks: Decimals) -> Option<(f64, Option<String>, bool)> {
    let c = NUMBER.captures(s)?;
    let (v, guess) = number_value(&c["num"], marks)?;
    let unit = c
        .name("unit")
        .map(|u| u.as_str().trim().to_string())
        .filter(|u| !u.is_empty());
    Some((v, unit, guess))
}

/// Splits a layout line into cells, each with the character column it starts at: columns are
/// three or more spaces (or a tab) apart.
fn cells(line: &str) -> Vec<(usize, String)> {
    static GAP: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\s{3,}|\t+").unwrap());
    let mut out = Vec::new();
    let mut last = 0;
    let mut push = |from: usize, to: usize| {
        let cell = &line[from..to];
        let text = cell.trim();
        if !text.is_empty() {
            let lead = cell.len() - cell.trim_start().len();
            out.push((line[..from + lead].chars().count(), text.to_string()));
        }
    };
    for gap in GAP.find_iter(line) {
        push(last, gap.start());
        last = gap.end();
    }
    push(last, line.len());
    out
}

/// A column of a table that holds readings: where it starts and the unit its header gives.
#[derive(Clone, Debug)]
struct Column {
    at: usize,
    unit: String,
}

/// The reading columns of a header line: cells that name a resistance or temperature unit and
/// whose words do not say limit, minimum, maximum… None when the line has none.
fn header(cells: &[(usize, String)]) -> Option<Vec<Column>> {
    if cells.len() < 2 {
        return None;
    }
    let columns: Vec<Column> = cells
        .iter()
        .filter_map(|(at, text)| {
            let c = HEADER_CELL.captures(text)?;
            let unit = c["unit"].trim();
            let reading = !LIMIT_COLUMN.is_match(&folded(&c["name"]))
                && (resistance_factor(unit).is_some()
                    || unit_factor(Quantity::Celsius, unit).is_some());
            reading.then(|| Column {
                at: *at,
                unit: unit.to_string(),
            })
        })
        .collect();
    (!columns.is_empty()).then_some(columns)
}

struct Reader {
    order: DateOrder,
    marks: Decimals,
    x: Extraction,
    /// The columns of the table being read, from its header line.
    header: Option<Vec<Column>>,
    /// A label alone on the line above, whose value may be this line, with the label read on
    /// the line above it.
    pending: Option<(String, Option<Slot>)>,
    /// The first label read on the line above, and on this line.
    above: Option<Slot>,
    this_line: Option<Slot>,
}

/// The label a cell starts with and whether a value follows it on the cell.
fn label_of(cell: &str) -> Option<(Slot, bool)> {
    let f = folded(cell);
    LABELS.iter().find_map(|(s, re)| {
        re.captures(&f).map(|c| {
            let value = ["v1", "v2", "v3", "v4"]
                .iter()
                .find_map(|n| c.name(n))
                .map_or("", |m| m.as_str());
            (*s, !value.trim().is_empty())
        })
    })
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
        let (v, unit, guess) = parse_number(value, self.marks)?;
        let unit = unit.as_deref().or(label_unit);
        let (v, unit, explicit) = to_base(q, v, unit)?;
        let conf = match (guess, explicit) {
            (true, _) => 0.6,
            (false, true) => 0.9,
            (false, false) => 0.75,
        };
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
        let v = folded(value.trim()).to_lowercase();
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
                "nao",
                "nu",
            ]
            .iter()
            .any(|w| v == *w || v.starts_with(&format!("{w} ")));
        let yes = [
            "yes", "present", "signed", "ok", "included", "with ", "sim", "si", "da",
        ]
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
            let Some((v, guess)) = number_value(&c["num"], self.marks) else {
                continue;
            };
            let Some(factor) = resistance_factor(&c["unit"]) else {
                continue;
            };
            let conf = if guess {
                0.6
            } else if c.name("gt").is_some() {
                0.85
            } else {
                0.9
            };
            let f =
                Field::found(v * factor / 1e6, Some("MΩ"), conf, SOURCE, page).with_excerpt(cell);
            if let Some(slot) = self.x.insulation.pair_mut(name) {
                Self::put(slot, f);
            }
        }
        let twin = folded(cell);
        let Some((slot, caps)) = LABELS
            .iter()
            .find_map(|(s, re)| re.captures(&twin).map(|c| (*s, c)))
        else {
            return;
        };
        let above = self.above;
        self.this_line.get_or_insert(slot);
        let value = ["v1", "v2", "v3", "v4"]
            .iter()
            .find_map(|n| caps.name(n))
            .map_or("", |m| from_folded(cell, &twin, m.start()));
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
                // "Serial no." on the line under the instrument's name is the instrument's.
                let under_instrument = slot == Slot::Serial && above == Some(Slot::Instrument);
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
                    } else if under_instrument {
                        let f = Field {
                            confidence: 0.85,
                            ..f
                        };
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
                // A temperature on a camera's display is read in °C like the report's.
                let shown = parse_number(value, self.marks)
                    .and_then(|(_, u, _)| u)
                    .or(unit.map(str::to_string));
                let q = match shown {
                    Some(u)
                        if resistance_factor(&u).is_none()
                            && unit_factor(Quantity::Celsius, &u).is_some() =>
                    {
                        Quantity::Celsius
                    }
                    _ => Quantity::AsShown,
                };
                if let Some(f) = self.number(q, value, unit, page, cell) {
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
                        // A difference: a °F step is 5/9 of a °C step and a kelvin step is
                        // one, without the offsets.
                        if let Some((v, u, _)) = parse_number(value, self.marks) {
                            let u = u.as_deref().or(unit).unwrap_or("").replace(' ', "");
                            let u = u.to_lowercase();
                            if u.ends_with('f') {
                                f.value = Some(v * 5.0 / 9.0);
                            } else if u == "k" {
                                f.value = Some(v);
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
        "G" | "GND" | "GROUND" | "EARTH" | "PE" | "E" | "TERRA" | "TIERRA" | "PAMANT" => Some('G'),
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
        marks: decimals(pages),
        x: Extraction::default(),
        header: None,
        pending: None,
        above: None,
        this_line: None,
    };
    for (i, text) in pages.iter().enumerate() {
        let page = i as u32 + 1;
        let cert_page = CERT_PAGE.is_match(&folded(text));
        r.header = None;
        r.pending = None;
        for line in text.lines() {
            let cs = cells(line);
            if cs.is_empty() {
                continue;
            }
            r.above = r.this_line.take();
            r.line(&cs, page, cert_page);
        }
    }
    r.x
}

/// The cell of a table row under a reading column, with that column's unit.
fn under_reading<'a>(
    columns: &'a [Column],
    rest: &'a [(usize, String)],
) -> Option<(&'a str, &'a str)> {
    columns.iter().find_map(|c| {
        rest.iter()
            .filter(|(at, text)| {
                at.abs_diff(c.at) <= 4
                    && text.starts_with(|ch: char| ch.is_ascii_digit() || "-+>≥".contains(ch))
            })
            .min_by_key(|(at, _)| at.abs_diff(c.at))
            .map(|(_, text)| (text.as_str(), c.unit.as_str()))
    })
}

impl Reader {
    /// One layout line: a table header, a table row (its label, then the value under the
    /// reading column), a label whose value is the next cell or the next line, or cells that
    /// carry their own labels and values.
    fn line(&mut self, cs: &[(usize, String)], page: u32, cert_page: bool) {
        if let Some(columns) = header(cs) {
            self.header = Some(columns);
            self.pending = None;
            return;
        }
        if let Some((label, above)) = self.pending.take() {
            if label_of(&cs[0].1).is_none() && !BARE_PAIR.is_match(&cs[0].1) {
                self.above = above;
                let joined = format!("{}: {}", label.trim_end_matches(':').trim_end(), cs[0].1);
                self.cell(&joined, page, cert_page);
                for (_, c) in &cs[1..] {
                    self.cell(c, page, cert_page);
                }
                return;
            }
        }
        let mut i = 0;
        while i < cs.len() {
            let text = &cs[i].1;
            let label_only =
                BARE_PAIR.is_match(text) || label_of(text).is_some_and(|(_, has_value)| !has_value);
            if !label_only {
                self.cell(text, page, cert_page);
                i += 1;
                continue;
            }
            let label = text.trim_end_matches(':').trim_end();
            if i == 0 && !text.ends_with(':') {
                if let Some((value, unit)) = self
                    .header
                    .as_deref()
                    .and_then(|columns| under_reading(columns, &cs[1..]))
                {
                    let row = format!("{label}: {value} {unit}");
                    self.cell(&row, page, cert_page);
                    return;
                }
            }
            match cs.get(i + 1) {
                Some((_, next)) if label_of(next).is_none() && !BARE_PAIR.is_match(next) => {
                    let joined = format!("{label}: {next}");
                    self.cell(&joined, page, cert_page);
                    i += 2;
                }
                Some(_) => {
                    self.cell(text, page, cert_page);
                    i += 1;
                }
                None => {
                    if cs.len() == 1 {
                        self.pending = Some((text.clone(), self.above));
                    }
                    self.cell(text, page, cert_page);
                    i += 1;
                }
            }
        }
    }
}

/// How much of a text layer's confidence a value read from OCR keeps: 0.9 becomes 0.765,
/// below the review threshold, so a scan is never taken on trust.
pub const OCR_FACTOR: f64 = 0.85;
pub const OCR_SOURCE: &str = "OCR";

/// Reads pages of which some came from OCR (`scanned[i]` for page i + 1): values read on those
/// pages carry the source "OCR" and their confidence times [`OCR_FACTOR`].
pub fn extract_scanned(pages: &[String], scanned: &[bool], order: DateOrder) -> Extraction {
    let mut x = extract(pages, order);
    if scanned.iter().any(|s| *s) {
        mark_scanned(&mut x, scanned);
    }
    x
}

trait Scanned {
    fn mark(&mut self, scanned: &[bool]);
}

impl<T> Scanned for Field<T> {
    fn mark(&mut self, scanned: &[bool]) {
        let on_scan = self
            .page
            .and_then(|p| p.checked_sub(1))
            .and_then(|i| scanned.get(i as usize))
            .copied()
            .unwrap_or(false);
        if self.value.is_some() && on_scan {
            self.confidence *= OCR_FACTOR;
            self.source = Some(OCR_SOURCE.into());
        }
    }
}

fn mark_scanned(x: &mut Extraction, s: &[bool]) {
    x.test_date.mark(s);
    let e = &mut x.equipment;
    for f in [
        &mut e.tag,
        &mut e.serial,
        &mut e.description,
        &mut e.location,
    ] {
        f.mark(s);
    }
    for f in &mut x.tags_seen {
        f.mark(s);
    }
    let t = &mut x.temperatures;
    for f in [
        &mut t.ambient,
        &mut t.reflected,
        &mut t.max,
        &mut t.min,
        &mut t.delta,
    ] {
        f.mark(s);
    }
    let c = &mut x.camera;
    for f in [&mut c.emissivity, &mut c.distance, &mut c.humidity] {
        f.mark(s);
    }
    x.display_reading.mark(s);
    x.ground_resistance.mark(s);
    let i = &mut x.insulation;
    for f in [
        &mut i.r_s,
        &mut i.r_t,
        &mut i.s_t,
        &mut i.r_ground,
        &mut i.s_ground,
        &mut i.t_ground,
        &mut i.absorption_index,
    ] {
        f.mark(s);
    }
    x.instrument_serial.mark(s);
    let c = &mut x.certificate;
    for f in [&mut c.serial, &mut c.laboratory, &mut c.instrument_serial] {
        f.mark(s);
    }
    c.calibration_date.mark(s);
    c.expiry_date.mark(s);
    let v = &mut x.evidence;
    v.technician_signature.mark(s);
    v.photos.mark(s);
    v.photos_watermarked.mark(s);
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
    fn a_label_alone_takes_the_value_on_the_next_line() {
        // The ohm sign (U+2126) as well as the Greek capital omega.
        let page = "  Distância da sonda (m)                   Leitura (Ω)\n  26                                       0,62\nValor medido da resistência de aterramento:\n  690 m\u{2126}\n";
        let x = extract(&[page.to_string()], DateOrder::DayFirst);
        let v = x.ground_resistance.value.expect("read");
        assert!((v - 0.69).abs() < 1e-9, "{v}");
        assert_eq!(x.ground_resistance.unit.as_deref(), Some("Ω"));
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
