"""Builds the demo's medical series from pydicom's real test files (pydicom, MIT licence).

- `ct_head/` : 16 axial slices, 128 x 128, 5 mm apart, made from the one real CT slice of
  pydicom's `CT_small.dcm`: slice k is the real pixels shifted k/2 pixels down and k/3 right, so
  the stack changes as one scrolls, with a small bright round spot (a stand-in for an aneurysm,
  300 HU over the tissue, 4 px across) on slices 6-8 to find. Every slice carries made-up
  identifying values (a patient name, id, birth date, institution, physician) that the ingest
  must remove.
- `emri_small.dcm`: pydicom's real 10-frame MR, as it ships.

Run: python3 datasets/medical/make.py   (needs pydicom and numpy)
"""
import copy
import os
import shutil
import zipfile

import numpy as np
import pydicom
from pydicom.data import get_testdata_file
from pydicom.uid import generate_uid

HERE = os.path.dirname(os.path.abspath(__file__))


def ct_series(n=16):
    src = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    base = src.pixel_array.astype(np.int32)
    study, series, frame = generate_uid(), generate_uid(), generate_uid()
    out = []
    yy, xx = np.mgrid[0:128, 0:128]
    for k in range(n):
        ds = copy.deepcopy(src)
        px = np.roll(base, (k // 2, k // 3), axis=(0, 1))
        if 6 <= k <= 8:
            spot = (yy - 70) ** 2 + (xx - 52) ** 2 <= 4
            px = np.where(spot, px + 300, px)
        ds.PixelData = px.astype(np.int16).tobytes()
        ds.StudyInstanceUID = study
        ds.SeriesInstanceUID = series
        ds.FrameOfReferenceUID = frame
        ds.SOPInstanceUID = generate_uid()
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.InstanceNumber = k + 1
        x, y, z = [float(v) for v in src.ImagePositionPatient]
        ds.ImagePositionPatient = [x, y, round(z + 5.0 * k, 3)]
        ds.SliceLocation = round(z + 5.0 * k, 3)
        ds.PatientName = "WANG^XIAOMING^DEMO"
        ds.PatientID = "DEMO-PID-31"
        ds.PatientBirthDate = "19700101"
        ds.InstitutionName = "Demo County Hospital"
        ds.ReferringPhysicianName = "LI^DOCTOR^DEMO"
        ds.AccessionNumber = "ACC-DEMO-31"
        ds.StudyDate = "20260301"
        ds.SeriesDescription = "HEAD CTA DEMO"
        ds.BurnedInAnnotation = "NO"
        out.append(ds)
    return out


def main():
    with zipfile.ZipFile(os.path.join(HERE, "ct_head.zip"), "w", zipfile.ZIP_DEFLATED) as z:
        for k, ds in enumerate(ct_series()):
            path = os.path.join(HERE, f"slice{k:02}.dcm")
            ds.save_as(path, enforce_file_format=True)
            z.write(path, f"ct_head/slice{k:02}.dcm")
            os.remove(path)
    shutil.copy(get_testdata_file("emri_small.dcm"), os.path.join(HERE, "emri_small.dcm"))


if __name__ == "__main__":
    main()
