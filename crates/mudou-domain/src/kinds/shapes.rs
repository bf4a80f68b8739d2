//! What the drawing kinds beyond boxes share (polygon, polyline, keypoints, rotated box,
//! mask): an answer is a list of objects on a picture field, each
//! `{"label": <option key>, <its geometry>, "attributes": {…}}`; the checks of the list, the
//! label and the attributes; the consensus (objects matched across annotators by the kind's
//! similarity in [`mudou_consensus::shapes`], then merged); the score against gold; the
//! agreement; per-object pay. Each kind brings only its geometry ([`Geometry`]).

use std::collections::HashSet;
use std::marker::PhantomData;

use mudou_consensus::shapes::{Drawn, MatchOptions, Matching};
use serde_json::{Map, Value, json};

use super::boxes::{check_attributes, class_count_alpha, majority_attributes, parse_attributes};
use super::{Agreed, QuestionKind, Voters, bad, options_between};
use crate::ValidationError;
use crate::template::{Question, Settings, check_options};

/// The most objects one answer may hold.
pub(crate) const MAX_OBJECTS: usize = 500;

/// The least similarity for two objects to be one (IoU, line similarity or OKS).
pub(crate) const MATCH_THRESHOLD: f64 = 0.5;

/// One kind's geometry.
pub(crate) trait Geometry: Send + Sync + 'static {
    /// The kind's name, in messages.
    const WHAT: &'static str;
    /// The keys of an object besides `label` and `attributes`.
    const FIELDS: &'static [&'static str];

    /// The settings the kind reads besides `attributes` (the others are refused).
    fn own_settings(_q: &Question) -> Settings {
        Settings::default()
    }

    /// Checks those settings.
    fn check_settings(_q: &Question, _at: &str) -> Result<(), ValidationError> {
        Ok(())
    }

    /// Checks one object's geometry (`obj` has passed the key check) against the picture
    /// (`image` = width, height, when known); returns the geometry's fields normalised.
    /// Messages say what is wrong; the caller adds which object.
    fn parse(
        q: &Question,
        obj: &Value,
        image: Option<(i64, i64)>,
    ) -> Result<Map<String, Value>, ValidationError>;

    /// Matches the objects (`objects[i].1` a stored object) of `workers` by the kind's
    /// similarity; `None` when an object cannot be read.
    fn matching(
        q: &Question,
        workers: &[u32],
        objects: &[(Drawn, &Value)],
        opts: &MatchOptions,
    ) -> Option<Matching>;

    /// The merged geometry of a cluster: by default its best member's.
    fn merge(_q: &Question, _members: &[&Value], best: &Value) -> Map<String, Value> {
        Self::FIELDS
            .iter()
            .filter_map(|k| best.get(*k).map(|v| ((*k).to_owned(), v.clone())))
            .collect()
    }
}

/// A drawing question whose objects have geometry `G`.
pub(crate) struct ShapeQuestion<G>(pub PhantomData<G>);

/// A picture point `[x, y]`, finite and (when the picture's size is known) inside it, with
/// half a pixel to spare as boxes have.
pub(crate) fn point(v: &Value, image: Option<(i64, i64)>) -> Result<[f64; 2], String> {
    let xy = v
        .as_array()
        .filter(|a| a.len() == 2)
        .and_then(|a| Some([a[0].as_f64()?, a[1].as_f64()?]))
        .filter(|p| p[0].is_finite() && p[1].is_finite())
        .ok_or("a point is [x, y], two numbers")?;
    inside(xy, image)?;
    Ok(xy)
}

/// Refuses a point outside the picture.
pub(crate) fn inside(p: [f64; 2], image: Option<(i64, i64)>) -> Result<(), String> {
    let eps = 0.5;
    let (w, h) = image.map_or((f64::INFINITY, f64::INFINITY), |(w, h)| {
        (w as f64, h as f64)
    });
    if p[0] < -eps || p[1] < -eps || p[0] > w + eps || p[1] > h + eps {
        let (w, h) = image.unwrap_or_default();
        return Err(format!(
            "the point [{}, {}] is outside the {w}×{h} picture",
            p[0], p[1]
        ));
    }
    Ok(())
}

