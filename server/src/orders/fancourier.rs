//! FAN Courier's REST API (v2): sign-in for a bearer token (valid 24 hours; the caller caches
//! it), AWB creation (`POST /intern-awb`, one shipment per call, so one order's failure never
//! holds up another's), the AWB's label as PDF (`GET /awb/label`) and tracking
//! (`GET /reports/awb/tracking`). Shapes follow FAN Courier's API documentation; tests answer
//! them from wiremock and the end-to-end stand-in.

use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{json, Value};

/// The services a company may choose as its default (FAN Courier's names).
pub const SERVICES: &[&str] = &[
    "Standard",
    "Cont Colector",
    "RedCode",
    "Red code-Cont Colector",
];
/// Who pays the transport: FAN Courier's words and ours.
pub const PAYERS: &[(&str, &str)] = &[("sender", "Sender"), ("recipient", "Recipient")];

#[derive(Debug, thiserror::Error)]
pub enum CourierError {
    /// The username or password (or the token) is not accepted.
    #[error("FAN Courier refused the sign-in: {0}")]
    Unauthorized(String),
    /// The shipment was refused, with FAN Courier's reasons.
    #[error("{0}")]
    Rejected(String),
    /// FAN Courier could not be reached or answered 5xx.
    #[error("FAN Courier is unavailable: {0}")]
    Unavailable(String),
    /// An answer we could not read.
    #[error("FAN Courier's answer could not be read: {0}")]
    Invalid(String),
}

/// A bearer token and when FAN Courier says it ends.
#[derive(Clone, Debug)]
pub struct Token {
    pub value: SecretString,
    pub expires_at: DateTime<Utc>,
}

/// One shipment, in our units.
#[derive(Clone, Debug, PartialEq)]
pub struct Shipment {
    pub service: String,
    /// "sender" or "recipient".
    pub payer: String,
    pub weight_grams: i64,
    pub parcels: i64,
    /// Cash to collect on delivery, in minor units of `currency` (0: none).
    pub cod_minor: i64,
    pub declared_minor: i64,
    pub currency: String,
    pub notes: String,
    /// What the parcel holds, and the reference on the AWB (the order number).
    pub reference: String,
    pub recipient: Recipient,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Recipient {
    pub name: String,
    /// As FAN Courier wants it: national form for Romania (07…).
    pub phone: String,
    pub email: String,
    pub county: String,
    pub locality: String,
    pub street: String,
    pub zip: String,
}

/// One AWB's tracking: its events, oldest first.
#[derive(Clone, Debug, PartialEq)]
pub struct Tracked {
    pub awb: String,
    pub events: Vec<Event>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// FAN Courier's status code ("C0", "H4", "S2" …).
    pub code: String,
    pub name: String,
    pub location: String,
    pub at: DateTime<Utc>,
}

/// The unified order status a FAN Courier status code means (the seed's table): C0, C1, H*
/// and most S* → SHIPPED; S2 → DELIVERED; S6, S7, S15, S16, S33, S43, S50 → RETURNED; A0–A4 →
/// CANCELLED; S38 (AWB not shipped) → AWB_ERROR. None for a code we do not know.
pub fn order_status_for(code: &str) -> Option<&'static str> {
    let code = code.trim().to_ascii_uppercase();
    match code.as_str() {
        "S2" => return Some("DELIVERED"),
        "S6" | "S7" | "S15" | "S16" | "S33" | "S43" | "S50" => return Some("RETURNED"),
        "S38" => return Some("AWB_ERROR"),
        "A0" | "A1" | "A2" | "A3" | "A4" => return Some("CANCELLED"),
        "C0" | "C1" => return Some("SHIPPED"),
        _ => {}
    }
    let (letter, digits) = code.split_at(1.min(code.len()));
    let numbered = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    match letter {
        "H" | "S" if numbered => Some("SHIPPED"),
        _ => None,
    }
}

pub struct FanCourier {
    http: reqwest::Client,
    base: url::Url,
}

