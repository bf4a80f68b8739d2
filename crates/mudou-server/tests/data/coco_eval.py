"""COCOeval of Mudou's consensus boxes against the gold boxes.

Usage: python3 coco_eval.py GOLD.json CONSENSUS.json
Both are Mudou COCO exports of one order (`?format=coco&source=gold` and `?format=coco`):
same image ids (item ids) and category ids. Prints one JSON line with AP, AP50, AP75
and the number of images compared.
"""

import contextlib
import io
import json
import sys

from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval


def main(gold_path, consensus_path):
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(gold_path)
    with open(consensus_path, encoding="utf-8") as f:
        cons = json.load(f)
    assert cons["categories"] == gt.dataset["categories"], "category ids differ"
    images = set(gt.getImgIds())
    dets = [a for a in cons["annotations"] if a["image_id"] in images]
    if not dets:
        print(json.dumps({"images": len(images), "detections": 0, "AP": 0.0, "AP50": 0.0, "AP75": 0.0}))
        return
    with contextlib.redirect_stdout(io.StringIO()):
        dt = gt.loadRes(dets)
        ev = COCOeval(gt, dt, "bbox")
        ev.params.imgIds = sorted(images)
        ev.evaluate()
        ev.accumulate()
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        ev.summarize()
    print(buf.getvalue(), file=sys.stderr)
    s = [float(x) for x in ev.stats]
    # Gold items of an order get no consensus (they test the annotators), so their gold
    # boxes count as misses above; AP over the images that have a consensus leaves them out.
    labelled = sorted({a["image_id"] for a in dets})
    with contextlib.redirect_stdout(io.StringIO()):
        ev2 = COCOeval(gt, dt, "bbox")
        ev2.params.imgIds = labelled
        ev2.evaluate()
        ev2.accumulate()
        ev2.summarize()
    print(json.dumps({"images": len(images), "detections": len(dets), "AP": s[0], "AP50": s[1], "AP75": s[2],
                      "labelled_images": len(labelled), "AP_labelled": float(ev2.stats[0])}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
