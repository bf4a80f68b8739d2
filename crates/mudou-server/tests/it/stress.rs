//! Dispatch under load: hundreds of annotators at once on one SQLite server, and two
//! servers sharing one PostgreSQL. Each annotator loops next → label every item (some
//! posts sent twice, as a browser retries) → submit (or, now and then, hand the unit back
//! halfway) until there is no work left. Then the order must keep every invariant: no
//! item over its overlap, no annotator twice on an item, every acknowledged label stored
//! exactly once, no lease left behind.

use std::collections::HashSet;

use mudou_domain::Role;
use mudou_server::Settings;
use mudou_store::{NewUser, now_millis};
use serde_json::{Value, json};

use crate::{TestApp, World};

const LABELS: [&str; 4] = ["a", "b", "c", "d"];

/// A published text order of org A over `n` texts with `overlap` labels each.
async fn text_order(app: &TestApp, w: &World, n: usize, overlap: u32) -> i64 {
    let ds = app.dataset(w.org_a, &format!("压测{}", now_millis())).await;
    let mut csv = String::from("text\n");
    for i in 0..n {
        csv.push_str(&format!("第 {i} 条\n"));
    }
    let items =
        mudou_media::parse_text_items(mudou_media::TableFormat::Csv, "t.csv", csv.as_bytes())
            .unwrap();
    let mut ingest = mudou_app::ingest::Ingest::new(&app.state, ds.id);
    ingest
        .add(mudou_app::ingest::text_items("t.csv", items))
        .await
        .unwrap();
    ingest.commit().await.unwrap();
    let labels: Vec<Value> = LABELS
        .iter()
        .map(|k| json!({"key": k, "name_zh": k, "name_en": k, "colour": "#1e88e5"}))
        .collect();
    let spec: mudou_domain::OrderSpec = serde_json::from_value(json!({
        "name": "压测", "task_type": "text_classification", "labels": labels,
        "overlap": {"kind": "fixed", "n": overlap}, "unit_size": 5, "piece_rate_fen": 2,
        "required_qualification": null, "required_level": null, "deadline": null
    }))
    .unwrap();
    let filter = mudou_store::UserFilter {
        org_id: Some(w.org_a),
        ..Default::default()
    };
    let client = app.state.store.list_users(&filter).await.unwrap()[0].id;
    mudou_app::orders::create_published(
        &app.state,
        mudou_domain::OrgId::new(w.org_a),
        client,
        mudou_domain::DatasetId::new(ds.id),
        &spec,
    )
    .await
    .unwrap()
    .id
}

/// `n` annotators of `centre`, each with a session cookie made straight in the store (one
/// PIN hash for all: the crowd is about dispatch, not about Argon2).
async fn crowd(app: &TestApp, centre: i64, n: usize) -> Vec<String> {
    let hash = mudou_app::secrets::hash_secret("2468".into())
        .await
        .unwrap();
    let store = &app.state.store;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let u = store
            .create_user(
                &NewUser {
                    username: None,
                    display_name: format!("压测员{i}"),
                    role: Role::Annotator,
                    centre_id: Some(centre),
                    org_id: None,
                    password_hash: None,
                    pin_hash: Some(hash.clone()),
                    skill_level: None,
                },
                now_millis(),
            )
            .await
            .unwrap();
        let secret = format!("stress-{}-{i}", uuid::Uuid::new_v4().simple());
        store
            .create_session(
                &mudou_app::secrets::token_hash(&secret),
                u.id,
                None,
                now_millis(),
                now_millis() + 3_600_000,
            )
            .await
            .unwrap();
        out.push(format!("mudou_session={secret}"));
    }
    out
}

#[derive(Default, Debug)]
struct Tally {
    /// Label ids the server acknowledged as newly stored.
    acked: Vec<i64>,
    replays: usize,
    units: usize,
    returned: usize,
    errors: Vec<String>,
}

