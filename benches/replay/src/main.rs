//! Replays real crowd sets through a real Mudou server (issue 32, item 1).
//!
//! For each set of `../shared/datasets` (`labels.csv`: task, worker, label; `gold.csv`:
//! task, label) and each live-consensus mode (`MUDOU_LIVE_SKILLS=off`: every worker at
//! the fixed accuracy 0.8; `on`: per-worker skills), a fresh server on a fresh database:
//! the client orders the set's gold-known tasks labelled as a text classification with
//! dynamic overlap, a share of them as the order's gold; simulated annotators, one per
//! real worker (the most active `--max-workers`), log in by PIN and work through the
//! order over HTTP as the web UI does, each answering as that real worker did (their real
//! label when they labelled the task, else one drawn from their confusion matrix against
//! gold). When nobody gets any more work, the client's JSONL export is read back and the
//! consensus compared with gold on the tasks that were not the order's gold.
//!
//! Writes nothing but to stdout (and progress to stderr); see `README.md`.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bench_harness::{Server, Session, wait_ready};
use clap::Parser;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng, rngs::StdRng};
use reqwest::Method;
use serde_json::{Value, json};

const ALL_SETS: &str =
    "adult_content2,bluebirds,dog,music_genre,product,rte,temp,weather_cf,web,wsd,zencrowd";
const PIN: &str = "2468";
const STAFF_PASSWORD: &str = "bench-staff-password";
const ADMIN: &str = "admin";
const ADMIN_PASSWORD: &str = "bench-admin-password";

#[derive(Parser, Debug, Clone)]
#[command(
    about = "Replays real crowd sets through a Mudou server: accuracy and labels per live-consensus mode"
)]
struct Args {
    /// The sets to replay, comma-separated (folders of `--datasets`).
    #[arg(long, default_value = ALL_SETS, value_delimiter = ',')]
    sets: Vec<String>,
    /// The values of `MUDOU_LIVE_SKILLS` to run, each on a fresh server and database.
    #[arg(long, default_value = "off,on", value_delimiter = ',')]
    modes: Vec<String>,
    /// The folder holding the sets (default: `../shared/datasets` beside the workspace).
    #[arg(long)]
    datasets: Option<PathBuf>,
    /// At most this many tasks per set (a seeded sample of the tasks with gold).
    #[arg(long)]
    max_tasks: Option<usize>,
    /// Simulated annotators per set: the most active real workers.
    #[arg(long, default_value_t = 50)]
    max_workers: usize,
    /// Dynamic overlap: labels every item gets first.
    #[arg(long, default_value_t = 2)]
    min: u32,
    /// Dynamic overlap: the most labels an item gets (default: the set's median labels
    /// per task, within 3..=5).
    #[arg(long)]
    max: Option<u32>,
    /// Dynamic overlap: the confidence at which an item stops asking.
    #[arg(long, default_value_t = 0.9)]
    target: f64,
    /// Share of the tasks that are the order's gold items (the rest are measured).
    #[arg(long, default_value_t = 0.07)]
    gold_frac: f64,
    /// Items per work unit.
    #[arg(long, default_value_t = 10)]
    unit_size: u32,
    /// Share of each unit that is gold.
    #[arg(long, default_value_t = 0.1)]
    gold_share: f64,
    /// Gold answers a worker needs for their own confusion matrix (else the pooled one).
    #[arg(long, default_value_t = 10)]
    min_gold: usize,
    /// Annotators working at the same time.
    #[arg(long, default_value_t = 6)]
    seats: usize,
    #[arg(long, default_value_t = 32)]
    seed: u64,
    /// Runs of each mode per set (seeds `seed`, `seed + 1`, …; modes interleaved); the
    /// figures are pooled over the runs.
    #[arg(long, default_value_t = 1)]
    repeats: u32,
    /// The server binary (default: target/release/mudou of this workspace).
    #[arg(long)]
    server_bin: Option<PathBuf>,
}

// ---------------------------------------------------------------- the crowd sets

/// A real worker as the simulation replays them.
struct RealWorker {
    /// Their labels in the set (the simulation's weight: busy people come more often).
    labels: usize,
    /// Gold tasks they answered (their confusion is their own from `--min-gold` on).
    gold_seen: usize,
    /// Their first real answer per task (class index).
    real: HashMap<String, usize>,
    /// `confusion[truth][answer]`, each row summing to 1.
    confusion: Vec<Vec<f64>>,
}

