//! `migrate`: creates the database if missing and applies pending migrations, then exits.
//! Run once per deploy (the Kubernetes Job), never by every replica; the replicas' init
//! containers run `migrate --wait` instead, which only waits for the schema to be current.

use std::time::{Duration, Instant};

use clap::Parser;

#[derive(Parser)]
#[command(about = "Create the instant database if missing and apply pending migrations")]
struct Settings {
    #[command(flatten)]
    db: db::DbSettings,
    /// Apply nothing: wait (at most this many seconds) until no migration is pending, then
    /// exit 0; exit 1 if the schema is still behind when the time is up.
    #[arg(long, value_name = "SECS")]
    wait: Option<u64>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let settings = Settings::parse();
    let Some(wait) = settings.wait else {
        let applied = db::migrate::run(&settings.db.url).await?;
        println!("migrations applied: {applied}");
        return Ok(());
    };
    let deadline = Instant::now() + Duration::from_secs(wait);
    loop {
        let status = db::migrate::pending(&settings.db.url).await;
        match &status {
            Ok(0) => {
                println!("schema is current");
                return Ok(());
            }
            Ok(n) => println!("waiting: {n} migrations pending"),
            Err(e) => println!("waiting: database not reachable yet: {e}"),
        }
        if Instant::now() >= deadline {
            anyhow::bail!("schema still not current after {wait} s");
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}
