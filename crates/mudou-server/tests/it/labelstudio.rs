//! Label Studio interoperability: configs ↔ templates over HTTP, and a template order's
//! Label Studio export and import (every question, consensus as a prediction, signed media
//! links, merged known answers, empty answers, ambiguous names, any data key).

use std::collections::HashMap;

use bytes::Bytes;
use mudou_app::ingest::{IncomingImage, add_images};
use serde_json::{Value, json};

use crate::{Browser, TestApp, both};

fn shape(file: &str, as_name: &str) -> IncomingImage {
    let dir = format!("{}/../../datasets/shapes", env!("CARGO_MANIFEST_DIR"));
    IncomingImage {
        file_name: as_name.into(),
        tag: String::new(),
        bytes: Bytes::from(std::fs::read(format!("{dir}/{file}")).unwrap()),
        meta: "{}".into(),
        gold: None,
    }
}

async fn client(app: &TestApp, who: &str) -> Browser {
    let c = app.browser();
    c.login(who).await.ok();
    c
}

const CONFIG: &str = r##"<View>
  <Image name="img" value="$image"/>
  <Header value="What shape?"/>
  <Choices name="class" toName="img" choice="single" required="true">
    <Choice value="circle" hotkey="1"/><Choice value="square" hotkey="2"/>
    <Choice value="triangle" hotkey="3"/><Choice value="star" hotkey="4"/>
  </Choices>
  <RectangleLabels name="objects" toName="img">
    <Label value="circle" background="#1e88e5"/><Label value="square"/>
  </RectangleLabels>
  <Choices name="occluded" toName="img" perRegion="true" choice="multiple"><Choice value="Occluded"/></Choices>
</View>"##;

fn template_spec(template: Value) -> Value {
    json!({"name": "LS 模板", "task_type": "template", "template": template,
           "overlap": {"kind": "fixed", "n": 1}, "unit_size": 5, "piece_rate_fen": 10})
}

