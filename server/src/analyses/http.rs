//! Analyses routes that carry files: the upload (a multipart form that works before hydration;
//! the hydrated page sends the same form by XHR to show progress and asks for JSON), and the
//! downloads of the source file and rendered pages, each behind the same permission check as
//! the detail page.

use std::collections::BTreeMap;

use axum::{
    body::Body,
    extract::{FromRequest, Multipart, Path, Request, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Extension, Json, Router,
};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

use crate::access::Principal;
use crate::http::{
    flash::Flash,
    forms::{back_with, Meta},
    middleware::{ClientIp, CurrentUser},
};
use crate::{
    access::Permission,
    analyses::{
        config::AnalysesConfig,
        keys,
        service::{self, NewUpload},
        upload::{self, Kind},
    },
    error::Error,
    state::AppState,
};

/// The analyses routes that are not pages: upload, downloads, exports.
pub fn routes(state: &AppState) -> Router<AppState> {
    let max = state.config.section::<AnalysesConfig>().max_upload_bytes as usize;
    Router::new()
        .route(
            "/analyses/upload",
            post(upload).layer(axum::extract::DefaultBodyLimit::max(max + 1024 * 1024)),
        )
        .route("/analyses/export", post(export_many))
        .route("/analyses/{id}/export", post(export_one))
        .route("/analyses/{id}/file", get(source))
        .route("/analyses/{id}/pages/{n}", get(page))
}

const PAGE: &str = "/analyses/new";

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

fn principal(user: &CurrentUser, needed: Permission) -> Result<Principal, Error> {
    let p = user.0.clone().ok_or(Error::Unauthorized)?;
    p.authorize(needed)?;
    Ok(p)
}

/// The answer to an upload, as JSON (XHR) or as a redirect with a flash message (plain form).
fn answer(json: bool, result: Result<Uuid, Error>, test_type: &str, secure: bool) -> Response {
    match (json, result) {
        (true, Ok(id)) => (
            StatusCode::CREATED,
            Json(serde_json::json!({ "id": id, "url": format!("/analyses/{id}") })),
        )
            .into_response(),
        (true, Err(e)) => {
            if e.status().is_server_error() {
                return e.into_response();
            }
            (
                e.status(),
                Json(serde_json::json!({
                    "error": e.public_message(), "field": e.field(), "code": e.code(),
                })),
            )
                .into_response()
        }
        (false, Ok(id)) => axum::response::Redirect::to(&format!("/analyses/{id}")).into_response(),
        (false, Err(e)) if e.status().is_server_error() => e.into_response(),
        (false, Err(e)) => back_with(
            PAGE,
            Flash {
                form: "upload".into(),
                field: e.field().map(str::to_string),
                message: e.public_message(),
                values: BTreeMap::from([("test_type".to_string(), test_type.to_string())]),
            },
            secure,
        ),
    }
}

/// POST /analyses/upload — multipart with `test_type` and `file`. The permission and the rate
/// limit are checked before the body is read; the file is streamed to disk with a size cap.
pub async fn upload(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ip: Option<Extension<ClientIp>>,
    Meta(meta): Meta,
    req: Request,
) -> Response {
    let json = wants_json(req.headers());
    let secure = state.config.cookie_secure;
    let p = match principal(&user, Permission::AnalysesRun) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    if let Some(Extension(ClientIp(ip))) = ip {
        if let Err(e) = state
            .limits
            .check(&[(crate::analyses::REQUESTS_PER_IP, &ip.to_string())])
            .await
        {
            return answer(json, Err(e), "", secure);
        }
    }
    let result = receive(&state, &p, &meta, req).await;
    let test_type = result.as_ref().map(|(t, _)| t.clone()).unwrap_or_default();
    answer(json, result.and_then(|(_, r)| r), &test_type, secure)
}

/// Reads the form; answers the chosen test type (for the refill) and the creation's result.
async fn receive(
    state: &AppState,
    p: &Principal,
    meta: &crate::audit::RequestMeta,
    req: Request,
) -> Result<(String, Result<Uuid, Error>), Error> {
    let cfg = state
        .config
        .section::<crate::analyses::config::AnalysesConfig>();
    let max = cfg.max_upload_bytes;
    let bad = |m: &str| Error::validation("file", m);
    let mut form = Multipart::from_request(req, state)
        .await
        .map_err(|_| bad("Choose a PDF or image to upload."))?;
    let tmp_dir = state.config.data_dir.join("tmp");
    tokio::fs::create_dir_all(&tmp_dir)
        .await
        .map_err(|e| Error::Internal(e.into()))?;
    let mut test_type = String::new();
    let mut received: Option<(tempfile::TempPath, String, u64, String)> = None;
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => return Err(bad(&upload::too_large(max))),
        };
        match field.name() {
            Some("test_type") => {
                test_type = field
                    .text()
                    .await
                    .unwrap_or_default()
                    .chars()
                    .take(40)
                    .collect();
            }
            Some("file") => {
                let name = field.file_name().unwrap_or_default().to_string();
                if name.is_empty() {
                    continue;
                }
                let tmp = tempfile::Builder::new()
                    .prefix("upload-")
                    .tempfile_in(&tmp_dir)
                    .map_err(|e| Error::Internal(e.into()))?
                    .into_temp_path();
                let mut out = tokio::fs::File::create(&tmp)
                    .await
                    .map_err(|e| Error::Internal(e.into()))?;
                let mut hasher = Sha256::new();
                let mut size: u64 = 0;
                let mut field = field;
                loop {
                    match field.chunk().await {
                        Ok(Some(chunk)) => {
                            size += chunk.len() as u64;
                            if size > max {
                                return Ok((test_type, Err(bad(&upload::too_large(max)))));
                            }
                            hasher.update(&chunk);
                            out.write_all(&chunk)
                                .await
                                .map_err(|e| Error::Internal(e.into()))?;
                        }
                        Ok(None) => break,
                        Err(_) => return Ok((test_type, Err(bad(&upload::too_large(max))))),
                    }
                }
                out.flush().await.map_err(|e| Error::Internal(e.into()))?;
                received = Some((tmp, name, size, hex::encode(hasher.finalize())));
            }
            _ => {}
        }
    }
    let Some((tmp, filename, bytes, sha256)) = received else {
        return Ok((test_type, Err(bad("Choose a PDF or image to upload."))));
    };
    let up = NewUpload {
        filename,
        test_type: test_type.clone(),
        temp_path: tmp.to_path_buf(),
        bytes,
        sha256,
    };
    let result = service::create(&state.db, &state.storage, cfg, p, meta, up).await;
    drop(tmp);
    Ok((test_type, result))
}

