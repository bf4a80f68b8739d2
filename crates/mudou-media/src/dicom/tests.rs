//! Tests on real files from pydicom's test data (tests/data/dicom, see its README).

use std::path::PathBuf;

use dicom_core::header::Header;

use super::*;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/dicom")
}

fn file(name: &str) -> (String, Vec<u8>) {
    let bytes = std::fs::read(data_dir().join(name)).unwrap();
    (name.to_string(), bytes)
}

fn expected(name: &str) -> serde_json::Value {
    let all: serde_json::Value =
        serde_json::from_slice(&std::fs::read(data_dir().join("expected.json")).unwrap()).unwrap();
    all[name].clone()
}

fn one(files: &[(String, Vec<u8>)]) -> SeriesVolume {
    let imp = import_dicom(files, b"salt", &DicomLimits::default());
    assert!(imp.refused.is_empty(), "{:?}", imp.refused);
    assert_eq!(imp.series.len(), 1);
    imp.series.into_iter().next().unwrap()
}

fn data_of(s: &SeriesVolume) -> &[u8] {
    let (_, at) = read_volume_header(&s.blob).unwrap();
    &s.blob[at..]
}

/// The i16 values' SHA-256, as expected.py computes it.
fn sha_i16(s: &SeriesVolume) -> String {
    assert_eq!(s.header.dtype, VolumeDtype::I16);
    sha256_hex(data_of(s))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-4
}

#[test]
fn a_ct_slice_matches_pydicom() {
    let s = one(&[file("CT_small.dcm")]);
    let e = expected("CT_small.dcm");
    let g = &s.header.geometry;
    assert_eq!((g.columns, g.rows, g.slices), (128, 128, 1));
    assert_eq!(s.header.modality, "CT");
    assert!(!s.header.invert);
    assert!(!s.burned_in);
    assert_eq!(
        s.header.range,
        [e["min"].as_f64().unwrap(), e["max"].as_f64().unwrap()]
    );
    assert_eq!(sha_i16(&s), e["sha256_i16"].as_str().unwrap());
    let sp = e["pixel_spacing"].as_array().unwrap();
    assert!(close(g.spacing[0], sp[1].as_f64().unwrap()));
    assert!(close(g.spacing[1], sp[0].as_f64().unwrap()));
    for i in 0..3 {
        assert!(close(g.origin[i], e["position"][i].as_f64().unwrap()));
        assert!(close(g.row_dir[i], e["orientation"][i].as_f64().unwrap()));
        assert!(close(
            g.col_dir[i],
            e["orientation"][i + 3].as_f64().unwrap()
        ));
    }
    assert_eq!(g.thickness, Some(5.0));
    // One slice: its step is its thickness.
    assert_eq!(g.slice_step, 5.0);
    assert!(s.study_uid.starts_with("2.25.") && s.series_uid.starts_with("2.25."));
    let levels: Vec<_> = s.uids.iter().map(|u| u.level).collect();
    assert_eq!(levels, vec![UidLevel::Study, UidLevel::Series]);
    assert!(s.uids.iter().all(|u| !u.original.starts_with("2.25.")));
    assert_eq!(s.sha256, sha256_hex(&s.blob));
}

#[test]
fn compressed_and_big_endian_twins_decode_to_the_same_values() {
    let plain = one(&[file("MR_small.dcm")]);
    assert_eq!(sha_i16(&plain), expected("MR_small.dcm")["sha256_i16"]);
    for twin in [
        "MR_small_RLE.dcm",
        "MR_small_jp2klossless.dcm",
        "MR_small_bigendian.dcm",
    ] {
        let s = one(&[file(twin)]);
        assert_eq!(data_of(&s), data_of(&plain), "{twin}");
        assert_eq!(s.header.geometry, plain.header.geometry, "{twin}");
    }
}

