//! The automatic rules with simulated workers of known quality: a careful worker (95% right),
//! a careless one (40% right) and a hasty one (90% right in 0.3 s). The careless and the hasty
//! are paused with their reasons, the lead is told, their stretches leave consensus; the
//! careful one is never paused and is promoted by rule. And a spammer (always the same label)
//! caught by agreement with the final answers when the lead turned the gold rule off.

use serde_json::{Value, json};

use crate::sim::{SimWorker, gold_items, text_order, text_spec};
use crate::{annotator, both};

both!(careless_workers_are_paused_and_careful_ones_never, |app| {
    let w = app.world().await;
    let careless_id = app
        .user(annotator("刘静", "4444", w.centre_a))
        .await
        .id
        .get();
    let hasty_id = app
        .user(annotator("陈杰", "5555", w.centre_a))
        .await
        .id
        .get();
    let spec = text_spec("规则检验", json!({"kind": "fixed", "n": 1}), 0.3, 60, 10);
    let t = text_order(&app, w.org_a, "client_a", 300, spec).await;
    assert_eq!(gold_items(&app, t.id).await.len(), 60);
    let lead = app.browser();
    lead.login("lead_a").await.ok();

    let mut workers = [
        SimWorker::new(&app, w.ann_a1, "1111", "lead_a", 0.95, 3000, 11).await,
        SimWorker::new(&app, careless_id, "4444", "lead_a", 0.4, 3200, 12).await,
        SimWorker::new(&app, hasty_id, "5555", "lead_a", 0.9, 300, 13).await,
    ];
    let live_pauses = |g: &crate::Got| -> Vec<Value> {
        g.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["live"] == true)
            .cloned()
            .collect()
    };
    let mut active = [true; 3];
    let mut units = [0; 3];
    while active.iter().any(|a| *a) {
        for (i, wk) in workers.iter_mut().enumerate() {
            if !active[i] {
                continue;
            }
            if wk.do_unit(&t.truth).await.is_none() {
                active[i] = false;
                continue;
            }
            units[i] += 1;
            // Dispatch refuses paused workers; here they stop when the lead's list says so.
            let pauses = live_pauses(&lead.get("/api/v1/lead/pauses").await);
            if pauses
                .iter()
                .any(|p| p["annotator_id"].as_i64() == Some(wk.id))
            {
                active[i] = false;
            }
        }
    }
    let all = lead.get("/api/v1/lead/pauses").await;
    let pauses = all.ok()["items"].as_array().unwrap().clone();
    let of = |id: i64| {
        pauses
            .iter()
            .filter(|p| p["annotator_id"].as_i64() == Some(id))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert!(
        of(w.ann_a1).is_empty(),
        "the careful worker is never paused: {pauses:?}"
    );
    let c = of(careless_id);
    assert_eq!(c.len(), 1, "{pauses:?}");
    assert_eq!(c[0]["reason"], "gold_accuracy");
    assert_eq!(c[0]["order_id"].as_i64(), Some(t.id));
    let f = &c[0]["figures"];
    assert!(f["gold_total"].as_i64().unwrap() >= 10);
    assert!(
        f["high"].as_f64().unwrap() < 0.7 && f["accuracy"].as_f64().unwrap() < 0.7,
        "{f}"
    );
    let h = of(hasty_id);
    assert_eq!(h.len(), 1, "{pauses:?}");
    assert_eq!(h[0]["reason"], "too_fast");
    assert!(h[0]["figures"]["median_seconds"].as_f64().unwrap() < 1.0);
    assert!(units[1] < 15 && units[2] <= 3, "paused early: {units:?}");

    // The lead was told, in their alerts.
    let alerts = lead.get("/api/v1/lead/alerts").await;
    let a = alerts.ok()["items"].as_array().unwrap().clone();
    let paused: Vec<(&str, i64)> = a
        .iter()
        .filter(|x| x["data"]["event"] == "paused")
        .map(|x| {
            (
                x["data"]["reason"].as_str().unwrap(),
                x["about_id"].as_i64().unwrap(),
            )
        })
        .collect();
    assert!(
        paused.contains(&("gold_accuracy", careless_id))
            && paused.contains(&("too_fast", hasty_id)),
        "{a:?}"
    );
    assert!(alerts.body["unread"].as_i64().unwrap() >= 2);
    let first = a[0]["id"].as_i64().unwrap();
    assert!(
        lead.post(&format!("/api/v1/lead/alerts/{first}/read"), json!({}))
            .await
            .ok()["read_at"]
            .is_i64()
    );
    let lead_b = app.browser();
    lead_b.login("lead_b").await.ok();
    assert!(
        lead_b.get("/api/v1/lead/alerts").await.ok()["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        lead_b
            .post(&format!("/api/v1/lead/alerts/{first}/read"), json!({}))
            .await
            .status
            .as_u16(),
        404
    );

    // The careful worker was promoted by rule on the way.
    let levels = lead.get("/api/v1/lead/levels").await;
    let up = levels.ok()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["annotator_id"].as_i64() == Some(w.ann_a1))
        .cloned();
    let up = up.expect("a promotion");
    assert_eq!(
        (up["source"].as_str(), up["to_level"].as_str()),
        (Some("rule"), Some("standard"))
    );
    assert!(
        a.iter()
            .any(|x| x["data"]["event"] == "promoted" && x["about_id"].as_i64() == Some(w.ann_a1))
    );

    // Each sees their standing at home: stars from the gold of the last 30 days. The careful
    // worker is right 95% of the time, but which of their answers fall on the 60 gold items
    // depends on the order the units come in: 4 stars (90%) fail one run in 25 (7 or more
    // wrong of 60), 3 stars (80%) about one in 100,000.
    let me = workers[0].browser.get("/api/v1/me/quality").await;
    assert_eq!(me.ok()["level"], "standard");
    let careful_stars = me.body["stars"].as_u64().unwrap();
    assert!(careful_stars >= 3, "{}", me.body);
    assert!(me.body["gold_answered"].as_i64().unwrap() >= 20);
    let me = workers[1].browser.get("/api/v1/me/quality").await;
    assert!(me.ok()["stars"].as_u64().unwrap() <= 2, "{}", me.body);
    assert!(me.body["stars"].as_u64().unwrap() < careful_stars);

    // The paused stretches leave consensus: their items need (and get) new labels.
    let n = mudou_app::review::run_pending_exclusions(&app.state)
        .await
        .unwrap();
    assert!(n <= 2);
    let after = lead.get("/api/v1/lead/pauses").await;
    let cp = after.ok()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["annotator_id"].as_i64() == Some(careless_id))
        .cloned()
        .unwrap();
    assert!(
        cp["excluded_at"].is_i64() && cp["exclude_pending"] == false,
        "{cp}"
    );
    assert_eq!(
        cp["excluded_labels"].as_u64(),
        Some(workers[1].answers.len() as u64)
    );
    while workers[0].do_unit(&t.truth).await.is_some() {}
    let client = app.browser();
    client.login("client_a").await.ok();
    let mut rows: Vec<Value> = Vec::new();
    let mut after = 0;
    loop {
        let res = client
            .get(&format!(
                "/api/v1/orders/{}/results?limit=200&after={after}",
                t.id
            ))
            .await;
        rows.extend(res.ok()["items"].as_array().unwrap().iter().cloned());
        match res.body["next_after"].as_i64() {
            Some(a) => after = a,
            None => break,
        }
    }
    assert_eq!(rows.len(), 240);
    for r in &rows {
        let item = r["item_id"].as_i64().unwrap();
        assert_eq!(r["state"], "resolved", "{r}");
        if workers[1].answers.contains_key(&item) || workers[2].answers.contains_key(&item) {
            // Left out of consensus, the item was offered again; the careful worker's answer
            // is now its answer (dispatch's consensus leaves the stretch out).
            assert_eq!(
                r["answer"]["label"].as_str(),
                workers[0].answers.get(&item).map(String::as_str),
                "item {item} was answered again by the careful worker"
            );
        }
    }
    // Taking the stretch back puts the labels in again.
    let back = lead
        .post(
            &format!("/api/v1/lead/pauses/{}/exclude", cp["id"]),
            json!({"exclude": false}),
        )
        .await;
    assert_eq!(
        back.ok()["labels"].as_u64(),
        Some(workers[1].answers.len() as u64)
    );
    assert_eq!(back.body["pause"]["excluded_labels"], 0);

    // The quality page tells them apart.
    let q = lead.get("/api/v1/lead/quality").await;
    let ws = q.ok()["workers"].as_array().unwrap().clone();
    let row = |id: i64| {
        ws.iter()
            .find(|x| x["annotator_id"].as_i64() == Some(id))
            .cloned()
            .unwrap()
    };
    let (good, bad, fast) = (row(w.ann_a1), row(careless_id), row(hasty_id));
    assert!(good["gold_low"].as_f64().unwrap() > 0.7, "{good}");
    assert!(
        bad["gold_accuracy"].as_f64().unwrap() < 0.7
            && bad["gold_high"].as_f64().unwrap() < good["gold_low"].as_f64().unwrap(),
        "{bad}"
    );
    assert_eq!(fast["too_fast"], true, "{fast}");
    assert_eq!(good["too_fast"], false);
    assert!(
        fast["median_seconds"].as_f64().unwrap() < 0.5
            && good["median_seconds"].as_f64().unwrap() > 2.0
    );
    assert!(good["skill"].as_f64().is_some() && good["items_per_hour"].as_f64().unwrap() > 0.0);
    assert_eq!(good["level"], "standard");
    assert_eq!(bad["pauses"].as_array().unwrap().len(), 1);
    let trend = good["trend"].as_array().unwrap();
    assert_eq!(trend.len(), 14);
    let labels: i64 = trend.iter().map(|d| d["labels"].as_i64().unwrap()).sum();
    assert_eq!(labels, good["labels"].as_i64().unwrap());
    assert!(trend[13]["labels"].as_i64().unwrap() > 0, "today is last");
    let one = lead
        .get(&format!("/api/v1/lead/quality/{careless_id}"))
        .await;
    let o = &one.ok()["orders"][0];
    assert_eq!(o["order_id"].as_i64(), Some(t.id));
    assert_eq!(o["classes"].as_array().unwrap().len(), 4);
    let cells: u64 = o["confusion"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r.as_array().unwrap().iter())
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(
        cells,
        workers[1].answers.len() as u64,
        "every answer in the confusion matrix"
    );
    assert_eq!(one.body["rules_paused"].as_array().unwrap().len(), 1);
    assert_eq!(
        lead.get("/api/v1/lead/quality?days=0")
            .await
            .status
            .as_u16(),
        422
    );
    // Lead B sees its own people only.
    let qb = lead_b.get("/api/v1/lead/quality").await;
    let b_ids: Vec<i64> = qb.ok()["workers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["annotator_id"].as_i64().unwrap())
        .collect();
    assert_eq!(b_ids, [w.ann_b1]);
    assert_eq!(
        lead_b
            .get(&format!("/api/v1/lead/quality/{careless_id}"))
            .await
            .status
            .as_u16(),
        404
    );

    // Lifting the pause gives the worker back.
    let pid = cp["id"].as_i64().unwrap();
    lead.post(&format!("/api/v1/lead/pauses/{pid}/lift"), json!({}))
        .await
        .ok();
    let q = lead.get("/api/v1/lead/quality").await;
    let bad = q.ok()["workers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["annotator_id"].as_i64() == Some(careless_id))
        .cloned()
        .unwrap();
    assert!(bad["pauses"].as_array().unwrap().is_empty());
});

both!(
    a_spammer_is_paused_by_agreement_when_the_gold_rule_is_off,
    |app| {
        let w = app.world().await;
        let spammer = app
            .user(annotator("刘静", "4444", w.centre_a))
            .await
            .id
            .get();
        let spec = text_spec("乱答检验", json!({"kind": "fixed", "n": 3}), 0.1, 10, 10);
        let t = text_order(&app, w.org_a, "client_a", 150, spec).await;
        let lead = app.browser();
        lead.login("lead_a").await.ok();
        // The lead turns the gold rule off for this order; agreement must catch the spammer.
        let path = format!("/api/v1/lead/orders/{}/rules", t.id);
        let mut rules = lead.get(&path).await.ok().clone();
        rules["gold_enabled"] = json!(false);
        rules["spam_min_labels"] = json!(20);
        lead.put(&path, rules).await.ok();

        let mut workers = [
            SimWorker::new(&app, w.ann_a1, "1111", "lead_a", 0.95, 3000, 21).await,
            SimWorker::new(&app, w.ann_a2, "2222", "lead_a", 0.95, 3500, 22).await,
            SimWorker::new(&app, spammer, "4444", "lead_a", 0.0, 3200, 23).await,
        ];
        let always = |_: i64| Some("spam".to_owned());
        let mut active = [true; 3];
        while active.iter().any(|a| *a) {
            for (i, wk) in workers.iter_mut().enumerate() {
                if !active[i] {
                    continue;
                }
                let done = if i == 2 {
                    wk.do_unit_with(&t.truth, &always).await
                } else {
                    wk.do_unit(&t.truth).await
                };
                if done.is_none() {
                    active[i] = false;
                }
            }
        }
        let pauses = lead.get("/api/v1/lead/pauses").await;
        let items = pauses.ok()["items"].as_array().unwrap().clone();
        let mine: Vec<&Value> = items
            .iter()
            .filter(|p| p["annotator_id"].as_i64() == Some(spammer))
            .collect();
        assert_eq!(mine.len(), 1, "{items:?}");
        assert_eq!(mine[0]["reason"], "spam");
        let f = &mine[0]["figures"];
        assert!(
            f["judged"].as_i64().unwrap() >= 20 && f["high"].as_f64().unwrap() < 0.5,
            "{f}"
        );
        assert!(
            items
                .iter()
                .all(|p| p["annotator_id"].as_i64() == Some(spammer)),
            "the careful ones are never paused: {items:?}"
        );
    }
);
