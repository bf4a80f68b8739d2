//! Medical findings out: one row per final finding of a series, in voxel and patient
//! coordinates (mm), with the study and series UIDs the caller gives (the client's own,
//! mapped back from the de-identified ones by the server). The answer's shape is the
//! `finding` kind's (`{"findings": [{"at": [x, y, z], "diameter_mm", "outline", "attrs"}]}`);
//! patient coordinates are worked out again here from the geometry, never read from the
//! answer. An outlined finding also carries its mask on its slice, as pycocotools draws the
//! outline (COCO compressed RLE at the slice's rows × columns).

use serde::Serialize;
use serde_json::{Map, Value, json};

use mudou_consensus::shapes::{Polygon, Rle};

use crate::template::Template;
use crate::volume::VolumeGeometry;

/// What a series item brings to its rows.
pub struct SeriesItem<'a> {
    pub item_id: i64,
    pub study_uid: &'a str,
    pub series_uid: &'a str,
    pub geometry: &'a VolumeGeometry,
    /// The item's final answer (the whole template answer).
    pub answer: &'a Value,
    /// Who settled it: `consensus`, `expert`, `doctor`, `lead`.
    pub settled_by: &'a str,
}

/// One finding, as a row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingRow {
    pub item_id: i64,
    pub study_uid: String,
    pub series_uid: String,
    pub question: String,
    /// The finding's number within its question's answer, from 1.
    pub finding: usize,
    /// The slice index (0-based) the finding is on.
    pub slice: u32,
    /// Voxel position: column, row, slice.
    pub voxel: [f64; 3],
    /// Patient position (DICOM LPS, mm).
    pub patient_mm: [f64; 3],
    pub diameter_mm: Option<f64>,
    pub attrs: Map<String, Value>,
    /// The outline on the finding's slice, voxel `[x, y]` points.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outline: Option<Vec<[f64; 2]>>,
    /// The outline's points in patient mm.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outline_mm: Option<Vec<[f64; 3]>>,
    /// The outline filled on its slice: `{"size": [rows, columns], "counts": "<COCO RLE>"}`
    /// (`pycocotools.mask.decode` reads it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mask: Option<Value>,
    pub settled_by: String,
}

fn point(v: &Value) -> Option<Vec<f64>> {
    v.as_array()?.iter().map(Value::as_f64).collect()
}

/// The rows of one item's final answer: every finding question of the template, in order.
pub fn rows(t: &Template, it: &SeriesItem<'_>) -> Vec<FindingRow> {
    let mut out = Vec::new();
    for q in t.questions.iter().filter(|q| q.kind == "finding") {
        let Some(list) = it
            .answer
            .get(&q.key)
            .and_then(|a| a.get("findings"))
            .and_then(Value::as_array)
        else {
            continue;
        };
        for (i, f) in list.iter().enumerate() {
            let Some(at) = f.get("at").and_then(point).filter(|p| p.len() == 3) else {
                continue;
            };
            let voxel = [at[0], at[1], at[2]];
            let outline: Option<Vec<[f64; 2]>> =
                f.get("outline").and_then(Value::as_array).map(|pts| {
                    pts.iter()
                        .filter_map(point)
                        .filter(|p| p.len() == 2)
                        .map(|p| [p[0], p[1]])
                        .collect()
                });
            let outline_mm = outline.as_ref().map(|pts| {
                pts.iter()
                    .map(|p| it.geometry.to_patient([p[0], p[1], voxel[2]]))
                    .collect()
            });
            let mask = outline.as_ref().filter(|o| o.len() >= 3).map(|o| {
                let rle = Rle::from_polygon(
                    &Polygon::new(o.clone()),
                    it.geometry.rows,
                    it.geometry.columns,
                );
                super::coco::rle_json(&rle)
            });
            out.push(FindingRow {
                item_id: it.item_id,
                study_uid: it.study_uid.to_owned(),
                series_uid: it.series_uid.to_owned(),
                question: q.key.clone(),
                finding: i + 1,
                slice: voxel[2].max(0.0).round() as u32,
                voxel,
                patient_mm: it.geometry.to_patient(voxel),
                diameter_mm: f.get("diameter_mm").and_then(Value::as_f64),
                attrs: f
                    .get("attrs")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default(),
                outline,
                outline_mm,
                mask,
                settled_by: it.settled_by.to_owned(),
            });
        }
    }
    out
}

/// The attribute keys of the template's finding questions, in order, without repeats (the
/// CSV's attribute columns).
pub fn attribute_keys(t: &Template) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for q in t.questions.iter().filter(|q| q.kind == "finding") {
        for a in &q.settings.attributes {
            if !keys.contains(&a.key) {
                keys.push(a.key.clone());
            }
        }
    }
    keys
}

