//! API tokens for scripts (clients, leads and admins; annotators use the UI only).

use axum::extract::State;
use axum::http::StatusCode;
use mudou_store::now_millis;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::types::*;
use crate::auth::{self, Credential, StaffCaller};
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

/// Days a token lasts unless asked otherwise, and at most.
pub const DEFAULT_TOKEN_DAYS: i64 = 90;
pub const MAX_TOKEN_DAYS: i64 = 365;
const DAY_MS: i64 = 86_400_000;

/// Creates a token; its secret is shown only in this answer. It carries a subset of its
/// creator's scopes (a token making a token: of that token's) and expires within a year,
/// never after the token that makes it.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", request_body = NewTokenRequest,
    responses((status = 201, body = NewTokenOut),
              (status = 403, body = ErrorBody, description = "`scope`: asks for a scope its creator does not hold"),
              (status = 422, body = ErrorBody)))]
async fn create_token(
    State(state): State<AppState>,
    staff: StaffCaller,
    Json(req): Json<NewTokenRequest>,
) -> ApiResult<(StatusCode, Json<NewTokenOut>)> {
    let caller = &staff.0;
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(ApiError::validation("name: 1 to 60 characters").with("field", "name"));
    }
    let held = caller.scopes();
    let mut scopes = match req.scopes {
        None => held.clone(),
        Some(asked) => {
            if asked.is_empty() {
                return Err(ApiError::validation("scopes: at least one").with("field", "scopes"));
            }
            for s in &asked {
                caller.require(*s)?;
            }
            asked
        }
    };
    scopes.sort();
    scopes.dedup();
    if scopes.is_empty() {
        return Err(ApiError::validation("scopes: you hold none to give").with("field", "scopes"));
    }
    let now = now_millis();
    let days = req.expires_in_days.unwrap_or(DEFAULT_TOKEN_DAYS);
    if !(1..=MAX_TOKEN_DAYS).contains(&days) {
        return Err(
            ApiError::validation(format!("expires_in_days: 1 to {MAX_TOKEN_DAYS}"))
                .with("field", "expires_in_days"),
        );
    }
    let mut expires_at = now + days * DAY_MS;
    if let Credential::ApiToken {
        expires_at: parent, ..
    } = caller.credential
    {
        if req.expires_in_days.is_some() && expires_at > parent {
            return Err(ApiError::validation(
                "expires_in_days: a token cannot outlive the token that makes it",
            )
            .with("field", "expires_in_days"));
        }
        expires_at = expires_at.min(parent);
    }
    let stored: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
    let secret = format!("{}{}", auth::API_TOKEN_PREFIX, auth::random_secret());
    let prefix: String = secret.chars().take(8).collect();
    let token = state
        .store
        .create_api_token(
            caller.user.id,
            name,
            &auth::token_hash(&secret),
            &prefix,
            &stored.join(" "),
            now,
            expires_at,
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
