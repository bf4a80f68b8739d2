//! Project automation, in Rust rather than shell scripts (`cargo xtask …`).
//!
//! - `cargo xtask demo [ARGS]`: build the web UI, then run `mudou demo ARGS` (release build).
//! - `cargo xtask test`: every test: Rust (SQLite, and PostgreSQL when `MUDOU_TEST_POSTGRES_URL`
//!   is set), UI unit tests, browser tests, then the API fuzzer (schemathesis, each role).
//! - `cargo xtask fuzz`: the API fuzzer alone, against the debug build.
//! - `cargo xtask ui`: build the web UI only.
//! - `cargo xtask bench NAME -- ARGS`: run a benchmark under `benches/` (`dispatch`: the
//!   load generator against release builds; `throughput`: report time at 1M and 10M labels;
//!   `consensus`; `crowdkit`; `labelstudio`: Label Studio under the same annotator loop;
//!   `labelstudio-compare`: Label Studio and Mudou's load generator side by side).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_owned()
}

fn run(cmd: &mut Command) -> anyhow::Result<()> {
    eprintln!("xtask: $ {}", format!("{cmd:?}").replace('"', ""));
    let status = cmd.status().with_context(|| format!("starting {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed with {status}");
    }
    Ok(())
}

fn npm(args: &[&str]) -> Command {
    let mut c = Command::new("npm");
    c.args(args).current_dir(root().join("web-ui"));
    c
}

/// Installs the UI's npm packages when they are missing or older than the lock file.
fn ui_deps() -> anyhow::Result<()> {
    let web = root().join("web-ui");
    let stamp = web.join("node_modules/.package-lock.json");
    let lock = web.join("package-lock.json");
    let fresh = match (
        stamp.metadata().and_then(|m| m.modified()),
        lock.metadata().and_then(|m| m.modified()),
    ) {
        (Ok(s), Ok(l)) => s >= l,
        _ => false,
    };
    if !fresh {
        run(&mut npm(&["ci", "--no-audit", "--no-fund"]))?;
    }
    Ok(())
}

fn build_ui() -> anyhow::Result<()> {
    ui_deps()?;
    run(&mut npm(&["run", "build"]))
}

fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(root());
    c
}

/// Debian's Chromium drives the browser tests; install it when missing (we may be root).
fn ensure_chromium() -> anyhow::Result<()> {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let have_browser = Path::new(&chromium).exists();
    // Without a CJK font the screenshots show boxes instead of Chinese.
    let have_font = Path::new("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc").exists();
    if have_browser && have_font {
        return Ok(());
    }
    eprintln!("xtask: installing Debian's chromium and fonts-noto-cjk for the browser tests");
    let install = run(Command::new("apt-get").arg("update").arg("-q")).and_then(|()| {
        run(Command::new("apt-get")
            .args([
                "install",
                "-y",
                "-q",
                "--no-install-recommends",
                "chromium",
                "fonts-noto-cjk",
            ])
            .env("DEBIAN_FRONTEND", "noninteractive"))
    });
    match install {
        Ok(()) => Ok(()),
        Err(e) if have_browser => {
            eprintln!(
                "xtask: could not install the CJK font ({e:#}); screenshots may lack Chinese glyphs"
            );
            Ok(())
        }
        Err(e) => {
            Err(e.context("installing chromium (run as root, or install it and set CHROMIUM)"))
        }
    }
}

/// The speech test runs the server's fallback voice, espeak-ng: install it when missing.
fn ensure_espeak() -> anyhow::Result<()> {
    if Path::new("/usr/bin/espeak-ng").exists() {
        return Ok(());
    }
    eprintln!("xtask: installing Debian's espeak-ng for the server's speech");
    run(Command::new("apt-get").arg("update").arg("-q"))
        .and_then(|()| {
            run(Command::new("apt-get")
                .args([
                    "install",
                    "-y",
                    "-q",
                    "--no-install-recommends",
                    "espeak-ng",
                ])
                .env("DEBIAN_FRONTEND", "noninteractive"))
        })
        .map_err(|e| e.context("installing espeak-ng (run as root, or install it)"))
}

