//! Load generator for Mudou's dispatch: simulated annotators over HTTP.
//!
//! Each annotator loops `next → label every item → submit`, exactly as the web UI does.
//! Two runs:
//! - *saturation*: `--annotators` annotators with no pause between requests
//!   (labels/s, units/s, latency percentiles);
//! - *steady*: a fixed arrival rate (`--rate` labels/s) in an open loop: every label has a
//!   scheduled time and its latency is measured from that time, so a slow answer cannot
//!   hide the queue behind it.
//!
//! Without `--url` it starts the server itself (`--servers N` processes on one database,
//! their `/metrics` open to `--metrics-token`, printed at the start), seeds a centre, a
//! client, a text dataset and an order through the public API, and at
//! the end checks the stored labels through the client's export: no item over its
//! overlap, no annotator twice on an item, every acknowledged label stored once.
//!
//! The last line is `labels_per_s=N steady_submit_p99_ms=M errors=E`.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bench_harness::{Server, Session, wait_ready};
use clap::{Parser, ValueEnum};
use rand::{Rng, SeedableRng, rngs::StdRng};
use reqwest::Method;
use serde_json::{Value, json};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Database {
    Sqlite,
    Postgres,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Mode {
    Both,
    Saturation,
    Steady,
}

#[derive(Parser, Debug)]
#[command(about = "Simulated annotators against a Mudou server")]
struct Args {
    /// A running server (with `--admin-password`); without it the bench starts its own.
    #[arg(long)]
    url: Option<String>,
    /// Annotators in the saturation run (and by default in the steady run).
    #[arg(long, default_value_t = 256)]
    annotators: usize,
    /// Seconds each run lasts.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    #[arg(long, value_enum, default_value_t = Database::Sqlite)]
    database: Database,
    /// PostgreSQL to use with `--database postgres` (a fresh schema is made in it).
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/test")]
    postgres_url: String,
    /// Server processes to start on the one database (annotators are spread over them).
    #[arg(long, default_value_t = 1)]
    servers: usize,
    #[arg(long, value_enum, default_value_t = Mode::Both)]
    mode: Mode,
    /// Offered labels per second in the steady run.
    #[arg(long, default_value_t = 2000.0)]
    rate: f64,
    /// Annotators in the steady run (default: `--annotators`).
    #[arg(long)]
    steady_annotators: Option<usize>,
    /// Items in the order (default: enough for both runs).
    #[arg(long)]
    items: Option<usize>,
    /// Labels per item (fixed overlap).
    #[arg(long, default_value_t = 3)]
    overlap: u32,
    #[arg(long, default_value_t = 20)]
    unit_size: u32,
    /// Share of label posts sent twice, as a browser retry would (must never store twice).
    #[arg(long, default_value_t = 0.01)]
    retry_share: f64,
    /// The server binary (default: target/release/mudou of this workspace).
    #[arg(long)]
    server_bin: Option<PathBuf>,
    #[arg(long, default_value = "admin")]
    admin_user: String,
    #[arg(long, default_value = "bench-admin-password")]
    admin_password: String,
    /// The metrics token of the servers the bench starts, so a probe can read their
    /// histograms during a run: `curl -H "Authorization: Bearer TOKEN" URL/metrics`.
    #[arg(long, default_value = "bench-metrics-token-0123456789")]
    metrics_token: String,
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Order a three-question template (a choice, a 1–5 rating, yes/no attributes) instead
    /// of the one-question text classification.
    #[arg(long)]
    template: bool,
}

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const LABELS: [&str; 4] = ["a", "b", "c", "d"];
const PIN: &str = "2468";
const STAFF_PASSWORD: &str = "bench-staff-password";

/// The true label of the `i`-th text (the simulated annotators know it, mostly).
/// The template of `--template`: the class (keyed `label`, so the manifest's known answer
/// is its gold), a 1–5 rating, and yes/no attributes.
fn three_questions() -> Value {
    let options = |keys: &[&str], hot: bool| -> Vec<Value> {
        keys.iter()
            .enumerate()
            .map(|(i, k)| {
                json!({"key": k, "name_zh": k, "name_en": k,
                       "hotkey": hot.then(|| (i + 1).to_string())})
            })
            .collect()
    };
    json!({
        "fields": [{"name": "text", "kind": "text"}],
        "questions": [
            {"key": "label", "kind": "choice", "title_zh": "类别", "field": "text",
             "options": options(&LABELS, true)},
            {"key": "stars", "kind": "rating", "title_zh": "几颗星", "settings": {"tolerance": 1},
             "options": options(&["s1", "s2", "s3", "s4", "s5"], false)},
            {"key": "flags", "kind": "multi_choice", "title_zh": "属性", "required": false,
             "options": options(&FLAGS, false)}
        ]
    })
}

/// The yes/no attributes of `--template`.
const FLAGS: [&str; 3] = ["ad", "rude", "question"];

fn truth(i: usize) -> usize {
    (i.wrapping_mul(2_654_435_761) >> 7) % LABELS.len()
}

fn text_of(i: usize) -> String {
    format!("样本 {i} 号")
}

fn index_of(text: &str) -> Option<usize> {
    text.strip_prefix("样本 ")?
        .strip_suffix(" 号")?
        .parse()
        .ok()
}

// ---------------------------------------------------------------- servers

struct Fleet {
    servers: Vec<Server>,
    /// PostgreSQL: the run's own schema, dropped when the run is over ([`Fleet::stop`]).
    schema: Option<String>,
    _dir: tempfile::TempDir,
}

impl Fleet {
    /// Stops the servers, then drops the run's PostgreSQL schema (so runs leave nothing
    /// behind in the database).
    async fn stop(mut self, postgres_url: &str) -> anyhow::Result<()> {
        self.servers.clear();
        if let Some(schema) = self.schema.take() {
            use sqlx::Connection;
            let mut c = sqlx::PgConnection::connect(postgres_url).await?;
            sqlx::query(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
                .execute(&mut c)
                .await?;
            c.close().await?;
        }
        Ok(())
    }
}

fn start_fleet(args: &Args) -> anyhow::Result<Fleet> {
    let bin = args.server_bin.clone().unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/release/mudou")
    });
    if !bin.exists() {
        bail!(
            "no server binary at {} (run `cargo build --release -p mudou`, or use `cargo xtask bench dispatch`)",
            bin.display()
        );
    }
    let dir = tempfile::tempdir()?;
    let mut db_args: Vec<String> = vec!["--data-dir".into(), dir.path().display().to_string()];
    let schema = (args.database == Database::Postgres)
        .then(|| format!("bench_{}", uuid::Uuid::new_v4().simple()));
    if let Some(schema) = &schema {
        db_args.extend([
            "--database-url".into(),
            args.postgres_url.clone(),
            "--database-schema".into(),
            schema.clone(),
        ]);
    }
    bench_harness::create_admin(&bin, &db_args, &args.admin_user, &args.admin_password)?;
    let mut servers = Vec::new();
    for _ in 0..args.servers.max(1) {
        servers.push(bench_harness::serve(
            &bin,
            &db_args,
            &["--metrics-token", &args.metrics_token],
            &[],
        )?);
    }
    Ok(Fleet {
        servers,
        schema,
        _dir: dir,
    })
}

