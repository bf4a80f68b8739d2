//! What stored labels changed, handed on inside the same transaction that stored them.
//!
//! Dispatch stores labels and updates each item's consensus; the pay ledger, the quality
//! rules, the throughput rollups and the model's record and blind acceptance
//! ([`crate::suggest_quality`]) follow from those facts. They are applied by
//! [`apply`] in the labels' own transaction, so a label, its consensus, its pay entry
//! and its rollup counts are committed together or not at all. The facts come in batches
//! (one transaction may store many labels), so each follower should handle a batch with
//! a few set-based statements, not one statement per label.

use mudou_domain::ItemState;

use crate::Result;
use crate::pool::Tx;

/// One label that was stored or changed (a replay of the same UUID is not a fact).
#[derive(Debug, Clone, PartialEq)]
pub struct LabelFact {
    pub label_id: i64,
    pub order_id: i64,
    pub item_id: i64,
    pub annotator_id: i64,
    pub centre_id: i64,
    pub assignment_id: i64,
    pub is_gold: bool,
    /// The answer (JSON), or `None` for a skip.
    pub answer: Option<String>,
    /// The skip reason, for a skip.
    pub skip_reason: Option<String>,
    /// `true` when an earlier answer of the same annotator to this item was replaced.
    pub changed: bool,
    /// For a gold item's answer: whether it matches the gold answer.
    pub gold_correct: Option<bool>,
    /// Time spent as the browser measured it (clamped), milliseconds.
    pub client_ms: i64,
    /// What this label earns when it is accepted (or on submit, for such orders), in fen.
    pub pay_fen: i64,
    /// The order pays on submit rather than on acceptance.
    pub pay_on_submit: bool,
}

/// How one answer of an item stands against the item's final answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub label_id: i64,
    pub annotator_id: i64,
    /// It agrees with the final answer (the consensus, or the gold answer).
    pub agrees: bool,
}

/// An item whose consensus state or answer changed.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemFact {
    pub order_id: i64,
    pub item_id: i64,
    /// Before and after.
    pub state_before: ItemState,
    pub state: ItemState,
    /// The consensus answer (JSON) now.
    pub answer: Option<String>,
    pub confidence: Option<f64>,
    /// Every real answer of the item against the final answer; set when `state` is
    /// `resolved`, or by a review sending written answers back (those it rejects); empty
    /// otherwise.
    pub verdicts: Vec<Verdict>,
}

/// A label newly left out of pay (and consensus): it was made in a quality-paused stretch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exclusion {
    pub label_id: i64,
    /// The rule that paused the worker (`labels.excluded_reason`), e.g. `gold_accuracy`.
    pub reason: String,
}

/// Everything one transaction of labels changed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabelEffects {
    /// Unix milliseconds of the transaction.
    pub now: i64,
    pub labels: Vec<LabelFact>,
    pub items: Vec<ItemFact>,
    /// Set when these facts come from a lead's review decision (accept, override, send
    /// back): the lead's user id. The verdicts of a review then accept or reject labels
    /// whatever the order's pay policy; consensus verdicts do not unpay labels of an order
    /// that pays on submit.
    pub reviewed_by: Option<i64>,
    /// Labels newly left out of pay (a quality-paused stretch). They stay unpaid, with
    /// their reason, whatever later verdicts say.
    pub excluded: Vec<Exclusion>,
}

impl LabelEffects {
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty() && self.items.is_empty() && self.excluded.is_empty()
    }
}

impl crate::Store {
    /// Applies label facts in a transaction of their own: for bringing in history and for
    /// benchmarks. The labels the facts name must be stored already; dispatch applies its
    /// facts inside the labels' own transaction instead.
    pub async fn apply_effects(&self, fx: &LabelEffects) -> Result<()> {
        in_tx!(self, tx => apply(&mut Tx::from(&mut *tx), fx).await?);
        Ok(())
    }
}

/// Applies the facts of stored labels inside their transaction: followers (the pay
/// ledger, quality rules, throughput rollups) each take the whole batch.
pub(crate) async fn apply(tx: &mut Tx<'_>, fx: &LabelEffects) -> Result<()> {
    if fx.is_empty() {
        return Ok(());
    }
    // Followers are called here, in this order, each with the whole batch.
    let pay = crate::ledger::follow(tx, fx).await?;
    crate::throughput::follow(tx, fx, &pay).await?;
    crate::quality::follow(tx, fx).await?;
    crate::suggest_quality::follow(tx, fx).await?;
    crate::ladder::follow(tx, fx).await?;
    Ok(())
}
