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

/// A body for an operation from its request schema: every property the schema names (so that
/// the body gets past the shape checks), ids set to `id`, an item id to `item`.
fn body_for(doc: &Value, op: &Value, id: i64, item: i64) -> Value {
    fn resolve<'a>(doc: &'a Value, s: &'a Value) -> &'a Value {
        match s["$ref"].as_str() {
            Some(r) => resolve(
                doc,
                doc.pointer(&r[1..].replace("~1", "/"))
                    .unwrap_or(&Value::Null),
            ),
            None => s,
        }
    }
    fn fill(doc: &Value, s: &Value, name: &str, id: i64, item: i64, depth: u32) -> Value {
        let s = resolve(doc, s);
        if name == "item_id" {
            return json!(item);
        }
        if name.ends_with("_id") || name == "id" {
            return json!(id);
        }
        if let Some(any) = s["oneOf"].as_array().or(s["anyOf"].as_array()) {
            let first = any
                .iter()
                .find(|v| v["type"] != "null")
                .unwrap_or(&Value::Null);
            return fill(doc, first, name, id, item, depth);
        }
        if let Some(e) = s["enum"].as_array().and_then(|e| e.first()) {
            return e.clone();
        }
        let ty = match &s["type"] {
            Value::Array(ts) => ts
                .iter()
                .find(|t| *t != "null")
                .cloned()
                .unwrap_or_default(),
            t => t.clone(),
        };
        match ty.as_str() {
            Some("integer") | Some("number") => json!(1),
            Some("boolean") => json!(false),
            Some("array") => json!([]),
            Some("string") => json!(match name {
                "client_uuid" => uuid::Uuid::new_v4().to_string(),
                // Unique (names must be), in digits only (answers are compared without them).
                _ => {
                    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
                    format!(
                        "检查{}",
                        N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                    )
                }
            }),
            _ if depth < 3 && s["properties"].is_object() => {
                let mut o = serde_json::Map::new();
                for (k, v) in s["properties"].as_object().unwrap() {
                    o.insert(k.clone(), fill(doc, v, k, id, item, depth + 1));
                }
                Value::Object(o)
            }
            // A free-form object: an answer that fits no order.
            _ => json!({"label": "不存在"}),
        }
    }
    match op.pointer("/requestBody/content/application~1json/schema") {
        Some(s) => fill(doc, s, "", id, item, 0),
        None => json!({}),
    }
}

