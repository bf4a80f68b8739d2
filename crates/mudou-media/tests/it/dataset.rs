//! The committed demo dataset `datasets/shapes` is well-formed: every manifest row names a
//! decodable image, labels are from the class list, and gold boxes lie inside their images.

use std::path::PathBuf;

use mudou_media::{Limits, TableFormat, parse_manifest, process_image};

#[test]
fn shapes_dataset_is_consistent() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../datasets/shapes");
    let manifest = std::fs::read(dir.join("manifest.csv")).unwrap();
    let rows = parse_manifest(TableFormat::Csv, "manifest.csv", &manifest).unwrap();
    assert_eq!(rows.len(), 60);
    let mut per_class = std::collections::BTreeMap::new();
    let mut preview = image::RgbImage::new(480 * 4, 360 * 2);
    for (i, row) in rows.iter().enumerate() {
        let bytes = std::fs::read(dir.join(&row.file)).unwrap();
        let p = process_image(&bytes, &Limits::default()).unwrap();
        assert_eq!((p.width, p.height), (480, 360), "{}", row.file);
        let label = row.label.as_deref().unwrap();
        assert!(["circle", "square", "triangle", "star"].contains(&label));
        *per_class.entry(label.to_owned()).or_insert(0) += 1;
        let boxes = row.boxes.as_ref().unwrap();
        assert!((1..=3).contains(&boxes.len()));
        assert_eq!(boxes[0].label, label, "main shape first");
        for b in boxes {
            assert!(
                b.x + b.w <= 480.0 && b.y + b.h <= 360.0,
                "{}: {b:?}",
                row.file
            );
        }
        if i < 8 {
            // Optional visual check: the first 8 images with their gold boxes drawn.
            let mut img = image::load_from_memory(&bytes).unwrap().to_rgb8();
            for b in boxes {
                let (x0, y0) = (b.x as u32, b.y as u32);
                let (x1, y1) = ((b.x + b.w) as u32 - 1, (b.y + b.h) as u32 - 1);
                for x in x0..=x1 {
                    img.put_pixel(x, y0, image::Rgb([255, 0, 255]));
                    img.put_pixel(x, y1, image::Rgb([255, 0, 255]));
                }
                for y in y0..=y1 {
                    img.put_pixel(x0, y, image::Rgb([255, 0, 255]));
                    img.put_pixel(x1, y, image::Rgb([255, 0, 255]));
                }
            }
            image::imageops::replace(
                &mut preview,
                &img,
                (i as i64 % 4) * 480,
                (i as i64 / 4) * 360,
            );
        }
    }
    assert!(per_class.values().all(|&n| n == 15), "{per_class:?}");
    if let Some(path) = std::env::var_os("MUDOU_SHAPES_PREVIEW") {
        preview.save(path).unwrap();
    }
}
