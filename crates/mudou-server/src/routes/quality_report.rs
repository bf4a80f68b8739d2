//! The client's quality report on an order: estimated accuracy (from gold, from known
//! answers and from the model), agreement (Fleiss' kappa, Krippendorff's alpha), the share
//! escalated and reviewed, and per-class figures with the confusion matrix; as JSON for the
//! web UI, or as a CSV download.

use axum::extract::State;

use axum::response::{IntoResponse, Response};
use mudou_consensus::quality::{QualityOptions, wilson_interval};
use mudou_domain::{ItemState, OrderId, OrderSpec, TaskType};
use mudou_store::now_millis;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::types::ErrorBody;
use crate::auth::ClientCaller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;
use mudou_domain::quality::order_engine;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(quality_report))
}

/// A share with its Wilson 95% interval.
#[derive(Serialize, ToSchema, Clone, Copy)]
pub struct Estimate {
    /// How many were checked.
    pub n: i64,
    /// How many were right.
    pub correct: i64,
    pub accuracy: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

fn estimate(correct: i64, n: i64) -> Estimate {
    let ci = (n > 0)
        .then(|| {
            wilson_interval(
                correct.clamp(0, n) as u32,
                n as u32,
                QualityOptions::default().z,
            )
        })
        .flatten();
    Estimate {
        n,
        correct,
        accuracy: (n > 0).then(|| correct as f64 / n as f64),
        low: ci.map(|c| c.0),
        high: ci.map(|c| c.1),
    }
}

#[derive(Serialize, ToSchema)]
pub struct ClassOut {
    pub key: String,
    pub name_zh: String,
    pub name_en: String,
    /// Final answers with this label (box orders: boxes).
    pub final_count: i64,
    /// Annotators' answers with this label (box orders: boxes).
    pub answer_count: i64,
    /// Of the answers on items whose final answer is this label, the share that said so.
    pub recall: Option<f64>,
    /// Of the answers that said this label, the share whose item's final answer is it.
    pub precision: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct QualityReport {
    pub order_id: i64,
    pub name: String,
    pub task_type: TaskType,
    pub generated_at: i64,
    /// Items to label (gold left out), and how they stand.
    pub items: i64,
    pub resolved: i64,
    pub escalated: i64,
    pub open: i64,
    pub share_escalated: Option<f64>,
    /// Final answers a lead checked (accepted or overrode).
    pub reviewed: i64,
    /// Answers received (skips and answers left out of consensus not counted).
    pub answers: i64,
    /// The order has more answers than the model reads at once: the figures below other
    /// than `gold`, `answers` and the item counts come from the latest items' answers.
    pub sampled: bool,
    /// Answers the model, agreement and per-class figures are based on.
    pub sample_answers: i64,
    pub annotators: i64,
    /// Annotators' answers on gold items against the gold answers.
    pub gold: Estimate,
    /// Final answers of items with a known answer (not used as gold) against it.
    pub known: Estimate,
    /// The model's own estimate of the final answers' accuracy: the mean confidence of
    /// resolved items.
    pub model_confidence: Option<f64>,
    /// The consensus engine's estimate (one-coin Dawid–Skene over every answer): the mean
    /// posterior probability of each question's chosen class.
    pub model_accuracy: Option<f64>,
    /// Chance-corrected agreement between annotators (`null` for box orders, or too few).
    pub fleiss_kappa: Option<f64>,
    pub krippendorff_alpha: Option<f64>,
    /// Share of agreeing pairs among pairs of answers on the same item.
    pub observed_agreement: Option<f64>,
    pub classes: Vec<ClassOut>,
    /// The matrix's classes: label keys (multi-label: `no`/`yes` per label, summed).
    pub confusion_classes: Vec<String>,
    /// `[final answer][answer given]` counts (empty for box orders).
    pub confusion: Vec<Vec<u64>>,
    /// Each question's agreement (the old task types: their one question), from the same
    /// answers as the figures above.
    pub questions: Vec<mudou_domain::quality::QuestionFigures>,
}

#[derive(Deserialize, ToSchema, Clone, Copy, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ReportFormat {
    #[default]
    Json,
    Csv,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// `json` (default) or `csv` (a download).
    #[serde(default)]
    pub format: ReportFormat,
}

fn parse(s: Option<&str>) -> Option<Value> {
    s.and_then(|s| serde_json::from_str(s).ok())
}

/// Labels of an answer for per-class counts: the label, each label, or each box's label.
pub async fn build_report(
    state: &AppState,
    order: &mudou_store::Order,
) -> ApiResult<QualityReport> {
    let spec: OrderSpec = serde_json::from_str(&order.spec).map_err(ApiError::internal)?;
    let order_id = OrderId::new(order.id);
    let counts = state.store.order_counts(order_id).await?;
    let sample = state
        .store
        .quality_labels(order_id, 0, false, mudou_domain::quality::SAMPLE_ANSWERS)
        .await?;
    let items = match sample.item_range() {
        Some((lo, hi)) => state.store.quality_items(order_id, lo, hi).await?,
        None => Vec::new(),
    };
    let sampled = sample.capped;
    let labels = sample.labels;
    let reviewed = state.store.reviewed_count(order_id).await?;
    // Gold: every answer on a gold item (its verdict was kept when it came in).
    let (gold_n, gold_ok) = state.store.gold_tally(order_id).await?;
    // Known answers (manifest) of items labelled like any other.
    let (mut known_n, mut known_ok) = (0i64, 0i64);
    for it in items
        .iter()
        .filter(|i| !i.is_gold && i.state == ItemState::Resolved)
    {
        let (Some(k), Some(a)) = (parse(it.known.as_deref()), it.answer.as_deref()) else {
            continue;
        };
        let Some(k) = spec.task_type.kind().manifest_gold(&spec, &k) else {
            continue;
        };
        known_n += 1;
        known_ok += spec.agrees_str(a, &k.to_string()) as i64;
    }
    let resolved_conf: Vec<f64> = items
        .iter()
        .filter(|i| !i.is_gold && i.state == ItemState::Resolved)
        .filter_map(|i| i.confidence)
        .collect();
    let model_confidence = (!resolved_conf.is_empty())
        .then(|| resolved_conf.iter().sum::<f64>() / resolved_conf.len() as f64);
    let annotators = {
        let mut a: Vec<i64> = labels.iter().map(|l| l.annotator_id).collect();
        a.sort_unstable();
        a.dedup();
        a.len() as i64
    };
    // Per-class counts, from final answers and from the answers on decided items.
    let mut classes: Vec<ClassOut> = spec
        .labels
        .iter()
        .map(|l| ClassOut {
            key: l.key.clone(),
            name_zh: l.name_zh.clone(),
            name_en: l.name_en.clone(),
            final_count: 0,
            answer_count: 0,
            recall: None,
            precision: None,
        })
        .collect();
    let idx = |k: &str| spec.labels.iter().position(|l| l.key == k);
    for it in items
        .iter()
        .filter(|i| !i.is_gold && i.state == ItemState::Resolved)
    {
        for k in parse(it.answer.as_deref())
            .map(|v| spec.task_type.kind().keys(&v))
            .unwrap_or_default()
        {
            if let Some(i) = idx(&k) {
                classes[i].final_count += 1;
            }
        }
    }
    for l in &labels {
        for k in parse(Some(&l.answer))
            .map(|v| spec.task_type.kind().keys(&v))
            .unwrap_or_default()
        {
            if let Some(i) = idx(&k) {
                classes[i].answer_count += 1;
            }
        }
    }
    let n_answers = state.store.answer_count(order_id).await?;
    let sample_answers = labels.len() as i64;
    let spec2 = spec.clone();
    let (engine, questions) = tokio::task::spawn_blocking(move || {
        (
            order_engine(&spec2, &labels, &items),
            mudou_domain::quality::question_figures(&spec2, &labels, &items),
        )
    })
    .await
    .map_err(ApiError::internal)?;
    // Recall and precision per label from the confusion matrix (single-choice and text).
    if spec.task_type.kind().one_question() {
        for (i, c) in classes.iter_mut().enumerate() {
            let row: u64 = engine.confusion.get(i).map(|r| r.iter().sum()).unwrap_or(0);
            let col: u64 = engine
                .confusion
                .iter()
                .map(|r| r.get(i).copied().unwrap_or(0))
                .sum();
            let hit = engine
                .confusion
                .get(i)
                .and_then(|r| r.get(i))
                .copied()
                .unwrap_or(0);
            c.recall = (row > 0).then(|| hit as f64 / row as f64);
            c.precision = (col > 0).then(|| hit as f64 / col as f64);
        }
    }
    let open = (counts.items - counts.resolved - counts.escalated).max(0);
    Ok(QualityReport {
        order_id: order.id,
        name: order.name.clone(),
        task_type: spec.task_type,
        generated_at: now_millis(),
        items: counts.items,
        resolved: counts.resolved,
        escalated: counts.escalated,
        open,
        share_escalated: (counts.items > 0).then(|| counts.escalated as f64 / counts.items as f64),
        reviewed,
        answers: n_answers,
        sampled,
        sample_answers,
        annotators,
        gold: estimate(gold_ok, gold_n),
        known: estimate(known_ok, known_n),
        model_confidence,
        model_accuracy: engine.model_accuracy,
        fleiss_kappa: engine.agreement.fleiss_kappa,
        krippendorff_alpha: engine.agreement.krippendorff_alpha,
        observed_agreement: engine.agreement.observed_agreement,
        classes,
        confusion_classes: if engine.confusion.iter().flatten().any(|v| *v > 0) {
            engine.classes
        } else {
            Vec::new()
        },
        confusion: if engine.confusion.iter().flatten().any(|v| *v > 0) {
            engine.confusion
        } else {
            Vec::new()
        },
        questions,
    })
}

fn cell(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.4}")).unwrap_or_default()
}

