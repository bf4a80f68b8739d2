//! `mudou aggregate`: aggregate labels someone already has (crowd-kit's CSV layout) without a
//! server: `task,worker,label` in, `task,label,confidence` out, accuracy against gold if given.
//! Pairwise comparisons (`worker,left,right,label`) go to [`pairwise`]: a score per object.
//!
//! The reader is built for large files: the file is read into memory once, split at line
//! boundaries into one part per core, and each part is parsed on its own thread; ids are
//! interned as slices of the buffer (no string per label) through a fast hash, and ids of the
//! form `prefix` + integer (`t17`, `w3`, `42`) through a plain table indexed by the integer.
//! Files with quoted fields (or bare carriage-return line ends) go through the `csv` crate.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use mudou_consensus::pairwise::PairwiseMethod;
use mudou_consensus::{Aggregation, Interner, Label, Labels, LabelsBuilder, Method, StringLabels};
use rustc_hash::{FxHashMap, FxHashSet};

mod pairwise;

/// Arguments of `mudou aggregate`.
#[derive(clap::Args, Debug)]
pub struct AggregateArgs {
    /// Method. Labels: mv, wawa, ds (default), onecoin, glad or mace. Pairwise comparisons: bt
    /// (Bradley–Terry, default) or noisy-bt (with each worker's skill and bias).
    #[arg(long, value_parser = parse_any_method)]
    pub method: Option<AnyMethod>,
    /// Labels as CSV with the header `task,worker,label` (columns in any order; labels are
    /// strings), or pairwise comparisons with the header `worker,left,right,label` (label `left`,
    /// `right`, `tie`, or the winning object's id as crowd-kit has it), recognised by its
    /// `left` and `right` columns.
    #[arg(long)]
    pub input: PathBuf,
    /// Optional gold: `task,label` for labels (prints the accuracy); `object,rank` (1 = best) or
    /// `object,score` (higher = better) for comparisons (prints Spearman's ρ per component,
    /// weighted by size).
    #[arg(long)]
    pub gold: Option<PathBuf>,
    /// Where to write `task,label,confidence` (one row per task, in input order), or for
    /// comparisons `object,score,ci_low,ci_high,component` (one row per object, in order of
    /// first appearance; scores are log-strengths centred per component, 95% intervals).
    #[arg(long)]
    pub output: PathBuf,
    /// Settings: `mudou` (ours) or `crowdkit` (crowd-kit 1.4.2's defaults, to compare like for
    /// like; only GLAD and MACE differ, the other methods already use crowd-kit's; for
    /// comparisons: ties dropped).
    #[arg(long, value_enum, default_value_t = Preset::Mudou)]
    pub preset: Preset,
    /// Read the input as pairwise comparisons even if its header does not say so.
    #[arg(long)]
    pub pairwise: bool,
    /// Comparisons only: a tie counts as half a win each way (`half`, the default) or is left
    /// out (`drop`, crowd-kit's rule and the `crowdkit` preset's).
    #[arg(long, value_enum)]
    pub ties: Option<Ties>,
    /// Comparisons only, noisy-bt: also write `worker,skill,bias,answers` here.
    #[arg(long)]
    pub workers: Option<PathBuf>,
}

/// How ties count in pairwise comparisons.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ties {
    /// Half a win each way.
    Half,
    /// Left out.
    Drop,
}

/// A method for labels or for pairwise comparisons.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AnyMethod {
    /// Labels → one class per task.
    Labels(Method),
    /// Comparisons → a score per object.
    Pairwise(PairwiseMethod),
}

fn parse_any_method(s: &str) -> Result<AnyMethod, String> {
    if let Ok(m) = s.parse::<Method>() {
        return Ok(AnyMethod::Labels(m));
    }
    s.parse::<PairwiseMethod>()
        .map(AnyMethod::Pairwise)
        .map_err(|_| {
            format!(
                "unknown method {s:?}; expected mv, wawa, ds, onecoin, glad or mace (labels), \
                 bt or noisy-bt (pairwise comparisons)"
            )
        })
}

