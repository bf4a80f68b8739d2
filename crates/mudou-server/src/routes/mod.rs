//! The HTTP API. Each module contributes an `OpenApiRouter`, so a route cannot
//! exist without appearing in `/api/openapi.json`.

pub mod admin;
pub mod centre;
pub mod datasets;
pub mod earnings;
pub mod exports;
pub mod health;
pub mod lead;
pub mod me;
pub mod media;
pub mod orders;
pub mod quality_report;
pub mod reports;
pub mod review;
pub mod session;
pub mod tokens;
pub mod types;
pub mod work;

use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "Mudou API", description = "木豆 Mudou: data annotation for rural AI-trainer centres. \
        Browsers authenticate with the `mudou_session` cookie; scripts with `Authorization: Bearer mdt_…`. \
        Errors are `{\"error\":{\"code\",\"message\"}}`."),
    modifiers(&Security),
    tags((name = "session"), (name = "devices"), (name = "centre"), (name = "admin"), (name = "tokens"),
         (name = "datasets"), (name = "media"), (name = "orders"), (name = "work"), (name = "exports"), (name = "earnings"), (name = "reports"), (name = "ops"),
         (name = "lead"), (name = "me"))
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
        .merge(orders::router())
        .merge(work::router())
        .merge(exports::router())
        .merge(earnings::router())
        .merge(reports::router())
        .merge(review::router())
        .merge(lead::router())
        .merge(me::router())
        .merge(quality_report::router())
}
