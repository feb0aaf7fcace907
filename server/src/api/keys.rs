//! Company API keys. A member with settings.manage makes one in Settings → API: a name, scopes
//! chosen from the permissions they hold, optionally one store and an expiry day. The key is
//! shown once, as `swk_<prefix>_<secret>`; only the SHA-256 of the whole key is kept, with the
//! prefix it is looked up by (and shown as, so a leaked key can be recognised and revoked).
//!
//! A 256-bit random secret needs no slow hash (nobody can guess it, and the lookup runs on
//! every call). A key acts for its creator: each call loads the creator's membership as it is
//! now and narrows its permissions to the key's scopes, so a member who leaves, is disabled or
//! loses a permission takes the key's power with them.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use rand::RngCore;
use secrecy::SecretString;
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::repo;
use crate::{
    access::{Permission, PermissionSet, Principal, RequestMeta},
    audit::{self, Action, Entry},
    crypto::constant_time_eq,
    identity, Db, Error, Result,
};

/// How every key starts (secret scanners can recognise ours).
pub const KEY_START: &str = "swk_";
/// Hex characters of the visible prefix and of the secret.
const PREFIX_LEN: usize = 12;
const SECRET_LEN: usize = 64;
/// Active keys a company may hold.
pub const MAX_ACTIVE: i64 = 50;
/// The longest life a key may be given.
pub const MAX_LIFE_DAYS: i64 = 2 * 366;
/// A key's last use is written at most this often (not on every call).
const TOUCH_EVERY: Duration = Duration::seconds(60);

/// A key as Settings → API lists it (never its secret).
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct KeyRow {
    pub id: Uuid,
    pub name: String,
    pub prefix: String,
    /// Permission keys separated by spaces.
    pub scopes: String,
    pub store_id: Option<Uuid>,
    pub store_name: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub creator_name: Option<String>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub last_used_ip: Option<String>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl KeyRow {
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| e > now)
    }
}

/// What the form asks for.
#[derive(Clone, Debug, Default)]
pub struct NewKey {
    pub name: String,
    /// Permission keys.
    pub scopes: Vec<String>,
    /// Empty: every store the creator sees.
    pub store: Option<String>,
    /// The last day the key works, in the company's time zone.
    pub expires_on: Option<NaiveDate>,
}

/// A key just made: the whole key, shown once.
pub struct Created {
    pub id: Uuid,
    pub prefix: String,
    pub key: SecretString,
}

impl Created {
    /// The whole key, for the one time it is shown.
    pub fn reveal(&self) -> &str {
        use secrecy::ExposeSecret;
        self.key.expose_secret()
    }
}

/// A new key's parts: the visible prefix and the whole key.
fn generate() -> (String, String) {
    let mut bytes = [0u8; PREFIX_LEN / 2 + SECRET_LEN / 2];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let prefix = format!("{KEY_START}{}", hex::encode(&bytes[..PREFIX_LEN / 2]));
    let key = format!("{prefix}_{}", hex::encode(&bytes[PREFIX_LEN / 2..]));
    (prefix, key)
}

fn digest(key: &str) -> Vec<u8> {
    Sha256::digest(key.as_bytes()).to_vec()
}

/// The prefix of a presented key when it has our shape (`swk_` + 12 hex, `_`, 64 hex).
pub fn prefix_of(presented: &str) -> Option<&str> {
    let rest = presented.strip_prefix(KEY_START)?;
    let (prefix, secret) = rest.split_once('_')?;
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    (hex(prefix, PREFIX_LEN) && hex(secret, SECRET_LEN))
        .then(|| &presented[..KEY_START.len() + PREFIX_LEN])
}

fn day_start(d: NaiveDate, tz: chrono_tz::Tz) -> DateTime<Utc> {
    let midnight = d.and_hms_opt(0, 0, 0).expect("midnight");
    tz.from_local_datetime(&midnight)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| midnight.and_utc())
}

