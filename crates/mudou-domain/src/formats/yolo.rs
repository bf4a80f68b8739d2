//! YOLO label files (Ultralytics' layout), both ways: one text file per picture, one line
//! per object, coordinates normalised to the picture (0–1):
//! - boxes: detection, `class cx cy w h`;
//! - polygon: segmentation, `class x1 y1 x2 y2 …` (the outline only: YOLO has no holes, so
//!   holes are left out and counted in the export's `notes.txt`);
//! - rotated_box: OBB, `class x1 y1 … x4 y4`, the four corners clockwise from the box's own
//!   top left;
//! - keypoints: pose, `class cx cy w h px1 py1 v1 …` (the box is the placed points' bounds, an
//!   absent point `0 0 0`), `data.yaml` saying `kpt_shape: [K, 3]`;
//! - mask: segmentation, one line per connected part of the mask, traced along the pixels'
//!   edges (holes, again, left out and counted); read back through pycocotools' polygon
//!   rasteriser, so a mask comes back as the pixels whose centres its outline holds;
//! - polyline: none (YOLO has no lines): use CVAT or Label Studio.
//!
//! Objects' attributes are not written: YOLO has no place for them.
//!
//! Numbers are written with 6 decimals: a coordinate comes back within 5e-7 of the picture's
//! side (under 0.01 px for sides up to 20 000 px).

use std::collections::BTreeMap;

use mudou_consensus::shapes::{Polygon, Rle, RotatedBox};
use serde_json::{Map, Value, json};

use crate::template::Question;

/// The drawing kinds the formats know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Drawing {
    Boxes,
    Polygon,
    Polyline,
    Keypoints,
    RotatedBox,
    Mask,
}

impl Drawing {
    /// The kind of a drawing question (`None` for other kinds).
    pub fn of(q: &Question) -> Option<Drawing> {
        Some(match q.kind.as_str() {
            "boxes" => Drawing::Boxes,
            "polygon" => Drawing::Polygon,
            "polyline" => Drawing::Polyline,
            "keypoints" => Drawing::Keypoints,
            "rotated_box" => Drawing::RotatedBox,
            "mask" => Drawing::Mask,
            _ => return None,
        })
    }
}

/// Why a question cannot be written as YOLO, if it cannot.
pub fn unsupported(q: &Question) -> Option<String> {
    match Drawing::of(q) {
        None => Some(format!(
            "YOLO holds drawings and {:?} is a {} question",
            q.key, q.kind
        )),
        Some(Drawing::Polyline) => {
            Some("YOLO has no lines: export a polyline order as CVAT or Label Studio".into())
        }
        Some(_) => None,
    }
}

/// What the label files could not carry, counted over an export.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Lost {
    /// Holes of polygons left out.
    pub polygon_holes: usize,
    /// Holes of masks left out.
    pub mask_holes: usize,
}

impl Lost {
    /// `notes.txt`: what was left out, or `None` when nothing was.
    pub fn notes(&self) -> Option<String> {
        if *self == Lost::default() {
            return None;
        }
        Some(format!(
            "YOLO segmentation has no holes: the outlines were written, their holes left out.\n\
             polygon holes left out: {}\nmask holes left out: {}\n",
            self.polygon_holes, self.mask_holes
        ))
    }
}

/// Number of keypoints of a question's skeleton (0 for other kinds).
pub fn skeleton_len(q: &Question) -> usize {
    q.settings.skeleton.as_ref().map_or(0, |s| s.points.len())
}

/// `data.yaml` as Ultralytics reads it: the class names in order, and for keypoints
/// `kpt_shape` and `flip_idx` (identity: which points swap on a mirror image is not known).
pub fn data_yaml(q: &Question, title: &str) -> String {
    let mut s = format!(
        "# {}: labels only; put the pictures in images/ beside labels/ (same file stems).\n",
        title.replace(['\n', '\r'], " ")
    );
    s.push_str("path: .\ntrain: images\nval: images\n");
    s.push_str(&format!("nc: {}\nnames:\n", q.options.len()));
    for o in &q.options {
        s.push_str(&format!("  - '{}'\n", o.key.replace('\'', "''")));
    }
    if Drawing::of(q) == Some(Drawing::Keypoints) {
        let k = skeleton_len(q);
        s.push_str(&format!("kpt_shape: [{k}, 3]\nflip_idx: ["));
        s.push_str(&(0..k).map(|i| i.to_string()).collect::<Vec<_>>().join(", "));
        s.push_str("]\n");
    }
    s
}

