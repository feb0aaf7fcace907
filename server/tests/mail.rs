//! Mail by SMTP: with SMTP_URL set, an invitation reaches a local SMTP server through lettre,
//! once, and the outbox records it as sent; when the server is down the message stays queued
//! with its error and is delivered by a later attempt.

mod common;

use std::sync::{Arc, Mutex};

use common::*;
use server::{audit::RequestMeta, jobs, team::invitations};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
};

/// A minimal SMTP server that accepts everything and keeps each message's DATA.
async fn smtp_sink(listener: TcpListener) -> Arc<Mutex<Vec<String>>> {
    let received = Arc::new(Mutex::new(Vec::new()));
    let store = received.clone();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let store = store.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(buf) = data.as_mut() {
                        if line == "." {
                            store.lock().unwrap().push(data.take().unwrap());
                            write.write_all(b"250 queued\r\n").await.unwrap();
                        } else {
                            buf.push_str(&line);
                            buf.push('\n');
                        }
                        continue;
                    }
                    let verb = line.split_whitespace().next().unwrap_or("").to_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250 sink\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 go on\r\n"
                        }
                        "QUIT" => {
                            write.write_all(b"221 bye\r\n").await.unwrap();
                            return;
                        }
                        _ => b"250 ok\r\n",
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    received
}

async fn sent_at_and_error(app: &TestApp) -> (Option<String>, Option<String>) {
    server::with_db!(&app.state.db, |p| sqlx::query_as::<
        _,
        (Option<chrono::DateTime<chrono::Utc>>, Option<String>),
    >(
        "SELECT sent_at, last_error FROM outbox ORDER BY id DESC LIMIT 1"
    )
    .fetch_one(p)
    .await)
    .map(|(s, e)| (s.map(|s| s.to_rfc3339()), e))
    .unwrap()
}

async fn invite(app: &TestApp, email: &str) {
    let owner = app.principal("ada@example.com").await;
    invitations::invite(
        &app.state.db,
        &owner,
        &RequestMeta::default(),
        &app.state.config.public_url,
        7,
        invitations::InviteInput {
            email: email.into(),
            role: "viewer".into(),
            store_ids: vec![],
        },
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn with_smtp_an_invitation_is_delivered_once_and_marked_sent() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("smtp://{}", listener.local_addr().unwrap());
    let received = smtp_sink(listener).await;
    let app = spawn_app_with(&[
        ("SMTP_URL", &url),
        ("MAIL_FROM", "Acme Ops <ops@acme.test>"),
    ])
    .await;
    app.setup("ada@example.com").await;

    invite(&app, "grace@example.com").await;
    let ctx = app.state.job_context();
    jobs::run_until_empty(&ctx, &server::areas::jobs())
        .await
        .unwrap();

    let got = received.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "one message");
    assert!(got[0].contains("To: grace@example.com"), "{}", got[0]);
    assert!(
        got[0].contains("From: \"Acme Ops\" <ops@acme.test>")
            || got[0].contains("From: Acme Ops <ops@acme.test>"),
        "{}",
        got[0]
    );
    assert!(
        got[0].contains("invited you to Acme Electric"),
        "{}",
        got[0]
    );
    assert!(got[0].contains("/invite/"), "the link is in the message");
    let (sent, error) = sent_at_and_error(&app).await;
    assert!(sent.is_some() && error.is_none());

    // Running the queue again sends nothing more.
    jobs::run_until_empty(&ctx, &server::areas::jobs())
        .await
        .unwrap();
    assert_eq!(received.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn without_smtp_mail_waits_in_the_outbox_and_a_down_server_is_retried() {
    let app = spawn_app().await;
    app.setup("ada@example.com").await;
    invite(&app, "grace@example.com").await;
    jobs::run_until_empty(&app.state.job_context(), &server::areas::jobs())
        .await
        .unwrap();
    assert_eq!(
        sent_at_and_error(&app).await,
        (None, None),
        "kept for admins to read"
    );

    // SMTP configured but nobody listening: the error is recorded and the job is retried.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("smtp://127.0.0.1:{port}");
    let app = spawn_app_with(&[("SMTP_URL", &url)]).await;
    app.setup("ada@example.com").await;
    invite(&app, "grace@example.com").await;
    let _ = jobs::run_until_empty(&app.state.job_context(), &server::areas::jobs()).await;
    let (sent, error) = sent_at_and_error(&app).await;
    assert!(sent.is_none());
    assert!(
        error.is_some(),
        "the failure is recorded for the outbox page"
    );
    let retry: i64 = server::with_db!(&app.state.db, |p| {
        sqlx::query_scalar(
        "SELECT COUNT(*) FROM jobs WHERE kind = 'mail.send' AND status = 'queued' AND attempts = 1"
    )
    .fetch_one(p)
    .await
    })
    .unwrap();
    assert_eq!(retry, 1, "queued again with backoff");
}
