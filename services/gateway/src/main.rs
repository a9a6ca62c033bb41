//! `gateway`: the one public entry. See the crate docs in `lib.rs`.

fn main() -> anyhow::Result<()> {
    gateway::main()
}
