//! The data: the real crowd sets (read as `benches/replay` reads them), the reviews with
//! their cross-validated predictions (`model.py`), the shapes pictures with their gold
//! boxes.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;

use anyhow::Context;
use mudou_domain::OrderSpec;
use mudou_domain::suggest::draw;
use serde_json::{Value, json};

use crate::sim::Item;

/// Reads the columns `want` (by name) of a CSV file.
pub fn read_rows(path: &Path, want: &[&str]) -> anyhow::Result<Vec<Vec<String>>> {
    let mut r = csv::Reader::from_path(path).with_context(|| path.display().to_string())?;
    let headers = r.headers()?.clone();
    let cols: Vec<usize> = want
        .iter()
        .map(|w| {
            headers
                .iter()
                .position(|h| h.trim() == *w)
                .with_context(|| format!("{}: no column {w}", path.display()))
        })
        .collect::<anyhow::Result<_>>()?;
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec?;
        out.push(cols.iter().map(|&c| rec[c].trim().to_owned()).collect());
    }
    Ok(out)
}

fn labels_json(keys: &[&str]) -> Value {
    Value::Array(
        keys.iter()
            .map(|k| json!({"key": k, "name_zh": k, "name_en": k, "colour": "#336699", "hotkey": null}))
            .collect(),
    )
}

fn spec_of(name: &str, task_type: &str, keys: &[&str]) -> anyhow::Result<OrderSpec> {
    let v = json!({
        "name": name,
        "task_type": task_type,
        "labels": labels_json(keys),
        "overlap": {"kind": "dynamic", "min": 2, "max": 5, "target": 0.95},
        "piece_rate_fen": 10,
        "deadline": null,
        "required_qualification": null,
        "required_level": null,
    });
    serde_json::from_value(v).context("the simulated order")
}

/// A one-label order with these keys.
pub fn choice_spec(name: &str, keys: &[&str]) -> anyhow::Result<OrderSpec> {
    spec_of(name, "single_choice", keys)
}

fn is_key(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 40
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

/// A real crowd set: its tasks with gold, each with its real answers in the file's order.
pub struct CrowdSet {
    pub name: String,
    pub spec: OrderSpec,
    pub keys: Vec<String>,
    /// Per task (sorted by id): its gold class and its `(worker, class)` answers, a
    /// worker's first answer only, in the order of `labels.csv`.
    pub tasks: Vec<CrowdTask>,
    /// Every worker's tasks in the order of `labels.csv` (indices into `tasks`), with
    /// their answer.
    pub by_worker: Vec<Vec<(usize, usize)>>,
}

pub struct CrowdTask {
    pub truth: usize,
    pub answers: Vec<(i64, usize)>,
}

impl CrowdSet {
    pub fn answer(&self, class: usize) -> Value {
        json!({ "label": self.keys[class] })
    }
}

pub fn load_crowd(dir: &Path, name: &str) -> anyhow::Result<CrowdSet> {
    let base = dir.join(name);
    let labels = read_rows(&base.join("labels.csv"), &["task", "worker", "label"])?;
    let gold = read_rows(&base.join("gold.csv"), &["task", "label"])?;
    let mut classes: BTreeSet<String> = labels.iter().map(|r| r[2].clone()).collect();
    classes.extend(gold.iter().map(|r| r[1].clone()));
    let mut classes: Vec<String> = classes.into_iter().collect();
    if classes.iter().all(|c| c.parse::<f64>().is_ok()) {
        classes.sort_by(|a, b| a.parse::<f64>().unwrap().total_cmp(&b.parse().unwrap()));
    }
    let class_of: HashMap<&str, usize> = classes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i))
        .collect();
    let mut keys: Vec<String> = classes.clone();
    let unique: HashSet<&String> = keys.iter().collect();
    if !keys.iter().all(|k| is_key(k)) || unique.len() != keys.len() {
        keys = (0..classes.len()).map(|i| format!("c{i}")).collect();
    }
    let truth: HashMap<&str, usize> = gold
        .iter()
        .map(|r| (r[0].as_str(), class_of[r[1].as_str()]))
        .collect();
    let mut ids: Vec<&str> = truth.keys().copied().collect();
    ids.sort_unstable();
    let index: HashMap<&str, usize> = ids.iter().enumerate().map(|(i, t)| (*t, i)).collect();
    let mut tasks: Vec<CrowdTask> = ids
        .iter()
        .map(|t| CrowdTask {
            truth: truth[t],
            answers: Vec::new(),
        })
        .collect();
    let mut workers: HashMap<&str, i64> = HashMap::new();
    let mut by_worker: Vec<Vec<(usize, usize)>> = Vec::new();
    for r in &labels {
        let Some(&ti) = index.get(r[0].as_str()) else {
            continue;
        };
        let next = workers.len() as i64;
        let w = *workers.entry(r[1].as_str()).or_insert(next);
        if w as usize == by_worker.len() {
            by_worker.push(Vec::new());
        }
        let task = &mut tasks[ti];
        if task.answers.iter().any(|(x, _)| *x == w) {
            continue; // a worker's first answer only
        }
        let c = class_of[r[2].as_str()];
        task.answers.push((w, c));
        by_worker[w as usize].push((ti, c));
    }
    let key_refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    Ok(CrowdSet {
        name: name.to_owned(),
        spec: choice_spec(name, &key_refs)?,
        keys,
        tasks,
        by_worker,
    })
}

