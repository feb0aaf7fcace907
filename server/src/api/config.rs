//! The JSON API's limits.

#[derive(Clone, Debug)]
pub struct ApiConfig {
    /// Calls a key may make an hour, and a member with all their keys together
    /// (API_REQUESTS_PER_HOUR).
    pub requests_per_hour: u32,
    /// Calls without a valid key an address may make an hour: the OpenAPI document, the
    /// reference page, refused keys (API_ANONYMOUS_PER_HOUR).
    pub anonymous_per_hour: u32,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            requests_per_hour: 1000,
            anonymous_per_hour: 100,
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
        let mut errors = Vec::new();
        ApiConfig::load(
            &|k| (k == "API_ANONYMOUS_PER_HOUR").then(|| "none".to_string()),
            &mut errors,
        );
        assert_eq!(errors.len(), 1);
        assert!(errors[0].contains("API_ANONYMOUS_PER_HOUR"), "{errors:?}");
    }
}
