//! Living instructions and voice: a new instructions version after publish (labels carry
//! the version they were made under; each annotator sees the new example once, before
//! their next unit), recorded read-alouds (scoped, sniffed, bounded) and speech made on the
//! server by espeak-ng.

use std::collections::HashMap;

use mudou_domain::ErrorCode;
use serde_json::{Value, json};

use crate::sim::{SimWorker, text_order, text_spec};
use crate::{Browser, Got, TestApp, World, both};

/// An open text order of client_a for centre A alone: 12 texts, one label each, units of 2.
async fn order(app: &TestApp, w: &World) -> (i64, HashMap<i64, String>) {
    let mut spec = text_spec("看评价", json!({"kind": "fixed", "n": 1}), 0.0, 0, 2);
    spec["eligible_centres"] = json!([w.centre_a]);
    spec["instructions"] = json!("看评价，选好评或差评");
    let t = text_order(app, w.org_a, "client_a", 12, spec).await;
    (t.id, t.truth)
}

async fn logged_in(app: &TestApp, who: &str) -> Browser {
    let b = app.browser();
    b.login(who).await.ok();
    b
}

/// The raw labels of an order as its JSONL export gives them: item → instructions version.
async fn label_versions(c: &Browser, order: i64) -> HashMap<i64, Option<i64>> {
    let r = c
        .http
        .get(format!(
            "{}/api/v1/orders/{order}/export?format=jsonl&include=all",
            c.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    let mut out = HashMap::new();
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        for l in v["labels"].as_array().into_iter().flatten() {
            out.insert(
                v["item_id"].as_i64().unwrap(),
                l["instructions_version"].as_i64(),
            );
        }
    }
    out
}

both!(a_new_version_reaches_labels_and_annotators_once, |app| {
    let w = app.world().await;
    let (order, truth) = order(&app, &w).await;
    let client = logged_in(&app, "client_a").await;
    let path = format!("/api/v1/orders/{order}/instructions");

    // Before any change: version 1, the spec as published.
    let v = client.get(&path).await;
    assert_eq!(v.ok()["current_version"], 1);
    assert_eq!(
        v.body["versions"][0]["instructions"],
        "看评价，选好评或差评"
    );

    let mut a1 = SimWorker::new(&app, w.ann_a1, "1111", "lead_a", 1.0, 2000, 1).await;
    let first = a1.browser.get("/api/v1/work/next").await;
    assert_eq!(first.ok()["assignment"]["order"]["instructions_version"], 1);
    assert!(first.body["assignment"]["order"]["new_example"].is_null());
    let (_, before) = a1.do_unit(&truth).await.unwrap();

    // The client adds an item as an example with words, in one step.
    let example = *truth.keys().min().unwrap();
    let made = client
        .post(
            &path,
            json!({"example_item_id": example, "example_words": "这样的是好评"}),
        )
        .await;
    assert_eq!(made.ok()["version"], 2);
    assert_eq!(made.body["example_item_id"], example);
    let listed = client.get(&path).await;
    assert_eq!(listed.ok()["current_version"], 2);
    let versions = listed.body["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2, "{versions:?}");
    assert_eq!(versions[0]["version"], 2);
    assert_eq!(versions[0]["example_words"], "这样的是好评");
    assert_eq!(versions[1]["version"], 1);
    assert_eq!(versions[1]["instruction_examples"], json!([]));

    // The annotator's next unit opens with the new example, once.
    let next = a1.browser.get("/api/v1/work/next").await;
    let brief = &next.ok()["assignment"]["order"];
    assert_eq!(brief["instructions_version"], 2);
    assert_eq!(brief["new_example"]["version"], 2);
    assert_eq!(brief["new_example"]["item_id"], example);
    assert_eq!(brief["new_example"]["words"], "这样的是好评");
    assert!(
        brief["new_example"]["text"]
            .as_str()
            .unwrap()
            .contains("评价")
    );
    assert_eq!(brief["instruction_examples"], json!([example]));
    // The same unit again (do_unit asks once more): no notice the second time.
    let again = a1.browser.get("/api/v1/work/next").await;
    assert!(again.ok()["assignment"]["order"]["new_example"].is_null());
    let (_, after) = a1.do_unit(&truth).await.unwrap();
    // Someone new to the order is shown nothing "new" (the help shows every example)...
    let mut a2 = SimWorker::new(&app, w.ann_a2, "2222", "lead_a", 1.0, 2000, 2).await;
    let theirs = a2.browser.get("/api/v1/work/next").await;
    assert!(theirs.ok()["assignment"]["order"]["new_example"].is_null());
    a2.do_unit(&truth).await.unwrap();

    // Labels carry the version they were made under.
    let versions = label_versions(&client, order).await;
    for i in &before {
        assert_eq!(versions[i], Some(1), "item {i} labelled before the change");
    }
    for i in &after {
        assert_eq!(versions[i], Some(2), "item {i} labelled after the change");
    }

    // New words alone make version 3; bad input stores nothing.
    client
        .post(&path, json!({"instructions": "看评价：夸的是好评"}))
        .await
        .ok();
    client
        .post(&path, json!({}))
        .await
        .refused(ErrorCode::Validation);
    client
        .post(&path, json!({"example_item_id": 999_999}))
        .await
        .refused(ErrorCode::Validation);
    client
        .post(&path, json!({"example_words": "没有图"}))
        .await
        .refused(ErrorCode::Validation);
    assert_eq!(client.get(&path).await.ok()["current_version"], 3);
    // ...but is from then on: version 3 (new words alone) comes to both, with its words.
    for who in [&a1, &a2] {
        let next = who.browser.get("/api/v1/work/next").await;
        let fresh = &next.ok()["assignment"]["order"]["new_example"];
        assert_eq!(fresh["version"], 3, "{}", next.body);
        assert!(fresh["item_id"].is_null());
        assert_eq!(fresh["words"], "看评价：夸的是好评");
    }

    // Another org's client can neither read nor change it; an annotator or lead is no client.
    let other = logged_in(&app, "client_b").await;
    other.get(&path).await.refused(ErrorCode::NotFound);
    other
        .post(&path, json!({"instructions": "乱改"}))
        .await
        .refused(ErrorCode::NotFound);
    a1.browser.get(&path).await.refused(ErrorCode::Forbidden);
    logged_in(&app, "lead_a")
        .await
        .post(&path, json!({"instructions": "乱改"}))
        .await
        .refused(ErrorCode::Forbidden);

    // A cancelled order: 409, nothing stored.
    client
        .post(&format!("/api/v1/orders/{order}/cancel"), json!({}))
        .await
        .ok();
    let g = client
        .post(
            &path,
            json!({"instructions": "取消了还改", "example_item_id": example}),
        )
        .await;
    g.refused(ErrorCode::OrderState);
    assert_eq!(g.body["error"]["state"], "cancelled");
    let listed = client.get(&path).await;
    assert_eq!(listed.ok()["current_version"], 3);
    assert_eq!(listed.body["versions"].as_array().unwrap().len(), 3);
    assert_eq!(
        listed.body["versions"][0]["instructions"],
        "看评价：夸的是好评"
    );
});

both!(a_draft_changes_its_instructions_by_editing, |app| {
    let w = app.world().await;
    let ds = app.dataset(w.org_a, "草稿").await;
    let client = logged_in(&app, "client_a").await;
    let spec = text_spec("草稿单", json!({"kind": "fixed", "n": 1}), 0.0, 0, 2);
    let o = client
        .post("/api/v1/orders", json!({"dataset_id": ds.id, "spec": spec}))
        .await;
    let id = o.ok()["id"].as_i64().unwrap();
    client
        .post(
            &format!("/api/v1/orders/{id}/instructions"),
            json!({"instructions": "新"}),
        )
        .await
        .refused(ErrorCode::OrderState);
});

fn wav(seconds: usize) -> Vec<u8> {
    mudou_media::wav_pcm16(8000, &vec![0; 8000 * seconds])
}

async fn put_audio(b: &Browser, path: &str, bytes: Vec<u8>) -> Got {
    Got::from(
        b.http
            .put(format!("{}{path}", b.url))
            .header("content-type", "application/octet-stream")
            .body(bytes)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn get_bytes(b: &Browser, path: &str) -> (u16, String, Vec<u8>) {
    let r = b.http.get(format!("{}{path}", b.url)).send().await.unwrap();
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, ct, r.bytes().await.unwrap().to_vec())
}

both!(recordings_are_checked_scoped_and_played, |app| {
    let w = app.world().await;
    let (order, truth) = order(&app, &w).await;
    let client = logged_in(&app, "client_a").await;
    let lead_a = logged_in(&app, "lead_a").await;
    let lead_b = logged_in(&app, "lead_b").await;
    let client_b = logged_in(&app, "client_b").await;
    let base = format!("/api/v1/orders/{order}/recordings");
    let key = truth.values().next().unwrap().clone();

    let one = wav(1);
    let put = put_audio(&client, &format!("{base}/instructions"), one.clone()).await;
    assert!(
        put.ok()["url"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{base}/instructions"))
    );
    put_audio(&lead_a, &format!("{base}/label:{key}"), wav(2))
        .await
        .ok();

    // Refused: not audio, too large, too long, an unknown label; nothing stored.
    put_audio(
        &client,
        &format!("{base}/label:{key}"),
        b"\x89PNG\r\n\x1a\nxxxxxxxx".to_vec(),
    )
    .await
    .refused(ErrorCode::NotAudio);
    put_audio(
        &client,
        &format!("{base}/label:{key}"),
        vec![b'R'; 1024 * 1024 + 1],
    )
    .await
    // The route's body limit answers before the recording is read.
    .refused(ErrorCode::PayloadTooLarge);
    put_audio(&client, &format!("{base}/label:{key}"), wav(61))
        .await
        .refused(ErrorCode::VoiceTooLong);
    put_audio(&client, &format!("{base}/label:nope"), wav(1))
        .await
        .refused(ErrorCode::Validation);
    // Not theirs: another org's client, a lead of a centre not on the order, an annotator.
    put_audio(&client_b, &format!("{base}/instructions"), wav(1))
        .await
        .refused(ErrorCode::NotFound);
    put_audio(&lead_b, &format!("{base}/instructions"), wav(1))
        .await
        .refused(ErrorCode::NotFound);
    let a1 = SimWorker::new(&app, w.ann_a1, "1111", "lead_a", 1.0, 2000, 1).await;
    put_audio(&a1.browser, &format!("{base}/instructions"), wav(1))
        .await
        .refused(ErrorCode::Forbidden);

    // The work brief names the recordings; the annotator plays them.
    let next = a1.browser.get("/api/v1/work/next").await;
    let brief = &next.ok()["assignment"]["order"];
    let url = brief["audio_url"].as_str().unwrap().to_owned();
    let label_url = brief["label_audio"][&key].as_str().unwrap().to_owned();
    let (status, ct, bytes) = get_bytes(&a1.browser, &url).await;
    assert_eq!((status, ct.as_str()), (200, "audio/wav"));
    assert_eq!(bytes, one);
    assert_eq!(get_bytes(&a1.browser, &label_url).await.2, wav(2));
    assert_eq!(get_bytes(&client, &url).await.0, 200);
    assert_eq!(
        client
            .get(&format!("/api/v1/orders/{order}/instructions"))
            .await
            .ok()["recordings"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // Others hear nothing.
    assert_eq!(get_bytes(&client_b, &url).await.0, 404);
    assert_eq!(get_bytes(&lead_b, &url).await.0, 404);
    let b1 = SimWorker::new(&app, w.ann_b1, "3333", "lead_b", 1.0, 2000, 3).await;
    assert_eq!(get_bytes(&b1.browser, &url).await.0, 404);
    assert_eq!(get_bytes(&app.browser(), &url).await.0, 401);

    // A cancelled order takes no new recordings.
    client
        .post(&format!("/api/v1/orders/{order}/cancel"), json!({}))
        .await
        .ok();
    put_audio(&client, &format!("{base}/instructions"), wav(3))
        .await
        .refused(ErrorCode::OrderState);
    assert_eq!(get_bytes(&client, &url).await.2, one);
});

both!(the_server_speaks_with_espeak_ng, |app| {
    let w = app.world().await;
    let a1 = SimWorker::new(&app, w.ann_a1, "1111", "lead_a", 1.0, 2000, 1).await;
    let path = "/api/v1/speech?text=%E8%BF%99%E6%98%AF%E5%A5%BD%E8%AF%84&lang=zh";
    let (status, ct, bytes) = get_bytes(&a1.browser, path).await;
    assert_eq!(
        (status, ct.as_str()),
        (200, "audio/wav"),
        "{}",
        String::from_utf8_lossy(&bytes)
    );
    assert_eq!(
        mudou_media::sniff_audio(&bytes),
        Ok(mudou_media::AudioKind::Wav)
    );
    let ms = mudou_media::audio_duration_ms(mudou_media::AudioKind::Wav, &bytes).unwrap();
    assert!(ms > 200, "espeak-ng said it in {ms} ms");
    // Made once, then kept: the same bytes again.
    assert_eq!(get_bytes(&a1.browser, path).await.2, bytes);
    // Bounded, and for logged-in users only.
    let long = "好".repeat(301);
    a1.browser
        .get(&format!("/api/v1/speech?text={long}"))
        .await
        .refused(ErrorCode::Validation);
    a1.browser
        .get("/api/v1/speech?text=hi&lang=fr")
        .await
        .refused(ErrorCode::Validation);
    assert_eq!(get_bytes(&app.browser(), path).await.0, 401);
});
