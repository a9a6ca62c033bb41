//! `event-worker`. See the crate docs in `lib.rs`.

fn main() -> anyhow::Result<()> {
    event_worker::main()
}
