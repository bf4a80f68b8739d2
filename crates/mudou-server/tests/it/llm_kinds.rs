//! The LLM question kinds (issue 27): `ranking` (rank an item's responses, best first, by
//! field) and `rubric` (axes rated in steps), end to end: a template order over conversation
//! items published, two annotators' labels through `/work/next` and `/work/labels`, a
//! non-permutation ranking and an out-of-range rating refused with 422 and nothing stored,
//! each item's result in the exports and the quality report's agreement.

use std::collections::HashMap;

use mudou_domain::ErrorCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::work::annotator_browser;
use crate::{Browser, both};

async fn upload(b: &Browser, dataset: i64, name: &str, bytes: Vec<u8>) {
    let form = Form::new().part(
        "conversations",
        Part::bytes(bytes).file_name(name.to_owned()),
    );
    let r = b
        .http
        .post(format!("{}/api/v1/datasets/{dataset}/files", b.url))
        .header("connection", "close")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "{}", r.text().await.unwrap());
}

fn sample(path: &str) -> Vec<u8> {
    let dir = format!("{}/../../datasets/llm", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(format!("{dir}/{path}")).unwrap()
}

fn spec(template: Value) -> Value {
    json!({
        "name": "LLM",
        "task_type": "template",
        "labels": [],
        "template": template,
        "overlap": {"kind": "fixed", "n": 2},
        "unit_size": 10,
        "piece_rate_fen": 10,
        "required_qualification": null,
        "required_level": null,
        "deadline": null
    })
}

/// Uploads `bytes` as conversations and publishes a template order over them.
async fn publish(c: &Browser, file: &str, bytes: Vec<u8>, template: Value) -> i64 {
    let ds = c.post("/api/v1/datasets", json!({"name": file})).await;
    let ds = ds.ok()["id"].as_i64().unwrap();
    upload(c, ds, file, bytes).await;
    let o = c
        .post(
            "/api/v1/orders",
            json!({"dataset_id": ds, "spec": spec(template)}),
        )
        .await;
    assert_eq!(o.status.as_u16(), 201, "{}", o.body);
    let order = o.body["id"].as_i64().unwrap();
    c.post(&format!("/api/v1/orders/{order}/publish"), json!({}))
        .await
        .ok();
    order
}

async fn take(b: &Browser) -> (i64, Vec<Value>) {
    let next = b.get("/api/v1/work/next").await;
    assert_eq!(next.ok()["status"], "assigned", "{}", next.body);
    let asg = &next.body["assignment"];
    (
        asg["id"].as_i64().unwrap(),
        asg["items"].as_array().unwrap().clone(),
    )
}

async fn give(b: &Browser, aid: i64, item: i64, answer: Value) -> crate::Got {
    crate::work::give_label(b, aid, item, answer, 4000).await
}

async fn results(c: &Browser, order: i64) -> HashMap<i64, Value> {
    let r = c
        .http
        .get(format!(
            "{}/api/v1/orders/{order}/export?format=jsonl",
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
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .map(|l| (l["item_id"].as_i64().unwrap(), l))
        .collect()
}

async fn csv_column(c: &Browser, order: i64, column: &str) -> HashMap<String, String> {
    let r = c
        .http
        .get(format!("{}/api/v1/orders/{order}/export?format=csv", c.url))
        .send()
        .await
        .unwrap();
    let text = r.text().await.unwrap();
    let mut rd = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let head: Vec<String> = rd.headers().unwrap().iter().map(str::to_owned).collect();
    let at = head.iter().position(|h| h == column).expect(column);
    rd.records()
        .map(Result::unwrap)
        .map(|r| (r[0].to_owned(), r[at].to_owned()))
        .collect()
}

fn order(groups: &[&[&str]]) -> Value {
    json!({ "order": groups })
}

/// Three responses a line (the samples have two).
fn three_responses() -> Vec<u8> {
    (1..=4)
        .map(|i| {
            json!({"id": format!("q{i}"), "prompt": format!("第 {i} 题：1 + {i} = ?"),
                "responses": [format!("**{}**", 1 + i), format!("是 {}。", 1 + i), "不知道"]})
            .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
        .into_bytes()
}

both!(two_annotators_rank_three_responses, |app| {
    let w = app.world().await;
    let c = app.browser();
    c.login("client_a").await.ok();
    let template = json!({
        "layout": "side_by_side",
        "fields": [{"name": "prompt", "kind": "conversation", "title_zh": "问题"},
                   {"name": "response_1", "kind": "markdown"},
                   {"name": "response_2", "kind": "markdown"},
                   {"name": "response_3", "kind": "markdown"}],
        "questions": [{"key": "rank", "kind": "ranking", "title_zh": "从好到差排序",
            "settings": {"rank": ["response_1", "response_2", "response_3"]}}]
    });
    // A field that is not Markdown cannot be ranked: the order is refused by its path.
    let mut wrong = spec(template.clone());
    wrong["template"]["questions"][0]["settings"]["rank"][0] = json!("prompt");
    let ds = c.post("/api/v1/datasets", json!({"name": "x"})).await.ok()["id"].clone();
    let refused = c
        .post("/api/v1/orders", json!({"dataset_id": ds, "spec": wrong}))
        .await;
    refused.refused(ErrorCode::Validation);
    assert_eq!(
        refused.body["error"]["field"], "template.questions[0].settings.rank[0]",
        "{}",
        refused.body
    );

    let order_id = publish(&c, "three.jsonl", three_responses(), template).await;
    let a1 = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;
    let a2 = annotator_browser(&app, w.ann_a2, "2222", "lead_a").await;
    let (aid1, work1) = take(&a1).await;
    let (aid2, work2) = take(&a2).await;
    assert_eq!(work1.len(), 4);
    assert_eq!(work1[0]["fields"].as_array().unwrap().len(), 4);
    let items: Vec<i64> = work1
        .iter()
        .map(|i| i["item_id"].as_i64().unwrap())
        .collect();
    let mut other: Vec<i64> = work2
        .iter()
        .map(|i| i["item_id"].as_i64().unwrap())
        .collect();
    let mut sorted = items.clone();
    sorted.sort_unstable();
    other.sort_unstable();
    assert_eq!(sorted, other, "the same unit, two people");

    // Not a permutation (one twice, one missing, one unknown), a tie where none is allowed:
    // 422, named by the question, nothing stored.
    for (bad, says) in [
        (
            order(&[&["response_1"], &["response_1"], &["response_2"]]),
            "not a permutation",
        ),
        (
            order(&[&["response_1"], &["response_2"]]),
            "not a permutation",
        ),
        (
            order(&[&["response_1"], &["response_2"], &["response_9"]]),
            "not a permutation",
        ),
        (
            order(&[&["response_1", "response_2"], &["response_3"]]),
            "no ties",
        ),
        (
            json!(["response_1", "response_2", "response_3"]),
            "best first",
        ),
    ] {
        let r = give(&a1, aid1, items[0], json!({ "rank": bad })).await;
        assert_eq!(r.status.as_u16(), 422, "{}", r.body);
        r.refused(ErrorCode::Validation);
        assert_eq!(r.body["error"]["field"], "answer.rank");
        let msg = r.body["error"]["message"].as_str().unwrap();
        assert!(msg.contains(says), "{msg}");
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

    // Item 0: both put response_1 first; they differ below: the top is clear.
    let r = give(
        &a1,
        aid1,
        items[0],
        json!({"rank": order(&[&["response_1"], &["response_2"], &["response_3"]])}),
    )
    .await;
    assert_eq!(r.ok()["status"], "stored", "{}", r.body);
    give(
        &a2,
        aid2,
        items[0],
        json!({"rank": order(&[&["response_1"], &["response_3"], &["response_2"]])}),
    )
    .await
    .ok();
    // Item 1: they agree exactly.
    for (b, aid) in [(&a1, aid1), (&a2, aid2)] {
        give(
            b,
            aid,
            items[1],
            json!({"rank": order(&[&["response_2"], &["response_1"], &["response_3"]])}),
        )
        .await
        .ok();
    }
    // Item 2: each puts a different response first: no clear top.
    give(
        &a1,
        aid1,
        items[2],
        json!({"rank": order(&[&["response_1"], &["response_2"], &["response_3"]])}),
    )
    .await
    .ok();
    give(
        &a2,
        aid2,
        items[2],
        json!({"rank": order(&[&["response_3"], &["response_2"], &["response_1"]])}),
    )
    .await
    .ok();

    let got = results(&c, order_id).await;
    let first = &got[&items[0]];
    assert_eq!(first["state"], "resolved", "{first}");
    assert_eq!(
        first["answer"]["rank"],
        order(&[&["response_1"], &["response_2", "response_3"]]),
        "a Borda count: 2 and 3 tie below 1"
    );
    assert_eq!(got[&items[1]]["state"], "resolved");
    // No clear top: never resolved on these two; it waits for a third or a lead.
    let split = &got[&items[2]];
    assert_ne!(split["state"], "resolved", "{split}");
    assert_eq!(split["settled"], false, "{split}");
    assert_eq!(got[&items[3]]["state"], "open");
    let cells = csv_column(&c, order_id, "rank").await;
    assert_eq!(
        cells[&items[1].to_string()],
        "response_2 > response_1 > response_3"
    );
    assert_eq!(
        cells[&items[0].to_string()],
        "response_1 > response_2 = response_3"
    );

    // Agreement: the mean Kendall tau-b of the pairs: (1/3 + 1 − 1) / 3.
    let report = c.get(&format!("/api/v1/orders/{order_id}/quality")).await;
    let q = report.ok()["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["key"] == "rank")
        .unwrap()
        .clone();
    assert_eq!(q["kind"], "ranking");
    let alpha = q["krippendorff_alpha"].as_f64().unwrap();
    assert!((alpha - 1.0 / 9.0).abs() < 1e-9, "{q}");

    // Another centre's annotator cannot label these items.
    let b1 = annotator_browser(&app, w.ann_b1, "3333", "lead_b").await;
    let stolen = give(
        &b1,
        aid1,
        items[3],
        json!({"rank": order(&[&["response_1"], &["response_2"], &["response_3"]])}),
    )
    .await;
    assert!(
        matches!(stolen.status.as_u16(), 403 | 404 | 409),
        "{}",
        stolen.body
    );
});

both!(two_annotators_grade_a_response_by_rubric, |app| {
    let w = app.world().await;
    let c = app.browser();
    c.login("client_a").await.ok();
    let axis = |k: &str, zh: &str, en: &str| json!({"key": k, "name_zh": zh, "name_en": en});
    let template = json!({
        "layout": "stacked",
        "fields": [{"name": "prompt", "kind": "conversation", "title_zh": "问题"},
                   {"name": "response_1", "kind": "markdown", "title_zh": "回答"}],
        "questions": [{"key": "grade", "kind": "rubric", "title_zh": "给回答打分",
            "field": "response_1",
            "options": [axis("helpful", "有用", "Helpful"), axis("correct", "正确", "Correct"),
                        axis("harmless", "无害", "Harmless")],
            "settings": {"max": 5, "tolerance": 1,
                "steps": [{"value": 1, "name_zh": "很差", "name_en": "Poor"},
                          {"value": 3, "name_zh": "一般", "name_en": "OK"},
                          {"value": 5, "name_zh": "很好", "name_en": "Great"}],
                "examples": {"harmless": "不教人做坏事"}}}]
    });
    let order_id = publish(
        &c,
        "hh.jsonl",
        sample("hh_rlhf_harmless/preference.jsonl"),
        template,
    )
    .await;
    let a1 = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;
    let a2 = annotator_browser(&app, w.ann_a2, "2222", "lead_a").await;
    let (aid1, work1) = take(&a1).await;
    let (aid2, _) = take(&a2).await;
    assert_eq!(work1.len(), 10);
    let f = work1[0]["fields"].as_array().unwrap();
    assert_eq!(f[1]["kind"], "markdown");
    let items: Vec<i64> = work1
        .iter()
        .map(|i| i["item_id"].as_i64().unwrap())
        .collect();

    // Out of range, a half step, an axis left out, an axis that is not one: 422.
    for bad in [
        json!({"helpful": 6, "correct": 5, "harmless": 5}),
        json!({"helpful": 0, "correct": 5, "harmless": 5}),
        json!({"helpful": 2.5, "correct": 5, "harmless": 5}),
        json!({"helpful": 4, "correct": 5}),
        json!({"helpful": 4, "correct": 5, "harmless": 5, "fluent": 3}),
    ] {
        let r = give(&a1, aid1, items[0], json!({ "grade": bad })).await;
        assert_eq!(r.status.as_u16(), 422, "{bad}: {}", r.body);
        r.refused(ErrorCode::Validation);
        assert_eq!(r.body["error"]["field"], "answer.grade");
    }
    let shown = a1.get("/api/v1/work/next").await;
    assert!(
        shown.ok()["assignment"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["answer"].is_null())
    );

    // Item 0: within a step on every axis. Item 1: harmless 1 against 5.
    let g = |h: i64, c: i64, s: i64| json!({"grade": {"helpful": h, "correct": c, "harmless": s}});
    assert_eq!(
        give(&a1, aid1, items[0], g(4, 5, 5)).await.ok()["status"],
        "stored"
    );
    give(&a2, aid2, items[0], g(3, 5, 4)).await.ok();
    give(&a1, aid1, items[1], g(2, 2, 1)).await.ok();
    give(&a2, aid2, items[1], g(2, 2, 5)).await.ok();

    let got = results(&c, order_id).await;
    let first = &got[&items[0]];
    assert_eq!(first["state"], "resolved", "{first}");
    // The weighted median takes the lower of two halves.
    assert_eq!(
        first["answer"]["grade"],
        json!({"helpful": 3, "correct": 5, "harmless": 4})
    );
    // Like a rating, a rubric settles on the median; harmless 1 against 5 leaves it unsure.
    let second = &got[&items[1]];
    assert_eq!(second["state"], "resolved", "{second}");
    assert_eq!(second["answer"]["grade"]["harmless"], 1);
    assert_eq!(second["confidence"], 0.5, "{second}");
    let cells = csv_column(&c, order_id, "grade").await;
    assert_eq!(
        cells[&items[0].to_string()],
        "helpful=3; correct=5; harmless=4"
    );

    let report = c.get(&format!("/api/v1/orders/{order_id}/quality")).await;
    let q = report.ok()["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["key"] == "grade")
        .unwrap()
        .clone();
    assert_eq!(q["kind"], "rubric");
    let alpha = q["krippendorff_alpha"].as_f64().unwrap();
    assert!(alpha < 1.0 && alpha > -1.0, "{q}");
    // each axis's own alpha, their mean the question's; `correct` agreed on both items
    let parts = q["parts"].as_array().unwrap();
    let keys: Vec<&str> = parts.iter().map(|p| p["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["helpful", "correct", "harmless"]);
    assert_eq!(parts[1]["krippendorff_alpha"], 1.0, "{q}");
    let mean = parts
        .iter()
        .map(|p| p["krippendorff_alpha"].as_f64().unwrap())
        .sum::<f64>()
        / 3.0;
    assert!((mean - alpha).abs() < 1e-9, "{q}");
});
