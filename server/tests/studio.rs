//! The content studio on both databases: research through the guarded fetcher (cached 24 h,
//! private addresses refused with nothing stored, partial readings), generation by the local
//! composer and by a wiremocked provider (tokens held and settled, one repair, a clear failure
//! with the hold released), double submits, the hourly limit, edits and versions, author
//! workbooks (bad rows, missing columns, formulas, too many rows, a declared-strings bomb), the
//! tracking pixel (a person's open, a proxy's, an unknown id), tenancy and permissions.

mod common;
#[path = "common/pdf.rs"]
mod pdf;

use std::io::Write;

use common::*;
use serde_json::{json, Value};
use server::{
    access::Principal,
    audit::RequestMeta,
    billing::ledger,
    outbound::guard::{Fetcher, Limits as FetchLimits},
    studio::{
        authors,
        compose::{self, EmailAsk, PostAsk},
        service::{self, Tools},
    },
    Error,
};
use uuid::Uuid;
use wiremock::{
    matchers::{method, path},
    Mock, MockServer, ResponseTemplate,
};

const PAGE: &str = r#"<!doctype html><html><head><title>Acme Roasters | Coffee for offices</title>
<meta name="description" content="Acme Roasters roasts speciality coffee for offices and cafés across Romania."></head>
<body><nav><a href="/about">About us</a></nav>
<h1>Fresh coffee, every week</h1>
<p>We roast speciality coffee in small batches and deliver it to offices in Bucharest and Cluj every Monday.</p>
<h2>Our products</h2><ul><li>Office subscriptions</li><li>Espresso machines</li></ul>
<h2>News</h2><p>New: our Cluj roastery opens in March 2026, doubling what we can roast each week.</p>
<a href="/news/cluj">Read the news</a></body></html>"#;

struct Studio {
    app: TestApp,
    owner: Principal,
    site: MockServer,
    fetcher: Fetcher,
    http: reqwest::Client,
}

impl Studio {
    fn db(&self) -> &server::Db {
        &self.app.state.db
    }
    fn tools(&self) -> Tools<'_> {
        Tools {
            fetcher: &self.fetcher,
            limits: &self.app.state.limits,
            app_key: &self.app.state.config.app_secret_key,
            ai: self.app.state.config.section::<server::ai::AiConfig>(),
            http: &self.http,
        }
    }
    fn site(&self) -> String {
        format!("{}/", self.site.uri())
    }
    async fn email(
        &self,
        p: &Principal,
        request: Uuid,
        ask: &EmailAsk,
    ) -> server::Result<service::Piece> {
        service::generate_email(self.db(), &self.tools(), p, request, ask).await
    }
}

