//! One error type for the whole API. Client mistakes are 4xx with a stable
//! `code`; anything else is logged and answered with an opaque 500. A use-case's
//! [`AppError`] becomes one with its code's status.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use mudou_app::AppError;
use mudou_domain::ErrorCode;
use mudou_store::StoreError;
use serde_json::{Map, Value, json};

#[derive(Debug)]
pub struct ApiError {
    /// The reason, which also decides the HTTP status ([`ErrorCode::status`]).
    pub code: ErrorCode,
    pub message: String,
    /// Extra fields beside `code` and `message` (e.g. `attempts_left`).
    pub extra: Map<String, Value>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            extra: Map::new(),
        }
    }
    /// The HTTP status, from the code.
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.extra.insert(key.to_owned(), value.into());
        self
    }
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Validation, message)
    }
    pub fn unauthenticated() -> Self {
        Self::new(ErrorCode::Unauthenticated, "log in first")
    }
    pub fn forbidden() -> Self {
        Self::new(ErrorCode::Forbidden, "your role may not do this")
    }
    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} not found"))
    }
    /// Maps a store error, naming `what` when it is "not found".
    pub fn not_found_as(what: &'static str) -> impl Fn(StoreError) -> ApiError {
        move |e| match e {
            StoreError::NotFound => ApiError::not_found(what),
            e => e.into(),
        }
    }
    /// It exists already, or was already done: `conflict`.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict, message)
    }
    /// A login attempt refused because its source, account or device must wait: the same
    /// answer whoever the account is and whether it exists (with a `Retry-After` header).
    pub fn throttled(wait_ms: i64) -> Self {
        Self::new(ErrorCode::RateLimited, "too many attempts; try again later")
            .with("retry_after_s", (wait_ms + 999).div_euclid(1000).max(1))
    }
    pub fn device_not_enrolled() -> Self {
        Self::new(
            ErrorCode::DeviceNotEnrolled,
            "this device is not enrolled at a centre",
        )
    }
    /// Logs the cause and hides it from the caller.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(ErrorCode::Internal, "something went wrong on our side")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let retry_after = match (status, self.extra.get("retry_after_s")) {
            (StatusCode::TOO_MANY_REQUESTS, Some(Value::Number(n))) => n.as_i64(),
            _ => None,
        };
        let mut body = Map::new();
        body.insert("code".into(), self.code.as_str().into());
        body.insert("message".into(), self.message.into());
        body.extend(self.extra);
        let mut res = (status, Json(json!({ "error": body }))).into_response();
        if let Some(s) = retry_after {
            res.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, s.into());
        }
        res
    }
}

/// A use-case's refusal, answered with its code's status.
impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError {
            code: e.code,
            message: e.message,
            extra: e.extra,
        }
    }
}

/// As the use-cases map a store error ([`AppError`]'s `From<StoreError>`).
impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        AppError::from(e).into()
    }
}

impl From<mudou_domain::ValidationError> for ApiError {
    fn from(e: mudou_domain::ValidationError) -> Self {
        AppError::from(e).into()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Gives every error response under `/api` the JSON error shape, including the
/// ones made by the framework and middleware (404 for unknown routes, 405, 413…).
pub async fn json_errors(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    let res = next.run(req).await;
    let status = res.status();
    if !is_api || !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let is_json = res
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return res;
    }
    let (code, message) = match status {
        StatusCode::NOT_FOUND => (ErrorCode::NotFound, "no such route"),
        StatusCode::METHOD_NOT_ALLOWED => (
            ErrorCode::MethodNotAllowed,
            "this route does not take that method",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => {
            (ErrorCode::PayloadTooLarge, "the request body is too large")
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            ErrorCode::UnsupportedMediaType,
            "send JSON with Content-Type: application/json",
        ),
        StatusCode::TOO_MANY_REQUESTS => (ErrorCode::RateLimited, "too many requests"),
        StatusCode::REQUEST_TIMEOUT | StatusCode::GATEWAY_TIMEOUT => {
            (ErrorCode::Timeout, "the request took too long")
        }
        StatusCode::SERVICE_UNAVAILABLE => (
            ErrorCode::Unavailable,
            "not available just now; please send it again",
        ),
        s if s.is_server_error() => (ErrorCode::Internal, "something went wrong on our side"),
        _ => (ErrorCode::BadRequest, "the request could not be understood"),
    };
    let mut out = ApiError::new(code, message).into_response();
    for (k, v) in res.headers() {
        if k == axum::http::header::ALLOW || k == axum::http::header::RETRY_AFTER {
            out.headers_mut().insert(k.clone(), v.clone());
        }
    }
    out
}
