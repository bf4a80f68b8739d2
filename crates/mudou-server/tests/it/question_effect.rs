//! What questions and instruction changes did (`GET /orders/{id}/instructions/effect`): a
//! real order labelled by two centres under version 1, a question asked, forwarded,
//! answered by the client and made an example (version 2), more labels under version 2,
//! every item resolved; the figures checked exactly against the labels and final answers the
//! export gives. Scoped: the client sees all, each lead their centre's labels, another
//! org's client and a lead of a centre not on the order get 404, an annotator 403.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::sim::{KEYS, annotator_browser, text_order, text_spec};
use crate::work::take;
use crate::{Browser, TestApp, both};

async fn logged_in(app: &TestApp, who: &str) -> Browser {
    let b = app.browser();
    b.login(who).await.ok();
    b
}

/// Labels every item of the unit (`answer` gives each item's label) and submits it; the
/// answers given.
async fn label_all(
    b: &Browser,
    aid: i64,
    items: &[i64],
    answer: impl Fn(i64) -> String,
) -> Vec<(i64, String)> {
    let mut given = Vec::new();
    for &item in items {
        given.push((item, answer(item)));
        b.post(
            "/api/v1/work/labels",
            json!({"client_uuid": uuid::Uuid::new_v4().to_string(), "assignment_id": aid, "item_id": item,
                   "answer": {"label": answer(item)}, "duration_ms": 3000}),
        )
        .await
        .ok();
    }
    b.post(&format!("/api/v1/work/assignments/{aid}/submit"), json!({}))
        .await
        .ok();
    given
}

fn wrong(right: &str) -> String {
    KEYS.iter().find(|k| **k != right).unwrap().to_string()
}

/// What the export says of each item: state, final answer's label, confidence, and its
/// labels (label, instructions version).
struct Exported {
    state: String,
    answer: Option<String>,
    confidence: Option<f64>,
    labels: Vec<(String, i64)>,
}

async fn export(c: &Browser, order: i64) -> HashMap<i64, Exported> {
    let r = c
        .http
        .get(format!(
            "{}/api/v1/orders/{order}/export?format=jsonl&include=all",
            c.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let mut out = HashMap::new();
    for line in r.text().await.unwrap().lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let labels = v["labels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    l["answer"]["label"].as_str().unwrap().to_owned(),
                    l["instructions_version"].as_i64().unwrap(),
                )
            })
            .collect();
        out.insert(
            v["item_id"].as_i64().unwrap(),
            Exported {
                state: v["state"].as_str().unwrap().to_owned(),
                answer: v["answer"]["label"].as_str().map(str::to_owned),
                confidence: v["confidence"].as_f64(),
                labels,
            },
        );
    }
    out
}

fn share(n: i64, d: i64) -> Value {
    if d == 0 {
        Value::Null
    } else {
        json!(((n as f64 / d as f64) * 10_000.0).round() / 10_000.0)
    }
}

/// (answers, agreed) of the labels under `version` the export lists.
fn figures(ex: &HashMap<i64, Exported>, version: i64) -> (i64, i64) {
    let mut answers = 0;
    let mut agreed = 0;
    for it in ex.values() {
        for (label, v) in &it.labels {
            if *v == version {
                answers += 1;
                agreed += (it.answer.as_deref() == Some(label.as_str())) as i64;
            }
        }
    }
    (answers, agreed)
}

/// (answers, agreed) of answers one annotator gave, against the export's final answers.
fn given_figures(ex: &HashMap<i64, Exported>, given: &[(i64, String)]) -> (i64, i64) {
    let agreed = given
        .iter()
        .filter(|(i, l)| ex[i].answer.as_deref() == Some(l.as_str()))
        .count();
    (given.len() as i64, agreed as i64)
}

