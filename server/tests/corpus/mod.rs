//! A corpus of test reports generated from a seed, each with its ground truth: grounding,
//! insulation and thermography reports written the ways real ones are — in English, Portuguese,
//! Spanish and Romanian; labels with qualifiers before and after and abbreviations (Rg, R_E,
//! IR, DAR, PI); units as symbols and as words in any case; decimal commas and thousands
//! separators; values in tables whose header carries the unit; limits, ranges and probe
//! readings beside the measured value; dates in every common shape. `pdf` turns a report into
//! a PDF with a real text layer (or an image-only one); `score` measures an extractor on it.
#![allow(dead_code)]

pub mod pdf;
pub mod score;

use chrono::{Datelike, NaiveDate};
use rand::{rngs::StdRng, seq::SliceRandom, Rng, SeedableRng};
use server::analyses::{local::DateOrder, Extraction, Field, TestType};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lang {
    En,
    Pt,
    Es,
    Ro,
}

impl Lang {
    pub const ALL: [Lang; 4] = [Lang::En, Lang::Pt, Lang::Es, Lang::Ro];

    pub fn as_str(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Pt => "pt",
            Lang::Es => "es",
            Lang::Ro => "ro",
        }
    }

    fn comma_decimal(self) -> bool {
        self != Lang::En
    }
}

/// Text placed on a page: character column and line number (the PDF writer turns them into
/// points, `pdftotext -layout` turns them back into spacing).
#[derive(Clone, Debug)]
pub struct Placed {
    pub col: u16,
    pub row: u16,
    pub text: String,
}

#[derive(Clone, Debug)]
pub struct Report {
    pub id: usize,
    pub test: TestType,
    pub lang: Lang,
    /// The company's date setting the report is analysed with (US reports: month first).
    pub order: DateOrder,
    /// Rendered to pixels only: no text layer, read by OCR.
    pub image_only: bool,
    pub pages: Vec<Vec<Placed>>,
    /// What the report states, in the extractor's units (Ω, MΩ, °C, m, %).
    pub truth: Extraction,
}

impl Report {
    /// The report as the text a person reads, for failure messages.
    pub fn plain(&self) -> String {
        let mut out = String::new();
        for (i, page) in self.pages.iter().enumerate() {
            out.push_str(&format!("--- page {}\n", i + 1));
            let mut rows: Vec<&Placed> = page.iter().collect();
            rows.sort_by_key(|p| (p.row, p.col));
            let mut row = 0;
            let mut line = String::new();
            for p in rows {
                if p.row != row {
                    out.push_str(line.trim_end());
                    out.push('\n');
                    line.clear();
                    row = p.row;
                }
                while line.chars().count() < p.col as usize {
                    line.push(' ');
                }
                line.push_str(&p.text);
                line.push(' ');
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// Builds a page line by line.
#[derive(Default)]
struct Page {
    placed: Vec<Placed>,
    row: u16,
}

impl Page {
    fn line(&mut self, cells: &[(u16, String)]) {
        for (col, text) in cells {
            if !text.is_empty() {
                self.placed.push(Placed {
                    col: *col,
                    row: self.row,
                    text: text.clone(),
                });
            }
        }
        self.row += 1;
    }

    fn text(&mut self, s: impl Into<String>) {
        self.line(&[(0, s.into())]);
    }

    fn blank(&mut self) {
        self.row += 1;
    }
}

fn truth<T>(v: T, unit: Option<&str>, page: u32) -> Field<T> {
    Field::found(v, unit, 1.0, "truth", page)
}

/// Generates `n` reports from `seed`, the three test types and four languages in turn.
pub fn generate(seed: u64, n: usize) -> Vec<Report> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n)
        .map(|id| {
            let test = TestType::ALL[id % 3];
            let lang = Lang::ALL[(id / 3) % 4];
            Gen::new(&mut rng, id, test, lang).build()
        })
        .collect()
}

struct Gen<'a> {
    rng: &'a mut StdRng,
    id: usize,
    test: TestType,
    lang: Lang,
    /// US English: month-first dates and °F.
    us: bool,
    /// Thousands separator used by this document (None: none).
    thousands: Option<char>,
    x: Extraction,
}

fn pick<'b, T>(rng: &mut StdRng, xs: &'b [T]) -> &'b T {
    xs.choose(rng).expect("non-empty choice")
}

impl<'a> Gen<'a> {
    fn new(rng: &'a mut StdRng, id: usize, test: TestType, lang: Lang) -> Self {
        let us = lang == Lang::En && rng.gen_bool(0.35);
        let thousands = match (lang, rng.gen_range(0..3)) {
            (_, 0) => None,
            (Lang::En, _) => Some(','),
            (_, 1) => Some('.'),
            _ => Some(' '),
        };
        Gen {
            rng,
            id,
            test,
            lang,
            us,
            thousands,
            x: Extraction::default(),
        }
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.gen_bool(p)
    }

    fn one<T: Clone>(&mut self, xs: &[T]) -> T {
        pick(self.rng, xs).clone()
    }

    fn word(&mut self, xs: &[&str]) -> String {
        pick(self.rng, xs).to_string()
    }

