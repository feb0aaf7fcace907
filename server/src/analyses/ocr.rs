//! Scanned pages (no text layer) read with Tesseract OCR — Debian's tesseract-ocr with the
//! English, Portuguese, Spanish and Romanian data — run like poppler as a separate process
//! under a CPU, memory and wall-clock limit. Tesseract's word boxes (TSV) are laid out again the
//! way `pdftotext -layout` writes a page: words in rows by their vertical centre, at the column
//! their left edge falls on, so the local extractor reads a scan like a text layer. What OCR
//! gives is less certain than a text layer: the extractor lowers its confidence (see
//! `local::extract_scanned`).

use std::{path::Path, sync::LazyLock};

use regex::Regex;

use super::pdf::{self, Limits, PdfError};

/// Tesseract's language data used for every page.
pub const LANGUAGES: &str = "eng+por+spa+ron";

/// Whether Tesseract is installed (scripts/setup.sh installs it).
pub fn available() -> bool {
    pdf::which("tesseract")
}

/// Reads with OCR the pages whose text layer is empty (`images[i]` is page i + 1 rendered),
/// when Tesseract is installed; says which pages it read. A page OCR cannot read stays empty.
pub async fn read_missing(text: &mut [String], images: &[Vec<u8>], limits: &Limits) -> Vec<bool> {
    let mut scanned = vec![false; text.len()];
    if !available() {
        if text.iter().any(|t| t.trim().is_empty()) {
            tracing::warn!("a page has no text layer and Tesseract is not installed: not OCR'd");
        }
        return scanned;
    }
    for (i, (t, png)) in text.iter_mut().zip(images).enumerate() {
        if !t.trim().is_empty() {
            continue;
        }
        match read(png, limits).await {
            Ok(read) if !read.trim().is_empty() => {
                *t = read;
                scanned[i] = true;
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(page = i + 1, error = %e, "OCR failed"),
        }
    }
    scanned
}

/// One recognised word and its box, pixels.
#[derive(Clone, Debug, PartialEq)]
struct Word {
    left: f64,
    top: f64,
    width: f64,
    height: f64,
    text: String,
}

/// The page as layout text.
#[tracing::instrument(skip_all)]
pub async fn read(png: &[u8], limits: &Limits) -> Result<String, PdfError> {
    let tmp = tempfile::Builder::new()
        .prefix("ocr-")
        .suffix(".png")
        .tempfile()
        .map_err(|_| PdfError::Corrupt("no temporary file for OCR".into()))?;
    tokio::fs::write(tmp.path(), png)
        .await
        .map_err(|_| PdfError::Corrupt("no temporary file for OCR".into()))?;
    read_file(tmp.path(), limits).await
}

async fn read_file(path: &Path, limits: &Limits) -> Result<String, PdfError> {
    let p = path.to_string_lossy();
    // One thread: the job runner already runs work side by side on a small machine.
    let ran = pdf::run(
        "env",
        &[
            "OMP_THREAD_LIMIT=1",
            "tesseract",
            &p,
            "stdout",
            "-l",
            LANGUAGES,
            "--psm",
            "6",
            "tsv",
        ],
        limits,
    )
    .await?;
    if !ran.ok {
        return Err(PdfError::Corrupt(format!(
            "OCR failed: {}",
            ran.stderr
                .lines()
                .last()
                .unwrap_or("")
                .chars()
                .take(120)
                .collect::<String>()
        )));
    }
    Ok(normalise(&layout(&words(&String::from_utf8_lossy(
        &ran.stdout,
    )))))
}

/// The words of Tesseract's TSV (level 5 rows).
fn words(tsv: &str) -> Vec<Word> {
    tsv.lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            if f.len() < 12 || f[0] != "5" {
                return None;
            }
            let text = f[11].trim();
            if text.is_empty() {
                return None;
            }
            let n = |i: usize| f[i].parse::<f64>().ok();
            Some(Word {
                left: n(6)?,
                top: n(7)?,
                width: n(8)?,
                height: n(9)?,
                text: text.to_string(),
            })
        })
        .collect()
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(v[v.len() / 2])
}

