//! The figures the dashboard read from the rollups, kept in memory under the rollup version
//! they were read at (`Principal::rollups`, which the principal's statement reads with the
//! rest). Any write that changes a company's figures raises its version in the same
//! transaction (migration 0029), so a cached entry is only ever used while it is current;
//! an old version's entries are never asked for again and are evicted as the cache fills.
//!
//! Three caches, one per card group (sales, ads, the company's analyses and tokens), so a new
//! order does not throw away the ad figures. A miss is read once however many requests ask
//! for it at the same moment (the cache's guard), and entries are weighed by their rows.

use std::sync::{Arc, LazyLock};

use chrono::{DateTime, Utc};
use quick_cache::{sync::Cache, Weighter};

use super::repo::{AdsRow, FeedRow, SalesRow, Scope};

/// What a group's rows depend on: the scope, the parts the member may read, the version.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Key {
    pub scope: Scope,
    /// The parts asked for (permissions), as bits.
    pub parts: u8,
    /// The instants of the periods (token figures are hourly, in UTC).
    pub instants: Option<(DateTime<Utc>, DateTime<Utc>, DateTime<Utc>)>,
    pub version: i64,
}

#[derive(Clone)]
pub(crate) struct Rows;

impl<T> Weighter<Key, Arc<Vec<T>>> for Rows {
    fn weight(&self, _: &Key, rows: &Arc<Vec<T>>) -> u64 {
        rows.len() as u64 + 1
    }
}

pub(crate) type Figures<T> = Cache<Key, Arc<Vec<T>>, Rows>;

/// At most this many rows per group (a 90-day view of 5 stores is about 500 sales rows; a
/// row is about 100 bytes): about 10 MB for the three.
const ROWS: u64 = 40_000;

pub(crate) static SALES: LazyLock<Figures<SalesRow>> =
    LazyLock::new(|| Cache::with_weighter(1_000, ROWS, Rows));
pub(crate) static ADS: LazyLock<Figures<AdsRow>> =
    LazyLock::new(|| Cache::with_weighter(1_000, ROWS, Rows));
pub(crate) static COMPANY: LazyLock<Figures<FeedRow>> =
    LazyLock::new(|| Cache::with_weighter(1_000, ROWS / 4, Rows));
