//! Model suggestions and quality: the model as one more voter in the live consensus
//! (trusted: one person agreeing settles an item; not trusted or wrong: exactly as without
//! it), planted known-wrong suggestions on gold items at the share asked, and the worker
//! who accepts them without looking flagged to their lead, once.

use std::collections::HashMap;

use mudou_app::ingest::{Ingest, text_items};
use mudou_domain::{OrderId, suggest};
use mudou_media::TextItem;
use serde_json::{Value, json};

use crate::sim::{KEYS, gold_items, text_spec};
use crate::suggestions::post_jsonl;
use crate::work::annotator_browser;
use crate::{Browser, TestApp, both};

/// A draft text order of org A (`client_a`) over `n` texts with known labels (text `i`:
/// `KEYS[(i * 7) % 4]`), made with `spec`; returns its id and item → right label.
async fn draft(app: &TestApp, org: i64, n: usize, spec: Value) -> (i64, HashMap<i64, String>) {
    let ds = app
        .dataset(org, &format!("texts-{}", uuid::Uuid::new_v4().simple()))
        .await;
    let label_of = |i: usize| KEYS[(i * 7) % 4].to_owned();
    let texts: Vec<TextItem> = (0..n)
        .map(|i| TextItem {
            line: i as u64 + 2,
            id: Some(format!("t{i}")),
            text: format!("第{i}条评价 review {i}"),
            tag: None,
            label: Some(label_of(i)),
            labels: Vec::new(),
            meta: Default::default(),
        })
        .collect();
    let mut ingest = Ingest::new(&app.state, ds.id);
    ingest.add(text_items("texts.csv", texts)).await.unwrap();
    ingest.commit().await.unwrap();
    let items = app
        .state
        .store
        .list_items(
            mudou_domain::OrgId::new(org),
            mudou_domain::DatasetId::new(ds.id),
            0,
            10_000,
        )
        .await
        .unwrap();
    let truth = items
        .iter()
        .map(|it| {
            let i: usize = it.file_name.trim_start_matches('t').parse().unwrap();
            (it.id, label_of(i))
        })
        .collect();
    let c = client(app).await;
    let o = c
        .post("/api/v1/orders", json!({"dataset_id": ds.id, "spec": spec}))
        .await;
    (o.ok()["id"].as_i64().unwrap(), truth)
}

async fn client(app: &TestApp) -> Browser {
    let c = app.browser();
    c.login("client_a").await.ok();
    c
}

async fn publish(app: &TestApp, order: i64) {
    client(app)
        .await
        .post(&format!("/api/v1/orders/{order}/publish"), json!({}))
        .await
        .ok();
}

/// Imports a suggestion for each of `items`: `label(item)` as the model `nb v1` says it.
async fn suggest_all(app: &TestApp, order: i64, items: &[(i64, String)]) {
    let body: Vec<String> = items
        .iter()
        .map(|(i, l)| json!({"item_id": i, "answer": {"label": l}, "score": 0.8}).to_string())
        .collect();
    let out = post_jsonl(
        &client(app).await,
        order,
        "model=nb&model_version=v1",
        &body.join("\n"),
    )
    .await;
    assert_eq!(out.ok()["stored"], items.len(), "{}", out.body);
}

/// A wrong label for `right` (the next key round).
fn wrong(right: &str) -> String {
    let at = KEYS.iter().position(|k| *k == right).unwrap();
    KEYS[(at + 1) % KEYS.len()].to_owned()
}

