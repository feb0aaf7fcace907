//! Shared application state: configuration, database, metrics.

use std::sync::{
    atomic::{AtomicBool, Ordering},
    Arc,
};

use metrics_exporter_prometheus::PrometheusHandle;

use crate::{config::Config, http::limits::Limits, identity, jobs::JobContext, Db};

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
    pub google: Option<Arc<crate::google::Google>>,
    /// Uploaded files: DATA_DIR/uploads, or the S3 bucket when S3_BUCKET is set.
    pub storage: crate::analyses::storage::Storage,
    setup_done: Arc<AtomicBool>,
}

impl AppState {
    pub fn new(config: Config, db: Db) -> Self {
        let redis = crate::kv::Redis::from_config(&config);
        let storage = match &config.analyses.s3 {
            Some(s3) => crate::analyses::storage::Storage::s3(s3),
            None => crate::analyses::storage::Storage::local(&config.data_dir.join("uploads")),
        }
        .unwrap_or_else(|e| {
            // from_map checked the settings; a store that still cannot be built keeps uploads
            // in memory for this process and says so loudly.
            tracing::error!(error = %e, "file store unavailable; uploads are kept in memory only");
            crate::analyses::storage::Storage::memory()
        });
        Self {
            storage,
            limits: Limits::new(&config, redis.clone()),
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
                .map(|g| Arc::new(crate::google::Google::new(g, &config.public_url))),
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

    pub fn job_context(&self) -> JobContext {
        JobContext {
            db: self.db.clone(),
            mailer: self.mailer.clone(),
            config: self.config.clone(),
            storage: self.storage.clone(),
        }
    }
}
