//! Exports of a labelled order in every format, and the Label Studio round trip.

use std::collections::{HashMap, HashSet};
use std::io::Read;

use bytes::Bytes;
use mudou_app::ingest::{IncomingImage, add_images};
use serde_json::{Value, json};

use crate::{Browser, TestApp, World, both};

/// The file name the first picture gets: a spreadsheet would run it as a formula.
const FORMULA_NAME: &str = "=HYPERLINK(\"http://x\")-1.jpg";
const KEYS: [&str; 4] = ["circle", "square", "triangle", "star"];

fn label(key: &str, hot: char) -> Value {
    json!({"key": key, "name_zh": key, "name_en": key, "colour": "#1e88e5", "hotkey": hot.to_string()})
}

fn spec(task_type: &str, max_gold: u32) -> Value {
    let labels: Vec<Value> = KEYS
        .iter()
        .zip(['1', '2', '3', '4'])
        .map(|(k, h)| label(k, h))
        .collect();
    json!({
        "name": format!("导出 {task_type}"),
        "task_type": task_type,
        "labels": labels,
        "overlap": {"kind": "fixed", "n": 2},
        "gold_share": 0.2,
        "max_gold_items": max_gold,
        "unit_size": 5,
        "piece_rate_fen": 10
    })
}

/// The shapes manifest: file name → (label, boxes).
fn manifest() -> HashMap<String, (String, Value)> {
    let path = format!(
        "{}/../../datasets/shapes/manifest.csv",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut r = csv::Reader::from_path(path).unwrap();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (
                rec[0].to_owned(),
                (rec[2].to_owned(), serde_json::from_str(&rec[3]).unwrap()),
            )
        })
        .collect()
}

fn shapes(n: usize, with_gold: bool, formula_first: bool) -> Vec<IncomingImage> {
    let dir = format!("{}/../../datasets/shapes", env!("CARGO_MANIFEST_DIR"));
    let m = manifest();
    (0..n)
        .map(|i| {
            let file = format!("shape_{i:03}.jpg");
            let (label, boxes) = &m[&file];
            IncomingImage {
                file_name: if formula_first && i == 0 {
                    FORMULA_NAME.into()
                } else {
                    file.clone()
                },
                tag: if i % 2 == 0 { "-even" } else { "odd" }.into(),
                bytes: Bytes::from(std::fs::read(format!("{dir}/{file}")).unwrap()),
                meta: "{}".into(),
                gold: with_gold.then(|| json!({"label": label, "boxes": boxes}).to_string()),
            }
        })
        .collect()
}

async fn dataset(app: &TestApp, w: &World, name: &str, files: Vec<IncomingImage>) -> i64 {
    let ds = app.dataset(w.org_a, name).await;
    add_images(&app.state, ds.id, files).await.unwrap();
    ds.id
}

/// A published order of org A over `n` shapes pictures (with their manifest answers).
async fn publish(app: &TestApp, w: &World, n: usize, spec: Value) -> (i64, i64) {
    let ds = dataset(app, w, "形状", shapes(n, true, true)).await;
    let c = client(app, "client_a").await;
    let o = c
        .post("/api/v1/orders", json!({"dataset_id": ds, "spec": spec}))
        .await;
    let id = o.ok()["id"].as_i64().unwrap();
    c.post(&format!("/api/v1/orders/{id}/publish"), json!({}))
        .await
        .ok();
    (id, ds)
}

async fn client(app: &TestApp, who: &str) -> Browser {
    let c = app.browser();
    c.login(who).await.ok();
    c
}

async fn annotator(app: &TestApp, user_id: i64, pin: &str, lead: &str) -> Browser {
    let b = app.browser();
    b.enrol_as(lead).await;
    b.pin(user_id, pin).await.ok();
    b
}

/// Known answers of a dataset's items: item id → gold JSON.
async fn known(c: &Browser, ds: i64) -> HashMap<i64, Value> {
    c.get(&format!("/api/v1/datasets/{ds}/items?limit=1000"))
        .await
        .ok()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["id"].as_i64().unwrap(), i["gold"].clone()))
        .collect()
}

