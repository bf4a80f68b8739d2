//! Dispatch beyond one unit: training and qualifications, fairness between orders,
//! and correctness under many concurrent annotators.

use bytes::Bytes;
use mudou_app::ingest::{IncomingImage, add_images};
use serde_json::{Value, json};

use crate::work::{annotator_browser, answer, choice_spec, order};
use crate::{TestApp, World, both};

const SHAPES: [&str; 4] = ["circle", "square", "triangle", "star"];

/// A draft order of org A over `n` shapes pictures (starting at picture `from`) with a
/// typed-in gold answer for each; published. Returns (order id, item id → gold label).
async fn training_order(
    app: &TestApp,
    w: &World,
    from: usize,
    n: usize,
    spec: Value,
) -> (i64, std::collections::HashMap<i64, &'static str>) {
    let ds = app
        .dataset(w.org_a, &format!("训练{}", mudou_store::now_millis()))
        .await;
    let dir = format!("{}/../../datasets/shapes", env!("CARGO_MANIFEST_DIR"));
    let files = (from..from + n)
        .map(|i| IncomingImage {
            file_name: format!("shape_{i:03}.jpg"),
            tag: String::new(),
            bytes: Bytes::from(std::fs::read(format!("{dir}/shape_{i:03}.jpg")).unwrap()),
            meta: "{}".into(),
            gold: None,
        })
        .collect();
    let ids: Vec<i64> = add_images(&app.state, ds.id, files)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.item_id.unwrap())
        .collect();
    let c = app.browser();
    c.login("client_a").await.ok();
    let id = c
        .post("/api/v1/orders", json!({"dataset_id": ds.id, "spec": spec}))
        .await
        .ok()["id"]
        .as_i64()
        .unwrap();
    let mut gold = std::collections::HashMap::new();
    for (k, item) in ids.iter().enumerate() {
        let g = SHAPES[k % 4];
        let r = c
            .http
            .put(format!("{}/api/v1/orders/{id}/gold/{item}", app.url))
            .json(&json!({"answer": {"label": g}}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 204);
        gold.insert(*item, g);
    }
    c.post(&format!("/api/v1/orders/{id}/publish"), json!({}))
        .await
        .ok();
    (id, gold)
}

fn wrong(g: &str) -> &'static str {
    if g == "circle" { "square" } else { "circle" }
}

