use bytes::Bytes;
use mudou_app::ingest::{IncomingImage, add_images};

use crate::both;

fn shape(name: &str) -> Bytes {
    let path = format!(
        "{}/../../datasets/shapes/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    Bytes::from(std::fs::read(path).unwrap())
}

fn incoming(name: &str, bytes: Bytes) -> IncomingImage {
    IncomingImage {
        file_name: name.into(),
        tag: "t".into(),
        bytes,
        meta: "{}".into(),
        gold: None,
    }
}

both!(images_are_stored_once_and_served_only_in_scope, |app| {
    let w = app.world().await;
    let ds = app.dataset(w.org_a, "形状").await;
    let files = vec![
        incoming("a.jpg", shape("shape_000.jpg")),
        incoming("broken.jpg", Bytes::from_static(b"not an image at all")),
        incoming("copy.jpg", shape("shape_000.jpg")),
        incoming("b.jpg", shape("shape_001.jpg")),
    ];
    let out = add_images(&app.state, ds.id, files).await.unwrap();
    let statuses: Vec<_> = out.iter().map(|o| (o.status, o.code)).collect();
    assert_eq!(
        statuses,
        [
            ("accepted", None),
            ("rejected", Some("not_an_image")),
            ("duplicate", None),
            ("accepted", None)
        ]
    );
    assert_eq!(out[0].item_id, out[2].item_id);

    let a = app.browser();
    a.login("client_a").await.ok();
    let items = a.get(&format!("/api/v1/datasets/{}/items", ds.id)).await;
    let items = items.ok()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2);
    let thumb = items[0]["thumb_url"].as_str().unwrap().to_owned();
    let r = a
        .http
        .get(format!("{}{thumb}", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    let img = image_size(&r.bytes().await.unwrap());
    assert!(img.0 <= 256 && img.1 <= 256, "{img:?}");

    // Another client, a lead and an annotator get 404, not the picture.
    let b = app.browser();
    b.login("client_b").await.ok();
    assert_eq!(b.get(&thumb).await.status.as_u16(), 404);
    let lead = app.browser();
    lead.login("lead_a").await.ok();
    assert_eq!(lead.get(&thumb).await.status.as_u16(), 404);
    assert_eq!(app.browser().get(&thumb).await.status.as_u16(), 401);
    assert_eq!(
        a.get("/api/v1/media/not-a-hash/thumb")
            .await
            .status
            .as_u16(),
        404
    );
    assert_eq!(
        a.get(&thumb.replace("/thumb", "/huge"))
            .await
            .status
            .as_u16(),
        400
    );
});

/// Width and height from a JPEG's SOF0/SOF2 marker.
fn image_size(b: &[u8]) -> (u16, u16) {
    let mut i = 2;
    while i + 9 < b.len() {
        if b[i] == 0xFF && matches!(b[i + 1], 0xC0 | 0xC2) {
            return (
                u16::from_be_bytes([b[i + 7], b[i + 8]]),
                u16::from_be_bytes([b[i + 5], b[i + 6]]),
            );
        }
        let len = u16::from_be_bytes([b[i + 2], b[i + 3]]) as usize;
        i += 2 + len;
    }
    panic!("no SOF marker");
}
