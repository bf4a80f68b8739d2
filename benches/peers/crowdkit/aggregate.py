"""`mudou aggregate` against crowd-kit 1.4.2, whole process and fit alone, in one run.

Both sides are whole processes started from here and timed by wall clock: ours is the release
`mudou aggregate --method M --input L --gold G --output O` (reads the CSV, fits, writes the
result, reads gold); crowd-kit's is `ck_aggregate.py` (imports crowd-kit, reads the CSV with
pandas, fits, writes the result, reads gold). The fit alone is what each side reports: ours
the `fit` of its `time:` line, crowd-kit's a perf_counter around `fit_predict_proba`.
Runs are interleaved (ours, crowd-kit, ours, crowd-kit, ...); the table gives medians.

Run by `run.sh aggregate`; env: MUDOU (binary), SYNTH (example), WORK, AGG_ITEMS (default
200000 items = 1M labels), AGG_RUNS (default 3), AGG_METHOD (default ds).
"""
import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
MUDOU = os.environ["MUDOU"]
SYNTH = os.environ["SYNTH"]
WORK = os.environ["WORK"]
ITEMS = int(os.environ.get("AGG_ITEMS", "200000"))
RUNS = int(os.environ.get("AGG_RUNS", "3"))
METHOD = os.environ.get("AGG_METHOD", "ds")
TIMEOUT = int(os.environ.get("CK_TIMEOUT", "900"))


def timed(cmd):
    t = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=TIMEOUT).stdout
    return time.perf_counter() - t, out


def main():
    d = os.path.join(WORK, f"synth_{ITEMS}")
    if not os.path.exists(os.path.join(d, "gold.csv")):
        subprocess.run([SYNTH, d, str(ITEMS), "4", "1000", "5", "42"], check=True, capture_output=True)
    lab, gold = os.path.join(d, "labels.csv"), os.path.join(d, "gold.csv")
    ours, ck = [], []
    load_before = os.getloadavg()[0]
    for r in range(RUNS):
        whole, out = timed([MUDOU, "aggregate", "--method", METHOD, "--input", lab, "--gold", gold,
                            "--output", os.path.join(d, "out_mudou.csv")])
        t = dict(re.findall(r"(read|fit|write|gold|whole) ([0-9.]+) ms", out))
        acc = float(re.search(r"accuracy ([0-9.]+)", out).group(1))
        iters = int(re.search(r"; (\d+) iterations", out).group(1))
        ours.append((whole, float(t["fit"]) / 1e3, float(t["read"]) / 1e3, float(t["write"]) / 1e3, acc, iters))
        whole, out = timed([sys.executable, os.path.join(HERE, "ck_aggregate.py"), METHOD, lab, gold,
                            os.path.join(d, "out_crowdkit.csv")])
        fit = float(re.search(r"fit ([0-9.]+)", out).group(1))
        acc = float(re.search(r"accuracy ([0-9.]+)", out).group(1))
        iters = int(re.search(r"iterations (\d+)", out).group(1))
        ck.append((whole, fit, acc, iters))
        print(f"run {r + 1}: ours whole {ours[-1][0]:.3f} s (read {ours[-1][2]:.3f}, fit {ours[-1][1]:.3f}, "
              f"write {ours[-1][3]:.3f}); crowd-kit whole {whole:.2f} s, fit {fit:.2f} s", flush=True)
    med = lambda xs, i: statistics.median(x[i] for x in xs)
    print(f"\n{METHOD}, {ITEMS * 5:,} labels, {RUNS} interleaved runs, medians "
          f"(1-minute load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after)\n")
    print("| side | accuracy | iterations | whole process s | fit s | read s | write s |")
    print("|---|---|---|---|---|---|---|")
    print(f"| mudou aggregate | {ours[0][4]:.4f} | {ours[0][5]} | {med(ours, 0):.3f} | {med(ours, 1):.3f} | "
          f"{med(ours, 2):.3f} | {med(ours, 3):.3f} |")
    print(f"| crowd-kit 1.4.2 | {ck[0][2]:.4f} | {ck[0][3]} | {med(ck, 0):.2f} | {med(ck, 1):.2f} | | |")
    print(f"\nratio (crowd-kit / ours, medians): whole process {med(ck, 0) / med(ours, 0):.0f}x, "
          f"fit {med(ck, 1) / med(ours, 1):.0f}x")
    wr = [c[0] / o[0] for o, c in zip(ours, ck)]
    fr = [c[1] / o[1] for o, c in zip(ours, ck)]
    print("per run (same-run pairs): whole " + ", ".join(f"{x:.0f}x" for x in wr)
          + "; fit " + ", ".join(f"{x:.0f}x" for x in fr))


if __name__ == "__main__":
    main()
