//! Server functions of the content studio (/campaigns/studio, content.write): research, the
//! email and post forms (each carrying a one-time request id, so a double submit makes one
//! piece), a piece with its versions and opens, the library, author styles. Thin: permission
//! first, then server::studio. The workbook upload and its confirmation are plain form posts to
//! server routes (server::studio::http), so they work before hydration.
// The forms' fields are the server functions' arguments.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::ssr;
use super::AppError;
#[cfg(feature = "ssr")]
use server::access::Permission;

/// What the forms offer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StudioForm {
    /// A fresh one-time id for the form.
    pub request_id: String,
    /// (key, name, how it writes).
    pub presets: Vec<(String, String, String)>,
    /// (id, name, posts).
    pub authors: Vec<(String, String, i64)>,
    /// "Written by Anthropic (the company's key)" or "Written from templates: no AI provider…".
    pub writer: String,
    pub ai: bool,
    /// The member's kept profile (from their resume) and the file it came from.
    pub profile: String,
    pub profile_file: Option<String>,
}

#[server(endpoint = "studio_form")]
pub async fn get_studio_form() -> Result<StudioForm, AppError> {
    use server::ai::keys::Choice;
    let p = ssr::authorize(Permission::ContentWrite)?;
    let state = ssr::state()?;
    let authors = server::studio::authors::list(&state.db, &p, "")
        .await
        .map_err(ssr::fail)?
        .into_iter()
        .map(|a| (a.id.to_string(), a.name, a.posts))
        .collect();
    let choice = server::ai::keys::choose(
        &state.db,
        &state.config.app_secret_key,
        state.config.section(),
        p.company_id,
    )
    .await
    .map_err(ssr::fail)?;
    let (writer, ai) = match choice {
        Choice::Anthropic(c) => (format!("Written by Anthropic ({}); tokens are charged as used.", c.model), true),
        Choice::OpenAi(c) => (format!("Written by OpenAI ({}); tokens are charged as used.", c.model), true),
        Choice::Local => ("No AI provider is configured: pieces are written from templates filled with your inputs and the research, free of tokens. Read them through before sending.".to_string(), false),
    };
    let kept = server::studio::profile::get(&state.db, &p)
        .await
        .map_err(ssr::fail)?;
    Ok(StudioForm {
        profile: kept.as_ref().map(|(_, t)| t.clone()).unwrap_or_default(),
        profile_file: kept.map(|(f, _)| f),
        request_id: uuid::Uuid::now_v7().to_string(),
        presets: server::studio::compose::PRESETS
            .iter()
            .map(|(k, n, d)| (k.to_string(), n.to_string(), d.to_string()))
            .collect(),
        authors,
        writer,
        ai,
    })
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResearchView {
    pub url: String,
    pub complete: bool,
    pub note: Option<String>,
    pub name: Option<String>,
    pub what: Option<String>,
    pub products: Vec<String>,
    pub news: Vec<String>,
    pub tone: Option<String>,
    /// (text, url).
    pub sources: Vec<(String, String)>,
    pub fetched: String,
    pub cached: bool,
}

#[cfg(feature = "ssr")]
fn research_view(
    p: &server::access::Principal,
    r: server::studio::service::Research,
) -> ResearchView {
    ResearchView {
        url: r.url,
        complete: r.complete,
        note: r.note,
        name: r.summary.name,
        what: r.summary.what,
        products: r.summary.products,
        news: r.summary.news,
        tone: r.summary.tone.map(|t| format!("{} ({})", t.tone, t.why)),
        sources: r.sources.into_iter().map(|l| (l.text, l.url)).collect(),
        fetched: ssr::local_time(p, r.fetched_at),
        cached: r.cached,
    }
}

/// Reads a company's page (the reading of the last 24 hours unless `fresh` is "1").
#[server(endpoint = "studio_research")]
pub async fn research_company(
    url: String,
    fresh: Option<String>,
) -> Result<ResearchView, AppError> {
    let p = ssr::authorize(Permission::ContentWrite)?;
    let state = ssr::state()?;
    let fetcher = server::studio::config::fetcher(state.config.section());
    let r = server::studio::service::research(
        &state.db,
        &fetcher,
        &p,
        &url,
        fresh.as_deref() == Some("1"),
    )
    .await
    .map_err(ssr::fail)?;
    Ok(research_view(&p, r))
}

/// The company's latest readings.
#[server(endpoint = "studio_readings")]
pub async fn get_readings() -> Result<Vec<ResearchView>, AppError> {
    let p = ssr::authorize(Permission::ContentWrite)?;
    let state = ssr::state()?;
    Ok(server::studio::service::recent_research(&state.db, &p)
        .await
        .map_err(ssr::fail)?
        .into_iter()
        .map(|r| research_view(&p, r))
        .collect())
}

/// Runs a generation apart from the request, so a closed tab or a dropped connection never
/// leaves tokens held or a form half-claimed; answers the piece's id.
#[cfg(feature = "ssr")]
async fn generated<F, Fut>(work: F) -> Result<String, AppError>
where
    F: FnOnce(server::AppState, server::access::Principal) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = server::Result<server::studio::service::Piece>>
        + Send
        + 'static,
{
    let p = ssr::authorize(Permission::ContentWrite)?;
    let state = ssr::state()?;
    let piece = tokio::spawn(work(state, p))
        .await
        .map_err(|e| ssr::fail(server::Error::Internal(e.into())))?
        .map_err(ssr::fail)?;
    let id = piece.id.to_string();
    leptos_axum::redirect(&format!("/campaigns/studio/pieces/{id}"));
    Ok(id)
}

/// Generates an outreach email and opens it.
#[server(endpoint = "studio_email")]
pub async fn write_email(
    request_id: String,
    sender_name: String,
    sender_profile: String,
    recipient_name: String,
    recipient_role: String,
    company_url: String,
    tone: String,
    goal: String,
    pain_point: Option<String>,
    linkedin_url: Option<String>,
    job_url: Option<String>,
    campaign: Option<String>,
) -> Result<String, AppError> {
    let request = ssr::parse_id(&request_id)?;
    let ask = server::studio::compose::EmailAsk {
        sender_name,
        sender_profile,
        recipient_name,
        recipient_role,
        company_url,
        tone,
        goal,
        pain_point: pain_point.unwrap_or_default(),
        linkedin_url: linkedin_url.unwrap_or_default(),
        job_url: job_url.unwrap_or_default(),
        campaign: campaign.unwrap_or_default(),
    };
    generated(move |state, p| async move {
        let kit = server::studio::service::Kit::new(state.config.section());
        server::studio::service::generate_email(&state.db, &kit.tools(&state), &p, request, &ask)
            .await
    })
    .await
}

/// Generates a LinkedIn post and opens it. `style` is `preset:…`, `author:…` or `custom`
/// (then `custom_name` names the author).
#[server(endpoint = "studio_post")]
pub async fn write_post(
    request_id: String,
    topic: String,
    industry: String,
    audience: String,
    goal: String,
    style: String,
    custom_name: Option<String>,
    reference1: Option<String>,
    reference2: Option<String>,
    reference3: Option<String>,
) -> Result<String, AppError> {
    let request = ssr::parse_id(&request_id)?;
    let style = if style == "custom" {
        format!("custom:{}", custom_name.unwrap_or_default().trim())
    } else {
        style
    };
    let ask = server::studio::compose::PostAsk {
        topic,
        industry,
        audience,
        goal,
        style,
        references: [reference1, reference2, reference3]
            .into_iter()
            .flatten()
            .collect(),
    };
    generated(move |state, p| async move {
        let kit = server::studio::service::Kit::new(state.config.section());
        server::studio::service::generate_post(&state.db, &kit.tools(&state), &p, request, &ask)
            .await
    })
    .await
}

/// One version of a piece, flattened for the page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PieceContent {
    /// Email: subject; post: hook.
    pub head: String,
    pub body: String,
    /// Post: the call to action.
    pub call_to_action: String,
    pub hashtags: Vec<String>,
    pub value_propositions: Vec<String>,
    pub tone_analysis: String,
    pub reading_minutes: u32,
    pub note: Option<String>,
    pub words: usize,
}

