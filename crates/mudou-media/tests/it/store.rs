use bytes::Bytes;
use mudou_media::{
    BlobKind, BlobStore, BlobStoreConfig, Limits, PutOutcome, S3Config, S3Credentials, blob_key,
    process_image,
};

use crate::fixtures::*;

#[tokio::test]
async fn local_store_puts_once_and_gets_back() {
    let dir = tempfile::tempdir().unwrap();
    let store = BlobStore::from_config(&BlobStoreConfig::Local {
        root: dir.path().join("media"),
    })
    .unwrap();
    let original = Bytes::from(jpeg(400, 300));
    let p = process_image(&original, &Limits::default()).unwrap();

    assert_eq!(
        store.put_processed(original.clone(), &p).await.unwrap(),
        PutOutcome::Stored
    );
    assert_eq!(
        store.put_processed(original.clone(), &p).await.unwrap(),
        PutOutcome::AlreadyPresent
    );
    let (sha, again) = store.put_original(original.clone()).await.unwrap();
    assert_eq!(
        (sha.as_str(), again),
        (p.sha256.as_str(), PutOutcome::AlreadyPresent)
    );

    let key = blob_key(BlobKind::Original, &p.sha256).unwrap();
    assert_eq!(key, format!("originals/{}/{}", &p.sha256[..2], p.sha256));
    assert!(dir.path().join("media").join(&key).is_file());
    assert!(
        dir.path()
            .join("media/thumb")
            .join(&p.sha256[..2])
            .join(&p.sha256)
            .is_file()
    );

    let got = store
        .get(BlobKind::Original, &p.sha256)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.bytes, original);
    assert_eq!(got.content_type, "image/jpeg");
    let thumb = store
        .get(BlobKind::Thumb, &p.sha256)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(thumb.bytes, p.thumb.bytes);
    let phone = store
        .get(BlobKind::Phone, &p.sha256)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(phone.bytes, p.phone.bytes);

    store.delete_all(&p.sha256).await.unwrap();
    assert!(
        store
            .get(BlobKind::Original, &p.sha256)
            .await
            .unwrap()
            .is_none()
    );
    assert!(!store.exists(BlobKind::Screen, &p.sha256).await.unwrap());
    assert!(!store.exists(BlobKind::Phone, &p.sha256).await.unwrap());
    store.delete(BlobKind::Screen, &p.sha256).await.unwrap();
}

#[tokio::test]
async fn bad_keys_and_memory_store() {
    let store = BlobStore::in_memory();
    let err = store
        .get(BlobKind::Thumb, "../../etc/passwd")
        .await
        .unwrap_err();
    assert_eq!(err.code(), "bad_key");
    let err = store
        .put(BlobKind::Thumb, &"A".repeat(64), Bytes::new())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "bad_key");
    let (sha, o) = store.put_original(Bytes::from_static(b"x")).await.unwrap();
    assert_eq!(o, PutOutcome::Stored);
    let blob = store.get(BlobKind::Original, &sha).await.unwrap().unwrap();
    assert_eq!(blob.content_type, "application/octet-stream");
}

#[test]
fn s3_config_hides_the_credentials() {
    let c = S3Config {
        bucket: "b".into(),
        credentials: Some(S3Credentials {
            access_key_id: "AKIAEXAMPLEKEY".into(),
            secret_access_key: "hunter2".into(),
        }),
        ..S3Config::default()
    };
    let shown = format!("{c:?}");
    assert!(
        !shown.contains("hunter2") && !shown.contains("AKIAEXAMPLEKEY"),
        "{shown}"
    );
    #[cfg(not(feature = "s3"))]
    assert_eq!(
        BlobStore::from_config(&BlobStoreConfig::S3(c))
            .unwrap_err()
            .code(),
        "storage_config"
    );
}

#[test]
fn s3_urls_name_a_bucket_and_a_prefix() {
    let c = S3Config::from_url("s3://mudou-media/centre/a/").unwrap();
    assert_eq!(
        (c.bucket.as_str(), c.prefix.as_str()),
        ("mudou-media", "centre/a")
    );
    assert_eq!(c.credentials, None);
    let c = S3Config::from_url("s3://mudou-media").unwrap();
    assert_eq!((c.bucket.as_str(), c.prefix.as_str()), ("mudou-media", ""));
    for bad in [
        "http://x/y",
        "s3://",
        "s3:///p",
        "s3://Upper/p",
        "s3://ok-bucket/a//b",
        "s3://ok-bucket/../b",
    ] {
        let e = S3Config::from_url(bad).unwrap_err();
        assert_eq!(e.code(), "storage_config", "{bad}");
    }
}
