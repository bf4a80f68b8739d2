//! Durability beyond `kill -9`: the real `mudou serve` binary, under load from annotators
//! posting labels over HTTP, loses its power or its process, and afterwards every label it
//! acknowledged ("stored") is still there exactly once, with its answer; no item holds more
//! labels than its overlap; each label's pay is booked once; and a retry of an acknowledged
//! post answers `replay`.
//!
//! - `sqlite_power_cut`: the data folder is on a FUSE filesystem
//!   (`tests/support/powercut_fs.py`, fusepy over libfuse2) that keeps every file write in
//!   its own memory until that file is fsynced. A power cut is `kill -9` of the server and
//!   of that filesystem at once: whatever was not synced is gone (the page cache of a real
//!   cut), the folder is mounted again from what was synced, and the server restarts on it.
//!   Later cuts keep a random share of the unsynced 4 KiB blocks (half, most, a few), as a
//!   disk that wrote back part of its cache in any order: a log frame may be torn.
//!   Metadata (create, rename, unlink, truncate) is durable at once there; what the test
//!   checks is the contents of SQLite's files, which is where the server's deferred flush
//!   (the writer commits, a thread of its own fsyncs the write-ahead log, then answers)
//!   could lose an acknowledged label. Needs `/dev/fuse`, `fusermount` (Debian `fuse3`),
//!   libfuse2 (`libfuse2`) and `python3 -m pip install fusepy`; without them it fails in
//!   CI (`CI=true`) and says "skipped" elsewhere.
//! - `two_servers_one_postgresql_one_killed`: two `mudou serve` processes on one PostgreSQL
//!   schema (`MUDOU_TEST_POSTGRES_URL`), annotators spread over both; one server is killed
//!   (`kill -9`) under load, and its annotators send their unacknowledged posts again to the
//!   other and keep working there, as the browser's outbox does.

use std::collections::{HashMap, HashSet};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use mudou_domain::{DatasetId, OrderId, OrgId, Role};
use mudou_server::Settings;
use mudou_store::{NewUser, now_millis};
use serde_json::{Value, json};

const LABELS: [&str; 4] = ["a", "b", "c", "d"];
const OVERLAP: u32 = 2;

/// A child process, killed on drop.
struct Killed(Option<Child>);

impl Killed {
    /// `kill -9` without waiting (a process stuck in the filesystem dies once the
    /// filesystem goes).
    fn kill(&mut self) {
        if let Some(c) = self.0.as_mut() {
            let _ = c.kill();
        }
    }

    fn reap(&mut self) {
        if let Some(mut c) = self.0.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.0.as_mut().and_then(|c| c.try_wait().ok().flatten())
    }
}

