//! Lines on a picture (lane lines, road edges): `[{"label": "lane", "points": [[x, y], …],
//! "attributes": {…}}]`, two or more points inside the picture. Matched by a symmetric mean
//! distance along the lines with `settings.tolerance` pixels (default 10) turning it into a
//! similarity; the merged line is the member closest to the others.

use mudou_consensus::shapes::{Drawn, MatchOptions, Matching, Pt, match_lines};
use serde_json::{Map, Value};

use super::bad;
use super::shapes::{Geometry, points, points_json, read_points};
use crate::ValidationError;
use crate::template::{Question, Settings};

/// The most points of one line.
const MAX_POINTS: usize = 2000;

/// How far apart, in pixels, two lines are on average to be quite different lines.
pub const DEFAULT_TOLERANCE: f64 = 10.0;

pub(crate) struct PolylineShape;

fn tolerance(q: &Question) -> f64 {
    q.settings.tolerance.unwrap_or(DEFAULT_TOLERANCE)
}

impl Geometry for PolylineShape {
    const WHAT: &'static str = "polyline";
    const FIELDS: &'static [&'static str] = &["points"];

    fn own_settings(q: &Question) -> Settings {
        Settings {
            tolerance: q.settings.tolerance,
            ..Settings::default()
        }
    }

    fn check_settings(q: &Question, at: &str) -> Result<(), ValidationError> {
        if let Some(t) = q.settings.tolerance
            && !(t.is_finite() && t > 0.0 && t <= 1000.0)
        {
            return Err(ValidationError::at(
                format!("{at}.settings.tolerance"),
                "a line's tolerance is 0 to 1000 pixels (more than 0)",
            ));
        }
        Ok(())
    }

    fn parse(
        _q: &Question,
        obj: &Value,
        image: Option<(i64, i64)>,
    ) -> Result<Map<String, Value>, ValidationError> {
        let p = points(&obj["points"], 2, MAX_POINTS, image)
            .map_err(|e| bad(format!("points: {e}")))?;
        if p.windows(2).all(|w| w[0] == w[1]) {
            return Err(bad("a line has a length: its points are all in one place"));
        }
        let mut out = Map::new();
        out.insert("points".into(), points_json(&p));
        Ok(out)
    }

    fn matching(
        q: &Question,
        workers: &[u32],
        objects: &[(Drawn, &Value)],
        opts: &MatchOptions,
    ) -> Option<Matching> {
        let lines: Vec<Vec<Pt>> = objects
            .iter()
            .map(|o| read_points(&o.1["points"]))
            .collect::<Option<_>>()?;
        let list: Vec<(Drawn, &[Pt])> = objects
            .iter()
            .zip(&lines)
            .map(|(o, l)| (o.0, l.as_slice()))
            .collect();
        match_lines(workers, &list, tolerance(q), opts).ok()
    }
}
