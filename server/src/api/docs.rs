//! The OpenAPI 3.1 document of `/api/v1`, generated from the handlers and their types
//! (utoipa), at `/api/v1/openapi.json`, and a reference page rendered from it on the server at
//! `/api/v1/docs` (no scripts, nothing from a CDN: it works offline and under our CSP).

use std::sync::OnceLock;

use axum::{
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
};
use serde_json::Value;
use utoipa::{
    openapi::{
        content::ContentBuilder,
        link::LinkBuilder,
        response::ResponseBuilder,
        security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
        Ref, RefOr,
    },
    Modify, OpenApi,
};

use super::{problem::ProblemBody, resources};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Switchyard API",
        version = "1",
        description = "Orders, analyses, tokens and campaigns of one company, for integrators. \
            Every call sends a company API key (Settings → API) as `Authorization: Bearer <key>`."
    ),
    paths(
        resources::list_orders,
        resources::get_order,
        resources::change_order_status,
        resources::token_balance,
        resources::token_ledger,
        resources::list_webhook_endpoints,
        resources::create_webhook_endpoint,
        resources::delete_webhook_endpoint,
    ),
    components(schemas(ProblemBody)),
    tags(
        (name = "orders", description = "The order inbox of the stores the key may see"),
        (name = "tokens", description = "AI tokens: the balance and every movement"),
        (name = "webhooks", description = "Endpoints that receive events, signed the Standard Webhooks way"),
    ),
    modifiers(&Shared)
)]
struct ApiDoc;

/// What every operation shares: the bearer scheme, and the problem documents any call may get.
struct Shared;

/// The problems every operation may answer, with when.
const PROBLEMS: &[(&str, &str)] = &[
    ("400", "The query or body does not parse (`bad_request`)."),
    ("401", "No API key, or one that is unknown, revoked or expired (`unauthorized`)."),
    ("403", "The key's scopes do not allow this (`forbidden`)."),
    ("404", "No such resource for this key: another company's, or a store the key may not see (`not_found`)."),
    ("409", "The request conflicts with the resource's state (`conflict`), or its Idempotency-Key is still being answered."),
    ("415", "A body that is not application/json (`unsupported_media_type`)."),
    ("422", "A value is refused (`validation`, with `field`), or an Idempotency-Key was reused for another request."),
    ("429", "The key, member or address used its calls for the hour (`rate_limited`; see Retry-After)."),
    ("500", "Something failed on our side; it is logged (`internal`)."),
    ("503", "A service we depend on is unavailable; try again shortly (`unavailable`)."),
];

impl Modify for Shared {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "api_key",
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .bearer_format("swk_<prefix>_<secret>")
                        .description(Some("A company API key from Settings → API."))
                        .build(),
                ),
            );
        }
        // Where a list's ids lead (OpenAPI links): to each order, and to changing its status.
        if let Some(RefOr::T(listed)) = openapi
            .paths
            .paths
            .get_mut("/api/v1/orders")
            .and_then(|i| i.get.as_mut())
            .and_then(|op| op.responses.responses.get_mut("200"))
        {
            for (name, operation) in [
                ("GetOrder", "get_order"),
                ("ChangeOrderStatus", "change_order_status"),
            ] {
                listed.links.insert(
                    name.to_string(),
                    RefOr::T(
                        LinkBuilder::new()
                            .operation_id(operation)
                            .parameter("id", "$response.body#/data/0/id")
                            .description("The first order of the page")
                            .build(),
                    ),
                );
            }
        }
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                item.get.as_mut(),
                item.post.as_mut(),
                item.put.as_mut(),
                item.patch.as_mut(),
                item.delete.as_mut(),
            ];
            for op in operations.into_iter().flatten() {
                let is_post = item_is_write(op);
                for (status, text) in PROBLEMS {
                    if !is_post && matches!(*status, "409" | "415") {
                        continue;
                    }
                    op.responses
                        .responses
                        .entry(status.to_string())
                        .or_insert_with(|| {
                            ResponseBuilder::new()
                                .description(*text)
                                .content(
                                    super::problem::CONTENT_TYPE,
                                    ContentBuilder::new()
                                        .schema(Some(Ref::from_schema_name("Problem")))
                                        .build(),
                                )
                                .build()
                                .into()
                        });
                }
            }
        }
    }
}

