//! Importing orders from CSV and XLSX, on both databases: the preview names each row's
//! problems and writes nothing; confirming writes the new orders once (a double click adds
//! none); the same file again finds them all in the store; the form's refusals (no file, a
//! PDF, a zip bomb dressed as XLSX, another company's store or import, no orders.write,
//! another site's form, no session).

mod common;

use std::io::Write as _;

use common::*;
use server::{
    access::Principal,
    audit::RequestMeta,
    orders::import::{self, RowOutcome},
    team::stores::{self, StoreInput},
    Error,
};
use uuid::Uuid;

const CSV: &str = "Order number,Customer,Email,Phone,Address,City,County,Postcode,Total,SKU,Item,Qty,Price,Date\n\
    A-1001,Ana Pop,ana@example.ro,0722 123 456,Str. Mare 1,Cluj-Napoca,Cluj,400001,129.90,CANA,Cană,2,49.95,2026-11-20 10:15\n\
    A-1001,Ana Pop,,,,,,,129.90,SUP,Suport,1,30,2026-11-20 10:15\n\
    A-1002,Dan Ilie,dan@example.ro,,Bd. Unirii 3,București,București,030167,59.00,,,,,2026-11-21\n\
    A-1003,,not-an-email,,,,,,12,,,,,\n\
    A-1004,Ioana,,,,,,,doi lei,,,,,\n";

fn meta() -> RequestMeta {
    RequestMeta::default()
}

async fn store(app: &TestApp, owner: &Principal, name: &str) -> Uuid {
    stores::create(
        &app.state.db,
        owner,
        &meta(),
        StoreInput {
            name: name.into(),
            platform: "other".into(),
        },
    )
    .await
    .unwrap()
    .id
}

async fn owner_app() -> (TestApp, Principal, Uuid) {
    let app = spawn_app().await;
    app.setup("ada@example.com").await;
    let owner = app.principal("ada@example.com").await;
    let s = store(&app, &owner, "Atelier").await;
    (app, owner, s)
}

/// An XLSX with these rows (the first is the header), as Excel would save it.
fn xlsx(rows: &[&[&str]]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            match cell.parse::<f64>() {
                Ok(n) if r > 0 && !cell.starts_with('0') => {
                    sheet.write_number(r as u32, c as u16, n).unwrap();
                }
                _ => {
                    sheet.write_string(r as u32, c as u16, *cell).unwrap();
                }
            }
        }
    }
    book.save_to_buffer().unwrap()
}

async fn numbers(app: &TestApp) -> Vec<String> {
    server::with_db!(&app.state.db, |c| sqlx::query_scalar(
        "SELECT number FROM orders ORDER BY number"
    )
    .fetch_all(c)
    .await)
    .unwrap()
}

