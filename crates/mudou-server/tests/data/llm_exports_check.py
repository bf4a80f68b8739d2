"""Loads Mudou's LLM exports as trainers do and prints what they hold (JSON on stdout).

    python3 llm_exports_check.py preference=a.jsonl preference=b.jsonl ranking=c.jsonl ratings=d.jsonl sft=e.jsonl

Each JSONL is loaded with `datasets.load_dataset("json", data_files=...)`. A preference file
must also pass TRL's data utilities unchanged: `is_conversational` (the same answer on every
row), `maybe_extract_prompt` (a no-op: the prompt is explicit), `maybe_apply_chat_template`
with a tokenizer built here offline (a WordLevel `tokenizers` model in a
`PreTrainedTokenizerFast` with a small Jinja chat template; no hub download), and
`unpair_preference_dataset`. An SFT file is one `messages` column of role/content turns that
TRL takes as conversational and renders with the chat template. Any failure raises (exit status 1 with the traceback).
"""

import json
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

from datasets import disable_progress_bars, load_dataset  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402
from tokenizers.models import WordLevel  # noqa: E402
from tokenizers.pre_tokenizers import Whitespace  # noqa: E402
from transformers import PreTrainedTokenizerFast  # noqa: E402
from trl.data_utils import (  # noqa: E402
    is_conversational,
    maybe_apply_chat_template,
    maybe_extract_prompt,
    unpair_preference_dataset,
)

TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}<|end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)


disable_progress_bars()


def tokenizer():
    tok = Tokenizer(WordLevel({"[UNK]": 0, "<|end|>": 1}, unk_token="[UNK]"))
    tok.pre_tokenizer = Whitespace()
    t = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", eos_token="<|end|>")
    t.chat_template = TEMPLATE
    return t


def load(path):
    return load_dataset("json", data_files=path, split="train")


def preference(path, tok):
    ds = load(path)
    rows = ds.to_list()
    forms = {is_conversational(r) for r in rows}
    assert len(forms) <= 1, f"{path}: conversational on some rows only"
    conversational = forms == {True}
    rendered = []
    for r in rows:
        same = maybe_extract_prompt(r)
        assert same["prompt"] == r["prompt"] and same["chosen"] == r["chosen"], "prompt not explicit"
        out = maybe_apply_chat_template(r, tok)
        for k in ("prompt", "chosen", "rejected"):
            assert isinstance(out[k], str), f"{k} did not render to text"
        if conversational:
            assert out["prompt"].endswith("<|assistant|>"), out["prompt"]
            assert r["chosen"][0]["content"] in out["chosen"]
            assert r["rejected"][0]["content"] in out["rejected"]
        else:
            assert out == r, "a standard example is left as it is"
        rendered.append({"prompt": out["prompt"], "chosen": out["chosen"], "rejected": out["rejected"]})
    unpaired = unpair_preference_dataset(ds)
    assert unpaired.num_rows == 2 * ds.num_rows
    assert {"prompt", "completion", "label"} <= set(unpaired.column_names)
    labels = unpaired["label"]
    assert labels.count(True) == ds.num_rows and labels.count(False) == ds.num_rows
    return {
        "rows": rows,
        "columns": ds.column_names,
        "conversational": conversational,
        "rendered": rendered,
        "unpaired_rows": unpaired.num_rows,
        "unpaired_columns": unpaired.column_names,
    }


def sft(path, tok):
    ds = load(path)
    assert ds.column_names == ["messages"], ds.column_names
    for r in ds:
        for m in r["messages"]:
            assert set(m) == {"role", "content"}, m
            assert m["role"] in ("system", "user", "assistant"), m
            assert isinstance(m["content"], str) and m["content"], m
        assert is_conversational(r), "TRL takes an SFT row as conversational"
        text = maybe_apply_chat_template(r, tok)["text"]
        assert r["messages"][-1]["content"] in text, "the answer is in the rendered text"
    return {"rows": ds.num_rows, "last_roles": [r["messages"][-1]["role"] for r in ds]}


def plain(path):
    ds = load(path)
    return {"rows": ds.to_list(), "columns": ds.column_names}


def main():
    tok = tokenizer()
    out = {}
    for arg in sys.argv[1:]:
        kind, path = arg.split("=", 1)
        check = {"preference": preference, "sft": sft}.get(kind)
        got = check(path, tok) if check else plain(path)
        out.setdefault(kind, []).append(got)
    json.dump(out, sys.stdout, ensure_ascii=False, default=str)


if __name__ == "__main__":
    main()
