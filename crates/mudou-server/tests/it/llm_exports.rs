//! The LLM exports (issue 27): an order over conversations whose three responses were written
//! by three models (one always best, one always worst), asked a pairwise question, a ranking
//! and a rubric, labelled by two annotators over HTTP; then its `preference`, `ranking`,
//! `ratings` and `leaderboard` exports, each checked line by line here and loaded by Python's
//! `datasets` and TRL's data utilities (`tests/data/llm_exports_check.py`), and the
//! leaderboard route with its scope. A format the template cannot fill: 422.

use std::collections::HashMap;

use mudou_domain::ErrorCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::work::annotator_browser;
use crate::{Browser, TestApp, both};

/// The models, best first.
const MODELS: [&str; 3] = ["qwen-strong", "glm-middle", "tiny-weak"];

fn quality(model: &str) -> usize {
    MODELS.iter().position(|m| *m == model).unwrap()
}

/// Which model writes response_1..3 of each item (the best one moves around).
const WRITERS: [[usize; 3]; 4] = [[0, 2, 1], [1, 0, 2], [2, 1, 0], [0, 1, 2]];

fn text_of(item: usize, model: usize) -> String {
    format!("第 {item} 题 · {} 的回答", MODELS[model])
}

fn line(item: usize, prompt: Value) -> String {
    let responses: Vec<Value> = WRITERS[item]
        .iter()
        .map(|&m| json!({"text": text_of(item, m), "model": MODELS[m]}))
        .collect();
    let mut l = json!({"id": format!("q{item}"), "responses": responses});
    match prompt {
        Value::String(s) => l["prompt"] = json!(s),
        turns => l["messages"] = turns,
    }
    l.to_string()
}

fn template() -> Value {
    json!({
        "layout": "side_by_side",
        "fields": [{"name": "prompt", "kind": "conversation", "title_zh": "问题"},
                   {"name": "response_1", "kind": "markdown"},
                   {"name": "response_2", "kind": "markdown"},
                   {"name": "response_3", "kind": "markdown"}],
        "questions": [
            {"key": "better", "kind": "pairwise", "title_zh": "哪个回答更好？",
             "settings": {"pair": ["response_1", "response_2"], "strength": true}},
            {"key": "rank", "kind": "ranking", "title_zh": "从好到差排序",
             "settings": {"rank": ["response_1", "response_2", "response_3"]}},
            {"key": "grade", "kind": "rubric", "title_zh": "给回答 1 打分", "field": "response_1",
             "options": [{"key": "helpful", "name_zh": "有用"}, {"key": "correct", "name_zh": "正确"}]}]
    })
}

fn spec(template: Value, centres: Value) -> Value {
    json!({
        "name": "模型对比",
        "task_type": "template",
        "labels": [],
        "template": template,
        "overlap": {"kind": "fixed", "n": 2},
        "max_gold_items": 0,
        "unit_size": 10,
        "piece_rate_fen": 10,
        "eligible_centres": centres
    })
}

/// A dataset of `lines`, and an order of `template` over it (published when asked).
async fn order(
    c: &Browser,
    lines: &[String],
    template: Value,
    centres: Value,
    publish: bool,
) -> i64 {
    let name = format!("对比 {}", uuid::Uuid::new_v4());
    let ds = c.post("/api/v1/datasets", json!({ "name": name })).await;
    let ds = ds.ok()["id"].as_i64().unwrap();
    let form = Form::new().part(
        "conversations",
        Part::bytes(lines.join("\n").into_bytes()).file_name("cmp.jsonl"),
    );
    let up = c
        .http
        .post(format!("{}/api/v1/datasets/{ds}/files", c.url))
        .header("connection", "close")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(up.status().as_u16(), 200, "{}", up.text().await.unwrap());
    let o = c
        .post(
            "/api/v1/orders",
            json!({"dataset_id": ds, "spec": spec(template, centres)}),
        )
        .await;
    assert_eq!(o.status.as_u16(), 201, "{}", o.body);
    let id = o.body["id"].as_i64().unwrap();
    if publish {
        c.post(&format!("/api/v1/orders/{id}/publish"), json!({}))
            .await
            .ok();
    }
    id
}

/// The best, middle and worst field of an item by its writers.
fn by_quality(item: usize) -> [String; 3] {
    let mut f: Vec<(usize, String)> = WRITERS[item]
        .iter()
        .enumerate()
        .map(|(i, &m)| (m, format!("response_{}", i + 1)))
        .collect();
    f.sort();
    [f[0].1.clone(), f[1].1.clone(), f[2].1.clone()]
}

