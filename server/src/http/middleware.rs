//! Request-wide middleware: metrics, CSRF origin check, the signed-in principal, and the
//! first-run / sign-in gate for pages.

use std::{net::SocketAddr, time::Instant};

use axum::{
    extract::{ConnectInfo, MatchedPath, Request, State},
    http::{header, HeaderMap, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use tower_sessions::Session;
use uuid::Uuid;

use crate::{
    access::{Permission, Principal, RequestMeta},
    error::Error,
    sessions,
    state::AppState,
};

/// The request's own trace span (request extension), for fields known only later.
#[derive(Clone, Debug)]
pub struct RequestSpan(pub tracing::Span);

/// Remembers the request span; runs right inside the trace layer, where it is the current one.
pub async fn remember_span(mut req: Request, next: Next) -> Response {
    req.extensions_mut()
        .insert(RequestSpan(tracing::Span::current()));
    next.run(req).await
}

/// The signed-in user of this request, if any (request extension).
#[derive(Clone, Debug)]
pub struct CurrentUser(pub Option<Principal>);

/// Counts requests by route and status, and their latency.
pub async fn record_metrics(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| {
            if req.uri().path().starts_with("/pkg/") {
                "/pkg/*".into()
            } else {
                "unmatched".into()
            }
        });
    let res = next.run(req).await;
    let status = res.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(start.elapsed().as_secs_f64());
    res
}

/// The built site's files (`/pkg/…`) never touch the session: they are read without its
/// cookie. A page's preloads still in flight when its form signs in (which gives the session a
/// new id and deletes the old one) would otherwise load the deleted session, and the session
/// layer would answer them with a cookie removing the new one: the member, just signed in, is
/// signed out again.
pub async fn files_without_session(mut req: Request, next: Next) -> Response {
    if req.uri().path().starts_with("/pkg/") {
        req.headers_mut().remove(header::COOKIE);
    }
    next.run(req).await
}

/// Refuses state-changing requests whose Origin (or, failing that, Referer) is not this site.
/// In production, also refuses any request (probes aside) sent to a host other than
/// PUBLIC_URL's: a page on an attacker's domain that re-points its DNS at us (DNS rebinding)
/// is same-origin with itself, not with us.
pub async fn check_origin(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let production = state.config.app_env == crate::config::AppEnv::Production;
    if production
        && !matches!(req.uri().path(), "/health" | "/ready" | "/metrics")
        && !is_our_host(req.headers(), &state.config.public_url)
    {
        tracing::warn!(path = %req.uri().path(), "request for another host refused");
        return (StatusCode::MISDIRECTED_REQUEST, "unknown host").into_response();
    }
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    // Webhooks come from the provider's servers and prove themselves by signature; the areas
    // that receive them declare their paths.
    if matches!(
        state.pages.needs(req.uri().path()),
        PageNeeds::Webhook | PageNeeds::ApiKey
    ) {
        return next.run(req).await;
    }
    if same_origin(req.headers(), &state.config.public_origin(), !production) {
        next.run(req).await
    } else {
        tracing::warn!(path = %req.uri().path(), "cross-origin request refused");
        Error::Forbidden.into_response()
    }
}

fn origin_of(url: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()
        .map(|u| u.origin().ascii_serialization())
}

/// Whether the request's Host is PUBLIC_URL's host (and port, when it names one).
fn is_our_host(headers: &HeaderMap, public_url: &url::Url) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let ours = match public_url.port() {
        Some(port) => format!("{}:{port}", public_url.host_str().unwrap_or_default()),
        None => public_url.host_str().unwrap_or_default().to_string(),
    };
    host.eq_ignore_ascii_case(&ours)
}

