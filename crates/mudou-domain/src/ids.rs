//! The ids of stored things, one type each, so that an order's id cannot be passed where
//! an item's is wanted.
//!
//! An id is made explicitly where it enters (a path, the caller, a row): `OrderId::new(x)`.
//! There is no `From<i64>`, so a bare number never turns into an id unseen; `.get()` (or
//! `i64::from`) gives the number back, to bind or to print. On the wire and in the OpenAPI
//! document an id is a plain integer (`serde(transparent)`, `value_type = i64`).

use std::fmt;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

macro_rules! ids {
    ($($(#[$m:meta])* $name:ident;)+) => {$(
        $(#[$m])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
        )]
        #[serde(transparent)]
        #[schema(value_type = i64)]
        pub struct $name(i64);

        impl $name {
            /// The id stored as `id`.
            pub const fn new(id: i64) -> Self {
                $name(id)
            }

            /// The number, to bind in SQL or to print.
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }
    )+};
}

ids! {
    /// An order (`orders.id`).
    OrderId;
    /// An item of a dataset (`items.id`).
    ItemId;
    /// A user of any role (`users.id`).
    UserId;
    /// A centre of annotators (`centres.id`).
    CentreId;
    /// A work unit of an order (`work_units.id`).
    UnitId;
    /// A client organisation (`orgs.id`).
    OrgId;
    /// An annotator's lease of a unit (`assignments.id`).
    AssignmentId;
    /// A dataset (`datasets.id`).
    DatasetId;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_a_plain_integer_on_the_wire() {
        let id = OrderId::new(42);
        assert_eq!(serde_json::to_string(&id).unwrap(), "42");
        assert_eq!(serde_json::from_str::<OrderId>("42").unwrap(), id);
        assert_eq!(
            (id.get(), i64::from(id), id.to_string()),
            (42, 42, "42".into())
        );
    }

    #[test]
    fn an_id_is_an_integer_in_the_schema() {
        use utoipa::PartialSchema;
        let schema = serde_json::to_value(ItemId::schema()).unwrap();
        assert_eq!(schema["type"], "integer", "{schema}");
        assert_eq!(schema["format"], "int64", "{schema}");
    }
}
