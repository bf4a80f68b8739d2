//! Boxes around objects, each with a label:
//! `{"boxes": [{"label": "car", "x": 10, "y": 20, "w": 50, "h": 40}]}` in image pixels.

use mudou_consensus::bbox::{BBox, BoxLabel, BoxOptions, ConsensusBox, box_consensus};
use serde_json::{Value, json};

use std::collections::HashSet;

use super::{Agreed, Kind, QuestionKind, Voters, bad, known, nominal_alpha, options_between};
use crate::template::{AttributeDef, Question, check_options, is_key};
use crate::{Answer, BoxAnswer, OrderSpec, ValidationError};

pub(crate) struct Boxes;

/// The most boxes one answer may hold.
const MAX_BOXES: usize = 500;

/// The shortest side a box may have, in the picture's pixels: 8, or a quarter of a picture
/// smaller than 32 px. A tap or a slip draws a box of a pixel or two, never an object.
pub const MIN_BOX_SIDE: f64 = 8.0;

/// The shortest side a box may have in a picture of `image` (width, height), when known.
pub fn min_box_side(image: Option<(i64, i64)>) -> f64 {
    match image {
        Some((w, h)) if w > 0 && h > 0 => MIN_BOX_SIDE.min(w.min(h) as f64 / 4.0),
        _ => MIN_BOX_SIDE,
    }
}

/// Refuses a box thinner or shorter than [`min_box_side`].
fn check_min_side(w: f64, h: f64, image: Option<(i64, i64)>) -> Result<(), ValidationError> {
    let min = min_box_side(image);
    if w < min || h < min {
        return Err(bad(format!(
            "a box is at least {min} × {min} pixels (this one is {w} × {h}): draw it around the object"
        )));
    }
    Ok(())
}

impl Kind for Boxes {
    fn min_labels(&self) -> usize {
        1
    }

    fn pays_per_object(&self, _spec: &OrderSpec) -> bool {
        true
    }

    fn objects(&self, _spec: &OrderSpec, answer: &Answer) -> Option<usize> {
        match answer {
            Answer::Boxes { boxes } => Some(boxes.len()),
            _ => None,
        }
    }

    fn needs_image_size(&self, _spec: &OrderSpec) -> bool {
        true
    }

    fn exports_objects(&self, _spec: &OrderSpec) -> bool {
        true
    }