#[test]
fn a_multi_frame_file_is_a_stack() {
    let s = one(&[file("emri_small.dcm")]);
    let e = expected("emri_small.dcm");
    let g = &s.header.geometry;
    assert_eq!((g.columns, g.rows, g.slices), (64, 64, 10));
    // No per-frame positions: frames are SpacingBetweenSlices (1.2 mm) apart.
    assert!(close(g.slice_step, 1.2));
    assert_eq!(s.header.bytes_per_slice(), 64 * 64 * 2);
    assert_eq!(sha_i16(&s), e["sha256_i16"]);
    assert_eq!(s.files, vec!["emri_small.dcm".to_string()]);
}

#[test]
fn bad_files_are_refused_one_by_one() {
    let garbage = ("notes.txt".to_string(), b"hello, not a scan".to_vec());
    let mut fake = vec![0u8; 200];
    fake[128..132].copy_from_slice(b"DICM");
    let imp = import_dicom(
        &[
            file("CT_small.dcm"),
            garbage,
            ("fake.dcm".into(), fake),
            file("MR_truncated.dcm"),
            file("SC_rgb_small_odd.dcm"),
            file("MR_small_jpeg_ls_lossless.dcm"),
        ],
        b"salt",
        &DicomLimits::default(),
    );
    assert_eq!(imp.series.len(), 1);
    let code_of = |f: &str| {
        imp.refused
            .iter()
            .find(|r| r.file == f)
            .map(|r| r.code)
            .unwrap_or("taken")
    };
    assert_eq!(code_of("notes.txt"), "not_dicom");
    assert_eq!(code_of("fake.dcm"), "dicom_damaged");
    assert!(
        matches!(
            code_of("MR_truncated.dcm"),
            "dicom_truncated" | "dicom_damaged"
        ),
        "{:?}",
        imp.refused
    );
    assert_eq!(code_of("SC_rgb_small_odd.dcm"), "dicom_colour");
    assert_eq!(
        code_of("MR_small_jpeg_ls_lossless.dcm"),
        "dicom_unsupported_syntax"
    );
    let ls = imp
        .refused
        .iter()
        .find(|r| r.code == "dicom_unsupported_syntax")
        .unwrap();
    assert!(ls.reason.contains("JPEG-LS"), "{}", ls.reason);
    assert_eq!(imp.refused.len(), 5);
}

/// Rewrites a test file with some attributes changed.
fn edited(name: &str, edit: impl FnOnce(&mut dicom_object::DefaultDicomObject)) -> Vec<u8> {
    let (_, bytes) = file(name);
    let mut obj = OpenFileOptions::new()
        .read_preamble(dicom_object::file::ReadPreamble::Always)
        .from_reader(&bytes[..])
        .unwrap();
    edit(&mut obj);
    let mut out = Vec::new();
    obj.write_all(&mut out).unwrap();
    out
}

fn put_str(obj: &mut dicom_object::DefaultDicomObject, tag: Tag, vr: dicom_core::VR, v: &str) {
    obj.put(dicom_core::DataElement::new(
        tag,
        vr,
        dicom_core::PrimitiveValue::from(v),
    ));
}

#[test]
fn a_series_of_mixed_sizes_is_refused_whole() {
    let (_, ct) = file("CT_small.dcm");
    let ct_obj = OpenFileOptions::new()
        .read_preamble(dicom_object::file::ReadPreamble::Always)
        .from_reader(&ct[..])
        .unwrap();
    let study = text(&ct_obj, tags::STUDY_INSTANCE_UID).unwrap();
    let series = text(&ct_obj, tags::SERIES_INSTANCE_UID).unwrap();
    let mr = edited("MR_small.dcm", |o| {
        put_str(o, tags::STUDY_INSTANCE_UID, dicom_core::VR::UI, &study);
        put_str(o, tags::SERIES_INSTANCE_UID, dicom_core::VR::UI, &series);
    });
    let imp = import_dicom(
        &[("a.dcm".into(), ct), ("b.dcm".into(), mr)],
        b"salt",
        &DicomLimits::default(),
    );
    assert!(imp.series.is_empty());
    assert_eq!(imp.refused.len(), 2);
    assert!(imp.refused.iter().all(|r| r.code == "dicom_mixed_series"));
    assert!(
        imp.refused[0].reason.contains("128×128"),
        "{}",
        imp.refused[0].reason
    );
}

