//! The Redis connection shared by the rate limiter and the session store when REDIS_URL is set:
//! one client, connected on first use and reconnected by redis-rs' connection manager, and the
//! key prefix (REDIS_KEY_PREFIX) that lets several deployments share one Redis.

use std::{fmt, sync::Arc, time::Duration};

use secrecy::ExposeSecret;
use tokio::sync::OnceCell;

use crate::config::Config;

pub struct Redis {
    client: redis::Client,
    conn: OnceCell<redis::aio::ConnectionManager>,
    prefix: String,
}

impl fmt::Debug for Redis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL may carry a password: never printed.
        f.debug_struct("Redis")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl Redis {
    /// The connection REDIS_URL names, or None when it is unset (or unusable, which is logged:
    /// configuration already refused a URL that is not redis:// or rediss://).
    pub fn from_config(config: &Config) -> Option<Arc<Self>> {
        let url = config.redis_url.as_ref()?;
        match redis::Client::open(url.expose_secret()) {
            Ok(client) => Some(Arc::new(Self {
                client,
                conn: OnceCell::new(),
                prefix: config.redis_prefix.clone(),
            })),
            Err(e) => {
                tracing::error!(error = %e, "REDIS_URL cannot be used; Redis is off");
                None
            }
        }
    }

    /// A handle on the shared, self-reconnecting connection.
    pub async fn conn(&self) -> redis::RedisResult<redis::aio::ConnectionManager> {
        self.conn
            .get_or_try_init(|| async {
                let config = redis::aio::ConnectionManagerConfig::new()
                    .set_connection_timeout(Duration::from_secs(2))
                    .set_response_timeout(Duration::from_secs(2))
                    .set_number_of_retries(1);
                redis::aio::ConnectionManager::new_with_config(self.client.clone(), config).await
            })
            .await
            .cloned()
    }

    /// `name` under this deployment's prefix.
    pub fn key(&self, name: impl fmt::Display) -> String {
        format!("{}{name}", self.prefix)
    }

    /// PING, for /ready.
    pub async fn ping(&self) -> redis::RedisResult<()> {
        let mut conn = self.conn().await?;
        redis::cmd("PING")
            .query_async::<String>(&mut conn)
            .await
            .map(|_| ())
    }
}
