//! A lead's care of their people: feedback and what the annotator sees of it, pauses,
//! rules, qualifications, levels, proposals of new leads; always within the lead's centre.

use bytes::Bytes;
use mudou_app::ingest::{IncomingImage, add_images};
use serde_json::json;

use crate::sim::{SimWorker, text_order, text_spec};
use crate::{PASSWORD, both};

fn ids(v: &serde_json::Value, field: &str) -> Vec<i64> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x[field].as_i64().unwrap())
        .collect()
}

both!(feedback_reaches_the_annotator_with_read_receipts, |app| {
    let w = app.world().await;
    let spec = text_spec("反馈", json!({"kind": "fixed", "n": 1}), 0.0, 0, 5);
    let t = text_order(&app, w.org_a, "client_a", 5, spec).await;
    let mut a1 = SimWorker::new(&app, w.ann_a1, "1111", "lead_a", 1.0, 2000, 1).await;
    let (order, done) = a1.do_unit(&t.truth).await.unwrap();
    let item = done[0];
    let a2 = crate::sim::annotator_browser(&app, w.ann_a2, "2222", "lead_a").await;

    let lead = app.browser();
    lead.login("lead_a").await.ok();
    // An annotator's home before any message: nothing, no stars yet.
    let m = a1.browser.get("/api/v1/me/messages").await;
    assert_eq!(m.ok()["messages"], json!([]));
    let q = a1.browser.get("/api/v1/me/quality").await;
    assert_eq!(q.ok()["stars"], json!(null));
    assert_eq!(q.body["level"], "trainee");
    assert_eq!(q.body["gold_answered"], 0);

    // Feedback about an item, with the right answer marked.
    let right = t.truth[&item].clone();
    let sent = lead
        .post(
            "/api/v1/lead/feedback",
            json!({"annotator_id": w.ann_a1, "text": "这条是好评，注意看最后一句", "order_id": order, "item_id": item,
                   "answer": {"label": right}}),
        )
        .await;
    assert_eq!(sent.status.as_u16(), 201, "{}", sent.body);
    assert_eq!(sent.body["read_at"], json!(null));
    lead.post(
        "/api/v1/lead/feedback",
        json!({"annotator_id": w.ann_a1, "text": "今天做得很好！"}),
    )
    .await
    .ok();

    let m = a1.browser.get("/api/v1/me/messages").await;
    let msgs = m.ok()["messages"].as_array().unwrap().clone();
    assert_eq!(msgs.len(), 2);
    assert_eq!(msgs[0]["text"], "今天做得很好！", "newest first");
    assert_eq!(msgs[0]["item"], json!(null));
    assert_eq!(msgs[0]["from_name"], "lead_a");
    let about = &msgs[1];
    assert_eq!(about["item"]["item_id"].as_i64(), Some(item));
    assert_eq!(about["item"]["answer"]["label"], json!(right));
    assert!(about["item"]["text"].as_str().unwrap().contains("review"));
    assert_eq!(
        about["item"]["thumb_url"],
        json!(null),
        "a text item has no picture"
    );
    let mut keys: Vec<&str> = about
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["created_at", "from_name", "id", "item", "read_at", "text"]
    );

    // Read receipts: the annotator opens it, the lead sees when.
    let id = about["id"].as_i64().unwrap();
    assert_eq!(
        a2.post(&format!("/api/v1/me/messages/{id}/read"), json!({}))
            .await
            .status
            .as_u16(),
        404,
        "not a2's"
    );
    let r = a1
        .browser
        .post(&format!("/api/v1/me/messages/{id}/read"), json!({}))
        .await;
    let first = r.ok()["read_at"].as_i64().unwrap();
    let r = a1
        .browser
        .post(&format!("/api/v1/me/messages/{id}/read"), json!({}))
        .await;
    assert_eq!(
        r.ok()["read_at"].as_i64(),
        Some(first),
        "the first reading counts"
    );
    let sent = lead.get("/api/v1/lead/feedback").await;
    let s = sent.ok()["items"].as_array().unwrap();
    assert_eq!(s.len(), 2);
    let read = s.iter().find(|x| x["id"].as_i64() == Some(id)).unwrap();
    assert_eq!(read["read_at"].as_i64(), Some(first));
    assert_eq!(read["to_name"], "王芳");
    let only = lead
        .get(&format!("/api/v1/lead/feedback?annotator_id={}", w.ann_a2))
        .await;
    assert!(only.ok()["items"].as_array().unwrap().is_empty());

    // What is refused: about an item a2 never labelled, another centre's annotator, bad parts.
    for (body, code) in [
        (
            json!({"annotator_id": w.ann_a2, "text": "x", "order_id": order, "item_id": item}),
            404,
        ),
        (json!({"annotator_id": w.ann_b1, "text": "x"}), 404),
        (json!({"annotator_id": w.ann_a1, "text": "  "}), 422),
        (
            json!({"annotator_id": w.ann_a1, "text": "x".repeat(501)}),
            422,
        ),
        (
            json!({"annotator_id": w.ann_a1, "text": "x", "item_id": item}),
            422,
        ),
        (
            json!({"annotator_id": w.ann_a1, "text": "x", "answer": {"label": "good"}}),
            422,
        ),
        (
            json!({"annotator_id": w.ann_a1, "text": "x", "order_id": order, "item_id": item, "answer": {"label": "cow"}}),
            422,
        ),
    ] {
        let g = lead.post("/api/v1/lead/feedback", body.clone()).await;
        assert_eq!(g.status.as_u16(), code, "{body}: {}", g.body);
    }
    // Lead B sees none of centre A's messages; staff have no /me corner.
    let lead_b = app.browser();
    lead_b.login("lead_b").await.ok();
    assert!(
        lead_b.get("/api/v1/lead/feedback").await.ok()["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(lead_b.get("/api/v1/me/messages").await.status.as_u16(), 403);
    assert_eq!(
        lead.post(&format!("/api/v1/me/messages/{id}/read"), json!({}))
            .await
            .status
            .as_u16(),
        403
    );
});

both!(leads_see_their_centres_pictures_only, |app| {
    let w = app.world().await;
    let ds = app.dataset(w.org_a, "形状").await;
    let dir = format!("{}/../../datasets/shapes", env!("CARGO_MANIFEST_DIR"));
    let files = (0..2)
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
    let mut spec = text_spec("图", json!({"kind": "fixed", "n": 1}), 0.0, 0, 5);
    spec["task_type"] = json!("single_choice");
    let o = c
        .post("/api/v1/orders", json!({"dataset_id": ds.id, "spec": spec}))
        .await;
    let oid = o.ok()["id"].as_i64().unwrap();
    c.post(&format!("/api/v1/orders/{oid}/publish"), json!({}))
        .await
        .ok();
    let mut a1 = SimWorker::new(&app, w.ann_a1, "1111", "lead_a", 1.0, 2000, 1).await;
    let (_, done) = a1.do_unit(&Default::default()).await.unwrap();
    let item = done[0];
    let lead = app.browser();
    lead.login("lead_a").await.ok();
    lead.post(
        "/api/v1/lead/feedback",
        json!({"annotator_id": w.ann_a1, "text": "看这张", "order_id": oid, "item_id": item, "answer": {"label": "good"}}),
    )
    .await;
    let m = a1.browser.get("/api/v1/me/messages").await;
    let thumb = m.ok()["messages"][0]["item"]["thumb_url"]
        .as_str()
        .unwrap()
        .to_owned();
    let fetch = |b: &crate::Browser| {
        let url = format!("{}{thumb}", b.url);
        let http = b.http.clone();
        async move { http.get(url).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(
        fetch(&a1.browser).await,
        200,
        "the annotator sees the item of the message"
    );
    assert_eq!(
        fetch(&lead).await,
        200,
        "the lead sees what the centre's people were given"
    );
    let lead_b = app.browser();
    lead_b.login("lead_b").await.ok();
    assert_eq!(fetch(&lead_b).await, 404, "another centre's lead does not");
});

both!(pauses_rules_qualifications_levels_and_new_leads, |app| {
    let w = app.world().await;
    let spec = text_spec("暂停", json!({"kind": "fixed", "n": 1}), 0.0, 0, 5);
    let t = text_order(&app, w.org_a, "client_a", 5, spec.clone()).await;
    let mut only_b = spec.clone();
    only_b["eligible_centres"] = json!([w.centre_b]);
    only_b["name"] = json!("只给B");
    let tb = text_order(&app, w.org_a, "client_a", 3, only_b).await;
    let lead = app.browser();
    lead.login("lead_a").await.ok();
    let lead_b = app.browser();
    lead_b.login("lead_b").await.ok();

    // Orders the centre looks after.
    let mine = ids(lead.get("/api/v1/lead/orders").await.ok(), "id");
    assert!(mine.contains(&t.id) && !mine.contains(&tb.id));
    assert!(ids(lead_b.get("/api/v1/lead/orders").await.ok(), "id").contains(&tb.id));

    // Pauses by hand: one live pause per worker and order; lifting starts the rules afresh.
    let p = lead
        .post(
            "/api/v1/lead/pauses",
            json!({"annotator_id": w.ann_a1, "order_id": t.id, "note": "先休息"}),
        )
        .await;
    assert_eq!(p.status.as_u16(), 201, "{}", p.body);
    assert_eq!(
        (p.body["reason"].as_str(), p.body["live"].as_bool()),
        (Some("lead"), Some(true))
    );
    assert_eq!(p.body["note"], "先休息");
    let pid = p.body["id"].as_i64().unwrap();
    let dup = lead
        .post(
            "/api/v1/lead/pauses",
            json!({"annotator_id": w.ann_a1, "order_id": t.id}),
        )
        .await;
    assert_eq!(dup.status.as_u16(), 409);
    let all_work = lead
        .post("/api/v1/lead/pauses", json!({"annotator_id": w.ann_a2}))
        .await;
    assert_eq!(all_work.status.as_u16(), 201);
    assert_eq!(all_work.body["order_id"], json!(null));
    let ex = lead
        .post(
            &format!("/api/v1/lead/pauses/{}/exclude", all_work.body["id"]),
            json!({"exclude": true}),
        )
        .await;
    assert_eq!(
        ex.status.as_u16(),
        422,
        "an all-work pause has no stretch on one order"
    );
    for body in [
        json!({"annotator_id": w.ann_b1}),
        json!({"annotator_id": w.ann_a1, "order_id": tb.id}),
        json!({"annotator_id": w.ann_a1, "order_id": 999999}),
    ] {
        assert_eq!(
            lead.post("/api/v1/lead/pauses", body.clone())
                .await
                .status
                .as_u16(),
            404,
            "{body}"
        );
    }
    let live = lead.get("/api/v1/lead/pauses?live=true").await;
    assert_eq!(ids(live.ok(), "id").len(), 2);
    assert!(
        lead_b.get("/api/v1/lead/pauses").await.ok()["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        lead_b
            .post(&format!("/api/v1/lead/pauses/{pid}/lift"), json!({}))
            .await
            .status
            .as_u16(),
        404
    );
    let lifted = lead
        .post(&format!("/api/v1/lead/pauses/{pid}/lift"), json!({}))
        .await;
    assert_eq!(lifted.ok()["live"], false);
    assert!(lifted.body["lifted_by"].is_i64());
    assert_eq!(
        lead.post(&format!("/api/v1/lead/pauses/{pid}/lift"), json!({}))
            .await
            .status
            .as_u16(),
        409
    );
    let again = lead
        .post(
            "/api/v1/lead/pauses",
            json!({"annotator_id": w.ann_a1, "order_id": t.id}),
        )
        .await;
    assert_eq!(again.status.as_u16(), 201, "a new pause after the lift");

    // Rules per order: defaults, set, checked, scoped.
    let path = format!("/api/v1/lead/orders/{}/rules", t.id);
    let r = lead.get(&path).await;
    let mut rules = r.ok().clone();
    assert_eq!(rules["gold_enabled"], true);
    assert_eq!(rules["gold_min_items"], 10);
    rules["gold_threshold"] = json!(0.8);
    rules["exclude_labels"] = json!(false);
    assert_eq!(
        lead.put(&path, rules.clone()).await.ok()["gold_threshold"],
        0.8
    );
    assert_eq!(lead.get(&path).await.ok()["exclude_labels"], false);
    assert_eq!(
        lead_b.get(&path).await.ok()["gold_threshold"],
        0.7,
        "each centre its own rules"
    );
    for (field, v) in [
        ("gold_threshold", json!(1.5)),
        ("gold_min_items", json!(0)),
        ("fast_seconds", json!(0)),
        ("spam_agreement", json!(-1)),
    ] {
        let mut bad = rules.clone();
        bad[field] = v;
        let g = lead.put(&path, bad).await;
        assert_eq!(
            (g.status.as_u16(), g.body["error"]["field"].as_str()),
            (422, Some(field))
        );
    }
    assert_eq!(
        lead.get(&format!("/api/v1/lead/orders/{}/rules", tb.id))
            .await
            .status
            .as_u16(),
        404
    );

    // Qualifications by hand.
    let g = lead
        .post(
            "/api/v1/lead/qualifications",
            json!({"annotator_id": w.ann_a1, "qualification": "medical"}),
        )
        .await;
    assert_eq!(g.status.as_u16(), 201);
    assert_eq!(g.body["source"], "lead");
    let qid = g.body["id"].as_i64().unwrap();
    let dup = lead
        .post(
            "/api/v1/lead/qualifications",
            json!({"annotator_id": w.ann_a1, "qualification": "medical"}),
        )
        .await;
    assert_eq!(dup.status.as_u16(), 409);
    for body in [
        json!({"annotator_id": w.ann_a1, "qualification": "Medical Imaging"}),
        json!({"annotator_id": w.ann_a1, "qualification": ""}),
    ] {
        assert_eq!(
            lead.post("/api/v1/lead/qualifications", body)
                .await
                .status
                .as_u16(),
            422
        );
    }
    let other = lead
        .post(
            "/api/v1/lead/qualifications",
            json!({"annotator_id": w.ann_b1, "qualification": "bbox"}),
        )
        .await;
    assert_eq!(other.status.as_u16(), 404);
    assert_eq!(
        ids(lead.get("/api/v1/lead/qualifications").await.ok(), "id"),
        [qid]
    );
    assert!(
        lead_b.get("/api/v1/lead/qualifications").await.ok()["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        lead_b
            .post(
                &format!("/api/v1/lead/qualifications/{qid}/revoke"),
                json!({})
            )
            .await
            .status
            .as_u16(),
        404
    );
    let rv = lead
        .post(
            &format!("/api/v1/lead/qualifications/{qid}/revoke"),
            json!({}),
        )
        .await;
    assert!(rv.ok()["revoked_at"].is_i64());
    assert!(
        lead.get("/api/v1/lead/qualifications").await.ok()["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // Levels by hand, with history.
    let l = lead
        .post(
            &format!("/api/v1/lead/annotators/{}/level", w.ann_a1),
            json!({"level": "expert", "note": "医学"}),
        )
        .await;
    assert_eq!(l.ok()["skill_level"], "expert");
    let hist = lead.get("/api/v1/lead/levels").await;
    let h = &hist.ok()["items"][0];
    assert_eq!(
        (
            h["from_level"].as_str(),
            h["to_level"].as_str(),
            h["source"].as_str()
        ),
        (Some("trainee"), Some("expert"), Some("lead"))
    );
    assert_eq!(
        lead_b
            .post(
                &format!("/api/v1/lead/annotators/{}/level", w.ann_a1),
                json!({"level": "trainee"})
            )
            .await
            .status
            .as_u16(),
        404
    );
    assert_eq!(
        lead.post(
            &format!("/api/v1/lead/annotators/{}/level", w.ann_a1),
            json!({"level": "guru"})
        )
        .await
        .status
        .as_u16(),
        422
    );
    assert!(
        lead_b.get("/api/v1/lead/levels").await.ok()["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // A lead proposes a new lead; an admin confirms; the annotator logs in as a lead.
    let p = lead
        .post(
            "/api/v1/lead/proposals",
            json!({"annotator_id": w.ann_a1, "note": "认真负责"}),
        )
        .await;
    assert_eq!(p.status.as_u16(), 201, "{}", p.body);
    let prop = p.body["id"].as_i64().unwrap();
    assert_eq!(
        lead.post("/api/v1/lead/proposals", json!({"annotator_id": w.ann_a1}))
            .await
            .status
            .as_u16(),
        409
    );
    assert_eq!(
        lead.post("/api/v1/lead/proposals", json!({"annotator_id": w.ann_b1}))
            .await
            .status
            .as_u16(),
        404
    );
    let declined = lead
        .post("/api/v1/lead/proposals", json!({"annotator_id": w.ann_a2}))
        .await;
    assert!(
        lead_b.get("/api/v1/lead/proposals").await.ok()["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        lead.get("/api/v1/admin/lead-proposals")
            .await
            .status
            .as_u16(),
        403
    );
    let admin = app.browser();
    admin.login("admin").await.ok();
    let waiting = admin.get("/api/v1/admin/lead-proposals").await;
    assert_eq!(ids(waiting.ok(), "id").len(), 2);
    assert_eq!(waiting.body["items"][0]["decision"], json!(null));
    let d = admin
        .post(
            &format!(
                "/api/v1/admin/lead-proposals/{}/decline",
                declined.body["id"]
            ),
            json!({}),
        )
        .await;
    assert_eq!(d.ok()["decision"], "declined");
    for (body, code) in [
        (json!({"username": "x", "password": PASSWORD}), "validation"),
        (
            json!({"username": "wangfang", "password": "short"}),
            "validation",
        ),
        (
            json!({"username": "lead_b", "password": PASSWORD}),
            "username_taken",
        ),
    ] {
        let g = admin
            .post(
                &format!("/api/v1/admin/lead-proposals/{prop}/confirm"),
                body.clone(),
            )
            .await;
        assert_eq!(g.code(), code, "{body}: {}", g.body);
        assert!(matches!(g.status.as_u16(), 409 | 422), "{body}: {}", g.body);
    }
    let ok = admin
        .post(
            &format!("/api/v1/admin/lead-proposals/{prop}/confirm"),
            json!({"username": "wangfang", "password": PASSWORD}),
        )
        .await;
    assert_eq!(ok.ok()["decision"], "confirmed");
    assert_eq!(
        admin
            .post(
                &format!("/api/v1/admin/lead-proposals/{prop}/confirm"),
                json!({"username": "wangfang2", "password": PASSWORD})
            )
            .await
            .status
            .as_u16(),
        409
    );
    let new_lead = app.browser();
    let s = new_lead.login("wangfang").await;
    assert_eq!(s.ok()["user"]["role"], "lead");
    assert_eq!(s.body["user"]["centre_id"].as_i64(), Some(w.centre_a));
    let pc = app.browser();
    pc.enrol_as("lead_a").await;
    assert_eq!(
        pc.pin(w.ann_a1, "1111").await.status.as_u16() / 100,
        4,
        "no more PIN"
    );
    assert!(!ids(new_lead.get("/api/v1/centre/annotators").await.ok(), "id").contains(&w.ann_a1));
});
