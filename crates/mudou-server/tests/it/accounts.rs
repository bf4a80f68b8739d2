use serde_json::json;

use crate::both;

both!(staff_login_logout, |app| {
    app.world().await;
    let b = app.browser();
    assert_eq!(b.get("/api/v1/session").await.code(), "unauthenticated");
    let g = b.login("lead_a").await;
    assert_eq!(g.ok()["user"]["role"], "lead");
    let cookie = g
        .set_cookie
        .iter()
        .find(|c| c.starts_with("mudou_session="))
        .unwrap();
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

    // Unknown user and wrong password look the same; no account locks (see `throttle_*`).
    let g = b
        .post(
            "/api/v1/auth/login",
            json!({"username": "nobody", "password": "whatever1"}),
        )
        .await;
    assert_eq!((g.status.as_u16(), g.code()), (401, "invalid_credentials"));
    for _ in 0..4 {
        let g = b
            .post(
                "/api/v1/auth/login",
                json!({"username": "lead_b", "password": "wrong pass"}),
            )
            .await;
        assert_eq!(g.code(), "invalid_credentials");
        assert!(g.body["error"].get("attempts_left").is_none(), "{}", g.body);
    }
    assert_eq!(b.login("lead_b").await.ok()["user"]["username"], "lead_b");
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

    // Wrong PINs make this annotator wait on this device; the lead clears it with a new PIN.
    let g = pc.pin(w.ann_a1, "0000").await;
    assert_eq!((g.status.as_u16(), g.code()), (401, "invalid_pin"));
    for _ in 0..3 {
        pc.pin(w.ann_a1, "0000").await;
    }
    assert_eq!(pc.pin(w.ann_a1, "1111").await.code(), "rate_limited");
    let roster = pc.get("/api/v1/device/roster").await;
    let locked = |roster: &crate::Got, id: i64| {
        roster.body["annotators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == id)
            .unwrap()["locked"]
            .clone()
    };
    assert_eq!(locked(&roster, w.ann_a1), true);
    assert_eq!(locked(&roster, w.ann_a2), false);
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
    // Spread wrong guesses over many accounts: the device itself is slowed down.
    let mut ids = vec![w.ann_a1, w.ann_a2];
    for i in 0..9 {
        ids.push(
            app.user(crate::annotator(&format!("新人{i}"), "4321", w.centre_a))
                .await
                .id
                .get(),
        );
    }
    let mut codes = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        for j in 0..3 {
            let g = pc.pin(*id, &format!("{:04}", 5000 + 3 * i + j)).await;
            codes.push(g.code().to_owned());
        }
    }
    assert_eq!(codes[..30], vec!["invalid_pin"; 30], "{codes:?}");
    assert_eq!(
        codes.last().map(String::as_str),
        Some("rate_limited"),
        "{codes:?}"
    );
    // Even the right PIN waits on this device; another device is not affected.
    assert_eq!(pc.pin(ids[10], "4321").await.code(), "rate_limited");
    let other = app.browser();
    other.enrol_as("lead_a").await;
    other.pin(ids[10], "4321").await.ok();
});

