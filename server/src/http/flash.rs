//! A one-shot message carried across a form POST → 303 redirect → GET, in a short-lived cookie,
//! so forms show their errors (and keep what was typed, never passwords) without JavaScript.

use std::collections::BTreeMap;

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use http::HeaderValue;
use serde::{Deserialize, Serialize};

pub const COOKIE: &str = "switchyard_flash";

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Flash {
    /// Which form it belongs to ("login", "setup").
    pub form: String,
    /// The field the message is about, if any.
    pub field: Option<String>,
    pub message: String,
    /// What the user typed, to refill the form (never secrets).
    pub values: BTreeMap<String, String>,
}

impl Flash {
    pub fn set_cookie(&self, secure: bool) -> HeaderValue {
        let json = serde_json::to_vec(self).unwrap_or_default();
        let value = URL_SAFE_NO_PAD.encode(json);
        let secure = if secure { "; Secure" } else { "" };
        HeaderValue::from_str(&format!(
            "{COOKIE}={value}; Path=/; Max-Age=60; HttpOnly; SameSite=Lax{secure}"
        ))
        .expect("base64 is a valid header value")
    }

    pub fn clear_cookie(secure: bool) -> HeaderValue {
        let secure = if secure { "; Secure" } else { "" };
        HeaderValue::from_str(&format!(
            "{COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{secure}"
        ))
        .expect("static header")
    }

    /// Reads the flash from a request's Cookie headers.
    pub fn from_headers(headers: &http::HeaderMap) -> Option<Flash> {
        headers
            .get_all(http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|kv| kv.trim().split_once('='))
            .find(|(k, _)| *k == COOKIE)
            .and_then(|(_, v)| URL_SAFE_NO_PAD.decode(v).ok())
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_a_cookie_header() {
        let f = Flash {
            form: "login".into(),
            field: None,
            message: "Email or password is incorrect.".into(),
            values: [("email".to_string(), "ada@example.com".to_string())].into(),
        };
        let set = f.set_cookie(false);
        let pair = set.to_str().unwrap().split(';').next().unwrap().to_string();
        let mut headers = http::HeaderMap::new();
        headers.insert(
            http::header::COOKIE,
            HeaderValue::from_str(&format!("a=b; {pair}")).unwrap(),
        );
        assert_eq!(Flash::from_headers(&headers), Some(f));
        assert!(set.to_str().unwrap().contains("HttpOnly"));
    }
}
