//! Rate limits by named scope (`sign_in.ip`, `analyses.ip`, …), checked before any costly work
//! so a flood costs us almost nothing. The composition root registers each area's scopes with
//! their quota per minute; this module knows none of them.
//!
//! In memory with `governor` (GCRA) by default; with REDIS_URL set, counted in Redis (fixed
//! one-minute windows, one atomic INCR+EXPIRE per key) so that every instance behind a load
//! balancer shares the same quota. If Redis stops answering, the in-memory limiter takes over
//! rather than letting attempts through unlimited.

use std::{collections::HashMap, net::IpAddr, num::NonZeroU32, sync::Arc};

use crate::{error::Error, kv::Redis};
use governor::{
    clock::{Clock, DefaultClock},
    middleware::StateInformationMiddleware,
    state::keyed::DefaultKeyedStateStore,
    Quota, RateLimiter,
};

/// A keyed in-memory limiter that reports how much of its quota is left.
type KeyedLimiter =
    RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock, StateInformationMiddleware>;
use sha2::{Digest, Sha256};

/// One named quota: so many requests per window (a minute or an hour) for each key (an
/// address, an account).
struct Scope {
    quota: u32,
    window_secs: i64,
    limiter: KeyedLimiter,
}

/// What is left of one quota after a hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Allowance {
    /// The quota for a window.
    pub limit: u32,
    /// Hits left before refusals begin.
    pub remaining: u32,
    /// Seconds until the quota is whole again (when refused: until the next hit is allowed).
    pub reset_secs: u64,
    /// The window's length in seconds.
    pub window_secs: u64,
}

#[derive(Clone, Default)]
pub struct Limits {
    scopes: Arc<HashMap<&'static str, Scope>>,
    redis: Option<Arc<Redis>>,
}

/// Builds the set of scopes at start (the composition root adds every area's).
#[derive(Default)]
pub struct LimitsBuilder {
    scopes: HashMap<&'static str, Scope>,
}

impl LimitsBuilder {
    pub fn scope(mut self, name: &'static str, per_minute: u32) -> Self {
        let n = NonZeroU32::new(per_minute.max(1)).expect("at least one");
        self.scopes.insert(
            name,
            Scope {
                quota: n.get(),
                window_secs: 60,
                limiter: RateLimiter::keyed(Quota::per_minute(n))
                    .with_middleware::<StateInformationMiddleware>(),
            },
        );
        self
    }

    /// A quota per hour (exports: a few an hour, not a few a minute).
    pub fn scope_per_hour(mut self, name: &'static str, per_hour: u32) -> Self {
        let n = NonZeroU32::new(per_hour.max(1)).expect("at least one");
        self.scopes.insert(
            name,
            Scope {
                quota: n.get(),
                window_secs: 3600,
                limiter: RateLimiter::keyed(Quota::per_hour(n))
                    .with_middleware::<StateInformationMiddleware>(),
            },
        );
        self
    }

    pub fn build(self, redis: Option<Arc<Redis>>) -> Limits {
        Limits {
            scopes: Arc::new(self.scopes),
            redis,
        }
    }
}

/// Keys go to Redis hashed: accounts are emails, and nothing else needs to be readable there.
fn hashed(key: &str) -> String {
    hex::encode(&Sha256::digest(key.as_bytes())[..12])
}

/// Counts one hit in the current window of every (scope, key, window seconds); answers the
/// counts.
async fn count(redis: &Redis, hits: &[(&str, &str, i64)]) -> redis::RedisResult<Vec<u64>> {
    let now = chrono::Utc::now().timestamp();
    let keys: Vec<(String, i64)> = hits
        .iter()
        .map(|(scope, key, secs)| {
            let window = now / secs;
            (
                redis.key(format_args!("rl:{scope}:{}:{window}", hashed(key))),
                *secs,
            )
        })
        .collect();
    let mut pipe = redis::pipe();
    pipe.atomic();
    for (k, secs) in &keys {
        pipe.incr(k, 1).expire(k, 2 * secs).ignore();
    }
    let mut conn = redis.conn().await?;
    let mut counts = Vec::with_capacity(keys.len());
    // The EXPIREs are ignored; read each INCR's value.
    let values: Vec<u64> = pipe.query_async(&mut conn).await?;
    counts.extend(values);
    Ok(counts)
}

impl Limits {
    pub fn builder() -> LimitsBuilder {
        LimitsBuilder::default()
    }

    /// Counts one hit for each (scope, key) and refuses when any has used its quota for the
    /// window. Keys are compared trimmed and lower-cased. A scope nobody registered is a bug:
    /// it refuses rather than letting the hit through unlimited.
    pub async fn check(&self, hits: &[(&str, &str)]) -> Result<(), Error> {
        let hits: Vec<(&str, String)> = hits
            .iter()
            .map(|(s, k)| (*s, k.trim().to_lowercase()))
            .collect();
        let mut quotas = Vec::with_capacity(hits.len());
        for (scope, _) in &hits {
            match self.scopes.get(scope) {
                Some(s) => quotas.push(s),
                None => {
                    tracing::error!(scope, "rate limit scope not registered");
                    return Err(Error::RateLimited);
                }
            }
        }
        if let Some(redis) = &self.redis {
            let borrowed: Vec<(&str, &str, i64)> = hits
                .iter()
                .zip(&quotas)
                .map(|((s, k), q)| (*s, k.as_str(), q.window_secs))
                .collect();
            match count(redis, &borrowed).await {
                Ok(counts) => {
                    for ((scope, _), (n, quota)) in hits.iter().zip(counts.iter().zip(&quotas)) {
                        if *n > u64::from(quota.quota) {
                            tracing::warn!(scope, n, "rate limit reached");
                            return Err(Error::RateLimited);
                        }
                    }
                    return Ok(());
                }
                Err(e) => {
                    tracing::warn!(error = %e, "Redis rate limiter unavailable; counting in memory")
                }
            }
        }
        for ((scope, key), quota) in hits.iter().zip(&quotas) {
            if quota.limiter.check_key(key).is_err() {
                tracing::warn!(scope, "rate limit reached");
                return Err(Error::RateLimited);
            }
        }
        Ok(())
    }

