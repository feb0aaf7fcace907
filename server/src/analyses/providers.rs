//! The AI extractors: Anthropic Claude (Messages API, tool use for the schema) and OpenAI (chat
//! completions with a strict JSON schema response format). Both follow DESIGN's passes — the
//! measurement pass on every page, the certificate pass on the last two pages — send the page
//! image with its text layer, and answer the same flat list of fields, which is checked against
//! the schema here: an unknown field, a value that does not parse for its field, or a confidence
//! outside 0–1 breaks it. A broken answer gets one repair request (the error is sent back);
//! then the analysis fails with the raw reply kept. 429, 5xx (and Anthropic's 529) and network
//! errors are retried with exponential backoff (Retry-After honoured up to 30 s), each call under
//! a timeout.

use async_trait::async_trait;
use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};

pub use crate::ai::client::{cost_micros, Retry};
use crate::ai::client::{CallError, Reply, Usage};

use super::{
    extract::{ExtractError, Extracted, Extractor, Input},
    model::{Extraction, Field},
    rules::TestType,
};

/// Every field an AI pass may report, with its kind.
pub const FIELDS: &[(&str, Kind)] = &[
    ("test_date", Kind::Date),
    ("equipment.tag", Kind::Text),
    ("equipment.serial", Kind::Text),
    ("equipment.description", Kind::Text),
    ("equipment.location", Kind::Text),
    ("temperatures.ambient", Kind::Number),
    ("temperatures.reflected", Kind::Number),
    ("temperatures.max", Kind::Number),
    ("temperatures.min", Kind::Number),
    ("temperatures.delta", Kind::Number),
    ("camera.emissivity", Kind::Number),
    ("camera.distance", Kind::Number),
    ("camera.humidity", Kind::Number),
    ("display_reading", Kind::Number),
    ("ground_resistance", Kind::Number),
    ("insulation.R-S", Kind::Number),
    ("insulation.R-T", Kind::Number),
    ("insulation.S-T", Kind::Number),
    ("insulation.R-ground", Kind::Number),
    ("insulation.S-ground", Kind::Number),
    ("insulation.T-ground", Kind::Number),
    ("insulation.absorption_index", Kind::Number),
    ("instrument_serial", Kind::Text),
    ("certificate.serial", Kind::Text),
    ("certificate.calibration_date", Kind::Date),
    ("certificate.expiry_date", Kind::Date),
    ("certificate.laboratory", Kind::Text),
    ("certificate.instrument_serial", Kind::Text),
    ("evidence.technician_signature", Kind::Bool),
    ("evidence.photos_watermarked", Kind::Bool),
];

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    Number,
    Text,
    Date,
    Bool,
}

/// Which pass a call is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Pass {
    Measurements,
    Certificate,
}

fn instructions(test: TestType, pass: Pass) -> String {
    let what = match pass {
        Pass::Measurements => format!(
            "This is one page of a {} commissioning test report. Report every measurement, \
             date, equipment tag, serial number, the technician's signature and whether the \
             photos carry a date/location watermark that you can actually see on this page. For a \
             thermal image give ambient, reflected, maximum, minimum and ΔT in °C (ΔT bands: \
             ≤10 °C normal, 10–25 attention, 25–40 critical, >40 emergency), emissivity, \
             distance (m) and humidity (%). For a photo of an instrument, its display reading.",
            test.label()
        ),
        Pass::Certificate => "This is one of the last pages of a test report. If it is an \
             instrument calibration certificate, report its number, the calibration date, the \
             expiry (due) date, the laboratory and the instrument's serial number."
            .to_string(),
    };
    format!(
        "{what}\nUse only these field names: {}. Values are strings: numbers without units \
         (put the unit in `unit`: Ω for earth resistance, MΩ for insulation, °C for \
         temperatures), dates as YYYY-MM-DD, yes/no for signature and watermark. `confidence` \
         is how sure you are, from 0 to 1. Leave out anything the page does not show: never \
         guess a value.",
        FIELDS
            .iter()
            .map(|(f, _)| *f)
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// The JSON schema of an answer (used as Claude's tool input and OpenAI's response format).
pub fn schema() -> Value {
    let names: Vec<&str> = FIELDS.iter().map(|(f, _)| *f).collect();
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["fields"],
        "properties": {
            "fields": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["field", "value", "unit", "confidence"],
                    "properties": {
                        "field": { "type": "string", "enum": names },
                        "value": { "type": "string" },
                        "unit": { "type": ["string", "null"] },
                        "confidence": { "type": "number" }
                    }
                }
            }
        }
    })
}

