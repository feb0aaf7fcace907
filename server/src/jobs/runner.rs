//! The worker loop and the periodic scheduler (which only enqueues).

use std::time::Duration;

use chrono::Utc;
use tokio_util::sync::CancellationToken;

use super::{backoff, queue, JobContext, NewJob, Registry};
use crate::error::Result;

const POLL: Duration = Duration::from_millis(500);

/// The stack of the jobs' threads: 8 MiB, as the requests' runtime has (unoptimised builds
/// nest large futures deeper than tokio's default 2 MiB: an analysis overflowed it).
const JOB_THREAD_STACK: usize = 8 << 20;

pub struct RunnerHandle {
    cancel: CancellationToken,
    stopped: tokio::sync::oneshot::Receiver<()>,
}

impl RunnerHandle {
    /// Stops claiming new jobs, lets the current one finish, and waits.
    pub async fn shutdown(self) {
        self.cancel.cancel();
        let _ = self.stopped.await;
    }
}

/// Starts JOB_WORKERS workers (the first also runs the scheduler) on a runtime of their own,
/// whose threads (and the threads they start: SQLite's connections, blocking work) run `nice`
/// steps below the requests' CPU priority, so a backlog of jobs never slows the answer to a
/// request (a webhook's acknowledgement above all). `context` is called on that runtime: the
/// pools it opens belong to it. The runtime ends when the workers do.
pub fn spawn_runner(
    context: impl FnOnce() -> JobContext + Send + 'static,
    registry: Registry,
    nice: i32,
) -> std::io::Result<RunnerHandle> {
    let cancel = CancellationToken::new();
    let (done, stopped) = tokio::sync::oneshot::channel();
    let token = cancel.clone();
    let workers = std::thread::Builder::new()
        .name("jobs".into())
        .stack_size(JOB_THREAD_STACK)
        .spawn(move || {
            lower_priority(nice);
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("jobs-worker")
                .thread_stack_size(JOB_THREAD_STACK)
                .enable_all()
                .build();
            match runtime {
                Ok(rt) => {
                    // The context opens pools, which need the runtime: built inside it.
                    let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        rt.block_on(async move { run_workers(context(), registry, token).await })
                    }));
                    if ran.is_err() {
                        tracing::error!("the background jobs stopped: their runner panicked");
                    }
                    rt.shutdown_timeout(Duration::from_secs(5));
                }
                Err(e) => tracing::error!(error = %e, "could not start the jobs' runtime"),
            }
            let _ = done.send(());
        })?;
    drop(workers);
    Ok(RunnerHandle { cancel, stopped })
}

/// Lowers the calling thread's CPU priority by `nice` steps; the threads it starts inherit it.
/// On Linux the nice value belongs to each thread, so the requests' threads keep theirs.
fn lower_priority(nice: i32) {
    if nice <= 0 {
        return;
    }
    #[cfg(target_os = "linux")]
    {
        // SAFETY: plain system calls on the calling thread's own id; no memory is shared.
        let done = unsafe {
            let tid = libc::gettid();
            let now = libc::getpriority(libc::PRIO_PROCESS, tid as libc::id_t);
            libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, (now + nice).min(19))
        };
        if done != 0 {
            tracing::warn!(error = %std::io::Error::last_os_error(), "could not lower the jobs' CPU priority");
        }
    }
}

async fn run_workers(ctx: JobContext, registry: Registry, token: CancellationToken) {
    let workers = ctx.config.job_workers.max(1);
    let mut set = tokio::task::JoinSet::new();
    for n in 0..workers {
        set.spawn(worker_loop(
            ctx.clone(),
            registry.clone(),
            token.clone(),
            n == 0,
        ));
    }
    while set.join_next().await.is_some() {}
    tracing::info!("job runner stopped");
}

