//! `mudou demo`: a fresh database with one centre, its lead and annotators, a
//! client with a dataset of generated pictures, and an enrolment link for the
//! browser — everything a first look needs.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, bail};
use mudou_app::Services;
use mudou_app::ingest::IncomingImage;
use mudou_app::users::{NewUserRequest, create_user};
use mudou_domain::{CentreId, DatasetId, ItemId, OrderId, OrgId, Role, SkillLevel, UserId};
use mudou_server::Settings;
use mudou_store::{NewCentre, now_millis};

#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Folder for the demo database and media (default: a new temporary folder).
    /// It must not hold a Mudou database already.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
}

/// The demo's people. Passwords and PINs are printed at start-up: a demo is not a deployment.
pub const ADMIN: (&str, &str) = ("admin", "mudou-admin");
pub const LEAD: (&str, &str) = ("lead", "mudou-lead");
pub const CLIENT: (&str, &str) = ("client", "mudou-client");
pub const ANNOTATORS: [(&str, &str); 6] = [
    ("王芳", "1111"),
    ("李娜", "2222"),
    ("张丽", "3333"),
    ("刘静", "4444"),
    ("陈杰", "5555"),
    ("杨洋", "6666"),
];
/// The medical team of the demo centre (issue 31): two annotators holding the `medical`
/// qualification and an expert of the ladder; and the client's doctor, who decides what the
/// experts refer.
pub const MEDICAL: [(&str, &str); 3] = [("林影", "7777"), ("何思", "8888"), ("周专家", "9090")];
pub const DOCTOR: (&str, &str) = ("doctor", "mudou-doctor");
/// The demo's medical series (`datasets/medical`): a CT ZIP and pydicom's 10-frame MR.
const CT_ZIP: &[u8] = include_bytes!("../../../datasets/medical/ct_head.zip");
const MR_FILE: &[u8] = include_bytes!("../../../datasets/medical/emri_small.dcm");

pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let (data_dir, _temp) = match args.data_dir {
        Some(d) => (d, None),
        None => {
            let t = tempfile::Builder::new().prefix("mudou-demo-").tempdir()?;
            (t.path().to_owned(), Some(t))
        }
    };
    if data_dir.join("mudou.db").exists() {
        bail!(
            "{} already holds a Mudou database; give an empty folder for the demo",
            data_dir.display()
        );
    }
    let mut settings = Settings::for_data_dir(&data_dir);
    settings.listen = args.listen;
    // A fresh metrics token each run, printed below with the other secrets.
    let metrics_token: mudou_server::metrics::MetricsToken = mudou_app::secrets::random_secret()
        .parse()
        .map_err(anyhow::Error::msg)?;
    settings.metrics_token = Some(metrics_token.clone());
    let app = mudou_server::build(settings).await?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    let addr = listener.local_addr()?;
    let code = seed(&app.state).await?;

    let url = format!("http://{addr}");
    println!("木豆 Mudou demo — data in {}", data_dir.display());
    println!("open: {url}");
    println!("enroll: {url}/enroll#code={code}");
    println!(
        "  (opening the enroll link makes this browser a centre device that shows the annotators' roster)"
    );
    println!("annotators (tap your name, type the PIN):");
    for (name, pin) in ANNOTATORS {
        println!("  {name}  PIN {pin}");
    }
    println!("medical team (the 脑动脉瘤 order; 周专家 is its expert):");
    for (name, pin) in MEDICAL {
        println!("  {name}  PIN {pin}");
    }
    println!("lead:   {} / {}", LEAD.0, LEAD.1);
    println!("client: {} / {}", CLIENT.0, CLIENT.1);
    println!("doctor: {} / {}", DOCTOR.0, DOCTOR.1);
    println!("admin:  {} / {}", ADMIN.0, ADMIN.1);
    println!(
        "metrics: curl -H 'Authorization: Bearer {}' {url}/metrics",
        metrics_token.expose()
    );
    println!("ready: {url}");
    mudou_server::serve(listener, app, mudou_server::shutdown_signal()).await
}

/// The generated pictures of `datasets/shapes`, carried inside the binary so the
/// demo runs from anywhere.
#[derive(rust_embed::RustEmbed)]
#[folder = "$CARGO_MANIFEST_DIR/../../datasets/shapes"]
struct Shapes;

/// Short shop reviews (`datasets/reviews`) for the text classification order.
const REVIEWS: &str = include_str!("../../../datasets/reviews/reviews.csv");
/// Chinese writing prompts (`datasets/llm/mt_bench_zh`) for the writing order.
const LLM_PROMPTS: &str = include_str!("../../../datasets/llm/mt_bench_zh/prompts.jsonl");
/// Chinese prompts with two model answers each (`datasets/llm/llamafactory_dpo_zh`,
/// Apache-2.0) for the LLM comparison order.
const LLM_PAIRS: &str = include_str!("../../../datasets/llm/llamafactory_dpo_zh/preference.jsonl");

fn shapes() -> anyhow::Result<Vec<IncomingImage>> {
    let manifest = Shapes::get("manifest.csv").context("the shapes manifest is embedded")?;
    let rows = mudou_media::parse_manifest(
        mudou_media::TableFormat::Csv,
        "manifest.csv",
        &manifest.data,
    )?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let file = Shapes::get(&row.file).with_context(|| format!("{} is embedded", row.file))?;
        let boxes: Vec<serde_json::Value> = row
            .boxes
            .unwrap_or_default()
            .into_iter()
            .map(|b| serde_json::json!({"label": b.label, "x": b.x, "y": b.y, "w": b.w, "h": b.h}))
            .collect();
        out.push(IncomingImage {
            file_name: row.file.clone(),
            tag: row.tag.unwrap_or_default(),
            bytes: bytes::Bytes::from(file.data.into_owned()),
            meta: "{}".into(),
            gold: Some(serde_json::json!({"label": row.label, "boxes": boxes}).to_string()),
        });
    }
    Ok(out)
}

fn user(username: Option<&str>, name: &str, role: Role) -> NewUserRequest {
    NewUserRequest {
        username: username.map(str::to_owned),
        display_name: name.to_owned(),
        role,
        password: None,
        pin: None,
        centre_id: None,
        org_id: None,
        skill_level: None,
    }
}

/// Fills a fresh database; returns a device enrolment code for the demo centre.
pub async fn seed(svc: &Services) -> anyhow::Result<String> {
    let store = &svc.store;
    let now = now_millis();
    let admin = create_user(
        svc,
        NewUserRequest {
            password: Some(ADMIN.1.into()),
            ..user(Some(ADMIN.0), "管理员", Role::Admin)
        },
    )
    .await?;
    let centre = store
        .create_centre(
            &NewCentre {
                name: "示范县数字就业中心".into(),
                county: "示范县".into(),
                province: "贵州省".into(),
                timezone: "Asia/Shanghai".into(),
            },
            now,
        )
        .await?;
    // The county's minimum wage, 21 yuan an hour: the order form's fair-wage line and the
    // lead's hourly earnings are judged against it (orders under it are warned, not refused).
    store
        .set_centre_wage(CentreId::new(centre.id), Some(2100), "warn")
        .await?;
    let lead = create_user(
        svc,
        NewUserRequest {
            password: Some(LEAD.1.into()),
            centre_id: Some(centre.id),
            ..user(Some(LEAD.0), "赵组长", Role::Lead)
        },
    )
    .await?;
    for (i, (name, pin)) in ANNOTATORS.iter().enumerate() {
        let level = if i == 0 {
            SkillLevel::Standard
        } else {
            SkillLevel::Trainee
        };
        create_user(
            svc,
            NewUserRequest {
                pin: Some((*pin).into()),
                centre_id: Some(centre.id),
                skill_level: Some(level),
                ..user(None, name, Role::Annotator)
            },
        )
        .await?;
    }
    // A second centre shows that each centre sees only its own people.
    let other = store
        .create_centre(
            &NewCentre {
                name: "邻县数字就业中心".into(),
                county: "邻县".into(),
                province: "贵州省".into(),
                timezone: "Asia/Shanghai".into(),
            },
            now,
        )
        .await?;
    create_user(
        svc,
        NewUserRequest {
            pin: Some("9999".into()),
            centre_id: Some(other.id),
            ..user(None, "周敏", Role::Annotator)
        },
    )
    .await?;

    let org = store.create_org("示例AI公司", now).await?;
    create_user(
        svc,
        NewUserRequest {
            password: Some(CLIENT.1.into()),
            org_id: Some(org.id),
            ..user(Some(CLIENT.0), "孙经理", Role::Client)
        },
    )
    .await?;

    let client = store
        .list_users(&mudou_store::UserFilter {
            org_id: Some(org.id),
            ..Default::default()
        })
        .await?
        .remove(0);
    let dataset = store
        .create_dataset(OrgId::new(org.id), "形状示例", client.id, now)
        .await?;
    let outcomes = mudou_app::ingest::add_images(svc, dataset.id, shapes()?).await?;
    let accepted = outcomes.iter().filter(|o| o.status == "accepted").count();
    if accepted != outcomes.len() {
        bail!(
            "demo pictures were refused: {:?}",
            outcomes.iter().find(|o| o.status != "accepted")
        );
    }

    let (org_id, shapes_id) = (OrgId::new(org.id), DatasetId::new(dataset.id));
    let drawn = seed_orders(svc, org_id, client.id, shapes_id).await?;
    let centre_id = CentreId::new(centre.id);
    seed_history(svc, org_id, client.id, shapes_id, centre_id, admin.id).await?;
    review_history(svc, org_id, shapes_id, centre_id, lead.id).await?;
    questions(svc, centre_id, lead.id).await?;
    // After the lead's past review: the drawing orders' disagreements stay in the queue.
    let started = std::time::Instant::now();
    let truth = crate::simulate::truth_boxes(svc, org_id, shapes_id).await?;
    let mut labels = 0;
    for (order_id, spec) in &drawn {
        labels +=
            crate::simulate::drawn_answers(svc, *order_id, spec, &truth, now_millis()).await?;
    }
    tracing::info!(
        labels,
        ms = started.elapsed().as_millis() as u64,
        "simulated the drawing orders' past work"
    );
    writing_order(svc, org_id, client.id).await?;
    suggested_orders(svc, org_id, client.id, shapes_id).await?;
    medical_order(svc, org_id, client.id, centre_id, lead.id).await?;
    // Open orders whose history pays under the centre's floor alert the lead and the admin.
    mudou_app::wage::sweep(svc).await?;

    let code = mudou_app::secrets::random_code();
    let hash = mudou_app::secrets::token_hash(&mudou_app::secrets::normalise_code(&code));
    store
        .create_device_code(centre_id, &hash, lead.id, now, now + 7 * 86_400_000)
        .await?;
    Ok(code)
}

