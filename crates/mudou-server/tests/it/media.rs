use bytes::Bytes;
use mudou_app::ingest::{IncomingImage, add_images};
use mudou_domain::ErrorCode;
use mudou_media::BlobKind;
use serde_json::json;

use crate::both;
use crate::work::{annotator_browser, choice_spec};

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

/// A 1600×1000 JPEG (the screen rendition of a larger black picture).
fn big_jpeg() -> Bytes {
    let r = mudou_media::renditions(&mudou_media::DynamicImage::new_rgb8(2400, 1500)).unwrap();
    assert_eq!((r.screen.width, r.screen.height), (1600, 1000));
    r.screen.bytes
}

both!(
    phone_rendition_is_served_in_scope_and_made_when_missing,
    |app| {
        let w = app.world().await;
        let ds = app.dataset(w.org_a, "大图").await;
        let out = add_images(&app.state, ds.id, vec![incoming("big.jpg", big_jpeg())])
            .await
            .unwrap();
        assert_eq!(out[0].status, "accepted");
        let mut spec = choice_spec(json!({"kind": "fixed", "n": 1}));
        spec["unit_size"] = json!(1);
        let c = app.browser();
        c.login("client_a").await.ok();
        let id = c
            .post("/api/v1/orders", json!({"dataset_id": ds.id, "spec": spec}))
            .await
            .ok()["id"]
            .as_i64()
            .unwrap();
        c.post(&format!("/api/v1/orders/{id}/publish"), json!({}))
            .await
            .ok();

        let a1 = annotator_browser(&app, w.ann_a1, "1111", "lead_a").await;
        let next = a1.get("/api/v1/work/next").await;
        let screen = next.ok()["assignment"]["items"][0]["screen_url"]
            .as_str()
            .unwrap()
            .to_owned();
        let phone = screen
            .strip_suffix("/screen")
            .map(|s| format!("{s}/phone"))
            .unwrap();
        let sha = screen.split('/').nth(4).unwrap().to_owned();
        let get = |b: &crate::Browser, url: String| {
            let http = b.http.clone();
            let base = app.url.clone();
            async move {
                let r = http.get(format!("{base}{url}")).send().await.unwrap();
                let status = r.status().as_u16();
                let ct = r
                    .headers()
                    .get("content-type")
                    .map(|v| v.to_str().unwrap().to_owned());
                (status, ct, r.bytes().await.unwrap())
            }
        };

        // Made at ingest: 800 px on the longest side, a quarter of the screen picture's pixels.
        let (status, ct, bytes) = get(&a1, phone.clone()).await;
        assert_eq!((status, ct.as_deref()), (200, Some("image/jpeg")));
        assert_eq!(image_size(&bytes), (800, 500));
        let stored = app
            .state
            .blobs
            .get(BlobKind::Phone, &sha)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.bytes, bytes);
        let (_, _, screen_bytes) = get(&a1, screen.clone()).await;
        assert_eq!(image_size(&screen_bytes), (1600, 1000));

        // An image stored before phone renditions were made: made on the first request, kept.
        app.state.blobs.delete(BlobKind::Phone, &sha).await.unwrap();
        let (status, _, again) = get(&a1, phone.clone()).await;
        assert_eq!((status, image_size(&again)), (200, (800, 500)));
        assert!(app.state.blobs.exists(BlobKind::Phone, &sha).await.unwrap());

        // Another centre's annotator, another client, no login: not theirs to see.
        let b1 = annotator_browser(&app, w.ann_b1, "3333", "lead_b").await;
        let r = b1.get(&phone).await;
        r.refused(ErrorCode::NotFound);
        let cb = app.browser();
        cb.login("client_b").await.ok();
        cb.get(&phone).await.refused(ErrorCode::NotFound);
        assert_eq!(app.browser().get(&phone).await.status.as_u16(), 401);
        // An unknown size: refused with the error body, whoever asks.
        a1.get(&format!("/api/v1/media/{sha}/tiny"))
            .await
            .refused(ErrorCode::InvalidPath);
        // Neither the phone nor the screen rendition stored: 404, nothing made.
        app.state.blobs.delete(BlobKind::Phone, &sha).await.unwrap();
        app.state
            .blobs
            .delete(BlobKind::Screen, &sha)
            .await
            .unwrap();
        a1.get(&phone).await.refused(ErrorCode::NotFound);
        assert!(!app.state.blobs.exists(BlobKind::Phone, &sha).await.unwrap());
    }
);

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
