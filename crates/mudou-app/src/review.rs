//! A lead's decisions worked out against the order (what becomes final, which answers agree
//! with it), and the sweep that leaves the labels of quality-paused stretches out of
//! consensus and decides their items again.

use std::time::Duration;

use mudou_domain::{Answer, MAX_OVERLAP, OrderId, OrderSpec};
use mudou_store::{DecisionPlan, ItemNow, now_millis};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::error::{AppError, AppResult};
use crate::services::Services;

/// How often the sweep looks for pauses whose labels wait to be left out.
pub const SWEEP_EVERY: Duration = Duration::from_secs(2);
/// More labels asked for by "send back" when the lead does not say.
pub const DEFAULT_EXTRA_LABELS: i64 = 2;

#[derive(Deserialize, ToSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    /// The consensus becomes the final answer.
    Accept,
    /// The lead's own answer becomes the final answer.
    Override,
    /// The item goes back to the pool for more labels.
    SendBack,
}

impl DecisionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionKind::Accept => "accept",
            DecisionKind::Override => "override",
            DecisionKind::SendBack => "send_back",
        }
    }
}

/// A decision checked against the order, ready for the item as it is found.
#[derive(Debug, Clone)]
pub struct CheckedDecision {
    pub kind: DecisionKind,
    /// Override: the lead's answer, as stored.
    pub answer: Option<String>,
    pub extra: i64,
}

/// Checks a decision's parts against the order (before the item is locked); `sizes` are
/// the item's pictures by field name, and an override's findings are already placed
/// (`crate::orders::place_answer`).
pub fn check_decision(
    spec: &OrderSpec,
    kind: DecisionKind,
    answer: Option<&Value>,
    extra_labels: Option<i64>,
    sizes: &[(String, (i64, i64))],
) -> AppResult<CheckedDecision> {
    let answer = match (kind, answer) {
        (DecisionKind::Override, Some(v)) => {
            Some(Answer::parse_sized(spec, v, sizes)?.to_json().to_string())
        }
        (DecisionKind::Override, None) => {
            return Err(
                AppError::validation("answer: an override needs the lead's answer")
                    .with("field", "answer"),
            );
        }
        (_, Some(_)) => {
            return Err(
                AppError::validation("answer: only an override carries an answer")
                    .with("field", "answer"),
            );
        }
        (_, None) => None,
    };
    let extra = match (kind, extra_labels) {
        (DecisionKind::SendBack, e) => {
            // A written answer sent back is written again once.
            let e = e.unwrap_or(if spec.by_review() {
                1
            } else {
                DEFAULT_EXTRA_LABELS
            });
            if !(1..=i64::from(MAX_OVERLAP)).contains(&e) {
                return Err(
                    AppError::validation(format!("extra_labels: 1 to {MAX_OVERLAP}"))
                        .with("field", "extra_labels"),
                );
            }
            e
        }
        (_, Some(_)) => {
            return Err(AppError::validation("extra_labels: only for send_back")
                .with("field", "extra_labels"));
        }
        (_, None) => 0,
    };
    Ok(CheckedDecision {
        kind,
        answer,
        extra,
    })
}

/// What the decision does to the item as found, or why it cannot be taken.
pub fn plan(spec: &OrderSpec, d: &CheckedDecision, item: &ItemNow) -> Result<DecisionPlan, String> {
    if item.is_gold {
        return match d.kind {
            DecisionKind::Accept => Ok(DecisionPlan::GoldStands),
            _ => Err("a gold item's answer is the client's: accept it, and tell the annotator with feedback".into()),
        };
    }
    let agrees = |reference: &str| {
        item.answers
            .iter()
            .map(|(_, _, a)| spec.agrees_str(a, reference))
            .collect()
    };
    if spec.by_review() {
        return plan_written(d, item);
    }
    match d.kind {
        DecisionKind::Accept => match &item.answer {
            Some(a) if nothing_agreed(a, &item.answers) => Err(
                "the drawings do not agree, so the consensus holds none of them: draw the answer yourself or send it back".into(),
            ),
            Some(a) if !item.answers.is_empty() => Ok(DecisionPlan::Final {
                answer: a.clone(),
                agrees: agrees(a),
            }),
            _ => {
                Err("there is no consensus to accept: give your own answer or send it back".into())
            }
        },
        DecisionKind::Override => {
            let a = d.answer.clone().unwrap_or_default();
            Ok(DecisionPlan::Final {
                agrees: agrees(&a),
                answer: a,
            })
        }
        DecisionKind::SendBack => Ok(DecisionPlan::SendBack {
            extra: d.extra,
            rejected: Vec::new(),
        }),
    }
}

