//! The background jobs as the platform operator sees them (/admin/jobs): per kind, what waits,
//! retries, runs and died, and how long jobs waited for a worker and ran; a list of each state;
//! retry or discard a dead or waiting job (audited in the operator's company).

use chrono::{DateTime, Duration, Utc};

use crate::{
    access::Principal,
    audit::{self, Action, Entry, RequestMeta},
    error::{Error, Result},
    jobs::{self, JobRow, KindCounts, State},
    Db,
};

/// The window of the "done" counts and the timings.
pub const WINDOW_HOURS: i64 = 24;
/// At most this many finished jobs are read for the timings (the latest ones).
const TIMING_SAMPLE: i64 = 20_000;
/// Page size of the lists.
pub const PAGE: i64 = 50;

/// Percentiles of a duration, in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Spread {
    pub p50: i64,
    pub p95: i64,
    pub max: i64,
}

/// One kind's line: its counts and, when it finished jobs in the window, their timings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindLine {
    pub counts: KindCounts,
    /// From due to taken by a worker.
    pub wait: Option<Spread>,
    /// From taken to done.
    pub run: Option<Spread>,
    /// Whether this installation has a handler for it (a job of a removed kind never runs).
    pub known: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overview {
    pub kinds: Vec<KindLine>,
    /// How many finished jobs the timings were computed from.
    pub sampled: usize,
}

/// Per kind, every kind the installation runs (`known`) and any other that has jobs.
#[tracing::instrument(skip_all, fields(user_id = %p.user_id))]
pub async fn overview(
    db: &Db,
    p: &Principal,
    known: &[&'static str],
    now: DateTime<Utc>,
) -> Result<Overview> {
    super::require(p)?;
    let since = now - Duration::hours(WINDOW_HOURS);
    let counts = jobs::counts_by_kind(db, since).await?;
    let timings = jobs::admin::done_timings(db, since, TIMING_SAMPLE).await?;
    let mut kinds: Vec<KindLine> = known
        .iter()
        .map(|k| KindLine {
            counts: counts
                .iter()
                .find(|c| c.kind == *k)
                .cloned()
                .unwrap_or_else(|| KindCounts {
                    kind: k.to_string(),
                    ..Default::default()
                }),
            wait: None,
            run: None,
            known: true,
        })
        .collect();
    for c in &counts {
        if !known.contains(&c.kind.as_str()) {
            kinds.push(KindLine {
                counts: c.clone(),
                wait: None,
                run: None,
                known: false,
            });
        }
    }
    for line in &mut kinds {
        let mine = timings.iter().filter(|t| t.kind == line.counts.kind);
        let (waits, runs): (Vec<i64>, Vec<i64>) = mine
            .map(|t| {
                (
                    (t.started_at - t.run_at).num_milliseconds().max(0),
                    (t.finished_at - t.started_at).num_milliseconds().max(0),
                )
            })
            .unzip();
        line.wait = spread(waits);
        line.run = spread(runs);
    }
    kinds.sort_by(|a, b| a.counts.kind.cmp(&b.counts.kind));
    Ok(Overview {
        kinds,
        sampled: timings.len(),
    })
}

/// The 50th and 95th percentiles (nearest rank) and the maximum; None for no values.
pub fn spread(mut values: Vec<i64>) -> Option<Spread> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let rank = |q: f64| {
        let i = ((q * values.len() as f64).ceil() as usize).clamp(1, values.len());
        values[i - 1]
    };
    Some(Spread {
        p50: rank(0.50),
        p95: rank(0.95),
        max: values[values.len() - 1],
    })
}

/// Which page of which list: a state (dead when not said), a kind (any when empty) and the
/// cursor of the previous page's last job (`<microseconds>.<id>`, empty for the first page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub state: State,
    pub kind: Option<String>,
    pub after: Option<(DateTime<Utc>, i64)>,
}

impl Page {
    pub fn parse(state: &str, kind: &str, after: &str) -> Result<Page> {
        let state = match state.trim() {
            "" => State::Dead,
            s => State::parse(s).ok_or_else(|| {
                Error::validation("state", "Choose queued, retrying, running or dead.")
            })?,
        };
        let kind = kind.trim();
        if kind.len() > 100 {
            return Err(Error::validation("kind", "That is not a job kind."));
        }
        let after = match after.trim() {
            "" => None,
            c => Some(parse_cursor(c).ok_or_else(|| {
                Error::validation(
                    "after",
                    "That page link is damaged: start again from the first page.",
                )
            })?),
        };
        Ok(Page {
            state,
            kind: (!kind.is_empty()).then(|| kind.to_string()),
            after,
        })
    }
}

