//! Publishing: a client's order from a checked spec to work units. A draft is made from a
//! spec (checked, its example items in the dataset) and may change while it is a draft
//! (gold answers typed in must still fit); publishing splits its items into units, gold
//! mixed in (typed in, or a seeded sample of the manifest's known answers, each checked
//! against the order), and a sync adds the dataset's new items to an open order.
//! The client's order routes and the demo's seeded orders publish through here.

use std::collections::{HashMap, HashSet};

use mudou_domain::suggest;
use mudou_domain::{
    DatasetId, ErrorCode, FieldKind, ItemId, OrderId, OrderSpec, OrgId, TRAINING_SLOTS, UserId,
    plan_training_units, plan_units,
};
use mudou_store::{
    CandidateItem, NewSuggestion, Order, OrderFields, OrderItemPlan, StoreError, SuggestionSource,
    now_millis,
};
use serde_json::Value;

use crate::error::{AppError, AppResult};
use crate::services::Services;

/// An answer for an item with its findings placed: each finding's `mm` and `diameter_mm`
/// computed from the item's series ([`mudou_domain::kinds::place_findings`]; a point outside
/// the volume is 422 `outside_volume`). An order without findings gets the answer as it was.
pub async fn place_answer<'a>(
    store: &mudou_store::Store,
    spec: &OrderSpec,
    item_id: ItemId,
    value: &'a Value,
) -> AppResult<std::borrow::Cow<'a, Value>> {
    if !spec.template.as_ref().is_some_and(|t| t.needs_volume()) {
        return Ok(std::borrow::Cow::Borrowed(value));
    }
    let volumes = store.item_volumes(item_id).await?;
    Ok(std::borrow::Cow::Owned(
        mudou_domain::kinds::place_findings(spec, value, &volumes)?,
    ))
}

/// The sizes of an item's pictures (and series) when answers to `spec` are checked against
/// them: drawings kept inside their picture, findings on their slices.
pub async fn answer_sizes(
    store: &mudou_store::Store,
    spec: &OrderSpec,
    item_id: ItemId,
) -> AppResult<Vec<(String, (i64, i64))>> {
    let volume = spec.template.as_ref().is_some_and(|t| t.needs_volume());
    Ok(if spec.task_type.kind().needs_image_size(spec) || volume {
        store.item_sizes(item_id).await?
    } else {
        Vec::new()
    })
}

/// Checks an answer for an item against the order, as every path that takes one does
/// (labels, reviews, gold, suggestions, practice): the item's sizes read when needed, its
/// findings placed in millimetres, then [`Answer::parse_sized`].
pub async fn parse_answer(
    store: &mudou_store::Store,
    spec: &OrderSpec,
    item_id: ItemId,
    value: &Value,
) -> AppResult<mudou_domain::Answer> {
    let sizes = answer_sizes(store, spec, item_id).await?;
    let placed = place_answer(store, spec, item_id, value).await?;
    Ok(mudou_domain::Answer::parse_sized(spec, &placed, &sizes)?)
}

/// What publishing or a sync added to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnitsAdded {
    pub items: usize,
    pub units: usize,
    /// Items left out because they are not of the kind the order labels (image or text), or
    /// (training) have no known answer.
    pub skipped: usize,
}

fn fields(spec: &OrderSpec) -> AppResult<OrderFields> {
    Ok(OrderFields {
        name: spec.name.trim().to_owned(),
        task_type: spec.task_type.as_str().to_owned(),
        spec: serde_json::to_string(spec).map_err(AppError::internal)?,
        priority: spec.priority as i64,
        deadline: spec.deadline,
    })
}

fn parse_spec(order: &Order) -> AppResult<OrderSpec> {
    serde_json::from_str(&order.spec).map_err(AppError::internal)
}

/// The client's order, "order not found" when it is not theirs.
async fn client_order(svc: &Services, org_id: OrgId, order_id: OrderId) -> AppResult<Order> {
    svc.store
        .get_order(org_id, order_id)
        .await
        .map_err(AppError::not_found_as("order"))
}

