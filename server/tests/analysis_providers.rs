//! The AI extractors against wiremock stand-ins shaped like the Anthropic Messages API and the
//! OpenAI chat completions API: usage arithmetic, retries with backoff on 429/5xx, the one
//! repair attempt, and the whole pipeline settling the hold with the provider's usage or
//! releasing it when the answer stays malformed.

mod common;
#[path = "common/pdf.rs"]
mod pdf;
#[path = "common/uploads.rs"]
mod uploads;

use std::time::Duration;

use secrecy::SecretString;
use serde_json::{json, Value};
use server::analyses::{
    extract::{ExtractError, Extractor, Input},
    local::DateOrder,
    providers::{Claude, OpenAi, Retry},
    upload::Kind,
    TestType,
};
use wiremock::{
    matchers::{body_string_contains, header, method, path},
    Mock, MockServer, ResponseTemplate,
};

fn retry(attempts: u32) -> Retry {
    Retry {
        attempts,
        timeout: Duration::from_secs(5),
        base: Duration::from_millis(10),
    }
}

fn fields() -> Value {
    json!({ "fields": [
        { "field": "ground_resistance", "value": "7.4", "unit": "Ω", "confidence": 0.93 },
        { "field": "test_date", "value": "2026-03-14", "unit": null, "confidence": 0.9 },
        { "field": "certificate.expiry_date", "value": "2026-01-31", "unit": null, "confidence": 0.88 },
        { "field": "insulation.R-ground", "value": "2.5", "unit": "GΩ", "confidence": 0.8 }
    ]})
}

/// A Messages API reply with the tool call (shape from the API reference).
fn claude_reply(input: Value) -> Value {
    json!({
        "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-20250514",
        "content": [
            { "type": "text", "text": "Recording the fields." },
            { "type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9", "name": "record_report_fields", "input": input }
        ],
        "stop_reason": "tool_use",
        "stop_sequence": null,
        "usage": { "input_tokens": 1200, "output_tokens": 300, "cache_creation_input_tokens": 50, "cache_read_input_tokens": 100 }
    })
}

/// An error reply in the Anthropic API's shape.
fn api_error(status: u16, kind: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_json(json!({ "type": "error", "error": { "type": kind, "message": message } }))
}

/// A chat completion whose message content is the JSON answer (shape from the API reference).
fn openai_reply(content: &str) -> Value {
    json!({
        "id": "chatcmpl-abc123",
        "object": "chat.completion",
        "created": 1764547200,
        "model": "gpt-4o-2024-08-06",
        "choices": [{ "index": 0, "message": { "role": "assistant", "content": content, "refusal": null }, "finish_reason": "stop" }],
        "usage": { "prompt_tokens": 1000, "completion_tokens": 200, "total_tokens": 1200,
                   "prompt_tokens_details": { "cached_tokens": 100 } }
    })
}

fn claude(server: &MockServer, attempts: u32) -> Claude {
    Claude {
        http: reqwest::Client::new(),
        api_key: SecretString::from("sk-ant-test"),
        base_url: server.uri(),
        model: "claude-sonnet-4-20250514".into(),
        retry: retry(attempts),
    }
}

