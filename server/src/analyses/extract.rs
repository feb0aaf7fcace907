//! Extractors behind one trait: the local text reader (always available), and the AI providers
//! when a key is configured. An extractor turns a report (text layer, page images, the source
//! file) into an `Extraction` and says what it used (tokens, cost) so the ledger can settle.

use async_trait::async_trait;

pub use crate::ai::client::Usage;

use super::{
    local::{self, DateOrder},
    model::Extraction,
    rules::TestType,
    upload::Kind,
};

/// What an extractor is given.
pub struct Input<'a> {
    pub test: TestType,
    pub kind: Kind,
    /// The text layer per page (empty strings for images), or what OCR read of a page without
    /// one.
    pub pages_text: &'a [String],
    /// Which pages' text came from OCR.
    pub scanned: &'a [bool],
    /// A PNG per page, already downscaled.
    pub page_images: &'a [Vec<u8>],
    /// The uploaded file itself.
    pub source: &'a [u8],
    pub order: DateOrder,
}

#[derive(Debug)]
pub struct Extracted {
    pub extraction: Extraction,
    pub usage: Usage,
    /// Tokens to charge.
    pub tokens: i64,
    /// What the provider's price list makes of the usage, in millionths of a US dollar.
    pub cost_micros: Option<i64>,
    pub provider: &'static str,
    pub model: String,
    /// The provider's last reply, kept for the reviewer.
    pub raw: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    /// The provider could not be reached or kept failing; retried already.
    #[error("{reason}")]
    Provider { reason: String, usage: Usage },
    /// The provider answered, twice, with something that is not the schema.
    #[error("{reason}")]
    Malformed {
        reason: String,
        raw: String,
        usage: Usage,
    },
}

#[async_trait]
pub trait Extractor: Send + Sync {
    fn name(&self) -> &'static str;
    async fn extract(&self, input: &Input<'_>) -> Result<Extracted, ExtractError>;
}

/// Reads the text layer; costs a small fixed number of tokens.
pub struct Local {
    pub cost: i64,
}

#[async_trait]
impl Extractor for Local {
    fn name(&self) -> &'static str {
        "local"
    }

    async fn extract(&self, input: &Input<'_>) -> Result<Extracted, ExtractError> {
        let extraction = local::extract_scanned(input.pages_text, input.scanned, input.order);
        Ok(Extracted {
            extraction,
            usage: Usage::default(),
            tokens: self.cost,
            cost_micros: None,
            provider: "local",
            model: "text layer reader".into(),
            raw: None,
        })
    }
}
