//! `cascade-service`. See the crate docs in `lib.rs`.

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = cascade_service::Settings::parse();
    kit::telemetry::init(&settings.common.log, &settings.common.log_format);
    cascade_service::build(settings)
        .await?
        .run_until_terminated()
        .await
}
