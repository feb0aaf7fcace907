//! Members, roles, stores and invitations at the service level, on whichever database the
//! suite runs against.

mod common;

use common::{spawn_app, token_of, TestApp, PASSWORD};
use server::access::Principal;
use server::{
    access::Permission,
    audit::RequestMeta,
    team::invitations::{self, AcceptInput, InviteInput},
    team::members,
    team::roles,
    team::stores,
    Error,
};

fn meta() -> RequestMeta {
    RequestMeta::default()
}

async fn owner_app() -> (TestApp, Principal) {
    let app = spawn_app().await;
    app.setup("ada@example.com").await;
    let owner = app.principal("ada@example.com").await;
    (app, owner)
}

fn invite_input(email: &str, role: &str) -> InviteInput {
    InviteInput {
        email: email.into(),
        role: role.into(),
        store_ids: vec![],
    }
}

fn new_account(name: &str) -> AcceptInput {
    AcceptInput {
        name: name.into(),
        password: PASSWORD.into(),
        password_confirm: PASSWORD.into(),
    }
}

async fn invite(
    app: &TestApp,
    by: &Principal,
    input: InviteInput,
) -> Result<invitations::Sent, Error> {
    invitations::invite(
        &app.state.db,
        by,
        &meta(),
        &app.state.config.public_url,
        7,
        input,
    )
    .await
}

#[tokio::test]
async fn an_invitation_is_mailed_accepted_once_and_grants_its_role_and_stores() {
    let (app, owner) = owner_app().await;
    let db = &app.state.db;
    let north = stores::create(
        db,
        &owner,
        &meta(),
        stores::StoreInput {
            name: "North".into(),
            platform: "shopify".into(),
        },
    )
    .await
    .unwrap();
    stores::create(
        db,
        &owner,
        &meta(),
        stores::StoreInput {
            name: "South".into(),
            platform: "trendyol".into(),
        },
    )
    .await
    .unwrap();

    let mut input = invite_input(" Bob@Example.com ", "operator");
    input.store_ids = vec![north.id];
    let sent = invite(&app, &owner, input).await.unwrap();
    assert_eq!(sent.email, "bob@example.com");
    assert!(sent
        .link
        .starts_with(&format!("{}invite/", app.state.config.public_url)));
    let token = token_of(&sent.link).to_string();
    assert_eq!(token.len(), 43, "256 bits, base64url");

    // The mail is in the outbox with the link; the token itself is not stored.
    let outbox = server::mail::outbox(db, &owner, 10).await.unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].to_email, "bob@example.com");
    assert!(outbox[0].body.contains(&sent.link));
    let stored: String = server::with_db!(db, |p| sqlx::query_scalar(
        "SELECT token_hash FROM invitations"
    )
    .fetch_one(p)
    .await)
    .unwrap();
    assert_ne!(stored, token);

    let view = invitations::lookup(db, &token).await.unwrap().unwrap();
    assert_eq!(view.state, invitations::InvitationState::Open);
    assert_eq!(view.role_name, "Operator");
    assert!(!view.has_account);

    let bob = invitations::accept(db, &token, new_account("Bob Builder"), &meta())
        .await
        .and_then(server::team::invitations::Acceptance::joined)
        .unwrap();
    assert_eq!(bob.role, "operator");
    assert_eq!(bob.company_id, owner.company_id);
    assert!(bob.permissions.contains(Permission::OrdersWrite));
    assert!(!bob.permissions.contains(Permission::MembersManage));
    let visible: Vec<String> = stores::visible(db, &bob)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(
        visible,
        vec!["North"],
        "an operator sees only granted stores"
    );
    assert_eq!(
        stores::visible(db, &owner).await.unwrap().len(),
        2,
        "the owner sees all"
    );

    // Single use.
    let again = invitations::accept(db, &token, new_account("Mallory"), &meta())
        .await
        .and_then(server::team::invitations::Acceptance::joined)
        .unwrap_err();
    assert!(
        matches!(&again, Error::Conflict(m) if m.contains("already been used")),
        "{again:?}"
    );
    assert_eq!(
        invitations::lookup(db, &token)
            .await
            .unwrap()
            .unwrap()
            .state,
        invitations::InvitationState::Accepted
    );
    assert_eq!(app.count("users").await, 2);

    // Inviting a member again is a conflict, with a message that says why.
    let dup = invite(&app, &owner, invite_input("bob@example.com", "viewer"))
        .await
        .unwrap_err();
    assert_eq!(dup.status().as_u16(), 409);
    assert!(dup.public_message().contains("already a member"), "{dup:?}");

    let actions: Vec<String> = app.audit_actions().await.into_iter().map(|a| a.0).collect();
    for a in ["USER_INVITED", "INVITATION_ACCEPTED", "STORE_CREATED"] {
        assert!(
            actions.iter().any(|x| x == a),
            "{a} missing from {actions:?}"
        );
    }
}

