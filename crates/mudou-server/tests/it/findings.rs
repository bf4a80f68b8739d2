//! Findings on a medical series over HTTP: a template order with a `finding` question on
//! series items (written through the store as the DICOM ingest writes them: one record
//! item per series, its field `series` with the volume's geometry); the server places every
//! finding in millimetres (a client's `mm` is replaced, a point off the volume is 422
//! `outside_volume` with nothing stored); two annotators' findings 3 mm apart settle into
//! their merged answer, a missed finding or another location escalates; a lead's override
//! and a client's gold are placed the same way; pay per finding on top of the piece rate.

use std::collections::HashMap;

use mudou_domain::volume::VolumeGeometry;
use mudou_domain::{DatasetId, ErrorCode, FieldKind};
use mudou_store::{Blob, ItemContent, ItemField, NewItem};
use serde_json::{Value, json};

use crate::work::{annotator_browser, take};
use crate::{Browser, TestApp, World, both};

/// An axial series: 64 × 64 pixels of 0.5 mm, 20 slices 1 mm apart from z = 100 mm.
fn geometry() -> VolumeGeometry {
    VolumeGeometry {
        columns: 64,
        rows: 64,
        slices: 20,
        spacing: [0.5, 0.5],
        slice_step: 1.0,
        thickness: Some(1.0),
        origin: [-16.0, -16.0, 100.0],
        row_dir: [1.0, 0.0, 0.0],
        col_dir: [0.0, 1.0, 0.0],
        slice_dir: [0.0, 0.0, 1.0],
    }
}

/// A dataset of org A holding `n` series items (as a DICOM ingest stores them); its id and
/// the items' ids.
async fn series_dataset(app: &TestApp, w: &World, n: usize) -> (i64, Vec<i64>) {
    series_with_gold(app, w, n, None).await
}

/// [`series_dataset`], the first item with a manifest's known answer.
async fn series_with_gold(
    app: &TestApp,
    w: &World,
    n: usize,
    gold: Option<Value>,
) -> (i64, Vec<i64>) {
    let ds = app.dataset(w.org_a, "CTA").await;
    let g = geometry();
    let mut blobs = Vec::new();
    let mut items = Vec::new();
    for i in 0..n {
        let sha = format!("{:064x}", 0xab00 + i);
        blobs.push(Blob {
            sha256: sha.clone(),
            mime: "application/x-mudou-volume".into(),
            size_bytes: i64::from(g.columns * g.rows * g.slices * 2),
            width: i64::from(g.columns),
            height: i64::from(g.rows),
        });
        let field = ItemField {
            name: "series".into(),
            kind: FieldKind::Series,
            sha256: Some(sha),
            width: Some(i64::from(g.columns)),
            height: Some(i64::from(g.rows)),
            text: None,
            file: None,
            model: None,
            volume: Some(g.clone()),
        };
        items.push(NewItem {
            content: ItemContent::Record {
                fields: vec![field],
            },
            file_name: format!("series_{i}"),
            tag: String::new(),
            meta: json!({"study_uid": format!("2.25.{i}1"), "series_uid": format!("2.25.{i}2"),
                         "modality": "CT", "slices": g.slices, "burned_in": false})
            .to_string(),
            gold: gold.as_ref().filter(|_| i == 0).map(Value::to_string),
        });
    }
    let ids = app
        .state
        .store
        .add_items(DatasetId::new(ds.id), &blobs, &items, 1)
        .await
        .unwrap()
        .into_iter()
        .map(|i| match i {
            mudou_store::Inserted::New(id) => id,
            other => panic!("{other:?}"),
        })
        .collect();
    (ds.id, ids)
}

fn spec() -> Value {
    json!({
        "name": "动脉瘤筛查",
        "task_type": "template",
        "template": {
            "fields": [{"name": "series", "kind": "series"}],
            "questions": [{
                "key": "aneurysm", "kind": "finding", "title_zh": "标出动脉瘤", "field": "series",
                "settings": {
                    "attributes": [
                        {"key": "location", "zh": "位置", "en": "Location", "required": true,
                         "options": [{"key": "ica", "zh": "颈内动脉", "en": "ICA"},
                                     {"key": "mca", "zh": "大脑中动脉", "en": "MCA"},
                                     {"key": "acom", "zh": "前交通", "en": "ACom"}]},
                        {"key": "size", "zh": "大小", "en": "Size", "required": false,
                         "options": [{"key": "small", "zh": "<7mm", "en": "<7 mm"},
                                     {"key": "large", "zh": ">12mm", "en": ">12 mm"}]}],
                    "outline": true, "match_mm": 5.0, "max_findings": 20}
            }]
        },
        "overlap": {"kind": "fixed", "n": 2},
        "max_gold_items": 0,
        "unit_size": 2,
        "piece_rate_fen": 300,
        "box_rate_fen": 50,
        "required_qualification": "medical"
    })
}

