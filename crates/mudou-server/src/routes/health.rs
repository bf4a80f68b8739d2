//! Liveness, readiness, metrics and the API description.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::types::ErrorBody;
use crate::error::ApiError;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(metrics))
        .routes(routes!(openapi_json))
}

/// This document: every route of the API in OpenAPI 3.
#[utoipa::path(get, path = "/api/openapi.json", tag = "ops",
    responses((status = 200, content_type = "application/json")))]
async fn openapi_json(State(state): State<AppState>) -> axum::Json<serde_json::Value> {
    axum::Json(state.openapi.get().cloned().unwrap_or_default())
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    pub status: &'static str,
}

/// The process is alive.
#[utoipa::path(get, path = "/healthz", tag = "ops", responses((status = 200, body = Health)))]
async fn healthz() -> axum::Json<Health> {
    axum::Json(Health { status: "ok" })
}

/// The database answers.
#[utoipa::path(get, path = "/readyz", tag = "ops",
    responses((status = 200, body = Health), (status = 503, body = ErrorBody)))]
async fn readyz(State(state): State<AppState>) -> Result<axum::Json<Health>, ApiError> {
    match state.store.ping().await {
        Ok(()) => Ok(axum::Json(Health { status: "ready" })),
        Err(e) => {
            tracing::warn!(error = %e, "database not reachable");
            Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "not_ready",
                "the database does not answer",
            ))
        }
    }
}

/// Prometheus metrics in the text exposition format.
#[utoipa::path(get, path = "/metrics", tag = "ops", responses((status = 200, content_type = "text/plain")))]
async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let now = mudou_store::now_millis();
    let centres = match (
        state.store.centre_totals().await,
        state.store.active_annotators(now).await,
    ) {
        (Ok(totals), Ok(active)) => crate::metrics::centre_families(&totals, &active),
        (Err(e), _) | (_, Err(e)) => {
            tracing::warn!(error = %e, "centre metrics");
            Vec::new()
        }
    };
    match state.store.dispatch_gauges(now).await {
        Ok((active, waiting)) => {
            state.metrics.active_assignments.set(active);
            state.metrics.items_waiting.reset();
            for (order, n) in waiting {
                state
                    .metrics
                    .items_waiting
                    .with_label_values(&[&order.to_string()])
                    .set(n);
            }
        }
        Err(e) => tracing::warn!(error = %e, "dispatch gauges"),
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render_with(centres),
    )
}
