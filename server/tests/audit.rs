//! The audit log page's search and its CSV export.

mod common;

use common::{spawn_app, PASSWORD};
use server::audit::{self, Filter};

#[tokio::test]
async fn the_log_filters_by_actor_action_and_local_dates_and_pages() {
    let app = spawn_app().await;
    app.setup("ada@example.com").await; // Europe/Bucharest
    let ada = app.principal("ada@example.com").await;
    let bob = app
        .add_member(&ada, "bob@example.com", "viewer", vec![])
        .await;
    for _ in 0..3 {
        app.login("ada@example.com", "wrong-password-1").await;
    }
    let db = &app.state.db;
    let all = audit::search(db, &ada, &Filter::default(), 0, 100)
        .await
        .unwrap();
    assert!(all.1 >= 7, "{all:?}");
    let failed = audit::search(
        db,
        &ada,
        &Filter {
            action: Some("LOGIN_FAILED".into()),
            ..Default::default()
        },
        0,
        2,
    )
    .await
    .unwrap();
    assert_eq!(
        (failed.0.len(), failed.1),
        (2, 3),
        "a page of two out of three"
    );
    let by_bob = audit::search(
        db,
        &ada,
        &Filter {
            actor: Some(bob.user_id),
            ..Default::default()
        },
        0,
        100,
    )
    .await
    .unwrap();
    assert!(by_bob
        .0
        .iter()
        .all(|r| r.actor_email.as_deref() == Some("bob@example.com")));
    assert!(by_bob.0.iter().any(|r| r.action == "INVITATION_ACCEPTED"));

    // Today in Bucharest holds everything; yesterday nothing.
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Bucharest)
        .date_naive();
    let f = Filter::parse("", "", &today.to_string(), &today.to_string()).unwrap();
    assert_eq!(audit::search(db, &ada, &f, 0, 100).await.unwrap().1, all.1);
    let yesterday = today.pred_opt().unwrap().to_string();
    let f = Filter::parse("", "", &yesterday, &yesterday).unwrap();
    assert_eq!(audit::search(db, &ada, &f, 0, 100).await.unwrap().1, 0);

    assert_eq!(
        Filter::parse("", "", "24/11/2026", "").unwrap_err().field(),
        Some("from")
    );
    assert_eq!(
        Filter::parse("", "", "2026-11-24", "2026-11-01")
            .unwrap_err()
            .field(),
        Some("to")
    );
    assert_eq!(
        Filter::parse("someone", "", "", "").unwrap_err().field(),
        Some("actor")
    );
    // A viewer may not read it.
    assert_eq!(
        audit::search(db, &bob, &Filter::default(), 0, 10)
            .await
            .unwrap_err()
            .status()
            .as_u16(),
        403
    );
}

#[tokio::test]
async fn the_csv_export_is_for_audit_readers_escapes_formulas_and_is_itself_audited() {
    let app = spawn_app().await;
    app.setup("ada@example.com").await;
    let ada = app.principal("ada@example.com").await;
    let _sly = app
        .add_member(&ada, "sly@example.com", "viewer", vec![])
        .await;
    server::exec!(
        &app.state.db,
        sqlx::query(
            "UPDATE users SET name = '=HYPERLINK(\"http://evil\")' WHERE email = 'sly@example.com'"
        )
    )
    .unwrap();

    let res = app
        .post_form(
            "/audit/export",
            &[("action", ""), ("from", ""), ("to", ""), ("actor", "")],
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment; filename=\"audit-acme-electric-"));
    let body = res.text().await.unwrap();
    assert!(
        body.starts_with("time,actor,actor_email,action,target,ip,user_agent,details\n"),
        "{body}"
    );
    assert!(body.contains("COMPANY_CREATED") && body.contains("INVITATION_ACCEPTED"));
    assert!(
        body.contains("'=HYPERLINK"),
        "formulas are neutralised: {body}"
    );
    assert!(app
        .audit_actions()
        .await
        .iter()
        .any(|a| a.0 == "EXPORT_CREATED"));

    let bad = app
        .post_form("/audit/export", &[("from", "yesterday")])
        .await;
    assert_eq!(bad.status().as_u16(), 422);

    // A viewer gets 403; a cross-site form gets 403 before anything happens.
    let viewer = app
        .signed_in_client("sly@example.com", PASSWORD, "Sly/1.0")
        .await;
    let res = viewer
        .post(app.url("/audit/export"))
        .form(&[("action", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);
    let before = app.count("audit_log").await;
    let res = reqwest::Client::new()
        .post(app.url("/audit/export"))
        .header("origin", "https://evil.example")
        .form(&[("action", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);
    assert_eq!(app.count("audit_log").await, before);
}