/// Takes the next unit and answers each item with `pick(item, suggestion shown)`, naming
/// the suggestion shown; submits it. `None` when there was no work; else the order and
/// the items answered.
async fn do_unit(
    b: &Browser,
    pick: &dyn Fn(i64, Option<&Value>) -> String,
) -> Option<(i64, Vec<i64>)> {
    let next = b.get("/api/v1/work/next").await;
    if next.ok()["status"] != "assigned" {
        return None;
    }
    let a = &next.body["assignment"];
    let aid = a["id"].as_i64().unwrap();
    let order = a["order"]["id"].as_i64().unwrap();
    let mut done = Vec::new();
    for it in a["items"].as_array().unwrap() {
        let item = it["item_id"].as_i64().unwrap();
        let shown = it.get("suggestion");
        let mut body = json!({"client_uuid": uuid::Uuid::new_v4().to_string(), "assignment_id": aid,
            "item_id": item, "answer": {"label": pick(item, shown.map(|s| &s["answer"]))}, "duration_ms": 2500});
        if let Some(s) = shown {
            body["suggestion_id"] = s["id"].clone();
        }
        b.post("/api/v1/work/labels", body).await.ok();
        done.push(item);
    }
    b.post(&format!("/api/v1/work/assignments/{aid}/submit"), json!({}))
        .await
        .ok();
    Some((order, done))
}

/// `item → (state, labels)` of the order's items (gold left out).
async fn states(app: &TestApp, order: i64) -> HashMap<i64, (String, i64)> {
    let store = &app.state.store;
    let rows = store
        .order_results(OrderId::new(order), None, 0, 10_000)
        .await
        .unwrap();
    let mut out = HashMap::new();
    for r in rows {
        let labels = store
            .label_suggestions(OrderId::new(order))
            .await
            .unwrap()
            .iter()
            .filter(|l| l.0 == r.item_id)
            .count() as i64;
        out.insert(r.item_id, (r.state.as_str().to_owned(), labels));
    }
    out
}

fn model_spec(name: &str, trust: f64) -> Value {
    let mut spec = text_spec(
        name,
        json!({"kind": "dynamic", "min": 2, "max": 3, "target": 0.9}),
        0.0,
        0,
        5,
    );
    spec["suggestions"] = json!({"trust": trust});
    spec
}

both!(a_trusted_model_votes_beside_one_person, |app| {
    let w = app.world().await;
    let a1 = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;
    let a2 = annotator_browser(&app, w.ann_a2, "2222", "lead_a").await;
    // Trusted and right: one person agreeing settles each item.
    let (trusted, truth) = draft(&app, w.org_a, 5, model_spec("信模型", 0.9)).await;
    let right: Vec<(i64, String)> = truth.iter().map(|(i, l)| (*i, l.clone())).collect();
    suggest_all(&app, trusted, &right).await;
    publish(&app, trusted).await;
    let (o, items) = do_unit(&a1, &|i, _| truth[&i].clone()).await.unwrap();
    assert_eq!((o, items.len()), (trusted, 5));
    let s = states(&app, trusted).await;
    assert!(
        s.values().all(|(st, n)| st == "resolved" && *n == 1),
        "{s:?}"
    );
    // Its labels are checks, accepted and paid as any agreeing label (5 fen each).
    let e = a1.get("/api/v1/me/earnings").await;
    assert_eq!(e.ok()["today_fen"], 25, "{}", e.body);
    let rec = app
        .state
        .store
        .model_record(OrderId::new(trusted))
        .await
        .unwrap();
    assert_eq!((rec.judged, rec.agreed), (5, 5));

    // Not trusted (trust 0): the same right model never votes; each item needs two people.
    let (untrusted, truth0) = draft(&app, w.org_a, 5, model_spec("不信模型", 0.0)).await;
    let right0: Vec<(i64, String)> = truth0.iter().map(|(i, l)| (*i, l.clone())).collect();
    suggest_all(&app, untrusted, &right0).await;
    publish(&app, untrusted).await;
    // Trusted but wrong: more people are asked, exactly as without a model.
    let (misled, truth2) = draft(&app, w.org_a, 5, model_spec("错模型", 0.9)).await;
    let wrong2: Vec<(i64, String)> = truth2.iter().map(|(i, l)| (*i, wrong(l))).collect();
    suggest_all(&app, misled, &wrong2).await;
    publish(&app, misled).await;
    let all: HashMap<i64, String> = truth0
        .iter()
        .chain(&truth2)
        .map(|(i, l)| (*i, l.clone()))
        .collect();
    for b in [&a1, &a2] {
        while do_unit(b, &|i, _| all[&i].clone()).await.is_some() {}
    }
    for (order, what) in [(untrusted, "trust 0"), (misled, "a wrong model")] {
        let s = states(&app, order).await;
        assert!(
            s.values().all(|(st, n)| st == "resolved" && *n == 2),
            "{what}: {s:?}"
        );
    }
    // Both people agreed with the final answer: each label is paid (a fix of the wrong
    // suggestion, at the piece rate): 25 + 5 × 5 + 5 × 5 for a1.
    let e = a1.get("/api/v1/me/earnings").await;
    assert_eq!(e.ok()["today_fen"], 75, "{}", e.body);
    let e = a2.get("/api/v1/me/earnings").await;
    assert_eq!(e.ok()["today_fen"], 50, "{}", e.body);
    // The wrong model's record says so; the untrusted one still learns its record.
    let rec = app
        .state
        .store
        .model_record(OrderId::new(misled))
        .await
        .unwrap();
    assert_eq!((rec.judged, rec.agreed), (5, 0));
    let rec = app
        .state
        .store
        .model_record(OrderId::new(untrusted))
        .await
        .unwrap();
    assert_eq!((rec.judged, rec.agreed), (5, 5));
});

