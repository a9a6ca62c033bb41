//! Handler state.

/// Shared by every handler.
pub(crate) struct State {
    pub pool: db::Pool,
    pub bus: bus::Bus,
    /// This platform's code: the `origin` of the envelopes chat-api publishes.
    pub origin: String,
    /// `INSTANT_GROUP_MAX_MEMBERS`.
    pub group_max_members: usize,
}