// ---------------------------------------------------------------- seeding

struct World {
    order_id: i64,
    client: Session,
    annotators: Vec<Session>,
}

async fn seed(
    http: &reqwest::Client,
    urls: &[String],
    args: &Args,
    n_annotators: usize,
    items: usize,
) -> anyhow::Result<World> {
    let url = &urls[0];
    let tag = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    let mut admin = Session::new(http, url);
    admin
        .ok(
            Method::POST,
            "/api/v1/auth/login",
            Some(json!({"username": args.admin_user, "password": args.admin_password})),
        )
        .await
        .context("admin login (give --admin-user/--admin-password for a running server)")?;
    let centre = admin
        .ok(
            Method::POST,
            "/api/v1/admin/centres",
            Some(json!({"name": format!("压测中心 {tag}")})),
        )
        .await?["id"]
        .as_i64()
        .context("centre id")?;
    let org = admin
        .ok(
            Method::POST,
            "/api/v1/admin/orgs",
            Some(json!({"name": format!("压测客户 {tag}")})),
        )
        .await?["id"]
        .as_i64()
        .context("org id")?;
    for (who, role, field, id) in [
        ("lead", "lead", "centre_id", centre),
        ("client", "client", "org_id", org),
    ] {
        admin
            .ok(
                Method::POST,
                "/api/v1/admin/users",
                Some(
                    json!({"username": format!("{who}_{tag}"), "display_name": who, "role": role,
                             "password": STAFF_PASSWORD, field: id}),
                ),
            )
            .await?;
    }

    // The client uploads the texts and orders them labelled.
    let mut client = Session::new(http, url);
    client
        .ok(
            Method::POST,
            "/api/v1/auth/login",
            Some(json!({"username": format!("client_{tag}"), "password": STAFF_PASSWORD})),
        )
        .await?;
    let ds = client
        .ok(
            Method::POST,
            "/api/v1/datasets",
            Some(json!({"name": format!("压测 {tag}")})),
        )
        .await?["id"]
        .as_i64()
        .context("dataset id")?;
    let mut csv = String::from("text,label\n");
    for i in 0..items {
        // One item in 25 has a known answer: the order's gold.
        let known = if i % 25 == 0 { LABELS[truth(i)] } else { "" };
        csv.push_str(&format!("{},{known}\n", text_of(i)));
    }
    let form = reqwest::multipart::Form::new().part(
        "texts",
        reqwest::multipart::Part::bytes(csv.into_bytes())
            .file_name("texts.csv")
            .mime_str("text/csv")?,
    );
    let started = Instant::now();
    let r = http
        .post(format!("{url}/api/v1/datasets/{ds}/files"))
        .header(reqwest::header::COOKIE, client.cookie_header())
        .multipart(form)
        .send()
        .await?;
    if !r.status().is_success() {
        bail!("upload: {} {}", r.status(), r.text().await?);
    }
    eprintln!(
        "seeded {items} texts in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let labels: Vec<Value> = LABELS
        .iter()
        .enumerate()
        .map(|(i, k)| {
            json!({"key": k, "name_zh": format!("类{k}"), "name_en": format!("class {k}"),
                              "colour": "#1e88e5", "hotkey": (i + 1).to_string()})
        })
        .collect();
    let mut spec = json!({
        "name": format!("压测订单 {tag}"),
        "task_type": "text_classification",
        "labels": labels,
        "overlap": {"kind": "fixed", "n": args.overlap},
        "gold_share": 0.05,
        "unit_size": args.unit_size,
        "piece_rate_fen": 3,
    });
    if args.template {
        spec["task_type"] = json!("template");
        spec["labels"] = json!([]);
        spec["template"] = three_questions();
    }
    let order_id = client
        .ok(
            Method::POST,
            "/api/v1/orders",
            Some(json!({"dataset_id": ds, "spec": spec})),
        )
        .await?["id"]
        .as_i64()
        .context("order id")?;
    let started = Instant::now();
    client
        .ok(
            Method::POST,
            &format!("/api/v1/orders/{order_id}/publish"),
            Some(json!({})),
        )
        .await?;
    eprintln!("published in {:.1} s", started.elapsed().as_secs_f64());

    // The lead enrols one device per server and adds the annotators; each logs in by PIN.
    let mut lead = Session::new(http, url);
    lead.ok(
        Method::POST,
        "/api/v1/auth/login",
        Some(json!({"username": format!("lead_{tag}"), "password": STAFF_PASSWORD})),
    )
    .await?;
    lead.ok(
        Method::POST,
        "/api/v1/devices/enroll",
        Some(json!({"name": "压测机"})),
    )
    .await?;
    let device: Vec<(String, String)> = lead
        .cookies
        .iter()
        .filter(|(k, _)| k == "mudou_device")
        .cloned()
        .collect();
    let started = Instant::now();
    let mut ids = Vec::with_capacity(n_annotators);
    for i in 0..n_annotators {
        let u = lead
            .ok(
                Method::POST,
                "/api/v1/centre/annotators",
                Some(json!({"display_name": format!("压测员{i:04}"), "pin": PIN})),
            )
            .await?;
        ids.push(u["id"].as_i64().context("annotator id")?);
    }
    let logins = ids.iter().enumerate().map(|(i, id)| {
        let mut s = Session::new(http, &urls[i % urls.len()]);
        s.cookies = device.clone();
        let id = *id;
        async move {
            s.ok(
                Method::POST,
                "/api/v1/auth/pin",
                Some(json!({"user_id": id, "pin": PIN})),
            )
            .await?;
            anyhow::Ok(s)
        }
    });
    // A few logins at a time: each verifies an Argon2 hash.
    let annotators = futures_lite(logins, 8)
        .await
        .into_iter()
        .collect::<anyhow::Result<Vec<_>>>()?;
    eprintln!(
        "{n_annotators} annotators added and logged in in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(World {
        order_id,
        client,
        annotators,
    })
}

