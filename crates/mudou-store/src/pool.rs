use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::{Result, StoreError};

/// The name (before its number) of the thread that runs SQLite's write connection: a
/// server can find it to give it a core of its own.
pub const WRITE_THREAD: &str = "mudou-sqlite-w";

/// A table's statistics are refreshed ([`Store::refresh_statistics`]) once more rows than
/// this, plus [`STATS_SHARE`] of its rows, changed since they were last taken: once it has
/// doubled. (Each `ANALYZE` reads a sample of up to 30,000 rows; at a tenth the label tables
/// of a young database were analyzed every few seconds, ~100 ms each.)
const STATS_MIN_CHANGES: i64 = 1000;
const STATS_SHARE: f64 = 1.0;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

/// Flushes SQLite's write-ahead log to disk for a writer whose commits skip the flush
/// ([`crate::WriteConn::defer_flush`]).
///
/// A commit writes its pages to the log file; with `synchronous = FULL` it then waits for
/// the disk to take them (a flush), and nothing else can be written meanwhile. The server's
/// writer commits with the flush deferred and hands the batch's answers to a thread of its
/// own that flushes the log file and only then answers: the next batch runs while the disk
/// works, and one flush serves every batch committed since the last. The log is
/// append-only between checkpoints and a checkpoint flushes it first, so a flush of the
/// file makes every commit before it durable, exactly as `FULL` would have.
#[derive(Debug)]
pub struct LogFlush {
    path: std::path::PathBuf,
    /// The open log file and its inode: opened again should the file be replaced.
    file: Option<(std::fs::File, u64)>,
}

impl LogFlush {
    /// Flushes every commit written so far. Blocks: call it off the async runtime.
    pub fn flush(&mut self) -> std::io::Result<()> {
        let ino = inode(&std::fs::metadata(&self.path)?);
        if self.file.as_ref().is_none_or(|(_, i)| *i != ino) {
            let f = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(&self.path)?;
            let i = inode(&f.metadata()?);
            self.file = Some((f, i));
        }
        let (f, _) = self.file.as_ref().expect("opened above");
        f.sync_data()
    }
}

#[cfg(unix)]
fn inode(m: &std::fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::ino(m)
}

/// Elsewhere the file is opened anew for every flush.
#[cfg(not(unix))]
fn inode(_m: &std::fs::Metadata) -> u64 {
    u64::MAX
}

/// Which database engine a [`Store`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database URL. Its password never shows in `Debug` or `Display` (logs, panics, a
/// printed configuration): `postgres://mudou:***@db/mudou`; `expose` gives the whole URL to
/// the driver.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The URL with the password (between `user:` and `@`) replaced by `***`.
    pub fn redacted(&self) -> String {
        let u = &self.0;
        let Some(start) = u.find("://").map(|i| i + 3) else {
            return u.clone();
        };
        let auth_end = u[start..]
            .find(['/', '?', '#'])
            .map_or(u.len(), |i| start + i);
        let Some(at) = u[start..auth_end].rfind('@').map(|i| start + i) else {
            return u.clone();
        };
        match u[start..at].find(':') {
            Some(colon) => format!("{}***{}", &u[..start + colon + 1], &u[at..]),
            None => u.clone(),
        }
    }

    pub fn starts_with(&self, prefix: &str) -> bool {
        self.0.starts_with(prefix)
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.redacted())
    }
}

impl std::fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl From<String> for DatabaseUrl {
    fn from(s: String) -> Self {
        DatabaseUrl(s)
    }
}

impl From<&str> for DatabaseUrl {
    fn from(s: &str) -> Self {
        DatabaseUrl(s.to_owned())
    }
}

impl std::str::FromStr for DatabaseUrl {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        Ok(DatabaseUrl(s.to_owned()))
    }
}

impl<'de> serde::Deserialize<'de> for DatabaseUrl {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        String::deserialize(d).map(DatabaseUrl)
    }
}