both!(questions_and_versions_show_their_effect, |app| {
    let w = app.world().await;
    let mut spec = text_spec("看评价", json!({"kind": "fixed", "n": 2}), 0.0, 0, 4);
    spec["eligible_centres"] = json!([w.centre_a, w.centre_b]);
    spec["instructions"] = json!("看评价，选一类");
    let t = text_order(&app, w.org_a, "client_a", 8, spec).await;
    let order = t.id;
    let truth = t.truth.clone();
    let path = format!("/api/v1/orders/{order}/instructions/effect");
    let client = logged_in(&app, "client_a").await;
    let lead_a = logged_in(&app, "lead_a").await;
    let lead_b = logged_in(&app, "lead_b").await;

    // Nothing labelled yet: an empty but whole report.
    let r = client.get(&path).await;
    let body = r.ok();
    assert_eq!(body["current_version"], 1);
    assert_eq!(body["versions"].as_array().unwrap().len(), 1);
    assert_eq!(body["versions"][0]["answers"], 0);
    assert!(body["versions"][0]["agreement"].is_null());
    assert!(body["totals"]["agreement"].is_null());
    assert_eq!(body["asked"]["questions"], 0);
    assert!(body["asked"]["median_answer_ms"].is_null());
    assert_eq!(body["open"]["open"], 0);
    assert!(body["open"]["oldest_open_age_ms"].is_null());

    // Version 1: a1 (centre A) and b1 (centre B) label the same four texts; b1 is wrong on
    // two, so each of those has one answer agreeing with its final answer.
    let a1 = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;
    let b1 = annotator_browser(&app, w.ann_b1, "3333", "lead_b").await;
    let (aid, first) = take(&a1).await;
    let (bid, first_b) = take(&b1).await;
    let sorted = |v: &[i64]| {
        let mut v = v.to_vec();
        v.sort_unstable();
        v
    };
    assert_eq!(sorted(&first), sorted(&first_b), "both take the first unit");
    // a1 asks about the third text (held), the lead forwards it to the client.
    let asked = first[2];
    let q = a1
        .post(
            "/api/v1/work/questions",
            json!({"assignment_id": aid, "item_id": asked, "reason": "no_label_fits",
                   "text": "这条算哪类?", "while_open": "hold"}),
        )
        .await;
    let q1 = q.ok()["id"].as_i64().unwrap();
    let tr = truth.clone();
    let a1_v1 = label_all(&a1, aid, &first, move |i| tr[&i].clone()).await;
    let (w1, w2) = (first[2], first[3]);
    let tr = truth.clone();
    let b1_v1 = label_all(&b1, bid, &first_b, move |i| {
        if i == w1 || i == w2 {
            wrong(&tr[&i])
        } else {
            tr[&i].clone()
        }
    })
    .await;
    lead_a
        .post(&format!("/api/v1/lead/questions/{q1}/forward"), json!({}))
        .await
        .ok();
    let waiting = client.get(&path).await;
    assert_eq!(waiting.ok()["open"]["open"], 1);
    assert_eq!(waiting.body["open"]["waiting_for_you"], 1);
    assert!(
        waiting.body["open"]["oldest_waiting_age_ms"]
            .as_i64()
            .unwrap()
            >= 0
    );
    // For the lead it waits for the client, not for her.
    let hers = lead_a.get(&path).await;
    assert_eq!(hers.ok()["open"]["open"], 1);
    assert_eq!(hers.body["open"]["waiting_for_you"], 0);

    // The client answers and makes it an example: version 2.
    client
        .post(
            &format!("/api/v1/orders/{order}/questions/{q1}/answer"),
            json!({"text": "说东西好就是好评"}),
        )
        .await
        .ok();
    let made = client
        .post(
            &format!("/api/v1/orders/{order}/instructions"),
            json!({"example_item_id": asked, "example_words": "说东西好就是好评"}),
        )
        .await;
    assert_eq!(made.ok()["version"], 2);

    // Version 2: both right on the next four; a1 asks about one more, left open.
    let (aid, second) = take(&a1).await;
    let (bid, second_b) = take(&b1).await;
    assert_eq!(sorted(&second), sorted(&second_b));
    assert!(second.iter().all(|i| !first.contains(i)));
    let q = a1
        .post(
            "/api/v1/work/questions",
            json!({"assignment_id": aid, "item_id": second[0], "reason": "unclear", "while_open": "hold"}),
        )
        .await;
    let q2 = q.ok()["id"].as_i64().unwrap();
    let tr = truth.clone();
    let a1_v2 = label_all(&a1, aid, &second, move |i| tr[&i].clone()).await;
    let tr = truth.clone();
    let b1_v2 = label_all(&b1, bid, &second_b, move |i| tr[&i].clone()).await;

    let ex = export(&client, order).await;
    assert!(ex.values().all(|it| it.state == "resolved"));
    let r = client.get(&path).await;
    let body = r.ok().clone();
    assert_eq!(body["current_version"], 2);
    let vs = body["versions"].as_array().unwrap();
    assert_eq!(vs.len(), 2);
    let (v1, v2) = (&vs[0], &vs[1]);
    assert_eq!(v1["version"], 1);
    assert_eq!(v2["version"], 2);
    // Version 1: 8 answers, 6 agree (two disagreeing pairs: one of each agrees).
    assert_eq!(figures(&ex, 1), (8, 6));
    assert_eq!(figures(&ex, 2), (8, 8));
    assert_eq!(
        (&v1["answers"], &v1["skips"], &v1["judged"], &v1["agreed"]),
        (&json!(8), &json!(0), &json!(8), &json!(6))
    );
    assert_eq!(v1["agreement"], json!(0.75));
    assert!(v1["compared_with"].is_null() && v1["agreement_change"].is_null());
    assert!(v1["question"].is_null());
    // Version 2: made from the question, everyone agrees: +25 points against version 1.
    assert_eq!(v2["example_item_id"], asked);
    assert_eq!(v2["example_words"], "说东西好就是好评");
    assert_eq!(v2["new_words"], false);
    assert_eq!(v2["question"]["id"], q1);
    assert_eq!(v2["question"]["reason"], "no_label_fits");
    assert_eq!(v2["question"]["text"], "这条算哪类?");
    assert_eq!(v2["question"]["answer_text"], "说东西好就是好评");
    assert_eq!((&v2["answers"], &v2["agreed"]), (&json!(8), &json!(8)));
    assert_eq!(v2["agreement"], json!(1.0));
    assert_eq!(v2["compared_with"], 1);
    assert_eq!(v2["agreement_change"], json!(0.25));
    assert!(v2["created_at"].as_i64().unwrap() >= v1["created_at"].as_i64().unwrap());
    // No gold on this order.
    assert_eq!(v1["gold_total"], 0);
    assert!(v1["gold_accuracy"].is_null());
    // Items decided under each version (their last answer's): four each, none escalated,
    // the mean confidence of their final answers.
    for (v, items) in [(v1, &first), (v2, &second)] {
        assert_eq!(v["items_resolved"], 4);
        assert_eq!(v["items_escalated"], 0);
        assert_eq!(v["escalation_share"], json!(0.0));
        let mean = items.iter().map(|i| ex[i].confidence.unwrap()).sum::<f64>() / 4.0;
        let got = v["mean_confidence"].as_f64().unwrap();
        assert!((got - mean).abs() < 0.000_051, "{got} vs {mean}");
    }
    assert_eq!(body["totals"]["answers"], 16);
    assert_eq!(body["totals"]["agreed"], 14);
    assert_eq!(body["totals"]["agreement"], json!(0.875));

    // The asked items: two questions (one answered, one open); the first item's pair
    // disagreed (1 of 2), the second's agreed (2 of 2).
    let asked_fig = &body["asked"];
    assert_eq!(asked_fig["questions"], 2);
    assert_eq!(asked_fig["answered"], 1);
    assert_eq!(asked_fig["open"], 1);
    let q1row = app.state.store.question(q1).await.unwrap();
    assert_eq!(
        asked_fig["median_answer_ms"],
        q1row.answered_at.unwrap() - q1row.created_at
    );
    assert_eq!(asked_fig["items"], 2);
    assert_eq!(asked_fig["items_resolved"], 2);
    assert_eq!(asked_fig["items_escalated"], 0);
    assert_eq!(asked_fig["items_open"], 0);
    assert_eq!(asked_fig["items_gold"], 0);
    assert_eq!(
        (&asked_fig["judged"], &asked_fig["agreed"]),
        (&json!(4), &json!(3))
    );
    assert_eq!(asked_fig["agreement"], json!(0.75));
    assert_eq!(asked_fig["agreement_vs_order"], json!(-0.125));
    // The second question waits for the lead (not forwarded), not for the client.
    let q2row = app.state.store.question(q2).await.unwrap();
    assert_eq!(body["open"]["open"], 1);
    assert_eq!(body["open"]["oldest_open_at"], q2row.created_at);
    assert_eq!(body["open"]["waiting_for_you"], 0);
    assert!(body["open"]["oldest_waiting_age_ms"].is_null());

    // Each lead sees their centre's labels: figures worked out from what each gave.
    let mut decided = [0, 0];
    for (lead, given, mine) in [
        (&lead_a, [&a1_v1, &a1_v2], true),
        (&lead_b, [&b1_v1, &b1_v2], false),
    ] {
        let r = lead.get(&path).await;
        let b = r.ok();
        let vs = b["versions"].as_array().unwrap();
        assert_eq!(vs.len(), 2);
        for (i, given) in given.into_iter().enumerate() {
            let (answers, agreed) = given_figures(&ex, given);
            assert_eq!(vs[i]["answers"], answers);
            assert_eq!(vs[i]["judged"], answers);
            assert_eq!(vs[i]["agreed"], agreed);
            assert_eq!(vs[i]["agreement"], share(agreed, answers));
            // An item counts for the centre whose answer was its last.
            decided[i] += vs[i]["items_resolved"].as_i64().unwrap();
        }
        // Questions: centre A's are hers; centre B has none, and does not see centre A's
        // question behind version 2.
        if mine {
            assert_eq!(b["asked"]["questions"], 2);
            assert_eq!(b["open"]["waiting_for_you"], 1);
            assert_eq!(vs[1]["question"]["id"], q1);
        } else {
            assert_eq!(b["asked"]["questions"], 0);
            assert_eq!(b["open"]["open"], 0);
            assert!(vs[1]["question"].is_null());
            assert_eq!(vs[1]["example_item_id"], asked);
        }
    }
    // a1's answer on v1's wrong pair agrees or b1's does: together, the whole order.
    assert_eq!(
        given_figures(&ex, &a1_v1).1 + given_figures(&ex, &b1_v1).1,
        6
    );
    assert_eq!(decided, [4, 4]);

    // Out of scope.
    logged_in(&app, "client_b")
        .await
        .get(&path)
        .await
        .refused(mudou_domain::ErrorCode::NotFound);
    a1.get(&path)
        .await
        .refused(mudou_domain::ErrorCode::Forbidden);
    client
        .get("/api/v1/orders/999999/instructions/effect")
        .await
        .refused(mudou_domain::ErrorCode::NotFound);
    assert_eq!(app.browser().get(&path).await.status.as_u16(), 401);
});

