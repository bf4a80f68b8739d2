//! COCO for every drawing kind over HTTP, on the shapes pictures (480 × 360): gold drawings
//! imported from a COCO file (`POST /datasets/{id}/coco?order=`), three annotators drawing
//! near them, the consensus and the gold exported as COCO and compared by pycocotools'
//! COCOeval (segm for polygons and masks, keypoints by OKS); a round trip through a lead's
//! review into a fresh dataset; bad files skipped per picture or refused whole with nothing
//! stored; the import's scope.

use std::collections::HashMap;

use bytes::Bytes;
use mudou_app::ingest::{IncomingImage, add_images};
use serde_json::{Value, json};

use crate::work::annotator_browser;
use crate::{Browser, Got, TestApp, World, annotator, both};

const W: i64 = 480;
const H: i64 = 360;

fn option(key: &str) -> Value {
    json!({"key": key, "name_zh": key, "name_en": key})
}

/// A polygon + keypoints order, or (`mask`) a mask order, with `n` labels per item.
fn spec(mask: bool, n: usize) -> Value {
    let questions = if mask {
        json!([{"key": "paint", "kind": "mask", "title_zh": "涂", "field": "image",
                "options": [option("spot")]}])
    } else {
        json!([
            {"key": "outline", "kind": "polygon", "title_zh": "描边", "field": "image",
             "options": [option("circle"), option("square")],
             "settings": {"attributes": [{"key": "edge", "name_zh": "碰边"}]}},
            {"key": "pose", "kind": "keypoints", "title_zh": "点", "field": "image",
             "required": false, "options": [option("shape")],
             "settings": {"skeleton": {"points": [
                 {"key": "top", "name_zh": "上", "sigma": 0.05},
                 {"key": "middle", "name_zh": "中", "sigma": 0.05},
                 {"key": "bottom", "name_zh": "下", "sigma": 0.05}],
                 "edges": [[0, 1], [1, 2]]}}}
        ])
    };
    json!({
        "name": if mask { "涂斑" } else { "形状轮廓" },
        "task_type": "template",
        "template": {"fields": [{"name": "image", "kind": "image"}], "questions": questions},
        "overlap": {"kind": "fixed", "n": n},
        "max_gold_items": 0,
        "unit_size": 4,
        "piece_rate_fen": 10
    })
}

async fn client(app: &TestApp, who: &str) -> Browser {
    let c = app.browser();
    c.login(who).await.ok();
    c
}

/// A draft order of the client on dataset `ds`.
async fn draft(c: &Browser, ds: i64, spec: Value) -> i64 {
    let o = c
        .post("/api/v1/orders", json!({"dataset_id": ds, "spec": spec}))
        .await;
    o.ok()["id"].as_i64().unwrap()
}

async fn publish(c: &Browser, order: i64) {
    c.post(&format!("/api/v1/orders/{order}/publish"), json!({}))
        .await
        .ok();
}

async fn import(c: &Browser, ds: i64, query: &str, body: impl Into<reqwest::Body>) -> Got {
    let r = c
        .http
        .post(format!("{}/api/v1/datasets/{ds}/coco?{query}", c.url))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    Got::from(r).await
}

async fn export(c: &Browser, order: i64, query: &str) -> Value {
    let r = c
        .http
        .get(format!("{}/api/v1/orders/{order}/export?{query}", c.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "{query}");
    serde_json::from_slice(&r.bytes().await.unwrap()).unwrap()
}

/// The dataset's items' known answers by file name.
async fn known(c: &Browser, ds: i64) -> HashMap<String, Value> {
    let g = c
        .get(&format!("/api/v1/datasets/{ds}/items?limit=1000"))
        .await;
    g.ok()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["file_name"].as_str().unwrap().to_owned(),
                i["gold"].clone(),
            )
        })
        .collect()
}