/// Makes a key for the member's company; audited without its secret.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id))]
pub async fn create(db: &Db, p: &Principal, meta: &RequestMeta, new: &NewKey) -> Result<Created> {
    p.authorize(Permission::SettingsManage)?;
    let name = new.name.trim();
    if name.is_empty() {
        return Err(Error::validation("name", "Give the key a name."));
    }
    if name.chars().count() > 80 {
        return Err(Error::validation("name", "Use at most 80 characters."));
    }
    let mut scopes = Vec::new();
    for key in new
        .scopes
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        let perm = Permission::parse(key)
            .ok_or_else(|| Error::validation("scopes", "Choose scopes from the list."))?;
        if !p.permissions.contains(perm) {
            return Err(Error::validation(
                "scopes",
                format!("A key can only have permissions you hold; you do not hold {key}."),
            ));
        }
        scopes.push(perm);
    }
    if scopes.is_empty() {
        return Err(Error::validation("scopes", "Choose at least one scope."));
    }
    let scopes = PermissionSet::of(&scopes);
    let store_id = match new
        .store
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(s) => {
            let id = Uuid::parse_str(s).ok();
            let visible = match id {
                Some(id) => store_visible(db, p, id).await?,
                None => false,
            };
            if !visible {
                return Err(Error::validation("store", "Choose a store from the list."));
            }
            id
        }
    };
    let tz: chrono_tz::Tz = p.timezone.parse().unwrap_or(chrono_tz::UTC);
    let now = Utc::now();
    let today = now.with_timezone(&tz).date_naive();
    let expires_at = match new.expires_on {
        None => None,
        Some(d) if d < today => {
            return Err(Error::validation("expires", "Choose today or a later day."))
        }
        Some(d) if (d - today).num_days() > MAX_LIFE_DAYS => {
            return Err(Error::validation(
                "expires",
                "Choose a day within two years.",
            ))
        }
        Some(d) => d.succ_opt().map(|next| day_start(next, tz)),
    };
    let (prefix, key) = generate();
    let id = Uuid::now_v7();
    let mut tx = db.begin().await?;
    if repo::count_active(&mut tx, p.company_id, now).await? >= MAX_ACTIVE {
        return Err(Error::validation(
            "name",
            format!("A company can hold {MAX_ACTIVE} active keys; revoke one first."),
        ));
    }
    repo::insert(
        &mut tx,
        &repo::NewRow {
            id,
            company_id: p.company_id,
            created_by: p.user_id,
            name,
            prefix: &prefix,
            secret_hash: &digest(&key),
            scopes: &scopes.to_keys(),
            store_id,
            expires_at,
            created_at: now,
        },
    )
    .await?;
    audit::record(
        &mut tx,
        meta,
        Entry::by(
            p,
            Action::ApiKeyCreated,
            Some(prefix.clone()),
            serde_json::json!({
                "name": name,
                "scopes": scopes.to_keys(),
                "store_id": store_id,
                "expires_at": expires_at,
            }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(Created {
        id,
        prefix,
        key: SecretString::from(key),
    })
}

/// Makes a key for the member with this email in their first company (the command line's
/// `switchyard api-key`, for an operator's automation); the member must hold settings.manage,
/// as in Settings → API.
pub async fn create_for_member(
    db: &Db,
    email: &str,
    meta: &RequestMeta,
    new: &NewKey,
) -> Result<Created> {
    let email = email.trim().to_lowercase();
    let Some(user_id) = repo::user_by_email(db, &email).await? else {
        return Err(Error::validation(
            "email",
            format!("No member has the email {email}."),
        ));
    };
    let p = identity::principal_of_user(db, user_id)
        .await?
        .ok_or_else(|| Error::validation("email", format!("{email} is not an active member.")))?;
    create(db, &p, meta, new).await
}

/// The company's keys, newest first (revoked and expired ones too, marked).
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id))]
pub async fn list(db: &Db, p: &Principal) -> Result<Vec<KeyRow>> {
    p.authorize(Permission::SettingsManage)?;
    repo::list(db, p.company_id).await
}

