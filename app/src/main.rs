//! The `switchyard` server binary: the composition root.

use std::{net::SocketAddr, process::ExitCode, time::Instant};

use server::{config::Config, jobs, telemetry, AppState, Db};

fn main() -> ExitCode {
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
    let db = Db::connect(&config.database_url)
        .await
        .with_context(|| format!("cannot open the database {redacted}"))?;
    db.migrate().await.context("database migrations failed")?;

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
