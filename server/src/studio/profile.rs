//! The sender's profile for outreach emails: pasted, or read from an uploaded resume (PDF
//! through poppler's pdftotext under the analyses' process limits, DOCX from its document part
//! with the zip checked first), kept per member and company to fill "About you" next time.

use std::{io::Read, path::Path};

use chrono::Utc;
use uuid::Uuid;

use super::repo;
use crate::{
    access::{Permission, Principal},
    analyses::pdf,
    Db, Error, Result,
};

/// The largest resume taken.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;
/// Pages of a PDF read, and the most characters kept.
const MAX_PAGES: u32 = 5;
const MAX_CHARS: usize = 20_000;
/// What a DOCX's document part may inflate to.
const MAX_DOCUMENT: u64 = 8 * 1024 * 1024;

fn bad(m: &str) -> Error {
    Error::validation("file", m)
}

/// The resume's text (whitespace tidied), or why it cannot be read.
pub async fn read_resume(tmp: &Path, file_name: &str, bytes: &[u8]) -> Result<String> {
    crate::sheets::check_size(bytes, MAX_BYTES)?;
    let lower = file_name.to_ascii_lowercase();
    let text = if bytes.starts_with(b"%PDF-") {
        pdf_text(tmp, bytes).await?
    } else if lower.ends_with(".docx") && bytes.starts_with(b"PK\x03\x04") {
        let bytes = bytes.to_vec();
        tokio::task::spawn_blocking(move || docx_text(&bytes))
            .await
            .map_err(|e| Error::Internal(e.into()))??
    } else {
        return Err(bad("Choose a PDF or a Word (.docx) resume."));
    };
    let tidy = tidy(&text);
    if tidy.split_whitespace().count() < 5 {
        return Err(bad(
            "No text could be read from this resume (a scanned PDF?): paste it instead.",
        ));
    }
    Ok(tidy)
}

async fn pdf_text(tmp: &Path, bytes: &[u8]) -> Result<String> {
    let limits = pdf::Limits::default();
    // Inflating the streams is CPU work: off the request threads.
    let (owned, max) = (bytes.to_vec(), limits.max_inflated);
    let inspected = tokio::task::spawn_blocking(move || {
        pdf::inspect_streams(&owned, max, std::time::Duration::from_secs(5))
    })
    .await
    .map_err(|e| Error::Internal(e.into()))?;
    if inspected.is_err() {
        return Err(bad(
            "The PDF cannot be read: save it again and upload that.",
        ));
    }
    tokio::fs::create_dir_all(tmp)
        .await
        .map_err(|e| Error::Internal(e.into()))?;
    let path = tmp.join(format!("resume-{}.pdf", Uuid::now_v7()));
    tokio::fs::write(&path, bytes)
        .await
        .map_err(|e| Error::Internal(e.into()))?;
    let read = async {
        let info = pdf::info(&path, 500, &limits)
            .await
            .map_err(|_| bad("The PDF cannot be read: save it again and upload that."))?;
        pdf::text(&path, info.pages.min(MAX_PAGES), &limits)
            .await
            .map_err(|_| bad("The PDF cannot be read: save it again and upload that."))
    }
    .await;
    let _ = tokio::fs::remove_file(&path).await;
    Ok(read?.join("\n"))
}

/// A DOCX's text: its `word/document.xml`, paragraphs on lines of their own.
fn docx_text(bytes: &[u8]) -> Result<String> {
    let unreadable = || bad("The Word file cannot be opened: save it again as .docx.");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| unreadable())?;
    if zip.len() > 500 {
        return Err(unreadable());
    }
    let mut part = zip.by_name("word/document.xml").map_err(|_| unreadable())?;
    if part.size() > MAX_DOCUMENT {
        return Err(bad(
            "The Word file is too large to read: paste the text instead.",
        ));
    }
    let mut xml = String::new();
    (&mut part)
        .take(MAX_DOCUMENT + 1)
        .read_to_string(&mut xml)
        .map_err(|_| unreadable())?;
    if xml.len() as u64 > MAX_DOCUMENT {
        return Err(bad(
            "The Word file is too large to read: paste the text instead.",
        ));
    }
    Ok(xml_text(&xml))
}

/// The text of WordprocessingML: `<w:t>` runs, a line per paragraph, tabs and breaks kept.
fn xml_text(xml: &str) -> String {
    let mut out = String::new();
    let mut rest = xml;
    while let Some(open) = rest.find('<') {
        out.push_str(&unescape(&rest[..open]));
        let Some(close) = rest[open..].find('>') else {
            break;
        };
        let tag = &rest[open + 1..open + close];
        let name = tag
            .trim_start_matches('/')
            .split([' ', '/'])
            .next()
            .unwrap_or_default();
        match (tag.starts_with('/'), name) {
            (true, "w:p") => out.push('\n'),
            (false, "w:tab") => out.push('\t'),
            (false, "w:br") | (false, "w:cr") => out.push('\n'),
            _ => {}
        }
        rest = &rest[open + close + 1..];
    }
    out
}

fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Lines trimmed, runs of blank lines made one, cut at a whole word within the limit.
fn tidy(text: &str) -> String {
    let mut out = String::new();
    let mut blank = false;
    for line in text.lines() {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if line.is_empty() {
            blank = !out.is_empty();
            continue;
        }
        if blank {
            out.push('\n');
            blank = false;
        }
        out.push_str(&line);
        out.push('\n');
    }
    if out.chars().count() > MAX_CHARS {
        let cut: String = out.chars().take(MAX_CHARS).collect();
        out = cut
            .rsplit_once(char::is_whitespace)
            .map(|(a, _)| a.to_string())
            .unwrap_or(cut);
    }
    out.trim().to_string()
}

/// Keeps the member's profile text (from a resume) for the email form.
pub async fn save(db: &Db, p: &Principal, file_name: &str, text: &str) -> Result<()> {
    p.authorize(Permission::ContentWrite)?;
    let name: String = file_name.chars().take(200).collect();
    repo::save_profile(db, p.company_id, p.user_id, &name, text, Utc::now()).await
}

/// The member's kept profile: (the resume's file name, its text).
pub async fn get(db: &Db, p: &Principal) -> Result<Option<(String, String)>> {
    p.authorize(Permission::ContentWrite)?;
    repo::profile(db, p.company_id, p.user_id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_paragraphs_tabs_and_entities_are_read() {
        let xml = r#"<w:document><w:body><w:p><w:r><w:t>Dan Pop</w:t></w:r></w:p><w:p><w:r><w:t xml:space="preserve">Sales &amp; operations,</w:t><w:tab/><w:t>12 years</w:t></w:r></w:p><w:p><w:r><w:t>Grew revenue 40%</w:t><w:br/><w:t>in 2024</w:t></w:r></w:p></w:body></w:document>"#;
        assert_eq!(
            tidy(&xml_text(xml)),
            "Dan Pop\nSales & operations, 12 years\nGrew revenue 40%\nin 2024"
        );
    }

    #[test]
    fn long_text_is_cut_at_a_word() {
        let long = "word ".repeat(10_000);
        let t = tidy(&long);
        assert!(t.chars().count() <= MAX_CHARS);
        assert!(t.ends_with("word"));
    }
}
