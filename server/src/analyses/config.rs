//! Analyses configuration: upload limits and the pipeline's limits. (Storage and the AI
//! providers are sections of their own: `storage::StorageConfig`, `ai::config::AiConfig`.)

#[derive(Clone, Debug)]
pub struct AnalysesConfig {
    pub max_upload_bytes: u64,
    pub max_pages: u32,
    /// Analyses of one company that may run at the same time; the rest wait their turn.
    pub concurrency_per_company: i64,
    /// Analysis requests per minute per client address.
    pub requests_per_minute: u32,
    /// What an analysis by the local extractor costs, tokens.
    pub local_cost: i64,
}

impl Default for AnalysesConfig {
    fn default() -> Self {
        AnalysesConfig {
            max_upload_bytes: 100 * 1024 * 1024,
            max_pages: 200,
            concurrency_per_company: 2,
            requests_per_minute: 10,
            local_cost: 500,
        }
    }
}

impl crate::config::Section for AnalysesConfig {
    fn load(get: &dyn Fn(&str) -> Option<String>, errors: &mut Vec<String>) -> Self {
        let mut c = AnalysesConfig::default();
        let number = |var: &str, min: u64, max: u64, errors: &mut Vec<String>| {
            crate::config::number(get, var, min, max, errors)
        };
        if let Some(mb) = number("ANALYSIS_MAX_UPLOAD_MB", 1, 2048, errors) {
            c.max_upload_bytes = mb * 1024 * 1024;
        }
        if let Some(p) = number("ANALYSIS_MAX_PAGES", 1, 5000, errors) {
            c.max_pages = p as u32;
        }
        if let Some(n) = number("ANALYSIS_CONCURRENCY_PER_COMPANY", 1, 100, errors) {
            c.concurrency_per_company = n as i64;
        }
        if let Some(n) = number("ANALYSIS_RATE_PER_MINUTE", 1, 10_000, errors) {
            c.requests_per_minute = n as u32;
        }
        if let Some(n) = number("ANALYSIS_LOCAL_COST", 0, 100_000, errors) {
            c.local_cost = n as i64;
        }
        c
    }
}
