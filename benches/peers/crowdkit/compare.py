"""Side-by-side comparison of mudou-consensus and crowd-kit 1.4.2 (run by run.sh).

Both sides fit the same CSV files; each side times the fit only (CSV parsing excluded).
crowd-kit runs in this process with one BLAS thread; ours runs as the `peer` example binary
(2 rayon threads on this machine). Convergence: n_iter=100, tol=1e-5 on both sides for DS,
one-coin DS and GLAD; MACE in crowd-kit has no tolerance (10 restarts x 50 iterations, all
restarts from the same seed); ours runs 10 seeded restarts stopping each at tol.
"""
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
from crowdkit.aggregation import (
    GLAD,
    MACE,
    DawidSkene,
    MajorityVote,
    OneCoinDawidSkene,
    Wawa,
)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
PEER = os.environ["PEER"]
SYNTH = os.environ["SYNTH"]
WORK = os.environ.get("WORK", os.path.join(ROOT, "target-consensus", "peers"))
TIMEOUT = int(os.environ.get("CK_TIMEOUT", "900"))
REAL_TIMEOUT = int(os.environ.get("CK_REAL_TIMEOUT", "150"))
FAST_SIZES = [int(x) for x in os.environ.get("FAST_SIZES", "10000 100000 200000").split()]
GLAD_SIZES = [int(x) for x in os.environ.get("GLAD_SIZES", "10000").split()]
MACE_SIZES = [int(x) for x in os.environ.get("MACE_SIZES", "10000 100000").split()]

METHODS = ["mv", "wawa", "ds", "onecoin", "glad", "mace"]


class Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise Timeout()


def crowdkit_fit(method, df):
    if method == "mv":
        m = MajorityVote()
        return m.fit_predict(df), 0
    if method == "wawa":
        m = Wawa()
        return m.fit_predict(df), 0
    if method == "ds":
        m = DawidSkene(n_iter=100, tol=1e-5)
        r = m.fit_predict(df)
        return r, len(m.loss_history_)
    if method == "onecoin":
        m = OneCoinDawidSkene(n_iter=100, tol=1e-5)
        r = m.fit_predict(df)
        return r, len(m.loss_history_)
    if method == "glad":
        m = GLAD(n_iter=100, tol=1e-5)
        r = m.fit_predict(df)
        return r, len(m.loss_history_)
    if method == "mace":
        m = MACE()
        r = m.fit_predict(df)
        return r, m.n_restarts * m.n_iter
    raise ValueError(method)


def crowdkit_run(method, labels_csv, gold_csv, timeout):
    df = pd.read_csv(labels_csv)[["task", "worker", "label"]]
    gold = pd.read_csv(gold_csv).set_index("task")["label"]
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(timeout)
    try:
        t0 = time.perf_counter()
        pred, iters = crowdkit_fit(method, df)
        secs = time.perf_counter() - t0
    except Timeout:
        return None
    finally:
        signal.alarm(0)
    pred = pred.reindex(gold.index)
    acc = float((pred == gold).mean())
    return acc, secs, iters