/// Which settings the EM methods run with.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preset {
    /// Mudou's defaults.
    Mudou,
    /// crowd-kit 1.4.2's defaults (`MaceOptions::crowdkit`, `GladOptions::crowdkit`).
    Crowdkit,
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Runs the command.
pub fn run(args: &AggregateArgs) -> anyhow::Result<()> {
    let start = Instant::now();
    let buf = std::fs::read(&args.input)
        .with_context(|| format!("cannot open {}", args.input.display()))?;
    let pairwise_file = args.pairwise || pairwise::has_pairwise_header(&args.input, &buf);
    let method = match (args.method, pairwise_file) {
        (Some(AnyMethod::Pairwise(m)), _) => return pairwise::run(args, m, &buf, start),
        (None, true) => {
            let m = PairwiseMethod::Bt(Default::default());
            return pairwise::run(args, m, &buf, start);
        }
        (Some(AnyMethod::Labels(m)), true) => bail!(
            "{} holds pairwise comparisons (a `left` and a `right` column): use --method bt or \
             --method noisy-bt, not {m}",
            args.input.display()
        ),
        (Some(AnyMethod::Labels(m)), false) => m,
        (None, false) => Method::DawidSkene,
    };
    if args.ties.is_some() || args.workers.is_some() {
        bail!("--ties and --workers are for pairwise comparisons (--method bt or noisy-bt)");
    }
    let data = read_labels(&args.input, &buf)?;
    let read = start.elapsed();
    let t = Instant::now();
    let agg = match args.preset {
        Preset::Mudou => method.run(&data.labels),
        Preset::Crowdkit => method.run_crowdkit(&data.labels),
    }
    .with_context(|| format!("aggregating {}", args.input.display()))?;
    let fit = t.elapsed();
    let t = Instant::now();
    write_result(&args.output, &data.names, &agg)?;
    let write = t.elapsed();
    println!(
        "{}: {} labels, {} tasks, {} workers, {} classes; {} iterations; wrote {}",
        method,
        data.labels.len(),
        data.labels.n_tasks(),
        data.labels.n_workers(),
        data.labels.n_classes(),
        agg.iterations,
        args.output.display()
    );
    let t = Instant::now();
    if let Some(gold_path) = &args.gold {
        let gold = read_gold(gold_path, &data.names)?;
        let (mut hit, mut n) = (0usize, 0usize);
        for (&g, &chosen) in gold.class_by_task.iter().zip(&agg.labels) {
            if g != NO_GOLD {
                n += 1;
                hit += usize::from(g == chosen);
            }
        }
        if n == 0 {
            println!("accuracy: no gold task appears in the input");
        } else {
            println!(
                "accuracy {:.4} ({hit} of {n} gold tasks; {} gold rows not in the input)",
                hit as f64 / n as f64,
                gold.outside
            );
        }
    }
    let gold = t.elapsed();
    println!(
        "time: read {:.1} ms, fit {:.1} ms, write {:.1} ms, gold {:.1} ms, whole {:.1} ms",
        ms(read),
        ms(fit),
        ms(write),
        ms(gold),
        ms(start.elapsed())
    );
    Ok(())
}

/// Labels read from a CSV file, with the names of tasks and classes.
struct Input<'a> {
    labels: Labels,
    names: Names<'a>,
}

/// Task and class names: slices of the input buffer (fast reader) or owned (`csv` crate).
enum Names<'a> {
    Fast {
        tasks: Ids<'a>,
        classes: Vec<&'a str>,
        class_ids: FxHashMap<&'a [u8], u32>,
    },
    Csv {
        tasks: Interner,
        classes: Interner,
    },
}

impl Names<'_> {
    fn task(&self, t: usize) -> &str {
        match self {
            Names::Fast { tasks, .. } => tasks.names.get(t).copied().unwrap_or_default(),
            Names::Csv { tasks, .. } => tasks.name(t as u32).unwrap_or_default(),
        }
    }
    fn class(&self, c: u32) -> &str {
        match self {
            Names::Fast { classes, .. } => classes.get(c as usize).copied().unwrap_or_default(),
            Names::Csv { classes, .. } => classes.name(c).unwrap_or_default(),
        }
    }
    fn task_id(&self, name: &[u8]) -> Option<u32> {
        match self {
            Names::Fast { tasks, .. } => tasks.get(name),
            Names::Csv { tasks, .. } => tasks.get(std::str::from_utf8(name).ok()?),
        }
    }
    fn class_id(&self, name: &[u8]) -> Option<u32> {
        match self {
            Names::Fast { class_ids, .. } => class_ids.get(name).copied(),
            Names::Csv { classes, .. } => classes.get(std::str::from_utf8(name).ok()?),
        }
    }
}

/// Ids of the form `prefix` + a canonical integer below this go through a table.
const DIRECT_CAP: usize = 1 << 22;

/// Interns the ids of one column in first-seen order, as slices of the input buffer.
///
/// The first id seen fixes a prefix (the id without its trailing digits); an id that is that
/// prefix followed by a canonical integer (no leading zero) below [`DIRECT_CAP`] is looked up in
/// `direct` by the integer, any other id in `strs`. Which map an id goes to depends only on
/// its bytes, so equal ids always meet in the same map.
#[derive(Default)]
struct Ids<'a> {
    prefix: Option<&'a [u8]>,
    /// Integer -> id + 1 (0: not seen).
    direct: Vec<u32>,
    strs: FxHashMap<&'a [u8], u32>,
    names: Vec<&'a str>,
}

impl<'a> Ids<'a> {
    #[inline]
    fn number(&self, f: &[u8]) -> Option<usize> {
        let d = f.strip_prefix(self.prefix?)?;
        if d.is_empty() || d.len() > 7 || (d[0] == b'0' && d.len() > 1) {
            return None;
        }
        let mut v = 0usize;
        for &b in d {
            let x = b.wrapping_sub(b'0');
            if x > 9 {
                return None;
            }
            v = v * 10 + usize::from(x);
        }
        (v < DIRECT_CAP).then_some(v)
    }