/// The report as CSV: `section,name,value` rows, then the per-class table, then the matrix.
pub fn report_csv(r: &QualityReport) -> Result<Vec<u8>, csv::Error> {
    let mut w = crate::csv_out::writer(true);
    w.write_record(["section", "name", "value"])?;
    let mut row = |s: &str, n: &str, v: String| w.write_record([s, n, v.as_str()]);
    row("order", "id", r.order_id.to_string())?;
    row("order", "name", crate::csv_out::neutralise(&r.name))?;
    row("order", "task_type", r.task_type.as_str().to_owned())?;
    row("order", "generated_at_ms", r.generated_at.to_string())?;
    row("items", "items", r.items.to_string())?;
    row("items", "resolved", r.resolved.to_string())?;
    row("items", "escalated", r.escalated.to_string())?;
    row("items", "open", r.open.to_string())?;
    row("items", "share_escalated", cell(r.share_escalated))?;
    row("items", "reviewed_by_lead", r.reviewed.to_string())?;
    row("labels", "answers", r.answers.to_string())?;
    row("labels", "annotators", r.annotators.to_string())?;
    row("labels", "sampled", r.sampled.to_string())?;
    row("labels", "sample_answers", r.sample_answers.to_string())?;
    for (name, e) in [("gold", r.gold), ("known", r.known)] {
        row(name, "checked", e.n.to_string())?;
        row(name, "correct", e.correct.to_string())?;
        row(name, "accuracy", cell(e.accuracy))?;
        row(name, "ci95_low", cell(e.low))?;
        row(name, "ci95_high", cell(e.high))?;
    }
    row("model", "mean_confidence", cell(r.model_confidence))?;
    row("model", "estimated_accuracy", cell(r.model_accuracy))?;
    row("agreement", "fleiss_kappa", cell(r.fleiss_kappa))?;
    row(
        "agreement",
        "krippendorff_alpha",
        cell(r.krippendorff_alpha),
    )?;
    row("agreement", "observed", cell(r.observed_agreement))?;
    for q in &r.questions {
        row(
            "question",
            &format!("{} ({}) krippendorff_alpha", q.key, q.kind),
            cell(q.krippendorff_alpha),
        )?;
        row(
            "question",
            &format!("{} ({}) batch_confidence", q.key, q.kind),
            cell(q.batch_confidence),
        )?;
        row(
            "question",
            &format!("{} ({}) batch_differs", q.key, q.kind),
            q.batch_differs.to_string(),
        )?;
    }
    w.write_record(["", "", ""])?;
    w.write_record([
        "class",
        "final_count",
        "answer_count",
        "recall",
        "precision",
    ])?;
    for c in &r.classes {
        w.write_record([
            crate::csv_out::neutralise(&c.key),
            c.final_count.to_string(),
            c.answer_count.to_string(),
            cell(c.recall),
            cell(c.precision),
        ])?;
    }
    if !r.confusion.is_empty() {
        w.write_record([""])?;
        let mut head = vec!["final \\ answered".to_owned()];
        head.extend(
            r.confusion_classes
                .iter()
                .map(|c| crate::csv_out::neutralise(c)),
        );
        w.write_record(&head)?;
        for (c, counts) in r.confusion_classes.iter().zip(&r.confusion) {
            let mut line = vec![crate::csv_out::neutralise(c)];
            line.extend(counts.iter().map(u64::to_string));
            w.write_record(&line)?;
        }
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// The order's quality report, as JSON or as a CSV download.
#[utoipa::path(get, path = "/api/v1/orders/{id}/quality", tag = "orders", params(("id" = i64, Path), ReportQuery),
    responses((status = 200, body = QualityReport, description = "JSON, or a CSV attachment with format=csv"),
              (status = 404, body = ErrorBody)))]
async fn quality_report(
    State(state): State<AppState>,
    client: ClientCaller,
    Path(id): Path<OrderId>,
    Query(q): Query<ReportQuery>,
) -> ApiResult<Response> {
    let order = state
        .store
        .get_order(client.org_id, id)
        .await
        .map_err(ApiError::not_found_as("order"))?;
    let r = build_report(&state, &order).await?;
    if q.format == ReportFormat::Json {
        return Ok(Json(r).into_response());
    }
    let bytes = report_csv(&r).map_err(ApiError::internal)?;
    crate::csv_out::attachment(&format!("order-{id}-quality.csv"), bytes)
}
