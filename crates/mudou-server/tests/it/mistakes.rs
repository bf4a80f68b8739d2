//! Mistakes returned to learn from: a lead overrides an item (or lets a gold answer stand)
//! and the author of the wrong label finds it in their "learn from these" list with the
//! right answer and the note; a lead sends a practice unit of them, answered like training
//! (right or wrong at once), never paid, changing no consensus.

use std::collections::{HashMap, HashSet};

use serde_json::{Value, json};

use crate::sim::{KEYS, SimWorker, gold_items, text_order, text_spec};
use crate::{Browser, Got, TestApp, World, both};

fn wrong(right: &str) -> String {
    let i = KEYS.iter().position(|k| *k == right).unwrap();
    KEYS[(i + 1) % KEYS.len()].to_owned()
}

struct Scene {
    w: World,
    order: i64,
    truth: HashMap<i64, String>,
    gold: HashSet<i64>,
    a1: SimWorker,
    a2: SimWorker,
    lead_a: Browser,
}

/// One order of 8 texts for centre A, two labels an item, one gold item: a1 is always
/// right, a2 always wrong, so every item waits for a lead.
async fn scene(app: &TestApp) -> Scene {
    let w = app.world().await;
    let overlap = json!({"kind": "dynamic", "min": 2, "max": 2, "target": 0.9});
    let mut spec = text_spec("看评价", overlap, 0.2, 1, 4);
    spec["eligible_centres"] = json!([w.centre_a]);
    let t = text_order(app, w.org_a, "client_a", 8, spec).await;
    let gold: HashSet<i64> = gold_items(app, t.id).await.into_iter().collect();
    assert_eq!(gold.len(), 1);
    let mut a1 = SimWorker::new(app, w.ann_a1, "1111", "lead_a", 1.0, 2500, 1).await;
    let mut a2 = SimWorker::new(app, w.ann_a2, "2222", "lead_a", 1.0, 3000, 2).await;
    while a1.do_unit(&t.truth).await.is_some() {}
    let truth = t.truth.clone();
    while a2
        .do_unit_with(&t.truth, &|i| Some(wrong(&truth[&i])))
        .await
        .is_some()
    {}
    let lead_a = app.browser();
    lead_a.login("lead_a").await.ok();
    Scene {
        w,
        order: t.id,
        truth: t.truth,
        gold,
        a1,
        a2,
        lead_a,
    }
}

fn list(g: &Got) -> Vec<Value> {
    g.ok()["mistakes"].as_array().unwrap().clone()
}

fn item_ids(v: &[Value]) -> HashSet<i64> {
    v.iter()
        .map(|m| m["item"]["item_id"].as_i64().unwrap())
        .collect()
}

impl Scene {
    fn decision(&self, item: i64) -> String {
        format!("/api/v1/lead/review/{}/items/{item}/decision", self.order)
    }

    /// Escalated items that are not gold, by id.
    async fn escalated(&self) -> Vec<i64> {
        let q = self
            .lead_a
            .get(&format!(
                "/api/v1/lead/review?order_id={}&reason=escalated&limit=100",
                self.order
            ))
            .await;
        let mut ids: Vec<i64> = q.ok()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["item_id"].as_i64().unwrap())
            .filter(|i| !self.gold.contains(i))
            .collect();
        ids.sort_unstable();
        ids
    }

    /// Overrides `item` with its right answer.
    async fn override_right(&self, item: i64, note: Option<&str>) {
        let mut body = json!({"decision": "override", "answer": {"label": self.truth[&item]}});
        if let Some(n) = note {
            body["note"] = json!(n);
        }
        self.lead_a.post(&self.decision(item), body).await.ok();
    }
}

