//! Earnings and throughput over HTTP: what a worker earned and why, pay runs that pay the
//! ledger exactly and only once, reports against hand-computed figures, the ledger under
//! concurrent submits and retries, and who may see what.

use bytes::Bytes;
use futures::future::join_all;
use mudou_app::ingest::{IncomingImage, add_images};
use serde_json::{Value, json};

use crate::{Browser, TestApp, World, both};

fn label(key: &str, hot: char) -> Value {
    json!({"key": key, "name_zh": key, "name_en": key, "colour": "#1e88e5", "hotkey": hot.to_string()})
}

/// A published single-choice order of org A over `n` shapes pictures, overlap 3, 10 fen a label.
async fn order(app: &TestApp, w: &World, n: usize, unit: usize) -> i64 {
    let ds = app
        .dataset(w.org_a, &format!("d{}", mudou_store::now_millis()))
        .await;
    let dir = format!("{}/../../datasets/shapes", env!("CARGO_MANIFEST_DIR"));
    let files = (0..n)
        .map(|i| IncomingImage {
            file_name: format!("shape_{i:03}.jpg"),
            tag: String::new(),
            bytes: Bytes::from(std::fs::read(format!("{dir}/shape_{i:03}.jpg")).unwrap()),
            meta: "{}".into(),
            gold: None,
        })
        .collect();
    add_images(&app.state, ds.id, files).await.unwrap();
    let c = app.browser();
    c.login("client_a").await.ok();
    let spec = json!({
        "name": "形状",
        "task_type": "single_choice",
        "labels": [label("circle", '1'), label("square", '2')],
        "overlap": {"kind": "fixed", "n": 3},
        "max_gold_items": 0,
        "unit_size": unit,
        "piece_rate_fen": 10
    });
    let o = c
        .post("/api/v1/orders", json!({"dataset_id": ds.id, "spec": spec}))
        .await;
    let id = o.ok()["id"].as_i64().unwrap();
    c.post(&format!("/api/v1/orders/{id}/publish"), json!({}))
        .await
        .ok();
    id
}

async fn annotator(app: &TestApp, user_id: i64, pin: &str, lead: &str) -> Browser {
    let b = app.browser();
    b.enrol_as(lead).await;
    b.pin(user_id, pin).await.ok();
    b
}

