use bytes::Bytes;
use mudou_media::{
    BlobKind, BlobStore, BlobStoreConfig, Limits, PutOutcome, S3Config, blob_key, process_image,
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

    store.delete_all(&p.sha256).await.unwrap();
    assert!(
        store
            .get(BlobKind::Original, &p.sha256)
            .await
            .unwrap()
            .is_none()
    );
    assert!(!store.exists(BlobKind::Screen, &p.sha256).await.unwrap());
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
fn s3_config_hides_the_secret() {
    let c = S3Config {
        bucket: "b".into(),
        secret_access_key: "hunter2".into(),
        ..S3Config::default()
    };
    assert!(!format!("{c:?}").contains("hunter2"));
    #[cfg(not(feature = "s3"))]
    assert_eq!(
        BlobStore::from_config(&BlobStoreConfig::S3(c))
            .unwrap_err()
            .code(),
        "storage_config"
    );
}
