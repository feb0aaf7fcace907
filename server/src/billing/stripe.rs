//! Stripe through async-stripe 1.x: Checkout Sessions (create, retrieve) and webhook events,
//! verified and reduced to the few facts billing acts on. The API base URL is configuration, so
//! tests and the end-to-end suite talk to a local stand-in.

use std::collections::HashMap;

use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use stripe::{Client, ClientBuilder, IdempotencyKey, RequestStrategy, StripeError, StripeRequest};
use stripe_checkout::{
    checkout_session::{
        CreateCheckoutSession, CreateCheckoutSessionLineItems,
        CreateCheckoutSessionLineItemsPriceData, ProductData, RetrieveCheckoutSession,
    },
    CheckoutSession, CheckoutSessionMode, CheckoutSessionPaymentStatus,
};
use stripe_webhook::{EventObject, Webhook, WebhookError};

use super::packs::{Pack, StripeConfig};
use crate::Error;

/// Metadata keys on the Checkout Session (also `client_reference_id` = company id).
pub const META_COMPANY: &str = "company_id";
pub const META_PACK: &str = "pack";

pub fn client(config: &StripeConfig) -> Result<Client, Error> {
    ClientBuilder::new(config.secret_key.expose_secret())
        .url(config.api_base.as_str())
        .timeout(std::time::Duration::from_secs(15))
        .build()
        .map_err(|e| Error::Internal(anyhow::anyhow!("stripe client: {e}")))
}

/// Stripe could not be reached or refused: a clear message, the details in the log only.
fn unavailable(e: StripeError) -> Error {
    match &e {
        StripeError::Stripe(api, status) => {
            tracing::warn!(status, code = ?api.code, message = ?api.message, "stripe refused the request");
        }
        other => tracing::warn!(error = %other, "stripe request failed"),
    }
    Error::Unavailable("Stripe did not answer. Nothing was charged; please try again.".into())
}

/// What a Checkout Session says, in our terms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionFacts {
    pub session_id: String,
    pub url: Option<String>,
    pub paid: bool,
    pub company_id: Option<String>,
    pub pack: Option<String>,
    pub amount_total: Option<i64>,
    pub currency: Option<String>,
    pub payment_intent: Option<String>,
}

fn facts_of(s: &CheckoutSession) -> SessionFacts {
    let meta = |k: &str| s.metadata.as_ref().and_then(|m| m.get(k).cloned());
    SessionFacts {
        session_id: s.id.to_string(),
        url: s.url.clone(),
        paid: s.payment_status == CheckoutSessionPaymentStatus::Paid,
        company_id: meta(META_COMPANY).or_else(|| s.client_reference_id.clone()),
        pack: meta(META_PACK),
        amount_total: s.amount_total,
        currency: s
            .currency
            .as_ref()
            .map(|c| c.to_string().to_ascii_lowercase()),
        payment_intent: s.payment_intent.as_ref().map(|pi| pi.id().to_string()),
    }
}

pub struct NewCheckout<'a> {
    pub pack: &'a Pack,
    pub company_id: uuid::Uuid,
    pub customer_email: &'a str,
    pub success_url: &'a str,
    pub cancel_url: &'a str,
    /// The same key answers the same session (a double click creates one).
    pub idempotency_key: &'a str,
}

/// Creates a Checkout Session in payment mode for one pack, priced inline.
#[tracing::instrument(skip_all)]
pub async fn create_checkout(client: &Client, n: NewCheckout<'_>) -> Result<SessionFacts, Error> {
    let currency: stripe_types::Currency = n
        .pack
        .currency
        .parse()
        .map_err(|_| Error::Internal(anyhow::anyhow!("currency {}", n.pack.currency)))?;
    let mut price = CreateCheckoutSessionLineItemsPriceData::new(currency);
    price.unit_amount = Some(n.pack.price);
    price.product_data = Some(ProductData::new(format!(
        "Switchyard {} — {} AI tokens",
        n.pack.name,
        crate::format::group(n.pack.tokens)
    )));
    let mut item = CreateCheckoutSessionLineItems::new();
    item.price_data = Some(price);
    item.quantity = Some(1);
    let company = n.company_id.to_string();
    let request = CreateCheckoutSession::new()
        .mode(CheckoutSessionMode::Payment)
        .line_items(vec![item])
        .client_reference_id(company.clone())
        .metadata(HashMap::from([
            (META_COMPANY.to_string(), company),
            (META_PACK.to_string(), n.pack.id.to_string()),
        ]))
        .customer_email(n.customer_email)
        .success_url(n.success_url)
        .cancel_url(n.cancel_url);
    let key = IdempotencyKey::new(n.idempotency_key)
        .map_err(|e| Error::Internal(anyhow::anyhow!("idempotency key: {e}")))?;
    let session = request
        .customize()
        .request_strategy(RequestStrategy::Idempotent(key))
        .send(client)
        .await
        .map_err(unavailable)?;
    let facts = facts_of(&session);
    if facts.url.is_none() {
        return Err(Error::Unavailable(
            "Stripe answered without a payment page. Nothing was charged; please try again.".into(),
        ));
    }
    Ok(facts)
}

