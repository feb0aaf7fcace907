//! Token packs and billing configuration. Prices are integers in the currency's minor unit
//! (cents); the defaults are the first seed's USD prices.

use std::fmt;

use secrecy::SecretString;
use serde::Serialize;
use url::Url;

/// id, name, tokens, default price in cents.
const DEFAULT_PACKS: [(&str, &str, i64, i64); 5] = [
    ("starter", "Starter", 50_000, 2_500),
    ("basic", "Basic", 150_000, 6_500),
    ("professional", "Professional", 400_000, 15_000),
    ("business", "Business", 1_000_000, 35_000),
    ("enterprise", "Enterprise", 3_000_000, 90_000),
];

pub const DEFAULT_LOW_BALANCE: i64 = 10_000;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Pack {
    pub id: &'static str,
    pub name: &'static str,
    pub tokens: i64,
    /// Minor units of `currency`.
    pub price: i64,
    /// ISO 4217, lower case (as Stripe writes it).
    pub currency: String,
}

#[derive(Clone)]
pub struct StripeConfig {
    pub secret_key: SecretString,
    pub webhook_secret: SecretString,
    pub publishable_key: Option<String>,
    /// https://api.stripe.com unless a stand-in is named (tests).
    pub api_base: Url,
}

impl fmt::Debug for StripeConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StripeConfig")
            .field("secret_key", &"[redacted]")
            .field("webhook_secret", &"[redacted]")
            .field("publishable_key", &self.publishable_key)
            .field("api_base", &self.api_base.as_str())
            .finish()
    }
}

#[derive(Clone, Debug)]
pub struct BillingConfig {
    pub packs: Vec<Pack>,
    /// Set when STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are; without it the Buy buttons
    /// say billing is not configured.
    pub stripe: Option<StripeConfig>,
    /// Below this balance the shell warns and the owner gets one email per crossing.
    pub low_balance_threshold: i64,
}

impl crate::config::Section for BillingConfig {
    fn load(get: &dyn Fn(&str) -> Option<String>, errors: &mut Vec<String>) -> Self {
        Self::from_vars(get, errors)
    }

    /// Stripe's hosted Checkout lives on its own host; a stand-in serves it itself.
    fn form_action_origins(&self) -> Vec<String> {
        self.stripe
            .iter()
            .map(|s| {
                if s.api_base.host_str() == Some("api.stripe.com") {
                    "https://checkout.stripe.com".to_string()
                } else {
                    s.api_base.origin().ascii_serialization()
                }
            })
            .collect()
    }
}

impl BillingConfig {
    pub fn pack(&self, id: &str) -> Option<&Pack> {
        self.packs.iter().find(|p| p.id == id)
    }

