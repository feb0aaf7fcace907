//! The `switchyard` server binary: the composition root.

use std::{net::SocketAddr, process::ExitCode, time::Instant};

use server::{config::Config, jobs, telemetry, AppState, Db};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc (v3) keeps freed pages for a second and commits its arenas eagerly: after a load
/// the RSS stayed 40–60 MB above glibc's. Freed pages go back at once and arenas are committed
/// as used (measured: the dashboard's RSS after load 114 → 67 MB, requests/s unchanged). The
/// options' numbers are mimalloc v3's (`mi_option_e` in its mimalloc.h).
fn tune_allocator() {
    const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: plain setters of mimalloc's global options, called before any other thread runs.
    unsafe {
        libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set(PURGE_DELAY, 0);
    }
}

fn main() -> ExitCode {
    tune_allocator();
    // Unoptimised builds (the browser tests run one) nest large futures, with their tracing
    // spans, deeper than tokio's default 2 MiB thread stacks: every runtime thread gets 8 MiB
    // (address space, touched only when used).
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(8 << 20)
        .build()
    {
        Ok(runtime) => runtime.block_on(start()),
        Err(e) => {
            eprintln!("switchyard: cannot start the async runtime: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn start() -> ExitCode {
    let started = Instant::now();
    let mut config = match server::areas::config_from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("switchyard: {e}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = config.ensure_dev_secret() {
        eprintln!(
            "switchyard: cannot keep the development APP_SECRET_KEY under {}: {e}",
            config.data_dir.display()
        );
        return ExitCode::from(2);
    }
    telemetry::init_tracing(&config);
    match run(config, started).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "switchyard stopped");
            eprintln!("switchyard: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: Config, started: Instant) -> anyhow::Result<()> {
    use anyhow::Context;
    let redacted = server::config::redact_url(&config.database_url);
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Before connecting: a restore goes into an empty database, which migrating would fill.
    if args.first().map(String::as_str) == Some("restore") {
        return restore(&config, &args[1..]).await;
    }
    let db = Db::connect(&config.database_url)
        .await
        .with_context(|| format!("cannot open the database {redacted}"))?;
    db.migrate().await.context("database migrations failed")?;
    match args.first().map(String::as_str) {
        Some("backup") => return backup(&config, &db).await,
        Some("backups") => return list_backups(&db).await,
        Some("rollups") => return rollups(&db, args.iter().any(|a| a == "--repair")).await,
        Some("seed") => return seed(&db, &args[1..]).await,
        Some("api-key") => return api_key(&db, &args[1..]).await,
        _ => {}
    }

    let addr = config.site_addr;
    let state = AppState::new(config, db.clone());
    let router = app::serve::router(state.clone(), app::serve::leptos_options(addr));
    let jobs_state = state.clone();
    let runner = jobs::spawn_runner(
        move || jobs_state.job_context(),
        server::areas::jobs(),
        state.config.job_nice,
    )
    .context("cannot start the background jobs")?;

    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    tracing::info!(
        %addr,
        public_url = %state.config.public_url,
        database = ?db.backend(),
        startup_ms = started.elapsed().as_millis() as u64,
        "switchyard is listening"
    );
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    tracing::info!("draining background jobs");
    runner.shutdown().await;
    db.close().await;
    tracing::info!("stopped cleanly");
    Ok(())
}

/// Resolves on SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutdown signal received");
}

fn file_store(config: &Config) -> server::storage::Storage {
    use server::storage::{Storage, StorageConfig};
    Storage::from_config(config.section::<StorageConfig>(), &config.data_dir)
}

/// `switchyard backup`: takes a backup now (as the daily job does) and applies the retention.
async fn backup(config: &Config, db: &Db) -> anyhow::Result<()> {
    use server::platform::backups::{self, BackupConfig};
    let storage = file_store(config);
    let b = backups::take(db, &config.database_url, &storage).await?;
    let pruned = backups::prune(db, &storage, config.section::<BackupConfig>()).await?;
    println!(
        "backup: {} ({} bytes, {} store); {pruned} old backups deleted",
        b.key,
        b.bytes.unwrap_or_default(),
        storage.kind
    );
    Ok(())
}

/// `switchyard backups`: the last backups, newest first.
async fn list_backups(db: &Db) -> anyhow::Result<()> {
    for b in server::platform::backups::list(db, 100).await? {
        let state = b.state(|n| format!("{n} bytes"));
        println!(
            "{}  {}  {state}",
            b.started_at.format("%Y-%m-%d %H:%M:%S UTC"),
            b.key
        );
    }
    Ok(())
}

/// `switchyard restore <key> [--into URL]`: puts a backup from the file store into an empty
/// database (DATABASE_URL unless `--into` names another); start Switchyard on it afterwards.
async fn restore(config: &Config, args: &[String]) -> anyhow::Result<()> {
    let (key, into) = match args {
        [key] => (key, config.database_url.clone()),
        [key, flag, url] if flag == "--into" => (key, url.clone()),
        _ => anyhow::bail!(
            "restore: expected `restore <key> [--into DATABASE_URL]` (keys: `switchyard backups`)"
        ),
    };
    let storage = file_store(config);
    server::platform::backups::restore(&storage, key, &into).await?;
    println!(
        "restore: {key} is now in {}; start Switchyard on it",
        server::config::redact_url(&into)
    );
    Ok(())
}

/// `switchyard rollups [--repair]`: compares every company's dashboard rollups with their
/// recomputation from the source rows and prints each difference; with `--repair`, rewrites
/// those that differ. Without it, a difference is a failure (exit 1), for a check in cron.
async fn rollups(db: &Db, repair: bool) -> anyhow::Result<()> {
    let mut found = 0usize;
    let companies = server::dashboard::rollups::companies(db).await?;
    for id in &companies {
        for d in server::dashboard::rollups::check(db, *id, repair).await? {
            println!("{d}");
            found += 1;
        }
    }
    match (found, repair) {
        (0, _) => println!(
            "rollups: {} companies checked, no difference",
            companies.len()
        ),
        (n, true) => println!("rollups: {n} differences found and repaired"),
        (n, false) => {
            anyhow::bail!("{n} rollup rows differ from their sources (run with --repair)")
        }
    }
    Ok(())
}

/// `switchyard seed --company NAME --email E --password P [--name N] [--timezone TZ]
/// [--stores 5] [--orders 1000000] [--days 90] [--campaigns 200] [--analyses 10000] [--seed 1]`:
/// signs up a company (first-run setup must be done) and fills it with synthetic figures for
/// the bench and the browser tests. Defaults are the bench's: a million orders.
async fn seed(db: &Db, args: &[String]) -> anyhow::Result<()> {
    use server::dashboard::seed;
    let opts = options("seed", args)?;
    let text = |k: &str| opts.get(k).cloned();
    let number = |k: &str, default: i64| -> anyhow::Result<i64> {
        opts.get(k)
            .map(|v| {
                v.parse::<i64>()
                    .map_err(|_| anyhow::anyhow!("seed: --{k} takes a number"))
            })
            .unwrap_or(Ok(default))
    };
    let b = seed::BENCH;
    let spec = seed::Spec {
        stores: number("stores", b.stores as i64)?.clamp(1, 50) as usize,
        orders: number("orders", b.orders as i64)?.max(0) as usize,
        days: number("days", b.days)?.clamp(1, 730),
        campaigns: number("campaigns", b.campaigns as i64)?.max(0) as usize,
        analyses: number("analyses", b.analyses as i64)?.max(0) as usize,
    };
    let (Some(company), Some(email), Some(password)) =
        (text("company"), text("email"), text("password"))
    else {
        anyhow::bail!("seed: --company, --email and --password are required");
    };
    let timezone = text("timezone").unwrap_or_else(|| "Europe/Bucharest".into());
    let owner = server::identity::sign_up(
        db,
        server::identity::SetupInput {
            company_name: company,
            timezone: timezone.clone(),
            name: text("name").unwrap_or_else(|| "Seed Owner".into()),
            email,
            password: password.clone(),
            password_confirm: password,
        },
        &server::access::RequestMeta::default(),
    )
    .await
    .map_err(|e| anyhow::anyhow!("seed: {}", e.public_message()))?;
    let started = Instant::now();
    seed::company(
        db,
        owner.company_id,
        &timezone,
        spec,
        chrono::Utc::now(),
        number("seed", 1)? as u64,
        |n| {
            if n % 100_000 == 0 || n == spec.orders {
                eprintln!("seed: {n} orders");
            }
        },
    )
    .await?;
    println!(
        "seed: company {} with {} stores, {} orders over {} days, {} campaigns, {} analyses in {:.1} s",
        owner.company_id,
        spec.stores,
        spec.orders,
        spec.days,
        spec.campaigns,
        spec.analyses,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// A command's `--option value` pairs.
fn options(
    command: &str,
    args: &[String],
) -> anyhow::Result<std::collections::HashMap<String, String>> {
    let mut opts = std::collections::HashMap::new();
    for pair in args.chunks(2) {
        match pair {
            [k, v] if k.starts_with("--") => {
                opts.insert(k.trim_start_matches("--").to_string(), v.clone());
            }
            _ => anyhow::bail!("{command}: expected --option value pairs, got {pair:?}"),
        }
    }
    Ok(opts)
}

/// `switchyard api-key --email <member> --scopes "orders.read billing.read" [--name <name>]
/// [--store <store id>] [--expires <YYYY-MM-DD>]`: makes a company API key for the member (who
/// must hold settings.manage) in their first company, audited, and prints it once.
async fn api_key(db: &Db, args: &[String]) -> anyhow::Result<()> {
    let opts = options("api-key", args)?;
    let Some(email) = opts.get("email") else {
        anyhow::bail!("api-key: --email and --scopes are required");
    };
    let expires_on = opts
        .get("expires")
        .map(|d| {
            chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| anyhow::anyhow!("api-key: --expires takes a day like 2027-06-30"))
        })
        .transpose()?;
    let new = server::api::keys::NewKey {
        name: opts
            .get("name")
            .cloned()
            .unwrap_or_else(|| "Command line".into()),
        scopes: opts
            .get("scopes")
            .map(|s| s.split([' ', ',']).map(str::to_string).collect())
            .unwrap_or_default(),
        store: opts.get("store").cloned(),
        expires_on,
    };
    let meta = server::access::RequestMeta {
        ip: None,
        user_agent: Some("switchyard api-key (command line)".into()),
    };
    let created = server::api::keys::create_for_member(db, email, &meta, &new)
        .await
        .map_err(|e| match e.field() {
            Some(f) => anyhow::anyhow!("api-key: --{f}: {}", e.public_message()),
            None => anyhow::anyhow!("api-key: {}", e.public_message()),
        })?;
    println!("{}", created.reveal());
    eprintln!(
        "api-key: {} made; it is shown only this once",
        created.prefix
    );
    Ok(())
}
