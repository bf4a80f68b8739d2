//! Boxes turned to fit the object: `[{"label": "ship", "cx": 50, "cy": 40, "w": 80,
//! "h": 20, "angle": 30, "attributes": {…}}]`: centre, size and degrees clockwise on the
//! picture, every corner inside it. Matched by IoU through their polygons (of pixels, as the
//! polygon kind); the merged box is the member closest to the others.

use mudou_consensus::shapes::{
    Drawn, MatchOptions, Matching, Polygon, RotatedBox, match_polygons_raster,
};
use serde_json::{Map, Value, json};

use super::bad;
use super::shapes::{Geometry, inside};
use crate::ValidationError;
use crate::template::Question;

pub(crate) struct RotatedBoxShape;

/// The smallest side, in pixels.
const MIN_SIDE: f64 = 1.0;

/// A stored rotated box.
pub(crate) fn read_rotated(o: &Value) -> Option<RotatedBox> {
    Some(RotatedBox {
        cx: o["cx"].as_f64()?,
        cy: o["cy"].as_f64()?,
        w: o["w"].as_f64()?,
        h: o["h"].as_f64()?,
        angle: o["angle"].as_f64()?,
    })
}

impl Geometry for RotatedBoxShape {
    const WHAT: &'static str = "rotated box";
    const FIELDS: &'static [&'static str] = &["cx", "cy", "w", "h", "angle"];

    fn parse(
        _q: &Question,
        obj: &Value,
        image: Option<(i64, i64)>,
    ) -> Result<Map<String, Value>, ValidationError> {
        let b = read_rotated(obj)
            .filter(|b| {
                [b.cx, b.cy, b.w, b.h, b.angle]
                    .iter()
                    .all(|v| v.is_finite())
            })
            .ok_or_else(|| bad("a rotated box has numbers cx, cy, w, h and angle"))?;
        if b.w < MIN_SIDE || b.h < MIN_SIDE {
            return Err(bad(format!(
                "a rotated box is at least {MIN_SIDE} pixel a side"
            )));
        }
        // Degrees in (−180, 180].
        let mut angle = b.angle % 360.0;
        if angle > 180.0 {
            angle -= 360.0;
        } else if angle <= -180.0 {
            angle += 360.0;
        }
        let b = RotatedBox { angle, ..b };
        for c in b.corners() {
            inside(c, image).map_err(|e| bad(format!("a corner: {e}")))?;
        }
        let mut out = Map::new();
        for (k, v) in ["cx", "cy", "w", "h", "angle"]
            .iter()
            .zip([b.cx, b.cy, b.w, b.h, b.angle])
        {
            out.insert((*k).into(), json!(v));
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
            .map(|o| read_rotated(o.1).map(|b| b.polygon()))
            .collect::<Option<_>>()?;
        let list: Vec<(Drawn, &[Polygon])> = objects
            .iter()
            .zip(&polygons)
            .map(|(o, p)| (o.0, std::slice::from_ref(p)))
            .collect();
        match_polygons_raster(workers, &list, opts).ok()
    }
}
