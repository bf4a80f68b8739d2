//! Safe iteration over a ZIP archive spooled to disk. Entries are read one at a time with a
//! size cap; unsafe or unwanted entries are reported and skipped, never fatal.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use zip::{CompressionMethod, ZipArchive};

use crate::MediaError;
use crate::manifest::{AnyManifest, ManifestRow, TableFormat, parse_any_manifest, parse_manifest};

/// Limits for one archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipLimits {
    /// Most entries (files, folders, anything) in the archive (default 100 000).
    pub max_entries: usize,
    /// Largest uncompressed entry, in bytes (default 100 MiB).
    pub max_entry_bytes: u64,
    /// Most uncompressed bytes read from the whole archive (default 16 GiB).
    pub max_total_bytes: u64,
    /// Largest manifest, in bytes (default 64 MiB).
    pub max_manifest_bytes: u64,
}

impl Default for ZipLimits {
    fn default() -> Self {
        ZipLimits {
            max_entries: 100_000,
            max_entry_bytes: 100 * 1024 * 1024,
            max_total_bytes: 16 * 1024 * 1024 * 1024,
            max_manifest_bytes: 64 * 1024 * 1024,
        }
    }
}

/// A file read from the archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipEntry {
    /// Path relative to the archive root, `/`-separated, normalised and safe.
    pub path: String,
    /// The last path component.
    pub file_name: String,
    /// The parent folder(s) relative to the root, e.g. `cats` or `cats/indoor`; `None` at the root.
    pub tag: Option<String>,
    pub bytes: Vec<u8>,
}

/// An entry that was not read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedEntry {
    /// The entry's name as stored (decoded for display; may be unsafe).
    pub path: String,
    pub error: MediaError,
}

/// One step of [`ZipImport::entries`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZipItem {
    File(ZipEntry),
    Skipped(SkippedEntry),
}

#[derive(Debug)]
enum Planned {
    Read { index: usize, path: String },
    Skip(SkippedEntry),
}

/// An opened archive: its central directory is checked up front, entries are read lazily.
///
/// If every file lies under one top-level folder that has folders (or the manifest) inside it,
/// that folder is taken as the archive root (zipping a folder `mydata/` with `cats/` and
/// `dogs/` inside gives tags `cats` and `dogs`). The manifest is `manifest.csv` or
/// `manifest.jsonl` directly in the root.
pub struct ZipImport {
    archive: ZipArchive<BufReader<File>>,
    limits: ZipLimits,
    root: String,
    manifest: Option<(usize, String, TableFormat)>,
    plan: Vec<Planned>,
}

impl std::fmt::Debug for ZipImport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZipImport")
            .field("root", &self.root)
            .field("manifest", &self.manifest)
            .field("entries", &self.plan.len())
            .finish()
    }
}

impl ZipImport {
    /// Open a ZIP file on disk and check its directory (no entry data is read yet).
    pub fn open(path: impl AsRef<Path>, limits: ZipLimits) -> Result<Self, MediaError> {
        let file = File::open(path)?;
        let mut archive = ZipArchive::new(BufReader::new(file)).map_err(zip_error)?;
        if archive.len() > limits.max_entries {
            return Err(MediaError::TooManyEntries {
                count: archive.len(),
                limit: limits.max_entries,
            });
        }
        let mut plan = Vec::with_capacity(archive.len());
        let mut seen = HashSet::new();
        for index in 0..archive.len() {
            let entry = archive.by_index_raw(index).map_err(zip_error)?;
            let display = decode_name(entry.name_raw(), entry.name());
            let skip = |error| {
                Planned::Skip(SkippedEntry {
                    path: display.clone(),
                    error,
                })
            };
            let planned = match safe_path(&display) {
                Err(error) => skip(error),
                Ok(_) if entry.is_symlink() => skip(MediaError::Symlink {
                    path: display.clone(),
                }),
                Ok(_) if entry.is_dir() => skip(MediaError::Directory {
                    path: display.clone(),
                }),
                Ok(None) => skip(MediaError::Directory {
                    path: display.clone(),
                }),
                Ok(Some(path)) if is_hidden(&path) => skip(MediaError::HiddenFile { path }),
                Ok(Some(_)) if entry.encrypted() => skip(MediaError::Encrypted {
                    path: display.clone(),
                }),
                Ok(Some(_))
                    if !matches!(
                        entry.compression(),
                        CompressionMethod::Stored | CompressionMethod::Deflated
                    ) =>
                {
                    skip(MediaError::UnsupportedCompression {
                        path: display.clone(),
                        method: format!("{:?}", entry.compression()),
                    })
                }
                Ok(Some(path)) if !seen.insert(path.clone()) => {
                    skip(MediaError::DuplicatePath { path })
                }
                Ok(Some(path)) => Planned::Read { index, path },
            };
            plan.push(planned);
        }

        let root = common_root(&plan);
        let mut import = ZipImport {
            archive,
            limits,
            root,
            manifest: None,
            plan,
        };
        import.find_manifest();
        Ok(import)
    }