/// Whether the consensus `answer` has an empty list of objects where an annotator drew some
/// (a drawing question whose objects matched nobody else's): accepting it would settle the
/// item as "nothing to draw".
fn nothing_agreed(answer: &str, answers: &[(i64, i64, String)]) -> bool {
    let Ok(serde_json::Value::Object(consensus)) = serde_json::from_str(answer) else {
        return false;
    };
    let drawn: Vec<serde_json::Value> = answers
        .iter()
        .filter_map(|(_, _, a)| serde_json::from_str(a).ok())
        .collect();
    consensus.iter().any(|(key, v)| {
        v.as_array().is_some_and(Vec::is_empty)
            && drawn
                .iter()
                .any(|a| a[key.as_str()].as_array().is_some_and(|l| !l.is_empty()))
    })
}

/// A decision on an order whose answers settle by review (written answers): accept makes
/// the newest answer (the consensus) final, edit (`override`) makes the lead's edited text
/// final, and both accept — and pay — the answer they took; send back rejects every answer
/// the item has (their pay reversed by the review's verdicts) and asks for one more.
fn plan_written(d: &CheckedDecision, item: &ItemNow) -> Result<DecisionPlan, String> {
    let Some(taken) = item.answer.as_deref().filter(|_| !item.answers.is_empty()) else {
        return match d.kind {
            DecisionKind::SendBack => Ok(DecisionPlan::SendBack {
                extra: d.extra,
                rejected: Vec::new(),
            }),
            _ => Err("there is no written answer yet: send it back to be written".into()),
        };
    };
    // The answer the lead took: the newest with the consensus's text.
    let taken_at = item.answers.iter().rposition(|(_, _, a)| a == taken);
    let agrees: Vec<bool> = (0..item.answers.len())
        .map(|i| Some(i) == taken_at)
        .collect();
    match d.kind {
        DecisionKind::Accept => Ok(DecisionPlan::Final {
            answer: taken.to_owned(),
            agrees,
        }),
        DecisionKind::Override => Ok(DecisionPlan::Final {
            answer: d.answer.clone().unwrap_or_default(),
            agrees,
        }),
        DecisionKind::SendBack => Ok(DecisionPlan::SendBack {
            extra: d.extra,
            rejected: item.answers.iter().map(|(l, w, _)| (*l, *w)).collect(),
        }),
    }
}

/// Leaves out (or takes back) the labels of a pause's stretch and decides their items again
/// with the order's consensus.
pub async fn exclude_stretch(
    svc: &Services,
    pause_id: i64,
    order_id: i64,
    exclude: bool,
) -> AppResult<mudou_store::ExclusionOutcome> {
    let order = svc.store.order_by_id(OrderId::new(order_id)).await?;
    let spec: OrderSpec = serde_json::from_str(&order.spec).map_err(AppError::internal)?;
    Ok(svc
        .store
        .exclude_pause_labels(pause_id, exclude, now_millis(), |item| {
            mudou_domain::live::decide(&spec, item)
        })
        .await?)
}

/// Does every waiting exclusion (the automatic rules ask for them inside the labels'
/// transaction; the consensus that decides items again lives here). Returns how many.
pub async fn run_pending_exclusions(svc: &Services) -> AppResult<usize> {
    let pending = svc.store.pending_exclusions().await?;
    let mut done = 0;
    for (pause_id, order_id) in &pending {
        match exclude_stretch(svc, *pause_id, *order_id, true).await {
            Ok(out) => {
                done += 1;
                tracing::info!(
                    pause = pause_id,
                    labels = out.labels,
                    items = out.items,
                    "labels of a paused stretch left out"
                );
            }
            Err(e) => {
                tracing::warn!(pause = pause_id, code = e.code.as_str(), message = %e.message, "leaving out a paused stretch failed")
            }
        }
    }
    Ok(done)
}

/// Runs [`run_pending_exclusions`] every [`SWEEP_EVERY`] until the task is dropped.
pub async fn sweep_loop(svc: Services) {
    let mut tick = tokio::time::interval(SWEEP_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = run_pending_exclusions(&svc).await {
            tracing::warn!(code = e.code.as_str(), message = %e.message, "exclusion sweep failed; trying again");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::nothing_agreed;

    #[test]
    fn an_empty_drawing_consensus_over_drawn_answers_is_nothing_agreed() {
        let drawn = |a: &str| vec![(1, 7, a.to_owned()), (2, 8, r#"{"turned":[]}"#.to_owned())];
        let star = r#"{"turned":[{"label":"star","cx":5,"cy":5,"w":4,"h":4,"angle":0}]}"#;
        assert!(nothing_agreed(r#"{"turned":[]}"#, &drawn(star)));
        // Everyone drew nothing: "nothing" is agreed.
        assert!(!nothing_agreed(
            r#"{"turned":[]}"#,
            &drawn(r#"{"turned":[]}"#)
        ));
        // A consensus with objects, a choice, or no JSON at all.
        assert!(!nothing_agreed(star, &drawn(star)));
        assert!(!nothing_agreed(r#"{"label":"cat"}"#, &drawn(star)));
        assert!(!nothing_agreed("not json", &drawn(star)));
    }
}
