//! Shapes: properties of the similarities (symmetric, 1 for the same, 0 apart), of the
//! matching (never two objects of one annotator together) and of the merges (identical
//! inputs give the input back).

use mudou_consensus::shapes::{
    Drawn, Keypoint, MaskSet, MatchOptions, Matching, Polygon, PreparedLine, PreparedShape, Rle,
    RotatedBox, ShapeSet, SkeletonSet, match_keypoints, match_masks, match_objects,
    match_objects_bounded, match_polygons, match_polygons_raster, merge_keypoints, oks_symmetric,
    polygon_iou, polygon_problem, rotated_box_iou,
};
use proptest::prelude::*;

/// A star-shaped polygon (never crossing itself): `n` points at increasing angles around
/// `(cx, cy)`, each at its own radius.
fn star() -> impl Strategy<Value = Polygon> {
    (
        20.0f64..200.0,
        20.0f64..200.0,
        proptest::collection::vec(5.0f64..20.0, 3..24),
    )
        .prop_map(|(cx, cy, radii)| {
            let n = radii.len();
            Polygon::new(
                radii
                    .iter()
                    .enumerate()
                    .map(|(i, r)| {
                        let a = std::f64::consts::TAU * i as f64 / n as f64;
                        [cx + r * a.cos(), cy + r * a.sin()]
                    })
                    .collect(),
            )
        })
}

fn shifted(p: &Polygon, dx: f64, dy: f64) -> Polygon {
    Polygon::new(p.exterior.iter().map(|c| [c[0] + dx, c[1] + dy]).collect())
}

fn mask() -> impl Strategy<Value = (u32, u32, Vec<u8>)> {
    (1u32..12, 1u32..12).prop_flat_map(|(h, w)| {
        (
            Just(h),
            Just(w),
            proptest::collection::vec(0u8..2, (h * w) as usize),
        )
    })
}

/// Annotators, and each object as `(annotator, points)`.
type Picture = (u32, Vec<(u32, Vec<[f64; 2]>)>);

/// One picture's objects: a few true shapes, each annotator's copy of each a few pixels off
/// (or left out), and a few objects of one annotator alone.
fn drawn_copies(points: usize) -> impl Strategy<Value = Picture> {
    let truth = proptest::collection::vec(
        (
            20.0f64..200.0,
            20.0f64..200.0,
            proptest::collection::vec(5.0f64..25.0, points..=points),
        ),
        1..6,
    );
    let jitter = proptest::collection::vec((-6.0f64..6.0, -6.0f64..6.0, 0u8..5), 30);
    let extra = proptest::collection::vec((0u32..5, star()), 0..4);
    (1u32..6, truth, jitter, extra).prop_map(move |(n, truth, jitter, extra)| {
        let ring = |(cx, cy, radii): &(f64, f64, Vec<f64>), dx: f64, dy: f64| -> Vec<[f64; 2]> {
            radii
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let a = std::f64::consts::TAU * i as f64 / radii.len() as f64;
                    [cx + dx + r * a.cos(), cy + dy + r * a.sin()]
                })
                .collect()
        };
        let mut out = Vec::new();
        let mut k = 0;
        for w in 0..n {
            for t in &truth {
                let (dx, dy, skip) = jitter[k % jitter.len()];
                k += 1;
                if skip > 0 {
                    out.push((w, ring(t, dx, dy)));
                }
            }
        }
        for (w, p) in extra {
            out.push((w % n, p.exterior));
        }
        (n, out)
    })
}

fn drawn(objs: &[(u32, Vec<[f64; 2]>)]) -> Vec<Drawn> {
    objs.iter()
        .map(|o| Drawn {
            worker: o.0,
            class: 0,
        })
        .collect()
}

