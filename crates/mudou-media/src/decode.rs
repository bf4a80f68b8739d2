//! Decoding with limits: dimensions, pixels and allocation are checked from the header before
//! any pixel buffer is allocated; EXIF orientation is applied.

use std::io::Cursor;
use std::sync::Arc;

use image::{DynamicImage, ImageDecoder, ImageError, ImageReader};

use crate::{DecodeBudget, ImageKind, MediaError, Reservation, sniff};

/// Resource limits for one image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted file, in bytes (default 100 MiB).
    pub max_file_bytes: u64,
    /// Largest accepted width in pixels, after orientation (default 20 000).
    pub max_width: u32,
    /// Largest accepted height in pixels, after orientation (default 20 000).
    pub max_height: u32,
    /// Largest accepted width × height (default 100 megapixels).
    pub max_pixels: u64,
    /// Largest buffer the decoder may allocate, in bytes (default 512 MiB).
    pub max_alloc: u64,
    /// An image over the pixel or allocation limit whose decoded size is more than this many
    /// times its file size is reported as a `decompression_bomb` rather than `too_large`
    /// (default 100; photos expand 3–20×, deflate can reach ~1 000×).
    pub bomb_ratio: u64,
    /// The memory every decode reserves its pixels from, shared by all decodes that use it
    /// (default: unlimited; a server passes its own, see [`DecodeBudget`]).
    pub budget: DecodeBudget,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 100 * 1024 * 1024,
            max_width: 20_000,
            max_height: 20_000,
            max_pixels: 100_000_000,
            max_alloc: 512 * 1024 * 1024,
            bomb_ratio: 100,
            budget: DecodeBudget::unlimited(),
        }
    }
}

/// A decoded, upright image.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// The sniffed format of the source bytes.
    pub kind: ImageKind,
    /// The pixels, with EXIF orientation already applied.
    pub image: DynamicImage,
    /// The EXIF orientation that was applied (1 = none, 2–8 as in EXIF).
    pub orientation: u8,
    /// The decode memory this image holds from `limits.budget`, until the last clone is dropped.
    memory: Arc<Reservation>,
}

impl Decoded {
    /// Bytes this image holds from the decode budget.
    pub fn reserved_bytes(&self) -> u64 {
        self.memory.bytes()
    }
}

/// Sniff, check limits from the header, decode (GIF: the first frame) and apply EXIF
/// orientation. Never panics and never allocates beyond `limits` on hostile input.
///
/// Before any pixel buffer exists, the decode reserves from `limits.budget` what the pixels
/// will take (with a transient second copy when the orientation rotates the image, and a
/// progressive JPEG's coefficients while decoding); the returned image holds its pixels'
/// share until it is dropped. Waits for room as the budget says: `decode_busy` when none
/// comes in time, `too_large` when the picture needs more than the whole budget.
pub fn decode(bytes: &[u8], limits: &Limits) -> Result<Decoded, MediaError> {
    decode_reserving(bytes, limits, |_, _, _| 0)
}

