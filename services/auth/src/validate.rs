//! Input rules for accounts, each failure a 422 naming the field.

use kit::ApiError;

pub const PASSWORD_MIN_BYTES: usize = 8;
pub const PASSWORD_MAX_BYTES: usize = 128;
pub const USERNAME_BYTES: std::ops::RangeInclusive<usize> = 3..=32;
pub const MAX_DISPLAY_NAME_CHARS: usize = 64;
pub const MAX_BIO_CHARS: usize = 500;

/// 3..=32 characters of `A-Z a-z 0-9 _ . -`. ASCII only, so no look-alike names.
pub fn username(name: &str) -> Result<(), ApiError> {
    let len = name.len();
    if !USERNAME_BYTES.contains(&len) {
        return Err(ApiError::validation(
            "username",
            format!(
                "must be {} to {} characters",
                USERNAME_BYTES.start(),
                USERNAME_BYTES.end()
            ),
        ));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
    {
        return Err(ApiError::validation(
            "username",
            "may contain only letters, digits, '_', '.' and '-'",
        ));
    }
    Ok(())
}

/// 8..=128 bytes (the upper bound keeps hashing cost bounded).
pub fn password(password: &str) -> Result<(), ApiError> {
    let len = password.len();
    if len < PASSWORD_MIN_BYTES {
        return Err(ApiError::validation(
            "password",
            format!("must be at least {PASSWORD_MIN_BYTES} bytes"),
        ));
    }
    if len > PASSWORD_MAX_BYTES {
        return Err(ApiError::validation(
            "password",
            format!("must be at most {PASSWORD_MAX_BYTES} bytes"),
        ));
    }
    Ok(())
}

/// 1..=64 characters, no control characters, trimmed.
pub fn display_name(name: &str) -> Result<String, ApiError> {
    let trimmed = name.trim();
    let count = trimmed.chars().count();
    if count == 0 || count > MAX_DISPLAY_NAME_CHARS {
        return Err(ApiError::validation(
            "display_name",
            format!("must be 1 to {MAX_DISPLAY_NAME_CHARS} characters"),
        ));
    }
    if trimmed.chars().any(common_proto::text::is_hidden_control) {
        return Err(ApiError::validation(
            "display_name",
            "must not contain control, bidirectional or zero-width characters",
        ));
    }
    Ok(trimmed.to_owned())
}

/// Up to 500 characters.
pub fn bio(bio: &str) -> Result<(), ApiError> {
    if bio.chars().count() > MAX_BIO_CHARS {
        return Err(ApiError::validation(
            "bio",
            format!("must be at most {MAX_BIO_CHARS} characters"),
        ));
    }
    Ok(())
}

/// A file id: a ULID (26 characters of Crockford base32).
pub fn file_id(field: &str, id: &str) -> Result<(), ApiError> {
    if id.len() != 26 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(ApiError::validation(field, "is not a file id"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn username_rules() {
        assert!(username("alice_01").is_ok());
        assert!(username("al").is_err());
        assert!(username(&"a".repeat(33)).is_err());
        assert!(username("ali ce").is_err());
        assert!(username("аlice").is_err(), "Cyrillic a is refused");
    }

    #[test]
    fn password_bounds_are_bytes() {
        assert!(password("1234567").is_err());
        assert!(password("12345678").is_ok());
        assert!(password(&"x".repeat(128)).is_ok());
        assert!(password(&"x".repeat(129)).is_err());
        assert_eq!(
            password(&"é".repeat(65)).map_err(|e| e.field),
            Err(Some("password".into())),
            "130 bytes"
        );
    }

    #[test]
    fn display_name_is_trimmed_and_bounded() {
        assert_eq!(display_name("  Ann ").expect("valid"), "Ann");
        assert!(display_name("   ").is_err());
        assert!(display_name("a\u{7}b").is_err());
        assert!(display_name("evil\u{202E}gnp.exe").is_err());
        assert!(display_name("zero\u{200B}width").is_err());
        assert_eq!(display_name("张三 (Zhang)").expect("valid"), "张三 (Zhang)");
    }
}