    /// Reads BILLING_CURRENCY, TOKEN_PACK_<ID>_PRICE / _CURRENCY, STRIPE_*, and
    /// LOW_BALANCE_THRESHOLD; each problem is pushed to `errors`.
    pub fn from_vars(get: &dyn Fn(&str) -> Option<String>, errors: &mut Vec<String>) -> Self {
        let currency_of = |var: &str, default: &str, errors: &mut Vec<String>| match get(var) {
            None => default.to_string(),
            Some(c) if c.len() == 3 && c.chars().all(|ch| ch.is_ascii_alphabetic()) => {
                c.to_ascii_lowercase()
            }
            Some(c) => {
                errors.push(format!(
                    "{var}: expected a three-letter currency code such as usd, got `{c}`"
                ));
                default.to_string()
            }
        };
        let currency = currency_of("BILLING_CURRENCY", "usd", errors);
        let packs = DEFAULT_PACKS
            .iter()
            .map(|&(id, name, tokens, cents)| {
                let upper = id.to_ascii_uppercase();
                let price_var = format!("TOKEN_PACK_{upper}_PRICE");
                let price = match get(&price_var) {
                    None => cents,
                    Some(v) => match v.parse::<i64>() {
                        Ok(n) if (50..=99_999_999).contains(&n) => n,
                        _ => {
                            errors.push(format!(
                                "{price_var}: expected the price in minor units (cents), 50 to 99999999, got `{v}`"
                            ));
                            cents
                        }
                    },
                };
                let currency =
                    currency_of(&format!("TOKEN_PACK_{upper}_CURRENCY"), &currency, errors);
                Pack {
                    id,
                    name,
                    tokens,
                    price,
                    currency,
                }
            })
            .collect();
        let stripe = match (get("STRIPE_SECRET_KEY"), get("STRIPE_WEBHOOK_SECRET")) {
            (None, None) => None,
            (Some(key), Some(secret)) => {
                let api_base = match get("STRIPE_API_BASE") {
                    None => Url::parse("https://api.stripe.com").expect("a URL"),
                    Some(u) => match Url::parse(&u) {
                        Ok(url) if matches!(url.scheme(), "http" | "https") => url,
                        _ => {
                            errors.push(format!(
                                "STRIPE_API_BASE: expected an http(s) URL, got `{u}`"
                            ));
                            Url::parse("https://api.stripe.com").expect("a URL")
                        }
                    },
                };
                if !secret.starts_with("whsec_") {
                    errors.push("STRIPE_WEBHOOK_SECRET: expected the endpoint's signing secret, starting with whsec_".into());
                }
                if !(key.starts_with("sk_") || key.starts_with("rk_")) {
                    errors.push("STRIPE_SECRET_KEY: expected a secret key (sk_…) or a restricted key (rk_…)".into());
                }
                Some(StripeConfig {
                    secret_key: SecretString::from(key),
                    webhook_secret: SecretString::from(secret),
                    publishable_key: get("STRIPE_PUBLISHABLE_KEY"),
                    api_base,
                })
            }
            _ => {
                errors.push(
                    "STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET: set both or neither".into(),
                );
                None
            }
        };
        let low_balance_threshold = match get("LOW_BALANCE_THRESHOLD") {
            None => DEFAULT_LOW_BALANCE,
            Some(v) => match v.parse::<i64>() {
                Ok(n) if n >= 0 => n,
                _ => {
                    errors.push(format!(
                        "LOW_BALANCE_THRESHOLD: expected a whole number of tokens, got `{v}`"
                    ));
                    DEFAULT_LOW_BALANCE
                }
            },
        };
        BillingConfig {
            packs,
            stripe,
            low_balance_threshold,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn parse(vars: &[(&str, &str)]) -> (BillingConfig, Vec<String>) {
        let map: BTreeMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut errors = Vec::new();
        let c = BillingConfig::from_vars(&|k| map.get(k).cloned(), &mut errors);
        (c, errors)
    }

    #[test]
    fn defaults_are_the_seed_prices_in_usd() {
        let (c, errors) = parse(&[]);
        assert!(errors.is_empty());
        let pro = c.pack("professional").unwrap();
        assert_eq!(
            (pro.tokens, pro.price, pro.currency.as_str()),
            (400_000, 15_000, "usd")
        );
        assert_eq!(c.packs.len(), 5);
        assert!(c.stripe.is_none());
        assert_eq!(c.low_balance_threshold, 10_000);
        assert_eq!(crate::format::money(15_000, "usd"), "$150.00");
        assert_eq!(crate::format::money(90_000, "eur"), "€900.00");
        assert_eq!(crate::format::money(123_456, "ron"), "1,234.56 RON");
    }

    #[test]
    fn prices_and_currencies_can_be_configured_and_bad_values_are_named() {
        let (c, errors) = parse(&[
            ("BILLING_CURRENCY", "EUR"),
            ("TOKEN_PACK_STARTER_PRICE", "1999"),
            ("TOKEN_PACK_BASIC_CURRENCY", "gbp"),
        ]);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(c.pack("starter").unwrap().price, 1999);
        assert_eq!(c.pack("starter").unwrap().currency, "eur");
        assert_eq!(c.pack("basic").unwrap().currency, "gbp");
        let (_, errors) = parse(&[
            ("TOKEN_PACK_STARTER_PRICE", "12.50"),
            ("BILLING_CURRENCY", "dollars"),
            ("STRIPE_SECRET_KEY", "sk_test_1"),
            ("LOW_BALANCE_THRESHOLD", "-1"),
        ]);
        assert_eq!(errors.len(), 4, "{errors:?}");
        let (_, errors) = parse(&[
            ("STRIPE_SECRET_KEY", "pk_test_1"),
            ("STRIPE_WEBHOOK_SECRET", "secret"),
            ("STRIPE_API_BASE", "ftp://x"),
        ]);
        assert_eq!(errors.len(), 3, "{errors:?}");
    }
}
