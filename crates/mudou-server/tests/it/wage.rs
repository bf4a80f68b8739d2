//! The fair-wage check (issue 30, item 6) over HTTP: an admin sets a centre's minimum
//! hourly wage and policy (bad values refused); the order form's check computes the expected
//! hourly earning from past work and flags a rate under the floor; a refusing centre blocks
//! publishing with `wage_below_floor`; the lead's reports show effective hourly earnings;
//! a slow-paying open order alerts the centre's leads and the admins, once; and nobody
//! outside the centre or the organisation sees or changes any of it.

use bytes::Bytes;
use mudou_app::ingest::{IncomingImage, add_images};
use mudou_domain::ErrorCode;
use serde_json::{Value, json};

use crate::{Browser, TestApp, World, both};

fn label(key: &str, hot: char) -> Value {
    json!({"key": key, "name_zh": key, "name_en": key, "colour": "#1e88e5", "hotkey": hot.to_string()})
}

fn spec(rate: i64, eligible: &[i64]) -> Value {
    json!({
        "name": "形状",
        "task_type": "single_choice",
        "labels": [label("circle", '1'), label("square", '2')],
        "overlap": {"kind": "fixed", "n": 1},
        "max_gold_items": 0,
        "unit_size": 20,
        "piece_rate_fen": rate,
        "pay_on": "submit",
        "eligible_centres": eligible
    })
}

async fn logged_in(app: &TestApp, who: &str) -> Browser {
    let b = app.browser();
    b.login(who).await.ok();
    b
}

/// A draft order of org A over `n` shapes pictures at `rate` fen an answer.
async fn draft(
    app: &TestApp,
    w: &World,
    c: &Browser,
    n: usize,
    rate: i64,
    eligible: &[i64],
) -> i64 {
    let ds = app
        .dataset(w.org_a, &format!("d{}", uuid::Uuid::new_v4().simple()))
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
    let o = c
        .post(
            "/api/v1/orders",
            json!({"dataset_id": ds.id, "spec": spec(rate, eligible)}),
        )
        .await;
    o.ok()["id"].as_i64().unwrap()
}

