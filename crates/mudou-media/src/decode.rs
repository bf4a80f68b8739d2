//! Decoding with limits: dimensions, pixels and allocation are checked from the header before
//! any pixel buffer is allocated; EXIF orientation is applied.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageError, ImageReader};

use crate::{ImageKind, MediaError, sniff};

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
}

/// Sniff, check limits from the header, decode (GIF: the first frame) and apply EXIF
/// orientation. Never panics and never allocates beyond `limits` on hostile input.
pub fn decode(bytes: &[u8], limits: &Limits) -> Result<Decoded, MediaError> {
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
    check_dimensions(w, h, decoder.total_bytes(), file_bytes, limits)?;

    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(|e| map_image_error(kind, e))?;
    image.apply_orientation(orientation);
    Ok(Decoded {
        kind,
        image,
        orientation: orientation_exif(orientation),
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
