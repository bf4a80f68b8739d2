//! Logging in and out: password for staff, roster + PIN on an enrolled device for annotators.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use mudou_domain::validate_pin;
use mudou_store::{User, now_millis};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::types::*;
use crate::auth::{self, Caller, Credential, EnrolledDevice, MaybeDevice};
use crate::error::{ApiError, ApiResult};
use crate::extract::Json;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_session))
        .routes(routes!(login))
        .routes(routes!(pin_login))
        .routes(routes!(logout))
        .routes(routes!(device_status, forget_device))
        .routes(routes!(roster))
        .routes(routes!(claim_device))
}

/// Starts a session for `user` and answers with the `Set-Cookie` header and the user.
async fn start_session(
    state: &AppState,
    user: User,
    device_id: Option<i64>,
) -> ApiResult<Response> {
    let now = now_millis();
    let secret = auth::random_secret();
    let ttl = state.settings.session_ttl.as_millis() as i64;
    state
        .store
        .create_session(
            &auth::token_hash(&secret),
            user.id,
            device_id,
            now,
            now + ttl,
        )
        .await?;
    state.store.login_succeeded(user.id).await?;
    let mut headers = HeaderMap::new();
    auth::append_cookie(
        &mut headers,
        auth::set_cookie(
            auth::SESSION_COOKIE,
            &secret,
            ttl / 1000,
            state.settings.secure_cookies,
        ),
    );
    let body = SessionOut::load(&state.store, user).await?;
    Ok((headers, Json(body)).into_response())
}

/// Counts a wrong password or PIN: the answer says how many tries are left, or that the
/// account is now locked.
async fn failed_attempt(
    state: &AppState,
    user_id: i64,
    now: i64,
    wrong: ApiError,
) -> ApiResult<ApiError> {
    let s = &state.settings;
    let f = state
        .store
        .login_failed(
            user_id,
            now,
            s.max_login_attempts,
            s.lockout.as_millis() as i64,
        )
        .await?;
    Ok(match f.locked_until {
        Some(until) => ApiError::locked((until - now) / 1000),
        None => wrong.with("attempts_left", f.attempts_left),
    })
}

fn locked_error(user: &User, now: i64) -> Option<ApiError> {
    user.locked_until
        .filter(|until| *until > now)
        .map(|until| ApiError::locked((until - now) / 1000 + 1))
}

/// Who is logged in on this browser.
#[utoipa::path(get, path = "/api/v1/session", tag = "session",
    responses((status = 200, body = SessionOut), (status = 401, body = ErrorBody)))]
async fn get_session(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<SessionOut>> {
    Ok(Json(SessionOut::load(&state.store, caller.user).await?))
}

/// Logs in a lead, client or admin with username and password.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "session", request_body = LoginRequest,
    responses((status = 200, body = SessionOut, description = "logged in; sets the session cookie"),
              (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn login(
    State(state): State<AppState>,
    Json(req): Json<LoginRequest>,
) -> ApiResult<Response> {
    let bad = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "wrong username or password",
        )
    };
    if req.password.len() > 256 || req.username.len() > 64 {
        return Err(bad());
    }
    let now = now_millis();
    let Some((user, hash)) = state.store.password_login_user(&req.username).await? else {
        // Spend the same time as a real check, so usernames cannot be probed by timing.
        auth::verify_secret(req.password, auth::DUMMY_HASH.clone()).await?;
        return Err(bad());
    };
    if user.disabled {
        return Err(bad());
    }
    if let Some(e) = locked_error(&user, now) {
        return Err(e);
    }
    if !auth::verify_secret(req.password, hash).await? {
        return Err(failed_attempt(&state, user.id, now, bad()).await?);
    }
    start_session(&state, user, None).await
}

/// Logs in an annotator picked on the roster of this enrolled device.
#[utoipa::path(post, path = "/api/v1/auth/pin", tag = "session", request_body = PinLoginRequest,
    responses((status = 200, body = SessionOut, description = "logged in; sets the session cookie"),
              (status = 401, body = ErrorBody, description = "`invalid_pin`, with `attempts_left`"),
              (status = 403, body = ErrorBody, description = "`device_not_enrolled`"),
              (status = 429, body = ErrorBody, description = "`locked` (with `retry_after_s`) or `rate_limited`")))]
async fn pin_login(
    State(state): State<AppState>,
    EnrolledDevice(device): EnrolledDevice,
    Json(req): Json<PinLoginRequest>,
) -> ApiResult<Response> {
    let s = &state.settings;
    let now = now_millis();
    let window = s.device_window.as_millis() as i64;
    if state.store.device_failures(device.id, now, window).await? >= s.device_attempts_per_window {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many wrong PINs on this device; wait a few minutes",
        )
        .with("retry_after_s", window / 1000));
    }
    let bad = || ApiError::new(StatusCode::UNAUTHORIZED, "invalid_pin", "wrong PIN");
    let found = state
        .store
        .pin_login_user(device.centre_id, req.user_id)
        .await?;
    let Some((user, hash)) = found.filter(|(u, _)| !u.disabled) else {
        state.store.device_failed(device.id, now, window).await?;
        return Err(bad());
    };
    if let Some(e) = locked_error(&user, now) {
        // Guesses at locked accounts still count against the device.
        state.store.device_failed(device.id, now, window).await?;
        return Err(e);
    }
    if validate_pin(&req.pin).is_err() || !auth::verify_secret(req.pin, hash).await? {
        state.store.device_failed(device.id, now, window).await?;
        return Err(failed_attempt(&state, user.id, now, bad()).await?);
    }
    state.store.touch_device(device.id, now).await?;
    start_session(&state, user, Some(device.id)).await
}

