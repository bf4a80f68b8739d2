//! Liveness, readiness, metrics and the API description.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use mudou_domain::ErrorCode;
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
                ErrorCode::NotReady,
                "the database does not answer",
            ))
        }
    }
}

/// Prometheus metrics in the text exposition format: per-centre labels and pay among them, so
/// only for the holder of the metrics token (`--metrics-token`), sent as
/// `Authorization: Bearer <token>`. Without a configured token this listener answers 404 (the
/// metrics may be on an address of their own, `--metrics-listen`, which needs no token).
#[utoipa::path(get, path = "/metrics", tag = "ops",
    security(("metrics_token" = [])),
    responses((status = 200, content_type = "text/plain"),
        (status = 401, body = ErrorBody, description = "`unauthenticated` (no token) or `invalid_token` (a wrong one)"),
        (status = 404, body = ErrorBody, description = "no metrics token is configured")))]
async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = &state.settings.metrics_token else {
        return ApiError::new(
            ErrorCode::NotFound,
            "no metrics here: they need a metrics token (--metrics-token) or an address of their own (--metrics-listen)",
        )
        .into_response();
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let refused = match given {
        None => Some(ApiError::new(
            ErrorCode::Unauthenticated,
            "send the metrics token: 'Authorization: Bearer <token>'",
        )),
        Some(t) if !token.matches(t) => Some(ApiError::new(
            ErrorCode::InvalidToken,
            "not the metrics token",
        )),
        Some(_) => None,
    };
    match refused {
        Some(e) => {
            let mut res = e.into_response();
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"metrics\""),
            );
            res
        }
        None => render(&state).await,
    }
}

/// The router of `--metrics-listen`: `/metrics` alone, without a token.
pub fn metrics_only(state: AppState) -> Router {
    Router::new()
        .route(
            "/metrics",
            get(|State(state): State<AppState>| async move { render(&state).await }),
        )
        .with_state(state)
}

/// Reads the gauges set at scrape time and renders every family.
async fn render(state: &AppState) -> Response {
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
        .into_response()
}
