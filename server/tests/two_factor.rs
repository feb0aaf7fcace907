//! Two-factor sign-in: enrolment, the code step at sign-in, replay, recovery codes, turning off.

mod common;

use common::{flash_of, location, session_cookie, spawn_app, PASSWORD};
use server::{audit::RequestMeta, identity::two_factor};

fn now() -> u64 {
    chrono::Utc::now().timestamp() as u64
}

/// An installation whose owner, Ada, has two-factor sign-in on; answers her and her secret.
async fn with_two_factor(
    extra: &[(&str, &str)],
) -> (common::TestApp, server::access::Principal, String) {
    let app = common::spawn_app_with(extra).await;
    app.setup("ada@example.com").await;
    let ada = app.principal("ada@example.com").await;
    let (db, key) = (&app.state.db, &app.state.config.app_secret_key);
    let enrol = two_factor::start(db, key, &ada).await.unwrap();
    let code = two_factor::code_at(&enrol.secret, now()).unwrap();
    two_factor::confirm(db, key, &ada, &RequestMeta::default(), &code)
        .await
        .unwrap();
    (app, ada, enrol.secret)
}

#[tokio::test]
async fn enrolment_needs_a_right_code_and_then_sign_in_asks_for_one() {
    let app = spawn_app().await;
    app.setup("ada@example.com").await;
    let ada = app.principal("ada@example.com").await;
    let (db, key, meta) = (
        &app.state.db,
        &app.state.config.app_secret_key,
        RequestMeta::default(),
    );

    let enrol = two_factor::start(db, key, &ada).await.unwrap();
    assert!(enrol
        .otpauth_url
        .starts_with("otpauth://totp/Switchyard%3Aada%40example.com?secret="));
    assert_eq!(enrol.secret.len(), 32, "160 bits in base32");
    let stored: String =
        server::with_db!(db, |p| sqlx::query_scalar("SELECT totp_pending FROM users")
            .fetch_one(p)
            .await)
        .unwrap();
    assert!(
        !stored.contains(&enrol.secret),
        "the secret is sealed at rest"
    );

    let wrong = two_factor::confirm(db, key, &ada, &meta, "000000")
        .await
        .unwrap_err();
    assert_eq!(wrong.field(), Some("code"));
    assert!(!two_factor::is_enabled(db, ada.user_id).await.unwrap());
    let code = two_factor::code_at(&enrol.secret, now()).unwrap();
    let recovery = two_factor::confirm(db, key, &ada, &meta, &code)
        .await
        .unwrap();
    assert_eq!(recovery.len(), 10);
    assert!(two_factor::is_enabled(db, ada.user_id).await.unwrap());

    // Sign-in now stops after the password: not signed in, a new session id, the code page.
    app.logout().await;
    let res = app.login("ada@example.com", PASSWORD).await;
    assert_eq!(location(&res), "/login/code");
    assert!(
        session_cookie(&res).is_some(),
        "the session id changes at the password step"
    );
    assert!(!app.signed_in().await);
    let logins_before = app
        .audit_actions()
        .await
        .iter()
        .filter(|a| a.0 == "LOGIN")
        .count();

    // The code used for enrolment cannot be used again.
    let res = app.post_form("/auth/code", &[("code", &code)]).await;
    assert_eq!(location(&res), "/login/code");
    assert_eq!(flash_of(&res).unwrap().field.as_deref(), Some("code"));
    assert!(!app.signed_in().await);

    // A recovery code works, once.
    let res = app
        .post_form("/auth/code", &[("code", &recovery[0].to_uppercase())])
        .await;
    assert_eq!(location(&res), "/");
    assert!(
        session_cookie(&res).is_some(),
        "the id changes again at sign-in"
    );
    assert!(app.signed_in().await);
    let logins = app
        .audit_actions()
        .await
        .iter()
        .filter(|a| a.0 == "LOGIN")
        .count();
    assert_eq!(logins, logins_before + 1);
    assert_eq!(
        two_factor::recovery_codes_left(db, ada.user_id)
            .await
            .unwrap(),
        9
    );
    assert!(
        !two_factor::verify(db, key, ada.user_id, &recovery[0])
            .await
            .unwrap(),
        "spent"
    );

    // A code of the next step works once.
    let next = two_factor::code_at(&enrol.secret, now() + 30).unwrap();
    assert!(two_factor::verify(db, key, ada.user_id, &next)
        .await
        .unwrap());
    assert!(
        !two_factor::verify(db, key, ada.user_id, &next)
            .await
            .unwrap(),
        "replayed"
    );

    // Without a pending password step, a code does nothing.
    let fresh = common::client_for(&app.base);
    let res = fresh
        .post(app.url("/auth/code"))
        .form(&[("code", &recovery[1])])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/login");
    assert_eq!(
        two_factor::recovery_codes_left(db, ada.user_id)
            .await
            .unwrap(),
        9
    );

    // Turning it off needs the password and a code.
    let e = two_factor::disable(db, key, &ada, &meta, "wrong-password-1", &recovery[1])
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("current_password"));
    let e = two_factor::disable(db, key, &ada, &meta, PASSWORD, "123456")
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("code"));
    two_factor::disable(db, key, &ada, &meta, PASSWORD, &recovery[1])
        .await
        .unwrap();
    app.logout().await;
    assert_eq!(location(&app.login("ada@example.com", PASSWORD).await), "/");
    let actions: Vec<String> = app.audit_actions().await.into_iter().map(|a| a.0).collect();
    for a in ["TWO_FACTOR_ENABLED", "TWO_FACTOR_DISABLED"] {
        assert!(actions.contains(&a.to_string()), "{a}");
    }
    let failed = app
        .audit_actions()
        .await
        .iter()
        .filter(|a| a.1.as_deref() == Some("wrong_code"))
        .count();
    assert_eq!(failed, 1);
}

