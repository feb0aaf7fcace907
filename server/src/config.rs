//! Typed configuration read once at start from the environment (and an optional `.env`).
//!
//! Every problem is collected so the operator sees one clear line per bad variable instead of
//! fixing them one restart at a time.

use std::{
    any::{Any, TypeId},
    collections::BTreeMap,
    fmt,
    net::SocketAddr,
    path::PathBuf,
};

use secrecy::{ExposeSecret, SecretString};
use url::Url;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppEnv {
    Development,
    Production,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Clone)]
pub struct Config {
    pub app_env: AppEnv,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub site_addr: SocketAddr,
    pub public_url: Url,
    pub app_secret_key: SecretString,
    pub cookie_secure: bool,
    pub session_timeout_minutes: i64,
    /// A session ends this long after sign-in, however active it is.
    pub session_max_age_days: i64,
    pub log_format: LogFormat,
    pub log_level: String,
    pub redis_url: Option<SecretString>,
    /// Prepended to every Redis key (several installations can share one Redis).
    pub redis_prefix: String,
    pub invitation_ttl_days: i64,
    /// Sign-in and reset attempts allowed per minute from one IP address / for one account.
    pub sign_in_per_ip: u32,
    pub sign_in_per_account: u32,
    /// Proxies whose X-Forwarded-For is believed (addresses or CIDR ranges).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Google sign-in, when both GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET are set.
    pub google: Option<GoogleConfig>,
    /// Who may sign in with Google (empty: anyone with a linked account).
    pub allowed: AllowList,
    /// Outgoing mail server (smtp:// or smtps://, credentials in the URL); without it, mail
    /// waits in the outbox for admins to read.
    pub smtp_url: Option<SecretString>,
    /// The From of outgoing mail.
    pub mail_from: String,
    /// Whether anyone may create a company at /signup.
    pub signup_enabled: bool,
    /// Background jobs run at the same time by this process (JOB_WORKERS).
    pub job_workers: usize,
    /// How much lower than the requests' the CPU priority of the background jobs' threads is
    /// (JOB_NICE, a nice increment 0–19; 0 runs them beside the requests).
    pub job_nice: i32,
    /// Bearer token that /metrics requires (METRICS_TOKEN). Without it, /metrics answers only
    /// loopback clients in development and nobody in production.
    pub metrics_token: Option<SecretString>,
    /// Bearer secret of `POST /api/cron/{job}` and `/api/cron/run-all` (CRON_SECRET, at least
    /// 32 characters), for external schedulers. Unset: those endpoints do not exist.
    pub cron_secret: Option<SecretString>,
    /// Requests slower than this are logged at WARN with their route (SLOW_REQUEST_MS).
    pub slow_request_ms: u64,
    /// TEST_HOOKS: the end-to-end suite's hooks (`http::test_hooks`) are routed. Refused in
    /// production.
    pub test_hooks: bool,
    /// The areas' own sections (billing, analyses, storage, AI, …), registered by the
    /// composition root; this module knows none of their contents.
    pub sections: Sections,
}

/// One area's part of the configuration: it reads its own variables and reports each bad one.
pub trait Section: Any + Send + Sync + fmt::Debug + Clone {
    fn load(get: &dyn Fn(&str) -> Option<String>, errors: &mut Vec<String>) -> Self;

    /// Origins forms of this section's features lead to (CSP form-action), e.g. a payment page.
    fn form_action_origins(&self) -> Vec<String> {
        Vec::new()
    }
}

trait AnySection: Any + Send + Sync + fmt::Debug {
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
    fn boxed_clone(&self) -> Box<dyn AnySection>;
    fn form_action_origins(&self) -> Vec<String>;
}

impl<S: Section> AnySection for S {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
    fn boxed_clone(&self) -> Box<dyn AnySection> {
        Box::new(self.clone())
    }
    fn form_action_origins(&self) -> Vec<String> {
        Section::form_action_origins(self)
    }
}

/// A loaded section, as the loader hands it over.
pub struct Loaded(TypeId, Box<dyn AnySection>);

/// How the composition root names a section to load: `config::loader::<BillingConfig>`.
pub type Loader = fn(&dyn Fn(&str) -> Option<String>, &mut Vec<String>) -> Loaded;

