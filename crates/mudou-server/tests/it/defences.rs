//! Browser defences (`mudou_server::browser`) and who may read `/metrics`: another site's
//! page cannot change anything through a logged-in browser, every answer carries the security
//! headers, and `/metrics` needs its token or an address of its own.

use reqwest::multipart::{Form, Part};
use reqwest::{Client, RequestBuilder};
use serde_json::json;

use crate::{Got, METRICS_TOKEN, TestApp, both};

const EVIL: &str = "http://evil.example";

/// The request as a page of another site would send it: the browser's cookies, `Origin`.
fn from(req: RequestBuilder, origin: &str) -> RequestBuilder {
    req.header("origin", origin)
}

fn host(app: &TestApp) -> String {
    app.url.trim_start_matches("http://").to_owned()
}

async fn send(req: RequestBuilder) -> Got {
    Got::from(req.send().await.unwrap()).await
}

#[track_caller]
fn refused(g: &Got) {
    assert_eq!(
        (g.status.as_u16(), g.code()),
        (403, "cross_origin"),
        "{}",
        g.body
    );
    assert!(g.body["error"]["message"].is_string());
}

both!(other_sites_cannot_change_anything, |app| {
    let w = app.world().await;
    let client = app.browser();
    client.login("client_a").await.ok();
    let http = &client.http;
    let url = |p: &str| format!("{}{p}", app.url);

    // A JSON POST, by Origin and by Sec-Fetch-Site, changes nothing.
    let before = client.get("/api/v1/tokens").await.ok()["items"].clone();
    for req in [
        from(http.post(url("/api/v1/tokens")), EVIL),
        from(http.post(url("/api/v1/tokens")), "null"),
        from(
            http.post(url("/api/v1/tokens")),
            &format!("http://{}", host(&app).replace("127.0.0.1", "localhost")),
        ),
        http.post(url("/api/v1/tokens"))
            .header("sec-fetch-site", "cross-site"),
        http.post(url("/api/v1/tokens"))
            .header("sec-fetch-site", "same-site"),
        // The browser's word wins over an Origin that happens to look right.
        from(http.post(url("/api/v1/tokens")), &app.url).header("sec-fetch-site", "cross-site"),
    ] {
        refused(&send(req.json(&json!({"name": "stolen"}))).await);
    }
    assert_eq!(client.get("/api/v1/tokens").await.ok()["items"], before);

    // PUT, PATCH and DELETE too, before the handler (or the router) looks at them.
    let ds = client
        .post("/api/v1/datasets", json!({"name": "mine"}))
        .await;
    assert_eq!(ds.status.as_u16(), 201, "{}", ds.body);
    let ds = ds.body["id"].as_i64().unwrap();
    refused(&send(from(http.put(url("/api/v1/orders/999999")), EVIL).json(&json!({}))).await);
    refused(&send(from(http.patch(url("/api/v1/datasets")), EVIL)).await);
    let t = client
        .post("/api/v1/tokens", json!({"name": "nightly"}))
        .await;
    assert_eq!(t.status.as_u16(), 201, "{}", t.body);
    let (token_id, secret) = (
        t.body["token"]["id"].as_i64().unwrap(),
        t.body["secret"].as_str().unwrap().to_owned(),
    );
    let tokens = client.get("/api/v1/tokens").await.ok()["items"].clone();
    refused(
        &send(from(
            http.delete(url(&format!("/api/v1/tokens/{token_id}"))),
            EVIL,
        ))
        .await,
    );
    assert_eq!(client.get("/api/v1/tokens").await.ok()["items"], tokens);

    // A multipart upload is refused before its body is read: nothing is stored.
    let form = Form::new().part(
        "files",
        Part::bytes(b"a".repeat(4096)).file_name("a.txt".to_owned()),
    );
    let up = send(
        from(
            http.post(url(&format!("/api/v1/datasets/{ds}/files"))),
            EVIL,
        )
        .header("connection", "close")
        .multipart(form),
    )
    .await;
    refused(&up);
    let items = client
        .get(&format!("/api/v1/datasets/{ds}/items"))
        .await
        .ok()["items"]
        .clone();
    assert_eq!(items, json!([]));

    // A body-less POST: logging the victim out from another site does not work either.
    refused(&send(from(http.post(url("/api/v1/auth/logout")), EVIL)).await);
    client.get("/api/v1/session").await.ok();

    // Nor can another site log a browser in to an account of its choosing.
    let fresh = app.browser();
    let login = send(
        from(fresh.http.post(url("/api/v1/auth/login")), EVIL)
            .json(&json!({"username": "client_b", "password": crate::PASSWORD})),
    )
    .await;
    refused(&login);
    assert!(login.set_cookie.is_empty());
    // ... and an annotator's PIN login on an enrolled device the same.
    let pc = app.browser();
    pc.enrol_as("lead_a").await;
    refused(
        &send(
            pc.http
                .post(url("/api/v1/auth/pin"))
                .header("sec-fetch-site", "cross-site")
                .json(&json!({"user_id": w.ann_a1, "pin": "1111"})),
        )
        .await,
    );

    // Mudou's own pages pass: same-origin by either header, and by Origin = Host.
    let ok =
        send(from(http.post(url("/api/v1/tokens")), &app.url).json(&json!({"name": "by origin"})))
            .await;
    assert_eq!(ok.status.as_u16(), 201, "{}", ok.body);
    let ok = send(
        http.post(url("/api/v1/tokens"))
            .header("sec-fetch-site", "same-origin")
            .header("origin", &app.url)
            .json(&json!({"name": "by fetch metadata"})),
    )
    .await;
    assert_eq!(ok.status.as_u16(), 201, "{}", ok.body);
    // Behind a proxy that rewrites Host, its X-Forwarded-Host names the site.
    let ok = send(
        http.post(url("/api/v1/tokens"))
            .header("origin", "https://mudou.example")
            .header("x-forwarded-host", "mudou.example")
            .json(&json!({"name": "behind a proxy"})),
    )
    .await;
    assert_eq!(ok.status.as_u16(), 201, "{}", ok.body);

    // A script with an API token is not a browser: no Origin check (and no cookie).
    let script = Client::new();
    let made = send(
        from(script.post(url("/api/v1/datasets")), EVIL)
            .header("sec-fetch-site", "cross-site")
            .bearer_auth(&secret)
            .json(&json!({"name": "from a script"})),
    )
    .await;
    assert_eq!(made.status.as_u16(), 201, "{}", made.body);
    // A made-up token is checked as a token (401), not waved through.
    let bogus = send(
        from(script.post(url("/api/v1/tokens")), EVIL)
            .bearer_auth("mdt_made_up")
            .json(&json!({"name": "x"})),
    )
    .await;
    assert_eq!(bogus.status.as_u16(), 401, "{}", bogus.body);

    // Reading is not checked (the session cookie is SameSite=Strict anyway).
    let r = send(from(http.get(url("/api/v1/session")), EVIL)).await;
    assert_eq!(r.status.as_u16(), 200);

    // Refusals are counted like any answer, by route.
    let m = app.metrics().await;
    assert!(
        m.contains(r#"http_requests_total{method="POST",route="/api/v1/tokens",status="403"}"#),
        "{m}"
    );
});

#[track_caller]
fn secured(what: &str, r: &reqwest::Response, hsts: bool) {
    let h = r.headers();
    let csp = h
        .get("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no CSP"))
        .to_str()
        .unwrap();
    assert_eq!(
        csp,
        mudou_server::browser::CONTENT_SECURITY_POLICY,
        "{what}"
    );
    assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-eval"));
    assert_eq!(h["x-frame-options"], "DENY", "{what}");
    assert_eq!(h["x-content-type-options"], "nosniff", "{what}");
    assert_eq!(h["referrer-policy"], "same-origin", "{what}");
    assert_eq!(
        h.get("strict-transport-security").is_some(),
        hsts,
        "{what}: HSTS only with secure cookies"
    );
}

