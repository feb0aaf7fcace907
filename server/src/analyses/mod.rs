//! Analyses: commissioning test reports (grounding, insulation resistance, thermography)
//! checked against the company's standard (DESIGN §2 Analyses).
//!
//! - `model`: what extraction produces, field by field with confidence and page;
//! - `rules`: the validation rules, verdict and score, as pure functions;
//! - `local`: the extractor that reads a report's text layer when no AI key is configured;
//! - `providers`: the Anthropic and OpenAI extractors; `flir`: radiometric thermal JPEGs.

pub mod config;
pub mod extract;
pub mod flir;
pub mod http;
pub mod images;
pub mod limits;
pub mod local;
pub mod model;
pub mod ocr;
pub mod pdf;
pub mod pdf_report;
pub mod pipeline;
pub mod providers;
mod repo;
pub mod report;
pub mod rules;
pub mod service;
pub mod upload;

pub use model::{Extraction, Field};

/// Rate-limit scope of analysis requests (uploads, re-analyses) per client address
/// (ANALYSIS_RATE_PER_MINUTE; registered by the composition root).
pub const REQUESTS_PER_IP: &str = "analyses.ip";

/// The analyses pages; the file, page-image and export routes under /analyses/ follow the
/// same rule (answered 403 / sign-in like the pages).
pub const PAGES: &[crate::http::middleware::PageRule] = {
    use crate::{
        access::Permission,
        http::middleware::{PageNeeds, PageRule},
    };
    &[
        PageRule::new("/analyses", PageNeeds::Permission(Permission::AnalysesRead)),
        PageRule::new(
            "/analyses/*",
            PageNeeds::Permission(Permission::AnalysesRead),
        ),
        PageRule::new(
            "/analyses/new",
            PageNeeds::Permission(Permission::AnalysesRun),
        ),
    ]
};
pub use rules::{evaluate, Outcome, Severity, TestType, Thresholds, Verdict};

/// Where an analysis keeps its files in the object store (generated here, never from a file
/// name).
pub mod keys {
    use uuid::Uuid;

    /// The source file of an analysis.
    pub fn source_key(company: Uuid, analysis: Uuid, ext: &str) -> String {
        format!("analyses/{company}/{analysis}/source.{ext}")
    }

    /// A rendered page (1-based).
    pub fn page_key(company: Uuid, analysis: Uuid, page: u32) -> String {
        format!("analyses/{company}/{analysis}/pages/{page}.png")
    }

    /// The folder of everything stored for an analysis.
    pub fn prefix(company: Uuid, analysis: Uuid) -> String {
        format!("analyses/{company}/{analysis}")
    }
}