    fn find_manifest(&mut self) {
        let root = self.root.clone();
        let mut found: Option<(usize, String, TableFormat)> = None;
        for planned in &mut self.plan {
            let Planned::Read { index, path } = planned else {
                continue;
            };
            let rel = path.strip_prefix(&root).unwrap_or(path);
            let lower = rel.to_ascii_lowercase();
            let format = match lower.as_str() {
                "manifest.csv" => TableFormat::Csv,
                "manifest.jsonl" => TableFormat::Jsonl,
                _ => continue,
            };
            if let Some((_, first, _)) = &found {
                *planned = Planned::Skip(SkippedEntry {
                    path: path.clone(),
                    error: MediaError::BadManifest {
                        file: path.clone(),
                        line: 0,
                        message: format!("a second manifest; only {first} is used"),
                    },
                });
            } else {
                found = Some((*index, path.clone(), format));
                // The manifest is read by `read_manifest`, not yielded as an entry.
                *planned = Planned::Skip(SkippedEntry {
                    path: String::new(),
                    error: MediaError::Directory {
                        path: String::new(),
                    },
                });
            }
        }
        self.plan
            .retain(|p| !matches!(p, Planned::Skip(s) if s.path.is_empty()));
        self.manifest = found;
    }

    /// The folder taken as the archive root (`""` or e.g. `mydata/`).
    pub fn root(&self) -> &str {
        &self.root
    }

    /// The manifest's path in the archive, if there is one.
    pub fn manifest_path(&self) -> Option<&str> {
        self.manifest.as_ref().map(|(_, p, _)| p.as_str())
    }

    /// Number of items [`entries`](Self::entries) will yield (files and skipped entries).
    pub fn len(&self) -> usize {
        self.plan.len()
    }

    /// True if the archive yields nothing.
    pub fn is_empty(&self) -> bool {
        self.plan.is_empty()
    }

    /// Read and parse the manifest, if there is one. Row `file`s are relative to the root.
    pub fn read_manifest(&mut self) -> Result<Option<Vec<ManifestRow>>, MediaError> {
        let Some((index, path, format)) = self.manifest.clone() else {
            return Ok(None);
        };
        let bytes = read_capped(
            &mut self.archive,
            index,
            &path,
            self.limits.max_manifest_bytes,
        )?;
        parse_manifest(format, &path, &bytes).map(Some)
    }

    /// Read and parse the manifest, if there is one, of either shape ([`AnyManifest`]): a
    /// records manifest's picture columns are recognised by the archive's files.
    pub fn read_any_manifest(&mut self) -> Result<Option<AnyManifest>, MediaError> {
        let Some((index, path, format)) = self.manifest.clone() else {
            return Ok(None);
        };
        let bytes = read_capped(
            &mut self.archive,
            index,
            &path,
            self.limits.max_manifest_bytes,
        )?;
        let root = self.root.clone();
        let files: HashSet<&str> = self
            .plan
            .iter()
            .filter_map(|p| match p {
                Planned::Read { path, .. } => Some(path.strip_prefix(&root).unwrap_or(path)),
                Planned::Skip(_) => None,
            })
            .collect();
        parse_any_manifest(format, &path, &bytes, &|p| files.contains(p)).map(Some)
    }

    /// Read the entries in archive order, one at a time.
    pub fn entries(&mut self) -> ZipEntries<'_> {
        ZipEntries {
            import: self,
            pos: 0,
            total: 0,
        }
    }
}

/// Iterator over the items of a [`ZipImport`].
pub struct ZipEntries<'a> {
    import: &'a mut ZipImport,
    pos: usize,
    total: u64,
}

