//! Reading an uploaded XLSX safely (orders import, the content studio's author styles): the
//! zip is checked before anything is inflated (part count, declared and real sizes), the shared
//! strings' declared count is bounded (calamine reserves room for it up front), and the first
//! sheet is read cell by cell into a table no larger than the caller's caps: a sheet's grid is
//! never built whole (one far-away cell would make it huge). Formulas are noticed, not run.

use std::io::{Cursor, Read};

use crate::{Error, Result};

/// The file's cells, row by row, as text (the header first).
pub type Table = Vec<Vec<String>>;

/// What may be read of one workbook.
#[derive(Clone, Copy, Debug)]
pub struct Caps {
    /// Rows besides the header.
    pub rows: usize,
    pub columns: usize,
    /// What the parts may inflate to, in all.
    pub inflated: u64,
    pub parts: usize,
}

/// The first sheet's values.
#[derive(Clone, Debug, Default)]
pub struct Sheet {
    pub rows: Table,
    /// Whether any worksheet holds a formula (its cached value is what `rows` has).
    pub formulas: bool,
}

/// Refuses an upload that is empty or larger than `max` bytes (field `file`).
pub fn check_size(bytes: &[u8], max: usize) -> Result<()> {
    if bytes.is_empty() {
        return Err(Error::validation("file", "The file is empty."));
    }
    if bytes.len() > max {
        return Err(Error::validation(
            "file",
            format!("The file is larger than {} MB.", max / 1024 / 1024),
        ));
    }
    Ok(())
}

/// Shared strings a workbook may declare; calamine reserves a slot for each before reading.
const MAX_SHARED_STRINGS: u64 = 1_000_000;

/// Reads the first sheet. Errors name what is wrong with the file as a whole (field `file`).
pub fn read_xlsx(bytes: &[u8], caps: Caps) -> Result<Sheet> {
    use calamine::{DataRef, Reader, Xlsx};
    let bad = |m: &str| Error::validation("file", m);
    let unreadable = || bad("The XLSX cannot be opened: save it again from Excel.");
    let too_big =
        || bad("The XLSX would take too much memory to read: split it into smaller files.");
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| unreadable())?;
    if zip.len() > caps.parts {
        return Err(bad(
            "The XLSX has too many parts to be a plain spreadsheet.",
        ));
    }
    let mut inflated = 0u64;
    for i in 0..zip.len() {
        let part = zip.by_index_raw(i).map_err(|_| unreadable())?;
        inflated = inflated.saturating_add(part.size());
    }
    if inflated > caps.inflated {
        return Err(too_big());
    }
    // The real sizes, not only the declared ones; worksheets are looked through for formulas
    // and the shared strings for their declared count on the way.
    let mut formulas = false;
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(|_| unreadable())?;
        let name = part.name().map(|n| n.to_string()).unwrap_or_default();
        let mut buf = Vec::new();
        let read = (&mut part)
            .take(caps.inflated + 1)
            .read_to_end(&mut buf)
            .map_err(|_| bad("The XLSX is damaged: save it again from Excel."))?;
        inflated = inflated.saturating_add(read as u64);
        if read as u64 > caps.inflated || inflated > 2 * caps.inflated {
            return Err(too_big());
        }
        // calamine finds parts whatever their case or slashes, and wherever the package's
        // relationships put the workbook: every spelling is looked at.
        let name = name.replace('\\', "/").to_ascii_lowercase();
        if name.contains("worksheets/") && has_formula(&buf) {
            formulas = true;
        }
        if name.ends_with("sharedstrings.xml") {
            let declared = declared_strings(&buf);
            if declared > MAX_SHARED_STRINGS || declared > listed_strings(&buf) + 16 {
                return Err(too_big());
            }
        }
    }
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|_| unreadable())?;
    let first = book
        .sheet_names()
        .into_iter()
        .next()
        .ok_or_else(|| bad("The XLSX has no sheet."))?;
    let mut cells = book
        .worksheet_cells_reader(&first)
        .map_err(|_| bad("The XLSX's first sheet cannot be read."))?;
    let text = |c: &DataRef| -> String {
        match c {
            DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
                s.trim().to_string()
            }
            DataRef::SharedString(s) => s.trim().to_string(),
            DataRef::Int(i) => i.to_string(),
            DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
            DataRef::Float(f) => f.to_string(),
            DataRef::Bool(b) => b.to_string(),
            DataRef::DateTime(d) => d
                .as_datetime()
                .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_default(),
            DataRef::Error(_) | DataRef::Empty => String::new(),
        }
    };
    let mut rows: Table = Vec::new();
    while let Some(cell) = cells
        .next_cell()
        .map_err(|_| bad("The XLSX's first sheet cannot be read."))?
    {
        let (row, col) = cell.get_position();
        let (row, col) = (row as usize, col as usize);
        let value = text(cell.get_value());
        if value.is_empty() {
            continue;
        }
        if row > caps.rows {
            return Err(bad(&format!(
                "The file has more than {} rows; take at most {} at a time.",
                caps.rows, caps.rows
            )));
        }
        if col >= caps.columns {
            return Err(bad(&format!(
                "The sheet has values beyond column {}: keep one record per row in the first {} columns.",
                caps.columns, caps.columns
            )));
        }
        if rows.len() <= row {
            rows.resize(row + 1, Vec::new());
        }
        let r = &mut rows[row];
        if r.len() <= col {
            r.resize(col + 1, String::new());
        }
        r[col] = value;
    }
    rows.retain(|r| r.iter().any(|c| !c.is_empty()));
    Ok(Sheet { rows, formulas })
}