    /// The id of `f`, adding it when new (an error when a new name is not UTF-8).
    #[inline]
    fn id(&mut self, f: &'a [u8]) -> Result<u32, String> {
        if self.prefix.is_none() {
            let digits = f.iter().rev().take_while(|b| b.is_ascii_digit()).count();
            self.prefix = Some(&f[..f.len() - digits]);
        }
        if let Some(v) = self.number(f) {
            if let Some(&slot) = self.direct.get(v)
                && slot != 0
            {
                return Ok(slot - 1);
            }
            let id = self.add(f)?;
            if v >= self.direct.len() {
                self.direct.resize((v + 1).next_power_of_two().max(64), 0);
            }
            self.direct[v] = id + 1;
            return Ok(id);
        }
        if let Some(&id) = self.strs.get(f) {
            return Ok(id);
        }
        let id = self.add(f)?;
        self.strs.insert(f, id);
        Ok(id)
    }

    fn add(&mut self, f: &'a [u8]) -> Result<u32, String> {
        let s = std::str::from_utf8(f).map_err(|_| "unreadable CSV row: invalid UTF-8")?;
        let id = u32::try_from(self.names.len()).map_err(|_| "more than u32::MAX ids")?;
        self.names.push(s);
        Ok(id)
    }

    fn get(&self, f: &[u8]) -> Option<u32> {
        match self.number(f) {
            Some(v) => self
                .direct
                .get(v)
                .copied()
                .filter(|&s| s != 0)
                .map(|s| s - 1),
            None => self.strs.get(f).copied(),
        }
    }
}

/// Why the fast reader stopped.
enum ScanError {
    /// A quote or a bare carriage return: the `csv` crate reads this file instead.
    Fallback,
    /// A bad row; `line` counts from the start of the scanned part (0-based).
    Row { line: u64, msg: String },
}

/// Bytes that end the plain run of a field.
const SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    t[b',' as usize] = true;
    t[b'\n' as usize] = true;
    t[b'\r' as usize] = true;
    t[b'"' as usize] = true;
    t
};

/// Trims white space like `csv::Trim::All` (Unicode white space at a non-ASCII edge).
#[inline]
fn trim_field(f: &[u8]) -> Result<&[u8], ()> {
    let f = f.trim_ascii();
    match (f.first(), f.last()) {
        (Some(&a), Some(&b)) if a >= 0x80 || b >= 0x80 => match std::str::from_utf8(f) {
            Ok(s) => Ok(s.trim().as_bytes()),
            Err(_) => Err(()),
        },
        _ => Ok(f),
    }
}

/// Parses records of `n_cols` comma-separated fields (no header) and calls
/// `row(fields at cols)` with the trimmed fields for every non-blank line. Returns the number of
/// lines read (blank lines included).
fn scan<'a, const N: usize>(
    buf: &'a [u8],
    n_cols: usize,
    cols: [usize; N],
    mut row: impl FnMut([&'a [u8]; N]) -> Result<(), String>,
) -> Result<u64, ScanError> {
    let n = buf.len();
    let mut pos = 0usize;
    let mut line = 0u64;
    while pos < n {
        let start = pos;
        let mut fields: [&'a [u8]; N] = [&[]; N];
        let mut nf = 0usize;
        let mut fstart = pos;
        let end = loop {
            while pos < n && !SPECIAL[usize::from(buf[pos])] {
                pos += 1;
            }
            let b = if pos < n { buf[pos] } else { b'\n' };
            match b {
                b'\r' => {
                    if pos + 1 < n && buf[pos + 1] != b'\n' {
                        return Err(ScanError::Fallback);
                    }
                    pos += 1;
                }
                b'"' => return Err(ScanError::Fallback),
                _ => {
                    let f = &buf[fstart..pos];
                    for (slot, &c) in fields.iter_mut().zip(&cols) {
                        if c == nf {
                            *slot = f;
                        }
                    }
                    nf += 1;
                    pos += 1;
                    if b == b'\n' {
                        break pos - 1;
                    }
                    fstart = pos;
                }
            }
        };
        let rec = &buf[start..end.min(n)];
        if rec.is_empty() || rec == b"\r" {
            line += 1;
            continue;
        }
        if nf != n_cols {
            return Err(ScanError::Row {
                line,
                msg: format!("unreadable CSV row: found {nf} fields, the header has {n_cols}"),
            });
        }
        for f in &mut fields {
            *f = trim_field(f).map_err(|()| ScanError::Row {
                line,
                msg: "unreadable CSV row: invalid UTF-8".into(),
            })?;
        }
        row(fields).map_err(|msg| ScanError::Row { line, msg })?;
        line += 1;
    }
    Ok(line)
}

/// The header line: its end (where the records start) and its trimmed fields, or `None` when
/// the fast reader should not read this file (a quote or a bare carriage return in the header).
fn header(raw: &[u8]) -> Option<(usize, Vec<String>)> {
    let buf = raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw);
    let bom = raw.len() - buf.len();
    let nl = buf.iter().position(|&b| b == b'\n').unwrap_or(buf.len());
    let line = buf[..nl].strip_suffix(b"\r").unwrap_or(&buf[..nl]);
    if line.contains(&b'"') || line.contains(&b'\r') {
        return None;
    }
    let fields = line
        .split(|&b| b == b',')
        .map(|f| String::from_utf8_lossy(trim_field(f).unwrap_or(f)).into_owned())
        .collect();
    Some((bom + (nl + 1).min(buf.len()), fields))
}

fn column(path: &Path, header: &[String], name: &str, expected: &str) -> anyhow::Result<usize> {
    match header.iter().position(|c| c.eq_ignore_ascii_case(name)) {
        Some(i) => Ok(i),
        None => bail!(
            "{} line 1: no `{name}` column (expected the header `{expected}`, found `{}`)",
            path.display(),
            header.join(",")
        ),
    }
}

/// One part of the file, parsed on its own thread with its own (local) ids.
struct Part<'a> {
    tasks: Ids<'a>,
    workers: Ids<'a>,
    classes: Ids<'a>,
    labels: Vec<Label>,
    lines: u64,
}

