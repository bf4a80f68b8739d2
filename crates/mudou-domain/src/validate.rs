/// A value that breaks a rule, with the field it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ValidationError {
    /// The field, or a path into it such as `template.questions[2].options`.
    pub field: std::borrow::Cow<'static, str>,
    pub message: String,
    /// The code the API answers it with (`validation`, 422, unless a rule has its own,
    /// e.g. `outside_volume`).
    pub code: crate::ErrorCode,
}

impl ValidationError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        ValidationError {
            field: field.into(),
            message: message.into(),
            code: crate::ErrorCode::Validation,
        }
    }

    /// An error at a path built at run time (`template.questions[2].options`).
    pub fn at(path: impl Into<String>, message: impl Into<String>) -> Self {
        ValidationError {
            field: path.into().into(),
            message: message.into(),
            code: crate::ErrorCode::Validation,
        }
    }

    /// This error answered with its own code (a 4xx one).
    pub fn with_code(mut self, code: crate::ErrorCode) -> Self {
        self.code = code;
        self
    }
}

/// A PIN is 4 to 6 ASCII digits.
pub fn validate_pin(pin: &str) -> Result<(), ValidationError> {
    if !(4..=6).contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ValidationError::new("pin", "a PIN is 4 to 6 digits"));
    }
    Ok(())
}

/// Passwords: at least 8 characters, at most 256 bytes (argon2 input stays bounded).
pub fn validate_password(password: &str) -> Result<(), ValidationError> {
    if password.chars().count() < 8 {
        return Err(ValidationError::new(
            "password",
            "a password has at least 8 characters",
        ));
    }
    if password.len() > 256 {
        return Err(ValidationError::new(
            "password",
            "a password has at most 256 bytes",
        ));
    }
    Ok(())
}

/// Usernames: 2–64 characters of ASCII letters, digits, `.`, `_`, `-`.
pub fn validate_username(username: &str) -> Result<(), ValidationError> {
    let ok_chars = username
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if !(2..=64).contains(&username.len()) || !ok_chars {
        return Err(ValidationError::new(
            "username",
            "a username is 2 to 64 letters, digits, '.', '_' or '-'",
        ));
    }
    Ok(())
}

/// Display names (shown on the roster): 1–40 characters, no control characters.
pub fn validate_display_name(name: &str) -> Result<(), ValidationError> {
    let trimmed = name.trim();
    let n = trimmed.chars().count();
    if n == 0 || n > 40 || trimmed.chars().any(char::is_control) {
        return Err(ValidationError::new(
            "display_name",
            "a name is 1 to 40 characters",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins() {
        assert!(validate_pin("1234").is_ok());
        assert!(validate_pin("123456").is_ok());
        assert!(validate_pin("123").is_err());
        assert!(validate_pin("1234567").is_err());
        assert!(validate_pin("12a4").is_err());
        assert!(
            validate_pin("１２３４").is_err(),
            "full-width digits are not ASCII digits"
        );
    }

    #[test]
    fn names() {
        assert!(validate_username("lead.zhao").is_ok());
        assert!(validate_username("a").is_err());
        assert!(validate_username("王芳").is_err());
        assert!(validate_display_name("王芳").is_ok());
        assert!(validate_display_name("  ").is_err());
        assert!(validate_display_name("a\u{0}b").is_err());
        assert!(validate_password("short").is_err());
        assert!(validate_password("long enough").is_ok());
    }
}
