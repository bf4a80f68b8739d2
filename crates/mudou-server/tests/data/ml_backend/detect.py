"""A trivial shape detector for the shapes pictures (`datasets/shapes/`): the background is a
smooth gradient under noise, so a plane fitted per colour channel (refitted on the pixels it
explains) is the background, and the pixels far from it, in connected parts of some size,
are the shapes. Each part's bounding box is one detection; its score is how much of the box
the part fills, a rough sign of a clean shape."""

import numpy as np
from PIL import Image, ImageFilter
from scipy import ndimage

MIN_AREA = 400


def detect(path):
    """`[(x, y, w, h, score)]` in pixels, and the picture's (width, height)."""
    im = Image.open(path).convert("RGB")
    w, h = im.size
    a = np.asarray(im.filter(ImageFilter.BoxBlur(3))).astype(float)
    yy, xx = np.mgrid[0:h, 0:w]
    design = np.stack([xx.ravel(), yy.ravel(), np.ones(h * w)], 1)
    pixels = a.reshape(-1, 3)
    keep = np.ones(h * w, bool)
    for _ in range(3):
        coef, *_ = np.linalg.lstsq(design[keep], pixels[keep], rcond=None)
        res = np.abs(pixels - design @ coef).sum(1)
        keep = res < max(30.0, np.percentile(res[keep], 90))
    mask = ndimage.binary_opening((res > 60).reshape(h, w), iterations=2)
    parts, n = ndimage.label(mask)
    out = []
    for i, sl in enumerate(ndimage.find_objects(parts)):
        ys, xs = sl
        area = int((parts[sl] == i + 1).sum())
        if area < MIN_AREA:
            continue
        bw, bh = xs.stop - xs.start, ys.stop - ys.start
        out.append((xs.start, ys.start, bw, bh, min(1.0, area / float(bw * bh))))
    out.sort(key=lambda d: -d[2] * d[3])
    return out, (w, h)


if __name__ == "__main__":
    import csv, json, sys

    root = sys.argv[1]

    def iou(a, b):
        iw = max(0, min(a[0] + a[2], b["x"] + b["w"]) - max(a[0], b["x"]))
        ih = max(0, min(a[1] + a[3], b["y"] + b["h"]) - max(a[1], b["y"]))
        i = iw * ih
        return i / (a[2] * a[3] + b["w"] * b["h"] - i)

    hits = total = 0
    for r in csv.DictReader(open(f"{root}/manifest.csv")):
        found, _ = detect(f"{root}/{r['file']}")
        for g in json.loads(r["boxes"]):
            total += 1
            hits += any(iou(d, g) >= 0.5 for d in found)
    print(f"{hits}/{total} shapes found at IoU >= 0.5")