/// A list of points `[[x, y], …]` of `min` to `max` points.
pub(crate) fn points(
    v: &Value,
    min: usize,
    max: usize,
    image: Option<(i64, i64)>,
) -> Result<Vec<[f64; 2]>, String> {
    let list = v.as_array().ok_or("points are a list of [x, y]")?;
    if list.len() < min || list.len() > max {
        return Err(format!("{min} to {max} points (this has {})", list.len()));
    }
    list.iter()
        .enumerate()
        .map(|(i, p)| point(p, image).map_err(|e| format!("point {i}: {e}")))
        .collect()
}

/// The points of a stored object's `key`.
pub(crate) fn read_points(v: &Value) -> Option<Vec<[f64; 2]>> {
    v.as_array()?
        .iter()
        .map(|p| Some([p.get(0)?.as_f64()?, p.get(1)?.as_f64()?]))
        .collect()
}

/// Points as JSON.
pub(crate) fn points_json(points: &[[f64; 2]]) -> Value {
    Value::Array(points.iter().map(|p| json!([p[0], p[1]])).collect())
}

fn keys(q: &Question) -> Vec<&str> {
    q.options.iter().map(|o| o.key.as_str()).collect()
}

/// The objects of several answers with their annotators and classes (malformed ones are
/// skipped: stored answers passed [`QuestionKind::parse`]).
fn drawn<'a>(q: &Question, lists: &[(u32, &'a Value)]) -> Vec<(Drawn, &'a Value)> {
    let keys = keys(q);
    let mut out = Vec::new();
    for (w, list) in lists {
        for o in list.as_array().into_iter().flatten() {
            if let Some(class) = keys.iter().position(|k| Some(*k) == o["label"].as_str()) {
                out.push((
                    Drawn {
                        worker: *w,
                        class: class as u32,
                    },
                    o,
                ));
            }
        }
    }
    out
}

impl<G: Geometry> QuestionKind for ShapeQuestion<G> {
    fn check(
        &self,
        q: &Question,
        at: &str,
        hotkeys: &mut HashSet<char>,
    ) -> Result<(), ValidationError> {
        options_between(q, at, 1)?;
        check_options(&q.options, &format!("{at}.options"), hotkeys)?;
        let only = Settings {
            attributes: q.settings.attributes.clone(),
            ..G::own_settings(q)
        };
        if q.settings != only {
            return Err(ValidationError::at(
                format!("{at}.settings"),
                format!(
                    "a {} question takes only {}",
                    G::WHAT,
                    match G::WHAT {
                        "polyline" => "attributes and tolerance (pixels)",
                        "keypoints" => "attributes and skeleton",
                        _ => "attributes",
                    }
                ),
            ));
        }
        G::check_settings(q, at)?;
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
            .ok_or_else(|| bad(format!("the answer is a list of {} objects", G::WHAT)))?;
        if list.len() > MAX_OBJECTS {
            return Err(bad(format!("at most {MAX_OBJECTS} objects per picture")));
        }
        let mut out = Vec::with_capacity(list.len());
        for (i, o) in list.iter().enumerate() {
            let at = |e: ValidationError| bad(format!("[{i}]: {}", e.message));
            let obj = o
                .as_object()
                .ok_or_else(|| at(bad("an object is a JSON object")))?;
            if let Some(k) = obj.keys().find(|k| {
                !(k.as_str() == "label"
                    || k.as_str() == "attributes"
                    || G::FIELDS.contains(&k.as_str()))
            }) {
                return Err(at(bad(format!("a {} has no {k:?}", G::WHAT))));
            }
            let label = o["label"]
                .as_str()
                .ok_or_else(|| at(bad("an object has a label")))?;
            if q.option_index(label).is_none() {
                return Err(at(bad(format!(
                    "{label:?} is not one of this question's classes"
                ))));
            }
            let mut v = G::parse(q, o, image).map_err(at)?;
            v.insert("label".into(), Value::String(label.to_owned()));
            let attrs = parse_attributes(q, o).map_err(at)?;
            if !attrs.is_empty() {
                v.insert("attributes".into(), Value::Object(attrs));
            }
            out.push(Value::Object(v));
        }
        Ok(Value::Array(out))
    }

