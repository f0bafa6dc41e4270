//! The throwaway PostgreSQL of `provisio_tests::postgres`: every fresh
//! database is a separate, empty database of the one cluster, which runs
//! without fsync; the benchmarks' durable cluster runs with it.

use provisio_tests::postgres::{fresh_database, fresh_durable_database};
use sqlx::PgPool;

#[tokio::test]
#[ignore = "needs PostgreSQL (cargo xtask test)"]
async fn each_fresh_database_is_empty_and_sees_nothing_of_the_others() {
    let (Some(first), Some(second)) = (fresh_database().await, fresh_database().await) else {
        eprintln!("skipped: PostgreSQL is not installed (cargo xtask test installs it)");
        return;
    };
    assert_ne!(first, second);
    assert!(first.starts_with("postgres://postgres@127.0.0.1:"), "{first}");
    let first = PgPool::connect(&first).await.unwrap();
    let second = PgPool::connect(&second).await.unwrap();

    sqlx::query("CREATE TABLE only_in_first (id integer PRIMARY KEY)")
        .execute(&first)
        .await
        .unwrap();
    sqlx::query("INSERT INTO only_in_first VALUES (1)")
        .execute(&first)
        .await
        .unwrap();

    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM only_in_first")
        .fetch_one(&first)
        .await
        .unwrap();
    assert_eq!(count, 1);
    let error = sqlx::query("SELECT * FROM only_in_first")
        .execute(&second)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("does not exist"), "{error}");
    let tables: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        .fetch_one(&second)
        .await
        .unwrap();
    assert_eq!(tables, 0);
    first.close().await;
    second.close().await;
}

async fn setting(url: &str, name: &str) -> String {
    let pool = PgPool::connect(url).await.unwrap();
    let value: String = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SHOW {name}")))
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    value
}

#[tokio::test]
#[ignore = "needs PostgreSQL (cargo xtask test)"]
async fn the_tests_cluster_trades_durability_for_speed_and_the_durable_one_does_not() {
    let (Some(fast), Some(durable)) = (fresh_database().await, fresh_durable_database().await) else {
        eprintln!("skipped: PostgreSQL is not installed (cargo xtask test installs it)");
        return;
    };
    assert_ne!(
        fast.rsplit_once(':').unwrap().1,
        durable.rsplit_once(':').unwrap().1,
        "two clusters"
    );
    for name in ["fsync", "synchronous_commit", "full_page_writes"] {
        assert_eq!(setting(&fast, name).await, "off", "{name} of the tests' cluster");
        assert_eq!(setting(&durable, name).await, "on", "{name} of the durable cluster");
    }
}