/// `classes.txt`: one class name a line, in order.
pub fn classes_txt(q: &Question) -> String {
    q.options.iter().map(|o| format!("{}\n", o.key)).collect()
}

fn n(v: f64, of: i64) -> String {
    format!("{:.6}", (v / of.max(1) as f64).clamp(0.0, 1.0))
}

fn pts(v: &Value) -> Vec<[f64; 2]> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| Some([p.get(0)?.as_f64()?, p.get(1)?.as_f64()?]))
        .collect()
}

fn ring_line(out: &mut String, class: usize, ring: &[[f64; 2]], (w, h): (i64, i64)) {
    out.push_str(&class.to_string());
    for p in ring {
        out.push(' ');
        out.push_str(&n(p[0], w));
        out.push(' ');
        out.push_str(&n(p[1], h));
    }
    out.push('\n');
}

/// A stored object's rotated box.
pub(crate) fn rotated(o: &Value) -> Option<RotatedBox> {
    Some(RotatedBox {
        cx: o["cx"].as_f64()?,
        cy: o["cy"].as_f64()?,
        w: o["w"].as_f64()?,
        h: o["h"].as_f64()?,
        angle: o["angle"].as_f64()?,
    })
}

/// A stored object's mask.
pub(crate) fn rle_of(o: &Value) -> Option<Rle> {
    let size = o["rle"]["size"].as_array()?;
    let (h, w) = (
        u32::try_from(size.first()?.as_u64()?).ok()?,
        u32::try_from(size.get(1)?.as_u64()?).ok()?,
    );
    match &o["rle"]["counts"] {
        Value::String(s) => Rle::from_compressed(h, w, s).ok(),
        Value::Array(a) => Rle::new(
            h,
            w,
            a.iter()
                .map(|c| c.as_u64().and_then(|c| u32::try_from(c).ok()))
                .collect::<Option<_>>()?,
        )
        .ok(),
        _ => None,
    }
}

/// A mask as JSON, as the mask kind stores it.
pub(crate) fn rle_json(r: &Rle) -> Value {
    json!({"size": [r.height, r.width], "counts": r.to_compressed()})
}

/// One picture's label file: a line per object of the question's answer `objects` (a
/// picture `size` = width, height). Objects whose class is not one of the question's, or
/// whose geometry cannot be read, are left out (stored answers passed the kind's checks).
pub fn label_file(q: &Question, objects: &Value, size: (i64, i64), lost: &mut Lost) -> String {
    let Some(kind) = Drawing::of(q) else {
        return String::new();
    };
    let (w, h) = size;
    let mut out = String::new();
    for o in objects.as_array().into_iter().flatten() {
        let Some(class) = o["label"].as_str().and_then(|l| q.option_index(l)) else {
            continue;
        };
        match kind {
            Drawing::Boxes => {
                let (Some(x), Some(y), Some(bw), Some(bh)) = (
                    o["x"].as_f64(),
                    o["y"].as_f64(),
                    o["w"].as_f64(),
                    o["h"].as_f64(),
                ) else {
                    continue;
                };
                out.push_str(&format!(
                    "{class} {} {} {} {}\n",
                    n(x + bw / 2.0, w),
                    n(y + bh / 2.0, h),
                    n(bw, w),
                    n(bh, h)
                ));
            }
            Drawing::Polygon => {
                let ring = pts(&o["points"]);
                if ring.len() < 3 {
                    continue;
                }
                lost.polygon_holes += o["holes"].as_array().map_or(0, Vec::len);
                ring_line(&mut out, class, &ring, size);
            }
            Drawing::RotatedBox => {
                let Some(b) = rotated(o) else { continue };
                ring_line(&mut out, class, &b.corners(), size);
            }
            Drawing::Keypoints => {
                let kp: Vec<[f64; 3]> = o["points"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|p| {
                        Some([
                            p.get(0)?.as_f64()?,
                            p.get(1)?.as_f64()?,
                            p.get(2)?.as_f64()?,
                        ])
                    })
                    .collect();
                let placed: Vec<&[f64; 3]> = kp.iter().filter(|p| p[2] > 0.0).collect();
                let (x0, x1, y0, y1) = placed.iter().fold(
                    (
                        f64::INFINITY,
                        f64::NEG_INFINITY,
                        f64::INFINITY,
                        f64::NEG_INFINITY,
                    ),
                    |(a, b, c, d), p| (a.min(p[0]), b.max(p[0]), c.min(p[1]), d.max(p[1])),
                );
                if placed.is_empty() {
                    continue;
                }
                out.push_str(&format!(
                    "{class} {} {} {} {}",
                    n((x0 + x1) / 2.0, w),
                    n((y0 + y1) / 2.0, h),
                    n(x1 - x0, w),
                    n(y1 - y0, h)
                ));
                for p in &kp {
                    if p[2] > 0.0 {
                        out.push_str(&format!(" {} {} {}", n(p[0], w), n(p[1], h), p[2] as u8));
                    } else {
                        out.push_str(" 0.000000 0.000000 0");
                    }
                }
                out.push('\n');
            }
            Drawing::Mask => {
                let Some(r) = rle_of(o) else { continue };
                for (ring, outer) in mask_rings(&r) {
                    if !outer {
                        lost.mask_holes += 1;
                        continue;
                    }
                    let ring: Vec<[f64; 2]> =
                        ring.iter().map(|p| [p[0] as f64, p[1] as f64]).collect();
                    ring_line(&mut out, class, &ring, size);
                }
            }
            Drawing::Polyline => {}
        }
    }
    out
}

