//! The browser app: `web-ui/dist` embedded in release builds (read from disk in
//! debug builds), served at `/` with a fallback to `index.html` for app routes.
//!
//! The UI's build (`web-ui/scripts/precompress.mjs`) writes a Brotli (`.br`) and a gzip
//! (`.gz`) copy beside each text file; a browser that accepts one gets it (br before gzip at
//! equal weight), with the original's Content-Type, `Content-Encoding` and
//! `Vary: Accept-Encoding`. Hashed `assets/*` are cached for good; everything else (the page,
//! the service worker) is revalidated each time, with an ETag so an unchanged file costs a 304.

use std::borrow::Cow;

use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "$CARGO_MANIFEST_DIR/../../web-ui/dist"]
#[allow_missing = true]
struct Assets;

/// Plain markup: the Content-Security-Policy (`crate::browser`) refuses inline styles.
const NOT_BUILT: &str = "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>木豆 Mudou</title>\
<body><h1>木豆 Mudou</h1>\
<p>网页界面还没有构建。The web UI has not been built: run <code>cargo xtask demo</code> \
or <code>npm --prefix web-ui ci &amp;&amp; npm --prefix web-ui run build</code>.</p></body></html>";

/// One stored file: its bytes and a strong validator of them.
pub(crate) struct StoredFile {
    pub data: Cow<'static, [u8]>,
    pub hash: [u8; 32],
}

fn embedded(path: &str) -> Option<StoredFile> {
    Assets::get(path).map(|f| StoredFile {
        hash: f.metadata.sha256_hash(),
        data: f.data,
    })
}

pub async fn static_handler(uri: Uri, headers: HeaderMap) -> Response {
    serve(&embedded, uri.path(), &headers)
}

/// A content coding the server keeps a copy in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Coding {
    Br,
    Gzip,
}

impl Coding {
    fn suffix(self) -> &'static str {
        match self {
            Coding::Br => ".br",
            Coding::Gzip => ".gz",
        }
    }
    fn name(self) -> &'static str {
        match self {
            Coding::Br => "br",
            Coding::Gzip => "gzip",
        }
    }
}

/// The codings an `Accept-Encoding` header allows, best first: by weight (`q`), then br
/// before gzip. A coding not named takes the weight of `*` (none when there is no `*`).
pub(crate) fn accepted(accept_encoding: &str) -> Vec<Coding> {
    let mut br: Option<f32> = None;
    let mut gzip: Option<f32> = None;
    let mut star: Option<f32> = None;
    for part in accept_encoding.split(',') {
        let mut bits = part.split(';');
        let name = bits.next().unwrap_or("").trim().to_ascii_lowercase();
        let mut q = 1.0f32;
        for p in bits {
            let p = p.trim();
            if let Some(v) = p.strip_prefix("q=").or_else(|| p.strip_prefix("Q=")) {
                q = v.trim().parse().unwrap_or(0.0);
            }
        }
        if !q.is_finite() {
            q = 0.0;
        }
        match name.as_str() {
            "br" => br = Some(q),
            "gzip" | "x-gzip" => gzip = Some(q),
            "*" => star = Some(q),
            _ => {}
        }
    }
    let br = br.or(star).unwrap_or(0.0);
    let gzip = gzip.or(star).unwrap_or(0.0);
    let mut out = Vec::new();
    // br before gzip at equal weight
    for (c, q) in [(Coding::Br, br), (Coding::Gzip, gzip)] {
        if q > 0.0 {
            out.push((c, q));
        }
    }
    out.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Equal));
    out.into_iter().map(|(c, _)| c).collect()
}

/// Whether a file has precompressed copies (the build writes them for these kinds only).
fn compressible(path: &str) -> bool {
    let ext = path.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    matches!(
        ext,
        "js" | "mjs" | "css" | "html" | "svg" | "json" | "webmanifest" | "txt" | "map"
    )
}

