//! The LLM exports (issue 27), as trainers load them: preference pairs (`preference`, TRL's
//! `prompt` / `chosen` / `rejected`), rankings (`ranking`), per-axis ratings (`ratings`),
//! all JSONL, and the model leaderboard (`leaderboard`, CSV); and the leaderboard in the
//! app, `GET /orders/{id}/leaderboard`.
//!
//! The prompt is written in one form for the whole file, so that every line has the same
//! column types (`datasets` refuses a column that is a string on one line and a list on
//! another): TRL's standard form (strings) when every item's prompt is one user turn, else
//! its conversational form (`prompt` a list of `{"role", "content"}`, `chosen` / `rejected`
//! `[{"role": "assistant", "content"}]`). Deciding it reads the items once before the
//! export streams.

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use mudou_domain::llm_results::{self, BoardMethod, LabelAnswer, Leaderboard};
use mudou_domain::template::FieldKind;
use mudou_domain::{OrderId, OrderSpec, Role, Template};
use mudou_media::{Message, Role as Turn, parse_prompt_json};
use mudou_store::{ExportItem, ItemField, Store};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::exports::{ExportFormat, ExportInclude, Page, Part, Pick, parse, pseudonym};
use super::types::ErrorBody;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Path, Query};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(order_leaderboard))
}

/// Refuses an LLM format that the order's template cannot fill (422 `validation`, field
/// `format`), as COCO is refused for an order without boxes.
pub(super) fn fits(format: ExportFormat, t: &Template) -> ApiResult<()> {
    let (ok, needs) = match format {
        ExportFormat::Preference | ExportFormat::Leaderboard => (
            llm_results::comparing_questions(t).next().is_some(),
            "a pairwise or ranking question",
        ),
        ExportFormat::Ranking => (
            llm_results::ranking_questions(t).next().is_some(),
            "a ranking question",
        ),
        ExportFormat::Ratings => (
            llm_results::rubric_questions(t).next().is_some(),
            "a rubric question",
        ),
        _ => (true, ""),
    };
    if ok {
        Ok(())
    } else {
        Err(ApiError::validation(format!(
            "the {} export needs {needs} and this order asks none: use jsonl or csv",
            format.as_str()
        ))
        .with("field", "format"))
    }
}

/// How a file writes its prompts (see the module's words).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum PromptForm {
    /// `prompt`, `chosen`, `rejected` are strings.
    Text,
    /// `prompt` is a list of turns, each response one assistant turn.
    Messages,
}

/// An item's prompt as turns: a conversation field's turns, or a text field as one user turn.
fn prompt_turns(t: &Template, fields: &[ItemField]) -> Vec<Message> {
    let Some(name) = llm_results::prompt_field(t) else {
        return Vec::new();
    };
    let Some(f) = fields.iter().find(|f| f.name == name) else {
        return Vec::new();
    };
    let text = f.text.as_deref().unwrap_or_default();
    match t.fields.iter().find(|d| d.name == name).map(|d| d.kind) {
        Some(FieldKind::Conversation) => parse_prompt_json(text).unwrap_or_default(),
        _ => vec![Message {
            role: Turn::User,
            content: text.to_owned(),
        }],
    }
}

fn one_user_turn(turns: &[Message]) -> bool {
    matches!(turns, [m] if m.role == Turn::User)
}

fn fields_of(it: &ExportItem) -> Vec<ItemField> {
    mudou_store::item_fields(
        it.fields.as_deref(),
        &it.kind,
        it.sha256.as_deref(),
        it.body.as_deref(),
        it.width.zip(it.height),
    )
}

/// Reads the order's items once: the standard form unless some prompt is more than one
/// user turn.
pub(super) async fn prompt_form(
    store: &Store,
    order_id: OrderId,
    t: &Template,
) -> ApiResult<PromptForm> {
    let mut after = 0;
    loop {
        let items = store.export_items_page(order_id, after, 500).await?;
        let Some(last) = items.last() else {
            return Ok(PromptForm::Text);
        };
        after = last.item_id;
        if items
            .iter()
            .any(|it| !one_user_turn(&prompt_turns(t, &fields_of(it))))
        {
            return Ok(PromptForm::Messages);
        }
    }
}