/// Three annotators label the whole order with the manifest's answers (the second one a
/// few pixels off; the first skips the first item it sees).
async fn label_all(app: &TestApp, w: &World, ds: i64, boxes: bool) {
    let truth = known(&client(app, "client_a").await, ds).await;
    let people = [
        annotator(app, w.ann_a1, "1111", "lead_a").await,
        annotator(app, w.ann_a2, "2222", "lead_a").await,
        annotator(app, w.ann_b1, "3333", "lead_b").await,
    ];
    let mut skipped = false;
    for round in 0..30 {
        let mut any = false;
        for (who, b) in people.iter().enumerate() {
            let next = b.get("/api/v1/work/next").await;
            if next.ok()["status"] != "assigned" {
                continue;
            }
            any = true;
            let aid = next.body["assignment"]["id"].as_i64().unwrap();
            for item in next.body["assignment"]["items"].as_array().unwrap() {
                let id = item["item_id"].as_i64().unwrap();
                let width = item["width"].as_f64().unwrap();
                let mut body = json!({"client_uuid": uuid::Uuid::new_v4().to_string(),
                    "assignment_id": aid, "item_id": id, "duration_ms": 1500 + who * 100});
                if who == 0 && !skipped {
                    skipped = true;
                    body["skip"] = json!("unclear");
                } else if boxes {
                    let mut bs = truth[&id]["boxes"].clone();
                    if who == 1 {
                        for b in bs.as_array_mut().unwrap() {
                            let x = b["x"].as_f64().unwrap();
                            let bw = b["w"].as_f64().unwrap();
                            b["x"] = json!((x + 3.0).min(width - bw));
                        }
                    }
                    body["answer"] = json!({"boxes": bs});
                } else {
                    body["answer"] = json!({"label": truth[&id]["label"]});
                }
                b.post("/api/v1/work/labels", body).await.ok();
            }
            b.post(&format!("/api/v1/work/assignments/{aid}/submit"), json!({}))
                .await
                .ok();
        }
        if !any {
            assert!(round > 0);
            break;
        }
    }
}

struct Download {
    status: u16,
    content_type: String,
    disposition: String,
    bytes: Vec<u8>,
}

