//! Route table of `cascade-service`.

mod info;
mod platforms;
mod register;
mod sync;

use actix_web::web;
use kit::ApiError;

pub use info::__path_info;
pub use platforms::{__path_create, __path_delete, __path_get, __path_list, __path_update};
pub use register::__path_register;
pub use sync::{__path_progress, __path_start, SyncRequest};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/cascade/info", web::get().to(info::info))
        .route(
            "/api/v1/cascade/register",
            web::post().to(register::register),
        )
        .route("/api/v1/cascade/platforms", web::get().to(platforms::list))
        .route(
            "/api/v1/cascade/platforms",
            web::post().to(platforms::create),
        )
        .route(
            "/api/v1/cascade/platforms/{id}",
            web::get().to(platforms::get),
        )
        .route(
            "/api/v1/cascade/platforms/{id}",
            web::patch().to(platforms::update),
        )
        .route(
            "/api/v1/cascade/platforms/{id}",
            web::delete().to(platforms::delete),
        )
        .route(
            "/api/v1/cascade/platforms/{id}/sync",
            web::post().to(sync::start),
        )
        .route(
            "/api/v1/cascade/platforms/{id}/sync/{job}",
            web::get().to(sync::progress),
        );
}

/// 20 digits (GB/T 28181 style) or 1..=32 of `a-z 0-9 _ -`.
/// Longest short platform code (the long form is a 20-digit national code).
const MAX_CODE_CHARS: usize = 32;
const MAX_NAME_CHARS: usize = 100;
const MAX_URL_CHARS: usize = 255;

/// A peer's code: 20 digits, or a short `a-z 0-9 _ -` code; never this platform's own.
pub(crate) fn check_code(code: &str, own: &str) -> Result<(), ApiError> {
    let national = code.len() == 20 && code.bytes().all(|b| b.is_ascii_digit());
    let short = (1..=MAX_CODE_CHARS).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if !(national || short) {
        return Err(ApiError::validation(
            "code",
            format!("must be 20 digits or 1 to {MAX_CODE_CHARS} of a-z 0-9 _ -"),
        ));
    }
    if code == own {
        return Err(ApiError::validation("code", "is this platform's own code"));
    }
    Ok(())
}

pub(crate) fn check_name(name: &str) -> Result<(), ApiError> {
    let n = name.trim().chars().count();
    if !(1..=MAX_NAME_CHARS).contains(&n) || name.chars().any(common_proto::text::is_hidden_control)
    {
        return Err(ApiError::validation(
            "name",
            format!("must be 1 to {MAX_NAME_CHARS} characters"),
        ));
    }
    Ok(())
}

/// An optional API URL: http(s) and bounded.
pub(crate) fn check_url(url: Option<&str>) -> Result<(), ApiError> {
    if url.is_some_and(|u| {
        u.len() > MAX_URL_CHARS || !(u.starts_with("http://") || u.starts_with("https://"))
    }) {
        return Err(ApiError::validation(
            "api_url",
            format!("must be an http(s) URL of at most {MAX_URL_CHARS} characters"),
        ));
    }
    Ok(())
}

pub(crate) fn sha256_hex(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
