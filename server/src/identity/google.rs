//! Google sign-in: the OpenID Connect authorization code flow with PKCE S256, state and nonce.
//!
//! `Google::begin` builds the provider's authorization URL and the `Pending` facts that the
//! callback needs (kept sealed in a short-lived cookie by the HTTP layer). `Google::finish`
//! checks the state, trades the code for tokens with the `oauth2` crate and verifies the
//! id_token against the provider's JWKS (cached; fetched again for an unknown key id): signature,
//! `iss`, `aud`, `exp`, `nonce` and `email_verified`. What an identity may then do — sign in,
//! be linked, accept an invitation — is in `accounts` below; accounts are matched on issuer +
//! subject, never on email.

use std::time::{Duration, Instant};

use chrono::Utc;
use jsonwebtoken::{jwk::JwkSet, Algorithm, DecodingKey, Validation};
use oauth2::{
    basic::{
        BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
        BasicTokenType,
    },
    AuthUrl, AuthorizationCode, Client, ClientId, ClientSecret, CsrfToken, EndpointNotSet,
    EndpointSet, ExtraTokenFields, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl,
    RequestTokenError, Scope, StandardRevocableToken, StandardTokenResponse, TokenUrl,
};
use rand::RngCore;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use tokio::sync::RwLock;
use url::Url;
use uuid::Uuid;

use crate::config::GoogleConfig;

/// How long a started sign-in may take before its state is refused.
pub const PENDING_SECS: i64 = 600;
/// Discovery and keys are kept this long before being fetched again.
const CACHE_FOR: Duration = Duration::from_secs(3600);
/// An unknown key id fetches the keys again at most this often.
const REFETCH_AFTER: Duration = Duration::from_secs(60);
/// Clock skew allowed on `exp`/`iat`.
const LEEWAY_SECS: u64 = 60;

/// What the sign-in was started for.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Intent {
    SignIn,
    /// Link the Google account to this signed-in user (from Settings → Security).
    Link {
        user_id: Uuid,
        company_id: Uuid,
    },
    /// Accept the invitation with this token.
    Invite {
        token: String,
    },
}

/// The facts the callback checks, kept sealed in a cookie between `begin` and `finish`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Pending {
    pub state: String,
    pub verifier: String,
    pub nonce: String,
    pub intent: Intent,
    /// Where to go after signing in (already checked to be a local path).
    pub next: String,
    /// Unix time after which the state is refused.
    pub expires: i64,
}

/// A Google account whose id_token passed every check.
#[derive(Clone, Debug)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
    /// Lower-cased; verified by the provider.
    pub email: String,
    pub name: Option<String>,
}

/// Why a Google sign-in was refused: a stable reason for the audit log and a message for people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub reason: &'static str,
    pub message: String,
}

impl Refusal {
    pub fn new(reason: &'static str, message: impl Into<String>) -> Self {
        Self {
            reason,
            message: message.into(),
        }
    }
}

const TRY_AGAIN: &str = "Google sign-in could not be completed. Please try again.";

fn unverifiable(reason: &'static str) -> Refusal {
    Refusal::new(
        reason,
        "Google's answer could not be verified, so nobody was signed in. Please try again.",
    )
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct IdTokenField {
    #[serde(default)]
    pub id_token: Option<String>,
}
impl ExtraTokenFields for IdTokenField {}

type OidcClient = Client<
    BasicErrorResponse,
    StandardTokenResponse<IdTokenField, BasicTokenType>,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: Url,
    token_endpoint: Url,
    jwks_uri: Url,
}

struct Provider {
    authorization_endpoint: Url,
    token_endpoint: Url,
    jwks_uri: Url,
    keys: JwkSet,
    discovered_at: Instant,
    keys_at: Instant,
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
    nonce: Option<String>,
    email: Option<String>,
    #[serde(default, deserialize_with = "lenient_bool")]
    email_verified: bool,
    name: Option<String>,
}

/// Google has sent `email_verified` both as a boolean and as the string "true".
fn lenient_bool<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Bool(b) => b,
        serde_json::Value::String(s) => s == "true",
        _ => false,
    })
}

