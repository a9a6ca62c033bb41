//! `chat-api`. See the crate docs in `lib.rs`.

fn main() -> anyhow::Result<()> {
    chat_api::main()
}
