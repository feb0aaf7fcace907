//! A report as a PDF with a real text layer: Helvetica (not embedded) with the WinAnsi
//! encoding, its unused codes given to the symbols reports need (Ω, Δ, ≤, ≥, the Romanian
//! letters), named in a Differences array and mapped by a ToUnicode CMap — the way office
//! software writes them, so `pdftotext -layout` reads them back as Unicode.

use std::io::Write;

use super::{Placed, Report};

#[path = "../common/pdf.rs"]
mod writer;
use writer::assemble;

/// Codes 0x80.. and the glyph and character each stands for.
const EXTRA: &[(char, &str)] = &[
    ('\u{03A9}', "Omega"),
    ('\u{2126}', "Omega"),
    ('Δ', "Delta"),
    ('ă', "abreve"),
    ('Ă', "Abreve"),
    ('ș', "scommaaccent"),
    ('Ș', "Scommaaccent"),
    ('ț', "tcommaaccent"),
    ('Ț', "Tcommaaccent"),
    ('≤', "lessequal"),
    ('≥', "greaterequal"),
    ('–', "endash"),
    ('—', "emdash"),
    ('ε', "epsilon"),
];

fn encode(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        let b = if let Some(i) = EXTRA.iter().position(|(x, _)| *x == c) {
            0x80 + i as u8
        } else if (' '..='~').contains(&c) || ('\u{a0}'..='\u{ff}').contains(&c) {
            c as u32 as u8
        } else {
            panic!("the corpus font cannot write {c:?}")
        };
        if matches!(b, b'(' | b')' | b'\\') {
            out.push(b'\\');
        }
        out.push(b);
    }
    out
}

fn to_unicode() -> String {
    let mut s = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<00> <FF>\nendcodespacerange\n",
    );
    s.push_str(&format!("{} beginbfchar\n", EXTRA.len()));
    for (i, (c, _)) in EXTRA.iter().enumerate() {
        s.push_str(&format!("<{:02X}> <{:04X}>\n", 0x80 + i, *c as u32));
    }
    s.push_str("endbfchar\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend");
    s
}

fn stream(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut o = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
    o.extend_from_slice(data);
    o.extend_from_slice(b"\nendstream");
    o
}

const SIZE: f32 = 9.0;
/// Points per character column and per line.
const COL: f32 = 5.2;
const LINE: f32 = 13.0;

/// The page's drawing operations. `advance`: Helvetica's metrics have no Ω or ε, so a
/// renderer draws them with no width over the next letter; for pages that are rendered (the
/// scans) each is followed by its width, as an embedded font would give it.
fn content(page: &[Placed], advance: bool) -> Vec<u8> {
    let mut c = Vec::new();
    for p in page {
        let x = 36.0 + p.col as f32 * COL;
        let y = 800.0 - p.row as f32 * LINE;
        write!(c, "BT /F1 {SIZE} Tf {x:.1} {y:.1} Td [(").unwrap();
        for b in encode(&p.text) {
            c.push(b);
            match b {
                0x80 | 0x81 if advance => c.extend_from_slice(b") -768 ("),
                0x8D if advance => c.extend_from_slice(b") -440 ("),
                _ => {}
            }
        }
        c.extend_from_slice(b")] TJ ET\n");
    }
    c
}

/// The report as a PDF whose pages carry their text.
pub fn text_pdf(r: &Report) -> Vec<u8> {
    pdf_with(r, false)
}

/// The same PDF laid out for rendering: what a scanner will photograph.
pub fn printed_pdf(r: &Report) -> Vec<u8> {
    pdf_with(r, true)
}

fn pdf_with(r: &Report, advance: bool) -> Vec<u8> {
    // 1 catalog, 2 page tree, 3 font, 4 its ToUnicode map, then a page and its content each.
    let differences: String = EXTRA.iter().map(|(_, g)| format!(" /{g}")).collect();
    let mut objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        Vec::new(),
        format!(
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 4 0 R \
             /Encoding << /Type /Encoding /BaseEncoding /WinAnsiEncoding /Differences [128{differences}] >> >>"
        )
        .into_bytes(),
        stream("", to_unicode().as_bytes()),
    ];
    let mut kids = Vec::new();
    for page in &r.pages {
        let page_obj = objects.len() + 1;
        kids.push(format!("{page_obj} 0 R"));
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] \
                 /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
                page_obj + 1
            )
            .into_bytes(),
        );
        objects.push(stream("", &content(page, advance)));
    }
    objects[1] = format!(
        "<< /Type /Pages /Kids [{}] /Count {} >>",
        kids.join(" "),
        r.pages.len()
    )
    .into_bytes();
    assemble(&objects)
}

/// A PDF of page images only (no text layer), as a scanner writes one: each PNG becomes a
/// grey, deflated image filling an A4 page.
pub fn image_pdf(pngs: &[Vec<u8>]) -> Vec<u8> {
    let mut objects: Vec<Vec<u8>> = vec![b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(), Vec::new()];
    let mut kids = Vec::new();
    for png in pngs {
        let img = image::load_from_memory(png)
            .expect("a rendered page")
            .to_luma8();
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(img.as_raw()).unwrap();
        let data = z.finish().unwrap();
        let page_obj = objects.len() + 1;
        kids.push(format!("{page_obj} 0 R"));
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] \
                 /Resources << /XObject << /Im1 {} 0 R >> >> /Contents {} 0 R >>",
                page_obj + 1,
                page_obj + 2
            )
            .into_bytes(),
        );
        objects.push(stream(
            &format!(
                "/Type /XObject /Subtype /Image /Width {} /Height {} /ColorSpace /DeviceGray \
                 /BitsPerComponent 8 /Filter /FlateDecode",
                img.width(),
                img.height()
            ),
            &data,
        ));
        objects.push(stream("", b"q 595 0 0 842 0 0 cm /Im1 Do Q"));
    }
    objects[1] = format!(
        "<< /Type /Pages /Kids [{}] /Count {} >>",
        kids.join(" "),
        pngs.len()
    )
    .into_bytes();
    assemble(&objects)
}
