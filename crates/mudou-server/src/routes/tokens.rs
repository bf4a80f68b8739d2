//! API tokens for scripts (clients, leads and admins; annotators use the UI only).

use axum::extract::State;
use axum::http::StatusCode;
use mudou_store::now_millis;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::types::*;
use crate::auth::{self, StaffCaller};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
}

#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens",
    responses((status = 200, body = Items<TokenOut>), (status = 403, body = ErrorBody)))]
async fn list_tokens(
    State(state): State<AppState>,
    staff: StaffCaller,
) -> ApiResult<Json<Items<TokenOut>>> {
    let items = state
        .store
        .list_api_tokens(staff.0.user.id)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(Json(Items { items }))
}

/// Creates a token; its secret is shown only in this answer.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", request_body = NewTokenRequest,
    responses((status = 201, body = NewTokenOut), (status = 422, body = ErrorBody)))]
async fn create_token(
    State(state): State<AppState>,
    staff: StaffCaller,
    Json(req): Json<NewTokenRequest>,
) -> ApiResult<(StatusCode, Json<NewTokenOut>)> {
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(ApiError::validation("name: 1 to 60 characters").with("field", "name"));
    }
    let secret = format!("{}{}", auth::API_TOKEN_PREFIX, auth::random_secret());
    let prefix: String = secret.chars().take(8).collect();
    let token = state
        .store
        .create_api_token(
            staff.0.user.id,
            name,
            &auth::token_hash(&secret),
            &prefix,
            now_millis(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(NewTokenOut {
            token: token.into(),
            secret,
        }),
    ))
}

#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn revoke_token(
    State(state): State<AppState>,
    staff: StaffCaller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    state
        .store
        .revoke_api_token(staff.0.user.id, id, now_millis())
        .await
        .map_err(ApiError::not_found_as("token"))?;
    Ok(StatusCode::NO_CONTENT)
}