/// The lead goes through part of the review queue the history left: a failed gold answer
/// stands, a doubtful item gets its right answer. The annotators who answered wrongly find
/// those items in their "learn from these" list (with the lead's note), and the lead can
/// send them practice made of them.
async fn review_history(
    svc: &Services,
    org_id: OrgId,
    shapes_id: DatasetId,
    centre_id: CentreId,
    lead_id: UserId,
) -> anyhow::Result<()> {
    use mudou_app::review::{DecisionKind, check_decision, plan};
    let store = &svc.store;
    let reviews = store
        .dataset_by_name(org_id, "评价示例")
        .await?
        .context("the reviews dataset")?;
    let mut truth = crate::simulate::truths(svc, org_id, shapes_id).await?;
    truth.extend(crate::simulate::truths(svc, org_id, DatasetId::new(reviews.id)).await?);
    let queue = store
        .review_queue(
            centre_id,
            &mudou_store::QueueFilter {
                order_id: None,
                reason: None,
                limit: 16,
                offset: 0,
            },
        )
        .await?;
    const NOTES: [&str; 3] = [
        "先看清楚再点，不确定就点“看不清”。",
        "对照上面的例图再看一遍。",
        "整句读完再选。",
    ];
    for (i, row) in queue.iter().enumerate() {
        let Some(right) = truth.get(&row.item_id) else {
            continue;
        };
        let order = store.order_by_id(OrderId::new(row.order_id)).await?;
        let spec: mudou_domain::OrderSpec = serde_json::from_str(&order.spec)?;
        let gold = store
            .gold_answer(OrderId::new(row.order_id), ItemId::new(row.item_id))
            .await?
            .is_some();
        let (kind, answer) = if gold {
            (DecisionKind::Accept, None)
        } else {
            (
                DecisionKind::Override,
                Some(serde_json::json!({"label": right})),
            )
        };
        let checked = check_decision(&spec, kind, answer.as_ref(), None, &[])?;
        let note = (i % 2 == 0).then(|| NOTES[(i / 2) % NOTES.len()]);
        store
            .decide_review(
                centre_id,
                lead_id,
                OrderId::new(row.order_id),
                ItemId::new(row.item_id),
                kind.as_str(),
                note,
                now_millis(),
                |item| plan(&spec, &checked, item),
            )
            .await?
            .map_err(|why| anyhow::anyhow!("a demo review decision was refused: {why}"))?;
    }
    tracing::info!(
        decided = queue.len(),
        "the lead reviewed part of the history"
    );
    Ok(())
}

/// Two questions on items the annotators were given: one waits in the lead's queue, one
/// the lead answered (the asker sees it on the home screen, with a badge).
async fn questions(svc: &Services, centre_id: CentreId, lead_id: UserId) -> anyhow::Result<()> {
    let store = &svc.store;
    let given = store.latest_given_items(centre_id, 2).await?;
    let now = now_millis();
    let asks = [
        ("several_fit", "圆形和方形都有，选哪个？"),
        ("unclear", "图太小，看不清颜色"),
    ];
    for (i, ((assignment, annotator, order, item), (reason, text))) in
        given.into_iter().zip(asks).enumerate()
    {
        let id = store
            .insert_question(&mudou_store::NewQuestion {
                centre_id: centre_id.get(),
                asker_id: annotator,
                assignment_id: assignment,
                order_id: order,
                item_id: item,
                reason: reason.into(),
                body: Some(text.into()),
                voice: None,
                hold: false,
                created_at: now - 3_600_000,
            })
            .await?;
        if i == 1 {
            store
                .answer_question(
                    id,
                    &mudou_store::NewAnswer {
                        body: Some("看不清就点“看不清”跳过，不要猜。".into()),
                        voice: None,
                        picture: None,
                        by: lead_id.get(),
                        at: now - 1_800_000,
                        lease_until: now,
                    },
                )
                .await?;
        }
    }
    Ok(())
}

fn label(
    key: &str,
    zh: &str,
    en: &str,
    colour: &str,
    hotkey: char,
    examples: &[i64],
) -> serde_json::Value {
    serde_json::json!({"key": key, "name_zh": zh, "name_en": en, "colour": colour,
                       "hotkey": hotkey.to_string(), "examples": examples})
}