fn parse_cursor(s: &str) -> Option<(DateTime<Utc>, i64)> {
    let (micros, id) = s.split_once('.')?;
    Some((
        DateTime::from_timestamp_micros(micros.parse().ok()?)?,
        id.parse().ok()?,
    ))
}

/// The cursor that continues a list after `row`.
pub fn cursor_after(row: &JobRow) -> String {
    format!("{}.{}", row.updated_at.timestamp_micros(), row.id)
}

/// A page of a list, latest changed first; the cursor of the next page when there is one.
#[tracing::instrument(skip_all, fields(user_id = %p.user_id))]
pub async fn list(db: &Db, p: &Principal, page: &Page) -> Result<(Vec<JobRow>, Option<String>)> {
    super::require(p)?;
    let rows = jobs::admin::list(db, page.state, page.kind.as_deref(), page.after, PAGE).await?;
    let next = (rows.len() as i64 == PAGE)
        .then(|| rows.last().map(cursor_after))
        .flatten();
    Ok((rows, next))
}

/// What the operator does to a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    /// Back in the queue, due now, attempts from zero.
    Retry,
    /// Thrown away.
    Discard,
}

/// Retries or discards a dead or waiting job. A running job cannot be touched (its worker holds
/// it), and a finished or unknown one is not found.
#[tracing::instrument(skip_all, fields(user_id = %p.user_id, job_id = id), err(level = "info"))]
pub async fn act(db: &Db, p: &Principal, meta: &RequestMeta, id: i64, act: Act) -> Result<()> {
    super::require(p)?;
    let Some(job) = jobs::admin::get(db, id).await? else {
        return Err(Error::NotFound);
    };
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let changed = match act {
        Act::Retry => jobs::admin::retry_now(&mut tx, id, now).await?,
        Act::Discard => jobs::admin::discard(&mut tx, id, now).await?,
    };
    if !changed {
        drop(tx);
        // A worker (or another operator) moved it since it was read.
        let status = jobs::admin::get(db, id)
            .await?
            .map(|j| j.status)
            .unwrap_or_default();
        return Err(match status.as_str() {
            "running" => Error::Conflict(
                "This job is running now: wait for it to finish or fail, then try again.".into(),
            ),
            "" => Error::NotFound,
            other => Error::Conflict(format!(
                "This job is {other} now, so there is nothing to {}.",
                match act {
                    Act::Retry => "retry",
                    Act::Discard => "discard",
                }
            )),
        });
    }
    audit::record(
        &mut tx,
        meta,
        Entry {
            company_id: Some(p.company_id),
            actor_id: Some(p.user_id),
            action: match act {
                Act::Retry => Action::JobRetried,
                Act::Discard => Action::JobDiscarded,
            },
            target: Some(format!("job:{id}")),
            details: serde_json::json!({
                "kind": job.kind,
                "was": job.status,
                "attempts": job.attempts,
            }),
        },
    )
    .await?;
    tx.commit().await?;
    tracing::info!(kind = %job.kind, ?act, "job changed by the operator");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_takes_nearest_ranks() {
        assert_eq!(spread(vec![]), None);
        assert_eq!(
            spread(vec![7]),
            Some(Spread {
                p50: 7,
                p95: 7,
                max: 7
            })
        );
        let s = spread((1..=100).rev().collect()).unwrap();
        assert_eq!((s.p50, s.p95, s.max), (50, 95, 100));
        let s = spread(vec![10, 1, 1000, 2]).unwrap();
        assert_eq!((s.p50, s.p95, s.max), (2, 1000, 1000));
    }

    #[test]
    fn pages_are_parsed_or_refused_with_the_field() {
        let p = Page::parse("", " ", "").unwrap();
        assert_eq!((p.state, p.kind, p.after), (State::Dead, None, None));
        let p = Page::parse("retrying", "send-mail", "1700000000000000.42").unwrap();
        assert_eq!(p.state, State::Retrying);
        assert_eq!(p.kind.as_deref(), Some("send-mail"));
        assert_eq!(
            p.after.map(|(t, id)| (t.timestamp(), id)),
            Some((1_700_000_000, 42))
        );
        for (state, kind, after, field) in [
            ("done", "", "", "state"),
            ("dead", "", "abc", "after"),
            ("dead", "", "12.x", "after"),
            ("dead", &"k".repeat(101) as &str, "", "kind"),
        ] {
            let e = Page::parse(state, kind, after).unwrap_err();
            assert_eq!(e.field(), Some(field), "{state} {after}");
        }
    }
}