/// Runs futures with at most `limit` at once, keeping their order.
async fn futures_lite<F, T>(futs: impl Iterator<Item = F>, limit: usize) -> Vec<T>
where
    F: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let sem = Arc::new(tokio::sync::Semaphore::new(limit));
    let handles: Vec<_> = futs
        .map(|f| {
            let sem = sem.clone();
            tokio::spawn(async move {
                let _permit = sem.acquire_owned().await;
                f.await
            })
        })
        .collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await.expect("task"));
    }
    out
}

// ---------------------------------------------------------------- the annotator loop

#[derive(Default)]
struct Stats {
    next: Vec<u32>,
    /// When each of `next` was due: milliseconds since the run's start.
    next_due: Vec<u32>,
    label: Vec<u32>,
    /// When each of `label` was due: milliseconds since the run's start.
    label_due: Vec<u32>,
    unit: Vec<u32>,
    labels: u64,
    units: u64,
    nothing: u64,
    errors: HashMap<String, u64>,
    /// The run's start, for `label_due`.
    started: Option<Instant>,
}

impl Stats {
    fn since(started: Instant) -> Stats {
        Stats {
            started: Some(started),
            ..Default::default()
        }
    }
    /// Milliseconds from the run's start to `at`.
    fn due(&self, at: Instant) -> u32 {
        self.started
            .map_or(0, |t| at.saturating_duration_since(t).as_millis() as u32)
    }
    fn merge(&mut self, o: Stats) {
        self.next.extend(o.next);
        self.next_due.extend(o.next_due);
        self.label.extend(o.label);
        self.label_due.extend(o.label_due);
        self.unit.extend(o.unit);
        self.labels += o.labels;
        self.units += o.units;
        self.nothing += o.nothing;
        for (k, v) in o.errors {
            *self.errors.entry(k).or_default() += v;
        }
    }
    fn error(&mut self, what: impl Into<String>) {
        *self.errors.entry(what.into()).or_default() += 1;
    }
    fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }
}