both!(training_opens_real_work_of_its_task_type, |app| {
    let w = app.world().await;
    let work = order(&app, &w, 10, choice_spec(json!({"kind": "fixed", "n": 1}))).await;
    let mut spec = choice_spec(json!({"kind": "fixed", "n": 1}));
    spec["name"] = json!("形状练习");
    spec["unit_size"] = json!(3);
    spec["training"] = json!({"pass_share": 0.8});
    let (training, gold) = training_order(&app, &w, 20, 6, spec).await;

    let a = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;
    let n = a.get("/api/v1/work/next").await;
    let asg = &n.ok()["assignment"];
    assert_eq!(
        (asg["order"]["id"].as_i64(), asg["training"].as_bool()),
        (Some(training), Some(true)),
        "a new annotator trains before real work of the type: {}",
        n.body
    );
    let aid = asg["id"].as_i64().unwrap();
    let items: Vec<i64> = asg["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["item_id"].as_i64().unwrap())
        .collect();
    assert_eq!(items.len(), 3);
    // Right, wrong, right: each answer is told at once, with the right answer.
    for (k, item) in items.iter().enumerate() {
        let g = gold[item];
        let given = if k == 1 { wrong(g) } else { g };
        let (_, body) = answer(&a, aid, *item, given);
        let r = a.post("/api/v1/work/labels", body).await;
        assert_eq!(r.ok()["feedback"]["correct"], k != 1, "{}", r.body);
        assert_eq!(r.body["feedback"]["answer"], json!({"label": g}));
    }
    let s = a
        .post(&format!("/api/v1/work/assignments/{aid}/submit"), json!({}))
        .await;
    assert_eq!(
        s.ok()["training"],
        json!({"total": 3, "right": 2, "passed": false, "qualification": "single_choice"}),
        "2 of 3 is under the pass share of 0.8"
    );

    // Not passed: the other training unit, then real work once it is passed.
    let n = a.get("/api/v1/work/next").await;
    let asg = &n.ok()["assignment"];
    assert_eq!(asg["order"]["id"].as_i64(), Some(training));
    let aid = asg["id"].as_i64().unwrap();
    for i in asg["items"].as_array().unwrap() {
        let item = i["item_id"].as_i64().unwrap();
        assert!(!items.contains(&item), "never the same item twice");
        let (_, body) = answer(&a, aid, item, gold[&item]);
        a.post("/api/v1/work/labels", body).await.ok();
    }
    let s = a
        .post(&format!("/api/v1/work/assignments/{aid}/submit"), json!({}))
        .await;
    assert_eq!(s.ok()["training"]["passed"], true);
    let n = a.get("/api/v1/work/next").await;
    let asg = &n.ok()["assignment"];
    assert_eq!(
        (asg["order"]["id"].as_i64(), asg["training"].as_bool()),
        (Some(work), Some(false))
    );
    let item = asg["items"][0]["item_id"].as_i64().unwrap();
    let (_, body) = answer(&a, asg["id"].as_i64().unwrap(), item, "circle");
    let r = a.post("/api/v1/work/labels", body).await;
    assert!(
        r.ok().get("feedback").is_none(),
        "real work never tells gold"
    );

    // Someone who has not trained still gets training, not the real work.
    let b = annotator_browser(&app, w.ann_a2, "2222", "lead_a").await;
    let n = b.get("/api/v1/work/next").await;
    assert_eq!(n.ok()["assignment"]["order"]["id"].as_i64(), Some(training));
});

both!(a_training_order_needs_known_answers, |app| {
    let w = app.world().await;
    let mut spec = choice_spec(json!({"kind": "fixed", "n": 1}));
    spec["training"] = json!({"pass_share": 0.8});
    let ds = app.dataset(w.org_a, "无答案").await;
    let dir = format!("{}/../../datasets/shapes", env!("CARGO_MANIFEST_DIR"));
    add_images(
        &app.state,
        ds.id,
        vec![IncomingImage {
            file_name: "a.jpg".into(),
            tag: String::new(),
            bytes: Bytes::from(std::fs::read(format!("{dir}/shape_000.jpg")).unwrap()),
            meta: "{}".into(),
            gold: None,
        }],
    )
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
    let r = c
        .post(&format!("/api/v1/orders/{id}/publish"), json!({}))
        .await;
    assert_eq!(
        (r.status.as_u16(), r.code()),
        (422, "validation"),
        "{}",
        r.body
    );
    let bad = c
        .post(
            "/api/v1/orders",
            json!({"dataset_id": ds.id, "spec": {"name": "x", "task_type": "single_choice",
                "labels": [crate::work::label("a", '1'), crate::work::label("b", '2')],
                "overlap": {"kind": "fixed", "n": 1}, "piece_rate_fen": 1,
                "training": {"pass_share": 0.3}}}),
        )
        .await;
    assert_eq!(
        (bad.status.as_u16(), bad.body["error"]["field"].as_str()),
        (422, Some("training"))
    );
});

both!(equal_orders_share_the_annotators, |app| {
    let w = app.world().await;
    let big = order(&app, &w, 40, choice_spec(json!({"kind": "fixed", "n": 3}))).await;
    let small = order(&app, &w, 10, choice_spec(json!({"kind": "fixed", "n": 3}))).await;
    let mut got = std::collections::HashMap::new();
    // Six people ask for work; each hands the unit back so the next request draws again.
    let mut people = Vec::new();
    for k in 0..6 {
        let id = app
            .user(crate::annotator(&format!("人{k}"), "5678", w.centre_a))
            .await
            .id
            .get();
        people.push(annotator_browser(&app, id, "5678", "lead_a").await);
    }
    for _ in 0..4 {
        for p in &people {
            let n = p.get("/api/v1/work/next").await;
            let a = &n.ok()["assignment"];
            *got.entry(a["order"]["id"].as_i64().unwrap()).or_insert(0) += 1;
            let id = a["id"].as_i64().unwrap();
            p.post(&format!("/api/v1/work/assignments/{id}/return"), json!({}))
                .await
                .ok();
        }
    }
    assert!(
        got.get(&small).copied().unwrap_or(0) >= 4 && got.get(&big).copied().unwrap_or(0) >= 4,
        "a big order does not starve a small one: {got:?}"
    );
});

both!(a_leads_pause_is_respected_at_once, |app| {
    let w = app.world().await;
    let one = order(&app, &w, 10, choice_spec(json!({"kind": "fixed", "n": 1}))).await;
    let a = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;
    let lead = app.browser();
    lead.login("lead_a").await.ok();
    let n = a.get("/api/v1/work/next").await;
    let aid = n.ok()["assignment"]["id"].as_i64().unwrap();

    // Paused on the order: the live unit goes back and nothing else is offered.
    let p = lead
        .post(
            "/api/v1/lead/pauses",
            json!({"annotator_id": w.ann_a1, "order_id": one, "note": "看错太多"}),
        )
        .await;
    let pause = p.ok()["id"].as_i64().unwrap();
    let n = a.get("/api/v1/work/next").await;
    assert_eq!(
        (n.ok()["status"].as_str(), n.body["reason"].as_str()),
        (Some("nothing"), Some("paused"))
    );
    // The unit was handed back.
    a.post(
        &format!("/api/v1/work/assignments/{aid}/heartbeat"),
        json!({}),
    )
    .await
    .refused(mudou_domain::ErrorCode::AssignmentEnded);
    let audit = app
        .state
        .store
        .audit_order(mudou_domain::OrderId::new(one), mudou_store::now_millis())
        .await
        .unwrap();
    assert_eq!(
        audit.leases, 0,
        "the paused unit's items are free for others"
    );
    let other = annotator_browser(&app, w.ann_a2, "2222", "lead_a").await;
    assert_eq!(
        other.get("/api/v1/work/next").await.ok()["status"],
        "assigned"
    );

    // Lifted: work again.
    lead.post(&format!("/api/v1/lead/pauses/{pause}/lift"), json!({}))
        .await
        .ok();
    assert_eq!(a.get("/api/v1/work/next").await.ok()["status"], "assigned");

    // Paused on all work (a lead of another centre cannot do it).
    let lead_b = app.browser();
    lead_b.login("lead_b").await.ok();
    let r = lead_b
        .post("/api/v1/lead/pauses", json!({"annotator_id": w.ann_a1}))
        .await;
    assert_eq!(r.status.as_u16(), 404, "{}", r.body);
    lead.post("/api/v1/lead/pauses", json!({"annotator_id": w.ann_a1}))
        .await
        .ok();
    let n = a.get("/api/v1/work/next").await;
    assert_eq!(n.ok()["reason"], "paused");
});

// A practice answer earns nothing by design: a wrong one is not listed as unpaid.
both!(practice_answers_are_not_listed_as_unpaid, |app| {
    let w = app.world().await;
    let mut spec = choice_spec(json!({"kind": "fixed", "n": 1}));
    spec["name"] = json!("形状练习");
    spec["unit_size"] = json!(3);
    spec["training"] = json!({"pass_share": 0.8});
    let (_, gold) = training_order(&app, &w, 6, 6, spec).await;
    let a = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;
    let n = a.get("/api/v1/work/next").await;
    let asg = &n.ok()["assignment"];
    let aid = asg["id"].as_i64().unwrap();
    let item = asg["items"][0]["item_id"].as_i64().unwrap();
    let (_, body) = answer(&a, aid, item, wrong(gold[&item]));
    let r = a.post("/api/v1/work/labels", body).await;
    assert_eq!(r.ok()["feedback"]["correct"], false);
    let u = a.get("/api/v1/me/earnings/unpaid?range=today").await;
    assert_eq!(u.ok()["items"], json!([]), "{}", u.body);
});
