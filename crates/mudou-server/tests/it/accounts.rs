use serde_json::json;

use crate::both;

both!(staff_login_logout_and_lockout, |app| {
    app.world().await;
    let b = app.browser();
    assert_eq!(b.get("/api/v1/session").await.code(), "unauthenticated");
    let g = b.login("lead_a").await;
    assert_eq!(g.ok()["user"]["role"], "lead");
    let cookie = &g.set_cookie[0];
    assert!(cookie.starts_with("mudou_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert_eq!(
        b.get("/api/v1/session").await.ok()["user"]["username"],
        "lead_a"
    );
    assert_eq!(
        b.post("/api/v1/auth/logout", json!({}))
            .await
            .status
            .as_u16(),
        204
    );
    assert_eq!(b.get("/api/v1/session").await.status.as_u16(), 401);

    // Unknown user and wrong password look the same.
    let g = b
        .post(
            "/api/v1/auth/login",
            json!({"username": "nobody", "password": "whatever1"}),
        )
        .await;
    assert_eq!((g.status.as_u16(), g.code()), (401, "invalid_credentials"));
    for left in [4, 3, 2, 1] {
        let g = b
            .post(
                "/api/v1/auth/login",
                json!({"username": "lead_b", "password": "wrong pass"}),
            )
            .await;
        assert_eq!(
            (g.code(), g.body["error"]["attempts_left"].as_i64()),
            ("invalid_credentials", Some(left))
        );
    }
    let g = b
        .post(
            "/api/v1/auth/login",
            json!({"username": "lead_b", "password": "wrong pass"}),
        )
        .await;
    assert_eq!((g.status.as_u16(), g.code()), (429, "locked"));
    assert!(g.body["error"]["retry_after_s"].as_i64().unwrap() > 800);
    // Even the right password is refused while locked.
    assert_eq!(b.login("lead_b").await.code(), "locked");
});

both!(device_enrolment_roster_and_pin, |app| {
    let w = app.world().await;
    let pc = app.browser();
    // Not enrolled: no roster, no PIN login.
    assert_eq!(pc.get("/api/v1/device").await.ok()["enrolled"], false);
    let g = pc.get("/api/v1/device/roster").await;
    assert_eq!((g.status.as_u16(), g.code()), (403, "device_not_enrolled"));
    assert_eq!(pc.pin(w.ann_a1, "1111").await.code(), "device_not_enrolled");

    pc.enrol_as("lead_a").await;
    let dev = pc.get("/api/v1/device").await;
    assert_eq!(dev.ok()["centre"]["name"], "A中心");
    let roster = pc.get("/api/v1/device/roster").await;
    let names: Vec<_> = roster.ok()["annotators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["display_name"].clone())
        .collect();
    assert_eq!(
        names,
        [json!("李娜"), json!("王芳")],
        "only centre A's annotators, by name"
    );

    // Wrong PINs count down, then lock; the lead can unlock by setting a new PIN.
    let g = pc.pin(w.ann_a1, "0000").await;
    assert_eq!(
        (
            g.status.as_u16(),
            g.code(),
            g.body["error"]["attempts_left"].as_i64()
        ),
        (401, "invalid_pin", Some(4))
    );
    for _ in 0..3 {
        pc.pin(w.ann_a1, "0000").await;
    }
    assert_eq!(pc.pin(w.ann_a1, "0000").await.code(), "locked");
    assert_eq!(pc.pin(w.ann_a1, "1111").await.code(), "locked");
    let roster = pc.get("/api/v1/device/roster").await;
    let locked = roster.body["annotators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == w.ann_a1)
        .unwrap()["locked"]
        .clone();
    assert_eq!(locked, true);
    let lead = app.browser();
    lead.login("lead_a").await.ok();
    assert_eq!(
        lead.post(
            &format!("/api/v1/centre/annotators/{}/pin", w.ann_a1),
            json!({"pin": "8642"})
        )
        .await
        .status
        .as_u16(),
        204
    );

    let g = pc.pin(w.ann_a1, "8642").await;
    assert_eq!(g.ok()["user"]["display_name"], "王芳");
    assert_eq!(
        pc.get("/api/v1/session").await.ok()["user"]["role"],
        "annotator"
    );

    // Centre A's device cannot log in centre B's annotator, whatever the PIN.
    let g = pc.pin(w.ann_b1, "3333").await;
    assert_eq!(g.code(), "invalid_pin");

    // Revoking the device ends the roster and the sessions opened on it.
    let devices = lead.get("/api/v1/devices").await;
    let id = devices.ok()["items"][0]["id"].as_i64().unwrap();
    assert_eq!(
        lead.delete(&format!("/api/v1/devices/{id}"))
            .await
            .status
            .as_u16(),
        204
    );
    assert_eq!(pc.get("/api/v1/session").await.status.as_u16(), 401);
    assert_eq!(
        pc.get("/api/v1/device/roster").await.code(),
        "device_not_enrolled"
    );
});

both!(device_rate_limit, |app| {
    let w = app.world().await;
    let pc = app.browser();
    pc.enrol_as("lead_a").await;
    // Spread wrong guesses over many accounts: the device itself is limited.
    let mut codes = Vec::new();
    for i in 0..31 {
        let user = if i % 2 == 0 { w.ann_a1 } else { w.ann_a2 };
        let g = pc.pin(user, &format!("{:04}", 1000 + i)).await;
        codes.push(g.code().to_owned());
    }
    assert_eq!(
        codes.last().map(String::as_str),
        Some("rate_limited"),
        "{codes:?}"
    );
});

both!(enrolment_codes_for_phones, |app| {
    let w = app.world().await;
    let lead = app.browser();
    lead.login("lead_a").await.ok();
    let code = lead.post("/api/v1/devices/codes", json!({})).await;
    assert_eq!(code.status.as_u16(), 201);
    let code_text = code.body["code"].as_str().unwrap().to_owned();
    assert_eq!(code.body["path"], format!("/enroll#code={code_text}"));

    let phone = app.browser();
    let typed = code_text.to_lowercase().replace('-', " ");
    let g = phone
        .post(
            "/api/v1/device/claim",
            json!({"code": typed, "name": "王芳的手机"}),
        )
        .await;
    assert_eq!(g.ok()["centre"]["id"], w.centre_a);
    assert!(
        g.set_cookie
            .iter()
            .any(|c| c.starts_with("mudou_device=") && c.contains("HttpOnly"))
    );
    assert_eq!(
        phone.get("/api/v1/device/roster").await.ok()["annotators"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // A code works once.
    let again = app
        .browser()
        .post("/api/v1/device/claim", json!({"code": code_text}))
        .await;
    assert_eq!(again.status.as_u16(), 404);
    // Forgetting the device clears the cookie.
    assert_eq!(phone.delete("/api/v1/device").await.status.as_u16(), 204);
    assert_eq!(phone.get("/api/v1/device").await.ok()["enrolled"], false);
});

both!(lead_manages_annotators, |app| {
    let w = app.world().await;
    let lead = app.browser();
    lead.login("lead_a").await.ok();
    let g = lead
        .post(
            "/api/v1/centre/annotators",
            json!({"display_name": "新人", "pin": "123"}),
        )
        .await;
    assert_eq!((g.status.as_u16(), g.code()), (422, "validation"));
    let g = lead
        .post(
            "/api/v1/centre/annotators",
            json!({"display_name": "新人", "pin": "2468"}),
        )
        .await;
    assert_eq!(g.status.as_u16(), 201);
    assert_eq!(
        (g.body["centre_id"].as_i64(), g.body["skill_level"].as_str()),
        (Some(w.centre_a), Some("trainee"))
    );
    let list = lead.get("/api/v1/centre/annotators").await;
    assert_eq!(list.ok()["items"].as_array().unwrap().len(), 3);
});

both!(admin_creates_centres_orgs_users, |app| {
    app.world().await;
    let admin = app.browser();
    admin.login("admin").await.ok();
    let c = admin
        .post(
            "/api/v1/admin/centres",
            json!({"name": "新县中心", "county": "新县", "province": "云南"}),
        )
        .await;
    assert_eq!(c.status.as_u16(), 201);
    let cid = c.body["id"].as_i64().unwrap();
    assert_eq!(
        admin
            .post("/api/v1/admin/centres", json!({"name": "新县中心"}))
            .await
            .code(),
        "conflict"
    );
    let o = admin
        .post("/api/v1/admin/orgs", json!({"name": "新客户"}))
        .await;
    let oid = o.body["id"].as_i64().unwrap();

    // Role rules: an annotator needs a centre and a PIN; a client an organisation and a password.
    let bad = [
        json!({"display_name": "x", "role": "annotator", "pin": "1234"}),
        json!({"display_name": "x", "role": "annotator", "centre_id": cid}),
        json!({"display_name": "x", "role": "annotator", "centre_id": cid, "pin": "1234", "password": "long enough"}),
        json!({"username": "c2", "display_name": "x", "role": "client", "password": "long enough"}),
        json!({"username": "c2", "display_name": "x", "role": "client", "org_id": oid, "password": "short"}),
        json!({"username": "l2", "display_name": "x", "role": "lead", "centre_id": cid, "org_id": oid, "password": "long enough"}),
        json!({"username": "王", "display_name": "x", "role": "admin", "password": "long enough"}),
        json!({"username": "c3", "display_name": "x", "role": "client", "org_id": 99999, "password": "long enough"}),
    ];
    for body in bad {
        let g = admin.post("/api/v1/admin/users", body.clone()).await;
        assert_eq!((g.status.as_u16(), g.code()), (422, "validation"), "{body}");
    }
    let u = admin.post("/api/v1/admin/users", json!({"username": "c2", "display_name": "钱客户", "role": "client", "org_id": oid, "password": "long enough"})).await;
    assert_eq!(u.status.as_u16(), 201);
    let dup = admin.post("/api/v1/admin/users", json!({"username": "c2", "display_name": "又一个", "role": "client", "org_id": oid, "password": "long enough"})).await;
    assert_eq!((dup.status.as_u16(), dup.code()), (409, "conflict"));
    let ann = admin.post("/api/v1/admin/users", json!({"display_name": "新标注员", "role": "annotator", "centre_id": cid, "pin": "1357"})).await;
    assert_eq!(ann.status.as_u16(), 201);

    let clients = admin
        .get(&format!("/api/v1/admin/users?role=client&org_id={oid}"))
        .await;
    assert_eq!(clients.ok()["items"].as_array().unwrap().len(), 1);

    // Disabling ends the user's sessions.
    let c2 = app.browser();
    c2.post(
        "/api/v1/auth/login",
        json!({"username": "c2", "password": "long enough"}),
    )
    .await
    .ok();
    let uid = u.body["id"].as_i64().unwrap();
    assert_eq!(
        admin
            .post(&format!("/api/v1/admin/users/{uid}/disable"), json!({}))
            .await
            .ok()["disabled"],
        true
    );
    assert_eq!(c2.get("/api/v1/session").await.status.as_u16(), 401);
    assert_eq!(
        c2.post(
            "/api/v1/auth/login",
            json!({"username": "c2", "password": "long enough"})
        )
        .await
        .code(),
        "invalid_credentials"
    );
    admin
        .post(&format!("/api/v1/admin/users/{uid}/enable"), json!({}))
        .await
        .ok();
    c2.post(
        "/api/v1/auth/login",
        json!({"username": "c2", "password": "long enough"}),
    )
    .await
    .ok();
});

both!(api_tokens_for_scripts, |app| {
    app.world().await;
    let client = app.browser();
    client.login("client_a").await.ok();
    let t = client
        .post("/api/v1/tokens", json!({"name": "nightly export"}))
        .await;
    assert_eq!(t.status.as_u16(), 201);
    let secret = t.body["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("mdt_"));
    let id = t.body["token"]["id"].as_i64().unwrap();
    let listed = client.get("/api/v1/tokens").await;
    assert!(
        listed.ok()["items"][0].get("secret").is_none(),
        "secrets are never listed"
    );

    let script = reqwest::Client::new();
    let who = |s: String| {
        let script = script.clone();
        let url = format!("{}/api/v1/session", app.url);
        async move { script.get(url).bearer_auth(s).send().await.unwrap() }
    };
    let r = who(secret.clone()).await;
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["user"]["username"],
        "client_a"
    );
    let r = who("mdt_forged".into()).await;
    assert_eq!(r.status().as_u16(), 401);
    let r = who("not-a-token".into()).await;
    assert_eq!(r.status().as_u16(), 401);

    // Another user cannot revoke it; its owner can.
    let other = app.browser();
    other.login("client_b").await.ok();
    assert_eq!(
        other
            .delete(&format!("/api/v1/tokens/{id}"))
            .await
            .status
            .as_u16(),
        404
    );
    assert_eq!(
        client
            .delete(&format!("/api/v1/tokens/{id}"))
            .await
            .status
            .as_u16(),
        204
    );
    assert_eq!(who(secret).await.status().as_u16(), 401);
});