async fn setup_with(extra: &[(&str, &str)]) -> Studio {
    let site = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/robots.txt"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&site)
        .await;
    Mock::given(method("GET"))
        .and(path("/"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(PAGE, "text/html; charset=utf-8"))
        .mount(&site)
        .await;
    let allow = site.address().to_string();
    let mut env = vec![("STUDIO_FETCH_ALLOW", allow.as_str())];
    env.extend_from_slice(extra);
    let app = spawn_app_with(&env).await;
    app.setup("ada@example.com").await;
    let owner = app.principal("ada@example.com").await;
    let fetcher = server::studio::config::fetcher(app.state.config.section());
    Studio {
        app,
        owner,
        site,
        fetcher,
        http: reqwest::Client::new(),
    }
}

async fn setup() -> Studio {
    setup_with(&[]).await
}

fn email_ask(s: &Studio) -> EmailAsk {
    EmailAsk {
        sender_name: "Dan Pop".into(),
        sender_profile: "I run operations software for coffee distributors. We cut delivery planning time by 30% for 12 clients.".into(),
        recipient_name: "Ana Ionescu".into(),
        recipient_role: "Head of Operations".into(),
        company_url: s.site(),
        tone: "friendly".into(),
        goal: "book a 15-minute call next week".into(),
        pain_point: "planning weekly deliveries".into(),
        campaign: "Spring outreach".into(),
        ..Default::default()
    }
}

fn post_ask(style: &str) -> PostAsk {
    PostAsk {
        topic: "Office coffee that people actually drink".into(),
        industry: "Hospitality".into(),
        audience: "office managers".into(),
        goal: "engagement".into(),
        style: style.into(),
        references: vec![],
    }
}

fn field(e: &Error) -> &str {
    match e {
        Error::Validation { field, .. } => field,
        _ => "",
    }
}

#[tokio::test]
async fn research_reads_summarises_and_caches_a_page_and_refuses_private_addresses() {
    let s = setup().await;
    let r = service::research(s.db(), &s.fetcher, &s.owner, &s.site(), false)
        .await
        .unwrap();
    assert!(r.complete, "{:?}", r.note);
    assert!(!r.cached);
    assert_eq!(r.summary.name.as_deref(), Some("Acme Roasters"));
    assert!(
        r.summary
            .products
            .contains(&"Office subscriptions".to_string()),
        "{:?}",
        r.summary
    );
    assert!(
        r.summary.news.iter().any(|n| n.contains("Cluj roastery")),
        "{:?}",
        r.summary
    );
    // Navigation is never read: its links are not sources.
    assert!(
        !r.sources.iter().any(|l| l.url.ends_with("/about")),
        "{:?}",
        r.sources
    );
    assert!(r.sources.iter().any(|l| l.url.ends_with("/news/cluj")));
    let asked = s.site.received_requests().await.unwrap().len();
    // Within 24 hours the reading is reused; "research again" reads the page again.
    let again = service::research(s.db(), &s.fetcher, &s.owner, &s.site(), false)
        .await
        .unwrap();
    assert!(again.cached);
    assert_eq!(again.id, r.id);
    assert_eq!(s.site.received_requests().await.unwrap().len(), asked);
    service::research(s.db(), &s.fetcher, &s.owner, &s.site(), true)
        .await
        .unwrap();
    assert_eq!(s.site.received_requests().await.unwrap().len(), asked * 2);
    // A typed address without a scheme is read as https (and the fragment is dropped).
    assert_eq!(
        service::normalise("acme.example#top").unwrap().as_str(),
        "https://acme.example/"
    );

    // Private, loopback, link-local (cloud metadata) and CGNAT addresses, other schemes and
    // credentials: refused with a message, nothing stored, no request made.
    let stored = s.app.count("studio_research").await;
    for address in [
        "http://127.0.0.1:9/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.5/",
        "http://100.64.0.1/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://2130706433/",
        "http://0x7f.1/",
        "http://localhost:9/",
        "file:///etc/passwd",
        "ftp://example.com/",
        "http://user:secret@example.com/",
        "",
    ] {
        let e = service::research(s.db(), &s.fetcher, &s.owner, address, false)
            .await
            .unwrap_err();
        assert_eq!(field(&e), "url", "{address}: {e}");
    }
    assert_eq!(s.app.count("studio_research").await, stored);

    // Not a web page, or no answer in time: stored as partial with the reason.
    Mock::given(method("GET"))
        .and(path("/brochure.pdf"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(b"%PDF-1.4".to_vec(), "application/pdf"),
        )
        .mount(&s.site)
        .await;
    let pdf = service::research(
        s.db(),
        &s.fetcher,
        &s.owner,
        &format!("{}brochure.pdf", s.site()),
        false,
    )
    .await
    .unwrap();
    assert!(!pdf.complete);
    assert!(pdf
        .note
        .unwrap()
        .contains("not a web page (application/pdf)"));
    Mock::given(method("GET"))
        .and(path("/slow"))
        .respond_with(ResponseTemplate::new(200).set_delay(std::time::Duration::from_millis(800)))
        .mount(&s.site)
        .await;
    // Over 2 MB: its beginning is read, and the reading says so.
    let big = format!(
        "<html><head><title>Big Co | Home</title></head><body>{}</body></html>",
        "<p>We make very large pages for very patient readers.</p>".repeat(50_000)
    );
    Mock::given(method("GET"))
        .and(path("/big"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(big, "text/html"))
        .mount(&s.site)
        .await;
    let huge = service::research(
        s.db(),
        &s.fetcher,
        &s.owner,
        &format!("{}big", s.site()),
        false,
    )
    .await
    .unwrap();
    assert!(!huge.complete);
    assert!(huge.note.unwrap().contains("larger than 2 MB"));
    assert_eq!(huge.summary.name.as_deref(), Some("Big Co"));
    let impatient = Fetcher::new(FetchLimits {
        timeout: std::time::Duration::from_millis(200),
        retries: 0,
        allow: vec![s.site.address().to_string()],
        ..Default::default()
    });
    let slow = service::research(
        s.db(),
        &impatient,
        &s.owner,
        &format!("{}slow", s.site()),
        false,
    )
    .await
    .unwrap();
    assert!(!slow.complete);
    assert!(slow.note.unwrap().contains("did not answer in time"));
    // A partial reading is kept 10 minutes only: after that the site is read again.
    let again = service::research(
        s.db(),
        &s.fetcher,
        &s.owner,
        &format!("{}slow", s.site()),
        false,
    )
    .await
    .unwrap();
    assert!(again.cached && !again.complete);
    let db = s.db();
    server::exec!(
        db,
        sqlx::query("UPDATE studio_research SET fetched_at = $1 WHERE id = $2")
            .bind(chrono::Utc::now() - chrono::Duration::minutes(11))
            .bind(again.id)
    )
    .unwrap();
    let later = service::research(
        s.db(),
        &s.fetcher,
        &s.owner,
        &format!("{}slow", s.site()),
        false,
    )
    .await
    .unwrap();
    assert!(!later.cached && later.complete, "{:?}", later.note);
}

#[tokio::test]
async fn the_local_composer_writes_an_email_once_per_form_within_100_words() {
    let s = setup().await;
    let request = Uuid::now_v7();
    let ask = email_ask(&s);
    // Two submits of one form at once: one piece, one version.
    let (a, b) = tokio::join!(
        s.email(&s.owner, request, &ask),
        s.email(&s.owner, request, &ask)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.id, b.id);
    assert_eq!(s.app.count("studio_pieces").await, 1);
    assert_eq!(s.app.count("studio_versions").await, 1);
    assert_eq!(a.source, "local");
    assert_eq!(a.tokens, 0);
    let body = a.content["body"].as_str().unwrap();
    assert!(compose::words(body) <= 100, "{body}");
    assert!(
        body.starts_with("Hi Ana,") && body.contains("Acme Roasters"),
        "{body}"
    );
    assert!(a.content["note"].as_str().unwrap().contains("template"));
    let pixel = a.pixel.clone().unwrap();
    assert_eq!(pixel.len(), 43);
    assert_eq!(a.campaign, "Spring outreach");

    // Bad inputs name their field and write nothing.
    let mut bad = ask.clone();
    bad.tone = "sarcastic".into();
    assert_eq!(
        field(&s.email(&s.owner, Uuid::now_v7(), &bad).await.unwrap_err()),
        "tone"
    );
    let mut bad = ask.clone();
    bad.recipient_name = "  ".into();
    assert_eq!(
        field(&s.email(&s.owner, Uuid::now_v7(), &bad).await.unwrap_err()),
        "recipient_name"
    );
    let mut bad = ask.clone();
    bad.company_url = "http://169.254.169.254/".into();
    let e = s.email(&s.owner, Uuid::now_v7(), &bad).await.unwrap_err();
    assert_eq!(field(&e), "url", "{e}");
    let mut bad = ask.clone();
    bad.job_url = "gopher://example.com".into();
    assert_eq!(
        field(&s.email(&s.owner, Uuid::now_v7(), &bad).await.unwrap_err()),
        "job_url"
    );
    assert_eq!(s.app.count("studio_pieces").await, 1);

    // Edits make versions; a stale edit is a conflict; an edit over 100 words is refused.
    let edited = service::edit_email(
        s.db(),
        &s.owner,
        a.id,
        1,
        "Coffee planning",
        "Hi Ana,\n\nShort and sweet.\n\nDan",
    )
    .await
    .unwrap();
    assert_eq!((edited.version, edited.source.as_str()), (2, "edit"));
    // The same edit sent twice (a double click): one version, no conflict.
    let twice = service::edit_email(
        s.db(),
        &s.owner,
        a.id,
        1,
        "Coffee planning",
        "Hi Ana,\n\nShort and sweet.\n\nDan",
    )
    .await
    .unwrap();
    assert_eq!(twice.version, 2);
    let stale = service::edit_email(s.db(), &s.owner, a.id, 1, "Other", "Hi Ana, other.")
        .await
        .unwrap_err();
    assert!(matches!(stale, Error::Conflict(_)), "{stale}");
    let long = "word ".repeat(101);
    let e = service::edit_email(s.db(), &s.owner, a.id, 2, "Long", &long)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("101 words"), "{e}");
    let versions = service::versions(s.db(), &s.owner, a.id).await.unwrap();
    assert_eq!(
        versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        [2, 1]
    );
    assert_eq!(versions[1].content["body"], a.content["body"]);
}

#[tokio::test]
async fn the_pixel_counts_a_person_apart_from_proxies_and_answers_the_same_for_any_id() {
    let s = setup().await;
    let piece = s
        .email(&s.owner, Uuid::now_v7(), &email_ask(&s))
        .await
        .unwrap();
    let pixel = piece.pixel.clone().unwrap();
    service::mark_sent(s.db(), &s.owner, piece.id)
        .await
        .unwrap();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let load = |id: String, ua: &'static str| {
        let client = client.clone();
        let url = s.app.url(&format!("/t/{id}.gif"));
        async move {
            client
                .get(url)
                .header("user-agent", ua)
                .send()
                .await
                .unwrap()
        }
    };
    // Within seconds of being sent: a machine (a scanner opening it on delivery).
    let res = load(
        pixel.clone(),
        "Mozilla/5.0 (Windows NT 10.0) Thunderbird/115.0",
    )
    .await;
    if res.status() != 200 {
        panic!("{:?} {}", res.headers().clone(), res.text().await.unwrap());
    }
    assert_eq!(res.headers()["content-type"], "image/gif");
    assert!(res.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("no-store"));
    assert!(res.headers().get("set-cookie").is_none());
    assert_eq!(res.bytes().await.unwrap().len(), 43);
    wait_for_opens(&s, piece.id, 1).await;
    // Later: a person's mail app, and Gmail's image proxy.
    let db = s.db();
    server::exec!(
        db,
        sqlx::query("UPDATE studio_pieces SET sent_at = $1 WHERE id = $2")
            .bind(chrono::Utc::now() - chrono::Duration::minutes(5))
            .bind(piece.id)
    )
    .unwrap();
    load(
        pixel.clone(),
        "Mozilla/5.0 (Windows NT 10.0) Thunderbird/115.0",
    )
    .await;
    load(
        pixel.clone(),
        "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
    )
    .await;
    wait_for_opens(&s, piece.id, 3).await;
    let seen = service::piece(s.db(), &s.owner, piece.id).await.unwrap();
    assert_eq!((seen.human_opens, seen.machine_opens), (1, 2));
    assert!(seen.first_human_open.is_some());
    let opens = service::opens(s.db(), &s.owner, piece.id).await.unwrap();
    assert!(
        opens.iter().any(|o| !o.human && o.class.contains("Gmail")),
        "{opens:?}"
    );
    // Unknown and malformed ids: the same answer, nothing recorded.
    for id in ["A".repeat(43), "nope".into(), "..%2F..%2Fetc".into()] {
        let res = load(id, "Thunderbird").await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.bytes().await.unwrap().len(), 43);
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(s.app.count("studio_opens").await, 3);
    let rates = service::open_rates(s.db(), &s.owner).await.unwrap();
    assert_eq!(rates, [("Spring outreach".to_string(), 1, 1)]);
}

async fn wait_for_opens(s: &Studio, piece: Uuid, n: usize) {
    for _ in 0..100 {
        if service::opens(s.db(), &s.owner, piece).await.unwrap().len() >= n {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("{n} opens were not recorded");
}

fn claude(name: &str, input: Value, input_tokens: i64, output_tokens: i64) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "id": "msg_01", "type": "message", "role": "assistant", "model": "claude-sonnet-4-20250514",
        "content": [{ "type": "tool_use", "id": "toolu_01", "name": name, "input": input }],
        "stop_reason": "tool_use",
        "usage": { "input_tokens": input_tokens, "output_tokens": output_tokens }
    }))
}