fn openai(server: &MockServer) -> OpenAi {
    OpenAi {
        http: reqwest::Client::new(),
        api_key: SecretString::from("sk-openai-test"),
        base_url: server.uri(),
        model: "gpt-4o-2024-08-06".into(),
        retry: retry(3),
    }
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\nfake page";

async fn extract_two_pages(
    e: &dyn Extractor,
) -> Result<server::analyses::extract::Extracted, ExtractError> {
    let text = vec!["page one".to_string(), "page two".to_string()];
    let images = vec![PNG.to_vec(), PNG.to_vec()];
    e.extract(&Input {
        test: TestType::Grounding,
        kind: Kind::Pdf,
        pages_text: &text,
        scanned: &[false, false],
        page_images: &images,
        source: b"%PDF-1.4",
        order: DateOrder::DayFirst,
    })
    .await
}

#[tokio::test]
async fn claude_measurement_and_certificate_passes_add_up_usage() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .and(header("x-api-key", "sk-ant-test"))
        .and(header("anthropic-version", "2023-06-01"))
        .and(body_string_contains("\"tool_choice\""))
        .respond_with(ResponseTemplate::new(200).set_body_json(claude_reply(fields())))
        .expect(4) // two pages × measurement pass + the last two pages × certificate pass
        .mount(&server)
        .await;
    let out = extract_two_pages(&claude(&server, 3)).await.unwrap();
    assert_eq!(out.usage.calls, 4);
    assert_eq!(out.usage.input, 4 * 1200);
    assert_eq!(out.usage.output, 4 * 300);
    assert_eq!(out.usage.cache_read, 4 * 100);
    assert_eq!(out.usage.cache_creation, 4 * 50);
    assert_eq!(out.tokens, 4 * (1200 + 300 + 100 + 50));
    // $3/M input, $15/M output, $3.75/M cache write, $0.30/M cache read.
    let dollars = (4800.0 * 3.0 + 1200.0 * 15.0 + 200.0 * 3.75 + 400.0 * 0.3) / 1e6;
    assert_eq!(out.cost_micros, Some((dollars * 1e6_f64).round() as i64));
    let x = &out.extraction;
    assert_eq!(x.ground_resistance.value, Some(7.4));
    assert_eq!(x.ground_resistance.source.as_deref(), Some("anthropic"));
    assert_eq!(x.ground_resistance.page, Some(1));
    assert_eq!(x.insulation.r_ground.value, Some(2500.0), "GΩ to MΩ");
    assert_eq!(
        x.certificate.expiry_date.value.unwrap().to_string(),
        "2026-01-31"
    );
    assert_eq!(out.provider, "anthropic");
    let requests = server.received_requests().await.unwrap();
    let first: Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(first["model"], "claude-sonnet-4-20250514");
    assert_eq!(first["messages"][0]["content"][0]["type"], "image");
    assert_eq!(
        first["messages"][0]["content"][0]["source"]["media_type"],
        "image/png"
    );
    assert_eq!(first["tools"][0]["input_schema"]["required"][0], "fields");
}

#[tokio::test]
async fn rate_limits_and_server_errors_are_retried_with_backoff() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(api_error(
            429,
            "rate_limit_error",
            "Number of requests has exceeded your rate limit",
        ))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(api_error(529, "overloaded_error", "Overloaded"))
        .up_to_n_times(1)
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(claude_reply(fields())))
        .with_priority(3)
        .mount(&server)
        .await;
    let started = std::time::Instant::now();
    let out = extract_two_pages(&claude(&server, 3)).await.unwrap();
    assert_eq!(out.usage.calls, 6, "two retried calls, then four answers");
    assert!(
        started.elapsed() >= Duration::from_millis(10 + 20),
        "backed off 10 ms then 20 ms"
    );
    assert_eq!(out.tokens, 4 * 1650, "failed attempts report no usage");

    let down = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(api_error(500, "api_error", "Internal server error"))
        .expect(3)
        .mount(&down)
        .await;
    match extract_two_pages(&claude(&down, 3)).await {
        Err(ExtractError::Provider { reason, .. }) => {
            assert!(
                reason.contains("HTTP 500: Internal server error (after 3 attempts)"),
                "{reason}"
            )
        }
        other => panic!("expected a provider error, got {other:?}"),
    }

    let refused = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(api_error(401, "authentication_error", "invalid x-api-key"))
        .expect(1)
        .mount(&refused)
        .await;
    match extract_two_pages(&claude(&refused, 3)).await {
        Err(ExtractError::Provider { reason, .. }) => assert!(reason.contains("invalid x-api-key")),
        other => panic!("a 401 is not retried: {other:?}"),
    }
}

