//! Template orders ("orders of any shape") end to end over HTTP: several questions per
//! item with a condition, each kind of question (choice, multiple choice, rating, number,
//! free text, boxes with attributes), consensus per question, review, gold, pay and the
//! exports.

use std::collections::HashMap;

use mudou_domain::ErrorCode;
use serde_json::{Value, json};

use crate::work::{annotator_browser, order};
use crate::{Browser, both};

fn option(key: &str, hot: Option<char>) -> Value {
    json!({"key": key, "name_zh": key, "name_en": key, "hotkey": hot.map(String::from)})
}

/// The shapes as a template: the main shape; its points when it is a star; how clear the
/// picture is; its colour in words; what else is in it; boxes with two attributes.
pub(crate) fn form_spec(overlap: Value) -> Value {
    let shapes = ["circle", "square", "triangle", "star"];
    let classes: Vec<Value> = shapes
        .iter()
        .zip(['1', '2', '3', '4'])
        .map(|(k, h)| option(k, Some(h)))
        .collect();
    let boxes: Vec<Value> = shapes.iter().map(|k| option(k, None)).collect();
    let steps: Vec<Value> = ["s1", "s2", "s3", "s4", "s5"]
        .iter()
        .map(|k| option(k, None))
        .collect();
    json!({
        "name": "形状细看",
        "task_type": "template",
        "template": {
            "fields": [{"name": "image", "kind": "image"}],
            "questions": [
                {"key": "label", "kind": "choice", "title_zh": "形状", "field": "image",
                 "options": classes},
                {"key": "points", "kind": "number", "title_zh": "几个角",
                 "when": {"question": "label", "any_of": ["star"]},
                 "settings": {"min": 3, "max": 12, "step": 1, "unit": "个"}},
                {"key": "clear", "kind": "rating", "title_zh": "清楚吗", "settings": {"tolerance": 1},
                 "options": steps},
                {"key": "colour", "kind": "text", "title_zh": "颜色", "settings": {"max_chars": 6}},
                {"key": "more", "kind": "multi_choice", "title_zh": "还有", "required": false,
                 "options": [option("text", Some('q')), option("frame", Some('w'))]},
                {"key": "shapes", "kind": "boxes", "title_zh": "框", "field": "image", "required": false,
                 "options": boxes,
                 "settings": {"attributes": [
                    {"key": "edge", "name_zh": "碰边"},
                    {"key": "fill", "name_zh": "填充", "options": [option("solid", None), option("hollow", None)]}]}}
            ]
        },
        "overlap": overlap,
        "max_gold_items": 0,
        "unit_size": 4,
        "piece_rate_fen": 10,
        "box_rate_fen": 3
    })
}