#[tokio::test]
async fn a_provider_email_is_repaired_once_and_charged_its_usage_or_fails_with_the_hold_released() {
    let ai = MockServer::start().await;
    let base = ai.uri();
    let s = setup_with(&[
        ("ANTHROPIC_API_KEY", "sk-ant-test"),
        ("ANTHROPIC_BASE_URL", base.as_str()),
        ("ANALYSIS_PROVIDER_ATTEMPTS", "1"),
        ("ANALYSIS_PROVIDER_BACKOFF_MS", "10"),
    ])
    .await;
    let meta = RequestMeta::default();
    // No tokens: refused before the provider is asked, nothing kept.
    let e = s
        .email(&s.owner, Uuid::now_v7(), &email_ask(&s))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InsufficientTokens { .. }), "{e}");
    assert_eq!(s.app.count("studio_pieces").await, 0);
    server::billing::grant(
        s.db(),
        &s.owner,
        &meta,
        s.owner.company_id,
        20_000,
        "studio test",
    )
    .await
    .unwrap();
    let long = json!({ "subject": "Planning", "body": "word ".repeat(130), "value_propositions": ["a"], "tone_analysis": "friendly" });
    let good = json!({ "subject": "Weekly planning at Acme", "body": "Hi Ana,\n\nSaw the Cluj roastery news. We cut planning time 30% for distributors like you. Open to a 15-minute call next week?\n\nDan", "value_propositions": ["30% less planning time"], "tone_analysis": "Friendly and direct." });
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(claude("outreach_email", long.clone(), 1_200, 300))
        .up_to_n_times(1)
        .mount(&ai)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(claude("outreach_email", good, 1_500, 150))
        .up_to_n_times(1)
        .mount(&ai)
        .await;
    let piece = s
        .email(&s.owner, Uuid::now_v7(), &email_ask(&s))
        .await
        .unwrap();
    assert_eq!(piece.source, "anthropic");
    // Hold 4,000; usage 1,200 + 300 (the answer over the limit) + 1,500 + 150 (the repair).
    assert_eq!(piece.tokens, 3_150);
    assert_eq!(
        ledger::balance(s.db(), s.owner.company_id).await.unwrap(),
        20_000 - 3_150
    );
    assert!(piece.content["note"].is_null());
    let asked = ai.received_requests().await.unwrap();
    assert_eq!(asked.len(), 2);
    let first: Value = serde_json::from_slice(&asked[0].body).unwrap();
    let user = first["messages"][0]["content"].as_str().unwrap();
    assert!(
        user.contains("Acme Roasters") && user.contains("at most 100 words"),
        "{user}"
    );
    let repair: Value = serde_json::from_slice(&asked[1].body).unwrap();
    assert!(repair["messages"][0]["content"]
        .as_str()
        .unwrap()
        .contains("the body has 130 words"));

    // An answer without the schema's fields is repaired too.
    ai.reset().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(claude(
            "outreach_email",
            json!({ "subject": "Hi" }),
            500,
            20,
        ))
        .up_to_n_times(1)
        .mount(&ai)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(claude("outreach_email", json!({ "subject": "Planning", "body": "Hi Ana, a short note.\n\nDan", "value_propositions": [], "tone_analysis": "Brief." }), 600, 40))
        .up_to_n_times(1)
        .mount(&ai)
        .await;
    let repaired = s
        .email(&s.owner, Uuid::now_v7(), &email_ask(&s))
        .await
        .unwrap();
    assert_eq!(repaired.tokens, 520 + 640);
    let asked = ai.received_requests().await.unwrap();
    let repair: Value = serde_json::from_slice(&asked[1].body).unwrap();
    assert!(repair["messages"][0]["content"]
        .as_str()
        .unwrap()
        .contains("expected fields"));
    assert_eq!(
        ledger::balance(s.db(), s.owner.company_id).await.unwrap(),
        20_000 - 3_150 - 1_160
    );

    // Two bad answers: a clear failure, the hold released, nothing kept.
    ai.reset().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(claude("outreach_email", long, 1_000, 100))
        .mount(&ai)
        .await;
    let before = s.app.count("studio_pieces").await;
    let e = s
        .email(&s.owner, Uuid::now_v7(), &email_ask(&s))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("broke the rules twice"), "{e}");
    assert_eq!(
        ledger::balance(s.db(), s.owner.company_id).await.unwrap(),
        20_000 - 3_150 - 1_160
    );
    assert_eq!(s.app.count("studio_pieces").await, before);
    // The provider down: the same.
    ai.reset().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(ResponseTemplate::new(500).set_body_string("overloaded"))
        .mount(&ai)
        .await;
    let e = s
        .email(&s.owner, Uuid::now_v7(), &email_ask(&s))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("did not answer"), "{e}");
    assert_eq!(
        ledger::balance(s.db(), s.owner.company_id).await.unwrap(),
        20_000 - 3_150 - 1_160
    );
}

