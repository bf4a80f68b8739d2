//! Admins: centres, client organisations and accounts.

use axum::extract::State;
use axum::http::StatusCode;
use mudou_domain::wage::{WagePolicy, check_floor};
use mudou_domain::{CentreId, Role, Scope, UserId};
use mudou_store::{NewCentre, UserFilter, now_millis};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::lead::{AlertOut, AlertsOut};
use super::types::*;
use crate::auth::AdminCaller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_centres, create_centre))
        .routes(routes!(set_centre_wage))
        .routes(routes!(list_admin_alerts))
        .routes(routes!(read_admin_alert))
        .routes(routes!(list_orgs, create_org))
        .routes(routes!(list_users, create_user))
        .routes(routes!(disable_user))
        .routes(routes!(enable_user))
}

fn name_ok(field: &'static str, v: &str) -> ApiResult<String> {
    let v = v.trim();
    if v.is_empty() || v.chars().count() > 100 || v.chars().any(char::is_control) {
        return Err(
            ApiError::validation(format!("{field}: 1 to 100 characters")).with("field", field),
        );
    }
    Ok(v.to_owned())
}

#[utoipa::path(get, path = "/api/v1/admin/centres", tag = "admin",
    responses((status = 200, body = Items<CentreOut>), (status = 403, body = ErrorBody)))]
async fn list_centres(
    State(state): State<AppState>,
    _admin: AdminCaller,
) -> ApiResult<Json<Items<CentreOut>>> {
    Ok(Json(Items {
        items: state
            .store
            .list_centres()
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    }))
}

#[utoipa::path(post, path = "/api/v1/admin/centres", tag = "admin", request_body = NewCentreRequest,
    responses((status = 201, body = CentreOut), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_centre(
    State(state): State<AppState>,
    _admin: AdminCaller,
    Json(req): Json<NewCentreRequest>,
) -> ApiResult<(StatusCode, Json<CentreOut>)> {
    let timezone = req.timezone.unwrap_or_else(|| "Asia/Shanghai".into());
    if timezone.is_empty()
        || timezone.len() > 64
        || !timezone
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/_+-".contains(&b))
    {
        return Err(
            ApiError::validation("timezone: an IANA name such as Asia/Shanghai")
                .with("field", "timezone"),
        );
    }
    let c = NewCentre {
        name: name_ok("name", &req.name)?,
        county: req.county.trim().chars().take(100).collect(),
        province: req.province.trim().chars().take(100).collect(),
        timezone,
    };
    let centre = state.store.create_centre(&c, now_millis()).await?;
    Ok((StatusCode::CREATED, Json(centre.into())))
}

/// A centre's minimum hourly wage and what an order under it does.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CentreWageRequest {
    /// Fen per hour, 1 to 100000 (1000 yuan); `null` for no floor.
    pub min_hourly_wage_fen: Option<i64>,
    /// `warn` (default): published with a warning; `refuse`: not published.
    #[serde(default)]
    pub wage_policy: WagePolicy,
}

/// Sets a centre's local minimum hourly wage (the fair-wage check's floor) and its policy.
#[utoipa::path(put, path = "/api/v1/admin/centres/{id}/wage", tag = "admin", params(("id" = i64, Path)),
    request_body = CentreWageRequest,
    responses((status = 200, body = CentreOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn set_centre_wage(
    State(state): State<AppState>,
    _admin: AdminCaller,
    Path(id): Path<CentreId>,
    Json(req): Json<CentreWageRequest>,
) -> ApiResult<Json<CentreOut>> {
    let floor = check_floor(req.min_hourly_wage_fen)
        .map_err(|m| ApiError::validation(m).with("field", "min_hourly_wage_fen"))?;
    let c = state
        .store
        .set_centre_wage(id, floor, req.wage_policy.as_str())
        .await
        .map_err(ApiError::not_found_as("centre"))?;
    Ok(Json(c.into()))
}

/// What the service told this admin (open orders paying under a centre's minimum wage),
/// newest first.
#[utoipa::path(get, path = "/api/v1/admin/alerts", tag = "admin",
    responses((status = 200, body = AlertsOut), (status = 403, body = ErrorBody)))]
async fn list_admin_alerts(
    State(state): State<AppState>,
    admin: AdminCaller,
) -> ApiResult<Json<AlertsOut>> {
    let me = admin.0.user.id;
    let items = state
        .store
        .messages_to(me, "alert", 200)
        .await?
        .into_iter()
        .map(AlertOut::from)
        .collect();
    Ok(Json(AlertsOut {
        unread: state.store.unread_count(me, "alert").await?,
        items,
    }))
}

