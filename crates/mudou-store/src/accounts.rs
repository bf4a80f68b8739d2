//! Centres, client organisations, users, sessions, API tokens and enrolled devices.

use mudou_domain::{CentreId, OrgId, Role, SkillLevel, UserId};
use serde::Serialize;

use crate::{Result, Store, StoreError};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Centre {
    pub id: i64,
    pub name: String,
    pub county: String,
    pub province: String,
    pub timezone: String,
    pub created_at: i64,
    /// The local minimum hourly wage in fen (`None`: no floor set).
    pub min_hourly_wage_fen: Option<i64>,
    /// `warn` or `refuse`: what publishing an order under the floor does.
    pub wage_policy: String,
}

pub(crate) const CENTRE_COLS: &str =
    "id, name, county, province, timezone, created_at, min_hourly_wage_fen, wage_policy";

#[derive(Debug, Clone)]
pub struct NewCentre {
    pub name: String,
    pub county: String,
    pub province: String,
    pub timezone: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Org {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
}

/// A user as the rest of the system sees it (no secrets).
#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: UserId,
    pub username: Option<String>,
    pub display_name: String,
    pub role: Role,
    pub centre_id: Option<CentreId>,
    pub org_id: Option<OrgId>,
    pub skill_level: Option<SkillLevel>,
    pub photo_url: Option<String>,
    pub disabled: bool,
    /// No longer set: wrong attempts are throttled (`throttle.rs`), accounts never lock.
    pub locked_until: Option<i64>,
    pub created_at: i64,
}

#[derive(sqlx::FromRow)]
struct UserWithSecret {
    #[sqlx(flatten)]
    user: UserRow,
    secret: Option<String>,
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    #[sqlx(flatten)]
    user: UserRow,
    session_id: i64,
    device_id: Option<i64>,
    expires_at: i64,
}

#[derive(sqlx::FromRow)]
struct TokenUserRow {
    #[sqlx(flatten)]
    user: UserRow,
    token_id: i64,
    last_used_at: Option<i64>,
    scopes: String,
    expires_at: i64,
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    username: Option<String>,
    display_name: String,
    role: String,
    centre_id: Option<i64>,
    org_id: Option<i64>,
    skill_level: Option<String>,
    photo_url: Option<String>,
    disabled: bool,
    locked_until: Option<i64>,
    created_at: i64,
}

const USER_COLS_BARE: &str = "id, username, display_name, role, centre_id, org_id, skill_level, \
                              photo_url, disabled, locked_until, created_at";
const USER_COLS: &str = "u.id, u.username, u.display_name, u.role, u.centre_id, u.org_id, u.skill_level, \
                         u.photo_url, u.disabled, u.locked_until, u.created_at";

impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(r: UserRow) -> Result<User> {
        let role = r
            .role
            .parse()
            .map_err(|e| StoreError::Invalid(format!("{e}")))?;
        let skill_level = match r.skill_level {
            Some(s) => Some(s.parse().map_err(|e| StoreError::Invalid(format!("{e}")))?),
            None => None,
        };
        Ok(User {
            id: UserId::new(r.id),
            username: r.username,
            display_name: r.display_name,
            role,
            centre_id: r.centre_id.map(CentreId::new),
            org_id: r.org_id.map(OrgId::new),
            skill_level,
            photo_url: r.photo_url,
            disabled: r.disabled,
            locked_until: r.locked_until,
            created_at: r.created_at,
        })
    }
}

/// A user to create. Hashes are made by the caller (the server hashes off the async runtime).
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: Option<String>,
    pub display_name: String,
    pub role: Role,
    pub centre_id: Option<i64>,
    pub org_id: Option<i64>,
    pub password_hash: Option<String>,
    pub pin_hash: Option<String>,
    pub skill_level: Option<SkillLevel>,
}

/// Which users a listing may return: always narrowed by the caller's scope.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub centre_id: Option<i64>,
    pub org_id: Option<i64>,
    pub role: Option<Role>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Device {
    pub id: i64,
    pub centre_id: i64,
    pub name: String,
    pub enrolled_by: i64,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub revoked_at: Option<i64>,
}

const DEVICE_COLS: &str = "id, centre_id, name, enrolled_by, created_at, last_seen_at, revoked_at";

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub prefix: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// Space-separated scopes (`mudou_domain::Scope`), a subset of the owner's role's.
    pub scopes: String,
    pub expires_at: i64,
}