/// Serves `path` from `files`: the app's file (in the best coding the request accepts), a 404
/// for a missing file, or `index.html` for an app route.
pub(crate) fn serve(
    files: &dyn Fn(&str) -> Option<StoredFile>,
    path: &str,
    headers: &HeaderMap,
) -> Response {
    let path = path.trim_start_matches('/');
    if path.starts_with("api/") {
        return StatusCode::NOT_FOUND.into_response();
    }
    if !path.is_empty() {
        if files(path).is_some() {
            let mime = mime_guess::from_path(path).first_or_octet_stream();
            // Vite names built assets by content hash: cache them for good.
            let cache = if path.starts_with("assets/") {
                "public, max-age=31536000, immutable"
            } else {
                "no-cache"
            };
            return send(files, path, mime.as_ref(), cache, headers);
        }
        // A missing asset is a 404, not the app shell.
        if path.starts_with("assets/") || path.contains('.') {
            return StatusCode::NOT_FOUND.into_response();
        }
    }
    if files("index.html").is_some() {
        return send(
            files,
            "index.html",
            "text/html; charset=utf-8",
            "no-cache",
            headers,
        );
    }
    Html(NOT_BUILT).into_response()
}

fn send(
    files: &dyn Fn(&str) -> Option<StoredFile>,
    path: &str,
    mime: &str,
    cache: &'static str,
    headers: &HeaderMap,
) -> Response {
    let compress = compressible(path);
    let accept = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let chosen = if compress {
        accepted(accept)
            .into_iter()
            .find_map(|c| files(&format!("{path}{}", c.suffix())).map(|f| (Some(c), f)))
    } else {
        None
    };
    let Some((coding, file)) = chosen.or_else(|| files(path).map(|f| (None, f))) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    // one validator per coding: the copies are different bytes
    let etag = format!(
        "\"{}{}\"",
        hex::encode(&file.hash[..12]),
        coding.map(|c| format!("-{}", c.name())).unwrap_or_default()
    );
    let mut out = HeaderMap::new();
    out.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(mime).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if compress {
        out.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    if let Ok(v) = HeaderValue::from_str(&etag) {
        out.insert(header::ETAG, v);
    }
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim().trim_start_matches("W/") == etag || t.trim() == "*")
        });
    if fresh {
        out.remove(header::CONTENT_TYPE);
        return (StatusCode::NOT_MODIFIED, out).into_response();
    }
    if let Some(c) = coding {
        out.insert(header::CONTENT_ENCODING, HeaderValue::from_static(c.name()));
    }
    (out, file.data).into_response()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn files() -> HashMap<&'static str, &'static [u8]> {
        HashMap::from([
            ("index.html", b"<html>page</html>".as_slice()),
            ("index.html.br", b"BR-page".as_slice()),
            ("index.html.gz", b"GZ-page".as_slice()),
            ("assets/app-1234.js", b"console.log(1)".as_slice()),
            ("assets/app-1234.js.br", b"BR-js".as_slice()),
            ("assets/app-1234.js.gz", b"GZ-js".as_slice()),
            ("assets/only-gz-1.css", b"a{}".as_slice()),
            ("assets/only-gz-1.css.gz", b"GZ-css".as_slice()),
            ("favicon.png", b"PNG".as_slice()),
        ])
    }

    fn get(
        path: &str,
        accept: Option<&str>,
        inm: Option<&str>,
    ) -> (StatusCode, HeaderMap, Vec<u8>) {
        let map = files();
        let lookup = move |p: &str| {
            map.get(p).map(|d| StoredFile {
                data: Cow::Borrowed(*d),
                hash: {
                    let mut h = [0u8; 32];
                    h[0] = d.len() as u8;
                    h[1] = d.first().copied().unwrap_or(0);
                    h
                },
            })
        };
        let mut h = HeaderMap::new();
        if let Some(a) = accept {
            h.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(a).unwrap());
        }
        if let Some(t) = inm {
            h.insert(header::IF_NONE_MATCH, HeaderValue::from_str(t).unwrap());
        }
        let r = serve(&lookup, path, &h);
        let status = r.status();
        let headers = r.headers().clone();
        let body = futures::executor::block_on(axum::body::to_bytes(r.into_body(), 1 << 20))
            .unwrap()
            .to_vec();
        (status, headers, body)
    }

    #[test]
    fn accept_encoding_weights() {
        assert_eq!(
            accepted("gzip, deflate, br, zstd"),
            vec![Coding::Br, Coding::Gzip]
        );
        assert_eq!(accepted("gzip"), vec![Coding::Gzip]);
        assert_eq!(accepted("identity"), vec![]);
        assert_eq!(accepted(""), vec![]);
        assert_eq!(accepted("br;q=0.5, gzip"), vec![Coding::Gzip, Coding::Br]);
        assert_eq!(accepted("br;q=0, gzip;q=0.1"), vec![Coding::Gzip]);
        assert_eq!(accepted("*"), vec![Coding::Br, Coding::Gzip]);
        assert_eq!(accepted("*;q=0.2, br;q=0"), vec![Coding::Gzip]);
        assert_eq!(accepted("BR;Q=1 , X-GZIP"), vec![Coding::Br, Coding::Gzip]);
        assert_eq!(accepted("br;q=nonsense"), vec![]);
    }

    #[test]
    fn br_then_gzip_then_identity() {
        let (s, h, b) = get("/assets/app-1234.js", Some("gzip, deflate, br"), None);
        assert_eq!(s, StatusCode::OK);
        assert_eq!(b, b"BR-js");
        assert_eq!(h[header::CONTENT_ENCODING], "br");
        assert!(
            h[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .contains("javascript")
        );
        assert_eq!(h[header::VARY], "accept-encoding");
        assert_eq!(
            h[header::CACHE_CONTROL],
            "public, max-age=31536000, immutable"
        );

        let (_, h, b) = get("/assets/app-1234.js", Some("gzip"), None);
        assert_eq!(
            (b.as_slice(), &h[header::CONTENT_ENCODING]),
            (b"GZ-js".as_slice(), &HeaderValue::from_static("gzip"))
        );

        let (_, h, b) = get("/assets/app-1234.js", None, None);
        assert_eq!(b, b"console.log(1)");
        assert!(h.get(header::CONTENT_ENCODING).is_none());
        assert_eq!(h[header::VARY], "accept-encoding");

        // br asked, only gzip kept: gzip
        let (_, h, b) = get("/assets/only-gz-1.css", Some("br, gzip"), None);
        assert_eq!(b, b"GZ-css");
        assert_eq!(h[header::CONTENT_ENCODING], "gzip");
        assert!(
            h[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/css")
        );
        // br only, no br copy: the original
        let (_, h, b) = get("/assets/only-gz-1.css", Some("br"), None);
        assert_eq!(b, b"a{}");
        assert!(h.get(header::CONTENT_ENCODING).is_none());
    }

    #[test]
    fn app_routes_get_the_page_compressed_and_revalidated() {
        let (s, h, b) = get("/work", Some("br"), None);
        assert_eq!(s, StatusCode::OK);
        assert_eq!(b, b"BR-page");
        assert_eq!(h[header::CONTENT_TYPE], "text/html; charset=utf-8");
        assert_eq!(h[header::CACHE_CONTROL], "no-cache");
        let etag = h[header::ETAG].to_str().unwrap().to_string();
        assert!(etag.ends_with("-br\""), "{etag}");
        let (s, h, b) = get("/", Some("br"), Some(&etag));
        assert_eq!(s, StatusCode::NOT_MODIFIED);
        assert!(b.is_empty());
        assert_eq!(h[header::ETAG], etag.as_str());
        // the gzip copy is another representation: its own validator
        let (s, _, b) = get("/", Some("gzip"), Some(&etag));
        assert_eq!((s, b.as_slice()), (StatusCode::OK, b"GZ-page".as_slice()));
    }

    #[test]
    fn missing_files_are_404_and_pictures_are_not_recoded() {
        assert_eq!(
            get("/assets/nope-1.js", Some("br"), None).0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(get("/nope.txt", None, None).0, StatusCode::NOT_FOUND);
        assert_eq!(get("/api/v1/x", None, None).0, StatusCode::NOT_FOUND);
        let (s, h, b) = get("/favicon.png", Some("br, gzip"), None);
        assert_eq!((s, b.as_slice()), (StatusCode::OK, b"PNG".as_slice()));
        assert!(h.get(header::CONTENT_ENCODING).is_none());
        assert!(h.get(header::VARY).is_none());
    }
}
