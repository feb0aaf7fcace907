//! An ad account's sync pass: its campaigns (status, objective, budgets), then its figures per
//! campaign per day of the account's time zone, upserted so a re-read changes nothing. The
//! first pass reads ADS_HISTORY_DAYS back; later ones re-read the last [`REVISED_DAYS`] (the
//! platforms revise recent figures: late conversions, invalid clicks refunded), or from the
//! day of the last pass when that is older. Days are read in windows of [`WINDOW_DAYS`]
//! (TikTok's limit for daily rows, and a size Meta answers without timing out), page by page;
//! after a window, its days the platform no longer reports are removed.
//!
//! A token the platform refuses marks the connection "reconnect needed" and ends the pass with
//! the platform's words; a platform down or rate limiting past our patience fails the job,
//! which the queue retries (the pass starts over: every write is an upsert).

use std::fmt;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    config::CampaignsConfig,
    meta_api::MetaApi,
    metrics::Platform,
    platform::{self, ApiError, DaysPage, Patience, RemoteCampaign},
    repo,
    tiktok_api::TikTokApi,
};
use crate::{
    crypto,
    jobs::{self, NewJob},
    Db, Error, Result,
};

pub const KIND: &str = "campaigns.ads-sync";
pub const ALL_KIND: &str = "campaigns.ads-sync-all";
/// Days re-read by every pass, today included.
pub const REVISED_DAYS: i64 = 3;
/// Days asked for at once.
pub const WINDOW_DAYS: i64 = 30;
/// A pass with no end for this long is taken for dead and started again.
const STALE: Duration = Duration::hours(2);

#[derive(Serialize, Deserialize)]
pub struct Payload {
    pub account_id: Uuid,
}

/// What a pass did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub campaigns: usize,
    pub days: u64,
    /// Days dropped because the platform no longer reports them.
    pub dropped: u64,
    /// Rows that could not be read, or named a campaign the account does not list.
    pub skipped: usize,
    /// Why the pass ended early (the platform's words), when it did.
    pub error: Option<String>,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} campaigns, {} campaign-days written, {} dropped, {} skipped",
            self.campaigns, self.days, self.dropped, self.skipped
        )?;
        if let Some(e) = &self.error {
            write!(f, "; stopped: {e}")?;
        }
        Ok(())
    }
}

/// A platform's client, for the account's platform.
enum Client {
    Meta(MetaApi),
    TikTok(TikTokApi),
}

impl Client {
    async fn campaigns(
        &self,
        account: &str,
        currency: &str,
    ) -> std::result::Result<Vec<RemoteCampaign>, ApiError> {
        match self {
            Client::Meta(m) => m.campaigns(account, currency).await,
            Client::TikTok(t) => t.campaigns(account, currency).await,
        }
    }

    async fn days_page(
        &self,
        account: &str,
        currency: &str,
        from: NaiveDate,
        to: NaiveDate,
        next: Option<&str>,
    ) -> std::result::Result<DaysPage, ApiError> {
        match self {
            Client::Meta(m) => m.days_page(account, currency, from, to, next).await,
            Client::TikTok(t) => {
                let page = next.and_then(|n| n.parse().ok()).unwrap_or(1);
                t.days_page(account, currency, from, to, page).await
            }
        }
    }
}

/// The connection's token, unsealed.
pub(super) fn token(app_key: &SecretString, sealed: &str) -> Result<SecretString> {
    let plain = crypto::open(app_key, sealed)?;
    let text = String::from_utf8(plain).map_err(|e| Error::Internal(e.into()))?;
    Ok(SecretString::from(text))
}

/// The first day a pass reads: the history for a first pass, else the revised days or the
/// day of the last pass, whichever is earlier.
pub fn first_day(today: NaiveDate, last_pass: Option<NaiveDate>, history_days: u32) -> NaiveDate {
    let revised = today - Duration::days(REVISED_DAYS - 1);
    match last_pass {
        None => today - Duration::days(i64::from(history_days.max(1)) - 1),
        Some(last) => last.min(revised),
    }
}