/// A finding as a browser sends it (no millimetres).
fn finding(x: f64, y: f64, z: i64, location: &str) -> Value {
    json!({"at": [x, y, z], "attrs": {"location": location}})
}

fn answer(findings: Vec<Value>) -> Value {
    json!({"aneurysm": {"findings": findings}})
}

async fn give(b: &Browser, aid: i64, item: i64, answer: Value) -> crate::Got {
    crate::work::give_label(b, aid, item, answer, 30000).await
}

/// The order's results (JSONL export) by item.
async fn results(c: &Browser, order_id: i64) -> HashMap<i64, Value> {
    let r = c
        .http
        .get(format!(
            "{}/api/v1/orders/{order_id}/export?format=jsonl",
            c.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    r.text()
        .await
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (v["item_id"].as_i64().unwrap(), v)
        })
        .collect()
}

/// A finding with a square outline 8 voxels wide around its point (its slice's).
fn outlined(mut f: Value) -> Value {
    let (x, y) = (f["at"][0].as_f64().unwrap(), f["at"][1].as_f64().unwrap());
    f["outline"] = json!([
        [x - 4.0, y - 4.0],
        [x + 4.0, y - 4.0],
        [x + 4.0, y + 4.0],
        [x - 4.0, y + 4.0]
    ]);
    f
}

/// A COCO RLE mask as pycocotools decodes it: its shape, area and pixel box
/// `[x0, y0, x1, y1]` (inclusive).
fn pycocotools_decode(mask: &Value) -> Value {
    let script = r#"
import json, sys
import numpy as np
from pycocotools import mask as M
m = json.loads(sys.argv[1])
px = M.decode({"size": m["size"], "counts": m["counts"].encode()})
ys, xs = np.nonzero(px)
print(json.dumps({"shape": list(px.shape), "area": int(px.sum()),
                  "box": [int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())]}))
"#;
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(mask.to_string())
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "pycocotools decodes the mask (pip install pycocotools): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn mm(v: &Value) -> [f64; 3] {
    let a = v.as_array().unwrap_or_else(|| panic!("no mm: {v}"));
    [0, 1, 2].map(|i| a[i].as_f64().unwrap())
}

#[track_caller]
fn near(a: [f64; 3], b: [f64; 3]) {
    assert!(
        a.iter().zip(b).all(|(p, q)| (p - q).abs() < 1e-9),
        "{a:?} != {b:?}"
    );
}