/// What one item shows: its prompt (in the file's form) and each response's text and model.
struct Shown {
    prompt: Value,
    fields: Vec<ItemField>,
}

impl Shown {
    fn of(t: &Template, form: PromptForm, it: &ExportItem) -> Shown {
        let fields = fields_of(it);
        let turns = prompt_turns(t, &fields);
        let prompt = match form {
            PromptForm::Text => json!(turns.first().map(|m| m.content.as_str()).unwrap_or("")),
            PromptForm::Messages => serde_json::to_value(&turns).unwrap_or_else(|_| json!([])),
        };
        Shown { prompt, fields }
    }

    fn text(&self, field: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f.name == field)
            .and_then(|f| f.text.as_deref())
    }

    fn model(&self, field: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f.name == field)
            .and_then(|f| f.model.as_deref())
    }

    /// A response in the file's form.
    fn response(&self, form: PromptForm, field: &str) -> Value {
        let text = self.text(field).unwrap_or_default();
        match form {
            PromptForm::Text => json!(text),
            PromptForm::Messages => json!([{"role": "assistant", "content": text}]),
        }
    }
}

/// Who a line speaks for: the settled (or, with `include=all`, current) consensus, or one
/// annotator's own label.
fn whose(line: &mut Value, seed: i64, annotator: Option<i64>) {
    line["source"] = json!(if annotator.is_some() {
        "annotator"
    } else {
        "consensus"
    });
    line["annotator"] = json!(annotator.map(|a| pseudonym(seed, a)));
}

fn write_line(out: &mut Vec<u8>, line: &Value) {
    let _ = serde_json::to_writer(&mut *out, line);
    out.push(b'\n');
}

/// A line's id: the item and question, what the line is about within them (a ranking's
/// pair), and the annotator's pseudonym when the line is their own label.
fn line_id(
    seed: i64,
    item_id: i64,
    question: &str,
    about: Option<String>,
    annotator: Option<i64>,
) -> String {
    let mut id = format!("{item_id}:{question}");
    if let Some(x) = about {
        id = format!("{id}:{x}");
    }
    if let Some(a) = annotator {
        id = format!("{id}:{}", pseudonym(seed, a));
    }
    id
}

/// Calls `emit` with an item's consensus answer (as the export picks it) and, with
/// `include=all`, each annotator's own: `(answer, confidence, annotator)`.
fn each_answer(
    pick: Pick,
    page: &Page,
    it: &ExportItem,
    mut emit: impl FnMut(&Value, Option<f64>, Option<i64>),
) {
    if let Some(answer) = pick.answer(it) {
        emit(&answer, pick.confidence(it), None);
    }
    if pick.include == ExportInclude::All {
        for l in page.labels_of(it.item_id) {
            if let Some(a) = l.answer.as_deref() {
                emit(&parse(Some(a)), None, Some(l.annotator_id));
            }
        }
    }
}

/// A pass over the order's items and their labels, rendered page by page.
fn labelled_pass(render: impl FnMut(&Page) -> Vec<u8> + Send + 'static) -> Part {
    Part::Pass {
        with_labels: true,
        render: Box::new(render),
    }
}

