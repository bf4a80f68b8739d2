//! Model backends (the Label Studio ML backend protocol): a real backend built on the
//! label-studio-ml SDK (`tests/data/ml_backend/serve.py`: a scikit-learn text classifier and
//! a trivial shape detector) fills suggestions for a text order and a box order in the
//! background and is told of settled items; bad backends made here with axum (garbage,
//! too slow, gone) have their answers dropped and counted and their circuit opened while
//! labelling goes on; the routes' scope; the token never shown.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::work::{annotator_browser, choice_spec, order, shape_pictures};
use crate::{Browser, TestApp, World, both};

const TOKEN: &str = "tok-0f9e8d7c6b5a-secret";

/// The Python backend on a free loopback port, killed when dropped.
struct PyBackend {
    child: Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Drop for PyBackend {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The Python that runs the test backend: `MUDOU_ML_PYTHON`, else the virtual environment CI
/// makes for it (`target/ml-backend-venv`: label-studio-ml pins Flask 1.1 and Jinja2 3.0, which
/// the other Python checks' transformers cannot live with), else `python3`.
fn backend_python() -> String {
    if let Ok(p) = std::env::var("MUDOU_ML_PYTHON") {
        return p;
    }
    let venv = format!(
        "{}/../../target/ml-backend-venv/bin/python",
        env!("CARGO_MANIFEST_DIR")
    );
    if std::path::Path::new(&venv).exists() {
        return venv;
    }
    "python3".into()
}

impl PyBackend {
    async fn start() -> PyBackend {
        let port = free_port();
        let dir = tempfile::tempdir().unwrap();
        let script = format!(
            "{}/tests/data/ml_backend/serve.py",
            env!("CARGO_MANIFEST_DIR")
        );
        // CI makes the environment: a missing package is a failure, said at once, not a pass.
        let ok = std::process::Command::new(backend_python())
            .args(["-c", "import label_studio_ml, sklearn"])
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            ok,
            "the backend's Python lacks label-studio-ml or scikit-learn (see .ci/run: target/ml-backend-venv)"
        );
        let child = Command::new(backend_python())
            .arg(script)
            .args(["--port", &port.to_string(), "--token", TOKEN, "--model-dir"])
            .arg(dir.path())
            .env("HOME", dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the backend's Python runs");
        let url = format!("http://127.0.0.1:{port}");
        let b = PyBackend {
            child,
            url,
            _dir: dir,
        };
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let r = http
                .get(format!("{}/health", b.url))
                .bearer_auth(TOKEN)
                .send()
                .await;
            if r.is_ok_and(|r| r.status().is_success()) {
                return b;
            }
            assert!(
                Instant::now() < deadline,
                "the Python backend did not start"
            );
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }

    /// The training events the backend was sent: `(action, task id, results)`.
    async fn trained(&self) -> Vec<(String, i64, u64)> {
        let v: Value = reqwest::get(format!("{}/trained", self.url))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["event"].as_str().unwrap_or_default().to_owned(),
                    t["task"].as_i64().unwrap_or_default(),
                    t["results"].as_u64().unwrap_or_default(),
                )
            })
            .collect()
    }
}

