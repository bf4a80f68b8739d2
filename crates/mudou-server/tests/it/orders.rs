use bytes::Bytes;
use mudou_app::ingest::{IncomingImage, add_images};
use mudou_domain::ErrorCode;
use serde_json::{Value, json};

use crate::{Browser, TestApp, World, both};

/// Uploads `n` of the generated shapes pictures (with their manifest answers) into a new dataset of org A.
async fn shapes_dataset(app: &TestApp, w: &World, n: usize) -> i64 {
    let ds = app.dataset(w.org_a, "形状").await;
    add_shapes(app, ds.id, 0..n).await;
    ds.id
}

async fn add_shapes(app: &TestApp, dataset_id: i64, range: std::ops::Range<usize>) {
    let dir = format!("{}/../../datasets/shapes", env!("CARGO_MANIFEST_DIR"));
    let manifest = std::fs::read_to_string(format!("{dir}/manifest.csv")).unwrap();
    let mut rdr = csv::Reader::from_reader(manifest.as_bytes());
    let mut files = Vec::new();
    for (i, row) in rdr.records().enumerate() {
        if !range.contains(&i) {
            continue;
        }
        let row = row.unwrap();
        let boxes: Value = serde_json::from_str(&row[3]).unwrap();
        files.push(IncomingImage {
            file_name: row[0].to_owned(),
            tag: row[1].to_owned(),
            bytes: Bytes::from(std::fs::read(format!("{dir}/{}", &row[0])).unwrap()),
            meta: "{}".into(),
            gold: Some(json!({"label": &row[2], "boxes": boxes}).to_string()),
        });
    }
    let out = add_images(&app.state, dataset_id, files).await.unwrap();
    assert!(out.iter().all(|o| o.status == "accepted"));
}

fn label(key: &str, zh: &str, hot: char) -> Value {
    json!({"key": key, "name_zh": zh, "name_en": key, "colour": "#1e88e5", "hotkey": hot.to_string()})
}

fn box_spec() -> Value {
    json!({
        "name": "框出形状",
        "task_type": "bbox",
        "labels": [label("circle", "圆", '1'), label("square", "方", '2'), label("triangle", "三角", '3'), label("star", "星", '4')],
        "instructions": "把每个形状框出来。",
        "overlap": {"kind": "dynamic", "min": 2, "max": 5, "target": 0.9},
        "gold_share": 0.2,
        "max_gold_items": 6,
        "unit_size": 10,
        "piece_rate_fen": 20,
        "box_rate_fen": 5,
        "box_pay_cap": 10,
        "priority": 7
    })
}

async fn client(app: &TestApp, who: &str) -> Browser {
    let b = app.browser();
    b.login(who).await.ok();
    b
}