fn read_part<'a>(buf: &'a [u8], n_cols: usize, cols: [usize; 3]) -> Result<Part<'a>, ScanError> {
    let (mut tasks, mut workers, mut classes) = (Ids::default(), Ids::default(), Ids::default());
    let mut labels = Vec::with_capacity(buf.len() / 12);
    let lines = scan(buf, n_cols, cols, |[t, w, l]| {
        for (v, what) in [(t, "task"), (w, "worker"), (l, "label")] {
            if v.is_empty() {
                return Err(format!("empty or missing `{what}`"));
            }
        }
        labels.push(Label::new(tasks.id(t)?, workers.id(w)?, classes.id(l)?));
        Ok(())
    })?;
    Ok(Part {
        tasks,
        workers,
        classes,
        labels,
        lines,
    })
}

/// Splits `body` at line boundaries into about `n` parts.
fn split_lines(body: &[u8], n: usize) -> Vec<&[u8]> {
    let mut parts = Vec::with_capacity(n);
    let mut from = 0;
    for i in 1..n {
        let target = (body.len() * i / n).max(from);
        match body[target..].iter().position(|&b| b == b'\n') {
            Some(p) => {
                parts.push(&body[from..target + p + 1]);
                from = target + p + 1;
            }
            None => break,
        }
    }
    parts.push(&body[from..]);
    parts
}

fn read_labels<'a>(path: &Path, buf: &'a [u8]) -> anyhow::Result<Input<'a>> {
    const HEADER: &str = "task,worker,label";
    let Some((body_start, head)) = header(buf) else {
        return read_labels_csv(path);
    };
    let ti = column(path, &head, "task", HEADER)?;
    let wi = column(path, &head, "worker", HEADER)?;
    let li = column(path, &head, "label", HEADER)?;
    let body = &buf[body_start..];
    let threads = if body.len() < 1 << 20 {
        1
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
    };
    let chunks = split_lines(body, threads);
    let cols = [ti, wi, li];
    let n_cols = head.len();
    let results: Vec<Result<Part<'a>, ScanError>> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks[1..]
            .iter()
            .map(|&c| s.spawn(move || read_part(c, n_cols, cols)))
            .collect();
        let first = read_part(chunks[0], n_cols, cols);
        std::iter::once(first)
            .chain(handles.into_iter().map(|h| match h.join() {
                Ok(r) => r,
                Err(panic) => std::panic::resume_unwind(panic),
            }))
            .collect()
    });
    if results
        .iter()
        .any(|r| matches!(r, Err(ScanError::Fallback)))
    {
        return read_labels_csv(path);
    }
    let mut parts = Vec::with_capacity(results.len());
    let mut lines_before = 0u64;
    for r in results {
        match r {
            Ok(p) => {
                lines_before += p.lines;
                parts.push(p);
            }
            Err(ScanError::Row { line, msg }) => {
                bail!("{} line {}: {msg}", path.display(), 2 + lines_before + line)
            }
            Err(ScanError::Fallback) => return read_labels_csv(path),
        }
    }
    // Merge: the first part's ids are the global ids; later parts' new names are appended in
    // their first-seen order, so ids are in first-seen order over the whole file.
    let mut parts = parts.into_iter();
    let Some(mut all) = parts.next() else {
        bail!("{}: no labels after the header", path.display());
    };
    for p in parts {
        let t = remap_ids(&mut all.tasks, &p.tasks)?;
        let w = remap_ids(&mut all.workers, &p.workers)?;
        let c = remap_ids(&mut all.classes, &p.classes)?;
        all.labels.extend(p.labels.iter().map(|l| {
            Label::new(
                t[l.task as usize],
                w[l.worker as usize],
                c[l.class as usize],
            )
        }));
    }
    if all.labels.is_empty() {
        bail!("{}: no labels after the header", path.display());
    }
    // Classes in `sort_class_names` order (numeric when all are integers), as the csv path.
    let mut sorted: Vec<String> = all.classes.names.iter().map(|s| s.to_string()).collect();
    mudou_consensus::sort_class_names(&mut sorted);
    let rank: FxHashMap<&str, u32> = sorted
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i as u32))
        .collect();
    let order: Vec<u32> = all.classes.names.iter().map(|n| rank[n]).collect();
    for l in &mut all.labels {
        l.class = order[l.class as usize];
    }
    let mut classes = vec![""; sorted.len()];
    for (local, &r) in order.iter().enumerate() {
        classes[r as usize] = all.classes.names[local];
    }
    let labels = Labels::new(
        all.tasks.names.len() as u32,
        all.workers.names.len() as u32,
        classes.len() as u32,
        &all.labels,
    )
    .with_context(|| format!("{}: invalid labels", path.display()))?;
    let class_ids = classes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_bytes(), i as u32))
        .collect();
    Ok(Input {
        labels,
        names: Names::Fast {
            tasks: all.tasks,
            classes,
            class_ids,
        },
    })
}

