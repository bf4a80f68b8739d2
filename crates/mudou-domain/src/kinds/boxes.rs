//! Boxes around objects, each with a label:
//! `{"boxes": [{"label": "car", "x": 10, "y": 20, "w": 50, "h": 40}]}` in image pixels.

use mudou_consensus::bbox::{BBox, BoxLabel, BoxOptions, ConsensusBox, box_consensus};
use serde_json::{Value, json};

use super::{Agreed, Kind, bad, known};
use crate::{Answer, BoxAnswer, OrderSpec, ValidationError};

pub(crate) struct Boxes;

/// The most boxes one answer may hold.
const MAX_BOXES: usize = 500;

impl Kind for Boxes {
    fn min_labels(&self) -> usize {
        1
    }

    fn pays_per_object(&self) -> bool {
        true
    }

    fn objects(&self, answer: &Answer) -> Option<usize> {
        match answer {
            Answer::Boxes { boxes } => Some(boxes.len()),
            _ => None,
        }
    }

    fn needs_image_size(&self) -> bool {
        true
    }

    fn exports_objects(&self) -> bool {
        true
    }

    fn answer_key(&self) -> &'static str {
        "boxes"
    }

    fn parse(
        &self,
        spec: &OrderSpec,
        value: &Value,
        image: Option<(i64, i64)>,
    ) -> Result<Answer, ValidationError> {
        let boxes: Vec<BoxAnswer> =
            serde_json::from_value(value.clone()).map_err(|e| bad(format!("boxes: {e}")))?;
        if boxes.len() > MAX_BOXES {
            return Err(bad(format!("at most {MAX_BOXES} boxes per item")));
        }
        for b in &boxes {
            known(spec, &b.label)?;
            let finite = [b.x, b.y, b.w, b.h].iter().all(|v| v.is_finite());
            if !finite || b.w <= 0.0 || b.h <= 0.0 || b.x < 0.0 || b.y < 0.0 {
                return Err(bad("a box has x, y ≥ 0 and a positive width and height"));
            }
            if let Some((w, h)) = image {
                let eps = 0.5;
                if b.x + b.w > w as f64 + eps || b.y + b.h > h as f64 + eps {
                    return Err(bad(format!("a box must stay inside the {w}×{h} image")));
                }
            }
        }
        Ok(Answer::Boxes { boxes })
    }

    fn manifest_gold(&self, gold: &Value) -> Option<Value> {
        gold.get("boxes").filter(|b| b.is_array()).map(|b| {
            // Manifests may carry extra keys per box; keep the ones an answer has.
            let boxes: Vec<Value> = b
                .as_array()
                .into_iter()
                .flatten()
                .map(|x| json!({"label": x["label"], "x": x["x"], "y": x["y"], "w": x["w"], "h": x["h"]}))
                .collect();
            json!({ "boxes": boxes })
        })
    }

    /// Boxes have no classes to confuse: their figures come from the verdicts the label
    /// effects keep.
    fn classes(&self, _spec: &OrderSpec) -> Vec<String> {
        Vec::new()
    }

    fn answer_classes(&self, _spec: &OrderSpec, _answer: &Value) -> Vec<(u32, u32)> {
        Vec::new()
    }

    /// An object counts when enough people drew it; the item settles only when everyone
    /// drew the same objects.
    fn consensus(&self, spec: &OrderSpec, answers: &[Value], workers: &[u32]) -> Agreed {
        let n = answers.len() as u32;
        let submissions: Vec<(u32, u32)> = workers.iter().map(|w| (0, *w)).collect();
        let mut boxes = Vec::new();
        for (a, w) in answers.iter().zip(workers) {
            for b in a["boxes"].as_array().into_iter().flatten() {
                let (Some(x), Some(y), Some(bw), Some(bh)) = (
                    b["x"].as_f64(),
                    b["y"].as_f64(),
                    b["w"].as_f64(),
                    b["h"].as_f64(),
                ) else {
                    continue;
                };
                let Some(class) = b["label"].as_str().and_then(|k| spec.label_index(k)) else {
                    continue;
                };
                boxes.push(BoxLabel {
                    task: 0,
                    worker: *w,
                    class: class as u32,
                    bbox: BBox::new(x, y, x + bw, y + bh),
                });
            }
        }
        let Ok(c) = box_consensus(&submissions, &boxes, None, &BoxOptions::default()) else {
            return Agreed {
                answer: None,
                confidence: 0.0,
                settles: false,
            };
        };
        let out: Vec<Value> = c
            .boxes
            .iter()
            .map(|b| {
                json!({"label": spec.labels[b.class as usize].key, "x": b.bbox.x0, "y": b.bbox.y0,
                       "w": b.bbox.x1 - b.bbox.x0, "h": b.bbox.y1 - b.bbox.y0,
                       "support": b.support, "mean_iou": b.mean_iou})
            })
            .collect();
        // Each object the workers drew counts: a kept box by its support and fit, an
        // object drawn by too few by the share who did not draw it. Nothing drawn by
        // anyone is agreement on an empty picture.
        let share = |b: &ConsensusBox| b.support as f64 / n.max(1) as f64;
        let objects = c.boxes.len() + c.rejected.len();
        let confidence = if objects == 0 {
            1.0
        } else {
            (c.boxes.iter().map(|b| share(b) * b.mean_iou).sum::<f64>()
                + c.rejected.iter().map(|b| 1.0 - share(b)).sum::<f64>())
                / objects as f64
        };
        Agreed {
            answer: Some(json!({ "boxes": out })),
            confidence,
            settles: c.unanimous(0, n),
        }
    }

    fn keys(&self, answer: &Value) -> Vec<String> {
        answer["boxes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|b| b["label"].as_str().map(str::to_owned))
            .collect()
    }

    fn answer_text(&self, answer: &Value) -> String {
        answer["boxes"].to_string()
    }

    fn label_text(&self, answer: &Value) -> String {
        let n = answer["boxes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|b| {
                b["label"].is_string()
                    && ["x", "y", "w", "h"]
                        .iter()
                        .all(|k| b[*k].as_f64().is_some())
            })
            .count();
        format!("{n} boxes")
    }
}
