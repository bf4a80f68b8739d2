use image::{DynamicImage, ImageFormat};
use mudou_media::{
    ImageKind, Limits, MediaError, PHONE_MAX_SIDE, SCREEN_MAX_SIDE, THUMB_MAX_SIDE, decode,
    phone_from_screen, process_image, process_many, sha256_hex, sniff,
};

use crate::fixtures::*;

fn code(bytes: &[u8]) -> &'static str {
    match process_image(bytes, &Limits::default()) {
        Ok(_) => "ok",
        Err(e) => e.code(),
    }
}

#[test]
fn every_accepted_format_decodes() {
    let img = DynamicImage::ImageRgb8(picture(40, 30));
    let cases = [
        (ImageFormat::Jpeg, ImageKind::Jpeg),
        (ImageFormat::Png, ImageKind::Png),
        (ImageFormat::WebP, ImageKind::Webp),
        (ImageFormat::Bmp, ImageKind::Bmp),
        (ImageFormat::Tiff, ImageKind::Tiff),
        (ImageFormat::Gif, ImageKind::Gif),
    ];
    for (format, kind) in cases {
        let bytes = encode(&img, format);
        assert_eq!(sniff(&bytes).unwrap(), kind, "{format:?}");
        let p =
            process_image(&bytes, &Limits::default()).unwrap_or_else(|e| panic!("{format:?}: {e}"));
        assert_eq!((p.kind, p.width, p.height), (kind, 40, 30), "{format:?}");
        assert_eq!(p.content_type, kind.mime());
        assert_eq!(p.sha256, sha256_hex(&bytes));
        assert_eq!(p.sha256.len(), 64);
        assert_eq!(p.thumb.content_type, "image/jpeg");
    }
}

#[test]
fn gif_takes_the_first_frame() {
    use image::codecs::gif::GifEncoder;
    use image::{Delay, Frame, Rgba, RgbaImage};
    let mut bytes = Vec::new();
    {
        let mut enc = GifEncoder::new(&mut bytes);
        for colour in [[255, 0, 0, 255], [0, 0, 255, 255]] {
            let frame = RgbaImage::from_pixel(16, 8, Rgba(colour));
            enc.encode_frame(Frame::from_parts(
                frame,
                0,
                0,
                Delay::from_numer_denom_ms(100, 1),
            ))
            .unwrap();
        }
    }
    let d = decode(&bytes, &Limits::default()).unwrap();
    let px = d.image.to_rgb8().get_pixel(3, 3).0;
    assert!(px[0] > 200 && px[2] < 50, "first frame is red, got {px:?}");
}

#[test]
fn the_extension_is_never_trusted() {
    // Content decides: a PNG is a PNG whatever its name, and sniff never sees a name.
    assert_eq!(sniff(&png(4, 4)).unwrap(), ImageKind::Png);
    assert_eq!(sniff(&jpeg(4, 4)).unwrap(), ImageKind::Jpeg);
}

#[test]
fn exif_orientation_6_swaps_width_and_height() {
    let bytes = jpeg_with_orientation(64, 32, 6);
    let p = process_image(&bytes, &Limits::default()).unwrap();
    assert_eq!((p.width, p.height, p.orientation), (32, 64, 6));
    assert_eq!((p.thumb.width, p.thumb.height), (32, 64));
    let plain = process_image(&jpeg(64, 32), &Limits::default()).unwrap();
    assert_eq!((plain.width, plain.height, plain.orientation), (64, 32, 1));
}

