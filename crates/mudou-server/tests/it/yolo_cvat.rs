//! YOLO and CVAT for images, out and in, over HTTP: for every drawing kind, an order's
//! `source=gold` export imported into a second dataset of the same pictures gives the same
//! known answers (CVAT exactly; YOLO without the attributes it has no place for, within 0.02 px or degree: its 6 decimals of fractions
//! of the 480 × 360 pictures carry a coordinate to 0.0003 px, the import rounds to
//! 0.01 px, and an oriented box's size and angle are recomputed from its corners); bad
//! files and objects refused (per picture, or the whole file with 422) with nothing
//! stored; scope (another organisation's client 404, an annotator 403, logged out 401).

use std::collections::HashMap;
use std::io::{Read, Write};

use bytes::Bytes;
use mudou_app::ingest::{IncomingImage, add_images};
use mudou_domain::ErrorCode;
use mudou_domain::template::Question;
use serde_json::{Value, json};

use crate::work::annotator_browser;
use crate::{Browser, Got, TestApp, both};

const NAMES: [&str; 3] = ["p0.jpg", "dir/p1.jpg", "p2.jpg"];
const SIZE: (i64, i64) = (480, 360);

fn option(key: &str) -> Value {
    json!({"key": key, "name_zh": key})
}

/// The question of each kind (keys differ so that one dataset knows them all; not
/// `boxes`, which a known answer of a box order uses).
fn question(kind: &str) -> Value {
    let mut q = json!({"key": format!("k_{kind}"), "kind": kind, "title_zh": "画", "field": "image",
        "options": [option("circle"), option("square")],
        "settings": {"attributes": [{"key": "edge", "name_zh": "碰边"}]}});
    if kind == "keypoints" {
        q["settings"]["skeleton"] = json!({"points": [
            {"key": "top", "name_zh": "上", "sigma": 0.05},
            {"key": "middle", "name_zh": "中", "sigma": 0.05},
            {"key": "bottom", "name_zh": "下", "sigma": 0.05}], "edges": [[0, 1], [1, 2]]});
    }
    if kind == "polyline" {
        q["settings"]["tolerance"] = json!(5);
    }
    q
}

fn spec(kind: &str) -> Value {
    json!({"name": format!("{kind} 订单"), "task_type": "template",
        "template": {"fields": [{"name": "image", "kind": "image"}], "questions": [question(kind)]},
        "overlap": {"kind": "fixed", "n": 1}, "max_gold_items": 0, "unit_size": 3,
        "piece_rate_fen": 10})
}

/// A filled rectangle as a mask of a 480 × 360 picture (COCO runs, column by column).
fn mask(x0: u32, y0: u32, w: u32, h: u32) -> Value {
    let mut counts = vec![x0 * 360 + y0];
    for _ in 0..w - 1 {
        counts.extend([h, 360 - h]);
    }
    counts.push(h);
    counts.push(480 * 360 - counts.iter().sum::<u32>());
    json!({"size": [360, 480], "counts": counts})
}

/// Each kind's drawings of picture `i`: two objects, then one, then none.
fn drawings(kind: &str, i: usize) -> Value {
    let d = i as f64 * 7.0;
    let one = |n: usize| -> Value {
        let n = n as f64 * 100.0;
        let edge = json!({"edge": n > 0.0});
        match kind {
            "boxes" => {
                json!({"label": "circle", "x": 10.5 + d + n, "y": 20.0, "w": 50.25, "h": 40.0, "attributes": edge})
            }
            "polygon" => {
                json!({"label": "square", "points": [[10.0 + n, 10.0 + d], [90.0 + n, 12.5], [60.0 + n, 80.0]], "attributes": edge})
            }
            "polyline" => {
                json!({"label": "square", "points": [[10.0 + n, 10.0], [90.0 + n, 12.5 + d], [60.0, 80.0]], "attributes": edge})
            }
            "keypoints" => {
                json!({"label": "circle", "points": [[100.0 + n, 50.0 + d, 2], [0.0, 0.0, 0], [120.0 + n, 150.0, 1]], "attributes": edge})
            }
            "rotated_box" => {
                json!({"label": "circle", "cx": 200.0 + n, "cy": 150.0 + d, "w": 80.0, "h": 20.0, "angle": 30.0 - n / 10.0, "attributes": edge})
            }
            "mask" => {
                json!({"label": "circle", "rle": mask(20 + n as u32, 30 + i as u32, 40, 25), "attributes": edge})
            }
            _ => unreachable!(),
        }
    };
    match i {
        0 => json!([one(0), one(1)]),
        1 => json!([one(0)]),
        _ => json!([]),
    }
}