async fn download(c: &Browser, path: &str) -> Download {
    let r = c.http.get(format!("{}{path}", c.url)).send().await.unwrap();
    let header = |h: &str| {
        r.headers()
            .get(h)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    Download {
        status: r.status().as_u16(),
        content_type: header("content-type"),
        disposition: header("content-disposition"),
        bytes: r.bytes().await.unwrap().to_vec(),
    }
}

async fn export(c: &Browser, order: i64, query: &str) -> Download {
    let d = download(c, &format!("/api/v1/orders/{order}/export?{query}")).await;
    assert_eq!(
        d.status,
        200,
        "{query}: {}",
        String::from_utf8_lossy(&d.bytes)
    );
    assert!(
        d.disposition.starts_with("attachment; filename="),
        "{}",
        d.disposition
    );
    d
}

fn jsonl(d: &Download) -> Vec<Value> {
    String::from_utf8(d.bytes.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn json_of(d: &Download) -> Value {
    serde_json::from_slice(&d.bytes).unwrap()
}

/// Every annotation refers to an image and a category of the file; ids are unique.
fn check_coco(coco: &Value) -> (HashSet<i64>, usize) {
    let cats: Vec<(i64, &str)> = coco["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_i64().unwrap(), c["name"].as_str().unwrap()))
        .collect();
    assert_eq!(
        cats,
        KEYS.iter()
            .enumerate()
            .map(|(i, k)| (i as i64 + 1, *k))
            .collect::<Vec<_>>()
    );
    let images: HashSet<i64> = coco["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            assert!(i["width"].as_i64().unwrap() > 0 && i["height"].as_i64().unwrap() > 0);
            i["id"].as_i64().unwrap()
        })
        .collect();
    assert_eq!(images.len(), coco["images"].as_array().unwrap().len());
    let anns = coco["annotations"].as_array().unwrap();
    let ids: HashSet<i64> = anns.iter().map(|a| a["id"].as_i64().unwrap()).collect();
    assert_eq!(ids.len(), anns.len(), "annotation ids are unique");
    for a in anns {
        assert!(images.contains(&a["image_id"].as_i64().unwrap()), "{a}");
        assert!((1..=4).contains(&a["category_id"].as_i64().unwrap()));
        let b: Vec<f64> = a["bbox"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert_eq!(b.len(), 4);
        assert!((a["area"].as_f64().unwrap() - b[2] * b[3]).abs() < 1e-6);
        assert_eq!(a["iscrowd"], 0);
    }
    (images, anns.len())
}

const N: usize = 10;

both!(box_order_exports_every_format, |app| {
    let w = app.world().await;
    let (order, ds) = publish(&app, &w, N, spec("bbox", 2)).await;
    label_all(&app, &w, ds, true).await;
    let c = client(&app, "client_a").await;
    let truth = known(&c, ds).await;

    // JSONL: one line per item, every raw label under a stable pseudonym.
    let d = export(&c, order, "format=jsonl").await;
    assert_eq!(d.content_type, "application/x-ndjson");
    let lines = jsonl(&d);
    assert_eq!(lines.len(), N);
    assert_eq!(lines.iter().filter(|l| l["is_gold"] == true).count(), 2);
    let mut who = HashSet::new();
    let mut skips = 0;
    for l in &lines {
        assert_eq!(l["review"], Value::Null);
        assert!(l["width"].as_i64().unwrap() > 0);
        if l["is_gold"] == true {
            assert!(l["gold"]["boxes"].is_array(), "{l}");
        } else {
            assert_eq!(l["state"], "resolved", "{l}");
            assert!(!l["answer"]["boxes"].as_array().unwrap().is_empty());
            assert!(l["confidence"].as_f64().unwrap() > 0.0);
            assert!(l.get("gold").is_none());
        }
        for lab in l["labels"].as_array().unwrap() {
            let p = lab["annotator"].as_str().unwrap();
            assert!(
                p.len() == 11
                    && p.starts_with('w')
                    && p[1..].bytes().all(|b| b.is_ascii_hexdigit()),
                "{p}"
            );
            assert!(lab["duration_ms"].as_i64().unwrap() >= 1500);
            if lab.get("skip").is_some() {
                skips += 1;
            } else {
                assert!(lab["answer"]["boxes"].is_array());
            }
            who.insert(p.to_owned());
        }
    }
    assert_eq!(skips, 1);
    assert_eq!(who.len(), 3, "{who:?}");
    for id in [w.ann_a1, w.ann_a2, w.ann_b1] {
        assert!(!String::from_utf8_lossy(&d.bytes).contains(&format!("\"annotator\":{id}")));
        assert!(
            who.iter()
                .all(|p| !p.contains(&id.to_string()) || p.len() == 11)
        );
    }
    let again = jsonl(&export(&c, order, "format=jsonl").await);
    let pseudonyms = |ls: &[Value]| -> Vec<String> {
        ls.iter()
            .flat_map(|l| l["labels"].as_array().unwrap().iter())
            .map(|lab| lab["annotator"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        pseudonyms(&lines),
        pseudonyms(&again),
        "pseudonyms are stable"
    );

    // CSV: one row per item; a file name that looks like a formula is neutralised.
    let d = export(&c, order, "format=csv").await;
    assert!(d.content_type.starts_with("text/csv"));
    let text = String::from_utf8(d.bytes).unwrap();
    let text = text.trim_start_matches('\u{feff}');
    let mut r = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        r.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "item_id",
            "file_name",
            "tag",
            "state",
            "answer",
            "confidence",
            "labels"
        ]
    );
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), N);
    assert!(
        rows.iter().any(|r| r[1] == format!("'{FORMULA_NAME}")),
        "{text}"
    );
    assert!(rows.iter().any(|r| &r[2] == "'-even"));
    for row in &rows {
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell:?}"
            );
        }
    }

    // COCO: consensus boxes, and the known answers with the same ids.
    let d = export(&c, order, "format=coco").await;
    assert_eq!(d.content_type, "application/json");
    let coco = json_of(&d);
    let (images, anns) = check_coco(&coco);
    assert_eq!(
        images.len(),
        N - 2,
        "settled pictures only: the gold ones have no consensus"
    );
    let consensus_boxes: usize = lines
        .iter()
        .map(|l| l["answer"]["boxes"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(anns, consensus_boxes);
    assert!(
        coco["annotations"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| (0.0..=1.0).contains(&a["score"].as_f64().unwrap()))
    );
    let gold = json_of(&export(&c, order, "format=coco&source=gold").await);
    let (gold_images, gold_anns) = check_coco(&gold);
    assert_eq!(gold_images.len(), N);
    assert!(gold_images.is_superset(&images), "the same image ids");
    let truth_boxes: usize = truth
        .values()
        .map(|g| g["boxes"].as_array().unwrap().len())
        .sum();
    assert_eq!(gold_anns, truth_boxes);

    // YOLO: classes and one label file per labelled picture, numbers in [0, 1].
    let d = export(&c, order, "format=yolo").await;
    assert_eq!(d.content_type, "application/zip");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(d.bytes)).unwrap();
    let mut classes = String::new();
    zip.by_name("classes.txt")
        .unwrap()
        .read_to_string(&mut classes)
        .unwrap();
    assert_eq!(classes.lines().collect::<Vec<_>>(), KEYS);
    let names: Vec<String> = zip.file_names().map(str::to_owned).collect();
    let label_files: Vec<&String> = names.iter().filter(|n| n.starts_with("labels/")).collect();
    assert_eq!(label_files.len(), N - 2, "{names:?}");
    let mut lines_seen = 0;
    for name in label_files {
        let mut s = String::new();
        zip.by_name(name).unwrap().read_to_string(&mut s).unwrap();
        for line in s.lines() {
            let parts: Vec<&str> = line.split(' ').collect();
            assert_eq!(parts.len(), 5, "{line}");
            assert!(parts[0].parse::<usize>().unwrap() < KEYS.len());
            for v in &parts[1..] {
                let v: f64 = v.parse().unwrap();
                assert!((0.0..=1.0).contains(&v), "{line}");
            }
            lines_seen += 1;
        }
    }
    assert_eq!(lines_seen, consensus_boxes);
    let d = export(&c, order, "format=yolo&source=gold").await;
    let zip = zip::ZipArchive::new(std::io::Cursor::new(d.bytes)).unwrap();
    assert_eq!(
        zip.file_names()
            .filter(|n| n.starts_with("labels/"))
            .count(),
        N
    );

    // Label Studio: tasks with rectangle labels in percent.
    let ls = json_of(&export(&c, order, "format=labelstudio").await);
    let tasks = ls.as_array().unwrap();
    assert_eq!(tasks.len(), N);
    for t in tasks {
        // An absolute signed link ending in the file's name (Label Studio shows it without
        // a Mudou login and names exported files after it).
        let url = t["data"]["image"].as_str().unwrap();
        assert!(
            url.starts_with(&format!("{}/api/v1/signed-media/", app.url)),
            "{url}"
        );
        let name = t["data"]["file_name"].as_str().unwrap();
        let last = url.split('?').next().unwrap().rsplit('/').next().unwrap();
        let mut decoded = Vec::new();
        let b = last.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%' {
                decoded.push(u8::from_str_radix(&last[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                decoded.push(b[i]);
                i += 1;
            }
        }
        assert_eq!(
            String::from_utf8(decoded).unwrap(),
            name.rsplit('/').next().unwrap(),
            "{url}"
        );
        for a in t["annotations"]
            .as_array()
            .unwrap()
            .iter()
            .chain(t["predictions"].as_array().unwrap())
        {
            for r in a["result"].as_array().unwrap() {
                assert_eq!(r["type"], "rectanglelabels");
                for k in ["x", "y", "width", "height"] {
                    assert!((0.0..=100.0).contains(&r["value"][k].as_f64().unwrap()));
                }
            }
        }
    }

    // Wrong requests.
    let other = client(&app, "client_b").await;
    for f in ["jsonl", "csv", "coco", "yolo", "labelstudio"] {
        let d = download(&other, &format!("/api/v1/orders/{order}/export?format={f}")).await;
        assert_eq!(d.status, 404, "{f}");
    }
    for (q, status) in [
        ("format=xml", 400),
        ("", 400),
        ("format=jsonl&source=gold", 422),
        ("format=coco&source=best", 400),
    ] {
        let g = c.get(&format!("/api/v1/orders/{order}/export?{q}")).await;
        assert_eq!(g.status.as_u16(), status, "{q}: {}", g.body);
        assert!(g.code() != "", "{}", g.body);
    }

    // Label Studio round trip: the export's annotations become a new dataset's known answers.
    let ds2 = dataset(&app, &w, "再导入", shapes(N, false, false)).await;
    let g = c
        .post(&format!("/api/v1/datasets/{ds2}/labelstudio"), ls.clone())
        .await;
    let out = g.ok();
    assert_eq!(out["labelled"], N, "{out}");
    assert_eq!(out["skipped"], 0, "{out}");
    let again = known(&c, ds2).await;
    let by_sha: HashMap<String, i64> = c
        .get(&format!("/api/v1/datasets/{ds2}/items?limit=1000"))
        .await
        .body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["screen_url"].as_str().unwrap().to_owned(),
                i["id"].as_i64().unwrap(),
            )
        })
        .collect();
    let sha_of = |url: &str| url.split('/').find(|p| p.len() == 64).unwrap().to_owned();
    let by_sha: HashMap<String, i64> = by_sha.into_iter().map(|(u, i)| (sha_of(&u), i)).collect();
    for (t, line) in tasks.iter().zip(&lines) {
        let new_id = by_sha[&sha_of(t["data"]["image"].as_str().unwrap())];
        let expected = if line["is_gold"] == true {
            &line["gold"]["boxes"]
        } else {
            &line["answer"]["boxes"]
        };
        let got = again[&new_id]["boxes"].as_array().unwrap();
        assert_eq!(got.len(), expected.as_array().unwrap().len());
        for (g, e) in got.iter().zip(expected.as_array().unwrap()) {
            assert_eq!(g["label"], e["label"]);
            for k in ["x", "y", "w", "h"] {
                assert!(
                    (g[k].as_f64().unwrap() - e[k].as_f64().unwrap()).abs() < 0.02,
                    "{g} {e}"
                );
            }
        }
    }
    // Someone else's dataset is not found.
    let g = other
        .post(&format!("/api/v1/datasets/{ds2}/labelstudio"), json!([]))
        .await;
    assert_eq!(g.status.as_u16(), 404);
});

