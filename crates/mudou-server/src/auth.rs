//! Who is calling: sessions (cookies) for the web UI, API tokens for scripts,
//! enrolled devices for the annotators' roster. Every handler receives its
//! caller from one of the extractors here and scopes its queries by it. The secrets
//! themselves (random tokens and codes, their hashes, Argon2) are made and checked in
//! [`mudou_app::secrets`], re-exported here for the routes.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::{AUTHORIZATION, COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method};
use mudou_domain::{CentreId, ErrorCode, OrgId, Role, Scope};
use mudou_store::{Device, ThrottleKey, ThrottleRule, User, now_millis};

use crate::error::ApiError;
use crate::settings::Settings;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "mudou_session";
pub const DEVICE_COOKIE: &str = "mudou_device";
/// Given at a successful password login: from this browser the right password works even
/// while strangers' guesses slow the account down.
pub const KNOWN_COOKIE: &str = "mudou_known";

pub use mudou_app::secrets::{
    API_TOKEN_PREFIX, DUMMY_HASH, hash_secret, normalise_code, random_code, random_secret,
    token_hash, verify_secret,
};

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// A `Set-Cookie` value for an HttpOnly, SameSite=Strict cookie (`max_age_s = 0` clears it).
pub fn set_cookie(name: &str, value: &str, max_age_s: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_s}{secure}"
    ))
    .expect("cookie values are base64url")
}

pub fn append_cookie(headers: &mut HeaderMap, value: HeaderValue) {
    headers.append(SET_COOKIE, value);
}

/// How the caller proved who they are.
#[derive(Clone, Debug)]
pub enum Credential {
    Session {
        session_id: i64,
        device_id: Option<i64>,
    },
    ApiToken {
        token_id: i64,
        /// What the token may do (a subset of its user's role's scopes).
        scopes: Vec<Scope>,
        expires_at: i64,
    },
}

/// The authenticated caller. Rejects with 401 when there is none.
#[derive(Clone, Debug)]
pub struct Caller {
    pub user: User,
    pub credential: Credential,
}

impl Caller {
    pub fn role(&self) -> Role {
        self.user.role
    }

    /// The scopes this caller holds: all of its role's for a session, the token's own otherwise.
    pub fn scopes(&self) -> Vec<Scope> {
        match &self.credential {
            Credential::Session { .. } => self.user.role.scopes().to_vec(),
            Credential::ApiToken { scopes, .. } => scopes
                .iter()
                .copied()
                .filter(|s| self.user.role.scopes().contains(s))
                .collect(),
        }
    }

    /// Refuses (403 `scope`) an API token without `scope`; a session holds every scope of
    /// its role.
    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        if self.scopes().contains(&scope) {
            Ok(())
        } else {
            Err(ApiError::new(
                ErrorCode::Scope,
                format!("this needs the scope '{scope}', which this API token (or role) lacks"),
            )
            .with("needed", scope.as_str()))
        }
    }

    /// Requires the scope its role needs for a request of `method` (a client's reads need
    /// `results:read`, its writes `orders`).
    pub fn require_for(&self, method: &Method) -> Result<(), ApiError> {
        let read = matches!(*method, Method::GET | Method::HEAD);
        self.require(Scope::needed(self.user.role, read))
    }
}

/// Parses a token's stored scopes (unknown words are dropped).
pub fn parse_scopes(stored: &str) -> Vec<Scope> {
    stored
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect()
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(c) = parts.extensions.get::<Caller>() {
            return Ok(c.clone());
        }
        let now = now_millis();
        let caller = if let Some(h) = parts.headers.get(AUTHORIZATION) {
            let token = h
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim)
                .filter(|t| t.starts_with(API_TOKEN_PREFIX))
                .ok_or_else(|| {
                    ApiError::new(
                        ErrorCode::InvalidToken,
                        "use 'Authorization: Bearer mdt_…' with an API token",
                    )
                })?;
            let auth = state
                .store
                .api_token_user(&token_hash(token), now)
                .await?
                .ok_or_else(|| {
                    ApiError::new(ErrorCode::InvalidToken, "unknown or revoked API token")
                })?;
            if auth.expires_at <= now {
                return Err(ApiError::new(
                    ErrorCode::TokenExpired,
                    "this API token has expired; make a new one",
                ));
            }
            Caller {
                user: auth.user,
                credential: Credential::ApiToken {
                    token_id: auth.token_id,
                    scopes: parse_scopes(&auth.scopes),
                    expires_at: auth.expires_at,
                },
            }
        } else if let Some(secret) = cookie(&parts.headers, SESSION_COOKIE) {
            let info = state
                .store
                .session(&token_hash(secret), now)
                .await?
                .ok_or_else(ApiError::unauthenticated)?;
            Caller {
                user: info.user,
                credential: Credential::Session {
                    session_id: info.session_id,
                    device_id: info.device_id,
                },
            }
        } else {
            return Err(ApiError::unauthenticated());
        };
        parts.extensions.insert(caller.clone());
        Ok(caller)
    }
}

