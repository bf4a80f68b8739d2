"""`mudou aggregate` on pairwise comparisons against crowd-kit 1.4.2's BradleyTerry and
NoisyBradleyTerry, whole process and fit alone, interleaved in one run.

Sets: the two real ones in `datasets/pairwise/` and synthetic crowds from the `pairwise_synth`
example (100 components of 20 objects, 1,000 workers of four kinds, ~5% ties): PW_SIZES
comparisons (default "100000 1000000"), the same file for both sides. Ours is the release
`mudou aggregate --method M --input CMP --gold GOLD --output OUT` (read, fit, write, gold);
crowd-kit's is `ck_pairwise.py` (import, pandas read, ties dropped, fit, write, gold). Ours runs
with ties as half-wins (its default) and, for accuracy, also with ties dropped (crowd-kit's data).
Each crowd-kit run has a timeout of CK_TIMEOUT seconds (default 900); NoisyBradleyTerry's gradient
is a Python loop over the rows, so CK_NBT_MAX (default 100000) caps the size it is run on.
Runs: PW_RUNS (default 3) interleaved pairs per set and method (PW_REAL=0: synthetic only); crowd-kit NoisyBT above 50k
comparisons runs once. Tables give medians.

Run by `run.sh pairwise`; env: MUDOU (binary), PWSYNTH (example), WORK, ROOT.
"""
import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
MUDOU = os.environ["MUDOU"]
PWSYNTH = os.environ["PWSYNTH"]
WORK = os.environ["WORK"]
ROOT = os.environ["ROOT"]
SIZES = [int(x) for x in os.environ.get("PW_SIZES", "100000 1000000").split()]
RUNS = int(os.environ.get("PW_RUNS", "3"))
TIMEOUT = int(os.environ.get("CK_TIMEOUT", "900"))
NBT_MAX = int(os.environ.get("CK_NBT_MAX", "100000"))
REAL = os.environ.get("PW_REAL", "1") != "0"


def timed(cmd):
    t = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=TIMEOUT).stdout
    return time.perf_counter() - t, out


def ours(method, cmp, gold, out, ties="half"):
    whole, text = timed([MUDOU, "aggregate", "--method", method, "--ties", ties, "--input", cmp,
                         "--gold", gold, "--output", out])
    t = dict(re.findall(r"(read|fit|write|gold|whole) ([0-9.]+) ms", text))
    rho = float(re.search(r"spearman ([0-9.-]+)", text).group(1))
    iters = int(re.search(r"; (\d+) iterations", text).group(1))
    return dict(whole=whole, fit=float(t["fit"]) / 1e3, read=float(t["read"]) / 1e3, rho=rho, iters=iters)


def crowdkit(method, cmp, gold, out):
    try:
        whole, text = timed([sys.executable, os.path.join(HERE, "ck_pairwise.py"), method, cmp, gold, out])
    except subprocess.TimeoutExpired:
        return None
    return dict(whole=whole, fit=float(re.search(r"fit ([0-9.]+)", text).group(1)),
                rho=float(re.search(r"spearman ([0-9.na-]+)", text).group(1)))


def rows(path):
    with open(path) as f:
        return sum(1 for _ in f) - 1


def main():
    sets = [(name, os.path.join(ROOT, "datasets/pairwise", name))
            for name in ("sigir2010_music", "ukpconvarg1") if REAL]
    for n in SIZES:
        d = os.path.join(WORK, f"pairwise_synth_{n}")
        if not os.path.exists(os.path.join(d, "gold.csv")):
            subprocess.run([PWSYNTH, d, str(n)], check=True, capture_output=True)
        sets.append((f"synthetic {n:,}", d))
    load_before = os.getloadavg()[0]
    table = []
    for name, d in sets:
        cmp, gold = os.path.join(d, "comparisons.csv"), os.path.join(d, "gold.csv")
        n = rows(cmp)
        out = os.path.join(WORK, "pw_out.csv")
        for method in ("bt", "noisy-bt"):
            drop = ours(method, cmp, gold, out, ties="drop")
            o, c = [], []
            ck_runs = RUNS if (method == "bt" or n <= 50_000) else 1
            skip_ck = method == "noisy-bt" and n > NBT_MAX
            for r in range(RUNS):
                o.append(ours(method, cmp, gold, out))
                if r < ck_runs and not skip_ck:
                    res = crowdkit(method, cmp, gold, os.path.join(WORK, "pw_out_ck.csv"))
                    if res is None:
                        print(f"{name} {method}: crowd-kit did not finish in {TIMEOUT} s", flush=True)
                        skip_ck = True
                    else:
                        c.append(res)
                print(f"{name} {method} run {r + 1}: ours whole {o[-1]['whole']:.3f} s (fit {o[-1]['fit']:.3f}, "
                      f"rho {o[-1]['rho']:.4f}, {o[-1]['iters']} it)"
                      + (f"; crowd-kit whole {c[-1]['whole']:.2f} s (fit {c[-1]['fit']:.2f}, rho {c[-1]['rho']:.4f})"
                         if c and len(c) == r + 1 else ""), flush=True)
            med = lambda xs, k: statistics.median(x[k] for x in xs)
            table.append((name, n, method, o[0]["rho"], drop["rho"], med(o, "whole"), med(o, "fit"),
                          c[0]["rho"] if c else None, med(c, "whole") if c else None, med(c, "fit") if c else None,
                          len(o), len(c)))
    print(f"\n{RUNS} interleaved runs per set and method, medians (1-minute load average "
          f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after)\n")
    print("| set | comparisons | method | ours ρ (ties half / dropped) | crowd-kit ρ | ours whole s | ours fit s "
          "| crowd-kit whole s | crowd-kit fit s | whole ratio | fit ratio | runs ours/ck |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for (name, n, m, rho, rho_drop, ow, of, cr, cw, cf, no, nc) in table:
        ck = lambda x, f: f.format(x) if x is not None else "—"
        ratio = lambda a, b: f"{a / b:.0f}x" if a is not None else "—"
        print(f"| {name} | {n:,} | {m} | {rho:.4f} / {rho_drop:.4f} | {ck(cr, '{:.4f}')} | {ow:.3f} | {of:.3f} | "
              f"{ck(cw, '{:.2f}')} | {ck(cf, '{:.2f}')} | {ratio(cw, ow)} | {ratio(cf, of)} | {no}/{nc} |")


if __name__ == "__main__":
    main()
