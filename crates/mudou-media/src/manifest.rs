//! Manifests (`manifest.csv` / `manifest.jsonl`: per-item metadata and gold answers) and text
//! items from CSV or JSONL. Text is read as UTF-8 (with or without BOM), UTF-16 with BOM, or
//! GBK/GB18030 (what Excel on Chinese Windows writes).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use crate::MediaError;

/// A manifest or text-items file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TableFormat {
    Csv,
    Jsonl,
}

impl TableFormat {
    /// From a file name's extension (`.csv`, `.jsonl`, `.ndjson`), case-insensitive.
    pub fn from_file_name(name: &str) -> Option<Self> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".csv") {
            Some(TableFormat::Csv)
        } else if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
            Some(TableFormat::Jsonl)
        } else {
            None
        }
    }
}

/// One bounding box, in pixels of the upright image.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BoxAnnotation {
    pub label: String,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

/// One manifest row: an archive file and what is known about it.
#[derive(Debug, Clone, PartialEq)]
pub struct ManifestRow {
    /// 1-based line in the manifest (CSV: the header is line 1).
    pub line: u64,
    /// Path of the file inside the archive, `/`-separated, relative to the archive root.
    pub file: String,
    pub tag: Option<String>,
    /// Single-choice gold answer.
    pub label: Option<String>,
    /// Multi-label gold answer (CSV: `a|b|c`; JSONL: an array).
    pub labels: Vec<String>,
    /// Bounding-box gold answer.
    pub boxes: Option<Vec<BoxAnnotation>>,
    pub text: Option<String>,
    /// Every other column or key.
    pub meta: BTreeMap<String, Value>,
}

/// One text item.
#[derive(Debug, Clone, PartialEq)]
pub struct TextItem {
    /// 1-based line in the source file (CSV: the header is line 1).
    pub line: u64,
    pub id: Option<String>,
    pub text: String,
    pub tag: Option<String>,
    pub label: Option<String>,
    pub labels: Vec<String>,
    pub meta: BTreeMap<String, Value>,
}

/// Decode text bytes: UTF-8 (BOM stripped), UTF-16 with a BOM, else GB18030 (a superset of
/// GBK). Returns an error message if none fits.
pub fn decode_text(bytes: &[u8]) -> Result<Cow<'_, str>, String> {
    if let Some((enc, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, had_errors) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        return if had_errors {
            Err(format!("invalid {} text", enc.name()))
        } else {
            Ok(text)
        };
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(Cow::Borrowed(s));
    }
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    if had_errors {
        Err("the text is neither UTF-8 nor GBK".into())
    } else {
        Ok(text)
    }
}

/// A row as generic key → value, with its line number.
struct RawRow {
    line: u64,
    fields: BTreeMap<String, Value>,
}

fn bad(file: &str, line: u64, message: impl Into<String>) -> MediaError {
    MediaError::BadManifest {
        file: file.to_owned(),
        line,
        message: message.into(),
    }
}

fn read_rows(
    format: TableFormat,
    file: &str,
    bytes: &[u8],
    required: &str,
) -> Result<Vec<RawRow>, MediaError> {
    let text = decode_text(bytes).map_err(|m| bad(file, 1, m))?;
    match format {
        TableFormat::Csv => read_csv(file, &text, required),
        TableFormat::Jsonl => read_jsonl(file, &text, required),
    }
}

fn read_csv(file: &str, text: &str, required: &str) -> Result<Vec<RawRow>, MediaError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| bad(file, 1, e.to_string()))?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    if !required.is_empty() && !headers.iter().any(|h| h == required) {
        return Err(bad(
            file,
            1,
            format!(
                "the header has no `{required}` column (columns: {})",
                headers.join(", ")
            ),
        ));
    }
    let mut seen = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        if h.is_empty() {
            return Err(bad(file, 1, format!("column {} has no name", i + 1)));
        }
        if seen.insert(h.clone(), i).is_some() {
            return Err(bad(file, 1, format!("column `{h}` appears twice")));
        }
    }
    let mut rows = Vec::new();
    for record in rdr.records() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            let message = match e.kind() {
                csv::ErrorKind::UnequalLengths {
                    expected_len, len, ..
                } => format!("expected {expected_len} fields, found {len}"),
                _ => e.to_string(),
            };
            bad(file, line, message)
        })?;
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let fields = headers
            .iter()
            .zip(record.iter())
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| (k.clone(), Value::String(v.to_owned())))
            .collect();
        rows.push(RawRow { line, fields });
    }
    Ok(rows)
}

