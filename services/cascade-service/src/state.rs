//! Handler state.

use common_proto::rest::PlatformInfo;

pub(crate) struct State {
    pub pool: db::Pool,
    pub info: PlatformInfo,
    /// SHA-256 (hex) of `INSTANT_CASCADE_REGISTRATION_TOKEN`; `None` when unset.
    pub enrol_token_hash: Option<String>,
    /// The AMQP name prefix (per-child queue names carry it).
    pub amqp_prefix: String,
    /// This platform's bus: registration declares each child's down queue on it.
    pub bus: bus::Bus,
}