/// Polls `f` every 300 ms until it says yes, at most `secs` seconds.
async fn until<F, Fut>(secs: u64, what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<String>>,
{
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        match f().await {
            None => return,
            Some(state) => {
                assert!(Instant::now() < deadline, "{what}: gave up at {state}");
            }
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

fn path(order: i64) -> String {
    format!("/api/v1/orders/{order}/model-backend")
}

/// A draft text order of org A over the first `n` reviews of `datasets/reviews`; its id and
/// the reviews' labels in item order.
async fn review_order(app: &TestApp, w: &World, c: &Browser, n: usize) -> (i64, Vec<String>) {
    let ds = app
        .dataset(w.org_a, &format!("评论{}", mudou_store::now_millis()))
        .await;
    let csv = std::fs::read_to_string(format!(
        "{}/../../datasets/reviews/reviews.csv",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let mut rd = csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<(String, String)> = rd
        .records()
        .take(n)
        .map(|r| {
            let r = r.unwrap();
            (r[1].to_owned(), r[2].to_owned())
        })
        .collect();
    let items: Vec<mudou_store::NewItem> = rows
        .iter()
        .enumerate()
        .map(|(i, (text, _))| mudou_store::NewItem {
            content: mudou_store::ItemContent::Text { body: text.clone() },
            file_name: format!("r{i}"),
            tag: String::new(),
            meta: "{}".into(),
            gold: None,
        })
        .collect();
    app.state
        .store
        .add_items(mudou_domain::DatasetId::new(ds.id), &[], &items, 1)
        .await
        .unwrap();
    let label = |k: &str, hot: &str| json!({"key": k, "name_zh": k, "name_en": k, "colour": "#1e88e5", "hotkey": hot});
    let spec = json!({
        "name": "评论", "task_type": "text_classification",
        "labels": [label("good", "1"), label("bad", "2"), label("neutral", "3")],
        "overlap": {"kind": "fixed", "n": 1}, "max_gold_items": 0, "unit_size": n,
        "piece_rate_fen": 10, "pay_on": "submit",
        "suggestions": {"check_rate_fen": 3, "fix_rate_fen": 9}
    });
    let o = c
        .post("/api/v1/orders", json!({"dataset_id": ds.id, "spec": spec}))
        .await;
    (
        o.ok()["id"].as_i64().unwrap(),
        rows.into_iter().map(|r| r.1).collect(),
    )
}

async fn suggestions(c: &Browser, order: i64) -> Vec<Value> {
    c.get(&format!("/api/v1/orders/{order}/suggestions"))
        .await
        .ok()
        .as_array()
        .unwrap()
        .clone()
}

both!(backend_fills_suggestions_and_learns, |app| {
    let w = app.world().await;
    let py = PyBackend::start().await;
    let c = app.browser();
    c.login("client_a").await.ok();

    // Texts: configured on the draft (its health and setup checked), then published.
    let (text_order, truth) = review_order(&app, &w, &c, 6).await;
    let put = c
        .put(
            &path(text_order),
            json!({"url": py.url, "token": TOKEN, "batch_size": 4}),
        )
        .await;
    let b = put.ok().clone();
    assert_eq!(b["has_token"], true, "{b}");
    assert_eq!(b["state"], "ok");
    assert_eq!(b["batch_size"], 4);
    assert!(b["model_version"].is_string(), "{b}");
    assert!(!put.body.to_string().contains(TOKEN));
    // Without the token the backend refuses: nothing kept.
    let (other, _) = review_order(&app, &w, &c, 2).await;
    let bad = c.put(&path(other), json!({"url": py.url})).await;
    assert_eq!(bad.status.as_u16(), 422, "{}", bad.body);
    assert_eq!(bad.code(), "validation");
    assert_eq!(c.get(&path(other)).await.status.as_u16(), 404);
    c.post(&format!("/api/v1/orders/{text_order}/publish"), json!({}))
        .await
        .ok();

    // Boxes on the shapes pictures.
    let mut spec = choice_spec(json!({"kind": "fixed", "n": 1}));
    spec["task_type"] = json!("bbox");
    spec["suggestions"] = json!({"check_rate_fen": 3, "fix_rate_fen": 9});
    let ds = shape_pictures(&app, &w, 3).await;
    let o = c
        .post("/api/v1/orders", json!({"dataset_id": ds, "spec": spec}))
        .await;
    let box_order = o.ok()["id"].as_i64().unwrap();
    c.put(&path(box_order), json!({"url": py.url, "token": TOKEN}))
        .await
        .ok();
    c.post(&format!("/api/v1/orders/{box_order}/publish"), json!({}))
        .await
        .ok();

    until(120, "text suggestions", || async {
        let n = suggestions(&c, text_order).await.len();
        (n < 6).then(|| format!("{n} of 6"))
    })
    .await;
    let rows = suggestions(&c, text_order).await;
    let mut right = 0;
    for (r, want) in rows.iter().zip(&truth) {
        assert_eq!(r["source"], "backend");
        assert_eq!(r["model_version"], "mudou-test-backend-1");
        let s = r["score"].as_f64().unwrap();
        assert!(s > 0.0 && s <= 1.0, "{r}");
        right += usize::from(r["answer"]["label"] == want.as_str());
    }
    // Trained on these very reviews: it knows them.
    assert!(right >= 5, "{right} of 6 right: {rows:?}");

    until(180, "box suggestions", || async {
        let n = suggestions(&c, box_order).await.len();
        (n < 3).then(|| format!("{n} of 3"))
    })
    .await;
    let rows = suggestions(&c, box_order).await;
    let drawn: usize = rows
        .iter()
        .map(|r| r["answer"]["boxes"].as_array().unwrap().len())
        .sum();
    assert!(drawn >= 3, "the detector found shapes: {rows:?}");
    for r in &rows {
        for bx in r["answer"]["boxes"].as_array().unwrap() {
            let (x, y, bw, bh) = (
                bx["x"].as_f64().unwrap(),
                bx["y"].as_f64().unwrap(),
                bx["w"].as_f64().unwrap(),
                bx["h"].as_f64().unwrap(),
            );
            assert!(
                x >= 0.0 && y >= 0.0 && x + bw <= 480.0 && y + bh <= 360.0,
                "{bx}"
            );
        }
    }

    let got = c.get(&path(text_order)).await;
    let b = got.ok();
    assert_eq!(b["state"], "ok", "{b}");
    assert_eq!(b["asked"], 6);
    assert_eq!(b["stored"], 6);
    assert_eq!(b["dropped"], 0);
    assert!(b["last_success_at"].is_i64());
    assert!(!got.body.to_string().contains(TOKEN));
    let metrics = app.metrics().await;
    assert!(
        metrics.contains(r#"mudou_suggestions_stored_total{source="backend"} 9"#),
        "{metrics}"
    );

    // The annotator's unit shows them; labelling settles the items and the backend is told.
    let a1 = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;
    for _ in 0..2 {
        let next = a1.get("/api/v1/work/next").await;
        let asg = next.ok()["assignment"].clone();
        if asg.is_null() {
            break;
        }
        let aid = asg["id"].as_i64().unwrap();
        for it in asg["items"].as_array().unwrap() {
            let s = &it["suggestion"];
            assert!(s["id"].is_i64(), "every item has its suggestion: {it}");
            assert!(s.get("source").is_none());
            let body = json!({"client_uuid": uuid::Uuid::new_v4().to_string(),
                "assignment_id": aid, "item_id": it["item_id"], "answer": s["answer"],
                "suggestion_id": s["id"], "duration_ms": 1500});
            assert_eq!(
                a1.post("/api/v1/work/labels", body).await.ok()["status"],
                "stored"
            );
        }
        a1.post(&format!("/api/v1/work/assignments/{aid}/submit"), json!({}))
            .await
            .ok();
    }
    until(60, "training events", || async {
        let told = py.trained().await;
        let b = c.get(&path(text_order)).await.ok().clone();
        (told.len() < 9 || b["trained"].as_i64() < Some(6)).then(|| format!("told {told:?}, {b}"))
    })
    .await;
    let told = py.trained().await;
    assert!(
        told.iter().all(|(e, _, _)| e == "ANNOTATION_CREATED"),
        "{told:?}"
    );
    // The texts' final answers went as one choice each.
    assert!(told.iter().filter(|t| t.2 == 1).count() >= 6, "{told:?}");

    // Removed: gone, its suggestions stay.
    assert_eq!(c.delete(&path(text_order)).await.status.as_u16(), 204);
    assert_eq!(c.get(&path(text_order)).await.status.as_u16(), 404);
    assert_eq!(suggestions(&c, text_order).await.len(), 6);
});

#[derive(Clone, Copy)]
enum Mode {
    /// Per task: an answer not fitting, a good one, a result that is no list; and one
    /// prediction for a task not asked.
    Mixed,
    NotJson,
    Slow,
}

/// A fake backend on loopback: `/health` and `/setup` answer, `/predict` as `mode` says.
/// Returns its address, the number of `/predict` calls, and its task (abort it: gone).
async fn fake(mode: Mode) -> (String, Arc<AtomicUsize>, tokio::task::JoinHandle<()>) {
    use axum::routing::{get, post};
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let app = axum::Router::new()
        .route(
            "/health",
            get(|| async { axum::Json(json!({"status": "UP"})) }),
        )
        .route(
            "/setup",
            post(|| async { axum::Json(json!({"model_version": "fake-1"})) }),
        )
        .route(
            "/predict",
            post(move |axum::Json(body): axum::Json<Value>| {
                let counted = counted.clone();
                async move {
                    counted.fetch_add(1, Ordering::SeqCst);
                    let tasks = body["tasks"].as_array().cloned().unwrap_or_default();
                    let choice = |c: &str| {
                        json!([{"from_name": "label", "to_name": "image",
                        "type": "choices", "value": {"choices": [c]}}])
                    };
                    match mode {
                        Mode::NotJson => "<html>oops</html>".to_owned(),
                        Mode::Slow => {
                            tokio::time::sleep(Duration::from_secs(3)).await;
                            json!({"results": []}).to_string()
                        }
                        Mode::Mixed => {
                            let mut results: Vec<Value> = tasks
                                .iter()
                                .enumerate()
                                .map(|(i, _)| match i % 3 {
                                    0 => json!({"result": choice("cow"), "score": 0.5}),
                                    1 => json!({"result": choice("circle"), "score": 0.8}),
                                    _ => json!({"result": {"not": "a list"}}),
                                })
                                .collect();
                            results.push(json!({"task": 987654321, "result": choice("star")}));
                            json!({"results": results, "model_version": "fake-1"}).to_string()
                        }
                    }
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, calls, task)
}

async fn backend_of(c: &Browser, order: i64) -> Value {
    c.get(&path(order)).await.ok().clone()
}

both!(bad_backends_are_dropped_and_broken_off, |app| {
    let w = app.world().await;
    let c = app.browser();
    c.login("client_a").await.ok();
    let mut spec = choice_spec(json!({"kind": "fixed", "n": 1}));
    spec["suggestions"] = json!({"check_rate_fen": 3, "fix_rate_fen": 9});

    // Nothing listening: refused with 422, nothing kept.
    let closed = format!("http://127.0.0.1:{}", free_port());
    let draft_ds = shape_pictures(&app, &w, 1).await;
    let draft = c
        .post(
            "/api/v1/orders",
            json!({"dataset_id": draft_ds, "spec": spec}),
        )
        .await
        .ok()["id"]
        .as_i64()
        .unwrap();
    let r = c.put(&path(draft), json!({"url": closed})).await;
    assert_eq!(r.status.as_u16(), 422, "{}", r.body);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("did not answer")
    );

    // Garbage mixed with good answers: the good ones stored, the rest dropped by reason.
    let (mixed_url, _, _mixed) = fake(Mode::Mixed).await;
    let mixed = order(&app, &w, 6, spec.clone()).await;
    c.put(&path(mixed), json!({"url": mixed_url, "batch_size": 6}))
        .await
        .ok();
    until(30, "mixed answers", || async {
        let b = backend_of(&c, mixed).await;
        (b["asked"] != 6).then(|| b.to_string())
    })
    .await;
    let b = backend_of(&c, mixed).await;
    assert_eq!(
        (b["stored"].as_i64(), b["dropped"].as_i64()),
        (Some(2), Some(4)),
        "{b}"
    );
    assert_eq!(b["state"], "ok");
    let rows = suggestions(&c, mixed).await;
    assert_eq!(rows.len(), 2);
    assert!(
        rows.iter()
            .all(|r| r["answer"]["label"] == "circle" && r["model_version"] == "fake-1")
    );
    let metrics = app.metrics().await;
    for (reason, n) in [("does_not_fit", 2), ("bad_shape", 2), ("unknown_task", 1)] {
        let line =
            format!(r#"mudou_suggestions_dropped_total{{reason="{reason}",source="backend"}} {n}"#);
        assert!(metrics.contains(&line), "{line} in {metrics}");
    }

    // Not JSON: its items dropped (and not asked again), the call counted as failed.
    let (junk_url, junk_calls, _junk) = fake(Mode::NotJson).await;
    let junk = order(&app, &w, 4, spec.clone()).await;
    c.put(&path(junk), json!({"url": junk_url})).await.ok();
    until(30, "garbage", || async {
        let b = backend_of(&c, junk).await;
        (b["dropped"] != 4).then(|| b.to_string())
    })
    .await;
    let b = backend_of(&c, junk).await;
    assert_eq!(b["state"], "failing", "{b}");
    assert_eq!(b["stored"], 0);
    assert!(b["last_error"].as_str().unwrap().contains("no JSON"), "{b}");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        junk_calls.load(Ordering::SeqCst),
        1,
        "its items are not asked again"
    );
    assert!(
        app.metrics()
            .await
            .contains(r#"mudou_suggestions_dropped_total{reason="not_json",source="backend"} 4"#)
    );

    // Too slow: each call times out after its retries; after three the circuit opens.
    let (slow_url, slow_calls, _slow) = fake(Mode::Slow).await;
    let slow = order(&app, &w, 3, spec.clone()).await;
    c.put(&path(slow), json!({"url": slow_url, "timeout_ms": 300}))
        .await
        .ok();
    // Gone: it answered when set, then stops listening.
    let (gone_url, _, gone_task) = fake(Mode::Mixed).await;
    let gone = order(&app, &w, 3, spec.clone()).await;
    c.put(&path(gone), json!({"url": gone_url})).await.ok();
    gone_task.abort();
    let _ = gone_task.await;

    // Labelling goes on meanwhile.
    let a1 = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;
    let started = Instant::now();
    let next = a1.get("/api/v1/work/next").await;
    let asg = next.ok()["assignment"].clone();
    let aid = asg["id"].as_i64().unwrap();
    for it in asg["items"].as_array().unwrap() {
        let body = json!({"client_uuid": uuid::Uuid::new_v4().to_string(),
            "assignment_id": aid, "item_id": it["item_id"], "answer": {"label": "star"},
            "duration_ms": 1500});
        assert_eq!(
            a1.post("/api/v1/work/labels", body).await.ok()["status"],
            "stored"
        );
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "labels wait for no backend"
    );

    for (o, what) in [(slow, "slow"), (gone, "gone")] {
        until(60, what, || async {
            let b = backend_of(&c, o).await;
            (b["state"] != "circuit_open").then(|| b.to_string())
        })
        .await;
        let b = backend_of(&c, o).await;
        assert_eq!(b["failures"], 3, "{b}");
        assert_eq!(
            b["asked"], 0,
            "nothing marked asked: asked again once it answers"
        );
        assert!(b["open_until"].as_i64().unwrap() > mudou_store::now_millis());
        assert!(b["last_error"].is_string());
    }
    let b = backend_of(&c, gone).await;
    assert!(
        b["last_error"].as_str().unwrap().contains("cannot connect"),
        "{b}"
    );
    let b = backend_of(&c, slow).await;
    assert!(
        b["last_error"].as_str().unwrap().contains("within 300 ms"),
        "{b}"
    );
    // Open: no calls while it cools down…
    let calls = slow_calls.load(Ordering::SeqCst);
    assert_eq!(calls, 3 * 3, "three calls of three tries");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(slow_calls.load(Ordering::SeqCst), calls);
    // … until asked now: one trial call (its tries), which fails and opens it again.
    let r = c.post(&format!("{}/predict", path(slow)), json!({})).await;
    assert_eq!(r.status.as_u16(), 202, "{}", r.body);
    until(30, "trial call", || async {
        let b = backend_of(&c, slow).await;
        (b["failures"] != 4 || b["state"] != "circuit_open").then(|| b.to_string())
    })
    .await;
    assert_eq!(slow_calls.load(Ordering::SeqCst), calls + 3);
});

both!(model_backend_scope, |app| {
    let w = app.world().await;
    let (url, _, _task) = fake(Mode::Mixed).await;
    let o = order(&app, &w, 2, choice_spec(json!({"kind": "fixed", "n": 1}))).await;
    let c = app.browser();
    c.login("client_a").await.ok();
    assert_eq!(c.get(&path(o)).await.status.as_u16(), 404, "none yet");
    let body = json!({"url": url, "token": TOKEN});

    // Bad input: 422 with the field named, nothing kept.
    for bad in [
        json!({"url": "ftp://example.org"}),
        json!({"url": "not a url"}),
        json!({"url": "http://u:p@127.0.0.1:1"}),
        json!({"url": url, "batch_size": 0}),
        json!({"url": url, "timeout_ms": 5}),
        json!({"url": url, "questions": ["colour"]}),
        json!({"url": url, "colour": 1}),
    ] {
        let r = c.put(&path(o), bad.clone()).await;
        assert_eq!(r.status.as_u16(), 422, "{bad}: {}", r.body);
    }
    assert_eq!(c.get(&path(o)).await.status.as_u16(), 404);

    let put = c.put(&path(o), body.clone()).await;
    assert_eq!(put.ok()["model_version"], "fake-1");
    // Leaving the token out keeps it; an empty one clears it.
    let again = c
        .put(&path(o), json!({"url": url, "questions": ["label"]}))
        .await;
    assert_eq!(again.ok()["has_token"], true);
    assert_eq!(again.ok()["questions"], json!(["label"]));

    let other = app.browser();
    other.login("client_b").await.ok();
    let a1 = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;
    let nobody = app.browser();
    for (who, status) in [(&other, 404), (&a1, 403), (&nobody, 401)] {
        assert_eq!(who.get(&path(o)).await.status.as_u16(), status);
        assert_eq!(
            who.put(&path(o), body.clone()).await.status.as_u16(),
            status
        );
        assert_eq!(
            who.post(&format!("{}/predict", path(o)), json!({}))
                .await
                .status
                .as_u16(),
            status
        );
        assert_eq!(who.delete(&path(o)).await.status.as_u16(), status);
    }
    // Still there, and the token in no answer.
    let got = c.get(&path(o)).await;
    assert!(!got.body.to_string().contains(TOKEN));
    let cleared = c.put(&path(o), json!({"url": url, "token": ""})).await;
    assert_eq!(cleared.ok()["has_token"], false);
    let nudged = c.post(&format!("{}/predict", path(o)), json!({})).await;
    assert_eq!(nudged.status.as_u16(), 202);
    assert!(!nudged.body.to_string().contains(TOKEN));
    assert_eq!(c.delete(&path(o)).await.status.as_u16(), 204);
    assert_eq!(c.delete(&path(o)).await.status.as_u16(), 404);
    assert_eq!(
        c.post(&format!("{}/predict", path(o)), json!({}))
            .await
            .status
            .as_u16(),
        404
    );
});
