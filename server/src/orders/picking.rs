//! The picking list of a "process" (or AWB) bulk run: a PDF for the warehouse with the items to
//! pick, summed by SKU across the run's orders, then each order with its AWB and lines.
//!
//! Drawn with lopdf (already used to read uploaded PDFs) in Helvetica, one of the PDF standard
//! fonts, so no font file ships with us. Helvetica's WinAnsi encoding has no ș, ț or ă: those
//! are written as s, t and a (the warehouse reads SKUs and quantities; every other Latin-1
//! letter, â and î included, is kept).

use std::collections::BTreeMap;

use lopdf::{
    content::{Content, Operation},
    dictionary, Document, Object, Stream,
};

use super::model::Item;

/// One order of the list.
#[derive(Clone, Debug)]
pub struct PickOrder {
    pub number: String,
    pub customer: String,
    pub awb: Option<String>,
    pub items: Vec<Item>,
}

const WIDTH: f32 = 595.0;
const HEIGHT: f32 = 842.0;
const MARGIN: f32 = 40.0;
const LEADING: f32 = 13.0;

/// WinAnsi bytes of `s`, Romanian letters outside it written without their marks.
pub fn win_ansi(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| match c {
            '\u{20}'..='\u{7e}' => c as u8,
            '\u{a0}'..='\u{ff}' => c as u32 as u8,
            'ș' | 'ş' => b's',
            'Ș' | 'Ş' => b'S',
            'ț' | 'ţ' => b't',
            'Ț' | 'Ţ' => b'T',
            'ă' => b'a',
            'Ă' => b'A',
            '€' => 0x80,
            '…' => 0x85,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            _ => b'?',
        })
        .collect()
}

/// At most `n` characters, with "…" when cut.
fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// Pages of positioned text lines.
struct Pages {
    pages: Vec<Vec<Operation>>,
    y: f32,
}

impl Pages {
    fn new() -> Pages {
        Pages {
            pages: vec![Vec::new()],
            y: HEIGHT - MARGIN,
        }
    }

    /// Moves down one line of `size`, starting a page when this one is full.
    fn line(&mut self, size: f32) {
        self.y -= LEADING.max(size + 4.0);
        if self.y < MARGIN {
            self.pages.push(Vec::new());
            self.y = HEIGHT - MARGIN - size;
        }
    }

    fn text(&mut self, x: f32, size: f32, bold: bool, s: &str) {
        let font = if bold { "F2" } else { "F1" };
        let ops = self.pages.last_mut().expect("a page");
        ops.push(Operation::new("BT", vec![]));
        ops.push(Operation::new("Tf", vec![font.into(), size.into()]));
        ops.push(Operation::new("Td", vec![x.into(), self.y.into()]));
        ops.push(Operation::new(
            "Tj",
            vec![Object::string_literal(win_ansi(s))],
        ));
        ops.push(Operation::new("ET", vec![]));
    }

    fn rule(&mut self) {
        let y = self.y - 4.0;
        let ops = self.pages.last_mut().expect("a page");
        ops.push(Operation::new("w", vec![0.5.into()]));
        ops.push(Operation::new("m", vec![MARGIN.into(), y.into()]));
        ops.push(Operation::new("l", vec![(WIDTH - MARGIN).into(), y.into()]));
        ops.push(Operation::new("S", vec![]));
    }
}

/// The items summed by SKU (or by title and variant when there is no SKU): (SKU, product,
/// quantity, orders), by SKU then product.
pub fn totals(orders: &[PickOrder]) -> Vec<(String, String, i64, usize)> {
    let mut sums: BTreeMap<(String, String), (i64, usize)> = BTreeMap::new();
    for o in orders {
        for i in &o.items {
            let sku = i.sku.clone().unwrap_or_default();
            let product = match &i.variant {
                Some(v) if !v.is_empty() => format!("{} — {v}", i.title),
                _ => i.title.clone(),
            };
            let e = sums.entry((sku, product)).or_default();
            e.0 += i.quantity;
            e.1 += 1;
        }
    }
    sums.into_iter()
        .map(|((sku, product), (qty, n))| (sku, product, qty, n))
        .collect()
}