/// Every kind of answer: JSON, JSON errors (the router's, the framework's, a refusal), the
/// web app, a missing asset, a health check, metrics.
async fn every_kind_of_answer(app: &TestApp, hsts: bool) {
    let b = app.browser();
    let http = &b.http;
    let url = |p: &str| format!("{}{p}", app.url);
    let cases = [
        ("healthz", http.get(url("/healthz"))),
        ("API JSON", http.get(url("/api/v1/device"))),
        ("401", http.get(url("/api/v1/session"))),
        ("404 API", http.get(url("/api/v1/nothing-here"))),
        ("405", http.delete(url("/api/v1/session"))),
        ("422", http.post(url("/api/v1/auth/login")).json(&json!({}))),
        (
            "403 cross_origin",
            from(http.post(url("/api/v1/auth/login")), EVIL).json(&json!({})),
        ),
        ("web app", http.get(url("/login"))),
        ("web app root", http.get(url("/"))),
        ("missing asset", http.get(url("/assets/missing.js"))),
        ("openapi", http.get(url("/api/openapi.json"))),
        (
            "metrics",
            http.get(url("/metrics")).bearer_auth(METRICS_TOKEN),
        ),
        ("metrics 401", http.get(url("/metrics"))),
    ];
    for (what, req) in cases {
        let r = req.send().await.unwrap();
        secured(what, &r, hsts);
    }
}