/// The Google (OpenID Connect) client, shared by every request.
pub struct Google {
    client_id: String,
    client_secret: secrecy::SecretString,
    /// The configured issuer without a trailing slash, as it appears in `iss`.
    issuer: String,
    redirect_uri: Url,
    http: reqwest::Client,
    provider: RwLock<Option<Provider>>,
}

impl std::fmt::Debug for Google {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Google")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

fn random_token() -> String {
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

impl Google {
    pub fn new(cfg: &GoogleConfig, public_url: &Url) -> Self {
        let http = reqwest::Client::builder()
            // The token endpoint must not be able to bounce us elsewhere (SSRF).
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .user_agent("Switchyard")
            .build()
            .expect("an HTTP client with rustls");
        Self {
            client_id: cfg.client_id.clone(),
            client_secret: cfg.client_secret.clone(),
            issuer: cfg.issuer.as_str().trim_end_matches('/').to_string(),
            redirect_uri: public_url
                .join("/auth/google/callback")
                .expect("a callback URL under PUBLIC_URL"),
            http,
            provider: RwLock::new(None),
        }
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Whether `iss` names our issuer (Google also writes its issuer without the scheme).
    fn issuer_matches(&self, iss: &str) -> bool {
        iss == self.issuer
            || (self.issuer == "https://accounts.google.com" && iss == "accounts.google.com")
    }

    async fn fetch_json<T: serde::de::DeserializeOwned>(&self, url: Url) -> Result<T, String> {
        let res = self
            .http
            .get(url.clone())
            .send()
            .await
            .map_err(|e| format!("{url}: {e}"))?;
        if !res.status().is_success() {
            return Err(format!("{url}: HTTP {}", res.status()));
        }
        res.json::<T>().await.map_err(|e| format!("{url}: {e}"))
    }

    async fn discover(&self) -> Result<Provider, String> {
        let url = Url::parse(&format!("{}/.well-known/openid-configuration", self.issuer))
            .map_err(|e| e.to_string())?;
        let d: Discovery = self.fetch_json(url).await?;
        if !self.issuer_matches(d.issuer.trim_end_matches('/')) {
            return Err(format!(
                "the discovery document names issuer {} instead of {}",
                d.issuer, self.issuer
            ));
        }
        let keys: JwkSet = self.fetch_json(d.jwks_uri.clone()).await?;
        let now = Instant::now();
        Ok(Provider {
            authorization_endpoint: d.authorization_endpoint,
            token_endpoint: d.token_endpoint,
            jwks_uri: d.jwks_uri,
            keys,
            discovered_at: now,
            keys_at: now,
        })
    }

    /// The provider's endpoints, discovered once and kept for an hour.
    async fn endpoints(&self) -> Result<(Url, Url), Refusal> {
        if let Some(p) = self.provider.read().await.as_ref() {
            if p.discovered_at.elapsed() < CACHE_FOR {
                return Ok((p.authorization_endpoint.clone(), p.token_endpoint.clone()));
            }
        }
        let fresh = self.discover().await.map_err(|e| {
            tracing::warn!(error = %e, "Google discovery failed");
            Refusal::new(
                "provider_unavailable",
                "Google sign-in is unavailable right now. Please try again in a moment.",
            )
        })?;
        let out = (
            fresh.authorization_endpoint.clone(),
            fresh.token_endpoint.clone(),
        );
        *self.provider.write().await = Some(fresh);
        Ok(out)
    }

    /// The key for `kid`, fetching the key set again when the id is unknown (keys rotate).
    async fn key_for(&self, kid: Option<&str>) -> Result<DecodingKey, Refusal> {
        let find = |keys: &JwkSet| -> Option<DecodingKey> {
            let jwk = match kid {
                Some(kid) => keys.find(kid)?,
                None if keys.keys.len() == 1 => &keys.keys[0],
                None => return None,
            };
            DecodingKey::from_jwk(jwk).ok()
        };
        let jwks_uri = {
            let guard = self.provider.read().await;
            let p = guard.as_ref().ok_or_else(|| unverifiable("no_keys"))?;
            if let Some(key) = find(&p.keys).filter(|_| p.keys_at.elapsed() < CACHE_FOR) {
                return Ok(key);
            }
            if p.keys_at.elapsed() < REFETCH_AFTER {
                return Err(unverifiable("unknown_key"));
            }
            p.jwks_uri.clone()
        };
        let keys: JwkSet = self.fetch_json(jwks_uri).await.map_err(|e| {
            tracing::warn!(error = %e, "Google keys could not be fetched");
            unverifiable("no_keys")
        })?;
        let key = find(&keys);
        if let Some(p) = self.provider.write().await.as_mut() {
            p.keys = keys;
            p.keys_at = Instant::now();
        }
        key.ok_or_else(|| unverifiable("unknown_key"))
    }

    fn client(&self, auth: Url, token: Url) -> OidcClient {
        Client::new(ClientId::new(self.client_id.clone()))
            .set_client_secret(ClientSecret::new(
                self.client_secret.expose_secret().to_string(),
            ))
            .set_auth_uri(AuthUrl::from_url(auth))
            .set_token_uri(TokenUrl::from_url(token))
            .set_redirect_uri(RedirectUrl::from_url(self.redirect_uri.clone()))
    }

    /// Starts a sign-in: the URL to send the browser to and what the callback must check.
    #[tracing::instrument(skip_all)]
    pub async fn begin(&self, intent: Intent, next: String) -> Result<(Url, Pending), Refusal> {
        let (auth, token) = self.endpoints().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let nonce = random_token();
        let (url, state) = self
            .client(auth, token)
            .authorize_url(|| CsrfToken::new(random_token()))
            .add_scope(Scope::new("openid".into()))
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("profile".into()))
            .add_extra_param("nonce", &nonce)
            .add_extra_param("prompt", "select_account")
            .set_pkce_challenge(challenge)
            .url();
        Ok((
            url,
            Pending {
                state: state.secret().clone(),
                verifier: verifier.secret().clone(),
                nonce,
                intent,
                next,
                expires: Utc::now().timestamp() + PENDING_SECS,
            },
        ))
    }

    /// Completes a sign-in from the provider's redirect back. `pending` is what `begin` gave
    /// (None when the cookie is missing or could not be opened).
    #[tracing::instrument(skip_all)]
    pub async fn finish(
        &self,
        pending: Option<&Pending>,
        callback: &Callback,
    ) -> Result<Identity, Refusal> {
        let pending = pending.ok_or_else(|| {
            Refusal::new(
                "state_unknown",
                "This Google sign-in did not start here or has expired. Please start again.",
            )
        })?;
        if pending.expires < Utc::now().timestamp() {
            return Err(Refusal::new(
                "state_expired",
                "This Google sign-in took too long and has expired. Please start again.",
            ));
        }
        let state = callback.state.as_deref().unwrap_or_default();
        if !crate::crypto::constant_time_eq(state.as_bytes(), pending.state.as_bytes()) {
            return Err(Refusal::new(
                "state_mismatch",
                "This Google sign-in does not match the one started in this browser. Please start again.",
            ));
        }
        if let Some(error) = &callback.error {
            return Err(if error == "access_denied" {
                Refusal::new("cancelled", "Google sign-in was cancelled.")
            } else {
                Refusal::new("provider_error", TRY_AGAIN)
            });
        }
        let code = callback
            .code
            .as_deref()
            .filter(|c| !c.is_empty())
            .ok_or_else(|| Refusal::new("no_code", TRY_AGAIN))?;

        let (auth, token_url) = self.endpoints().await?;
        let tokens = self
            .client(auth, token_url)
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .set_pkce_verifier(PkceCodeVerifier::new(pending.verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|e| match e {
                RequestTokenError::ServerResponse(r) => {
                    tracing::info!(error = %r.error(), "Google refused the code");
                    Refusal::new(
                        "code_rejected",
                        "Google did not accept this sign-in (the code was already used or has expired). Please start again.",
                    )
                }
                other => {
                    tracing::warn!(error = %other, "Google token request failed");
                    Refusal::new(
                        "provider_unavailable",
                        "Google sign-in is unavailable right now. Please try again in a moment.",
                    )
                }
            })?;
        let id_token = tokens
            .extra_fields()
            .id_token
            .clone()
            .ok_or_else(|| unverifiable("no_id_token"))?;
        self.verify(&id_token, &pending.nonce).await
    }

    /// Checks an id_token: RS256 signature by a key of the provider, issuer, audience, expiry,
    /// nonce, and a verified email.
    #[tracing::instrument(skip_all)]
    pub async fn verify(&self, id_token: &str, nonce: &str) -> Result<Identity, Refusal> {
        let header =
            jsonwebtoken::decode_header(id_token).map_err(|_| unverifiable("malformed"))?;
        if header.alg != Algorithm::RS256 {
            return Err(unverifiable("algorithm"));
        }
        let key = self.key_for(header.kid.as_deref()).await?;
        let mut v = Validation::new(Algorithm::RS256);
        v.leeway = LEEWAY_SECS;
        v.set_audience(&[self.client_id.as_str()]);
        let mut issuers = vec![self.issuer.clone()];
        if self.issuer == "https://accounts.google.com" {
            issuers.push("accounts.google.com".into());
        }
        v.set_issuer(&issuers);
        v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let data = jsonwebtoken::decode::<Claims>(id_token, &key, &v).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind as K;
            match e.kind() {
                K::ExpiredSignature => Refusal::new(
                    "expired",
                    "Google's answer had already expired, so nobody was signed in. Please start again.",
                ),
                K::InvalidIssuer => unverifiable("wrong_issuer"),
                K::InvalidAudience => unverifiable("wrong_audience"),
                K::InvalidSignature => unverifiable("bad_signature"),
                _ => unverifiable("invalid_token"),
            }
        })?;
        let claims = data.claims;
        let nonce_ok = claims
            .nonce
            .as_deref()
            .is_some_and(|n| crate::crypto::constant_time_eq(n.as_bytes(), nonce.as_bytes()));
        if !nonce_ok {
            return Err(unverifiable("nonce_mismatch"));
        }
        let email = claims
            .email
            .as_deref()
            .and_then(|e| crate::email::Email::parse(e).ok())
            .ok_or_else(|| {
                Refusal::new(
                    "no_email",
                    "Your Google account did not share an email address, so it cannot be used here.",
                )
            })?;
        if !claims.email_verified {
            return Err(Refusal::new(
                "email_unverified",
                "The email address of this Google account is not verified. Verify it with Google first.",
            ));
        }
        if claims.sub.is_empty() || claims.sub.len() > 255 {
            return Err(unverifiable("bad_subject"));
        }
        Ok(Identity {
            issuer: self.issuer.clone(),
            subject: claims.sub,
            email: email.as_str().to_string(),
            name: claims
                .name
                .map(|n| n.trim().chars().take(100).collect::<String>())
                .filter(|n| !n.is_empty()),
        })
    }
}

/// The query of the provider's redirect back.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
}

