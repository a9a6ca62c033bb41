//! Route table of `chat-api`: one handler a file.

mod conversation_create;
mod conversation_get;
mod conversation_list;
mod message_history;
mod message_read;
mod message_send;
mod view;

use actix_web::{HttpResponse, web};

pub use conversation_create::__path_create_conversation;
pub use conversation_get::__path_get_conversation;
pub use conversation_list::{__path_list_conversations, ConversationPage};
pub use message_history::__path_history;
pub use message_read::__path_mark_read;
pub use message_send::__path_send_message;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/openapi.json", web::get().to(openapi))
        .route(
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
        );
}

async fn openapi() -> HttpResponse {
    HttpResponse::Ok().json(crate::openapi::spec())
}
