//! Spawns the real router on 127.0.0.1:0 against a fresh database: a SQLite file in a temp
//! folder by default, a new PostgreSQL database when TEST_DATABASE_URL is set.
//! Shared with the app crate's tests (`#[path]`), which serve the full router.
#![allow(dead_code)]

use std::{collections::BTreeMap, net::SocketAddr};

use reqwest::{redirect::Policy, Response, StatusCode};
use server::{http::flash::Flash, AppState, Db};

pub struct TestApp {
    pub base: String,
    pub state: AppState,
    pub client: reqwest::Client,
    pg_cleanup: Option<(String, String)>,
    _tmp: tempfile::TempDir,
}

pub const PASSWORD: &str = "switch-yard-2026";

fn pg_url_with_db(admin: &str, db: &str) -> String {
    let mut url = url::Url::parse(admin).expect("TEST_DATABASE_URL is a URL");
    url.set_path(&format!("/{db}"));
    url.to_string()
}

async fn fresh_database(tmp: &tempfile::TempDir) -> (String, Option<(String, String)>) {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(admin) if !admin.is_empty() => {
            let name = format!("sy_test_{}", uuid::Uuid::new_v4().simple());
            let pool = sqlx::PgPool::connect(&admin)
                .await
                .expect("connect to TEST_DATABASE_URL");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&pool)
                .await
                .expect("create test database");
            pool.close().await;
            (pg_url_with_db(&admin, &name), Some((admin, name)))
        }
        _ => (
            format!("sqlite://{}", tmp.path().join("test.db").display()),
            None,
        ),
    }
}

/// Builds the state the binary would build, with `extra` configuration, and serves the
/// server crate's router.
pub async fn spawn_app_with(extra: &[(&str, &str)]) -> TestApp {
    spawn_routed(extra, server::areas::router).await
}

/// Like `spawn_app_with`, serving the router `build` makes (the app crate passes the full
/// router with the Leptos pages).
pub async fn spawn_routed(
    extra: &[(&str, &str)],
    build: impl FnOnce(AppState) -> axum::Router,
) -> TestApp {
    let tmp = tempfile::tempdir().unwrap();
    let (database_url, pg_cleanup) = fresh_database(&tmp).await;
    let mut vars: BTreeMap<String, String> = BTreeMap::from([
        ("DATA_DIR".into(), tmp.path().display().to_string()),
        ("DATABASE_URL".into(), database_url.clone()),
        (
            "APP_SECRET_KEY".into(),
            "test-secret-key-0123456789abcdef0123456789".into(),
        ),
    ]);
    for (k, v) in extra {
        vars.insert(k.to_string(), v.to_string());
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    vars.insert("LEPTOS_SITE_ADDR".into(), addr.to_string());
    let config = server::areas::config_from_map(&vars).expect("test configuration");
    let db = Db::connect(&database_url).await.expect("connect");
    db.migrate().await.expect("migrate");
    let state = AppState::new(config, db);
    let router = build(state.clone());
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    let base = format!("http://{addr}");
    TestApp {
        client: client_for(&base),
        base,
        state,
        pg_cleanup,
        _tmp: tmp,
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// A browser-like client: keeps cookies, does not follow redirects, sends our Origin. A request
/// that gets no answer fails after 30 s instead of hanging the suite.
pub fn client_for(base: &str) -> reqwest::Client {
    client_with_agent(base, "switchyard-tests/1.0")
}

/// Like `client_for`, introducing itself as `user_agent`.
pub fn client_with_agent(base: &str, user_agent: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("origin", base.parse().unwrap());
    headers.insert("user-agent", user_agent.parse().unwrap());
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .default_headers(headers)
        .build()
        .unwrap()
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.pg_cleanup.take() {
            // A runtime of its own: Drop cannot await, and the test's runtime is going away.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async move {
                    if let Ok(pool) = sqlx::PgPool::connect(&admin).await {
                        let _ =
                            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                                .execute(&pool)
                                .await;
                    }
                });
            })
            .join();
        }
    }
}

pub fn location(res: &Response) -> String {
    res.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// The flash message a form endpoint left in its Set-Cookie.
pub fn flash_of(res: &Response) -> Option<Flash> {
    let mut headers = http::HeaderMap::new();
    for v in res.headers().get_all("set-cookie") {
        let pair = v.to_str().unwrap().split(';').next().unwrap().to_string();
        headers.append("cookie", pair.parse().unwrap());
    }
    Flash::from_headers(&headers)
}

pub fn session_cookie(res: &Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.starts_with(&format!("{}=", server::sessions::COOKIE_NAME)))
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.client
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    pub async fn setup(&self, email: &str) -> Response {
        self.post_form(
            "/auth/setup",
            &[
                ("company_name", "Acme Electric"),
                ("timezone", "Europe/Bucharest"),
                ("name", "Ada Lovelace"),
                ("email", email),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ],
        )
        .await
    }

    /// Posts the setup form with Acme/Ada defaults, `overrides` replacing fields by name.
    pub async fn setup_with(&self, overrides: &[(&str, &str)]) -> Response {
        let mut form = vec![
            ("company_name", "Acme"),
            ("timezone", "UTC"),
            ("name", "Ada"),
            ("email", "ada@example.com"),
            ("password", PASSWORD),
            ("password_confirm", PASSWORD),
        ];
        for (k, v) in overrides {
            match form.iter_mut().find(|f| f.0 == *k) {
                Some(f) => f.1 = v,
                None => form.push((k, v)),
            }
        }
        self.post_form("/auth/setup", &form).await
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.post_form("/auth/login", &[("email", email), ("password", password)])
            .await
    }

    pub async fn logout(&self) -> Response {
        self.post_form("/auth/logout", &[]).await
    }

    /// Rows in `table`.
    pub async fn count(&self, table: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        server::with_db!(&self.state.db, |p| sqlx::query_scalar::<_, i64>(&sql)
            .fetch_one(p)
            .await)
        .unwrap()
    }

    /// Audit actions in insertion order, with the `reason` detail when present.
    pub async fn audit_actions(&self) -> Vec<(String, Option<String>)> {
        const SQL: &str = "SELECT action, details FROM audit_log ORDER BY id";
        let rows: Vec<(String, sqlx::types::Json<serde_json::Value>)> =
            server::with_db!(&self.state.db, |p| sqlx::query_as(SQL).fetch_all(p).await).unwrap();
        rows.into_iter()
            .map(|(a, d)| {
                (
                    a,
                    d.0.get("reason")
                        .and_then(|r| r.as_str())
                        .map(str::to_string),
                )
            })
            .collect()
    }

    /// Is this client signed in? The gate sends anonymous page requests to /login.
    /// How many audit entries of `action` were written.
    pub async fn audit_count(&self, action: &str) -> usize {
        self.audit_actions()
            .await
            .iter()
            .filter(|(a, _)| a == action)
            .count()
    }

    pub async fn signed_in(&self) -> bool {
        let res = self.get("/some/page").await;
        !(res.status() == StatusCode::SEE_OTHER && location(&res).starts_with("/login"))
    }
}