struct CrowdSet {
    name: String,
    classes: Vec<String>,
    /// The order's label keys, one per class.
    keys: Vec<String>,
    /// The tasks replayed (those with gold), and each one's true class.
    tasks: Vec<String>,
    truth: HashMap<String, usize>,
    /// The tasks that are the order's gold items.
    gold_items: HashSet<String>,
    /// The simulated annotators: the most active real workers.
    workers: Vec<RealWorker>,
    workers_in_set: usize,
    /// Share of the set's labels (on the replayed tasks) that the simulated workers gave.
    covered: f64,
    median_overlap: u32,
    pooled_users: usize,
}

fn read_rows(path: &Path, want: &[&str]) -> anyhow::Result<Vec<Vec<String>>> {
    let mut r = csv::Reader::from_path(path).with_context(|| path.display().to_string())?;
    let headers = r.headers()?.clone();
    let cols: Vec<usize> = want
        .iter()
        .map(|w| {
            headers
                .iter()
                .position(|h| h.trim() == *w)
                .with_context(|| format!("{}: no column {w}", path.display()))
        })
        .collect::<anyhow::Result<_>>()?;
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec?;
        out.push(cols.iter().map(|&c| rec[c].trim().to_owned()).collect());
    }
    Ok(out)
}

fn is_key(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 40
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

/// A uniform number in [0, 1) fixed by the run's seed, the worker and the task: in both
/// modes of a run the same worker answers the same task the same way (common random
/// numbers), so the modes differ only by the consensus and by who got which item.
fn answer_u(seed: u64, worker: usize, task: &str) -> f64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    (seed, worker, task).hash(&mut h);
    // splitmix64's finaliser, then the top 53 bits.
    let mut z = h.finish().wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// The class at `u` of a distribution given as weights summing to 1.
fn draw(mut u: f64, p: &[f64]) -> usize {
    for (i, w) in p.iter().enumerate() {
        if u < *w {
            return i;
        }
        u -= w;
    }
    p.len() - 1
}

fn load_set(dir: &Path, name: &str, args: &Args) -> anyhow::Result<CrowdSet> {
    let base = dir.join(name);
    let labels = read_rows(&base.join("labels.csv"), &["task", "worker", "label"])?;
    let gold = read_rows(&base.join("gold.csv"), &["task", "label"])?;
    let mut classes: BTreeSet<String> = labels.iter().map(|r| r[2].clone()).collect();
    classes.extend(gold.iter().map(|r| r[1].clone()));
    let mut classes: Vec<String> = classes.into_iter().collect();
    if classes.iter().all(|c| c.parse::<f64>().is_ok()) {
        classes.sort_by(|a, b| a.parse::<f64>().unwrap().total_cmp(&b.parse().unwrap()));
    }
    let k = classes.len();
    let class_of: HashMap<&str, usize> = classes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i))
        .collect();
    let mut keys: Vec<String> = classes.clone();
    let unique: HashSet<&String> = keys.iter().collect();
    if !keys.iter().all(|k| is_key(k)) || unique.len() != keys.len() {
        keys = (0..k).map(|i| format!("c{i}")).collect();
    }
    let truth: HashMap<String, usize> = gold
        .iter()
        .map(|r| (r[0].clone(), class_of[r[1].as_str()]))
        .collect();

    // Per worker: their first answer per task, and their answers on gold tasks.
    let mut by_worker: HashMap<String, HashMap<String, usize>> = HashMap::new();
    let mut count: HashMap<String, usize> = HashMap::new();
    let mut per_task: HashMap<&str, usize> = HashMap::new();
    for r in &labels {
        *count.entry(r[1].clone()).or_default() += 1;
        by_worker
            .entry(r[1].clone())
            .or_default()
            .entry(r[0].clone())
            .or_insert(class_of[r[2].as_str()]);
        *per_task.entry(r[0].as_str()).or_default() += 1;
    }
    let mut overlaps: Vec<usize> = per_task.values().copied().collect();
    overlaps.sort_unstable();
    let median_overlap = overlaps.get(overlaps.len() / 2).copied().unwrap_or(3) as u32;

    // The pooled confusion (every worker's gold answers), add-one smoothed.
    let mut pooled = vec![vec![1.0; k]; k];
    for answers in by_worker.values() {
        for (task, &a) in answers {
            if let Some(&t) = truth.get(task) {
                pooled[t][a] += 1.0;
            }
        }
    }
    let normalise = |m: &mut Vec<Vec<f64>>| {
        for row in m.iter_mut() {
            let s: f64 = row.iter().sum();
            row.iter_mut().for_each(|v| *v /= s);
        }
    };
    normalise(&mut pooled);

    // The most active workers (ties by name, so the choice is stable).
    let mut names: Vec<(usize, String)> = count.iter().map(|(w, n)| (*n, w.clone())).collect();
    names.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let workers_in_set = names.len();
    let mut pooled_users = 0;
    let workers: Vec<RealWorker> = names
        .into_iter()
        .take(args.max_workers)
        .map(|(n, w)| {
            let real = by_worker.get(&w).cloned().unwrap_or_default();
            let mut own = vec![vec![1.0; k]; k];
            let mut gold_seen = 0;
            for (task, &a) in &real {
                if let Some(&t) = truth.get(task) {
                    own[t][a] += 1.0;
                    gold_seen += 1;
                }
            }
            let confusion = if gold_seen >= args.min_gold {
                normalise(&mut own);
                own
            } else {
                pooled_users += 1;
                pooled.clone()
            };
            RealWorker {
                labels: n,
                gold_seen,
                real,
                confusion,
            }
        })
        .collect();

    // The tasks replayed: those with gold, a seeded sample of `--max-tasks`.
    let mut tasks: Vec<String> = truth.keys().cloned().collect();
    tasks.sort();
    let mut rng = StdRng::seed_from_u64(args.seed ^ 0x7a5c);
    tasks.shuffle(&mut rng);
    if let Some(m) = args.max_tasks {
        tasks.truncate(m);
    }
    let n_gold = ((tasks.len() as f64 * args.gold_frac).round() as usize)
        .max(5)
        .min(tasks.len() / 2);
    let gold_items: HashSet<String> = tasks[..n_gold].iter().cloned().collect();
    tasks.sort();
    let chosen: HashSet<&String> = tasks.iter().collect();
    let on_tasks: usize = labels.iter().filter(|r| chosen.contains(&r[0])).count();
    let covered_n: usize = workers
        .iter()
        .map(|w| w.real.keys().filter(|t| chosen.contains(t)).count())
        .sum();
    Ok(CrowdSet {
        name: name.to_owned(),
        classes,
        keys,
        truth,
        gold_items,
        covered: covered_n as f64 / on_tasks.max(1) as f64,
        tasks,
        workers,
        workers_in_set,
        median_overlap,
        pooled_users,
    })
}

