//! Drawing beyond boxes over HTTP: a template order with a polygon and a keypoints question
//! on the shapes pictures (480 × 360); bad drawings refused by their question with nothing
//! stored; two annotators' shapes matched and merged into the settled answer; pay per object
//! on top of the piece rate, up to the cap.

use std::collections::HashMap;

use mudou_domain::ErrorCode;
use serde_json::{Value, json};

use crate::work::{annotator_browser, order, take};
use crate::{Browser, both};

fn option(key: &str) -> Value {
    json!({"key": key, "name_zh": key, "name_en": key})
}

fn spec() -> Value {
    json!({
        "name": "形状轮廓",
        "task_type": "template",
        "template": {
            "fields": [{"name": "image", "kind": "image"}],
            "questions": [
                {"key": "outline", "kind": "polygon", "title_zh": "描边", "field": "image",
                 "options": [option("circle"), option("square")],
                 "settings": {"attributes": [{"key": "edge", "name_zh": "碰边"}]}},
                {"key": "pose", "kind": "keypoints", "title_zh": "点", "field": "image",
                 "required": false, "options": [option("shape")],
                 "settings": {"skeleton": {"points": [
                     {"key": "top", "name_zh": "上", "sigma": 0.05},
                     {"key": "middle", "name_zh": "中", "sigma": 0.05},
                     {"key": "bottom", "name_zh": "下", "sigma": 0.05}],
                     "edges": [[0, 1], [1, 2]]}}}
            ]
        },
        "overlap": {"kind": "fixed", "n": 2},
        "max_gold_items": 0,
        "unit_size": 2,
        "piece_rate_fen": 10,
        "box_rate_fen": 3,
        "box_pay_cap": 2
    })
}

fn square(x: f64, y: f64, s: f64) -> Value {
    json!([[x, y], [x + s, y], [x + s, y + s], [x, y + s]])
}

fn outline(x: f64, y: f64, s: f64) -> Value {
    json!({"label": "square", "points": square(x, y, s), "attributes": {"edge": false}})
}

fn pose(dx: f64) -> Value {
    json!({"label": "shape", "points": [[200.0 + dx, 50, 2], [200.0 + dx, 150, 2], [0, 0, 0]]})
}

async fn give(b: &Browser, aid: i64, item: i64, answer: Value) -> crate::Got {
    crate::work::give_label(b, aid, item, answer, 2500).await
}