both!(
    label_studio_import_matches_names_and_makes_text_items,
    |app| {
        let w = app.world().await;
        let ds = dataset(&app, &w, "名字", shapes(3, false, false)).await;
        let c = client(&app, "client_a").await;
        let tasks = json!([
            // An upload to Label Studio: its name carries an 8-hex prefix.
            {"id": 7, "data": {"image": "/data/upload/1/1a2b3c4d-shape_001.jpg"}, "file_upload": "1a2b3c4d-shape_001.jpg",
             "annotations": [
                {"was_cancelled": true, "result": [{"type": "choices", "value": {"choices": ["star"]}}]},
                {"result": [{"type": "choices", "value": {"choices": ["square"]}}]}]},
            // A picture this dataset does not have: cannot be fetched, reported.
            {"id": 8, "data": {"image": "https://example.com/pics/elsewhere.jpg"}, "annotations": []},
            {"id": 9, "data": {"image": "s3://bucket/shape_002.jpg"}, "annotations": []},
            {"id": 10, "data": {"text": "这家店的菜很好吃"}, "annotations": [
                {"ground_truth": true, "result": [{"type": "choices", "value": {"choices": ["pos"]}}]},
                {"result": [{"type": "choices", "value": {"choices": ["neg"]}}]}]},
            {"id": 11, "data": {"text": "服务太慢了"}, "annotations": [
                {"result": [{"type": "choices", "value": {"choices": ["neg", "slow"]}},
                            {"type": "labels", "value": {"start": 0, "end": 2, "labels": ["x"]}}]}]},
            {"id": 12, "data": {"audio": "a.wav"}}
        ]);
        let g = c
            .post(&format!("/api/v1/datasets/{ds}/labelstudio"), tasks.clone())
            .await;
        let out = g.ok().clone();
        let outcome = |i: usize| out["tasks"][i]["outcome"].as_str().unwrap().to_owned();
        assert_eq!(
            (0..6).map(outcome).collect::<Vec<_>>(),
            [
                "labelled",
                "skipped",
                "unlabelled",
                "created",
                "created",
                "skipped"
            ],
            "{out}"
        );
        assert!(
            out["tasks"][1]["reason"]
                .as_str()
                .unwrap()
                .contains("elsewhere.jpg")
        );
        assert!(
            out["tasks"][4]["reason"]
                .as_str()
                .unwrap()
                .contains("labels")
        );
        let items = c
            .get(&format!("/api/v1/datasets/{ds}/items?limit=1000"))
            .await;
        let items = items.ok()["items"].as_array().unwrap().clone();
        assert_eq!(items.len(), 5);
        let by_name = |n: &str| items.iter().find(|i| i["file_name"] == n).unwrap().clone();
        assert_eq!(by_name("shape_001.jpg")["gold"], json!({"label": "square"}));
        assert_eq!(by_name("shape_002.jpg")["gold"], Value::Null);
        let text = |t: &str| items.iter().find(|i| i["text"] == t).unwrap().clone();
        assert_eq!(text("这家店的菜很好吃")["gold"], json!({"label": "pos"}));
        assert_eq!(
            text("服务太慢了")["gold"],
            json!({"labels": ["neg", "slow"]})
        );
        // Importing again finds the same texts instead of adding them twice.
        let g = c
            .post(&format!("/api/v1/datasets/{ds}/labelstudio"), tasks)
            .await;
        assert_eq!(g.ok()["created"], 0, "{}", g.body);
        assert_eq!(g.body["labelled"], 3, "{}", g.body);
        for bad in [json!({"tasks": []}), json!([1, 2])] {
            let g = c
                .post(&format!("/api/v1/datasets/{ds}/labelstudio"), bad)
                .await;
            assert_eq!(g.status.as_u16(), 422, "{}", g.body);
        }
    }
);

