//! Conversations for LLM work (issue 27, item 1): a `conversations` JSONL part of an upload
//! becomes record items (`prompt` a conversation field, `response_1` … Markdown fields with
//! their models) from the real Chinese and English samples in `datasets/llm/`; bad lines are
//! refused with `file:line` and their reason while the rest is taken; a template order over
//! prompt and two responses publishes and its items reach the workbench as the data had them.

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::work::annotator_browser;
use crate::{Browser, Got, TestApp, both};

fn sample(path: &str) -> Vec<u8> {
    let dir = format!("{}/../../datasets/llm", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(format!("{dir}/{path}")).unwrap()
}

fn lines_of(path: &str) -> Vec<Value> {
    String::from_utf8(sample(path))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Uploads `(part name, file name, bytes)` parts.
async fn upload(b: &Browser, dataset: i64, parts: Vec<(&str, &str, Vec<u8>)>) -> Got {
    let mut form = Form::new();
    for (part, name, bytes) in parts {
        form = form.part(
            part.to_owned(),
            Part::bytes(bytes).file_name(name.to_owned()),
        );
    }
    Got::from(
        b.http
            .post(format!("{}/api/v1/datasets/{dataset}/files", b.url))
            .header("connection", "close")
            .multipart(form)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn client(app: &TestApp, who: &str) -> Browser {
    let b = app.browser();
    b.login(who).await.ok();
    b
}

async fn new_dataset(b: &Browser, name: &str) -> i64 {
    let got = b.post("/api/v1/datasets", json!({"name": name})).await;
    assert_eq!(got.status.as_u16(), 201, "{}", got.body);
    got.body["id"].as_i64().unwrap()
}

async fn items(b: &Browser, dataset: i64) -> Vec<Value> {
    b.get(&format!("/api/v1/datasets/{dataset}/items?limit=1000"))
        .await
        .ok()["items"]
        .as_array()
        .unwrap()
        .clone()
}

/// `(file_name, status, code)` of every outcome.
fn outcomes(body: &Value) -> Vec<(String, String, String)> {
    body["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["file_name"].as_str().unwrap().to_owned(),
                f["status"].as_str().unwrap().to_owned(),
                f["code"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

fn turns(field: &Value) -> Vec<(String, String)> {
    assert_eq!(field["kind"], "conversation", "{field}");
    let list: Vec<Value> = serde_json::from_str(field["text"].as_str().unwrap()).unwrap();
    list.iter()
        .map(|m| {
            (
                m["role"].as_str().unwrap().to_owned(),
                m["content"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Which answer is better: a choice over prompt, response_1 and response_2.
fn compare_spec() -> Value {
    json!({
        "name": "哪个回答更好",
        "task_type": "template",
        "labels": [],
        "template": {
            "layout": "side_by_side",
            "fields": [{"name": "prompt", "kind": "conversation", "title_zh": "问题"},
                       {"name": "response_1", "kind": "markdown", "title_zh": "回答 A"},
                       {"name": "response_2", "kind": "markdown", "title_zh": "回答 B"}],
            "questions": [{"key": "better", "kind": "choice", "title_zh": "哪个更好?",
                "options": [{"key": "a", "name_zh": "A 更好", "hotkey": "1"},
                            {"key": "b", "name_zh": "B 更好", "hotkey": "2"},
                            {"key": "tie", "name_zh": "一样", "hotkey": "3"}]}]
        },
        "overlap": {"kind": "fixed", "n": 1},
        "unit_size": 10,
        "piece_rate_fen": 10,
        "required_qualification": null,
        "required_level": null,
        "deadline": null
    })
}

both!(
    conversations_from_the_real_samples_reach_the_workbench,
    |app| {
        let w = app.world().await;
        let c = client(&app, "client_a").await;
        let ds = new_dataset(&c, "偏好对").await;

        let got = upload(
            &c,
            ds,
            vec![(
                "conversations",
                "preference.jsonl",
                sample("llamafactory_dpo_zh/preference.jsonl"),
            )],
        )
        .await;
        let body = got.ok().clone();
        assert_eq!(body["accepted"], 30, "{body:#}");
        assert_eq!(body["rejected"], 0);
        assert_eq!(body["files"][0]["file_name"], "preference.jsonl:1");

        let source = lines_of("llamafactory_dpo_zh/preference.jsonl");
        let listed = items(&c, ds).await;
        assert_eq!(listed.len(), 30);
        for (it, src) in listed.iter().zip(&source) {
            assert_eq!(it["kind"], "text");
            assert_eq!(it["file_name"], src["id"]);
            let f = it["fields"].as_array().unwrap();
            let names: Vec<&str> = f.iter().map(|x| x["name"].as_str().unwrap()).collect();
            assert_eq!(names, ["prompt", "response_1", "response_2"]);
            let t = turns(&f[0]);
            let last = t.last().unwrap();
            assert_eq!(last.0, "user");
            assert_eq!(last.1, src["prompt"].as_str().unwrap());
            match src
                .get("system")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
            {
                Some(s) => assert_eq!(t[0], ("system".to_owned(), s.to_owned())),
                None => assert_eq!(t.len(), 1),
            }
            for i in 0..2 {
                assert_eq!(f[i + 1]["kind"], "markdown");
                assert_eq!(f[i + 1]["text"], src["responses"][i]);
            }
        }
        // The meta keeps the id, how many responses, and which one is preferred (by field name).
        let stored = app
            .state
            .store
            .list_items(
                mudou_domain::OrgId::new(w.org_a),
                mudou_domain::DatasetId::new(ds),
                0,
                100,
            )
            .await
            .unwrap();
        for (it, src) in stored.iter().zip(&source) {
            let meta: Value = serde_json::from_str(&it.meta).unwrap();
            assert_eq!(meta["id"], src["id"]);
            assert_eq!(meta["response_count"], 2);
            let p = src["preferred"].as_u64().unwrap() + 1;
            assert_eq!(meta["preferred"], format!("response_{p}"), "{meta}");
        }

        // Another organisation's client cannot upload into it, nor see its items.
        let other = client(&app, "client_b").await;
        let got = upload(
            &other,
            ds,
            vec![(
                "conversations",
                "x.jsonl",
                b"{\"prompt\": \"hi\"}\n".to_vec(),
            )],
        )
        .await;
        assert_eq!(got.status.as_u16(), 404, "{}", got.body);
        assert_eq!(
            other
                .get(&format!("/api/v1/datasets/{ds}/items"))
                .await
                .status
                .as_u16(),
            404
        );

        // A comparison order over prompt and two answers publishes; the workbench gets them.
        let o = c
            .post(
                "/api/v1/orders",
                json!({"dataset_id": ds, "spec": compare_spec()}),
            )
            .await;
        assert_eq!(o.status.as_u16(), 201, "{}", o.body);
        let order = o.body["id"].as_i64().unwrap();
        c.post(&format!("/api/v1/orders/{order}/publish"), json!({}))
            .await
            .ok();
        let a1 = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;
        let next = a1.get("/api/v1/work/next").await;
        assert_eq!(next.ok()["status"], "assigned", "{}", next.body);
        let asg = next.body["assignment"].clone();
        let aid = asg["id"].as_i64().unwrap();
        let work = asg["items"].as_array().unwrap();
        assert_eq!(work.len(), 10);
        for it in work {
            let f = it["fields"].as_array().unwrap();
            let src = source
                .iter()
                .find(|s| {
                    turns(&f[0]).last().unwrap().1 == s["prompt"].as_str().unwrap()
                        && f[1]["text"] == s["responses"][0]
                })
                .unwrap_or_else(|| panic!("an item from the file: {it:#}"));
            assert_eq!(f[2]["text"], src["responses"][1]);
            assert_eq!(f[1]["kind"], "markdown");
        }
        let item = work[0]["item_id"].as_i64().unwrap();
        let label = json!({"client_uuid": uuid::Uuid::new_v4().to_string(), "assignment_id": aid,
        "item_id": item, "answer": {"better": "b"}, "duration_ms": 9000});
        let got = a1.post("/api/v1/work/labels", label).await;
        assert_eq!(got.status.as_u16(), 200, "{}", got.body);
        // The Label Studio export gives each field: the prompt as the turns `Paragraphs` shows.
        let ls = c
            .get(&format!(
                "/api/v1/orders/{order}/export?format=labelstudio&include=all"
            ))
            .await;
        assert_eq!(ls.status.as_u16(), 200, "{}", ls.body);
        let tasks: Vec<Value> = match &ls.body {
            Value::String(s) => serde_json::from_str(s).unwrap(),
            v => serde_json::from_value(v.clone()).unwrap(),
        };
        let task = tasks.iter().find(|t| t["id"] == item).unwrap();
        let data = &task["data"];
        let prompt = data["prompt"]
            .as_array()
            .unwrap_or_else(|| panic!("{task:#}"));
        assert_eq!(prompt.last().unwrap()["role"], "user");
        assert!(
            data["response_1"].is_string() && data["response_2"].is_string(),
            "{task:#}"
        );
        assert_eq!(
            task["annotations"][0]["result"][0]["value"]["choices"][0], "b",
            "{task:#}"
        );
        // An annotator of another centre does not get this organisation's order's items by id.
        let b1 = annotator_browser(&app, w.ann_b1, "3333", "lead_b").await;
        let stolen = json!({"client_uuid": uuid::Uuid::new_v4().to_string(), "assignment_id": aid,
        "item_id": item, "answer": {"better": "a"}, "duration_ms": 9000});
        let got = b1.post("/api/v1/work/labels", stolen).await;
        assert!(
            matches!(got.status.as_u16(), 403 | 404 | 409),
            "{}",
            got.body
        );

        // Writing prompts (no responses) lack `response_2`: the comparison order refuses them.
        let prompts = new_dataset(&c, "写作题").await;
        let got = upload(
            &c,
            prompts,
            vec![(
                "conversations",
                "prompts.jsonl",
                sample("mt_bench_zh/prompts.jsonl"),
            )],
        )
        .await;
        assert_eq!(got.ok()["accepted"], 30, "{}", got.body);
        let first = &items(&c, prompts).await[0];
        assert_eq!(first["fields"].as_array().unwrap().len(), 1, "{first:#}");
        let o = c
            .post(
                "/api/v1/orders",
                json!({"dataset_id": prompts, "spec": compare_spec()}),
            )
            .await;
        let order = o.body["id"].as_i64().unwrap();
        let publish = c
            .post(&format!("/api/v1/orders/{order}/publish"), json!({}))
            .await;
        assert_eq!(publish.status.as_u16(), 422, "{}", publish.body);
        let msg = publish.body["error"]["message"].as_str().unwrap();
        assert!(msg.contains("`response_1`"), "{msg}");
    }
);

both!(every_shape_and_every_refusal, |app| {
    let _w = app.world().await;
    let c = client(&app, "client_a").await;
    let ds = new_dataset(&c, "各种形状").await;
    let big = "长".repeat(30_000); // 90,000 bytes: over a response's 64 KiB
    let eight: Vec<String> = (1..=8).map(|i| format!("answer {i}")).collect();
    let bad = [
        json!({"id": "ab", "prompt": "Which is faster?", "response_a": "**A** is.", "response_b": "| x | y |\n|---|---|\n| 1 | 2 |",
               "model_a": "qwen2-7b", "model_b": "glm-4", "winner": "model_a"})
        .to_string(),
        "[\"not\", \"an object\"]".to_owned(),
        json!({"responses": ["a", "b"]}).to_string(),
        json!({"instruction": "翻译成英文", "input": "你好", "output": "Hello"}).to_string(),
        json!({"prompt": "q", "output": big}).to_string(),
        json!({"prompt": "q", "responses": eight}).to_string(),
        "{\"prompt\": \"unterminated".to_owned(),
        json!({"id": "cr", "prompt": "2+2?", "chosen": "4", "rejected": "5"}).to_string(),
        json!({"messages": [{"role": "user", "content": "写一首关于秋天的诗"}]}).to_string(),
        json!({"id": "ab", "prompt": "again"}).to_string(),
        json!({"prompt": "q", "responses": [{"text": "x", "model": "m1"}, {"content": "y"}, "z"], "preferred": 2, "source": "arena"}).to_string(),
    ]
    .join("\n");
    let got = upload(
        &c,
        ds,
        vec![
            ("conversations", "mixed.jsonl", bad.into_bytes()),
            (
                "conversations",
                "hh.jsonl",
                sample("hh_rlhf_harmless/preference.jsonl"),
            ),
            ("conversations", "sft.jsonl", sample("cmrc2018/sft.jsonl")),
            ("conversations", "mt.jsonl", sample("mt_bench_zh/sft.jsonl")),
            ("conversations", "empty.jsonl", b"\n\n".to_vec()),
        ],
    )
    .await;
    let body = got.ok().clone();
    let mixed: Vec<(String, String, String)> = outcomes(&body)
        .into_iter()
        .filter(|o| o.0.starts_with("mixed") || o.0.starts_with("empty"))
        .collect();
    let want = [
        ("mixed.jsonl:1", "accepted", ""),
        ("mixed.jsonl:2", "rejected", "bad_conversation"),
        ("mixed.jsonl:3", "rejected", "bad_conversation"),
        ("mixed.jsonl:4", "accepted", ""),
        ("mixed.jsonl:5", "rejected", "too_large"),
        ("mixed.jsonl:6", "rejected", "too_large"),
        ("mixed.jsonl:7", "rejected", "bad_conversation"),
        ("mixed.jsonl:8", "accepted", ""),
        ("mixed.jsonl:9", "accepted", ""),
        ("mixed.jsonl:10", "rejected", "bad_conversation"),
        ("mixed.jsonl:11", "accepted", ""),
        ("empty.jsonl", "rejected", "bad_conversation"),
    ];
    let want: Vec<(String, String, String)> = want
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(mixed, want, "{body:#}");
    let reason = |name: &str| {
        body["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["file_name"] == name)
            .unwrap()["message"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(reason("mixed.jsonl:2").contains("expected a JSON object"));
    assert!(reason("mixed.jsonl:3").contains("no prompt"));
    assert!(
        reason("mixed.jsonl:5").contains("line 5") && reason("mixed.jsonl:5").contains("65536")
    );
    assert!(reason("mixed.jsonl:6").contains("8 responses"));
    assert!(reason("mixed.jsonl:7").contains("not JSON"));
    assert!(reason("mixed.jsonl:10").contains("used twice (first on line 1)"));
    assert_eq!(body["accepted"], 5 + 30 + 10 + 25, "{body:#}");

    let listed = items(&c, ds).await;
    let by_name = |n: &str| {
        listed
            .iter()
            .find(|i| i["file_name"] == n)
            .unwrap_or_else(|| panic!("{n}"))
            .clone()
    };
    // response_a / response_b with their models.
    let ab = by_name("ab");
    let f = ab["fields"].as_array().unwrap();
    assert_eq!(turns(&f[0]), [("user".into(), "Which is faster?".into())]);
    assert_eq!(
        f[1],
        json!({"name": "response_1", "kind": "markdown", "text": "**A** is.", "model": "qwen2-7b"})
    );
    assert_eq!(f[2]["model"], "glm-4");
    // instruction / input / output.
    let sft = by_name("mixed.jsonl:4");
    let f = sft["fields"].as_array().unwrap();
    assert_eq!(turns(&f[0]), [("user".into(), "翻译成英文\n\n你好".into())]);
    assert_eq!(f[1]["text"], "Hello");
    assert_eq!(f.len(), 2);
    // chosen / rejected: both kept, in the hash's order.
    let cr = by_name("cr");
    let texts: Vec<&str> = cr["fields"].as_array().unwrap()[1..]
        .iter()
        .map(|x| x["text"].as_str().unwrap())
        .collect();
    assert!(texts == ["4", "5"] || texts == ["5", "4"], "{texts:?}");
    // A writing prompt: no responses.
    let poem = by_name("mixed.jsonl:9");
    assert_eq!(poem["fields"].as_array().unwrap().len(), 1);
    // Three responses, models where given.
    let three = by_name("mixed.jsonl:11");
    let f = three["fields"].as_array().unwrap();
    assert_eq!(f.len(), 4);
    assert_eq!(f[1]["model"], "m1");
    assert!(f[2].get("model").is_none(), "{f:?}");
    // HH-RLHF transcripts are split into turns, ending with the human's.
    let hh = by_name("harmless-base/test:0");
    let t = turns(&hh["fields"][0]);
    assert!(t.len() >= 3, "{t:?}");
    assert_eq!(t[0].0, "user");
    assert_eq!(t[1].0, "assistant");
    assert_eq!(t.last().unwrap().0, "user");
    assert!(!t[0].1.starts_with("Human:"), "{t:?}");
    // Multi-turn SFT: the last assistant turn is response_1, the turns before are the prompt.
    let src = &lines_of("mt_bench_zh/sft.jsonl")[0];
    let mt = by_name(src["id"].as_str().unwrap());
    let msgs = src["messages"].as_array().unwrap();
    let t = turns(&mt["fields"][0]);
    assert_eq!(t.len(), msgs.len() - 1);
    assert_eq!(mt["fields"][1]["text"], msgs[msgs.len() - 1]["content"]);
});
