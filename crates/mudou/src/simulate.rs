//! Simulated history for the demo: annotators of known quality work through orders over the
//! past days on a simulated clock. The orders are published with the client's use-case
//! (`mudou_app::orders`); the work goes through the same store functions the annotators'
//! writes end in (`lease_unit`, `submit_label` with the live consensus of
//! `mudou_domain::live`, `finish_assignment`), so everything that follows labels — the pay
//! ledger, the throughput rollups, the lead engineer's consensus, quality rules — sees
//! exactly what real work would produce.
//!
//! Each past day gets a finished order of the shapes pictures and one of the shop reviews;
//! today gets one that is left partly open (so some pay is still pending, and people can
//! finish it live, after the demo's own open orders). Everything is seeded: the same seed
//! gives the same history.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use anyhow::Context;
use mudou_app::Services;
use mudou_domain::{
    Answer, AssignmentId, Calendar, CentreId, DatasetId, Finish, OrderId, OrderSpec, OrgId, PayOn,
    UserId,
};
use mudou_store::{Assignment, NewLabel, SubmitOutcome, UserFilter};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// How a simulated person works.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Worker {
    /// Chance of the right answer.
    pub accuracy: f64,
    /// Typical seconds per answer.
    pub seconds: f64,
    /// Chance of skipping an item.
    pub skips: f64,
}

/// The demo's people by name: careful to careless. 杨洋 is the careless, too-fast one.
pub fn profile(name: &str) -> Worker {
    let (accuracy, seconds) = match name {
        "王芳" => (0.97, 5.0),
        "李娜" => (0.95, 6.0),
        "张丽" => (0.92, 7.0),
        "刘静" => (0.88, 8.0),
        "陈杰" => (0.85, 6.5),
        "杨洋" => (0.40, 1.2),
        _ => (0.90, 7.0),
    };
    Worker {
        accuracy,
        seconds,
        skips: if accuracy < 0.5 { 0.0 } else { 0.01 },
    }
}

/// What the simulation did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    pub orders: usize,
    pub labels: usize,
    pub units: usize,
}

/// An annotator asked about an item of the order this morning (`at` is midday): the centre's
/// lead answered, and the client made the answer an example of the instructions. The new
/// version, if there was an item to ask about.
async fn promote_a_question(
    svc: &Services,
    org_id: OrgId,
    client_id: UserId,
    order_id: OrderId,
    at: i64,
) -> anyhow::Result<Option<i64>> {
    let store = &svc.store;
    let Some(lead) = store
        .list_users(&UserFilter {
            role: Some(mudou_domain::Role::Lead),
            ..Default::default()
        })
        .await?
        .into_iter()
        .next()
    else {
        return Ok(None);
    };
    let Some(centre) = lead.centre_id else {
        return Ok(None);
    };
    let given = store.latest_given_items(centre, 200).await?;
    let Some(&(assignment, annotator, _, item)) = given.iter().find(|g| g.2 == order_id.get())
    else {
        return Ok(None);
    };
    let id = store
        .insert_question(&mudou_store::NewQuestion {
            centre_id: centre.get(),
            asker_id: annotator,
            assignment_id: assignment,
            order_id: order_id.get(),
            item_id: item,
            reason: "unclear".into(),
            body: Some("图有点模糊，最大的那个看不太清，怎么选？".into()),
            voice: None,
            hold: false,
            created_at: at - 2 * 3_600_000,
        })
        .await?;
    let words = "模糊的图也看最大的那个形状：有尖角就选“星形”，看不出来再跳过";
    store
        .answer_question(
            id,
            &mudou_store::NewAnswer {
                body: Some(words.into()),
                voice: None,
                picture: None,
                by: lead.id.get(),
                at: at - 3_600_000,
                lease_until: at,
            },
        )
        .await?;
    let change = mudou_app::orders::InstructionsChange {
        instructions: None,
        example_item_id: Some(item),
        example_words: Some(words.into()),
    };
    let v = mudou_app::orders::new_instructions_version(svc, org_id, order_id, &change, client_id)
        .await?;
    Ok(Some(v.version))
}

struct Person {
    id: UserId,
    centre_id: CentreId,
    profile: Worker,
    /// Planned unit starts for the day, latest first.
    slots: Vec<i64>,
    unit: Option<(Assignment, Vec<i64>, usize)>,
}

/// One order to work through between `start` and `end` (Unix ms).
struct Day<'a> {
    order_id: OrderId,
    spec: &'a OrderSpec,
    truth: &'a HashMap<i64, String>,
    start: i64,
    end: i64,
    /// Times each person comes to the order.
    visits: usize,
    /// Keep coming back until the order is done (past days), or stop after the visits
    /// (today: the rest is left open).
    finish: bool,
    /// The instructions version labels are made under (`None`: the first, as published).
    instructions_version: Option<i64>,
}

const LEASE_MS: i64 = 10 * 60 * 1000;