both!(templates_from_labelstudio_configs, |app| {
    let w = app.world().await;
    let c = client(&app, "client_a").await;
    let g = c
        .post("/api/v1/templates/labelstudio", json!({"config": CONFIG}))
        .await;
    let t = g.ok()["template"].clone();
    let kinds: Vec<&str> = t["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["choice", "boxes"]);
    assert_eq!(t["fields"][0]["name"], "image");
    assert_eq!(
        t["questions"][1]["settings"]["attributes"][0]["key"],
        "occluded"
    );

    // Unsupported tags: 422 listing each.
    let bad = r#"<View><Image name="i" value="$image"/>
        <EllipseLabels name="poly" toName="i"><Label value="a"/></EllipseLabels>
        <Polygon name="kp" toName="i"/></View>"#;
    let g = c
        .post("/api/v1/templates/labelstudio", json!({"config": bad}))
        .await;
    g.refused(mudou_domain::ErrorCode::Validation);
    let list: Vec<(String, String)> = g.body["error"]["unsupported"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["tag"].as_str().unwrap().to_owned(),
                u["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        list,
        [
            ("EllipseLabels".to_owned(), "poly".to_owned()),
            ("Polygon".to_owned(), "kp".to_owned())
        ]
    );
    let message = g.body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("EllipseLabels") && message.contains("\"kp\""),
        "{message}"
    );
    let g = c
        .post("/api/v1/templates/labelstudio", json!({"config": "<View"}))
        .await;
    g.refused(mudou_domain::ErrorCode::Validation);

    // An order's template as a config, which reads back as its template.
    let ds = app.dataset(w.org_a, "形状").await;
    add_images(
        &app.state,
        ds.id,
        vec![shape("shape_000.jpg", "shape_000.jpg")],
    )
    .await
    .unwrap();
    let o = c
        .post(
            "/api/v1/orders",
            json!({"dataset_id": ds.id, "spec": template_spec(t.clone())}),
        )
        .await;
    let order = o.ok()["id"].as_i64().unwrap();
    let r = c
        .http
        .get(format!(
            "{}/api/v1/orders/{order}/labelstudio-config",
            c.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/xml")
    );
    let xml = r.text().await.unwrap();
    assert!(xml.contains(r#"name="objects.occluded""#), "{xml}");
    let back = c
        .post("/api/v1/templates/labelstudio", json!({"config": xml}))
        .await;
    let back = back.ok()["template"].clone();
    assert_eq!(back["questions"], t["questions"], "{xml}");

    // Someone else's order is not found; so is a client's own missing one.
    let other = client(&app, "client_b").await;
    let g = other
        .get(&format!("/api/v1/orders/{order}/labelstudio-config"))
        .await;
    g.refused(mudou_domain::ErrorCode::NotFound);
    let g = c.get("/api/v1/orders/999999/labelstudio-config").await;
    g.refused(mudou_domain::ErrorCode::NotFound);
});

/// Known answers of a dataset's items by file name.
async fn known(c: &Browser, ds: i64) -> HashMap<String, Value> {
    c.get(&format!("/api/v1/datasets/{ds}/items?limit=1000"))
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

both!(labelstudio_template_order_round_trip, |app| {
    let w = app.world().await;
    let ds = app.dataset(w.org_a, "形状").await;
    add_images(
        &app.state,
        ds.id,
        vec![
            shape("shape_000.jpg", "a/pic.jpg"),
            shape("shape_001.jpg", "b/pic.jpg"),
            shape("shape_002.jpg", "shape_002.jpg"),
        ],
    )
    .await
    .unwrap();
    let c = client(&app, "client_a").await;
    let t = c
        .post("/api/v1/templates/labelstudio", json!({"config": CONFIG}))
        .await
        .ok()["template"]
        .clone();
    let o = c
        .post(
            "/api/v1/orders",
            json!({"dataset_id": ds.id, "spec": template_spec(t)}),
        )
        .await;
    let order = o.ok()["id"].as_i64().unwrap();
    c.post(&format!("/api/v1/orders/{order}/publish"), json!({}))
        .await
        .ok();

    // One annotator labels every picture: a circle, occluded; shape_002 with no boxes.
    let no_boxes = c
        .get(&format!("/api/v1/datasets/{}/items?limit=10", ds.id))
        .await
        .ok()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["file_name"] == "shape_002.jpg")
        .unwrap()["id"]
        .clone();
    let b = app.browser();
    b.enrol_as("lead_a").await;
    b.pin(w.ann_a1, "1111").await.ok();
    let mut labelled = 0;
    for _ in 0..5 {
        let next = b.get("/api/v1/work/next").await;
        if next.ok()["status"] != "assigned" {
            break;
        }
        let aid = next.body["assignment"]["id"].as_i64().unwrap();
        for item in next.body["assignment"]["items"].as_array().unwrap() {
            let id = item["item_id"].as_i64().unwrap();
            let objects = if item["item_id"] == no_boxes {
                json!([])
            } else {
                json!([{"label": "circle", "x": 2, "y": 3, "w": 20, "h": 10,
                        "attributes": {"occluded": true}}])
            };
            let body = json!({"client_uuid": uuid::Uuid::new_v4().to_string(),
                "assignment_id": aid, "item_id": id, "duration_ms": 2000,
                "answer": {"class": "circle", "objects": objects}});
            b.post("/api/v1/work/labels", body).await.ok();
            labelled += 1;
        }
        b.post(&format!("/api/v1/work/assignments/{aid}/submit"), json!({}))
            .await
            .ok();
    }
    assert_eq!(labelled, 3);

    let r = c
        .http
        .get(format!(
            "{}/api/v1/orders/{order}/export?format=labelstudio",
            c.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let ls: Value = r.json().await.unwrap();
    let tasks = ls.as_array().unwrap();
    assert_eq!(tasks.len(), 3);
    for task in tasks {
        let p = &task["predictions"][0];
        assert_eq!(p["model_version"], "mudou-consensus", "{task}");
        let result = p["result"].as_array().unwrap();
        let class = result.iter().find(|r| r["from_name"] == "class").unwrap();
        assert_eq!(class["to_name"], "image");
        assert_eq!(class["value"]["choices"], json!(["circle"]));
        let boxes: Vec<&Value> = result
            .iter()
            .filter(|r| r["type"] == "rectanglelabels")
            .collect();
        if task["data"]["file_name"] == "shape_002.jpg" {
            assert!(boxes.is_empty());
        } else {
            assert_eq!(boxes.len(), 1);
            assert_eq!(boxes[0]["from_name"], "objects");
            let attr = result
                .iter()
                .find(|r| r["from_name"] == "objects.occluded")
                .unwrap();
            assert_eq!(
                attr["id"], boxes[0]["id"],
                "the attribute shares its box's id"
            );
        }
        let a = &task["annotations"][0];
        assert!(a["completed_by"].as_str().unwrap().starts_with('w'));
        assert_eq!(a["result"].as_array().unwrap().len(), result.len());
        assert!(task["meta"]["state"].is_string());
    }

    // The pictures' links work without a login, from anywhere, until altered.
    let url = tasks[0]["data"]["image"].as_str().unwrap();
    let anon = reqwest::Client::new();
    let r = anon.get(url).send().await.unwrap();
    assert_eq!(r.status(), 200, "{url}");
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("image/")
    );
    let tampered = url.replace("expires=", "expires=9");
    assert_eq!(anon.get(&tampered).send().await.unwrap().status(), 404);
    let unsigned = url.split("/api/v1/").next().unwrap().to_owned()
        + "/api/v1/media/"
        + url
            .split("/signed-media/")
            .nth(1)
            .unwrap()
            .split('/')
            .next()
            .unwrap()
        + "/screen";
    let r = anon.get(&unsigned).send().await.unwrap();
    assert!(r.status() == 401 || r.status() == 404, "{}", r.status());
    assert!(r.headers().get("access-control-allow-origin").is_none());

    // Import the export with the order's template: each item knows the consensus.
    let g = c
        .post(
            &format!("/api/v1/datasets/{}/labelstudio?order={order}", ds.id),
            ls.clone(),
        )
        .await;
    assert_eq!(g.ok()["labelled"], 3, "{}", g.body);
    let k = known(&c, ds.id).await;
    assert_eq!(k["a/pic.jpg"]["class"], "circle");
    assert_eq!(
        k["a/pic.jpg"]["objects"],
        json!([{"label": "circle", "x": 2.0, "y": 3.0, "w": 20.0, "h": 10.0,
                "attributes": {"occluded": true}}])
    );

    // Another import answering only the class keeps the boxes (merged per question); any
    // data key holds the picture; an empty annotation is "no boxes"; a name two folders
    // share is refused as ambiguous.
    let tasks = json!([
        {"id": 1, "data": {"photo": "https://elsewhere.example/x/a/pic.jpg", "file_name": "a/pic.jpg"},
         "annotations": [{"result": [{"from_name": "class", "to_name": "photo", "type": "choices",
                                      "value": {"choices": ["star"]}}]}]},
        {"id": 2, "data": {"image": "/data/upload/3/1a2b3c4d-pic.jpg"},
         "annotations": [{"result": [{"from_name": "class", "type": "choices", "value": {"choices": ["square"]}}]}]},
    ]);
    let g = c
        .post(&format!("/api/v1/datasets/{}/labelstudio", ds.id), tasks)
        .await;
    let out = g.ok().clone();
    assert_eq!(out["tasks"][0]["outcome"], "labelled", "{out}");
    assert_eq!(out["tasks"][1]["outcome"], "skipped", "{out}");
    let why = out["tasks"][1]["reason"].as_str().unwrap();
    assert!(
        why.contains("ambiguous") && why.contains("a/pic.jpg") && why.contains("b/pic.jpg"),
        "{why}"
    );
    let k = known(&c, ds.id).await;
    assert_eq!(k["a/pic.jpg"]["class"], "star");
    assert_eq!(
        k["a/pic.jpg"]["objects"].as_array().unwrap().len(),
        1,
        "kept"
    );
    assert_eq!(
        k["b/pic.jpg"]["class"], "circle",
        "the ambiguous task changed nothing"
    );

    let empty = json!([{"data": {"image": "b/pic.jpg", "file_name": "b/pic.jpg"}, "annotations": [{"result": []}]}]);
    let g = c
        .post(
            &format!("/api/v1/datasets/{}/labelstudio?order={order}", ds.id),
            empty,
        )
        .await;
    assert_eq!(g.ok()["labelled"], 1, "{}", g.body);
    let k = known(&c, ds.id).await;
    assert_eq!(k["b/pic.jpg"]["objects"], json!([]), "no boxes");
    assert_eq!(k["b/pic.jpg"]["class"], "circle", "kept");

    // The order must be the caller's and on this dataset.
    let other = client(&app, "client_b").await;
    let g = other
        .post(
            &format!("/api/v1/datasets/{}/labelstudio", ds.id),
            json!([]),
        )
        .await;
    g.refused(mudou_domain::ErrorCode::NotFound);
    let ds2 = app.dataset(w.org_a, "别的").await;
    let g = c
        .post(
            &format!("/api/v1/datasets/{}/labelstudio?order={order}", ds2.id),
            json!([]),
        )
        .await;
    g.refused(mudou_domain::ErrorCode::Validation);
});

/// A config of Label Studio's own template gallery (vendored with the domain's tests).
fn gallery(path: &str) -> String {
    let file = format!(
        "{}/../mudou-domain/tests/fixtures/labelstudio-gallery/{path}/config.yml",
        env!("CARGO_MANIFEST_DIR")
    );
    let yml = std::fs::read_to_string(&file).unwrap();
    let start = yml.find("config: |").expect("a config block") + "config: |".len();
    // The block is the indented lines after `config: |`.
    yml[start..]
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with("  ") || l.trim().is_empty())
        .map(|l| l.strip_prefix("  ").unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
}

both!(
    gallery_configs_are_labelled_and_go_back_to_label_studio,
    |app| {
        let w = app.world().await;
        let c = client(&app, "client_a").await;
        for path in [
            "computer-vision/image-classification",
            "computer-vision/object-detection-with-bounding-boxes",
        ] {
            let ds = app.dataset(w.org_a, path).await;
            add_images(
                &app.state,
                ds.id,
                vec![
                    shape("shape_000.jpg", "one.jpg"),
                    shape("shape_001.jpg", "two.jpg"),
                ],
            )
            .await
            .unwrap();
            let g = c
                .post(
                    "/api/v1/templates/labelstudio",
                    json!({"config": gallery(path)}),
                )
                .await;
            let t = g.ok()["template"].clone();
            let q = t["questions"][0].clone();
            let option = q["options"][0]["key"].as_str().unwrap().to_owned();
            let o = c
                .post(
                    "/api/v1/orders",
                    json!({"dataset_id": ds.id, "spec": template_spec(t.clone())}),
                )
                .await;
            let order = o.ok()["id"].as_i64().unwrap();
            c.post(&format!("/api/v1/orders/{order}/publish"), json!({}))
                .await
                .ok();

            // Labelled in Mudou like any template order.
            let b = app.browser();
            b.enrol_as("lead_a").await;
            b.pin(w.ann_a1, "1111").await.ok();
            let next = b.get("/api/v1/work/next").await;
            let aid = next.ok()["assignment"]["id"].as_i64().unwrap();
            for item in next.body["assignment"]["items"].as_array().unwrap() {
                let value = if q["kind"] == "boxes" {
                    json!([{"label": option, "x": 4, "y": 5, "w": 20, "h": 10}])
                } else {
                    json!(option)
                };
                let body = json!({"client_uuid": uuid::Uuid::new_v4().to_string(),
                "assignment_id": aid, "item_id": item["item_id"], "duration_ms": 2000,
                "answer": {(q["key"].as_str().unwrap()): value}});
                let r = b.post("/api/v1/work/labels", body).await;
                assert!(r.status.is_success(), "{path}: {t} {}", r.body);
            }
            b.post(&format!("/api/v1/work/assignments/{aid}/submit"), json!({}))
                .await
                .ok();

            // The export speaks the config Label Studio gets for the order: every result's
            // names are the config's tags, every value one of its options.
            let xml = c
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
            let ls: Value = c
                .http
                .get(format!(
                    "{}/api/v1/orders/{order}/export?format=labelstudio",
                    c.url
                ))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let tasks = ls.as_array().unwrap();
            assert_eq!(tasks.len(), 2, "{path}");
            for task in tasks {
                let result = task["predictions"][0]["result"].as_array().unwrap();
                assert!(!result.is_empty(), "{path}: {task}");
                for r in result {
                    for name in ["from_name", "to_name"] {
                        let n = r[name].as_str().unwrap();
                        assert!(
                            xml.contains(&format!("name=\"{n}\"")),
                            "{path}: {n} in {xml}"
                        );
                    }
                    let values = r["value"]["choices"]
                        .as_array()
                        .or(r["value"]["rectanglelabels"].as_array())
                        .unwrap();
                    for v in values {
                        let v = v.as_str().unwrap();
                        assert!(
                            xml.contains(&format!("alias=\"{v}\""))
                                || xml.contains(&format!("value=\"{v}\"")),
                            "{path}: {v} in {xml}"
                        );
                    }
                }
                assert!(
                    task["data"][t["fields"][0]["name"].as_str().unwrap()].is_string(),
                    "{task}"
                );
            }
            // And back into Mudou: the dataset knows the answers.
            let g = c
                .post(
                    &format!("/api/v1/datasets/{}/labelstudio?order={order}", ds.id),
                    ls,
                )
                .await;
            assert_eq!(g.ok()["labelled"], 2, "{path}: {}", g.body);
            let k = known(&c, ds.id).await;
            assert!(
                k.values()
                    .all(|a| a.get(q["key"].as_str().unwrap()).is_some()),
                "{path}: {k:?}"
            );
        }
    }
);

/// A template with every drawn kind beyond boxes on one picture (the polyline: Label Studio
/// has no line tag).
fn drawings() -> Value {
    json!({
        "fields": [{"name": "image", "kind": "image", "title_zh": "照片"}],
        "questions": [
            {"key": "area", "kind": "polygon", "title_zh": "圈出区域", "field": "image",
             "options": [{"key": "road", "name_zh": "路"}, {"key": "grass", "name_zh": "草"}],
             "settings": {"attributes": [{"key": "wet", "name_zh": "湿"}]}},
            {"key": "pose", "kind": "keypoints", "title_zh": "关键点", "field": "image", "required": false,
             "options": [{"key": "person", "name_zh": "人"}],
             "settings": {"skeleton": {"points": [
                 {"key": "nose", "name_zh": "鼻子", "sigma": 0.05},
                 {"key": "l_eye", "name_zh": "左眼", "sigma": 0.05},
                 {"key": "r_eye", "name_zh": "右眼", "sigma": 0.05}], "edges": [[0, 1], [0, 2]]}}},
            {"key": "paint", "kind": "mask", "title_zh": "涂出", "field": "image", "required": false,
             "options": [{"key": "lesion", "name_zh": "病变"}]},
            {"key": "ships", "kind": "rotated_box", "title_zh": "船", "field": "image", "required": false,
             "options": [{"key": "ship", "name_zh": "船"}]},
            {"key": "lanes", "kind": "polyline", "title_zh": "车道线", "field": "image", "required": false,
             "options": [{"key": "lane", "name_zh": "车道"}]}
        ]
    })
}

/// A 480×360 mask (the shapes' size) of a disc, as COCO's compressed RLE.
fn disc(cx: i32, cy: i32, r: i32) -> Value {
    let (w, h) = (480u32, 360u32);
    let pixels: Vec<u8> = (0..h as i32)
        .flat_map(|y| (0..w as i32).map(move |x| (x, y)))
        .map(|(x, y)| u8::from((x - cx).pow(2) + (y - cy).pow(2) < r * r))
        .collect();
    let m = mudou_consensus::shapes::Rle::encode(h, w, &pixels).unwrap();
    json!({"size": [h, w], "counts": m.to_compressed()})
}

/// Whether two answers are equal within percent rounding (0.01 px, 0.0001°).
fn close(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            (x.as_f64().unwrap() - y.as_f64().unwrap()).abs() <= 0.011
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| close(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| close(v, w)))
        }
        _ => a == b,
    }
}

both!(labelstudio_drawn_kinds_round_trip, |app| {
    let w = app.world().await;
    let ds = app.dataset(w.org_a, "形状").await;
    add_images(
        &app.state,
        ds.id,
        vec![
            shape("shape_000.jpg", "p0.jpg"),
            shape("shape_001.jpg", "p1.jpg"),
        ],
    )
    .await
    .unwrap();
    let c = client(&app, "client_a").await;
    let o = c
        .post(
            "/api/v1/orders",
            json!({"dataset_id": ds.id, "spec": template_spec(drawings())}),
        )
        .await;
    let order = o.ok()["id"].as_i64().unwrap();
    c.post(&format!("/api/v1/orders/{order}/publish"), json!({}))
        .await
        .ok();
    let answers: HashMap<&str, Value> = HashMap::from([
        (
            "p0.jpg",
            json!({
                "area": [{"label": "road", "points": [[10.0, 10.0], [150.5, 12.25], [80.0, 90.0]],
                          "attributes": {"wet": true}},
                         {"label": "grass", "points": [[200.0, 100.0], [479.0, 100.0], [300.0, 359.0]],
                          "attributes": {"wet": false}}],
                "pose": [{"label": "person", "points": [[20.0, 30.0, 2], [0, 0, 0], [40.5, 31.0, 1]]},
                         {"label": "person", "points": [[320.0, 30.0, 2], [330.0, 28.0, 2], [310.0, 28.0, 2]]}],
                "paint": [{"label": "lesion", "rle": disc(100, 200, 30)},
                          {"label": "lesion", "rle": disc(400, 300, 12)}],
                "ships": [{"label": "ship", "cx": 240.0, "cy": 180.0, "w": 60.0, "h": 20.0, "angle": 30.0},
                          {"label": "ship", "cx": 100.25, "cy": 300.5, "w": 30.0, "h": 10.0, "angle": -135.5}],
                "lanes": [{"label": "lane", "points": [[1.0, 1.0], [50.0, 50.0]]}]
            }),
        ),
        (
            "p1.jpg",
            json!({"area": [{"label": "road", "points": [[0.0, 0.0], [480.0, 0.0], [480.0, 360.0], [0.0, 360.0]],
                             "attributes": {"wet": false}}],
                   "paint": [], "ships": []}),
        ),
    ]);
    let ids: HashMap<String, i64> = c
        .get(&format!("/api/v1/datasets/{}/items?limit=10", ds.id))
        .await
        .ok()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["file_name"].as_str().unwrap().to_owned(),
                i["id"].as_i64().unwrap(),
            )
        })
        .collect();
    let b = app.browser();
    b.enrol_as("lead_a").await;
    b.pin(w.ann_a1, "1111").await.ok();
    let mut labelled = 0;
    for _ in 0..5 {
        let next = b.get("/api/v1/work/next").await;
        if next.ok()["status"] != "assigned" {
            break;
        }
        let aid = next.body["assignment"]["id"].as_i64().unwrap();
        for item in next.body["assignment"]["items"].as_array().unwrap() {
            let id = item["item_id"].as_i64().unwrap();
            let name = ids.iter().find(|(_, v)| **v == id).unwrap().0.clone();
            let body = json!({"client_uuid": uuid::Uuid::new_v4().to_string(),
                "assignment_id": aid, "item_id": id, "duration_ms": 2000,
                "answer": answers[name.as_str()]});
            b.post("/api/v1/work/labels", body).await.ok();
            labelled += 1;
        }
        b.post(&format!("/api/v1/work/assignments/{aid}/submit"), json!({}))
            .await
            .ok();
    }
    assert_eq!(labelled, 2);

    let r = c
        .http
        .get(format!(
            "{}/api/v1/orders/{order}/export?format=labelstudio&include=all",
            c.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let ls: Value = r.json().await.unwrap();
    let tasks = ls.as_array().unwrap();
    assert_eq!(tasks.len(), 2);
    for task in tasks {
        let result = task["predictions"][0]["result"].as_array().unwrap();
        assert!(result.iter().all(|r| r["from_name"] != "lanes"), "{task}");
        assert_eq!(
            task["meta"]["left_out"],
            json!(["lanes (polyline: Label Studio has no line tag)"])
        );
        if task["data"]["file_name"] == "p0.jpg" {
            let types: Vec<&str> = result.iter().map(|r| r["type"].as_str().unwrap()).collect();
            for t in [
                "polygonlabels",
                "keypointlabels",
                "brushlabels",
                "rectanglelabels",
                "choices",
            ] {
                assert!(types.contains(&t), "{t}: {types:?}");
            }
            assert_eq!(
                task["annotations"][0]["result"].as_array().unwrap().len(),
                result.len()
            );
        }
    }
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

    // Label Studio's own tools read it: its decode_rle gives our masks, its COCO converters
    // our polygons, rotated boxes and brushes.
    let ok = std::process::Command::new("python3")
        .args([
            "-c",
            "import label_studio_sdk.converter.brush, pycocotools.mask",
        ])
        .output()
        .is_ok_and(|o| o.status.success());
    // `.ci/run` installs them: missing is a failure, not a pass.
    assert!(
        ok,
        "label-studio-sdk/pycocotools are missing (python3 -m pip install label-studio-sdk pycocotools)"
    );
    let dir = tempfile::tempdir().unwrap();
    let (e, x, a) = (
        dir.path().join("export.json"),
        dir.path().join("config.xml"),
        dir.path().join("answers.json"),
    );
    std::fs::write(&e, ls.to_string()).unwrap();
    std::fs::write(&x, &config).unwrap();
    std::fs::write(&a, json!(answers).to_string()).unwrap();
    let out = std::process::Command::new("python3")
        .arg(format!(
            "{}/tests/data/ls_shapes_check.py",
            env!("CARGO_MANIFEST_DIR")
        ))
        .args([&e, &x, &a, &dir.path().to_path_buf()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        summary,
        json!({"brushes": 2, "polygons": 3, "rotated": 2, "brush_coco": 2})
    );

    // Imported again: the known answers are the answers (the polyline left out).
    let g = c
        .post(
            &format!("/api/v1/datasets/{}/labelstudio?order={order}", ds.id),
            ls.clone(),
        )
        .await;
    assert_eq!(g.ok()["labelled"], 2, "{}", g.body);
    let k = known(&c, ds.id).await;
    for (name, want) in &answers {
        let mut want = want.clone();
        want.as_object_mut().unwrap().remove("lanes");
        if want["pose"].is_null() {
            // p1 answers no keypoints: nothing drawn, written as no results.
            want["pose"] = json!([]);
        }
        let got = &k[*name];
        // A question answered with nothing has no results; read back as not answered.
        let got: Value = got
            .as_object()
            .unwrap()
            .iter()
            .filter(|(_, v)| !v.as_array().is_some_and(Vec::is_empty))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let want: Value = want
            .as_object()
            .unwrap()
            .iter()
            .filter(|(_, v)| !v.as_array().is_some_and(Vec::is_empty))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        assert!(close(&got, &want), "{name}:\n{got:#}\n{want:#}");
    }

    // Bad regions: each task skipped whole with its reason, nothing stored.
    let before = known(&c, ds.id).await;
    let region = |ty: &str, from: &str, value: Value| {
        json!({"id": "r1", "from_name": from, "to_name": "image", "type": ty,
               "original_width": 480, "original_height": 360, "value": value})
    };
    let good = region(
        "polygonlabels",
        "area",
        json!({"points": [[1, 1], [50, 1], [20, 40]], "polygonlabels": ["grass"]}),
    );
    let bad = [
        (
            region(
                "polygonlabels",
                "area",
                json!({"points": [[1, 1], [5, 5]], "polygonlabels": ["road"]}),
            ),
            "at least 3 points",
        ),
        (
            region(
                "keypointlabels",
                "pose",
                json!({"x": 101, "y": 5, "width": 1, "keypointlabels": ["person:nose"]}),
            ),
            "outside 0–100 %",
        ),
        (
            region(
                "brushlabels",
                "paint",
                json!({"format": "rle", "brushlabels": ["lesion"],
            "rle": mudou_domain::labelstudio::brush::encode(&vec![255u8; 4 * 100])}),
            ),
            "the picture's RGBA has 691200",
        ),
        (
            region(
                "rectanglelabels",
                "ships",
                json!({"x": 1, "y": 1, "width": 5, "height": 5, "rotation": 10, "rectanglelabels": ["boat"]}),
            ),
            "not one of its classes",
        ),
        (
            region(
                "polygonlabels",
                "area",
                json!({"points": [[1, 1], [50, 50], [50, 1], [1, 50]], "polygonlabels": ["road"]}),
            ),
            "cross",
        ),
    ];
    let list: Vec<Value> = bad
        .iter()
        .map(|(r, _)| {
            json!({"data": {"image": "p0.jpg"}, "annotations": [{"result": [good.clone(), r.clone()]}]})
        })
        .collect();
    let g = c
        .post(
            &format!("/api/v1/datasets/{}/labelstudio?order={order}", ds.id),
            json!(list),
        )
        .await;
    let out = g.ok().clone();
    assert_eq!(out["skipped"], bad.len(), "{out}");
    for (i, (_, why)) in bad.iter().enumerate() {
        let reason = out["tasks"][i]["reason"].as_str().unwrap();
        assert!(reason.contains(why), "{i}: {reason} ({why})");
    }
    assert_eq!(known(&c, ds.id).await, before, "nothing stored");
});
