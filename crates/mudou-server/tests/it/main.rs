//! The server's integration suite: each test starts the real server on a random
//! port with a real database and drives it over HTTP. Every test runs on SQLite,
//! and on PostgreSQL when `MUDOU_TEST_POSTGRES_URL` is set (fresh schema each).

mod accounts;
mod authz;
mod bad_input;
mod coco_shapes;
mod conversations;
mod defences;
mod dicom;
mod dispatch;
mod earnings;
mod exports;
mod findings;
mod forms;
mod instructions;
mod labelstudio;
mod ladder;
mod llm_exports;
mod llm_kinds;
mod media;
mod medical;
mod mistakes;
mod model_backend;
mod ops;
mod orders;
mod pairwise;
mod people;
mod question_effect;
mod questions;
mod reading;
mod records;
mod review;
mod rules;
mod s3;
mod shapes;
mod sim;
mod skills;
mod stress;
mod suggest_quality;
mod suggest_report;
mod suggestion_imports;
mod suggestions;
mod tokens;
mod trust;
mod upload;
mod wage;
mod web;
mod work;
mod writing;
mod yolo_cvat;

use mudou_app::users::NewUserRequest;
use mudou_domain::Role;
use mudou_server::{AppState, Settings};
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};

/// Log lines written while some test captures them ([`capture_logs`]).
static LOGS: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());
/// Tests capturing logs right now.
static CAPTURING: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Where the kept log layer writes: into [`LOGS`] while a test captures.
struct LogSink;

