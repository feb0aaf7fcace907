//! A company's own AI provider keys (Settings → Integrations): sealed with APP_SECRET_KEY at
//! rest, shown only as a hint (the last four characters), never logged or sent back. A company
//! key wins over the platform's ANTHROPIC_API_KEY / OPENAI_API_KEY; Claude wins over OpenAI when
//! both are set.

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::Serialize;
use uuid::Uuid;

use super::config::{AiConfig, ProviderConfig, DEFAULT_ANTHROPIC_MODEL, DEFAULT_OPENAI_MODEL};
use crate::access::Principal;
use crate::{
    access::Permission,
    audit::{self, Action, Entry, RequestMeta},
    crypto, exec_tx, with_db, Db, Error, Result,
};

pub const PROVIDERS: &[(&str, &str)] = &[("anthropic", "Anthropic Claude"), ("openai", "OpenAI")];

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct KeyRow {
    pub provider: String,
    pub key_hint: String,
    pub model: String,
    pub updated_by_name: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// The company's keys (hints only).
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id))]
pub async fn list(db: &Db, p: &Principal) -> Result<Vec<KeyRow>> {
    p.authorize(Permission::SettingsManage)?;
    const SQL: &str =
        "SELECT k.provider, k.key_hint, k.model, u.name AS updated_by_name, k.updated_at \
                       FROM company_ai_keys k LEFT JOIN users u ON u.id = k.updated_by \
                       WHERE k.company_id = $1 ORDER BY k.provider";
    Ok(with_db!(db, |c| sqlx::query_as::<_, KeyRow>(SQL)
        .bind(p.company_id)
        .fetch_all(c)
        .await)?)
}

/// Saves (or replaces) a key after a format check; audited without the key.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id))]
pub async fn save(
    db: &Db,
    app_key: &SecretString,
    p: &Principal,
    meta: &RequestMeta,
    provider: &str,
    key: &str,
    model: &str,
) -> Result<()> {
    p.authorize(Permission::SettingsManage)?;
    let provider = PROVIDERS
        .iter()
        .find(|(k, _)| *k == provider)
        .map(|(k, _)| *k)
        .ok_or_else(|| Error::validation("provider", "Choose Anthropic or OpenAI."))?;
    let key = key.trim();
    let looks_right = match provider {
        "anthropic" => key.starts_with("sk-ant-"),
        _ => key.starts_with("sk-"),
    };
    if !looks_right || key.len() < 20 || key.len() > 300 || key.chars().any(char::is_whitespace) {
        let hint = if provider == "anthropic" {
            "sk-ant-…"
        } else {
            "sk-…"
        };
        return Err(Error::validation(
            "api_key",
            format!(
                "That does not look like an {} API key ({hint}).",
                provider_label(provider)
            ),
        ));
    }
    let model = model.trim();
    let model = if model.is_empty() {
        if provider == "anthropic" {
            DEFAULT_ANTHROPIC_MODEL
        } else {
            DEFAULT_OPENAI_MODEL
        }
    } else {
        model
    };
    if model.len() > 100
        || !model
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._:".contains(c))
    {
        return Err(Error::validation(
            "model",
            "A model name such as claude-sonnet-4-20250514.",
        ));
    }
    let sealed = crypto::seal(app_key, key.as_bytes())?;
    let hint = format!("…{}", &key[key.len() - 4..]);
    let mut tx = db.begin().await?;
    const UPSERT: &str = "INSERT INTO company_ai_keys (company_id, provider, sealed_key, key_hint, model, updated_by, updated_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (company_id, provider) DO UPDATE SET \
        sealed_key = excluded.sealed_key, key_hint = excluded.key_hint, model = excluded.model, \
        updated_by = excluded.updated_by, updated_at = excluded.updated_at";
    exec_tx!(
        &mut tx,
        sqlx::query(UPSERT)
            .bind(p.company_id)
            .bind(provider)
            .bind(&sealed)
            .bind(&hint)
            .bind(model)
            .bind(p.user_id)
            .bind(Utc::now())
    )?;
    audit::record(
        &mut tx,
        meta,
        Entry::by(
            p,
            Action::SettingsChanged,
            Some(format!("integration:{provider}")),
            serde_json::json!({ "ai_key": "set", "provider": provider, "key_hint": hint, "model": model }),
        ),
    )
    .await?;
    tx.commit().await
}

#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id))]
pub async fn remove(db: &Db, p: &Principal, meta: &RequestMeta, provider: &str) -> Result<()> {
    p.authorize(Permission::SettingsManage)?;
    let mut tx = db.begin().await?;
    const SQL: &str = "DELETE FROM company_ai_keys WHERE company_id = $1 AND provider = $2";
    let n = exec_tx!(&mut tx, sqlx::query(SQL).bind(p.company_id).bind(provider))?;
    if n == 0 {
        return Err(Error::NotFound);
    }
    audit::record(
        &mut tx,
        meta,
        Entry::by(
            p,
            Action::SettingsChanged,
            Some(format!("integration:{provider}")),
            serde_json::json!({ "ai_key": "removed", "provider": provider }),
        ),
    )
    .await?;
    tx.commit().await
}

pub fn provider_label(provider: &str) -> &'static str {
    PROVIDERS
        .iter()
        .find(|(k, _)| *k == provider)
        .map(|(_, l)| *l)
        .unwrap_or("AI")
}

/// Which provider an analysis of the company uses: the company's key, else the platform's.
pub enum Choice {
    Anthropic(ProviderConfig),
    OpenAi(ProviderConfig),
    Local,
}

#[tracing::instrument(skip_all, fields(company_id = %company))]
pub async fn choose(
    db: &Db,
    app_key: &SecretString,
    cfg: &AiConfig,
    company: Uuid,
) -> Result<Choice> {
    const SQL: &str = "SELECT provider, sealed_key, model FROM company_ai_keys WHERE company_id = $1 ORDER BY provider";
    let rows: Vec<(String, String, String)> =
        with_db!(db, |c| sqlx::query_as(SQL).bind(company).fetch_all(c).await)?;
    // Rows come ordered by provider: "anthropic" before "openai", so Claude wins.
    if let Some((provider, sealed, model)) = rows.into_iter().next() {
        let key = String::from_utf8(crypto::open(app_key, &sealed)?)
            .map_err(|e| Error::Internal(e.into()))?;
        let (base_url, pick): (_, fn(ProviderConfig) -> Choice) = match provider.as_str() {
            "anthropic" => (cfg.anthropic_base_url.clone(), Choice::Anthropic),
            _ => (cfg.openai_base_url.clone(), Choice::OpenAi),
        };
        return Ok(pick(ProviderConfig {
            api_key: SecretString::from(key),
            base_url,
            model,
        }));
    }
    Ok(match (&cfg.anthropic, &cfg.openai) {
        (Some(a), _) => Choice::Anthropic(a.clone()),
        (None, Some(o)) => Choice::OpenAi(o.clone()),
        _ => Choice::Local,
    })
}
