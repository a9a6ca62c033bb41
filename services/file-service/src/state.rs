//! Handler state.

use crate::storage::Store;

pub(crate) struct State {
    pub pool: db::Pool,
    pub store: Store,
    /// `INSTANT_MAX_FILE_BYTES`.
    pub max_file_bytes: u64,
}
