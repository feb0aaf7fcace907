//! One structured question to a provider: a system prompt, a user message and a JSON schema the
//! answer must follow (Anthropic: a forced tool whose input is the schema; OpenAI: a strict
//! `json_schema` response format). Answers the JSON and the usage. Text-only: the analyses'
//! page-by-page calls with images keep their own requests.

use secrecy::ExposeSecret;
use serde_json::{json, Value};

use super::{
    client::{post, CallError, Retry, Usage},
    keys::Choice,
};

/// A provider's structured answer.
pub struct Answer {
    pub json: Value,
    pub usage: Usage,
    pub provider: &'static str,
    pub model: String,
}

/// Asks `choice` (Anthropic or OpenAI; Local has no provider and answers an error) for an
/// answer following `schema`, named `name` (letters, digits and underscores).
pub async fn ask(
    http: &reqwest::Client,
    choice: &Choice,
    retry: &Retry,
    system: &str,
    user: &str,
    name: &str,
    schema: &Value,
) -> Result<Answer, CallError> {
    let mut usage = Usage::default();
    match choice {
        Choice::Anthropic(p) => {
            let url = format!("{}/v1/messages", p.base_url.as_str().trim_end_matches('/'));
            let headers = [
                ("x-api-key", p.api_key.expose_secret().to_string()),
                ("anthropic-version", "2023-06-01".to_string()),
            ];
            let body = json!({
                "model": p.model,
                "max_tokens": 4096,
                "system": system,
                "tools": [{ "name": name, "description": "Record the answer.", "input_schema": schema }],
                "tool_choice": { "type": "tool", "name": name },
                "messages": [{ "role": "user", "content": user }],
            });
            let reply = post(http, &url, &headers, &body, retry, &mut usage).await?;
            let u = &reply.body["usage"];
            let n = |k: &str| u[k].as_i64().unwrap_or(0);
            usage.input += n("input_tokens");
            usage.output += n("output_tokens");
            usage.cache_read += n("cache_read_input_tokens");
            usage.cache_creation += n("cache_creation_input_tokens");
            let json = reply.body["content"]
                .as_array()
                .and_then(|c| {
                    c.iter()
                        .find(|b| b["type"] == "tool_use" && b["name"] == name)
                })
                .map(|b| b["input"].clone())
                .ok_or_else(|| CallError::Malformed {
                    reason: "the answer holds no tool call".into(),
                    raw: reply.raw.chars().take(20_000).collect(),
                })?;
            Ok(Answer {
                json,
                usage,
                provider: "anthropic",
                model: p.model.clone(),
            })
        }
        Choice::OpenAi(p) => {
            let url = format!(
                "{}/v1/chat/completions",
                p.base_url.as_str().trim_end_matches('/')
            );
            let headers = [(
                "authorization",
                format!("Bearer {}", p.api_key.expose_secret()),
            )];
            let body = json!({
                "model": p.model,
                "max_tokens": 4096,
                "messages": [
                    { "role": "system", "content": system },
                    { "role": "user", "content": user },
                ],
                "response_format": { "type": "json_schema", "json_schema": { "name": name, "strict": true, "schema": schema } },
            });
            let reply = post(http, &url, &headers, &body, retry, &mut usage).await?;
            let u = &reply.body["usage"];
            let cached = u["prompt_tokens_details"]["cached_tokens"]
                .as_i64()
                .unwrap_or(0);
            usage.input += u["prompt_tokens"].as_i64().unwrap_or(0) - cached;
            usage.cache_read += cached;
            usage.output += u["completion_tokens"].as_i64().unwrap_or(0);
            let content = reply.body["choices"][0]["message"]["content"]
                .as_str()
                .unwrap_or("");
            let json =
                serde_json::from_str::<Value>(content).map_err(|e| CallError::Malformed {
                    reason: format!("the answer is not JSON: {e}"),
                    raw: reply.raw.chars().take(20_000).collect(),
                })?;
            Ok(Answer {
                json,
                usage,
                provider: "openai",
                model: p.model.clone(),
            })
        }
        Choice::Local => Err(CallError::Provider("no AI provider is configured".into())),
    }
}