/// Asks Stripe for a session (the success page checks it when the browser comes back).
#[tracing::instrument(skip_all)]
pub async fn retrieve_checkout(client: &Client, session_id: &str) -> Result<SessionFacts, Error> {
    RetrieveCheckoutSession::new(session_id)
        .send(client)
        .await
        .map(|s| facts_of(&s))
        .map_err(unavailable)
}

/// What a verified event asks billing to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fact {
    /// checkout.session.completed (paid) or checkout.session.async_payment_succeeded.
    SessionPaid(SessionFacts),
    /// checkout.session.async_payment_failed.
    SessionFailed { session_id: String },
    /// checkout.session.expired.
    SessionExpired { session_id: String },
    /// charge.refunded: `amount_refunded` is the running total.
    Refunded {
        charge_id: String,
        payment_intent: Option<String>,
        amount_refunded: i64,
    },
    /// charge.succeeded / charge.updated with a receipt.
    Receipt {
        charge_id: String,
        payment_intent: String,
        receipt_url: String,
    },
    /// charge.dispute.closed with status lost.
    DisputeLost {
        dispute_id: String,
        payment_intent: Option<String>,
    },
    /// Acknowledged and not acted on.
    Ignored { reason: String },
}

/// A verified event: its id, type and what it means for us.
#[derive(Debug)]
pub struct Verified {
    pub id: String,
    pub event_type: String,
    pub fact: Fact,
}

/// Why an event was refused (answered 400; Stripe shows it in the dashboard).
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error("no Stripe-Signature header")]
    NoSignature,
    #[error("the signature does not match")]
    BadSignature,
    #[error("the signature's timestamp is more than 300 s away")]
    Stale,
    #[error("the signature header is malformed")]
    BadHeader,
    #[error("the body is not a Stripe event")]
    NotAnEvent,
}

/// Checks the Stripe-Signature header (HMAC-SHA256 of "t.body"; any `v1` may match; 300 s
/// tolerance either way) on the raw body, then reads the event. A signed event whose object
/// cannot be read is acknowledged as ignored, so Stripe does not retry it forever.
pub fn verify(body: &str, signature: Option<&str>, secret: &str) -> Result<Verified, Refused> {
    let signature = signature.ok_or(Refused::NoSignature)?;
    match Webhook::construct_event(body, signature, secret) {
        Ok(event) => {
            let id = event.id.as_str().to_string();
            let event_type = event.type_.as_str().to_string();
            let fact = fact_of(event.data.object, &event_type);
            Ok(Verified {
                id,
                event_type,
                fact,
            })
        }
        Err(WebhookError::BadSignature) | Err(WebhookError::BadKey) => Err(Refused::BadSignature),
        Err(WebhookError::BadTimestamp(_)) => Err(Refused::Stale),
        Err(WebhookError::BadHeader(_)) => Err(Refused::BadHeader),
        Err(WebhookError::BadParse(why)) => {
            // Signed (the signature is checked first), but unreadable.
            #[derive(Deserialize)]
            struct Envelope {
                id: String,
                #[serde(rename = "type")]
                event_type: String,
            }
            let envelope: Envelope = serde_json::from_str(body).map_err(|_| Refused::NotAnEvent)?;
            Ok(Verified {
                id: envelope.id,
                event_type: envelope.event_type,
                fact: Fact::Ignored {
                    reason: format!("unreadable: {why}"),
                },
            })
        }
    }
}

fn fact_of(object: EventObject, event_type: &str) -> Fact {
    match object {
        EventObject::CheckoutSessionCompleted(s) => {
            let facts = facts_of(&s);
            if facts.paid {
                Fact::SessionPaid(facts)
            } else {
                Fact::Ignored {
                    reason: "completed, payment still pending".into(),
                }
            }
        }
        EventObject::CheckoutSessionAsyncPaymentSucceeded(s) => Fact::SessionPaid(facts_of(&s)),
        EventObject::CheckoutSessionAsyncPaymentFailed(s) => Fact::SessionFailed {
            session_id: s.id.to_string(),
        },
        EventObject::CheckoutSessionExpired(s) => Fact::SessionExpired {
            session_id: s.id.to_string(),
        },
        EventObject::ChargeRefunded(c) => Fact::Refunded {
            charge_id: c.id.to_string(),
            payment_intent: c.payment_intent.as_ref().map(|pi| pi.id().to_string()),
            amount_refunded: c.amount_refunded,
        },
        EventObject::ChargeSucceeded(c) | EventObject::ChargeUpdated(c) => {
            match (c.payment_intent.as_ref(), c.receipt_url.as_ref()) {
                (Some(pi), Some(url))
                    if url.starts_with("https://") || url.starts_with("http://") =>
                {
                    Fact::Receipt {
                        charge_id: c.id.to_string(),
                        payment_intent: pi.id().to_string(),
                        receipt_url: url.clone(),
                    }
                }
                _ => Fact::Ignored {
                    reason: format!("{event_type} without a receipt"),
                },
            }
        }
        EventObject::ChargeDisputeClosed(d) => {
            if d.status == stripe_shared::DisputeStatus::Lost {
                Fact::DisputeLost {
                    dispute_id: d.id.to_string(),
                    payment_intent: d.payment_intent.as_ref().map(|pi| pi.id().to_string()),
                }
            } else {
                Fact::Ignored {
                    reason: format!("dispute closed: {}", d.status.as_str()),
                }
            }
        }
        _ => Fact::Ignored {
            reason: format!("{event_type} is not used"),
        },
    }
}
