//! Content sniffing: the real format from magic bytes. File names and extensions are never
//! trusted.

use crate::MediaError;

/// An image format Mudou accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageKind {
    Jpeg,
    Png,
    Gif,
    Webp,
    Bmp,
    Tiff,
}

impl ImageKind {
    /// The MIME type, e.g. `image/jpeg`.
    pub fn mime(self) -> &'static str {
        match self {
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Png => "image/png",
            ImageKind::Gif => "image/gif",
            ImageKind::Webp => "image/webp",
            ImageKind::Bmp => "image/bmp",
            ImageKind::Tiff => "image/tiff",
        }
    }

    /// The usual file extension, without a dot.
    pub fn extension(self) -> &'static str {
        match self {
            ImageKind::Jpeg => "jpg",
            ImageKind::Png => "png",
            ImageKind::Gif => "gif",
            ImageKind::Webp => "webp",
            ImageKind::Bmp => "bmp",
            ImageKind::Tiff => "tiff",
        }
    }

    pub(crate) fn image_format(self) -> image::ImageFormat {
        match self {
            ImageKind::Jpeg => image::ImageFormat::Jpeg,
            ImageKind::Png => image::ImageFormat::Png,
            ImageKind::Gif => image::ImageFormat::Gif,
            ImageKind::Webp => image::ImageFormat::WebP,
            ImageKind::Bmp => image::ImageFormat::Bmp,
            ImageKind::Tiff => image::ImageFormat::Tiff,
        }
    }
}

/// Find the image format from the content alone.
///
/// Errors: [`MediaError::ZeroBytes`], [`MediaError::UnsupportedFormat`] for images Mudou does
/// not take (HEIC, AVIF, JPEG XL, JPEG 2000, PSD, SVG), [`MediaError::NotAnImage`] for anything
/// else, naming what it looks like when known (PDF, ZIP, text, video, …).
pub fn sniff(bytes: &[u8]) -> Result<ImageKind, MediaError> {
    let b = bytes;
    if b.is_empty() {
        return Err(MediaError::ZeroBytes);
    }
    if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(ImageKind::Jpeg);
    }
    if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok(ImageKind::Png);
    }
    if b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a") {
        return Ok(ImageKind::Gif);
    }
    if b.len() >= 12 && &b[..4] == b"RIFF" && &b[8..12] == b"WEBP" {
        return Ok(ImageKind::Webp);
    }
    if b.starts_with(b"II*\0") || b.starts_with(b"MM\0*") || b.starts_with(b"II+\0") {
        return Ok(ImageKind::Tiff);
    }
    if b.len() >= 18 && b.starts_with(b"BM") {
        let dib = u32::from_le_bytes([b[14], b[15], b[16], b[17]]);
        if matches!(dib, 12 | 16 | 40 | 52 | 56 | 64 | 108 | 124) {
            return Ok(ImageKind::Bmp);
        }
    }
    Err(classify_other(b))
}

fn classify_other(b: &[u8]) -> MediaError {
    let unsupported = |format| MediaError::UnsupportedFormat { format };
    let other = |d| MediaError::NotAnImage { detected: Some(d) };
    if b.len() >= 12 && &b[4..8] == b"ftyp" {
        return match &b[8..12] {
            b"heic" | b"heix" | b"hevc" | b"hevx" | b"heim" | b"heis" | b"hevm" | b"hevs"
            | b"mif1" | b"msf1" => unsupported("HEIC/HEIF"),
            b"avif" | b"avis" => unsupported("AVIF"),
            b"crx " => unsupported("Canon CR3 raw"),
            _ => other("an MP4/QuickTime video"),
        };
    }
    if b.starts_with(&[0xFF, 0x0A]) || b.starts_with(b"\0\0\0\x0cJXL \r\n\x87\n") {
        return unsupported("JPEG XL");
    }
    if b.starts_with(b"\0\0\0\x0cjP  \r\n\x87\n") || b.starts_with(&[0xFF, 0x4F, 0xFF, 0x51]) {
        return unsupported("JPEG 2000");
    }
    if b.starts_with(b"8BPS") {
        return unsupported("Photoshop PSD");
    }
    if b.starts_with(b"%PDF-") {
        return other("a PDF document");
    }
    if b.starts_with(b"PK\x03\x04") || b.starts_with(b"PK\x05\x06") {
        return other("a ZIP archive or Office document");
    }
    if b.starts_with(&[0x1F, 0x8B]) {
        return other("a gzip archive");
    }
    if b.starts_with(b"Rar!\x1a\x07") {
        return other("a RAR archive");
    }
    if b.starts_with(b"7z\xBC\xAF\x27\x1C") {
        return other("a 7-Zip archive");
    }
    if b.starts_with(b"\x7fELF") || b.starts_with(b"MZ") {
        return other("a program");
    }
    if b.len() >= 12 && &b[..4] == b"RIFF" {
        return other("a RIFF media file (audio or video)");
    }
    if b.starts_with(b"ID3") || b.starts_with(&[0xFF, 0xFB]) {
        return other("an MP3 audio file");
    }
    let head = &b[..b.len().min(1024)];
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let text_like = head
        .iter()
        .all(|&c| c >= 0x20 || matches!(c, b'\t' | b'\n' | b'\r' | 0x0C));
    if text_like {
        let lower = String::from_utf8_lossy(head).to_ascii_lowercase();
        if lower.contains("<svg") {
            return unsupported("SVG");
        }
        if lower.trim_start().starts_with("<!doctype html") || lower.contains("<html") {
            return other("an HTML page");
        }
        return other("text");
    }
    MediaError::NotAnImage { detected: None }
}

/// The content type to serve stored bytes with: the image or audio MIME type when
/// sniffable, `application/octet-stream` otherwise.
pub fn content_type_of(bytes: &[u8]) -> &'static str {
    sniff(bytes)
        .map(ImageKind::mime)
        .ok()
        .or_else(|| {
            crate::audio::sniff_audio(bytes)
                .ok()
                .map(crate::audio::AudioKind::mime)
        })
        .unwrap_or("application/octet-stream")
}
