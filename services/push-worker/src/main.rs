//! `push-worker`. See the crate docs in `lib.rs`.

fn main() -> anyhow::Result<()> {
    push_worker::main()
}