// ---------------------------------------------------------------- the server

/// A server and the folder of its database (removed after the server stops).
struct Running {
    server: Server,
    _dir: tempfile::TempDir,
}

/// A fresh server on a fresh SQLite database, with `MUDOU_LIVE_SKILLS=mode`.
fn start_server(bin: &Path, mode: &str) -> anyhow::Result<Running> {
    let dir = tempfile::tempdir()?;
    let db_args = ["--data-dir".to_owned(), dir.path().display().to_string()];
    bench_harness::create_admin(bin, &db_args, ADMIN, ADMIN_PASSWORD)?;
    let server = bench_harness::serve(bin, &db_args, &[], &[("MUDOU_LIVE_SKILLS", mode)])?;
    Ok(Running { server, _dir: dir })
}

// ---------------------------------------------------------------- seeding

struct World {
    order_id: i64,
    client: Session,
    annotators: Vec<Session>,
    max: u32,
}

async fn seed(
    http: &reqwest::Client,
    url: &str,
    set: &CrowdSet,
    args: &Args,
) -> anyhow::Result<World> {
    let mut admin = Session::new(http, url);
    admin.login(ADMIN, ADMIN_PASSWORD).await?;
    let centre = admin
        .ok(
            Method::POST,
            "/api/v1/admin/centres",
            Some(json!({"name": "回放中心"})),
        )
        .await?["id"]
        .as_i64()
        .context("centre id")?;
    let org = admin
        .ok(
            Method::POST,
            "/api/v1/admin/orgs",
            Some(json!({"name": "回放客户"})),
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
                Some(json!({"username": who, "display_name": who, "role": role,
                            "password": STAFF_PASSWORD, field: id})),
            )
            .await?;
    }

    // The client uploads one text per task (the task id), the gold items' answers known.
    let mut client = Session::new(http, url);
    client.login("client", STAFF_PASSWORD).await?;
    let ds = client
        .ok(
            Method::POST,
            "/api/v1/datasets",
            Some(json!({"name": format!("回放 {}", set.name)})),
        )
        .await?["id"]
        .as_i64()
        .context("dataset id")?;
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["text", "label"])?;
    for t in &set.tasks {
        let known = if set.gold_items.contains(t) {
            set.keys[set.truth[t]].as_str()
        } else {
            ""
        };
        w.write_record([t.as_str(), known])?;
    }
    let form = reqwest::multipart::Form::new().part(
        "texts",
        reqwest::multipart::Part::bytes(w.into_inner()?)
            .file_name("texts.csv")
            .mime_str("text/csv")?,
    );
    let r = http
        .post(format!("{url}/api/v1/datasets/{ds}/files"))
        .header(reqwest::header::COOKIE, client.cookie_header())
        .multipart(form)
        .send()
        .await?;
    if !r.status().is_success() {
        bail!("upload: {} {}", r.status(), r.text().await?);
    }
    let labels: Vec<Value> = set
        .keys
        .iter()
        .zip(&set.classes)
        .enumerate()
        .map(|(i, (k, c))| {
            let name: String = c.chars().take(40).collect();
            json!({"key": k, "name_zh": name, "name_en": name, "colour": "#1e88e5",
                   "hotkey": (i < 10).then(|| ((i + 1) % 10).to_string())})
        })
        .collect();
    let max = args
        .max
        .unwrap_or(set.median_overlap.clamp(3, 5))
        .max(args.min);
    let spec = json!({
        "name": format!("回放 {}", set.name),
        "task_type": "text_classification",
        "labels": labels,
        "overlap": {"kind": "dynamic", "min": args.min, "max": max, "target": args.target},
        "gold_share": args.gold_share,
        "unit_size": args.unit_size,
        "piece_rate_fen": 3,
    });
    let order_id = client
        .ok(
            Method::POST,
            "/api/v1/orders",
            Some(json!({"dataset_id": ds, "spec": spec})),
        )
        .await?["id"]
        .as_i64()
        .context("order id")?;
    client
        .ok(
            Method::POST,
            &format!("/api/v1/orders/{order_id}/publish"),
            Some(json!({})),
        )
        .await?;

    // The lead enrols a device and adds one annotator per real worker; each logs in by PIN.
    let mut lead = Session::new(http, url);
    lead.login("lead", STAFF_PASSWORD).await?;
    lead.ok(
        Method::POST,
        "/api/v1/devices/enroll",
        Some(json!({"name": "回放机"})),
    )
    .await?;
    let device: Vec<(String, String)> = lead
        .cookies
        .iter()
        .filter(|(k, _)| k == "mudou_device")
        .cloned()
        .collect();
    let mut ids = Vec::new();
    for i in 0..set.workers.len() {
        let id = lead
            .ok(
                Method::POST,
                "/api/v1/centre/annotators",
                Some(json!({"display_name": format!("回放员{i:03}"), "pin": PIN})),
            )
            .await?["id"]
            .as_i64()
            .context("annotator id")?;
        ids.push(id);
    }
    // Each login checks an Argon2 hash: a few at a time.
    let gate = Arc::new(tokio::sync::Semaphore::new(4));
    let logins: Vec<_> = ids
        .into_iter()
        .map(|id| {
            let mut s = Session::new(http, url);
            s.cookies = device.clone();
            let gate = gate.clone();
            tokio::spawn(async move {
                let _permit = gate.acquire_owned().await?;
                s.ok(
                    Method::POST,
                    "/api/v1/auth/pin",
                    Some(json!({"user_id": id, "pin": PIN})),
                )
                .await?;
                anyhow::Ok(s)
            })
        })
        .collect();
    let mut annotators = Vec::new();
    for l in logins {
        annotators.push(l.await??);
    }
    Ok(World {
        order_id,
        client,
        annotators,
        max,
    })
}

