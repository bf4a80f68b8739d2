//! Bounding-box consensus.

use mudou_consensus::bbox::{BBox, BoxLabel, BoxOptions, box_consensus};

fn b(task: u32, worker: u32, x0: f64, y0: f64, x1: f64, y1: f64) -> BoxLabel {
    BoxLabel {
        task,
        worker,
        class: 0,
        bbox: BBox::new(x0, y0, x1, y1),
    }
}

#[test]
fn three_workers_two_objects_one_straggler() {
    let boxes = [
        // object A near (0,0)-(10,10), object B near (20,20)-(30,30)
        b(0, 0, 0.0, 0.0, 10.0, 10.0),
        b(0, 0, 20.0, 20.0, 30.0, 30.0),
        b(0, 1, 21.0, 21.0, 31.0, 31.0),
        b(0, 1, 1.0, 1.0, 11.0, 11.0),
        b(0, 2, 0.0, 0.0, 10.0, 12.0),
        // worker 2 misses B but draws a spurious box
        b(0, 2, 50.0, 50.0, 55.0, 55.0),
    ];
    let r = box_consensus(&[], &boxes, None, &BoxOptions::default()).unwrap();
    assert_eq!(r.boxes.len(), 2);
    let a = r.boxes.iter().find(|c| c.bbox.x0 < 5.0).unwrap();
    assert_eq!(a.support, 3);
    assert_eq!(a.workers, vec![0, 1, 2]);
    assert!((a.bbox.x0 - 1.0 / 3.0).abs() < 1e-9);
    assert!((a.bbox.y1 - 11.0).abs() < 1e-9);
    assert!(a.mean_iou > 0.8 && a.mean_iou <= 1.0);
    let bb = r.boxes.iter().find(|c| c.bbox.x0 > 15.0).unwrap();
    assert_eq!(bb.support, 2);
    assert!(r.count_disagreements.is_empty()); // everyone drew 2 boxes

    // A worker who submitted no boxes makes the counts disagree.
    let r = box_consensus(&[(0, 3)], &boxes, None, &BoxOptions::default()).unwrap();
    assert_eq!(r.count_disagreements.len(), 1);
    assert_eq!(
        r.count_disagreements[0].counts,
        vec![(0, 2), (1, 2), (2, 2), (3, 0)]
    );
    // 4 submitters: need 3 -> only A survives.
    assert_eq!(r.boxes.len(), 1);
}

#[test]
fn skill_weights_move_the_average() {
    let boxes = [b(0, 0, 0.0, 0.0, 10.0, 10.0), b(0, 1, 2.0, 0.0, 12.0, 10.0)];
    let r = box_consensus(&[], &boxes, Some(&[3.0, 1.0]), &BoxOptions::default()).unwrap();
    assert_eq!(r.boxes.len(), 1);
    assert!((r.boxes[0].bbox.x0 - 0.5).abs() < 1e-12);
}

#[test]
fn invalid_boxes_are_errors() {
    let bad = [b(0, 0, 5.0, 0.0, 1.0, 1.0)];
    assert!(box_consensus(&[], &bad, None, &BoxOptions::default()).is_err());
    let nan = [b(0, 0, f64::NAN, 0.0, 1.0, 1.0)];
    assert!(box_consensus(&[], &nan, None, &BoxOptions::default()).is_err());
}
