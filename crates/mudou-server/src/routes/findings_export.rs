//! Medical findings out (`format=findings` and `findings_csv` of an order's export): one row
//! per final finding, in voxel and patient millimetres, with the client's own study and
//! series UIDs — mapped back from the de-identified ones, only ever for the organisation
//! that sent them (`Store::original_uids`). The rows are `mudou_domain::formats::findings`.

use std::collections::HashMap;

use mudou_domain::formats::findings::{self, SeriesItem};
use mudou_domain::template::Template;
use mudou_domain::{OrderId, OrgId};
use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Whether the template asks a finding question (else the formats are refused).
pub fn fits(t: &Template) -> ApiResult<()> {
    if t.questions.iter().any(|q| q.kind == "finding") {
        Ok(())
    } else {
        Err(ApiError::validation(
            "format=findings and findings_csv are offered for orders that ask a finding question",
        )
        .with("field", "format"))
    }
}

/// Every final finding of the order's settled series items.
pub async fn rows(
    state: &AppState,
    org_id: OrgId,
    order_id: OrderId,
    t: &Template,
) -> ApiResult<Vec<findings::FindingRow>> {
    let items = state.store.series_results(order_id).await?;
    let metas: Vec<Value> = items
        .iter()
        .map(|it| serde_json::from_str(&it.meta).unwrap_or(Value::Null))
        .collect();
    let uid = |m: &Value, k: &str| m.get(k).and_then(Value::as_str).map(str::to_owned);
    let mut deid: Vec<String> = metas
        .iter()
        .flat_map(|m| [uid(m, "study_uid"), uid(m, "series_uid")])
        .flatten()
        .collect();
    deid.sort();
    deid.dedup();
    let originals: HashMap<String, String> = state.store.original_uids(org_id, &deid).await?;
    let original = |m: &Value, k: &str| {
        uid(m, k)
            .map(|d| originals.get(&d).cloned().unwrap_or(d))
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    for (it, meta) in items.iter().zip(&metas) {
        let fields = mudou_store::item_fields(it.fields.as_deref(), "image", None, None, None);
        let Some(geometry) = fields.iter().find_map(|f| f.volume.as_ref()) else {
            continue;
        };
        let answer: Value = it
            .answer
            .as_deref()
            .and_then(|a| serde_json::from_str(a).ok())
            .unwrap_or(Value::Null);
        let (study, series) = (original(meta, "study_uid"), original(meta, "series_uid"));
        out.extend(findings::rows(
            t,
            &SeriesItem {
                item_id: it.item_id,
                study_uid: &study,
                series_uid: &series,
                geometry,
                answer: &answer,
                settled_by: it.ladder.as_deref().unwrap_or("consensus"),
            },
        ));
    }
    Ok(out)
}

/// The rows as one JSON document.
pub fn json_bytes(order_id: OrderId, rows: &[findings::FindingRow]) -> ApiResult<Vec<u8>> {
    serde_json::to_vec(&json!({"order_id": order_id.get(), "findings": rows}))
        .map_err(ApiError::internal)
}

/// The rows as CSV (one column per attribute of the template's finding questions).
pub fn csv_bytes(t: &Template, rows: &[findings::FindingRow]) -> ApiResult<Vec<u8>> {
    let keys = findings::attribute_keys(t);
    let mut w = crate::csv_out::writer(false);
    crate::csv_out::row(&mut w, findings::csv_header(&keys)).map_err(ApiError::internal)?;
    for r in rows {
        crate::csv_out::row(&mut w, findings::csv_cells(r, &keys)).map_err(ApiError::internal)?;
    }
    w.into_inner().map_err(ApiError::internal)
}
