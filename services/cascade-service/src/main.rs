//! `cascade-service`. See the crate docs in `lib.rs`.

fn main() -> anyhow::Result<()> {
    cascade_service::main()
}
