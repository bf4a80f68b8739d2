//! The expert ladder of medical orders: escalated items go to the centres' medical experts
//! (not the lead's queue), who settle them (paid once per decision) or refer them to the
//! client's doctor, whose answer is final and counted in the order's cost; and who may not.

use std::collections::HashMap;

use mudou_domain::{ErrorCode, Role};
use serde_json::{Value, json};

use crate::sim::{KEYS, SimWorker, annotator_browser, text_order};
use crate::{Browser, Got, TestApp, World, annotator, both, staff};

const EXPERT_FEN: i64 = 300;
const DOCTOR_FEN: i64 = 2000;
const PIECE_FEN: i64 = 5;

fn wrong(right: &str) -> String {
    let i = KEYS.iter().position(|k| *k == right).unwrap();
    KEYS[(i + 1) % KEYS.len()].to_owned()
}

fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A template order of one `choice` question on a text, with the ladder.
fn medical_spec(doctor: i64, centre: i64) -> Value {
    let options: Vec<Value> = KEYS
        .iter()
        .map(|k| json!({"key": k, "name_zh": format!("类{k}"), "name_en": k}))
        .collect();
    json!({
        "name": "影像复核",
        "task_type": "template",
        "template": {
            "fields": [{"name": "text", "kind": "text"}],
            "questions": [{"key": "label", "kind": "choice", "title_zh": "结论", "field": "text", "options": options}]
        },
        "overlap": {"kind": "dynamic", "min": 2, "max": 2, "target": 0.6},
        "max_gold_items": 0,
        "unit_size": 4,
        "piece_rate_fen": PIECE_FEN,
        "eligible_centres": [centre],
        "required_qualification": "medical",
        "medical": {"expert_rate_fen": EXPERT_FEN, "doctor_rate_fen": DOCTOR_FEN, "doctor_user_id": doctor}
    })
}

struct Scene {
    w: World,
    order: i64,
    truth: HashMap<i64, String>,
    /// The two items a2 answered wrongly (escalated), in item order.
    split: [i64; 2],
    doctor: i64,
    /// Experts (level expert + `medical`): a3 and a4 of centre A, b2 of centre B.
    a3: i64,
    a4: i64,
    b2: i64,
    /// Not experts: a5 (expert, no `medical`).
    a5: i64,
}

async fn make_expert(lead: &Browser, who: i64, medical: bool, expert: bool) {
    if medical {
        let g = lead
            .post(
                "/api/v1/lead/qualifications",
                json!({"annotator_id": who, "qualification": "medical"}),
            )
            .await;
        assert_eq!(g.status.as_u16(), 201, "{}", g.body);
    }
    if expert {
        lead.post(
            &format!("/api/v1/lead/annotators/{who}/level"),
            json!({"level": "expert", "note": "影像"}),
        )
        .await
        .ok();
    }
}

async fn scene(app: &TestApp) -> Scene {
    let w = app.world().await;
    let doctor = app
        .user(staff("doctor_a", Role::Client, None, Some(w.org_a)))
        .await
        .id
        .get();
    let a3 = app
        .user(annotator("张专家", "4444", w.centre_a))
        .await
        .id
        .get();
    let a4 = app
        .user(annotator("钱专家", "5555", w.centre_a))
        .await
        .id
        .get();
    let a5 = app
        .user(annotator("赵技师", "6666", w.centre_a))
        .await
        .id
        .get();
    let b2 = app
        .user(annotator("刘专家", "7777", w.centre_b))
        .await
        .id
        .get();
    let lead_a = app.browser();
    lead_a.login("lead_a").await.ok();
    let lead_b = app.browser();
    lead_b.login("lead_b").await.ok();
    for who in [w.ann_a1, w.ann_a2] {
        make_expert(&lead_a, who, true, false).await;
    }
    make_expert(&lead_a, a3, true, true).await;
    make_expert(&lead_a, a4, true, true).await;
    make_expert(&lead_a, a5, false, true).await;
    make_expert(&lead_b, b2, true, true).await;

    let t = text_order(
        app,
        w.org_a,
        "client_a",
        4,
        medical_spec(doctor, w.centre_a),
    )
    .await;
    let mut items: Vec<i64> = t.truth.keys().copied().collect();
    items.sort_unstable();
    let split = [items[0], items[1]];
    let mut a1 = SimWorker::new(app, w.ann_a1, "1111", "lead_a", 1.0, 2500, 1).await;
    let mut a2 = SimWorker::new(app, w.ann_a2, "2222", "lead_a", 1.0, 2500, 2).await;
    while a1.do_unit(&t.truth).await.is_some() {}
    let truth = t.truth.clone();
    let force = move |i: i64| split.contains(&i).then(|| wrong(&truth[&i]));
    while a2.do_unit_with(&t.truth, &force).await.is_some() {}
    Scene {
        w,
        order: t.id,
        truth: t.truth,
        split,
        doctor,
        a3,
        a4,
        b2,
        a5,
    }
}

