//! Connecting ad accounts (Settings → Ad accounts, campaigns.manage): a person gives consent
//! on the platform's own page (Meta's login for business with ads_management, ads_read and
//! business_management; TikTok's advertiser authorisation), comes back with a code, and the
//! code becomes a token, sealed with APP_SECRET_KEY and shown only by its last characters. The
//! consent's `state` is bound to the browser's session and to the person who started it, works
//! once and for ten minutes. The ad accounts the token reaches are listed; those chosen for
//! import are synced. Disconnecting revokes the token at the platform and deletes it, with the
//! accounts' campaigns and figures.

use chrono::{DateTime, Duration, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{
    config::{AdsApp, CampaignsConfig},
    meta_api::{self, MetaApi},
    metrics::Platform,
    platform::{self, ApiError, RemoteAccount},
    repo, sync, tiktok_api,
};
use crate::{
    access::{Permission, Principal},
    audit::{Action, RequestMeta},
    crypto, Db, Error, Result,
};

/// How long a consent may take, from leaving for the platform to coming back.
pub const PENDING_SECS: i64 = 600;
/// The permissions asked of Meta.
pub const META_SCOPES: &str = "ads_management,ads_read,business_management";

/// A consent under way: kept in the browser's session until the platform sends the person back.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Pending {
    pub state: String,
    pub platform: String,
    pub company_id: Uuid,
    pub user_id: Uuid,
    pub expires: i64,
}

/// What the platform sends back to the redirect address.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Callback {
    /// Meta's `code`.
    pub code: Option<String>,
    /// TikTok's `auth_code`.
    pub auth_code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

fn app(config: &CampaignsConfig, platform: Platform) -> Result<&AdsApp> {
    let (app, vars) = match platform {
        Platform::Meta => (&config.meta_app, "META_APP_ID and META_APP_SECRET"),
        Platform::TikTok => (&config.tiktok_app, "TIKTOK_APP_ID and TIKTOK_APP_SECRET"),
    };
    app.as_ref().ok_or_else(|| {
        Error::Unavailable(format!(
            "{} accounts cannot be connected on this installation yet: its administrator sets {vars}.",
            platform::name(platform)
        ))
    })
}

fn random_state() -> String {
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Where to send the person for consent, and what to keep in their session meanwhile.
pub fn begin(
    config: &CampaignsConfig,
    p: &Principal,
    platform: Platform,
    redirect_uri: &url::Url,
) -> Result<(url::Url, Pending)> {
    p.authorize(Permission::CampaignsManage)?;
    let app = app(config, platform)?;
    let state = random_state();
    let mut url = match platform {
        Platform::Meta => config
            .meta_dialog_base
            .join(&format!("{}/dialog/oauth", config.meta_api_version)),
        Platform::TikTok => config.tiktok_api_base.join("portal/auth"),
    }
    .map_err(|e| Error::Internal(e.into()))?;
    {
        let mut q = url.query_pairs_mut();
        match platform {
            Platform::Meta => {
                q.append_pair("client_id", &app.id)
                    .append_pair("response_type", "code")
                    .append_pair("scope", META_SCOPES);
            }
            Platform::TikTok => {
                q.append_pair("app_id", &app.id);
            }
        }
        q.append_pair("redirect_uri", redirect_uri.as_str())
            .append_pair("state", &state);
    }
    Ok((
        url,
        Pending {
            state,
            platform: platform::code(platform).to_string(),
            company_id: p.company_id,
            user_id: p.user_id,
            expires: Utc::now().timestamp() + PENDING_SECS,
        },
    ))
}

/// What a finished consent connected.
#[derive(Clone, Debug)]
pub struct Connected {
    pub connection_id: Uuid,
    pub platform: Platform,
    pub name: String,
    pub accounts: usize,
}

const START_AGAIN: &str = "This connection did not start here, was already used, or has expired. Start again from Settings → Ad accounts.";

/// An API failure during consent, as the person reads it.
fn consent_error(e: ApiError) -> Error {
    if e.is_transient() {
        Error::Unavailable(e.to_string())
    } else {
        Error::validation("consent", e.to_string())
    }
}

/// A person back from the platform's consent page.
pub struct Return<'a> {
    /// What `begin` answered, taken from the session by the caller (so it works once); None
    /// when the session holds none.
    pub pending: Option<&'a Pending>,
    pub callback: &'a Callback,
    /// The redirect address `begin` was given (Meta checks they match).
    pub redirect_uri: &'a url::Url,
}

