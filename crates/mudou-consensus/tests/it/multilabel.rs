//! Multi-label aggregation.

use mudou_consensus::Method;
use mudou_consensus::multilabel::{MultiLabelAnswer, aggregate_multilabel};

fn a(task: u32, worker: u32, selected: &[u32]) -> MultiLabelAnswer {
    MultiLabelAnswer {
        task,
        worker,
        selected: selected.to_vec(),
    }
}

#[test]
fn each_label_is_a_yes_no_question() {
    let answers = [
        a(0, 0, &[0, 2]),
        a(0, 1, &[0]),
        a(0, 2, &[0, 2]),
        a(1, 0, &[]),
        a(1, 1, &[1]),
        a(1, 2, &[1, 1]),
    ];
    let r = aggregate_multilabel(2, 3, 3, &answers, Method::MajorityVote).unwrap();
    assert_eq!(r.selected, vec![vec![0, 2], vec![1]]);
    assert_eq!(r.per_label.len(), 3);
    assert!((r.probability[0] - 1.0).abs() < 1e-12); // task 0, label 0: 3/3
    assert!((r.probability[2] - 2.0 / 3.0).abs() < 1e-12); // task 0, label 2: 2/3
    for m in Method::ALL {
        let r = aggregate_multilabel(2, 3, 3, &answers, m).unwrap();
        assert_eq!(r.selected[0].first(), Some(&0), "{m}");
    }
    assert!(aggregate_multilabel(2, 3, 3, &[a(0, 0, &[3])], Method::MajorityVote).is_err());
}