    fn answer_key(&self) -> Option<&'static str> {
        Some("boxes")
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
            check_min_side(b.w, b.h, image)?;
            if let Some((w, h)) = image {
                let eps = 0.5;
                if b.x + b.w > w as f64 + eps || b.y + b.h > h as f64 + eps {
                    return Err(bad(format!("a box must stay inside the {w}×{h} image")));
                }
            }
        }
        Ok(Answer::Boxes { boxes })
    }

    fn manifest_gold(&self, _spec: &OrderSpec, gold: &Value) -> Option<Value> {
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
    fn consensus(&self, spec: &OrderSpec, answers: &[Value], voters: Voters<'_>) -> Agreed {
        let lists: Vec<&Value> = answers.iter().map(|a| &a["boxes"]).collect();
        let keys: Vec<&str> = spec.labels.iter().map(|l| l.key.as_str()).collect();
        let (boxes, confidence, settles) = agree(&lists, voters.index, &keys, &[]);
        Agreed {
            answer: boxes.map(|b| json!({ "boxes": b })),
            confidence,
            settles,
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

/// A box as drawn: its class index and corners, or `None` when malformed.
fn read_box(b: &Value, keys: &[&str]) -> Option<(u32, BBox)> {
    let (x, y, w, h) = (
        b["x"].as_f64()?,
        b["y"].as_f64()?,
        b["w"].as_f64()?,
        b["h"].as_f64()?,
    );
    let class = keys.iter().position(|k| Some(*k) == b["label"].as_str())?;
    Some((class as u32, BBox::new(x, y, x + w, y + h)))
}

/// The consensus of several people's boxes on one picture (`lists[i]` a JSON list of boxes
/// by `workers[i]`, classes named by `keys`): the agreed boxes (with their support, fit, and
/// each attribute's majority among the boxes matched to them), the confidence, and whether
/// everyone drew the same objects.
fn agree(
    lists: &[&Value],
    workers: &[u32],
    keys: &[&str],
    attributes: &[AttributeDef],
) -> (Option<Vec<Value>>, f64, bool) {
    let n = lists.len() as u32;
    let submissions: Vec<(u32, u32)> = workers.iter().map(|w| (0, *w)).collect();
    let mut boxes = Vec::new();
    let mut drawn: Vec<(u32, u32, BBox, &Value)> = Vec::new();
    for (list, w) in lists.iter().zip(workers) {
        for b in list.as_array().into_iter().flatten() {
            let Some((class, bbox)) = read_box(b, keys) else {
                continue;
            };
            boxes.push(BoxLabel {
                task: 0,
                worker: *w,
                class,
                bbox,
            });
            drawn.push((*w, class, bbox, b));
        }
    }
    let Ok(c) = box_consensus(&submissions, &boxes, None, &BoxOptions::default()) else {
        return (None, 0.0, false);
    };
    let out: Vec<Value> = c
        .boxes
        .iter()
        .map(|b| {
            let mut v = json!({"label": keys[b.class as usize], "x": b.bbox.x0, "y": b.bbox.y0,
                   "w": b.bbox.x1 - b.bbox.x0, "h": b.bbox.y1 - b.bbox.y0,
                   "support": b.support, "mean_iou": b.mean_iou});
            if !attributes.is_empty() {
                v["attributes"] = attribute_majority(b, &drawn, attributes);
            }
            v
        })
        .collect();
    // Each object the workers drew counts: a kept box by its support and fit, an object
    // drawn by too few by the share who did not draw it. Nothing drawn by anyone is
    // agreement on an empty picture.
    let share = |b: &ConsensusBox| b.support as f64 / n.max(1) as f64;
    let objects = c.boxes.len() + c.rejected.len();
    let confidence = if objects == 0 {
        1.0
    } else {
        (c.boxes.iter().map(|b| share(b) * b.mean_iou).sum::<f64>()
            + c.rejected.iter().map(|b| 1.0 - share(b)).sum::<f64>())
            / objects as f64
    };
    (Some(out), confidence, c.unanimous(0, n))
}

/// Each attribute's most given value among the boxes (one per worker who drew it, the best
/// overlapping of the same class) matched to an agreed box.
fn attribute_majority(
    agreed: &ConsensusBox,
    drawn: &[(u32, u32, BBox, &Value)],
    attributes: &[AttributeDef],
) -> Value {
    let mine: Vec<&Value> = agreed
        .workers
        .iter()
        .filter_map(|w| {
            drawn
                .iter()
                .filter(|(dw, c, _, _)| dw == w && *c == agreed.class)
                .max_by(|a, b| agreed.bbox.iou(&a.2).total_cmp(&agreed.bbox.iou(&b.2)))
                .map(|d| d.3)
        })
        .collect();
    majority_attributes(&mine, attributes)
}

/// Nominal alpha over the number of objects of each class an answer draws (0 to 9 and more),
/// the mean over the classes: how much people agree on what is there, for every drawing kind.
pub(crate) fn class_count_alpha(keys: &[&str], items: &[Vec<Value>]) -> Option<f64> {
    let alphas: Vec<f64> = keys
        .iter()
        .filter_map(|key| {
            let count = |a: &Value| {
                a.as_array().map(|l| {
                    l.iter()
                        .filter(|b| b["label"].as_str() == Some(*key))
                        .count()
                        .min(9)
                })
            };
            nominal_alpha(10, items, count)
        })
        .collect();
    (!alphas.is_empty()).then(|| alphas.iter().sum::<f64>() / alphas.len() as f64)
}

/// Each attribute's most given value among drawn objects (a yes/no attribute left out is
/// `false`).
pub(crate) fn majority_attributes(mine: &[&Value], attributes: &[AttributeDef]) -> Value {
    let mut out = serde_json::Map::new();
    for a in attributes {
        let mut counts: Vec<(Value, usize)> = Vec::new();
        for b in mine {
            let v = b["attributes"].get(&a.key).cloned().unwrap_or(Value::Null);
            let v = if v.is_null() && a.options.is_empty() {
                Value::Bool(false)
            } else {
                v
            };
            if v.is_null() {
                continue;
            }
            match counts.iter_mut().find(|c| c.0 == v) {
                Some(c) => c.1 += 1,
                None => counts.push((v, 1)),
            }
        }
        if let Some((v, _)) = counts.into_iter().rev().max_by_key(|c| c.1) {
            out.insert(a.key.clone(), v);
        }
    }
    Value::Object(out)
}

/// Checks a drawing question's attributes (`settings.attributes`): keys, names, options.
pub(crate) fn check_attributes(q: &Question, at: &str) -> Result<(), ValidationError> {
    let s = &q.settings;
    if s.attributes.len() > MAX_ATTRIBUTES {
        return Err(ValidationError::at(
            format!("{at}.settings.attributes"),
            format!("at most {MAX_ATTRIBUTES} attributes per object"),
        ));
    }
    let mut seen = HashSet::new();
    for (i, a) in s.attributes.iter().enumerate() {
        let p = format!("{at}.settings.attributes[{i}]");
        if !is_key(&a.key) || !seen.insert(a.key.as_str()) {
            return Err(ValidationError::at(
                format!("{p}.key"),
                format!(
                    "{:?} is not a new key of letters, digits, '_', '-' or '.'",
                    a.key
                ),
            ));
        }
        if a.name_zh.trim().is_empty() || a.name_zh.chars().count() > 40 {
            return Err(ValidationError::at(
                format!("{p}.name_zh"),
                "a name is 1 to 40 characters",
            ));
        }
        if a.options.len() == 1 || a.options.len() > MAX_ATTRIBUTE_OPTIONS {
            return Err(ValidationError::at(
                format!("{p}.options"),
                format!("an attribute has no options (yes/no) or 2 to {MAX_ATTRIBUTE_OPTIONS}"),
            ));
        }
        // Attribute options are picked on the selected box, not by a hotkey.
        let mut none = HashSet::new();
        check_options(&a.options, &format!("{p}.options"), &mut none)?;
        if !none.is_empty() {
            return Err(ValidationError::at(
                format!("{p}.options"),
                "attribute options take no hotkeys",
            ));
        }
    }
    Ok(())
}

/// Checks the attributes given on one drawn object (`b["attributes"]`) against the
/// question's; returns them.
pub(crate) fn parse_attributes(
    q: &Question,
    b: &Value,
) -> Result<serde_json::Map<String, Value>, ValidationError> {
    parse_attribute_values(q, b.get("attributes"))
}

/// Checks an object's attributes (`{"key": value}`, or none) against the question's: each
/// one asked, its value one of its options (or `true`/`false`), every required one given.
pub(crate) fn parse_attribute_values(
    q: &Question,
    given: Option<&Value>,
) -> Result<serde_json::Map<String, Value>, ValidationError> {
    let mut attrs = serde_json::Map::new();
    if let Some(given) = given.filter(|a| !a.is_null()) {
        let given = given
            .as_object()
            .ok_or_else(|| bad("an object's attributes are an object"))?;
        for (k, v) in given {
            let a = q
                .settings
                .attributes
                .iter()
                .find(|a| &a.key == k)
                .ok_or_else(|| bad(format!("this question asks no attribute {k:?}")))?;
            let ok = if a.options.is_empty() {
                v.is_boolean()
            } else {
                v.as_str()
                    .is_some_and(|s| a.options.iter().any(|o| o.key == s))
            };
            if !ok {
                return Err(bad(format!(
                    "attribute {k:?} is {}",
                    if a.options.is_empty() {
                        "true or false".to_owned()
                    } else {
                        "one of its options".to_owned()
                    }
                )));
            }
            attrs.insert(k.clone(), v.clone());
        }
    }
    if let Some(a) = q
        .settings
        .attributes
        .iter()
        .find(|a| a.required && !attrs.contains_key(&a.key))
    {
        return Err(bad(format!("attribute {:?} must be given", a.key)));
    }
    Ok(attrs)
}

/// A template's boxes question: boxes on a picture field, each with a class and the
/// question's attributes: `[{"label": "car", "x": 1, "y": 2, "w": 30, "h": 20,
/// "attributes": {"occluded": true, "colour": "red"}}]`.
pub(crate) struct BoxesQuestion;

/// The most attributes per box, and options per attribute.
const MAX_ATTRIBUTES: usize = 10;
const MAX_ATTRIBUTE_OPTIONS: usize = 20;

impl BoxesQuestion {
    fn keys(q: &Question) -> Vec<&str> {
        q.options.iter().map(|o| o.key.as_str()).collect()
    }
}

impl QuestionKind for BoxesQuestion {
    fn check(
        &self,
        q: &Question,
        at: &str,
        hotkeys: &mut HashSet<char>,
    ) -> Result<(), ValidationError> {
        options_between(q, at, 1)?;
        check_options(&q.options, &format!("{at}.options"), hotkeys)?;
        let s = &q.settings;
        if s.min.is_some()
            || s.max.is_some()
            || s.step.is_some()
            || s.unit.is_some()
            || s.tolerance.is_some()
            || s.max_chars.is_some()
        {
            return Err(ValidationError::at(
                format!("{at}.settings"),
                "boxes take only attributes",
            ));
        }
        check_attributes(q, at)
    }

    fn needs_image(&self) -> bool {
        true
    }

    fn parse(
        &self,
        q: &Question,
        value: &Value,
        image: Option<(i64, i64)>,
    ) -> Result<Value, ValidationError> {
        let list = value
            .as_array()
            .ok_or_else(|| bad("the answer is a list of boxes"))?;
        if list.len() > MAX_BOXES {
            return Err(bad(format!("at most {MAX_BOXES} boxes per picture")));
        }
        let mut out = Vec::with_capacity(list.len());
        for b in list {
            let obj = b.as_object().ok_or_else(|| bad("a box is an object"))?;
            if let Some(k) = obj
                .keys()
                .find(|k| !matches!(k.as_str(), "label" | "x" | "y" | "w" | "h" | "attributes"))
            {
                return Err(bad(format!("a box has no {k:?}")));
            }
            let label = b["label"]
                .as_str()
                .ok_or_else(|| bad("a box has a label"))?;
            if q.option_index(label).is_none() {
                return Err(bad(format!(
                    "{label:?} is not one of this question's classes"
                )));
            }
            let xywh: Vec<f64> = ["x", "y", "w", "h"]
                .iter()
                .map(|k| b[*k].as_f64().filter(|v| v.is_finite()))
                .collect::<Option<_>>()
                .ok_or_else(|| bad("a box has numbers x, y, w and h"))?;
            let [x, y, w, h] = [xywh[0], xywh[1], xywh[2], xywh[3]];
            if w <= 0.0 || h <= 0.0 || x < 0.0 || y < 0.0 {
                return Err(bad("a box has x, y ≥ 0 and a positive width and height"));
            }
            check_min_side(w, h, image)?;
            if let Some((iw, ih)) = image
                && (x + w > iw as f64 + 0.5 || y + h > ih as f64 + 0.5)
            {
                return Err(bad(format!("a box must stay inside the {iw}×{ih} image")));
            }
            let attrs = parse_attributes(q, b)?;
            let mut v = json!({"label": label, "x": x, "y": y, "w": w, "h": h});
            if !attrs.is_empty() {
                v["attributes"] = Value::Object(attrs);
            }
            out.push(v);
        }
        Ok(Value::Array(out))
    }

    /// The share of gold boxes matched (same class, IoU ≥ 0.5, one to one) over the larger
    /// of the two counts; attributes count as part of the box when gold gives them.
    fn score(&self, q: &Question, answer: &Value, gold: &Value) -> f64 {
        let keys = Self::keys(q);
        let read = |v: &Value| -> Vec<(u32, BBox, Value)> {
            v.as_array()
                .into_iter()
                .flatten()
                .filter_map(|b| read_box(b, &keys).map(|(c, bb)| (c, bb, b["attributes"].clone())))
                .collect()
        };
        let (a, g) = (read(answer), read(gold));
        if a.is_empty() && g.is_empty() {
            return 1.0;
        }
        let mut used = vec![false; a.len()];
        let mut hits = 0.0;
        for (gc, gb, gattrs) in &g {
            let best = a
                .iter()
                .enumerate()
                .filter(|(i, (c, _, _))| !used[*i] && c == gc)
                .max_by(|x, y| x.1.1.iou(gb).total_cmp(&y.1.1.iou(gb)));
            if let Some((i, (_, bb, attrs))) = best
                && bb.iou(gb) >= 0.5
            {
                used[i] = true;
                let wanted = gattrs.as_object().map(|m| m.len()).unwrap_or(0);
                let same = gattrs
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter(|(k, v)| attrs.get(k.as_str()) == Some(v))
                    .count();
                hits += if wanted == 0 {
                    1.0
                } else {
                    0.5 + 0.5 * same as f64 / wanted as f64
                };
            }
        }
        hits / a.len().max(g.len()) as f64
    }

    fn consensus(&self, q: &Question, answers: &[Value], voters: Voters<'_>) -> Agreed {
        let lists: Vec<&Value> = answers.iter().collect();
        let (boxes, confidence, settles) =
            agree(&lists, voters.index, &Self::keys(q), &q.settings.attributes);
        Agreed {
            answer: boxes.map(Value::Array),
            confidence,
            settles,
        }
    }

    /// Nominal alpha over the number of boxes of each class an answer draws (how much
    /// people agree on what is there; their fit is in the consensus's `mean_iou`).
    fn agreement(&self, q: &Question, items: &[Vec<Value>]) -> Option<f64> {
        class_count_alpha(&Self::keys(q), items)
    }

    fn objects(&self, answer: &Value) -> Option<usize> {
        answer.as_array().map(Vec::len)
    }

    fn cell(&self, _q: &Question, answer: &Value) -> String {
        answer.to_string()
    }
}
