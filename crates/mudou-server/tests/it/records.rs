//! Items as records (issue "Orders of any shape", item 1): a ZIP with a CSV or JSONL manifest
//! whose columns are fields, rows refused with their reason, `fields` in every item list, who
//! may see a record's second picture, a template order on pairs, and items from before.

use std::io::Write;

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::work::annotator_browser;
use crate::{Browser, Got, TestApp, both};

fn shape(n: usize) -> Vec<u8> {
    let dir = format!("{}/../../datasets/shapes", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(format!("{dir}/shape_{n:03}.jpg")).unwrap()
}

fn zip_of(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

async fn upload(b: &Browser, dataset: i64, name: &str, bytes: Vec<u8>) -> Got {
    let form = Form::new().part("files", Part::bytes(bytes).file_name(name.to_owned()));
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

/// `(file_name, status, code)` of every outcome whose name starts with `prefix`.
fn outcomes(body: &Value, prefix: &str) -> Vec<(String, String, String)> {
    body["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["file_name"].as_str().unwrap().starts_with(prefix))
        .map(|f| {
            (
                f["file_name"].as_str().unwrap().to_owned(),
                f["status"].as_str().unwrap().to_owned(),
                f["code"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

fn owned(v: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    v.iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect()
}

/// "What changed between the two pictures?"
fn pairs_spec() -> Value {
    json!({
        "name": "哪里变了",
        "task_type": "template",
        "labels": [],
        "template": {
            "layout": "side_by_side",
            "fields": [{"name": "before", "kind": "image", "title_zh": "之前"},
                       {"name": "after", "kind": "image", "title_zh": "之后"}],
            "questions": [{"key": "changed", "kind": "choice", "title_zh": "变了什么?",
                "options": [{"key": "nothing", "name_zh": "没变", "hotkey": "1"},
                            {"key": "moved", "name_zh": "移动了", "hotkey": "2"},
                            {"key": "new", "name_zh": "新东西", "hotkey": "3"}]}]
        },
        "overlap": {"kind": "fixed", "n": 1},
        "unit_size": 5,
        "piece_rate_fen": 10,
        "required_qualification": null,
        "required_level": null,
        "deadline": null
    })
}

/// The status of a GET of `path` by `b`.
async fn status(b: &Browser, path: &str) -> u16 {
    b.get(path).await.status.as_u16()
}

both!(records_from_a_csv_manifest_are_labelled_as_pairs, |app| {
    let w = app.world().await;
    let c = client(&app, "client_a").await;
    let ds = new_dataset(&c, "成对").await;

    // Two records share their "before" picture; one names a missing file, one a text file.
    let manifest = "before,after,note,tag\n\
                    b/1.jpg,a/1.jpg,椅子挪了,kitchen\n\
                    b/1.jpg,a/2.jpg,\"lamp, new\",kitchen\n\
                    b/2.jpg,a/3.jpg,,hall\n\
                    b/3.jpg,a/gone.jpg,missing,hall\n\
                    b/3.jpg,a/notes.txt,not a picture,hall\n";
    let zip = zip_of(&[
        ("manifest.csv", manifest.as_bytes().to_vec()),
        ("b/1.jpg", shape(0)),
        ("b/2.jpg", shape(1)),
        ("b/3.jpg", shape(2)),
        ("a/1.jpg", shape(3)),
        ("a/2.jpg", shape(4)),
        ("a/3.jpg", shape(5)),
        ("a/notes.txt", b"hello".to_vec()),
        ("unused.jpg", shape(6)),
    ]);
    let got = upload(&c, ds, "pairs.zip", zip).await;
    let body = got.ok().clone();
    assert_eq!(
        outcomes(&body, ""),
        owned(&[
            ("manifest.csv:2", "accepted", ""),
            ("manifest.csv:3", "accepted", ""),
            ("manifest.csv:4", "accepted", ""),
            ("manifest.csv:5", "rejected", "missing_file"),
            ("manifest.csv:6", "rejected", "not_an_image"),
        ]),
        "{body:#}"
    );
    let msg = body["files"][3]["message"].as_str().unwrap();
    assert!(msg.contains("after") && msg.contains("a/gone.jpg"), "{msg}");
    assert_eq!(body["accepted"], 3);
    assert_eq!(body["rejected"], 2);

    let listed = items(&c, ds).await;
    assert_eq!(listed.len(), 3);
    let first = &listed[0];
    assert_eq!(
        first["kind"], "image",
        "the first field stays the item's kind"
    );
    assert_eq!(first["tag"], "kitchen");
    let fields = first["fields"].as_array().unwrap();
    let names: Vec<&str> = fields.iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["before", "after", "note"]);
    assert_eq!(fields[0]["kind"], "image");
    assert_eq!(fields[0]["thumb_url"], first["thumb_url"]);
    assert_eq!(fields[0]["width"], first["width"]);
    assert_eq!(fields[1]["kind"], "image");
    assert!(
        fields[1]["screen_url"]
            .as_str()
            .unwrap()
            .starts_with("/api/v1/media/")
    );
    assert_ne!(fields[1]["screen_url"], fields[0]["screen_url"]);
    assert!(fields[1]["width"].as_i64().unwrap() > 0);
    assert_eq!(
        fields[2],
        json!({"name": "note", "kind": "text", "text": "椅子挪了"})
    );
    // The same "before" picture in two records: both kept, one stored file.
    assert_eq!(
        listed[1]["fields"][0]["screen_url"],
        fields[0]["screen_url"]
    );
    assert_eq!(listed[1]["fields"][2]["text"], "lamp, new");
    assert_eq!(listed[2]["fields"][2]["text"], "");

    // A template order on the pairs publishes.
    let o = c
        .post(
            "/api/v1/orders",
            json!({"dataset_id": ds, "spec": pairs_spec()}),
        )
        .await;
    assert_eq!(o.status.as_u16(), 201, "{}", o.body);
    let order = o.body["id"].as_i64().unwrap();
    c.post(&format!("/api/v1/orders/{order}/publish"), json!({}))
        .await
        .ok();

    // An annotator of centre A gets the pairs with both pictures and may fetch them.
    let a1 = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;
    let next = a1.get("/api/v1/work/next").await;
    assert_eq!(next.ok()["status"], "assigned", "{}", next.body);
    let asg = next.body["assignment"].clone();
    let aid = asg["id"].as_i64().unwrap();
    let work = asg["items"].as_array().unwrap();
    assert_eq!(work.len(), 3);
    for it in work {
        let f = it["fields"].as_array().unwrap();
        assert_eq!(f.len(), 3, "{it:#}");
        assert_eq!(f[0]["screen_url"], it["screen_url"]);
        for pic in &f[..2] {
            let url = pic["screen_url"].as_str().unwrap();
            assert_eq!(status(&a1, url).await, 200, "{url}");
            assert_eq!(status(&a1, pic["thumb_url"].as_str().unwrap()).await, 200);
        }
    }
    let second = work[0]["fields"][1]["screen_url"]
        .as_str()
        .unwrap()
        .to_owned();
    let lead_a = client(&app, "lead_a").await;
    assert_eq!(
        status(&lead_a, &second).await,
        200,
        "the centre's lead sees it"
    );
    assert_eq!(status(&c, &second).await, 200, "the owning client sees it");
    // Another organisation's client, another centre's annotator and lead do not.
    let other = client(&app, "client_b").await;
    assert_eq!(status(&other, &second).await, 404);
    let b1 = annotator_browser(&app, w.ann_b1, "3333", "lead_b").await;
    assert_eq!(status(&b1, &second).await, 404);
    let lead_b = client(&app, "lead_b").await;
    assert_eq!(status(&lead_b, &second).await, 404);

    // Labels on the pairs; the export carries them.
    for it in work {
        let item = it["item_id"].as_i64().unwrap();
        let body = json!({"client_uuid": uuid::Uuid::new_v4().to_string(), "assignment_id": aid,
            "item_id": item, "answer": {"changed": "moved"}, "duration_ms": 1500});
        let got = a1.post("/api/v1/work/labels", body).await;
        assert_eq!(got.status.as_u16(), 200, "{}", got.body);
    }
    let bad = json!({"client_uuid": uuid::Uuid::new_v4().to_string(), "assignment_id": aid,
        "item_id": work[0]["item_id"], "answer": {"changed": "burnt"}, "duration_ms": 1500});
    assert_eq!(
        a1.post("/api/v1/work/labels", bad).await.status.as_u16(),
        422
    );
    let export = c
        .get(&format!(
            "/api/v1/orders/{order}/export?format=jsonl&include=all"
        ))
        .await;
    assert_eq!(export.status.as_u16(), 200, "{}", export.body);
    let text = export
        .body
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| export.body.to_string());
    let lines: Vec<Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "{text}");
    for l in &lines {
        assert_eq!(l["labels"][0]["answer"]["changed"], "moved", "{l}");
        // Each field as the client named it: pictures by their path in the ZIP.
        let f = l["fields"].as_array().unwrap();
        assert_eq!(f.len(), 3, "{l}");
        assert!(f[0]["file"].as_str().unwrap().starts_with("b/"), "{l}");
        assert!(f[1]["file"].as_str().unwrap().starts_with("a/"), "{l}");
        assert_eq!(f[2]["kind"], "text");
    }
    let csv_text = c
        .http
        .get(format!(
            "{}/api/v1/orders/{order}/export?format=csv&include=all",
            c.url
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut r = csv::Reader::from_reader(csv_text.trim_start_matches('\u{feff}').as_bytes());
    let head: Vec<String> = r.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(&head[4..6], ["field.before", "field.after"]);
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert!(
        rows.iter()
            .any(|r| &r[4] == "b/1.jpg" && &r[5] == "a/2.jpg"),
        "{csv_text}"
    );

    // A plain picture added to the pairs' dataset lacks the template's fields: sync refuses.
    let got = upload(&c, ds, "extra.jpg", shape(7)).await;
    assert_eq!(got.ok()["accepted"], 1);
    let sync = c
        .post(&format!("/api/v1/orders/{order}/sync"), json!({}))
        .await;
    assert_eq!(sync.status.as_u16(), 422, "{}", sync.body);
    assert_eq!(sync.code(), "validation");
    assert!(
        sync.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("`before`"),
        "{}",
        sync.body
    );
});

both!(records_from_jsonl_and_items_from_before, |app| {
    let _w = app.world().await;
    let c = client(&app, "client_a").await;

    // JSONL: the keys' order is the fields' order; a suffix names the kind.
    let ds = new_dataset(&c, "jsonl").await;
    let manifest = "{\"after\": \"p/2.jpg\", \"before\": \"p/1.jpg\", \"note:text\": \"x.jpg\", \"gold\": {\"changed\": \"moved\"}}\n\
                    {\"after\": \"p/3.jpg\", \"before\": \"p/nowhere.jpg\", \"note:text\": \"y\"}\n";
    let zip = zip_of(&[
        ("data/manifest.jsonl", manifest.as_bytes().to_vec()),
        ("data/p/1.jpg", shape(10)),
        ("data/p/2.jpg", shape(11)),
        ("data/p/3.jpg", shape(12)),
    ]);
    let got = upload(&c, ds, "pairs.zip", zip).await;
    assert_eq!(
        outcomes(got.ok(), "data/manifest.jsonl"),
        owned(&[
            ("data/manifest.jsonl:1", "accepted", ""),
            ("data/manifest.jsonl:2", "rejected", "missing_file"),
        ]),
        "{}",
        got.body
    );
    let listed = items(&c, ds).await;
    assert_eq!(listed.len(), 1);
    let f = listed[0]["fields"].as_array().unwrap();
    let names: Vec<(&str, &str)> = f
        .iter()
        .map(|f| (f["name"].as_str().unwrap(), f["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        names,
        [("after", "image"), ("before", "image"), ("note", "text")]
    );
    assert_eq!(f[2]["text"], "x.jpg");
    assert_eq!(listed[0]["gold"], json!({"changed": "moved"}));
    assert_eq!(listed[0]["file_name"], "p/2.jpg");

    // A picture uploaded as before: one field named `image`, and a second upload of it is a
    // duplicate (records never are).
    let plain = new_dataset(&c, "plain").await;
    let got = upload(&c, plain, "one.jpg", shape(10)).await;
    assert_eq!(got.ok()["accepted"], 1);
    let again = upload(&c, plain, "again.jpg", shape(10)).await;
    assert_eq!(again.ok()["duplicates"], 1, "{}", again.body);
    let listed = items(&c, plain).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["kind"], "image");
    let f = listed[0]["fields"].as_array().unwrap();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["name"], "image");
    assert_eq!(f[0]["kind"], "image");
    assert_eq!(f[0]["screen_url"], listed[0]["screen_url"]);
    assert_eq!(f[0]["height"], listed[0]["height"]);
    // The same picture in a records dataset is no duplicate of the plain item either.
    let same = upload(&c, ds, "same.jpg", shape(10)).await;
    assert_eq!(same.ok()["accepted"], 1, "{}", same.body);

    // A template order on plain pictures: 422 naming the field it lacks.
    let o = c
        .post(
            "/api/v1/orders",
            json!({"dataset_id": plain, "spec": pairs_spec()}),
        )
        .await;
    let order = o.ok()["id"].as_i64().unwrap();
    let p = c
        .post(&format!("/api/v1/orders/{order}/publish"), json!({}))
        .await;
    assert_eq!(p.status.as_u16(), 422, "{}", p.body);
    assert_eq!(p.code(), "validation");
    assert!(
        p.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("`before`"),
        "{}",
        p.body
    );

    // A text item reads as one field named `text`.
    let texts = Form::new().part(
        "texts",
        Part::bytes(b"text\nhello\n".to_vec()).file_name("t.csv".to_owned()),
    );
    let got = Got::from(
        c.http
            .post(format!("{}/api/v1/datasets/{plain}/files", c.url))
            .header("connection", "close")
            .multipart(texts)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(got.ok()["accepted"], 1);
    let listed = items(&c, plain).await;
    assert_eq!(
        listed[1]["fields"],
        json!([{"name": "text", "kind": "text", "text": "hello"}])
    );
});
