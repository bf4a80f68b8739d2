//! A medical series' geometry: where each voxel sits in the patient, in millimetres.
//!
//! A series is a stack of `slices` pictures of `columns` × `rows`. A voxel is named by
//! `(x, y, z)`: `x` the column (0 at the left edge's centre), `y` the row, `z` the slice
//! index in the stack's order (by position along the slice direction, set at ingest). The
//! patient coordinates are DICOM's (LPS, mm): `origin + x·sx·row_dir + y·sy·col_dir +
//! z·slice_step·slice_dir`, where `row_dir` is the direction along a row (DICOM's
//! ImageOrientationPatient's first three values) and `col_dir` down a column (its last three).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A series' size and its place in the patient (see the module's words).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct VolumeGeometry {
    pub columns: u32,
    pub rows: u32,
    pub slices: u32,
    /// Millimetres between column centres and between row centres, `[sx, sy]` (DICOM's
    /// PixelSpacing is `[row spacing, column spacing]`, i.e. `[sy, sx]`).
    pub spacing: [f64; 2],
    /// Millimetres between one slice's centre and the next's (the slice thickness when the
    /// series has one slice).
    pub slice_step: f64,
    /// The slices' nominal thickness (DICOM SliceThickness), when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thickness: Option<f64>,
    /// The patient position (mm) of voxel (0, 0, 0)'s centre.
    pub origin: [f64; 3],
    /// Unit direction of increasing column.
    pub row_dir: [f64; 3],
    /// Unit direction of increasing row.
    pub col_dir: [f64; 3],
    /// Unit direction of increasing slice index.
    pub slice_dir: [f64; 3],
}

impl VolumeGeometry {
    /// Whether a voxel position lies inside the volume (`x` in `[0, columns)`, …; a point
    /// may sit anywhere within a pixel, so fractions count).
    pub fn contains(&self, v: [f64; 3]) -> bool {
        v.iter().all(|c| c.is_finite())
            && (0.0..self.columns as f64).contains(&v[0])
            && (0.0..self.rows as f64).contains(&v[1])
            && (0.0..self.slices as f64).contains(&v[2])
    }

    /// A voxel position's patient coordinates (mm).
    pub fn to_patient(&self, v: [f64; 3]) -> [f64; 3] {
        let [sx, sy] = self.spacing;
        std::array::from_fn(|i| {
            self.origin[i]
                + v[0] * sx * self.row_dir[i]
                + v[1] * sy * self.col_dir[i]
                + v[2] * self.slice_step * self.slice_dir[i]
        })
    }

    /// Millimetres between two voxel positions.
    pub fn distance_mm(&self, a: [f64; 3], b: [f64; 3]) -> f64 {
        distance(self.to_patient(a), self.to_patient(b))
    }

    /// Checks the geometry is usable: sizes above zero, spacings positive and finite,
    /// directions of unit length.
    pub fn validate(&self) -> Result<(), String> {
        if self.columns == 0 || self.rows == 0 || self.slices == 0 {
            return Err("a series needs at least one slice of at least one pixel".into());
        }
        let positive = |v: f64| v.is_finite() && v > 0.0;
        if !self.spacing.iter().all(|s| positive(*s)) || !positive(self.slice_step) {
            return Err("pixel spacing and slice step must be positive millimetres".into());
        }
        for d in [self.row_dir, self.col_dir, self.slice_dir] {
            let n = distance(d, [0.0; 3]);
            if !n.is_finite() || (n - 1.0).abs() > 1e-3 {
                return Err("orientation vectors must be of unit length".into());
            }
        }
        if !self.origin.iter().all(|c| c.is_finite()) {
            return Err("the origin must be finite".into());
        }
        Ok(())
    }
}

/// Euclidean distance between two points (mm).
pub fn distance(a: [f64; 3], b: [f64; 3]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(p, q)| (p - q) * (p - q))
        .sum::<f64>()
        .sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An axial CT: 0.5 mm pixels, slices 1.25 mm apart going towards the head.
    fn axial() -> VolumeGeometry {
        VolumeGeometry {
            columns: 512,
            rows: 512,
            slices: 300,
            spacing: [0.5, 0.5],
            slice_step: 1.25,
            thickness: Some(1.25),
            origin: [-128.0, -128.0, 10.0],
            row_dir: [1.0, 0.0, 0.0],
            col_dir: [0.0, 1.0, 0.0],
            slice_dir: [0.0, 0.0, 1.0],
        }
    }

    #[test]
    fn voxels_map_to_millimetres() {
        let g = axial();
        assert_eq!(g.to_patient([0.0, 0.0, 0.0]), [-128.0, -128.0, 10.0]);
        assert_eq!(g.to_patient([10.0, 4.0, 2.0]), [-123.0, -126.0, 12.5]);
        // 3 columns and 4 slices apart: 1.5 mm and 5 mm.
        let d = g.distance_mm([0.0, 0.0, 0.0], [3.0, 0.0, 4.0]);
        assert!((d - (1.5f64.powi(2) + 5.0f64.powi(2)).sqrt()).abs() < 1e-9);
        assert!(g.validate().is_ok());
    }

    #[test]
    fn outside_is_outside() {
        let g = axial();
        assert!(g.contains([511.9, 0.0, 299.0]));
        assert!(!g.contains([512.0, 0.0, 0.0]));
        assert!(!g.contains([0.0, -0.1, 0.0]));
        assert!(!g.contains([0.0, 0.0, 300.0]));
        assert!(!g.contains([f64::NAN, 0.0, 0.0]));
    }

    #[test]
    fn bad_geometry_is_refused() {
        let mut g = axial();
        g.spacing = [0.0, 0.5];
        assert!(g.validate().is_err());
        let mut g = axial();
        g.row_dir = [2.0, 0.0, 0.0];
        assert!(g.validate().is_err());
    }
}
