//! Shared application state: configuration, database, metrics.

use std::sync::{
    atomic::{AtomicBool, Ordering},
    Arc,
};

use metrics_exporter_prometheus::PrometheusHandle;

use crate::{
    config::Config,
    http::middleware::PageTable,
    identity,
    jobs::JobContext,
    ratelimit::Limits,
    storage::{Storage, StorageConfig},
    Db,
};

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub metrics: PrometheusHandle,
    pub limits: Limits,
    /// REDIS_URL's connection, shared by the rate limits and the sessions.
    pub redis: Option<Arc<crate::kv::Redis>>,
    /// Where sessions live (the database, or Redis when REDIS_URL is set), and their index.
    pub sessions: crate::sessions::Sessions,
    /// Outgoing mail, when SMTP_URL is set.
    pub mailer: Option<Arc<crate::mail::Mailer>>,
    /// Google sign-in, when configured.
    pub google: Option<Arc<crate::identity::google::Google>>,
    /// Uploaded files: DATA_DIR/uploads, or the S3 bucket when S3_BUCKET is set.
    pub storage: Storage,
    /// What each page needs, gathered from the areas.
    pub pages: Arc<PageTable>,
    setup_done: Arc<AtomicBool>,
}

impl AppState {
    pub fn new(config: Config, db: Db) -> Self {
        let redis = crate::kv::Redis::from_config(&config);
        let storage = Storage::from_config(config.section::<StorageConfig>(), &config.data_dir);
        Self {
            storage,
            limits: crate::areas::rate_limits(&config).build(redis.clone()),
            pages: Arc::new(crate::areas::pages()),
            sessions: crate::sessions::Sessions::new(db.clone(), redis.clone()),
            redis,
            mailer: match crate::mail::Mailer::from_config(&config) {
                Ok(m) => m.map(Arc::new),
                Err(e) => {
                    // from_map checked the URL; a transport that still cannot be built is logged.
                    tracing::error!(error = %e, "outgoing mail is off");
                    None
                }
            },
            google: config
                .google
                .as_ref()
                .map(|g| Arc::new(crate::identity::google::Google::new(g, &config.public_url))),
            config: Arc::new(config),
            db,
            metrics: crate::telemetry::metrics_handle(),
            setup_done: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Whether first-run setup has happened. Once true it stays true, so the database is only
    /// asked until the first user exists.
    pub async fn setup_done(&self) -> crate::error::Result<bool> {
        if self.setup_done.load(Ordering::Relaxed) {
            return Ok(true);
        }
        let done = identity::setup_done(&self.db).await?;
        if done {
            self.setup_done.store(true, Ordering::Relaxed);
        }
        Ok(done)
    }

    /// The signed-in member (user in company) a session names, if they may still work there.
    pub async fn load_principal(
        &self,
        user: uuid::Uuid,
        company: uuid::Uuid,
    ) -> crate::error::Result<Option<crate::access::Principal>> {
        identity::load_principal(&self.db, user, company).await
    }

    /// What background jobs get: the database, the configuration and the shared resources.
    pub fn job_context(&self) -> JobContext {
        // Two connections a worker: a handler may run two statements at once.
        let connections = u32::try_from(self.config.job_workers * 2).unwrap_or(64);
        let ctx = JobContext::new(self.db.for_jobs(connections), self.config.clone())
            .with(self.storage.clone())
            .with(self.limits.clone());
        match &self.mailer {
            Some(m) => ctx.with(m.clone()),
            None => ctx,
        }
    }
}
