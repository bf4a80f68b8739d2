//! The model suggestions report (`GET /orders/{id}/suggestions/report`): a choice order of
//! six pictures and two gold ones, suggestions imported for five pictures and one gold one
//! (two model versions), a planted wrong one on the other gold item; an annotator of
//! centre A and one of centre B each label every item (accepting, rejecting, with their own
//! durations), the items resolve, a lead overrides the one they disagree on. The report's
//! figures are checked against what those labels imply; a lead sees their centre's, a lead
//! of a centre without labels zeros; other org 404, annotator 403, logged out 401; the CSV
//! is read back with Python's csv.

use std::collections::HashMap;

use mudou_domain::OrderId;
use mudou_store::{NewSuggestion, SuggestionSource, now_millis};
use serde_json::{Value, json};

use crate::suggestions::post_jsonl;
use crate::work::{annotator_browser, choice_spec, shape_pictures};
use crate::{Browser, both, staff};

async fn logged_in(app: &crate::TestApp, who: &str) -> Browser {
    let b = app.browser();
    b.login(who).await.ok();
    b
}

fn share(n: i64, d: i64) -> Value {
    if d == 0 {
        Value::Null
    } else {
        json!(((n as f64 / d as f64) * 10_000.0).round() / 10_000.0)
    }
}

fn median(v: &[i64]) -> Value {
    let mut v = v.to_vec();
    v.sort_unstable();
    match v.len() {
        0 => Value::Null,
        n if n % 2 == 1 => json!(v[n / 2]),
        n => json!((v[n / 2 - 1] + v[n / 2]) / 2),
    }
}

fn mean(v: &[i64]) -> Value {
    if v.is_empty() {
        return Value::Null;
    }
    json!((v.iter().sum::<i64>() as f64 / v.len() as f64).round() as i64)
}

/// One annotator's label on an item: the answer given and the time taken.
struct Given {
    name: &'static str,
    label: &'static str,
    ms: i64,
}

/// What a1 (centre A) and b1 (centre B) answer, per picture.
const A1: [Given; 8] = [
    Given {
        name: "shape_000.jpg",
        label: "circle",
        ms: 2000,
    },
    Given {
        name: "shape_001.jpg",
        label: "star",
        ms: 4000,
    },
    Given {
        name: "shape_002.jpg",
        label: "triangle",
        ms: 3000,
    },
    Given {
        name: "shape_003.jpg",
        label: "star",
        ms: 6000,
    },
    Given {
        name: "shape_004.jpg",
        label: "square",
        ms: 5000,
    },
    Given {
        name: "shape_005.jpg",
        label: "circle",
        ms: 9000,
    },
    Given {
        name: "shape_006.jpg",
        label: "circle",
        ms: 1000,
    },
    Given {
        name: "shape_007.jpg",
        label: "circle",
        ms: 7000,
    },
];
const B1: [Given; 8] = [
    Given {
        name: "shape_000.jpg",
        label: "circle",
        ms: 2500,
    },
    Given {
        name: "shape_001.jpg",
        label: "star",
        ms: 4500,
    },
    Given {
        name: "shape_002.jpg",
        label: "triangle",
        ms: 3500,
    },
    Given {
        name: "shape_003.jpg",
        label: "circle",
        ms: 6500,
    },
    Given {
        name: "shape_004.jpg",
        label: "square",
        ms: 5500,
    },
    Given {
        name: "shape_005.jpg",
        label: "circle",
        ms: 8000,
    },
    Given {
        name: "shape_006.jpg",
        label: "circle",
        ms: 1500,
    },
    Given {
        name: "shape_007.jpg",
        label: "square",
        ms: 500,
    },
];

/// The suggestions: (picture, label, version); shape_005 has none, shape_007 (gold) gets a
/// planted "square".
const SUGGESTED: [(&str, &str, &str); 6] = [
    ("shape_000.jpg", "circle", "v1"),
    ("shape_001.jpg", "square", "v1"),
    ("shape_002.jpg", "triangle", "v1"),
    ("shape_003.jpg", "star", "v2"),
    ("shape_004.jpg", "circle", "v2"),
    ("shape_006.jpg", "circle", "v1"),
];
const PLANTED: (&str, &str) = ("shape_007.jpg", "square");