// Throttling (issue 24): a stranger's guesses from one address slow that address down and
// never lock the account; its owner logs in from anywhere else.
both!(throttle_one_address_cannot_lock_an_account, |app| {
    app.world().await;
    let stranger = app.browser_from("127.0.0.2");
    let mut answers = Vec::new();
    for i in 0..25 {
        let g = stranger
            .post(
                "/api/v1/auth/login",
                json!({"username": "admin", "password": format!("guess {i}")}),
            )
            .await;
        answers.push((g.status.as_u16(), g.code().to_owned()));
    }
    let throttled = answers.iter().filter(|a| a.1 == "rate_limited").count();
    assert_eq!(
        answers[..5],
        vec![(401, "invalid_credentials".to_owned()); 5]
    );
    assert!(throttled >= 15, "{answers:?}");
    // The stranger's address is refused whatever it tries, with a Retry-After…
    let g = stranger.login("lead_a").await;
    assert_eq!((g.status.as_u16(), g.code()), (429, "rate_limited"));
    let wait: i64 = g.retry_after.as_deref().unwrap().parse().unwrap();
    assert!(
        wait >= 1 && g.body["error"]["retry_after_s"] == wait,
        "{:?}",
        g.body
    );
    // …and an unknown user answers exactly like a known one (no account is revealed).
    let unknown = stranger
        .post(
            "/api/v1/auth/login",
            json!({"username": "nobody", "password": "x"}),
        )
        .await;
    assert_eq!(
        (
            unknown.status,
            &unknown.body["error"]["code"],
            &unknown.body["error"]["message"]
        ),
        (
            g.status,
            &g.body["error"]["code"],
            &g.body["error"]["message"]
        )
    );
    assert!(unknown.retry_after.is_some());

    // The owner, from another address, logs in at once with the right password.
    let owner = app.browser_from("127.0.0.3");
    assert_eq!(owner.login("admin").await.ok()["user"]["role"], "admin");

    // The X-Forwarded-For header is not trusted unless a setting says so.
    let g = stranger
        .http
        .post(format!("{}/api/v1/auth/login", app.url))
        .header("x-forwarded-for", "203.0.113.9")
        .json(&json!({"username": "lead_a", "password": crate::PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(g.status().as_u16(), 429);
});

// Unknown, disabled and wrong answer alike: same status, code and message (and the same
// Argon2 work: an unknown user is checked against a dummy hash).
both!(throttle_unknown_wrong_and_disabled_look_the_same, |app| {
    let w = app.world().await;
    let admin = app.browser();
    admin.login("admin").await.ok();
    let u = admin.post("/api/v1/admin/users", json!({"username": "gone", "display_name": "离职", "role": "client", "org_id": w.org_a, "password": "long enough"})).await;
    let uid = u.ok()["id"].as_i64().unwrap();
    admin
        .post(&format!("/api/v1/admin/users/{uid}/disable"), json!({}))
        .await
        .ok();
    let b = app.browser_from("127.0.0.4");
    let mut seen = Vec::new();
    for (username, password) in [
        ("nobody", "whatever1"),
        ("lead_b", "wrong pass"),
        ("gone", "long enough"),
    ] {
        let g = b
            .post(
                "/api/v1/auth/login",
                json!({"username": username, "password": password}),
            )
            .await;
        seen.push((g.status.as_u16(), g.body.clone()));
    }
    assert_eq!(seen[0].0, 401);
    assert_eq!(seen[0], seen[1]);
    assert_eq!(seen[0], seen[2]);
    // PINs too: an unknown annotator and a wrong PIN.
    let pc = app.browser();
    pc.enrol_as("lead_a").await;
    let a = pc.pin(w.ann_a1, "0000").await;
    let b = pc.pin(999_999, "0000").await;
    assert_eq!((a.status.as_u16(), &a.body), (401, &b.body));
});

// Guesses from many addresses slow the account a little (a short wait), never shut it:
// from a browser where they logged in before, or an enrolled device of their centre, the
// owner gets in at once; from anywhere else after the short wait.
both!(
    throttle_many_addresses_slow_the_account_not_its_owner,
    |app| {
        let w = app.world().await;
        let owner = app.browser_from("127.0.0.3");
        owner.login("lead_b").await.ok();
        let code = owner.post("/api/v1/devices/codes", json!({})).await;
        let code = code.body["code"].as_str().unwrap().to_owned();
        owner.post("/api/v1/auth/logout", json!({})).await;
        // A centre PC enrolled with a code: it never logged anyone in.
        let pc = app.browser_from("127.0.0.5");
        pc.post("/api/v1/device/claim", json!({"code": code}))
            .await
            .ok();

        for i in 1..=11 {
            let g = app
                .browser_from(&format!("127.0.1.{i}"))
                .post(
                    "/api/v1/auth/login",
                    json!({"username": "lead_b", "password": "wrong pass"}),
                )
                .await;
            assert_eq!(g.code(), "invalid_credentials", "attempt {i}");
        }
        // The account now waits a little, for a stranger and the owner on a new browser alike.
        let fresh = app.browser_from("127.0.2.1");
        let g = fresh.login("lead_b").await;
        assert_eq!((g.status.as_u16(), g.code()), (429, "rate_limited"));
        let wait = g.body["error"]["retry_after_s"].as_i64().unwrap();
        assert!((1..=30).contains(&wait), "{wait}");
        let g = fresh
            .post(
                "/api/v1/auth/login",
                json!({"username": "no_such_user", "password": "wrong pass"}),
            )
            .await;
        assert_eq!(
            g.code(),
            "invalid_credentials",
            "other accounts are not slowed"
        );
        // From the browser they used before, and from their centre's device, at once.
        assert_eq!(
            owner.login("lead_b").await.ok()["user"]["username"],
            "lead_b"
        );
        assert_eq!(
            pc.login("lead_b").await.ok()["user"]["centre_id"],
            w.centre_b
        );
        // Anywhere else, after the short wait.
        tokio::time::sleep(std::time::Duration::from_millis(wait as u64 * 1000 + 100)).await;
        fresh.login("lead_b").await.ok();
    }
);

// One annotator's wrong PINs do not stop the next person on that PC, nor the same annotator
// on another PC.
both!(throttle_pin_failures_stay_with_their_annotator, |app| {
    let w = app.world().await;
    let pc = app.browser();
    pc.enrol_as("lead_a").await;
    let mut codes = Vec::new();
    for i in 0..12 {
        codes.push(
            pc.pin(w.ann_a1, &format!("{:04}", 9000 + i))
                .await
                .code()
                .to_owned(),
        );
    }
    assert_eq!(codes[..3], ["invalid_pin"; 3], "{codes:?}");
    assert!(codes[3..].iter().any(|c| c == "rate_limited"), "{codes:?}");
    assert_eq!(pc.pin(w.ann_a1, "1111").await.code(), "rate_limited");
    // The next person on the same PC.
    assert_eq!(
        pc.pin(w.ann_a2, "2222").await.ok()["user"]["display_name"],
        "李娜"
    );
    pc.post("/api/v1/auth/logout", json!({})).await;
    // The same annotator at another PC.
    let pc2 = app.browser();
    pc2.enrol_as("lead_a").await;
    assert_eq!(
        pc2.pin(w.ann_a1, "1111").await.ok()["user"]["display_name"],
        "王芳"
    );
});

// The throttle lives in the database: a restarted server (or a second one) still knows.
both!(throttle_survives_a_restart, |app| {
    app.world().await;
    // A second server on the same database, started first: the throttle's waits are short
    // (a second after the sixth failure), and starting a server can take longer than that.
    let mut settings = (*app.state.settings).clone();
    settings.listen = "127.0.0.1:0".parse().unwrap();
    let second = crate::TestApp::spawn_with(settings, tempfile::tempdir().unwrap()).await;
    let stranger = app.browser_from("127.0.0.2");
    for i in 0..7 {
        stranger
            .post(
                "/api/v1/auth/login",
                json!({"username": "admin", "password": format!("guess {i}")}),
            )
            .await;
    }
    let g = crate::Browser {
        url: second.url.clone(),
        http: stranger.http.clone(),
    };
    assert_eq!(g.login("admin").await.code(), "rate_limited");
    assert_eq!(stranger.login("admin").await.code(), "rate_limited");
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
    dup.refused(mudou_domain::ErrorCode::UsernameTaken);
    assert_eq!(dup.body["error"]["field"], "username");
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

// Behind one trusted proxy (`trusted_proxy_hops = 1`) the source is the address the proxy
// appended to X-Forwarded-For, not the proxy's own; what the client wrote before it is not.
async fn forwarded_for_with_a_trusted_proxy(backend: crate::Backend) {
    let Some(app) = crate::TestApp::spawn_tuned(backend, |s| s.trusted_proxy_hops = 1).await else {
        eprintln!("MUDOU_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    app.world().await;
    let proxy = app.browser();
    let login = |xff: &'static str, password: &'static str| {
        let http = proxy.http.clone();
        let url = format!("{}/api/v1/auth/login", app.url);
        async move {
            let r = http
                .post(url)
                .header("x-forwarded-for", xff)
                .json(&json!({"username": "lead_a", "password": password}))
                .send()
                .await
                .unwrap();
            r.status().as_u16()
        }
    };
    // The client forges a first entry each time; the proxy's entry (the last) is what counts.
    let mut statuses = Vec::new();
    for i in 0..8 {
        let forged: &'static str = Box::leak(format!("10.9.9.{i}, 198.51.100.7").into_boxed_str());
        statuses.push(login(forged, "wrong pass").await);
    }
    assert!(statuses.contains(&429), "{statuses:?}");
    assert_eq!(login("198.51.100.7", crate::PASSWORD).await, 429);
    // Another client behind the same proxy is not slowed.
    assert_eq!(login("198.51.100.8", crate::PASSWORD).await, 200);
    let schema = app.state.settings.database_schema.clone();
    drop(app);
    crate::drop_schema(schema).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttle_forwarded_for_with_a_trusted_proxy_sqlite() {
    forwarded_for_with_a_trusted_proxy(crate::Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(mudou_pg_tests),
    ignore = "MUDOU_TEST_POSTGRES_URL was not set when the tests were built"
)]
async fn throttle_forwarded_for_with_a_trusted_proxy_postgres() {
    forwarded_for_with_a_trusted_proxy(crate::Backend::Postgres).await
}

// A measured note, not a pass/fail timing check (those flake on a busy box): how long an
// unknown user, a wrong password, a disabled user and a throttled attempt take, median of 8
// each over HTTP on SQLite. `cargo test -p mudou-server --test it login_timing_note -- --ignored --nocapture`
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn login_timing_note() {
    let app = crate::TestApp::spawn(crate::Backend::Sqlite).await.unwrap();
    let w = app.world().await;
    let admin = app.browser();
    admin.login("admin").await.ok();
    let u = admin.post("/api/v1/admin/users", json!({"username": "gone", "display_name": "离职", "role": "client", "org_id": w.org_a, "password": "long enough"})).await;
    let uid = u.ok()["id"].as_i64().unwrap();
    admin
        .post(&format!("/api/v1/admin/users/{uid}/disable"), json!({}))
        .await
        .ok();
    // Ten failures from 127.0.0.9 (waiting out each wait): the address now waits 16 s.
    let throttled = app.browser_from("127.0.0.9");
    let mut failures = 0;
    while failures < 10 {
        let g = throttled
            .post(
                "/api/v1/auth/login",
                json!({"username": "admin", "password": format!("g{failures}")}),
            )
            .await;
        match g.status.as_u16() {
            401 => failures += 1,
            _ => {
                let s = g.body["error"]["retry_after_s"].as_u64().unwrap();
                tokio::time::sleep(std::time::Duration::from_secs(s)).await;
            }
        }
    }
    // Each attempt from an address of its own (and fewer than an account's free attempts),
    // so none is throttled by the others; the throttled kind from the throttled address.
    async fn median(app: &crate::TestApp, net: u8, username: &str, expect: u16) -> f64 {
        let mut times = Vec::new();
        for i in 1..=8 {
            let b = if net == 0 {
                app.browser_from("127.0.0.9")
            } else {
                app.browser_from(&format!("127.0.{net}.{i}"))
            };
            let t = std::time::Instant::now();
            let g = b
                .post(
                    "/api/v1/auth/login",
                    json!({"username": username, "password": "wrong pass"}),
                )
                .await;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(g.status.as_u16(), expect, "{username}");
        }
        times.sort_by(f64::total_cmp);
        times[times.len() / 2]
    }
    let unknown = median(&app, 3, "nobody", 401).await;
    let wrong = median(&app, 4, "lead_b", 401).await;
    let disabled = median(&app, 5, "gone", 401).await;
    let refused = median(&app, 0, "lead_a", 429).await;
    println!(
        "login timing (median ms): unknown {unknown:.1}, wrong {wrong:.1}, disabled {disabled:.1}, throttled {refused:.1}"
    );
}
