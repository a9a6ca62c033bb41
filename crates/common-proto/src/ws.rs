//! WebSocket frames of the contract (`/api/v1/realtime/ws`). Filled in by the realtime work;
//! the names are fixed by the contract.

/// Frame `type` values sent by clients.
pub mod client {
    pub const PING: &str = "ping";
    pub const TYPING: &str = "typing";
    pub const MESSAGE_SEND: &str = "message.send";
    pub const SYNC: &str = "sync";
}

/// Frame `type` values sent by the server.
pub mod server {
    pub const PONG: &str = "pong";
    pub const ACK: &str = "ack";
    pub const MESSAGE_NEW: &str = "message.new";
    pub const TYPING: &str = "typing";
    pub const PRESENCE: &str = "presence";
    pub const READ: &str = "read";
    pub const NOTIFICATION: &str = "notification";
    pub const CONVERSATION_UPDATED: &str = "conversation.updated";
    pub const BROADCAST: &str = "broadcast";
    pub const ERROR: &str = "error";
}