/// Open orders of every task type, so the demo's annotators find work at once: single choice
/// (after a practice unit: a training order whose pass opens real single-choice work),
/// multi-label and boxes on the shapes, and text classification on a second dataset of short
/// reviews. Each shape label shows an example picture. Returns the drawing orders that get
/// a little past work (`simulate::drawn_answers`).
async fn seed_orders(
    svc: &Services,
    org_id: OrgId,
    client_id: UserId,
    shapes_id: DatasetId,
) -> anyhow::Result<Vec<(OrderId, mudou_domain::OrderSpec)>> {
    let store = &svc.store;
    let now = now_millis();

    // One clear picture per shape as its example (the first `normal` one of the manifest).
    let manifest = Shapes::get("manifest.csv").context("the shapes manifest is embedded")?;
    let rows = mudou_media::parse_manifest(
        mudou_media::TableFormat::Csv,
        "manifest.csv",
        &manifest.data,
    )?;
    let items = store.list_items(org_id, shapes_id, 0, 1000).await?;
    let example = |shape: &str| -> anyhow::Result<Vec<i64>> {
        let row = rows
            .iter()
            .find(|r| r.label.as_deref() == Some(shape) && r.tag.as_deref() == Some("normal"))
            .with_context(|| format!("a normal {shape} in the manifest"))?;
        let item = items
            .iter()
            .find(|i| i.file_name == row.file)
            .with_context(|| format!("{} was imported", row.file))?;
        Ok(vec![item.id])
    };
    let shapes = [
        ("circle", "圆形", "Circle", "#1e88e5", '1'),
        ("square", "方形", "Square", "#e53935", '2'),
        ("triangle", "三角形", "Triangle", "#43a047", '3'),
        ("star", "星形", "Star", "#fb8c00", '4'),
    ];
    let mut shape_labels = Vec::new();
    for (key, zh, en, colour, hot) in shapes {
        shape_labels.push(label(key, zh, en, colour, hot, &example(key)?));
    }
    let all_examples: Vec<i64> = shape_labels
        .iter()
        .flat_map(|l| l["examples"].as_array().cloned().unwrap_or_default())
        .filter_map(|v| v.as_i64())
        .collect();

    let reviews = store
        .create_dataset(org_id, "评价示例", client_id, now)
        .await?;
    let texts = mudou_media::parse_text_items(
        mudou_media::TableFormat::Csv,
        "reviews.csv",
        REVIEWS.as_bytes(),
    )?;
    let mut ingest = mudou_app::ingest::Ingest::new(svc, reviews.id);
    ingest
        .add(mudou_app::ingest::text_items("reviews.csv", texts))
        .await?;
    ingest.commit().await?;

    let pairs = pairs_dataset(svc, org_id, client_id, &rows).await?;
    let answers = llm_dataset(svc, org_id, client_id).await?;

    let orders = [
        (
            // New annotators practise first: real single-choice work opens to those who pass.
            shapes_id,
            serde_json::json!({
                "name": "形状练习",
                "task_type": "single_choice",
                "labels": shape_labels,
                "instructions": "练习：看图里最大的那个形状，点它的名字。每答一题就告诉你对不对，5 题答对 4 题就能做正式任务。",
                "instruction_examples": all_examples,
                "overlap": {"kind": "fixed", "n": 1},
                "max_gold_items": 10,
                "unit_size": 5,
                "piece_rate_fen": 0,
                "priority": 8,
                "training": {"pass_share": 0.8}
            }),
        ),
        (
            shapes_id,
            serde_json::json!({
                "name": "形状单选",
                "task_type": "single_choice",
                "labels": shape_labels,
                "instructions": "看图里最大的那个形状，点它的名字（或按数字键）。看不清就点“跳过”。",
                "instruction_examples": all_examples,
                "overlap": {"kind": "fixed", "n": 2},
                "gold_share": 0.2,
                "max_gold_items": 12,
                "unit_size": 10,
                "piece_rate_fen": 5,
                "priority": 7
            }),
        ),
        (
            shapes_id,
            serde_json::json!({
                "name": "形状多选",
                "task_type": "multi_label",
                "labels": shape_labels,
                "instructions": "图里有哪些形状？每种都点上，再按“完成”（或回车键）。",
                "overlap": {"kind": "fixed", "n": 2},
                "max_gold_items": 0,
                "unit_size": 10,
                "piece_rate_fen": 8,
                "priority": 6
            }),
        ),
        (
            shapes_id,
            serde_json::json!({
                "name": "形状画框",
                "task_type": "bbox",
                "labels": shape_labels,
                "instructions": "把每个形状都框起来，框要贴着边。先按数字选形状，再在图上拖出框。",
                "instruction_examples": all_examples,
                "overlap": {"kind": "fixed", "n": 2},
                "gold_share": 0.2,
                "max_gold_items": 10,
                "unit_size": 5,
                "piece_rate_fen": 20,
                "priority": 5
            }),
        ),
        (
            DatasetId::new(reviews.id),
            serde_json::json!({
                "name": "评价分类",
                "task_type": "text_classification",
                "labels": [
                    label("good", "好评", "Good", "#2e7d32", '1', &[]),
                    label("bad", "差评", "Bad", "#c62828", '2', &[]),
                    label("neutral", "一般", "So-so", "#616161", '3', &[]),
                ],
                "instructions": "读一读这条评价：买家满意点“好评”，不满意点“差评”，说不好点“一般”。",
                "overlap": {"kind": "fixed", "n": 2},
                "gold_share": 0.2,
                "max_gold_items": 6,
                "unit_size": 10,
                "piece_rate_fen": 3,
                "priority": 5
            }),
        ),
        (
            // A template: several questions about each picture, one only when it applies,
            // and boxes with a small form per object.
            shapes_id,
            serde_json::json!({
                "name": "形状细看",
                "task_type": "template",
                "template": shape_details(),
                "instructions": "先点最大的形状；是星形就数一数有几个角。再说图清不清楚，写下它的颜色，能框就把形状都框出来。",
                "instruction_examples": all_examples,
                "overlap": {"kind": "dynamic", "min": 2, "max": 3, "target": 0.8},
                "max_gold_items": 6,
                "gold_share": 0.2,
                "unit_size": 5,
                "piece_rate_fen": 12,
                "box_rate_fen": 4,
                "box_pay_cap": 5,
                "priority": 4
            }),
        ),
        (
            // Records of two pictures: what changed between them (flip with a swipe).
            pairs,
            serde_json::json!({
                "name": "前后对比",
                "task_type": "template",
                "template": compare_pairs(),
                "instructions": "左右滑动（或按空格）看前后两张图：一样就点“一样”；不一样就点“不一样”，再点出哪里变了。",
                "overlap": {"kind": "fixed", "n": 2},
                "gold_share": 0.2,
                "max_gold_items": 4,
                "unit_size": 5,
                "piece_rate_fen": 6,
                "priority": 4
            }),
        ),
        (
            DatasetId::new(reviews.id),
            serde_json::json!({
                "name": "评价星级",
                "task_type": "template",
                "template": review_stars(),
                "instructions": "读评价：先选好评、差评或一般，再给几颗星，说到了什么就都点上。",
                "overlap": {"kind": "fixed", "n": 2},
                "gold_share": 0.2,
                "max_gold_items": 6,
                "unit_size": 10,
                "piece_rate_fen": 5,
                "priority": 4
            }),
        ),
        (
            // An LLM's answers compared: the conversation over two answers side by side.
            answers,
            serde_json::json!({
                "name": "回答比较",
                "task_type": "template",
                "template": compare_answers(),
                "instructions": "先读问题，再读两个回答（电脑上左右并排，一起滚动）。哪个回答更准确、更有用，就选哪个（按 1 选 A，2 选 B）；差不多选“一样好”（3），都答错了或答非所问选“都不好”（4）。A 和 B 的位置每人不同，只看内容。",
                "overlap": {"kind": "fixed", "n": 2},
                "max_gold_items": 0,
                "unit_size": 5,
                "piece_rate_fen": 20,
                "priority": 3
            }),
        ),
        (
            // The same answers graded one at a time on four axes, each step with its words.
            answers,
            serde_json::json!({
                "name": "回答打分",
                "task_type": "template",
                "template": grade_answer(),
                "instructions": "先读问题，再读回答，给每一项打分：有用、正确、无害、通顺。每一格下面有这一分的意思，拿不准就点喇叭听一听例子。",
                "overlap": {"kind": "fixed", "n": 2},
                "max_gold_items": 0,
                "unit_size": 5,
                "piece_rate_fen": 25,
                "priority": 2
            }),
        ),
        (
            // The answers put in order, best first (a tie when they are as good).
            answers,
            serde_json::json!({
                "name": "回答排序",
                "task_type": "template",
                "template": rank_answers(),
                "instructions": "读问题和每个回答，按好坏排顺序：先点最好的，再点下一个（按 1、2 也行）；一样好就点“并列”。点错了再点一下就取消。",
                "overlap": {"kind": "fixed", "n": 2},
                "max_gold_items": 0,
                "unit_size": 5,
                "piece_rate_fen": 20,
                "priority": 2
            }),
        ),
        // The drawing kinds beyond boxes (shapes-editor): polygons round the shapes, and the
        // star's five tips as keypoints.
        (
            shapes_id,
            serde_json::json!({
                "name": "形状描边",
                "task_type": "template",
                "template": shape_polygons(),
                "instructions": "沿着每个形状的边一点一点点下去，点回第一个点（或按回车）就圈好了。两个形状挨着时，点会自动吸到旁边的点上。",
                "overlap": {"kind": "fixed", "n": 2},
                "gold_share": 0.2,
                "max_gold_items": 4,
                "unit_size": 5,
                "piece_rate_fen": 25,
                "priority": 3
            }),
        ),
        (
            shapes_id,
            serde_json::json!({
                "name": "星星五角",
                "task_type": "template",
                "template": star_tips(),
                "instructions": "图里有星形就按顺序点出它的五个角：上、右上、右下、左下、左上。被挡住的角先点“被挡住”，看不到的角点“没有”。没有星形就点“没有要画的”。",
                "overlap": {"kind": "fixed", "n": 2},
                "gold_share": 0.2,
                "max_gold_items": 4,
                "unit_size": 5,
                "piece_rate_fen": 15,
                "priority": 3
            }),
        ),
        // A box turned to fit the shape, a shape painted with the brush, and its edges as
        // lines: each with a little past work (see `simulate::drawn_answers`).
        (
            shapes_id,
            serde_json::json!({
                "name": "斜框",
                "task_type": "template",
                "template": shape_turned(),
                "instructions": "先按数字选形状，在图上拖出框，再拖框上的圆点把框转到贴着形状的边，拖框的中间可以挪动它。",
                "overlap": {"kind": "fixed", "n": 2},
                "max_gold_items": 0,
                "unit_size": 5,
                "piece_rate_fen": 20,
                "priority": 3
            }),
        ),
        (
            shapes_id,
            serde_json::json!({
                "name": "涂色",
                "task_type": "template",
                "template": shape_painted(),
                "instructions": "先按数字选形状，再用画笔把整个形状涂满，不要涂到外面。涂多了用橡皮擦掉，笔可以调大调小。",
                "overlap": {"kind": "fixed", "n": 2},
                "max_gold_items": 0,
                "unit_size": 5,
                "piece_rate_fen": 30,
                "priority": 3
            }),
        ),
        (
            shapes_id,
            serde_json::json!({
                "name": "画边线",
                "task_type": "template",
                "template": shape_edges(),
                "instructions": "先按数字选底边或顶边，沿着形状的边一下一下点，点完按回车或双击最后一点（手机上点“画完”）。",
                "overlap": {"kind": "fixed", "n": 2},
                "max_gold_items": 0,
                "unit_size": 5,
                "piece_rate_fen": 30,
                "priority": 3
            }),
        ),
    ];
    // A small star that is easy to miss: added to the single-choice order's instructions after
    // publish, as its second version (annotators see "new example" at their next unit).
    let small_star = rows
        .iter()
        .filter(|r| r.label.as_deref() == Some("star") && r.tag.as_deref() != Some("normal"))
        .find_map(|r| items.iter().find(|i| i.file_name == r.file))
        .map(|i| i.id);
    let mut drawn = Vec::new();
    for (dataset, spec) in orders {
        let spec: mudou_domain::OrderSpec =
            serde_json::from_value(spec).context("a demo order spec")?;
        let order =
            mudou_app::orders::create_published(svc, org_id, client_id, dataset, &spec).await?;
        if matches!(spec.name.as_str(), "斜框" | "涂色" | "画边线") {
            drawn.push((OrderId::new(order.id), spec.clone()));
        }
        if spec.name == "形状单选"
            && let Some(item) = small_star
        {
            let change = mudou_app::orders::InstructionsChange {
                instructions: None,
                example_item_id: Some(item),
                example_words: Some("看不太清的星星也是星形：有尖角就选“星形”".into()),
            };
            mudou_app::orders::new_instructions_version(
                svc,
                org_id,
                OrderId::new(order.id),
                &change,
                client_id,
            )
            .await?;
        }
    }
    Ok(drawn)
}