impl PartialEq<&str> for DatabaseUrl {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// How to connect.
#[derive(Clone, Debug)]
pub struct StoreConfig {
    /// `sqlite://path/to/file.db` or `postgres://user@host:port/db`.
    pub url: DatabaseUrl,
    /// Connections in the (read) pool.
    pub max_connections: u32,
    /// PostgreSQL only: the schema to work in (created when missing). Lets several
    /// Mudou instances, or tests, share one database.
    pub pg_schema: Option<String>,
}

impl StoreConfig {
    pub fn new(url: impl Into<DatabaseUrl>) -> Self {
        StoreConfig {
            url: url.into(),
            max_connections: 16,
            pg_schema: None,
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) enum Pool {
    Sqlite {
        read: SqlitePool,
        write: SqlitePool,
        /// Copies the write-ahead log into the database file in the background, so no
        /// commit waits for a checkpoint.
        checkpoint: SqlitePool,
    },
    Postgres(PgPool),
}

/// The handle every other crate uses to reach the database. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) pool: Pool,
    pub(crate) caches: std::sync::Arc<crate::cache::Caches>,
    /// Whether the label path reads the skill records of an item's workers for its
    /// consensus (see [`Store::without_skill_records`]).
    pub(crate) skill_records: bool,
}

/// Runs `$body` with `$p` bound to a pool that may read, once per backend.
macro_rules! on_read {
    ($store:expr, $p:ident => $body:expr) => {
        match &$store.pool {
            crate::pool::Pool::Sqlite { read: $p, .. } => $body,
            crate::pool::Pool::Postgres($p) => $body,
        }
    };
}

/// Runs `$body` with `$p` bound to a pool that may write (single statement).
macro_rules! on_write {
    ($store:expr, $p:ident => $body:expr) => {
        match &$store.pool {
            crate::pool::Pool::Sqlite { write: $p, .. } => $body,
            crate::pool::Pool::Postgres($p) => $body,
        }
    };
}

/// Runs `$body` inside one write transaction, with `$tx` bound to it; commits when
/// the body finishes, rolls back when it returns early with `?`.
macro_rules! in_tx {
    ($store:expr, $tx:ident => $body:expr) => {
        match &$store.pool {
            crate::pool::Pool::Sqlite { write, .. } => {
                let mut $tx = write.begin().await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
            crate::pool::Pool::Postgres(pool) => {
                let mut $tx = pool.begin().await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
        }
    };
}

/// A transaction of either engine, for code that runs inside another function's
/// transaction (the label effects: ledger, quality rules, throughput rollups). Made in an
/// `in_tx!` body with `Tx::from(&mut *tx)`; used with [`on_tx!`].
#[allow(dead_code)] // the followers in `effects` use it as they land
pub(crate) enum Tx<'a> {
    Sqlite(&'a mut sqlx::SqliteConnection),
    Postgres(&'a mut sqlx::PgConnection),
}

impl<'a> From<&'a mut sqlx::SqliteConnection> for Tx<'a> {
    fn from(c: &'a mut sqlx::SqliteConnection) -> Self {
        Tx::Sqlite(c)
    }
}

impl<'a> From<&'a mut sqlx::PgConnection> for Tx<'a> {
    fn from(c: &'a mut sqlx::PgConnection) -> Self {
        Tx::Postgres(c)
    }
}

impl Tx<'_> {
    pub(crate) fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(_) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }

    /// A statement built at run time, as this engine should get it
    /// ([`crate::sql::for_backend`]).
    pub(crate) fn sql(&self, sql: String) -> String {
        crate::sql::for_backend(self.backend(), sql)
    }
}

/// Runs `$body` once per backend with `$c` bound to the connection of a `&mut Tx`:
/// `on_tx!(tx, c => sqlx::query("…").execute(&mut *c).await?)`.
#[allow(unused_macros)]
macro_rules! on_tx {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx {
            crate::pool::Tx::Sqlite(conn) => {
                let $c: &mut sqlx::SqliteConnection = &mut **conn;
                $body
            }
            crate::pool::Tx::Postgres(conn) => {
                let $c: &mut sqlx::PgConnection = &mut **conn;
                $body
            }
        }
    };
}

/// Evaluates `$attempt` (a whole transaction, awaited: `retry_transient!(self.once().await)`)
/// again while it fails transiently ([`StoreError::is_transient`]), at most [`RETRIES`]
/// times more: the store's one place that tries a transaction again. (A macro, not a
/// function taking an async closure: the futures of handlers that call it must stay `Send`,
/// which the compiler cannot see through a generic async closure that borrows.)
macro_rules! retry_transient {
    ($attempt:expr) => {{
        let mut tries = 0;
        loop {
            match $attempt {
                Err(e) if e.is_transient() && tries < crate::pool::RETRIES => tries += 1,
                r => break r,
            }
        }
    }};
}

impl Store {
    /// This store for a live consensus that trusts every worker alike: the label path
    /// then reads no skill records (the consensus gets none, [`mudou_domain::live::ItemLabels::records`]).
    pub fn without_skill_records(mut self) -> Self {
        self.skill_records = false;
        self
    }

