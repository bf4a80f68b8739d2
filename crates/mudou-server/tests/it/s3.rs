//! Media on S3-compatible storage, against a real S3-compatible server: moto
//! (`python3 -m pip install 'moto[server]'`), started by each test on a random loopback port.
//! When moto cannot be started these tests fail (never pass by doing nothing).

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use mudou_media::{S3Config, S3Credentials};
use reqwest::multipart::{Form, Part};
use serde_json::json;

use crate::{Backend, Browser, TestApp};

/// A moto S3 server of this test's own; killed on drop.
struct Moto {
    child: Child,
    url: String,
}

impl Moto {
    async fn start() -> Moto {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let in_ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false");
        let spawned = Command::new("python3")
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let mut child = spawned.unwrap_or_else(|e| {
            panic!("cannot run python3 for moto ({e}); install it: python3 -m pip install 'moto[server]' (CI: {in_ci})")
        });
        let url = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let start = Instant::now();
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "moto exited ({status}); install it: python3 -m pip install 'moto[server]' (CI: {in_ci})"
                );
            }
            if http.get(format!("{url}/")).send().await.is_ok() {
                return Moto { child, url };
            }
            if start.elapsed() > Duration::from_secs(60) {
                let _ = child.kill();
                let _ = child.wait();
                panic!("moto did not answer on {url} within 60 s");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Makes a bucket with the plain S3 API (moto takes unsigned requests).
    async fn bucket(&self, name: &str) {
        let r = reqwest::Client::new()
            .put(format!("{}/{name}", self.url))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    }

    /// Every key in the bucket (ListObjectsV2).
    async fn keys(&self, bucket: &str) -> Vec<String> {
        let xml = reqwest::Client::new()
            .get(format!("{}/{bucket}?list-type=2", self.url))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let mut keys: Vec<String> = xml
            .split("<Key>")
            .skip(1)
            .map(|k| k.split("</Key>").next().unwrap().to_owned())
            .collect();
        keys.sort();
        keys
    }

    /// An object's bytes (GetObject, signed: moto keeps objects private).
    async fn object(&self, bucket: &str, key: &str) -> Bytes {
        use object_store::ObjectStore;
        let s3 = object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(bucket)
            .with_endpoint(&self.url)
            .with_region("us-east-1")
            .with_access_key_id("testing")
            .with_secret_access_key("testing")
            .with_allow_http(true)
            .build()
            .unwrap();
        let got = s3.get(&object_store::path::Path::from(key)).await;
        got.unwrap_or_else(|e| panic!("{key}: {e}"))
            .bytes()
            .await
            .unwrap()
    }

    fn settings(&self, bucket: &str) -> S3Config {
        S3Config {
            bucket: bucket.into(),
            prefix: "mudou/media".into(),
            endpoint: Some(self.url.clone()),
            region: Some("us-east-1".into()),
            allow_http: true,
            // The binary takes these from AWS_* in its environment; a test cannot change its
            // own process's environment safely, so it hands them over.
            credentials: Some(S3Credentials {
                access_key_id: "testing".into(),
                secret_access_key: "testing".into(),
            }),
        }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn shape(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../../datasets/shapes/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(path).unwrap()
}

async fn upload_one(b: &Browser, name: &str, bytes: Vec<u8>) -> (i64, String) {
    let got = b.post("/api/v1/datasets", json!({"name": "s3"})).await;
    assert_eq!(got.status.as_u16(), 201, "{}", got.body);
    let ds = got.body["id"].as_i64().unwrap();
    let form = Form::new().part("files", Part::bytes(bytes).file_name(name.to_owned()));
    let r = b
        .http
        .post(format!("{}/api/v1/datasets/{ds}/files", b.url))
        .header("connection", "close")
        .multipart(form)
        .send()
        .await
        .unwrap();
    let got = crate::Got::from(r).await;
    assert_eq!(got.ok()["files"][0]["status"], "accepted", "{}", got.body);
    let items = b
        .get(&format!("/api/v1/datasets/{ds}/items"))
        .await
        .ok()
        .clone();
    let thumb = items["items"][0]["thumb_url"].as_str().unwrap();
    // `/api/v1/media/{sha256}/thumb`
    let sha = thumb.split('/').nth(4).unwrap().to_owned();
    assert_eq!(sha.len(), 64, "{thumb}");
    (ds, sha)
}

async fn get_bytes(b: &Browser, path: &str) -> (u16, Bytes) {
    let r = b.http.get(format!("{}{path}", b.url)).send().await.unwrap();
    (r.status().as_u16(), r.bytes().await.unwrap())
}

/// Files under the data folder's `media/` (there should be none with S3 media).
fn local_media(app: &TestApp) -> usize {
    walkdir(&app.state.settings.data_dir.join("media"))
}

fn walkdir(dir: &std::path::Path) -> usize {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return 0;
    };
    rd.flatten()
        .map(|e| {
            if e.path().is_dir() {
                walkdir(&e.path())
            } else {
                1
            }
        })
        .sum()
}

async fn one_server(backend: Backend) {
    let moto = Moto::start().await;
    moto.bucket("mudou-one").await;
    let s3 = moto.settings("mudou-one");
    let app = TestApp::spawn_tuned(backend, |s| s.media_s3 = Some(s3))
        .await
        .expect("a server");
    let schema = app.state.settings.database_schema.clone();
    app.world().await;
    let a = app.browser();
    a.login("client_a").await.ok();
    let original = shape("shape_000.jpg");
    let (_, sha) = upload_one(&a, "a.jpg", original.clone()).await;

    // In the bucket, under the prefix: the original and its renditions, nothing local.
    let keys = moto.keys("mudou-one").await;
    let at = |kind: &str| format!("mudou/media/{kind}/{}/{sha}", &sha[..2]);
    assert_eq!(
        keys,
        [at("originals"), at("phone"), at("screen"), at("thumb")],
        "{keys:?}"
    );
    assert_eq!(
        moto.object("mudou-one", &at("originals")).await,
        Bytes::from(original.clone())
    );
    assert_eq!(local_media(&app), 0);

    // Served back byte-identical, renditions too.
    let (status, got) = get_bytes(&a, &format!("/api/v1/media/{sha}/original")).await;
    assert_eq!((status, got), (200, Bytes::from(original)));
    let (status, thumb) = get_bytes(&a, &format!("/api/v1/media/{sha}/thumb")).await;
    assert_eq!(status, 200);
    assert_eq!(thumb, moto.object("mudou-one", &at("thumb")).await);
    drop(app);
    crate::drop_schema(schema).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_on_s3_are_stored_in_the_bucket_and_served_back_sqlite() {
    one_server(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(mudou_pg_tests),
    ignore = "MUDOU_TEST_POSTGRES_URL was not set when the tests were built"
)]
async fn media_on_s3_are_stored_in_the_bucket_and_served_back_postgres() {
    one_server(Backend::Postgres).await;
}

/// Two servers on one PostgreSQL database and one bucket, each with a data folder of its own:
/// a picture uploaded through one is served by the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(mudou_pg_tests),
    ignore = "MUDOU_TEST_POSTGRES_URL was not set when the tests were built"
)]
async fn two_servers_share_media_through_the_bucket_postgres() {
    crate::pg_url();
    let moto = Moto::start().await;
    moto.bucket("mudou-two").await;
    let s3 = moto.settings("mudou-two");
    let first = TestApp::spawn_tuned(Backend::Postgres, |s| s.media_s3 = Some(s3.clone()))
        .await
        .unwrap();
    let mut settings = (*first.state.settings).clone();
    let dir = tempfile::tempdir().unwrap();
    settings.data_dir = dir.path().to_path_buf();
    let second = TestApp::spawn_with(settings, dir).await;
    assert_ne!(
        first.state.settings.data_dir,
        second.state.settings.data_dir
    );

    first.world().await;
    let a = first.browser();
    a.login("client_a").await.ok();
    let original = shape("shape_001.jpg");
    let (ds, sha) = upload_one(&a, "b.jpg", original.clone()).await;

    // The same client, logged in on the other server, sees the item and its picture.
    let b = second.browser();
    b.login("client_a").await.ok();
    let items = b.get(&format!("/api/v1/datasets/{ds}/items")).await;
    assert_eq!(items.ok()["items"].as_array().unwrap().len(), 1);
    let (status, got) = get_bytes(&b, &format!("/api/v1/media/{sha}/original")).await;
    assert_eq!((status, got), (200, Bytes::from(original)));
    let (status, screen) = get_bytes(&b, &format!("/api/v1/media/{sha}/screen")).await;
    assert_eq!(status, 200);
    assert_eq!(
        screen,
        moto.object(
            "mudou-two",
            &format!("mudou/media/screen/{}/{sha}", &sha[..2])
        )
        .await
    );
    assert_eq!(local_media(&first) + local_media(&second), 0);
    let schema = first.state.settings.database_schema.clone();
    drop(second);
    drop(first);
    crate::drop_schema(schema).await;
}

/// A server whose bucket does not answer refuses to start, naming it, rather than failing
/// at the first upload.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_bucket_stops_the_server_at_start() {
    let moto = Moto::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut settings = mudou_server::Settings::for_data_dir(dir.path());
    settings.media_s3 = Some(moto.settings("no-such-bucket"));
    let err = match mudou_server::build(settings).await {
        Ok(_) => panic!("the server started without its bucket"),
        Err(e) => format!("{e:#}"),
    };
    assert!(err.contains("s3://no-such-bucket/mudou/media"), "{err}");
}
