//! Pairwise preference (issue 27): a `pairwise` question over the real conversation sample
//! `datasets/llm/llamafactory_dpo_zh/preference.jsonl`; two annotators see the two answers in
//! different left-to-right orders and pick the same FIELD, so the item resolves to that field;
//! answers naming a response the item does not have, or a `shown` that is not the pair, are
//! refused with nothing stored.

use mudou_domain::ErrorCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::work::{annotator_browser, take};
use crate::{Browser, both};

fn pairwise_spec() -> Value {
    json!({
        "name": "偏好比较",
        "task_type": "template",
        "labels": [],
        "template": {
            "layout": "side_by_side",
            "fields": [{"name": "prompt", "kind": "conversation", "title_zh": "问题"},
                       {"name": "response_1", "kind": "markdown", "title_zh": "回答 1"},
                       {"name": "response_2", "kind": "markdown", "title_zh": "回答 2"}],
            "questions": [{"key": "better", "kind": "pairwise", "title_zh": "哪个回答更好？",
                "settings": {"pair": ["response_1", "response_2"], "strength": true},
                "options": [{"key": "correct", "name_zh": "正确", "name_en": "Correct"},
                            {"key": "helpful", "name_zh": "有用", "name_en": "Helpful"}]}]
        },
        "overlap": {"kind": "fixed", "n": 2},
        "max_gold_items": 0,
        "unit_size": 5,
        "piece_rate_fen": 10
    })
}

async fn give(b: &Browser, aid: i64, item: i64, answer: Value) -> crate::Got {
    crate::work::give_label(b, aid, item, json!({"better": answer}), 4000).await
}

both!(a_pairwise_order_resolves_to_the_field_not_the_side, |app| {
    let w = app.world().await;
    let c = app.browser();
    c.login("client_a").await.ok();
    let ds = c.post("/api/v1/datasets", json!({"name": "偏好对"})).await;
    assert_eq!(ds.status.as_u16(), 201, "{}", ds.body);
    let ds = ds.body["id"].as_i64().unwrap();
    let bytes = std::fs::read(format!(
        "{}/../../datasets/llm/llamafactory_dpo_zh/preference.jsonl",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let form = Form::new().part(
        "conversations",
        Part::bytes(bytes).file_name("preference.jsonl"),
    );
    let up = c
        .http
        .post(format!("{}/api/v1/datasets/{ds}/files", c.url))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(up.status().as_u16(), 200);

    // A pair naming a field that is not Markdown is refused at creation.
    let mut wrong = pairwise_spec();
    wrong["template"]["questions"][0]["settings"]["pair"] = json!(["prompt", "response_2"]);
    let got = c
        .post("/api/v1/orders", json!({"dataset_id": ds, "spec": wrong}))
        .await;
    assert_eq!(got.status.as_u16(), 422, "{}", got.body);

    let o = c
        .post(
            "/api/v1/orders",
            json!({"dataset_id": ds, "spec": pairwise_spec()}),
        )
        .await;
    assert_eq!(o.status.as_u16(), 201, "{}", o.body);
    let order = o.body["id"].as_i64().unwrap();
    c.post(&format!("/api/v1/orders/{order}/publish"), json!({}))
        .await
        .ok();

    let a1 = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;
    let a2 = annotator_browser(&app, w.ann_a2, "2222", "lead_a").await;
    let (aid1, items) = take(&a1).await;
    let (aid2, items2) = take(&a2).await;
    let item = items[0];
    assert!(items2.contains(&item));

    // Bad answers: 422, nothing stored.
    for bad in [
        json!({"winner": "response_3", "shown": ["response_1", "response_2"]}),
        json!({"winner": "a", "shown": ["response_1", "response_2"]}),
        json!({"winner": "response_1", "shown": ["response_1", "response_3"]}),
        json!({"winner": "response_1", "shown": ["response_1"]}),
        json!({"winner": "response_1"}),
        json!({"winner": "response_1", "strength": 5, "shown": ["response_1", "response_2"]}),
        json!({"winner": "tie", "reasons": {"correct": "both_bad"}, "shown": ["response_1", "response_2"]}),
    ] {
        let r = give(&a1, aid1, item, bad.clone()).await;
        assert_eq!(r.status.as_u16(), 422, "{bad} {}", r.body);
        r.refused(ErrorCode::Validation);
        assert_eq!(r.body["error"]["field"], "answer.better", "{}", r.body);
    }
    let next = a1.get("/api/v1/work/next").await;
    assert!(
        next.ok()["assignment"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["answer"].is_null()),
        "nothing stored: {}",
        next.body
    );

    // a1 saw response_2 on the left and picked it (A); a2 saw it on the right and picked it (B).
    let one = json!({"winner": "response_2", "strength": 2, "reasons": {"correct": "response_2"},
        "shown": ["response_2", "response_1"]});
    let r = give(&a1, aid1, item, one.clone()).await;
    assert_eq!(r.ok()["status"], "stored", "{}", r.body);
    let two = json!({"winner": "response_2", "strength": 1, "shown": ["response_1", "response_2"]});
    give(&a2, aid2, item, two).await.ok();
    // Another item: a tie and a both-bad do not settle on a response.
    let other = items
        .iter()
        .find(|i| **i != item && items2.contains(i))
        .copied();

    let other = other.expect("two shared items");
    {
        give(
            &a1,
            aid1,
            other,
            json!({"winner": "tie", "shown": ["response_1", "response_2"]}),
        )
        .await
        .ok();
        give(
            &a2,
            aid2,
            other,
            json!({"winner": "tie", "shown": ["response_2", "response_1"]}),
        )
        .await
        .ok();
    }
    let export = c
        .http
        .get(format!(
            "{}/api/v1/orders/{order}/export?format=jsonl",
            c.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(export.status().as_u16(), 200);
    let text = export.text().await.unwrap();
    let line: Value = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|l| l["item_id"] == item)
        .unwrap();
    assert_eq!(line["state"], "resolved", "{line}");
    assert_eq!(line["answer"]["better"]["winner"], "response_2", "{line}");
    let tied: Value = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|l| l["item_id"] == other)
        .unwrap();
    assert_eq!(tied["answer"]["better"]["winner"], "tie", "{tied}");
    let csv = c
        .http
        .get(format!("{}/api/v1/orders/{order}/export?format=csv", c.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.contains("response_2"), "{csv}");

    // The lead sees each worker's position bias on the order: a1 picked the left answer,
    // a2 the right one (the tie left out).
    let lead = app.browser();
    lead.login("lead_a").await.ok();
    for (who, left) in [(w.ann_a1, 1), (w.ann_a2, 0)] {
        let page = lead.get(&format!("/api/v1/lead/quality/{who}")).await;
        let body = page.ok();
        let o = body["orders"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["order_id"] == order)
            .unwrap_or_else(|| panic!("{body:#}"));
        assert_eq!(
            o["position_bias"],
            json!({"picked": 1, "left": left, "left_share": left as f64}),
            "{o:#}"
        );
    }
    // Another centre's lead does not see these workers; a client is not a lead.
    let other = app.browser();
    other.login("lead_b").await.ok();
    let got = other
        .get(&format!("/api/v1/lead/quality/{}", w.ann_a1))
        .await;
    assert_eq!(got.status.as_u16(), 404, "{}", got.body);
    let got = c.get(&format!("/api/v1/lead/quality/{}", w.ann_a1)).await;
    assert!(
        matches!(got.status.as_u16(), 403 | 404),
        "{} {}",
        got.status,
        got.body
    );
});
