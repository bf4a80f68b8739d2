//! The pay ledger's invariants, driven through the real `submit_label` (the labels'
//! transaction and its followers) with random answers, changes, skips, retries and
//! verdicts: every label's entries add up to what it earns as it stands, with one piece at
//! most; no entry ever changes; a balance is the sum of its entries; a retry changes
//! nothing; a pay run pays exactly the ledger, and a second one changes nothing. The
//! database itself refuses to update or delete an entry.

use mudou_domain::{CentreId, DatasetId, ItemState, OrderId, OrgId, Role, UserId};
use mudou_store::{
    ClosePeriod, ConsensusUpdate, ItemContent, LedgerEntry, NewCentre, NewItem, NewLabel, NewUser,
    OrderFields, OrderItemPlan, Store, SubmitOutcome, Windows,
};
use proptest::prelude::*;

use crate::TestDb;

const T0: i64 = 1_796_011_844_000;
const LEASE: i64 = 24 * 3_600_000;

pub struct World {
    pub centre: i64,
    pub annotators: Vec<i64>,
    pub order: i64,
    pub items: Vec<i64>,
    pub assignments: Vec<i64>,
    pub admin: i64,
}

/// Annotator `who`'s answer "a" to item `item` of their unit in `w`.
pub fn answer_a(
    w: &World,
    who: usize,
    item: usize,
    uuid: u64,
    client_ms: i64,
    pay_fen: i64,
    pay_on_submit: bool,
) -> NewLabel {
    NewLabel {
        client_uuid: format!("{uuid:032x}"),
        assignment_id: w.assignments[who],
        item_id: w.items[item],
        annotator_id: w.annotators[who],
        answer: Some(r#"{"label":"a"}"#.into()),
        skip_reason: None,
        client_ms,
        server_ms: 1,
        pay_fen,
        pay_on_submit,
        instructions_version: None,
        suggestion_id: None,
        suggestion_outcome: None,
    }
}

/// A centre with three annotators, and an open order of six text items (the last one
/// gold) in one unit that all three hold.
pub async fn world(store: &Store) -> World {
    let centre = store
        .create_centre(
            &NewCentre {
                name: "中心".into(),
                county: String::new(),
                province: String::new(),
                timezone: "Asia/Shanghai".into(),
            },
            T0,
        )
        .await
        .unwrap()
        .id;
    let org = store.create_org("客户", T0).await.unwrap().id;
    let user = |name: &str, role: Role| NewUser {
        username: (role != Role::Annotator).then(|| name.to_owned()),
        display_name: name.into(),
        role,
        centre_id: matches!(role, Role::Annotator).then_some(centre),
        org_id: (role == Role::Client).then_some(org),
        password_hash: (role != Role::Annotator).then(|| "x".into()),
        pin_hash: (role == Role::Annotator).then(|| "x".into()),
        skill_level: None,
    };
    let client = store
        .create_user(&user("client", Role::Client), T0)
        .await
        .unwrap()
        .id
        .get();
    let admin = store
        .create_user(&user("admin", Role::Admin), T0)
        .await
        .unwrap()
        .id
        .get();
    let mut annotators = Vec::new();
    for n in ["甲", "乙", "丙"] {
        annotators.push(
            store
                .create_user(&user(n, Role::Annotator), T0)
                .await
                .unwrap()
                .id
                .get(),
        );
    }
    let ds = store
        .create_dataset(OrgId::new(org), "d", UserId::new(client), T0)
        .await
        .unwrap()
        .id;
    let new_items: Vec<NewItem> = (0..6)
        .map(|i| NewItem {
            content: ItemContent::Text {
                body: format!("text {i}"),
            },
            file_name: String::new(),
            tag: String::new(),
            meta: "{}".into(),
            gold: None,
        })
        .collect();
    let items: Vec<i64> = store
        .add_items(DatasetId::new(ds), &[], &new_items, T0)
        .await
        .unwrap()
        .into_iter()
        .map(|i| match i {
            mudou_store::Inserted::New(id) | mudou_store::Inserted::Duplicate(id) => id,
        })
        .collect();
    let order = store
        .create_order(
            OrgId::new(org),
            DatasetId::new(ds),
            &OrderFields {
                name: "订单".into(),
                task_type: "text_classification".into(),
                spec: "{}".into(),
                priority: 5,
                deadline: None,
            },
            1,
            UserId::new(client),
            T0,
        )
        .await
        .unwrap()
        .id;
    let plan: Vec<OrderItemPlan> = items
        .iter()
        .enumerate()
        .map(|(i, id)| OrderItemPlan {
            item_id: *id,
            gold: (i == 5).then(|| r#"{"label":"a"}"#.to_owned()),
        })
        .collect();
    store
        .add_order_units(
            OrderId::new(order),
            &plan,
            std::slice::from_ref(&items),
            3,
            true,
            T0,
        )
        .await
        .unwrap();
    let mut assignments = Vec::new();
    for a in &annotators {
        let asg = store
            .lease_unit(
                OrderId::new(order),
                UserId::new(*a),
                CentreId::new(centre),
                T0,
                LEASE,
                10,
            )
            .await
            .unwrap()
            .expect("a unit for everyone");
        assignments.push(asg.id);
    }
    World {
        centre,
        annotators,
        order,
        items,
        assignments,
        admin,
    }
}

#[derive(Debug, Clone)]
enum Op {
    /// Annotator `who` answers item `item` (`None`: skips), the order paying `pay` fen for
    /// it; the consensus then says `resolved` with these agreements.
    Answer {
        who: usize,
        item: usize,
        answer: Option<u8>,
        pay: i64,
        resolved: bool,
        agrees: u8,
    },
    /// The `k`-th label sent so far is sent again (a retry). Only an answer's latest UUID is
    /// retried: dispatch keeps the newest UUID of a changed answer.
    Retry { k: usize },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..3usize, 0..6usize, prop_oneof![3 => (0..2u8).prop_map(Some), 1 => Just(None)],
              prop_oneof![Just(10i64), Just(30), Just(45)], any::<bool>(), any::<u8>())
            .prop_map(|(who, item, answer, pay, resolved, agrees)| Op::Answer { who, item, answer, pay, resolved, agrees }),
        1 => (0..64usize).prop_map(|k| Op::Retry { k }),
    ]
}