/// Both annotators label every item: the better of the pair (a tie on the last item), the
/// three by quality, and a grade. `a1` saw the pair as it is, `a2` swapped.
async fn label_all(app: &TestApp, w: &crate::World) {
    for (n, (id, pin)) in [(w.ann_a1, "1111"), (w.ann_a2, "2222")]
        .into_iter()
        .enumerate()
    {
        let b = annotator_browser(app, id, pin, "lead_a").await;
        let next = b.get("/api/v1/work/next").await;
        assert_eq!(next.ok()["status"], "assigned", "{}", next.body);
        let asg = &next.body["assignment"];
        let aid = asg["id"].as_i64().unwrap();
        for it in asg["items"].as_array().unwrap() {
            let item_id = it["item_id"].as_i64().unwrap();
            let fields = it["fields"].as_array().unwrap();
            // The item's line, from its first response's text.
            let r1 = fields.iter().find(|f| f["name"] == "response_1").unwrap();
            let k: usize = r1["text"].as_str().unwrap()[4..5].parse().unwrap();
            let [best, mid, worst] = by_quality(k);
            let pair = ["response_1", "response_2"];
            let winner = if k == 3 {
                "tie".to_owned()
            } else if quality_of(k, "response_1") < quality_of(k, "response_2") {
                "response_1".into()
            } else {
                "response_2".into()
            };
            let shown = if n == 0 { pair } else { [pair[1], pair[0]] };
            let mut better = json!({"winner": winner, "shown": shown});
            if winner != "tie" {
                better["strength"] = json!(2 - n);
            }
            let answer = json!({
                "better": better,
                "rank": {"order": [[best], [mid], [worst]]},
                "grade": {"helpful": 4, "correct": 5}
            });
            let body = json!({"client_uuid": uuid::Uuid::new_v4().to_string(),
                "assignment_id": aid, "item_id": item_id, "answer": answer, "duration_ms": 9000});
            let r = b.post("/api/v1/work/labels", body).await;
            assert_eq!(
                r.ok()["status"],
                "stored",
                "annotator {n} item {k}: {}",
                r.body
            );
        }
        b.post(&format!("/api/v1/work/assignments/{aid}/submit"), json!({}))
            .await
            .ok();
    }
}

fn quality_of(item: usize, field: &str) -> usize {
    let i: usize = field["response_".len()..].parse::<usize>().unwrap() - 1;
    WRITERS[item][i]
}