/// True when the request says it comes from our public origin. In development only, the host
/// it was sent to is accepted too (http://127.0.0.1:3000 and http://localhost:3000 are the same
/// machine to a developer); production accepts PUBLIC_URL's origin alone.
pub fn same_origin(headers: &HeaderMap, public_origin: &str, also_host: bool) -> bool {
    let claimed = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .filter(|o| *o != "null")
        .map(str::to_string)
        .or_else(|| {
            headers
                .get(header::REFERER)
                .and_then(|v| v.to_str().ok())
                .and_then(origin_of)
        });
    let Some(claimed) = claimed else {
        return false;
    };
    if claimed == public_origin {
        return true;
    }
    if !also_host {
        return false;
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    match (host, url::Url::parse(&claimed)) {
        (Some(host), Ok(u)) => {
            let claimed_host = match u.port() {
                Some(port) => format!("{}:{port}", u.host_str().unwrap_or_default()),
                None => u.host_str().unwrap_or_default().to_string(),
            };
            claimed_host.eq_ignore_ascii_case(host)
        }
        _ => false,
    }
}

/// Loads the principal from the session once per request. A session whose user was disabled
/// or removed is ended.
pub async fn load_principal(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let principal = match req.extensions().get::<Session>().cloned() {
        Some(session) => match principal_of(&state, &session).await {
            Ok(p) => p,
            Err(e) => return e.into_response(),
        },
        None => None,
    };
    // Every line logged for this request (server functions and routes included, and the
    // request's own line with its time) carries the tenant and the member it acts for. The
    // current span here is an inner one (the session layer's), hence the remembered one.
    if let (Some(p), Some(RequestSpan(span))) = (&principal, req.extensions().get::<RequestSpan>())
    {
        span.record("company_id", tracing::field::display(p.company_id));
        span.record("user_id", tracing::field::display(p.user_id));
    }
    req.extensions_mut().insert(CurrentUser(principal));
    next.run(req).await
}

async fn principal_of(state: &AppState, session: &Session) -> Result<Option<Principal>, Error> {
    let uid = session
        .get::<Uuid>(sessions::USER_ID)
        .await
        .map_err(|e| Error::Unavailable(format!("session store: {e}")))?;
    let cid = session
        .get::<Uuid>(sessions::COMPANY_ID)
        .await
        .map_err(|e| Error::Unavailable(format!("session store: {e}")))?;
    let (Some(uid), Some(cid)) = (uid, cid) else {
        return Ok(None);
    };
    let store =
        |e: tower_sessions::session::Error| Error::Unavailable(format!("session store: {e}"));
    // However active, a session ends SESSION_MAX_AGE_DAYS after its sign-in.
    let started = session.get::<i64>(sessions::STARTED).await.map_err(store)?;
    let max_age = state.config.session_max_age_days * 24 * 3600;
    if started.is_none_or(|s| chrono::Utc::now().timestamp() - s > max_age) {
        session.flush().await.map_err(store)?;
        return Ok(None);
    }
    let principal = state.load_principal(uid, cid).await?;
    match &principal {
        None => session.flush().await.map_err(store)?,
        Some(_) => {
            let now = chrono::Utc::now().timestamp();
            let seen = session
                .get::<i64>(sessions::LAST_SEEN)
                .await
                .map_err(store)?;
            if seen.is_none_or(|s| now - s >= sessions::TOUCH_EVERY_SECS) {
                session
                    .insert(sessions::LAST_SEEN, now)
                    .await
                    .map_err(store)?;
            }
        }
    }
    Ok(principal)
}

/// What a path needs. Areas declare their pages (and their plain GET routes, which are not
/// pages) in a `PAGES` table; the composition root gathers them into one `PageTable`. The
/// server functions behind each page check again; this answers the page itself with 403
/// instead of an empty frame, and sends anonymous visitors to sign in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageNeeds {
    /// Sign-in, setup, invitation and reset pages.
    Anonymous,
    /// Any signed-in member (the default for a path nobody declared).
    Member,
    Permission(Permission),
    SuperAdmin,
    /// Not a page: a download, an export, a form endpoint. The route checks for itself.
    NotAPage,
    /// A provider's callback (Stripe, later Shopify and Meta): no session and no Origin; the
    /// route proves the sender by its signature. Exempt from the origin check.
    Webhook,
    /// The JSON API for integrators: a caller proves itself with a company key in
    /// `Authorization`, never with the session (so a browser's cookies carry no authority
    /// there, and there is nothing for a cross-site form to ride on). Exempt from the origin
    /// check.
    ApiKey,
}

