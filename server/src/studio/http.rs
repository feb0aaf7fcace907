//! The content studio's plain routes: the tracking pixel `GET /t/{id}.gif` (no session: the
//! unguessable id is all a mail client has; declared `PageNeeds::Webhook`), and the downloads
//! `GET /campaigns/studio/export/authors` (.xlsx) and `…/library` (.csv): pages to the page table
//! (content.write; a visitor not signed in is sent to sign in), checked here again.
//!
//! The pixel answers the same 43 bytes at once for any id, known or not, and records the open
//! afterwards, so its answer neither waits on the database nor tells a valid id from another.
//! No cookie, no redirect, never cached.

use axum::{
    extract::{Path, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
    Extension, Router,
};
use chrono::Utc;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{authors, pixel, profile, service};
use crate::{
    access::Permission,
    error::Error,
    http::{
        forms::{failure, Meta},
        middleware::{ClientIp, CurrentUser},
    },
    state::AppState,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/t/{file}", get(track))
        .route("/campaigns/studio/export/authors", get(export_authors))
        .route("/campaigns/studio/export/library", get(export_library))
        .route(
            "/campaigns/studio/authors/upload",
            post(upload_authors).layer(axum::extract::DefaultBodyLimit::max(
                authors::MAX_BYTES + 256 * 1024,
            )),
        )
        .route(
            "/campaigns/studio/authors/upload/{id}/confirm",
            post(confirm_authors),
        )
        .route(
            "/campaigns/studio/profile",
            post(upload_profile).layer(axum::extract::DefaultBodyLimit::max(
                profile::MAX_BYTES + 256 * 1024,
            )),
        )
}

/// Where the email form is, and the flash name of the resume upload's messages.
const EMAIL_PAGE: &str = "/campaigns/studio";
const PROFILE_FLASH: &str = "studio-profile";

/// The one file of a multipart form (`file`): its name and bytes, at most `max` bytes.
async fn one_file(
    state: &AppState,
    req: axum::extract::Request,
    max: usize,
    choose: &'static str,
) -> Result<(String, Vec<u8>), Error> {
    use axum::extract::{FromRequest, Multipart};
    let too_big = || {
        Error::validation(
            "file",
            format!("The file is larger than {} MB.", max / 1024 / 1024),
        )
    };
    let mut form = Multipart::from_request(req, state)
        .await
        .map_err(|_| Error::validation("file", choose))?;
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(mut field) = form.next_field().await.map_err(|_| too_big())? {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or_default().to_string();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|_| {
            Error::validation("file", "The upload was interrupted; choose the file again.")
        })? {
            bytes.extend_from_slice(&chunk);
            if bytes.len() > max {
                return Err(too_big());
            }
        }
        if !name.is_empty() {
            file = Some((name, bytes));
        }
    }
    file.ok_or_else(|| Error::validation("file", choose))
}

/// POST /campaigns/studio/profile (multipart `file`): reads a PDF or DOCX resume into the
/// member's profile, then 303 back to the email form, which it fills.
async fn upload_profile(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    req: axum::extract::Request,
) -> Response {
    let secure = state.config.cookie_secure;
    let result = async {
        let p = user.0.ok_or(Error::Unauthorized)?;
        p.authorize(Permission::ContentWrite)?;
        let (name, bytes) = one_file(
            &state,
            req,
            profile::MAX_BYTES,
            "Choose a PDF or a Word (.docx) resume.",
        )
        .await?;
        let text = profile::read_resume(&state.config.data_dir.join("tmp"), &name, &bytes).await?;
        profile::save(&state.db, &p, &name, &text).await?;
        Ok::<_, Error>(format!(
            "Read {} words from {name}: they fill “About you” below.",
            text.split_whitespace().count()
        ))
    }
    .await;
    match result {
        Ok(message) => crate::http::forms::back_with(
            EMAIL_PAGE,
            crate::http::flash::Flash {
                form: PROFILE_FLASH.into(),
                field: None,
                message,
                values: [("ok".to_string(), "1".to_string())].into(),
            },
            secure,
        ),
        Err(e @ Error::Validation { .. }) => {
            failure(PROFILE_FLASH, EMAIL_PAGE, &e, Default::default(), secure)
        }
        Err(e) => e.into_response(),
    }
}

/// Where the upload form is, and the flash name of its messages.
const AUTHORS_PAGE: &str = "/campaigns/studio/authors";
const AUTHORS_FLASH: &str = "studio-authors";