#[test]
fn renditions_fit_their_boxes_and_never_upscale() {
    let p = process_image(&jpeg(2000, 1000), &Limits::default()).unwrap();
    assert_eq!((p.width, p.height), (2000, 1000));
    assert_eq!((p.screen.width, p.screen.height), (SCREEN_MAX_SIDE, 800));
    assert_eq!((p.phone.width, p.phone.height), (PHONE_MAX_SIDE, 400));
    assert_eq!((p.thumb.width, p.thumb.height), (THUMB_MAX_SIDE, 128));
    for r in [&p.thumb, &p.phone, &p.screen] {
        let back = image::load_from_memory(&r.bytes).unwrap();
        assert_eq!((back.width(), back.height()), (r.width, r.height));
        assert_eq!(sniff(&r.bytes).unwrap(), ImageKind::Jpeg);
    }
    let small = process_image(&png(100, 60), &Limits::default()).unwrap();
    assert_eq!((small.thumb.width, small.thumb.height), (100, 60));
    assert_eq!((small.phone.width, small.phone.height), (100, 60));
    assert_eq!((small.screen.width, small.screen.height), (100, 60));
    // a portrait picture fits by its height
    let tall = process_image(&jpeg(900, 1800), &Limits::default()).unwrap();
    assert_eq!((tall.phone.width, tall.phone.height), (400, PHONE_MAX_SIDE));
    assert!(tall.phone.bytes.len() < tall.screen.bytes.len());
}

#[test]
fn phone_rendition_from_a_stored_screen_rendition() {
    let p = process_image(&jpeg(2000, 1000), &Limits::default()).unwrap();
    let phone = phone_from_screen(&p.screen.bytes, &Limits::default()).unwrap();
    assert_eq!((phone.width, phone.height), (PHONE_MAX_SIDE, 400));
    assert_eq!(phone.content_type, "image/jpeg");
    let back = image::load_from_memory(&phone.bytes).unwrap();
    assert_eq!((back.width(), back.height()), (PHONE_MAX_SIDE, 400));
    // a cut-out stays a PNG; a small one is not upscaled
    let cut = process_image(&png_transparent(300, 200), &Limits::default()).unwrap();
    let phone = phone_from_screen(&cut.screen.bytes, &Limits::default()).unwrap();
    assert_eq!(
        (phone.content_type, phone.width, phone.height),
        ("image/png", 300, 200)
    );
    // not an image: the error names it
    let err = phone_from_screen(b"not an image", &Limits::default()).unwrap_err();
    assert_eq!(err.code(), "not_an_image");
}

#[test]
fn transparency_is_kept_as_png() {
    let p = process_image(&png_transparent(300, 200), &Limits::default()).unwrap();
    assert_eq!(p.thumb.content_type, "image/png");
    assert_eq!(p.phone.content_type, "image/png");
    assert_eq!(p.screen.content_type, "image/png");
    assert_eq!(sniff(&p.thumb.bytes).unwrap(), ImageKind::Png);
}

