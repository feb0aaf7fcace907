//! PDF handling through Debian's poppler-utils (pdfinfo, pdftotext, pdftoppm), run as separate
//! processes under a CPU, memory and wall-clock limit: a hostile or broken PDF can crash or
//! exhaust a child process, never the server. Why poppler and not a Rust crate: see
//! docs/architecture.md "Analyses".
//!
//! Before any of that, `inspect_streams` inflates every compressed stream with a running cap, so
//! a decompression bomb is refused at upload without handing it to a parser.

use std::{io::Read, path::Path, process::Stdio, time::Duration};

use tokio::{io::AsyncReadExt, process::Command};

/// Why a PDF was refused or could not be processed; the text is shown to the user.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PdfError {
    #[error("The PDF is password-protected. Upload it without a password.")]
    Encrypted,
    #[error("The PDF is damaged or not a PDF: {0}")]
    Corrupt(String),
    #[error(
        "The PDF has {pages} pages; at most {max} can be analysed. Split it and upload the parts."
    )]
    TooManyPages { pages: u32, max: u32 },
    #[error("The PDF has no pages.")]
    NoPages,
    #[error(
        "The PDF expands to more than {0} MB when opened (a compression bomb?); it was refused."
    )]
    Bomb(u64),
    #[error("A page of the PDF is larger than 5 × 5 metres; it was refused.")]
    PageTooLarge,
    #[error("Reading the PDF took longer than {0} seconds; it was stopped.")]
    Timeout(u64),
    #[error("The PDF tools (poppler-utils) are not installed on this server.")]
    ToolMissing,
}

/// Limits for the child processes.
#[derive(Clone, Debug)]
pub struct Limits {
    pub timeout: Duration,
    /// Address-space limit of a child, bytes.
    pub memory: u64,
    /// Longest output read from a child, bytes.
    pub max_output: usize,
    /// Most bytes all of a file's streams may inflate to.
    pub max_inflated: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            timeout: Duration::from_secs(60),
            memory: 1 << 30,
            max_output: 32 << 20,
            max_inflated: 512 << 20,
        }
    }
}

#[derive(Debug, PartialEq)]
pub struct Info {
    pub pages: u32,
    /// Largest page side, PDF points.
    pub largest_side: f64,
}

/// Output of a finished child.
pub(super) struct Ran {
    pub(super) ok: bool,
    pub(super) stdout: Vec<u8>,
    pub(super) stderr: String,
}

pub(super) async fn run(program: &str, args: &[&str], limits: &Limits) -> Result<Ran, PdfError> {
    // prlimit (util-linux) caps the child's memory and CPU seconds when it is available.
    let cpu = limits.timeout.as_secs().max(1).to_string();
    let mut cmd = if which("prlimit") {
        let mut c = Command::new("prlimit");
        c.arg(format!("--as={}", limits.memory))
            .arg(format!("--cpu={cpu}"))
            .arg("--")
            .arg(program);
        c
    } else {
        Command::new(program)
    };
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = cmd.spawn().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            PdfError::ToolMissing
        } else {
            PdfError::Corrupt(format!("could not start {program}"))
        }
    })?;
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let max = limits.max_output;
    let work = async {
        let mut out = Vec::new();
        let mut err = Vec::new();
        let read_out = async {
            let mut buf = [0u8; 64 * 1024];
            loop {
                let n = stdout.read(&mut buf).await?;
                if n == 0 || out.len() >= max {
                    break;
                }
                out.extend_from_slice(&buf[..n.min(max - out.len())]);
            }
            Ok::<_, std::io::Error>(())
        };
        let read_err = async {
            let _ = (&mut stderr).take(64 * 1024).read_to_end(&mut err).await;
        };
        let (r, _) = tokio::join!(read_out, read_err);
        r.map_err(|_| PdfError::Corrupt("the PDF tool stopped".into()))?;
        let status = child
            .wait()
            .await
            .map_err(|_| PdfError::Corrupt("the PDF tool stopped".into()))?;
        Ok::<_, PdfError>(Ran {
            ok: status.success(),
            stdout: out,
            stderr: String::from_utf8_lossy(&err).into_owned(),
        })
    };
    match tokio::time::timeout(limits.timeout, work).await {
        Ok(r) => r,
        Err(_) => Err(PdfError::Timeout(limits.timeout.as_secs())),
    }
}

pub(super) fn which(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(program).is_file()))
}

/// Whether poppler-utils are installed (checked at start to warn early).
pub fn tools_available() -> bool {
    ["pdfinfo", "pdftotext", "pdftoppm"]
        .iter()
        .all(|p| which(p))
}

/// Pages and page size, refusing encrypted, damaged, oversized and overlong PDFs.
#[tracing::instrument(skip_all)]
pub async fn info(path: &Path, max_pages: u32, limits: &Limits) -> Result<Info, PdfError> {
    let p = path.to_string_lossy();
    let ran = run("pdfinfo", &["-l", "-1", &p], limits).await?;
    let out = String::from_utf8_lossy(&ran.stdout);
    if !ran.ok {
        let e = ran.stderr.to_lowercase();
        if e.contains("password") || e.contains("encrypt") {
            return Err(PdfError::Encrypted);
        }
        let first = ran.stderr.lines().next().unwrap_or("unreadable").trim();
        let reason = first
            .trim_start_matches("Syntax Error: ")
            .trim_start_matches("Syntax Warning: ");
        return Err(PdfError::Corrupt(reason.chars().take(120).collect()));
    }
    let mut pages = 0;
    let mut largest: f64 = 0.0;
    for line in out.lines() {
        if let Some(v) = line.strip_prefix("Pages:") {
            pages = v.trim().parse().unwrap_or(0);
        } else if line.starts_with("Page") && line.contains("size:") {
            // "Page    1 size: 595.276 x 841.89 pts (A4)"
            let nums: Vec<f64> = line
                .split_once("size:")
                .map(|(_, s)| s)
                .unwrap_or("")
                .split_whitespace()
                .filter_map(|t| t.parse().ok())
                .collect();
            for n in nums.iter().take(2) {
                largest = largest.max(*n);
            }
        } else if line.starts_with("Encrypted:") && line.contains("yes") {
            // Opened without a password (permissions only): readable, so accepted.
        }
    }
    if pages == 0 {
        return Err(PdfError::NoPages);
    }
    if pages > max_pages {
        return Err(PdfError::TooManyPages {
            pages,
            max: max_pages,
        });
    }
    // 5 m ≈ 14,173 pt.
    if largest > 14_173.0 {
        return Err(PdfError::PageTooLarge);
    }
    Ok(Info {
        pages,
        largest_side: largest,
    })
}

