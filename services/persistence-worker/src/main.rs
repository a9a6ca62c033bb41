//! `persistence-worker`. See the crate docs in `lib.rs`.

fn main() -> anyhow::Result<()> {
    persistence_worker::main()
}
