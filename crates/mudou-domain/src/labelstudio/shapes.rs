//! The drawing kinds beyond boxes as Label Studio regions, both ways (coordinates in
//! percent of the picture, as Label Studio writes them with `original_width`/`height`):
//!
//! - polygon ↔ `polygonlabels` `points` `[[x%, y%], …]`: Label Studio has no holes, so a
//!   polygon's holes are not written (its outline only);
//! - rotated box ↔ `rectanglelabels` with `rotation`: Label Studio keeps the top-left corner
//!   `(x, y)` before the turn and turns the box about it, degrees clockwise; Mudou keeps the
//!   centre. Written rotations are in `[0, 360)`, read ones become `(−180, 180]`;
//! - mask ↔ `brushlabels` with `format: "rle"` (Label Studio's own brush RLE, [`super::brush`]);
//! - keypoints ↔ `keypointlabels`: Label Studio has no skeleton and no object, only labelled
//!   points. Each skeleton point of each class is one `Label` whose alias is
//!   `class:point` (its `model_index` the point's place, as Label Studio's COCO converter
//!   wants); an object's placed points are written one after the other, and read back so:
//!   an object ends where its class changes or one of its points comes again. A hidden point
//!   (`v` 1) carries the region note `meta.text ["hidden"]`; an absent one is not written.
//!
//! Read back, pixels are rounded to 0.01 and angles to 0.0001°: written and read again, an
//! object comes back within that (masks exactly).
//!
//! A region that cannot be an object of its question (a class it does not have, a point
//! outside 0–100 %, fewer than 3 polygon points, a brush not of the picture's size) is
//! refused with the reason; the caller skips the whole task.

use mudou_consensus::shapes::{Rle, RotatedBox};
use serde_json::{Map, Value, json};

use super::{brush, option_key};
use crate::template::Question;

/// The kinds handled here.
pub(super) const KINDS: &[&str] = &["polygon", "keypoints", "mask", "rotated_box"];

/// Rounds pixels to 0.01, as boxes are read.
fn round(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

fn pct(v: f64, of: i64) -> f64 {
    v * 100.0 / of.max(1) as f64
}

/// A keypoint label's Label Studio name: `class:point`.
pub(super) fn keypoint_label(class: &str, point: &str) -> String {
    format!("{class}:{point}")
}

/// The Label Studio result type and label key of a kind.
fn result_type(kind: &str) -> &'static str {
    match kind {
        "polygon" => "polygonlabels",
        "keypoints" => "keypointlabels",
        "mask" => "brushlabels",
        _ => "rectanglelabels",
    }
}

/// One object's regions (each its id and `value`), in a `(w, h)` picture; empty when the
/// object cannot be read.
pub(super) fn regions(q: &Question, o: &Value, w: i64, h: i64, id: &str) -> Vec<(String, Value)> {
    let Some(label) = o["label"].as_str() else {
        return Vec::new();
    };
    let ty = result_type(&q.kind);
    match q.kind.as_str() {
        "polygon" => {
            let points: Option<Vec<Value>> = o["points"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| Some(json!([pct(p[0].as_f64()?, w), pct(p[1].as_f64()?, h)])))
                .collect();
            points
                .map(|p| {
                    vec![(
                        id.to_owned(),
                        json!({"points": p, "closed": true, ty: [label]}),
                    )]
                })
                .unwrap_or_default()
        }
        "rotated_box" => {
            let (Some(cx), Some(cy), Some(bw), Some(bh), Some(angle)) = (
                o["cx"].as_f64(),
                o["cy"].as_f64(),
                o["w"].as_f64(),
                o["h"].as_f64(),
                o["angle"].as_f64(),
            ) else {
                return Vec::new();
            };
            let b = RotatedBox {
                cx,
                cy,
                w: bw,
                h: bh,
                angle,
            };
            let (s, c) = b.angle.to_radians().sin_cos();
            let (hw, hh) = (b.w / 2.0, b.h / 2.0);
            let x0 = b.cx - (hw * c - hh * s);
            let y0 = b.cy - (hw * s + hh * c);
            vec![(
                id.to_owned(),
                json!({"x": pct(x0, w), "y": pct(y0, h), "width": pct(b.w, w),
                       "height": pct(b.h, h), "rotation": b.angle.rem_euclid(360.0), ty: [label]}),
            )]
        }
        "mask" => match stored_mask(o) {
            Some(m) => vec![(
                id.to_owned(),
                json!({"format": "rle", "rle": brush::from_mask(&m), ty: [label]}),
            )],
            None => Vec::new(),
        },
        "keypoints" => {
            let Some(sk) = &q.settings.skeleton else {
                return Vec::new();
            };
            let mut out = Vec::new();
            for (i, p) in o["points"].as_array().into_iter().flatten().enumerate() {
                let (Some(x), Some(y), Some(v), Some(sp)) = (
                    p[0].as_f64(),
                    p[1].as_f64(),
                    p[2].as_u64(),
                    sk.points.get(i),
                ) else {
                    continue;
                };
                if v == 0 {
                    continue;
                }
                let mut value = json!({"x": pct(x, w), "y": pct(y, h), "width": 0.5,
                                       ty: [keypoint_label(label, &sp.key)]});
                if v == 1 {
                    value["meta_hidden"] = json!(true);
                }
                out.push((format!("{id}.{i}"), value));
            }
            out
        }
        _ => Vec::new(),
    }
}