/// One rule: an exact path (`/billing`) or a prefix (`/admin/*`, which also matches `/admin`'s
/// children but not `/admin` itself).
#[derive(Clone, Copy, Debug)]
pub struct PageRule {
    pub path: &'static str,
    pub needs: PageNeeds,
}

impl PageRule {
    pub const fn new(path: &'static str, needs: PageNeeds) -> Self {
        PageRule { path, needs }
    }
}

/// The page-permission table: an exact rule wins, then the longest prefix; undeclared paths
/// need a signed-in member.
#[derive(Clone, Debug, Default)]
pub struct PageTable {
    rules: Vec<PageRule>,
}

/// Infrastructure's own paths: static files, server functions, probes.
const INFRASTRUCTURE: &[PageRule] = &[
    PageRule::new("/pkg/*", PageNeeds::NotAPage),
    PageRule::new("/api/*", PageNeeds::NotAPage),
    PageRule::new("/health", PageNeeds::NotAPage),
    PageRule::new("/ready", PageNeeds::NotAPage),
    PageRule::new("/metrics", PageNeeds::NotAPage),
    // Routed only with TEST_HOOKS (never in production); loopback callers only.
    PageRule::new("/_test/*", PageNeeds::NotAPage),
];

impl PageTable {
    pub fn new<'a>(tables: impl IntoIterator<Item = &'a [PageRule]>) -> Self {
        let mut rules: Vec<PageRule> = INFRASTRUCTURE.to_vec();
        for t in tables {
            rules.extend_from_slice(t);
        }
        PageTable { rules }
    }

    pub fn needs(&self, path: &str) -> PageNeeds {
        let last = path.rsplit('/').next().unwrap_or_default();
        let path = match path.trim_end_matches('/') {
            "" => "/",
            p => p,
        };
        if let Some(r) = self.rules.iter().find(|r| r.path == path) {
            return r.needs;
        }
        let by_prefix = self
            .rules
            .iter()
            .filter_map(|r| {
                let prefix = r.path.strip_suffix('*')?;
                path.starts_with(prefix).then_some((prefix.len(), r.needs))
            })
            .max_by_key(|(len, _)| *len)
            .map(|(_, needs)| needs);
        match by_prefix {
            // Callers that prove themselves (a signature, a key) keep their declaration
            // whatever the last segment looks like (`/api/v1/things/0.5`).
            Some(needs @ (PageNeeds::Webhook | PageNeeds::ApiKey)) => needs,
            _ if last.contains('.') => PageNeeds::NotAPage, // a file: /favicon.svg, /robots.txt
            Some(needs) => needs,
            None => PageNeeds::Member,
        }
    }

    pub fn is_page(&self, path: &str) -> bool {
        !matches!(
            self.needs(path),
            PageNeeds::NotAPage | PageNeeds::Webhook | PageNeeds::ApiKey
        )
    }

    /// Every declared page path (tests check each against the router).
    pub fn rules(&self) -> &[PageRule] {
        &self.rules
    }
}

fn may_see(p: &Principal, needs: PageNeeds) -> bool {
    match needs {
        PageNeeds::Anonymous
        | PageNeeds::Member
        | PageNeeds::NotAPage
        | PageNeeds::Webhook
        | PageNeeds::ApiKey => true,
        PageNeeds::Permission(needed) => p.permissions.contains(needed),
        PageNeeds::SuperAdmin => p.is_super_admin,
    }
}

