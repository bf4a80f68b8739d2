//! The one error type of this crate, with a stable machine code per variant.

/// Everything that can go wrong while validating, converting or storing media.
///
/// Each variant has a stable machine code ([`MediaError::code`]) that the server shows next to
/// the human message (`Display`). Codes never change once released; messages may.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MediaError {
    /// The file is empty.
    #[error("the file is empty (0 bytes)")]
    ZeroBytes,
    /// The content is not an image (text, PDF, archive, …). `detected` names what it looks like.
    #[error("not an image{}", detected.map(|d| format!(": the content looks like {d}")).unwrap_or_default())]
    NotAnImage { detected: Option<&'static str> },
    /// A recognised image format that Mudou does not accept (HEIC, AVIF, SVG, …).
    #[error("unsupported image format {format}; please convert it to JPEG or PNG")]
    UnsupportedFormat { format: &'static str },
    /// A size limit (file bytes, width/height, pixels, archive entry size) was exceeded.
    #[error("too large: {what}")]
    TooLarge { what: String },
    /// The image declares far more pixels than its compressed size can plausibly hold.
    #[error(
        "refused as a decompression bomb: {width}×{height} pixels from only {file_bytes} bytes"
    )]
    DecompressionBomb {
        width: u32,
        height: u32,
        file_bytes: u64,
    },
    /// The image declares a width or height of zero.
    #[error("the image declares zero width or height ({width}×{height})")]
    ZeroDimensions { width: u32, height: u32 },
    /// The file ends before the image data does.
    #[error("the image is truncated (the file ends early)")]
    Truncated,
    /// The data is damaged or violates its format.
    #[error("the image is damaged: {detail}")]
    Corrupt { detail: String },
    /// An archive entry path escapes the archive (`../`, absolute path, drive letter).
    #[error("unsafe path in archive: {path}")]
    UnsafePath { path: String },
    /// An archive entry is a symbolic link.
    #[error("symbolic links are not accepted: {path}")]
    Symlink { path: String },
    /// An archive entry is a directory (skipped; nothing to import).
    #[error("directory entry: {path}")]
    Directory { path: String },
    /// A hidden or system file (`.DS_Store`, `__MACOSX/`, `Thumbs.db`, dot-files); skipped.
    #[error("hidden or system file: {path}")]
    HiddenFile { path: String },
    /// The same path occurs twice in the archive.
    #[error("duplicate path in archive: {path}")]
    DuplicatePath { path: String },
    /// An archive entry is encrypted.
    #[error("encrypted archive entries are not supported: {path}")]
    Encrypted { path: String },
    /// An archive entry uses a compression method other than stored/deflate.
    #[error("unsupported compression method in {path}: {method}")]
    UnsupportedCompression { path: String, method: String },
    /// The archive itself is unreadable (not a ZIP, damaged central directory, …).
    #[error("the archive cannot be read: {detail}")]
    BadArchive { detail: String },
    /// The archive has more entries than allowed.
    #[error("the archive has {count} entries; the limit is {limit}")]
    TooManyEntries { count: usize, limit: usize },
    /// A manifest or text-items file is malformed; `line` is 1-based (the CSV header is line 1).
    #[error("{file}, line {line}: {message}")]
    BadManifest {
        file: String,
        line: u64,
        message: String,
    },
    /// A line of a conversations file cannot be taken (not an object, no prompt, …); `line`
    /// is 1-based. The file's other lines are taken.
    #[error("{file}, line {line}: {message}")]
    BadConversation {
        file: String,
        line: u64,
        message: String,
    },
    /// A blob key is not a SHA-256 hex digest.
    #[error("invalid content hash {0:?}: expected 64 lowercase hex digits")]
    BadKey(String),
    /// Storage configuration is invalid or needs a feature not compiled in.
    #[error("storage configuration: {0}")]
    Config(String),
    /// The object store failed.
    #[error("object storage failed: {0}")]
    Storage(String),
    /// Local I/O failed (reading a spooled archive, …).
    #[error("I/O error: {0}")]
    Io(String),
    /// Encoding a rendition failed (an internal error, not the uploader's fault).
    #[error("could not encode a rendition: {0}")]
    Encode(String),
    /// The server's decode memory ([`crate::DecodeBudget`]) stayed spent by other pictures for
    /// as long as a picture may wait; sending the file again later will do.
    #[error(
        "the server is busy decoding other large pictures: this one needs {needed_mib} MiB and none came free within {waited_s} s; please send it again later"
    )]
    Busy { needed_mib: u64, waited_s: u64 },
    /// A manifest row names a file the archive (or folder) does not hold.
    #[error("no file {path} in the upload")]
    MissingFile { path: String },
    /// A picture of a record (a manifest row) could not be taken; `error` says why.
    #[error("{field} ({path}): {error}")]
    InRecord {
        field: String,
        path: String,
        error: Box<MediaError>,
    },
}

