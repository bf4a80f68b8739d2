"""crowd-kit 1.4.2's side of `aggregate.py`: one whole process like `mudou aggregate`, i.e. import,
read the labels CSV with pandas, fit, write `task,label,confidence`, accuracy against gold.

Usage: ck_aggregate.py METHOD LABELS.csv GOLD.csv OUT.csv
Prints `fit SECONDS`, `iterations N` and `accuracy A`.
"""
import sys
import time

import pandas as pd
from crowdkit.aggregation import DawidSkene, MajorityVote, OneCoinDawidSkene

method, labels_csv, gold_csv, out_csv = sys.argv[1:5]
df = pd.read_csv(labels_csv)[["task", "worker", "label"]]
model = {
    "ds": lambda: DawidSkene(n_iter=100, tol=1e-5),
    "onecoin": lambda: OneCoinDawidSkene(n_iter=100, tol=1e-5),
    "mv": MajorityVote,
}[method]()
t0 = time.perf_counter()
proba = model.fit_predict_proba(df)
fit = time.perf_counter() - t0
label = proba.idxmax(axis=1)
out = pd.DataFrame({"label": label, "confidence": proba.max(axis=1)})
out.index.name = "task"
out.to_csv(out_csv, float_format="%.6f")
gold = pd.read_csv(gold_csv).set_index("task")["label"]
acc = float((label.reindex(gold.index) == gold).mean())
print(f"fit {fit:.4f}")
print(f"iterations {len(getattr(model, 'loss_history_', []))}")
print(f"accuracy {acc:.4f}")
