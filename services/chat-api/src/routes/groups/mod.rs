//! `/groups/{id}/...`: administration of group conversations. Each handler turns its
//! request into an [`Op`] and hands it to `domain::groups::change`.

mod add_members;
mod mute;
mod remove_member;
mod set_role;
mod transfer_owner;
mod update;

pub use add_members::{__path_add_members, add_members};
pub use mute::{__path_mute_member, mute_member};
pub use remove_member::{__path_remove_member, remove_member};
pub use set_role::{__path_set_role, set_role};
pub use transfer_owner::{__path_transfer_owner, transfer_owner};
pub use update::{__path_update_group, update_group};

use crate::{
    domain::groups::{self, Op},
    routes::caller,
    state::State,
};
use actix_web::{HttpRequest, HttpResponse};
use common_proto::ConversationId;
use kit::{ApiResult, auth::AuthUser};

/// The conversation as the caller now sees it (200), or 204 when they left.
pub(super) async fn change(
    req: &HttpRequest,
    state: &State,
    me: &AuthUser,
    conversation: ConversationId,
    op: Op,
) -> ApiResult<HttpResponse> {
    Ok(
        match groups::change(state, &caller(req, me), conversation, op).await? {
            Some(view) => HttpResponse::Ok().json(view),
            None => HttpResponse::NoContent().finish(),
        },
    )
}
