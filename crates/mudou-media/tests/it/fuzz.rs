//! Hostile bytes never panic the decoder.

use mudou_media::{Limits, process_image};
use proptest::prelude::*;

use crate::fixtures::*;

const PREFIXES: [&[u8]; 7] = [
    b"",
    b"\xFF\xD8\xFF",
    b"\x89PNG\r\n\x1a\n",
    b"GIF89a",
    b"RIFF\0\0\0\0WEBPVP8 ",
    b"II*\0",
    b"BM\0\0\0\0\0\0\0\0\0\0\0\0\x28\0\0\0",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(prefix in 0usize..PREFIXES.len(), tail in proptest::collection::vec(any::<u8>(), 0..512)) {
        let mut bytes = PREFIXES[prefix].to_vec();
        bytes.extend_from_slice(&tail);
        let _ = process_image(&bytes, &Limits::default());
    }

    #[test]
    fn mutated_images_never_panic(which in 0usize..4, flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8), cut in any::<usize>()) {
        use image::{DynamicImage, ImageFormat};
        let img = DynamicImage::ImageRgb8(picture(24, 16));
        let format = [ImageFormat::Png, ImageFormat::Jpeg, ImageFormat::Gif, ImageFormat::Bmp][which];
        let mut bytes = encode(&img, format);
        for (at, value) in flips {
            let i = at % bytes.len();
            bytes[i] = value;
        }
        bytes.truncate(1 + cut % bytes.len());
        let _ = process_image(&bytes, &Limits::default());
    }
}
