//! The content studio (issue 17, under way): outreach emails and LinkedIn posts written from a
//! company's researched website in an author's style, with open tracking.
//!
//! Built so far, without pages yet: reading a page's words and the local summary of them
//! (`page`), and telling a person's open of a tracking pixel from a machine's (`pixel`). Pages
//! are fetched through `outbound::guard::Fetcher::read` (addresses checked on every hop,
//! robots.txt respected).

pub mod page;
pub mod pixel;