// ---------------------------------------------------------------- the annotators

/// Who works next: shared by the seats.
struct Turns {
    rng: StdRng,
    /// Cumulative weights of the workers (their real label counts).
    weights: Vec<f64>,
    busy: Vec<bool>,
    /// Paused by a quality rule: no more work for them.
    paused: Vec<bool>,
    /// Workers who found nothing since the last unit was submitted. When every one not
    /// paused has, and no seat is working, the order has no more work.
    tried: HashSet<usize>,
    /// Seats working (asking for, labelling or submitting a unit).
    holding: usize,
    done: bool,
}

enum Pick {
    Worker(usize),
    Wait,
    Done,
}

impl Turns {
    fn pick(&mut self) -> Pick {
        if self.done {
            return Pick::Done;
        }
        let n = self.busy.len();
        let active: Vec<usize> = (0..n).filter(|&w| !self.paused[w]).collect();
        if active.is_empty() {
            self.done = true;
            return Pick::Done;
        }
        if !self.tried.is_empty() {
            // Looking for anyone with work left: each in turn, not by weight.
            if active.iter().all(|w| self.tried.contains(w)) {
                if self.holding == 0 {
                    self.done = true;
                    return Pick::Done;
                }
                return Pick::Wait;
            }
            return match active
                .iter()
                .find(|&&w| !self.busy[w] && !self.tried.contains(&w))
            {
                Some(&w) => {
                    self.busy[w] = true;
                    self.holding += 1;
                    Pick::Worker(w)
                }
                None => Pick::Wait,
            };
        }
        let total = *self.weights.last().unwrap_or(&0.0);
        for _ in 0..64 {
            let u = self.rng.random::<f64>() * total;
            let w = self.weights.partition_point(|c| *c <= u).min(n - 1);
            if !self.busy[w] && !self.paused[w] {
                self.busy[w] = true;
                self.holding += 1;
                return Pick::Worker(w);
            }
        }
        Pick::Wait
    }
}

