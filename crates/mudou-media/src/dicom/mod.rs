//! DICOM in: read files, de-identify them, group them into series, order the slices and
//! make one volume blob ("MDV1", see [`volume`]) per series. Pure: no SQL, no HTTP.
//!
//! Every file is judged on its own: a file that is not DICOM, is damaged or truncated, uses a
//! transfer syntax this build cannot decode, or holds a colour picture is refused with a
//! reason and the others go on. A series whose slices do not fit together (sizes, spacing or
//! orientation differ, two slices at one place, uneven gaps) is refused whole, each of its
//! files with the reason.
//!
//! De-identification ([`deid`]) runs on each data set right after it is read, before any
//! value is taken from it; the study and series UIDs kept are the salted hashes, and their
//! originals are returned only for the caller's `dicom_uids` table.

pub mod deid;
pub mod volume;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::PathBuf;

use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dicom_object::{InMemDicomObject, OpenFileOptions};
use dicom_pixeldata::PixelDecoder;
use mudou_domain::volume::VolumeGeometry;

use crate::{DecodeBudget, sha256_hex};
pub use deid::{UidLevel, deid_uid, deidentify};
pub use volume::{MDV1_MAGIC, VolumeDtype, VolumeHeader, Window, read_volume_header, write_volume};

/// The media type of a volume blob.
pub const VOLUME_MIME: &str = "application/x-mudou-volume";

/// Whether bytes look like a DICOM Part 10 file (`DICM` after the 128-byte preamble).
pub fn is_dicom(bytes: &[u8]) -> bool {
    bytes.len() >= 132 && &bytes[128..132] == b"DICM"
}

/// A file (or a series' files) that could not be taken, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DicomRefusal {
    /// The file's name as uploaded (its path in the ZIP).
    pub file: String,
    /// A stable code: `not_dicom`, `dicom_damaged`, `dicom_truncated`,
    /// `dicom_unsupported_syntax`, `dicom_unsupported`, `dicom_colour`, `dicom_no_pixels`,
    /// `dicom_mixed_series`, `too_large`, `decode_busy`.
    pub code: &'static str,
    /// Why, in words (never a value from the file other than sizes and syntax names).
    pub reason: String,
}

/// A study/series UID replaced, with its original (for the `dicom_uids` table).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UidPair {
    pub deid: String,
    pub original: String,
    pub level: UidLevel,
}

/// One series made into a volume.
#[derive(Clone, Debug)]
pub struct SeriesVolume {
    /// De-identified study and series UIDs.
    pub study_uid: String,
    pub series_uid: String,
    pub modality: String,
    /// BurnedInAnnotation says YES, or is absent on a modality that burns text in (US, SC/OT):
    /// the series waits for its client's decision.
    pub burned_in: bool,
    pub header: VolumeHeader,
    /// The MDV1 blob and its SHA-256 (hex).
    pub blob: Vec<u8>,
    pub sha256: String,
    /// The files it was made of, in slice order (multi-frame files once).
    pub files: Vec<String>,
    /// The study and series UIDs' originals.
    pub uids: Vec<UidPair>,
}

/// What [`import_dicom`] made of a set of files.
#[derive(Debug, Default)]
pub struct DicomImport {
    pub series: Vec<SeriesVolume>,
    pub refused: Vec<DicomRefusal>,
}

/// Limits of a DICOM import.
#[derive(Clone, Debug)]
pub struct DicomLimits {
    /// Most slices in one series.
    pub max_slices: u32,
    /// Most columns or rows.
    pub max_side: u32,
    /// The decode memory a series reserves its volume from.
    pub budget: DecodeBudget,
}

impl Default for DicomLimits {
    fn default() -> Self {
        DicomLimits {
            max_slices: 2000,
            max_side: 4096,
            budget: DecodeBudget::unlimited(),
        }
    }
}

