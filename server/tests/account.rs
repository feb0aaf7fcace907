//! A user's own security over HTTP: sessions list and revoke, password change, password reset.

mod common;

use common::{client_for, location, spawn_app, token_of, TestApp, PASSWORD};
use server::{audit::RequestMeta, identity::account};

async fn is_signed_in(app: &TestApp, client: &reqwest::Client) -> bool {
    let res = client.get(app.url("/some/page")).send().await.unwrap();
    !location(&res).starts_with("/login")
}

#[tokio::test]
async fn sessions_are_listed_with_their_device_and_revoked_one_by_one() {
    let app = spawn_app().await;
    app.setup("ada@example.com").await;
    let laptop = app
        .signed_in_client("ada@example.com", PASSWORD, "Laptop/1.0")
        .await;
    let phone = app
        .signed_in_client("ada@example.com", PASSWORD, "Phone/2.0")
        .await;
    let ada = app.principal("ada@example.com").await;

    let list = account::sessions(&app.state.sessions, &ada, None)
        .await
        .unwrap();
    assert_eq!(list.len(), 3, "setup, laptop and phone");
    let phone_session = list
        .iter()
        .find(|s| s.user_agent.as_deref() == Some("Phone/2.0"))
        .unwrap();
    assert_eq!(phone_session.ip.as_deref(), Some("127.0.0.1"));
    // The public handle is not the session id.
    let ids: Vec<String> = server::with_db!(&app.state.db, |p| sqlx::query_scalar(
        "SELECT id FROM sessions"
    )
    .fetch_all(p)
    .await)
    .unwrap();
    assert!(!ids.contains(&phone_session.handle));

    // Someone else cannot revoke it.
    let bob = app
        .add_member(&ada, "bob@example.com", "admin", vec![])
        .await;
    let e = account::revoke_session(
        &app.state.db,
        &app.state.sessions,
        &bob,
        &RequestMeta::default(),
        &phone_session.handle,
    )
    .await
    .unwrap_err();
    assert_eq!(e.status().as_u16(), 404);
    assert!(is_signed_in(&app, &phone).await);

    account::revoke_session(
        &app.state.db,
        &app.state.sessions,
        &ada,
        &RequestMeta::default(),
        &phone_session.handle,
    )
    .await
    .unwrap();
    assert!(
        !is_signed_in(&app, &phone).await,
        "the revoked session is over"
    );
    assert!(is_signed_in(&app, &laptop).await, "the others go on");
    assert!(app
        .audit_actions()
        .await
        .iter()
        .any(|a| a.0 == "SESSION_REVOKED"));
}

#[tokio::test]
async fn signing_out_every_other_session_keeps_only_this_one_and_touches_nobody_else() {
    let app = spawn_app().await;
    app.setup("ada@example.com").await;
    let laptop = app
        .signed_in_client("ada@example.com", PASSWORD, "Laptop/1.0")
        .await;
    let phone = app
        .signed_in_client("ada@example.com", PASSWORD, "Phone/2.0")
        .await;
    let ada = app.principal("ada@example.com").await;
    app.add_member(&ada, "bob@example.com", "admin", vec![])
        .await;
    let bob = app
        .signed_in_client("bob@example.com", PASSWORD, "Bob/1.0")
        .await;
    let laptop_id: String = server::with_db!(&app.state.db, |p| sqlx::query_scalar(
        "SELECT id FROM sessions WHERE user_agent = 'Laptop/1.0'"
    )
    .fetch_one(p)
    .await)
    .unwrap();

    let ended = account::revoke_other_sessions(
        &app.state.db,
        &app.state.sessions,
        &ada,
        &RequestMeta::default(),
        &laptop_id,
    )
    .await
    .unwrap();
    assert_eq!(ended, 2, "setup's session and the phone");
    assert!(is_signed_in(&app, &laptop).await);
    assert!(!is_signed_in(&app, &phone).await);
    assert!(
        is_signed_in(&app, &bob).await,
        "another user's sessions stay"
    );
    // Nothing left to end: no entry is written for it.
    let before = app.audit_actions().await.len();
    let again = account::revoke_other_sessions(
        &app.state.db,
        &app.state.sessions,
        &ada,
        &RequestMeta::default(),
        &laptop_id,
    )
    .await
    .unwrap();
    assert_eq!((again, app.audit_actions().await.len()), (0, before));
}