/// One annotator working until there is nothing left for them.
async fn annotate(http: reqwest::Client, url: String, cookie: String, seed: u64) -> Tally {
    let mut t = Tally::default();
    let mut rng = seed;
    let mut roll = move |n: u64| {
        rng = rng
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (rng >> 33) % n
    };
    let call = |method: reqwest::Method, path: String, body: Option<Value>| {
        let mut r = http
            .request(method, format!("{url}{path}"))
            .header("cookie", &cookie);
        if let Some(b) = body {
            r = r.json(&b);
        }
        async move {
            let r = r.send().await.map_err(|e| e.to_string())?;
            let status = r.status().as_u16();
            let body: Value = r.json().await.unwrap_or(Value::Null);
            Ok::<_, String>((status, body))
        }
    };
    for _ in 0..200 {
        let (status, next) =
            match call(reqwest::Method::GET, "/api/v1/work/next".into(), None).await {
                Ok(r) => r,
                Err(e) => {
                    t.errors.push(format!("next: {e}"));
                    continue;
                }
            };
        if status != 200 {
            t.errors.push(format!("next {status} {next}"));
            continue;
        }
        if next["status"] == "nothing" {
            break;
        }
        let a = &next["assignment"];
        let aid = a["id"].as_i64().unwrap();
        let items = a["items"].as_array().cloned().unwrap_or_default();
        let give_back = roll(20) == 0;
        for (k, it) in items.iter().enumerate() {
            if give_back && k == items.len() / 2 {
                break;
            }
            let body = json!({"client_uuid": uuid::Uuid::new_v4().to_string(), "assignment_id": aid,
                              "item_id": it["item_id"], "answer": {"label": LABELS[roll(4) as usize]},
                              "duration_ms": 1200});
            let sends = if roll(10) == 0 { 2 } else { 1 };
            for attempt in 0..sends {
                match call(
                    reqwest::Method::POST,
                    "/api/v1/work/labels".into(),
                    Some(body.clone()),
                )
                .await
                {
                    Ok((200, r)) => match (attempt, r["status"].as_str()) {
                        (0, Some("stored")) => t.acked.push(r["label_id"].as_i64().unwrap()),
                        (1, Some("replay")) => t.replays += 1,
                        other => t.errors.push(format!("label answered {other:?}: {r}")),
                    },
                    Ok((s, r)) => t.errors.push(format!("label {s} {r}")),
                    Err(e) => t.errors.push(format!("label: {e}")),
                }
            }
        }
        let (path, counter) = if give_back {
            (
                format!("/api/v1/work/assignments/{aid}/return"),
                &mut t.returned,
            )
        } else {
            (
                format!("/api/v1/work/assignments/{aid}/submit"),
                &mut t.units,
            )
        };
        match call(reqwest::Method::POST, path, Some(json!({}))).await {
            Ok((200, _)) => *counter += 1,
            Ok((s, r)) => t.errors.push(format!("finish {s} {r}")),
            Err(e) => t.errors.push(format!("finish: {e}")),
        }
    }
    t
}

/// Runs `cookies.len()` annotators at once, spread over `urls`, and checks the order.
async fn run_and_check(app: &TestApp, urls: &[String], order_id: i64, cookies: Vec<String>) {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(1024)
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let tasks: Vec<_> = cookies
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            tokio::spawn(annotate(
                http.clone(),
                urls[i % urls.len()].clone(),
                c,
                i as u64 + 1,
            ))
        })
        .collect();
    let mut all = Tally::default();
    for t in tasks {
        let t = t.await.unwrap();
        all.acked.extend(t.acked);
        all.replays += t.replays;
        all.units += t.units;
        all.returned += t.returned;
        all.errors.extend(t.errors);
    }
    let audit = app
        .state
        .store
        .audit_order(mudou_domain::OrderId::new(order_id), now_millis())
        .await
        .unwrap();
    eprintln!(
        "stress: {} labels acknowledged, {} retries answered as replays, {} units, {} handed back, in {:.1} s; {audit:?}",
        all.acked.len(),
        all.replays,
        all.units,
        all.returned,
        started.elapsed().as_secs_f64()
    );
    assert!(
        all.errors.is_empty(),
        "{} errors, e.g. {:?}",
        all.errors.len(),
        &all.errors[..all.errors.len().min(5)]
    );
    assert!(
        all.replays > 0 && all.returned > 0,
        "retries and hand-backs were exercised"
    );
    let unique: HashSet<i64> = all.acked.iter().copied().collect();
    assert_eq!(unique.len(), all.acked.len(), "no label acknowledged twice");
    assert_eq!(
        audit.labels as usize,
        all.acked.len(),
        "every acknowledged label stored, nothing else"
    );
    assert_eq!(
        (
            audit.over_labelled,
            audit.duplicate_labels,
            audit.count_mismatch,
            audit.stray_leases,
            audit.slot_mismatch
        ),
        (0, 0, 0, 0, 0)
    );
    assert_eq!(
        audit.leases, 0,
        "every unit was submitted or handed back: no lease is left"
    );
}

crate::both!(five_hundred_annotators_at_once, |app| {
    let w = app.world().await;
    let order_id = text_order(&app, &w, 1200, 2).await;
    let cookies = crowd(&app, w.centre_a, 500).await;
    run_and_check(&app, &[app.url.clone()], order_id, cookies).await;
});

/// Two server processes (each its own pools, caches and label writers) on one PostgreSQL
/// schema, annotators spread over both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(mudou_pg_tests),
    ignore = "MUDOU_TEST_POSTGRES_URL was not set when the tests were built"
)]
async fn two_servers_share_one_postgresql() {
    let url = crate::pg_url();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(std::env::var("MUDOU_LOG").unwrap_or_else(|_| "warn".into()))
        .with_test_writer()
        .try_init();
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    let settings = |dir: &tempfile::TempDir| {
        let mut s = Settings::for_data_dir(dir.path());
        s.listen = "127.0.0.1:0".parse().unwrap();
        s.database_url = url.clone().into();
        s.database_schema = Some(schema.clone());
        s.database_max_connections = 8;
        s
    };
    let d1 = tempfile::tempdir().unwrap();
    let d2 = tempfile::tempdir().unwrap();
    let (s1, s2) = (settings(&d1), settings(&d2));
    let one = TestApp::spawn_with(s1, d1).await;
    let two = TestApp::spawn_with(s2, d2).await;
    let w = one.world().await;
    let order_id = text_order(&one, &w, 600, 3).await;
    let cookies = crowd(&one, w.centre_a, 200).await;
    run_and_check(&one, &[one.url.clone(), two.url.clone()], order_id, cookies).await;
    crate::drop_schema(Some(schema)).await;
}
