//! With REDIS_URL set, sessions live in Redis: one key per session expiring with it, and a set
//! per user and per company as the index that the security page, disabled members and company
//! actions end sessions through. Uses the Redis at TEST_REDIS_URL with a prefix of its own.

mod common;

use common::*;
use server::{
    audit::RequestMeta,
    identity::account,
    sessions::{Ending, Sessions, COMPANY_ID, USER_ID},
};
use tower_sessions::{
    cookie::time::{Duration, OffsetDateTime},
    session::{Id, Record},
    SessionStore,
};
use uuid::Uuid;

fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

fn fresh_prefix() -> String {
    format!("sytest:{}:", Uuid::new_v4().simple())
}

async fn redis_conn() -> redis::aio::MultiplexedConnection {
    let client = redis::Client::open(redis_url()).unwrap();
    client.get_multiplexed_async_connection().await.unwrap()
}

async fn keys(pattern: &str) -> Vec<String> {
    redis::cmd("KEYS")
        .arg(pattern)
        .query_async(&mut redis_conn().await)
        .await
        .unwrap()
}

async fn spawn_with_redis(prefix: &str) -> TestApp {
    spawn_app_with(&[
        ("REDIS_URL", redis_url().as_str()),
        ("REDIS_KEY_PREFIX", prefix),
    ])
    .await
}

async fn is_signed_in(app: &TestApp, client: &reqwest::Client) -> bool {
    let res = client.get(app.url("/some/page")).send().await.unwrap();
    !location(&res).starts_with("/login")
}

#[tokio::test]
async fn signed_in_sessions_live_in_redis_and_end_from_the_security_page() {
    let prefix = fresh_prefix();
    let app = spawn_with_redis(&prefix).await;
    app.setup("ada@example.com").await;
    let laptop = app
        .signed_in_client("ada@example.com", PASSWORD, "Laptop/1.0")
        .await;
    let phone = app
        .signed_in_client("ada@example.com", PASSWORD, "Phone/2.0")
        .await;
    let ada = app.principal("ada@example.com").await;
    assert!(matches!(app.state.sessions, Sessions::Redis(_)));

    // Stored in Redis with the inactivity timeout, nothing in the sessions table.
    assert_eq!(app.count("sessions").await, 0);
    let stored = keys(&format!("{prefix}session:*")).await;
    assert_eq!(stored.len(), 3, "setup, laptop and phone: {stored:?}");
    let ttl: i64 = redis::cmd("PTTL")
        .arg(&stored[0])
        .query_async(&mut redis_conn().await)
        .await
        .unwrap();
    let timeout_ms = app.state.config.session_timeout_minutes * 60_000;
    assert!(ttl > timeout_ms - 60_000 && ttl <= timeout_ms, "{ttl}");
    let index = keys(&format!("{prefix}sessions:user:*")).await;
    assert_eq!(index.len(), 1, "{index:?}");

    let list = account::sessions(&app.state.sessions, &ada, None)
        .await
        .unwrap();
    assert_eq!(list.len(), 3);
    let phone_session = list
        .iter()
        .find(|s| s.user_agent.as_deref() == Some("Phone/2.0"))
        .unwrap();
    assert_eq!(phone_session.ip.as_deref(), Some("127.0.0.1"));
    assert!(
        !stored.iter().any(|k| k.ends_with(&phone_session.handle)),
        "the handle is not the session id"
    );

    // Another member cannot end it; its owner can.
    let bob = app
        .add_member(&ada, "bob@example.com", "admin", vec![])
        .await;
    let meta = RequestMeta::default();
    let (db, sessions) = (&app.state.db, &app.state.sessions);
    let e = account::revoke_session(db, sessions, &bob, &meta, &phone_session.handle)
        .await
        .unwrap_err();
    assert_eq!(e.status().as_u16(), 404);
    assert!(is_signed_in(&app, &phone).await);
    account::revoke_session(db, sessions, &ada, &meta, &phone_session.handle)
        .await
        .unwrap();
    assert!(
        !is_signed_in(&app, &phone).await,
        "the revoked session is over"
    );
    assert!(is_signed_in(&app, &laptop).await, "the others go on");

    // "Sign out all other sessions" from the laptop.
    let laptop_id = sessions
        .list(ada.user_id)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.user_agent.as_deref() == Some("Laptop/1.0"))
        .unwrap()
        .id;
    let ended = account::revoke_other_sessions(db, sessions, &ada, &meta, &laptop_id)
        .await
        .unwrap();
    assert_eq!(ended, 1, "setup's session");
    assert!(!app.signed_in().await);
    assert!(is_signed_in(&app, &laptop).await);
    assert_eq!(keys(&format!("{prefix}session:*")).await.len(), 1);

    // Signing out deletes the key.
    laptop.post(app.url("/auth/logout")).send().await.unwrap();
    assert!(!is_signed_in(&app, &laptop).await);
    assert!(keys(&format!("{prefix}session:*")).await.is_empty());
}

