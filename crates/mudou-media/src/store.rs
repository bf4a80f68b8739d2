//! Content-addressed blob storage on top of `object_store`: a local folder by default,
//! S3-compatible storage by configuration (crate feature `s3`).

use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, PutMode, PutOptions, PutPayload};

use crate::{MediaError, Processed, content_type_of};

/// What a blob is; decides its key prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BlobKind {
    /// The uploaded bytes, unchanged: `originals/ab/abcdef…`.
    Original,
    /// The thumbnail rendition: `thumb/ab/abcdef…`.
    Thumb,
    /// The screen rendition: `screen/ab/abcdef…`.
    Screen,
    /// The phone rendition: `phone/ab/abcdef…`.
    Phone,
    /// A recorded read-aloud or speech made on the server: `audio/ab/abcdef…` (not an
    /// item's file: not among [`BlobKind::ALL`]).
    Audio,
}

impl BlobKind {
    pub const ALL: [BlobKind; 4] = [
        BlobKind::Original,
        BlobKind::Thumb,
        BlobKind::Screen,
        BlobKind::Phone,
    ];

    fn prefix(self) -> &'static str {
        match self {
            BlobKind::Original => "originals",
            BlobKind::Thumb => "thumb",
            BlobKind::Screen => "screen",
            BlobKind::Phone => "phone",
            BlobKind::Audio => "audio",
        }
    }
}

/// The object key of a blob: `<prefix>/<first two hex digits>/<sha256 hex>`.
pub fn blob_key(kind: BlobKind, sha256: &str) -> Result<String, MediaError> {
    let valid = sha256.len() == 64
        && sha256
            .bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c));
    if !valid {
        return Err(MediaError::BadKey(sha256.to_owned()));
    }
    Ok(format!("{}/{}/{}", kind.prefix(), &sha256[..2], sha256))
}

/// S3-compatible storage settings (AWS S3, MinIO, Ceph RGW, Alibaba OSS, …).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct S3Config {
    pub bucket: String,
    /// Key prefix inside the bucket, without slashes at either end (`""`: none).
    pub prefix: String,
    /// e.g. `http://127.0.0.1:9000` (path-style requests); `None` for AWS itself.
    pub endpoint: Option<String>,
    /// `None`: `AWS_REGION`/`AWS_DEFAULT_REGION`, else `us-east-1`.
    pub region: Option<String>,
    /// Allow plain-HTTP endpoints (a MinIO on the local network).
    pub allow_http: bool,
    /// `None` (what the `mudou` binary always uses): from the environment, as
    /// `object_store`'s `AmazonS3Builder::from_env` reads it (`AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, a container or instance role).
    pub credentials: Option<S3Credentials>,
}

impl S3Config {
    /// From `s3://bucket` or `s3://bucket/prefix/…`.
    pub fn from_url(url: &str) -> Result<S3Config, MediaError> {
        let bad = |why: &str| {
            MediaError::Config(format!("{url:?} is not an s3://bucket/prefix URL: {why}"))
        };
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| bad("it must start with s3://"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let valid_bucket = (3..=63).contains(&bucket.len())
            && bucket
                .bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'.');
        if !valid_bucket {
            return Err(bad(
                "the bucket name must be 3–63 lowercase letters, digits, '-' or '.'",
            ));
        }
        let prefix = prefix.trim_matches('/');
        if prefix
            .split('/')
            .any(|p| p.is_empty() || p == "." || p == "..")
            && !prefix.is_empty()
        {
            return Err(bad("the prefix has an empty, '.' or '..' part"));
        }
        Ok(S3Config {
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
            ..S3Config::default()
        })
    }
}

/// An access key and its secret. `Debug` never shows them.
#[derive(Clone, PartialEq, Eq)]
pub struct S3Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl std::fmt::Debug for S3Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("S3Credentials(<redacted>)")
    }
}

/// Where blobs live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobStoreConfig {
    /// A local folder (created if missing).
    Local { root: PathBuf },
    /// S3-compatible object storage; needs the crate feature `s3`.
    S3(S3Config),
    /// In process memory; for tests and demos.
    Memory,
}

