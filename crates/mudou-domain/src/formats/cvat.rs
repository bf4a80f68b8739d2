//! CVAT for images 1.1 XML, both ways: `<annotations><version>1.1</version><meta><task>` with
//! the order's classes as `<labels>` (each attribute of the question as an `<attribute>`:
//! a checkbox for a yes/no one, a select of its options otherwise), then one
//! `<image id name width height>` per picture holding its objects:
//! - boxes: `<box xtl ytl xbr ybr>`;
//! - rotated_box: `<box … rotation="…">`, CVAT's convention: the unturned box around the
//!   centre, turned by `rotation` degrees clockwise about it (0–360);
//! - polygon: `<polygon points="x,y;x,y;…">`, the outline only: CVAT has no holes, so a
//!   polygon's holes are left out and said in an XML comment in the picture's element;
//! - polyline: `<polyline points>`;
//! - keypoints: `<skeleton label>` holding a `<points label="<skeleton point key>"
//!   outside="0|1" occluded="0|1" points="x,y">` per point (an absent point `outside="1"`,
//!   a hidden one `occluded="1"`); the meta lists the skeleton's points as labels whose
//!   `<parent>` is the class;
//! - mask: `<mask rle left top width height>`, CVAT's own run lengths over the mask's
//!   bounding box, row by row, background first;
//! - every object's attributes as `<attribute name="…">value</attribute>` children.
//!
//! Coordinates are written in full (Rust's shortest exact form), so a file read back gives
//! the same numbers. Reading takes the same layout (and `<points>` shapes for keypoints,
//! all visible); `<track>`s (CVAT for video) are refused.

use std::fmt::Write as _;

use mudou_consensus::shapes::Rle;
use serde_json::{Map, Value, json};

use super::yolo::{Drawing, rle_json, rle_of, rotated};
use crate::template::Question;

/// `s` with XML's five special characters escaped (for text and attribute values).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot hold at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Why a question cannot be written as CVAT, if it cannot.
pub fn unsupported(q: &Question) -> Option<String> {
    Drawing::of(q).is_none().then(|| {
        format!(
            "CVAT holds drawings and {:?} is a {} question",
            q.key, q.kind
        )
    })
}

fn label_type(d: Drawing) -> &'static str {
    match d {
        Drawing::Boxes | Drawing::RotatedBox => "rectangle",
        Drawing::Polygon => "polygon",
        Drawing::Polyline => "polyline",
        Drawing::Keypoints => "skeleton",
        Drawing::Mask => "mask",
    }
}

/// The file's start: the XML declaration, `<version>` and the task's `<meta>` with the
/// question's classes (and their attributes) as labels. `title` names the task.
pub fn header(q: &Question, title: &str) -> String {
    let kind = Drawing::of(q).unwrap_or(Drawing::Boxes);
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<annotations>\n  <version>1.1</version>\n  <meta>\n    <task>\n",
    );
    let _ = writeln!(s, "      <name>{}</name>", escape(title));
    s.push_str("      <mode>annotation</mode>\n      <labels>\n");
    let attributes: String = q
        .settings
        .attributes
        .iter()
        .map(|a| {
            let (input, default, values) = if a.options.is_empty() {
                ("checkbox", "false".to_owned(), "false\ntrue".to_owned())
            } else {
                let keys: Vec<&str> = a.options.iter().map(|o| o.key.as_str()).collect();
                ("select", keys[0].to_owned(), keys.join("\n"))
            };
            format!(
                "            <attribute>\n              <name>{}</name>\n              <mutable>False</mutable>\n              <input_type>{input}</input_type>\n              <default_value>{}</default_value>\n              <values>{}</values>\n            </attribute>\n",
                escape(&a.key),
                escape(&default),
                escape(&values)
            )
        })
        .collect();
    for o in &q.options {
        let _ = write!(
            s,
            "        <label>\n          <name>{}</name>\n          <type>{}</type>\n          <attributes>\n{attributes}          </attributes>\n        </label>\n",
            escape(&o.key),
            label_type(kind)
        );
        if kind == Drawing::Keypoints {
            for p in q.settings.skeleton.iter().flat_map(|s| &s.points) {
                let _ = write!(
                    s,
                    "        <label>\n          <name>{}</name>\n          <type>points</type>\n          <attributes>\n          </attributes>\n          <parent>{}</parent>\n        </label>\n",
                    escape(&p.key),
                    escape(&o.key)
                );
            }
        }
    }
    s.push_str("      </labels>\n    </task>\n  </meta>\n");
    s
}