fn open_csv(path: &Path) -> anyhow::Result<(csv::Reader<std::fs::File>, csv::StringRecord)> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    let header = rdr
        .headers()
        .with_context(|| format!("{}: cannot read the header line", path.display()))?
        .clone();
    Ok((rdr, header))
}

fn line_of(rec: &csv::StringRecord) -> u64 {
    rec.position().map_or(0, |p| p.line())
}

fn header_names(header: &csv::StringRecord) -> Vec<String> {
    header.iter().map(str::to_string).collect()
}

/// The `csv` crate's reader, for files with quoted fields.
fn read_labels_csv(path: &Path) -> anyhow::Result<Input<'static>> {
    const HEADER: &str = "task,worker,label";
    let (mut rdr, header) = open_csv(path)?;
    let head = header_names(&header);
    let ti = column(path, &head, "task", HEADER)?;
    let wi = column(path, &head, "worker", HEADER)?;
    let li = column(path, &head, "label", HEADER)?;
    let mut b = LabelsBuilder::new();
    let mut rec = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                bail!("{} line {line}: unreadable CSV row: {e}", path.display());
            }
        }
        let get = |i: usize, what: &str| -> anyhow::Result<&str> {
            match rec.get(i) {
                Some(v) if !v.is_empty() => Ok(v),
                _ => bail!(
                    "{} line {}: empty or missing `{what}`",
                    path.display(),
                    line_of(&rec)
                ),
            }
        };
        let (t, w, l) = (get(ti, "task")?, get(wi, "worker")?, get(li, "label")?);
        b.push(t, w, l);
    }
    if b.is_empty() {
        bail!("{}: no labels after the header", path.display());
    }
    let StringLabels {
        labels,
        tasks,
        classes,
        ..
    } = b
        .finish()
        .with_context(|| format!("{}: invalid labels", path.display()))?;
    Ok(Input {
        labels,
        names: Names::Csv { tasks, classes },
    })
}

/// No gold answer for this task.
const NO_GOLD: u32 = u32::MAX;
/// A gold answer that is none of the input's classes.
const NOT_A_CLASS: u32 = u32::MAX - 1;

/// Gold answers by task index, and how many gold tasks are not in the input.
struct Gold {
    class_by_task: Vec<u32>,
    outside: usize,
}

fn read_gold(path: &Path, names: &Names<'_>) -> anyhow::Result<Gold> {
    const HEADER: &str = "task,label";
    let buf = std::fs::read(path).with_context(|| format!("cannot open {}", path.display()))?;
    let n_tasks = match names {
        Names::Fast { tasks, .. } => tasks.names.len(),
        Names::Csv { tasks, .. } => tasks.len(),
    };
    let mut class_by_task = vec![NO_GOLD; n_tasks];
    let Some((body_start, head)) = header(&buf) else {
        return read_gold_csv(path, names, class_by_task);
    };
    let ti = column(path, &head, "task", HEADER)?;
    let li = column(path, &head, "label", HEADER)?;
    let mut outside: FxHashSet<&[u8]> = FxHashSet::default();
    let scanned = scan(&buf[body_start..], head.len(), [ti, li], |[t, l]| {
        if t.is_empty() || l.is_empty() {
            return Err("empty or missing `task`/`label`".to_string());
        }
        match names.task_id(t) {
            Some(i) => class_by_task[i as usize] = names.class_id(l).unwrap_or(NOT_A_CLASS),
            None => {
                outside.insert(t);
            }
        }
        Ok(())
    });
    match scanned {
        Ok(_) => Ok(Gold {
            class_by_task,
            outside: outside.len(),
        }),
        Err(ScanError::Row { line, msg }) => bail!("{} line {}: {msg}", path.display(), line + 2),
        Err(ScanError::Fallback) => read_gold_csv(path, names, vec![NO_GOLD; n_tasks]),
    }
}

