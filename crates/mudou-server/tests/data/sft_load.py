"""Loads an SFT export with Hugging Face `datasets` (as a fine-tuning script would) and says
what it read: the rows, and the role of each row's last message. Used by the writing tests."""

import json
import sys

from datasets import load_dataset

ds = load_dataset("json", data_files=sys.argv[1], split="train")
assert ds.column_names == ["messages"], ds.column_names
for row in ds:
    for m in row["messages"]:
        assert set(m) == {"role", "content"}, m
        assert m["role"] in ("system", "user", "assistant"), m
        assert isinstance(m["content"], str) and m["content"], m
print(json.dumps({"rows": ds.num_rows, "last_roles": [r["messages"][-1]["role"] for r in ds]}))
