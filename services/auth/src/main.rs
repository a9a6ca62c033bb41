//! `auth`: accounts and tokens. See the crate docs in `lib.rs`.

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = auth::Settings::parse();
    kit::telemetry::init(&settings.common.log, &settings.common.log_format);
    auth::main(settings).await
}