/// Transfer syntaxes this build decodes (pure-Rust decoders only).
const SUPPORTED_SYNTAXES: &[&str] = &[
    "1.2.840.10008.1.2",      // implicit VR little endian
    "1.2.840.10008.1.2.1",    // explicit VR little endian
    "1.2.840.10008.1.2.1.99", // deflated explicit VR little endian
    "1.2.840.10008.1.2.2",    // explicit VR big endian
    "1.2.840.10008.1.2.5",    // RLE lossless
    "1.2.840.10008.1.2.4.50", // JPEG baseline
    "1.2.840.10008.1.2.4.51", // JPEG extended
    "1.2.840.10008.1.2.4.57", // JPEG lossless
    "1.2.840.10008.1.2.4.70", // JPEG lossless, first-order prediction
    "1.2.840.10008.1.2.4.90", // JPEG 2000 lossless
    "1.2.840.10008.1.2.4.91", // JPEG 2000
];

fn syntax_name(uid: &str) -> String {
    let name = match uid {
        "1.2.840.10008.1.2.4.80" => "JPEG-LS lossless",
        "1.2.840.10008.1.2.4.81" => "JPEG-LS near-lossless",
        "1.2.840.10008.1.2.4.92" | "1.2.840.10008.1.2.4.93" => "JPEG 2000 part 2",
        "1.2.840.10008.1.2.4.201" | "1.2.840.10008.1.2.4.202" | "1.2.840.10008.1.2.4.203" => {
            "High-Throughput JPEG 2000"
        }
        "1.2.840.10008.1.2.4.110" | "1.2.840.10008.1.2.4.111" | "1.2.840.10008.1.2.4.112" => {
            "JPEG XL"
        }
        u if u.starts_with("1.2.840.10008.1.2.4.10") => "MPEG video",
        "1.2.840.10008.1.2.4.100" => "MPEG-2 video",
        _ => "",
    };
    if name.is_empty() {
        format!("transfer syntax {uid}")
    } else {
        format!("{name} ({uid})")
    }
}

/// A slice (one frame of a file) ready to be stacked.
struct Frame {
    file_index: usize,
    frame: u32,
    position: Option<[f64; 3]>,
    instance: i64,
}

/// What one file holds after de-identification, pixels decoded later.
struct Parsed {
    file: String,
    /// The file's place in the import's list: its pixels are read again from there when
    /// the series is decoded, so one parsed file at a time is in memory, not all of them.
    index: usize,
    study: String,
    series: String,
    uids: Vec<UidPair>,
    modality: String,
    burned_in: bool,
    rows: u32,
    columns: u32,
    frames: u32,
    spacing: [f64; 2],
    orientation: Option<[f64; 6]>,
    positions: Vec<Option<[f64; 3]>>,
    instance: i64,
    thickness: Option<f64>,
    between: Option<f64>,
    invert: bool,
    window: Option<Window>,
}

fn refusal(file: &str, code: &'static str, reason: impl Into<String>) -> DicomRefusal {
    DicomRefusal {
        file: file.to_string(),
        code,
        reason: reason.into(),
    }
}

fn floats(obj: &InMemDicomObject, tag: Tag) -> Option<Vec<f64>> {
    obj.get(tag)
        .and_then(|e| e.to_multi_float64().ok())
        .filter(|v| !v.is_empty() && v.iter().all(|x| x.is_finite()))
}

fn float(obj: &InMemDicomObject, tag: Tag) -> Option<f64> {
    floats(obj, tag).map(|v| v[0])
}

fn text(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    obj.get(tag)
        .and_then(|e| e.to_str().ok())
        .map(|s| s.trim_matches(['\0', ' ']).to_string())
        .filter(|s| !s.is_empty())
}

/// The first item of a sequence.
fn first_item(obj: &InMemDicomObject, tag: Tag) -> Option<&InMemDicomObject> {
    obj.get(tag).and_then(|e| e.items()).and_then(|i| i.first())
}

