//! `mudou aggregate` on pairwise comparisons: `worker,left,right,label` in,
//! `object,score,ci_low,ci_high,component` out, Spearman's ρ against a reference order if given.
//! The same fast reader as for labels (the file in memory, parsed in parts on every core, ids as
//! slices of the buffer), the `csv` crate for quoted files.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, bail};
use mudou_consensus::Interner;
use mudou_consensus::pairwise::{
    Comparison, Comparisons, Outcome, PairwiseMethod, Scores, TieMode, spearman_by_component,
};

use super::{
    AggregateArgs, Ids, Preset, ScanError, Ties, column, header, header_names, line_of, ms,
    open_csv, push_field, remap_ids, scan, split_lines,
};

const HEADER: &str = "worker,left,right,label";

/// Whether the file's header has a `left` and a `right` column.
pub(super) fn has_pairwise_header(path: &Path, buf: &[u8]) -> bool {
    let fields = match header(buf) {
        Some((_, h)) => h,
        None => match open_csv(path) {
            Ok((_, h)) => header_names(&h),
            Err(_) => return false,
        },
    };
    let has = |n: &str| fields.iter().any(|f| f.eq_ignore_ascii_case(n));
    has("left") && has("right")
}

/// Comparisons read from a CSV file, with the object and worker names.
struct PairInput {
    cmp: Comparisons,
    objects: Vec<String>,
    workers: Vec<String>,
    ties: usize,
}

fn outcome(l: &[u8], r: &[u8], label: &[u8]) -> Result<Outcome, String> {
    if label.eq_ignore_ascii_case(b"left") {
        Ok(Outcome::Left)
    } else if label.eq_ignore_ascii_case(b"right") {
        Ok(Outcome::Right)
    } else if label.eq_ignore_ascii_case(b"tie") {
        Ok(Outcome::Tie)
    } else if label == l {
        Ok(Outcome::Left)
    } else if label == r {
        Ok(Outcome::Right)
    } else {
        Err(format!(
            "`label` must be left, right, tie or one of the two objects, found {:?}",
            String::from_utf8_lossy(label)
        ))
    }
}

/// One part of the file with its own (local) ids.
struct Part<'a> {
    workers: Ids<'a>,
    objects: Ids<'a>,
    items: Vec<Comparison>,
    lines: u64,
}

fn read_part<'a>(buf: &'a [u8], n_cols: usize, cols: [usize; 4]) -> Result<Part<'a>, ScanError> {
    let (mut workers, mut objects) = (Ids::default(), Ids::default());
    let mut items = Vec::with_capacity(buf.len() / 20);
    let lines = scan(buf, n_cols, cols, |[w, l, r, lab]| {
        for (v, what) in [(w, "worker"), (l, "left"), (r, "right"), (lab, "label")] {
            if v.is_empty() {
                return Err(format!("empty or missing `{what}`"));
            }
        }
        if l == r {
            return Err("an object is compared with itself".into());
        }
        let o = outcome(l, r, lab)?;
        items.push(Comparison::new(
            workers.id(w)?,
            objects.id(l)?,
            objects.id(r)?,
            o,
        ));
        Ok(())
    })?;
    Ok(Part {
        workers,
        objects,
        items,
        lines,
    })
}

fn read_comparisons<'a>(path: &Path, buf: &'a [u8]) -> anyhow::Result<PairInput> {
    let Some((body_start, head)) = header(buf) else {
        return read_comparisons_csv(path);
    };
    let cols = [
        column(path, &head, "worker", HEADER)?,
        column(path, &head, "left", HEADER)?,
        column(path, &head, "right", HEADER)?,
        column(path, &head, "label", HEADER)?,
    ];
    let body = &buf[body_start..];
    let threads = if body.len() < 1 << 20 {
        1
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
    };
    let chunks = split_lines(body, threads);
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
            Err(ScanError::Fallback) => return read_comparisons_csv(path),
        }
    }
    // The first part's ids are the global ids; later parts' new names are appended in their
    // first-seen order.
    let mut parts = parts.into_iter();
    let Some(mut all) = parts.next() else {
        bail!("{}: no comparisons after the header", path.display());
    };
    for p in parts {
        let w = remap_ids(&mut all.workers, &p.workers)?;
        let o = remap_ids(&mut all.objects, &p.objects)?;
        all.items.extend(p.items.iter().map(|c| {
            Comparison::new(
                w[c.worker as usize],
                o[c.left as usize],
                o[c.right as usize],
                c.outcome,
            )
        }));
    }
    if all.items.is_empty() {
        bail!("{}: no comparisons after the header", path.display());
    }
    let objects: Vec<String> = all.objects.names.iter().map(|s| s.to_string()).collect();
    let workers: Vec<String> = all.workers.names.iter().map(|s| s.to_string()).collect();
    finish(path, all.items, objects, workers)
}

