"""Makes the DICOM series the server tests upload, from REAL slices of pydicom's test data.

    python3 make_series.py            # the test fixtures (small, committed): ct/, mr/, burned/, mixed/
    python3 make_series.py bench DIR  # 300 slices of 693_UNCR.dcm (512×512 CT) into DIR

Each series copies one real slice N times with ImagePositionPatient 1.25 mm apart along z,
fresh (deterministic) Study/Series/SOP Instance UIDs, and identifying values planted in every
PS3.15 basic-profile attribute Mudou removes, so the tests can look for them everywhere
(blob store, database, API answers, logs). planted.json lists the planted strings and the
original UIDs; expected.json what pydicom reads (geometry, rescaled values of a slice).
Needs pydicom (MIT) and numpy.
"""
import hashlib
import json
import os
import sys

import numpy as np
import pydicom
from pydicom.data import get_testdata_file
from pydicom.pixels import apply_modality_lut

ROOT = "1.2.826.0.1.3680043.8.498.8848"

PLANTED = {
    "PatientName": "ZHANG^SAN^TEST",
    "PatientID": "PID-8848-SECRET",
    "PatientBirthDate": "19470312",
    "PatientAddress": "8848 Everest Lane",
    "OtherPatientIDs": "OTHER-8848-SECRET",
    "PatientTelephoneNumbers": "TEL-13888488480",
    "StudyDate": "20240229",
    "SeriesDate": "20240228",
    "AcquisitionDate": "20240227",
    "ContentDate": "20240226",
    "StudyTime": "101112.987654",
    "AccessionNumber": "ACC-8848-SECRET",
    "InstitutionName": "Secret County Hospital 8848",
    "InstitutionAddress": "88 Secret Road, Secretville",
    "ReferringPhysicianName": "LI^SI^DOCTOR",
    "PerformingPhysicianName": "WANG^WU^DOCTOR",
    "OperatorsName": "ZHAO^LIU^OPERATOR",
    "StationName": "STN-8848-SECRET",
    "StudyID": "STUDY-8848",
    "StudyDescription": "SECRET-STUDY-DESC-8848",
    "SeriesDescription": "SECRET-SERIES-DESC-8848",
    "DeviceSerialNumber": "SN-8848-SECRET",
    "ProtocolName": "PROTO-8848-SECRET",
    "ImageComments": "COMMENT-8848-SECRET",
}
PRIVATE = "PRIVATE-8848-SECRET"


def uid(*parts):
    return ROOT + "." + ".".join(str(p) for p in parts)


def clean(ds):
    """Drops the source file's own identifying values, then plants ours."""
    for kw in ["PatientName", "PatientID", "OtherPatientIDs", "PatientBirthDate",
               "InstitutionName", "ReferringPhysicianName"]:
        if kw in ds:
            del ds[kw]
    ds.remove_private_tags()
    for kw, v in PLANTED.items():
        setattr(ds, kw, v)
    block = ds.private_block(0x0009, "MUDOU TEST", create=True)
    block.add_new(0x01, "LO", PRIVATE)


def series(src, out_dir, n, study, series_no, step=1.25, edit=None, name="s"):
    os.makedirs(out_dir, exist_ok=True)
    uids = {"study": uid(study), "series": uid(study, series_no), "sop": []}
    for i in range(n):
        ds = pydicom.dcmread(get_testdata_file(src))
        clean(ds)
        ds.StudyInstanceUID = uids["study"]
        ds.SeriesInstanceUID = uids["series"]
        sop = uid(study, series_no, i + 1)
        uids["sop"].append(sop)
        ds.SOPInstanceUID = sop
        ds.file_meta.MediaStorageSOPInstanceUID = sop
        ds.FrameOfReferenceUID = uid(study, 99)
        ds.InstanceNumber = i + 1
        if "ImagePositionPatient" in ds:
            x, y, z = [float(v) for v in ds.ImagePositionPatient]
        else:
            x, y, z = 0.0, 0.0, 0.0
        ds.ImagePositionPatient = [x, y, round(z + i * step, 4)]
        ds.SliceThickness = step
        if edit:
            edit(ds, i)
        # Files written out of order, so ordering by position is tested.
        ds.save_as(os.path.join(out_dir, f"{name}{(i * 7) % n:03d}.dcm"), enforce_file_format=True)
    return uids


def rescaled_sha(src):
    ds = pydicom.dcmread(get_testdata_file(src))
    arr = apply_modality_lut(ds.pixel_array, ds).astype(np.float64)
    vals = np.rint(arr).astype("<i2")
    assert np.all(vals == arr)
    return hashlib.sha256(vals.tobytes()).hexdigest(), float(arr.min()), float(arr.max())


def fixtures():
    here = os.path.dirname(os.path.abspath(__file__))
    os.chdir(here)
    planted = {"values": list(PLANTED.values()) + [PRIVATE], "uids": []}
    ct = series("CT_small.dcm", "ct", 5, 1, 1)
    mr = series("MR_small.dcm", "mr", 1, 2, 1)

    def burn(ds, i):
        ds.BurnedInAnnotation = "YES"

    burned = series("CT_small.dcm", "burned", 2, 3, 1, edit=burn)

    def mix(ds, i):
        if i == 1:
            # Half the size: a series of mixed sizes.
            ds.PixelData = ds.pixel_array[::2, ::2].copy().tobytes()
            ds.Rows, ds.Columns = 64, 64

    mixed = series("CT_small.dcm", "mixed", 2, 4, 1, edit=mix)
    for u in (ct, mr, burned, mixed):
        planted["uids"] += [u["study"], u["series"]] + u["sop"]
    json.dump(planted, open("planted.json", "w"), indent=1)
    src = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    sha, lo, hi = rescaled_sha("CT_small.dcm")
    expected = {
        "ct": {
            "columns": int(src.Columns), "rows": int(src.Rows), "slices": 5,
            "spacing": [float(src.PixelSpacing[1]), float(src.PixelSpacing[0])],
            "slice_step": 1.25,
            "origin": [float(v) for v in src.ImagePositionPatient],
            "orientation": [float(v) for v in src.ImageOrientationPatient],
            "slice_sha256_i16": sha, "min": lo, "max": hi,
            "window": {"center": float(src.WindowCenter), "width": float(src.WindowWidth)}
            if "WindowCenter" in src else None,
        },
        "mr": {"columns": 64, "rows": 64, "slices": 1},
    }
    json.dump(expected, open("expected.json", "w"), indent=1)


def bench(out_dir):
    series("693_UNCR.dcm", out_dir, 300, 5, 1, name="ct")


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "bench":
        bench(sys.argv[2])
    else:
        fixtures()
