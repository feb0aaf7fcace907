//! The company's profile (Settings → Company): name, time zone, currency, date format and the
//! standard new analyses are checked against.

use serde::{Deserialize, Serialize};

use crate::{
    access::Permission,
    audit::{self, Action, Entry, RequestMeta},
    error::{Error, Result},
    exec_tx,
    identity::{clean_text, Principal},
    with_db, Db,
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

pub async fn get(db: &Db, p: &Principal) -> Result<Settings> {
    p.authorize(Permission::SettingsManage)?;
    const SQL: &str = "SELECT name, timezone, currency, date_format, analysis_standard \
                       FROM companies WHERE id = $1";
    Ok(with_db!(db, |pool| sqlx::query_as::<_, Settings>(SQL)
        .bind(p.company_id)
        .fetch_one(pool)
        .await)?)
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
    const SQL: &str =
        "UPDATE companies SET name = $1, timezone = $2, currency = $3, date_format = $4, \
                       analysis_standard = $5 WHERE id = $6";
    exec_tx!(
        &mut tx,
        sqlx::query(SQL)
            .bind(&new.name)
            .bind(&new.timezone)
            .bind(&new.currency)
            .bind(&new.date_format)
            .bind(&new.analysis_standard)
            .bind(p.company_id)
    )?;
    audit::record(
        &mut tx,
        meta,
        Entry::by(
            p,
            Action::SettingsChanged,
            Some(format!("company:{}", p.company_id)),
            changed.into(),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(new)
}