/// A value from the root, else from the shared functional groups' `group` sequence.
fn shared_floats(obj: &InMemDicomObject, group: Tag, tag: Tag) -> Option<Vec<f64>> {
    floats(obj, tag).or_else(|| {
        first_item(obj, tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE)
            .and_then(|s| first_item(s, group))
            .and_then(|g| floats(g, tag))
    })
}

fn arr3(v: &[f64]) -> Option<[f64; 3]> {
    (v.len() >= 3).then(|| [v[0], v[1], v[2]])
}

fn norm(v: [f64; 3]) -> f64 {
    (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt()
}

fn unit(v: [f64; 3]) -> Option<[f64; 3]> {
    let n = norm(v);
    (n.is_finite() && n > 1e-9).then(|| [v[0] / n, v[1] / n, v[2] / n])
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// Opens a DICOM file's bytes. The reader's own words are never passed on: they may quote
/// a value of the file.
fn open(file: &str, bytes: &[u8]) -> Result<dicom_object::DefaultDicomObject, DicomRefusal> {
    OpenFileOptions::new()
        .read_preamble(dicom_object::file::ReadPreamble::Always)
        .from_reader(bytes)
        .map_err(|_| {
            refusal(
                file,
                "dicom_damaged",
                "the DICOM file cannot be read: it is damaged or ends early",
            )
        })
}

/// Reads and de-identifies one file (no pixel decoding yet); the object is dropped once
/// its facts are read.
fn parse(
    index: usize,
    file: &str,
    bytes: &[u8],
    salt: &[u8],
    limits: &DicomLimits,
) -> Result<Parsed, DicomRefusal> {
    if !is_dicom(bytes) {
        return Err(refusal(
            file,
            "not_dicom",
            "not a DICOM file (no DICM marker after the 128-byte preamble)",
        ));
    }
    let mut obj = open(file, bytes)?;
    let uid_map = deidentify(&mut obj, salt);
    let ts = obj
        .meta()
        .transfer_syntax()
        .trim_end_matches(['\0', ' '])
        .to_string();
    let study = text(&obj, tags::STUDY_INSTANCE_UID).unwrap_or_else(|| deid_uid(salt, "no-study"));
    let series = text(&obj, tags::SERIES_INSTANCE_UID)
        .unwrap_or_else(|| deid_uid(salt, &format!("no-series:{study}")));
    let mut uids = Vec::new();
    for (d, level) in [(&study, UidLevel::Study), (&series, UidLevel::Series)] {
        if let Some(o) = uid_map.get(d) {
            uids.push(UidPair {
                deid: d.clone(),
                original: o.clone(),
                level,
            });
        }
    }
    if obj.get(tags::PIXEL_DATA).is_none() {
        return Err(refusal(
            file,
            "dicom_no_pixels",
            "the DICOM file holds no picture (a report, a plan or a presentation state)",
        ));
    }
    if !SUPPORTED_SYNTAXES.contains(&ts.as_str()) {
        return Err(refusal(
            file,
            "dicom_unsupported_syntax",
            format!(
                "{} cannot be decoded here; please send it uncompressed, JPEG, JPEG 2000 or RLE",
                syntax_name(&ts)
            ),
        ));
    }
    let samples = obj
        .get(tags::SAMPLES_PER_PIXEL)
        .and_then(|e| e.to_int::<u16>().ok())
        .unwrap_or(1);
    let photometric = text(&obj, tags::PHOTOMETRIC_INTERPRETATION).unwrap_or_default();
    if samples != 1 || !(photometric == "MONOCHROME1" || photometric == "MONOCHROME2") {
        return Err(refusal(
            file,
            "dicom_colour",
            format!(
                "a colour picture ({}), not a grey medical series",
                if photometric.is_empty() {
                    "RGB"
                } else {
                    &photometric
                }
            ),
        ));
    }
    let bits = obj
        .get(tags::BITS_ALLOCATED)
        .and_then(|e| e.to_int::<u16>().ok())
        .unwrap_or(0);
    if bits != 8 && bits != 16 {
        return Err(refusal(
            file,
            "dicom_unsupported",
            format!("{bits}-bit pixels are not a picture series Mudou reads (8 or 16 bits)"),
        ));
    }
    let int = |t: Tag| obj.get(t).and_then(|e| e.to_int::<i64>().ok());
    let rows = int(tags::ROWS).unwrap_or(0);
    let columns = int(tags::COLUMNS).unwrap_or(0);
    if rows <= 0 || columns <= 0 {
        return Err(refusal(
            file,
            "dicom_damaged",
            "the picture has no rows or columns",
        ));
    }
    if rows > limits.max_side as i64 || columns > limits.max_side as i64 {
        return Err(refusal(
            file,
            "too_large",
            format!(
                "{columns}×{rows} pixels; the limit is {} a side",
                limits.max_side
            ),
        ));
    }
    let frames = int(tags::NUMBER_OF_FRAMES).unwrap_or(1).max(1);
    if frames > limits.max_slices as i64 {
        return Err(refusal(
            file,
            "too_large",
            format!("{frames} frames; the limit is {}", limits.max_slices),
        ));
    }
    // Native pixel data must hold every frame.
    if matches!(
        ts.as_str(),
        "1.2.840.10008.1.2"
            | "1.2.840.10008.1.2.1"
            | "1.2.840.10008.1.2.2"
            | "1.2.840.10008.1.2.1.99"
    ) {
        let need = rows as u64 * columns as u64 * frames as u64 * (bits as u64 / 8);
        let have = obj
            .get(tags::PIXEL_DATA)
            .map(|e| e.value().to_bytes().map(|b| b.len() as u64).unwrap_or(0))
            .unwrap_or(0);
        if have < need {
            return Err(refusal(
                file,
                "dicom_truncated",
                format!("the pixel data is truncated: {have} of {need} bytes"),
            ));
        }
    }
    let modality = text(&obj, tags::MODALITY).unwrap_or_else(|| "OT".to_string());
    let burned = text(&obj, tags::BURNED_IN_ANNOTATION).map(|s| s.to_ascii_uppercase());
    let burned_in = match burned.as_deref() {
        Some("YES") => true,
        Some(_) => false,
        None => matches!(modality.as_str(), "US" | "SC" | "OT" | "XC" | "ES"),
    };
    // PixelSpacing is [row spacing, column spacing] = [sy, sx].
    let spacing = shared_floats(&obj, tags::PIXEL_MEASURES_SEQUENCE, tags::PIXEL_SPACING)
        .or_else(|| floats(&obj, tags::IMAGER_PIXEL_SPACING))
        .filter(|v| v.len() >= 2 && v[0] > 0.0 && v[1] > 0.0)
        .map(|v| [v[1], v[0]])
        .unwrap_or([1.0, 1.0]);
    let orientation = shared_floats(
        &obj,
        tags::PLANE_ORIENTATION_SEQUENCE,
        tags::IMAGE_ORIENTATION_PATIENT,
    )
    .filter(|v| v.len() >= 6)
    .map(|v| [v[0], v[1], v[2], v[3], v[4], v[5]]);
    let thickness = shared_floats(&obj, tags::PIXEL_MEASURES_SEQUENCE, tags::SLICE_THICKNESS)
        .map(|v| v[0])
        .filter(|t| *t > 0.0);
    let between = shared_floats(
        &obj,
        tags::PIXEL_MEASURES_SEQUENCE,
        tags::SPACING_BETWEEN_SLICES,
    )
    .map(|v| v[0].abs())
    .filter(|t| *t > 0.0);
    let root_position = floats(&obj, tags::IMAGE_POSITION_PATIENT).and_then(|v| arr3(&v));
    let per_frame: Vec<Option<[f64; 3]>> = obj
        .get(tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE)
        .and_then(|e| e.items())
        .map(|items| {
            items
                .iter()
                .map(|it| {
                    first_item(it, tags::PLANE_POSITION_SEQUENCE)
                        .and_then(|p| floats(p, tags::IMAGE_POSITION_PATIENT))
                        .and_then(|v| arr3(&v))
                })
                .collect()
        })
        .unwrap_or_default();
    let positions = if frames == 1 {
        vec![root_position.or_else(|| per_frame.first().copied().flatten())]
    } else if per_frame.len() == frames as usize {
        per_frame
    } else {
        vec![None; frames as usize]
    };
    let window = match (
        float(&obj, tags::WINDOW_CENTER),
        float(&obj, tags::WINDOW_WIDTH),
    ) {
        (Some(center), Some(width)) if width > 0.0 => Some(Window { center, width }),
        _ => None,
    };
    Ok(Parsed {
        file: file.to_string(),
        study,
        series,
        uids,
        modality,
        burned_in,
        rows: rows as u32,
        columns: columns as u32,
        frames: frames as u32,
        spacing,
        orientation,
        positions,
        instance: int(tags::INSTANCE_NUMBER).unwrap_or(0),
        thickness,
        between,
        invert: photometric == "MONOCHROME1",
        window,
        index,
    })
}

/// Where a DICOM file's bytes are. An import reads each file twice, one file at a time: for
/// its facts, then for its pixels when its series is stacked.
pub trait DicomSource {
    fn bytes(&self) -> std::io::Result<Cow<'_, [u8]>>;
}

impl DicomSource for Vec<u8> {
    fn bytes(&self) -> std::io::Result<Cow<'_, [u8]>> {
        Ok(Cow::Borrowed(self))
    }
}

/// A DICOM file of an upload: in memory, or written aside to disk (`Disk`) so that an upload's
/// files need not all be held in memory while its series are made.
#[derive(Debug)]
pub enum DicomFile {
    Memory(Vec<u8>),
    Disk(PathBuf),
}

impl DicomSource for DicomFile {
    fn bytes(&self) -> std::io::Result<Cow<'_, [u8]>> {
        match self {
            DicomFile::Memory(b) => Ok(Cow::Borrowed(b)),
            DicomFile::Disk(p) => std::fs::read(p).map(Cow::Owned),
        }
    }
}

