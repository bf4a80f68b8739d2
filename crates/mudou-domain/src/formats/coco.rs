//! COCO (the JSON of `instances_*.json` / `person_keypoints_*.json`) both ways for every
//! drawing kind COCO carries, as pure functions; the server streams the file and finds the
//! pictures.
//!
//! Which questions: every drawing question of the template but polylines ([`questions`]):
//! COCO has no lines, so a polyline question is left out and an order with nothing else is
//! refused (use CVAT or Label Studio). Category ids run over those questions' options in
//! order from 1 (one question: option order + 1, as the box export always wrote); with
//! several questions each category's `supercategory` is its question's key (with one it
//! stays `""`).
//!
//! Each object becomes one annotation (`iscrowd` 0, attributes under `attributes`):
//! - boxes: `bbox` [x, y, w, h], `area` w × h.
//! - polygon: `segmentation` [[x1, y1, …]] (the outline), `bbox` of it, `area` the outline's
//!   area less the holes'. A polygon WITH holes cannot be a COCO polygon: it is written as a
//!   compressed RLE (pycocotools' rasterisation, [`Rle::from_polygon`]) and its exact outline
//!   and holes under `mudou_polygon` {"points", "holes"} (other tools ignore the key). On
//!   import an RLE into a polygon question is read back only from that key: any other RLE
//!   is refused (a mask has no outline to give back).
//! - rotated box: `segmentation` its four corners, `bbox` the box around them, `area` w × h
//!   and `attributes.rotation` the angle in degrees clockwise in [0, 360) as CVAT writes it.
//!   Import: four corners and `rotation` give back (cx, cy, w, h, angle); CVAT's own
//!   `bbox` (unturned) with `rotation` and no segmentation too.
//! - mask: `segmentation` {"size": [h, w], "counts": compressed}, `bbox` and `area` of the
//!   RLE as pycocotools computes them. Import also takes a list of run lengths, or polygons
//!   (rasterised at the picture's size).
//! - keypoints: the category carries `keypoints` (the skeleton's point keys), `skeleton`
//!   (edges 1-based as COCO writes them) and `sigmas` (each point's, for COCOeval's
//!   `kpt_oks_sigmas`); the annotation `keypoints` [x, y, v, …], `num_keypoints` (v > 0),
//!   `bbox` of the placed points and `area` that box with each side at least half the
//!   longer one ([`keypoints_area`], the area Mudou's own OKS uses: the box of points nearly
//!   on a line would make any distance fatal).
//!
//! Import checks each object by its question exactly as a submitted answer
//! ([`known_answer`]).

use std::collections::HashMap;

use mudou_consensus::shapes::{Keypoint, Polygon, Rle, RotatedBox, keypoints_area};
use serde_json::{Map, Value, json};

use crate::template::{Question, Template};

/// Keys CVAT puts in every annotation's `attributes`; dropped on import unless the question
/// has an attribute of that key.
const CVAT_KEYS: &[&str] = &["occluded", "rotation", "track_id", "keyframe", "z_order"];

/// The questions a COCO file carries: the template's drawing questions but polylines, on
/// the picture the first of them is drawn on (a COCO image is one picture; an item's size
/// is its first picture's).
pub fn questions(t: &Template) -> Vec<&Question> {
    let drawn = |q: &&Question| q.kind().needs_image() && q.kind != "polyline";
    let field = t.questions.iter().find(drawn).map(|q| &q.field);
    t.questions
        .iter()
        .filter(drawn)
        .filter(|q| Some(&q.field) == field)
        .collect()
}

/// Why an order cannot be written as COCO: `None` when some question fits.
pub fn refusal(t: &Template, what: &str) -> Option<String> {
    if !questions(t).is_empty() {
        return None;
    }
    Some(if t.questions.iter().any(|q| q.kind == "polyline") {
        "COCO has no lines: a polyline question is not exported to COCO; use CVAT or Label Studio"
            .to_owned()
    } else {
        format!(
            "COCO exports hold drawings (boxes, polygons, rotated boxes, masks, keypoints) and this is a {what} order: use jsonl, csv or labelstudio"
        )
    })
}