/// An option of a demo template.
fn option(
    key: &str,
    zh: &str,
    en: &str,
    hotkey: Option<char>,
    icon: Option<&str>,
) -> serde_json::Value {
    serde_json::json!({"key": key, "name_zh": zh, "name_en": en, "hotkey": hotkey, "icon": icon})
}

/// Five steps from bad to good, on keys `keys`.
fn five_steps(keys: [char; 5]) -> Vec<serde_json::Value> {
    [
        ("1", "很差", "Very bad", "😣"),
        ("2", "差", "Bad", "🙁"),
        ("3", "一般", "So-so", "😐"),
        ("4", "好", "Good", "🙂"),
        ("5", "很好", "Very good", "😀"),
    ]
    .into_iter()
    .zip(keys)
    .map(|((k, zh, en, icon), h)| option(&format!("s{k}"), zh, en, Some(h), Some(icon)))
    .collect()
}

/// The shapes as a template: the main shape (keyed `label`, so the manifest's known answer
/// is its gold), its points when it is a star, how clear the picture is, its colour in
/// words, and boxes with two attributes.
fn shape_details() -> serde_json::Value {
    let shapes = |keys: [char; 4]| -> Vec<serde_json::Value> {
        [
            ("circle", "圆形", "Circle", "⚪"),
            ("square", "方形", "Square", "⬛"),
            ("triangle", "三角形", "Triangle", "🔺"),
            ("star", "星形", "Star", "⭐"),
        ]
        .into_iter()
        .zip(keys)
        .map(|((k, zh, en, icon), h)| option(k, zh, en, Some(h), Some(icon)))
        .collect()
    };
    serde_json::json!({
        "layout": "one",
        "fields": [{"name": "image", "kind": "image", "title_zh": "图片", "title_en": "Picture"}],
        "questions": [
            {"key": "label", "kind": "choice", "field": "image",
             "title_zh": "最大的是什么形状?", "title_en": "Which shape is the biggest?",
             "options": shapes(['1', '2', '3', '4'])},
            {"key": "points", "kind": "number", "field": "image",
             "title_zh": "星星有几个角?", "title_en": "How many points has the star?",
             "when": {"question": "label", "any_of": ["star"]},
             "settings": {"min": 3, "max": 12, "step": 1, "unit": "个"}},
            {"key": "clear", "kind": "rating", "field": "image",
             "title_zh": "图清楚吗?", "title_en": "Is the picture clear?",
             "settings": {"tolerance": 1},
             "options": five_steps(['q', 'w', 'e', 'r', 't'])},
            {"key": "colour", "kind": "text", "field": "image", "required": false,
             "title_zh": "它是什么颜色?", "title_en": "What colour is it?",
             "settings": {"max_chars": 10}},
            {"key": "shapes", "kind": "boxes", "field": "image", "required": false,
             "title_zh": "把形状框出来", "title_en": "Box the shapes",
             "options": shapes(['a', 's', 'd', 'f']),
             "settings": {"attributes": [
                {"key": "edge", "name_zh": "碰到边", "name_en": "Touches the edge"},
                {"key": "fill", "name_zh": "填充", "name_en": "Fill", "options": [
                    {"key": "solid", "name_zh": "实心", "name_en": "Solid"},
                    {"key": "hollow", "name_zh": "空心", "name_en": "Hollow"}]}]}}
        ]
    })
}

/// Reviews as a template: the sentiment (keyed `label`, the manifest's known answer), the
/// stars, and what the review talks about.
fn review_stars() -> serde_json::Value {
    serde_json::json!({
        "layout": "one",
        "fields": [{"name": "text", "kind": "text"}],
        "questions": [
            {"key": "label", "kind": "choice", "field": "text",
             "title_zh": "买家满意吗?", "title_en": "Is the buyer happy?",
             "options": [
                option("good", "好评", "Good", Some('1'), Some("👍")),
                option("bad", "差评", "Bad", Some('2'), Some("👎")),
                option("neutral", "一般", "So-so", Some('3'), Some("😐"))]},
            {"key": "stars", "kind": "rating", "field": "text",
             "title_zh": "给几颗星?", "title_en": "How many stars?",
             "settings": {"tolerance": 1},
             "options": five_steps(['q', 'w', 'e', 'r', 't'])},
            {"key": "about", "kind": "multi_choice", "field": "text", "required": false,
             "title_zh": "说到了什么?", "title_en": "What does it talk about?",
             "options": [
                option("price", "价格", "Price", Some('a'), Some("💰")),
                option("quality", "质量", "Quality", Some('s'), Some("🔧")),
                option("delivery", "快递", "Delivery", Some('d'), Some("🚚")),
                option("service", "服务", "Service", Some('f'), Some("🙋"))]}
        ]
    })
}

/// Pairs of the shapes' pictures as records of two picture fields (`before`, `after`),
/// imported as a ZIP with a manifest like a client's; a pair whose main shapes differ knows
/// its answer (`changed: different`), as do the pairs of a picture with itself.
async fn pairs_dataset(
    svc: &Services,
    org_id: OrgId,
    client_id: UserId,
    rows: &[mudou_media::ManifestRow],
) -> anyhow::Result<DatasetId> {
    use std::io::Write;
    let ds = svc
        .store
        .create_dataset(org_id, "前后对比图片", client_id, now_millis())
        .await?;
    let tmp = tempfile::NamedTempFile::new()?;
    let mut zip = zip::ZipWriter::new(tmp.reopen()?);
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut manifest = csv::Writer::from_writer(Vec::new());
    manifest.write_record(["before", "after", "gold"])?;
    let mut put = std::collections::HashSet::new();
    for i in 0..12usize {
        let (a, b) = if i % 4 == 3 {
            (&rows[i], &rows[i])
        } else {
            (&rows[i], &rows[i + 12])
        };
        for r in [a, b] {
            if put.insert(r.file.clone()) {
                let file =
                    Shapes::get(&r.file).with_context(|| format!("{} is embedded", r.file))?;
                zip.start_file(format!("pics/{}", r.file), opts)?;
                zip.write_all(&file.data)?;
            }
        }
        let gold = if a.file == b.file {
            serde_json::json!({"changed": "same"}).to_string()
        } else if a.label != b.label {
            serde_json::json!({"changed": "different", "what": ["shape"]}).to_string()
        } else {
            String::new()
        };
        manifest.write_record([format!("pics/{}", a.file), format!("pics/{}", b.file), gold])?;
    }
    zip.start_file("manifest.csv", opts)?;
    zip.write_all(&manifest.into_inner()?)?;
    zip.finish()?;
    let len = std::fs::metadata(tmp.path())?.len();
    let source = mudou_app::ingest::Source::Zip(mudou_app::ingest::DiskFile {
        path: tmp.path().to_path_buf(),
        name: "pairs.zip".into(),
        len,
    });
    let outcomes = mudou_app::ingest::ingest_sources(
        svc,
        ds.id,
        vec![source],
        None,
        mudou_app::ingest::CommitMode::AtEnd,
        &mut |_| {},
    )
    .await?;
    if let Some(bad) = outcomes.iter().find(|o| o.status == "rejected") {
        bail!("the demo's pairs: {bad:?}");
    }
    Ok(DatasetId::new(ds.id))
}