/// The outlines of a mask's parts and holes, traced along the pixels' edges (corners at
/// whole pixel coordinates, straight runs merged into one edge): `(ring, true)` for the
/// outline of a 4-connected part (clockwise on the screen), `(ring, false)` for a hole.
pub fn mask_rings(r: &Rle) -> Vec<(Vec<[i64; 2]>, bool)> {
    let (w, h) = (i64::from(r.width), i64::from(r.height));
    let px = r.decode();
    let on = |x: i64, y: i64| x >= 0 && y >= 0 && x < w && y < h && px[(y * w + x) as usize] != 0;
    // Directions: 0 east, 1 south, 2 west, 3 north (y down); the pixel on the right.
    const STEP: [[i64; 2]; 4] = [[1, 0], [0, 1], [-1, 0], [0, -1]];
    // Outgoing edges of each corner, by (y, x) so that rings start at their top left.
    let mut edges: BTreeMap<(i64, i64), u8> = BTreeMap::new();
    for x in 0..w {
        for y in 0..h {
            if !on(x, y) {
                continue;
            }
            let mut add = |cx: i64, cy: i64, d: u8| *edges.entry((cy, cx)).or_default() |= 1 << d;
            if !on(x, y - 1) {
                add(x, y, 0);
            }
            if !on(x + 1, y) {
                add(x + 1, y, 1);
            }
            if !on(x, y + 1) {
                add(x + 1, y + 1, 2);
            }
            if !on(x - 1, y) {
                add(x, y + 1, 3);
            }
        }
    }
    let mut rings = Vec::new();
    while let Some((&start, &bits)) = edges.iter().find(|(_, b)| **b != 0) {
        let start_dir = bits.trailing_zeros() as u8;
        let mut at = start;
        let mut dir = start_dir;
        let mut ring: Vec<[i64; 2]> = vec![[start.1, start.0]];
        loop {
            if let Some(b) = edges.get_mut(&at) {
                *b &= !(1 << dir);
            }
            at = (at.0 + STEP[dir as usize][1], at.1 + STEP[dir as usize][0]);
            let bits = edges.get(&at).copied().unwrap_or(0);
            // Keep to the same pixel at a corner two parts touch: right, straight, left.
            let mut next = None;
            let mut closed = false;
            for turn in [1u8, 0, 3] {
                let c = (dir + turn) % 4;
                if at == start && c == start_dir {
                    closed = true;
                    break;
                }
                if bits & (1 << c) != 0 {
                    next = Some(c);
                    break;
                }
            }
            if closed {
                break;
            }
            let Some(c) = next else { break };
            if c != dir {
                ring.push([at.1, at.0]);
            }
            dir = c;
        }
        // The start corner is a turn only when the last edge comes in another way.
        if ring.len() >= 2 && dir == start_dir {
            ring.remove(0);
        }
        let area2: i64 = (0..ring.len())
            .map(|i| {
                let (a, b) = (ring[i], ring[(i + 1) % ring.len()]);
                a[0] * b[1] - b[0] * a[1]
            })
            .sum();
        edges.retain(|_, b| *b != 0);
        rings.push((ring, area2 > 0));
    }
    rings
}

