"""MACE and GLAD: ours (default and crowd-kit settings) against crowd-kit 1.4.2 with its defaults,
on every crowd set in ../shared/datasets (labels.csv + gold.csv).

Usage (from the repository root, after run.sh has made .venv-peers and the `peer` example):
    PEER=target-consensus/release/examples/peer .venv-peers/bin/python benches/peers/crowdkit/parity.py

crowd-kit's figures are cached in $WORK/parity_crowdkit.json (crowd-kit's GLAD takes minutes on
the larger sets); delete it to measure again. crowd-kit's MACE is run with `n_restarts=1`: its
restarts all draw from the same `random_state`, so 10 restarts give exactly the answer of one
(see mace.py `_initialize`). "sorted" is crowd-kit's MACE on the rows sorted by (worker, label),
where its worker <-> strategy pairing is right (RESULTS.md section 3b).
"""
import json
import os
import subprocess
import sys
import time

import pandas as pd
from crowdkit.aggregation import GLAD, MACE

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
SHARED = os.path.join(ROOT, "..", "shared", "datasets")
PEER = os.environ["PEER"]
WORK = os.environ.get("WORK", os.path.join(ROOT, "target-consensus", "peers"))
SETS = os.environ.get(
    "SETS",
    "adult_content2 bluebirds dog music_genre product rte temp weather_cf web wsd zencrowd",
).split()
CACHE = os.path.join(WORK, "parity_crowdkit.json")


def ours(d, preset):
    env = dict(os.environ, PEER_PRESET=preset)
    out = subprocess.run(
        [PEER, f"{d}/labels.csv", f"{d}/gold.csv", "glad,mace"],
        check=True, capture_output=True, text=True, env=env,
    ).stdout
    res = {}
    for line in out.strip().splitlines():
        m, acc, secs, iters, _, _ = line.split("\t")
        res[m] = (float(acc), int(iters))
    return res


def crowdkit(d):
    df = pd.read_csv(f"{d}/labels.csv")[["task", "worker", "label"]]
    gold = pd.read_csv(f"{d}/gold.csv").set_index("task")["label"]

    def acc(pred):
        return float((pred.reindex(gold.index) == gold).mean())

    out = {}
    t = time.perf_counter()
    g = GLAD()
    out["glad"] = acc(g.fit_predict(df))
    out["glad_iters"] = len(g.loss_history_)
    out["glad_s"] = time.perf_counter() - t
    t = time.perf_counter()
    out["mace"] = acc(MACE(n_restarts=1).fit_predict(df))
    out["mace_s"] = time.perf_counter() - t
    aligned = df.sort_values(["worker", "label"]).reset_index(drop=True)
    out["mace_sorted"] = acc(MACE(n_restarts=1).fit_predict(aligned))
    return out


def main():
    os.makedirs(WORK, exist_ok=True)
    cache = json.load(open(CACHE)) if os.path.exists(CACHE) else {}
    rows = []
    for name in SETS:
        d = os.path.join(SHARED, name)
        if name not in cache:
            print(f"crowd-kit on {name} ...", file=sys.stderr, flush=True)
            cache[name] = crowdkit(d)
            json.dump(cache, open(CACHE, "w"), indent=1)
        rows.append((name, ours(d, "mudou"), ours(d, "crowdkit"), cache[name]))
    for m in ["glad", "mace"]:
        print(f"\n### {m.upper()}\n")
        extra = " | crowd-kit, rows sorted" if m == "mace" else " | iters ours ck-settings / crowd-kit"
        print(f"| set | ours (default) | ours, crowd-kit settings | crowd-kit 1.4.2 | default − crowd-kit{extra} |")
        print("|---|---|---|---|---|---|")
        for name, o, oc, ck in rows:
            diff = (o[m][0] - ck[m]) * 100
            flag = " **" if diff < -0.5 else ""
            if m == "mace":
                tail = f"{ck['mace_sorted']:.4f}"
            else:
                tail = f"{oc['glad'][1]} / {ck['glad_iters']}"
            print(f"| {name} | {o[m][0]:.4f} | {oc[m][0]:.4f} | {ck[m]:.4f} | {diff:+.2f} pp{flag} | {tail} |")


if __name__ == "__main__":
    main()