/// The picking list as PDF bytes.
pub fn render(title: &str, subtitle: &str, orders: &[PickOrder]) -> crate::Result<Vec<u8>> {
    let mut p = Pages::new();
    p.text(MARGIN, 16.0, true, title);
    p.line(16.0);
    p.text(MARGIN, 9.0, false, subtitle);
    p.line(9.0);
    p.line(9.0);

    p.text(MARGIN, 11.0, true, "Items to pick");
    p.line(11.0);
    p.text(MARGIN, 8.0, true, "QTY");
    p.text(MARGIN + 40.0, 8.0, true, "SKU");
    p.text(MARGIN + 160.0, 8.0, true, "PRODUCT");
    p.text(WIDTH - MARGIN - 40.0, 8.0, true, "ORDERS");
    p.rule();
    p.line(9.0);
    for (sku, product, qty, n) in totals(orders) {
        p.text(MARGIN, 10.0, true, &qty.to_string());
        p.text(MARGIN + 40.0, 9.0, false, &cut(&sku, 22));
        p.text(MARGIN + 160.0, 9.0, false, &cut(&product, 62));
        p.text(WIDTH - MARGIN - 40.0, 9.0, false, &n.to_string());
        p.line(9.0);
    }
    p.line(9.0);

    p.text(MARGIN, 11.0, true, "Orders");
    p.line(11.0);
    for o in orders {
        let head = format!(
            "{} · {} · AWB {}",
            o.number,
            cut(&o.customer, 40),
            o.awb.as_deref().unwrap_or("—")
        );
        p.text(MARGIN, 10.0, true, &head);
        p.rule();
        p.line(10.0);
        for i in &o.items {
            p.text(MARGIN + 10.0, 9.0, false, &format!("{} ×", i.quantity));
            p.text(
                MARGIN + 40.0,
                9.0,
                false,
                &cut(i.sku.as_deref().unwrap_or(""), 22),
            );
            let product = match &i.variant {
                Some(v) if !v.is_empty() => format!("{} — {v}", i.title),
                _ => i.title.clone(),
            };
            p.text(MARGIN + 160.0, 9.0, false, &cut(&product, 62));
            p.line(9.0);
        }
        p.line(6.0);
    }

    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let regular = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica", "Encoding" => "WinAnsiEncoding",
    });
    let bold = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica-Bold", "Encoding" => "WinAnsiEncoding",
    });
    let resources = doc.add_object(dictionary! {
        "Font" => dictionary! { "F1" => regular, "F2" => bold },
    });
    let total = p.pages.len();
    let mut kids: Vec<Object> = Vec::new();
    for (n, mut ops) in p.pages.into_iter().enumerate() {
        // "page n of total" at the foot.
        let foot = format!("Page {} of {total}", n + 1);
        ops.push(Operation::new("BT", vec![]));
        ops.push(Operation::new("Tf", vec!["F1".into(), 8.0.into()]));
        ops.push(Operation::new(
            "Td",
            vec![(WIDTH - MARGIN - 60.0).into(), 20.0.into()],
        ));
        ops.push(Operation::new("Tj", vec![Object::string_literal(foot)]));
        ops.push(Operation::new("ET", vec![]));
        let content = Content { operations: ops }
            .encode()
            .map_err(|e| crate::Error::Internal(e.into()))?;
        let stream = doc.add_object(Stream::new(dictionary! {}, content));
        let page = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "Contents" => stream,
            "Resources" => resources,
            "MediaBox" => vec![0.into(), 0.into(), WIDTH.into(), HEIGHT.into()],
        });
        kids.push(page.into());
    }
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => kids,
            "Count" => total as i64,
        }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    doc.compress();
    let mut out = Vec::new();
    doc.save_to(&mut out)
        .map_err(|e| crate::Error::Internal(e.into()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(sku: &str, title: &str, qty: i64) -> Item {
        Item {
            sku: (!sku.is_empty()).then(|| sku.to_string()),
            title: title.into(),
            variant: None,
            quantity: qty,
            unit_price_minor: 100,
        }
    }

    #[test]
    fn items_are_summed_by_sku_and_the_pdf_reads_back() {
        let orders = vec![
            PickOrder {
                number: "#1001".into(),
                customer: "Ana Ștefănescu".into(),
                awb: Some("2332300120218".into()),
                items: vec![item("MUG-1", "Cană albă", 2), item("TEE-M", "Tricou", 1)],
            },
            PickOrder {
                number: "#1002".into(),
                customer: "Ion Popa".into(),
                awb: None,
                items: vec![item("MUG-1", "Cană albă", 3)],
            },
        ];
        let t = totals(&orders);
        assert_eq!(
            t,
            vec![
                ("MUG-1".into(), "Cană albă".into(), 5, 2),
                ("TEE-M".into(), "Tricou".into(), 1, 1)
            ]
        );
        let pdf = render("Picking list", "Run of 2 Dec", &orders).unwrap();
        let doc = Document::load_mem(&pdf).unwrap();
        let text = doc.extract_text(&[1]).unwrap();
        for expected in [
            "Items to pick",
            "MUG-1",
            "Cana alba",
            "#1001",
            "Ana Stefanescu",
            "2332300120218",
        ] {
            assert!(text.contains(expected), "{expected} in {text}");
        }
        assert_eq!(win_ansi("Brașov – 5 €"), b"Brasov \x96 5 \x80".to_vec());
    }

    #[test]
    fn long_lists_flow_onto_more_pages() {
        let orders: Vec<PickOrder> = (0..120)
            .map(|n| PickOrder {
                number: format!("#{n}"),
                customer: "x".repeat(80),
                awb: Some(n.to_string()),
                items: vec![item(
                    &format!("SKU-{n}"),
                    &"Long product name ".repeat(10),
                    1,
                )],
            })
            .collect();
        let pdf = render("Picking list", "", &orders).unwrap();
        let doc = Document::load_mem(&pdf).unwrap();
        assert!(doc.get_pages().len() >= 5, "{}", doc.get_pages().len());
    }
}
