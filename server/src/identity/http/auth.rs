//! Form endpoints of first-run setup, sign-in and sign-out. Plain HTML forms post here, so they
//! work before hydration; every answer is a 303 redirect (errors travel in a flash cookie).

use std::collections::BTreeMap;

use axum::{
    extract::State,
    http::{header, HeaderValue},
    response::{IntoResponse, Redirect, Response},
    Extension, Form,
};
use serde::Deserialize;
use tower_sessions::Session;

use crate::access::Principal;
use crate::http::{
    forms::{failure, Meta},
    middleware::{safe_next, too_many_attempts, CurrentUser},
};
use crate::{
    audit::RequestMeta,
    error::Error,
    identity::{self, account, two_factor, SetupInput, SignIn},
    sessions,
    state::AppState,
    team::invitations::{self, AcceptInput, Acceptance},
};

/// Starts a fresh session for the principal: a new id (no fixation), then the user and company,
/// and where it was started from.
pub async fn sign_in(session: &Session, p: &Principal, meta: &RequestMeta) -> Result<(), Error> {
    let store =
        |e: tower_sessions::session::Error| Error::Unavailable(format!("session store: {e}"));
    session.cycle_id().await.map_err(store)?;
    session
        .insert(sessions::USER_ID, p.user_id)
        .await
        .map_err(store)?;
    session
        .insert(sessions::COMPANY_ID, p.company_id)
        .await
        .map_err(store)?;
    let now = chrono::Utc::now().timestamp();
    session
        .insert(sessions::LAST_SEEN, now)
        .await
        .map_err(store)?;
    session
        .insert(sessions::STARTED, now)
        .await
        .map_err(store)?;
    session
        .insert(sessions::IP, &meta.ip)
        .await
        .map_err(store)?;
    session
        .insert(sessions::USER_AGENT, &meta.user_agent)
        .await
        .map_err(store)?;
    Ok(())
}

/// What a company form keeps for its refill after an error (never the passwords).
fn refill(input: &SetupInput) -> BTreeMap<String, String> {
    [
        ("company_name", &input.company_name),
        ("timezone", &input.timezone),
        ("name", &input.name),
        ("email", &input.email),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.chars().take(200).collect()))
    .collect()
}

pub async fn setup(
    State(state): State<AppState>,
    session: Session,
    Meta(meta): Meta,
    Form(input): Form<SetupInput>,
) -> Response {
    let secure = state.config.cookie_secure;
    let values = refill(&input);
    match identity::setup_first_company(&state.db, input, &meta).await {
        Ok(p) => match sign_in(&session, &p, &meta).await {
            Ok(()) => Redirect::to("/").into_response(),
            Err(e) => failure("login", "/login", &e, BTreeMap::new(), secure),
        },
        Err(Error::Conflict(m)) => failure(
            "login",
            "/login",
            &Error::Conflict(m),
            BTreeMap::new(),
            secure,
        ),
        Err(e) => failure("setup", "/setup", &e, values, secure),
    }
}

