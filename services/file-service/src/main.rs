//! `file-service`. See the crate docs in `lib.rs`.

fn main() -> anyhow::Result<()> {
    file_service::main()
}