async fn all_entries(store: &Store) -> Vec<LedgerEntry> {
    store.ledger_entries(0, 1_000_000).await.unwrap()
}

async fn check(store: &Store, w: &World, before: &[LedgerEntry], now: i64) -> Vec<LedgerEntry> {
    let audit = store.ledger_audit().await.unwrap();
    assert!(audit.is_empty(), "labels out of balance: {audit:?}");
    let after = all_entries(store).await;
    assert!(
        after.len() >= before.len() && after[..before.len()] == *before,
        "an entry changed or vanished"
    );
    // Each worker's balance is the sum of their entries, and their month's earnings are
    // those entries plus what is still pending.
    let balances = store
        .ledger_balances(CentreId::new(w.centre))
        .await
        .unwrap();
    let windows = Windows {
        today: T0 - 86_400_000,
        week: T0 - 86_400_000,
        month: T0 - 86_400_000,
    };
    for a in &w.annotators {
        let sum: i64 = after
            .iter()
            .filter(|e| e.annotator_id == *a)
            .map(|e| e.amount_fen)
            .sum();
        let bal = balances.iter().find(|b| b.0 == *a).map_or(0, |b| b.1);
        assert_eq!(bal, sum);
        let s = store
            .earnings_summary(UserId::new(*a), windows)
            .await
            .unwrap();
        assert_eq!(s.confirmed_fen + s.paid_fen, sum, "owed + paid = balance");
        assert_eq!(
            s.month_fen,
            sum + s.pending_fen,
            "earned = entries + pending"
        );
    }
    let _ = now;
    after
}

