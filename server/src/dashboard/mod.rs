//! The dashboard: sales, ads, analyses and tokens for a period and a store, read from rollup
//! tables that triggers keep current with every write (migration 0028), so a view over a
//! million orders costs three small statements.
//!
//! - `period`: the period and the one before it.
//! - `repo`: the three statements (sales, ads, the company's feed).
//! - `service`: the view, shaped from them.
//! - `cache`: the figures read, kept under the rollup versions they were read at (migration
//!   0029), so an unchanged company's view asks only for its latest lists.
//! - `rollups`: recomputation from the sources (the check-and-repair command, the tests) and
//!   the days' upkeep when a company's time zone changes.
//! - `seed`: synthetic figures (the bench's million orders, the tests' fixtures).
//! - `jobs`: `dashboard.days`.

mod cache;
pub mod jobs;
pub mod period;
pub mod repo;
pub mod rollups;
pub mod seed;
pub mod service;

pub use period::Period;
pub use service::{view, Query, View};