/// The CSV header for [`csv_cells`].
pub fn csv_header(attr_keys: &[String]) -> Vec<String> {
    let mut h: Vec<String> = [
        "item_id",
        "study_uid",
        "series_uid",
        "question",
        "finding",
        "slice",
        "voxel_x",
        "voxel_y",
        "voxel_z",
        "patient_x_mm",
        "patient_y_mm",
        "patient_z_mm",
        "diameter_mm",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    h.extend(attr_keys.iter().map(|k| format!("attr_{k}")));
    h.extend(["outline", "mask_rle", "settled_by"].map(String::from));
    h
}

/// A row as CSV cells (numbers to 0.01 voxel and 0.01 mm; the outline as JSON).
pub fn csv_cells(r: &FindingRow, attr_keys: &[String]) -> Vec<String> {
    let n = |v: f64| format!("{:.2}", v);
    let mut c = vec![
        r.item_id.to_string(),
        r.study_uid.clone(),
        r.series_uid.clone(),
        r.question.clone(),
        r.finding.to_string(),
        r.slice.to_string(),
        n(r.voxel[0]),
        n(r.voxel[1]),
        n(r.voxel[2]),
        n(r.patient_mm[0]),
        n(r.patient_mm[1]),
        n(r.patient_mm[2]),
        r.diameter_mm.map(n).unwrap_or_default(),
    ];
    for k in attr_keys {
        c.push(match r.attrs.get(k) {
            Some(Value::String(s)) => s.clone(),
            Some(v) => v.to_string(),
            None => String::new(),
        });
    }
    c.push(
        r.outline
            .as_ref()
            .map(|o| json!(o).to_string())
            .unwrap_or_default(),
    );
    c.push(
        r.mask
            .as_ref()
            .and_then(|m| m["counts"].as_str())
            .unwrap_or_default()
            .to_owned(),
    );
    c.push(r.settled_by.clone());
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn geometry() -> VolumeGeometry {
        VolumeGeometry {
            columns: 128,
            rows: 128,
            slices: 16,
            spacing: [0.5, 0.5],
            slice_step: 5.0,
            thickness: Some(5.0),
            origin: [-158.0, -179.0, -75.0],
            row_dir: [1.0, 0.0, 0.0],
            col_dir: [0.0, 1.0, 0.0],
            slice_dir: [0.0, 0.0, 1.0],
        }
    }

    fn template() -> Template {
        serde_json::from_value(json!({
            "fields": [{"name": "series", "kind": "series"}],
            "questions": [{"key": "aneurysm", "kind": "finding", "title_zh": "动脉瘤", "field": "series",
                "settings": {"attributes": [
                    {"key": "location", "name_zh": "位置", "options": [{"key": "mca", "name_zh": "大脑中动脉"}, {"key": "ica", "name_zh": "颈内动脉"}]},
                    {"key": "size", "name_zh": "大小", "options": [{"key": "small", "name_zh": "小"}]}]}}]
        }))
        .unwrap()
    }

    #[test]
    fn rows_carry_voxels_millimetres_and_attributes() {
        let g = geometry();
        let answer = json!({"aneurysm": {"findings": [
            {"at": [52.0, 70.0, 7.0], "mm": [0, 0, 0], "diameter_mm": 2.0,
             "outline": [[50.0, 68.0], [54.0, 68.0], [54.0, 72.0]], "attrs": {"location": "mca"}},
            {"at": [10.0, 20.0, 0.0], "attrs": {"location": "ica", "size": "small"}}
        ]}});
        let t = template();
        let r = rows(
            &t,
            &SeriesItem {
                item_id: 4,
                study_uid: "1.2.3",
                series_uid: "1.2.3.4",
                geometry: &g,
                answer: &answer,
                settled_by: "expert",
            },
        );
        assert_eq!(r.len(), 2);
        // Worked out from the geometry, not the answer's `mm`.
        assert_eq!(r[0].patient_mm, [-132.0, -144.0, -40.0]);
        assert_eq!(r[0].slice, 7);
        assert_eq!(
            r[0].outline_mm.as_ref().unwrap()[1],
            [-131.0, -145.0, -40.0]
        );
        let keys = attribute_keys(&t);
        assert_eq!(keys, vec!["location", "size"]);
        let h = csv_header(&keys);
        let c = csv_cells(&r[1], &keys);
        assert_eq!(h.len(), c.len());
        assert_eq!(c[9], "-153.00");
        assert_eq!(&c[13..15], &["ica".to_string(), "small".to_string()]);
        assert_eq!(c[15], "");
        assert_eq!(c[16], "");
        assert_eq!(c[17], "expert");
        // The outline's mask on its slice: the triangle's pixels, none elsewhere.
        let m = r[0].mask.as_ref().unwrap();
        assert_eq!(m["size"], json!([128, 128]));
        let rle = Rle::from_compressed(128, 128, m["counts"].as_str().unwrap()).unwrap();
        let px = rle.decode();
        // Row by row: pixel (x, y) at y * columns + x.
        assert_eq!(px[69 * 128 + 53], 1, "inside the triangle");
        assert_eq!(px[71 * 128 + 51], 0, "beyond its long side");
        assert!((4..=12).contains(&rle.area()), "{}", rle.area());
        assert!(r[1].mask.is_none());
        assert_eq!(csv_cells(&r[0], &keys)[16], m["counts"].as_str().unwrap());
    }

    #[test]
    fn no_findings_no_rows() {
        let g = geometry();
        let t = template();
        for answer in [
            json!({"aneurysm": {"findings": []}}),
            json!({}),
            json!(null),
        ] {
            let it = SeriesItem {
                item_id: 1,
                study_uid: "",
                series_uid: "",
                geometry: &g,
                answer: &answer,
                settled_by: "consensus",
            };
            assert!(rows(&t, &it).is_empty());
        }
    }
}