/// The `categories` of the file: one per option of each question, ids from 1 in order.
pub fn categories(qs: &[&Question]) -> Vec<Value> {
    let mut out = Vec::new();
    for q in qs {
        for o in &q.options {
            let mut c = json!({"id": out.len() + 1, "name": o.key,
                "supercategory": if qs.len() > 1 { q.key.as_str() } else { "" }});
            if let Some(s) = q
                .settings
                .skeleton
                .as_ref()
                .filter(|_| q.kind == "keypoints")
            {
                c["keypoints"] = json!(s.points.iter().map(|p| &p.key).collect::<Vec<_>>());
                c["skeleton"] = json!(
                    s.edges
                        .iter()
                        .map(|e| [e[0] as u64 + 1, e[1] as u64 + 1])
                        .collect::<Vec<_>>()
                );
                c["sigmas"] = json!(s.points.iter().map(|p| p.sigma).collect::<Vec<_>>());
            }
            out.push(c);
        }
    }
    out
}

fn nums(v: &Value) -> Option<Vec<f64>> {
    v.as_array()?.iter().map(Value::as_f64).collect()
}

fn pairs(v: &Value) -> Option<Vec<[f64; 2]>> {
    v.as_array()?
        .iter()
        .map(|p| Some([p.get(0)?.as_f64()?, p.get(1)?.as_f64()?]))
        .collect()
}

fn flat(points: &[[f64; 2]]) -> Value {
    json!(points.iter().flat_map(|p| [p[0], p[1]]).collect::<Vec<_>>())
}

/// The box around some points, [x, y, w, h].
fn bbox_of(points: impl IntoIterator<Item = [f64; 2]>) -> [f64; 4] {
    let mut b = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for p in points {
        b = [
            b[0].min(p[0]),
            b[1].min(p[1]),
            b[2].max(p[0]),
            b[3].max(p[1]),
        ];
    }
    if !b[0].is_finite() {
        return [0.0; 4];
    }
    [b[0], b[1], b[2] - b[0], b[3] - b[1]]
}

/// A ring's area (shoelace), unsigned.
fn ring_area(r: &[[f64; 2]]) -> f64 {
    let n = r.len();
    let mut s = 0.0;
    for i in 0..n {
        let (a, b) = (r[i], r[(i + 1) % n]);
        s += a[0] * b[1] - b[0] * a[1];
    }
    (s / 2.0).abs()
}

/// pycocotools' `rleToBbox`: [x, y, w, h] of the mask's pixels.
pub fn rle_bbox(r: &Rle) -> [f64; 4] {
    let h = u64::from(r.height);
    let m = r.counts.len() / 2 * 2;
    if m == 0 || h == 0 {
        return [0.0; 4];
    }
    let (mut xs, mut ys, mut xe, mut ye) = (u64::from(r.width), h, 0u64, 0u64);
    let (mut cc, mut xp) = (0u64, 0u64);
    for j in 0..m {
        cc += u64::from(r.counts[j]);
        let t = cc - (j % 2) as u64;
        let y = t % h;
        let x = (t - y) / h;
        if j % 2 == 0 {
            xp = x;
        } else if xp < x {
            ys = 0;
            ye = h - 1;
        }
        xs = xs.min(x);
        xe = xe.max(x);
        ys = ys.min(y);
        ye = ye.max(y);
    }
    [
        xs as f64,
        ys as f64,
        (xe - xs + 1) as f64,
        (ye - ys + 1) as f64,
    ]
}

/// A stored mask's RLE (counts compressed, or a list of runs).
fn stored_rle(v: &Value) -> Option<Rle> {
    let size = v["size"].as_array()?;
    let (h, w) = (
        u32::try_from(size.first()?.as_u64()?).ok()?,
        u32::try_from(size.get(1)?.as_u64()?).ok()?,
    );
    match &v["counts"] {
        Value::String(s) => Rle::from_compressed(h, w, s).ok(),
        c => Rle::new(
            h,
            w,
            c.as_array()?
                .iter()
                .map(|n| u32::try_from(n.as_u64()?).ok())
                .collect::<Option<_>>()?,
        )
        .ok(),
    }
}

pub(crate) fn rle_json(r: &Rle) -> Value {
    json!({"size": [r.height, r.width], "counts": r.to_compressed()})
}