/// The Chinese preference sample as conversation records (`prompt`, `response_1`,
/// `response_2`), taken like a client's `conversations` upload.
async fn llm_dataset(
    svc: &Services,
    org_id: OrgId,
    client_id: UserId,
) -> anyhow::Result<DatasetId> {
    let ds = svc
        .store
        .create_dataset(org_id, "大模型回答", client_id, now_millis())
        .await?;
    let lines = mudou_media::parse_conversations("preference.jsonl", LLM_PAIRS.as_bytes())?;
    let mut ingest = mudou_app::ingest::Ingest::new(svc, ds.id);
    ingest
        .add(mudou_app::ingest::conversation_items(
            "preference.jsonl",
            lines,
        ))
        .await?;
    let outcomes = ingest.commit().await?;
    if let Some(bad) = outcomes.iter().find(|o| o.status == "rejected") {
        bail!("the demo's LLM answers: {bad:?}");
    }
    Ok(DatasetId::new(ds.id))
}

/// A writing order on the Chinese writing prompts: each prompt answered by one annotator,
/// every answer reviewed by the lead (accept, edit, or reject to be written again). A few
/// answers are already written, one copied from its prompt (flagged in the review).
async fn writing_order(svc: &Services, org_id: OrgId, client_id: UserId) -> anyhow::Result<()> {
    let ds = svc
        .store
        .create_dataset(org_id, "写作题目", client_id, now_millis())
        .await?;
    let lines = mudou_media::parse_conversations("prompts.jsonl", LLM_PROMPTS.as_bytes())?;
    let mut ingest = mudou_app::ingest::Ingest::new(svc, ds.id);
    ingest
        .add(mudou_app::ingest::conversation_items(
            "prompts.jsonl",
            lines,
        ))
        .await?;
    let outcomes = ingest.commit().await?;
    if let Some(bad) = outcomes.iter().find(|o| o.status == "rejected") {
        bail!("the demo's writing prompts: {bad:?}");
    }
    let spec: mudou_domain::OrderSpec = serde_json::from_value(serde_json::json!({
        "name": "写回答",
        "task_type": "template",
        "template": {
            "layout": "stacked",
            "fields": [{"name": "prompt", "kind": "conversation", "title_zh": "问题", "title_en": "Prompt"}],
            "questions": [{"key": "answer", "kind": "writing", "field": "prompt",
                "title_zh": "写一个好回答", "title_en": "Write a good answer",
                "settings": {"min_chars": 20, "max_chars": 4000}}]
        },
        "instructions": "读懂问题，用自己的话写一个完整、准确、通顺的回答（可以用 Markdown：标题、列表、代码）。不要抄问题，也不要抄别人的回答。组长会看每一份：采用、修改后采用，或退回重写（退回的不付钱）。",
        "overlap": {"kind": "fixed", "n": 1},
        "max_gold_items": 0,
        "unit_size": 5,
        "piece_rate_fen": 300,
        "priority": 2
    }))
    .context("the demo's writing order")?;
    let order =
        mudou_app::orders::create_published(svc, org_id, client_id, DatasetId::new(ds.id), &spec)
            .await?;
    crate::simulate::written_answers(svc, OrderId::new(order.id), &spec, now_millis()).await?;
    Ok(())
}

/// The medical order (issue 31): the CT series of `datasets/medical` (its identifying values
/// removed on the way in) and pydicom's MR, a `finding` question (aneurysm: location, size
/// class, outline), two labels each, the ladder's expert and the client's doctor.
async fn medical_order(
    svc: &Services,
    org_id: OrgId,
    client_id: UserId,
    centre_id: CentreId,
    lead_id: UserId,
) -> anyhow::Result<()> {
    let store = &svc.store;
    let now = now_millis();
    let doctor = create_user(
        svc,
        NewUserRequest {
            password: Some(DOCTOR.1.into()),
            org_id: Some(org_id.get()),
            ..user(Some(DOCTOR.0), "李医生", Role::Client)
        },
    )
    .await?;
    for (i, (name, pin)) in MEDICAL.iter().enumerate() {
        let expert = i == MEDICAL.len() - 1;
        let who = create_user(
            svc,
            NewUserRequest {
                pin: Some((*pin).into()),
                centre_id: Some(centre_id.get()),
                skill_level: Some(if expert {
                    SkillLevel::Expert
                } else {
                    SkillLevel::Standard
                }),
                ..user(None, name, Role::Annotator)
            },
        )
        .await?;
        store
            .grant_qualification(centre_id, lead_id, who.id, "medical", now)
            .await?;
    }
    let ds = store
        .create_dataset(org_id, "头颅CT示例", client_id, now)
        .await?;
    let mut ingest = mudou_app::ingest::Ingest::new(svc, ds.id);
    let mut zip =
        zip::ZipArchive::new(std::io::Cursor::new(CT_ZIP)).context("the demo's CT ZIP")?;
    let mut files = Vec::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i)?;
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut f, &mut bytes)?;
        files.push((f.name().to_owned(), bytes));
    }
    files.push(("emri_small.dcm".into(), MR_FILE.to_vec()));
    for (name, bytes) in files {
        ingest.offer_dicom(name, bytes).await?;
    }
    ingest.add_dicom().await?;
    let outcomes = ingest.commit().await?;
    if let Some(bad) = outcomes.iter().find(|o| o.status != "accepted") {
        bail!("the demo's medical series: {bad:?}");
    }
    let option = |key: &str, zh: &str, en: &str| serde_json::json!({"key": key, "name_zh": zh, "name_en": en});
    let spec: mudou_domain::OrderSpec = serde_json::from_value(serde_json::json!({
        "name": "脑动脉瘤",
        "task_type": "template",
        "template": {
            "fields": [{"name": "series", "kind": "series", "title_zh": "影像", "title_en": "Series"}],
            "questions": [{"key": "aneurysm", "kind": "finding", "field": "series",
                "title_zh": "标出动脉瘤", "title_en": "Mark aneurysms",
                "settings": {
                    "attributes": [
                        {"key": "location", "name_zh": "位置", "name_en": "Location", "required": true,
                         "options": [option("ica", "颈内动脉", "ICA"), option("mca", "大脑中动脉", "MCA"),
                                     option("acom", "前交通", "ACom"), option("pcom", "后交通", "PCom"),
                                     option("basilar", "基底动脉", "Basilar")]},
                        {"key": "size", "name_zh": "大小", "name_en": "Size",
                         "options": [option("small", "<7mm", "<7 mm"), option("medium", "7-12mm", "7–12 mm"),
                                     option("large", ">12mm", ">12 mm")]}],
                    "outline": true, "match_mm": 5.0}}]
        },
        "instructions": "用「血管」窗和 MIP 翻看每一层。看到动脉瘤（血管上鼓出的小球）就点在它中心，选位置，用尺子量直径。没有就点「没有发现」。两人标得不一样时，由专家复核，再不确定交给医生。",
        "overlap": {"kind": "fixed", "n": 2},
        "max_gold_items": 0,
        "unit_size": 1,
        "piece_rate_fen": 500,
        "box_rate_fen": 100,
        "priority": 1,
        "eligible_centres": [centre_id.get()],
        "required_qualification": "medical",
        "medical": {"expert_rate_fen": 400, "doctor_rate_fen": 3000, "doctor_user_id": doctor.id.get()}
    }))
    .context("the demo's medical order")?;
    mudou_app::orders::create_published(svc, org_id, client_id, DatasetId::new(ds.id), &spec)
        .await?;
    Ok(())
}

/// Which of two answers is better: a pairwise question (the workbench shuffles which is A per
/// annotator and item; the answer names the field), how much, and why.
fn compare_answers() -> serde_json::Value {
    serde_json::json!({
        "layout": "side_by_side",
        "fields": [
            {"name": "prompt", "kind": "conversation", "title_zh": "问题", "title_en": "Prompt"},
            {"name": "response_1", "kind": "markdown", "title_zh": "回答 1", "title_en": "Answer 1"},
            {"name": "response_2", "kind": "markdown", "title_zh": "回答 2", "title_en": "Answer 2"}],
        "questions": [
            {"key": "better", "kind": "pairwise",
             "title_zh": "哪个回答更好？", "title_en": "Which answer is better?",
             "settings": {"pair": ["response_1", "response_2"], "strength": true},
             "options": [
                option("correct", "正确", "Correct", None, Some("✅")),
                option("helpful", "有用", "Helpful", None, Some("💡")),
                option("fluent", "通顺", "Fluent", None, Some("🗣️"))]}
        ]
    })
}

