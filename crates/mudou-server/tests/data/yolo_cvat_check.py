"""Loads Mudou's CVAT for images XML and YOLO export through datumaro (the tool many
pipelines read them with) and prints what it understood as JSON, for it/yolo_cvat.rs to
compare with the known answers: `cvat=<dir with annotations.xml and images/>` and/or `yolo=<unzipped dir with
images/>`. datumaro 1.x reads CVAT boxes (and rotated boxes), polygons, polylines, points
and masks (not skeletons), and YOLO detection only (5 numbers a line)."""

import json
import sys

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


def main():
    result = {}
    for arg in sys.argv[1:]:
        kind, path = arg.split("=", 1)
        if kind == "cvat":
            # A folder: annotations.xml and the pictures under images/ (datumaro opens them).
            result["cvat"] = annotations(dm.Dataset.import_from(path, "cvat"))
        elif kind == "yolo":
            result["yolo"] = annotations(dm.Dataset.import_from(path, "yolo"))
    print(json.dumps(result))


main()
