//! Shapes beyond boxes: polygons (holes, several parts), rotated boxes, masks as COCO RLE,
//! lines and keypoints — how alike two are, how several annotators' objects match, and the
//! merged object of each match.
//!
//! - [`polygon`]: polygon and rotated-box IoU, a polygon's problems (self-crossing, holes
//!   outside), all by `geo`.
//! - [`rle`]: COCO run-length masks (pycocotools' layout and compressed strings), IoU,
//!   pixel votes, polygon → mask as pycocotools rasterises.
//! - [`line`]: a symmetric mean distance along two lines and a similarity with a tolerance.
//! - [`keypoints`]: COCO's OKS with per-point sigmas, and the merge of matched skeletons.
//! - [`matching`]: per class, optimal one-to-one matching of each annotator's objects into
//!   clusters; missing and extra objects; the item's agreement.
//!
//! Merging: a polygon, a rotated box or a line cluster is its best member
//! ([`matching::Cluster::best`], the highest mean similarity to the others); masks by a
//! pixel majority ([`rle::Rle::vote`]); keypoints point by point
//! ([`keypoints::merge_keypoints`]).

pub mod keypoints;
pub mod line;
pub mod matching;
pub mod polygon;
pub mod rle;

pub use keypoints::{Keypoint, SkeletonSet, keypoints_area, merge_keypoints, oks, oks_symmetric};
pub use line::{PreparedLine, line_similarity};
pub use matching::{Cluster, Drawn, MatchOptions, Matching, match_objects, match_objects_bounded};
pub use polygon::{
    Polygon, PreparedShape, Pt, RotatedBox, ShapeSet, multi_polygon_iou, polygon_iou,
    polygon_problem, rotated_box_iou,
};
pub use rle::{MaskSet, Rle};

use crate::error::Result;

/// Matches polygon objects (each of one or more parts) by IoU.
pub fn match_polygons(
    workers: &[u32],
    objects: &[(Drawn, &[Polygon])],
    opts: &MatchOptions,
) -> Result<Matching> {
    let set = ShapeSet::new(objects.iter().map(|o| o.1));
    let drawn: Vec<Drawn> = objects.iter().map(|o| o.0).collect();
    match_objects_bounded(
        workers,
        &drawn,
        |i, j| set.iou(i, j),
        // The bound holds exactly; the clipped area is on a grid, right to about 1e-6.
        |i, j| set.iou_bound(i, j) + 1e-4,
        opts,
    )
}

/// Matches masks by IoU (masks of another picture size never match).
pub fn match_masks(
    workers: &[u32],
    objects: &[(Drawn, &Rle)],
    opts: &MatchOptions,
) -> Result<Matching> {
    let set = MaskSet::new(objects.iter().map(|o| o.1));
    let drawn: Vec<Drawn> = objects.iter().map(|o| o.0).collect();
    match_objects_bounded(
        workers,
        &drawn,
        |i, j| set.iou(i, j),
        |i, j| set.iou_bound(i, j),
        opts,
    )
}

/// Matches lines by [`PreparedLine::similarity`] with `tolerance` pixels.
pub fn match_lines(
    workers: &[u32],
    objects: &[(Drawn, &[Pt])],
    tolerance: f64,
    opts: &MatchOptions,
) -> Result<Matching> {
    if !(tolerance.is_finite() && tolerance > 0.0) {
        return Err(crate::error::invalid(
            "tolerance",
            "must be a positive number of pixels",
        ));
    }
    let prepared: Vec<PreparedLine> = objects.iter().map(|o| PreparedLine::new(o.1)).collect();
    let drawn: Vec<Drawn> = objects.iter().map(|o| o.0).collect();
    match_objects(
        workers,
        &drawn,
        |i, j| prepared[i].similarity(&prepared[j], tolerance),
        opts,
    )
}

