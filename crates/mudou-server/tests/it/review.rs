//! The review queue and decisions, the client's flags and results, and the quality report:
//! two orders worked by simulated annotators of two centres.

use std::collections::{HashMap, HashSet};

use serde_json::{Value, json};

use crate::sim::{KEYS, SimWorker, gold_items, text_order, text_spec};
use crate::{Got, TestApp, World, annotator, both};

fn wrong(right: &str) -> String {
    let i = KEYS.iter().position(|k| *k == right).unwrap();
    KEYS[(i + 1) % KEYS.len()].to_owned()
}

struct Scene {
    w: World,
    o1: i64,
    o2: i64,
    truth: HashMap<i64, String>,
    gold: HashSet<i64>,
    /// Items a2 answered wrongly on purpose (not gold).
    hard: HashSet<i64>,
    /// Items b1 (centre B) labelled.
    b_items: HashSet<i64>,
}

/// Order 1 (12 texts, deadline in two days, for centre A) and order 2 (4 texts, deadline
/// tomorrow), both asking two labels per item and escalating disagreements. a1 is always
/// right; b1 (centre B) does one unit (of order 2) and is always wrong; a2 is wrong on gold
/// items and on every third item.
async fn scene(app: &TestApp) -> Scene {
    let w = app.world().await;
    let now = mudou_store::now_millis();
    let overlap = json!({"kind": "dynamic", "min": 2, "max": 2, "target": 0.9});
    let mut s1 = text_spec("近期订单", overlap.clone(), 0.2, 3, 5);
    s1["deadline"] = json!(now + 2 * 86_400_000);
    // Only centre A works on order 1, so b1's one unit is surely of order 2 (dispatch picks
    // among open orders at random, weighted).
    s1["eligible_centres"] = json!([w.centre_a]);
    let mut s2 = text_spec("明天要的", overlap, 0.0, 0, 4);
    s2["deadline"] = json!(now + 86_400_000);
    let t1 = text_order(app, w.org_a, "client_a", 12, s1).await;
    let t2 = text_order(app, w.org_a, "client_a", 4, s2).await;
    let gold: HashSet<i64> = gold_items(app, t1.id).await.into_iter().collect();
    assert_eq!(gold.len(), 3);
    let mut plain: Vec<i64> = t1
        .truth
        .keys()
        .copied()
        .filter(|i| !gold.contains(i))
        .collect();
    plain.sort_unstable();
    let mut hard: HashSet<i64> = plain.iter().step_by(3).copied().collect();
    hard.insert(*t2.truth.keys().min().unwrap());
    let mut truth = t1.truth.clone();
    truth.extend(t2.truth.clone());

    let mut a1 = SimWorker::new(app, w.ann_a1, "1111", "lead_a", 1.0, 2500, 1).await;
    let mut a2 = SimWorker::new(app, w.ann_a2, "2222", "lead_a", 1.0, 3000, 2).await;
    let mut b1 = SimWorker::new(app, w.ann_b1, "3333", "lead_b", 1.0, 2000, 3).await;
    while a1.do_unit(&truth).await.is_some() {}
    let t = truth.clone();
    let (_, b_items) = b1
        .do_unit_with(&truth, &|i| Some(wrong(&t[&i])))
        .await
        .unwrap();
    let (g, h, t) = (gold.clone(), hard.clone(), truth.clone());
    let force = move |i: i64| (g.contains(&i) || h.contains(&i)).then(|| wrong(&t[&i]));
    while a2.do_unit_with(&truth, &force).await.is_some() {}
    Scene {
        w,
        o1: t1.id,
        o2: t2.id,
        truth,
        gold,
        hard,
        b_items: b_items.into_iter().collect(),
    }
}

fn items(g: &Got) -> Vec<Value> {
    g.ok()["items"].as_array().unwrap().clone()
}

fn key(v: &Value) -> (i64, i64) {
    (
        v["order_id"].as_i64().unwrap(),
        v["item_id"].as_i64().unwrap(),
    )
}

