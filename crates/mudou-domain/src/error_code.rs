//! Every error code the API answers with, and its HTTP status: the one table clients (the
//! web UI, scripts) can rely on. A code never changes meaning; new refusals get new codes.

use serde::Serialize;
use utoipa::ToSchema;

/// A stable, machine-readable reason for a refusal (`{"error": {"code", "message"}}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    // 400: the request could not be read.
    BadRequest,
    InvalidBody,
    InvalidJson,
    InvalidMultipart,
    InvalidPath,
    InvalidQuery,
    // 401: who is asking is not known.
    Unauthenticated,
    InvalidCredentials,
    InvalidPin,
    InvalidToken,
    TokenExpired,
    // 403: known, but may not.
    Forbidden,
    Scope,
    CrossOrigin,
    DeviceNotEnrolled,
    // 404
    NotFound,
    // 405
    MethodNotAllowed,
    // 408
    Timeout,
    // 409: the request was fine, the state of things refuses it.
    Conflict,
    /// A label for a unit already submitted: its answers are final.
    UnitClosed,
    /// A label whose lease ran out for an item that has all the labels it needs.
    NoLongerNeeded,
    /// A `client_uuid` already used for a different answer.
    UuidReused,
    // 413
    PayloadTooLarge,
    TooManyFiles,
    // 415
    UnsupportedMediaType,
    // 422: read, but not valid.
    Validation,
    // 429
    RateLimited,
    // 500
    Internal,
    // 503: try again later; nothing was changed.
    Busy,
    NotReady,
    Unavailable,
}

impl ErrorCode {
    /// Every code, for documents and tests.
    pub const ALL: &'static [ErrorCode] = &[
        ErrorCode::BadRequest,
        ErrorCode::InvalidBody,
        ErrorCode::InvalidJson,
        ErrorCode::InvalidMultipart,
        ErrorCode::InvalidPath,
        ErrorCode::InvalidQuery,
        ErrorCode::Unauthenticated,
        ErrorCode::InvalidCredentials,
        ErrorCode::InvalidPin,
        ErrorCode::InvalidToken,
        ErrorCode::TokenExpired,
        ErrorCode::Forbidden,
        ErrorCode::Scope,
        ErrorCode::CrossOrigin,
        ErrorCode::DeviceNotEnrolled,
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::Timeout,
        ErrorCode::Conflict,
        ErrorCode::UnitClosed,
        ErrorCode::NoLongerNeeded,
        ErrorCode::UuidReused,
        ErrorCode::PayloadTooLarge,
        ErrorCode::TooManyFiles,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::Validation,
        ErrorCode::RateLimited,
        ErrorCode::Internal,
        ErrorCode::Busy,
        ErrorCode::NotReady,
        ErrorCode::Unavailable,
    ];

    /// The HTTP status this code is answered with.
    pub fn status(self) -> u16 {
        use ErrorCode::*;
        match self {
            BadRequest | InvalidBody | InvalidJson | InvalidMultipart | InvalidPath
            | InvalidQuery => 400,
            Unauthenticated | InvalidCredentials | InvalidPin | InvalidToken | TokenExpired => 401,
            Forbidden | Scope | CrossOrigin | DeviceNotEnrolled => 403,
            NotFound => 404,
            MethodNotAllowed => 405,
            Timeout => 408,
            Conflict | UnitClosed | NoLongerNeeded | UuidReused => 409,
            PayloadTooLarge | TooManyFiles => 413,
            UnsupportedMediaType => 415,
            Validation => 422,
            RateLimited => 429,
            Internal => 500,
            Busy | NotReady | Unavailable => 503,
        }
    }

    /// The code as clients see it, e.g. `unit_closed`.
    pub fn as_str(self) -> &'static str {
        use ErrorCode::*;
        match self {
            BadRequest => "bad_request",
            InvalidBody => "invalid_body",
            InvalidJson => "invalid_json",
            InvalidMultipart => "invalid_multipart",
            InvalidPath => "invalid_path",
            InvalidQuery => "invalid_query",
            Unauthenticated => "unauthenticated",
            InvalidCredentials => "invalid_credentials",
            InvalidPin => "invalid_pin",
            InvalidToken => "invalid_token",
            TokenExpired => "token_expired",
            Forbidden => "forbidden",
            Scope => "scope",
            CrossOrigin => "cross_origin",
            DeviceNotEnrolled => "device_not_enrolled",
            NotFound => "not_found",
            MethodNotAllowed => "method_not_allowed",
            Timeout => "timeout",
            Conflict => "conflict",
            UnitClosed => "unit_closed",
            NoLongerNeeded => "no_longer_needed",
            UuidReused => "uuid_reused",
            PayloadTooLarge => "payload_too_large",
            TooManyFiles => "too_many_files",
            UnsupportedMediaType => "unsupported_media_type",
            Validation => "validation",
            RateLimited => "rate_limited",
            Internal => "internal",
            Busy => "busy",
            NotReady => "not_ready",
            Unavailable => "unavailable",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_listed_once_and_reads_as_serde_writes_it() {
        let mut seen = std::collections::HashSet::new();
        for c in ErrorCode::ALL {
            assert!(seen.insert(c.as_str()), "{c} twice");
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
            assert!((400..600).contains(&c.status()));
        }
    }
}
