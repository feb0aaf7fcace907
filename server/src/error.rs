//! The one domain error. Services return it; routes turn it into an HTTP response and server
//! functions into their error type. 5xx are logged once, by the request-logging middleware,
//! from the `LoggedError` the response carries.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not found")]
    NotFound,
    #[error("you are not signed in")]
    Unauthorized,
    #[error("Email or password is incorrect.")]
    InvalidCredentials,
    #[error("you do not have permission to do that")]
    Forbidden,
    #[error("{0}")]
    Conflict(String),
    #[error("{field}: {message}")]
    Validation { field: String, message: String },
    #[error("too many attempts, try again later")]
    RateLimited,
    #[error("Not enough tokens: this needs {} and the balance is {}. Buy a token pack on the Billing page.", crate::format::group(*needed), crate::format::group(*balance))]
    InsufficientTokens { balance: i64, needed: i64 },
    #[error("temporarily unavailable: {0}")]
    Unavailable(String),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        Error::Validation {
            field: field.to_string(),
            message: message.into(),
        }
    }

    /// Stable machine-readable code shared with the browser.
    pub fn code(&self) -> &'static str {
        match self {
            Error::NotFound => "not_found",
            Error::Unauthorized => "unauthorized",
            Error::InvalidCredentials => "invalid_credentials",
            Error::Forbidden => "forbidden",
            Error::Conflict(_) => "conflict",
            Error::Validation { .. } => "validation",
            Error::RateLimited => "rate_limited",
            Error::InsufficientTokens { .. } => "insufficient_tokens",
            Error::Unavailable(_) => "unavailable",
            Error::Internal(_) => "internal",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Error::NotFound => StatusCode::NOT_FOUND,
            Error::Unauthorized | Error::InvalidCredentials => StatusCode::UNAUTHORIZED,
            Error::Forbidden => StatusCode::FORBIDDEN,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Error::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Error::InsufficientTokens { .. } => StatusCode::PAYMENT_REQUIRED,
            Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What a user may read. Internal details never leave the server.
    pub fn public_message(&self) -> String {
        match self {
            Error::Validation { message, .. } => message.clone(),
            Error::Internal(_) => "Something went wrong on our side. It has been logged.".into(),
            Error::Unavailable(_) => {
                "The service is temporarily unavailable. Please try again shortly.".into()
            }
            other => other.to_string(),
        }
    }

    pub fn field(&self) -> Option<&str> {
        match self {
            Error::Validation { field, .. } => Some(field),
            _ => None,
        }
    }
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => Error::NotFound,
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                Error::Unavailable(format!("database: {e}"))
            }
            other => Error::Internal(other.into()),
        }
    }
}

impl From<anyhow::Error> for Error {
    fn from(e: anyhow::Error) -> Self {
        Error::Internal(e)
    }
}

/// Carried in response extensions so the logging middleware can log a 5xx once, with its
/// cause, inside the request span.
#[derive(Clone, Debug)]
pub struct LoggedError(pub std::sync::Arc<String>);

#[derive(Serialize)]
struct Body<'a> {
    code: &'a str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut res = (
            status,
            Json(Body {
                code: self.code(),
                message: self.public_message(),
                field: self.field(),
            }),
        )
            .into_response();
        if status.is_server_error() {
            res.extensions_mut()
                .insert(LoggedError(std::sync::Arc::new(format!(
                    "{self:#}: {self:?}"
                ))));
        }
        res
    }
}

/// True when a database error is a unique-constraint violation, by the driver's error kind.
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.kind() == sqlx::error::ErrorKind::UniqueViolation)
}
