//! The `migrate` binary as the Kubernetes Job and init containers use it: `--wait` fails
//! while migrations are pending and succeeds once the Job has applied them.

use std::process::Command;

fn migrate(url: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_migrate"))
        .args(args)
        .env("INSTANT_DATABASE_URL", url)
        .output()
        .expect("run migrate")
}

#[tokio::test]
async fn wait_mode_reports_pending_until_the_job_ran() {
    let server = std::env::var("INSTANT_TEST_MYSQL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into());
    let url = format!(
        "{server}/instant_t_{}",
        ulid::Ulid::generate().to_string().to_lowercase()
    );
    db::migrate::create_database(&url).await.expect("create");
    let total = db::migrate::pending(&url).await.expect("pending");
    assert!(
        total >= 9,
        "every migration is pending on an empty database: {total}"
    );

    let waited = migrate(&url, &["--wait", "0"]);
    assert!(
        !waited.status.success(),
        "--wait must fail while migrations are pending"
    );
    assert!(
        String::from_utf8_lossy(&waited.stdout).contains(&format!("{total} migrations pending"))
    );

    let applied = migrate(&url, &[]);
    assert!(
        applied.status.success(),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    assert!(String::from_utf8_lossy(&applied.stdout).contains(&format!("applied: {total}")));
    assert_eq!(db::migrate::pending(&url).await.expect("pending"), 0);

    let waited = migrate(&url, &["--wait", "0"]);
    assert!(
        waited.status.success(),
        "--wait succeeds once the schema is current"
    );
    let again = migrate(&url, &[]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("applied: 0"));

    db::migrate::drop_database(&url).await.expect("drop");
}
