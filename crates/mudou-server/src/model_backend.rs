//! The model backend worker: for every published order (open or paused) with a model
//! backend (`routes/model_backend.rs`), it asks the backend's `/predict` (the Label Studio
//! ML backend protocol) in batches for the order's items that have no suggestion and were
//! not asked yet, reads each prediction's results as an answer
//! (`mudou_domain::labelstudio::read_results`) and stores it through
//! `routes::suggestions::store_suggestions` (source `backend`, with the model's version and
//! score); and it tells the backend of each settled item (`POST /webhook`,
//! `ANNOTATION_CREATED`), best effort.
//!
//! Calls are made here only, never on the label path and never inside a database
//! transaction: each has a timeout (the backend's `timeout_ms`), is tried up to
//! [`ATTEMPTS`] times with exponential backoff, and goes through a circuit breaker per
//! backend — after [`FAILURES_TO_OPEN`] failed calls in a row no call is made for
//! [`COOL_DOWN`], then one trial call closes it again or opens it for another cool-down.
//! The breaker's state and counts are the backend's row (`mudou-store/src/model_backends.rs`),
//! so `GET …/model-backend` shows them. An answer that is not JSON, of the wrong shape, for
//! an unknown task or not fitting the order is dropped with its reason (logged and counted in
//! `mudou_suggestions_dropped_total{source="backend"}`), and its items are remembered as
//! asked so they are not asked forever.
//!
//! Pictures go to the backend as signed links (`routes/media.rs`): absolute, expiring, no
//! login needed, as the label-studio-ml SDK downloads `http(s)` URLs of a task's data.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use mudou_domain::labelstudio::{config_from_template, read_results, results_from_answer};
use mudou_domain::{FieldKind, OrderId, OrderSpec, Template};
use mudou_store::{BackendCall, ItemField, ItemToAsk, ModelBackend, SuggestionSource, now_millis};
use serde_json::{Map, Value, json};
use tokio::sync::Notify;

use crate::routes::suggestions::{Dropped, Incoming, SuggestionsOut, store_suggestions};
use crate::state::AppState;

/// Failed calls in a row that open a backend's circuit.
pub const FAILURES_TO_OPEN: i64 = 3;
/// How long an open circuit holds calls back before one trial call.
pub const COOL_DOWN: Duration = Duration::from_secs(60);
/// Tries of one call (the first and the retries).
pub const ATTEMPTS: u32 = 3;
/// The first retry's wait; each next one waits twice as long.
const BACKOFF: Duration = Duration::from_millis(200);
/// How often the worker looks for work (or sooner, when nudged).
const TICK: Duration = Duration::from_secs(1);
/// Settled items told of per backend and pass.
const TRAIN_BATCH: i64 = 16;
/// The largest answer read from a backend.
const MAX_ANSWER: usize = 16 << 20;
/// The longest error message kept on the backend's row.
const MAX_ERROR: usize = 300;

/// Wakes the worker now (`POST …/model-backend/predict`, a new backend).
static NUDGE: LazyLock<Notify> = LazyLock::new(Notify::new);

pub fn nudge() {
    NUDGE.notify_waiters();
}

/// Whether a backend may be called now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    Closed,
    /// The cool-down is over: one trial call.
    Trial,
    Open,
}

pub fn gate(open_until: Option<i64>, now: i64) -> Gate {
    match open_until {
        None => Gate::Closed,
        Some(t) if now < t => Gate::Open,
        Some(_) => Gate::Trial,
    }
}

/// The breaker after a failed call: failures in a row, and until when it is open.
pub fn after_failure(failures: i64, now: i64) -> (i64, Option<i64>) {
    let f = failures + 1;
    let open = (f >= FAILURES_TO_OPEN).then(|| now + COOL_DOWN.as_millis() as i64);
    (f, open)
}

/// What `GET …/model-backend` calls the breaker's state: `ok`, `failing` (its last calls
/// failed) or `circuit_open`.
pub fn state_name(b: &ModelBackend, now: i64) -> &'static str {
    match gate(b.open_until, now) {
        Gate::Open => "circuit_open",
        _ if b.failures > 0 => "failing",
        _ => "ok",
    }
}

/// The HTTP client every backend call uses (no redirects followed: the client's address is
/// the one called).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .build()
        .expect("an HTTP client builds")
}

