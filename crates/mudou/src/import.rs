//! `mudou import --dataset NAME PATH`: brings a folder of pictures, a ZIP archive, a manifest
//! or a file of text items into a dataset, with a progress bar.
//!
//! Locally (the default) it opens the database and media folder itself and uses the ingest
//! the server's uploads use (`mudou_app::ingest`), committing every chunk; remotely (`--server URL --token mdt_…`) it uploads
//! in batches through `POST /api/v1/datasets/{id}/files`. Either way it is resumable: files
//! whose SHA-256 the dataset already holds are skipped before any decoding or uploading.

use mudou_domain::OrgId;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use mudou_app::Services;
use mudou_app::ingest::{
    CommitMode, DiskFile, FileOutcome, Manifest, Source, ingest_sources, looks_like_zip,
};
use mudou_media::{ManifestRow, TableFormat, ZipImport, ZipItem, ZipLimits};
use serde_json::{Value, json};

use crate::config::ServerArgs;

#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// The dataset to add to; created when it does not exist.
    #[arg(long)]
    pub dataset: String,
    /// A folder (sub-folders become tags; `manifest.csv|jsonl` at its top gives gold and
    /// metadata), a ZIP archive, a manifest (`.csv`/`.jsonl` with a `file` column, paths
    /// relative to it), or with --texts a CSV/JSONL file of text items. A manifest without
    /// a `file` column is of records: each row one item whose columns are its fields
    /// (pictures by their path, texts as they are).
    pub path: PathBuf,
    /// PATH is a CSV or JSONL file of text items (a `text` column).
    #[arg(long, conflicts_with = "conversations")]
    pub texts: bool,
    /// PATH is a JSONL file of conversations for LLM work (one per line: `messages`,
    /// `prompt` + `responses`, `instruction`/`input`/`output`, …; see the upload's
    /// `conversations` part).
    #[arg(long)]
    pub conversations: bool,
    /// Local import: the owning organisation, by name or id (optional when there is only one).
    #[arg(long)]
    pub org: Option<String>,
    /// Upload to a running server (e.g. `http://192.168.1.10:8080`) instead of the local database.
    #[arg(long)]
    pub server: Option<String>,
    /// API token of a client account (`mdt_…`), for --server.
    #[arg(long, env = "MUDOU_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
    #[command(flatten)]
    pub local: ServerArgs,
}

/// How an import went.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    pub accepted: usize,
    /// Already in the dataset (skipped) or repeated within the import.
    pub duplicates: usize,
    /// `(file, code, message)`.
    pub rejected: Vec<(String, String, String)>,
}

impl Summary {
    fn add(&mut self, o: &FileOutcome) {
        match o.status {
            "accepted" => self.accepted += 1,
            "duplicate" => self.duplicates += 1,
            _ => self.rejected.push((
                o.file_name.clone(),
                o.code.unwrap_or("").to_owned(),
                o.message.clone().unwrap_or_default(),
            )),
        }
    }

    fn print(&self, dataset: &str) {
        println!(
            "{dataset}: {} added, {} already there, {} refused",
            self.accepted,
            self.duplicates,
            self.rejected.len()
        );
        for (file, code, message) in self.rejected.iter().take(100) {
            println!("  refused {file}: {code}: {message}");
        }
        if self.rejected.len() > 100 {
            println!("  … and {} more", self.rejected.len() - 100);
        }
    }
}

pub async fn run(args: ImportArgs) -> anyhow::Result<()> {
    let summary = match &args.server {
        Some(server) => {
            let token = args
                .token
                .as_deref()
                .context("--server needs --token (or MUDOU_TOKEN)")?;
            run_remote(server, token, &args).await?
        }
        None => {
            let app = mudou_server::build(args.local.resolve()?).await?;
            let result = run_local(&app.state, &args).await;
            app.state.store.close().await;
            result?
        }
    };
    summary.print(&args.dataset);
    Ok(())
}

fn progress_bar(total: u64, quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} files  {per_sec}  eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

// ---- what to import -----------------------------------------------------------------

/// The files of an import, in order, with the manifest that describes them.
struct Plan {
    sources: Vec<Source>,
    manifest: Option<Vec<ManifestRow>>,
    /// Files (archive entries counted one by one), for the progress bar.
    total: u64,
    /// A records manifest's folder packed as a ZIP for the import (removed when dropped).
    _packed: Option<tempfile::TempPath>,
}

/// Whether a manifest's rows are records (no `file` column: its columns are fields).
fn is_records(path: &Path) -> anyhow::Result<bool> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let format = TableFormat::from_file_name(&name).unwrap_or(TableFormat::Csv);
    let dir = path.parent().unwrap_or(Path::new("."));
    let present = |rel: &str| dir.join(rel).is_file();
    Ok(matches!(
        mudou_media::parse_any_manifest(format, &name, &bytes, &present),
        Ok(mudou_media::AnyManifest::Records(_))
    ))
}

