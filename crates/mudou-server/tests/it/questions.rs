//! Questions on an item: an annotator asks (reason, words, a voice note) about an item of
//! their unit, holding or skipping it; a lead of their centre answers or forwards it to the
//! order's client, who answers; the asker and others given the item see the answer. Bad
//! voice notes and items not leased to the asker are refused with nothing stored, and no
//! other centre, organisation or annotator can read or answer them.

use base64::Engine;
use mudou_media::BlobKind;
use serde_json::{Value, json};

use crate::sim::{annotator_browser, text_order, text_spec};
use crate::{Browser, TestApp, World, both};

/// A valid 8 kHz 8-bit mono WAV of `ms` milliseconds (silence).
fn wav(ms: u32) -> Vec<u8> {
    let rate = 8000u32;
    let data = vec![128u8; (rate * ms / 1000) as usize];
    let mut b = b"RIFF".to_vec();
    b.extend((36 + data.len() as u32).to_le_bytes());
    b.extend(b"WAVEfmt ");
    b.extend(16u32.to_le_bytes());
    b.extend(1u16.to_le_bytes()); // PCM
    b.extend(1u16.to_le_bytes()); // mono
    b.extend(rate.to_le_bytes());
    b.extend(rate.to_le_bytes()); // byte rate
    b.extend(1u16.to_le_bytes());
    b.extend(8u16.to_le_bytes());
    b.extend(b"data");
    b.extend((data.len() as u32).to_le_bytes());
    b.extend(data);
    b
}

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

fn sha(b: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(b))
}

struct Scene {
    w: World,
    order: i64,
    a1: Browser,
    a2: Browser,
    b1: Browser,
    /// a1's unit and its items.
    aid: i64,
    items: Vec<i64>,
    /// a2's unit and its items.
    aid2: i64,
    items2: Vec<i64>,
}

async fn unit(b: &Browser) -> (i64, Vec<i64>) {
    let next = b.get("/api/v1/work/next").await;
    assert_eq!(next.ok()["status"], "assigned", "{:?}", next.body);
    let a = &next.body["assignment"];
    let items = a["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["item_id"].as_i64().unwrap())
        .collect();
    (a["id"].as_i64().unwrap(), items)
}

/// One order of 4 texts for centre A, two labels an item: a1 and a2 each lease all four.
async fn scene(app: &TestApp) -> Scene {
    let w = app.world().await;
    let overlap = json!({"kind": "dynamic", "min": 2, "max": 2, "target": 0.9});
    let mut spec = text_spec("看评价", overlap, 0.0, 0, 4);
    spec["eligible_centres"] = json!([w.centre_a]);
    let t = text_order(app, w.org_a, "client_a", 4, spec).await;
    let a1 = annotator_browser(app, w.ann_a1, "1111", "lead_a").await;
    let a2 = annotator_browser(app, w.ann_a2, "2222", "lead_a").await;
    let b1 = annotator_browser(app, w.ann_b1, "3333", "lead_b").await;
    let (aid, items) = unit(&a1).await;
    let (aid2, items2) = unit(&a2).await;
    Scene {
        w,
        order: t.id,
        a1,
        a2,
        b1,
        aid,
        items,
        aid2,
        items2,
    }
}

async fn logged_in(app: &TestApp, who: &str) -> Browser {
    let b = app.browser();
    b.login(who).await.ok();
    b
}

fn ids(v: &Value) -> Vec<i64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_i64().unwrap())
        .collect()
}

