//! Email addresses as a parsed value: whatever holds an `Email` holds a trimmed, lower-cased
//! address that passed a structural check. A leaf beside `error`, used by configuration and
//! by every area that takes an address.

use crate::error::{Error, Result};

/// A normalised (trimmed, lower-cased) email address that passed a structural check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self> {
        let s = raw.trim().to_lowercase();
        let bad = || {
            Error::validation(
                "email",
                "Enter a valid email address, like ada@example.com.",
            )
        };
        if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let (local, domain) = s.split_once('@').ok_or_else(bad)?;
        if local.is_empty()
            || local.len() > 64
            || domain.contains('@')
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || domain.contains("..")
        {
            return Err(bad());
        }
        Ok(Email(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}