impl MediaError {
    /// A stable, machine-readable code (snake_case) for this error.
    pub fn code(&self) -> &'static str {
        match self {
            MediaError::ZeroBytes => "zero_bytes",
            MediaError::NotAnImage { .. } => "not_an_image",
            MediaError::UnsupportedFormat { .. } => "unsupported_format",
            MediaError::TooLarge { .. } => "too_large",
            MediaError::DecompressionBomb { .. } => "decompression_bomb",
            MediaError::ZeroDimensions { .. } => "zero_dimensions",
            MediaError::Truncated => "truncated",
            MediaError::Corrupt { .. } => "corrupt",
            MediaError::UnsafePath { .. } => "unsafe_path",
            MediaError::Symlink { .. } => "symlink",
            MediaError::Directory { .. } => "directory",
            MediaError::HiddenFile { .. } => "hidden_file",
            MediaError::DuplicatePath { .. } => "duplicate_path",
            MediaError::Encrypted { .. } => "encrypted",
            MediaError::UnsupportedCompression { .. } => "unsupported_compression",
            MediaError::BadArchive { .. } => "bad_archive",
            MediaError::TooManyEntries { .. } => "too_many_entries",
            MediaError::BadManifest { .. } => "bad_manifest",
            MediaError::BadConversation { .. } => "bad_conversation",
            MediaError::BadKey(_) => "bad_key",
            MediaError::Config(_) => "storage_config",
            MediaError::Storage(_) => "storage",
            MediaError::Io(_) => "io",
            MediaError::Encode(_) => "encode",
            MediaError::Busy { .. } => "decode_busy",
            MediaError::MissingFile { .. } => "missing_file",
            MediaError::InRecord { error, .. } => error.code(),
        }
    }

    /// True for the uploader's fault (a bad file); false for server-side failures
    /// (storage, I/O, encoding, configuration, [`MediaError::Busy`]).
    pub fn is_client_error(&self) -> bool {
        if let MediaError::InRecord { error, .. } = self {
            return error.is_client_error();
        }
        !matches!(
            self,
            MediaError::Config(_)
                | MediaError::Storage(_)
                | MediaError::Io(_)
                | MediaError::Encode(_)
                | MediaError::Busy { .. }
        )
    }

    /// True when the same file may well succeed later ([`MediaError::Busy`]): a refusal of
    /// that one file (like a client error), not a failure of the whole request.
    pub fn is_retryable(&self) -> bool {
        if let MediaError::InRecord { error, .. } = self {
            return error.is_retryable();
        }
        matches!(self, MediaError::Busy { .. })
    }

    /// True for archive entries that are skipped as a matter of course (directories, hidden
    /// and system files); a UI may list them quietly or not at all.
    pub fn is_noise(&self) -> bool {
        matches!(
            self,
            MediaError::Directory { .. } | MediaError::HiddenFile { .. }
        )
    }
}

impl From<std::io::Error> for MediaError {
    fn from(e: std::io::Error) -> Self {
        MediaError::Io(e.to_string())
    }
}

impl From<object_store::Error> for MediaError {
    fn from(e: object_store::Error) -> Self {
        MediaError::Storage(e.to_string())
    }
}