fn finish(
    path: &Path,
    items: Vec<Comparison>,
    objects: Vec<String>,
    workers: Vec<String>,
) -> anyhow::Result<PairInput> {
    let ties = items.iter().filter(|c| c.outcome == Outcome::Tie).count();
    let cmp = Comparisons::new(objects.len() as u32, workers.len() as u32, items)
        .with_context(|| format!("{}: invalid comparisons", path.display()))?;
    Ok(PairInput {
        cmp,
        objects,
        workers,
        ties,
    })
}

/// The `csv` crate's reader, for files with quoted fields.
fn read_comparisons_csv(path: &Path) -> anyhow::Result<PairInput> {
    let (mut rdr, header) = open_csv(path)?;
    let head = header_names(&header);
    let cols = [
        column(path, &head, "worker", HEADER)?,
        column(path, &head, "left", HEADER)?,
        column(path, &head, "right", HEADER)?,
        column(path, &head, "label", HEADER)?,
    ];
    let (mut objects, mut workers) = (Interner::new(), Interner::new());
    let mut items = Vec::new();
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
        let mut f = [""; 4];
        for (slot, (&i, what)) in f
            .iter_mut()
            .zip(cols.iter().zip(["worker", "left", "right", "label"]))
        {
            *slot = match rec.get(i) {
                Some(v) if !v.is_empty() => v,
                _ => bail!(
                    "{} line {}: empty or missing `{what}`",
                    path.display(),
                    line_of(&rec)
                ),
            };
        }
        let [w, l, r, lab] = f;
        if l == r {
            bail!(
                "{} line {}: an object is compared with itself",
                path.display(),
                line_of(&rec)
            );
        }
        let o = outcome(l.as_bytes(), r.as_bytes(), lab.as_bytes())
            .map_err(|m| anyhow::anyhow!("{} line {}: {m}", path.display(), line_of(&rec)))?;
        items.push(Comparison::new(
            workers.intern(w),
            objects.intern(l),
            objects.intern(r),
            o,
        ));
    }
    if items.is_empty() {
        bail!("{}: no comparisons after the header", path.display());
    }
    let objects = objects.names().to_vec();
    let workers = workers.names().to_vec();
    finish(path, items, objects, workers)
}

/// A reference order: −rank (`object,rank`, 1 = best) or the score (`object,score`) per
/// object, and how many gold rows name no object of the input.
fn read_gold(path: &Path, objects: &[String]) -> anyhow::Result<(Vec<Option<f64>>, usize)> {
    let (mut rdr, header) = open_csv(path)?;
    let head = header_names(&header);
    let oi = column(path, &head, "object", "object,rank")?;
    let (vi, sign) = match head.iter().position(|c| c.eq_ignore_ascii_case("rank")) {
        Some(i) => (i, -1.0),
        None => (column(path, &head, "score", "object,rank")?, 1.0),
    };
    let index: std::collections::HashMap<&str, usize> = objects
        .iter()
        .enumerate()
        .map(|(i, o)| (o.as_str(), i))
        .collect();
    let mut gold = vec![None; objects.len()];
    let mut outside = 0;
    for rec in rdr.records() {
        let rec = rec.with_context(|| format!("{}: unreadable CSV row", path.display()))?;
        let (Some(o), Some(v)) = (rec.get(oi), rec.get(vi)) else {
            bail!(
                "{} line {}: missing `object` or its value",
                path.display(),
                line_of(&rec)
            );
        };
        let v: f64 = match v.parse() {
            Ok(v) if f64::is_finite(v) => v,
            _ => bail!(
                "{} line {}: {v:?} is not a number",
                path.display(),
                line_of(&rec)
            ),
        };
        match index.get(o) {
            Some(&i) => gold[i] = Some(sign * v),
            None => outside += 1,
        }
    }
    Ok((gold, outside))
}

fn write_scores(path: &Path, objects: &[String], s: &Scores) -> anyhow::Result<()> {
    let mut out = Vec::with_capacity(objects.len() * 48 + 48);
    out.extend_from_slice(b"object,score,ci_low,ci_high,component\n");
    for (i, o) in objects.iter().enumerate() {
        push_field(&mut out, o);
        let _ = writeln!(
            out,
            ",{:.6},{:.6},{:.6},{}",
            s.scores[i], s.ci_low[i], s.ci_high[i], s.component[i]
        );
    }
    std::fs::write(path, out).with_context(|| format!("cannot write {}", path.display()))
}

