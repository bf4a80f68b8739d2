//! Walks every route of the OpenAPI document with malformed requests, as
//! nobody, as a forged cookie, and as each role: nothing may answer 5xx, and
//! every API error has the JSON error shape.

use serde_json::Value;

use crate::{Browser, both};

const BAD_IDS: [&str; 5] = ["abc", "-1", "99999999999999999999", "0", "%00"];

async fn send(
    b: &Browser,
    method: &str,
    path: &str,
    body: Option<(&'static str, Vec<u8>)>,
    cookie: Option<&str>,
) -> (u16, String, Value) {
    let url = format!("{}{path}", b.url);
    let mut req = b.http.request(method.parse().unwrap(), url);
    if let Some((ct, bytes)) = body {
        req = req.header("content-type", ct).body(bytes);
    }
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let text = r.text().await.unwrap();
    (
        status,
        ct,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

fn bodies() -> Vec<Option<(&'static str, Vec<u8>)>> {
    vec![
        None,
        Some(("application/json", b"{not json".to_vec())),
        Some(("application/json", b"[]".to_vec())),
        Some(("application/json", b"{\"unknown_field\": 1}".to_vec())),
        Some((
            "application/json",
            b"{\"name\": 12, \"pin\": [], \"user_id\": \"x\", \"role\": \"root\"}".to_vec(),
        )),
        Some(("application/json", b"null".to_vec())),
        Some(("text/plain", b"hello".to_vec())),
        Some(("application/json", vec![0xff, 0xfe, 0x00])),
    ]
}

both!(no_route_answers_5xx_to_malformed_requests, |app| {
    let w = app.world().await;
    let anon = app.browser();
    let doc = anon.get("/api/openapi.json").await.body;
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            ops.push((method.to_uppercase(), path.clone()));
        }
    }
    assert!(ops.len() >= 25, "{} operations", ops.len());

    // Callers: nobody, forged cookies, and a real session of each role.
    let admin = app.browser();
    admin.login("admin").await.ok();
    let lead = app.browser();
    lead.login("lead_a").await.ok();
    let client = app.browser();
    client.login("client_a").await.ok();
    let annotator = app.browser();
    annotator.enrol_as("lead_a").await;
    annotator.pin(w.ann_a1, "1111").await.ok();
    let forged = "mudou_session=forged; mudou_device=forged";

    let mut requests = 0;
    for (method, path) in &ops {
        let paths: Vec<String> = if path.contains('{') {
            BAD_IDS
                .iter()
                .map(|id| path.replace("{id}", id))
                .chain([path.replace("{id}", "1")])
                .collect()
        } else {
            vec![path.clone()]
        };
        for concrete in paths {
            for body in bodies() {
                for (who, cookie) in [
                    (&anon, None),
                    (&anon, Some(forged)),
                    (&admin, None),
                    (&lead, None),
                    (&client, None),
                    (&annotator, None),
                ] {
                    // Never log the walker's own sessions out halfway.
                    if concrete.ends_with("/auth/logout")
                        || (method == "DELETE" && concrete == "/api/v1/device")
                    {
                        continue;
                    }
                    let (status, ct, json) =
                        send(who, method, &concrete, body.clone(), cookie).await;
                    requests += 1;
                    assert!(status < 500, "{method} {concrete} answered {status} {json}");
                    if status >= 400 && concrete.starts_with("/api/") {
                        assert!(
                            ct.starts_with("application/json"),
                            "{method} {concrete} {status}: {ct}"
                        );
                        assert!(
                            json["error"]["code"].is_string()
                                && json["error"]["message"].is_string(),
                            "{method} {concrete}: {json}"
                        );
                    }
                }
            }
        }
    }
    assert!(requests > 1000, "{requests} requests");
});

both!(oversize_bodies_get_413_json, |app| {
    let b = app.browser();
    let mut big = br#"{"username": "x", "password": ""#.to_vec();
    big.extend(std::iter::repeat_n(b'a', 2 << 20));
    big.extend(br#""}"#);
    let (status, ct, json) = send(
        &b,
        "POST",
        "/api/v1/auth/login",
        Some(("application/json", big)),
        None,
    )
    .await;
    assert_eq!(
        (status, json["error"]["code"].as_str()),
        (413, Some("payload_too_large")),
        "{ct}"
    );
});