/// Public sign-up (only when SIGNUP_ENABLED): a new company and its owner, signed in.
pub async fn sign_up(
    State(state): State<AppState>,
    session: Session,
    Meta(meta): Meta,
    Form(input): Form<SetupInput>,
) -> Response {
    let secure = state.config.cookie_secure;
    if !state.config.signup_enabled {
        return Error::NotFound.into_response();
    }
    // Keyed by address: sign-up has no account yet.
    let ip = meta.ip.clone().unwrap_or_default();
    if attempt_limited(&state, &meta, &format!("signup:{ip}"))
        .await
        .is_err()
    {
        return too_many_attempts();
    }
    let values = refill(&input);
    let result = match identity::sign_up(&state.db, input, &meta).await {
        Ok(p) => sign_in(&session, &p, &meta).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Redirect::to("/?welcome=1").into_response(),
        Err(e) => failure("signup", "/signup", &e, values, secure),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
}

pub async fn login(
    State(state): State<AppState>,
    session: Session,
    Meta(meta): Meta,
    Form(form): Form<LoginForm>,
) -> Response {
    let secure = state.config.cookie_secure;
    let next = safe_next(form.next.as_deref(), &state.config.public_url);
    if attempt_limited(&state, &meta, &form.email).await.is_err() {
        return too_many_attempts();
    }
    let result = identity::login(&state.db, &form.email, &form.password, &meta).await;
    let result = match result {
        Ok(SignIn::Complete(p)) => sign_in(&session, &p, &meta).await.map(|()| next.clone()),
        Ok(SignIn::NeedsSecondFactor(p)) => {
            await_second_factor(&session, p.user_id, p.company_id, &next, None)
                .await
                .map(|()| "/login/code".to_string())
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(to) => Redirect::to(&to).into_response(),
        Err(e) => {
            let mut values =
                BTreeMap::from([("email".to_string(), form.email.chars().take(254).collect())]);
            if next != "/" {
                values.insert("next".into(), next.clone());
            }
            failure("login", "/login", &e, values, secure)
        }
    }
}

pub async fn logout(
    State(state): State<AppState>,
    session: Session,
    Meta(meta): Meta,
    Extension(user): Extension<CurrentUser>,
) -> Response {
    if let Some(p) = &user.0 {
        if let Err(e) = identity::logout(&state.db, p, &meta).await {
            return e.into_response();
        }
    }
    if let Err(e) = session.flush().await {
        return Error::Unavailable(format!("session store: {e}")).into_response();
    }
    let mut res = Redirect::to("/login?signed_out=1").into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// Accepts an invitation from /invite/:token and signs the new member in.
pub async fn accept_invitation(
    State(state): State<AppState>,
    session: Session,
    Meta(meta): Meta,
    axum::extract::Path(token): axum::extract::Path<String>,
    Form(input): Form<AcceptInput>,
) -> Response {
    let secure = state.config.cookie_secure;
    // The invited account's own sign-in budget (a resent invitation is no fresh budget); a
    // link that names nobody is counted by itself.
    let key = match invitations::invited_email(&state.db, &token).await {
        Ok(Some(email)) => email,
        Ok(None) => format!("invite:{}", token.chars().take(16).collect::<String>()),
        Err(e) => return e.into_response(),
    };
    if attempt_limited(&state, &meta, &key).await.is_err() {
        return too_many_attempts();
    }
    let back = format!("/invite/{}", crate::http::middleware::urlencode(&token));
    let values = BTreeMap::from([("name".to_string(), input.name.chars().take(100).collect())]);
    let result = match invitations::accept(&state.db, &token, input, &meta).await {
        Ok(Acceptance::Joined(p)) => sign_in(&session, &p, &meta)
            .await
            .map(|()| "/?welcome=1".to_string()),
        Ok(Acceptance::NeedsSecondFactor {
            user_id,
            company_id,
        }) => await_second_factor(&session, user_id, company_id, "/?welcome=1", Some(&token))
            .await
            .map(|()| "/login/code".to_string()),
        Err(e) => Err(e),
    };
    match result {
        Ok(to) => Redirect::to(&to).into_response(),
        Err(e) => failure("invite", &back, &e, values, secure),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ForgotForm {
    email: String,
}

/// Sends a reset link. The answer is the same whether or not the email has an account.
pub async fn forgot(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Form(form): Form<ForgotForm>,
) -> Response {
    let secure = state.config.cookie_secure;
    if attempt_limited(&state, &meta, &format!("reset:{}", form.email))
        .await
        .is_err()
    {
        return too_many_attempts();
    }
    match account::request_reset(&state.db, &meta, &state.config.public_url, &form.email).await {
        Ok(()) => Redirect::to("/forgot?sent=1").into_response(),
        Err(e) => {
            let values =
                BTreeMap::from([("email".to_string(), form.email.chars().take(254).collect())]);
            failure("forgot", "/forgot", &e, values, secure)
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ResetForm {
    new_password: String,
    new_password_confirm: String,
}

/// Sets a new password from a reset link; every session of the account ends.
pub async fn reset(
    State(state): State<AppState>,
    Meta(meta): Meta,
    axum::extract::Path(token): axum::extract::Path<String>,
    Form(form): Form<ResetForm>,
) -> Response {
    let secure = state.config.cookie_secure;
    let back = format!("/reset/{}", crate::http::middleware::urlencode(&token));
    match account::reset_password(
        &state.db,
        &state.sessions,
        &meta,
        &token,
        &form.new_password,
        &form.new_password_confirm,
    )
    .await
    {
        // The sign-in page says which methods the reset removed, if any.
        Ok(removed) if removed.is_empty() => Redirect::to("/login?reset=1").into_response(),
        Ok(removed) => {
            Redirect::to(&format!("/login?reset=1&removed={}", removed.join(","))).into_response()
        }
        Err(e) => failure("reset", &back, &e, BTreeMap::new(), secure),
    }
}

/// GET /auth/verify/{token} — the link mailed to a new account: its address is proved.
pub async fn verify_email(
    State(state): State<AppState>,
    Meta(meta): Meta,
    axum::extract::Path(token): axum::extract::Path<String>,
) -> Response {
    match identity::proof::confirm(&state.db, &meta, &token).await {
        Ok(_) => Redirect::to("/login?verified=1").into_response(),
        Err(e) => failure(
            "login",
            "/login",
            &e,
            BTreeMap::new(),
            state.config.cookie_secure,
        ),
    }
}

/// Session keys of a sign-in waiting for its second factor.
const PENDING_USER: &str = "2fa_uid";
const PENDING_COMPANY: &str = "2fa_cid";
const PENDING_AT: &str = "2fa_at";
const PENDING_NEXT: &str = "2fa_next";
/// An invitation to accept once the code is right (the membership waits for the full sign-in).
const PENDING_INVITE: &str = "2fa_invite";
/// How long the code step may take after the password.
const PENDING_SECS: i64 = 300;

fn store_err(e: tower_sessions::session::Error) -> Error {
    Error::Unavailable(format!("session store: {e}"))
}

/// Remembers who passed the password check (a fresh session id, not signed in yet).
pub(super) async fn await_second_factor(
    session: &Session,
    user_id: uuid::Uuid,
    company_id: uuid::Uuid,
    next: &str,
    invitation: Option<&str>,
) -> Result<(), Error> {
    session.cycle_id().await.map_err(store_err)?;
    session
        .insert(PENDING_USER, user_id)
        .await
        .map_err(store_err)?;
    session
        .insert(PENDING_COMPANY, company_id)
        .await
        .map_err(store_err)?;
    match invitation {
        Some(token) => session.insert(PENDING_INVITE, token).await,
        None => session.remove_value(PENDING_INVITE).await.map(|_| ()),
    }
    .map_err(store_err)?;
    session
        .insert(PENDING_AT, chrono::Utc::now().timestamp())
        .await
        .map_err(store_err)?;
    session
        .insert(PENDING_NEXT, next)
        .await
        .map_err(store_err)?;
    Ok(())
}

/// The sign-in waiting for a code in this session, if it has not timed out.
pub async fn pending_second_factor(
    session: &Session,
) -> Result<Option<(uuid::Uuid, uuid::Uuid)>, Error> {
    let at = session.get::<i64>(PENDING_AT).await.map_err(store_err)?;
    if at.is_none_or(|at| chrono::Utc::now().timestamp() - at > PENDING_SECS) {
        return Ok(None);
    }
    let uid = session.get(PENDING_USER).await.map_err(store_err)?;
    let cid = session.get(PENDING_COMPANY).await.map_err(store_err)?;
    Ok(uid.zip(cid))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CodeForm {
    code: String,
}

/// The second step of a sign-in with two-factor: a code from the app or a recovery code.
pub async fn second_factor(
    State(state): State<AppState>,
    session: Session,
    Meta(meta): Meta,
    Form(form): Form<CodeForm>,
) -> Response {
    let secure = state.config.cookie_secure;
    let result: Result<Option<String>, Error> = async {
        let Some((uid, cid)) = pending_second_factor(&session).await? else {
            return Ok(None);
        };
        attempt_limited(&state, &meta, &format!("2fa:{uid}")).await?;
        two_factor::ensure_not_locked(&state.db, uid).await?;
        let invitation: Option<String> = session.get(PENDING_INVITE).await.map_err(store_err)?;
        // Signing in: the member must still be there. Accepting an invitation: not yet a
        // member of the invited company, which joins only after the code.
        let principal = match &invitation {
            None => Some(
                identity::load_principal(&state.db, uid, cid)
                    .await?
                    .ok_or(Error::InvalidCredentials)?,
            ),
            Some(_) => None,
        };
        if !two_factor::verify(&state.db, &state.config.app_secret_key, uid, &form.code).await? {
            let company = match &principal {
                Some(p) => Some(p.company_id),
                None => identity::first_company_of(&state.db, uid).await?,
            };
            identity::login_failed(
                &state.db,
                &meta,
                company,
                Some(uid),
                serde_json::json!({ "reason": "wrong_code" }),
            )
            .await?;
            two_factor::record_failure(&state.db, &meta, uid).await?;
            return Err(Error::validation(
                "code",
                "That code is not right. Use the newest code from your app, or a recovery code.",
            ));
        }
        two_factor::clear_failures(&state.db, uid).await?;
        let next: Option<String> = session.get(PENDING_NEXT).await.map_err(store_err)?;
        for key in [
            PENDING_USER,
            PENDING_COMPANY,
            PENDING_AT,
            PENDING_NEXT,
            PENDING_INVITE,
        ] {
            session.remove_value(key).await.map_err(store_err)?;
        }
        let principal = match (principal, invitation) {
            (Some(p), _) => {
                identity::complete_login(&state.db, &p, &meta, "password+totp").await?;
                p
            }
            (None, Some(token)) => {
                invitations::accept_after_second_factor(&state.db, &token, uid, &meta).await?
            }
            (None, None) => return Err(Error::InvalidCredentials),
        };
        sign_in(&session, &principal, &meta).await?;
        Ok(Some(safe_next(next.as_deref(), &state.config.public_url)))
    }
    .await;
    match result {
        Ok(Some(to)) => Redirect::to(&to).into_response(),
        Ok(None) => failure(
            "login",
            "/login",
            &Error::Conflict("Your sign-in timed out. Enter your email and password again.".into()),
            BTreeMap::new(),
            secure,
        ),
        Err(Error::RateLimited) => too_many_attempts(),
        Err(e) => failure("code", "/login/code", &e, BTreeMap::new(), secure),
    }
}
/// Counts one sign-in-like attempt for the client's address and for `account` (an email, or a
/// key such as `2fa:<user>`) before any password work; refused when either is over its quota.
async fn attempt_limited(state: &AppState, meta: &RequestMeta, account: &str) -> Result<(), Error> {
    let Some(ip) = meta.ip.as_deref() else {
        return Ok(());
    };
    state
        .limits
        .check(&[
            (identity::SIGN_IN_PER_IP, ip),
            (identity::SIGN_IN_PER_ACCOUNT, account),
        ])
        .await
}