fn test() -> anyhow::Result<()> {
    match std::env::var("MUDOU_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => eprintln!("xtask: PostgreSQL tests against {url}"),
        _ => eprintln!(
            "xtask: MUDOU_TEST_POSTGRES_URL not set: the PostgreSQL tests are built as ignored"
        ),
    }
    build_ui()?;
    run(&mut npm(&["test"]))?;
    // The COCO export test checks the export with COCOeval.
    pip_ensure("pycocotools", "pycocotools")?;
    // The LLM export test loads its files with datasets and TRL's data utilities (TRL
    // without its dependencies: they would bring torch, and trl.data_utils needs none).
    pip_ensure("datasets", "datasets")?;
    pip_ensure("transformers", "transformers")?;
    pip_ensure("trl.data_utils", "--no-deps trl")?;
    ensure_espeak()?;
    run(cargo().args(["test", "--workspace"]))?;
    ensure_chromium()?;
    run(cargo().args(["build", "-p", "mudou"]))?;
    let bin = root().join("target/debug/mudou");
    run(npm(&["run", "e2e"]).env("MUDOU_BIN", &bin))?;
    fuzz(&bin)?;
    eprintln!("xtask: all tests passed");
    Ok(())
}

/// Installs a Python package from PyPI unless `module` imports already.
/// `package` is what `pip install` is given (its words split on spaces).
fn pip_ensure(module: &str, package: &str) -> anyhow::Result<()> {
    let have = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if have {
        return Ok(());
    }
    eprintln!("xtask: installing {package} from PyPI");
    run(Command::new("python3")
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .args(package.split_whitespace()))
}

/// The API fuzzer: schemathesis against `mudou demo`, as each role (`ops/fuzz/fuzz.py`).
/// Installed from PyPI when missing. `MUDOU_FUZZ_SECONDS` sets each role's time (60).
fn fuzz(bin: &Path) -> anyhow::Result<()> {
    pip_ensure("schemathesis", "schemathesis")?;
    let seconds = std::env::var("MUDOU_FUZZ_SECONDS").unwrap_or_else(|_| "60".into());
    run(Command::new("python3")
        .arg(root().join("ops/fuzz/fuzz.py"))
        .arg("--bin")
        .arg(bin)
        .args(["--seconds", &seconds]))
}

fn demo(args: &[String]) -> anyhow::Result<()> {
    build_ui()?;
    run(cargo()
        .args(["run", "--release", "-p", "mudou", "--", "demo"])
        .args(args))
}

fn bench(args: &[String]) -> anyhow::Result<()> {
    let Some((name, rest)) = args.split_first() else {
        bail!("usage: cargo xtask bench NAME [-- ARGS]")
    };
    let rest: Vec<&String> = rest.iter().skip_while(|a| *a == "--").collect();
    match name.as_str() {
        "consensus" => run(cargo()
            .args(["bench", "-p", "mudou-consensus", "--"])
            .args(rest)),
        "dispatch" => {
            run(cargo().args(["build", "--release", "-p", "mudou", "-p", "dispatch-bench"]))?;
            run(Command::new(root().join("target/release/dispatch-bench")).args(rest))
        }
        "throughput" => run(cargo()
            .args(["bench", "-p", "mudou-store", "--bench", "reports", "--"])
            .args(rest)),
        "review" => {
            run(cargo().args(["bench", "-p", "mudou-server", "--bench", "review_engine"]))?;
            run(cargo()
                .args(["bench", "-p", "mudou-store", "--bench", "review", "--"])
                .args(rest))
        }
        "crowdkit" => run(Command::new("bash")
            .arg(root().join("benches/peers/crowdkit/run.sh"))
            .args(rest)),
        "labelstudio" => run(Command::new("bash")
            .arg(root().join("benches/peers/labelstudio/run.sh"))
            .args(rest)),
        "labelstudio-compare" => run(Command::new("python3")
            .arg(root().join("benches/peers/labelstudio/compare.py"))
            .args(rest)),
        other => bail!(
            "unknown bench {other:?}: try dispatch, throughput, review, consensus, crowdkit, \
             labelstudio or labelstudio-compare"
        ),
    }
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("demo") => demo(&args[1..]),
        Some("test") => test(),
        Some("fuzz") => {
            run(cargo().args(["build", "-p", "mudou"]))?;
            fuzz(&root().join("target/debug/mudou"))
        }
        Some("ui") => build_ui(),
        Some("bench") => bench(&args[1..]),
        _ => {
            eprintln!("usage: cargo xtask demo [ARGS] | test | fuzz | ui | bench NAME [-- ARGS]");
            std::process::exit(2);
        }
    }
}