/// Revokes a key of the member's company at once (its next call is refused); revoking a
/// revoked key changes nothing.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id, key_id = %id))]
pub async fn revoke(db: &Db, p: &Principal, meta: &RequestMeta, id: Uuid) -> Result<()> {
    p.authorize(Permission::SettingsManage)?;
    let mut tx = db.begin().await?;
    let Some(prefix) = repo::revoke(&mut tx, p.company_id, id, Utc::now()).await? else {
        // Another company's key, or none: NotFound; an already revoked one: nothing to do.
        return match repo::prefix_in_company(&mut tx, p.company_id, id).await? {
            Some(_) => Ok(()),
            None => Err(Error::NotFound),
        };
    };
    audit::record(
        &mut tx,
        meta,
        Entry::by(
            p,
            Action::ApiKeyRevoked,
            Some(prefix),
            serde_json::json!({}),
        ),
    )
    .await?;
    tx.commit().await
}

/// Whether the member may see the store (their company's, and granted unless they see all).
pub async fn store_visible(db: &Db, p: &Principal, store_id: Uuid) -> Result<bool> {
    let stores = crate::team::stores::visible(db, p).await?;
    Ok(stores.iter().any(|s| s.id == store_id))
}

/// Who an API call acts for.
#[derive(Clone, Debug)]
pub struct Caller {
    /// The key's creator as they are now, with permissions narrowed to the key's scopes.
    pub principal: Principal,
    pub key_id: Uuid,
    pub prefix: String,
    /// The one store the key may touch, when it has one.
    pub store_id: Option<Uuid>,
}

/// Why a presented key was refused (every one is a 401).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not a key of ours, or no such key.
    Unknown,
    /// The prefix is a key's but the secret is not.
    WrongSecret,
    Revoked,
    Expired,
    /// The member who made it left the company, was disabled, or the company was.
    CreatorGone,
}

impl Refusal {
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::Unknown => "unknown",
            Refusal::WrongSecret => "wrong_secret",
            Refusal::Revoked => "revoked",
            Refusal::Expired => "expired",
            Refusal::CreatorGone => "creator_gone",
        }
    }

    /// What the caller is told.
    pub fn detail(self) -> &'static str {
        match self {
            Refusal::Unknown | Refusal::WrongSecret => "The API key is not valid.",
            Refusal::Revoked => "The API key was revoked.",
            Refusal::Expired => "The API key has expired.",
            Refusal::CreatorGone => {
                "The member who made this API key can no longer act for the company."
            }
        }
    }
}

/// The key a refusal concerns, when it is one of ours: its company, maker and prefix.
#[derive(Clone, Debug)]
pub struct KeyRef {
    company_id: Uuid,
    created_by: Uuid,
    prefix: String,
}

