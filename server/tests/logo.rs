//! The company logo: PNG or JPG up to 5 MB, recognised by its bytes, uploaded only by those who
//! manage settings, served only to the company's members, kept in the object storage.

mod common;

use common::*;
use reqwest::multipart::{Form, Part};

const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

async fn upload(
    app: &TestApp,
    client: &reqwest::Client,
    name: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let form = Form::new().part("logo", Part::bytes(bytes).file_name(name.to_string()));
    client
        .post(app.url("/settings/company/logo"))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

const JPG: &[u8] = b"\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0";

/// The logo objects in the storage.
async fn objects(app: &TestApp) -> Vec<String> {
    app.state.storage.list("companies/").await.unwrap()
}

/// What the old database column holds (emptied once the logo is in the storage).
async fn stored_logo(app: &TestApp) -> Option<Vec<u8>> {
    server::with_db!(&app.state.db, |p| sqlx::query_scalar::<_, Option<Vec<u8>>>(
        "SELECT logo FROM companies LIMIT 1"
    )
    .fetch_one(p)
    .await)
    .unwrap()
}

#[tokio::test]
async fn an_admin_uploads_a_png_that_members_see_and_bad_files_change_nothing() {
    let app = spawn_app().await;
    app.setup("ada@example.com").await;

    // Not an image, whatever its name says.
    let res = upload(
        &app,
        &app.client,
        "logo.png",
        b"<svg onload=alert(1)>".to_vec(),
    )
    .await;
    assert_eq!(location(&res), "/settings/company");
    let flash = flash_of(&res).unwrap();
    assert_eq!(flash.field.as_deref(), Some("logo"));
    assert!(flash.message.contains("PNG or JPG"), "{}", flash.message);
    // Too big: refused before it is stored.
    let mut big = PNG.to_vec();
    big.resize(5 * 1024 * 1024 + 10, 0);
    let res = upload(&app, &app.client, "huge.png", big).await;
    assert!(flash_of(&res).unwrap().message.contains("at most 5 MB"));
    assert_eq!(stored_logo(&app).await, None);
    assert_eq!(app.get("/company/logo").await.status().as_u16(), 404);

    assert!(objects(&app).await.is_empty());

    let res = upload(&app, &app.client, "logo.png", PNG.to_vec()).await;
    assert_eq!(flash_of(&res).unwrap().message, "Logo updated.");
    // In the storage under the company's folder, not in the database.
    let first = objects(&app).await;
    let company = app.principal("ada@example.com").await.company_id;
    assert_eq!(first.len(), 1, "{first:?}");
    assert!(
        first[0].starts_with(&format!("companies/{company}/logo/")) && first[0].ends_with(".png")
    );
    assert_eq!(stored_logo(&app).await, None);
    let res = app.get("/company/logo").await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.bytes().await.unwrap().as_ref(), PNG);
    assert!(app
        .audit_actions()
        .await
        .iter()
        .any(|(a, _)| a == "SETTINGS_CHANGED"));

    // A viewer may look at it but not change it; a stranger sees nothing.
    let owner = app.principal("ada@example.com").await;
    app.add_member(&owner, "vic@example.com", "viewer", vec![])
        .await;
    let vic = app
        .signed_in_client("vic@example.com", PASSWORD, "vic")
        .await;
    assert_eq!(
        vic.get(app.url("/company/logo"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    let res = upload(&app, &vic, "mine.png", PNG.to_vec()).await;
    assert_eq!(res.status().as_u16(), 403);
    let res = vic
        .post(app.url("/settings/company/logo/remove"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);
    let anonymous = client_for(&app.base);
    let res = anonymous
        .get(app.url("/company/logo"))
        .send()
        .await
        .unwrap();
    assert!(location(&res).starts_with("/login"));

    // A new logo replaces the object; the old one is deleted.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let res = upload(&app, &app.client, "logo.jpg", JPG.to_vec()).await;
    assert_eq!(flash_of(&res).unwrap().message, "Logo updated.");
    let second = objects(&app).await;
    assert_eq!(second.len(), 1, "{second:?}");
    assert_ne!(second, first);
    let res = app.get("/company/logo").await;
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    assert_eq!(res.bytes().await.unwrap().as_ref(), JPG);

    let res = app.post_form("/settings/company/logo/remove", &[]).await;
    assert_eq!(flash_of(&res).unwrap().message, "Logo removed.");
    assert_eq!(stored_logo(&app).await, None);
    assert!(objects(&app).await.is_empty());
    assert_eq!(app.get("/company/logo").await.status().as_u16(), 404);
    // Removing again says there is nothing to remove.
    let res = app.post_form("/settings/company/logo/remove", &[]).await;
    assert!(flash_of(&res).unwrap().message.contains("no logo"));
}

#[tokio::test]
async fn a_logo_kept_in_the_database_before_moves_to_the_storage_when_first_read() {
    let app = spawn_app().await;
    app.setup("ada@example.com").await;
    let company = app.principal("ada@example.com").await.company_id;
    // As an installation before the move left it: the bytes in companies.logo, no key.
    server::exec!(
        &app.state.db,
        sqlx::query(
            "UPDATE companies SET logo = $1, logo_type = 'image/png', logo_updated_at = $2 \
             WHERE id = $3"
        )
        .bind(PNG)
        .bind(chrono::Utc::now())
        .bind(company)
    )
    .unwrap();
    assert!(objects(&app).await.is_empty());

    let res = app.get("/company/logo").await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.bytes().await.unwrap().as_ref(), PNG);
    assert_eq!(objects(&app).await.len(), 1);
    assert_eq!(stored_logo(&app).await, None);
    // Read again: from the storage now, the same bytes.
    let res = app.get("/company/logo").await;
    assert_eq!(res.bytes().await.unwrap().as_ref(), PNG);
    assert_eq!(objects(&app).await.len(), 1);
}