/// The text layer, one string per page (pdftotext -layout keeps columns apart).
#[tracing::instrument(skip_all)]
pub async fn text(path: &Path, pages: u32, limits: &Limits) -> Result<Vec<String>, PdfError> {
    let p = path.to_string_lossy();
    let last = pages.to_string();
    let ran = run(
        "pdftotext",
        &["-layout", "-enc", "UTF-8", "-f", "1", "-l", &last, &p, "-"],
        limits,
    )
    .await?;
    if !ran.ok {
        return Err(PdfError::Corrupt(
            ran.stderr
                .lines()
                .next()
                .unwrap_or("unreadable")
                .chars()
                .take(120)
                .collect(),
        ));
    }
    let text = String::from_utf8_lossy(&ran.stdout);
    // Pages end with a form feed.
    let mut out: Vec<String> = text.split('\u{c}').map(str::to_string).collect();
    out.truncate(pages as usize);
    while out.len() < pages as usize {
        out.push(String::new());
    }
    Ok(out)
}

/// Renders one page (1-based) to a PNG (pdftoppm writes to stdout without an output root) whose longer side is at most `max_side` pixels.
#[tracing::instrument(skip_all)]
pub async fn render(
    path: &Path,
    page: u32,
    max_side: u32,
    limits: &Limits,
) -> Result<Vec<u8>, PdfError> {
    let p = path.to_string_lossy();
    let n = page.to_string();
    let side = max_side.to_string();
    let ran = run(
        "pdftoppm",
        &[
            "-png",
            "-f",
            &n,
            "-l",
            &n,
            "-scale-to",
            &side,
            "-singlefile",
            &p,
        ],
        limits,
    )
    .await?;
    if !ran.ok || !ran.stdout.starts_with(b"\x89PNG") {
        return Err(PdfError::Corrupt(format!(
            "page {page} could not be rendered"
        )));
    }
    Ok(ran.stdout)
}

/// Inflates every `stream … endstream` that starts like zlib data, with a running total cap
/// and a time budget (markers can overlap, so a crafted file could make the same bytes inflate
/// many times within the cap). Answers the total inflated size, `Bomb` once it passes `max`,
/// `Timeout` once `budget` is spent.
pub fn inspect_streams(bytes: &[u8], max: u64, budget: Duration) -> Result<u64, PdfError> {
    let started = std::time::Instant::now();
    let over = || started.elapsed() > budget;
    let mut total: u64 = 0;
    let mut at = 0;
    while let Some(pos) = find(&bytes[at..], b"stream") {
        if over() {
            return Err(PdfError::Timeout(budget.as_secs()));
        }
        let start = at + pos + b"stream".len();
        at = start;
        // "endstream" also contains "stream": skip it.
        if at >= 9 && &bytes[at - 9..at] == b"endstream" {
            continue;
        }
        let mut data = &bytes[start..];
        if data.starts_with(b"\r\n") {
            data = &data[2..];
        } else if data.starts_with(b"\n") || data.starts_with(b"\r") {
            data = &data[1..];
        } else {
            continue;
        }
        // zlib header: CM = 8 and the header checksum.
        if data.len() < 2
            || data[0] & 0x0f != 8
            || (u16::from(data[0]) << 8 | u16::from(data[1])) % 31 != 0
        {
            continue;
        }
        let mut z = flate2::read::ZlibDecoder::new(data);
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            match z.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    total += n as u64;
                    if total > max {
                        return Err(PdfError::Bomb(max >> 20));
                    }
                    if over() {
                        return Err(PdfError::Timeout(budget.as_secs()));
                    }
                }
            }
        }
    }
    Ok(total)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// `n` streams, each inflating to `size` zero bytes.
    fn streams(n: usize, size: usize) -> Vec<u8> {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(&vec![0u8; size]).unwrap();
        let packed = z.finish().unwrap();
        let mut pdf = b"%PDF-1.7\n".to_vec();
        for _ in 0..n {
            pdf.extend_from_slice(b"1 0 obj\n<< /Filter /FlateDecode >>\nstream\n");
            pdf.extend_from_slice(&packed);
            pdf.extend_from_slice(b"\nendstream\nendobj\n");
        }
        pdf
    }

    #[test]
    fn the_stream_scan_counts_every_stream_and_stops_at_its_cap_or_its_budget() {
        let pdf = streams(8, 1 << 20);
        let long = Duration::from_secs(60);
        assert_eq!(inspect_streams(&pdf, 64 << 20, long), Ok(8 << 20));
        assert_eq!(inspect_streams(&pdf, 4 << 20, long), Err(PdfError::Bomb(4)));
        // A spent budget stops the scan whatever the cap (CPU per upload is bounded).
        assert_eq!(
            inspect_streams(&pdf, u64::MAX, Duration::ZERO),
            Err(PdfError::Timeout(0))
        );
    }
}