#[derive(Default)]
struct Tally {
    posted: u64,
    units: u64,
    errors: Vec<String>,
}

/// Labels one unit as worker `w`; `Ok(None)` when there was nothing for them (with the reason).
#[allow(clippy::too_many_arguments)]
async fn work_one(
    s: &mut Session,
    w: usize,
    run_seed: u64,
    who: &RealWorker,
    set: &CrowdSet,
    rng: &mut StdRng,
    tally: &Arc<Mutex<Tally>>,
) -> anyhow::Result<Option<String>> {
    let r = s.send(Method::GET, "/api/v1/work/next", None).await?;
    if !r.status.is_success() {
        bail!("next: {} {}", r.status, r.body);
    }
    if r.body["status"] != "assigned" {
        return Ok(Some(
            r.body["reason"].as_str().unwrap_or("nothing").to_owned(),
        ));
    }
    let a = &r.body["assignment"];
    let aid = a["id"].as_i64().context("assignment id")?;
    let items: Vec<(i64, String)> = a["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|i| i["answer"].is_null() && i["skip_reason"].is_null())
        .filter_map(|i| Some((i["item_id"].as_i64()?, i["text"].as_str()?.to_owned())))
        .collect();
    let mut posted = 0;
    for (item, task) in items {
        let t = *set
            .truth
            .get(&task)
            .with_context(|| format!("an item not of the set: {task}"))?;
        let class = match who.real.get(&task) {
            Some(&c) => c,
            None => draw(answer_u(run_seed, w, &task), &who.confusion[t]),
        };
        let body = json!({"client_uuid": uuid::Uuid::new_v4().to_string(), "assignment_id": aid,
                          "item_id": item, "answer": {"label": set.keys[class]},
                          "duration_ms": rng.random_range(3000..9000)});
        let r = s
            .send(Method::POST, "/api/v1/work/labels", Some(&body))
            .await?;
        if !r.status.is_success() {
            // Paused in the middle of a unit, say: the rest of it is not theirs any more.
            tally.lock().unwrap().errors.push(format!(
                "label {} {}",
                r.status.as_u16(),
                r.body["error"]["code"]
            ));
            break;
        }
        posted += 1;
    }
    let r = s
        .send(
            Method::POST,
            &format!("/api/v1/work/assignments/{aid}/submit"),
            Some(&json!({})),
        )
        .await?;
    let mut t = tally.lock().unwrap();
    t.posted += posted;
    if r.status.is_success() {
        t.units += 1;
    } else {
        t.errors.push(format!(
            "submit {} {}",
            r.status.as_u16(),
            r.body["error"]["code"]
        ));
    }
    Ok(None)
}

async fn run_annotators(
    world: &mut World,
    set: &Arc<CrowdSet>,
    args: &Args,
    run_seed: u64,
) -> anyhow::Result<(Tally, usize)> {
    let mut acc = 0.0;
    let weights: Vec<f64> = set
        .workers
        .iter()
        .map(|w| {
            acc += w.labels as f64;
            acc
        })
        .collect();
    let n = set.workers.len();
    let turns = Arc::new(Mutex::new(Turns {
        rng: StdRng::seed_from_u64(run_seed),
        weights,
        busy: vec![false; n],
        paused: vec![false; n],
        tried: HashSet::new(),
        holding: 0,
        done: false,
    }));
    let sessions: Arc<Vec<tokio::sync::Mutex<(Session, StdRng)>>> = Arc::new(
        world
            .annotators
            .drain(..)
            .enumerate()
            .map(|(i, s)| {
                tokio::sync::Mutex::new((
                    s,
                    StdRng::seed_from_u64(run_seed.wrapping_mul(1_000_003) + i as u64),
                ))
            })
            .collect(),
    );
    let tally = Arc::new(Mutex::new(Tally::default()));
    let mut seats = Vec::new();
    for _ in 0..args.seats.max(1) {
        let (turns, sessions, tally, set) =
            (turns.clone(), sessions.clone(), tally.clone(), set.clone());
        seats.push(tokio::spawn(async move {
            loop {
                let pick = turns.lock().unwrap().pick();
                let w = match pick {
                    Pick::Done => return anyhow::Ok(()),
                    Pick::Wait => {
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        continue;
                    }
                    Pick::Worker(w) => w,
                };
                let mut guard = sessions[w].lock().await;
                let (s, rng) = &mut *guard;
                let res = work_one(s, w, run_seed, &set.workers[w], &set, rng, &tally).await;
                drop(guard);
                let mut t = turns.lock().unwrap();
                t.holding -= 1;
                t.busy[w] = false;
                match res? {
                    None => t.tried.clear(),
                    Some(reason) if reason == "paused" => {
                        t.paused[w] = true;
                    }
                    Some(reason) if reason == "busy" => {}
                    Some(_) => {
                        t.tried.insert(w);
                    }
                }
            }
        }));
    }
    for s in seats {
        s.await??;
    }
    let paused = turns.lock().unwrap().paused.iter().filter(|p| **p).count();
    let tally = std::mem::take(&mut *tally.lock().unwrap());
    Ok((tally, paused))
}

// ---------------------------------------------------------------- the figures

#[derive(Clone, Debug, Default)]
struct Figures {
    measured: usize,
    correct: usize,
    resolved: usize,
    resolved_correct: usize,
    escalated: usize,
    open: usize,
    no_answer: usize,
    labels: usize,
    gold_labels: usize,
    posted: u64,
    paused: usize,
    errors: usize,
    seconds: f64,
}

impl Figures {
    /// Pools another run's figures into these.
    fn add(&mut self, o: &Figures) {
        self.measured += o.measured;
        self.correct += o.correct;
        self.resolved += o.resolved;
        self.resolved_correct += o.resolved_correct;
        self.escalated += o.escalated;
        self.open += o.open;
        self.no_answer += o.no_answer;
        self.labels += o.labels;
        self.gold_labels += o.gold_labels;
        self.posted += o.posted;
        self.paused += o.paused;
        self.errors += o.errors;
        self.seconds += o.seconds;
    }
    fn accuracy(&self) -> f64 {
        self.correct as f64 / self.measured.max(1) as f64
    }
    fn resolved_accuracy(&self) -> f64 {
        self.resolved_correct as f64 / self.resolved.max(1) as f64
    }
    fn per_item(&self) -> f64 {
        self.labels as f64 / self.measured.max(1) as f64
    }
}

async fn read_back(world: &World, set: &CrowdSet) -> anyhow::Result<Figures> {
    let c = &world.client;
    let r = c
        .http
        .get(format!(
            "{}/api/v1/orders/{}/export?format=jsonl&include=all",
            c.url, world.order_id
        ))
        .header(reqwest::header::COOKIE, c.cookie_header())
        .send()
        .await?;
    if !r.status().is_success() {
        bail!("export: {} {}", r.status(), r.text().await?);
    }
    let key_class: HashMap<&str, usize> = set
        .keys
        .iter()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i))
        .collect();
    let mut f = Figures::default();
    for line in r.text().await?.lines() {
        let v: Value = serde_json::from_str(line)?;
        let task = v["text"].as_str().context("an item without its text")?;
        let answers = v["labels"]
            .as_array()
            .map_or(0, |l| l.iter().filter(|l| !l["answer"].is_null()).count());
        if v["is_gold"].as_bool().unwrap_or(false) {
            f.gold_labels += answers;
            continue;
        }
        f.measured += 1;
        f.labels += answers;
        let truth = set.truth[task];
        let got = v["answer"]["label"]
            .as_str()
            .and_then(|k| key_class.get(k).copied());
        let right = got == Some(truth);
        f.correct += right as usize;
        f.no_answer += got.is_none() as usize;
        match v["state"].as_str() {
            Some("resolved") => {
                f.resolved += 1;
                f.resolved_correct += right as usize;
            }
            Some("escalated") => f.escalated += 1,
            _ => f.open += 1,
        }
    }
    Ok(f)
}

