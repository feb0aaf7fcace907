//! Rate limits for sign-in and password reset, checked before any password hashing so a flood
//! costs us almost nothing. In memory with `governor` (GCRA) by default; with REDIS_URL set,
//! counted in Redis (fixed one-minute windows, one atomic INCR+EXPIRE per key) so that every
//! instance behind a load balancer shares the same quota. If Redis stops answering, the
//! in-memory limiter takes over rather than letting attempts through unlimited.

use std::{net::IpAddr, num::NonZeroU32, sync::Arc};

use crate::{config::Config, error::Error, kv::Redis};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use sha2::{Digest, Sha256};

#[derive(Clone)]
pub struct Limits {
    by_ip: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    by_account: Arc<DefaultKeyedRateLimiter<String>>,
    per_ip: u32,
    per_account: u32,
    /// Analysis requests (uploads, re-analyses) per address.
    analyses: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    analyses_per_minute: u32,
    redis: Option<Arc<Redis>>,
}

/// Counts one attempt in this minute's window for both keys; answers the two counts.
async fn count(redis: &Redis, ip: IpAddr, account: &str) -> redis::RedisResult<(u64, u64)> {
    let window = chrono::Utc::now().timestamp() / 60;
    // Accounts are emails: only a hash of them goes to Redis.
    let account = hex::encode(&Sha256::digest(account.as_bytes())[..12]);
    let ip_key = redis.key(format_args!("rl:ip:{ip}:{window}"));
    let account_key = redis.key(format_args!("rl:acct:{account}:{window}"));
    let mut conn = redis.conn().await?;
    let (by_ip, _, by_account, _): (u64, bool, u64, bool) = redis::pipe()
        .atomic()
        .incr(&ip_key, 1)
        .expire(&ip_key, 120)
        .incr(&account_key, 1)
        .expire(&account_key, 120)
        .query_async(&mut conn)
        .await?;
    Ok((by_ip, by_account))
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n.max(1)).expect("at least one"))
}

impl Limits {
    pub fn new(config: &Config, redis: Option<Arc<Redis>>) -> Self {
        Limits {
            by_ip: Arc::new(RateLimiter::keyed(per_minute(config.sign_in_per_ip))),
            by_account: Arc::new(RateLimiter::keyed(per_minute(config.sign_in_per_account))),
            per_ip: config.sign_in_per_ip,
            per_account: config.sign_in_per_account,
            analyses: Arc::new(RateLimiter::keyed(per_minute(
                config.analyses.requests_per_minute,
            ))),
            analyses_per_minute: config.analyses.requests_per_minute,
            redis,
        }
    }

    /// Counts one attempt for the address and the account (a normalised email); refuses when
    /// either has used its quota for the minute.
    pub async fn check_attempt(&self, ip: IpAddr, account: &str) -> Result<(), Error> {
        let account = account.trim().to_lowercase();
        if let Some(redis) = &self.redis {
            match count(redis, ip, &account).await {
                Ok((by_ip, by_account)) => {
                    if by_ip > u64::from(self.per_ip) || by_account > u64::from(self.per_account) {
                        tracing::warn!(%ip, by_ip, by_account, "sign-in rate limit reached");
                        return Err(Error::RateLimited);
                    }
                    return Ok(());
                }
                Err(e) => {
                    tracing::warn!(error = %e, "Redis rate limiter unavailable; counting in memory")
                }
            }
        }
        self.check_in_memory(ip, &account)
    }

    fn check_in_memory(&self, ip: IpAddr, account: &str) -> Result<(), Error> {
        if self.by_ip.check_key(&ip).is_err() {
            tracing::warn!(%ip, "sign-in rate limit reached for address");
            return Err(Error::RateLimited);
        }
        if self.by_account.check_key(&account.to_string()).is_err() {
            tracing::warn!(%ip, "sign-in rate limit reached for account");
            return Err(Error::RateLimited);
        }
        Ok(())
    }