/// `from..=to` in windows of at most [`WINDOW_DAYS`].
pub fn windows(from: NaiveDate, to: NaiveDate) -> Vec<(NaiveDate, NaiveDate)> {
    let mut out = Vec::new();
    let mut start = from;
    while start <= to {
        let end = (start + Duration::days(WINDOW_DAYS - 1)).min(to);
        out.push((start, end));
        start = end + Duration::days(1);
    }
    out
}

/// One pass over the account (a job; see the module's words). `now` is the pass's clock: the
/// days it counts from and the time every row it writes carries (a row not written by this pass
/// is one written before `now`).
pub async fn run(
    db: &Db,
    app_key: &SecretString,
    config: &CampaignsConfig,
    account_id: Uuid,
    patience: Patience,
    now: DateTime<Utc>,
) -> anyhow::Result<Outcome> {
    let Some(account) = repo::sync_account(db, account_id).await? else {
        // Deleted, or no longer imported, since the pass was queued: forget the pass, so that
        // importing it again queues a new one at once.
        repo::clear_sync_state(db, account_id).await?;
        return Ok(Outcome::default());
    };
    if account.connection_status != "active" {
        let error = "the connection needs to be made again".to_string();
        repo::finish_pass(db, account.id, now, Some(&error), None).await?;
        return Ok(Outcome {
            error: Some(error),
            ..Outcome::default()
        });
    }
    let tz: Tz = account
        .time_zone
        .parse()
        .map_err(|_| anyhow::anyhow!("account time zone {:?}", account.time_zone))?;
    let platform = platform::from_code(&account.platform)
        .ok_or_else(|| anyhow::anyhow!("platform {:?}", account.platform))?;
    let token = token(app_key, &account.sealed_token)?;
    let client = match platform {
        Platform::Meta => Client::Meta(MetaApi::new(config, token)?.with_patience(patience)),
        Platform::TikTok => Client::TikTok(TikTokApi::new(config, token)?.with_patience(patience)),
    };
    repo::start_pass(db, account.id, now).await?;
    let mut outcome = Outcome::default();
    match pass(db, config, &client, &account, tz, now, &mut outcome).await {
        Ok(from) => {
            repo::finish_pass(db, account.id, now, None, Some(from)).await?;
            Ok(outcome)
        }
        Err(PassError::Api(e)) if e.is_transient() => Err(e.into()),
        Err(PassError::Api(e)) => {
            let words = e.to_string();
            if matches!(e, ApiError::Reconnect { .. }) {
                repo::needs_reconnect(db, account.connection_id, &words, now).await?;
            }
            repo::finish_pass(db, account.id, now, Some(&words), None).await?;
            outcome.error = Some(words);
            Ok(outcome)
        }
        Err(PassError::Db(e)) => Err(e.into()),
    }
}

enum PassError {
    Api(ApiError),
    Db(Error),
}

impl From<ApiError> for PassError {
    fn from(e: ApiError) -> Self {
        PassError::Api(e)
    }
}

impl From<Error> for PassError {
    fn from(e: Error) -> Self {
        PassError::Db(e)
    }
}

