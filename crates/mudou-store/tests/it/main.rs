//! Store conformance suite: every test runs on SQLite, and on PostgreSQL when
//! `MUDOU_TEST_POSTGRES_URL` is set (each test in a fresh schema).

mod accounts;
mod catalog;
mod ledger;
mod rollups;
mod writes;

use mudou_store::{Store, StoreConfig};

pub struct TestDb {
    pub store: Store,
    url: String,
    schema: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// Runs one statement on a connection of its own, past the store (to prove what the
    /// database itself refuses).
    pub async fn raw(&self, sql: &str) -> Result<u64, sqlx::Error> {
        use sqlx::Connection;
        if let Some(schema) = &self.schema {
            let mut c = sqlx::PgConnection::connect(&self.url).await?;
            sqlx::query(&format!("SET search_path TO \"{schema}\""))
                .execute(&mut c)
                .await?;
            Ok(sqlx::query(sql).execute(&mut c).await?.rows_affected())
        } else {
            let mut c = sqlx::SqliteConnection::connect(&self.url).await?;
            Ok(sqlx::query(sql).execute(&mut c).await?.rows_affected())
        }
    }
}

pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let store = Store::open(&StoreConfig::new(url.clone())).await.unwrap();
    TestDb {
        store,
        url,
        schema: None,
        _dir: Some(dir),
    }
}

/// A fresh schema on the PostgreSQL server the tests use. A PostgreSQL test runs only when
/// the suite was built with `MUDOU_TEST_POSTGRES_URL` set (otherwise the runner lists it as
/// ignored), so the variable missing now is a failure, never a silent pass.
pub async fn postgres() -> Option<TestDb> {
    let url = std::env::var("MUDOU_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .expect("MUDOU_TEST_POSTGRES_URL is not set, but this PostgreSQL test was built to run");
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    let mut cfg = StoreConfig::new(url.clone());
    cfg.pg_schema = Some(schema.clone());
    cfg.max_connections = 4;
    Some(TestDb {
        store: Store::open(&cfg).await.unwrap(),
        url,
        schema: Some(schema),
        _dir: None,
    })
}

/// Drops a passed test's schema (a failed test's stays, to be looked at): schemas left in the
/// shared database slow PostgreSQL's statistics views for every later run.
pub async fn drop_schema(url: &str, schema: Option<String>) {
    use sqlx::Connection;
    let Some(schema) = schema else { return };
    let mut c = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::query(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
        .execute(&mut c)
        .await
        .unwrap();
}

/// Writes `name` as two tests: `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! both {
    ($name:ident, |$db:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            async fn case($db: $crate::TestDb) $body

            #[tokio::test]
            async fn sqlite() {
                case($crate::sqlite().await).await
            }

            #[tokio::test]
            #[cfg_attr(not(mudou_pg_tests), ignore = "MUDOU_TEST_POSTGRES_URL was not set when the tests were built")]
            async fn postgres() {
                match $crate::postgres().await {
                    Some(db) => {
                        let (url, schema) = (db.url.clone(), db.schema.clone());
                        case(db).await;
                        $crate::drop_schema(&url, schema).await;
                    }
                    None => unreachable!("postgres() gives a database or fails"),
                }
            }
        }
    };
}
