//! Findings on a medical series (an aneurysm in a CT angiography): each a point on a slice,
//! in voxels and in the patient's millimetres, with an optional measured diameter and
//! outline, and attributes from the question's lists (location, size class).
//!
//! The answer to a `finding` question:
//! `{"findings": [{"at": [x, y, z], "mm": [px, py, pz], "diameter": [[x1, y1], [x2, y2]],
//! "diameter_mm": 4.2, "outline": [[x, y], …], "attrs": {"location": "mca"}}]}` — `at` a
//! voxel (column and row may be fractions, `z` a whole slice), `diameter` and `outline` on
//! slice `z`. `mm` and `diameter_mm` are ALWAYS computed by the server from the item's
//! geometry ([`place_findings`], which every path runs before parsing); [`Finding`]'s
//! `parse` refuses a finding without `mm`. An empty list says "nothing found".
//!
//! Two findings are the same when they are at most `settings.match_mm` millimetres apart in
//! 3D (default 5). Between two answers they are matched one to one by an optimal assignment
//! ([`mudou_consensus::bbox::assign`], the Hungarian algorithm): the most pairs within the
//! distance, then the least total distance (and, for gold, agreeing attributes). The live
//! consensus matches everyone's findings together ([`mudou_consensus::shapes::match_objects`])
//! and settles only when every annotator found the same findings with the same required
//! attributes. Gold's score and the agreement are both F1 at the distance.

use std::collections::HashSet;

use mudou_consensus::bbox::assign;
use mudou_consensus::shapes::{Drawn, MatchOptions, match_objects};
use serde_json::{Map, Value, json};

use super::boxes::{check_attributes, majority_attributes, parse_attribute_values};
use super::{Agreed, QuestionKind, Voters, bad};
use crate::template::{Question, Settings};
use crate::volume::{VolumeGeometry, distance};
use crate::{ErrorCode, OrderSpec, ValidationError};

/// The `finding` question kind.
pub(crate) struct Finding;

/// Findings closer than this (mm) are the same, unless the question says otherwise.
pub const DEFAULT_MATCH_MM: f64 = 5.0;
/// The most findings in one answer, unless the question says otherwise.
pub const DEFAULT_MAX_FINDINGS: u32 = 20;
/// The largest `match_mm` and `max_findings` a question may set.
const MAX_MATCH_MM: f64 = 100.0;
const MAX_MAX_FINDINGS: u32 = 100;
/// The most points of an outline.
const MAX_OUTLINE_POINTS: usize = 500;

fn match_mm(q: &Question) -> f64 {
    q.settings.match_mm.unwrap_or(DEFAULT_MATCH_MM)
}

fn max_findings(q: &Question) -> usize {
    q.settings.max_findings.unwrap_or(DEFAULT_MAX_FINDINGS) as usize
}

/// A voxel position `[x, y, z]`: finite numbers, `z` a whole slice.
fn voxel(v: &Value) -> Option<[f64; 3]> {
    let a = v.as_array().filter(|a| a.len() == 3)?;
    let p = [a[0].as_f64()?, a[1].as_f64()?, a[2].as_f64()?];
    (p.iter().all(|c| c.is_finite()) && p[2].fract() == 0.0).then_some(p)
}

/// A point `[x, y]` on a slice: two finite numbers.
fn slice_point(v: &Value) -> Option<[f64; 2]> {
    let a = v.as_array().filter(|a| a.len() == 2)?;
    let p = [a[0].as_f64()?, a[1].as_f64()?];
    p.iter().all(|c| c.is_finite()).then_some(p)
}

fn triple(v: &Value) -> Option<[f64; 3]> {
    let a = v.as_array().filter(|a| a.len() == 3)?;
    let p = [a[0].as_f64()?, a[1].as_f64()?, a[2].as_f64()?];
    p.iter().all(|c| c.is_finite()).then_some(p)
}

/// Refuses a point outside the picture of the slice (`image` = columns, rows).
fn on_slice(p: [f64; 2], image: Option<(i64, i64)>, what: &str) -> Result<(), ValidationError> {
    if p[0] < 0.0 || p[1] < 0.0 {
        return Err(bad(format!("{what} has x, y ≥ 0")));
    }
    if let Some((w, h)) = image
        && (p[0] >= w as f64 || p[1] >= h as f64)
    {
        return Err(bad(format!("{what} is outside the {w}×{h} slice")).with_code(OUTSIDE));
    }
    Ok(())
}

const OUTSIDE: ErrorCode = ErrorCode::OutsideVolume;