#[test]
fn non_images_are_refused_and_named() {
    assert_eq!(code(b"hello, this is text\n"), "not_an_image");
    let pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n";
    let err = process_image(pdf, &Limits::default()).unwrap_err();
    assert_eq!(err.code(), "not_an_image");
    assert!(err.to_string().contains("PDF"), "{err}");
    assert_eq!(code(b"PK\x03\x04rest-of-a-zip"), "not_an_image");
    assert_eq!(
        code(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic"),
        "unsupported_format"
    );
    assert_eq!(
        code(b"<?xml version=\"1.0\"?><svg xmlns=\"x\"></svg>"),
        "unsupported_format"
    );
}

#[test]
fn zero_byte_file_is_refused() {
    assert_eq!(code(b""), "zero_bytes");
}

#[test]
fn truncated_images_are_refused() {
    let p = png(64, 64);
    assert_eq!(code(&p[..p.len() / 2]), "truncated");
    let j = jpeg(64, 64);
    assert_eq!(code(&j[..j.len() / 2]), "truncated");
    // Only a signature.
    assert_eq!(code(&p[..8]), "truncated");
}

#[test]
fn zero_by_zero_header_is_refused() {
    assert_eq!(code(&png_header_only(0, 0)), "zero_dimensions");
    assert_eq!(code(&png_header_only(10, 0)), "zero_dimensions");
}

#[test]
fn huge_header_is_refused_before_allocating() {
    let bytes = png_header_only(100_000, 100_000);
    let err = process_image(&bytes, &Limits::default()).unwrap_err();
    assert_eq!(err.code(), "too_large", "{err}");
    assert!(err.to_string().contains("100000×100000"), "{err}");
}

#[test]
fn png_decompression_bomb_is_refused() {
    let bytes = png_bomb(20_000);
    assert!(bytes.len() < 200_000, "bomb is {} bytes", bytes.len());
    let err = process_image(&bytes, &Limits::default()).unwrap_err();
    assert_eq!(err.code(), "decompression_bomb", "{err}");
}

#[test]
fn limits_are_configurable() {
    let limits = Limits {
        max_width: 50,
        max_height: 50,
        ..Limits::default()
    };
    assert_eq!(
        process_image(&png(60, 10), &limits).unwrap_err().code(),
        "too_large"
    );
    let limits = Limits {
        max_file_bytes: 10,
        ..Limits::default()
    };
    assert_eq!(
        process_image(&png(8, 8), &limits).unwrap_err().code(),
        "too_large"
    );
    // Pixel limit with an ordinary (incompressible) image is too_large, not a bomb.
    let limits = Limits {
        max_pixels: 1_000,
        ..Limits::default()
    };
    assert_eq!(
        process_image(&png(100, 100), &limits).unwrap_err().code(),
        "too_large"
    );
}

#[test]
fn process_many_keeps_order_and_isolates_failures() {
    let inputs: Vec<Vec<u8>> = vec![jpeg(30, 20), b"nope".to_vec(), png(20, 30), Vec::new()];
    let out = process_many(&inputs, &Limits::default());
    assert_eq!(out.len(), 4);
    assert_eq!(out[0].as_ref().unwrap().width, 30);
    assert_eq!(out[1].as_ref().unwrap_err().code(), "not_an_image");
    assert_eq!(out[2].as_ref().unwrap().width, 20);
    assert_eq!(out[3].as_ref().unwrap_err(), &MediaError::ZeroBytes);
}

#[test]
fn error_codes_are_stable_snake_case() {
    let errors = [
        MediaError::ZeroBytes,
        MediaError::Truncated,
        MediaError::Symlink { path: "a".into() },
        MediaError::UnsafePath {
            path: "../a".into(),
        },
        MediaError::BadKey("x".into()),
    ];
    for e in errors {
        let c = e.code();
        assert!(
            c.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
            "{c}"
        );
        assert!(!e.to_string().is_empty());
    }
    assert!(!MediaError::Storage("x".into()).is_client_error());
    assert!(MediaError::Truncated.is_client_error());
}

#[test]
fn decodes_share_a_memory_budget() {
    use mudou_media::DecodeBudget;
    use std::time::Duration;
    let mib = 1u64 << 20;
    // 1200×1200 RGB: 4.3 MB of pixels, ~20 MiB with its screen copy, conversions and
    // thumbnail: one at a time fits.
    let budget = DecodeBudget::new(32 * mib, Duration::from_secs(120));
    let limits = Limits {
        budget: budget.clone(),
        ..Limits::default()
    };
    let inputs: Vec<Vec<u8>> = (0..6).map(|i| png(1200, 1200 + i)).collect();
    let out = process_many(&inputs, &limits);
    assert!(out.iter().all(|r| r.is_ok()), "{out:?}");
    let high = budget.high_water();
    assert!((16 * mib..=32 * mib).contains(&high), "{high}");
    assert_eq!(budget.reserved(), 0);

    // A decoded image holds its pixels' share until dropped; a rotated one its upright size.
    let d = decode(&jpeg_with_orientation(300, 200, 6), &limits).unwrap();
    assert_eq!((d.image.width(), d.image.height()), (200, 300));
    assert_eq!(d.reserved_bytes(), 300 * 200 * 3);
    assert_eq!(budget.reserved(), 300 * 200 * 3);
    drop(d);
    assert_eq!(budget.reserved(), 0);

    // More than the whole budget: refused before decoding.
    let err = process_image(&png(2500, 2500), &limits).unwrap_err();
    assert_eq!(err.code(), "too_large", "{err}");
    assert!(err.to_string().contains("32 MiB"), "{err}");
}