/// The file's end.
pub const FOOTER: &str = "</annotations>\n";

fn xy_list(points: &[[f64; 2]]) -> String {
    points
        .iter()
        .map(|p| format!("{},{}", p[0], p[1]))
        .collect::<Vec<_>>()
        .join(";")
}

fn pts(v: &Value) -> Vec<[f64; 2]> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| Some([p.get(0)?.as_f64()?, p.get(1)?.as_f64()?]))
        .collect()
}

fn attributes_xml(o: &Value) -> String {
    let mut s = String::new();
    for (k, v) in o["attributes"].as_object().into_iter().flatten() {
        let text = match v {
            Value::String(t) => t.clone(),
            other => other.to_string(),
        };
        let _ = write!(
            s,
            "\n      <attribute name=\"{}\">{}</attribute>",
            escape(k),
            escape(&text)
        );
    }
    s
}

/// A mask as CVAT writes it: `(rle, left, top, width, height)`, the runs row by row over
/// the mask's bounding box, background first. `None` for an empty mask.
pub fn cvat_rle(r: &Rle) -> Option<(String, u32, u32, u32, u32)> {
    let (w, h) = (r.width as usize, r.height as usize);
    let px = r.decode();
    let on = |x: usize, y: usize| px[y * w + x] != 0;
    let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
    for x in 0..w {
        for y in 0..h {
            if on(x, y) {
                x0 = x0.min(x);
                y0 = y0.min(y);
                x1 = x1.max(x);
                y1 = y1.max(y);
            }
        }
    }
    if x0 == usize::MAX {
        return None;
    }
    let mut runs: Vec<u32> = vec![0];
    let mut cur = false;
    for y in y0..=y1 {
        for x in x0..=x1 {
            let v = on(x, y);
            if v != cur {
                runs.push(0);
                cur = v;
            }
            *runs.last_mut().unwrap_or(&mut 0) += 1;
        }
    }
    let rle = runs
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    Some((
        rle,
        x0 as u32,
        y0 as u32,
        (x1 - x0 + 1) as u32,
        (y1 - y0 + 1) as u32,
    ))
}