macro_rules! role_extractor {
    ($(#[$m:meta])* $name:ident, $($role:path)|+) => {
        $(#[$m])*
        #[derive(Clone, Debug)]
        pub struct $name(pub Caller);

        impl FromRequestParts<AppState> for $name {
            type Rejection = ApiError;
            async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
                let caller = Caller::from_request_parts(parts, state).await?;
                if matches!(caller.user.role, $($role)|+) {
                    caller.require_for(&parts.method)?;
                    Ok($name(caller))
                } else {
                    Err(ApiError::forbidden())
                }
            }
        }
    };
}

role_extractor!(
    /// An administrator.
    AdminCaller, Role::Admin
);
/// Anyone who logs in with a password (not annotators). Needs no scope of its own (the API
/// token routes; the reports check the role's scope themselves).
#[derive(Clone, Debug)]
pub struct StaffCaller(pub Caller);

impl FromRequestParts<AppState> for StaffCaller {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        if matches!(caller.user.role, Role::Admin | Role::Lead | Role::Client) {
            Ok(StaffCaller(caller))
        } else {
            Err(ApiError::forbidden())
        }
    }
}

/// A team lead, with their centre.
#[derive(Clone, Debug)]
pub struct LeadCaller {
    pub caller: Caller,
    pub centre_id: CentreId,
}

impl FromRequestParts<AppState> for LeadCaller {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        match (caller.user.role, caller.user.centre_id) {
            (Role::Lead, Some(centre_id)) => {
                caller.require_for(&parts.method)?;
                Ok(LeadCaller { caller, centre_id })
            }
            _ => Err(ApiError::forbidden()),
        }
    }
}

/// A client, with their organisation.
#[derive(Clone, Debug)]
pub struct ClientCaller {
    pub caller: Caller,
    pub org_id: OrgId,
}

impl FromRequestParts<AppState> for ClientCaller {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        match (caller.user.role, caller.user.org_id) {
            (Role::Client, Some(org_id)) => {
                caller.require_for(&parts.method)?;
                Ok(ClientCaller { caller, org_id })
            }
            _ => Err(ApiError::forbidden()),
        }
    }
}

/// An annotator, with their centre.
#[derive(Clone, Debug)]
pub struct AnnotatorCaller {
    pub caller: Caller,
    pub centre_id: CentreId,
}

impl FromRequestParts<AppState> for AnnotatorCaller {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        match (caller.user.role, caller.user.centre_id) {
            (Role::Annotator, Some(centre_id)) => {
                caller.require_for(&parts.method)?;
                Ok(AnnotatorCaller { caller, centre_id })
            }
            _ => Err(ApiError::forbidden()),
        }
    }
}

/// The enrolled device this browser holds, if any (a revoked or forged token is none).
#[derive(Clone, Debug)]
pub struct MaybeDevice(pub Option<Device>);

impl FromRequestParts<AppState> for MaybeDevice {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(secret) = cookie(&parts.headers, DEVICE_COOKIE) else {
            return Ok(MaybeDevice(None));
        };
        Ok(MaybeDevice(
            state.store.device_by_token(&token_hash(secret)).await?,
        ))
    }
}

/// An enrolled device; rejects with 403 `device_not_enrolled` otherwise.
#[derive(Clone, Debug)]
pub struct EnrolledDevice(pub Device);

impl FromRequestParts<AppState> for EnrolledDevice {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        match MaybeDevice::from_request_parts(parts, state).await? {
            MaybeDevice(Some(d)) => Ok(EnrolledDevice(d)),
            MaybeDevice(None) => Err(ApiError::device_not_enrolled()),
        }
    }
}

/// The source address of a request: the connection's peer, or — only when
/// `trusted_proxy_hops` says proxies stand in front — the address the outermost trusted
/// proxy wrote into `X-Forwarded-For`. `None` when the server runs without connection info.
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(pub Option<IpAddr>);