/// A call's failure, said in a few words (never with the token).
fn clip(s: impl Into<String>) -> String {
    let s: String = s.into();
    s.chars().take(MAX_ERROR).collect()
}

/// One call to a backend: `GET` without a body, `POST` with one; tried up to `attempts`
/// times (connection errors, timeouts, 5xx and 429 are tried again after a backoff).
/// Answers the status and the body (at most [`MAX_ANSWER`] bytes), or why it failed.
pub async fn call(
    http: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    timeout: Duration,
    path: &str,
    body: Option<&Value>,
    attempts: u32,
) -> Result<(u16, Vec<u8>), String> {
    let target = format!("{}{path}", url.trim_end_matches('/'));
    let mut last = String::new();
    for attempt in 0..attempts.max(1) {
        if attempt > 0 {
            tokio::time::sleep(BACKOFF * 2u32.pow(attempt - 1)).await;
        }
        let mut req = match body {
            Some(b) => http.post(&target).json(b),
            None => http.get(&target),
        }
        .timeout(timeout);
        if let Some(t) = token.filter(|t| !t.is_empty()) {
            req = req.bearer_auth(t);
        }
        match req.send().await {
            Ok(mut resp) => {
                let status = resp.status().as_u16();
                if status >= 500 || status == 429 {
                    last = format!("{path} answered {status}");
                    continue;
                }
                let mut bytes = Vec::new();
                let read = async {
                    while let Some(chunk) = resp.chunk().await.map_err(|e| e.to_string())? {
                        if bytes.len() + chunk.len() > MAX_ANSWER {
                            return Err(format!("{path} answered more than {MAX_ANSWER} bytes"));
                        }
                        bytes.extend_from_slice(&chunk);
                    }
                    Ok(())
                };
                match read.await {
                    Ok(()) => return Ok((status, bytes)),
                    Err(e) => last = clip(format!("{path}: reading the answer: {e}")),
                }
            }
            Err(e) if e.is_timeout() => {
                last = format!("{path} did not answer within {} ms", timeout.as_millis());
            }
            Err(e) if e.is_connect() => last = format!("{path}: cannot connect"),
            Err(e) => last = clip(format!("{path}: {e}")),
        }
    }
    Err(last)
}

/// The project name sent to the backend: `{order}.{created}` as Label Studio sends it.
pub fn project(order_id: i64, created_at: i64) -> String {
    format!("{order_id}.{}", created_at / 1000)
}

/// `POST /setup` with the order's Label Studio config; answers the model's version.
pub async fn setup(
    http: &reqwest::Client,
    b: &ModelBackend,
    project: &str,
    config: &str,
    hostname: &str,
    attempts: u32,
) -> Result<Option<String>, String> {
    let body = json!({"project": project, "schema": config, "hostname": hostname,
                      "access_token": "", "model_version": Value::Null});
    let (status, bytes) = call(
        http,
        &b.url,
        b.token.as_deref(),
        Duration::from_millis(b.timeout_ms as u64),
        "/setup",
        Some(&body),
        attempts,
    )
    .await?;
    if !(200..300).contains(&status) {
        return Err(format!("/setup answered {status}"));
    }
    let v: Value =
        serde_json::from_slice(&bytes).map_err(|_| "/setup answered no JSON".to_owned())?;
    Ok(v["model_version"].as_str().map(clip))
}

/// An item's picture sizes by field name.
type Sizes = Vec<(String, (i64, i64))>;

/// The Label Studio `data` of an item: each field under its name (a picture as a signed
/// link), a record's conversation as its turns; and its picture sizes.
fn task_data(
    state: &AppState,
    base: &str,
    template: &Template,
    it: &ItemToAsk,
    now: i64,
) -> (Value, Sizes) {
    let mut data = json!({"file_name": it.file_name});
    let fields = mudou_store::item_fields(
        it.fields.as_deref(),
        &it.kind,
        it.sha256.as_deref(),
        it.body.as_deref(),
        it.width.zip(it.height),
    );
    let legacy = it.fields.is_none();
    for f in &fields {
        // An item from before records: its one field under the template's field of its kind.
        let name = if legacy {
            template
                .fields
                .iter()
                .find(|t| t.kind == f.kind)
                .or(template.fields.first())
                .map(|t| t.name.clone())
                .unwrap_or_else(|| f.name.clone())
        } else {
            f.name.clone()
        };
        data[&name] = field_value(state, base, f, &it.file_name, now);
    }
    // The picture sizes by field name, as `Store::item_sizes` reads them (no query of its own).
    let sizes = fields
        .iter()
        .filter_map(|f| Some((f.name.clone(), f.size()?)))
        .collect();
    (data, sizes)
}