const KINDS: [&str; 6] = [
    "boxes",
    "polygon",
    "polyline",
    "keypoints",
    "rotated_box",
    "mask",
];

/// Picture `i`'s known answers for every kind, as the kinds store them.
fn known_of(i: usize) -> Value {
    let mut out = serde_json::Map::new();
    for kind in KINDS {
        let q: Question = serde_json::from_value(question(kind)).unwrap();
        let parsed = q.kind().parse(&q, &drawings(kind, i), Some(SIZE)).unwrap();
        out.insert(format!("k_{kind}"), parsed);
    }
    Value::Object(out)
}

async fn dataset(app: &TestApp, org: i64, name: &str, with_known: bool) -> i64 {
    let ds = app.dataset(org, name).await;
    let dir = format!("{}/../../datasets/shapes", env!("CARGO_MANIFEST_DIR"));
    let files = NAMES
        .iter()
        .enumerate()
        .map(|(i, n)| IncomingImage {
            file_name: (*n).into(),
            tag: String::new(),
            bytes: Bytes::from(std::fs::read(format!("{dir}/shape_{i:03}.jpg")).unwrap()),
            meta: "{}".into(),
            gold: with_known.then(|| known_of(i).to_string()),
        })
        .collect();
    add_images(&app.state, ds.id, files).await.unwrap();
    ds.id
}

async fn order_on(c: &Browser, ds: i64, kind: &str) -> i64 {
    let id = c
        .post(
            "/api/v1/orders",
            json!({"dataset_id": ds, "spec": spec(kind)}),
        )
        .await
        .ok()["id"]
        .as_i64()
        .unwrap();
    c.post(&format!("/api/v1/orders/{id}/publish"), json!({}))
        .await
        .ok();
    id
}

async fn download(c: &Browser, order: i64, query: &str) -> (u16, String, Vec<u8>) {
    let r = c
        .http
        .get(format!("{}/api/v1/orders/{order}/export?{query}", c.url))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, ct, r.bytes().await.unwrap().to_vec())
}

async fn upload(c: &Browser, path: &str, body: Vec<u8>) -> Got {
    Got::from(
        c.http
            .post(format!("{}{path}", c.url))
            .body(body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// Known answers of a dataset's pictures by file name.
async fn known(c: &Browser, ds: i64) -> HashMap<String, Value> {
    c.get(&format!("/api/v1/datasets/{ds}/items?limit=100"))
        .await
        .ok()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["file_name"].as_str().unwrap().to_owned(),
                i["gold"].clone(),
            )
        })
        .collect()
}

/// Equal, numbers within `tol`.
fn close(a: &Value, b: &Value, tol: f64) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            (x.as_f64().unwrap() - y.as_f64().unwrap()).abs() <= tol
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| close(p, q, tol))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| close(v, w, tol)))
        }
        _ => a == b,
    }
}

/// A ZIP of `(name, text)` files.
fn zip_of(files: &[(&str, &str)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, text) in files {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(text.as_bytes()).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn zip_files(bytes: &[u8]) -> HashMap<String, String> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut s = String::new();
            f.read_to_string(&mut s).unwrap();
            (f.name().to_owned(), s)
        })
        .collect()
}

