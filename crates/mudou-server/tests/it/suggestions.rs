//! Model suggestions: a JSONL of a model's answers in (bad lines dropped with reasons and
//! counted in `/metrics`), shown with the unit's items, and what the annotator did with
//! each (accepted, fixed, rejected) stored on the label and paid at the order's check or
//! fix rate.

use serde_json::{Value, json};

use crate::work::{annotator_browser, choice_spec, order};
use crate::{Browser, Got, TestApp, both};

/// Posts a JSONL body of suggestions to the order.
pub(crate) async fn post_jsonl(c: &Browser, order: i64, query: &str, body: &str) -> Got {
    let r = c
        .http
        .post(format!(
            "{}/api/v1/orders/{order}/suggestions?{query}",
            c.url
        ))
        .header("content-type", "application/x-ndjson")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    Got::from(r).await
}

/// A choice order over shapes pictures that takes suggestions: a check pays 3 fen, a fix
/// 9, a label without a suggestion the piece rate of 10; paid on submit, one label each.
pub(crate) fn suggested_choice() -> Value {
    let mut spec = choice_spec(json!({"kind": "fixed", "n": 1}));
    spec["pay_on"] = json!("submit");
    spec["unit_size"] = json!(6);
    spec["suggestions"] = json!({"check_rate_fen": 3, "fix_rate_fen": 9});
    spec
}