/// One line per preference pair: the consensus's (settled ones; with `include=all` every
/// item's current one), and with `include=all` each annotator's own too. Ties and both-bad
/// make no pair; a ranking makes one per pair of its places.
pub(super) fn preference_pass(seed: i64, t: Template, pick: Pick, form: PromptForm) -> Part {
    let render = move |page: &Page| {
        let mut out = Vec::new();
        for it in &page.items {
            let shown = Shown::of(&t, form, it);
            let labels: Vec<(i64, Value)> = page
                .labels_of(it.item_id)
                .iter()
                .filter_map(|l| Some((l.annotator_id, parse(Some(l.answer.as_deref()?)))))
                .collect();
            let mut emit = |p: llm_results::Preference,
                            strength: Option<u64>,
                            confidence: Option<f64>,
                            annotator: Option<i64>| {
                let about = p
                    .from_ranking
                    .then(|| format!("{}>{}", p.chosen, p.rejected));
                let id = line_id(seed, it.item_id, &p.question, about, annotator);
                let mut line = json!({
                    "prompt": shown.prompt,
                    "chosen": shown.response(form, &p.chosen),
                    "rejected": shown.response(form, &p.rejected),
                    "id": id,
                    "item_id": it.item_id,
                    "file_name": it.file_name,
                    "question": p.question,
                    "chosen_field": p.chosen,
                    "rejected_field": p.rejected,
                    "chosen_model": shown.model(&p.chosen),
                    "rejected_model": shown.model(&p.rejected),
                    "strength": strength,
                    "confidence": confidence,
                    "from_ranking": p.from_ranking,
                    "settled": Pick::settled(it),
                });
                whose(&mut line, seed, annotator);
                write_line(&mut out, &line);
            };
            if let Some(answer) = pick.answer(it) {
                for p in llm_results::preferences(&t, &answer) {
                    let strength = if p.from_ranking {
                        None
                    } else {
                        llm_results::settled_strength(
                            &p.question,
                            &p.chosen,
                            labels.iter().map(|(_, a)| a),
                        )
                    };
                    emit(p, strength, pick.confidence(it), None);
                }
            }
            if pick.include == ExportInclude::All {
                for (who, answer) in &labels {
                    for p in llm_results::preferences(&t, answer) {
                        let strength = p.strength;
                        emit(p, strength, None, Some(*who));
                    }
                }
            }
        }
        out
    };
    labelled_pass(render)
}

/// One line per item and ranking question: the responses in the settled order, each with
/// its field, model, rank (ties share one) and text; with `include=all`, each annotator's
/// ranking too.
pub(super) fn ranking_pass(seed: i64, t: Template, pick: Pick, form: PromptForm) -> Part {
    let render = move |page: &Page| {
        let mut out = Vec::new();
        for it in &page.items {
            let shown = Shown::of(&t, form, it);
            each_answer(pick, page, it, |answer, confidence, annotator| {
                for q in llm_results::ranking_questions(&t) {
                    let Some(ranked) = llm_results::ranked(q, &answer[q.key.as_str()]) else {
                        continue;
                    };
                    let responses: Vec<Value> = ranked
                        .iter()
                        .map(|(field, rank)| {
                            json!({"field": field, "model": shown.model(field), "rank": rank,
                                   "content": shown.text(field).unwrap_or_default()})
                        })
                        .collect();
                    let id = line_id(seed, it.item_id, &q.key, None, annotator);
                    let mut line = json!({
                        "id": id,
                        "item_id": it.item_id,
                        "file_name": it.file_name,
                        "question": q.key,
                        "prompt": shown.prompt,
                        "responses": responses,
                        "confidence": confidence,
                        "settled": Pick::settled(it),
                    });
                    whose(&mut line, seed, annotator);
                    write_line(&mut out, &line);
                }
            });
        }
        out
    };
    labelled_pass(render)
}

/// One line per item and rubric question: the prompt, the response rated (its field and
/// model) and `{axis: step}`, the consensus's; with `include=all`, each annotator's too.
pub(super) fn ratings_pass(seed: i64, t: Template, pick: Pick, form: PromptForm) -> Part {
    let render = move |page: &Page| {
        let mut out = Vec::new();
        for it in &page.items {
            let shown = Shown::of(&t, form, it);
            each_answer(pick, page, it, |answer, confidence, annotator| {
                for q in llm_results::rubric_questions(&t) {
                    let ratings = llm_results::ratings(q, &answer[q.key.as_str()]);
                    if ratings.is_empty() {
                        continue;
                    }
                    let field = llm_results::rated_field(&t, q);
                    let id = line_id(seed, it.item_id, &q.key, None, annotator);
                    let mut line = json!({
                        "id": id,
                        "item_id": it.item_id,
                        "file_name": it.file_name,
                        "question": q.key,
                        "prompt": shown.prompt,
                        "response": field.and_then(|f| shown.text(f)),
                        "response_field": field,
                        "response_model": field.and_then(|f| shown.model(f)),
                        "ratings": ratings,
                        "confidence": confidence,
                        "settled": Pick::settled(it),
                    });
                    whose(&mut line, seed, annotator);
                    write_line(&mut out, &line);
                }
            });
        }
        out
    };
    labelled_pass(render)
}

