//! What an uploaded file is, decided by its first bytes (never by its name or the browser's
//! content type), and the checks every upload passes before anything is stored or held.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Pdf,
    Png,
    Jpeg,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Pdf => "pdf",
            Kind::Png => "png",
            Kind::Jpeg => "jpeg",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        [Kind::Pdf, Kind::Png, Kind::Jpeg]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Kind::Pdf => "application/pdf",
            Kind::Png => "image/png",
            Kind::Jpeg => "image/jpeg",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Kind::Pdf => "pdf",
            Kind::Png => "png",
            Kind::Jpeg => "jpg",
        }
    }
}

/// The kind of a file from its magic bytes, or a message naming what it looks like instead.
pub fn sniff(head: &[u8]) -> Result<Kind, String> {
    if head.is_empty() {
        return Err("The file is empty.".into());
    }
    // A PDF header may follow a little junk (the spec allows it within the first 1,024 bytes).
    let window = &head[..head.len().min(1024)];
    if window.windows(5).any(|w| w == b"%PDF-") {
        return Ok(Kind::Pdf);
    }
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok(Kind::Png);
    }
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(Kind::Jpeg);
    }
    let looks_like = if head.starts_with(b"\x7fELF") {
        "a Linux program"
    } else if head.starts_with(b"MZ") {
        "a Windows program"
    } else if head.starts_with(b"PK\x03\x04") {
        "a ZIP archive or Office document"
    } else if head.starts_with(b"#!") {
        "a script"
    } else if head.starts_with(&[0xCF, 0xFA, 0xED, 0xFE])
        || head.starts_with(&[0xCA, 0xFE, 0xBA, 0xBE])
    {
        "a macOS program"
    } else {
        "neither a PDF nor an image"
    };
    Err(format!(
        "This file is {looks_like}, whatever its name says. Upload a PDF, PNG or JPEG."
    ))
}

/// The name shown for an upload: refused when it carries a path or control characters,
/// otherwise trimmed to 200 characters. Stored files never use it (keys are generated).
pub fn clean_name(name: &str) -> Result<String, String> {
    let n = name.trim();
    if n.is_empty() {
        return Err("The file has no name.".into());
    }
    if n.contains('/') || n.contains('\\') || n == ".." || n.starts_with("..") {
        return Err("The file name must not contain a path (/, \\ or ..).".into());
    }
    if n.chars().any(char::is_control) {
        return Err("The file name contains control characters.".into());
    }
    Ok(n.chars().take(200).collect())
}

/// The seed's estimate: PDF bytes / 100, clamped to 1,000–10,000 tokens. For images, the same
/// rule on the stored size.
pub fn estimate_tokens(bytes: u64) -> i64 {
    ((bytes / 100) as i64).clamp(1_000, 10_000)
}

/// The size limit message.
pub fn too_large(max_bytes: u64) -> String {
    format!(
        "The file is larger than {} MB, the most that can be analysed.",
        max_bytes / (1024 * 1024)
    )
}