/// One worker: claims and runs due jobs until cancelled (finishing the job in hand).
async fn worker_loop(
    ctx: JobContext,
    registry: Registry,
    token: CancellationToken,
    schedules: bool,
) {
    let worker = format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple());
    let mut last_schedule = None;
    loop {
        if token.is_cancelled() {
            break;
        }
        let minute = Utc::now().timestamp() / 60;
        if schedules && last_schedule != Some(minute) {
            if let Err(e) = enqueue_scheduled(&ctx, &registry).await {
                tracing::warn!(error = %e, "could not enqueue scheduled jobs");
            }
            last_schedule = Some(minute);
        }
        let ran = match run_one(&ctx, &registry, &worker).await {
            Ok(ran) => ran,
            Err(e) => {
                tracing::warn!(error = %e, "job queue unavailable");
                false
            }
        };
        if !ran {
            tokio::select! {
                _ = token.cancelled() => break,
                _ = tokio::time::sleep(POLL) => {}
            }
        }
    }
}

/// Enqueues the current interval slot of every periodic job; the dedupe key makes each slot
/// run once however many processes schedule it.
async fn enqueue_scheduled(ctx: &JobContext, registry: &Registry) -> Result<()> {
    let now = Utc::now();
    for (kind, every) in registry.schedule() {
        let slot = super::slot_of(now, every);
        queue::enqueue(
            &ctx.db,
            NewJob {
                kind,
                payload: serde_json::json!({}),
                run_at: now,
                max_attempts: 3,
                dedupe_key: Some(super::slot_key(kind, slot)),
            },
        )
        .await?;
    }
    Ok(())
}

/// Claims and runs one due job; false when none was due.
async fn run_one(ctx: &JobContext, registry: &Registry, worker: &str) -> Result<bool> {
    let now = Utc::now();
    let lease = registry.longest_lease();
    let Some(job) = queue::claim(&ctx.db, worker, now, now + lease).await? else {
        return Ok(false);
    };
    let span = tracing::info_span!("job", id = job.id, kind = %job.kind, attempt = job.attempts);
    let outcome = match registry.get(&job.kind) {
        Some(handler) => {
            let ctx = ctx.clone();
            let payload = job.payload.0.clone();
            // Its own task, so a panicking job fails like an error instead of killing the worker.
            match tokio::spawn(async move { handler.run(&ctx, payload).await }).await {
                Ok(r) => r,
                Err(e) => Err(anyhow::anyhow!("job panicked: {e}")),
            }
        }
        None => Err(anyhow::anyhow!("no handler for job kind `{}`", job.kind)),
    };
    match outcome {
        Ok(()) => {
            queue::complete(&ctx.db, job.id, worker).await?;
            metrics::counter!("jobs_completed_total", "kind" => job.kind.clone()).increment(1);
            tracing::info!(parent: &span, "job done");
        }
        Err(e) if e.downcast_ref::<super::Defer>().is_some() => {
            let wait = e
                .downcast_ref::<super::Defer>()
                .map(|d| d.0)
                .unwrap_or_default();
            let at = Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
            queue::defer(&ctx.db, job.id, worker, at).await?;
            tracing::debug!(parent: &span, ?wait, "job deferred");
        }
        Err(e) => {
            let retry_at =
                (job.attempts < job.max_attempts).then(|| Utc::now() + backoff(job.attempts));
            queue::fail(&ctx.db, job.id, worker, &format!("{e:#}"), retry_at).await?;
            metrics::counter!("jobs_failed_total", "kind" => job.kind.clone()).increment(1);
            if retry_at.is_some() {
                tracing::warn!(parent: &span, error = %format!("{e:#}"), "job failed, will retry");
            } else {
                tracing::error!(parent: &span, error = %format!("{e:#}"), "job failed for the last time");
            }
        }
    }
    Ok(true)
}

/// Test helper: runs due jobs until none is left, without sleeping; returns how many ran.
pub async fn run_until_empty(ctx: &JobContext, registry: &Registry) -> Result<usize> {
    let worker = format!("test-{}", uuid::Uuid::new_v4().simple());
    let mut n = 0;
    while run_one(ctx, registry, &worker).await? {
        n += 1;
    }
    Ok(n)
}
