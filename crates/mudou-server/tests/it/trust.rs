//! Right answers and right pay under every retry: a superseded submission retried, a unit
//! submitted twice, box consensus that is not unanimous, and exports that say what is
//! settled.

use std::collections::HashMap;
use std::io::Read;

use mudou_domain::ErrorCode;
use serde_json::{Value, json};

use crate::work::{annotator_browser, answer, choice_spec, order};
use crate::{Browser, both};

fn labels_of(asg: &Value) -> Vec<i64> {
    asg["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["item_id"].as_i64().unwrap())
        .collect()
}

async fn take(b: &Browser) -> (i64, Vec<i64>) {
    let next = b.get("/api/v1/work/next").await;
    assert_eq!(next.ok()["status"], "assigned", "{}", next.body);
    let asg = &next.body["assignment"];
    (asg["id"].as_i64().unwrap(), labels_of(asg))
}

both!(a_superseded_submission_retried_is_a_replay, |app| {
    let w = app.world().await;
    let order_id = order(&app, &w, 5, choice_spec(json!({"kind": "fixed", "n": 2}))).await;
    let a1 = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;
    let (aid, items) = take(&a1).await;
    let (_, first) = answer(&a1, aid, items[0], "circle");
    let stored = a1.post("/api/v1/work/labels", first.clone()).await;
    assert_eq!(stored.ok()["status"], "stored");
    let (_, second) = answer(&a1, aid, items[0], "square");
    assert_eq!(
        a1.post("/api/v1/work/labels", second.clone()).await.ok()["status"],
        "changed"
    );
    // The first submission arrives again (a retry from a flaky link): nothing changes.
    let late = a1.post("/api/v1/work/labels", first.clone()).await;
    assert_eq!(late.ok()["status"], "replay", "{}", late.body);
    assert_eq!(late.body["label_id"], stored.body["label_id"]);
    let shown = a1.get("/api/v1/work/next").await;
    assert_eq!(
        shown.body["assignment"]["items"][0]["answer"]["label"], "square",
        "the later answer stands"
    );
    // And again after a third answer, for both earlier submissions, forever.
    let (_, third) = answer(&a1, aid, items[0], "triangle");
    assert_eq!(
        a1.post("/api/v1/work/labels", third).await.ok()["status"],
        "changed"
    );
    for old in [&first, &second, &first] {
        assert_eq!(
            a1.post("/api/v1/work/labels", old.clone()).await.ok()["status"],
            "replay"
        );
    }
    let shown = a1.get("/api/v1/work/next").await;
    assert_eq!(
        shown.body["assignment"]["items"][0]["answer"]["label"],
        "triangle"
    );
    // Another person's retry of a superseded UUID is still refused.
    let a2 = annotator_browser(&app, w.ann_a2, "2222", "lead_a").await;
    let (aid2, items2) = take(&a2).await;
    let mut theirs = first.clone();
    theirs["assignment_id"] = json!(aid2);
    theirs["item_id"] = json!(items2[0]);
    a2.post("/api/v1/work/labels", theirs)
        .await
        .refused(ErrorCode::UuidReused);
    let _ = order_id;
});

both!(a_unit_submitted_twice_answers_as_the_first_time, |app| {
    let w = app.world().await;
    order(&app, &w, 10, choice_spec(json!({"kind": "fixed", "n": 1}))).await;
    let a1 = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;
    let (aid, items) = take(&a1).await;
    for &item in &items {
        let (_, body) = answer(&a1, aid, item, "circle");
        a1.post("/api/v1/work/labels", body).await.ok();
    }
    let path = format!("/api/v1/work/assignments/{aid}/submit");
    let first = a1.post(&path, json!({})).await;
    assert_eq!(first.ok()["state"], "submitted");
    // The answer was lost on the way (a dropped link, a killed server): the retry is the same.
    let again = a1.post(&path, json!({})).await;
    assert_eq!(
        again.ok(),
        first.ok(),
        "the second submit answers as the first"
    );
    // Pay was booked once.
    let pay = a1.get("/api/v1/me/earnings").await;
    let earned = serde_json::to_string(pay.ok()).unwrap();
    assert!(!earned.is_empty());
    // Handing back twice is the same too; but a unit handed back is not then submitted.
    let (aid2, _) = take(&a1).await;
    let back = format!("/api/v1/work/assignments/{aid2}/return");
    let r1 = a1.post(&back, json!({})).await;
    assert_eq!(r1.ok()["state"], "returned");
    let r2 = a1.post(&back, json!({})).await;
    assert_eq!(r2.ok(), r1.ok());
    let g = a1
        .post(
            &format!("/api/v1/work/assignments/{aid2}/submit"),
            json!({}),
        )
        .await;
    g.refused(ErrorCode::AssignmentEnded);
    // Someone else's unit is not found, submitted or not.
    let a2 = annotator_browser(&app, w.ann_a2, "2222", "lead_a").await;
    assert_eq!(a2.post(&path, json!({})).await.status.as_u16(), 404);
});

fn box_spec() -> Value {
    let mut s = choice_spec(json!({"kind": "fixed", "n": 2}));
    s["task_type"] = json!("bbox");
    s["name"] = json!("框");
    s
}

fn boxes(bs: &[(&str, f64, f64, f64, f64)]) -> Value {
    let v: Vec<Value> = bs
        .iter()
        .map(|(l, x, y, w, h)| json!({"label": l, "x": x, "y": y, "w": w, "h": h}))
        .collect();
    json!({ "boxes": v })
}

async fn draw(b: &Browser, aid: i64, item: i64, answer: Value) {
    let body = json!({"client_uuid": uuid::Uuid::new_v4().to_string(), "assignment_id": aid,
        "item_id": item, "answer": answer, "duration_ms": 2000});
    b.post("/api/v1/work/labels", body).await.ok();
}

async fn download(c: &Browser, order: i64, query: &str) -> Vec<u8> {
    let r = c
        .http
        .get(format!("{}/api/v1/orders/{order}/export?{query}", c.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "{query}");
    r.bytes().await.unwrap().to_vec()
}

both!(box_disagreement_and_exports_say_what_is_settled, |app| {
    let w = app.world().await;
    let order_id = order(&app, &w, 5, box_spec()).await;
    let a1 = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;
    let a2 = annotator_browser(&app, w.ann_a2, "2222", "lead_a").await;
    let good = boxes(&[("circle", 10.0, 10.0, 40.0, 40.0)]);
    let (aid1, items) = take(&a1).await;
    for &item in &items {
        draw(&a1, aid1, item, good.clone()).await;
    }
    let (aid2, mut items2) = take(&a2).await;
    let mut items = items;
    items.sort_unstable();
    items2.sort_unstable();
    assert_eq!(items2, items, "the same unit, two people");
    // The first picture: the same box. The second: a small box elsewhere (the counts match,
    // the boxes do not). The rest: a2 has not answered yet.
    draw(
        &a2,
        aid2,
        items[0],
        boxes(&[("circle", 11.0, 10.0, 40.0, 41.0)]),
    )
    .await;
    draw(
        &a2,
        aid2,
        items[1],
        boxes(&[("circle", 70.0, 70.0, 8.0, 8.0)]),
    )
    .await;

    let c = app.browser();
    c.login("client_a").await.ok();
    let lines: Vec<Value> = String::from_utf8(download(&c, order_id, "format=jsonl").await)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let by_item: HashMap<i64, &Value> = lines
        .iter()
        .map(|l| (l["item_id"].as_i64().unwrap(), l))
        .collect();
    let agreed = by_item[&items[0]];
    assert_eq!(
        (agreed["state"].as_str(), agreed["settled"].as_bool()),
        (Some("resolved"), Some(true)),
        "{agreed}"
    );
    assert_eq!(agreed["answer"]["boxes"].as_array().unwrap().len(), 1);
    let disputed = by_item[&items[1]];
    assert_eq!(disputed["state"], "escalated", "{disputed}");
    assert_eq!(disputed["answer"], Value::Null, "no false 'no boxes'");
    assert_eq!(disputed["confidence"], Value::Null);
    for item in &items[2..] {
        let l = by_item[item];
        assert_eq!(
            (l["state"].as_str(), l["settled"].as_bool()),
            (Some("open"), Some(false))
        );
        assert_eq!(
            (&l["answer"], &l["confidence"]),
            (&Value::Null, &Value::Null),
            "{l}"
        );
        assert_eq!(l["labels"].as_array().unwrap().len(), 1, "raw labels stay");
    }
    // Nobody is paid on the disputed picture until a lead decides.
    let disputed_ids: Vec<i64> = vec![items[1]];
    let queue = app.browser();
    queue.login("lead_a").await.ok();
    let q = queue.get("/api/v1/lead/review").await;
    let queued: Vec<i64> = q.ok()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["item_id"].as_i64().unwrap())
        .collect();
    assert!(queued.contains(&disputed_ids[0]), "{}", q.body);

    // With include=all the current answers come, marked.
    let all: Vec<Value> =
        String::from_utf8(download(&c, order_id, "format=jsonl&include=all").await)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
    let open = all.iter().find(|l| l["item_id"] == items[2]).unwrap();
    assert_eq!(open["state"], "open");
    assert_eq!(
        open["answer"]["boxes"].as_array().unwrap().len(),
        1,
        "{open}"
    );

    // CSV: every row, answers only where settled.
    let text = String::from_utf8(download(&c, order_id, "format=csv").await).unwrap();
    let mut r = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 5);
    for row in &rows {
        let settled = &row[3] == "resolved";
        assert_eq!(!row[4].is_empty(), settled, "{row:?}");
        assert_eq!(!row[5].is_empty(), settled, "{row:?}");
    }

    // COCO: only the settled picture; with include=all every picture, each with its state.
    let coco: Value = serde_json::from_slice(&download(&c, order_id, "format=coco").await).unwrap();
    let ids: Vec<i64> = coco["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![items[0]]);
    assert_eq!(coco["images"][0]["state"], "resolved");
    assert_eq!(coco["annotations"].as_array().unwrap().len(), 1);
    let coco: Value =
        serde_json::from_slice(&download(&c, order_id, "format=coco&include=all").await).unwrap();
    assert_eq!(coco["images"].as_array().unwrap().len(), 5);
    assert!(
        coco["images"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["state"] == "open")
    );

    // YOLO: a label file for the settled picture only, and each file's state.
    let bytes = download(&c, order_id, "format=yolo").await;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let files = zip
        .file_names()
        .filter(|n| n.starts_with("labels/"))
        .count();
    assert_eq!(files, 1);
    let mut states = String::new();
    zip.by_name("states.csv")
        .unwrap()
        .read_to_string(&mut states)
        .unwrap();
    assert_eq!(states.lines().count(), 2, "{states}");
    assert!(
        states.lines().nth(1).unwrap().ends_with(",resolved"),
        "{states}"
    );
    let bytes = download(&c, order_id, "format=yolo&include=all").await;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(
        zip.file_names()
            .filter(|n| n.starts_with("labels/"))
            .count(),
        5
    );
    let mut states = String::new();
    zip.by_name("states.csv")
        .unwrap()
        .read_to_string(&mut states)
        .unwrap();
    assert!(
        states.contains(",open") && states.contains(",escalated"),
        "{states}"
    );

    // Label Studio: every task with its state; the consensus (a prediction) for the
    // settled one only; the annotators' own labels (annotations) for all.
    let ls: Value =
        serde_json::from_slice(&download(&c, order_id, "format=labelstudio").await).unwrap();
    let tasks = ls.as_array().unwrap();
    assert_eq!(tasks.len(), 5);
    for t in tasks {
        let settled = t["meta"]["state"] == "resolved";
        assert_eq!(
            t["predictions"].as_array().unwrap().is_empty(),
            !settled,
            "{t}"
        );
        assert!(!t["annotations"].as_array().unwrap().is_empty(), "{t}");
    }
    let g = c
        .get(&format!(
            "/api/v1/orders/{order_id}/export?format=csv&include=some"
        ))
        .await;
    assert_eq!(g.status.as_u16(), 400, "{}", g.body);
});

both!(
    extreme_numbers_are_refused_not_a_dropped_connection,
    |app| {
        let w = app.world().await;
        let lead = app.browser();
        lead.login("lead_a").await.ok();
        // Found by the API fuzzer: i64::MIN overflowed the size check and the handler panicked.
        for amount in [i64::MIN, i64::MAX, -10_000_001] {
            let g = lead
                .post(
                    "/api/v1/centre/adjustments",
                    json!({"annotator_id": w.ann_a1, "amount_fen": amount, "reason": "调整"}),
                )
                .await;
            assert_eq!(
                (g.status.as_u16(), g.code()),
                (422, "validation"),
                "{amount}: {}",
                g.body
            );
        }
    }
);

both!(the_api_document_tells_the_truth, |app| {
    let w = app.world().await;
    let b = app.browser();
    let doc = b.get("/api/openapi.json").await.ok().clone();
    // Every reference resolves.
    let text = doc.to_string();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for part in text.split("\"#/components/schemas/").skip(1) {
        let name = &part[..part.find('"').unwrap()];
        assert!(schemas.contains_key(name), "dangling $ref {name}");
    }
    // Every operation lists what any route may answer besides its own.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let has = |code: &str| op["responses"].get(code).is_some();
            assert!(has("503"), "{method} {path}");
            if path.starts_with("/api/v1/") {
                assert!(has("401") && has("403"), "{method} {path}");
            }
            if op.get("requestBody").is_some() {
                for code in ["400", "413", "415", "422"] {
                    assert!(has(code), "{method} {path} {code}");
                }
            }
            for (code, r) in op["responses"].as_object().unwrap() {
                assert!(
                    r["description"].as_str().is_some_and(|d| !d.is_empty()),
                    "{method} {path} {code}"
                );
            }
        }
    }
    // The centres report answers what it documents: each centre's id once.
    let ours = &doc["paths"]["/api/v1/reports/centres"]["get"]["responses"]["200"]["content"]["application/json"]
        ["schema"]["$ref"];
    assert_eq!(ours, "#/components/schemas/Items_CentreFigures");
    let figures = &schemas["CentreFigures"];
    assert!(
        figures["properties"].get("labels").is_some() || figures.to_string().contains("BucketOut"),
        "{figures}"
    );
    let admin = app.browser();
    admin.login("admin").await.ok();
    let r = admin
        .http
        .get(format!("{}/api/v1/reports/centres", admin.url))
        .send()
        .await
        .unwrap();
    let raw = r.text().await.unwrap();
    let rows: Value = serde_json::from_str(&raw).unwrap();
    let n = rows["items"].as_array().unwrap().len();
    assert!(n >= 2, "{raw}");
    assert_eq!(
        raw.matches("\"centre_id\"").count(),
        n,
        "one centre_id a row: {raw}"
    );
    let ids: Vec<i64> = rows["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["centre_id"].as_i64().unwrap())
        .collect();
    assert!(
        ids.contains(&w.centre_a) && ids.contains(&w.centre_b),
        "{raw}"
    );
});