fn reasons(v: &Value) -> Vec<String> {
    v["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reason"].as_str().unwrap().to_owned())
        .collect()
}

both!(queue_shows_doubtful_items_by_deadline_and_centre, |app| {
    let s = scene(&app).await;
    let lead_a = app.browser();
    lead_a.login("lead_a").await.ok();
    let q = lead_a.get("/api/v1/lead/review?limit=100").await;
    let queue = items(&q);
    assert!(!queue.is_empty());
    // Nearest deadline first: order 2's items lead.
    let first_o1 = queue.iter().position(|i| key(i).0 == s.o1).unwrap();
    assert!(first_o1 > 0, "{}", q.body);
    assert!(queue[..first_o1].iter().all(|i| key(i).0 == s.o2));
    assert!(queue[first_o1..].iter().all(|i| key(i).0 == s.o1));
    let orders: Vec<i64> = q.body["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_i64().unwrap())
        .collect();
    assert_eq!(orders.len(), 2);
    // Within an order, the least certain items first; gold failures (no doubt about the
    // item) after them.
    for o in [s.o1, s.o2] {
        let conf: Vec<f64> = queue
            .iter()
            .filter(|i| key(i).0 == o)
            .map(|i| match i["is_gold"].as_bool() {
                Some(true) => 2.0,
                _ => i["confidence"].as_f64().unwrap_or(2.0),
            })
            .collect();
        assert!(conf.windows(2).all(|w| w[0] <= w[1]), "order {o}: {conf:?}");
    }
    for it in &queue {
        let (order, item) = key(it);
        let rs = reasons(it);
        // Every answer shown is centre A's, each annotator in their own colour.
        let answers = it["answers"].as_array().unwrap();
        let who: Vec<i64> = answers
            .iter()
            .map(|a| a["annotator_id"].as_i64().unwrap())
            .collect();
        assert!(
            who.iter().all(|w| *w == s.w.ann_a1 || *w == s.w.ann_a2),
            "{it}"
        );
        let colours: HashSet<&str> = answers
            .iter()
            .map(|a| a["colour"].as_str().unwrap())
            .collect();
        assert_eq!(colours.len(), who.len(), "one colour per annotator");
        assert!(
            answers
                .iter()
                .all(|a| a["annotator_name"].is_string() && a["seconds"].as_f64().unwrap() > 1.0)
        );
        if s.gold.contains(&item) {
            assert_eq!(rs, ["gold_failure"], "{it}");
            assert_eq!(it["is_gold"], true);
            assert_eq!(it["gold"]["label"], json!(s.truth[&item]));
        } else {
            assert_eq!(rs, ["escalated"], "{it}");
            assert_eq!(it["state"], "escalated");
            assert!(
                it["consensus"]["label"].is_string() && it["confidence"].as_f64().unwrap() < 0.9
            );
            assert!(
                s.hard.contains(&item) || s.b_items.contains(&item),
                "item {item} of order {order}"
            );
        }
    }
    // Every gold item a2 failed and every item a2 got wrong (on purpose) is there.
    let listed: HashSet<i64> = queue.iter().map(|i| key(i).1).collect();
    for g in &s.gold {
        assert!(listed.contains(g), "gold failure of item {g}");
    }
    for h in s.hard.iter().filter(|h| !s.b_items.contains(h)) {
        assert!(listed.contains(h), "escalated item {h}");
    }
    // Filters and counts.
    let only_gold = items(&lead_a.get("/api/v1/lead/review?reason=gold_failure").await);
    assert_eq!(only_gold.len(), s.gold.len());
    let only_o2 = items(
        &lead_a
            .get(&format!("/api/v1/lead/review?order_id={}", s.o2))
            .await,
    );
    assert_eq!(only_o2.len(), first_o1);
    let page = items(&lead_a.get("/api/v1/lead/review?limit=2&offset=1").await);
    assert_eq!(
        page.iter().map(key).collect::<Vec<_>>(),
        queue[1..3].iter().map(key).collect::<Vec<_>>()
    );
    let counts = lead_a.get("/api/v1/lead/review/orders").await;
    let c = items(&counts);
    assert_eq!(c[0]["order_id"].as_i64(), Some(s.o2));
    assert_eq!(c[1]["gold_failure"].as_i64(), Some(s.gold.len() as i64));
    for bad in [
        "limit=0",
        "limit=101",
        "offset=-1",
        "reason=later",
        "order=1",
    ] {
        let g = lead_a.get(&format!("/api/v1/lead/review?{bad}")).await;
        assert!(
            matches!(g.status.as_u16(), 400 | 422),
            "{bad}: {}",
            g.status
        );
    }

    // Lead B sees only items its centre labelled, with only its centre's answers.
    let lead_b = app.browser();
    lead_b.login("lead_b").await.ok();
    let qb = items(&lead_b.get("/api/v1/lead/review?limit=100").await);
    assert!(!qb.is_empty());
    for it in &qb {
        let item = key(it).1;
        assert!(s.b_items.contains(&item), "item {item} is not B's");
        for a in it["answers"].as_array().unwrap() {
            assert_eq!(a["annotator_id"].as_i64(), Some(s.w.ann_b1), "{it}");
        }
    }
    // Nor do other roles see a queue.
    let client = app.browser();
    client.login("client_a").await.ok();
    assert_eq!(client.get("/api/v1/lead/review").await.status.as_u16(), 403);
});

both!(decisions_make_answers_final_and_follow_through, |app| {
    let s = scene(&app).await;
    let lead_a = app.browser();
    lead_a.login("lead_a").await.ok();
    let queue = items(
        &lead_a
            .get(&format!(
                "/api/v1/lead/review?order_id={}&reason=escalated&limit=100",
                s.o1
            ))
            .await,
    );
    let a_only: Vec<&Value> = queue
        .iter()
        .filter(|i| !s.b_items.contains(&key(i).1))
        .collect();
    assert!(a_only.len() >= 3, "{} A-only escalated items", a_only.len());
    let path = |it: &Value| {
        format!(
            "/api/v1/lead/review/{}/items/{}/decision",
            key(it).0,
            key(it).1
        )
    };
    let quality = |g: Got| -> HashMap<i64, (i64, i64)> {
        g.ok()["workers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| {
                let judged = w["judged"].as_i64().unwrap();
                let agreed =
                    (w["agreement"].as_f64().unwrap_or(0.0) * judged as f64).round() as i64;
                (w["annotator_id"].as_i64().unwrap(), (judged, agreed))
            })
            .collect()
    };

    // Bad decisions change nothing.
    let x = a_only[0];
    for (body, code) in [
        (json!({"decision": "override"}), 422),
        (
            json!({"decision": "override", "answer": {"label": "cow"}}),
            422,
        ),
        (
            json!({"decision": "accept", "answer": {"label": "good"}}),
            422,
        ),
        (json!({"decision": "accept", "extra_labels": 2}), 422),
        (json!({"decision": "send_back", "extra_labels": 0}), 422),
        (json!({"decision": "maybe"}), 422),
        (json!({"decision": "accept", "note": "x".repeat(501)}), 422),
    ] {
        let g = lead_a.post(&path(x), body.clone()).await;
        assert_eq!(g.status.as_u16(), code, "{body}: {}", g.body);
    }
    let g = lead_a
        .post(
            &format!("/api/v1/lead/review/{}/items/999999/decision", s.o1),
            json!({"decision": "accept"}),
        )
        .await;
    assert_eq!(g.status.as_u16(), 404);

    // Accept: the consensus becomes final.
    let g = lead_a
        .post(&path(x), json!({"decision": "accept", "note": "看过了"}))
        .await;
    let d = g.ok();
    assert_eq!(d["decision"], "accept");
    assert_eq!(d["answer"], x["consensus"]);
    assert_eq!(d["state_before"], "escalated");
    assert_eq!(d["note"], "看过了");
    let again = lead_a.post(&path(x), json!({"decision": "accept"})).await;
    assert_eq!(
        again.status.as_u16(),
        200,
        "a final item may be decided again: {}",
        again.body
    );

    // Override: the lead's answer becomes final; the right answerer agrees, the other not.
    let y = a_only[1];
    let before = quality(lead_a.get("/api/v1/lead/quality").await);
    let right = s.truth[&key(y).1].clone();
    let d = lead_a
        .post(
            &path(y),
            json!({"decision": "override", "answer": {"label": right}}),
        )
        .await;
    assert_eq!(d.ok()["answer"]["label"], json!(right));
    let after = quality(lead_a.get("/api/v1/lead/quality").await);
    let (a1b, a1a) = (before[&s.w.ann_a1], after[&s.w.ann_a1]);
    let (a2b, a2a) = (before[&s.w.ann_a2], after[&s.w.ann_a2]);
    assert_eq!((a1a.0 - a1b.0, a1a.1 - a1b.1), (1, 1), "a1 was right");
    assert_eq!((a2a.0 - a2b.0, a2a.1 - a2b.1), (1, 0), "a2 was wrong");
    let hist = lead_a
        .get(&format!(
            "/api/v1/lead/review/{}/items/{}/decisions",
            key(y).0,
            key(y).1
        ))
        .await;
    assert_eq!(items(&hist).len(), 1);
    assert!(
        hist.body["items"][0]["decided_by"].is_i64()
            && hist.body["items"][0]["decided_at"].is_i64()
    );

    // Send back: the item waits for more labels, and a new annotator gets it.
    let z = a_only[2];
    let d = lead_a
        .post(
            &path(z),
            json!({"decision": "send_back", "extra_labels": 1}),
        )
        .await;
    assert_eq!(d.ok()["extra_labels"], 1);
    let left: HashSet<(i64, i64)> = items(&lead_a.get("/api/v1/lead/review?limit=100").await)
        .iter()
        .map(key)
        .collect();
    for it in [x, y, z] {
        assert!(!left.contains(&key(it)), "decided items leave the queue");
    }
    let a3 = app
        .user(annotator("张丽", "4444", s.w.centre_a))
        .await
        .id
        .get();
    let mut w3 = SimWorker::new(&app, a3, "4444", "lead_a", 1.0, 2500, 9).await;
    let (_, got) = w3
        .do_unit(&s.truth)
        .await
        .expect("work for the new annotator");
    assert!(
        got.contains(&key(z).1),
        "the sent-back item is offered again: {got:?}"
    );
    let recent = items(&lead_a.get("/api/v1/lead/decisions").await);
    assert_eq!(recent.len(), 4);

    // Gold failures: the gold stands (accept); a gold answer is never overridden.
    let g_item = *s.gold.iter().next().unwrap();
    let gp = format!("/api/v1/lead/review/{}/items/{g_item}/decision", s.o1);
    let g = lead_a
        .post(
            &gp,
            json!({"decision": "override", "answer": {"label": "good"}}),
        )
        .await;
    assert_eq!((g.status.as_u16(), g.code()), (409, "conflict"));
    let g = lead_a.post(&gp, json!({"decision": "accept"})).await;
    assert_eq!(g.ok()["answer"]["label"], json!(s.truth[&g_item]));
    let gold_left = items(&lead_a.get("/api/v1/lead/review?reason=gold_failure").await);
    assert!(gold_left.iter().all(|i| key(i).1 != g_item));

    // Lead B cannot decide (or look at) an item only centre A labelled.
    let lead_b = app.browser();
    lead_b.login("lead_b").await.ok();
    let other = a_only[3.min(a_only.len() - 1)];
    assert_eq!(
        lead_b
            .post(&path(other), json!({"decision": "accept"}))
            .await
            .status
            .as_u16(),
        404
    );
    assert_eq!(
        lead_b
            .post(
                &path(other),
                json!({"decision": "override", "answer": {"label": "cow"}})
            )
            .await
            .status
            .as_u16(),
        404,
        "scope is checked before the answer"
    );
    assert_eq!(
        lead_b
            .get(&format!(
                "/api/v1/lead/review/{}/items/{}/decisions",
                key(other).0,
                key(other).1
            ))
            .await
            .status
            .as_u16(),
        404
    );
    assert!(items(&lead_b.get("/api/v1/lead/decisions").await).is_empty());
});

