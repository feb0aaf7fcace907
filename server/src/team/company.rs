//! The company's profile (Settings → Company): name, time zone, currency, date format and the
//! standard new analyses are checked against.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::repo;
use crate::access::Principal;
use crate::{
    access::Permission,
    audit::{self, Action, Entry, RequestMeta},
    error::{Error, Result},
    identity::clean_text,
    storage::Storage,
    Db,
};

/// Currencies offered (ISO 4217); amounts are integers in the currency's minor unit.
pub const CURRENCIES: &[&str] = &[
    "USD", "EUR", "GBP", "RON", "CHF", "PLN", "CZK", "HUF", "BGN", "SEK", "NOK", "DKK", "TRY",
    "CAD", "AUD", "JPY",
];
pub const DATE_FORMATS: &[&str] = &["DD/MM/YYYY", "MM/DD/YYYY"];
/// The standards analyses are checked against (DESIGN §2 Analyses).
pub const STANDARDS: &[(&str, &str)] =
    &[("NETA", "NETA ATS-2021"), ("Microsoft", "Microsoft CxPOR")];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Settings {
    pub name: String,
    pub timezone: String,
    pub currency: String,
    pub date_format: String,
    pub analysis_standard: String,
}

#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id))]
pub async fn get(db: &Db, p: &Principal) -> Result<Settings> {
    p.authorize(Permission::SettingsManage)?;
    repo::settings(db, p.company_id).await
}

fn check(input: &Settings) -> Result<Settings> {
    let name = clean_text("name", "Company name", &input.name, 2, 100)?;
    let timezone = input.timezone.trim().to_string();
    if timezone.parse::<chrono_tz::Tz>().is_err() {
        return Err(Error::validation(
            "timezone",
            "Choose a time zone from the list.",
        ));
    }
    let pick = |field: &str, value: &str, allowed: &[&str], what: &str| {
        if allowed.contains(&value) {
            Ok(value.to_string())
        } else {
            Err(Error::validation(
                field,
                format!("Choose a {what} from the list."),
            ))
        }
    };
    let standards: Vec<&str> = STANDARDS.iter().map(|(k, _)| *k).collect();
    Ok(Settings {
        name,
        timezone,
        currency: pick("currency", input.currency.trim(), CURRENCIES, "currency")?,
        date_format: pick(
            "date_format",
            input.date_format.trim(),
            DATE_FORMATS,
            "date format",
        )?,
        analysis_standard: pick(
            "analysis_standard",
            input.analysis_standard.trim(),
            &standards,
            "standard",
        )?,
    })
}

/// Saves the profile; SETTINGS_CHANGED lists exactly the fields that changed.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id), err(level = "info"))]
pub async fn update(
    db: &Db,
    p: &Principal,
    meta: &RequestMeta,
    input: Settings,
) -> Result<Settings> {
    p.authorize(Permission::SettingsManage)?;
    let new = check(&input)?;
    let old = get(db, p).await?;
    let mut changed = serde_json::Map::new();
    for (field, before, after) in [
        ("name", &old.name, &new.name),
        ("timezone", &old.timezone, &new.timezone),
        ("currency", &old.currency, &new.currency),
        ("date_format", &old.date_format, &new.date_format),
        (
            "analysis_standard",
            &old.analysis_standard,
            &new.analysis_standard,
        ),
    ] {
        if before != after {
            changed.insert(
                field.into(),
                serde_json::json!({ "from": before, "to": after }),
            );
        }
    }
    if changed.is_empty() {
        return Ok(new);
    }
    let mut tx = db.begin().await?;
    repo::update_settings(&mut tx, p.company_id, &new).await?;
    settings_changed(&mut tx, p, meta, changed.into()).await?;
    tx.commit().await?;
    Ok(new)
}

/// The largest logo accepted.
pub const LOGO_MAX_BYTES: usize = 5 * 1024 * 1024;

/// The image type of a logo, from its first bytes (never from the name or the browser's word).
pub fn logo_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else {
        None
    }
}

/// Records SETTINGS_CHANGED on the company, in the transaction that made the change.
async fn settings_changed(
    tx: &mut crate::db::Tx,
    p: &Principal,
    meta: &RequestMeta,
    details: serde_json::Value,
) -> Result<()> {
    let target = Some(format!("company:{}", p.company_id));
    audit::record(
        tx,
        meta,
        Entry::by(p, Action::SettingsChanged, target, details),
    )
    .await
}

/// Where a company's logos live in the object storage: one object per upload, so a new logo
/// never overwrites the one a page may still be showing.
fn logo_key(company_id: Uuid, at: chrono::DateTime<chrono::Utc>, kind: &str) -> String {
    let ext = if kind == "image/png" { "png" } else { "jpg" };
    format!(
        "companies/{company_id}/logo/{}.{ext}",
        at.timestamp_millis()
    )
}