#[tokio::test]
async fn a_preview_writes_nothing_and_confirming_writes_the_new_orders_once() {
    let (app, owner, s) = owner_app().await;
    let db = &app.state.db;
    let id = import::preview(db, &owner, s, "orders.csv", CSV.as_bytes())
        .await
        .unwrap();
    assert_eq!(app.count("orders").await, 0, "a preview writes no order");
    let view = import::get(db, &owner, id).await.unwrap();
    assert_eq!((view.new_orders, view.existing, view.errors), (2, 0, 2));
    let outcomes: Vec<(usize, &str, bool)> = view
        .rows
        .iter()
        .map(|r| {
            (
                r.line,
                r.number.as_str(),
                matches!(r.outcome, RowOutcome::Error { .. }),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        vec![
            (2, "A-1001", false),
            (3, "A-1001", false),
            (4, "A-1002", false),
            (5, "A-1003", true),
            (6, "A-1004", true)
        ]
    );
    assert_eq!(view.rows[1].outcome, RowOutcome::Item);
    let RowOutcome::Error { problems } = &view.rows[3].outcome else {
        unreachable!()
    };
    assert_eq!(
        problems,
        &vec![
            "No customer name.".to_string(),
            "“not-an-email” is not an email address.".to_string()
        ]
    );

    // Confirmed twice (a double click): written once, with the file's items and the time of
    // day in the company's zone.
    assert_eq!(import::confirm(db, &owner, &meta(), id).await.unwrap(), 2);
    assert_eq!(import::confirm(db, &owner, &meta(), id).await.unwrap(), 2);
    assert_eq!(numbers(&app).await, vec!["A-1001", "A-1002"]);
    assert_eq!(app.count("order_items").await, 2);
    assert_eq!(app.audit_count("ORDERS_IMPORTED").await, 1);
    let (total, placed, flags): (i64, chrono::DateTime<chrono::Utc>, String) =
        server::with_db!(db, |c| sqlx::query_as(
            "SELECT total_minor, placed_at, flags FROM orders WHERE number = 'A-1001'"
        )
        .fetch_one(c)
        .await)
        .unwrap();
    assert_eq!(total, 12990);
    assert_eq!(flags, "");
    let tz: chrono_tz::Tz = owner.timezone.parse().unwrap_or(chrono_tz::UTC);
    assert_eq!(
        placed
            .with_timezone(&tz)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        "2026-11-20 10:15"
    );
    let view = import::get(db, &owner, id).await.unwrap();
    assert_eq!(view.imported, 2);
    assert!(view.imported_at.is_some());

    // The same file again: every order is in the store already; confirming adds none.
    let again = import::preview(db, &owner, s, "orders.csv", CSV.as_bytes())
        .await
        .unwrap();
    let view = import::get(db, &owner, again).await.unwrap();
    assert_eq!((view.new_orders, view.existing, view.errors), (0, 3, 2));
    assert_eq!(
        import::confirm(db, &owner, &meta(), again).await.unwrap(),
        0
    );
    assert_eq!(app.count("orders").await, 2);

    // The platform's own order under an imported number takes the imported one over (its id
    // and facts), instead of standing beside it.
    let mut o: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/shopify/order.json")).unwrap();
    o["name"] = serde_json::json!("A-1002");
    let raw = o.to_string();
    let facts = server::orders::shopify::order_facts(&raw).unwrap();
    let got = server::orders::ingest::ingest(db, owner.company_id, s, &facts, &raw, "a test")
        .await
        .unwrap();
    assert!(
        matches!(got, server::orders::ingest::Ingested::Updated(_)),
        "{got:?}"
    );
    assert_eq!(app.count("orders").await, 2);
    let external: String = server::with_db!(db, |c| sqlx::query_scalar(
        "SELECT external_id FROM orders WHERE number = 'A-1002'"
    )
    .fetch_one(c)
    .await)
    .unwrap();
    assert_eq!(external, facts.external_id);
}

#[tokio::test]
async fn an_xlsx_imports_like_a_csv_and_a_zip_bomb_is_refused_unread() {
    let (app, owner, s) = owner_app().await;
    let db = &app.state.db;
    let book = xlsx(&[
        &[
            "Nr comanda",
            "Nume",
            "Telefon",
            "Adresa",
            "Oras",
            "Judet",
            "Cod postal",
            "Total",
            "Moneda",
        ],
        &[
            "X-1",
            "Radu Ene",
            "0733111222",
            "Str. Lungă 9",
            "Brașov",
            "Brașov",
            "500001",
            "249.5",
            "RON",
        ],
        &["X-2", "Mara Gol", "12", "", "", "", "", "80", "eur"],
    ]);
    let id = import::preview(db, &owner, s, "comenzi.xlsx", &book)
        .await
        .unwrap();
    let view = import::get(db, &owner, id).await.unwrap();
    assert_eq!((view.new_orders, view.errors), (2, 0), "{:?}", view.rows);
    assert_eq!(import::confirm(db, &owner, &meta(), id).await.unwrap(), 2);
    let rows: Vec<(String, i64, String, String)> = server::with_db!(db, |c| sqlx::query_as(
        "SELECT number, total_minor, currency, flags FROM orders ORDER BY number"
    )
    .fetch_all(c)
    .await)
    .unwrap();
    assert_eq!(
        rows,
        vec![
            ("X-1".into(), 24950, "RON".into(), "".into()),
            ("X-2".into(), 8000, "EUR".into(), "phone address".into())
        ]
    );

    // A zip whose one part inflates to 80 MB (it is 80 KB on disk): refused before reading.
    let mut bomb = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut bomb);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("xl/worksheets/sheet1.xml", options).unwrap();
        let zeros = vec![b' '; 1024 * 1024];
        for _ in 0..80 {
            zip.write_all(&zeros).unwrap();
        }
        zip.finish().unwrap();
    }
    let bomb = bomb.into_inner();
    assert!(bomb.len() < 1024 * 1024, "{}", bomb.len());
    match import::preview(db, &owner, s, "orders.xlsx", &bomb).await {
        Err(Error::Validation { field, message }) => {
            assert_eq!(field, "file");
            assert!(message.contains("too much memory"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    match import::preview(db, &owner, s, "orders.xlsx", b"PK\x03\x04 not a zip").await {
        Err(Error::Validation { message, .. }) => assert!(message.contains("cannot be opened")),
        other => panic!("{other:?}"),
    }
    // A few bytes that would make a sheet 16,000 columns wide: refused, never built whole.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["Order number", "Customer", "Total"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    sheet.write_string(1, 0, "W-1").unwrap();
    sheet.write_string(1, 16_000, "far away").unwrap();
    let wide = book.save_to_buffer().unwrap();
    match import::preview(db, &owner, s, "wide.xlsx", &wide).await {
        Err(Error::Validation { message, .. }) => {
            assert!(message.contains("beyond column 100"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(app.count("order_imports").await, 1);
}

#[tokio::test]
async fn imports_stay_in_their_company_and_stores() {
    let (app, owner, s) = owner_app().await;
    let db = &app.state.db;
    let outlet = store(&app, &owner, "Outlet").await;
    let id = import::preview(db, &owner, outlet, "o.csv", CSV.as_bytes())
        .await
        .unwrap();
    // A packer who sees Atelier only: not Outlet's import, not Outlet as a target.
    let op = app
        .add_member(&owner, "op@example.com", "operator", vec![s])
        .await;
    assert!(matches!(
        import::get(db, &op, id).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        import::confirm(db, &op, &meta(), id).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        import::preview(db, &op, outlet, "o.csv", CSV.as_bytes()).await,
        Err(Error::Validation { field, .. }) if field == "store_id"
    ));
    // A viewer may not import at all.
    let viewer = app
        .add_member(&owner, "vic@example.com", "viewer", vec![s])
        .await;
    assert!(matches!(
        import::preview(db, &viewer, s, "o.csv", CSV.as_bytes()).await,
        Err(Error::Forbidden)
    ));
    // Another company's owner sees none of it.
    let other = app.company_owned_by("Rival", owner.user_id).await;
    let mut rival = owner.clone();
    rival.company_id = other;
    assert!(matches!(
        import::get(db, &rival, id).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        import::preview(db, &rival, s, "o.csv", CSV.as_bytes()).await,
        Err(Error::Validation { .. })
    ));
    assert_eq!(app.count("orders").await, 0);
}

#[tokio::test]
async fn the_import_form_redirects_to_its_preview_or_back_with_the_refusal() {
    let (app, _owner, s) = owner_app().await;
    let form = |name: &'static str, bytes: Vec<u8>, store: String| {
        reqwest::multipart::Form::new()
            .text("store_id", store)
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(name),
            )
    };
    let res = app
        .client
        .post(app.url("/orders/import"))
        .multipart(form("orders.csv", CSV.as_bytes().to_vec(), s.to_string()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let page = location(&res);
    let id = page.strip_prefix("/orders/import/").unwrap().to_string();
    assert!(id.parse::<Uuid>().is_ok(), "{page}");
    assert_eq!(app.count("orders").await, 0);

    // A PDF: back to the form with why, and the store still chosen.
    let res = app
        .client
        .post(app.url("/orders/import"))
        .multipart(form("report.pdf", b"%PDF-1.4".to_vec(), s.to_string()))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/orders/import");
    let flash = flash_of(&res).unwrap();
    assert_eq!(flash.field.as_deref(), Some("file"));
    assert_eq!(flash.message, "Choose a CSV or XLSX file.");
    assert_eq!(flash.values.get("store_id"), Some(&s.to_string()));
    let res = app
        .client
        .post(app.url("/orders/import"))
        .multipart(form("orders.csv", CSV.as_bytes().to_vec(), "nope".into()))
        .send()
        .await
        .unwrap();
    assert_eq!(flash_of(&res).unwrap().field.as_deref(), Some("store_id"));

    // Confirm by form: 303 back to the import, which now says it is done.
    let confirm = app.url(&format!("/orders/import/{id}/confirm"));
    let res = app.client.post(&confirm).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), page);
    assert_eq!(app.count("orders").await, 2);
    let res = app
        .client
        .post(app.url(&format!("/orders/import/{}/confirm", Uuid::now_v7())))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);

    // Another site's form, and a visitor with no session, are refused.
    let res = app
        .client
        .post(&confirm)
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let anonymous = client_for(&app.base);
    let res = anonymous
        .post(app.url("/orders/import"))
        .multipart(form("orders.csv", CSV.as_bytes().to_vec(), s.to_string()))
        .send()
        .await
        .unwrap();
    assert!(
        matches!(res.status().as_u16(), 401 | 303),
        "{}",
        res.status()
    );
    assert_eq!(app.count("order_imports").await, 1);
}
