//! Writing (issue 27): answers written to the real prompts of `datasets/llm/mt_bench_zh`, and
//! rewrites of the answers of `llamafactory_dpo_zh`. A written answer never settles by vote: with overlap 1 it goes to
//! the lead's review at once, where accept and edit make it final (and paid), and send back
//! rejects it (its piece reversed in the ledger) and opens the item to be written again.
//! Flags (copied from the prompt, an unchanged rewrite, the same words as another worker)
//! show in the review. Settled answers export as SFT JSONL that `datasets` loads, and become
//! a follow-up dataset a rubric order rates.

use mudou_domain::ErrorCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::work::annotator_browser;
use crate::{Browser, TestApp, both};

const RATE: i64 = 30;

fn writing_spec(rewrite: bool) -> Value {
    let mut fields = vec![json!({"name": "prompt", "kind": "conversation", "title_zh": "问题"})];
    let mut settings = json!({"min_chars": 5, "max_chars": 2000});
    if rewrite {
        fields.push(json!({"name": "response_1", "kind": "markdown", "title_zh": "原回答"}));
        settings["rewrite"] = json!("response_1");
    }
    json!({
        "name": if rewrite { "改写回答" } else { "写回答" },
        "task_type": "template",
        "labels": [],
        "template": {
            "layout": "stacked",
            "fields": fields,
            "questions": [{"key": "answer", "kind": "writing", "title_zh": "写一个好回答",
                "field": "prompt", "settings": settings}]
        },
        "overlap": {"kind": "fixed", "n": 1},
        "max_gold_items": 0,
        "unit_size": 5,
        "piece_rate_fen": RATE,
        "pay_on": "submit"
    })
}

