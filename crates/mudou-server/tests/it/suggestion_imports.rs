//! Model suggestions from files, over HTTP on both engines: Label Studio predictions (with
//! the items; Mudou's own consensus prediction left alone), COCO with scores (a file, and
//! a detector's results list by Mudou's item ids), YOLO with
//! Ultralytics' trailing confidence, CVAT, and JSONL per question for a template of two
//! questions — each stored with its model, version and score, or dropped with why
//! (unknown item, question or class, an object outside the picture); a garbage file → 422
//! with nothing stored; the Label Studio export sends the suggestions back out as
//! predictions and its import reads them back; scope (other org 404, annotator 403,
//! logged out 401).

use std::collections::HashMap;
use std::io::Write;

use serde_json::{Value, json};

use crate::suggestions::post_jsonl;
use crate::work::{annotator_browser, shape_pictures};
use crate::{Browser, Got, TestApp, World, both};

fn option(key: &str) -> Value {
    json!({"key": key, "name_zh": key})
}

/// A draft order of two questions on the shapes pictures (480 × 360): a choice and boxes.
fn spec() -> Value {
    json!({"name": "建议", "task_type": "template",
        "template": {"fields": [{"name": "image", "kind": "image"}], "questions": [
            {"key": "shape", "kind": "choice", "title_zh": "形", "field": "image",
             "options": [option("circle"), option("square")]},
            {"key": "objects", "kind": "boxes", "title_zh": "框", "field": "image",
             "options": [option("circle"), option("square")]}]},
        "overlap": {"kind": "fixed", "n": 1}, "max_gold_items": 0, "unit_size": 4,
        "piece_rate_fen": 10, "suggestions": {"check_rate_fen": 3, "fix_rate_fen": 9}})
}

/// The world, client A logged in, org A's dataset of shape_000 … shape_003 and a draft
/// order on it: (world, client, dataset, order).
async fn setup(app: &TestApp) -> (World, Browser, i64, i64) {
    let w = app.world().await;
    let c = app.browser();
    c.login("client_a").await.ok();
    let ds = shape_pictures(app, &w, 4).await;
    let order = c
        .post("/api/v1/orders", json!({"dataset_id": ds, "spec": spec()}))
        .await
        .ok()["id"]
        .as_i64()
        .unwrap();
    (w, c, ds, order)
}

