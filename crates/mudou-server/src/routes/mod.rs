//! The HTTP API. Each module contributes an `OpenApiRouter`, so a route cannot
//! exist without appearing in `/api/openapi.json`.

pub mod admin;
pub mod centre;
pub mod coco_import;
pub mod datasets;
pub mod drawing_import;
pub mod earnings;
pub mod exports;
pub mod findings_export;
pub mod health;
pub mod instructions;
mod known;
pub mod labelstudio;
pub mod ladder;
pub mod lead;
pub mod llm_exports;
pub mod me;
pub mod media;
pub mod mistakes;
pub mod model_backend;
pub mod orders;
pub mod quality_report;
pub mod questions;
pub mod reports;
pub mod review;
pub mod session;
pub mod suggest_report;
pub mod suggestions;
pub mod templates;
pub mod tokens;
pub mod types;
pub mod volumes;
pub mod work;

use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "Mudou API", description = "木豆 Mudou: data annotation for rural AI-trainer centres. \
        Browsers authenticate with the `mudou_session` cookie; scripts with `Authorization: Bearer mdt_…`. \
        Errors are `{\"error\":{\"code\",\"message\"}}`; each `code` always comes with the same \
        HTTP status (the `ErrorCode` schema lists them all)."),
    modifiers(&Security),
    // Types that parameters name only by reference.
    components(schemas(exports::ExportFormat, exports::ExportInclude, exports::ExportSource,
        mudou_domain::ItemState, review::ReviewReason, earnings::Range, quality_report::ReportFormat,
        media::Variant, known::ImportAs, mudou_domain::ErrorCode)),
    tags((name = "session"), (name = "devices"), (name = "centre"), (name = "admin"), (name = "tokens"),
         (name = "datasets"), (name = "media"), (name = "orders"), (name = "work"), (name = "exports"), (name = "earnings"), (name = "reports"), (name = "ops"),
         (name = "lead"), (name = "me"), (name = "questions"),
         (name = "signed", description = "links that carry their own expiring signature (no login): pictures for other tools"))
)]
pub struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::auth::SESSION_COOKIE,
            ))),
        );
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("mdt_…")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "metrics_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("the server's --metrics-token, for /metrics"))
                    .build(),
            ),
        );
    }
}

/// The answers any route may give besides its own, by what it takes: added to every
/// operation of the rendered document, so that it lists every status a route can answer.
/// (`json_errors` gives the framework's own refusals the same `ErrorBody`.)
pub fn contract(doc: &mut serde_json::Value) {
    use serde_json::{Value, json};
    let error = |description: &str| {
        json!({"description": description,
               "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}})
    };
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (_, op) in item.iter_mut() {
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let located = |at: &str| params.iter().any(|p| p["in"] == at);
            let mut extra: Vec<(&str, &str)> = Vec::new();
            if path.starts_with("/api/v1/") {
                extra.push(("401", "not logged in, or the session or token ended"));
                extra.push((
                    "403",
                    "not allowed: the caller's role, scope or origin does not fit",
                ));
            }
            if located("path") {
                extra.push(("400", "a path value of the wrong form"));
                extra.push(("404", "nothing of the caller's by that id"));
            }
            if located("query") {
                extra.push(("400", "a query parameter of the wrong form or unknown"));
                extra.push(("422", "a query parameter out of its range"));
            }
            if op.get("requestBody").is_some() {
                extra.push(("400", "a body that is not well-formed"));
                extra.push(("413", "the body is too large"));
                extra.push(("415", "the body is not of the declared content type"));
                extra.push(("422", "the body does not hold what the route needs"));
            }
            extra.push((
                "503",
                "the request took too long, or the database is unavailable",
            ));
            // `format=csv` answers the same figures as a CSV download.
            let csv = params
                .iter()
                .any(|p| p["in"] == "query" && p["name"] == "format");
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                continue;
            };
            if csv
                && let Some(content) = responses
                    .get_mut("200")
                    .and_then(|r| r.get_mut("content"))
                    .and_then(Value::as_object_mut)
            {
                content
                    .entry("text/csv; charset=utf-8")
                    .or_insert_with(|| json!({"schema": {"type": "string"}}));
            }
            for (code, description) in extra {
                responses.entry(code).or_insert_with(|| error(description));
            }
            for (code, r) in responses.iter_mut() {
                if r.get("description").and_then(Value::as_str) == Some("") {
                    let reason = code
                        .parse::<u16>()
                        .ok()
                        .and_then(|c| axum::http::StatusCode::from_u16(c).ok())
                        .and_then(|c| c.canonical_reason())
                        .unwrap_or("answer");
                    r["description"] = json!(reason);
                }
            }
        }
    }
}

/// Every route of the service, with its OpenAPI description.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(health::router())
        .merge(session::router())
        .merge(centre::router())
        .merge(admin::router())
        .merge(tokens::router())
        .merge(datasets::router())
        .merge(media::router())
        .merge(volumes::router())
        .merge(orders::router())
        .merge(instructions::router())
        .merge(work::router())
        .merge(exports::router())
        .merge(llm_exports::router())
        .merge(labelstudio::router())
        .merge(coco_import::router())
        .merge(drawing_import::router())
        .merge(earnings::router())
        .merge(reports::router())
        .merge(review::router())
        .merge(ladder::router())
        .merge(lead::router())
        .merge(me::router())
        .merge(mistakes::router())
        .merge(questions::router())
        .merge(quality_report::router())
        .merge(templates::router())
        .merge(suggestions::router())
        .merge(suggest_report::router())
        .merge(model_backend::router())
}
