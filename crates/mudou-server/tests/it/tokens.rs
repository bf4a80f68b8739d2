//! API tokens carry scopes and an expiry (issue 24): a route refuses a token without the
//! scope it needs (403 `scope`), an expired token is refused (401 `token_expired`), and a
//! token never makes a token with more than it holds.

use serde_json::{Value, json};

use crate::authz::{call, operations};
use crate::{Browser, TestApp, both};

/// Makes a token in `b`'s name (a logged-in browser or a script) and answers its secret.
async fn token(b: &Browser, body: Value) -> String {
    let g = b.post("/api/v1/tokens", body).await;
    assert_eq!(g.status.as_u16(), 201, "{}", g.body);
    g.body["secret"].as_str().unwrap().to_owned()
}

async fn logged_in(app: &TestApp, who: &str) -> Browser {
    let b = app.browser();
    b.login(who).await.ok();
    b
}

/// Fills every `{…}` of a path template with `id`.
fn concrete(path: &str, id: i64) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let j = rest[i..].find('}').unwrap();
        match &rest[i..i + j + 1] {
            "{variant}" => out.push_str("thumb"),
            "{sha256}" => out.push_str(&"a".repeat(64)),
            _ => out.push_str(&id.to_string()),
        }
        rest = &rest[i + j + 1..];
    }
    out.push_str(rest);
    out
}

both!(tokens_show_scopes_and_expiry, |app| {
    app.world().await;
    let client = logged_in(&app, "client_a").await;
    let before = mudou_store::now_millis();
    let g = client.post("/api/v1/tokens", json!({"name": "默认"})).await;
    assert_eq!(g.status.as_u16(), 201);
    assert_eq!(g.body["token"]["scopes"], json!(["results:read", "orders"]));
    let expires = g.body["token"]["expires_at"].as_i64().unwrap();
    let day = 86_400_000;
    assert!((before + 90 * day..=before + 90 * day + 60_000).contains(&expires));
    let g = client
        .post(
            "/api/v1/tokens",
            json!({"name": "只读", "scopes": ["results:read"], "expires_in_days": 7}),
        )
        .await;
    assert_eq!(g.body["token"]["scopes"], json!(["results:read"]));
    let listed = client.get("/api/v1/tokens").await;
    let items = listed.ok()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2);
    assert_eq!(items[1]["scopes"], json!(["results:read"]));
    assert!(items[1]["expires_at"].as_i64().unwrap() < expires);
    // Bad requests are 4xx with a stable code.
    for (body, code) in [
        (json!({"name": "x", "expires_in_days": 0}), "validation"),
        (json!({"name": "x", "expires_in_days": 366}), "validation"),
        (json!({"name": "x", "scopes": []}), "validation"),
        (json!({"name": "x", "scopes": ["root"]}), "validation"),
        (json!({"name": "x", "scopes": ["lead"]}), "scope"),
        (json!({"name": "x", "scopes": ["admin"]}), "scope"),
    ] {
        let g = client.post("/api/v1/tokens", body.clone()).await;
        assert_eq!(g.code(), code, "{body} → {} {}", g.status, g.body);
        assert!(g.status.is_client_error(), "{body}");
    }
    // The OpenAPI document describes the new fields.
    let doc = client.get("/api/openapi.json").await;
    let schemas = &doc.ok()["components"]["schemas"];
    assert!(schemas["TokenOut"]["properties"]["scopes"].is_object());
    assert!(schemas["TokenOut"]["properties"]["expires_at"].is_object());
    assert!(schemas["NewTokenRequest"]["properties"]["expires_in_days"].is_object());
    assert!(
        schemas["Scope"]["enum"]
            .as_array()
            .unwrap()
            .contains(&json!("admin:users"))
    );
});