/// A records manifest and the pictures its rows name, packed (not compressed) into a
/// temporary ZIP so that it takes the same path as an uploaded archive: each row one item,
/// a row naming a missing file refused with its reason, the rest imported.
fn pack_records(manifest: &Path) -> anyhow::Result<Plan> {
    use std::io::Write;
    let bytes =
        std::fs::read(manifest).with_context(|| format!("reading {}", manifest.display()))?;
    let name = manifest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "manifest.csv".into());
    let format = TableFormat::from_file_name(&name).unwrap_or(TableFormat::Csv);
    let dir = manifest.parent().unwrap_or(Path::new("."));
    let present = |rel: &str| dir.join(rel).is_file();
    let mudou_media::AnyManifest::Records(records) =
        mudou_media::parse_any_manifest(format, &name, &bytes, &present)?
    else {
        bail!(
            "{} has a file column: not a records manifest",
            manifest.display()
        );
    };
    let tmp = tempfile::NamedTempFile::new()?;
    let mut zip = zip::ZipWriter::new(tmp.reopen()?);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(true);
    let entry = match format {
        TableFormat::Jsonl => "manifest.jsonl",
        _ => "manifest.csv",
    };
    zip.start_file(entry, opts)?;
    zip.write_all(&bytes)?;
    let mut packed = HashSet::new();
    for row in &records.rows {
        for (col, value) in records.fields.iter().zip(&row.values) {
            let (mudou_media::ColumnKind::Image, Some(rel)) = (col.kind, value) else {
                continue;
            };
            let full = dir.join(rel);
            // A missing file is left out: the import refuses its row with the reason.
            if !full.is_file() || !packed.insert(rel.clone()) {
                continue;
            }
            zip.start_file(rel.as_str(), opts)?;
            let mut f = std::fs::File::open(&full)
                .with_context(|| format!("reading {}", full.display()))?;
            std::io::copy(&mut f, &mut zip)?;
        }
    }
    zip.finish()?;
    let path = tmp.into_temp_path();
    let f = disk_file(path.to_path_buf(), name)?;
    Ok(Plan {
        sources: vec![Source::Zip(f)],
        manifest: None,
        total: records.rows.len() as u64 + packed.len() as u64,
        _packed: Some(path),
    })
}

fn is_hidden(name: &str) -> bool {
    name.starts_with('.')
        || name == "__MACOSX"
        || name.eq_ignore_ascii_case("Thumbs.db")
        || name.eq_ignore_ascii_case("desktop.ini")
}

fn is_zip(path: &Path) -> anyhow::Result<bool> {
    use std::io::Read;
    let mut head = [0u8; 4];
    let mut f = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let n = f.read(&mut head)?;
    Ok(looks_like_zip(&head[..n]))
}

fn zip_len(path: &Path) -> u64 {
    ZipImport::open(path, ZipLimits::default())
        .map(|z| z.len() as u64)
        .unwrap_or(1)
}

fn disk_file(path: PathBuf, name: String) -> anyhow::Result<DiskFile> {
    let len = std::fs::metadata(&path)
        .with_context(|| format!("reading {}", path.display()))?
        .len();
    Ok(DiskFile { path, name, len })
}

fn read_manifest_file(path: &Path) -> anyhow::Result<Vec<ManifestRow>> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let format = TableFormat::from_file_name(&name).unwrap_or(TableFormat::Csv);
    Ok(mudou_media::parse_manifest(format, &name, &bytes)?)
}

/// A picture or an archive found on disk.
fn file_source(f: DiskFile) -> anyhow::Result<(Source, u64)> {
    Ok(if is_zip(&f.path)? {
        let n = zip_len(&f.path);
        (Source::Zip(f), n)
    } else {
        (Source::Image(f), 1)
    })
}

