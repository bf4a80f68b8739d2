//! Polygons on a picture, holes allowed: `[{"label": "road", "points": [[x, y], …],
//! "holes": [[[x, y], …]], "attributes": {…}}]` in the picture's pixels. At least three
//! points, not crossing itself, inside the picture, holes inside the outline. Matched by IoU
//! of pixels (COCO's `segm` IoU; exact for objects under 100 px); the merged polygon is the
//! member closest to the others (highest mean IoU).

use mudou_consensus::shapes::{
    Drawn, MatchOptions, Matching, Polygon, match_polygons_raster, polygon_problem,
};
use serde_json::{Map, Value};

use super::shapes::{Geometry, points, points_json, read_points};
use crate::ValidationError;
use crate::template::Question;

use super::bad;

/// The most points of one ring, and holes of one polygon.
const MAX_POINTS: usize = 2000;
const MAX_HOLES: usize = 50;

pub(crate) struct PolygonShape;

/// A stored polygon object's geometry.
pub(crate) fn read_polygon(o: &Value) -> Option<Polygon> {
    Some(Polygon {
        exterior: read_points(&o["points"])?,
        holes: match o.get("holes") {
            None | Some(Value::Null) => Vec::new(),
            Some(h) => h
                .as_array()?
                .iter()
                .map(read_points)
                .collect::<Option<_>>()?,
        },
    })
}

impl Geometry for PolygonShape {
    const WHAT: &'static str = "polygon";
    const FIELDS: &'static [&'static str] = &["points", "holes"];

    fn parse(
        _q: &Question,
        obj: &Value,
        image: Option<(i64, i64)>,
    ) -> Result<Map<String, Value>, ValidationError> {
        let exterior = points(&obj["points"], 3, MAX_POINTS, image)
            .map_err(|e| bad(format!("points: {e}")))?;
        let holes: Vec<Vec<[f64; 2]>> = match obj.get("holes") {
            None | Some(Value::Null) => Vec::new(),
            Some(h) => {
                let list = h
                    .as_array()
                    .ok_or_else(|| bad("holes are a list of rings"))?;
                if list.len() > MAX_HOLES {
                    return Err(bad(format!("at most {MAX_HOLES} holes")));
                }
                list.iter()
                    .enumerate()
                    .map(|(i, r)| {
                        points(r, 3, MAX_POINTS, image).map_err(|e| bad(format!("holes[{i}]: {e}")))
                    })
                    .collect::<Result<_, _>>()?
            }
        };
        let p = Polygon { exterior, holes };
        if let Some(problem) = polygon_problem(&p) {
            return Err(bad(problem));
        }
        let mut out = Map::new();
        out.insert("points".into(), points_json(&p.exterior));
        if !p.holes.is_empty() {
            out.insert(
                "holes".into(),
                Value::Array(p.holes.iter().map(|h| points_json(h)).collect()),
            );
        }
        Ok(out)
    }

    fn matching(
        _q: &Question,
        workers: &[u32],
        objects: &[(Drawn, &Value)],
        opts: &MatchOptions,
    ) -> Option<Matching> {
        let polygons: Vec<Polygon> = objects
            .iter()
            .map(|o| read_polygon(o.1))
            .collect::<Option<_>>()?;
        let list: Vec<(Drawn, &[Polygon])> = objects
            .iter()
            .zip(&polygons)
            .map(|(o, p)| (o.0, std::slice::from_ref(p)))
            .collect();
        match_polygons_raster(workers, &list, opts).ok()
    }
}
