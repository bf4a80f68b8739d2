//! Logging in and out: password for staff, roster + PIN on an enrolled device for annotators.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use mudou_domain::{CentreId, ErrorCode, Role, UserId, validate_pin};
use mudou_store::{User, now_millis};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::types::*;
use crate::auth::{self, Caller, ClientAddr, Credential, EnrolledDevice, MaybeDevice, Throttles};
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

/// How long a known-browser cookie stays good without a login from that browser.
const KNOWN_BROWSER_MS: i64 = 180 * 86400 * 1000;

/// Starts a session for `user` and answers with the `Set-Cookie` header (beside `headers`)
/// and the user.
async fn start_session(
    state: &AppState,
    user: User,
    device_id: Option<i64>,
    mut headers: HeaderMap,
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

/// Who is logged in on this browser.
#[utoipa::path(get, path = "/api/v1/session", tag = "session",
    responses((status = 200, body = SessionOut), (status = 401, body = ErrorBody)))]
async fn get_session(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<SessionOut>> {
    Ok(Json(SessionOut::load(&state.store, caller.user).await?))
}

/// Logs in a lead, client or admin with username and password.
///
/// Wrong passwords slow down their source address and, much less, the account; they never
/// lock it. From a browser where the user logged in before (the `mudou_known` cookie) or, for
/// a lead, an enrolled device of their centre, only that browser's or device's own wrong
/// passwords count. An unknown user, a disabled one and a wrong password get the same answer
/// after the same work (an Argon2 check); a throttled attempt gets 429 `rate_limited` with
/// `Retry-After`, whoever the account is.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "session", request_body = LoginRequest,
    responses((status = 200, body = SessionOut, description = "logged in; sets the session cookie"),
              (status = 401, body = ErrorBody, description = "`invalid_credentials`"),
              (status = 429, body = ErrorBody, description = "`rate_limited`, with `retry_after_s` and `Retry-After`")))]
async fn login(
    State(state): State<AppState>,
    addr: ClientAddr,
    MaybeDevice(device): MaybeDevice,
    request_headers: HeaderMap,
    Json(req): Json<LoginRequest>,
) -> ApiResult<Response> {
    let bad = || ApiError::new(ErrorCode::InvalidCredentials, "wrong username or password");
    let now = now_millis();
    let t = Throttles(&state.settings);
    if req.password.len() > 256 || req.username.len() > 64 {
        if let Some(until) = state.store.take_attempt(&[t.address(&addr)], now).await? {
            return Err(ApiError::throttled(until - now));
        }
        return Err(bad());
    }
    // Looked up whether or not the user exists, so that costs the same either way.
    let known_hash = auth::cookie(&request_headers, auth::KNOWN_COOKIE).map(auth::token_hash);
    let known_user = match &known_hash {
        Some(h) => {
            state
                .store
                .known_browser_user(h, now, KNOWN_BROWSER_MS)
                .await?
        }
        None => None,
    };
    let found = state.store.password_login_user(&req.username).await?;
    let user_id = found.as_ref().map(|(u, _)| u.id.get());
    let known_browser = known_hash.filter(|_| known_user.is_some() && known_user == user_id);
    let trusted = match (&found, &known_browser, &device) {
        (Some((u, _)), Some(h), _) => Some(t.known_browser(h, u.id.get())),
        (Some((u, _)), None, Some(d))
            if u.role == Role::Lead && u.centre_id == Some(CentreId::new(d.centre_id)) =>
        {
            Some(t.device(d.id))
        }
        _ => None,
    };
    let keys = match trusted {
        Some(k) => vec![k],
        None => vec![t.address(&addr), t.username(&req.username, user_id)],
    };
    if let Some(until) = state.store.take_attempt(&keys, now).await? {
        return Err(ApiError::throttled(until - now));
    }
    let (hash, usable) = match &found {
        Some((u, h)) => (h.clone(), !u.disabled),
        None => (auth::DUMMY_HASH.clone(), false),
    };
    let right = auth::verify_secret(req.password, hash).await?;
    let Some((user, _)) = found.filter(|_| right && usable) else {
        return Err(bad());
    };
    state.store.attempt_succeeded(&keys).await?;
    let mut headers = HeaderMap::new();
    match known_browser {
        Some(h) => state.store.touch_known_browser(&h, now).await?,
        None => {
            let secret = auth::random_secret();
            state
                .store
                .add_known_browser(&auth::token_hash(&secret), user.id, now)
                .await?;
            auth::append_cookie(
                &mut headers,
                auth::set_cookie(
                    auth::KNOWN_COOKIE,
                    &secret,
                    KNOWN_BROWSER_MS / 1000,
                    state.settings.secure_cookies,
                ),
            );
        }
    }
    start_session(&state, user, None, headers).await
}

/// Logs in an annotator picked on the roster of this enrolled device.
///
/// Wrong PINs slow down that annotator on that device (after a few), the annotator's
/// account (a little, after more) and the device as a whole (after many, tried across the
/// roster): one person's wrong PINs do not stop the next person on the same device.
#[utoipa::path(post, path = "/api/v1/auth/pin", tag = "session", request_body = PinLoginRequest,
    responses((status = 200, body = SessionOut, description = "logged in; sets the session cookie"),
              (status = 401, body = ErrorBody, description = "`invalid_pin`"),
              (status = 403, body = ErrorBody, description = "`device_not_enrolled`"),
              (status = 429, body = ErrorBody, description = "`rate_limited`, with `retry_after_s` and `Retry-After`")))]
async fn pin_login(
    State(state): State<AppState>,
    EnrolledDevice(device): EnrolledDevice,
    Json(req): Json<PinLoginRequest>,
) -> ApiResult<Response> {
    let now = now_millis();
    let t = Throttles(&state.settings);
    let found = state
        .store
        .pin_login_user(CentreId::new(device.centre_id), UserId::new(req.user_id))
        .await?;
    let known = found.is_some();
    let keys = [
        t.pin_pair(device.id, req.user_id, known),
        t.annotator(device.centre_id, req.user_id, known),
        t.device(device.id),
    ];
    if let Some(until) = state.store.take_attempt(&keys, now).await? {
        return Err(ApiError::throttled(until - now));
    }
    let (hash, usable) = match &found {
        Some((u, h)) => (h.clone(), !u.disabled && validate_pin(&req.pin).is_ok()),
        None => (auth::DUMMY_HASH.clone(), false),
    };
    let pin: String = req.pin.chars().take(64).collect();
    let right = auth::verify_secret(pin, hash).await?;
    let Some((user, _)) = found.filter(|_| right && usable) else {
        return Err(ApiError::new(ErrorCode::InvalidPin, "wrong PIN"));
    };
    state.store.attempt_succeeded(&keys).await?;
    state.store.touch_device(device.id, now).await?;
    start_session(&state, user, Some(device.id), HeaderMap::new()).await
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
            let centre = state.store.get_centre(CentreId::new(d.centre_id)).await?;
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
    let centre = state
        .store
        .get_centre(CentreId::new(device.centre_id))
        .await?;
    let waiting = state
        .store
        .throttled_users(&format!("pin:{}:", device.id), now)
        .await?;
    let annotators = state
        .store
        .roster(CentreId::new(device.centre_id))
        .await?
        .into_iter()
        .map(|u| RosterEntry {
            id: u.id.get(),
            locked: waiting.contains(&u.id.get()),
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
            ApiError::new(ErrorCode::NotFound, "this code is unknown, used or expired")
        })?;
    let centre = state
        .store
        .get_centre(CentreId::new(device.centre_id))
        .await?;
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