/// Before setup every page leads to /setup; after it, pages other than the sign-in ones need
/// a signed-in user. Server functions check permissions themselves.
pub async fn gate(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let needs = state.pages.needs(req.uri().path());
    if !matches!(*req.method(), Method::GET | Method::HEAD)
        || matches!(
            needs,
            PageNeeds::NotAPage | PageNeeds::Webhook | PageNeeds::ApiKey
        )
    {
        return next.run(req).await;
    }
    let path = req.uri().path().to_string();
    let setup_done = match state.setup_done().await {
        Ok(d) => d,
        Err(e) => return e.into_response(),
    };
    let principal = req
        .extensions()
        .get::<CurrentUser>()
        .and_then(|u| u.0.clone());
    let signed_in = principal.is_some();
    if !setup_done {
        if path != "/setup" {
            return Redirect::to("/setup").into_response();
        }
    } else if path == "/setup" || (signed_in && (path == "/login" || path == "/signup")) {
        return Redirect::to(if signed_in { "/" } else { "/login" }).into_response();
    } else if !signed_in && needs != PageNeeds::Anonymous {
        let target = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        let to = if target == "/" {
            "/login".to_string()
        } else {
            format!("/login?next={}", urlencode(&target))
        };
        return Redirect::to(&to).into_response();
    } else if let Some(p) = principal.filter(|p| !may_see(p, needs)) {
        tracing::info!(user_id = %p.user_id, path, "page refused: missing permission");
        return html_page(StatusCode::FORBIDDEN, "");
    }
    next.run(req).await
}

pub(crate) fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A browser asking for a page gets a readable HTML page, not the JSON error body, when
/// something fails on our side. The original response's extensions (the logged cause) are kept.
pub async fn friendly_errors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let wants_page = matches!(*req.method(), Method::GET | Method::HEAD)
        && state.pages.is_page(req.uri().path())
        && req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/html"));
    let reference = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let res = next.run(req).await;
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if !wants_page || is_html || !res.status().is_server_error() {
        return res;
    }
    let (parts, _) = res.into_parts();
    let mut page = html_page(parts.status, &reference);
    page.extensions_mut().extend(parts.extensions);
    page
}

/// A small standalone HTML page for an error status (no app frame, works without wasm).
fn html_page(status: StatusCode, reference: &str) -> Response {
    let mut res = Response::new(axum::body::Body::from(error_page(status, reference)));
    *res.status_mut() = status;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/html; charset=utf-8"),
    );
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    res
}

static STYLESHEET: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Tells the error pages where the site's stylesheet is (its name carries a content hash in
/// release builds); set once at startup. Unset, they link `/pkg/switchyard.css`.
pub fn set_stylesheet(href: String) {
    let _ = STYLESHEET.set(href);
}

pub(crate) fn stylesheet() -> &'static str {
    STYLESHEET
        .get()
        .map(String::as_str)
        .unwrap_or("/pkg/switchyard.css")
}

/// Whether a static file's name carries a content hash (cargo-leptos names them
/// `<name>.<22 characters of URL-safe base64>.<ext>`), so its content never changes.
fn is_hashed_name(file: &str) -> bool {
    let mut parts = file.split('.');
    parts.next();
    let segments: Vec<&str> = parts.collect();
    segments.len() >= 2
        && segments[..segments.len() - 1].iter().any(|s| {
            s.len() == 22
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// The caching of a static file under `/pkg/`: a year, immutable, for a hashed name (a new
/// build has new names); otherwise ask again each time (the server answers 304 when unchanged).
fn static_cache(path: &str) -> Option<&'static str> {
    let file = path.strip_prefix("/pkg/")?;
    Some(if is_hashed_name(file.rsplit('/').next().unwrap_or(file)) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    })
}

fn error_page(status: StatusCode, reference: &str) -> String {
    let (title, text) = if status == StatusCode::SERVICE_UNAVAILABLE {
        (
            "Switchyard is temporarily unavailable",
            "We cannot reach the database right now. Nothing was changed. Please try again in a moment.",
        )
    } else if status == StatusCode::TOO_MANY_REQUESTS {
        (
            "Too many attempts",
            "For your security, sign-in is paused for this account or address. Wait a minute, then try again.",
        )
    } else if status == StatusCode::FORBIDDEN {
        (
            "You do not have access to this page",
            "Your role in this company does not include it. If you need it, ask an admin of your company.",
        )
    } else {
        (
            "Something went wrong",
            "The error has been logged. Please try again; if it keeps happening, tell your administrator and quote the reference below.",
        )
    };
    // The reference is a UUID we generated or a client's request id: escape it anyway.
    let reference: String = reference
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(64)
        .collect();
    format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{title} · Switchyard</title><link rel="stylesheet" href="{stylesheet}"></head><body class="bg-slate-50 text-slate-900"><main class="flex min-h-screen flex-col items-center justify-center px-4 text-center"><p class="text-sm font-semibold text-brand-600">{code}</p><h1 class="mt-2 text-2xl font-semibold">{title}</h1><p class="mt-2 max-w-md text-sm text-slate-600">{text}</p>{reference}<a href="/" class="mt-6 rounded-lg bg-brand-600 px-4 py-2 text-sm font-semibold text-white hover:bg-brand-500">{button}</a></main></body></html>"#,
        code = status.as_u16(),
        stylesheet = stylesheet(),
        reference = if reference.is_empty() {
            String::new()
        } else {
            format!(
                r#"<p class="mt-4 text-xs text-slate-400">Reference: <code>{reference}</code></p>"#
            )
        },
        button = if status == StatusCode::FORBIDDEN {
            "Go to the dashboard"
        } else {
            "Try again"
        },
    )
}