both!(
    polygons_and_keypoints_are_checked_matched_merged_and_paid,
    |app| {
        let w = app.world().await;
        let order_id = order(&app, &w, 2, spec()).await;
        let a1 = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;
        let a2 = annotator_browser(&app, w.ann_a2, "2222", "lead_a").await;
        let (aid1, items) = take(&a1).await;
        let (aid2, _) = take(&a2).await;

        // Refused: a self-crossing outline, a point outside the 480 × 360 picture, a skeleton
        // of the wrong length, a mask-free unknown class. Each names its question; nothing is
        // stored.
        let bowtie =
            json!({"label": "square", "points": [[10, 10], [100, 100], [100, 10], [10, 100]]});
        for (answer, path, words) in [
            (
                json!({"outline": [bowtie]}),
                "answer.outline",
                "crosses itself",
            ),
            (
                json!({"outline": [outline(400.0, 10.0, 100.0)]}),
                "answer.outline",
                "outside the 480×360 picture",
            ),
            (
                json!({"outline": [outline(10.0, 10.0, 50.0)],
                   "pose": [{"label": "shape", "points": [[1, 1, 2], [2, 2, 2]]}]}),
                "answer.pose",
                "the skeleton has 3 points, this object 2",
            ),
            (
                json!({"outline": [{"label": "hexagon", "points": square(1.0, 1.0, 9.0)}]}),
                "answer.outline",
                "not one of",
            ),
        ] {
            let r = give(&a1, aid1, items[0], answer.clone()).await;
            r.refused(ErrorCode::Validation);
            assert_eq!(r.body["error"]["field"], path, "{answer} {}", r.body);
            let message = r.body["error"]["message"].as_str().unwrap();
            assert!(message.contains(words), "{message}");
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

        // Item 0: one square each, a pixel apart, and a pose each: 2 objects (at the cap).
        let one =
            |dx: f64| json!({"outline": [outline(100.0 + dx, 100.0, 120.0)], "pose": [pose(dx)]});
        assert_eq!(
            give(&a1, aid1, items[0], one(0.0)).await.ok()["status"],
            "stored"
        );
        give(&a2, aid2, items[0], one(2.0)).await.ok();
        // Item 1: three squares each, no pose: 3 objects, paid for 2.
        let three = |dx: f64| {
            json!({"outline": [outline(10.0 + dx, 10.0, 60.0), outline(150.0 + dx, 10.0, 60.0),
                           outline(300.0 + dx, 200.0, 80.0)]})
        };
        give(&a1, aid1, items[1], three(0.0)).await.ok();
        give(&a2, aid2, items[1], three(1.0)).await.ok();

        let c = app.browser();
        c.login("client_a").await.ok();
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
        let text = r.text().await.unwrap();
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let by_item: HashMap<i64, &Value> = lines
            .iter()
            .map(|l| (l["item_id"].as_i64().unwrap(), l))
            .collect();
        let first = by_item[&items[0]];
        assert_eq!(first["state"], "resolved", "{first}");
        let merged = &first["answer"]["outline"];
        assert_eq!(merged.as_array().unwrap().len(), 1, "{merged}");
        assert_eq!(merged[0]["support"], 2);
        assert_eq!(merged[0]["label"], "square");
        assert_eq!(merged[0]["attributes"], json!({"edge": false}));
        // Of two, the best member is the first taken: one of the two drawn squares.
        let drawn = [square(100.0, 100.0, 120.0), square(102.0, 100.0, 120.0)];
        assert!(drawn.contains(&merged[0]["points"]), "{merged}");
        assert!(merged[0]["similarity"].as_f64().unwrap() > 0.95);
        // The pose: each point the mean of the two, the absent one absent.
        assert_eq!(
            first["answer"]["pose"][0]["points"],
            json!([[201.0, 50.0, 2], [201.0, 150.0, 2], [0.0, 0.0, 0]])
        );
        let second = by_item[&items[1]];
        assert_eq!(second["state"], "resolved", "{second}");
        assert_eq!(second["answer"]["outline"].as_array().unwrap().len(), 3);

        // Pay: each agreeing label earns the piece rate and 3 fen per object up to 2 objects:
        // item 0 (2 objects) 16, item 1 (3 objects, capped) 16.
        for b in [&a1, &a2] {
            let e = b.get("/api/v1/me/earnings").await;
            assert_eq!(e.ok()["today_fen"], 32, "{}", e.body);
        }
    }
);

both!(a_keypoints_question_needs_a_fitting_skeleton, |app| {
    let w = app.world().await;
    let ds = app.dataset(w.org_a, "d").await;
    let c = app.browser();
    c.login("client_a").await.ok();
    let mut no_skeleton = spec();
    no_skeleton["template"]["questions"][1]["settings"] = json!({});
    let mut bad_edge = spec();
    bad_edge["template"]["questions"][1]["settings"]["skeleton"]["edges"] = json!([[0, 7]]);
    for (s, path) in [
        (no_skeleton, "template.questions[1].settings.skeleton"),
        (bad_edge, "template.questions[1].settings.skeleton.edges[0]"),
    ] {
        let r = c
            .post("/api/v1/orders", json!({"dataset_id": ds.id, "spec": s}))
            .await;
        r.refused(ErrorCode::Validation);
        assert_eq!(r.body["error"]["field"], path, "{}", r.body);
    }
});

both!(
    drawings_that_do_not_agree_cannot_be_accepted_as_nothing,
    |app| {
        let w = app.world().await;
        let order_id = order(&app, &w, 2, spec()).await;
        let a1 = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;
        let a2 = annotator_browser(&app, w.ann_a2, "2222", "lead_a").await;
        let (aid1, items) = take(&a1).await;
        let (aid2, _) = take(&a2).await;
        // Two squares far apart: no object matches, the merged answer holds none.
        give(
            &a1,
            aid1,
            items[0],
            json!({"outline": [outline(10.0, 10.0, 60.0)]}),
        )
        .await
        .ok();
        give(
            &a2,
            aid2,
            items[0],
            json!({"outline": [outline(300.0, 200.0, 80.0)]}),
        )
        .await
        .ok();

        let lead = app.browser();
        lead.login("lead_a").await.ok();
        let queue = lead
            .get(&format!(
                "/api/v1/lead/review?order_id={order_id}&reason=escalated&limit=100"
            ))
            .await;
        let listed = queue.ok()["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["item_id"].as_i64() == Some(items[0]));
        assert!(
            listed,
            "the disagreement waits for the lead: {}",
            queue.body
        );
        let path = format!("/api/v1/lead/review/{order_id}/items/{}/decision", items[0]);
        let r = lead.post(&path, json!({"decision": "accept"})).await;
        assert_eq!(r.status.as_u16(), 409, "{}", r.body);
        assert!(
            r.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("do not agree"),
            "{}",
            r.body
        );
        // Drawing the answer settles it.
        let r = lead
            .post(
                &path,
                json!({"decision": "override",
                       "answer": {"outline": [outline(300.0, 200.0, 80.0)]}}),
            )
            .await;
        r.ok();
        let g = lead
            .get(&format!(
                "/api/v1/lead/review/{order_id}/items/{}/decisions",
                items[0]
            ))
            .await;
        assert_eq!(g.ok()["items"][0]["decision"], "override", "{}", g.body);
    }
);

/// A polyline order (`edges`: the bottom and top edges of the shapes) on two pictures.
fn line_spec() -> Value {
    json!({
        "name": "画边线",
        "task_type": "template",
        "template": {
            "fields": [{"name": "image", "kind": "image"}],
            "questions": [
                {"key": "edges", "kind": "polyline", "title_zh": "画边线", "field": "image",
                 "options": [option("bottom"), option("top")]}
            ]
        },
        "overlap": {"kind": "fixed", "n": 2},
        "max_gold_items": 0,
        "unit_size": 2,
        "piece_rate_fen": 10
    })
}

/// A bottom edge: three points from `x0` to `x1` at height `y`.
fn edge(x0: f64, x1: f64, y: f64) -> Value {
    json!({"label": "bottom", "points": [[x0, y], [(x0 + x1) / 2.0, y + 1.0], [x1, y]]})
}

/// The `(label, points)` of each line of a stored answer, to compare answers that carry
/// different extras (support, similarity, attributes).
fn lines_of(answer: &Value) -> Vec<(Value, Value)> {
    answer["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("no edges: {answer}"))
        .iter()
        .map(|l| (l["label"].clone(), l["points"].clone()))
        .collect()
}

both!(
    polylines_are_checked_matched_reviewed_and_go_through_cvat,
    |app| {
        let w = app.world().await;
        let order_id = order(&app, &w, 2, line_spec()).await;
        let a1 = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;
        let a2 = annotator_browser(&app, w.ann_a2, "2222", "lead_a").await;
        let (aid1, items) = take(&a1).await;
        let (aid2, _) = take(&a2).await;

        // Refused, naming the question: a line of one point, a point outside the 480 × 360
        // picture. Nothing is stored.
        for (line, words) in [
            (json!({"label": "bottom", "points": [[10, 10]]}), "points"),
            (
                json!({"label": "bottom", "points": [[10, 10], [500, 10]]}),
                "outside the 480×360 picture",
            ),
        ] {
            let r = give(&a1, aid1, items[0], json!({"edges": [line]})).await;
            r.refused(ErrorCode::Validation);
            assert_eq!(
                r.body["error"]["field"], "answer.edges",
                "{line} {}",
                r.body
            );
            let message = r.body["error"]["message"].as_str().unwrap();
            assert!(message.contains(words), "{message}");
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

        // Item 0: the same bottom edge, two pixels apart (within the default 10 px).
        // Item 1: one draws the bottom edge, the other a line 200 px higher.
        give(
            &a1,
            aid1,
            items[0],
            json!({"edges": [edge(100.0, 380.0, 300.0)]}),
        )
        .await
        .ok();
        give(
            &a2,
            aid2,
            items[0],
            json!({"edges": [edge(100.0, 380.0, 302.0)]}),
        )
        .await
        .ok();
        give(
            &a1,
            aid1,
            items[1],
            json!({"edges": [edge(50.0, 250.0, 250.0)]}),
        )
        .await
        .ok();
        give(
            &a2,
            aid2,
            items[1],
            json!({"edges": [edge(50.0, 250.0, 50.0)]}),
        )
        .await
        .ok();

        let lead = app.browser();
        lead.login("lead_a").await.ok();
        let queue = lead
            .get(&format!(
                "/api/v1/lead/review?order_id={order_id}&reason=escalated&limit=100"
            ))
            .await;
        let waiting: Vec<i64> = queue.ok()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["item_id"].as_i64().unwrap())
            .collect();
        assert_eq!(waiting, vec![items[1]], "{}", queue.body);
        let drawn = edge(50.0, 250.0, 251.0);
        lead.post(
            &format!("/api/v1/lead/review/{order_id}/items/{}/decision", items[1]),
            json!({"decision": "override", "answer": {"edges": [drawn.clone()]}}),
        )
        .await
        .ok();

        let c = app.browser();
        c.login("client_a").await.ok();
        let get = |format: &'static str| {
            let c = &c;
            async move {
                let r = c
                    .http
                    .get(format!(
                        "{}/api/v1/orders/{order_id}/export?format={format}",
                        c.url
                    ))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status().as_u16(), 200);
                r.text().await.unwrap()
            }
        };
        let jsonl = get("jsonl").await;
        let by_item: HashMap<i64, Value> = jsonl
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .map(|l| (l["item_id"].as_i64().unwrap(), l))
            .collect();
        let first = &by_item[&items[0]];
        assert_eq!(first["state"], "resolved", "{first}");
        let merged = &first["answer"]["edges"];
        assert_eq!(merged.as_array().unwrap().len(), 1, "{merged}");
        assert_eq!(merged[0]["support"], 2, "{merged}");
        // The merged line is the member closest to the others: one of the two drawn.
        let candidates = [
            edge(100.0, 380.0, 300.0)["points"].clone(),
            edge(100.0, 380.0, 302.0)["points"].clone(),
        ];
        assert!(candidates.contains(&merged[0]["points"]), "{merged}");
        let second = &by_item[&items[1]];
        assert_eq!(second["state"], "resolved", "{second}");
        assert_eq!(
            lines_of(&second["answer"]),
            vec![(json!("bottom"), drawn["points"].clone())],
            "the lead's line: {second}"
        );

        // CVAT holds both pictures' lines.
        let xml = get("cvat").await;
        assert_eq!(xml.matches("<polyline ").count(), 2, "{xml}");
        assert!(xml.contains(r#"label="bottom""#), "{xml}");

        // Into a fresh dataset of the same pictures: the same lines as known answers.
        let ds = crate::work::shape_pictures(&app, &w, 2).await;
        let order2 = c
            .post(
                "/api/v1/orders",
                json!({"dataset_id": ds, "spec": line_spec()}),
            )
            .await
            .ok()["id"]
            .as_i64()
            .unwrap();
        let r = crate::Got::from(
            c.http
                .post(format!(
                    "{}/api/v1/datasets/{}/cvat?order={order2}",
                    c.url, ds
                ))
                .body(xml.clone())
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(r.ok()["labelled"], 2, "{}", r.body);
        let listed = c
            .get(&format!("/api/v1/datasets/{}/items?limit=10", ds))
            .await;
        let known: HashMap<String, Value> = listed.ok()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["file_name"].as_str().unwrap().to_owned(),
                    i["gold"].clone(),
                )
            })
            .collect();
        // The unit's items come in the dispatch's order: each picture by its name.
        for item in &items[..2] {
            let row = &by_item[item];
            let name = row["file_name"].as_str().unwrap();
            assert_eq!(
                lines_of(&known[name]),
                lines_of(&row["answer"]),
                "{name}: {}",
                known[name]
            );
        }
    }
);
