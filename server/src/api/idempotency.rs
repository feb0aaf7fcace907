//! `Idempotency-Key` on the API's POSTs. The first request under a key (per API key) is
//! answered and its answer kept a day; the same key with the same request (method, path,
//! body) gets that answer again, marked `Idempotent-Replayed: true`, and does nothing; the
//! same key with another request is refused (422); while the first is still being answered, a
//! second gets 409. An answer that failed on our side (5xx) is not kept, so the call can be
//! retried.

use async_trait::async_trait;
use axum::{
    body::Body,
    extract::{Request, State},
    http::{header, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use chrono::Utc;
use sha2::{Digest, Sha256};

use super::{keys::Caller, problem::Problem, repo};
use crate::{
    jobs::{Job, JobContext},
    state::AppState,
    Db,
};

pub const HEADER: &str = "idempotency-key";
/// The largest request body an idempotent POST may send.
const MAX_BODY: usize = 1 << 20;
/// The largest answer kept for replay.
const MAX_ANSWER: usize = 4 << 20;
/// How long a claim waits for its answer before a retry may take it over (the first request
/// was cut off: the process stopped, or the answer could not be kept).
const LEASE: chrono::Duration = chrono::Duration::seconds(60);
/// How long an answer is kept.
pub const RETENTION: chrono::Duration = chrono::Duration::hours(24);

fn request_hash(method: &Method, path_and_query: &str, body: &[u8]) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(method.as_str().as_bytes());
    h.update([0]);
    h.update(path_and_query.as_bytes());
    h.update([0]);
    h.update(body);
    h.finalize().to_vec()
}

/// A key is 1–255 visible ASCII characters.
fn valid_key(k: &str) -> bool {
    (1..=255).contains(&k.len()) && k.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

fn replay(status: i32, body: String) -> Response {
    let status = StatusCode::from_u16(status as u16).unwrap_or(StatusCode::OK);
    let content_type = if status.is_success() {
        "application/json"
    } else {
        super::problem::CONTENT_TYPE
    };
    let mut res = (status, body).into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    res.headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    res
}

pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let Some(raw) = req.headers().get(HEADER) else {
        return next.run(req).await;
    };
    let Some(idem) = raw
        .to_str()
        .ok()
        .filter(|k| valid_key(k))
        .map(str::to_string)
    else {
        return Problem::bad_request("An Idempotency-Key is 1 to 255 visible ASCII characters.")
            .into_response();
    };
    let Some(key_id) = req.extensions().get::<Caller>().map(|c| c.key_id) else {
        return next.run(req).await;
    };
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        return Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "The request body is over 1 MB.",
        )
        .into_response();
    };
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or_default();
    let hash = request_hash(&parts.method, path, &bytes);
    let claimed = async {
        let mut tx = state.db.begin().await?;
        let now = Utc::now();
        let claimed = repo::claim(&mut tx, key_id, &idem, &hash, now).await?
            || repo::reclaim_stale(&mut tx, key_id, &idem, &hash, now, now - LEASE).await?;
        tx.commit().await?;
        Ok::<bool, crate::Error>(claimed)
    }
    .await;
    match claimed {
        Err(e) => return Problem::from(e).into_response(),
        Ok(false) => {
            return match repo::claimed(&state.db, key_id, &idem).await {
                Err(e) => Problem::from(e).into_response(),
                Ok(None) => Problem::new(
                    StatusCode::CONFLICT,
                    "idempotency_in_progress",
                    "A request with this Idempotency-Key was just given up; send it again.",
                )
                .into_response(),
                Ok(Some(row)) if row.request_hash != hash => Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "idempotency_key_reused",
                    "This Idempotency-Key was used for a different request.",
                )
                .into_response(),
                Ok(Some(repo::IdemRow {
                    status: Some(status),
                    body,
                    ..
                })) => {
                    // Kept sealed: an answer may hold a secret (a webhook endpoint's).
                    let opened = body
                        .as_deref()
                        .map(|b| crate::crypto::open(&state.config.app_secret_key, b))
                        .transpose();
                    match opened {
                        Ok(plain) => replay(
                            status,
                            String::from_utf8_lossy(&plain.unwrap_or_default()).into_owned(),
                        ),
                        Err(e) => Problem::from(e).into_response(),
                    }
                }
                Ok(Some(_)) => Problem::new(
                    StatusCode::CONFLICT,
                    "idempotency_in_progress",
                    "A request with this Idempotency-Key is still being answered.",
                )
                .into_response(),
            };
        }
        Ok(true) => {}
    }
    // Run to the end even when the caller hangs up: the claim must get its answer.
    let run = tokio::spawn(next.run(Request::from_parts(parts, Body::from(bytes))));
    let res = match run.await {
        Ok(res) => res,
        Err(e) => Problem::from(crate::Error::Internal(anyhow::anyhow!(
            "the API call failed: {e}"
        )))
        .into_response(),
    };
    if res.status().is_server_error() {
        // Failed on our side: the key is given back so the call can be tried again.
        let released = async {
            let mut tx = state.db.begin().await?;
            repo::release(&mut tx, key_id, &idem).await?;
            tx.commit().await
        }
        .await;
        if let Err(e) = released {
            tracing::warn!(error = %e, "could not give an idempotency key back");
        }
        return res;
    }
    let (res_parts, res_body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(res_body, MAX_ANSWER).await else {
        return Problem::from(crate::Error::Internal(anyhow::anyhow!(
            "an API answer over {MAX_ANSWER} bytes under an Idempotency-Key"
        )))
        .into_response();
    };
    let kept = async {
        let sealed = crate::crypto::seal(&state.config.app_secret_key, &bytes)?;
        let mut tx = state.db.begin().await?;
        let status = i32::from(res_parts.status.as_u16());
        repo::answer(&mut tx, key_id, &idem, status, &sealed).await?;
        tx.commit().await
    }
    .await;
    if let Err(e) = kept {
        // The work is done: answer it. The claim's lease lets a retry in after a minute.
        tracing::warn!(error = %e, "could not keep an idempotent answer");
    }
    Response::from_parts(res_parts, Body::from(bytes))
}

/// Forgets kept answers after [`RETENTION`].
pub struct PruneIdempotency;

pub const PRUNE_KIND: &str = "api.prune_idempotency";

#[async_trait]
impl Job for PruneIdempotency {
    fn kind(&self) -> &'static str {
        PRUNE_KIND
    }

    fn every(&self) -> Option<std::time::Duration> {
        Some(std::time::Duration::from_secs(3600))
    }

    async fn run(&self, ctx: &JobContext, _payload: serde_json::Value) -> anyhow::Result<()> {
        let n = prune(&ctx.db).await?;
        if n > 0 {
            tracing::info!(answers = n, "forgot idempotent answers");
        }
        Ok(())
    }
}

pub async fn prune(db: &Db) -> crate::Result<u64> {
    let mut tx = db.begin().await?;
    let n = repo::prune_idempotency(&mut tx, Utc::now() - RETENTION).await?;
    tx.commit().await?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_hashes() {
        assert!(valid_key("a"));
        assert!(valid_key(&"k".repeat(255)));
        assert!(!valid_key(""));
        assert!(!valid_key(&"k".repeat(256)));
        assert!(!valid_key("with space"));
        let a = request_hash(&Method::POST, "/api/v1/x", b"{}");
        assert_eq!(a, request_hash(&Method::POST, "/api/v1/x", b"{}"));
        assert_ne!(a, request_hash(&Method::POST, "/api/v1/y", b"{}"));
        assert_ne!(a, request_hash(&Method::POST, "/api/v1/x", b"{ }"));
    }
}
