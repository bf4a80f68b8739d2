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