/// A stored mask (`rle` with its counts compressed, or a list of runs).
fn stored_mask(o: &Value) -> Option<Rle> {
    let rle = &o["rle"];
    let h = u32::try_from(rle["size"][0].as_u64()?).ok()?;
    let w = u32::try_from(rle["size"][1].as_u64()?).ok()?;
    match &rle["counts"] {
        Value::String(s) => Rle::from_compressed(h, w, s).ok(),
        Value::Array(list) => {
            let counts = list
                .iter()
                .map(|c| u32::try_from(c.as_u64()?).ok())
                .collect::<Option<_>>()?;
            Rle::new(h, w, counts).ok()
        }
        _ => None,
    }
}

/// A result entry of a region: the region's `value`, with a hidden keypoint's note moved to
/// the result's `meta`.
pub(super) fn region_result(
    q: &Question,
    to: &str,
    w: i64,
    h: i64,
    id: &str,
    mut value: Value,
) -> Value {
    let hidden = value
        .as_object_mut()
        .and_then(|v| v.remove("meta_hidden"))
        .is_some();
    let mut r = json!({"id": id, "from_name": q.key, "to_name": to,
                       "type": result_type(&q.kind), "origin": "manual",
                       "original_width": w, "original_height": h, "image_rotation": 0,
                       "value": value});
    if hidden {
        r["meta"] = json!({"text": ["hidden"]});
    }
    r
}

/// The geometry of a region's value, without its labels (what per-region choices repeat).
pub(super) fn geometry(q: &Question, value: &Value) -> Map<String, Value> {
    let mut g = value.as_object().cloned().unwrap_or_default();
    g.remove(result_type(&q.kind));
    g.remove("meta_hidden");
    g
}

/// The picture size a region is read in: the item's, else the result's own.
fn size_of(r: &Value, size: Option<(i64, i64)>) -> Option<(i64, i64)> {
    size.or_else(|| {
        Some((
            r["original_width"].as_i64()?,
            r["original_height"].as_i64()?,
        ))
    })
    .filter(|(w, h)| *w > 0 && *h > 0)
}

/// A percent coordinate, refused outside 0–100.
fn percent(v: &Value, what: &str) -> Result<f64, String> {
    let p = v
        .as_f64()
        .filter(|p| p.is_finite())
        .ok_or_else(|| format!("{what} is not a number"))?;
    if !(0.0..=100.0).contains(&p) {
        return Err(format!("{what} {p} is outside 0–100 %"));
    }
    Ok(p)
}

fn first_label<'a>(v: &'a Value, ty: &str) -> Option<&'a str> {
    v[ty]
        .get(0)
        .or_else(|| v["labels"].get(0))
        .and_then(Value::as_str)
}

/// The result types a question of kind `kind` reads.
pub(super) fn reads(kind: &str, ty: &str) -> bool {
    match kind {
        "polygon" => matches!(ty, "polygonlabels" | "polygon"),
        "keypoints" => matches!(ty, "keypointlabels" | "keypoint"),
        "mask" => matches!(ty, "brushlabels" | "brush"),
        "rotated_box" => matches!(ty, "rectanglelabels" | "rectangle"),
        _ => false,
    }
}

