use crate::{domain::conversations, routes::caller, state::State};
use actix_web::{HttpRequest, HttpResponse, web};
use common_proto::{
    error::ErrorBody,
    rest::{Conversation, CreateConversation},
};
use kit::{ApiResult, auth::AuthUser};

/// Opens the direct conversation with another user (200 with the existing one if there
/// is one) or creates a group owned by the caller (201).
#[utoipa::path(post, path = "/api/v1/conversations", tag = "conversations", security(("bearer" = [])),
    request_body = CreateConversation,
    responses((status = 201, body = Conversation), (status = 200, description = "the existing direct conversation", body = Conversation),
              (status = 422, body = ErrorBody)))]
pub async fn create_conversation(
    req: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
    body: kit::Json<CreateConversation>,
) -> ApiResult<HttpResponse> {
    let (view, created) =
        conversations::create(&state, &caller(&req, &me), body.into_inner()).await?;
    Ok(if created {
        HttpResponse::Created().json(view)
    } else {
        HttpResponse::Ok().json(view)
    })
}