/// Fills in every finding's `mm` (the patient position of `at`) and `diameter_mm` (the
/// length of `diameter`) of a whole answer, from the geometry of each finding question's
/// series field (`volumes`, by field name: `Store::item_volumes`); what a client sent for
/// them is replaced. A point outside its volume is refused with the code `outside_volume`.
/// Findings whose shape is wrong are left for the kind's parse to refuse. An order without
/// a finding question gets its answer back as it was.
pub fn place_findings(
    spec: &OrderSpec,
    answer: &Value,
    volumes: &[(String, VolumeGeometry)],
) -> Result<Value, ValidationError> {
    let Some(t) = spec.template.as_ref().filter(|t| t.needs_volume()) else {
        return Ok(answer.clone());
    };
    let mut out = answer.clone();
    for q in t.questions.iter().filter(|q| q.kind().needs_volume()) {
        let Some(findings) = out
            .get_mut(&q.key)
            .and_then(|v| v.get_mut("findings"))
            .and_then(Value::as_array_mut)
        else {
            continue;
        };
        let field = q.field.as_deref().unwrap_or_default();
        let g = volumes
            .iter()
            .find(|(n, _)| n == field)
            .map(|(_, g)| g)
            .ok_or_else(|| {
                ValidationError::at(
                    format!("answer.{}", q.key),
                    format!("this item has no series {field:?} to place findings on"),
                )
            })?;
        let (w, h, n) = (g.columns, g.rows, g.slices);
        for (i, f) in findings.iter_mut().enumerate() {
            let path = format!("answer.{}.findings[{i}]", q.key);
            let Some(obj) = f.as_object_mut() else {
                continue;
            };
            let Some(at) = obj.get("at").and_then(voxel) else {
                continue;
            };
            let outside = |what: &str| {
                ValidationError::at(
                    format!("{path}.{what}"),
                    format!("a finding's {what} lies outside the {w}×{h}×{n} series"),
                )
                .with_code(OUTSIDE)
            };
            if !g.contains(at) {
                return Err(outside("at"));
            }
            let mm = g.to_patient(at);
            obj.insert("mm".into(), json!(mm));
            obj.remove("diameter_mm");
            if let Some(d) = obj.get("diameter") {
                let ends: Option<Vec<[f64; 2]>> = d
                    .as_array()
                    .filter(|a| a.len() == 2)
                    .and_then(|a| a.iter().map(slice_point).collect());
                if let Some(ends) = ends {
                    let [a, b] = [ends[0], ends[1]].map(|p| [p[0], p[1], at[2]]);
                    if !g.contains(a) || !g.contains(b) {
                        return Err(outside("diameter"));
                    }
                    obj.insert("diameter_mm".into(), json!(g.distance_mm(a, b)));
                }
            }
            if let Some(list) = obj.get("outline").and_then(Value::as_array) {
                let off = list
                    .iter()
                    .filter_map(slice_point)
                    .any(|p| !g.contains([p[0], p[1], at[2]]));
                if off {
                    return Err(outside("outline"));
                }
            }
        }
    }
    Ok(out)
}

/// A stored finding as read for matching.
#[derive(Debug, Clone)]
struct Read<'a> {
    at: [f64; 3],
    mm: [f64; 3],
    attrs: Option<&'a Map<String, Value>>,
    value: &'a Value,
}

/// The findings of a stored answer (malformed ones skipped: stored answers passed parse).
fn read(answer: &Value) -> Vec<Read<'_>> {
    answer["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| {
            Some(Read {
                at: voxel(&f["at"])?,
                mm: triple(&f["mm"])?,
                attrs: f["attrs"].as_object(),
                value: f,
            })
        })
        .collect()
}

/// How much of a matched pair's attributes agree, over the keys of `want` (and of `other`
/// too when `both`): 1 when all do (or there are none), else from 0.5 (none agree) up.
fn credit(
    want: Option<&Map<String, Value>>,
    other: Option<&Map<String, Value>>,
    both: bool,
) -> f64 {
    let empty = Map::new();
    let (w, o) = (want.unwrap_or(&empty), other.unwrap_or(&empty));
    let mut keys: Vec<&String> = w.keys().collect();
    if both {
        keys.extend(o.keys().filter(|k| !w.contains_key(*k)));
    }
    if keys.is_empty() {
        return 1.0;
    }
    let same = keys.iter().filter(|k| w.get(**k) == o.get(**k)).count();
    if same == keys.len() {
        1.0
    } else {
        0.5 + 0.5 * same as f64 / keys.len() as f64
    }
}

/// One-to-one matching of two answers' findings within `match_mm` millimetres.
#[derive(Debug, Clone, PartialEq)]
pub struct FindingMatch {
    /// Matched pairs `(index in a, index in b, credit)`: credit 1 when their attributes
    /// agree, 0.5 to 1 when some do not.
    pub pairs: Vec<(usize, usize, f64)>,
    /// Findings of `a`, of `b`.
    pub counts: (usize, usize),
}

