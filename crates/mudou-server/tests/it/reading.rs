//! LLM reading work (issue 27, parts 1, 2 and 4) on the real conversation sample
//! `datasets/llm/llamafactory_dpo_zh/preference.jsonl` (30 Chinese prompts, two responses
//! each, about 15 s to 6 min of skimming at the default speeds):
//!
//! - gold pairs: a client marks gold preferences and rankings on a pairwise + ranking order;
//!   they are planted in the annotators' units and scored question by question; a worker who
//!   gets them wrong has it on the lead's page, a lower skill, and is paused by the gold rule;
//! - too fast for reading: a worker answering in 2 s what takes minutes to read is paused
//!   (`too_fast`, by reading), one taking 10 minutes never is, and the lead's page counts
//!   each one's hurried answers;
//! - the fair-wage check gives a read order's time per item and unit from its dataset.

use std::collections::HashSet;

use mudou_domain::ErrorCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::work::annotator_browser;
use crate::{Browser, annotator, both};

fn template(ranking: bool) -> Value {
    let mut questions = vec![
        json!({"key": "better", "kind": "pairwise", "title_zh": "哪个回答更好？",
        "settings": {"pair": ["response_1", "response_2"]}}),
    ];
    if ranking {
        questions.push(json!({"key": "rank", "kind": "ranking", "title_zh": "排序",
            "settings": {"rank": ["response_1", "response_2"]}}));
    }
    json!({
        "layout": "side_by_side",
        "fields": [{"name": "prompt", "kind": "conversation", "title_zh": "问题"},
                   {"name": "response_1", "kind": "markdown", "title_zh": "回答 1"},
                   {"name": "response_2", "kind": "markdown", "title_zh": "回答 2"}],
        "questions": questions
    })
}

fn spec(ranking: bool, gold_share: f64) -> Value {
    json!({
        "name": if ranking { "偏好与排序" } else { "偏好比较" },
        "task_type": "template",
        "labels": [],
        "template": template(ranking),
        "overlap": {"kind": "fixed", "n": 2},
        "gold_share": gold_share,
        "unit_size": 10,
        "piece_rate_fen": 50
    })
}

