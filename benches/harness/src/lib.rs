//! What the benches that drive a real Mudou server over HTTP share (`benches/dispatch`,
//! `benches/replay`): starting the `mudou` binary on a free port and waiting until it is
//! ready, and one person's session on the API (a base URL and the cookies they hold).

use std::io::Write as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// A `mudou serve` process, killed when dropped.
pub struct Server {
    pub child: Child,
    pub url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Peak resident memory of the process so far (Linux `VmHWM`), in MiB.
    pub fn peak_rss_mib(&self) -> Option<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let kb: f64 = status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))?
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()?;
        Some(kb / 1024.0)
    }
}

/// A port nobody listens on now.
pub fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// `mudou create-admin` on the database `db_args` name (`--data-dir …`, and for
/// PostgreSQL `--database-url … --database-schema …`).
pub fn create_admin(
    bin: &Path,
    db_args: &[String],
    user: &str,
    password: &str,
) -> anyhow::Result<()> {
    let mut create = Command::new(bin)
        .arg("create-admin")
        .args(db_args)
        .args(["--username", user, "--password-stdin"])
        .env("MUDOU_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .context("starting mudou create-admin")?;
    {
        let mut stdin = create.stdin.take().context("stdin")?;
        writeln!(stdin, "{password}")?;
    }
    if !create.wait()?.success() {
        bail!("mudou create-admin failed");
    }
    Ok(())
}

/// `mudou serve` on a free loopback port, on the database `db_args` name, with `extra`
/// flags and `env` variables (the log at `warn`).
pub fn serve(
    bin: &Path,
    db_args: &[String],
    extra: &[&str],
    env: &[(&str, &str)],
) -> anyhow::Result<Server> {
    let port = free_port()?;
    let child = Command::new(bin)
        .arg("serve")
        .args(db_args)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(extra)
        .env("MUDOU_LOG", "warn")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .spawn()
        .context("starting mudou serve")?;
    Ok(Server {
        child,
        url: format!("http://127.0.0.1:{port}"),
    })
}

/// Waits until `url` answers `/readyz` (at most a minute).
pub async fn wait_ready(http: &reqwest::Client, url: &str) -> anyhow::Result<()> {
    let start = Instant::now();
    loop {
        if let Ok(r) = http.get(format!("{url}/readyz")).send().await
            && r.status().is_success()
        {
            return Ok(());
        }
        if start.elapsed() > Duration::from_secs(60) {
            bail!("{url} did not become ready in 60 s");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// One person's view of the API: a base URL and the cookies they hold.
#[derive(Clone)]
pub struct Session {
    pub http: reqwest::Client,
    pub url: String,
    /// `(name, value)` of each cookie held.
    pub cookies: Vec<(String, String)>,
}

/// An answer: its status and its JSON body (`null` when it is not JSON).
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
}

impl Session {
    pub fn new(http: &reqwest::Client, url: &str) -> Session {
        Session {
            http: http.clone(),
            url: url.to_owned(),
            cookies: Vec::new(),
        }
    }

    /// The `Cookie` header of what the session holds.
    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&mut self, r: &reqwest::Response) {
        for v in r.headers().get_all(reqwest::header::SET_COOKIE) {
            let Some((k, rest)) = v.to_str().unwrap_or_default().split_once('=') else {
                continue;
            };
            let value = rest.split(';').next().unwrap_or_default().to_owned();
            self.cookies.retain(|(name, _)| name != k);
            if !value.is_empty() {
                self.cookies.push((k.to_owned(), value));
            }
        }
    }

    /// `method path` with `body` as JSON, the session's cookies sent and kept.
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<Reply> {
        let mut req = self.http.request(method, format!("{}{path}", self.url));
        if !self.cookies.is_empty() {
            req = req.header(reqwest::header::COOKIE, self.cookie_header());
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let r = req.send().await?;
        let status = r.status();
        self.keep_cookies(&r);
        let bytes = r.bytes().await?;
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Ok(Reply { status, body })
    }

    /// [`Session::send`], with an answer other than 2xx as the error.
    pub async fn ok(
        &mut self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let r = self.send(method.clone(), path, body.as_ref()).await?;
        if !r.status.is_success() {
            bail!("{method} {path}: {} {}", r.status, r.body);
        }
        Ok(r.body)
    }

    /// Logs in with a username and password.
    pub async fn login(&mut self, user: &str, password: &str) -> anyhow::Result<()> {
        self.ok(
            Method::POST,
            "/api/v1/auth/login",
            Some(json!({"username": user, "password": password})),
        )
        .await
        .map(drop)
    }
}