/// Completes a consent: checks the state against the session's pending consent, exchanges the
/// code for a token, reads who it belongs to and the accounts it reaches, and saves them (new
/// accounts not imported yet).
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id), err(level = "info"))]
pub async fn finish(
    db: &Db,
    app_key: &SecretString,
    config: &CampaignsConfig,
    p: &Principal,
    meta: &RequestMeta,
    back: Return<'_>,
) -> Result<Connected> {
    p.authorize(Permission::CampaignsManage)?;
    let Return {
        pending,
        callback,
        redirect_uri,
    } = back;
    let pending = pending
        .filter(|w| w.company_id == p.company_id && w.user_id == p.user_id)
        .ok_or_else(|| Error::validation("state", START_AGAIN))?;
    let got = callback.state.as_deref().unwrap_or_default();
    if pending.expires < Utc::now().timestamp()
        || !crate::crypto::constant_time_eq(got.as_bytes(), pending.state.as_bytes())
    {
        return Err(Error::validation("state", START_AGAIN));
    }
    let platform = platform::from_code(&pending.platform)
        .ok_or_else(|| Error::validation("state", START_AGAIN))?;
    let name = platform::name(platform);
    if let Some(error) = &callback.error {
        let message = if error == "access_denied" {
            format!("The consent was declined on {name}: nothing was connected.")
        } else {
            let said: String = callback
                .error_description
                .as_deref()
                .unwrap_or(error)
                .chars()
                .take(300)
                .collect();
            format!("{name} did not give consent ({said}): nothing was connected.")
        };
        return Err(Error::validation("consent", message));
    }
    let code = callback
        .code
        .as_deref()
        .or(callback.auth_code.as_deref())
        .map(str::trim)
        .filter(|c| !c.is_empty() && c.len() <= 2048)
        .ok_or_else(|| {
            Error::validation(
                "consent",
                format!("{name} sent no authorisation code: nothing was connected. Start again."),
            )
        })?;
    let app = app(config, platform)?;
    let grant = match platform {
        Platform::Meta => {
            let granted = meta_api::exchange_code(config, app, code, redirect_uri.as_str())
                .await
                .map_err(consent_error)?;
            let api = MetaApi::new(config, granted.token.clone()).map_err(consent_error)?;
            let (id, person) = api.me().await.map_err(consent_error)?;
            let accounts = api.ad_accounts().await.map_err(consent_error)?;
            Grant {
                platform,
                token: granted.token,
                expires_in: granted.expires_in,
                external_user: id,
                display_name: person,
                accounts,
            }
        }
        Platform::TikTok => {
            let (token, advertisers) = tiktok_api::exchange_code(config, app, code)
                .await
                .map_err(consent_error)?;
            let api = tiktok_api::TikTokApi::new(config, token.clone()).map_err(consent_error)?;
            let accounts = api.advertisers(&advertisers).await.map_err(consent_error)?;
            // TikTok names no person: the advertisers reached stand for the consent.
            let mut ids = advertisers.clone();
            ids.sort();
            let digest = hex::encode(Sha256::digest(ids.join(",").as_bytes()));
            let label = match accounts.first() {
                Some(a) if accounts.len() == 1 => a.name.clone(),
                _ => format!("{} advertisers", accounts.len()),
            };
            Grant {
                platform,
                token,
                expires_in: None,
                external_user: format!("advertisers:{}", &digest[..16]),
                display_name: label,
                accounts,
            }
        }
    };
    save(db, app_key, p, meta, grant).await
}

/// What a consent gave: a token, whose it is and the accounts it reaches.
struct Grant {
    platform: Platform,
    token: SecretString,
    expires_in: Option<std::time::Duration>,
    external_user: String,
    display_name: String,
    accounts: Vec<RemoteAccount>,
}

