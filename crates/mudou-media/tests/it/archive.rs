use mudou_media::{Limits, MediaError, ZipImport, ZipItem, ZipLimits, process_image};

use crate::fixtures::*;

fn collect(import: &mut ZipImport) -> (Vec<mudou_media::ZipEntry>, Vec<(String, &'static str)>) {
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    for item in import.entries() {
        match item {
            ZipItem::File(f) => files.push(f),
            ZipItem::Skipped(s) => skipped.push((s.path, s.error.code())),
        }
    }
    (files, skipped)
}

#[test]
fn unsafe_and_unwanted_entries_are_skipped_not_fatal() {
    let img = png(8, 8);
    let zip = zip_file(&[
        Entry::File("ok.png", &img),
        Entry::File("../evil.png", &img),
        Entry::File("a/../../evil2.png", &img),
        Entry::File("/etc/abs.png", &img),
        Entry::File("C:\\windows\\abs.png", &img),
        Entry::Symlink("link.png", "/etc/passwd"),
        Entry::Dir("cats/"),
        Entry::File("__MACOSX/._ok.png", b"junk"),
        Entry::File(".DS_Store", b"junk"),
        Entry::File("cats/.hidden.png", &img),
        Entry::File("big.png", &[0u8; 5000]),
    ]);
    let limits = ZipLimits {
        max_entry_bytes: 4096,
        ..ZipLimits::default()
    };
    let mut import = ZipImport::open(zip.path(), limits).unwrap();
    assert_eq!(import.manifest_path(), None);
    let (files, skipped) = collect(&mut import);
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].path, "ok.png");
    assert_eq!(files[0].tag, None);
    assert!(process_image(&files[0].bytes, &Limits::default()).is_ok());
    let code_of = |name: &str| {
        skipped
            .iter()
            .find(|(p, _)| p.contains(name))
            .unwrap_or_else(|| panic!("{name} not reported in {skipped:?}"))
            .1
    };
    assert_eq!(code_of("../evil.png"), "unsafe_path");
    assert_eq!(code_of("evil2.png"), "unsafe_path");
    assert_eq!(code_of("/etc/abs.png"), "unsafe_path");
    assert_eq!(code_of("windows"), "unsafe_path");
    assert_eq!(code_of("link.png"), "symlink");
    assert_eq!(code_of("cats/"), "directory");
    assert_eq!(code_of("__MACOSX"), "hidden_file");
    assert_eq!(code_of(".DS_Store"), "hidden_file");
    assert_eq!(code_of(".hidden.png"), "hidden_file");
    assert_eq!(code_of("big.png"), "too_large");
    assert_eq!(skipped.len(), 10);
}

#[test]
fn nested_folders_become_tags_and_a_wrapping_folder_is_the_root() {
    let img = png(8, 8);
    let zip = zip_file(&[
        Entry::File("mydata/cats/a.png", &img),
        Entry::File("mydata/cats/indoor/b.png", &img),
        Entry::File("mydata/dogs/c.png", &img),
        Entry::File("mydata/d.png", &img),
    ]);
    let mut import = ZipImport::open(zip.path(), ZipLimits::default()).unwrap();
    assert_eq!(import.root(), "mydata/");
    let (files, skipped) = collect(&mut import);
    assert!(skipped.is_empty(), "{skipped:?}");
    let tags: Vec<(&str, Option<&str>)> = files
        .iter()
        .map(|f| (f.path.as_str(), f.tag.as_deref()))
        .collect();
    assert_eq!(
        tags,
        [
            ("cats/a.png", Some("cats")),
            ("cats/indoor/b.png", Some("cats/indoor")),
            ("dogs/c.png", Some("dogs")),
            ("d.png", None),
        ]
    );
    assert_eq!(files[1].file_name, "b.png");
}

#[test]
fn a_single_class_folder_keeps_its_tag() {
    let img = png(8, 8);
    let zip = zip_file(&[
        Entry::File("cats/a.png", &img),
        Entry::File("cats/b.png", &img),
    ]);
    let mut import = ZipImport::open(zip.path(), ZipLimits::default()).unwrap();
    assert_eq!(import.root(), "");
    let (files, _) = collect(&mut import);
    assert!(files.iter().all(|f| f.tag.as_deref() == Some("cats")));
}