/// The COCO fields of one object of question `q` on a `size` (width, height) picture:
/// `category_id`, `segmentation`, `bbox`, `area`, `iscrowd`, keypoints, `attributes`
/// (the caller adds `id`, `image_id` and `score`). `None` for an object it cannot read.
fn annotation(
    q: &Question,
    first_id: usize,
    o: &Value,
    size: (i64, i64),
) -> Option<Map<String, Value>> {
    let cat = first_id + q.option_index(o["label"].as_str()?)?;
    let mut a = Map::new();
    a.insert("category_id".into(), json!(cat));
    let mut attributes = o["attributes"].as_object().cloned().unwrap_or_default();
    let (bbox, area) = match q.kind.as_str() {
        "boxes" => {
            let (x, y, w, h) = (
                o["x"].as_f64()?,
                o["y"].as_f64()?,
                o["w"].as_f64()?,
                o["h"].as_f64()?,
            );
            ([x, y, w, h], w * h)
        }
        "polygon" => {
            let outline = pairs(&o["points"])?;
            let holes: Vec<Vec<[f64; 2]>> = match o.get("holes") {
                None | Some(Value::Null) => Vec::new(),
                Some(h) => h.as_array()?.iter().map(pairs).collect::<Option<_>>()?,
            };
            let area = ring_area(&outline) - holes.iter().map(|h| ring_area(h)).sum::<f64>();
            let bbox = bbox_of(outline.iter().copied());
            if holes.is_empty() {
                a.insert("segmentation".into(), json!([flat(&outline)]));
            } else {
                let p = Polygon {
                    exterior: outline.clone(),
                    holes: holes.clone(),
                };
                let (w, h) = (u32::try_from(size.0).ok()?, u32::try_from(size.1).ok()?);
                a.insert(
                    "segmentation".into(),
                    rle_json(&Rle::from_polygon(&p, h, w)),
                );
                a.insert(
                    "mudou_polygon".into(),
                    json!({"points": o["points"], "holes": o["holes"]}),
                );
            }
            (bbox, area)
        }
        "rotated_box" => {
            let b = RotatedBox {
                cx: o["cx"].as_f64()?,
                cy: o["cy"].as_f64()?,
                w: o["w"].as_f64()?,
                h: o["h"].as_f64()?,
                angle: o["angle"].as_f64()?,
            };
            let corners = b.corners();
            a.insert("segmentation".into(), json!([flat(&corners)]));
            attributes.insert("rotation".into(), json!(b.angle.rem_euclid(360.0)));
            (bbox_of(corners), b.w * b.h)
        }
        "mask" => {
            let r = stored_rle(&o["rle"])?;
            a.insert("segmentation".into(), rle_json(&r));
            (rle_bbox(&r), r.area() as f64)
        }
        "keypoints" => {
            let points: Vec<Keypoint> = o["points"]
                .as_array()?
                .iter()
                .map(|p| {
                    Some(Keypoint {
                        x: p.get(0)?.as_f64()?,
                        y: p.get(1)?.as_f64()?,
                        v: u8::try_from(p.get(2)?.as_u64()?).ok()?,
                    })
                })
                .collect::<Option<_>>()?;
            let placed = points.iter().filter(|p| p.v > 0);
            a.insert(
                "keypoints".into(),
                json!(
                    points
                        .iter()
                        .flat_map(|p| [json!(p.x), json!(p.y), json!(p.v)])
                        .collect::<Vec<_>>()
                ),
            );
            a.insert("num_keypoints".into(), json!(placed.clone().count()));
            (bbox_of(placed.map(|p| [p.x, p.y])), keypoints_area(&points))
        }
        _ => return None,
    };
    a.insert("bbox".into(), json!(bbox));
    a.insert("area".into(), json!(area));
    a.insert("iscrowd".into(), json!(0));
    if !attributes.is_empty() {
        a.insert("attributes".into(), Value::Object(attributes));
    }
    Some(a)
}

/// The annotations of one answer (`{"<question key>": [objects]}`) on a `size` (width,
/// height) picture, in question then object order; objects it cannot read are left out.
pub fn annotations(qs: &[&Question], answer: &Value, size: (i64, i64)) -> Vec<Map<String, Value>> {
    let mut out = Vec::new();
    let mut first = 1;
    for q in qs {
        for o in answer[q.key.as_str()].as_array().into_iter().flatten() {
            if let Some(a) = annotation(q, first, o, size) {
                out.push(a);
            }
        }
        first += q.options.len();
    }
    out
}