/// Matches skeletons by [`oks_symmetric`] with per-point `sigmas`.
pub fn match_keypoints(
    workers: &[u32],
    objects: &[(Drawn, &[Keypoint])],
    sigmas: &[f64],
    opts: &MatchOptions,
) -> Result<Matching> {
    if sigmas.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
        return Err(crate::error::invalid("sigmas", "must be positive"));
    }
    let set = SkeletonSet::new(objects.iter().map(|o| o.1), sigmas);
    let drawn: Vec<Drawn> = objects.iter().map(|o| o.0).collect();
    match_objects_bounded(
        workers,
        &drawn,
        |i, j| set.oks(i, j),
        |i, j| set.oks_bound(i, j),
        opts,
    )
}

/// Objects of fewer pixels than this are matched by their exact IoU in
/// [`match_polygons_raster`] (a 10 × 10 square: one row of pixels more or less moves its
/// raster IoU by a tenth).
pub const SMALL_RASTER_PX: u64 = 100;

/// Matches polygon objects like [`match_polygons`], with COCO's `segm` IoU instead of the
/// exact one: each object rasterised once by pycocotools' method ([`Rle::from_polygons`])
/// over a frame holding every object (shifted by whole pixels, so the pixels are the
/// picture's), then IoUs of runs — microseconds a pair instead of a clipping's tens
/// (`benches/shapes/RESULTS.md`). A pair with an object of fewer than [`SMALL_RASTER_PX`]
/// pixels is clipped exactly instead, since a few pixels' IoU is mostly the grid's.
pub fn match_polygons_raster(
    workers: &[u32],
    objects: &[(Drawn, &[Polygon])],
    opts: &MatchOptions,
) -> Result<Matching> {
    let all = objects
        .iter()
        .flat_map(|o| o.1.iter())
        .flat_map(|p| p.exterior.iter().chain(p.holes.iter().flatten()));
    let (mut x0, mut y0, mut x1, mut y1) = (
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    );
    for c in all {
        if !(c[0].is_finite() && c[1].is_finite()) {
            return Err(crate::error::invalid("objects", "a point is not finite"));
        }
        x0 = x0.min(c[0]);
        y0 = y0.min(c[1]);
        x1 = x1.max(c[0]);
        y1 = y1.max(c[1]);
    }
    let drawn: Vec<Drawn> = objects.iter().map(|o| o.0).collect();
    if !x0.is_finite() {
        return match_objects(workers, &drawn, |_, _| 0.0, opts);
    }
    let (dx, dy) = (x0.floor(), y0.floor());
    let (w, h) = ((x1 - dx).ceil() + 1.0, (y1 - dy).ceil() + 1.0);
    if w * h > f64::from(u32::MAX) {
        return Err(crate::error::invalid(
            "objects",
            "the objects span more than 4 Gpx",
        ));
    }
    let (w, h) = (w as u32, h as u32);
    let shift = |p: &Polygon| Polygon {
        exterior: p.exterior.iter().map(|c| [c[0] - dx, c[1] - dy]).collect(),
        holes: p
            .holes
            .iter()
            .map(|r| r.iter().map(|c| [c[0] - dx, c[1] - dy]).collect())
            .collect(),
    };
    let rasters: Vec<Rle> = objects
        .iter()
        .map(|o| {
            let parts: Vec<Polygon> = o.1.iter().map(shift).collect();
            Rle::from_polygons(&parts, h, w)
        })
        .collect();
    let set = MaskSet::new(&rasters);
    match_objects_bounded(
        workers,
        &drawn,
        |i, j| {
            // The same outline is one object even when it covers no pixel centre; the same
            // outline has the same area, a cheaper test first.
            if set.area(i) == set.area(j) && objects[i].1 == objects[j].1 {
                return 1.0;
            }
            // A few pixels' IoU is mostly the grid's: small objects are clipped exactly
            // (and cheaply, having few pixels' worth of outline).
            if set.area(i).min(set.area(j)) < SMALL_RASTER_PX {
                return multi_polygon_iou(objects[i].1, objects[j].1);
            }
            set.iou(i, j)
        },
        // A small outline's pixels say too little for a bound (one with none may still be
        // another's copy): none for it.
        |i, j| {
            if set.area(i).min(set.area(j)) < SMALL_RASTER_PX {
                1.0
            } else {
                set.iou_bound(i, j)
            }
        },
        opts,
    )
}