#[test]
fn two_slices_at_one_place_are_refused() {
    let imp = import_dicom(
        &[file("MR_small.dcm"), file("MR_small_RLE.dcm")],
        b"salt",
        &DicomLimits::default(),
    );
    assert!(imp.series.is_empty());
    assert!(imp.refused.iter().all(|r| r.code == "dicom_mixed_series"));
}

#[test]
fn slices_are_ordered_by_position_and_monochrome1_inverts() {
    // Three copies of CT_small 1.25 mm apart, given out of order, one MONOCHROME1.
    let mut files = Vec::new();
    for (i, z) in [(0, 2.5f64), (1, 0.0), (2, 1.25)] {
        let bytes = edited("CT_small.dcm", |o| {
            let pos = format!("-158.135803\\-179.035797\\{}", -75.699997 + z);
            put_str(o, tags::IMAGE_POSITION_PATIENT, dicom_core::VR::DS, &pos);
            put_str(
                o,
                tags::SOP_INSTANCE_UID,
                dicom_core::VR::UI,
                &format!("1.2.3.{i}"),
            );
            put_str(
                o,
                tags::INSTANCE_NUMBER,
                dicom_core::VR::IS,
                &format!("{}", 3 - i),
            );
            put_str(
                o,
                tags::WINDOW_CENTER,
                dicom_core::VR::DS,
                &format!("{}", 10 + i),
            );
            put_str(o, tags::WINDOW_WIDTH, dicom_core::VR::DS, "400");
        });
        files.push((format!("s{i}.dcm"), bytes));
    }
    let s = one(&files);
    let g = &s.header.geometry;
    assert_eq!(g.slices, 3);
    assert!(close(g.slice_step, 1.25));
    assert!(close(g.origin[2], -75.699997));
    assert_eq!(g.slice_dir, [0.0, 0.0, 1.0]);
    assert_eq!(s.files, vec!["s1.dcm", "s2.dcm", "s0.dcm"]);
    // The first slice's window.
    assert_eq!(
        s.header.window,
        Window {
            center: 11.0,
            width: 400.0
        }
    );
    assert_eq!(s.header.bytes_per_slice(), 128 * 128 * 2);

    let m1 = edited("MR_small.dcm", |o| {
        put_str(
            o,
            tags::PHOTOMETRIC_INTERPRETATION,
            dicom_core::VR::CS,
            "MONOCHROME1",
        );
    });
    let s = one(&[("m1.dcm".into(), m1)]);
    assert!(s.header.invert);
}

#[test]
fn burned_in_annotation_holds_the_series() {
    let yes = edited("CT_small.dcm", |o| {
        put_str(o, tags::BURNED_IN_ANNOTATION, dicom_core::VR::CS, "YES");
    });
    assert!(one(&[("y.dcm".into(), yes)]).burned_in);
    let us = edited("MR_small.dcm", |o| {
        put_str(o, tags::MODALITY, dicom_core::VR::CS, "US");
    });
    assert!(one(&[("u.dcm".into(), us)]).burned_in);
}

#[test]
fn nothing_identifying_survives_in_the_blob() {
    let (_, ct) = file("CT_small.dcm");
    let mut obj = OpenFileOptions::new()
        .read_preamble(dicom_object::file::ReadPreamble::Always)
        .from_reader(&ct[..])
        .unwrap();
    let name = text(&obj, tags::PATIENT_NAME).unwrap();
    let study = text(&obj, tags::STUDY_INSTANCE_UID).unwrap();
    let map = deidentify(&mut obj, b"salt");
    assert!(obj.get(tags::PATIENT_NAME).is_none());
    assert!(obj.get(tags::PATIENT_ID).is_none());
    assert!(obj.get(tags::STUDY_DATE).is_none());
    assert!(
        obj.iter().all(|e| e.tag().group() % 2 == 0),
        "private tags remain"
    );
    let d = text(&obj, tags::STUDY_INSTANCE_UID).unwrap();
    assert_eq!(map.get(&d), Some(&study));
    let s = one(&[file("CT_small.dcm")]);
    let blob = String::from_utf8_lossy(&s.blob);
    assert!(!blob.contains(&name));
    assert!(!blob.contains(&study));
}