pub mod accounts {
    //! What a verified Google identity may do with Switchyard accounts.

    use chrono::Utc;
    use uuid::Uuid;

    use super::{Identity, Refusal};
    use crate::{
        access::Principal,
        audit::{self, Action, Entry, RequestMeta},
        db::Tx,
        error::{Error, Result},
        identity::{self, repo, SignIn},
        Db,
    };

    /// The user linked to an identity.
    #[tracing::instrument(skip_all)]
    pub async fn user_of(db: &Db, issuer: &str, subject: &str) -> Result<Option<Uuid>> {
        repo::identity_user(db, issuer, subject).await
    }

    /// The email of the Google account linked to a user, if any.
    #[tracing::instrument(skip_all, fields(user_id = %user_id))]
    pub async fn linked_email(db: &Db, user_id: Uuid, issuer: &str) -> Result<Option<String>> {
        repo::identity_email(db, user_id, issuer).await
    }

    /// Links an identity to a user inside a transaction.
    #[tracing::instrument(skip_all, fields(user_id = %user_id))]
    pub async fn insert_link(tx: &mut Tx, user_id: Uuid, id: &Identity) -> Result<()> {
        repo::insert_identity(tx, &id.issuer, &id.subject, user_id, &id.email, Utc::now()).await
    }

