//! Every line logged while a request is served carries its request span: the route, the path
//! (which names a server function), and, once the session is read, the tenant and the member.

mod support;

use std::{
    io::Write,
    sync::{Arc, Mutex},
};

use support::{common::*, spawn_full};

/// Collects everything the subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_server_function_logs_under_its_path_with_the_tenant_and_member() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing::subscriber::set_global_default(
        tracing_subscriber::fmt()
            .with_env_filter("info")
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish(),
    )
    .unwrap();

    let app = spawn_full().await;
    app.setup("ada@example.com").await;
    let ada = app.principal("ada@example.com").await;
    let res = app
        .client
        .post(app.url("/api/dashboard"))
        .form(&[("period", ""), ("from", ""), ("to", ""), ("store", "")])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());

    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let line = text
        .lines()
        .find(|l| l.contains("path=/api/dashboard") && l.contains("request"))
        .unwrap_or_else(|| panic!("no line of the dashboard's request in:\n{text}"));
    assert!(
        line.contains(&format!("company_id={}", ada.company_id)),
        "{line}"
    );
    assert!(line.contains(&format!("user_id={}", ada.user_id)), "{line}");

    // A visitor's request has no tenant to carry.
    let anonymous = client_for(&app.base);
    anonymous.post(app.url("/api/me")).send().await.unwrap();
    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let line = text
        .lines()
        .rfind(|l| l.contains("path=/api/me"))
        .expect("the visitor's request is logged");
    assert!(!line.contains("company_id="), "{line}");
}
