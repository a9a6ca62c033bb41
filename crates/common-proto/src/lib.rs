//! The public contract of `instant`, as types.
//!
//! Everything a client, an operator or another platform can see lives here: REST bodies
//! (`rest`), WebSocket frames (`ws`), the bus envelope and its kinds (`bus`), and the one
//! error shape with its code table (`error`). The crate is serde only and does no I/O, so
//! every service (and any external tool) can depend on it without pulling a runtime in.
//! Wire changes are additive: fields are added, never renamed.

#[cfg(feature = "openapi")]
pub mod asyncapi;
pub mod bus;
pub mod error;
pub mod rest;
pub mod text;
pub mod ws;

/// A user's id. Integers, but clients must treat every id as opaque.
pub type UserId = i64;
/// A conversation's id.
pub type ConversationId = i64;

/// Whether `id` has the shape of the platform's string ids (messages, files,
/// notifications, broadcasts, events: 26 ASCII letters and digits, ULIDs). Checked before
/// any lookup, so a malformed id is refused without touching the database.
pub fn is_id(id: &str) -> bool {
    id.len() == 26 && id.bytes().all(|b| b.is_ascii_alphanumeric())
}
