//! Uploads in an S3-compatible bucket: moto's server mode plays S3 (path-style, region "auto" as
//! R2 uses), the app is configured with S3_* only, and an analysis's files are written, served
//! through the permission-checked routes and deleted there.

mod common;
#[path = "common/pdf.rs"]
mod pdf;
#[path = "common/uploads.rs"]
mod uploads;

use std::{net::TcpListener, process::Stdio, time::Duration};

use reqwest::StatusCode;
use server::analyses::{keys, service};

struct Moto {
    child: tokio::process::Child,
    url: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

async fn moto() -> Moto {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = tokio::process::Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("moto_server is needed for this test: pip install 'moto[server]' (scripts/test.sh installs it)");
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if reqwest::get(&url).await.is_ok() {
            return Moto { child, url };
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("moto_server did not start");
}

#[tokio::test]
async fn analysis_files_live_in_the_bucket() {
    let s3 = moto().await;
    // R2's region "auto" needs a location constraint at bucket creation.
    let created = reqwest::Client::new()
        .put(format!("{}/reports", s3.url))
        .body("<CreateBucketConfiguration><LocationConstraint>auto</LocationConstraint></CreateBucketConfiguration>")
        .send()
        .await
        .unwrap();
    assert!(
        created.status().is_success(),
        "{}",
        created.text().await.unwrap()
    );
    let app = common::spawn_app_with(&[
        ("S3_BUCKET", "reports"),
        ("S3_ENDPOINT", s3.url.as_str()),
        ("S3_ACCESS_KEY_ID", "test-key"),
        ("S3_SECRET_ACCESS_KEY", "test-secret"),
    ])
    .await;
    assert_eq!(app.state.storage.kind, "s3");
    app.setup("ada@example.com").await;
    let owner = app.principal("ada@example.com").await;
    let meta = server::audit::RequestMeta::default();
    server::billing::grant(
        &app.state.db,
        &owner,
        &meta,
        owner.company_id,
        5_000,
        "bucket test",
    )
    .await
    .unwrap();
    let report = pdf::text_pdf(&[
        &["Ground resistance: 2.2 ohm"],
        &["Calibration due: 2027-01-31"],
    ]);
    let row = uploads::analysed(&app, &owner, "in-the-bucket.pdf", report, "grounding").await;
    let id = row.id;
    assert_eq!(row.status, "completed", "{:?}", row.error);

    // The objects are in the bucket (listed through S3's own API).
    let listing = reqwest::get(format!("{}/reports?list-type=2", s3.url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let prefix = keys::prefix(owner.company_id, id);
    for key in ["source.pdf", "pages/1.png", "pages/2.png"] {
        assert!(
            listing.contains(&format!("{prefix}/{key}")),
            "{key} in {listing}"
        );
    }
    let page = app.get(&format!("/analyses/{id}/pages/2")).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.bytes().await.unwrap().starts_with(b"\x89PNG"));

    service::delete(
        &app.state.db,
        &app.state.storage,
        &owner,
        &meta,
        id,
        "DELETE",
    )
    .await
    .unwrap();
    let listing = reqwest::get(format!("{}/reports?list-type=2", s3.url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!listing.contains(&prefix), "{listing}");
}
