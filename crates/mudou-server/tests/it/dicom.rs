//! DICOM in (issue 31): a client's ZIP of a study becomes one item per series (de-identified
//! on the way in), refused files come back with their reasons, the volume routes serve the
//! header and the slices' values to those who may see them, burned-in series wait for their
//! client's decision, and no identifying value of the files reaches the blob store, the
//! database, an API answer or the log. Fixtures: tests/data/dicom (made by make_series.py
//! from real CT and MR slices of pydicom's test data).

use std::io::Write;
use std::path::{Path, PathBuf};

use mudou_domain::{DatasetId, OrderId, OrgId};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::{Browser, Got, TestApp, both, capture_logs};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/dicom")
}

fn media_data(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../mudou-media/tests/data/dicom")
            .join(name),
    )
    .unwrap()
}

fn json_file(name: &str) -> Value {
    serde_json::from_slice(&std::fs::read(fixtures().join(name)).unwrap()).unwrap()
}

/// The fixture files of a folder, as (path in the ZIP, bytes), sorted.
fn folder(dir: &str, prefix: &str) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(fixtures().join(dir))
        .unwrap()
        .flatten()
        .map(|e| {
            (
                format!("{prefix}/{}", e.file_name().to_string_lossy()),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

fn zip_of(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        w.start_file(name.as_str(), opts).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

pub(crate) async fn upload(b: &Browser, dataset: i64, name: &str, bytes: Vec<u8>) -> Got {
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

pub(crate) async fn new_dataset(b: &Browser, name: &str) -> i64 {
    let got = b.post("/api/v1/datasets", json!({"name": name})).await;
    assert_eq!(got.status.as_u16(), 201, "{}", got.body);
    got.body["id"].as_i64().unwrap()
}

/// `(file_name, status, code)` of every outcome, sorted.
fn outcomes(body: &Value) -> Vec<(String, String, String)> {
    let mut out: Vec<_> = body["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["file_name"].as_str().unwrap().to_owned(),
                f["status"].as_str().unwrap().to_owned(),
                f["code"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

/// Raw bytes of a GET, with its status and headers.
async fn raw(b: &Browser, path: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let r = b.http.get(format!("{}{path}", b.url)).send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.bytes().await.unwrap().to_vec())
}

fn sha_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Every file under the data folder's `media/`, with its bytes.
fn media_files(app: &TestApp) -> Vec<(PathBuf, Vec<u8>)> {
    files_under(&app.state.settings.data_dir.join("media"))
}

/// Every file the server left under its data folder but the SQLite database (dumped table by
/// table instead): media, and whatever an upload wrote aside (its DICOM files wait on disk
/// for the end of the upload; nothing of them may stay).
fn data_files(app: &TestApp) -> Vec<(PathBuf, Vec<u8>)> {
    files_under(&app.state.settings.data_dir)
        .into_iter()
        .filter(|(p, _)| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("mudou.db"))
        })
        .collect()
}

fn files_under(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                let bytes = std::fs::read(&p).unwrap();
                out.push((p, bytes));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, &mut out);
    out
}

/// Every table's rows as text, by table name.
async fn dump_database(app: &TestApp) -> Vec<(String, String)> {
    use sqlx::{Connection, Row};
    let mut out = Vec::new();
    match &app.state.settings.database_schema {
        Some(schema) => {
            let mut c = sqlx::PgConnection::connect(&crate::pg_url()).await.unwrap();
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = $1",
            )
            .bind(schema)
            .fetch_all(&mut c)
            .await
            .unwrap();
            for t in tables {
                let text: String = sqlx::query_scalar(&format!(
                    "SELECT COALESCE(string_agg(t::text, E'\\n'), '') FROM \"{schema}\".\"{t}\" t"
                ))
                .fetch_one(&mut c)
                .await
                .unwrap();
                out.push((t, text));
            }
        }
        None => {
            let path = app.state.settings.data_dir.join("mudou.db");
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                .await
                .unwrap();
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            )
            .fetch_all(&mut c)
            .await
            .unwrap();
            for t in tables {
                let cols: Vec<String> =
                    sqlx::query(&format!("SELECT name FROM pragma_table_info('{t}')"))
                        .fetch_all(&mut c)
                        .await
                        .unwrap()
                        .iter()
                        .map(|r| r.get::<String, _>(0))
                        .collect();
                let expr = cols
                    .iter()
                    .map(|c| format!("COALESCE(CAST(\"{c}\" AS TEXT), '')"))
                    .collect::<Vec<_>>()
                    .join(" || '|' || ");
                let text: Option<Vec<u8>> = sqlx::query_scalar(&format!(
                    "SELECT CAST(group_concat({expr}, char(10)) AS BLOB) FROM \"{t}\""
                ))
                .fetch_one(&mut c)
                .await
                .unwrap();
                out.push((
                    t,
                    String::from_utf8_lossy(&text.unwrap_or_default()).into_owned(),
                ));
            }
        }
    }
    out
}

/// The planted identifying values and the original UIDs of the fixtures.
fn planted() -> (Vec<String>, Vec<String>) {
    let p = json_file("planted.json");
    let strings = |k: &str| {
        p[k].as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    (strings("values"), strings("uids"))
}

#[track_caller]
fn assert_clean(where_: &str, text: &str, values: &[String], uids: &[String]) {
    for v in values {
        assert!(
            !text.contains(v.as_str()),
            "{where_} holds the planted value {v:?}"
        );
    }
    for u in uids {
        assert!(
            !text.contains(u.as_str()),
            "{where_} holds the original UID {u}"
        );
    }
}

fn item_by(items: &[Value], pick: impl Fn(&Value) -> bool) -> &Value {
    items.iter().find(|i| pick(i)).expect("the item")
}

both!(
    a_study_zip_becomes_series_and_nothing_identifying_leaks,
    |app| {
        let logs = capture_logs();
        let w = app.world().await;
        let a = app.browser();
        a.login("client_a").await.ok();
        let mut answers: Vec<String> = Vec::new();
        let ds = new_dataset(&a, "头颅CTA").await;

        let mut entries = folder("ct", "study/ct");
        entries.extend(folder("mr", "study/mr"));
        entries.extend(folder("burned", "study/burned"));
        entries.extend(folder("mixed", "study/mixed"));
        entries.push(("study/notes.txt".into(), b"not a scan at all".to_vec()));
        let mut fake = vec![0u8; 300];
        fake[128..132].copy_from_slice(b"DICM");
        entries.push(("study/fake.dcm".into(), fake));
        entries.push(("study/cut.dcm".into(), media_data("MR_truncated.dcm")));
        entries.push((
            "study/ls.dcm".into(),
            media_data("MR_small_jpeg_ls_lossless.dcm"),
        ));
        let up = upload(&a, ds, "study.zip", zip_of(&entries)).await;
        answers.push(up.body.to_string());
        assert_eq!(up.status.as_u16(), 200, "{}", up.body);
        let got = outcomes(&up.body);
        let rejected: Vec<(&str, &str)> = got
            .iter()
            .filter(|o| o.1 == "rejected")
            .map(|o| (o.0.as_str(), o.2.as_str()))
            .collect();
        assert!(
            rejected.contains(&("mixed/s000.dcm", "dicom_mixed_series")),
            "{got:?}"
        );
        assert!(
            rejected.contains(&("mixed/s001.dcm", "dicom_mixed_series")),
            "{got:?}"
        );
        assert!(rejected.contains(&("fake.dcm", "dicom_damaged")), "{got:?}");
        assert!(
            rejected.contains(&("ls.dcm", "dicom_unsupported_syntax")),
            "{got:?}"
        );
        assert!(
            rejected.contains(&("cut.dcm", "dicom_truncated"))
                || rejected.contains(&("cut.dcm", "dicom_damaged")),
            "{got:?}"
        );
        assert!(rejected.contains(&("notes.txt", "not_an_image")), "{got:?}");
        assert_eq!(rejected.len(), 6, "{got:?}");
        let reasons: Vec<&str> = up.body["files"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["status"] == "rejected")
            .map(|f| f["message"].as_str().unwrap())
            .collect();
        assert!(
            reasons
                .iter()
                .any(|r| r.contains("128×128") && r.contains("64×64")),
            "{reasons:?}"
        );
        assert!(reasons.iter().any(|r| r.contains("JPEG-LS")), "{reasons:?}");
        let accepted: Vec<&(String, String, String)> =
            got.iter().filter(|o| o.1 == "accepted").collect();
        assert_eq!(accepted.len(), 3, "{got:?}");
        assert_eq!(up.body["accepted"], 3);

        let listed = a
            .get(&format!("/api/v1/datasets/{ds}/items?limit=100"))
            .await;
        answers.push(listed.body.to_string());
        let items = listed.ok()["items"].as_array().unwrap().clone();
        assert_eq!(items.len(), 3, "{items:?}");
        let volume = |i: &Value| i["fields"][0]["volume"].clone();
        let ct = item_by(&items, |i| volume(i)["slices"] == 5);
        let field = ct["fields"][0].clone();
        assert_eq!(field["name"], "series");
        assert_eq!(field["kind"], "series");
        assert_eq!(
            (field["width"].as_i64(), field["height"].as_i64()),
            (Some(128), Some(128))
        );
        assert!(field.get("thumb_url").is_none());
        let url = field["volume_url"].as_str().unwrap().to_owned();
        let sha = url.rsplit('/').next().unwrap().to_owned();
        let mr = item_by(&items, |i| volume(i)["slices"] == 1);
        let burned = item_by(&items, |i| volume(i)["slices"] == 2);
        let burned_id = burned["id"].as_i64().unwrap();
        // The items' meta: only de-identified values.
        let stored = app
            .state
            .store
            .list_items(OrgId::new(w.org_a), DatasetId::new(ds), 0, 100)
            .await
            .unwrap();
        let meta_of = |id: i64| -> Value {
            serde_json::from_str(&stored.iter().find(|i| i.id == id).unwrap().meta).unwrap()
        };
        let ct_meta = meta_of(ct["id"].as_i64().unwrap());
        assert_eq!(ct_meta["modality"], "CT");
        assert_eq!(ct_meta["slices"], 5);
        assert_eq!(ct_meta["burned_in"], false);
        assert!(ct_meta["study_uid"].as_str().unwrap().starts_with("2.25."));
        assert!(ct_meta["series_uid"].as_str().unwrap().starts_with("2.25."));
        assert_eq!(meta_of(mr["id"].as_i64().unwrap())["modality"], "MR");
        assert_eq!(meta_of(burned_id)["burned_in"], true);
        for i in &stored {
            answers.push(i.meta.clone());
        }

        // The volume's header: pydicom's geometry.
        let e = &json_file("expected.json")["ct"];
        let vol = a.get(&format!("/api/v1/volumes/{sha}")).await;
        answers.push(vol.body.to_string());
        let h = vol.ok().clone();
        let g = &h["geometry"];
        assert_eq!(g, &field["volume"]);
        assert_eq!(
            (
                g["columns"].as_u64(),
                g["rows"].as_u64(),
                g["slices"].as_u64()
            ),
            (Some(128), Some(128), Some(5))
        );
        let close = |a: &Value, b: &Value| (a.as_f64().unwrap() - b.as_f64().unwrap()).abs() < 1e-3;
        assert!(
            close(&g["spacing"][0], &e["spacing"][0]) && close(&g["spacing"][1], &e["spacing"][1])
        );
        assert!(close(&g["slice_step"], &e["slice_step"]));
        for i in 0..3 {
            assert!(close(&g["origin"][i], &e["origin"][i]), "{g}");
            assert!(close(&g["row_dir"][i], &e["orientation"][i]), "{g}");
            assert!(close(&g["col_dir"][i], &e["orientation"][i + 3]), "{g}");
        }
        assert_eq!(g["slice_dir"], json!([0.0, 0.0, 1.0]));
        assert_eq!(h["dtype"], "i16");
        assert_eq!(h["modality"], "CT");
        assert_eq!(h["invert"], false);
        assert_eq!(h["range"], json!([e["min"], e["max"]]));
        assert_eq!(h["bytes_per_slice"], 128 * 128 * 2);

        // The slices: pydicom's rescaled values (HU), every one the same real slice.
        let (status, headers, one) =
            raw(&a, &format!("/api/v1/volumes/{sha}/slices?from=2&to=3")).await;
        assert_eq!(status, 200);
        assert_eq!(headers["content-type"], "application/octet-stream");
        assert!(
            headers["cache-control"]
                .to_str()
                .unwrap()
                .starts_with("private, max-age=")
        );
        let etag = headers["etag"].to_str().unwrap().to_owned();
        assert_eq!(one.len(), 128 * 128 * 2);
        assert_eq!(sha_hex(&one), e["slice_sha256_i16"].as_str().unwrap());
        let (_, _, all) = raw(&a, &format!("/api/v1/volumes/{sha}/slices?from=0&to=5")).await;
        assert_eq!(all.len(), 5 * 128 * 128 * 2);
        for s in all.chunks(128 * 128 * 2) {
            assert_eq!(sha_hex(s), e["slice_sha256_i16"].as_str().unwrap());
        }
        let again = a
            .http
            .get(format!("{}/api/v1/volumes/{sha}/slices?from=2&to=3", a.url))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status().as_u16(), 304);
        for bad in ["from=3&to=3", "from=0&to=6", "from=5&to=6", "from=4&to=2"] {
            let r = a.get(&format!("/api/v1/volumes/{sha}/slices?{bad}")).await;
            assert_eq!(
                (r.status.as_u16(), r.code()),
                (422, "validation"),
                "{bad}: {}",
                r.body
            );
        }

        // Scope: another organisation's client, a lead and an annotator of a centre without
        // the order: 404, for the header, the slices and the holds.
        let b = app.browser();
        b.login("client_b").await.ok();
        let lead_b = app.browser();
        lead_b.login("lead_b").await.ok();
        let ann = app.browser();
        ann.enrol_as("lead_b").await;
        ann.pin(w.ann_b1, "3333").await.ok();
        for other in [&b, &lead_b, &ann] {
            let r = other.get(&format!("/api/v1/volumes/{sha}")).await;
            assert_eq!(r.status.as_u16(), 404, "{}", r.body);
            let (s, _, _) = raw(other, &format!("/api/v1/volumes/{sha}/slices?from=0&to=1")).await;
            assert_eq!(s, 404);
        }
        assert_eq!(
            b.get(&format!("/api/v1/datasets/{ds}/holds"))
                .await
                .status
                .as_u16(),
            404
        );
        let r = b
            .post(
                &format!("/api/v1/datasets/{ds}/holds/{burned_id}"),
                json!({"decision": "release"}),
            )
            .await;
        assert_eq!(r.status.as_u16(), 404);

        // The burned-in series waits: never planned until released.
        let holds = a.get(&format!("/api/v1/datasets/{ds}/holds")).await;
        answers.push(holds.body.to_string());
        let hs = holds.ok()["items"].as_array().unwrap().clone();
        assert_eq!(hs.len(), 1);
        assert_eq!(hs[0]["item_id"], burned_id);
        assert_eq!(hs[0]["decision"], "held");
        let plannable = |app: &TestApp| {
            let store = app.state.store.clone();
            async move {
                store
                    .items_outside_order(OrderId::new(0), DatasetId::new(ds))
                    .await
                    .unwrap()
                    .iter()
                    .map(|c| c.id)
                    .collect::<Vec<i64>>()
            }
        };
        let before = plannable(&app).await;
        assert_eq!(before.len(), 2);
        assert!(!before.contains(&burned_id));
        let mr_id = mr["id"].as_i64().unwrap();
        let r = a
            .post(
                &format!("/api/v1/datasets/{ds}/holds/{mr_id}"),
                json!({"decision": "drop"}),
            )
            .await;
        assert_eq!(r.status.as_u16(), 404, "{}", r.body);
        let r = a
            .post(
                &format!("/api/v1/datasets/{ds}/holds/{burned_id}"),
                json!({"decision": "maybe"}),
            )
            .await;
        assert_eq!(r.status.as_u16(), 422, "{}", r.body);
        let r = a
            .post(
                &format!("/api/v1/datasets/{ds}/holds/{burned_id}"),
                json!({"decision": "release"}),
            )
            .await;
        answers.push(r.body.to_string());
        assert_eq!(r.ok()["decision"], "release");
        assert!(plannable(&app).await.contains(&burned_id));
        let r = a
            .post(
                &format!("/api/v1/datasets/{ds}/holds/{burned_id}"),
                json!({"decision": "drop"}),
            )
            .await;
        assert_eq!(r.status.as_u16(), 409, "{}", r.body);

        // A dropped series is never plannable.
        let ds2 = new_dataset(&a, "二次").await;
        let up2 = upload(&a, ds2, "burned.zip", zip_of(&folder("burned", "b"))).await;
        answers.push(up2.body.to_string());
        up2.ok();
        let held2 = a.get(&format!("/api/v1/datasets/{ds2}/holds")).await;
        let id2 = held2.ok()["items"][0]["item_id"].as_i64().unwrap();
        let r = a
            .post(
                &format!("/api/v1/datasets/{ds2}/holds/{id2}"),
                json!({"decision": "drop"}),
            )
            .await;
        assert_eq!(r.ok()["decision"], "drop");
        let left = app
            .state
            .store
            .items_outside_order(OrderId::new(0), DatasetId::new(ds2))
            .await
            .unwrap();
        assert!(left.is_empty());

        // The same study again: the series are duplicates, nothing new.
        let up3 = upload(&a, ds, "again.zip", zip_of(&folder("ct", "x"))).await;
        answers.push(up3.body.to_string());
        assert_eq!(up3.ok()["duplicates"], 1, "{}", up3.body);

        // The originals come back only to their organisation.
        let deid = vec![
            ct_meta["study_uid"].as_str().unwrap().to_owned(),
            ct_meta["series_uid"].as_str().unwrap().to_owned(),
        ];
        let (values, uids) = planted();
        let mine = app
            .state
            .store
            .original_uids(OrgId::new(w.org_a), &deid)
            .await
            .unwrap();
        assert_eq!(mine.len(), 2);
        assert!(mine.values().all(|o| uids.contains(o)));
        let theirs = app
            .state
            .store
            .original_uids(OrgId::new(w.org_b), &deid)
            .await
            .unwrap();
        assert!(theirs.is_empty());

        // De-identification: no planted value and no original UID anywhere.
        for text in &answers {
            assert_clean("an API answer", text, &values, &uids);
        }
        let files = data_files(&app);
        assert!(!media_files(&app).is_empty());
        for (path, bytes) in &files {
            let text = String::from_utf8_lossy(bytes);
            assert_clean(&path.display().to_string(), &text, &values, &uids);
        }
        for (table, text) in dump_database(&app).await {
            // dicom_uids holds the originals by design (for the client's exports).
            let uids: &[String] = if table == "dicom_uids" { &[] } else { &uids };
            assert_clean(&format!("table {table}"), &text, &values, uids);
        }
        // The fixtures do carry the planted values and UIDs (so the checks below can fail).
        for (_, bytes) in folder("ct", "ct") {
            let text = String::from_utf8_lossy(&bytes);
            assert!(values.iter().all(|v| text.contains(v.as_str())));
            assert!(uids.iter().any(|u| text.contains(u.as_str())));
        }
        let logged = logs.text();
        assert!(!logged.is_empty(), "no log line was captured");
        assert_clean("the log", &logged, &values, &uids);
    }
);

both!(a_dicom_upload_of_only_bad_files_stores_nothing, |app| {
    app.world().await;
    let a = app.browser();
    a.login("client_a").await.ok();
    let ds = new_dataset(&a, "坏文件").await;
    let mut entries = folder("mixed", "m");
    entries.push(("cut.dcm".into(), media_data("MR_truncated.dcm")));
    entries.push(("rgb.dcm".into(), media_data("SC_rgb_small_odd.dcm")));
    let up = upload(&a, ds, "bad.zip", zip_of(&entries)).await;
    let body = up.ok().clone();
    assert_eq!(body["accepted"], 0, "{body}");
    assert_eq!(body["rejected"], 4, "{body}");
    let codes: Vec<String> = outcomes(&body).into_iter().map(|o| o.2).collect();
    assert!(codes.contains(&"dicom_colour".to_owned()), "{codes:?}");
    assert!(media_files(&app).is_empty());
    let items = a.get(&format!("/api/v1/datasets/{ds}/items")).await;
    assert!(items.ok()["items"].as_array().unwrap().is_empty());
    for (table, text) in dump_database(&app).await {
        if table == "dicom_uids" || table == "series_holds" {
            assert!(text.is_empty(), "{table}: {text}");
        }
    }
    // A plain DICOM part (not zipped) is read too.
    let one = std::fs::read(fixtures().join("mr/s000.dcm")).unwrap();
    let up = upload(&a, ds, "s000.dcm", one).await;
    assert_eq!(up.ok()["accepted"], 1, "{}", up.body);
});

both!(
    annotators_read_the_series_they_are_given_and_never_a_held_one,
    |app| {
        let w = app.world().await;
        let c = app.browser();
        c.login("client_a").await.ok();
        let ds = new_dataset(&c, "序列").await;
        let mut entries = folder("ct", "ct");
        entries.extend(folder("burned", "burned"));
        let up = upload(&c, ds, "study.zip", zip_of(&entries)).await;
        assert_eq!(up.ok()["accepted"], 2, "{}", up.body);
        let holds = c.get(&format!("/api/v1/datasets/{ds}/holds")).await;
        let held_id = holds.ok()["items"][0]["item_id"].as_i64().unwrap();
        let items = c.get(&format!("/api/v1/datasets/{ds}/items")).await;
        let items = items.ok()["items"].as_array().unwrap().clone();
        let url_of = |id: i64| {
            items.iter().find(|i| i["id"] == id).unwrap()["fields"][0]["volume_url"]
                .as_str()
                .unwrap()
                .to_owned()
        };
        let held_url = url_of(held_id);

        let spec = json!({
            "name": "动脉瘤",
            "task_type": "template",
            "labels": [],
            "template": {
                "fields": [{"name": "series", "kind": "series", "title_zh": "序列"}],
                "questions": [{"key": "seen", "kind": "choice", "title_zh": "有动脉瘤吗?",
                    "options": [{"key": "yes", "name_zh": "有", "hotkey": "1"},
                                {"key": "no", "name_zh": "没有", "hotkey": "2"}]}]
            },
            "overlap": {"kind": "fixed", "n": 1},
            "unit_size": 5,
            "piece_rate_fen": 10,
            "required_qualification": null,
            "required_level": null,
            "deadline": null
        });
        let o = c
            .post("/api/v1/orders", json!({"dataset_id": ds, "spec": spec}))
            .await;
        assert_eq!(o.status.as_u16(), 201, "{}", o.body);
        let order = o.body["id"].as_i64().unwrap();
        c.post(&format!("/api/v1/orders/{order}/publish"), json!({}))
            .await
            .ok();

        // The held series is not in the order: the annotator gets the CT series only.
        let a1 = app.browser();
        a1.enrol_as("lead_a").await;
        a1.pin(w.ann_a1, "1111").await.ok();
        let next = a1.get("/api/v1/work/next").await;
        assert_eq!(next.ok()["status"], "assigned", "{}", next.body);
        let work = next.body["assignment"]["items"].as_array().unwrap().clone();
        assert_eq!(work.len(), 1, "{work:#?}");
        assert_ne!(work[0]["id"], held_id);
        let url = work[0]["fields"][0]["volume_url"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(work[0]["fields"][0]["volume"]["slices"], 5);
        let header = a1.get(&url).await;
        assert_eq!(header.ok()["geometry"]["slices"], 5);
        let (s, _, bytes) = raw(&a1, &format!("{url}/slices?from=0&to=1")).await;
        assert_eq!((s, bytes.len()), (200, 128 * 128 * 2));
        // The centre's lead reads it too; the held one nobody but its client.
        let lead_a = app.browser();
        lead_a.login("lead_a").await.ok();
        assert_eq!(lead_a.get(&url).await.status.as_u16(), 200);
        assert_eq!(a1.get(&held_url).await.status.as_u16(), 404);
        assert_eq!(lead_a.get(&held_url).await.status.as_u16(), 404);
        assert_eq!(c.get(&held_url).await.status.as_u16(), 200);
    }
);
