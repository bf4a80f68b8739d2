//! Keypoints on a skeleton the question defines (`settings.skeleton`: named points with
//! their sigmas, and edges): `[{"label": "person", "points": [[x, y, v], …],
//! "attributes": {…}}]`, one `[x, y, v]` per skeleton point in its order, `v` 0 absent (the
//! point is stored as `[0, 0, 0]`), 1 there but hidden, 2 visible; a placed point inside the
//! picture. Matched by COCO's OKS with the points' sigmas; merged point by point (the mean
//! of those who placed it, the flag by majority).

use std::collections::HashSet;

use mudou_consensus::shapes::{
    Drawn, Keypoint, MatchOptions, Matching, match_keypoints, merge_keypoints,
};
use serde_json::{Map, Value, json};

use super::bad;
use super::shapes::{Geometry, inside};
use crate::ValidationError;
use crate::template::{Question, Settings, is_key};

/// The most points of a skeleton.
pub const MAX_SKELETON_POINTS: usize = 100;

pub(crate) struct KeypointsShape;

fn sigmas(q: &Question) -> Vec<f64> {
    q.settings
        .skeleton
        .as_ref()
        .map(|s| s.points.iter().map(|p| p.sigma).collect())
        .unwrap_or_default()
}

/// A stored skeleton's points.
pub(crate) fn read_keypoints(o: &Value) -> Option<Vec<Keypoint>> {
    o["points"]
        .as_array()?
        .iter()
        .map(|p| {
            Some(Keypoint {
                x: p.get(0)?.as_f64()?,
                y: p.get(1)?.as_f64()?,
                v: u8::try_from(p.get(2)?.as_u64()?).ok()?,
            })
        })
        .collect()
}

fn keypoints_json(points: &[Keypoint]) -> Value {
    Value::Array(points.iter().map(|p| json!([p.x, p.y, p.v])).collect())
}

impl Geometry for KeypointsShape {
    const WHAT: &'static str = "keypoints";
    const FIELDS: &'static [&'static str] = &["points"];

    fn own_settings(q: &Question) -> Settings {
        Settings {
            skeleton: q.settings.skeleton.clone(),
            ..Settings::default()
        }
    }

    fn check_settings(q: &Question, at: &str) -> Result<(), ValidationError> {
        let at = format!("{at}.settings.skeleton");
        let s = q.settings.skeleton.as_ref().ok_or_else(|| {
            ValidationError::at(at.clone(), "a keypoints question has a skeleton")
        })?;
        if s.points.is_empty() || s.points.len() > MAX_SKELETON_POINTS {
            return Err(ValidationError::at(
                format!("{at}.points"),
                format!("a skeleton has 1 to {MAX_SKELETON_POINTS} points"),
            ));
        }
        let mut seen = HashSet::new();
        for (i, p) in s.points.iter().enumerate() {
            let pa = format!("{at}.points[{i}]");
            if !is_key(&p.key) || !seen.insert(p.key.as_str()) {
                return Err(ValidationError::at(
                    format!("{pa}.key"),
                    format!(
                        "{:?} is not a new key of letters, digits, '_', '-' or '.'",
                        p.key
                    ),
                ));
            }
            if p.name_zh.trim().is_empty() || p.name_zh.chars().count() > 40 {
                return Err(ValidationError::at(
                    format!("{pa}.name_zh"),
                    "a name is 1 to 40 characters",
                ));
            }
            if !(p.sigma.is_finite() && p.sigma > 0.0 && p.sigma <= 1.0) {
                return Err(ValidationError::at(
                    format!("{pa}.sigma"),
                    "a sigma is more than 0 and at most 1 (COCO's are 0.025 to 0.107)",
                ));
            }
        }
        let mut edges = HashSet::new();
        for (i, e) in s.edges.iter().enumerate() {
            let (a, b) = (e[0].min(e[1]), e[0].max(e[1]));
            if a == b || b as usize >= s.points.len() || !edges.insert((a, b)) {
                return Err(ValidationError::at(
                    format!("{at}.edges[{i}]"),
                    format!(
                        "an edge joins two different points of the {} (each pair once)",
                        s.points.len()
                    ),
                ));
            }
        }
        Ok(())
    }

    fn parse(
        q: &Question,
        obj: &Value,
        image: Option<(i64, i64)>,
    ) -> Result<Map<String, Value>, ValidationError> {
        let n = q.settings.skeleton.as_ref().map_or(0, |s| s.points.len());
        let list = obj["points"]
            .as_array()
            .ok_or_else(|| bad("points are a list of [x, y, v]"))?;
        if list.len() != n {
            return Err(bad(format!(
                "points: the skeleton has {n} points, this object {}",
                list.len()
            )));
        }
        let mut out = Vec::with_capacity(n);
        for (i, p) in list.iter().enumerate() {
            let kp = p
                .as_array()
                .filter(|a| a.len() == 3)
                .and_then(|a| {
                    Some(Keypoint {
                        x: a[0].as_f64()?,
                        y: a[1].as_f64()?,
                        v: u8::try_from(a[2].as_u64()?).ok().filter(|v| *v <= 2)?,
                    })
                })
                .filter(|k| k.x.is_finite() && k.y.is_finite())
                .ok_or_else(|| {
                    bad(format!(
                        "points[{i}]: a point is [x, y, v], v 0 absent, 1 hidden or 2 visible"
                    ))
                })?;
            if kp.v == 0 {
                out.push(Keypoint {
                    x: 0.0,
                    y: 0.0,
                    v: 0,
                });
            } else {
                inside([kp.x, kp.y], image).map_err(|e| bad(format!("points[{i}]: {e}")))?;
                out.push(kp);
            }
        }
        if out.iter().all(|k| k.v == 0) {
            return Err(bad("points: place at least one point of the skeleton"));
        }
        let mut m = Map::new();
        m.insert("points".into(), keypoints_json(&out));
        Ok(m)
    }

    fn matching(
        q: &Question,
        workers: &[u32],
        objects: &[(Drawn, &Value)],
        opts: &MatchOptions,
    ) -> Option<Matching> {
        let sig = sigmas(q);
        let points: Vec<Vec<Keypoint>> = objects
            .iter()
            .map(|o| read_keypoints(o.1).filter(|p| p.len() == sig.len()))
            .collect::<Option<_>>()?;
        let list: Vec<(Drawn, &[Keypoint])> = objects
            .iter()
            .zip(&points)
            .map(|(o, p)| (o.0, p.as_slice()))
            .collect();
        match_keypoints(workers, &list, &sig, opts).ok()
    }

    fn merge(_q: &Question, members: &[&Value], best: &Value) -> Map<String, Value> {
        let points: Vec<Vec<Keypoint>> = members.iter().filter_map(|m| read_keypoints(m)).collect();
        let refs: Vec<&[Keypoint]> = points.iter().map(Vec::as_slice).collect();
        let mut out = Map::new();
        out.insert(
            "points".into(),
            if refs.is_empty() {
                best["points"].clone()
            } else {
                keypoints_json(&merge_keypoints(&refs))
            },
        );
        out
    }
}