impl Iterator for ZipEntries<'_> {
    type Item = ZipItem;

    fn next(&mut self) -> Option<ZipItem> {
        let planned = self.import.plan.get(self.pos)?;
        self.pos += 1;
        let (index, path) = match planned {
            Planned::Skip(s) => return Some(ZipItem::Skipped(s.clone())),
            Planned::Read { index, path } => (*index, path.clone()),
        };
        let limits = &self.import.limits;
        let remaining = limits.max_total_bytes.saturating_sub(self.total);
        let cap = limits.max_entry_bytes.min(remaining);
        let skipped = |error| {
            Some(ZipItem::Skipped(SkippedEntry {
                path: path.clone(),
                error,
            }))
        };
        let bytes = match read_capped(&mut self.import.archive, index, &path, cap) {
            Ok(b) => b,
            Err(MediaError::TooLarge { .. }) if cap < limits.max_entry_bytes => {
                return skipped(MediaError::TooLarge {
                    what: format!(
                        "the archive holds more than {} bytes in all",
                        limits.max_total_bytes
                    ),
                });
            }
            Err(e) => return skipped(e),
        };
        self.total += bytes.len() as u64;
        let rel = path
            .strip_prefix(&self.import.root)
            .unwrap_or(&path)
            .to_owned();
        let (tag, file_name) = match rel.rsplit_once('/') {
            Some((dir, name)) => (Some(dir.to_owned()), name.to_owned()),
            None => (None, rel.clone()),
        };
        Some(ZipItem::File(ZipEntry {
            path: rel,
            file_name,
            tag,
            bytes,
        }))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.import.plan.len() - self.pos;
        (n, Some(n))
    }
}

fn read_capped(
    archive: &mut ZipArchive<BufReader<File>>,
    index: usize,
    path: &str,
    cap: u64,
) -> Result<Vec<u8>, MediaError> {
    let too_large = || MediaError::TooLarge {
        what: format!("{path} is larger than {cap} bytes"),
    };
    let entry = archive.by_index(index).map_err(|e| MediaError::Corrupt {
        detail: format!("{path}: {e}"),
    })?;
    if entry.size() > cap {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(entry.size().min(cap) as usize);
    entry
        .take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| MediaError::Corrupt {
            detail: format!("{path}: {e}"),
        })?;
    if bytes.len() as u64 > cap {
        return Err(too_large());
    }
    Ok(bytes)
}

fn zip_error(e: zip::result::ZipError) -> MediaError {
    match e {
        zip::result::ZipError::Io(io) => MediaError::Io(io.to_string()),
        other => MediaError::BadArchive {
            detail: other.to_string(),
        },
    }
}

/// Entry names: UTF-8 when valid (the UTF-8 flag is often missing), else GBK/GB18030 (what
/// Chinese Windows writes), else the library's CP437 reading.
fn decode_name(raw: &[u8], fallback: &str) -> String {
    if let Ok(s) = std::str::from_utf8(raw) {
        return s.to_owned();
    }
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(raw);
    if had_errors {
        fallback.to_owned()
    } else {
        text.into_owned()
    }
}

/// A normalised safe relative path, `Ok(None)` for a name with no components (a directory),
/// or `UnsafePath` for absolute paths, drive letters, `..` and NUL.
pub fn safe_path(name: &str) -> Result<Option<String>, MediaError> {
    let unsafe_path = || MediaError::UnsafePath {
        path: name.to_owned(),
    };
    let n = name.replace('\\', "/");
    if n.starts_with('/') || n.contains('\0') {
        return Err(unsafe_path());
    }
    let mut parts = Vec::new();
    for (i, part) in n.split('/').enumerate() {
        match part {
            "" | "." => {}
            ".." => return Err(unsafe_path()),
            p if i == 0 && p.contains(':') => return Err(unsafe_path()),
            p => parts.push(p),
        }
    }
    Ok((!parts.is_empty()).then(|| parts.join("/")))
}

fn is_hidden(path: &str) -> bool {
    path.split('/').any(|part| {
        part.starts_with('.')
            || part == "__MACOSX"
            || part.eq_ignore_ascii_case("Thumbs.db")
            || part.eq_ignore_ascii_case("desktop.ini")
    })
}

fn common_root(plan: &[Planned]) -> String {
    let paths: Vec<&str> = plan
        .iter()
        .filter_map(|p| match p {
            Planned::Read { path, .. } => Some(path.as_str()),
            Planned::Skip(_) => None,
        })
        .collect();
    let Some(first) = paths.first() else {
        return String::new();
    };
    let Some((top, _)) = first.split_once('/') else {
        return String::new();
    };
    let prefix = format!("{top}/");
    if !paths.iter().all(|p| p.starts_with(&prefix)) {
        return String::new();
    }
    let has_structure = paths.iter().any(|p| {
        let rel = &p[prefix.len()..];
        rel.contains('/')
            || rel.eq_ignore_ascii_case("manifest.csv")
            || rel.eq_ignore_ascii_case("manifest.jsonl")
    });
    if has_structure { prefix } else { String::new() }
}
