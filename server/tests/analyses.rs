//! Analyses end to end through the HTTP upload and the job, on SQLite (default) or PostgreSQL
//! (TEST_DATABASE_URL): verdicts from a real PDF's text layer, the token hold → settle →
//! release arithmetic, each bad input refused before anything is held, cancel, resume after a
//! crash, corrections, re-analysis, delete, visibility and the rate limit.

mod common;
#[path = "common/pdf.rs"]
mod pdf;
#[path = "common/uploads.rs"]
mod uploads;

use common::{spawn_app, spawn_app_with, TestApp, PASSWORD};
use reqwest::StatusCode;
use server::access::Principal;
use server::{
    analyses::{config::AnalysesConfig, keys, pipeline, service},
    audit::RequestMeta,
    billing::{self, ledger},
    jobs,
};
use uploads::{id_of, run_jobs, upload, upload_with};

const GROUNDING_P1: &[&str] = &[
    "GROUNDING SYSTEM TEST REPORT",
    "Equipment tag: GND-GRID-01",
    "Location: Substation B",
    "Test date: 14/03/2026",
    "Instrument: Megger DET4TC2, S/N 101234567",
    "Ground resistance: 7.4 ohm",
    "Technician signature: J. Smith",
    "Photo watermark: yes",
];
const GROUNDING_P2: &[&str] = &[
    "CALIBRATION CERTIFICATE",
    "Certificate no.: CAL-88231",
    "Instrument serial: 101234567",
    "Calibration date: 2025-01-31",
    "Calibration due: 2026-01-31",
];

fn grounding_pdf() -> Vec<u8> {
    pdf::text_pdf(&[GROUNDING_P1, GROUNDING_P2])
}

struct Ctx {
    app: TestApp,
    owner: Principal,
}

async fn start(extra: &[(&str, &str)], tokens: i64) -> Ctx {
    let app = if extra.is_empty() {
        spawn_app().await
    } else {
        spawn_app_with(extra).await
    };
    app.setup("ada@example.com").await;
    let owner = app.principal("ada@example.com").await;
    if tokens > 0 {
        billing::grant(
            &app.state.db,
            &owner,
            &RequestMeta::default(),
            owner.company_id,
            tokens,
            "test tokens",
        )
        .await
        .unwrap();
    }
    Ctx { app, owner }
}

async fn balance(app: &TestApp, p: &Principal) -> i64 {
    ledger::balance(&app.state.db, p.company_id).await.unwrap()
}

async fn hold_entries(app: &TestApp) -> Vec<(String, i64)> {
    server::with_db!(&app.state.db, |c| sqlx::query_as::<_, (String, i64)>(
        "SELECT kind, tokens FROM token_transactions WHERE kind IN ('hold', 'settle', 'release') ORDER BY created_at, kind"
    )
    .fetch_all(c)
    .await)
    .unwrap()
}