/// Whether an operation takes a body (writes answer 409 and 415 too).
fn item_is_write(op: &utoipa::openapi::path::Operation) -> bool {
    op.request_body.is_some()
}

/// The document as JSON, built once.
pub fn document() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc =
            serde_json::to_value(ApiDoc::openapi()).expect("the OpenAPI document serialises");
        camel_case_links(&mut doc);
        serde_json::to_string_pretty(&doc).expect("the OpenAPI document serialises")
    })
}

/// utoipa 5.5 writes a Link's fields in snake case (`operation_id`); OpenAPI names them in
/// camel case (`operationId`), which is what clients and schemathesis read.
fn camel_case_links(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    let links = paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut())
        .filter_map(|op| op.get_mut("responses").and_then(Value::as_object_mut))
        .flat_map(|responses| responses.values_mut())
        .filter_map(|r| r.get_mut("links").and_then(Value::as_object_mut))
        .flat_map(|links| links.values_mut())
        .filter_map(Value::as_object_mut);
    for link in links {
        for (snake, camel) in [
            ("operation_id", "operationId"),
            ("operation_ref", "operationRef"),
            ("request_body", "requestBody"),
        ] {
            if let Some(v) = link.remove(snake) {
                link.insert(camel.to_string(), v);
            }
        }
    }
}

/// GET /api/v1/openapi.json
pub async fn openapi_json() -> Response {
    let mut res = document().into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    res
}

/// GET /api/v1/docs
pub async fn reference_page() -> Response {
    static PAGE: OnceLock<String> = OnceLock::new();
    let page = PAGE.get_or_init(|| {
        let doc: Value = serde_json::from_str(document()).expect("the document is JSON");
        render(&doc, crate::http::middleware::stylesheet())
    });
    let mut res = page.as_str().into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    res
}

fn esc(s: &str) -> String {
    html_escape::encode_text(s).into_owned()
}

/// Inline code marks (`x`) as <code>, the rest escaped.
fn prose(s: &str) -> String {
    let mut out = String::new();
    for (i, part) in s.split('`').enumerate() {
        if i % 2 == 1 {
            out.push_str(r#"<code class="rounded bg-slate-100 px-1 text-[0.9em]">"#);
            out.push_str(&esc(part));
            out.push_str("</code>");
        } else {
            out.push_str(&esc(part));
        }
    }
    out
}

/// A schema in words: a link for a reference, the type (and format) otherwise.
fn type_of(schema: &Value) -> String {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or(r);
        return format!(
            r##"<a class="text-brand-700 underline" href="#schema-{0}">{0}</a>"##,
            esc(name)
        );
    }
    if let Some(one) = schema.get("oneOf").and_then(Value::as_array) {
        return one.iter().map(type_of).collect::<Vec<_>>().join(" or ");
    }
    let format = schema.get("format").and_then(Value::as_str);
    let ty = match schema.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" or "),
        _ => String::from("any"),
    };
    let ty = if ty.starts_with("array") {
        let items = schema.get("items").map(type_of).unwrap_or_default();
        format!(
            "array of {items}{}",
            ty.strip_prefix("array").unwrap_or_default()
        )
    } else {
        esc(&ty)
    };
    match format {
        Some(f) => format!("{ty} ({})", esc(f)),
        None => ty,
    }
}

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

const H2: &str = "mt-10 text-lg font-semibold text-slate-900";
const TABLE: &str = "mt-2 w-full text-left text-sm";
const TH: &str = "border-b border-slate-200 py-1 pr-4 font-medium text-slate-500";
const TD: &str = "border-b border-slate-100 py-1 pr-4 align-top";