/// A synthetic model's class for task `t`: right with probability `p`, else one of the
/// other classes alike, drawn independently per task (seeded).
pub fn synthetic(truth: usize, classes: usize, p: f64, seed: u64, t: usize) -> usize {
    if classes < 2 || draw(seed as i64 ^ 0x00de_1001, t as i64) < p {
        return truth;
    }
    let k = (draw(seed as i64 ^ 0x00de_1002, t as i64) * (classes - 1) as f64) as usize;
    let k = k.min(classes - 2);
    if k >= truth { k + 1 } else { k }
}

/// Splits `n` items into the order's gold items (a seeded `gold_frac`, at least 5) and the
/// measured ones, capped at `max` measured (a seeded sample).
pub fn split(n: usize, gold_frac: f64, max: usize, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|a, b| {
        draw(seed as i64 ^ 0x5b11, *a as i64).total_cmp(&draw(seed as i64 ^ 0x5b11, *b as i64))
    });
    let n_gold = ((n as f64 * gold_frac).round() as usize).max(5).min(n / 2);
    let gold = order[..n_gold].to_vec();
    let mut measured = order[n_gold..].to_vec();
    measured.truncate(max);
    measured.sort_unstable();
    (gold, measured)
}

/// The items of a crowd set for one run: the real answers in order, the model's class for
/// each task from `model`, one label's unaided time `t0`.
pub fn crowd_items(
    set: &CrowdSet,
    which: &[usize],
    model: &dyn Fn(usize) -> usize,
    t0: f64,
) -> Vec<Item> {
    which
        .iter()
        .map(|&t| {
            let task = &set.tasks[t];
            Item {
                gold: set.answer(task.truth),
                suggestion: Some(set.answer(model(t))),
                seq: task
                    .answers
                    .iter()
                    .map(|(w, c)| (*w, set.answer(*c)))
                    .collect(),
                t0,
            }
        })
        .collect()
}

/// The reviews and the cross-validated predictions of `model.py`.
pub struct Reviews {
    pub spec: OrderSpec,
    pub keys: Vec<String>,
    /// `(text, gold class, predicted class)`.
    pub rows: Vec<(String, usize, usize)>,
}

pub fn load_reviews(repo: &Path, preds: &Path) -> anyhow::Result<Reviews> {
    let rows = read_rows(
        &repo.join("datasets/reviews/reviews.csv"),
        &["id", "text", "label"],
    )?;
    let pred = read_rows(preds, &["id", "pred"])?;
    let pred: HashMap<String, String> = pred
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    let keys: Vec<String> = ["bad", "neutral", "good"].map(String::from).to_vec();
    let class = |k: &str| keys.iter().position(|x| x == k);
    let mut out = Vec::new();
    for r in rows {
        let g = class(&r[2]).with_context(|| format!("review {}: label {:?}", r[0], r[2]))?;
        let p = pred
            .get(&r[0])
            .and_then(|p| class(p))
            .with_context(|| format!("review {}: no prediction in {}", r[0], preds.display()))?;
        out.push((r[1].clone(), g, p));
    }
    let key_refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    Ok(Reviews {
        spec: spec_of("reviews", "text_classification", &key_refs)?,
        keys,
        rows: out,
    })
}

/// A shapes picture: its file and its gold boxes (`label, x, y, w, h`).
pub struct Picture {
    pub file: String,
    pub boxes: Vec<(String, f64, f64, f64, f64)>,
}

pub const SHAPES: [&str; 4] = ["circle", "square", "triangle", "star"];

pub fn shapes_spec() -> anyhow::Result<OrderSpec> {
    spec_of("shapes", "bbox", &SHAPES)
}

pub fn load_shapes(repo: &Path) -> anyhow::Result<Vec<Picture>> {
    let rows = read_rows(
        &repo.join("datasets/shapes/manifest.csv"),
        &["file", "boxes"],
    )?;
    rows.into_iter()
        .map(|r| {
            let v: Value = serde_json::from_str(&r[1])?;
            let boxes = v
                .as_array()
                .context("boxes")?
                .iter()
                .map(|b| {
                    let f = |k: &str| b[k].as_f64().unwrap_or(0.0);
                    (
                        b["label"].as_str().unwrap_or("").to_owned(),
                        f("x"),
                        f("y"),
                        f("w"),
                        f("h"),
                    )
                })
                .collect();
            Ok(Picture {
                file: r[0].clone(),
                boxes,
            })
        })
        .collect()
}

/// Boxes as a bbox order's answer.
pub fn boxes_answer(boxes: &[(String, f64, f64, f64, f64)]) -> Value {
    json!({
        "boxes": boxes
            .iter()
            .map(|(l, x, y, w, h)| json!({"label": l, "x": x, "y": y, "w": w, "h": h}))
            .collect::<Vec<_>>()
    })
}
