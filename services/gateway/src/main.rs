//! `gateway`: the one public entry. See the crate docs in `lib.rs`.

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = gateway::Settings::parse();
    kit::telemetry::init(&settings.common.log, &settings.common.log_format);
    gateway::build(settings).await?.run_until_terminated().await
}