/// A dataset of the 30 conversations, uploaded by `client`; its item ids.
async fn conversations(c: &Browser, name: &str) -> (i64, Vec<i64>) {
    let ds = c.post("/api/v1/datasets", json!({"name": name})).await;
    assert_eq!(ds.status.as_u16(), 201, "{}", ds.body);
    let ds = ds.body["id"].as_i64().unwrap();
    let bytes = std::fs::read(format!(
        "{}/../../datasets/llm/llamafactory_dpo_zh/preference.jsonl",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let form = Form::new().part(
        "conversations",
        Part::bytes(bytes).file_name("preference.jsonl"),
    );
    let up = c
        .http
        .post(format!("{}/api/v1/datasets/{ds}/files", c.url))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(up.status().as_u16(), 200);
    let items = c
        .get(&format!("/api/v1/datasets/{ds}/items?limit=100"))
        .await;
    let ids: Vec<i64> = items.ok()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 30, "{}", items.body);
    (ds, ids)
}

/// What one worker does with an item: the answer and the time it reports.
type Answerer<'a> = &'a dyn Fn(i64) -> (Value, i64);

/// Takes units and answers every item until dispatch has nothing (or the worker is paused);
/// the items answered.
async fn work(b: &Browser, answer: Answerer<'_>) -> Vec<i64> {
    let mut done = Vec::new();
    for _ in 0..20 {
        let next = b.get("/api/v1/work/next").await;
        if next.ok()["status"] != "assigned" {
            break;
        }
        let a = &next.body["assignment"];
        let aid = a["id"].as_i64().unwrap();
        let items: Vec<i64> = a["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["item_id"].as_i64().unwrap())
            .collect();
        for item in items {
            let (ans, ms) = answer(item);
            let g = b
                .post(
                    "/api/v1/work/labels",
                    json!({"client_uuid": uuid::Uuid::new_v4().to_string(), "assignment_id": aid,
                           "item_id": item, "answer": ans, "duration_ms": ms}),
                )
                .await;
            if g.status.as_u16() != 200 {
                // Paused in the middle of a unit: the rest is refused.
                return done;
            }
            done.push(item);
        }
        b.post(&format!("/api/v1/work/assignments/{aid}/submit"), json!({}))
            .await;
    }
    done
}

fn preference(winner: &str) -> Value {
    json!({"winner": winner, "shown": ["response_2", "response_1"]})
}

fn ranking(best: &str, other: &str) -> Value {
    json!({"order": [[best], [other]]})
}

/// The live pauses of the centre, as `(annotator, reason, figures)`.
async fn live_pauses(lead: &Browser) -> Vec<(i64, String, Value)> {
    lead.get("/api/v1/lead/pauses").await.ok()["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["live"] == true)
        .map(|p| {
            (
                p["annotator_id"].as_i64().unwrap(),
                p["reason"].as_str().unwrap().to_owned(),
                p["figures"].clone(),
            )
        })
        .collect()
}

/// The worker's figures on `order` from the lead's quality page.
async fn on_order(lead: &Browser, worker: i64, order: i64) -> Value {
    let page = lead.get(&format!("/api/v1/lead/quality/{worker}")).await;
    page.ok()["orders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["order_id"] == order)
        .cloned()
        .unwrap_or_else(|| panic!("order {order} on {}", page.body))
}

async fn publish(c: &Browser, ds: i64, spec: Value) -> i64 {
    let o = c
        .post("/api/v1/orders", json!({"dataset_id": ds, "spec": spec}))
        .await;
    assert_eq!(o.status.as_u16(), 201, "{}", o.body);
    o.body["id"].as_i64().unwrap()
}

both!(gold_pairs_and_rankings_catch_a_careless_worker, |app| {
    let w = app.world().await;
    let c = app.browser();
    c.login("client_a").await.ok();
    let (ds, items) = conversations(&c, "金标偏好").await;
    let order = publish(&c, ds, spec(true, 0.5)).await;
    // Twelve gold items whose better answer is known: response_1, ranked first.
    let gold: HashSet<i64> = items.iter().take(12).copied().collect();
    let answer = json!({"better": {"winner": "response_1"},
                        "rank": {"order": [["response_1"], ["response_2"]]}});
    for g in &gold {
        let put = c
            .put(
                &format!("/api/v1/orders/{order}/gold/{g}"),
                json!({"answer": answer}),
            )
            .await;
        assert_eq!(put.status.as_u16(), 204, "{}", put.body);
    }
    // A gold preference with the annotator's `shown`, or naming a field not in the pair, is
    // refused; another organisation's client cannot mark this order's gold.
    let bad = c
        .put(
            &format!("/api/v1/orders/{order}/gold/{}", items[0]),
            json!({"answer": {"better": preference("response_1"), "rank": {"order": [["response_1"], ["response_2"]]}}}),
        )
        .await;
    bad.refused(ErrorCode::Validation);
    let bad = c
        .put(
            &format!("/api/v1/orders/{order}/gold/{}", items[0]),
            json!({"answer": {"better": {"winner": "prompt"}, "rank": {"order": [["response_1"], ["response_2"]]}}}),
        )
        .await;
    bad.refused(ErrorCode::Validation);
    let other = app.browser();
    other.login("client_b").await.ok();
    let g = other
        .put(
            &format!("/api/v1/orders/{order}/gold/{}", items[1]),
            json!({"answer": answer}),
        )
        .await;
    assert_eq!(g.status.as_u16(), 404, "{}", g.body);
    let listed = c.get(&format!("/api/v1/orders/{order}/gold")).await;
    let listed = listed.ok()["items"].as_array().unwrap().clone();
    assert_eq!(listed.len(), 12);
    assert!(
        listed
            .iter()
            .all(|g| g["answer"]["better"] == json!({"winner": "response_1"})
                && g["answer"]["rank"]["order"][0] == json!(["response_1"])),
        "{listed:?}"
    );
    let p = c
        .post(&format!("/api/v1/orders/{order}/publish"), json!({}))
        .await;
    p.ok();

    let careless_id = app
        .user(annotator("刘静", "4444", w.centre_a))
        .await
        .id
        .get();
    let careful = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;
    let careless = annotator_browser(&app, careless_id, "4444", "lead_a").await;
    // The careful worker gives the gold answer (the shown order is theirs alone); the
    // careless one the opposite everywhere. Both take their time.
    let right = |_item: i64| {
        (
            json!({"better": preference("response_1"), "rank": ranking("response_1", "response_2")}),
            600_000,
        )
    };
    let wrong = |_item: i64| {
        (
            json!({"better": preference("response_2"), "rank": ranking("response_2", "response_1")}),
            600_000,
        )
    };
    let done_careful = work(&careful, &right).await;
    let done_careless = work(&careless, &wrong).await;
    // Gold was planted in both workers' units.
    let gold_seen = |done: &[i64]| done.iter().filter(|i| gold.contains(i)).count();
    assert!(gold_seen(&done_careful) >= 10, "{done_careful:?}");
    assert!(gold_seen(&done_careless) >= 10, "{done_careless:?}");

    let lead = app.browser();
    lead.login("lead_a").await.ok();
    let good = on_order(&lead, w.ann_a1, order).await;
    let bad = on_order(&lead, careless_id, order).await;
    assert_eq!(
        good["gold_total"],
        gold_seen(&done_careful) as i64,
        "{good}"
    );
    assert_eq!(good["gold_correct"], good["gold_total"], "{good}");
    assert_eq!(bad["gold_total"], gold_seen(&done_careless) as i64, "{bad}");
    assert_eq!(bad["gold_correct"], 0, "{bad}");
    assert!(bad["gold_high"].as_f64().unwrap() < 0.7, "{bad}");
    // The live consensus trusts them accordingly.
    let skill = |v: &Value| v["live_skill"]["accuracy"].as_f64().unwrap();
    assert!(skill(&good) > skill(&bad), "{good} {bad}");
    // The gold rule paused the careless worker on this order, never the careful one; the
    // failures wait in the review queue.
    let pauses = live_pauses(&lead).await;
    assert!(
        pauses
            .iter()
            .any(|(a, r, _)| *a == careless_id && r == "gold_accuracy"),
        "{pauses:?}"
    );
    assert!(pauses.iter().all(|(a, _, _)| *a != w.ann_a1), "{pauses:?}");
    let next = careless.get("/api/v1/work/next").await;
    assert_ne!(next.ok()["status"], "assigned", "{}", next.body);
});

both!(answers_faster_than_reading_pause_the_worker, |app| {
    let w = app.world().await;
    let c = app.browser();
    c.login("client_a").await.ok();
    let (ds, _) = conversations(&c, "阅读速度").await;
    let order = publish(&c, ds, spec(false, 0.0)).await;
    c.post(&format!("/api/v1/orders/{order}/publish"), json!({}))
        .await
        .ok();
    let hasty_id = app
        .user(annotator("陈杰", "5555", w.centre_a))
        .await
        .id
        .get();
    let careful = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;
    let hasty = annotator_browser(&app, hasty_id, "5555", "lead_a").await;
    // Two seconds for minutes of reading; ten minutes for the same.
    let quick = |_item: i64| (json!({"better": preference("response_1")}), 2_000);
    let slow = |_item: i64| (json!({"better": preference("response_1")}), 600_000);
    let done_hasty = work(&hasty, &quick).await;
    let done_careful = work(&careful, &slow).await;
    assert_eq!(
        done_careful.len(),
        30,
        "the careful worker answers everything"
    );
    // Checked every 5 answers from the 20th: paused at the 20th, the rest refused.
    assert_eq!(done_hasty.len(), 20, "{done_hasty:?}");

    let lead = app.browser();
    lead.login("lead_a").await.ok();
    let pauses = live_pauses(&lead).await;
    let (_, _, figures) = pauses
        .iter()
        .find(|(a, r, _)| *a == hasty_id && r == "too_fast")
        .unwrap_or_else(|| panic!("{pauses:?}"));
    assert_eq!(figures["reading"], true, "{figures}");
    assert_eq!(figures["too_fast_labels"], 20, "{figures}");
    assert_eq!(figures["cjk_per_minute"], 500, "{figures}");
    assert!(pauses.iter().all(|(a, _, _)| *a != w.ann_a1), "{pauses:?}");

    let fast = on_order(&lead, hasty_id, order).await;
    assert_eq!(fast["too_fast"], true, "{fast}");
    assert_eq!(fast["reading"]["answers"], 20, "{fast}");
    assert_eq!(fast["reading"]["too_fast"], 20, "{fast}");
    assert_eq!(fast["reading"]["share"], 1.0, "{fast}");
    let good = on_order(&lead, w.ann_a1, order).await;
    assert_eq!(good["too_fast"], false, "{good}");
    assert_eq!(good["reading"]["answers"], 30, "{good}");
    assert_eq!(good["reading"]["too_fast"], 0, "{good}");

    // Another centre's lead does not see the worker at all.
    let other = app.browser();
    other.login("lead_b").await.ok();
    let g = other.get(&format!("/api/v1/lead/quality/{hasty_id}")).await;
    assert_eq!(g.status.as_u16(), 404, "{}", g.body);
});

// A read order with a reading speed of its own (a fifth of the default): the shortest
// item of the sample then takes over a minute to skim, so 10 s answers are all too fast.
both!(an_order_may_read_slower_than_the_default, |app| {
    let w = app.world().await;
    let c = app.browser();
    c.login("client_a").await.ok();
    let (ds, _) = conversations(&c, "慢读").await;
    let mut s = spec(false, 0.0);
    s["reading"] = json!({"cjk_per_minute": 100, "words_per_minute": 60});
    let order = publish(&c, ds, s.clone()).await;
    c.post(&format!("/api/v1/orders/{order}/publish"), json!({}))
        .await
        .ok();
    // A speed out of range is refused with its path.
    let mut bad = spec(false, 0.0);
    bad["reading"] = json!({"cjk_per_minute": 1});
    let got = c
        .post("/api/v1/orders", json!({"dataset_id": ds, "spec": bad}))
        .await;
    got.refused(ErrorCode::Validation);
    assert_eq!(
        got.body["error"]["field"], "reading.cjk_per_minute",
        "{}",
        got.body
    );

    let b = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;
    let done = work(&b, &|_| {
        (json!({"better": preference("response_2")}), 10_000)
    })
    .await;
    assert_eq!(done.len(), 20, "{done:?}");
    let lead = app.browser();
    lead.login("lead_a").await.ok();
    let page = on_order(&lead, w.ann_a1, order).await;
    assert_eq!(page["reading"]["too_fast"], 20, "{page}");
});

both!(the_wage_check_reads_the_dataset, |app| {
    app.world().await;
    let c = app.browser();
    c.login("client_a").await.ok();
    let (ds, _) = conversations(&c, "时薪").await;
    let req = |reading: Value| {
        let mut r = json!({"task_type": "template", "piece_rate_fen": 50, "dataset_id": ds,
                           "template": template(true), "unit_size": 10});
        if !reading.is_null() {
            r["reading"] = reading;
        }
        r
    };
    let got = c.post("/api/v1/orders/wage-check", req(Value::Null)).await;
    let body = got.ok().clone();
    assert_eq!(body["basis"], "reading", "{body}");
    let r = &body["reading"];
    assert_eq!(r["items"], 30, "{body}");
    // A pairwise side (4 s) and a ranking of two (8 s).
    assert_eq!(r["answer_ms"], 12_000, "{body}");
    let read = r["read_ms"].as_i64().unwrap();
    // The median item: about 640 characters and 40 words, some 80 s of skimming.
    assert!((60_000..120_000).contains(&read), "{body}");
    assert_eq!(r["item_ms"], read + 12_000);
    assert_eq!(r["unit_ms"], (read + 12_000) * 10);
    let per_hour = (50.0 * 3_600_000.0 / (read + 12_000) as f64).round() as i64;
    assert!(
        (body["expected_fen_per_hour"].as_i64().unwrap() - per_hour).abs() <= 1,
        "{body}"
    );
    // Half the speed: twice the reading.
    let slow = c
        .post(
            "/api/v1/orders/wage-check",
            req(json!({"cjk_per_minute": 250, "words_per_minute": 150})),
        )
        .await;
    assert_eq!(slow.ok()["reading"]["read_ms"].as_i64().unwrap(), read * 2);
    // A picture order (or no template) has no reading estimate.
    let plain = c
        .post(
            "/api/v1/orders/wage-check",
            json!({"task_type": "single_choice", "piece_rate_fen": 50, "dataset_id": ds}),
        )
        .await;
    assert_eq!(plain.ok()["basis"], "assumed", "{}", plain.body);
    assert!(plain.body["reading"].is_null());
    // Bad speeds: 422; another organisation's dataset: 404; not a client: 403; nobody: 401.
    let bad = c
        .post(
            "/api/v1/orders/wage-check",
            req(json!({"words_per_minute": 0})),
        )
        .await;
    bad.refused(ErrorCode::Validation);
    let other = app.browser();
    other.login("client_b").await.ok();
    let g = other
        .post("/api/v1/orders/wage-check", req(Value::Null))
        .await;
    assert_eq!(g.status.as_u16(), 404, "{}", g.body);
    let lead = app.browser();
    lead.login("lead_a").await.ok();
    let g = lead
        .post("/api/v1/orders/wage-check", req(Value::Null))
        .await;
    assert_eq!(g.status.as_u16(), 403, "{}", g.body);
    let g = app
        .browser()
        .post("/api/v1/orders/wage-check", req(Value::Null))
        .await;
    assert_eq!(g.status.as_u16(), 401, "{}", g.body);
});

both!(a_rubric_shows_its_agreement_per_axis, |app| {
    let w = app.world().await;
    let c = app.browser();
    c.login("client_a").await.ok();
    let (ds, _) = conversations(&c, "评分").await;
    let mut s = spec(false, 0.0);
    s["template"]["questions"] = json!([{"key": "grade", "kind": "rubric", "title_zh": "打分",
        "title_en": "Grade", "field": "response_1",
        "options": [{"key": "helpful", "name_zh": "有用", "name_en": "Helpful"},
                    {"key": "correct", "name_zh": "正确", "name_en": "Correct"}]}]);
    let order = publish(&c, ds, s).await;
    c.post(&format!("/api/v1/orders/{order}/publish"), json!({}))
        .await
        .ok();
    // Worker 2 never meets the final answers on "correct": the agreement rule would pause
    // them and, a moment later, leave their labels out of the client's figures (a follower
    // does it). The lead turns that rule off here, so both pages read the same 60 labels.
    let lead = app.browser();
    lead.login("lead_a").await.ok();
    let rules = format!("/api/v1/lead/orders/{order}/rules");
    let mut r = lead.get(&rules).await.ok().clone();
    r["spam_enabled"] = json!(false);
    lead.put(&rules, r).await.ok();
    let a1 = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;
    let a2 = annotator_browser(&app, w.ann_a2, "2222", "lead_a").await;
    // Alike on "helpful" (a step from the item), apart on "correct".
    let one = |item: i64| {
        (
            json!({"grade": {"helpful": item % 5 + 1, "correct": 3}}),
            600_000,
        )
    };
    let two = |item: i64| {
        (
            json!({"grade": {"helpful": item % 5 + 1, "correct": if item % 2 == 0 { 1 } else { 5 }}}),
            600_000,
        )
    };
    assert_eq!(work(&a1, &one).await.len(), 30);
    assert_eq!(work(&a2, &two).await.len(), 30);
    let page = on_order(&lead, w.ann_a1, order).await;
    let axes = page["axes"].as_array().unwrap();
    assert_eq!(axes.len(), 1, "{page}");
    assert_eq!(axes[0]["key"], "grade");
    assert_eq!(axes[0]["title_en"], "Grade");
    let parts = axes[0]["parts"].as_array().unwrap();
    assert_eq!(parts[0]["key"], "helpful");
    assert_eq!(parts[0]["name_zh"], "有用");
    assert_eq!(parts[1]["name_en"], "Correct");
    let helpful = parts[0]["krippendorff_alpha"].as_f64().unwrap();
    let correct = parts[1]["krippendorff_alpha"].as_f64().unwrap();
    assert!((helpful - 1.0).abs() < 1e-9, "{page}");
    assert!(correct < 0.2, "{page}");
    // The client's report gives the same parts.
    let rep = c.get(&format!("/api/v1/orders/{order}/quality")).await;
    let q = &rep.ok()["questions"][0];
    assert_eq!(q["parts"][0]["key"], "helpful", "{q}");
    assert_eq!(q["parts"][1]["krippendorff_alpha"].as_f64(), Some(correct));
    // Another centre's lead does not see the worker.
    let plain = app.browser();
    plain.login("lead_b").await.ok();
    let g = plain
        .get(&format!("/api/v1/lead/quality/{}", w.ann_a1))
        .await;
    assert_eq!(g.status.as_u16(), 404, "{}", g.body);
});
