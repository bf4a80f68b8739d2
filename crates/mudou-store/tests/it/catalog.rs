use mudou_domain::{DatasetId, OrgId};
use mudou_store::{Blob, Inserted, ItemContent, NewItem, StoreError};

use crate::both;

fn image(sha: &str) -> NewItem {
    NewItem {
        content: ItemContent::Image { sha256: sha.into() },
        file_name: format!("{sha}.png"),
        tag: "cats".into(),
        meta: "{}".into(),
        gold: Some(r#""cat""#.into()),
    }
}

both!(datasets_items_and_blobs, |db| {
    let s = &db.store;
    let org = s.create_org("客户A", 1).await.unwrap();
    let other = s.create_org("客户B", 1).await.unwrap();
    let admin = s
        .create_user(
            &mudou_store::NewUser {
                username: Some("c".into()),
                display_name: "c".into(),
                role: mudou_domain::Role::Client,
                centre_id: None,
                org_id: Some(org.id),
                password_hash: Some("h".into()),
                pin_hash: None,
                skill_level: None,
            },
            1,
        )
        .await
        .unwrap();
    let ds = s
        .create_dataset(OrgId::new(org.id), "猫狗", admin.id, 2)
        .await
        .unwrap();
    assert!(matches!(
        s.create_dataset(OrgId::new(org.id), "猫狗", admin.id, 2)
            .await,
        Err(StoreError::Conflict(_))
    ));
    let blob = Blob {
        sha256: "aa".into(),
        mime: "image/png".into(),
        size_bytes: 10,
        width: 4,
        height: 3,
    };
    let r = s
        .add_items(
            DatasetId::new(ds.id),
            std::slice::from_ref(&blob),
            &[image("aa")],
            3,
        )
        .await
        .unwrap();
    assert!(matches!(r[..], [Inserted::New(_)]));
    let r = s
        .add_items(DatasetId::new(ds.id), &[blob], &[image("aa")], 4)
        .await
        .unwrap();
    assert!(matches!(r[..], [Inserted::Duplicate(_)]));

    // An item whose blob is missing breaks a foreign key and the whole batch rolls back.
    let text = NewItem {
        content: ItemContent::Text {
            body: "你好".into(),
        },
        ..image("zz")
    };
    assert!(
        s.add_items(
            DatasetId::new(ds.id),
            &[],
            &[text.clone(), image("missing")],
            5
        )
        .await
        .is_err()
    );
    assert_eq!(
        s.get_dataset(OrgId::new(org.id), DatasetId::new(ds.id))
            .await
            .unwrap()
            .item_count,
        1
    );
    s.add_items(DatasetId::new(ds.id), &[], &[text], 5)
        .await
        .unwrap();

    let items = s
        .list_items(OrgId::new(org.id), DatasetId::new(ds.id), 0, 10)
        .await
        .unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!((items[0].width, items[0].height), (Some(4), Some(3)));
    assert_eq!(items[1].body.as_deref(), Some("你好"));
    assert!(
        s.list_items(OrgId::new(other.id), DatasetId::new(ds.id), 0, 10)
            .await
            .unwrap()
            .is_empty(),
        "another org sees nothing"
    );
    assert!(matches!(
        s.get_dataset(OrgId::new(other.id), DatasetId::new(ds.id))
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(s.org_sees_blob(OrgId::new(org.id), "aa").await.unwrap());
    assert!(!s.org_sees_blob(OrgId::new(other.id), "aa").await.unwrap());
    assert_eq!(
        s.list_datasets(OrgId::new(org.id)).await.unwrap()[0].item_count,
        2
    );
    assert!(
        s.list_datasets(OrgId::new(other.id))
            .await
            .unwrap()
            .is_empty()
    );
});
