//! Identity: first-run setup, password sign-in, and the signed-in principal.

pub mod account;
pub mod google;
pub mod http;
pub mod jobs;
pub mod password;
pub mod proof;
mod repo;
pub mod tokens;
pub mod two_factor;

use chrono::Utc;
use secrecy::SecretString;
use serde::Deserialize;
use uuid::Uuid;

use crate::{
    access::Principal,
    audit::{self, Action, RequestMeta},
    email::Email,
    error::{Error, Result},
    http::middleware::{PageNeeds, PageRule},
    Db,
};

pub use repo::{find_credentials_by_id as find_account_by_id, setup_done};

/// Pages of sign-in, and what each needs.
pub const PAGES: &[PageRule] = &[
    PageRule::new("/login", PageNeeds::Anonymous),
    PageRule::new("/login/code", PageNeeds::Anonymous),
    PageRule::new("/logout", PageNeeds::Anonymous),
    PageRule::new("/setup", PageNeeds::Anonymous),
    PageRule::new("/forgot", PageNeeds::Anonymous),
    PageRule::new("/signup", PageNeeds::Anonymous),
    PageRule::new("/invite/*", PageNeeds::Anonymous),
    PageRule::new("/reset/*", PageNeeds::Anonymous),
    PageRule::new("/auth/*", PageNeeds::NotAPage),
];
pub(crate) use repo::{
    find_credentials as find_account, first_company_in, first_company_of, insert_company,
    insert_user, principal_for, touch_last_login,
};

/// Rate-limit scopes of sign-in, reset and invitation acceptance (per minute; registered by
/// the composition root from RATE_LIMIT_SIGN_IN_PER_IP / _PER_ACCOUNT).
pub const SIGN_IN_PER_IP: &str = "sign_in.ip";
pub const SIGN_IN_PER_ACCOUNT: &str = "sign_in.account";

/// What first-run setup asks for. Missing fields deserialise as empty and fail validation
/// with a message naming them.
#[derive(Clone, Default, Deserialize)]
#[serde(default)]
pub struct SetupInput {
    pub company_name: String,
    pub timezone: String,
    pub name: String,
    pub email: String,
    pub password: String,
    pub password_confirm: String,
}

pub(crate) fn clean_text(
    field: &str,
    label: &str,
    raw: &str,
    min: usize,
    max: usize,
) -> Result<String> {
    let s = raw.trim();
    let n = s.chars().count();
    if n == 0 {
        return Err(Error::validation(field, format!("{label} is required.")));
    }
    if n < min {
        return Err(Error::validation(
            field,
            format!("{label} must be at least {min} characters."),
        ));
    }
    if n > max {
        return Err(Error::validation(
            field,
            format!("{label} must be at most {max} characters."),
        ));
    }
    if s.chars().any(char::is_control) {
        return Err(Error::validation(
            field,
            format!("{label} contains invalid characters."),
        ));
    }
    Ok(s.to_string())
}

/// URL-safe short name of a company, derived from its name.
pub fn slugify(name: &str) -> String {
    let mut out = String::new();
    for c in name.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out
        .trim_end_matches('-')
        .chars()
        .take(48)
        .collect::<String>();
    if out.is_empty() {
        "company".into()
    } else {
        out
    }
}

/// How a company and its owner come to exist.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Founding {
    /// First-run setup: once per installation; the owner also runs the platform.
    Setup,
    /// Public sign-up (SIGNUP_ENABLED).
    SignUp,
}

/// Creates the first company and its owner. Only ever succeeds once per installation: the
/// `instance` row is claimed inside the same transaction.
#[tracing::instrument(skip_all, err)]
pub async fn setup_first_company(
    db: &Db,
    input: SetupInput,
    meta: &RequestMeta,
) -> Result<Principal> {
    found_company(db, input, meta, Founding::Setup).await
}

/// Public sign-up: a new company and its owner (never a platform admin). The caller checks that
/// sign-up is enabled. An email that already has an account is refused: that person signs in
/// and is invited, or resets their password.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn sign_up(db: &Db, input: SetupInput, meta: &RequestMeta) -> Result<Principal> {
    found_company(db, input, meta, Founding::SignUp).await
}