/// The leaderboard of an order's labels (only `centre`'s when given).
pub(super) async fn board(
    store: &Store,
    order_id: OrderId,
    t: &Template,
    method: BoardMethod,
    centre: Option<mudou_domain::CentreId>,
) -> ApiResult<Leaderboard> {
    let labels: Vec<LabelAnswer> = store
        .order_answers(order_id, centre)
        .await?
        .into_iter()
        .map(|l| LabelAnswer {
            item_id: l.item_id,
            annotator_id: l.annotator_id,
            answer: parse(Some(&l.answer)),
        })
        .collect();
    let models: HashMap<i64, HashMap<String, String>> = store
        .order_item_fields(order_id)
        .await?
        .into_iter()
        .filter_map(|(item, fields)| {
            let list: Vec<ItemField> = serde_json::from_str(&fields).ok()?;
            let m: HashMap<String, String> = list
                .into_iter()
                .filter_map(|f| Some((f.name, f.model?)))
                .collect();
            (!m.is_empty()).then_some((item, m))
        })
        .collect();
    let t = t.clone();
    tokio::task::spawn_blocking(move || llm_results::leaderboard(&t, &labels, &models, method))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
}

/// The leaderboard as CSV: a row per model, best first.
pub(super) fn leaderboard_csv(b: &Leaderboard) -> Vec<u8> {
    let mut w = crate::csv_out::writer(false);
    let _ = crate::csv_out::row(
        &mut w,
        [
            "model",
            "score",
            "ci_low",
            "ci_high",
            "wins",
            "losses",
            "ties",
            "comparisons",
            "rank",
            "component",
        ],
    );
    for r in &b.models {
        let _ = crate::csv_out::row(
            &mut w,
            [
                r.model.clone(),
                format!("{:.4}", r.score),
                format!("{:.4}", r.ci_low),
                format!("{:.4}", r.ci_high),
                r.wins.to_string(),
                r.losses.to_string(),
                r.ties.to_string(),
                r.comparisons.to_string(),
                r.rank.to_string(),
                r.component.to_string(),
            ],
        );
    }
    w.into_inner().unwrap_or_default()
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BoardQuery {
    /// `bt` (Bradley–Terry, the default) or `noisy-bt` (with each annotator's reliability).
    #[serde(default)]
    #[param(value_type = Option<String>)]
    pub method: BoardMethod,
}

/// The order's model leaderboard: every annotator's pairwise picks and ties and every pair
/// of their rankings, fitted with Bradley–Terry (`method=bt`, the default) or the noisy
/// Bradley–Terry (`noisy-bt`): a score per model (best first, with its 95% interval, wins,
/// losses, ties) and per response. Both-bad answers say nothing and are left out. The
/// order's client sees every label; a lead of a centre working on the order, their
/// centre's. An order without a pairwise or ranking question: 422 `validation`. Anyone
/// else: 404 (an annotator: 403).
#[utoipa::path(get, path = "/api/v1/orders/{id}/leaderboard", tag = "orders",
    params(("id" = i64, Path), BoardQuery),
    responses((status = 200, body = Leaderboard), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn order_leaderboard(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<OrderId>,
    Query(q): Query<BoardQuery>,
) -> ApiResult<Json<Leaderboard>> {
    if !matches!(caller.user.role, Role::Client | Role::Lead) {
        return Err(ApiError::forbidden());
    }
    caller.require_for(&axum::http::Method::GET)?;
    let o = super::instructions::order_for(&state, &caller, id).await?;
    let spec: OrderSpec = serde_json::from_str(&o.spec).map_err(ApiError::internal)?;
    let t = spec.template();
    fits(ExportFormat::Leaderboard, &t)?;
    let centre = match caller.user.role {
        Role::Lead => caller.user.centre_id,
        _ => None,
    };
    Ok(Json(board(&state.store, id, &t, q.method, centre).await?))
}
