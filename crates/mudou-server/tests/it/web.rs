//! The web app's files over HTTP: precompressed copies by Accept-Encoding
//! (`crates/mudou-server/src/web.rs`; the copies are written by `web-ui/scripts/postbuild.mjs`).

use std::io::Read;

use crate::both;

async fn fetch(
    app: &crate::TestApp,
    path: &str,
    accept: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let b = app.browser();
    let mut req = b.http.get(format!("{}{path}", app.url));
    if let Some(a) = accept {
        req = req.header("accept-encoding", a);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.bytes().await.unwrap().to_vec())
}

fn header<'a>(h: &'a reqwest::header::HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).map(|v| v.to_str().unwrap())
}

both!(web_files_are_sent_compressed_when_asked, |app| {
    // an asset that is not there: 404 whatever the browser accepts
    for accept in [Some("br, gzip"), Some("gzip"), None] {
        let (s, h, _) = fetch(&app, "/assets/missing-file.js", accept).await;
        assert_eq!(s, 404);
        assert_eq!(header(&h, "content-encoding"), None);
    }
    let (s, h, plain) = fetch(&app, "/work", None).await;
    assert_eq!(s, 200);
    assert_eq!(header(&h, "content-encoding"), None);
    if String::from_utf8_lossy(&plain).contains("has not been built") {
        // no web-ui/dist here (`npm run build` first): the built-in note, plainly; the
        // negotiation itself is covered by the unit tests in src/web.rs
        return;
    }
    assert_eq!(header(&h, "vary"), Some("accept-encoding"));
    assert_eq!(header(&h, "cache-control"), Some("no-cache"));
    assert!(plain.starts_with(b"<!doctype html>"));

    // br when asked (Chromium's header), gzip when only gzip, the original otherwise
    let (s, h, br) = fetch(&app, "/work", Some("gzip, deflate, br, zstd")).await;
    assert_eq!(s, 200);
    assert_eq!(header(&h, "content-encoding"), Some("br"));
    assert_eq!(header(&h, "vary"), Some("accept-encoding"));
    assert_eq!(header(&h, "content-type"), Some("text/html; charset=utf-8"));
    assert_ne!(br, plain);
    let (_, h, gz) = fetch(&app, "/work", Some("gzip")).await;
    assert_eq!(header(&h, "content-encoding"), Some("gzip"));
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(gz.as_slice())
        .read_to_end(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, plain);
    let (_, h, same) = fetch(&app, "/work", Some("identity")).await;
    assert_eq!(header(&h, "content-encoding"), None);
    assert_eq!(same, plain);
    let (_, h, _) = fetch(&app, "/work", Some("br;q=0, gzip;q=0.5")).await;
    assert_eq!(header(&h, "content-encoding"), Some("gzip"));

    // an unchanged page costs a 304
    let etag = {
        let (_, h, _) = fetch(&app, "/", Some("br")).await;
        header(&h, "etag").unwrap().to_string()
    };
    let r = app
        .browser()
        .http
        .get(format!("{}/", app.url))
        .header("accept-encoding", "br")
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 304);

    // the page's script: hashed, kept for good, sent as br with its own type
    let html = String::from_utf8(plain).unwrap();
    let script = html
        .split("src=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the page names its script");
    assert!(script.starts_with("/assets/"), "{script}");
    let (s, h, js_br) = fetch(&app, script, Some("br, gzip")).await;
    assert_eq!(s, 200);
    assert_eq!(header(&h, "content-encoding"), Some("br"));
    assert!(header(&h, "content-type").unwrap().contains("javascript"));
    assert_eq!(
        header(&h, "cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    let (_, h, js) = fetch(&app, script, None).await;
    assert_eq!(header(&h, "content-encoding"), None);
    assert!(
        js_br.len() * 2 < js.len(),
        "br {} of {}",
        js_br.len(),
        js.len()
    );

    // the service worker: revalidated every time, compressed too
    let (s, h, _) = fetch(&app, "/sw.js", Some("br")).await;
    assert_eq!(s, 200);
    assert_eq!(header(&h, "cache-control"), Some("no-cache"));
    assert_eq!(header(&h, "content-encoding"), Some("br"));
    assert!(header(&h, "content-type").unwrap().contains("javascript"));
});
