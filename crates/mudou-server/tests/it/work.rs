use std::collections::{HashMap, HashSet};

use bytes::Bytes;
use mudou_app::ingest::{IncomingImage, add_images};
use mudou_domain::ErrorCode;
use serde_json::{Value, json};

use crate::{Browser, TestApp, World, annotator, both};

pub(crate) fn label(key: &str, hot: char) -> Value {
    json!({"key": key, "name_zh": key, "name_en": key, "colour": "#1e88e5", "hotkey": hot.to_string()})
}

pub(crate) fn choice_spec(overlap: Value) -> Value {
    json!({
        "name": "形状分类",
        "task_type": "single_choice",
        "labels": [label("circle", '1'), label("square", '2'), label("triangle", '3'), label("star", '4')],
        "overlap": overlap,
        "max_gold_items": 0,
        "unit_size": 5,
        "piece_rate_fen": 10
    })
}

/// A dataset of org A holding the first `n` shapes pictures (`shape_000.jpg`, …); its id.
pub(crate) async fn shape_pictures(app: &TestApp, w: &World, n: usize) -> i64 {
    let ds = app
        .dataset(w.org_a, &format!("d{}", mudou_store::now_millis()))
        .await;
    let dir = format!("{}/../../datasets/shapes", env!("CARGO_MANIFEST_DIR"));
    let files = (0..n)
        .map(|i| IncomingImage {
            file_name: format!("shape_{i:03}.jpg"),
            tag: String::new(),
            bytes: Bytes::from(std::fs::read(format!("{dir}/shape_{i:03}.jpg")).unwrap()),
            meta: "{}".into(),
            gold: None,
        })
        .collect();
    add_images(&app.state, ds.id, files).await.unwrap();
    ds.id
}

/// A published order of org A over `n` shapes pictures; returns (order id, item ids).
pub(crate) async fn order(app: &TestApp, w: &World, n: usize, spec: Value) -> i64 {
    let ds = shape_pictures(app, w, n).await;
    let c = app.browser();
    c.login("client_a").await.ok();
    let o = c
        .post("/api/v1/orders", json!({"dataset_id": ds, "spec": spec}))
        .await;
    let id = o.ok()["id"].as_i64().unwrap();
    c.post(&format!("/api/v1/orders/{id}/publish"), json!({}))
        .await
        .ok();
    id
}

pub(crate) async fn annotator_browser(
    app: &TestApp,
    user_id: i64,
    pin: &str,
    lead: &str,
) -> Browser {
    let b = app.browser();
    b.enrol_as(lead).await;
    b.pin(user_id, pin).await.ok();
    b
}