/// The client's address as far as we can trust it (request extension; see `ratelimit::client_ip`).
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub std::net::IpAddr);

/// Works out the client's address once per request.
pub async fn client_ip(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let xff = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok());
    if let Some(ip) = crate::ratelimit::client_ip(peer, xff, &state.config.trusted_proxies) {
        req.extensions_mut().insert(ClientIp(ip));
    }
    next.run(req).await
}

/// The nonce of this request's inline scripts (request extension). The middleware below chooses
/// it and writes it into an HTML answer's Content-Security-Policy; the page renderer reads it from
/// the request and puts it on the scripts it writes. One source, so the header and the page can
/// never disagree, whatever the renderer does with its own response options.
#[derive(Clone, Debug)]
pub struct PageNonce(pub std::sync::Arc<str>);

impl PageNonce {
    fn fresh() -> Self {
        use base64::Engine as _;
        use rand::RngCore as _;
        let mut bytes = [0u8; 18];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Self(
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(bytes)
                .into(),
        )
    }
}

/// The policy of an HTML answer: our own scripts plus the inline ones carrying this request's
/// nonce (hydration, resources, theme boot), wasm compilation, inline styles (Leptos `style=`
/// attributes; see docs/security.md), forms only to our own origin and the configured providers.
fn page_policy(nonce: &PageNonce, form_action: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
         frame-ancestors 'none'; base-uri 'self'; form-action {form_action}; object-src 'none'",
        nonce.0
    )
}

/// Headers every answer carries. An HTML answer gets the page policy with this request's nonce;
/// everything else (JSON, files, redirects) a strict default that runs no script at all.
pub async fn security_headers(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let nonce = PageNonce::fresh();
    req.extensions_mut().insert(nonce.clone());
    let cache = static_cache(req.uri().path());
    let mut res = next.run(req).await;
    if let (Some(cache), true) = (cache, res.status() == StatusCode::OK) {
        res.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static(cache),
        );
    }
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let h = res.headers_mut();
    let set = |h: &mut HeaderMap, name: &'static str, value: &'static str| {
        h.entry(name)
            .or_insert(header::HeaderValue::from_static(value));
    };
    set(h, "x-content-type-options", "nosniff");
    set(h, "referrer-policy", "strict-origin-when-cross-origin");
    set(h, "x-frame-options", "DENY");
    let page = is_html
        .then(|| page_policy(&nonce, &state.config.form_action_sources()))
        .and_then(|p| header::HeaderValue::from_str(&p).ok());
    match page {
        Some(policy) => {
            h.insert(header::CONTENT_SECURITY_POLICY, policy);
        }
        None => set(
            h,
            "content-security-policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'",
        ),
    }
    if state.config.public_url.scheme() == "https" {
        set(
            h,
            "strict-transport-security",
            "max-age=31536000; includeSubDomains",
        );
    }
    res
}

/// A 429 answer for a browser or a script: a short page with a retry hint.
pub fn too_many_attempts() -> Response {
    let mut res = html_page(StatusCode::TOO_MANY_REQUESTS, "");
    res.headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from_static("60"));
    res
}

