"""A real Label Studio ML backend for Mudou's tests, built on the label-studio-ml SDK
(`label_studio_ml`): `GET /health`, `POST /setup`, `POST /predict`, `POST /webhook`.

- Text orders (a `Choices` on a `Text`): a scikit-learn classifier (character n-grams,
  logistic regression) trained at start-up on `datasets/reviews/reviews.csv`, answering the
  choice with its probability as the score.
- Picture orders (a `RectangleLabels` on an `Image`): the trivial detector of `detect.py`
  on the shapes pictures, its boxes in percent of the picture, each named by how much of its
  box the shape fills (a square fills it, a circle ~0.79, a triangle ~0.5, a star less).

Pictures are fetched by their (signed) http links through the SDK's `get_local_path`.
With `--token T` every call must carry `Authorization: Bearer T` (else 401). `GET /trained`
(not part of the protocol) lists the items the training events (`/webhook`) told of.

    python3 serve.py --port 9090 [--token T] [--model-dir DIR]
"""

import argparse
import csv
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", "..", "..", ".."))

# One model per project (`{order}.{created}`), each with its own label config: the SDK's
# per-project mode (its "V2" mode keeps one model for whichever project was set up last).
os.environ["LABEL_STUDIO_ML_BACKEND_V2"] = ""

from flask import jsonify, request  # noqa: E402
from label_studio_ml.api import init_app  # noqa: E402
from label_studio_ml.model import LabelStudioMLBase  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

import detect  # noqa: E402

VERSION = "mudou-test-backend-1"


def train_reviews():
    path = os.path.join(ROOT, "datasets", "reviews", "reviews.csv")
    with open(path, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    clf = make_pipeline(
        TfidfVectorizer(analyzer="char", ngram_range=(1, 2)),
        LogisticRegression(max_iter=1000, C=10.0),
    )
    clf.fit([r["text"] for r in rows], [r["label"] for r in rows])
    return clf


CLASSIFIER = None


def shape_name(fill, labels):
    """The shape a box's fill suggests, among the labels offered (else the first)."""
    guess = "square" if fill > 0.88 else "circle" if fill > 0.65 else "triangle" if fill > 0.47 else "star"
    return guess if guess in labels else labels[0]


class Model(LabelStudioMLBase):
    def predict(self, tasks, **kwargs):
        out = []
        for task in tasks:
            result, scores = [], []
            for from_name, tag in self.parsed_label_config.items():
                to_name = tag["to_name"][0]
                inp = tag["inputs"][0]
                value = task["data"].get(inp["value"])
                if value is None:
                    continue
                if tag["type"] == "Choices" and inp["type"] in ("Text", "HyperText"):
                    probs = CLASSIFIER.predict_proba([value])[0]
                    ranked = sorted(zip(CLASSIFIER.classes_, probs), key=lambda p: -p[1])
                    offered = [c for c in ranked if c[0] in tag["labels"]]
                    if not offered:
                        continue
                    label, p = offered[0]
                    scores.append(float(p))
                    result.append({"from_name": from_name, "to_name": to_name, "type": "choices",
                                   "value": {"choices": [label]}})
                elif tag["type"] == "RectangleLabels" and inp["type"] == "Image":
                    path = self.get_local_path(value)
                    found, (w, h) = detect.detect(path)
                    for i, (x, y, bw, bh, fill) in enumerate(found):
                        scores.append(0.5 + fill / 2)
                        result.append({
                            "id": f"{task['id']}-{i}", "from_name": from_name, "to_name": to_name,
                            "type": "rectanglelabels", "original_width": w, "original_height": h,
                            "value": {"x": 100.0 * x / w, "y": 100.0 * y / h,
                                      "width": 100.0 * bw / w, "height": 100.0 * bh / h,
                                      "rotation": 0,
                                      "rectanglelabels": [shape_name(fill, tag["labels"])]},
                        })
            score = min(scores) if scores else 0.0
            out.append({"result": result, "score": score, "model_version": VERSION})
        return out

    def fit(self, tasks, workdir=None, **kwargs):
        data = kwargs.get("data") or {}
        return {"task": (data.get("task") or {}).get("id"),
                "results": len((data.get("annotation") or {}).get("result") or [])}


def main():
    global CLASSIFIER
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--token")
    ap.add_argument("--model-dir")
    args = ap.parse_args()
    CLASSIFIER = train_reviews()
    model_dir = args.model_dir or tempfile.mkdtemp(prefix="ml-backend-")
    os.environ.setdefault("MODEL_DIR", model_dir)
    app = init_app(model_class=Model, model_dir=model_dir)

    # The training events seen (the SDK names its job folders by the second, so events of
    # one second share one: they are counted here, as they come in).
    told = []

    @app.before_request
    def check_token():
        if args.token and request.path != "/trained":
            if request.headers.get("Authorization") != f"Bearer {args.token}":
                return jsonify({"detail": "unauthorized"}), 401
        if request.path == "/webhook" and request.method == "POST":
            ev = request.get_json(silent=True) or {}
            told.append({"event": ev.get("action"),
                         "task": (ev.get("task") or {}).get("id"),
                         "results": len((ev.get("annotation") or {}).get("result") or [])})
        return None

    @app.route("/trained", methods=["GET"])
    def trained():
        return jsonify(sorted(told, key=lambda i: (i["task"] or 0)))

    print(f"ml backend on {args.host}:{args.port}", flush=True)
    app.run(host=args.host, port=args.port, threaded=True, use_reloader=False)


if __name__ == "__main__":
    main()