/// The order's state does not allow this (`order_state`, with the state).
fn order_state(order: &Order, why: &str) -> AppError {
    AppError::new(
        ErrorCode::OrderState,
        format!("the order is {}: {why}", order.state),
    )
    .with("state", order.state.as_str())
}

/// Checks the items the spec points at (label examples, instruction examples) belong to the dataset.
async fn check_examples(svc: &Services, dataset_id: DatasetId, spec: &OrderSpec) -> AppResult<()> {
    let ids = spec
        .labels
        .iter()
        .flat_map(|l| l.examples.iter())
        .chain(spec.instruction_examples.iter());
    for id in ids {
        if svc
            .store
            .dataset_item(dataset_id, ItemId::new(*id))
            .await
            .is_err()
        {
            return Err(
                AppError::validation(format!("example item {id} is not in this dataset"))
                    .with("field", "labels"),
            );
        }
    }
    Ok(())
}

/// Checks that a medical order's doctor is a client user of the order's organisation
/// (`doctor_not_in_org` otherwise: a doctor of another organisation would see its items).
pub async fn check_doctor(svc: &Services, org_id: OrgId, spec: &OrderSpec) -> AppResult<()> {
    let Some(m) = &spec.medical else {
        return Ok(());
    };
    let doctor = match svc.store.get_user(UserId::new(m.doctor_user_id)).await {
        Ok(u) => Some(u),
        Err(StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    let fits = doctor.is_some_and(|u| {
        u.role == mudou_domain::Role::Client && u.org_id == Some(org_id) && !u.disabled
    });
    if fits {
        Ok(())
    } else {
        Err(AppError::new(
            ErrorCode::DoctorNotInOrg,
            format!(
                "user {} is not a client user of your organisation: choose the doctor among your users",
                m.doctor_user_id
            ),
        )
        .with("field", "medical"))
    }
}

/// Checks a spec and stores it as a draft order of `org_id` on one of its datasets.
pub async fn new_draft(
    svc: &Services,
    org_id: OrgId,
    user_id: UserId,
    dataset_id: DatasetId,
    spec: &OrderSpec,
) -> AppResult<Order> {
    let now = now_millis();
    spec.validate(now)?;
    check_doctor(svc, org_id, spec).await?;
    svc.store
        .get_dataset(org_id, dataset_id)
        .await
        .map_err(AppError::not_found_as("dataset"))?;
    check_examples(svc, dataset_id, spec).await?;
    let mut seed = [0u8; 8];
    getrandom::fill(&mut seed).map_err(AppError::internal)?;
    let seed = i64::from_le_bytes(seed) & i64::MAX;
    Ok(svc
        .store
        .create_order(org_id, dataset_id, &fields(spec)?, seed, user_id, now)
        .await?)
}

/// Changes a draft order's spec (409 once it is published). Gold answers typed in earlier
/// must still fit the new label set.
pub async fn update_draft(
    svc: &Services,
    org_id: OrgId,
    order_id: OrderId,
    spec: &OrderSpec,
) -> AppResult<Order> {
    let now = now_millis();
    let current = client_order(svc, org_id, order_id).await?;
    spec.validate(now)?;
    check_doctor(svc, org_id, spec).await?;
    check_examples(svc, DatasetId::new(current.dataset_id), spec).await?;
    for (item_id, answer) in svc.store.order_gold(order_id).await? {
        let value: Value = serde_json::from_str(&answer).map_err(AppError::internal)?;
        if let Err(e) = spec.task_type.kind().parse_gold(spec, &value, &[]) {
            return Err(AppError::validation(format!(
                "the gold answer of item {item_id} no longer fits: {}",
                e.message
            ))
            .with("field", "labels"));
        }
    }
    svc.store
        .update_order(org_id, order_id, &fields(spec)?, now)
        .await
        .map_err(|e| match e {
            // No longer a draft.
            StoreError::Conflict(m) => AppError::new(ErrorCode::OrderState, m),
            e => AppError::not_found_as("order")(e),
        })
}

/// Sets the gold answer of one of the dataset's items (checked against the order) while the
/// order is a draft.
pub async fn set_gold(
    svc: &Services,
    org_id: OrgId,
    order_id: OrderId,
    item_id: ItemId,
    answer: &Value,
) -> AppResult<()> {
    let order = client_order(svc, org_id, order_id).await?;
    if order.state != "draft" {
        return Err(order_state(
            &order,
            "gold answers are set while the order is a draft",
        ));
    }
    let spec = parse_spec(&order)?;
    // The item must be one of the order's dataset.
    svc.store
        .dataset_item(DatasetId::new(order.dataset_id), item_id)
        .await
        .map_err(AppError::not_found_as("item"))?;
    let sizes = svc.store.item_sizes(item_id).await?;
    let answer = place_answer(&svc.store, &spec, item_id, answer).await?;
    let answer = spec.task_type.kind().parse_gold(&spec, &answer, &sizes)?;
    svc.store
        .put_order_gold(order_id, item_id, &answer.to_string(), now_millis())
        .await?;
    Ok(())
}

/// Opens a draft order: its items are split into work units (gold mixed in, seeded shuffle).
/// Returns the order as it is now.
pub async fn publish(svc: &Services, org_id: OrgId, order_id: OrderId) -> AppResult<Order> {
    let order = client_order(svc, org_id, order_id).await?;
    if order.state != "draft" {
        return Err(order_state(&order, "not a draft"));
    }
    let spec = parse_spec(&order)?;
    spec.validate(now_millis())?;
    check_doctor(svc, org_id, &spec).await?;
    crate::wage::guard_publish(svc, org_id, order_id, &spec).await?;
    add_units(svc, &order, true).await?;
    Ok(svc.store.get_order(org_id, order_id).await?)
}

/// Adds the dataset's new items to an open or paused order as new units.
pub async fn sync(svc: &Services, org_id: OrgId, order_id: OrderId) -> AppResult<UnitsAdded> {
    let order = client_order(svc, org_id, order_id).await?;
    if !matches!(order.state.as_str(), "open" | "paused") {
        return Err(order_state(&order, "publish it first"));
    }
    add_units(svc, &order, false).await
}

/// Creates an order and publishes it at once, as a client would in two steps (the demo's
/// seeded orders).
pub async fn create_published(
    svc: &Services,
    org_id: OrgId,
    user_id: UserId,
    dataset_id: DatasetId,
    spec: &OrderSpec,
) -> AppResult<Order> {
    let order = new_draft(svc, org_id, user_id, dataset_id, spec).await?;
    add_units(svc, &order, true).await?;
    Ok(svc.store.get_order(org_id, OrderId::new(order.id)).await?)
}

/// Decides which candidates join the order and with which gold; refuses gold that
/// does not fit the order.
async fn plan_items(
    svc: &Services,
    order_id: i64,
    spec: &OrderSpec,
    seed: u64,
    gold_already: usize,
    candidates: Vec<CandidateItem>,
) -> AppResult<(Vec<OrderItemPlan>, usize)> {
    let typed: HashMap<i64, String> = svc
        .store
        .order_gold(OrderId::new(order_id))
        .await?
        .into_iter()
        .collect();
    // The fields the order shows; an item without one of them (by name and kind) does not fit.
    // A template order refuses a dataset with such an item; the task types of before leave
    // it out (an image order on a dataset of images and texts labels the images).
    let want = spec.fields();
    let missing = |c: &CandidateItem| {
        let have = c.fields();
        want.iter()
            .find(|(name, kind)| !have.iter().any(|f| &f.name == name && kind.fits(f.kind)))
            .cloned()
    };
    if spec.template.is_some()
        && let Some((c, (name, kind))) = candidates.iter().find_map(|c| missing(c).map(|m| (c, m)))
    {
        let kind = match kind {
            FieldKind::Image => "picture",
            FieldKind::Text => "text",
            FieldKind::Conversation => "conversation",
            FieldKind::Markdown => "Markdown",
            FieldKind::Series => "medical series",
        };
        return Err(AppError::validation(format!(
            "the dataset's item {} has no {kind} field `{name}`; every item needs the template's fields ({})",
            c.id,
            want.iter()
                .map(|(n, k)| format!("{n}: {}", k.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .with("field", "template.fields")
        .with("missing_field", name)
        .with("item_id", c.id));
    }
    let fits = |c: &CandidateItem| missing(c).is_none();
    // Which items' known answers serve as gold: all, or a seeded sample of `max_gold_items`.
    let mut with_answer: Vec<i64> = candidates
        .iter()
        .filter(|c| c.gold.is_some() && fits(c))
        .map(|c| c.id)
        .collect();
    if let Some(max) = spec.max_gold_items {
        let room = (max as usize).saturating_sub(gold_already);
        with_answer.sort_by_key(|id| (*id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ seed);
        with_answer.truncate(room);
    }
    let use_manifest: HashSet<i64> = with_answer.into_iter().collect();
    let mut plans = Vec::with_capacity(candidates.len());
    let mut skipped = 0;
    for c in candidates {
        if !fits(&c) {
            skipped += 1;
            continue;
        }
        let fields = c.fields();
        let sizes: Vec<(String, (i64, i64))> = fields
            .iter()
            .filter_map(|f| Some((f.name.clone(), f.size()?)))
            .collect();
        // A manifest's findings are placed on the item's series as typed-in ones are.
        let volumes: Vec<_> = fields
            .into_iter()
            .filter_map(|f| Some((f.name, f.volume?)))
            .collect();
        let placed = |g: Value| -> AppResult<Value> {
            if volumes.is_empty() {
                return Ok(g);
            }
            mudou_domain::kinds::place_findings(spec, &g, &volumes).map_err(|e| {
                AppError::new(
                    e.code,
                    format!(
                        "item {}: the manifest's gold answer does not fit: {}",
                        c.id, e.message
                    ),
                )
                .with("field", "gold")
                .with("item_id", c.id)
            })
        };
        let gold =
            match typed.get(&c.id) {
                Some(answer) => Some(answer.clone()),
                None if !use_manifest.contains(&c.id) => None,
                None => match c.gold.as_deref().map(serde_json::from_str::<Value>) {
                    Some(Ok(g)) => match spec.task_type.kind().manifest_gold(spec, &placed(g)?) {
                        Some(v) => {
                            let a = spec.task_type.kind().parse_gold(spec, &v, &sizes).map_err(
                                |e| {
                                    AppError::validation(format!(
                                        "item {}: the manifest's gold answer does not fit: {}",
                                        c.id, e.message
                                    ))
                                    .with("field", "gold")
                                    .with("item_id", c.id)
                                },
                            )?;
                            Some(a.to_string())
                        }
                        None => None,
                    },
                    _ => None,
                },
            };
        if spec.training.is_some() && gold.is_none() {
            // Training shows the right answer after each item: only items that have one.
            skipped += 1;
            continue;
        }
        plans.push(OrderItemPlan {
            item_id: c.id,
            gold,
        });
    }
    Ok((plans, skipped))
}

/// The items an order labels, in words: `image items`, or `items with the fields a, b`.
fn items_wanted(spec: &OrderSpec) -> String {
    if spec.template.is_none() {
        return format!("{} items", spec.task_type.item_kind());
    }
    let names: Vec<String> = spec.fields().into_iter().map(|(n, _)| n).collect();
    format!("items with the fields {}", names.join(", "))
}

/// Adds the order's dataset items it does not hold yet, as new units (`publish`: and opens
/// the order; it then needs work to hand out).
async fn add_units(svc: &Services, order: &Order, publish: bool) -> AppResult<UnitsAdded> {
    let spec = parse_spec(order)?;
    let order_id = OrderId::new(order.id);
    let candidates = svc
        .store
        .items_outside_order(order_id, DatasetId::new(order.dataset_id))
        .await?;
    let mut gold: Vec<i64> = svc.store.order_gold_items(order_id).await?;
    let (plans, skipped) = plan_items(
        svc,
        order.id,
        &spec,
        order.seed as u64,
        gold.len(),
        candidates,
    )
    .await?;
    let work: Vec<i64> = plans
        .iter()
        .filter(|p| p.gold.is_none())
        .map(|p| p.item_id)
        .collect();
    gold.extend(plans.iter().filter(|p| p.gold.is_some()).map(|p| p.item_id));
    let seed = (order.seed as u64).wrapping_add(svc.store.unit_count(order_id).await? as u64);
    let (units, slots) = if spec.training.is_some() {
        if publish && gold.is_empty() {
            return Err(AppError::validation(format!(
                "a training order needs {} with a known answer (a manifest's gold, or typed in)",
                items_wanted(&spec)
            ))
            .with("field", "training"));
        }
        // Every trainee may take any unit: the slots never run out.
        let new_gold: Vec<i64> = plans.iter().map(|p| p.item_id).collect();
        (
            plan_training_units(&new_gold, spec.unit_size, seed),
            TRAINING_SLOTS,
        )
    } else {
        if publish && work.is_empty() {
            return Err(AppError::validation(format!(
                "the dataset has no {} without a gold answer to label",
                items_wanted(&spec)
            )));
        }
        (
            plan_units(&work, &gold, spec.unit_size, spec.gold_share, seed),
            spec.overlap.initial() as i64,
        )
    };
    let n = svc
        .store
        .add_order_units(order_id, &plans, &units, slots, publish, now_millis())
        .await?;
    plant_suggestions(svc, order, &spec).await?;
    Ok(UnitsAdded {
        items: plans.len(),
        units: n,
        skipped,
    })
}

/// Plants known-wrong suggestions on the order's gold items (publish, and a sync adding
/// gold): each gold item with `suggest::draw(seed, item) < plant_share` gets
/// `suggest::plant` of the other gold answers, source `planted`, under the model name of
/// the order's other suggestions (or `model`), so that it looks like any other. Right
/// after the units are stored and idempotent: an item already holding a planted one keeps
/// it. Returns how many were planted.
pub async fn plant_suggestions(svc: &Services, order: &Order, spec: &OrderSpec) -> AppResult<u64> {
    let Some(share) = spec.suggestions.as_ref().map(|p| p.plant_share) else {
        return Ok(0);
    };
    if share <= 0.0 {
        return Ok(0);
    }
    let order_id = OrderId::new(order.id);
    let gold = svc.store.order_gold_answers(order_id).await?;
    let planted: HashSet<i64> = svc
        .store
        .planted_items(order_id)
        .await?
        .into_iter()
        .collect();
    let answers: Vec<(i64, Value)> = gold
        .into_iter()
        .filter_map(|(i, g)| Some((i, serde_json::from_str(&g).ok()?)))
        .collect();
    let (model, model_version, scored) = svc
        .store
        .order_model_name(order_id)
        .await?
        .unwrap_or_else(|| ("model".to_owned(), None, false));
    let mut list = Vec::new();
    for (item_id, gold) in &answers {
        if planted.contains(item_id) || suggest::draw(order.seed, *item_id) >= share {
            continue;
        }
        let donors: Vec<Value> = answers
            .iter()
            .filter(|(i, _)| i != item_id)
            .map(|(_, a)| a.clone())
            .collect();
        let seed = (order.seed as u64) ^ (*item_id as u64).rotate_left(17);
        if let Some(wrong) = suggest::plant(spec, gold, &donors, seed) {
            list.push(NewSuggestion {
                item_id: *item_id,
                answer: wrong.to_string(),
                model: model.clone(),
                model_version: model_version.clone(),
                // Where the model gives scores, a plausible one (0.6 to 0.95): a planted
                // suggestion without one would stand out.
                score: scored.then(|| 0.6 + 0.35 * suggest::draw(*item_id, order.seed)),
                source: SuggestionSource::Planted,
            });
        }
    }
    let put = svc
        .store
        .put_suggestions(order_id, &list, now_millis())
        .await?;
    if put.stored > 0 {
        tracing::info!(
            order = order.id,
            planted = put.stored,
            "planted known-wrong suggestions on gold"
        );
    }
    Ok(put.stored)
}

/// A change of an open or paused order's instructions: new words, and/or one of its items
/// added as an example with words of its own (the one step a promoted answer takes).
#[derive(Debug, Clone, Default)]
pub struct InstructionsChange {
    pub instructions: Option<String>,
    pub example_item_id: Option<i64>,
    pub example_words: Option<String>,
}

/// The longest words given with a new example.
pub const MAX_EXAMPLE_WORDS: usize = 200;

/// Stores the next version of an order's instructions (open or paused orders only:
/// `order_state` otherwise, nothing stored). Labels stored from then on carry the new
/// version; annotators see its new example before their next item.
pub async fn new_instructions_version(
    svc: &Services,
    org_id: OrgId,
    order_id: OrderId,
    change: &InstructionsChange,
    by: UserId,
) -> AppResult<mudou_store::InstructionsVersion> {
    let now = now_millis();
    let order = client_order(svc, org_id, order_id).await?;
    if !matches!(order.state.as_str(), "open" | "paused") {
        return Err(order_state(
            &order,
            "instructions change after publish only while it is open or paused",
        ));
    }
    if change.instructions.is_none() && change.example_item_id.is_none() {
        return Err(
            AppError::validation("give new instructions, an example item, or both")
                .with("field", "instructions"),
        );
    }
    let words = change
        .example_words
        .as_deref()
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(str::to_owned);
    if words.is_some() && change.example_item_id.is_none() {
        return Err(
            AppError::validation("words go with an example item").with("field", "example_words")
        );
    }
    if words
        .as_ref()
        .is_some_and(|w| w.chars().count() > MAX_EXAMPLE_WORDS)
    {
        return Err(
            AppError::validation("an example's words are at most 200 characters")
                .with("field", "example_words"),
        );
    }
    let old = parse_spec(&order)?;
    let mut spec = old.clone();
    if let Some(text) = &change.instructions {
        spec.instructions = text.trim().to_owned();
    }
    if let Some(id) = change.example_item_id {
        if svc
            .store
            .dataset_item(DatasetId::new(order.dataset_id), ItemId::new(id))
            .await
            .is_err()
        {
            return Err(
                AppError::validation(format!("item {id} is not an item of this order"))
                    .with("field", "example_item_id"),
            );
        }
        if !spec.instruction_examples.contains(&id) {
            spec.instruction_examples.push(id);
        }
    }
    if spec.instruction_examples.len() > 20 {
        return Err(
            AppError::validation("at most 20 examples with the instructions")
                .with("field", "example_item_id"),
        );
    }
    // The same checks as the draft's (the deadline aside: it may have passed by now).
    let mut checked = spec.clone();
    checked.deadline = None;
    checked.validate(now)?;
    let json = |v: &[i64]| serde_json::to_string(v).map_err(AppError::internal);
    let new = mudou_store::NewInstructions {
        from_version: order.instructions_version,
        spec: serde_json::to_string(&spec).map_err(AppError::internal)?,
        old_instructions: old.instructions.clone(),
        old_examples: json(&old.instruction_examples)?,
        instructions: spec.instructions.clone(),
        examples: json(&spec.instruction_examples)?,
        example_item_id: change.example_item_id,
        example_words: words,
    };
    let v = svc
        .store
        .add_instructions_version(org_id, order_id, &new, by, now)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(m) => AppError::new(ErrorCode::OrderState, m),
            e => AppError::not_found_as("order")(e),
        })?;
    svc.specs.forget(order_id.get());
    Ok(v)
}

/// A follow-up dataset made of an order's settled written answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUp {
    pub dataset_id: i64,
    pub name: String,
    pub items: usize,
}

/// The most settled answers a follow-up takes.
const FOLLOWUP_MAX: usize = 20_000;

/// Makes a dataset for a second worker to rate an order's written answers: one conversation
/// item per settled written answer (gold left out), its prompt's turns as `prompt` and the
/// answer as `response_1` — what a rubric, rating or pairwise order over `response_1` asks
/// about. Refused for an order without a writing question (422), with no settled answer yet
/// (409), or made before (409: the dataset is named after the order).
pub async fn followup(
    svc: &Services,
    org_id: OrgId,
    order_id: OrderId,
    client_id: UserId,
) -> AppResult<FollowUp> {
    let order = client_order(svc, org_id, order_id).await?;
    let spec = parse_spec(&order)?;
    if !spec.by_review() {
        return Err(AppError::validation(
            "a follow-up rates written answers: this order asks no writing question",
        ));
    }
    let template = spec.template().into_owned();
    let mut lines = Vec::new();
    let mut after = 0;
    loop {
        let page = svc.store.export_items_page(order_id, after, 500).await?;
        let Some(last) = page.last() else { break };
        after = last.item_id;
        for it in page
            .iter()
            .filter(|it| !it.is_gold && it.state == mudou_domain::ItemState::Resolved)
        {
            let answer: Value = it
                .answer
                .as_deref()
                .and_then(|a| serde_json::from_str(a).ok())
                .unwrap_or(Value::Null);
            let fields = mudou_store::item_fields(
                it.fields.as_deref(),
                &it.kind,
                it.sha256.as_deref(),
                it.body.as_deref(),
                it.width.zip(it.height),
            );
            let field = |name: &str| {
                fields
                    .iter()
                    .find(|f| f.name == name)
                    .and_then(|f| Some((f.kind, f.text.clone()?)))
            };
            if let Some(messages) = mudou_domain::kinds::sft_messages(&template, &field, &answer) {
                let line = serde_json::json!({
                    "id": format!("{}-{}", order_id.get(), it.item_id),
                    "messages": messages,
                    "source_item_id": it.item_id,
                });
                lines.push(line.to_string());
            }
        }
        if lines.len() >= FOLLOWUP_MAX {
            lines.truncate(FOLLOWUP_MAX);
            break;
        }
    }
    if lines.is_empty() {
        return Err(AppError::conflict(
            "no written answer is settled yet: the lead's review settles them",
        ));
    }
    let name = format!("{} · 评分 #{}", order.name, order_id.get());
    let parsed = mudou_media::parse_conversations("followup.jsonl", lines.join("\n").as_bytes())
        .map_err(AppError::internal)?;
    // The dataset is made, then filled, as an upload is: one left empty by a failed filling
    // is filled by the retry; one with items was made before.
    let ds_id = match svc.store.dataset_by_name(org_id, &name).await? {
        Some(ds) if ds.item_count > 0 => {
            return Err(AppError::conflict(format!(
                "this order's follow-up dataset {name:?} exists already"
            )));
        }
        Some(empty) => empty.id,
        None => {
            svc.store
                .create_dataset(org_id, &name, client_id, now_millis())
                .await?
                .id
        }
    };
    let mut ingest = crate::ingest::Ingest::new(svc, ds_id);
    ingest
        .add(crate::ingest::conversation_items("followup.jsonl", parsed))
        .await?;
    let outcomes = ingest.commit().await?;
    Ok(FollowUp {
        dataset_id: ds_id,
        name,
        items: outcomes.iter().filter(|o| o.status == "accepted").count(),
    })
}