/// A real-work order of 40 texts, 20 of them gold (half of each unit of 10), planting on
/// `plant_share` of its gold; model suggestions (right) on the other items.
async fn planted_order(app: &TestApp, org: i64, plant_share: f64) -> (i64, HashMap<i64, String>) {
    let mut spec = text_spec("检查评论", json!({"kind": "fixed", "n": 2}), 0.5, 20, 10);
    spec["suggestions"] =
        json!({"plant_share": plant_share, "check_rate_fen": 3, "fix_rate_fen": 6});
    let (order, truth) = draft(app, org, 40, spec).await;
    // Suggestions imported before publishing; the planted ones take the gold items' place.
    let right: Vec<(i64, String)> = truth.iter().map(|(i, l)| (*i, l.clone())).collect();
    suggest_all(app, order, &right).await;
    publish(app, order).await;
    (order, truth)
}

both!(planted_at_the_share_asked_on_gold_only, |app| {
    let _w = app.world().await;
    let (order, truth) = planted_order(&app, _w.org_a, 0.5).await;
    let store = &app.state.store;
    let gold = gold_items(&app, order).await;
    assert_eq!(gold.len(), 20);
    let seed = store.order_by_id(OrderId::new(order)).await.unwrap().seed;
    let listed = client(&app)
        .await
        .get(&format!("/api/v1/orders/{order}/suggestions"))
        .await;
    let rows = listed.ok().as_array().unwrap().clone();
    let planted: Vec<&Value> = rows.iter().filter(|r| r["source"] == "planted").collect();
    let want: Vec<i64> = gold
        .iter()
        .copied()
        .filter(|i| suggest::draw(seed, *i) < 0.5)
        .collect();
    let mut got: Vec<i64> = planted
        .iter()
        .map(|r| r["item_id"].as_i64().unwrap())
        .collect();
    got.sort_unstable();
    assert_eq!(got, want, "planted exactly on the gold items drawn");
    assert!(!want.is_empty() && want.len() < 20, "{want:?}");
    for r in &planted {
        let item = r["item_id"].as_i64().unwrap();
        assert!(gold.contains(&item), "never on an item that is not gold");
        assert_ne!(r["answer"]["label"], truth[&item].as_str(), "known wrong");
        // It looks like the model's others: its name, version and a score.
        assert_eq!(
            (r["model"].as_str(), r["model_version"].as_str()),
            (Some("nb"), Some("v1"))
        );
        assert!(
            r["score"]
                .as_f64()
                .is_some_and(|s| (0.6..=0.95).contains(&s))
        );
    }
    // Planting again (a sync) changes nothing.
    let o = store.order_by_id(OrderId::new(order)).await.unwrap();
    let spec: mudou_domain::OrderSpec = serde_json::from_str(&o.spec).unwrap();
    assert_eq!(
        mudou_app::orders::plant_suggestions(&app.state, &o, &spec)
            .await
            .unwrap(),
        0
    );
    // A planted one is never a voter.
    let rec = store.model_record(OrderId::new(order)).await.unwrap();
    assert_eq!(rec.judged, 0);
});