both!(choice_order_exports_refuse_box_formats, |app| {
    let w = app.world().await;
    let (order, ds) = publish(&app, &w, 4, spec("single_choice", 0)).await;
    label_all(&app, &w, ds, false).await;
    let c = client(&app, "client_a").await;
    for f in ["yolo", "coco"] {
        let g = c
            .get(&format!("/api/v1/orders/{order}/export?format={f}"))
            .await;
        assert_eq!((g.status.as_u16(), g.code()), (422, "validation"), "{f}");
        assert!(
            g.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("single_choice")
        );
    }
    let ls = json_of(&export(&c, order, "format=labelstudio").await);
    // The consensus is a prediction (the annotators' own labels are the annotations).
    let with_answer = ls
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| !t["predictions"].as_array().unwrap().is_empty())
        .count();
    assert_eq!(with_answer, 4);
    for t in ls.as_array().unwrap() {
        let p = &t["predictions"][0];
        assert_eq!(p["model_version"], "mudou-consensus");
        assert!((0.0..=1.0).contains(&p["score"].as_f64().unwrap()));
        let r = &p["result"][0];
        assert_eq!(
            (&r["type"], &r["from_name"], &r["to_name"]),
            (&json!("choices"), &json!("label"), &json!("image"))
        );
        assert!(KEYS.contains(&r["value"]["choices"][0].as_str().unwrap()));
        for a in t["annotations"].as_array().unwrap() {
            assert!(a["completed_by"].as_str().unwrap().starts_with('w'));
        }
    }
    let text = String::from_utf8(export(&c, order, "format=csv").await.bytes).unwrap();
    let mut r = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    for row in r.records() {
        let row = row.unwrap();
        assert!(KEYS.contains(&&row[4]), "{row:?}");
    }
});