both!(clients_flag_results_and_get_a_quality_report, |app| {
    let s = scene(&app).await;
    let client = app.browser();
    client.login("client_a").await.ok();
    // Results: gold left out, paged, by state.
    let all = client
        .get(&format!("/api/v1/orders/{}/results", s.o1))
        .await;
    let rows = items(&all);
    assert_eq!(rows.len(), 12 - s.gold.len());
    assert!(
        rows.iter()
            .all(|r| !s.gold.contains(&r["item_id"].as_i64().unwrap()))
    );
    assert!(all.body["next_after"].is_null());
    let page = client
        .get(&format!("/api/v1/orders/{}/results?limit=4", s.o1))
        .await;
    assert_eq!(items(&page).len(), 4);
    let after = page.body["next_after"].as_i64().unwrap();
    let next = client
        .get(&format!(
            "/api/v1/orders/{}/results?limit=4&after={after}",
            s.o1
        ))
        .await;
    assert!(items(&next)[0]["item_id"].as_i64().unwrap() > after);
    let resolved = items(
        &client
            .get(&format!("/api/v1/orders/{}/results?state=resolved", s.o1))
            .await,
    );
    assert!(
        !resolved.is_empty()
            && resolved
                .iter()
                .all(|r| r["state"] == "resolved" && r["answer"]["label"].is_string())
    );

    // A flag sends a resolved item to the leads of the centres that labelled it.
    let r = resolved[0]["item_id"].as_i64().unwrap();
    let fp = format!("/api/v1/orders/{}/items/{r}/flag", s.o1);
    let f = client.post(&fp, json!({"note": "这个看起来不对"})).await;
    assert_eq!(f.ok()["status"], "waiting");
    let f = client
        .post(&fp, json!({"note": "这个看起来不对，请再看看"}))
        .await;
    assert_eq!(
        f.ok()["note"],
        "这个看起来不对，请再看看",
        "flagging again updates the note"
    );
    assert_eq!(
        items(&client.get(&format!("/api/v1/orders/{}/flags", s.o1)).await).len(),
        1
    );
    let g_item = *s.gold.iter().next().unwrap();
    let g = client
        .post(
            &format!("/api/v1/orders/{}/items/{g_item}/flag", s.o1),
            json!({}),
        )
        .await;
    assert_eq!(g.status.as_u16(), 422, "gold is the client's own answer");
    assert_eq!(
        client
            .post(
                &format!("/api/v1/orders/{}/items/999999/flag", s.o1),
                json!({})
            )
            .await
            .status
            .as_u16(),
        404
    );
    let long = client.post(&fp, json!({"note": "很".repeat(501)})).await;
    assert_eq!(long.status.as_u16(), 422);
    let flagged = items(
        &client
            .get(&format!("/api/v1/orders/{}/results?state=resolved", s.o1))
            .await,
    );
    assert!(
        flagged
            .iter()
            .any(|x| x["item_id"].as_i64() == Some(r) && x["flagged"] == true)
    );

    // Another client sees none of it.
    let other = app.browser();
    other.login("client_b").await.ok();
    assert_eq!(other.post(&fp, json!({})).await.status.as_u16(), 404);
    assert_eq!(
        other
            .get(&format!("/api/v1/orders/{}/flags", s.o1))
            .await
            .status
            .as_u16(),
        404
    );
    assert_eq!(
        other
            .get(&format!("/api/v1/orders/{}/results", s.o1))
            .await
            .status
            .as_u16(),
        404
    );
    assert_eq!(
        other
            .get(&format!("/api/v1/orders/{}/quality", s.o1))
            .await
            .status
            .as_u16(),
        404
    );

    // The lead sees the flag with the client's words, overrides, and the client sees that.
    let lead_a = app.browser();
    lead_a.login("lead_a").await.ok();
    let flags = items(&lead_a.get("/api/v1/lead/review?reason=client_flag").await);
    assert_eq!(flags.len(), 1);
    assert_eq!(flags[0]["reasons"][0]["note"], "这个看起来不对，请再看看");
    assert_eq!(flags[0]["state"], "resolved");
    // The client's flag leads the whole queue, ahead of order 2 (nearer deadline) and of
    // the older gold failures: a paying customer is waiting on it.
    let whole = items(&lead_a.get("/api/v1/lead/review?limit=100").await);
    assert!(whole.len() > 1);
    assert_eq!(
        key(&whole[0]),
        (s.o1, r),
        "{:?}",
        whole.iter().map(key).collect::<Vec<_>>()
    );
    assert!(
        whole[1..]
            .iter()
            .all(|i| !reasons(i).contains(&"client_flag".to_owned()))
    );
    assert!(whole[1..].iter().any(|i| reasons(i) == ["gold_failure"]));
    let right = s.truth[&r].clone();
    let new = wrong(&right);
    lead_a
        .post(
            &format!("/api/v1/lead/review/{}/items/{r}/decision", s.o1),
            json!({"decision": "override", "answer": {"label": new}}),
        )
        .await
        .ok();
    let f = items(&client.get(&format!("/api/v1/orders/{}/flags", s.o1)).await);
    assert_eq!(
        (f[0]["status"].as_str(), f[0]["decision"].as_str()),
        (Some("decided"), Some("override"))
    );
    assert_eq!(f[0]["answer"]["label"], json!(new));
    let res = items(
        &client
            .get(&format!("/api/v1/orders/{}/results?state=resolved", s.o1))
            .await,
    );
    let x = res
        .iter()
        .find(|x| x["item_id"].as_i64() == Some(r))
        .unwrap();
    assert_eq!(
        (x["reviewed"].as_bool(), x["flagged"].as_bool()),
        (Some(true), Some(false))
    );

    // The quality report: gold, known answers, the model, agreement, per class.
    let rep = client
        .get(&format!("/api/v1/orders/{}/quality", s.o1))
        .await;
    let q = rep.ok();
    assert_eq!(q["items"], 12 - s.gold.len() as i64);
    assert_eq!(q["reviewed"], 1);
    let gold_answers = q["gold"]["n"].as_i64().unwrap();
    assert!(gold_answers >= 2 * s.gold.len() as i64, "{q}");
    let acc = q["gold"]["accuracy"].as_f64().unwrap();
    assert!(
        q["gold"]["low"].as_f64().unwrap() <= acc && acc <= q["gold"]["high"].as_f64().unwrap()
    );
    assert!(
        q["known"]["n"].as_i64().unwrap() > 0,
        "final answers checked against known ones: {q}"
    );
    assert!(q["model_accuracy"].as_f64().is_some() && q["model_confidence"].as_f64().is_some());
    assert!(
        q["fleiss_kappa"].as_f64().is_some() && q["krippendorff_alpha"].as_f64().is_some(),
        "{q}"
    );
    assert!(q["share_escalated"].as_f64().unwrap() > 0.0);
    assert_eq!(q["classes"].as_array().unwrap().len(), 4);
    assert_eq!(q["confusion"].as_array().unwrap().len(), 4);
    let csv = client
        .http
        .get(format!(
            "{}/api/v1/orders/{}/quality?format=csv",
            app.url, s.o1
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status().as_u16(), 200);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let text = csv.text().await.unwrap();
    assert!(
        text.trim_start_matches('\u{feff}')
            .starts_with("section,name,value")
            && text.contains("fleiss_kappa")
            && text.contains("final \\ answered")
    );
    assert_eq!(
        client
            .get(&format!("/api/v1/orders/{}/quality?format=pdf", s.o1))
            .await
            .status
            .as_u16(),
        400
    );
});