const TOKEN_COLS: &str =
    "id, user_id, name, prefix, created_at, last_used_at, revoked_at, scopes, expires_at";

/// A live (unrevoked, owner not disabled) API token found by its hash, with its user. The
/// caller decides about the expiry, so an expired token can be told apart from a wrong one.
#[derive(Debug, Clone)]
pub struct TokenAuth {
    pub token_id: i64,
    pub scopes: String,
    pub expires_at: i64,
    pub user: User,
}

/// A live session found by its token.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub session_id: i64,
    pub device_id: Option<i64>,
    pub expires_at: i64,
    pub user: User,
}

impl Store {
    // ---- centres and organisations -------------------------------------------------

    pub async fn create_centre(&self, c: &NewCentre, now: i64) -> Result<Centre> {
        let sql = format!(
            "INSERT INTO centres (name, county, province, timezone, created_at) VALUES ($1, $2, $3, $4, $5) \
             RETURNING {CENTRE_COLS}"
        );
        Ok(on_write!(self, p => sqlx::query_as::<_, Centre>(&sql)
            .bind(&c.name).bind(&c.county).bind(&c.province).bind(&c.timezone).bind(now)
            .fetch_one(p).await?))
    }

    pub async fn list_centres(&self) -> Result<Vec<Centre>> {
        let sql = format!("SELECT {CENTRE_COLS} FROM centres ORDER BY id");
        Ok(on_read!(self, p => sqlx::query_as::<_, Centre>(&sql).fetch_all(p).await?))
    }

    pub async fn get_centre(&self, id: CentreId) -> Result<Centre> {
        let sql = format!("SELECT {CENTRE_COLS} FROM centres WHERE id = $1");
        on_read!(self, p => sqlx::query_as::<_, Centre>(&sql).bind(id.get()).fetch_optional(p).await?)
            .ok_or(StoreError::NotFound)
    }

    pub async fn create_org(&self, name: &str, now: i64) -> Result<Org> {
        let sql =
            "INSERT INTO orgs (name, created_at) VALUES ($1, $2) RETURNING id, name, created_at";
        Ok(
            on_write!(self, p => sqlx::query_as::<_, Org>(sql).bind(name).bind(now).fetch_one(p).await?),
        )
    }

    pub async fn list_orgs(&self) -> Result<Vec<Org>> {
        let sql = "SELECT id, name, created_at FROM orgs ORDER BY id";
        Ok(on_read!(self, p => sqlx::query_as::<_, Org>(sql).fetch_all(p).await?))
    }

    pub async fn get_org(&self, id: OrgId) -> Result<Org> {
        let sql = "SELECT id, name, created_at FROM orgs WHERE id = $1";
        on_read!(self, p => sqlx::query_as::<_, Org>(sql).bind(id.get()).fetch_optional(p).await?)
            .ok_or(StoreError::NotFound)
    }

    // ---- users ---------------------------------------------------------------------

    pub async fn create_user(&self, u: &NewUser, now: i64) -> Result<User> {
        let sql = format!(
            "INSERT INTO users (username, display_name, role, centre_id, org_id, password_hash, pin_hash, \
             skill_level, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {USER_COLS_BARE}"
        );
        let row = on_write!(self, p => sqlx::query_as::<_, UserRow>(&sql)
            .bind(&u.username).bind(&u.display_name).bind(u.role.as_str()).bind(u.centre_id).bind(u.org_id)
            .bind(&u.password_hash).bind(&u.pin_hash).bind(u.skill_level.map(SkillLevel::as_str)).bind(now)
            .fetch_one(p).await?);
        row.try_into()
    }

    pub async fn get_user(&self, id: UserId) -> Result<User> {
        let sql = format!("SELECT {USER_COLS} FROM users u WHERE u.id = $1");
        on_read!(self, p => sqlx::query_as::<_, UserRow>(&sql).bind(id.get()).fetch_optional(p).await?)
            .ok_or(StoreError::NotFound)?
            .try_into()
    }

    pub async fn list_users(&self, f: &UserFilter) -> Result<Vec<User>> {
        let sql = format!(
            "SELECT {USER_COLS} FROM users u WHERE ($1 IS NULL OR u.centre_id = $1) AND ($2 IS NULL OR u.org_id = $2) \
             AND ($3 IS NULL OR u.role = $3) ORDER BY u.id"
        );
        let rows = on_read!(self, p => sqlx::query_as::<_, UserRow>(&sql)
            .bind(f.centre_id).bind(f.org_id).bind(f.role.map(Role::as_str)).fetch_all(p).await?);
        rows.into_iter().map(User::try_from).collect()
    }