/// The client's order over one of the `datasets/llm` files, published.
async fn order(app: &TestApp, file: &str, spec: Value) -> (Browser, i64) {
    let c = app.browser();
    c.login("client_a").await.ok();
    let ds = c.post("/api/v1/datasets", json!({"name": "写作"})).await;
    assert_eq!(ds.status.as_u16(), 201, "{}", ds.body);
    let ds = ds.body["id"].as_i64().unwrap();
    let bytes = std::fs::read(format!(
        "{}/../../datasets/llm/{file}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let form = Form::new().part("conversations", Part::bytes(bytes).file_name("data.jsonl"));
    let up = c
        .http
        .post(format!("{}/api/v1/datasets/{ds}/files", c.url))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(up.status().as_u16(), 200);
    let o = c
        .post("/api/v1/orders", json!({"dataset_id": ds, "spec": spec}))
        .await;
    assert_eq!(o.status.as_u16(), 201, "{}", o.body);
    let order = o.body["id"].as_i64().unwrap();
    c.post(&format!("/api/v1/orders/{order}/publish"), json!({}))
        .await
        .ok();
    (c, order)
}

/// The next unit: its id and its items (id, fields).
async fn take(b: &Browser) -> (i64, Vec<(i64, Value)>) {
    let next = b.get("/api/v1/work/next").await;
    assert_eq!(next.ok()["status"], "assigned", "{}", next.body);
    let asg = &next.body["assignment"];
    let items = asg["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["item_id"].as_i64().unwrap(), i["fields"].clone()))
        .collect();
    (asg["id"].as_i64().unwrap(), items)
}

fn field_text(fields: &Value, name: &str) -> String {
    fields
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .and_then(|f| f["text"].as_str())
        .unwrap_or_else(|| panic!("no field {name}: {fields}"))
        .to_owned()
}

async fn write(b: &Browser, uuid: &str, aid: i64, item: i64, text: Value) -> crate::Got {
    let body = json!({"client_uuid": uuid, "assignment_id": aid, "item_id": item,
        "answer": {"answer": text}, "duration_ms": 60000});
    b.post("/api/v1/work/labels", body).await
}

async fn queue(lead: &Browser, order: i64) -> Vec<Value> {
    let q = lead
        .get(&format!("/api/v1/lead/review?order_id={order}&limit=100"))
        .await;
    q.ok()["items"].as_array().unwrap().clone()
}

async fn decide(lead: &Browser, order: i64, item: i64, body: Value) -> crate::Got {
    lead.post(
        &format!("/api/v1/lead/review/{order}/items/{item}/decision"),
        body,
    )
    .await
}

/// The order's SFT export, as text (status 200).
async fn sft(c: &Browser, order: i64) -> String {
    let r = c
        .http
        .get(format!("{}/api/v1/orders/{order}/export?format=sft", c.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    r.text().await.unwrap()
}

/// A label's ledger entries as `(kind, amount)`.
async fn entries(app: &TestApp, label: i64) -> Vec<(String, i64)> {
    app.state
        .store
        .ledger_entries(0, 1_000_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.label_id == Some(label))
        .map(|e| (e.kind, e.amount_fen))
        .collect()
}

both!(written_answers_settle_by_review_and_export_as_sft, |app| {
    let w = app.world().await;
    // A writing question that is not required, or limits the wrong way round: refused.
    let c = app.browser();
    c.login("client_a").await.ok();
    for (key, v) in [
        ("required", json!(false)),
        ("settings", json!({"min_chars": 3000, "max_chars": 2000})),
        ("settings", json!({"max_chars": 8001})),
        ("settings", json!({"rewrite": "prompt"})),
    ] {
        let mut bad = writing_spec(false);
        bad["template"]["questions"][0][key] = v;
        let path = key;
        let ds = c.post("/api/v1/datasets", json!({"name": "x"})).await;
        let got = c
            .post(
                "/api/v1/orders",
                json!({"dataset_id": ds.body["id"], "spec": bad}),
            )
            .await;
        assert_eq!(got.status.as_u16(), 422, "{path}: {}", got.body);
    }

    let (c, order) = order(&app, "mt_bench_zh/prompts.jsonl", writing_spec(false)).await;
    let a1 = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;
    let a2 = annotator_browser(&app, w.ann_a2, "2222", "lead_a").await;
    let (aid1, items1) = take(&a1).await;
    let (aid2, items2) = take(&a2).await;
    assert_eq!(items1.len(), 5);
    let (i_accept, i_edit, i_reject, i_copied, i_same) = (
        items1[0].0,
        items1[1].0,
        items1[2].0,
        items1[3].0,
        items1[4].0,
    );
    let prompt: Value = serde_json::from_str(&field_text(&items1[3].1, "prompt")).unwrap();
    let prompt_words = prompt[0]["content"].as_str().unwrap().to_owned();

    // Bad answers: 422 with the stable code, nothing stored.
    for bad in [
        json!(""),
        json!("   \n  "),
        json!("太短"),
        json!("长".repeat(2001)),
        json!(42),
        json!({"text": "一个对象"}),
        json!("有\u{0007}控制字符的回答"),
    ] {
        let r = write(
            &a1,
            &uuid::Uuid::new_v4().to_string(),
            aid1,
            i_accept,
            bad.clone(),
        )
        .await;
        assert_eq!(r.status.as_u16(), 422, "{bad}: {}", r.body);
        r.refused(ErrorCode::Validation);
        assert_eq!(r.body["error"]["field"], "answer.answer", "{}", r.body);
    }
    assert!(
        app.state
            .store
            .ledger_entries(0, 1000)
            .await
            .unwrap()
            .is_empty()
    );

    let good = "夏威夷之旅让我难忘：清晨在威基基海滩看日出，午后去珍珠港纪念馆了解历史，晚上参加传统的卢奥宴会，欣赏草裙舞。";
    let u1 = uuid::Uuid::new_v4().to_string();
    let r = write(&a1, &u1, aid1, i_accept, json!(format!("  {good}\r\n"))).await;
    assert_eq!(r.ok()["status"], "stored", "{}", r.body);
    // The same UUID again is a replay: one label, one piece.
    let again = write(&a1, &u1, aid1, i_accept, json!(good)).await;
    assert_eq!(again.ok()["status"], "replay", "{}", again.body);
    let written = "这是一封请上司审阅季度财务报告的邮件：请您重点看数据分析是否准确、陈述是否清楚、结论是否明确。";
    write(
        &a1,
        &uuid::Uuid::new_v4().to_string(),
        aid1,
        i_edit,
        json!(written),
    )
    .await
    .ok();
    write(
        &a1,
        &uuid::Uuid::new_v4().to_string(),
        aid1,
        i_reject,
        json!("随便写几个字凑数的回答。"),
    )
    .await
    .ok();
    write(
        &a1,
        &uuid::Uuid::new_v4().to_string(),
        aid1,
        i_copied,
        json!(prompt_words),
    )
    .await
    .ok();
    let same = "我觉得这个问题很好，答案是：要多读书，多思考，多实践。";
    write(
        &a1,
        &uuid::Uuid::new_v4().to_string(),
        aid1,
        i_same,
        json!(same),
    )
    .await
    .ok();
    write(
        &a2,
        &uuid::Uuid::new_v4().to_string(),
        aid2,
        items2[0].0,
        json!(format!("{same} ")),
    )
    .await
    .ok();

    // Every written item waits for the lead (overlap 1, never settled by vote), with flags.
    let lead = app.browser();
    lead.login("lead_a").await.ok();
    let q = queue(&lead, order).await;
    assert_eq!(q.len(), 6, "{q:?}");
    let card = |item: i64| q.iter().find(|x| x["item_id"] == item).unwrap().clone();
    for it in &q {
        assert_eq!(it["state"], "escalated", "{it}");
        assert_eq!(it["reasons"][0]["reason"], "escalated");
    }
    assert_eq!(
        card(i_accept)["answers"][0]["answer"]["answer"],
        good,
        "trimmed"
    );
    assert_eq!(card(i_accept)["answers"][0]["flags"], json!([]));
    assert_eq!(
        card(i_copied)["answers"][0]["flags"],
        json!(["copied_prompt"])
    );
    assert_eq!(
        card(i_same)["answers"][0]["flags"],
        json!(["same_as_other"])
    );
    assert_eq!(
        card(items2[0].0)["answers"][0]["flags"],
        json!(["same_as_other"])
    );
    let label = |item: i64| card(item)["answers"][0]["label_id"].as_i64().unwrap();
    // Paid on submit: one piece each.
    assert_eq!(
        entries(&app, label(i_accept)).await,
        [("piece".to_owned(), RATE)]
    );

    // Scope: another centre's lead, another org's client, logged out.
    let lead_b = app.browser();
    lead_b.login("lead_b").await.ok();
    let r = decide(&lead_b, order, i_accept, json!({"decision": "accept"})).await;
    assert_eq!(r.status.as_u16(), 404, "{}", r.body);
    assert!(queue(&lead_b, order).await.is_empty());
    let client_b = app.browser();
    client_b.login("client_b").await.ok();
    let r = client_b
        .get(&format!("/api/v1/orders/{order}/export?format=sft"))
        .await;
    assert_eq!(r.status.as_u16(), 404);
    let r = app
        .browser()
        .get(&format!("/api/v1/orders/{order}/export?format=sft"))
        .await;
    assert_eq!(r.status.as_u16(), 401);
    let r = a1
        .post(
            &format!("/api/v1/lead/review/{order}/items/{i_accept}/decision"),
            json!({"decision": "accept"}),
        )
        .await;
    assert!(matches!(r.status.as_u16(), 403 | 404), "{}", r.body);

    // Accept: final and paid.
    let r = decide(&lead, order, i_accept, json!({"decision": "accept"})).await;
    assert_eq!(r.ok()["answer"]["answer"], good, "{}", r.body);
    assert_eq!(
        entries(&app, label(i_accept)).await,
        [("piece".to_owned(), RATE)]
    );
    // Edit: an edit that breaks the limits is refused, nothing changes.
    let r = decide(
        &lead,
        order,
        i_edit,
        json!({"decision": "override", "answer": {"answer": "短"}}),
    )
    .await;
    assert_eq!(r.status.as_u16(), 422, "{}", r.body);
    let edited = format!("{written}谢谢！");
    let r = decide(
        &lead,
        order,
        i_edit,
        json!({"decision": "override", "answer": {"answer": edited}}),
    )
    .await;
    assert_eq!(r.ok()["answer"]["answer"], edited.as_str());
    assert_eq!(
        entries(&app, label(i_edit)).await,
        [("piece".to_owned(), RATE)],
        "the writer is paid"
    );
    // Reject (send back): the piece is reversed, never updated; the item is written again.
    let rejected = label(i_reject);
    let r = decide(
        &lead,
        order,
        i_reject,
        json!({"decision": "send_back", "note": "没有回答问题"}),
    )
    .await;
    assert_eq!(r.ok()["extra_labels"], 1, "{}", r.body);
    assert_eq!(
        entries(&app, rejected).await,
        [("piece".to_owned(), RATE), ("reversal".to_owned(), -RATE)]
    );
    assert!(app.state.store.ledger_audit().await.unwrap().is_empty());
    // Deciding the same item again: it is no longer in the queue.
    assert!(
        queue(&lead, order)
            .await
            .iter()
            .all(|x| x["item_id"] != i_reject)
    );

    // Another annotator writes it again; it waits for review once more, the rejected answer
    // marked as such, and accepting the new one leaves the rejected one unpaid.
    let mut second = None;
    for _ in 0..10 {
        let (aid, items) = take(&a2).await;
        if items.iter().any(|(i, _)| *i == i_reject) {
            second = Some(aid);
            break;
        }
        for (i, _) in items.into_iter().filter(|(i, _)| *i != items2[0].0) {
            write(
                &a2,
                &uuid::Uuid::new_v4().to_string(),
                aid,
                i,
                json!(format!("第 {i} 题的认真回答，写得比较完整。")),
            )
            .await
            .ok();
        }
        a2.post(&format!("/api/v1/work/assignments/{aid}/submit"), json!({}))
            .await
            .ok();
    }
    let aid = second.expect("the rejected item comes back to be written");
    let better = "季度财务报告的反馈请求：请您审阅数据分析、陈述风格与结论，期待您的意见。";
    write(
        &a2,
        &uuid::Uuid::new_v4().to_string(),
        aid,
        i_reject,
        json!(better),
    )
    .await
    .ok();
    let again = queue(&lead, order).await;
    let it = again
        .iter()
        .find(|x| x["item_id"] == i_reject)
        .expect("back in review");
    assert_eq!(it["consensus"]["answer"], better);
    let old = it["answers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["label_id"] == rejected)
        .unwrap();
    assert_eq!(old["agrees"], false, "{old}");
    let r = decide(&lead, order, i_reject, json!({"decision": "accept"})).await;
    assert_eq!(r.ok()["answer"]["answer"], better);
    assert_eq!(
        entries(&app, rejected).await,
        [("piece".to_owned(), RATE), ("reversal".to_owned(), -RATE)],
        "the rejected answer stays unpaid"
    );
    assert!(app.state.store.ledger_audit().await.unwrap().is_empty());

    // SFT export: one line per settled written answer, the prompt's turns then the answer.
    let text = sft(&c, order).await;
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "{text}");
    let answers: Vec<&str> = lines
        .iter()
        .map(|l| {
            let m = l["messages"].as_array().unwrap();
            assert_eq!(m[0]["role"], "user", "{l}");
            assert!(!m[0]["content"].as_str().unwrap().is_empty());
            assert_eq!(m.last().unwrap()["role"], "assistant");
            m.last().unwrap()["content"].as_str().unwrap()
        })
        .collect();
    for a in [good, edited.as_str(), better] {
        assert!(answers.contains(&a), "{a} in {answers:?}");
    }
    // Python's `datasets` reads it as a messages column, and TRL takes it as conversational.
    let got = crate::llm_exports::python_check(&[("sft", &text)]);
    let seen = &got["sft"][0];
    assert_eq!(seen["rows"], 3, "{seen}");
    assert_eq!(
        seen["last_roles"],
        json!(["assistant", "assistant", "assistant"])
    );

    // SFT of an order without a writing question: 422.
    let o = app.browser();
    o.login("client_a").await.ok();
    let orders = o.get("/api/v1/orders").await;
    let other = orders.ok()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] != order)
        .map(|x| x["id"].as_i64().unwrap());
    if let Some(other) = other {
        let r = o
            .get(&format!("/api/v1/orders/{other}/export?format=sft"))
            .await;
        assert_eq!(r.status.as_u16(), 422, "{}", r.body);
    }
});

both!(
    a_rewrite_starts_from_the_original_and_an_unchanged_one_is_flagged,
    |app| {
        let w = app.world().await;
        let (c, order) = order(&app, "llamafactory_dpo_zh/sft.jsonl", writing_spec(true)).await;
        let a1 = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;
        let (aid, items) = take(&a1).await;
        let (one, one_fields) = &items[0];
        let (two, two_fields) = &items[1];
        let original = field_text(one_fields, "response_1");
        // Sent back as it was (a full stop added): flagged as unchanged.
        write(
            &a1,
            &uuid::Uuid::new_v4().to_string(),
            aid,
            *one,
            json!(format!("{original}。")),
        )
        .await
        .ok();
        let rewritten =
            "重写：这是一段完全不同的新回答，用自己的话把意思讲清楚，并且补充了例子和结论。";
        assert!(!field_text(two_fields, "response_1").contains(rewritten));
        write(
            &a1,
            &uuid::Uuid::new_v4().to_string(),
            aid,
            *two,
            json!(rewritten),
        )
        .await
        .ok();
        let lead = app.browser();
        lead.login("lead_a").await.ok();
        let q = queue(&lead, order).await;
        let flags = |item: i64| {
            q.iter().find(|x| x["item_id"] == item).unwrap()["answers"][0]["flags"].clone()
        };
        assert_eq!(flags(*one), json!(["unchanged"]));
        assert_eq!(flags(*two), json!([]));
        // The reviewer has the original among the item's fields (the diff is drawn from it).
        let card = q.iter().find(|x| x["item_id"] == *two).unwrap();
        assert!(
            card["fields"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["name"] == "response_1")
        );
        decide(&lead, order, *two, json!({"decision": "accept"}))
            .await
            .ok();
        // The SFT line: the prompt's turns (the original answer left out), then the rewrite.
        let text = sft(&c, order).await;
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 1, "{text}");
        let m = lines[0]["messages"].as_array().unwrap();
        assert_eq!(
            m.last().unwrap(),
            &json!({"role": "assistant", "content": rewritten})
        );
        assert!(
            m[..m.len() - 1]
                .iter()
                .all(|t| t["content"] != original.as_str())
        );
        // A follow-up for a second worker: a dataset of the settled written answers, rated by
        // a rubric order created on it like on any dataset.
        let path = format!("/api/v1/orders/{order}/followup");
        let client_b = app.browser();
        client_b.login("client_b").await.ok();
        assert_eq!(client_b.post(&path, json!({})).await.status.as_u16(), 404);
        assert_eq!(lead.post(&path, json!({})).await.status.as_u16(), 403);
        assert_eq!(
            app.browser().post(&path, json!({})).await.status.as_u16(),
            401
        );
        // a follow-up whose filling failed left its dataset empty: the retry fills it
        let name = c.get(&format!("/api/v1/orders/{order}")).await.ok()["spec"]["name"]
            .as_str()
            .unwrap()
            .to_owned();
        let empty = c
            .post(
                "/api/v1/datasets",
                json!({"name": format!("{name} · 评分 #{order}")}),
            )
            .await;
        assert_eq!(empty.status.as_u16(), 201, "{}", empty.body);
        let f = c.post(&path, json!({})).await;
        assert_eq!(f.status.as_u16(), 201, "{}", f.body);
        assert_eq!(f.body["dataset_id"], empty.body["id"], "{}", f.body);
        assert_eq!(f.body["items"], 1, "only the settled answer: {}", f.body);
        let again = c.post(&path, json!({})).await;
        assert_eq!(again.status.as_u16(), 409, "{}", again.body);
        let rate = json!({
            "name": "给改写打分",
            "task_type": "template",
            "labels": [],
            "template": {
                "layout": "stacked",
                "fields": [{"name": "prompt", "kind": "conversation", "title_zh": "问题"},
                           {"name": "response_1", "kind": "markdown", "title_zh": "改写的回答"}],
                "questions": [{"key": "grade", "kind": "rubric", "title_zh": "给回答打分",
                    "field": "response_1",
                    "options": [{"key": "helpful", "name_zh": "有用"}, {"key": "correct", "name_zh": "正确"}],
                    "settings": {"max": 5}}]
            },
            "overlap": {"kind": "fixed", "n": 1},
            "max_gold_items": 0,
            "unit_size": 5,
            "piece_rate_fen": 10
        });
        let o = c
            .post(
                "/api/v1/orders",
                json!({"dataset_id": f.body["dataset_id"], "spec": rate}),
            )
            .await;
        assert_eq!(o.status.as_u16(), 201, "{}", o.body);
        let rating = o.body["id"].as_i64().unwrap();
        c.post(&format!("/api/v1/orders/{rating}/publish"), json!({}))
            .await
            .ok();
        // Not a writing order: no follow-up of it.
        let r = c
            .post(&format!("/api/v1/orders/{rating}/followup"), json!({}))
            .await;
        assert_eq!(r.status.as_u16(), 422, "{}", r.body);
        let a2 = annotator_browser(&app, w.ann_a2, "2222", "lead_a").await;
        let (aid2, rated) = take(&a2).await;
        assert_eq!(rated.len(), 1);
        assert_eq!(
            field_text(&rated[0].1, "response_1"),
            rewritten,
            "the second worker reads the rewrite"
        );
        let body = json!({"client_uuid": uuid::Uuid::new_v4().to_string(), "assignment_id": aid2,
            "item_id": rated[0].0, "answer": {"grade": {"helpful": 4, "correct": 5}}, "duration_ms": 8000});
        assert_eq!(
            a2.post("/api/v1/work/labels", body).await.ok()["status"],
            "stored"
        );
        let export = c
            .http
            .get(format!(
                "{}/api/v1/orders/{rating}/export?format=jsonl",
                c.url
            ))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let line: Value = serde_json::from_str(export.lines().next().unwrap()).unwrap();
        assert_eq!(line["state"], "resolved", "{line}");
        assert_eq!(line["answer"]["grade"], json!({"helpful": 4, "correct": 5}));
    }
);
