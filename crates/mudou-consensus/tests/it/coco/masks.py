"""Writes masks.json: polygons rasterised by pycocotools (the reference the Rust port of
`rleFrPoly` is checked against in tests/it/shapes.rs), with their compressed RLE, areas and
pairwise IoUs. Run: `pip install pycocotools && python3 masks.py` (in this folder)."""
import json
import math
import random

from pycocotools import mask as cm

random.seed(28)
H, W = 97, 131
shapes = [
    [10, 10, 60, 12, 55, 70, 12, 50],                      # a quadrilateral
    [20.3, 5.7, 90.1, 40.9, 30.6, 80.2],                    # a triangle, fractions
    [100.0, 10.0, 140.0, 30.0, 120.0, 110.0],               # partly outside the picture
    [5.0, 5.0, 6.0, 90.0, 7.0, 5.0],                        # a sliver
]
for _ in range(6):  # stars
    cx, cy, n = random.uniform(20, 110), random.uniform(20, 80), random.randint(5, 20)
    pts = []
    for i in range(n):
        a = 2 * math.pi * i / n
        r = random.uniform(4, 25)
        pts += [round(cx + r * math.cos(a), 2), round(cy + r * math.sin(a), 2)]
    shapes.append(pts)
rles = [cm.frPyObjects([p], H, W)[0] for p in shapes]
ious = cm.iou(rles, rles, [0] * len(rles)).tolist()
out = {
    "height": H,
    "width": W,
    "shapes": [
        {"polygon": p, "counts": r["counts"].decode(), "area": int(cm.area(r))}
        for p, r in zip(shapes, rles)
    ],
    "iou": ious,
}
with open("masks.json", "w") as f:
    json.dump(out, f, indent=1)