fn field_value(state: &AppState, base: &str, f: &ItemField, file_name: &str, now: i64) -> Value {
    match f.kind {
        FieldKind::Image => {
            let Some(sha) = &f.sha256 else {
                return Value::Null;
            };
            let name = f.file.as_deref().unwrap_or(file_name);
            crate::routes::media::signed_url(&state.settings, base, sha, "original", name, now)
                .map(Value::String)
                .unwrap_or(Value::Null)
        }
        FieldKind::Conversation => {
            let t = f.text.as_deref().unwrap_or_default();
            serde_json::from_str(t).unwrap_or_else(|_| json!(t))
        }
        _ => json!(f.text.as_deref().unwrap_or_default()),
    }
}

/// Picture sizes of an item by field name (the first for any other name).
fn sized(sizes: &[(String, (i64, i64))]) -> impl Fn(&str) -> Option<(i64, i64)> + '_ {
    move |f: &str| {
        sizes
            .iter()
            .find(|(n, _)| n == f)
            .or(sizes.first())
            .map(|(_, s)| *s)
    }
}

/// The questions the backend answers: its own list, else the order's policy's, else all.
fn answered_questions(b: &ModelBackend, spec: &OrderSpec) -> Option<HashSet<String>> {
    if let Some(q) = b
        .questions
        .as_deref()
        .and_then(|q| serde_json::from_str::<Vec<String>>(q).ok())
        .filter(|q| !q.is_empty())
    {
        return Some(q.into_iter().collect());
    }
    spec.suggestions
        .as_ref()
        .filter(|p| !p.questions.is_empty())
        .map(|p| p.questions.iter().cloned().collect())
}

/// Runs until the server stops: every [`TICK`] (or when nudged) starts a pass for each
/// backend of a published order that is not busy with one already. `base` is the server's
/// own address, for the signed links.
pub async fn worker_loop(state: AppState, base: String) {
    let http = client();
    let busy: Arc<Mutex<HashSet<i64>>> = Arc::default();
    // Backends set up (`/setup`) by this worker, with the address they were set up at.
    let ready: Arc<Mutex<HashMap<i64, String>>> = Arc::default();
    loop {
        let nudged = NUDGE.notified();
        tokio::select! {
            _ = tokio::time::sleep(TICK) => {}
            _ = nudged => {}
        }
        let backends = match state.store.active_model_backends().await {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = %e, "model backends: reading the list");
                continue;
            }
        };
        let now = now_millis();
        for b in backends {
            if gate(b.open_until, now) == Gate::Open {
                continue;
            }
            if !busy.lock().expect("not poisoned").insert(b.order_id) {
                continue;
            }
            let (state, http, base, busy, ready) = (
                state.clone(),
                http.clone(),
                base.clone(),
                busy.clone(),
                ready.clone(),
            );
            tokio::spawn(async move {
                let order = b.order_id;
                if let Err(e) = pass(&state, &http, &base, &ready, b).await {
                    tracing::warn!(order, error = %e, "model backend pass");
                }
                busy.lock().expect("not poisoned").remove(&order);
            });
        }
    }
}

