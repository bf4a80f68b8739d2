//! Creating accounts: what each role needs (a centre, an organisation, a password or a PIN),
//! the checks on names and secrets, and the Argon2 hash of the secret. The admin's
//! `POST /api/v1/admin/users`, `mudou create-admin` and the demo all create users here.

use mudou_domain::{
    Role, SkillLevel, validate_display_name, validate_password, validate_pin, validate_username,
};
use mudou_store::{NewUser, User, now_millis};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::error::{AppError, AppResult};
use crate::secrets::hash_secret;
use crate::services::Services;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserRequest {
    /// Required for everyone but annotators (who pick their name on the roster).
    pub username: Option<String>,
    pub display_name: String,
    pub role: Role,
    pub password: Option<String>,
    pub pin: Option<String>,
    pub centre_id: Option<i64>,
    pub org_id: Option<i64>,
    pub skill_level: Option<SkillLevel>,
}

/// Checks what a new account needs for its role, hashes its secret and stores it. Who may
/// create which role is the caller's to check.
pub async fn create_user(svc: &Services, req: NewUserRequest) -> AppResult<User> {
    validate_display_name(&req.display_name)?;
    if let Some(u) = &req.username {
        validate_username(u)?;
    }
    let role = req.role;
    let need = |ok: bool, field: &'static str, why: &str| {
        if ok {
            Ok(())
        } else {
            Err(AppError::validation(format!("{field}: {why}")).with("field", field))
        }
    };
    need(
        role.needs_centre() == req.centre_id.is_some(),
        "centre_id",
        "leads and annotators (only) belong to a centre",
    )?;
    need(
        role.needs_org() == req.org_id.is_some(),
        "org_id",
        "clients (only) belong to an organisation",
    )?;
    let (password_hash, pin_hash) = if role.uses_pin() {
        need(
            req.password.is_none(),
            "password",
            "annotators log in with a PIN, not a password",
        )?;
        let pin = req.pin.ok_or_else(|| {
            AppError::validation("pin: annotators need a PIN").with("field", "pin")
        })?;
        validate_pin(&pin)?;
        (None, Some(hash_secret(pin).await?))
    } else {
        need(req.pin.is_none(), "pin", "only annotators have a PIN")?;
        need(req.username.is_some(), "username", "required for this role")?;
        let pw = req
            .password
            .ok_or_else(|| AppError::validation("password: required").with("field", "password"))?;
        validate_password(&pw)?;
        (Some(hash_secret(pw).await?), None)
    };
    let skill_level = match role {
        Role::Annotator => Some(req.skill_level.unwrap_or(SkillLevel::Trainee)),
        _ => {
            need(
                req.skill_level.is_none(),
                "skill_level",
                "only annotators have a skill level",
            )?;
            None
        }
    };
    let new = NewUser {
        username: req.username,
        display_name: req.display_name.trim().to_owned(),
        role,
        centre_id: req.centre_id,
        org_id: req.org_id,
        password_hash,
        pin_hash,
        skill_level,
    };
    Ok(svc.store.create_user(&new, now_millis()).await?)
}