both!(coco_eval_compares_consensus_with_gold, |app| {
    let ok = std::process::Command::new("python3")
        .args(["-c", "import pycocotools"])
        .output()
        .is_ok_and(|o| o.status.success());
    // `cargo xtask test` and .ci/run install it: missing is a failure, not a pass.
    assert!(
        ok,
        "pycocotools is missing (python3 -m pip install pycocotools)"
    );
    let w = app.world().await;
    let (order, ds) = publish(&app, &w, N, spec("bbox", 2)).await;
    label_all(&app, &w, ds, true).await;
    let c = client(&app, "client_a").await;
    let dir = tempfile::tempdir().unwrap();
    let gold = dir.path().join("gold.json");
    let cons = dir.path().join("consensus.json");
    std::fs::write(
        &gold,
        export(&c, order, "format=coco&source=gold").await.bytes,
    )
    .unwrap();
    std::fs::write(&cons, export(&c, order, "format=coco").await.bytes).unwrap();
    let script = format!("{}/tests/data/coco_eval.py", env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new("python3")
        .arg(script)
        .arg(&gold)
        .arg(&cons)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stats: Value = serde_json::from_slice(&out.stdout).unwrap();
    println!("COCOeval consensus vs gold: {stats}");
    for k in ["AP", "AP50", "AP75", "AP_labelled"] {
        let v = stats[k].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&v), "{k} = {v}");
    }
    assert_eq!(stats["images"], N);
    assert!(
        stats["AP50"].as_f64().unwrap() > 0.5,
        "boxes within a few pixels of the gold: {stats}"
    );
});