/// Checks an answer against the schema and turns it into an extraction of one page.
pub fn parse_answer(answer: &Value, page: u32, source: &str) -> Result<Extraction, String> {
    let fields = answer
        .get("fields")
        .and_then(Value::as_array)
        .ok_or("the answer has no `fields` list")?;
    let mut x = Extraction::default();
    for (i, f) in fields.iter().enumerate() {
        let name = f
            .get("field")
            .and_then(Value::as_str)
            .ok_or(format!("fields[{i}] has no field name"))?;
        let kind = FIELDS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, k)| *k)
            .ok_or(format!("fields[{i}]: `{name}` is not a known field"))?;
        let raw = match f.get("value") {
            Some(Value::String(s)) => s.trim().to_string(),
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::Bool(b)) => if *b { "yes" } else { "no" }.to_string(),
            _ => return Err(format!("fields[{i}] (`{name}`) has no value")),
        };
        if raw.is_empty() {
            continue;
        }
        let confidence = f
            .get("confidence")
            .and_then(Value::as_f64)
            .filter(|c| (0.0..=1.0).contains(c))
            .ok_or(format!(
                "fields[{i}] (`{name}`): confidence must be a number from 0 to 1"
            ))?;
        let unit = f
            .get("unit")
            .and_then(Value::as_str)
            .filter(|u| !u.is_empty());
        set(&mut x, name, kind, &raw, unit, confidence, page, source)
            .map_err(|e| format!("fields[{i}] (`{name}`): {e}"))?;
    }
    Ok(x)
}

#[allow(clippy::too_many_arguments)]
fn set(
    x: &mut Extraction,
    name: &str,
    kind: Kind,
    raw: &str,
    unit: Option<&str>,
    confidence: f64,
    page: u32,
    source: &str,
) -> Result<(), String> {
    let number = || -> Result<Field<f64>, String> {
        let v: f64 = raw
            .replace(',', ".")
            .trim_start_matches(['>', '≥', '<'])
            .trim()
            .parse()
            .map_err(|_| format!("`{raw}` is not a number"))?;
        let (v, u) = normalise_number(name, v, unit)?;
        Ok(Field::found(v, u.as_deref(), confidence, source, page))
    };
    let text = || {
        Field::found(
            raw.chars().take(120).collect::<String>(),
            None,
            confidence,
            source,
            page,
        )
    };
    let date = || -> Result<Field<chrono::NaiveDate>, String> {
        chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .map(|d| Field::found(d, None, confidence, source, page))
            .map_err(|_| format!("`{raw}` is not a date as YYYY-MM-DD"))
    };
    let yes_no = || -> Result<Field<bool>, String> {
        match raw.to_ascii_lowercase().as_str() {
            "yes" | "true" => Ok(Field::found(true, None, confidence, source, page)),
            "no" | "false" => Ok(Field::found(false, None, confidence, source, page)),
            _ => Err(format!("`{raw}` is not yes or no")),
        }
    };
    let _ = kind;
    match name {
        "test_date" => x.test_date.merge(date()?),
        "equipment.tag" => {
            let f = text();
            if !x.tags_seen.iter().any(|t| t.value == f.value) {
                x.tags_seen.push(f.clone());
            }
            x.equipment.tag.merge(f)
        }
        "equipment.serial" => x.equipment.serial.merge(text()),
        "equipment.description" => x.equipment.description.merge(text()),
        "equipment.location" => x.equipment.location.merge(text()),
        "temperatures.ambient" => x.temperatures.ambient.merge(number()?),
        "temperatures.reflected" => x.temperatures.reflected.merge(number()?),
        "temperatures.max" => x.temperatures.max.merge(number()?),
        "temperatures.min" => x.temperatures.min.merge(number()?),
        "temperatures.delta" => x.temperatures.delta.merge(number()?),
        "camera.emissivity" => x.camera.emissivity.merge(number()?),
        "camera.distance" => x.camera.distance.merge(number()?),
        "camera.humidity" => x.camera.humidity.merge(number()?),
        "display_reading" => x.display_reading.merge(number()?),
        "ground_resistance" => x.ground_resistance.merge(number()?),
        "insulation.absorption_index" => x.insulation.absorption_index.merge(number()?),
        "instrument_serial" => x.instrument_serial.merge(text()),
        "certificate.serial" => x.certificate.serial.merge(text()),
        "certificate.calibration_date" => x.certificate.calibration_date.merge(date()?),
        "certificate.expiry_date" => x.certificate.expiry_date.merge(date()?),
        "certificate.laboratory" => x.certificate.laboratory.merge(text()),
        "certificate.instrument_serial" => x.certificate.instrument_serial.merge(text()),
        "evidence.technician_signature" => x.evidence.technician_signature.merge(yes_no()?),
        "evidence.photos_watermarked" => x.evidence.photos_watermarked.merge(yes_no()?),
        p => {
            let pair = p.strip_prefix("insulation.").unwrap_or(p);
            let f = number()?;
            if let Some(slot) = x.insulation.pair_mut(pair) {
                slot.merge(f);
            }
        }
    }
    Ok(())
}