/// Class names read from a YOLO ZIP's `data.yaml` (`names:` as a flow list, a block list
/// or a map of index to name) and its `kpt_shape` (points, values per point).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DataYaml {
    pub names: Option<Vec<String>>,
    pub kpt_shape: Option<(usize, usize)>,
}

fn unquote(s: &str) -> String {
    let s = s.trim();
    let s = s.split(" #").next().unwrap_or(s).trim();
    if s.len() >= 2
        && ((s.starts_with('\'') && s.ends_with('\'')) || (s.starts_with('"') && s.ends_with('"')))
    {
        s[1..s.len() - 1].replace("''", "'")
    } else {
        s.to_owned()
    }
}

/// Reads the parts of `data.yaml` an import needs (a small reader of the forms Ultralytics
/// and the tools that write it use; not a YAML parser).
pub fn read_data_yaml(text: &str) -> Result<DataYaml, String> {
    let mut out = DataYaml::default();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        i += 1;
        if line.starts_with(' ') || line.starts_with('\t') {
            continue;
        }
        let Some((key, rest)) = line.split_once(':') else {
            continue;
        };
        let rest = rest.trim();
        match key.trim() {
            "names" => {
                if let Some(list) = rest.strip_prefix('[') {
                    let list = list
                        .trim_end()
                        .strip_suffix(']')
                        .ok_or("data.yaml: names: [ … ] is not closed on its line")?;
                    out.names = Some(
                        list.split(',')
                            .map(unquote)
                            .filter(|s| !s.is_empty())
                            .collect(),
                    );
                } else if rest.is_empty() || rest.starts_with('#') {
                    let mut names: Vec<(usize, String)> = Vec::new();
                    while i < lines.len()
                        && (lines[i].starts_with(' ')
                            || lines[i].starts_with('\t')
                            || lines[i].starts_with('-'))
                    {
                        let l = lines[i].trim();
                        i += 1;
                        if l.is_empty() || l.starts_with('#') {
                            continue;
                        }
                        if let Some(item) = l.strip_prefix('-') {
                            names.push((names.len(), unquote(item)));
                        } else if let Some((k, v)) = l.split_once(':') {
                            let k: usize = k.trim().parse().map_err(|_| {
                                format!("data.yaml: names: {k:?} is not a class index")
                            })?;
                            names.push((k, unquote(v)));
                        }
                    }
                    names.sort_by_key(|(k, _)| *k);
                    if names.iter().enumerate().any(|(i, (k, _))| i != *k) {
                        return Err("data.yaml: names: the class indices are not 0, 1, 2, …".into());
                    }
                    out.names = Some(names.into_iter().map(|(_, n)| n).collect());
                } else {
                    return Err("data.yaml: names is a list of class names".into());
                }
            }
            "kpt_shape" => {
                let v: Vec<usize> = rest
                    .trim_start_matches('[')
                    .split(']')
                    .next()
                    .unwrap_or_default()
                    .split(',')
                    .map(|s| s.trim().parse::<usize>())
                    .collect::<Result<_, _>>()
                    .map_err(|_| "data.yaml: kpt_shape is [points, 2 or 3]".to_owned())?;
                match v.as_slice() {
                    [k, d @ (2 | 3)] => out.kpt_shape = Some((*k, *d)),
                    _ => return Err("data.yaml: kpt_shape is [points, 2 or 3]".into()),
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// How a label file's class indices become the question's classes: by the file's names
/// (each must be one of the question's option keys), else by position.
pub struct Classes<'a> {
    pub q: &'a Question,
    pub names: Option<&'a [String]>,
    /// Values per keypoint (2 or 3; 3 when not said).
    pub kpt_dims: usize,
}

impl Classes<'_> {
    fn label(&self, index: &str) -> Result<String, String> {
        let i: usize = index
            .parse()
            .map_err(|_| format!("{index:?} is not a class index"))?;
        match self.names {
            Some(names) => {
                let name = names.get(i).ok_or_else(|| {
                    format!(
                        "class {i} is out of range (the file names {} classes)",
                        names.len()
                    )
                })?;
                if self.q.option_index(name).is_none() {
                    return Err(format!(
                        "class {i} is {name:?}, not one of the order's classes ({})",
                        self.keys()
                    ));
                }
                Ok(name.clone())
            }
            None => self.q.options.get(i).map(|o| o.key.clone()).ok_or_else(|| {
                format!(
                    "class {i} is out of range (the order has {} classes: {})",
                    self.q.options.len(),
                    self.keys()
                )
            }),
        }
    }

    fn keys(&self) -> String {
        self.q
            .options
            .iter()
            .map(|o| o.key.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A label file's objects as the question's answer (pixels of a `size` = width, height
/// picture), before the kind's own checks (the caller runs them, as for a submitted
/// answer). `Err` names the line and what is wrong with it.
pub fn objects_from_file(c: &Classes<'_>, text: &str, size: (i64, i64)) -> Result<Value, String> {
    read_lines(c, text, size, false).map(|(objects, _)| objects)
}

/// A model's label file (Ultralytics' `save_txt` with `save_conf`: each line's last number
/// the object's confidence, after its box, outline, corners or points) as the question's
/// answer and the confidences of the lines that give one (a line without one is read as
/// [`objects_from_file`] reads it). `Err` names the line and what is wrong with it.
pub fn scored_objects_from_file(
    c: &Classes<'_>,
    text: &str,
    size: (i64, i64),
) -> Result<(Value, Vec<f64>), String> {
    read_lines(c, text, size, true)
}

fn read_lines(
    c: &Classes<'_>,
    text: &str,
    size: (i64, i64),
    scored: bool,
) -> Result<(Value, Vec<f64>), String> {
    let kind = Drawing::of(c.q).ok_or("the question draws nothing")?;
    let (w, h) = (size.0 as f64, size.1 as f64);
    let mut out = Vec::new();
    let mut scores = Vec::new();
    for (ln, line) in text.lines().enumerate() {
        let at = |e: String| format!("line {}: {e}", ln + 1);
        let mut parts = line.split_whitespace();
        let Some(class) = parts.next() else { continue };
        let label = c.label(class).map_err(at)?;
        let mut v: Vec<f64> = parts
            .map(|s| s.parse::<f64>().ok().filter(|f| f.is_finite()))
            .collect::<Option<_>>()
            .ok_or_else(|| at("a coordinate is not a number".into()))?;
        // One number more than the drawing takes: the confidence.
        let with_conf = scored
            && match kind {
                Drawing::Boxes => v.len() == 5,
                Drawing::RotatedBox => v.len() == 9,
                Drawing::Polygon | Drawing::Mask => v.len() % 2 == 1,
                Drawing::Keypoints => v.len() == 5 + c.kpt_dims * skeleton_len(c.q),
                Drawing::Polyline => false,
            };
        if with_conf && let Some(conf) = v.pop() {
            if !(0.0..=1.0).contains(&conf) {
                return Err(at(format!("the confidence {conf} is not between 0 and 1")));
            }
            scores.push(conf);
        }
        // A pose line's visibility flags (every third number after the box) are 0, 1 or 2.
        let flag =
            |i: usize| kind == Drawing::Keypoints && c.kpt_dims == 3 && i >= 4 && (i - 4) % 3 == 2;
        if let Some((_, bad)) = v
            .iter()
            .enumerate()
            .find(|(i, f)| !flag(*i) && !(0.0..=1.0).contains(*f))
        {
            return Err(at(format!(
                "{bad} is not between 0 and 1 (YOLO coordinates are fractions of the picture)"
            )));
        }
        let ring = |v: &[f64]| -> Result<Vec<[f64; 2]>, String> {
            if !v.len().is_multiple_of(2) {
                return Err(at(format!("an odd number of coordinates ({})", v.len())));
            }
            if v.len() < 6 {
                return Err(at(format!(
                    "a polygon has at least 3 points (this has {})",
                    v.len() / 2
                )));
            }
            Ok(v.chunks(2).map(|p| [p[0] * w, p[1] * h]).collect())
        };
        let mut o = Map::new();
        o.insert("label".into(), Value::String(label));
        match kind {
            Drawing::Boxes => {
                let [cx, cy, bw, bh] = v[..] else {
                    return Err(at(format!(
                        "a box is class cx cy w h (this line has {} numbers after the class)",
                        v.len()
                    )));
                };
                o.insert("x".into(), json!(round((cx - bw / 2.0) * w)));
                o.insert("y".into(), json!(round((cy - bh / 2.0) * h)));
                o.insert("w".into(), json!(round(bw * w)));
                o.insert("h".into(), json!(round(bh * h)));
            }
            Drawing::Polygon => {
                let r = ring(&v)?;
                o.insert("points".into(), points_json(&r));
            }
            Drawing::RotatedBox => {
                if v.len() != 8 {
                    return Err(at(format!(
                        "an oriented box is class x1 y1 x2 y2 x3 y3 x4 y4 (this line has {} numbers)",
                        v.len()
                    )));
                }
                let p = ring(&v)?;
                let (cx, cy) = (
                    (p[0][0] + p[1][0] + p[2][0] + p[3][0]) / 4.0,
                    (p[0][1] + p[1][1] + p[2][1] + p[3][1]) / 4.0,
                );
                let d = |a: [f64; 2], b: [f64; 2]| (b[0] - a[0]).hypot(b[1] - a[1]);
                let angle = (p[1][1] - p[0][1]).atan2(p[1][0] - p[0][0]).to_degrees();
                o.insert("cx".into(), json!(round(cx)));
                o.insert("cy".into(), json!(round(cy)));
                o.insert("w".into(), json!(round(d(p[0], p[1]))));
                o.insert("h".into(), json!(round(d(p[1], p[2]))));
                o.insert("angle".into(), json!(round(angle)));
            }
            Drawing::Keypoints => {
                let k = skeleton_len(c.q);
                let dims = c.kpt_dims;
                if v.len() != 4 + dims * k {
                    return Err(at(format!(
                        "a pose line is class cx cy w h and {k} points of {dims} numbers ({} numbers), this has {}",
                        4 + dims * k,
                        v.len()
                    )));
                }
                let points: Vec<Value> = v[4..]
                    .chunks(dims)
                    .map(|p| {
                        let vis = if dims == 3 {
                            p[2]
                        } else if p[0] > 0.0 || p[1] > 0.0 {
                            2.0
                        } else {
                            0.0
                        };
                        if vis == 0.0 {
                            Ok(json!([0.0, 0.0, 0]))
                        } else if vis == 1.0 || vis == 2.0 {
                            Ok(json!([round(p[0] * w), round(p[1] * h), vis as u8]))
                        } else {
                            Err(at(format!("a point's visibility is 0, 1 or 2, not {vis}")))
                        }
                    })
                    .collect::<Result<_, _>>()?;
                o.insert("points".into(), Value::Array(points));
            }
            Drawing::Mask => {
                let r = ring(&v)?;
                let rle = Rle::from_polygon(&Polygon::new(r), size.1 as u32, size.0 as u32);
                o.insert("rle".into(), rle_json(&rle));
            }
            Drawing::Polyline => {
                return Err(
                    "YOLO has no lines: import a polyline order from CVAT or Label Studio".into(),
                );
            }
        }
        out.push(Value::Object(o));
    }
    Ok((Value::Array(out), scores))
}

/// Pixels to 1/100 px: 6 normalised decimals carry a coordinate to within 0.005 px on
/// sides up to 10 000 px, so a drawing in hundredths of a pixel comes back as it was.
fn round(v: f64) -> f64 {
    (v * 1e2).round() / 1e2
}

fn points_json(points: &[[f64; 2]]) -> Value {
    Value::Array(
        points
            .iter()
            .map(|p| json!([round(p[0]), round(p[1])]))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(kind: &str, settings: Value) -> Question {
        serde_json::from_value(
            json!({"key": "q", "kind": kind, "title_zh": "画", "field": "image",
            "settings": settings,
            "options": [{"key": "road", "name_zh": "路"}, {"key": "car", "name_zh": "车"}]}),
        )
        .unwrap()
    }

    fn back(q: &Question, text: &str, size: (i64, i64)) -> Result<Value, String> {
        objects_from_file(
            &Classes {
                q,
                names: None,
                kpt_dims: 3,
            },
            text,
            size,
        )
    }

    #[test]
    fn every_kind_goes_and_comes_back() {
        let size = (640, 480);
        let mut lost = Lost::default();
        let q = question("boxes", json!({}));
        let boxes = json!([{"label": "car", "x": 10.0, "y": 20.0, "w": 30.5, "h": 40.0}]);
        let f = label_file(&q, &boxes, size, &mut lost);
        assert_eq!(f, "1 0.039453 0.083333 0.047656 0.083333\n");
        let b = back(&q, &f, size).unwrap();
        for k in ["x", "y", "w", "h"] {
            assert!((b[0][k].as_f64().unwrap() - boxes[0][k].as_f64().unwrap()).abs() < 1e-3);
        }

        let q = question("polygon", json!({}));
        let poly = json!([{"label": "road", "points": [[10, 10], [100, 10], [100, 90]],
            "holes": [[[60, 20], [90, 20], [90, 50]]]}]);
        let f = label_file(&q, &poly, size, &mut lost);
        assert_eq!(lost.polygon_holes, 1);
        assert!(lost.notes().unwrap().contains("polygon holes left out: 1"));
        assert_eq!(
            back(&q, &f, size).unwrap()[0]["points"],
            json!([[10.0, 10.0], [100.0, 10.0], [100.0, 90.0]])
        );

        let q = question("rotated_box", json!({}));
        let rb = json!([{"label": "car", "cx": 200.0, "cy": 150.0, "w": 80.0, "h": 20.0, "angle": 30.0}]);
        let f = label_file(&q, &rb, size, &mut lost);
        assert_eq!(f.split_whitespace().count(), 9);
        let b = back(&q, &f, size).unwrap();
        for k in ["cx", "cy", "w", "h", "angle"] {
            assert!(
                (b[0][k].as_f64().unwrap() - rb[0][k].as_f64().unwrap()).abs() < 1e-2,
                "{k} {b}"
            );
        }

        let q = question(
            "keypoints",
            json!({"skeleton": {"points": [
            {"key": "a", "name_zh": "a", "sigma": 0.1}, {"key": "b", "name_zh": "b", "sigma": 0.1},
            {"key": "c", "name_zh": "c", "sigma": 0.1}], "edges": [[0, 1]]}}),
        );
        let kp = json!([{"label": "road", "points": [[100.0, 50.0, 2], [0.0, 0.0, 0], [200.0, 150.0, 1]]}]);
        let f = label_file(&q, &kp, size, &mut lost);
        assert_eq!(
            f,
            "0 0.234375 0.208333 0.156250 0.208333 0.156250 0.104167 2 0.000000 0.000000 0 0.312500 0.312500 1\n"
        );
        assert_eq!(back(&q, &f, size).unwrap()[0]["points"], kp[0]["points"]);
        assert!(
            back(&q, "0 0.5 0.5 0.1 0.1 0.1 0.1 2", size)
                .unwrap_err()
                .contains("3 points")
        );
        assert!(data_yaml(&q, "t").contains("kpt_shape: [3, 3]\nflip_idx: [0, 1, 2]"));
    }

    #[test]
    fn masks_are_traced_part_by_part() {
        // A 12 × 10 picture: a 4 × 3 block with a one-pixel hole, and a lone pixel touching
        // it only at a corner (a part of its own).
        let (w, h) = (12u32, 10u32);
        let mut px = vec![0u8; (w * h) as usize];
        let mut set = |x: u32, y: u32| px[(y * w + x) as usize] = 1;
        for x in 2..6 {
            for y in 1..4 {
                if (x, y) != (3, 2) {
                    set(x, y);
                }
            }
        }
        set(6, 4);
        let r = Rle::encode(h, w, &px).unwrap();
        let rings = mask_rings(&r);
        let outer: Vec<_> = rings.iter().filter(|r| r.1).collect();
        assert_eq!(outer.len(), 2, "{rings:?}");
        assert_eq!(outer[0].0, vec![[2, 1], [6, 1], [6, 4], [2, 4]]);
        assert_eq!(outer[1].0, vec![[6, 4], [7, 4], [7, 5], [6, 5]]);
        assert_eq!(rings.iter().filter(|r| !r.1).count(), 1);
        let q = question("mask", json!({}));
        let mut lost = Lost::default();
        let mask = json!([{"label": "road", "rle": rle_json(&r)}]);
        let f = label_file(&q, &mask, (w as i64, h as i64), &mut lost);
        assert_eq!(f.lines().count(), 2);
        assert_eq!(lost.mask_holes, 1);
        // Read back (pycocotools' rasteriser): the block, hole filled, is the same pixels.
        let b = back(&q, f.lines().next().unwrap(), (w as i64, h as i64)).unwrap();
        let got = rle_of(&b[0]).unwrap();
        assert_eq!(got.area(), 12, "{:?}", got.decode());
    }

    #[test]
    fn bad_lines_are_named() {
        let q = question("polygon", json!({}));
        let size = (100, 100);
        assert!(
            back(&q, "2 0.1 0.1 0.2 0.2 0.3 0.1", size)
                .unwrap_err()
                .contains("class 2 is out of range")
        );
        assert!(
            back(&q, "0 0.1 0.1 0.2 0.2 0.3", size)
                .unwrap_err()
                .contains("odd number")
        );
        assert!(
            back(&q, "0 0.1 0.1 0.2 0.2", size)
                .unwrap_err()
                .contains("at least 3 points")
        );
        assert!(
            back(&q, "\n0 0.1 0.1 0.2 1.2 0.3 0.1", size)
                .unwrap_err()
                .starts_with("line 2: 1.2 is not between 0 and 1")
        );
        let names = vec!["car".to_owned(), "boat".to_owned()];
        let c = Classes {
            q: &q,
            names: Some(&names),
            kpt_dims: 3,
        };
        assert_eq!(
            objects_from_file(&c, "0 0.1 0.1 0.2 0.2 0.3 0.1", size).unwrap()[0]["label"],
            "car"
        );
        assert!(
            objects_from_file(&c, "1 0.1 0.1 0.2 0.2 0.3 0.1", size)
                .unwrap_err()
                .contains("\"boat\", not one of")
        );
        let q = question("polyline", json!({}));
        assert!(unsupported(&q).unwrap().contains("CVAT"));
    }

    #[test]
    fn a_model_s_confidence_is_the_last_number() {
        let size = (100, 100);
        let q = question("boxes", json!({}));
        let c = Classes {
            q: &q,
            names: None,
            kpt_dims: 3,
        };
        let (o, s) =
            scored_objects_from_file(&c, "1 0.5 0.5 0.2 0.2 0.87\n0 0.3 0.3 0.1 0.1\n", size)
                .unwrap();
        assert_eq!(o.as_array().unwrap().len(), 2);
        assert_eq!(o[0]["label"], "car");
        assert_eq!(o[0]["x"], json!(40.0));
        assert_eq!(s, vec![0.87]);
        assert!(
            scored_objects_from_file(&c, "1 0.5 0.5 0.2 0.2 1.5", size)
                .unwrap_err()
                .contains("confidence 1.5")
        );
        // Known answers take no confidence.
        assert!(objects_from_file(&c, "1 0.5 0.5 0.2 0.2 0.87", size).is_err());
        let q = question("polygon", json!({}));
        let c = Classes {
            q: &q,
            names: None,
            kpt_dims: 3,
        };
        let (o, s) = scored_objects_from_file(&c, "0 0.1 0.1 0.5 0.1 0.5 0.5 0.25", size).unwrap();
        assert_eq!(o[0]["points"].as_array().unwrap().len(), 3);
        assert_eq!(s, vec![0.25]);
    }

    #[test]
    fn data_yaml_names_in_their_forms() {
        let q = question("boxes", json!({}));
        let y = read_data_yaml(&data_yaml(&q, "order 1")).unwrap();
        assert_eq!(y.names.unwrap(), vec!["road", "car"]);
        let y = read_data_yaml("names: ['a', \"b\", c]\nkpt_shape: [17, 3]\n").unwrap();
        assert_eq!(y.names.unwrap(), vec!["a", "b", "c"]);
        assert_eq!(y.kpt_shape, Some((17, 3)));
        let y = read_data_yaml("path: x\nnames:\n  1: car\n  0: road\n").unwrap();
        assert_eq!(y.names.unwrap(), vec!["road", "car"]);
        assert!(read_data_yaml("names:\n  0: a\n  2: b\n").is_err());
    }
}
