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
        <PolygonLabels name="poly" toName="i"><Label value="a"/></PolygonLabels>
        <KeyPointLabels name="kp" toName="i"><Label value="b"/></KeyPointLabels></View>"#;
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
            ("PolygonLabels".to_owned(), "poly".to_owned()),
            ("KeyPointLabels".to_owned(), "kp".to_owned())
        ]
    );
    let message = g.body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("PolygonLabels") && message.contains("\"kp\""),
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