#[tokio::test]
async fn bad_or_duplicate_invitations_are_refused_and_change_nothing() {
    let (app, owner) = owner_app().await;
    let before = (
        app.count("invitations").await,
        app.count("outbox").await,
        app.count("audit_log").await,
    );

    let bad = invite(&app, &owner, invite_input("not-an-email", "viewer"))
        .await
        .unwrap_err();
    assert_eq!(bad.field(), Some("email"));
    let bad = invite(&app, &owner, invite_input("c@example.com", "wizard"))
        .await
        .unwrap_err();
    assert_eq!(bad.field(), Some("role"));
    let mut foreign = invite_input("c@example.com", "viewer");
    foreign.store_ids = vec![uuid::Uuid::now_v7()];
    assert_eq!(
        invite(&app, &owner, foreign).await.unwrap_err().field(),
        Some("stores")
    );
    assert_eq!(
        before,
        (
            app.count("invitations").await,
            app.count("outbox").await,
            app.count("audit_log").await
        )
    );

    invite(&app, &owner, invite_input("c@example.com", "viewer"))
        .await
        .unwrap();
    let pending = invite(&app, &owner, invite_input("C@example.com", "analyst"))
        .await
        .unwrap_err();
    assert!(
        matches!(&pending, Error::Conflict(m) if m.contains("already pending")),
        "{pending:?}"
    );
    assert_eq!(app.count("invitations").await, 1);
}

#[tokio::test]
async fn expired_revoked_and_replaced_links_say_so_plainly() {
    let (app, owner) = owner_app().await;
    let db = &app.state.db;
    let first = invite(&app, &owner, invite_input("dan@example.com", "viewer"))
        .await
        .unwrap();
    let resent = invitations::resend(
        db,
        &owner,
        &meta(),
        &app.state.config.public_url,
        7,
        first.id,
    )
    .await
    .unwrap();
    assert!(
        invitations::lookup(db, token_of(&first.link))
            .await
            .unwrap()
            .is_none(),
        "a resent invitation retires the old link"
    );
    assert_eq!(app.count("outbox").await, 2);

    invitations::revoke(db, &owner, &meta(), first.id)
        .await
        .unwrap();
    let err = invitations::accept(db, token_of(&resent.link), new_account("Dan"), &meta())
        .await
        .and_then(server::team::invitations::Acceptance::joined)
        .unwrap_err();
    assert!(err.public_message().contains("withdrawn"), "{err:?}");

    let second = invite(&app, &owner, invite_input("dan@example.com", "viewer"))
        .await
        .unwrap();
    server::exec!(
        db,
        sqlx::query("UPDATE invitations SET expires_at = $1 WHERE id = $2")
            .bind(chrono::Utc::now() - chrono::Duration::minutes(1))
            .bind(second.id)
    )
    .unwrap();
    let err = invitations::accept(db, token_of(&second.link), new_account("Dan"), &meta())
        .await
        .and_then(server::team::invitations::Acceptance::joined)
        .unwrap_err();
    assert!(err.public_message().contains("expired"), "{err:?}");
    // An expired invitation does not block a new one.
    invite(&app, &owner, invite_input("dan@example.com", "viewer"))
        .await
        .unwrap();

    let err = invitations::accept(db, "made-up-token", new_account("Eve"), &meta())
        .await
        .and_then(server::team::invitations::Acceptance::joined)
        .unwrap_err();
    assert!(err.public_message().contains("not valid"), "{err:?}");
    assert_eq!(app.count("users").await, 1);
}

