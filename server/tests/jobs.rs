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

struct Steady;

#[async_trait]
impl Job for Steady {
    fn kind(&self) -> &'static str {
        "steady"
    }
    async fn run(&self, _: &JobContext, _: serde_json::Value) -> anyhow::Result<()> {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        Ok(())
    }
}

async fn status_of(app: &TestApp, id: i64) -> (String, i32) {
    server::with_db!(&app.state.db, |p| sqlx::query_as(
        "SELECT status, attempts FROM jobs WHERE id = $1"
    )
    .bind(id)
    .fetch_one(p)
    .await)
    .unwrap()
}

#[tokio::test]
async fn the_operator_sees_each_kind_and_retries_or_discards_dead_and_waiting_jobs() {
    use server::error::Error;
    use server::platform::jobs::{self as admin, Act, Page};
    let app = spawn_app().await;
    app.setup("ada@example.com").await;
    let ada = app.principal("ada@example.com").await;
    let meta = server::audit::RequestMeta::default();
    let db = &app.state.db;
    // Whatever setup queued (its mail) is not part of this.
    server::exec!(db, sqlx::query("DELETE FROM jobs")).unwrap();
    let reg = Registry::default()
        .with(Flaky {
            fails_left: Arc::new(AtomicUsize::new(999)),
            runs: Arc::default(),
        })
        .with(Steady);
    // 52 flaky jobs with one attempt each (they die), 3 steady ones (they finish), and one of a
    // kind nobody handles, due tomorrow (it waits).
    for _ in 0..52 {
        enqueue(&app, "flaky", 1, None).await;
    }
    for _ in 0..3 {
        enqueue(&app, "steady", 3, None).await;
    }
    jobs::enqueue(
        db,
        NewJob {
            kind: "ghost",
            payload: serde_json::json!({}),
            run_at: Utc::now() + chrono::Duration::days(1),
            max_attempts: 1,
            dedupe_key: None,
        },
    )
    .await
    .unwrap();
    let ran = jobs::run_until_empty(&app.state.job_context(), &reg)
        .await
        .unwrap();
    assert_eq!(ran, 55);

    // Only the platform operator.
    let mut member = ada.clone();
    member.is_super_admin = false;
    let known = ["flaky", "steady", "send-mail"];
    assert!(matches!(
        admin::overview(db, &member, &known, Utc::now()).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        admin::list(db, &member, &Page::parse("", "", "").unwrap()).await,
        Err(Error::Forbidden)
    ));

    let o = admin::overview(db, &ada, &known, Utc::now()).await.unwrap();
    let line = |k: &str| o.kinds.iter().find(|l| l.counts.kind == k).unwrap().clone();
    let flaky = line("flaky");
    assert_eq!(
        (flaky.counts.dead, flaky.counts.done, flaky.known),
        (52, 0, true)
    );
    let steady = line("steady");
    assert_eq!((steady.counts.done, steady.counts.dead), (3, 0));
    let run = steady.run.expect("timings of the finished jobs");
    assert!(run.p50 >= 5 && run.max < 10_000, "{run:?}");
    assert!(steady.wait.is_some());
    assert_eq!(
        line("send-mail").counts.done,
        0,
        "a known kind without jobs is listed"
    );
    let ghost = line("ghost");
    assert_eq!((ghost.counts.queued, ghost.known), (1, false));
    assert_eq!(o.sampled, 3);

    // The dead ones, 50 a page, the latest first, then the rest after the cursor.
    let (first, next) = admin::list(db, &ada, &Page::parse("dead", "", "").unwrap())
        .await
        .unwrap();
    assert_eq!(first.len(), 50);
    assert!(first
        .iter()
        .all(|j| j.kind == "flaky" && j.status == "dead"));
    assert!(first
        .windows(2)
        .all(|w| (w[0].updated_at, w[0].id) > (w[1].updated_at, w[1].id)));
    let next = next.expect("a second page");
    let (second, last) = admin::list(db, &ada, &Page::parse("dead", "flaky", &next).unwrap())
        .await
        .unwrap();
    assert_eq!((second.len(), last), (2, None));
    assert!(second.iter().all(|j| !first.iter().any(|f| f.id == j.id)));
    let (queued, _) = admin::list(db, &ada, &Page::parse("queued", "", "").unwrap())
        .await
        .unwrap();
    assert_eq!(
        queued.iter().map(|j| j.kind.as_str()).collect::<Vec<_>>(),
        ["ghost"]
    );

    // Retry: queued again, due now, attempts from zero; it runs (and dies again here).
    let dead = first[0].id;
    admin::act(db, &ada, &meta, dead, Act::Retry).await.unwrap();
    assert_eq!(status_of(&app, dead).await, ("queued".to_string(), 0));
    assert_eq!(app.audit_count("JOB_RETRIED").await, 1);
    jobs::run_until_empty(&app.state.job_context(), &reg)
        .await
        .unwrap();
    assert_eq!(status_of(&app, dead).await, ("dead".to_string(), 1));

    // Discard: kept as discarded; nothing more to do to it.
    let other = first[1].id;
    admin::act(db, &ada, &meta, other, Act::Discard)
        .await
        .unwrap();
    assert_eq!(status_of(&app, other).await.0, "discarded");
    assert_eq!(app.audit_count("JOB_DISCARDED").await, 1);
    let again = admin::act(db, &ada, &meta, other, Act::Retry).await;
    assert!(
        matches!(&again, Err(Error::Conflict(m)) if m.contains("discarded")),
        "{again:?}"
    );
    // The waiting ghost can be discarded too.
    admin::act(db, &ada, &meta, queued[0].id, Act::Discard)
        .await
        .unwrap();

    // A running job is the worker's: refused, unchanged. An unknown one is not found.
    let busy = first[2].id;
    server::exec!(
        db,
        sqlx::query(
            "UPDATE jobs SET status = 'running', locked_by = 'w', locked_until = $1 WHERE id = $2"
        )
        .bind(Utc::now() + chrono::Duration::minutes(5))
        .bind(busy)
    )
    .unwrap();
    for act in [Act::Retry, Act::Discard] {
        let r = admin::act(db, &ada, &meta, busy, act).await;
        assert!(
            matches!(&r, Err(Error::Conflict(m)) if m.contains("running")),
            "{r:?}"
        );
    }
    assert_eq!(status_of(&app, busy).await.0, "running");
    assert!(matches!(
        admin::act(db, &ada, &meta, 987_654_321, Act::Retry).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        admin::act(db, &member, &meta, dead, Act::Discard).await,
        Err(Error::Forbidden)
    ));
    assert_eq!(
        app.audit_count("JOB_DISCARDED").await,
        2,
        "refusals are not audited"
    );

    // Purging the finished jobs takes the discarded ones too.
    jobs::purge_done(db, Utc::now() + chrono::Duration::seconds(1))
        .await
        .unwrap();
    let left: i64 = server::with_db!(db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM jobs WHERE status IN ('done', 'discarded')"
    )
    .fetch_one(p)
    .await)
    .unwrap();
    assert_eq!(left, 0);
}