/// A label as given: what it was shown (none / model / planted), what was done with it,
/// its time, its picture, and whether its pay stands (a lead's decision against it
/// reverses it).
#[derive(Clone, Copy)]
struct Done {
    shown: &'static str,
    outcome: Option<&'static str>,
    ms: i64,
    name: &'static str,
    paid: bool,
}

/// Labels every item of the one unit as `plan` says, showing each item's suggestion, and
/// submits it.
async fn label_unit(b: &Browser, names: &HashMap<i64, String>, plan: &[Given]) -> Vec<Done> {
    let next = b.get("/api/v1/work/next").await;
    assert_eq!(next.ok()["status"], "assigned", "{}", next.body);
    let asg = &next.body["assignment"];
    let aid = asg["id"].as_i64().unwrap();
    let items = asg["items"].as_array().unwrap();
    assert_eq!(items.len(), 8, "one unit of every item");
    let mut out = Vec::new();
    for it in items {
        let item = it["item_id"].as_i64().unwrap();
        let name = names[&item].as_str();
        let g = plan.iter().find(|g| g.name == name).unwrap();
        let mut body = json!({"client_uuid": uuid::Uuid::new_v4().to_string(), "assignment_id": aid,
            "item_id": item, "answer": {"label": g.label}, "duration_ms": g.ms});
        let shown = if let Some(s) = it.get("suggestion") {
            body["suggestion_id"] = s["id"].clone();
            let suggested = s["answer"]["label"].as_str().unwrap().to_owned();
            let planted = name == PLANTED.0;
            let outcome = if suggested == g.label {
                "accepted"
            } else {
                "rejected"
            };
            (if planted { "planted" } else { "model" }, Some(outcome))
        } else {
            ("none", None)
        };
        out.push(Done {
            shown: shown.0,
            outcome: shown.1,
            ms: g.ms,
            name: g.name,
            paid: true,
        });
        let r = b.post("/api/v1/work/labels", body).await;
        assert_eq!(r.ok()["status"], "stored", "{}", r.body);
    }
    b.post(&format!("/api/v1/work/assignments/{aid}/submit"), json!({}))
        .await
        .ok();
    out
}

/// The figures the labels imply, as the report gives them.
fn expected(labels: &[Done], check: i64, fix: i64, piece: i64) -> Value {
    let of = |shown: &str, outcome: Option<&str>| -> Vec<i64> {
        labels
            .iter()
            .filter(|l| l.shown == shown && (outcome.is_none() || l.outcome == outcome))
            .map(|l| l.ms)
            .collect()
    };
    let timing =
        |v: Vec<i64>| json!({"labels": v.len(), "median_ms": median(&v), "mean_ms": mean(&v)});
    let outcomes = |shown: &str| {
        let n = of(shown, None).len() as i64;
        let acc = of(shown, Some("accepted")).len() as i64;
        let rej = of(shown, Some("rejected")).len() as i64;
        json!({"shown": n, "accepted": acc, "fixed": 0, "rejected": rej,
               "accepted_share": share(acc, n), "fixed_share": share(0, n), "rejected_share": share(rej, n)})
    };
    // (labels, fen paid) of a line.
    let line = |keep: &dyn Fn(&Done) -> bool, rate: i64| {
        let l: Vec<&Done> = labels.iter().filter(|l| keep(l)).collect();
        (
            l.len() as i64,
            l.iter().filter(|l| l.paid).count() as i64 * rate,
        )
    };
    let checks = line(
        &|l| l.shown != "none" && l.outcome == Some("accepted"),
        check,
    );
    let fixes = line(&|l| l.shown != "none" && l.outcome != Some("accepted"), fix);
    let plain = line(&|l| l.shown == "none", piece);
    let with = of("model", None);
    let without = of("none", None);
    let ratio = match (median(&with).as_i64(), median(&without).as_i64()) {
        (Some(w), Some(o)) => json!(((w as f64 / o as f64) * 10_000.0).round() / 10_000.0),
        _ => Value::Null,
    };
    json!({
        "outcomes": {"model": outcomes("model"), "planted": outcomes("planted")},
        "seconds": {
            "with": timing(with.clone()),
            "without": timing(without.clone()),
            "planted": timing(of("planted", None)),
            "accepted": timing(of("model", Some("accepted"))),
            "fixed": timing(Vec::new()),
            "rejected": timing(of("model", Some("rejected"))),
            "median_ratio": ratio,
        },
        "pay": {
            "checks": {"labels": checks.0, "paid_fen": checks.1, "pending_fen": 0},
            "fixes": {"labels": fixes.0, "paid_fen": fixes.1, "pending_fen": 0},
            "plain": {"labels": plain.0, "paid_fen": plain.1, "pending_fen": 0},
            "total_paid_fen": checks.1 + fixes.1 + plain.1,
        }
    })
}