/// The message of an answer without its numbers (an id may be quoted back).
fn shape(g: &crate::Got) -> (u16, String, String) {
    let m: String = g.body["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_ascii_digit())
        .collect();
    (g.status.as_u16(), g.code().to_owned(), m)
}

// Another tenant's ids tell nothing: every route, called by centre B's lead, annotator and
// organisation B's client with centre A's or organisation A's ids (in the path and in the
// body), answers exactly as it does for ids that do not exist, and never succeeds on a path
// naming them. Scope is checked before anything of the object is looked at.
both!(another_tenants_ids_answer_as_if_they_did_not_exist, |app| {
    use crate::work::{annotator_browser, answer, choice_spec, order};
    let w = app.world().await;
    let mut spec = choice_spec(json!({"kind": "fixed", "n": 2}));
    spec["eligible_centres"] = json!([w.centre_a]);
    let order_id = order(&app, &w, 6, spec).await;
    let a1 = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;
    let next = a1.get("/api/v1/work/next").await;
    let asg = next.ok()["assignment"].clone();
    let aid = asg["id"].as_i64().unwrap();
    let items: Vec<i64> = asg["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["item_id"].as_i64().unwrap())
        .collect();
    let screen = asg["items"][0]["screen_url"].as_str().unwrap().to_owned();
    let sha = screen.split('/').nth(4).unwrap().to_owned();
    let mut ids = vec![order_id, aid, w.ann_a1, w.ann_a2];
    for &item in &items[..2] {
        let (_, body) = answer(&a1, aid, item, "circle");
        ids.push(
            a1.post("/api/v1/work/labels", body).await.ok()["label_id"]
                .as_i64()
                .unwrap(),
        );
    }
    let lead_a = app.browser();
    lead_a.login("lead_a").await.ok();
    let fb = lead_a
        .post(
            "/api/v1/lead/feedback",
            json!({"annotator_id": w.ann_a1, "text": "看仔细", "order_id": order_id, "item_id": items[0],
                   "answer": {"label": "square"}}),
        )
        .await;
    ids.push(fb.ok()["id"].as_i64().unwrap());
    ids.push(
        lead_a.get("/api/v1/devices").await.ok()["items"][0]["id"]
            .as_i64()
            .unwrap(),
    );
    let client_a = app.browser();
    client_a.login("client_a").await.ok();
    ids.push(
        client_a
            .get(&format!("/api/v1/orders/{order_id}"))
            .await
            .ok()["dataset_id"]
            .as_i64()
            .unwrap(),
    );
    // B's own people and places are not A's: they are left out.
    let lead_b = app.browser();
    let me_b = lead_b.login("lead_b").await.ok()["user"]["id"].as_i64();
    let client_b = app.browser();
    let me_c = client_b.login("client_b").await.ok()["user"]["id"].as_i64();
    let ann_b = annotator_browser(&app, w.ann_b1, "3333", "lead_b").await;
    let theirs = [Some(w.ann_b1), me_b, me_c, Some(w.centre_b), Some(w.org_b)];
    ids.retain(|i| !theirs.contains(&Some(*i)));
    ids.sort_unstable();
    ids.dedup();

    let doc = lead_b.get("/api/openapi.json").await.ok().clone();
    // Routes about the caller's own session or device (they would log the walker out).
    let own = [
        "/api/v1/auth/logout",
        "/api/v1/auth/login",
        "/api/v1/auth/pin",
        "/api/v1/device",
        "/api/v1/device/claim",
        "/api/v1/devices/enroll",
    ];
    // Routes naming an object in their path, then those naming one in their body (a body
    // without ids, such as a new dataset's name, names nothing of anybody's). The first may
    // not create anything of B's whose id could be taken for one of A's.
    let mut ops: Vec<(bool, String, String, Value)> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        if own.contains(&path.as_str()) || !path.starts_with("/api/v1/") {
            continue;
        }
        for (method, op) in item.as_object().unwrap() {
            let in_path = path.contains('{');
            let names_ids = body_for(&doc, op, -7, -7).to_string().contains("-7");
            if in_path || names_ids {
                ops.push((!in_path, method.to_uppercase(), path.clone(), op.clone()));
            }
        }
    }
    ops.sort_by_key(|a| a.0);
    let mut checked = 0;
    for (body_only, method, path, op) in &ops {
        let (in_path, path, op) = (!body_only, path.as_str(), op);
        for who in [&lead_b, &client_b, &ann_b] {
            for &id in &ids {
                let fake = 900_000 + id;
                let at = |id: i64, item: i64, sha: &str| {
                    path.replace("{id}", &id.to_string())
                        .replace("{item_id}", &item.to_string())
                        .replace("{sha256}", sha)
                        .replace("{variant}", "screen")
                };
                let real = call(
                    who,
                    method,
                    &at(id, items[0], &sha),
                    body_for(&doc, op, id, items[0]),
                )
                .await;
                let none = call(
                    who,
                    method,
                    &at(fake, 900_001, &"0".repeat(64)),
                    body_for(&doc, op, fake, 900_001),
                )
                .await;
                assert_eq!(
                    shape(&real),
                    shape(&none),
                    "{method} {path} with id {id} answers otherwise than for an id that does not exist: {} / {}",
                    real.body,
                    none.body
                );
                if in_path {
                    assert!(
                        !real.status.is_success(),
                        "{method} {path} with another tenant's id {id}: {} {}",
                        real.status,
                        real.body
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 500, "only {checked} calls");
    // The feedback route in particular: an answer checked against another centre's order
    // would tell its task type and labels.
    let g = lead_b
        .post(
            "/api/v1/lead/feedback",
            json!({"annotator_id": w.ann_a1, "text": "x", "order_id": order_id, "item_id": items[0],
                   "answer": {"label": "nope"}}),
        )
        .await;
    assert_eq!(g.status.as_u16(), 404, "{}", g.body);
});