async fn run(store: Store, ops: Vec<Op>) {
    let w = world(&store).await;
    let mut sent: Vec<NewLabel> = Vec::new();
    let mut entries = Vec::new();
    let mut now = T0;
    for op in ops {
        now += 1000;
        match op {
            Op::Answer {
                who,
                item,
                answer,
                pay,
                resolved,
                agrees,
            } => {
                let l = NewLabel {
                    client_uuid: format!("{:032x}", sent.len() + 1),
                    assignment_id: w.assignments[who],
                    item_id: w.items[item],
                    annotator_id: w.annotators[who],
                    answer: answer.map(|a| format!(r#"{{"label":"{}"}}"#, ["a", "b"][a as usize])),
                    skip_reason: answer.is_none().then(|| "unclear".to_owned()),
                    client_ms: 1500,
                    server_ms: 1,
                    pay_fen: if answer.is_some() { pay } else { 0 },
                    pay_on_submit: false,
                    instructions_version: None,
                    suggestion_id: None,
                    suggestion_outcome: None,
                };
                let out = store
                    .submit_label(&l, now, LEASE, |item| ConsensusUpdate {
                        state: if resolved {
                            ItemState::Resolved
                        } else {
                            ItemState::Open
                        },
                        answer: Some(r#"{"label":"a"}"#.into()),
                        confidence: Some(0.9),
                        needed: item.needed,
                        agrees: if resolved {
                            (0..item.answers.len())
                                .map(|i| agrees >> (i % 8) & 1 == 1)
                                .collect()
                        } else {
                            Vec::new()
                        },
                    })
                    .await
                    .unwrap();
                assert!(out.is_ok(), "{out:?}");
                sent.push(l);
            }
            Op::Retry { k } => {
                let latest: Vec<&NewLabel> = sent
                    .iter()
                    .enumerate()
                    .filter(|(i, l)| {
                        !sent[i + 1..]
                            .iter()
                            .any(|m| m.annotator_id == l.annotator_id && m.item_id == l.item_id)
                    })
                    .map(|(_, l)| l)
                    .collect();
                let Some(l) = latest.get(k % latest.len().max(1)).map(|l| (*l).clone()) else {
                    continue;
                };
                let count = all_entries(&store).await.len();
                let out = store
                    .submit_label(&l, now, LEASE, |_| unreachable!("a replay decides nothing"))
                    .await
                    .unwrap();
                assert!(
                    matches!(out, Ok(SubmitOutcome::Stored { replay: true, .. })),
                    "{out:?}"
                );
                assert_eq!(
                    all_entries(&store).await.len(),
                    count,
                    "a retry wrote entries"
                );
            }
        }
        entries = check(&store, &w, &entries, now).await;
    }
    // A pay run pays exactly the ledger; closing the month again changes nothing.
    let (start, end) = (T0 - 20 * 86_400_000, T0 + 10 * 86_400_000);
    let close = ClosePeriod {
        centre_id: w.centre,
        period: "2026-11".into(),
        start,
        end,
        by: w.admin,
        now: now + 1000,
    };
    let (run, created) = store.close_pay_run(&close).await.unwrap();
    assert!(created);
    let total: i64 = entries.iter().map(|e| e.amount_fen).sum();
    assert_eq!(run.total_fen, total);
    assert_eq!(run.entries, entries.len() as i64);
    let payroll = store.payroll(run.id).await.unwrap();
    assert_eq!(payroll.iter().map(|l| l.total_fen).sum::<i64>(), total);
    for l in &payroll {
        assert_eq!(l.gross_fen + l.adjustments_fen, l.total_fen);
    }
    let (again, created) = store
        .close_pay_run(&ClosePeriod {
            now: now + 5000,
            ..close
        })
        .await
        .unwrap();
    assert!(!created);
    assert_eq!(again, run);
    assert_eq!(store.payroll(run.id).await.unwrap(), payroll);
    check(&store, &w, &entries, now).await;
}

fn cases(n: u32) -> ProptestConfig {
    ProptestConfig {
        cases: n,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(cases(40))]
    #[test]
    fn ledger_invariants_sqlite(ops in prop::collection::vec(op(), 1..40)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let db = crate::sqlite().await;
            run(db.store.clone(), ops).await;
        });
    }
}

proptest! {
    #![proptest_config(cases(6))]
    #[test]
    #[cfg_attr(not(mudou_pg_tests), ignore = "MUDOU_TEST_POSTGRES_URL was not set when the tests were built")]
    fn ledger_invariants_postgres(ops in prop::collection::vec(op(), 1..30)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            if let Some(db) = crate::postgres().await {
                run(db.store.clone(), ops).await;
                crate::drop_schema(&db.url, db.schema.clone()).await;
            }
        });
    }
}