both!(a_worker_accepting_everything_is_flagged_once, |app| {
    let w = app.world().await;
    let (order, truth) = planted_order(&app, w.org_a, 1.0).await;
    let careless = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;
    let careful = annotator_browser(&app, w.ann_a2, "2222", "lead_a").await;
    let gold = gold_items(&app, order).await;
    // The careless worker takes whatever the model says; the careful one answers right.
    let mut planted_seen = 0;
    while let Some((_, items)) = do_unit(&careless, &|i, s| {
        s.map(|s| s["label"].as_str().unwrap().to_owned())
            .unwrap_or_else(|| truth[&i].clone())
    })
    .await
    {
        planted_seen += items.iter().filter(|i| gold.contains(i)).count();
        if planted_seen >= 4 {
            break;
        }
    }
    assert!(
        planted_seen as u32 >= suggest::BLIND_FLAG_AFTER,
        "{planted_seen}"
    );
    while do_unit(&careful, &|i, _| truth[&i].clone()).await.is_some() {}

    // lead_a is told once about the careless worker, never about the careful one.
    let lead_a = app.browser();
    lead_a.login("lead_a").await.ok();
    let alerts = lead_a.get("/api/v1/lead/alerts").await;
    let blind: Vec<&Value> = alerts.ok()["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["data"]["event"] == "blind_accept")
        .collect();
    assert_eq!(blind.len(), 1, "{}", alerts.body);
    assert_eq!(blind[0]["about_id"], w.ann_a1);
    assert_eq!(blind[0]["order_id"], order);
    // Flagged at the first planted accept that called for it, told once though more came.
    let at = suggest::BLIND_FLAG_AFTER as i64;
    assert_eq!(blind[0]["data"]["accepted"], at, "{}", alerts.body);
    assert_eq!(blind[0]["data"]["shown"], at, "{}", alerts.body);
    // Another centre's lead hears nothing of it.
    let lead_b = app.browser();
    lead_b.login("lead_b").await.ok();
    let other = lead_b.get("/api/v1/lead/alerts").await;
    assert!(
        !other.ok()["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["data"]["event"] == "blind_accept"),
        "{}",
        other.body
    );

    // The lead's page of each worker: suggestions shown and accepted, planted ones too.
    let page = |id: i64| {
        let lead_a = &lead_a;
        async move {
            let p = lead_a.get(&format!("/api/v1/lead/quality/{id}")).await;
            let orders = p.ok()["orders"].as_array().unwrap().clone();
            orders.into_iter().find(|o| o["order_id"] == order).unwrap()["suggestions"].clone()
        }
    };
    let s = page(w.ann_a1).await;
    assert_eq!(s["flagged"], true, "{s}");
    assert_eq!(s["planted_shown"], s["planted_accepted"], "{s}");
    assert_eq!(s["planted_accuracy"], 0.0);
    assert_eq!(s["accepted"], s["shown"]);
    assert_eq!(s["accepted_share"], 1.0);
    let s = page(w.ann_a2).await;
    assert_eq!(s["flagged"], false, "{s}");
    assert!(s["planted_shown"].as_i64().unwrap() >= 2, "{s}");
    assert_eq!(s["planted_accepted"], 0);
    assert_eq!(s["planted_accuracy"], 1.0);

    // Scope: another centre's lead 404, an annotator 403, nobody 401.
    let path = format!("/api/v1/lead/quality/{}", w.ann_a1);
    assert_eq!(lead_b.get(&path).await.status.as_u16(), 404);
    assert_eq!(careful.get(&path).await.status.as_u16(), 403);
    assert_eq!(app.browser().get(&path).await.status.as_u16(), 401);
});

both!(a_trainee_is_told_at_once_and_no_lead_is_alerted, |app| {
    let w = app.world().await;
    let mut spec = text_spec("练习", json!({"kind": "fixed", "n": 1}), 0.0, 10, 5);
    spec["training"] = json!({"pass_share": 0.8});
    spec["suggestions"] = json!({"plant_share": 1.0});
    let (order, _truth) = draft(&app, w.org_a, 10, spec).await;
    publish(&app, order).await;
    let trainee = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;
    let next = trainee.get("/api/v1/work/next").await;
    let a = &next.ok()["assignment"];
    assert_eq!(a["order"]["id"], order, "{}", next.body);
    let aid = a["id"].as_i64().unwrap();
    let mut told = 0;
    for it in a["items"].as_array().unwrap() {
        // Every item is gold, each with a planted suggestion: accepted as it is.
        let s = &it["suggestion"];
        let r = trainee
            .post(
                "/api/v1/work/labels",
                json!({"client_uuid": uuid::Uuid::new_v4().to_string(), "assignment_id": aid,
                   "item_id": it["item_id"], "answer": s["answer"], "suggestion_id": s["id"], "duration_ms": 2000}),
            )
            .await;
        let f = &r.ok()["feedback"];
        assert_eq!(f["correct"], false, "{}", r.body);
        told += (f["accepted_wrong_suggestion"] == true) as u32;
    }
    assert_eq!(told, 5);
    let lead_a = app.browser();
    lead_a.login("lead_a").await.ok();
    let alerts = lead_a.get("/api/v1/lead/alerts").await;
    assert!(
        !alerts.ok()["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["data"]["event"] == "blind_accept"),
        "{}",
        alerts.body
    );
});

both!(a_leads_decision_settles_the_models_record, |app| {
    let w = app.world().await;
    let mut spec = text_spec(
        "组长定",
        json!({"kind": "dynamic", "min": 2, "max": 2, "target": 0.9}),
        0.0,
        0,
        5,
    );
    spec["suggestions"] = json!({"trust": 0.0});
    let (order, truth) = draft(&app, w.org_a, 5, spec).await;
    let right: Vec<(i64, String)> = truth.iter().map(|(i, l)| (*i, l.clone())).collect();
    suggest_all(&app, order, &right).await;
    publish(&app, order).await;
    // Two people disagree on every item: each goes to the lead, the model's record waits.
    let a1 = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;
    let a2 = annotator_browser(&app, w.ann_a2, "2222", "lead_a").await;
    do_unit(&a1, &|i, _| truth[&i].clone()).await.unwrap();
    do_unit(&a2, &|i, _| wrong(&truth[&i])).await.unwrap();
    let s = states(&app, order).await;
    assert!(s.values().all(|(st, _)| st == "escalated"), "{s:?}");
    let record = || async {
        let r = app
            .state
            .store
            .model_record(OrderId::new(order))
            .await
            .unwrap();
        (r.judged, r.agreed)
    };
    assert_eq!(record().await, (0, 0));
    // The lead's answer settles an item: the model agreed with it, or not.
    let lead_a = app.browser();
    lead_a.login("lead_a").await.ok();
    let mut items: Vec<i64> = truth.keys().copied().collect();
    items.sort_unstable();
    let decide = |item: i64, label: String| {
        let lead_a = &lead_a;
        async move {
            lead_a
                .post(
                    &format!("/api/v1/lead/review/{order}/items/{item}/decision"),
                    json!({"decision": "override", "answer": {"label": label}}),
                )
                .await
                .ok();
        }
    };
    decide(items[0], truth[&items[0]].clone()).await;
    assert_eq!(record().await, (1, 1));
    decide(items[1], wrong(&truth[&items[1]])).await;
    assert_eq!(record().await, (2, 1));
});
