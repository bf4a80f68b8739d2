//! The throughput rollups' readers on a key with several rows. On PostgreSQL a key of
//! `tp_hours`, `tp_seconds` and `tp_orders` may have up to 16 rows (shards, one per
//! writing connection); every report must sum them and count people and hours once.
//! Here each rollup row is copied into a shard of its own (PostgreSQL) and the figures must
//! double while the counts of people and hours stay as they were. On SQLite (one row
//! per key) the same readers give the figures the labels made.

use mudou_store::ConsensusUpdate;

use crate::both;
use crate::ledger::{answer_a, world};

const T0: i64 = 1_796_011_844_000;
const LEASE: i64 = 24 * 3_600_000;

both!(readers_sum_every_shard_of_a_key, |db| {
    let store = &db.store;
    let w = world(store).await;
    // Two annotators answer the first two items: four labels of 10 fen, paid on submit.
    let mut n = 0;
    for who in 0..2 {
        for item in 0..2 {
            n += 1;
            let l = answer_a(&w, who, item, n, 2500, 10, true);
            let out = store
                .submit_label(&l, T0 + n as i64 * 1000, LEASE, |item| ConsensusUpdate {
                    state: mudou_domain::ItemState::Open,
                    answer: None,
                    confidence: None,
                    needed: item.needed,
                    agrees: Vec::new(),
                })
                .await
                .unwrap();
            assert!(out.is_ok(), "{out:?}");
        }
    }
    let (from, to) = (T0 - 3_600_000, T0 + 3_600_000);
    let centre = mudou_domain::CentreId::new(w.centre);
    let figures = || async {
        let hours = store.throughput_hours(&[centre], from, to).await.unwrap();
        let busy: Vec<_> = hours.into_iter().filter(|h| h.labels > 0).collect();
        assert_eq!(busy.len(), 1, "{busy:?}");
        let window = store.throughput_window(centre, from, to).await.unwrap();
        let workers = store.throughput_workers(centre, from, to).await.unwrap();
        let orders = store.centre_order_costs(centre).await.unwrap();
        let totals = store.centre_totals().await.unwrap();
        (
            (busy[0].labels, busy[0].active, busy[0].pay_fen),
            (window.labels, window.active),
            workers
                .iter()
                .map(|p| (p.labels, p.hours, p.pay_fen))
                .collect::<Vec<_>>(),
            orders
                .iter()
                .map(|o| (o.order_id, o.labels, o.pay_fen))
                .collect::<Vec<_>>(),
            totals
                .iter()
                .map(|t| (t.centre_id, t.labels, t.credited_fen))
                .collect::<Vec<_>>(),
        )
    };
    let once = figures().await;
    assert_eq!(once.0, (4, 2, 40));
    assert_eq!(once.1, (4, 2));
    assert_eq!(once.2, vec![(2, 1, 20), (2, 1, 20)]);
    assert_eq!(once.3, vec![(w.order, 4, 40)]);
    assert_eq!(once.4, vec![(w.centre, 4, 40)]);
    if db.store.backend() != mudou_store::Backend::Postgres {
        return;
    }
    // Every row gets a copy in a shard no writer uses (writers use 0–15; the labels above
    // may already have gone to several), so every key's figures double.
    for (table, cols) in [
        (
            "tp_hours",
            "centre_id, hour, annotator_id, labels, skips, answer_ms, gold_seen, gold_correct, \
             accepted, not_paid, resolved, pay_fen",
        ),
        ("tp_seconds", "centre_id, hour, bucket, n"),
        (
            "tp_orders",
            "order_id, centre_id, labels, skips, resolved, pay_fen, credited_fen, debited_fen",
        ),
    ] {
        let copied = db
            .raw(&format!(
                "INSERT INTO {table} ({cols}, shard) SELECT {cols}, shard + 16 FROM {table}"
            ))
            .await
            .unwrap();
        assert!(copied > 0, "{table} had rows");
    }
    let twice = figures().await;
    assert_eq!(twice.0, (8, 2, 80), "sums double, people count once");
    assert_eq!(twice.1, (8, 2));
    assert_eq!(twice.2, vec![(4, 1, 40), (4, 1, 40)], "hours count once");
    assert_eq!(twice.3, vec![(w.order, 8, 80)]);
    assert_eq!(twice.4, vec![(w.centre, 8, 80)]);
});
