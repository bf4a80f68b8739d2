//! Renditions, hashing and the one-call `process_image` pipeline.

use bytes::Bytes;
use image::{DynamicImage, GenericImageView, ImageEncoder};
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::decode::decode_reserving;
use crate::{ImageKind, Limits, MediaError};

/// Longest side of a thumbnail, in pixels.
pub const THUMB_MAX_SIDE: u32 = 256;
/// Longest side of a phone rendition, in pixels: a phone's picture box (about 360×400 CSS
/// px) at a device pixel ratio of 2.
pub const PHONE_MAX_SIDE: u32 = 800;
/// Longest side of a screen rendition, in pixels.
pub const SCREEN_MAX_SIDE: u32 = 1600;
/// JPEG quality of renditions.
pub const JPEG_QUALITY: u8 = 82;

/// An encoded, downscaled copy of an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendition {
    pub bytes: Bytes,
    pub width: u32,
    pub height: u32,
    /// `image/jpeg`, or `image/png` when the source has real transparency.
    pub content_type: &'static str,
}

/// The result of [`process_image`]: everything the server stores about one image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Processed {
    /// SHA-256 of the original bytes, lowercase hex (64 characters).
    pub sha256: String,
    pub kind: ImageKind,
    /// MIME type of the original.
    pub content_type: &'static str,
    /// Size of the original, in bytes.
    pub byte_len: u64,
    /// Width of the upright image (after EXIF orientation).
    pub width: u32,
    /// Height of the upright image (after EXIF orientation).
    pub height: u32,
    /// The EXIF orientation that was applied (1 = none).
    pub orientation: u8,
    /// Longest side ≤ [`THUMB_MAX_SIDE`].
    pub thumb: Rendition,
    /// Longest side ≤ [`PHONE_MAX_SIDE`].
    pub phone: Rendition,
    /// Longest side ≤ [`SCREEN_MAX_SIDE`].
    pub screen: Rendition,
}

/// SHA-256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Sniff, decode with limits, orient, make the renditions and hash. CPU-bound and
/// synchronous: call it from `spawn_blocking` (or use [`process_many`] there).
///
/// The decode and the renditions take their memory from `limits.budget` (reserved from the
/// header before decoding, given back when done; see [`crate::decode`]).
pub fn process_image(bytes: &[u8], limits: &Limits) -> Result<Processed, MediaError> {
    let decoded = decode_reserving(bytes, limits, renditions_memory)?;
    let (width, height) = decoded.image.dimensions();
    let Renditions {
        thumb,
        phone,
        screen,
    } = renditions(&decoded.image)?;
    Ok(Processed {
        sha256: sha256_hex(bytes),
        kind: decoded.kind,
        content_type: decoded.kind.mime(),
        byte_len: bytes.len() as u64,
        width,
        height,
        orientation: decoded.orientation,
        thumb,
        phone,
        screen,
    })
}

/// [`process_image`] for a batch, in parallel on rayon's pool (one thread per core).
/// Results come back in input order; one bad image never affects another.
pub fn process_many<B>(inputs: &[B], limits: &Limits) -> Vec<Result<Processed, MediaError>>
where
    B: AsRef<[u8]> + Sync,
{
    inputs
        .par_iter()
        .map(|b| process_image(b.as_ref(), limits))
        .collect()
}

/// The renditions of one image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renditions {
    pub thumb: Rendition,
    pub phone: Rendition,
    pub screen: Rendition,
}

/// Thumbnail, phone and screen renditions of an upright image. Never upscales. The smaller
/// ones are made from the screen copy (all they need, and cheaper to scale down).
///
/// Encoding: JPEG (quality [`JPEG_QUALITY`]) unless the image has an alpha channel with at
/// least one non-opaque pixel, then PNG, so cut-outs keep their transparency.
pub fn renditions(image: &DynamicImage) -> Result<Renditions, MediaError> {
    let screen = fit(image, SCREEN_MAX_SIDE);
    let phone = fit(&screen, PHONE_MAX_SIDE);
    let thumb = fit(&screen, THUMB_MAX_SIDE);
    let transparent = is_transparent(&screen);
    Ok(Renditions {
        thumb: encode(&thumb, transparent)?,
        phone: encode(&phone, transparent)?,
        screen: encode(&screen, transparent)?,
    })
}

fn is_transparent(image: &DynamicImage) -> bool {
    image.color().has_alpha() && image.to_rgba8().pixels().any(|p| p.0[3] < 255)
}

/// The phone rendition made from a stored screen rendition (for images stored before phone
/// renditions were made at ingest). The screen rendition is at most [`SCREEN_MAX_SIDE`] on
/// its longest side, so its decode is bounded; `limits` still applies.
pub fn phone_from_screen(screen: &[u8], limits: &Limits) -> Result<Rendition, MediaError> {
    let decoded = decode_reserving(screen, limits, |w, h, bpp| {
        let long = u64::from(w.max(h)).max(1);
        let side = |s: u32| (u64::from(s) * u64::from(PHONE_MAX_SIDE)).div_ceil(long);
        let fitted = if long <= u64::from(PHONE_MAX_SIDE) {
            u64::from(w) * u64::from(h)
        } else {
            side(w) * side(h)
        };
        fitted * (bpp + 8)
    })?;
    let transparent = is_transparent(&decoded.image);
    encode(&fit(&decoded.image, PHONE_MAX_SIDE), transparent)
}

/// What [`renditions`] may hold at once for an upright `w`×`h` image: the screen copy (same
/// pixel type), an 8-bit conversion of it and its encoded bytes, and the same for the phone
/// copy and the thumbnail.
fn renditions_memory(w: u32, h: u32, bytes_per_pixel: u64) -> u64 {
    let fitted = |max_side: u32| {
        let long = u64::from(w.max(h));
        let scale = |side: u32| (u64::from(side) * u64::from(max_side)).div_ceil(long);
        if long <= u64::from(max_side) {
            u64::from(w) * u64::from(h)
        } else {
            scale(w) * scale(h)
        }
    };
    [SCREEN_MAX_SIDE, PHONE_MAX_SIDE, THUMB_MAX_SIDE]
        .into_iter()
        .map(|side| fitted(side) * (bytes_per_pixel + 8))
        .sum()
}

fn fit(image: &DynamicImage, max_side: u32) -> DynamicImage {
    let (w, h) = image.dimensions();
    if w.max(h) <= max_side {
        image.clone()
    } else {
        image.thumbnail(max_side, max_side)
    }
}

fn encode(image: &DynamicImage, transparent: bool) -> Result<Rendition, MediaError> {
    let (width, height) = image.dimensions();
    let mut out = Vec::new();
    let err = |e: image::ImageError| MediaError::Encode(e.to_string());
    let content_type = if transparent {
        let rgba = image.to_rgba8();
        image::codecs::png::PngEncoder::new_with_quality(
            &mut out,
            image::codecs::png::CompressionType::Fast,
            image::codecs::png::FilterType::Adaptive,
        )
        .write_image(&rgba, width, height, image::ExtendedColorType::Rgba8)
        .map_err(err)?;
        "image/png"
    } else {
        let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY);
        if image.color().has_color() {
            let rgb = image.to_rgb8();
            enc.write_image(&rgb, width, height, image::ExtendedColorType::Rgb8)
        } else {
            let luma = image.to_luma8();
            enc.write_image(&luma, width, height, image::ExtendedColorType::L8)
        }
        .map_err(err)?;
        "image/jpeg"
    };
    Ok(Rendition {
        bytes: Bytes::from(out),
        width,
        height,
        content_type,
    })
}