both!(asked_answered_forwarded_and_scoped, |app| {
    let s = scene(&app).await;
    let item = s.items[0];
    let item2 = s.items[1];
    assert!(s.items2.contains(&item) && s.items2.contains(&item2));

    // A question with a reason and words, holding the item.
    let q1 =
        s.a1.post(
            "/api/v1/work/questions",
            json!({"assignment_id": s.aid, "item_id": item, "reason": "no_label_fits",
                   "text": "  这是什么? ", "while_open": "hold"}),
        )
        .await;
    let q1v = q1.ok().clone();
    let q1id = q1v["id"].as_i64().unwrap();
    assert_eq!(q1v["reason"], "no_label_fits");
    assert_eq!(q1v["text"], "这是什么?");
    assert_eq!(q1v["hold"], true);
    assert_eq!(q1v["item"]["item_id"], item);
    assert!(q1v["voice_url"].is_null() && q1v["answer"].is_null());

    // A voice question (a real WAV), skipping the item.
    let voice = wav(1500);
    let q2 =
        s.a1.post(
            "/api/v1/work/questions",
            json!({"assignment_id": s.aid, "item_id": item2, "reason": "unclear",
                   "voice": {"base64": b64(&voice), "duration_ms": 1500}, "while_open": "skip"}),
        )
        .await;
    let q2v = q2.ok().clone();
    let q2id = q2v["id"].as_i64().unwrap();
    assert_eq!(q2v["voice_ms"], 1500);
    assert_eq!(q2v["hold"], false);
    let url = q2v["voice_url"].as_str().unwrap().to_owned();
    let heard =
        s.a1.http
            .get(format!("{}{url}", s.a1.url))
            .send()
            .await
            .unwrap();
    assert_eq!(heard.status(), 200);
    assert_eq!(heard.headers()["content-type"], "audio/wav");
    assert_eq!(heard.bytes().await.unwrap().as_ref(), voice.as_slice());
    // Skipped: the item is skipped for a1, as the workbench's skip does.
    let next = s.a1.get("/api/v1/work/next").await;
    let skipped = next.ok()["assignment"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["item_id"] == item2)
        .unwrap()
        .clone();
    assert_eq!(skipped["skip_reason"], "cannot_judge");

    // Bad voice notes and items not leased: refused, nothing stored.
    let ask = |body: Value| {
        let mut b = json!({"assignment_id": s.aid, "item_id": item, "reason": "other", "while_open": "hold"});
        for (k, v) in body.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    let not_audio = b"<html>not a sound</html>".to_vec();
    let long = wav(61_000);
    let mut large = b"OggS".to_vec();
    large.resize((1 << 20) + 10, 7);
    let refusals = [
        (
            ask(json!({"voice": {"base64": b64(&not_audio), "duration_ms": 1000}})),
            422,
            "not_audio",
            sha(&not_audio),
        ),
        (
            ask(json!({"voice": {"base64": b64(&long), "duration_ms": 61_000}})),
            422,
            "voice_too_long",
            sha(&long),
        ),
        // A client that claims 2 s for a 61 s WAV is not believed.
        (
            ask(json!({"voice": {"base64": b64(&long), "duration_ms": 2000}})),
            422,
            "voice_too_long",
            sha(&long),
        ),
        (
            ask(json!({"voice": {"base64": b64(&large), "duration_ms": 30_000}})),
            413,
            "voice_too_large",
            sha(&large),
        ),
    ];
    for (body, status, code, digest) in refusals {
        let g = s.a1.post("/api/v1/work/questions", body).await;
        assert_eq!(g.status.as_u16(), status, "{code}: {:?}", g.body);
        assert_eq!(g.code(), code);
        assert!(
            !app.state
                .blobs
                .exists(BlobKind::Original, &digest)
                .await
                .unwrap()
        );
    }
    let fresh = wav(1000);
    for body in [
        // An item outside a1's unit, a2's unit, a1's unit by a2, a B annotator.
        json!({"assignment_id": s.aid, "item_id": 999_999, "reason": "other", "while_open": "hold",
               "voice": {"base64": b64(&fresh), "duration_ms": 1000}}),
        json!({"assignment_id": s.aid2, "item_id": item, "reason": "other", "while_open": "hold",
               "voice": {"base64": b64(&fresh), "duration_ms": 1000}}),
    ] {
        let g = s.a1.post("/api/v1/work/questions", body).await;
        assert_eq!(g.status.as_u16(), 404, "{:?}", g.body);
    }
    let g =
        s.a2.post(
            "/api/v1/work/questions",
            ask(json!({"voice": {"base64": b64(&fresh), "duration_ms": 1000}})),
        )
        .await;
    assert_eq!(g.status.as_u16(), 404);
    let g = s.b1.post("/api/v1/work/questions", ask(json!({}))).await;
    assert_eq!(g.status.as_u16(), 404);
    assert!(
        !app.state
            .blobs
            .exists(BlobKind::Original, &sha(&fresh))
            .await
            .unwrap()
    );
    let mine = s.a1.get("/api/v1/me/questions").await;
    assert_eq!(ids(&mine.ok()["questions"]), vec![q2id, q1id]);
    assert_eq!(mine.body["new_answers"], 0);
    // A lead cannot ask.
    let lead_a = logged_in(&app, "lead_a").await;
    assert_eq!(
        lead_a
            .post("/api/v1/work/questions", ask(json!({})))
            .await
            .status
            .as_u16(),
        403
    );

    // The lead's queue: their centre's only.
    let queue = lead_a.get("/api/v1/lead/questions").await;
    assert_eq!(ids(&queue.ok()["questions"]), vec![q1id, q2id]);
    assert_eq!(queue.body["questions"][1]["voice_url"], url.as_str());
    let lead_b = logged_in(&app, "lead_b").await;
    assert_eq!(
        ids(&lead_b.get("/api/v1/lead/questions").await.ok()["questions"]),
        Vec::<i64>::new()
    );
    for path in [
        format!("/api/v1/lead/questions/{q1id}/answer"),
        format!("/api/v1/lead/questions/{q1id}/forward"),
    ] {
        let g = lead_b.post(&path, json!({"text": "别人的"})).await;
        assert_eq!(g.status.as_u16(), 404, "{path}");
    }
    for b in [&lead_b, &s.b1, &s.a2] {
        let g = b.get(&url).await;
        assert_eq!(
            g.status.as_u16(),
            404,
            "an open question's voice is the asker's and the centre's"
        );
    }
    assert_eq!(lead_a.get(&url).await.status.as_u16(), 200);
    // An answer needs words or a voice note.
    let g = lead_a
        .post(
            &format!("/api/v1/lead/questions/{q1id}/answer"),
            json!({"text": " "}),
        )
        .await;
    assert_eq!(g.status.as_u16(), 422);

    // The lead answers q1 with words and a voice note: the asker sees it, with a badge.
    let answer_voice = wav(800);
    let g = lead_a
        .post(
            &format!("/api/v1/lead/questions/{q1id}/answer"),
            json!({"text": "选其他", "voice": {"base64": b64(&answer_voice), "duration_ms": 800}}),
        )
        .await;
    assert_eq!(g.ok()["answer"]["text"], "选其他");
    assert_eq!(g.body["answer"]["by_role"], "lead");
    let g = lead_a
        .post(
            &format!("/api/v1/lead/questions/{q1id}/answer"),
            json!({"text": "again"}),
        )
        .await;
    assert_eq!(g.status.as_u16(), 409);
    let g = lead_a
        .post(&format!("/api/v1/lead/questions/{q1id}/forward"), json!({}))
        .await;
    assert_eq!(g.status.as_u16(), 409);
    let mine = s.a1.get("/api/v1/me/questions").await;
    assert_eq!(mine.ok()["new_answers"], 1);
    let a = &mine.body["questions"][1]["answer"];
    assert_eq!(a["text"], "选其他");
    let aurl = a["voice_url"].as_str().unwrap().to_owned();
    let heard =
        s.a1.http
            .get(format!("{}{aurl}", s.a1.url))
            .send()
            .await
            .unwrap();
    assert_eq!(
        heard.bytes().await.unwrap().as_ref(),
        answer_voice.as_slice()
    );
    assert_eq!(
        s.a1.post("/api/v1/me/questions/seen", json!({})).await.ok()["marked"],
        1
    );
    assert_eq!(
        s.a1.get("/api/v1/me/questions").await.ok()["new_answers"],
        0
    );

    // The lead forwards q2 to the client; the client answers on the order page.
    lead_a
        .post(&format!("/api/v1/lead/questions/{q2id}/forward"), json!({}))
        .await
        .ok();
    let client_a = logged_in(&app, "client_a").await;
    let client_b = logged_in(&app, "client_b").await;
    let oq = format!("/api/v1/orders/{}/questions", s.order);
    let listed = client_a.get(&oq).await;
    assert_eq!(ids(&listed.ok()["questions"]), vec![q2id, q1id]);
    assert_eq!(client_a.get(&url).await.status.as_u16(), 200);
    assert_eq!(client_b.get(&oq).await.status.as_u16(), 404);
    assert_eq!(client_b.get(&url).await.status.as_u16(), 404);
    let ans2 = format!("/api/v1/orders/{}/questions/{q2id}/answer", s.order);
    assert_eq!(
        client_b
            .post(&ans2, json!({"text": "不是我的"}))
            .await
            .status
            .as_u16(),
        404
    );
    // q1 was not forwarded: the client may read its answer, not answer it.
    let ans1 = format!("/api/v1/orders/{}/questions/{q1id}/answer", s.order);
    assert_eq!(
        client_a
            .post(&ans1, json!({"text": "x"}))
            .await
            .status
            .as_u16(),
        404
    );
    assert_eq!(
        lead_a
            .post(&ans2, json!({"text": "x"}))
            .await
            .status
            .as_u16(),
        403
    );
    let g = client_a
        .post(&ans2, json!({"text": "看不清就选模糊"}))
        .await;
    assert_eq!(g.ok()["answer"]["by_role"], "client");
    let mine = s.a1.get("/api/v1/me/questions").await;
    assert_eq!(
        mine.ok()["questions"][0]["answer"]["text"],
        "看不清就选模糊"
    );
    assert_eq!(mine.body["new_answers"], 1);

    // a2 was given the same items: sees both answers (and hears the voice); b1 sees none.
    let theirs = s.a2.get("/api/v1/me/questions").await;
    assert_eq!(ids(&theirs.ok()["questions"]), Vec::<i64>::new());
    let mut seen = ids(&theirs.body["on_my_items"]);
    seen.sort_unstable();
    assert_eq!(seen, vec![q1id, q2id]);
    assert_eq!(s.a2.get(&url).await.status.as_u16(), 200);
    assert_eq!(s.a2.get(&aurl).await.status.as_u16(), 200);
    let other = s.b1.get("/api/v1/me/questions").await;
    assert_eq!(ids(&other.ok()["on_my_items"]), Vec::<i64>::new());
    for b in [&s.b1, &lead_b, &client_b] {
        assert_eq!(b.get(&aurl).await.status.as_u16(), 404);
    }
    // Leads and clients do not list annotators' own questions.
    assert_eq!(
        lead_a.get("/api/v1/me/questions").await.status.as_u16(),
        403
    );
    assert_eq!(
        s.a1.get("/api/v1/lead/questions").await.status.as_u16(),
        403
    );
    assert_eq!(s.a1.get(&oq).await.status.as_u16(), 403);
    let _ = s.w;
});

both!(a_held_item_stays_leased_until_answered, |app| {
    let s = scene(&app).await;
    let q =
        s.a1.post(
            "/api/v1/work/questions",
            json!({"assignment_id": s.aid, "item_id": s.items[0], "reason": "rule_unclear",
                   "text": "规则?", "while_open": "hold"}),
        )
        .await;
    let qid = q.ok()["id"].as_i64().unwrap();
    let later = mudou_store::now_millis() + 3 * 3600 * 1000;
    // Long past the lease: a2's unit lapses, a1's is held by the open question.
    app.state.store.expire_leases(later).await.unwrap();
    let state = |who: i64, aid: i64| {
        let store = app.state.store.clone();
        async move {
            store
                .get_assignment(
                    mudou_domain::UserId::new(who),
                    mudou_domain::AssignmentId::new(aid),
                )
                .await
                .unwrap()
                .state
        }
    };
    assert_eq!(state(s.w.ann_a1, s.aid).await, "active");
    assert_ne!(state(s.w.ann_a2, s.aid2).await, "active");
    let lead_a = logged_in(&app, "lead_a").await;
    lead_a
        .post(
            &format!("/api/v1/lead/questions/{qid}/answer"),
            json!({"text": "看说明第二条"}),
        )
        .await
        .ok();
    // Answered: the unit's lease was renewed, then lapses like any other.
    assert_eq!(state(s.w.ann_a1, s.aid).await, "active");
    app.state.store.expire_leases(later * 2).await.unwrap();
    assert_ne!(state(s.w.ann_a1, s.aid).await, "active");
});
