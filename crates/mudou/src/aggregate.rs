//! `mudou aggregate`: aggregate labels someone already has (crowd-kit's CSV layout) without a
//! server: `task,worker,label` in, `task,label,confidence` out, accuracy against gold if given.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use mudou_consensus::{LabelsBuilder, Method, StringLabels};

/// Arguments of `mudou aggregate`.
#[derive(clap::Args, Debug)]
pub struct AggregateArgs {
    /// Aggregation method: mv, wawa, ds, onecoin, glad or mace.
    #[arg(long, default_value = "ds", value_parser = parse_method)]
    pub method: Method,
    /// Labels as CSV with the header `task,worker,label` (columns in any order; labels are strings).
    #[arg(long)]
    pub input: PathBuf,
    /// Optional gold answers as CSV with the header `task,label`; prints the accuracy.
    #[arg(long)]
    pub gold: Option<PathBuf>,
    /// Where to write `task,label,confidence` (one row per task, in input order).
    #[arg(long)]
    pub output: PathBuf,
}

fn parse_method(s: &str) -> Result<Method, String> {
    s.parse::<Method>().map_err(|e| e.to_string())
}

/// Runs the command.
pub fn run(args: &AggregateArgs) -> anyhow::Result<()> {
    let data = read_labels(&args.input)?;
    let agg = args
        .method
        .run(&data.labels)
        .with_context(|| format!("aggregating {}", args.input.display()))?;
    write_result(&args.output, &data, &agg.labels, |t| agg.confidence(t))?;
    println!(
        "{}: {} labels, {} tasks, {} workers, {} classes; {} iterations; wrote {}",
        args.method,
        data.labels.len(),
        data.labels.n_tasks(),
        data.labels.n_workers(),
        data.labels.n_classes(),
        agg.iterations,
        args.output.display()
    );
    if let Some(gold_path) = &args.gold {
        let gold = read_gold(gold_path)?;
        let (mut hit, mut n) = (0usize, 0usize);
        for (t, name) in data.tasks.names().iter().enumerate() {
            if let Some(g) = gold.get(name) {
                n += 1;
                hit += usize::from(data.classes.name(agg.labels[t]) == Some(g.as_str()));
            }
        }
        if n == 0 {
            println!("accuracy: no gold task appears in the input");
        } else {
            println!(
                "accuracy {:.4} ({hit} of {n} gold tasks; {} gold rows not in the input)",
                hit as f64 / n as f64,
                gold.len() - n
            );
        }
    }
    Ok(())
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

fn column(
    path: &Path,
    header: &csv::StringRecord,
    name: &str,
    expected: &str,
) -> anyhow::Result<usize> {
    match header.iter().position(|c| c.eq_ignore_ascii_case(name)) {
        Some(i) => Ok(i),
        None => bail!(
            "{} line 1: no `{name}` column (expected the header `{expected}`, found `{}`)",
            path.display(),
            header.iter().collect::<Vec<_>>().join(",")
        ),
    }
}

fn line_of(rec: &csv::StringRecord) -> u64 {
    rec.position().map_or(0, |p| p.line())
}

fn read_labels(path: &Path) -> anyhow::Result<StringLabels> {
    const HEADER: &str = "task,worker,label";
    let (mut rdr, header) = open_csv(path)?;
    let ti = column(path, &header, "task", HEADER)?;
    let wi = column(path, &header, "worker", HEADER)?;
    let li = column(path, &header, "label", HEADER)?;
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
    b.finish()
        .with_context(|| format!("{}: invalid labels", path.display()))
}

fn read_gold(path: &Path) -> anyhow::Result<HashMap<String, String>> {
    const HEADER: &str = "task,label";
    let (mut rdr, header) = open_csv(path)?;
    let ti = column(path, &header, "task", HEADER)?;
    let li = column(path, &header, "label", HEADER)?;
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
    Ok(gold)
}

fn write_result(
    path: &Path,
    data: &StringLabels,
    labels: &[u32],
    confidence: impl Fn(usize) -> f64,
) -> anyhow::Result<()> {
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut w = csv::Writer::from_writer(std::io::BufWriter::new(file));
    w.write_record(["task", "label", "confidence"])?;
    for (t, name) in data.tasks.names().iter().enumerate() {
        let class = data.classes.name(labels[t]).unwrap_or_default();
        w.write_record([name.as_str(), class, &format!("{:.6}", confidence(t))])?;
    }
    let mut inner = w
        .into_inner()
        .map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))?;
    inner
        .flush()
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
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
            method: parse_method(method).unwrap(),
            input: dir.join("labels.csv"),
            gold: gold.map(|_| dir.join("gold.csv")),
            output: dir.join("out.csv"),
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

        assert!(parse_method("nope").is_err());
    }
}
