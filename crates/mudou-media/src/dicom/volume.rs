//! The volume blob ("MDV1"): a header in JSON, then the values of every slice.
//!
//! ```text
//! bytes 0..4      b"MDV1"
//! bytes 4..8      u32 little-endian: n, the header's length
//! bytes 8..8+n    header, UTF-8 JSON (VolumeHeader)
//! then            slices × rows × columns values, little-endian, of `dtype`, slice 0 first
//! ```

use mudou_domain::volume::VolumeGeometry;
use serde::{Deserialize, Serialize};

use crate::MediaError;

/// The magic at the start of a volume blob.
pub const MDV1_MAGIC: &[u8; 4] = b"MDV1";

/// The longest header a volume blob may have (bytes).
pub const MAX_HEADER_BYTES: u32 = 64 * 1024;

/// The type of a volume's values (after rescale).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VolumeDtype {
    I16,
    U16,
    F32,
}

impl VolumeDtype {
    /// Bytes per value.
    pub fn size(self) -> usize {
        match self {
            VolumeDtype::I16 | VolumeDtype::U16 => 2,
            VolumeDtype::F32 => 4,
        }
    }
}

/// The window a series asks to be shown with (its first slice's, else its value range).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Window {
    pub center: f64,
    pub width: f64,
}

/// The JSON header of a volume blob (contract §1).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VolumeHeader {
    pub geometry: VolumeGeometry,
    pub dtype: VolumeDtype,
    /// DICOM Modality ("OT" when absent).
    pub modality: String,
    /// MONOCHROME1: high values are drawn dark.
    pub invert: bool,
    pub window: Window,
    /// The smallest and largest value in the volume.
    pub range: [f64; 2],
}

impl VolumeHeader {
    /// Bytes of one slice's values.
    pub fn bytes_per_slice(&self) -> u64 {
        self.geometry.columns as u64 * self.geometry.rows as u64 * self.dtype.size() as u64
    }

    /// Bytes of all the values.
    pub fn data_bytes(&self) -> u64 {
        self.bytes_per_slice() * self.geometry.slices as u64
    }
}

/// Writes a volume blob.
pub fn write_volume(header: &VolumeHeader, data: &[u8]) -> Vec<u8> {
    let json = serde_json::to_vec(header).expect("a volume header serialises");
    let mut out = Vec::with_capacity(8 + json.len() + data.len());
    out.extend_from_slice(MDV1_MAGIC);
    out.extend_from_slice(&(json.len() as u32).to_le_bytes());
    out.extend_from_slice(&json);
    out.extend_from_slice(data);
    out
}

/// Reads a volume blob's header from its first bytes (at least `8 + n`). Returns the header
/// and the offset of the first value.
pub fn read_volume_header(prefix: &[u8]) -> Result<(VolumeHeader, usize), MediaError> {
    let corrupt = |detail: &str| MediaError::Corrupt {
        detail: format!("not a Mudou volume: {detail}"),
    };
    if prefix.len() < 8 || &prefix[..4] != MDV1_MAGIC {
        return Err(corrupt("no MDV1 magic"));
    }
    let n = u32::from_le_bytes([prefix[4], prefix[5], prefix[6], prefix[7]]);
    if n > MAX_HEADER_BYTES {
        return Err(corrupt("header too long"));
    }
    let end = 8 + n as usize;
    if prefix.len() < end {
        return Err(MediaError::Truncated);
    }
    let header: VolumeHeader =
        serde_json::from_slice(&prefix[8..end]).map_err(|e| corrupt(&e.to_string()))?;
    Ok((header, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips() {
        let h = VolumeHeader {
            geometry: VolumeGeometry {
                columns: 2,
                rows: 3,
                slices: 4,
                spacing: [0.5, 0.5],
                slice_step: 1.25,
                thickness: None,
                origin: [0.0; 3],
                row_dir: [1.0, 0.0, 0.0],
                col_dir: [0.0, 1.0, 0.0],
                slice_dir: [0.0, 0.0, 1.0],
            },
            dtype: VolumeDtype::I16,
            modality: "CT".into(),
            invert: false,
            window: Window {
                center: 40.0,
                width: 400.0,
            },
            range: [-1024.0, 3071.0],
        };
        let data = vec![7u8; h.data_bytes() as usize];
        let blob = write_volume(&h, &data);
        let (back, at) = read_volume_header(&blob).unwrap();
        assert_eq!(back, h);
        assert_eq!(&blob[at..], &data[..]);
        assert_eq!(h.bytes_per_slice(), 12);
        let json: serde_json::Value = serde_json::from_slice(&blob[8..at]).unwrap();
        assert_eq!(json["dtype"], "i16");
        assert!(read_volume_header(&blob[..at - 1]).is_err());
        assert!(read_volume_header(b"MDV2\0\0\0\0").is_err());
    }
}