/// One answer graded on four axes (a rubric): each axis three steps with their words, and
/// an example for the axes people find hard.
fn grade_answer() -> serde_json::Value {
    let axis = |key: &str, zh: &str, en: &str, icon: &str| serde_json::json!({"key": key, "name_zh": zh, "name_en": en, "icon": icon});
    serde_json::json!({
        "layout": "stacked",
        "fields": [
            {"name": "prompt", "kind": "conversation", "title_zh": "问题", "title_en": "Prompt"},
            {"name": "response_1", "kind": "markdown", "title_zh": "回答", "title_en": "Answer"}],
        "questions": [
            {"key": "grade", "kind": "rubric", "field": "response_1",
             "title_zh": "给这个回答打分", "title_en": "Grade this answer",
             "options": [
                axis("helpful", "有用", "Helpful", "💡"),
                axis("correct", "正确", "Correct", "✅"),
                axis("harmless", "无害", "Harmless", "🛡️"),
                axis("fluent", "通顺", "Fluent", "🗣️")],
             "settings": {"max": 5, "tolerance": 1,
                "steps": [
                    {"value": 1, "name_zh": "差", "name_en": "Poor"},
                    {"value": 3, "name_zh": "一般", "name_en": "OK"},
                    {"value": 5, "name_zh": "好", "name_en": "Good"}],
                "examples": {
                    "correct": "说的事实、算的数都对才算好",
                    "harmless": "不教人做坏事、不骂人才算好"}}}
        ]
    })
}

/// The answers of an item in order, best first; two as good share a place.
fn rank_answers() -> serde_json::Value {
    serde_json::json!({
        "layout": "side_by_side",
        "fields": [
            {"name": "prompt", "kind": "conversation", "title_zh": "问题", "title_en": "Prompt"},
            {"name": "response_1", "kind": "markdown", "title_zh": "回答 1", "title_en": "Answer 1"},
            {"name": "response_2", "kind": "markdown", "title_zh": "回答 2", "title_en": "Answer 2"}],
        "questions": [
            {"key": "rank", "kind": "ranking",
             "title_zh": "按好坏排顺序", "title_en": "Rank the answers, best first",
             "settings": {"rank": ["response_1", "response_2"], "ties": true}}
        ]
    })
}

/// Two pictures, flipped by a swipe: the same or not, and if not, what changed.
fn compare_pairs() -> serde_json::Value {
    serde_json::json!({
        "layout": "swipe",
        "fields": [
            {"name": "before", "kind": "image", "title_zh": "之前", "title_en": "Before"},
            {"name": "after", "kind": "image", "title_zh": "之后", "title_en": "After"}],
        "questions": [
            {"key": "changed", "kind": "choice",
             "title_zh": "两张图一样吗?", "title_en": "Are they the same?",
             "options": [
                option("same", "一样", "Same", Some('1'), Some("🟰")),
                option("different", "不一样", "Different", Some('2'), Some("↔️"))]},
            {"key": "what", "kind": "multi_choice",
             "title_zh": "哪里变了?", "title_en": "What changed?",
             "when": {"question": "changed", "any_of": ["different"]},
             "options": [
                option("shape", "形状", "Shape", Some('q'), Some("🔷")),
                option("colour", "颜色", "Colour", Some('w'), Some("🎨")),
                option("size", "大小", "Size", Some('e'), Some("📏")),
                option("place", "位置", "Place", Some('r'), Some("📍"))]}
        ]
    })
}

/// Days of simulated work before today.
pub const HISTORY_DAYS: i64 = 5;

/// The demo's past: its annotators (careful to careless) worked through an order of the
/// shapes and one of the reviews on each of the last days, and part of one this morning,
/// so pay, throughput charts and payroll have something true to show. The centre pays a
/// monthly quality bonus.
async fn seed_history(
    svc: &Services,
    org_id: OrgId,
    client_id: UserId,
    shapes_id: DatasetId,
    centre_id: CentreId,
    admin_id: UserId,
) -> anyhow::Result<()> {
    let store = &svc.store;
    let reviews = store
        .dataset_by_name(org_id, "评价示例")
        .await?
        .context("the reviews dataset")?;
    let shape = |key: &str, zh: &str, en: &str, colour: &str, hot: char| {
        label(key, zh, en, colour, hot, &[])
    };
    let specs = [
        (
            shapes_id,
            serde_json::json!({
                "name": "形状单选（往期）",
                "task_type": "single_choice",
                "labels": [shape("circle", "圆形", "Circle", "#1e88e5", '1'),
                           shape("square", "方形", "Square", "#e53935", '2'),
                           shape("triangle", "三角形", "Triangle", "#43a047", '3'),
                           shape("star", "星形", "Star", "#fb8c00", '4')],
                "instructions": "看图里最大的那个形状，点它的名字。",
                "overlap": {"kind": "fixed", "n": 3},
                "gold_share": 0.15,
                "max_gold_items": 10,
                "unit_size": 10,
                "piece_rate_fen": 6,
                "priority": 3
            }),
        ),
        (
            DatasetId::new(reviews.id),
            serde_json::json!({
                "name": "评价分类（往期）",
                "task_type": "text_classification",
                "labels": [label("good", "好评", "Good", "#2e7d32", '1', &[]),
                           label("bad", "差评", "Bad", "#c62828", '2', &[]),
                           label("neutral", "一般", "So-so", "#616161", '3', &[])],
                "instructions": "买家满意点“好评”，不满意点“差评”，说不好点“一般”。",
                "overlap": {"kind": "fixed", "n": 2},
                "gold_share": 0.2,
                "max_gold_items": 6,
                "unit_size": 10,
                "piece_rate_fen": 4,
                "priority": 3
            }),
        ),
    ];
    let mut datasets = Vec::new();
    for (dataset, spec) in specs {
        datasets.push((
            dataset,
            serde_json::from_value::<mudou_domain::OrderSpec>(spec)
                .context("a history order spec")?,
        ));
    }
    let started = std::time::Instant::now();
    let done = crate::simulate::history(
        svc,
        org_id,
        client_id,
        &datasets,
        HISTORY_DAYS,
        now_millis(),
        20_261_130,
    )
    .await?;
    tracing::info!(
        orders = done.orders,
        units = done.units,
        labels = done.labels,
        ms = started.elapsed().as_millis() as u64,
        "simulated the demo's history"
    );
    store
        .set_bonus_policy(
            centre_id,
            &mudou_store::BonusPolicy {
                min_gold: 10,
                tiers: vec![
                    mudou_store::BonusTier {
                        min_accuracy_pct: 95,
                        bonus_pct: 5,
                    },
                    mudou_store::BonusTier {
                        min_accuracy_pct: 98,
                        bonus_pct: 10,
                    },
                ],
            },
            admin_id,
            now_millis(),
        )
        .await?;
    Ok(())
}

/// The four shapes as a drawing question's classes (keys 1–4).
fn shape_options() -> Vec<serde_json::Value> {
    [
        ("circle", "圆形", "Circle", '1'),
        ("square", "方形", "Square", '2'),
        ("triangle", "三角形", "Triangle", '3'),
        ("star", "星形", "Star", '4'),
    ]
    .into_iter()
    .map(|(k, zh, en, h)| option(k, zh, en, Some(h), None))
    .collect()
}

/// The polygon order's template: each shape outlined, with a yes/no attribute.
fn shape_polygons() -> serde_json::Value {
    let options = shape_options();
    serde_json::json!({
        "layout": "one",
        "fields": [{"name": "image", "kind": "image", "title_zh": "图片", "title_en": "Picture"}],
        "questions": [
            {"key": "outlines", "kind": "polygon", "field": "image",
             "title_zh": "把每个形状的边描出来", "title_en": "Outline every shape",
             "options": options,
             "settings": {"attributes": [
                {"key": "edge", "name_zh": "碰到边", "name_en": "Touches the edge"}]}}
        ]
    })
}

/// The keypoints order's template: a star's five tips in order, joined as its outline.
fn star_tips() -> serde_json::Value {
    let tip = |key: &str, zh: &str, en: &str| serde_json::json!({"key": key, "name_zh": zh, "name_en": en, "sigma": 0.05});
    serde_json::json!({
        "layout": "one",
        "fields": [{"name": "image", "kind": "image", "title_zh": "图片", "title_en": "Picture"}],
        "questions": [
            {"key": "tips", "kind": "keypoints", "field": "image",
             "title_zh": "点出星星的五个角", "title_en": "Place the star's five tips",
             "options": [option("star", "星形", "Star", Some('s'), None)],
             "settings": {"skeleton": {
                "points": [
                    tip("top", "上", "Top"),
                    tip("upper_right", "右上", "Upper right"),
                    tip("lower_right", "右下", "Lower right"),
                    tip("lower_left", "左下", "Lower left"),
                    tip("upper_left", "左上", "Upper left")],
                "edges": [[0, 2], [2, 4], [4, 1], [1, 3], [3, 0]]}}}
        ]
    })
}

