//! Skills on the live path (issue 32): a careful worker (95% right) and a careless one (40%)
//! label the same texts, two answers an item. As their gold answers come in their live
//! skills part (the lead sees both with intervals), and where the two disagree the careful
//! one's answer wins; with the skills switched off the same disagreements are ties, settled
//! by the order of the labels.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::sim::{KEYS, SimWorker, gold_items, text_order, text_spec};
use crate::{TestApp, annotator, both, both_tuned};

struct Run {
    careful: i64,
    careless: i64,
    /// Item → (careful's answer, careless's answer, final answer), for the non-gold items
    /// the two disagreed on, in the order they were completed.
    disagreements: Vec<(i64, String, String, Option<String>)>,
    truth: HashMap<i64, String>,
}

async fn run(app: &TestApp) -> Run {
    let w = app.world().await;
    let careless = app
        .user(annotator("刘静", "4444", w.centre_a))
        .await
        .id
        .get();
    let spec = text_spec("技能检验", json!({"kind": "fixed", "n": 2}), 0.3, 60, 10);
    let t = text_order(app, w.org_a, "client_a", 200, spec).await;
    let gold = gold_items(app, t.id).await;
    let lead = app.browser();
    lead.login("lead_a").await.ok();
    // No automatic pauses here: the careless worker keeps working, weighed by skill alone.
    let path = format!("/api/v1/lead/orders/{}/rules", t.id);
    let mut rules = lead.get(&path).await.ok().clone();
    rules["gold_enabled"] = json!(false);
    rules["fast_enabled"] = json!(false);
    rules["spam_enabled"] = json!(false);
    lead.put(&path, rules).await.ok();

    let mut workers = [
        SimWorker::new(app, w.ann_a1, "1111", "lead_a", 0.95, 3000, 31).await,
        SimWorker::new(app, careless, "4444", "lead_a", 0.4, 3100, 32).await,
    ];
    let mut completed: Vec<i64> = Vec::new();
    let mut active = [true; 2];
    while active.iter().any(|a| *a) {
        for (i, wk) in workers.iter_mut().enumerate() {
            if !active[i] {
                continue;
            }
            match wk.do_unit(&t.truth).await {
                None => active[i] = false,
                Some((_, items)) => completed.extend(items),
            }
        }
    }
    // An item is complete at its second answer: keep the last occurrence of each.
    let mut seen = std::collections::HashSet::new();
    let mut order: Vec<i64> = completed
        .iter()
        .rev()
        .filter(|i| seen.insert(**i))
        .copied()
        .collect();
    order.reverse();

    let c = app.browser();
    c.login("client_a").await.ok();
    let r = c
        .http
        .get(format!(
            "{}/api/v1/orders/{}/export?format=jsonl",
            c.url, t.id
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let text = r.text().await.unwrap();
    let finals: HashMap<i64, Option<String>> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .map(|l| {
            (
                l["item_id"].as_i64().unwrap(),
                l["answer"]["label"].as_str().map(str::to_owned),
            )
        })
        .collect();
    let [careful_w, careless_w] = &workers;
    let disagreements = order
        .iter()
        .filter(|i| !gold.contains(i))
        .filter_map(|i| {
            let a = careful_w.answers.get(i)?;
            let b = careless_w.answers.get(i)?;
            (a != b).then(|| (*i, a.clone(), b.clone(), finals.get(i).cloned().flatten()))
        })
        .collect();
    Run {
        careful: w.ann_a1,
        careless,
        disagreements,
        truth: t.truth,
    }
}

both!(
    careful_and_careless_workers_weights_diverge_as_gold_comes_in,
    |app| {
        let r = run(&app).await;
        assert!(r.disagreements.len() >= 40, "{}", r.disagreements.len());
        // Late in the order, where both have answered many gold items, the careful worker's
        // answer is the item's.
        let late = &r.disagreements[r.disagreements.len() / 2..];
        let careful_wins = late
            .iter()
            .filter(|(_, a, _, f)| f.as_deref() == Some(a.as_str()))
            .count();
        assert!(
            careful_wins * 10 >= late.len() * 9,
            "careful won {careful_wins} of {}",
            late.len()
        );
        let right = late
            .iter()
            .filter(|(i, _, _, f)| f.as_deref() == r.truth.get(i).map(String::as_str))
            .count();
        assert!(
            right * 10 >= late.len() * 8,
            "{right} of {} right",
            late.len()
        );

        // The lead sees both skills with their intervals, apart.
        let lead = app.browser();
        lead.login("lead_a").await.ok();
        let skill = |g: &crate::Got| -> Value {
            let orders = g.body["orders"].as_array().unwrap();
            assert_eq!(orders.len(), 1, "{}", g.body);
            orders[0]["live_skill"].clone()
        };
        let good = skill(
            &lead
                .get(&format!("/api/v1/lead/quality/{}", r.careful))
                .await,
        );
        let bad = skill(
            &lead
                .get(&format!("/api/v1/lead/quality/{}", r.careless))
                .await,
        );
        let f = |v: &Value, k: &str| v[k].as_f64().unwrap();
        assert!(
            f(&good, "accuracy") > 0.85 && f(&bad, "accuracy") < 0.6,
            "{good} {bad}"
        );
        assert!(f(&good, "low") > f(&bad, "high"), "{good} {bad}");
        assert!(f(&good, "low") < f(&good, "accuracy") && f(&good, "accuracy") < f(&good, "high"));
        assert!(f(&good, "evidence") >= 30.0, "{good}");
        // Another centre's lead does not see them.
        let lead_b = app.browser();
        lead_b.login("lead_b").await.ok();
        assert_eq!(
            lead_b
                .get(&format!("/api/v1/lead/quality/{}", r.careful))
                .await
                .status
                .as_u16(),
            404
        );
    }
);

both_tuned!(
    with_skills_off_disagreements_are_ties,
    tuned(|s: &mut mudou_server::Settings| s.live_trust = mudou_domain::live::Trust::Equal),
    |app| {
        let r = run(&app).await;
        assert!(r.disagreements.len() >= 40, "{}", r.disagreements.len());
        // Two answers at the same trust: the tie goes to the first label of the order's list.
        for (i, a, b, f) in &r.disagreements {
            let first = KEYS
                .iter()
                .find(|k| **k == a.as_str() || **k == b.as_str())
                .unwrap();
            assert_eq!(f.as_deref(), Some(*first), "item {i}: {a} / {b}");
        }
    }
);