async fn replay(
    http: &reqwest::Client,
    bin: &Path,
    set: &Arc<CrowdSet>,
    mode: &str,
    args: &Args,
    run_seed: u64,
) -> anyhow::Result<(Figures, u32)> {
    let started = Instant::now();
    let running = start_server(bin, mode)?;
    let url = &running.server.url;
    wait_ready(http, url).await?;
    let mut world = seed(http, url, set, args).await?;
    let seeded = started.elapsed().as_secs_f64();
    let (tally, paused) = run_annotators(&mut world, set, args, run_seed).await?;
    let mut f = read_back(&world, set).await?;
    f.posted = tally.posted;
    f.paused = paused;
    f.errors = tally.errors.len();
    f.seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "  {} {mode} (seed {run_seed}): seeded in {seeded:.1} s, {} labels posted in {} units, {:.1} s in all ({:.0} labels/s){}",
        set.name,
        tally.posted,
        tally.units,
        f.seconds,
        tally.posted as f64 / (f.seconds - seeded).max(0.001),
        if tally.errors.is_empty() {
            String::new()
        } else {
            format!(
                ", refused: {:?}",
                &tally.errors[..tally.errors.len().min(5)]
            )
        }
    );
    drop(running);
    Ok((f, world.max))
}

/// One run's figures on one line, for scripts.
fn result_line(set: &str, mode: &str, seed: u64, f: &Figures) -> String {
    format!(
        "RESULT set={set} mode={mode} seed={seed} measured={} accuracy={:.4} resolved_accuracy={:.4} labels={} \
         labels_per_item={:.3} gold_labels={} escalated={} open={} no_answer={} paused={} errors={} seconds={:.1}",
        f.measured,
        f.accuracy(),
        f.resolved_accuracy(),
        f.labels,
        f.per_item(),
        f.gold_labels,
        f.escalated,
        f.open,
        f.no_answer,
        f.paused,
        f.errors,
        f.seconds
    )
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(run(args))
}