fn read_gold_csv(
    path: &Path,
    names: &Names<'_>,
    mut class_by_task: Vec<u32>,
) -> anyhow::Result<Gold> {
    const HEADER: &str = "task,label";
    let (mut rdr, header) = open_csv(path)?;
    let head = header_names(&header);
    let ti = column(path, &head, "task", HEADER)?;
    let li = column(path, &head, "label", HEADER)?;
    let mut gold = HashMap::new();
    let mut rec = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                bail!("{} line {line}: unreadable CSV row: {e}", path.display());
            }
        }
        match (rec.get(ti), rec.get(li)) {
            (Some(t), Some(l)) if !t.is_empty() && !l.is_empty() => {
                gold.insert(t.to_string(), l.to_string());
            }
            _ => bail!(
                "{} line {}: empty or missing `task`/`label`",
                path.display(),
                line_of(&rec)
            ),
        }
    }
    let mut outside = 0;
    for (t, l) in &gold {
        match names.task_id(t.as_bytes()) {
            Some(i) => {
                class_by_task[i as usize] = names.class_id(l.as_bytes()).unwrap_or(NOT_A_CLASS)
            }
            None => outside += 1,
        }
    }
    Ok(Gold {
        class_by_task,
        outside,
    })
}

/// Appends a CSV field, quoted when it holds a comma, a quote or a line break.
fn push_field(out: &mut Vec<u8>, f: &str) {
    if f.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        out.push(b'"');
        for b in f.bytes() {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(f.as_bytes());
    }
}

/// Appends `x` with six decimals, as `format!("{x:.6}")` (which it falls back to near a
/// rounding tie and outside `[0, 1]`).
fn push_fixed6(out: &mut Vec<u8>, x: f64) {
    let v = x * 1e6;
    if !(0.0..=1e6).contains(&v) || (v - v.floor() - 0.5).abs() < 1e-6 {
        let _ = write!(out, "{x:.6}");
        return;
    }
    let r = v.round() as u32;
    out.push(b'0' + (r / 1_000_000) as u8);
    out.push(b'.');
    let mut frac = r % 1_000_000;
    let mut digits = [b'0'; 6];
    for d in digits.iter_mut().rev() {
        *d = b'0' + (frac % 10) as u8;
        frac /= 10;
    }
    out.extend_from_slice(&digits);
}

