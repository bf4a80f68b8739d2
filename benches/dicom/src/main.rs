//! Times `mudou_media::dicom::import_dicom` on a folder of DICOM files (see RESULTS.md):
//!
//! ```sh
//! python3 crates/mudou-server/tests/data/dicom/make_series.py bench /tmp/ct300
//! timeout 600 cargo run --release -p dicom-bench -- /tmp/ct300 [runs] [--disk]
//! ```
//!
//! `--disk` gives the files as paths, read when needed (as an HTTP upload does, its DICOM files
//! written aside in the upload's folder), not as bytes held in memory.

use std::time::Instant;

use anyhow::{Context, bail};
use mudou_media::dicom::{DicomFile, DicomLimits, import_dicom};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().context("usage: dicom-bench DIR [runs]")?;
    let runs: usize = args.next().map(|r| r.parse()).transpose()?.unwrap_or(5);
    let disk = args.next().as_deref() == Some("--disk");
    let t = Instant::now();
    let mut files: Vec<(String, DicomFile)> = Vec::new();
    let mut bytes = 0usize;
    for e in std::fs::read_dir(&dir)? {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        let file = if disk {
            bytes += e.metadata()?.len() as usize;
            DicomFile::Disk(e.path())
        } else {
            let b = std::fs::read(e.path())?;
            bytes += b.len();
            DicomFile::Memory(b)
        };
        files.push((name, file));
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    println!(
        "{} files, {:.1} MiB, read in {:.0} ms",
        files.len(),
        bytes as f64 / (1 << 20) as f64,
        t.elapsed().as_secs_f64() * 1000.0
    );
    let mut times = Vec::new();
    for run in 0..runs {
        let t = Instant::now();
        let out = import_dicom(&files, b"bench-salt", &DicomLimits::default());
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        if !out.refused.is_empty() || out.series.len() != 1 {
            bail!("expected one series, got {:?}", out.refused.first());
        }
        let s = &out.series[0];
        let g = &s.header.geometry;
        println!(
            "run {run}: {ms:.0} ms — {}×{}×{} {:?}, volume {:.1} MiB, {:.0} slices/s",
            g.columns,
            g.rows,
            g.slices,
            s.header.dtype,
            s.blob.len() as f64 / (1 << 20) as f64,
            g.slices as f64 / (ms / 1000.0)
        );
        times.push(ms);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "median {:.0} ms, best {:.0} ms over {runs} runs",
        times[times.len() / 2],
        times[0]
    );
    Ok(())
}