    /// Counts one analysis request (ANALYSIS_RATE_PER_MINUTE per address, default 10).
    pub async fn check_analysis(&self, ip: IpAddr) -> Result<(), Error> {
        if let Some(redis) = &self.redis {
            let window = chrono::Utc::now().timestamp() / 60;
            let key = redis.key(format_args!("rl:analyses:{ip}:{window}"));
            let counted: redis::RedisResult<(u64, bool)> = async {
                let mut conn = redis.conn().await?;
                redis::pipe()
                    .atomic()
                    .incr(&key, 1)
                    .expire(&key, 120)
                    .query_async(&mut conn)
                    .await
            }
            .await;
            match counted {
                Ok((n, _)) if n > u64::from(self.analyses_per_minute) => {
                    tracing::warn!(%ip, n, "analysis rate limit reached");
                    return Err(Error::RateLimited);
                }
                Ok(_) => return Ok(()),
                Err(e) => {
                    tracing::warn!(error = %e, "Redis rate limiter unavailable; counting in memory")
                }
            }
        }
        if self.analyses.check_key(&ip).is_err() {
            tracing::warn!(%ip, "analysis rate limit reached");
            return Err(Error::RateLimited);
        }
        Ok(())
    }

    /// Forgets idle keys so memory stays bounded (called by the hourly cleanup).
    pub fn shrink(&self) {
        self.analyses.retain_recent();
        self.analyses.shrink_to_fit();
        self.by_ip.retain_recent();
        self.by_account.retain_recent();
        self.by_ip.shrink_to_fit();
        self.by_account.shrink_to_fit();
    }
}

/// The client's address: the peer, or — when the peer is a trusted proxy — the nearest
/// untrusted address in X-Forwarded-For (read from the right, as proxies append).
pub fn client_ip(
    peer: Option<IpAddr>,
    forwarded_for: Option<&str>,
    trusted: &[ipnet::IpNet],
) -> Option<IpAddr> {
    let peer = peer?;
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let hops: Vec<IpAddr> = forwarded_for
        .unwrap_or_default()
        .split(',')
        .filter_map(|h| h.trim().parse().ok())
        .collect();
    Some(
        hops.iter()
            .rev()
            .find(|ip| !is_trusted(ip))
            .copied()
            .unwrap_or(peer),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted: Vec<ipnet::IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let xff = Some("203.0.113.9, 198.51.100.7, 10.0.0.2");
        // From the internet directly: the header is ignored.
        assert_eq!(
            client_ip(Some(ip("198.51.100.50")), xff, &trusted),
            Some(ip("198.51.100.50"))
        );
        // Through our proxies: the nearest untrusted hop, not the spoofable leftmost one.
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), xff, &trusted),
            Some(ip("198.51.100.7"))
        );
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), None, &trusted),
            Some(ip("10.0.0.1"))
        );
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), xff, &[]),
            Some(ip("10.0.0.1"))
        );
    }

    #[tokio::test]
    async fn quotas_count_per_address_and_per_account() {
        let mut vars = std::collections::BTreeMap::new();
        vars.insert("RATE_LIMIT_SIGN_IN_PER_IP".to_string(), "4".to_string());
        vars.insert(
            "RATE_LIMIT_SIGN_IN_PER_ACCOUNT".to_string(),
            "2".to_string(),
        );
        let limits = Limits::new(&Config::from_map(&vars).unwrap(), None);
        let a = ip("192.0.2.1");
        assert!(limits.check_attempt(a, "ada@example.com").await.is_ok());
        assert!(limits.check_attempt(a, "ADA@example.com ").await.is_ok());
        assert!(
            limits.check_attempt(a, "ada@example.com").await.is_err(),
            "account quota"
        );
        assert!(limits.check_attempt(a, "bob@example.com").await.is_ok());
        assert!(
            limits.check_attempt(a, "cy@example.com").await.is_err(),
            "address quota"
        );
        assert!(limits
            .check_attempt(ip("192.0.2.2"), "cy@example.com")
            .await
            .is_ok());
    }
}
