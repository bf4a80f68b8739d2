//! Every CSV the server writes (exports, reports, payroll, quality reports) goes through
//! here: UTF-8 with a byte-order mark, so that spreadsheet programs read the Chinese, and one
//! rule for cells a spreadsheet would run as a formula.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::error::{ApiError, ApiResult};

/// The byte-order mark every CSV starts with.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A cell a spreadsheet would read as a formula (starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return) is made plain text with a leading `'`. A negative amount as the server
/// writes them (`-12.50`, `-3`) is left as it is: it is data, and a quote would make it text.
pub fn neutralise(cell: &str) -> String {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let negative_number = cell.strip_prefix('-').is_some_and(|digits| {
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
        !whole.is_empty()
            && !fraction.is_empty()
            && whole
                .bytes()
                .chain(fraction.bytes())
                .all(|b| b.is_ascii_digit())
    });
    if risky && !negative_number {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// A CSV writer into memory, the byte-order mark written; `flexible` rows may differ in length.
pub fn writer(flexible: bool) -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .flexible(flexible)
        .from_writer(BOM.to_vec())
}

/// Writes one row, each cell neutralised.
pub fn row<I, S>(w: &mut csv::Writer<Vec<u8>>, cells: I) -> csv::Result<()>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    w.write_record(cells.into_iter().map(|c| neutralise(c.as_ref())))
}

/// A finished CSV as a download named `file_name`.
pub fn attachment(file_name: &str, bytes: Vec<u8>) -> ApiResult<Response> {
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\""))
            .map_err(ApiError::internal)?,
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

/// A table as a download: a header row, then the rows.
pub fn download(file_name: &str, header: &[&str], rows: Vec<Vec<String>>) -> ApiResult<Response> {
    let mut w = writer(false);
    row(&mut w, header).map_err(ApiError::internal)?;
    for r in rows {
        row(&mut w, r).map_err(ApiError::internal)?;
    }
    attachment(file_name, w.into_inner().map_err(ApiError::internal)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text_and_numbers_stay_numbers() {
        for (cell, out) in [
            ("=1+1", "'=1+1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("-2+3", "'-2+3"),
            ("-even", "'-even"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("-12.50", "-12.50"),
            ("+3", "'+3"),
            ("-1e5", "'-1e5"),
            ("-.5", "'-.5"),
            ("-5.", "'-5."),
            ("-inf", "'-inf"),
            ("cat", "cat"),
            ("", ""),
        ] {
            assert_eq!(neutralise(cell), out, "{cell:?}");
        }
    }

    #[test]
    fn rows_are_neutralised_after_a_byte_order_mark() {
        let mut w = writer(false);
        row(&mut w, ["=HYPERLINK(\"x\")", "-3"]).unwrap();
        let bytes = w.into_inner().unwrap();
        assert!(bytes.starts_with(BOM));
        assert_eq!(&bytes[3..], b"\"'=HYPERLINK(\"\"x\"\")\",-3\n");
    }
}