impl FindingMatch {
    /// F1 of the matched findings, each counted by its credit: `2·Σcredit / (|a| + |b|)`;
    /// 1 when neither found anything.
    pub fn f1(&self) -> f64 {
        let n = self.counts.0 + self.counts.1;
        if n == 0 {
            return 1.0;
        }
        2.0 * self.pairs.iter().map(|p| p.2).sum::<f64>() / n as f64
    }
}

/// Matches the findings of two answers (`{"findings": […]}`, placed) one to one: the most
/// pairs at most `match_mm` apart in 3D, then the least total distance plus attribute
/// disagreement. Attributes are compared over `a`'s keys (gold's, when `a` is gold), or
/// over both sides' keys when `symmetric`.
pub fn match_findings(a: &Value, b: &Value, match_mm: f64, symmetric: bool) -> FindingMatch {
    let (fa, fb) = (read(a), read(b));
    let (n, m) = (fa.len(), fb.len());
    // A pair out of reach costs more than every allowed pair together can, so the
    // assignment first takes as many allowed pairs as there are.
    let far = 10.0 * (n.max(m) as f64 + 1.0);
    let mut cost = vec![far; n * m];
    let mut credits = vec![0.0; n * m];
    for (i, x) in fa.iter().enumerate() {
        for (j, y) in fb.iter().enumerate() {
            let d = distance(x.mm, y.mm);
            if d <= match_mm {
                let c = credit(x.attrs, y.attrs, symmetric);
                credits[i * m + j] = c;
                cost[i * m + j] = d / match_mm + (1.0 - c);
            }
        }
    }
    let mut pairs: Vec<(usize, usize, f64)> = assign(&cost, n, m)
        .into_iter()
        .filter(|&(i, j)| cost[i * m + j] < far)
        .map(|(i, j)| (i, j, credits[i * m + j]))
        .collect();
    pairs.sort_by_key(|p| (p.0, p.1));
    FindingMatch {
        pairs,
        counts: (n, m),
    }
}

/// The mean of some points.
fn mean(points: impl Iterator<Item = [f64; 3]>) -> [f64; 3] {
    let mut sum = [0.0; 3];
    let mut k = 0.0f64;
    for p in points {
        for (s, c) in sum.iter_mut().zip(p) {
            *s += c;
        }
        k += 1.0;
    }
    sum.map(|s| s / k.max(1.0))
}

impl QuestionKind for Finding {
    fn check(
        &self,
        q: &Question,
        at: &str,
        _hotkeys: &mut HashSet<char>,
    ) -> Result<(), ValidationError> {
        if !q.options.is_empty() {
            return Err(ValidationError::at(
                format!("{at}.options"),
                "a finding question has no options: its lists are settings.attributes",
            ));
        }
        let s = &q.settings;
        let only = Settings {
            attributes: s.attributes.clone(),
            outline: s.outline,
            match_mm: s.match_mm,
            max_findings: s.max_findings,
            ..Settings::default()
        };
        if *s != only {
            return Err(ValidationError::at(
                format!("{at}.settings"),
                "a finding question takes only attributes, outline, match_mm and max_findings",
            ));
        }
        if let Some(m) = s.match_mm
            && !(m.is_finite() && m > 0.0 && m <= MAX_MATCH_MM)
        {
            return Err(ValidationError::at(
                format!("{at}.settings.match_mm"),
                format!("findings match within more than 0 and at most {MAX_MATCH_MM} mm"),
            ));
        }
        if let Some(n) = s.max_findings
            && !(1..=MAX_MAX_FINDINGS).contains(&n)
        {
            return Err(ValidationError::at(
                format!("{at}.settings.max_findings"),
                format!("an answer holds 1 to {MAX_MAX_FINDINGS} findings"),
            ));
        }
        check_attributes(q, at)?;
        if let Some(i) = s.attributes.iter().position(|a| a.options.is_empty()) {
            return Err(ValidationError::at(
                format!("{at}.settings.attributes[{i}].options"),
                "a finding's attribute is a list of 2 or more options",
            ));
        }
        Ok(())
    }

    /// Reading a series slice by slice takes a while.
    fn answer_seconds(&self, _q: &Question) -> u32 {
        60
    }

    fn needs_volume(&self) -> bool {
        true
    }

    fn draws_objects(&self) -> bool {
        true
    }