both!(findings_are_placed_matched_escalated_and_paid, |app| {
    let w = app.world().await;
    let (ds, _) = series_dataset(&app, &w, 2).await;
    let c = app.browser();
    c.login("client_a").await.ok();

    // A finding question needs a series field and a medical order.
    let mut on_picture = spec();
    on_picture["template"]["fields"][0]["kind"] = json!("image");
    let r = c
        .post(
            "/api/v1/orders",
            json!({"dataset_id": ds, "spec": on_picture}),
        )
        .await;
    r.refused(ErrorCode::Validation);
    assert_eq!(
        r.body["error"]["field"], "template.questions[0].field",
        "{}",
        r.body
    );
    let mut not_medical = spec();
    not_medical["required_qualification"] = Value::Null;
    let r = c
        .post(
            "/api/v1/orders",
            json!({"dataset_id": ds, "spec": not_medical}),
        )
        .await;
    r.refused(ErrorCode::Validation);
    assert_eq!(
        r.body["error"]["field"], "required_qualification",
        "{}",
        r.body
    );

    let o = c
        .post("/api/v1/orders", json!({"dataset_id": ds, "spec": spec()}))
        .await;
    let order_id = o.ok()["id"].as_i64().unwrap();
    c.post(&format!("/api/v1/orders/{order_id}/publish"), json!({}))
        .await
        .ok();

    // Without the medical qualification there is no work; the lead grants it.
    let a1 = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;
    let a2 = annotator_browser(&app, w.ann_a2, "2222", "lead_a").await;
    let none = a1.get("/api/v1/work/next").await;
    assert_ne!(none.ok()["status"], "assigned", "{}", none.body);
    let lead = app.browser();
    lead.login("lead_a").await.ok();
    for ann in [w.ann_a1, w.ann_a2] {
        lead.post(
            "/api/v1/lead/qualifications",
            json!({"annotator_id": ann, "qualification": "medical"}),
        )
        .await
        .ok();
    }
    let (aid1, items) = take(&a1).await;
    let (aid2, items2) = take(&a2).await;
    assert_eq!(items.len(), 2);
    let mut sorted = items2.clone();
    sorted.sort();
    let mut mine = items.clone();
    mine.sort();
    assert_eq!(mine, sorted, "both label the same two series");

    // Off the volume (a column past 64, a slice past 20, a diameter's end, an outline's
    // point): 422 outside_volume, nothing stored.
    for (bad, path) in [
        (
            finding(64.0, 10.0, 5, "mca"),
            "answer.aneurysm.findings[0].at",
        ),
        (
            finding(10.0, 10.0, 20, "mca"),
            "answer.aneurysm.findings[0].at",
        ),
        (
            json!({"at": [10, 10, 5], "diameter": [[10, 10], [10, 70]], "attrs": {"location": "mca"}}),
            "answer.aneurysm.findings[0].diameter",
        ),
        (
            json!({"at": [10, 10, 5], "outline": [[9, 9], [11, 9], [-1, 11]],
                   "attrs": {"location": "mca"}}),
            "answer.aneurysm.findings[0].outline",
        ),
    ] {
        let r = give(&a1, aid1, items[0], answer(vec![bad.clone()])).await;
        r.refused(ErrorCode::OutsideVolume);
        assert_eq!(r.body["error"]["field"], path, "{bad} {}", r.body);
    }
    // A required attribute left out: refused by the question.
    let r = give(
        &a1,
        aid1,
        items[0],
        answer(vec![json!({"at": [10, 10, 5], "attrs": {"size": "small"}})]),
    )
    .await;
    r.refused(ErrorCode::Validation);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("location"),
        "{}",
        r.body
    );
    let shown = a1.get("/api/v1/work/next").await;
    assert!(
        shown.ok()["assignment"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["answer"].is_null()),
        "nothing stored: {}",
        shown.body
    );

    // Item 0: two findings each; one 3 mm apart (6 columns of 0.5 mm), one the same. A1
    // sends millimetres of its own and a diameter length: both are replaced.
    let g = geometry();
    let mut lying = finding(10.0, 10.0, 5, "mca");
    lying["mm"] = json!([1, 2, 3]);
    lying["diameter"] = json!([[10, 10], [18, 10]]);
    lying["diameter_mm"] = json!(99);
    let r = give(
        &a1,
        aid1,
        items[0],
        answer(vec![lying, finding(40.0, 40.0, 12, "ica")]),
    )
    .await;
    assert_eq!(r.ok()["status"], "stored", "{}", r.body);
    give(
        &a2,
        aid2,
        items[0],
        answer(vec![
            finding(40.0, 40.0, 12, "ica"),
            finding(16.0, 10.0, 5, "mca"),
        ]),
    )
    .await
    .ok();
    // Item 1: A1 finds two, A2 misses one and puts the other at another location.
    give(
        &a1,
        aid1,
        items[1],
        answer(vec![
            finding(20.0, 20.0, 3, "acom"),
            finding(50.0, 30.0, 15, "ica"),
        ]),
    )
    .await
    .ok();
    give(
        &a2,
        aid2,
        items[1],
        answer(vec![finding(50.0, 30.0, 15, "mca")]),
    )
    .await
    .ok();

    let out = results(&c, order_id).await;
    let first = &out[&items[0]];
    assert_eq!(first["state"], "resolved", "{first}");
    let merged = first["answer"]["aneurysm"]["findings"].as_array().unwrap();
    assert_eq!(merged.len(), 2, "{first}");
    let mca = merged
        .iter()
        .find(|f| f["attrs"]["location"] == "mca")
        .unwrap();
    // The mean of the two: column 13 of slice 5.
    near(mm(&mca["mm"]), g.to_patient([13.0, 10.0, 5.0]));
    assert_eq!(mca["at"][0].as_f64(), Some(13.0), "{mca}");
    assert_eq!(mca["diameter_mm"].as_f64(), Some(4.0), "{mca}");
    let ica = merged
        .iter()
        .find(|f| f["attrs"]["location"] == "ica")
        .unwrap();
    near(mm(&ica["mm"]), [4.0, 4.0, 112.0]);
    let second = &out[&items[1]];
    assert_ne!(second["state"], "resolved", "{second}");

    // The disagreement waits for review; the lead's own findings are placed too.
    let queue = lead
        .get(&format!(
            "/api/v1/lead/review?order_id={order_id}&reason=escalated&limit=100"
        ))
        .await;
    let listed = queue.ok()["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["item_id"].as_i64() == Some(items[1]));
    assert!(
        listed,
        "the disagreement waits for the lead: {}",
        queue.body
    );
    let path = format!("/api/v1/lead/review/{order_id}/items/{}/decision", items[1]);
    let r = lead
        .post(
            &path,
            json!({"decision": "override",
                   "answer": answer(vec![finding(20.0, 20.0, 30, "acom")])}),
        )
        .await;
    r.refused(ErrorCode::OutsideVolume);
    let r = lead
        .post(
            &path,
            json!({"decision": "override",
                   "answer": answer(vec![outlined(finding(20.0, 20.0, 3, "acom")),
                                         finding(50.0, 30.0, 15, "ica")])}),
        )
        .await;
    r.ok();
    let out = results(&c, order_id).await;
    let decided = &out[&items[1]];
    assert_eq!(decided["state"], "resolved", "{decided}");
    let list = decided["answer"]["aneurysm"]["findings"]
        .as_array()
        .unwrap();
    near(mm(&list[0]["mm"]), [-6.0, -6.0, 103.0]);
    // The findings export gives the outline's mask on its slice, which pycocotools decodes
    // to the square's 8 × 8 pixels at the outline's place (rows 16 to 23, columns 16 to 23).
    let r = c
        .http
        .get(format!(
            "{}/api/v1/orders/{order_id}/export?format=findings",
            c.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let body: Value = r.json().await.unwrap();
    let rows = body["findings"].as_array().unwrap();
    let acom = rows
        .iter()
        .find(|f| f["attrs"]["location"] == "acom")
        .unwrap_or_else(|| panic!("{rows:?}"));
    let decoded = pycocotools_decode(&acom["mask"]);
    assert_eq!(
        decoded,
        json!({"shape": [64, 64], "area": 64, "box": [16, 16, 23, 23]}),
        "{acom}"
    );
    assert_eq!(acom["slice"], 3);

    // Pay: item 0 agreed: the piece rate and 50 fen for each of its 2 findings, for each.
    for b in [&a1, &a2] {
        let e = b.get("/api/v1/me/earnings").await;
        assert!(e.ok()["today_fen"].as_i64().unwrap() >= 400, "{}", e.body);
    }
    let e = a2.get("/api/v1/me/earnings").await;
    assert_eq!(e.ok()["today_fen"], 400, "{}", e.body);
});

both!(gold_findings_are_placed_on_the_series, |app| {
    let w = app.world().await;
    let (ds, ids) = series_dataset(&app, &w, 1).await;
    let c = app.browser();
    c.login("client_a").await.ok();
    let o = c
        .post("/api/v1/orders", json!({"dataset_id": ds, "spec": spec()}))
        .await;
    let order_id = o.ok()["id"].as_i64().unwrap();
    let path = format!("/api/v1/orders/{order_id}/gold/{}", ids[0]);
    let r = c
        .put(
            &path,
            json!({"answer": answer(vec![finding(10.0, 99.0, 5, "ica")])}),
        )
        .await;
    r.refused(ErrorCode::OutsideVolume);
    let mut sent = finding(10.0, 20.0, 5, "ica");
    sent["mm"] = json!([0, 0, 0]);
    c.put(&path, json!({"answer": answer(vec![sent])}))
        .await
        .ok();
    let gold = c.get(&format!("/api/v1/orders/{order_id}/gold")).await;
    let stored = &gold.ok()["items"][0]["answer"]["aneurysm"]["findings"][0];
    near(mm(&stored["mm"]), geometry().to_patient([10.0, 20.0, 5.0]));
    // Another organisation's client sees nothing of it.
    let other = app.browser();
    other.login("client_b").await.ok();
    other
        .put(&path, json!({"answer": answer(vec![])}))
        .await
        .refused(ErrorCode::NotFound);
});

both!(a_manifests_findings_are_placed_when_published, |app| {
    let w = app.world().await;
    let off = answer(vec![finding(10.0, 10.0, 25, "ica")]);
    let (ds, _) = series_with_gold(&app, &w, 2, Some(off)).await;
    let c = app.browser();
    c.login("client_a").await.ok();
    let mut with_gold = spec();
    with_gold["max_gold_items"] = json!(1);
    let o = c
        .post(
            "/api/v1/orders",
            json!({"dataset_id": ds, "spec": with_gold}),
        )
        .await;
    let order_id = o.ok()["id"].as_i64().unwrap();
    let r = c
        .post(&format!("/api/v1/orders/{order_id}/publish"), json!({}))
        .await;
    r.refused(ErrorCode::OutsideVolume);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("manifest"),
        "{}",
        r.body
    );
    let got = c.get(&format!("/api/v1/orders/{order_id}")).await;
    assert_eq!(
        got.ok()["state"],
        "draft",
        "nothing published: {}",
        got.body
    );
});