#[tokio::test]
async fn a_grounding_report_is_rejected_with_evidence_and_charged_once() {
    let Ctx { app, owner } = start(&[], 20_000).await;
    let bytes = grounding_pdf();
    let estimate = server::analyses::upload::estimate_tokens(bytes.len() as u64);
    assert_eq!(estimate, 1_000, "small PDFs cost the minimum estimate");
    let (status, body) = upload(&app, "grounding-gr-031.pdf", bytes, "grounding").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = id_of(&body);
    let row = service::get(&app.state.db, &owner, id).await.unwrap();
    assert_eq!(row.status, "pending");
    assert_eq!(row.pages, 2);
    assert_eq!(row.file_kind, "pdf");
    assert_eq!(
        balance(&app, &owner).await,
        20_000,
        "nothing is held before the job"
    );

    assert!(run_jobs(&app).await >= 1);
    let row = service::get(&app.state.db, &owner, id).await.unwrap();
    assert_eq!(row.status, "completed", "{:?}", row.error);
    assert_eq!(row.verdict.as_deref(), Some("REJECTED"));
    let outcome = row.outcome().unwrap();
    let codes: Vec<&str> = outcome.findings.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(codes, ["GND-001", "GND-002"]);
    assert!(outcome.findings[0]
        .evidence
        .contains("7.4 Ω (page 1, text layer)"));
    assert!(outcome.findings[1]
        .evidence
        .contains("2026-01-31 (page 2, text layer)"));
    assert_eq!(row.score, Some(40));
    assert_eq!(row.provider.as_deref(), Some("local"));
    assert!(row.processing_ms.is_some());

    // Hold the estimate, settle at the local extractor's cost: 1,000 held, 500 back.
    let cost = app.state.config.section::<AnalysesConfig>().local_cost;
    assert_eq!(row.tokens_charged, cost);
    assert_eq!(balance(&app, &owner).await, 20_000 - cost);
    assert_eq!(
        hold_entries(&app).await,
        vec![("hold".into(), -1_000), ("settle".into(), 1_000 - cost)]
    );

    // Both pages were rendered and are served behind the permission check.
    for n in 1..=2 {
        let res = app.get(&format!("/analyses/{id}/pages/{n}")).await;
        assert_eq!(res.status(), StatusCode::OK);
        let png = res.bytes().await.unwrap();
        assert!(png.starts_with(b"\x89PNG"));
    }
    assert_eq!(
        app.get(&format!("/analyses/{id}/pages/3")).await.status(),
        StatusCode::NOT_FOUND
    );
    let res = app.get(&format!("/analyses/{id}/file")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("grounding-gr-031.pdf"));

    // Running the job again changes nothing.
    jobs::enqueue(
        &app.state.db,
        jobs::NewJob {
            kind: pipeline::KIND,
            payload: serde_json::json!({ "analysis_id": id, "company_id": owner.company_id }),
            run_at: chrono::Utc::now(),
            max_attempts: 3,
            dedupe_key: None,
        },
    )
    .await
    .unwrap();
    run_jobs(&app).await;
    assert_eq!(balance(&app, &owner).await, 20_000 - cost);
    assert_eq!(hold_entries(&app).await.len(), 2);
    let actions: Vec<String> = app.audit_actions().await.into_iter().map(|a| a.0).collect();
    assert!(actions.contains(&"ANALYSIS_CREATED".to_string()));
}

#[tokio::test]
async fn bad_files_are_refused_before_anything_is_stored_or_held() {
    let Ctx { app, owner } = start(&[("ANALYSIS_RATE_PER_MINUTE", "100")], 20_000).await;
    let encrypted = std::fs::read("tests/fixtures/analyses/encrypted.pdf").unwrap();
    let mut corrupt = grounding_pdf();
    corrupt.truncate(300);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "report.pdf",
            b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0".to_vec(),
            "a Linux program",
        ),
        (
            "setup.pdf",
            b"MZ\x90\0\x03\0\0\0".to_vec(),
            "a Windows program",
        ),
        ("empty.pdf", Vec::new(), "The file is empty."),
        ("locked.pdf", encrypted, "password-protected"),
        ("broken.pdf", corrupt, "damaged or not a PDF"),
        ("bomb.pdf", pdf::bomb_pdf(300 << 20), "compression bomb"),
        (
            "../../etc/report.pdf",
            grounding_pdf(),
            "must not contain a path",
        ),
        ("..\\report.pdf", grounding_pdf(), "must not contain a path"),
        (
            "thousand.pdf",
            pdf::empty_pages_pdf(1000),
            "1000 pages; at most 200",
        ),
    ];
    for (name, bytes, expected) in cases {
        let (status, body) = upload(&app, name, bytes, "grounding").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {body}");
        let msg = body["error"].as_str().unwrap_or_default();
        assert!(msg.contains(expected), "{name}: {msg}");
        assert_eq!(body["field"], "file");
    }
    let (status, body) = upload(&app, "report.pdf", grounding_pdf(), "voltage").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["field"], "test_type");
    assert_eq!(app.count("analyses").await, 0);
    assert_eq!(app.count("token_holds").await, 0);
    assert_eq!(balance(&app, &owner).await, 20_000);
    assert!(app.state.storage.list("analyses").await.unwrap().is_empty());
}

#[tokio::test]
async fn a_short_balance_is_refused_with_a_link_to_billing() {
    let Ctx { app, .. } = start(&[], 999).await;
    let (status, body) = upload(&app, "r.pdf", grounding_pdf(), "grounding").await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED);
    assert!(body["error"].as_str().unwrap().contains("Billing page"));
    assert_eq!(body["code"], "insufficient_tokens");
    assert_eq!(app.count("analyses").await, 0);
}