pub fn loader<S: Section>(
    get: &dyn Fn(&str) -> Option<String>,
    errors: &mut Vec<String>,
) -> Loaded {
    Loaded(TypeId::of::<S>(), Box::new(S::load(get, errors)))
}

/// The registered sections, by type.
#[derive(Default)]
pub struct Sections(BTreeMap<TypeId, Box<dyn AnySection>>);

impl Clone for Sections {
    fn clone(&self) -> Self {
        Sections(self.0.iter().map(|(k, v)| (*k, v.boxed_clone())).collect())
    }
}

impl fmt::Debug for Sections {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.values()).finish()
    }
}

impl Config {
    /// An area's section. Sections are registered once, at start, by the composition root; a
    /// missing one is a wiring bug that every test of the area would hit, so it panics with
    /// the section's name.
    pub fn section<S: Section>(&self) -> &S {
        self.sections
            .0
            .get(&TypeId::of::<S>())
            .and_then(|s| s.as_any().downcast_ref())
            .unwrap_or_else(|| not_registered::<S>())
    }

    /// For tests that adjust a section before building the state.
    pub fn section_mut<S: Section>(&mut self) -> &mut S {
        self.sections
            .0
            .get_mut(&TypeId::of::<S>())
            .and_then(|s| s.as_any_mut().downcast_mut())
            .unwrap_or_else(|| not_registered::<S>())
    }
}

fn not_registered<S>() -> ! {
    panic!(
        "configuration section {} is not registered (server::areas::CONFIG_SECTIONS)",
        std::any::type_name::<S>()
    )
}

#[derive(Clone)]
pub struct GoogleConfig {
    pub client_id: String,
    pub client_secret: SecretString,
    /// The OpenID Connect issuer; endpoints come from its discovery document.
    pub issuer: Url,
}

/// ALLOWED_EMAILS (addresses, or `@domain` entries) and ALLOWED_DOMAINS, lower-cased.
#[derive(Clone, Debug, Default)]
pub struct AllowList {
    pub emails: Vec<String>,
    pub domains: Vec<String>,
}

impl AllowList {
    pub fn is_empty(&self) -> bool {
        self.emails.is_empty() && self.domains.is_empty()
    }

    /// Whether a (verified, lower-cased) email may sign in.
    pub fn permits(&self, email: &str) -> bool {
        if self.is_empty() {
            return true;
        }
        let email = email.to_ascii_lowercase();
        let domain = email.rsplit_once('@').map(|(_, d)| d).unwrap_or_default();
        self.emails.contains(&email) || self.domains.iter().any(|d| d == domain)
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("app_env", &self.app_env)
            .field("data_dir", &self.data_dir)
            .field("database_url", &redact_url(&self.database_url))
            .field("site_addr", &self.site_addr)
            .field("public_url", &self.public_url.as_str())
            .field("app_secret_key", &"[redacted]")
            .field("cookie_secure", &self.cookie_secure)
            .field("session_timeout_minutes", &self.session_timeout_minutes)
            .field("session_max_age_days", &self.session_max_age_days)
            .field("log_format", &self.log_format)
            .field("log_level", &self.log_level)
            .field("invitation_ttl_days", &self.invitation_ttl_days)
            .field("sign_in_per_ip", &self.sign_in_per_ip)
            .field("sign_in_per_account", &self.sign_in_per_account)
            .field("trusted_proxies", &self.trusted_proxies)
            .field(
                "google",
                &self
                    .google
                    .as_ref()
                    .map(|g| (g.issuer.as_str(), g.client_id.as_str(), "[redacted]")),
            )
            .field("allowed", &self.allowed)
            .field(
                "smtp_url",
                &self
                    .smtp_url
                    .as_ref()
                    .map(|u| redact_url(u.expose_secret())),
            )
            .field("mail_from", &self.mail_from)
            .field("signup_enabled", &self.signup_enabled)
            .field("sections", &self.sections)
            .field(
                "metrics_token",
                &self.metrics_token.as_ref().map(|_| "[redacted]"),
            )
            .field(
                "cron_secret",
                &self.cron_secret.as_ref().map(|_| "[redacted]"),
            )
            .field(
                "redis_url",
                &self
                    .redis_url
                    .as_ref()
                    .map(|u| redact_url(u.expose_secret())),
            )
            .finish()
    }
}

