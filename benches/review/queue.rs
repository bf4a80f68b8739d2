//! The review queue and the quality page on a large order: how long a lead waits.
//!
//! `cargo xtask bench review` (or `cargo bench -p mudou-store --bench review`). Options
//! (environment): `BENCH_ITEMS=100000,1000000` (items of the one big order), `BENCH_DIR`
//! (where the SQLite databases go; removed afterwards), `BENCH_RUNS=25`.
//!
//! Each database holds 2 centres × 40 annotators and one order whose items each got three
//! labels from one centre's people over the last 10 days; 5% of the items are gold, 4% of the
//! others were escalated, 1% were flagged by the client. The labels are written straight into
//! the tables and their facts applied by the real followers (`Store::apply_effects`, batches
//! of 3,000 labels, as dispatch's group commit hands them on), so the review entries, verdicts
//! and quality figures are the ones the label path makes; the load rate is printed too.

use std::time::{Duration, Instant};

use mudou_domain::{CentreId, ItemId, ItemState, OrderId, OrgId, UserId};
use mudou_store::{ItemFact, LabelEffects, LabelFact, QueueFilter, Store, StoreConfig, Verdict};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sqlx::Connection;

const CENTRES: i64 = 2;
const PER_CENTRE: i64 = 40;
const DAYS: i64 = 10;
const DAY_MS: i64 = 86_400_000;
/// 2026-12-01 00:00 in Shanghai.
const END: i64 = 1_796_054_400_000;
const ORDER: i64 = 1;
const ORDER_ID: OrderId = OrderId::new(ORDER);
/// The centre every annotator works for.
const CENTRE: CentreId = CentreId::new(1);

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let sizes: Vec<i64> = std::env::var("BENCH_ITEMS")
        .unwrap_or_else(|_| "100000,1000000".into())
        .split(',')
        .map(|s| s.trim().parse().expect("BENCH_ITEMS: numbers"))
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
            .prefix("mudou-bench-review-")
            .tempdir_in(&base)
            .expect("a folder for the database");
        let url = format!("sqlite://{}", dir.path().join("bench.db").display());
        let started = Instant::now();
        let (store, applied) = load(&url, n).await;
        eprintln!(
            "{n} items ({} labels) loaded in {:.0} s; the followers took {:.1} s ({:.0} labels/s)",
            n * 3,
            started.elapsed().as_secs_f64(),
            applied.as_secs_f64(),
            (n * 3) as f64 / applied.as_secs_f64()
        );
        table.push((n, time_reads(&store, n, runs).await));
        store.close().await;
    }
    println!("\nlead's reads on one big order (median of {runs} runs, SQLite):");
    print!("{:<44}", "read");
    for (n, _) in &table {
        print!("{:>16}", format!("{} items", human(*n)));
    }
    println!();
    if let Some((_, first)) = table.first() {
        for (i, (name, _)) in first.iter().enumerate() {
            print!("{name:<44}");
            for (_, t) in &table {
                print!("{:>13.2} ms", t[i].1.as_secs_f64() * 1000.0);
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

async fn time_reads(store: &Store, n: i64, runs: usize) -> Vec<(&'static str, Duration)> {
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
    let page = |order_id: Option<i64>, reason: Option<&str>, offset: i64| QueueFilter {
        order_id,
        reason: reason.map(str::to_owned),
        limit: 20,
        offset,
    };
    time!(
        "queue, first page (20 items)",
        store.review_queue(CENTRE, &page(None, None, 0))
    );
    time!(
        "queue of the order, first page",
        store.review_queue(CENTRE, &page(Some(ORDER), None, 0))
    );
    time!(
        "queue, a page 1,000 items in",
        store.review_queue(CENTRE, &page(None, None, 1000))
    );
    time!(
        "queue, client flags only",
        store.review_queue(CENTRE, &page(None, Some("client_flag"), 0))
    );
    time!(
        "queue counts per order and reason",
        store.review_counts(CENTRE)
    );
    let rows = store
        .review_queue(CENTRE, &page(None, None, 0))
        .await
        .expect("a page");
    let items: Vec<ItemId> = rows.iter().map(|r| ItemId::new(r.item_id)).collect();
    time!(
        "one page's items, entries and answers",
        store.review_details(CENTRE, ORDER_ID, &items)
    );
    let since = END - 14 * DAY_MS;
    time!(
        "quality page: hourly figures (14 days)",
        store.centre_hourly_stats(CENTRE, since / 3_600_000)
    );
    time!(
        "quality page: per-order figures",
        store.centre_order_stats(CENTRE, since)
    );
    time!(
        "quality page: the order's answers (capped)",
        store.quality_labels(ORDER_ID, since, true, 100_000)
    );
    let sample = store
        .quality_labels(ORDER_ID, since, true, 100_000)
        .await
        .expect("a sample");
    let (lo, hi) = sample.item_range().unwrap_or((0, 0));
    time!(
        "quality page: the sample's final answers",
        store.quality_items(ORDER_ID, lo, hi)
    );
    time!("quality report: gold tally", store.gold_tally(ORDER_ID));
    time!(
        "quality report: answers counted",
        store.answer_count(ORDER_ID)
    );
    let _ = n;
    out
}

fn annotator(centre: i64, k: i64) -> i64 {
    100 + (centre - 1) * PER_CENTRE + k
}

/// A label: id, item, annotator, time, gold?, right?, milliseconds.
type Row = (i64, i64, i64, i64, bool, bool, i64);

/// One order of `n` items with three labels each; returns the store and the time the
/// followers took.
async fn load(url: &str, n: i64) -> (Store, Duration) {
    let store = Store::open(&StoreConfig::new(url))
        .await
        .expect("the database opens");
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let mut c = sqlx::SqliteConnection::connect(url)
        .await
        .expect("a loader connection");
    let start = END - DAYS * DAY_MS;
    let mut sql = String::from("BEGIN;");
    for cn in 1..=CENTRES {
        sql += &format!(
            "INSERT INTO centres (id, name, timezone, created_at) VALUES ({cn}, 'c{cn}', 'Asia/Shanghai', 0);"
        );
        sql += &format!(
            "INSERT INTO users (id, username, display_name, role, centre_id, password_hash, created_at) \
             VALUES ({}, 'lead{cn}', 'lead{cn}', 'lead', {cn}, 'x', 0);",
            10 + cn
        );
        for k in 0..PER_CENTRE {
            let id = annotator(cn, k);
            sql += &format!(
                "INSERT INTO users (id, display_name, role, centre_id, pin_hash, skill_level, created_at) \
                 VALUES ({id}, 'a{id}', 'annotator', {cn}, 'x', 'trainee', 0);"
            );
        }
    }
    sql += "INSERT INTO orgs (id, name, created_at) VALUES (1, 'org', 0);";
    sql += "INSERT INTO users (id, username, display_name, role, org_id, password_hash, created_at) VALUES (1, 'client', 'client', 'client', 1, 'x', 0);";
    sql += "INSERT INTO datasets (id, org_id, name, created_by, created_at) VALUES (1, 1, 'texts', 1, 0);";
    sql += &format!(
        "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) \
         INSERT INTO items (id, dataset_id, kind, body, created_at) SELECT i, 1, 'text', 't' || i, 0 FROM s;"
    );
    sql += &format!(
        "INSERT INTO orders (id, org_id, dataset_id, name, task_type, spec, state, priority, deadline, seed, created_by, \
         created_at, updated_at) VALUES ({ORDER}, 1, 1, 'big', 'text_classification', '{{}}', 'open', 5, {}, 1, 1, {start}, {start});",
        END + 3 * DAY_MS
    );
    sql += &format!(
        "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) \
         INSERT INTO order_items (order_id, item_id, is_gold, gold, state, labels_count, needed) \
         SELECT {ORDER}, i, i % 20 = 0, CASE WHEN i % 20 = 0 THEN '{{\"label\":\"a\"}}' END, 'open', 0, 3 FROM s;"
    );
    for cn in 1..=CENTRES {
        for k in 0..PER_CENTRE {
            let id = annotator(cn, k);
            sql += &format!(
                "INSERT INTO work_units (id, order_id, seq, kind, slots, created_at) VALUES ({id}, {ORDER}, {id}, 'base', 1, {start});\
                 INSERT INTO assignments (id, unit_id, order_id, annotator_id, centre_id, state, leased_at, lease_expires_at) \
                 VALUES ({id}, {id}, {ORDER}, {id}, {cn}, 'submitted', {start}, {start});"
            );
        }
    }
    sql += "COMMIT;";
    sqlx::raw_sql(&sql)
        .execute(&mut c)
        .await
        .expect("setup SQL");

    let mut applied = Duration::ZERO;
    let mut batch: Vec<Row> = Vec::new();
    let mut label_id = 0;
    for item in 1..=n {
        let cn = item % CENTRES + 1;
        let gold = item % 20 == 0;
        let at = start + (item - 1) * (DAYS * DAY_MS) / n;
        for j in 0..3 {
            let k = (item * 7 + j * 13) % PER_CENTRE;
            label_id += 1;
            let right = rng.random_bool(0.9);
            let ms = rng.random_range(2000..15_000);
            batch.push((label_id, item, annotator(cn, k), at + j, gold, right, ms));
        }
        if batch.len() >= 3000 || item == n {
            insert_labels(&mut c, &batch).await;
            let t = Instant::now();
            apply(&store, &batch).await;
            applied += t.elapsed();
            batch.clear();
        }
    }
    // The client flags 1% of the resolved items.
    for item in (7..=n).step_by(100) {
        if item % 20 != 0 {
            store
                .flag_item(
                    OrgId::new(1),
                    ORDER_ID,
                    ItemId::new(item),
                    UserId::new(1),
                    "looks wrong",
                    END,
                )
                .await
                .expect("a flag");
        }
    }
    c.close().await.ok();
    (store, applied)
}

async fn insert_labels(c: &mut sqlx::SqliteConnection, rows: &[Row]) {
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
                .push_bind(ORDER)
                .push_bind(r.1)
                .push_bind(r.2)
                .push_bind(centre)
                .push_bind(r.2)
                .push_bind(if r.5 {
                    "{\"label\":\"a\"}"
                } else {
                    "{\"label\":\"b\"}"
                })
                .push_bind(r.6)
                .push_bind(1i64)
                .push_bind(r.3)
                .push_bind(r.3);
        });
        qb.build().execute(&mut *tx).await.expect("labels");
    }
    let items: Vec<i64> = rows.iter().map(|r| r.1).collect();
    for chunk in items.chunks(900) {
        let list = chunk
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        sqlx::raw_sql(&format!(
            "UPDATE order_items SET labels_count = 3, state = CASE WHEN is_gold THEN 'open' \
             WHEN item_id % 25 = 3 THEN 'escalated' ELSE 'resolved' END, answer = '{{\"label\":\"a\"}}', confidence = 0.9 \
             WHERE order_id = {ORDER} AND item_id IN ({list})"
        ))
        .execute(&mut *tx)
        .await
        .expect("items");
    }
    tx.commit().await.expect("commit");
}