    /// The share of gold objects matched (same class, similarity at least the threshold,
    /// one to one) over the larger of the two counts; attributes count as part of the
    /// object when gold gives them.
    fn score(&self, q: &Question, answer: &Value, gold: &Value) -> f64 {
        let objects = drawn(q, &[(0, answer), (1, gold)]);
        let n_answer = objects.iter().filter(|o| o.0.worker == 0).count();
        let n_gold = objects.len() - n_answer;
        if objects.is_empty() {
            return 1.0;
        }
        let opts = MatchOptions {
            threshold: MATCH_THRESHOLD,
            min_support: Some(2),
        };
        let Some(m) = G::matching(q, &[0, 1], &objects, &opts) else {
            return 0.0;
        };
        let hits: f64 = m
            .clusters
            .iter()
            .map(|c| {
                let (a, g) = if objects[c.members[0]].0.worker == 0 {
                    (objects[c.members[0]].1, objects[c.members[1]].1)
                } else {
                    (objects[c.members[1]].1, objects[c.members[0]].1)
                };
                let wanted = g["attributes"].as_object().map_or(0, Map::len);
                let same = g["attributes"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter(|(k, v)| a["attributes"].get(k.as_str()) == Some(v))
                    .count();
                if wanted == 0 {
                    1.0
                } else {
                    0.5 + 0.5 * same as f64 / wanted as f64
                }
            })
            .sum();
        hits / n_answer.max(n_gold) as f64
    }

    /// Objects matched across the annotators and merged; the confidence is the item's
    /// agreement (mean similarity within matches × F1 of the counts); the item settles
    /// only when everyone drew the same objects.
    fn consensus(&self, q: &Question, answers: &[Value], voters: Voters<'_>) -> Agreed {
        let lists: Vec<(u32, &Value)> = voters.index.iter().copied().zip(answers).collect();
        let objects = drawn(q, &lists);
        let workers: Vec<u32> = voters.index.to_vec();
        let opts = MatchOptions {
            threshold: MATCH_THRESHOLD,
            min_support: None,
        };
        let Some(m) = G::matching(q, &workers, &objects, &opts) else {
            return Agreed {
                answer: None,
                confidence: 0.0,
                settles: false,
            };
        };
        let keys = keys(q);
        let out: Vec<Value> = m
            .clusters
            .iter()
            .map(|c| {
                let members: Vec<&Value> = c.members.iter().map(|&i| objects[i].1).collect();
                let mut v = G::merge(q, &members, objects[c.best].1);
                v.insert("label".into(), json!(keys[c.class as usize]));
                if !q.settings.attributes.is_empty() {
                    v.insert(
                        "attributes".into(),
                        majority_attributes(&members, &q.settings.attributes),
                    );
                }
                v.insert("support".into(), json!(c.support()));
                v.insert("similarity".into(), json!(c.mean_similarity));
                Value::Object(v)
            })
            .collect();
        Agreed {
            answer: Some(Value::Array(out)),
            confidence: m.agreement,
            settles: m.unanimous(),
        }
    }

    /// Nominal alpha over the number of objects of each class an answer draws (how much
    /// people agree on what is there; their fit is in the consensus's `similarity`).
    fn agreement(&self, q: &Question, items: &[Vec<Value>]) -> Option<f64> {
        class_count_alpha(&keys(q), items)
    }

    fn objects(&self, answer: &Value) -> Option<usize> {
        answer.as_array().map(Vec::len)
    }

    fn cell(&self, _q: &Question, answer: &Value) -> String {
        answer.to_string()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use serde_json::{Value, json};

    use crate::kinds::{Voters, question_kind};
    use crate::template::Question;

    fn question(kind: &str, settings: Value) -> Question {
        serde_json::from_value(json!({"key": "q", "kind": kind, "title_zh": "画出来",
            "field": "image", "settings": settings,
            "options": [{"key": "road", "name_zh": "路"}, {"key": "car", "name_zh": "车"}]}))
        .unwrap()
    }

    fn check(q: &Question) -> Result<(), String> {
        q.kind()
            .check(q, "template.questions[0]", &mut HashSet::new())
            .map_err(|e| format!("{}: {}", e.field, e.message))
    }

    fn parse(q: &Question, v: Value) -> Result<Value, String> {
        q.kind()
            .parse(q, &v, Some((640, 480)))
            .map_err(|e| e.message)
    }

    fn square(x: f64, y: f64, s: f64) -> Value {
        json!([[x, y], [x + s, y], [x + s, y + s], [x, y + s]])
    }

    #[test]
    fn every_shape_kind_is_registered() {
        for k in ["polygon", "polyline", "keypoints", "rotated_box", "mask"] {
            assert!(question_kind(k).is_some_and(|q| q.needs_image()), "{k}");
            assert!(super::super::QUESTION_KINDS.contains(&k));
        }
    }

    #[test]
    fn polygons_are_checked() {
        let q = question(
            "polygon",
            json!({"attributes": [{"key": "occluded", "name_zh": "遮挡"}]}),
        );
        check(&q).unwrap();
        let ok = parse(
            &q,
            json!([{"label": "road", "points": square(10.0, 10.0, 100.0),
            "holes": [square(20.0, 20.0, 10.0)], "attributes": {"occluded": true}}]),
        )
        .unwrap();
        assert_eq!(ok[0]["holes"][0][2], json!([30.0, 30.0]));
        assert_eq!(q.kind().objects(&ok), Some(1));
        let bad = |v: Value| parse(&q, v).unwrap_err();
        assert!(
            bad(json!([{"label": "road", "points": [[0, 0], [10, 10], [10, 0], [0, 10]]}]))
                .contains("[0]: the outline crosses itself")
        );
        assert!(bad(json!([{"label": "road", "points": [[0, 0], [10, 10]]}])).contains("3 to"));
        assert!(
            bad(json!([{"label": "road", "points": square(600.0, 10.0, 100.0)}]))
                .contains("outside the 640×480 picture")
        );
        assert!(bad(json!([{"label": "road", "points": square(10.0, 10.0, 10.0), "holes": [square(50.0, 50.0, 5.0)]}])).contains("hole is not inside"));
        assert!(
            bad(json!([{"label": "boat", "points": square(10.0, 10.0, 10.0)}]))
                .contains("not one of")
        );
        assert!(
            bad(json!([{"label": "road", "points": square(10.0, 10.0, 10.0), "x": 1}]))
                .contains("has no \"x\"")
        );
        assert!(bad(json!([{"label": "road", "points": square(10.0, 10.0, 10.0), "attributes": {"colour": "red"}}])).contains("no attribute"));
        assert!(bad(json!({"label": "road"})).contains("list"));
        // Settings a polygon does not read are refused.
        assert!(check(&question("polygon", json!({"tolerance": 3}))).is_err());
    }

    #[test]
    fn polygon_consensus_matches_merges_and_counts() {
        let q = question("polygon", json!({}));
        let a = json!([{"label": "road", "points": square(0.0, 0.0, 100.0)},
                       {"label": "car", "points": square(300.0, 300.0, 50.0)}]);
        let b = json!([{"label": "road", "points": square(2.0, 0.0, 100.0)},
                       {"label": "car", "points": square(301.0, 300.0, 50.0)}]);
        let c = json!([{"label": "road", "points": square(4.0, 0.0, 100.0)}]);
        let same = q
            .kind()
            .consensus(&q, &[a.clone(), a.clone()], Voters::equal(&[0, 1]));
        assert!(same.settles);
        assert!((same.confidence - 1.0).abs() < 1e-9);
        let out = q
            .kind()
            .consensus(&q, &[a.clone(), b.clone(), c], Voters::equal(&[0, 1, 2]));
        assert!(!out.settles, "the car is missing from one answer");
        let list = out.answer.unwrap();
        assert_eq!(list.as_array().unwrap().len(), 2);
        // The road's best member is the middle one (closest to both others).
        let road = list
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["label"] == "road")
            .unwrap();
        assert_eq!(road["points"], b[0]["points"]);
        assert_eq!(road["support"], 3);
        assert!(
            out.confidence < 1.0 && out.confidence > 0.5,
            "{}",
            out.confidence
        );
        // Against gold: all matched is 1, half is 0.5, wrong class is 0.
        assert_eq!(q.kind().score(&q, &a, &b), 1.0);
        assert_eq!(q.kind().score(&q, &a, &json!([b[0]])), 0.5);
        let wrong = json!([{"label": "car", "points": square(0.0, 0.0, 100.0)}]);
        assert_eq!(q.kind().score(&q, &wrong, &json!([a[0]])), 0.0);
        assert_eq!(q.kind().score(&q, &json!([]), &json!([])), 1.0);
        let one = json!([b[0]]);
        let agreed = q
            .kind()
            .agreement(&q, &[vec![a.clone(), b.clone()], vec![one.clone(), one]]);
        assert_eq!(agreed, Some(1.0));
    }

    #[test]
    fn polylines_with_a_tolerance() {
        let q = question("polyline", json!({"tolerance": 8}));
        check(&q).unwrap();
        assert!(check(&question("polyline", json!({"tolerance": -1}))).is_err());
        let a = parse(
            &q,
            json!([{"label": "road", "points": [[0, 10], [200, 10]]}]),
        )
        .unwrap();
        let b = parse(
            &q,
            json!([{"label": "road", "points": [[200, 12], [0, 12]]}]),
        )
        .unwrap();
        assert!(parse(&q, json!([{"label": "road", "points": [[0, 10]]}])).is_err());
        assert!(
            parse(&q, json!([{"label": "road", "points": [[5, 5], [5, 5]]}]))
                .unwrap_err()
                .contains("length")
        );
        let out = q
            .kind()
            .consensus(&q, &[a.clone(), b.clone()], Voters::equal(&[0, 1]));
        assert!(out.settles);
        assert!(
            (out.confidence - 0.75).abs() < 1e-9,
            "mean distance 2 px of 8: {}",
            out.confidence
        );
        let far = parse(
            &q,
            json!([{"label": "road", "points": [[0, 100], [200, 100]]}]),
        )
        .unwrap();
        assert!(
            !q.kind()
                .consensus(&q, &[a, far], Voters::equal(&[0, 1]))
                .settles
        );
    }

    fn skeleton() -> Value {
        json!({"skeleton": {"points": [
            {"key": "head", "name_zh": "头", "sigma": 0.079},
            {"key": "hip", "name_zh": "髋", "sigma": 0.107},
            {"key": "foot", "name_zh": "脚", "sigma": 0.089}], "edges": [[0, 1], [1, 2]]}})
    }

    #[test]
    fn keypoints_fit_the_skeleton() {
        let q = question("keypoints", skeleton());
        check(&q).unwrap();
        assert!(
            check(&question("keypoints", json!({})))
                .unwrap_err()
                .contains("skeleton")
        );
        let mut s = skeleton();
        s["skeleton"]["edges"] = json!([[0, 3]]);
        assert!(
            check(&question("keypoints", s))
                .unwrap_err()
                .contains("edges[0]")
        );
        let mut s = skeleton();
        s["skeleton"]["points"][1]["sigma"] = json!(0);
        assert!(
            check(&question("keypoints", s))
                .unwrap_err()
                .contains("points[1].sigma")
        );
        let ok = parse(
            &q,
            json!([{"label": "road", "points": [[10, 10, 2], [7, 7, 0], [10, 50, 1]]}]),
        )
        .unwrap();
        assert_eq!(ok[0]["points"][1], json!([0.0, 0.0, 0]));
        assert!(
            parse(
                &q,
                json!([{"label": "road", "points": [[10, 10, 2], [10, 50, 1]]}])
            )
            .unwrap_err()
            .contains("the skeleton has 3 points, this object 2")
        );
        assert!(
            parse(
                &q,
                json!([{"label": "road", "points": [[10, 10, 3], [1, 1, 0], [1, 1, 0]]}])
            )
            .is_err()
        );
        assert!(
            parse(
                &q,
                json!([{"label": "road", "points": [[10, 10, 0], [1, 1, 0], [1, 1, 0]]}])
            )
            .unwrap_err()
            .contains("at least one")
        );
        assert!(
            parse(
                &q,
                json!([{"label": "road", "points": [[700, 10, 2], [1, 1, 0], [1, 1, 0]]}])
            )
            .unwrap_err()
            .contains("outside")
        );
    }

    #[test]
    fn keypoints_consensus_averages_points() {
        let q = question("keypoints", skeleton());
        let a = json!([{"label": "road", "points": [[100, 100, 2], [100, 200, 2], [0, 0, 0]]}]);
        let b = json!([{"label": "road", "points": [[102, 100, 2], [100, 204, 1], [100, 300, 2]]}]);
        let c = json!([{"label": "road", "points": [[104, 100, 2], [100, 202, 1], [0, 0, 0]]}]);
        let out = q
            .kind()
            .consensus(&q, &[a, b, c], Voters::equal(&[0, 1, 2]));
        assert!(out.settles, "{out:?}");
        let p = &out.answer.unwrap()[0]["points"];
        assert_eq!(p[0], json!([102.0, 100.0, 2]));
        assert_eq!(p[1], json!([100.0, 202.0, 1]));
        assert_eq!(p[2], json!([0.0, 0.0, 0]));
    }

    #[test]
    fn rotated_boxes_stay_inside() {
        let q = question("rotated_box", json!({}));
        check(&q).unwrap();
        let ok = parse(
            &q,
            json!([{"label": "car", "cx": 100, "cy": 100, "w": 80, "h": 20, "angle": 390}]),
        )
        .unwrap();
        assert_eq!(ok[0]["angle"], json!(30.0));
        // Unturned it fits; turned 90° its 200 px length pokes out of a 480 px tall picture? No:
        // at cy 50 the turned box reaches y = −50.
        parse(
            &q,
            json!([{"label": "car", "cx": 100, "cy": 50, "w": 200, "h": 20, "angle": 0}]),
        )
        .unwrap();
        assert!(
            parse(
                &q,
                json!([{"label": "car", "cx": 100, "cy": 50, "w": 200, "h": 20, "angle": 90}])
            )
            .unwrap_err()
            .contains("corner")
        );
        assert!(
            parse(
                &q,
                json!([{"label": "car", "cx": 100, "cy": 50, "w": 0, "h": 20, "angle": 0}])
            )
            .is_err()
        );
        let b = json!([{"label": "car", "cx": 101, "cy": 100, "w": 80, "h": 20, "angle": 31}]);
        let out = q
            .kind()
            .consensus(&q, &[ok.clone(), b], Voters::equal(&[0, 1]));
        assert!(out.settles && out.confidence > 0.8, "{}", out.confidence);
    }

    #[test]
    fn masks_are_the_pictures_size() {
        let q = question("mask", json!({}));
        check(&q).unwrap();
        let img = Some((4, 3)); // 4 wide, 3 tall
        let parse = |v: Value| q.kind().parse(&q, &v, img).map_err(|e| e.message);
        // Column by column: the middle two columns' top two pixels.
        let ok =
            parse(json!([{"label": "road", "rle": {"size": [3, 4], "counts": [3, 2, 1, 2, 4]}}]))
                .unwrap();
        let counts = ok[0]["rle"]["counts"].as_str().unwrap().to_owned();
        // The compressed form reads back the same.
        assert_eq!(
            parse(json!([{"label": "road", "rle": {"size": [3, 4], "counts": counts}}])).unwrap(),
            ok
        );
        assert!(
            parse(json!([{"label": "road", "rle": {"size": [4, 3], "counts": [3, 2, 1, 2, 4]}}]))
                .unwrap_err()
                .contains("the mask is 3×4, the picture 4×3")
        );
        assert!(
            parse(json!([{"label": "road", "rle": {"size": [3, 4], "counts": [3, 2]}}])).is_err()
        );
        assert!(
            parse(json!([{"label": "road", "rle": {"size": [3, 4], "counts": [12]}}]))
                .unwrap_err()
                .contains("empty")
        );
        assert!(
            parse(json!([{"label": "road", "rle": {"size": [3, 4], "counts": "!!"}}])).is_err()
        );
        // Three masks vote pixel by pixel.
        let m = |c: Value| json!([{"label": "road", "rle": {"size": [3, 4], "counts": c}}]);
        let (a, b, c) = (
            m(json!([3, 2, 1, 2, 4])),
            m(json!([3, 3, 0, 2, 4])),
            m(json!([3, 2, 1, 3, 3])),
        );
        let out = q
            .kind()
            .consensus(&q, &[a.clone(), b, c], Voters::equal(&[0, 1, 2]));
        let merged = &out.answer.unwrap()[0]["rle"];
        assert_eq!(merged, &ok[0]["rle"]);
        assert_eq!(q.kind().score(&q, &a, &a), 1.0);
    }
}
