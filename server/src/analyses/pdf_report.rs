//! The PDF report of one analysis (lopdf): the company's logo and name, the report's facts,
//! the verdict, every non-conformity with its evidence and corrective action, and the extracted
//! readings with their page. Built-in Helvetica (no font files to ship); characters outside its
//! Latin-1 encoding are spelled out (Ω → ohm, Δ → delta).

use lopdf::{
    content::{Content, Operation},
    dictionary, Document, Object, Stream,
};

use super::{model::CORRECTABLE, service::AnalysisRow};

const W: f32 = 595.0;
const H: f32 = 842.0;
const MARGIN: f32 = 50.0;

/// Text in WinAnsi (Latin-1 for what we write), with the symbols it lacks spelled out.
fn latin1(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        let sub = match c {
            'Ω' => Some("ohm"),
            'Δ' => Some("delta "),
            '→' => Some("->"),
            '−' | '–' | '—' => Some("-"),
            '≥' => Some(">="),
            '≤' => Some("<="),
            '…' => Some("..."),
            '‘' | '’' => Some("'"),
            '“' | '”' => Some("\""),
            _ => None,
        };
        match sub {
            Some(s) => out.extend_from_slice(s.as_bytes()),
            None if (c as u32) < 256 => out.push(c as u32 as u8),
            None => out.push(b'?'),
        }
    }
    out
}

/// Approximate Helvetica advance (average glyph 0.52 em; capitals and digits wider).
fn width(s: &str, size: f32) -> f32 {
    s.chars()
        .map(|c| match c {
            'i' | 'l' | 'j' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' => 0.25,
            'f' | 't' | 'r' | ' ' | '(' | ')' | '-' => 0.33,
            'm' | 'w' | 'M' | 'W' => 0.85,
            c if c.is_ascii_uppercase() => 0.68,
            c if c.is_ascii_digit() => 0.56,
            _ => 0.52,
        })
        .sum::<f32>()
        * size
}

