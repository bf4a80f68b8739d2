//! Media: sniffing, decoding with limits, renditions, content hashing, ZIP and manifest
//! import, and content-addressed object storage.
//!
//! Everything CPU-bound here is synchronous (call it from `spawn_blocking`); only
//! [`BlobStore`] is async. See the crate README for limits and error codes.

mod archive;
mod audio;
mod budget;
mod conversation;
mod decode;
pub mod dicom;
mod error;
mod manifest;
mod process;
mod sniff;
mod store;

pub use archive::{SkippedEntry, ZipEntries, ZipEntry, ZipImport, ZipItem, ZipLimits, safe_path};
pub use audio::{
    AudioError, AudioKind, MAX_AUDIO_BYTES, MAX_AUDIO_MS, audio_duration_ms, check_recording,
    sniff_audio, wav_pcm16,
};
pub use budget::{DecodeBudget, Reservation};
pub use conversation::{
    Conversation, ConversationLine, MAX_LINE_BYTES, MAX_MESSAGE_BYTES, MAX_MESSAGES, MAX_RESPONSES,
    Message, Response, Role, parse_conversations, parse_prompt_json, prompt_json,
};
pub use decode::{Decoded, Limits, decode};
pub use error::MediaError;
pub use manifest::{
    AnyManifest, BoxAnnotation, ColumnKind, MAX_RECORD_FIELDS, ManifestRow, RECORD_RESERVED,
    RecordColumn, RecordManifest, RecordRow, TableFormat, TextItem, decode_text,
    parse_any_manifest, parse_manifest, parse_records, parse_text_items,
};
pub use process::{
    JPEG_QUALITY, PHONE_MAX_SIDE, Processed, Rendition, Renditions, SCREEN_MAX_SIDE,
    THUMB_MAX_SIDE, phone_from_screen, process_image, process_many, renditions, sha256_hex,
};
pub use sniff::{ImageKind, content_type_of, sniff};
pub use store::{
    Blob, BlobKind, BlobStore, BlobStoreConfig, PutOutcome, S3Config, S3Credentials, blob_key,
};

/// Re-exported so callers can use the decoded image without naming the `image` crate version.
pub use image::DynamicImage;