async fn post_bytes(c: &Browser, path: &str, body: Vec<u8>) -> Got {
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

/// The order's suggestions by the item's picture name.
async fn suggestions(c: &Browser, ds: i64, order: i64) -> HashMap<String, Value> {
    let names: HashMap<i64, String> = c
        .get(&format!("/api/v1/datasets/{ds}/items?limit=100"))
        .await
        .ok()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["id"].as_i64().unwrap(),
                i["file_name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    c.get(&format!("/api/v1/orders/{order}/suggestions"))
        .await
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (names[&s["item_id"].as_i64().unwrap()].clone(), s.clone()))
        .collect()
}

/// `(index, code)` of what an import dropped.
fn dropped(out: &Value) -> Vec<(u64, String)> {
    out["dropped"]
        .as_array()
        .unwrap_or_else(|| panic!("no dropped list in {out}"))
        .iter()
        .map(|d| {
            (
                d["index"].as_u64().unwrap(),
                d["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn drops(list: &[(u64, &str)]) -> Vec<(u64, String)> {
    list.iter().map(|(i, c)| (*i, (*c).to_owned())).collect()
}

fn zip(files: &[(&str, &str)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, text) in files {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(text.as_bytes()).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn ls_task(name: &str, predictions: Value) -> Value {
    json!({"id": name, "data": {"image": format!("/data/upload/3/1a2b3c4d-{name}")},
           "annotations": [], "predictions": predictions})
}

fn rect(label: &str, x: f64, y: f64) -> Value {
    json!({"from_name": "objects", "to_name": "image", "type": "rectanglelabels",
           "original_width": 480, "original_height": 360,
           "value": {"x": x, "y": y, "width": 25.0, "height": 20.0, "rotation": 0,
                     "rectanglelabels": [label]}})
}

fn choice(label: &str) -> Value {
    json!({"from_name": "shape", "to_name": "image", "type": "choices",
           "value": {"choices": [label]}})
}

both!(label_studio_predictions_in_and_out, |app| {
    let (_, c, ds, order) = setup(&app).await;
    let tasks = json!([
        ls_task(
            "shape_000.jpg",
            json!([
            {"model_version": "mudou-consensus", "score": 1.0, "result": [choice("square")]},
            {"model_version": "yolo-v8", "score": 0.8,
             "result": [choice("circle"), rect("circle", 10.0, 10.0)]}])
        ),
        ls_task(
            "shape_001.jpg",
            json!([{"model_version": "yolo-v8", "result": [rect("cow", 10.0, 10.0)]}])
        ),
        ls_task(
            "nope.jpg",
            json!([{"model_version": "yolo-v8", "result": [choice("circle")]}])
        ),
        ls_task(
            "shape_002.jpg",
            json!([{"model_version": "yolo-v8",
            "result": [{"from_name": "colour", "to_name": "image", "type": "choices",
                        "value": {"choices": ["red"]}}]}])
        ),
        // Only the consensus: no suggestion, nothing dropped.
        ls_task(
            "shape_003.jpg",
            json!([{"model_version": "mudou-consensus", "result": [choice("square")]}])
        ),
    ]);
    let g = c
        .post(
            &format!("/api/v1/datasets/{ds}/labelstudio?order={order}"),
            tasks.clone(),
        )
        .await;
    let out = g.ok().clone();
    // The known-answer import is as it was: the consensus is shape_003's known answer.
    assert_eq!(out["labelled"], 2, "{out}");
    let s = &out["suggestions"];
    assert_eq!(s["stored"], 1, "{out}");
    assert_eq!(
        dropped(s),
        drops(&[
            (1, "unknown_class"),
            (2, "unknown_item"),
            (3, "unknown_question")
        ])
    );
    let got = suggestions(&c, ds, order).await;
    assert_eq!(got.len(), 1);
    let s0 = &got["shape_000.jpg"];
    assert_eq!(s0["model"], "yolo-v8");
    assert_eq!(s0["model_version"], "yolo-v8");
    assert_eq!(s0["score"], 0.8);
    assert_eq!(s0["source"], "import");
    assert_eq!(
        s0["answer"],
        json!({"shape": "circle", "objects": [{"label": "circle", "x": 48.0, "y": 36.0, "w": 120.0, "h": 72.0}]})
    );

    // The export (of the order, published) sends it back out as a prediction beside the
    // consensus …
    c.post(&format!("/api/v1/orders/{order}/publish"), json!({}))
        .await
        .ok();
    let r = c
        .http
        .get(format!(
            "{}/api/v1/orders/{order}/export?format=labelstudio&include=all",
            c.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let export: Value = r.json().await.unwrap();
    let task = export
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["data"]["file_name"] == "shape_000.jpg")
        .unwrap();
    let p = task["predictions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["model_version"] == "yolo-v8")
        .unwrap_or_else(|| panic!("{task}"));
    assert_eq!(p["score"], 0.8);
    assert_eq!(p["meta"]["model"], "yolo-v8");
    assert_eq!(p["result"].as_array().unwrap().len(), 2, "{p}");
    // Label Studio's own SDK takes the predictions for the order's labeling config.
    let config = c
        .http
        .get(format!(
            "{}/api/v1/orders/{order}/labelstudio-config",
            c.url
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (e, x) = (
        dir.path().join("export.json"),
        dir.path().join("config.xml"),
    );
    std::fs::write(&e, export.to_string()).unwrap();
    std::fs::write(&x, &config).unwrap();
    let run = std::process::Command::new("python3")
        .arg(format!(
            "{}/tests/data/ls_predictions_check.py",
            env!("CARGO_MANIFEST_DIR")
        ))
        .args([&e, &x])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    let seen: Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(seen["yolo-v8"], json!([0.8]), "{seen}");

    // … and, with ?as=suggestions and another model's name, Mudou reads it back the same.
    let g = c
        .post(
            &format!("/api/v1/datasets/{ds}/labelstudio?order={order}&as=suggestions&model=det"),
            export.clone(),
        )
        .await;
    let out = g.ok().clone();
    assert_eq!(out["suggestions"]["stored"], 1, "{out}");
    assert_eq!(out["tasks"], json!([]));
    assert_eq!(out["labelled"], 0);
    let again = suggestions(&c, ds, order).await;
    assert_eq!(again["shape_000.jpg"]["answer"], s0["answer"]);
    assert_eq!(again["shape_000.jpg"]["model"], "det");
    assert_eq!(again["shape_000.jpg"]["model_version"], "yolo-v8");
    assert_eq!(again["shape_000.jpg"]["score"], 0.8);

    // Suggestions need an order; a body that is not a task list is refused.
    let g = c
        .post(
            &format!("/api/v1/datasets/{ds}/labelstudio?as=suggestions"),
            tasks,
        )
        .await;
    assert_eq!(g.status.as_u16(), 422, "{}", g.body);
    for (body, want) in [("garbage", 400), (r#"{"tasks": 1}"#, 422)] {
        let g = Got::from(
            c.http
                .post(format!(
                    "{}/api/v1/datasets/{ds}/labelstudio?order={order}&as=suggestions",
                    c.url
                ))
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(g.status.as_u16(), want, "{}", g.body);
    }
    assert_eq!(suggestions(&c, ds, order).await.len(), 1);
});

both!(suggestions_from_coco_yolo_cvat_and_jsonl, |app| {
    let (_, c, ds, order) = setup(&app).await;

    // COCO, each annotation with its score.
    let coco = json!({
        "images": [
            {"id": 1, "file_name": "shape_000.jpg", "width": 480, "height": 360},
            {"id": 2, "file_name": "shape_001.jpg", "width": 480, "height": 360},
            {"id": 3, "file_name": "dir/shape_002.jpg", "width": 480, "height": 360},
            {"id": 4, "file_name": "nope.jpg", "width": 480, "height": 360}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 20, 100, 50], "score": 0.9},
            {"id": 2, "image_id": 1, "category_id": 2, "bbox": [200, 100, 40, 40], "score": 0.6},
            {"id": 3, "image_id": 2, "category_id": 9, "bbox": [10, 20, 100, 50], "score": 0.9},
            {"id": 4, "image_id": 3, "category_id": 1, "bbox": [400, 300, 200, 100], "score": 0.9}],
        "categories": [{"id": 1, "name": "circle", "supercategory": "objects"},
                       {"id": 2, "name": "square", "supercategory": "objects"}]});
    let coco_path = format!(
        "/api/v1/datasets/{ds}/coco?order={order}&as=suggestions&model=det&model_version=3"
    );
    let g = post_bytes(&c, &coco_path, coco.to_string().into_bytes()).await;
    let out = g.ok().clone();
    assert_eq!(out["images"], json!([]), "{out}");
    let s = &out["suggestions"];
    assert_eq!(s["stored"], 1, "{out}");
    assert_eq!(
        dropped(s),
        drops(&[
            (1, "unknown_class"),
            (2, "does_not_fit"),
            (3, "unknown_item")
        ])
    );
    let got = suggestions(&c, ds, order).await;
    let s0 = &got["shape_000.jpg"];
    assert_eq!(s0["model"], "det");
    assert_eq!(s0["model_version"], "3");
    assert_eq!(s0["score"], 0.6, "the lowest of its objects'");
    assert_eq!(
        s0["answer"],
        json!({"objects": [{"label": "circle", "x": 10.0, "y": 20.0, "w": 100.0, "h": 50.0},
                           {"label": "square", "x": 200.0, "y": 100.0, "w": 40.0, "h": 40.0}]})
    );
    // Known answers stay untouched by a suggestions import.
    let items = c
        .get(&format!("/api/v1/datasets/{ds}/items?limit=100"))
        .await;
    assert!(
        items.ok()["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["gold"].is_null()),
        "{}",
        items.body
    );
    // A garbage file: 422, nothing stored.
    for body in ["not json", r#"{"annotations": []}"#] {
        let g = post_bytes(&c, &coco_path, body.as_bytes().to_vec()).await;
        assert_eq!(g.status.as_u16(), 422, "{}", g.body);
    }

    // YOLO, Ultralytics' `cls cx cy w h conf`.
    let yolo = zip(&[
        ("data.yaml", "names: [circle, square]\n"),
        (
            "labels/shape_001.txt",
            "0 0.5 0.5 0.2 0.2 0.91\n1 0.25 0.25 0.1 0.1 0.42\n",
        ),
        ("labels/shape_002.txt", "5 0.5 0.5 0.1 0.1 0.5\n"),
        ("labels/shape_003.txt", "0 0.95 0.5 0.2 0.2 0.5\n"),
        ("labels/nope.txt", "0 0.5 0.5 0.1 0.1 0.5\n"),
    ]);
    let yolo_path = format!("/api/v1/datasets/{ds}/yolo?order={order}&as=suggestions");
    let g = post_bytes(&c, &yolo_path, yolo).await;
    let out = g.ok().clone();
    let s = &out["suggestions"];
    assert_eq!(s["stored"], 1, "{out}");
    // Label files in name order: nope, shape_001, shape_002, shape_003.
    assert_eq!(
        dropped(s),
        drops(&[
            (0, "unknown_item"),
            (2, "unknown_class"),
            (3, "does_not_fit")
        ])
    );
    let got = suggestions(&c, ds, order).await;
    let s1 = &got["shape_001.jpg"];
    assert_eq!(s1["model"], "yolo");
    assert!(s1["model_version"].is_null());
    assert_eq!(s1["score"], 0.42);
    assert_eq!(
        s1["answer"],
        json!({"objects": [{"label": "circle", "x": 192.0, "y": 144.0, "w": 96.0, "h": 72.0},
                           {"label": "square", "x": 96.0, "y": 72.0, "w": 48.0, "h": 36.0}]})
    );
    let g = post_bytes(&c, &yolo_path, b"not a zip".to_vec()).await;
    assert_eq!(g.status.as_u16(), 422, "{}", g.body);

    // CVAT for images 1.1.
    let image = |id: usize, name: &str, shape: &str| {
        format!(r#"<image id="{id}" name="{name}" width="480" height="360">{shape}</image>"#)
    };
    let cvat = format!(
        "<annotations><version>1.1</version>{}{}{}{}</annotations>",
        image(
            0,
            "shape_002.jpg",
            r#"<box label="square" xtl="10" ytl="10" xbr="60" ybr="50" occluded="0"/>"#
        ),
        image(
            1,
            "shape_003.jpg",
            r#"<box label="cow" xtl="10" ytl="10" xbr="60" ybr="50" occluded="0"/>"#
        ),
        image(
            2,
            "shape_000.jpg",
            r#"<box label="circle" xtl="400" ytl="10" xbr="600" ybr="50" occluded="0"/>"#
        ),
        image(3, "nope.jpg", ""),
    );
    let cvat_path = format!(
        "/api/v1/datasets/{ds}/cvat?order={order}&as=suggestions&model=cvat-sam&model_version=2"
    );
    let g = post_bytes(&c, &cvat_path, cvat.into_bytes()).await;
    let out = g.ok().clone();
    let s = &out["suggestions"];
    assert_eq!(s["stored"], 1, "{out}");
    assert_eq!(
        dropped(s),
        drops(&[
            (1, "unknown_class"),
            (2, "does_not_fit"),
            (3, "unknown_item")
        ])
    );
    let got = suggestions(&c, ds, order).await;
    let s2 = &got["shape_002.jpg"];
    assert_eq!(s2["model"], "cvat-sam");
    assert_eq!(s2["model_version"], "2");
    assert!(s2["score"].is_null());
    assert_eq!(
        s2["answer"],
        json!({"objects": [{"label": "square", "x": 10.0, "y": 10.0, "w": 50.0, "h": 40.0}]})
    );
    let g = post_bytes(&c, &cvat_path, b"<x/>".to_vec()).await;
    assert_eq!(g.status.as_u16(), 422, "{}", g.body);

    // JSONL, one line per question of the two, merged (the lowest score kept).
    let body = [
        r#"{"name": "shape_003.jpg", "question": "shape", "answer": "square", "score": 0.7}"#,
        r#"{"name": "shape_003.jpg", "question": "objects", "answer": [{"label": "square", "x": 5, "y": 5, "w": 40, "h": 40}], "score": 0.5}"#,
        r#"{"name": "shape_001.jpg", "question": "colour", "answer": "red"}"#,
    ]
    .join("\n");
    let g = post_jsonl(&c, order, "model=mix&model_version=9", &body).await;
    let out = g.ok().clone();
    assert_eq!(out["stored"], 1, "{out}");
    assert_eq!(dropped(&out), drops(&[(3, "unknown_question")]));
    let got = suggestions(&c, ds, order).await;
    let s3 = &got["shape_003.jpg"];
    assert_eq!(s3["model"], "mix");
    assert_eq!(s3["model_version"], "9");
    assert_eq!(s3["score"], 0.5);
    assert_eq!(
        s3["answer"],
        json!({"shape": "square", "objects": [{"label": "square", "x": 5.0, "y": 5.0, "w": 40.0, "h": 40.0}]})
    );
    // Every garbage file above left what was stored as it was.
    assert_eq!(got.len(), 4);
    assert_eq!(got["shape_000.jpg"]["model"], "det");

    // A COCO results list (a detector's output): pictures by Mudou's ids, the order's
    // categories (its COCO export's numbers: circle 1, square 2).
    let item1 = got["shape_001.jpg"]["item_id"].as_i64().unwrap();
    let results = json!([
        {"image_id": item1, "category_id": 2, "bbox": [1, 2, 30, 30], "score": 0.33},
        {"image_id": item1, "category_id": 1, "bbox": [100, 100, 30, 30], "score": 0.8},
        {"image_id": 999_999_999, "category_id": 1, "bbox": [1, 2, 30, 30], "score": 0.5}]);
    let g = post_bytes(
        &c,
        &format!("/api/v1/datasets/{ds}/coco?order={order}&as=suggestions&model=rt"),
        results.to_string().into_bytes(),
    )
    .await;
    let out = g.ok().clone();
    assert_eq!(out["suggestions"]["stored"], 1, "{out}");
    assert_eq!(dropped(&out["suggestions"]), drops(&[(1, "unknown_item")]));
    let got = suggestions(&c, ds, order).await;
    assert_eq!(got["shape_001.jpg"]["model"], "rt");
    assert_eq!(got["shape_001.jpg"]["score"], 0.33);
    assert_eq!(
        got["shape_001.jpg"]["answer"],
        json!({"objects": [{"label": "square", "x": 1.0, "y": 2.0, "w": 30.0, "h": 30.0},
                           {"label": "circle", "x": 100.0, "y": 100.0, "w": 30.0, "h": 30.0}]})
    );
    // As known answers a results list is refused.
    let g = post_bytes(
        &c,
        &format!("/api/v1/datasets/{ds}/coco?order={order}"),
        results.to_string().into_bytes(),
    )
    .await;
    assert_eq!(g.status.as_u16(), 422, "{}", g.body);
    let metrics = app.metrics().await;
    assert!(
        metrics.contains(
            r#"mudou_suggestions_dropped_total{reason="unknown_class",source="import"} 3"#
        ),
        "{metrics}"
    );

    // Known answers are read as before without ?as.
    let g = post_bytes(
        &c,
        &format!("/api/v1/datasets/{ds}/coco?order={order}"),
        coco.to_string().into_bytes(),
    )
    .await;
    let out = g.ok().clone();
    assert_eq!(out["labelled"], 1, "{out}");
    assert!(out.get("suggestions").is_none());
});

both!(suggestion_imports_are_scoped, |app| {
    let (w, c, ds, order) = setup(&app).await;
    let coco = json!({"images": [{"id": 1, "file_name": "shape_000.jpg"}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 20, 100, 50], "score": 0.9}],
        "categories": [{"id": 1, "name": "circle"}]})
    .to_string();
    let ls = json!([ls_task(
        "shape_000.jpg",
        json!([{"model_version": "m", "result": [choice("circle")]}])
    )])
    .to_string();
    let yolo = zip(&[("labels/shape_000.txt", "0 0.5 0.5 0.2 0.2 0.9\n")]);
    let cvat = r#"<annotations><version>1.1</version><image id="0" name="shape_000.jpg" width="480" height="360"></image></annotations>"#;
    let calls: Vec<(String, Vec<u8>, &str)> = vec![
        (
            format!("/api/v1/datasets/{ds}/coco?order={order}&as=suggestions"),
            coco.into_bytes(),
            "",
        ),
        (
            format!("/api/v1/datasets/{ds}/labelstudio?order={order}&as=suggestions"),
            ls.into_bytes(),
            "application/json",
        ),
        (
            format!("/api/v1/datasets/{ds}/yolo?order={order}&as=suggestions"),
            yolo,
            "",
        ),
        (
            format!("/api/v1/datasets/{ds}/cvat?order={order}&as=suggestions"),
            cvat.as_bytes().to_vec(),
            "",
        ),
    ];
    let other = app.browser();
    other.login("client_b").await.ok();
    let a1 = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;
    let nobody = app.browser();
    for (path, body, ct) in &calls {
        for (who, want) in [(&other, 404), (&a1, 403), (&nobody, 401)] {
            let mut r = who
                .http
                .post(format!("{}{path}", who.url))
                .body(body.clone());
            if !ct.is_empty() {
                r = r.header("content-type", *ct);
            }
            let g = Got::from(r.send().await.unwrap()).await;
            assert_eq!(g.status.as_u16(), want, "{path}: {}", g.body);
        }
    }
    assert!(suggestions(&c, ds, order).await.is_empty());
    // The OpenAPI document names the choice `as` (what the fuzzer and scripts send).
    let doc = c.get("/api/openapi.json").await.ok().clone();
    for f in ["coco", "yolo", "cvat", "labelstudio"] {
        let params = &doc["paths"][format!("/api/v1/datasets/{{id}}/{f}")]["post"]["parameters"];
        assert!(
            params
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["name"] == "as" && p["in"] == "query"),
            "{f}: {params}"
        );
    }
    // The client's own: each stores its one suggestion.
    for (path, body, ct) in &calls {
        let mut r = c.http.post(format!("{}{path}", c.url)).body(body.clone());
        if !ct.is_empty() {
            r = r.header("content-type", *ct);
        }
        let g = Got::from(r.send().await.unwrap()).await;
        assert_eq!(g.ok()["suggestions"]["stored"], 1, "{path}: {}", g.body);
    }
});