fn wrap(text: &str, size: f32, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if width(&candidate, size) > max && !line.is_empty() {
            lines.push(std::mem::take(&mut line));
            line = word.to_string();
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Pages of drawing operations, with a cursor that starts a new page when one is full.
struct Writer {
    pages: Vec<Vec<Operation>>,
    y: f32,
}

impl Writer {
    fn new() -> Writer {
        Writer {
            pages: vec![Vec::new()],
            y: H - MARGIN,
        }
    }

    fn ops(&mut self) -> &mut Vec<Operation> {
        self.pages.last_mut().expect("a page")
    }

    fn room(&mut self, needed: f32) {
        if self.y - needed < MARGIN {
            self.pages.push(Vec::new());
            self.y = H - MARGIN;
        }
    }

    fn text_at(&mut self, x: f32, y: f32, size: f32, bold: bool, rgb: (f32, f32, f32), s: &str) {
        let font = if bold { "F2" } else { "F1" };
        let ops = self.ops();
        ops.push(Operation::new(
            "rg",
            vec![rgb.0.into(), rgb.1.into(), rgb.2.into()],
        ));
        ops.push(Operation::new("BT", vec![]));
        ops.push(Operation::new("Tf", vec![font.into(), size.into()]));
        ops.push(Operation::new("Td", vec![x.into(), y.into()]));
        ops.push(Operation::new(
            "Tj",
            vec![Object::string_literal(latin1(s))],
        ));
        ops.push(Operation::new("ET", vec![]));
    }

    /// A wrapped paragraph at the cursor.
    fn para(&mut self, x: f32, size: f32, bold: bool, rgb: (f32, f32, f32), s: &str) {
        for line in wrap(s, size, W - MARGIN - x) {
            self.room(size * 1.4);
            self.y -= size * 1.4;
            let y = self.y;
            self.text_at(x, y, size, bold, rgb, &line);
        }
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, rgb: (f32, f32, f32)) {
        let ops = self.ops();
        ops.push(Operation::new(
            "rg",
            vec![rgb.0.into(), rgb.1.into(), rgb.2.into()],
        ));
        ops.push(Operation::new(
            "re",
            vec![x.into(), y.into(), w.into(), h.into()],
        ));
        ops.push(Operation::new("f", vec![]));
    }

    fn gap(&mut self, h: f32) {
        self.y -= h;
    }
}

const INK: (f32, f32, f32) = (0.1, 0.12, 0.16);
const MUTED: (f32, f32, f32) = (0.4, 0.43, 0.48);

/// Renders the report. `logo` is JPEG bytes (converted by the caller) with its pixel size.
pub fn render(
    row: &AnalysisRow,
    company: &str,
    logo: Option<(Vec<u8>, u32, u32)>,
    when: &str,
) -> Result<Vec<u8>, String> {
    let mut w = Writer::new();
    // Header: logo left, company and title right.
    let logo_size = logo.as_ref().map(|(_, pw, ph)| {
        let scale = (140.0 / *pw as f32).min(50.0 / *ph as f32);
        (*pw as f32 * scale, *ph as f32 * scale)
    });
    if let Some((lw, lh)) = logo_size {
        let ops = w.ops();
        ops.push(Operation::new("q", vec![]));
        ops.push(Operation::new(
            "cm",
            vec![
                lw.into(),
                0.into(),
                0.into(),
                lh.into(),
                MARGIN.into(),
                (H - MARGIN - lh).into(),
            ],
        ));
        ops.push(Operation::new("Do", vec!["Logo".into()]));
        ops.push(Operation::new("Q", vec![]));
    }
    let title = "Commissioning test analysis";
    w.text_at(
        W - MARGIN - width(company, 14.0),
        H - MARGIN - 14.0,
        14.0,
        true,
        INK,
        company,
    );
    w.text_at(
        W - MARGIN - width(title, 10.0),
        H - MARGIN - 30.0,
        10.0,
        false,
        MUTED,
        title,
    );
    w.y = H - MARGIN - logo_size.map(|s| s.1).unwrap_or(36.0).max(36.0) - 16.0;

    w.para(MARGIN, 16.0, true, INK, &row.filename);
    w.para(
        MARGIN,
        9.0,
        false,
        MUTED,
        &format!(
            "{} · {} · version {} · uploaded {} by {} · report of {}",
            row.test().label(),
            row.thresholds().standard,
            row.version,
            row.created_at.format("%Y-%m-%d %H:%M UTC"),
            row.creator_name
                .clone()
                .unwrap_or_else(|| "a former member".into()),
            when
        ),
    );
    w.gap(14.0);

    // Verdict band.
    let verdict = row
        .verdict
        .clone()
        .unwrap_or_else(|| row.status.to_uppercase());
    let colour = match verdict.as_str() {
        "REJECTED" => (0.78, 0.12, 0.12),
        "APPROVED" => (0.05, 0.55, 0.3),
        _ => (0.8, 0.5, 0.05),
    };
    w.room(40.0);
    w.y -= 34.0;
    let y = w.y;
    w.rect(MARGIN, y, W - 2.0 * MARGIN, 30.0, colour);
    w.text_at(
        MARGIN + 10.0,
        y + 10.0,
        13.0,
        true,
        (1.0, 1.0, 1.0),
        &verdict.replace('_', " "),
    );
    let facts = format!(
        "score {} · confidence {} · {} tokens{}",
        row.score
            .map(|s| s.to_string())
            .unwrap_or_else(|| "-".into()),
        row.confidence
            .map(|c| format!("{:.0}%", c * 100.0))
            .unwrap_or_else(|| "-".into()),
        row.tokens_charged,
        if row.requires_review {
            " · requires review"
        } else {
            ""
        }
    );
    w.text_at(
        W - MARGIN - 10.0 - width(&facts, 10.0),
        y + 11.0,
        10.0,
        false,
        (1.0, 1.0, 1.0),
        &facts,
    );
    w.gap(14.0);

    let outcome = row.outcome();
    w.para(MARGIN, 12.0, true, INK, "Non-conformities");
    match outcome.as_ref().map(|o| o.findings.as_slice()) {
        Some(findings) if !findings.is_empty() => {
            for f in findings {
                w.gap(4.0);
                w.para(
                    MARGIN,
                    10.0,
                    true,
                    INK,
                    &format!(
                        "{} · {} · {}",
                        f.code,
                        f.severity.as_str().to_uppercase(),
                        f.title
                    ),
                );
                w.para(
                    MARGIN + 12.0,
                    9.0,
                    false,
                    INK,
                    &format!("Evidence: {}", f.evidence),
                );
                w.para(
                    MARGIN + 12.0,
                    9.0,
                    false,
                    INK,
                    &format!("Corrective action: {}", f.corrective_action),
                );
            }
        }
        _ => w.para(MARGIN, 10.0, false, INK, "None."),
    }
    if let Some(o) = &outcome {
        if !o.review_reasons.is_empty() {
            w.gap(8.0);
            w.para(MARGIN, 12.0, true, INK, "Requires review");
            for r in &o.review_reasons {
                w.para(MARGIN + 12.0, 9.0, false, INK, r);
            }
        }
    }
    w.gap(10.0);
    w.para(MARGIN, 12.0, true, INK, "Extracted readings");
    if let Some(x) = row.extraction() {
        for (path, label) in CORRECTABLE {
            let Some(m) = x.meta(path).filter(|m| m.set) else {
                continue;
            };
            let value = match &m.unit {
                Some(u) if !u.is_empty() => format!("{} {u}", m.value),
                _ => m.value.clone(),
            };
            let origin = match (m.page, m.source.as_deref()) {
                (Some(p), Some(s)) => format!("page {p}, {s}, confidence {:.2}", m.confidence),
                (None, Some(s)) => format!("{s}, confidence {:.2}", m.confidence),
                _ => format!("confidence {:.2}", m.confidence),
            };
            w.room(14.0);
            w.y -= 13.0;
            let y = w.y;
            w.text_at(MARGIN, y, 9.0, false, MUTED, label);
            w.text_at(MARGIN + 190.0, y, 9.0, true, INK, &value);
            w.text_at(MARGIN + 330.0, y, 8.0, false, MUTED, &origin);
        }
    }
    w.gap(16.0);
    w.para(
        MARGIN,
        8.0,
        false,
        MUTED,
        &format!(
            "Analysis {} · extracted by {} · generated by Switchyard.",
            row.id,
            row.provider.clone().unwrap_or_else(|| "-".into())
        ),
    );

    // Assemble the document.
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let f1 = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica", "Encoding" => "WinAnsiEncoding",
    });
    let f2 = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica-Bold", "Encoding" => "WinAnsiEncoding",
    });
    let mut xobjects = lopdf::Dictionary::new();
    if let Some((jpeg, pw, ph)) = logo {
        let img = doc.add_object(Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Image", "Width" => pw as i64, "Height" => ph as i64,
                "ColorSpace" => "DeviceRGB", "BitsPerComponent" => 8, "Filter" => "DCTDecode",
            },
            jpeg,
        ));
        xobjects.set("Logo", img);
    }
    let resources = doc.add_object(dictionary! {
        "Font" => dictionary! { "F1" => f1, "F2" => f2 },
        "XObject" => xobjects,
    });
    let mut kids = Vec::new();
    let count = w.pages.len();
    for (i, ops) in w.pages.into_iter().enumerate() {
        let mut ops = ops;
        let footer = format!("Page {} of {count}", i + 1);
        ops.push(Operation::new(
            "rg",
            vec![MUTED.0.into(), MUTED.1.into(), MUTED.2.into()],
        ));
        ops.push(Operation::new("BT", vec![]));
        ops.push(Operation::new("Tf", vec!["F1".into(), 8.into()]));
        ops.push(Operation::new(
            "Td",
            vec![(W - MARGIN - width(&footer, 8.0)).into(), 28.into()],
        ));
        ops.push(Operation::new(
            "Tj",
            vec![Object::string_literal(latin1(&footer))],
        ));
        ops.push(Operation::new("ET", vec![]));
        let content = Content { operations: ops }
            .encode()
            .map_err(|e| format!("report content: {e}"))?;
        let content_id = doc.add_object(Stream::new(dictionary! {}, content));
        let page = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "Contents" => content_id,
            "Resources" => resources, "MediaBox" => vec![0.into(), 0.into(), W.into(), H.into()],
        });
        kids.push(page.into());
    }
    doc.objects.insert(
        pages_id,
        Object::Dictionary(
            dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count as i64 },
        ),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    doc.compress();
    let mut out = Vec::new();
    doc.save_to(&mut out).map_err(|e| format!("report: {e}"))?;
    Ok(out)
}

/// Any PNG/JPEG logo as RGB JPEG bytes with its size, for embedding.
pub fn logo_jpeg(bytes: &[u8]) -> Option<(Vec<u8>, u32, u32)> {
    let img = image::load_from_memory(bytes).ok()?;
    let img = img.resize(600, 600, image::imageops::FilterType::Triangle);
    // Transparent areas onto white (JPEG has no alpha).
    let rgba = img.to_rgba8();
    let rgb = image::RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let p = rgba.get_pixel(x, y).0;
        let a = p[3] as f32 / 255.0;
        let blend = |c: u8| (c as f32 * a + 255.0 * (1.0 - a)).round() as u8;
        image::Rgb([blend(p[0]), blend(p[1]), blend(p[2])])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&rgb)
        .ok()?;
    Some((out, rgb.width(), rgb.height()))
}
