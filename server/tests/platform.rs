//! The platform super-admin: companies are created with their owner's invitation, disabled,
//! enabled and deleted (only with the password again); nobody else may do any of it.

mod common;

use common::*;
use server::{
    audit::RequestMeta,
    platform::{self, NewCompany},
    team::invitations::{self, AcceptInput},
    Error,
};

fn new_company(name: &str, owner: &str) -> NewCompany {
    NewCompany {
        name: name.into(),
        owner_email: owner.into(),
        timezone: "Europe/Bucharest".into(),
    }
}

async fn create(
    app: &TestApp,
    by: &server::access::Principal,
    input: NewCompany,
) -> Result<invitations::Sent, Error> {
    let config = &app.state.config;
    platform::create_company(
        &app.state.db,
        by,
        &RequestMeta::default(),
        &config.public_url,
        7,
        input,
    )
    .await
}

/// Bea accepts the owner's invitation with a new account.
async fn accept_as_bea(app: &TestApp, sent: &invitations::Sent) -> server::access::Principal {
    let input = AcceptInput {
        name: "Bea Boss".into(),
        password: PASSWORD.into(),
        password_confirm: PASSWORD.into(),
    };
    invitations::accept(
        &app.state.db,
        token_of(&sent.link),
        input,
        &RequestMeta::default(),
    )
    .await
    .and_then(server::team::invitations::Acceptance::joined)
    .unwrap()
}

#[tokio::test]
async fn the_super_admin_creates_a_company_whose_invited_owner_takes_it_over() {
    let app = spawn_app().await;
    app.setup("ada@example.com").await;
    let admin = app.principal("ada@example.com").await;
    assert!(
        admin.is_super_admin,
        "the first-run owner runs the platform"
    );
    let (db, meta) = (&app.state.db, RequestMeta::default());

    // Bad input names its field and creates nothing.
    let before = app.count("companies").await;
    let err = create(&app, &admin, new_company("Beta", "not-an-email"))
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("owner_email"));
    let err = create(&app, &admin, new_company(" ", "x@example.com"))
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("name"));
    assert_eq!(app.count("companies").await, before);

    let sent = create(
        &app,
        &admin,
        new_company("Beta Logistics", "boss@beta.test"),
    )
    .await
    .unwrap();
    let err = create(
        &app,
        &admin,
        new_company("Beta Logistics", "other@beta.test"),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");

    let list = platform::companies(db, &admin).await.unwrap();
    let beta = list.iter().find(|c| c.name == "Beta Logistics").unwrap();
    assert_eq!(beta.members, 0);
    assert_eq!(beta.pending_owner.as_deref(), Some("boss@beta.test"));

    let boss = accept_as_bea(&app, &sent).await;
    assert_eq!(boss.company_name, "Beta Logistics");
    assert_eq!(boss.role, "owner");
    assert!(!boss.is_super_admin);
    assert_eq!(boss.timezone, "Europe/Bucharest");
    assert!(app
        .audit_actions()
        .await
        .iter()
        .any(|(a, _)| a == "COMPANY_CREATED"));

    // The new owner is no platform admin.
    for err in [
        platform::companies(db, &boss)
            .await
            .map(|_| ())
            .unwrap_err(),
        platform::set_disabled(
            db,
            &app.state.sessions,
            &boss,
            &meta,
            admin.company_id,
            true,
        )
        .await
        .unwrap_err(),
        platform::delete_company(
            db,
            &app.state.sessions,
            &app.state.storage,
            &boss,
            &meta,
            admin.company_id,
            PASSWORD,
        )
        .await
        .unwrap_err(),
        create(&app, &boss, new_company("Gamma", "g@x.test"))
            .await
            .map(|_| ())
            .unwrap_err(),
    ] {
        assert!(matches!(err, Error::Forbidden), "{err:?}");
    }
}

#[tokio::test]
async fn a_disabled_company_signs_its_people_out_and_deleting_needs_the_password() {
    let app = spawn_app().await;
    app.setup("ada@example.com").await;
    let admin = app.principal("ada@example.com").await;
    let (db, meta) = (&app.state.db, RequestMeta::default());
    let sent = create(&app, &admin, new_company("Beta", "boss@beta.test"))
        .await
        .unwrap();
    let boss = accept_as_bea(&app, &sent).await;
    let browser = app
        .signed_in_client("boss@beta.test", PASSWORD, "beta-browser")
        .await;

    // The admin cannot disable or delete the company they are working in.
    assert!(matches!(
        platform::set_disabled(
            db,
            &app.state.sessions,
            &admin,
            &meta,
            admin.company_id,
            true
        )
        .await,
        Err(Error::Conflict(_))
    ));

    platform::set_disabled(
        db,
        &app.state.sessions,
        &admin,
        &meta,
        boss.company_id,
        true,
    )
    .await
    .unwrap();
    let res = browser.get(app.url("/some/page")).send().await.unwrap();
    assert!(
        location(&res).starts_with("/login"),
        "the disabled company's session ended"
    );
    let res = app.login("boss@beta.test", PASSWORD).await;
    assert_eq!(
        location(&res),
        "/login",
        "nobody works in a disabled company"
    );
    platform::set_disabled(
        db,
        &app.state.sessions,
        &admin,
        &meta,
        boss.company_id,
        false,
    )
    .await
    .unwrap();
    app.signed_in_client("boss@beta.test", PASSWORD, "beta-browser")
        .await;

    // A wrong password deletes nothing.
    let err = platform::delete_company(
        db,
        &app.state.sessions,
        &app.state.storage,
        &admin,
        &meta,
        boss.company_id,
        "wrong-password-1",
    )
    .await
    .unwrap_err();
    assert_eq!(err.field(), Some("current_password"));
    assert_eq!(app.count("companies").await, 2);
    // The company's files, and another company's, in the storage.
    let storage = &app.state.storage;
    let theirs = [
        format!("analyses/{}/a1/upload.pdf", boss.company_id),
        format!("companies/{}/logo/1.png", boss.company_id),
    ];
    let ours = format!("companies/{}/logo/1.png", admin.company_id);
    for key in theirs.iter().chain([&ours]) {
        storage.put(key, b"x".to_vec()).await.unwrap();
    }

    platform::delete_company(
        db,
        &app.state.sessions,
        &app.state.storage,
        &admin,
        &meta,
        boss.company_id,
        PASSWORD,
    )
    .await
    .unwrap();
    assert_eq!(app.count("companies").await, 1);
    for key in &theirs {
        assert!(
            !storage.exists(key).await.unwrap(),
            "{key} outlived its company"
        );
    }
    assert!(storage.exists(&ours).await.unwrap());
    assert_eq!(
        app.count("memberships").await,
        1,
        "only Ada's membership is left"
    );
    let err = platform::delete_company(
        db,
        &app.state.sessions,
        &app.state.storage,
        &admin,
        &meta,
        boss.company_id,
        PASSWORD,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::NotFound));
    // The deletion is kept in the admin's own company's log.
    let kept: i64 = server::with_db!(db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'COMPANY_DELETED' AND company_id = $1"
    )
    .bind(admin.company_id)
    .fetch_one(p)
    .await)
    .unwrap();
    assert_eq!(kept, 1);
}
