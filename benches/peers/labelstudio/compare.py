#!/usr/bin/env python3
"""Label Studio 1.23.2 and Mudou side by side under the same annotator loop.

For each annotator count: Label Studio (run.sh, SQLite), then Mudou's own load generator
(`dispatch-bench --mode saturation`, SQLite), one after the other on the same machine, with the
load average printed before each run so a noisy run is visible. Then one table.

Usage (from anywhere; builds the release binaries first):
  benches/peers/labelstudio/compare.py [--annotators "1 8 32"] [--seconds 30] [--overlap 3]
Standard library only.
"""

import argparse
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "../../.."))


def uptime():
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def load1():
    return float(open("/proc/loadavg").read().split()[0])


def run_mudou(bin_dir, n, secs, overlap):
    cmd = [
        os.path.join(bin_dir, "dispatch-bench"), "--mode", "saturation", "--database", "sqlite",
        "--annotators", str(n), "--seconds", str(secs), "--overlap", str(overlap),
        "--server-bin", os.path.join(bin_dir, "mudou"),
    ]
    print("$ " + " ".join(cmd), flush=True)
    p = subprocess.run(cmd, capture_output=True, text=True)
    sys.stdout.write(p.stdout)
    if p.returncode != 0:
        sys.stderr.write(p.stderr[-3000:])
        raise SystemExit(f"dispatch-bench failed ({p.returncode})")
    out, lat = p.stdout, {}
    for name in ("next", "label \\(submit\\)"):
        m = re.search(rf"^  {name}\s+(\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)$", out, re.M)
        lat[name.split()[0]] = [float(x) for x in m.groups()[1:]] if m else [float("nan")] * 4
    errs = re.search(r"^  errors: (\d+)", out, re.M)
    ck = re.search(r"items over their overlap (\d+), items with an annotator twice (\d+), "
                   r"labels acknowledged (\d+), stored (\d+)", out)
    rss = re.search(r"peak RSS (\d+) MiB", out)
    final = re.search(r"labels_per_s=(\d+)", out)
    return {
        "labels_per_s": float(final.group(1)),
        "next_p99_ms": lat["next"][2],
        "submit_p99_ms": lat["label"][2],
        "errors": int(errs.group(1)) if errs else -1,
        "over": int(ck.group(1)),
        "dup_tasks": int(ck.group(2)),
        "acked": int(ck.group(3)),
        "stored": int(ck.group(4)),
        "peak_rss_mib": float(rss.group(1)) if rss else float("nan"),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--annotators", default=os.environ.get("LS_ANNOTATORS", "1 8 32"))
    ap.add_argument("--seconds", type=int, default=int(os.environ.get("LS_SECONDS", "30")))
    ap.add_argument("--overlap", type=int, default=int(os.environ.get("LS_OVERLAP", "3")))
    ap.add_argument("--skip-build", action="store_true")
    a = ap.parse_args()
    counts = [int(x) for x in a.annotators.split()]
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    bin_dir = os.path.join(target, "release")
    if not a.skip_build:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "mudou", "-p", "dispatch-bench"],
                       cwd=ROOT, check=True)
    json_dir = os.path.join(ROOT, "target", "labelstudio", "compare")
    os.makedirs(json_dir, exist_ok=True)
    rows = []
    for n in counts:
        print(f"\n######## {n} annotator(s)", flush=True)
        l_ls = load1()
        print(f"-- before Label Studio: {uptime()}", flush=True)
        subprocess.run(["bash", os.path.join(HERE, "run.sh"), "--annotators", str(n), "--seconds",
                        str(a.seconds), "--overlap", str(a.overlap), "--json-dir", json_dir],
                       check=True)
        ls = json.load(open(os.path.join(json_dir, f"ls-{n}.json")))
        l_mu = load1()
        print(f"-- before Mudou: {uptime()}", flush=True)
        mu = run_mudou(bin_dir, n, a.seconds, a.overlap)
        rows.append((n, ls, mu, l_ls, l_mu))

    print(f"\n== side by side: SQLite both, {a.seconds} s per run, overlap {a.overlap}, "
          "~1% of label POSTs sent twice; LS = Label Studio 1.23.2")
    print("| annotators | labels/s LS | labels/s Mudou | Mudou/LS | next p99 ms LS / Mudou "
          "| submit p99 ms LS / Mudou | errors LS / Mudou | over-labelled tasks LS / Mudou "
          "| duplicate (same user twice) LS / Mudou | peak RSS MiB LS / Mudou | load avg (1 min) before LS / Mudou |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for n, ls, mu, l_ls, l_mu in rows:
        ratio = mu["labels_per_s"] / ls["labels_per_s"] if ls["labels_per_s"] else float("inf")
        over_ls = f"{ls['over']} ({100 * ls['over_share']:.1f}%)"
        print(f"| {n} | {ls['labels_per_s']:.2f} | {mu['labels_per_s']:.0f} | {ratio:.0f}x "
              f"| {ls['next_p99_ms']:.0f} / {mu['next_p99_ms']:.1f} "
              f"| {ls['submit_p99_ms']:.0f} / {mu['submit_p99_ms']:.1f} "
              f"| {ls['errors']} / {mu['errors']} | {over_ls} / {mu['over']} "
              f"| {ls['dup_tasks']} / {mu['dup_tasks']} "
              f"| {ls['peak_rss_mib']:.0f} / {mu['peak_rss_mib']:.0f} | {l_ls:.2f} / {l_mu:.2f} |")
    for n, ls, mu, _, _ in rows:
        ratio = mu["labels_per_s"] / ls["labels_per_s"] if ls["labels_per_s"] else float("inf")
        print(f"ratio_{n}={ratio:.0f}")


if __name__ == "__main__":
    main()