    /// `image` is the series' (columns, rows) when known: points stay on the slice. The
    /// slice and `mm` were checked against the volume by [`place_findings`].
    fn parse(
        &self,
        q: &Question,
        value: &Value,
        image: Option<(i64, i64)>,
    ) -> Result<Value, ValidationError> {
        let obj = value
            .as_object()
            .filter(|o| o.len() == 1)
            .ok_or_else(|| bad("the answer is {\"findings\": […]}"))?;
        let list = obj
            .get("findings")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("the answer is {\"findings\": […]}, a list"))?;
        let max = max_findings(q);
        if list.len() > max {
            return Err(bad(format!("at most {max} findings per series")));
        }
        let mut out = Vec::with_capacity(list.len());
        for (i, f) in list.iter().enumerate() {
            let this = |e: ValidationError| ValidationError {
                message: format!("finding {i}: {}", e.message),
                ..e
            };
            out.push(parse_one(q, f, image).map_err(this)?);
        }
        Ok(json!({ "findings": out }))
    }

    /// F1 of the answer's findings against gold's at `match_mm`; a matched finding counts
    /// fully when it gives gold's attributes, else from a half up.
    fn score(&self, q: &Question, answer: &Value, gold: &Value) -> f64 {
        match_findings(gold, answer, match_mm(q), false).f1()
    }

    /// Everyone's findings matched together by distance (a finding is kept when a strict
    /// majority found it); the item settles only when every annotator found every kept
    /// finding and nothing else, with the same required attributes. The merged finding:
    /// `x`, `y` and `mm` the members' mean, the slice, diameter line and outline those of
    /// its most central member (of the first who measured a diameter, when the most
    /// central did not), `diameter_mm` the mean of those measured, each attribute
    /// the most given. Confidence: the count F1 × the mean closeness (1 − d / match_mm)
    /// × the share of findings whose required attributes agree.
    fn consensus(&self, q: &Question, answers: &[Value], voters: Voters<'_>) -> Agreed {
        let m_mm = match_mm(q);
        let mut objects = Vec::new();
        let mut found: Vec<Read<'_>> = Vec::new();
        for (a, w) in answers.iter().zip(voters.index) {
            for f in read(a) {
                objects.push(Drawn {
                    worker: *w,
                    class: 0,
                });
                found.push(f);
            }
        }
        let workers: Vec<u32> = voters.index.iter().take(answers.len()).copied().collect();
        // Similarity 1 − d / (2·match_mm): at least a half exactly when within match_mm.
        let similarity =
            |i: usize, j: usize| 1.0 - distance(found[i].mm, found[j].mm) / (2.0 * m_mm);
        let opts = MatchOptions {
            threshold: 0.5,
            min_support: None,
        };
        let Ok(m) = match_objects(&workers, &objects, similarity, &opts) else {
            return Agreed {
                answer: None,
                confidence: 0.0,
                settles: false,
            };
        };
        let required: Vec<&str> = q
            .settings
            .attributes
            .iter()
            .filter(|a| a.required)
            .map(|a| a.key.as_str())
            .collect();
        let mut agreeing = 0usize;
        let mut merged = Vec::with_capacity(m.clusters.len());
        for c in &m.clusters {
            let members: Vec<&Read<'_>> = c.members.iter().map(|&i| &found[i]).collect();
            let first = members[0];
            let same = required.iter().all(|k| {
                let v = first.attrs.and_then(|a| a.get(*k));
                members.iter().all(|f| f.attrs.and_then(|a| a.get(*k)) == v)
            });
            agreeing += same as usize;
            // The member whose slice, diameter line and outline the merged finding keeps:
            // the most central one, unless only others measured a diameter.
            let best = &found[c.best];
            let measured = |f: &&Read<'_>| f.value.get("diameter").is_some();
            let best = if measured(&best) {
                best
            } else {
                members.iter().copied().find(measured).unwrap_or(best)
            };
            let xy = mean(members.iter().map(|f| f.at));
            let mut v = json!({
                "at": [xy[0], xy[1], best.at[2]],
                "mm": mean(members.iter().map(|f| f.mm)),
            });
            for k in ["diameter", "outline"] {
                if let Some(x) = best.value.get(k) {
                    v[k] = x.clone();
                }
            }
            let diameters: Vec<f64> = members
                .iter()
                .filter_map(|f| f.value["diameter_mm"].as_f64())
                .collect();
            if best.value.get("diameter").is_some() && !diameters.is_empty() {
                v["diameter_mm"] = json!(diameters.iter().sum::<f64>() / diameters.len() as f64);
            } else if let Some(d) = v.as_object_mut() {
                d.remove("diameter");
            }
            let wrapped: Vec<Value> = members
                .iter()
                .map(|f| json!({ "attributes": f.value.get("attrs").cloned().unwrap_or(Value::Null) }))
                .collect();
            let refs: Vec<&Value> = wrapped.iter().collect();
            v["attrs"] = majority_attributes(&refs, &q.settings.attributes);
            merged.push(v);
        }
        let attrs_share = if m.clusters.is_empty() {
            1.0
        } else {
            agreeing as f64 / m.clusters.len() as f64
        };
        let closeness = (2.0 * m.similarity - 1.0).clamp(0.0, 1.0);
        Agreed {
            answer: Some(json!({ "findings": merged })),
            confidence: if answers.is_empty() {
                0.0
            } else {
                m.f1 * closeness * attrs_share
            },
            settles: !answers.is_empty() && m.unanimous() && agreeing == m.clusters.len(),
        }
    }

    /// The mean, over items of two or more answers, of the mean pairwise F1 of their
    /// findings at `match_mm` (attributes over both answers' keys: a pair whose attributes
    /// differ counts from a half up). Not Krippendorff's alpha: findings have no fixed
    /// units to code, so agreement is the detection measure itself. `None` when no item
    /// has two answers.
    fn agreement(&self, q: &Question, items: &[Vec<Value>]) -> Option<f64> {
        let m_mm = match_mm(q);
        let per_item: Vec<f64> = items
            .iter()
            .filter(|a| a.len() >= 2)
            .map(|a| {
                let mut sum = 0.0;
                let mut k = 0.0;
                for i in 0..a.len() {
                    for j in i + 1..a.len() {
                        sum += match_findings(&a[i], &a[j], m_mm, true).f1();
                        k += 1.0;
                    }
                }
                sum / k
            })
            .collect();
        (!per_item.is_empty()).then(|| per_item.iter().sum::<f64>() / per_item.len() as f64)
    }

    fn objects(&self, answer: &Value) -> Option<usize> {
        answer["findings"].as_array().map(Vec::len)
    }

    /// The findings as JSON (voxel and millimetres, diameter, outline, attributes).
    fn cell(&self, _q: &Question, answer: &Value) -> String {
        answer["findings"].to_string()
    }
}