async fn download(c: &Browser, order: i64, query: &str) -> (u16, String) {
    let r = c
        .http
        .get(format!("{}/api/v1/orders/{order}/export?{query}", c.url))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn jsonl(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Runs the Python check on the files (kind, text) and returns what it printed.
pub(crate) fn python_check(files: &[(&str, &str)]) -> Value {
    let ok = std::process::Command::new("python3")
        .args([
            "-c",
            "import datasets, transformers, tokenizers, trl.data_utils",
        ])
        .output()
        .is_ok_and(|o| o.status.success());
    // `.ci/run` installs them: missing is a failure, not a pass.
    assert!(
        ok,
        "datasets/transformers/trl are missing (python3 -m pip install datasets transformers; python3 -m pip install --no-deps trl)"
    );
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec![format!(
        "{}/tests/data/llm_exports_check.py",
        env!("CARGO_MANIFEST_DIR")
    )];
    for (i, (kind, text)) in files.iter().enumerate() {
        let p = dir.path().join(format!("{i}-{kind}.jsonl"));
        std::fs::write(&p, text).unwrap();
        args.push(format!("{kind}={}", p.display()));
    }
    let out = std::process::Command::new("python3")
        .args(&args)
        .env("HF_DATASETS_CACHE", dir.path().join("cache"))
        .env("HF_HOME", dir.path().join("hf"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

both!(llm_exports_load_in_datasets_and_trl, |app| {
    let w = app.world().await;
    let c = app.browser();
    c.login("client_a").await.ok();
    // One-turn prompts: TRL's standard form.
    let lines: Vec<String> = (0..4)
        .map(|i| line(i, json!(format!("第 {i} 题：请回答。"))))
        .collect();
    let order_id = order(&c, &lines, template(), json!([w.centre_a]), true).await;
    label_all(&app, &w).await;

    // Every item settled.
    let (_, all) = download(&c, order_id, "format=jsonl").await;
    let items = jsonl(&all);
    assert_eq!(items.len(), 4);
    assert!(items.iter().all(|i| i["state"] == "resolved"), "{all}");
    let item_of: HashMap<i64, usize> = items
        .iter()
        .map(|i| {
            let k: usize = i["file_name"].as_str().unwrap()[1..].parse().unwrap();
            (i["item_id"].as_i64().unwrap(), k)
        })
        .collect();

    // Preference: the pick of items 0–2 (the last a tie: no pair) and three pairs of each
    // ranking, the better model always chosen.
    let (status, pref) = download(&c, order_id, "format=preference").await;
    assert_eq!(status, 200, "{pref}");
    let pref_lines = jsonl(&pref);
    assert_eq!(pref_lines.len(), 3 + 4 * 3, "{pref}");
    for l in &pref_lines {
        let k = item_of[&l["item_id"].as_i64().unwrap()];
        let (cm, rm) = (
            l["chosen_model"].as_str().unwrap(),
            l["rejected_model"].as_str().unwrap(),
        );
        assert!(quality(cm) < quality(rm), "{l}");
        assert_eq!(l["prompt"], json!(format!("第 {k} 题：请回答。")));
        assert_eq!(l["chosen"], json!(text_of(k, quality(cm))));
        assert_eq!(l["rejected"], json!(text_of(k, quality(rm))));
        assert_eq!(l["source"], "consensus");
        assert!(l["annotator"].is_null());
        assert_eq!(l["settled"], true);
        assert!(l["confidence"].as_f64().unwrap() > 0.5, "{l}");
        if l["from_ranking"] == true {
            assert!(l["strength"].is_null());
            assert!(l["id"].as_str().unwrap().contains('>'));
        } else {
            // strengths 2 and 1: the lower median
            assert_eq!(l["strength"], 1, "{l}");
            assert_eq!(l["question"], "better");
            assert_ne!(k, 3, "a tie makes no pair");
        }
    }
    // include=all: each annotator's pairs too, with their own strength.
    let (_, pref_all) = download(&c, order_id, "format=preference&include=all").await;
    let pref_all_lines = jsonl(&pref_all);
    assert_eq!(pref_all_lines.len(), 15 * 3);
    let mine: Vec<&Value> = pref_all_lines
        .iter()
        .filter(|l| l["source"] == "annotator")
        .collect();
    assert_eq!(mine.len(), 30);
    let strengths: Vec<i64> = mine
        .iter()
        .filter(|l| l["from_ranking"] == false)
        .map(|l| l["strength"].as_i64().unwrap())
        .collect();
    assert_eq!(strengths.iter().filter(|s| **s == 2).count(), 3);
    assert_eq!(strengths.iter().filter(|s| **s == 1).count(), 3);
    assert!(mine
        .iter()
        .all(|l| l["annotator"].as_str().unwrap().starts_with('w') && l["confidence"].is_null()));

    // Ranking: the responses best first, with model, rank and text.
    let (_, ranking) = download(&c, order_id, "format=ranking").await;
    let ranking_lines = jsonl(&ranking);
    assert_eq!(ranking_lines.len(), 4);
    for l in &ranking_lines {
        let k = item_of[&l["item_id"].as_i64().unwrap()];
        let r = l["responses"].as_array().unwrap();
        let got: Vec<(&str, i64)> = r
            .iter()
            .map(|x| (x["model"].as_str().unwrap(), x["rank"].as_i64().unwrap()))
            .collect();
        assert_eq!(got, vec![(MODELS[0], 1), (MODELS[1], 2), (MODELS[2], 3)]);
        assert_eq!(r[0]["field"], json!(by_quality(k)[0]));
        assert_eq!(r[2]["content"], json!(text_of(k, 2)));
    }
    // Ratings: response_1 with its model, {axis: step}.
    let (_, ratings) = download(&c, order_id, "format=ratings").await;
    let rating_lines = jsonl(&ratings);
    assert_eq!(rating_lines.len(), 4);
    for l in &rating_lines {
        let k = item_of[&l["item_id"].as_i64().unwrap()];
        assert_eq!(l["ratings"], json!({"helpful": 4, "correct": 5}));
        assert_eq!(l["response_field"], "response_1");
        assert_eq!(l["response_model"], json!(MODELS[WRITERS[k][0]]));
        assert_eq!(l["response"], json!(text_of(k, WRITERS[k][0])));
    }
    let (_, ratings_all) = download(&c, order_id, "format=ratings&include=all").await;
    assert_eq!(jsonl(&ratings_all).len(), 4 * 3);

    // Leaderboard CSV: the best model first; counts as labelled (see `label_all`).
    let (status, csv_text) = download(&c, order_id, "format=leaderboard").await;
    assert_eq!(status, 200, "{csv_text}");
    assert!(csv_text.starts_with('\u{feff}'));
    let mut rd = csv::Reader::from_reader(csv_text.trim_start_matches('\u{feff}').as_bytes());
    let head: Vec<String> = rd.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(
        head[..9],
        [
            "model",
            "score",
            "ci_low",
            "ci_high",
            "wins",
            "losses",
            "ties",
            "comparisons",
            "rank"
        ]
    );
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    let got: Vec<(&str, &str, &str, &str, &str, &str)> = rows
        .iter()
        .map(|r| (&r[0], &r[4], &r[5], &r[6], &r[7], &r[8]))
        .collect();
    assert_eq!(
        got,
        vec![
            (MODELS[0], "20", "0", "2", "22", "1"),
            (MODELS[1], "10", "10", "2", "22", "2"),
            (MODELS[2], "0", "20", "0", "20", "3"),
        ]
    );
    for r in &rows {
        let f = |i: usize| r[i].parse::<f64>().unwrap();
        assert!(f(2) <= f(1) && f(1) <= f(3), "{r:?}");
    }
    // The same board over the API; noisy-bt agrees on the order.
    let path = format!("/api/v1/orders/{order_id}/leaderboard");
    let b = c.get(&path).await;
    let board = b.ok();
    assert_eq!(board["method"], "bt");
    assert_eq!(board["comparisons"], 32);
    assert_eq!(board["annotators"], 2);
    let models: Vec<&str> = board["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["model"].as_str().unwrap())
        .collect();
    assert_eq!(models, MODELS);
    assert_eq!(
        format!("{:.4}", board["models"][0]["score"].as_f64().unwrap()),
        rows[0][1]
    );
    assert_eq!(board["responses"].as_array().unwrap().len(), 12);
    for r in board["responses"].as_array().unwrap() {
        let (s, lo, hi) = (
            r["score"].as_f64().unwrap(),
            r["ci_low"].as_f64().unwrap(),
            r["ci_high"].as_f64().unwrap(),
        );
        assert!(lo <= s && s <= hi, "{r}");
    }
    let noisy = c.get(&format!("{path}?method=noisy-bt")).await;
    assert_eq!(noisy.ok()["method"], "noisy-bt");
    assert_eq!(noisy.body["models"][0]["model"], MODELS[0]);
    let (status, noisy_csv) = download(&c, order_id, "format=leaderboard&method=noisy-bt").await;
    assert_eq!(status, 200);
    assert!(noisy_csv.lines().nth(1).unwrap().starts_with(MODELS[0]));

    // Scope: its lead sees their centre's labels (all of them here); another centre's lead,
    // another org's client: 404; an annotator: 403; logged out: 401.
    let lead = app.browser();
    lead.login("lead_a").await.ok();
    let lb = lead.get(&path).await;
    assert_eq!(lb.ok()["models"], board["models"]);
    let lead_b = app.browser();
    lead_b.login("lead_b").await.ok();
    lead_b.get(&path).await.refused(ErrorCode::NotFound);
    let client_b = app.browser();
    client_b.login("client_b").await.ok();
    client_b.get(&path).await.refused(ErrorCode::NotFound);
    let (status, _) = download(&client_b, order_id, "format=preference").await;
    assert_eq!(status, 404);
    let a1 = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;
    a1.get(&path).await.refused(ErrorCode::Forbidden);
    assert_eq!(app.browser().get(&path).await.status.as_u16(), 401);
    c.get("/api/v1/orders/999999/leaderboard")
        .await
        .refused(ErrorCode::NotFound);

    // A multi-turn prompt (with a system turn) on one item: the whole file in TRL's
    // conversational form, the one-turn prompt too.
    let turns = json!([
        {"role": "system", "content": "你是助手。"},
        {"role": "user", "content": "第 1 题：上一个问题。"},
        {"role": "assistant", "content": "好的。"},
        {"role": "user", "content": "再答一次。"}]);
    let lines2 = vec![line(0, json!("第 0 题：请回答。")), line(1, turns.clone())];
    let order2 = order(&c, &lines2, template(), json!([w.centre_a]), true).await;
    label_all(&app, &w).await;
    let (_, pref2) = download(&c, order2, "format=preference").await;
    let pref2_lines = jsonl(&pref2);
    assert_eq!(pref2_lines.len(), 2 + 2 * 3, "{pref2}");
    for l in &pref2_lines {
        let p = l["prompt"].as_array().expect("a list of turns");
        assert_eq!(p.last().unwrap()["role"], "user");
        let chosen = l["chosen"].as_array().unwrap();
        assert_eq!(chosen.len(), 1);
        assert_eq!(chosen[0]["role"], "assistant");
        assert_eq!(l["rejected"][0]["role"], "assistant");
        if p.len() > 1 {
            assert_eq!(l["prompt"], turns);
        }
    }

    // The files as trainers load them.
    let got = python_check(&[
        ("preference", &pref),
        ("preference", &pref_all),
        ("preference", &pref2),
        ("ranking", &ranking),
        ("ratings", &ratings_all),
    ]);
    let p = &got["preference"];
    assert_eq!(p[0]["conversational"], false);
    assert_eq!(p[2]["conversational"], true);
    assert_eq!(p[0]["rows"].as_array().unwrap().len(), 15);
    assert_eq!(p[1]["rows"].as_array().unwrap().len(), 45);
    assert_eq!(p[0]["unpaired_rows"], 30);
    for col in [
        "prompt",
        "chosen",
        "rejected",
        "id",
        "chosen_model",
        "rejected_model",
        "strength",
        "confidence",
    ] {
        assert!(
            p[0]["columns"].as_array().unwrap().contains(&json!(col)),
            "{col}"
        );
    }
    // datasets reads back what was written.
    assert_eq!(p[0]["rows"][0]["chosen"], pref_lines[0]["chosen"]);
    assert_eq!(p[2]["rows"][0]["prompt"], pref2_lines[0]["prompt"]);
    // The chat template rendered the turns: the prompt ends where the answer starts.
    let rendered = p[2]["rendered"].as_array().unwrap();
    assert!(rendered.iter().any(|r| {
        r["prompt"]
            .as_str()
            .unwrap()
            .starts_with("<|system|>你是助手。<|end|>")
    }));
    let r = &got["ranking"][0]["rows"];
    assert_eq!(r.as_array().unwrap().len(), 4);
    assert_eq!(r[0]["responses"][0]["model"], MODELS[0]);
    assert_eq!(r[0]["responses"][2]["rank"], 3);
    let g = &got["ratings"][0]["rows"];
    assert_eq!(g.as_array().unwrap().len(), 12);
    assert_eq!(g[0]["ratings"]["helpful"], 4);
    assert_eq!(g[0]["ratings"]["correct"], 5);
});

both!(llm_formats_an_order_cannot_fill_are_refused, |app| {
    let w = app.world().await;
    let c = app.browser();
    c.login("client_a").await.ok();
    // A rubric alone: no pair to prefer, nothing to rank, no leaderboard.
    let mut t = template();
    t["questions"] = json!([t["questions"][2].clone()]);
    let lines: Vec<String> = (0..2).map(|i| line(i, json!("问题"))).collect();
    let id = order(&c, &lines, t, json!([w.centre_a]), false).await;
    for format in ["preference", "ranking", "leaderboard"] {
        let r = c
            .get(&format!("/api/v1/orders/{id}/export?format={format}"))
            .await;
        r.refused(ErrorCode::Validation);
        assert_eq!(r.body["error"]["field"], "format", "{}", r.body);
    }
    let r = c.get(&format!("/api/v1/orders/{id}/leaderboard")).await;
    r.refused(ErrorCode::Validation);
    // ratings fit (none settled yet: an empty file)
    let (status, body) = download(&c, id, "format=ratings").await;
    assert_eq!((status, body.as_str()), (200, ""));
    // method only with the leaderboard; an unknown one is a bad query
    let r = c
        .get(&format!("/api/v1/orders/{id}/export?format=csv&method=bt"))
        .await;
    r.refused(ErrorCode::Validation);
    assert_eq!(r.body["error"]["field"], "method");
    let pairwise = order(&c, &lines, template(), json!([w.centre_a]), false).await;
    let r = c
        .get(&format!("/api/v1/orders/{pairwise}/leaderboard?method=elo"))
        .await;
    r.refused(ErrorCode::InvalidQuery);
    // A pairwise order without labels: an empty board.
    let b = c
        .get(&format!("/api/v1/orders/{pairwise}/leaderboard"))
        .await;
    assert_eq!(b.ok()["comparisons"], 0);
    assert_eq!(b.body["models"], json!([]));
});