#[tokio::test]
async fn the_eleventh_request_in_a_minute_is_refused() {
    let Ctx { app, .. } = start(&[], 0).await;
    // Refused for the balance, but each counts as a request.
    for i in 1..=10 {
        let (status, _) = upload(&app, "r.pdf", grounding_pdf(), "grounding").await;
        assert_eq!(status, StatusCode::PAYMENT_REQUIRED, "request {i}");
    }
    let (status, body) = upload(&app, "r.pdf", grounding_pdf(), "grounding").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
}

#[tokio::test]
async fn cancel_is_free_and_wins_over_the_job() {
    let Ctx { app, owner } = start(&[], 5_000).await;
    let (_, body) = upload(&app, "r.pdf", grounding_pdf(), "grounding").await;
    let id = id_of(&body);
    let meta = RequestMeta::default();
    service::cancel(&app.state.db, &owner, &meta, id)
        .await
        .unwrap();
    run_jobs(&app).await;
    let row = service::get(&app.state.db, &owner, id).await.unwrap();
    assert_eq!(row.status, "cancelled");
    assert_eq!(balance(&app, &owner).await, 5_000);
    assert!(hold_entries(&app).await.is_empty());
    let again = service::cancel(&app.state.db, &owner, &meta, id).await;
    assert!(matches!(again, Err(server::Error::Conflict(_))));
}

#[tokio::test]
async fn a_crash_mid_analysis_resumes_without_charging_twice() {
    let Ctx { app, owner } = start(&[], 5_000).await;
    let db = &app.state.db;
    let (_, body) = upload(&app, "r.pdf", grounding_pdf(), "grounding").await;
    let id = id_of(&body);
    // The previous worker claimed it and took the hold, then died.
    server::exec!(
        db,
        sqlx::query("UPDATE analyses SET status = 'processing', started_at = $2 WHERE id = $1")
            .bind(id)
            .bind(chrono::Utc::now())
    )
    .unwrap();
    let hold = ledger::hold(db, owner.company_id, 1_000, &format!("analysis:{id}"))
        .await
        .unwrap();
    assert_eq!(balance(&app, &owner).await, 4_000);
    // Its job's lease expires and the job runs again.
    pipeline::run(&app.state.job_context(), owner.company_id, id)
        .await
        .unwrap();
    let row = service::get(db, &owner, id).await.unwrap();
    assert_eq!(row.status, "completed");
    assert_eq!(row.hold_id, Some(hold.id), "the same hold was found again");
    assert_eq!(balance(&app, &owner).await, 4_500);

    // Completed but stopped before settling: the next run settles with the recorded amount.
    let (_, body) = upload(&app, "s.pdf", grounding_pdf(), "grounding").await;
    let id2 = id_of(&body);
    let hold2 = ledger::hold(db, owner.company_id, 1_000, &format!("analysis:{id2}"))
        .await
        .unwrap();
    server::exec!(db, sqlx::query("UPDATE analyses SET status = 'completed', hold_id = $2, tokens_charged = 500 WHERE id = $1")
        .bind(id2).bind(hold2.id))
    .unwrap();
    run_jobs(&app).await;
    assert_eq!(balance(&app, &owner).await, 4_000);
    run_jobs(&app).await;
    pipeline::run(&app.state.job_context(), owner.company_id, id2)
        .await
        .unwrap();
    assert_eq!(balance(&app, &owner).await, 4_000, "settled once");
    let settles = hold_entries(&app)
        .await
        .into_iter()
        .filter(|(k, _)| k == "settle")
        .count();
    assert_eq!(settles, 2);
}

