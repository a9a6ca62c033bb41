//! Route table of `chat-api`: one handler a file.

mod admin_stats;
mod blocks;
mod broadcasts;
mod conversation_create;
mod conversation_get;
mod conversation_list;
mod events;
mod groups;
mod message_history;
mod message_lifecycle;
mod message_read;
mod message_search;
mod message_send;
mod notifications;
mod push;
mod webhooks;

use actix_web::{HttpRequest, web};

pub use admin_stats::__path_get_stats;
pub use blocks::{__path_block_user, __path_list_blocks, __path_unblock_user};
pub use broadcasts::{
    __path_create as __path_create_broadcast, __path_list as __path_list_broadcasts,
};
pub use conversation_create::__path_create_conversation;
pub use conversation_get::__path_get_conversation;
pub use conversation_list::{__path_list_conversations, ConversationPage};
pub use events::{__path_list as __path_list_events, __path_report as __path_report_event};
pub use groups::{
    __path_add_members, __path_mute_member, __path_remove_member, __path_set_role,
    __path_transfer_owner, __path_update_group,
};
pub use message_history::__path_history;
pub use message_lifecycle::{
    __path_add_reaction, __path_edit_message, __path_get_message, __path_hide_message,
    __path_list_pins, __path_message_reads, __path_pin, __path_recall_message,
    __path_remove_reaction, __path_unpin,
};
pub use message_read::__path_mark_read;
pub use message_search::__path_search_messages;
pub use message_send::__path_send_message;
pub use notifications::{
    __path_list as __path_list_notifications, __path_read_all, __path_read_one, __path_unread_count,
};
pub use push::{
    __path_get_push_settings, __path_list_devices, __path_put_push_settings,
    __path_register_device, __path_set_conversation_notifications, __path_unregister_device,
};
pub use webhooks::{
    __path_create_webhook, __path_delete_webhook, __path_list_deliveries, __path_list_webhooks,
    __path_redeliver, __path_update_webhook,
};

/// The use cases' view of who is asking (and the request id they put on the bus).
/// A page size: `default` when absent, else 1 to `max` (422 naming `limit` otherwise).
pub(crate) fn page_limit(limit: Option<i64>, default: i64, max: i64) -> kit::ApiResult<i64> {
    let limit = limit.unwrap_or(default);
    if !(1..=max).contains(&limit) {
        return Err(kit::ApiError::validation(
            "limit",
            format!("must be 1 to {max}"),
        ));
    }
    Ok(limit)
}

/// An optional RFC 3339 query parameter as UTC (422 naming `field` otherwise).
pub(crate) fn time(
    field: &str,
    value: &Option<String>,
) -> kit::ApiResult<Option<chrono::NaiveDateTime>> {
    value
        .as_deref()
        .map(|v| {
            chrono::DateTime::parse_from_rfc3339(v)
                .map(|t| t.naive_utc())
                .map_err(|_| kit::ApiError::validation(field, "must be an RFC 3339 time"))
        })
        .transpose()
}