#[tokio::test]
async fn concurrent_acceptances_of_one_invitation_have_one_winner() {
    let (app, owner) = owner_app().await;
    let sent = invite(&app, &owner, invite_input("eve@example.com", "viewer"))
        .await
        .unwrap();
    let token = token_of(&sent.link).to_string();
    let tasks: Vec<_> = (0..4)
        .map(|i| {
            let db = app.state.db.clone();
            let token = token.clone();
            tokio::spawn(async move {
                invitations::accept(
                    &db,
                    &token,
                    new_account(&format!("Eve {i}")),
                    &RequestMeta::default(),
                )
                .await
                .and_then(server::team::invitations::Acceptance::joined)
            })
        })
        .collect();
    let mut wins = 0;
    for t in tasks {
        if t.await.unwrap().is_ok() {
            wins += 1;
        }
    }
    assert_eq!(wins, 1);
    assert_eq!(app.count("users").await, 2);
    assert_eq!(app.count("memberships").await, 2);
}

#[tokio::test]
async fn an_existing_account_joins_a_second_company_with_its_own_password() {
    let (app, owner) = owner_app().await;
    let db = &app.state.db;
    // A second company, owned by Zed.
    let zed = app
        .add_member(&owner, "zed@example.com", "viewer", vec![])
        .await;
    let beta = app.company_owned_by("Beta", zed.user_id).await;
    let zed_in_beta = server::identity::load_principal(db, zed.user_id, beta)
        .await
        .unwrap()
        .unwrap();
    assert!(zed_in_beta.is_owner());

    let sent = invite(
        &app,
        &zed_in_beta,
        invite_input("ada@example.com", "analyst"),
    )
    .await
    .unwrap();
    let token = token_of(&sent.link);
    assert!(
        invitations::lookup(db, token)
            .await
            .unwrap()
            .unwrap()
            .has_account
    );
    let wrong = AcceptInput {
        password: "not-her-password-1".into(),
        ..new_account("")
    };
    assert_eq!(
        invitations::accept(db, token, wrong, &meta())
            .await
            .and_then(server::team::invitations::Acceptance::joined)
            .unwrap_err()
            .field(),
        Some("password")
    );
    let ada = invitations::accept(
        db,
        token,
        AcceptInput {
            password: PASSWORD.into(),
            ..Default::default()
        },
        &meta(),
    )
    .await
    .and_then(server::team::invitations::Acceptance::joined)
    .unwrap();
    assert_eq!(
        (ada.user_id, ada.company_id, ada.role.as_str()),
        (owner.user_id, beta, "analyst")
    );
    assert_eq!(app.count("users").await, 2, "no second account");
    // Her first company is untouched.
    let in_acme = server::identity::load_principal(db, owner.user_id, owner.company_id)
        .await
        .unwrap()
        .unwrap();
    assert!(in_acme.is_owner());
}

#[tokio::test]
async fn the_last_owner_cannot_be_demoted_removed_or_disabled() {
    let (app, owner) = owner_app().await;
    let db = &app.state.db;
    let admin = app
        .add_member(&owner, "adm@example.com", "admin", vec![])
        .await;

    let e = members::change_role(db, &owner, &meta(), owner.user_id, "admin")
        .await
        .unwrap_err();
    assert!(e.public_message().contains("last owner"), "{e:?}");
    // An admin cannot touch an owner at all, nor make anyone an owner.
    assert!(matches!(
        members::change_role(db, &admin, &meta(), owner.user_id, "viewer").await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        members::remove(db, &app.state.sessions, &admin, &meta(), owner.user_id).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        members::set_disabled(
            db,
            &app.state.sessions,
            &admin,
            &meta(),
            owner.user_id,
            true
        )
        .await,
        Err(Error::Forbidden)
    ));
    assert_eq!(
        members::change_role(db, &admin, &meta(), admin.user_id, "owner")
            .await
            .unwrap_err()
            .field(),
        Some("role")
    );

    // With a second owner the first may step down.
    members::change_role(db, &owner, &meta(), admin.user_id, "owner")
        .await
        .unwrap();
    members::change_role(db, &owner, &meta(), owner.user_id, "admin")
        .await
        .unwrap();
    let now_admin = app.principal("ada@example.com").await;
    assert_eq!(now_admin.role, "admin");
    let new_owner = app.principal("adm@example.com").await;
    let e = members::remove(
        db,
        &app.state.sessions,
        &new_owner,
        &meta(),
        new_owner.user_id,
    )
    .await
    .unwrap_err();
    assert!(matches!(e, Error::Conflict(_)));
    let roles_changed = app
        .audit_actions()
        .await
        .iter()
        .filter(|a| a.0 == "ROLE_CHANGED")
        .count();
    assert_eq!(roles_changed, 2);
}