#[tokio::test]
async fn a_correction_reruns_the_rules_and_a_reanalysis_is_a_new_charged_version() {
    let Ctx { app, owner } = start(&[], 10_000).await;
    let db = &app.state.db;
    let meta = RequestMeta::default();
    let (_, body) = upload(&app, "r.pdf", grounding_pdf(), "grounding").await;
    let id = id_of(&body);
    run_jobs(&app).await;

    let bad = service::correct(db, &owner, &meta, id, "ground_resistance", "four").await;
    assert!(matches!(bad, Err(server::Error::Validation { .. })));
    let o = service::correct(db, &owner, &meta, id, "ground_resistance", "4.2")
        .await
        .unwrap();
    let codes: Vec<&str> = o.findings.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(codes, ["GND-002"]);
    let o = service::correct(
        db,
        &owner,
        &meta,
        id,
        "certificate.expiry_date",
        "2026-12-31",
    )
    .await
    .unwrap();
    assert!(o.findings.is_empty());
    let row = service::get(db, &owner, id).await.unwrap();
    assert_eq!(row.verdict.as_deref(), Some("APPROVED"));
    assert_eq!(row.score, Some(100));
    let log = service::corrections(db, &owner, id).await.unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(
        (log[0].old_value.as_str(), log[0].new_value.as_str()),
        ("7.4", "4.2")
    );
    let actions: Vec<String> = app.audit_actions().await.into_iter().map(|a| a.0).collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "ANALYSIS_CORRECTED")
            .count(),
        2
    );

    let v2 = service::reanalyse(db, &app.state.storage, &owner, &meta, id)
        .await
        .unwrap();
    run_jobs(&app).await;
    let row2 = service::get(db, &owner, v2).await.unwrap();
    assert_eq!(row2.version, 2);
    assert_eq!(row2.previous_id, Some(id));
    assert_eq!(row2.lineage_id, id);
    assert_eq!(
        row2.verdict.as_deref(),
        Some("REJECTED"),
        "read from the file again"
    );
    assert_eq!(balance(&app, &owner).await, 10_000 - 1_000);
    let versions = service::versions(db, &owner, &row2).await.unwrap();
    assert_eq!(versions.iter().map(|v| v.1).collect::<Vec<_>>(), [1, 2]);

    // Delete needs the word, removes the files and the row, and is audited.
    let storage = &app.state.storage;
    let prefix = keys::prefix(owner.company_id, v2);
    assert!(!storage.list(&prefix).await.unwrap().is_empty());
    let refused = service::delete(db, storage, &owner, &meta, v2, "delete").await;
    assert!(matches!(refused, Err(server::Error::Validation { .. })));
    service::delete(db, storage, &owner, &meta, v2, "DELETE")
        .await
        .unwrap();
    assert!(storage.list(&prefix).await.unwrap().is_empty());
    assert!(matches!(
        service::get(db, &owner, v2).await,
        Err(server::Error::NotFound)
    ));
    assert_eq!(
        app.get(&format!("/analyses/{v2}/file")).await.status(),
        StatusCode::NOT_FOUND
    );
    let actions: Vec<String> = app.audit_actions().await.into_iter().map(|a| a.0).collect();
    assert!(actions.contains(&"ANALYSIS_REANALYZED".to_string()));
    assert!(actions.contains(&"ANALYSIS_DELETED".to_string()));
}

#[tokio::test]
async fn analysts_see_their_own_and_viewers_cannot_upload() {
    let Ctx { app, owner } = start(&[], 10_000).await;
    let db = &app.state.db;
    let analyst = app
        .add_member(&owner, "ana@example.com", "analyst", vec![])
        .await;
    let viewer = app
        .add_member(&owner, "vic@example.com", "viewer", vec![])
        .await;
    let (_, body) = upload(&app, "owners.pdf", grounding_pdf(), "grounding").await;
    let owners = id_of(&body);
    let ana = app
        .signed_in_client("ana@example.com", PASSWORD, "test-analyst")
        .await;
    let (status, body) = upload_with(&app, &ana, "mine.pdf", grounding_pdf(), "insulation").await;
    assert_eq!(status, StatusCode::CREATED);
    let mine = id_of(&body);
    run_jobs(&app).await;

    let (rows, total) = service::list(db, &analyst, &Default::default(), 1)
        .await
        .unwrap();
    assert_eq!(total, 1);
    assert_eq!(rows[0].id, mine);
    assert!(matches!(
        service::get(db, &analyst, owners).await,
        Err(server::Error::NotFound)
    ));
    let res = ana
        .get(app.url(&format!("/analyses/{owners}/pages/1")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let (_, total) = service::list(db, &viewer, &Default::default(), 1)
        .await
        .unwrap();
    assert_eq!(total, 2, "viewers read all analyses");

    let vic = app
        .signed_in_client("vic@example.com", PASSWORD, "test-viewer")
        .await;
    let (status, _) = upload_with(&app, &vic, "v.pdf", grounding_pdf(), "grounding").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("analyses").await, 2);

    // History filters.
    let f = service::Filter {
        q: Some("MINE".into()),
        ..Default::default()
    };
    let (rows, _) = service::list(db, &owner, &f, 1).await.unwrap();
    assert_eq!(rows.len(), 1);
    let f = service::Filter {
        test_type: Some(server::analyses::TestType::Grounding),
        verdict: Some(server::analyses::Verdict::Rejected),
        ..Default::default()
    };
    let (rows, _) = service::list(db, &owner, &f, 1).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), [owners]);
    let f = service::Filter {
        q: Some("%".into()),
        ..Default::default()
    };
    assert_eq!(
        service::list(db, &owner, &f, 1).await.unwrap().1,
        0,
        "% is literal"
    );
    // Sort by score, both ways, with a clean report (score 100) beside the two at 40.
    let mut good: Vec<&str> = GROUNDING_P1.to_vec();
    good[5] = "Ground resistance: 2.0 ohm";
    let clean = pdf::text_pdf(&[&good, &["Calibration due: 2027-01-31"]]);
    let row = uploads::analysed(&app, &owner, "clean.pdf", clean, "grounding").await;
    assert_eq!(row.score, Some(100), "{:?}", row.outcome());
    let by_score = |asc: bool| service::Filter {
        sort_score: true,
        asc,
        ..Default::default()
    };
    let (rows, _) = service::list(db, &owner, &by_score(true), 1).await.unwrap();
    let scores: Vec<Option<i32>> = rows.iter().map(|r| r.score).collect();
    assert_eq!(scores, [Some(40), Some(40), Some(100)]);
    let (rows, _) = service::list(db, &owner, &by_score(false), 1)
        .await
        .unwrap();
    assert_eq!(rows[0].score, Some(100));
}