both!(a_lead_not_on_the_order_and_an_order_without_labels, |app| {
    let w = app.world().await;
    let mut spec = text_spec("只给A", json!({"kind": "fixed", "n": 1}), 0.0, 0, 2);
    spec["eligible_centres"] = json!([w.centre_a]);
    let t = text_order(&app, w.org_a, "client_a", 2, spec).await;
    let path = format!("/api/v1/orders/{}/instructions/effect", t.id);
    logged_in(&app, "lead_b")
        .await
        .get(&path)
        .await
        .refused(mudou_domain::ErrorCode::NotFound);
    // Its own lead and client: an empty report, never a division by zero.
    for who in ["lead_a", "client_a"] {
        let r = logged_in(&app, who).await.get(&path).await;
        let b = r.ok();
        assert_eq!(b["versions"][0]["version"], 1);
        assert_eq!(b["versions"][0]["answers"], 0);
        assert!(b["versions"][0]["escalation_share"].is_null());
        assert!(b["versions"][0]["mean_confidence"].is_null());
        assert_eq!(b["totals"]["judged"], 0);
        assert!(b["asked"]["agreement"].is_null());
    }
    // A draft: its client gets the empty report; a lead does not see drafts.
    let ds = app.dataset(w.org_a, "草稿").await;
    let client = logged_in(&app, "client_a").await;
    let d = client
        .post(
            "/api/v1/orders",
            json!({"dataset_id": ds.id, "spec": text_spec("草稿单", json!({"kind": "fixed", "n": 1}), 0.0, 0, 2)}),
        )
        .await;
    let id = d.ok()["id"].as_i64().unwrap();
    let path = format!("/api/v1/orders/{id}/instructions/effect");
    assert_eq!(client.get(&path).await.ok()["totals"]["answers"], 0);
    logged_in(&app, "lead_a")
        .await
        .get(&path)
        .await
        .refused(mudou_domain::ErrorCode::NotFound);
});