async fn save(
    db: &Db,
    app_key: &SecretString,
    p: &Principal,
    meta: &RequestMeta,
    grant: Grant,
) -> Result<Connected> {
    let Grant {
        platform,
        token,
        expires_in,
        external_user,
        display_name,
        accounts,
    } = grant;
    let now = Utc::now();
    let plain = token.expose_secret();
    let sealed = crypto::seal(app_key, plain.as_bytes())?;
    let hint = format!("…{}", &plain[plain.len().saturating_sub(4)..]);
    let expires_at = expires_in
        .and_then(|d| Duration::from_std(d).ok())
        .map(|d| now + d);
    let mut tx = db.begin().await?;
    let id = repo::save_connection(
        &mut tx,
        &repo::NewConnection {
            company_id: p.company_id,
            platform: platform::code(platform),
            external_user: &external_user,
            display_name: &display_name,
            sealed_token: &sealed,
            token_hint: &hint,
            token_expires_at: expires_at,
            connected_by: p.user_id,
        },
        &accounts,
        now,
    )
    .await?;
    super::audited(
        &mut tx,
        meta,
        p,
        Action::AdAccountConnected,
        Some(id.to_string()),
        serde_json::json!({
            "platform": platform::code(platform),
            "name": display_name,
            "accounts": accounts.iter().map(|a| &a.external_id).collect::<Vec<_>>(),
            "token": hint,
            "expires_at": expires_at,
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(Connected {
        connection_id: id,
        platform,
        accounts: accounts.len(),
        name: display_name,
    })
}

/// The company's ad accounts, with their connection and sync.
pub async fn accounts(db: &Db, p: &Principal) -> Result<Vec<repo::AccountRow>> {
    p.authorize(Permission::CampaignsManage)?;
    repo::accounts(db, p.company_id).await
}

/// Chooses which accounts are imported; an account newly imported gets its first sync at once.
/// An id not of the company's accounts changes nothing and is NotFound.
pub async fn choose_imports(
    db: &Db,
    p: &Principal,
    meta: &RequestMeta,
    imported: &[Uuid],
) -> Result<usize> {
    p.authorize(Permission::CampaignsManage)?;
    let all = repo::accounts(db, p.company_id).await?;
    if imported.iter().any(|id| !all.iter().any(|a| a.id == *id)) {
        return Err(Error::NotFound);
    }
    let mut tx = db.begin().await?;
    let mut started = 0;
    for a in &all {
        let wanted = imported.contains(&a.id);
        if wanted == a.imported {
            continue;
        }
        repo::set_imported(&mut tx, p.company_id, a.id, wanted).await?;
        if wanted && sync::queue(&mut tx, p.company_id, a.id).await? {
            started += 1;
        }
    }
    super::audited(&mut tx, meta, p, Action::AdAccountsImported, None, serde_json::json!({
                "imported": all.iter().filter(|a| imported.contains(&a.id)).map(|a| &a.external_id).collect::<Vec<_>>(),
            })).await?;
    tx.commit().await?;
    Ok(started)
}

/// Imports one account (its first sync starts at once) or stops importing it, leaving the
/// others as they are; answers the account's name.
pub async fn set_import(
    db: &Db,
    p: &Principal,
    meta: &RequestMeta,
    account_id: Uuid,
    imported: bool,
) -> Result<String> {
    p.authorize(Permission::CampaignsManage)?;
    let all = repo::accounts(db, p.company_id).await?;
    let name = all
        .iter()
        .find(|a| a.id == account_id)
        .map(|a| a.name.clone())
        .ok_or(Error::NotFound)?;
    let chosen: Vec<Uuid> = all
        .iter()
        .filter(|a| {
            if a.id == account_id {
                imported
            } else {
                a.imported
            }
        })
        .map(|a| a.id)
        .collect();
    choose_imports(db, p, meta, &chosen).await?;
    Ok(name)
}

/// Queues a pass of an imported account now ("Sync now"); false when one is already queued or
/// running, so a double click reads the account once.
pub async fn sync_now(db: &Db, p: &Principal, account_id: Uuid) -> Result<bool> {
    p.authorize(Permission::CampaignsManage)?;
    let all = repo::accounts(db, p.company_id).await?;
    let a = all
        .iter()
        .find(|a| a.id == account_id)
        .ok_or(Error::NotFound)?;
    if !a.imported {
        return Err(Error::Conflict(format!(
            "{} is not imported: choose it for import first.",
            a.name
        )));
    }
    if a.connection_status != "active" {
        return Err(Error::Conflict(format!(
            "{} no longer accepts this connection: connect it again first.",
            platform::from_code(&a.platform).map_or("The platform", platform::name)
        )));
    }
    let mut tx = db.begin().await?;
    let queued = sync::queue(&mut tx, p.company_id, account_id).await?;
    tx.commit().await?;
    Ok(queued)
}

/// Disconnects: the token is revoked at the platform (a platform that cannot be reached does
/// not keep it here: it is deleted all the same, and the audit entry says so), then deleted
/// with the connection's accounts, campaigns and figures.
pub async fn disconnect(
    db: &Db,
    app_key: &SecretString,
    config: &CampaignsConfig,
    p: &Principal,
    meta: &RequestMeta,
    connection_id: Uuid,
) -> Result<()> {
    p.authorize(Permission::CampaignsManage)?;
    let (code, sealed, external_user) = repo::connection(db, p.company_id, connection_id)
        .await?
        .ok_or(Error::NotFound)?;
    let platform = platform::from_code(&code).ok_or(Error::NotFound)?;
    let token = sync::token(app_key, &sealed)?;
    // Revoking takes back the person's whole consent to the app: when another company's
    // connection rests on it too (an agency connecting several clients), it is only deleted
    // here.
    let shared = repo::consent_shared(db, connection_id, &code, &external_user).await?;
    let revoked = match platform {
        _ if shared => Err(ApiError::Refused {
            platform: platform::name(platform),
            message: "not revoked: another connection uses the same consent".into(),
        }),
        Platform::Meta => match MetaApi::new(config, token) {
            Ok(api) => api.revoke().await,
            Err(e) => Err(e),
        },
        Platform::TikTok => match app(config, platform) {
            Ok(app) => tiktok_api::revoke(config, app, &token).await,
            Err(_) => Err(ApiError::Refused {
                platform: "TikTok",
                message: "the app is not configured".into(),
            }),
        },
    };
    if let Err(e) = &revoked {
        tracing::warn!(error = %e, %connection_id, "ad platform token not revoked; deleted here all the same");
    }
    let mut tx = db.begin().await?;
    if !repo::delete_connection(&mut tx, p.company_id, connection_id).await? {
        return Err(Error::NotFound);
    }
    super::audited(
        &mut tx,
        meta,
        p,
        Action::AdAccountDisconnected,
        Some(connection_id.to_string()),
        serde_json::json!({
            "platform": platform::code(platform),
            "revoked": revoked.is_ok(),
            "revoke_error": revoked.err().map(|e| e.to_string()),
        }),
    )
    .await?;
    tx.commit().await
}

/// How long before a token expires its connecting person is reminded.
pub const REMIND_BEFORE: Duration = Duration::days(7);

/// Reminds the people who connected accounts whose tokens expire within [`REMIND_BEFORE`]
/// (once per token, by email through the outbox), and marks the connections whose token has
/// expired as needing a reconnect (the `campaigns.token-expiry` job). Answers the reminders
/// sent.
pub async fn remind_expiring(db: &Db, public_url: &url::Url, now: DateTime<Utc>) -> Result<usize> {
    let expired = repo::expire_tokens(db, now).await?;
    if expired > 0 {
        tracing::info!(
            expired,
            "ad connections whose token expired marked for reconnecting"
        );
    }
    let link = format!(
        "{}/settings/ad-accounts",
        public_url.as_str().trim_end_matches('/')
    );
    let mut sent = 0;
    for c in repo::expiring(db, now + REMIND_BEFORE).await? {
        let to = match c.connected_by {
            Some(user) => repo::member_email(db, c.company_id, user).await?,
            None => None,
        };
        let mut tx = db.begin().await?;
        if !repo::mark_reminded(&mut tx, c.id, now).await? {
            continue;
        }
        if let Some(to) = to {
            let name = platform::from_code(&c.platform).map_or("The ad platform", platform::name);
            crate::mail::enqueue(
                &mut tx,
                Some(c.company_id),
                crate::mail::Message {
                    kind: "ad_token_expiring",
                    to,
                    subject: format!("{name}: connect “{}” again before {}", c.display_name, c.token_expires_at.format("%-d %B")),
                    body: format!(
                        "The {name} connection “{}” stops working on {} (its access token expires). \
                         Connect it again before then so campaigns keep syncing:\n\n{link}\n",
                        c.display_name,
                        c.token_expires_at.format("%-d %B %Y, %H:%M UTC")
                    ),
                },
            )
            .await?;
            sent += 1;
        }
        tx.commit().await?;
    }
    Ok(sent)
}