fn read_jsonl(file: &str, text: &str, required: &str) -> Result<Vec<RawRow>, MediaError> {
    let mut rows = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i as u64 + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let value: Value =
            serde_json::from_str(raw).map_err(|e| bad(file, line, format!("invalid JSON: {e}")))?;
        let Value::Object(map) = value else {
            return Err(bad(file, line, "expected a JSON object"));
        };
        let fields: BTreeMap<String, Value> = map
            .into_iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| (k.to_lowercase(), v))
            .collect();
        if !required.is_empty() && !fields.contains_key(required) {
            return Err(bad(
                file,
                line,
                format!("the object has no `{required}` key"),
            ));
        }
        rows.push(RawRow { line, fields });
    }
    Ok(rows)
}

fn take_string(file: &str, row: &mut RawRow, key: &str) -> Result<Option<String>, MediaError> {
    match row.fields.remove(key) {
        None => Ok(None),
        Some(Value::String(s)) => {
            let s = s.trim();
            Ok((!s.is_empty()).then(|| s.to_owned()))
        }
        Some(Value::Number(n)) if key == "id" => Ok(Some(n.to_string())),
        Some(other) => Err(bad(
            file,
            row.line,
            format!("`{key}` must be a string, found {other}"),
        )),
    }
}

/// `label` and `labels`: a string, an array of strings (JSONL), or `a|b` (CSV `labels`).
fn take_labels(file: &str, row: &mut RawRow) -> Result<(Option<String>, Vec<String>), MediaError> {
    let strings = |v: Vec<Value>, key: &str| -> Result<Vec<String>, MediaError> {
        v.into_iter()
            .map(|x| match x {
                Value::String(s) => Ok(s.trim().to_owned()),
                other => Err(bad(
                    file,
                    row.line,
                    format!("`{key}` must hold strings, found {other}"),
                )),
            })
            .collect()
    };
    let mut labels = match row.fields.remove("labels") {
        None => Vec::new(),
        Some(Value::String(s)) => s
            .split('|')
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty())
            .collect(),
        Some(Value::Array(a)) => strings(a, "labels")?,
        Some(other) => {
            return Err(bad(
                file,
                row.line,
                format!("`labels` must be a list of strings, found {other}"),
            ));
        }
    };
    let label = match row.fields.remove("label") {
        Some(Value::Array(a)) => {
            labels.extend(strings(a, "label")?);
            None
        }
        Some(v) => {
            row.fields.insert("label".into(), v);
            take_string(file, row, "label")?
        }
        None => None,
    };
    Ok((label, labels))
}

fn take_boxes(file: &str, row: &mut RawRow) -> Result<Option<Vec<BoxAnnotation>>, MediaError> {
    let value = match row.fields.remove("boxes") {
        None => return Ok(None),
        Some(Value::String(s)) => serde_json::from_str::<Value>(&s)
            .map_err(|e| bad(file, row.line, format!("`boxes` is not valid JSON: {e}")))?,
        Some(v) => v,
    };
    let boxes: Vec<BoxAnnotation> = serde_json::from_value(value).map_err(|e| {
        bad(
            file,
            row.line,
            format!("`boxes` must be a list of {{\"label\",\"x\",\"y\",\"w\",\"h\"}} objects: {e}"),
        )
    })?;
    for (i, b) in boxes.iter().enumerate() {
        let ok = [b.x, b.y, b.w, b.h].iter().all(|v| v.is_finite())
            && b.x >= 0.0
            && b.y >= 0.0
            && b.w > 0.0
            && b.h > 0.0
            && !b.label.trim().is_empty();
        if !ok {
            return Err(bad(
                file,
                row.line,
                format!(
                    "box {} is invalid (needs a label, x, y ≥ 0 and w, h > 0)",
                    i + 1
                ),
            ));
        }
    }
    Ok(Some(boxes))
}

