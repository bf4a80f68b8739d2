//! The data layout: dense `u32` indices and a flat slice of `(task, worker, class)` triples.

use std::collections::HashMap;

use crate::error::{Error, Result};

/// One annotator's answer for one item: dense task, worker and class indices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Label {
    /// Task (item) index, `< n_tasks`.
    pub task: u32,
    /// Worker (annotator) index, `< n_workers`.
    pub worker: u32,
    /// Class index, `< n_classes`.
    pub class: u32,
}

impl Label {
    /// Shorthand constructor.
    pub const fn new(task: u32, worker: u32, class: u32) -> Self {
        Self {
            task,
            worker,
            class,
        }
    }
}

/// A validated set of labels with two indexes built once: labels grouped by task (the E-steps)
/// and by worker (the M-steps). Cheap to share (`Send + Sync`), immutable after construction.
///
/// The same worker may label the same task more than once; every answer counts.
#[derive(Debug, Clone)]
pub struct Labels {
    n_tasks: u32,
    n_workers: u32,
    n_classes: u32,
    /// Labels sorted by task (stable: input order within a task).
    by_task: Vec<Label>,
    /// `source[i]` is the input position of `by_task[i]`.
    source: Vec<u32>,
    /// `task_start[t]..task_start[t + 1]` is task `t`'s range in `by_task`.
    task_start: Vec<u32>,
    /// Indices into `by_task`, grouped by worker.
    by_worker: Vec<u32>,
    /// `worker_start[w]..worker_start[w + 1]` is worker `w`'s range in `by_worker`.
    worker_start: Vec<u32>,
}

impl Labels {
    /// Validates `labels` against the declared sizes and builds the indexes in O(n).
    ///
    /// Errors: a task, worker or class index out of range, no classes, more than `u32::MAX`
    /// labels, or (when `require_every_task` is set) a task without labels.
    pub fn new(n_tasks: u32, n_workers: u32, n_classes: u32, labels: &[Label]) -> Result<Self> {
        Self::build(n_tasks, n_workers, n_classes, labels, true)
    }

    /// Like [`Labels::new`] but tasks without labels are allowed (agreement metrics and
    /// quality reports tolerate them; batch aggregation does not).
    pub fn new_allow_empty(
        n_tasks: u32,
        n_workers: u32,
        n_classes: u32,
        labels: &[Label],
    ) -> Result<Self> {
        Self::build(n_tasks, n_workers, n_classes, labels, false)
    }

    fn build(
        n_tasks: u32,
        n_workers: u32,
        n_classes: u32,
        labels: &[Label],
        require_every_task: bool,
    ) -> Result<Self> {
        if n_classes == 0 {
            return Err(Error::NoClasses);
        }
        if labels.len() >= u32::MAX as usize {
            return Err(crate::error::invalid("labels", "more than u32::MAX labels"));
        }
        let mut task_count = vec![0u32; n_tasks as usize + 1];
        let mut worker_count = vec![0u32; n_workers as usize + 1];
        for (index, l) in labels.iter().enumerate() {
            if l.task >= n_tasks {
                return Err(Error::TaskOutOfRange {
                    index,
                    task: l.task,
                    n_tasks,
                });
            }
            if l.worker >= n_workers {
                return Err(Error::WorkerOutOfRange {
                    index,
                    worker: l.worker,
                    n_workers,
                });
            }
            if l.class >= n_classes {
                return Err(Error::ClassOutOfRange {
                    index,
                    class: l.class,
                    n_classes,
                });
            }
            task_count[l.task as usize + 1] += 1;
            worker_count[l.worker as usize + 1] += 1;
        }
        if let Some(t) = task_count[1..]
            .iter()
            .position(|&c| c == 0)
            .filter(|_| require_every_task)
        {
            return Err(Error::EmptyTask { task: t as u32 });
        }
        // Prefix sums -> start offsets.
        for i in 1..task_count.len() {
            task_count[i] += task_count[i - 1];
        }
        for i in 1..worker_count.len() {
            worker_count[i] += worker_count[i - 1];
        }
        let task_start = task_count;
        let worker_start = worker_count;
        let mut fill = task_start.clone();
        let mut by_task = vec![Label::default(); labels.len()];
        let mut source = vec![0u32; labels.len()];
        for (i, l) in labels.iter().enumerate() {
            let slot = &mut fill[l.task as usize];
            by_task[*slot as usize] = *l;
            source[*slot as usize] = i as u32;
            *slot += 1;
        }
        let mut wfill = worker_start.clone();
        let mut by_worker = vec![0u32; labels.len()];
        for (i, l) in by_task.iter().enumerate() {
            let slot = &mut wfill[l.worker as usize];
            by_worker[*slot as usize] = i as u32;
            *slot += 1;
        }
        Ok(Self {
            n_tasks,
            n_workers,
            n_classes,
            by_task,
            source,
            task_start,
            by_worker,
            worker_start,
        })
    }