/// One pass over one backend: a batch asked, then settled items told of.
async fn pass(
    state: &AppState,
    http: &reqwest::Client,
    base: &str,
    ready: &Mutex<HashMap<i64, String>>,
    b: ModelBackend,
) -> anyhow::Result<()> {
    let order_id = OrderId::new(b.order_id);
    let order = state.store.order_by_id(order_id).await?;
    let spec: OrderSpec = serde_json::from_str(&order.spec)?;
    let template = spec.template().into_owned();
    let config = config_from_template(&template);
    let project = project(order.id, order.created_at);
    let mut failures = b.failures;
    let mut open_until = b.open_until;

    // A failed call: the breaker moves, the error is kept.
    let fail = |failures: &mut i64, open_until: &mut Option<i64>, why: String| {
        let now = now_millis();
        let (f, o) = after_failure(*failures, now);
        *failures = f;
        *open_until = o;
        tracing::info!(order = b.order_id, failures = f, open = o.is_some(), error = %why,
            "model backend call failed");
        BackendCall {
            error: Some((clip(why), now)),
            failures: f,
            open_until: o,
            ..Default::default()
        }
    };

    let items = state.store.items_to_ask(order_id, b.batch_size).await?;
    if !items.is_empty() {
        let is_ready = ready.lock().expect("not poisoned").get(&b.order_id) == Some(&b.url);
        if !is_ready {
            match setup(http, &b, &project, &config, base, ATTEMPTS).await {
                Ok(v) => {
                    ready
                        .lock()
                        .expect("not poisoned")
                        .insert(b.order_id, b.url.clone());
                    if v.is_some() {
                        let call = BackendCall {
                            model_version: v,
                            failures,
                            open_until,
                            ..Default::default()
                        };
                        state
                            .store
                            .record_backend_call(order_id, &call, &[], &[], now_millis())
                            .await?;
                    }
                }
                Err(why) => {
                    let call = fail(&mut failures, &mut open_until, why);
                    state
                        .store
                        .record_backend_call(order_id, &call, &[], &[], now_millis())
                        .await?;
                    return Ok(());
                }
            }
        }
        let now = now_millis();
        let mut sizes: SizesByItem = HashMap::new();
        let mut tasks = Vec::with_capacity(items.len());
        for it in &items {
            let (data, item_sizes) = task_data(state, base, &template, it, now);
            tasks.push(json!({"id": it.id, "data": data}));
            sizes.insert(it.id, item_sizes);
        }
        let body = json!({"tasks": tasks, "project": project, "label_config": config,
                          "params": {"context": Value::Null}});
        let answer = call(
            http,
            &b.url,
            b.token.as_deref(),
            Duration::from_millis(b.timeout_ms as u64),
            "/predict",
            Some(&body),
            ATTEMPTS,
        )
        .await;
        let ids: Vec<i64> = items.iter().map(|i| i.id).collect();
        let call = match answer {
            Err(why) => {
                ready.lock().expect("not poisoned").remove(&b.order_id);
                fail(&mut failures, &mut open_until, why)
            }
            Ok((status, _)) if !(200..300).contains(&status) => {
                ready.lock().expect("not poisoned").remove(&b.order_id);
                fail(
                    &mut failures,
                    &mut open_until,
                    format!("/predict answered {status}"),
                )
            }
            Ok((_, bytes)) => {
                let read =
                    read_predictions(state, &b, &spec, &template, &ids, &sizes, &bytes).await?;
                let mut call = match &read.garbage {
                    // The whole answer was garbage: its items dropped, and a failed call.
                    Some(why) => fail(&mut failures, &mut open_until, why.clone()),
                    None => {
                        failures = 0;
                        open_until = None;
                        BackendCall {
                            success_at: Some(now_millis()),
                            ..Default::default()
                        }
                    }
                };
                call.model_version = read.version;
                call.asked = ids.len() as i64;
                call.stored = read.out.stored as i64;
                let dropped_items: HashSet<i64> = read
                    .out
                    .dropped
                    .iter()
                    .filter_map(|d| d.item_id)
                    .chain(read.dropped_whole.iter().copied())
                    .collect();
                call.dropped = dropped_items.len() as i64;
                let asked: Vec<(i64, &'static str)> = ids
                    .iter()
                    .map(|i| {
                        (
                            *i,
                            if dropped_items.contains(i) {
                                "dropped"
                            } else {
                                "stored"
                            },
                        )
                    })
                    .collect();
                state
                    .store
                    .record_backend_call(order_id, &call, &asked, &[], now_millis())
                    .await?;
                if read.garbage.is_some() {
                    return Ok(());
                }
                call
            }
        };
        if call.error.is_some() {
            state
                .store
                .record_backend_call(order_id, &call, &[], &[], now_millis())
                .await?;
            return Ok(());
        }
    }
    train(
        state, http, base, &b, &template, &config, failures, open_until,
    )
    .await
}

/// Each item's picture sizes by field name.
type SizesByItem = HashMap<i64, Sizes>;

/// What a `/predict` answer gave.
struct Read {
    out: SuggestionsOut,
    /// Why the whole answer is garbage (not JSON, not `{"results": [...]}`).
    garbage: Option<String>,
    /// Items of the batch dropped without an `item_id` in `out` (no answer for them).
    dropped_whole: Vec<i64>,
    version: Option<String>,
}

/// Reads a `/predict` answer (`{"results": [{"result": [...], "score", "model_version"}],
/// "model_version"}`, the predictions in the order of the tasks, or each naming its `task`)
/// and stores what fits.
async fn read_predictions(
    state: &AppState,
    b: &ModelBackend,
    spec: &OrderSpec,
    template: &Template,
    ids: &[i64],
    sizes: &SizesByItem,
    bytes: &[u8],
) -> anyhow::Result<Read> {
    let source = SuggestionSource::Backend;
    let mut out = SuggestionsOut::default();
    let drop_all = |out: &mut SuggestionsOut, code: &'static str, why: &str| {
        for (i, id) in ids.iter().enumerate() {
            out.drop_one(
                state,
                source,
                Dropped {
                    index: i,
                    item_id: Some(*id),
                    code,
                    reason: why.to_owned(),
                },
            );
        }
    };
    let v: Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(_) => {
            let why = "/predict answered no JSON";
            drop_all(&mut out, "not_json", why);
            return Ok(Read {
                out,
                garbage: Some(why.into()),
                dropped_whole: Vec::new(),
                version: None,
            });
        }
    };
    let Some(results) = v["results"].as_array() else {
        let why = "/predict answered no list of results";
        drop_all(&mut out, "bad_shape", why);
        return Ok(Read {
            out,
            garbage: Some(why.into()),
            dropped_whole: Vec::new(),
            version: None,
        });
    };
    let version = v["model_version"].as_str().map(clip);
    let model = reqwest::Url::parse(&b.url)
        .ok()
        .and_then(|u| {
            u.host_str().map(|h| {
                format!(
                    "{h}{}",
                    u.port().map(|p| format!(":{p}")).unwrap_or_default()
                )
            })
        })
        .unwrap_or_else(|| "model-backend".into());
    let questions = answered_questions(b, spec);
    let mut incoming = Vec::new();
    let mut answered: HashSet<i64> = HashSet::new();
    for (i, p) in results.iter().enumerate() {
        let task = match p.get("task") {
            Some(t) => t.as_i64().or_else(|| t["id"].as_i64()),
            None => ids.get(i).copied(),
        };
        let Some(item) = task.filter(|t| ids.contains(t)) else {
            out.drop_one(
                state,
                source,
                Dropped {
                    index: i,
                    item_id: None,
                    code: "unknown_task",
                    reason: format!("prediction {i} is for no task of the batch"),
                },
            );
            continue;
        };
        if !answered.insert(item) {
            out.drop_one(
                state,
                source,
                Dropped {
                    index: i,
                    item_id: Some(item),
                    code: "duplicate",
                    reason: format!("a second prediction for item {item}"),
                },
            );
            continue;
        }
        let Some(list) = p["result"].as_array() else {
            out.drop_one(
                state,
                source,
                Dropped {
                    index: i,
                    item_id: Some(item),
                    code: "bad_shape",
                    reason: "a prediction without a list of results".into(),
                },
            );
            continue;
        };
        let no_sizes = Vec::new();
        let item_sizes = sizes.get(&item).unwrap_or(&no_sizes);
        let size = sized(item_sizes);
        let r = read_results(template, list, &size);
        let mut answer: Map<String, Value> = r.answer;
        if let Some(q) = &questions {
            answer.retain(|k, _| q.contains(k));
        }
        if !r.refused.is_empty() || answer.is_empty() {
            let why = if r.refused.is_empty() {
                format!(
                    "answers none of the order's questions it may ({})",
                    r.left_out.join(", ")
                )
            } else {
                r.refused.join(", ")
            };
            out.drop_one(
                state,
                source,
                Dropped {
                    index: i,
                    item_id: Some(item),
                    code: "does_not_fit",
                    reason: clip(why),
                },
            );
            continue;
        }
        let score = match p.get("score") {
            None | Some(Value::Null) => None,
            Some(s) => match s.as_f64() {
                Some(x) => Some(x),
                None => {
                    out.drop_one(
                        state,
                        source,
                        Dropped {
                            index: i,
                            item_id: Some(item),
                            code: "bad_score",
                            reason: "a score that is not a number".into(),
                        },
                    );
                    continue;
                }
            },
        };
        incoming.push(Incoming {
            index: i,
            item_id: item,
            answer: Value::Object(answer),
            model: model.clone(),
            model_version: p["model_version"]
                .as_str()
                .map(str::to_owned)
                .or_else(|| version.clone()),
            score,
        });
    }
    // Items of the batch the answer said nothing of.
    let mut dropped_whole = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        if !answered.contains(id) {
            out.drop_one(
                state,
                source,
                Dropped {
                    index: i,
                    item_id: Some(*id),
                    code: "no_answer",
                    reason: format!("no prediction for item {id}"),
                },
            );
            dropped_whole.push(*id);
        }
    }
    let out = store_suggestions(state, OrderId::new(b.order_id), spec, incoming, source, out)
        .await
        .map_err(|e| anyhow::anyhow!("storing suggestions: {}", e.message))?;
    Ok(Read {
        out,
        garbage: None,
        dropped_whole,
        version,
    })
}

