//! A statement stopped at its time limit is `DbError::TimedOut` (chat-api answers a search
//! stopped that way with a 422), against the real server.

use diesel_async::{AsyncConnection, AsyncMysqlConnection, RunQueryDsl};

#[tokio::test]
async fn a_statement_past_its_limit_is_timed_out_and_one_within_it_is_not() {
    let server = std::env::var("INSTANT_TEST_MYSQL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into());
    let mut c = AsyncMysqlConnection::establish(&format!("{server}/mysql"))
        .await
        .expect("connect");
    let mariadb = db::is_mariadb(&mut c).await.expect("version");
    let limited = |ms: u64, secs: f64| {
        if mariadb {
            format!(
                "SET STATEMENT max_statement_time = {:.3} FOR SELECT SLEEP({secs})",
                ms as f64 / 1000.0
            )
        } else {
            format!("SELECT /*+ MAX_EXECUTION_TIME({ms}) */ SLEEP({secs}) FROM DUAL")
        }
    };
    let stopped: Result<usize, db::DbError> = diesel::sql_query(limited(50, 2.0))
        .execute(&mut c)
        .await
        .map_err(Into::into);
    match stopped {
        Err(db::DbError::TimedOut) => {}
        // MySQL's hint makes SLEEP return 1 instead of failing.
        Ok(_) if !mariadb => {}
        other => panic!("expected TimedOut, got {other:?}"),
    }
    let within: Result<usize, db::DbError> = diesel::sql_query(limited(5000, 0.01))
        .execute(&mut c)
        .await
        .map_err(Into::into);
    assert!(within.is_ok(), "{within:?}");
}