async fn tamper(db: &TestDb) {
    let w = world(&db.store).await;
    let l = NewLabel {
        client_uuid: "00000000000000000000000000000001".into(),
        assignment_id: w.assignments[0],
        item_id: w.items[0],
        annotator_id: w.annotators[0],
        answer: Some(r#"{"label":"a"}"#.into()),
        skip_reason: None,
        client_ms: 1000,
        server_ms: 1,
        pay_fen: 30,
        pay_on_submit: true,
        instructions_version: None,
        suggestion_id: None,
        suggestion_outcome: None,
    };
    db.store
        .submit_label(&l, T0 + 1, LEASE, |i| ConsensusUpdate {
            state: ItemState::Open,
            answer: None,
            confidence: None,
            needed: i.needed,
            agrees: vec![],
        })
        .await
        .unwrap()
        .unwrap();
    let entries = all_entries(&db.store).await;
    assert_eq!(entries.len(), 1, "paid on submit: one piece");
    let id = entries[0].id;
    for sql in [
        format!("UPDATE ledger_entries SET amount_fen = 1000 WHERE id = {id}"),
        format!("DELETE FROM ledger_entries WHERE id = {id}"),
        // A reversal must mirror what it reverses.
        format!(
            "INSERT INTO ledger_entries (annotator_id, centre_id, kind, amount_fen, label_id, order_id, labels_delta, \
             reverses_id, reason, work_at, created_at) VALUES ({a}, {c}, 'reversal', -5, {l}, {o}, -1, {id}, 'x', 1, 1)",
            a = w.annotators[0],
            c = w.centre,
            l = entries[0].label_id.unwrap(),
            o = w.order
        ),
        // One piece per label.
        format!(
            "INSERT INTO ledger_entries (annotator_id, centre_id, kind, amount_fen, label_id, order_id, labels_delta, \
             work_at, created_at) VALUES ({a}, {c}, 'piece', 30, {l}, {o}, 1, 1, 1)",
            a = w.annotators[0],
            c = w.centre,
            l = entries[0].label_id.unwrap(),
            o = w.order
        ),
    ] {
        let refused = db.raw(&sql).await;
        assert!(refused.is_err(), "the database let this through: {sql}");
    }
    assert_eq!(all_entries(&db.store).await, entries);
}

crate::both!(the_database_refuses_changes_to_the_ledger, |db| {
    tamper(&db).await;
});

/// Review verdicts and quality exclusions, as the team lead's code hands them on.
async fn review_and_pauses(db: &TestDb) {
    let store = &db.store;
    let w = world(store).await;
    let label = |who: usize, item: usize, uuid: u8, pay_on_submit: bool| {
        answer_a(&w, who, item, uuid.into(), 1000, 30, pay_on_submit)
    };
    let resolved = |agrees: bool| {
        move |i: &mudou_store::ItemLabels| ConsensusUpdate {
            state: ItemState::Resolved,
            answer: Some(r#"{"label":"a"}"#.into()),
            confidence: Some(0.9),
            needed: i.needed,
            agrees: vec![agrees; i.answers.len()],
        }
    };
    // a0 on item 0 (paid when accepted), a1 on item 1 (paid on submit).
    let l0 = label(0, 0, 1, false);
    let out = store
        .submit_label(&l0, T0 + 10, LEASE, resolved(true))
        .await
        .unwrap();
    let Ok(SubmitOutcome::Stored { label_id: id0, .. }) = out else {
        panic!("{out:?}")
    };
    let l1 = label(1, 1, 2, true);
    let out = store
        .submit_label(&l1, T0 + 20, LEASE, resolved(false))
        .await
        .unwrap();
    let Ok(SubmitOutcome::Stored { label_id: id1, .. }) = out else {
        panic!("{out:?}")
    };
    let balance = |who: usize| {
        let store = store.clone();
        let a = w.annotators[who];
        let centre = w.centre;
        async move {
            store
                .ledger_balances(CentreId::new(centre))
                .await
                .unwrap()
                .into_iter()
                .find(|b| b.0 == a)
                .map_or(0, |b| b.1)
        }
    };
    assert_eq!(balance(0).await, 30, "accepted by consensus");
    assert_eq!(
        balance(1).await,
        30,
        "paid on submit: a differing consensus does not take it back"
    );

    let verdict = |label_id: i64, who: usize, item: usize, agrees: bool| mudou_store::ItemFact {
        order_id: w.order,
        item_id: w.items[item],
        state_before: ItemState::Resolved,
        state: ItemState::Resolved,
        answer: Some(r#"{"label":"b"}"#.into()),
        confidence: Some(1.0),
        verdicts: vec![mudou_store::Verdict {
            label_id,
            annotator_id: w.annotators[who],
            agrees,
        }],
    };
    let review = |items: Vec<mudou_store::ItemFact>, now: i64| mudou_store::LabelEffects {
        now,
        items,
        reviewed_by: Some(w.admin),
        ..Default::default()
    };
    // A lead overrides both: both are rejected, whatever the pay policy.
    store
        .apply_effects(&review(
            vec![verdict(id0, 0, 0, false), verdict(id1, 1, 1, false)],
            T0 + 30,
        ))
        .await
        .unwrap();
    assert_eq!((balance(0).await, balance(1).await), (0, 0));
    let unpaid = store
        .unpaid_labels(UserId::new(w.annotators[0]), 0, i64::MAX, 10)
        .await
        .unwrap();
    assert_eq!(unpaid[0].reason, "rejected");
    // Accepted on a second look: paid again, by reversing the reversal.
    store
        .apply_effects(&review(vec![verdict(id0, 0, 0, true)], T0 + 40))
        .await
        .unwrap();
    assert_eq!(balance(0).await, 30);
    // Made in a quality-paused stretch: not paid, and it stays so whatever verdicts follow.
    store
        .apply_effects(&mudou_store::LabelEffects {
            now: T0 + 50,
            excluded: vec![mudou_store::Exclusion {
                label_id: id0,
                reason: "gold_accuracy".into(),
            }],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(balance(0).await, 0);
    store
        .apply_effects(&review(vec![verdict(id0, 0, 0, true)], T0 + 60))
        .await
        .unwrap();
    assert_eq!(balance(0).await, 0, "a paused stretch stays unpaid");
    let unpaid = store
        .unpaid_labels(UserId::new(w.annotators[0]), 0, i64::MAX, 10)
        .await
        .unwrap();
    assert_eq!(unpaid[0].reason, "paused:gold_accuracy");
    // The whole story is in the ledger, nothing changed, every reversal mirrors its entry.
    let entries = all_entries(store).await;
    let kinds: Vec<(&str, i64)> = entries
        .iter()
        .filter(|e| e.label_id == Some(id0))
        .map(|e| (e.kind.as_str(), e.amount_fen))
        .collect();
    assert_eq!(
        kinds,
        [
            ("piece", 30),
            ("reversal", -30),
            ("reversal", 30),
            ("reversal", -30)
        ]
    );
    let reasons: Vec<Option<&str>> = entries
        .iter()
        .filter(|e| e.label_id == Some(id0))
        .map(|e| e.reason.as_deref())
        .collect();
    assert_eq!(
        reasons,
        [
            None,
            Some("rejected"),
            Some("review"),
            Some("paused:gold_accuracy")
        ]
    );
    assert!(store.ledger_audit().await.unwrap().is_empty());
}

crate::both!(review_verdicts_and_pauses_move_pay, |db| {
    review_and_pauses(&db).await;
});
