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
pub mod images;
pub mod integrations;
pub mod limits;
pub mod local;
pub mod model;
pub mod pdf;
pub mod pdf_report;
pub mod pipeline;
pub mod providers;
pub mod report;
pub mod rules;
pub mod service;
pub mod storage;
pub mod upload;

pub use model::{Extraction, Field};
pub use rules::{evaluate, Outcome, Severity, TestType, Thresholds, Verdict};
