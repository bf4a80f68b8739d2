"""Label Studio's own tools read Mudou's Label Studio export of the drawn kinds.

Usage: ls_shapes_check.py EXPORT.json CONFIG.xml ANSWERS.json OUT_DIR

- every brush result is decoded with Label Studio's `decode_rle` (label_studio_sdk) and
  compared, pixel by pixel, with the mask Mudou holds (ANSWERS: file name -> answer, the
  masks as COCO RLE, decoded with pycocotools);
- the export is converted to COCO by Label Studio's own `Converter.convert_to_coco`: its
  polygons must be Mudou's polygons in pixels; Label Studio's YOLO OBB converter must turn
  each rotated rectangle onto the rotated box's corners;
- Label Studio's brush-to-COCO converter reads the brushes too.

Prints a JSON summary of what was checked; exits non-zero on any difference.
"""

import json
import math
import os
import sys

import numpy as np
from pycocotools import mask as coco_mask
from label_studio_sdk.converter import Converter
from label_studio_sdk.converter.converter import Format
from label_studio_sdk.converter.brush import decode_rle
from label_studio_sdk.converter.utils import convert_annotation_to_yolo_obb


def main():
    export_path, config_path, answers_path, out_dir = sys.argv[1:5]
    tasks = json.load(open(export_path))
    config = open(config_path).read()
    answers = json.load(open(answers_path))
    summary = {"brushes": 0, "polygons": 0, "rotated": 0}

    # 1. Brushes, decoded by Label Studio, equal Mudou's masks.
    for task in tasks:
        name = task["data"]["file_name"]
        want = answers[name]
        brushes = [r for r in task["predictions"][0]["result"] if r["type"] == "brushlabels"]
        masks = want.get("paint", [])
        assert len(brushes) == len(masks), (name, len(brushes), len(masks))
        for r, m in zip(brushes, masks):
            h, w = r["original_height"], r["original_width"]
            rgba = decode_rle(r["value"]["rle"])
            assert rgba.size == w * h * 4, (rgba.size, w, h)
            ls = np.reshape(rgba, [h, w, 4])[:, :, 3] > 0
            rle = {"size": m["rle"]["size"], "counts": m["rle"]["counts"].encode()}
            ours = coco_mask.decode(rle).astype(bool)
            assert ls.shape == ours.shape, (ls.shape, ours.shape)
            diff = int((ls != ours).sum())
            assert diff == 0, f"{name}: {diff} pixels differ"
            summary["brushes"] += 1

    # 2. Label Studio's COCO converter on the export (the consensus predictions as the
    # annotations it reads).
    as_annotated = []
    for task in tasks:
        t = dict(task)
        t["annotations"] = [{"result": task["predictions"][0]["result"]}]
        as_annotated.append(t)
    src = os.path.join(out_dir, "tasks.json")
    json.dump(as_annotated, open(src, "w"))
    conv = Converter(config=config, project_dir=out_dir, download_resources=False)
    coco_dir = os.path.join(out_dir, "coco")
    conv.convert_to_coco(src, coco_dir, is_dir=False)
    coco = json.load(open(os.path.join(coco_dir, "result.json")))
    # The converter prefixes each picture with a hash of its link: "7a409827__p0.jpg".
    images = {im["id"]: os.path.basename(im["file_name"]).split("__", 1)[-1] for im in coco["images"]}
    cats = {c["id"]: c["name"] for c in coco["categories"]}
    by_name = {}
    for a in coco["annotations"]:
        by_name.setdefault(images[a["image_id"]], []).append(a)
    for task in tasks:
        name = task["data"]["file_name"]
        want = answers[name]
        file_key = os.path.basename(task["data"]["image"].split("?")[0])
        got = by_name.get(file_key, [])
        polys = [a for a in got if a.get("segmentation") and cats[a["category_id"]] in ("road", "grass")]
        assert len(polys) == len(want.get("area", [])), (name, file_key, list(by_name), [(a["category_id"], a.get("segmentation")) for a in got], cats)
        for a, p in zip(polys, want["area"]):
            flat = a["segmentation"][0]
            pts = list(zip(flat[0::2], flat[1::2]))
            assert len(pts) == len(p["points"]), (pts, p["points"])
            for (x, y), (px, py) in zip(pts, p["points"]):
                assert abs(x - px) < 0.02 and abs(y - py) < 0.02, ((x, y), (px, py))
            assert cats[a["category_id"]] == p["label"], (cats[a["category_id"]], p["label"])
            summary["polygons"] += 1
        # Rotated boxes: Label Studio's YOLO OBB converter turns each about its corner
        # (its COCO converter writes only an upright bounding box, worked out in percent).
        ships = [r for r in task["predictions"][0]["result"] if r["from_name"] == "ships"]
        assert len(ships) == len(want.get("ships", [])), (name, ships)
        for r, b in zip(ships, want.get("ships", [])):
            label = dict(r["value"], original_width=r["original_width"], original_height=r["original_height"])
            got_corners = convert_annotation_to_yolo_obb(label, normalize=False)
            th = math.radians(b["angle"])
            c, s = math.cos(th), math.sin(th)
            hw, hh = b["w"] / 2, b["h"] / 2
            ours = [(b["cx"] + x * c - y * s, b["cy"] + x * s + y * c)
                    for x, y in [(-hw, -hh), (hw, -hh), (hw, hh), (-hw, hh)]]
            for (gx, gy), (ox, oy) in zip(got_corners, ours):
                assert abs(gx - ox) < 0.01 and abs(gy - oy) < 0.01, (got_corners, ours)
            summary["rotated"] += 1

    # 3. Label Studio's brush-to-COCO converter reads every brush.
    brush_out = os.path.join(out_dir, "brush")
    brush_tasks = [t for t in as_annotated if any(r["type"] == "brushlabels" for r in t["annotations"][0]["result"])]
    brush_src = os.path.join(out_dir, "brush_tasks.json")
    json.dump(brush_tasks, open(brush_src, "w"))
    conv.convert(brush_src, brush_out, Format.BRUSH_TO_COCO, is_dir=False)
    found = [f for f in os.listdir(brush_out) if f.endswith(".json")]
    assert found, os.listdir(brush_out)
    bc = json.load(open(os.path.join(brush_out, found[0])))
    lesion = [c["id"] for c in bc["categories"] if c["name"] == "lesion"]
    painted = [a for a in bc["annotations"] if a["category_id"] in lesion]
    assert len(painted) == summary["brushes"], (bc["categories"], summary)
    for a in painted:
        assert a["segmentation"] and a["area"] > 0, a
    summary["brush_coco"] = len(painted)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
