//! Backups: taken into the file store, pruned by the retention, restored into an empty
//! database that then starts with the same rows.

mod common;

use common::*;
use server::{
    jobs::{self, NewJob},
    platform::backups::{self, BackupConfig},
    Db,
};

/// An empty database of the engine the suite runs on, and what to drop afterwards.
async fn empty_database(tmp: &tempfile::TempDir) -> (String, Option<(String, String)>) {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(admin) if !admin.is_empty() => {
            let name = format!("sy_restore_{}", uuid::Uuid::new_v4().simple());
            let pool = sqlx::PgPool::connect(&admin).await.unwrap();
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&pool)
                .await
                .unwrap();
            pool.close().await;
            let mut url = url::Url::parse(&admin).unwrap();
            url.set_path(&format!("/{name}"));
            (url.to_string(), Some((admin, name)))
        }
        _ => (
            format!("sqlite://{}", tmp.path().join("restored.db").display()),
            None,
        ),
    }
}

async fn drop_database(cleanup: Option<(String, String)>) {
    if let Some((admin, name)) = cleanup {
        let pool = sqlx::PgPool::connect(&admin).await.unwrap();
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&pool)
            .await;
        pool.close().await;
    }
}

const TABLES: &[&str] = &["companies", "users", "memberships", "audit_log", "sessions"];

async fn counts(db: &Db) -> Vec<i64> {
    let mut out = Vec::new();
    for t in TABLES {
        let sql = format!("SELECT COUNT(*) FROM {t}");
        out.push(
            server::with_db!(db, |p| sqlx::query_scalar::<_, i64>(&sql)
                .fetch_one(p)
                .await)
            .unwrap(),
        );
    }
    out
}

#[tokio::test]
async fn a_backup_restores_into_an_empty_database_with_the_same_rows() {
    let app = spawn_app().await;
    app.setup("owner@example.com").await;
    let owner = app.principal("owner@example.com").await;
    app.add_member(&owner, "ana@example.com", "viewer", vec![])
        .await;
    let before = counts(&app.state.db).await;
    assert!(before.iter().all(|n| *n > 0), "{before:?}");

    let storage = &app.state.storage;
    let b = backups::take(&app.state.db, &app.state.config.database_url, storage)
        .await
        .unwrap();
    assert_eq!(b.status, "done");
    assert!(b.key.starts_with("backups/"), "{}", b.key);
    let ext = if b.engine == "sqlite" {
        ".sqlite"
    } else {
        ".pgdump"
    };
    assert!(b.key.ends_with(ext), "{}", b.key);
    assert!(b.bytes.unwrap() > 1000, "{b:?}");
    assert!(storage.exists(&b.key).await.unwrap());
    assert_eq!(backups::list(&app.state.db, 10).await.unwrap().len(), 1);

    // Written after the backup: not in it.
    app.add_member(&owner, "bo@example.com", "viewer", vec![])
        .await;

    let tmp = tempfile::tempdir().unwrap();
    let (target, cleanup) = empty_database(&tmp).await;
    backups::restore(storage, &b.key, &target).await.unwrap();
    let restored = Db::connect(&target).await.unwrap();
    restored
        .migrate()
        .await
        .expect("the restored schema is current");
    assert_eq!(counts(&restored).await, before);
    let users: Vec<String> = server::with_db!(&restored, |p| sqlx::query_scalar(
        "SELECT email FROM users ORDER BY email"
    )
    .fetch_all(p)
    .await)
    .unwrap();
    assert!(
        users.contains(&"owner@example.com".to_string()),
        "{users:?}"
    );
    assert!(!users.contains(&"bo@example.com".to_string()), "{users:?}");
    // The backup's own row, "running" when the copy was made, says what it is.
    let own = backups::list(&restored, 10).await.unwrap();
    assert_eq!(own.len(), 1);
    assert_eq!(
        (own[0].key.as_str(), own[0].status.as_str()),
        (b.key.as_str(), "done")
    );
    assert!(own[0].bytes.unwrap() > 1000);
    restored.close().await;

    // Not into a database that has tables, not across engines, not a key that is no backup.
    let err = backups::restore(storage, &b.key, &target)
        .await
        .unwrap_err();
    assert!(format!("{err}").contains("is not empty"), "{err}");
    let other = if b.engine == "sqlite" {
        "postgres://postgres@127.0.0.1:5432/none".to_string()
    } else {
        format!("sqlite://{}", tmp.path().join("other.db").display())
    };
    let err = backups::restore(storage, &b.key, &other).await.unwrap_err();
    assert!(format!("{err}").contains("restore it into"), "{err}");
    let err = backups::restore(storage, "analyses/x.pdf", &target)
        .await
        .unwrap_err();
    assert!(format!("{err}").contains("is not a backup"), "{err}");
    let missing = format!("backups/2020-01-01T000000.000Z{ext}");
    let err = backups::restore(storage, &missing, &target)
        .await
        .unwrap_err();
    assert!(format!("{err}").contains("no backup"), "{err}");
    drop_database(cleanup).await;
}

