//! Proof of the mailbox (security finding 2): an account made from an invitation link with a
//! password joins no other company until it opens the link mailed to it, and a password reset
//! ends the sign-in methods that were added before the proof.

mod common;

use common::{location, spawn_app, token_of, TestApp, PASSWORD};
use server::{
    access::Principal,
    audit::RequestMeta,
    identity::account,
    identity::proof,
    identity::two_factor,
    team::invitations::{self, AcceptInput},
};

fn accept_input(name: &str, password: &str) -> AcceptInput {
    AcceptInput {
        name: name.into(),
        password: password.into(),
        password_confirm: password.into(),
    }
}

/// Another tenant: Mallory signs up with her own company.
async fn mallory(app: &TestApp) -> Principal {
    app.sign_up("Mallory Ltd", "Mallory", "mallory@example.com")
        .await
}

/// `by` invites `email` as a viewer; answers the invitation's token (what "copy link" gives).
async fn invite(app: &TestApp, by: &Principal, email: &str) -> String {
    app.invite(by, email, "viewer", vec![]).await
}

/// The newest mail of `kind` to `to`: the line holding `marker`.
async fn link_in_mail(app: &TestApp, kind: &str, to: &str, marker: &str) -> String {
    let body: String = server::with_db!(&app.state.db, |p| sqlx::query_scalar(
        "SELECT body FROM outbox WHERE kind = $1 AND to_email = $2 ORDER BY id DESC LIMIT 1"
    )
    .bind(kind)
    .bind(to)
    .fetch_one(p)
    .await)
    .unwrap();
    body.lines()
        .find(|l| l.contains(marker))
        .expect("a link in the mail")
        .trim()
        .to_string()
}

async fn run_jobs(app: &TestApp) {
    server::jobs::run_until_empty(&app.state.job_context(), &server::areas::jobs())
        .await
        .unwrap();
}

async fn memberships(app: &TestApp, user: uuid::Uuid) -> i64 {
    server::with_db!(&app.state.db, |p| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM memberships WHERE user_id = $1"
    )
    .bind(user)
    .fetch_one(p)
    .await)
    .unwrap()
}

#[tokio::test]
async fn an_account_made_from_an_invitation_joins_no_other_company_until_its_mailbox_is_proved() {
    let app = spawn_app().await;
    app.setup("ada@example.com").await;
    let ada = app.principal("ada@example.com").await;
    let db = &app.state.db;
    let meta = RequestMeta::default();
    assert!(
        proof::proven_at(db, ada.user_id).await.unwrap().is_some(),
        "the installer's address counts as proved"
    );

    // Bob accepts Ada's invitation with a password: his account exists, unproven, and the job
    // queued with it will mail a link.
    let bob = app
        .add_member(&ada, "bob@example.com", "viewer", vec![])
        .await;
    assert!(proof::proven_at(db, bob.user_id).await.unwrap().is_none());
    // Ten asks side by side (a double click, or a click and the job): one link is mailed.
    let asks = (0..10).map(|_| proof::send_link(db, &app.state.config.public_url, bob.user_id));
    let sent = futures_util::future::join_all(asks).await;
    let mailed = sent.iter().filter(|r| matches!(r, Ok(true))).count();
    assert_eq!(mailed, 1, "{sent:?}");
    // The job finds it mailed already.
    run_jobs(&app).await;
    let mails: i64 = server::with_db!(db, |p| {
        sqlx::query_scalar(
        "SELECT COUNT(*) FROM outbox WHERE kind = 'email_proof' AND to_email = 'bob@example.com'"
    )
    .fetch_one(p)
    .await
    })
    .unwrap();
    assert_eq!(mails, 1, "one link within minutes");
    let link = link_in_mail(&app, "email_proof", "bob@example.com", "/auth/verify/").await;

    // Another company invites him: his password is right, but an unproven account joins nothing.
    let mallory = mallory(&app).await;
    let token = invite(&app, &mallory, "bob@example.com").await;
    let refused = invitations::accept(db, &token, accept_input("", PASSWORD), &meta)
        .await
        .unwrap_err();
    assert!(
        refused
            .public_message()
            .contains("Confirm your email address"),
        "{}",
        refused.public_message()
    );
    assert_eq!(memberships(&app, bob.user_id).await, 1);

    // A made-up or spent link proves nothing.
    let browser = common::client_for(&app.base);
    let res = browser
        .get(app.url("/auth/verify/not-a-real-token"))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/login");
    assert!(proof::proven_at(db, bob.user_id).await.unwrap().is_none());

    // The mailed link: proved (once), audited.
    let res = browser
        .get(app.url(&format!("/auth/verify/{}", token_of(&link))))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/login?verified=1");
    assert!(proof::proven_at(db, bob.user_id).await.unwrap().is_some());
    let res = browser
        .get(app.url(&format!("/auth/verify/{}", token_of(&link))))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/login", "a link works once");
    let verified = app
        .audit_actions()
        .await
        .iter()
        .filter(|a| a.0 == "EMAIL_VERIFIED")
        .count();
    assert_eq!(verified, 1);

    invitations::accept(db, &token, accept_input("", PASSWORD), &meta)
        .await
        .and_then(invitations::Acceptance::joined)
        .expect("a proved account joins");
    assert_eq!(memberships(&app, bob.user_id).await, 2);
}