/// The caller a presented key stands for, or why it is refused (with the key, when it is one
/// of ours, for [`record_refusal`]: the caller audits it once the address's limit allows).
#[tracing::instrument(skip_all)]
pub async fn authenticate(
    db: &Db,
    presented: &str,
    meta: &RequestMeta,
) -> Result<std::result::Result<Caller, (Refusal, Option<KeyRef>)>> {
    let Some(prefix) = prefix_of(presented) else {
        return Ok(Err((Refusal::Unknown, None)));
    };
    let Some(row) = repo::by_prefix(db, prefix).await? else {
        return Ok(Err((Refusal::Unknown, None)));
    };
    let now = Utc::now();
    let refusal = if !constant_time_eq(&digest(presented), &row.secret_hash) {
        Some(Refusal::WrongSecret)
    } else if row.revoked_at.is_some() {
        Some(Refusal::Revoked)
    } else if row.expires_at.is_some_and(|e| e <= now) {
        Some(Refusal::Expired)
    } else {
        None
    };
    let principal = match refusal {
        Some(_) => None,
        None => identity::load_principal(db, row.created_by, row.company_id).await?,
    };
    let Some(mut principal) = principal else {
        let key = KeyRef {
            company_id: row.company_id,
            created_by: row.created_by,
            prefix: row.prefix.clone(),
        };
        return Ok(Err((refusal.unwrap_or(Refusal::CreatorGone), Some(key))));
    };
    principal.all_stores = Some(principal.sees_all_stores());
    principal.permissions = principal
        .permissions
        .intersect(PermissionSet::from_keys(&row.scopes));
    principal.is_super_admin = false;
    let stale = row.last_used_at.is_none_or(|t| now - t >= TOUCH_EVERY);
    if stale || row.last_used_ip.as_deref() != meta.ip.as_deref() {
        let mut tx = db.begin().await?;
        repo::touch(&mut tx, row.id, now, meta.ip.as_deref()).await?;
        tx.commit().await?;
    }
    Ok(Ok(Caller {
        principal,
        key_id: row.id,
        prefix: row.prefix,
        store_id: row.store_id,
    }))
}

/// Audits a refused call of one of our keys in its company.
pub async fn record_refusal(
    db: &Db,
    meta: &RequestMeta,
    key: &KeyRef,
    refusal: Refusal,
) -> Result<()> {
    refused(
        db,
        meta,
        (key.company_id, key.created_by, &key.prefix),
        refusal.reason(),
        None,
    )
    .await
}

/// Records a refused call of an existing key (its company, creator and prefix) in its
/// company's audit log.
async fn refused(
    db: &Db,
    meta: &RequestMeta,
    (company_id, created_by, prefix): (Uuid, Uuid, &str),
    reason: &str,
    needed: Option<Permission>,
) -> Result<()> {
    audit::record_alone(
        db,
        meta,
        Entry {
            company_id: Some(company_id),
            actor_id: Some(created_by),
            action: Action::ApiKeyRefused,
            target: Some(prefix.to_string()),
            details: serde_json::json!({
                "reason": reason,
                "needed": needed.map(Permission::key),
            }),
        },
    )
    .await
}

impl Caller {
    /// Refuses (403) unless the key may do `needed`; a refusal is audited.
    pub async fn require(&self, db: &Db, meta: &RequestMeta, needed: Permission) -> Result<()> {
        if self.principal.permissions.contains(needed) {
            return Ok(());
        }
        let key = (
            self.principal.company_id,
            self.principal.user_id,
            self.prefix.as_str(),
        );
        refused(db, meta, key, "scope", Some(needed)).await?;
        Err(Error::Forbidden)
    }

    /// Refuses (403) a key limited to one store: what it asks for concerns every store.
    pub fn require_every_store(&self) -> Result<()> {
        match self.store_id {
            Some(_) => Err(Error::Forbidden),
            None => Ok(()),
        }
    }

    /// Refuses an order, analysis or figure of a store the key may not touch (NotFound, as
    /// for another company's).
    pub fn check_store(&self, store_id: Uuid) -> Result<()> {
        match self.store_id {
            Some(s) if s != store_id => Err(Error::NotFound),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_have_one_shape_and_their_prefix_is_found() {
        let (prefix, key) = generate();
        assert!(key.starts_with(&prefix));
        assert_eq!(key.len(), KEY_START.len() + PREFIX_LEN + 1 + SECRET_LEN);
        assert_eq!(prefix_of(&key), Some(prefix.as_str()));
        let (other, _) = generate();
        assert_ne!(prefix, other);
        for bad in [
            "",
            "swk_",
            &key[..key.len() - 1],
            &format!("{key}0"),
            &key.replacen("swk_", "sk_", 1),
            &key.replace('_', "-"),
            &format!("{}g", &key[..key.len() - 1]),
        ] {
            assert_eq!(prefix_of(bad), None, "{bad}");
        }
    }
}