/// The caller's next unit (it must be one): the assignment's id and its items' ids.
pub(crate) async fn take(b: &Browser) -> (i64, Vec<i64>) {
    let next = b.get("/api/v1/work/next").await;
    assert_eq!(next.ok()["status"], "assigned", "{}", next.body);
    let asg = &next.body["assignment"];
    let items = asg["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["item_id"].as_i64().unwrap())
        .collect();
    (asg["id"].as_i64().unwrap(), items)
}

/// One label of `answer` on `item`, answered in `duration_ms`, under a new client UUID.
pub(crate) async fn give_label(
    b: &Browser,
    aid: i64,
    item: i64,
    answer: Value,
    duration_ms: i64,
) -> crate::Got {
    let body = json!({"client_uuid": uuid::Uuid::new_v4().to_string(), "assignment_id": aid,
        "item_id": item, "answer": answer, "duration_ms": duration_ms});
    b.post("/api/v1/work/labels", body).await
}

pub(crate) fn answer(b: &Browser, assignment: i64, item: i64, label: &str) -> (String, Value) {
    let _ = b;
    let uuid = uuid::Uuid::new_v4().to_string();
    (
        uuid.clone(),
        json!({"client_uuid": uuid, "assignment_id": assignment, "item_id": item, "answer": {"label": label}, "duration_ms": 1500}),
    )
}

both!(annotator_labels_a_unit_safely, |app| {
    let w = app.world().await;
    let order_id = order(&app, &w, 12, choice_spec(json!({"kind": "fixed", "n": 2}))).await;
    let a1 = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;

    let next = a1.get("/api/v1/work/next").await;
    assert_eq!(next.ok()["status"], "assigned", "{}", next.body);
    let asg = &next.body["assignment"];
    let aid = asg["id"].as_i64().unwrap();
    assert_eq!(asg["order"]["task_type"], "single_choice");
    assert_eq!(asg["order"]["labels"].as_array().unwrap().len(), 4);
    let items: Vec<i64> = asg["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["item_id"].as_i64().unwrap())
        .collect();
    assert_eq!(items.len(), 5);
    assert!(asg["items"][0].get("is_gold").is_none(), "gold never shows");

    // The annotator sees the pictures of their unit; another client does not.
    let screen = asg["items"][0]["screen_url"].as_str().unwrap().to_owned();
    assert_eq!(
        a1.http
            .get(format!("{}{screen}", app.url))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    let b = app.browser();
    b.login("client_b").await.ok();
    assert_eq!(b.get(&screen).await.status.as_u16(), 404);

    // Asking again (a reload, a shared PC) gives the same unit back.
    assert_eq!(
        a1.get("/api/v1/work/next").await.body["assignment"]["id"].as_i64(),
        Some(aid)
    );

    // A bad answer is refused and stores nothing.
    let (_, mut bad) = answer(&a1, aid, items[0], "cow");
    let g = a1.post("/api/v1/work/labels", bad.clone()).await;
    assert_eq!((g.status.as_u16(), g.code()), (422, "validation"));
    bad["answer"] = json!({"label": "circle"});
    bad["skip"] = json!("unclear");
    assert_eq!(
        a1.post("/api/v1/work/labels", bad).await.status.as_u16(),
        422,
        "answer and skip together"
    );
    let g = a1.post("/api/v1/work/labels", json!({"client_uuid": "not-a-uuid", "assignment_id": aid, "item_id": items[0], "answer": {"label": "circle"}})).await;
    assert_eq!(g.status.as_u16(), 422);

    // Answer, retry with the same UUID, change the answer.
    let (_, body) = answer(&a1, aid, items[0], "circle");
    let first = a1.post("/api/v1/work/labels", body.clone()).await;
    assert_eq!(first.ok()["status"], "stored");
    let again = a1.post("/api/v1/work/labels", body).await;
    assert_eq!(
        (
            again.ok()["status"].as_str(),
            again.body["label_id"].clone()
        ),
        (Some("replay"), first.body["label_id"].clone())
    );
    let (_, change) = answer(&a1, aid, items[0], "square");
    assert_eq!(
        a1.post("/api/v1/work/labels", change).await.ok()["status"],
        "changed"
    );
    let reloaded = a1.get("/api/v1/work/next").await;
    assert_eq!(
        reloaded.body["assignment"]["items"][0]["answer"]["label"], "square",
        "the answer comes back on reload"
    );
    for &item in &items[1..] {
        let (_, body) = answer(&a1, aid, item, "circle");
        a1.post("/api/v1/work/labels", body).await.ok();
    }
    let hb = a1
        .post(
            &format!("/api/v1/work/assignments/{aid}/heartbeat"),
            json!({}),
        )
        .await;
    assert!(hb.ok()["lease_expires_at"].as_i64().unwrap() > mudou_store::now_millis());
    assert_eq!(
        a1.post(&format!("/api/v1/work/assignments/{aid}/submit"), json!({}))
            .await
            .ok()["state"],
        "submitted"
    );
    let (_, late) = answer(&a1, aid, items[1], "star");
    // Answers are final after submit.
    a1.post("/api/v1/work/labels", late)
        .await
        .refused(ErrorCode::UnitClosed);
    assert_eq!(
        a1.post(&format!("/api/v1/work/assignments/{aid}/submit"), json!({}))
            .await
            .ok()["state"],
        "submitted",
        "a second submit (a retry) answers as the first"
    );

    // The next unit never repeats an item.
    let next2 = a1.get("/api/v1/work/next").await;
    let items2: Vec<i64> = next2.ok()["assignment"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["item_id"].as_i64().unwrap())
        .collect();
    assert!(
        items2.iter().all(|i| !items.contains(i)),
        "{items:?} {items2:?}"
    );

    // An item outside the unit is not found in it.
    let aid2 = next2.body["assignment"]["id"].as_i64().unwrap();
    let (_, outside) = answer(&a1, aid2, items[0], "circle");
    a1.post("/api/v1/work/labels", outside)
        .await
        .refused(ErrorCode::NotFound);

    // Someone else's assignment is not found; leads and clients do not get work.
    let a2 = annotator_browser(&app, w.ann_a2, "2222", "lead_a").await;
    let (_, body) = answer(&a2, aid, items[0], "circle");
    a2.post("/api/v1/work/labels", body)
        .await
        .refused(ErrorCode::NotFound);
    let lead = app.browser();
    lead.login("lead_a").await.ok();
    assert_eq!(lead.get("/api/v1/work/next").await.status.as_u16(), 403);

    let metrics = app.metrics().await;
    assert!(
        metrics.contains(&format!(
            "mudou_labels_submitted_total{{centre=\"{}\"}} 5",
            w.centre_a
        )),
        "{metrics}"
    );
    assert!(
        metrics.contains("mudou_active_assignments 1"),
        "a1's second unit is live"
    );
    assert!(
        metrics.contains(&format!("mudou_items_waiting{{order=\"{order_id}\"}} 12")),
        "nothing resolved yet with overlap 2"
    );
    assert!(metrics.contains("mudou_dispatch_seconds_count"));
    let _ = order_id;
});

both!(every_item_gets_exactly_its_overlap, |app| {
    let w = app.world().await;
    let order_id = order(&app, &w, 12, choice_spec(json!({"kind": "fixed", "n": 2}))).await;
    let mut people = vec![
        annotator_browser(&app, w.ann_a1, "1111", "lead_a").await,
        annotator_browser(&app, w.ann_a2, "2222", "lead_a").await,
        annotator_browser(&app, w.ann_b1, "3333", "lead_b").await,
    ];
    // A fourth annotator hands a unit back halfway.
    let extra = app
        .user(annotator("半途", "4444", w.centre_a))
        .await
        .id
        .get();
    let quitter = annotator_browser(&app, extra, "4444", "lead_a").await;
    let n = quitter.get("/api/v1/work/next").await;
    let qa = n.ok()["assignment"]["id"].as_i64().unwrap();
    let q_item = n.body["assignment"]["items"][0]["item_id"]
        .as_i64()
        .unwrap();
    let (_, body) = answer(&quitter, qa, q_item, "star");
    quitter.post("/api/v1/work/labels", body).await.ok();
    assert_eq!(
        quitter
            .post(&format!("/api/v1/work/assignments/{qa}/return"), json!({}))
            .await
            .ok()["state"],
        "returned"
    );
    people.push(quitter);

    let mut seen: HashMap<i64, HashSet<i64>> = HashMap::new();
    for round in 0..20 {
        let mut any = false;
        for (who, b) in people.iter().enumerate() {
            let next = b.get("/api/v1/work/next").await;
            if next.ok()["status"] != "assigned" {
                assert_eq!(next.body["reason"], "all_done");
                continue;
            }
            any = true;
            let aid = next.body["assignment"]["id"].as_i64().unwrap();
            for item in next.body["assignment"]["items"].as_array().unwrap() {
                let item = item["item_id"].as_i64().unwrap();
                assert!(
                    seen.entry(who as i64).or_default().insert(item),
                    "annotator {who} got item {item} twice"
                );
                let (_, body) = answer(
                    b,
                    aid,
                    item,
                    if item % 2 == 0 { "circle" } else { "square" },
                );
                b.post("/api/v1/work/labels", body).await.ok();
            }
            b.post(&format!("/api/v1/work/assignments/{aid}/submit"), json!({}))
                .await
                .ok();
        }
        if !any {
            assert!(round > 0);
            break;
        }
    }
    let c = app.browser();
    c.login("client_a").await.ok();
    let o = c.get(&format!("/api/v1/orders/{order_id}")).await;
    let counts = &o.ok()["counts"];
    assert_eq!(counts["items"], 12);
    assert_eq!(counts["resolved"], 12, "{counts}");
    assert_eq!(
        counts["labels"], 24,
        "exactly two labels per item: {counts}"
    );
});

both!(
    expired_leases_release_items_and_late_labels_count_while_needed,
    |app| {
        let w = app.world().await;
        order(&app, &w, 5, choice_spec(json!({"kind": "fixed", "n": 1}))).await;
        let a1 = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;
        let a2 = annotator_browser(&app, w.ann_a2, "2222", "lead_a").await;
        let n1 = a1.get("/api/v1/work/next").await;
        let aid1 = n1.ok()["assignment"]["id"].as_i64().unwrap();
        let items: Vec<i64> = n1.body["assignment"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["item_id"].as_i64().unwrap())
            .collect();
        assert_eq!(items.len(), 5);
        assert_eq!(
            a2.get("/api/v1/work/next").await.ok()["reason"],
            "all_done",
            "all items are leased to a1"
        );

        // The power goes out for a1: the lease runs out and the items go back.
        let later = mudou_store::now_millis() + 11 * 60 * 1000;
        assert_eq!(app.state.store.expire_leases(later).await.unwrap(), 1);
        let hb = a1
            .post(
                &format!("/api/v1/work/assignments/{aid1}/heartbeat"),
                json!({}),
            )
            .await;
        hb.refused(ErrorCode::AssignmentEnded);
        // a1's late answer is still welcome: the item needs it.
        let (_, late) = answer(&a1, aid1, items[0], "circle");
        assert_eq!(
            a1.post("/api/v1/work/labels", late).await.ok()["item_state"],
            "resolved"
        );
        let n2 = a2.get("/api/v1/work/next").await;
        let aid2 = n2.ok()["assignment"]["id"].as_i64().unwrap();
        let items2: Vec<i64> = n2.body["assignment"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["item_id"].as_i64().unwrap())
            .collect();
        assert_eq!(items2.len(), 4, "the answered item is not handed out again");
        for &i in &items2 {
            let (_, body) = answer(&a2, aid2, i, "star");
            a2.post("/api/v1/work/labels", body).await.ok();
        }
        // Now a1's other late answers are not needed any more.
        let (_, late) = answer(&a1, aid1, items2[0], "circle");
        a1.post("/api/v1/work/labels", late)
            .await
            .refused(ErrorCode::NoLongerNeeded);
    }
);

both!(skipped_items_go_to_review_and_eligibility_is_kept, |app| {
    let w = app.world().await;
    order(&app, &w, 3, choice_spec(json!({"kind": "fixed", "n": 1}))).await;
    let people = [
        annotator_browser(&app, w.ann_a1, "1111", "lead_a").await,
        annotator_browser(&app, w.ann_a2, "2222", "lead_a").await,
        annotator_browser(&app, w.ann_b1, "3333", "lead_b").await,
    ];
    let mut last = Value::Null;
    for b in &people {
        let n = b.get("/api/v1/work/next").await;
        let aid = n.ok()["assignment"]["id"].as_i64().unwrap();
        let item = n.body["assignment"]["items"][0]["item_id"]
            .as_i64()
            .unwrap();
        let g = b.post("/api/v1/work/labels", json!({"client_uuid": uuid::Uuid::new_v4().to_string(), "assignment_id": aid, "item_id": item, "skip": "unclear"})).await;
        last = g.ok().clone();
        b.post(&format!("/api/v1/work/assignments/{aid}/return"), json!({}))
            .await
            .ok();
    }
    assert_eq!(
        last["item_state"], "escalated",
        "three skips send the item to the lead"
    );

    // Orders for another centre, or for experts, are not offered.
    let mut spec = choice_spec(json!({"kind": "fixed", "n": 1}));
    spec["eligible_centres"] = json!([w.centre_b]);
    spec["name"] = json!("只给B");
    let ob = order(&app, &w, 2, spec).await;
    let mut spec = choice_spec(json!({"kind": "fixed", "n": 1}));
    spec["required_level"] = json!("expert");
    let oe = order(&app, &w, 2, spec).await;
    let c = app.browser();
    c.login("client_a").await.ok();
    // Close the first order so only the restricted ones are open.
    for o in c.get("/api/v1/orders").await.body["items"]
        .as_array()
        .unwrap()
    {
        let id = o["id"].as_i64().unwrap();
        if id != ob && id != oe {
            c.post(&format!("/api/v1/orders/{id}/cancel"), json!({}))
                .await
                .ok();
        }
    }
    let a1 = &people[0];
    assert_eq!(
        a1.get("/api/v1/work/next").await.ok()["reason"],
        "not_qualified"
    );
    let b1 = &people[2];
    let n = b1.get("/api/v1/work/next").await;
    assert_eq!(n.ok()["assignment"]["order"]["id"].as_i64(), Some(ob));
    c.post(&format!("/api/v1/orders/{ob}/pause"), json!({}))
        .await
        .ok();
    c.post(&format!("/api/v1/orders/{oe}/cancel"), json!({}))
        .await
        .ok();
    assert_eq!(
        a1.get("/api/v1/work/next").await.ok()["reason"],
        "no_open_orders"
    );
});

both!(concurrent_annotators_never_over_label, |app| {
    let w = app.world().await;
    let order_id = order(
        &app,
        &w,
        30,
        choice_spec(json!({"kind": "dynamic", "min": 2, "max": 3, "target": 0.9})),
    )
    .await;
    let mut people = Vec::new();
    for i in 0..12 {
        let id = app
            .user(annotator(&format!("并发{i}"), "1357", w.centre_a))
            .await
            .id
            .get();
        people.push(annotator_browser(&app, id, "1357", "lead_a").await);
    }
    let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<i64>::new()));
    let mut tasks = Vec::new();
    for (k, b) in people.into_iter().enumerate() {
        let acked = acked.clone();
        tasks.push(tokio::spawn(async move {
            let mut asks = 0;
            while asks < 200 {
                asks += 1;
                let n = b.get("/api/v1/work/next").await;
                if n.body["reason"] == "busy" {
                    // Other answers are being saved on every free item: ask again, as the UI does.
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                    continue;
                }
                if n.body["status"] != "assigned" {
                    break;
                }
                let aid = n.body["assignment"]["id"].as_i64().unwrap();
                for item in n.body["assignment"]["items"].as_array().unwrap() {
                    let item = item["item_id"].as_i64().unwrap();
                    let label = if (item + k as i64) % 3 == 0 { "square" } else { "circle" };
                    let body = json!({"client_uuid": uuid::Uuid::new_v4().to_string(), "assignment_id": aid, "item_id": item, "answer": {"label": label}});
                    let g = b.post("/api/v1/work/labels", body.clone()).await;
                    if g.status.is_success() {
                        acked.lock().unwrap().push(g.body["label_id"].as_i64().unwrap());
                        // A retry of the same request changes nothing.
                        assert_eq!(b.post("/api/v1/work/labels", body).await.body["status"], "replay");
                    }
                }
                b.post(&format!("/api/v1/work/assignments/{aid}/submit"), json!({})).await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let c = app.browser();
    c.login("client_a").await.ok();
    let counts = c.get(&format!("/api/v1/orders/{order_id}")).await.body["counts"].clone();
    let acked = acked.lock().unwrap().clone();
    assert_eq!(
        counts["labels"].as_i64().unwrap(),
        acked.len() as i64,
        "every acknowledged label is stored, once"
    );
    assert_eq!(
        counts["resolved"].as_i64().unwrap() + counts["escalated"].as_i64().unwrap(),
        30,
        "{counts}"
    );
    assert!(acked.len() <= 30 * 3, "never more than the maximum overlap");
    let distinct: HashSet<_> = acked.iter().collect();
    assert_eq!(distinct.len(), acked.len());
});

both!(annotators_sharing_a_unit_start_at_different_items, |app| {
    let w = app.world().await;
    order(&app, &w, 10, choice_spec(json!({"kind": "fixed", "n": 3}))).await;
    let mut lists = Vec::new();
    for i in 0..3 {
        let id = app
            .user(annotator(&format!("同组{i}"), "1357", w.centre_a))
            .await
            .id
            .get();
        let b = annotator_browser(&app, id, "1357", "lead_a").await;
        let n = b.get("/api/v1/work/next").await;
        assert_eq!(n.body["status"], "assigned", "{}", n.body);
        let items: Vec<i64> = n.body["assignment"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["item_id"].as_i64().unwrap())
            .collect();
        // Asked again (a reload), the assignment is looked up with its answers: the same
        // items, in the same order, as the lease gave them.
        let again = b.get("/api/v1/work/next").await;
        assert_eq!(again.body["assignment"], n.body["assignment"]);
        lists.push(items);
    }
    // The three share the first unit (three slots): the same five items, in the same
    // circular order. On PostgreSQL each starts at a different place in it (so their answers
    // do not wait for each other's item locks); on SQLite all start at its beginning.
    let mut first: Vec<i64> = lists[0].clone();
    first.sort();
    for l in &lists {
        let mut sorted = l.clone();
        sorted.sort();
        assert_eq!(sorted, first, "{lists:?}");
        let at = lists[0].iter().position(|x| *x == l[0]).unwrap();
        let turned: Vec<i64> = lists[0][at..]
            .iter()
            .chain(&lists[0][..at])
            .copied()
            .collect();
        assert_eq!(&turned, l, "{lists:?}");
    }
    let starts: HashSet<i64> = lists.iter().map(|l| l[0]).collect();
    let postgres = app.state.store.backend() == mudou_store::Backend::Postgres;
    assert_eq!(starts.len(), if postgres { 3 } else { 1 }, "{lists:?}");
});

both!(next_says_busy_while_every_free_item_is_being_saved, |app| {
    let w = app.world().await;
    let order_id = order(&app, &w, 5, choice_spec(json!({"kind": "fixed", "n": 1}))).await;
    let id = app
        .user(annotator("等一下", "1357", w.centre_a))
        .await
        .id
        .get();
    let b = annotator_browser(&app, id, "1357", "lead_a").await;
    let settings = &app.state.settings;
    if let Some(schema) = &settings.database_schema {
        // PostgreSQL: another transaction holds every item of the order, as a label batch
        // does for a moment. The work is there, so the answer is "busy", not "all done".
        use sqlx::Connection;
        let mut other = sqlx::PgConnection::connect(settings.database_url.expose())
            .await
            .unwrap();
        sqlx::query(&format!("SET search_path TO {schema}"))
            .execute(&mut other)
            .await
            .unwrap();
        let mut tx = other.begin().await.unwrap();
        let locked = sqlx::query("SELECT item_id FROM order_items WHERE order_id = $1 FOR UPDATE")
            .bind(order_id)
            .fetch_all(&mut *tx)
            .await
            .unwrap();
        assert_eq!(locked.len(), 5);
        let n = b.get("/api/v1/work/next").await;
        assert_eq!(n.body["status"], "nothing", "{}", n.body);
        assert_eq!(n.body["reason"], "busy", "{}", n.body);
        tx.rollback().await.unwrap();
    }
    // Free again (SQLite has one writer, so never busy): the unit is there.
    let n = b.get("/api/v1/work/next").await;
    assert_eq!(n.body["status"], "assigned", "{}", n.body);
    let aid = n.body["assignment"]["id"].as_i64().unwrap();
    for item in n.body["assignment"]["items"].as_array().unwrap() {
        let body = json!({"client_uuid": uuid::Uuid::new_v4().to_string(), "assignment_id": aid, "item_id": item["item_id"], "answer": {"label": "circle"}});
        assert!(
            b.post("/api/v1/work/labels", body)
                .await
                .status
                .is_success()
        );
    }
    b.post(&format!("/api/v1/work/assignments/{aid}/submit"), json!({}))
        .await;
    // Every item has its one label: now it is "all done", not "busy".
    let n = b.get("/api/v1/work/next").await;
    assert_eq!(n.body["reason"], "all_done", "{}", n.body);
});

both!(
    annotator_sees_the_orders_examples_while_working_on_it,
    |app| {
        let w = app.world().await;
        let ds = app.dataset(w.org_a, "examples").await;
        let dir = format!("{}/../../datasets/shapes", env!("CARGO_MANIFEST_DIR"));
        let files = (0..8)
            .map(|i| IncomingImage {
                file_name: format!("shape_{i:03}.jpg"),
                tag: String::new(),
                bytes: Bytes::from(std::fs::read(format!("{dir}/shape_{i:03}.jpg")).unwrap()),
                meta: "{}".into(),
                gold: None,
            })
            .collect();
        add_images(&app.state, ds.id, files).await.unwrap();
        let items: Vec<i64> = app
            .state
            .store
            .list_items(
                mudou_domain::OrgId::new(w.org_a),
                mudou_domain::DatasetId::new(ds.id),
                0,
                100,
            )
            .await
            .unwrap()
            .iter()
            .map(|i| i.id)
            .collect();
        let mut spec = choice_spec(json!({"kind": "fixed", "n": 1}));
        spec["unit_size"] = json!(1);
        spec["labels"][0]["examples"] = json!([items[0]]);
        spec["instruction_examples"] = json!([items[1], items[0]]);
        let c = app.browser();
        c.login("client_a").await.ok();
        let id = c
            .post("/api/v1/orders", json!({"dataset_id": ds.id, "spec": spec}))
            .await
            .ok()["id"]
            .as_i64()
            .unwrap();
        c.post(&format!("/api/v1/orders/{id}/publish"), json!({}))
            .await
            .ok();

        // Before any work, an example picture is not the annotator's to see.
        let a1 = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;
        let thumb = |i: i64| {
            let items = app.state.store.clone();
            async move {
                let all = items
                    .items_media(
                        mudou_domain::DatasetId::new(ds.id),
                        &[mudou_domain::ItemId::new(i)],
                    )
                    .await
                    .unwrap();
                format!("/api/v1/media/{}/thumb", all[0].sha256.as_deref().unwrap())
            }
        };
        let example_url = thumb(items[1]).await;
        assert_eq!(a1.get(&example_url).await.status.as_u16(), 404);

        let next = a1.get("/api/v1/work/next").await;
        let asg = &next.ok()["assignment"];
        let examples = asg["order"]["examples"].as_array().unwrap();
        assert_eq!(
            examples
                .iter()
                .map(|e| e["item_id"].as_i64().unwrap())
                .collect::<Vec<_>>(),
            vec![items[0], items[1]],
            "each example once, in id order"
        );
        for e in examples {
            for v in ["thumb_url", "screen_url"] {
                let url = e[v].as_str().unwrap();
                assert_eq!(a1.get(url).await.status.as_u16(), 200, "{v} of {e}");
            }
        }
        // Other pictures of the dataset stay hidden, and so do the examples from someone
        // who is not working on the order.
        let unit_item = asg["items"][0]["item_id"].as_i64().unwrap();
        let other = *items
            .iter()
            .find(|i| **i != unit_item && **i != items[0] && **i != items[1])
            .unwrap();
        assert_eq!(a1.get(&thumb(other).await).await.status.as_u16(), 404);
        let a2 = annotator_browser(&app, w.ann_a2, "2222", "lead_a").await;
        assert_eq!(a2.get(&example_url).await.status.as_u16(), 404);
    }
);