/// Units into the model's base units (Ω, MΩ, °C, m, %).
fn normalise_number(
    name: &str,
    v: f64,
    unit: Option<&str>,
) -> Result<(f64, Option<String>), String> {
    let u = unit.unwrap_or("").replace(' ', "");
    let lower = u.to_lowercase();
    let resistance = |base: f64, label: &str| -> Result<(f64, Option<String>), String> {
        let factor = match u.as_str() {
            "" => base,
            "mΩ" | "mohm" => 1e-3,
            "Ω" | "ohm" | "ohms" | "Ohm" => 1.0,
            "kΩ" | "kohm" => 1e3,
            "MΩ" | "Mohm" | "MOhm" => 1e6,
            "GΩ" | "Gohm" | "GOhm" => 1e9,
            "TΩ" => 1e12,
            other => return Err(format!("`{other}` is not a resistance unit")),
        };
        Ok((v * factor / base, Some(label.to_string())))
    };
    if name == "ground_resistance" {
        return resistance(1.0, "Ω");
    }
    if name.starts_with("insulation.") && name != "insulation.absorption_index" {
        return resistance(1e6, "MΩ");
    }
    if name.starts_with("temperatures.") {
        return match lower.as_str() {
            "" | "°c" | "c" | "ºc" => Ok((v, Some("°C".into()))),
            "°f" | "f" if name == "temperatures.delta" => Ok((v * 5.0 / 9.0, Some("°C".into()))),
            "°f" | "f" => Ok(((v - 32.0) * 5.0 / 9.0, Some("°C".into()))),
            "k" if name == "temperatures.delta" => Ok((v, Some("°C".into()))),
            "k" => Ok((v - 273.15, Some("°C".into()))),
            other => Err(format!("`{other}` is not a temperature unit")),
        };
    }
    Ok((v, unit.map(str::to_string)))
}

/// One provider call through the shared AI client, its failures as extraction errors (with
/// the usage so far, so a failed analysis still records what it cost).
async fn post(
    http: &reqwest::Client,
    url: &str,
    headers: &[(&str, String)],
    body: &Value,
    retry: &Retry,
    usage: &mut Usage,
) -> Result<Reply, ExtractError> {
    crate::ai::client::post(http, url, headers, body, retry, usage)
        .await
        .map_err(|e| match e {
            CallError::Provider(reason) => ExtractError::Provider {
                reason,
                usage: usage.clone(),
            },
            CallError::Malformed { reason, raw } => ExtractError::Malformed {
                reason,
                raw,
                usage: usage.clone(),
            },
        })
}