/// One picture's `<image>` element with the objects of the question's answer `objects`
/// (a list; `Null` for a picture without an answer). `id` is the image's position in the
/// file.
pub fn image_element(
    q: &Question,
    id: usize,
    name: &str,
    size: (i64, i64),
    objects: &Value,
) -> String {
    let kind = Drawing::of(q).unwrap_or(Drawing::Boxes);
    let mut s = format!(
        "  <image id=\"{id}\" name=\"{}\" width=\"{}\" height=\"{}\">\n",
        escape(name),
        size.0,
        size.1
    );
    for (i, o) in objects.as_array().into_iter().flatten().enumerate() {
        let Some(label) = o["label"].as_str() else {
            continue;
        };
        let label = escape(label);
        let common = format!("label=\"{label}\" source=\"manual\" occluded=\"0\" z_order=\"0\"");
        let attrs = attributes_xml(o);
        let shape = match kind {
            Drawing::Boxes => {
                let (Some(x), Some(y), Some(w), Some(h)) = (
                    o["x"].as_f64(),
                    o["y"].as_f64(),
                    o["w"].as_f64(),
                    o["h"].as_f64(),
                ) else {
                    continue;
                };
                format!(
                    "<box {common} xtl=\"{x}\" ytl=\"{y}\" xbr=\"{}\" ybr=\"{}\">{attrs}",
                    x + w,
                    y + h
                )
            }
            Drawing::RotatedBox => {
                let Some(b) = rotated(o) else { continue };
                format!(
                    "<box {common} xtl=\"{}\" ytl=\"{}\" xbr=\"{}\" ybr=\"{}\" rotation=\"{}\">{attrs}",
                    b.cx - b.w / 2.0,
                    b.cy - b.h / 2.0,
                    b.cx + b.w / 2.0,
                    b.cy + b.h / 2.0,
                    b.angle.rem_euclid(360.0)
                )
            }
            Drawing::Polygon | Drawing::Polyline => {
                let holes = o["holes"].as_array().map_or(0, Vec::len);
                if holes > 0 {
                    let _ = writeln!(
                        s,
                        "    <!-- object {i}: {holes} hole(s) left out (CVAT polygons have none) -->"
                    );
                }
                let tag = if kind == Drawing::Polygon {
                    "polygon"
                } else {
                    "polyline"
                };
                format!(
                    "<{tag} {common} points=\"{}\">{attrs}",
                    xy_list(&pts(&o["points"]))
                )
            }
            Drawing::Keypoints => {
                let keys: Vec<&str> = q
                    .settings
                    .skeleton
                    .iter()
                    .flat_map(|s| &s.points)
                    .map(|p| p.key.as_str())
                    .collect();
                let mut inner = String::new();
                for (k, p) in o["points"].as_array().into_iter().flatten().enumerate() {
                    let (x, y, v) = (
                        p[0].as_f64().unwrap_or(0.0),
                        p[1].as_f64().unwrap_or(0.0),
                        p[2].as_u64().unwrap_or(0),
                    );
                    let _ = write!(
                        inner,
                        "\n      <points label=\"{}\" source=\"manual\" outside=\"{}\" occluded=\"{}\" points=\"{x},{y}\">\n      </points>",
                        escape(keys.get(k).copied().unwrap_or_default()),
                        u8::from(v == 0),
                        u8::from(v == 1)
                    );
                }
                format!(
                    "<skeleton label=\"{label}\" source=\"manual\" z_order=\"0\">{inner}{attrs}",
                )
            }
            Drawing::Mask => {
                let Some((rle, left, top, w, h)) = rle_of(o).as_ref().and_then(cvat_rle) else {
                    continue;
                };
                format!(
                    "<mask {common} rle=\"{rle}\" left=\"{left}\" top=\"{top}\" width=\"{w}\" height=\"{h}\">{attrs}"
                )
            }
        };
        let tag = shape[1..].split(' ').next().unwrap_or("box").to_owned();
        let _ = writeln!(s, "    {shape}\n    </{tag}>");
    }
    s.push_str("  </image>\n");
    s
}

/// One `<image>` of a CVAT file, read.
#[derive(Debug, Clone, PartialEq)]
pub struct CvatImage {
    pub name: String,
    pub width: Option<i64>,
    pub height: Option<i64>,
    /// The objects as the question's answer (before the kind's own checks), or why they
    /// cannot be read.
    pub objects: Result<Value, String>,
}

fn num(n: roxmltree::Node<'_, '_>, a: &str) -> Result<f64, String> {
    n.attribute(a)
        .ok_or_else(|| format!("<{}> has no {a}", n.tag_name().name()))?
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("<{}> {a} is not a number", n.tag_name().name()))
}

fn read_points(n: roxmltree::Node<'_, '_>) -> Result<Vec<[f64; 2]>, String> {
    let text = n
        .attribute("points")
        .ok_or_else(|| format!("<{}> has no points", n.tag_name().name()))?;
    text.split(';')
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            let (x, y) = p.split_once(',').ok_or("points are x,y;x,y;…")?;
            let x: f64 = x.trim().parse().map_err(|_| "a point is not a number")?;
            let y: f64 = y.trim().parse().map_err(|_| "a point is not a number")?;
            if x.is_finite() && y.is_finite() {
                Ok([x, y])
            } else {
                Err("a point is not a number".to_owned())
            }
        })
        .collect()
}

fn shape_tag(d: Drawing) -> &'static str {
    match d {
        Drawing::Boxes | Drawing::RotatedBox => "box",
        Drawing::Polygon => "polygon",
        Drawing::Polyline => "polyline",
        Drawing::Keypoints => "skeleton",
        Drawing::Mask => "mask",
    }
}