both!(every_drawing_kind_goes_out_and_comes_back, |app| {
    let w = app.world().await;
    let c = app.browser();
    c.login("client_a").await.ok();
    let source = dataset(&app, w.org_a, "源", true).await;
    let expected: HashMap<&str, Value> = NAMES
        .iter()
        .enumerate()
        .map(|(i, n)| (*n, known_of(i)))
        .collect();
    for kind in KINDS {
        let order = order_on(&c, source, kind).await;
        for format in ["cvat", "yolo"] {
            let (status, ct, bytes) =
                download(&c, order, &format!("format={format}&source=gold")).await;
            if format == "yolo" && kind == "polyline" {
                assert_eq!(status, 422, "{kind}: YOLO has no lines");
                assert!(String::from_utf8_lossy(&bytes).contains("CVAT or Label Studio"));
                continue;
            }
            assert_eq!(
                status,
                200,
                "{kind} {format}: {}",
                String::from_utf8_lossy(&bytes)
            );
            if format == "cvat" {
                assert_eq!(ct, "application/xml");
                let xml = String::from_utf8(bytes.clone()).unwrap();
                assert!(xml.contains("<version>1.1</version>"), "{xml}");
                assert_eq!(xml.matches("<image ").count(), 3, "{xml}");
            } else {
                let files = zip_files(&bytes);
                assert_eq!(files["classes.txt"], "circle\nsquare\n");
                assert!(files["data.yaml"].contains("names:\n  - 'circle'\n  - 'square'\n"));
                assert_eq!(files["labels/p2.txt"], "", "a picture with nothing drawn");
                assert!(files["states.csv"].starts_with("file,state\n"));
                if kind == "keypoints" {
                    assert!(files["data.yaml"].contains("kpt_shape: [3, 3]"));
                }
                // Pictures with two objects: two lines.
                assert_eq!(files["labels/p0.txt"].lines().count(), 2, "{kind}");
            }
            // Into a dataset of the same pictures that knows nothing yet.
            let target = dataset(&app, w.org_a, &format!("{kind}-{format}"), false).await;
            let order2 = order_on(&c, target, kind).await;
            let g = upload(
                &c,
                &format!("/api/v1/datasets/{target}/{format}?order={order2}"),
                bytes,
            )
            .await;
            let body = g.ok();
            assert_eq!(
                (
                    body["labelled"].as_u64(),
                    body["unlabelled"].as_u64(),
                    body["skipped"].as_u64()
                ),
                (Some(2), Some(1), Some(0)),
                "{kind} {format}: {body}"
            );
            let got = known(&c, target).await;
            for name in NAMES {
                let key = format!("k_{kind}");
                let want = &expected[name][&key];
                let have = &got[name][&key];
                let ok = if format == "cvat" {
                    have == want
                } else {
                    // YOLO has no place for attributes.
                    let mut want = want.clone();
                    for o in want.as_array_mut().unwrap() {
                        o.as_object_mut().unwrap().remove("attributes");
                    }
                    close(have, &want, 0.02)
                };
                assert!(ok, "{kind} {format} {name}:\n{have}\n{want}");
            }
        }
    }
});