    /// Signs in the user linked to the identity (or asks for their second factor).
    #[tracing::instrument(skip_all)]
    pub async fn sign_in(
        db: &Db,
        id: &Identity,
        meta: &RequestMeta,
    ) -> Result<std::result::Result<SignIn, Refusal>> {
        let Some(user_id) = user_of(db, &id.issuer, &id.subject).await? else {
            return Ok(Err(Refusal::new(
                "not_linked",
                "No Switchyard account is linked to this Google account. Sign in with your password and link Google under Settings → Security, or ask an admin for an invitation.",
            )));
        };
        let account = identity::find_account_by_id(db, user_id).await?;
        let usable = account.as_ref().filter(|a| a.disabled_at.is_none());
        let principal = match usable {
            Some(_) => identity::principal_of_user(db, user_id).await?,
            None => None,
        };
        let Some(p) = principal else {
            return Ok(Err(Refusal::new(
                "disabled",
                "This account cannot sign in. Ask an admin of your company.",
            )));
        };
        repo::touch_identity(db, &id.issuer, &id.subject, &id.email, Utc::now()).await?;
        if account.is_some_and(|a| a.totp_enabled) {
            return Ok(Ok(SignIn::NeedsSecondFactor(p)));
        }
        identity::complete_login(db, &p, meta, "google").await?;
        Ok(Ok(SignIn::Complete(p)))
    }

