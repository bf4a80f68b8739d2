//! Simulated annotators of known quality working through text orders over HTTP, for the
//! review, quality and rules tests.

use std::collections::HashMap;

use mudou_app::ingest::{Ingest, text_items};
use mudou_media::TextItem;
use serde_json::{Value, json};

use crate::{Browser, TestApp};

/// The label keys of the simulated orders.
pub const KEYS: [&str; 4] = ["good", "bad", "neutral", "spam"];

/// A small seeded generator (splitmix64): the same seed, the same workers.
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

pub fn text_spec(
    name: &str,
    overlap: Value,
    gold_share: f64,
    max_gold: u32,
    unit_size: u32,
) -> Value {
    let labels: Vec<Value> = KEYS
        .iter()
        .enumerate()
        .map(|(i, k)| {
            json!({"key": k, "name_zh": format!("类{i}"), "name_en": k, "colour": "#1e88e5",
                   "hotkey": (i + 1).to_string()})
        })
        .collect();
    json!({
        "name": name,
        "task_type": "text_classification",
        "labels": labels,
        "overlap": overlap,
        "gold_share": gold_share,
        "max_gold_items": max_gold,
        "unit_size": unit_size,
        "piece_rate_fen": 5,
        "priority": 5
    })
}

/// A published text order of `org` with `n` texts whose right answers are known.
pub struct TextOrder {
    pub id: i64,
    /// Item id → its right label.
    pub truth: HashMap<i64, String>,
}

/// Makes a dataset of `n` texts (label of text `i`: `KEYS[(i * 7) % 4]`), an order on it
/// with `spec` (tweaked by `client`), and publishes it.
pub async fn text_order(
    app: &TestApp,
    org_id: i64,
    client: &str,
    n: usize,
    spec: Value,
) -> TextOrder {
    let ds = app
        .dataset(org_id, &format!("texts-{}", uuid::Uuid::new_v4().simple()))
        .await;
    let label_of = |i: usize| KEYS[(i * 7) % 4].to_owned();
    let texts: Vec<TextItem> = (0..n)
        .map(|i| TextItem {
            line: i as u64 + 2,
            id: Some(format!("t{i}")),
            text: format!("第{i}条评价 review {i}"),
            tag: None,
            label: Some(label_of(i)),
            labels: Vec::new(),
            meta: Default::default(),
        })
        .collect();
    let mut ingest = Ingest::new(&app.state, ds.id);
    ingest.add(text_items("texts.csv", texts)).await.unwrap();
    ingest.commit().await.unwrap();
    let items = app
        .state
        .store
        .list_items(
            mudou_domain::OrgId::new(org_id),
            mudou_domain::DatasetId::new(ds.id),
            0,
            10_000,
        )
        .await
        .unwrap();
    let truth = items
        .iter()
        .map(|it| {
            let i: usize = it.file_name.trim_start_matches('t').parse().unwrap();
            (it.id, label_of(i))
        })
        .collect();
    let c = app.browser();
    c.login(client).await.ok();
    let o = c
        .post("/api/v1/orders", json!({"dataset_id": ds.id, "spec": spec}))
        .await;
    let id = o.ok()["id"].as_i64().unwrap();
    c.post(&format!("/api/v1/orders/{id}/publish"), json!({}))
        .await
        .ok();
    TextOrder { id, truth }
}

/// An annotator's browser on an enrolled device of `lead`'s centre, logged in.
pub async fn annotator_browser(app: &TestApp, user_id: i64, pin: &str, lead: &str) -> Browser {
    let b = app.browser();
    b.enrol_as(lead).await;
    b.pin(user_id, pin).await.ok();
    b
}

/// A simulated annotator: right with probability `accuracy`, else a random other label;
/// each answer reported as taking `ms` milliseconds.
pub struct SimWorker {
    pub id: i64,
    pub browser: Browser,
    pub accuracy: f64,
    pub ms: i64,
    pub rng: Rng,
    /// Answers given, by item.
    pub answers: HashMap<i64, String>,
}

impl SimWorker {
    pub async fn new(
        app: &TestApp,
        id: i64,
        pin: &str,
        lead: &str,
        accuracy: f64,
        ms: i64,
        seed: u64,
    ) -> SimWorker {
        SimWorker {
            id,
            browser: annotator_browser(app, id, pin, lead).await,
            accuracy,
            ms,
            rng: Rng::new(seed),
            answers: HashMap::new(),
        }
    }

    fn pick(&mut self, right: &str) -> String {
        if self.rng.unit() < self.accuracy {
            return right.to_owned();
        }
        let others: Vec<&str> = KEYS.iter().copied().filter(|k| *k != right).collect();
        others[self.rng.below(others.len())].to_owned()
    }

    /// Takes a unit, answers every item (`answer` may force an item's answer), submits it.
    /// `None` when dispatch had nothing; else the order and the items answered.
    pub async fn do_unit_with(
        &mut self,
        truth: &HashMap<i64, String>,
        force: &dyn Fn(i64) -> Option<String>,
    ) -> Option<(i64, Vec<i64>)> {
        let next = self.browser.get("/api/v1/work/next").await;
        if next.ok()["status"] != "assigned" {
            return None;
        }
        let a = &next.body["assignment"];
        let aid = a["id"].as_i64().unwrap();
        let order = a["order"]["id"].as_i64().unwrap();
        let items: Vec<i64> = a["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["item_id"].as_i64().unwrap())
            .collect();
        for &item in &items {
            let right = truth
                .get(&item)
                .cloned()
                .unwrap_or_else(|| KEYS[0].to_owned());
            let label = force(item).unwrap_or_else(|| self.pick(&right));
            let g = self
                .browser
                .post(
                    "/api/v1/work/labels",
                    json!({"client_uuid": uuid::Uuid::new_v4().to_string(), "assignment_id": aid, "item_id": item,
                           "answer": {"label": label}, "duration_ms": self.ms}),
                )
                .await;
            g.ok();
            self.answers.insert(item, label);
        }
        self.browser
            .post(&format!("/api/v1/work/assignments/{aid}/submit"), json!({}))
            .await
            .ok();
        Some((order, items))
    }

    pub async fn do_unit(&mut self, truth: &HashMap<i64, String>) -> Option<(i64, Vec<i64>)> {
        self.do_unit_with(truth, &|_| None).await
    }
}

/// Gold item ids of an order (straight from the store: the API never tells annotators).
pub async fn gold_items(app: &TestApp, order_id: i64) -> Vec<i64> {
    app.state
        .store
        .order_gold_items(mudou_domain::OrderId::new(order_id))
        .await
        .unwrap()
}
