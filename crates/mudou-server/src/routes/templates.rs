//! Templates and Label Studio labelling configs: a config read as a template (to start an
//! order from a Label Studio project), and an order's template written as a config (to
//! open Mudou's exports in Label Studio).

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use mudou_domain::labelstudio::{self, ConfigError};
use mudou_domain::{OrderId, OrderSpec, Template};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::types::ErrorBody;
use crate::auth::ClientCaller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(template_from_labelstudio))
        .routes(routes!(order_labelstudio_config))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LsConfigIn {
    /// A Label Studio labelling config: `<View>…</View>`.
    pub config: String,
}

#[derive(Serialize, ToSchema)]
pub struct TemplateOut {
    pub template: Template,
}

/// Reads a Label Studio labelling config as an order template. Maps `Image`/`Text` fields
/// (any `$key`), `Choices`, `Rating`, `Number`, `TextArea` and `RectangleLabels` (with
/// per-region `Choices` as box attributes), `required`, `toName` and
/// `visibleWhen="choice-selected"`; layout tags pass through. Anything else answers 422
/// `validation` whose `unsupported` lists each tag (`tag`, `name`, `reason`).
#[utoipa::path(post, path = "/api/v1/templates/labelstudio", tag = "orders",
    request_body = LsConfigIn,
    responses((status = 200, body = TemplateOut), (status = 422, body = ErrorBody)))]
async fn template_from_labelstudio(
    _client: ClientCaller,
    Json(body): Json<LsConfigIn>,
) -> ApiResult<Json<TemplateOut>> {
    match labelstudio::template_from_config(&body.config) {
        Ok(template) => Ok(Json(TemplateOut { template })),
        Err(e) => {
            let message = e.message();
            let err = ApiError::validation(message).with("field", "config");
            Err(match e {
                ConfigError::Unsupported(list) => err.with(
                    "unsupported",
                    serde_json::to_value(list).map_err(ApiError::internal)?,
                ),
                ConfigError::Invalid(v) => err.with("template_field", v.field.into_owned()),
                ConfigError::Xml(_) => err,
            })
        }
    }
}

/// The order's template (for the task types of before, the one-question template they
/// amount to) as a Label Studio labelling config, for a project that opens the order's
/// Label Studio export.
#[utoipa::path(get, path = "/api/v1/orders/{id}/labelstudio-config", tag = "orders",
    params(("id" = i64, Path)),
    responses((status = 200, description = "the config, XML", content_type = "application/xml"),
              (status = 404, body = ErrorBody)))]
async fn order_labelstudio_config(
    State(state): State<AppState>,
    client: ClientCaller,
    Path(id): Path<OrderId>,
) -> ApiResult<Response> {
    let order = state
        .store
        .get_order(client.org_id, id)
        .await
        .map_err(ApiError::not_found_as("order"))?;
    let spec: OrderSpec = serde_json::from_str(&order.spec).map_err(ApiError::internal)?;
    let xml = labelstudio::config_from_template(&spec.template());
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/xml; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        xml,
    )
        .into_response())
}