/// The refusal of a file that cannot be read back (a file written aside that went missing).
fn unreadable(file: &str) -> DicomRefusal {
    refusal(file, "dicom_damaged", "the file could not be read back")
}

/// Reads DICOM files (name, bytes) into series volumes. `salt` is the organisation's UID
/// salt. Files of every series and every refusal come back; nothing is written anywhere.
pub fn import_dicom<S: DicomSource>(
    files: &[(String, S)],
    salt: &[u8],
    limits: &DicomLimits,
) -> DicomImport {
    let mut out = DicomImport::default();
    let mut parsed = Vec::new();
    for (index, (name, source)) in files.iter().enumerate() {
        let one = match source.bytes() {
            Ok(bytes) => parse(index, name, &bytes, salt, limits),
            Err(_) => Err(unreadable(name)),
        };
        match one {
            Ok(p) => parsed.push(p),
            Err(r) => out.refused.push(r),
        }
    }
    // Group by (study, series); BTreeMap keeps the output order stable.
    let mut groups: BTreeMap<(String, String), Vec<Parsed>> = BTreeMap::new();
    for p in parsed {
        groups
            .entry((p.study.clone(), p.series.clone()))
            .or_default()
            .push(p);
    }
    for (_, mut members) in groups {
        members.sort_by(|a, b| a.file.cmp(&b.file));
        match build_series(&members, files, limits) {
            Ok(s) => out.series.push(s),
            Err((code, reason)) => {
                for m in &members {
                    out.refused.push(refusal(&m.file, code, reason.clone()));
                }
            }
        }
    }
    out
}