/// Annotator `user_id` of lead's centre answers a whole unit, `ms` each.
async fn answer_unit(app: &TestApp, user_id: i64, pin: &str, lead: &str, ms: i64) -> usize {
    let b = app.browser();
    b.enrol_as(lead).await;
    b.pin(user_id, pin).await.ok();
    let next = b.get("/api/v1/work/next").await;
    let a = &next.ok()["assignment"];
    let aid = a["id"].as_i64().unwrap();
    let mut items: Vec<i64> = a["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["item_id"].as_i64().unwrap())
        .collect();
    items.sort_unstable();
    for item in &items {
        b.post(
            "/api/v1/work/labels",
            json!({"client_uuid": uuid::Uuid::new_v4().to_string(), "assignment_id": aid, "item_id": item,
                   "answer": {"label": "circle"}, "duration_ms": ms}),
        )
        .await
        .ok();
    }
    b.post(&format!("/api/v1/work/assignments/{aid}/submit"), json!({}))
        .await
        .ok();
    items.len()
}

/// The `wage_low` alerts a lead or admin reads at `path`.
async fn alerts(b: &Browser, path: &str) -> Vec<Value> {
    let r = b.get(path).await;
    r.ok()["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["data"]["event"] == "wage_low")
        .cloned()
        .collect()
}

async fn set_floor(admin: &Browser, centre: i64, fen: i64, policy: &str) {
    admin
        .put(
            &format!("/api/v1/admin/centres/{centre}/wage"),
            json!({"min_hourly_wage_fen": fen, "wage_policy": policy}),
        )
        .await
        .ok();
}

both!(
    an_admin_sets_a_centres_floor_and_bad_values_are_refused,
    |app| {
        let w = app.world().await;
        let admin = logged_in(&app, "admin").await;
        let path = format!("/api/v1/admin/centres/{}/wage", w.centre_a);
        let r = admin
            .put(
                &path,
                json!({"min_hourly_wage_fen": 2000, "wage_policy": "refuse"}),
            )
            .await;
        let c = r.ok();
        assert_eq!(c["min_hourly_wage_fen"], 2000, "{c}");
        assert_eq!(c["wage_policy"], "refuse");
        let list = admin.get("/api/v1/admin/centres").await;
        let list = list.ok()["items"].as_array().unwrap().clone();
        let a = list.iter().find(|c| c["id"] == w.centre_a).unwrap();
        let b = list.iter().find(|c| c["id"] == w.centre_b).unwrap();
        assert_eq!(
            (a["min_hourly_wage_fen"].clone(), a["wage_policy"].clone()),
            (json!(2000), json!("refuse"))
        );
        assert_eq!(
            (b["min_hourly_wage_fen"].clone(), b["wage_policy"].clone()),
            (Value::Null, json!("warn"))
        );

        // Negative, zero and absurd wages, and an unknown policy, change nothing.
        for bad in [
            json!(-500),
            json!(0),
            json!(100_001),
            json!(9_000_000_000i64),
        ] {
            let r = admin
                .put(
                    &path,
                    json!({"min_hourly_wage_fen": bad, "wage_policy": "warn"}),
                )
                .await;
            r.refused(ErrorCode::Validation);
            assert_eq!(
                r.body["error"]["field"], "min_hourly_wage_fen",
                "{}",
                r.body
            );
        }
        for bad in [
            json!({"min_hourly_wage_fen": 2000, "wage_policy": "sometimes"}),
            json!({"min_hourly_wage_fen": "twenty"}),
            json!({"min_hourly_wage_fen": 2000, "extra": 1}),
        ] {
            let r = admin.put(&path, bad).await;
            assert!(r.status.is_client_error(), "{} {}", r.status, r.body);
            assert!(!r.code().is_empty(), "{}", r.body);
        }
        let c = admin.get("/api/v1/admin/centres").await;
        let items = c.ok()["items"].as_array().unwrap().clone();
        let a = items.iter().find(|c| c["id"] == w.centre_a).unwrap();
        assert_eq!(a["min_hourly_wage_fen"], 2000);
        assert_eq!(a["wage_policy"], "refuse");

        // An unknown centre is not found; no floor at all is allowed.
        admin
            .put(
                "/api/v1/admin/centres/99999/wage",
                json!({"min_hourly_wage_fen": 2000}),
            )
            .await
            .refused(ErrorCode::NotFound);
        let r = admin
            .put(
                &format!("/api/v1/admin/centres/{}/wage", w.centre_b),
                json!({"min_hourly_wage_fen": null}),
            )
            .await;
        assert_eq!(r.ok()["min_hourly_wage_fen"], Value::Null);

        // Leads and clients may not set it.
        for who in ["lead_a", "client_a"] {
            let b = logged_in(&app, who).await;
            b.put(&path, json!({"min_hourly_wage_fen": 1}))
                .await
                .refused(ErrorCode::Forbidden);
        }
    }
);

both!(
    the_check_computes_from_history_and_a_refusing_centre_blocks_publishing,
    |app| {
        let w = app.world().await;
        let admin = logged_in(&app, "admin").await;
        let client = logged_in(&app, "client_a").await;
        set_floor(&admin, w.centre_a, 2000, "warn").await;
        let check = |rate: i64, extra: Value| {
            let mut body = json!({"task_type": "single_choice", "piece_rate_fen": rate});
            for (k, v) in extra.as_object().unwrap() {
                body[k] = v.clone();
            }
            body
        };

        // No past work: 20 s an answer is assumed (180 an hour); 10 fen → 1800 fen/h, under 20 yuan.
        let r = client
            .post("/api/v1/orders/wage-check", check(10, json!({})))
            .await;
        let c = r.ok();
        assert_eq!(c["basis"], "assumed", "{c}");
        assert_eq!(c["assumed_seconds_per_answer"], 20);
        assert_eq!(c["expected_fen_per_hour"], 1800);
        assert_eq!(c["under"], true);
        assert_eq!(c["refused"], false);
        let floors = c["centres"].as_array().unwrap();
        assert_eq!(floors.len(), 1, "only centre A has a floor: {c}");
        assert_eq!(floors[0]["centre_id"], w.centre_a);
        assert_eq!(floors[0]["floor_fen"], 2000);
        assert_eq!(floors[0]["under"], true);

        // Past work of the kind: 20 answers in 30 s each (120 an hour). Publishing under a
        // warning centre's floor goes through, with the warning in the answer.
        let first = draft(&app, &w, &client, 20, 10, &[]).await;
        let p = client
            .post(&format!("/api/v1/orders/{first}/publish"), json!({}))
            .await;
        let p = p.ok();
        assert_eq!(p["state"], "open");
        assert_eq!(p["wage"]["under"], true, "{p}");
        assert_eq!(p["wage"]["refused"], false);
        assert_eq!(
            answer_unit(&app, w.ann_a1, "1111", "lead_a", 30_000).await,
            20
        );

        let c = client
            .post("/api/v1/orders/wage-check", check(10, json!({})))
            .await;
        let c = c.ok();
        assert_eq!(c["basis"], "history", "{c}");
        assert_eq!(c["basis_answers"], 20);
        assert_eq!(c["basis_active_ms"], 600_000);
        assert_eq!(c["answers_per_hour"], 120.0);
        assert_eq!(c["expected_fen_per_hour"], 1200, "10 fen × 120 an hour");
        assert_eq!(c["under"], true);
        let c = client
            .post("/api/v1/orders/wage-check", check(20, json!({})))
            .await;
        let c = c.ok();
        assert_eq!(
            (c["expected_fen_per_hour"].as_i64(), c["under"].as_bool()),
            (Some(2400), Some(false))
        );
        // The order's own answers count for itself.
        let c = client
            .post(
                "/api/v1/orders/wage-check",
                check(10, json!({"order_id": first})),
            )
            .await;
        assert_eq!(c.ok()["basis"], "order", "{}", c.body);
        // Only centres the order may go to: B has no floor.
        let c = client
            .post(
                "/api/v1/orders/wage-check",
                check(10, json!({"eligible_centres": [w.centre_b]})),
            )
            .await;
        let c = c.ok();
        assert_eq!(
            (c["under"].as_bool(), c["centres"].as_array().unwrap().len()),
            (Some(false), 0)
        );

        // Centre A now refuses: a 10-fen draft is not published, and stays a draft.
        set_floor(&admin, w.centre_a, 2000, "refuse").await;
        let c = client
            .post("/api/v1/orders/wage-check", check(10, json!({})))
            .await;
        assert_eq!(c.ok()["refused"], true);
        let second = draft(&app, &w, &client, 4, 10, &[]).await;
        let r = client
            .post(&format!("/api/v1/orders/{second}/publish"), json!({}))
            .await;
        r.refused(ErrorCode::WageBelowFloor);
        assert_eq!(r.body["error"]["centre_id"], w.centre_a, "{}", r.body);
        assert_eq!(r.body["error"]["expected_fen_per_hour"], 1200);
        assert_eq!(r.body["error"]["floor_fen"], 2000);
        let o = client.get(&format!("/api/v1/orders/{second}")).await;
        let o = o.ok();
        assert_eq!(
            (o["state"].as_str(), o["counts"]["units"].as_i64()),
            (Some("draft"), Some(0))
        );
        // At a fair rate it goes through.
        let mut s = spec(20, &[]);
        s["name"] = json!("形状2");
        client
            .put(&format!("/api/v1/orders/{second}"), json!({"spec": s}))
            .await
            .ok();
        let p = client
            .post(&format!("/api/v1/orders/{second}/publish"), json!({}))
            .await;
        let p = p.ok();
        assert_eq!(
            (p["state"].as_str(), p["wage"]["under"].as_bool()),
            (Some("open"), Some(false))
        );
        // Leaving the refusing centre out also goes through.
        let third = draft(&app, &w, &client, 4, 10, &[w.centre_b]).await;
        client
            .post(&format!("/api/v1/orders/{third}/publish"), json!({}))
            .await
            .ok();

        // Bad input, and scope: another organisation's order is not found; staff may not ask.
        for bad in [
            check(-1, json!({})),
            check(100_001, json!({})),
            check(10, json!({"box_rate_fen": -3})),
        ] {
            client
                .post("/api/v1/orders/wage-check", bad)
                .await
                .refused(ErrorCode::Validation);
        }
        let r = client
            .post(
                "/api/v1/orders/wage-check",
                json!({"task_type": "painting", "piece_rate_fen": 10}),
            )
            .await;
        assert!(
            r.status.is_client_error() && !r.code().is_empty(),
            "{}",
            r.body
        );
        let other = logged_in(&app, "client_b").await;
        other
            .post(
                "/api/v1/orders/wage-check",
                check(10, json!({"order_id": first})),
            )
            .await
            .refused(ErrorCode::NotFound);
        let lead = logged_in(&app, "lead_a").await;
        lead.post("/api/v1/orders/wage-check", check(10, json!({})))
            .await
            .refused(ErrorCode::Forbidden);
    }
);

both!(
    a_slow_paying_open_order_shows_on_the_dashboard_and_alerts_once,
    |app| {
        let w = app.world().await;
        let admin = logged_in(&app, "admin").await;
        let client = logged_in(&app, "client_a").await;
        set_floor(&admin, w.centre_a, 2000, "warn").await;
        set_floor(&admin, w.centre_b, 2000, "warn").await;
        let order = draft(&app, &w, &client, 20, 10, &[]).await;
        client
            .post(&format!("/api/v1/orders/{order}/publish"), json!({}))
            .await
            .ok();
        // 20 answers of 200 s: 4000 s of work (over an hour) for 200 fen: 180 fen an hour.
        assert_eq!(
            answer_unit(&app, w.ann_a1, "1111", "lead_a", 200_000).await,
            20
        );

        let lead_a = logged_in(&app, "lead_a").await;
        let lead_b = logged_in(&app, "lead_b").await;
        let people = lead_a.get("/api/v1/reports/annotators").await;
        let people = people.ok()["items"].as_array().unwrap().clone();
        let a1 = people
            .iter()
            .find(|p| p["annotator_id"] == w.ann_a1)
            .unwrap();
        assert_eq!(a1["pay_fen"], 200, "{a1}");
        assert_eq!(a1["answer_ms"], 4_000_000);
        assert_eq!(a1["fen_per_hour"], 180);
        assert_eq!(a1["floor_fen"], 2000);
        assert_eq!(a1["below_floor"], true);
        let orders = lead_a.get("/api/v1/reports/orders").await;
        let orders = orders.ok()["items"].as_array().unwrap().clone();
        let o = orders.iter().find(|o| o["order_id"] == order).unwrap();
        assert_eq!(
            (o["fen_per_hour"].as_i64(), o["below_floor"].as_bool()),
            (Some(180), Some(true)),
            "{o}"
        );
        // The CSV carries the hourly earning too.
        let csv = lead_a
            .http
            .get(format!(
                "{}/api/v1/reports/annotators?format=csv",
                lead_a.url
            ))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            csv.contains("yuan_per_hour") && csv.contains(",1.80"),
            "{csv}"
        );

        // Nothing is told before the sweep; then the centre's leads and the admins, once.
        assert!(alerts(&lead_a, "/api/v1/lead/alerts").await.is_empty());
        assert_eq!(mudou_app::wage::sweep(&app.state).await.unwrap(), 1);
        assert_eq!(
            mudou_app::wage::sweep(&app.state).await.unwrap(),
            0,
            "once per order and centre"
        );
        let mine = alerts(&lead_a, "/api/v1/lead/alerts").await;
        assert_eq!(mine.len(), 1, "{mine:?}");
        assert_eq!(mine[0]["order_id"], order);
        assert_eq!(mine[0]["data"]["fen_per_hour"], 180);
        assert_eq!(mine[0]["data"]["floor_fen"], 2000);
        assert_eq!(mine[0]["data"]["centre_id"], w.centre_a);
        let theirs = alerts(&admin, "/api/v1/admin/alerts").await;
        assert_eq!(theirs.len(), 1);
        let id = theirs[0]["id"].as_i64().unwrap();
        // Another centre's lead is told nothing and cannot read the centre's figures or alerts.
        assert!(alerts(&lead_b, "/api/v1/lead/alerts").await.is_empty());
        lead_b
            .get(&format!(
                "/api/v1/reports/annotators?centre_id={}",
                w.centre_a
            ))
            .await
            .refused(ErrorCode::NotFound);
        let theirs_b = lead_b.get("/api/v1/reports/orders").await;
        assert!(
            theirs_b.ok()["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|o| o["order_id"] != order)
        );
        lead_b
            .post(
                &format!("/api/v1/lead/alerts/{}/read", mine[0]["id"]),
                json!({}),
            )
            .await
            .refused(ErrorCode::NotFound);
        lead_a
            .post(&format!("/api/v1/admin/alerts/{id}/read"), json!({}))
            .await
            .refused(ErrorCode::Forbidden);
        lead_a
            .get("/api/v1/admin/alerts")
            .await
            .refused(ErrorCode::Forbidden);
        client
            .get("/api/v1/admin/alerts")
            .await
            .refused(ErrorCode::Forbidden);
        let read = admin
            .post(&format!("/api/v1/admin/alerts/{id}/read"), json!({}))
            .await;
        assert!(read.ok()["read_at"].is_i64());
        // The admin reads any centre's report.
        let r = admin
            .get(&format!(
                "/api/v1/reports/annotators?centre_id={}",
                w.centre_a
            ))
            .await;
        assert!(
            r.ok()["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["fen_per_hour"] == 180)
        );
    }
);

both!(a_fairly_paying_order_raises_no_alert, |app| {
    let w = app.world().await;
    let admin = logged_in(&app, "admin").await;
    let client = logged_in(&app, "client_a").await;
    set_floor(&admin, w.centre_a, 2000, "warn").await;
    let order = draft(&app, &w, &client, 20, 200, &[]).await;
    client
        .post(&format!("/api/v1/orders/{order}/publish"), json!({}))
        .await
        .ok();
    // 20 answers of 200 s at 200 fen: 4000 fen for 4000 s of work, 3600 fen an hour.
    answer_unit(&app, w.ann_a1, "1111", "lead_a", 200_000).await;
    assert_eq!(mudou_app::wage::sweep(&app.state).await.unwrap(), 0);
    let lead_a = logged_in(&app, "lead_a").await;
    assert!(alerts(&lead_a, "/api/v1/lead/alerts").await.is_empty());
    let orders = lead_a.get("/api/v1/reports/orders").await;
    let orders = orders.ok()["items"].as_array().unwrap().clone();
    let o = orders.iter().find(|o| o["order_id"] == order).unwrap();
    assert_eq!(
        (o["fen_per_hour"].as_i64(), o["below_floor"].as_bool()),
        (Some(3600), Some(false)),
        "{o}"
    );
});