/// [`decode`], also reserving `extra(width, height, bytes_per_pixel)` bytes (of the upright
/// image) for what the caller will make of it, held as long as the image.
pub(crate) fn decode_reserving(
    bytes: &[u8],
    limits: &Limits,
    extra: impl Fn(u32, u32, u64) -> u64,
) -> Result<Decoded, MediaError> {
    let kind = sniff(bytes)?;
    let file_bytes = bytes.len() as u64;
    if file_bytes > limits.max_file_bytes {
        return Err(MediaError::TooLarge {
            what: format!(
                "the file is {} bytes; the limit is {} bytes",
                file_bytes, limits.max_file_bytes
            ),
        });
    }
    if kind == ImageKind::Png {
        // Our own look at IHDR: decoders reject 0×0 with a vague message.
        if let Some((w, h)) = png_ihdr_dims(bytes)
            && (w == 0 || h == 0)
        {
            return Err(MediaError::ZeroDimensions {
                width: w,
                height: h,
            });
        }
    }
    if kind == ImageKind::Jpeg && !jpeg_has_eoi(bytes) {
        // The JPEG decoder pads missing scan data with grey instead of failing.
        return Err(MediaError::Truncated);
    }

    let mut reader = ImageReader::with_format(Cursor::new(bytes), kind.image_format());
    let mut img_limits = image::Limits::default();
    img_limits.max_alloc = Some(limits.max_alloc);
    reader.limits(img_limits);
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| map_image_error(kind, e))?;

    let (w, h) = decoder.dimensions();
    let decoded_bytes = decoder.total_bytes();
    check_dimensions(w, h, decoded_bytes, file_bytes, limits)?;

    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let exif = orientation_exif(orientation);
    let swaps = matches!(exif, 5..=8);
    let (upright_w, upright_h) = if swaps { (h, w) } else { (w, h) };
    let bytes_per_pixel = decoded_bytes.div_ceil(u64::from(w) * u64::from(h)).max(1);
    let keep = decoded_bytes.saturating_add(extra(upright_w, upright_h, bytes_per_pixel));
    // While decoding: rotating makes a second copy; zune-jpeg keeps a progressive JPEG's
    // coefficients (two bytes a sample); a GIF frame off the canvas' edges goes through a
    // buffer of its own; WebP decodes into planes of its own (lossless: four bytes a pixel).
    let mut transient = 0;
    if swaps {
        transient += decoded_bytes;
    }
    transient += match kind {
        ImageKind::Jpeg if jpeg_is_progressive(bytes) => decoded_bytes.saturating_mul(2),
        ImageKind::Gif => decoded_bytes,
        ImageKind::Webp => decoded_bytes.saturating_mul(4).div_ceil(3),
        _ => 0,
    };
    let mut memory = limits.budget.reserve(keep.saturating_add(transient))?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(|e| map_image_error(kind, e))?;
    image.apply_orientation(orientation);
    memory.shrink_to(keep);
    Ok(Decoded {
        kind,
        image,
        orientation: exif,
        memory: Arc::new(memory),
    })
}

fn check_dimensions(
    w: u32,
    h: u32,
    decoded_bytes: u64,
    file_bytes: u64,
    limits: &Limits,
) -> Result<(), MediaError> {
    if w == 0 || h == 0 {
        return Err(MediaError::ZeroDimensions {
            width: w,
            height: h,
        });
    }
    // Orientation may swap the sides; check against both.
    let (long, short) = (w.max(h), w.min(h));
    let (lim_long, lim_short) = (
        limits.max_width.max(limits.max_height),
        limits.max_width.min(limits.max_height),
    );
    if long > lim_long || short > lim_short {
        return Err(MediaError::TooLarge {
            what: format!(
                "the image is {w}×{h} pixels; the limit is {}×{}",
                limits.max_width, limits.max_height
            ),
        });
    }
    let pixels = u64::from(w) * u64::from(h);
    if pixels > limits.max_pixels || decoded_bytes > limits.max_alloc {
        if decoded_bytes / file_bytes.max(1) > limits.bomb_ratio {
            return Err(MediaError::DecompressionBomb {
                width: w,
                height: h,
                file_bytes,
            });
        }
        return Err(MediaError::TooLarge {
            what: format!(
                "the image has {:.1} megapixels; the limit is {:.1}",
                pixels as f64 / 1e6,
                limits.max_pixels as f64 / 1e6
            ),
        });
    }
    Ok(())
}

fn orientation_exif(o: image::metadata::Orientation) -> u8 {
    use image::metadata::Orientation::*;
    match o {
        NoTransforms => 1,
        FlipHorizontal => 2,
        Rotate180 => 3,
        FlipVertical => 4,
        Rotate90FlipH => 5,
        Rotate90 => 6,
        Rotate270FlipH => 7,
        Rotate270 => 8,
    }
}

/// Width and height from a PNG's IHDR chunk, if the header is there.
fn png_ihdr_dims(b: &[u8]) -> Option<(u32, u32)> {
    if b.len() < 24 || &b[12..16] != b"IHDR" {
        return None;
    }
    let w = u32::from_be_bytes(b[16..20].try_into().ok()?);
    let h = u32::from_be_bytes(b[20..24].try_into().ok()?);
    Some((w, h))
}