/// Where a request came from (IP, user agent), for the audit log.
pub fn request_meta(headers: &HeaderMap, peer: Option<&ConnectInfo<SocketAddr>>) -> RequestMeta {
    RequestMeta {
        ip: peer.map(|c| c.0.ip().to_string()),
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
    }
}

/// A local path that is safe to redirect to after sign-in (no other host, no scheme).
///
/// The target is parsed as a URL relative to PUBLIC_URL and kept only when it stays on that
/// origin and its path cannot be read as another host: no control characters or whitespace
/// (browsers strip TAB/CR/LF, so `/<TAB>/evil` becomes `//evil`), no backslashes, nothing outside
/// ASCII (look-alike slashes), not `//…` before or after percent-decoding or dot-segment
/// removal (`/.//evil` normalises to `//evil`). Anything else goes to the dashboard.
pub fn safe_next(next: Option<&str>, public_url: &url::Url) -> String {
    next.and_then(|raw| same_origin_path(raw, public_url))
        .unwrap_or_else(|| "/".into())
}

fn same_origin_path(raw: &str, public_url: &url::Url) -> Option<String> {
    let suspicious = |s: &str| {
        !s.starts_with('/')
            || s.starts_with("//")
            || s.contains('\\')
            || s.chars().any(|c| !c.is_ascii_graphic())
    };
    // Decoded, spaces and letters are fine; what a browser might turn into another host is not.
    let decoded = percent_decoded(raw);
    let hostile = decoded.starts_with("//")
        || decoded.contains('\\')
        || decoded.chars().any(char::is_control);
    if raw.len() > 2048 || suspicious(raw) || hostile {
        return None;
    }
    let url = public_url.join(raw).ok()?;
    if url.origin() != public_url.origin() || url.path().starts_with("//") {
        return None;
    }
    let mut out = url.path().to_string();
    if let Some(q) = url.query() {
        out.push('?');
        out.push_str(q);
    }
    Some(out)
}

