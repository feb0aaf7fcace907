//! Outgoing webhooks, signed the Standard Webhooks way. A company's endpoints (Settings → API)
//! choose event types; an area's write emits an event in its own transaction ([`emit`]), which
//! becomes one delivery per subscribed endpoint with a job for its first attempt. Each attempt
//! POSTs the event with `webhook-id`, `webhook-timestamp` and `webhook-signature` (HMAC-SHA256
//! of `id.timestamp.body` under the endpoint's secret; during a rotation, under the previous
//! one too), through the guarded fetcher (no private or metadata addresses unless the operator
//! allows them). A failed attempt is tried again on the schedule (at once, 5 s, 5 min, 30 min,
//! 2 h, 5 h, 10 h); after the last the delivery is dead and can be replayed. Consecutive
//! failures open the endpoint's circuit: no attempt is made until its cool-down ends, then one
//! probe decides (success closes it; failure opens it again for twice as long); the company's
//! owners are emailed when it opens.

use async_trait::async_trait;
use base64::{engine::general_purpose::STANDARD, Engine};
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::Serialize;
use sha2::Sha256;
use uuid::Uuid;

use super::{config::ApiConfig, repo};
use crate::{
    access::{Permission, Principal, RequestMeta},
    audit::{self, Action, Entry},
    crypto,
    db::Tx,
    jobs::{self, Job, JobContext, NewJob},
    mail,
    outbound::guard::{self, Fetcher},
    Db, Error, Result,
};

/// The events an endpoint may receive, with what each means.
pub const EVENT_TYPES: &[(&str, &str)] = &[
    ("order.created", "An order arrived from a store"),
    (
        "order.updated",
        "An order changed: status, address, payment or fulfilment",
    ),
    ("analysis.completed", "An analysis finished"),
    ("tokens.purchased", "A token pack was paid for"),
    (
        "tokens.low_balance",
        "The token balance fell below the warning threshold",
    ),
    ("campaign.alert_fired", "A campaign alert rule fired"),
];
/// The event "Send test event" sends (to one endpoint, whatever it subscribed to).
pub const TEST_EVENT: &str = "webhook.test";
/// Endpoints a company may hold.
pub const MAX_ENDPOINTS: i64 = 20;
/// How long the previous secret keeps signing after a rotation.
pub const ROTATION_OVERLAP: Duration = Duration::hours(24);
/// The longest cool-down of an open circuit.
const MAX_COOLDOWN_SECS: u64 = 3600;
/// Characters of an answer kept in the delivery log.
const EXCERPT: usize = 1024;

pub const DELIVER_KIND: &str = "api.webhook_deliver";

/// An endpoint as Settings → API lists it (never its secret).
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct EndpointRow {
    pub id: Uuid,
    pub url: String,
    pub description: String,
    /// Event types separated by spaces.
    pub events: String,
    pub enabled: bool,
    pub failures: i64,
    pub circuit_open_until: Option<DateTime<Utc>>,
    pub previous_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl EndpointRow {
    /// "closed", "open" (no attempt until its cool-down ends) or "half-open" (the next attempt
    /// is a probe).
    pub fn circuit(&self, threshold: i64, now: DateTime<Utc>) -> &'static str {
        match self.circuit_open_until {
            Some(until) if until > now => "open",
            _ if self.failures >= threshold => "half-open",
            _ => "closed",
        }
    }
}

/// A delivery as the endpoint's log shows it.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct DeliveryRow {
    pub id: Uuid,
    pub event_id: String,
    pub event_type: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub last_response: Option<String>,
    pub last_ms: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

/// What the endpoint form asks for.
#[derive(Clone, Debug, Default)]
pub struct EndpointInput {
    pub url: String,
    pub description: String,
    pub events: Vec<String>,
}

/// A new signing secret: `whsec_` and 32 random bytes in base64.
fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("whsec_{}", STANDARD.encode(bytes))
}