fn unavailable(e: reqwest::Error) -> CourierError {
    CourierError::Unavailable(if e.is_timeout() {
        "no answer in time".into()
    } else {
        "could not connect".into()
    })
}

/// FAN Courier's error words from an answer body: `message`, or the `errors` map flattened
/// ("field: reason; …"), whatever shape its values take (a string, a list, a nested map).
fn reasons(body: &Value) -> Option<String> {
    fn flatten(prefix: &str, v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(s) if prefix.is_empty() => out.push(s.clone()),
            Value::String(s) => out.push(format!("{prefix}: {s}")),
            Value::Array(items) => items.iter().for_each(|i| flatten(prefix, i, out)),
            Value::Object(map) => map.iter().for_each(|(k, v)| {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out)
            }),
            Value::Null => {}
            other => out.push(format!("{prefix}: {other}")),
        }
    }
    let mut out = Vec::new();
    if let Some(errors) = body.get("errors") {
        flatten("", errors, &mut out);
    }
    if out.is_empty() {
        if let Some(m) = body.get("message").and_then(Value::as_str) {
            out.push(m.to_string());
        }
    }
    let text: String = out.join("; ").chars().take(500).collect();
    (!text.is_empty()).then_some(text)
}

/// A decimal amount from minor units (FAN Courier takes numbers such as 209.89).
/// A created AWB: its number, and its charge (tariff plus VAT, in bani: FAN Courier charges in
/// RON) when the answer gives one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Created {
    pub number: String,
    pub cost_minor: Option<i64>,
}

/// The currency FAN Courier charges in.
pub const CHARGE_CURRENCY: &str = "RON";

/// `tariff` + `vat` of an AWB's answer, in bani; None unless the tariff is a sane amount.
fn charge(answer: &Value) -> Option<i64> {
    let bani = |v: &Value| {
        v.as_f64()
            .filter(|x| x.is_finite() && (0.0..1e7).contains(x))
            .map(|x| (x * 100.0).round() as i64)
    };
    Some(bani(&answer["tariff"])? + bani(&answer["vat"]).unwrap_or(0))
}

fn amount(minor: i64, currency: &str) -> Value {
    let digits = crate::money::minor_digits(currency);
    let scale = 10f64.powi(digits as i32);
    json!((minor as f64) / scale)
}

impl FanCourier {
    pub fn new(base: &url::Url, timeout: Duration) -> Result<FanCourier, CourierError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("switchyard/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| CourierError::Invalid(e.to_string()))?;
        Ok(FanCourier {
            http,
            base: base.clone(),
        })
    }

    fn url(&self, path: &str) -> url::Url {
        let mut u = self.base.clone();
        let joined = format!("{}{}", u.path().trim_end_matches('/'), path);
        u.set_path(&joined);
        u
    }

    /// Sends a request with the bearer token: 401 is a refused token, 5xx or no answer is
    /// FAN Courier unavailable; anything else answers its status and body.
    async fn call(
        &self,
        req: reqwest::RequestBuilder,
        token: &SecretString,
    ) -> Result<(reqwest::StatusCode, bytes::Bytes), CourierError> {
        let res = req
            .bearer_auth(token.expose_secret())
            .send()
            .await
            .map_err(unavailable)?;
        let status = res.status();
        if status == reqwest::StatusCode::UNAUTHORIZED {
            return Err(CourierError::Unauthorized(
                "the token was not accepted".into(),
            ));
        }
        if status.is_server_error() {
            return Err(CourierError::Unavailable(format!(
                "HTTP {}",
                status.as_u16()
            )));
        }
        let body = res.bytes().await.map_err(unavailable)?;
        Ok((status, body))
    }