    /// The annotators a centre's enrolled device shows, in roster order.
    pub async fn roster(&self, centre_id: CentreId) -> Result<Vec<User>> {
        let sql = format!(
            "SELECT {USER_COLS} FROM users u WHERE u.centre_id = $1 AND u.role = 'annotator' AND u.disabled = FALSE \
             ORDER BY u.display_name, u.id"
        );
        let rows = on_read!(self, p => sqlx::query_as::<_, UserRow>(&sql).bind(centre_id.get()).fetch_all(p).await?);
        rows.into_iter().map(User::try_from).collect()
    }

    /// A staff user (anyone with a password) and the stored hash, by username.
    pub async fn password_login_user(&self, username: &str) -> Result<Option<(User, String)>> {
        let sql = format!(
            "SELECT {USER_COLS}, u.password_hash AS secret FROM users u WHERE u.username = $1"
        );
        let row = on_read!(self, p => sqlx::query_as::<_, UserWithSecret>(&sql).bind(username).fetch_optional(p).await?);
        with_secret(row)
    }

    /// An annotator of `centre_id` and their PIN hash.
    pub async fn pin_login_user(
        &self,
        centre_id: CentreId,
        user_id: UserId,
    ) -> Result<Option<(User, String)>> {
        let sql = format!(
            "SELECT {USER_COLS}, u.pin_hash AS secret FROM users u \
             WHERE u.id = $1 AND u.centre_id = $2 AND u.role = 'annotator'"
        );
        let row = on_read!(self, p => sqlx::query_as::<_, UserWithSecret>(&sql)
            .bind(user_id.get()).bind(centre_id.get()).fetch_optional(p).await?);
        with_secret(row)
    }

    /// Sets an annotator's PIN (and unlocks them). Scoped to the lead's centre.
    pub async fn set_pin(
        &self,
        centre_id: CentreId,
        user_id: UserId,
        pin_hash: &str,
    ) -> Result<()> {
        let sql = "UPDATE users SET pin_hash = $3, failed_attempts = 0, locked_until = NULL \
                   WHERE id = $1 AND centre_id = $2 AND role = 'annotator'";
        in_tx!(self, tx => {
            let n = sqlx::query(sql).bind(user_id.get()).bind(centre_id.get()).bind(pin_hash)
                .execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            // A new PIN forgets the wrong guesses at the old one, on every device.
            sqlx::query("DELETE FROM auth_throttle WHERE user_id = $1")
                .bind(user_id.get()).execute(&mut *tx).await?;
        });
        Ok(())
    }

    /// Disables or re-enables a user; disabling ends their sessions and revokes their API tokens.
    pub async fn set_user_disabled(
        &self,
        user_id: UserId,
        disabled: bool,
        now: i64,
    ) -> Result<User> {
        in_tx!(self, tx => {
            let n = sqlx::query("UPDATE users SET disabled = $2 WHERE id = $1")
                .bind(user_id.get()).bind(disabled).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            if disabled {
                sqlx::query("UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL")
                    .bind(user_id.get()).bind(now).execute(&mut *tx).await?;
                sqlx::query("UPDATE api_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL")
                    .bind(user_id.get()).bind(now).execute(&mut *tx).await?;
            }
        });
        // After the commit, so no lookup in between can bring the old session back.
        self.caches.sessions.clear();
        self.get_user(user_id).await
    }