both!(exports_stream_across_pages, |app| {
    // More items than one page of the export (500): texts are quick to make.
    let w = app.world().await;
    let ds = app.dataset(w.org_a, "评论").await;
    let n = 1203;
    let items: Vec<mudou_store::NewItem> = (0..n)
        .map(|i| mudou_store::NewItem {
            content: mudou_store::ItemContent::Text {
                body: format!("第{i}条评论"),
            },
            file_name: format!("+{i}"),
            tag: String::new(),
            meta: "{}".into(),
            gold: None,
        })
        .collect();
    app.state
        .store
        .add_items(mudou_domain::DatasetId::new(ds.id), &[], &items, 1)
        .await
        .unwrap();
    let c = client(&app, "client_a").await;
    let mut s = spec("text_classification", 0);
    s["unit_size"] = json!(50);
    let o = c
        .post("/api/v1/orders", json!({"dataset_id": ds.id, "spec": s}))
        .await;
    let order = o.ok()["id"].as_i64().unwrap();
    c.post(&format!("/api/v1/orders/{order}/publish"), json!({}))
        .await
        .ok();

    let lines = jsonl(&export(&c, order, "format=jsonl").await);
    assert_eq!(lines.len(), n);
    let ids: Vec<i64> = lines
        .iter()
        .map(|l| l["item_id"].as_i64().unwrap())
        .collect();
    assert!(
        ids.windows(2).all(|p| p[0] < p[1]),
        "each item once, in order"
    );
    assert_eq!(lines[700]["text"], "第700条评论");
    assert_eq!(lines[700]["state"], "open");
    let ls = json_of(&export(&c, order, "format=labelstudio").await);
    assert_eq!(ls.as_array().unwrap().len(), n);
    assert_eq!(ls[1202]["data"]["text"], "第1202条评论");
    let text = String::from_utf8(export(&c, order, "format=csv").await.bytes).unwrap();
    let mut r = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), n);
    assert!(rows.iter().all(|r| r[1].starts_with("'+")));
});