fn assert_figures(report: &Value, want: &Value) {
    for k in ["outcomes", "seconds", "pay"] {
        assert_eq!(report[k], want[k], "{k}: {report}");
    }
}

both!(suggestion_report_follows_the_labels, |app| {
    let w = app.world().await;
    let centre_c = app.centre("C中心").await;
    let centre_d = app.centre("D中心").await;
    app.user(staff(
        "lead_c",
        mudou_domain::Role::Lead,
        Some(centre_c),
        None,
    ))
    .await;
    app.user(staff(
        "lead_d",
        mudou_domain::Role::Lead,
        Some(centre_d),
        None,
    ))
    .await;
    let ds = shape_pictures(&app, &w, 8).await;
    let client = logged_in(&app, "client_a").await;

    let mut spec = choice_spec(json!({"kind": "fixed", "n": 2}));
    spec["pay_on"] = json!("submit");
    spec["unit_size"] = json!(8);
    spec["gold_share"] = json!(0.25);
    spec["eligible_centres"] = json!([w.centre_a, w.centre_b, centre_c]);
    spec["suggestions"] = json!({"check_rate_fen": 3, "fix_rate_fen": 9});
    let o = client
        .post("/api/v1/orders", json!({"dataset_id": ds, "spec": spec}))
        .await;
    let order = o.ok()["id"].as_i64().unwrap();
    let path = format!("/api/v1/orders/{order}/suggestions/report");

    let listed = client
        .get(&format!("/api/v1/datasets/{ds}/items?limit=100"))
        .await;
    let names: HashMap<i64, String> = listed.ok()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["id"].as_i64().unwrap(),
                i["file_name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let id_of = |n: &str| *names.iter().find(|(_, v)| *v == n).unwrap().0;

    // A draft: its dataset's items, the suggestions imported on it.
    let lines: Vec<String> = SUGGESTED
        .iter()
        .map(|(n, l, v)| json!({"name": n, "answer": {"label": l}, "model_version": v}).to_string())
        .collect();
    let put = post_jsonl(&client, order, "model=shapenet", &lines.join("\n")).await;
    assert_eq!(put.ok()["stored"], 6, "{}", put.body);
    let draft = client.get(&path).await;
    assert_eq!(
        draft.ok()["suggestions"],
        json!({"import": 6, "backend": 0, "planted": 0, "items": 8, "items_with": 6, "items_without": 2})
    );
    for g in ["shape_006.jpg", "shape_007.jpg"] {
        let r = client
            .http
            .put(format!(
                "{}/api/v1/orders/{order}/gold/{}",
                client.url,
                id_of(g)
            ))
            .json(&json!({"answer": {"label": "circle"}}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 204);
    }
    // A planted wrong one on the second gold item (as the planting step stores it).
    let planted = app
        .state
        .store
        .put_suggestions(
            OrderId::new(order),
            &[NewSuggestion {
                item_id: id_of(PLANTED.0),
                answer: json!({"label": PLANTED.1}).to_string(),
                model: "shapenet".into(),
                model_version: Some("v1".into()),
                score: None,
                source: SuggestionSource::Planted,
            }],
            now_millis(),
        )
        .await
        .unwrap();
    assert_eq!(planted.stored, 1);
    client
        .post(&format!("/api/v1/orders/{order}/publish"), json!({}))
        .await
        .ok();

    // Before any label: the gold item's known answer already judges its suggestion.
    let r = client.get(&path).await;
    let body = r.ok().clone();
    assert_eq!(
        body["suggestions"],
        json!({"import": 6, "backend": 0, "planted": 1, "items": 8, "items_with": 7, "items_without": 1})
    );
    assert_eq!(body["outcomes"]["model"]["shown"], 0);
    assert!(body["outcomes"]["model"]["accepted_share"].is_null());
    assert_eq!(
        body["accuracy"]["overall"],
        json!({"settled": 1, "agreed": 1, "accuracy": 1.0})
    );
    assert!(body["seconds"]["with"]["median_ms"].is_null());
    assert_eq!(body["pay"]["total_paid_fen"], 0);

    // Both annotators label the one unit; they disagree on shape_003 only (among work items).
    let a1 = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;
    let b1 = annotator_browser(&app, w.ann_b1, "3333", "lead_b").await;
    let by_a = label_unit(&a1, &names, &A1).await;
    let mut by_b = label_unit(&b1, &names, &B1).await;
    // The lead of A decides the disagreement: star (as the model said).
    let lead_a = logged_in(&app, "lead_a").await;
    let d = lead_a
        .post(
            &format!(
                "/api/v1/lead/review/{order}/items/{}/decision",
                id_of("shape_003.jpg")
            ),
            json!({"decision": "override", "answer": {"label": "star"}}),
        )
        .await;
    d.ok();
    // It judges b1's answer there wrong: on a pay-on-submit order its piece is reversed.
    for l in by_b.iter_mut().filter(|l| l.name == "shape_003.jpg") {
        l.paid = false;
    }

    // Every work item is settled now: its final answer is what both said, or the lead's.
    let r = client.get(&path).await;
    let body = r.ok().clone();
    let all: Vec<_> = by_a.iter().chain(&by_b).copied().collect();
    assert_figures(&body, &expected(&all, 3, 9, 10));
    assert_eq!(body["outcomes"]["model"]["shown"], 12);
    assert_eq!(body["outcomes"]["model"]["accepted"], 7);
    assert_eq!(body["outcomes"]["planted"]["accepted"], 1);
    // The model: right on 000, 002 (consensus), 003 (the lead), 006 (gold); wrong on 001,
    // 004; 005 had no suggestion, 007's was planted.
    assert_eq!(
        body["accuracy"]["overall"],
        json!({"settled": 6, "agreed": 4, "accuracy": share(4, 6)})
    );
    assert_eq!(
        body["accuracy"]["consensus"],
        json!({"settled": 4, "agreed": 2, "accuracy": 0.5})
    );
    assert_eq!(
        body["accuracy"]["review"],
        json!({"settled": 1, "agreed": 1, "accuracy": 1.0})
    );
    assert_eq!(
        body["accuracy"]["gold"],
        json!({"settled": 1, "agreed": 1, "accuracy": 1.0})
    );
    assert_eq!(
        body["accuracy"]["versions"],
        json!([
            {"model": "shapenet", "model_version": "v1", "settled": 4, "agreed": 3, "accuracy": 0.75},
            {"model": "shapenet", "model_version": "v2", "settled": 2, "agreed": 1, "accuracy": 0.5}
        ])
    );
    // The pay split adds up to what the annotators were paid.
    let earned = |b: Browser| async move {
        b.get("/api/v1/me/earnings").await.ok()["today_fen"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(
        body["pay"]["total_paid_fen"].as_i64().unwrap(),
        earned(a1).await + earned(b1).await
    );

    // A lead sees their centre's labels; the items their centre answered.
    let lr = lead_a.get(&path).await;
    let lb = lr.ok().clone();
    assert_figures(&lb, &expected(&by_a, 3, 9, 10));
    assert_eq!(lb["suggestions"], body["suggestions"]);
    assert_eq!(lb["accuracy"], body["accuracy"]);
    let lead_b = logged_in(&app, "lead_b").await;
    assert_figures(lead_b.get(&path).await.ok(), &expected(&by_b, 3, 9, 10));
    // A lead of a centre on the order without labels: zeros, not others'.
    let lead_c = logged_in(&app, "lead_c").await;
    let lc = lead_c.get(&path).await;
    let zero = lc.ok();
    assert_figures(zero, &expected(&[], 3, 9, 10));
    assert_eq!(
        zero["suggestions"],
        json!({"import": 0, "backend": 0, "planted": 0, "items": 0, "items_with": 0, "items_without": 0})
    );
    assert_eq!(
        zero["accuracy"]["overall"],
        json!({"settled": 0, "agreed": 0, "accuracy": null})
    );
    assert_eq!(zero["accuracy"]["versions"], json!([]));

    // Scope: a lead of a centre not on it and another org's client 404, an annotator 403,
    // nobody 401; a format it does not know, 400.
    let lead_d = logged_in(&app, "lead_d").await;
    assert_eq!(lead_d.get(&path).await.status.as_u16(), 404);
    let other = logged_in(&app, "client_b").await;
    let g = other.get(&path).await;
    assert_eq!(g.status.as_u16(), 404);
    assert_eq!(g.body["error"]["code"], "not_found");
    let ann = annotator_browser(&app, w.ann_a2, "2222", "lead_a").await;
    assert_eq!(ann.get(&path).await.status.as_u16(), 403);
    assert_eq!(app.browser().get(&path).await.status.as_u16(), 401);
    let bad = client.get(&format!("{path}?format=xml")).await;
    assert_eq!(bad.status.as_u16(), 400, "{}", bad.body);
    assert!(bad.body["error"]["code"].is_string());

    // The CSV, read with Python's csv: the same figures.
    let res = client
        .http
        .get(format!("{}{path}?format=csv", client.url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let bytes = res.bytes().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.csv");
    std::fs::write(&file, &bytes).unwrap();
    let py = std::process::Command::new("python3")
        .arg("-c")
        .arg(
            "import csv, json, sys\n\
             rows = list(csv.reader(open(sys.argv[1], encoding='utf-8-sig', newline='')))\n\
             assert rows[0] == ['section', 'group', 'figure', 'value'], rows[0]\n\
             assert all(len(r) == 4 for r in rows), rows\n\
             print(json.dumps({'|'.join(r[:3]): r[3] for r in rows[1:]}))",
        )
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        py.status.success(),
        "{}",
        String::from_utf8_lossy(&py.stderr)
    );
    let cells: HashMap<String, String> = serde_json::from_slice(&py.stdout).unwrap();
    let cell = |k: &str| {
        cells
            .get(k)
            .cloned()
            .unwrap_or_else(|| panic!("{k}: {cells:?}"))
    };
    assert_eq!(cell("suggestions||planted"), "1");
    assert_eq!(cell("outcomes|model|accepted"), "7");
    assert_eq!(
        cell("outcomes|model|accepted_share"),
        body["outcomes"]["model"]["accepted_share"].to_string()
    );
    assert_eq!(cell("outcomes|model|fixed"), "0");
    assert_eq!(cell("accuracy|overall|agreed"), "4");
    assert_eq!(cell("accuracy|shapenet v1|accuracy"), "0.75");
    assert_eq!(cell("accuracy|shapenet v2|settled"), "2");
    assert_eq!(
        cell("seconds|with|median_ms"),
        body["seconds"]["with"]["median_ms"].to_string()
    );
    assert_eq!(cell("seconds|fixed|median_ms"), "");
    assert_eq!(
        cell("pay||total_paid_fen"),
        body["pay"]["total_paid_fen"].to_string()
    );
    assert_eq!(
        cell("pay|checks|paid_fen"),
        body["pay"]["checks"]["paid_fen"].to_string()
    );
});

// A box order: one suggestion accepted as it is, one nudged (a fix: it still agrees by the
// pass mark), one moved away (a rejection); each outcome's share, time and pay, and the
// model judged against the answers the one label each settled.
both!(suggestion_report_counts_fixes_of_boxes, |app| {
    let w = app.world().await;
    let mut spec = choice_spec(json!({"kind": "fixed", "n": 1}));
    spec["task_type"] = json!("bbox");
    spec["pay_on"] = json!("submit");
    spec["unit_size"] = json!(3);
    spec["suggestions"] = json!({"check_rate_fen": 3, "fix_rate_fen": 9});
    let order = crate::work::order(&app, &w, 3, spec).await;
    let client = logged_in(&app, "client_a").await;
    let b = |x: f64| json!({"boxes": [{"label": "circle", "x": x, "y": 100.0, "w": 120.0, "h": 100.0}]});
    let lines: Vec<String> = (0..3)
        .map(|i| {
            json!({"name": format!("shape_{i:03}.jpg"), "answer": b(100.0), "model_version": "v3"})
                .to_string()
        })
        .collect();
    assert_eq!(
        post_jsonl(&client, order, "model=boxer", &lines.join("\n"))
            .await
            .ok()["stored"],
        3
    );

    let a1 = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;
    let next = a1.get("/api/v1/work/next").await;
    let asg = &next.ok()["assignment"];
    let aid = asg["id"].as_i64().unwrap();
    let items = asg["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 3);
    // As it is (1 s), nudged by 4 px (3 s), moved away (5 s).
    for (it, (x, ms)) in items
        .iter()
        .zip([(100.0, 1000), (104.0, 3000), (300.0, 5000)])
    {
        let r = a1
            .post(
                "/api/v1/work/labels",
                json!({"client_uuid": uuid::Uuid::new_v4().to_string(), "assignment_id": aid,
                       "item_id": it["item_id"], "answer": b(x), "duration_ms": ms,
                       "suggestion_id": it["suggestion"]["id"]}),
            )
            .await;
        assert_eq!(r.ok()["status"], "stored", "{}", r.body);
    }
    a1.post(&format!("/api/v1/work/assignments/{aid}/submit"), json!({}))
        .await
        .ok();

    let r = client
        .get(&format!("/api/v1/orders/{order}/suggestions/report"))
        .await;
    let body = r.ok();
    assert_eq!(
        body["outcomes"]["model"],
        json!({"shown": 3, "accepted": 1, "fixed": 1, "rejected": 1,
               "accepted_share": 0.3333, "fixed_share": 0.3333, "rejected_share": 0.3333})
    );
    assert_eq!(
        body["seconds"]["fixed"],
        json!({"labels": 1, "median_ms": 3000, "mean_ms": 3000})
    );
    assert_eq!(
        body["seconds"]["with"],
        json!({"labels": 3, "median_ms": 3000, "mean_ms": 3000})
    );
    assert!(body["seconds"]["without"]["median_ms"].is_null());
    assert!(body["seconds"]["median_ratio"].is_null());
    // A check at 3 fen; the fix and the rejection at the fix rate, 9 fen each.
    assert_eq!(
        body["pay"],
        json!({"checks": {"labels": 1, "paid_fen": 3, "pending_fen": 0},
               "fixes": {"labels": 2, "paid_fen": 18, "pending_fen": 0},
               "plain": {"labels": 0, "paid_fen": 0, "pending_fen": 0},
               "total_paid_fen": 21})
    );
    assert_eq!(a1.get("/api/v1/me/earnings").await.ok()["today_fen"], 21);
    // One label each settles its item: the model agrees where it was kept or nudged.
    assert_eq!(
        body["accuracy"]["consensus"],
        json!({"settled": 3, "agreed": 2, "accuracy": 0.6667})
    );
    assert_eq!(
        body["accuracy"]["versions"],
        json!([{"model": "boxer", "model_version": "v3", "settled": 3, "agreed": 2, "accuracy": 0.6667}])
    );
});
