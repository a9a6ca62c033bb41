//! The real `cascade-service` binary boots, becomes ready, and exits 0 within 10 s of SIGTERM.

#[tokio::test(flavor = "multi_thread")]
async fn boots_ready_and_stops_on_sigterm() {
    let (db, env) = testkit::service_env().await;
    testkit::boot_and_stop(env!("CARGO_BIN_EXE_cascade-service"), &env).await;
    db.drop_db().await;
    if let Some((_, prefix)) = env.iter().find(|(k, _)| *k == "INSTANT_AMQP_PREFIX") {
        testkit::drop_amqp(prefix).await;
    }
}
