//! Brush masks: `[{"label": "lesion", "rle": {"size": [height, width], "counts": …},
//! "attributes": {…}}]`, COCO's run-length encoding (column by column, background first;
//! `counts` a list of run lengths or pycocotools' compressed string, stored compressed). The
//! size must be the picture's; an empty mask is refused. Matched by IoU; merged by a pixel
//! majority of the matched masks.

use mudou_consensus::shapes::{Drawn, MatchOptions, Matching, Rle, match_masks};
use serde_json::{Map, Value, json};

use super::bad;
use super::shapes::Geometry;
use crate::ValidationError;
use crate::template::Question;

/// The most runs one mask may have, and the longest compressed counts.
const MAX_RUNS: usize = 200_000;
const MAX_COUNTS_CHARS: usize = 1_000_000;
/// The largest picture side a mask may cover.
const MAX_SIDE: u64 = 20_000;

pub(crate) struct MaskShape;

/// A stored (or submitted) mask.
pub(crate) fn read_rle(o: &Value) -> Result<Rle, String> {
    let rle = &o["rle"];
    let size = rle["size"]
        .as_array()
        .filter(|s| s.len() == 2)
        .and_then(|s| Some((s[0].as_u64()?, s[1].as_u64()?)))
        .filter(|(h, w)| (1..=MAX_SIDE).contains(h) && (1..=MAX_SIDE).contains(w))
        .ok_or("rle.size is [height, width] in pixels")?;
    let (h, w) = (size.0 as u32, size.1 as u32);
    match &rle["counts"] {
        Value::String(s) => {
            if s.len() > MAX_COUNTS_CHARS {
                return Err(format!("rle.counts: at most {MAX_COUNTS_CHARS} characters"));
            }
            Rle::from_compressed(h, w, s).map_err(|e| format!("rle.counts: {e}"))
        }
        Value::Array(list) => {
            if list.len() > MAX_RUNS {
                return Err(format!("rle.counts: at most {MAX_RUNS} runs"));
            }
            let counts: Vec<u32> = list
                .iter()
                .map(|c| c.as_u64().and_then(|c| u32::try_from(c).ok()))
                .collect::<Option<_>>()
                .ok_or("rle.counts: run lengths are whole numbers")?;
            Rle::new(h, w, counts).map_err(|e| format!("rle.counts: {e}"))
        }
        _ => Err("rle.counts is a list of run lengths or a compressed string".into()),
    }
}

fn rle_json(r: &Rle) -> Value {
    json!({"size": [r.height, r.width], "counts": r.to_compressed()})
}

impl Geometry for MaskShape {
    const WHAT: &'static str = "mask";
    const FIELDS: &'static [&'static str] = &["rle"];

    fn parse(
        _q: &Question,
        obj: &Value,
        image: Option<(i64, i64)>,
    ) -> Result<Map<String, Value>, ValidationError> {
        let r = read_rle(obj).map_err(bad)?;
        if let Some((w, h)) = image
            && (i64::from(r.width), i64::from(r.height)) != (w, h)
        {
            return Err(bad(format!(
                "rle.size: the mask is {}×{}, the picture {w}×{h}",
                r.width, r.height
            )));
        }
        if r.area() == 0 {
            return Err(bad("the mask is empty: paint the object"));
        }
        let mut out = Map::new();
        out.insert("rle".into(), rle_json(&r));
        Ok(out)
    }

    fn matching(
        _q: &Question,
        workers: &[u32],
        objects: &[(Drawn, &Value)],
        opts: &MatchOptions,
    ) -> Option<Matching> {
        let masks: Vec<Rle> = objects
            .iter()
            .map(|o| read_rle(o.1).ok())
            .collect::<Option<_>>()?;
        let list: Vec<(Drawn, &Rle)> = objects.iter().zip(&masks).map(|(o, m)| (o.0, m)).collect();
        match_masks(workers, &list, opts).ok()
    }

    /// The pixels most of the matched masks cover.
    fn merge(_q: &Question, members: &[&Value], best: &Value) -> Map<String, Value> {
        let masks: Vec<Rle> = members.iter().filter_map(|m| read_rle(m).ok()).collect();
        let refs: Vec<&Rle> = masks.iter().collect();
        let mut out = Map::new();
        out.insert(
            "rle".into(),
            Rle::vote(&refs, refs.len() / 2 + 1)
                .map(|r| rle_json(&r))
                .unwrap_or_else(|| best["rle"].clone()),
        );
        out
    }
}