pub(crate) fn caller(req: &HttpRequest, me: &kit::auth::AuthUser) -> crate::domain::Caller {
    crate::domain::Caller {
        id: me.id,
        admin: me.is_admin(),
        trace: kit::http::trace_of(req),
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/api/v1/conversations",
        web::post().to(conversation_create::create_conversation),
    )
    .route(
        "/api/v1/conversations",
        web::get().to(conversation_list::list_conversations),
    )
    .route(
        "/api/v1/conversations/{id}",
        web::get().to(conversation_get::get_conversation),
    )
    .route(
        "/api/v1/messages",
        web::post().to(message_send::send_message),
    )
    .route("/api/v1/messages", web::get().to(message_history::history))
    .route(
        "/api/v1/messages/read",
        web::post().to(message_read::mark_read),
    )
    .route(
        "/api/v1/messages/search",
        web::get().to(message_search::search_messages),
    )
    .route(
        "/api/v1/messages/{id}",
        web::get().to(message_lifecycle::get_message),
    )
    .route(
        "/api/v1/messages/{id}",
        web::patch().to(message_lifecycle::edit_message),
    )
    .route(
        "/api/v1/messages/{id}",
        web::delete().to(message_lifecycle::hide_message),
    )
    .route(
        "/api/v1/messages/{id}/reads",
        web::get().to(message_lifecycle::message_reads),
    )
    .route(
        "/api/v1/messages/{id}/recall",
        web::post().to(message_lifecycle::recall_message),
    )
    .route(
        "/api/v1/messages/{id}/reactions/{emoji}",
        web::put().to(message_lifecycle::add_reaction),
    )
    .route(
        "/api/v1/messages/{id}/reactions/{emoji}",
        web::delete().to(message_lifecycle::remove_reaction),
    )
    .route(
        "/api/v1/conversations/{id}/pins",
        web::get().to(message_lifecycle::list_pins),
    )
    .route(
        "/api/v1/conversations/{id}/pins/{message_id}",
        web::put().to(message_lifecycle::pin),
    )
    .route(
        "/api/v1/conversations/{id}/pins/{message_id}",
        web::delete().to(message_lifecycle::unpin),
    )
    .route("/api/v1/groups/{id}", web::patch().to(groups::update_group))
    .route(
        "/api/v1/groups/{id}/members",
        web::post().to(groups::add_members),
    )
    .route(
        "/api/v1/groups/{id}/members/{user_id}",
        web::delete().to(groups::remove_member),
    )
    .route(
        "/api/v1/groups/{id}/members/{user_id}/role",
        web::put().to(groups::set_role),
    )
    .route(
        "/api/v1/groups/{id}/members/{user_id}/mute",
        web::put().to(groups::mute_member),
    )
    .route(
        "/api/v1/groups/{id}/owner",
        web::put().to(groups::transfer_owner),
    )
    .route("/api/v1/admin/stats", web::get().to(admin_stats::get_stats))
    .route(
        "/api/v1/admin/webhooks",
        web::post().to(webhooks::create_webhook),
    )
    .route(
        "/api/v1/admin/webhooks",
        web::get().to(webhooks::list_webhooks),
    )
    .route(
        "/api/v1/admin/webhooks/{id}",
        web::patch().to(webhooks::update_webhook),
    )
    .route(
        "/api/v1/admin/webhooks/{id}",
        web::delete().to(webhooks::delete_webhook),
    )
    .route(
        "/api/v1/admin/webhooks/{id}/deliveries",
        web::get().to(webhooks::list_deliveries),
    )
    .route(
        "/api/v1/admin/webhooks/{id}/deliveries/{delivery_id}/redeliver",
        web::post().to(webhooks::redeliver),
    )
    .route(
        "/api/v1/users/me/blocks",
        web::get().to(blocks::list_blocks),
    )
    .route(
        "/api/v1/users/me/devices",
        web::get().to(push::list_devices),
    )
    .route(
        "/api/v1/users/me/devices/{token}",
        web::put().to(push::register_device),
    )
    .route(
        "/api/v1/users/me/devices/{token}",
        web::delete().to(push::unregister_device),
    )
    .route(
        "/api/v1/users/me/push-settings",
        web::get().to(push::get_push_settings),
    )
    .route(
        "/api/v1/users/me/push-settings",
        web::put().to(push::put_push_settings),
    )
    .route(
        "/api/v1/conversations/{id}/notifications",
        web::put().to(push::set_conversation_notifications),
    )
    .route(
        "/api/v1/users/me/blocks/{user_id}",
        web::put().to(blocks::block_user),
    )
    .route(
        "/api/v1/users/me/blocks/{user_id}",
        web::delete().to(blocks::unblock_user),
    )
    .route("/api/v1/broadcasts", web::post().to(broadcasts::create))
    .route("/api/v1/broadcasts", web::get().to(broadcasts::list))
    .route("/api/v1/events", web::post().to(events::report))
    .route("/api/v1/events", web::get().to(events::list))
    .route("/api/v1/notifications", web::get().to(notifications::list))
    .route(
        "/api/v1/notifications/unread-count",
        web::get().to(notifications::unread_count),
    )
    .route(
        "/api/v1/notifications/read-all",
        web::post().to(notifications::read_all),
    )
    .route(
        "/api/v1/notifications/{id}/read",
        web::post().to(notifications::read_one),
    );
}