/// Whether a put stored new bytes or found them already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutOutcome {
    Stored,
    AlreadyPresent,
}

/// A stored blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob {
    pub bytes: Bytes,
    /// Sniffed from the content (`application/octet-stream` if not an image).
    pub content_type: &'static str,
}

/// Content-addressed storage of originals and renditions. Cheap to clone.
#[derive(Debug, Clone)]
pub struct BlobStore {
    inner: Arc<dyn ObjectStore>,
    /// The backend supports atomic create-if-absent (local folder, memory).
    atomic_create: bool,
}

impl BlobStore {
    /// A store in a local folder, created if missing.
    pub fn local(root: impl Into<PathBuf>) -> Result<Self, MediaError> {
        let root = root.into();
        std::fs::create_dir_all(&root)?;
        let fs = object_store::local::LocalFileSystem::new_with_prefix(&root)?;
        Ok(BlobStore {
            inner: Arc::new(fs),
            atomic_create: true,
        })
    }

    /// A store in memory (tests, demos).
    pub fn in_memory() -> Self {
        BlobStore {
            inner: Arc::new(object_store::memory::InMemory::new()),
            atomic_create: true,
        }
    }

    /// Any `object_store` implementation (e.g. one configured by the caller).
    pub fn from_object_store(store: Arc<dyn ObjectStore>) -> Self {
        BlobStore {
            inner: store,
            atomic_create: false,
        }
    }

    /// Build from configuration.
    pub fn from_config(config: &BlobStoreConfig) -> Result<Self, MediaError> {
        match config {
            BlobStoreConfig::Local { root } => Self::local(root.clone()),
            BlobStoreConfig::Memory => Ok(Self::in_memory()),
            BlobStoreConfig::S3(s3) => Self::s3(s3),
        }
    }

    #[cfg(feature = "s3")]
    fn s3(c: &S3Config) -> Result<Self, MediaError> {
        if c.bucket.is_empty() {
            return Err(MediaError::Config("the S3 bucket name is empty".into()));
        }
        // Credentials (and anything else AWS_* says) from the environment, unless given.
        let mut b = object_store::aws::AmazonS3Builder::from_env()
            .with_bucket_name(&c.bucket)
            .with_allow_http(c.allow_http);
        if let Some(region) = &c.region {
            b = b.with_region(region);
        }
        if let Some(k) = &c.credentials {
            b = b
                .with_access_key_id(&k.access_key_id)
                .with_secret_access_key(&k.secret_access_key);
        }
        if let Some(endpoint) = &c.endpoint {
            // MinIO and most S3-compatible servers want path-style requests.
            b = b
                .with_endpoint(endpoint)
                .with_virtual_hosted_style_request(false);
        }
        let store = b.build().map_err(|e| MediaError::Config(e.to_string()))?;
        let inner: Arc<dyn ObjectStore> = if c.prefix.is_empty() {
            Arc::new(store)
        } else {
            Arc::new(object_store::prefix::PrefixStore::new(
                store,
                c.prefix.as_str(),
            ))
        };
        Ok(BlobStore {
            inner,
            atomic_create: false,
        })
    }

    #[cfg(not(feature = "s3"))]
    fn s3(_: &S3Config) -> Result<Self, MediaError> {
        Err(MediaError::Config(
            "S3 storage is not compiled in; build with the `s3` feature of mudou-media".into(),
        ))
    }

