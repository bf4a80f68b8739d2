//! `mudou serve --media-url s3://…` as shipped: the real binary, its credentials only from
//! `AWS_*` in its environment, against moto (`python3 -m pip install 'moto[server]'`), an
//! S3-compatible server started here on a loopback port. Without moto this test fails.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// A child process, killed on drop.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until `url` answers (any status) while `child` lives.
async fn wait_for(child: &mut Killed, url: &str, what: &str) {
    let http = reqwest::Client::new();
    let start = Instant::now();
    loop {
        if let Ok(Some(status)) = child.0.try_wait() {
            panic!("{what} exited ({status})");
        }
        if http.get(url).send().await.is_ok() {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{what} did not answer on {url} within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn json_post(http: &reqwest::Client, base: &str, path: &str, body: Value) -> Value {
    let r = http
        .post(format!("{base}{path}"))
        .header("origin", base)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{path}: {status} {body}");
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_keeps_media_in_the_bucket_with_credentials_from_the_environment() {
    let bin = env!("CARGO_BIN_EXE_mudou");
    let moto_port = free_port();
    let moto = Command::new("python3")
        .args(["-m", "moto.server", "-H", "127.0.0.1"])
        .args(["-p", &moto_port.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("python3 for moto: {e}; python3 -m pip install 'moto[server]'"));
    let mut moto = Killed(moto);
    let moto_url = format!("http://127.0.0.1:{moto_port}");
    wait_for(
        &mut moto,
        &format!("{moto_url}/"),
        "moto (python3 -m pip install 'moto[server]')",
    )
    .await;
    let http = reqwest::Client::new();
    let made = http
        .put(format!("{moto_url}/mudou-bin"))
        .send()
        .await
        .unwrap();
    assert!(made.status().is_success());

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let secret = format!("secret-{}", std::process::id());
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let flags = [
        "--data-dir",
        data,
        "--writer-core",
        "false",
        "--media-url",
        "s3://mudou-bin/centre-a",
        "--s3-endpoint",
        &moto_url,
        "--s3-allow-http",
        "true",
    ];
    let with_env = |c: &mut Command| {
        for (k, _) in std::env::vars() {
            if k.starts_with("AWS_") || k.starts_with("MUDOU_") {
                c.env_remove(k);
            }
        }
        c.env("AWS_ACCESS_KEY_ID", "mudou-test-key")
            .env("AWS_SECRET_ACCESS_KEY", &secret)
            .env("MUDOU_LOG", "debug");
    };
    let mut admin = Command::new(bin);
    admin
        .arg("create-admin")
        .args(flags)
        .args(["--username", "admin"]);
    with_env(&mut admin);
    let status = admin
        .env("MUDOU_ADMIN_PASSWORD", "correct horse")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let log_path = dir.path().join("serve.log");
    let mut serve = Command::new(bin);
    serve
        .arg("serve")
        .args(flags)
        .args(["--listen", &format!("127.0.0.1:{port}")]);
    with_env(&mut serve);
    let log = std::fs::File::create(&log_path).unwrap();
    let serve = serve
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    let mut serve = Killed(serve);
    wait_for(&mut serve, &format!("{base}/healthz"), "mudou serve").await;

    let web = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let login = |user: &str| json!({"username": user, "password": "correct horse"});
    json_post(&web, &base, "/api/v1/auth/login", login("admin")).await;
    let org = json_post(&web, &base, "/api/v1/admin/orgs", json!({"name": "客户"})).await;
    let client = json!({"username": "client", "display_name": "c", "role": "client",
        "password": "correct horse", "org_id": org["id"]});
    json_post(&web, &base, "/api/v1/admin/users", client).await;
    json_post(&web, &base, "/api/v1/auth/login", login("client")).await;
    let ds = json_post(&web, &base, "/api/v1/datasets", json!({"name": "s3"})).await;
    let picture = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../datasets/shapes/shape_000.jpg"
    ))
    .unwrap();
    let part = reqwest::multipart::Part::bytes(picture.clone()).file_name("a.jpg");
    let r = web
        .post(format!("{base}/api/v1/datasets/{}/files", ds["id"]))
        .header("origin", &base)
        .multipart(reqwest::multipart::Form::new().part("files", part))
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["files"][0]["status"], "accepted", "{body}");

    let sha = mudou_media::sha256_hex(&picture);
    let listing = http
        .get(format!("{moto_url}/mudou-bin?list-type=2"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for kind in ["originals", "phone", "screen", "thumb"] {
        let key = format!("<Key>centre-a/{kind}/{}/{sha}</Key>", &sha[..2]);
        assert!(listing.contains(&key), "{key} not in {listing}");
    }
    let served = web
        .get(format!("{base}/api/v1/media/{sha}/original"))
        .send()
        .await
        .unwrap();
    assert_eq!(served.status().as_u16(), 200);
    assert_eq!(served.bytes().await.unwrap(), picture);
    assert_eq!(
        std::fs::read_dir(dir.path().join("media")).map_or(0, |d| d.count()),
        0,
        "nothing stored locally"
    );

    drop(serve);
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(log.contains("media on S3-compatible storage"), "{log}");
    assert!(!log.contains(&secret), "the secret was logged");
}