/// Deletes a replaced or removed logo object; a failure only leaves an orphan, so it is logged.
async fn forget(storage: &Storage, key: &str) {
    if let Err(e) = storage.delete(key).await {
        tracing::warn!(error = %e, key, "could not delete a replaced logo");
    }
}

/// Replaces the company's logo (PNG or JPG, at most 5 MB). The image goes into the object
/// storage first; the company points at it in the transaction that records the change.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id))]
pub async fn set_logo(
    db: &Db,
    storage: &Storage,
    p: &Principal,
    meta: &RequestMeta,
    bytes: &[u8],
) -> Result<()> {
    p.authorize(Permission::SettingsManage)?;
    if bytes.is_empty() {
        return Err(Error::validation("logo", "Choose an image file to upload."));
    }
    if bytes.len() > LOGO_MAX_BYTES {
        return Err(Error::validation("logo", "The logo must be at most 5 MB."));
    }
    let kind = logo_type(bytes)
        .ok_or_else(|| Error::validation("logo", "The logo must be a PNG or JPG image."))?;
    let now = chrono::Utc::now();
    let key = logo_key(p.company_id, now, kind);
    storage
        .put(&key, bytes.to_vec())
        .await
        .map_err(Error::Internal)?;
    let committed = async {
        let mut tx = db.begin().await?;
        let old = repo::set_logo(&mut tx, p.company_id, &key, kind, now).await?;
        settings_changed(
            &mut tx,
            p,
            meta,
            serde_json::json!({ "logo": { "type": kind, "bytes": bytes.len() } }),
        )
        .await?;
        tx.commit().await?;
        Ok::<_, Error>(old)
    }
    .await;
    match committed {
        Ok(old) => {
            if let Some(old) = old.filter(|o| *o != key) {
                forget(storage, &old).await;
            }
            Ok(())
        }
        Err(e) => {
            forget(storage, &key).await;
            Err(e)
        }
    }
}

/// Removes the company's logo.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id))]
pub async fn remove_logo(
    db: &Db,
    storage: &Storage,
    p: &Principal,
    meta: &RequestMeta,
) -> Result<()> {
    p.authorize(Permission::SettingsManage)?;
    let mut tx = db.begin().await?;
    let Some(old) = repo::clear_logo(&mut tx, p.company_id).await? else {
        return Err(Error::Conflict("There is no logo to remove.".into()));
    };
    settings_changed(&mut tx, p, meta, serde_json::json!({ "logo": "removed" })).await?;
    tx.commit().await?;
    if let Some(old) = old {
        forget(storage, &old).await;
    }
    Ok(())
}

/// A company's logo as the database knows it: the object's key, or the bytes of a logo stored
/// before logos moved to the object storage; its content type; when it changed.
#[derive(sqlx::FromRow)]
pub struct StoredLogo {
    pub logo_key: Option<String>,
    pub logo: Option<Vec<u8>>,
    pub logo_type: String,
    pub logo_updated_at: chrono::DateTime<chrono::Utc>,
}

/// A logo to show: bytes, content type, and when it last changed.
pub type Logo = (Vec<u8>, String, chrono::DateTime<chrono::Utc>);

/// The logo of the member's company. A logo still in the old database column is moved into the
/// object storage on this first read.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id))]
pub async fn logo(db: &Db, storage: &Storage, p: &Principal) -> Result<Option<Logo>> {
    let Some(stored) = repo::logo(db, p.company_id).await? else {
        return Ok(None);
    };
    let bytes = match (stored.logo_key, stored.logo) {
        (Some(key), _) => storage.get(&key).await.map_err(Error::Internal)?.to_vec(),
        (None, Some(bytes)) => {
            let key = logo_key(p.company_id, stored.logo_updated_at, &stored.logo_type);
            storage
                .put(&key, bytes.clone())
                .await
                .map_err(Error::Internal)?;
            if !repo::moved_logo(db, p.company_id, &key).await? {
                forget(storage, &key).await;
            }
            bytes
        }
        (None, None) => return Ok(None),
    };
    Ok(Some((bytes, stored.logo_type, stored.logo_updated_at)))
}

/// When the logo last changed (None: no logo), for cache-busting image URLs.
#[tracing::instrument(skip_all)]
pub async fn logo_version(db: &Db, company_id: uuid::Uuid) -> Result<Option<i64>> {
    let at = repo::logo_updated_at(db, company_id).await?;
    Ok(at.map(|t| t.timestamp_millis()))
}