async fn run(args: Args) -> anyhow::Result<()> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let bin = args
        .server_bin
        .clone()
        .unwrap_or_else(|| root.join("target/release/mudou"));
    if !bin.exists() {
        bail!(
            "no server binary at {} (run `cargo build --release -p mudou`)",
            bin.display()
        );
    }
    let dir = args
        .datasets
        .clone()
        .unwrap_or_else(|| root.join("../shared/datasets"));
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .timeout(Duration::from_secs(120))
        .build()?;
    println!(
        "== mudou replay: sets {}, modes {}, dynamic overlap min {} max {} target {}, gold {:.0}% of tasks, units of {} ({:.0}% gold), \
         at most {} workers and {} tasks per set, {} seats, seed {}",
        args.sets.join(","),
        args.modes.join(","),
        args.min,
        args.max.map_or("median(3..=5)".into(), |m| m.to_string()),
        args.target,
        args.gold_frac * 100.0,
        args.unit_size,
        args.gold_share * 100.0,
        args.max_workers,
        args.max_tasks.map_or("all".into(), |m| m.to_string()),
        args.seats,
        args.seed,
    );
    let mut rows: Vec<(String, Vec<(String, Figures)>)> = Vec::new();
    for name in &args.sets {
        let set = Arc::new(load_set(&dir, name, &args)?);
        let own = set
            .workers
            .iter()
            .filter(|w| w.gold_seen >= args.min_gold)
            .count();
        let mut per_mode: Vec<(String, Figures)> = args
            .modes
            .iter()
            .map(|m| (m.clone(), Figures::default()))
            .collect();
        let mut max = 0;
        let mut results = Vec::new();
        for r in 0..args.repeats.max(1) {
            let run_seed = args.seed.wrapping_add(u64::from(r));
            for (i, mode) in args.modes.iter().enumerate() {
                let (f, m) = replay(&http, &bin, &set, mode, &args, run_seed).await?;
                max = m;
                results.push(result_line(&set.name, mode, run_seed, &f));
                per_mode[i].1.add(&f);
            }
        }
        println!();
        println!(
            "== {}: {} tasks ({} gold items, {} measured), {} classes, {} of {} workers ({} with their own confusion, {} pooled; \
             they gave {:.0}% of the labels on these tasks), overlap {}..{} (set's median {})",
            set.name,
            set.tasks.len(),
            set.gold_items.len(),
            set.tasks.len() - set.gold_items.len(),
            set.classes.len(),
            set.workers.len(),
            set.workers_in_set,
            own,
            set.pooled_users,
            set.covered * 100.0,
            args.min,
            max,
            set.median_overlap,
        );
        if args.repeats > 1 {
            println!(
                "  pooled over {} runs per mode (counts are totals over the runs)",
                args.repeats
            );
        }
        println!(
            "  {:<6}{:>9}{:>11}{:>8}{:>12}{:>11}{:>10}{:>6}{:>8}{:>8}{:>8}",
            "mode",
            "accuracy",
            "acc(res.)",
            "labels",
            "labels/item",
            "gold lab.",
            "escalated",
            "open",
            "paused",
            "errors",
            "secs"
        );
        for (mode, f) in &per_mode {
            println!(
                "  {:<6}{:>9.4}{:>11.4}{:>8}{:>12.3}{:>11}{:>10}{:>6}{:>8}{:>8}{:>8.1}",
                mode,
                f.accuracy(),
                f.resolved_accuracy(),
                f.labels,
                f.per_item(),
                f.gold_labels,
                f.escalated,
                f.open,
                f.paused,
                f.errors,
                f.seconds
            );
        }
        if let [(m0, a), (m1, b), ..] = per_mode.as_slice() {
            println!(
                "  {:<6}{:>+9.4}{:>+11.4}{:>+8}{:>+12.3}{:>+11}{:>+10}",
                format!("{m1}-{m0}"),
                b.accuracy() - a.accuracy(),
                b.resolved_accuracy() - a.resolved_accuracy(),
                b.labels as i64 - a.labels as i64,
                b.per_item() - a.per_item(),
                b.gold_labels as i64 - a.gold_labels as i64,
                b.escalated as i64 - a.escalated as i64,
            );
        }
        for line in results {
            println!("{line}");
        }
        rows.push((set.name.clone(), per_mode));
    }

    // The summary: every set, and the averages over sets.
    println!();
    println!("== summary (accuracy on measured tasks; labels per measured item)");
    let mut head = format!("  {:<16}", "set");
    for m in &args.modes {
        head.push_str(&format!(
            "{:>12}{:>12}",
            format!("acc {m}"),
            format!("l/i {m}")
        ));
    }
    println!("{head}");
    let nm = args.modes.len();
    let mut sums = vec![(0.0, 0.0); nm];
    for (name, per_mode) in &rows {
        let mut line = format!("  {name:<16}");
        for (i, (_, f)) in per_mode.iter().enumerate() {
            line.push_str(&format!("{:>12.4}{:>12.3}", f.accuracy(), f.per_item()));
            sums[i].0 += f.accuracy();
            sums[i].1 += f.per_item();
        }
        println!("{line}");
    }
    let k = rows.len().max(1) as f64;
    let mut line = format!("  {:<16}", "average");
    for (a, l) in &sums {
        line.push_str(&format!("{:>12.4}{:>12.3}", a / k, l / k));
    }
    println!("{line}");
    if nm >= 2 {
        let (m0, m1) = (&args.modes[0], &args.modes[1]);
        let both = rows
            .iter()
            .filter(|(_, p)| {
                p[1].1.accuracy() >= p[0].1.accuracy() && p[1].1.labels <= p[0].1.labels
            })
            .count();
        let acc_ok = rows
            .iter()
            .filter(|(_, p)| p[1].1.accuracy() >= p[0].1.accuracy())
            .count();
        println!(
            "  {m1} vs {m0}: at least as accurate on {acc_ok} of {} sets; at least as accurate with no more labels on {both}; \
             average accuracy {:+.4}, average labels/item {:+.3}",
            rows.len(),
            (sums[1].0 - sums[0].0) / k,
            (sums[1].1 - sums[0].1) / k
        );
    }
    Ok(())
}