#[tokio::test]
async fn members_act_only_on_members_whose_role_grants_nothing_beyond_theirs() {
    let (app, owner) = owner_app().await;
    let db = &app.state.db;
    let sessions = &app.state.sessions;
    roles::create(
        db,
        &owner,
        &meta(),
        roles::RoleInput {
            name: "Team desk".into(),
            permissions: vec!["members.manage".into()],
        },
    )
    .await
    .unwrap();
    let desk = app
        .add_member(&owner, "desk@example.com", "custom:team-desk", vec![])
        .await;
    let admin = app
        .add_member(&owner, "adm@example.com", "admin", vec![])
        .await;
    let manager = app
        .add_member(&owner, "mgr@example.com", "manager", vec![])
        .await;
    let peer = app
        .add_member(&owner, "desk2@example.com", "custom:team-desk", vec![])
        .await;

    // members.manage alone cannot disable, remove or demote an admin (nor anyone whose role
    // grants a permission it lacks).
    for target in [&admin, &manager] {
        assert!(matches!(
            members::set_disabled(db, sessions, &desk, &meta(), target.user_id, true).await,
            Err(Error::Forbidden)
        ));
        assert!(matches!(
            members::remove(db, sessions, &desk, &meta(), target.user_id).await,
            Err(Error::Forbidden)
        ));
        assert!(matches!(
            members::change_role(db, &desk, &meta(), target.user_id, "custom:team-desk").await,
            Err(Error::Forbidden)
        ));
    }
    assert_eq!(app.principal("adm@example.com").await.role, "admin");
    assert_eq!(app.principal("mgr@example.com").await.role, "manager");
    // A peer with the same permissions is fair game; an admin manages a manager.
    members::set_disabled(db, sessions, &desk, &meta(), peer.user_id, true)
        .await
        .unwrap();
    members::set_disabled(db, sessions, &desk, &meta(), peer.user_id, false)
        .await
        .unwrap();
    members::change_role(db, &admin, &meta(), manager.user_id, "viewer")
        .await
        .unwrap();
    // Re-enabling is guarded the same way: a disabled admin stays disabled for the desk.
    members::set_disabled(db, sessions, &owner, &meta(), admin.user_id, true)
        .await
        .unwrap();
    assert!(matches!(
        members::set_disabled(db, sessions, &desk, &meta(), admin.user_id, false).await,
        Err(Error::Forbidden)
    ));
}