/// The objects of an `<image>` as the question's answer.
fn objects_of(
    q: &Question,
    image: roxmltree::Node<'_, '_>,
    size: (i64, i64),
) -> Result<Value, String> {
    let kind = Drawing::of(q).ok_or("the question draws nothing")?;
    let mut out = Vec::new();
    for (i, n) in image.children().filter(|n| n.is_element()).enumerate() {
        let at = |e: String| format!("object {i} (<{}>): {e}", n.tag_name().name());
        let tag = n.tag_name().name();
        let wanted = shape_tag(kind);
        let points_for_keypoints = kind == Drawing::Keypoints && tag == "points";
        if tag != wanted && !points_for_keypoints {
            return Err(at(format!(
                "this order draws {} (<{wanted}>)",
                q.kind.replace('_', " ")
            )));
        }
        let label = n
            .attribute("label")
            .ok_or_else(|| at("it has no label".into()))?;
        let mut o = Map::new();
        o.insert("label".into(), json!(label));
        match kind {
            Drawing::Boxes | Drawing::RotatedBox => {
                let [x0, y0, x1, y1] = [
                    num(n, "xtl").map_err(at)?,
                    num(n, "ytl").map_err(at)?,
                    num(n, "xbr").map_err(at)?,
                    num(n, "ybr").map_err(at)?,
                ];
                let rotation = match n.attribute("rotation") {
                    None => 0.0,
                    Some(_) => num(n, "rotation").map_err(at)?,
                };
                if kind == Drawing::Boxes {
                    if rotation.rem_euclid(360.0) != 0.0 {
                        return Err(at(
                            "a turned box (rotation) in an order of upright boxes".into()
                        ));
                    }
                    o.insert("x".into(), json!(x0));
                    o.insert("y".into(), json!(y0));
                    o.insert("w".into(), json!(x1 - x0));
                    o.insert("h".into(), json!(y1 - y0));
                } else {
                    let mut angle = rotation.rem_euclid(360.0);
                    if angle > 180.0 {
                        angle -= 360.0;
                    }
                    o.insert("cx".into(), json!((x0 + x1) / 2.0));
                    o.insert("cy".into(), json!((y0 + y1) / 2.0));
                    o.insert("w".into(), json!(x1 - x0));
                    o.insert("h".into(), json!(y1 - y0));
                    o.insert("angle".into(), json!(angle));
                }
            }
            Drawing::Polygon | Drawing::Polyline => {
                let p = read_points(n).map_err(at)?;
                o.insert(
                    "points".into(),
                    Value::Array(p.iter().map(|p| json!([p[0], p[1]])).collect()),
                );
            }
            Drawing::Keypoints => {
                let keys: Vec<&str> = q
                    .settings
                    .skeleton
                    .iter()
                    .flat_map(|s| &s.points)
                    .map(|p| p.key.as_str())
                    .collect();
                let mut points = vec![json!([0.0, 0.0, 0]); keys.len()];
                if points_for_keypoints {
                    let p = read_points(n).map_err(at)?;
                    if p.len() != keys.len() {
                        return Err(at(format!(
                            "the skeleton has {} points, this <points> {}",
                            keys.len(),
                            p.len()
                        )));
                    }
                    for (k, p) in p.iter().enumerate() {
                        points[k] = json!([p[0], p[1], 2]);
                    }
                } else {
                    for c in n.children().filter(|c| c.has_tag_name("points")) {
                        let key = c.attribute("label").unwrap_or_default();
                        let k = keys.iter().position(|k| *k == key).ok_or_else(|| {
                            at(format!(
                                "{key:?} is not a point of the skeleton ({})",
                                keys.join(", ")
                            ))
                        })?;
                        let p = read_points(c).map_err(at)?;
                        let [p] = p[..] else {
                            return Err(at(format!(
                                "point {key:?} has {} coordinates pairs",
                                p.len()
                            )));
                        };
                        let flag = |a: &str| c.attribute(a).is_some_and(|v| v.trim() == "1");
                        points[k] = if flag("outside") {
                            json!([0.0, 0.0, 0])
                        } else {
                            json!([p[0], p[1], if flag("occluded") { 1 } else { 2 }])
                        };
                    }
                }
                o.insert("points".into(), Value::Array(points));
            }
            Drawing::Mask => {
                let [left, top, w, h] = ["left", "top", "width", "height"].map(|a| {
                    n.attribute(a)
                        .and_then(|v| v.trim().parse::<f64>().ok())
                        .filter(|v| v.is_finite() && *v >= 0.0 && v.fract() == 0.0)
                        .map(|v| v as i64)
                });
                let (Some(left), Some(top), Some(w), Some(h)) = (left, top, w, h) else {
                    return Err(at("left, top, width and height are whole numbers".into()));
                };
                if left + w > size.0 || top + h > size.1 || w == 0 || h == 0 {
                    return Err(at(format!(
                        "the mask's box {w}×{h} at {left},{top} is not inside the {}×{} picture",
                        size.0, size.1
                    )));
                }
                let runs: Vec<u64> = n
                    .attribute("rle")
                    .unwrap_or_default()
                    .split(',')
                    .map(|c| c.trim().parse::<u64>())
                    .collect::<Result<_, _>>()
                    .map_err(|_| at("rle is run lengths separated by commas".into()))?;
                if runs.iter().sum::<u64>() != (w * h) as u64 {
                    return Err(at(format!(
                        "the runs cover {} pixels, the mask's box {}",
                        runs.iter().sum::<u64>(),
                        w * h
                    )));
                }
                let (pw, ph) = (size.0 as usize, size.1 as usize);
                let mut px = vec![0u8; pw * ph];
                let mut k = 0usize;
                for (r, len) in runs.iter().enumerate() {
                    for _ in 0..*len {
                        if r % 2 == 1 {
                            let (x, y) = (
                                left as usize + k % w as usize,
                                top as usize + k / w as usize,
                            );
                            px[y * pw + x] = 1;
                        }
                        k += 1;
                    }
                }
                let rle = Rle::encode(ph as u32, pw as u32, &px).map_err(|e| at(e.to_string()))?;
                o.insert("rle".into(), rle_json(&rle));
            }
        }
        let mut attrs = Map::new();
        for a in n.children().filter(|c| c.has_tag_name("attribute")) {
            let name = a.attribute("name").unwrap_or_default();
            let text = a.text().unwrap_or_default().trim();
            let def = q.settings.attributes.iter().find(|d| d.key == name);
            let v = match def {
                Some(d) if d.options.is_empty() => match text.to_ascii_lowercase().as_str() {
                    "true" => json!(true),
                    "false" => json!(false),
                    _ => json!(text),
                },
                _ => json!(text),
            };
            attrs.insert(name.to_owned(), v);
        }
        if !attrs.is_empty() {
            o.insert("attributes".into(), Value::Object(attrs));
        }
        out.push(Value::Object(o));
    }
    Ok(Value::Array(out))
}

