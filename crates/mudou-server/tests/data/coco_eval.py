"""COCOeval of Mudou's consensus drawings against the gold ones.

Usage: python3 coco_eval.py GOLD.json CONSENSUS.json [--iou bbox|segm|keypoints]
Both are Mudou COCO exports of one order (`?format=coco&source=gold` and `?format=coco`):
same image ids (item ids) and category ids. `bbox` (default) compares boxes, `segm` the
outlines and masks (categories without `keypoints`), `keypoints` the skeletons by OKS with
the sigmas Mudou writes in the category (`sigmas`, set as COCOeval's `kpt_oks_sigmas`).
Prints one JSON line with AP, AP50, AP75 and the number of images compared.
"""

import contextlib
import io
import json
import sys

import numpy as np

from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval


def check_masks(anns):
    """Mudou's own bbox and area of each mask (RLE) annotation are pycocotools'."""
    for a in anns:
        seg = a.get("segmentation")
        if isinstance(seg, dict) and "mudou_polygon" not in a:
            rle = {"size": seg["size"], "counts": seg["counts"].encode()}
            bbox = [float(x) for x in mask_utils.toBbox(rle)]
            assert bbox == a["bbox"], f"bbox {a['bbox']} is not pycocotools' {bbox}"
            area = float(mask_utils.area(rle))
            assert area == a["area"], f"area {a['area']} is not pycocotools' {area}"


def main(gold_path, consensus_path, iou="bbox"):
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(gold_path)
    with open(consensus_path, encoding="utf-8") as f:
        cons = json.load(f)
    assert cons["categories"] == gt.dataset["categories"], "category ids differ"
    check_masks(gt.dataset["annotations"])
    check_masks(cons["annotations"])
    cats = gt.dataset["categories"]
    if iou == "keypoints":
        cat_ids = [c["id"] for c in cats if "keypoints" in c]
    elif iou == "segm":
        cat_ids = [c["id"] for c in cats if "keypoints" not in c]
    else:
        cat_ids = [c["id"] for c in cats]
    assert cat_ids, f"no category to compare by {iou}"
    sigmas = [c["sigmas"] for c in cats if c["id"] in cat_ids and "sigmas" in c]
    images = set(gt.getImgIds())
    dets = [a for a in cons["annotations"] if a["image_id"] in images and a["category_id"] in cat_ids]

    def evaluator(img_ids):
        ev = COCOeval(gt, dt, iou)
        ev.params.imgIds = img_ids
        ev.params.catIds = cat_ids
        if iou == "keypoints":
            ev.params.kpt_oks_sigmas = np.array(sigmas[0])
        return ev

    if not dets:
        print(json.dumps({"images": len(images), "detections": 0, "AP": 0.0, "AP50": 0.0, "AP75": 0.0}))
        return
    with contextlib.redirect_stdout(io.StringIO()):
        dt = gt.loadRes(dets)
        ev = evaluator(sorted(images))
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
        ev2 = evaluator(labelled)
        ev2.evaluate()
        ev2.accumulate()
        ev2.summarize()
    print(json.dumps({"iou": iou, "images": len(images), "detections": len(dets), "AP": s[0], "AP50": s[1], "AP75": s[2],
                      "labelled_images": len(labelled), "AP_labelled": float(ev2.stats[0])}))


if __name__ == "__main__":
    args = sys.argv[1:]
    kind = "bbox"
    if "--iou" in args:
        i = args.index("--iou")
        kind = args[i + 1]
        del args[i:i + 2]
    assert kind in ("bbox", "segm", "keypoints"), kind
    main(args[0], args[1], kind)
