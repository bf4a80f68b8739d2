#!/usr/bin/env python3
"""The reviews' model for the suggestions simulation (benches/suggest).

A real text classifier on `datasets/reviews/reviews.csv` (36 short Chinese shop reviews,
good / bad / neutral): TF-IDF of character 1- and 2-grams (no word segmenter needed for
Chinese) into a multinomial logistic regression. Each review's prediction comes from a
model that never saw it: stratified 6-fold cross-validated predictions (`cross_val_predict`),
so no review's own label is used to predict it.

Writes `reviews_pred.csv` beside this file: `id,label,pred,proba` (proba: the predicted
class's probability). Run: `python3 benches/suggest/model.py`.
"""
import csv
import os
import sys

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "..", "..", "datasets", "reviews", "reviews.csv")
OUT = os.path.join(HERE, "reviews_pred.csv")


def main() -> int:
    with open(SRC, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    ids = [r["id"] for r in rows]
    texts = [r["text"] for r in rows]
    labels = [r["label"] for r in rows]
    model = make_pipeline(
        TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True),
        LogisticRegression(C=10.0, max_iter=2000),
    )
    folds = StratifiedKFold(n_splits=6, shuffle=True, random_state=29)
    proba = cross_val_predict(model, texts, labels, cv=folds, method="predict_proba")
    classes = sorted(set(labels))  # predict_proba's column order (LogisticRegression.classes_)
    right = 0
    with open(OUT, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "label", "pred", "proba"])
        for i, p in enumerate(proba):
            k = max(range(len(classes)), key=lambda j: p[j])
            right += classes[k] == labels[i]
            w.writerow([ids[i], labels[i], classes[k], f"{p[k]:.4f}"])
    print(f"reviews: {right}/{len(rows)} right ({right / len(rows):.3f}), cross-validated, 6 folds -> {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