/// The pages each pass looks at (1-based).
fn plan(pages: usize) -> Vec<(u32, Pass)> {
    let mut out: Vec<(u32, Pass)> = (1..=pages as u32)
        .map(|p| (p, Pass::Measurements))
        .collect();
    let first_cert = pages.saturating_sub(2) + 1;
    for p in first_cert..=pages {
        out.push((p as u32, Pass::Certificate));
    }
    out
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Runs every pass through `call` and merges the pages (highest confidence wins).
async fn run_passes<F, Fut>(
    input: &Input<'_>,
    provider: &'static str,
    model: &str,
    mut call: F,
) -> Result<Extracted, ExtractError>
where
    F: FnMut(u32, Pass, Option<String>, Usage) -> Fut,
    Fut: std::future::Future<Output = Result<(Value, String, Usage), ExtractError>>,
{
    let mut x = Extraction::default();
    let mut usage = Usage::default();
    let mut last_raw = None;
    for (page, pass) in plan(input.page_images.len()) {
        let (answer, raw, u) = call(page, pass, None, usage.clone()).await?;
        usage = u;
        let parsed = match parse_answer(&answer, page, provider) {
            Ok(p) => p,
            Err(problem) => {
                // One repair attempt: the model sees what was wrong.
                let (answer, raw2, u) =
                    call(page, pass, Some(problem.clone()), usage.clone()).await?;
                usage = u;
                parse_answer(&answer, page, provider).map_err(|e| ExtractError::Malformed {
                    reason: format!("{e} (also after one repair request)"),
                    raw: raw2.chars().take(20_000).collect(),
                    usage: usage.clone(),
                })?
            }
        };
        merge(&mut x, parsed);
        last_raw = Some(raw);
    }
    Ok(Extracted {
        extraction: x,
        tokens: usage.total(),
        cost_micros: cost_micros(model, &usage),
        usage,
        provider,
        model: model.to_string(),
        raw: last_raw.map(|r| r.chars().take(20_000).collect()),
    })
}

/// Merges one page's extraction into the whole (highest confidence per field).
pub fn merge(into: &mut Extraction, from: Extraction) {
    let Extraction {
        test_date,
        equipment,
        tags_seen,
        temperatures,
        camera,
        display_reading,
        ground_resistance,
        insulation,
        instrument_serial,
        certificate,
        evidence,
    } = from;
    into.test_date.merge(test_date);
    into.equipment.tag.merge(equipment.tag);
    into.equipment.serial.merge(equipment.serial);
    into.equipment.description.merge(equipment.description);
    into.equipment.location.merge(equipment.location);
    for t in tags_seen {
        if !into.tags_seen.iter().any(|s| s.value == t.value) {
            into.tags_seen.push(t);
        }
    }
    let t = &mut into.temperatures;
    t.ambient.merge(temperatures.ambient);
    t.reflected.merge(temperatures.reflected);
    t.max.merge(temperatures.max);
    t.min.merge(temperatures.min);
    t.delta.merge(temperatures.delta);
    into.camera.emissivity.merge(camera.emissivity);
    into.camera.distance.merge(camera.distance);
    into.camera.humidity.merge(camera.humidity);
    into.display_reading.merge(display_reading);
    into.ground_resistance.merge(ground_resistance);
    let i = &mut into.insulation;
    i.r_s.merge(insulation.r_s);
    i.r_t.merge(insulation.r_t);
    i.s_t.merge(insulation.s_t);
    i.r_ground.merge(insulation.r_ground);
    i.s_ground.merge(insulation.s_ground);
    i.t_ground.merge(insulation.t_ground);
    i.absorption_index.merge(insulation.absorption_index);
    into.instrument_serial.merge(instrument_serial);
    let c = &mut into.certificate;
    c.serial.merge(certificate.serial);
    c.calibration_date.merge(certificate.calibration_date);
    c.expiry_date.merge(certificate.expiry_date);
    c.laboratory.merge(certificate.laboratory);
    c.instrument_serial.merge(certificate.instrument_serial);
    into.evidence
        .technician_signature
        .merge(evidence.technician_signature);
    into.evidence.photos.merge(evidence.photos);
    into.evidence
        .photos_watermarked
        .merge(evidence.photos_watermarked);
}

/// Anthropic Claude through the Messages API.
pub struct Claude {
    pub http: reqwest::Client,
    pub api_key: SecretString,
    pub base_url: String,
    pub model: String,
    pub retry: Retry,
}

const TOOL: &str = "record_report_fields";

#[async_trait]
impl Extractor for Claude {
    fn name(&self) -> &'static str {
        "anthropic"
    }

    async fn extract(&self, input: &Input<'_>) -> Result<Extracted, ExtractError> {
        let url = format!("{}/v1/messages", self.base_url.trim_end_matches('/'));
        let headers = [
            ("x-api-key", self.api_key.expose_secret().to_string()),
            ("anthropic-version", "2023-06-01".to_string()),
        ];
        run_passes(input, "anthropic", &self.model, |page, pass, repair, mut usage| {
            let url = url.clone();
            let headers = headers.clone();
            async move {
                let idx = page as usize - 1;
                let text = input.pages_text.get(idx).cloned().unwrap_or_default();
                let mut content = vec![
                    json!({ "type": "image", "source": { "type": "base64", "media_type": "image/png", "data": b64(&input.page_images[idx]) } }),
                    json!({ "type": "text", "text": format!("Page {page}. Its text layer:\n{}", text.chars().take(12_000).collect::<String>()) }),
                ];
                if let Some(problem) = repair {
                    content.push(json!({ "type": "text", "text": format!("Your previous answer did not fit the schema: {problem}. Answer again with the tool, following the schema exactly.") }));
                }
                let body = json!({
                    "model": self.model,
                    "max_tokens": 2048,
                    "system": instructions(input.test, pass),
                    "tools": [{ "name": TOOL, "description": "Record the fields read from this page.", "input_schema": schema() }],
                    "tool_choice": { "type": "tool", "name": TOOL },
                    "messages": [{ "role": "user", "content": content }],
                });
                let reply = post(&self.http, &url, &headers, &body, &self.retry, &mut usage).await?;
                let u = &reply.body["usage"];
                let n = |k: &str| u[k].as_i64().unwrap_or(0);
                usage.input += n("input_tokens");
                usage.output += n("output_tokens");
                usage.cache_read += n("cache_read_input_tokens");
                usage.cache_creation += n("cache_creation_input_tokens");
                let answer = reply.body["content"]
                    .as_array()
                    .and_then(|c| c.iter().find(|b| b["type"] == "tool_use" && b["name"] == TOOL))
                    .map(|b| b["input"].clone())
                    .unwrap_or(Value::Null);
                Ok((answer, reply.raw, usage))
            }
        })
        .await
    }
}

