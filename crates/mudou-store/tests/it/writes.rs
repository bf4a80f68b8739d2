//! The annotators' hot path. A batch of writes in which one job fails: the batch first runs
//! without savepoints, finds the failure, rolls back and runs again job by job. The others
//! must be stored exactly once, the failed one must leave nothing, and a retry of the whole
//! batch must change nothing. And the statistics PostgreSQL plans those writes and reads by.

use mudou_domain::{AssignmentId, Finish, OrderId, UserId};
use mudou_store::{FinishJob, SubmitOutcome, WriteConn, WriteDone, WriteJob, keep_open};

use crate::both;
use crate::ledger::{answer_a, world};

const T0: i64 = 1_796_011_844_000;
const LEASE: i64 = 24 * 3_600_000;

both!(a_failed_job_fails_alone, |db| {
    let store = &db.store;
    let w = world(store).await;
    let now = T0 + 60_000;
    let jobs = vec![
        WriteJob::Label(answer_a(&w, 0, 0, 1, 4_000, 10, true)),
        // Annotator 1 ends annotator 0's unit: refused.
        WriteJob::Finish(FinishJob {
            annotator_id: w.annotators[1],
            assignment_id: w.assignments[0],
            to: Finish::Submit,
            training: None,
        }),
        WriteJob::Label(answer_a(&w, 2, 1, 2, 4_000, 10, true)),
        WriteJob::Renew(w.annotators[1], w.assignments[1]),
    ];
    let check = |out: &[mudou_store::Result<WriteDone>], replay: bool| {
        assert_eq!(out.len(), 4);
        for k in [0, 2] {
            assert!(
                matches!(&out[k], Ok(WriteDone::Label(Ok(SubmitOutcome::Stored { replay: r, .. }))) if *r == replay),
                "job {k}: {:?}",
                out[k]
            );
        }
        assert!(out[1].is_err(), "another's unit was ended: {:?}", out[1]);
        match &out[3] {
            Ok(WriteDone::Renew(a)) => assert_eq!(a.lease_expires_at, now + LEASE),
            other => panic!("renewal: {other:?}"),
        }
    };
    let out = store
        .write_batch(&mut WriteConn::default(), &jobs, now, LEASE, keep_open)
        .await
        .unwrap();
    check(&out, false);
    // Stored once each; annotator 0's unit is still theirs and open.
    assert_eq!(store.answer_count(OrderId::new(w.order)).await.unwrap(), 2);
    let entries = store.ledger_entries(0, 1_000).await.unwrap();
    assert_eq!(entries.len(), 2, "{entries:?}");
    let a0 = store
        .get_assignment(
            UserId::new(w.annotators[0]),
            AssignmentId::new(w.assignments[0]),
        )
        .await
        .unwrap();
    assert_eq!(a0.state, "active");

    // The same batch again (a retry): the labels replay, nothing more is stored or paid.
    let out = store
        .write_batch(&mut WriteConn::default(), &jobs, now + 1, LEASE, |_, _| {
            unreachable!("a replay decides nothing")
        })
        .await
        .unwrap();
    assert_eq!(out.len(), 4);
    check(
        &out.into_iter()
            .enumerate()
            .map(|(k, r)| match (k, r) {
                // The renewal moved on by a millisecond.
                (3, Ok(WriteDone::Renew(mut a))) => {
                    a.lease_expires_at -= 1;
                    Ok(WriteDone::Renew(a))
                }
                (_, r) => r,
            })
            .collect::<Vec<_>>(),
        true,
    );
    assert_eq!(store.answer_count(OrderId::new(w.order)).await.unwrap(), 2);
    assert_eq!(store.ledger_entries(0, 1_000).await.unwrap(), entries);
});