fn workbook(rows: &[&[&str]], formula: bool) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *v).unwrap();
        }
    }
    if formula {
        sheet.write_formula(1, 10, "=1+1").unwrap();
    }
    book.save_to_buffer().unwrap()
}

#[tokio::test]
async fn author_workbooks_are_previewed_row_by_row_and_written_once_then_styles_shape_posts() {
    let s = setup().await;
    let meta = RequestMeta::default();
    let header: &[&str] = &[
        "author_name",
        "post_content",
        "post_summary",
        "link",
        "date",
        "engagement",
        "mood",
    ];
    let book = workbook(
        &[
            header,
            &[
                "Maria Pop",
                "Ever shipped on a Friday?\n\nWe did, once. #DevOps #Shipping",
                "Friday deploys",
                "https://www.linkedin.com/posts/1",
                "2026-10-01",
                "120",
                "x",
            ],
            &[
                "Maria Pop",
                "What makes a team fast?\n\nTrust. #DevOps",
                "Team speed",
                "",
                "",
                "1,204",
                "",
            ],
            &["", "No author here", "x", "", "", "", ""],
            &[
                "Ion Ene",
                "A post",
                "Sum",
                "javascript:alert(1)",
                "yesterday",
                "-3",
                "",
            ],
        ],
        false,
    );
    let up = authors::preview(s.db(), &s.owner, "styles.xlsx", &book)
        .await
        .unwrap();
    assert_eq!(up.rows.len(), 4);
    assert_eq!((up.good(), up.authors()), (2, 1));
    assert_eq!(up.ignored, ["mood"]);
    assert_eq!(up.rows[2].problems, ["no author_name"]);
    assert_eq!(up.rows[3].problems.len(), 3, "{:?}", up.rows[3].problems);
    assert_eq!(up.rows[1].engagement, Some(1_204));
    assert_eq!(
        s.app.count("studio_authors").await,
        0,
        "a preview writes nothing"
    );
    assert_eq!(
        authors::confirm(s.db(), &s.owner, &meta, up.id)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        authors::confirm(s.db(), &s.owner, &meta, up.id)
            .await
            .unwrap(),
        0
    );
    assert_eq!(s.app.count("studio_author_posts").await, 2);
    assert_eq!(s.app.audit_count("STUDIO_AUTHORS_IMPORTED").await, 1);
    let list = authors::list(s.db(), &s.owner, "mar").await.unwrap();
    assert_eq!((list.len(), list[0].posts), (1, 2));
    assert!(authors::list(s.db(), &s.owner, "zz")
        .await
        .unwrap()
        .is_empty());

    // A post in Maria's style: her question openings and hashtags, her style summarised once.
    let post = service::generate_post(
        s.db(),
        &s.tools(),
        &s.owner,
        Uuid::now_v7(),
        &post_ask(&format!("author:{}", list[0].id)),
    )
    .await
    .unwrap();
    let c = &post.content;
    let body_words = compose::words(c["body"].as_str().unwrap());
    assert!((150..=200).contains(&body_words), "{body_words}");
    let tags: Vec<&str> = c["hashtags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert!((7..=10).contains(&tags.len()), "{tags:?}");
    assert_eq!(tags[0], "#DevOps");
    assert!(c["hook"].as_str().unwrap().ends_with('?'));
    assert!(c["reading_minutes"].as_u64().unwrap() >= 1);
    let styled = authors::list(s.db(), &s.owner, "").await.unwrap();
    assert_eq!(styled[0].style_source.as_deref(), Some("local"));
    assert!(styled[0]
        .style
        .as_deref()
        .unwrap()
        .contains("open with a question"));

    // Export gives a workbook the upload takes again.
    let exported = authors::export(s.db(), &s.owner).await.unwrap();
    let again = authors::preview(s.db(), &s.owner, "export.xlsx", &exported)
        .await
        .unwrap();
    assert_eq!(again.good(), 2);
    authors::delete(s.db(), &s.owner, &meta, list[0].id)
        .await
        .unwrap();
    assert_eq!(s.app.count("studio_author_posts").await, 0);
    // An author no longer there is refused by the post form.
    let e = service::generate_post(
        s.db(),
        &s.tools(),
        &s.owner,
        Uuid::now_v7(),
        &post_ask(&format!("author:{}", list[0].id)),
    )
    .await
    .unwrap_err();
    assert_eq!(field(&e), "style");

    // Whole-file refusals.
    let refused = |bytes: Vec<u8>, name: &'static str| {
        let db = s.db().clone();
        let owner = s.owner.clone();
        async move {
            match authors::preview(&db, &owner, name, &bytes).await {
                Err(Error::Validation { field, message }) => {
                    assert_eq!(field, "file");
                    message
                }
                other => panic!("{name}: {other:?}"),
            }
        }
    };
    let m = refused(
        workbook(&[&["author_name", "content"], &["A", "B"]], false),
        "a.xlsx",
    )
    .await;
    assert!(m.contains("missing: post_summary"), "{m}");
    let m = refused(
        workbook(&[header, &["A", "B", "C", "", "", "", ""]], true),
        "a.xlsx",
    )
    .await;
    assert!(m.contains("formulas"), "{m}");
    let m = refused(b"author_name,post_content\n".to_vec(), "a.csv").await;
    assert!(m.contains(".xlsx"), "{m}");
    let mut many: Vec<Vec<String>> = vec![header.iter().map(|h| h.to_string()).collect()];
    for i in 0..5_001 {
        many.push(vec!["A".into(), format!("post {i}"), "s".into()]);
    }
    let many_rows: Vec<Vec<&str>> = many
        .iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect();
    let many_refs: Vec<&[&str]> = many_rows.iter().map(Vec::as_slice).collect();
    let m = refused(workbook(&many_refs, false), "big.xlsx").await;
    assert!(m.contains("more than 5000 rows"), "{m}");
    // A part inflating to 40 MB from a few kilobytes: refused before it is read.
    let mut zeros_bomb = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut zeros_bomb);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("xl/worksheets/sheet1.xml", options).unwrap();
        let zeros = vec![0u8; 1024 * 1024];
        for _ in 0..40 {
            zip.write_all(&zeros).unwrap();
        }
        zip.finish().unwrap();
    }
    let zeros_bomb = zeros_bomb.into_inner();
    assert!(zeros_bomb.len() < 200 * 1024, "{}", zeros_bomb.len());
    let m = refused(zeros_bomb, "zeros.xlsx").await;
    assert!(m.contains("too much memory"), "{m}");
    // Shared strings declaring billions of entries: refused before calamine reserves them.
    let mut bomb = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut bomb);
        let options = zip::write::SimpleFileOptions::default();
        zip.start_file("xl/sharedStrings.xml", options).unwrap();
        zip.write_all(br#"<?xml version="1.0"?><sst xmlns="x" count="4000000000" uniqueCount="4000000000"><si><t>a</t></si></sst>"#)
            .unwrap();
        zip.finish().unwrap();
    }
    let m = refused(bomb.into_inner(), "bomb.xlsx").await;
    assert!(m.contains("too much memory"), "{m}");
    assert_eq!(s.app.count("studio_authors").await, 0);
}

