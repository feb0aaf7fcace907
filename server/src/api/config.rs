//! The JSON API's limits.

#[derive(Clone, Debug)]
pub struct ApiConfig {
    /// Calls a key may make an hour, and a member with all their keys together
    /// (API_REQUESTS_PER_HOUR).
    pub requests_per_hour: u32,
    /// Calls without a valid key an address may make an hour: the OpenAPI document, the
    /// reference page, refused keys (API_ANONYMOUS_PER_HOUR).
    pub anonymous_per_hour: u32,
    /// Seconds after each failed webhook attempt before the next; the first attempt is at once
    /// (WEBHOOK_RETRY_SCHEDULE, comma-separated). After the last, the delivery is dead.
    pub webhook_retries: Vec<u64>,
    /// Consecutive failed attempts that open an endpoint's circuit (WEBHOOK_CIRCUIT_FAILURES).
    pub circuit_failures: i64,
    /// How long an open circuit waits before one probe, doubling up to an hour
    /// (WEBHOOK_CIRCUIT_SECONDS).
    pub circuit_seconds: u64,
    /// Endpoints may be private or loopback addresses (WEBHOOK_ALLOW_PRIVATE=true: a
    /// self-hoster's intranet). Off: they are refused, as the content studio's fetcher does.
    pub allow_private: bool,
    /// `host:port` pairs allowed although private (WEBHOOK_ALLOW, comma-separated).
    pub webhook_allow: Vec<String>,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            requests_per_hour: 1000,
            anonymous_per_hour: 100,
            // Immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h later.
            webhook_retries: vec![5, 300, 1800, 7200, 18000, 36000],
            circuit_failures: 5,
            circuit_seconds: 60,
            allow_private: false,
            webhook_allow: Vec::new(),
        }
    }
}

impl crate::config::Section for ApiConfig {
    fn load(get: &dyn Fn(&str) -> Option<String>, errors: &mut Vec<String>) -> Self {
        let mut c = ApiConfig::default();
        if let Some(n) = crate::config::number(get, "API_REQUESTS_PER_HOUR", 1, 10_000_000, errors)
        {
            c.requests_per_hour = n as u32;
        }
        if let Some(n) = crate::config::number(get, "API_ANONYMOUS_PER_HOUR", 1, 10_000_000, errors)
        {
            c.anonymous_per_hour = n as u32;
        }
        if let Some(v) = get("WEBHOOK_RETRY_SCHEDULE") {
            let parsed: Result<Vec<u64>, _> = v
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::parse::<u64>)
                .collect();
            match parsed {
                Ok(list) if list.len() <= 20 && list.iter().all(|s| *s <= 7 * 86400) => {
                    c.webhook_retries = list
                }
                _ => errors.push(format!(
                    "WEBHOOK_RETRY_SCHEDULE: expected up to 20 waits in seconds separated by commas (e.g. 5,300,1800), got `{v}`"
                )),
            }
        }
        if let Some(n) = crate::config::number(get, "WEBHOOK_CIRCUIT_FAILURES", 1, 1000, errors) {
            c.circuit_failures = n as i64;
        }
        if let Some(n) = crate::config::number(get, "WEBHOOK_CIRCUIT_SECONDS", 1, 86400, errors) {
            c.circuit_seconds = n;
        }
        match get("WEBHOOK_ALLOW_PRIVATE").as_deref() {
            None | Some("") | Some("false") => {}
            Some("true") => c.allow_private = true,
            Some(other) => errors.push(format!(
                "WEBHOOK_ALLOW_PRIVATE: expected true or false, got `{other}`"
            )),
        }
        if let Some(v) = get("WEBHOOK_ALLOW") {
            for pair in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                if pair
                    .rsplit_once(':')
                    .is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok())
                {
                    c.webhook_allow.push(pair.to_ascii_lowercase());
                } else {
                    errors.push(format!("WEBHOOK_ALLOW: `{pair}` is not host:port"));
                }
            }
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Section;

    #[test]
    fn reads_its_limits_and_names_bad_ones() {
        let mut errors = Vec::new();
        let c = ApiConfig::load(
            &|k| (k == "API_REQUESTS_PER_HOUR").then(|| "5000".to_string()),
            &mut errors,
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!((c.requests_per_hour, c.anonymous_per_hour), (5000, 100));
        assert_eq!(c.webhook_retries, [5, 300, 1800, 7200, 18000, 36000]);
        let mut errors = Vec::new();
        let c = ApiConfig::load(
            &|k| match k {
                "WEBHOOK_RETRY_SCHEDULE" => Some("0, 1,2".into()),
                "WEBHOOK_ALLOW" => Some("127.0.0.1:4000".into()),
                "WEBHOOK_ALLOW_PRIVATE" => Some("true".into()),
                _ => None,
            },
            &mut errors,
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(c.webhook_retries, [0, 1, 2]);
        assert_eq!(c.webhook_allow, ["127.0.0.1:4000"]);
        assert!(c.allow_private);
        let mut errors = Vec::new();
        ApiConfig::load(
            &|k| match k {
                "WEBHOOK_RETRY_SCHEDULE" => Some("5,soon".into()),
                "WEBHOOK_ALLOW_PRIVATE" => Some("yes".into()),
                _ => None,
            },
            &mut errors,
        );
        assert_eq!(errors.len(), 2, "{errors:?}");
        let mut errors = Vec::new();
        ApiConfig::load(
            &|k| (k == "API_ANONYMOUS_PER_HOUR").then(|| "none".to_string()),
            &mut errors,
        );
        assert_eq!(errors.len(), 1);
        assert!(errors[0].contains("API_ANONYMOUS_PER_HOUR"), "{errors:?}");
    }
}