/// The objects a question's regions (in their order) make: each with the ids of its regions
/// (per-region choices find it by them), or why a region cannot be one.
pub(super) fn read(
    q: &Question,
    results: &[&Value],
    size: Option<(i64, i64)>,
) -> Result<Vec<(Vec<String>, Value)>, String> {
    let ty = result_type(&q.kind);
    let mut out: Vec<(Vec<String>, Value)> = Vec::new();
    let id_of = |r: &Value| r["id"].as_str().map(str::to_owned);
    // Keypoints: the object being read (its class and which points it has).
    let mut open: Option<(String, Vec<bool>)> = None;
    for (i, r) in results.iter().enumerate() {
        let at = |e: String| format!("region {i} ({}): {e}", r["type"].as_str().unwrap_or("?"));
        let v = &r["value"];
        let (w, h) = size_of(r, size).ok_or_else(|| at("no picture size".into()))?;
        let object = |label: String, geometry: Map<String, Value>| {
            let mut o = geometry;
            o.insert("label".into(), json!(label));
            if !q.settings.attributes.is_empty() {
                o.insert("attributes".into(), json!({}));
            }
            Value::Object(o)
        };
        if q.kind == "keypoints" {
            let sk = q
                .settings
                .skeleton
                .as_ref()
                .ok_or_else(|| at("the question has no skeleton".into()))?;
            let name = first_label(v, ty).ok_or_else(|| at("a point without a label".into()))?;
            let (class, point) = match name.split_once(':') {
                Some((c, p)) => (option_key(&q.options, c), p),
                None if q.options.len() == 1 => (Some(q.options[0].key.clone()), name),
                None => (None, name),
            };
            let class = class.ok_or_else(|| at(format!("{name:?} names no class of it")))?;
            let k = sk
                .points
                .iter()
                .position(|p| p.key == point || p.name_zh == point || p.name_en == point)
                .ok_or_else(|| at(format!("{name:?} names no point of its skeleton")))?;
            let x = percent(&v["x"], "x").map_err(at)?;
            let y = percent(&v["y"], "y").map_err(at)?;
            let hidden = r["meta"]["text"]
                .as_array()
                .is_some_and(|t| t.iter().any(|s| s == "hidden"));
            let same = open
                .as_ref()
                .is_some_and(|(c, placed)| *c == class && !placed[k]);
            if !same {
                let points = vec![json!([0, 0, 0]); sk.points.len()];
                out.push((
                    Vec::new(),
                    object(
                        class.clone(),
                        Map::from_iter([("points".into(), Value::Array(points))]),
                    ),
                ));
                open = Some((class, vec![false; sk.points.len()]));
            }
            let (_, placed) = open.as_mut().expect("an object is open");
            placed[k] = true;
            let last = out.last_mut().expect("an object is open");
            last.1["points"][k] = json!([
                round(x / 100.0 * w as f64),
                round(y / 100.0 * h as f64),
                if hidden { 1 } else { 2 }
            ]);
            last.0.extend(id_of(r));
            continue;
        }
        let label = first_label(v, ty)
            .ok_or_else(|| at("a region without a label".into()))?
            .to_owned();
        let label = option_key(&q.options, &label)
            .ok_or_else(|| at(format!("{label:?} is not one of its classes")))?;
        let geometry = match q.kind.as_str() {
            "polygon" => {
                let list = v["points"]
                    .as_array()
                    .ok_or_else(|| at("points are a list of [x%, y%]".into()))?;
                if list.len() < 3 {
                    return Err(at(format!(
                        "a polygon has at least 3 points (this has {})",
                        list.len()
                    )));
                }
                let points = list
                    .iter()
                    .enumerate()
                    .map(|(j, p)| {
                        let x = percent(&p[0], &format!("point {j} x"))?;
                        let y = percent(&p[1], &format!("point {j} y"))?;
                        Ok(json!([
                            round(x / 100.0 * w as f64),
                            round(y / 100.0 * h as f64)
                        ]))
                    })
                    .collect::<Result<Vec<_>, String>>()
                    .map_err(at)?;
                Map::from_iter([("points".into(), Value::Array(points))])
            }
            "rotated_box" => {
                let x = percent(&v["x"], "x").map_err(at)?;
                let y = percent(&v["y"], "y").map_err(at)?;
                let bw = percent(&v["width"], "width").map_err(at)? / 100.0 * w as f64;
                let bh = percent(&v["height"], "height").map_err(at)? / 100.0 * h as f64;
                let rot = v["rotation"].as_f64().unwrap_or(0.0);
                if !rot.is_finite() {
                    return Err(at("rotation is not a number".into()));
                }
                let mut angle = rot.rem_euclid(360.0);
                if angle > 180.0 {
                    angle -= 360.0;
                }
                let (s, c) = angle.to_radians().sin_cos();
                let (x0, y0) = (x / 100.0 * w as f64, y / 100.0 * h as f64);
                let b = RotatedBox {
                    cx: x0 + bw / 2.0 * c - bh / 2.0 * s,
                    cy: y0 + bw / 2.0 * s + bh / 2.0 * c,
                    w: bw,
                    h: bh,
                    angle,
                };
                Map::from_iter([
                    ("cx".into(), json!(round(b.cx))),
                    ("cy".into(), json!(round(b.cy))),
                    ("w".into(), json!(round(b.w))),
                    ("h".into(), json!(round(b.h))),
                    ("angle".into(), json!((b.angle * 1e4).round() / 1e4)),
                ])
            }
            _ => {
                if v["format"] != "rle" {
                    return Err(at("a brush is read in format \"rle\"".into()));
                }
                if let (Some(ow), Some(oh)) =
                    (r["original_width"].as_i64(), r["original_height"].as_i64())
                    && (ow, oh) != (w, h)
                {
                    return Err(at(format!(
                        "the brush is of a {ow}×{oh} picture, this one is {w}×{h}"
                    )));
                }
                let bytes: Vec<u8> = v["rle"]
                    .as_array()
                    .ok_or_else(|| at("rle is a list of bytes".into()))?
                    .iter()
                    .map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok()))
                    .collect::<Option<_>>()
                    .ok_or_else(|| at("rle is a list of bytes".into()))?;
                let m: Rle = brush::to_mask(&bytes, w as u32, h as u32).map_err(at)?;
                Map::from_iter([(
                    "rle".into(),
                    json!({"size": [m.height, m.width], "counts": m.to_compressed()}),
                )])
            }
        };
        out.push((id_of(r).into_iter().collect(), object(label, geometry)));
    }
    Ok(out)
}