async fn take(b: &Browser) -> (i64, Vec<i64>, Value) {
    let next = b.get("/api/v1/work/next").await;
    assert_eq!(next.ok()["status"], "assigned", "{}", next.body);
    let asg = next.body["assignment"].clone();
    let items = asg["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["item_id"].as_i64().unwrap())
        .collect();
    (asg["id"].as_i64().unwrap(), items, asg)
}

async fn give(b: &Browser, aid: i64, item: i64, answer: Value) -> crate::Got {
    crate::work::give_label(b, aid, item, answer, 2500).await
}

async fn download(c: &Browser, order: i64, query: &str) -> String {
    let r = c
        .http
        .get(format!("{}/api/v1/orders/{order}/export?{query}", c.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "{query}");
    r.text().await.unwrap()
}

fn a_box(x: f64, edge: bool, fill: &str) -> Value {
    json!({"label": "circle", "x": x, "y": 10, "w": 30, "h": 30,
           "attributes": {"edge": edge, "fill": fill}})
}

both!(a_template_order_goes_from_publish_to_export, |app| {
    let w = app.world().await;
    let order_id = order(&app, &w, 4, form_spec(json!({"kind": "fixed", "n": 2}))).await;
    let a1 = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;
    let a2 = annotator_browser(&app, w.ann_a2, "2222", "lead_a").await;
    let (aid1, items, asg) = take(&a1).await;
    assert_eq!(asg["order"]["task_type"], "template");
    let questions: Vec<&str> = asg["order"]["template"]["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        questions,
        ["label", "points", "clear", "colour", "more", "shapes"]
    );
    let (aid2, mut items2, _) = take(&a2).await;
    let mut sorted = items.clone();
    sorted.sort_unstable();
    items2.sort_unstable();
    assert_eq!(sorted, items2, "the same unit, two people");

    // Refused answers store nothing and name the question.
    let base = json!({"label": "circle", "clear": 4, "colour": "红色"});
    let bad = |f: &dyn Fn(&mut Value)| {
        let mut v = base.clone();
        f(&mut v);
        v
    };
    for (answer, path) in [
        (
            bad(&|v| {
                v.as_object_mut()
                    .unwrap()
                    .remove("clear")
                    .map(|_| ())
                    .unwrap()
            }),
            "answer.clear",
        ),
        (bad(&|v| v["clear"] = json!(6)), "answer.clear"),
        (bad(&|v| v["points"] = json!(5)), "answer.points"),
        (
            bad(&|v| {
                v["label"] = json!("star");
                v["points"] = json!(13)
            }),
            "answer.points",
        ),
        (
            bad(&|v| v["colour"] = json!("红红红红红红红")),
            "answer.colour",
        ),
        (bad(&|v| v["size"] = json!(1)), "answer.size"),
        (
            bad(&|v| {
                v["shapes"] = json!([{"label": "circle", "x": 1, "y": 1, "w": 10, "h": 10,
                                          "attributes": {"fill": "striped"}}])
            }),
            "answer.shapes",
        ),
        (
            bad(&|v| {
                v["shapes"] = json!([{"label": "circle", "x": 1, "y": 1, "w": 5000, "h": 10}])
            }),
            "answer.shapes",
        ),
    ] {
        let r = give(&a1, aid1, items[0], answer.clone()).await;
        r.refused(ErrorCode::Validation);
        assert_eq!(r.body["error"]["field"], path, "{answer} {}", r.body);
    }
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

    // Item 0: both agree (the text only after normalising; the ratings a step apart).
    let full = |clear: i64, colour: &str, x: f64, edge: bool| {
        json!({"label": "circle", "clear": clear, "colour": colour, "more": ["frame"],
               "shapes": [a_box(x, edge, "solid")]})
    };
    assert_eq!(
        give(&a1, aid1, items[0], full(4, "红 色", 10.0, true))
            .await
            .ok()["status"],
        "stored"
    );
    give(&a2, aid2, items[0], full(5, "红色。", 11.0, true))
        .await
        .ok();
    // Item 1: the colour (required) disagrees: the item goes to a lead.
    give(&a1, aid1, items[1], full(3, "红色", 10.0, false))
        .await
        .ok();
    give(&a2, aid2, items[1], full(3, "蓝色", 10.0, false))
        .await
        .ok();
    // Item 2: a star, with its points; the optional questions left out.
    let star = |points: i64| json!({"label": "star", "points": points, "clear": 2, "colour": "黄"});
    give(&a1, aid1, items[2], star(5)).await.ok();
    give(&a2, aid2, items[2], star(5)).await.ok();

    let c = app.browser();
    c.login("client_a").await.ok();
    let lines: Vec<Value> = download(&c, order_id, "format=jsonl")
        .await
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let by_item: HashMap<i64, &Value> = lines
        .iter()
        .map(|l| (l["item_id"].as_i64().unwrap(), l))
        .collect();
    let agreed = by_item[&items[0]];
    assert_eq!(agreed["state"], "resolved", "{agreed}");
    let a = &agreed["answer"];
    assert_eq!(
        (&a["label"], &a["clear"], &a["more"]),
        (&json!("circle"), &json!(4), &json!(["frame"])),
        "{a}"
    );
    assert_eq!(a["colour"], "红 色", "the first of the agreeing texts");
    assert_eq!(a["shapes"].as_array().unwrap().len(), 1);
    assert_eq!(
        a["shapes"][0]["attributes"],
        json!({"edge": true, "fill": "solid"})
    );
    assert!(a.get("points").is_none(), "not asked: not a circle");
    assert_eq!(
        by_item[&items[1]]["state"], "escalated",
        "{}",
        by_item[&items[1]]
    );
    let starred = by_item[&items[2]];
    assert_eq!(starred["state"], "resolved");
    assert_eq!(starred["answer"]["points"], 5);
    assert_eq!(by_item[&items[3]]["state"], "open");

    // The lead sees the disputed item with the template and every answer, and overrides
    // it question by question (the answer is checked like an annotator's).
    let lead = app.browser();
    lead.login("lead_a").await.ok();
    let q = lead
        .get(&format!("/api/v1/lead/review?order_id={order_id}"))
        .await;
    let queued = q.ok()["items"].as_array().unwrap();
    let disputed = queued
        .iter()
        .find(|i| i["item_id"] == items[1])
        .expect("the disputed item waits for review");
    let answers: Vec<&str> = disputed["answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["answer"]["colour"].as_str().unwrap())
        .collect();
    assert_eq!(answers.len(), 2);
    assert!(answers.contains(&"红色") && answers.contains(&"蓝色"));
    assert_eq!(
        q.body["orders"][0]["template"]["questions"][3]["key"],
        "colour"
    );
    let decide = format!("/api/v1/lead/review/{order_id}/items/{}/decision", items[1]);
    lead.post(
        &decide,
        json!({"decision": "override", "answer": {"label": "circle"}}),
    )
    .await
    .refused(ErrorCode::Validation);
    let d = lead
        .post(
            &decide,
            json!({"decision": "override",
            "answer": {"label": "circle", "clear": 3, "colour": "红色", "shapes": []}}),
        )
        .await;
    assert_eq!(d.ok()["answer"]["colour"], "红色", "{}", d.body);

    // CSV: a column per field (the picture's file) and per question.
    let text = download(&c, order_id, "format=csv").await;
    let mut r = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let head: Vec<String> = r.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(
        head,
        [
            "item_id",
            "file_name",
            "tag",
            "state",
            "field.image",
            "label",
            "points",
            "clear",
            "colour",
            "more",
            "shapes",
            "confidence",
            "labels"
        ]
    );
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    let row = rows.iter().find(|r| r[0] == items[2].to_string()).unwrap();
    assert_eq!(
        (&row[5], &row[6], &row[7], &row[8]),
        ("star", "5", "2", "黄")
    );
    assert!(row[4].ends_with(".jpg"), "{row:?}");
    let row = rows.iter().find(|r| r[0] == items[0].to_string()).unwrap();
    assert_eq!(&row[9], "frame");

    // COCO: the boxes question's classes and each object's attributes.
    let coco: Value = serde_json::from_str(&download(&c, order_id, "format=coco").await).unwrap();
    assert_eq!(coco["categories"].as_array().unwrap().len(), 4);
    let ann = coco["annotations"].as_array().unwrap();
    assert!(
        ann.iter()
            .any(|a| a["attributes"] == json!({"edge": true, "fill": "solid"})),
        "{ann:?}"
    );

    // Pay: an agreeing label earns the piece rate and its boxes on top (10 + 3 fen); the
    // star without boxes the piece rate; the disputed item nothing for a1 (the lead's answer
    // has no boxes, a1 drew one).
    let e = a1.get("/api/v1/me/earnings").await;
    assert_eq!(e.ok()["today_fen"], 23, "{}", e.body);

    // The quality report: each question's agreement with its own metric, and the batch
    // consensus beside the live one.
    let report = c.get(&format!("/api/v1/orders/{order_id}/quality")).await;
    let questions = report.ok()["questions"].as_array().unwrap();
    let by_key: HashMap<&str, &Value> = questions
        .iter()
        .map(|q| (q["key"].as_str().unwrap(), q))
        .collect();
    assert_eq!(by_key["clear"]["kind"], "rating");
    assert_eq!(
        by_key["label"]["answers"],
        6,
        "{report:?}",
        report = report.body
    );
    assert_eq!(by_key["label"]["items_compared"], 3);
    assert_eq!(
        by_key["label"]["krippendorff_alpha"], 1.0,
        "all agreed on the shape"
    );
    assert!(by_key["label"]["batch_confidence"].as_f64().unwrap() > 0.5);
    assert_eq!(by_key["label"]["batch_differs"], 0);
    assert!(by_key["colour"]["krippendorff_alpha"].as_f64().unwrap() < 1.0);

    // Another organisation's client cannot read it.
    let other = app.browser();
    other.login("client_b").await.ok();
    let r = other
        .http
        .get(format!(
            "{}/api/v1/orders/{order_id}/export?format=csv",
            other.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
});

both!(a_broken_template_is_refused_by_its_path, |app| {
    let w = app.world().await;
    let ds = app.dataset(w.org_a, "d").await;
    let c = app.browser();
    c.login("client_a").await.ok();
    type Breaker = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(Breaker, &str)> = vec![
        (
            Box::new(|s| s["template"]["questions"][2]["kind"] = json!("essay")),
            "template.questions[2].kind",
        ),
        (
            Box::new(|s| s["template"]["questions"][0]["field"] = json!("photo")),
            "template.questions[0].field",
        ),
        (
            Box::new(|s| s["template"]["questions"][4]["options"][0]["hotkey"] = json!("1")),
            "template.questions[4].options[0].hotkey",
        ),
        (
            Box::new(|s| s["template"]["questions"][1]["when"]["question"] = json!("clear")),
            "template.questions[1].when.question",
        ),
        (
            Box::new(|s| s["template"]["questions"][0]["options"] = json!([])),
            "template.questions[0].options",
        ),
        (
            Box::new(|s| s["template"]["questions"][3]["settings"]["max_chars"] = json!(0)),
            "template.questions[3].settings",
        ),
        (
            Box::new(|s| {
                s["template"].as_object_mut().unwrap().remove("questions");
            }),
            "spec",
        ),
        (
            Box::new(
                |s| s["labels"] = json!([{"key": "a", "name_zh": "a", "name_en": "a", "colour": "#000000", "hotkey": null}]),
            ),
            "labels",
        ),
        (
            Box::new(|s| {
                s.as_object_mut().unwrap().remove("template");
            }),
            "template",
        ),
    ];
    for (f, path) in cases {
        let mut spec = form_spec(json!({"kind": "fixed", "n": 1}));
        f(&mut spec);
        let r = c
            .post("/api/v1/orders", json!({"dataset_id": ds.id, "spec": spec}))
            .await;
        assert_eq!(r.status.as_u16(), 422, "{path}: {}", r.body);
        if path != "spec" {
            assert_eq!(r.body["error"]["field"], path, "{}", r.body);
        }
    }
});

both!(template_gold_is_checked_question_by_question, |app| {
    let w = app.world().await;
    let mut spec = form_spec(json!({"kind": "fixed", "n": 1}));
    spec["name"] = json!("形状练习");
    spec["unit_size"] = json!(3);
    spec["training"] = json!({"pass_share": 0.6});
    let ds = app.dataset(w.org_a, "gold").await;
    let dir = format!("{}/../../datasets/shapes", env!("CARGO_MANIFEST_DIR"));
    let files = (0..3)
        .map(|i| mudou_app::ingest::IncomingImage {
            file_name: format!("shape_{i:03}.jpg"),
            tag: String::new(),
            bytes: bytes::Bytes::from(std::fs::read(format!("{dir}/shape_{i:03}.jpg")).unwrap()),
            meta: "{}".into(),
            // A manifest's known answer in the old shape: its `label` is the template's
            // `label` question; `boxes` answers no question and is left out.
            gold: Some(json!({"label": "circle", "boxes": []}).to_string()),
        })
        .collect();
    mudou_app::ingest::add_images(&app.state, ds.id, files)
        .await
        .unwrap();
    let c = app.browser();
    c.login("client_a").await.ok();
    let id = c
        .post("/api/v1/orders", json!({"dataset_id": ds.id, "spec": spec}))
        .await
        .ok()["id"]
        .as_i64()
        .unwrap();
    // Typed-in gold may answer a few questions; a wrong shape of answer is refused.
    let item = c
        .get(&format!("/api/v1/datasets/{}/items", ds.id))
        .await
        .ok()["items"][0]["id"]
        .as_i64()
        .unwrap();
    let put = |answer: Value| {
        let c = &c;
        async move {
            c.http
                .put(format!("{}/api/v1/orders/{id}/gold/{item}", c.url))
                .json(&json!({"answer": answer}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(put(json!({"label": "circle", "colour": "red"})).await, 204);
    assert_eq!(put(json!({"clear": 9})).await, 422);
    assert_eq!(put(json!({"size": 1})).await, 422);
    c.post(&format!("/api/v1/orders/{id}/publish"), json!({}))
        .await
        .ok();

    let a = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;
    let (aid, items, asg) = take(&a).await;
    assert_eq!(asg["training"], true);
    for (k, item) in items.iter().enumerate() {
        let answer = match k {
            // Right on what gold knows (the colour only in another width and case).
            0 => json!({"label": "circle", "clear": 1, "colour": "RED"}),
            1 => json!({"label": "square", "clear": 5, "colour": "red"}),
            _ => json!({"label": "circle", "clear": 5, "colour": "red"}),
        };
        let r = give(&a, aid, *item, answer).await;
        assert_eq!(r.ok()["feedback"]["correct"], k != 1, "{}", r.body);
        assert_eq!(r.body["feedback"]["answer"]["label"], "circle");
    }
});