/// The Standard Webhooks signature of a message (`v1,<base64 HMAC-SHA256>`), or None for a
/// secret that is not `whsec_<base64>`.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    let key = STANDARD.decode(secret.strip_prefix("whsec_")?).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// Endpoints receive the events of every store, so managing them needs settings.manage and a
/// view of every store (a member limited to some stores, or a key limited to one, may not).
fn require(p: &Principal) -> Result<()> {
    p.authorize(Permission::SettingsManage)?;
    if p.sees_all_stores() {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

fn checked_input(cfg: &ApiConfig, input: &EndpointInput) -> Result<(String, String, String)> {
    let url = guard::parse(&input.url).map_err(|e| Error::validation("url", e.to_string()))?;
    if let Some(host) = url.host() {
        let ip = match host {
            url::Host::Ipv4(ip) => Some(std::net::IpAddr::V4(ip)),
            url::Host::Ipv6(ip) => Some(std::net::IpAddr::V6(ip)),
            url::Host::Domain(_) => None,
        };
        let pair = format!(
            "{}:{}",
            url.host_str().unwrap_or_default().to_ascii_lowercase(),
            url.port_or_known_default().unwrap_or(0)
        );
        let listed = cfg.webhook_allow.contains(&pair);
        // Link-local and cloud metadata addresses stay closed even when private ones are
        // allowed: an intranet receiver never needs them, an attacker always wants them.
        let metadata = ip.is_some_and(|ip| match ip {
            std::net::IpAddr::V4(v4) => v4.is_link_local() || v4.octets()[..2] == [100, 100],
            std::net::IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) == 0xfe80,
        });
        let allowed = listed || (cfg.allow_private && !metadata);
        if let Some((ip, why)) = ip
            .and_then(|ip| guard::closed(ip).map(|why| (ip, why)))
            .filter(|_| !allowed)
        {
            return Err(Error::validation(
                "url",
                format!("Webhooks are not sent to {why} ({ip})."),
            ));
        }
        if matches!(host, url::Host::Domain(d) if d.eq_ignore_ascii_case("localhost")) && !allowed {
            return Err(Error::validation(
                "url",
                "Webhooks are not sent to this machine.",
            ));
        }
    }
    if input.url.len() > 2000 {
        return Err(Error::validation(
            "url",
            "Use an address of at most 2,000 characters.",
        ));
    }
    let description = input.description.trim().to_string();
    if description.chars().count() > 200 {
        return Err(Error::validation(
            "description",
            "Use at most 200 characters.",
        ));
    }
    let mut events: Vec<&str> = Vec::new();
    for e in input
        .events
        .iter()
        .map(|e| e.trim())
        .filter(|e| !e.is_empty())
    {
        let Some((known, _)) = EVENT_TYPES.iter().find(|(k, _)| *k == e) else {
            return Err(Error::validation("events", "Choose events from the list."));
        };
        if !events.contains(known) {
            events.push(known);
        }
    }
    if events.is_empty() {
        return Err(Error::validation("events", "Choose at least one event."));
    }
    Ok((url.to_string(), description, events.join(" ")))
}

/// Adds an endpoint; answers it with its secret (shown to the member, who verifies with it).
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id))]
pub async fn create_endpoint(
    db: &Db,
    cfg: &ApiConfig,
    app_key: &secrecy::SecretString,
    p: &Principal,
    meta: &RequestMeta,
    input: &EndpointInput,
) -> Result<(Uuid, String)> {
    require(p)?;
    let (url, description, events) = checked_input(cfg, input)?;
    let secret = new_secret();
    let sealed = crypto::seal(app_key, secret.as_bytes())?;
    let id = Uuid::now_v7();
    let now = Utc::now();
    let mut tx = db.begin().await?;
    if repo::count_endpoints(&mut tx, p.company_id).await? >= MAX_ENDPOINTS {
        return Err(Error::validation(
            "url",
            format!("A company can have {MAX_ENDPOINTS} endpoints; delete one first."),
        ));
    }
    repo::insert_endpoint(
        &mut tx,
        &repo::NewEndpoint {
            id,
            company_id: p.company_id,
            url: &url,
            description: &description,
            events: &events,
            secret: &sealed,
            created_by: p.user_id,
            now,
        },
    )
    .await?;
    audit::record(
        &mut tx,
        meta,
        Entry::by(
            p,
            Action::WebhookEndpointCreated,
            Some(url.clone()),
            serde_json::json!({ "endpoint_id": id, "events": events }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok((id, secret))
}

/// Turns an endpoint on or off (off: events are not sent to it).
pub async fn set_enabled(
    db: &Db,
    p: &Principal,
    meta: &RequestMeta,
    id: Uuid,
    enabled: bool,
) -> Result<()> {
    require(p)?;
    let mut tx = db.begin().await?;
    let Some(url) =
        repo::set_endpoint_enabled(&mut tx, p.company_id, id, enabled, Utc::now()).await?
    else {
        return Err(Error::NotFound);
    };
    audit::record(
        &mut tx,
        meta,
        Entry::by(
            p,
            Action::WebhookEndpointUpdated,
            Some(url),
            serde_json::json!({ "endpoint_id": id, "enabled": enabled }),
        ),
    )
    .await?;
    tx.commit().await
}

pub async fn delete_endpoint(db: &Db, p: &Principal, meta: &RequestMeta, id: Uuid) -> Result<()> {
    require(p)?;
    let mut tx = db.begin().await?;
    let Some(url) = repo::delete_endpoint(&mut tx, p.company_id, id).await? else {
        return Err(Error::NotFound);
    };
    audit::record(
        &mut tx,
        meta,
        Entry::by(
            p,
            Action::WebhookEndpointDeleted,
            Some(url),
            serde_json::json!({ "endpoint_id": id }),
        ),
    )
    .await?;
    tx.commit().await
}

/// A new secret for the endpoint; the previous one keeps signing for [`ROTATION_OVERLAP`] so
/// the receiver can switch without losing a delivery. Answers the new secret.
pub async fn rotate_secret(
    db: &Db,
    app_key: &secrecy::SecretString,
    p: &Principal,
    meta: &RequestMeta,
    id: Uuid,
) -> Result<String> {
    require(p)?;
    let secret = new_secret();
    let sealed = crypto::seal(app_key, secret.as_bytes())?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let Some(url) = repo::rotate_secret(
        &mut tx,
        p.company_id,
        id,
        &sealed,
        now + ROTATION_OVERLAP,
        now,
    )
    .await?
    else {
        return Err(Error::NotFound);
    };
    audit::record(
        &mut tx,
        meta,
        Entry::by(
            p,
            Action::WebhookSecretRotated,
            Some(url),
            serde_json::json!({ "endpoint_id": id, "previous_until": now + ROTATION_OVERLAP }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(secret)
}

/// The endpoint's current secret, for the member to configure the receiver.
pub async fn reveal_secret(
    db: &Db,
    app_key: &secrecy::SecretString,
    p: &Principal,
    id: Uuid,
) -> Result<String> {
    require(p)?;
    let secrets = repo::endpoint_secrets(db, p.company_id, id)
        .await?
        .ok_or(Error::NotFound)?;
    let plain = crypto::open(app_key, &secrets.secret)?;
    String::from_utf8(plain).map_err(|e| Error::Internal(e.into()))
}

pub async fn endpoints(db: &Db, p: &Principal) -> Result<Vec<EndpointRow>> {
    require(p)?;
    repo::endpoints(db, p.company_id).await
}

/// The endpoint's latest deliveries, newest first.
pub async fn deliveries(
    db: &Db,
    p: &Principal,
    endpoint: Uuid,
    limit: i64,
) -> Result<Vec<DeliveryRow>> {
    require(p)?;
    repo::deliveries(db, p.company_id, endpoint, limit.clamp(1, 200)).await
}

fn envelope(event_type: &str, data: serde_json::Value, now: DateTime<Utc>) -> String {
    serde_json::json!({
        "type": event_type,
        "timestamp": now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "data": data,
    })
    .to_string()
}

/// Queues the attempt of a delivery at `at` (one job per attempt).
async fn queue_attempt(tx: &mut Tx, delivery: Uuid, attempt: i32, at: DateTime<Utc>) -> Result<()> {
    jobs::enqueue_tx(
        tx,
        NewJob {
            kind: DELIVER_KIND,
            payload: serde_json::json!({ "delivery_id": delivery }),
            run_at: at,
            max_attempts: 5,
            dedupe_key: Some(format!(
                "webhook:{delivery}:{attempt}:{}",
                at.timestamp_micros()
            )),
        },
    )
    .await?;
    Ok(())
}

/// Emits `event_type` with `data` for the company inside the caller's transaction: a delivery
/// (and its first attempt's job) for each enabled endpoint that chose the event. Answers how
/// many.
pub async fn emit(
    tx: &mut Tx,
    company_id: Uuid,
    event_type: &str,
    data: serde_json::Value,
) -> Result<usize> {
    let targets = repo::subscribed(tx, company_id, event_type).await?;
    if targets.is_empty() {
        return Ok(0);
    }
    let now = Utc::now();
    let event_id = format!("msg_{}", Uuid::now_v7().simple());
    let body = envelope(event_type, data, now);
    for endpoint in &targets {
        let id = Uuid::now_v7();
        repo::insert_delivery(
            tx, id, company_id, *endpoint, &event_id, event_type, &body, now,
        )
        .await?;
        queue_attempt(tx, id, 0, now).await?;
    }
    Ok(targets.len())
}

/// "Send test event": a `webhook.test` delivery to this endpoint only.
pub async fn send_test(db: &Db, p: &Principal, id: Uuid) -> Result<Uuid> {
    require(p)?;
    let mut tx = db.begin().await?;
    if !repo::endpoint_exists(&mut tx, p.company_id, id).await? {
        return Err(Error::NotFound);
    }
    let now = Utc::now();
    let delivery = Uuid::now_v7();
    let event_id = format!("msg_{}", Uuid::now_v7().simple());
    let body = envelope(
        TEST_EVENT,
        serde_json::json!({ "company_id": p.company_id, "sent_by": p.email }),
        now,
    );
    repo::insert_delivery(
        &mut tx,
        delivery,
        p.company_id,
        id,
        &event_id,
        TEST_EVENT,
        &body,
        now,
    )
    .await?;
    queue_attempt(&mut tx, delivery, 0, now).await?;
    tx.commit().await?;
    Ok(delivery)
}

/// Replays a dead (or delivered) delivery: the same event id and body, attempts from zero.
pub async fn replay(db: &Db, p: &Principal, meta: &RequestMeta, delivery: Uuid) -> Result<()> {
    require(p)?;
    let mut tx = db.begin().await?;
    let now = Utc::now();
    let stuck = now - Duration::minutes(10);
    if !repo::restart_delivery(&mut tx, p.company_id, delivery, now, stuck).await? {
        return Err(Error::Conflict(
            "Only a dead or delivered delivery can be replayed; this one is still being tried."
                .into(),
        ));
    }
    queue_attempt(&mut tx, delivery, 0, now).await?;
    audit::record(
        &mut tx,
        meta,
        Entry::by(
            p,
            Action::WebhookReplayed,
            Some(delivery.to_string()),
            serde_json::json!({ "delivery_id": delivery }),
        ),
    )
    .await?;
    tx.commit().await
}

/// The fetcher webhooks go through: one attempt, 10 s, an answer kept up to 64 KB.
pub fn fetcher(cfg: &ApiConfig) -> Fetcher {
    Fetcher::new(guard::Limits {
        timeout: std::time::Duration::from_secs(10),
        max_body: 64 * 1024,
        max_redirects: 0,
        retries: 0,
        user_agent: "Switchyard-Webhooks/1.0".into(),
        allow: cfg.webhook_allow.clone(),
        allow_private: cfg.allow_private,
        ..Default::default()
    })
}

/// What one attempt found.
enum Tried {
    Delivered,
    Failed,
    /// The circuit is open: nothing was sent; try at this time.
    Wait(DateTime<Utc>),
    /// Nothing to do (delivered meanwhile, endpoint gone).
    Nothing,
}

/// Makes the delivery's due attempt.
pub async fn attempt(
    ctx_db: &Db,
    cfg: &ApiConfig,
    app_key: &secrecy::SecretString,
    fetcher: &Fetcher,
    delivery: Uuid,
) -> Result<()> {
    let now = Utc::now();
    let Some(d) = repo::delivery_for_attempt(ctx_db, delivery).await? else {
        return Ok(());
    };
    if d.status != "pending" {
        return Ok(());
    }
    let tried = if !d.enabled {
        // A disabled endpoint: the delivery waits dead, to be replayed once it is on again.
        let mut tx = ctx_db.begin().await?;
        repo::record_attempt(
            &mut tx,
            delivery,
            "dead",
            None,
            None,
            Some("The endpoint is disabled."),
            None,
            now,
            None,
        )
        .await?;
        tx.commit().await?;
        Tried::Nothing
    } else if let Some(until) = d.circuit_open_until.filter(|u| *u > now) {
        Tried::Wait(until)
    } else {
        // Half-open: this attempt is the probe; others wait while it runs.
        if d.failures >= cfg.circuit_failures {
            let mut tx = ctx_db.begin().await?;
            let claimed =
                repo::claim_probe(&mut tx, d.endpoint_id, now, now + Duration::seconds(60)).await?;
            tx.commit().await?;
            if !claimed {
                let mut tx = ctx_db.begin().await?;
                queue_attempt(&mut tx, delivery, d.attempts, now + Duration::seconds(60)).await?;
                tx.commit().await?;
                return Ok(());
            }
        }
        let secrets = [
            Some(crypto::open(app_key, &d.secret)?),
            match (&d.previous_secret, d.previous_until) {
                (Some(s), Some(until)) if until > now => Some(crypto::open(app_key, s)?),
                _ => None,
            },
        ];
        let timestamp = now.timestamp();
        let signatures: Vec<String> = secrets
            .iter()
            .flatten()
            .filter_map(|s| std::str::from_utf8(s).ok())
            .filter_map(|s| sign(s, &d.event_id, timestamp, d.payload.as_bytes()))
            .collect();
        let headers = [
            ("content-type", "application/json".to_string()),
            ("webhook-id", d.event_id.clone()),
            ("webhook-timestamp", timestamp.to_string()),
            ("webhook-signature", signatures.join(" ")),
        ];
        let started = std::time::Instant::now();
        let answer = fetcher
            .post(&d.url, &headers, d.payload.clone().into_bytes())
            .await;
        let ms = started.elapsed().as_millis() as i64;
        let (ok, status, error, excerpt) = match answer {
            Ok(a) => {
                let text: String = String::from_utf8_lossy(&a.body)
                    .chars()
                    .take(EXCERPT)
                    .collect();
                let ok = (200..300).contains(&a.status);
                let error = (!ok).then(|| format!("The endpoint answered {}.", a.status));
                (ok, Some(i32::from(a.status)), error, Some(text))
            }
            Err(e) => (false, None, Some(e.to_string()), None),
        };
        let attempts = d.attempts + 1;
        let mut tx = ctx_db.begin().await?;
        if ok {
            repo::record_attempt(
                &mut tx,
                delivery,
                "delivered",
                status,
                excerpt.as_deref(),
                None,
                Some(ms),
                now,
                None,
            )
            .await?;
            repo::endpoint_succeeded(&mut tx, d.endpoint_id).await?;
            tx.commit().await?;
            Tried::Delivered
        } else {
            let next = cfg
                .webhook_retries
                .get(usize::try_from(d.attempts).unwrap_or(usize::MAX))
                .map(|secs| now + Duration::seconds(*secs as i64));
            let status_now = if next.is_some() { "pending" } else { "dead" };
            repo::record_attempt(
                &mut tx,
                delivery,
                status_now,
                status,
                excerpt.as_deref(),
                error.as_deref(),
                Some(ms),
                now,
                next,
            )
            .await?;
            let failures = repo::endpoint_failed(&mut tx, d.endpoint_id).await?;
            if failures >= cfg.circuit_failures {
                let doublings =
                    u32::try_from((failures - cfg.circuit_failures).min(12)).unwrap_or(12);
                let cooldown = cfg
                    .circuit_seconds
                    .saturating_mul(1u64 << doublings)
                    .min(MAX_COOLDOWN_SECS.max(cfg.circuit_seconds));
                repo::open_circuit(
                    &mut tx,
                    d.endpoint_id,
                    now + Duration::seconds(cooldown as i64),
                )
                .await?;
                if failures == cfg.circuit_failures {
                    tell_owners(
                        &mut tx,
                        &d,
                        failures,
                        error.as_deref().unwrap_or("no answer"),
                    )
                    .await?;
                }
            }
            if let Some(at) = next {
                queue_attempt(&mut tx, delivery, attempts, at).await?;
            }
            tx.commit().await?;
            Tried::Failed
        }
    };
    if let Tried::Wait(until) = tried {
        let mut tx = ctx_db.begin().await?;
        repo::postpone(&mut tx, delivery, until).await?;
        queue_attempt(&mut tx, delivery, d.attempts, until).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Emails the company's owners that the endpoint's circuit opened.
async fn tell_owners(
    tx: &mut Tx,
    d: &repo::DeliveryAttempt,
    failures: i64,
    last: &str,
) -> Result<()> {
    let owners = repo::owner_emails(tx, d.company_id).await?;
    for to in owners {
        mail::enqueue(
            tx,
            Some(d.company_id),
            mail::Message {
                kind: "webhook_circuit_open",
                to,
                subject: "A webhook endpoint stopped answering".to_string(),
                body: format!(
                    "Switchyard could not deliver to {} {failures} times in a row (last: {last}).\n\n\
                     Deliveries to it are paused and retried on their schedule once it answers again; \
                     none is lost. Deliveries that run out of attempts can be replayed from Settings → API.\n",
                    d.url
                ),
            },
        )
        .await?;
    }
    Ok(())
}

/// One webhook attempt (`api.webhook_deliver`).
pub struct Deliver;

#[async_trait]
impl Job for Deliver {
    fn kind(&self) -> &'static str {
        DELIVER_KIND
    }

    fn lease(&self) -> std::time::Duration {
        std::time::Duration::from_secs(60)
    }

    async fn run(&self, ctx: &JobContext, payload: serde_json::Value) -> anyhow::Result<()> {
        let delivery: Uuid = serde_json::from_value(payload["delivery_id"].clone())?;
        let cfg = ctx.config.section::<ApiConfig>();
        attempt(
            &ctx.db,
            cfg,
            &ctx.config.app_secret_key,
            &fetcher(cfg),
            delivery,
        )
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_standard_webhooks() {
        // The example of the Standard Webhooks specification's reference libraries.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let body = br#"{"test": 2432232314}"#;
        let sig = sign(secret, id, 1614265330, body).unwrap();
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        assert_eq!(sign("not-a-secret", id, 1, body), None);
        let fresh = new_secret();
        assert!(fresh.starts_with("whsec_"));
        assert!(sign(&fresh, id, 1, body).is_some());
    }

    #[test]
    fn endpoints_are_checked() {
        let cfg = ApiConfig::default();
        let input = |url: &str, events: &[&str]| EndpointInput {
            url: url.into(),
            description: String::new(),
            events: events.iter().map(|e| e.to_string()).collect(),
        };
        let field = |r: Result<(String, String, String)>| match r {
            Err(Error::Validation { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert!(checked_input(
            &cfg,
            &input("https://hooks.example.com/x", &["order.created"])
        )
        .is_ok());
        for bad in [
            "ftp://example.com/",
            "http://127.0.0.1:9000/hook",
            "http://169.254.169.254/latest",
            "http://10.0.0.5/x",
            "http://localhost:8080/x",
            "not an address",
        ] {
            assert_eq!(
                field(checked_input(&cfg, &input(bad, &["order.created"]))),
                "url",
                "{bad}"
            );
        }
        assert_eq!(
            field(checked_input(&cfg, &input("https://a.example/", &[]))),
            "events"
        );
        assert_eq!(
            field(checked_input(
                &cfg,
                &input("https://a.example/", &["order.deleted"])
            )),
            "events"
        );
        let open = ApiConfig {
            allow_private: true,
            ..ApiConfig::default()
        };
        assert!(checked_input(
            &open,
            &input("http://127.0.0.1:9000/hook", &["order.created"])
        )
        .is_ok());
    }
}