// A table that grew since its statistics were taken is analyzed (PostgreSQL; SQLite plans
// from its indexes and has nothing to refresh), and then not again until it changes anew.
both!(grown_tables_are_analyzed, |db| {
    let store = &db.store;
    let first = store.refresh_statistics().await.unwrap();
    if store.backend() == mudou_store::Backend::Sqlite {
        assert!(first.is_empty());
        return;
    }
    assert!(!first.contains(&"orgs".to_owned()), "{first:?}");
    db.raw(
        "INSERT INTO orgs (name, created_at) SELECT 'org ' || g, 0 FROM generate_series(1, 1500) g",
    )
    .await
    .unwrap();
    // The counts of changed rows reach the statistics views within a second or so.
    let mut analyzed = Vec::new();
    for _ in 0..100 {
        analyzed = store.refresh_statistics().await.unwrap();
        if !analyzed.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(analyzed.contains(&"orgs".to_owned()), "{analyzed:?}");
    let again = store.refresh_statistics().await.unwrap();
    assert!(!again.contains(&"orgs".to_owned()), "{again:?}");
});

// A label uses up its own lease of the item, and renews its assignment's lease only once a
// twentieth of the lease has passed (not at every answer). A label naming someone else's
// assignment is refused and leaves that lease alone.
both!(labels_use_up_their_lease_and_renew_it_when_due, |db| {
    let store = &db.store;
    let w = &world(store).await; // every annotator leased the unit at T0
    let expiry = |who: usize| async move {
        store
            .get_assignment(
                UserId::new(w.annotators[who]),
                AssignmentId::new(w.assignments[who]),
            )
            .await
            .unwrap()
            .lease_expires_at
    };
    let leases = || async {
        store
            .audit_order(OrderId::new(w.order), T0)
            .await
            .unwrap()
            .leases
    };
    assert_eq!(leases().await, 18);
    let label = |job: mudou_store::NewLabel, now: i64| async move {
        let out = store
            .write_batch(
                &mut WriteConn::default(),
                &[WriteJob::Label(job)],
                now,
                LEASE,
                keep_open,
            )
            .await
            .unwrap();
        match out.into_iter().next() {
            Some(Ok(WriteDone::Label(r))) => r,
            other => panic!("a label's outcome: {other:?}"),
        }
    };

    // A minute in: stored, its item's lease used up, the assignment's lease not rewritten.
    let r = label(answer_a(w, 0, 0, 1, 4_000, 10, true), T0 + 60_000).await;
    assert!(
        matches!(r, Ok(SubmitOutcome::Stored { replay: false, .. })),
        "{r:?}"
    );
    assert_eq!(leases().await, 17);
    assert_eq!(expiry(0).await, T0 + LEASE);

    // Half the lease later: renewed to a full lease from now.
    let half = T0 + LEASE / 2;
    let r = label(answer_a(w, 0, 1, 2, 4_000, 10, true), half).await;
    assert!(
        matches!(r, Ok(SubmitOutcome::Stored { replay: false, .. })),
        "{r:?}"
    );
    assert_eq!(leases().await, 16);
    assert_eq!(expiry(0).await, half + LEASE);
    // Another annotator is still on the lease they took.
    assert_eq!(expiry(1).await, T0 + LEASE);

    // Annotator 1 names annotator 0's assignment: refused; annotator 0 keeps their lease.
    let mut theirs = answer_a(w, 0, 2, 3, 4_000, 10, true);
    theirs.annotator_id = w.annotators[1];
    let r = label(theirs, half + 1).await;
    assert!(r.is_err(), "{r:?}");
    assert_eq!(leases().await, 16);

    // The same label again (a retry): a replay, nothing used up or renewed.
    let r = label(answer_a(w, 0, 1, 2, 4_000, 10, true), half + LEASE / 4).await;
    assert!(
        matches!(r, Ok(SubmitOutcome::Stored { replay: true, .. })),
        "{r:?}"
    );
    assert_eq!(leases().await, 16);
    assert_eq!(expiry(0).await, half + LEASE);
    assert_eq!(store.answer_count(OrderId::new(w.order)).await.unwrap(), 2);
});
