//! `persistence-worker`. See the crate docs in `lib.rs`.

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = persistence_worker::Settings::parse();
    kit::telemetry::init(&settings.common.log, &settings.common.log_format);
    persistence_worker::build(settings)
        .await?
        .run_until_terminated()
        .await
}