/// Reads and writes everything; answers the first day read.
async fn pass(
    db: &Db,
    config: &CampaignsConfig,
    client: &Client,
    account: &repo::SyncAccount,
    tz: Tz,
    started: DateTime<Utc>,
    outcome: &mut Outcome,
) -> std::result::Result<NaiveDate, PassError> {
    let campaigns = client
        .campaigns(&account.external_id, &account.currency)
        .await?;
    let ids: std::collections::HashMap<String, Uuid> =
        repo::upsert_campaigns(db, account.company_id, account.id, &campaigns, started)
            .await?
            .into_iter()
            .collect();
    outcome.campaigns = ids.len();
    let today = started.with_timezone(&tz).date_naive();
    let last = account.synced_at.map(|t| t.with_timezone(&tz).date_naive());
    let from = first_day(today, last, config.history_days);
    for (start, end) in windows(from, today) {
        let mut next: Option<String> = None;
        // A bound on pages per window: an answer that keeps saying "more" is not followed
        // forever.
        for _ in 0..10_000 {
            let page = client
                .days_page(
                    &account.external_id,
                    &account.currency,
                    start,
                    end,
                    next.as_deref(),
                )
                .await?;
            outcome.skipped += page.unreadable.len();
            for (campaign, why) in &page.unreadable {
                tracing::warn!(account_id = %account.id, campaign = %campaign, why = %why, "ad platform row skipped");
            }
            let mut rows = Vec::with_capacity(page.days.len());
            for d in &page.days {
                match ids.get(&d.campaign_external_id) {
                    Some(id) => rows.push((*id, d)),
                    None => outcome.skipped += 1,
                }
            }
            if !rows.is_empty() {
                repo::write_days(db, account.company_id, account.id, &rows, started).await?;
                outcome.days += rows.len() as u64;
            }
            match page.next {
                Some(n) => next = Some(n),
                None => break,
            }
        }
        outcome.dropped += repo::drop_unreported_days(db, account.id, start, end, started).await?;
    }
    Ok(from)
}

/// Queues a pass for the account in the caller's transaction; false when one is already queued
/// or running (a double click does one pass).
pub async fn queue(tx: &mut crate::db::Tx, company_id: Uuid, account_id: Uuid) -> Result<bool> {
    let now = Utc::now();
    if !repo::queue_sync(tx, company_id, account_id, now).await? {
        return Ok(false);
    }
    jobs::enqueue_tx(
        tx,
        NewJob {
            kind: KIND,
            payload: serde_json::to_value(Payload { account_id })
                .map_err(|e| Error::Internal(e.into()))?,
            run_at: now,
            max_attempts: 6,
            dedupe_key: Some(format!("ads-sync:{account_id}:{}", now.timestamp_micros())),
        },
    )
    .await?;
    Ok(true)
}

/// Queues a pass for every imported account whose last one ended `every` ago or more.
pub async fn queue_all(db: &Db, every: std::time::Duration) -> Result<usize> {
    let now = Utc::now();
    let every = Duration::from_std(every).unwrap_or(Duration::minutes(30));
    repo::prune_webhook_events(db, now - Duration::days(7)).await?;
    let due = repo::accounts_to_sync(db, now - STALE, now - every).await?;
    let mut queued = 0;
    for (company_id, account_id) in due {
        let mut tx = db.begin().await?;
        if queue(&mut tx, company_id, account_id).await? {
            queued += 1;
        }
        tx.commit().await?;
    }
    Ok(queued)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_pass_reads_history_first_then_the_revised_days() {
        assert_eq!(first_day(d("2026-12-03"), None, 90), d("2026-09-05"));
        assert_eq!(
            first_day(d("2026-12-03"), Some(d("2026-12-03")), 90),
            d("2026-12-01")
        );
        // A pass a week ago: everything since.
        assert_eq!(
            first_day(d("2026-12-03"), Some(d("2026-11-26")), 90),
            d("2026-11-26")
        );
    }

    #[test]
    fn windows_cover_the_range_once() {
        let w = windows(d("2026-09-05"), d("2026-12-03"));
        assert_eq!(w.len(), 3);
        assert_eq!(w[0], (d("2026-09-05"), d("2026-10-04")));
        assert_eq!(w[2].1, d("2026-12-03"));
        for pair in w.windows(2) {
            assert_eq!(pair[0].1 + Duration::days(1), pair[1].0);
        }
        assert_eq!(windows(d("2026-12-03"), d("2026-12-03")).len(), 1);
        assert!(windows(d("2026-12-04"), d("2026-12-03")).is_empty());
    }
}
