//! `file-service`. See the crate docs in `lib.rs`.

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = file_service::Settings::parse();
    kit::telemetry::init(&settings.common.log, &settings.common.log_format);
    file_service::build(settings)
        .await?
        .run_until_terminated()
        .await
}
