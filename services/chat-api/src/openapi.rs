//! chat-api's part of the public OpenAPI document, generated from the handlers.

use crate::routes::*;
use common_proto::{
    error::{ErrorBody, ErrorCode, ErrorDetail},
    rest::{Conversation, CreateConversation, MarkRead, Member, Message, SendMessage},
};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    paths(create_conversation, list_conversations, get_conversation, send_message, history, mark_read),
    components(schemas(Conversation, CreateConversation, Member, Message, SendMessage, MarkRead, ConversationPage, ErrorBody, ErrorDetail, ErrorCode)),
    tags((name = "conversations", description = "Direct and group conversations"), (name = "messages", description = "Send, history, read state"))
)]
struct ApiDoc;

pub fn spec() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
