//! Store conformance suite: every test runs on SQLite, and on PostgreSQL when
//! `MUDOU_TEST_POSTGRES_URL` is set (each test in a fresh schema).

mod accounts;
mod catalog;

use mudou_store::{Store, StoreConfig};

pub struct TestDb {
    pub store: Store,
    _dir: Option<tempfile::TempDir>,
}

pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let store = Store::open(&StoreConfig::new(url)).await.unwrap();
    TestDb {
        store,
        _dir: Some(dir),
    }
}

pub async fn postgres() -> Option<TestDb> {
    let url = std::env::var("MUDOU_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())?;
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    let mut cfg = StoreConfig::new(url);
    cfg.pg_schema = Some(schema);
    cfg.max_connections = 4;
    Some(TestDb {
        store: Store::open(&cfg).await.unwrap(),
        _dir: None,
    })
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
            async fn postgres() {
                match $crate::postgres().await {
                    Some(db) => case(db).await,
                    None => eprintln!("MUDOU_TEST_POSTGRES_URL not set: skipped"),
                }
            }
        }
    };
}