/// Reads a CVAT for images file: each `<image>` with its objects as the question's answer.
/// `Err` when the file is not CVAT for images XML at all.
pub fn read(xml: &str, q: &Question) -> Result<Vec<CvatImage>, String> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| format!("not XML: {e}"))?;
    let root = doc.root_element();
    if !root.has_tag_name("annotations") {
        return Err(format!(
            "not a CVAT for images file: the root is <{}>, not <annotations>",
            root.tag_name().name()
        ));
    }
    if let Some(v) = root
        .children()
        .find(|n| n.has_tag_name("version"))
        .and_then(|n| n.text())
        && v.trim() != "1.1"
    {
        return Err(format!("CVAT XML version {:?}: this reads 1.1", v.trim()));
    }
    if root.children().any(|n| n.has_tag_name("track")) {
        return Err(
            "the file holds tracks (CVAT for video): export the task as CVAT for images".into(),
        );
    }
    let mut out = Vec::new();
    for image in root.children().filter(|n| n.has_tag_name("image")) {
        let dim = |a: &str| {
            image
                .attribute(a)
                .and_then(|v| v.trim().parse::<i64>().ok())
        };
        let (width, height) = (dim("width"), dim("height"));
        let name = image.attribute("name").unwrap_or_default().to_owned();
        let objects = match (width, height) {
            _ if name.is_empty() => Err("the <image> has no name".into()),
            (Some(w), Some(h)) if w > 0 && h > 0 => objects_of(q, image, (w, h)),
            _ => Err("the <image> has no width and height".into()),
        };
        out.push(CvatImage {
            name,
            width,
            height,
            objects,
        });
    }
    if out.is_empty() && !root.children().any(|n| n.has_tag_name("meta")) {
        return Err("not a CVAT for images file: no <meta> and no <image>".into());
    }
    Ok(out)
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

    fn round_trip(q: &Question, objects: Value) -> Value {
        let xml = format!(
            "{}{}{FOOTER}",
            header(q, "order <1> & co"),
            image_element(q, 0, "a/b&c.jpg", (640, 480), &objects)
        );
        let images = read(&xml, q).unwrap();
        assert_eq!(images.len(), 1);
        assert_eq!(images[0].name, "a/b&c.jpg");
        images[0].objects.clone().unwrap()
    }

    #[test]
    fn every_kind_comes_back_the_same() {
        let attrs = json!({"attributes": [{"key": "occluded", "name_zh": "遮"},
            {"key": "colour", "name_zh": "色", "options": [{"key": "red", "name_zh": "红"}]}]});
        let q = question("boxes", attrs.clone());
        let o = json!([{"label": "car", "x": 10.5, "y": 20.0, "w": 30.0, "h": 40.0,
            "attributes": {"occluded": true, "colour": "red"}}]);
        assert_eq!(round_trip(&q, o.clone()), o);
        let q = question("rotated_box", json!({}));
        let o = json!([{"label": "car", "cx": 100.0, "cy": 90.0, "w": 30.0, "h": 40.0, "angle": -30.0}]);
        assert_eq!(round_trip(&q, o.clone()), o);
        let q = question("polygon", json!({}));
        let o = json!([{"label": "road", "points": [[1.25, 2.0], [50.0, 2.0], [50.0, 70.0]]}]);
        assert_eq!(round_trip(&q, o.clone()), o);
        let q = question("polyline", json!({}));
        assert_eq!(round_trip(&q, o.clone()), o);
        let q = question(
            "keypoints",
            json!({"skeleton": {"points": [
            {"key": "a", "name_zh": "a", "sigma": 0.1}, {"key": "b", "name_zh": "b", "sigma": 0.1},
            {"key": "c", "name_zh": "c", "sigma": 0.1}], "edges": []}}),
        );
        let o =
            json!([{"label": "road", "points": [[10.0, 20.0, 2], [0.0, 0.0, 0], [30.0, 5.5, 1]]}]);
        assert_eq!(round_trip(&q, o.clone()), o);
        assert!(header(&q, "t").contains("<parent>road</parent>"));
        let q = question("mask", json!({}));
        let mut px = vec![0u8; 640 * 480];
        for x in 100..110 {
            for y in 50..53 {
                if (x + y) % 3 != 0 {
                    px[y * 640 + x] = 1;
                }
            }
        }
        let r = Rle::encode(480, 640, &px).unwrap();
        let o = json!([{"label": "road", "rle": rle_json(&r)}]);
        assert_eq!(round_trip(&q, o.clone()), o);
    }

    #[test]
    fn a_mask_in_cvat_runs() {
        // A 4 × 3 picture, the middle two columns' top two pixels (column-major runs).
        let r = Rle::new(3, 4, vec![3, 2, 1, 2, 4]).unwrap();
        assert_eq!(cvat_rle(&r), Some(("0, 4".into(), 1, 0, 2, 2)));
    }

    #[test]
    fn bad_files_and_objects() {
        let q = question("polygon", json!({}));
        assert!(read("<x/>", &q).unwrap_err().contains("not a CVAT"));
        assert!(read("{}", &q).unwrap_err().contains("not XML"));
        let one = |inner: &str| {
            read(&format!("<annotations><version>1.1</version><image id=\"0\" name=\"p.jpg\" width=\"10\" height=\"10\">{inner}</image></annotations>"), &q).unwrap()[0].objects.clone()
        };
        assert!(
            one("<box label=\"road\" xtl=\"0\" ytl=\"0\" xbr=\"1\" ybr=\"1\"/>")
                .unwrap_err()
                .contains("this order draws polygon")
        );
        assert!(
            one("<polygon label=\"road\" points=\"1,1;2\"/>")
                .unwrap_err()
                .contains("x,y")
        );
        assert_eq!(
            one("<polygon label=\"road\" points=\"1,1;2,2\"/>").unwrap()[0]["points"],
            json!([[1.0, 1.0], [2.0, 2.0]])
        );
    }
}