/// Normalise an archive-relative path: `\` → `/`, no leading `./`.
fn normalise_file(file: &str) -> String {
    let f = file.trim().replace('\\', "/");
    let mut s = f.as_str();
    while let Some(rest) = s.strip_prefix("./") {
        s = rest;
    }
    s.to_owned()
}

/// Parse a `manifest.csv` or `manifest.jsonl`. `file_name` is used in error messages.
///
/// Columns/keys: `file` (required, unique), optional `tag`, `label`, `labels`, `boxes`
/// (a JSON list of `{"label","x","y","w","h"}`), `text`; all others go to `meta`.
pub fn parse_manifest(
    format: TableFormat,
    file_name: &str,
    bytes: &[u8],
) -> Result<Vec<ManifestRow>, MediaError> {
    let raw = read_rows(format, file_name, bytes, "file")?;
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut out = Vec::with_capacity(raw.len());
    for mut row in raw {
        let file = take_string(file_name, &mut row, "file")?
            .map(|f| normalise_file(&f))
            .filter(|f| !f.is_empty())
            .ok_or_else(|| bad(file_name, row.line, "`file` is empty"))?;
        if let Some(first) = seen.insert(file.clone(), row.line) {
            return Err(bad(
                file_name,
                row.line,
                format!("`{file}` is listed twice (first on line {first})"),
            ));
        }
        let tag = take_string(file_name, &mut row, "tag")?;
        let (label, labels) = take_labels(file_name, &mut row)?;
        let boxes = take_boxes(file_name, &mut row)?;
        let text = take_string(file_name, &mut row, "text")?;
        out.push(ManifestRow {
            line: row.line,
            file,
            tag,
            label,
            labels,
            boxes,
            text,
            meta: row.fields,
        });
    }
    Ok(out)
}

/// Parse text items from CSV (a `text` column; optional `id`, `tag`, `label`, `labels`) or
/// JSONL (objects with the same keys). Other columns go to `meta`. Ids, when given, must be
/// unique; an empty text is an error naming its line.
pub fn parse_text_items(
    format: TableFormat,
    file_name: &str,
    bytes: &[u8],
) -> Result<Vec<TextItem>, MediaError> {
    let raw = read_rows(format, file_name, bytes, "text")?;
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut out = Vec::with_capacity(raw.len());
    for mut row in raw {
        let id = take_string(file_name, &mut row, "id")?;
        if let Some(id) = &id
            && let Some(first) = seen.insert(id.clone(), row.line)
        {
            return Err(bad(
                file_name,
                row.line,
                format!("id `{id}` is used twice (first on line {first})"),
            ));
        }
        let text = take_string(file_name, &mut row, "text")?
            .ok_or_else(|| bad(file_name, row.line, "`text` is empty"))?;
        let tag = take_string(file_name, &mut row, "tag")?;
        let (label, labels) = take_labels(file_name, &mut row)?;
        out.push(TextItem {
            line: row.line,
            id,
            text,
            tag,
            label,
            labels,
            meta: row.fields,
        });
    }
    Ok(out)
}

// ---- records: a manifest whose columns are an item's fields --------------------------

/// The most fields of a record (the same as a template's).
pub const MAX_RECORD_FIELDS: usize = 8;

/// Columns of a records manifest that are not fields: they keep a file manifest's meaning
/// (`tag`, the gold answers `label`/`labels`/`boxes`), name the item (`id`), or give a
/// template's known answer as a JSON object (`gold`).
pub const RECORD_RESERVED: [&str; 6] = ["id", "tag", "label", "labels", "boxes", "gold"];

/// What a field column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// Paths of pictures inside the upload.
    Image,
    Text,
}

