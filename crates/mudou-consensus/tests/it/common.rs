//! CSV loading for the dataset tests (the crate itself does no IO).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use mudou_consensus::{LabelsBuilder, StringLabels};

/// The project's licence-clean copies (always present).
pub fn project_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../datasets/crowd"))
}

/// The shared research sets (may be absent).
pub fn shared_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/datasets"
    ))
}

pub struct Set {
    pub data: StringLabels,
    pub gold: HashMap<String, String>,
}

pub fn load(dir: &Path) -> Set {
    let mut rdr = csv::Reader::from_path(dir.join("labels.csv")).expect("labels.csv");
    let h = rdr.headers().expect("header").clone();
    let col = |n: &str| h.iter().position(|c| c == n).expect("column");
    let (ti, wi, li) = (col("task"), col("worker"), col("label"));
    let mut b = LabelsBuilder::new();
    for rec in rdr.records() {
        let rec = rec.expect("record");
        b.push(&rec[ti], &rec[wi], &rec[li]);
    }
    let data = b.finish().expect("valid labels");
    let mut gold = HashMap::new();
    let mut rdr = csv::Reader::from_path(dir.join("gold.csv")).expect("gold.csv");
    for rec in rdr.records() {
        let rec = rec.expect("record");
        gold.insert(rec[0].to_string(), rec[1].to_string());
    }
    Set { data, gold }
}

impl Set {
    pub fn accuracy(&self, chosen: &[u32]) -> f64 {
        let (mut hit, mut n) = (0usize, 0usize);
        for (t, name) in self.data.tasks.names().iter().enumerate() {
            if let Some(g) = self.gold.get(name) {
                n += 1;
                hit += usize::from(self.data.classes.name(chosen[t]) == Some(g.as_str()));
            }
        }
        hit as f64 / n.max(1) as f64
    }

    /// `(task, class)` gold pairs in dense indices.
    #[allow(dead_code)]
    pub fn gold_pairs(&self) -> Vec<(u32, u32)> {
        self.gold
            .iter()
            .filter_map(|(t, c)| Some((self.data.tasks.get(t)?, self.data.classes.get(c)?)))
            .collect()
    }
}