impl Drop for Killed {
    fn drop(&mut self) {
        self.reap();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A missing tool: a failure in CI, a clear "skipped" elsewhere.
/// A test built to run (its `cfg` is on) whose tools are missing fails: it never passes by
/// doing nothing. Built without it, the runner lists the test as ignored.
fn unavailable(what: &str) {
    panic!("{what}: this test was built to run");
}

// -- the FUSE filesystem that loses unsynced writes ------------------------------------

fn helper_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/powercut_fs.py")
}

/// Why the power-cut filesystem cannot run here, if it cannot.
fn fuse_missing() -> Option<String> {
    if !Path::new("/dev/fuse").exists() {
        return Some("no /dev/fuse".into());
    }
    if Command::new("fusermount").arg("-V").output().is_err() {
        return Some("no fusermount (apt-get install fuse3)".into());
    }
    match Command::new("python3").args(["-c", "import fuse"]).output() {
        Ok(o) if o.status.success() => None,
        Ok(o) => Some(format!(
            "python3 cannot import fusepy (python3 -m pip install fusepy; apt-get install libfuse2): {}",
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Err(e) => Some(format!("no python3: {e}")),
    }
}

/// `backing` mounted at `mnt` through the power-cut filesystem.
struct Mount {
    helper: Killed,
    mnt: PathBuf,
}

impl Mount {
    fn start(backing: &Path, mnt: &Path) -> Result<Mount, String> {
        use std::io::BufRead;
        std::fs::create_dir_all(mnt).unwrap();
        let mut child = Command::new("python3")
            .arg(helper_script())
            .arg(backing)
            .arg(mnt)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("python3: {e}"))?;
        let stdout = child.stdout.take().unwrap();
        let mut m = Mount {
            helper: Killed(Some(child)),
            mnt: mnt.to_owned(),
        };
        let mut line = String::new();
        let _ = std::io::BufReader::new(stdout).read_line(&mut line);
        if line.trim() != "ready" {
            let status = m.helper.exited();
            return Err(format!(
                "the power-cut filesystem did not mount at {} ({status:?})",
                mnt.display()
            ));
        }
        Ok(m)
    }

    /// The power goes: the filesystem dies with every unsynced write, and the mount is
    /// taken down.
    /// A cut after which a random share `keep` of the unsynced 4 KiB blocks is on disk
    /// (written back in any order before the power went), the rest lost.
    fn cut_keeping(&mut self, keep: f64, seed: u64) {
        // The filesystem exits while it answers this write: the write fails.
        let _ = std::fs::write(self.mnt.join(".powercut"), format!("{keep} {seed}"));
        self.cut();
    }

    fn cut(&mut self) {
        self.helper.kill();
        self.helper.reap();
        let _ = Command::new("fusermount")
            .args(["-u", "-z"])
            .arg(&self.mnt)
            .stderr(Stdio::null())
            .status();
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        self.cut();
    }
}

/// The filesystem does what the test relies on: a write synced before the cut is there
/// after it, a write not synced is not (the file created for it is: metadata is durable).
fn check_the_cut(backing: &Path, mnt: &Path) -> Result<(), String> {
    use std::io::Write;
    let mut m = Mount::start(backing, mnt)?;
    let mut synced = std::fs::File::create(mnt.join("probe-synced")).unwrap();
    synced.write_all(b"kept").unwrap();
    synced.sync_data().unwrap();
    synced.write_all(b" and lost").unwrap();
    std::fs::write(mnt.join("probe-unsynced"), b"lost").unwrap();
    assert_eq!(
        std::fs::read(mnt.join("probe-synced")).unwrap(),
        b"kept and lost",
        "read back before the cut"
    );
    m.cut();
    drop(synced);
    let m = Mount::start(backing, mnt)?;
    assert_eq!(std::fs::read(mnt.join("probe-synced")).unwrap(), b"kept");
    assert_eq!(std::fs::read(mnt.join("probe-unsynced")).unwrap(), b"");
    // A cut that keeps every unsynced block keeps the unsynced write.
    std::fs::write(mnt.join("probe-unsynced"), b"kept too").unwrap();
    let mut m = m;
    m.cut_keeping(1.0, 1);
    let m = Mount::start(backing, mnt)?;
    assert_eq!(
        std::fs::read(mnt.join("probe-unsynced")).unwrap(),
        b"kept too"
    );
    for f in ["probe-synced", "probe-unsynced", ".powercut"] {
        std::fs::remove_file(mnt.join(f)).unwrap();
    }
    drop(m);
    Ok(())
}

// -- a server process -----------------------------------------------------------------

struct Server {
    proc: Killed,
    url: String,
    log: PathBuf,
}

impl Server {
    async fn start(flags: &[&str], log: PathBuf) -> Server {
        let port = free_port();
        let mut c = Command::new(env!("CARGO_BIN_EXE_mudou"));
        for (k, _) in std::env::vars() {
            if k.starts_with("MUDOU_") {
                c.env_remove(k);
            }
        }
        let out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .unwrap();
        let child = c
            .arg("serve")
            .args(flags)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--writer-core", "false"])
            .env("MUDOU_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap();
        let mut s = Server {
            proc: Killed(Some(child)),
            url: format!("http://127.0.0.1:{port}"),
            log,
        };
        let http = reqwest::Client::new();
        let start = Instant::now();
        loop {
            if let Some(status) = s.proc.exited() {
                panic!("mudou serve exited ({status}): {}", s.log_tail());
            }
            if let Ok(r) = http.get(format!("{}/healthz", s.url)).send().await
                && r.status().is_success()
            {
                return s;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "mudou serve did not answer within 60 s: {}",
                s.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }
}

// -- the work ---------------------------------------------------------------------------

/// An order of `items` texts with `OVERLAP` labels each, paid on submit (each label's
/// pay is booked as it is stored), and `annotators` annotators with session cookies.
async fn seed(settings: Settings, items: usize, annotators: usize) -> (i64, Vec<String>) {
    let app = mudou_server::build(settings).await.unwrap();
    let state = &app.state;
    let store = &state.store;
    let now = now_millis();
    let centre = store
        .create_centre(
            &mudou_store::NewCentre {
                name: "断电中心".into(),
                county: String::new(),
                province: String::new(),
                timezone: "Asia/Shanghai".into(),
            },
            now,
        )
        .await
        .unwrap()
        .id;
    let org = store.create_org("客户", now).await.unwrap().id;
    let client = mudou_app::users::create_user(
        state,
        mudou_app::users::NewUserRequest {
            username: Some("client".into()),
            display_name: "client".into(),
            role: Role::Client,
            password: Some("correct horse battery".into()),
            pin: None,
            centre_id: None,
            org_id: Some(org),
            skill_level: None,
        },
    )
    .await
    .map_err(|e| e.message)
    .unwrap()
    .id;
    let ds = store
        .create_dataset(OrgId::new(org), "断电", client, now)
        .await
        .unwrap();
    let mut csv = String::from("text\n");
    for i in 0..items {
        csv.push_str(&format!("第 {i} 条\n"));
    }
    let parsed =
        mudou_media::parse_text_items(mudou_media::TableFormat::Csv, "t.csv", csv.as_bytes())
            .unwrap();
    let mut ingest = mudou_app::ingest::Ingest::new(state, ds.id);
    ingest
        .add(mudou_app::ingest::text_items("t.csv", parsed))
        .await
        .unwrap();
    ingest.commit().await.unwrap();
    let labels: Vec<Value> = LABELS
        .iter()
        .map(|k| json!({"key": k, "name_zh": k, "name_en": k, "colour": "#1e88e5"}))
        .collect();
    let spec: mudou_domain::OrderSpec = serde_json::from_value(json!({
        "name": "断电", "task_type": "text_classification", "labels": labels,
        "overlap": {"kind": "fixed", "n": OVERLAP}, "unit_size": 5, "piece_rate_fen": 3,
        "pay_on": "submit",
        "required_qualification": null, "required_level": null, "deadline": null
    }))
    .unwrap();
    let order = mudou_app::orders::create_published(
        state,
        OrgId::new(org),
        client,
        DatasetId::new(ds.id),
        &spec,
    )
    .await
    .unwrap()
    .id;
    let hash = mudou_app::secrets::hash_secret("2468".into())
        .await
        .unwrap();
    let mut cookies = Vec::new();
    for i in 0..annotators {
        let u = store
            .create_user(
                &NewUser {
                    username: None,
                    display_name: format!("断电员{i}"),
                    role: Role::Annotator,
                    centre_id: Some(centre),
                    org_id: None,
                    password_hash: None,
                    pin_hash: Some(hash.clone()),
                    skill_level: None,
                },
                now,
            )
            .await
            .unwrap();
        let secret = format!("durable-{}-{i}", uuid::Uuid::new_v4().simple());
        store
            .create_session(
                &mudou_app::secrets::token_hash(&secret),
                u.id,
                None,
                now,
                now + 3_600_000,
            )
            .await
            .unwrap();
        cookies.push(format!("mudou_session={secret}"));
    }
    store.close().await;
    drop(app);
    (order, cookies)
}

/// A label the server acknowledged.
#[derive(Debug, Clone)]
struct Ack {
    uuid: String,
    label_id: i64,
    label: String,
    cookie: String,
    body: Value,
}

#[derive(Default, Debug)]
struct Tally {
    acked: Vec<Ack>,
    /// Posts sent and never answered (the server went): the browser's outbox.
    outbox: Vec<(String, Value)>,
    replays: usize,
    /// Annotators who went on at another server.
    failovers: usize,
    errors: Vec<String>,
}

impl Tally {
    fn add(&mut self, t: Tally) {
        self.acked.extend(t.acked);
        self.outbox.extend(t.outbox);
        self.replays += t.replays;
        self.failovers += t.failovers;
        self.errors.extend(t.errors);
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

/// One request: `Err` when no answer came (the server is gone).
async fn call(
    http: &reqwest::Client,
    url: &str,
    cookie: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<&Value>,
) -> Result<(u16, Value), String> {
    let mut r = http
        .request(method, format!("{url}{path}"))
        .header("cookie", cookie);
    if let Some(b) = body {
        r = r.json(b);
    }
    let r = r.send().await.map_err(|e| e.to_string())?;
    let status = r.status().as_u16();
    let body = r.json().await.map_err(|e| e.to_string())?;
    Ok((status, body))
}

async fn post_label(
    http: &reqwest::Client,
    url: &str,
    cookie: &str,
    body: &Value,
) -> Result<(u16, Value), String> {
    call(
        http,
        url,
        cookie,
        reqwest::Method::POST,
        "/api/v1/work/labels",
        Some(body),
    )
    .await
}

fn ack(cookie: &str, body: &Value, answer: &Value) -> Ack {
    Ack {
        uuid: body["client_uuid"].as_str().unwrap().to_owned(),
        label_id: answer["label_id"].as_i64().unwrap(),
        label: body["answer"]["label"].as_str().unwrap().to_owned(),
        cookie: cookie.to_owned(),
        body: body.clone(),
    }
}

/// One annotator: next → label each item (now and then twice, as a browser retries) →
/// submit, until `stop`, until there is no work, or until no server in `urls` answers.
/// When one does not answer, the post goes to the next in `urls` (the outbox), and the
/// work goes on there; with none left, the post stays in the outbox.
async fn annotate(
    http: reqwest::Client,
    urls: Vec<String>,
    cookie: String,
    seed: u64,
    stop: Arc<AtomicBool>,
    acked_now: Arc<AtomicUsize>,
) -> Tally {
    let mut t = Tally::default();
    let mut rng = seed;
    let mut roll = move |n: u64| {
        rng = rng
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (rng >> 33) % n
    };
    // Annotators agree (the answer follows the item) and take their time: the quality
    // rules (too fast, disagreeing) pause nobody, so every label is paid.
    let mut at = 0;
    'work: while !stop.load(Ordering::Relaxed) {
        let next = loop {
            match call(
                &http,
                &urls[at],
                &cookie,
                reqwest::Method::GET,
                "/api/v1/work/next",
                None,
            )
            .await
            {
                Ok(r) => break r,
                Err(_) if at + 1 < urls.len() => {
                    at += 1;
                    t.failovers += 1;
                }
                Err(_) => break 'work,
            }
        };
        match next {
            (200, n) if n["status"] == "nothing" => break,
            (200, n) if n["assignment"].is_object() => {
                let a = &n["assignment"];
                let aid = a["id"].as_i64().unwrap();
                for it in a["items"].as_array().cloned().unwrap_or_default() {
                    // Answered already (before a cut or a failover, this unit being the
                    // annotator's still): the browser shows it done.
                    if !it["answer"].is_null() || !it["skip_reason"].is_null() {
                        continue;
                    }
                    let body = json!({"client_uuid": uuid::Uuid::new_v4().to_string(),
                        "assignment_id": aid, "item_id": it["item_id"],
                        "answer": {"label": LABELS[it["item_id"].as_u64().unwrap() as usize % 4]},
                        "duration_ms": 9000 + roll(3000)});
                    let sends = if roll(10) == 0 { 2 } else { 1 };
                    for attempt in 0..sends {
                        let answer = loop {
                            match post_label(&http, &urls[at], &cookie, &body).await {
                                Ok(r) => break r,
                                Err(_) if at + 1 < urls.len() => {
                                    at += 1;
                                    t.failovers += 1;
                                }
                                Err(_) => {
                                    if attempt == 0 {
                                        t.outbox.push((cookie.clone(), body.clone()));
                                    }
                                    break 'work;
                                }
                            }
                        };
                        match (attempt, answer.0, answer.1["status"].as_str()) {
                            (0, 200, Some("stored")) => {
                                t.acked.push(ack(&cookie, &body, &answer.1));
                                acked_now.fetch_add(1, Ordering::Relaxed);
                            }
                            // After a failover the first send may have reached the
                            // server that went: stored then, not acknowledged.
                            (_, 200, Some("replay")) => {
                                t.replays += 1;
                                if attempt == 0 {
                                    t.acked.push(ack(&cookie, &body, &answer.1));
                                }
                            }
                            other => t.errors.push(format!("label answered {other:?}")),
                        }
                    }
                }
                match call(
                    &http,
                    &urls[at],
                    &cookie,
                    reqwest::Method::POST,
                    &format!("/api/v1/work/assignments/{aid}/submit"),
                    Some(&json!({})),
                )
                .await
                {
                    Ok((200, _)) => {}
                    Ok((s, r)) => t.errors.push(format!("submit {s} {r}")),
                    // The server went: the unit is submitted later, or its lease runs out.
                    Err(_) => {}
                }
            }
            (s, n) => {
                t.errors.push(format!("next {s} {n}"));
                break;
            }
        }
    }
    t
}

/// Sends the outbox again to `url`: each post is now stored, or was stored before the
/// server went (replay). Returns the newly acknowledged.
async fn drain_outbox(http: &reqwest::Client, url: &str, outbox: Vec<(String, Value)>) -> Tally {
    let mut t = Tally::default();
    for (cookie, body) in outbox {
        match post_label(http, url, &cookie, &body).await {
            Ok((200, r)) if r["status"] == "stored" || r["status"] == "replay" => {
                t.replays += usize::from(r["status"] == "replay");
                t.acked.push(ack(&cookie, &body, &r));
            }
            // A unit whose lease ran out meanwhile refuses the post: it was never
            // acknowledged, so nothing is owed.
            Ok((s, r)) if (400..500).contains(&s) => {
                eprintln!("outbox post refused {s} {r}");
            }
            other => t.errors.push(format!("outbox post answered {other:?}")),
        }
    }
    t
}

/// Every acknowledged post sent again answers `replay`, with the same label.
async fn check_replays(http: &reqwest::Client, url: &str, acked: &[Ack]) {
    let mut bad = Vec::new();
    for a in acked {
        match post_label(http, url, &a.cookie, &a.body).await {
            Ok((200, v)) if v["status"] == "replay" && v["label_id"] == a.label_id => {}
            other => bad.push(format!("{} (label {}): {other:?}", a.uuid, a.label_id)),
        }
    }
    // A post stored anew was not there: an acknowledged label was lost.
    let lost = bad.iter().filter(|b| b.contains("\"stored\"")).count();
    assert!(
        bad.is_empty(),
        "{} of {} acknowledged posts did not answer replay ({lost} LOST: stored anew), e.g. {:?}",
        bad.len(),
        acked.len(),
        &bad[..bad.len().min(5)]
    );
}

/// What the database holds for the order, read after the fact.
struct Stored {
    /// client_uuid → (label id, answer JSON).
    labels: HashMap<String, (i64, Option<String>)>,
    /// label id → piece entries in the ledger.
    pieces: HashMap<i64, i64>,
    /// label id → label_pay rows and their status.
    pay: HashMap<i64, (i64, String)>,
    audit: mudou_store::OrderAudit,
}

const LABELS_SQL: &str =
    "SELECT client_uuid, id, CAST(answer AS TEXT) FROM labels WHERE order_id = $1";
const PIECES_SQL: &str = "SELECT label_id, COUNT(*) FROM ledger_entries \
     WHERE kind = 'piece' AND order_id = $1 AND label_id IS NOT NULL GROUP BY label_id";
const PAY_SQL: &str = "SELECT label_id, COUNT(*), MIN(status) FROM label_pay \
     WHERE order_id = $1 GROUP BY label_id";

/// Every acknowledged label stored once with its answer, paid once; nothing over its overlap.
fn check_stored(s: &Stored, acked: &[Ack]) {
    let mut seen = HashSet::new();
    let mut lost = Vec::new();
    for a in acked {
        assert!(seen.insert(&a.uuid), "{} acknowledged twice", a.uuid);
        match s.labels.get(&a.uuid) {
            None => lost.push(format!("{} (label {})", a.uuid, a.label_id)),
            Some((id, answer)) => {
                assert_eq!(*id, a.label_id, "{}: another label id", a.uuid);
                let answer: Value = serde_json::from_str(answer.as_deref().unwrap()).unwrap();
                assert_eq!(answer["label"], a.label.as_str(), "{}: its answer", a.uuid);
            }
        }
    }
    assert!(
        lost.is_empty(),
        "LOST: {} of {} acknowledged labels are not in the database, e.g. {:?}",
        lost.len(),
        acked.len(),
        &lost[..lost.len().min(10)]
    );
    let ids: HashSet<i64> = s.labels.values().map(|(id, _)| *id).collect();
    assert_eq!(ids.len(), s.labels.len(), "one label per client uuid");
    for id in &ids {
        assert_eq!(
            s.pieces.get(id).copied().unwrap_or(0),
            1,
            "label {id}: its pay booked once in the ledger"
        );
        let pay = s.pay.get(id).cloned().unwrap_or((0, String::new()));
        assert_eq!(pay, (1, "accepted".into()), "label {id}: one label_pay row");
    }
    assert!(
        s.pieces.keys().all(|id| ids.contains(id)),
        "no pay for a label that is not there"
    );
    let a = &s.audit;
    assert_eq!(a.labels as usize, s.labels.len(), "{a:?}");
    assert_eq!(
        (
            a.over_labelled,
            a.duplicate_labels,
            a.count_mismatch,
            a.stray_leases,
            a.slot_mismatch
        ),
        (0, 0, 0, 0, 0),
        "nothing over its overlap, no annotator twice on an item: {a:?}"
    );
}

// -- SQLite: the power cut ---------------------------------------------------------------

async fn read_sqlite(db: &Path, order: i64) -> Stored {
    use sqlx::Connection;
    let url = format!("sqlite://{}", db.display());
    let store = mudou_store::Store::connect(&mudou_store::StoreConfig::new(url.clone()))
        .await
        .unwrap();
    let audit = store
        .audit_order(OrderId::new(order), now_millis())
        .await
        .unwrap();
    store.close().await;
    let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut c)
        .await
        .unwrap();
    assert_eq!(integrity, "ok", "the database after the cuts");
    let labels: Vec<(String, i64, Option<String>)> = sqlx::query_as(LABELS_SQL)
        .bind(order)
        .fetch_all(&mut c)
        .await
        .unwrap();
    let pieces: Vec<(i64, i64)> = sqlx::query_as(PIECES_SQL)
        .bind(order)
        .fetch_all(&mut c)
        .await
        .unwrap();
    let pay: Vec<(i64, i64, String)> = sqlx::query_as(PAY_SQL)
        .bind(order)
        .fetch_all(&mut c)
        .await
        .unwrap();
    Stored {
        labels: labels.into_iter().map(|(u, i, a)| (u, (i, a))).collect(),
        pieces: pieces.into_iter().collect(),
        pay: pay.into_iter().map(|(i, n, s)| (i, (n, s))).collect(),
        audit,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(mudou_powercut_tests),
    ignore = "MUDOU_TEST_POWERCUT was not set when the tests were built (needs FUSE and fusepy)"
)]
async fn sqlite_power_cut() {
    if let Some(why) = fuse_missing() {
        return unavailable(&format!("the power-cut filesystem cannot run: {why}"));
    }
    // Each cut keeps this share of the unsynced writes (written back in any order, 4 KiB
    // blocks, so a log frame can be torn): none, then some, most, a few.
    const KEEP: [f64; 4] = [0.0, 0.5, 0.9, 0.1];
    const CUTS: usize = KEEP.len();
    const ANNOTATORS: usize = 16;
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let backing = dir.path().join("backing");
    let mnt = dir.path().join("mnt");
    let log = dir.path().join("serve.log");
    std::fs::create_dir_all(backing.join("data")).unwrap();
    // The order and its people are written straight to the backing folder (durable), then
    // the folder is mounted through the filesystem that loses unsynced writes.
    let (order, cookies) = seed(
        Settings::for_data_dir(backing.join("data")),
        4000,
        ANNOTATORS,
    )
    .await;
    // Mounting is the first thing that can fail for want of FUSE here.
    if let Err(why) = check_the_cut(&backing, &mnt) {
        return unavailable(&why);
    }
    let first = match Mount::start(&backing, &mnt) {
        Ok(m) => m,
        Err(why) => return unavailable(&why),
    };
    let data = mnt.join("data");
    let data = data.to_str().unwrap().to_owned();
    let http = client();
    let mut all = Tally::default();
    let mut mount = Some(first);
    let mut cycle_acked = Vec::new();
    for cycle in 0..=CUTS {
        let mut m = match mount.take() {
            Some(m) => m,
            None => Mount::start(&backing, &mnt).unwrap(),
        };
        let mut server = Server::start(&["--data-dir", &data], log.clone()).await;
        // After a cut: what was acknowledged before it answers replay, and the outbox is
        // sent again.
        check_replays(&http, &server.url, &cycle_acked).await;
        let drained = drain_outbox(&http, &server.url, std::mem::take(&mut all.outbox)).await;
        eprintln!(
            "cycle {cycle}: {} acknowledged before the cut answer replay; outbox: {} stored now, {} were stored before the cut",
            cycle_acked.len(),
            drained.acked.len() - drained.replays,
            drained.replays
        );
        all.add(drained);
        let Some(&keep) = KEEP.get(cycle) else {
            // The last round: everything acknowledged, from every cycle, answers replay;
            // then one more cut before the database is read.
            check_replays(&http, &server.url, &all.acked).await;
            server.proc.kill();
            m.cut();
            server.proc.reap();
            break;
        };
        let stop = Arc::new(AtomicBool::new(false));
        let acked_now = Arc::new(AtomicUsize::new(0));
        let load_started = Instant::now();
        let tasks: Vec<_> = cookies
            .iter()
            .enumerate()
            .map(|(i, c)| {
                tokio::spawn(annotate(
                    http.clone(),
                    vec![server.url.clone()],
                    c.clone(),
                    (cycle * 1000 + i + 1) as u64,
                    stop.clone(),
                    acked_now.clone(),
                ))
            })
            .collect();
        // Mid-load: after some hundreds of labels and a varying while more.
        let want = 150 + 100 * cycle;
        while acked_now.load(Ordering::Relaxed) < want
            && load_started.elapsed() < Duration::from_secs(60)
        {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        tokio::time::sleep(Duration::from_millis(37 * cycle as u64 + 11)).await;
        // The power cut: the server and the disk's unsynced writes go at once (all of
        // them, or all but a random share written back just before).
        server.proc.kill();
        m.cut_keeping(keep, cycle as u64 + 7);
        server.proc.reap();
        stop.store(true, Ordering::Relaxed);
        let mut round = Tally::default();
        for t in tasks {
            round.add(t.await.unwrap());
        }
        eprintln!(
            "cycle {cycle}: cut (keeping {:.0}% of the unsynced blocks) after {:.2} s of load, {} labels acknowledged ({} retries answered replay), {} posts unanswered",
            keep * 100.0,
            load_started.elapsed().as_secs_f64(),
            round.acked.len(),
            round.replays,
            round.outbox.len()
        );
        assert!(
            round.acked.len() >= want,
            "the load ran before the cut: {round:?}"
        );
        cycle_acked = round.acked.clone();
        all.add(round);
    }
    assert!(
        all.errors.is_empty(),
        "{} errors, e.g. {:?}",
        all.errors.len(),
        &all.errors[..all.errors.len().min(5)]
    );
    let stored = read_sqlite(&backing.join("data/mudou.db"), order).await;
    check_stored(&stored, &all.acked);
    eprintln!(
        "sqlite power cut: {CUTS} cuts, {} labels acknowledged and all there after them ({} labels stored), in {:.1} s",
        all.acked.len(),
        stored.labels.len(),
        started.elapsed().as_secs_f64()
    );
}

// -- PostgreSQL: two servers, one killed ------------------------------------------------

async fn read_postgres(url: &str, schema: &str, order: i64) -> Stored {
    use sqlx::Connection;
    let mut cfg = mudou_store::StoreConfig::new(url.to_owned());
    cfg.pg_schema = Some(schema.to_owned());
    let store = mudou_store::Store::connect(&cfg).await.unwrap();
    let audit = store
        .audit_order(OrderId::new(order), now_millis())
        .await
        .unwrap();
    store.close().await;
    let mut c = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::query(&format!("SET search_path TO \"{schema}\""))
        .execute(&mut c)
        .await
        .unwrap();
    let labels: Vec<(String, i64, Option<String>)> = sqlx::query_as(LABELS_SQL)
        .bind(order)
        .fetch_all(&mut c)
        .await
        .unwrap();
    let pieces: Vec<(i64, i64)> = sqlx::query_as(PIECES_SQL)
        .bind(order)
        .fetch_all(&mut c)
        .await
        .unwrap();
    let pay: Vec<(i64, i64, String)> = sqlx::query_as(PAY_SQL)
        .bind(order)
        .fetch_all(&mut c)
        .await
        .unwrap();
    Stored {
        labels: labels.into_iter().map(|(u, i, a)| (u, (i, a))).collect(),
        pieces: pieces.into_iter().collect(),
        pay: pay.into_iter().map(|(i, n, s)| (i, (n, s))).collect(),
        audit,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(mudou_pg_tests),
    ignore = "MUDOU_TEST_POSTGRES_URL was not set when the tests were built"
)]
async fn two_servers_one_postgresql_one_killed() {
    let Some(url) = std::env::var("MUDOU_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        return unavailable("MUDOU_TEST_POSTGRES_URL not set");
    };
    const ANNOTATORS: usize = 24;
    let started = Instant::now();
    let schema = format!("t_durable_{}", uuid::Uuid::new_v4().simple());
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::for_data_dir(dir.path().join("seed"));
    settings.database_url = url.clone().into();
    settings.database_schema = Some(schema.clone());
    settings.database_max_connections = 4;
    let (order, cookies) = seed(settings, 3000, ANNOTATORS).await;
    let log = dir.path().join("serve.log");
    let start = |n: &str| {
        let data = dir.path().join(n);
        let flags = [
            "--data-dir".to_owned(),
            data.to_str().unwrap().to_owned(),
            "--database-url".to_owned(),
            url.clone(),
            "--database-schema".to_owned(),
            schema.clone(),
        ];
        let log = log.clone();
        async move {
            let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
            Server::start(&flags, log).await
        }
    };
    let mut one = start("one").await;
    let two = start("two").await;
    let http = client();
    let stop = Arc::new(AtomicBool::new(false));
    let acked_now = Arc::new(AtomicUsize::new(0));
    // Half the annotators on the server that will be killed (they go on at the other),
    // half on the one that stays.
    let tasks: Vec<_> = cookies
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let urls = if i % 2 == 0 {
                vec![one.url.clone(), two.url.clone()]
            } else {
                vec![two.url.clone()]
            };
            tokio::spawn(annotate(
                http.clone(),
                urls,
                c.clone(),
                i as u64 + 1,
                stop.clone(),
                acked_now.clone(),
            ))
        })
        .collect();
    let wait_for = |n: usize, limit: Duration| {
        let acked_now = acked_now.clone();
        async move {
            let t = Instant::now();
            while acked_now.load(Ordering::Relaxed) < n && t.elapsed() < limit {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    };
    wait_for(400, Duration::from_secs(60)).await;
    let at_kill = acked_now.load(Ordering::Relaxed);
    let kill_at = started.elapsed();
    one.proc.kill();
    one.proc.reap();
    // Work goes on at the survivor.
    wait_for(at_kill + 400, Duration::from_secs(60)).await;
    stop.store(true, Ordering::Relaxed);
    let mut all = Tally::default();
    for t in tasks {
        all.add(t.await.unwrap());
    }
    assert!(
        all.errors.is_empty(),
        "{} errors, e.g. {:?}",
        all.errors.len(),
        &all.errors[..all.errors.len().min(5)]
    );
    assert!(
        all.outbox.is_empty(),
        "every post reached a server: {:?}",
        all.outbox
    );
    assert_eq!(
        all.failovers,
        ANNOTATORS / 2,
        "the killed server's annotators went on at the other"
    );
    assert!(
        all.acked.len() >= at_kill + 400,
        "work went on after the kill: {} acknowledged, {at_kill} at the kill",
        all.acked.len()
    );
    check_replays(&http, &two.url, &all.acked).await;
    let stored = read_postgres(&url, &schema, order).await;
    check_stored(&stored, &all.acked);
    drop(two);
    eprintln!(
        "two servers on PostgreSQL: one killed at {:.1} s with {at_kill} labels acknowledged; {} acknowledged in all ({} annotators failed over, {} retries answered replay), all there once and paid once, in {:.1} s",
        kill_at.as_secs_f64(),
        all.acked.len(),
        all.failovers,
        all.replays,
        started.elapsed().as_secs_f64()
    );
    use sqlx::Connection;
    let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
    sqlx::query(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
        .execute(&mut c)
        .await
        .unwrap();
}