/// A field of a records manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordColumn {
    /// The field's name: the column's header without a `:image`/`:text` suffix, lowercased.
    pub name: String,
    pub kind: ColumnKind,
}

/// One row of a records manifest: one item.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordRow {
    /// 1-based line in the manifest (CSV: the header is line 1).
    pub line: u64,
    pub id: Option<String>,
    pub tag: Option<String>,
    pub label: Option<String>,
    pub labels: Vec<String>,
    pub boxes: Option<Vec<BoxAnnotation>>,
    /// A known answer as a JSON object (a template's answer).
    pub gold: Option<serde_json::Map<String, Value>>,
    /// One value per field, in [`RecordManifest::fields`]' order: a normalised path for a
    /// picture, the text for a text; `None` when the cell is empty.
    pub values: Vec<Option<String>>,
}

/// A manifest without a `file` column: every column that is not reserved
/// ([`RECORD_RESERVED`]) is a field of the item the row makes, in the header's order (JSONL:
/// the order of the first line's keys, then new keys as they come).
///
/// A field is a picture when its header says `name:image`, a text when it says `name:text`;
/// without a suffix, a picture when every value of the column names a file of the upload or
/// ends like a picture's file name (`.jpg`, `.jpeg`, `.png`, `.webp`, `.gif`, `.bmp`,
/// `.tif`, `.tiff`), else a text.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordManifest {
    pub fields: Vec<RecordColumn>,
    pub rows: Vec<RecordRow>,
}

/// A manifest of either shape.
#[derive(Debug, Clone, PartialEq)]
pub enum AnyManifest {
    /// A `file` column: one row per file (today's manifest, [`parse_manifest`]).
    Files(Vec<ManifestRow>),
    /// No `file` column: one row per record ([`RecordManifest`]).
    Records(RecordManifest),
}

const PICTURE_ENDINGS: [&str; 8] = [
    ".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff",
];

fn looks_like_picture(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    !path.contains('\n') && PICTURE_ENDINGS.iter().any(|e| lower.ends_with(e))
}

/// A JSON object's keys in the order written (serde_json's map sorts them).
struct Ordered(Vec<(String, Value)>);

