//! `auth`: accounts and tokens. See the crate docs in `lib.rs`.

fn main() -> anyhow::Result<()> {
    auth::main()
}