/// The rotated-box order's template: each shape in a box turned to fit it.
fn shape_turned() -> serde_json::Value {
    serde_json::json!({
        "layout": "one",
        "fields": [{"name": "image", "kind": "image", "title_zh": "图片", "title_en": "Picture"}],
        "questions": [
            {"key": "turned", "kind": "rotated_box", "field": "image",
             "title_zh": "给每个形状画一个贴边的斜框", "title_en": "Box every shape, turned to fit",
             "options": shape_options()}
        ]
    })
}

/// The mask order's template: each shape painted with the brush.
fn shape_painted() -> serde_json::Value {
    serde_json::json!({
        "layout": "one",
        "fields": [{"name": "image", "kind": "image", "title_zh": "图片", "title_en": "Picture"}],
        "questions": [
            {"key": "paint", "kind": "mask", "field": "image",
             "title_zh": "把每个形状涂满", "title_en": "Paint every shape",
             "options": shape_options()}
        ]
    })
}

/// The polyline order's template: the bottom (and top) edge of each shape as a line.
fn shape_edges() -> serde_json::Value {
    serde_json::json!({
        "layout": "one",
        "fields": [{"name": "image", "kind": "image", "title_zh": "图片", "title_en": "Picture"}],
        "questions": [
            {"key": "edges", "kind": "polyline", "field": "image",
             "title_zh": "沿每个形状的底边画一条线", "title_en": "Draw each shape's bottom edge",
             "options": [
                option("bottom", "底边", "Bottom edge", Some('1'), None),
                option("top", "顶边", "Top edge", Some('2'), None)]}
        ]
    })
}

/// "Check and fix": two orders whose items open with a model's answer, computed here from
/// the data by two small real models — a naive-Bayes classifier of the reviews' characters
/// (each review left out of its own training) and a detector of the shapes pictures' boxes
/// (the non-background pixels' connected parts, each named by how much of its box it
/// fills). A gold item may show a planted known-wrong suggestion instead (`plant_share`).
async fn suggested_orders(
    svc: &Services,
    org_id: OrgId,
    client_id: UserId,
    shapes_id: DatasetId,
) -> anyhow::Result<()> {
    use mudou_domain::suggest;
    use mudou_store::{NewSuggestion, SuggestionSource};
    let store = &svc.store;
    let reviews = store
        .dataset_by_name(org_id, "评价示例")
        .await?
        .context("the reviews dataset")?;
    let specs = [
        (
            DatasetId::new(reviews.id),
            serde_json::json!({
                "name": "检查评论",
                "task_type": "text_classification",
                "labels": [
                    label("good", "好评", "Good", "#2e7d32", '1', &[]),
                    label("bad", "差评", "Bad", "#c62828", '2', &[]),
                    label("neutral", "一般", "So-so", "#616161", '3', &[]),
                ],
                "instructions": "模型已经替你选好了一个（有🤖标记）。读一读评价：对就按回车或点“✔ 接受”，不对就点正确的那个。",
                "overlap": {"kind": "dynamic", "min": 2, "max": 3, "target": 0.8},
                "gold_share": 0.2,
                "max_gold_items": 6,
                "unit_size": 5,
                "piece_rate_fen": 4,
                "priority": 1,
                "suggestions": {"check_rate_fen": 2, "fix_rate_fen": 5, "plant_share": 0.5, "trust": 0.8}
            }),
        ),
        (
            shapes_id,
            serde_json::json!({
                "name": "检查框",
                "task_type": "bbox",
                "labels": shape_labels_plain(),
                "instructions": "模型已经画好了框（有🤖标记）。框对就按回车或点“✔ 接受”；不对就拖动改好、删掉或补画，再点“完成”。",
                "overlap": {"kind": "fixed", "n": 2},
                "gold_share": 0.2,
                "max_gold_items": 10,
                "unit_size": 5,
                "piece_rate_fen": 20,
                "priority": 1,
                "suggestions": {"check_rate_fen": 4, "fix_rate_fen": 10, "plant_share": 0.3}
            }),
        ),
    ];
    for (dataset, spec) in specs {
        let spec: mudou_domain::OrderSpec =
            serde_json::from_value(spec).context("a suggested demo order")?;
        let order =
            mudou_app::orders::create_published(svc, org_id, client_id, dataset, &spec).await?;
        let order_id = OrderId::new(order.id);
        let items = store.list_items(org_id, dataset, 0, 10_000).await?;
        let (model, version, answers) = if spec.task_type == mudou_domain::TaskType::Bbox {
            let mut out = Vec::new();
            for i in &items {
                let file = Shapes::get(&i.file_name)
                    .with_context(|| format!("{} is embedded", i.file_name))?;
                let (boxes, score) = detect_shapes(&file.data)?;
                if !boxes.is_empty() {
                    out.push((i.id, serde_json::json!({ "boxes": boxes }), score));
                }
            }
            ("bbox-pixels", "v1", out)
        } else {
            let docs: Vec<(i64, String, String)> = items
                .iter()
                .filter_map(|i| {
                    let g: serde_json::Value = serde_json::from_str(i.gold.as_deref()?).ok()?;
                    Some((i.id, i.body.clone()?, g["label"].as_str()?.to_owned()))
                })
                .collect();
            let out = docs
                .iter()
                .enumerate()
                .filter_map(|(k, (id, text, _))| {
                    let (label, p) = naive_bayes(&docs, k, text)?;
                    Some((*id, serde_json::json!({ "label": label }), p))
                })
                .collect();
            ("nb-words", "v1", out)
        };
        // Each answer checked against the order as any suggestion is; none may fail here.
        let mut list = Vec::new();
        for (item_id, answer, score) in answers {
            let sizes = store.item_sizes(ItemId::new(item_id)).await?;
            let answer =
                mudou_app::orders::place_answer(store, &spec, ItemId::new(item_id), &answer)
                    .await
                    .map_err(|e| anyhow::anyhow!("a demo suggestion for item {item_id}: {e}"))?;
            let answer = suggest::check(&spec, &answer, &sizes)
                .map_err(|e| anyhow::anyhow!("a demo suggestion for item {item_id}: {e:?}"))?;
            list.push(NewSuggestion {
                item_id,
                answer: answer.to_string(),
                model: model.into(),
                model_version: Some(version.into()),
                score: Some((score * 1000.0).round() / 1000.0),
                source: SuggestionSource::Import,
            });
        }
        // Known-wrong answers on a share of the gold items: another item's known answer.
        let share = spec.suggestions.as_ref().map_or(0.0, |p| p.plant_share);
        let gold_of = |i: &mudou_store::Item| -> Option<serde_json::Value> {
            let g: serde_json::Value = serde_json::from_str(i.gold.as_deref()?).ok()?;
            Some(if spec.task_type == mudou_domain::TaskType::Bbox {
                serde_json::json!({ "boxes": g.get("boxes")? })
            } else {
                serde_json::json!({ "label": g.get("label")? })
            })
        };
        let donors: Vec<serde_json::Value> = items.iter().filter_map(gold_of).collect();
        for gold_id in store.order_gold_items(order_id).await? {
            if suggest::draw(order.id, gold_id) >= share {
                continue;
            }
            let Some(gold) = items.iter().find(|i| i.id == gold_id).and_then(gold_of) else {
                continue;
            };
            if let Some(wrong) = suggest::plant(&spec, &gold, &donors, gold_id as u64) {
                list.push(NewSuggestion {
                    item_id: gold_id,
                    answer: wrong.to_string(),
                    model: model.into(),
                    model_version: Some(version.into()),
                    score: Some(0.9),
                    source: SuggestionSource::Planted,
                });
            }
        }
        let put = store.put_suggestions(order_id, &list, now_millis()).await?;
        tracing::info!(order = %spec.name, model, stored = put.stored, "the demo's model suggestions");
        if spec.task_type == mudou_domain::TaskType::TextClassification {
            let labels = crate::simulate::checked_answers(
                svc,
                org_id,
                dataset,
                order_id,
                &spec,
                now_millis(),
            )
            .await?;
            tracing::info!(labels, "simulated the checked reviews' past work");
        }
    }
    Ok(())
}

/// The four shapes as plain labels (keys 1–4, no example pictures).
fn shape_labels_plain() -> Vec<serde_json::Value> {
    [
        ("circle", "圆形", "Circle", "#1e88e5", '1'),
        ("square", "方形", "Square", "#e53935", '2'),
        ("triangle", "三角形", "Triangle", "#43a047", '3'),
        ("star", "星形", "Star", "#fb8c00", '4'),
    ]
    .into_iter()
    .map(|(k, zh, en, c, h)| label(k, zh, en, c, h, &[]))
    .collect()
}

