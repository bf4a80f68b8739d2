"""crowd-kit 1.4.2's MACE depends on row order: it builds the strategy counts with
`groupby(['worker', 'label'])` (sorted keys) and reads them back by position against
`pd.factorize` codes (order of first appearance), so each worker's spamming strategy is taken
from another worker unless both orders agree. This script fits crowd-kit's MACE on one set as
given and with the rows sorted by (worker, label), where both orders agree.

Usage: .venv-peers/bin/python benches/peers/crowdkit/mace_order_check.py DIR_WITH_labels.csv_AND_gold.csv
(`n_restarts=1` gives the same result as the default 10: every restart uses the same seed.)
"""
import sys

import pandas as pd
from crowdkit.aggregation import MACE

d = sys.argv[1]
df = pd.read_csv(f"{d}/labels.csv")[["task", "worker", "label"]]
gold = pd.read_csv(f"{d}/gold.csv").set_index("task")["label"]


def acc(pred):
    return float((pred.reindex(gold.index) == gold).mean())


print(f"as given:               {acc(MACE(n_restarts=1).fit_predict(df)):.4f}")
aligned = df.sort_values(["worker", "label"]).reset_index(drop=True)
print(f"sorted (orders agree):  {acc(MACE(n_restarts=1).fit_predict(aligned)):.4f}")