    /// A number as this document writes it: `decimals` places, its decimal mark, and its
    /// thousands separator on large numbers.
    fn num(&self, v: f64, decimals: usize) -> String {
        let s = format!("{:.*}", decimals, v.abs());
        let (int, frac) = match s.split_once('.') {
            Some((i, f)) => (i.to_string(), Some(f.to_string())),
            None => (s.clone(), None),
        };
        let mut grouped = String::new();
        let digits: Vec<char> = int.chars().collect();
        for (i, c) in digits.iter().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                if let Some(t) = self.thousands {
                    grouped.push(t);
                }
            }
            grouped.push(*c);
        }
        let mark = if self.lang.comma_decimal() { ',' } else { '.' };
        let sign = if v < 0.0 { "-" } else { "" };
        match frac {
            Some(f) => format!("{sign}{grouped}{mark}{f}"),
            None => format!("{sign}{grouped}"),
        }
    }

    fn date(&mut self, d: NaiveDate) -> String {
        let (day, month, year) = (d.day(), d.month(), d.year());
        let names: [&str; 12] = match self.lang {
            Lang::En => [
                "January",
                "February",
                "March",
                "April",
                "May",
                "June",
                "July",
                "August",
                "September",
                "October",
                "November",
                "December",
            ],
            Lang::Pt => [
                "janeiro",
                "fevereiro",
                "março",
                "abril",
                "maio",
                "junho",
                "julho",
                "agosto",
                "setembro",
                "outubro",
                "novembro",
                "dezembro",
            ],
            Lang::Es => [
                "enero",
                "febrero",
                "marzo",
                "abril",
                "mayo",
                "junio",
                "julio",
                "agosto",
                "septiembre",
                "octubre",
                "noviembre",
                "diciembre",
            ],
            Lang::Ro => [
                "ianuarie",
                "februarie",
                "martie",
                "aprilie",
                "mai",
                "iunie",
                "iulie",
                "august",
                "septembrie",
                "octombrie",
                "noiembrie",
                "decembrie",
            ],
        };
        let name = names[month as usize - 1];
        let short: String = name.chars().take(3).collect();
        let shape = self.rng.gen_range(0..7);
        match (self.lang, shape) {
            (_, 0) => format!("{year}-{month:02}-{day:02}"),
            (Lang::En, 1) if self.us => format!("{month:02}/{day:02}/{year}"),
            (Lang::En, 2) if self.us => format!("{name} {day}, {year}"),
            (Lang::En, 3) if self.us => format!("{}. {day}, {year}", capital(&short)),
            (Lang::En, 1) => format!("{day:02}/{month:02}/{year}"),
            (Lang::En, 2) => format!("{day} {name} {year}"),
            (Lang::En, 3) => format!("{day:02}-{}-{year}", capital(&short)),
            (Lang::En, 4) if !self.us => format!("{day}{} {name} {year}", ordinal(day)),
            (Lang::Pt | Lang::Es, 2) => format!("{day} de {name} de {year}"),
            (Lang::Pt | Lang::Es, 3) => format!("{day:02}/{short}/{year}"),
            (Lang::Ro, 2) => format!("{day} {name} {year}"),
            (Lang::Ro, 3) => format!("{day:02}.{month:02}.{year}"),
            (_, 5) if !self.us => format!("{day:02}.{month:02}.{year}"),
            (_, 6) if !self.us => format!("{day:02}-{month:02}-{year}"),
            _ if self.us => format!("{month}/{day}/{year}"),
            _ => format!("{day:02}/{month:02}/{year}"),
        }
    }

    /// A label and its value on one line, in one of the ways forms write it.
    fn labelled(&mut self, p: &mut Page, label: &str, value: &str) {
        match self.rng.gen_range(0..10) {
            0..=4 => p.text(format!("{label}: {value}")),
            5 => p.text(format!("{label} = {value}")),
            6 | 7 => p.line(&[(0, label.to_string()), (32, value.to_string())]),
            8 => p.line(&[(0, format!("{label}:")), (32, value.to_string())]),
            _ => {
                p.text(format!("{label}:"));
                p.line(&[(2, value.to_string())]);
            }
        }
    }

    fn build(mut self) -> Report {
        let mut pages = Vec::new();
        let test_date = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap()
            + chrono::Days::new(self.rng.gen_range(0..700));
        let cal_date = test_date - chrono::Days::new(self.rng.gen_range(20..500));
        // One in eight certificates has lapsed by the test date.
        let due = if self.chance(0.125) {
            test_date - chrono::Days::new(self.rng.gen_range(1..60))
        } else {
            cal_date + chrono::Days::new(365)
        };
        let due = due.max(cal_date + chrono::Days::new(30));
        let serial = self.serial();
        let cert_serial = if self.chance(0.08) {
            self.serial()
        } else {
            serial.clone()
        };
        let tag = self.tag();

        let mut p = Page::default();
        self.heading(&mut p);
        p.blank();
        let tag_label = self.word(match self.lang {
            Lang::En => &[
                "Equipment tag",
                "Asset tag",
                "Equipment ID",
                "Tag no.",
                "TAG",
            ][..],
            Lang::Pt => &["Tag do equipamento", "TAG", "Identificação do equipamento"][..],
            Lang::Es => &["Tag del equipo", "TAG", "Identificación del equipo"][..],
            Lang::Ro => &["Cod echipament", "TAG", "Identificator echipament"][..],
        });
        let loc_label = match self.lang {
            Lang::En => "Location",
            Lang::Pt => "Local",
            Lang::Es => "Ubicación",
            Lang::Ro => "Amplasament",
        };
        let loc = self.word(&[
            "Substation B",
            "Hall 2, row C",
            "Plant room 1",
            "Yard North",
        ]);
        if self.chance(0.5) {
            p.line(&[
                (0, format!("{tag_label}: {tag}")),
                (44, format!("{loc_label}: {loc}")),
            ]);
        } else {
            self.labelled(&mut p, &tag_label, &tag);
            p.text(format!("{loc_label}: {loc}"));
        }
        self.x.equipment.tag = truth(tag.clone(), None, 1);
        let date_label = self.word(match self.lang {
            Lang::En => &[
                "Test date",
                "Date of test",
                "Date tested",
                "Measurement date",
                "Inspection date",
                "Date",
            ][..],
            Lang::Pt => &["Data do ensaio", "Data da medição", "Data do teste", "Data"][..],
            Lang::Es => &[
                "Fecha del ensayo",
                "Fecha de medición",
                "Fecha de la prueba",
                "Fecha",
            ][..],
            Lang::Ro => &[
                "Data încercării",
                "Data măsurării",
                "Data verificării",
                "Data",
            ][..],
        });
        let d = self.date(test_date);
        self.labelled(&mut p, &date_label, &d);
        self.x.test_date = truth(test_date, None, 1);
        self.instrument(&mut p, &serial);
        self.x.instrument_serial = truth(serial.clone(), None, 1);
        p.blank();
        match self.test {
            TestType::Grounding => self.grounding(&mut p),
            TestType::Insulation => self.insulation(&mut p),
            TestType::Thermography => self.thermography(&mut p),
        }
        p.blank();
        self.evidence(&mut p);
        pages.push(p.placed);

        if self.chance(0.8) {
            let mut c = Page::default();
            self.certificate(&mut c, &cert_serial, cal_date, due, 2);
            pages.push(c.placed);
        }
        let order = if self.us {
            DateOrder::MonthFirst
        } else {
            DateOrder::DayFirst
        };
        Report {
            id: self.id,
            test: self.test,
            lang: self.lang,
            order,
            image_only: false,
            pages,
            truth: self.x,
        }
    }

    fn serial(&mut self) -> String {
        match self.rng.gen_range(0..3) {
            0 => format!("{}", self.rng.gen_range(100_000_000u64..999_999_999)),
            1 => format!(
                "{}-{}",
                self.rng.gen_range(10..99),
                self.rng.gen_range(1000..9999)
            ),
            _ => format!(
                "{}{}-{}",
                self.word(&["MG", "FL", "HT", "KY"]),
                self.rng.gen_range(1000..9999),
                self.word(&["A", "B", "C", "X"])
            ),
        }
    }

    fn tag(&mut self) -> String {
        let stem = match self.test {
            TestType::Grounding => self.word(&["GND-GRID", "SPDA", "MALHA", "PAT", "EARTH-PIT"]),
            TestType::Insulation => self.word(&["TX", "MTR", "CABLE", "GEN", "TR"]),
            TestType::Thermography => self.word(&["UPS", "QGBT", "PDU", "SWGR", "TGBT"]),
        };
        format!(
            "{stem}-{:02}{}",
            self.rng.gen_range(1..40),
            self.word(&["", "A", "B", "/1"])
        )
    }

    fn heading(&mut self, p: &mut Page) {
        let h = match (self.test, self.lang) {
            (TestType::Grounding, Lang::En) => "GROUNDING SYSTEM TEST REPORT",
            (TestType::Grounding, Lang::Pt) => "RELATÓRIO DE MEDIÇÃO DE RESISTÊNCIA DE ATERRAMENTO",
            (TestType::Grounding, Lang::Es) => "INFORME DE MEDICIÓN DE PUESTA A TIERRA",
            (TestType::Grounding, Lang::Ro) => "BULETIN DE VERIFICARE A PRIZEI DE PĂMÂNT",
            (TestType::Insulation, Lang::En) => "INSULATION RESISTANCE TEST (MEGGER)",
            (TestType::Insulation, Lang::Pt) => "ENSAIO DE RESISTÊNCIA DE ISOLAMENTO",
            (TestType::Insulation, Lang::Es) => "PRUEBA DE RESISTENCIA DE AISLAMIENTO",
            (TestType::Insulation, Lang::Ro) => "MĂSURAREA REZISTENȚEI DE IZOLAȚIE",
            (TestType::Thermography, Lang::En) => "THERMOGRAPHIC INSPECTION REPORT",
            (TestType::Thermography, Lang::Pt) => "RELATÓRIO DE INSPEÇÃO TERMOGRÁFICA",
            (TestType::Thermography, Lang::Es) => "INFORME DE INSPECCIÓN TERMOGRÁFICA",
            (TestType::Thermography, Lang::Ro) => "RAPORT DE INSPECȚIE TERMOGRAFICĂ",
        };
        p.line(&[(10, h.to_string())]);
        let report_label = match self.lang {
            Lang::En => "Report no.",
            Lang::Pt => "Relatório nº",
            Lang::Es => "Informe n.º",
            Lang::Ro => "Nr. raport",
        };
        let n = format!("R-{}-{:04}", 2026, self.id);
        p.line(&[(0, format!("{report_label}: {n}"))]);
    }

    fn instrument(&mut self, p: &mut Page, serial: &str) {
        let model = match self.test {
            TestType::Grounding => {
                self.word(&["Megger DET4TC2", "Fluke 1625-2", "Minipa MTR-1522"])
            }
            TestType::Insulation => self.word(&["Megger MIT525", "Fluke 1555", "Hioki IR5051"]),
            TestType::Thermography => self.word(&["FLIR E86", "Fluke Ti401 PRO", "Testo 883"]),
        };
        let (inst, sn) = match self.lang {
            Lang::En => (
                self.word(&["Instrument", "Test equipment", "Meter"]),
                self.word(&["Instrument serial", "Serial no.", "Instrument S/N"]),
            ),
            Lang::Pt => (
                self.word(&["Instrumento", "Equipamento de medição"]),
                self.word(&["Nº de série do instrumento", "Número de série"]),
            ),
            Lang::Es => (
                self.word(&["Instrumento", "Equipo de medición"]),
                self.word(&["N.º de serie del instrumento", "Número de serie"]),
            ),
            Lang::Ro => (
                self.word(&["Aparat de măsură", "Instrument"]),
                self.word(&["Serie aparat", "Număr de serie"]),
            ),
        };
        if self.lang == Lang::En && self.chance(0.4) {
            p.text(format!("{inst}: {model}, S/N {serial}"));
        } else {
            p.text(format!("{inst}: {model}"));
            self.labelled(p, &sn, serial);
        }
    }

    // ---- units ----

    fn ohm_word(&mut self) -> String {
        let mut xs = vec![
            "Ω", "Ω", "Ω", "\u{2126}", "ohm", "ohms", "Ohm", "Ohms", "OHM", "OHMS",
        ];
        xs.push(match self.lang {
            Lang::En => "ohms",
            Lang::Pt => "ohms",
            Lang::Es => "ohmios",
            Lang::Ro => "ohmi",
        });
        self.word(&xs).to_string()
    }

    /// A resistance in Ω written with a prefix that suits it. Returns the text and the value
    /// the text states (in Ω), computed as an extractor must compute it.
    fn ohms(&mut self, ohms: f64, decimals: usize) -> String {
        let milli = ["mΩ", "milliohm", "milliohms", "mOhm", "m\u{2126}"];
        let kilo = ["kΩ", "kOhm", "kohm", "kilohm", "kilohms", "KΩ"];
        if ohms < 1.0 && self.chance(0.5) {
            let u = self.word(&milli);
            return format!("{} {u}", self.num(ohms * 1000.0, 0));
        }
        if ohms >= 1000.0 {
            let u = self.word(&kilo);
            return format!("{} {u}", self.num(ohms / 1000.0, 2));
        }
        let u = self.ohm_word();
        let sep = if u.len() > 3 || self.chance(0.7) {
            " "
        } else {
            ""
        };
        format!("{}{sep}{u}", self.num(ohms, decimals))
    }

    /// A resistance given in MΩ, written in MΩ, GΩ or kΩ.
    fn megohms(&mut self, mohm: f64) -> String {
        let mega = [
            "MΩ",
            "MΩ",
            "MΩ",
            "M\u{2126}",
            "MOhm",
            "M Ohm",
            "Mohm",
            "megohm",
            "megohms",
            "Megohms",
            "MEGOHM",
            "MEGOHMS",
        ];
        let giga = ["GΩ", "GOhm", "G Ohm", "gigaohm", "gigaohms", "GIGAOHM"];
        if mohm >= 1000.0 && mohm % 100.0 == 0.0 && self.chance(0.5) {
            let u = self.word(&giga);
            return format!("{} {u}", self.num(mohm / 1000.0, 1));
        }
        if mohm < 1.0 {
            let u = self.word(&["kΩ", "kOhm", "kilohms"]);
            return format!("{} {u}", self.num(mohm * 1000.0, 0));
        }
        let mut words: Vec<&str> = mega.to_vec();
        words.push(match self.lang {
            Lang::En => "megohms",
            Lang::Pt => "megaohms",
            Lang::Es => "megaohmios",
            Lang::Ro => "megaohmi",
        });
        let u = self.word(&words);
        let decimals = if mohm.fract() == 0.0 { 0 } else { 1 };
        format!("{} {u}", self.num(mohm, decimals))
    }

    fn celsius_unit(&mut self) -> String {
        self.word(&["°C", "°C", "ºC", "° C", "C", "deg C"])
    }

    // ---- test types ----

    fn grounding(&mut self, p: &mut Page) {
        // Mostly good grids, some high: 0.05 Ω to 12 Ω, a few in kΩ.
        let ohms = if self.chance(0.03) {
            self.rng.gen_range(11..60) as f64 * 100.0
        } else {
            self.rng.gen_range(5..1200) as f64 / 100.0
        };
        let method = match self.lang {
            Lang::En => "Method: fall of potential (62 %)",
            Lang::Pt => "Método: queda de potencial (62 %)",
            Lang::Es => "Método: caída de potencial (62 %)",
            Lang::Ro => "Metoda: căderii de tensiune (62 %)",
        };
        p.text(method);
        if self.chance(0.4) {
            let range = match self.lang {
                Lang::En => "Measuring range",
                Lang::Pt => "Faixa de medição",
                Lang::Es => "Rango de medida",
                Lang::Ro => "Domeniu de măsurare",
            };
            let lo = self.ohms(0.01, 2);
            let hi = format!("{} kΩ", self.num(19.99, 2));
            p.text(format!("{range}: {lo} – {hi}"));
        }
        if self.chance(0.5) {
            // Readings at several probe positions: none of them is the result.
            let (h1, h2) = match self.lang {
                Lang::En => ("Probe distance (m)", "Reading (Ω)"),
                Lang::Pt => ("Distância da sonda (m)", "Leitura (Ω)"),
                Lang::Es => ("Distancia de la sonda (m)", "Lectura (Ω)"),
                Lang::Ro => ("Distanța sondei (m)", "Citire (Ω)"),
            };
            p.line(&[(2, h1.to_string()), (34, h2.to_string())]);
            for (i, k) in [0.52, 0.62, 0.72].iter().enumerate() {
                let r = (ohms * (0.9 + 0.1 * i as f64) * 100.0).round() / 100.0;
                p.line(&[(2, self.num(k * 50.0, 0)), (34, self.num(r.max(0.01), 2))]);
            }
        }
        let limit = self.one(&[1.0, 5.0, 10.0]);
        let decimals = if ohms >= 1000.0 { 0 } else { 2 };
        let label = self.word(match self.lang {
            Lang::En => &[
                "Ground resistance",
                "Earth resistance",
                "Measured earth resistance",
                "Measured ground resistance",
                "Earth electrode resistance",
                "Resistance to earth",
                "Earth resistance (measured)",
                "Ground resistance, measured value",
                "Grounding resistance",
                "Rg",
                "R_E",
                "RE (measured)",
                "Total earth resistance",
            ][..],
            Lang::Pt => &[
                "Resistência de aterramento",
                "Resistência de aterramento medida",
                "Valor medido da resistência de aterramento",
                "Resistência de terra",
                "Resistência de terra (medida)",
                "Rg",
            ][..],
            Lang::Es => &[
                "Resistencia de puesta a tierra",
                "Resistencia de tierra medida",
                "Valor medido de la resistencia de tierra",
                "Resistencia a tierra",
                "Resistencia de puesta a tierra (medida)",
                "RE",
            ][..],
            Lang::Ro => &[
                "Rezistența de dispersie",
                "Rezistența de dispersie măsurată",
                "Rezistența prizei de pământ",
                "Valoarea măsurată a rezistenței de dispersie",
                "Rezistența de împământare",
                "Rp",
            ][..],
        });
        let limit_label = match self.lang {
            Lang::En => self.word(&[
                "Maximum permissible earth resistance",
                "Limit",
                "Required value",
                "Max. allowed ground resistance",
            ]),
            Lang::Pt => self.word(&[
                "Valor máximo admissível",
                "Limite",
                "Resistência de aterramento máxima",
            ]),
            Lang::Es => self.word(&[
                "Valor máximo admisible",
                "Límite",
                "Resistencia de tierra máxima permitida",
            ]),
            Lang::Ro => self.word(&[
                "Valoare maximă admisă",
                "Limita",
                "Rezistența de dispersie maximă admisă",
            ]),
        };
        if self.chance(0.3) {
            // A results table: the unit is in the header, the limit beside the result.
            let (m, r, l, s) = match self.lang {
                Lang::En => ("Measurement", "Result", "Limit", "Status"),
                Lang::Pt => ("Medição", "Resultado", "Limite", "Situação"),
                Lang::Es => ("Medición", "Resultado", "Límite", "Estado"),
                Lang::Ro => ("Măsurare", "Rezultat", "Limită", "Stare"),
            };
            let unit = self.word(&["Ω", "ohm", "Ohms"]);
            let limit_first = self.chance(0.3);
            let (c1, c2) = if limit_first { (54, 38) } else { (38, 54) };
            p.line(&[
                (0, m.to_string()),
                (c1, format!("{r} ({unit})")),
                (c2, format!("{l} ({unit})")),
                (70, s.to_string()),
            ]);
            let status = if ohms <= limit { "OK" } else { "NOK" };
            p.line(&[
                (0, label.clone()),
                (c1, self.num(ohms, decimals)),
                (c2, self.num(limit, 2)),
                (70, status.to_string()),
            ]);
        } else {
            if self.chance(0.3) {
                let l = self.ohms(limit, 1);
                p.text(format!("{limit_label}: {l}"));
            }
            let v = self.ohms(ohms, decimals);
            self.labelled(p, &label, &v);
            if self.chance(0.3) {
                let l = self.ohms(limit, 1);
                p.text(format!("{limit_label}: ≤ {l}"));
            }
        }
        self.x.ground_resistance = truth(ohms, Some("Ω"), 1);
        if self.chance(0.6) {
            let shown = if self.chance(0.15) {
                (ohms * 1.2 * 100.0).round() / 100.0
            } else {
                ohms
            };
            let label = match self.lang {
                Lang::En => {
                    self.word(&["Display reading", "Reading on the display", "Meter display"])
                }
                Lang::Pt => self.word(&["Leitura do display", "Leitura no visor"]),
                Lang::Es => self.word(&["Lectura de la pantalla", "Lectura en el display"]),
                Lang::Ro => self.word(&["Citire afișaj", "Valoare afișată"]),
            };
            let decimals = if shown >= 1000.0 { 0 } else { 2 };
            let v = self.ohms(shown, decimals);
            self.labelled(p, &label, &v);
            self.x.display_reading = truth(shown, Some("Ω"), 1);
        }
    }

    fn insulation(&mut self, p: &mut Page) {
        let volt = match self.lang {
            Lang::En => "Test voltage",
            Lang::Pt => "Tensão de ensaio",
            Lang::Es => "Tensión de prueba",
            Lang::Ro => "Tensiune de încercare",
        };
        let kv = self.one(&[500, 1000, 2500, 5000]);
        p.text(format!("{volt}: {} V DC", self.num(kv as f64, 0)));
        let pairs_style = self.rng.gen_range(0..4);
        let names: [(&str, [&str; 2]); 6] = [
            ("R-S", ["R", "S"]),
            ("R-T", ["R", "T"]),
            ("S-T", ["S", "T"]),
            ("R-ground", ["R", "G"]),
            ("S-ground", ["S", "G"]),
            ("T-ground", ["T", "G"]),
        ];
        let scheme = self.rng.gen_range(0..5);
        let ground = match (self.lang, self.rng.gen_range(0..3)) {
            (_, 0) => "PE",
            (Lang::En, 1) => "GND",
            (Lang::En, _) => "Ground",
            (Lang::Pt, 1) => "Terra",
            (Lang::Es, 1) => "Tierra",
            (Lang::Ro, 1) => "PE",
            _ => "G",
        };
        let phase = |s: &str| -> String {
            match (scheme, s) {
                (_, "G") => ground.to_string(),
                (0, x) => x.to_string(),
                (1, "R") => "L1".into(),
                (1, "S") => "L2".into(),
                (1, "T") => "L3".into(),
                (2, "R") => "A".into(),
                (2, "S") => "B".into(),
                (2, "T") => "C".into(),
                (3, "R") => "U".into(),
                (3, "S") => "V".into(),
                (3, "T") => "W".into(),
                (_, x) => format!("L{}", "RST".find(x).unwrap() + 1),
            }
        };
        let omit = if self.chance(0.1) {
            Some(self.rng.gen_range(0..6))
        } else {
            None
        };
        let mut values = Vec::new();
        for (i, (path, [a, b])) in names.iter().enumerate() {
            let v = if self.chance(0.08) {
                self.rng.gen_range(5..99) as f64
            } else if self.chance(0.3) {
                self.rng.gen_range(10..60) as f64 * 100.0
            } else {
                self.rng.gen_range(120..5000) as f64
            };
            let v = if self.chance(0.05) { 0.85 } else { v };
            let name = format!(
                "{}{}{}",
                phase(a),
                self.word(&["-", "-", " - ", "–", "/"]),
                phase(b)
            );
            if omit != Some(i) {
                let f = self.x.insulation.pair_mut(path).unwrap();
                *f = truth(v, Some("MΩ"), 1);
                values.push((name, v));
            }
        }
        match pairs_style {
            0 => {
                // Two or three readings per line.
                for chunk in values.chunks(3) {
                    let cells: Vec<(u16, String)> = chunk
                        .iter()
                        .enumerate()
                        .map(|(i, (n, v))| {
                            (2 + 24 * i as u16, format!("{n}: {}", self.megohms(*v)))
                        })
                        .collect();
                    p.line(&cells);
                }
            }
            1 => {
                // A table, the unit in the header.
                let (pair, res, min) = match self.lang {
                    Lang::En => ("Pair", "Insulation resistance", "Minimum"),
                    Lang::Pt => ("Par", "Resistência de isolamento", "Mínimo"),
                    Lang::Es => ("Par", "Resistencia de aislamiento", "Mínimo"),
                    Lang::Ro => ("Pereche", "Rezistența de izolație", "Minim"),
                };
                let unit = self.word(&["MΩ", "MOhm", "Mohm", "megohms"]);
                let res = format!("{res} ({unit})");
                // The minimum's column starts after the reading's header, a gap apart.
                let last = 44 + res.chars().count() as u16;
                p.line(&[
                    (2, pair.to_string()),
                    (16, format!("{volt} (V)")),
                    (40, res),
                    (last, format!("{min} ({unit})")),
                ]);
                for (n, v) in &values {
                    p.line(&[
                        (2, n.clone()),
                        (16, self.num(kv as f64, 0)),
                        (40, self.num(*v, if v.fract() == 0.0 { 0 } else { 2 })),
                        (last, self.num(100.0, 0)),
                    ]);
                }
            }
            2 => {
                // "IR L1-PE = 2 400 MΩ" lines.
                let pre = self.word(&["IR", "R iso", "Riso", ""]);
                for (n, v) in &values {
                    let text = self.megohms(*v);
                    let label = if pre.is_empty() {
                        n.clone()
                    } else {
                        format!("{pre} {n}")
                    };
                    self.labelled(p, &label, &text);
                }
            }
            _ => {
                // One reading per line, the pair spelled out.
                for (n, v) in &values {
                    let text = self.megohms(*v);
                    p.line(&[(2, n.clone()), (20, text)]);
                }
            }
        }
        if self.chance(0.9) {
            let dar = self.rng.gen_range(100..200) as f64 / 100.0;
            let label = self.word(match self.lang {
                Lang::En => &[
                    "DAR",
                    "Dielectric absorption ratio",
                    "Absorption index",
                    "DAR (60 s / 30 s)",
                    "Dielectric absorption ratio (DAR)",
                ][..],
                Lang::Pt => &[
                    "Índice de absorção",
                    "Índice de absorção dielétrica (DAR)",
                    "DAR",
                ][..],
                Lang::Es => &[
                    "Índice de absorción",
                    "Índice de absorción dieléctrica",
                    "DAR",
                ][..],
                Lang::Ro => &[
                    "Coeficient de absorbție",
                    "Indice de absorbție (R60/R30)",
                    "DAR",
                ][..],
            });
            if self.chance(0.4) {
                // The polarisation index is another ratio: not the absorption index.
                let pi = self.rng.gen_range(100..500) as f64 / 100.0;
                let pi_label = match self.lang {
                    Lang::En => "PI (10 min / 1 min)",
                    Lang::Pt => "Índice de polarização (IP)",
                    Lang::Es => "Índice de polarización (IP)",
                    Lang::Ro => "Indice de polarizare (IP)",
                };
                p.text(format!("{pi_label}: {}", self.num(pi, 2)));
            }
            let v = self.num(dar, 2);
            self.labelled(p, &label, &v);
            self.x.insulation.absorption_index = truth(dar, None, 1);
        }
        if self.chance(0.5) {
            if let Some((_, v)) = values.first().cloned() {
                let label = match self.lang {
                    Lang::En => self.word(&["Display reading", "Meter reading on display"]),
                    Lang::Pt => "Leitura do display".to_string(),
                    Lang::Es => "Lectura de la pantalla".to_string(),
                    Lang::Ro => "Citire afișaj".to_string(),
                };
                let text = if v >= 1000.0 && v % 100.0 == 0.0 {
                    format!("{} GΩ", self.num(v / 1000.0, 1))
                } else if v < 1.0 {
                    format!("{} MΩ", self.num(v, 2))
                } else {
                    format!("{} MΩ", self.num(v, 0))
                };
                self.labelled(p, &label, &text);
                self.x.display_reading = truth(v, Some("MΩ"), 1);
            }
        }
    }

    fn thermography(&mut self, p: &mut Page) {
        let fahrenheit = self.us && self.chance(0.6);
        let ambient = self.rng.gen_range(150..350) as f64 / 10.0;
        let reflected = if self.chance(0.15) {
            ambient + self.rng.gen_range(15..60) as f64 / 10.0
        } else {
            ambient + self.rng.gen_range(-8..9) as f64 / 10.0
        };
        let min = ambient + self.rng.gen_range(0..100) as f64 / 10.0;
        let delta = match self.rng.gen_range(0..3) {
            0 => self.rng.gen_range(0..30) as f64 / 10.0,
            1 => self.rng.gen_range(31..150) as f64 / 10.0,
            _ => self.rng.gen_range(151..600) as f64 / 10.0,
        };
        let max = min + delta;
        let emissivity = self.one(&[0.85, 0.9, 0.92, 0.95, 0.98]);
        let distance = self.rng.gen_range(5..50) as f64 / 10.0;
        let humidity = self.rng.gen_range(20..90) as f64;

        let t = |g: &mut Self, c: f64| -> (String, f64) {
            if fahrenheit {
                let f = (c * 9.0 / 5.0 + 32.0).round();
                let u = g.one(&["°F", "ºF", "F"]);
                (format!("{} {u}", g.num(f, 0)), (f - 32.0) * 5.0 / 9.0)
            } else {
                let u = g.celsius_unit();
                (format!("{} {u}", g.num(c, 1)), c)
            }
        };
        let labels = |lang: Lang| -> [&'static [&'static str]; 5] {
            match lang {
                Lang::En => [
                    &[
                        "Ambient temperature",
                        "Ambient temp.",
                        "Atmospheric temperature",
                        "T amb",
                    ],
                    &[
                        "Reflected temperature",
                        "Reflected apparent temperature",
                        "Reflected temp.",
                        "Trefl",
                    ],
                    &[
                        "Max. temperature",
                        "Maximum temperature",
                        "Hot spot",
                        "Tmax",
                        "Max",
                    ],
                    &[
                        "Min. temperature",
                        "Minimum temperature",
                        "Tmin",
                        "Reference temperature (min)",
                    ],
                    &[
                        "Delta T",
                        "ΔT",
                        "Temperature difference",
                        "Temperature rise (ΔT)",
                    ],
                ],
                Lang::Pt => [
                    &["Temperatura ambiente", "Temp. ambiente"],
                    &["Temperatura refletida", "Temperatura aparente refletida"],
                    &["Temperatura máxima", "Temp. máx.", "Ponto quente"],
                    &["Temperatura mínima", "Temp. mín."],
                    &["Diferença de temperatura", "ΔT", "Delta T"],
                ],
                Lang::Es => [
                    &["Temperatura ambiente", "Temp. ambiente"],
                    &["Temperatura reflejada", "Temperatura aparente reflejada"],
                    &["Temperatura máxima", "Temp. máx.", "Punto caliente"],
                    &["Temperatura mínima", "Temp. mín."],
                    &["Diferencia de temperatura", "ΔT", "Delta T"],
                ],
                Lang::Ro => [
                    &["Temperatura ambiantă", "Temperatura mediului"],
                    &["Temperatura reflectată", "Temperatura aparentă reflectată"],
                    &["Temperatura maximă", "Temp. max.", "Punct fierbinte"],
                    &["Temperatura minimă", "Temp. min."],
                    &["Diferența de temperatură", "ΔT", "Delta T"],
                ],
            }
        };
        let l = labels(self.lang);
        // Camera parameters.
        let (em, dist, hum) = match self.lang {
            Lang::En => (
                "Emissivity",
                "Distance",
                self.word(&["Relative humidity", "RH", "Humidity"]),
            ),
            Lang::Pt => ("Emissividade", "Distância", "Umidade relativa".to_string()),
            Lang::Es => ("Emisividad", "Distancia", "Humedad relativa".to_string()),
            Lang::Ro => ("Emisivitate", "Distanța", "Umiditate relativă".to_string()),
        };
        let dist_text = if self.us && self.chance(0.5) {
            let ft = (distance / 0.3048 * 10.0).round() / 10.0;
            self.x.camera.distance = truth(ft * 0.3048, Some("m"), 1);
            format!("{} ft", self.num(ft, 1))
        } else {
            self.x.camera.distance = truth(distance, Some("m"), 1);
            format!("{} m", self.num(distance, 1))
        };
        let em_text = self.num(emissivity, 2);
        p.line(&[
            (0, format!("{em}: {em_text}")),
            (26, format!("{dist}: {dist_text}")),
            (52, format!("{hum}: {} %", self.num(humidity, 0))),
        ]);
        self.x.camera.emissivity = truth(emissivity, None, 1);
        self.x.camera.humidity = truth(humidity, Some("%"), 1);
        let (a_text, a) = t(self, ambient);
        let (r_text, r) = t(self, reflected);
        let al = self.word(l[0]);
        self.labelled(p, &al, &a_text);
        let reflected_stated = self.chance(0.9);
        if reflected_stated {
            let rl = self.word(l[1]);
            self.labelled(p, &rl, &r_text);
            self.x.temperatures.reflected = truth(r, Some("°C"), 1);
        }
        self.x.temperatures.ambient = truth(a, Some("°C"), 1);
        let (max_text, mx) = t(self, max);
        let (min_text, mn) = t(self, min);
        let (ml, nl, dl) = (self.word(l[2]), self.word(l[3]), self.word(l[4]));
        let with_delta = self.chance(0.7);
        let delta_text = if fahrenheit {
            let d = (mx - mn) * 9.0 / 5.0;
            let d = d.round();
            self.x.temperatures.delta = truth(d * 5.0 / 9.0, Some("°C"), 1);
            format!("{} °F", self.num(d, 0))
        } else {
            let u = self.word(&["°C", "K", "°C", "ºC"]);
            self.x.temperatures.delta = truth(delta, Some("°C"), 1);
            format!("{} {u}", self.num(delta, 1))
        };
        if !with_delta {
            self.x.temperatures.delta = Field::empty();
        }
        if self.chance(0.4) {
            // A table of spots: the unit in the header.
            let (spot, value) = match self.lang {
                Lang::En => ("Measurement", "Value"),
                Lang::Pt => ("Medição", "Valor"),
                Lang::Es => ("Medición", "Valor"),
                Lang::Ro => ("Măsurare", "Valoare"),
            };
            let unit = if fahrenheit { "°F" } else { "°C" };
            p.line(&[(2, spot.to_string()), (36, format!("{value} ({unit})"))]);
            let bare = |s: &str| s.split_whitespace().next().unwrap_or("").to_string();
            p.line(&[(2, ml.clone()), (36, bare(&max_text))]);
            p.line(&[(2, nl.clone()), (36, bare(&min_text))]);
            if with_delta {
                p.line(&[(2, dl.clone()), (36, bare(&delta_text))]);
            }
        } else {
            self.labelled(p, &ml, &max_text);
            self.labelled(p, &nl, &min_text);
            if with_delta {
                self.labelled(p, &dl, &delta_text);
            }
        }
        self.x.temperatures.max = truth(mx, Some("°C"), 1);
        self.x.temperatures.min = truth(mn, Some("°C"), 1);
        if self.chance(0.4) {
            let label = match self.lang {
                Lang::En => "Display reading",
                Lang::Pt => "Leitura do display",
                Lang::Es => "Lectura de la pantalla",
                Lang::Ro => "Citire afișaj",
            };
            let text = max_text.clone();
            self.labelled(p, label, &text);
            self.x.display_reading = truth(mx, Some("°C"), 1);
        }
    }

    fn evidence(&mut self, p: &mut Page) {
        let (yes, no) = match self.lang {
            Lang::En => (
                self.word(&["yes", "Yes", "present"]),
                self.word(&["no", "No", "none"]),
            ),
            Lang::Pt => ("sim".to_string(), "não".to_string()),
            Lang::Es => ("sí".to_string(), "no".to_string()),
            Lang::Ro => ("da".to_string(), "nu".to_string()),
        };
        if self.test == TestType::Grounding && self.chance(0.8) {
            let label = match self.lang {
                Lang::En => self.word(&[
                    "Photos watermarked",
                    "Photo watermark",
                    "Watermark on photos",
                ]),
                Lang::Pt => "Fotos com marca d'água".to_string(),
                Lang::Es => "Fotos con marca de agua".to_string(),
                Lang::Ro => "Fotografii cu filigran".to_string(),
            };
            let w = self.chance(0.7);
            p.text(format!("{label}: {}", if w { &yes } else { &no }));
            self.x.evidence.photos_watermarked = truth(w, None, 1);
        }
        if self.chance(0.8) {
            let label = match self.lang {
                Lang::En => self.word(&["Technician signature", "Signed by", "Signature"]),
                Lang::Pt => "Assinatura do técnico".to_string(),
                Lang::Es => "Firma del técnico".to_string(),
                Lang::Ro => "Semnătura tehnicianului".to_string(),
            };
            if self.chance(0.7) {
                let who = self.word(&["J. Silva", "M. Popescu", "A. García", "R. Smith"]);
                p.text(format!("{label}: {who}"));
                self.x.evidence.technician_signature = truth(true, None, 1);
            } else {
                p.text(format!("{label}: ____________"));
                self.x.evidence.technician_signature = truth(false, None, 1);
            }
        }
    }

    fn certificate(
        &mut self,
        p: &mut Page,
        serial: &str,
        cal: NaiveDate,
        due: NaiveDate,
        page: u32,
    ) {
        let (h, no, lab, sn, cd, dd) = match self.lang {
            Lang::En => (
                self.word(&["CALIBRATION CERTIFICATE", "Certificate of Calibration"]),
                "Certificate no.",
                "Laboratory",
                self.word(&["Instrument serial", "Serial number", "S/N"]),
                self.word(&["Calibration date", "Date of calibration", "Calibrated on"]),
                self.word(&[
                    "Calibration due",
                    "Next calibration",
                    "Valid until",
                    "Expiry date",
                ]),
            ),
            Lang::Pt => (
                "CERTIFICADO DE CALIBRAÇÃO".to_string(),
                "Certificado nº",
                "Laboratório",
                self.word(&["Nº de série", "Número de série do instrumento"]),
                "Data da calibração".to_string(),
                self.word(&["Validade da calibração", "Próxima calibração", "Válido até"]),
            ),
            Lang::Es => (
                "CERTIFICADO DE CALIBRACIÓN".to_string(),
                "Certificado n.º",
                "Laboratorio",
                self.word(&["N.º de serie", "Número de serie del instrumento"]),
                "Fecha de calibración".to_string(),
                self.word(&[
                    "Próxima calibración",
                    "Válido hasta",
                    "Vencimiento de la calibración",
                ]),
            ),
            Lang::Ro => (
                "CERTIFICAT DE ETALONARE".to_string(),
                "Nr. certificat",
                "Laborator",
                self.word(&["Serie aparat", "Număr de serie"]),
                "Data etalonării".to_string(),
                self.word(&[
                    "Valabil până la",
                    "Următoarea etalonare",
                    "Scadența etalonării",
                ]),
            ),
        };
        p.line(&[(10, h)]);
        p.blank();
        let cert_no = format!("CAL-{}", self.rng.gen_range(10000..99999));
        p.line(&[
            (0, format!("{no}: {cert_no}")),
            (40, format!("{lab}: Metrology Lab Ltd")),
        ]);
        self.labelled(p, &sn, serial);
        let cd_text = self.date(cal);
        self.labelled(p, &cd, &cd_text);
        let dd_text = self.date(due);
        self.labelled(p, &dd, &dd_text);
        self.x.certificate.serial = truth(cert_no, None, page);
        self.x.certificate.instrument_serial = truth(serial.to_string(), None, page);
        self.x.certificate.calibration_date = truth(cal, None, page);
        self.x.certificate.expiry_date = truth(due, None, page);
    }
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn ordinal(d: u32) -> &'static str {
    match (d % 10, d % 100) {
        (1, x) if x != 11 => "st",
        (2, x) if x != 12 => "nd",
        (3, x) if x != 13 => "rd",
        _ => "th",
    }
}