    /// Connects (creating the SQLite file when missing) without migrating.
    pub async fn connect(config: &StoreConfig) -> Result<Store> {
        let url = config.url.expose();
        if url.starts_with("sqlite:") {
            // A commit is on disk before anyone is told "saved" (FULL: the log is flushed at
            // every commit). Writes are group-committed, so one flush serves many; the
            // server's writer flushes after its commits instead (`LogFlush`).
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                .pragma("temp_store", "memory")
                .pragma("cache_size", "-32000")
                // Batches prepare statements in several sizes: keep them all.
                .statement_cache_capacity(1024);
            // Create the file and switch it to WAL before readers open it.
            // A local file does not go stale: no ping before each use (on SQLite a ping is
            // one more hop to the connection's thread, for every statement and batch).
            let write = SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .test_before_acquire(false)
                .idle_timeout(None)
                .max_lifetime(None)
                // Checkpoints are the server's background job (`Store::checkpoint`, every
                // tenth of a second); this high mark bounds the log for tools that write
                // without a server (an import), and lets the server's log start again from
                // its beginning (a commit past it copies what is left and finds it copied).
                .connect_with(
                    opts.clone()
                        .pragma("wal_autocheckpoint", "16000")
                        // Named apart from the readers, so `top -H` or `perf -t` finds the
                        // one thread every write waits for.
                        .thread_name(|n| format!("{WRITE_THREAD}{n}")),
                )
                .await?;
            let checkpoint = SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(opts.clone())
                .await?;
            // Each SQLite connection is a thread of its own: more readers than about twice
            // the cores only adds switching between them (16 readers on 2 cores cost a
            // tenth of the label rate), so the count is capped there.
            let cores = std::thread::available_parallelism().map_or(2, |n| n.get()) as u32;
            let read = SqlitePoolOptions::new()
                .max_connections(config.max_connections.clamp(1, (2 * cores).max(4)))
                .test_before_acquire(false)
                .connect_with(opts.read_only(true))
                .await?;
            Ok(Store {
                pool: Pool::Sqlite {
                    read,
                    write,
                    checkpoint,
                },
                caches: Default::default(),
                skill_records: true,
            })
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let mut opts = PgConnectOptions::from_str(url)?.statement_cache_capacity(1024);
            if let Some(schema) = &config.pg_schema {
                if !schema
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_')
                    || schema.is_empty()
                {
                    return Err(StoreError::Invalid(format!("schema name {schema:?}")));
                }
                // Make sure the schema exists before pooled connections point at it.
                let setup = PgPoolOptions::new()
                    .max_connections(1)
                    .connect_with(opts.clone())
                    .await?;
                sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\""))
                    .execute(&setup)
                    .await?;
                setup.close().await;
                opts = opts.options([("search_path", schema.as_str())]);
            }
            let pool = PgPoolOptions::new()
                .max_connections(config.max_connections.max(2))
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await?;
            Ok(Store {
                pool: Pool::Postgres(pool),
                caches: Default::default(),
                skill_records: true,
            })
        } else {
            Err(StoreError::Invalid(format!(
                "database URL must start with sqlite: or postgres:, got {:?}",
                url.split(':').next().unwrap_or("")
            )))
        }
    }

    /// Connects and brings the schema up to date.
    pub async fn open(config: &StoreConfig) -> Result<Store> {
        let store = Store::connect(config).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// SQLite on a file: the flush of its write-ahead log, for a writer that defers it
    /// ([`LogFlush`]). `None` on PostgreSQL and for a database without a log file (in
    /// memory), whose commits are then flushed as they happen.
    pub fn log_flush(&self) -> Option<LogFlush> {
        let Pool::Sqlite { write, .. } = &self.pool else {
            return None;
        };
        let mut path = write
            .connect_options()
            .get_filename()
            .as_os_str()
            .to_owned();
        path.push("-wal");
        let path = std::path::PathBuf::from(path);
        path.is_file().then_some(LogFlush { path, file: None })
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite { .. } => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// A statement built at run time, as this store's engine should get it
    /// ([`crate::sql::for_backend`]).
    pub(crate) fn sql(&self, sql: String) -> String {
        crate::sql::for_backend(self.backend(), sql)
    }

    /// Applies the migrations this binary carries. Idempotent.
    pub async fn migrate(&self) -> Result<()> {
        match &self.pool {
            Pool::Sqlite { write, .. } => SQLITE_MIGRATIONS.run(write).await?,
            Pool::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    /// Copies committed pages from SQLite's write-ahead log into the database file without
    /// blocking readers or the writer (a passive checkpoint). The server calls it every
    /// tenth of a second, so that a commit seldom runs one itself (only past the write
    /// connection's `wal_autocheckpoint` mark, with little left to copy). Returns the log's
    /// size in pages. Nothing to do on PostgreSQL.
    pub async fn checkpoint(&self) -> Result<i64> {
        match &self.pool {
            Pool::Sqlite { checkpoint, .. } => {
                let (_busy, log, _done): (i64, i64, i64) =
                    sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
                        .fetch_one(checkpoint)
                        .await?;
                Ok(log)
            }
            Pool::Postgres(_) => Ok(0),
        }
    }

    /// PostgreSQL: brings the statistics of tables that changed much since they were last
    /// analyzed up to date, and returns their names (SQLite: nothing to do). PostgreSQL plans
    /// from those statistics, and autovacuum refreshes them only once a minute and after a
    /// tenth of a table changed: on a young database the labels, leases and pay tables grow
    /// from nothing faster than that, and in the meantime a `next` was planned for empty
    /// tables (a hash of every label and lease, ~10 ms, instead of twenty index look-ups).
    /// The server calls it every second; a table is analyzed when it has doubled, so a
    /// few times while it grows from nothing, and a grown one is left to autovacuum.
    pub async fn refresh_statistics(&self) -> Result<Vec<String>> {
        let Pool::Postgres(pool) = &self.pool else {
            return Ok(Vec::new());
        };
        let stale: Vec<String> = sqlx::query_scalar(
            "SELECT CAST(s.relname AS TEXT) FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid \
             WHERE s.schemaname = current_schema() \
             AND s.n_mod_since_analyze > $1 + $2 * GREATEST(c.reltuples, 0) ORDER BY 1",
        )
        .bind(STATS_MIN_CHANGES)
        .bind(STATS_SHARE)
        .fetch_all(pool)
        .await?;
        for table in &stale {
            sqlx::query(&format!("ANALYZE \"{}\"", table.replace('"', "\"\"")))
                .execute(pool)
                .await?;
        }
        Ok(stale)
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<()> {
        on_read!(self, p => sqlx::query("SELECT 1").execute(p).await?.rows_affected());
        Ok(())
    }

    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite {
                read,
                write,
                checkpoint,
            } => {
                checkpoint.close().await;
                read.close().await;
                write.close().await;
            }
            Pool::Postgres(p) => p.close().await,
        }
    }
}

/// Times a transaction is tried again after PostgreSQL broke a deadlock or a serialization
/// conflict (it rolled back; nothing was written): the store's one retry count.
pub const RETRIES: u32 = 3;

/// Milliseconds since the Unix epoch.
pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The flush follows the file by its path: a missing file is an error, and a file put
    /// in the place of the one it had open is opened anew.
    #[test]
    fn the_log_flush_follows_a_replaced_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db-wal");
        let mut log = LogFlush {
            path: path.clone(),
            file: None,
        };
        assert!(log.flush().is_err(), "no file yet");
        std::fs::write(&path, b"one").unwrap();
        log.flush().unwrap();
        let first = log.file.as_ref().unwrap().1;
        log.flush().unwrap();
        assert_eq!(log.file.as_ref().unwrap().1, first, "kept open");
        // Replaced while the old one is still open (so the new one gets another inode).
        let _old = std::fs::File::open(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        std::fs::write(&path, b"two").unwrap();
        log.flush().unwrap();
        assert_ne!(log.file.as_ref().unwrap().1, first, "the new file");
    }

    /// An in-memory database has no log file to flush: its commits are flushed (or not)
    /// as they happen.
    #[tokio::test]
    async fn a_database_in_memory_has_no_log_to_flush() {
        let store = Store::open(&StoreConfig::new("sqlite::memory:"))
            .await
            .unwrap();
        assert!(store.log_flush().is_none());
    }
}

#[cfg(test)]
mod database_url_tests {
    use super::DatabaseUrl;

    #[test]
    fn a_password_never_shows() {
        let u = DatabaseUrl::from("postgres://mudou:s3cr@t-pw@db.local:5432/mudou?sslmode=require");
        for shown in [
            format!("{u:?}"),
            u.to_string(),
            format!("{:?}", super::StoreConfig::new(u.clone())),
        ] {
            assert!(
                !shown.contains("s3cr") && !shown.contains("t-pw"),
                "{shown}"
            );
            assert!(
                shown.contains("postgres://mudou:***@db.local:5432/mudou"),
                "{shown}"
            );
        }
        assert!(u.expose().contains("s3cr@t-pw"), "the driver gets it whole");
        for plain in [
            "postgres://postgres@127.0.0.1:5432/test",
            "sqlite:///srv/mudou.db",
            "sqlite::memory:",
        ] {
            assert_eq!(DatabaseUrl::from(plain).redacted(), plain);
        }
    }
}
