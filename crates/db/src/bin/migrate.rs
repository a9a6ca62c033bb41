//! `migrate`: creates the database if missing and applies pending migrations, then exits.
//! Run once per deploy (a Kubernetes Job), never by every replica.

use clap::Parser;

#[derive(Parser)]
#[command(about = "Create the instant database if missing and apply pending migrations")]
struct Settings {
    #[command(flatten)]
    db: db::DbSettings,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let settings = Settings::parse();
    let applied = db::migrate::run(&settings.db.url).await?;
    println!("migrations applied: {applied}");
    Ok(())
}