/// The clusters as member lists with their best members, sorted.
fn clusters(m: &Matching) -> Vec<(Vec<usize>, usize)> {
    let mut v: Vec<(Vec<usize>, usize)> = m
        .clusters
        .iter()
        .chain(&m.rejected)
        .map(|c| (c.members.clone(), c.best))
        .collect();
    v.sort();
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The prefilters never change a matching: with each kind's bound the outcome is the
    /// same, to the bit, as asking every similarity.
    #[test]
    fn prefilters_never_change_the_matching(
        (n, objs) in drawn_copies(8),
        threshold in 0.1f64..0.9,
    ) {
        let workers: Vec<u32> = (0..n).collect();
        let ds = drawn(&objs);
        let opts = MatchOptions { threshold, min_support: None };
        let polys: Vec<Polygon> = objs.iter().map(|o| Polygon::new(o.1.clone())).collect();
        let set = ShapeSet::new(polys.iter().map(std::slice::from_ref));
        let all = match_objects(&workers, &ds, |i, j| set.iou(i, j), &opts).unwrap();
        let bounded = match_objects_bounded(&workers, &ds, |i, j| set.iou(i, j), |i, j| set.iou_bound(i, j) + 1e-4, &opts).unwrap();
        prop_assert_eq!(&all, &bounded);
        let list: Vec<(Drawn, &[Polygon])> = ds.iter().zip(&polys).map(|(d, p)| (*d, std::slice::from_ref(p))).collect();
        prop_assert_eq!(&match_polygons(&workers, &list, &opts).unwrap(), &bounded);
        // And the same clusters as every pair through `geo`, with no prefilter.
        let prepared: Vec<PreparedShape> = polys.iter().map(|p| PreparedShape::new(std::slice::from_ref(p))).collect();
        let geo_way = match_objects(&workers, &ds, |i, j| prepared[i].iou(&prepared[j]), &opts).unwrap();
        prop_assert_eq!(clusters(&geo_way), clusters(&bounded));
        prop_assert!((geo_way.agreement - bounded.agreement).abs() < 1e-6);

        let masks: Vec<Rle> = polys.iter().map(|p| Rle::from_polygon(p, 230, 230)).collect();
        let set = MaskSet::new(&masks);
        let all = match_objects(&workers, &ds, |i, j| masks[i].iou(&masks[j]), &opts).unwrap();
        let bounded = match_objects_bounded(&workers, &ds, |i, j| set.iou(i, j), |i, j| set.iou_bound(i, j), &opts).unwrap();
        prop_assert_eq!(&all, &bounded);
        let list: Vec<(Drawn, &Rle)> = ds.iter().zip(&masks).collect::<Vec<_>>().into_iter().map(|(d, m)| (*d, m)).collect();
        prop_assert_eq!(&match_masks(&workers, &list, &opts).unwrap(), &all);

        // Skeletons: the outlines' points as keypoints, every third left out.
        let sigmas = [0.05, 0.08, 0.03, 0.1, 0.05, 0.07, 0.06, 0.04];
        let skeletons: Vec<Vec<Keypoint>> = objs
            .iter()
            .map(|o| o.1.iter().enumerate().map(|(i, p)| Keypoint { x: p[0], y: p[1], v: if (i + o.0 as usize).is_multiple_of(3) { 0 } else { 2 } }).collect())
            .collect();
        let set = SkeletonSet::new(skeletons.iter().map(|k| k.as_slice()), &sigmas);
        let all = match_objects(&workers, &ds, |i, j| oks_symmetric(&skeletons[i], &skeletons[j], &sigmas), &opts).unwrap();
        let bounded = match_objects_bounded(&workers, &ds, |i, j| set.oks(i, j), |i, j| set.oks_bound(i, j), &opts).unwrap();
        prop_assert_eq!(&all, &bounded);
        let list: Vec<(Drawn, &[Keypoint])> = ds.iter().zip(&skeletons).map(|(d, k)| (*d, k.as_slice())).collect();
        prop_assert_eq!(&match_keypoints(&workers, &list, &sigmas, &opts).unwrap(), &all);
    }

    /// Each prepared similarity is the plain one (the polygons' to about 1e-6: one grid for
    /// the picture instead of one a pair) and never over its bound.
    #[test]
    fn prepared_similarities_are_the_plain_ones((_n, objs) in drawn_copies(12)) {
        let polys: Vec<Polygon> = objs.iter().map(|o| Polygon::new(o.1.clone())).collect();
        let set = ShapeSet::new(polys.iter().map(std::slice::from_ref));
        let masks: Vec<Rle> = polys.iter().map(|p| Rle::from_polygon(p, 230, 230)).collect();
        let mset = MaskSet::new(&masks);
        let sigmas = [0.05; 12];
        let skeletons: Vec<Vec<Keypoint>> = objs
            .iter()
            .map(|o| o.1.iter().map(|p| Keypoint { x: p[0], y: p[1], v: 2 }).collect())
            .collect();
        let kset = SkeletonSet::new(skeletons.iter().map(|k| k.as_slice()), &sigmas);
        for i in 0..polys.len() {
            let b = masks[i].bbox();
            let decoded = masks[i].decode();
            let inside: Vec<(u32, u32)> = (0..230u32).flat_map(|y| (0..230u32).map(move |x| (x, y))).filter(|&(x, y)| decoded[(y * 230 + x) as usize] == 1).collect();
            match b {
                None => prop_assert!(inside.is_empty()),
                Some(b) => {
                    prop_assert!(inside.iter().all(|&(x, y)| (b[0]..=b[2]).contains(&x) && (b[1]..=b[3]).contains(&y)));
                    prop_assert!(inside.iter().any(|p| p.0 == b[0]) && inside.iter().any(|p| p.0 == b[2]));
                    prop_assert!(inside.iter().any(|p| p.1 == b[1]) && inside.iter().any(|p| p.1 == b[3]));
                }
            }
            for j in 0..polys.len() {
                let plain = polygon_iou(&polys[i], &polys[j]);
                let fast = set.iou(i, j);
                prop_assert!((plain - fast).abs() < 1e-6, "{} vs {}", plain, fast);
                prop_assert!(set.iou_bound(i, j) + 1e-6 >= fast);
                prop_assert_eq!(mset.iou(i, j), masks[i].iou(&masks[j]));
                prop_assert!(mset.iou_bound(i, j) >= mset.iou(i, j));
                prop_assert_eq!(kset.oks(i, j), oks_symmetric(&skeletons[i], &skeletons[j], &sigmas));
                prop_assert!(kset.oks_bound(i, j) >= kset.oks(i, j));
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Holes and several parts: the one-grid IoU is `geo`'s.
    #[test]
    fn one_grid_iou_with_holes_and_parts(a in star(), b in star(), dx in -15.0f64..15.0, shrink in 0.2f64..0.6) {
        let centre = |p: &Polygon| {
            let n = p.exterior.len() as f64;
            (p.exterior.iter().map(|c| c[0]).sum::<f64>() / n, p.exterior.iter().map(|c| c[1]).sum::<f64>() / n)
        };
        // A hole: the outline shrunk towards its centre (still star-shaped, inside).
        let with_hole = |p: &Polygon| {
            let (cx, cy) = centre(p);
            let mut q = p.clone();
            q.holes.push(p.exterior.iter().map(|c| [cx + (c[0] - cx) * shrink, cy + (c[1] - cy) * shrink]).collect());
            q
        };
        let objects: Vec<Vec<Polygon>> = vec![
            vec![with_hole(&a)],
            vec![shifted(&a, dx, 0.0)],
            vec![b.clone(), shifted(&b, 300.0, 0.0)],
            vec![shifted(&b, dx, dx), with_hole(&shifted(&a, 300.0, 0.0))],
        ];
        let set = ShapeSet::new(objects.iter().map(|o| o.as_slice()));
        for i in 0..objects.len() {
            for j in 0..objects.len() {
                let plain = PreparedShape::new(&objects[i]).iou(&PreparedShape::new(&objects[j]));
                prop_assert!((plain - set.iou(i, j)).abs() < 1e-6, "{} {}: {} vs {}", i, j, plain, set.iou(i, j));
            }
        }
    }

    #[test]
    fn polygon_iou_is_symmetric_one_for_the_same_zero_apart(a in star(), b in star()) {
        prop_assert_eq!(polygon_problem(&a), None);
        let ab = polygon_iou(&a, &b);
        prop_assert!((ab - polygon_iou(&b, &a)).abs() < 1e-6);
        prop_assert!((0.0..=1.0).contains(&ab));
        prop_assert!((polygon_iou(&a, &a) - 1.0).abs() < 1e-9);
        prop_assert_eq!(polygon_iou(&a, &shifted(&b, 1000.0, 0.0)), 0.0);
        let (pa, pb) = (PreparedShape::new(std::slice::from_ref(&a)), PreparedShape::new(std::slice::from_ref(&b)));
        prop_assert!(pa.iou_bound(&pb) + 1e-9 >= ab);
    }

    #[test]
    fn rotated_box_iou_is_symmetric(cx in 0.0f64..100.0, w in 1.0f64..50.0, h in 1.0f64..50.0,
                                    a1 in -180.0f64..180.0, a2 in -180.0f64..180.0) {
        let a = RotatedBox { cx, cy: 50.0, w, h, angle: a1 };
        let b = RotatedBox { cx: 50.0, cy: 50.0, w: h, h: w, angle: a2 };
        prop_assert!((rotated_box_iou(&a, &b) - rotated_box_iou(&b, &a)).abs() < 1e-6);
        prop_assert!((rotated_box_iou(&a, &a) - 1.0).abs() < 1e-9);
        // Half a turn is the same box.
        let turned = RotatedBox { angle: a1 + 180.0, ..a };
        // Clipping is exact to about 1e-8 of the area.
        prop_assert!((rotated_box_iou(&a, &turned) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn masks_round_trip_and_iou_is_symmetric((h, w, m) in mask(), seed in 0u8..2) {
        let a = Rle::encode(h, w, &m).unwrap();
        prop_assert_eq!(a.decode(), m.clone());
        prop_assert_eq!(a.area(), m.iter().filter(|&&v| v != 0).count() as u64);
        prop_assert_eq!(Rle::from_compressed(h, w, &a.to_compressed()).unwrap(), a.clone());
        let other: Vec<u8> = m.iter().enumerate().map(|(i, v)| if i % 3 == seed as usize { 1 - v } else { *v }).collect();
        let b = Rle::encode(h, w, &other).unwrap();
        prop_assert!((a.iou(&b) - b.iou(&a)).abs() < 1e-12);
        if a.area() > 0 {
            prop_assert_eq!(a.iou(&a), 1.0);
        }
        prop_assert_eq!(a.iou(&a.difference(&a)), 0.0);
        prop_assert_eq!(Rle::vote(&[&a, &a, &b], 2).unwrap(), a.clone());
    }

    #[test]
    fn line_similarity_is_symmetric(points in proptest::collection::vec((0.0f64..300.0, 0.0f64..300.0), 2..12),
                                    dy in 0.0f64..30.0) {
        let a: Vec<[f64; 2]> = points.iter().map(|p| [p.0, p.1]).collect();
        let b: Vec<[f64; 2]> = a.iter().map(|p| [p[0], p[1] + dy]).collect();
        let (pa, pb) = (PreparedLine::new(&a), PreparedLine::new(&b));
        prop_assert!((pa.similarity(&pb, 10.0) - pb.similarity(&pa, 10.0)).abs() < 1e-9);
        prop_assert!((pa.similarity(&pa, 10.0) - 1.0).abs() < 1e-9);
        // Moved by dy, no point is further than dy from the other line.
        prop_assert!(pa.distance(&pb, 10.0) <= dy + 1e-9);
        let far: Vec<[f64; 2]> = a.iter().map(|p| [p[0] + 1000.0, p[1]]).collect();
        prop_assert_eq!(pa.similarity(&PreparedLine::new(&far), 10.0), 0.0);
    }

    #[test]
    fn oks_is_symmetric_and_one_for_the_same(points in proptest::collection::vec((0.0f64..100.0, 0.0f64..100.0, 0u8..3), 1..17)) {
        let a: Vec<Keypoint> = points.iter().map(|p| Keypoint { x: p.0, y: p.1, v: p.2 }).collect();
        let b: Vec<Keypoint> = a.iter().map(|p| Keypoint { x: p.x + 3.0, ..*p }).collect();
        let sigmas = vec![0.05; a.len()];
        prop_assert!((oks_symmetric(&a, &b, &sigmas) - oks_symmetric(&b, &a, &sigmas)).abs() < 1e-12);
        prop_assert!((oks_symmetric(&a, &a, &sigmas) - 1.0).abs() < 1e-12);
        let absent_at_zero: Vec<Keypoint> = a
            .iter()
            .map(|p| if p.v == 0 { Keypoint { x: 0.0, y: 0.0, v: 0 } } else { *p })
            .collect();
        prop_assert_eq!(merge_keypoints(&[&a, &a, &a]), absent_at_zero);
    }

    /// Random objects of random annotators: every object lands in exactly one cluster, and
    /// no cluster holds two objects of one annotator.
    #[test]
    fn matching_never_pairs_one_annotators_objects(
        objs in proptest::collection::vec((0u32..4, 0u32..2, 0.0f64..40.0), 0..30),
        threshold in 0.05f64..1.0,
    ) {
        let drawn: Vec<Drawn> = objs.iter().map(|o| Drawn { worker: o.0, class: o.1 }).collect();
        let sim = |i: usize, j: usize| (1.0 - (objs[i].2 - objs[j].2).abs() / 10.0).max(0.0);
        let m = match_objects(&[0, 1, 2, 3], &drawn, sim, &MatchOptions { threshold, min_support: None }).unwrap();
        let mut seen = vec![0; objs.len()];
        for c in m.clusters.iter().chain(&m.rejected) {
            let mut ws: Vec<u32> = c.members.iter().map(|&i| objs[i].0).collect();
            ws.sort_unstable();
            let n = ws.len();
            ws.dedup();
            prop_assert_eq!(ws.len(), n);
            prop_assert!(c.members.iter().all(|&i| objs[i].1 == c.class));
            prop_assert!(c.members.contains(&c.best));
            for &i in &c.members {
                seen[i] += 1;
            }
        }
        prop_assert!(seen.iter().all(|&s| s == 1));
        prop_assert!((0.0..=1.0).contains(&m.agreement));
    }

    /// Annotators who draw the same polygons agree fully, and each merged object is one of
    /// them, the same shape.
    #[test]
    fn identical_polygons_merge_to_themselves(shapes in proptest::collection::vec(star(), 1..6), n in 1u32..5) {
        // Spread the shapes apart so each is its own object.
        let shapes: Vec<Polygon> = shapes.iter().enumerate().map(|(i, p)| shifted(p, 500.0 * i as f64, 0.0)).collect();
        let mut drawn = Vec::new();
        let mut geo = Vec::new();
        for w in 0..n {
            for p in &shapes {
                drawn.push(Drawn { worker: w, class: 0 });
                geo.push((p.clone(), PreparedShape::new(std::slice::from_ref(p))));
            }
        }
        let workers: Vec<u32> = (0..n).collect();
        let m = match_objects(&workers, &drawn, |i, j| geo[i].1.iou(&geo[j].1), &MatchOptions::default()).unwrap();
        prop_assert!(m.unanimous());
        prop_assert!((m.agreement - 1.0).abs() < 1e-9);
        prop_assert_eq!(m.clusters.len(), shapes.len());
        // The raster IoU (COCO's segm) agrees.
        let list: Vec<(Drawn, &[Polygon])> = drawn.iter().zip(&geo).map(|(d, g)| (*d, std::slice::from_ref(&g.0))).collect();
        let r = match_polygons_raster(&workers, &list, &MatchOptions::default()).unwrap();
        prop_assert!(r.unanimous());
        prop_assert_eq!(r.clusters.len(), shapes.len());
        let mut merged: Vec<Polygon> = m.clusters.iter().map(|c| geo[c.best].0.clone()).collect();
        merged.sort_by(|a, b| a.exterior[0][0].total_cmp(&b.exterior[0][0]));
        prop_assert_eq!(merged, shapes);
    }
}

/// Polygons rasterised by pycocotools (`coco/masks.py` wrote `coco/masks.json`): the port of
/// `rleFrPoly` gives the same runs, so the same areas and IoUs.
#[test]
fn polygons_rasterise_as_pycocotools_does() {
    let data: serde_json::Value =
        serde_json::from_str(include_str!("coco/masks.json")).expect("masks.json");
    let (h, w) = (
        data["height"].as_u64().unwrap() as u32,
        data["width"].as_u64().unwrap() as u32,
    );
    let rles: Vec<Rle> = data["shapes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let flat: Vec<f64> = s["polygon"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect();
            let p = Polygon::new(flat.chunks(2).map(|c| [c[0], c[1]]).collect());
            let ours = Rle::from_polygon(&p, h, w);
            let theirs = Rle::from_compressed(h, w, s["counts"].as_str().unwrap()).unwrap();
            assert_eq!(ours.area(), s["area"].as_u64().unwrap(), "{flat:?}");
            assert_eq!(
                ours.to_compressed(),
                s["counts"].as_str().unwrap(),
                "{flat:?}"
            );
            assert_eq!(ours, theirs);
            ours
        })
        .collect();
    for (i, row) in data["iou"].as_array().unwrap().iter().enumerate() {
        for (j, want) in row.as_array().unwrap().iter().enumerate() {
            let got = rles[i].iou(&rles[j]);
            assert!(
                (got - want.as_f64().unwrap()).abs() < 1e-3,
                "{i} {j}: {got} vs {want}"
            );
        }
    }
}

/// The raster IoU of two overlapping squares is the exact one when their edges fall on pixel
/// borders, and the matching finds the same pairs either way.
#[test]
fn raster_and_exact_matching_agree() {
    use mudou_consensus::shapes::match_polygons;
    let sq =
        |x: f64, y: f64, s: f64| Polygon::new(vec![[x, y], [x + s, y], [x + s, y + s], [x, y + s]]);
    let polys = [
        sq(10.0, 10.0, 40.0),
        sq(200.0, 10.0, 30.0),
        sq(14.0, 10.0, 40.0),
        sq(203.0, 12.0, 30.0),
    ];
    let drawn: Vec<(Drawn, &[Polygon])> = polys
        .iter()
        .enumerate()
        .map(|(i, p)| {
            (
                Drawn {
                    worker: (i / 2) as u32,
                    class: 0,
                },
                std::slice::from_ref(p),
            )
        })
        .collect();
    let exact = match_polygons(&[0, 1], &drawn, &MatchOptions::default()).unwrap();
    let raster = match_polygons_raster(&[0, 1], &drawn, &MatchOptions::default()).unwrap();
    let pairs = |m: &mudou_consensus::shapes::Matching| {
        let mut v: Vec<Vec<usize>> = m.clusters.iter().map(|c| c.members.clone()).collect();
        v.sort();
        v
    };
    assert_eq!(pairs(&exact), vec![vec![0, 2], vec![1, 3]]);
    assert_eq!(pairs(&exact), pairs(&raster));
    // 36 × 40 in common of 44 × 40: the same exactly and on pixels.
    let c = exact.clusters.iter().find(|c| c.members == [0, 2]).unwrap();
    let r = raster
        .clusters
        .iter()
        .find(|c| c.members == [0, 2])
        .unwrap();
    assert!((c.mean_similarity - 36.0 / 44.0).abs() < 1e-6);
    assert!(
        (r.mean_similarity - 36.0 / 44.0).abs() < 1e-9,
        "{}",
        r.mean_similarity
    );
}

/// Small objects are matched by their exact IoU, not their few pixels': two 6 × 6 squares a
/// third of a pixel apart are one object (exact IoU 0.82), however the grid cuts them.
#[test]
fn small_polygons_match_by_their_exact_iou() {
    let sq =
        |x: f64, y: f64, s: f64| Polygon::new(vec![[x, y], [x + s, y], [x + s, y + s], [x, y + s]]);
    let polys = [
        sq(10.2, 10.2, 6.0),
        sq(10.5, 10.5, 6.0),
        sq(0.4, 0.4, 0.2),
        sq(0.4, 0.4, 0.2),
    ];
    let drawn: Vec<(Drawn, &[Polygon])> = polys
        .iter()
        .enumerate()
        .map(|(i, p)| {
            (
                Drawn {
                    worker: (i % 2) as u32,
                    class: 0,
                },
                std::slice::from_ref(p),
            )
        })
        .collect();
    let m = match_polygons_raster(&[0, 1], &drawn, &MatchOptions::default()).unwrap();
    let mut pairs: Vec<Vec<usize>> = m.clusters.iter().map(|c| c.members.clone()).collect();
    pairs.sort();
    assert_eq!(pairs, vec![vec![0, 1], vec![2, 3]]);
    let c = m.clusters.iter().find(|c| c.members == [0, 1]).unwrap();
    let exact = polygon_iou(&polys[0], &polys[1]);
    assert!(
        (c.mean_similarity - exact).abs() < 1e-9,
        "{} vs {exact}",
        c.mean_similarity
    );
}