impl ClientAddr {
    pub fn resolve(parts: &Parts, settings: &Settings) -> ClientAddr {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let hops = settings.trusted_proxy_hops;
        if hops == 0 || peer.is_none() {
            return ClientAddr(peer);
        }
        // Each trusted proxy appended one entry; the client's is the one the outermost added.
        let entries: Vec<&str> = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .collect();
        let pick = entries
            .len()
            .checked_sub(hops)
            .and_then(|i| entries.get(i))
            .or(entries.first());
        ClientAddr(pick.and_then(|e| e.parse::<IpAddr>().ok()).or(peer))
    }

    /// The throttle key of this source: an IPv4 address, or an IPv6 address's /64 (one
    /// machine usually holds a whole /64).
    pub fn key(&self) -> String {
        match self.0.map(|ip| ip.to_canonical()) {
            None => "addr:unknown".to_owned(),
            Some(IpAddr::V4(v4)) => format!("addr:{v4}"),
            Some(IpAddr::V6(v6)) => {
                let s = v6.segments();
                format!("addr:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        }
    }
}

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr::resolve(parts, &state.settings))
    }
}

/// The keys a login attempt counts against, with their rules (from the settings).
pub struct Throttles<'a>(pub &'a Settings);

const FORGET_SHORT_MS: i64 = 3600 * 1000;
const FORGET_LONG_MS: i64 = 24 * 3600 * 1000;
const FIRST_WAIT_MS: i64 = 1000;

impl Throttles<'_> {
    fn key(key: String, user_id: Option<i64>, rule: ThrottleRule) -> ThrottleKey {
        ThrottleKey { key, user_id, rule }
    }
    /// A source address: many people may share it (a centre behind one NAT), so a success
    /// only gives its own attempt back.
    pub fn address(&self, addr: &ClientAddr) -> ThrottleKey {
        Self::key(
            addr.key(),
            None,
            ThrottleRule {
                free: self.0.address_free_attempts,
                base_ms: FIRST_WAIT_MS,
                max_ms: self.0.address_max_wait.as_millis() as i64,
                forget_ms: FORGET_LONG_MS,
                reset_on_success: false,
            },
        )
    }
    fn account_rule(&self) -> ThrottleRule {
        ThrottleRule {
            free: self.0.account_free_attempts,
            base_ms: FIRST_WAIT_MS,
            max_ms: self.0.account_max_wait.as_millis() as i64,
            forget_ms: FORGET_SHORT_MS,
            reset_on_success: true,
        }
    }
    /// A typed username, whether or not such a user exists (so the answers cannot tell).
    pub fn username(&self, username: &str, user_id: Option<i64>) -> ThrottleKey {
        Self::key(format!("user:{username}"), user_id, self.account_rule())
    }
    /// An annotator's account as seen from the devices of one centre.
    pub fn annotator(&self, centre_id: i64, user_id: i64, known: bool) -> ThrottleKey {
        Self::key(
            format!("acct:{centre_id}:{user_id}"),
            known.then_some(user_id),
            self.account_rule(),
        )
    }
    /// One annotator on one device.
    pub fn pin_pair(&self, device_id: i64, user_id: i64, known: bool) -> ThrottleKey {
        Self::key(
            format!("pin:{device_id}:{user_id}"),
            known.then_some(user_id),
            ThrottleRule {
                free: self.0.pin_free_attempts,
                base_ms: FIRST_WAIT_MS,
                max_ms: self.0.address_max_wait.as_millis() as i64,
                forget_ms: FORGET_LONG_MS,
                reset_on_success: true,
            },
        )
    }
    /// An enrolled device, whoever uses it.
    pub fn device(&self, device_id: i64) -> ThrottleKey {
        Self::key(
            format!("dev:{device_id}"),
            None,
            ThrottleRule {
                free: self.0.device_attempts_per_window,
                base_ms: FIRST_WAIT_MS,
                max_ms: self.0.device_window.as_millis() as i64,
                forget_ms: FORGET_SHORT_MS,
                reset_on_success: false,
            },
        )
    }
    /// A browser where this user logged in before (its cookie's hash).
    pub fn known_browser(&self, cookie_hash: &str, user_id: i64) -> ThrottleKey {
        Self::key(
            format!("known:{cookie_hash}"),
            Some(user_id),
            ThrottleRule {
                free: self.0.address_free_attempts,
                base_ms: FIRST_WAIT_MS,
                max_ms: self.0.address_max_wait.as_millis() as i64,
                forget_ms: FORGET_LONG_MS,
                reset_on_success: false,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies() {
        let mut h = HeaderMap::new();
        h.insert(
            COOKIE,
            HeaderValue::from_static("a=1; mudou_session=abc ; b="),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&h, "b"), None);
        assert_eq!(cookie(&h, DEVICE_COOKIE), None);
    }
}