/// `%2f` → `/`, byte by byte (invalid escapes stay as they are; non-UTF-8 becomes U+FFFD).
fn percent_decoded(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (
            b[i],
            b.get(i + 1).and_then(|c| hex(*c)),
            b.get(i + 2).and_then(|c| hex(*c)),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Status for a form endpoint that answers with a redirect.
pub const SEE_OTHER: StatusCode = StatusCode::SEE_OTHER;

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    #[test]
    fn only_hashed_static_names_are_cached_for_good() {
        let hash = "Zq3c2yH9w0bT1xX-_aB4cQ";
        for hashed in [
            format!("/pkg/switchyard.{hash}.wasm"),
            format!("/pkg/__wasm_split.{hash}.js"),
            format!("/pkg/__wasm_split_manifest.{hash}.json"),
        ] {
            assert_eq!(
                static_cache(&hashed),
                Some("public, max-age=31536000, immutable"),
                "{hashed}"
            );
        }
        assert_eq!(static_cache("/pkg/switchyard.css"), Some("no-cache"));
        assert_eq!(static_cache("/pkg/switchyard.short.css"), Some("no-cache"));
        // The hash must be a name's segment, not its extension.
        assert_eq!(static_cache(&format!("/pkg/x.{hash}")), Some("no-cache"));
        assert_eq!(static_cache("/favicon.svg"), None);
        assert_eq!(static_cache("/settings/members"), None);
    }

    #[test]
    fn origin_check() {
        let o = "http://localhost:3000";
        for dev in [true, false] {
            assert!(same_origin(&headers(&[("origin", o)]), o, dev));
            assert!(same_origin(
                &headers(&[("referer", "http://localhost:3000/login")]),
                o,
                dev
            ));
            assert!(!same_origin(
                &headers(&[("origin", "https://evil.example")]),
                o,
                dev
            ));
            assert!(!same_origin(
                &headers(&[
                    ("origin", "https://evil.example"),
                    ("host", "localhost:3000")
                ]),
                o,
                dev
            ));
            assert!(!same_origin(&headers(&[("origin", "null")]), o, dev));
            assert!(!same_origin(&headers(&[]), o, dev));
        }
        // The host it was sent to counts in development only: in production an attacker's
        // rebound domain would be "the host it was sent to".
        let rebound = headers(&[
            ("origin", "http://evil.example:3000"),
            ("host", "evil.example:3000"),
        ]);
        assert!(same_origin(&rebound, o, true));
        assert!(!same_origin(&rebound, o, false));
    }

    #[test]
    fn next_is_local_only() {
        let public = url::Url::parse("https://ops.example.com").unwrap();
        let next = |n: &str| safe_next(Some(n), &public);
        assert_eq!(next("/audit?x=1"), "/audit?x=1");
        assert_eq!(next("/analyses/42"), "/analyses/42");
        assert_eq!(
            next("/settings/members?page=2&q=a%20b"),
            "/settings/members?page=2&q=a%20b"
        );
        assert_eq!(safe_next(None, &public), "/");
        // Hostile spellings: each would lead a browser off-site (or is no path of ours).
        for hostile in [
            "//evil.example",
            "https://evil.example",
            "http:evil.example",
            "javascript:alert(1)",
            "/\\evil.example",
            "\\\\evil.example",
            "/\t/evil.example",
            "/\r\n/evil.example",
            "/\n/evil.example",
            "/%09/evil.example",
            "/%2f%2fevil.example",
            "%2f%2fevil.example",
            "/%5cevil.example",
            "/.//evil.example",
            "/./../..//evil.example",
            "/\u{FF0F}/evil.example",
            "/\u{2215}\u{2215}evil.example",
            "/ /evil.example",
            "",
            "evil.example",
        ] {
            assert_eq!(next(hostile), "/", "{hostile:?}");
        }
    }

    #[test]
    fn pages_and_assets() {
        const AREA: &[PageRule] = &[
            PageRule::new("/login", PageNeeds::Anonymous),
            PageRule::new("/reports", PageNeeds::Permission(Permission::AnalysesRead)),
            PageRule::new(
                "/reports/*",
                PageNeeds::Permission(Permission::AnalysesRead),
            ),
            PageRule::new(
                "/reports/new",
                PageNeeds::Permission(Permission::AnalysesRun),
            ),
            PageRule::new("/reports/export", PageNeeds::NotAPage),
            PageRule::new("/admin/*", PageNeeds::SuperAdmin),
            PageRule::new("/webhooks/shop", PageNeeds::Webhook),
            PageRule::new("/keyed/*", PageNeeds::ApiKey),
        ];
        let t = PageTable::new([AREA]);
        // A keyed caller's path stays keyed whatever its last segment looks like.
        assert_eq!(t.needs("/keyed/things/0.5"), PageNeeds::ApiKey);
        // Only a declared webhook skips the origin check; an undeclared path under /webhooks/
        // is an ordinary path.
        assert_eq!(t.needs("/webhooks/shop"), PageNeeds::Webhook);
        assert_eq!(t.needs("/favicon.svg"), PageNeeds::NotAPage);
        assert!(!t.is_page("/webhooks/shop"));
        assert_eq!(t.needs("/webhooks/other"), PageNeeds::Member);
        assert!(t.is_page("/"));
        assert!(t.is_page("/settings/members"));
        assert!(!t.is_page("/pkg/switchyard.js"));
        assert!(!t.is_page("/favicon.ico"));
        assert!(!t.is_page("/api/dashboard"));
        assert!(!t.is_page("/health"));
        assert!(!t.is_page("/reports/export/"));
        assert_eq!(t.needs("/"), PageNeeds::Member);
        assert_eq!(t.needs("/login"), PageNeeds::Anonymous);
        assert_eq!(t.needs("/reports/"), t.needs("/reports"));
        assert_eq!(
            t.needs("/reports/new"),
            PageNeeds::Permission(Permission::AnalysesRun)
        );
        assert_eq!(
            t.needs("/reports/42"),
            PageNeeds::Permission(Permission::AnalysesRead)
        );
        // A prefix rule covers children only; the exact path falls back to the default.
        assert_eq!(t.needs("/admin/companies"), PageNeeds::SuperAdmin);
        assert_eq!(t.needs("/admin"), PageNeeds::Member);
        assert_eq!(t.needs("/administrator"), PageNeeds::Member);
    }
}
