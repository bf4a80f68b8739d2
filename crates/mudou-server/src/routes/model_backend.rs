//! An order's model backend (a server speaking the Label Studio ML backend protocol), set by
//! the order's client: `PUT` checks it answers (`GET /health`, `POST /setup` with the order's
//! Label Studio config) and keeps it; `GET` shows its address, breaker state and counts (the
//! token never); `DELETE` removes it; `POST …/predict` asks it now. The asking and the
//! training events are the worker's (`crate::model_backend`).

use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use mudou_domain::labelstudio::config_from_template;
use mudou_domain::{OrderId, OrderSpec};
use mudou_store::{ModelBackend, NewModelBackend, now_millis};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::types::ErrorBody;
use crate::auth::ClientCaller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::model_backend::{self as worker, state_name};
use crate::state::AppState;

/// Defaults and limits of a backend's settings.
const DEFAULT_BATCH: i64 = 8;
const MAX_BATCH: i64 = 100;
const DEFAULT_TIMEOUT_MS: i64 = 10_000;
const MAX_URL: usize = 2000;
const MAX_TOKEN: usize = 4000;
/// The longest the checks of a `PUT` wait for each answer (the request has its own limit).
const CHECK_TIMEOUT_MS: i64 = 8_000;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(put_backend, get_backend, delete_backend))
        .routes(routes!(predict_now))
}

/// A model backend to use for the order's suggestions.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BackendIn {
    /// The backend's address, `http(s)://host:port[/prefix]`.
    pub url: String,
    /// Sent as `Authorization: Bearer <token>` with every call; never shown again. Left out:
    /// the one set before stays; empty: none.
    pub token: Option<String>,
    /// The questions it answers (keys); default: the order's `suggestions.questions`.
    pub questions: Option<Vec<String>>,
    /// Items per `/predict` call, 1–100 (default 8).
    pub batch_size: Option<i64>,
    /// Time limit of each call in ms, 100–120000 (default 10000).
    pub timeout_ms: Option<i64>,
}

/// An order's model backend as its client sees it (never its token).
#[derive(Serialize, ToSchema)]
pub struct BackendOut {
    pub url: String,
    /// Whether a token is set (it is never shown).
    pub has_token: bool,
    pub questions: Option<Vec<String>>,
    pub batch_size: i64,
    pub timeout_ms: i64,
    pub model_version: Option<String>,
    /// `ok`, `failing` (its last calls failed) or `circuit_open` (no calls until `open_until`).
    pub state: &'static str,
    /// Failed calls in a row.
    pub failures: i64,
    pub open_until: Option<i64>,
    pub last_error: Option<String>,
    pub last_error_at: Option<i64>,
    pub last_success_at: Option<i64>,
    /// Items asked, suggestions stored, answers dropped, settled items told of.
    pub asked: i64,
    pub stored: i64,
    pub dropped: i64,
    pub trained: i64,
}

impl BackendOut {
    fn of(b: ModelBackend, now: i64) -> BackendOut {
        BackendOut {
            state: state_name(&b, now),
            has_token: b.token.as_deref().is_some_and(|t| !t.is_empty()),
            questions: b
                .questions
                .as_deref()
                .and_then(|q| serde_json::from_str(q).ok()),
            url: b.url,
            batch_size: b.batch_size,
            timeout_ms: b.timeout_ms,
            model_version: b.model_version,
            failures: b.failures,
            open_until: b.open_until,
            last_error: b.last_error,
            last_error_at: b.last_error_at,
            last_success_at: b.last_success_at,
            asked: b.asked,
            stored: b.stored,
            dropped: b.dropped,
            trained: b.trained,
        }
    }
}

