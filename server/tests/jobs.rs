//! The durable job queue: retries with backoff, dead jobs, leases, exclusive claims.

mod common;

use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc,
};

use async_trait::async_trait;
use chrono::Utc;
use common::*;
use server::jobs::{self, Job, JobContext, NewJob, Registry};

struct Flaky {
    fails_left: Arc<AtomicUsize>,
    runs: Arc<AtomicUsize>,
}

#[async_trait]
impl Job for Flaky {
    fn kind(&self) -> &'static str {
        "flaky"
    }
    fn max_attempts(&self) -> i32 {
        3
    }
    async fn run(&self, _: &JobContext, _: serde_json::Value) -> anyhow::Result<()> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        if self.fails_left.load(Ordering::SeqCst) > 0 {
            self.fails_left.fetch_sub(1, Ordering::SeqCst);
            anyhow::bail!("provider said 503");
        }
        Ok(())
    }
}

async fn job_row(app: &TestApp) -> (String, i32, Option<String>, chrono::DateTime<Utc>) {
    server::with_db!(&app.state.db, |p| sqlx::query_as(
        "SELECT status, attempts, last_error, run_at FROM jobs WHERE kind = 'flaky'"
    )
    .fetch_one(p)
    .await)
    .unwrap()
}

async fn enqueue(app: &TestApp, kind: &str, max_attempts: i32, key: Option<&str>) -> bool {
    jobs::enqueue(
        &app.state.db,
        NewJob {
            kind,
            payload: serde_json::json!({"n": 1}),
            run_at: Utc::now(),
            max_attempts,
            dedupe_key: key.map(str::to_string),
        },
    )
    .await
    .unwrap()
}

/// Makes every queued job due now (instead of sleeping through the backoff).
async fn make_due(app: &TestApp) {
    server::exec!(
        &app.state.db,
        sqlx::query("UPDATE jobs SET run_at = $1 WHERE status = 'queued'").bind(Utc::now())
    )
    .unwrap();
}

#[tokio::test]
async fn a_failing_job_is_retried_with_backoff_then_succeeds() {
    let app = spawn_app().await;
    let runs = Arc::new(AtomicUsize::new(0));
    let reg = Registry::default().with(Flaky {
        fails_left: Arc::new(AtomicUsize::new(1)),
        runs: runs.clone(),
    });
    enqueue(&app, "flaky", 3, None).await;
    let ctx = app.state.job_context();

    assert_eq!(jobs::run_until_empty(&ctx, &reg).await.unwrap(), 1);
    let (status, attempts, error, run_at) = job_row(&app).await;
    assert_eq!((status.as_str(), attempts), ("queued", 1));
    assert!(error.unwrap().contains("503"));
    let delay = run_at - Utc::now();
    assert!(
        delay > chrono::Duration::seconds(5) && delay <= chrono::Duration::seconds(10),
        "{delay}"
    );
    assert_eq!(
        jobs::run_until_empty(&ctx, &reg).await.unwrap(),
        0,
        "not due yet"
    );

    make_due(&app).await;
    assert_eq!(jobs::run_until_empty(&ctx, &reg).await.unwrap(), 1);
    let (status, attempts, error, _) = job_row(&app).await;
    assert_eq!((status.as_str(), attempts, error), ("done", 2, None));
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_job_that_keeps_failing_ends_dead_with_its_error() {
    let app = spawn_app().await;
    let reg = Registry::default().with(Flaky {
        fails_left: Arc::new(AtomicUsize::new(99)),
        runs: Arc::default(),
    });
    enqueue(&app, "flaky", 3, None).await;
    let ctx = app.state.job_context();
    for _ in 0..3 {
        make_due(&app).await;
        jobs::run_until_empty(&ctx, &reg).await.unwrap();
    }
    let (status, attempts, error, _) = job_row(&app).await;
    assert_eq!((status.as_str(), attempts), ("dead", 3));
    assert!(error.unwrap().contains("provider said 503"));
    make_due(&app).await;
    assert_eq!(
        jobs::run_until_empty(&ctx, &reg).await.unwrap(),
        0,
        "dead jobs stay dead"
    );
}

#[tokio::test]
async fn an_expired_lease_lets_another_worker_take_the_job_over() {
    let app = spawn_app().await;
    let runs = Arc::new(AtomicUsize::new(0));
    let reg = Registry::default().with(Flaky {
        fails_left: Arc::default(),
        runs: runs.clone(),
    });
    enqueue(&app, "flaky", 3, None).await;
    // A worker claimed it and died: running, lease already over.
    server::exec!(
        &app.state.db,
        sqlx::query("UPDATE jobs SET status = 'running', attempts = 1, locked_by = 'dead-worker', locked_until = $1")
            .bind(Utc::now() - chrono::Duration::seconds(1))
    )
    .unwrap();
    assert_eq!(
        jobs::run_until_empty(&app.state.job_context(), &reg)
            .await
            .unwrap(),
        1
    );
    let (status, attempts, _, _) = job_row(&app).await;
    assert_eq!((status.as_str(), attempts), ("done", 2));
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn dedupe_keys_make_scheduling_idempotent_and_unknown_kinds_fail_visibly() {
    let app = spawn_app().await;
    assert!(enqueue(&app, "nobody-handles-this", 1, Some("slot-1")).await);
    assert!(!enqueue(&app, "nobody-handles-this", 1, Some("slot-1")).await);
    assert_eq!(app.count("jobs").await, 1);
    jobs::run_until_empty(&app.state.job_context(), &server::areas::jobs())
        .await
        .unwrap();
    let (status, err): (String, Option<String>) =
        server::with_db!(&app.state.db, |p| sqlx::query_as(
            "SELECT status, last_error FROM jobs"
        )
        .fetch_one(p)
        .await)
        .unwrap();
    assert_eq!(status, "dead");
    assert!(err.unwrap().contains("no handler"));
}

#[tokio::test]
async fn concurrent_workers_run_each_job_exactly_once() {
    let app = spawn_app().await;
    let runs = Arc::new(AtomicUsize::new(0));
    let reg = Registry::default().with(Flaky {
        fails_left: Arc::default(),
        runs: runs.clone(),
    });
    for _ in 0..40 {
        enqueue(&app, "flaky", 3, None).await;
    }
    let mut workers = Vec::new();
    for _ in 0..4 {
        let (ctx, reg) = (app.state.job_context(), reg.clone());
        workers.push(tokio::spawn(async move {
            jobs::run_until_empty(&ctx, &reg).await.unwrap()
        }));
    }
    let mut total = 0;
    for w in workers {
        total += w.await.unwrap();
    }
    assert_eq!(total, 40);
    assert_eq!(runs.load(Ordering::SeqCst), 40);
    let done: i64 = server::with_db!(&app.state.db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM jobs WHERE status = 'done' AND attempts = 1"
    )
    .fetch_one(p)
    .await)
    .unwrap();
    assert_eq!(done, 40);
}

#[tokio::test]
async fn a_lease_run_out_is_claimed_first_then_queued_jobs_in_the_order_they_fell_due() {
    let app = spawn_app().await;
    let db = &app.state.db;
    let now = Utc::now();
    for (n, ago) in [(1, 5), (2, 30), (3, 10), (4, -60)] {
        jobs::enqueue(
            db,
            NewJob {
                kind: "ordered",
                payload: serde_json::json!({ "n": n }),
                run_at: now - chrono::Duration::seconds(ago),
                max_attempts: 3,
                dedupe_key: None,
            },
        )
        .await
        .unwrap();
    }
    // Job 3's worker died: its lease ran out.
    server::exec!(
        db,
        sqlx::query(
            "UPDATE jobs SET status = 'running', locked_by = 'dead', locked_until = $1 \
             WHERE id = (SELECT MIN(id) + 2 FROM jobs WHERE kind = 'ordered')"
        )
        .bind(now - chrono::Duration::seconds(1))
    )
    .unwrap();
    let mut order = Vec::new();
    while let Some(job) = jobs::claim(db, "w", now, now + chrono::Duration::minutes(5))
        .await
        .unwrap()
    {
        order.push(job.payload.0["n"].as_i64().unwrap());
    }
    // Job 4 is not due yet.
    assert_eq!(order, vec![3, 2, 1]);
}

/// Records the CPU priority (nice value) and the name of the thread it runs on.
struct Niceness {
    seen: Arc<std::sync::Mutex<Vec<(i32, String)>>>,
}

fn nice_of(tid: i64) -> i32 {
    // Field 19 of /proc/self/task/<tid>/stat, counted after the name's closing parenthesis.
    let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).unwrap();
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    rest.split(' ').nth(16).unwrap().parse().unwrap()
}