/// Whether a worksheet's XML holds a formula element (`<f>`, `<f t="shared" …>`, `<x:f>`).
fn has_formula(xml: &[u8]) -> bool {
    xml.windows(3)
        .any(|w| w[0] == b'<' && w[1] == b'f' && matches!(w[2], b'>' | b' ' | b'/'))
        || xml
            .windows(4)
            .any(|w| &w[..3] == b":f>" || w == b":f /" || w == b":f t")
}

/// The `uniqueCount` the shared strings' `<sst>` start tag declares (0 when
/// none; u64::MAX when a value is not a number that fits), any quoting or spacing.
fn declared_strings(xml: &[u8]) -> u64 {
    let text = String::from_utf8_lossy(xml);
    let Some(start) = text
        .match_indices("sst")
        .map(|(i, _)| i)
        .find(|&i| i > 0 && matches!(text.as_bytes()[i - 1], b'<' | b':'))
    else {
        return 0;
    };
    let tag = &text[start..];
    let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
    let mut most = 0u64;
    // calamine reserves room for `uniqueCount` strings (`count` counts the cells using them).
    for key in ["uniqueCount"] {
        let mut rest = tag;
        while let Some(at) = rest.find(key) {
            let after = rest[at + key.len()..].trim_start();
            rest = &rest[at + key.len()..];
            let Some(value) = after.strip_prefix('=') else {
                continue;
            };
            let value = value.trim_start().trim_start_matches(['"', '\'']);
            let digits: String = value
                .chars()
                .take_while(|c| !matches!(c, '"' | '\''))
                .collect();
            most = most.max(digits.trim().parse::<u64>().unwrap_or(u64::MAX));
        }
    }
    most
}

/// How many strings the part really lists (`<si>` start tags, any namespace prefix).
fn listed_strings(xml: &[u8]) -> u64 {
    let mut n = 0;
    for (i, _) in xml.iter().enumerate().filter(|(_, b)| **b == b'<') {
        let tag = &xml[i + 1..];
        let name_end = tag
            .iter()
            .position(|b| matches!(b, b'>' | b' ' | b'/' | b'\t' | b'\n' | b'\r'))
            .unwrap_or(tag.len());
        let name = &tag[..name_end];
        let local = name.rsplit(|b| *b == b':').next().unwrap_or(name);
        if local == b"si" {
            n += 1;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_noticed_in_any_spelling() {
        assert!(has_formula(b"<c r=\"A1\"><f>SUM(B1:B2)</f><v>3</v></c>"));
        assert!(has_formula(b"<c r=\"A1\"><f t=\"shared\" si=\"0\"/></c>"));
        assert!(has_formula(b"<x:c><x:f>1+1</x:f></x:c>"));
        assert!(!has_formula(b"<c r=\"A1\" t=\"s\"><v>0</v></c><foo/>"));
    }

    #[test]
    fn declared_string_counts_are_read_in_any_spelling() {
        assert_eq!(declared_strings(b"<sst count=\"3\" uniqueCount=\"2\">"), 2);
        assert_eq!(
            declared_strings(b"<sst uniqueCount=\"99999999999\">"),
            99_999_999_999
        );
        assert_eq!(declared_strings(b"<x:sst uniqueCount = '12' >"), 12);
        assert_eq!(
            declared_strings(b"<sst uniqueCount='999999999999999999999999'>"),
            u64::MAX
        );
        let late = format!(
            "<?xml version=\"1.0\"?>{}<sst uniqueCount=\"7\">",
            " ".repeat(5000)
        );
        assert_eq!(declared_strings(late.as_bytes()), 7);
        assert_eq!(declared_strings(b"<sst>"), 0);
        assert_eq!(
            listed_strings(b"<sst><si><t>a</t></si><x:si><x:t>b</x:t></x:si></sst>"),
            2
        );
    }
}