async fn found_company(
    db: &Db,
    input: SetupInput,
    meta: &RequestMeta,
    how: Founding,
) -> Result<Principal> {
    let company_name = clean_text("company_name", "Company name", &input.company_name, 2, 100)?;
    let timezone = input.timezone.trim();
    if timezone.parse::<chrono_tz::Tz>().is_err() {
        return Err(Error::validation(
            "timezone",
            "Choose a time zone from the list.",
        ));
    }
    let name = clean_text("name", "Your name", &input.name, 1, 100)?;
    let email = Email::parse(&input.email)?;
    password::check_policy(&input.password)?;
    if input.password != input.password_confirm {
        return Err(Error::validation(
            "password_confirm",
            "The two passwords do not match.",
        ));
    }
    const ALREADY: &str = "Switchyard is already set up. Sign in instead.";
    match how {
        Founding::Setup if repo::setup_done(db).await? => {
            return Err(Error::Conflict(ALREADY.into()))
        }
        Founding::SignUp if !repo::setup_done(db).await? => {
            return Err(Error::Conflict(
                "Switchyard is not set up yet: the first company is created at /setup.".into(),
            ))
        }
        _ => {}
    }
    let hash = password::hash(SecretString::from(input.password)).await?;

    let now = Utc::now();
    let company_id = Uuid::now_v7();
    let user_id = Uuid::now_v7();
    let mut tx = db.begin().await?;
    if how == Founding::Setup && !repo::claim_setup(&mut tx, now).await? {
        return Err(Error::Conflict(ALREADY.into()));
    }
    repo::insert_company(
        &mut tx,
        company_id,
        &company_name,
        &slugify(&company_name),
        timezone,
        now,
    )
    .await
    .map_err(|e| match e {
        Error::Conflict(m) => Error::validation("company_name", m),
        other => other,
    })?;
    // The installer's own address counts as proved; a sign-up's is mailed a link.
    let proven = (how == Founding::Setup).then_some(now);
    repo::insert_user(&mut tx, user_id, email.as_str(), &name, Some(&hash), proven, now)
        .await
        .map_err(|e| match e {
            Error::Conflict(_) => Error::validation(
                "email",
                "An account with this email already exists. Sign in (or reset your password) and ask to be invited instead.",
            ),
            other => other,
        })?;
    repo::insert_membership(&mut tx, company_id, user_id, "owner", now).await?;
    if proven.is_none() {
        proof::queue(&mut tx, user_id).await?;
    }
    if how == Founding::Setup {
        // Whoever installs Switchyard operates the platform: the first owner is its super-admin.
        repo::make_super_admin(&mut tx, user_id).await?;
    }
    repo::touch_last_login(&mut tx, user_id, now).await?;
    let entry = |action, target, details| audit::Entry {
        company_id: Some(company_id),
        actor_id: Some(user_id),
        action,
        target,
        details,
    };
    let via = match how {
        Founding::Setup => "setup",
        Founding::SignUp => "signup",
    };
    let created = serde_json::json!({ "name": company_name, "via": via });
    audit::record(
        &mut tx,
        meta,
        entry(
            Action::CompanyCreated,
            Some(format!("company:{company_id}")),
            created,
        ),
    )
    .await?;
    audit::record(
        &mut tx,
        meta,
        entry(
            Action::Login,
            None,
            serde_json::json!({ "method": "password" }),
        ),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(%company_id, %user_id, via, "company created with its owner");
    repo::principal_for(db, user_id, Some(company_id))
        .await?
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("the new owner could not be loaded")))
}

/// The outcome of a correct password.
#[derive(Debug)]
pub enum SignIn {
    /// Signed in (LOGIN recorded).
    Complete(Principal),
    /// The account has two-factor sign-in: a code must follow before anything is recorded.
    NeedsSecondFactor(Principal),
}