fn file_response(bytes: bytes::Bytes, content_type: &str, disposition: Option<String>) -> Response {
    let mut res = Response::new(Body::from(bytes));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Some(d) = disposition.and_then(|d| HeaderValue::from_str(&d).ok()) {
        h.insert(header::CONTENT_DISPOSITION, d);
    }
    res
}

/// `attachment` with an ASCII fallback and the UTF-8 name (RFC 6266).
pub fn attachment(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b".-_".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// GET /analyses/{id}/file — the uploaded file.
pub async fn source(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(id): Path<Uuid>,
) -> Response {
    let result = async {
        let p = principal(&user, Permission::AnalysesRead)?;
        let row = service::get(&state.db, &p, id).await?;
        let bytes = state
            .storage
            .get(&row.source_key)
            .await
            .map_err(|_| Error::NotFound)?;
        let kind = Kind::parse(&row.file_kind).unwrap_or(Kind::Pdf);
        Ok::<_, Error>(file_response(
            bytes,
            kind.content_type(),
            Some(attachment(&row.filename)),
        ))
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

/// GET /analyses/{id}/pages/{n} — a rendered page (PNG).
pub async fn page(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path((id, n)): Path<(Uuid, u32)>,
) -> Response {
    let result = async {
        let p = principal(&user, Permission::AnalysesRead)?;
        let row = service::get(&state.db, &p, id).await?;
        if n == 0 || n > row.pages.max(1) as u32 {
            return Err(Error::NotFound);
        }
        let bytes = state
            .storage
            .get(&keys::page_key(row.company_id, row.id, n))
            .await
            .map_err(|_| Error::NotFound)?;
        Ok::<_, Error>(file_response(bytes, "image/png", None))
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

/// The export formats of one analysis or a selection.
fn export_response(
    format: &str,
    stem: &str,
    json: impl FnOnce() -> serde_json::Value,
    csv: impl FnOnce() -> Result<Vec<u8>, Error>,
) -> Result<Response, Error> {
    let date = chrono::Utc::now().format("%Y-%m-%d");
    let (bytes, content_type, ext) = match format {
        "json" => (
            serde_json::to_vec_pretty(&json()).map_err(|e| Error::Internal(e.into()))?,
            "application/json",
            "json",
        ),
        "csv" => (csv()?, "text/csv; charset=utf-8", "csv"),
        _ => return Err(Error::validation("format", "Choose JSON, CSV or PDF.")),
    };
    let mut res = file_response(
        bytes::Bytes::from(bytes),
        content_type,
        Some(attachment(&format!("{stem}-{date}.{ext}"))),
    );
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

async fn record_export(
    state: &AppState,
    p: &Principal,
    meta: &crate::audit::RequestMeta,
    format: &str,
    ids: &[Uuid],
) -> Result<(), Error> {
    crate::audit::record_alone(
        &state.db,
        meta,
        crate::audit::Entry::by(
            p,
            crate::audit::Action::ExportCreated,
            Some("analyses".into()),
            serde_json::json!({ "format": format, "analyses": ids }),
        ),
    )
    .await
}

/// POST /analyses/{id}/export — `format` = json | csv | pdf.
pub async fn export_one(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Meta(meta): Meta,
    Path(id): Path<Uuid>,
    body: bytes::Bytes,
) -> Response {
    let result = async {
        let p = principal(&user, Permission::AnalysesRead)?;
        let form = form_pairs(&body);
        let format = form
            .iter()
            .find(|(k, _)| k == "format")
            .map(|(_, v)| v.as_str())
            .unwrap_or("json");
        let row = service::get(&state.db, &p, id).await?;
        if format == "pdf" {
            let res = pdf_report(&state, &p, &row).await?;
            record_export(&state, &p, &meta, format, &[id]).await?;
            return Ok(res);
        }
        let stem = format!(
            "analysis-{}-v{}",
            row.filename
                .trim_end_matches(".pdf")
                .trim_end_matches(".PDF"),
            row.version
        );
        let res = export_response(
            format,
            &stem,
            || crate::analyses::report::to_json(&row),
            || crate::analyses::report::one_csv(&row),
        )?;
        record_export(&state, &p, &meta, format, &[id]).await?;
        Ok::<_, Error>(res)
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

/// The PDF report with the company's logo.
async fn pdf_report(
    state: &AppState,
    p: &Principal,
    row: &service::AnalysisRow,
) -> Result<Response, Error> {
    let logo = crate::team::company::logo(&state.db, &state.storage, p).await?;
    let row = row.clone();
    let company = p.company_name.clone();
    let tz: chrono_tz::Tz = p.timezone.parse().unwrap_or(chrono_tz::UTC);
    let when = chrono::Utc::now()
        .with_timezone(&tz)
        .format("%Y-%m-%d %H:%M %Z")
        .to_string();
    let (bytes, name) = tokio::task::spawn_blocking(move || {
        let logo = logo.and_then(|(bytes, _, _)| crate::analyses::pdf_report::logo_jpeg(&bytes));
        let name = format!(
            "analysis-{}-v{}.pdf",
            row.filename
                .trim_end_matches(".pdf")
                .trim_end_matches(".PDF"),
            row.version
        );
        crate::analyses::pdf_report::render(&row, &company, logo, &when).map(|b| (b, name))
    })
    .await
    .map_err(|e| Error::Internal(e.into()))?
    .map_err(|e| Error::Internal(anyhow::anyhow!(e)))?;
    let mut res = file_response(
        bytes::Bytes::from(bytes),
        "application/pdf",
        Some(attachment(&name)),
    );
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

/// POST /analyses/export — `format` and the selected `ids` (repeated).
pub async fn export_many(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Meta(meta): Meta,
    body: bytes::Bytes,
) -> Response {
    let result = async {
        let p = principal(&user, Permission::AnalysesRead)?;
        let form = form_pairs(&body);
        let format = form
            .iter()
            .find(|(k, _)| k == "format")
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| "csv".into());
        let ids: Vec<Uuid> = form
            .iter()
            .filter(|(k, _)| k == "ids")
            .filter_map(|(_, v)| v.parse().ok())
            .collect();
        if ids.is_empty() {
            return Err(Error::validation(
                "ids",
                "Select at least one analysis to export.",
            ));
        }
        let rows = service::many(&state.db, &p, &ids).await?;
        let seen: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let res = export_response(
            &format,
            "analyses",
            || {
                serde_json::Value::Array(
                    rows.iter().map(crate::analyses::report::to_json).collect(),
                )
            },
            || crate::analyses::report::many_csv(&rows),
        )?;
        record_export(&state, &p, &meta, &format, &seen).await?;
        Ok::<_, Error>(res)
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}