fn ids(g: &Got) -> Vec<(i64, i64)> {
    g.ok()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["order_id"].as_i64().unwrap(),
                i["item_id"].as_i64().unwrap(),
            )
        })
        .collect()
}

async fn earnings(b: &Browser) -> Value {
    b.get("/api/v1/me/earnings").await.ok().clone()
}

both!(experts_settle_or_refer_and_the_doctor_decides, |app| {
    let s = scene(&app).await;
    let (o, [i0, i1]) = (s.order, s.split);
    // The disagreements wait for an expert, not in the lead's queue.
    let lead = app.browser();
    lead.login("lead_a").await.ok();
    let q = lead.get(&format!("/api/v1/lead/review?order_id={o}")).await;
    assert!(q.ok()["items"].as_array().unwrap().is_empty(), "{}", q.body);
    // Nor may the lead decide one by its id: 409, and it still waits for the expert.
    let by_id = lead
        .post(
            &format!("/api/v1/lead/review/{o}/items/{i0}/decision"),
            json!({"decision": "override", "answer": {"label": s.truth[&i0]}}),
        )
        .await;
    by_id.refused(ErrorCode::Conflict);
    assert!(
        by_id.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expert"),
        "{}",
        by_id.body
    );
    let expert = annotator_browser(&app, s.a3, "4444", "lead_a").await;
    let queue = expert.get("/api/v1/work/expert").await;
    // Oldest escalation first.
    let mut listed = ids(&queue);
    let since: Vec<i64> = queue.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["waiting_since"].as_i64().unwrap())
        .collect();
    assert!(since.windows(2).all(|w| w[0] <= w[1]), "{}", queue.body);
    listed.sort_unstable();
    assert_eq!(listed, [(o, i0), (o, i1)], "{}", queue.body);
    assert_eq!(queue.body["items"][0]["labels"], 2);
    assert_eq!(queue.body["items"][0]["order_name"], "影像复核");

    // The item: the template, its text, both answers as A and B.
    let it = expert.get(&format!("/api/v1/work/expert/{o}/{i0}")).await;
    let it = it.ok();
    assert_eq!(it["order"]["template"]["questions"][0]["key"], "label");
    assert_eq!(it["item"]["item_id"], i0);
    assert_eq!(it["item"]["fields"][0]["name"], "text");
    assert!(
        it["item"]["fields"][0]["text"]
            .as_str()
            .unwrap()
            .contains("review")
    );
    assert_eq!(it["stage"], "expert");
    let answers = it["answers"].as_array().unwrap();
    assert_eq!(answers.len(), 2);
    assert_eq!(
        (answers[0]["who"].as_str(), answers[1]["who"].as_str()),
        (Some("A"), Some("B"))
    );
    let given: Vec<&str> = answers
        .iter()
        .map(|a| a["answer"]["label"].as_str().unwrap())
        .collect();
    assert!(
        given.contains(&s.truth[&i0].as_str()) && given.contains(&wrong(&s.truth[&i0]).as_str())
    );
    assert!(
        answers
            .iter()
            .all(|a| a.get("annotator_id").is_none() && a.get("annotator_name").is_none())
    );

    // Before: both annotators' answers to the split items wait for a verdict.
    let a1 = annotator_browser(&app, s.w.ann_a1, "1111", "lead_a").await;
    let a2 = annotator_browser(&app, s.w.ann_a2, "2222", "lead_a").await;
    assert_eq!(earnings(&a1).await["pending_fen"], 2 * PIECE_FEN);
    assert_eq!(earnings(&a2).await["pending_fen"], 2 * PIECE_FEN);

    // Settle: the item resolved with the expert's answer, the labels judged, the expert paid.
    let u1 = uuid();
    let body = json!({"client_uuid": u1, "decision": "settle", "answer": {"label": s.truth[&i0]}, "note": "看清楚了"});
    let d = expert
        .post(&format!("/api/v1/work/expert/{o}/{i0}"), body.clone())
        .await;
    assert_eq!(d.ok()["status"], "stored");
    assert_eq!(d.body["stage"], "done");
    assert_eq!(d.body["fen"], EXPERT_FEN);
    assert_eq!(d.body["answer"]["label"], json!(s.truth[&i0]));
    let again = expert
        .post(&format!("/api/v1/work/expert/{o}/{i0}"), body)
        .await;
    assert_eq!(again.ok()["status"], "replay");
    let e = earnings(&expert).await;
    assert_eq!(
        (e["today_fen"].as_i64(), e["confirmed_fen"].as_i64()),
        (Some(EXPERT_FEN), Some(EXPERT_FEN)),
        "{e}"
    );
    let (e1, e2) = (earnings(&a1).await, earnings(&a2).await);
    assert_eq!(e1["pending_fen"], PIECE_FEN, "{e1}");
    assert_eq!(e2["pending_fen"], PIECE_FEN, "{e2}");
    assert_eq!(e1["confirmed_fen"], 3 * PIECE_FEN, "{e1}");
    assert_eq!(e2["confirmed_fen"], 2 * PIECE_FEN, "{e2}");
    assert_eq!(e2["today_not_paid"], 1, "{e2}");
    // A second expert is too late.
    let other = annotator_browser(&app, s.a4, "5555", "lead_a").await;
    let late = other
        .post(
            &format!("/api/v1/work/expert/{o}/{i0}"),
            json!({"client_uuid": uuid(), "decision": "refer"}),
        )
        .await;
    late.refused(ErrorCode::AlreadyDecided);
    assert_eq!(
        other
            .get(&format!("/api/v1/work/expert/{o}/{i0}"))
            .await
            .status
            .as_u16(),
        404
    );
    // The client sees the final answer.
    let client = app.browser();
    client.login("client_a").await.ok();
    let results = client
        .get(&format!("/api/v1/orders/{o}/results?state=resolved"))
        .await;
    let r0 = results.ok()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["item_id"] == i0)
        .cloned()
        .unwrap();
    assert_eq!(r0["answer"]["label"], json!(s.truth[&i0]));
    assert_eq!(r0["reviewed"], true);

    // Refer: the other item goes to the doctor, the expert is paid for this decision too.
    let u2 = uuid();
    let r = expert
        .post(
            &format!("/api/v1/work/expert/{o}/{i1}"),
            json!({"client_uuid": u2, "decision": "refer", "note": "边界不清，请医生看"}),
        )
        .await;
    assert_eq!(r.ok()["stage"], "doctor");
    assert!(r.body["answer"].is_null());
    assert!(ids(&expert.get("/api/v1/work/expert").await).is_empty());
    assert_eq!(earnings(&expert).await["confirmed_fen"], 2 * EXPERT_FEN);

    // The doctor: the queue, the item with the answers and the expert's note, the decision.
    let doctor = app.browser();
    doctor.login("doctor_a").await.ok();
    let dq = doctor
        .get(&format!("/api/v1/orders/{o}/medical/queue"))
        .await;
    assert_eq!(ids(&dq), [(o, i1)]);
    let di = doctor
        .get(&format!("/api/v1/orders/{o}/medical/queue/{i1}"))
        .await;
    assert_eq!(di.ok()["answers"].as_array().unwrap().len(), 2);
    assert_eq!(di.body["expert"]["decision"], "refer");
    assert_eq!(di.body["expert"]["note"], "边界不清，请医生看");
    assert_eq!(di.body["stage"], "doctor");
    // The settled item is not the doctor's.
    assert_eq!(
        doctor
            .get(&format!("/api/v1/orders/{o}/medical/queue/{i0}"))
            .await
            .status
            .as_u16(),
        404
    );
    // A UUID of the expert's decision is not the doctor's to use.
    doctor
        .post(
            &format!("/api/v1/orders/{o}/medical/queue/{i1}"),
            json!({"client_uuid": u1, "answer": {"label": s.truth[&i1]}}),
        )
        .await
        .refused(ErrorCode::UuidReused);
    let u3 = uuid();
    let body = json!({"client_uuid": u3, "answer": {"label": s.truth[&i1]}, "note": "确诊"});
    let f = doctor
        .post(
            &format!("/api/v1/orders/{o}/medical/queue/{i1}"),
            body.clone(),
        )
        .await;
    assert_eq!(f.ok()["status"], "stored");
    assert_eq!(
        (f.body["stage"].as_str(), f.body["fen"].as_i64()),
        (Some("done"), Some(DOCTOR_FEN))
    );
    assert_eq!(
        doctor
            .post(&format!("/api/v1/orders/{o}/medical/queue/{i1}"), body)
            .await
            .ok()["status"],
        "replay"
    );
    doctor
        .post(
            &format!("/api/v1/orders/{o}/medical/queue/{i1}"),
            json!({"client_uuid": uuid(), "answer": {"label": s.truth[&i1]}}),
        )
        .await
        .refused(ErrorCode::AlreadyDecided);
    assert!(
        ids(&doctor
            .get(&format!("/api/v1/orders/{o}/medical/queue"))
            .await)
        .is_empty()
    );
    let (e1, e2) = (earnings(&a1).await, earnings(&a2).await);
    assert_eq!(
        (e1["pending_fen"].as_i64(), e1["confirmed_fen"].as_i64()),
        (Some(0), Some(4 * PIECE_FEN)),
        "{e1}"
    );
    assert_eq!(
        (e2["pending_fen"].as_i64(), e2["confirmed_fen"].as_i64()),
        (Some(0), Some(2 * PIECE_FEN)),
        "{e2}"
    );
    // Expert paid once per decision, whatever the retries.
    assert_eq!(earnings(&expert).await["confirmed_fen"], 2 * EXPERT_FEN);

    // The order's cost counts the ladder.
    let p = client.get(&format!("/api/v1/orders/{o}/progress")).await;
    let p = p.ok();
    assert_eq!(p["resolved"], 4, "{p}");
    assert_eq!(p["escalated"], 0);
    assert_eq!(
        (p["expert_fen"].as_i64(), p["expert_decisions"].as_i64()),
        (Some(2 * EXPERT_FEN), Some(2))
    );
    assert_eq!(
        (p["doctor_fen"].as_i64(), p["doctor_decisions"].as_i64()),
        (Some(DOCTOR_FEN), Some(1))
    );
    assert_eq!(p["cost_fen"], 8 * PIECE_FEN + 2 * EXPERT_FEN + DOCTOR_FEN);
    let _ = (s.a5, s.b2, s.doctor);
});