    /// Checks that the storage answers (lists the originals' first level): a wrong endpoint,
    /// bucket or credentials fail here, at start-up, rather than at the first upload.
    pub async fn check(&self) -> Result<(), MediaError> {
        let prefix = ObjectPath::from(BlobKind::Original.prefix());
        match self.inner.list_with_delimiter(Some(&prefix)).await {
            Ok(_) => Ok(()),
            // A local folder not made yet is fine; a missing bucket is not.
            Err(object_store::Error::NotFound { .. }) if self.atomic_create => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Store `bytes` under `kind`/`sha256` unless something is already there (content
    /// addressing makes the existing bytes identical).
    pub async fn put(
        &self,
        kind: BlobKind,
        sha256: &str,
        bytes: Bytes,
    ) -> Result<PutOutcome, MediaError> {
        let path = ObjectPath::from(blob_key(kind, sha256)?);
        if self.exists_at(&path).await? {
            return Ok(PutOutcome::AlreadyPresent);
        }
        let mode = if self.atomic_create {
            PutMode::Create
        } else {
            // Same key ⇒ same content: a racing overwrite is harmless.
            PutMode::Overwrite
        };
        let opts = PutOptions {
            mode,
            ..Default::default()
        };
        match self
            .inner
            .put_opts(&path, PutPayload::from_bytes(bytes), opts)
            .await
        {
            Ok(_) => Ok(PutOutcome::Stored),
            Err(object_store::Error::AlreadyExists { .. }) => Ok(PutOutcome::AlreadyPresent),
            Err(e) => Err(e.into()),
        }
    }

    /// Store an original under its own SHA-256; returns the hash and the outcome.
    pub async fn put_original(&self, bytes: Bytes) -> Result<(String, PutOutcome), MediaError> {
        let sha = crate::sha256_hex(&bytes);
        let outcome = self.put(BlobKind::Original, &sha, bytes).await?;
        Ok((sha, outcome))
    }

    /// Store an original and the renditions of a processed image. The outcome is that of
    /// the original (a duplicate upload gives `AlreadyPresent`); missing renditions of a
    /// duplicate are filled in.
    pub async fn put_processed(
        &self,
        original: Bytes,
        processed: &Processed,
    ) -> Result<PutOutcome, MediaError> {
        let sha = &processed.sha256;
        let renditions = [
            (BlobKind::Thumb, &processed.thumb.bytes),
            (BlobKind::Screen, &processed.screen.bytes),
            (BlobKind::Phone, &processed.phone.bytes),
        ];
        // Renditions first: an original is never visible without them.
        for (kind, bytes) in renditions {
            self.put(kind, sha, bytes.clone()).await?;
        }
        self.put(BlobKind::Original, sha, original).await
    }

    /// True if the blob exists.
    pub async fn exists(&self, kind: BlobKind, sha256: &str) -> Result<bool, MediaError> {
        self.exists_at(&ObjectPath::from(blob_key(kind, sha256)?))
            .await
    }

    async fn exists_at(&self, path: &ObjectPath) -> Result<bool, MediaError> {
        match self.inner.head(path).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// The blob's bytes and content type, or `None` if absent.
    pub async fn get(&self, kind: BlobKind, sha256: &str) -> Result<Option<Blob>, MediaError> {
        let path = ObjectPath::from(blob_key(kind, sha256)?);
        let result = match self.inner.get(&path).await {
            Ok(r) => r,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let bytes = result.bytes().await?;
        let content_type = content_type_of(&bytes);
        Ok(Some(Blob {
            bytes,
            content_type,
        }))
    }

    /// Bytes `range` of a blob (clamped to its end), or `None` if absent.
    pub async fn get_range(
        &self,
        kind: BlobKind,
        sha256: &str,
        range: std::ops::Range<u64>,
    ) -> Result<Option<Bytes>, MediaError> {
        let path = ObjectPath::from(blob_key(kind, sha256)?);
        let size = match self.inner.head(&path).await {
            Ok(m) => m.size,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let range = range.start.min(size)..range.end.min(size);
        if range.is_empty() {
            return Ok(Some(Bytes::new()));
        }
        match self.inner.get_range(&path, range).await {
            Ok(b) => Ok(Some(b)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Delete one blob; deleting an absent blob is not an error.
    pub async fn delete(&self, kind: BlobKind, sha256: &str) -> Result<(), MediaError> {
        let path = ObjectPath::from(blob_key(kind, sha256)?);
        match self.inner.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Delete the original and its renditions (cleanup after a failed request).
    pub async fn delete_all(&self, sha256: &str) -> Result<(), MediaError> {
        for kind in BlobKind::ALL {
            self.delete(kind, sha256).await?;
        }
        Ok(())
    }
}
