"""Loads Mudou's CVAT for images XML and YOLO export through datumaro (the tool many
pipelines read them with) and prints what it understood as JSON, for it/yolo_cvat.rs to
compare with the known answers: `cvat=<dir with annotations.xml and images/>` and/or `yolo=<unzipped dir with
images/>`; `yolo_plain=<unzipped dir>` reads segmentation, oriented box and pose label files
the way Ultralytics checks them (data.yaml through PyYAML: `names` a list of `nc`, pose
`kpt_shape` and `flip_idx`; each line `5 + K × D` numbers for pose, an even count of at
least 6 otherwise, coordinates within 0–1, visibility 0, 1 or 2). datumaro 1.x reads CVAT boxes (and rotated boxes), polygons, polylines, points
and masks (not skeletons), and YOLO detection only (5 numbers a line)."""

import json
import glob
import os
import sys

import yaml

import datumaro as dm


def annotations(dataset):
    cats = dataset.categories()[dm.AnnotationType.label]
    out = {}
    for item in dataset:
        anns = []
        for a in item.annotations:
            d = {"type": a.type.name, "label": cats[a.label].name if a.label is not None else None}
            if a.type.name == "bbox":
                d["bbox"] = [float(v) for v in a.get_bbox()]
            elif a.type.name == "rotated_bbox":
                d["rotated"] = [float(a.cx), float(a.cy), float(a.w), float(a.h), float(a.r)]
            elif a.type.name in ("polygon", "polyline", "points"):
                d["points"] = [float(v) for v in a.points]
            elif a.type.name == "mask":
                d["area"] = int(a.image.sum())
                ys, xs = a.image.nonzero()
                d["bbox"] = [int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1]
            d["attributes"] = {k: v for k, v in a.attributes.items() if k not in ("occluded", "z_order")}
            anns.append(d)
        out[item.id] = anns
    return out


def plain_yolo(path):
    with open(os.path.join(path, "data.yaml"), encoding="utf-8") as f:
        cfg = yaml.safe_load(f)
    names = cfg["names"]
    assert isinstance(names, list) and cfg["nc"] == len(names), cfg
    kpt = cfg.get("kpt_shape")
    if kpt is not None:
        assert len(kpt) == 2 and kpt[1] in (2, 3), kpt
        assert sorted(cfg["flip_idx"]) == list(range(kpt[0])), cfg
    items = {}
    for f in sorted(glob.glob(os.path.join(path, "labels", "*.txt"))):
        rows = []
        with open(f, encoding="utf-8") as fp:
            for line in fp:
                v = line.split()
                cls = int(v[0])
                assert 0 <= cls < len(names), line
                nums = [float(x) for x in v[1:]]
                if kpt is not None:
                    assert len(v) == 5 + kpt[0] * kpt[1], line
                    pts = [nums[4 + i * kpt[1] : 4 + (i + 1) * kpt[1]] for i in range(kpt[0])]
                    assert all(p[2] in (0.0, 1.0, 2.0) for p in pts), line
                    coords = nums[:4] + [c for p in pts for c in p[:2]]
                    rows.append({"label": names[cls], "box": nums[:4], "keypoints": pts})
                else:
                    assert len(nums) >= 6 and len(nums) % 2 == 0, line
                    coords = nums
                    rows.append({"label": names[cls], "xy": [nums[i : i + 2] for i in range(0, len(nums), 2)]})
                assert all(0.0 <= c <= 1.0 for c in coords), line
        items[os.path.splitext(os.path.basename(f))[0]] = rows
    return {"names": names, "kpt_shape": kpt, "items": items}


def main():
    result = {}
    for arg in sys.argv[1:]:
        kind, path = arg.split("=", 1)
        if kind == "cvat":
            # A folder: annotations.xml and the pictures under images/ (datumaro opens them).
            result["cvat"] = annotations(dm.Dataset.import_from(path, "cvat"))
        elif kind == "yolo":
            result["yolo"] = annotations(dm.Dataset.import_from(path, "yolo"))
        elif kind == "yolo_plain":
            result["yolo_plain"] = plain_yolo(path)
    print(json.dumps(result))


main()