#[tokio::test]
async fn a_broken_answer_gets_one_repair_then_fails_with_the_raw_reply() {
    let server = MockServer::start().await;
    // The first answer names a field that does not exist; the repair is fine.
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(claude_reply(json!({
                "fields": [{ "field": "voltage", "value": "400", "unit": "V", "confidence": 0.9 }]
            }))),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_string_contains("did not fit the schema"))
        .respond_with(ResponseTemplate::new(200).set_body_json(claude_reply(fields())))
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(claude_reply(fields())))
        .with_priority(3)
        .mount(&server)
        .await;
    let out = extract_two_pages(&claude(&server, 3)).await.unwrap();
    assert_eq!(out.usage.calls, 5, "four passes and one repair");

    let bad = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(claude_reply(json!({
            "fields": [{ "field": "ground_resistance", "value": "low", "unit": "Ω", "confidence": 1.7 }]
        }))))
        .expect(2)
        .mount(&bad)
        .await;
    match extract_two_pages(&claude(&bad, 3)).await {
        Err(ExtractError::Malformed { reason, raw, .. }) => {
            assert!(reason.contains("also after one repair request"), "{reason}");
            assert!(raw.contains("\"value\":\"low\""), "{raw}");
        }
        other => panic!("expected malformed, got {other:?}"),
    }

    let not_json = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(openai_reply("Sure! The ground resistance is 7.4 ohms.")),
        )
        .expect(2)
        .mount(&not_json)
        .await;
    match extract_two_pages(&openai(&not_json)).await {
        Err(ExtractError::Malformed { raw, .. }) => assert!(raw.contains("Sure! The ground")),
        other => panic!("expected malformed, got {other:?}"),
    }
}

#[tokio::test]
async fn openai_json_schema_answers_and_cached_tokens() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(header("authorization", "Bearer sk-openai-test"))
        .and(body_string_contains("\"json_schema\""))
        .respond_with(ResponseTemplate::new(200).set_body_json(openai_reply(&fields().to_string())))
        .expect(4)
        .mount(&server)
        .await;
    let out = extract_two_pages(&openai(&server)).await.unwrap();
    assert_eq!(out.usage.input, 4 * 900);
    assert_eq!(out.usage.cache_read, 4 * 100);
    assert_eq!(out.usage.output, 4 * 200);
    assert_eq!(out.tokens, 4 * 1200);
    let dollars = (3600.0 * 2.5 + 800.0 * 10.0 + 400.0 * 1.25) / 1e6;
    assert_eq!(out.cost_micros, Some((dollars * 1e6_f64).round() as i64));
    assert_eq!(out.extraction.ground_resistance.value, Some(7.4));
    let requests = server.received_requests().await.unwrap();
    let first: Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(first["response_format"]["json_schema"]["strict"], true);
    assert!(first["messages"][1]["content"][1]["image_url"]["url"]
        .as_str()
        .unwrap()
        .starts_with("data:image/png;base64,"));
}

/// The whole pipeline with a platform Claude key: hold the estimate, settle with the usage.
#[tokio::test]
async fn the_pipeline_settles_with_provider_usage_or_releases_on_a_broken_answer() {
    let server = MockServer::start().await;
    let good = Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(claude_reply(fields())))
        .mount_as_scoped(&server)
        .await;
    let base = server.uri();
    let app = common::spawn_app_with(&[
        ("ANTHROPIC_API_KEY", "sk-ant-test"),
        ("ANTHROPIC_BASE_URL", base.as_str()),
        ("ANALYSIS_PROVIDER_BACKOFF_MS", "10"),
    ])
    .await;
    app.setup("ada@example.com").await;
    let owner = app.principal("ada@example.com").await;
    let meta = server::audit::RequestMeta::default();
    server::billing::grant(
        &app.state.db,
        &owner,
        &meta,
        owner.company_id,
        20_000,
        "provider test",
    )
    .await
    .unwrap();
    let report = || pdf::text_pdf(&[&["Ground resistance: 7.4 ohm"]]);
    let row = uploads::analysed(&app, &owner, "claude.pdf", report(), "grounding").await;
    assert_eq!(row.status, "completed", "{:?}", row.error);
    assert_eq!(row.provider.as_deref(), Some("anthropic"));
    // One page: one measurement pass and one certificate pass.
    assert_eq!(row.tokens_charged, 2 * 1650);
    assert!(row.provider_cost_micros.unwrap() > 0);
    assert_eq!(
        server::billing::ledger::balance(&app.state.db, owner.company_id)
            .await
            .unwrap(),
        20_000 - 3_300,
        "held 1,000, took 2,300 more at settlement"
    );
    assert_eq!(row.verdict.as_deref(), Some("REJECTED"));
    drop(good);

    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(claude_reply(json!({ "nothing": true }))),
        )
        .mount(&server)
        .await;
    let row = uploads::analysed(&app, &owner, "broken.pdf", report(), "grounding").await;
    assert_eq!(row.status, "failed");
    assert!(
        row.error.as_deref().unwrap().contains("could not be used"),
        "{:?}",
        row.error
    );
    assert!(row
        .raw_reply
        .as_deref()
        .unwrap()
        .contains("\"nothing\":true"));
    assert_eq!(
        server::billing::ledger::balance(&app.state.db, owner.company_id)
            .await
            .unwrap(),
        20_000 - 3_300,
        "the hold went back"
    );
}