type SeriesError = (&'static str, String);

fn mixed(reason: impl Into<String>) -> SeriesError {
    ("dicom_mixed_series", reason.into())
}

/// Stacks a series' files into a volume.
fn build_series<S: DicomSource>(
    members: &[Parsed],
    files: &[(String, S)],
    limits: &DicomLimits,
) -> Result<SeriesVolume, SeriesError> {
    let first = &members[0];
    for m in members {
        if (m.columns, m.rows) != (first.columns, first.rows) {
            return Err(mixed(format!(
                "the series mixes picture sizes ({}×{} and {}×{}); a series must be one size",
                first.columns, first.rows, m.columns, m.rows
            )));
        }
        if (0..2).any(|i| (m.spacing[i] - first.spacing[i]).abs() > 1e-3) {
            return Err(mixed("the series mixes pixel spacings"));
        }
        let same_orientation = match (m.orientation, first.orientation) {
            (Some(a), Some(b)) => a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-3),
            (None, None) => true,
            _ => false,
        };
        if !same_orientation {
            return Err(mixed("the series mixes slice orientations"));
        }
        if m.invert != first.invert {
            return Err(mixed("the series mixes MONOCHROME1 and MONOCHROME2 slices"));
        }
    }
    let (row_dir, col_dir) = match first.orientation {
        Some(o) => {
            let r = unit([o[0], o[1], o[2]]);
            let c = unit([o[3], o[4], o[5]]);
            match (r, c) {
                (Some(r), Some(c)) if dot(r, c).abs() < 1e-2 => (r, c),
                _ => return Err(("dicom_damaged", "the slice orientation is not valid".into())),
            }
        }
        None => ([1.0, 0.0, 0.0], [0.0, 1.0, 0.0]),
    };
    let normal = unit(cross(row_dir, col_dir)).unwrap_or([0.0, 0.0, 1.0]);
    let mut frames: Vec<Frame> = Vec::new();
    for (file_index, m) in members.iter().enumerate() {
        for f in 0..m.frames {
            frames.push(Frame {
                file_index,
                frame: f,
                position: m.positions.get(f as usize).copied().flatten(),
                instance: m.instance,
            });
        }
    }
    let n = frames.len();
    if n > limits.max_slices as usize {
        return Err((
            "too_large",
            format!("{n} slices; the limit is {} a series", limits.max_slices),
        ));
    }
    let all_placed = frames.iter().all(|f| f.position.is_some());
    let nominal = first.between.or(first.thickness).unwrap_or(1.0);
    let (origin, slice_dir, slice_step) = if all_placed && n > 1 {
        frames.sort_by(|a, b| {
            let da = dot(a.position.unwrap_or_default(), normal);
            let db = dot(b.position.unwrap_or_default(), normal);
            da.total_cmp(&db)
        });
        let ds: Vec<f64> = frames
            .iter()
            .map(|f| dot(f.position.unwrap_or_default(), normal))
            .collect();
        let gaps: Vec<f64> = ds.windows(2).map(|w| w[1] - w[0]).collect();
        if gaps.iter().any(|g| *g < 1e-3) {
            return Err(mixed("two slices of the series are at the same place"));
        }
        let p0 = frames[0].position.unwrap_or_default();
        let pn = frames[n - 1].position.unwrap_or_default();
        let span = [pn[0] - p0[0], pn[1] - p0[1], pn[2] - p0[2]];
        let step = norm(span) / (n - 1) as f64;
        let along = (ds[n - 1] - ds[0]) / (n - 1) as f64;
        if gaps
            .iter()
            .any(|g| (g - along).abs() > (0.1f64).max(along * 0.1))
        {
            return Err(mixed(
                "the slices are not evenly spaced (is a slice missing?)",
            ));
        }
        let dir = unit(span).unwrap_or(normal);
        (p0, dir, step)
    } else {
        frames.sort_by_key(|f| (f.instance, f.file_index, f.frame));
        let origin = frames[0].position.unwrap_or([0.0; 3]);
        (origin, normal, nominal)
    };
    let geometry = VolumeGeometry {
        columns: first.columns,
        rows: first.rows,
        slices: n as u32,
        spacing: first.spacing,
        slice_step,
        thickness: first.thickness,
        origin,
        row_dir,
        col_dir,
        slice_dir,
    };
    geometry.validate().map_err(|e| {
        (
            "dicom_damaged",
            format!("the series' geometry is not usable: {e}"),
        )
    })?;

    // Decode file by file, in slice order of their first frame; frames go to their place.
    let mut order_of: Vec<Vec<(u32, usize)>> = vec![Vec::new(); members.len()];
    for (z, f) in frames.iter().enumerate() {
        order_of[f.file_index].push((f.frame, z));
    }
    let per_slice = first.columns as u64 * first.rows as u64;
    let biggest_file = members.iter().map(|m| m.frames as u64).max().unwrap_or(1);
    let file_memory = per_slice * biggest_file * 6;
    let lead = &members[frames[0].file_index];
    let own_window = lead.window.or(first.window);
    let header_of = |dtype, lo: f64, hi: f64| VolumeHeader {
        geometry: geometry.clone(),
        dtype,
        modality: first.modality.clone(),
        invert: first.invert,
        // The series' own window is its first slice's.
        window: own_window.unwrap_or(Window {
            center: (lo + hi) / 2.0,
            width: (hi - lo).max(1.0),
        }),
        range: [lo, hi],
    };

    // Most series (CT in Hounsfield units, most MR) are whole numbers that fit an i16: they
    // are written as such as they are decoded, straight into the blob after room for its
    // header, so a 300-slice 512 × 512 CT needs 150 MiB and not 600. A value that does not
    // fit stops this and the series is decoded again the wide way below.
    let narrow = {
        let voxels = per_slice as usize * n;
        let _memory = limits
            .budget
            .reserve(voxels as u64 * 2 + HEADER_ROOM as u64 + file_memory)
            .map_err(|e| (e.code(), e.to_string()))?;
        let mut blob = vec![0u8; HEADER_ROOM + voxels * 2];
        let (mut lo, mut hi) = (f32::INFINITY, f32::NEG_INFINITY);
        let fits = decode_frames(members, files, &order_of, per_slice, |z, v| {
            let at = HEADER_ROOM + z * per_slice as usize * 2;
            for (i, x) in v.iter().enumerate() {
                if !(x.fract() == 0.0 && *x >= i16::MIN as f32 && *x <= i16::MAX as f32) {
                    return false;
                }
                lo = lo.min(*x);
                hi = hi.max(*x);
                blob[at + 2 * i..at + 2 * i + 2].copy_from_slice(&(*x as i16).to_le_bytes());
            }
            true
        })?;
        if fits && lo.is_finite() && hi.is_finite() {
            let header = header_of(VolumeDtype::I16, lo as f64, hi as f64);
            let json = serde_json::to_vec(&header).expect("a volume header serialises");
            if json.len() + 8 <= HEADER_ROOM {
                let start = HEADER_ROOM - 8 - json.len();
                blob[start..start + 4].copy_from_slice(MDV1_MAGIC);
                blob[start + 4..start + 8].copy_from_slice(&(json.len() as u32).to_le_bytes());
                blob[start + 8..HEADER_ROOM].copy_from_slice(&json);
                blob.drain(..start);
                Some((header, blob))
            } else {
                let data = blob.split_off(HEADER_ROOM);
                Some((header.clone(), write_volume(&header, &data)))
            }
        } else {
            None
        }
    };
    let (header, blob) = match narrow {
        Some(done) => done,
        None => {
            // Memory: the volume at its widest (f32) plus one file's decoded frames.
            let _memory = limits
                .budget
                .reserve(per_slice * n as u64 * 4 + file_memory)
                .map_err(|e| (e.code(), e.to_string()))?;
            let mut values = vec![0f32; per_slice as usize * n];
            decode_frames(members, files, &order_of, per_slice, |z, v| {
                values[z * per_slice as usize..(z + 1) * per_slice as usize].copy_from_slice(v);
                true
            })?;
            let (mut lo, mut hi) = (f32::INFINITY, f32::NEG_INFINITY);
            let mut integral = true;
            for &v in &values {
                lo = lo.min(v);
                hi = hi.max(v);
                integral &= v.fract() == 0.0;
            }
            if !lo.is_finite() || !hi.is_finite() {
                return Err(("dicom_damaged", "the pixel values are not numbers".into()));
            }
            let dtype = if integral && lo >= i16::MIN as f32 && hi <= i16::MAX as f32 {
                VolumeDtype::I16
            } else if integral && lo >= 0.0 && hi <= u16::MAX as f32 {
                VolumeDtype::U16
            } else {
                VolumeDtype::F32
            };
            let mut data = Vec::with_capacity(values.len() * dtype.size());
            match dtype {
                VolumeDtype::I16 => values
                    .iter()
                    .for_each(|v| data.extend_from_slice(&(*v as i16).to_le_bytes())),
                VolumeDtype::U16 => values
                    .iter()
                    .for_each(|v| data.extend_from_slice(&(*v as u16).to_le_bytes())),
                VolumeDtype::F32 => values
                    .iter()
                    .for_each(|v| data.extend_from_slice(&v.to_le_bytes())),
            }
            drop(values);
            let header = header_of(dtype, lo as f64, hi as f64);
            let blob = write_volume(&header, &data);
            (header, blob)
        }
    };
    let sha256 = sha256_hex(&blob);
    let mut files: Vec<String> = Vec::new();
    for f in &frames {
        let name = &members[f.file_index].file;
        if !files.contains(name) {
            files.push(name.clone());
        }
    }
    let mut uids: Vec<UidPair> = Vec::new();
    for m in members {
        for u in &m.uids {
            if !uids.contains(u) {
                uids.push(u.clone());
            }
        }
    }
    Ok(SeriesVolume {
        study_uid: first.study.clone(),
        series_uid: first.series.clone(),
        modality: first.modality.clone(),
        burned_in: members.iter().any(|m| m.burned_in),
        header,
        blob,
        sha256,
        files,
        uids,
    })
}