impl std::io::Write for LogSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if CAPTURING.load(std::sync::atomic::Ordering::Relaxed) > 0 {
            LOGS.lock()
                .unwrap_or_else(|e| e.into_inner())
                .extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Keeps every log line (debug and up, of every test running meanwhile) until the returned
/// guard's `text()` is read; the server's log output of a test, to search.
pub fn capture_logs() -> LogCapture {
    CAPTURING.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    LogCapture
}

pub struct LogCapture;

impl LogCapture {
    /// Everything logged since the capture began (other captures' lines too).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&LOGS.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
}

impl Drop for LogCapture {
    fn drop(&mut self) {
        if CAPTURING.fetch_sub(1, std::sync::atomic::Ordering::SeqCst) == 1 {
            LOGS.lock().unwrap_or_else(|e| e.into_inner()).clear();
        }
    }
}

pub struct TestApp {
    pub url: String,
    /// `/metrics` alone, without a token, when the settings ask for an address of its own.
    pub metrics_url: Option<String>,
    pub state: AppState,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    pub server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    _dir: tempfile::TempDir,
}

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        Self::spawn_tuned(backend, |_| {}).await
    }

    /// Like [`TestApp::spawn`], with settings changed by `tune` first.
    pub async fn spawn_tuned(
        backend: Backend,
        tune: impl FnOnce(&mut Settings),
    ) -> Option<TestApp> {
        // Server logs show up with a failing test's output (`MUDOU_LOG=debug` for more);
        // everything down to debug is also kept while a test captures it ([`capture_logs`]).
        {
            use tracing_subscriber::Layer;
            use tracing_subscriber::layer::SubscriberExt;
            use tracing_subscriber::util::SubscriberInitExt;
            let shown = tracing_subscriber::fmt::layer()
                .with_test_writer()
                .with_filter(tracing_subscriber::EnvFilter::new(
                    std::env::var("MUDOU_LOG").unwrap_or_else(|_| "warn".into()),
                ));
            let kept = tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(|| LogSink)
                .with_filter(tracing_subscriber::filter::DynFilterFn::new(|m, _| {
                    CAPTURING.load(std::sync::atomic::Ordering::Relaxed) > 0
                        && *m.level() <= tracing::Level::DEBUG
                }));
            let _ = tracing_subscriber::registry()
                .with(shown)
                .with(kept)
                .try_init();
        }
        let dir = tempfile::tempdir().unwrap();
        let mut settings = Settings::for_data_dir(dir.path());
        settings.listen = "127.0.0.1:0".parse().unwrap();
        settings.metrics_token = Some(METRICS_TOKEN.parse().unwrap());
        if let Backend::Postgres = backend {
            let url = crate::pg_url();
            settings.database_url = url.into();
            settings.database_schema = Some(format!("t_{}", uuid::Uuid::new_v4().simple()));
            settings.database_max_connections = 4;
        }
        tune(&mut settings);
        Some(Self::spawn_with(settings, dir).await)
    }

    pub async fn spawn_with(settings: Settings, dir: tempfile::TempDir) -> TestApp {
        let metrics_listen = settings.metrics_listen;
        let mut app = mudou_server::build(settings).await.expect("server builds");
        let state = app.state.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let mut metrics_url = None;
        if let Some(addr) = metrics_listen {
            let l = tokio::net::TcpListener::bind(addr).await.unwrap();
            metrics_url = Some(format!("http://{}", l.local_addr().unwrap()));
            app = app.with_metrics_listener(l);
        }
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(mudou_server::serve(listener, app, async {
            let _ = rx.await;
        }));
        TestApp {
            url,
            metrics_url,
            state,
            shutdown: Some(tx),
            server: Some(server),
            _dir: dir,
        }
    }

    /// `/metrics` as Prometheus reads it, with the metrics token.
    pub async fn metrics(&self) -> String {
        let r = Client::new()
            .get(format!("{}/metrics", self.url))
            .bearer_auth(METRICS_TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "/metrics with the token");
        r.text().await.unwrap()
    }

    /// A fresh "browser" connecting from `ip` (any 127.x.y.z works on loopback): the
    /// server sees that as the source address of its requests.
    pub fn browser_from(&self, ip: &str) -> Browser {
        Browser {
            url: self.url.clone(),
            http: Client::builder()
                .cookie_store(true)
                .local_address(ip.parse::<std::net::IpAddr>().unwrap())
                .build()
                .unwrap(),
        }
    }

    /// A script sending `Authorization: Bearer <secret>` with every request.
    pub fn script(&self, secret: &str) -> Browser {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("authorization", format!("Bearer {secret}").parse().unwrap());
        Browser {
            url: self.url.clone(),
            http: Client::builder().default_headers(headers).build().unwrap(),
        }
    }

    /// A fresh "browser": its own cookie jar.
    pub fn browser(&self) -> Browser {
        Browser {
            url: self.url.clone(),
            http: Client::builder().cookie_store(true).build().unwrap(),
        }
    }

    pub async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.server.take() {
            h.await.unwrap().unwrap();
        }
    }

    /// Creates a user straight through the account use-case (`mudou_app::users`).
    pub async fn user(&self, req: NewUserRequest) -> mudou_store::User {
        mudou_app::users::create_user(&self.state, req)
            .await
            .map_err(|e| e.message)
            .unwrap()
    }

    pub async fn centre(&self, name: &str) -> i64 {
        let c = mudou_store::NewCentre {
            name: name.into(),
            county: String::new(),
            province: String::new(),
            timezone: "Asia/Shanghai".into(),
        };
        self.state.store.create_centre(&c, 1).await.unwrap().id
    }

    /// A new dataset of `org_id`, created by the organisation's first client.
    pub async fn dataset(&self, org_id: i64, name: &str) -> mudou_store::Dataset {
        let store = &self.state.store;
        let filter = mudou_store::UserFilter {
            org_id: Some(org_id),
            ..Default::default()
        };
        let owner = store.list_users(&filter).await.unwrap()[0].id;
        store
            .create_dataset(mudou_domain::OrgId::new(org_id), name, owner, 1)
            .await
            .unwrap()
    }

    pub async fn org(&self, name: &str) -> i64 {
        self.state.store.create_org(name, 1).await.unwrap().id
    }

    /// The usual cast: two centres (each with a lead and two annotators) and two client organisations.
    pub async fn world(&self) -> World {
        let a = self.centre("A中心").await;
        let b = self.centre("B中心").await;
        let org_a = self.org("客户甲").await;
        let org_b = self.org("客户乙").await;
        self.user(staff("admin", Role::Admin, None, None)).await;
        self.user(staff("lead_a", Role::Lead, Some(a), None)).await;
        self.user(staff("lead_b", Role::Lead, Some(b), None)).await;
        self.user(staff("client_a", Role::Client, None, Some(org_a)))
            .await;
        self.user(staff("client_b", Role::Client, None, Some(org_b)))
            .await;
        let ann_a1 = self.user(annotator("王芳", "1111", a)).await.id.get();
        let ann_a2 = self.user(annotator("李娜", "2222", a)).await.id.get();
        let ann_b1 = self.user(annotator("周敏", "3333", b)).await.id.get();
        World {
            centre_a: a,
            centre_b: b,
            org_a,
            org_b,
            ann_a1,
            ann_a2,
            ann_b1,
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

pub struct World {
    pub centre_a: i64,
    pub centre_b: i64,
    pub org_a: i64,
    pub org_b: i64,
    pub ann_a1: i64,
    pub ann_a2: i64,
    pub ann_b1: i64,
}

pub const PASSWORD: &str = "correct horse";
/// The metrics token of `TestApp::spawn`'s servers.
pub const METRICS_TOKEN: &str = "test-metrics-token-0123456789";

pub fn staff(
    username: &str,
    role: Role,
    centre_id: Option<i64>,
    org_id: Option<i64>,
) -> NewUserRequest {
    NewUserRequest {
        username: Some(username.into()),
        display_name: username.into(),
        role,
        password: Some(PASSWORD.into()),
        pin: None,
        centre_id,
        org_id,
        skill_level: None,
    }
}

pub fn annotator(name: &str, pin: &str, centre_id: i64) -> NewUserRequest {
    NewUserRequest {
        username: None,
        display_name: name.into(),
        role: Role::Annotator,
        password: None,
        pin: Some(pin.into()),
        centre_id: Some(centre_id),
        org_id: None,
        skill_level: None,
    }
}

pub struct Browser {
    pub url: String,
    pub http: Client,
}

/// A response's status and JSON body (or `Value::Null` when there is none).
pub struct Got {
    pub status: StatusCode,
    pub body: Value,
    pub set_cookie: Vec<String>,
    /// The `Retry-After` header, when there is one.
    pub retry_after: Option<String>,
}

impl Got {
    pub async fn from(r: Response) -> Got {
        let status = r.status();
        let set_cookie = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap_or_default().to_owned())
            .collect();
        let retry_after = r
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap_or_default().to_owned());
        let text = r.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Got {
            status,
            body,
            set_cookie,
            retry_after,
        }
    }
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
    /// Asserts a refusal with `code`, answered with the code's own status.
    #[track_caller]
    pub fn refused(&self, code: mudou_domain::ErrorCode) {
        assert_eq!(
            (self.status.as_u16(), self.code()),
            (code.status(), code.as_str()),
            "{}",
            self.body
        );
    }
    #[track_caller]
    pub fn ok(&self) -> &Value {
        assert!(
            self.status.is_success(),
            "expected success, got {} {}",
            self.status,
            self.body
        );
        &self.body
    }
}