    /// Links the identity to a signed-in user (Settings → Security → Link Google).
    #[tracing::instrument(skip_all, fields(user_id = %user_id, company_id = %company_id))]
    pub async fn link(
        db: &Db,
        user_id: Uuid,
        company_id: Uuid,
        id: &Identity,
        meta: &RequestMeta,
    ) -> Result<()> {
        let mut tx = db.begin().await?;
        insert_link(&mut tx, user_id, id).await?;
        audit::record(
            &mut tx,
            meta,
            Entry {
                company_id: Some(company_id),
                actor_id: Some(user_id),
                action: Action::ProfileUpdated,
                target: Some(format!("user:{user_id}")),
                details: serde_json::json!({ "google": "linked", "email": id.email }),
            },
        )
        .await?;
        tx.commit().await
    }

    /// Unlinks the user's Google account. An account without a password keeps its Google link,
    /// or nobody could sign in to it any more.
    #[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id))]
    pub async fn unlink(db: &Db, p: &Principal, meta: &RequestMeta, issuer: &str) -> Result<()> {
        let account = identity::find_account_by_id(db, p.user_id)
            .await?
            .ok_or(Error::Unauthorized)?;
        if account.password_hash.is_none() {
            return Err(Error::Conflict(
                "Set a password first (sign out and use “Forgot your password?”): without Google or a password nobody could sign in to this account.".into(),
            ));
        }
        let mut tx = db.begin().await?;
        if !repo::delete_identity(&mut tx, p.user_id, issuer).await? {
            return Err(Error::Conflict("No Google account is linked.".into()));
        }
        audit::record(
            &mut tx,
            meta,
            Entry::by(
                p,
                Action::ProfileUpdated,
                Some(format!("user:{}", p.user_id)),
                serde_json::json!({ "google": "unlinked" }),
            ),
        )
        .await?;
        tx.commit().await
    }

    /// Records a refused Google sign-in (no account is created or changed).
    #[tracing::instrument(skip_all)]
    pub async fn refused(
        db: &Db,
        meta: &RequestMeta,
        user_id: Option<Uuid>,
        company_id: Option<Uuid>,
        refusal: &Refusal,
        email: Option<&str>,
    ) -> Result<()> {
        identity::login_failed(
            db,
            meta,
            company_id,
            user_id,
            serde_json::json!({ "method": "google", "reason": refusal.reason, "email": email }),
        )
        .await
    }
}