#[tokio::test]
async fn a_flir_photo_is_measured_without_any_ai() {
    use server::analyses::flir::{self, Camera};
    let Ctx { app, owner } = start(&[], 5_000).await;
    let camera = Camera {
        reflected: 22.0,
        atmospheric: 22.5,
        ..Camera::typical()
    };
    let jpeg = flir::build_jpeg(
        32,
        24,
        &|x, y| if (x, y) == (20, 5) { 47.0 } else { 30.0 },
        &camera,
    );
    let (status, body) = upload(&app, "IR_0042.jpg", jpeg, "thermography").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = id_of(&body);
    run_jobs(&app).await;
    let row = service::get(&app.state.db, &owner, id).await.unwrap();
    assert_eq!(row.status, "completed", "{:?}", row.error);
    assert_eq!(row.file_kind, "jpeg");
    let x = row.extraction().unwrap();
    assert_eq!(x.temperatures.max.value, Some(47.0));
    assert_eq!(x.temperatures.min.value, Some(30.0));
    assert_eq!(x.temperatures.max.source.as_deref(), Some("radiometric"));
    let codes: Vec<String> = row
        .outcome()
        .unwrap()
        .findings
        .into_iter()
        .map(|f| f.code)
        .collect();
    assert_eq!(codes, ["THM-001"], "ΔT 17 °C");
    // The photo is shown as a page image.
    let res = app.get(&format!("/analyses/{id}/pages/1")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.bytes().await.unwrap().starts_with(b"\x89PNG"));
}

#[tokio::test]
async fn an_analysis_whose_job_died_is_failed_and_its_hold_released() {
    let Ctx { app, owner } = start(&[], 5_000).await;
    let db = &app.state.db;
    let (_, body) = upload(&app, "r.pdf", grounding_pdf(), "grounding").await;
    let id = id_of(&body);
    // It was claimed, held, then its job used up its attempts.
    server::exec!(
        db,
        sqlx::query("UPDATE analyses SET status = 'processing' WHERE id = $1").bind(id)
    )
    .unwrap();
    let hold = ledger::hold(db, owner.company_id, 1_000, &format!("analysis:{id}"))
        .await
        .unwrap();
    server::exec!(
        db,
        sqlx::query("UPDATE analyses SET hold_id = $2 WHERE id = $1")
            .bind(id)
            .bind(hold.id)
    )
    .unwrap();
    server::exec!(
        db,
        sqlx::query("UPDATE jobs SET status = 'dead' WHERE dedupe_key = $1")
            .bind(format!("analysis:{id}"))
    )
    .unwrap();
    assert_eq!(balance(&app, &owner).await, 4_000);
    // Too young to sweep with a ten-minute age; swept with none.
    assert_eq!(
        pipeline::sweep(db, chrono::Duration::minutes(10))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        pipeline::sweep(db, chrono::Duration::zero()).await.unwrap(),
        1
    );
    let row = service::get(db, &owner, id).await.unwrap();
    assert_eq!(row.status, "failed");
    assert!(row.error.unwrap().contains("Nothing was charged"));
    assert_eq!(balance(&app, &owner).await, 5_000);
    assert_eq!(
        pipeline::sweep(db, chrono::Duration::zero()).await.unwrap(),
        0
    );
}