fn this_thread_nice() -> i32 {
    nice_of(unsafe { libc::gettid() } as i64)
}

#[async_trait]
impl Job for Niceness {
    fn kind(&self) -> &'static str {
        "niceness"
    }
    async fn run(&self, ctx: &JobContext, _: serde_json::Value) -> anyhow::Result<()> {
        // A statement on the jobs' own handle, so its connection exists.
        ctx.db.ping().await?;
        let name = std::thread::current().name().unwrap_or("").to_string();
        self.seen.lock().unwrap().push((this_thread_nice(), name));
        Ok(())
    }
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn the_runner_works_apart_at_a_lower_cpu_priority_and_stops_cleanly() {
    let app = spawn_app().await;
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let reg = Registry::default().with(Niceness { seen: seen.clone() });
    enqueue(&app, "niceness", 3, None).await;
    let base = this_thread_nice();
    let state = app.state.clone();
    let runner = jobs::spawn_runner(move || state.job_context(), reg, 5).unwrap();
    for _ in 0..100 {
        if !seen.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let ran = seen.lock().unwrap().clone();
    assert_eq!(ran.len(), 1, "the job ran once: {ran:?}");
    assert_eq!(ran[0].0, (base + 5).min(19), "the job's thread is niced");
    assert!(ran[0].1.starts_with("jobs-worker"), "{ran:?}");
    assert_eq!(
        this_thread_nice(),
        base,
        "the requests' threads keep theirs"
    );
    if matches!(app.state.db, server::Db::Sqlite(..)) {
        // SQLite runs each statement on its connection's own thread: the jobs' pool started
        // its threads from the jobs' runtime, so they run at its priority too.
        let niced = std::fs::read_dir("/proc/self/task")
            .unwrap()
            .filter_map(|t| t.ok()?.file_name().to_str()?.parse::<i64>().ok())
            .filter(|tid| {
                std::fs::read_to_string(format!("/proc/self/task/{tid}/comm"))
                    .is_ok_and(|c| c.starts_with("sqlx-sqlite"))
            })
            .filter(|tid| nice_of(*tid) == (base + 5).min(19))
            .count();
        assert!(
            niced >= 1,
            "no SQLite connection thread at the jobs' priority"
        );
    }
    tokio::time::timeout(std::time::Duration::from_secs(10), runner.shutdown())
        .await
        .expect("the runner stops");
    let (status, ..) = server::with_db!(&app.state.db, |p| sqlx::query_as::<_, (String,)>(
        "SELECT status FROM jobs WHERE kind = 'niceness'"
    )
    .fetch_one(p)
    .await)
    .unwrap();
    assert_eq!(status, "done");
}