/// True if the JPEG's frame header (before the first scan) is progressive (SOF2, SOF6, SOF10,
/// SOF14).
fn jpeg_is_progressive(b: &[u8]) -> bool {
    let mut i = 2; // after SOI
    while i + 4 <= b.len() && b[i] == 0xFF {
        let marker = b[i + 1];
        match marker {
            0xFF => i += 1,
            0x01 | 0xD0..=0xD7 => i += 2,
            0xC2 | 0xC6 | 0xCA | 0xCE => return true,
            0xC0 | 0xC1 | 0xC3 | 0xC5 | 0xC7 | 0xC9 | 0xCB | 0xCD | 0xCF | 0xDA | 0xD9 => {
                return false;
            }
            _ => i += 2 + usize::from(u16::from_be_bytes([b[i + 2], b[i + 3]])),
        }
    }
    false
}

/// Walks the JPEG marker segments to the first start-of-scan, then looks for the
/// end-of-image marker after it. Entropy-coded data never contains `FF D9` (0xFF is stuffed).
fn jpeg_has_eoi(b: &[u8]) -> bool {
    let mut i = 2; // after SOI
    loop {
        // Skip fill bytes.
        while i < b.len() && b[i] == 0xFF && b.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        if i + 4 > b.len() || b[i] != 0xFF {
            return false;
        }
        let marker = b[i + 1];
        match marker {
            0xD9 => return true,
            0x01 | 0xD0..=0xD7 => i += 2,
            _ => {
                let len = usize::from(u16::from_be_bytes([b[i + 2], b[i + 3]]));
                if marker == 0xDA {
                    let scan_start = i + 2 + len;
                    return scan_start <= b.len()
                        && b[scan_start..].windows(2).any(|w| w == [0xFF, 0xD9]);
                }
                i += 2 + len;
            }
        }
    }
}

pub(crate) fn map_image_error(kind: ImageKind, e: ImageError) -> MediaError {
    match e {
        ImageError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            MediaError::Truncated
        }
        ImageError::Limits(l) => MediaError::TooLarge {
            what: format!("decoding would exceed the memory limit ({l})"),
        },
        ImageError::Unsupported(u) => MediaError::UnsupportedFormat {
            format: match kind {
                ImageKind::Jpeg => "this JPEG variant",
                ImageKind::Png => "this PNG variant",
                ImageKind::Gif => "this GIF variant",
                ImageKind::Webp => "this WebP variant",
                ImageKind::Bmp => "this BMP variant",
                ImageKind::Tiff => {
                    let _ = u;
                    "this TIFF variant"
                }
            },
        },
        other => {
            let detail = other.to_string();
            let lower = detail.to_ascii_lowercase();
            if [
                "eof",
                "end of file",
                "unexpected end",
                "truncated",
                "not enough data",
                "no more data",
                "fill whole buffer",
            ]
            .iter()
            .any(|p| lower.contains(p))
            {
                MediaError::Truncated
            } else {
                MediaError::Corrupt { detail }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progressive_jpegs_are_told_from_baseline_ones() {
        let app0 = [0xFF, 0xE0, 0x00, 0x04, 0x4A, 0x46];
        let frame = |sof: u8| {
            let mut b = vec![0xFF, 0xD8];
            b.extend_from_slice(&app0);
            b.extend_from_slice(&[0xFF, sof, 0x00, 0x0B, 8, 0, 16, 0, 16, 1, 1, 0x11, 0]);
            b
        };
        assert!(jpeg_is_progressive(&frame(0xC2)));
        assert!(!jpeg_is_progressive(&frame(0xC0)));
        assert!(!jpeg_is_progressive(&[0xFF, 0xD8, 0xFF]));
        // A length running past the end stops the walk.
        assert!(!jpeg_is_progressive(&[0xFF, 0xD8, 0xFF, 0xE0, 0xFF, 0xFF]));
    }
}
