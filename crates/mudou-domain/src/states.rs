//! The states things move through, as stored (`TEXT` columns with a `CHECK`) and as the API
//! says them.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::UnknownVariant;

/// Where an order's item stands in its consensus.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemState {
    /// Still collecting labels.
    Open,
    /// Settled: its answer is final (by consensus or a lead).
    Resolved,
    /// People disagree or skip it: it waits for a lead.
    Escalated,
}

impl ItemState {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemState::Open => "open",
            ItemState::Resolved => "resolved",
            ItemState::Escalated => "escalated",
        }
    }

    /// Reads a stored state; `None` for anything else.
    pub fn parse(s: &str) -> Option<ItemState> {
        match s {
            "open" => Some(ItemState::Open),
            "resolved" => Some(ItemState::Resolved),
            "escalated" => Some(ItemState::Escalated),
            _ => None,
        }
    }
}

/// A stored state read as a column (`#[sqlx(try_from = "String")]` in the store).
impl TryFrom<String> for ItemState {
    type Error = UnknownVariant;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        ItemState::parse(&s).ok_or(UnknownVariant {
            kind: "item state",
            value: s,
        })
    }
}

impl std::fmt::Display for ItemState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How an annotator ends an assignment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Finish {
    /// Handed in: its answers are final.
    Submit,
    /// Handed back: its unanswered items go back to the pool.
    Return,
}

impl Finish {
    /// The assignment's state afterwards.
    pub fn state(self) -> &'static str {
        match self {
            Finish::Submit => "submitted",
            Finish::Return => "returned",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_read_back_as_written() {
        for s in [ItemState::Open, ItemState::Resolved, ItemState::Escalated] {
            assert_eq!(ItemState::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        assert_eq!(ItemState::parse("done"), None);
        assert_eq!(
            ItemState::try_from("open".to_owned()).ok(),
            Some(ItemState::Open)
        );
        assert!(ItemState::try_from("done".to_owned()).is_err());
    }
}
