//! The time now, for work whose windows are hours long (alert rules' cooldowns and rollbacks).
//! The end-to-end suite moves it forward through a test hook (TEST_HOOKS, never in production;
//! see `http::test_hooks`) instead of waiting those hours. Services take `now` as an argument;
//! only the jobs and the pages that start them read it here.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, Utc};

/// Seconds added to the system's time (0 outside the end-to-end suite).
static OFFSET_SECS: AtomicI64 = AtomicI64::new(0);

pub fn now() -> DateTime<Utc> {
    Utc::now() + Duration::seconds(OFFSET_SECS.load(Ordering::Relaxed))
}

/// Moves the clock forward by `secs` (never back); answers the whole offset.
pub fn advance(secs: i64) -> i64 {
    OFFSET_SECS.fetch_add(secs.max(0), Ordering::Relaxed) + secs.max(0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_clock_follows_the_system_until_moved() {
        let drift = (super::now() - chrono::Utc::now()).num_seconds().abs();
        assert!(drift <= 1);
    }
}
