//! Uploads: `POST /api/v1/datasets` and `POST /api/v1/datasets/{id}/files` (images, ZIP
//! archives with folders and a manifest, text items), hostile files, scope, and clean-up.

use std::io::Write;
use std::path::Path;

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::{Browser, Got, TestApp, both, both_tuned};

fn shape(name: &str) -> Vec<u8> {
    std::fs::read(shapes_dir().join(name)).unwrap()
}

fn shapes_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/shapes")
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = flate2::Crc::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.sum().to_be_bytes());
}

fn ihdr(w: u32, h: u32, bit_depth: u8) -> Vec<u8> {
    let mut d = Vec::new();
    d.extend_from_slice(&w.to_be_bytes());
    d.extend_from_slice(&h.to_be_bytes());
    d.extend_from_slice(&[bit_depth, 0, 0, 0, 0]);
    d
}

/// A PNG whose header claims 100000×100000 pixels, with a tiny IDAT.
fn huge_header_png() -> Vec<u8> {
    header_png(100_000, 100_000)
}

/// A PNG whose header claims `w`×`h` pixels, with a tiny IDAT.
fn header_png(w: u32, h: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    png_chunk(&mut out, b"IHDR", &ihdr(w, h, 8));
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&[0u8; 64]).unwrap();
    png_chunk(&mut out, b"IDAT", &z.finish().unwrap());
    png_chunk(&mut out, b"IEND", &[]);
    out
}

/// A valid all-black 1-bit PNG of 20000×20000 pixels in well under 200 KB.
fn png_bomb() -> Vec<u8> {
    let side = 20_000u32;
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    png_chunk(&mut out, b"IHDR", &ihdr(side, side, 1));
    let row = vec![0u8; 1 + side.div_ceil(8) as usize];
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    for _ in 0..side {
        z.write_all(&row).unwrap();
    }
    png_chunk(&mut out, b"IDAT", &z.finish().unwrap());
    png_chunk(&mut out, b"IEND", &[]);
    out
}

/// The zlib stream of a `w`×`h` RGB picture, all black (deflate packs it ~1 000:1).
fn black_rgb_idat(w: u32, h: u32) -> Vec<u8> {
    let row = vec![0u8; 1 + 3 * w as usize];
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    for _ in 0..h {
        z.write_all(&row).unwrap();
    }
    z.finish().unwrap()
}

/// A valid RGB PNG of `w`×`h` pixels from `black_rgb_idat(w, h)`; `note` (a text chunk)
/// makes its bytes differ from its siblings'.
fn rgb_png(w: u32, h: u32, idat: &[u8], note: &str) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::new();
    header.extend_from_slice(&w.to_be_bytes());
    header.extend_from_slice(&h.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]);
    png_chunk(&mut out, b"IHDR", &header);
    png_chunk(&mut out, b"tEXt", format!("Comment\0{note}").as_bytes());
    png_chunk(&mut out, b"IDAT", idat);
    png_chunk(&mut out, b"IEND", &[]);
    out
}

enum Entry<'a> {
    File(&'a str, &'a [u8]),
    Symlink(&'a str, &'a str),
}

fn zip_bytes(entries: &[Entry<'_>]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for e in entries {
        match e {
            Entry::File(name, bytes) => {
                w.start_file(*name, opts).unwrap();
                w.write_all(bytes).unwrap();
            }
            Entry::Symlink(name, target) => w.add_symlink(*name, *target, opts).unwrap(),
        }
    }
    w.finish().unwrap().into_inner()
}

fn file(name: &str, bytes: Vec<u8>) -> Part {
    Part::bytes(bytes).file_name(name.to_owned())
}

