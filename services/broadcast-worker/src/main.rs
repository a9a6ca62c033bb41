//! `broadcast-worker`. See the crate docs in `lib.rs`.

fn main() -> anyhow::Result<()> {
    broadcast_worker::main()
}
