//! Multi-label tasks: each label is its own yes/no question, aggregated with any categorical
//! method (class 1 = "present").

use crate::aggregate::{Aggregation, Method};
use crate::data::{Label, Labels};
use crate::error::{Error, Result};

/// One worker's answer to a multi-label task: the set of labels they selected (possibly none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultiLabelAnswer {
    /// Task index.
    pub task: u32,
    /// Worker index.
    pub worker: u32,
    /// Selected label indices (`< n_labels`); duplicates are ignored.
    pub selected: Vec<u32>,
}

/// The result: per label a binary aggregation, and per task the labels judged present.
#[derive(Debug, Clone, PartialEq)]
pub struct MultiLabelResult {
    /// Number of labels.
    pub n_labels: usize,
    /// One binary aggregation per label (class 1 = present).
    pub per_label: Vec<Aggregation>,
    /// Per task, the labels whose aggregated answer is "present", ascending.
    pub selected: Vec<Vec<u32>>,
    /// `n_tasks × n_labels`, row-major: posterior probability that the label is present.
    pub probability: Vec<f64>,
}

/// Aggregates each of `n_labels` labels as a yes/no question with `method`.
pub fn aggregate_multilabel(
    n_tasks: u32,
    n_workers: u32,
    n_labels: u32,
    answers: &[MultiLabelAnswer],
    method: Method,
) -> Result<MultiLabelResult> {
    for (index, a) in answers.iter().enumerate() {
        if let Some(&bad) = a.selected.iter().find(|&&s| s >= n_labels) {
            return Err(Error::ClassOutOfRange {
                index,
                class: bad,
                n_classes: n_labels,
            });
        }
    }
    let nl = n_labels as usize;
    let mut per_label = Vec::with_capacity(nl);
    let mut binary = Vec::with_capacity(answers.len());
    for j in 0..n_labels {
        binary.clear();
        binary.extend(
            answers
                .iter()
                .map(|a| Label::new(a.task, a.worker, u32::from(a.selected.contains(&j)))),
        );
        let labels = Labels::new(n_tasks, n_workers, 2, &binary)?;
        per_label.push(method.run(&labels)?);
    }
    let nt = n_tasks as usize;
    let mut probability = vec![0.0; nt * nl];
    let mut selected = vec![Vec::new(); nt];
    for (j, agg) in per_label.iter().enumerate() {
        for t in 0..nt {
            probability[t * nl + j] = agg.posterior(t)[1];
            if agg.labels[t] == 1 {
                selected[t].push(j as u32);
            }
        }
    }
    Ok(MultiLabelResult {
        n_labels: nl,
        per_label,
        selected,
        probability,
    })
}