/// Words back into lines: a row is the words whose vertical centres lie within half a line of
/// each other; a word starts at the column its left edge falls on (measured in the page's
/// median character width from the leftmost word), at least one space after the word before,
/// and three or more when the gap is that wide — so columns stay cells.
fn layout(words: &[Word]) -> String {
    let Some(cw) = median(
        words
            .iter()
            .map(|w| w.width / w.text.chars().count().max(1) as f64)
            .collect(),
    ) else {
        return String::new();
    };
    let line_height = median(words.iter().map(|w| w.height).collect()).unwrap_or(10.0);
    let margin = words.iter().map(|w| w.left).fold(f64::INFINITY, f64::min);
    let mut sorted: Vec<&Word> = words.iter().collect();
    sorted.sort_by(|a, b| (a.top + a.height / 2.0).total_cmp(&(b.top + b.height / 2.0)));
    let mut rows: Vec<(f64, Vec<&Word>)> = Vec::new();
    for w in sorted {
        let centre = w.top + w.height / 2.0;
        match rows.last_mut() {
            Some((c, row)) if (centre - *c).abs() <= line_height / 2.0 => {
                row.push(w);
                *c = row.iter().map(|w| w.top + w.height / 2.0).sum::<f64>() / row.len() as f64;
            }
            _ => rows.push((centre, vec![w])),
        }
    }
    let mut out = String::new();
    let mut last_centre: Option<f64> = None;
    for (centre, mut row) in rows {
        // A blank line where the scan has one.
        if let Some(prev) = last_centre {
            if centre - prev > line_height * 2.6 {
                out.push('\n');
            }
        }
        last_centre = Some(centre);
        row.sort_by(|a, b| a.left.total_cmp(&b.left));
        let mut line = String::new();
        let mut right: Option<f64> = None;
        // Columns count from the page's leftmost word.
        for w in row {
            let col = ((w.left - margin) / cw).round().max(0.0) as usize;
            let spaces = match right {
                None => col,
                Some(r) if (w.left - r) / cw >= 2.5 => {
                    col.saturating_sub(line.chars().count()).max(3)
                }
                Some(_) => 1,
            };
            line.extend(std::iter::repeat_n(' ', spaces));
            line.push_str(&w.text);
            right = Some(w.left + w.width);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// OCR's usual misreadings of unit symbols, put right where a number stands before them:
/// Ω is read as Q, O or o ("690 mQ", "0.42 O", "(Q)"), ° as * or o before C or F.
pub fn normalise(text: &str) -> String {
    static OHM: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?P<n>\d)(?P<s>\s?)(?P<p>[mkKMG]?)(?:QD?|O|o)(?P<end>[\s.,;)]|$)")
            .expect("ohm misread")
    });
    static OHM_HEADER: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\((?P<p>[mkKMG]?)(?:Q|O)\)").expect("ohm header misread"));
    static DEGREE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?P<n>\d)(?P<s>\s?)[*oº°]\s?(?P<u>[CF])\b").expect("degree misread")
    });
    let t = OHM.replace_all(text, "$n$s${p}Ω$end");
    let t = OHM_HEADER.replace_all(&t, "(${p}Ω)");
    DEGREE.replace_all(&t, "$n$s°$u").into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(left: f64, top: f64, text: &str) -> Word {
        Word {
            left,
            top,
            width: 10.0 * text.chars().count() as f64,
            height: 20.0,
            text: text.into(),
        }
    }

    #[test]
    fn words_keep_their_rows_and_columns() {
        let words = [
            w(100.0, 50.0, "TAG:"),
            w(150.0, 52.0, "MALHA-39A"),
            w(500.0, 49.0, "Local:"),
            w(570.0, 50.0, "Yard"),
            w(100.0, 80.0, "Data:"),
            w(160.0, 81.0, "16-02-2026"),
        ];
        let text = layout(&words);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(lines[0].starts_with("TAG: MALHA-39A   "), "{text}");
        assert!(lines[0].trim_end().ends_with("Local: Yard"), "{text}");
        assert_eq!(lines[1], "Data: 16-02-2026");
    }

    #[test]
    fn misread_ohm_and_degree_signs_are_put_right_after_numbers_only() {
        assert_eq!(
            normalise("Resistance: 690 mQ\nR-S: 2,400 MQ\nRg: 0.42 O"),
            "Resistance: 690 mΩ\nR-S: 2,400 MΩ\nRg: 0.42 Ω"
        );
        assert_eq!(normalise("Leitura (Q)"), "Leitura (Ω)");
        assert_eq!(normalise("Max: 61.2 *C"), "Max: 61.2 °C");
        assert_eq!(normalise("Quality OK, Ohms 2"), "Quality OK, Ohms 2");
    }
}