fn micros(d: Duration) -> u32 {
    d.as_micros().min(u32::MAX as u128) as u32
}

/// What one simulated annotator holds between requests.
struct Worker {
    s: Session,
    rng: StdRng,
    retry_share: f64,
    /// Answers the three-question template (`--template`).
    template: bool,
    assignment: Option<(i64, Vec<(i64, usize)>)>,
    pos: usize,
    /// Labels the server acknowledged as newly stored (`stored`).
    acked: Arc<AtomicU64>,
}

enum Step {
    Labelled,
    Nothing,
    Failed,
}

impl Worker {
    /// Asks for work: `Some(true)` with a unit, `Some(false)` when there is none, `None` on error.
    async fn next(&mut self, st: &mut Stats, since: Instant) -> Option<bool> {
        match self.s.send(Method::GET, "/api/v1/work/next", None).await {
            Ok(r) if r.status.is_success() => {
                st.next.push(micros(since.elapsed()));
                st.next_due.push(st.due(since));
                if r.body["status"] != "assigned" {
                    st.nothing += 1;
                    return Some(false);
                }
                let a = &r.body["assignment"];
                let items = a["items"]
                    .as_array()
                    .map(|v| {
                        v.iter()
                            .filter(|i| i["answer"].is_null() && i["skip_reason"].is_null())
                            .filter_map(|i| {
                                Some((i["item_id"].as_i64()?, index_of(i["text"].as_str()?)?))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                self.assignment = a["id"].as_i64().map(|id| (id, items));
                self.pos = 0;
                Some(true)
            }
            Ok(r) => {
                st.error(format!("next {}", r.status.as_u16()));
                None
            }
            Err(e) => {
                st.error(format!("next: {}", short(&e)));
                None
            }
        }
    }

    async fn submit_unit(&mut self, st: &mut Stats, since: Instant) {
        let Some((id, _)) = self.assignment.take() else {
            return;
        };
        match self
            .s
            .send(
                Method::POST,
                &format!("/api/v1/work/assignments/{id}/submit"),
                Some(&json!({})),
            )
            .await
        {
            Ok(r) if r.status.is_success() => {
                st.unit.push(micros(since.elapsed()));
                st.units += 1;
            }
            Ok(r) => st.error(format!("submit {}", r.status.as_u16())),
            Err(e) => st.error(format!("submit: {}", short(&e))),
        }
    }

    /// One label: fetching a unit first (and submitting the finished one) when needed.
    async fn step(&mut self, st: &mut Stats, scheduled: Instant) -> Step {
        let mut since = scheduled;
        let done = self
            .assignment
            .as_ref()
            .is_some_and(|(_, items)| self.pos >= items.len());
        if done {
            self.submit_unit(st, since).await;
            since = Instant::now();
        }
        if self.assignment.is_none() {
            match self.next(st, since).await {
                Some(true) => {}
                Some(false) => return Step::Nothing,
                None => return Step::Failed,
            }
            since = Instant::now();
            if self.assignment.as_ref().is_some_and(|(_, i)| i.is_empty()) {
                // Everything in it was answered already (a unit given back after a restart).
                self.submit_unit(st, since).await;
                return Step::Nothing;
            }
        }
        let (aid, items) = self.assignment.as_ref().expect("an assignment");
        let (item, idx) = items[self.pos];
        let k = if self.rng.random_bool(0.85) {
            truth(idx)
        } else {
            self.rng.random_range(0..LABELS.len())
        };
        let answer = if self.template {
            let stars = (truth(idx) + 1 + self.rng.random_range(0..2)).min(5);
            let flags: Vec<&str> = FLAGS
                .iter()
                .enumerate()
                .filter(|(f, _)| (idx >> f) & 1 == 1 || self.rng.random_bool(0.05))
                .map(|(_, k)| *k)
                .collect();
            json!({"label": LABELS[k], "stars": stars, "flags": flags})
        } else {
            json!({"label": LABELS[k]})
        };
        let body = json!({"client_uuid": uuid::Uuid::new_v4().to_string(), "assignment_id": aid,
                          "item_id": item, "answer": answer,
                          "duration_ms": self.rng.random_range(1500..6000)});
        let retry = self.rng.random_bool(self.retry_share);
        let mut ok = false;
        for attempt in 0..1 + retry as usize {
            match self
                .s
                .send(Method::POST, "/api/v1/work/labels", Some(&body))
                .await
            {
                Ok(r) if r.status.is_success() => {
                    if attempt == 0 {
                        st.label.push(micros(since.elapsed()));
                        st.label_due.push(st.due(since));
                        st.labels += 1;
                    }
                    match r.body["status"].as_str() {
                        Some("stored") => {
                            self.acked.fetch_add(1, Ordering::Relaxed);
                            ok = true;
                        }
                        Some("replay") if attempt == 1 => ok = true,
                        other => st.error(format!("label answered {other:?} on attempt {attempt}")),
                    }
                }
                Ok(r) => st.error(format!(
                    "label {} {}",
                    r.status.as_u16(),
                    r.body["error"]["code"]
                )),
                Err(e) => st.error(format!("label: {}", short(&e))),
            }
        }
        self.pos += 1;
        if ok { Step::Labelled } else { Step::Failed }
    }
}

fn short(e: &anyhow::Error) -> String {
    let Some(e) = e.downcast_ref::<reqwest::Error>() else {
        return "transport".into();
    };
    if e.is_timeout() {
        "timeout".into()
    } else if e.is_connect() {
        "connect".into()
    } else {
        "transport".into()
    }
}

async fn saturation(workers: Vec<Worker>, seconds: u64) -> (Vec<Worker>, Stats, f64) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let handles: Vec<_> = workers
        .into_iter()
        .map(|mut w| {
            tokio::spawn(async move {
                let mut st = Stats::since(started);
                while Instant::now() < deadline {
                    if let Step::Nothing | Step::Failed = w.step(&mut st, Instant::now()).await {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                }
                (w, st)
            })
        })
        .collect();
    let mut all = Stats::default();
    let mut back = Vec::new();
    for h in handles {
        let (w, st) = h.await.expect("worker");
        back.push(w);
        all.merge(st);
    }
    (back, all, started.elapsed().as_secs_f64())
}

/// Open loop: annotator `a` labels at `t0 + (j·K + a) / rate`, whatever came before.
/// The steady run: an open loop at `rate` labels/s in all. Each simulated annotator's
/// answers arrive as a Poisson process (exponential gaps, mean `annotators / rate`), the
/// usual model of independent people; a lockstep schedule would start every annotator's
/// unit in the same tenth of a second, a herd no real centre makes. Latency counts from
/// each answer's scheduled time, so a slow reply delays (and is charged to) the ones after.
async fn steady(
    workers: Vec<Worker>,
    seconds: u64,
    rate: f64,
    seed: u64,
) -> (Vec<Worker>, Stats, f64) {
    let k = workers.len();
    let t0 = Instant::now() + Duration::from_millis(200);
    let end = t0 + Duration::from_secs(seconds);
    let mean_gap = k as f64 / rate;
    let handles: Vec<_> = workers
        .into_iter()
        .enumerate()
        .map(|(a, mut w)| {
            let mut arrivals = StdRng::seed_from_u64(seed ^ (0x9e37_79b9 * (a as u64 + 1)));
            tokio::spawn(async move {
                let mut st = Stats::since(t0);
                let mut at = t0;
                loop {
                    let u: f64 = arrivals.random();
                    at += Duration::from_secs_f64(-(1.0 - u).ln() * mean_gap);
                    if at >= end {
                        break;
                    }
                    tokio::time::sleep_until(at.into()).await;
                    w.step(&mut st, at).await;
                }
                (w, st)
            })
        })
        .collect();
    let mut all = Stats::default();
    let mut back = Vec::new();
    for h in handles {
        let (w, st) = h.await.expect("worker");
        back.push(w);
        all.merge(st);
    }
    (back, all, (Instant::now() - t0).as_secs_f64())
}

fn pct(v: &mut [u32], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_unstable();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i] as f64 / 1000.0
}

fn print_latencies(st: &mut Stats) {
    println!("  latency (ms)      n       p50      p95      p99      max");
    for (name, v) in [
        ("next", &mut st.next),
        ("label (submit)", &mut st.label),
        ("unit submit", &mut st.unit),
    ] {
        println!(
            "  {name:<15}{:>6} {:>8.2} {:>8.2} {:>8.2} {:>8.2}",
            v.len(),
            pct(v, 0.50),
            pct(v, 0.95),
            pct(v, 0.99),
            pct(v, 1.0)
        );
    }
}

/// The p99 of `next` and of a label in each `window_s` of the run, so a slow start shows
/// apart from the rest.
fn print_windows(st: &Stats, window_s: u32) {
    for (name, lat, due) in [
        ("next", &st.next, &st.next_due),
        ("label", &st.label, &st.label_due),
    ] {
        let mut by: Vec<Vec<u32>> = Vec::new();
        for (&l, &d) in lat.iter().zip(due) {
            let w = (d / (window_s * 1000)) as usize;
            if by.len() <= w {
                by.resize(w + 1, Vec::new());
            }
            by[w].push(l);
        }
        let cells: Vec<String> = by
            .iter_mut()
            .map(|v| format!("{:.0}", pct(v, 0.99)))
            .collect();
        println!(
            "  {name} p99 (ms) per {window_s} s of the run: {}",
            cells.join(" ")
        );
    }
}

fn print_errors(st: &Stats) {
    if st.errors.is_empty() {
        println!("  errors: 0");
    } else {
        let mut e: Vec<_> = st.errors.iter().collect();
        e.sort();
        println!("  errors: {} {e:?}", st.error_count());
    }
}

/// Reads the order's export and checks every label the server acknowledged.
async fn check(world: &mut World, overlap: u32, acked: u64) -> anyhow::Result<(u64, u64, u64)> {
    let r = world
        .client
        .http
        .get(format!(
            "{}/api/v1/orders/{}/export?format=jsonl",
            world.client.url, world.order_id
        ))
        .header(reqwest::header::COOKIE, world.client.cookie_header())
        .send()
        .await?;
    if !r.status().is_success() {
        bail!("export: {}", r.status());
    }
    let text = r.text().await?;
    let (mut over, mut dup, mut stored) = (0u64, 0u64, 0u64);
    for line in text.lines() {
        let v: Value = serde_json::from_str(line)?;
        let labels = v["labels"].as_array().cloned().unwrap_or_default();
        stored += labels.len() as u64;
        let gold = v["is_gold"].as_bool().unwrap_or(false);
        if !gold && labels.len() as u32 > overlap {
            over += 1;
        }
        let who: HashSet<&str> = labels
            .iter()
            .filter_map(|l| l["annotator"].as_str())
            .collect();
        if who.len() != labels.len() {
            dup += 1;
        }
    }
    println!(
        "== check (client's export): items over their overlap {over}, items with an annotator twice {dup}, \
         labels acknowledged {acked}, stored {stored}"
    );
    Ok((over, dup, stored))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let steady_k = args.steady_annotators.unwrap_or(args.annotators);
    let n_annotators = args.annotators.max(steady_k);
    let run_sat = args.mode != Mode::Steady;
    let run_steady = args.mode != Mode::Saturation;
    let labels_guess = (run_sat as u64 * args.seconds * 9_000)
        + (run_steady as u64 * args.seconds * args.rate as u64);
    let items = args
        .items
        .unwrap_or((labels_guess as usize / args.overlap.max(1) as usize) * 5 / 4 + 1000);

    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(4096)
        .timeout(Duration::from_secs(120))
        .build()?;
    let fleet = match &args.url {
        Some(_) => None,
        None => Some(start_fleet(&args)?),
    };
    let urls: Vec<String> = match (&args.url, &fleet) {
        (Some(u), _) => vec![u.trim_end_matches('/').to_owned()],
        (None, Some(f)) => f.servers.iter().map(|s| s.url.clone()).collect(),
        _ => unreachable!(),
    };
    for u in &urls {
        wait_ready(&http, u).await?;
        if fleet.is_some() {
            eprintln!(
                "server {u}: curl -H 'Authorization: Bearer {}' {u}/metrics",
                args.metrics_token
            );
        }
    }
    let mut world = seed(&http, &urls, &args, n_annotators, items).await?;
    let acked = Arc::new(AtomicU64::new(0));
    let mut rng = StdRng::seed_from_u64(args.seed);
    let mut workers: Vec<Worker> = world
        .annotators
        .drain(..)
        .map(|s| Worker {
            s,
            rng: StdRng::seed_from_u64(rng.random()),
            retry_share: args.retry_share,
            template: args.template,
            assignment: None,
            pos: 0,
            acked: acked.clone(),
        })
        .collect();
    println!(
        "== mudou dispatch bench: {} database, {} server process(es), {items} items, overlap {}, units of {}{}",
        match args.database {
            Database::Sqlite => "sqlite",
            Database::Postgres => "postgres",
        },
        urls.len(),
        args.overlap,
        args.unit_size,
        if args.template {
            ", a three-question template"
        } else {
            ""
        }
    );
    let mut errors = 0;
    let mut labels_per_s = 0.0;
    let mut steady_p99 = f64::NAN;
    if run_sat {
        let rest = workers.split_off(args.annotators.min(workers.len()));
        let (back, mut st, secs) = saturation(workers, args.seconds).await;
        workers = back;
        workers.extend(rest);
        labels_per_s = st.labels as f64 / secs;
        println!(
            "== saturation: {} annotators, no pause, {secs:.1} s",
            args.annotators
        );
        println!(
            "  labels {} ({labels_per_s:.0}/s), units {} ({:.1}/s), next calls {} (nothing: {})",
            st.labels,
            st.units,
            st.units as f64 / secs,
            st.next.len(),
            st.nothing
        );
        print_latencies(&mut st);
        print_errors(&st);
        errors += st.error_count();
    }
    if run_steady {
        let rest = workers.split_off(steady_k.min(workers.len()));
        let (back, mut st, secs) = steady(workers, args.seconds, args.rate, args.seed).await;
        workers = back;
        workers.extend(rest);
        println!(
            "== steady: {:.0} labels/s offered (open loop), {steady_k} annotators, {secs:.1} s",
            args.rate
        );
        println!(
            "  labels {} ({:.0}/s achieved), units {}, latency measured from each label's scheduled time",
            st.labels,
            st.labels as f64 / secs,
            st.units
        );
        print_windows(&st, 2);
        steady_p99 = pct(&mut st.label, 0.99);
        print_latencies(&mut st);
        print_errors(&st);
        errors += st.error_count();
    }
    // Hand back what is still leased, so no lease is left behind.
    for w in &mut workers {
        if let Some((id, _)) = w.assignment.take() {
            let _ =
                w.s.send(
                    Method::POST,
                    &format!("/api/v1/work/assignments/{id}/return"),
                    Some(&json!({})),
                )
                .await;
        }
    }
    if let Some(f) = &fleet {
        for (i, s) in f.servers.iter().enumerate() {
            match s.peak_rss_mib() {
                Some(m) => println!("== server {i} peak RSS {m:.0} MiB"),
                None => println!("== server {i} peak RSS unknown"),
            }
        }
    }
    let (over, dup, stored) =
        check(&mut world, args.overlap, acked.load(Ordering::Relaxed)).await?;
    let lost = acked.load(Ordering::Relaxed).abs_diff(stored);
    errors += over + dup + lost;
    println!("labels_per_s={labels_per_s:.0} steady_submit_p99_ms={steady_p99:.1} errors={errors}");
    if let Some(f) = fleet {
        f.stop(&args.postgres_url).await?;
    }
    Ok(())
}
