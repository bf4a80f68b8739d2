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

both!(
    an_unanswered_question_holds_its_item_three_days_at_most,
    |app| {
        let s = scene(&app).await;
        let qid =
            s.a1.post(
                "/api/v1/work/questions",
                json!({"assignment_id": s.aid, "item_id": s.items[0], "reason": "rule_unclear",
                   "text": "规则?", "while_open": "hold"}),
            )
            .await
            .ok()["id"]
                .as_i64()
                .unwrap();
        let state = || {
            let store = app.state.store.clone();
            let (who, aid) = (s.w.ann_a1, s.aid);
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
        let hold = mudou_store::QUESTION_HOLD_MS;
        let now = mudou_store::now_millis();
        // Two and a half days on, still held; past three days, the unit lapses like any other.
        app.state
            .store
            .expire_leases(now + hold - 12 * 3600 * 1000)
            .await
            .unwrap();
        assert_eq!(state().await, "active");
        app.state
            .store
            .expire_leases(now + hold + 60_000)
            .await
            .unwrap();
        assert_ne!(state().await, "active");
        // The question is still open in the lead's queue, and is answered all the same.
        let lead_a = logged_in(&app, "lead_a").await;
        let queue = lead_a.get("/api/v1/lead/questions").await;
        assert!(
            queue.ok()["questions"]
                .as_array()
                .unwrap()
                .iter()
                .any(|q| q["id"] == qid),
            "{:?}",
            queue.body
        );
        lead_a
            .post(
                &format!("/api/v1/lead/questions/{qid}/answer"),
                json!({"text": "看说明第二条"}),
            )
            .await
            .ok();
        let mine = s.a1.get("/api/v1/me/questions").await;
        assert!(
            mine.body.to_string().contains("看说明第二条"),
            "{:?}",
            mine.body
        );
    }
);

/// A valid 8-bit grey PNG of `w`×`h` pixels, every pixel `shade`.
fn png(w: u32, h: u32, shade: u8) -> Vec<u8> {
    use std::io::Write;
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend((data.len() as u32).to_be_bytes());
        out.extend(kind);
        out.extend(data);
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        out.extend(crc.sum().to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = w.to_be_bytes().to_vec();
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 0, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    let mut row = vec![shade; 1 + w as usize];
    row[0] = 0;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    for _ in 0..h {
        z.write_all(&row).unwrap();
    }
    chunk(&mut out, b"IDAT", &z.finish().unwrap());
    chunk(&mut out, b"IEND", &[]);
    out
}

async fn stored(app: &TestApp, bytes: &[u8]) -> bool {
    app.state
        .blobs
        .exists(BlobKind::Original, &sha(bytes))
        .await
        .unwrap()
}

both!(
    a_picture_answer_is_checked_stored_served_and_scoped,
    |app| {
        let w = app.world().await;
        // Four shapes pictures, three labels each: a1, a2 (centre A) and b1 (centre B) each
        // lease all four.
        let spec = crate::work::choice_spec(json!({"kind": "fixed", "n": 3}));
        let order = crate::work::order(&app, &w, 4, spec).await;
        let a1 = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;
        let a2 = annotator_browser(&app, w.ann_a2, "2222", "lead_a").await;
        let b1 = annotator_browser(&app, w.ann_b1, "3333", "lead_b").await;
        let (aid, items) = unit(&a1).await;
        let (_, items2) = unit(&a2).await;
        let (_, items_b) = unit(&b1).await;
        assert!(items2.contains(&items[0]) && items_b.contains(&items[0]));
        let ask = |item: i64| {
            json!({"assignment_id": aid, "item_id": item, "reason": "several_fit",
               "text": "圆还是方?", "while_open": "hold"})
        };
        let q1 = a1.post("/api/v1/work/questions", ask(items[0])).await;
        let q1id = q1.ok()["id"].as_i64().unwrap();
        assert!(q1.body["item"]["screen_url"].is_string());
        let lead_a = logged_in(&app, "lead_a").await;
        let answer = format!("/api/v1/lead/questions/{q1id}/answer");

        // Not a picture, a broken one, too many bytes, too many pixels: refused, nothing stored,
        // the question still open.
        let text = b"<svg>not a picture</svg>".to_vec();
        let mut broken = png(40, 30, 9);
        broken.truncate(broken.len() - 20);
        let mut heavy = b"\x89PNG\r\n\x1a\n".to_vec();
        heavy.resize((2 << 20) + 1, 1);
        let wide = png(5000, 2, 200);
        let mp3 = b"ID3\x03\0\0\0\0\0\0more".to_vec();
        for (bytes, status, code) in [
            (&text, 422, "not_image"),
            (&broken, 422, "not_image"),
            (&mp3, 422, "not_image"),
            (&heavy, 413, "picture_too_large"),
            (&wide, 413, "picture_too_large"),
        ] {
            let voice = wav(700);
            let g = lead_a
                .post(
                    &answer,
                    json!({"text": "看圈", "voice": {"base64": b64(&voice), "duration_ms": 700},
                       "picture": {"base64": b64(bytes)}}),
                )
                .await;
            assert_eq!(g.status.as_u16(), status, "{code}: {:?}", g.body);
            assert_eq!(g.code(), code);
            assert!(!stored(&app, bytes).await, "{code}");
            assert!(
                !stored(&app, &voice).await,
                "{code}: the voice note neither"
            );
        }
        let g = lead_a
            .post(&answer, json!({"picture": {"base64": "%%%"}}))
            .await;
        assert_eq!(g.status.as_u16(), 422);
        let g = lead_a
            .post(
                &answer,
                json!({"picture": {"base64": b64(&png(8, 8, 1)), "x": 1}}),
            )
            .await;
        assert_eq!(g.status.as_u16(), 422, "{:?}", g.body);
        assert!(a1.get("/api/v1/me/questions").await.ok()["questions"][0]["answer"].is_null());
        // Another centre's lead cannot answer with a picture either.
        let lead_b = logged_in(&app, "lead_b").await;
        let drawn = png(300, 200, 120);
        let g = lead_b
            .post(&answer, json!({"picture": {"base64": b64(&drawn)}}))
            .await;
        assert_eq!(g.status.as_u16(), 404);
        assert!(!stored(&app, &drawn).await);

        // The lead answers with the picture drawn on, and no words: stored, served.
        let g = lead_a
            .post(&answer, json!({"picture": {"base64": b64(&drawn)}}))
            .await;
        let purl = g.ok()["answer"]["picture_url"].as_str().unwrap().to_owned();
        assert_eq!(purl, format!("/api/v1/questions/{q1id}/answer/picture"));
        assert!(g.body["answer"]["text"].is_null());
        assert!(stored(&app, &drawn).await);
        let mine = a1.get("/api/v1/me/questions").await;
        assert_eq!(
            mine.ok()["questions"][0]["answer"]["picture_url"],
            purl.as_str()
        );
        assert_eq!(mine.body["new_answers"], 1);
        let seen = a1
            .http
            .get(format!("{}{purl}", a1.url))
            .send()
            .await
            .unwrap();
        assert_eq!(seen.status(), 200);
        assert_eq!(seen.headers()["content-type"], "image/png");
        assert_eq!(seen.bytes().await.unwrap().as_ref(), drawn.as_slice());
        // a2 (given the item) sees it listed and served, the centre's lead and the order's
        // client too; another centre's annotator (given the same item!) and lead, another
        // client: 404.
        let theirs = a2.get("/api/v1/me/questions").await;
        let listed = &theirs.ok()["on_my_items"][0];
        assert_eq!(listed["id"], q1id);
        assert_eq!(listed["why"], "same_item");
        assert_eq!(listed["answer"]["picture_url"], purl.as_str());
        let client_a = logged_in(&app, "client_a").await;
        let client_b = logged_in(&app, "client_b").await;
        for b in [&a2, &lead_a, &client_a] {
            assert_eq!(b.get(&purl).await.status.as_u16(), 200);
        }
        for b in [&b1, &lead_b, &client_b] {
            assert_eq!(b.get(&purl).await.status.as_u16(), 404);
        }
        assert_eq!(
            b1.get("/api/v1/me/questions").await.ok()["on_my_items"],
            json!([])
        );
        assert_eq!(app.browser().get(&purl).await.status.as_u16(), 401);
        // A question without a picture answer has none to serve.
        let q2 = a1.post("/api/v1/work/questions", ask(items[1])).await;
        let q2id = q2.ok()["id"].as_i64().unwrap();
        let nopic = format!("/api/v1/questions/{q2id}/answer/picture");
        assert_eq!(lead_a.get(&nopic).await.status.as_u16(), 404);

        // Forwarded, the client answers with words and a JPEG drawn on.
        lead_a
            .post(&format!("/api/v1/lead/questions/{q2id}/forward"), json!({}))
            .await
            .ok();
        let jpeg = std::fs::read(format!(
            "{}/../../datasets/shapes/shape_003.jpg",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let cans = format!("/api/v1/orders/{order}/questions/{q2id}/answer");
        let g = client_b
            .post(&cans, json!({"picture": {"base64": b64(&jpeg)}}))
            .await;
        assert_eq!(g.status.as_u16(), 404);
        let g = client_a
            .post(
                &cans,
                json!({"text": "画圈的是圆", "picture": {"base64": b64(&jpeg)}}),
            )
            .await;
        assert_eq!(g.ok()["answer"]["by_role"], "client");
        let cpurl = g.body["answer"]["picture_url"].as_str().unwrap().to_owned();
        let seen = a1
            .http
            .get(format!("{}{cpurl}", a1.url))
            .send()
            .await
            .unwrap();
        assert_eq!(seen.headers()["content-type"], "image/jpeg");
        assert_eq!(seen.bytes().await.unwrap().as_ref(), jpeg.as_slice());
        assert_eq!(b1.get(&cpurl).await.status.as_u16(), 404);
        assert_eq!(client_b.get(&cpurl).await.status.as_u16(), 404);
        let _ = w;
    }
);

/// One order of 12 texts for both centres, one label an item, units of 4: a1, a2 (centre
/// A) and b1 (centre B) each lease four texts of their own.
async fn apart(app: &TestApp) -> (World, i64, [(Browser, i64, Vec<i64>); 3]) {
    let w = app.world().await;
    let mut spec = text_spec("看评价", json!({"kind": "fixed", "n": 1}), 0.0, 0, 4);
    spec["eligible_centres"] = json!([w.centre_a, w.centre_b]);
    let t = text_order(app, w.org_a, "client_a", 12, spec).await;
    let a1 = annotator_browser(app, w.ann_a1, "1111", "lead_a").await;
    let a2 = annotator_browser(app, w.ann_a2, "2222", "lead_a").await;
    let b1 = annotator_browser(app, w.ann_b1, "3333", "lead_b").await;
    let (x1, i1) = unit(&a1).await;
    let (x2, i2) = unit(&a2).await;
    let (xb, ib) = unit(&b1).await;
    assert!(i1.iter().all(|i| !i2.contains(i) && !ib.contains(i)));
    (w, t.id, [(a1, x1, i1), (a2, x2, i2), (b1, xb, ib)])
}

fn similar_path(aid: i64, reason: &str, text: Option<&str>) -> String {
    let mut p = format!("/api/v1/work/questions/similar?assignment_id={aid}&reason={reason}");
    if let Some(t) = text {
        p.push_str("&text=");
        p.push_str(&t.bytes().map(|b| format!("%{b:02X}")).collect::<String>());
    }
    p
}

both!(answers_reach_those_who_ask_alike_within_the_centre, |app| {
    let (w, _order, [(a1, aid1, i1), (a2, aid2, i2), (b1, aidb, ib)]) = apart(&app).await;
    let lead_a = logged_in(&app, "lead_a").await;
    let lead_b = logged_in(&app, "lead_b").await;
    let ask = |aid: i64, item: i64, reason: &str, text: Option<&str>| {
        let mut b =
            json!({"assignment_id": aid, "item_id": item, "reason": reason, "while_open": "hold"});
        if let Some(t) = text {
            b["text"] = json!(t);
        }
        b
    };
    // Nothing answered yet: nothing alike.
    let g = a2
        .get(&similar_path(aid2, "several_fit", Some("是猫还是狗")))
        .await;
    assert_eq!(g.ok()["questions"], json!([]));

    // a1 asks; the lead answers in words and voice.
    let qa1 = a1
        .post(
            "/api/v1/work/questions",
            ask(aid1, i1[0], "several_fit", Some("这是猫还是狗？")),
        )
        .await
        .ok()["id"]
        .as_i64()
        .unwrap();
    let voice = wav(600);
    let g = lead_a
        .post(
            &format!("/api/v1/lead/questions/{qa1}/answer"),
            json!({"text": "有胡子的是猫", "voice": {"base64": b64(&voice), "duration_ms": 600}}),
        )
        .await;
    let vurl = g.ok()["answer"]["voice_url"].as_str().unwrap().to_owned();
    // A text item has no picture to draw on.
    let qa1b = a1
        .post("/api/v1/work/questions", ask(aid1, i1[1], "unclear", None))
        .await
        .ok()["id"]
        .as_i64()
        .unwrap();
    let drawn = png(60, 40, 3);
    let g = lead_a
        .post(
            &format!("/api/v1/lead/questions/{qa1b}/answer"),
            json!({"text": "看第二条", "picture": {"base64": b64(&drawn)}}),
        )
        .await;
    assert_eq!(g.status.as_u16(), 422);
    assert_eq!(g.body["error"]["field"], "picture", "{:?}", g.body);
    assert!(!stored(&app, &drawn).await);

    // b1 (centre B) asks the same thing; their lead answers.
    let qb1 = b1
        .post(
            "/api/v1/work/questions",
            ask(aidb, ib[0], "several_fit", Some("是猫还是狗")),
        )
        .await
        .ok()["id"]
        .as_i64()
        .unwrap();
    let g = lead_b
        .post(
            &format!("/api/v1/lead/questions/{qb1}/answer"),
            json!({"text": "B 中心的回答", "voice": {"base64": b64(&wav(500)), "duration_ms": 500}}),
        )
        .await;
    let burl = g.ok()["answer"]["voice_url"].as_str().unwrap().to_owned();

    // Before asking, a2 sees a1's answered question (alike words first), never B's.
    let g = a2
        .get(&similar_path(aid2, "several_fit", Some("是猫还是狗")))
        .await;
    assert_eq!(ids(&g.ok()["questions"]), vec![qa1]);
    assert_eq!(g.body["questions"][0]["why"], "similar");
    assert_eq!(g.body["questions"][0]["answer"]["text"], "有胡子的是猫");
    // Only the reason known: still shown, as the same reason.
    let g = a2.get(&similar_path(aid2, "several_fit", None)).await;
    assert_eq!(ids(&g.ok()["questions"]), vec![qa1]);
    assert_eq!(g.body["questions"][0]["why"], "same_reason");
    // Other words, another reason: nothing.
    let g = a2
        .get(&similar_path(aid2, "several_fit", Some("车还是人")))
        .await;
    assert_eq!(g.ok()["questions"], json!([]));
    let g = a2
        .get(&similar_path(aid2, "no_label_fits", Some("是猫还是狗")))
        .await;
    assert_eq!(g.ok()["questions"], json!([]));
    // b1 sees B's only.
    let g = b1
        .get(&similar_path(aidb, "several_fit", Some("猫还是狗")))
        .await;
    assert_eq!(ids(&g.ok()["questions"]), vec![qb1]);
    // Someone else's unit, a unit by another centre, bad input, other roles: refused.
    assert_eq!(
        a2.get(&similar_path(aid1, "several_fit", None))
            .await
            .status
            .as_u16(),
        404
    );
    assert_eq!(
        a2.get(&similar_path(aidb, "several_fit", None))
            .await
            .status
            .as_u16(),
        404
    );
    assert_eq!(
        a2.get(&similar_path(aid2, "sad", None))
            .await
            .status
            .as_u16(),
        400
    );
    assert_eq!(
        a2.get(&format!("{}&x=1", similar_path(aid2, "unclear", None)))
            .await
            .status
            .as_u16(),
        400
    );
    let long = "猫".repeat(501);
    assert_eq!(
        a2.get(&similar_path(aid2, "unclear", Some(&long)))
            .await
            .status
            .as_u16(),
        422
    );
    assert_eq!(
        lead_a
            .get(&similar_path(aid2, "several_fit", None))
            .await
            .status
            .as_u16(),
        403
    );

    // a2 hears a1's answer (the same order), not B's; b1 not a1's.
    assert_eq!(a2.get(&vurl).await.status.as_u16(), 200);
    assert_eq!(a2.get(&burl).await.status.as_u16(), 404);
    assert_eq!(b1.get(&vurl).await.status.as_u16(), 404);

    // a2 asks anyway (words alike): a1's answer reaches a2's home, marked similar, once.
    let qa2 = a2
        .post(
            "/api/v1/work/questions",
            ask(aid2, i2[0], "several_fit", Some("猫还是狗？")),
        )
        .await
        .ok()["id"]
        .as_i64()
        .unwrap();
    // And a question alike by its reason alone (a voice note) pushes nothing.
    a2.post("/api/v1/work/questions", ask(aid2, i2[1], "unclear", None))
        .await
        .ok();
    let home = a2.get("/api/v1/me/questions").await;
    let others = home.ok()["on_my_items"].as_array().unwrap().clone();
    assert_eq!(ids(&json!(others)), vec![qa1], "{others:?}");
    assert_eq!(others[0]["why"], "similar");
    assert_eq!(others[0]["similar_to"], qa2);
    assert_eq!(others[0]["answer"]["voice_url"], vurl.as_str());
    // a1's own list has no question of theirs among others'; b1's none of centre A's.
    let home = a1.get("/api/v1/me/questions").await;
    assert_eq!(home.ok()["on_my_items"], json!([]));
    let home = b1.get("/api/v1/me/questions").await;
    assert_eq!(home.ok()["on_my_items"], json!([]));
    let _ = w;
});

both!(an_answer_on_my_item_and_like_mine_is_listed_once, |app| {
    let s = scene(&app).await;
    let q1 =
        s.a1.post(
            "/api/v1/work/questions",
            json!({"assignment_id": s.aid, "item_id": s.items[0], "reason": "no_label_fits",
                   "text": "这是什么东西", "while_open": "hold"}),
        )
        .await
        .ok()["id"]
            .as_i64()
            .unwrap();
    let lead_a = logged_in(&app, "lead_a").await;
    lead_a
        .post(
            &format!("/api/v1/lead/questions/{q1}/answer"),
            json!({"text": "选其他"}),
        )
        .await
        .ok();
    // a2 was given that item and asks alike words about another one.
    let other = *s.items2.iter().find(|i| **i != s.items[0]).unwrap();
    s.a2.post(
        "/api/v1/work/questions",
        json!({"assignment_id": s.aid2, "item_id": other, "reason": "no_label_fits",
               "text": "这是什么？", "while_open": "hold"}),
    )
    .await
    .ok();
    let home = s.a2.get("/api/v1/me/questions").await;
    assert_eq!(ids(&home.ok()["on_my_items"]), vec![q1]);
    assert_eq!(home.body["on_my_items"][0]["why"], "same_item");
});

both!(
    the_item_of_an_answer_that_reaches_me_is_shown_to_me,
    |app| {
        let w = app.world().await;
        // Twelve pictures, one label each, units of five: a1, a2 (centre A) and b1 (centre
        // B) lease pictures of their own.
        let mut spec = crate::work::choice_spec(json!({"kind": "fixed", "n": 1}));
        spec["eligible_centres"] = json!([w.centre_a, w.centre_b]);
        crate::work::order(&app, &w, 12, spec).await;
        let a1 = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;
        let a2 = annotator_browser(&app, w.ann_a2, "2222", "lead_a").await;
        let b1 = annotator_browser(&app, w.ann_b1, "3333", "lead_b").await;
        let (aid, items) = unit(&a1).await;
        let (_, items2) = unit(&a2).await;
        let (_, items_b) = unit(&b1).await;
        assert!(!items2.contains(&items[0]) && !items_b.contains(&items[0]));
        let q = a1
            .post(
                "/api/v1/work/questions",
                json!({"assignment_id": aid, "item_id": items[0], "reason": "several_fit",
                   "text": "圆还是方", "while_open": "hold"}),
            )
            .await;
        let qid = q.ok()["id"].as_i64().unwrap();
        let thumb = q.body["item"]["thumb_url"].as_str().unwrap().to_owned();
        // Open: the picture is a1's only.
        assert_eq!(a1.get(&thumb).await.status.as_u16(), 200);
        assert_eq!(a2.get(&thumb).await.status.as_u16(), 404);
        let lead_a = logged_in(&app, "lead_a").await;
        lead_a
            .post(
                &format!("/api/v1/lead/questions/{qid}/answer"),
                json!({"text": "有角的是方"}),
            )
            .await
            .ok();
        // Answered: a2 (same centre, same order) sees it among the answers alike and its
        // picture; b1 (another centre, same order) neither.
        let g = a2
            .get(&format!(
                "/api/v1/work/questions/similar?assignment_id={}&reason=several_fit",
                unit(&a2).await.0
            ))
            .await;
        assert_eq!(ids(&g.ok()["questions"]), vec![qid]);
        assert_eq!(a2.get(&thumb).await.status.as_u16(), 200);
        assert_eq!(b1.get(&thumb).await.status.as_u16(), 404);
    }
);