/// The characters and character pairs of a text (Chinese has no spaces between words).
fn grams(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().filter(|c| c.is_alphanumeric()).collect();
    let mut out: Vec<String> = chars.iter().map(|c| c.to_string()).collect();
    out.extend(chars.windows(2).map(|w| w.iter().collect::<String>()));
    out
}

/// A multinomial naive-Bayes classifier over [`grams`], trained on every document of `docs`
/// (`(id, text, label)`) but the `left_out`-th, applied to `text`: the most likely label and
/// its posterior probability. `None` without training documents.
fn naive_bayes(
    docs: &[(i64, String, String)],
    left_out: usize,
    text: &str,
) -> Option<(String, f64)> {
    use std::collections::{BTreeMap, HashMap, HashSet};
    let mut classes: BTreeMap<&str, (usize, HashMap<String, f64>, f64)> = BTreeMap::new();
    let mut vocab: HashSet<String> = HashSet::new();
    let mut n = 0usize;
    for (k, (_, t, l)) in docs.iter().enumerate() {
        if k == left_out {
            continue;
        }
        n += 1;
        let c = classes.entry(l.as_str()).or_default();
        c.0 += 1;
        for g in grams(t) {
            *c.1.entry(g.clone()).or_default() += 1.0;
            c.2 += 1.0;
            vocab.insert(g);
        }
    }
    if n == 0 {
        return None;
    }
    let v = vocab.len() as f64;
    let logs: Vec<(&str, f64)> = classes
        .iter()
        .map(|(l, (docs_in, counts, total))| {
            let prior = (*docs_in as f64 / n as f64).ln();
            let words: f64 = grams(text)
                .iter()
                .map(|g| ((counts.get(g).copied().unwrap_or(0.0) + 1.0) / (total + v)).ln())
                .sum();
            (*l, prior + words)
        })
        .collect();
    let best = logs.iter().copied().max_by(|a, b| a.1.total_cmp(&b.1))?;
    let z: f64 = logs.iter().map(|(_, x)| (x - best.1).exp()).sum();
    Some((best.0.to_owned(), 1.0 / z))
}

/// A trivial detector for the shapes pictures: a pixel is background when its colour
/// (in steps of 8) is near one seen on the picture's edge; each connected part of the other
/// pixels of at least 300 px is a shape, its box the part's bounds and its class from the
/// share of the box it fills (a circle π/4, a triangle about ½, a star about 0.39, a square
/// the rest). Returns the boxes (largest first) and a score: how clearly the fills fell
/// to their classes, on average.
fn detect_shapes(bytes: &[u8]) -> anyhow::Result<(Vec<serde_json::Value>, f64)> {
    use std::collections::HashSet;
    let img = image::load_from_memory(bytes)
        .context("a demo picture decodes")?
        .to_rgb8();
    let (w, h) = (img.width() as usize, img.height() as usize);
    let q = |x: usize, y: usize| -> [i16; 3] {
        let p = img.get_pixel(x as u32, y as u32).0;
        [p[0] as i16 / 8, p[1] as i16 / 8, p[2] as i16 / 8]
    };
    let mut background: HashSet<[i16; 3]> = HashSet::new();
    let edge = (0..w)
        .flat_map(|x| [(x, 0), (x, h - 1)])
        .chain((0..h).flat_map(|y| [(0, y), (w - 1, y)]));
    for (x, y) in edge {
        let c = q(x, y);
        for d0 in -1..=1 {
            for d1 in -1..=1 {
                for d2 in -1..=1 {
                    background.insert([c[0] + d0, c[1] + d1, c[2] + d2]);
                }
            }
        }
    }
    let mut fg = vec![false; w * h];
    for y in 0..h {
        for x in 0..w {
            fg[y * w + x] = !background.contains(&q(x, y));
        }
    }
    let mut seen = vec![false; w * h];
    let mut found: Vec<(usize, [usize; 4])> = Vec::new();
    for start in 0..w * h {
        if !fg[start] || seen[start] {
            continue;
        }
        seen[start] = true;
        let mut stack = vec![start];
        let (mut area, mut x0, mut y0, mut x1, mut y1) = (0usize, w, h, 0usize, 0usize);
        while let Some(p) = stack.pop() {
            let (x, y) = (p % w, p / w);
            area += 1;
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
            let mut push = |nx: usize, ny: usize| {
                let k = ny * w + nx;
                if fg[k] && !seen[k] {
                    seen[k] = true;
                    stack.push(k);
                }
            };
            if x > 0 {
                push(x - 1, y);
            }
            if x + 1 < w {
                push(x + 1, y);
            }
            if y > 0 {
                push(x, y - 1);
            }
            if y + 1 < h {
                push(x, y + 1);
            }
        }
        if area >= 300 {
            found.push((area, [x0, y0, x1 - x0 + 1, y1 - y0 + 1]));
        }
    }
    found.sort_by_key(|f| std::cmp::Reverse(f.0));
    let mut boxes = Vec::new();
    let mut sure = 0.0;
    for (area, [x, y, bw, bh]) in &found {
        let fill = *area as f64 / (bw * bh) as f64;
        let centres = [
            ("circle", 0.785),
            ("triangle", 0.48),
            ("star", 0.385),
            ("square", 0.53),
            ("square", 0.9),
        ];
        let mut by: Vec<(&str, f64)> = centres
            .iter()
            .map(|(l, c)| (*l, (fill - c).abs()))
            .collect();
        by.sort_by(|a, b| a.1.total_cmp(&b.1));
        let second = by.iter().find(|(l, _)| *l != by[0].0).map_or(1.0, |s| s.1);
        sure += 0.5 + 0.5 * ((second - by[0].1) / 0.1).min(1.0);
        boxes.push(serde_json::json!({"label": by[0].0, "x": x, "y": y, "w": bw, "h": bh}));
    }
    let score = if boxes.is_empty() {
        0.0
    } else {
        sure / boxes.len() as f64
    };
    Ok((boxes, score))
}

#[cfg(test)]
mod suggest_tests {
    use super::*;

    /// The reviews' classifier, each review left out of its own training, is right on most.
    #[test]
    fn naive_bayes_reads_the_reviews() {
        let rows = mudou_media::parse_text_items(
            mudou_media::TableFormat::Csv,
            "reviews.csv",
            REVIEWS.as_bytes(),
        )
        .unwrap();
        let docs: Vec<(i64, String, String)> = rows
            .into_iter()
            .enumerate()
            .map(|(k, r)| (k as i64, r.text, r.label.unwrap()))
            .collect();
        let right = (0..docs.len())
            .filter(|&k| naive_bayes(&docs, k, &docs[k].1).unwrap().0 == docs[k].2)
            .count();
        assert!(right * 2 > docs.len(), "{right} of {}", docs.len());
        assert!(right < docs.len(), "left out, it cannot be perfect here");
        let (_, p) = naive_bayes(&docs, 0, &docs[0].1).unwrap();
        assert!(p > 0.0 && p <= 1.0);
    }

    /// The detector's main box fits the known one on nearly every shapes picture.
    #[test]
    fn detector_finds_the_shapes() {
        let manifest = Shapes::get("manifest.csv").unwrap();
        let rows = mudou_media::parse_manifest(
            mudou_media::TableFormat::Csv,
            "manifest.csv",
            &manifest.data,
        )
        .unwrap();
        let iou = |a: [f64; 4], b: [f64; 4]| {
            let iw = ((a[0] + a[2]).min(b[0] + b[2]) - a[0].max(b[0])).max(0.0);
            let ih = ((a[1] + a[3]).min(b[1] + b[3]) - a[1].max(b[1])).max(0.0);
            iw * ih / (a[2] * a[3] + b[2] * b[3] - iw * ih)
        };
        let (mut fits, mut named) = (0, 0);
        for r in &rows {
            let file = Shapes::get(&r.file).unwrap();
            let (boxes, score) = detect_shapes(&file.data).unwrap();
            assert!((0.0..=1.0).contains(&score));
            let known = &r.boxes.as_ref().unwrap()[0];
            let k = [known.x, known.y, known.w, known.h];
            let best = boxes
                .iter()
                .map(|b| {
                    let d = [
                        b["x"].as_f64().unwrap(),
                        b["y"].as_f64().unwrap(),
                        b["w"].as_f64().unwrap(),
                        b["h"].as_f64().unwrap(),
                    ];
                    (iou(d, k), b["label"].as_str().unwrap() == known.label)
                })
                .max_by(|a, b| a.0.total_cmp(&b.0));
            if let Some((i, same)) = best
                && i > 0.7
            {
                fits += 1;
                named += usize::from(same);
            }
        }
        assert!(fits >= 54, "{fits} of {} boxes fit", rows.len());
        assert!(
            named * 10 >= fits * 7 && named < fits,
            "{named} of {fits} named right"
        );
    }
}