fn write_workers(path: &Path, workers: &[String], s: &Scores) -> anyhow::Result<()> {
    let mut out = Vec::with_capacity(workers.len() * 40 + 32);
    out.extend_from_slice(b"worker,skill,bias,answers\n");
    for (name, w) in workers.iter().zip(&s.workers) {
        push_field(&mut out, name);
        let _ = writeln!(out, ",{:.6},{:.6},{}", w.skill, w.bias, w.answers);
    }
    std::fs::write(path, out).with_context(|| format!("cannot write {}", path.display()))
}

/// Runs `mudou aggregate` on a comparisons file already in `buf`.
pub(super) fn run(
    args: &AggregateArgs,
    method: PairwiseMethod,
    buf: &[u8],
    start: Instant,
) -> anyhow::Result<()> {
    let ties = match (args.ties, args.preset) {
        (Some(Ties::Half), _) => TieMode::Half,
        (Some(Ties::Drop), _) | (None, Preset::Crowdkit) => TieMode::Drop,
        (None, Preset::Mudou) => TieMode::Half,
    };
    let method = method.with_ties(ties);
    if args.workers.is_some() && !matches!(method, PairwiseMethod::NoisyBt(_)) {
        bail!("--workers needs --method noisy-bt (plain Bradley–Terry has no worker model)");
    }
    let input = read_comparisons(&args.input, buf)?;
    let read = start.elapsed();
    let t = Instant::now();
    let scores = method
        .run(&input.cmp)
        .with_context(|| format!("aggregating {}", args.input.display()))?;
    let fit = t.elapsed();
    let t = Instant::now();
    write_scores(&args.output, &input.objects, &scores)?;
    if let Some(w) = &args.workers {
        write_workers(w, &input.workers, &scores)?;
    }
    let write = t.elapsed();
    println!(
        "{method}: {} comparisons ({} ties, {}), {} objects, {} workers, {} components; {} \
         iterations; wrote {}",
        input.cmp.len(),
        input.ties,
        match ties {
            TieMode::Half => "half a win each",
            TieMode::Drop => "dropped",
        },
        input.objects.len(),
        input.workers.len(),
        scores.n_components,
        scores.iterations,
        args.output.display()
    );
    let t = Instant::now();
    if let Some(gold_path) = &args.gold {
        let (gold, outside) = read_gold(gold_path, &input.objects)?;
        match spearman_by_component(&scores.scores, &gold, &scores.component) {
            Some(c) => println!(
                "spearman {:.4} over {} components ({} objects; {outside} gold rows not in the \
                 input)",
                c.rho, c.components, c.objects
            ),
            None => println!("spearman: no component has 3 objects with gold"),
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

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::super::{AggregateArgs, Preset, Ties, parse_any_method, run};

    fn args(dir: &Path, method: Option<&str>, input: &str) -> AggregateArgs {
        std::fs::write(dir.join("cmp.csv"), input).unwrap();
        AggregateArgs {
            method: method.map(|m| parse_any_method(m).unwrap()),
            input: dir.join("cmp.csv"),
            gold: None,
            output: dir.join("out.csv"),
            preset: Preset::Mudou,
            pairwise: false,
            ties: None,
            workers: None,
        }
    }

    const CMP: &str = "worker,left,right,label\n\
        w1,a,b,left\nw2,a,b,left\nw3,b,a,right\nw1,b,c,left\nw2,c,b,tie\n\
        w3,a,c,a\nw1,c,a,a\nw2,x,y,right\n";

    fn rows(p: &PathBuf) -> Vec<Vec<String>> {
        std::fs::read_to_string(p)
            .unwrap()
            .lines()
            .map(|l| l.split(',').map(str::to_string).collect())
            .collect()
    }

    #[test]
    fn bt_and_noisy_bt_write_one_row_per_object() {
        let dir = tempfile::tempdir().unwrap();
        for m in [None, Some("bt"), Some("noisy-bt")] {
            let mut a = args(dir.path(), m, CMP);
            std::fs::write(
                dir.path().join("gold.csv"),
                "object,rank\nb,2\na,1\nc,3\nzz,1\n",
            )
            .unwrap();
            a.gold = Some(dir.path().join("gold.csv"));
            if m == Some("noisy-bt") {
                a.workers = Some(dir.path().join("workers.csv"));
            }
            run(&a).unwrap();
            let r = rows(&a.output);
            assert_eq!(r[0].join(","), "object,score,ci_low,ci_high,component");
            let names: Vec<&str> = r[1..].iter().map(|x| x[0].as_str()).collect();
            assert_eq!(names, ["a", "b", "c", "x", "y"], "{m:?}");
            let num = |i: usize, j: usize| r[i][j].parse::<f64>().unwrap();
            // a beat everyone, b beat c: a > b > c inside component 0; x, y in component 1.
            assert!(
                num(1, 1) > num(2, 1) && num(2, 1) > num(3, 1),
                "{m:?}: {r:?}"
            );
            for i in 1..=5 {
                assert!(num(i, 2) < num(i, 1) && num(i, 1) < num(i, 3));
            }
            assert_eq!(
                r[1..].iter().map(|x| x[4].as_str()).collect::<Vec<_>>(),
                ["0", "0", "0", "1", "1"]
            );
            assert!(num(5, 1) > num(4, 1));
            if m == Some("noisy-bt") {
                let w = rows(&dir.path().join("workers.csv"));
                assert_eq!(w[0].join(","), "worker,skill,bias,answers");
                assert_eq!(w.len(), 4);
            }
        }
    }

    #[test]
    fn ties_and_preset_change_the_fit() {
        let dir = tempfile::tempdir().unwrap();
        let input = "worker,left,right,label\nw1,a,b,left\nw2,b,c,tie\nw3,b,c,tie\n";
        let score_c = |ties: Option<Ties>, preset: Preset| {
            let mut a = args(dir.path(), Some("bt"), input);
            a.ties = ties;
            a.preset = preset;
            run(&a).unwrap();
            rows(&a.output)[3][1].parse::<f64>().unwrap()
        };
        let half = score_c(None, Preset::Mudou);
        let dropped = score_c(Some(Ties::Drop), Preset::Mudou);
        assert_ne!(half, dropped);
        assert_eq!(dropped, score_c(None, Preset::Crowdkit));
        assert_eq!(half, score_c(Some(Ties::Half), Preset::Crowdkit));
    }

    #[test]
    fn quoted_files_and_the_pairwise_flag() {
        let dir = tempfile::tempdir().unwrap();
        // Quoted ids go through the csv crate; the same fit as unquoted.
        let quoted = "\"worker\",left,right,label\nw1,\"a,1\",b,left\nw2,b,\"a,1\",right\n";
        let a = args(dir.path(), None, quoted);
        run(&a).unwrap();
        let out = std::fs::read_to_string(&a.output).unwrap();
        assert!(out.contains("\n\"a,1\","), "{out}");
        // Columns in another order, with --pairwise.
        let mut a = args(
            dir.path(),
            Some("bt"),
            "label,right,left,worker\nleft,b,a,w1\n",
        );
        a.pairwise = true;
        run(&a).unwrap();
        let r = rows(&a.output);
        assert_eq!(r[1][0], "a");
    }

    #[test]
    fn bad_input_names_the_line() {
        let dir = tempfile::tempdir().unwrap();
        for (text, want) in [
            (
                "worker,left,right,label\nw1,a,b,left\nw1,a,a,left\n",
                "line 3",
            ),
            (
                "worker,left,right,label\nw1,a,b,left\nw1,a,b,maybe\n",
                "line 3",
            ),
            (
                "worker,left,right,label\nw1,a,b,left\n,a,b,left\n",
                "`worker`",
            ),
            ("worker,left,right,label\n", "no comparisons"),
            ("who,left,right,label\nw1,a,b,left\n", "`worker`"),
            ("worker,left,right,label\nw1,\"a\",a,left\n", "itself"),
        ] {
            let a = args(dir.path(), None, text);
            let e = format!("{:#}", run(&a).unwrap_err());
            assert!(e.contains(want), "{text:?}: {e}");
        }
        // A label method on comparisons, or worker output for plain BT, is refused.
        let a = args(dir.path(), Some("ds"), CMP);
        assert!(format!("{:#}", run(&a).unwrap_err()).contains("--method bt"));
        let mut a = args(dir.path(), Some("bt"), CMP);
        a.workers = Some(dir.path().join("w.csv"));
        assert!(run(&a).is_err());
        // Pairwise options on a labels file are refused.
        let mut a = args(dir.path(), Some("mv"), "task,worker,label\nt,w,x\n");
        a.ties = Some(Ties::Drop);
        assert!(run(&a).is_err());
        // A gold file without rank or score.
        let mut a = args(dir.path(), None, CMP);
        std::fs::write(dir.path().join("g.csv"), "object,label\na,1\n").unwrap();
        a.gold = Some(dir.path().join("g.csv"));
        assert!(format!("{:#}", run(&a).unwrap_err()).contains("score"));
    }

    #[test]
    fn real_set_matches_the_library() {
        let dir = tempfile::tempdir().unwrap();
        let set = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../datasets/pairwise/sigir2010_music"
        );
        let mut a = args(dir.path(), Some("noisy-bt"), "");
        a.input = PathBuf::from(set).join("comparisons.csv");
        a.gold = Some(PathBuf::from(set).join("gold.csv"));
        run(&a).unwrap();
        let r = rows(&a.output);
        assert_eq!(r.len(), 119);
        let comps: std::collections::HashSet<&str> = r[1..].iter().map(|x| x[4].as_str()).collect();
        assert_eq!(comps.len(), 11);
    }
}