/// Checks one finding; returns it normalised.
fn parse_one(q: &Question, f: &Value, image: Option<(i64, i64)>) -> Result<Value, ValidationError> {
    let obj = f.as_object().ok_or_else(|| bad("a finding is an object"))?;
    if let Some(k) = obj.keys().find(|k| {
        !matches!(
            k.as_str(),
            "at" | "mm" | "diameter" | "diameter_mm" | "outline" | "attrs"
        )
    }) {
        return Err(bad(format!("a finding has no {k:?}")));
    }
    let at = voxel(&f["at"])
        .ok_or_else(|| bad("a finding's at is [x, y, z]: numbers, z a whole slice"))?;
    if at[2] < 0.0 {
        return Err(bad("a finding's slice is 0 or more").with_code(OUTSIDE));
    }
    on_slice([at[0], at[1]], image, "a finding")?;
    let mm = triple(&f["mm"]).ok_or_else(|| {
        bad("a finding's mm is placed by the server from the series (place_findings)")
    })?;
    let mut v = json!({"at": at, "mm": mm});
    match (f.get("diameter"), f.get("diameter_mm")) {
        (None, None) => {}
        (Some(d), Some(len)) => {
            let ends: Vec<[f64; 2]> = d
                .as_array()
                .filter(|a| a.len() == 2)
                .and_then(|a| a.iter().map(slice_point).collect())
                .ok_or_else(|| bad("a diameter is [[x1, y1], [x2, y2]] on the finding's slice"))?;
            for p in &ends {
                on_slice(*p, image, "a diameter's end")?;
            }
            let len = len
                .as_f64()
                .filter(|l| l.is_finite() && *l >= 0.0)
                .ok_or_else(|| bad("a diameter's length is millimetres"))?;
            v["diameter"] = json!(ends);
            v["diameter_mm"] = json!(len);
        }
        (None, Some(_)) => return Err(bad("a diameter_mm is measured from a diameter")),
        (Some(_), None) => {
            return Err(bad(
                "a diameter's millimetres are placed by the server (place_findings)",
            ));
        }
    }
    if let Some(o) = f.get("outline").filter(|o| !o.is_null()) {
        if q.settings.outline != Some(true) {
            return Err(bad("this question takes no outline"));
        }
        let points: Vec<[f64; 2]> = o
            .as_array()
            .and_then(|a| a.iter().map(slice_point).collect())
            .ok_or_else(|| bad("an outline is a list of [x, y] on the finding's slice"))?;
        if points.len() < 3 || points.len() > MAX_OUTLINE_POINTS {
            return Err(bad(format!(
                "an outline has 3 to {MAX_OUTLINE_POINTS} points (this has {})",
                points.len()
            )));
        }
        for p in &points {
            on_slice(*p, image, "an outline's point")?;
        }
        v["outline"] = json!(points);
    }
    v["attrs"] = Value::Object(parse_attribute_values(q, f.get("attrs"))?);
    Ok(v)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::*;
    use crate::kinds::question_kind;
    use crate::volume::VolumeGeometry;

    fn question(settings: Value) -> Question {
        serde_json::from_value(
            json!({"key": "aneurysm", "kind": "finding", "title_zh": "动脉瘤",
            "field": "series", "settings": settings}),
        )
        .unwrap()
    }

    fn aneurysm() -> Question {
        question(json!({
            "attributes": [
                {"key": "location", "zh": "位置", "en": "Location", "required": true,
                 "options": [{"key": "ica", "zh": "颈内动脉", "en": "ICA"},
                             {"key": "mca", "zh": "大脑中动脉", "en": "MCA"},
                             {"key": "acom", "zh": "前交通", "en": "ACom"}]},
                {"key": "size", "zh": "大小", "en": "Size", "required": false,
                 "options": [{"key": "small", "zh": "<7mm", "en": "<7 mm"},
                             {"key": "large", "zh": ">12mm", "en": ">12 mm"}]}],
            "outline": true, "match_mm": 5.0, "max_findings": 20}))
    }

    /// 0.5 mm pixels, slices 1 mm apart.
    fn geometry() -> VolumeGeometry {
        VolumeGeometry {
            columns: 100,
            rows: 80,
            slices: 40,
            spacing: [0.5, 0.5],
            slice_step: 1.0,
            thickness: Some(1.0),
            origin: [-10.0, 20.0, 100.0],
            row_dir: [1.0, 0.0, 0.0],
            col_dir: [0.0, 1.0, 0.0],
            slice_dir: [0.0, 0.0, 1.0],
        }
    }

    fn spec() -> OrderSpec {
        let mut s = crate::order::testing::spec(crate::TaskType::Template, &[]);
        s.template = Some(
            serde_json::from_value(json!({"fields": [{"name": "series", "kind": "series"}],
                "questions": [serde_json::to_value(aneurysm()).unwrap()]}))
            .unwrap(),
        );
        s.required_qualification = Some("medical".into());
        s
    }

    /// A finding at voxel `at` with its millimetres (as placed).
    fn f(at: [f64; 3], location: &str) -> Value {
        let mm = geometry().to_patient(at);
        json!({"at": at, "mm": mm, "attrs": {"location": location}})
    }

    fn answer(findings: Vec<Value>) -> Value {
        json!({ "findings": findings })
    }

    #[test]
    fn settings_are_checked() {
        let k = question_kind("finding").unwrap();
        let mut hk = HashSet::new();
        k.check(&aneurysm(), "q", &mut hk).unwrap();
        k.check(&question(json!({})), "q", &mut hk).unwrap();
        for bad_settings in [
            json!({"match_mm": 0.0}),
            json!({"match_mm": 101.0}),
            json!({"max_findings": 0}),
            json!({"max_findings": 101}),
            json!({"min": 1.0}),
            json!({"attributes": [{"key": "yes", "name_zh": "是否"}]}),
        ] {
            let e = k.check(&question(bad_settings.clone()), "q", &mut hk);
            assert!(e.is_err(), "{bad_settings}");
        }
        let mut with_options = aneurysm();
        with_options.options = aneurysm().settings.attributes[0].options.clone();
        assert!(k.check(&with_options, "q", &mut hk).is_err());
    }

    #[test]
    fn a_template_places_findings_on_a_series_for_medical_orders() {
        let s = spec();
        s.validate(0).unwrap();
        let mut t = s.template.clone().unwrap();
        t.fields[0].kind = crate::FieldKind::Image;
        let e = t.validate().unwrap_err();
        assert!(e.message.contains("series"), "{e}");
        let mut not_medical = spec();
        not_medical.required_qualification = None;
        let e = not_medical.validate(0).unwrap_err();
        assert_eq!(e.field, "required_qualification");
        not_medical.required_qualification = Some("bbox".into());
        assert!(not_medical.validate(0).is_err());
    }

    #[test]
    fn placing_fills_millimetres_and_refuses_outside() {
        let s = spec();
        let g = geometry();
        let vols = vec![("series".to_owned(), g.clone())];
        let sent = json!({"aneurysm": {"findings": [
            {"at": [10, 20, 5], "mm": [0, 0, 0], "diameter": [[10, 20], [18, 20]],
             "diameter_mm": 99, "outline": [[9, 19], [11, 19], [10, 21]],
             "attrs": {"location": "mca"}}]}});
        let placed = place_findings(&s, &sent, &vols).unwrap();
        let f0 = &placed["aneurysm"]["findings"][0];
        assert_eq!(f0["mm"], json!([-5.0, 30.0, 105.0]));
        assert_eq!(f0["diameter_mm"], json!(4.0));
        let parsed = crate::Answer::parse_sized(&s, &placed, &[])
            .unwrap()
            .to_json();
        assert_eq!(
            parsed["aneurysm"]["findings"][0]["mm"],
            json!([-5.0, 30.0, 105.0])
        );
        // Not placed: refused.
        let e = crate::Answer::parse_sized(&s, &sent_without_mm(), &[]).unwrap_err();
        assert!(e.message.contains("placed"), "{e}");
        for outside in [
            json!({"at": [100, 0, 0], "attrs": {"location": "mca"}}),
            json!({"at": [0, 0, 40], "attrs": {"location": "mca"}}),
            json!({"at": [0, -1, 0], "attrs": {"location": "mca"}}),
            json!({"at": [5, 5, 5], "diameter": [[5, 5], [5, 80]], "attrs": {"location": "mca"}}),
            json!({"at": [5, 5, 5], "outline": [[5, 5], [6, 5], [200, 5]], "attrs": {"location": "mca"}}),
        ] {
            let a = json!({"aneurysm": {"findings": [outside.clone()]}});
            let e = place_findings(&s, &a, &vols).unwrap_err();
            assert_eq!(e.code, ErrorCode::OutsideVolume, "{outside}");
        }
        // No series to place on.
        assert!(place_findings(&s, &sent, &[]).is_err());
    }

    fn sent_without_mm() -> Value {
        json!({"aneurysm": {"findings": [{"at": [1, 2, 3], "attrs": {"location": "ica"}}]}})
    }

    #[test]
    fn bad_findings_are_refused() {
        let q = aneurysm();
        let k = question_kind("finding").unwrap();
        let ok = f([1.0, 2.0, 3.0], "ica");
        k.parse(&q, &answer(vec![ok.clone()]), Some((100, 80)))
            .unwrap();
        k.parse(&q, &answer(vec![]), None).unwrap();
        let mut cases = vec![
            json!([]),
            json!({"findings": [], "more": 1}),
            answer(vec![
                json!({"at": [1.5, 2, 3.5], "mm": [0, 0, 0], "attrs": {"location": "ica"}}),
            ]),
            answer(vec![json!({"at": [1, 2, 3], "mm": [0, 0, 0]})]),
            answer(vec![
                json!({"at": [1, 2, 3], "mm": [0, 0, 0], "attrs": {"location": "nose"}}),
            ]),
            answer(vec![
                json!({"at": [1, 2, 3], "mm": [0, 0, 0], "attrs": {"location": "ica", "colour": "red"}}),
            ]),
            answer(vec![
                json!({"at": [1, 2, 3], "mm": [0, 0, 0], "attrs": {"location": "ica"}, "outline": [[1, 2], [2, 2]]}),
            ]),
            answer(vec![
                json!({"at": [1, 2, 3], "mm": [0, 0, 0], "attrs": {"location": "ica"}, "diameter_mm": 3}),
            ]),
            answer(vec![
                json!({"at": [1, 2, 3], "mm": [0, 0, 0], "attrs": {"location": "ica"}, "label": "x"}),
            ]),
            answer(vec![
                json!({"at": [101, 2, 3], "mm": [0, 0, 0], "attrs": {"location": "ica"}}),
            ]),
        ];
        cases.push(answer(vec![ok.clone(); 21]));
        for c in cases {
            assert!(k.parse(&q, &c, Some((100, 80))).is_err(), "{c}");
        }
        // An outline only when the question takes one.
        let mut no_outline = aneurysm();
        no_outline.settings.outline = None;
        let mut with = ok.clone();
        with["outline"] = json!([[1, 2], [3, 2], [2, 4]]);
        k.parse(&q, &answer(vec![with.clone()]), None).unwrap();
        assert!(k.parse(&no_outline, &answer(vec![with]), None).is_err());
    }

    #[test]
    fn agreeing_findings_settle_and_merge() {
        let q = aneurysm();
        let k = question_kind("finding").unwrap();
        // 3 mm apart (6 columns of 0.5 mm) and 1 slice: √10 ≈ 3.16 mm.
        let a = answer(vec![
            f([10.0, 10.0, 5.0], "mca"),
            f([60.0, 60.0, 20.0], "ica"),
        ]);
        let b = answer(vec![
            f([66.0, 60.0, 21.0], "ica"),
            f([16.0, 10.0, 5.0], "mca"),
        ]);
        let c = k.consensus(&q, &[a.clone(), b.clone()], Voters::equal(&[0, 1]));
        assert!(c.settles, "{c:?}");
        assert!(c.confidence > 0.0 && c.confidence < 1.0);
        let merged = c.answer.unwrap();
        let list = merged["findings"].as_array().unwrap();
        assert_eq!(list.len(), 2);
        let mca = list
            .iter()
            .find(|x| x["attrs"]["location"] == "mca")
            .unwrap();
        let want = geometry().to_patient([13.0, 10.0, 5.0]);
        assert_eq!(mca["mm"], json!(want));
        assert_eq!(k.score(&q, &b, &a), 1.0);
        assert_eq!(k.agreement(&q, &[vec![a, b]]), Some(1.0));
    }

    #[test]
    fn missed_or_differing_findings_do_not_settle() {
        let q = aneurysm();
        let k = question_kind("finding").unwrap();
        let a = answer(vec![
            f([10.0, 10.0, 5.0], "mca"),
            f([60.0, 60.0, 20.0], "ica"),
        ]);
        let missed = answer(vec![f([10.0, 10.0, 5.0], "mca")]);
        let c = k.consensus(&q, &[a.clone(), missed.clone()], Voters::equal(&[0, 1]));
        assert!(!c.settles);
        let s = k.score(&q, &missed, &a);
        assert!((s - 2.0 / 3.0).abs() < 1e-9, "{s}");
        assert!(!k.passes(&q, s));
        let other_place = answer(vec![
            f([10.0, 10.0, 5.0], "ica"),
            f([60.0, 60.0, 20.0], "ica"),
        ]);
        let c = k.consensus(
            &q,
            &[a.clone(), other_place.clone()],
            Voters::equal(&[0, 1]),
        );
        assert!(!c.settles);
        let s = k.score(&q, &other_place, &a);
        assert!(s < 1.0 && s > 0.5, "{s}");
        // An optional attribute left out does not stop a settle.
        let mut sized = a.clone();
        sized["findings"][0]["attrs"]["size"] = json!("small");
        let c = k.consensus(&q, &[a.clone(), sized], Voters::equal(&[0, 1]));
        assert!(c.settles);
        // Both found nothing: agreed, nothing there.
        let none = answer(vec![]);
        let c = k.consensus(&q, &[none.clone(), none.clone()], Voters::equal(&[0, 1]));
        assert!(c.settles);
        assert_eq!(c.answer, Some(none.clone()));
        assert_eq!(k.score(&q, &none, &none), 1.0);
        assert_eq!(k.objects(&a), Some(2));
        assert!(k.cell(&q, &a).contains("mca"));
    }

    fn arb_findings() -> impl Strategy<Value = Vec<[f64; 3]>> {
        prop::collection::vec(
            (0.0f64..100.0, 0.0f64..80.0, 0u32..40).prop_map(|(x, y, z)| [x, y, z as f64]),
            0..8,
        )
    }

    fn answer_of(points: &[[f64; 3]]) -> Value {
        answer(points.iter().map(|p| f(*p, "ica")).collect())
    }

    proptest! {
        #[test]
        fn matching_is_symmetric(a in arb_findings(), b in arb_findings(), mm in 0.5f64..20.0) {
            let (va, vb) = (answer_of(&a), answer_of(&b));
            let ab = match_findings(&va, &vb, mm, true);
            let ba = match_findings(&vb, &va, mm, true);
            prop_assert_eq!(ab.pairs.len(), ba.pairs.len());
            prop_assert!((ab.f1() - ba.f1()).abs() < 1e-9);
        }

        #[test]
        fn a_set_matches_itself(a in arb_findings(), mm in 0.5f64..20.0) {
            let va = answer_of(&a);
            let m = match_findings(&va, &va, mm, false);
            prop_assert_eq!(m.f1(), 1.0);
            prop_assert_eq!(m.pairs.len(), a.len());
        }

        /// One finding moved further than match_mm from everything it was near: it is
        /// missed, and the moved one is extra.
        #[test]
        fn moving_one_too_far_misses_it(a in arb_findings(), pick in 0usize..8) {
            prop_assume!(!a.is_empty());
            let mm = 5.0;
            let i = pick % a.len();
            let g = geometry();
            // A finding far from every other one, moved to a corner far from all of them.
            let spot = [[0.0, 0.0, 0.0], [99.0, 79.0, 39.0], [0.0, 79.0, 39.0], [99.0, 0.0, 0.0]];
            let far = spot.iter().copied().find(|s| a.iter().all(|p| g.distance_mm(*s, *p) > mm));
            prop_assume!(far.is_some());
            let mut b = a.clone();
            b[i] = far.unwrap();
            // The finding at i had no twin within reach in `a` (else a twin matches it).
            prop_assume!(a.iter().enumerate().all(|(j, p)| j == i || g.distance_mm(*p, a[i]) > mm));
            let m = match_findings(&answer_of(&a), &answer_of(&b), mm, false);
            prop_assert_eq!(m.pairs.len(), a.len() - 1);
            prop_assert!(m.pairs.iter().all(|p| p.0 != i && p.1 != i));
            let k = question_kind("finding").unwrap();
            let s = k.score(&aneurysm(), &answer_of(&b), &answer_of(&a));
            prop_assert!((s - (a.len() - 1) as f64 / a.len() as f64).abs() < 1e-9);
        }
    }
}