/// Uploads on a connection of its own: a refusal before the body is read (401/403/404/413)
/// ends that connection, so it must not go back to the pool.
async fn upload(b: &Browser, dataset: i64, form: Form) -> Got {
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

/// `(file_name, status, code)` of every outcome.
fn outcomes(body: &Value) -> Vec<(String, String, String)> {
    body["files"]
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
        .collect()
}

#[track_caller]
fn assert_outcomes(body: &Value, expected: &[(&str, &str, &str)]) {
    let got = outcomes(body);
    let got: Vec<(&str, &str, &str)> = got
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
        .collect();
    assert_eq!(got, expected, "{body:#}");
}

/// Every file under the data folder's `media/` (originals and renditions).
fn media_files(app: &TestApp) -> Vec<String> {
    fn walk(dir: &Path, out: &mut Vec<String>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p.display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(&app.state.settings.data_dir.join("media"), &mut out);
    out.sort();
    out
}

fn tmp_is_empty(app: &TestApp) -> bool {
    std::fs::read_dir(app.state.settings.data_dir.join("tmp"))
        .map(|mut d| d.next().is_none())
        .unwrap_or(true)
}

both!(datasets_are_created_once_per_organisation, |app| {
    app.world().await;
    let a = app.browser();
    a.login("client_a").await.ok();
    let id = new_dataset(&a, "街景 2026").await;
    let dup = a
        .post("/api/v1/datasets", json!({"name": "街景 2026"}))
        .await;
    assert_eq!((dup.status.as_u16(), dup.code()), (409, "conflict"));
    let empty = a.post("/api/v1/datasets", json!({"name": "  "})).await;
    assert_eq!((empty.status.as_u16(), empty.code()), (422, "validation"));
    // The same name in another organisation is fine, and each sees only its own.
    let b = app.browser();
    b.login("client_b").await.ok();
    let other = new_dataset(&b, "街景 2026").await;
    assert_ne!(id, other);
    let listed = a.get("/api/v1/datasets").await;
    assert_eq!(listed.ok()["items"].as_array().unwrap().len(), 1);
    let lead = app.browser();
    lead.login("lead_a").await.ok();
    let r = lead.post("/api/v1/datasets", json!({"name": "x"})).await;
    assert_eq!(r.status.as_u16(), 403);
});

both!(images_and_hostile_files_as_plain_parts, |app| {
    app.world().await;
    let a = app.browser();
    a.login("client_a").await.ok();
    let ds = new_dataset(&a, "plain").await;
    let jpg = shape("shape_002.jpg");
    let form = Form::new()
        .part("files", file("a.jpg", shape("shape_000.jpg")))
        .part("files", file("cats/indoor/b.jpg", shape("shape_001.jpg")))
        // The extension is not trusted either way.
        .part("files", file("photo.png", jpg.clone()))
        .part("files", file("notes.jpg", b"just some text".to_vec()))
        .part("files", file("cut.jpg", jpg[..jpg.len() / 2].to_vec()))
        .part("files", file("empty.jpg", Vec::new()))
        .part("files", file("huge.png", huge_header_png()))
        .part("files", file("bomb.png", png_bomb()))
        .part("files", file("../../evil.jpg", shape("shape_003.jpg")))
        .part("files", file("nothing.png", header_png(0, 0)))
        .part("files", file("again.jpg", shape("shape_000.jpg")));
    let got = upload(&a, ds, form).await;
    let body = got.ok();
    assert_outcomes(
        body,
        &[
            ("a.jpg", "accepted", ""),
            ("cats/indoor/b.jpg", "accepted", ""),
            ("photo.png", "accepted", ""),
            ("notes.jpg", "rejected", "not_an_image"),
            ("cut.jpg", "rejected", "truncated"),
            ("empty.jpg", "rejected", "zero_bytes"),
            ("huge.png", "rejected", "too_large"),
            ("bomb.png", "rejected", "decompression_bomb"),
            ("../../evil.jpg", "rejected", "unsafe_path"),
            ("nothing.png", "rejected", "zero_dimensions"),
            ("again.jpg", "duplicate", ""),
        ],
    );
    assert_eq!(
        (
            body["accepted"].clone(),
            body["duplicates"].clone(),
            body["rejected"].clone()
        ),
        (json!(3), json!(1), json!(7))
    );
    let files = body["files"].as_array().unwrap();
    assert_eq!(files[0]["item_id"], files[10]["item_id"]);
    assert!(
        files[3]["message"]
            .as_str()
            .unwrap()
            .contains("not an image")
    );

    let listed = items(&a, ds).await;
    assert_eq!(listed.len(), 3);
    assert_eq!(listed[0]["file_name"], "a.jpg");
    assert_eq!(listed[0]["tag"], "");
    assert_eq!(listed[1]["tag"], "cats/indoor");
    assert_eq!(listed[2]["width"], 480);
    assert!(listed[0]["gold"].is_null());
    assert!(tmp_is_empty(&app));

    // The same pictures again: all duplicates, nothing new.
    let again = upload(
        &a,
        ds,
        Form::new()
            .part("files", file("x.jpg", shape("shape_001.jpg")))
            .part("files", file("y.jpg", shape("shape_000.jpg"))),
    )
    .await;
    assert_outcomes(
        again.ok(),
        &[("x.jpg", "duplicate", ""), ("y.jpg", "duplicate", "")],
    );
    assert_eq!(again.body["files"][1]["item_id"], files[0]["item_id"]);
    assert_eq!(items(&a, ds).await.len(), 3);
});

both!(zip_with_folders_manifest_and_hostile_entries, |app| {
    app.world().await;
    let a = app.browser();
    a.login("client_a").await.ok();
    let ds = new_dataset(&a, "zip").await;
    let jpg = shape("shape_004.jpg");
    let (cat, dog, bird) = (
        shape("shape_005.jpg"),
        shape("shape_006.jpg"),
        shape("shape_007.jpg"),
    );
    let (huge, bomb) = (huge_header_png(), png_bomb());
    let manifest = "file,label,labels,boxes,source\n\
        cats/猫.jpg,cat,,\"[{\"\"label\"\":\"\"cat\"\",\"\"x\"\":1,\"\"y\"\":2,\"\"w\"\":30,\"\"h\"\":40}]\",farm\n\
        dogs/dog.jpg,,dog|animal,,street\n";
    let archive = zip_bytes(&[
        Entry::File("mydata/manifest.csv", manifest.as_bytes()),
        Entry::File("mydata/cats/猫.jpg", &cat),
        Entry::File("mydata/dogs/dog.jpg", &dog),
        Entry::File("mydata/bird.jpg", &bird),
        Entry::File("../evil.jpg", &jpg),
        Entry::Symlink("mydata/link.jpg", "/etc/passwd"),
        Entry::File("mydata/readme.txt", b"hello"),
        Entry::File("mydata/cut.jpg", &jpg[..jpg.len() / 3]),
        Entry::File("mydata/empty.jpg", b""),
        Entry::File("mydata/huge.png", &huge),
        Entry::File("mydata/bomb.png", &bomb),
        Entry::File("mydata/.DS_Store", b"junk"),
        Entry::File("__MACOSX/mydata/._bird.jpg", b"junk"),
    ]);
    // Named like a document: the content says it is a ZIP.
    let form = Form::new()
        .part("files", file("photos.dat", archive))
        .part("files", file("loose.jpg", shape("shape_008.jpg")));
    let got = upload(&a, ds, form).await;
    assert_outcomes(
        got.ok(),
        &[
            ("cats/猫.jpg", "accepted", ""),
            ("dogs/dog.jpg", "accepted", ""),
            ("bird.jpg", "accepted", ""),
            ("../evil.jpg", "rejected", "unsafe_path"),
            ("mydata/link.jpg", "rejected", "symlink"),
            ("readme.txt", "rejected", "not_an_image"),
            ("cut.jpg", "rejected", "truncated"),
            ("empty.jpg", "rejected", "zero_bytes"),
            ("huge.png", "rejected", "too_large"),
            ("bomb.png", "rejected", "decompression_bomb"),
            ("loose.jpg", "accepted", ""),
        ],
    );
    let listed = items(&a, ds).await;
    let by_name = |n: &str| listed.iter().find(|i| i["file_name"] == n).unwrap().clone();
    let c = by_name("cats/猫.jpg");
    assert_eq!(c["tag"], "cats");
    assert_eq!(
        c["gold"],
        json!({"label": "cat", "boxes": [{"label": "cat", "x": 1.0, "y": 2.0, "w": 30.0, "h": 40.0}]})
    );
    let d = by_name("dogs/dog.jpg");
    assert_eq!(d["tag"], "dogs");
    assert_eq!(d["gold"], json!({"labels": ["dog", "animal"]}));
    assert_eq!(by_name("bird.jpg")["tag"], "");
    assert!(by_name("bird.jpg")["gold"].is_null());
    assert!(tmp_is_empty(&app));
});

both!(the_shapes_dataset_as_one_zip, |app| {
    app.world().await;
    let a = app.browser();
    a.login("client_a").await.ok();
    let ds = new_dataset(&a, "shapes").await;
    let mut entries = Vec::new();
    let mut names: Vec<String> = std::fs::read_dir(shapes_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".jpg") || n == "manifest.csv")
        .collect();
    names.sort();
    let data: Vec<(String, Vec<u8>)> = names
        .iter()
        .map(|n| (format!("shapes/{n}"), shape(n)))
        .collect();
    for (n, b) in &data {
        entries.push(Entry::File(n, b));
    }
    let archive = zip_bytes(&entries);
    let size = archive.len();
    let started = std::time::Instant::now();
    let got = upload(
        &a,
        ds,
        Form::new().part("files", file("shapes.zip", archive)),
    )
    .await;
    let secs = started.elapsed().as_secs_f64();
    let body = got.ok();
    assert_eq!(body["accepted"], 60, "{body:#}");
    assert_eq!(body["rejected"], 0);
    eprintln!(
        "upload: 60 shapes pictures as one ZIP ({:.1} MB) in {secs:.2} s ({:.0} pictures/s)",
        size as f64 / 1e6,
        60.0 / secs
    );
    let listed = items(&a, ds).await;
    assert_eq!(listed.len(), 60);
    // Gold from the manifest: the label and its box.
    let first = listed
        .iter()
        .find(|i| i["file_name"] == "shape_000.jpg")
        .unwrap();
    assert_eq!(first["gold"]["label"], "circle");
    assert_eq!(first["gold"]["boxes"][0]["w"], 166.0);
    assert_eq!(first["tag"], "normal");
});

both!(
    manifest_as_a_plain_part_and_a_bad_manifest_fails_whole,
    |app| {
        app.world().await;
        let a = app.browser();
        a.login("client_a").await.ok();
        let ds = new_dataset(&a, "manifest").await;
        let form = Form::new()
            .part("files", file("x/a.jpg", shape("shape_010.jpg")))
            .part(
                "manifest",
                file(
                    "manifest.jsonl",
                    br#"{"file": "x/a.jpg", "label": "circle", "tag": "set1", "camera": "A"}"#
                        .to_vec(),
                ),
            );
        upload(&a, ds, form).await.ok();
        let listed = items(&a, ds).await;
        assert_eq!(listed[0]["tag"], "set1");
        assert_eq!(listed[0]["gold"], json!({"label": "circle"}));

        let before = media_files(&app);
        let form = Form::new()
            .part("files", file("b.jpg", shape("shape_011.jpg")))
            .part(
                "manifest",
                file("manifest.csv", b"file,label\nb.jpg,x\nb.jpg,y\n".to_vec()),
            );
        let got = upload(&a, ds, form).await;
        assert_eq!(
            (got.status.as_u16(), got.code()),
            (422, "bad_manifest"),
            "{}",
            got.body
        );
        assert!(
            got.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("line 3")
        );
        assert_eq!(items(&a, ds).await.len(), 1);
        assert_eq!(media_files(&app), before);
        assert!(tmp_is_empty(&app));
    }
);

both!(text_items_from_csv_and_jsonl, |app| {
    app.world().await;
    let a = app.browser();
    a.login("client_a").await.ok();
    let ds = new_dataset(&a, "评论").await;
    let csv = "text,label,shop\n这个手机很好用,positive,A\n\"太慢了, 不推荐\",negative,B\n";
    let jsonl = "{\"id\": \"r-1\", \"text\": \"还可以\", \"labels\": [\"neutral\"], \"tag\": \"jd\"}\n\
                 {\"id\": 2, \"text\": \"很差\"}\n";
    let form = Form::new()
        .part("texts", file("reviews.csv", csv.as_bytes().to_vec()))
        .part("texts", file("more.jsonl", jsonl.as_bytes().to_vec()))
        .part(
            "texts",
            file("broken.csv", b"text,label\n\"unclosed,x\n".to_vec()),
        )
        .part("texts", file("nocolumn.csv", b"body\nhello\n".to_vec()));
    let got = upload(&a, ds, form).await;
    assert_outcomes(
        got.ok(),
        &[
            ("reviews.csv:2", "accepted", ""),
            ("reviews.csv:3", "accepted", ""),
            ("more.jsonl:1", "accepted", ""),
            ("more.jsonl:2", "accepted", ""),
            ("broken.csv", "rejected", "bad_manifest"),
            ("nocolumn.csv", "rejected", "bad_manifest"),
        ],
    );
    let listed = items(&a, ds).await;
    assert_eq!(listed.len(), 4);
    assert_eq!(listed[0]["kind"], "text");
    assert_eq!(listed[0]["text"], "这个手机很好用");
    assert_eq!(listed[0]["gold"], json!({"label": "positive"}));
    assert_eq!(listed[1]["text"], "太慢了, 不推荐");
    assert_eq!(listed[2]["file_name"], "r-1");
    assert_eq!(listed[2]["tag"], "jd");
    assert_eq!(listed[2]["gold"], json!({"labels": ["neutral"]}));
    assert_eq!(listed[3]["file_name"], "2");
    assert!(listed[3]["gold"].is_null());

    // The same texts again, under another name, and twice within one file: duplicates.
    let again = "text\n很差\n这个手机很好用\n新的一条\n新的一条\n";
    let got = upload(
        &a,
        ds,
        Form::new().part("texts", file("again.csv", again.as_bytes().to_vec())),
    )
    .await;
    assert_outcomes(
        got.ok(),
        &[
            ("again.csv:2", "duplicate", ""),
            ("again.csv:3", "duplicate", ""),
            ("again.csv:4", "accepted", ""),
            ("again.csv:5", "duplicate", ""),
        ],
    );
    let files = got.body["files"].as_array().unwrap();
    assert_eq!(files[0]["item_id"], listed[3]["id"]);
    assert_eq!(files[1]["item_id"], listed[0]["id"]);
    assert_eq!(files[3]["item_id"], files[2]["item_id"]);
    assert_eq!(items(&a, ds).await.len(), 5);
});

both!(uploads_are_scoped_to_the_owning_client, |app| {
    let w = app.world().await;
    let a = app.browser();
    a.login("client_a").await.ok();
    let ds = new_dataset(&a, "mine").await;
    let form = || Form::new().part("files", file("a.jpg", shape("shape_000.jpg")));

    let b = app.browser();
    b.login("client_b").await.ok();
    let got = upload(&b, ds, form()).await;
    assert_eq!((got.status.as_u16(), got.code()), (404, "not_found"));
    assert_eq!(
        b.get(&format!("/api/v1/datasets/{ds}"))
            .await
            .status
            .as_u16(),
        404
    );
    assert_eq!(
        b.get(&format!("/api/v1/datasets/{ds}/items"))
            .await
            .status
            .as_u16(),
        404
    );

    let lead = app.browser();
    lead.login("lead_a").await.ok();
    assert_eq!(upload(&lead, ds, form()).await.status.as_u16(), 403);
    let ann = app.browser();
    ann.enrol_as("lead_a").await;
    ann.pin(w.ann_a1, "1111").await.ok();
    assert_eq!(upload(&ann, ds, form()).await.status.as_u16(), 403);
    assert_eq!(
        upload(&app.browser(), ds, form()).await.status.as_u16(),
        401
    );
    assert_eq!(upload(&a, ds + 1000, form()).await.status.as_u16(), 404);

    // Not multipart, and multipart with nothing in it.
    let r = a
        .post(&format!("/api/v1/datasets/{ds}/files"), json!({}))
        .await;
    assert_eq!(
        (r.status.as_u16(), r.code()),
        (415, "unsupported_media_type")
    );
    let r = upload(&a, ds, Form::new()).await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "invalid_multipart"));
    let only_manifest =
        Form::new().part("manifest", file("manifest.csv", b"file\na.jpg\n".to_vec()));
    let r = upload(&a, ds, only_manifest).await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "no_files"));

    assert!(items(&a, ds).await.is_empty());
    assert!(media_files(&app).is_empty());
});