#[tokio::test]
async fn the_pdf_report_carries_the_logo_and_the_findings() {
    let Ctx { app, owner } = start(&[], 5_000).await;
    let (_, body) = upload(&app, "GR-031 grounding.pdf", grounding_pdf(), "grounding").await;
    let id = id_of(&body);
    run_jobs(&app).await;
    // A 40×20 red PNG logo.
    let mut png = Vec::new();
    image::RgbImage::from_pixel(40, 20, image::Rgb([200, 30, 30]))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    server::team::company::set_logo(
        &app.state.db,
        &app.state.storage,
        &owner,
        &RequestMeta::default(),
        &png,
    )
    .await
    .unwrap();
    let res = app
        .client
        .post(app.url(&format!("/analyses/{id}/export")))
        .form(&[("format", "pdf")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let pdf = res.bytes().await.unwrap().to_vec();
    assert!(pdf.starts_with(b"%PDF-1.5"));
    // Read it back with poppler: the text and the embedded logo are there.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let text = std::process::Command::new("pdftotext")
        .args([path.to_str().unwrap(), "-"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    for expected in [
        "Acme Electric",
        "GR-031 grounding.pdf",
        "REJECTED",
        "GND-001 · CRITICAL · Ground resistance above the limit",
        "Ground resistance 7.4 ohm (page 1, text layer) exceeds the NETA ATS-2021 limit of 5 ohm",
        "Corrective action: Improve the earthing system",
        "GND-002",
    ] {
        assert!(text.contains(expected), "{expected:?} in {text}");
    }
    let images = std::process::Command::new("pdfimages")
        .args(["-list", path.to_str().unwrap()])
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&images.stdout);
    assert!(list.contains("jpeg"), "the logo is embedded: {list}");
    let actions: Vec<String> = app.audit_actions().await.into_iter().map(|a| a.0).collect();
    assert!(actions.contains(&"EXPORT_CREATED".to_string()));
}

#[tokio::test]
async fn company_limits_apply_to_new_analyses_and_stay_with_old_ones() {
    use server::analyses::limits;
    use std::collections::BTreeMap;
    let Ctx { app, owner } = start(&[], 10_000).await;
    let db = &app.state.db;
    let meta = RequestMeta::default();
    let form = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    for (pairs, field) in [
        (vec![("ground_max_ohm", "abc")], "ground_max_ohm"),
        (vec![("ground_max_ohm", "500")], "ground_max_ohm"),
        (vec![("delta_t_minor", "20")], "delta_t_minor"),
    ] {
        match limits::save(db, &owner, &meta, &form(&pairs)).await {
            Err(server::Error::Validation { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{pairs:?}: {other:?}"),
        }
    }
    let before = uploads::analysed(&app, &owner, "before.pdf", grounding_pdf(), "grounding").await;
    assert!(before
        .outcome()
        .unwrap()
        .findings
        .iter()
        .any(|f| f.code == "GND-001"));

    limits::save(
        db,
        &owner,
        &meta,
        &form(&[("ground_max_ohm", "8"), ("absorption_min", "")]),
    )
    .await
    .unwrap();
    let (_, rows) = limits::rows(db, &owner).await.unwrap();
    let ground = rows.iter().find(|r| r.key == "ground_max_ohm").unwrap();
    assert_eq!((ground.standard, ground.custom), (5.0, Some(8.0)));
    let after = uploads::analysed(&app, &owner, "after.pdf", grounding_pdf(), "grounding").await;
    let codes: Vec<String> = after
        .outcome()
        .unwrap()
        .findings
        .into_iter()
        .map(|f| f.code)
        .collect();
    assert_eq!(codes, ["GND-002"], "7.4 Ω is within the company's 8 Ω");
    assert_eq!(
        after.thresholds().standard,
        "NETA ATS-2021 (company limits)"
    );

    // A correction of the older analysis keeps the limits it was run with (5 Ω).
    let o = service::correct(db, &owner, &meta, before.id, "ground_resistance", "6")
        .await
        .unwrap();
    assert!(o.findings.iter().any(|f| f.code == "GND-001"));
}
