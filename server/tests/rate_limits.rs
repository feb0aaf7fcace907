//! Rate limits answer 429 before any password hashing. Alone in its own test binary: it reads
//! the process-wide count of argon2 computations.

mod common;

use common::{spawn_app_with, PASSWORD};
use server::identity::password::hashings;

#[tokio::test]
async fn sign_in_floods_get_429_without_hashing_and_per_account() {
    let app = spawn_app_with(&[
        ("RATE_LIMIT_SIGN_IN_PER_ACCOUNT", "3"),
        ("RATE_LIMIT_SIGN_IN_PER_IP", "5"),
    ])
    .await;
    app.setup("ada@example.com").await;
    for _ in 0..3 {
        let res = app.login("ada@example.com", "wrong-password-1").await;
        assert_eq!(res.status().as_u16(), 303);
    }
    let before = hashings();
    let res = app.login("Ada@Example.com", PASSWORD).await;
    assert_eq!(
        res.status().as_u16(),
        429,
        "the account's quota is used up, even with the right password"
    );
    assert_eq!(res.headers()["retry-after"], "60");
    assert!(res.text().await.unwrap().contains("Too many attempts"));
    assert_eq!(hashings(), before, "no argon2 work for a refused attempt");
    let failed = app
        .audit_actions()
        .await
        .iter()
        .filter(|a| a.0 == "LOGIN_FAILED")
        .count();
    assert_eq!(
        failed, 3,
        "refused attempts never reached the password check"
    );

    // Another account from the same address still works until the address quota is used.
    let res = app.login("bob@example.com", "whatever-1").await;
    assert_eq!(res.status().as_u16(), 303);
    let res = app.login("cy@example.com", "whatever-1").await;
    assert_eq!(
        res.status().as_u16(),
        429,
        "five attempts from one address per minute"
    );
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let app = spawn_app_with(&[]).await;
    for path in ["/health", "/login", "/nowhere"] {
        let res = app.get(path).await;
        let h = res.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert!(
            h["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'none'"),
            "{path}"
        );
        assert!(h.get("referrer-policy").is_some(), "{path}");
        assert!(
            h.get("strict-transport-security").is_none(),
            "plain http: no HSTS"
        );
    }
    let https = spawn_app_with(&[("PUBLIC_URL", "https://ops.example.com")]).await;
    let res = https.get("/health").await;
    assert!(res.headers()["strict-transport-security"]
        .to_str()
        .unwrap()
        .starts_with("max-age="));
}
