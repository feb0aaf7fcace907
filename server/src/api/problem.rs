//! Errors as RFC 9457 problem documents (`application/problem+json`). The domain error maps
//! one to one; `type` points at the problem's entry on the reference page.

use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{Error, LoggedError};

pub const CONTENT_TYPE: &str = "application/problem+json";

/// A problem document (RFC 9457), boxed: handlers return it as their error, and a result
/// stays small.
#[derive(Clone, Debug)]
pub struct Problem(Box<ProblemBody>);

/// A problem document (RFC 9457).
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(as = Problem)]
pub struct ProblemBody {
    /// Where the problem is explained: `/api/v1/docs#problem-<code>`.
    #[serde(rename = "type")]
    #[schema(format = "uri-reference")]
    pub type_: String,
    /// A short summary of the problem's type.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong with this request.
    pub detail: String,
    /// A stable machine-readable code (`not_found`, `validation`, `rate_limited`, …).
    pub code: String,
    /// The field a validation problem is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(skip)]
    logged: Option<String>,
}

impl Problem {
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Problem {
        Problem(Box::new(ProblemBody {
            type_: format!("/api/v1/docs#problem-{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail: detail.into(),
            code: code.to_string(),
            field: None,
            logged: None,
        }))
    }

    /// 401: no key, or one that is refused.
    pub fn unauthorized(detail: &str) -> Problem {
        Problem::new(StatusCode::UNAUTHORIZED, "unauthorized", detail)
    }

    /// 400: a query or body that does not parse.
    pub fn bad_request(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, "bad_request", detail)
    }
}

impl From<Error> for Problem {
    fn from(e: Error) -> Problem {
        let detail = match &e {
            Error::Forbidden => "The API key's scopes do not allow this.".to_string(),
            Error::NotFound => "No such resource for this key.".to_string(),
            Error::Unauthorized => "An API key is needed.".to_string(),
            other => other.public_message(),
        };
        let mut p = Problem::new(e.status(), e.code(), detail);
        p.0.field = e.field().map(str::to_string);
        if e.status().is_server_error() {
            p.0.logged = Some(format!("{e:#}: {e:?}"));
        }
        p
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let p = *self.0;
        let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&p).unwrap_or_default();
        let mut res = (status, body).into_response();
        res.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(cause) = p.logged {
            res.extensions_mut()
                .insert(LoggedError(std::sync::Arc::new(cause)));
        }
        res
    }
}

/// What a handler answers: its body, or a problem.
pub type ApiResult<T> = std::result::Result<T, Problem>;
