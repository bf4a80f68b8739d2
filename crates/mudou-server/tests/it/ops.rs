use serde_json::json;

use crate::both;

both!(health_ready_metrics_openapi, |app| {
    let b = app.browser();
    assert_eq!(b.get("/healthz").await.ok()["status"], "ok");
    assert_eq!(b.get("/readyz").await.ok()["status"], "ready");
    b.get("/api/v1/device").await.ok();
    let metrics = app.metrics().await;
    assert!(
        metrics.contains(r#"http_requests_total{method="GET",route="/healthz",status="200"} 1"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(
            "http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/device\""
        )
    );
    assert!(
        metrics.contains("process_resident_memory_bytes"),
        "process metrics are exported"
    );

    let doc = b.get("/api/openapi.json").await;
    let paths = doc.ok()["paths"].as_object().unwrap();
    for p in [
        "/healthz",
        "/readyz",
        "/metrics",
        "/api/v1/auth/login",
        "/api/v1/auth/pin",
        "/api/v1/device/roster",
        "/api/v1/admin/users",
        "/api/v1/tokens/{id}",
        "/api/v1/datasets/{id}/items",
    ] {
        assert!(
            paths.contains_key(p),
            "{p} missing from the OpenAPI document"
        );
    }
    assert_eq!(
        doc.body["openapi"].as_str().map(|v| v.starts_with("3.")),
        Some(true)
    );
});

both!(unknown_routes_and_methods_answer_json, |app| {
    let b = app.browser();
    let g = b.get("/api/v1/nothing-here").await;
    assert_eq!((g.status.as_u16(), g.code()), (404, "not_found"));
    let g = b.delete("/api/v1/session").await;
    assert_eq!((g.status.as_u16(), g.code()), (405, "method_not_allowed"));
    // The web app's routes fall back to index.html (or the "not built" page), never an API error.
    let r = b
        .http
        .get(format!("{}/login", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let r = b
        .http
        .get(format!("{}/assets/missing-file.js", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
});

both!(graceful_shutdown_finishes_and_stops, |app| {
    let b = app.browser();
    b.get("/healthz").await.ok();
    // Start a request, then shut down: the request still gets its answer.
    let http = b.http.clone();
    let url = format!("{}/api/v1/auth/login", app.url);
    let inflight = tokio::spawn(async move {
        http.post(url)
            .json(&json!({"username": "nobody", "password": "wrong password"}))
            .send()
            .await
            .map(|r| r.status())
    });
    // Long enough for the request to reach the server on a loaded box (5 ms was not: the
    // listener could close before it connected); the login's Argon2 check keeps it in
    // flight for tens of milliseconds after.
    tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    app.stop().await;
    assert_eq!(inflight.await.unwrap().unwrap().as_u16(), 401);
    assert!(
        app.browser()
            .http
            .get(format!("{}/healthz", app.url))
            .send()
            .await
            .is_err(),
        "no longer listening"
    );
});

both!(the_document_lists_every_error_code_with_its_status, |app| {
    let doc = app.browser().get("/api/openapi.json").await.ok().clone();
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        schemas["ErrorDetail"]["properties"]["code"]["$ref"], "#/components/schemas/ErrorCode",
        "an error's code is the ErrorCode enum: {}",
        schemas["ErrorDetail"]
    );
    let codes = &schemas["ErrorCode"];
    let listed: Vec<&str> = codes["enum"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    let description = codes["description"].as_str().unwrap();
    for c in mudou_domain::ErrorCode::ALL {
        assert!(listed.contains(&c.as_str()), "{c} missing from the enum");
        assert_eq!(codes["x-error-codes"][c.as_str()], c.status(), "{c}");
        assert!(
            description.contains(&format!("| `{c}` | {} |", c.status())),
            "{c} missing from the table: {description}"
        );
    }
    assert_eq!(listed.len(), mudou_domain::ErrorCode::ALL.len());
    // Every status an error code has is one the document says a route may answer (but 405,
    // for a method a path does not take, and 500, which no route means to answer).
    let mut answered = std::collections::HashSet::new();
    for item in doc["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            answered.extend(op["responses"].as_object().unwrap().keys().cloned());
        }
    }
    for c in mudou_domain::ErrorCode::ALL {
        if matches!(c.status(), 405 | 500) {
            continue;
        }
        assert!(
            answered.contains(&c.status().to_string()),
            "no route lists {} ({c})",
            c.status()
        );
    }
});