impl TestApp {
    /// The principal of `email` in their first company (for calling services directly).
    pub async fn principal(&self, email: &str) -> server::access::Principal {
        const SQL: &str = "SELECT id FROM users WHERE email = $1";
        let id: uuid::Uuid = server::with_db!(&self.state.db, |p| sqlx::query_scalar(SQL)
            .bind(email)
            .fetch_one(p)
            .await)
        .unwrap();
        server::identity::principal_of_user(&self.state.db, id)
            .await
            .unwrap()
            .expect("an active member")
    }

    /// `by` invites `email` as `role` with `stores`; answers the link's token (what "copy link"
    /// gives the inviter).
    pub async fn invite(
        &self,
        by: &server::access::Principal,
        email: &str,
        role: &str,
        stores: Vec<uuid::Uuid>,
    ) -> String {
        let sent = server::team::invitations::invite(
            &self.state.db,
            by,
            &server::audit::RequestMeta::default(),
            &self.state.config.public_url,
            7,
            server::team::invitations::InviteInput {
                email: email.into(),
                role: role.into(),
                store_ids: stores,
            },
        )
        .await
        .unwrap();
        token_of(&sent.link).to_string()
    }

    /// Public sign-up: `email` founds `company` with the test password; answers its owner.
    pub async fn sign_up(
        &self,
        company: &str,
        name: &str,
        email: &str,
    ) -> server::access::Principal {
        server::identity::sign_up(
            &self.state.db,
            server::identity::SetupInput {
                company_name: company.into(),
                timezone: "UTC".into(),
                name: name.into(),
                email: email.into(),
                password: PASSWORD.into(),
                password_confirm: PASSWORD.into(),
            },
            &server::audit::RequestMeta::default(),
        )
        .await
        .unwrap()
    }

    /// Invites `email` as `role` (by `by`) and accepts with a new account; returns the principal.
    pub async fn add_member(
        &self,
        by: &server::access::Principal,
        email: &str,
        role: &str,
        stores: Vec<uuid::Uuid>,
    ) -> server::access::Principal {
        let meta = server::audit::RequestMeta::default();
        let token = self.invite(by, email, role, stores).await;
        server::team::invitations::accept(
            &self.state.db,
            &token,
            server::team::invitations::AcceptInput {
                name: format!("Member {role}"),
                password: PASSWORD.into(),
                password_confirm: PASSWORD.into(),
            },
            &meta,
        )
        .await
        .and_then(server::team::invitations::Acceptance::joined)
        .unwrap()
    }
}

/// The token at the end of an invitation or reset link.
pub fn token_of(link: &str) -> &str {
    link.rsplit('/').next().unwrap()
}

impl TestApp {
    /// A new browser-like client signed in as `email` (asserts the sign-in worked).
    pub async fn signed_in_client(
        &self,
        email: &str,
        password: &str,
        user_agent: &str,
    ) -> reqwest::Client {
        let client = client_with_agent(&self.base, user_agent);
        let res = client
            .post(self.url("/auth/login"))
            .form(&[("email", email), ("password", password)])
            .send()
            .await
            .unwrap();
        assert_eq!(location(&res), "/", "{email} signs in");
        client
    }

    /// Creates another company directly in the database, owned by `owner`; returns its id.
    pub async fn company_owned_by(&self, name: &str, owner: uuid::Uuid) -> uuid::Uuid {
        let (id, now) = (uuid::Uuid::now_v7(), chrono::Utc::now());
        let db = &self.state.db;
        server::exec!(
            db,
            sqlx::query(
                "INSERT INTO companies (id, name, slug, created_at) VALUES ($1, $2, $3, $4)"
            )
            .bind(id)
            .bind(name)
            .bind(server::identity::slugify(name))
            .bind(now)
        )
        .unwrap();
        server::exec!(db, sqlx::query("INSERT INTO memberships (company_id, user_id, role, created_at) VALUES ($1, $2, 'owner', $3)")
            .bind(id).bind(owner).bind(now))
        .unwrap();
        id
    }
}
