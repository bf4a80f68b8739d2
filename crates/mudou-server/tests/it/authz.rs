use serde_json::{Value, json};

use crate::{Browser, both};

/// Every operation of the OpenAPI document, as (method, path template, tags).
pub async fn operations(b: &Browser) -> Vec<(String, String, Vec<String>)> {
    let doc = b.get("/api/openapi.json").await;
    let mut out = Vec::new();
    for (path, item) in doc.ok()["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let tags = op["tags"].as_array().map(|t| {
                t.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            });
            out.push((
                method.to_uppercase(),
                path.clone(),
                tags.unwrap_or_default(),
            ));
        }
    }
    out
}

pub async fn call(b: &Browser, method: &str, path: &str, body: Value) -> crate::Got {
    let url = format!("{}{path}", b.url);
    let req = match method {
        "GET" => b.http.get(url),
        "POST" => b.http.post(url).json(&body),
        "PUT" => b.http.put(url).json(&body),
        "PATCH" => b.http.patch(url).json(&body),
        "DELETE" => b.http.delete(url),
        m => panic!("unexpected method {m}"),
    };
    crate::Got::from(req.send().await.unwrap()).await
}

both!(annotators_cannot_use_staff_routes, |app| {
    let w = app.world().await;
    let pc = app.browser();
    pc.enrol_as("lead_a").await;
    pc.pin(w.ann_a1, "1111").await.ok();
    let staff_tags = ["admin", "centre", "datasets", "tokens", "lead"];
    let mut checked = 0;
    for (method, path, tags) in operations(&pc).await {
        let lead_device_route = path.starts_with("/api/v1/devices");
        if !(tags.iter().any(|t| staff_tags.contains(&t.as_str())) || lead_device_route) {
            continue;
        }
        let concrete = path.replace("{id}", &w.ann_a1.to_string());
        let body = json!({"name": "x", "display_name": "x", "pin": "1234", "role": "admin", "username": "xx", "password": "long enough"});
        let g = call(&pc, &method, &concrete, body).await;
        assert!(
            matches!(g.status.as_u16(), 403 | 404),
            "{method} {path} answered {} {}",
            g.status,
            g.body
        );
        checked += 1;
    }
    assert!(checked >= 15, "only {checked} staff routes found");
});

both!(leads_and_clients_stay_in_their_scope, |app| {
    let w = app.world().await;
    // Lead B cannot see or act on centre A.
    let lead_b = app.browser();
    lead_b.login("lead_b").await.ok();
    let ann: Vec<_> = lead_b.get("/api/v1/centre/annotators").await.ok()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ann, [w.ann_b1]);
    let g = lead_b
        .post(
            &format!("/api/v1/centre/annotators/{}/pin", w.ann_a1),
            json!({"pin": "0000"}),
        )
        .await;
    assert_eq!(g.status.as_u16(), 404);
    let pc_a = app.browser();
    pc_a.enrol_as("lead_a").await;
    let lead_a = app.browser();
    lead_a.login("lead_a").await.ok();
    let dev_a = lead_a.get("/api/v1/devices").await.ok()["items"][0]["id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        lead_b
            .delete(&format!("/api/v1/devices/{dev_a}"))
            .await
            .status
            .as_u16(),
        404
    );
    assert!(
        lead_b.get("/api/v1/devices").await.ok()["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        pc_a.get("/api/v1/device/roster").await.status.as_u16(),
        200,
        "device A still works"
    );
    // Leads are not admins.
    assert_eq!(lead_b.get("/api/v1/admin/users").await.status.as_u16(), 403);

    // Client B sees nothing of client A's datasets.
    let ds = app.dataset(w.org_a, "甲的数据").await;
    let a = app.browser();
    a.login("client_a").await.ok();
    assert_eq!(
        a.get("/api/v1/datasets").await.ok()["items"][0]["name"],
        "甲的数据"
    );
    a.get(&format!("/api/v1/datasets/{}/items", ds.id))
        .await
        .ok();
    let b = app.browser();
    b.login("client_b").await.ok();
    assert!(
        b.get("/api/v1/datasets").await.ok()["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        b.get(&format!("/api/v1/datasets/{}", ds.id))
            .await
            .status
            .as_u16(),
        404
    );
    assert_eq!(
        b.get(&format!("/api/v1/datasets/{}/items", ds.id))
            .await
            .status
            .as_u16(),
        404
    );
    // Clients are neither leads nor admins.
    assert_eq!(
        b.get("/api/v1/centre/annotators").await.status.as_u16(),
        403
    );
    assert_eq!(
        b.post("/api/v1/admin/orgs", json!({"name": "x"}))
            .await
            .status
            .as_u16(),
        403
    );
    let _ = w.org_b;
    let _ = w.centre_b;
});
