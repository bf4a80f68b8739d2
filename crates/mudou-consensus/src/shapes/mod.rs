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

pub use keypoints::{Keypoint, keypoints_area, merge_keypoints, oks, oks_symmetric};
pub use line::{PreparedLine, line_similarity};
pub use matching::{Cluster, Drawn, MatchOptions, Matching, match_objects};
pub use polygon::{
    Polygon, PreparedShape, Pt, RotatedBox, multi_polygon_iou, polygon_iou, polygon_problem,
    rotated_box_iou,
};
pub use rle::Rle;

use crate::error::Result;

/// Matches polygon objects (each of one or more parts) by IoU.
pub fn match_polygons(
    workers: &[u32],
    objects: &[(Drawn, &[Polygon])],
    opts: &MatchOptions,
) -> Result<Matching> {
    let prepared: Vec<PreparedShape> = objects.iter().map(|o| PreparedShape::new(o.1)).collect();
    let drawn: Vec<Drawn> = objects.iter().map(|o| o.0).collect();
    match_objects(workers, &drawn, |i, j| prepared[i].iou(&prepared[j]), opts)
}

/// Matches masks by IoU (masks of another picture size never match).
pub fn match_masks(
    workers: &[u32],
    objects: &[(Drawn, &Rle)],
    opts: &MatchOptions,
) -> Result<Matching> {
    let drawn: Vec<Drawn> = objects.iter().map(|o| o.0).collect();
    match_objects(workers, &drawn, |i, j| objects[i].1.iou(objects[j].1), opts)
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
    let drawn: Vec<Drawn> = objects.iter().map(|o| o.0).collect();
    match_objects(
        workers,
        &drawn,
        |i, j| oks_symmetric(objects[i].1, objects[j].1, sigmas),
        opts,
    )
}
