//! With REDIS_URL set, sign-in limits are counted in Redis, so every instance shares one quota;
//! when Redis stops answering, each instance falls back to its in-memory limiter and /ready
//! reports the outage. Uses the Redis at TEST_REDIS_URL (scripts/test.sh starts one when none
//! answers), with a key prefix of its own per test.

mod common;

use common::*;

fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

async fn keys(prefix: &str) -> Vec<String> {
    let client = redis::Client::open(redis_url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn two_instances_share_one_quota_in_redis() {
    let url = redis_url();
    let prefix = format!("sytest:{}:", uuid::Uuid::new_v4().simple());
    let vars = [
        ("REDIS_URL", url.as_str()),
        ("REDIS_KEY_PREFIX", prefix.as_str()),
        ("RATE_LIMIT_SIGN_IN_PER_ACCOUNT", "3"),
        ("RATE_LIMIT_SIGN_IN_PER_IP", "50"),
    ];
    let a = spawn_app_with(&vars).await;
    let b = spawn_app_with(&vars).await;
    a.setup("ada@example.com").await;

    let res = a.get("/ready").await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(
        res.json::<serde_json::Value>().await.unwrap()["redis"],
        "ok"
    );

    // The limiter counts in fixed one-minute windows: start early in one, so that the four
    // attempts below are counted in the same window (they take a few seconds in a debug build).
    let into_minute = chrono::Utc::now().timestamp() % 60;
    if into_minute > 40 {
        tokio::time::sleep(std::time::Duration::from_secs((61 - into_minute) as u64)).await;
    }
    for app in [&a, &b, &a] {
        let res = app.login("ada@example.com", "wrong-password-1").await;
        assert_eq!(res.status().as_u16(), 303);
    }
    // The fourth attempt is refused on either instance: they count together.
    assert_eq!(
        b.login("ada@example.com", PASSWORD).await.status().as_u16(),
        429
    );
    assert_eq!(
        a.login("ada@example.com", PASSWORD).await.status().as_u16(),
        429
    );
    // Another account is still let through.
    assert_eq!(
        b.login("bob@example.com", "whatever-1")
            .await
            .status()
            .as_u16(),
        303
    );

    let stored = keys(&prefix).await;
    assert!(
        stored.iter().any(|k| k.contains(":rl:sign_in.ip:")),
        "{stored:?}"
    );
    assert!(
        stored.iter().any(|k| k.contains(":rl:sign_in.account:")),
        "{stored:?}"
    );
    assert!(
        !stored
            .iter()
            .any(|k| k.contains("example.com") || k.contains("127.0.0.1")),
        "keys (emails, addresses) are hashed before they reach Redis: {stored:?}"
    );
}

#[tokio::test]
async fn without_redis_limits_still_hold_and_ready_reports_it() {
    // Nothing listens on port 1.
    let app = spawn_app_with(&[
        ("REDIS_URL", "redis://127.0.0.1:1"),
        ("RATE_LIMIT_SIGN_IN_PER_ACCOUNT", "2"),
        ("RATE_LIMIT_SIGN_IN_PER_IP", "50"),
    ])
    .await;
    app.setup("ada@example.com").await;
    let res = app.get("/ready").await;
    assert_eq!(res.status().as_u16(), 503);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["reason"], "redis: unavailable", "{body}");
    assert!(
        !body.to_string().contains("127.0.0.1"),
        "no connection details to anonymous callers: {body}"
    );

    for _ in 0..2 {
        let res = app.login("ada@example.com", "wrong-password-1").await;
        assert_eq!(res.status().as_u16(), 303);
    }
    assert_eq!(
        app.login("ada@example.com", PASSWORD)
            .await
            .status()
            .as_u16(),
        429,
        "the in-memory limiter took over"
    );
}