/// Hides the password of a connection URL so it can be logged.
pub fn redact_url(raw: &str) -> String {
    match Url::parse(raw) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("redacted"));
            url.to_string()
        }
        _ => raw.to_string(),
    }
}

/// One message per variable that could not be used.
#[derive(Debug)]
pub struct ConfigErrors(pub Vec<String>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "invalid configuration:")?;
        for e in &self.0 {
            writeln!(f, "  - {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

const SECRET_FILE: &str = "app_secret_key";

impl Config {
    /// Reads `.env` (if present) and the process environment, with the given sections.
    pub fn from_env(sections: &[Loader]) -> Result<Self, ConfigErrors> {
        let _ = dotenvy::dotenv();
        let vars: BTreeMap<String, String> = std::env::vars().collect();
        Self::from_map_with(&vars, sections)
    }

    /// The core settings alone (no area's section).
    pub fn from_map(vars: &BTreeMap<String, String>) -> Result<Self, ConfigErrors> {
        Self::from_map_with(vars, &[])
    }

    /// Builds the configuration from a map of variables; separate from the process
    /// environment so tests can exercise every rule without touching global state.
    pub fn from_map_with(
        vars: &BTreeMap<String, String>,
        loaders: &[Loader],
    ) -> Result<Self, ConfigErrors> {
        let mut errors = Vec::new();
        let get = |k: &str| {
            vars.get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };

        let app_env = match get("APP_ENV").as_deref() {
            None | Some("development") | Some("dev") => AppEnv::Development,
            Some("production") | Some("prod") => AppEnv::Production,
            Some(other) => {
                errors.push(format!(
                    "APP_ENV: expected `development` or `production`, got `{other}`"
                ));
                AppEnv::Development
            }
        };

        let data_dir = PathBuf::from(get("DATA_DIR").unwrap_or_else(|| "./data".into()));

        let database_url = match get("DATABASE_URL") {
            Some(url)
                if url.starts_with("sqlite:")
                    || url.starts_with("postgres://")
                    || url.starts_with("postgresql://") =>
            {
                url
            }
            Some(other) => {
                errors.push(format!(
                    "DATABASE_URL: expected a `sqlite:` or `postgres://` URL, got `{}`",
                    redact_url(&other)
                ));
                String::new()
            }
            None => format!("sqlite://{}", data_dir.join("switchyard.db").display()),
        };

        let site_addr = match get("LEPTOS_SITE_ADDR")
            .unwrap_or_else(|| "127.0.0.1:3000".into())
            .parse::<SocketAddr>()
        {
            Ok(a) => a,
            Err(e) => {
                errors.push(format!(
                    "LEPTOS_SITE_ADDR: expected host:port such as 127.0.0.1:3000 ({e})"
                ));
                SocketAddr::from(([127, 0, 0, 1], 3000))
            }
        };

        let public_url = match get("PUBLIC_URL") {
            Some(raw) => match Url::parse(&raw) {
                Ok(u) if (u.scheme() == "http" || u.scheme() == "https") && u.host().is_some() => u,
                Ok(_) => {
                    errors.push(format!(
                        "PUBLIC_URL: expected an http(s) origin such as https://ops.example.com, got `{raw}`"
                    ));
                    default_public_url(site_addr)
                }
                Err(e) => {
                    errors.push(format!("PUBLIC_URL: not a URL ({e})"));
                    default_public_url(site_addr)
                }
            },
            None => default_public_url(site_addr),
        };

        let app_secret_key = match get("APP_SECRET_KEY") {
            Some(k) if k.len() >= 32 => Some(SecretString::from(k)),
            Some(_) => {
                errors.push(
                    "APP_SECRET_KEY: must be at least 32 characters (e.g. `openssl rand -hex 32`)"
                        .into(),
                );
                None
            }
            None if app_env == AppEnv::Production => {
                errors.push(
                    "APP_SECRET_KEY: required when APP_ENV=production (e.g. `openssl rand -hex 32`)"
                        .into(),
                );
                None
            }
            // Development: generated once and kept under DATA_DIR (see `ensure_dev_secret`).
            None => None,
        };

        let loopback_http = public_url.scheme() == "http"
            && match public_url.host() {
                Some(url::Host::Domain(d)) => d == "localhost",
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                None => false,
            };
        let cookie_secure = match get("COOKIE_SECURE").as_deref() {
            None => !loopback_http,
            Some(v) => match parse_bool(v) {
                Some(b) => b,
                None => {
                    errors.push(format!("COOKIE_SECURE: expected true or false, got `{v}`"));
                    true
                }
            },
        };

        let session_timeout_minutes = match get("SESSION_TIMEOUT_MINUTES") {
            None => 30,
            Some(v) => match v.parse::<i64>() {
                Ok(n) if (1..=7 * 24 * 60).contains(&n) => n,
                _ => {
                    errors.push(format!(
                        "SESSION_TIMEOUT_MINUTES: expected a whole number of minutes between 1 and 10080, got `{v}`"
                    ));
                    30
                }
            },
        };

        let session_max_age_days = match get("SESSION_MAX_AGE_DAYS") {
            None => 7,
            Some(v) => match v.parse::<i64>() {
                Ok(n) if (1..=365).contains(&n) => n,
                _ => {
                    errors.push(format!(
                        "SESSION_MAX_AGE_DAYS: expected a whole number of days between 1 and 365, got `{v}`"
                    ));
                    7
                }
            },
        };

        let log_format = match get("LOG_FORMAT").as_deref() {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => {
                errors.push(format!(
                    "LOG_FORMAT: expected `json` or `pretty`, got `{other}`"
                ));
                LogFormat::Pretty
            }
        };

        let log_level = get("LOG_LEVEL").unwrap_or_else(|| "info".into());
        if tracing_subscriber::EnvFilter::try_new(&log_level).is_err() {
            errors.push(format!(
                "LOG_LEVEL: expected a level (error, warn, info, debug, trace) or a filter such as `info,server=debug`, got `{log_level}`"
            ));
        }

        let redis_url = match get("REDIS_URL") {
            Some(u) if u.starts_with("redis://") || u.starts_with("rediss://") => {
                Some(SecretString::from(u))
            }
            Some(_) => {
                errors.push("REDIS_URL: expected a redis:// or rediss:// URL".into());
                None
            }
            None => None,
        };

        let redis_prefix = get("REDIS_KEY_PREFIX").unwrap_or_else(|| "switchyard:".into());

        let job_workers = number(&get, "JOB_WORKERS", 1, 32, &mut errors).map_or(2, |n| n as usize);
        let job_nice = number(&get, "JOB_NICE", 0, 19, &mut errors).map_or(10, |n| n as i32);
        let metrics_token = match get("METRICS_TOKEN") {
            Some(t) if t.len() >= 16 => Some(SecretString::from(t)),
            Some(_) => {
                errors.push("METRICS_TOKEN: must be at least 16 characters".into());
                None
            }
            None => None,
        };
        let cron_secret = match get("CRON_SECRET") {
            Some(t) if t.len() >= 32 => Some(SecretString::from(t)),
            Some(_) => {
                errors.push("CRON_SECRET: must be at least 32 characters".into());
                None
            }
            None => None,
        };
        let slow_request_ms = match get("SLOW_REQUEST_MS") {
            None => 1000,
            Some(v) => match v.parse::<u64>() {
                Ok(n) if (1..=600_000).contains(&n) => n,
                _ => {
                    errors.push(format!(
                        "SLOW_REQUEST_MS: expected a whole number of milliseconds from 1 to 600000, got `{v}`"
                    ));
                    1000
                }
            },
        };
        let invitation_ttl_days = match get("INVITATION_TTL_DAYS") {
            None => 7,
            Some(v) => match v.parse::<i64>() {
                Ok(n) if (1..=90).contains(&n) => n,
                _ => {
                    errors.push(format!(
                        "INVITATION_TTL_DAYS: expected a whole number of days between 1 and 90, got `{v}`"
                    ));
                    7
                }
            },
        };

        let mut per_minute = |var: &str, default: u32| match get(var) {
            None => default,
            Some(v) => match v.parse::<u32>() {
                Ok(n) if (1..=10_000).contains(&n) => n,
                _ => {
                    errors.push(format!(
                        "{var}: expected a whole number of attempts per minute between 1 and 10000, got `{v}`"
                    ));
                    default
                }
            },
        };
        let sign_in_per_ip = per_minute("RATE_LIMIT_SIGN_IN_PER_IP", 20);
        let sign_in_per_account = per_minute("RATE_LIMIT_SIGN_IN_PER_ACCOUNT", 5);

        let mut trusted_proxies = Vec::new();
        for item in get("TRUSTED_PROXIES")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            match item
                .parse::<ipnet::IpNet>()
                .or_else(|_| item.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
            {
                Ok(net) => trusted_proxies.push(net),
                Err(_) => errors.push(format!(
                    "TRUSTED_PROXIES: `{item}` is not an IP address or CIDR range such as 10.0.0.0/8"
                )),
            }
        }

        let google = match (get("GOOGLE_CLIENT_ID"), get("GOOGLE_CLIENT_SECRET")) {
            (None, None) => None,
            (Some(client_id), Some(secret)) => {
                let raw =
                    get("GOOGLE_ISSUER").unwrap_or_else(|| "https://accounts.google.com".into());
                match Url::parse(&raw) {
                    Ok(issuer) if matches!(issuer.scheme(), "http" | "https") => {
                        Some(GoogleConfig {
                            client_id,
                            client_secret: SecretString::from(secret),
                            issuer,
                        })
                    }
                    _ => {
                        errors.push(format!(
                            "GOOGLE_ISSUER: expected an http(s) URL such as https://accounts.google.com, got `{raw}`"
                        ));
                        None
                    }
                }
            }
            (Some(_), None) => {
                errors.push("GOOGLE_CLIENT_SECRET: required when GOOGLE_CLIENT_ID is set".into());
                None
            }
            (None, Some(_)) => {
                errors.push("GOOGLE_CLIENT_ID: required when GOOGLE_CLIENT_SECRET is set".into());
                None
            }
        };

        let mut allowed = AllowList::default();
        let list = |var: &str| {
            get(var)
                .unwrap_or_default()
                .split(',')
                .map(|s| s.trim().to_ascii_lowercase())
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
        };
        for item in list("ALLOWED_EMAILS") {
            match item.strip_prefix("*@").or_else(|| item.strip_prefix('@')) {
                Some(domain) if domain.contains('.') => allowed.domains.push(domain.to_string()),
                None if crate::email::Email::parse(&item).is_ok() => allowed.emails.push(item),
                _ => errors.push(format!(
                    "ALLOWED_EMAILS: `{item}` is neither an email address nor an @domain entry"
                )),
            }
        }
        for item in list("ALLOWED_DOMAINS") {
            let domain = item.trim_start_matches('@').to_string();
            if domain.contains('.') && !domain.contains('@') {
                allowed.domains.push(domain);
            } else {
                errors.push(format!(
                    "ALLOWED_DOMAINS: `{item}` is not a domain such as example.com"
                ));
            }
        }

        let smtp_url = match get("SMTP_URL") {
            Some(u)
                if (u.starts_with("smtp://") || u.starts_with("smtps://"))
                    && Url::parse(&u).is_ok() =>
            {
                Some(SecretString::from(u))
            }
            Some(_) => {
                errors.push(
                    "SMTP_URL: expected smtp://user:password@host:587?tls=required or smtps://user:password@host:465"
                        .into(),
                );
                None
            }
            None => None,
        };
        let signup_enabled = match get("SIGNUP_ENABLED").as_deref() {
            None => false,
            Some(v) => parse_bool(v).unwrap_or_else(|| {
                errors.push(format!("SIGNUP_ENABLED: expected true or false, got `{v}`"));
                false
            }),
        };
        let mail_from = get("MAIL_FROM").unwrap_or_else(|| {
            format!(
                "Switchyard <noreply@{}>",
                public_url.host_str().unwrap_or("localhost")
            )
        });
        if mail_from.parse::<lettre::message::Mailbox>().is_err() {
            errors.push(format!(
                "MAIL_FROM: expected an address such as `Switchyard <ops@example.com>`, got `{mail_from}`"
            ));
        }

        let test_hooks = match get("TEST_HOOKS").as_deref() {
            None => false,
            Some(v) => match parse_bool(v) {
                Some(true) if app_env == AppEnv::Production => {
                    errors.push(
                        "TEST_HOOKS: the end-to-end suite's hooks move the clock; never with APP_ENV=production"
                            .into(),
                    );
                    false
                }
                Some(on) => on,
                None => {
                    errors.push(format!("TEST_HOOKS: expected true or false, got `{v}`"));
                    false
                }
            },
        };

        let mut sections = Sections::default();
        for load in loaders {
            let Loaded(id, section) = load(&get, &mut errors);
            sections.0.insert(id, section);
        }

        if !errors.is_empty() {
            return Err(ConfigErrors(errors));
        }
        Ok(Config {
            app_env,
            data_dir,
            database_url,
            site_addr,
            public_url,
            app_secret_key: app_secret_key.unwrap_or_else(|| SecretString::from(String::new())),
            cookie_secure,
            session_timeout_minutes,
            session_max_age_days,
            log_format,
            log_level,
            redis_url,
            redis_prefix,
            invitation_ttl_days,
            sign_in_per_ip,
            sign_in_per_account,
            trusted_proxies,
            google,
            allowed,
            smtp_url,
            mail_from,
            signup_enabled,
            sections,
            test_hooks,
            slow_request_ms,
            metrics_token,
            cron_secret,
            job_workers,
            job_nice,
        })
    }

    /// In development, an unset APP_SECRET_KEY is generated once and kept in DATA_DIR so
    /// sessions and encrypted values survive restarts. Production refuses to start without one
    /// (checked in `from_map`).
    pub fn ensure_dev_secret(&mut self) -> std::io::Result<()> {
        if !self.app_secret_key.expose_secret().is_empty() {
            return Ok(());
        }
        std::fs::create_dir_all(&self.data_dir)?;
        let path = self.data_dir.join(SECRET_FILE);
        let key = match std::fs::read_to_string(&path) {
            Ok(k) if k.trim().len() >= 32 => k.trim().to_string(),
            _ => {
                use rand::RngCore;
                let mut bytes = [0u8; 32];
                rand::rngs::OsRng.fill_bytes(&mut bytes);
                let key = hex::encode(bytes);
                write_private(&path, &key)?;
                key
            }
        };
        self.app_secret_key = SecretString::from(key);
        Ok(())
    }

    /// Where forms may lead (CSP form-action, which Chrome also applies to the redirects a
    /// form's answer makes): this site, Google's sign-in, and what sections add (Stripe's
    /// payment page).
    pub fn form_action_sources(&self) -> String {
        let mut sources = vec!["'self'".to_string()];
        if let Some(g) = &self.google {
            sources.push(g.issuer.origin().ascii_serialization());
        }
        for s in self.sections.0.values() {
            sources.extend(s.form_action_origins());
        }
        sources.join(" ")
    }

    /// The origin (scheme://host[:port]) browsers send in `Origin` for this site.
    pub fn public_origin(&self) -> String {
        self.public_url.origin().ascii_serialization()
    }
}

fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(path)?;
        f.write_all(contents.as_bytes())
    }
    #[cfg(not(unix))]
    {
        std::fs::write(path, contents)
    }
}