/// One picture of a COCO file and its annotations.
#[derive(Debug, Clone)]
pub struct FileImage {
    /// Its place in `images`.
    pub index: usize,
    /// Its `file_name` (empty when it has none).
    pub file_name: String,
    /// Its annotations, in file order.
    pub annotations: Vec<Value>,
}

/// A COCO file's categories read against the questions: each category id's question
/// (index into `qs`) and option, or why it fits none.
pub type CategoryMap = HashMap<i64, Result<(usize, usize), String>>;

fn id_of(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// Reads a COCO file: its pictures with their annotations and its categories against
/// `qs`. `Err` when it is not a COCO file at all (no `images` list, an annotation or
/// category that is not an object or has no id).
pub fn read_file(qs: &[&Question], file: &Value) -> Result<(Vec<FileImage>, CategoryMap), String> {
    let obj = file
        .as_object()
        .ok_or("a COCO file is a JSON object with images, annotations and categories")?;
    let images = obj
        .get("images")
        .and_then(Value::as_array)
        .ok_or("a COCO file has an images list")?;
    let mut out = Vec::with_capacity(images.len());
    let mut by_id: HashMap<String, usize> = HashMap::new();
    for (index, im) in images.iter().enumerate() {
        let id = id_of(&im["id"]).ok_or_else(|| format!("images[{index}] has no id"))?;
        by_id.insert(id, index);
        out.push(FileImage {
            index,
            file_name: im["file_name"].as_str().unwrap_or_default().to_owned(),
            annotations: Vec::new(),
        });
    }
    let anns = match obj.get("annotations") {
        None | Some(Value::Null) => &Vec::new(),
        Some(v) => v.as_array().ok_or("annotations is a list")?,
    };
    for (i, a) in anns.iter().enumerate() {
        if !a.is_object() {
            return Err(format!("annotations[{i}] is not an object"));
        }
        let im =
            id_of(&a["image_id"]).ok_or_else(|| format!("annotations[{i}] has no image_id"))?;
        // An annotation of a picture the file does not list belongs to no picture.
        if let Some(&k) = by_id.get(&im) {
            out[k].annotations.push(a.clone());
        }
    }
    let mut cats = CategoryMap::new();
    let list = match obj.get("categories") {
        None | Some(Value::Null) => &Vec::new(),
        Some(v) => v.as_array().ok_or("categories is a list")?,
    };
    for (i, c) in list.iter().enumerate() {
        let id = c["id"]
            .as_i64()
            .ok_or_else(|| format!("categories[{i}] has no whole-number id"))?;
        let name = c["name"].as_str().unwrap_or_default();
        let sup = c["supercategory"].as_str().unwrap_or_default();
        let found = qs
            .iter()
            .enumerate()
            .filter(|(_, q)| q.option_index(name).is_some())
            .min_by_key(|(_, q)| q.key != sup)
            .map(|(k, q)| (k, q.option_index(name).unwrap_or_default()));
        cats.insert(
            id,
            found.ok_or_else(|| {
                format!(
                    "category {id} ({name:?}) is none of the order's classes ({})",
                    qs.iter()
                        .flat_map(|q| q.options.iter().map(|o| o.key.as_str()))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }),
        );
    }
    Ok((out, cats))
}

fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

/// An annotation's segmentation as polygons (rings of points), `None` when it is an RLE or
/// missing.
fn rings(seg: &Value) -> Option<Result<Vec<Vec<[f64; 2]>>, String>> {
    let list = seg.as_array()?;
    Some(
        list.iter()
            .map(|r| {
                let n = nums(r).ok_or("a polygon is a list of numbers")?;
                if n.len() % 2 != 0 {
                    return Err("a polygon has an even count of numbers (x, y pairs)".to_owned());
                }
                Ok(n.chunks(2).map(|c| [c[0], c[1]]).collect())
            })
            .collect(),
    )
}

/// The Mudou object (unchecked) of one annotation for question `q` on a picture of `size`.
fn object_of(q: &Question, a: &Value, size: (i64, i64)) -> Result<Value, String> {
    let seg = &a["segmentation"];
    let mut attributes = a["attributes"].as_object().cloned().unwrap_or_default();
    let rotation = attributes.get("rotation").and_then(Value::as_f64);
    attributes.retain(|k, _| {
        !CVAT_KEYS.contains(&k.as_str()) || q.settings.attributes.iter().any(|d| d.key == *k)
    });
    let bbox = || {
        nums(&a["bbox"])
            .filter(|b| b.len() == 4)
            .ok_or("bbox is [x, y, w, h]")
    };
    let mut o = match q.kind.as_str() {
        "boxes" => {
            let b = bbox()?;
            json!({"x": b[0], "y": b[1], "w": b[2], "h": b[3]})
        }
        "polygon" => match rings(seg) {
            Some(r) => {
                let r = r?;
                match r.as_slice() {
                    [one] => json!({"points": one}),
                    [] => return Err("the segmentation holds no polygon".into()),
                    _ => {
                        return Err(format!(
                            "a polygon of {} parts: a polygon question takes one outline (with holes)",
                            r.len()
                        ));
                    }
                }
            }
            None => match a.get("mudou_polygon") {
                Some(p) if seg.is_object() => {
                    let mut o = json!({"points": p["points"]});
                    if !p["holes"].is_null() {
                        o["holes"] = p["holes"].clone();
                    }
                    o
                }
                _ if seg.is_object() => {
                    return Err(
                        "an RLE mask cannot become a polygon (only Mudou's own export of a polygon with holes, which keeps the outline, can)"
                            .into(),
                    );
                }
                _ => return Err("a polygon needs a segmentation".into()),
            },
        },
        "rotated_box" => match rings(seg).transpose()?.filter(|r| !r.is_empty()) {
            Some(r) => {
                let [c0, c1, c2, c3] = <[[f64; 2]; 4]>::try_from(r[0].clone())
                    .ok()
                    .filter(|_| r.len() == 1)
                    .ok_or("a rotated box is one polygon of its 4 corners")?;
                let d = |p: [f64; 2], q: [f64; 2]| (q[0] - p[0]).hypot(q[1] - p[1]);
                let angle =
                    rotation.unwrap_or_else(|| (c1[1] - c0[1]).atan2(c1[0] - c0[0]).to_degrees());
                json!({
                    "cx": round6((c0[0] + c1[0] + c2[0] + c3[0]) / 4.0),
                    "cy": round6((c0[1] + c1[1] + c2[1] + c3[1]) / 4.0),
                    "w": round6(d(c0, c1)), "h": round6(d(c1, c2)), "angle": angle,
                })
            }
            None => {
                // CVAT's own: the unturned box and its rotation.
                let b = bbox()?;
                json!({"cx": round6(b[0] + b[2] / 2.0), "cy": round6(b[1] + b[3] / 2.0),
                       "w": b[2], "h": b[3], "angle": rotation.unwrap_or(0.0)})
            }
        },
        "mask" => match rings(seg) {
            Some(r) => {
                let r = r?;
                let (w, h) = (
                    u32::try_from(size.0).map_err(|_| "no picture size")?,
                    u32::try_from(size.1).map_err(|_| "no picture size")?,
                );
                if r.iter().any(|ring| ring.len() < 3) {
                    return Err("a polygon of a mask has at least 3 points".into());
                }
                // Checked before drawing: the rasteriser walks every pixel between points.
                if let Some(p) = r.iter().flatten().find(|p| {
                    !(p[0].is_finite()
                        && p[1].is_finite()
                        && (-0.5..=size.0 as f64 + 0.5).contains(&p[0])
                        && (-0.5..=size.1 as f64 + 0.5).contains(&p[1]))
                }) {
                    return Err(format!(
                        "the point [{}, {}] is outside the {}×{} picture",
                        p[0], p[1], size.0, size.1
                    ));
                }
                let parts: Vec<Polygon> = r.into_iter().map(Polygon::new).collect();
                json!({"rle": rle_json(&Rle::from_polygons(&parts, h, w))})
            }
            None if seg.is_object() => json!({"rle": seg}),
            None => return Err("a mask needs a segmentation".into()),
        },
        "keypoints" => {
            let k = nums(&a["keypoints"]).ok_or("keypoints is a list of numbers")?;
            if k.len() % 3 != 0 {
                return Err("keypoints is x, y, v for each point".into());
            }
            let points: Vec<Value> = k
                .chunks(3)
                .map(|c| {
                    let v = if c[2].fract() == 0.0 && (0.0..=255.0).contains(&c[2]) {
                        json!(c[2] as u64)
                    } else {
                        json!(c[2])
                    };
                    json!([c[0], c[1], v])
                })
                .collect();
            json!({"points": points})
        }
        other => return Err(format!("COCO does not carry a {other} question")),
    };
    if !attributes.is_empty() {
        o["attributes"] = Value::Object(attributes);
    }
    Ok(o)
}

/// The known answer a picture's annotations give (`{"<question key>": [objects]}`, every
/// question of `qs` present: a listed picture without objects of a question has none), each
/// object checked by its question as a submitted answer with the picture's `size` (width,
/// height). `Err` names the first refused annotation and why.
pub fn known_answer(
    qs: &[&Question],
    cats: &CategoryMap,
    anns: &[Value],
    size: (i64, i64),
) -> Result<Map<String, Value>, String> {
    let mut lists: Vec<Vec<Value>> = vec![Vec::new(); qs.len()];
    for (i, a) in anns.iter().enumerate() {
        let at = |e: String| match id_of(&a["id"]) {
            Some(id) => format!("annotation {i} (id {id}): {e}"),
            None => format!("annotation {i}: {e}"),
        };
        let cat = a["category_id"]
            .as_i64()
            .ok_or_else(|| at("no category_id".into()))?;
        let (k, option) = cats
            .get(&cat)
            .ok_or_else(|| at(format!("category {cat} is not in the file's categories")))?
            .clone()
            .map_err(at)?;
        let q = qs[k];
        let mut o = object_of(q, a, size).map_err(at)?;
        o["label"] = json!(q.options[option].key);
        let checked = q
            .kind()
            .parse(q, &json!([o]), Some(size))
            .map_err(|e| at(e.message.trim_start_matches("[0]: ").to_owned()))?;
        lists[k].extend(checked.as_array().cloned().unwrap_or_default());
    }
    let mut out = Map::new();
    for (q, list) in qs.iter().zip(lists) {
        let checked = q
            .kind()
            .parse(q, &Value::Array(list), Some(size))
            .map_err(|e| format!("{}: {}", q.key, e.message))?;
        out.insert(q.key.clone(), checked);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template() -> Template {
        serde_json::from_value(json!({
            "fields": [{"name": "image", "kind": "image"}],
            "questions": [
                {"key": "outline", "kind": "polygon", "title_zh": "描", "field": "image",
                 "options": [{"key": "circle", "name_zh": "圆"}, {"key": "square", "name_zh": "方"}],
                 "settings": {"attributes": [{"key": "edge", "name_zh": "碰边"}]}},
                {"key": "pose", "kind": "keypoints", "title_zh": "点", "field": "image",
                 "required": false, "options": [{"key": "shape", "name_zh": "形"}],
                 "settings": {"skeleton": {"points": [
                     {"key": "top", "name_zh": "上", "sigma": 0.05},
                     {"key": "bottom", "name_zh": "下", "sigma": 0.07}],
                     "edges": [[0, 1]]}}},
                {"key": "turned", "kind": "rotated_box", "title_zh": "转", "field": "image",
                 "required": false, "options": [{"key": "ship", "name_zh": "船"}]},
                {"key": "paint", "kind": "mask", "title_zh": "涂", "field": "image",
                 "required": false, "options": [{"key": "spot", "name_zh": "斑"}]},
                {"key": "line", "kind": "polyline", "title_zh": "线", "field": "image",
                 "required": false, "options": [{"key": "road", "name_zh": "路"}]}
            ]
        }))
        .unwrap()
    }

    fn square(x: f64, y: f64, s: f64) -> Value {
        json!([[x, y], [x + s, y], [x + s, y + s], [x, y + s]])
    }

    /// Writes an answer as a COCO file of one picture, as the export does.
    fn file(qs: &[&Question], answer: &Value) -> Value {
        let anns: Vec<Value> = annotations(qs, answer, (64, 48))
            .into_iter()
            .enumerate()
            .map(|(i, mut a)| {
                a.insert("id".into(), json!(i + 1));
                a.insert("image_id".into(), json!(7));
                Value::Object(a)
            })
            .collect();
        json!({"images": [{"id": 7, "file_name": "a.jpg", "width": 64, "height": 48}],
               "annotations": anns, "categories": categories(qs)})
    }

    fn back(qs: &[&Question], f: &Value) -> Result<Value, String> {
        let (images, cats) = read_file(qs, f)?;
        known_answer(qs, &cats, &images[0].annotations, (64, 48)).map(Value::Object)
    }

    #[test]
    fn every_kind_goes_out_and_comes_back() {
        let t = template();
        let qs = questions(&t);
        assert_eq!(qs.len(), 4, "the polyline is left out");
        let mask = Rle::from_polygon(
            &Polygon::new(vec![[5.0, 5.0], [20.0, 5.0], [20.0, 30.0]]),
            48,
            64,
        );
        let answer = json!({
            "outline": [
                {"label": "square", "points": square(2.0, 2.0, 10.0), "attributes": {"edge": true}},
                {"label": "circle", "points": square(20.0, 10.0, 20.0), "holes": [square(25.0, 15.0, 5.0)]}
            ],
            "pose": [{"label": "shape", "points": [[10.0, 10.0, 2], [0.0, 0.0, 0]]}],
            "turned": [{"label": "ship", "cx": 30.0, "cy": 24.0, "w": 20.0, "h": 8.0, "angle": -30.0}],
            "paint": [{"label": "spot", "rle": rle_json(&mask)}],
        });
        let f = file(&qs, &answer);
        let cats = f["categories"].as_array().unwrap();
        assert_eq!(cats.len(), 5);
        assert_eq!(cats[2]["keypoints"], json!(["top", "bottom"]));
        assert_eq!(cats[2]["skeleton"], json!([[1, 2]]));
        assert_eq!(cats[2]["sigmas"], json!([0.05, 0.07]));
        assert_eq!(cats[0]["supercategory"], "outline");
        let a = f["annotations"].as_array().unwrap();
        assert_eq!(
            a[0]["segmentation"],
            json!([[2.0, 2.0, 12.0, 2.0, 12.0, 12.0, 2.0, 12.0]])
        );
        assert_eq!(a[0]["area"], json!(100.0));
        assert_eq!(a[0]["bbox"], json!([2.0, 2.0, 10.0, 10.0]));
        assert_eq!(a[0]["category_id"], 2);
        // The polygon with a hole: an RLE with its exact rings beside it.
        assert!(a[1]["segmentation"]["counts"].is_string());
        assert_eq!(a[1]["area"], json!(375.0));
        assert_eq!(a[2]["keypoints"], json!([10.0, 10.0, 2, 0.0, 0.0, 0]));
        assert_eq!(a[2]["num_keypoints"], 1);
        assert_eq!(a[3]["attributes"]["rotation"], json!(330.0));
        assert_eq!(a[3]["area"], json!(160.0));
        assert_eq!(a[4]["area"], json!(mask.area() as f64));
        assert_eq!(back(&qs, &f).unwrap(), answer);
    }

    #[test]
    fn rle_boxes_as_pycocotools() {
        // A 2×2 block at rows 1–2, columns 1–2 of a 4×4 picture.
        let mut m = vec![0u8; 16];
        for (c, r) in [(1, 1), (1, 2), (2, 1), (2, 2)] {
            m[c * 4 + r] = 1;
        }
        let r = Rle::encode(4, 4, &m).unwrap();
        assert_eq!(rle_bbox(&r), [1.0, 1.0, 2.0, 2.0]);
        // A run across a column boundary spans every row.
        let r = Rle::new(4, 4, vec![3, 2, 11]).unwrap();
        assert_eq!(rle_bbox(&r), [0.0, 0.0, 2.0, 4.0]);
    }

    #[test]
    fn bad_annotations_are_refused_with_their_reason() {
        let t = template();
        let qs = questions(&t);
        let (_, cats) = read_file(&qs, &file(&qs, &json!({}))).unwrap();
        let one = |a: Value| known_answer(&qs, &cats, &[a], (64, 48)).unwrap_err();
        let poly = |seg: Value| json!({"id": 3, "category_id": 1, "segmentation": seg});
        assert!(
            one(poly(json!([[1, 1, 5, 5]]))).contains("3 to"),
            "2 points"
        );
        assert!(one(poly(json!([[0, 0, 10, 10, 10, 0, 0, 10]]))).contains("crosses itself"));
        assert!(one(poly(json!([[0, 0, 100, 0, 100, 10]]))).contains("outside"));
        assert!(one(poly(json!({"size": [48, 64], "counts": "PP"}))).contains("RLE mask cannot"));
        assert!(one(json!({"category_id": 9})).contains("not in the file"));
        assert!(
            one(json!({"category_id": 3, "keypoints": [1, 1, 2]}))
                .contains("the skeleton has 2 points, this object 1")
        );
        let wrong = Rle::empty(10, 10);
        assert!(
            one(json!({"category_id": 5, "segmentation": rle_json(&wrong)}))
                .contains("the picture")
        );
        let (_, c) = read_file(
            &qs,
            &json!({"images": [], "categories": [{"id": 1, "name": "cat"}]}),
        )
        .unwrap();
        assert!(
            c[&1]
                .as_ref()
                .unwrap_err()
                .contains("none of the order's classes")
        );
        assert!(read_file(&qs, &json!([1])).is_err());
        assert!(read_file(&qs, &json!({"annotations": []})).is_err());
    }

    #[test]
    fn cvat_rotated_boxes_and_polygon_masks_are_read() {
        let t = template();
        let qs = questions(&t);
        let (_, cats) = read_file(&qs, &file(&qs, &json!({}))).unwrap();
        let got = known_answer(
            &qs,
            &cats,
            &[
                json!({"category_id": 4, "bbox": [10, 10, 20, 8], "segmentation": [],
                       "attributes": {"rotation": 90.0, "occluded": false}}),
                json!({"category_id": 5, "segmentation": [[5, 5, 20, 5, 20, 30]]}),
            ],
            (64, 48),
        )
        .unwrap();
        assert_eq!(
            got["turned"],
            json!([{"label": "ship", "cx": 20.0, "cy": 14.0, "w": 20.0, "h": 8.0, "angle": 90.0}])
        );
        assert!(got["paint"][0]["rle"]["counts"].is_string());
        let far = json!({"category_id": 5, "segmentation": [[5, 5, 1e12, 5, 20, 30]]});
        assert!(
            known_answer(&qs, &cats, &[far], (64, 48))
                .unwrap_err()
                .contains("outside the 64×48 picture")
        );
        assert_eq!(got["outline"], json!([]));
    }

    #[test]
    fn boxes_are_written_as_always() {
        let t: Template = serde_json::from_value(json!({
            "fields": [{"name": "image", "kind": "image"}],
            "questions": [{"key": "boxes", "kind": "boxes", "title_zh": "框", "field": "image",
                "options": [{"key": "cat", "name_zh": "猫"}, {"key": "car", "name_zh": "车"}],
                "settings": {"attributes": [{"key": "parked", "name_zh": "停着"}]}}]
        }))
        .unwrap();
        let qs = questions(&t);
        assert_eq!(
            categories(&qs),
            vec![
                json!({"id": 1, "name": "cat", "supercategory": ""}),
                json!({"id": 2, "name": "car", "supercategory": ""})
            ]
        );
        let answer = json!({"boxes": [{"label": "car", "x": 1.5, "y": 2.0, "w": 10.0, "h": 9.0,
                                       "attributes": {"parked": true}}]});
        let f = file(&qs, &answer);
        assert_eq!(
            f["annotations"][0],
            json!({"id": 1, "image_id": 7, "category_id": 2, "bbox": [1.5, 2.0, 10.0, 9.0],
                   "area": 90.0, "iscrowd": 0, "attributes": {"parked": true}})
        );
        assert_eq!(back(&qs, &f).unwrap(), answer);
    }

    #[test]
    fn a_polyline_order_is_refused() {
        let mut t = template();
        t.questions.retain(|q| q.kind == "polyline");
        assert!(
            refusal(&t, "template")
                .unwrap()
                .contains("CVAT or Label Studio")
        );
        assert!(refusal(&template(), "template").is_none());
    }
}