    // ---- sessions ------------------------------------------------------------------

    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: UserId,
        device_id: Option<i64>,
        now: i64,
        expires_at: i64,
    ) -> Result<i64> {
        let sql = "INSERT INTO sessions (token_hash, user_id, device_id, created_at, expires_at) \
                   VALUES ($1, $2, $3, $4, $5) RETURNING id";
        Ok(on_write!(self, p => sqlx::query_scalar::<_, i64>(sql)
            .bind(token_hash).bind(user_id.get()).bind(device_id).bind(now).bind(expires_at).fetch_one(p).await?))
    }

    /// The live session with this token hash, with its user (who must not be disabled).
    /// The live session with this token hash. Lookups are reused for up to
    /// [`crate::SESSION_TTL`]; ending a session through this store forgets them at once.
    pub async fn session(&self, token_hash: &str, now: i64) -> Result<Option<SessionInfo>> {
        if let Some(info) = self.caches.sessions.get(&token_hash.to_owned())
            && info.expires_at > now
        {
            return Ok(Some(info));
        }
        let sql = format!(
            "SELECT {USER_COLS}, s.id AS session_id, s.device_id, s.expires_at FROM sessions s \
             JOIN users u ON u.id = s.user_id \
             LEFT JOIN devices d ON d.id = s.device_id \
             WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 AND u.disabled = FALSE \
             AND (s.device_id IS NULL OR d.revoked_at IS NULL)"
        );
        let row = on_read!(self, p => sqlx::query_as::<_, SessionRow>(&sql)
            .bind(token_hash).bind(now).fetch_optional(p).await?);
        let Some(row) = row else { return Ok(None) };
        let info = SessionInfo {
            session_id: row.session_id,
            device_id: row.device_id,
            expires_at: row.expires_at,
            user: row.user.try_into()?,
        };
        self.caches
            .sessions
            .insert(token_hash.to_owned(), info.clone());
        Ok(Some(info))
    }

    pub async fn revoke_session(&self, session_id: i64, now: i64) -> Result<()> {
        let sql = "UPDATE sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL";
        on_write!(self, p => sqlx::query(sql).bind(session_id).bind(now).execute(p).await?.rows_affected());
        self.caches.sessions.clear();
        Ok(())
    }

    // ---- API tokens ----------------------------------------------------------------

    /// Stores a new token; `scopes` is space-separated, already checked by the caller.
    #[allow(clippy::too_many_arguments)]
    pub async fn create_api_token(
        &self,
        user_id: UserId,
        name: &str,
        token_hash: &str,
        prefix: &str,
        scopes: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<ApiToken> {
        let sql = format!(
            "INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at, scopes, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {TOKEN_COLS}"
        );
        Ok(on_write!(self, p => sqlx::query_as::<_, ApiToken>(&sql)
            .bind(user_id.get()).bind(name).bind(token_hash).bind(prefix).bind(now).bind(scopes).bind(expires_at)
            .fetch_one(p).await?))
    }

    pub async fn list_api_tokens(&self, user_id: UserId) -> Result<Vec<ApiToken>> {
        let sql = format!("SELECT {TOKEN_COLS} FROM api_tokens WHERE user_id = $1 ORDER BY id");
        Ok(
            on_read!(self, p => sqlx::query_as::<_, ApiToken>(&sql).bind(user_id.get()).fetch_all(p).await?),
        )
    }

    /// Revokes one of the caller's own tokens.
    pub async fn revoke_api_token(&self, user_id: UserId, token_id: i64, now: i64) -> Result<()> {
        let sql = "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $3) WHERE id = $1 AND user_id = $2";
        let n = on_write!(self, p => sqlx::query(sql).bind(token_id).bind(user_id.get()).bind(now)
            .execute(p).await?.rows_affected());
        if n == 0 {
            Err(StoreError::NotFound)
        } else {
            Ok(())
        }
    }

    /// The user behind an unrevoked API token (expired or not: see [`TokenAuth`]). Records
    /// the use of a token still in date at most once a minute.
    pub async fn api_token_user(&self, token_hash: &str, now: i64) -> Result<Option<TokenAuth>> {
        let sql = format!(
            "SELECT {USER_COLS}, t.id AS token_id, t.last_used_at, t.scopes, t.expires_at \
             FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled = FALSE"
        );
        let row = on_read!(self, p => sqlx::query_as::<_, TokenUserRow>(&sql).bind(token_hash).fetch_optional(p).await?);
        let Some(TokenUserRow {
            user,
            token_id,
            last_used_at,
            scopes,
            expires_at,
        }) = row
        else {
            return Ok(None);
        };
        let user: User = user.try_into()?;
        if expires_at > now && last_used_at.is_none_or(|t| now - t > 60_000) {
            on_write!(self, p => sqlx::query("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1")
                .bind(token_id).bind(now).execute(p).await?.rows_affected());
        }
        Ok(Some(TokenAuth {
            token_id,
            scopes,
            expires_at,
            user,
        }))
    }

    // ---- devices -------------------------------------------------------------------

    pub async fn create_device(
        &self,
        centre_id: CentreId,
        name: &str,
        token_hash: &str,
        enrolled_by: UserId,
        now: i64,
    ) -> Result<Device> {
        let sql = format!(
            "INSERT INTO devices (centre_id, name, token_hash, enrolled_by, created_at, last_seen_at) \
             VALUES ($1, $2, $3, $4, $5, $5) RETURNING {DEVICE_COLS}"
        );
        Ok(on_write!(self, p => sqlx::query_as::<_, Device>(&sql)
            .bind(centre_id.get()).bind(name).bind(token_hash).bind(enrolled_by.get()).bind(now).fetch_one(p).await?))
    }

    /// The enrolled, unrevoked device holding this token.
    pub async fn device_by_token(&self, token_hash: &str) -> Result<Option<Device>> {
        let sql = format!(
            "SELECT {DEVICE_COLS} FROM devices WHERE token_hash = $1 AND revoked_at IS NULL"
        );
        Ok(
            on_read!(self, p => sqlx::query_as::<_, Device>(&sql).bind(token_hash).fetch_optional(p).await?),
        )
    }

    pub async fn list_devices(&self, centre_id: CentreId) -> Result<Vec<Device>> {
        let sql = format!("SELECT {DEVICE_COLS} FROM devices WHERE centre_id = $1 ORDER BY id");
        Ok(
            on_read!(self, p => sqlx::query_as::<_, Device>(&sql).bind(centre_id.get()).fetch_all(p).await?),
        )
    }

    /// Revokes a device of `centre_id` and ends the sessions opened on it.
    pub async fn revoke_device(&self, centre_id: CentreId, device_id: i64, now: i64) -> Result<()> {
        in_tx!(self, tx => {
            let n = sqlx::query("UPDATE devices SET revoked_at = COALESCE(revoked_at, $3) WHERE id = $1 AND centre_id = $2")
                .bind(device_id).bind(centre_id.get()).bind(now).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query("UPDATE sessions SET revoked_at = $2 WHERE device_id = $1 AND revoked_at IS NULL")
                .bind(device_id).bind(now).execute(&mut *tx).await?;
        });
        self.caches.sessions.clear();
        Ok(())
    }

    pub async fn create_device_code(
        &self,
        centre_id: CentreId,
        code_hash: &str,
        created_by: UserId,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        let sql = "INSERT INTO device_codes (centre_id, code_hash, created_by, created_at, expires_at) \
                   VALUES ($1, $2, $3, $4, $5)";
        on_write!(self, p => sqlx::query(sql).bind(centre_id.get()).bind(code_hash).bind(created_by.get()).bind(now)
            .bind(expires_at).execute(p).await?.rows_affected());
        Ok(())
    }

    /// Turns a one-time enrolment code into a device; `None` when the code is unknown,
    /// used or expired. The code is spent in the same transaction.
    pub async fn claim_device_code(
        &self,
        code_hash: &str,
        device_name: &str,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<Device>> {
        let device = in_tx!(self, tx => {
            let code: Option<(i64, i64, i64)> = sqlx::query_as(
                "UPDATE device_codes SET used_at = $2 WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2 \
                 RETURNING id, centre_id, created_by")
                .bind(code_hash).bind(now).fetch_optional(&mut *tx).await?;
            match code {
                None => None,
                Some((code_id, centre_id, created_by)) => {
                    let device = sqlx::query_as::<_, Device>(&format!(
                        "INSERT INTO devices (centre_id, name, token_hash, enrolled_by, created_at, last_seen_at) \
                         VALUES ($1, $2, $3, $4, $5, $5) RETURNING {DEVICE_COLS}"))
                        .bind(centre_id).bind(device_name).bind(token_hash).bind(created_by).bind(now)
                        .fetch_one(&mut *tx).await?;
                    sqlx::query("UPDATE device_codes SET device_id = $2 WHERE id = $1")
                        .bind(code_id).bind(device.id).execute(&mut *tx).await?;
                    Some(device)
                }
            }
        });
        Ok(device)
    }

    /// Notes that a device was used (at most one write a minute).
    pub async fn touch_device(&self, device_id: i64, now: i64) -> Result<()> {
        let sql =
            "UPDATE devices SET last_seen_at = $2 WHERE id = $1 AND last_seen_at < $2 - 60000";
        on_write!(self, p => sqlx::query(sql).bind(device_id).bind(now).execute(p).await?.rows_affected());
        Ok(())
    }
}

fn with_secret(row: Option<UserWithSecret>) -> Result<Option<(User, String)>> {
    match row {
        Some(UserWithSecret {
            user,
            secret: Some(secret),
        }) => Ok(Some((user.try_into()?, secret))),
        _ => Ok(None),
    }
}
