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

#[cfg(test)]
mod tests {
    use super::*;

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