#[tokio::test]
async fn a_disabled_member_is_signed_out_and_a_password_reset_ends_every_session() {
    let prefix = fresh_prefix();
    let app = spawn_with_redis(&prefix).await;
    app.setup("ada@example.com").await;
    let ada = app.principal("ada@example.com").await;
    let bob = app
        .add_member(&ada, "bob@example.com", "analyst", vec![])
        .await;
    let bob_client = app
        .signed_in_client("bob@example.com", PASSWORD, "Bob/1.0")
        .await;
    let (db, sessions, meta) = (&app.state.db, &app.state.sessions, RequestMeta::default());

    server::team::members::set_disabled(db, sessions, &ada, &meta, bob.user_id, true)
        .await
        .unwrap();
    assert!(!is_signed_in(&app, &bob_client).await);
    assert!(sessions.list(bob.user_id).await.unwrap().is_empty());
    assert_eq!(
        sessions.list(ada.user_id).await.unwrap().len(),
        1,
        "ada's stays"
    );

    let other = app
        .signed_in_client("ada@example.com", PASSWORD, "Other/1.0")
        .await;
    let ended = account::change_password(
        db,
        sessions,
        &ada,
        &meta,
        None,
        account::PasswordChange {
            current: PASSWORD,
            new: "a-new-password-2026",
            confirm: "a-new-password-2026",
        },
    )
    .await
    .unwrap();
    assert_eq!(ended, 2);
    assert!(!is_signed_in(&app, &other).await);
    assert!(!app.signed_in().await);
    assert!(keys(&format!("{prefix}session:*")).await.is_empty());
}

fn record(user: Uuid, company: Uuid, lifetime: Duration) -> Record {
    let mut data = std::collections::HashMap::new();
    data.insert(USER_ID.to_string(), serde_json::json!(user));
    data.insert(COMPANY_ID.to_string(), serde_json::json!(company));
    Record {
        id: Id::default(),
        data,
        expiry_date: OffsetDateTime::now_utc() + lifetime,
    }
}

#[tokio::test]
async fn ending_by_company_reads_each_record_and_an_ended_session_stays_ended() {
    let prefix = fresh_prefix();
    let app = spawn_with_redis(&prefix).await;
    let store = &app.state.sessions;
    let (bob, carol) = (Uuid::new_v4(), Uuid::new_v4());
    let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
    let hour = Duration::hours(1);
    let mut bob_in_a = record(bob, a, hour);
    let mut bob_in_b = record(bob, b, hour);
    let mut carol_in_a = record(carol, a, hour);
    // Started in A, then switched to B: A's index still names it, its record says B.
    let mut switched = record(bob, a, hour);
    for r in [&mut bob_in_a, &mut bob_in_b, &mut carol_in_a, &mut switched] {
        store.create(r).await.unwrap();
    }
    switched
        .data
        .insert(COMPANY_ID.to_string(), serde_json::json!(b));
    store.save(&switched).await.unwrap();

    let mut tx = app.state.db.begin().await.unwrap();
    let ended = store
        .end(&mut tx, Ending::Company { company: a })
        .await
        .unwrap();
    assert_eq!(
        ended, 2,
        "bob's and carol's sessions in A, not the switched one"
    );
    assert!(store.load(&bob_in_a.id).await.unwrap().is_none());
    assert!(store.load(&carol_in_a.id).await.unwrap().is_none());
    assert!(store.load(&switched.id).await.unwrap().is_some());

    let ended = store
        .end(
            &mut tx,
            Ending::InCompany {
                company: b,
                user: bob,
            },
        )
        .await
        .unwrap();
    assert_eq!(ended, 2, "bob's two sessions now in B");
    drop(tx); // Redis ended them at once; nothing to commit in the database.

    // A request in flight saving an ended session does not bring it back.
    store.save(&bob_in_b).await.unwrap();
    assert!(store.load(&bob_in_b.id).await.unwrap().is_none());
    assert!(store.list(bob).await.unwrap().is_empty());

    // An expired session leaves the index when it is next read.
    let mut brief = record(carol, a, Duration::milliseconds(300));
    store.create(&mut brief).await.unwrap();
    assert_eq!(store.list(carol).await.unwrap().len(), 1);
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert!(store.list(carol).await.unwrap().is_empty());
    let members: Vec<String> = redis::cmd("SMEMBERS")
        .arg(format!("{prefix}sessions:user:{}", carol.simple()))
        .query_async(&mut redis_conn().await)
        .await
        .unwrap();
    assert!(members.is_empty(), "{members:?}");
}

#[tokio::test]
async fn with_redis_down_signing_in_fails_closed_with_a_clear_message() {
    // Nothing listens on port 1.
    let app = spawn_app_with(&[("REDIS_URL", "redis://127.0.0.1:1")]).await;
    let unavailable = |res: &reqwest::Response| {
        assert_eq!(location(res), "/login");
        assert!(session_cookie(res).is_none());
        let flash = flash_of(res).expect("a message");
        assert!(
            flash.message.contains("temporarily unavailable"),
            "{flash:?}"
        );
    };
    unavailable(&app.setup("ada@example.com").await);
    unavailable(&app.login("ada@example.com", PASSWORD).await);
    assert!(!app.signed_in().await);
}