/// The labels' facts, as dispatch hands them on: each label (gold ones checked), then each
/// item resolved with every answer's verdict, or escalated (4%).
async fn apply(store: &Store, rows: &[Row]) {
    let now = rows.iter().map(|r| r.3).max().unwrap_or(0);
    let mut fx = LabelEffects {
        now,
        ..Default::default()
    };
    for r in rows {
        fx.labels.push(LabelFact {
            label_id: r.0,
            order_id: ORDER,
            item_id: r.1,
            annotator_id: r.2,
            centre_id: (r.2 - 100) / PER_CENTRE + 1,
            assignment_id: r.2,
            is_gold: r.4,
            answer: Some(
                if r.5 {
                    "{\"label\":\"a\"}"
                } else {
                    "{\"label\":\"b\"}"
                }
                .into(),
            ),
            skip_reason: None,
            changed: false,
            gold_correct: r.4.then_some(r.5),
            client_ms: r.6,
            pay_fen: 6,
            pay_on_submit: false,
        });
    }
    for item in rows.chunks(3).filter(|c| !c[0].4) {
        let escalated = item[0].1 % 25 == 3;
        fx.items.push(ItemFact {
            order_id: ORDER,
            item_id: item[0].1,
            state_before: ItemState::Open,
            state: if escalated {
                ItemState::Escalated
            } else {
                ItemState::Resolved
            },
            answer: Some("{\"label\":\"a\"}".into()),
            confidence: Some(if escalated { 0.55 } else { 0.95 }),
            verdicts: if escalated {
                Vec::new()
            } else {
                item.iter()
                    .map(|r| Verdict {
                        label_id: r.0,
                        annotator_id: r.2,
                        agrees: r.5,
                    })
                    .collect()
            },
        });
    }
    store.apply_effects(&fx).await.expect("the followers apply");
}