/// Checks an email and password. Every failure gives the same answer, costs the same hashing
/// time, and leaves a LOGIN_FAILED entry; success leaves LOGIN (or waits for the second factor).
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn login(db: &Db, email: &str, password: &str, meta: &RequestMeta) -> Result<SignIn> {
    let parsed = Email::parse(email).ok();
    let account = match &parsed {
        Some(e) => repo::find_credentials(db, e.as_str()).await?,
        None => None,
    };
    let ok = password::verify(
        SecretString::from(password.to_string()),
        account.as_ref().and_then(|a| a.password_hash.clone()),
    )
    .await?;

    let usable = account.as_ref().filter(|a| ok && a.disabled_at.is_none());
    let principal = match usable {
        Some(a) => repo::principal_for(db, a.id, None).await?,
        None => None,
    };
    match (principal, account.as_ref()) {
        (Some(p), Some(a)) if a.totp_enabled => Ok(SignIn::NeedsSecondFactor(p)),
        (Some(p), _) => {
            complete_login(db, &p, meta, "password").await?;
            Ok(SignIn::Complete(p))
        }
        (None, _) => {
            let reason = match (&account, ok) {
                (None, _) => "unknown_email",
                (Some(_), false) => "wrong_password",
                (Some(a), true) if a.disabled_at.is_some() => "disabled",
                (Some(_), true) => "no_company",
            };
            let company_id = match &account {
                Some(a) => repo::first_company_of(db, a.id).await?,
                None => None,
            };
            login_failed(
                db,
                meta,
                company_id,
                account.as_ref().map(|a| a.id),
                serde_json::json!({ "reason": reason, "email": parsed.as_ref().map(Email::as_str) }),
            )
            .await?;
            Err(Error::InvalidCredentials)
        }
    }
}

/// Records a completed sign-in (LOGIN, last sign-in time).
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id))]
pub async fn complete_login(
    db: &Db,
    p: &Principal,
    meta: &RequestMeta,
    method: &str,
) -> Result<()> {
    let mut tx = db.begin().await?;
    repo::touch_last_login(&mut tx, p.user_id, Utc::now()).await?;
    audit::record(
        &mut tx,
        meta,
        audit::Entry {
            company_id: Some(p.company_id),
            actor_id: Some(p.user_id),
            action: Action::Login,
            target: None,
            details: serde_json::json!({ "method": method }),
        },
    )
    .await?;
    tx.commit().await
}

/// Records a refused sign-in.
#[tracing::instrument(skip_all)]
pub async fn login_failed(
    db: &Db,
    meta: &RequestMeta,
    company_id: Option<Uuid>,
    user_id: Option<Uuid>,
    details: serde_json::Value,
) -> Result<()> {
    audit::record_alone(
        db,
        meta,
        audit::Entry {
            company_id,
            actor_id: user_id,
            action: Action::LoginFailed,
            target: None,
            details,
        },
    )
    .await
}

/// Records a sign-out.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id))]
pub async fn logout(db: &Db, p: &Principal, meta: &RequestMeta) -> Result<()> {
    audit::record_alone(
        db,
        meta,
        audit::Entry {
            company_id: Some(p.company_id),
            actor_id: Some(p.user_id),
            action: Action::Logout,
            target: None,
            details: serde_json::json!({}),
        },
    )
    .await
}

/// (id, name) of everyone who is or was a member of the company, by name (for filters).
#[tracing::instrument(skip_all, fields(company_id = %company_id))]
pub async fn member_names(db: &Db, company_id: Uuid) -> Result<Vec<(Uuid, String)>> {
    repo::member_names(db, company_id).await
}

/// The companies a user can work in (active memberships), by name.
#[tracing::instrument(skip_all, fields(user_id = %user_id))]
pub async fn companies_of(db: &Db, user_id: Uuid) -> Result<Vec<(Uuid, String)>> {
    repo::companies_of(db, user_id).await
}

/// The principal of a user in their first active company.
#[tracing::instrument(skip_all, fields(user_id = %user_id))]
pub async fn principal_of_user(db: &Db, user_id: Uuid) -> Result<Option<Principal>> {
    repo::principal_for(db, user_id, None).await
}

/// The principal for a session's user and company, or `None` when the user is gone,
/// disabled, or no longer a member.
#[tracing::instrument(skip_all, fields(user_id = %user_id, company_id = %company_id))]
pub async fn load_principal(db: &Db, user_id: Uuid, company_id: Uuid) -> Result<Option<Principal>> {
    repo::principal_for(db, user_id, Some(company_id)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_normalised_and_checked() {
        assert_eq!(
            Email::parse("  Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@x.com",
            "ada@x",
            "a b@x.com",
            "ada@x..com",
            "a@b@c.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn short_text_is_told_apart_from_missing_text() {
        let msg = |raw: &str| {
            clean_text("name", "Company name", raw, 2, 100)
                .unwrap_err()
                .public_message()
        };
        assert_eq!(msg("  "), "Company name is required.");
        assert_eq!(msg("A"), "Company name must be at least 2 characters.");
    }

    #[test]
    fn slugs_are_url_safe() {
        assert_eq!(slugify("Acme Electric, S.R.L."), "acme-electric-s-r-l");
        assert_eq!(slugify("  ---  "), "company");
    }
}