/// Ends this browser's session.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "session",
    responses((status = 204, description = "logged out; clears the session cookie")))]
async fn logout(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
) -> ApiResult<Response> {
    if let Ok(Caller {
        credential: Credential::Session { session_id, .. },
        ..
    }) = caller
    {
        state.store.revoke_session(session_id, now_millis()).await?;
    }
    let mut headers = HeaderMap::new();
    auth::append_cookie(
        &mut headers,
        auth::set_cookie(auth::SESSION_COOKIE, "", 0, state.settings.secure_cookies),
    );
    Ok((StatusCode::NO_CONTENT, headers).into_response())
}

/// Whether this browser is an enrolled centre device.
#[utoipa::path(get, path = "/api/v1/device", tag = "devices", responses((status = 200, body = DeviceStatus)))]
async fn device_status(
    State(state): State<AppState>,
    MaybeDevice(device): MaybeDevice,
) -> ApiResult<Json<DeviceStatus>> {
    Ok(Json(match device {
        None => DeviceStatus {
            enrolled: false,
            device: None,
            centre: None,
        },
        Some(d) => {
            let centre = state.store.get_centre(d.centre_id).await?;
            DeviceStatus {
                enrolled: true,
                device: Some(DeviceBrief {
                    id: d.id,
                    name: d.name,
                }),
                centre: Some(CentreRef {
                    id: centre.id,
                    name: centre.name,
                }),
            }
        }
    }))
}

/// Makes this browser forget its enrolment (the lead can also revoke it).
#[utoipa::path(delete, path = "/api/v1/device", tag = "devices", responses((status = 204)))]
async fn forget_device(State(state): State<AppState>) -> Response {
    let mut headers = HeaderMap::new();
    auth::append_cookie(
        &mut headers,
        auth::set_cookie(auth::DEVICE_COOKIE, "", 0, state.settings.secure_cookies),
    );
    (StatusCode::NO_CONTENT, headers).into_response()
}

/// The annotators of this device's centre. Only an enrolled device sees it.
#[utoipa::path(get, path = "/api/v1/device/roster", tag = "devices",
    responses((status = 200, body = Roster), (status = 403, body = ErrorBody)))]
async fn roster(
    State(state): State<AppState>,
    EnrolledDevice(device): EnrolledDevice,
) -> ApiResult<Json<Roster>> {
    let now = now_millis();
    let centre = state.store.get_centre(device.centre_id).await?;
    let annotators = state
        .store
        .roster(device.centre_id)
        .await?
        .into_iter()
        .map(|u| RosterEntry {
            id: u.id,
            locked: u.locked_until.is_some_and(|t| t > now),
            display_name: u.display_name,
            photo_url: u.photo_url,
        })
        .collect();
    Ok(Json(Roster {
        centre: CentreRef {
            id: centre.id,
            name: centre.name,
        },
        annotators,
    }))
}

/// Enrols this browser with a one-time code from a lead.
#[utoipa::path(post, path = "/api/v1/device/claim", tag = "devices", request_body = ClaimRequest,
    responses((status = 200, body = DeviceStatus, description = "enrolled; sets the device cookie"),
              (status = 404, body = ErrorBody, description = "unknown, used or expired code")))]
async fn claim_device(
    State(state): State<AppState>,
    Json(req): Json<ClaimRequest>,
) -> ApiResult<Response> {
    let code = auth::normalise_code(&req.code);
    if code.is_empty() || code.len() > 32 {
        return Err(ApiError::not_found("enrolment code"));
    }
    let name = req
        .name
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty() && n.chars().count() <= 40);
    let secret = auth::random_secret();
    let now = now_millis();
    let device = state
        .store
        .claim_device_code(
            &auth::token_hash(&code),
            name.as_deref().unwrap_or("手机"),
            &auth::token_hash(&secret),
            now,
        )
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "this code is unknown, used or expired",
            )
        })?;
    let centre = state.store.get_centre(device.centre_id).await?;
    Ok(device_enrolled_response(&state, &secret, device, centre))
}

/// The answer to a successful enrolment: the device cookie and the device's status.
pub(crate) fn device_enrolled_response(
    state: &AppState,
    secret: &str,
    device: mudou_store::Device,
    centre: mudou_store::Centre,
) -> Response {
    let mut headers = HeaderMap::new();
    // Enrolment lasts until revoked; browsers cap cookie lifetimes at about 400 days.
    auth::append_cookie(
        &mut headers,
        auth::set_cookie(
            auth::DEVICE_COOKIE,
            secret,
            400 * 86400,
            state.settings.secure_cookies,
        ),
    );
    let body = DeviceStatus {
        enrolled: true,
        device: Some(DeviceBrief {
            id: device.id,
            name: device.name,
        }),
        centre: Some(CentreRef {
            id: centre.id,
            name: centre.name,
        }),
    };
    (headers, Json(body)).into_response()
}
