use mudou_domain::{CentreId, Role, SkillLevel, UserId};
use mudou_store::{NewCentre, NewUser, StoreError, UserFilter};

use crate::both;

fn centre(name: &str) -> NewCentre {
    NewCentre {
        name: name.into(),
        county: "示范县".into(),
        province: "贵州".into(),
        timezone: "Asia/Shanghai".into(),
    }
}

fn annotator(centre_id: i64, name: &str) -> NewUser {
    NewUser {
        username: None,
        display_name: name.into(),
        role: Role::Annotator,
        centre_id: Some(centre_id),
        org_id: None,
        password_hash: None,
        pin_hash: Some(format!("pin-of-{name}")),
        skill_level: Some(SkillLevel::Trainee),
    }
}

both!(migrations_are_idempotent, |db| {
    db.store.migrate().await.unwrap();
    db.store.migrate().await.unwrap();
    db.store.ping().await.unwrap();
});

both!(users_are_scoped_and_constrained, |db| {
    let s = &db.store;
    let a = s.create_centre(&centre("A 中心"), 1).await.unwrap();
    let b = s.create_centre(&centre("B 中心"), 1).await.unwrap();
    assert!(matches!(
        s.create_centre(&centre("A 中心"), 1).await,
        Err(StoreError::Conflict(_))
    ));
    let wang = s.create_user(&annotator(a.id, "王芳"), 2).await.unwrap();
    s.create_user(&annotator(b.id, "李娜"), 2).await.unwrap();
    assert_eq!(wang.role, Role::Annotator);
    assert_eq!(wang.skill_level, Some(SkillLevel::Trainee));

    // An annotator without a centre breaks a CHECK; an unknown centre breaks a foreign key.
    let mut bad = annotator(a.id, "x");
    bad.centre_id = None;
    assert!(matches!(
        s.create_user(&bad, 3).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        s.create_user(&annotator(999, "y"), 3).await,
        Err(StoreError::InvalidReference(_))
    ));

    let roster_a = s.roster(CentreId::new(a.id)).await.unwrap();
    assert_eq!(
        roster_a
            .iter()
            .map(|u| u.display_name.as_str())
            .collect::<Vec<_>>(),
        ["王芳"]
    );
    let in_b = s
        .list_users(&UserFilter {
            centre_id: Some(b.id),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(in_b.len(), 1);
    assert_eq!(in_b[0].display_name, "李娜");

    // PIN login is scoped to the device's centre.
    assert!(
        s.pin_login_user(CentreId::new(b.id), wang.id)
            .await
            .unwrap()
            .is_none()
    );
    let (u, hash) = s
        .pin_login_user(CentreId::new(a.id), wang.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((u.id, hash.as_str()), (wang.id, "pin-of-王芳"));
    assert!(matches!(
        s.set_pin(CentreId::new(b.id), wang.id, "h").await,
        Err(StoreError::NotFound)
    ));
    s.set_pin(CentreId::new(a.id), wang.id, "new")
        .await
        .unwrap();
});

both!(throttle_counts_waits_and_gives_back, |db| {
    use mudou_store::{ThrottleKey, ThrottleRule};
    let s = &db.store;
    let a = s.create_centre(&centre("A"), 1).await.unwrap();
    let u = s.create_user(&annotator(a.id, "王芳"), 1).await.unwrap();
    let rule = |free, reset_on_success| ThrottleRule {
        free,
        base_ms: 1_000,
        max_ms: 4_000,
        forget_ms: 100_000,
        reset_on_success,
    };
    let addr = ThrottleKey {
        key: "addr:1.2.3.4".into(),
        user_id: None,
        rule: rule(2, false),
    };
    let acct = ThrottleKey {
        key: format!("acct:{}", u.id),
        user_id: Some(u.id.get()),
        rule: rule(3, true),
    };
    let keys = [addr.clone(), acct.clone()];
    // Two free failures, then 1 s, 2 s, 4 s, 4 s: each attempt is counted when taken.
    assert_eq!(s.take_attempt(&keys, 10).await.unwrap(), None);
    assert_eq!(s.take_attempt(&keys, 20).await.unwrap(), None);
    assert_eq!(s.take_attempt(&keys, 30).await.unwrap(), None);
    assert_eq!(
        s.take_attempt(&keys, 40).await.unwrap(),
        Some(1_030),
        "waits 1 s"
    );
    assert_eq!(s.take_attempt(&keys, 1_030).await.unwrap(), None);
    assert_eq!(
        s.take_attempt(std::slice::from_ref(&addr), 1_040)
            .await
            .unwrap(),
        Some(3_030)
    );
    // The refused attempt at 40 counted nothing: the account has 4 failures, one beyond free.
    assert_eq!(
        s.take_attempt(std::slice::from_ref(&acct), 1_040)
            .await
            .unwrap(),
        Some(2_030)
    );
    // A right secret forgets the account and gives the address its attempt back.
    s.attempt_succeeded(std::slice::from_ref(&acct))
        .await
        .unwrap();
    assert_eq!(
        s.take_attempt(std::slice::from_ref(&acct), 1_060)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        s.throttled_users("acct:", 1_060).await.unwrap(),
        Vec::<i64>::new()
    );
    // The wait never passes max_ms, and an old key is forgotten.
    for t in [3_030, 7_030] {
        assert_eq!(
            s.take_attempt(std::slice::from_ref(&addr), t)
                .await
                .unwrap(),
            None
        );
    }
    assert_eq!(
        s.take_attempt(std::slice::from_ref(&addr), 7_040)
            .await
            .unwrap(),
        Some(11_030)
    );
    assert_eq!(
        s.take_attempt(std::slice::from_ref(&addr), 300_000)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        s.take_attempt(std::slice::from_ref(&addr), 300_010)
            .await
            .unwrap(),
        None
    );
    // Keys idle for two days are pruned; a live one stays.
    let two_days = 2 * 86_400_000;
    assert_eq!(s.prune_throttle(1_060 + two_days).await.unwrap(), 0);
    assert_eq!(
        s.prune_throttle(1_061 + two_days).await.unwrap(),
        1,
        "the account's key"
    );
    assert_eq!(
        s.prune_throttle(300_011 + two_days).await.unwrap(),
        1,
        "the address's"
    );
    // A new PIN forgets the user's keys.
    for t in [2_000, 2_010, 2_020, 2_030] {
        let _ = s
            .take_attempt(std::slice::from_ref(&acct), t)
            .await
            .unwrap();
    }
    assert_eq!(
        s.throttled_users("acct:", 2_040).await.unwrap(),
        vec![u.id.get()]
    );
    s.set_pin(CentreId::new(a.id), u.id, "new").await.unwrap();
    assert_eq!(
        s.throttled_users("acct:", 2_040).await.unwrap(),
        Vec::<i64>::new()
    );
});

both!(sessions_tokens_and_devices, |db| {
    let s = &db.store;
    let a = s.create_centre(&centre("A"), 1).await.unwrap();
    let lead = s
        .create_user(
            &NewUser {
                username: Some("lead".into()),
                display_name: "赵组长".into(),
                role: Role::Lead,
                centre_id: Some(a.id),
                org_id: None,
                password_hash: Some("hash".into()),
                pin_hash: None,
                skill_level: None,
            },
            1,
        )
        .await
        .unwrap();
    let dev = s
        .create_device(CentreId::new(a.id), "前台", "devhash", lead.id, 5)
        .await
        .unwrap();
    assert_eq!(
        s.device_by_token("devhash").await.unwrap().unwrap().id,
        dev.id
    );

    let sid = s
        .create_session("sess", lead.id, Some(dev.id), 10, 1000)
        .await
        .unwrap();
    let info = s.session("sess", 20).await.unwrap().unwrap();
    assert_eq!(
        (info.session_id, info.user.id, info.device_id),
        (sid, lead.id, Some(dev.id))
    );
    assert!(s.session("sess", 1000).await.unwrap().is_none(), "expired");
    assert!(s.session("other", 20).await.unwrap().is_none());

    // Revoking the device ends sessions opened on it.
    s.revoke_device(CentreId::new(a.id), dev.id, 30)
        .await
        .unwrap();
    assert!(s.session("sess", 40).await.unwrap().is_none());
    assert!(s.device_by_token("devhash").await.unwrap().is_none());

    // One-time enrolment codes.
    s.create_device_code(CentreId::new(a.id), "code", lead.id, 50, 100)
        .await
        .unwrap();
    assert!(
        s.claim_device_code("code", "phone", "t2", 100)
            .await
            .unwrap()
            .is_none(),
        "expired"
    );
    s.create_device_code(CentreId::new(a.id), "code2", lead.id, 50, 100)
        .await
        .unwrap();
    let d2 = s
        .claim_device_code("code2", "phone", "t2", 60)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d2.centre_id, a.id);
    assert!(
        s.claim_device_code("code2", "phone", "t3", 61)
            .await
            .unwrap()
            .is_none(),
        "used"
    );

    // API tokens.
    let t = s
        .create_api_token(lead.id, "script", "tokhash", "mdt_abc", "lead", 70, 10_000)
        .await
        .unwrap();
    let auth = s.api_token_user("tokhash", 80).await.unwrap().unwrap();
    assert_eq!(
        (
            auth.token_id,
            auth.user.id,
            auth.scopes.as_str(),
            auth.expires_at
        ),
        (t.id, lead.id, "lead", 10_000)
    );
    assert_eq!(
        s.list_api_tokens(lead.id).await.unwrap()[0].last_used_at,
        Some(80)
    );
    s.revoke_api_token(lead.id, t.id, 90).await.unwrap();
    assert!(s.api_token_user("tokhash", 95).await.unwrap().is_none());
    assert!(matches!(
        s.revoke_api_token(UserId::new(lead.id.get() + 1), t.id, 90)
            .await,
        Err(StoreError::NotFound)
    ));

    // Disabling a user ends everything they hold.
    s.create_session("sess2", lead.id, None, 10, 10_000)
        .await
        .unwrap();
    s.set_user_disabled(lead.id, true, 100).await.unwrap();
    assert!(s.session("sess2", 200).await.unwrap().is_none());
});