#[test]
fn manifest_at_the_root_is_found_and_parsed() {
    let img = png(8, 8);
    let manifest = "file,tag,label,boxes,source\n\
        cats/a.png,,circle,\"[{\"\"label\"\":\"\"circle\"\",\"\"x\"\":1,\"\"y\"\":2,\"\"w\"\":3,\"\"h\"\":4}]\",cam1\n\
        b.png,extra,square,,cam2\n";
    let zip = zip_file(&[
        Entry::File("set/manifest.csv", manifest.as_bytes()),
        Entry::File("set/cats/a.png", &img),
        Entry::File("set/b.png", &img),
    ]);
    let mut import = ZipImport::open(zip.path(), ZipLimits::default()).unwrap();
    assert_eq!(import.root(), "set/");
    assert_eq!(import.manifest_path(), Some("set/manifest.csv"));
    let rows = import.read_manifest().unwrap().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].file, "cats/a.png");
    assert_eq!(rows[0].label.as_deref(), Some("circle"));
    assert_eq!(rows[0].boxes.as_ref().unwrap()[0].w, 3.0);
    assert_eq!(rows[1].tag.as_deref(), Some("extra"));
    assert_eq!(rows[1].meta["source"], "cam2");
    let (files, skipped) = collect(&mut import);
    assert_eq!(files.len(), 2, "the manifest is not an item");
    assert!(skipped.is_empty());
}

#[test]
fn jsonl_manifest_and_chinese_names() {
    let img = png(8, 8);
    let manifest = "{\"file\":\"猫/a.png\",\"label\":\"star\"}\n";
    let zip = zip_file(&[
        Entry::File("manifest.jsonl", manifest.as_bytes()),
        Entry::File("猫/a.png", &img),
        Entry::File("狗/b.png", &img),
    ]);
    let mut import = ZipImport::open(zip.path(), ZipLimits::default()).unwrap();
    assert_eq!(import.manifest_path(), Some("manifest.jsonl"));
    let rows = import.read_manifest().unwrap().unwrap();
    assert_eq!(rows[0].file, "猫/a.png");
    let (files, _) = collect(&mut import);
    assert_eq!(files.len(), 2);
    assert_eq!(files[0].tag.as_deref(), Some("猫"));
    assert_eq!(files[1].tag.as_deref(), Some("狗"));
}

#[test]
fn duplicate_paths_and_bad_archives() {
    let img = png(8, 8);
    let zip = zip_file(&[Entry::File("a.png", &img), Entry::File("./a.png", &img)]);
    let mut import = ZipImport::open(zip.path(), ZipLimits::default()).unwrap();
    let (files, skipped) = collect(&mut import);
    assert_eq!(files.len(), 1);
    assert_eq!(skipped[0].1, "duplicate_path");

    let not_zip = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(not_zip.path(), b"this is not a zip").unwrap();
    let err = ZipImport::open(not_zip.path(), ZipLimits::default()).unwrap_err();
    assert_eq!(err.code(), "bad_archive");

    let limits = ZipLimits {
        max_entries: 1,
        ..ZipLimits::default()
    };
    let two = zip_file(&[Entry::File("a.png", &img), Entry::File("b.png", &img)]);
    assert!(matches!(
        ZipImport::open(two.path(), limits),
        Err(MediaError::TooManyEntries { count: 2, limit: 1 })
    ));
}

#[test]
fn total_size_cap_skips_the_rest() {
    let blob = vec![7u8; 3000];
    let zip = zip_file(&[
        Entry::File("a.bin", &blob),
        Entry::File("b.bin", &blob),
        Entry::File("c.bin", &blob),
    ]);
    let limits = ZipLimits {
        max_total_bytes: 7000,
        ..ZipLimits::default()
    };
    let mut import = ZipImport::open(zip.path(), limits).unwrap();
    let (files, skipped) = collect(&mut import);
    assert_eq!(files.len(), 2);
    assert_eq!(skipped, [("c.bin".to_owned(), "too_large")]);
}