    /// Number of tasks.
    pub fn n_tasks(&self) -> usize {
        self.n_tasks as usize
    }
    /// Number of workers.
    pub fn n_workers(&self) -> usize {
        self.n_workers as usize
    }
    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.n_classes as usize
    }
    /// Number of labels.
    pub fn len(&self) -> usize {
        self.by_task.len()
    }
    /// True when there are no labels.
    pub fn is_empty(&self) -> bool {
        self.by_task.is_empty()
    }
    /// All labels, grouped by task (input order within a task).
    pub fn as_slice(&self) -> &[Label] {
        &self.by_task
    }
    /// The labels of task `t` (empty when `t` is out of range).
    pub fn task(&self, t: usize) -> &[Label] {
        match (self.task_start.get(t), self.task_start.get(t + 1)) {
            (Some(&a), Some(&b)) => &self.by_task[a as usize..b as usize],
            _ => &[],
        }
    }
    /// Positions (into [`Labels::as_slice`]) of worker `w`'s labels.
    pub fn worker_label_indices(&self, w: usize) -> &[u32] {
        match (self.worker_start.get(w), self.worker_start.get(w + 1)) {
            (Some(&a), Some(&b)) => &self.by_worker[a as usize..b as usize],
            _ => &[],
        }
    }
    /// Iterator over worker `w`'s labels.
    pub fn worker(&self, w: usize) -> impl Iterator<Item = &Label> + '_ {
        self.worker_label_indices(w)
            .iter()
            .map(move |&i| &self.by_task[i as usize])
    }
    /// The position in the original input of label `i` of [`Labels::as_slice`] (for joining
    /// per-label data such as seconds spent).
    pub fn input_index(&self, i: usize) -> usize {
        self.source.get(i).map_or(0, |&s| s as usize)
    }
}

/// Maps string ids (task names, worker logins, label values) to dense `u32` indices in
/// first-seen order and back.
#[derive(Debug, Clone, Default)]
pub struct Interner {
    map: HashMap<String, u32>,
    names: Vec<String>,
}

impl Interner {
    /// An empty interner.
    pub fn new() -> Self {
        Self::default()
    }

    /// An interner over `names` in the given order (duplicates keep their first index).
    pub fn from_names<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut me = Self::new();
        for n in names {
            me.intern(n.as_ref());
        }
        me
    }

    /// The index of `name`, adding it when new.
    pub fn intern(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.map.get(name) {
            return i;
        }
        let i = self.names.len() as u32;
        self.map.insert(name.to_owned(), i);
        self.names.push(name.to_owned());
        i
    }

    /// The index of `name`, if known.
    pub fn get(&self, name: &str) -> Option<u32> {
        self.map.get(name).copied()
    }

    /// The name of index `i`, if in range.
    pub fn name(&self, i: u32) -> Option<&str> {
        self.names.get(i as usize).map(String::as_str)
    }

    /// All names, by index.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Number of distinct names.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// Sorts label values the way a spreadsheet user expects: numerically when every value is an
/// integer (`"2" < "10"`), otherwise by string. This is also the column order crowd-kit uses after
/// pandas parses a CSV, so tie-breaks (lowest class index wins) agree with it.
pub fn sort_class_names(names: &mut [String]) {
    let all_int = names.iter().all(|n| n.trim().parse::<i64>().is_ok());
    if all_int {
        names.sort_by_key(|n| n.trim().parse::<i64>().unwrap_or(0));
    } else {
        names.sort();
    }
}