def ours_run(methods, labels_csv, gold_csv):
    out = subprocess.run(
        [PEER, labels_csv, gold_csv, ",".join(methods)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    res = {}
    for line in out.strip().splitlines():
        m, acc, secs, iters, _, _ = line.split("\t")
        res[m] = (float(acc), float(secs), int(iters))
    return res


def fmt(v, spec):
    return "—" if v is None else format(v, spec)


def real_datasets():
    sets = []
    for base, names in [
        (os.path.join(ROOT, "datasets", "crowd"), ["bluebirds", "adult_content2", "music_genre", "weather_cf", "zencrowd"]),
        (os.path.join(ROOT, "..", "shared", "datasets"), ["rte", "temp", "wsd", "product", "web", "dog"]),
    ]:
        for n in names:
            d = os.path.join(base, n)
            if os.path.exists(os.path.join(d, "labels.csv")):
                sets.append((n, d))
            else:
                print(f"note: {n} not found at {d}; skipped")
    print("## Accuracy on real datasets (ours / crowd-kit 1.4.2)\n")
    print(f"crowd-kit timeout per method and set: {REAL_TIMEOUT} s\n")
    print("| set | " + " | ".join(METHODS) + " |")
    print("|---|" + "---|" * len(METHODS))
    for name, d in sets:
        lab, gold = os.path.join(d, "labels.csv"), os.path.join(d, "gold.csv")
        ours = ours_run(METHODS, lab, gold)
        cells = []
        for m in METHODS:
            ck = crowdkit_run(m, lab, gold, REAL_TIMEOUT)
            o = ours[m][0]
            c = None if ck is None else ck[0]
            cells.append(f"{o:.4f} / {fmt(c, '.4f')}")
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)
    print()
    return sets


def agreement(sets):
    import krippendorff
    from statsmodels.stats.inter_rater import fleiss_kappa

    print("## Agreement cross-check (ours / statsmodels fleiss_kappa / krippendorff.alpha nominal)\n")
    print("Fleiss' kappa is compared only where every item has the same number of labels")
    print("(statsmodels assumes that).\n")
    print("| set | Fleiss ours | Fleiss statsmodels | alpha ours | alpha krippendorff | max abs diff |")
    print("|---|---|---|---|---|---|")
    for name, d in sets:
        lab = os.path.join(d, "labels.csv")
        out = subprocess.run([PEER, lab, "-", "agreement"], check=True, capture_output=True, text=True).stdout
        vals = dict(line.split("\t") for line in out.strip().splitlines())
        f_ours, a_ours = float(vals["fleiss"]), float(vals["alpha"])
        df = pd.read_csv(lab)[["task", "worker", "label"]]
        table = pd.crosstab(df.task, df.label).to_numpy()
        a_ref = krippendorff.alpha(value_counts=table.astype(float), level_of_measurement="nominal")
        n = table.sum(1)
        f_ref = fleiss_kappa(table, method="fleiss") if (n == n[0]).all() else None
        diffs = [abs(a_ours - a_ref)] + ([abs(f_ours - f_ref)] if f_ref is not None else [])
        print(f"| {name} | {f_ours:.6f} | {fmt(f_ref, '.6f')} | {a_ours:.6f} | {a_ref:.6f} | {max(diffs):.1e} |", flush=True)
    print()


def synthetic():
    print("## Synthetic crowd: speed and accuracy (K=4, 1000 workers, overlap 5)\n")
    print("Workers: 55% good, 25% mediocre, 12% spammers, 8% adversarial (seed 42).")
    print(f"crowd-kit timeout per run: {TIMEOUT} s.\n")
    print("| method | labels | acc ours | acc crowd-kit | s ours | s crowd-kit | speed-up | iters ours | iters crowd-kit |")
    print("|---|---|---|---|---|---|---|---|---|")
    plan = []
    for n in FAST_SIZES:
        plan += [(n, m) for m in ["mv", "wawa", "ds", "onecoin"]]
    plan += [(n, "glad") for n in GLAD_SIZES]
    plan += [(n, "mace") for n in MACE_SIZES]
    made = set()
    for n, m in plan:
        d = os.path.join(WORK, f"synth_{n}")
        if n not in made:
            subprocess.run([SYNTH, d, str(n), "4", "1000", "5", "42"], check=True, capture_output=True)
            made.add(n)
        lab, gold = os.path.join(d, "labels.csv"), os.path.join(d, "gold.csv")
        o = ours_run([m], lab, gold)[m]
        ck = crowdkit_run(m, lab, gold, TIMEOUT)
        if ck is None:
            ck_acc, ck_s, ck_it, sp = None, None, None, f"> {TIMEOUT / o[1]:.0f}x (crowd-kit > {TIMEOUT} s)"
        else:
            ck_acc, ck_s, ck_it = ck
            sp = f"{ck_s / max(o[1], 1e-9):.0f}x"
        print(
            f"| {m} | {n * 5:,} | {o[0]:.4f} | {fmt(ck_acc, '.4f')} | {o[1]:.3f} | {fmt(ck_s, '.2f')} | {sp} | {o[2]} | {fmt(ck_it, 'd')} |",
            flush=True,
        )
    print()


if __name__ == "__main__":
    parts = sys.argv[1:] or ["real", "agreement", "synthetic"]
    print(f"# mudou-consensus vs crowd-kit\n")
    import crowdkit, sklearn

    print(f"crowd-kit {crowdkit.__version__ if hasattr(crowdkit, '__version__') else '1.4.x'}, scikit-learn {sklearn.__version__}, pandas {pd.__version__}, numpy {np.__version__}; nproc {os.cpu_count()}\n")
    sets = None
    if "real" in parts or "agreement" in parts:
        sets = real_datasets() if "real" in parts else None
    if "agreement" in parts:
        if sets is None:
            sets = []
            for base in [os.path.join(ROOT, "datasets", "crowd"), os.path.join(ROOT, "..", "shared", "datasets")]:
                if os.path.isdir(base):
                    for n in sorted(os.listdir(base)):
                        if os.path.exists(os.path.join(base, n, "labels.csv")):
                            sets.append((n, os.path.join(base, n)))
        agreement(sets)
    if "synthetic" in parts:
        synthetic()