/// Tells the backend of settled items, one `POST /webhook` each (`ANNOTATION_CREATED` with
/// the task, the final answer as results and the project's config). A backend without the
/// route (404, 405) is fine; a failure stops the pass and moves the breaker.
#[allow(clippy::too_many_arguments)]
async fn train(
    state: &AppState,
    http: &reqwest::Client,
    base: &str,
    b: &ModelBackend,
    template: &Template,
    config: &str,
    failures: i64,
    open_until: Option<i64>,
) -> anyhow::Result<()> {
    if gate(open_until, now_millis()) == Gate::Open {
        return Ok(());
    }
    let order_id = OrderId::new(b.order_id);
    let items = state.store.items_to_train(order_id, TRAIN_BATCH).await?;
    if items.is_empty() {
        return Ok(());
    }
    let now = now_millis();
    let mut told = Vec::new();
    let mut error = None;
    for it in &items {
        let (data, sizes) = task_data(state, base, template, &it.item, now);
        let answer: Value = serde_json::from_str(&it.answer).unwrap_or(Value::Null);
        let id = it.item.id;
        let result = results_from_answer(template, &answer, &sized(&sizes), &format!("m{id}"));
        let body = json!({
            "action": "ANNOTATION_CREATED",
            "task": {"id": id, "data": data},
            "annotation": {"id": id, "task": id, "result": result, "ground_truth": false},
            "project": {"id": b.order_id, "label_config": config},
        });
        match call(
            http,
            &b.url,
            b.token.as_deref(),
            Duration::from_millis(b.timeout_ms as u64),
            "/webhook",
            Some(&body),
            ATTEMPTS,
        )
        .await
        {
            Ok((s, _)) if (200..300).contains(&s) || s == 404 || s == 405 => told.push(id),
            Ok((s, _)) => {
                // Refused (a 4xx): told, as nothing would change by telling again.
                tracing::info!(order = b.order_id, item = id, status = s, "webhook refused");
                told.push(id);
            }
            Err(why) => {
                error = Some(why);
                break;
            }
        }
    }
    let now = now_millis();
    let call = match error {
        Some(why) => {
            let (f, o) = after_failure(failures, now);
            tracing::info!(order = b.order_id, failures = f, error = %why, "model backend webhook failed");
            BackendCall {
                error: Some((clip(why), now)),
                failures: f,
                open_until: o,
                trained: told.len() as i64,
                ..Default::default()
            }
        }
        None => BackendCall {
            success_at: Some(now),
            failures: 0,
            open_until: None,
            trained: told.len() as i64,
            ..Default::default()
        },
    };
    state
        .store
        .record_backend_call(order_id, &call, &[], &told, now)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breaker_opens_after_failures_and_lets_one_trial_through() {
        let now = 1_000_000;
        let (f, o) = after_failure(0, now);
        assert_eq!((f, o), (1, None));
        let (f, o) = after_failure(f, now);
        assert_eq!(o, None);
        let (f, o) = after_failure(f, now);
        assert_eq!(f, FAILURES_TO_OPEN);
        let until = o.unwrap();
        assert_eq!(gate(o, now), Gate::Open);
        assert_eq!(gate(o, until - 1), Gate::Open);
        assert_eq!(gate(o, until), Gate::Trial);
        // A failed trial opens it again for a whole cool-down.
        let (_, o2) = after_failure(f, until);
        assert_eq!(gate(o2, until + 1), Gate::Open);
        assert_eq!(gate(None, now), Gate::Closed);
    }
}