#[tokio::test]
async fn a_reset_ends_the_sign_in_methods_added_before_the_mailbox_was_proved() {
    let app = spawn_app().await;
    app.setup("ada@example.com").await;
    let ada = app.principal("ada@example.com").await;
    let (db, key) = (&app.state.db, &app.state.config.app_secret_key);
    let meta = RequestMeta::default();
    let now = || chrono::Utc::now().timestamp() as u64;

    // Mallory invites Victor and uses the copied link herself: the account is hers for now.
    let mallory = mallory(&app).await;
    let token = invite(&app, &mallory, "victor@example.com").await;
    let squatter = invitations::accept(
        db,
        &token,
        accept_input("Victor", "mallorys-own-pass-1"),
        &meta,
    )
    .await
    .and_then(invitations::Acceptance::joined)
    .unwrap();
    // She links her own Google account and enrols her own authenticator app.
    let mut tx = db.begin().await.unwrap();
    server::identity::google::accounts::insert_link(
        &mut tx,
        squatter.user_id,
        &server::identity::google::Identity {
            issuer: "https://accounts.google.com".into(),
            subject: "mallory-google-subject".into(),
            email: "mallory@gmail.example".into(),
            name: Some("Mallory".into()),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let enrol = two_factor::start(db, key, &squatter).await.unwrap();
    let code = two_factor::code_at(&enrol.secret, now()).unwrap();
    two_factor::confirm(db, key, &squatter, &meta, &code)
        .await
        .unwrap();
    assert!(two_factor::is_enabled(db, squatter.user_id).await.unwrap());

    // Victor resets the password from his mailbox: both of Mallory's methods end with it.
    let base = app.state.config.public_url.clone();
    account::request_reset(db, &meta, &base, "victor@example.com")
        .await
        .unwrap();
    let link = link_in_mail(&app, "password_reset", "victor@example.com", "/reset/").await;
    let removed = account::reset_password(
        db,
        &app.state.sessions,
        &meta,
        token_of(&link),
        "victors-new-pass-1",
        "victors-new-pass-1",
    )
    .await
    .unwrap();
    assert_eq!(removed, vec!["google", "authenticator"]);
    assert!(!two_factor::is_enabled(db, squatter.user_id).await.unwrap());
    let links: i64 = server::with_db!(db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM user_identities WHERE user_id = $1"
    )
    .bind(squatter.user_id)
    .fetch_one(p)
    .await)
    .unwrap();
    assert_eq!(
        links, 0,
        "Mallory's Google account no longer signs in as Victor"
    );
    let codes: i64 = server::with_db!(db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1"
    )
    .bind(squatter.user_id)
    .fetch_one(p)
    .await)
    .unwrap();
    assert_eq!(codes, 0);
    assert!(
        proof::proven_at(db, squatter.user_id)
            .await
            .unwrap()
            .is_some(),
        "the reset proved the mailbox"
    );
    // Victor signs in with his password alone (no code step Mallory set up).
    assert_eq!(
        location(&app.login("victor@example.com", "victors-new-pass-1").await),
        "/"
    );

    // Methods added after the proof are the owner's own: a reset keeps them.
    let enrol = two_factor::start(db, key, &ada).await.unwrap();
    let code = two_factor::code_at(&enrol.secret, now()).unwrap();
    two_factor::confirm(db, key, &ada, &meta, &code)
        .await
        .unwrap();
    // One reset mail per address per 15 minutes: Ada's first.
    account::request_reset(db, &meta, &base, "ada@example.com")
        .await
        .unwrap();
    let link = link_in_mail(&app, "password_reset", "ada@example.com", "/reset/").await;
    let removed = account::reset_password(
        db,
        &app.state.sessions,
        &meta,
        token_of(&link),
        "adas-new-pass-123",
        "adas-new-pass-123",
    )
    .await
    .unwrap();
    assert!(removed.is_empty(), "{removed:?}");
    assert!(two_factor::is_enabled(db, ada.user_id).await.unwrap());
}

#[tokio::test]
async fn a_sign_up_is_unproven_and_mailed_its_link() {
    let app = spawn_app().await;
    app.setup("ada@example.com").await;
    let db = &app.state.db;
    let mallory = mallory(&app).await;
    assert!(proof::proven_at(db, mallory.user_id)
        .await
        .unwrap()
        .is_none());
    run_jobs(&app).await;
    let link = link_in_mail(&app, "email_proof", "mallory@example.com", "/auth/verify/").await;
    assert!(link.starts_with(app.state.config.public_url.as_str().trim_end_matches('/')));
}

#[tokio::test]
async fn spent_and_expired_links_are_forgotten_a_month_after_they_expire() {
    let app = spawn_app().await;
    app.setup("ada@example.com").await;
    let ada = app.principal("ada@example.com").await;
    let now = chrono::Utc::now();
    let day = chrono::Duration::days(1);
    for (table, hash, expires) in [
        ("password_resets", "old-reset", now - day * 31),
        ("password_resets", "recent-reset", now - day),
        ("email_verifications", "old-proof", now - day * 40),
        ("email_verifications", "live-proof", now + day),
    ] {
        let sql = format!(
            "INSERT INTO {table} (token_hash, user_id, created_at, expires_at) \
             VALUES ($1, $2, $3, $4)"
        );
        server::exec!(
            &app.state.db,
            sqlx::query(&sql)
                .bind(hash)
                .bind(ada.user_id)
                .bind(expires - day * 3)
                .bind(expires)
        )
        .unwrap();
    }
    assert_eq!(
        server::identity::jobs::prune_links(&app.state.db)
            .await
            .unwrap(),
        2
    );
    let left: Vec<String> = server::with_db!(&app.state.db, |p| sqlx::query_scalar(
        "SELECT token_hash FROM password_resets UNION ALL \
         SELECT token_hash FROM email_verifications ORDER BY 1"
    )
    .fetch_all(p)
    .await)
    .unwrap();
    assert_eq!(left, ["live-proof", "recent-reset"]);
    // Nothing more to forget.
    assert_eq!(
        server::identity::jobs::prune_links(&app.state.db)
            .await
            .unwrap(),
        0
    );
}
