//! Drawings in the formats other tools read and write, both ways, as pure functions over
//! Mudou's answers (`{"<question key>": [{"label", <geometry>, "attributes"}]}`, see
//! `kinds/shapes.rs` and `kinds/boxes.rs`): COCO (`coco`), YOLO detection, segmentation and
//! pose (`yolo`), CVAT for images XML 1.1 (`cvat`). Label Studio's JSON is `crate::labelstudio`.
//! The server streams the files and finds the pictures; nothing here does IO.

pub mod coco;
pub mod cvat;
pub mod findings;
pub mod yolo;

use crate::template::{Question, Template};

/// The question a drawing format reads and writes: the template's first question drawn on
/// a picture (boxes, polygon, polyline, keypoints, rotated box, mask).
pub fn drawing_question(t: &Template) -> Option<&Question> {
    t.questions.iter().find(|q| q.kind().needs_image())
}