impl Browser {
    pub async fn get(&self, path: &str) -> Got {
        Got::from(
            self.http
                .get(format!("{}{path}", self.url))
                .send()
                .await
                .unwrap(),
        )
        .await
    }
    pub async fn post(&self, path: &str, body: Value) -> Got {
        Got::from(
            self.http
                .post(format!("{}{path}", self.url))
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await
    }
    pub async fn put(&self, path: &str, body: Value) -> Got {
        Got::from(
            self.http
                .put(format!("{}{path}", self.url))
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await
    }
    pub async fn delete(&self, path: &str) -> Got {
        Got::from(
            self.http
                .delete(format!("{}{path}", self.url))
                .send()
                .await
                .unwrap(),
        )
        .await
    }
    pub async fn login(&self, username: &str) -> Got {
        self.post(
            "/api/v1/auth/login",
            json!({"username": username, "password": PASSWORD}),
        )
        .await
    }
    /// Logs in as a lead and enrols this browser as a device of the lead's centre, then logs out.
    pub async fn enrol_as(&self, lead: &str) {
        self.login(lead).await.ok();
        self.post("/api/v1/devices/enroll", json!({"name": "前台1号机"}))
            .await
            .ok();
        self.post("/api/v1/auth/logout", json!({})).await;
    }
    pub async fn pin(&self, user_id: i64, pin: &str) -> Got {
        self.post("/api/v1/auth/pin", json!({"user_id": user_id, "pin": pin}))
            .await
    }
}

/// The PostgreSQL server the tests use. A PostgreSQL test runs only when the suite was
/// built with `MUDOU_TEST_POSTGRES_URL` set (otherwise the runner lists it as ignored), so
/// the variable missing now is a failure, never a silent pass.
pub fn pg_url() -> String {
    std::env::var("MUDOU_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .expect("MUDOU_TEST_POSTGRES_URL is not set, but this PostgreSQL test was built to run")
}

/// Drops a passed PostgreSQL test's schema (a failed test's stays, to be looked at): every
/// schema left in the shared database makes PostgreSQL's statistics views, which the server
/// reads every second, slower for every later test.
pub async fn drop_schema(schema: Option<String>) {
    use sqlx::Connection;
    let (Some(schema), Ok(url)) = (schema, std::env::var("MUDOU_TEST_POSTGRES_URL")) else {
        return;
    };
    let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
    sqlx::query(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
        .execute(&mut c)
        .await
        .unwrap();
}

/// Writes `name` as two tests: `name::sqlite` and `name::postgres`; with `tuned(f)`, the
/// settings are changed by `f` first.
#[macro_export]
macro_rules! both_tuned {
    ($name:ident, tuned($tune:expr), |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[allow(unused_mut)]
            async fn case(mut $app: $crate::TestApp) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                case($crate::TestApp::spawn_tuned($crate::Backend::Sqlite, $tune).await.unwrap()).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(not(mudou_pg_tests), ignore = "MUDOU_TEST_POSTGRES_URL was not set when the tests were built")]
            async fn postgres() {
                match $crate::TestApp::spawn_tuned($crate::Backend::Postgres, $tune).await {
                    Some(app) => {
                        let schema = app.state.settings.database_schema.clone();
                        case(app).await;
                        $crate::drop_schema(schema).await;
                    }
                    None => unreachable!("spawn gives a PostgreSQL server or fails"),
                }
            }
        }
    };
}

/// Writes `name` as two tests: `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! both {
    ($name:ident, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[allow(unused_mut)]
            async fn case(mut $app: $crate::TestApp) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                case($crate::TestApp::spawn($crate::Backend::Sqlite).await.unwrap()).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(not(mudou_pg_tests), ignore = "MUDOU_TEST_POSTGRES_URL was not set when the tests were built")]
            async fn postgres() {
                match $crate::TestApp::spawn($crate::Backend::Postgres).await {
                    Some(app) => {
                        let schema = app.state.settings.database_schema.clone();
                        case(app).await;
                        $crate::drop_schema(schema).await;
                    }
                    None => unreachable!("spawn gives a PostgreSQL server or fails"),
                }
            }
        }
    };
}
