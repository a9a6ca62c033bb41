//! `push-worker`. See the crate docs in `lib.rs`.

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = push_worker::Settings::parse();
    kit::telemetry::init(&settings.common.log, &settings.common.log_format);
    push_worker::build(settings)
        .await?
        .run_until_terminated()
        .await
}