/// The items of the dataset by id → file name.
async fn names(c: &Browser, ds: i64) -> HashMap<i64, String> {
    let g = c
        .get(&format!("/api/v1/datasets/{ds}/items?limit=1000"))
        .await;
    g.ok()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["id"].as_i64().unwrap(),
                i["file_name"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn square(x: f64, y: f64, s: f64) -> Value {
    json!([[x, y], [x + s, y], [x + s, y + s], [x, y + s]])
}

/// Picture `i`'s polygon + keypoints drawing, shifted `dx` pixels.
fn drawing(i: usize, dx: f64) -> Value {
    let x = 40.0 + 20.0 * i as f64 + dx;
    let mut outline =
        json!({"label": "square", "points": square(x, 50.0, 120.0), "attributes": {"edge": false}});
    // The last of four pictures: a square with a hole (written as RLE).
    if i == 3 {
        outline["holes"] = json!([square(x + 40.0, 90.0, 30.0)]);
    }
    json!({
        "outline": [outline],
        "pose": [{"label": "shape", "points": [[300.0 + dx, 60.0 + 5.0 * i as f64, 2],
                                               [300.0 + dx, 160.0, 2], [330.0 + dx, 250.0, 1]]}]
    })
}

/// COCO run lengths (column by column, background first) of the rectangle
/// [x0, x1) × [y0, y1) on the 480 × 360 pictures.
fn rect(x0: i64, y0: i64, x1: i64, y1: i64) -> Value {
    let mut counts = Vec::new();
    let mut at = 0;
    for c in x0..x1 {
        counts.push(c * H + y0 - at);
        counts.push(y1 - y0);
        at = c * H + y1;
    }
    counts.push(W * H - at);
    json!({"size": [H, W], "counts": counts})
}

/// Picture `i`'s mask, shifted `dx` pixels.
fn painting(i: usize, dx: i64) -> Value {
    let x = 60 + 30 * i as i64 + dx;
    json!({"paint": [{"label": "spot", "rle": rect(x, 80, x + 150, 230)}]})
}

/// A COCO gold file of the first `n` pictures (polygon + keypoints, or masks as polygons).
fn gold_file(n: usize, mask: bool) -> Value {
    let mut images = Vec::new();
    let mut anns = Vec::new();
    for i in 0..n {
        images.push(
            json!({"id": 100 + i, "file_name": format!("some/dir/shape_{i:03}.jpg"),
                           "width": W, "height": H}),
        );
        if mask {
            let x = (60 + 30 * i) as f64;
            anns.push(
                json!({"id": anns.len() + 1, "image_id": 100 + i, "category_id": 1, "iscrowd": 0,
                "segmentation": [[x, 80.0, x + 150.0, 80.0, x + 150.0, 230.0, x, 230.0]]}),
            );
        } else {
            let d = drawing(i, 0.0);
            let p: Vec<f64> = d["outline"][0]["points"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|p| [p[0].as_f64().unwrap(), p[1].as_f64().unwrap()])
                .collect();
            let mut a = json!({"id": anns.len() + 1, "image_id": 100 + i, "category_id": 2,
                "segmentation": [p], "iscrowd": 0, "attributes": {"edge": false, "occluded": false}});
            if i == 3 {
                // As Mudou writes a polygon with holes: an RLE and the rings (only the
                // rings are read back).
                a["segmentation"] = json!({"size": [H, W], "counts": "placeholder"});
                a["mudou_polygon"] = d["outline"][0].clone();
            }
            anns.push(a);
            let k: Vec<Value> = d["pose"][0]["points"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|p| p.as_array().unwrap().clone())
                .collect();
            anns.push(
                json!({"id": anns.len() + 1, "image_id": 100 + i, "category_id": 3,
                "keypoints": k, "num_keypoints": 3, "iscrowd": 0}),
            );
        }
    }
    let cats = if mask {
        json!([{"id": 1, "name": "spot"}])
    } else {
        json!([{"id": 1, "name": "circle"}, {"id": 2, "name": "square"},
               {"id": 3, "name": "shape", "keypoints": ["top", "middle", "bottom"]}])
    };
    json!({"images": images, "annotations": anns, "categories": cats})
}

/// The annotator's next assignment: its id and items; `None` when there is no work.
async fn take(b: &Browser) -> Option<(i64, Vec<i64>)> {
    let next = b.get("/api/v1/work/next").await;
    if next.ok()["status"] != "assigned" {
        return None;
    }
    let asg = &next.body["assignment"];
    let items = asg["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["item_id"].as_i64().unwrap())
        .collect();
    Some((asg["id"].as_i64().unwrap(), items))
}

async fn give(b: &Browser, aid: i64, item: i64, answer: Value) {
    let body = json!({"client_uuid": uuid::Uuid::new_v4().to_string(), "assignment_id": aid,
        "item_id": item, "answer": answer, "duration_ms": 2500});
    let g = b.post("/api/v1/work/labels", body).await;
    assert_eq!(g.ok()["status"], "stored", "{}", g.body);
}

/// The picture number of a file name `shape_00i.jpg`.
fn number(name: &str) -> usize {
    name.trim_start_matches("shape_")
        .trim_end_matches(".jpg")
        .parse()
        .unwrap()
}

/// COCOeval (`--iou`) of a consensus export against a gold export, by the script CI runs.
fn coco_eval(gold: &Value, consensus: &Value, iou: &str) -> Value {
    let ok = std::process::Command::new("python3")
        .args(["-c", "import pycocotools, numpy"])
        .output()
        .is_ok_and(|o| o.status.success());
    // CI installs it: missing is a failure, not a pass.
    assert!(
        ok,
        "pycocotools is missing (python3 -m pip install pycocotools)"
    );
    let dir = tempfile::tempdir().unwrap();
    let (g, c) = (dir.path().join("gold.json"), dir.path().join("cons.json"));
    std::fs::write(&g, gold.to_string()).unwrap();
    std::fs::write(&c, consensus.to_string()).unwrap();
    let script = format!("{}/tests/data/coco_eval.py", env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new("python3")
        .arg(script)
        .arg(&g)
        .arg(&c)
        .args(["--iou", iou])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Three annotators of centre A (the world's two and one more).
async fn three(app: &TestApp, w: &World) -> Vec<Browser> {
    let third = app
        .user(annotator("张伟", "4444", w.centre_a))
        .await
        .id
        .get();
    vec![
        annotator_browser(app, w.ann_a1, "1111", "lead_a").await,
        annotator_browser(app, w.ann_a2, "2222", "lead_a").await,
        annotator_browser(app, third, "4444", "lead_a").await,
    ]
}

both!(coco_eval_of_polygons_keypoints_and_masks, |app| {
    const N: usize = 4;
    let w = app.world().await;
    let c = client(&app, "client_a").await;
    let people = three(&app, &w).await;
    let mut figures = Vec::new();
    let mut picture: HashMap<i64, (bool, usize)> = HashMap::new();
    for mask in [false, true] {
        let ds = crate::work::shape_pictures(&app, &w, N).await;
        let order = draft(&c, ds, spec(mask, 3)).await;
        // The gold comes in as a COCO file (CVAT's `occluded` dropped, names by their last part).
        let g = import(
            &c,
            ds,
            &format!("order={order}"),
            gold_file(N, mask).to_string(),
        )
        .await;
        assert_eq!(
            (&g.ok()["labelled"], &g.body["skipped"]),
            (&json!(N), &json!(0)),
            "{}",
            g.body
        );
        let before = known(&c, ds).await;
        assert_eq!(
            before["shape_001.jpg"],
            if mask {
                before["shape_001.jpg"].clone()
            } else {
                drawing(1, 0.0)
            }
        );
        publish(&c, order).await;
        for (id, name) in names(&c, ds).await {
            picture.insert(id, (mask, number(&name)));
        }
        // Each annotator draws every picture it is given (until no work is left), shifted a
        // pixel more than the one before.
        for (k, b) in people.iter().enumerate() {
            for _ in 0..4 {
                let Some((aid, items)) = take(b).await else {
                    break;
                };
                for item in items {
                    let (mask, i) = picture[&item];
                    let answer = if mask {
                        painting(i, k as i64)
                    } else {
                        drawing(i, k as f64)
                    };
                    give(b, aid, item, answer).await;
                }
                b.post(&format!("/api/v1/work/assignments/{aid}/submit"), json!({}))
                    .await
                    .ok();
            }
        }
        let gold = export(&c, order, "format=coco&source=gold").await;
        let cons = export(&c, order, "format=coco").await;
        assert_eq!(gold["images"].as_array().unwrap().len(), N);
        assert_eq!(
            cons["images"].as_array().unwrap().len(),
            N,
            "all settled: {cons}"
        );
        if !mask {
            let holed = gold["annotations"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["mudou_polygon"]["holes"].is_array())
                .unwrap();
            assert!(holed["segmentation"]["counts"].is_string(), "{holed}");
            assert_eq!(holed["iscrowd"], 0);
            assert_eq!(holed["area"], json!(120.0 * 120.0 - 30.0 * 30.0));
        }
        if mask {
            let a = &cons["annotations"][0];
            assert!(a["segmentation"]["counts"].is_string(), "{a}");
            assert_eq!(a["segmentation"]["size"], json!([H, W]));
        } else {
            let cat = &cons["categories"][2];
            assert_eq!(cat["keypoints"], json!(["top", "middle", "bottom"]));
            assert_eq!(cat["skeleton"], json!([[1, 2], [2, 3]]));
            assert_eq!(cat["sigmas"], json!([0.05, 0.05, 0.05]));
        }
        // The gold export imported again gives the same known answers.
        let again = import(&c, ds, &format!("order={order}"), gold.to_string()).await;
        assert_eq!(again.ok()["labelled"], N, "{}", again.body);
        assert_eq!(known(&c, ds).await, before);
        let kinds: &[&str] = if mask {
            &["segm"]
        } else {
            &["segm", "keypoints"]
        };
        for iou in kinds {
            let s = coco_eval(&gold, &cons, iou);
            println!(
                "COCOeval {} {iou}: AP {:.3} AP50 {:.3} AP75 {:.3} ({} images, {} detections)",
                if mask { "masks" } else { "polygon+keypoints" },
                s["AP"].as_f64().unwrap(),
                s["AP50"].as_f64().unwrap(),
                s["AP75"].as_f64().unwrap(),
                s["images"],
                s["detections"]
            );
            assert_eq!(s["images"], N);
            for k in ["AP", "AP50", "AP75"] {
                assert!(s[k].as_f64().unwrap() >= 0.9, "{iou} {k}: {s}");
            }
            figures.push(s);
        }
    }
    assert_eq!(figures.len(), 3);
});

/// The polygon + keypoints order with a rotated box question too.
fn spec_turned() -> Value {
    let mut s = spec(false, 2);
    s["unit_size"] = json!(2);
    s["template"]["questions"].as_array_mut().unwrap().push(
        json!({"key": "turned", "kind": "rotated_box", "title_zh": "转", "field": "image",
                     "required": false, "options": [option("ship")]}),
    );
    s
}

fn with_ship(mut d: Value, dx: f64) -> Value {
    d["turned"] = json!([{"label": "ship", "cx": 380.0 + dx, "cy": 280.0, "w": 60.0, "h": 30.0, "angle": 20.0}]);
    d
}

/// An answer without the consensus's own figures.
fn bare(answer: &Value) -> Value {
    let mut a = answer.clone();
    for list in a.as_object_mut().unwrap().values_mut() {
        for o in list.as_array_mut().unwrap() {
            let o = o.as_object_mut().unwrap();
            o.remove("support");
            o.remove("similarity");
        }
    }
    a
}

/// A COCO file of one picture named `name` holding `anns` (categories as the order's).
fn one_picture(name: &str, anns: Value) -> Value {
    json!({"images": [{"id": 1, "file_name": name, "width": W, "height": H}],
           "annotations": anns,
           "categories": [{"id": 1, "name": "circle"}, {"id": 2, "name": "square"},
                          {"id": 3, "name": "shape"}, {"id": 4, "name": "ship"},
                          {"id": 5, "name": "hexagon"}]})
}

both!(coco_round_trip_through_review_and_bad_files, |app| {
    let w = app.world().await;
    let c = client(&app, "client_a").await;
    let ds = crate::work::shape_pictures(&app, &w, 2).await;
    let order = draft(&c, ds, spec_turned()).await;
    publish(&c, order).await;
    let by_id = names(&c, ds).await;
    let a1 = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;
    let a2 = annotator_browser(&app, w.ann_a2, "2222", "lead_a").await;
    // Picture 0: the two agree. Picture 1: a2 draws one square more → review.
    let mut disputed = 0;
    for (k, b) in [&a1, &a2].into_iter().enumerate() {
        let (aid, items) = take(b).await.unwrap();
        for item in items {
            let i = number(&by_id[&item]);
            let mut answer = with_ship(drawing(i, k as f64), k as f64);
            if i == 1 && k == 1 {
                disputed = item;
                answer["outline"].as_array_mut().unwrap().push(
                    json!({"label": "circle", "points": square(300.0, 200.0, 50.0),
                           "attributes": {"edge": true}}),
                );
            }
            give(b, aid, item, answer).await;
        }
        b.post(&format!("/api/v1/work/assignments/{aid}/submit"), json!({}))
            .await
            .ok();
    }
    // The lead resolves it with an answer of their own.
    let lead = client(&app, "lead_a").await;
    let q = lead
        .get(&format!("/api/v1/lead/review?order_id={order}&limit=100"))
        .await;
    let queue = q.ok()["items"].as_array().unwrap().clone();
    assert!(
        queue.iter().any(|i| i["item_id"] == disputed),
        "the disputed item is in review: {}",
        q.body
    );
    let decided = with_ship(drawing(1, 0.5), 0.0);
    let d = lead
        .post(
            &format!("/api/v1/lead/review/{order}/items/{disputed}/decision"),
            json!({"decision": "override", "answer": decided}),
        )
        .await;
    assert_eq!(d.ok()["decision"], "override", "{}", d.body);

    // The consensus export holds both pictures; imported into a fresh dataset of the same
    // pictures (a draft order of the same questions reads it), the known answers are what
    // was exported.
    let exported = export(&c, order, "format=coco").await;
    assert_eq!(
        exported["images"].as_array().unwrap().len(),
        2,
        "{exported}"
    );
    let turned = exported["annotations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["category_id"] == 4)
        .unwrap();
    assert_eq!(turned["attributes"]["rotation"], json!(20.0));
    assert_eq!(turned["segmentation"][0].as_array().unwrap().len(), 8);
    let r = c
        .http
        .get(format!(
            "{}/api/v1/orders/{order}/export?format=jsonl",
            c.url
        ))
        .send()
        .await
        .unwrap();
    let text = r.text().await.unwrap();
    let answers: HashMap<String, Value> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .map(|l| {
            (
                l["file_name"].as_str().unwrap().to_owned(),
                bare(&l["answer"]),
            )
        })
        .collect();
    assert_eq!(answers["shape_001.jpg"], decided);
    let ds2 = crate::work::shape_pictures(&app, &w, 2).await;
    let order2 = draft(&c, ds2, spec_turned()).await;
    let g = import(&c, ds2, &format!("order={order2}"), exported.to_string()).await;
    assert_eq!(
        (&g.ok()["labelled"], &g.body["skipped"]),
        (&json!(2), &json!(0)),
        "{}",
        g.body
    );
    assert_eq!(g.body["images"][0]["outcome"], "labelled");
    let k = known(&c, ds2).await;
    assert_eq!(k, answers);

    // Bad pictures are skipped whole, each with its reason; nothing of them is stored.
    let poly = |cat: i64, p: Value| json!({"id": 7, "image_id": 1, "category_id": cat, "segmentation": [p]});
    let good = poly(2, json!([10, 10, 60, 10, 60, 60, 10, 60]));
    for (file, why) in [
        (
            one_picture("elsewhere.jpg", json!([good])),
            "no picture of this dataset",
        ),
        (
            one_picture(
                "shape_000.jpg",
                json!([good, poly(9, json!([1, 1, 5, 1, 5, 5]))]),
            ),
            "category 9 is not in the file",
        ),
        (
            one_picture("shape_000.jpg", json!([poly(5, json!([1, 1, 5, 1, 5, 5]))])),
            "none of the order's classes",
        ),
        (
            one_picture("shape_000.jpg", json!([poly(2, json!([1, 1, 5, 5]))])),
            "3 to",
        ),
        (
            one_picture(
                "shape_000.jpg",
                json!([poly(2, json!([0, 0, 10, 10, 10, 0, 0, 10]))]),
            ),
            "crosses itself",
        ),
        (
            one_picture(
                "shape_001.jpg",
                json!([poly(2, json!([400, 10, 500, 10, 500, 60]))]),
            ),
            "outside the 480×360 picture",
        ),
        (
            one_picture(
                "shape_001.jpg",
                json!([good, {"id": 8, "image_id": 1, "category_id": 3, "keypoints": [1, 1, 2, 2, 2, 2]}]),
            ),
            "the skeleton has 3 points, this object 2",
        ),
    ] {
        let g = import(&c, ds2, &format!("order={order2}"), file.to_string()).await;
        assert_eq!(
            (&g.ok()["skipped"], &g.body["labelled"]),
            (&json!(1), &json!(0)),
            "{why}: {}",
            g.body
        );
        let reason = g.body["images"][0]["reason"].as_str().unwrap();
        assert!(reason.contains(why), "{why}: {reason}");
    }
    // A mask of another size than the picture, in a mask order of the same dataset.
    let masks = draft(&c, ds2, spec(true, 2)).await;
    let small = json!({"images": [{"id": 1, "file_name": "shape_000.jpg"}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 1,
                         "segmentation": {"size": [10, 10], "counts": [0, 5, 95]}}],
        "categories": [{"id": 1, "name": "spot"}]});
    let g = import(&c, ds2, &format!("order={masks}"), small.to_string()).await;
    assert_eq!(g.ok()["skipped"], 1, "{}", g.body);
    assert!(
        g.body["images"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("the mask is 10×10, the picture 480×360"),
        "{}",
        g.body
    );
    // Files that cannot be read, a missing order, an order COCO cannot carry or of another
    // dataset: 422 and nothing stored.
    let lines = draft(
        &c,
        ds2,
        json!({"name": "线", "task_type": "template", "overlap": {"kind": "fixed", "n": 2},
               "max_gold_items": 0, "unit_size": 2, "piece_rate_fen": 10,
               "template": {"fields": [{"name": "image", "kind": "image"}],
                            "questions": [{"key": "lane", "kind": "polyline", "title_zh": "线",
                                           "field": "image", "options": [option("road")]}]}}),
    )
    .await;
    for (query, body, field) in [
        (format!("order={order2}"), "not json".to_owned(), None),
        (
            format!("order={order2}"),
            json!({"images": 3}).to_string(),
            None,
        ),
        (format!("order={order2}"), json!([1, 2]).to_string(), None),
        (String::new(), exported.to_string(), Some("order")),
        (
            format!("order={lines}"),
            exported.to_string(),
            Some("order"),
        ),
        (
            format!("order={order}"),
            exported.to_string(),
            Some("order"),
        ),
    ] {
        let g = import(&c, ds2, &query, body.clone()).await;
        assert_eq!(
            (g.status.as_u16(), g.code()),
            (422, "validation"),
            "{query} {body:.40}: {}",
            g.body
        );
        if let Some(f) = field {
            assert_eq!(g.body["error"]["field"], f, "{}", g.body);
        }
    }
    let g = c
        .get(&format!("/api/v1/orders/{lines}/export?format=coco"))
        .await;
    assert_eq!((g.status.as_u16(), g.code()), (422, "validation"));
    assert!(
        g.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("use CVAT or Label Studio")
    );

    // Scope: another org's client (its own dataset, or ours), an annotator, nobody.
    let other = client(&app, "client_b").await;
    let theirs = app.dataset(w.org_b, "乙的").await;
    for (b, ds_id, status) in [
        (&other, ds2, 404),
        (&other, theirs.id, 404),
        (&a1, ds2, 403),
        (&app.browser(), ds2, 401),
    ] {
        let g = import(b, ds_id, &format!("order={order2}"), exported.to_string()).await;
        assert_eq!(g.status.as_u16(), status, "{}", g.body);
    }
    assert_eq!(
        known(&c, ds2).await,
        k,
        "nothing of the refused files stored"
    );
});

/// A box list as (label, x, y, w, h), numbers compared as numbers (the manifest writes
/// whole numbers, a COCO import floats).
fn boxes_of(answer: &Value) -> Vec<(String, [f64; 4])> {
    answer["boxes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            let n = |k: &str| b[k].as_f64().unwrap();
            (
                b["label"].as_str().unwrap().to_owned(),
                [n("x"), n("y"), n("w"), n("h")],
            )
        })
        .collect()
}

both!(coco_boxes_round_trip, |app| {
    const N: usize = 6;
    let w = app.world().await;
    let c = client(&app, "client_a").await;
    // The shapes pictures with their manifest boxes as known answers.
    let dir = format!("{}/../../datasets/shapes", env!("CARGO_MANIFEST_DIR"));
    let mut manifest = csv::Reader::from_path(format!("{dir}/manifest.csv")).unwrap();
    let files: Vec<IncomingImage> = manifest
        .records()
        .take(N)
        .map(|r| {
            let r = r.unwrap();
            IncomingImage {
                file_name: r[0].to_owned(),
                tag: String::new(),
                bytes: Bytes::from(std::fs::read(format!("{dir}/{}", &r[0])).unwrap()),
                meta: "{}".into(),
                gold: Some(
                    json!({"label": &r[2], "boxes": serde_json::from_str::<Value>(&r[3]).unwrap()})
                        .to_string(),
                ),
            }
        })
        .collect();
    let ds = app.dataset(w.org_a, "框").await;
    add_images(&app.state, ds.id, files).await.unwrap();
    let labels: Vec<Value> = ["circle", "square", "triangle", "star"]
        .iter()
        .zip(['1', '2', '3', '4'])
        .map(|(k, h)| crate::work::label(k, h))
        .collect();
    let bbox = json!({"name": "框", "task_type": "bbox", "labels": labels,
        "overlap": {"kind": "fixed", "n": 2}, "max_gold_items": 0, "unit_size": 5,
        "piece_rate_fen": 10});
    let order = draft(&c, ds.id, bbox.clone()).await;
    publish(&c, order).await;
    let before = known(&c, ds.id).await;
    let gold = export(&c, order, "format=coco&source=gold").await;
    assert_eq!(gold["images"].as_array().unwrap().len(), N);
    assert_eq!(
        gold["categories"][0],
        json!({"id": 1, "name": "circle", "supercategory": ""})
    );
    // Into the same dataset: the boxes replace themselves, the label stays.
    let g = import(&c, ds.id, &format!("order={order}"), gold.to_string()).await;
    assert_eq!(g.ok()["labelled"], N, "{}", g.body);
    let after = known(&c, ds.id).await;
    for (name, k) in &before {
        assert_eq!(boxes_of(&after[name]), boxes_of(k), "{name}");
        assert_eq!(after[name]["label"], k["label"]);
    }
    // Into a fresh dataset of the same pictures: the known answers are the boxes exported.
    let ds2 = crate::work::shape_pictures(&app, &w, N).await;
    let order2 = draft(&c, ds2, bbox).await;
    let g = import(&c, ds2, &format!("order={order2}"), gold.to_string()).await;
    assert_eq!(g.ok()["labelled"], N, "{}", g.body);
    let fresh = known(&c, ds2).await;
    for (name, k) in &before {
        assert_eq!(boxes_of(&fresh[name]), boxes_of(k), "{name}");
        assert!(fresh[name].get("label").is_none(), "only what COCO carries");
    }
});
