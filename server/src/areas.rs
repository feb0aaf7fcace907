//! The composition root's list of areas: the one place that names them all. Each area brings
//! its configuration section, its job kinds (periodic ones declare their interval), its
//! rate-limit scopes and its page-permission table; infrastructure (`config`, `jobs`,
//! `ratelimit`, `http::middleware`, …) receives them from here and knows none of them.
//!
//! A new area adds one line to each list below that it uses.

use crate::{
    ai::AiConfig,
    analyses::{self, config::AnalysesConfig},
    api::{self, config::ApiConfig},
    audit,
    billing::{self, packs::BillingConfig},
    campaigns::{self, config::CampaignsConfig},
    config::{self, Config, ConfigErrors, Loader},
    dashboard,
    http::{self, middleware::PageTable},
    identity, jobs, mail,
    orders::{self, config::OrdersConfig},
    platform, ratelimit, sessions,
    state::AppState,
    storage::StorageConfig,
    studio::{self, config::StudioConfig},
    team,
};
use axum::Router;

/// Every area's configuration section.
pub const CONFIG_SECTIONS: &[Loader] = &[
    config::loader::<StorageConfig>,
    config::loader::<AiConfig>,
    config::loader::<BillingConfig>,
    config::loader::<AnalysesConfig>,
    config::loader::<OrdersConfig>,
    config::loader::<CampaignsConfig>,
    config::loader::<StudioConfig>,
    config::loader::<platform::backups::BackupConfig>,
    config::loader::<ApiConfig>,
];

/// Every job kind of the application.
pub fn jobs() -> jobs::Registry {
    jobs::Registry::default()
        .with(sessions::cleanup::SessionCleanup)
        .with(mail::SendMail)
        .with(identity::proof::EmailProof)
        .with(identity::jobs::PruneLinks)
        .with(billing::events::StripeEvent)
        .with(billing::alerts::LowBalance)
        .with(analyses::pipeline::RunAnalysis)
        .with(analyses::pipeline::Sweep)
        .with(orders::jobs::ShopifyWebhook)
        .with(orders::jobs::SyncStore)
        .with(orders::jobs::BulkRun)
        .with(orders::jobs::RetryError)
        .with(orders::jobs::TrackAwbs)
        .with(orders::jobs::CloseHandovers)
        .with(orders::jobs::SyncAll)
        .with(orders::jobs::Reconcile)
        .with(campaigns::jobs::SyncAccount)
        .with(campaigns::jobs::SyncAll)
        .with(campaigns::jobs::Alerts)
        .with(campaigns::jobs::Rollback)
        .with(campaigns::jobs::InsightsRun)
        .with(campaigns::jobs::InsightsDue)
        .with(campaigns::jobs::TokenExpiry)
        .with(dashboard::jobs::Days)
        .with(platform::backups::TakeBackup)
        .with(api::idempotency::PruneIdempotency)
        .with(api::webhooks::Deliver)
}

/// Every area's pages and what each needs.
pub fn pages() -> PageTable {
    PageTable::new([
        identity::PAGES,
        team::PAGES,
        audit::PAGES,
        billing::PAGES,
        analyses::PAGES,
        orders::PAGES,
        campaigns::PAGES,
        studio::PAGES,
        platform::PAGES,
        platform::cron::PAGES,
        api::PAGES,
    ])
}

/// Every area's plain routes (form endpoints, downloads, webhooks) and infrastructure's.
pub fn routes(state: AppState) -> Router {
    let hooks = if state.config.test_hooks {
        http::test_hooks::routes(jobs().schedule().into_iter().map(|(k, _)| k).collect())
    } else {
        Router::new()
    };
    http::ops_routes()
        .merge(hooks)
        .merge(platform::cron::routes(jobs().schedule()))
        .merge(identity::http::routes())
        .merge(team::http::routes())
        .merge(audit::http::routes())
        .merge(billing::http::routes())
        .merge(analyses::http::routes(&state))
        .merge(orders::http::routes())
        .merge(campaigns::http::routes())
        .merge(studio::http::routes())
        .merge(api::http::routes(&state))
        .merge(api::forms::routes())
        .with_state(state)
}

/// The plain routes inside the full middleware stack, without Leptos pages (tests, tools).
pub fn router(state: AppState) -> Router {
    http::wrap(routes(state.clone()), state)
}

/// Every area's rate-limit scopes, with their quotas from the configuration.
pub fn rate_limits(c: &Config) -> ratelimit::LimitsBuilder {
    let limits = api::http::rate_limits(ratelimit::Limits::builder(), c.section::<ApiConfig>());
    limits
        .scope(identity::SIGN_IN_PER_IP, c.sign_in_per_ip)
        .scope(identity::SIGN_IN_PER_ACCOUNT, c.sign_in_per_account)
        .scope(
            analyses::REQUESTS_PER_IP,
            c.section::<AnalysesConfig>().requests_per_minute,
        )
        .scope_per_hour(
            orders::export::EXPORTS_PER_USER,
            c.section::<OrdersConfig>().exports_per_hour,
        )
        .scope_per_hour(
            campaigns::controls::APPROVALS_PER_APPROVER,
            c.section::<CampaignsConfig>().approvals_per_hour,
        )
        .scope_per_hour(
            studio::GENERATIONS_PER_USER,
            c.section::<StudioConfig>().generations_per_hour,
        )
}

/// The process's configuration: `.env` and the environment, with every section.
pub fn config_from_env() -> Result<Config, ConfigErrors> {
    Config::from_env(CONFIG_SECTIONS)
}

/// The configuration from a map of variables, with every section (tests).
pub fn config_from_map(
    vars: &std::collections::BTreeMap<String, String>,
) -> Result<Config, ConfigErrors> {
    Config::from_map_with(vars, CONFIG_SECTIONS)
}
