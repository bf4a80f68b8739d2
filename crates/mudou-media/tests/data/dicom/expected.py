"""Writes expected.json: what pydicom reads from the test files here (the Rust tests compare).

For each file: rows, columns, frames, the rescaled values' min, max and the SHA-256 of the
values as little-endian i16 (after RescaleSlope/Intercept, slice order as stored), and the
geometry attributes. Run: python3 expected.py (needs pydicom and numpy).
"""
import hashlib, json
import numpy as np
import pydicom
from pydicom.pixels import apply_modality_lut

out = {}
for name in ["CT_small.dcm", "MR_small.dcm", "emri_small.dcm"]:
    ds = pydicom.dcmread(name)
    arr = apply_modality_lut(ds.pixel_array, ds).astype(np.float64)
    vals = np.rint(arr).astype("<i2")
    assert np.all(vals == arr), name
    out[name] = {
        "rows": int(ds.Rows),
        "columns": int(ds.Columns),
        "frames": int(getattr(ds, "NumberOfFrames", 1) or 1),
        "min": float(arr.min()),
        "max": float(arr.max()),
        "sha256_i16": hashlib.sha256(vals.tobytes()).hexdigest(),
        "pixel_spacing": [float(v) for v in getattr(ds, "PixelSpacing", [])],
        "position": [float(v) for v in getattr(ds, "ImagePositionPatient", [])],
        "orientation": [float(v) for v in getattr(ds, "ImageOrientationPatient", [])],
        "thickness": float(ds.SliceThickness) if "SliceThickness" in ds and ds.SliceThickness not in (None, "") else None,
    }
json.dump(out, open("expected.json", "w"), indent=1)