fn plan(path: &Path, texts: bool, conversations: bool) -> anyhow::Result<Plan> {
    let meta = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
    let base_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "import".into());
    if conversations {
        if !meta.is_file() {
            bail!("--conversations needs a JSONL file");
        }
        let f = disk_file(path.to_owned(), base_name)?;
        return Ok(Plan {
            sources: vec![Source::Conversations(f)],
            manifest: None,
            total: 0,
            _packed: None,
        });
    }
    if texts {
        if !meta.is_file() {
            bail!("--texts needs a CSV or JSONL file");
        }
        let f = disk_file(path.to_owned(), base_name)?;
        return Ok(Plan {
            sources: vec![Source::Texts(f)],
            manifest: None,
            total: 0,
            _packed: None,
        });
    }
    if meta.is_dir() {
        for m in ["manifest.csv", "manifest.jsonl"] {
            let m = path.join(m);
            if m.is_file() && is_records(&m)? {
                return pack_records(&m);
            }
        }
        let mut files = Vec::new();
        walk(path, "", &mut files)?;
        files.sort();
        let mut manifest = None;
        let mut sources = Vec::new();
        let mut total = 0;
        for (rel, full) in files {
            let lower = rel.to_ascii_lowercase();
            if lower == "manifest.csv" || lower == "manifest.jsonl" {
                if manifest.is_some() {
                    bail!(
                        "{} holds both manifest.csv and manifest.jsonl",
                        path.display()
                    );
                }
                manifest = Some(read_manifest_file(&full)?);
                continue;
            }
            let (source, n) = file_source(disk_file(full, rel)?)?;
            total += n;
            sources.push(source);
        }
        return Ok(Plan {
            sources,
            manifest,
            total,
            _packed: None,
        });
    }
    if is_zip(path)? {
        let f = disk_file(path.to_owned(), base_name)?;
        let total = zip_len(path);
        return Ok(Plan {
            sources: vec![Source::Zip(f)],
            manifest: None,
            total,
            _packed: None,
        });
    }
    if TableFormat::from_file_name(&base_name).is_some() {
        if is_records(path)? {
            return pack_records(path);
        }
        // A manifest: the files it lists, relative to its folder.
        let rows = read_manifest_file(path)?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let mut sources = Vec::new();
        let mut total = 0;
        for row in &rows {
            let full = dir.join(&row.file);
            if !full.is_file() {
                sources.push(Source::Rejected {
                    name: row.file.clone(),
                    error: mudou_media::MediaError::BadManifest {
                        file: base_name.clone(),
                        line: row.line,
                        message: format!("{} does not exist", full.display()),
                    },
                });
                total += 1;
                continue;
            }
            let (source, n) = file_source(disk_file(full, row.file.clone())?)?;
            total += n;
            sources.push(source);
        }
        return Ok(Plan {
            sources,
            manifest: Some(rows),
            total,
            _packed: None,
        });
    }
    // A single picture.
    let (source, total) = file_source(disk_file(path.to_owned(), base_name)?)?;
    Ok(Plan {
        sources: vec![source],
        manifest: None,
        total,
        _packed: None,
    })
}

/// Every regular file under `dir` as `(relative path, full path)`, skipping hidden and system
/// files and symbolic links.
fn walk(dir: &Path, prefix: &str, out: &mut Vec<(String, PathBuf)>) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_hidden(&name) {
            continue;
        }
        let rel = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        let kind = entry.file_type()?;
        if kind.is_dir() {
            walk(&entry.path(), &rel, out)?;
        } else if kind.is_file() {
            out.push((rel, entry.path()));
        }
    }
    Ok(())
}

// ---- local ----------------------------------------------------------------------------