both!(order_lifecycle_with_gold_and_units, |app| {
    let w = app.world().await;
    let ds = shapes_dataset(&app, &w, 30).await;
    let c = client(&app, "client_a").await;

    let o = c
        .post(
            "/api/v1/orders",
            json!({"dataset_id": ds, "spec": box_spec()}),
        )
        .await;
    assert_eq!(o.status.as_u16(), 201, "{}", o.body);
    assert_eq!(o.body["state"], "draft");
    let id = o.body["id"].as_i64().unwrap();

    // Edit while draft.
    let mut spec = box_spec();
    spec["priority"] = json!(9);
    let put = |body: Value| {
        let url = format!("{}/api/v1/orders/{id}", c.url);
        let http = c.http.clone();
        async move { crate::Got::from(http.put(url).json(&body).send().await.unwrap()).await }
    };
    assert_eq!(
        put(json!({"spec": spec.clone()})).await.ok()["spec"]["priority"],
        9
    );

    // A typed-in gold answer must fit the labels and the picture.
    let item = c
        .get(&format!("/api/v1/datasets/{ds}/items?limit=1"))
        .await
        .ok()["items"][0]["id"]
        .as_i64()
        .unwrap();
    let gold_url = format!("{}/api/v1/orders/{id}/gold/{item}", c.url);
    let bad = c
        .http
        .put(&gold_url)
        .json(&json!({"answer": {"boxes": [{"label": "cow", "x": 1, "y": 1, "w": 5, "h": 5}]}}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 422);
    let outside = c
        .http
        .put(&gold_url)
        .json(
            &json!({"answer": {"boxes": [{"label": "star", "x": 400, "y": 1, "w": 200, "h": 5}]}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(outside.status().as_u16(), 422, "a box past the image edge");
    let ok = c
        .http
        .put(&gold_url)
        .json(
            &json!({"answer": {"boxes": [{"label": "star", "x": 10, "y": 10, "w": 50, "h": 50}]}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status().as_u16(), 204);
    let listed = c.get(&format!("/api/v1/orders/{id}/gold")).await;
    assert_eq!(listed.ok()["items"][0]["item_id"].as_i64(), Some(item));
    assert_eq!(
        listed.body["items"][0]["answer"]["boxes"][0]["label"],
        "star"
    );
    assert_eq!(
        c.delete(&format!("/api/v1/orders/{id}/gold/{item}"))
            .await
            .status
            .as_u16(),
        204
    );
    assert_eq!(
        c.delete(&format!("/api/v1/orders/{id}/gold/{item}"))
            .await
            .status
            .as_u16(),
        404
    );
    let ok = c
        .http
        .put(&gold_url)
        .json(
            &json!({"answer": {"boxes": [{"label": "star", "x": 10, "y": 10, "w": 50, "h": 50}]}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status().as_u16(), 204);

    let p = c
        .post(&format!("/api/v1/orders/{id}/publish"), json!({}))
        .await;
    assert_eq!(p.ok()["state"], "open");
    let counts = &p.body["counts"];
    // 6 gold at most from the manifest plus the typed one (which may be among them).
    let gold = counts["gold_items"].as_i64().unwrap();
    assert!((6..=7).contains(&gold), "{counts}");
    assert_eq!(counts["items"].as_i64().unwrap() + gold, 30);
    let units = c.get(&format!("/api/v1/orders/{id}/units")).await;
    let units = units.ok()["items"].as_array().unwrap().clone();
    assert_eq!(units.len() as i64, counts["units"].as_i64().unwrap());
    assert!(
        units
            .iter()
            .all(|u| u["slots"] == 2 && u["items"].as_i64().unwrap() <= 10)
    );
    let in_units: i64 = units.iter().map(|u| u["items"].as_i64().unwrap()).sum();
    assert!(
        in_units > counts["items"].as_i64().unwrap(),
        "gold mixed in"
    );

    // No more edits; lifecycle moves. Each refusal says the order's state is why.
    put(json!({"spec": spec}))
        .await
        .refused(ErrorCode::OrderState);
    let again = c
        .post(&format!("/api/v1/orders/{id}/publish"), json!({}))
        .await;
    again.refused(ErrorCode::OrderState);
    assert_eq!(again.body["error"]["state"], "open", "{}", again.body);
    c.post(&format!("/api/v1/orders/{id}/resume"), json!({}))
        .await
        .refused(ErrorCode::OrderState);
    assert_eq!(
        c.post(&format!("/api/v1/orders/{id}/pause"), json!({}))
            .await
            .ok()["state"],
        "paused"
    );

    // New pictures in the dataset join as new units.
    add_shapes(&app, ds, 30..40).await;
    let s = c
        .post(&format!("/api/v1/orders/{id}/sync"), json!({}))
        .await;
    assert_eq!(s.ok()["added_items"], 10);
    assert!(s.body["added_units"].as_i64().unwrap() >= 1);
    let again = c
        .post(&format!("/api/v1/orders/{id}/sync"), json!({}))
        .await;
    assert_eq!(
        (
            again.ok()["added_items"].as_i64(),
            again.body["added_units"].as_i64()
        ),
        (Some(0), Some(0))
    );

    assert_eq!(
        c.post(&format!("/api/v1/orders/{id}/resume"), json!({}))
            .await
            .ok()["state"],
        "open"
    );
    assert_eq!(
        c.post(&format!("/api/v1/orders/{id}/cancel"), json!({}))
            .await
            .ok()["state"],
        "cancelled"
    );
    c.post(&format!("/api/v1/orders/{id}/resume"), json!({}))
        .await
        .refused(ErrorCode::OrderState);
    assert_eq!(
        c.get("/api/v1/orders").await.ok()["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
});

both!(orders_that_make_no_sense_are_refused, |app| {
    let w = app.world().await;
    let ds = shapes_dataset(&app, &w, 8).await;
    let c = client(&app, "client_a").await;
    type Breaker = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Breaker)> = vec![
        (
            "overlap",
            Box::new(|s| s["overlap"] = json!({"kind": "fixed", "n": 0})),
        ),
        (
            "labels",
            Box::new(|s| s["labels"][1]["hotkey"] = json!("1")),
        ),
        (
            "piece_rate_fen",
            Box::new(|s| s["piece_rate_fen"] = json!(-5)),
        ),
        ("gold_share", Box::new(|s| s["gold_share"] = json!(0.8))),
        ("deadline", Box::new(|s| s["deadline"] = json!(1000))),
        (
            "labels",
            Box::new(|s| s["labels"][0]["examples"] = json!([999999])),
        ),
    ];
    for (field, f) in cases {
        let mut spec = box_spec();
        f(&mut spec);
        let g = c
            .post("/api/v1/orders", json!({"dataset_id": ds, "spec": spec}))
            .await;
        assert_eq!(
            (
                g.status.as_u16(),
                g.code(),
                g.body["error"]["field"].as_str()
            ),
            (422, "validation", Some(field)),
            "{}",
            g.body
        );
    }
    let g = c
        .post(
            "/api/v1/orders",
            json!({"dataset_id": ds, "spec": {"name": "x"}}),
        )
        .await;
    assert_eq!(g.status.as_u16(), 422, "missing fields");

    // The manifest's answers use shapes this order does not know: publishing says which item.
    let mut spec = box_spec();
    spec["task_type"] = json!("single_choice");
    spec["labels"] = json!([label("circle", "圆", '1'), label("square", "方", '2')]);
    spec["box_rate_fen"] = json!(0);
    spec["box_pay_cap"] = json!(0);
    spec["max_gold_items"] = Value::Null;
    let o = c
        .post("/api/v1/orders", json!({"dataset_id": ds, "spec": spec}))
        .await;
    let id = o.body["id"].as_i64().unwrap();
    let p = c
        .post(&format!("/api/v1/orders/{id}/publish"), json!({}))
        .await;
    assert_eq!(
        (p.status.as_u16(), p.body["error"]["field"].as_str()),
        (422, Some("gold")),
        "{}",
        p.body
    );
    assert!(p.body["error"]["item_id"].is_i64());
    assert_eq!(
        c.get(&format!("/api/v1/orders/{id}")).await.ok()["state"],
        "draft",
        "nothing half-made"
    );
    assert_eq!(
        c.get(&format!("/api/v1/orders/{id}/units")).await.ok()["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );

    // A text order on a dataset of pictures has nothing to label.
    let mut spec = box_spec();
    spec["task_type"] = json!("text_classification");
    spec["box_rate_fen"] = json!(0);
    spec["box_pay_cap"] = json!(0);
    let o = c
        .post("/api/v1/orders", json!({"dataset_id": ds, "spec": spec}))
        .await;
    let id = o.body["id"].as_i64().unwrap();
    assert_eq!(
        c.post(&format!("/api/v1/orders/{id}/publish"), json!({}))
            .await
            .status
            .as_u16(),
        422
    );
});

both!(orders_are_the_clients_own, |app| {
    let w = app.world().await;
    let ds = shapes_dataset(&app, &w, 4).await;
    let a = client(&app, "client_a").await;
    let id = a
        .post(
            "/api/v1/orders",
            json!({"dataset_id": ds, "spec": box_spec()}),
        )
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    let b = client(&app, "client_b").await;
    assert_eq!(
        b.get(&format!("/api/v1/orders/{id}")).await.status.as_u16(),
        404
    );
    assert_eq!(
        b.post(&format!("/api/v1/orders/{id}/publish"), json!({}))
            .await
            .status
            .as_u16(),
        404
    );
    assert_eq!(
        b.post(&format!("/api/v1/orders/{id}/cancel"), json!({}))
            .await
            .status
            .as_u16(),
        404
    );
    assert!(
        b.get("/api/v1/orders").await.ok()["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // Client B cannot order work on client A's dataset.
    assert_eq!(
        b.post(
            "/api/v1/orders",
            json!({"dataset_id": ds, "spec": box_spec()})
        )
        .await
        .status
        .as_u16(),
        404
    );
    let lead = client(&app, "lead_a").await;
    assert_eq!(lead.get("/api/v1/orders").await.status.as_u16(), 403);
    assert_eq!(
        a.get(&format!("/api/v1/orders/{id}")).await.ok()["state"],
        "draft"
    );
});