#[cfg(feature = "ssr")]
fn content_of(v: &serde_json::Value, kind: &str) -> PieceContent {
    let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
    let list = |k: &str| {
        v[k].as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let body = s("body");
    PieceContent {
        head: if kind == "email" {
            s("subject")
        } else {
            s("hook")
        },
        words: server::studio::compose::words(&body),
        body,
        call_to_action: s("call_to_action"),
        hashtags: list("hashtags"),
        value_propositions: list("value_propositions"),
        tone_analysis: s("tone_analysis"),
        reading_minutes: v["reading_minutes"].as_u64().unwrap_or(0) as u32,
        note: v["note"].as_str().map(str::to_string),
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VersionView {
    pub version: i64,
    /// "Template", "Anthropic", "OpenAI" or "Edited".
    pub source: String,
    pub tokens: i64,
    pub by: String,
    pub at: String,
    pub content: PieceContent,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OpenView {
    pub at: String,
    pub human: bool,
    pub class: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PieceView {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub campaign: String,
    pub version: i64,
    pub content: PieceContent,
    pub source: String,
    pub tokens: i64,
    /// The email's tracking pixel address and the `<img>` to paste.
    pub pixel_url: Option<String>,
    pub sent: Option<String>,
    pub created: String,
    pub human_opens: i64,
    pub machine_opens: i64,
    pub first_human_open: Option<String>,
    /// (label, value) of what was asked.
    pub inputs: Vec<(String, String)>,
    pub versions: Vec<VersionView>,
    pub opens: Vec<OpenView>,
}

#[cfg(feature = "ssr")]
fn source_label(s: &str) -> String {
    match s {
        "local" => "Template",
        "anthropic" => "Anthropic",
        "openai" => "OpenAI",
        _ => "Edited",
    }
    .to_string()
}

#[server(endpoint = "studio_piece")]
pub async fn get_piece(id: String) -> Result<PieceView, AppError> {
    use server::studio::service;
    let p = ssr::authorize(Permission::ContentWrite)?;
    let state = ssr::state()?;
    let id = ssr::parse_id(&id)?;
    let piece = service::piece(&state.db, &p, id).await.map_err(ssr::fail)?;
    let versions = service::versions(&state.db, &p, id)
        .await
        .map_err(ssr::fail)?;
    let opens = service::opens(&state.db, &p, id).await.map_err(ssr::fail)?;
    let labels: &[(&str, &str)] = if piece.kind == "email" {
        &[
            ("recipient_name", "Recipient"),
            ("recipient_role", "Role"),
            ("company_url", "Company"),
            ("tone", "Tone"),
            ("goal", "Goal"),
            ("pain_point", "Pain point"),
            ("linkedin_url", "LinkedIn"),
            ("job_url", "Job posting"),
            ("sender_name", "Sender"),
        ]
    } else {
        &[
            ("topic", "Topic"),
            ("industry", "Industry"),
            ("audience", "Audience"),
            ("goal", "Goal"),
            ("style", "Style"),
        ]
    };
    let mut inputs: Vec<(String, String)> = labels
        .iter()
        .filter_map(|(k, l)| {
            piece.inputs[*k]
                .as_str()
                .filter(|v| !v.is_empty())
                .map(|v| (l.to_string(), v.to_string()))
        })
        .collect();
    // The post's goal and style in words, not their keys.
    for (label, value) in inputs.iter_mut() {
        if label == "Goal" && piece.kind == "post" {
            if let Some((_, name)) = server::studio::compose::GOALS
                .iter()
                .find(|(k, _)| k == value)
            {
                *value = name.to_string();
            }
        }
        if label == "Style" {
            *value = match value.split_once(':') {
                Some(("preset", k)) => server::studio::compose::PRESETS
                    .iter()
                    .find(|(key, _, _)| *key == k)
                    .map(|(_, name, _)| name.to_string())
                    .unwrap_or_else(|| k.to_string()),
                Some(("author", id)) => match id.parse() {
                    Ok(id) => server::studio::authors::name(&state.db, &p, id)
                        .await
                        .map_err(ssr::fail)?
                        .unwrap_or_else(|| "An uploaded author (since deleted)".into()),
                    Err(_) => value.clone(),
                },
                Some(("custom", name)) => name.to_string(),
                _ => value.clone(),
            };
        }
    }
    if let Some(refs) = piece.inputs["references"].as_array() {
        for r in refs.iter().filter_map(|r| r.as_str()) {
            inputs.push(("Reference".into(), r.to_string()));
        }
    }
    let pixel_url = piece.pixel.as_ref().and_then(|px| {
        state
            .config
            .public_url
            .join(&format!("/t/{px}.gif"))
            .ok()
            .map(|u| u.to_string())
    });
    Ok(PieceView {
        id: piece.id.to_string(),
        content: content_of(&piece.content, &piece.kind),
        title: piece.title,
        campaign: piece.campaign,
        version: piece.version,
        source: source_label(&piece.source),
        tokens: piece.tokens,
        pixel_url,
        sent: piece.sent_at.map(|t| ssr::local_time(&p, t)),
        created: ssr::local_time(&p, piece.created_at),
        human_opens: piece.human_opens,
        machine_opens: piece.machine_opens,
        first_human_open: piece.first_human_open.map(|t| ssr::local_time(&p, t)),
        inputs,
        versions: versions
            .into_iter()
            .map(|v| VersionView {
                version: v.version,
                source: source_label(&v.source),
                tokens: v.tokens,
                by: v.by.unwrap_or_default(),
                at: ssr::local_time(&p, v.at),
                content: content_of(&v.content, &piece.kind),
            })
            .collect(),
        opens: opens
            .into_iter()
            .map(|o| OpenView {
                at: ssr::local_time(&p, o.at),
                human: o.human,
                class: o.class,
            })
            .collect(),
        kind: piece.kind,
    })
}

/// Saves an edit of an email on top of version `base`.
#[server(endpoint = "studio_edit_email")]
pub async fn edit_email(
    id: String,
    base: String,
    subject: String,
    body: String,
) -> Result<String, AppError> {
    let p = ssr::authorize(Permission::ContentWrite)?;
    let base = base
        .parse::<i64>()
        .map_err(|_| ssr::fail(server::Error::NotFound))?;
    let piece = server::studio::service::edit_email(
        &ssr::state()?.db,
        &p,
        ssr::parse_id(&id)?,
        base,
        &subject,
        &body,
    )
    .await
    .map_err(ssr::fail)?;
    Ok(format!("Saved as version {}.", piece.version))
}

/// Saves an edit of a post on top of version `base`.
#[server(endpoint = "studio_edit_post")]
pub async fn edit_post(
    id: String,
    base: String,
    hook: String,
    body: String,
    call_to_action: String,
    hashtags: String,
) -> Result<String, AppError> {
    let p = ssr::authorize(Permission::ContentWrite)?;
    let base = base
        .parse::<i64>()
        .map_err(|_| ssr::fail(server::Error::NotFound))?;
    let piece = server::studio::service::edit_post(
        &ssr::state()?.db,
        &p,
        ssr::parse_id(&id)?,
        base,
        &hook,
        &body,
        &call_to_action,
        &hashtags,
    )
    .await
    .map_err(ssr::fail)?;
    Ok(format!("Saved as version {}.", piece.version))
}

/// Marks a piece sent (once).
#[server(endpoint = "studio_mark_sent")]
pub async fn mark_sent(id: String) -> Result<String, AppError> {
    let p = ssr::authorize(Permission::ContentWrite)?;
    server::studio::service::mark_sent(&ssr::state()?.db, &p, ssr::parse_id(&id)?)
        .await
        .map_err(ssr::fail)?;
    Ok("Marked as sent: loads in the next 10 seconds are counted as a scanner's.".into())
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LibraryRow {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub campaign: String,
    pub head: String,
    pub version: i64,
    pub source: String,
    pub created: String,
    pub sent: bool,
    pub human_opens: i64,
    pub machine_opens: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LibraryView {
    pub rows: Vec<LibraryRow>,
    /// (campaign, sent, opened by a person, rate in words).
    pub rates: Vec<(String, i64, i64, String)>,
}

#[server(endpoint = "studio_library")]
pub async fn get_library(kind: String, q: String) -> Result<LibraryView, AppError> {
    let p = ssr::authorize(Permission::ContentWrite)?;
    let state = ssr::state()?;
    let kind = Some(kind.as_str()).filter(|k| !k.is_empty());
    let rows = server::studio::service::library(&state.db, &p, kind, &q)
        .await
        .map_err(ssr::fail)?
        .into_iter()
        .map(|x| LibraryRow {
            id: x.id.to_string(),
            head: content_of(&x.content, &x.kind).head,
            kind: x.kind,
            title: x.title,
            campaign: x.campaign,
            version: x.version,
            source: source_label(&x.source),
            created: ssr::local_time(&p, x.created_at),
            sent: x.sent_at.is_some(),
            human_opens: x.human_opens,
            machine_opens: x.machine_opens,
        })
        .collect();
    let rates = server::studio::service::open_rates(&state.db, &p)
        .await
        .map_err(ssr::fail)?
        .into_iter()
        .map(|(c, sent, opened)| {
            let rate = if sent == 0 {
                "—".to_string()
            } else {
                format!("{}%", (opened * 100 + sent / 2) / sent)
            };
            (
                if c.is_empty() {
                    "(no campaign)".into()
                } else {
                    c
                },
                sent,
                opened,
                rate,
            )
        })
        .collect();
    Ok(LibraryView { rows, rates })
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuthorView {
    pub id: String,
    pub name: String,
    pub posts: i64,
    pub style: Option<String>,
    pub style_tokens: i64,
}

#[server(endpoint = "studio_authors")]
pub async fn get_authors(q: String) -> Result<Vec<AuthorView>, AppError> {
    let p = ssr::authorize(Permission::ContentWrite)?;
    Ok(server::studio::authors::list(&ssr::state()?.db, &p, &q)
        .await
        .map_err(ssr::fail)?
        .into_iter()
        .map(|a| AuthorView {
            id: a.id.to_string(),
            name: a.name,
            posts: a.posts,
            style: a.style,
            style_tokens: a.style_tokens,
        })
        .collect())
}

#[server(endpoint = "studio_delete_author")]
pub async fn delete_author(id: String) -> Result<String, AppError> {
    let p = ssr::authorize(Permission::ContentWrite)?;
    server::studio::authors::delete(&ssr::state()?.db, &p, &ssr::meta(), ssr::parse_id(&id)?)
        .await
        .map_err(ssr::fail)?;
    Ok("Author deleted.".into())
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UploadRowView {
    pub line: usize,
    pub author: String,
    pub excerpt: String,
    pub problems: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UploadView {
    pub id: String,
    pub file_name: String,
    pub rows: Vec<UploadRowView>,
    pub ignored: Vec<String>,
    pub good: usize,
    pub authors: usize,
    pub confirmed: bool,
}

#[server(endpoint = "studio_upload")]
pub async fn get_upload(id: String) -> Result<UploadView, AppError> {
    let p = ssr::authorize(Permission::ContentWrite)?;
    let up = server::studio::authors::upload(&ssr::state()?.db, &p, ssr::parse_id(&id)?)
        .await
        .map_err(ssr::fail)?;
    Ok(UploadView {
        id: up.id.to_string(),
        good: up.good(),
        authors: up.authors(),
        file_name: up.file_name.clone(),
        ignored: up.ignored.clone(),
        confirmed: up.confirmed,
        rows: up
            .rows
            .into_iter()
            .map(|r| UploadRowView {
                line: r.line,
                author: r.author,
                excerpt: server::studio::compose::first_words(&r.content, 14),
                problems: r.problems,
            })
            .collect(),
    })
}