fn uuid(rng: &mut ChaCha8Rng) -> String {
    let v: u128 = rng.random();
    let h = format!("{v:032x}");
    format!(
        "{}-{}-4{}-a{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

/// The answer a worker gives: right with their accuracy, otherwise another label.
fn answer(rng: &mut ChaCha8Rng, spec: &OrderSpec, truth: Option<&str>, w: &Worker) -> String {
    let keys: Vec<&str> = spec.labels.iter().map(|l| l.key.as_str()).collect();
    let right = truth.filter(|t| keys.contains(t));
    let pick = match right {
        Some(t) if rng.random_bool(w.accuracy) => t,
        Some(t) => {
            let others: Vec<&str> = keys.iter().copied().filter(|k| *k != t).collect();
            others[rng.random_range(0..others.len())]
        }
        None => keys[rng.random_range(0..keys.len())],
    };
    serde_json::json!({ "label": pick }).to_string()
}

/// Seconds for one answer: the worker's typical time, give or take.
fn seconds(rng: &mut ChaCha8Rng, w: &Worker) -> f64 {
    let f: f64 = rng.random_range(0.6..1.6);
    (w.seconds * f).max(0.5)
}

async fn work_day(
    svc: &Services,
    rng: &mut ChaCha8Rng,
    people: &mut [Person],
    day: &Day<'_>,
    out: &mut Summary,
) -> anyhow::Result<()> {
    let store = &svc.store;
    // Each person comes to this order a few times over the day, at random moments.
    let mut queue: BinaryHeap<Reverse<(i64, usize)>> = BinaryHeap::new();
    for (i, p) in people.iter_mut().enumerate() {
        let span = (day.end - day.start).max(1);
        let mut slots: Vec<i64> = (0..day.visits)
            .map(|_| day.start + rng.random_range(0..span))
            .collect();
        slots.sort_unstable_by(|a, b| b.cmp(a));
        let first = slots.pop().unwrap_or(day.start);
        p.slots = slots;
        p.unit = None;
        queue.push(Reverse((first, i)));
    }
    while let Some(Reverse((t, i))) = queue.pop() {
        if t >= day.end {
            continue;
        }
        let p = &mut people[i];
        if p.unit.is_none() {
            let Some(a) = store
                .lease_unit(
                    day.order_id,
                    p.id,
                    p.centre_id,
                    t,
                    LEASE_MS,
                    day.spec.unit_size as i64,
                )
                .await?
            else {
                continue; // nothing left for this person on this order
            };
            let items: Vec<i64> = store
                .assignment_items(&a)
                .await?
                .into_iter()
                .filter(|it| it.answer.is_none() && it.skip_reason.is_none())
                .map(|it| it.item_id)
                .collect();
            out.units += 1;
            p.unit = Some((a, items, 0));
        }
        let Some((a, items, next)) = p.unit.as_mut() else {
            continue;
        };
        if *next >= items.len() {
            store
                .finish_assignment(p.id, AssignmentId::new(a.id), Finish::Submit, t)
                .await
                .context("submitting a simulated unit")?;
            p.unit = None;
            let again = match p.slots.pop() {
                Some(s) => s,
                None if day.finish => t + rng.random_range(60_000..900_000),
                None => continue,
            };
            queue.push(Reverse((again.max(t + 1000), i)));
            continue;
        }
        let item = items[*next];
        *next += 1;
        let spent = seconds(rng, &p.profile);
        let at = t + (spent * 1000.0) as i64;
        let skip = rng.random_bool(p.profile.skips);
        let given = (!skip).then(|| {
            answer(
                rng,
                day.spec,
                day.truth.get(&item).map(String::as_str),
                &p.profile,
            )
        });
        let parsed: Option<Answer> = given.as_deref().and_then(|g| serde_json::from_str(g).ok());
        let label = NewLabel {
            client_uuid: uuid(rng),
            assignment_id: a.id,
            item_id: item,
            annotator_id: p.id.get(),
            pay_fen: day.spec.pay_for(parsed.as_ref()),
            pay_on_submit: day.spec.pay_on == PayOn::Submit,
            answer: given,
            skip_reason: skip.then(|| "unclear".to_owned()),
            client_ms: (spent * 1000.0) as i64,
            server_ms: 3,
            instructions_version: day.instructions_version,
            suggestion_id: None,
            suggestion_outcome: None,
        };
        let spec = day.spec;
        let outcome = store
            .submit_label(&label, at, LEASE_MS, |it| {
                mudou_domain::live::decide(spec, it)
            })
            .await?;
        if matches!(outcome, Ok(SubmitOutcome::Stored { replay: false, .. })) {
            out.labels += 1;
        }
        queue.push(Reverse((at + rng.random_range(500..3000), i)));
    }
    // Nobody keeps a lease at the end of the day.
    for p in people.iter_mut() {
        if let Some((a, _, _)) = p.unit.take() {
            store
                .finish_assignment(p.id, AssignmentId::new(a.id), Finish::Submit, day.end)
                .await?;
        }
    }
    Ok(())
}

/// The human-proofread reference answers of the MT-Bench prompts (Chinese), by the prompt's
/// first turn: what a careful writer of the demo writes where the prompt has one.
const REFERENCES: &str = include_str!("../../../datasets/llm/mt_bench_zh/sft.jsonl");

/// A demo writer's own plain answers, where the prompt has no reference.
const PLAIN: [&str; 4] = [
    "先说结论：可以做到，但要分三步。\n\n1. 先弄清楚问题问的是什么；\n2. 用简单的话把道理讲明白，举一个身边的例子；\n3. 不确定的地方直接说出来，不乱编。",
    "这个问题可以从两方面看。\n\n**好处**：省时间，也省钱。\n\n**坏处**：一开始要多学一点东西。\n\n总的来说，值得试一试。",
    "我的看法是：这件事要看具体情况。一般来说，先把目标想清楚，再一步一步去做，遇到不懂的就问懂行的人。",
    "简单地说：先做最要紧的一件事，做完再看下一件。每做完一步，回头检查一遍有没有错。",
];

/// What a demo writer writes on the `i`-th item of their unit: the reference answer where
/// the prompt has one (the second writer only its first paragraph, a shorter answer), else
/// their own plain answer; the third item copies the prompt (so the lead's review shows a
/// flag). `None`: copy the prompt.
fn written(writer: usize, i: usize, prompt: &str) -> Option<String> {
    if i == 2 {
        return None;
    }
    let reference = REFERENCES.lines().find_map(|l| {
        let v: serde_json::Value = serde_json::from_str(l).ok()?;
        let m = v["messages"].as_array()?;
        (m.first()?["content"].as_str()? == prompt)
            .then(|| m.get(1)?["content"].as_str().map(str::to_owned))?
    });
    Some(match (reference, writer) {
        (Some(r), 0) => r,
        (Some(r), _) => r.split("\n\n").next().unwrap_or(&r).to_owned(),
        (None, w) => PLAIN[(w * 2 + i) % PLAIN.len()].to_owned(),
    })
}

/// The units of `order_id` the first two annotators take, the k-th at `first + k × step`:
/// each with k, who took it, the unit and when (one without a centre or a unit left out).
async fn two_annotators_units(
    svc: &Services,
    order_id: OrderId,
    spec: &OrderSpec,
    first: i64,
    step: i64,
) -> anyhow::Result<Vec<(usize, UserId, Assignment, i64)>> {
    let store = &svc.store;
    let annotators = store
        .list_users(&UserFilter {
            role: Some(mudou_domain::Role::Annotator),
            ..Default::default()
        })
        .await?;
    let mut units = Vec::new();
    for (k, u) in annotators.iter().take(2).enumerate() {
        let Some(centre_id) = u.centre_id else {
            continue;
        };
        let t = first + k as i64 * step;
        let unit = store
            .lease_unit(
                order_id,
                u.id,
                centre_id,
                t,
                LEASE_MS,
                spec.unit_size as i64,
            )
            .await?;
        if let Some(a) = unit {
            units.push((k, u.id, a, t));
        }
    }
    Ok(units)
}

/// One simulated answer of `user` on an item of their unit `a`, stored as the workbench's
/// would be (paid as the order pays, decided by the live consensus): `answer` its JSON and,
/// when it reads, the answer; `spent` seconds of work ending at `at`. Whether it was stored
/// anew; a refusal stops the demo.
#[allow(clippy::too_many_arguments)]
async fn submit_simulated(
    svc: &Services,
    spec: &OrderSpec,
    rng: &mut ChaCha8Rng,
    a: &Assignment,
    user: UserId,
    item_id: i64,
    answer: (String, Option<&Answer>),
    spent: f64,
    at: i64,
) -> anyhow::Result<bool> {
    submit_shown(svc, spec, rng, a, user, item_id, answer, None, spent, at).await
}

/// [`submit_simulated`] of an answer given to an item that showed the model's suggestion
/// `shown` (`(id, answer)`): what was done with it and its pay worked out as the server's
/// label route does (`mudou_domain::suggest`).
#[allow(clippy::too_many_arguments)]
async fn submit_shown(
    svc: &Services,
    spec: &OrderSpec,
    rng: &mut ChaCha8Rng,
    a: &Assignment,
    user: UserId,
    item_id: i64,
    answer: (String, Option<&Answer>),
    shown: Option<(i64, &serde_json::Value)>,
    spent: f64,
    at: i64,
) -> anyhow::Result<bool> {
    let did = shown.and_then(|(_, sug)| {
        mudou_domain::suggest::outcome(spec, sug, answer.1.map(|x| x.to_json()).as_ref())
    });
    let label = NewLabel {
        client_uuid: uuid(rng),
        assignment_id: a.id,
        item_id,
        annotator_id: user.get(),
        pay_fen: mudou_domain::suggest::pay_for(spec, answer.1, did),
        pay_on_submit: spec.pay_on == PayOn::Submit,
        answer: Some(answer.0),
        skip_reason: None,
        client_ms: (spent * 1000.0) as i64,
        server_ms: 3,
        instructions_version: None,
        suggestion_id: shown.map(|(id, _)| id),
        suggestion_outcome: did.map(mudou_domain::suggest::Outcome::as_str),
    };
    let outcome = svc
        .store
        .submit_label(&label, at, LEASE_MS, |x| {
            mudou_domain::live::decide(spec, x)
        })
        .await?;
    match outcome {
        Ok(SubmitOutcome::Stored { replay, .. }) => Ok(!replay),
        Ok(_) => Ok(false),
        Err(why) => anyhow::bail!("a simulated answer was refused: {why:?}"),
    }
}

/// A few written answers on a writing order (overlap 1): two of the centre's annotators each
/// take a unit and write three answers, the third copied from the prompt. Each waits in the
/// lead's review. Returns how many were stored.
pub async fn written_answers(
    svc: &Services,
    order_id: OrderId,
    spec: &OrderSpec,
    now: i64,
) -> anyhow::Result<usize> {
    let store = &svc.store;
    let key = spec
        .template()
        .questions
        .iter()
        .find(|q| q.kind == "writing")
        .map(|q| q.key.clone())
        .context("a writing order asks a writing question")?;
    let mut rng = ChaCha8Rng::seed_from_u64(27);
    let mut stored = 0;
    for (n, u, a, t) in two_annotators_units(svc, order_id, spec, now - 3_600_000, 600_000).await? {
        let items = store.assignment_items(&a).await?;
        for (i, it) in items.iter().take(3).enumerate() {
            let prompt = it
                .fields()
                .iter()
                .find(|f| f.name == "prompt")
                .and_then(|f| f.text.as_deref())
                .and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok())
                .and_then(|p| {
                    p.as_array()?.iter().rev().find(|m| m["role"] == "user")?["content"]
                        .as_str()
                        .map(str::to_owned)
                })
                .unwrap_or_else(|| "不知道".to_owned());
            let text = written(n, i, &prompt).unwrap_or(prompt);
            // As written, not as checked: the copied prompt may be shorter than the order's
            // least, and the demo keeps it to show its flag.
            let given = serde_json::json!({ key.as_str(): text }).to_string();
            let parsed: Option<Answer> = serde_json::from_str(&given).ok();
            let spent = 90.0 + 30.0 * i as f64;
            let at = t + ((i + 1) as f64 * spent * 1000.0) as i64;
            let answer = (given, parsed.as_ref());
            if submit_simulated(svc, spec, &mut rng, &a, u, it.item_id, answer, spent, at).await? {
                stored += 1;
            }
        }
        store
            .finish_assignment(u, AssignmentId::new(a.id), Finish::Submit, now - 60_000)
            .await?;
    }
    Ok(stored)
}

/// The shapes known on each item of a dataset, from its known answers' boxes (`{"boxes":
/// [{"label", "x", "y", "w", "h"}]}`): label and `[x, y, w, h]`.
pub(crate) async fn truth_boxes(
    svc: &Services,
    org_id: OrgId,
    dataset_id: DatasetId,
) -> anyhow::Result<HashMap<i64, Vec<(String, [f64; 4])>>> {
    let items = svc.store.list_items(org_id, dataset_id, 0, 10_000).await?;
    Ok(items
        .into_iter()
        .filter_map(|i| {
            let g: serde_json::Value = serde_json::from_str(i.gold.as_deref()?).ok()?;
            let boxes = g["boxes"]
                .as_array()?
                .iter()
                .filter_map(|b| {
                    Some((
                        b["label"].as_str()?.to_owned(),
                        [
                            b["x"].as_f64()?,
                            b["y"].as_f64()?,
                            b["w"].as_f64()?,
                            b["h"].as_f64()?,
                        ],
                    ))
                })
                .collect::<Vec<_>>();
            Some((i.id, boxes))
        })
        .collect())
}

/// The outline of a shape of the demo's pictures inside its box: a circle (as 32 points), a
/// triangle standing on its base, a five-pointed star, or the box itself (a square).
fn outline(label: &str, [x, y, w, h]: [f64; 4]) -> Vec<[f64; 2]> {
    let (cx, cy, rx, ry) = (x + w / 2.0, y + h / 2.0, w / 2.0, h / 2.0);
    let round = |n: usize, r: &dyn Fn(usize) -> f64, turn: f64| -> Vec<[f64; 2]> {
        (0..n)
            .map(|i| {
                let a = turn + i as f64 * std::f64::consts::TAU / n as f64;
                [cx + rx * r(i) * a.cos(), cy + ry * r(i) * a.sin()]
            })
            .collect()
    };
    match label {
        "circle" => round(32, &|_| 1.0, 0.0),
        "triangle" => vec![[cx, y], [x + w, y + h], [x, y + h]],
        "star" => round(
            10,
            &|i| if i % 2 == 0 { 1.0 } else { 0.42 },
            -std::f64::consts::FRAC_PI_2,
        ),
        _ => vec![[x, y], [x + w, y], [x + w, y + h], [x, y + h]],
    }
}

/// What demo drawer `who` (0 or 1) draws of a known shape for a question of `kind`
/// (`rotated_box`, `mask` or `polyline`) on a `width`×`height` picture; `off`: the second
/// drawer misreads it (a shape half its size in a corner of the right one, or for a line
/// the shape's top edge instead of its bottom: no match, a disagreement).
fn drawn_shape(
    kind: &str,
    who: usize,
    off: bool,
    (label, b): &(String, [f64; 4]),
    (width, height): (i64, i64),
) -> Option<serde_json::Value> {
    use mudou_consensus::shapes::{Polygon, Rle, RotatedBox};
    let [x, y, w, h] = *b;
    // the second drawer's shape is a little smaller (or, misread, half as big in a corner)
    let b = match (who, off) {
        (0, _) => [x, y, w, h],
        (_, false) => [x + w * 0.03, y + h * 0.03, w * 0.94, h * 0.94],
        (_, true) => [x, y, w * 0.45, h * 0.45],
    };
    let (fw, fh) = (width as f64, height as f64);
    match kind {
        "polyline" => {
            // the bottom edge as three points, the second drawer's a pixel and a half higher
            // (misread: half the top edge); kept inside the picture
            let lift = if who == 0 { 0.0 } else { 1.5 };
            let misread = off && who != 0;
            let (yy, x1) = if misread {
                (y, x + w * 0.5)
            } else {
                (y + h - lift, x + w)
            };
            let at = |px: f64| [px.clamp(0.0, fw), yy.clamp(0.0, fh)];
            Some(
                serde_json::json!({"label": if misread { "top" } else { "bottom" },
                "points": [at(x), at((x + x1) / 2.0), at(x1)]}),
            )
        }
        "rotated_box" => {
            // turned a little (the second drawer the other way), shrunk until inside
            let mut r = RotatedBox {
                cx: b[0] + b[2] / 2.0,
                cy: b[1] + b[3] / 2.0,
                w: b[2],
                h: b[3],
                angle: if who == 0 { 4.0 } else { -3.0 },
            };
            while r.w > 2.0
                && r.corners()
                    .iter()
                    .any(|c| c[0] < 0.0 || c[1] < 0.0 || c[0] > fw || c[1] > fh)
            {
                r.w *= 0.96;
                r.h *= 0.96;
            }
            Some(serde_json::json!({"label": label, "cx": r.cx, "cy": r.cy,
                "w": r.w, "h": r.h, "angle": r.angle}))
        }
        "mask" => {
            let ring = outline(label, b);
            let m = Rle::from_polygon(&Polygon::new(ring), height as u32, width as u32);
            (m.area() > 0).then(|| {
                serde_json::json!({"label": label,
                    "rle": {"size": [height, width], "counts": m.to_compressed()}})
            })
        }
        _ => None,
    }
}

/// A little past work on a drawing order (a `rotated_box`, `mask` or `polyline` question;
/// overlap 2):
/// the centre's first two annotators each take the same unit and draw the known shapes of
/// each picture, close enough to agree (the item settles by consensus) except on the unit's
/// third picture, where the second misreads the shape: a disagreement that waits in the
/// lead's review. Every answer is checked as the workbench's would be. Returns how many were
/// stored.
pub async fn drawn_answers(
    svc: &Services,
    order_id: OrderId,
    spec: &OrderSpec,
    truth: &HashMap<i64, Vec<(String, [f64; 4])>>,
    now: i64,
) -> anyhow::Result<usize> {
    let store = &svc.store;
    let q = spec
        .template()
        .questions
        .iter()
        .find(|q| matches!(q.kind.as_str(), "rotated_box" | "mask" | "polyline"))
        .map(|q| (q.key.clone(), q.kind.clone()))
        .context("a drawing order asks a rotated box, mask or polyline question")?;
    // seeded by the order: each order's labels have their own UUIDs
    let mut rng = ChaCha8Rng::seed_from_u64(28_000 + order_id.get() as u64);
    let mut stored = 0;
    for (who, u, a, t) in
        two_annotators_units(svc, order_id, spec, now - 7_200_000, 900_000).await?
    {
        let items = store.assignment_items(&a).await?;
        for (i, it) in items.iter().enumerate() {
            let (Some(known), Some(size)) = (truth.get(&it.item_id), it.width.zip(it.height))
            else {
                continue;
            };
            let objects: Vec<serde_json::Value> = known
                .iter()
                .filter_map(|k| drawn_shape(&q.1, who, i == 2, k, size))
                .collect();
            let value = serde_json::json!({ q.0.as_str(): objects });
            let parsed = Answer::parse(spec, &value, Some(size))
                .map_err(|e| anyhow::anyhow!("a simulated drawing was refused: {e}"))?;
            let spent = 25.0 + 5.0 * i as f64 + rng.random_range(0.0..10.0);
            let at = t + ((i + 1) as f64 * spent * 1000.0) as i64;
            let answer = (parsed.to_json().to_string(), Some(&parsed));
            if submit_simulated(svc, spec, &mut rng, &a, u, it.item_id, answer, spent, at).await? {
                stored += 1;
            }
        }
        store
            .finish_assignment(u, AssignmentId::new(a.id), Finish::Submit, now - 60_000)
            .await?;
    }
    Ok(stored)
}

/// A little past work on a checked text-classification order (suggestions): the centre's
/// first two annotators each take a unit; the careful one accepts a right suggestion and
/// answers the known label where the model was wrong, the careless one accepts whatever the
/// model said. What each did with the suggestion and its pay (check or fix rate) are stored on
/// the label. Returns how many were stored.
pub async fn checked_answers(
    svc: &Services,
    org_id: OrgId,
    dataset_id: DatasetId,
    order_id: OrderId,
    spec: &OrderSpec,
    now: i64,
) -> anyhow::Result<usize> {
    let store = &svc.store;
    let truth = truths(svc, org_id, dataset_id).await?;
    let mut rng = ChaCha8Rng::seed_from_u64(29_000 + order_id.get() as u64);
    let mut stored = 0;
    for (who, u, a, t) in
        two_annotators_units(svc, order_id, spec, now - 5_400_000, 600_000).await?
    {
        let items = store.assignment_items(&a).await?;
        let ids: Vec<i64> = items.iter().map(|i| i.item_id).collect();
        let shown = store.suggestions_for(order_id, &ids).await?;
        for (i, it) in items.iter().enumerate() {
            let Some(known) = truth.get(&it.item_id) else {
                continue;
            };
            let sug = shown
                .iter()
                .find(|s| s.item_id == it.item_id)
                .and_then(|s| {
                    Some((
                        s.id,
                        serde_json::from_str::<serde_json::Value>(&s.answer).ok()?,
                    ))
                });
            let label = match (&sug, who) {
                (Some((_, v)), 1) => v["label"].as_str().unwrap_or(known).to_owned(),
                _ => known.clone(),
            };
            let value = serde_json::json!({ "label": label });
            let parsed = Answer::parse(spec, &value, None)
                .map_err(|e| anyhow::anyhow!("a simulated check was refused: {e}"))?;
            // accepting is quick; reading and choosing otherwise takes longer
            let spent = 4.0 + rng.random_range(0.0..6.0);
            let at = t + ((i + 1) as f64 * spent * 1000.0) as i64;
            let answer = (parsed.to_json().to_string(), Some(&parsed));
            let sug = sug.as_ref().map(|(id, v)| (*id, v));
            if submit_shown(
                svc, spec, &mut rng, &a, u, it.item_id, answer, sug, spent, at,
            )
            .await?
            {
                stored += 1;
            }
        }
        store
            .finish_assignment(u, AssignmentId::new(a.id), Finish::Submit, now - 60_000)
            .await?;
    }
    Ok(stored)
}

/// The right answer of each item of a dataset, from its known answers (`{"label": …}`).
pub(crate) async fn truths(
    svc: &Services,
    org_id: OrgId,
    dataset_id: DatasetId,
) -> anyhow::Result<HashMap<i64, String>> {
    let items = svc.store.list_items(org_id, dataset_id, 0, 10_000).await?;
    Ok(items
        .into_iter()
        .filter_map(|i| {
            let g: serde_json::Value = serde_json::from_str(i.gold.as_deref()?).ok()?;
            Some((i.id, g["label"].as_str()?.to_owned()))
        })
        .collect())
}

/// Simulates `days` past days of work (and this morning's) ending at `now`.
pub async fn history(
    svc: &Services,
    org_id: OrgId,
    client_id: UserId,
    datasets: &[(DatasetId, OrderSpec)],
    days: i64,
    now: i64,
    seed: u64,
) -> anyhow::Result<Summary> {
    let store = &svc.store;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let annotators = store
        .list_users(&UserFilter {
            role: Some(mudou_domain::Role::Annotator),
            ..Default::default()
        })
        .await?;
    let mut people: Vec<Person> = annotators
        .iter()
        .filter_map(|u| {
            Some(Person {
                id: u.id,
                centre_id: u.centre_id?,
                profile: profile(&u.display_name),
                slots: Vec::new(),
                unit: None,
            })
        })
        .collect();
    let centre = people
        .first()
        .map(|p| p.centre_id)
        .unwrap_or(CentreId::new(0));
    let timezone = store
        .get_centre(centre)
        .await
        .map(|c| c.timezone)
        .unwrap_or_default();
    let cal = Calendar::new(&timezone).unwrap_or_else(|_| Calendar::china());
    let mut truth = HashMap::new();
    for (dataset, _) in datasets {
        truth.extend(truths(svc, org_id, *dataset).await?);
    }
    let mut out = Summary::default();
    let mut changed: Option<OrderId> = None;
    let today = cal.day_start(now);
    for back in (0..=days).rev() {
        let day = cal.add_days(today, -back);
        let (start, end) = if back > 0 {
            (cal.at(day, 9, 0), cal.at(day, 17, 30))
        } else {
            // This morning, up to a few minutes ago; a demo started before 8 o'clock gets
            // today's work since midnight (so today always has some), just after midnight
            // within the day's first minutes.
            let end = (now - 5 * 60_000)
                .max(day + 60_000)
                .min(now.max(day + 60_000));
            let start = (end - 5 * 3_600_000).max(cal.at(day, 8, 0));
            let start = if start >= end {
                (end - 3 * 3_600_000).max(day)
            } else {
                start
            };
            (start.min(end - 1_000), end)
        };
        let date = cal.date_string(day);
        for (dataset, base) in datasets {
            let mut spec = base.clone();
            spec.name = format!("{} · {}", base.name, &date[5..]);
            if back == 0 {
                // Today's stays open, behind the demo's live orders.
                spec.priority = 1;
            }
            let order =
                mudou_app::orders::create_published(svc, org_id, client_id, *dataset, &spec)
                    .await?;
            out.orders += 1;
            let mut d = Day {
                order_id: OrderId::new(order.id),
                spec: &spec,
                truth: &truth,
                start,
                end,
                visits: if back == 0 { 2 } else { 4 },
                finish: back > 0,
                instructions_version: None,
            };
            if back == 1 && changed.is_none() {
                // Yesterday's first order changed its instructions at midday: a question
                // answered in the morning became an example (version 2), and the afternoon's
                // labels are made under it.
                let mid = start + (end - start) / 2;
                let morning = Day {
                    end: mid,
                    visits: 1,
                    finish: false,
                    ..d
                };
                work_day(svc, &mut rng, &mut people, &morning, &mut out).await?;
                let v = promote_a_question(svc, org_id, client_id, d.order_id, mid).await?;
                changed = Some(d.order_id);
                d.start = mid;
                d.visits = 3;
                d.instructions_version = v;
            }
            work_day(svc, &mut rng, &mut people, &d, &mut out).await?;
            if back > 0 {
                store
                    .set_order_state(org_id, OrderId::new(order.id), &["open"], "done", now)
                    .await?;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The demo day: after the simulated history, the ledger adds up, the careless
    /// worker shows as careless, a payroll pays exactly the ledger and a second run changes
    /// nothing.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_demo_day_pays_exactly_what_the_ledger_holds() {
        let dir = tempfile::tempdir().unwrap();
        let app = mudou_server::build(mudou_server::Settings::for_data_dir(dir.path()))
            .await
            .unwrap();
        crate::demo::seed(&app.state).await.unwrap();
        let store = &app.state.store;
        assert!(store.ledger_audit().await.unwrap().is_empty());
        let centre = CentreId::new(store.list_centres().await.unwrap()[0].id);
        let people = store.throughput_workers(centre, 0, i64::MAX).await.unwrap();
        assert_eq!(people.len(), 6);
        let who = |n: &str| people.iter().find(|p| p.display_name == n).unwrap();
        let acc = |n: &str| who(n).gold_correct as f64 / who(n).gold_seen.max(1) as f64;
        assert!(acc("王芳") > 0.8, "{:?}", who("王芳"));
        assert!(acc("王芳") > acc("杨洋") + 0.3);
        assert!(acc("杨洋") < 0.6, "{:?}", who("杨洋"));
        assert!(who("杨洋").answer_ms / who("杨洋").labels.max(1) < 2000);
        assert!(who("杨洋").not_paid > who("王芳").not_paid);
        // Today's order is left partly open: some pay is still pending.
        let mut pending = 0;
        for p in &people {
            let w = mudou_store::Windows {
                today: 0,
                week: 0,
                month: 0,
            };
            pending += store
                .earnings_summary(UserId::new(p.annotator_id), w)
                .await
                .unwrap()
                .pending_fen;
        }
        assert!(pending > 0);
        // The demo's questions: one waits in the lead's queue, one is answered, and
        // yesterday's (answered) became an example of its order's instructions.
        let qs = store.centre_questions(centre, 10).await.unwrap();
        assert_eq!(qs.len(), 3, "{qs:?}");
        assert!(qs[0].answered_at.is_none() && qs[1].answered_at.is_some());
        let promoted = &qs[2];
        let order = OrderId::new(promoted.order_id);
        let versions = store.instructions_versions(order).await.unwrap();
        assert_eq!(versions.len(), 2);
        assert_eq!(versions[0].example_item_id, Some(promoted.item_id));
        // Labels on both sides of the change, and the effect report finds the question.
        let o = store.order_by_id(order).await.unwrap();
        let facts = store
            .question_effect_facts(
                order,
                o.instructions_version,
                o.published_at.unwrap_or(o.created_at),
                mudou_store::EffectViewer::Client,
                mudou_store::now_millis(),
            )
            .await
            .unwrap();
        let r = mudou_domain::question_effect::report(&facts);
        assert_eq!(r.versions.len(), 2);
        assert!(
            r.versions
                .iter()
                .all(|v| v.answers > 0 && v.agreement.is_some()),
            "{r:?}"
        );
        assert_eq!(
            r.versions[1].question.as_ref().map(|q| q.id),
            Some(promoted.id)
        );
        assert_eq!(r.versions[1].compared_with, Some(1));

        // The drawing orders' past work: two drawers on one unit of each, four pictures
        // settled by consensus and one disagreement waiting in the lead's review.
        let org = store.list_orgs().await.unwrap()[0].id;
        for name in ["斜框", "涂色", "画边线"] {
            let o = store
                .list_orders(OrgId::new(org))
                .await
                .unwrap()
                .into_iter()
                .find(|o| o.name == name)
                .unwrap();
            let c = store.order_counts(OrderId::new(o.id)).await.unwrap();
            assert_eq!(
                (c.labels, c.resolved, c.escalated),
                (10, 4, 1),
                "{name}: {c:?}"
            );
            let queue = store
                .review_queue(
                    centre,
                    &mudou_store::QueueFilter {
                        order_id: Some(o.id),
                        reason: None,
                        limit: 10,
                        offset: 0,
                    },
                )
                .await
                .unwrap();
            assert_eq!(queue.len(), 1, "{name}: {queue:?}");
        }

        // Check and fix: every review and nearly every picture has its model's suggestion,
        // some gold items a planted wrong one; the checked reviews' past work names what each
        // label was shown and what was done with it, the careless checker accepting them all.
        let orders = store.list_orders(OrgId::new(org)).await.unwrap();
        let named = |n: &str| OrderId::new(orders.iter().find(|o| o.name == n).unwrap().id);
        for (name, model, at_least) in [("检查评论", "nb-words", 36), ("检查框", "bbox-pixels", 55)]
        {
            let sug = store.order_suggestions(named(name)).await.unwrap();
            assert!(sug.len() >= at_least, "{name}: {}", sug.len());
            assert!(
                sug.iter()
                    .all(|s| s.model == model && s.model_version.as_deref() == Some("v1"))
            );
            assert!(
                sug.iter().any(|s| s.source == "planted"),
                "{name}: none planted"
            );
            assert!(sug.iter().filter(|s| s.source == "import").count() >= at_least - 6);
        }
        let checked = store.label_suggestions(named("检查评论")).await.unwrap();
        assert!(checked.len() >= 8, "{checked:?}");
        assert!(
            checked
                .iter()
                .all(|(_, shown, did)| shown.is_some() && did.is_some())
        );
        let accepted = checked
            .iter()
            .filter(|c| c.2.as_deref() == Some("accepted"))
            .count();
        assert!(
            accepted > checked.len() / 2 && accepted < checked.len(),
            "{checked:?}"
        );

        let now = mudou_store::now_millis();
        let cal = Calendar::china();
        let period = cal.period_of(now);
        let (start, end) = cal.month_bounds(&period).unwrap();
        let admin = store
            .list_users(&UserFilter {
                role: Some(mudou_domain::Role::Admin),
                ..Default::default()
            })
            .await
            .unwrap()[0]
            .id;
        let close = mudou_store::ClosePeriod {
            centre_id: centre.get(),
            period,
            start,
            end,
            by: admin.get(),
            now,
        };
        let (run, created) = store.close_pay_run(&close).await.unwrap();
        assert!(created);
        let payroll = store.payroll(run.id).await.unwrap();
        let (_, ledger) = store.ledger_totals(Some(centre)).await.unwrap();
        assert_eq!(payroll.iter().map(|l| l.total_fen).sum::<i64>(), ledger);
        assert_eq!(run.total_fen, ledger);
        // Each careful worker's quality bonus is the centre's policy applied to their month.
        let policy = store.bonus_policy(centre).await.unwrap().unwrap();
        let month = store.throughput_workers(centre, start, end).await.unwrap();
        let mut want: Vec<(i64, i64)> = month
            .iter()
            .filter_map(|w| {
                let (fen, _) = policy.bonus(w.gold_correct, w.gold_seen, w.pay_fen)?;
                Some((w.annotator_id, fen))
            })
            .collect();
        want.sort();
        let mut got: Vec<(i64, i64)> = store
            .ledger_entries(0, 1_000_000)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.kind == "bonus")
            .map(|e| (e.annotator_id, e.amount_fen))
            .collect();
        got.sort();
        assert_eq!(got, want);
        assert!(
            month.iter().all(|w| w.display_name != "杨洋")
                || !got.iter().any(|(id, _)| month
                    .iter()
                    .any(|w| w.annotator_id == *id && w.display_name == "杨洋")),
            "the careless worker earns no quality bonus"
        );
        let entries = store.ledger_entries(0, 1_000_000).await.unwrap();
        let (again, created) = store
            .close_pay_run(&mudou_store::ClosePeriod {
                now: now + 1,
                ..close
            })
            .await
            .unwrap();
        assert!(!created);
        assert_eq!(again, run);
        assert_eq!(store.payroll(run.id).await.unwrap(), payroll);
        assert_eq!(store.ledger_entries(0, 1_000_000).await.unwrap(), entries);

        // The lead reviewed part of the history: the careless worker has mistakes to learn
        // from, some with the lead's note; the careful one has fewer.
        let mistakes = |n: &str| {
            let id = UserId::new(who(n).annotator_id);
            async move { store.my_mistakes(id, centre, 100).await.unwrap() }
        };
        let careless = mistakes("杨洋").await;
        assert!(!careless.is_empty(), "杨洋 has mistakes to learn from");
        assert!(careless.iter().any(|m| m.note.is_some()));
        assert!(careless.iter().all(|m| m.given != m.answer));
        assert!(mistakes("王芳").await.len() < careless.len());
    }

    #[test]
    fn careless_is_careless() {
        assert!(profile("王芳").accuracy > 0.95);
        assert!(profile("杨洋").accuracy < 0.5 && profile("杨洋").seconds < 2.0);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let u = uuid(&mut rng);
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
    }

    /// The demo drawers' shapes: a turned box kept inside the picture, a mask of the
    /// picture's size; the misread one far from the right one.
    #[test]
    fn drawn_shapes_fit_the_picture() {
        use mudou_consensus::shapes::{Polygon, Rle, RotatedBox, polygon_iou};
        let known = ("square".to_owned(), [400.0, 280.0, 80.0, 80.0]); // touching the corner
        let boxed = |who, off| {
            let v = drawn_shape("rotated_box", who, off, &known, (480, 360)).unwrap();
            let r = RotatedBox {
                cx: v["cx"].as_f64().unwrap(),
                cy: v["cy"].as_f64().unwrap(),
                w: v["w"].as_f64().unwrap(),
                h: v["h"].as_f64().unwrap(),
                angle: v["angle"].as_f64().unwrap(),
            };
            assert!(r.angle != 0.0);
            for c in r.corners() {
                assert!(
                    (0.0..=480.0).contains(&c[0]) && (0.0..=360.0).contains(&c[1]),
                    "{c:?}"
                );
            }
            r.polygon()
        };
        let iou = |a: &Polygon, b: &Polygon| polygon_iou(a, b);
        assert!(iou(&boxed(0, false), &boxed(1, false)) > 0.7);
        assert!(iou(&boxed(0, true), &boxed(1, true)) < 0.4);
        let masked = |who, off| {
            let v = drawn_shape(
                "mask",
                who,
                off,
                &("star".to_owned(), [100.0, 50.0, 120.0, 120.0]),
                (480, 360),
            )
            .unwrap();
            assert_eq!(v["rle"]["size"], serde_json::json!([360, 480]));
            Rle::from_compressed(360, 480, v["rle"]["counts"].as_str().unwrap()).unwrap()
        };
        assert!(masked(0, false).iou(&masked(1, false)) > 0.7);
        assert!(masked(0, true).iou(&masked(1, true)) < 0.4);
        // A line: the bottom edge, the two drawers 1.5 px apart, the misread one the top.
        let line = |who, off| drawn_shape("polyline", who, off, &known, (480, 360)).unwrap();
        assert_eq!(
            line(0, false),
            serde_json::json!({"label": "bottom", "points": [[400.0, 360.0], [440.0, 360.0], [480.0, 360.0]]})
        );
        assert_eq!(
            line(1, false)["points"][1],
            serde_json::json!([440.0, 358.5])
        );
        assert_eq!(
            line(0, true),
            line(0, false),
            "the first drawer reads it right"
        );
        assert_eq!(line(1, true)["label"], "top");
        assert_eq!(
            line(1, true)["points"][0],
            serde_json::json!([400.0, 280.0])
        );
        assert!(drawn_shape("polygon", 0, false, &known, (480, 360)).is_none());
    }
}
