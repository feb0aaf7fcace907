//! Public sign-up: off by default; when SIGNUP_ENABLED, anyone creates a company and becomes its
//! owner (never a platform admin); an email with an account or a taken company name is refused
//! at its field and nothing is created.

mod common;

use common::*;

fn form<'a>(company: &'a str, email: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("company_name", company),
        ("timezone", "Europe/Bucharest"),
        ("name", "Bea Boss"),
        ("email", email),
        ("password", PASSWORD),
        ("password_confirm", PASSWORD),
    ]
}

#[tokio::test]
async fn sign_up_is_off_unless_enabled() {
    let app = spawn_app().await;
    app.setup("ada@example.com").await;
    let res = app
        .post_form("/auth/signup", &form("Beta", "bea@beta.test"))
        .await;
    assert_eq!(res.status().as_u16(), 404);
    assert_eq!(app.count("companies").await, 1);
}

#[tokio::test]
async fn an_enabled_sign_up_creates_a_company_and_its_owner_once() {
    let app = spawn_app_with(&[
        ("SIGNUP_ENABLED", "true"),
        ("RATE_LIMIT_SIGN_IN_PER_ACCOUNT", "20"),
    ])
    .await;
    // Before first-run setup, the first company is made at /setup.
    let res = app
        .post_form("/auth/signup", &form("Beta", "bea@beta.test"))
        .await;
    assert_eq!(location(&res), "/signup");
    assert!(flash_of(&res).unwrap().message.contains("/setup"));
    app.setup("ada@example.com").await;
    app.logout().await;

    let browser = client_for(&app.base);
    let res = browser
        .post(app.url("/auth/signup"))
        .form(&form("Beta Logistics", "bea@beta.test"))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/?welcome=1");
    let bea = app.principal("bea@beta.test").await;
    assert_eq!(
        (bea.company_name.as_str(), bea.role.as_str()),
        ("Beta Logistics", "owner")
    );
    assert!(
        !bea.is_super_admin,
        "signing up never makes a platform admin"
    );
    assert!(app
        .audit_actions()
        .await
        .iter()
        .any(|(a, _)| a == "COMPANY_CREATED"));

    let cases = [
        (form("Gamma", "ada@example.com"), "email"),
        (form("Beta Logistics", "new@gamma.test"), "company_name"),
        (form("G", "new@gamma.test"), "company_name"),
        (form("Gamma", "not-an-email"), "email"),
    ];
    for (fields, field) in cases {
        let res = app.post_form("/auth/signup", &fields).await;
        assert_eq!(location(&res), "/signup");
        let flash = flash_of(&res).unwrap();
        assert_eq!(flash.field.as_deref(), Some(field), "{}", flash.message);
        assert_eq!(
            flash.values.get("password"),
            None,
            "passwords are never echoed"
        );
    }
    assert_eq!(app.count("companies").await, 2);
    assert_eq!(app.count("users").await, 2);
}