/// For sections: a whole-number variable within bounds. A bad value is reported (one line
/// naming the variable and the range) and ignored, so the section keeps its default.
pub fn number(
    get: &dyn Fn(&str) -> Option<String>,
    var: &str,
    min: u64,
    max: u64,
    errors: &mut Vec<String>,
) -> Option<u64> {
    let raw = get(var)?;
    match raw.parse::<u64>() {
        Ok(v) if (min..=max).contains(&v) => Some(v),
        _ => {
            errors.push(format!(
                "{var}: expected a whole number from {min} to {max}, got `{raw}`"
            ));
            None
        }
    }
}

/// For sections: an http(s) URL variable, or the default (a bad value is reported).
pub fn http_url(
    get: &dyn Fn(&str) -> Option<String>,
    var: &str,
    default: &Url,
    errors: &mut Vec<String>,
) -> Url {
    match get(var) {
        None => default.clone(),
        Some(raw) => match Url::parse(&raw) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => u,
            _ => {
                errors.push(format!("{var}: expected an http(s) URL, got `{raw}`"));
                default.clone()
            }
        },
    }
}

fn default_public_url(addr: SocketAddr) -> Url {
    let host = if addr.ip().is_unspecified() || addr.ip().is_loopback() {
        "localhost".to_string()
    } else {
        addr.ip().to_string()
    };
    Url::parse(&format!("http://{host}:{}", addr.port())).expect("valid default URL")
}