async fn find_org(store: &mudou_store::Store, org: Option<&str>) -> anyhow::Result<OrgId> {
    let orgs = store.list_orgs().await?;
    let names = || {
        orgs.iter()
            .map(|o| format!("{} (id {})", o.name, o.id))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match org {
        Some(wanted) => orgs
            .iter()
            .find(|o| o.name == wanted || wanted.parse::<i64>().ok() == Some(o.id))
            .map(|o| OrgId::new(o.id))
            .with_context(|| format!("no organisation {wanted:?}; there are: {}", names())),
        None if orgs.len() == 1 => Ok(OrgId::new(orgs[0].id)),
        None if orgs.is_empty() => {
            bail!("there is no client organisation yet; an admin creates one first")
        }
        None => bail!("say which organisation with --org; there are: {}", names()),
    }
}

/// Imports into the local database; returns what happened.
pub async fn run_local(svc: &Services, args: &ImportArgs) -> anyhow::Result<Summary> {
    let store = &svc.store;
    let org_id = find_org(store, args.org.as_deref()).await?;
    let dataset = match store.dataset_by_name(org_id, &args.dataset).await? {
        Some(d) => d,
        None => {
            let owner = store
                .list_users(&mudou_store::UserFilter {
                    org_id: Some(org_id.get()),
                    ..Default::default()
                })
                .await?
                .into_iter()
                .next()
                .context("the organisation has no client account yet; create one first")?;
            store
                .create_dataset(org_id, &args.dataset, owner.id, mudou_store::now_millis())
                .await?
        }
    };
    let plan = plan(&args.path, args.texts, args.conversations)?;
    let bar = progress_bar(plan.total, args.quiet);
    let progress_bar = bar.clone();
    let outcomes = ingest_sources(
        svc,
        dataset.id,
        plan.sources,
        plan.manifest.map(Manifest::new),
        CommitMode::EachChunk,
        &mut move |n| progress_bar.inc(n as u64),
    )
    .await?;
    bar.finish_and_clear();
    let mut summary = Summary::default();
    for o in &outcomes {
        summary.add(o);
    }
    Ok(summary)
}

// ---- remote ---------------------------------------------------------------------------

/// Most files and bytes per upload request.
const BATCH_FILES: usize = 64;
const BATCH_BYTES: usize = 64 << 20;

struct Remote {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Remote {
    async fn send(&self, req: reqwest::RequestBuilder) -> anyhow::Result<Value> {
        let res = req
            .bearer_auth(&self.token)
            .send()
            .await
            .with_context(|| format!("reaching {}", self.base))?;
        let status = res.status();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            bail!(
                "the server answered {status}: {} {}",
                body["error"]["code"].as_str().unwrap_or(""),
                body["error"]["message"].as_str().unwrap_or("")
            );
        }
        Ok(body)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn dataset(&self, name: &str) -> anyhow::Result<i64> {
        let list = self
            .send(self.http.get(self.url("/api/v1/datasets")))
            .await?;
        if let Some(d) = list["items"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|d| d["name"] == name)
        {
            return d["id"].as_i64().context("a dataset without an id");
        }
        let d = self
            .send(
                self.http
                    .post(self.url("/api/v1/datasets"))
                    .json(&json!({ "name": name })),
            )
            .await?;
        d["id"].as_i64().context("a dataset without an id")
    }

    /// SHA-256 of every picture the dataset holds (from its media links).
    async fn known(&self, dataset: i64) -> anyhow::Result<HashSet<String>> {
        let mut known = HashSet::new();
        let mut after = 0;
        loop {
            let page = self
                .send(self.http.get(self.url(&format!(
                    "/api/v1/datasets/{dataset}/items?after={after}&limit=1000"
                ))))
                .await?;
            let items = page["items"].as_array().cloned().unwrap_or_default();
            if items.is_empty() {
                return Ok(known);
            }
            for it in &items {
                after = after.max(it["id"].as_i64().unwrap_or(0));
                if let Some(sha) = it["thumb_url"]
                    .as_str()
                    .and_then(|u| u.strip_prefix("/api/v1/media/"))
                    .and_then(|u| u.split('/').next())
                {
                    known.insert(sha.to_owned());
                }
            }
        }
    }
}

/// A manifest row as a JSONL line the server reads back the same way.
fn manifest_line(r: &ManifestRow) -> String {
    let mut m: serde_json::Map<String, Value> =
        r.meta.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    m.insert("file".into(), r.file.clone().into());
    if let Some(t) = &r.tag {
        m.insert("tag".into(), t.clone().into());
    }
    if let Some(l) = &r.label {
        m.insert("label".into(), l.clone().into());
    }
    if !r.labels.is_empty() {
        m.insert("labels".into(), r.labels.clone().into());
    }
    if let Some(b) = &r.boxes {
        m.insert(
            "boxes".into(),
            serde_json::to_value(b).unwrap_or(Value::Null),
        );
    }
    if let Some(t) = &r.text {
        m.insert("text".into(), t.clone().into());
    }
    Value::Object(m).to_string()
}

/// Files waiting to be uploaded together.
struct Batch<'a> {
    remote: &'a Remote,
    dataset: i64,
    manifest: BTreeMap<String, String>,
    parts: Vec<(String, Vec<u8>)>,
    bytes: usize,
    known: HashSet<String>,
    summary: Summary,
    bar: ProgressBar,
}

impl Batch<'_> {
    async fn offer(&mut self, name: String, bytes: Vec<u8>) -> anyhow::Result<()> {
        let sha = mudou_media::sha256_hex(&bytes);
        if !bytes.is_empty() && !self.known.insert(sha) {
            self.summary.duplicates += 1;
            self.bar.inc(1);
            return Ok(());
        }
        self.bytes += bytes.len();
        self.parts.push((name, bytes));
        if self.parts.len() >= BATCH_FILES || self.bytes >= BATCH_BYTES {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> anyhow::Result<()> {
        if self.parts.is_empty() {
            return Ok(());
        }
        let parts = std::mem::take(&mut self.parts);
        self.bytes = 0;
        let n = parts.len() as u64;
        let mut lines = String::new();
        let mut form = reqwest::multipart::Form::new();
        for (name, bytes) in parts {
            if let Some(line) = self.manifest.get(&name) {
                lines.push_str(line);
                lines.push('\n');
            }
            form = form.part(
                "files",
                reqwest::multipart::Part::bytes(bytes).file_name(name),
            );
        }
        if !lines.is_empty() {
            form = form.part(
                "manifest",
                reqwest::multipart::Part::bytes(lines.into_bytes()).file_name("manifest.jsonl"),
            );
        }
        self.post(form).await?;
        self.bar.inc(n);
        Ok(())
    }

    async fn post(&mut self, form: reqwest::multipart::Form) -> anyhow::Result<()> {
        let url = self
            .remote
            .url(&format!("/api/v1/datasets/{}/files", self.dataset));
        let body = self
            .remote
            .send(self.remote.http.post(url).multipart(form))
            .await?;
        for f in body["files"].as_array().into_iter().flatten() {
            match f["status"].as_str() {
                Some("accepted") => self.summary.accepted += 1,
                Some("duplicate") => self.summary.duplicates += 1,
                _ => self.summary.rejected.push((
                    f["file_name"].as_str().unwrap_or("").to_owned(),
                    f["code"].as_str().unwrap_or("").to_owned(),
                    f["message"].as_str().unwrap_or("").to_owned(),
                )),
            }
        }
        Ok(())
    }
}

/// Uploads to a server in batches; returns what happened.
pub async fn run_remote(server: &str, token: &str, args: &ImportArgs) -> anyhow::Result<Summary> {
    let base = server.trim_end_matches('/').to_owned();
    if !base.starts_with("http://") {
        bail!(
            "--server must be an http:// address (this build speaks plain HTTP, as on a centre's LAN)"
        );
    }
    let remote = Remote {
        http: reqwest::Client::new(),
        base,
        token: token.to_owned(),
    };
    let dataset = remote.dataset(&args.dataset).await?;
    let plan = plan(&args.path, args.texts, args.conversations)?;
    let mut batch = Batch {
        remote: &remote,
        dataset,
        manifest: BTreeMap::new(),
        parts: Vec::new(),
        bytes: 0,
        known: remote.known(dataset).await?,
        summary: Summary::default(),
        bar: progress_bar(plan.total, args.quiet),
    };
    if let Some(rows) = &plan.manifest {
        batch.manifest = rows
            .iter()
            .map(|r| (r.file.clone(), manifest_line(r)))
            .collect();
    }
    for source in plan.sources {
        match source {
            Source::Rejected { name, error } => {
                batch
                    .summary
                    .rejected
                    .push((name, error.code().into(), error.to_string()));
                batch.bar.inc(1);
            }
            Source::Image(f) => {
                let bytes = std::fs::read(&f.path)
                    .with_context(|| format!("reading {}", f.path.display()))?;
                batch.offer(f.name, bytes).await?;
            }
            Source::Texts(f) | Source::Conversations(f) => {
                let part = if args.conversations {
                    "conversations"
                } else {
                    "texts"
                };
                batch.flush().await?;
                let bytes = std::fs::read(&f.path)
                    .with_context(|| format!("reading {}", f.path.display()))?;
                let form = reqwest::multipart::Form::new().part(
                    part,
                    reqwest::multipart::Part::bytes(bytes).file_name(f.name),
                );
                batch.post(form).await?;
            }
            Source::Zip(f) => {
                batch.flush().await?;
                let mut zip = match ZipImport::open(&f.path, ZipLimits::default()) {
                    Ok(z) => z,
                    Err(e) => {
                        batch
                            .summary
                            .rejected
                            .push((f.name, e.code().into(), e.to_string()));
                        continue;
                    }
                };
                let outer = std::mem::take(&mut batch.manifest);
                match zip.read_manifest() {
                    Ok(Some(rows)) => {
                        batch.manifest = rows
                            .iter()
                            .map(|r| (r.file.clone(), manifest_line(r)))
                            .collect()
                    }
                    Ok(None) => batch.manifest = outer.clone(),
                    Err(e) => {
                        batch
                            .summary
                            .rejected
                            .push((f.name, e.code().into(), e.to_string()));
                        batch.manifest = outer;
                        continue;
                    }
                }
                for item in zip.entries() {
                    match item {
                        ZipItem::File(e) => batch.offer(e.path, e.bytes).await?,
                        ZipItem::Skipped(s) => {
                            if !s.error.is_noise() {
                                batch.summary.rejected.push((
                                    s.path,
                                    s.error.code().into(),
                                    s.error.to_string(),
                                ));
                            }
                            batch.bar.inc(1);
                        }
                    }
                }
                batch.flush().await?;
                batch.manifest = outer;
            }
        }
    }
    batch.flush().await?;
    batch.bar.finish_and_clear();
    Ok(batch.summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mudou_app::users::NewUserRequest;
    use mudou_domain::{DatasetId, Role};

    fn shapes() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/shapes")
    }

    /// A folder: pictures in class folders, a manifest with gold, a stray text file.
    fn folder() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("cats")).unwrap();
        std::fs::create_dir_all(d.join("dogs/big")).unwrap();
        std::fs::copy(shapes().join("shape_000.jpg"), d.join("cats/a.jpg")).unwrap();
        std::fs::copy(shapes().join("shape_001.jpg"), d.join("dogs/big/b.jpg")).unwrap();
        std::fs::copy(shapes().join("shape_002.jpg"), d.join("c.jpg")).unwrap();
        std::fs::write(d.join("readme.txt"), "not a picture").unwrap();
        std::fs::write(d.join(".DS_Store"), "junk").unwrap();
        std::fs::write(
            d.join("manifest.csv"),
            "file,label,boxes\ncats/a.jpg,cat,\"[{\"\"label\"\":\"\"cat\"\",\"\"x\"\":1,\"\"y\"\":1,\"\"w\"\":5,\"\"h\"\":5}]\"\n",
        )
        .unwrap();
        dir
    }

    async fn app(data: &Path) -> mudou_server::App {
        app_with(mudou_server::Settings::for_data_dir(data)).await
    }

    async fn app_with(settings: mudou_server::Settings) -> mudou_server::App {
        let app = mudou_server::build(settings).await.unwrap();
        let org = app.state.store.create_org("客户甲", 1).await.unwrap();
        mudou_app::users::create_user(
            &app.state,
            NewUserRequest {
                username: Some("client".into()),
                display_name: "client".into(),
                role: Role::Client,
                password: Some("correct horse".into()),
                pin: None,
                centre_id: None,
                org_id: Some(org.id),
                skill_level: None,
            },
        )
        .await
        .map_err(|e| e.message)
        .unwrap();
        app
    }

    fn args(path: &Path) -> ImportArgs {
        ImportArgs {
            dataset: "导入".into(),
            path: path.to_owned(),
            texts: false,
            conversations: false,
            org: None,
            server: None,
            token: None,
            quiet: true,
            local: ServerArgs::default(),
        }
    }

    /// An uncompressed 24-bit BMP of `w`×`h` black pixels (`w` a multiple of 4).
    fn bmp(w: u32, h: u32) -> Vec<u8> {
        let data = 3 * w * h;
        let mut b = b"BM".to_vec();
        for v in [54 + data, 0, 54, 40, w, h] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        b.extend_from_slice(&1u16.to_le_bytes());
        b.extend_from_slice(&24u16.to_le_bytes());
        for v in [0, data, 2835, 2835, 0, 0] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        b.resize(b.len() + data as usize, 0);
        b
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn local_import_decodes_within_the_decode_memory_setting() {
        let data = tempfile::tempdir().unwrap();
        let settings = ServerArgs {
            data_dir: Some(data.path().to_owned()),
            decode_memory_mb: Some(8),
            ..Default::default()
        }
        .resolve()
        .unwrap();
        let app = app_with(settings).await;
        let src = tempfile::tempdir().unwrap();
        std::fs::copy(shapes().join("shape_000.jpg"), src.path().join("a.jpg")).unwrap();
        // 3.6 MB of pixels, ~23 MB with its three renditions: more than the whole budget (a
        // small picture with its renditions needs ~5 MiB).
        std::fs::write(src.path().join("big.bmp"), bmp(1200, 1000)).unwrap();

        let summary = run_local(&app.state, &args(src.path())).await.unwrap();
        assert_eq!(summary.accepted, 1, "{summary:?}");
        assert_eq!(summary.rejected.len(), 1, "{summary:?}");
        let (file, code, message) = &summary.rejected[0];
        assert_eq!((file.as_str(), code.as_str()), ("big.bmp", "too_large"));
        assert!(message.contains("8 MiB"), "{message}");
        let budget = &app.state.decode_budget;
        assert_eq!(budget.total(), 8 << 20);
        // The picture that was decoded took its memory from this budget, and gave it back.
        assert!((1..=8 << 20).contains(&budget.high_water()));
        assert_eq!(budget.reserved(), 0);
    }

    /// A folder whose manifest has no `file` column: each row one record of named fields,
    /// pictures by their path in the folder; a row naming a missing file is refused with
    /// its reason, the rest imported; both through a manifest path and a folder.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn local_records_import_from_a_folder() {
        let data = tempfile::tempdir().unwrap();
        let app = app(data.path()).await;
        let src = tempfile::tempdir().unwrap();
        let d = src.path();
        std::fs::create_dir_all(d.join("before")).unwrap();
        std::fs::create_dir_all(d.join("after")).unwrap();
        for (i, rel) in ["before/1.jpg", "after/1.jpg", "after/2.jpg"]
            .iter()
            .enumerate()
        {
            std::fs::copy(shapes().join(format!("shape_00{i}.jpg")), d.join(rel)).unwrap();
        }
        std::fs::write(
            d.join("manifest.csv"),
            "before,after,note\nbefore/1.jpg,after/1.jpg,门开了\nbefore/1.jpg,after/2.jpg,\"灯, 新的\"\nbefore/1.jpg,after/gone.jpg,丢了\n",
        )
        .unwrap();
        let summary = run_local(&app.state, &args(d)).await.unwrap();
        assert_eq!(summary.accepted, 2, "{summary:?}");
        assert_eq!(summary.rejected.len(), 1, "{summary:?}");
        assert_eq!(summary.rejected[0].1, "missing_file", "{summary:?}");
        assert!(
            summary.rejected[0].2.contains("after/gone.jpg"),
            "{summary:?}"
        );

        let store = &app.state.store;
        let org = OrgId::new(store.list_orgs().await.unwrap()[0].id);
        let ds = store.dataset_by_name(org, "导入").await.unwrap().unwrap();
        let items = store
            .list_items(org, DatasetId::new(ds.id), 0, 100)
            .await
            .unwrap();
        assert_eq!(items.len(), 2);
        for it in &items {
            let fields = mudou_store::item_fields(
                it.fields.as_deref(),
                &it.kind,
                it.sha256.as_deref(),
                it.body.as_deref(),
                it.width.zip(it.height),
            );
            let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
            assert_eq!(names, ["before", "after", "note"]);
            assert_eq!(fields[0].file.as_deref(), Some("before/1.jpg"));
            assert!(fields[1].sha256.is_some() && fields[1].width.is_some());
        }
        assert!(
            items
                .iter()
                .any(|i| i.fields.as_deref().unwrap_or_default().contains("灯, 新的"))
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn local_folder_import_then_a_rerun_skips_everything() {
        let data = tempfile::tempdir().unwrap();
        let app = app(data.path()).await;
        let src = folder();
        let a = args(src.path());

        let first = run_local(&app.state, &a).await.unwrap();
        assert_eq!(first.accepted, 3, "{first:?}");
        assert_eq!(first.duplicates, 0);
        assert_eq!(first.rejected.len(), 1);
        assert_eq!(first.rejected[0].0, "readme.txt");
        assert_eq!(first.rejected[0].1, "not_an_image");

        let store = &app.state.store;
        let org = OrgId::new(store.list_orgs().await.unwrap()[0].id);
        let ds = store.dataset_by_name(org, "导入").await.unwrap().unwrap();
        let items = store
            .list_items(org, DatasetId::new(ds.id), 0, 100)
            .await
            .unwrap();
        let by_name = |n: &str| items.iter().find(|i| i.file_name == n).unwrap();
        assert_eq!(by_name("cats/a.jpg").tag, "cats");
        assert_eq!(by_name("dogs/big/b.jpg").tag, "dogs/big");
        assert_eq!(by_name("c.jpg").tag, "");
        let gold: Value =
            serde_json::from_str(by_name("cats/a.jpg").gold.as_ref().unwrap()).unwrap();
        assert_eq!(gold["label"], "cat");
        assert_eq!(gold["boxes"][0]["w"], 5.0);

        // A re-run finds everything there already.
        let again = run_local(&app.state, &a).await.unwrap();
        assert_eq!((again.accepted, again.duplicates), (0, 3), "{again:?}");
        assert_eq!(
            store
                .list_items(org, DatasetId::new(ds.id), 0, 100)
                .await
                .unwrap()
                .len(),
            3
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn zip_and_texts_import_locally() {
        let data = tempfile::tempdir().unwrap();
        let app = app(data.path()).await;
        let src = tempfile::tempdir().unwrap();
        let zip_path = src.path().join("pics.zip");
        {
            use std::io::Write;
            let mut w = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
            let opts = zip::write::SimpleFileOptions::default();
            for (name, file) in [
                ("set/cats/x.jpg", "shape_003.jpg"),
                ("set/dogs/y.jpg", "shape_004.jpg"),
            ] {
                w.start_file(name, opts).unwrap();
                w.write_all(&std::fs::read(shapes().join(file)).unwrap())
                    .unwrap();
            }
            w.finish().unwrap();
        }
        let s = run_local(&app.state, &args(&zip_path)).await.unwrap();
        assert_eq!((s.accepted, s.rejected.len()), (2, 0), "{s:?}");

        let texts = src.path().join("t.jsonl");
        std::fs::write(&texts, "{\"text\": \"你好\", \"label\": \"greeting\"}\n").unwrap();
        let mut a = args(&texts);
        a.texts = true;
        a.dataset = "texts".into();
        let s = run_local(&app.state, &a).await.unwrap();
        assert_eq!(s.accepted, 1, "{s:?}");
        let s = run_local(&app.state, &a).await.unwrap();
        assert_eq!((s.accepted, s.duplicates), (0, 1), "{s:?}");
        let s = run_local(&app.state, &args(&zip_path)).await.unwrap();
        assert_eq!((s.accepted, s.duplicates), (0, 2), "{s:?}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn conversations_import_locally() {
        let data = tempfile::tempdir().unwrap();
        let app = app(data.path()).await;
        let src = tempfile::tempdir().unwrap();
        let file = src.path().join("pairs.jsonl");
        let mut text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../datasets/llm/llamafactory_dpo_zh/preference.jsonl"),
        )
        .unwrap();
        text.push_str("{\"responses\": [\"no prompt\"]}\n");
        std::fs::write(&file, text).unwrap();
        let mut a = args(&file);
        a.conversations = true;
        a.dataset = "对话".into();
        let s = run_local(&app.state, &a).await.unwrap();
        assert_eq!(s.accepted, 30, "{s:?}");
        assert_eq!(s.rejected.len(), 1, "{s:?}");
        assert_eq!(s.rejected[0].0, "pairs.jsonl:31");
        assert_eq!(s.rejected[0].1, "bad_conversation");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn remote_import_in_batches_then_a_rerun_uploads_nothing() {
        let data = tempfile::tempdir().unwrap();
        let app = app(data.path()).await;
        let state = app.state.clone();
        let client = state
            .store
            .list_users(&mudou_store::UserFilter::default())
            .await
            .unwrap()
            .into_iter()
            .find(|u| u.role == Role::Client)
            .unwrap();
        let secret = format!(
            "{}{}",
            mudou_app::secrets::API_TOKEN_PREFIX,
            mudou_app::secrets::random_secret()
        );
        state
            .store
            .create_api_token(
                client.id,
                "import",
                &mudou_app::secrets::token_hash(&secret),
                "mdt_xxxx",
                "results:read orders",
                1,
                i64::MAX,
            )
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(mudou_server::serve(listener, app, async {
            let _ = rx.await;
        }));

        let src = folder();
        let a = args(src.path());
        let first = run_remote(&url, &secret, &a).await.unwrap();
        assert_eq!((first.accepted, first.duplicates), (3, 0), "{first:?}");
        assert_eq!(first.rejected.len(), 1, "{first:?}");
        let org = OrgId::new(state.store.list_orgs().await.unwrap()[0].id);
        let ds = state
            .store
            .dataset_by_name(org, "导入")
            .await
            .unwrap()
            .unwrap();
        let items = state
            .store
            .list_items(org, DatasetId::new(ds.id), 0, 100)
            .await
            .unwrap();
        let a_jpg = items.iter().find(|i| i.file_name == "cats/a.jpg").unwrap();
        assert_eq!(a_jpg.tag, "cats");
        assert!(a_jpg.gold.as_deref().unwrap().contains("\"cat\""));

        let again = run_remote(&url, &secret, &a).await.unwrap();
        assert_eq!((again.accepted, again.duplicates), (0, 3), "{again:?}");
        assert!(
            run_remote("https://example.invalid", &secret, &a)
                .await
                .is_err()
        );
        assert!(run_remote(&url, "mdt_wrong", &a).await.is_err());
        let _ = tx.send(());
        server.await.unwrap().unwrap();
    }

    #[test]
    fn manifest_lines_round_trip() {
        let rows = mudou_media::parse_manifest(
            TableFormat::Csv,
            "m.csv",
            b"file,tag,label,labels,boxes,camera\na.jpg,t,x,p|q,\"[{\"\"label\"\":\"\"x\"\",\"\"x\"\":1,\"\"y\"\":2,\"\"w\"\":3,\"\"h\"\":4}]\",A\n",
        )
        .unwrap();
        let line = manifest_line(&rows[0]);
        let back =
            mudou_media::parse_manifest(TableFormat::Jsonl, "m.jsonl", line.as_bytes()).unwrap();
        assert_eq!(back[0].file, rows[0].file);
        assert_eq!(back[0].tag, rows[0].tag);
        assert_eq!(back[0].label, rows[0].label);
        assert_eq!(back[0].labels, rows[0].labels);
        assert_eq!(back[0].boxes, rows[0].boxes);
        assert_eq!(back[0].meta, rows[0].meta);
    }
}