#[tokio::test]
async fn disabling_a_member_ends_their_sessions_and_their_access() {
    let app = spawn_app().await;
    app.setup("ada@example.com").await;
    let owner = app.principal("ada@example.com").await;
    let bob = app
        .add_member(&owner, "bob@example.com", "manager", vec![])
        .await;

    let bob_client = app
        .signed_in_client("bob@example.com", PASSWORD, "Bob/1.0")
        .await;
    let sign_in_again = || async {
        let res = bob_client
            .post(app.url("/auth/login"))
            .form(&[("email", "bob@example.com"), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        common::location(&res)
    };
    let res = bob_client.get(app.url("/some/page")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 404, "bob is signed in");

    members::set_disabled(
        &app.state.db,
        &app.state.sessions,
        &owner,
        &meta(),
        bob.user_id,
        true,
    )
    .await
    .unwrap();
    let res = bob_client.get(app.url("/some/page")).send().await.unwrap();
    assert!(
        common::location(&res).starts_with("/login"),
        "bob's session ended"
    );
    assert_eq!(
        sign_in_again().await,
        "/login",
        "a disabled member cannot sign in"
    );

    members::set_disabled(
        &app.state.db,
        &app.state.sessions,
        &owner,
        &meta(),
        bob.user_id,
        false,
    )
    .await
    .unwrap();
    assert_eq!(sign_in_again().await, "/");
}

#[tokio::test]
async fn custom_roles_grant_exactly_their_permissions() {
    let (app, owner) = owner_app().await;
    let db = &app.state.db;
    let input = |name: &str, perms: &[&str]| roles::RoleInput {
        name: name.into(),
        permissions: perms.iter().map(|p| p.to_string()).collect(),
    };
    for (name, perms, field) in [
        ("Packers", &[][..], "permissions"),
        ("Packers", &["orders.fly"][..], "permissions"),
        ("admin", &["orders.read"][..], "name"),
    ] {
        let e = roles::create(db, &owner, &meta(), input(name, perms))
            .await
            .unwrap_err();
        assert_eq!(e.field(), Some(field), "{name} {perms:?}");
    }
    let role = roles::create(
        db,
        &owner,
        &meta(),
        input("Packers", &["orders.read", "audit.read"]),
    )
    .await
    .unwrap();
    assert_eq!(role.slug, "custom:packers");
    assert!(matches!(
        roles::create(db, &owner, &meta(), input("packers", &["orders.read"])).await,
        Err(Error::Conflict(_))
    ));

    let packer = app
        .add_member(&owner, "pat@example.com", "custom:packers", vec![])
        .await;
    assert_eq!(packer.role_name, "Packers");
    assert!(packer.permissions.contains(Permission::AuditRead));
    assert!(!packer.permissions.contains(Permission::OrdersWrite));
    // A member without settings.manage cannot compose roles.
    assert!(matches!(
        roles::create(db, &packer, &meta(), input("Mine", &["orders.read"])).await,
        Err(Error::Forbidden)
    ));

    assert!(matches!(
        roles::delete(db, &owner, &meta(), "custom:packers").await,
        Err(Error::Conflict(_))
    ));
    roles::update(
        db,
        &owner,
        &meta(),
        "custom:packers",
        input("Packers", &["orders.read", "orders.write"]),
    )
    .await
    .unwrap();
    let packer = app.principal("pat@example.com").await;
    assert!(packer.permissions.contains(Permission::OrdersWrite));
    assert!(!packer.permissions.contains(Permission::AuditRead));
    assert!(matches!(
        roles::delete(db, &owner, &meta(), "viewer").await,
        Err(Error::Conflict(_))
    ));
    let listed = roles::list(db, &owner).await.unwrap();
    assert_eq!(listed.len(), 7);
    assert_eq!(
        listed
            .iter()
            .find(|r| r.slug == "custom:packers")
            .unwrap()
            .members,
        1
    );
}

#[tokio::test]
async fn company_settings_are_checked_saved_and_audited_with_what_changed() {
    let (app, owner) = owner_app().await;
    let db = &app.state.db;
    let viewer = app
        .add_member(&owner, "v@example.com", "viewer", vec![])
        .await;
    let mut s = server::team::company::get(db, &owner).await.unwrap();
    assert_eq!(
        (
            s.currency.as_str(),
            s.date_format.as_str(),
            s.analysis_standard.as_str()
        ),
        ("USD", "DD/MM/YYYY", "NETA")
    );
    let before = app.count("audit_log").await;
    for (field, value) in [
        ("currency", "XXX"),
        ("date_format", "YYYY-MM-DD"),
        ("timezone", "Mars/Olympus"),
        ("analysis_standard", "ISO"),
        ("name", " "),
    ] {
        let mut bad = s.clone();
        match field {
            "currency" => bad.currency = value.into(),
            "date_format" => bad.date_format = value.into(),
            "timezone" => bad.timezone = value.into(),
            "analysis_standard" => bad.analysis_standard = value.into(),
            _ => bad.name = value.into(),
        }
        let e = server::team::company::update(db, &owner, &meta(), bad)
            .await
            .unwrap_err();
        assert_eq!(e.field(), Some(field));
    }
    assert_eq!(
        app.count("audit_log").await,
        before,
        "refusals change nothing"
    );
    assert!(matches!(
        server::team::company::update(db, &viewer, &meta(), s.clone()).await,
        Err(Error::Forbidden)
    ));

    s.currency = "EUR".into();
    s.date_format = "MM/DD/YYYY".into();
    server::team::company::update(db, &owner, &meta(), s.clone())
        .await
        .unwrap();
    server::team::company::update(db, &owner, &meta(), s.clone())
        .await
        .unwrap(); // no change, no entry
    assert_eq!(server::team::company::get(db, &owner).await.unwrap(), s);
    let details: Vec<String> = server::with_db!(db, |p| sqlx::query_scalar(
        "SELECT CAST(details AS TEXT) FROM audit_log WHERE action = 'SETTINGS_CHANGED'"
    )
    .fetch_all(p)
    .await)
    .unwrap();
    assert_eq!(details.len(), 1);
    assert!(
        details[0].contains("currency")
            && details[0].contains("date_format")
            && !details[0].contains("timezone"),
        "{}",
        details[0]
    );
}