    /// Signs in; FAN Courier's `expiresAt` is Romanian local time (24 hours when unreadable).
    pub async fn login(
        &self,
        username: &str,
        password: &SecretString,
    ) -> Result<Token, CourierError> {
        let res = self
            .http
            .post(self.url("/login"))
            .form(&[
                ("username", username),
                ("password", password.expose_secret()),
            ])
            .send()
            .await
            .map_err(unavailable)?;
        let status = res.status();
        if status.is_server_error() {
            return Err(CourierError::Unavailable(format!(
                "HTTP {}",
                status.as_u16()
            )));
        }
        let body: Value = res
            .json()
            .await
            .map_err(|e| CourierError::Invalid(e.to_string()))?;
        let token = body["data"]["token"].as_str().filter(|t| !t.is_empty());
        match token {
            Some(t) if status.is_success() && body["status"] != "fail" => {
                let expires_at = body["data"]["expiresAt"]
                    .as_str()
                    .and_then(|s| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").ok())
                    .and_then(|local| {
                        chrono_tz::Europe::Bucharest
                            .from_local_datetime(&local)
                            .earliest()
                    })
                    .map(|t| t.with_timezone(&Utc))
                    .unwrap_or_else(|| Utc::now() + chrono::Duration::hours(24));
                Ok(Token {
                    value: SecretString::from(t.to_string()),
                    expires_at,
                })
            }
            _ => Err(CourierError::Unauthorized(
                reasons(&body).unwrap_or_else(|| "the username or password is wrong".into()),
            )),
        }
    }

    /// Creates one AWB; answers its number and what FAN Courier charges for it.
    pub async fn create_awb(
        &self,
        token: &SecretString,
        client_id: &str,
        s: &Shipment,
    ) -> Result<Created, CourierError> {
        let r = &s.recipient;
        let body = json!({
            "clientId": client_id.parse::<u64>().map(Value::from).unwrap_or_else(|_| json!(client_id)),
            "shipments": [{
                "info": {
                    "service": s.service,
                    "packages": { "parcel": s.parcels, "envelope": 0 },
                    "weight": (s.weight_grams as f64) / 1000.0,
                    "cod": amount(s.cod_minor, &s.currency),
                    "declaredValue": amount(s.declared_minor, &s.currency),
                    "currency": s.currency,
                    "payment": s.payer,
                    "observation": s.notes,
                    "content": s.reference,
                    "costCenter": s.reference,
                    "options": ["X"],
                },
                "recipient": {
                    "name": r.name,
                    "contactPerson": r.name,
                    "phone": r.phone,
                    "email": r.email,
                    "address": {
                        "county": r.county,
                        "locality": r.locality,
                        "street": r.street,
                        "streetNo": "",
                        "zipCode": r.zip,
                    },
                },
            }],
        });
        let (status, bytes) = self
            .call(self.http.post(self.url("/intern-awb")).json(&body), token)
            .await?;
        let body: Value =
            serde_json::from_slice(&bytes).map_err(|e| CourierError::Invalid(e.to_string()))?;
        let first = &body["response"][0];
        let number = match &first["awbNumber"] {
            Value::Number(n) => Some(n.to_string()),
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            _ => None,
        };
        match number {
            Some(n) if status.is_success() => Ok(Created {
                number: n,
                cost_minor: charge(first),
            }),
            _ => Err(CourierError::Rejected(
                reasons(first)
                    .or_else(|| reasons(&body))
                    .unwrap_or_else(|| {
                        format!("FAN Courier refused the AWB (HTTP {})", status.as_u16())
                    }),
            )),
        }
    }

    /// The AWB's label as PDF.
    pub async fn label(
        &self,
        token: &SecretString,
        client_id: &str,
        awb: &str,
    ) -> Result<Vec<u8>, CourierError> {
        let req = self.http.get(self.url("/awb/label")).query(&[
            ("clientId", client_id),
            ("awbs[]", awb),
            ("pdf", "1"),
            ("language", "ro"),
        ]);
        let (status, bytes) = self.call(req, token).await?;
        if status.is_success() && bytes.starts_with(b"%PDF") {
            return Ok(bytes.to_vec());
        }
        let body: Value = serde_json::from_slice(&bytes).unwrap_or_default();
        Err(CourierError::Rejected(reasons(&body).unwrap_or_else(
            || format!("FAN Courier sent no label (HTTP {})", status.as_u16()),
        )))
    }

    /// The events of up to 50 AWBs.
    pub async fn tracking(
        &self,
        token: &SecretString,
        client_id: &str,
        awbs: &[String],
    ) -> Result<Vec<Tracked>, CourierError> {
        let mut query = vec![("clientId", client_id), ("language", "ro")];
        query.extend(awbs.iter().map(|a| ("awb[]", a.as_str())));
        let req = self
            .http
            .get(self.url("/reports/awb/tracking"))
            .query(&query);
        let (status, bytes) = self.call(req, token).await?;
        if !status.is_success() {
            return Err(CourierError::Unavailable(format!(
                "HTTP {}",
                status.as_u16()
            )));
        }
        #[derive(Deserialize)]
        struct Answer {
            #[serde(default)]
            data: Vec<Item>,
        }
        #[derive(Deserialize)]
        struct Item {
            #[serde(rename = "awbNumber")]
            awb: Value,
            #[serde(default)]
            events: Vec<RawEvent>,
        }
        #[derive(Deserialize)]
        struct RawEvent {
            id: String,
            #[serde(default)]
            name: String,
            #[serde(default)]
            location: String,
            date: String,
        }
        let answer: Answer =
            serde_json::from_slice(&bytes).map_err(|e| CourierError::Invalid(e.to_string()))?;
        let when = |s: &str| {
            NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
                .ok()
                .and_then(|l| {
                    chrono_tz::Europe::Bucharest
                        .from_local_datetime(&l)
                        .earliest()
                })
                .map(|t| t.with_timezone(&Utc))
        };
        Ok(answer
            .data
            .into_iter()
            .map(|i| Tracked {
                awb: match i.awb {
                    Value::String(s) => s,
                    other => other.to_string(),
                },
                events: i
                    .events
                    .into_iter()
                    .filter_map(|e| {
                        Some(Event {
                            at: when(&e.date)?,
                            code: e.id,
                            name: e.name,
                            location: e.location,
                        })
                    })
                    .collect(),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn courier_codes_map_to_the_seeds_statuses() {
        for (code, status) in [
            ("C0", "SHIPPED"),
            ("C1", "SHIPPED"),
            ("H0", "SHIPPED"),
            ("H10", "SHIPPED"),
            ("S1", "SHIPPED"),
            ("S35", "SHIPPED"),
            ("S2", "DELIVERED"),
            ("s2", "DELIVERED"),
            ("S6", "RETURNED"),
            ("S7", "RETURNED"),
            ("S15", "RETURNED"),
            ("S16", "RETURNED"),
            ("S33", "RETURNED"),
            ("S43", "RETURNED"),
            ("S50", "RETURNED"),
            ("A0", "CANCELLED"),
            ("A4", "CANCELLED"),
            ("S38", "AWB_ERROR"),
        ] {
            assert_eq!(order_status_for(code), Some(status), "{code}");
        }
        for unknown in ["", "A5", "X1", "H", "Sx", "C2"] {
            assert_eq!(order_status_for(unknown), None, "{unknown}");
        }
    }

    #[test]
    fn error_bodies_are_flattened_into_words() {
        let one = json!({"errors": {"recipient.locality": "Locality not found"}});
        assert_eq!(
            reasons(&one).unwrap(),
            "recipient.locality: Locality not found"
        );
        let nested = json!({"errors": {"info": {"parcels": ["At least one parcel is required"]}, "phone": "invalid"}});
        assert_eq!(
            reasons(&nested).unwrap(),
            "info.parcels: At least one parcel is required; phone: invalid"
        );
        assert_eq!(
            reasons(&json!({"message": "Unauthenticated."})).unwrap(),
            "Unauthenticated."
        );
        assert_eq!(reasons(&json!({})), None);
    }
}