both!(suggestions_in_checked_and_fixed, |app| {
    let w = app.world().await;
    let order_id = order(&app, &w, 6, suggested_choice()).await;
    let c = app.browser();
    c.login("client_a").await.ok();

    let body = [
        r#"{"name": "shape_000.jpg", "answer": {"label": "circle"}, "score": 0.9}"#,
        r#"{"name": "shape_001.jpg", "question": "label", "answer": "square", "model_version": "v2"}"#,
        r#"{"name": "shape_002.jpg", "answer": {"label": "cow"}}"#,
        r#"{"name": "shape_003.jpg", "answer": {"colour": "red"}}"#,
        r#"not json"#,
        r#"{"name": "nope.jpg", "answer": {"label": "circle"}}"#,
        r#"{"name": "shape_004.jpg", "answer": {"label": "star"}, "score": 7}"#,
        "",
        r#"{"name": "shape_005.jpg", "answer": {"label": "triangle"}, "model": "other"}"#,
    ]
    .join("\n");
    let g = post_jsonl(&c, order_id, "model=shapenet&model_version=v1", &body).await;
    let out = g.ok();
    assert_eq!(out["stored"], 3, "{out}");
    let codes: Vec<(u64, &str)> = out["dropped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["index"].as_u64().unwrap(), d["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        codes,
        [
            (3, "does_not_fit"),
            (4, "unknown_question"),
            (5, "not_json"),
            (6, "unknown_item"),
            (7, "bad_score")
        ]
    );
    let metrics = app.metrics().await;
    assert!(
        metrics.contains(
            r#"mudou_suggestions_dropped_total{reason="does_not_fit",source="import"} 1"#
        ),
        "{metrics}"
    );
    assert!(metrics.contains(r#"mudou_suggestions_stored_total{source="import"} 3"#));

    // The client lists them; another client, an annotator and nobody cannot.
    let list = c
        .get(&format!("/api/v1/orders/{order_id}/suggestions"))
        .await;
    let rows = list.ok().as_array().unwrap().clone();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["model"], "shapenet");
    assert_eq!(rows[0]["model_version"], "v1");
    assert_eq!(rows[0]["score"], 0.9);
    assert_eq!(rows[1]["model_version"], "v2");
    assert_eq!(rows[2]["model"], "other");
    assert_eq!(rows[0]["source"], "import");
    let other = app.browser();
    other.login("client_b").await.ok();
    assert_eq!(
        other
            .get(&format!("/api/v1/orders/{order_id}/suggestions"))
            .await
            .status
            .as_u16(),
        404
    );
    assert_eq!(
        post_jsonl(&other, order_id, "", &body)
            .await
            .status
            .as_u16(),
        404
    );
    let a1 = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;
    assert_eq!(
        a1.get(&format!("/api/v1/orders/{order_id}/suggestions"))
            .await
            .status
            .as_u16(),
        403
    );
    assert_eq!(
        app.browser()
            .get(&format!("/api/v1/orders/{order_id}/suggestions"))
            .await
            .status
            .as_u16(),
        401
    );

    // The annotator's unit shows each item's suggestion, never where it came from.
    let next = a1.get("/api/v1/work/next").await;
    let asg = &next.ok()["assignment"];
    let aid = asg["id"].as_i64().unwrap();
    let items = asg["items"].as_array().unwrap();
    let with: Vec<&Value> = items
        .iter()
        .filter(|i| i.get("suggestion").is_some())
        .collect();
    assert_eq!(with.len(), 3, "{asg}");
    for i in &with {
        assert!(i["suggestion"].get("source").is_none());
        assert!(i["suggestion"]["id"].is_i64());
    }
    let by_label = |l: &str| {
        with.iter()
            .find(|i| i["suggestion"]["answer"]["label"] == l)
            .copied()
            .unwrap()
            .clone()
    };
    let send = |item: &Value, label: &str, shown: bool| {
        let mut b = json!({"client_uuid": uuid::Uuid::new_v4().to_string(), "assignment_id": aid,
            "item_id": item["item_id"], "answer": {"label": label}, "duration_ms": 1200});
        if shown {
            b["suggestion_id"] = item["suggestion"]["id"].clone();
        }
        b
    };
    // Accepted as it was: a check (3 fen); a retry pays nothing more.
    let circle = by_label("circle");
    let body = send(&circle, "circle", true);
    assert_eq!(
        a1.post("/api/v1/work/labels", body.clone()).await.ok()["status"],
        "stored"
    );
    assert_eq!(
        a1.post("/api/v1/work/labels", body).await.ok()["status"],
        "replay"
    );
    // Answered otherwise: a fix (9 fen).
    let square = by_label("square");
    a1.post("/api/v1/work/labels", send(&square, "star", true))
        .await
        .ok();
    // A suggestion id that is not the item's is left out: the label stands, at the piece rate.
    let mut wrong = send(&by_label("triangle"), "triangle", false);
    wrong["suggestion_id"] = square["suggestion"]["id"].clone();
    a1.post("/api/v1/work/labels", wrong).await.ok();
    // An item without a suggestion: the piece rate (10 fen).
    let plain = items
        .iter()
        .find(|i| i.get("suggestion").is_none())
        .unwrap();
    a1.post("/api/v1/work/labels", send(plain, "circle", false))
        .await
        .ok();
    let e = a1.get("/api/v1/me/earnings").await;
    assert_eq!(e.ok()["today_fen"], 3 + 9 + 10 + 10, "{}", e.body);

    // What was done is on the labels.
    let rows = labels_of(&app, order_id).await;
    let outcome = |item: &Value| {
        rows.iter()
            .find(|r| r.0 == item["item_id"].as_i64().unwrap())
            .map(|r| (r.1.is_some(), r.2.clone()))
            .unwrap()
    };
    assert_eq!(outcome(&circle), (true, Some("accepted".into())));
    assert_eq!(outcome(&square), (true, Some("rejected".into())));
    assert_eq!(outcome(&by_label("triangle")), (false, None));
    assert_eq!(outcome(plain), (false, None));
});

/// `(item, suggestion id, outcome)` of the order's answered labels.
async fn labels_of(app: &TestApp, order_id: i64) -> Vec<(i64, Option<i64>, Option<String>)> {
    app.state
        .store
        .label_suggestions(mudou_domain::OrderId::new(order_id))
        .await
        .unwrap()
}