/// POST /campaigns/studio/authors/upload (multipart `file`): checks the workbook and keeps the
/// preview, then 303 to it; a workbook refused whole goes back to the form with why.
async fn upload_authors(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    req: axum::extract::Request,
) -> Response {
    let secure = state.config.cookie_secure;
    let p = match user.0.ok_or(Error::Unauthorized).and_then(|p| {
        p.authorize(Permission::ContentWrite)?;
        Ok(p)
    }) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let result = async {
        let (name, bytes) = one_file(
            &state,
            req,
            authors::MAX_BYTES,
            "Choose an Excel workbook (.xlsx).",
        )
        .await?;
        // Reading a workbook is CPU work: off the request threads.
        let db = state.db.clone();
        let p2 = p.clone();
        tokio::task::spawn_blocking(move || authors::check(&name, &bytes).map(|c| (name, c)))
            .await
            .map_err(|e| Error::Internal(e.into()))?
            .map(|(name, checked)| (db, p2, name, checked))
    }
    .await;
    let result = match result {
        Ok((db, p, name, (rows, ignored))) => authors::keep(&db, &p, &name, rows, ignored).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(up) => {
            Redirect::to(&format!("/campaigns/studio/authors/upload/{}", up.id)).into_response()
        }
        Err(e @ Error::Validation { .. }) => {
            failure(AUTHORS_FLASH, AUTHORS_PAGE, &e, Default::default(), secure)
        }
        Err(e) => e.into_response(),
    }
}

/// POST /campaigns/studio/authors/upload/:id/confirm: adds the preview's good rows (once), then
/// 303 back to the preview, which says how many.
async fn confirm_authors(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Meta(meta): Meta,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let p = user.0.ok_or(Error::Unauthorized)?;
        p.authorize(Permission::ContentWrite)?;
        let id = id.parse::<uuid::Uuid>().map_err(|_| Error::NotFound)?;
        authors::confirm(&state.db, &p, &meta, id).await?;
        Ok::<_, Error>(id)
    }
    .await;
    match result {
        Ok(id) => Redirect::to(&format!("/campaigns/studio/authors/upload/{id}")).into_response(),
        Err(e) => e.into_response(),
    }
}

/// Pixel loads being recorded, and how many may be at once.
static RECORDING: AtomicUsize = AtomicUsize::new(0);
const MAX_RECORDING: usize = 512;

async fn track(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    headers: HeaderMap,
) -> Response {
    let id = file.strip_suffix(".gif").unwrap_or(&file).to_string();
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(500).collect::<String>());
    let db = state.db.clone();
    let now = Utc::now();
    // Recordings waiting on the database are bounded: a flood of loads (of made-up ids, say)
    // costs at most this many tasks, and the answer stays the same.
    if RECORDING.fetch_add(1, Ordering::AcqRel) < MAX_RECORDING {
        tokio::spawn(async move {
            if let Err(e) = service::record_open(&db, &id, ua.as_deref(), Some(ip), now).await {
                tracing::warn!(error = %e, "a pixel open could not be recorded");
            }
            RECORDING.fetch_sub(1, Ordering::AcqRel);
        });
    } else {
        RECORDING.fetch_sub(1, Ordering::AcqRel);
        tracing::warn!("pixel loads arrive faster than they are recorded: one was not recorded");
    }
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("image/gif")),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("no-store, no-cache, must-revalidate, private, max-age=0"),
            ),
            (header::PRAGMA, HeaderValue::from_static("no-cache")),
            (header::EXPIRES, HeaderValue::from_static("0")),
        ],
        pixel::GIF,
    )
        .into_response()
}

fn download(bytes: Vec<u8>, content_type: &'static str, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
                    .unwrap_or(HeaderValue::from_static("attachment")),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        bytes,
    )
        .into_response()
}

async fn export_authors(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Response {
    let result = async {
        let p = user.0.ok_or(Error::Unauthorized)?;
        p.authorize(Permission::ContentWrite)?;
        authors::export(&state.db, &p).await
    }
    .await;
    match result {
        Ok(bytes) => download(
            bytes,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "author-styles.xlsx",
        ),
        Err(e) => e.into_response(),
    }
}

/// A CSV cell: quoted, quotes doubled, and a leading = + - @ neutralised so a spreadsheet never
/// reads it as a formula.
fn cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    format!("\"{}\"", s.replace('"', "\"\""))
}

async fn export_library(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Response {
    let result = async {
        let p = user.0.ok_or(Error::Unauthorized)?;
        p.authorize(Permission::ContentWrite)?;
        let pieces = service::library_all(&state.db, &p).await?;
        let mut out = String::from(
            "kind,title,campaign,created,version,subject_or_hook,body,hashtags,sent,human_opens,machine_opens\n",
        );
        for piece in pieces {
            let c = &piece.content;
            let text = |k: &str| c[k].as_str().unwrap_or_default().to_string();
            let head = if piece.kind == "email" { text("subject") } else { text("hook") };
            let tags = c["hashtags"]
                .as_array()
                .map(|a| a.iter().filter_map(|t| t.as_str()).collect::<Vec<_>>().join(" "))
                .unwrap_or_default();
            let row = [
                piece.kind.clone(),
                piece.title.clone(),
                piece.campaign.clone(),
                piece.created_at.to_rfc3339(),
                piece.version.to_string(),
                head,
                text("body"),
                tags,
                piece.sent_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
                piece.human_opens.to_string(),
                piece.machine_opens.to_string(),
            ];
            out.push_str(&row.iter().map(|v| cell(v)).collect::<Vec<_>>().join(","));
            out.push('\n');
        }
        Ok::<_, Error>(out.into_bytes())
    }
    .await;
    match result {
        Ok(bytes) => download(bytes, "text/csv; charset=utf-8", "content-library.csv"),
        Err(e) => e.into_response(),
    }
}
