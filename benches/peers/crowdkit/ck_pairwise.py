"""crowd-kit 1.4.2's side of `pairwise.py`: one whole process like `mudou aggregate` on a
comparisons file, i.e. import, read `worker,left,right,label` with pandas, drop ties (crowd-kit
refuses them) and map `left`/`right` to the winning object, fit, write `object,score`, and
Spearman's rho against `object,rank` per component of the comparison graph (ties included, as
`../shared/datasets/pairwise/crowdkit_reference.py`), weighted by component size.

Usage: ck_pairwise.py bt|noisy-bt COMPARISONS.csv GOLD.csv OUT.csv
Prints `fit SECONDS` and `spearman RHO`.
"""
import sys
import time

import numpy as np
import pandas as pd
from crowdkit.aggregation import BradleyTerry, NoisyBradleyTerry
from scipy.stats import spearmanr

method, cmp_csv, gold_csv, out_csv = sys.argv[1:5]
df = pd.read_csv(cmp_csv, dtype=str)
strict = df[df.label != "tie"].copy()
strict["label"] = np.where(strict.label == "left", strict.left, strict.right)
model = {"bt": lambda: BradleyTerry(n_iter=100), "noisy-bt": NoisyBradleyTerry}[method]()
t0 = time.perf_counter()
scores = model.fit_predict(strict[["worker", "left", "right", "label"]])
fit = time.perf_counter() - t0
scores.rename("score").to_csv(out_csv, index_label="object", float_format="%.6g")

# Components over every comparison (ties too), union-find.
parent = {}
def find(x):
    while parent.setdefault(x, x) != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x
for a, b in zip(df.left, df.right):
    ra, rb = find(a), find(b)
    if ra != rb:
        parent[ra] = rb
gold = -pd.read_csv(gold_csv, dtype={"object": str}).set_index("object")["rank"].astype(float)
by_comp = {}
for o in set(df.left) | set(df.right):
    if o in gold.index and o in scores.index:
        by_comp.setdefault(find(o), []).append(o)
rows = []
for objs in by_comp.values():
    if len(objs) < 3:
        continue
    s, g = scores[objs].values, gold[objs].values
    if np.std(s) == 0 or np.std(g) == 0:
        continue
    rows.append((len(objs), spearmanr(s, g)[0]))
rho = float(np.average([r[1] for r in rows], weights=[r[0] for r in rows])) if rows else float("nan")
print(f"fit {fit:.4f}")
print(f"spearman {rho:.4f}")
