//! `chat-api`. See the crate docs in `lib.rs`.

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = chat_api::Settings::parse();
    kit::telemetry::init(&settings.common.log, &settings.common.log_format);
    chat_api::build(settings)
        .await?
        .run_until_terminated()
        .await
}