both!(overridden_labels_come_back_to_their_author, |app| {
    let s = scene(&app).await;
    let (a1, a2) = (&s.a1.browser, &s.a2.browser);
    assert!(
        list(&a2.get("/api/v1/me/mistakes").await).is_empty(),
        "nothing decided yet"
    );

    let esc = s.escalated().await;
    assert!(esc.len() >= 3, "escalated: {esc:?}");
    s.override_right(esc[0], Some("看清楚：这是好评")).await;
    s.override_right(esc[1], None).await;
    // A failed gold answer stands.
    let g = *s.gold.iter().next().unwrap();
    s.lead_a
        .post(&s.decision(g), json!({"decision": "accept"}))
        .await
        .ok();

    let got = a2.get("/api/v1/me/mistakes").await;
    let mine = list(&got);
    assert_eq!(
        item_ids(&mine),
        HashSet::from([esc[0], esc[1], g]),
        "{}",
        got.body
    );
    assert_eq!(got.body["new_count"], 3);
    let first = mine
        .iter()
        .find(|m| m["item"]["item_id"] == esc[0])
        .unwrap();
    assert_eq!(first["answer"]["label"], json!(s.truth[&esc[0]]));
    assert_eq!(first["given"]["label"], json!(wrong(&s.truth[&esc[0]])));
    assert_eq!(first["note"], "看清楚：这是好评");
    assert_eq!(first["order_id"], s.order);
    assert_eq!(first["order_name"], "看评价");
    assert_eq!(first["item"]["kind"], "text");
    assert!(first["item"]["text"].as_str().unwrap().contains("review"));
    assert!(first["seen_at"].is_null());
    assert!(first["decided_at"].as_i64().unwrap() > 0);
    assert_eq!(first["decided_by_name"], json!("lead_a"));
    // The order's labels come along, to show the right one.
    let orders = got.body["orders"].as_array().unwrap();
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0]["labels"].as_array().unwrap().len(), KEYS.len());
    // Newest decision first: the gold item was decided last.
    assert_eq!(mine[0]["item"]["item_id"], g);
    assert_eq!(mine[0]["answer"]["label"], json!(s.truth[&g]));

    // The worker who agreed with the lead has nothing to learn here.
    assert!(list(&a1.get("/api/v1/me/mistakes").await).is_empty());

    // Seen: the badge goes down, once; only the author may mark it.
    let id = first["id"].as_i64().unwrap();
    let seen = a2
        .post(&format!("/api/v1/me/mistakes/{id}/seen"), json!({}))
        .await;
    let at = seen.ok()["seen_at"].as_i64().unwrap();
    let again = a2
        .post(&format!("/api/v1/me/mistakes/{id}/seen"), json!({}))
        .await;
    assert_eq!(again.ok()["seen_at"], at, "the first time counts");
    assert_eq!(a2.get("/api/v1/me/mistakes").await.ok()["new_count"], 2);
    for (who, path) in [
        (a1, format!("/api/v1/me/mistakes/{id}/seen")),
        (a2, "/api/v1/me/mistakes/99999999/seen".to_owned()),
    ] {
        let g = who.post(&path, json!({})).await;
        assert_eq!((g.status.as_u16(), g.code()), (404, "not_found"), "{path}");
    }
    // A label of a2's that is right is not a mistake, so cannot be marked.
    let b1 = crate::sim::annotator_browser(&app, s.w.ann_b1, "3333", "lead_b").await;
    assert!(list(&b1.get("/api/v1/me/mistakes").await).is_empty());
    assert_eq!(
        b1.post(&format!("/api/v1/me/mistakes/{id}/seen"), json!({}))
            .await
            .status
            .as_u16(),
        404
    );
    // Staff are not annotators.
    assert_eq!(
        s.lead_a.get("/api/v1/me/mistakes").await.status.as_u16(),
        403
    );

    // Sent back later: the item is no longer decided, so no longer a mistake.
    s.lead_a
        .post(
            &s.decision(esc[1]),
            json!({"decision": "send_back", "extra_labels": 1}),
        )
        .await
        .ok();
    assert_eq!(
        item_ids(&list(&a2.get("/api/v1/me/mistakes").await)),
        HashSet::from([esc[0], g])
    );
    // Overridden the other way: now a1 was wrong, a2 right.
    s.lead_a
        .post(
            &s.decision(esc[0]),
            json!({"decision": "override", "answer": {"label": wrong(&s.truth[&esc[0]])}}),
        )
        .await
        .ok();
    assert_eq!(
        item_ids(&list(&a2.get("/api/v1/me/mistakes").await)),
        HashSet::from([g])
    );
    assert_eq!(
        item_ids(&list(&a1.get("/api/v1/me/mistakes").await)),
        HashSet::from([esc[0]])
    );
});

