//! The content studio (issue 17): outreach emails and LinkedIn posts written from a company's
//! researched website in an author's style, with open tracking. Pages under /campaigns/studio,
//! every one needing content.write; the pixel route `/t/{id}.gif` needs nothing but its id.
//!
//! - `page`: reading a page's words and the local summary of them; pages are fetched through
//!   `outbound::guard::Fetcher::read` (addresses checked on every hop, robots.txt respected).
//! - `compose`: the pieces, their word and hashtag limits, and the local composer.
//! - `service`: research (cached 24 h per company and address), generation (AI with tokens
//!   held and settled, or the local composer), the library and its versions, opens.
//! - `authors`: author styles uploaded from a workbook, previewed row by row.
//! - `profile`: the sender's profile read from a PDF or DOCX resume, kept per member.
//! - `pixel`: telling a person's open of a tracking pixel from a machine's.

pub const PAGES: &[crate::http::middleware::PageRule] = {
    use crate::{
        access::Permission,
        http::middleware::{PageNeeds, PageRule},
    };
    &[
        PageRule::new(
            "/campaigns/studio",
            PageNeeds::Permission(Permission::ContentWrite),
        ),
        PageRule::new(
            "/campaigns/studio/*",
            PageNeeds::Permission(Permission::ContentWrite),
        ),
        // The upload and its confirmation: form endpoints that check content.write themselves.
        PageRule::new("/campaigns/studio/authors/upload", PageNeeds::NotAPage),
        PageRule::new("/campaigns/studio/profile", PageNeeds::NotAPage),
        // The tracking pixel: loaded by mail clients, with no session; it only records.
        PageRule::new("/t/*", PageNeeds::Webhook),
    ]
};

pub mod authors;
pub mod compose;
pub mod config;
pub mod http;
pub mod page;
pub mod pixel;
pub mod profile;
pub mod repo;
pub mod service;

pub use service::GENERATIONS_PER_USER;
