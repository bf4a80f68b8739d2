use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, thiserror::Error)]
#[error("unknown {kind} {value:?}")]
pub struct UnknownVariant {
    pub kind: &'static str,
    pub value: String,
}

macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident, $kind:literal { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }
        impl FromStr for $name {
            type Err = UnknownVariant;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownVariant { kind: $kind, value: s.to_owned() }),
                }
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }
    };
}

string_enum! {
    /// What a user may do. Leads and annotators belong to a centre, clients to an organisation.
    Role, "role" {
        Admin => "admin",
        Client => "client",
        Lead => "lead",
        Annotator => "annotator",
    }
}

string_enum! {
    /// An annotator's level on the career path: trainee → standard → expert.
    SkillLevel, "skill level" {
        Trainee => "trainee",
        Standard => "standard",
        Expert => "expert",
    }
}

impl Role {
    /// Whether a user of this role belongs to a centre.
    pub fn needs_centre(self) -> bool {
        matches!(self, Role::Lead | Role::Annotator)
    }
    /// Whether a user of this role belongs to a client organisation.
    pub fn needs_org(self) -> bool {
        matches!(self, Role::Client)
    }
    /// Annotators log in with a PIN on an enrolled device; everyone else with a password.
    pub fn uses_pin(self) -> bool {
        matches!(self, Role::Annotator)
    }
}

/// What an API token may do: a subset of its creator's powers. A browser session has every
/// scope of its user's role.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
pub enum Scope {
    /// A client reads: datasets, orders, results, exports, quality reports, costs.
    #[serde(rename = "results:read")]
    ResultsRead,
    /// A client writes: uploads, orders (create, publish, sync, close), flags on results.
    #[serde(rename = "orders")]
    Orders,
    /// An annotator's work (annotators use the web UI; no token of theirs exists today).
    #[serde(rename = "annotate")]
    Annotate,
    /// Everything a lead does for their centre.
    #[serde(rename = "lead")]
    Lead,
    /// Everything an admin does, except creating admins.
    #[serde(rename = "admin")]
    Admin,
    /// Creating admins.
    #[serde(rename = "admin:users")]
    AdminUsers,
}

impl Scope {
    pub const ALL: &'static [Scope] = &[
        Scope::ResultsRead,
        Scope::Orders,
        Scope::Annotate,
        Scope::Lead,
        Scope::Admin,
        Scope::AdminUsers,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::ResultsRead => "results:read",
            Scope::Orders => "orders",
            Scope::Annotate => "annotate",
            Scope::Lead => "lead",
            Scope::Admin => "admin",
            Scope::AdminUsers => "admin:users",
        }
    }
    /// The scope a request of `role` needs; `read` for requests that change nothing
    /// (GET, HEAD). Only a client's scope depends on it.
    pub fn needed(role: Role, read: bool) -> Scope {
        match role {
            Role::Admin => Scope::Admin,
            Role::Lead => Scope::Lead,
            Role::Annotator => Scope::Annotate,
            Role::Client if read => Scope::ResultsRead,
            Role::Client => Scope::Orders,
        }
    }
}

impl FromStr for Scope {
    type Err = UnknownVariant;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scope::ALL
            .iter()
            .copied()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| UnknownVariant {
                kind: "scope",
                value: s.to_owned(),
            })
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Role {
    /// Every scope a user of this role holds (a session has them all).
    pub fn scopes(self) -> &'static [Scope] {
        match self {
            Role::Admin => &[Scope::Admin, Scope::AdminUsers],
            Role::Lead => &[Scope::Lead],
            Role::Client => &[Scope::ResultsRead, Scope::Orders],
            Role::Annotator => &[Scope::Annotate],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_round_trip_and_match_roles() {
        for s in Scope::ALL {
            assert_eq!(s.as_str().parse::<Scope>().unwrap(), *s);
            let json = serde_json::to_string(s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
        }
        for r in Role::ALL {
            assert!(r.scopes().contains(&Scope::needed(*r, true)));
            assert!(r.scopes().contains(&Scope::needed(*r, false)));
        }
        assert!(!Role::Admin.scopes().contains(&Scope::Orders));
    }

    #[test]
    fn round_trip() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), *r);
        }
        for s in SkillLevel::ALL {
            assert_eq!(s.as_str().parse::<SkillLevel>().unwrap(), *s);
        }
        assert!("root".parse::<Role>().is_err());
        assert!(Role::Annotator.uses_pin() && !Role::Lead.uses_pin());
        assert!(Role::Lead.needs_centre() && Role::Client.needs_org());
    }
}