/// A company's own key (Settings → Integrations) is sealed at rest and used instead of the
/// platform's; removing it falls back to the local reader.
#[tokio::test]
async fn a_company_key_is_sealed_and_used_for_its_analyses() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(header("x-api-key", "sk-ant-company-key-1234567890"))
        .respond_with(ResponseTemplate::new(200).set_body_json(claude_reply(fields())))
        .mount(&server)
        .await;
    let base = server.uri();
    let app = common::spawn_app_with(&[("ANTHROPIC_BASE_URL", base.as_str())]).await;
    app.setup("ada@example.com").await;
    let owner = app.principal("ada@example.com").await;
    let meta = server::audit::RequestMeta::default();
    let db = &app.state.db;
    let secret = &app.state.config.app_secret_key;
    server::billing::grant(
        db,
        &owner,
        &meta,
        owner.company_id,
        20_000,
        "company key test",
    )
    .await
    .unwrap();
    use server::ai::keys as ai_keys;
    let bad = ai_keys::save(db, secret, &owner, &meta, "anthropic", "hello", "").await;
    assert!(matches!(bad, Err(server::Error::Validation { ref field, .. }) if field == "api_key"));
    ai_keys::save(
        db,
        secret,
        &owner,
        &meta,
        "anthropic",
        " sk-ant-company-key-1234567890 ",
        "",
    )
    .await
    .unwrap();
    let stored: String = server::with_db!(db, |c| sqlx::query_scalar(
        "SELECT sealed_key FROM company_ai_keys"
    )
    .fetch_one(c)
    .await)
    .unwrap();
    assert!(!stored.contains("company-key"), "sealed, not plain");
    let keys = ai_keys::list(db, &owner).await.unwrap();
    assert_eq!(keys[0].key_hint, "…7890");
    assert_eq!(keys[0].model, "claude-sonnet-4-20250514");
    let audit: String = server::with_db!(db, |c| sqlx::query_scalar::<_, String>(
        "SELECT CAST(details AS TEXT) FROM audit_log WHERE target = 'integration:anthropic'"
    )
    .fetch_one(c)
    .await)
    .unwrap();
    assert!(
        !audit.contains("company-key-123"),
        "the audit entry has only the hint: {audit}"
    );

    let run = |name: &'static str| {
        let report = pdf::text_pdf(&[&["Ground resistance: 7.4 ohm"]]);
        uploads::analysed(&app, &owner, name, report, "grounding")
    };
    let row = run("company.pdf").await;
    assert_eq!(
        row.provider.as_deref(),
        Some("anthropic"),
        "{:?}",
        row.error
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 2);

    ai_keys::remove(db, &owner, &meta, "anthropic")
        .await
        .unwrap();
    let row = run("local.pdf").await;
    assert_eq!(row.provider.as_deref(), Some("local"));
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        2,
        "no more calls"
    );
}