/// The annotator's unit: (assignment id, item ids in order).
async fn unit(b: &Browser) -> (i64, Vec<i64>) {
    let next = b.get("/api/v1/work/next").await;
    let a = &next.ok()["assignment"];
    let items = a["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["item_id"].as_i64().unwrap())
        .collect();
    (a["id"].as_i64().unwrap(), items)
}

fn body(assignment: i64, item: i64, answer: &str, ms: i64) -> Value {
    json!({"client_uuid": uuid::Uuid::new_v4().to_string(), "assignment_id": assignment, "item_id": item,
           "answer": {"label": answer}, "duration_ms": ms})
}

async fn answer_all(b: &Browser, answers: &[&str], ms: i64) -> Vec<i64> {
    let (aid, mut items) = unit(b).await;
    // In the unit's own order: those who share a unit each start at a different item.
    items.sort_unstable();
    for (item, a) in items.iter().zip(answers) {
        b.post("/api/v1/work/labels", body(aid, *item, a, ms))
            .await
            .ok();
    }
    b.post(&format!("/api/v1/work/assignments/{aid}/submit"), json!({}))
        .await
        .ok();
    items
}

struct Fixture {
    a1: Browser,
    a2: Browser,
    b1: Browser,
}

/// Four items, overlap 3. a1 (centre A) answers c c c c in 2 s each, a2 (A) c c s s in
/// 4.5 s, b1 (B) c c c s in 9 s. Final answers: c c c s. So a1 is paid 3 (item 4 not),
/// a2 3 (item 3 not), b1 4; centre A labelled 8 and B 4, and b1's labels resolved all four.
async fn fixture(app: &TestApp, w: &World) -> Fixture {
    order(app, w, 4, 4).await;
    let a1 = annotator(app, w.ann_a1, "1111", "lead_a").await;
    let a2 = annotator(app, w.ann_a2, "2222", "lead_a").await;
    let b1 = annotator(app, w.ann_b1, "3333", "lead_b").await;
    answer_all(&a1, &["circle", "circle", "circle", "circle"], 2000).await;
    answer_all(&a2, &["circle", "circle", "square", "square"], 4500).await;
    // Before the third answers, everything is pending.
    let e = a1.get("/api/v1/me/earnings").await;
    let e = e.ok();
    assert_eq!(
        (
            e["today_fen"].as_i64(),
            e["pending_fen"].as_i64(),
            e["confirmed_fen"].as_i64(),
            e["today_labels"].as_i64()
        ),
        (Some(40), Some(40), Some(0), Some(4)),
        "{e}"
    );
    answer_all(&b1, &["circle", "circle", "circle", "square"], 9000).await;
    Fixture { a1, a2, b1 }
}

both!(an_annotator_sees_what_they_earned_and_why, |app| {
    let w = app.world().await;
    let f = fixture(&app, &w).await;
    for (b, earned, unpaid) in [(&f.a1, 30, 1), (&f.a2, 30, 1), (&f.b1, 40, 0)] {
        let e = b.get("/api/v1/me/earnings").await;
        let e = e.ok();
        for k in ["today_fen", "week_fen", "month_fen", "confirmed_fen"] {
            assert_eq!(e[k].as_i64(), Some(earned), "{k}: {e}");
        }
        assert_eq!(e["pending_fen"], 0, "{e}");
        assert_eq!(e["paid_fen"], 0);
        assert_eq!(e["today_labels"], 4);
        assert_eq!(e["today_not_paid"], unpaid);
        let orders = b.get("/api/v1/me/earnings/orders?range=today").await;
        let o = &orders.ok()["items"][0];
        assert_eq!(
            (
                o["labels"].as_i64(),
                o["accepted"].as_i64(),
                o["not_paid"].as_i64()
            ),
            (Some(4), Some(4 - unpaid), Some(unpaid))
        );
        assert_eq!(o["confirmed_fen"], earned);
        assert_eq!(o["piece_rate_fen"], 10);
        let lines = b.get("/api/v1/me/earnings/entries").await;
        let lines = lines.ok();
        assert_eq!(lines["pending"].as_array().unwrap().len(), 0);
        let entries = lines["entries"].as_array().unwrap();
        assert_eq!(entries.len() as i64, earned / 10);
        assert!(
            entries
                .iter()
                .all(|x| x["kind"] == "piece" && x["state"] == "confirmed")
        );
    }
    // a1's fourth answer was "circle"; the final answer is "square": not paid, and why.
    let u = f.a1.get("/api/v1/me/earnings/unpaid?range=week").await;
    let u = &u.ok()["items"];
    assert_eq!(u.as_array().unwrap().len(), 1);
    assert_eq!(u[0]["reason"], "differs");
    assert_eq!(u[0]["answer"]["label"], "circle");
    assert_eq!(u[0]["right_answer"]["label"], "square");
    assert_eq!(u[0]["label_names"]["square"]["name_zh"], "square");
    assert_eq!(u[0]["amount_fen"], 10);
    assert!(
        u[0]["width"].as_i64().unwrap() > 0 && u[0]["height"].as_i64().unwrap() > 0,
        "the picture's size, for drawing boxes on it: {}",
        u[0]
    );
    assert!(
        u[0]["screen_url"]
            .as_str()
            .unwrap()
            .starts_with("/api/v1/media/")
    );
    let pic =
        f.a1.http
            .get(format!(
                "{}{}",
                app.url,
                u[0]["thumb_url"].as_str().unwrap()
            ))
            .send()
            .await
            .unwrap();
    assert_eq!(
        pic.status().as_u16(),
        200,
        "the worker may look at the picture again"
    );
    let u2 = f.a2.get("/api/v1/me/earnings/unpaid").await;
    assert_eq!(u2.ok()["items"][0]["right_answer"]["label"], "circle");

    // Only annotators have their own earnings; others get 403.
    let lead = app.browser();
    lead.login("lead_a").await.ok();
    assert_eq!(lead.get("/api/v1/me/earnings").await.status.as_u16(), 403);
    assert_eq!(
        app.browser()
            .get("/api/v1/me/earnings")
            .await
            .status
            .as_u16(),
        401
    );
    let bad = f.a1.get("/api/v1/me/earnings/orders?range=year").await;
    assert_eq!(bad.status.as_u16(), 400, "{}", bad.body);
});

both!(reports_match_hand_computed_figures, |app| {
    let w = app.world().await;
    fixture(&app, &w).await;
    let lead = app.browser();
    lead.login("lead_a").await.ok();
    let hours = lead.get("/api/v1/reports/hours").await;
    let hours = hours.ok()["items"].as_array().unwrap().clone();
    assert_eq!(hours.len(), 24);
    let sum = |rows: &[Value], k: &str| rows.iter().map(|r| r[k].as_i64().unwrap()).sum::<i64>();
    assert_eq!(sum(&hours, "labels"), 8);
    assert_eq!(sum(&hours, "accepted"), 6);
    assert_eq!(sum(&hours, "not_paid"), 2);
    assert_eq!(sum(&hours, "pay_fen"), 60);
    assert_eq!(
        sum(&hours, "resolved"),
        0,
        "b1 (centre B) resolved the items"
    );
    let busy: Vec<&Value> = hours.iter().filter(|h| h["labels"] != 0).collect();
    if busy.len() == 1 {
        // 2, 2, 2, 2, 4.5, 4.5, 4.5, 4.5 seconds: the lower middle is 2 s (bucket 2–3 s).
        assert_eq!(busy[0]["median_seconds"], 2.5);
        assert_eq!(busy[0]["active"], 2);
        assert_eq!(busy[0]["agreement"], 0.75);
    }
    let days = lead.get("/api/v1/reports/days?days=7").await;
    let days = days.ok()["items"].as_array().unwrap().clone();
    assert_eq!(days.len(), 7);
    let today = &days[6];
    assert_eq!(
        (
            today["labels"].as_i64(),
            today["active"].as_i64(),
            today["pay_fen"].as_i64()
        ),
        (Some(8), Some(2), Some(60)),
        "{today}"
    );
    assert_eq!(today["median_seconds"], 2.5);
    assert!(days[..6].iter().all(|d| d["labels"] == 0));

    let people = lead.get("/api/v1/reports/annotators").await;
    let people = people.ok()["items"].as_array().unwrap().clone();
    assert_eq!(people.len(), 2);
    let a1 = people
        .iter()
        .find(|p| p["annotator_id"] == w.ann_a1)
        .unwrap();
    assert_eq!(a1["labels"], 4);
    assert_eq!(a1["mean_seconds"], 2.0);
    assert_eq!(a1["agreement"], 0.75);
    assert_eq!(a1["pay_fen"], 30);
    let a2 = people
        .iter()
        .find(|p| p["annotator_id"] == w.ann_a2)
        .unwrap();
    assert_eq!(a2["mean_seconds"], 4.5);

    let orders = lead.get("/api/v1/reports/orders").await;
    let o = &orders.ok()["items"][0];
    assert_eq!(
        (
            o["labels"].as_i64(),
            o["resolved"].as_i64(),
            o["pay_fen"].as_i64()
        ),
        (Some(8), Some(0), Some(60))
    );

    let admin = app.browser();
    admin.login("admin").await.ok();
    let centres = admin.get("/api/v1/reports/centres?days=7").await;
    let centres = centres.ok()["items"].as_array().unwrap().clone();
    let a = centres
        .iter()
        .find(|c| c["centre_id"] == w.centre_a)
        .unwrap();
    let b = centres
        .iter()
        .find(|c| c["centre_id"] == w.centre_b)
        .unwrap();
    assert_eq!(
        (
            a["labels"].as_i64(),
            a["resolved"].as_i64(),
            a["active"].as_i64(),
            a["pay_fen"].as_i64()
        ),
        (Some(8), Some(0), Some(2), Some(60))
    );
    assert_eq!(
        (
            b["labels"].as_i64(),
            b["resolved"].as_i64(),
            b["active"].as_i64(),
            b["pay_fen"].as_i64()
        ),
        (Some(4), Some(4), Some(1), Some(40))
    );
    assert_eq!(b["median_seconds"], 9.5);
    assert_eq!(a["labels_per_annotator_day"], 4.0);
    let b_days = admin
        .get(&format!(
            "/api/v1/reports/days?centre_id={}&days=1",
            w.centre_b
        ))
        .await;
    assert_eq!(b_days.ok()["items"][0]["resolved"], 4);

    let client = app.browser();
    client.login("client_a").await.ok();
    let costs = client.get("/api/v1/reports/costs").await;
    let c = &costs.ok()["items"][0];
    assert_eq!(
        (
            c["labels"].as_i64(),
            c["resolved"].as_i64(),
            c["pay_fen"].as_i64()
        ),
        (Some(12), Some(4), Some(100))
    );
    assert_eq!(c["pay_per_resolved_fen"], 25.0);

    // Every table downloads as CSV.
    for (who, path, rows) in [
        (&lead, "/api/v1/reports/hours?format=csv", 24),
        (&lead, "/api/v1/reports/days?days=30&format=csv", 30),
        (&lead, "/api/v1/reports/annotators?format=csv", 2),
        (&lead, "/api/v1/reports/orders?format=csv", 1),
        (&admin, "/api/v1/reports/centres?format=csv", 2),
        (&client, "/api/v1/reports/costs?format=csv", 1),
    ] {
        let r = who
            .http
            .get(format!("{}{path}", app.url))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "{path}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );
        let text = r.text().await.unwrap();
        let text = text
            .strip_prefix('\u{feff}')
            .expect("a BOM for spreadsheets");
        let mut csv = csv::Reader::from_reader(text.as_bytes());
        assert_eq!(csv.records().count(), rows, "{path}");
    }

    // Scope: a lead sees only their centre; annotators and clients see no centre reports;
    // another client sees none of org A's costs.
    let lead_b = app.browser();
    lead_b.login("lead_b").await.ok();
    let other = lead_b
        .get(&format!("/api/v1/reports/hours?centre_id={}", w.centre_a))
        .await;
    assert_eq!(other.status.as_u16(), 404);
    let own = lead_b.get("/api/v1/reports/annotators").await;
    assert_eq!(own.ok()["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        client.get("/api/v1/reports/days").await.status.as_u16(),
        403
    );
    let ann = annotator(&app, w.ann_a1, "1111", "lead_a").await;
    assert_eq!(ann.get("/api/v1/reports/days").await.status.as_u16(), 403);
    assert_eq!(
        lead.get("/api/v1/reports/centres").await.status.as_u16(),
        403
    );
    assert_eq!(
        admin.get("/api/v1/reports/days").await.status.as_u16(),
        422,
        "an admin names the centre"
    );
    let client_b = app.browser();
    client_b.login("client_b").await.ok();
    assert_eq!(
        client_b.get("/api/v1/reports/costs").await.ok()["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );

    // Prometheus: per centre, from the database.
    let m = app.metrics().await;
    for line in [
        format!("mudou_labels_total{{centre=\"{}\"}} 8", w.centre_a),
        format!("mudou_labels_total{{centre=\"{}\"}} 4", w.centre_b),
        format!("mudou_items_resolved_total{{centre=\"{}\"}} 4", w.centre_b),
        format!("mudou_earnings_fen_total{{centre=\"{}\"}} 60", w.centre_a),
        format!("mudou_earnings_fen_total{{centre=\"{}\"}} 40", w.centre_b),
        format!("mudou_active_annotators{{centre=\"{}\"}} 0", w.centre_a),
    ] {
        assert!(m.contains(&line), "{line} missing from\n{m}");
    }
    let count = |name: &str| -> u64 {
        m.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}_count ")))
            .unwrap_or_else(|| panic!("{name} exported"))
            .parse()
            .unwrap()
    };
    // SQLite: the labels were answered after the writer's log flush (PostgreSQL flushes at
    // commit, and has none), and the server's background task copied the log into the
    // database file (it starts with the server and runs every tenth of a second).
    let flushes = count("mudou_write_flush_seconds");
    let checkpoints = count("mudou_checkpoint_seconds");
    match app.state.store.backend() {
        mudou_store::Backend::Sqlite => {
            assert!(flushes >= 1, "{flushes}");
            assert!(checkpoints >= 1, "{checkpoints}");
        }
        mudou_store::Backend::Postgres => {
            assert_eq!(flushes, 0);
            assert_eq!(checkpoints, 0);
        }
    }
    // The Grafana dashboard in the repository charts only metrics that exist.
    let dash: Value = serde_json::from_str(
        &std::fs::read_to_string(format!(
            "{}/../../ops/grafana/mudou-centres.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
    )
    .unwrap();
    let mut charted = 0;
    for panel in dash["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().unwrap() {
            let expr = target["expr"].as_str().unwrap();
            for name in expr
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .filter(|w| w.starts_with("mudou_"))
            {
                assert!(
                    m.contains(&format!("\n{name}{{")),
                    "{name} is charted but not exported"
                );
                charted += 1;
            }
        }
    }
    assert!(charted >= 10);
});

fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

both!(a_pay_run_pays_the_ledger_exactly_and_only_once, |app| {
    let w = app.world().await;
    let f = fixture(&app, &w).await;
    let lead = app.browser();
    lead.login("lead_a").await.ok();
    let admin = app.browser();
    admin.login("admin").await.ok();
    // Adjustments: a lead's for their own people only, and an admin's.
    let adj = lead
        .post(
            "/api/v1/centre/adjustments",
            json!({"annotator_id": w.ann_a1, "amount_fen": 500, "reason": "夜班补贴"}),
        )
        .await;
    assert_eq!(adj.status.as_u16(), 201, "{}", adj.body);
    let lead_b = app.browser();
    lead_b.login("lead_b").await.ok();
    let foreign = lead_b
        .post(
            "/api/v1/centre/adjustments",
            json!({"annotator_id": w.ann_a1, "amount_fen": 500, "reason": "x"}),
        )
        .await;
    assert_eq!(foreign.status.as_u16(), 404);
    for bad in [
        json!({"annotator_id": w.ann_a1, "amount_fen": 0, "reason": "x"}),
        json!({"annotator_id": w.ann_a1, "amount_fen": 5, "reason": "  "}),
    ] {
        assert_eq!(
            lead.post("/api/v1/centre/adjustments", bad)
                .await
                .status
                .as_u16(),
            422
        );
    }
    let minus = admin
        .post(
            "/api/v1/admin/adjustments",
            json!({"annotator_id": w.ann_a2, "amount_fen": -100, "reason": "多算了"}),
        )
        .await;
    let minus_id = minus.ok()["id"].as_i64().unwrap();
    // A mistaken adjustment is taken back by a reversal, once.
    let oops = lead
        .post(
            "/api/v1/centre/adjustments",
            json!({"annotator_id": w.ann_a2, "amount_fen": 999, "reason": "写错了"}),
        )
        .await;
    let oops_id = oops.ok()["id"].as_i64().unwrap();
    let rev = lead
        .post(
            &format!("/api/v1/centre/adjustments/{oops_id}/reverse"),
            json!({"reason": "金额写错"}),
        )
        .await;
    assert_eq!(rev.status.as_u16(), 201);
    let twice = lead
        .post(
            &format!("/api/v1/centre/adjustments/{oops_id}/reverse"),
            json!({"reason": "again"}),
        )
        .await;
    twice.refused(mudou_domain::ErrorCode::Conflict);
    let list = lead.get("/api/v1/centre/adjustments").await;
    let list = list.ok()["items"].as_array().unwrap().clone();
    assert_eq!(list.len(), 3, "the lead sees the centre's adjustments");
    // The admin sees a centre's adjustments, theirs and its leads', and no other centre's.
    let of_a = admin
        .get(&format!(
            "/api/v1/admin/adjustments?centre_id={}",
            w.centre_a
        ))
        .await;
    assert_eq!(of_a.ok()["items"], json!(list));
    let of_b = admin
        .get(&format!(
            "/api/v1/admin/adjustments?centre_id={}",
            w.centre_b
        ))
        .await;
    assert_eq!(of_b.ok()["items"], json!([]));
    let none = admin.get("/api/v1/admin/adjustments?centre_id=999").await;
    assert_eq!(none.status.as_u16(), 404);
    let bare = admin.get("/api/v1/admin/adjustments").await;
    assert_eq!(bare.status.as_u16(), 422, "{}", bare.body);
    let as_lead = lead
        .get(&format!(
            "/api/v1/admin/adjustments?centre_id={}",
            w.centre_a
        ))
        .await;
    assert_eq!(as_lead.status.as_u16(), 403);
    assert_eq!(
        list.iter().find(|a| a["id"] == oops_id).unwrap()["reversed_reason"],
        "金额写错"
    );
    let e = f.a2.get("/api/v1/me/earnings").await;
    assert_eq!(e.ok()["confirmed_fen"], 30 - 100);
    let lines = f.a2.get("/api/v1/me/earnings/entries").await;
    let lines = lines.ok()["entries"].as_array().unwrap().clone();
    let taken_back = lines.iter().find(|l| l["id"] == oops_id).unwrap();
    assert_eq!(taken_back["state"], "not_paid");
    assert_eq!(
        lines.iter().find(|l| l["id"] == minus_id).unwrap()["reason"],
        "多算了"
    );

    // What a run would pay now matches what each worker is owed.
    let preview = admin
        .get(&format!(
            "/api/v1/admin/payroll-preview?centre_id={}",
            w.centre_a
        ))
        .await;
    let preview = preview.ok()["items"].as_array().unwrap().clone();
    assert_eq!(preview.len(), 2);

    // Close this month for centre A.
    let period = {
        let e = f.a1.get("/api/v1/me/earnings").await;
        e.body["period"].as_str().unwrap().to_owned()
    };
    // The preview of a month is what closing that month pays: this month's is the same as
    // up to now; a month long before any work pays nothing; a bad month is refused.
    let of = |p: &str| {
        format!(
            "/api/v1/admin/payroll-preview?centre_id={}&period={p}",
            w.centre_a
        )
    };
    let this_month = admin.get(&of(&period)).await;
    assert_eq!(this_month.ok()["items"].as_array().unwrap(), &preview);
    let long_ago = admin.get(&of("2001-01")).await;
    assert_eq!(long_ago.ok()["items"], json!([]));
    let bad = admin.get(&of("2026-13")).await;
    assert_eq!(bad.status.as_u16(), 422, "{}", bad.body);
    assert_eq!(bad.body["error"]["code"], "validation");
    let run = admin
        .post(
            "/api/v1/admin/pay-runs",
            json!({"centre_id": w.centre_a, "period": period}),
        )
        .await;
    assert_eq!(run.status.as_u16(), 201, "{}", run.body);
    let r = run.body["run"].clone();
    assert_eq!(run.body["created"], true);
    // a1: 3 labels, ¥0.30 + ¥5.00; a2: 3 labels, ¥0.30 − ¥1.00 (+ ¥9.99 − ¥9.99).
    assert_eq!(r["total_fen"], 30 + 500 + 30 - 100);
    assert_eq!(r["workers"], 2);
    let csv_url = r["payroll_url"].as_str().unwrap().to_owned();
    let get_csv = || async {
        let res = admin
            .http
            .get(format!("{}{csv_url}", app.url))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200);
        res.bytes().await.unwrap()
    };
    let first = get_csv().await;
    let rows = parse_csv(std::str::from_utf8(&first).unwrap());
    let want = |name: &str, id: i64, rest: [&str; 4]| {
        let mut r = vec![name.to_owned(), id.to_string()];
        r.extend(rest.iter().map(|s| s.to_string()));
        r
    };
    assert_eq!(
        rows,
        vec![
            ["worker", "id", "labels", "gross", "adjustments", "total"]
                .map(String::from)
                .to_vec(),
            want("王芳", w.ann_a1, ["3", "0.30", "5.00", "5.30"]),
            want("李娜", w.ann_a2, ["3", "0.30", "-1.00", "-0.70"]),
        ]
    );
    // The CSV's totals are the ledger's, to the fen.
    let (_, ledger_sum) = app
        .state
        .store
        .ledger_totals(Some(mudou_domain::CentreId::new(w.centre_a)))
        .await
        .unwrap();
    let csv_sum: i64 = rows[1..]
        .iter()
        .map(|r| (r[5].parse::<f64>().unwrap() * 100.0).round() as i64)
        .sum();
    assert_eq!(csv_sum, ledger_sum);
    let ledger_before = app.state.store.ledger_entries(0, 100_000).await.unwrap();

    // Closing it again changes nothing.
    let again = admin
        .post(
            "/api/v1/admin/pay-runs",
            json!({"centre_id": w.centre_a, "period": period}),
        )
        .await;
    assert_eq!(again.status.as_u16(), 200);
    assert_eq!(again.body["created"], false);
    assert_eq!(again.body["run"], r);
    assert_eq!(get_csv().await, first);
    assert_eq!(
        app.state.store.ledger_entries(0, 100_000).await.unwrap(),
        ledger_before
    );

    // The worker sees it paid.
    let e = f.a1.get("/api/v1/me/earnings").await;
    let e = e.ok();
    assert_eq!(
        (e["paid_fen"].as_i64(), e["confirmed_fen"].as_i64()),
        (Some(530), Some(0))
    );
    let lines = f.a1.get("/api/v1/me/earnings/entries").await;
    assert!(
        lines.ok()["entries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["state"] == "paid" && l["paid_in"] == period.as_str())
    );
    // A closed month changes only through adjustments, paid in a later run.
    lead.post(
        "/api/v1/centre/adjustments",
        json!({"annotator_id": w.ann_a1, "amount_fen": 200, "reason": "补发"}),
    )
    .await
    .ok();
    let e = f.a1.get("/api/v1/me/earnings").await;
    assert_eq!(e.ok()["confirmed_fen"], 200);
    assert_eq!(
        get_csv().await,
        first,
        "the closed run's payroll stays as it was"
    );

    // Refusals: an earlier month after a later one, a month not begun, a bad period, a
    // non-admin.
    let (y, m) = period.split_once('-').unwrap();
    let (y, m): (i32, i32) = (y.parse().unwrap(), m.parse().unwrap());
    let prev = if m == 1 {
        format!("{}-12", y - 1)
    } else {
        format!("{y}-{:02}", m - 1)
    };
    let next = if m == 12 {
        format!("{}-01", y + 1)
    } else {
        format!("{y}-{:02}", m + 1)
    };
    let earlier = admin
        .post(
            "/api/v1/admin/pay-runs",
            json!({"centre_id": w.centre_a, "period": prev}),
        )
        .await;
    earlier.refused(mudou_domain::ErrorCode::PeriodClosed);
    let future = admin
        .post(
            "/api/v1/admin/pay-runs",
            json!({"centre_id": w.centre_a, "period": next}),
        )
        .await;
    assert_eq!(future.status.as_u16(), 422, "{}", future.body);
    let bad = admin
        .post(
            "/api/v1/admin/pay-runs",
            json!({"centre_id": w.centre_a, "period": "2026-13"}),
        )
        .await;
    assert_eq!(bad.status.as_u16(), 422);
    assert_eq!(
        lead.post(
            "/api/v1/admin/pay-runs",
            json!({"centre_id": w.centre_a, "period": period})
        )
        .await
        .status
        .as_u16(),
        403
    );
    let runs = admin.get("/api/v1/admin/pay-runs").await;
    assert_eq!(runs.ok()["items"].as_array().unwrap().len(), 1);
    let detail = admin
        .get(&format!("/api/v1/admin/pay-runs/{}", r["id"]))
        .await;
    assert_eq!(detail.ok()["lines"].as_array().unwrap().len(), 2);
    assert!(app.state.store.ledger_audit().await.unwrap().is_empty());
});

both!(bonus_policy_round_trips, |app| {
    let w = app.world().await;
    let admin = app.browser();
    admin.login("admin").await.ok();
    let path = format!("/api/v1/admin/centres/{}/bonus", w.centre_a);
    assert_eq!(admin.get(&path).await.ok()["tiers"], json!([]));
    let put = admin
        .http
        .put(format!("{}{path}", app.url))
        .json(
            &json!({"min_gold": 20, "tiers": [{"min_accuracy_pct": 98, "bonus_pct": 10},
                                                 {"min_accuracy_pct": 95, "bonus_pct": 5}]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(put.status().as_u16(), 200);
    let got = admin.get(&path).await;
    assert_eq!(got.ok()["tiers"][0]["min_accuracy_pct"], 95, "sorted");
    let bad = admin
        .http
        .put(format!("{}{path}", app.url))
        .json(&json!({"min_gold": 20, "tiers": [{"min_accuracy_pct": 120, "bonus_pct": 5}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 422);
    assert_eq!(
        admin
            .get("/api/v1/admin/centres/999/bonus")
            .await
            .status
            .as_u16(),
        404
    );
});

both!(
    the_ledger_holds_under_concurrent_submits_and_retries,
    |app| {
        let w = app.world().await;
        order(&app, &w, 10, 10).await;
        let people = [
            (annotator(&app, w.ann_a1, "1111", "lead_a").await, "circle"),
            (annotator(&app, w.ann_a2, "2222", "lead_a").await, "circle"),
            (annotator(&app, w.ann_b1, "3333", "lead_b").await, "square"),
        ];
        let mut units = Vec::new();
        for (b, _) in &people {
            units.push(unit(b).await);
        }
        // Every answer is sent twice at once (a retry racing the first try), everyone at once.
        // b1 answers "square" on even items only.
        let mut reqs = Vec::new();
        for (who, ((_, usual), (aid, items))) in people.iter().zip(&units).enumerate() {
            for (i, item) in items.iter().enumerate() {
                let a = if *usual == "square" && i % 2 == 1 {
                    "circle"
                } else {
                    usual
                };
                reqs.push((who, body(*aid, *item, a, 1000)));
            }
        }
        let sends = reqs.iter().flat_map(|(who, req)| {
            let b = &people[*who].0;
            [0, 1].map(move |_| async move { b.post("/api/v1/work/labels", req.clone()).await })
        });
        let outcomes = join_all(sends).await;
        let mut stored = 0;
        let mut retries = 0;
        for o in &outcomes {
            match o.ok()["status"].as_str() {
                Some("stored") => stored += 1,
                // On PostgreSQL a retry racing its first try can pass the UUID check before the
                // first commits, and is then taken as the same answer given again ("changed"):
                // dispatch's to report; for pay it is the same answer, and changes nothing.
                Some("replay") | Some("changed") => retries += 1,
                s => panic!("{s:?}"),
            }
        }
        assert_eq!((stored, retries), (30, 30));
        // Every item has three answers; a1 and a2 agree with every final answer, b1 with half.
        assert!(app.state.store.ledger_audit().await.unwrap().is_empty());
        let entries = app.state.store.ledger_entries(0, 100_000).await.unwrap();
        assert_eq!(
            entries.len(),
            25,
            "one piece per accepted label, nothing else"
        );
        for ((b, _), want) in people.iter().zip([100, 100, 50]) {
            let e = b.get("/api/v1/me/earnings").await;
            let e = e.ok();
            assert_eq!(e["confirmed_fen"], want, "{e}");
            assert_eq!(e["today_fen"], want, "{e}");
        }
        // Retrying everything again, after the fact, changes nothing either.
        for (who, req) in &reqs {
            let again = people[*who]
                .0
                .post("/api/v1/work/labels", req.clone())
                .await;
            assert_eq!(again.ok()["status"], "replay");
        }
        assert_eq!(
            app.state.store.ledger_entries(0, 100_000).await.unwrap(),
            entries
        );
    }
);

// A worker paused by the too-fast rule is told at once (the answer that set it off says
// `paused`), and `/me/pauses` says why with the rule's figures, what the left-out stretch
// cost, and who can lift it; a lead's pause says so, with the lead's name and note. Each
// worker sees only their own pauses; only annotators have them.
both!(a_paused_worker_is_told_why_and_by_whom, |app| {
    let w = app.world().await;
    let id = order(&app, &w, 12, 6).await;
    let lead = app.browser();
    lead.login("lead_a").await.ok();
    let rules = lead.get(&format!("/api/v1/lead/orders/{id}/rules")).await;
    let mut r = rules.ok().clone();
    r["fast_min_labels"] = json!(5);
    r["fast_seconds"] = json!(1.0);
    r["spam_enabled"] = json!(false);
    r["gold_enabled"] = json!(false);
    lead.put(&format!("/api/v1/lead/orders/{id}/rules"), r)
        .await
        .ok();

    let a1 = annotator(&app, w.ann_a1, "1111", "lead_a").await;
    let (aid, mut items) = unit(&a1).await;
    items.sort_unstable();
    let mut told = Vec::new();
    for item in &items {
        let l = a1
            .post("/api/v1/work/labels", body(aid, *item, "circle", 150))
            .await;
        told.push(l.ok()["paused"].as_str().map(str::to_owned));
    }
    assert_eq!(told[..4], [None, None, None, None], "{told:?}");
    assert_eq!(
        told[4].as_deref(),
        Some("too_fast"),
        "the fifth quick answer sets the rule off, and its answer says so: {told:?}"
    );
    assert_eq!(told[5].as_deref(), Some("too_fast"));
    // The stretch is left out by the sweep, a moment later.
    let mut p = Value::Null;
    for _ in 0..100 {
        p = a1.get("/api/v1/me/pauses").await.ok().clone();
        if p["pauses"][0]["unpaid_labels"].as_i64() == Some(6) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let pause = &p["pauses"][0];
    assert_eq!(p["pauses"].as_array().unwrap().len(), 1, "{p}");
    assert_eq!(pause["reason"], "too_fast");
    assert_eq!(pause["by"], "rule");
    assert_eq!(pause["by_name"], Value::Null);
    assert_eq!(pause["order_id"], id);
    assert_eq!(pause["order_name"], "形状");
    assert_eq!(pause["figures"]["median_seconds"], 0.15, "{pause}");
    assert_eq!(pause["figures"]["threshold_seconds"], 1.0);
    assert_eq!(pause["unpaid_labels"], 6, "{pause}");
    assert_eq!(pause["unpaid_fen"], 60);
    assert_eq!(p["leads"], json!(["lead_a"]), "{p}");
    let unpaid = a1.get("/api/v1/me/earnings/unpaid").await;
    assert!(
        unpaid.ok()["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["reason"] == "paused:too_fast"),
        "{}",
        unpaid.body
    );

    // A lead's pause: all work, with the lead's name and note, no figures.
    let a2 = annotator(&app, w.ann_a2, "2222", "lead_a").await;
    assert!(
        a2.get("/api/v1/me/pauses").await.ok()["pauses"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    lead.post(
        "/api/v1/lead/pauses",
        json!({"annotator_id": w.ann_a2, "note": "先来找我"}),
    )
    .await
    .ok();
    let p2 = a2.get("/api/v1/me/pauses").await;
    let pause = &p2.ok()["pauses"][0];
    assert_eq!(pause["reason"], "lead");
    assert_eq!(pause["by"], "lead");
    assert_eq!(pause["note"], "先来找我");
    assert_eq!(pause["order_id"], Value::Null);
    assert_eq!(pause["figures"], Value::Null);
    assert!(
        pause["by_name"].as_str().is_some_and(|n| !n.is_empty()),
        "{pause}"
    );
    // a1 still sees only their own
    assert_eq!(
        a1.get("/api/v1/me/pauses").await.ok()["pauses"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // Lifted: still listed for a day (what it cost still shows in today's earnings), as lifted.
    let pid = pause["id"].as_i64().unwrap();
    lead.post(&format!("/api/v1/lead/pauses/{pid}/lift"), json!({}))
        .await
        .ok();
    let p2 = a2.get("/api/v1/me/pauses").await;
    assert_eq!(p2.ok()["pauses"][0]["id"], pid);
    assert!(
        p2.body["pauses"][0]["lifted_at"].as_i64().is_some(),
        "{}",
        p2.body
    );
    assert_eq!(p["pauses"][0]["lifted_at"], Value::Null);
    assert_eq!(lead.get("/api/v1/me/pauses").await.status.as_u16(), 403);
    assert_eq!(
        app.browser().get("/api/v1/me/pauses").await.status.as_u16(),
        401
    );
});

// The earnings chart's days: every day listed, oldest first, today's work on the last.
both!(an_annotators_days_list_every_day_with_its_pay, |app| {
    let w = app.world().await;
    let f = fixture(&app, &w).await;
    let d = f.a1.get("/api/v1/me/earnings/days?days=3").await;
    let days = d.ok()["items"].as_array().unwrap().clone();
    assert_eq!(days.len(), 3, "{}", d.body);
    assert!(
        days.windows(2)
            .all(|p| p[0]["day_start"].as_i64() < p[1]["day_start"].as_i64())
    );
    assert_eq!(
        (&days[2]["fen"], &days[2]["labels"], &days[2]["not_paid"]),
        (&json!(30), &json!(4), &json!(1)),
        "{days:?}"
    );
    assert_eq!(
        (&days[0]["fen"], &days[0]["labels"]),
        (&json!(0), &json!(0))
    );
    assert_eq!(
        f.a1.get("/api/v1/me/earnings/days").await.ok()["items"]
            .as_array()
            .unwrap()
            .len(),
        14
    );
    for bad in ["0", "32"] {
        let r =
            f.a1.get(&format!("/api/v1/me/earnings/days?days={bad}"))
                .await;
        r.refused(mudou_domain::ErrorCode::Validation);
    }
    let r = f.a1.get("/api/v1/me/earnings/days?days=x").await;
    assert_eq!(r.status.as_u16(), 400, "{}", r.body);
    let lead = app.browser();
    lead.login("lead_a").await.ok();
    assert_eq!(
        lead.get("/api/v1/me/earnings/days").await.status.as_u16(),
        403
    );
});
both!(
    the_preview_of_a_month_pays_the_bonus_its_closing_pays,
    |app| {
        use crate::sim::{SimWorker, gold_items, text_order, text_spec};
        let w = app.world().await;
        let admin = app.browser();
        admin.login("admin").await.ok();
        admin
            .put(
                &format!("/api/v1/admin/centres/{}/bonus", w.centre_a),
                json!({"min_gold": 1, "tiers": [{"min_accuracy_pct": 50, "bonus_pct": 10},
                                             {"min_accuracy_pct": 90, "bonus_pct": 20}]}),
            )
            .await
            .ok();
        let overlap = json!({"kind": "fixed", "n": 2});
        let spec = text_spec("奖金月", overlap, 0.25, 3, 4);
        let t = text_order(&app, w.org_a, "client_a", 12, spec).await;
        assert_eq!(gold_items(&app, t.id).await.len(), 3);
        // Both always right: the 20 % tier.
        let mut a1 = SimWorker::new(&app, w.ann_a1, "1111", "lead_a", 1.0, 2500, 1).await;
        let mut a2 = SimWorker::new(&app, w.ann_a2, "2222", "lead_a", 1.0, 3000, 2).await;
        while a1.do_unit(&t.truth).await.is_some() {}
        while a2.do_unit(&t.truth).await.is_some() {}
        let period = a1.browser.get("/api/v1/me/earnings").await.ok()["period"]
            .as_str()
            .unwrap()
            .to_owned();
        let lines = |g: &crate::Got| -> Vec<(i64, i64, i64, i64, i64)> {
            g.ok()["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| {
                    let n = |k: &str| l[k].as_i64().unwrap();
                    (
                        n("annotator_id"),
                        n("labels"),
                        n("gross_fen"),
                        n("adjustments_fen"),
                        n("total_fen"),
                    )
                })
                .collect()
        };
        let base = format!("/api/v1/admin/payroll-preview?centre_id={}", w.centre_a);
        let owed = lines(&admin.get(&base).await);
        let preview = lines(&admin.get(&format!("{base}&period={period}")).await);
        assert_eq!(preview.len(), 2, "{preview:?}");
        // The month's preview adds each worker's bonus to gross pay; what is owed without a
        // month has none.
        assert_eq!(owed.len(), 2);
        for (p, o) in preview.iter().zip(&owed) {
            assert_eq!((p.0, p.1, p.3), (o.0, o.1, o.3));
            let bonus = p.4 - o.4;
            assert_eq!(bonus, p.2 - o.2, "the bonus is gross pay");
            assert!(
                bonus > 0 && bonus == o.2 * 20 / 100,
                "{preview:?} vs {owed:?}"
            );
        }
        // Closing pays exactly the preview, worker by worker.
        let run = admin
            .post(
                "/api/v1/admin/pay-runs",
                json!({"centre_id": w.centre_a, "period": period}),
            )
            .await;
        assert_eq!(run.status.as_u16(), 201, "{}", run.body);
        let total: i64 = preview.iter().map(|l| l.4).sum();
        assert_eq!(run.body["run"]["total_fen"].as_i64(), Some(total));
        let detail = admin
            .get(&format!("/api/v1/admin/pay-runs/{}", run.body["run"]["id"]))
            .await;
        let paid: Vec<(i64, i64, i64, i64, i64)> = detail.ok()["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                let n = |k: &str| l[k].as_i64().unwrap();
                (
                    n("annotator_id"),
                    n("labels"),
                    n("gross_fen"),
                    n("adjustments_fen"),
                    n("total_fen"),
                )
            })
            .collect();
        assert_eq!(paid, preview);
        // A closed month's preview pays no bonus again: nothing is left to pay.
        let after = lines(&admin.get(&format!("{base}&period={period}")).await);
        assert_eq!(after, vec![]);
    }
);
