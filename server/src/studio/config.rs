//! Content studio configuration: how many pieces a member may generate an hour, and which
//! addresses the research fetcher may read although they are private (a self-hoster's
//! intranet; the test suites' own sites).

#[derive(Clone, Debug)]
pub struct StudioConfig {
    /// Generations (emails, posts, author summaries) per member per hour
    /// (STUDIO_GENERATIONS_PER_HOUR).
    pub generations_per_hour: u32,
    /// `host:port` pairs the research fetcher reads even though they resolve to a private or
    /// loopback address (STUDIO_FETCH_ALLOW, comma-separated). Empty: none.
    pub fetch_allow: Vec<String>,
}

impl Default for StudioConfig {
    fn default() -> Self {
        StudioConfig {
            generations_per_hour: 100,
            fetch_allow: Vec::new(),
        }
    }
}

impl crate::config::Section for StudioConfig {
    fn load(get: &dyn Fn(&str) -> Option<String>, errors: &mut Vec<String>) -> Self {
        let mut c = StudioConfig::default();
        if let Some(n) =
            crate::config::number(get, "STUDIO_GENERATIONS_PER_HOUR", 1, 100_000, errors)
        {
            c.generations_per_hour = n as u32;
        }
        if let Some(v) = get("STUDIO_FETCH_ALLOW") {
            for pair in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let ok = pair
                    .rsplit_once(':')
                    .is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok());
                if ok {
                    c.fetch_allow.push(pair.to_ascii_lowercase());
                } else {
                    errors.push(format!(
                        "STUDIO_FETCH_ALLOW: `{pair}` is not host:port (e.g. intranet.local:8080)"
                    ));
                }
            }
        }
        c
    }
}

/// The research fetcher under the default limits (10 s, 2 retries, 2 MB, 3 redirects) with the
/// configured private addresses allowed.
pub fn fetcher(c: &StudioConfig) -> crate::outbound::guard::Fetcher {
    crate::outbound::guard::Fetcher::new(crate::outbound::guard::Limits {
        allow: c.fetch_allow.clone(),
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Section;

    #[test]
    fn reads_its_settings_and_names_bad_ones() {
        let mut errors = Vec::new();
        let c = StudioConfig::load(
            &|k| match k {
                "STUDIO_GENERATIONS_PER_HOUR" => Some("20".into()),
                "STUDIO_FETCH_ALLOW" => Some("127.0.0.1:4010, Intranet:80".into()),
                _ => None,
            },
            &mut errors,
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(c.generations_per_hour, 20);
        assert_eq!(c.fetch_allow, ["127.0.0.1:4010", "intranet:80"]);
        let mut errors = Vec::new();
        StudioConfig::load(
            &|k| match k {
                "STUDIO_GENERATIONS_PER_HOUR" => Some("0".into()),
                "STUDIO_FETCH_ALLOW" => Some("localhost".into()),
                _ => None,
            },
            &mut errors,
        );
        assert_eq!(errors.len(), 2, "{errors:?}");
    }
}