both!(a_failed_insert_leaves_no_rows_and_no_new_files, |app| {
    let w = app.world().await;
    let a = app.browser();
    a.login("client_a").await.ok();
    let ds = new_dataset(&a, "kept").await;
    upload(
        &a,
        ds,
        Form::new().part("files", file("a.jpg", shape("shape_000.jpg"))),
    )
    .await
    .ok();
    let before = media_files(&app);
    // the original, its thumbnail, phone and screen renditions
    assert_eq!(before.len(), 4, "{before:?}");

    // Inserting into a dataset that does not exist fails at the database (foreign key), after
    // the files were stored: the new ones go, the one another dataset uses stays.
    let files = ["shape_000.jpg", "shape_020.jpg", "shape_021.jpg"]
        .iter()
        .map(|n| mudou_app::ingest::IncomingImage {
            file_name: (*n).into(),
            tag: String::new(),
            bytes: shape(n).into(),
            meta: "{}".into(),
            gold: None,
        })
        .collect();
    let err = mudou_app::ingest::add_images(&app.state, 9_999_999, files).await;
    assert!(err.is_err());
    assert_eq!(media_files(&app), before);
    let datasets = app
        .state
        .store
        .list_datasets(mudou_domain::OrgId::new(w.org_a))
        .await
        .unwrap();
    assert_eq!(datasets.iter().map(|d| d.item_count).sum::<i64>(), 1);
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_over_the_limit_get_413_and_stale_upload_folders_go() {
    let dir = tempfile::tempdir().unwrap();
    // Left by a killed process long ago, and by one uploading right now.
    let (old, live) = (
        dir.path().join("tmp/upload-old"),
        dir.path().join("tmp/upload-live"),
    );
    for d in [&old, &live] {
        std::fs::create_dir_all(d).unwrap();
        std::fs::write(d.join("part-1"), b"x").unwrap();
    }
    let long_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3 * 86_400);
    std::fs::File::open(&old)
        .unwrap()
        .set_modified(long_ago)
        .unwrap();
    let mut settings = mudou_server::Settings::for_data_dir(dir.path());
    settings.max_upload_bytes = 100_000;
    let app = TestApp::spawn_with(settings, dir).await;
    assert!(!old.exists());
    assert!(live.join("part-1").exists());
    std::fs::remove_dir_all(&live).unwrap();
    app.world().await;
    let a = app.browser();
    a.login("client_a").await.ok();
    let ds = new_dataset(&a, "big").await;
    let got = upload(
        &a,
        ds,
        Form::new().part("files", file("big.jpg", vec![7u8; 300_000])),
    )
    .await;
    assert_eq!(
        (got.status.as_u16(), got.code()),
        (413, "payload_too_large"),
        "{}",
        got.body
    );
    // Under the limit is fine.
    upload(
        &a,
        ds,
        Form::new().part("files", file("a.jpg", shape("shape_000.jpg"))),
    )
    .await
    .ok();
    assert!(tmp_is_empty(&app));
}

const MIB: u64 = 1 << 20;

// Many small files of large pictures at once (issue 24, item 10): each decode reserves its
// pixels and renditions from the decode budget before decoding, and waits for room; the
// reserved total never passes the budget, and a picture bigger than the budget is refused.
both_tuned!(
    large_pictures_at_once_wait_for_decode_memory,
    tuned(|s: &mut mudou_server::Settings| {
        s.decode_memory_bytes = 128 * MIB;
        s.decode_wait = std::time::Duration::from_secs(300);
    }),
    |app| {
        app.world().await;
        let a = app.browser();
        a.login("client_a").await.ok();
        let ds = new_dataset(&a, "big pictures").await;
        let budget = app.state.decode_budget.clone();
        assert_eq!(budget.total(), 128 * MIB);

        // 7000×7000 RGB: 147 MB of pixels, more than the whole budget; refused before decoding.
        let too_big = rgb_png(7000, 7000, &black_rgb_idat(7000, 7000), "x");
        let got = upload(&a, ds, Form::new().part("files", file("huge.png", too_big))).await;
        assert_outcomes(got.ok(), &[("huge.png", "rejected", "too_large")]);
        let message = got.body["files"][0]["message"].as_str().unwrap();
        assert!(message.contains("128 MiB"), "{message}");
        assert_eq!(budget.high_water(), 0);

        // Eight 5000×5000 RGB PNGs of ~75 KB each, uploaded at once: 75 MB of pixels each
        // (~99 MiB with the renditions), so only one fits at a time.
        let idat = black_rgb_idat(5000, 5000);
        let uploads = (0..8).map(|i| {
            let png = rgb_png(5000, 5000, &idat, &i.to_string());
            assert!(png.len() < 200_000, "{}", png.len());
            let form = Form::new().part("files", file(&format!("big{i}.png"), png));
            upload(&a, ds, form)
        });
        let answers = futures::future::join_all(uploads).await;
        let mut accepted = 0;
        for got in &answers {
            let f = &got.ok()["files"][0];
            match (f["status"].as_str().unwrap(), f["code"].as_str()) {
                ("accepted", None) => accepted += 1,
                // Refused on its own with a reason, had it waited in vain (not expected in 300 s).
                ("rejected", Some("decode_busy")) => {
                    assert!(f["message"].as_str().unwrap().contains("again"), "{f}")
                }
                other => panic!("unexpected outcome {other:?}: {f}"),
            }
        }
        assert_eq!(accepted, 8, "all waited their turn");
        let one = 90 * MIB;
        let high = budget.high_water();
        assert!(
            (one..=128 * MIB).contains(&high),
            "high-water mark {high} bytes: one picture at a time, never over the budget"
        );
        assert!(
            budget.waited() >= 1,
            "the uploads overlapped and had to wait"
        );
        assert_eq!(budget.reserved(), 0, "everything was given back");
        let metrics = app.state.metrics.render();
        assert!(
            metrics.contains(&format!("mudou_decode_memory_reserved_max_bytes {high}")),
            "{metrics}"
        );
        assert!(metrics.contains(&format!("mudou_decode_memory_budget_bytes {}", 128 * MIB)));

        let listed = items(&a, ds).await;
        assert_eq!(listed.len(), 8);
        assert!(
            listed
                .iter()
                .all(|i| i["width"] == 5000 && i["height"] == 5000)
        );
    }
);

// When no decode memory comes free in time, that one file is refused (`decode_busy`, to be
// sent again), not the request, and nothing is stored for it.
both_tuned!(
    a_picture_that_finds_no_decode_memory_is_refused_on_its_own,
    tuned(|s: &mut mudou_server::Settings| {
        s.decode_memory_bytes = 64 * MIB;
        s.decode_wait = std::time::Duration::from_millis(300);
    }),
    |app| {
        app.world().await;
        let a = app.browser();
        a.login("client_a").await.ok();
        let ds = new_dataset(&a, "busy").await;
        let budget = app.state.decode_budget.clone();
        // Someone else holds all the decode memory.
        let held = budget.reserve(64 * MIB).unwrap();
        let form = Form::new()
            .part("files", file("a.jpg", shape("shape_000.jpg")))
            .part("files", file("notes.jpg", b"just some text".to_vec()));
        let got = upload(&a, ds, form).await;
        assert_outcomes(
            got.ok(),
            &[
                ("a.jpg", "rejected", "decode_busy"),
                ("notes.jpg", "rejected", "not_an_image"),
            ],
        );
        let message = got.body["files"][0]["message"].as_str().unwrap();
        assert!(message.contains("send it again"), "{message}");
        assert_eq!(budget.timed_out(), 1);
        assert!(items(&a, ds).await.is_empty());
        assert!(media_files(&app).is_empty());
        assert!(
            app.state
                .metrics
                .render()
                .contains("mudou_decode_memory_busy_total 1")
        );

        drop(held);
        let form = Form::new().part("files", file("a.jpg", shape("shape_000.jpg")));
        assert_outcomes(
            upload(&a, ds, form).await.ok(),
            &[("a.jpg", "accepted", "")],
        );
        assert_eq!(items(&a, ds).await.len(), 1);
    }
);
