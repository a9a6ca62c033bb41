//! chat-api's part of the public OpenAPI document, generated from the handlers.

use crate::routes::*;
use common_proto::{
    error::{ErrorBody, ErrorCode, ErrorDetail},
    rest::{
        Accepted, AddMembers, AdminStats, BlockedUser, Broadcast, Conversation, ConversationCounts,
        ConversationMuteState, ConversationNotifications, CreateBroadcast, CreateConversation,
        CreateWebhook, DayCount, Device, DoNotDisturb, EditMessage, Event, MarkRead, Member,
        Message, MessageReads, MuteMember, Notification, NotificationPage, Page, PushSettings,
        QueueCount, Reaction, RegisterDevice, ReportEvent, SearchHit, SearchPage, SendMessage,
        SetRole, TransferOwnership, UnreadCount, UpdateGroup, UpdateWebhook, UserCounts, Webhook,
        WebhookDelivery,
    },
};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    paths(create_conversation, list_conversations, get_conversation, send_message, history, mark_read,
        get_message, edit_message, recall_message, hide_message, add_reaction, remove_reaction, pin, unpin, list_pins,
        message_reads, search_messages, get_stats, block_user, unblock_user, list_blocks,
        add_members, remove_member, update_group, set_role, mute_member, transfer_owner,
        list_notifications, unread_count, read_one, read_all,
        create_broadcast, list_broadcasts, report_event, list_events,
        create_webhook, list_webhooks, update_webhook, delete_webhook, list_deliveries, redeliver,
        register_device, unregister_device, list_devices, get_push_settings, put_push_settings,
        set_conversation_notifications),
    components(schemas(Conversation, CreateConversation, Member, Message, Reaction, EditMessage, MessageReads, SearchHit, SearchPage, SendMessage, MarkRead, ConversationPage,
        AddMembers, UpdateGroup, SetRole, MuteMember, TransferOwnership, Notification, NotificationPage, UnreadCount,
        CreateBroadcast, Broadcast, Accepted, ReportEvent, Event, Page<Broadcast>, Page<Event>, ErrorBody, ErrorDetail, ErrorCode,
        AdminStats, UserCounts, ConversationCounts, DayCount, QueueCount, BlockedUser,
        CreateWebhook, UpdateWebhook, Webhook, WebhookDelivery,
        Device, RegisterDevice, PushSettings, DoNotDisturb, ConversationNotifications, ConversationMuteState)),
    tags((name = "conversations", description = "Direct and group conversations"), (name = "messages", description = "Send, history, read state"),
        (name = "groups", description = "Group administration: members, roles, mutes, ownership"),
        (name = "notifications", description = "The caller's notification inbox"),
        (name = "admin", description = "Platform statistics and outgoing webhooks (admins only)"))
)]
struct ApiDoc;

pub fn spec() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// `GET /openapi.json`: this service's part, for the gateway to merge. Registered here, not
/// in `routes`, so the dependency runs one way (this document reads the routes).
pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    cfg.route(
        "/openapi.json",
        actix_web::web::get().to(|| async { actix_web::HttpResponse::Ok().json(spec()) }),
    );
}