both!(expired_tokens_are_refused, |app| {
    app.world().await;
    let client = logged_in(&app, "client_a").await;
    let user = mudou_domain::UserId::new(
        client.get("/api/v1/session").await.ok()["user"]["id"]
            .as_i64()
            .unwrap(),
    );
    let secret = format!("mdt_{}", mudou_app::secrets::random_secret());
    let now = mudou_store::now_millis();
    // Made through the store: the API makes no token that expires within a day.
    app.state
        .store
        .create_api_token(
            user,
            "old",
            &mudou_app::secrets::token_hash(&secret),
            "mdt_old",
            "results:read orders",
            now - 10_000,
            now - 1,
        )
        .await
        .unwrap();
    let g = app.script(&secret).get("/api/v1/orders").await;
    assert_eq!((g.status.as_u16(), g.code()), (401, "token_expired"));
    let g = app.script("mdt_unknown").get("/api/v1/orders").await;
    assert_eq!((g.status.as_u16(), g.code()), (401, "invalid_token"));
    // A fresh one works.
    let fresh = token(&client, json!({"name": "新"})).await;
    app.script(&fresh).get("/api/v1/orders").await.ok();
});

both!(routes_refuse_tokens_without_their_scope, |app| {
    let w = app.world().await;
    let client = logged_in(&app, "client_a").await;
    let read = app.script(&token(&client, json!({"name": "r", "scopes": ["results:read"]})).await);
    let write = app.script(&token(&client, json!({"name": "w", "scopes": ["orders"]})).await);
    // Reads with `results:read`, writes with `orders`.
    read.get("/api/v1/orders").await.ok();
    read.get("/api/v1/datasets").await.ok();
    let g = read
        .post("/api/v1/datasets", json!({"name": "新数据"}))
        .await;
    assert_eq!((g.status.as_u16(), g.code()), (403, "scope"));
    assert_eq!(g.body["error"]["needed"], "orders");
    let g = write.get("/api/v1/orders").await;
    assert_eq!((g.status.as_u16(), g.code()), (403, "scope"));
    assert_eq!(g.body["error"]["needed"], "results:read");
    assert_eq!(
        write
            .post("/api/v1/datasets", json!({"name": "新数据"}))
            .await
            .status
            .as_u16(),
        201
    );
    // The browser session holds every scope of its role.
    client.get("/api/v1/orders").await.ok();

    // Walk every client route: a read-only token never writes, a write-only one never reads.
    let client_tags = ["datasets", "orders", "exports", "reports", "media"];
    let (mut refused_writes, mut refused_reads) = (0, 0);
    for (method, path, tags) in operations(&client).await {
        if !tags.iter().any(|t| client_tags.contains(&t.as_str())) {
            continue;
        }
        let path = concrete(&path, 1);
        let by = if method == "GET" { &write } else { &read };
        let g = call(by, &method, &path, json!({"name": "x"})).await;
        assert!(
            g.status.as_u16() == 403 && ["scope", "forbidden"].contains(&g.code()),
            "{method} {path} answered {} {}",
            g.status,
            g.body
        );
        if g.code() == "scope" {
            if method == "GET" {
                refused_reads += 1;
            } else {
                refused_writes += 1;
            }
        }
    }
    assert!(
        refused_writes >= 8 && refused_reads >= 8,
        "{refused_writes} {refused_reads}"
    );

    // A lead's token works on the lead's routes; an admin's `admin:users`-only token on none
    // of the admin routes.
    let lead = logged_in(&app, "lead_a").await;
    let lt = app.script(&token(&lead, json!({"name": "l"})).await);
    assert_eq!(
        lt.get("/api/v1/centre/annotators").await.ok()["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let admin = logged_in(&app, "admin").await;
    let users_only =
        app.script(&token(&admin, json!({"name": "u", "scopes": ["admin:users"]})).await);
    let mut walked = 0;
    for (method, path, tags) in operations(&admin).await {
        if !tags.iter().any(|t| t == "admin") {
            continue;
        }
        let g = call(&users_only, &method, &concrete(&path, w.ann_a1), json!({})).await;
        assert_eq!(
            (g.status.as_u16(), g.code()),
            (403, "scope"),
            "{method} {path}"
        );
        walked += 1;
    }
    assert!(walked >= 8, "{walked}");
});

both!(admin_tokens_create_admins_only_with_admin_users, |app| {
    let w = app.world().await;
    let admin = logged_in(&app, "admin").await;
    let plain = app.script(&token(&admin, json!({"name": "a", "scopes": ["admin"]})).await);
    let full = app.script(&token(&admin, json!({"name": "f"})).await);
    let new_admin = |name: &str| json!({"username": name, "display_name": name, "role": "admin", "password": "long enough"});
    let g = plain.post("/api/v1/admin/users", new_admin("admin2")).await;
    assert_eq!((g.status.as_u16(), g.code()), (403, "scope"));
    assert_eq!(g.body["error"]["needed"], "admin:users");
    // The `admin` scope still creates other users.
    let g = plain
        .post("/api/v1/admin/users", json!({"username": "c9", "display_name": "c9", "role": "client", "org_id": w.org_a, "password": "long enough"}))
        .await;
    assert_eq!(g.status.as_u16(), 201, "{}", g.body);
    let g = full.post("/api/v1/admin/users", new_admin("admin3")).await;
    assert_eq!(g.status.as_u16(), 201, "{}", g.body);
    let admin3 = g.body["id"].as_i64().unwrap();
    // Nor can it disable an admin.
    let g = plain
        .post(&format!("/api/v1/admin/users/{admin3}/disable"), json!({}))
        .await;
    assert_eq!((g.status.as_u16(), g.code()), (403, "scope"));
    // The browser session may.
    let g = admin.post("/api/v1/admin/users", new_admin("admin4")).await;
    assert_eq!(g.status.as_u16(), 201);
});

both!(tokens_cannot_mint_more_than_they_hold, |app| {
    app.world().await;
    let client = logged_in(&app, "client_a").await;
    let read = app.script(
        &token(
            &client,
            json!({"name": "r", "scopes": ["results:read"], "expires_in_days": 30}),
        )
        .await,
    );
    let g = read
        .post(
            "/api/v1/tokens",
            json!({"name": "more", "scopes": ["orders"]}),
        )
        .await;
    assert_eq!((g.status.as_u16(), g.code()), (403, "scope"));
    let g = read
        .post(
            "/api/v1/tokens",
            json!({"name": "more", "scopes": ["results:read", "orders"]}),
        )
        .await;
    assert_eq!((g.status.as_u16(), g.code()), (403, "scope"));
    // Longer than itself: refused when asked, capped by default.
    let g = read
        .post(
            "/api/v1/tokens",
            json!({"name": "long", "expires_in_days": 31}),
        )
        .await;
    assert_eq!((g.status.as_u16(), g.code()), (422, "validation"));
    let g = read.post("/api/v1/tokens", json!({"name": "child"})).await;
    assert_eq!(g.status.as_u16(), 201);
    assert_eq!(g.body["token"]["scopes"], json!(["results:read"]));
    let child_expiry = g.body["token"]["expires_at"].as_i64().unwrap();
    let parent_expiry = client.get("/api/v1/tokens").await.ok()["items"][0]["expires_at"]
        .as_i64()
        .unwrap();
    assert_eq!(child_expiry, parent_expiry);
    let child = app.script(g.body["secret"].as_str().unwrap());
    let g = child.post("/api/v1/datasets", json!({"name": "x"})).await;
    assert_eq!(g.code(), "scope");

    let admin = logged_in(&app, "admin").await;
    let plain = app.script(&token(&admin, json!({"name": "a", "scopes": ["admin"]})).await);
    let g = plain
        .post(
            "/api/v1/tokens",
            json!({"name": "up", "scopes": ["admin", "admin:users"]}),
        )
        .await;
    assert_eq!((g.status.as_u16(), g.code()), (403, "scope"));
});
