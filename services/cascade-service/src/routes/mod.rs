//! Route table of `cascade-service`.

mod info;
mod platforms;
mod register;
mod sync;

use actix_web::web;

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
pub(crate) fn valid_code(code: &str) -> bool {
    let gb = code.len() == 20 && code.bytes().all(|b| b.is_ascii_digit());
    let short = (1..=32).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    gb || short
}

pub(crate) fn valid_name(name: &str) -> bool {
    let n = name.trim().chars().count();
    (1..=100).contains(&n) && !name.chars().any(char::is_control)
}

pub(crate) fn valid_url(url: &str) -> bool {
    url.len() <= 255 && (url.starts_with("http://") || url.starts_with("https://"))
}

pub(crate) fn sha256_hex(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