/// Builds [`Labels`] from string triples: tasks and workers are interned in first-seen order,
/// classes in [`sort_class_names`] order (or a given class list).
#[derive(Debug, Clone, Default)]
pub struct LabelsBuilder {
    /// Task names.
    pub tasks: Interner,
    /// Worker names.
    pub workers: Interner,
    raw: Vec<(u32, u32, String)>,
}

/// The result of [`LabelsBuilder::finish`]: the dense labels plus the three name tables.
#[derive(Debug, Clone)]
pub struct StringLabels {
    /// Validated dense labels.
    pub labels: Labels,
    /// Task names by index.
    pub tasks: Interner,
    /// Worker names by index.
    pub workers: Interner,
    /// Class names by index.
    pub classes: Interner,
}

impl LabelsBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one answer.
    pub fn push(&mut self, task: &str, worker: &str, class: &str) {
        let t = self.tasks.intern(task);
        let w = self.workers.intern(worker);
        self.raw.push((t, w, class.to_owned()));
    }

    /// Number of answers pushed so far.
    pub fn len(&self) -> usize {
        self.raw.len()
    }

    /// True when nothing was pushed.
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// Interns the classes in [`sort_class_names`] order and validates.
    pub fn finish(self) -> Result<StringLabels> {
        let mut names: Vec<String> = {
            let mut seen = Interner::new();
            for (_, _, c) in &self.raw {
                seen.intern(c);
            }
            seen.names
        };
        sort_class_names(&mut names);
        self.finish_with_classes(Interner::from_names(names))
    }

    /// Uses the given class table; a value not in it is an error naming the answer.
    pub fn finish_with_classes(self, classes: Interner) -> Result<StringLabels> {
        let mut labels = Vec::with_capacity(self.raw.len());
        for (index, (t, w, c)) in self.raw.iter().enumerate() {
            let class = classes.get(c).ok_or(Error::ClassOutOfRange {
                index,
                class: u32::MAX,
                n_classes: classes.len() as u32,
            })?;
            labels.push(Label::new(*t, *w, class));
        }
        let labels = Labels::new(
            self.tasks.len() as u32,
            self.workers.len() as u32,
            classes.len() as u32,
            &labels,
        )?;
        Ok(StringLabels {
            labels,
            tasks: self.tasks,
            workers: self.workers,
            classes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_group_by_task_and_worker() {
        let l = [
            Label::new(1, 0, 1),
            Label::new(0, 1, 0),
            Label::new(1, 1, 0),
            Label::new(0, 0, 1),
        ];
        let labels = Labels::new(2, 2, 2, &l).unwrap();
        assert_eq!(labels.task(0), &[Label::new(0, 1, 0), Label::new(0, 0, 1)]);
        assert_eq!(labels.task(1).len(), 2);
        let w0: Vec<_> = labels.worker(0).copied().collect();
        assert_eq!(w0, vec![Label::new(0, 0, 1), Label::new(1, 0, 1)]);
        assert_eq!(labels.task(7), &[] as &[Label]);
    }

    #[test]
    fn invalid_input_is_a_typed_error() {
        assert_eq!(
            Labels::new(1, 1, 2, &[Label::new(0, 0, 2)]).unwrap_err(),
            Error::ClassOutOfRange {
                index: 0,
                class: 2,
                n_classes: 2
            }
        );
        assert_eq!(
            Labels::new(2, 1, 2, &[Label::new(0, 0, 1)]).unwrap_err(),
            Error::EmptyTask { task: 1 }
        );
        assert!(Labels::new_allow_empty(2, 1, 2, &[Label::new(0, 0, 1)]).is_ok());
        assert_eq!(Labels::new(0, 0, 0, &[]).unwrap_err(), Error::NoClasses);
    }

    #[test]
    fn class_names_sort_numerically_when_integers() {
        let mut v: Vec<String> = ["10", "2", "1"].iter().map(|s| s.to_string()).collect();
        sort_class_names(&mut v);
        assert_eq!(v, ["1", "2", "10"]);
        let mut v: Vec<String> = ["b", "10", "a"].iter().map(|s| s.to_string()).collect();
        sort_class_names(&mut v);
        assert_eq!(v, ["10", "a", "b"]);
    }
}