/// The address the backend reaches this server at (for its signed picture links): the
/// configured public address, else the request's `Host`.
fn public_base(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(u) = &state.settings.public_url {
        return u.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let scheme = if state.settings.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

async fn client_order(
    state: &AppState,
    client: &ClientCaller,
    id: OrderId,
) -> ApiResult<(mudou_store::Order, OrderSpec)> {
    let order = state
        .store
        .get_order(client.org_id, id)
        .await
        .map_err(ApiError::not_found_as("order"))?;
    let spec: OrderSpec = serde_json::from_str(&order.spec).map_err(ApiError::internal)?;
    Ok((order, spec))
}

/// Sets the order's model backend after checking it answers: `GET /health`, then
/// `POST /setup` with the order's Label Studio config (its answer's `model_version` is
/// kept). One that does not answer, or answers otherwise, is 422 `validation` and nothing
/// is kept. A new address asks again of every item still without a suggestion. The
/// client's own orders only.
#[utoipa::path(put, path = "/api/v1/orders/{id}/model-backend", tag = "orders",
    params(("id" = i64, Path)), request_body = BackendIn,
    responses((status = 200, body = BackendOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_backend(
    State(state): State<AppState>,
    client: ClientCaller,
    Path(id): Path<OrderId>,
    headers: HeaderMap,
    Json(body): Json<BackendIn>,
) -> ApiResult<Json<BackendOut>> {
    let (order, spec) = client_order(&state, &client, id).await?;
    let url = body.url.trim().trim_end_matches('/').to_owned();
    if url.len() > MAX_URL {
        return Err(ApiError::validation("url: at most 2000 characters"));
    }
    let parsed = reqwest::Url::parse(&url)
        .map_err(|_| ApiError::validation("url: an address like http://host:9090"))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(ApiError::validation("url: an http:// or https:// address"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(ApiError::validation(
            "url: no user or password in the address; give a token",
        ));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(ApiError::validation("url: no query or fragment"));
    }
    let batch_size = body.batch_size.unwrap_or(DEFAULT_BATCH);
    if !(1..=MAX_BATCH).contains(&batch_size) {
        return Err(ApiError::validation("batch_size: from 1 to 100"));
    }
    let timeout_ms = body.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS);
    if !(100..=120_000).contains(&timeout_ms) {
        return Err(ApiError::validation("timeout_ms: from 100 to 120000"));
    }
    let template = spec.template().into_owned();
    let questions = match body.questions {
        None => None,
        Some(q) if q.is_empty() => None,
        Some(q) => {
            for k in &q {
                if template.question(k).is_none() {
                    return Err(ApiError::validation(format!(
                        "questions: {k:?} is not a question of this order"
                    )));
                }
                if spec.suggestions.as_ref().is_some_and(|p| !p.covers(k)) {
                    return Err(ApiError::validation(format!(
                        "questions: the order takes no suggestions for {k:?}"
                    )));
                }
            }
            Some(serde_json::to_string(&q).map_err(ApiError::internal)?)
        }
    };
    let old = state.store.model_backend(id).await?;
    let token = match body.token {
        Some(t) if t.len() > MAX_TOKEN => {
            return Err(ApiError::validation("token: at most 4000 characters"));
        }
        Some(t) if t.trim().is_empty() => None,
        Some(t) => Some(t.trim().to_owned()),
        None => old.and_then(|o| o.token),
    };
    // The backend answers, or nothing is kept.
    let mut probe = ModelBackend {
        order_id: id.get(),
        url: url.clone(),
        token: token.clone(),
        questions: questions.clone(),
        batch_size,
        timeout_ms,
        model_version: None,
        failures: 0,
        open_until: None,
        last_error: None,
        last_error_at: None,
        last_success_at: None,
        asked: 0,
        stored: 0,
        dropped: 0,
        trained: 0,
        created_at: 0,
        updated_at: 0,
    };
    // One try each, within the request's own time: the client is waiting.
    let http = worker::client();
    let limit = Duration::from_millis(timeout_ms.min(CHECK_TIMEOUT_MS) as u64);
    probe.timeout_ms = limit.as_millis() as i64;
    match worker::call(&http, &url, token.as_deref(), limit, "/health", None, 1).await {
        Ok((s, _)) if (200..300).contains(&s) => {}
        Ok((s, _)) => {
            return Err(ApiError::validation(format!(
                "the backend answered /health with {s}"
            )));
        }
        Err(why) => {
            return Err(ApiError::validation(format!(
                "the backend did not answer: {why}"
            )));
        }
    }
    let config = config_from_template(&template);
    let project = worker::project(order.id, order.created_at);
    let version = worker::setup(
        &http,
        &probe,
        &project,
        &config,
        &public_base(&state, &headers),
        1,
    )
    .await
    .map_err(|why| ApiError::validation(format!("the backend refused the order's setup: {why}")))?;
    let new = NewModelBackend {
        url,
        token,
        questions,
        batch_size,
        timeout_ms,
        model_version: version,
    };
    let now = now_millis();
    state.store.put_model_backend(id, &new, now).await?;
    tracing::info!(order = id.get(), url = %new.url, "model backend set");
    worker::nudge();
    let b = state
        .store
        .model_backend(id)
        .await?
        .ok_or_else(|| ApiError::not_found("model backend"))?;
    Ok(Json(BackendOut::of(b, now)))
}

/// The order's model backend: address, breaker state, last error and success, counts. The
/// client's own orders only; 404 when it has none.
#[utoipa::path(get, path = "/api/v1/orders/{id}/model-backend", tag = "orders",
    params(("id" = i64, Path)),
    responses((status = 200, body = BackendOut), (status = 404, body = ErrorBody)))]
async fn get_backend(
    State(state): State<AppState>,
    client: ClientCaller,
    Path(id): Path<OrderId>,
) -> ApiResult<Json<BackendOut>> {
    client_order(&state, &client, id).await?;
    let b = state
        .store
        .model_backend(id)
        .await?
        .ok_or_else(|| ApiError::not_found("model backend"))?;
    Ok(Json(BackendOut::of(b, now_millis())))
}

/// Removes the order's model backend (the suggestions it made stay). The client's own
/// orders only; 404 when it has none.
#[utoipa::path(delete, path = "/api/v1/orders/{id}/model-backend", tag = "orders",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_backend(
    State(state): State<AppState>,
    client: ClientCaller,
    Path(id): Path<OrderId>,
) -> ApiResult<StatusCode> {
    client_order(&state, &client, id).await?;
    if !state.store.delete_model_backend(id).await? {
        return Err(ApiError::not_found("model backend"));
    }
    tracing::info!(order = id.get(), "model backend removed");
    Ok(StatusCode::NO_CONTENT)
}

/// Asks the backend now instead of at the worker's next look (an open circuit gets its one
/// trial call now). Answers at once (202) with the backend as it stands; the asking happens
/// in the background. The client's own orders only; 404 when it has none.
#[utoipa::path(post, path = "/api/v1/orders/{id}/model-backend/predict", tag = "orders",
    params(("id" = i64, Path)),
    responses((status = 202, body = BackendOut), (status = 404, body = ErrorBody)))]
async fn predict_now(
    State(state): State<AppState>,
    client: ClientCaller,
    Path(id): Path<OrderId>,
) -> ApiResult<(StatusCode, Json<BackendOut>)> {
    client_order(&state, &client, id).await?;
    let now = now_millis();
    if state.store.model_backend(id).await?.is_none() {
        return Err(ApiError::not_found("model backend"));
    }
    state.store.nudge_model_backend(id, now).await?;
    worker::nudge();
    let b = state
        .store
        .model_backend(id)
        .await?
        .ok_or_else(|| ApiError::not_found("model backend"))?;
    Ok((StatusCode::ACCEPTED, Json(BackendOut::of(b, now))))
}