/// Room left in front of a volume's values for its header, written there in place.
const HEADER_ROOM: usize = 4096;

/// Decodes every member's frames, one file at a time (opened again from its bytes and
/// dropped when done), handing each frame (its slice index, its values after rescale) to
/// `put`; stops early (`Ok(false)`) when `put` says so.
fn decode_frames<S: DicomSource>(
    members: &[Parsed],
    files: &[(String, S)],
    order_of: &[Vec<(u32, usize)>],
    per_slice: u64,
    mut put: impl FnMut(usize, &[f32]) -> bool,
) -> Result<bool, SeriesError> {
    for (fi, m) in members.iter().enumerate() {
        let bytes = files[m.index]
            .1
            .bytes()
            .map_err(|_| ("dicom_damaged", unreadable(&m.file).reason))?;
        let obj = open(&m.file, &bytes)
            .map_err(|r| ("dicom_damaged", format!("{}: {}", m.file, r.reason)))?;
        let decoded = obj.decode_pixel_data().map_err(|e| {
            (
                "dicom_damaged",
                format!("{}: the pixel data cannot be decoded ({e})", m.file),
            )
        })?;
        if decoded.rows() != m.rows || decoded.columns() != m.columns {
            return Err((
                "dicom_damaged",
                format!("{}: the pixel data does not match its size", m.file),
            ));
        }
        for &(frame, z) in &order_of[fi] {
            let v: Vec<f32> = decoded.to_vec_frame(frame).map_err(|e| {
                (
                    "dicom_truncated",
                    format!("{}: frame {} cannot be read ({e})", m.file, frame + 1),
                )
            })?;
            if v.len() != per_slice as usize {
                return Err((
                    "dicom_truncated",
                    format!("{}: frame {} is incomplete", m.file, frame + 1),
                ));
            }
            if !put(z, &v) {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests;