both!(
    a_practice_unit_of_mistakes_is_answered_like_training,
    |app| {
        let s = scene(&app).await;
        let a2 = &s.a2.browser;
        let esc = s.escalated().await;
        assert!(esc.len() >= 4, "escalated: {esc:?}");
        for &i in &esc[..4] {
            s.override_right(i, Some("再看看")).await;
        }
        let ann_a2 = s.w.ann_a2;
        let path = format!("/api/v1/lead/annotators/{ann_a2}/practice");

        // Bad requests and other centres change nothing.
        for (body, code) in [
            (json!({"size": 0}), "validation"),
            (json!({"size": 21}), "validation"),
            (json!({"size": "ten"}), "validation"),
            (json!({"items": 3}), "validation"),
        ] {
            let g = s.lead_a.post(&path, body.clone()).await;
            assert!(
                g.status.is_client_error(),
                "{body}: {} {}",
                g.status,
                g.body
            );
            assert_eq!(g.code(), code, "{body}");
        }
        let lead_b = app.browser();
        lead_b.login("lead_b").await.ok();
        let g = lead_b.post(&path, json!({})).await;
        assert_eq!((g.status.as_u16(), g.code()), (404, "not_found"));
        assert_eq!(lead_b.get(&path).await.status.as_u16(), 404);
        let g = s
            .lead_a
            .post(
                &format!("/api/v1/lead/annotators/{}/practice", s.w.ann_b1),
                json!({}),
            )
            .await;
        assert_eq!(g.status.as_u16(), 404, "another centre's annotator");
        let g = s
            .lead_a
            .post(
                &format!("/api/v1/lead/annotators/{}/practice", s.w.ann_a1),
                json!({}),
            )
            .await;
        assert_eq!(
            (g.status.as_u16(), g.code()),
            (409, "no_mistakes"),
            "{}",
            g.body
        );
        assert!(a2.get("/api/v1/me/practice").await.ok()["unit"].is_null());
        assert_eq!(a2.post(&path, json!({})).await.status.as_u16(), 403);

        // What must not change: pay, and every answer of the order.
        let client = app.browser();
        client.login("client_a").await.ok();
        let results = format!("/api/v1/orders/{}/results?limit=200", s.order);
        let results_before = client.get(&results).await.ok().clone();
        let pay_before = a2.get("/api/v1/me/earnings").await.ok().clone();

        let made = s.lead_a.post(&path, json!({"size": 3})).await;
        assert_eq!(made.status.as_u16(), 201, "{}", made.body);
        assert_eq!(made.body["total"], 3);
        let again = s.lead_a.post(&path, json!({})).await;
        assert_eq!(
            (again.status.as_u16(), again.code()),
            (409, "conflict"),
            "one open unit"
        );

        // The annotator gets it, questions without their answers.
        let unit = a2.get("/api/v1/me/practice").await.ok()["unit"].clone();
        let uid = unit["id"].as_i64().unwrap();
        assert_eq!(unit["by_name"], "lead_a");
        let qs: Vec<i64> = unit["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| {
                assert!(q["answer"].is_null() && q["given"].is_null(), "{q}");
                q["item"]["item_id"].as_i64().unwrap()
            })
            .collect();
        assert_eq!(qs.len(), 3);
        assert!(qs.iter().all(|q| esc[..4].contains(q)), "{qs:?}");
        assert_eq!(unit["orders"][0]["id"], s.order);
        // Nobody else sees or answers it.
        assert!(s.a1.browser.get("/api/v1/me/practice").await.ok()["unit"].is_null());
        let answers = format!("/api/v1/me/practice/{uid}/answers");
        let g =
            s.a1.browser
                .post(
                    &answers,
                    json!({"item_id": qs[0], "answer": {"label": "good"}}),
                )
                .await;
        assert_eq!(g.status.as_u16(), 404);

        // Bad answers.
        for body in [
            json!({"item_id": qs[0], "answer": {"label": "cow"}}),
            json!({"item_id": qs[0], "answer": {}}),
        ] {
            let g = a2.post(&answers, body.clone()).await;
            assert_eq!(g.status.as_u16(), 422, "{body}: {}", g.body);
        }
        let not_in = esc[4..].first().copied().unwrap_or(999_999);
        let g = a2
            .post(
                &answers,
                json!({"item_id": not_in, "answer": {"label": "good"}}),
            )
            .await;
        assert_eq!(g.status.as_u16(), 404);

        // Right, wrong, right: told at once with the right answer.
        let r = a2
            .post(
                &answers,
                json!({"item_id": qs[0], "answer": {"label": s.truth[&qs[0]]}}),
            )
            .await;
        assert_eq!(r.ok()["correct"], true);
        assert_eq!(r.body["answer"]["label"], json!(s.truth[&qs[0]]));
        assert_eq!(r.body["unit"]["answered"], 1);
        let twice = a2
            .post(
                &answers,
                json!({"item_id": qs[0], "answer": {"label": s.truth[&qs[0]]}}),
            )
            .await;
        assert_eq!((twice.status.as_u16(), twice.code()), (409, "conflict"));
        let r = a2
            .post(
                &answers,
                json!({"item_id": qs[1], "answer": {"label": wrong(&s.truth[&qs[1]])}}),
            )
            .await;
        assert_eq!(r.ok()["correct"], false);
        assert_eq!(r.body["answer"]["label"], json!(s.truth[&qs[1]]));
        assert!(r.body["unit"]["finished_at"].is_null());
        let r = a2
            .post(
                &answers,
                json!({"item_id": qs[2], "answer": {"label": s.truth[&qs[2]]}}),
            )
            .await;
        assert_eq!(r.ok()["correct"], true);
        assert!(
            r.body["unit"]["finished_at"].is_i64(),
            "finished with its last answer"
        );
        assert_eq!(
            (
                r.body["unit"]["right"].clone(),
                r.body["unit"]["total"].clone()
            ),
            (json!(2), json!(3))
        );
        let closed = a2
            .post(
                &answers,
                json!({"item_id": qs[2], "answer": {"label": "good"}}),
            )
            .await;
        assert_eq!(
            (closed.status.as_u16(), closed.code()),
            (409, "unit_closed")
        );
        assert!(a2.get("/api/v1/me/practice").await.ok()["unit"].is_null());

        // Not paid, no consensus changed.
        assert_eq!(client.get(&results).await.ok(), &results_before);
        assert_eq!(a2.get("/api/v1/me/earnings").await.ok(), &pay_before);

        // The lead sees how it went, and may send another.
        let done = s.lead_a.get(&path).await;
        let units = done.ok()["items"].as_array().unwrap();
        assert_eq!(units.len(), 1);
        assert_eq!(
            (units[0]["right"].clone(), units[0]["answered"].clone()),
            (json!(2), json!(3))
        );
        let next = s.lead_a.post(&path, json!({})).await;
        assert_eq!(next.status.as_u16(), 201);
        assert_eq!(next.body["total"], 4, "every mistake once, up to 10");
    }
);