#[tokio::test]
async fn an_invitation_accepted_as_an_account_with_two_factor_waits_for_its_code() {
    let (app, ada, secret) = with_two_factor(&[]).await;
    let db = &app.state.db;

    // Another tenant's owner, who knows (or guessed) Ada's password, invites her.
    let mallory = app
        .sign_up("Mallory Ltd", "Mallory", "mallory@example.com")
        .await;
    let token = app
        .invite(&mallory, "ada@example.com", "viewer", vec![])
        .await;
    let memberships = || async {
        server::with_db!(db, |p| sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM memberships WHERE company_id = $1 AND user_id = $2"
        )
        .bind(mallory.company_id)
        .bind(ada.user_id)
        .fetch_one(p)
        .await)
        .unwrap()
    };
    let failed = || async {
        app.audit_actions()
            .await
            .iter()
            .filter(|a| a.0 == "LOGIN_FAILED")
            .count()
    };

    let browser = common::client_for(&app.base);
    let accept = |password: &'static str| {
        browser
            .post(app.url(&format!("/auth/invite/{token}")))
            .form(&[("password", password)])
            .send()
    };
    // A wrong password is a failed sign-in like any other.
    let res = accept("not-her-password-1").await.unwrap();
    assert_eq!(location(&res), format!("/invite/{token}"));
    assert_eq!(failed().await, 1);

    // The right password alone: no session, no membership, the code step.
    let res = accept(PASSWORD).await.unwrap();
    assert_eq!(location(&res), "/login/code");
    assert_eq!(memberships().await, 0, "nothing joined before the code");
    let page = browser.get(app.url("/some/page")).send().await.unwrap();
    assert!(location(&page).starts_with("/login"), "not signed in");

    let res = browser
        .post(app.url("/auth/code"))
        .form(&[("code", "000000")])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/login/code");
    assert_eq!(memberships().await, 0);
    assert_eq!(failed().await, 2, "a wrong code is audited");

    let next = two_factor::code_at(&secret, now() + 30).unwrap();
    let res = browser
        .post(app.url("/auth/code"))
        .form(&[("code", &next)])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/?welcome=1");
    assert_eq!(memberships().await, 1, "joined after the full sign-in");
    let page = browser.get(app.url("/some/page")).send().await.unwrap();
    assert!(!location(&page).starts_with("/login"), "signed in");
}

#[tokio::test]
async fn wrong_codes_lock_the_code_step_across_sign_ins_and_warn_the_owner() {
    let (app, _ada, secret) = with_two_factor(&[("RATE_LIMIT_SIGN_IN_PER_ACCOUNT", "100")]).await;
    let db = &app.state.db;
    app.logout().await;
    let wrong = |n: usize| {
        let app = &app;
        async move {
            for _ in 0..n {
                let res = app.post_form("/auth/code", &[("code", "000000")]).await;
                assert_eq!(location(&res), "/login/code");
            }
        }
    };

    // Three wrong codes, a fresh password sign-in (no fresh budget), two more: locked.
    assert_eq!(
        location(&app.login("ada@example.com", PASSWORD).await),
        "/login/code"
    );
    wrong(3).await;
    assert_eq!(
        location(&app.login("ada@example.com", PASSWORD).await),
        "/login/code"
    );
    wrong(2).await;
    let locked = |app: &common::TestApp| {
        let db = app.state.db.clone();
        async move {
            server::with_db!(&db, |p| sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM outbox WHERE kind = 'second_factor_locked'"
            )
            .fetch_one(p)
            .await)
            .unwrap()
        }
    };
    assert_eq!(locked(&app).await, 1, "the owner is told");
    assert!(app
        .audit_actions()
        .await
        .iter()
        .any(|a| a.0 == "SECOND_FACTOR_LOCKED"));

    // Even the right code waits for the lock to pass.
    let right = two_factor::code_at(&secret, now() + 30).unwrap();
    let res = app.post_form("/auth/code", &[("code", &right)]).await;
    assert_eq!(location(&res), "/login/code");
    assert!(flash_of(&res).unwrap().message.contains("locked"));
    assert!(!app.signed_in().await);

    // Once it has passed, the right code signs in and the count starts again.
    server::exec!(
        db,
        sqlx::query("UPDATE users SET totp_locked_until = $1")
            .bind(chrono::Utc::now() - chrono::Duration::seconds(1))
    )
    .unwrap();
    let res = app.post_form("/auth/code", &[("code", &right)]).await;
    assert_eq!(location(&res), "/");
    let failures: i32 = server::with_db!(db, |p| sqlx::query_scalar(
        "SELECT totp_failures FROM users WHERE email = 'ada@example.com'"
    )
    .fetch_one(p)
    .await)
    .unwrap();
    assert_eq!(failures, 0);
}