#[tokio::test]
async fn changing_the_password_checks_the_old_one_and_ends_the_other_sessions() {
    let app = spawn_app().await;
    app.setup("ada@example.com").await;
    let other = app
        .signed_in_client("ada@example.com", PASSWORD, "Other/1.0")
        .await;
    let ada = app.principal("ada@example.com").await;
    let db = &app.state.db;
    let meta = RequestMeta::default();
    let keep: String = server::with_db!(db, |p| sqlx::query_scalar(
        "SELECT id FROM sessions WHERE user_agent = 'switchyard-tests/1.0'"
    )
    .fetch_one(p)
    .await)
    .unwrap();

    for (current, new, confirm, field) in [
        (
            "wrong-password-1",
            "brand-new-pass-7",
            "brand-new-pass-7",
            "current_password",
        ),
        (
            PASSWORD,
            "brand-new-pass-7",
            "brand-new-pass-8",
            "new_password_confirm",
        ),
        (PASSWORD, "password1", "password1", "new_password"),
    ] {
        let e = account::change_password(
            db,
            &app.state.sessions,
            &ada,
            &meta,
            Some(&keep),
            account::PasswordChange {
                current,
                new,
                confirm,
            },
        )
        .await
        .unwrap_err();
        assert_eq!(e.field(), Some(field));
    }
    assert!(is_signed_in(&app, &other).await, "refusals change nothing");

    let ended = account::change_password(
        db,
        &app.state.sessions,
        &ada,
        &meta,
        Some(&keep),
        account::PasswordChange {
            current: PASSWORD,
            new: "brand-new-pass-7",
            confirm: "brand-new-pass-7",
        },
    )
    .await
    .unwrap();
    assert_eq!(ended, 1);
    assert!(!is_signed_in(&app, &other).await);
    assert!(app.signed_in().await, "the session that changed it stays");
    assert_eq!(
        location(&app.login("ada@example.com", PASSWORD).await),
        "/login"
    );
    assert_eq!(
        location(&app.login("ada@example.com", "brand-new-pass-7").await),
        "/"
    );
}