/// OpenAI chat completions with a strict JSON schema.
pub struct OpenAi {
    pub http: reqwest::Client,
    pub api_key: SecretString,
    pub base_url: String,
    pub model: String,
    pub retry: Retry,
}

#[async_trait]
impl Extractor for OpenAi {
    fn name(&self) -> &'static str {
        "openai"
    }

    async fn extract(&self, input: &Input<'_>) -> Result<Extracted, ExtractError> {
        let url = format!(
            "{}/v1/chat/completions",
            self.base_url.trim_end_matches('/')
        );
        let headers = [(
            "authorization",
            format!("Bearer {}", self.api_key.expose_secret()),
        )];
        run_passes(input, "openai", &self.model, |page, pass, repair, mut usage| {
            let url = url.clone();
            let headers = headers.clone();
            async move {
                let idx = page as usize - 1;
                let text = input.pages_text.get(idx).cloned().unwrap_or_default();
                let mut content = vec![
                    json!({ "type": "text", "text": format!("Page {page}. Its text layer:\n{}", text.chars().take(12_000).collect::<String>()) }),
                    json!({ "type": "image_url", "image_url": { "url": format!("data:image/png;base64,{}", b64(&input.page_images[idx])) } }),
                ];
                if let Some(problem) = repair {
                    content.push(json!({ "type": "text", "text": format!("Your previous answer did not fit the schema: {problem}. Answer again following the schema exactly.") }));
                }
                let body = json!({
                    "model": self.model,
                    "max_tokens": 2048,
                    "messages": [
                        { "role": "system", "content": instructions(input.test, pass) },
                        { "role": "user", "content": content },
                    ],
                    "response_format": { "type": "json_schema", "json_schema": { "name": "report_fields", "strict": true, "schema": schema() } },
                });
                let reply = post(&self.http, &url, &headers, &body, &self.retry, &mut usage).await?;
                let u = &reply.body["usage"];
                let cached = u["prompt_tokens_details"]["cached_tokens"].as_i64().unwrap_or(0);
                usage.input += u["prompt_tokens"].as_i64().unwrap_or(0) - cached;
                usage.cache_read += cached;
                usage.output += u["completion_tokens"].as_i64().unwrap_or(0);
                let content = reply.body["choices"][0]["message"]["content"].as_str().unwrap_or("");
                let answer = serde_json::from_str::<Value>(content).unwrap_or(Value::Null);
                Ok((answer, reply.raw, usage))
            }
        })
        .await
    }
}
