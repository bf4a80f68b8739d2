//! A lead's care of their centre: enrolled devices and the annotators on the roster.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use mudou_domain::{Role, SkillLevel, UserId, validate_display_name, validate_pin};
use mudou_store::{NewUser, UserFilter, now_millis};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::types::*;
use crate::auth::{self, LeadCaller};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(enrol_this_device))
        .routes(routes!(create_code))
        .routes(routes!(list_devices))
        .routes(routes!(revoke_device))
        .routes(routes!(list_annotators, create_annotator))
        .routes(routes!(set_pin))
}

/// Enrols the browser the lead is using as a device of their centre.
#[utoipa::path(post, path = "/api/v1/devices/enroll", tag = "devices", request_body = EnrolRequest,
    responses((status = 200, body = DeviceStatus, description = "enrolled; sets the device cookie"),
              (status = 403, body = ErrorBody)))]
async fn enrol_this_device(
    State(state): State<AppState>,
    lead: LeadCaller,
    Json(req): Json<EnrolRequest>,
) -> ApiResult<Response> {
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > 40 {
        return Err(
            ApiError::validation("name: a device name is 1 to 40 characters").with("field", "name"),
        );
    }
    let secret = auth::random_secret();
    let now = now_millis();
    let device = state
        .store
        .create_device(
            lead.centre_id,
            name,
            &auth::token_hash(&secret),
            lead.caller.user.id,
            now,
        )
        .await?;
    let centre = state.store.get_centre(lead.centre_id).await?;
    Ok(super::session::device_enrolled_response(
        &state, &secret, device, centre,
    ))
}

/// Makes a one-time code that enrols a phone or another PC.
#[utoipa::path(post, path = "/api/v1/devices/codes", tag = "devices", request_body = CodeRequest,
    responses((status = 201, body = EnrolmentCode), (status = 403, body = ErrorBody)))]
async fn create_code(
    State(state): State<AppState>,
    lead: LeadCaller,
    Json(req): Json<CodeRequest>,
) -> ApiResult<(StatusCode, Json<EnrolmentCode>)> {
    let ttl = req.ttl_minutes.unwrap_or(60);
    if !(1..=10080).contains(&ttl) {
        return Err(
            ApiError::validation("ttl_minutes: between 1 and 10080").with("field", "ttl_minutes")
        );
    }
    let code = auth::random_code();
    let now = now_millis();
    let expires_at = now + ttl * 60_000;
    state
        .store
        .create_device_code(
            lead.centre_id,
            &auth::token_hash(&auth::normalise_code(&code)),
            lead.caller.user.id,
            now,
            expires_at,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(EnrolmentCode {
            path: format!("/enroll#code={code}"),
            code,
            expires_at,
        }),
    ))
}

/// The centre's devices, newest last.
#[utoipa::path(get, path = "/api/v1/devices", tag = "devices",
    responses((status = 200, body = Items<DeviceOut>), (status = 403, body = ErrorBody)))]
async fn list_devices(
    State(state): State<AppState>,
    lead: LeadCaller,
) -> ApiResult<Json<Items<DeviceOut>>> {
    let items = state
        .store
        .list_devices(lead.centre_id)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(Json(Items { items }))
}

/// Revokes a device of the centre; sessions opened on it end.
#[utoipa::path(delete, path = "/api/v1/devices/{id}", tag = "devices", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn revoke_device(
    State(state): State<AppState>,
    lead: LeadCaller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    state
        .store
        .revoke_device(lead.centre_id, id, now_millis())
        .await
        .map_err(ApiError::not_found_as("device"))?;
    Ok(StatusCode::NO_CONTENT)
}

/// The centre's annotators (including disabled and locked ones).
#[utoipa::path(get, path = "/api/v1/centre/annotators", tag = "centre",
    responses((status = 200, body = Items<UserOut>), (status = 403, body = ErrorBody)))]
async fn list_annotators(
    State(state): State<AppState>,
    lead: LeadCaller,
) -> ApiResult<Json<Items<UserOut>>> {
    let filter = UserFilter {
        centre_id: Some(lead.centre_id.get()),
        role: Some(Role::Annotator),
        org_id: None,
    };
    let items = state
        .store
        .list_users(&filter)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(Json(Items { items }))
}

/// Adds an annotator to the centre's roster.
#[utoipa::path(post, path = "/api/v1/centre/annotators", tag = "centre", request_body = NewAnnotatorRequest,
    responses((status = 201, body = UserOut), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn create_annotator(
    State(state): State<AppState>,
    lead: LeadCaller,
    Json(req): Json<NewAnnotatorRequest>,
) -> ApiResult<Response> {
    validate_display_name(&req.display_name)?;
    validate_pin(&req.pin)?;
    let pin_hash = auth::hash_secret(req.pin).await?;
    let user = state
        .store
        .create_user(
            &NewUser {
                username: None,
                display_name: req.display_name.trim().to_owned(),
                role: Role::Annotator,
                centre_id: Some(lead.centre_id.get()),
                org_id: None,
                password_hash: None,
                pin_hash: Some(pin_hash),
                skill_level: Some(req.skill_level.unwrap_or(SkillLevel::Trainee)),
            },
            now_millis(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(UserOut::from(user))).into_response())
}

/// Sets a new PIN for an annotator of the centre, and unlocks them.
#[utoipa::path(post, path = "/api/v1/centre/annotators/{id}/pin", tag = "centre", request_body = PinRequest,
    params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_pin(
    State(state): State<AppState>,
    lead: LeadCaller,
    Path(id): Path<UserId>,
    Json(req): Json<PinRequest>,
) -> ApiResult<StatusCode> {
    validate_pin(&req.pin)?;
    let hash = auth::hash_secret(req.pin).await?;
    state
        .store
        .set_pin(lead.centre_id, id, &hash)
        .await
        .map_err(ApiError::not_found_as("annotator"))?;
    Ok(StatusCode::NO_CONTENT)
}
