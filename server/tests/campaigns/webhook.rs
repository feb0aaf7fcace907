//! Meta's webhook over HTTP, on both databases: the subscription handshake with the verify
//! token, deliveries signed with the app's secret (unsigned, tampered, malformed: refused and
//! nothing queued), an imported account's change queueing its sync once, a redelivery doing
//! nothing more, an unknown account acknowledged.

use crate::ads::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use server::campaigns::webhook;

const VERIFY: &str = "verify-me-2026";

async fn post(s: &Ads, body: &[u8], signature: Option<&str>) -> (StatusCode, Value) {
    let mut req = s
        .app
        .client
        .post(s.app.url("/webhooks/meta"))
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some(sig) = signature {
        req = req.header("x-hub-signature-256", sig);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn sync_jobs(s: &Ads) -> i64 {
    server::with_db!(s.db(), |c| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM jobs WHERE kind = 'campaigns.ads-sync'"
    )
    .fetch_one(c)
    .await)
    .unwrap()
}

fn delivery(account: &str, time: i64) -> Vec<u8> {
    json!({
        "object": "ad_account",
        "entry": [{ "id": account, "time": time, "changes": [{
            "field": "in_process_ad_objects",
            "value": { "id": "120210000000000001", "level": "CAMPAIGN", "status_name": "ACTIVE" }
        }] }]
    })
    .to_string()
    .into_bytes()
}

#[tokio::test]
async fn the_handshake_needs_the_verify_token() {
    let s = setup_with(&[("META_WEBHOOK_VERIFY_TOKEN", VERIFY)]).await;
    let get = |q: &'static str| {
        let url = format!("{}?{q}", s.app.url("/webhooks/meta"));
        let client = s.app.client.clone();
        async move {
            let res = client.get(url).send().await.unwrap();
            (res.status(), res.text().await.unwrap())
        }
    };
    let ok =
        get("hub.mode=subscribe&hub.verify_token=verify-me-2026&hub.challenge=1158201444").await;
    assert_eq!(ok, (StatusCode::OK, "1158201444".to_string()));
    assert_eq!(
        get("hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1")
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get("hub.mode=unsubscribe&hub.verify_token=verify-me-2026&hub.challenge=1")
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(get("hub.challenge=1").await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        get("hub.mode=subscribe&hub.verify_token=verify-me-2026&hub.challenge=%3Cscript%3E")
            .await
            .0,
        StatusCode::BAD_REQUEST
    );
    // Without a verify token configured the webhook is not offered.
    let bare = setup().await;
    let res = bare
        .app
        .client
        .get(format!(
            "{}?hub.mode=subscribe&hub.verify_token=x&hub.challenge=1",
            bare.app.url("/webhooks/meta")
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_signed_change_queues_the_accounts_sync_once() {
    let s = setup().await;
    s.connect_meta().await;
    s.import(ACCOUNT).await;
    // Importing queued the first pass; let it end so the webhook's own queueing shows.
    server::with_db!(s.db(), |c| sqlx::query(
        "UPDATE ad_accounts SET sync_state = NULL"
    )
    .execute(c)
    .await
    .map(drop))
    .unwrap();
    let before = sync_jobs(&s).await;
    let body = delivery("1000000000000001", 1_764_760_000);
    let signed = webhook::sign(&body, "meta-app-secret");

    // Refused before anything is read: no signature, a wrong one, a tampered body.
    assert_eq!(post(&s, &body, None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        post(&s, &body, Some(&webhook::sign(&body, "not-the-secret")))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    let mut tampered = body.clone();
    tampered.extend_from_slice(b" ");
    assert_eq!(
        post(&s, &tampered, Some(&signed)).await.0,
        StatusCode::UNAUTHORIZED
    );
    // Signed but not a delivery.
    let junk = b"{not json";
    assert_eq!(
        post(&s, junk, Some(&webhook::sign(junk, "meta-app-secret")))
            .await
            .0,
        StatusCode::BAD_REQUEST
    );
    let odd = br#"{"object":"ad_account","entry":[{"id":"../me","time":1}]}"#;
    assert_eq!(
        post(&s, odd, Some(&webhook::sign(odd, "meta-app-secret")))
            .await
            .0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(sync_jobs(&s).await, before);

    let (status, answer) = post(&s, &body, Some(&signed)).await;
    assert_eq!(
        (status, answer["queued"].as_i64()),
        (StatusCode::OK, Some(1))
    );
    assert_eq!(sync_jobs(&s).await, before + 1);
    assert_eq!(
        s.account(ACCOUNT).await.sync_state.as_deref(),
        Some("queued")
    );
    // Redelivered: acknowledged, nothing more.
    let (status, answer) = post(&s, &body, Some(&signed)).await;
    assert_eq!(
        (
            status,
            answer["queued"].as_i64(),
            answer["repeated"].as_i64()
        ),
        (StatusCode::OK, Some(0), Some(1))
    );
    // A newer change while the pass waits: the same pass will read it.
    let newer = delivery("1000000000000001", 1_764_760_060);
    let (_, answer) = post(&s, &newer, Some(&webhook::sign(&newer, "meta-app-secret"))).await;
    assert_eq!(answer["queued"].as_i64(), Some(0));
    // An account nobody imported: acknowledged, nothing queued.
    let other = delivery("1000000000000002", 1_764_760_000);
    let (status, answer) = post(&s, &other, Some(&webhook::sign(&other, "meta-app-secret"))).await;
    assert_eq!(
        (status, answer["queued"].as_i64()),
        (StatusCode::OK, Some(0))
    );
    assert_eq!(sync_jobs(&s).await, before + 1);
}