fn parse_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_are_a_local_sqlite_development_setup() {
        let c = Config::from_map(&map(&[])).unwrap();
        assert_eq!(c.app_env, AppEnv::Development);
        assert_eq!(c.database_url, "sqlite://./data/switchyard.db");
        assert_eq!(c.site_addr.to_string(), "127.0.0.1:3000");
        assert_eq!(c.public_origin(), "http://localhost:3000");
        assert!(
            !c.cookie_secure,
            "plain-http loopback cannot use Secure cookies"
        );
        assert_eq!(c.session_timeout_minutes, 30);
        assert_eq!(c.job_nice, 10);
    }

    #[test]
    fn every_bad_variable_gets_its_own_message() {
        let err = Config::from_map(&map(&[
            ("DATABASE_URL", "mysql://x"),
            ("LEPTOS_SITE_ADDR", "nope"),
            ("SESSION_TIMEOUT_MINUTES", "0"),
            ("LOG_FORMAT", "xml"),
            ("COOKIE_SECURE", "maybe"),
            ("APP_ENV", "production"),
            ("JOB_NICE", "-5"),
        ]))
        .unwrap_err();
        let text = err.to_string();
        for var in [
            "DATABASE_URL",
            "LEPTOS_SITE_ADDR",
            "SESSION_TIMEOUT_MINUTES",
            "LOG_FORMAT",
            "COOKIE_SECURE",
            "APP_SECRET_KEY",
            "JOB_NICE",
        ] {
            assert!(text.contains(var), "{var} missing from: {text}");
        }
        assert_eq!(err.0.len(), 7);
    }

    #[test]
    fn https_public_url_makes_cookies_secure_and_debug_hides_secrets() {
        let c = Config::from_map(&map(&[
            ("PUBLIC_URL", "https://ops.example.com"),
            (
                "APP_SECRET_KEY",
                "0123456789abcdef0123456789abcdef-very-secret",
            ),
            ("DATABASE_URL", "postgres://app:hunter2@db/switchyard"),
        ]))
        .unwrap();
        assert!(c.cookie_secure);
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("very-secret"));
        assert!(!dbg.contains("hunter2"));
    }

    #[test]
    fn google_needs_both_halves_and_allow_lists_are_checked() {
        let err = Config::from_map(&map(&[
            ("GOOGLE_CLIENT_ID", "id"),
            ("ALLOWED_EMAILS", "ada@example.com, nonsense"),
            ("ALLOWED_DOMAINS", "a@b"),
        ]))
        .unwrap_err()
        .to_string();
        assert!(err.contains("GOOGLE_CLIENT_SECRET"), "{err}");
        assert!(err.contains("`nonsense`"), "{err}");
        assert!(err.contains("ALLOWED_DOMAINS"), "{err}");

        let c = Config::from_map(&map(&[
            ("GOOGLE_CLIENT_ID", "id"),
            ("GOOGLE_CLIENT_SECRET", "shh-secret"),
            ("ALLOWED_EMAILS", "Ada@Example.com, @partner.io"),
            ("ALLOWED_DOMAINS", "acme.test"),
        ]))
        .unwrap();
        let g = c.google.as_ref().unwrap();
        assert_eq!(g.issuer.as_str(), "https://accounts.google.com/");
        assert_eq!(
            c.form_action_sources(),
            "'self' https://accounts.google.com"
        );
        assert!(!format!("{c:?}").contains("shh-secret"));
        assert!(c.allowed.permits("ada@example.com"));
        assert!(c.allowed.permits("bob@partner.io"));
        assert!(c.allowed.permits("cy@acme.test"));
        assert!(!c.allowed.permits("eve@example.com"));
        assert!(!c.allowed.permits("eve@sub.acme.test"));
        assert!(Config::from_map(&map(&[]))
            .unwrap()
            .allowed
            .permits("anyone@x.io"));
    }

    #[test]
    fn dev_secret_is_generated_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let vars = map(&[("DATA_DIR", dir.path().to_str().unwrap())]);
        let mut a = Config::from_map(&vars).unwrap();
        a.ensure_dev_secret().unwrap();
        let mut b = Config::from_map(&vars).unwrap();
        b.ensure_dev_secret().unwrap();
        assert_eq!(a.app_secret_key.expose_secret().len(), 64);
        assert_eq!(
            a.app_secret_key.expose_secret(),
            b.app_secret_key.expose_secret()
        );
    }
}
