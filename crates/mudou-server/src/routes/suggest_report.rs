//! What model suggestions did on an order: `GET /orders/{id}/suggestions/report`, as JSON
//! or a CSV (`?format=csv`). The figures are `mudou_domain::suggest_report`'s over the
//! store's facts (`mudou-store/src/suggest_report.rs`).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use mudou_domain::suggest_report::{Accuracy, Outcomes, PayLine, SuggestionReport, Timing, report};
use mudou_domain::{OrderId, OrderSpec, Role};
use mudou_store::EffectViewer;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::quality_report::ReportFormat;
use super::types::ErrorBody;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(suggestions_report))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SuggestReportQuery {
    /// `json` (default) or `csv` (a download: `section,group,figure,value`).
    #[serde(default)]
    pub format: ReportFormat,
}

/// What the model's suggestions did on the order: suggestions by source (import, backend,
/// planted) and the items with one and without; what annotators did with those shown
/// (shares accepted as is, fixed, rejected; planted known-wrong ones apart); the model's
/// accuracy against the final answers (resolved consensus, a lead's decision, gold known
/// answers) by the order's pass mark, overall, by how the item settled and per model
/// version; the annotators' time per item (median and mean of their measured time) with a
/// suggestion, without, on planted ones and per outcome; pay in the ledger (and still to
/// come) for checks, fixes and plain labels. Shares are 0 to 1 (four decimals), `null`
/// when there is nothing to count. The order's client sees all of it; a lead of a centre
/// working on the order, their centre's labels and the items their centre answered.
/// Anyone else: 404 (an annotator: 403). `format=csv`: the same figures as rows.
#[utoipa::path(get, path = "/api/v1/orders/{id}/suggestions/report", tag = "orders",
    params(("id" = i64, Path), SuggestReportQuery),
    responses((status = 200, body = SuggestionReport), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn suggestions_report(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<OrderId>,
    Query(q): Query<SuggestReportQuery>,
) -> ApiResult<Response> {
    if !matches!(caller.user.role, Role::Client | Role::Lead) {
        return Err(ApiError::forbidden());
    }
    caller.require_for(&axum::http::Method::GET)?;
    let o = super::instructions::order_for(&state, &caller, id).await?;
    let spec: OrderSpec = serde_json::from_str(&o.spec).map_err(ApiError::internal)?;
    let viewer = match (caller.user.role, caller.user.centre_id) {
        (Role::Lead, Some(centre)) => EffectViewer::Lead(centre),
        _ => EffectViewer::Client,
    };
    let facts = state.store.suggest_report_facts(id, viewer).await?;
    let r = tokio::task::spawn_blocking(move || report(&spec, &facts))
        .await
        .map_err(ApiError::internal)?;
    if q.format == ReportFormat::Json {
        return Ok(Json(r).into_response());
    }
    crate::csv_out::download(
        &format!("order-{id}-suggestions.csv"),
        &["section", "group", "figure", "value"],
        csv_rows(&r),
    )
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// The report as `section,group,figure,value` rows (an empty value: nothing to count).
pub(crate) fn csv_rows(r: &SuggestionReport) -> Vec<Vec<String>> {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut put = |section: &str, group: &str, figure: &str, value: String| {
        rows.push(vec![section.into(), group.into(), figure.into(), value]);
    };
    let s = &r.suggestions;
    for (f, v) in [
        ("import", s.import),
        ("backend", s.backend),
        ("planted", s.planted),
        ("items", s.items),
        ("items_with", s.items_with),
        ("items_without", s.items_without),
    ] {
        put("suggestions", "", f, v.to_string());
    }
    let mut outcomes = |group: &str, o: &Outcomes| {
        for (f, v) in [
            ("shown", o.shown),
            ("accepted", o.accepted),
            ("fixed", o.fixed),
            ("rejected", o.rejected),
        ] {
            put("outcomes", group, f, v.to_string());
        }
        for (f, v) in [
            ("accepted_share", o.accepted_share),
            ("fixed_share", o.fixed_share),
            ("rejected_share", o.rejected_share),
        ] {
            put("outcomes", group, f, opt(v));
        }
    };
    outcomes("model", &r.outcomes.model);
    outcomes("planted", &r.outcomes.planted);
    let mut accuracy = |group: &str, a: &Accuracy| {
        put("accuracy", group, "settled", a.settled.to_string());
        put("accuracy", group, "agreed", a.agreed.to_string());
        put("accuracy", group, "accuracy", opt(a.accuracy));
    };
    let a = &r.accuracy;
    accuracy("overall", &a.overall);
    accuracy("consensus", &a.consensus);
    accuracy("review", &a.review);
    accuracy("gold", &a.gold);
    for v in &a.versions {
        let group = match &v.model_version {
            Some(ver) => format!("{} {ver}", v.model),
            None => v.model.clone(),
        };
        accuracy(
            &group,
            &Accuracy {
                settled: v.settled,
                agreed: v.agreed,
                accuracy: v.accuracy,
            },
        );
    }
    let t = &r.seconds;
    let mut timing = |group: &str, t: &Timing| {
        put("seconds", group, "labels", t.labels.to_string());
        put("seconds", group, "median_ms", opt(t.median_ms));
        put("seconds", group, "mean_ms", opt(t.mean_ms));
    };
    timing("with", &t.with);
    timing("without", &t.without);
    timing("planted", &t.planted);
    timing("accepted", &t.accepted);
    timing("fixed", &t.fixed);
    timing("rejected", &t.rejected);
    put("seconds", "", "median_ratio", opt(t.median_ratio));
    let mut pay = |group: &str, p: &PayLine| {
        put("pay", group, "labels", p.labels.to_string());
        put("pay", group, "paid_fen", p.paid_fen.to_string());
        put("pay", group, "pending_fen", p.pending_fen.to_string());
    };
    pay("checks", &r.pay.checks);
    pay("fixes", &r.pay.fixes);
    pay("plain", &r.pay.plain);
    put(
        "pay",
        "",
        "total_paid_fen",
        r.pay.total_paid_fen.to_string(),
    );
    rows
}