/// Marks one of this admin's alerts read.
#[utoipa::path(post, path = "/api/v1/admin/alerts/{id}/read", tag = "admin", params(("id" = i64, Path)),
    responses((status = 200, body = AlertOut), (status = 404, body = ErrorBody)))]
async fn read_admin_alert(
    State(state): State<AppState>,
    admin: AdminCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<AlertOut>> {
    let m = state
        .store
        .mark_read(admin.0.user.id, id, now_millis())
        .await
        .map_err(ApiError::not_found_as("alert"))?;
    Ok(Json(m.into()))
}

#[utoipa::path(get, path = "/api/v1/admin/orgs", tag = "admin",
    responses((status = 200, body = Items<OrgOut>), (status = 403, body = ErrorBody)))]
async fn list_orgs(
    State(state): State<AppState>,
    _admin: AdminCaller,
) -> ApiResult<Json<Items<OrgOut>>> {
    Ok(Json(Items {
        items: state
            .store
            .list_orgs()
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    }))
}

#[utoipa::path(post, path = "/api/v1/admin/orgs", tag = "admin", request_body = NewOrgRequest,
    responses((status = 201, body = OrgOut), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_org(
    State(state): State<AppState>,
    _admin: AdminCaller,
    Json(req): Json<NewOrgRequest>,
) -> ApiResult<(StatusCode, Json<OrgOut>)> {
    let org = state
        .store
        .create_org(&name_ok("name", &req.name)?, now_millis())
        .await?;
    Ok((StatusCode::CREATED, Json(org.into())))
}

#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin", params(UserQuery),
    responses((status = 200, body = Items<UserOut>), (status = 403, body = ErrorBody)))]
async fn list_users(
    State(state): State<AppState>,
    _admin: AdminCaller,
    Query(q): Query<UserQuery>,
) -> ApiResult<Json<Items<UserOut>>> {
    let f = UserFilter {
        centre_id: q.centre_id,
        org_id: q.org_id,
        role: q.role,
    };
    Ok(Json(Items {
        items: state
            .store
            .list_users(&f)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    }))
}

/// Creates a user. Creating an admin with an API token needs the `admin:users` scope.
#[utoipa::path(post, path = "/api/v1/admin/users", tag = "admin", request_body = NewUserRequest,
    responses((status = 201, body = UserOut), (status = 403, body = ErrorBody, description = "`scope`: an API token without `admin:users` creating an admin"),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_user(
    State(state): State<AppState>,
    admin: AdminCaller,
    Json(req): Json<NewUserRequest>,
) -> ApiResult<(StatusCode, Json<UserOut>)> {
    if req.role == Role::Admin {
        admin.0.require(Scope::AdminUsers)?;
    }
    let user = mudou_app::users::create_user(&state, req).await?;
    Ok((StatusCode::CREATED, Json(user.into())))
}

/// Disables an account: its sessions end and its API tokens are revoked.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/disable", tag = "admin", params(("id" = i64, Path)),
    responses((status = 200, body = UserOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn disable_user(
    State(state): State<AppState>,
    admin: AdminCaller,
    Path(id): Path<UserId>,
) -> ApiResult<Json<UserOut>> {
    if id == admin.0.user.id {
        return Err(ApiError::validation("you cannot disable your own account"));
    }
    admins_need_scope(&state, &admin, id).await?;
    Ok(Json(
        state
            .store
            .set_user_disabled(id, true, now_millis())
            .await
            .map_err(ApiError::not_found_as("user"))?
            .into(),
    ))
}

#[utoipa::path(post, path = "/api/v1/admin/users/{id}/enable", tag = "admin", params(("id" = i64, Path)),
    responses((status = 200, body = UserOut), (status = 404, body = ErrorBody)))]
async fn enable_user(
    State(state): State<AppState>,
    admin: AdminCaller,
    Path(id): Path<UserId>,
) -> ApiResult<Json<UserOut>> {
    admins_need_scope(&state, &admin, id).await?;
    Ok(Json(
        state
            .store
            .set_user_disabled(id, false, now_millis())
            .await
            .map_err(ApiError::not_found_as("user"))?
            .into(),
    ))
}

/// Disabling or enabling an admin with an API token needs `admin:users`, like creating one.
async fn admins_need_scope(state: &AppState, admin: &AdminCaller, id: UserId) -> ApiResult<()> {
    let target = state
        .store
        .get_user(id)
        .await
        .map_err(ApiError::not_found_as("user"))?;
    if target.role == Role::Admin {
        admin.0.require(Scope::AdminUsers)?;
    }
    Ok(())
}
