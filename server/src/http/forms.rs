//! What the plain form endpoints of every area share: where a request came from, the 303
//! back to a form with its flash, and CSV downloads.

use std::{collections::BTreeMap, net::SocketAddr};

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::{header, request::Parts, HeaderValue},
    response::{IntoResponse, Redirect, Response},
};

use super::{
    flash::Flash,
    middleware::{request_meta, ClientIp},
};
use crate::{access::RequestMeta, error::Error};

/// Extracts where the request came from (peer IP, user agent).
pub struct Meta(pub RequestMeta);

impl<S: Send + Sync> FromRequestParts<S> for Meta {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Meta(meta_from_parts(parts)))
    }
}

/// The request's origin facts, from already-extracted parts (also used by server functions).
pub fn meta_from_parts(parts: &Parts) -> RequestMeta {
    let mut meta = request_meta(
        &parts.headers,
        parts.extensions.get::<ConnectInfo<SocketAddr>>(),
    );
    if let Some(ip) = parts.extensions.get::<ClientIp>() {
        meta.ip = Some(ip.0.to_string());
    }
    meta
}

/// A posted form's fields (a field given more than once keeps every value).
pub struct Fields(Vec<(String, String)>);

impl Fields {
    pub fn parse(body: &[u8]) -> Fields {
        Fields(url::form_urlencoded::parse(body).into_owned().collect())
    }

    /// The first value of `name`, "" when absent.
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A 303 back to the form with its flash (message, field, what was typed).
pub fn back_with(to: &str, flash: Flash, secure: bool) -> Response {
    let mut res = Redirect::to(to).into_response();
    res.headers_mut()
        .append(header::SET_COOKIE, flash.set_cookie(secure));
    res
}

/// A form that did its work: a 303 to `to` with `message` for `form`, marked as a success
/// (`tone` "ok").
pub fn done(to: &str, form: &str, message: String, secure: bool) -> Response {
    back_with(
        to,
        Flash {
            form: form.into(),
            field: None,
            message,
            values: [("tone".to_string(), "ok".to_string())].into(),
        },
        secure,
    )
}

/// A failed form submission: back to `to` with the error's public message and field; 5xx
/// are logged here.
pub fn failure(
    form: &str,
    to: &str,
    e: &Error,
    values: BTreeMap<String, String>,
    secure: bool,
) -> Response {
    if e.status().is_server_error() {
        tracing::error!(error = ?e, form, "form submission failed");
    }
    back_with(
        to,
        Flash {
            form: form.into(),
            field: e.field().map(str::to_string),
            message: e.public_message(),
            values,
        },
        secure,
    )
}

/// A CSV attachment named `{what}-{company}-{date}.csv`, never cached.
/// A download's file name: `<what>-<company, letters and digits>-<today>.<ext>`.
pub fn download_name(what: &str, company: &str, ext: &str) -> String {
    let name: String = company
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let date = chrono::Utc::now().format("%Y-%m-%d");
    format!("{what}-{name}-{date}.{ext}")
}

/// A file to download: its type, `name` (ASCII, as `download_name` makes them) and body; never
/// cached.
pub fn download(content_type: &str, name: &str, body: impl IntoResponse) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

pub fn csv_download(what: &str, company: &str, csv: Vec<u8>) -> Response {
    let disposition = format!(
        "attachment; filename=\"{}\"",
        download_name(what, company, "csv")
    );
    let mut res = csv.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}