impl<'de> serde::Deserialize<'de> for Ordered {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Ordered;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<Ordered, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = m.next_entry::<String, Value>()? {
                    out.push((k, v));
                }
                Ok(Ordered(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// The columns (lowercased, trimmed) in order and the rows.
fn ordered_rows(
    format: TableFormat,
    file: &str,
    bytes: &[u8],
) -> Result<(Vec<String>, Vec<RawRow>), MediaError> {
    let text = decode_text(bytes).map_err(|m| bad(file, 1, m))?;
    match format {
        TableFormat::Csv => {
            let mut rdr = csv::ReaderBuilder::new()
                .has_headers(true)
                .from_reader(text.as_bytes());
            let headers: Vec<String> = rdr
                .headers()
                .map_err(|e| bad(file, 1, e.to_string()))?
                .iter()
                .map(|h| h.trim().to_lowercase())
                .collect();
            // The header is checked (names, twice) and the rows read by `read_csv`.
            let rows = read_csv(file, &text, "")?;
            Ok((headers, rows))
        }
        TableFormat::Jsonl => {
            let mut columns: Vec<String> = Vec::new();
            for raw in text.lines() {
                if raw.trim().is_empty() {
                    continue;
                }
                let Ok(Ordered(pairs)) = serde_json::from_str::<Ordered>(raw) else {
                    // `read_jsonl` below names the line and what is wrong with it.
                    break;
                };
                for (k, _) in pairs {
                    let k = k.to_lowercase();
                    if !columns.contains(&k) {
                        columns.push(k);
                    }
                }
            }
            let rows = read_jsonl(file, &text, "")?;
            Ok((columns, rows))
        }
    }
}

/// Whether a manifest has a `file` column (CSV: in its header; JSONL: a key of its first
/// object), i.e. is a manifest of files rather than of records.
fn has_file_column(format: TableFormat, bytes: &[u8]) -> bool {
    let Ok(text) = decode_text(bytes) else {
        return true;
    };
    match format {
        TableFormat::Csv => csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(text.as_bytes())
            .headers()
            .map(|h| h.iter().any(|c| c.trim().eq_ignore_ascii_case("file")))
            .unwrap_or(true),
        TableFormat::Jsonl => text
            .lines()
            .find(|l| !l.trim().is_empty())
            .and_then(|l| serde_json::from_str::<Ordered>(l).ok())
            .is_none_or(|Ordered(p)| p.iter().any(|(k, _)| k.eq_ignore_ascii_case("file"))),
    }
}

/// Parses a manifest of either shape: with a `file` column as [`parse_manifest`] does,
/// without one as a [`RecordManifest`]. `present` says whether a path (normalised, relative
/// to the upload's root) names a file of the upload.
pub fn parse_any_manifest(
    format: TableFormat,
    file_name: &str,
    bytes: &[u8],
    present: &dyn Fn(&str) -> bool,
) -> Result<AnyManifest, MediaError> {
    if has_file_column(format, bytes) {
        return parse_manifest(format, file_name, bytes).map(AnyManifest::Files);
    }
    parse_records(format, file_name, bytes, present).map(AnyManifest::Records)
}

/// Parses a records manifest (see [`RecordManifest`]).
pub fn parse_records(
    format: TableFormat,
    file_name: &str,
    bytes: &[u8],
    present: &dyn Fn(&str) -> bool,
) -> Result<RecordManifest, MediaError> {
    let (columns, mut raw) = ordered_rows(format, file_name, bytes)?;
    // Field columns: (key in the rows, name, kind given by the header).
    let mut fields: Vec<(String, String, Option<ColumnKind>)> = Vec::new();
    for c in &columns {
        if RECORD_RESERVED.contains(&c.as_str()) {
            continue;
        }
        let (name, kind) = match c.rsplit_once(':') {
            Some((n, "image")) => (n.trim(), Some(ColumnKind::Image)),
            Some((n, "text")) => (n.trim(), Some(ColumnKind::Text)),
            _ => (c.as_str(), None),
        };
        if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
            return Err(bad(
                file_name,
                1,
                format!("`{c}`: a field's name is 1 to 64 characters"),
            ));
        }
        if RECORD_RESERVED.contains(&name) || fields.iter().any(|(_, n, _)| n == name) {
            return Err(bad(
                file_name,
                1,
                format!("the field `{name}` appears twice"),
            ));
        }
        fields.push((c.clone(), name.to_owned(), kind));
    }
    if fields.is_empty() {
        return Err(bad(
            file_name,
            1,
            format!(
                "no `file` column and no field columns (columns: {})",
                columns.join(", ")
            ),
        ));
    }
    if fields.len() > MAX_RECORD_FIELDS {
        return Err(bad(
            file_name,
            1,
            format!(
                "{} fields; a record has at most {MAX_RECORD_FIELDS}",
                fields.len()
            ),
        ));
    }
    // A cell as text: strings as they are, numbers and the like as JSON.
    let cell = |v: &Value| match v {
        Value::String(s) => s.trim().to_owned(),
        other => other.to_string(),
    };
    let kinds: Vec<ColumnKind> = fields
        .iter()
        .map(|(key, _, given)| {
            given.unwrap_or_else(|| {
                let mut values = raw
                    .iter()
                    .filter_map(|r| r.fields.get(key))
                    .map(cell)
                    .filter(|v| !v.is_empty())
                    .peekable();
                let any = values.peek().is_some();
                let pictures = values.all(|v| {
                    let p = normalise_file(&v);
                    present(&p) || looks_like_picture(&p)
                });
                if any && pictures {
                    ColumnKind::Image
                } else {
                    ColumnKind::Text
                }
            })
        })
        .collect();
    let mut rows = Vec::with_capacity(raw.len());
    for row in &mut raw {
        let id = take_string(file_name, row, "id")?;
        let tag = take_string(file_name, row, "tag")?;
        let (label, labels) = take_labels(file_name, row)?;
        let boxes = take_boxes(file_name, row)?;
        let gold = match row.fields.remove("gold") {
            None => None,
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(Value::String(s)) => match serde_json::from_str::<Value>(&s) {
                Ok(Value::Object(m)) => Some(m),
                _ => {
                    return Err(bad(
                        file_name,
                        row.line,
                        "`gold` must be a JSON object (the answer, keyed by question)",
                    ));
                }
            },
            Some(Value::Object(m)) => Some(m),
            Some(_) => {
                return Err(bad(
                    file_name,
                    row.line,
                    "`gold` must be a JSON object (the answer, keyed by question)",
                ));
            }
        };
        let values = fields
            .iter()
            .zip(&kinds)
            .map(|((key, _, _), kind)| {
                row.fields
                    .get(key)
                    .map(cell)
                    .filter(|v| !v.is_empty())
                    .map(|v| {
                        if *kind == ColumnKind::Image {
                            normalise_file(&v)
                        } else {
                            v
                        }
                    })
            })
            .collect();
        rows.push(RecordRow {
            line: row.line,
            id,
            tag,
            label,
            labels,
            boxes,
            gold,
            values,
        });
    }
    Ok(RecordManifest {
        fields: fields
            .into_iter()
            .zip(kinds)
            .map(|((_, name, _), kind)| RecordColumn { name, kind })
            .collect(),
        rows,
    })
}

#[cfg(test)]
mod record_tests {
    use super::*;

    fn present(p: &str) -> bool {
        matches!(p, "a/1.jpg" | "a/2.jpg" | "b/1.jpg" | "photo")
    }

    #[test]
    fn csv_columns_become_fields_in_order() {
        let csv = "before,after,note,tag,gold\n\
                   a/1.jpg,b/1.jpg,a chair moved,x,\"{\"\"changed\"\":\"\"yes\"\"}\"\n\
                   a/2.jpg,missing.png,,,\n";
        let AnyManifest::Records(m) =
            parse_any_manifest(TableFormat::Csv, "manifest.csv", csv.as_bytes(), &present).unwrap()
        else {
            panic!("a records manifest")
        };
        let names: Vec<(&str, ColumnKind)> =
            m.fields.iter().map(|f| (f.name.as_str(), f.kind)).collect();
        assert_eq!(
            names,
            [
                ("before", ColumnKind::Image),
                ("after", ColumnKind::Image),
                ("note", ColumnKind::Text)
            ]
        );
        assert_eq!(m.rows.len(), 2);
        assert_eq!(m.rows[0].line, 2);
        assert_eq!(m.rows[0].tag.as_deref(), Some("x"));
        assert_eq!(m.rows[0].gold.as_ref().unwrap()["changed"], "yes");
        assert_eq!(
            m.rows[1].values,
            [
                Some("a/2.jpg".to_owned()),
                Some("missing.png".to_owned()),
                None
            ]
        );
    }

    #[test]
    fn suffixes_and_jsonl_order() {
        let jsonl = "{\"z:image\": \"photo\", \"a:text\": \"a/1.jpg\", \"label\": \"cat\"}\n";
        let m = parse_records(TableFormat::Jsonl, "m.jsonl", jsonl.as_bytes(), &present).unwrap();
        assert_eq!(m.fields[0].name, "z");
        assert_eq!(m.fields[0].kind, ColumnKind::Image);
        assert_eq!(m.fields[1].name, "a");
        assert_eq!(m.fields[1].kind, ColumnKind::Text);
        assert_eq!(m.rows[0].label.as_deref(), Some("cat"));
        // A manifest with `file` is today's.
        let old = "file,label\na/1.jpg,cat\n";
        assert!(matches!(
            parse_any_manifest(TableFormat::Csv, "m.csv", old.as_bytes(), &present).unwrap(),
            AnyManifest::Files(_)
        ));
        // Only reserved columns: nothing to make records of.
        assert!(parse_records(TableFormat::Csv, "m.csv", b"tag,label\nx,y\n", &present).is_err());
    }
}