#[tokio::test]
async fn the_hourly_job_takes_the_day_s_backup_once_and_the_retention_deletes_old_files() {
    // Due since midnight, whatever the time: the first run takes it, the next ones do not.
    let app = spawn_app_with(&[
        ("BACKUP_AT", "00:00"),
        ("BACKUP_KEEP_DAILY", "1"),
        ("BACKUP_KEEP_WEEKLY", "0"),
    ])
    .await;
    app.setup("owner@example.com").await;
    let ctx = app.state.job_context();
    let registry = server::areas::jobs();
    for run in 0..2 {
        jobs::enqueue(
            &app.state.db,
            NewJob {
                kind: backups::KIND,
                payload: serde_json::json!({}),
                run_at: chrono::Utc::now(),
                max_attempts: 1,
                dedupe_key: Some(format!("backup-test-{run}")),
            },
        )
        .await
        .unwrap();
        jobs::run_until_empty(&ctx, &registry).await.unwrap();
    }
    let list = backups::list(&app.state.db, 10).await.unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0].status, "done");
    let config = app.state.config.section::<BackupConfig>();
    assert!(!backups::is_due(&app.state.db, config, chrono::Utc::now())
        .await
        .unwrap());

    // Another one the same day (by hand): one day kept, so the older file goes.
    let newer = backups::take(
        &app.state.db,
        &app.state.config.database_url,
        &app.state.storage,
    )
    .await
    .unwrap();
    let pruned = backups::prune(&app.state.db, &app.state.storage, config)
        .await
        .unwrap();
    assert_eq!(pruned, 1);
    assert!(!app.state.storage.exists(&list[0].key).await.unwrap());
    assert!(app.state.storage.exists(&newer.key).await.unwrap());
    let after = backups::list(&app.state.db, 10).await.unwrap();
    assert!(after
        .iter()
        .any(|b| b.key == list[0].key && b.pruned_at.is_some()));
    assert_eq!(
        app.state.storage.list("backups/").await.unwrap(),
        vec![newer.key.clone()]
    );
    // Nothing more to prune.
    assert_eq!(
        backups::prune(&app.state.db, &app.state.storage, config)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn bad_backup_settings_are_refused_at_start() {
    for (k, v) in [
        ("BACKUP_AT", "3am"),
        ("BACKUP_AT", "25:00"),
        ("BACKUPS", "sometimes"),
        ("BACKUP_KEEP_DAILY", "0"),
        ("BACKUP_KEEP_WEEKLY", "many"),
    ] {
        let vars = std::collections::BTreeMap::from([(k.to_string(), v.to_string())]);
        let err = server::areas::config_from_map(&vars).unwrap_err();
        assert!(
            err.0.iter().any(|e| e.starts_with(k)),
            "{k}={v}: {:?}",
            err.0
        );
    }
}

#[tokio::test]
async fn back_up_now_is_for_the_platform_operator_and_queues_one_at_a_time() {
    let app = spawn_app().await;
    app.setup("owner@example.com").await;
    let operator = app.principal("owner@example.com").await;
    assert!(operator.is_super_admin);
    let member = app
        .add_member(&operator, "ana@example.com", "admin", vec![])
        .await;
    assert!(matches!(
        backups::request_now(&app.state.db, &member).await,
        Err(server::Error::Forbidden)
    ));
    assert!(matches!(
        backups::for_operator(&app.state.db, &member).await,
        Err(server::Error::Forbidden)
    ));
    let backup_jobs = || async {
        server::with_db!(&app.state.db, |p| sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM jobs WHERE kind = 'backup'"
        )
        .fetch_one(p)
        .await)
        .unwrap()
    };
    assert_eq!(backup_jobs().await, 0);

    assert!(backups::request_now(&app.state.db, &operator)
        .await
        .unwrap());
    // A second click while it waits: nothing more queued.
    assert!(!backups::request_now(&app.state.db, &operator)
        .await
        .unwrap());
    assert_eq!(backup_jobs().await, 1);
    // The job takes it whatever the schedule says (BACKUPS=off is about the daily one).
    jobs::run_until_empty(&app.state.job_context(), &server::areas::jobs())
        .await
        .unwrap();
    let list = backups::for_operator(&app.state.db, &operator)
        .await
        .unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].status, "done");
}
