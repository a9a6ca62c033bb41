//! Route table of `auth`: one handler a file.

mod admin;
mod bots;
mod login;
mod logout;
mod me;
mod refresh;
mod register;
mod users;

use actix_web::web;

pub use admin::{
    __path_audit, __path_disable_user, __path_enable_user, __path_end_session,
    __path_list_sessions, __path_list_users, __path_logout_all, __path_logout_user,
    __path_reset_password, __path_set_role, __path_use_reset,
};
pub use bots::{
    __path_bot_token, __path_create_bot, __path_revoke_bot_token, __path_rotate_bot_token,
};
pub use login::__path_login;
pub use logout::__path_logout;
pub use me::{__path_get_me, __path_update_me};
pub use refresh::__path_refresh;
pub use register::__path_register;
pub use users::{__path_get_user, __path_search_users};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/auth/register", web::post().to(register::register))
        .route("/api/v1/auth/login", web::post().to(login::login))
        .route("/api/v1/auth/refresh", web::post().to(refresh::refresh))
        .route("/api/v1/auth/logout", web::post().to(logout::logout))
        .route("/api/v1/auth/logout-all", web::post().to(admin::logout_all))
        .route("/api/v1/auth/bot-token", web::post().to(bots::bot_token))
        .route("/api/v1/admin/bots", web::post().to(bots::create_bot))
        .route(
            "/api/v1/admin/bots/{id}/token",
            web::post().to(bots::rotate_bot_token),
        )
        .route(
            "/api/v1/admin/bots/{id}/token",
            web::delete().to(bots::revoke_bot_token),
        )
        .route(
            "/api/v1/auth/reset-password",
            web::post().to(admin::use_reset),
        )
        .route(
            "/api/v1/admin/users/{id}/reset-password",
            web::post().to(admin::reset_password),
        )
        .route("/api/v1/admin/users", web::get().to(admin::list_users))
        .route(
            "/api/v1/admin/users/{id}/disable",
            web::post().to(admin::disable_user),
        )
        .route(
            "/api/v1/admin/users/{id}/enable",
            web::post().to(admin::enable_user),
        )
        .route(
            "/api/v1/admin/users/{id}/logout",
            web::post().to(admin::logout_user),
        )
        .route(
            "/api/v1/admin/users/{id}/role",
            web::put().to(admin::set_role),
        )
        .route("/api/v1/admin/audit", web::get().to(admin::audit))
        .route(
            "/api/v1/users/me/sessions",
            web::get().to(admin::list_sessions),
        )
        .route(
            "/api/v1/users/me/sessions/{id}",
            web::delete().to(admin::end_session),
        )
        .route("/api/v1/users/me", web::get().to(me::get_me))
        .route("/api/v1/users/me", web::patch().to(me::update_me))
        .route("/api/v1/users/search", web::get().to(users::search_users))
        .route("/api/v1/users/{id}", web::get().to(users::get_user));
}

/// The device a login or refresh comes from: its `User-Agent`, and the client address the
/// gateway puts in `X-Forwarded-For` (the backends are reachable only through it), else
/// the peer's.
pub(crate) fn device(req: &actix_web::HttpRequest) -> db::tokens::Device {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let ip = header("x-forwarded-for")
        .and_then(|v| v.split(',').next().map(|s| s.trim().to_owned()))
        .or_else(|| req.peer_addr().map(|a| a.ip().to_string()));
    db::tokens::Device {
        user_agent: header("user-agent"),
        ip,
    }
}
