//! Issue 31 end to end over HTTP: a client's ZIP of a CT series (the demo's, made from
//! pydicom's real CT slice, with identifying values planted) → one series item → a medical
//! order with a finding question → two annotators' findings that disagree on the location →
//! the centre's expert settles it (paid) → the findings export, JSON and CSV, in voxels and
//! patient millimetres with the client's own study and series UIDs (read back from the ZIP
//! with pydicom), and never another organisation's or a lead's to read.

use std::path::PathBuf;
use std::process::Command;

use mudou_domain::Role;
use serde_json::{Value, json};

use crate::dicom::{new_dataset, upload};
use crate::sim::annotator_browser;
use crate::{TestApp, both, staff};

const EXPERT_FEN: i64 = 400;

fn demo_zip() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../datasets/medical/ct_head.zip")
}

/// The ZIP's original study and series UIDs and the first slice's position, read by pydicom.
fn originals() -> Value {
    let script = r#"
import io, json, sys, zipfile, pydicom
z = zipfile.ZipFile(sys.argv[1])
ds = [pydicom.dcmread(io.BytesIO(z.read(n))) for n in z.namelist()]
ds.sort(key=lambda d: float(d.ImagePositionPatient[2]))
print(json.dumps({"study": ds[0].StudyInstanceUID, "series": ds[0].SeriesInstanceUID,
                  "origin": [float(v) for v in ds[0].ImagePositionPatient],
                  "spacing": [float(v) for v in ds[0].PixelSpacing], "n": len(ds)}))
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(demo_zip())
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "pydicom reads the ZIP (pip install pydicom): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The rows of a CSV export as Python's `csv.DictReader` reads them (UTF-8 with its BOM).
fn python_csv(text: &str) -> Vec<Value> {
    use std::io::Write;
    let script = r#"
import csv, io, json, sys
print(json.dumps(list(csv.DictReader(io.StringIO(sys.stdin.buffer.read().decode("utf-8-sig"))))))
"#;
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "csv reads the export: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn spec(doctor: i64, centre: i64) -> Value {
    json!({
        "name": "动脉瘤",
        "task_type": "template",
        "template": {
            "fields": [{"name": "series", "kind": "series"}],
            "questions": [{
                "key": "aneurysm", "kind": "finding", "title_zh": "标出动脉瘤", "field": "series",
                "settings": {"attributes": [
                    {"key": "location", "name_zh": "位置", "name_en": "Location", "required": true,
                     "options": [{"key": "ica", "name_zh": "颈内动脉", "name_en": "ICA"},
                                 {"key": "mca", "name_zh": "大脑中动脉", "name_en": "MCA"}]}],
                    "match_mm": 5.0}
            }]
        },
        "overlap": {"kind": "fixed", "n": 2},
        "max_gold_items": 0,
        "unit_size": 1,
        "piece_rate_fen": 500,
        "eligible_centres": [centre],
        "required_qualification": "medical",
        "medical": {"expert_rate_fen": EXPERT_FEN, "doctor_rate_fen": 3000, "doctor_user_id": doctor}
    })
}

async fn export(b: &crate::Browser, order: i64, format: &str) -> (u16, String) {
    let r = b
        .http
        .get(format!(
            "{}/api/v1/orders/{order}/export?format={format}",
            b.url
        ))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

both!(
    a_ct_zip_becomes_findings_an_expert_decision_and_an_export,
    |app| {
        let app: TestApp = app;
        let w = app.world().await;
        let truth = originals();
        let doctor = app
            .user(staff("doctor_a", Role::Client, None, Some(w.org_a)))
            .await
            .id
            .get();
        let expert_id = app
            .user(crate::annotator("张专家", "4444", w.centre_a))
            .await
            .id
            .get();
        let lead = app.browser();
        lead.login("lead_a").await.ok();
        for who in [w.ann_a1, w.ann_a2, expert_id] {
            lead.post(
                "/api/v1/lead/qualifications",
                json!({"annotator_id": who, "qualification": "medical"}),
            )
            .await
            .ok();
        }
        lead.post(
            &format!("/api/v1/lead/annotators/{expert_id}/level"),
            json!({"level": "expert", "note": "影像"}),
        )
        .await
        .ok();

        // The client's ZIP: 16 slices, one series item, identifying values gone.
        let c = app.browser();
        c.login("client_a").await.ok();
        let ds = new_dataset(&c, "头颅CTA").await;
        let up = upload(&c, ds, "ct_head.zip", std::fs::read(demo_zip()).unwrap()).await;
        let up = up.ok().clone();
        assert!(!up.to_string().contains("WANG^XIAOMING"), "{up}");
        let items = c.get(&format!("/api/v1/datasets/{ds}/items")).await;
        let list = items.ok()["items"].as_array().unwrap().clone();
        assert_eq!(list.len(), 1, "one item per series: {}", items.body);
        let item = list[0]["id"].as_i64().unwrap();
        let field = &list[0]["fields"][0];
        assert_eq!(field["kind"], "series", "{}", items.body);
        assert_eq!(field["volume"]["slices"], truth["n"]);
        let origin = field["volume"]["origin"].clone();
        let listed = items.body.to_string();
        for uid in [&truth["study"], &truth["series"]] {
            assert!(
                !listed.contains(uid.as_str().unwrap()),
                "the original UIDs never leave"
            );
        }

        // The order; both annotators take the series.
        let o = c
            .post(
                "/api/v1/orders",
                json!({"dataset_id": ds, "spec": spec(doctor, w.centre_a)}),
            )
            .await;
        let order = o.ok()["id"].as_i64().unwrap();
        c.post(&format!("/api/v1/orders/{order}/publish"), json!({}))
            .await
            .ok();
        let mut given = Vec::new();
        for (who, pin, location) in [(w.ann_a1, "1111", "mca"), (w.ann_a2, "2222", "ica")] {
            let b = annotator_browser(&app, who, pin, "lead_a").await;
            let next = b.get("/api/v1/work/next").await;
            assert_eq!(next.ok()["status"], "assigned", "{}", next.body);
            let asg = &next.body["assignment"];
            assert_eq!(asg["items"][0]["item_id"], item);
            // The bright spot on slice 7, 1 px apart: the same finding, another location.
            let x = if location == "mca" { 52.0 } else { 53.0 };
            let got = b
            .post(
                "/api/v1/work/labels",
                json!({"client_uuid": uuid::Uuid::new_v4().to_string(),
                       "assignment_id": asg["id"], "item_id": item, "duration_ms": 40000,
                       "answer": {"aneurysm": {"findings": [
                           {"at": [x, 70.0, 7], "mm": [0, 0, 0],
                            "diameter": [[50.0, 70.0], [54.0, 70.0]], "attrs": {"location": location}}]}}}),
            )
            .await;
            assert_eq!(got.ok()["status"], "stored", "{}", got.body);
            given.push(b);
        }

        // They disagree: the expert's queue has it, not the lead's.
        let q = lead
            .get(&format!("/api/v1/lead/review?order_id={order}"))
            .await;
        assert!(q.ok()["items"].as_array().unwrap().is_empty(), "{}", q.body);
        let expert = annotator_browser(&app, expert_id, "4444", "lead_a").await;
        let queue = expert.get("/api/v1/work/expert").await;
        assert_eq!(queue.ok()["items"][0]["item_id"], item, "{}", queue.body);
        let case = expert
            .get(&format!("/api/v1/work/expert/{order}/{item}"))
            .await;
        let answers = case.ok()["answers"].as_array().unwrap().clone();
        assert_eq!(answers.len(), 2);
        // The server placed them: 1 px of 0.661468 mm apart.
        let mm = |a: &Value| -> Vec<f64> {
            a["answer"]["aneurysm"]["findings"][0]["mm"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect()
        };
        let (m0, m1) = (mm(&answers[0]), mm(&answers[1]));
        assert!(((m0[0] - m1[0]).abs() - truth["spacing"][1].as_f64().unwrap()).abs() < 1e-6);

        // The expert settles on MCA at the first annotator's spot; paid once.
        let settle = json!({"client_uuid": uuid::Uuid::new_v4().to_string(), "decision": "settle",
        "answer": {"aneurysm": {"findings": [{"at": [52.0, 70.0, 7], "diameter": [[50.0, 70.0], [54.0, 70.0]],
                                              "attrs": {"location": "mca"}}]}}, "note": "大脑中动脉"});
        let d = expert
            .post(
                &format!("/api/v1/work/expert/{order}/{item}"),
                settle.clone(),
            )
            .await;
        assert_eq!(d.ok()["stage"], "done", "{}", d.body);
        assert_eq!(d.body["fen"], EXPERT_FEN);
        let again = expert
            .post(&format!("/api/v1/work/expert/{order}/{item}"), settle)
            .await;
        assert_eq!(again.ok()["status"], "replay");
        let earned = expert.get("/api/v1/me/earnings").await;
        assert_eq!(earned.ok()["today_fen"], EXPERT_FEN, "{}", earned.body);

        // The export: the client's own UIDs, voxels and millimetres from the geometry.
        let (status, body) = export(&c, order, "findings").await;
        assert_eq!(status, 200, "{body}");
        let out: Value = serde_json::from_str(&body).unwrap();
        let f = &out["findings"][0];
        assert_eq!(out["findings"].as_array().unwrap().len(), 1, "{out}");
        assert_eq!(f["study_uid"], truth["study"]);
        assert_eq!(f["series_uid"], truth["series"]);
        assert_eq!(f["settled_by"], "expert");
        assert_eq!(f["slice"], 7);
        assert_eq!(f["attrs"]["location"], "mca");
        let sx = truth["spacing"][1].as_f64().unwrap();
        let sy = truth["spacing"][0].as_f64().unwrap();
        let o3: Vec<f64> = origin
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let want = [o3[0] + 52.0 * sx, o3[1] + 70.0 * sy, o3[2] + 7.0 * 5.0];
        for (i, w) in want.iter().enumerate() {
            let got = f["patient_mm"][i].as_f64().unwrap();
            assert!((got - w).abs() < 1e-3, "patient mm {i}: {got} vs {w} ({f})");
        }
        // The origin is the lowest slice's ImagePositionPatient.
        for i in 0..3 {
            assert!((o3[i] - truth["origin"][i].as_f64().unwrap()).abs() < 1e-3);
        }
        assert!(
            (f["diameter_mm"].as_f64().unwrap() - 4.0 * sx).abs() < 1e-6,
            "{f}"
        );

        let (status, csv) = export(&c, order, "findings_csv").await;
        assert_eq!(status, 200);
        // The ZIP's planted identifying values reach no export (only the client's UIDs do).
        let (_, jsonl) = export(&c, order, "jsonl").await;
        for text in [&body, &csv, &jsonl] {
            for planted in [
                "WANG^XIAOMING",
                "DEMO-PID-31",
                "Demo County Hospital",
                "LI^DOCTOR",
                "ACC-DEMO-31",
                "19700101",
            ] {
                assert!(!text.contains(planted), "{planted} in an export");
            }
        }
        // The CSV as Python's csv module reads it (as a spreadsheet or pandas would).
        let rows = python_csv(&csv);
        assert_eq!(rows.len(), 1, "{rows:?}");
        let row = &rows[0];
        assert_eq!(row["series_uid"], truth["series"], "{row}");
        assert_eq!(row["study_uid"], truth["study"], "{row}");
        assert_eq!(row["attr_location"], "mca", "{row}");
        assert_eq!(row["settled_by"], "expert", "{row}");
        assert_eq!(row["slice"], "7", "{row}");
        for (i, axis) in ["x", "y", "z"].iter().enumerate() {
            let cell: f64 = row[format!("patient_{axis}_mm").as_str()]
                .as_str()
                .unwrap()
                .parse()
                .unwrap();
            // To 0.01 mm in the CSV.
            assert!((cell - want[i]).abs() <= 0.005 + 1e-9, "{axis}: {row}");
        }

        // Not for another organisation's client; not for an order without findings.
        let other = app.browser();
        other.login("client_b").await.ok();
        assert_eq!(export(&other, order, "findings").await.0, 404);
        let (status, body) = export(&c, order, "coco").await;
        assert_eq!(status, 422, "{body}");
    }
);