#[tokio::test]
async fn a_reset_link_works_once_for_30_minutes_and_ends_every_session() {
    let app = spawn_app().await;
    app.setup("ada@example.com").await;
    let db = &app.state.db;
    let meta = RequestMeta::default();
    let base = app.state.config.public_url.clone();

    // Unknown and known emails get the same answer; only the known one gets mail.
    account::request_reset(db, &meta, &base, "nobody@example.com")
        .await
        .unwrap();
    assert_eq!(app.count("outbox").await, 0);
    assert_eq!(
        account::request_reset(db, &meta, &base, "not an email")
            .await
            .unwrap_err()
            .field(),
        Some("email")
    );
    account::request_reset(db, &meta, &base, "ADA@example.com")
        .await
        .unwrap();
    // Asked again at once (a flood, or a double click, ten side by side): the same answer, no
    // second message.
    let asks = (0..10).map(|_| account::request_reset(db, &meta, &base, "ada@example.com"));
    for r in futures_util::future::join_all(asks).await {
        r.unwrap();
    }
    assert_eq!(
        app.count("outbox").await,
        1,
        "one reset mail per 15 minutes"
    );
    let body: String = server::with_db!(db, |p| sqlx::query_scalar(
        "SELECT body FROM outbox WHERE kind = 'password_reset'"
    )
    .fetch_one(p)
    .await)
    .unwrap();
    let link = body
        .lines()
        .find(|l| l.contains("/reset/"))
        .unwrap()
        .trim()
        .to_string();
    let token = token_of(&link).to_string();

    // Company admins never see it; the platform operator (the installing owner) does.
    let ada = app.principal("ada@example.com").await;
    assert!(ada.is_super_admin);
    assert_eq!(server::mail::outbox(db, &ada, 10).await.unwrap().len(), 1);
    let admin = app
        .add_member(&ada, "adm@example.com", "admin", vec![])
        .await;
    assert!(server::mail::outbox(db, &admin, 10)
        .await
        .unwrap()
        .iter()
        .all(|m| m.kind != "password_reset"));

    assert!(account::reset_refusal(db, &token).await.unwrap().is_none());
    let e = account::reset_password(db, &app.state.sessions, &meta, &token, "weak", "weak")
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("new_password"));
    account::reset_password(
        db,
        &app.state.sessions,
        &meta,
        &token,
        "after-reset-2026",
        "after-reset-2026",
    )
    .await
    .unwrap();
    assert!(!app.signed_in().await, "every session ended");
    assert!(account::reset_refusal(db, &token)
        .await
        .unwrap()
        .unwrap()
        .contains("already been used"));
    assert!(account::reset_password(
        db,
        &app.state.sessions,
        &meta,
        &token,
        "again-reset-2026",
        "again-reset-2026"
    )
    .await
    .is_err());
    assert_eq!(
        location(&app.login("ada@example.com", "after-reset-2026").await),
        "/"
    );

    // An expired link says so (asked for after the 15 quiet minutes).
    server::exec!(
        db,
        sqlx::query("UPDATE users SET reset_mailed_at = $1")
            .bind(chrono::Utc::now() - chrono::Duration::minutes(16))
    )
    .unwrap();
    account::request_reset(db, &meta, &base, "ada@example.com")
        .await
        .unwrap();
    server::exec!(
        db,
        sqlx::query("UPDATE password_resets SET expires_at = $1 WHERE used_at IS NULL")
            .bind(chrono::Utc::now())
    )
    .unwrap();
    let body: String = server::with_db!(db, |p| sqlx::query_scalar(
        "SELECT body FROM outbox WHERE kind = 'password_reset' ORDER BY id DESC LIMIT 1"
    )
    .fetch_one(p)
    .await)
    .unwrap();
    let token = token_of(body.lines().find(|l| l.contains("/reset/")).unwrap().trim()).to_string();
    assert!(account::reset_refusal(db, &token)
        .await
        .unwrap()
        .unwrap()
        .contains("expired"));

    // Over HTTP, the form answers the same for any email.
    let anon = client_for(&app.base);
    for email in ["ada@example.com", "ghost@example.com"] {
        let res = anon
            .post(app.url("/auth/forgot"))
            .form(&[("email", email)])
            .send()
            .await
            .unwrap();
        assert_eq!(location(&res), "/forgot?sent=1");
    }
}

#[tokio::test]
async fn a_session_ends_at_its_absolute_lifetime_however_active() {
    let app = common::spawn_app_with(&[("SESSION_MAX_AGE_DAYS", "7")]).await;
    app.setup("ada@example.com").await;
    assert!(app.signed_in().await);
    // Pretend the sign-in happened eight days ago (the session stayed active all along).
    let db = &app.state.db;
    let (id, record): (String, String) =
        server::with_db!(db, |p| sqlx::query_as("SELECT id, record FROM sessions")
            .fetch_one(p)
            .await)
        .unwrap();
    // String surgery, not a serde_json::Value round trip: the record id is an i128 that
    // Value would turn into a float.
    let start = record.find("\"started\":").expect("a start time") + "\"started\":".len();
    let end = start + record[start..].find(|c: char| !c.is_ascii_digit()).unwrap();
    let eight_days_ago = chrono::Utc::now().timestamp() - 8 * 24 * 3600;
    let record = format!("{}{eight_days_ago}{}", &record[..start], &record[end..]);
    server::exec!(
        db,
        sqlx::query("UPDATE sessions SET record = $1 WHERE id = $2")
            .bind(record)
            .bind(&id)
    )
    .unwrap();
    assert!(!app.signed_in().await, "past its absolute lifetime");
}