fn write_result(path: &Path, names: &Names<'_>, agg: &Aggregation) -> anyhow::Result<()> {
    let n = agg.labels.len();
    let mut out = Vec::with_capacity(n * 24 + 32);
    out.extend_from_slice(b"task,label,confidence\n");
    for (t, &c) in agg.labels.iter().enumerate() {
        push_field(&mut out, names.task(t));
        out.push(b',');
        push_field(&mut out, names.class(c));
        out.push(b',');
        push_fixed6(&mut out, agg.confidence(t));
        out.push(b'\n');
    }
    let mut file =
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(&out)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// A later part's local ids as global ones: its names looked up (or appended, in their
/// first-seen order) in the first part's table.
fn remap_ids<'a>(global: &mut Ids<'a>, local: &Ids<'a>) -> anyhow::Result<Vec<u32>> {
    local
        .names
        .iter()
        .map(|n| global.id(n.as_bytes()).map_err(anyhow::Error::msg))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(dir: &Path, method: &str, input: &str, gold: Option<&str>) -> AggregateArgs {
        std::fs::write(dir.join("labels.csv"), input).unwrap();
        if let Some(g) = gold {
            std::fs::write(dir.join("gold.csv"), g).unwrap();
        }
        AggregateArgs {
            method: Some(parse_any_method(method).unwrap()),
            input: dir.join("labels.csv"),
            gold: gold.map(|_| dir.join("gold.csv")),
            output: dir.join("out.csv"),
            preset: Preset::Mudou,
            pairwise: false,
            ties: None,
            workers: None,
        }
    }

    const LABELS: &str = "task,worker,label\n\
        a,w1,cat\na,w2,cat\na,w3,dog\n\
        b,w1,dog\nb,w2,dog\nb,w3,dog\n\
        c,w1,cat\nc,w2,dog\nc,w3,cat\n";

    #[test]
    fn every_method_writes_one_row_per_task() {
        let dir = tempfile::tempdir().unwrap();
        for m in ["mv", "wawa", "ds", "onecoin", "glad", "mace"] {
            let a = args(
                dir.path(),
                m,
                LABELS,
                Some("task,label\na,cat\nb,dog\nc,cat\nzz,cat\n"),
            );
            run(&a).unwrap();
            let out = std::fs::read_to_string(&a.output).unwrap();
            let lines: Vec<&str> = out.lines().collect();
            assert_eq!(lines[0], "task,label,confidence", "{m}");
            assert_eq!(lines.len(), 4, "{m}");
            assert!(lines[1].starts_with("a,cat,"), "{m}: {}", lines[1]);
            assert!(lines[2].starts_with("b,dog,"), "{m}: {}", lines[2]);
            let conf: f64 = lines[2].rsplit(',').next().unwrap().parse().unwrap();
            assert!((0.0..=1.0).contains(&conf));
        }
    }

    #[test]
    fn columns_are_found_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let a = args(
            dir.path(),
            "mv",
            "worker,label,task\nw1,x,t1\nw2,x,t1\n",
            None,
        );
        run(&a).unwrap();
        let out = std::fs::read_to_string(&a.output).unwrap();
        assert_eq!(out, "task,label,confidence\nt1,x,1.000000\n");
    }

    #[test]
    fn bad_input_names_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let a = args(dir.path(), "mv", "task,worker,label\na,w1,x\nb,,y\n", None);
        let e = format!("{:#}", run(&a).unwrap_err());
        assert!(e.contains("line 3") && e.contains("worker"), "{e}");

        let a = args(dir.path(), "mv", "task,worker,label\na,w1,x\nb,w2\n", None);
        let e = format!("{:#}", run(&a).unwrap_err());
        assert!(e.contains("line 3"), "{e}");

        let a = args(dir.path(), "mv", "item,worker,label\na,w1,x\n", None);
        let e = format!("{:#}", run(&a).unwrap_err());
        assert!(e.contains("line 1") && e.contains("`task`"), "{e}");

        let a = args(dir.path(), "mv", "task,worker,label\n", None);
        assert!(run(&a).is_err());

        assert!(parse_any_method("nope").is_err());
    }

    /// Reads `text` with the fast reader (or its fallback) and with the `csv` crate alone.
    fn both(dir: &Path, text: &str) -> (Vec<String>, Vec<String>, Vec<Label>, Vec<Label>) {
        let path = dir.join("in.csv");
        std::fs::write(&path, text).unwrap();
        let buf = std::fs::read(&path).unwrap();
        let fast = read_labels(&path, &buf).unwrap();
        let slow = read_labels_csv(&path).unwrap();
        let names = |i: &Input<'_>| -> Vec<String> {
            (0..i.labels.n_tasks())
                .map(|t| i.names.task(t).to_string())
                .chain((0..i.labels.n_classes() as u32).map(|c| i.names.class(c).to_string()))
                .collect()
        };
        (
            names(&fast),
            names(&slow),
            fast.labels.as_slice().to_vec(),
            slow.labels.as_slice().to_vec(),
        )
    }

    fn same(dir: &Path, text: &str) -> Vec<String> {
        let (a, b, la, lb) = both(dir, text);
        assert_eq!(a, b, "{text:?}");
        assert_eq!(la, lb, "{text:?}");
        a
    }

    #[test]
    fn reader_integer_and_prefixed_ids() {
        let dir = tempfile::tempdir().unwrap();
        // Integers, prefixed integers, leading zeros (distinct names) and plain strings mixed.
        let names = same(
            dir.path(),
            "task,worker,label\n7,1,2\n3,2,10\n7,2,2\n07,1,10\nx7,1,2\n3,9999999,2\n",
        );
        assert_eq!(names, ["7", "3", "07", "x7", "2", "10"]);
        let names = same(
            dir.path(),
            "task,worker,label\nt1,w1,a\nt10,w2,b\nt01,w1,a\nt1,w3,b\nq5,w1,a\nt,w1,b\n",
        );
        assert_eq!(names, ["t1", "t10", "t01", "q5", "t", "a", "b"]);
    }

    #[test]
    fn reader_strings_spaces_crlf_bom_and_blank_lines() {
        let dir = tempfile::tempdir().unwrap();
        let names = same(
            dir.path(),
            "\u{feff}task , worker,label \r\n 猫 ,w1 , 是\u{3000}\r\n\r\n猫,w2,否\r\nдом\t,w1,是",
        );
        assert_eq!(names, ["猫", "дом", "否", "是"]);
        // Columns in another order, extra columns ignored.
        let names = same(dir.path(), "label,x,worker,task\nb,1,w,t2\na,2,w,t1\n");
        assert_eq!(names, ["t2", "t1", "a", "b"]);
    }

    #[test]
    fn reader_quoted_fields_go_through_the_csv_crate() {
        let dir = tempfile::tempdir().unwrap();
        let names = same(
            dir.path(),
            "task,worker,label\n\"a,1\",w1,\"say \"\"hi\"\"\"\nb,w2,x\n",
        );
        assert_eq!(names, ["a,1", "b", "say \"hi\"", "x"]);
        let a = args(
            dir.path(),
            "mv",
            "task,worker,label\n\"a,1\",w1,\"say \"\"hi\"\"\"\n",
            None,
        );
        run(&a).unwrap();
        let out = std::fs::read_to_string(&a.output).unwrap();
        assert_eq!(
            out,
            "task,label,confidence\n\"a,1\",\"say \"\"hi\"\"\",1.000000\n"
        );
    }

    /// A file large enough to be parsed in parts on several threads.
    fn big(rows: usize) -> String {
        let mut s = String::from("task,worker,label\n");
        let mut x = 12345u64;
        for i in 0..rows {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let t = (x >> 33) % (rows as u64 / 3 + 1);
            let w = (x >> 20) % 97;
            let l = (x >> 10) % 4;
            match i % 5 {
                0 => s.push_str(&format!("{t},{w},{l}\n")),
                1 => s.push_str(&format!("t{t}, w{w} ,c{l}\r\n")),
                2 => s.push_str(&format!("item-{t}-x,w{w},c{l}\n\n")),
                _ => s.push_str(&format!("t{t},w{w},c{l}\n")),
            }
        }
        s
    }

    #[test]
    fn reader_in_parts_matches_the_csv_crate() {
        let dir = tempfile::tempdir().unwrap();
        let text = big(120_000);
        assert!(text.len() > 1 << 20, "{}", text.len());
        let path = dir.path().join("in.csv");
        std::fs::write(&path, &text).unwrap();
        let buf = std::fs::read(&path).unwrap();
        let threads = split_lines(&buf, 4);
        assert_eq!(threads.len(), 4);
        assert_eq!(threads.concat(), buf);
        same(dir.path(), &text);
    }

    #[test]
    fn reader_bad_rows_name_the_line_in_every_part() {
        let dir = tempfile::tempdir().unwrap();
        let text = big(120_000);
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        for (at, bad, want) in [
            (lines.len() - 5, "t1,w1\n", "fields"),
            (lines.len() / 2 + 7, "t1,,c1\n", "`worker`"),
            (3, "t1,w1,\n", "`label`"),
        ] {
            let mut t: String = lines[..at].concat();
            t.push_str(bad);
            t.push_str(&lines[at..].concat());
            let a = args(dir.path(), "mv", &t, None);
            let e = format!("{:#}", run(&a).unwrap_err());
            // Line numbers are 1-based and count the header and blank lines.
            let line = at + 1;
            assert!(
                e.contains(&format!("line {line}:")) && e.contains(want),
                "{e} (want line {line})"
            );
        }
        let a = args(dir.path(), "mv", "task,worker,label\na,w\u{fffd},x\n", None);
        run(&a).unwrap();
        std::fs::write(
            dir.path().join("labels.csv"),
            b"task,worker,label\na,w\xff,x\n",
        )
        .unwrap();
        let e = format!("{:#}", run(&a).unwrap_err());
        assert!(e.contains("line 2") && e.contains("UTF-8"), "{e}");
    }

    #[test]
    fn gold_duplicates_unknown_tasks_and_quotes() {
        let dir = tempfile::tempdir().unwrap();
        for gold in [
            "task,label\na,dog\na,cat\nb,dog\nzz,cat\nzz,cat\nyy,cat\nc,bird\n",
            "task,label\n\"a\",dog\na,cat\nb,dog\nzz,cat\nzz,cat\nyy,cat\nc,bird\n",
        ] {
            let a = args(dir.path(), "mv", LABELS, Some(gold));
            let buf = std::fs::read(&a.input).unwrap();
            let data = read_labels(&a.input, &buf).unwrap();
            let g = read_gold(a.gold.as_ref().unwrap(), &data.names).unwrap();
            assert_eq!(g.class_by_task, [0, 1, NOT_A_CLASS], "{gold}");
            assert_eq!(g.outside, 2, "{gold}");
        }
        let a = args(dir.path(), "mv", LABELS, Some("task,label\na,cat\nb\n"));
        let e = format!("{:#}", run(&a).unwrap_err());
        assert!(e.contains("gold.csv line 3"), "{e}");
    }

    #[test]
    fn six_decimals_match_format() {
        let mut x = 1u64;
        let mut out = Vec::new();
        let mut values = vec![0.0, 1.0, 0.5, 0.0000005, 0.9999995, 0.1234565, 1e-300];
        for _ in 0..200_000 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
            values.push((x >> 11) as f64 / (1u64 << 53) as f64);
        }
        for v in values {
            out.clear();
            push_fixed6(&mut out, v);
            assert_eq!(std::str::from_utf8(&out).unwrap(), format!("{v:.6}"));
        }
    }

    #[test]
    fn crowdkit_preset_runs() {
        let dir = tempfile::tempdir().unwrap();
        for m in ["glad", "mace", "ds"] {
            let mut a = args(dir.path(), m, LABELS, None);
            a.preset = Preset::Crowdkit;
            run(&a).unwrap();
            let out = std::fs::read_to_string(&a.output).unwrap();
            assert!(
                out.starts_with("task,label,confidence\na,cat,"),
                "{m}: {out}"
            );
        }
    }
}