both!(the_ladder_refuses_who_may_not_and_bad_bodies, |app| {
    let s = scene(&app).await;
    let (o, [i0, i1]) = (s.order, s.split);
    let path = format!("/api/v1/work/expert/{o}/{i0}");
    let settle =
        |u: String| json!({"client_uuid": u, "decision": "settle", "answer": {"label": KEYS[0]}});
    // Not experts: standard level with `medical`, expert without it.
    for (who, pin) in [(s.w.ann_a1, "1111"), (s.a5, "6666")] {
        let b = annotator_browser(&app, who, pin, "lead_a").await;
        b.get("/api/v1/work/expert")
            .await
            .refused(ErrorCode::NotExpert);
        b.get(&path).await.refused(ErrorCode::NotExpert);
        b.post(&path, settle(uuid()))
            .await
            .refused(ErrorCode::NotExpert);
    }
    // An expert of a centre the order does not go to sees nothing of it.
    let b2 = annotator_browser(&app, s.b2, "7777", "lead_b").await;
    assert!(ids(&b2.get("/api/v1/work/expert").await).is_empty());
    assert_eq!(b2.get(&path).await.status.as_u16(), 404);
    assert_eq!(b2.post(&path, settle(uuid())).await.status.as_u16(), 404);
    // Leads and clients are not annotators.
    let lead = app.browser();
    lead.login("lead_a").await.ok();
    lead.get("/api/v1/work/expert")
        .await
        .refused(ErrorCode::Forbidden);
    // No such item or order.
    let a3 = annotator_browser(&app, s.a3, "4444", "lead_a").await;
    assert_eq!(
        a3.get(&format!("/api/v1/work/expert/{o}/999999"))
            .await
            .status
            .as_u16(),
        404
    );
    assert_eq!(
        a3.get(&format!("/api/v1/work/expert/999999/{i0}"))
            .await
            .status
            .as_u16(),
        404
    );
    let resolved = *s.truth.keys().find(|i| !s.split.contains(i)).unwrap();
    assert_eq!(
        a3.get(&format!("/api/v1/work/expert/{o}/{resolved}"))
            .await
            .status
            .as_u16(),
        404
    );
    // Bad bodies.
    for (body, code) in [
        (
            json!({"client_uuid": "nope", "decision": "settle", "answer": {"label": KEYS[0]}}),
            ErrorCode::Validation,
        ),
        (
            json!({"client_uuid": uuid(), "decision": "settle"}),
            ErrorCode::Validation,
        ),
        (
            json!({"client_uuid": uuid(), "decision": "refer", "answer": {"label": KEYS[0]}}),
            ErrorCode::Validation,
        ),
        (
            json!({"client_uuid": uuid(), "decision": "settle", "answer": {"label": "no-such"}}),
            ErrorCode::Validation,
        ),
        (
            json!({"client_uuid": uuid(), "decision": "settle", "answer": {"label": KEYS[0]}, "note": "长".repeat(2001)}),
            ErrorCode::Validation,
        ),
    ] {
        a3.post(&path, body.clone()).await.refused(code);
    }
    for body in [
        json!({"client_uuid": uuid(), "decision": "maybe"}),
        json!({"client_uuid": uuid(), "decision": "refer", "extra": 1}),
        json!({"decision": "refer"}),
    ] {
        let g = a3.post(&path, body.clone()).await;
        assert!(
            g.status.is_client_error() && !g.code().is_empty(),
            "{body}: {} {}",
            g.status,
            g.body
        );
    }
    // Nothing was decided or paid by all that.
    assert_eq!(ids(&a3.get("/api/v1/work/expert").await).len(), 2);
    assert_eq!(a3.get("/api/v1/me/earnings").await.ok()["confirmed_fen"], 0);
    // Refer one so the doctor has something.
    a3.post(
        &format!("/api/v1/work/expert/{o}/{i1}"),
        json!({"client_uuid": uuid(), "decision": "refer"}),
    )
    .await
    .ok();
    let dpath = format!("/api/v1/orders/{o}/medical/queue/{i1}");
    // The organisation's other client user is not the doctor; another organisation's
    // client does not see the order; an annotator or a lead is no client.
    let client_a = app.browser();
    client_a.login("client_a").await.ok();
    client_a
        .get(&format!("/api/v1/orders/{o}/medical/queue"))
        .await
        .refused(ErrorCode::NotDoctor);
    client_a.get(&dpath).await.refused(ErrorCode::NotDoctor);
    client_a
        .post(
            &dpath,
            json!({"client_uuid": uuid(), "answer": {"label": KEYS[0]}}),
        )
        .await
        .refused(ErrorCode::NotDoctor);
    let client_b = app.browser();
    client_b.login("client_b").await.ok();
    assert_eq!(
        client_b
            .get(&format!("/api/v1/orders/{o}/medical/queue"))
            .await
            .status
            .as_u16(),
        404
    );
    assert_eq!(client_b.get(&dpath).await.status.as_u16(), 404);
    assert_eq!(
        client_b
            .post(
                &dpath,
                json!({"client_uuid": uuid(), "answer": {"label": KEYS[0]}})
            )
            .await
            .status
            .as_u16(),
        404
    );
    a3.get(&format!("/api/v1/orders/{o}/medical/queue"))
        .await
        .refused(ErrorCode::Forbidden);
    // Whom a client may name as the doctor: their organisation's client users only.
    let names = |g: &Got| -> Vec<String> {
        g.ok()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["display_name"].as_str().unwrap().to_owned())
            .collect()
    };
    let mut mine = names(&client_a.get("/api/v1/org/users").await);
    mine.sort();
    assert_eq!(mine, ["client_a", "doctor_a"]);
    assert_eq!(
        names(&client_b.get("/api/v1/org/users").await),
        ["client_b"]
    );
    a3.get("/api/v1/org/users")
        .await
        .refused(ErrorCode::Forbidden);
    lead.get("/api/v1/org/users")
        .await
        .refused(ErrorCode::Forbidden);
    lead.get(&dpath).await.refused(ErrorCode::Forbidden);
    // The doctor's bad bodies; an item still waiting for an expert is not theirs yet.
    let doctor = app.browser();
    doctor.login("doctor_a").await.ok();
    for body in [
        json!({"client_uuid": uuid(), "answer": {"label": "no-such"}}),
        json!({"client_uuid": "x", "answer": {"label": KEYS[0]}}),
    ] {
        doctor
            .post(&dpath, body)
            .await
            .refused(ErrorCode::Validation);
    }
    let g = doctor.post(&dpath, json!({"client_uuid": uuid()})).await;
    assert!(
        g.status.is_client_error() && !g.code().is_empty(),
        "{}",
        g.body
    );
    assert_eq!(
        doctor
            .get(&format!("/api/v1/orders/{o}/medical/queue/{i0}"))
            .await
            .status
            .as_u16(),
        404
    );
    doctor
        .post(
            &format!("/api/v1/orders/{o}/medical/queue/{i0}"),
            json!({"client_uuid": uuid(), "answer": {"label": KEYS[0]}}),
        )
        .await
        .refused(ErrorCode::AlreadyDecided);
    assert_eq!(
        ids(&doctor
            .get(&format!("/api/v1/orders/{o}/medical/queue"))
            .await),
        [(o, i1)]
    );

    // The order's policy: the doctor must be a client user of the order's organisation.
    let ds = app.dataset(s.w.org_a, "more").await;
    let users = app
        .state
        .store
        .list_users(&mudou_store::UserFilter {
            org_id: Some(s.w.org_b),
            ..Default::default()
        })
        .await
        .unwrap();
    let outsider = users[0].id.get();
    for (doctor, code) in [
        (outsider, ErrorCode::DoctorNotInOrg),
        (s.w.ann_a1, ErrorCode::DoctorNotInOrg),
        (999_999, ErrorCode::DoctorNotInOrg),
        (0, ErrorCode::Validation),
    ] {
        client_a
            .post(
                "/api/v1/orders",
                json!({"dataset_id": ds.id, "spec": medical_spec(doctor, s.w.centre_a)}),
            )
            .await
            .refused(code);
    }
    let mut no_qual = medical_spec(s.doctor, s.w.centre_a);
    no_qual["required_qualification"] = Value::Null;
    client_a
        .post(
            "/api/v1/orders",
            json!({"dataset_id": ds.id, "spec": no_qual}),
        )
        .await
        .refused(ErrorCode::Validation);
    let mut negative = medical_spec(s.doctor, s.w.centre_a);
    negative["medical"]["doctor_rate_fen"] = json!(-1);
    client_a
        .post(
            "/api/v1/orders",
            json!({"dataset_id": ds.id, "spec": negative}),
        )
        .await
        .refused(ErrorCode::Validation);
    // A draft saved with a good doctor cannot be changed to a bad one.
    let d = client_a
        .post(
            "/api/v1/orders",
            json!({"dataset_id": ds.id, "spec": medical_spec(s.doctor, s.w.centre_a)}),
        )
        .await;
    let draft = d.ok()["id"].as_i64().unwrap();
    client_a
        .put(
            &format!("/api/v1/orders/{draft}"),
            json!({"spec": medical_spec(outsider, s.w.centre_a)}),
        )
        .await
        .refused(ErrorCode::DoctorNotInOrg);
});