#[test]
fn a_small_budget_refuses_a_series_too_big_for_it() {
    let limits = DicomLimits {
        budget: DecodeBudget::new(1000, std::time::Duration::ZERO),
        ..DicomLimits::default()
    };
    let imp = import_dicom(&[file("CT_small.dcm")], b"salt", &limits);
    assert!(imp.series.is_empty());
    assert_eq!(imp.refused[0].code, "too_large");
}

#[test]
fn a_whole_number_series_needs_two_bytes_a_voxel() {
    // CT_small: 128 × 128 whole Hounsfield units. Its i16 values, the header's room and one
    // file's decode (6 bytes a pixel) fit in 4 bytes a voxel short of the wide way's need.
    let px = 128 * 128;
    let limits = DicomLimits {
        budget: DecodeBudget::new(px * 2 + 4096 + px * 6, std::time::Duration::ZERO),
        ..DicomLimits::default()
    };
    let imp = import_dicom(&[file("CT_small.dcm")], b"salt", &limits);
    assert!(imp.refused.is_empty(), "{:?}", imp.refused);
    let s = &imp.series[0];
    assert_eq!(s.header.dtype, VolumeDtype::I16);
    assert_eq!(
        sha_i16(s),
        expected("CT_small.dcm")["sha256_i16"].as_str().unwrap()
    );
    // The blob is exactly its header and its values: the header written in place.
    let (h, at) = read_volume_header(&s.blob).unwrap();
    assert_eq!(s.blob.len() as u64, at as u64 + h.data_bytes());
}

#[test]
fn values_that_are_not_whole_numbers_are_kept_as_f32() {
    // A rescale slope of 0.5 makes half-units: the narrow way stops and the series is read
    // again the wide way, every value kept.
    let bytes = edited("CT_small.dcm", |obj| {
        put_str(obj, tags::RESCALE_SLOPE, dicom_core::VR::DS, "0.5");
    });
    let s = one(&[("ct.dcm".into(), bytes)]);
    assert_eq!(s.header.dtype, VolumeDtype::F32);
    let e = expected("CT_small.dcm");
    let (lo, hi) = (e["min"].as_f64().unwrap(), e["max"].as_f64().unwrap());
    // min and max were (raw − 1024); now raw / 2 − 1024.
    assert!(
        close(s.header.range[0], (lo + 1024.0) / 2.0 - 1024.0),
        "{:?}",
        s.header.range
    );
    assert!(
        close(s.header.range[1], (hi + 1024.0) / 2.0 - 1024.0),
        "{:?}",
        s.header.range
    );
    let data = data_of(&s);
    assert_eq!(data.len(), 128 * 128 * 4);
    assert!(
        data.chunks(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .any(|v| v.fract() == 0.5)
    );
}

#[test]
fn files_written_aside_read_as_the_same_series_and_a_lost_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (name, bytes) = file("emri_small.dcm");
    let path = dir.path().join("a.dcm");
    std::fs::write(&path, &bytes).unwrap();
    let on_disk = import_dicom(
        &[(name.clone(), DicomFile::Disk(path))],
        b"salt",
        &DicomLimits::default(),
    );
    let in_memory = one(&[(name.clone(), bytes)]);
    assert!(on_disk.refused.is_empty(), "{:?}", on_disk.refused);
    assert_eq!(on_disk.series[0].sha256, in_memory.sha256);
    let lost = import_dicom(
        &[(name, DicomFile::Disk(dir.path().join("gone.dcm")))],
        b"salt",
        &DicomLimits::default(),
    );
    assert!(lost.series.is_empty());
    assert_eq!(lost.refused[0].code, "dicom_damaged");
}