    /// Counts one hit of `key` in `scope` and answers what is left of the quota (for
    /// `RateLimit-*` headers): `Ok` when the hit is allowed, `Err` (nothing left, and when to
    /// come back) when refused. A scope nobody registered refuses.
    pub async fn take(&self, scope: &str, key: &str) -> Result<Allowance, Allowance> {
        let key = key.trim().to_lowercase();
        let Some(quota) = self.scopes.get(scope) else {
            tracing::error!(scope, "rate limit scope not registered");
            return Err(Allowance {
                limit: 0,
                remaining: 0,
                reset_secs: 60,
                window_secs: 60,
            });
        };
        if let Some(redis) = &self.redis {
            match count(redis, &[(scope, key.as_str(), quota.window_secs)]).await {
                Ok(counts) => {
                    let n = counts.first().copied().unwrap_or(u64::MAX);
                    let now = chrono::Utc::now().timestamp();
                    let a = Allowance {
                        limit: quota.quota,
                        remaining: u64::from(quota.quota).saturating_sub(n) as u32,
                        reset_secs: (quota.window_secs - now % quota.window_secs).max(1) as u64,
                        window_secs: quota.window_secs as u64,
                    };
                    return if n > u64::from(quota.quota) {
                        tracing::warn!(scope, n, "rate limit reached");
                        Err(a)
                    } else {
                        Ok(a)
                    };
                }
                Err(e) => {
                    tracing::warn!(error = %e, "Redis rate limiter unavailable; counting in memory")
                }
            }
        }
        // GCRA: one cell comes back every window / quota; the reset is when all have.
        let per_cell = quota.window_secs as f64 / f64::from(quota.quota);
        match quota.limiter.check_key(&key) {
            Ok(state) => {
                let remaining = state.remaining_burst_capacity();
                let used = quota.quota.saturating_sub(remaining);
                Ok(Allowance {
                    limit: quota.quota,
                    remaining,
                    reset_secs: (f64::from(used) * per_cell).ceil().max(1.0) as u64,
                    window_secs: quota.window_secs as u64,
                })
            }
            Err(not_until) => {
                tracing::warn!(scope, "rate limit reached");
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                Err(Allowance {
                    limit: quota.quota,
                    remaining: 0,
                    reset_secs: wait.as_secs().max(1),
                    window_secs: quota.window_secs as u64,
                })
            }
        }
    }

    /// Forgets idle keys so memory stays bounded (called by the hourly cleanup).
    pub fn shrink(&self) {
        for s in self.scopes.values() {
            s.limiter.retain_recent();
            s.limiter.shrink_to_fit();
        }
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
        let limits = Limits::builder()
            .scope("t.ip", 4)
            .scope("t.account", 2)
            .build(None);
        let attempt = |ip: &'static str, account: &'static str| {
            let limits = limits.clone();
            async move { limits.check(&[("t.ip", ip), ("t.account", account)]).await }
        };
        let a = "192.0.2.1";
        assert!(attempt(a, "ada@example.com").await.is_ok());
        assert!(attempt(a, "ADA@example.com ").await.is_ok());
        assert!(
            attempt(a, "ada@example.com").await.is_err(),
            "account quota"
        );
        assert!(attempt(a, "bob@example.com").await.is_ok());
        assert!(attempt(a, "cy@example.com").await.is_err(), "address quota");
        assert!(attempt("192.0.2.2", "cy@example.com").await.is_ok());
        assert!(
            limits.check(&[("nobody.registered", "x")]).await.is_err(),
            "an unknown scope refuses"
        );
    }

    #[tokio::test]
    async fn a_hit_reports_what_is_left_of_the_quota() {
        let limits = Limits::builder().scope_per_hour("t.key", 3).build(None);
        let left = |r: Result<Allowance, Allowance>| r.map(|a| (a.limit, a.remaining));
        assert_eq!(left(limits.take("t.key", "k1").await), Ok((3, 2)));
        assert_eq!(left(limits.take("t.key", "K1 ").await), Ok((3, 1)));
        let third = limits.take("t.key", "k1").await.unwrap();
        assert_eq!(third.remaining, 0);
        assert!((3600..=3601).contains(&third.reset_secs), "{third:?}");
        let refused = limits.take("t.key", "k1").await.unwrap_err();
        assert_eq!(refused.remaining, 0);
        assert!((1..=1200).contains(&refused.reset_secs), "{refused:?}");
        assert_eq!(left(limits.take("t.key", "k2").await), Ok((3, 2)));
        assert!(limits.take("nobody.registered", "x").await.is_err());
    }
}