both!(gold_accuracy_per_version_and_asked_gold_items, |app| {
    let w = app.world().await;
    let mut spec = text_spec("金标准", json!({"kind": "fixed", "n": 1}), 0.5, 4, 4);
    spec["eligible_centres"] = json!([w.centre_a]);
    let t = text_order(&app, w.org_a, "client_a", 8, spec).await;
    let gold = crate::sim::gold_items(&app, t.id).await;
    assert!(!gold.is_empty());
    let client = logged_in(&app, "client_a").await;
    let a1 = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;
    let mut given = Vec::new();
    // Version 1: every gold answer wrong; version 2: every one right.
    let mut asked_gold = None;
    for version in [1, 2] {
        if version == 2 {
            client
                .post(
                    &format!("/api/v1/orders/{}/instructions", t.id),
                    json!({"instructions": "看清楚再选"}),
                )
                .await
                .ok();
        }
        let (aid, items) = take(&a1).await;
        if let (None, Some(g)) = (asked_gold, items.iter().find(|i| gold.contains(i))) {
            a1.post(
                "/api/v1/work/questions",
                json!({"assignment_id": aid, "item_id": g, "reason": "unclear", "while_open": "hold"}),
            )
            .await
            .ok();
            asked_gold = Some(*g);
        }
        let tr = t.truth.clone();
        let g = gold.clone();
        let answers = label_all(&a1, aid, &items, move |i| {
            if g.contains(&i) && version == 1 {
                wrong(&tr[&i])
            } else {
                tr[&i].clone()
            }
        })
        .await;
        given.push(answers);
    }
    let r = client
        .get(&format!("/api/v1/orders/{}/instructions/effect", t.id))
        .await;
    let b = r.ok();
    let vs = b["versions"].as_array().unwrap();
    assert_eq!(vs.len(), 2);
    assert_eq!(vs[1]["new_words"], true);
    assert!(vs[1]["question"].is_null());
    let mut golds = 0;
    for (i, answers) in given.iter().enumerate() {
        let on_gold = answers.iter().filter(|(i, _)| gold.contains(i)).count() as i64;
        golds += on_gold;
        assert_eq!(vs[i]["gold_total"], on_gold);
        assert_eq!(vs[i]["gold_correct"], if i == 0 { 0 } else { on_gold });
        let expect = if on_gold == 0 {
            Value::Null
        } else {
            json!(if i == 0 { 0.0 } else { 1.0 })
        };
        assert_eq!(vs[i]["gold_accuracy"], expect);
        // One label an item, all right on the rest: every checked answer agrees.
        assert_eq!(vs[i]["answers"], answers.len() as i64);
        assert_eq!(vs[i]["judged"], vs[i]["agreed"]);
    }
    assert!(golds > 0);
    assert_eq!(b["totals"]["gold_total"], golds);
    assert!(asked_gold.is_some(), "a unit held a gold item");
    assert_eq!(b["asked"]["items"], 1);
    assert_eq!(b["asked"]["items_gold"], 1);
    assert_eq!(b["asked"]["items_open"], 0);
    assert_eq!(b["asked"]["open"], 1);
    assert!(b["asked"]["agreement"].is_null());
});