both!(bad_drawing_files_are_refused_and_scoped, |app| {
    let w = app.world().await;
    let c = app.browser();
    c.login("client_a").await.ok();
    let ds = dataset(&app, w.org_a, "目标", false).await;
    let polygons = order_on(&c, ds, "polygon").await;
    let keypoints = order_on(&c, ds, "keypoints").await;
    let polylines = order_on(&c, ds, "polyline").await;
    let yolo = format!("/api/v1/datasets/{ds}/yolo?order={polygons}");
    let cvat = format!("/api/v1/datasets/{ds}/cvat?order={polygons}");
    let before = known(&c, ds).await;

    // YOLO, each picture skipped with its reason.
    let g = upload(
        &c,
        &yolo,
        zip_of(&[
            ("classes.txt", "circle\nsquare\n"),
            ("labels/nobody.txt", "0 0.1 0.1 0.2 0.2 0.3 0.1\n"),
            (
                "labels/p0.txt",
                "0 0.1 0.1 0.2 0.2 0.3 0.1\n2 0.1 0.1 0.2 0.2 0.3 0.1\n",
            ),
            ("labels/p1.txt", "0 0.1 0.1 0.2 0.2 0.3\n"),
            ("labels/p2.txt", "1 0.1 0.1 0.2 1.5 0.3 0.1\n"),
        ]),
    )
    .await;
    let b = g.ok();
    assert_eq!(
        (b["labelled"].as_u64(), b["skipped"].as_u64()),
        (Some(0), Some(4)),
        "{b}"
    );
    let reasons: Vec<&str> = b["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["reason"].as_str().unwrap())
        .collect();
    assert!(
        reasons[0].contains("no picture of this dataset is named \"nobody\""),
        "{reasons:?}"
    );
    assert!(
        reasons[1].contains("line 2: class 2 is out of range"),
        "{reasons:?}"
    );
    assert!(
        reasons[2].contains("odd number of coordinates"),
        "{reasons:?}"
    );
    assert!(
        reasons[3].contains("1.5 is not between 0 and 1"),
        "{reasons:?}"
    );
    let g = upload(
        &c,
        &yolo,
        zip_of(&[
            ("labels/p0.txt", "0 0.1 0.1 0.2 0.2\n"),
            ("labels/p1.txt", "0 0.1 0.1 0.9 0.9 0.9 0.1 0.1 0.9\n"),
        ]),
    )
    .await;
    let b = g.ok();
    assert!(
        b["images"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("at least 3 points"),
        "{b}"
    );
    assert!(
        b["images"][1]["reason"]
            .as_str()
            .unwrap()
            .contains("crosses itself"),
        "{b}"
    );
    // Class names that are not the order's.
    let g = upload(
        &c,
        &yolo,
        zip_of(&[
            ("data.yaml", "names: [circle, boat]\n"),
            ("labels/p0.txt", "1 0.1 0.1 0.2 0.2 0.3 0.1\n"),
        ]),
    )
    .await;
    assert!(
        g.ok()["images"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("\"boat\", not one of")
    );
    // Keypoints: kpt_shape not the skeleton's refuses the file; a line of the wrong length
    // its picture.
    let kp = format!("/api/v1/datasets/{ds}/yolo?order={keypoints}");
    let g = upload(
        &c,
        &kp,
        zip_of(&[
            ("data.yaml", "names: [circle, square]\nkpt_shape: [17, 3]\n"),
            ("labels/p0.txt", ""),
        ]),
    )
    .await;
    g.refused(ErrorCode::Validation);
    assert!(
        g.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("kpt_shape says 17 points")
    );
    let g = upload(
        &c,
        &kp,
        zip_of(&[("labels/p0.txt", "0 0.5 0.5 0.1 0.1 0.5 0.5 2\n")]),
    )
    .await;
    assert!(
        g.ok()["images"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("3 points"),
        "{}",
        g.body
    );
    // Not a ZIP; no label files.
    upload(&c, &yolo, b"hello".to_vec())
        .await
        .refused(ErrorCode::Validation);
    upload(&c, &yolo, zip_of(&[("readme.md", "x")]))
        .await
        .refused(ErrorCode::Validation);

    // CVAT.
    let image = |inner: &str| {
        format!("<annotations><version>1.1</version><image id=\"0\" name=\"p0.jpg\" width=\"480\" height=\"360\">{inner}</image></annotations>")
            .into_bytes()
    };
    for (inner, words) in [
        (
            "<polygon label=\"boat\" points=\"1,1;50,1;50,50\"/>",
            "\"boat\" is not one of",
        ),
        ("<polygon label=\"circle\" points=\"1,1;50,1\"/>", "3 to"),
        (
            "<polygon label=\"circle\" points=\"1,1;500,1;50,50\"/>",
            "outside the 480×360 picture",
        ),
        (
            "<box label=\"circle\" xtl=\"1\" ytl=\"1\" xbr=\"5\" ybr=\"5\"/>",
            "this order draws polygon",
        ),
    ] {
        let g = upload(&c, &cvat, image(inner)).await;
        let b = g.ok();
        assert_eq!(b["skipped"], 1, "{b}");
        let reason = b["images"][0]["reason"].as_str().unwrap();
        assert!(reason.contains(words), "{reason}");
    }
    let g = upload(&c, &cvat, br#"<annotations><version>1.1</version><image id="0" name="p0.jpg" width="48" height="36"></image></annotations>"#.to_vec()).await;
    assert!(
        g.ok()["images"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("480×360")
    );
    upload(&c, &cvat, b"<html><body/></html>".to_vec())
        .await
        .refused(ErrorCode::Validation);
    upload(&c, &cvat, b"not xml".to_vec())
        .await
        .refused(ErrorCode::Validation);
    upload(&c, &cvat, zip_of(&[("other.xml", "<annotations/>")]))
        .await
        .refused(ErrorCode::Validation);
    // CVAT in a ZIP, and a picture found by its base name.
    let g = upload(
        &c,
        &cvat,
        zip_of(&[("task/annotations.xml", "<annotations><version>1.1</version><image id=\"0\" name=\"x/y/p1.jpg\" width=\"480\" height=\"360\"></image></annotations>")]),
    )
    .await;
    assert_eq!(g.ok()["unlabelled"], 1, "{}", g.body);
    let after = known(&c, ds).await;
    assert_eq!(after["dir/p1.jpg"], json!({"k_polygon": []}));
    let mut unchanged = after.clone();
    unchanged.insert("dir/p1.jpg".into(), before["dir/p1.jpg"].clone());
    assert_eq!(unchanged, before, "nothing else stored");

    // The order: required, this dataset's, drawing what the format carries.
    upload(&c, &format!("/api/v1/datasets/{ds}/cvat"), image(""))
        .await
        .refused(ErrorCode::Validation);
    let g = upload(
        &c,
        &format!("/api/v1/datasets/{ds}/yolo?order={polylines}"),
        zip_of(&[("labels/p0.txt", "")]),
    )
    .await;
    g.refused(ErrorCode::Validation);
    assert_eq!(g.body["error"]["field"], "order");
    let other = dataset(&app, w.org_a, "别的", false).await;
    let g = upload(
        &c,
        &format!("/api/v1/datasets/{other}/cvat?order={polygons}"),
        image(""),
    )
    .await;
    g.refused(ErrorCode::Validation);
    assert_eq!(g.body["error"]["field"], "order");
    let (status, _, _) = download(&c, polylines, "format=yolo").await;
    assert_eq!(status, 422);

    // Scope: another organisation's client, an annotator, nobody.
    let b = app.browser();
    b.login("client_b").await.ok();
    upload(&b, &cvat, image(""))
        .await
        .refused(ErrorCode::NotFound);
    upload(&b, &yolo, zip_of(&[("labels/p0.txt", "")]))
        .await
        .refused(ErrorCode::NotFound);
    let (status, _, _) = download(&b, polygons, "format=cvat").await;
    assert_eq!(status, 404);
    let a = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;
    assert_eq!(upload(&a, &cvat, image("")).await.status.as_u16(), 403);
    assert_eq!(upload(&a, &yolo, image("")).await.status.as_u16(), 403);
    let nobody = app.browser();
    assert_eq!(upload(&nobody, &cvat, image("")).await.status.as_u16(), 401);
    assert_eq!(upload(&nobody, &yolo, image("")).await.status.as_u16(), 401);
    assert_eq!(known(&c, ds).await, after, "nothing stored by the refused");
});

/// What datumaro understood of a file (`tests/data/yolo_cvat_check.py`).
fn datumaro(kind: &str, path: &std::path::Path) -> Value {
    let ok = std::process::Command::new("python3")
        .args(["-c", "import datumaro"])
        .output()
        .is_ok_and(|o| o.status.success());
    // `.ci/run` installs it: missing is a failure, not a pass.
    assert!(ok, "datumaro is missing (python3 -m pip install datumaro)");
    let out = std::process::Command::new("python3")
        .arg(format!(
            "{}/tests/data/yolo_cvat_check.py",
            env!("CARGO_MANIFEST_DIR")
        ))
        .arg(format!("{kind}={}", path.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice::<Value>(&out.stdout).unwrap()[kind].clone()
}

both!(datumaro_reads_the_cvat_and_yolo_exports, |app| {
    let w = app.world().await;
    let c = app.browser();
    c.login("client_a").await.ok();
    let ds = dataset(&app, w.org_a, "源", true).await;
    let dir = tempfile::tempdir().unwrap();
    let ids = ["p0", "dir/p1", "p2"];
    let shapes = format!("{}/../../datasets/shapes", env!("CARGO_MANIFEST_DIR"));
    for kind in ["boxes", "rotated_box", "polygon", "polyline", "mask"] {
        let order = order_on(&c, ds, kind).await;
        let (status, _, bytes) = download(&c, order, "format=cvat&source=gold").await;
        assert_eq!(status, 200);
        let path = dir.path().join(kind);
        std::fs::create_dir_all(path.join("images/dir")).unwrap();
        std::fs::write(path.join("annotations.xml"), bytes).unwrap();
        for (i, name) in NAMES.iter().enumerate() {
            std::fs::copy(
                format!("{shapes}/shape_{i:03}.jpg"),
                path.join("images").join(name),
            )
            .unwrap();
        }
        let got = datumaro("cvat", &path);
        for (i, id) in ids.iter().enumerate() {
            let want = known_of(i)[format!("k_{kind}")].clone();
            let want = want.as_array().unwrap();
            let have = got[*id].as_array().cloned().unwrap_or_default();
            assert_eq!(have.len(), want.len(), "{kind} {id}: {got}");
            for (h, o) in have.iter().zip(want) {
                assert_eq!(h["label"], o["label"], "{kind} {h}");
                assert_eq!(h["attributes"], o["attributes"], "{kind} {h}");
                let n = |k: &str| o[k].as_f64().unwrap();
                let (field, expect) = match kind {
                    "boxes" => ("bbox", json!([n("x"), n("y"), n("w"), n("h")])),
                    "rotated_box" => (
                        "rotated",
                        json!([
                            n("cx"),
                            n("cy"),
                            n("w"),
                            n("h"),
                            n("angle").rem_euclid(360.0)
                        ]),
                    ),
                    "polygon" | "polyline" => (
                        "points",
                        Value::Array(
                            o["points"]
                                .as_array()
                                .unwrap()
                                .iter()
                                .flat_map(|p| p.as_array().unwrap().clone())
                                .collect(),
                        ),
                    ),
                    _ => {
                        // The 40 × 25 rectangle of `drawings`.
                        assert_eq!(h["area"], 1000, "{h}");
                        let (x, y) = (
                            if h["attributes"]["edge"] == true {
                                120
                            } else {
                                20
                            },
                            30 + i,
                        );
                        ("bbox", json!([x, y, x + 40, y + 25]))
                    }
                };
                assert!(close(&h[field], &expect, 1e-6), "{kind} {id}: {h} {expect}");
            }
        }
    }
    // YOLO detection, with the pictures beside the labels as Ultralytics lays them out.
    let order = order_on(&c, ds, "boxes").await;
    let (_, _, bytes) = download(&c, order, "format=yolo&source=gold").await;
    let root = dir.path().join("yolo");
    std::fs::create_dir_all(root.join("labels")).unwrap();
    std::fs::create_dir_all(root.join("images")).unwrap();
    for (name, text) in zip_files(&bytes) {
        std::fs::write(root.join(&name), text).unwrap();
    }
    for i in 0..3 {
        std::fs::copy(
            format!("{shapes}/shape_{i:03}.jpg"),
            root.join(format!("images/p{i}.jpg")),
        )
        .unwrap();
    }
    let got = datumaro("yolo", &root);
    for i in 0..3 {
        let want = known_of(i)["k_boxes"].clone();
        let have = got[format!("p{i}")].as_array().cloned().unwrap_or_default();
        assert_eq!(have.len(), want.as_array().unwrap().len(), "{got}");
        for (h, o) in have.iter().zip(want.as_array().unwrap()) {
            assert_eq!(h["label"], o["label"]);
            let expect = json!([o["x"], o["y"], o["w"], o["h"]]);
            assert!(close(&h["bbox"], &expect, 0.01), "{h} {expect}");
        }
    }
});

both!(
    yolo_segmentation_obb_and_pose_read_as_ultralytics_checks_them,
    |app| {
        let w = app.world().await;
        let c = app.browser();
        c.login("client_a").await.ok();
        let ds = dataset(&app, w.org_a, "源", true).await;
        let dir = tempfile::tempdir().unwrap();
        let (sw, sh) = (SIZE.0 as f64, SIZE.1 as f64);
        for kind in ["polygon", "rotated_box", "keypoints", "mask"] {
            let order = order_on(&c, ds, kind).await;
            let (status, _, bytes) = download(&c, order, "format=yolo&source=gold").await;
            assert_eq!(status, 200);
            let root = dir.path().join(kind);
            std::fs::create_dir_all(root.join("labels")).unwrap();
            for (name, text) in zip_files(&bytes) {
                std::fs::write(root.join(&name), text).unwrap();
            }
            let got = datumaro("yolo_plain", &root);
            assert_eq!(got["names"], json!(["circle", "square"]));
            assert_eq!(
                got["kpt_shape"],
                if kind == "keypoints" {
                    json!([3, 3])
                } else {
                    Value::Null
                }
            );
            for i in 0..3 {
                let want = known_of(i)[format!("k_{kind}")].clone();
                let want = want.as_array().unwrap();
                let have = got["items"][format!("p{i}")].as_array().unwrap();
                assert_eq!(have.len(), want.len(), "{kind} p{i}: {got}");
                for (h, o) in have.iter().zip(want) {
                    assert_eq!(h["label"], o["label"]);
                    let px = |v: &Value| -> Vec<Vec<f64>> {
                        v.as_array()
                            .unwrap()
                            .iter()
                            .map(|p| {
                                let p: Vec<f64> = p
                                    .as_array()
                                    .unwrap()
                                    .iter()
                                    .map(|n| n.as_f64().unwrap())
                                    .collect();
                                let mut q = vec![p[0] * sw, p[1] * sh];
                                q.extend(&p[2..]);
                                q
                            })
                            .collect()
                    };
                    let (have, expect): (Vec<Vec<f64>>, Vec<Vec<f64>>) = match kind {
                        "polygon" => (px(&h["xy"]), px_of(&o["points"])),
                        "keypoints" => (px(&h["keypoints"]), px_of(&o["points"])),
                        "rotated_box" => {
                            let n = |k: &str| o[k].as_f64().unwrap();
                            let (s, co) = n("angle").to_radians().sin_cos();
                            let corners = [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)]
                                .iter()
                                .map(|(a, b)| {
                                    let (x, y) = (a * n("w") / 2.0, b * n("h") / 2.0);
                                    vec![n("cx") + x * co - y * s, n("cy") + x * s + y * co]
                                })
                                .collect();
                            (px(&h["xy"]), corners)
                        }
                        _ => {
                            // The 40 × 25 rectangle's outline, clockwise from its top left.
                            let (x, y) = (
                                if o["attributes"]["edge"] == true {
                                    120.0
                                } else {
                                    20.0
                                },
                                30.0 + i as f64,
                            );
                            let r = vec![
                                vec![x, y],
                                vec![x + 40.0, y],
                                vec![x + 40.0, y + 25.0],
                                vec![x, y + 25.0],
                            ];
                            (px(&h["xy"]), r)
                        }
                    };
                    let (have, expect) = (json!(have), json!(expect));
                    assert!(close(&have, &expect, 0.01), "{kind} p{i}: {have} {expect}");
                }
            }
        }
    }
);

/// Stored points `[[x, y, …], …]` as numbers.
fn px_of(v: &Value) -> Vec<Vec<f64>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| {
            p.as_array()
                .unwrap()
                .iter()
                .map(|n| n.as_f64().unwrap())
                .collect()
        })
        .collect()
}

both!(holes_left_out_are_said, |app| {
    let w = app.world().await;
    let c = app.browser();
    c.login("client_a").await.ok();
    let ds = app.dataset(w.org_a, "洞").await;
    let q: Question = serde_json::from_value(question("polygon")).unwrap();
    let ring = |x: f64, s: f64| json!([[x, x], [x + s, x], [x + s, x + s], [x, x + s]]);
    let with_hole =
        json!([{"label": "circle", "points": ring(10.0, 100.0), "holes": [ring(40.0, 20.0)]}]);
    let known = json!({"k_polygon": q.kind().parse(&q, &with_hole, Some(SIZE)).unwrap()});
    let dir = format!("{}/../../datasets/shapes", env!("CARGO_MANIFEST_DIR"));
    add_images(
        &app.state,
        ds.id,
        vec![IncomingImage {
            file_name: "h.jpg".into(),
            tag: String::new(),
            bytes: Bytes::from(std::fs::read(format!("{dir}/shape_000.jpg")).unwrap()),
            meta: "{}".into(),
            gold: Some(known.to_string()),
        }],
    )
    .await
    .unwrap();
    let order = order_on(&c, ds.id, "polygon").await;
    let (_, _, bytes) = download(&c, order, "format=yolo&source=gold").await;
    let files = zip_files(&bytes);
    assert!(
        files["notes.txt"].contains("polygon holes left out: 1"),
        "{files:?}"
    );
    assert_eq!(files["labels/h.txt"].lines().count(), 1);
    let (_, _, bytes) = download(&c, order, "format=cvat&source=gold").await;
    let xml = String::from_utf8(bytes).unwrap();
    assert!(
        xml.contains("<!-- object 0: 1 hole(s) left out (CVAT polygons have none) -->"),
        "{xml}"
    );
    // Without holes, no notes.
    let (_, _, bytes) = download(&c, order, "format=yolo").await;
    assert!(!zip_files(&bytes).contains_key("notes.txt"));
});
