//! Meta's webhook for ad accounts (`GET/POST /webhooks/meta`). Subscribing: Meta sends
//! `hub.mode=subscribe`, `hub.verify_token` and `hub.challenge`; the token must be
//! META_WEBHOOK_VERIFY_TOKEN (compared in constant time) and the answer is the challenge.
//! Deliveries: `X-Hub-Signature-256: sha256=<hex>` is the HMAC-SHA256 of the raw body under the
//! app's secret (META_APP_SECRET), checked before anything is read. Each entry names an ad
//! account (its id without `act_`) and the time of the change; a change to an imported account
//! queues its sync, once per account and entry time, so a redelivery does nothing more.

use chrono::Utc;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::{repo, sync};
use crate::{Db, Result};

/// Whether `header` ("sha256=<hex>") is the signature of `body` under `secret`.
pub fn verify(body: &[u8], header: Option<&str>, secret: &str) -> bool {
    let Some(given) = header
        .and_then(|h| h.trim().strip_prefix("sha256="))
        .and_then(|h| hex::decode(h).ok())
    else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

/// The signature Meta would send for `body` (tests and the stand-in).
pub fn sign(body: &[u8], secret: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// What a delivery did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Received {
    /// Entries about accounts we know, not seen before.
    pub new: usize,
    /// Entries seen before (redelivered).
    pub repeated: usize,
    /// Syncs queued.
    pub queued: usize,
}

/// Acts on a verified delivery's JSON; Err(why) when it is not a delivery Meta would send.
pub async fn receive(
    db: &Db,
    body: &serde_json::Value,
) -> Result<std::result::Result<Received, &'static str>> {
    let Some(entries) = body["entry"].as_array() else {
        return Ok(Err("no entry list"));
    };
    if !matches!(
        body["object"].as_str(),
        Some("ad_account") | Some("campaign")
    ) {
        return Ok(Ok(Received::default()));
    }
    let mut out = Received::default();
    for e in entries.iter().take(1_000) {
        let id = match &e["id"] {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Number(n) => n.to_string(),
            _ => return Ok(Err("an entry without an id")),
        };
        let Some(time) = e["time"].as_i64() else {
            return Ok(Err("an entry without a time"));
        };
        let external = if id.starts_with("act_") {
            id
        } else {
            format!("act_{id}")
        };
        if super::meta_api::account_id(&external).is_none() {
            return Ok(Err("an entry whose id is not an ad account's"));
        }
        let accounts = repo::accounts_by_external_id(db, "meta", &external).await?;
        if accounts.is_empty() {
            continue;
        }
        let mut tx = db.begin().await?;
        if !repo::note_webhook_event(&mut tx, &external, time, Utc::now()).await? {
            out.repeated += 1;
            continue;
        }
        out.new += 1;
        for (company, account) in accounts {
            if sync::queue(&mut tx, company, account).await? {
                out.queued += 1;
            }
        }
        tx.commit().await?;
    }
    Ok(Ok(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_checked_on_the_raw_body() {
        let body = br#"{"object":"ad_account","entry":[]}"#;
        let sig = sign(body, "app-secret");
        assert!(sig.starts_with("sha256="));
        assert!(verify(body, Some(&sig), "app-secret"));
        assert!(!verify(body, Some(&sig), "other-secret"));
        assert!(!verify(
            br#"{"object":"ad_account","entry":[ ]}"#,
            Some(&sig),
            "app-secret"
        ));
        assert!(!verify(
            body,
            Some(sig.trim_start_matches("sha256=")),
            "app-secret"
        ));
        assert!(!verify(body, None, "app-secret"));
        assert!(!verify(body, Some("sha256=zz"), "app-secret"));
    }
}