#[tokio::test]
async fn posts_keep_their_limits_in_every_preset_and_the_hourly_limit_holds() {
    let s = setup_with(&[("STUDIO_GENERATIONS_PER_HOUR", "3")]).await;
    let mut ask = post_ask("preset:storyteller");
    ask.references = vec![s.site()];
    let p = service::generate_post(s.db(), &s.tools(), &s.owner, Uuid::now_v7(), &ask)
        .await
        .unwrap();
    assert!(compose::post_problems(&serde_json::from_value(p.content.clone()).unwrap()).is_empty());
    assert!(
        p.content["body"]
            .as_str()
            .unwrap()
            .contains("Acme Roasters"),
        "{}",
        p.content["body"]
    );
    for (style, field_name) in [
        ("preset:poet", "style"),
        ("author:not-an-id", "style"),
        ("custom:", "style"),
        ("", "style"),
    ] {
        let e = service::generate_post(
            s.db(),
            &s.tools(),
            &s.owner,
            Uuid::now_v7(),
            &post_ask(style),
        )
        .await
        .unwrap_err();
        assert_eq!(field(&e), field_name, "{style}");
    }
    let mut four = post_ask("custom:Ana Blogger");
    four.references = vec![
        "https://a.example".into(),
        "https://b.example".into(),
        "https://c.example".into(),
        "https://d.example".into(),
    ];
    assert_eq!(
        field(
            &service::generate_post(s.db(), &s.tools(), &s.owner, Uuid::now_v7(), &four)
                .await
                .unwrap_err()
        ),
        "references"
    );
    let mut bad_goal = post_ask("custom:Ana Blogger");
    bad_goal.goal = "fame".into();
    assert_eq!(
        field(
            &service::generate_post(s.db(), &s.tools(), &s.owner, Uuid::now_v7(), &bad_goal)
                .await
                .unwrap_err()
        ),
        "goal"
    );
    // Three an hour: two more pass, the next is refused and leaves no piece behind.
    for _ in 0..2 {
        service::generate_post(
            s.db(),
            &s.tools(),
            &s.owner,
            Uuid::now_v7(),
            &post_ask("custom:Ana Blogger"),
        )
        .await
        .unwrap();
    }
    let pieces = s.app.count("studio_pieces").await;
    let e = service::generate_post(
        s.db(),
        &s.tools(),
        &s.owner,
        Uuid::now_v7(),
        &post_ask("custom:Ana Blogger"),
    )
    .await
    .unwrap_err();
    assert!(matches!(e, Error::RateLimited), "{e}");
    assert_eq!(s.app.count("studio_pieces").await, pieces);
    // Editing a post keeps its limits.
    let e = service::edit_post(
        s.db(),
        &s.owner,
        p.id,
        1,
        "Hook",
        "too short",
        "Go",
        "#a #b #c #d #e #f #g",
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("must have 150 to 200"), "{e}");
    let body = "word ".repeat(160);
    let edited = service::edit_post(
        s.db(),
        &s.owner,
        p.id,
        1,
        "Hook",
        &body,
        "Go",
        "a b c d e f g",
    )
    .await
    .unwrap();
    assert_eq!(edited.content["hashtags"][0], "#A");
    assert_eq!(edited.version, 2);
}