/// The reference page.
pub fn render(doc: &Value, stylesheet: &str) -> String {
    let mut body = String::new();
    let info = &doc["info"];
    body.push_str(&format!(
        r#"<h1 class="text-2xl font-semibold">{}</h1><p class="mt-2 text-slate-600">{}</p>"#,
        esc(&text(info, "title")),
        prose(&text(info, "description"))
    ));
    body.push_str(&format!(
        r#"<p class="mt-2 text-sm text-slate-600">The machine-readable document: <a class="text-brand-700 underline" href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI {}).</p>"#,
        esc(&text(doc, "openapi"))
    ));
    body.push_str(&format!(r#"<h2 class="{H2}">Calling the API</h2><ul class="mt-2 list-disc space-y-1 pl-5 text-sm text-slate-700">"#));
    for line in [
        "Send the key as `Authorization: Bearer swk_…`. A key acts for the member who made it, with the scopes chosen then; it never gains a permission its maker loses.",
        "Each key and each member may make 1,000 calls an hour by default; calls without a valid key, 100 an hour per address. Every answer says what is left: `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (seconds); a 429 also has `Retry-After`.",
        "Lists are newest first. Pass a page's `next_cursor` as `cursor` for the next one; `next_cursor` is null on the last page.",
        "Every POST honours `Idempotency-Key`: the same key with the same request replays the first answer (marked `Idempotent-Replayed: true`); with another request it is refused (422). Answers are kept 24 hours.",
        "Money is in minor units (`total_minor`: bani for RON) with its `currency`; times are RFC 3339 in UTC.",
        "Errors are problem documents (RFC 9457, `application/problem+json`) with a stable `code`.",
    ] {
        body.push_str(&format!("<li>{}</li>", prose(line)));
    }
    body.push_str("</ul>");

    let schemes = r#"<span class="rounded bg-emerald-50 px-1.5 py-0.5 font-mono text-xs font-semibold text-emerald-700">"#;
    if let Some(paths) = doc["paths"].as_object() {
        for (path, item) in paths {
            let Some(item) = item.as_object() else {
                continue;
            };
            for (method, op) in item {
                let id = text(op, "operationId");
                body.push_str(&format!(
                    r#"<section id="op-{id}" class="mt-10 rounded-xl border border-slate-200 bg-white p-5"><h2 class="text-base font-semibold">{summary}</h2><p class="mt-1 font-mono text-sm">{schemes}{method}</span> {path}</p>"#,
                    id = esc(&id),
                    summary = esc(&text(op, "summary")),
                    method = esc(&method.to_uppercase()),
                    path = esc(path),
                ));
                let description = text(op, "description");
                if !description.is_empty() {
                    body.push_str(&format!(
                        r#"<p class="mt-2 text-sm text-slate-700">{}</p>"#,
                        prose(&description)
                    ));
                }
                let scopes: Vec<String> = op["security"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|s| s.get("api_key")?.as_array().cloned())
                    .flatten()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect();
                if !scopes.is_empty() {
                    body.push_str(&format!(
                        r#"<p class="mt-2 text-sm">Scope: {}</p>"#,
                        scopes
                            .iter()
                            .map(|s| format!("<code>{}</code>", esc(s)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                if let Some(params) = op["parameters"].as_array().filter(|p| !p.is_empty()) {
                    body.push_str(&format!(r#"<table class="{TABLE}"><thead><tr><th class="{TH}">Parameter</th><th class="{TH}">In</th><th class="{TH}">Type</th><th class="{TH}">Description</th></tr></thead><tbody>"#));
                    for p in params {
                        body.push_str(&format!(
                            r#"<tr><td class="{TD} font-mono">{name}{req}</td><td class="{TD}">{loc}</td><td class="{TD}">{ty}</td><td class="{TD}">{desc}</td></tr>"#,
                            name = esc(&text(p, "name")),
                            req = if p["required"].as_bool() == Some(true) { " *" } else { "" },
                            loc = esc(&text(p, "in")),
                            ty = type_of(&p["schema"]),
                            desc = prose(&text(p, "description")),
                        ));
                    }
                    body.push_str("</tbody></table>");
                }
                if let Some(schema) = op.pointer("/requestBody/content/application~1json/schema") {
                    body.push_str(&format!(
                        r#"<p class="mt-3 text-sm">Body (application/json): {}</p>"#,
                        type_of(schema)
                    ));
                }
                body.push_str(&format!(r#"<table class="{TABLE}"><thead><tr><th class="{TH}">Status</th><th class="{TH}">Answer</th><th class="{TH}">When</th></tr></thead><tbody>"#));
                if let Some(responses) = op["responses"].as_object() {
                    for (status, r) in responses {
                        let schema = r
                            .get("content")
                            .and_then(Value::as_object)
                            .and_then(|c| c.values().next())
                            .and_then(|c| c.get("schema"))
                            .map(type_of)
                            .unwrap_or_default();
                        body.push_str(&format!(
                            r#"<tr><td class="{TD} font-mono">{}</td><td class="{TD}">{}</td><td class="{TD}">{}</td></tr>"#,
                            esc(status),
                            schema,
                            prose(&text(r, "description"))
                        ));
                    }
                }
                body.push_str("</tbody></table></section>");
            }
        }
    }

    body.push_str(&format!(r#"<h2 class="{H2}">Types</h2>"#));
    if let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    {
        for (name, schema) in schemas {
            body.push_str(&format!(
                r#"<section id="schema-{n}" class="mt-6"><h3 class="font-mono text-sm font-semibold">{n}</h3>"#,
                n = esc(name)
            ));
            let description = text(schema, "description");
            if !description.is_empty() {
                body.push_str(&format!(
                    r#"<p class="mt-1 text-sm text-slate-600">{}</p>"#,
                    prose(&description)
                ));
            }
            if let Some(props) = schema["properties"].as_object() {
                let required: Vec<&str> = schema["required"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                body.push_str(&format!(r#"<table class="{TABLE}"><tbody>"#));
                for (field, s) in props {
                    body.push_str(&format!(
                        r#"<tr><td class="{TD} w-48 font-mono">{f}{req}</td><td class="{TD} w-56">{ty}</td><td class="{TD}">{desc}</td></tr>"#,
                        f = esc(field),
                        req = if required.contains(&field.as_str()) { "" } else { "?" },
                        ty = type_of(s),
                        desc = prose(&text(s, "description")),
                    ));
                }
                body.push_str("</tbody></table>");
            }
            body.push_str("</section>");
        }
    }

    body.push_str(&format!(
        r#"<h2 class="{H2}">Problems</h2><table class="{TABLE}"><tbody>"#
    ));
    for (code, when) in [
        ("bad_request", "The query or body does not parse."),
        (
            "unauthorized",
            "No API key, or one that is unknown, revoked or expired; `detail` says which.",
        ),
        (
            "forbidden",
            "The key's scopes do not allow this call (the refusal is in the company's audit log).",
        ),
        ("not_found", "No such resource for this key."),
        (
            "conflict",
            "The resource's state refuses the change (a status move the workflow does not allow).",
        ),
        (
            "unsupported_media_type",
            "The body is not application/json.",
        ),
        ("validation", "A value is refused; `field` names it."),
        (
            "idempotency_key_reused",
            "The Idempotency-Key was used for another request.",
        ),
        (
            "idempotency_in_progress",
            "The first request with this Idempotency-Key is still being answered.",
        ),
        ("too_large", "The body is over 1 MB."),
        (
            "rate_limited",
            "The hour's calls are used; wait `Retry-After` seconds.",
        ),
        ("internal", "Something failed on our side; it is logged."),
        (
            "unavailable",
            "A service we depend on is unavailable; try again shortly.",
        ),
    ] {
        body.push_str(&format!(
            r#"<tr id="problem-{c}"><td class="{TD} w-56 font-mono">{c}</td><td class="{TD}">{w}</td></tr>"#,
            c = esc(code),
            w = prose(when)
        ));
    }
    body.push_str("</tbody></table>");

    format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>API reference · Switchyard</title><link rel="stylesheet" href="{stylesheet}"></head><body class="bg-slate-50 text-slate-900"><main class="mx-auto max-w-4xl px-4 py-10">{body}</main></body></html>"#,
        stylesheet = esc(stylesheet),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_documents_its_problems_and_the_page_names_it() {
        let doc: Value = serde_json::from_str(document()).unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
        let ops = doc["paths"].as_object().unwrap();
        assert!(ops.contains_key("/api/v1/orders"));
        let link = &doc["paths"]["/api/v1/orders"]["get"]["responses"]["200"]["links"]["GetOrder"];
        assert_eq!(link["operationId"], "get_order", "{link}");
        for (path, item) in ops {
            for (method, op) in item.as_object().unwrap() {
                let r = op["responses"].as_object().unwrap();
                assert!(
                    r.keys().any(|k| k.starts_with('2')),
                    "{method} {path} has no success"
                );
                for status in ["401", "403", "429"] {
                    assert!(r.contains_key(status), "{method} {path} lacks {status}");
                }
                assert_eq!(
                    r["401"]["content"]["application/problem+json"]["schema"]["$ref"],
                    "#/components/schemas/Problem"
                );
            }
        }
        let page = render(&doc, "/pkg/x.css");
        assert!(page.contains("/api/v1/orders/{id}/status"));
        assert!(page.contains(r#"id="problem-not_found""#));
        assert!(page.contains(r#"id="schema-OrderSummary""#));
        assert!(!page.contains("<script"));
    }
}