both!(every_answer_carries_the_security_headers, |app| {
    every_kind_of_answer(&app, false).await;
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hsts_only_with_secure_cookies() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = mudou_server::Settings::for_data_dir(dir.path());
    settings.secure_cookies = true;
    settings.metrics_token = Some(METRICS_TOKEN.parse().unwrap());
    let app = TestApp::spawn_with(settings, dir).await;
    every_kind_of_answer(&app, true).await;
}

both!(metrics_need_the_metrics_token, |app| {
    app.world().await;
    let url = format!("{}/metrics", app.url);
    let http = Client::new();
    let got = |r: RequestBuilder| async move { Got::from(r.send().await.unwrap()).await };

    let none = http.get(&url).send().await.unwrap();
    assert_eq!(none.status().as_u16(), 401);
    assert_eq!(
        none.headers()["www-authenticate"],
        "Bearer realm=\"metrics\""
    );
    let none = Got::from(none).await;
    assert_eq!(none.code(), "unauthenticated");
    assert!(!none.body.to_string().contains("mudou_"));

    for wrong in [
        "test-metrics-token-012345678",
        "test-metrics-token-0123456789x",
        "TEST-METRICS-TOKEN-0123456789",
    ] {
        let g = got(http.get(&url).bearer_auth(wrong)).await;
        assert_eq!(
            (g.status.as_u16(), g.code()),
            (401, "invalid_token"),
            "{wrong}"
        );
    }
    // The token as a cookie, basic credentials, or a logged-in admin's session: no.
    let g = got(http
        .get(&url)
        .header("cookie", format!("mudou_session={METRICS_TOKEN}")))
    .await;
    assert_eq!(g.status.as_u16(), 401);
    let g = got(http.get(&url).basic_auth("metrics", Some(METRICS_TOKEN))).await;
    assert_eq!(g.status.as_u16(), 401);
    let admin = app.browser();
    admin.login("admin").await.ok();
    assert_eq!(admin.get("/metrics").await.status.as_u16(), 401);

    // The right one: the per-centre families among them.
    let r = http
        .get(&url)
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = r.text().await.unwrap();
    assert!(
        text.contains(r#"http_requests_total{method="GET",route="/metrics",status="401"}"#),
        "{text}"
    );
    assert!(text.contains("mudou_dispatch_seconds"), "{text}");
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_token_metrics_are_not_on_the_main_address() {
    let dir = tempfile::tempdir().unwrap();
    let settings = mudou_server::Settings::for_data_dir(dir.path());
    let app = TestApp::spawn_with(settings, dir).await;
    let url = format!("{}/metrics", app.url);
    for req in [
        Client::new().get(&url),
        Client::new().get(&url).bearer_auth(METRICS_TOKEN),
        Client::new().get(&url).bearer_auth(""),
    ] {
        let g = Got::from(req.send().await.unwrap()).await;
        assert_eq!(
            (g.status.as_u16(), g.code()),
            (404, "not_found"),
            "{}",
            g.body
        );
        assert!(!g.body.to_string().contains("mudou_"));
    }
    assert!(app.metrics_url.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_on_an_address_of_their_own() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = mudou_server::Settings::for_data_dir(dir.path());
    settings.metrics_listen = Some("127.0.0.1:0".parse().unwrap());
    let mut app = TestApp::spawn_with(settings, dir).await;
    let own = app.metrics_url.clone().expect("a metrics address");
    let http = Client::new();
    // Work on the main address shows up on the metrics address, without a token.
    app.browser().get("/healthz").await.ok();
    let r = http.get(format!("{own}/metrics")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    secured("metrics address", &r, false);
    let text = r.text().await.unwrap();
    assert!(
        text.contains(r#"http_requests_total{method="GET",route="/healthz",status="200"} 1"#),
        "{text}"
    );
    assert!(text.contains("mudou_write_batch_seconds"), "{text}");
    // It serves nothing else, and the main address keeps /metrics to itself (no token set).
    for path in ["/healthz", "/api/v1/session", "/", "/api/openapi.json"] {
        let r = http.get(format!("{own}{path}")).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 404, "{path}");
    }
    let main = Got::from(
        http.get(format!("{}/metrics", app.url))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(main.status.as_u16(), 404);
    // Stopping the server stops both addresses.
    app.stop().await;
    assert!(
        Client::new()
            .get(format!("{own}/metrics"))
            .send()
            .await
            .is_err()
    );
}
