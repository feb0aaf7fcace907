//! Invitations: an admin invites an email with a role (and stores); the link carries a
//! 256-bit single-use token stored hashed; it expires, can be resent (a new link) or revoked.
//! Accepting creates the account (or adds an existing one to the company) and signs in.

use chrono::{DateTime, Duration, Utc};
use secrecy::SecretString;
use serde::Serialize;
use uuid::Uuid;

use super::{
    repo::{self, Found, NewInvitation},
    roles, stores,
};
use crate::access::Principal;
use crate::{
    access::{self, Permission},
    audit::{self, Action, Entry, RequestMeta},
    email::Email,
    error::{Error, Result},
    identity::{self, clean_text, password, tokens},
    mail, Db,
};

pub struct InviteInput {
    pub email: String,
    pub role: String,
    pub store_ids: Vec<Uuid>,
}

/// A link that was just made; shown once to the admin ("copy link") and mailed.
#[derive(Clone, Debug, Serialize)]
pub struct Sent {
    pub id: Uuid,
    pub email: String,
    pub link: String,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Invitation {
    pub id: Uuid,
    pub email: String,
    pub role: String,
    pub invited_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

fn link(base: &url::Url, token: &str) -> String {
    let mut url = base.clone();
    url.set_path(&format!("/invite/{token}"));
    url.set_query(None);
    url.to_string()
}

fn message(
    p: &Principal,
    email: &str,
    role_name: &str,
    link: &str,
    expires: DateTime<Utc>,
) -> mail::Message {
    mail::Message {
        kind: "invitation",
        to: email.to_string(),
        subject: format!("{} invited you to {} on Switchyard", p.name, p.company_name),
        body: format!(
            "{} invited you to join {} on Switchyard as {}.\n\n\
             Accept the invitation:\n{}\n\n\
             The link works once and expires on {} (UTC). If you did not expect this, ignore this message.",
            p.name,
            p.company_name,
            role_name,
            link,
            expires.format("%B %-d, %Y %H:%M"),
        ),
    }
}

async fn role_name(db: &Db, p: &Principal, slug: &str) -> Result<String> {
    Ok(roles::list(db, p)
        .await?
        .into_iter()
        .find(|r| r.slug == slug)
        .map(|r| r.name)
        .unwrap_or_else(|| slug.to_string()))
}

/// Invites `input.email`. Refused with a conflict when the email is already a member or has
/// an invitation pending; an expired one is replaced.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id), err(level = "info"))]
pub async fn invite(
    db: &Db,
    p: &Principal,
    meta: &RequestMeta,
    base: &url::Url,
    ttl_days: i64,
    input: InviteInput,
) -> Result<Sent> {
    p.authorize(Permission::MembersManage)?;
    let name_of_role = role_name(db, p, &input.role).await?;
    let mut tx = db.begin().await?;
    let sent = invite_in(&mut tx, p, meta, base, ttl_days, input, &name_of_role).await?;
    tx.commit().await?;
    Ok(sent)
}

/// `invite` inside the caller's transaction (a new company's owner invitation is made in the
/// transaction that creates the company).
pub(crate) async fn invite_in(
    tx: &mut crate::db::Tx,
    p: &Principal,
    meta: &RequestMeta,
    base: &url::Url,
    ttl_days: i64,
    input: InviteInput,
    name_of_role: &str,
) -> Result<Sent> {
    let email = Email::parse(&input.email)?;
    let now = Utc::now();
    let expires = now + Duration::days(ttl_days);
    let token = tokens::generate();
    let id = Uuid::now_v7();

    tx.lock_company(p.company_id).await?;
    let perms = roles::resolve(tx, p.company_id, &input.role).await?;
    roles::check_can_grant(p, &input.role, perms)?;
    stores::check_owned(tx, p.company_id, &input.store_ids).await?;
    if repo::is_member_email(tx, p.company_id, email.as_str()).await? {
        return Err(Error::Conflict(format!(
            "{} is already a member of {}.",
            email.as_str(),
            p.company_name
        )));
    }
    // An expired open invitation no longer blocks a new one.
    repo::revoke_expired_invitations(tx, p.company_id, email.as_str(), now).await?;
    repo::insert_invitation(
        tx,
        &NewInvitation {
            id,
            company_id: p.company_id,
            email: email.as_str(),
            role: &input.role,
            store_ids: &input.store_ids,
            token_hash: &token.hash,
            invited_by: p.user_id,
            created_at: now,
            expires_at: expires,
        },
    )
    .await?;
    let link = link(base, &token.plain);
    mail::enqueue(
        tx,
        Some(p.company_id),
        message(p, email.as_str(), name_of_role, &link, expires),
    )
    .await?;
    audit::record(
        tx,
        meta,
        Entry::by(
            p,
            Action::UserInvited,
            Some(format!("invitation:{id}")),
            serde_json::json!({ "email": email.as_str(), "role": input.role, "stores": input.store_ids }),
        ),
    )
    .await?;
    Ok(Sent {
        id,
        email: email.as_str().to_string(),
        link,
    })
}

/// Open invitations (pending or expired), newest first.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id))]
pub async fn list_open(db: &Db, p: &Principal) -> Result<Vec<Invitation>> {
    p.authorize(Permission::MembersManage)?;
    repo::list_open_invitations(db, p.company_id).await
}

/// Sends a fresh link (the old one stops working) and restarts the expiry.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id), err(level = "info"))]
pub async fn resend(
    db: &Db,
    p: &Principal,
    meta: &RequestMeta,
    base: &url::Url,
    ttl_days: i64,
    id: Uuid,
) -> Result<Sent> {
    p.authorize(Permission::MembersManage)?;
    let now = Utc::now();
    let expires = now + Duration::days(ttl_days);
    let token = tokens::generate();
    let mut tx = db.begin().await?;
    let (email, role) =
        repo::renew_invitation(&mut tx, p.company_id, id, &token.hash, now, expires)
            .await?
            .ok_or(Error::NotFound)?;
    let link = link(base, &token.plain);
    let name_of_role = role_name(db, p, &role).await?;
    mail::enqueue(
        &mut tx,
        Some(p.company_id),
        message(p, &email, &name_of_role, &link, expires),
    )
    .await?;
    audit::record(
        &mut tx,
        meta,
        Entry::by(
            p,
            Action::InvitationResent,
            Some(format!("invitation:{id}")),
            serde_json::json!({ "email": email }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(Sent { id, email, link })
}

#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id), err(level = "info"))]
pub async fn revoke(db: &Db, p: &Principal, meta: &RequestMeta, id: Uuid) -> Result<()> {
    p.authorize(Permission::MembersManage)?;
    let mut tx = db.begin().await?;
    let email = repo::revoke_invitation(&mut tx, p.company_id, id, Utc::now())
        .await?
        .ok_or(Error::NotFound)?;
    audit::record(
        &mut tx,
        meta,
        Entry::by(
            p,
            Action::InvitationRevoked,
            Some(format!("invitation:{id}")),
            serde_json::json!({ "email": email }),
        ),
    )
    .await?;
    tx.commit().await
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum InvitationState {
    Open,
    Expired,
    Revoked,
    Accepted,
}

impl InvitationState {
    /// Why a link cannot be used, said plainly.
    pub fn refusal(self) -> Option<&'static str> {
        match self {
            InvitationState::Open => None,
            InvitationState::Expired => {
                Some("This invitation has expired. Ask whoever invited you to send a new one.")
            }
            InvitationState::Revoked => Some(
                "This invitation was withdrawn. Ask whoever invited you if you still need access.",
            ),
            InvitationState::Accepted => {
                Some("This invitation has already been used. Sign in instead.")
            }
        }
    }
}

pub const UNKNOWN_LINK: &str =
    "This invitation link is not valid. Check that you copied the whole link.";

/// What the acceptance page shows about a link.
#[derive(Clone, Debug, Serialize)]
pub struct InvitationView {
    pub state: InvitationState,
    pub company_name: String,
    pub email: String,
    pub role_name: String,
    /// The email already has a Switchyard account: accepting asks for its password.
    pub has_account: bool,
}

impl Found {
    fn state(&self, now: DateTime<Utc>) -> InvitationState {
        if self.accepted_at.is_some() {
            InvitationState::Accepted
        } else if self.revoked_at.is_some() {
            InvitationState::Revoked
        } else if self.expires_at <= now {
            InvitationState::Expired
        } else {
            InvitationState::Open
        }
    }
}

async fn find(db: &Db, token: &str) -> Result<Option<Found>> {
    if token.len() > 100 {
        return Ok(None);
    }
    let hash = tokens::hash(token);
    repo::find_invitation(db, &hash).await
}

/// The invitation behind a link, or `None` for a link that never existed.
#[tracing::instrument(skip_all)]
pub async fn lookup(db: &Db, token: &str) -> Result<Option<InvitationView>> {
    Ok(find(db, token).await?.map(|f| InvitationView {
        state: f.state(Utc::now()),
        role_name: access::builtin(&f.role)
            .map(|b| b.name.to_string())
            .or(f.custom_role_name.clone())
            .unwrap_or_else(|| f.role.clone()),
        company_name: f.company_name,
        email: f.email,
        has_account: f.has_account,
    }))
}

#[derive(Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct AcceptInput {
    pub name: String,
    pub password: String,
    pub password_confirm: String,
}

/// Who joins the company on acceptance.
enum Joiner {
    Existing(Uuid),
    New {
        id: Uuid,
        name: String,
        password_hash: Option<String>,
    },
}

async fn open_invitation(db: &Db, token: &str, now: DateTime<Utc>) -> Result<Found> {
    let found = find(db, token)
        .await?
        .ok_or_else(|| Error::Conflict(UNKNOWN_LINK.into()))?;
    if let Some(why) = found.state(now).refusal() {
        return Err(Error::Conflict(why.into()));
    }
    Ok(found)
}

/// What accepting an invitation led to.
#[derive(Debug)]
pub enum Acceptance {
    /// The member joined and is signed in.
    Joined(Principal),
    /// The existing account signs in with a second factor: nothing is joined until its code
    /// is entered (`accept_after_second_factor`).
    NeedsSecondFactor { user_id: Uuid, company_id: Uuid },
}

impl Acceptance {
    /// The new member, for callers that cannot ask for a code (a second factor is refused).
    pub fn joined(self) -> Result<Principal> {
        match self {
            Acceptance::Joined(p) => Ok(p),
            Acceptance::NeedsSecondFactor { .. } => Err(Error::Conflict(
                "This account signs in with a code from an authenticator app.".into(),
            )),
        }
    }
}

/// The invited email, for the per-account sign-in limit (an unknown or spent link has none).
pub async fn invited_email(db: &Db, token: &str) -> Result<Option<String>> {
    Ok(find(db, token).await?.map(|f| f.email))
}

/// Accepts an invitation: a new account gets a name and password; an existing account signs
/// in as it would at /login — its password (a wrong one is a LOGIN_FAILED entry), and its second
/// factor when it has one, before the membership is added. Exactly one of several concurrent
/// acceptances wins.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn accept(
    db: &Db,
    token: &str,
    input: AcceptInput,
    meta: &RequestMeta,
) -> Result<Acceptance> {
    let now = Utc::now();
    let found = open_invitation(db, token, now).await?;
    let existing = identity::find_account(db, &found.email).await?;
    let joiner = match &existing {
        Some(account) => {
            let ok = password::verify(
                SecretString::from(input.password.clone()),
                account.password_hash.clone(),
            )
            .await?;
            if !ok || account.disabled_at.is_some() {
                let reason = if ok { "disabled" } else { "wrong_password" };
                identity::login_failed(
                    db,
                    meta,
                    identity::first_company_of(db, account.id).await?,
                    Some(account.id),
                    serde_json::json!({ "reason": reason, "email": found.email, "via": "invitation" }),
                )
                .await?;
                return Err(Error::validation(
                    "password",
                    "That is not the password of this account.",
                ));
            }
            // An account that never proved its mailbox joins no other company (it may have been
            // made by whoever held its first invitation link).
            identity::proof::ensure_proven(db, account.id, &found.email).await?;
            if account.totp_enabled {
                return Ok(Acceptance::NeedsSecondFactor {
                    user_id: account.id,
                    company_id: found.company_id,
                });
            }
            Joiner::Existing(account.id)
        }
        None => {
            let name = clean_text("name", "Your name", &input.name, 1, 100)?;
            password::check_policy(&input.password)?;
            if input.password != input.password_confirm {
                return Err(Error::validation(
                    "password_confirm",
                    "The two passwords do not match.",
                ));
            }
            let hash = password::hash(SecretString::from(input.password.clone())).await?;
            Joiner::New {
                id: Uuid::now_v7(),
                name,
                password_hash: Some(hash),
            }
        }
    };
    join(db, found, joiner, None, "invitation", meta, now)
        .await
        .map(Acceptance::Joined)
}

/// Finishes an acceptance that waited for the account's second factor (verified by the
/// caller): the invitation must still be open and the account usable.
#[tracing::instrument(skip_all, fields(target_user_id = %user_id), err(level = "info"))]
pub async fn accept_after_second_factor(
    db: &Db,
    token: &str,
    user_id: Uuid,
    meta: &RequestMeta,
) -> Result<Principal> {
    let now = Utc::now();
    let found = open_invitation(db, token, now).await?;
    // Who the invitation is for was proved at the first step (its password, or the Google
    // account with the invited email); the pending state lives in the server-side session.
    let account = identity::find_account_by_id(db, user_id)
        .await?
        .filter(|a| a.disabled_at.is_none())
        .ok_or(Error::InvalidCredentials)?;
    identity::proof::ensure_proven(db, account.id, &found.email).await?;
    join(
        db,
        found,
        Joiner::Existing(account.id),
        None,
        "invitation+totp",
        meta,
        now,
    )
    .await
}

/// Accepts an invitation as a verified Google account whose email is the invited one. A new
/// account is created without a password and linked to the Google account; an existing account
/// joins only if this Google account is already linked to it (never matched on email alone).
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn accept_with_google(
    db: &Db,
    token: &str,
    id: &crate::identity::google::Identity,
    meta: &RequestMeta,
) -> Result<Acceptance> {
    let now = Utc::now();
    let found = open_invitation(db, token, now).await?;
    if id.email != found.email {
        return Err(Error::Conflict(format!(
            "This invitation is for {}, but Google signed you in as {}. Choose that Google account, or set a password instead.",
            found.email, id.email
        )));
    }
    let linked = crate::identity::google::accounts::user_of(db, &id.issuer, &id.subject).await?;
    let (joiner, link) = match linked {
        Some(user_id) => {
            let account = identity::find_account_by_id(db, user_id)
                .await?
                .filter(|a| a.disabled_at.is_none());
            let Some(account) = account else {
                return Err(Error::Conflict(
                    "This account cannot sign in. Ask whoever invited you.".into(),
                ));
            };
            identity::proof::ensure_proven(db, user_id, &found.email).await?;
            if account.totp_enabled {
                // Google proves the person, the code proves the second factor: both, as at
                // sign-in, before anything is joined.
                return Ok(Acceptance::NeedsSecondFactor {
                    user_id,
                    company_id: found.company_id,
                });
            }
            (Joiner::Existing(user_id), None)
        }
        None if found.has_account => {
            return Err(Error::Conflict(
                "You already have a Switchyard account with this email: accept with its password, then link Google under Settings → Security.".into(),
            ))
        }
        None => {
            let fallback = found.email.split('@').next().unwrap_or_default().to_string();
            (
                Joiner::New {
                    id: Uuid::now_v7(),
                    name: id.name.clone().unwrap_or(fallback),
                    password_hash: None,
                },
                Some(id),
            )
        }
    };
    join(db, found, joiner, link, "google_invitation", meta, now)
        .await
        .map(Acceptance::Joined)
}

/// Claims the invitation and makes the joiner a member, in one transaction.
async fn join(
    db: &Db,
    found: Found,
    joiner: Joiner,
    link: Option<&crate::identity::google::Identity>,
    method: &str,
    meta: &RequestMeta,
    now: DateTime<Utc>,
) -> Result<Principal> {
    let mut tx = db.begin().await?;
    if !repo::claim_invitation(&mut tx, found.id, now).await? {
        return Err(Error::Conflict(
            InvitationState::Accepted
                .refusal()
                .unwrap_or_default()
                .into(),
        ));
    }
    let new_account = matches!(joiner, Joiner::New { .. });
    let user_id = match joiner {
        Joiner::Existing(id) => id,
        Joiner::New {
            id,
            name,
            password_hash,
        } => {
            // A Google account with the invited address proves the mailbox; a password does
            // not (the link may have been copied by the inviter): that account is mailed a link.
            let proven = link.is_some().then_some(now);
            identity::insert_user(
                &mut tx,
                id,
                &found.email,
                &name,
                password_hash.as_deref(),
                proven,
                now,
            )
            .await?;
            if proven.is_none() {
                identity::proof::queue(&mut tx, id).await?;
            }
            id
        }
    };
    if let Some(identity) = link {
        crate::identity::google::accounts::insert_link(&mut tx, user_id, identity).await?;
    }
    if !repo::insert_membership_if_absent(&mut tx, found.company_id, user_id, &found.role, now)
        .await?
    {
        return Err(Error::Conflict(
            "You are already a member of this company. Sign in instead.".into(),
        ));
    }
    for store in found.store_ids.iter() {
        repo::grant_store_access_if_owned(&mut tx, found.company_id, user_id, *store).await?;
    }
    identity::touch_last_login(&mut tx, user_id, now).await?;
    let entry = |action, details| Entry {
        company_id: Some(found.company_id),
        actor_id: Some(user_id),
        action,
        target: Some(format!("invitation:{}", found.id)),
        details,
    };
    audit::record(
        &mut tx,
        meta,
        entry(
            Action::InvitationAccepted,
            serde_json::json!({ "email": found.email, "role": found.role, "new_account": new_account }),
        ),
    )
    .await?;
    audit::record(
        &mut tx,
        meta,
        entry(Action::Login, serde_json::json!({ "method": method })),
    )
    .await?;
    tx.commit().await?;
    identity::principal_for(db, user_id, Some(found.company_id))
        .await?
        .ok_or(Error::Forbidden)
}
