//! Report time against the number of labels: the throughput reports and a worker's earnings
//! read rollups sized by hours × people of the window asked for, so they should take the
//! same time with 1M and with 10M labels in the database.
//!
//! `cargo xtask bench throughput` (or `cargo bench -p mudou-store --bench reports`). Options
//! (environment): `BENCH_SIZES=1000000,10000000` (labels), `BENCH_DIR` (where the SQLite
//! databases go; several GB for 10M; removed afterwards), `BENCH_RUNS=25`.
//!
//! Each database holds 4 centres × 50 annotators working 33,000 labels a day (one order a
//! day over 20,000 texts, three labels an item): 1M labels is 30 days of work, 10M is 300.
//! The labels, their pay standings and ledger entries are all there: the labels are written
//! straight into the tables and their facts are applied by the real followers
//! (`Store::apply_effects`, a day's labels in batches of 3,000), as dispatch would. The
//! reports then ask for the last 30 days (or today, or the last 7 days).

use std::time::{Duration, Instant};

use mudou_domain::{CentreId, ItemState, OrgId, UserId};
use mudou_store::{ItemFact, LabelEffects, LabelFact, Store, StoreConfig, Verdict, Windows};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sqlx::Connection;

const CENTRES: i64 = 4;
const PER_CENTRE: i64 = 50;
const ITEMS: i64 = 20_000;
const PER_DAY: i64 = 33_000;
const DAY_MS: i64 = 86_400_000;
/// 2026-12-01 00:00 in Shanghai: "today" ends here.
const END: i64 = 1_796_054_400_000;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let sizes: Vec<i64> = std::env::var("BENCH_SIZES")
        .unwrap_or_else(|_| "1000000,10000000".into())
        .split(',')
        .map(|s| s.trim().parse().expect("BENCH_SIZES: numbers"))
        .collect();
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(25);
    let base =
        std::env::var("BENCH_DIR").unwrap_or_else(|_| std::env::temp_dir().display().to_string());
    let mut table: Vec<(i64, Vec<(&'static str, Duration)>)> = Vec::new();
    for n in sizes {
        let dir = tempfile::Builder::new()
            .prefix("mudou-bench-")
            .tempdir_in(&base)
            .expect("a folder for the database");
        let url = format!("sqlite://{}", dir.path().join("bench.db").display());
        let started = Instant::now();
        let store = load(&url, n).await;
        eprintln!(
            "{n} labels loaded in {:.0} s ({:.1} GB on disk)",
            started.elapsed().as_secs_f64(),
            dir_size(dir.path()) as f64 / 1e9
        );
        let times = time_reports(&store, runs).await;
        for (name, t) in &times {
            eprintln!("  {name:<34}{:>9.2} ms", t.as_secs_f64() * 1000.0);
        }
        table.push((n, times));
        store.close().await;
    }
    println!("\nreport time (median of {runs} runs):");
    print!("{:<34}", "report");
    for (n, _) in &table {
        print!("{:>14}", format!("{} labels", human(*n)));
    }
    println!();
    if let Some((_, first)) = table.first() {
        for (i, (name, _)) in first.iter().enumerate() {
            print!("{name:<34}");
            for (_, t) in &table {
                print!("{:>11.2} ms", t[i].1.as_secs_f64() * 1000.0);
            }
            println!();
        }
    }
}

fn human(n: i64) -> String {
    if n % 1_000_000 == 0 {
        format!("{}M", n / 1_000_000)
    } else {
        format!("{}k", n / 1000)
    }
}

fn dir_size(p: &std::path::Path) -> u64 {
    std::fs::read_dir(p)
        .map(|d| {
            d.filter_map(|e| e.ok()?.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

async fn time_reports(store: &Store, runs: usize) -> Vec<(&'static str, Duration)> {
    let today = END - DAY_MS;
    let (from30, from7) = (END - 30 * DAY_MS, END - 7 * DAY_MS);
    let centres: Vec<CentreId> = (1..=CENTRES).map(CentreId::new).collect();
    let worker = UserId::new(CENTRES + 3); // an annotator of centre 1
    let centre = CentreId::new(1);
    let mut out = Vec::new();
    macro_rules! time {
        ($name:expr, $e:expr) => {{
            let mut ts = Vec::with_capacity(runs);
            for _ in 0..runs {
                let t = Instant::now();
                let r = $e.await.expect($name);
                ts.push(t.elapsed());
                std::hint::black_box(r);
            }
            ts.sort();
            out.push(($name, ts[ts.len() / 2]));
        }};
    }
    time!(
        "centre, hour by hour today",
        store.throughput_hours(&[centre], today, END)
    );
    time!(
        "centre, day by day (30 days)",
        store.throughput_days(&[centre], from30, END)
    );
    time!(
        "annotators (7 days)",
        store.throughput_workers(centre, from7, END)
    );
    time!(
        "all centres compared (30 days)",
        store.throughput_days(&centres, from30, END)
    );
    time!(
        "one centre's 30-day totals",
        store.throughput_window(centre, from30, END)
    );
    time!("client's cost per order", store.order_costs(OrgId::new(1)));
    time!("Prometheus centre totals", store.centre_totals());
    time!(
        "a worker's earnings summary",
        store.earnings_summary(
            worker,
            Windows {
                today,
                week: END - 7 * DAY_MS,
                month: from30
            }
        )
    );
    time!(
        "a worker's orders (month)",
        store.earnings_by_order(worker, from30, END)
    );
    out
}

/// A database with `n` labels of simulated work ending today.
async fn load(url: &str, n: i64) -> Store {
    let store = Store::open(&StoreConfig::new(url))
        .await
        .expect("the database opens");
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut c = sqlx::SqliteConnection::connect(url)
        .await
        .expect("a loader connection");
    // People, a client, a dataset of texts.
    let mut sql = String::from("BEGIN;");
    for cn in 1..=CENTRES {
        sql += &format!(
            "INSERT INTO centres (id, name, timezone, created_at) VALUES ({cn}, 'c{cn}', 'Asia/Shanghai', 0);"
        );
    }
    sql += "INSERT INTO orgs (id, name, created_at) VALUES (1, 'org', 0);";
    sql += "INSERT INTO users (id, username, display_name, role, org_id, password_hash, created_at) VALUES (1, 'client', 'client', 'client', 1, 'x', 0);";
    for cn in 1..=CENTRES {
        for k in 0..PER_CENTRE {
            let id = annotator(cn, k);
            sql += &format!(
                "INSERT INTO users (id, display_name, role, centre_id, pin_hash, created_at) VALUES ({id}, 'a{id}', 'annotator', {cn}, 'x', 0);"
            );
        }
    }
    sql += "INSERT INTO datasets (id, org_id, name, created_by, created_at) VALUES (1, 1, 'texts', 1, 0);";
    sql += &format!(
        "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {ITEMS}) \
         INSERT INTO items (id, dataset_id, kind, body, created_at) SELECT i, 1, 'text', 't' || i, 0 FROM s;"
    );
    sql += "COMMIT;";
    run(&mut c, &sql).await;
    let days = (n + PER_DAY - 1) / PER_DAY;
    let mut label_id: i64 = 0;
    let mut left = n;
    let people = CENTRES * PER_CENTRE;
    for d in 0..days {
        let day_start = END - (days - d) * DAY_MS;
        let order = d + 1;
        let today_labels = left.min(PER_DAY);
        left -= today_labels;
        // The day's order, a unit and an assignment per person.
        let mut sql = format!(
            "BEGIN; INSERT INTO orders (id, org_id, dataset_id, name, task_type, spec, state, priority, seed, created_by, \
             created_at, updated_at) VALUES ({order}, 1, 1, 'day {d}', 'text_classification', '{{}}', 'done', 5, 1, 1, {day_start}, {day_start});"
        );
        for p in 0..people {
            let id = order * 1000 + p;
            sql += &format!(
                "INSERT INTO work_units (id, order_id, seq, kind, slots, created_at) VALUES ({id}, {order}, {p}, 'base', 1, {day_start});\
                 INSERT INTO assignments (id, unit_id, order_id, annotator_id, centre_id, state, leased_at, lease_expires_at) \
                 VALUES ({id}, {id}, {order}, {a}, {cn}, 'submitted', {day_start}, {day_start});",
                a = annotator(p / PER_CENTRE + 1, p % PER_CENTRE),
                cn = p / PER_CENTRE + 1
            );
        }
        sql += "COMMIT;";
        run(&mut c, &sql).await;
        // The labels: three per item from three people of one centre, in working hours.
        let items = today_labels / 3;
        let mut batch: Vec<Row> = Vec::new();
        for i in 0..items {
            let item = i % ITEMS + 1;
            let cn = (i % CENTRES) + 1;
            let gold = i % 20 == 0;
            for j in 0..3 {
                let k = (i * 7 + j * 17) % PER_CENTRE;
                let who = annotator(cn, k);
                let p = (cn - 1) * PER_CENTRE + k;
                let at = day_start + 9 * 3_600_000 + rng.random_range(0..8 * 3_600_000);
                let ms = rng.random_range(1500..20_000);
                label_id += 1;
                let right = rng.random_bool(0.9);
                batch.push((label_id, item, who, order * 1000 + p, at, gold, right, ms));
            }
            if batch.len() >= 3000 || i + 1 == items {
                insert_labels(&mut c, order, &batch).await;
                apply(&store, order, &batch).await;
                batch.clear();
            }
        }
        if d % 10 == 9 || d + 1 == days {
            eprintln!("  day {}/{days}: {label_id} labels", d + 1);
        }
    }
    c.close().await.ok();
    store
}

async fn run(c: &mut sqlx::SqliteConnection, sql: &str) {
    sqlx::raw_sql(sql)
        .execute(&mut *c)
        .await
        .expect("setup SQL");
}

fn annotator(centre: i64, k: i64) -> i64 {
    100 + (centre - 1) * PER_CENTRE + k
}

/// A label: id, item, annotator, assignment, time, gold?, right?, milliseconds.
type Row = (i64, i64, i64, i64, i64, bool, bool, i64);

async fn insert_labels(c: &mut sqlx::SqliteConnection, order: i64, rows: &[Row]) {
    let mut tx = c.begin().await.expect("a transaction");
    for chunk in rows.chunks(2000) {
        let mut qb = sqlx::QueryBuilder::new(
            "INSERT INTO labels (id, client_uuid, order_id, item_id, annotator_id, centre_id, assignment_id, answer, \
             client_ms, server_ms, created_at, updated_at) ",
        );
        qb.push_values(chunk, |mut b, r| {
            let centre = (r.2 - 100) / PER_CENTRE + 1;
            b.push_bind(r.0)
                .push_bind(format!("u{}", r.0))
                .push_bind(order)
                .push_bind(r.1)
                .push_bind(r.2)
                .push_bind(centre)
                .push_bind(r.3)
                .push_bind(if r.6 {
                    "{\"label\":\"a\"}"
                } else {
                    "{\"label\":\"b\"}"
                })
                .push_bind(r.7)
                .push_bind(1i64)
                .push_bind(r.4)
                .push_bind(r.4);
        });
        qb.build().execute(&mut *tx).await.expect("labels");
    }
    tx.commit().await.expect("commit");
}

/// The labels' facts, as dispatch would hand them on: each label, then each item resolved
/// with every answer's verdict (gold items are checked on the way in).
async fn apply(store: &Store, order: i64, rows: &[Row]) {
    for chunk in rows.chunks(3000) {
        let now = chunk.iter().map(|r| r.4).max().unwrap_or(0);
        let mut fx = LabelEffects {
            now,
            ..Default::default()
        };
        for r in chunk {
            fx.labels.push(LabelFact {
                label_id: r.0,
                order_id: order,
                item_id: r.1,
                annotator_id: r.2,
                centre_id: (r.2 - 100) / PER_CENTRE + 1,
                assignment_id: r.3,
                is_gold: r.5,
                answer: Some(
                    if r.6 {
                        "{\"label\":\"a\"}"
                    } else {
                        "{\"label\":\"b\"}"
                    }
                    .into(),
                ),
                skip_reason: None,
                changed: false,
                gold_correct: r.5.then_some(r.6),
                client_ms: r.7,
                pay_fen: 6,
                pay_on_submit: false,
            });
        }
        for item in chunk.chunks(3).filter(|c| !c[0].5) {
            fx.items.push(ItemFact {
                order_id: order,
                item_id: item[0].1,
                state_before: ItemState::Open,
                state: ItemState::Resolved,
                answer: Some("{\"label\":\"a\"}".into()),
                confidence: Some(0.97),
                verdicts: item
                    .iter()
                    .map(|r| Verdict {
                        label_id: r.0,
                        annotator_id: r.2,
                        agrees: r.6,
                    })
                    .collect(),
            });
        }
        store.apply_effects(&fx).await.expect("the followers apply");
    }
}