#[tokio::test]
async fn the_studio_needs_content_write_and_never_reaches_another_company() {
    let s = setup().await;
    let piece = s
        .email(&s.owner, Uuid::now_v7(), &email_ask(&s))
        .await
        .unwrap();
    let viewer = s
        .app
        .add_member(&s.owner, "vic@example.com", "viewer", vec![])
        .await;
    let manager = s
        .app
        .add_member(&s.owner, "max@example.com", "manager", vec![])
        .await;
    assert!(matches!(
        s.email(&viewer, Uuid::now_v7(), &email_ask(&s)).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        service::research(s.db(), &s.fetcher, &viewer, &s.site(), false).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        service::library(s.db(), &viewer, None, "").await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        authors::list(s.db(), &viewer, "").await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        service::piece(s.db(), &viewer, piece.id).await,
        Err(Error::Forbidden)
    ));
    assert_eq!(
        service::library(s.db(), &manager, None, "")
            .await
            .unwrap()
            .len(),
        1
    );

    let other = s.app.sign_up("Other Co", "Olga", "olga@example.com").await;
    assert!(service::library(s.db(), &other, None, "")
        .await
        .unwrap()
        .is_empty());
    assert!(matches!(
        service::piece(s.db(), &other, piece.id).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        service::versions(s.db(), &other, piece.id).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        service::opens(s.db(), &other, piece.id).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        service::mark_sent(s.db(), &other, piece.id).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        service::edit_email(s.db(), &other, piece.id, 1, "x", "y z").await,
        Err(Error::NotFound)
    ));
    let mine = service::library(s.db(), &s.owner, None, "").await.unwrap();
    assert_eq!(mine.len(), 1);
    // Downloads are pages to the page table: a visitor who is not signed in is sent to sign in,
    // a viewer is refused.
    let anonymous = client_for(&s.app.base);
    let res = anonymous
        .get(s.app.url("/campaigns/studio/export/library"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let vic = s
        .app
        .signed_in_client("vic@example.com", PASSWORD, "studio-tests")
        .await;
    let res = vic
        .get(s.app.url("/campaigns/studio/export/authors"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let csv = s
        .app
        .client
        .get(s.app.url("/campaigns/studio/export/library"))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    let text = csv.text().await.unwrap();
    assert!(
        text.starts_with("kind,title,campaign") && text.contains("Spring outreach"),
        "{text}"
    );
}

#[test]
fn the_end_to_end_suites_workbook_reads_as_its_spec_expects() {
    // Inline strings, no shared strings or styles part: what a hand-made workbook may be.
    let (rows, ignored) = authors::check(
        "author-styles.xlsx",
        include_bytes!("../../end2end/fixtures/author-styles.xlsx"),
    )
    .unwrap();
    assert!(ignored.is_empty());
    assert_eq!(rows.len(), 4);
    assert_eq!(rows.iter().filter(|r| r.problems.is_empty()).count(), 3);
    assert_eq!(rows[3].problems, ["no author_name"]);
    assert_eq!(rows[1].engagement, Some(1_204));
}

fn docx(paragraphs: &[&str]) -> Vec<u8> {
    let body: String = paragraphs
        .iter()
        .map(|p| format!("<w:p><w:r><w:t xml:space=\"preserve\">{p}</w:t></w:r></w:p>"))
        .collect();
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut out);
        let options = zip::write::SimpleFileOptions::default();
        zip.start_file("word/document.xml", options).unwrap();
        zip.write_all(
            format!("<?xml version=\"1.0\"?><w:document xmlns:w=\"w\"><w:body>{body}</w:body></w:document>").as_bytes(),
        )
        .unwrap();
        zip.finish().unwrap();
    }
    out.into_inner()
}

#[tokio::test]
async fn a_resume_fills_the_senders_profile_from_a_pdf_or_a_word_file() {
    let s = setup().await;
    let tmp = s.app.state.config.data_dir.join("tmp");
    let word = docx(&[
        "Dan Pop",
        "Sales &amp; operations lead, 12 years.",
        "Grew revenue 40% in 2024.",
    ]);
    let text = server::studio::profile::read_resume(&tmp, "cv.docx", &word)
        .await
        .unwrap();
    assert_eq!(
        text,
        "Dan Pop\nSales & operations lead, 12 years.\nGrew revenue 40% in 2024."
    );
    let paper = pdf::text_pdf(&[&[
        "Ana Ionescu",
        "Head of Operations at Acme, 9 years in logistics",
    ]]);
    let text = server::studio::profile::read_resume(&tmp, "cv.pdf", &paper)
        .await
        .unwrap();
    assert!(text.contains("Head of Operations at Acme"), "{text}");
    for (name, bytes, why) in [
        ("cv.txt", b"plain text resume".to_vec(), "PDF or a Word"),
        (
            "cv.docx",
            b"PK\x03\x04 not a zip".to_vec(),
            "cannot be opened",
        ),
        ("cv.pdf", pdf::empty_pages_pdf(1), "No text could be read"),
        ("cv.pdf", Vec::new(), "empty"),
    ] {
        match server::studio::profile::read_resume(&tmp, name, &bytes).await {
            Err(Error::Validation { field, message }) => {
                assert_eq!(field, "file");
                assert!(message.contains(why), "{name}: {message}");
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    // Through the form: kept for the member, shown on the email form next time.
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(word).file_name("cv.docx"),
    );
    let res = s
        .app
        .client
        .post(s.app.url("/campaigns/studio/profile"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/campaigns/studio");
    let said = flash_of(&res).unwrap().message;
    assert!(said.contains("Read 13 words from cv.docx"), "{said}");
    let kept = server::studio::profile::get(s.db(), &s.owner)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.0, "cv.docx");
    let viewer = s
        .app
        .add_member(&s.owner, "vic@example.com", "viewer", vec![])
        .await;
    assert!(matches!(
        server::studio::profile::get(s.db(), &viewer).await,
        Err(Error::Forbidden)
    ));
}

#[tokio::test]
async fn an_uploaded_authors_style_is_summarised_once_by_the_provider_then_reused() {
    let ai = MockServer::start().await;
    let base = ai.uri();
    let s = setup_with(&[
        ("ANTHROPIC_API_KEY", "sk-ant-test"),
        ("ANTHROPIC_BASE_URL", base.as_str()),
        ("ANALYSIS_PROVIDER_ATTEMPTS", "1"),
        ("ANALYSIS_PROVIDER_BACKOFF_MS", "10"),
    ])
    .await;
    let meta = RequestMeta::default();
    server::billing::grant(
        s.db(),
        &s.owner,
        &meta,
        s.owner.company_id,
        30_000,
        "studio test",
    )
    .await
    .unwrap();
    let book = workbook(
        &[
            &["author_name", "post_content", "post_summary"],
            &[
                "Maria Pop",
                "Ever shipped on a Friday? #DevOps",
                "Friday deploys",
            ],
        ],
        false,
    );
    let up = authors::preview(s.db(), &s.owner, "m.xlsx", &book)
        .await
        .unwrap();
    authors::confirm(s.db(), &s.owner, &meta, up.id)
        .await
        .unwrap();
    let maria = authors::list(s.db(), &s.owner, "").await.unwrap().remove(0);
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .and(wiremock::matchers::body_string_contains(
            "\"name\":\"author_style\"",
        ))
        .respond_with(claude(
            "author_style",
            json!({ "style": "Short questions first, then one blunt line; two hashtags." }),
            800,
            60,
        ))
        .expect(1)
        .mount(&ai)
        .await;
    let body = "word ".repeat(170);
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .and(wiremock::matchers::body_string_contains("\"name\":\"linkedin_post\""))
        .respond_with(claude(
            "linkedin_post",
            json!({ "hook": "Ever shipped on a Friday?", "body": body, "call_to_action": "Tell me below.",
                    "hashtags": ["#DevOps", "shipping", "#Teams", "#Software", "#Leadership", "#Engineering", "#Delivery"],
                    "reading_minutes": 1 }),
            1_000,
            400,
        ))
        .expect(2)
        .mount(&ai)
        .await;
    let style = format!("author:{}", maria.id);
    let first = service::generate_post(
        s.db(),
        &s.tools(),
        &s.owner,
        Uuid::now_v7(),
        &post_ask(&style),
    )
    .await
    .unwrap();
    // The style's summary (800 + 60) and the post (1,000 + 400), each settled from its own hold.
    assert_eq!(first.tokens, 860 + 1_400);
    assert_eq!(first.content["hashtags"][1], "#Shipping");
    let second = service::generate_post(
        s.db(),
        &s.tools(),
        &s.owner,
        Uuid::now_v7(),
        &post_ask(&style),
    )
    .await
    .unwrap();
    assert_eq!(
        second.tokens, 1_400,
        "the style is reused, not summarised again"
    );
    assert_eq!(
        ledger::balance(s.db(), s.owner.company_id).await.unwrap(),
        30_000 - 860 - 1_400 - 1_400
    );
    let kept = authors::list(s.db(), &s.owner, "").await.unwrap().remove(0);
    assert_eq!(
        (kept.style_source.as_deref(), kept.style_tokens),
        (Some("anthropic"), 860)
    );
    let asked = ai.received_requests().await.unwrap();
    let post_prompt: Value = serde_json::from_slice(&asked[1].body).unwrap();
    assert!(post_prompt["messages"][0]["content"]
        .as_str()
        .unwrap()
        .contains("Short questions first"));
}
