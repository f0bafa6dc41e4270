//! The scoping operators, their names as written in job definitions (Entra's
//! UI names, with Graph's and underscore spellings accepted) and their arity.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operator {
    // Entra's operators.
    Equals,
    NotEquals,
    IsTrue,
    IsFalse,
    IsNull,
    IsNotNull,
    Includes,
    EndsWith,
    RegexMatch,
    NotRegexMatch,
    GreaterThan,
    GreaterThanOrEquals,
    /// `&`: bitwise AND of two integers is non-zero.
    BitAnd,
    /// `!&`: bitwise AND of two integers is zero.
    NotBitAnd,
    // Provisio's additions.
    StartsWith,
    LessThan,
    LessThanOrEquals,
    IsIn,
    IsNotIn,
    IsMemberOf,
    Before,
    After,
    WithinDays,
}

impl Operator {
    pub const ALL: [Operator; 23] = [
        Operator::Equals,
        Operator::NotEquals,
        Operator::IsTrue,
        Operator::IsFalse,
        Operator::IsNull,
        Operator::IsNotNull,
        Operator::Includes,
        Operator::EndsWith,
        Operator::RegexMatch,
        Operator::NotRegexMatch,
        Operator::GreaterThan,
        Operator::GreaterThanOrEquals,
        Operator::BitAnd,
        Operator::NotBitAnd,
        Operator::StartsWith,
        Operator::LessThan,
        Operator::LessThanOrEquals,
        Operator::IsIn,
        Operator::IsNotIn,
        Operator::IsMemberOf,
        Operator::Before,
        Operator::After,
        Operator::WithinDays,
    ];

    /// The canonical name, as Entra's portal shows it.
    pub fn name(self) -> &'static str {
        match self {
            Operator::Equals => "EQUALS",
            Operator::NotEquals => "NOT EQUALS",
            Operator::IsTrue => "IS TRUE",
            Operator::IsFalse => "IS FALSE",
            Operator::IsNull => "IS NULL",
            Operator::IsNotNull => "IS NOT NULL",
            Operator::Includes => "Includes",
            Operator::EndsWith => "ENDS_WITH",
            Operator::RegexMatch => "REGEX MATCH",
            Operator::NotRegexMatch => "NOT REGEX MATCH",
            Operator::GreaterThan => "Greater_Than",
            Operator::GreaterThanOrEquals => "Greater_Than_OR_EQUALS",
            Operator::BitAnd => "&",
            Operator::NotBitAnd => "!&",
            Operator::StartsWith => "STARTS_WITH",
            Operator::LessThan => "Less_Than",
            Operator::LessThanOrEquals => "Less_Than_OR_EQUALS",
            Operator::IsIn => "IS IN",
            Operator::IsNotIn => "IS NOT IN",
            Operator::IsMemberOf => "IS MEMBER OF",
            Operator::Before => "BEFORE",
            Operator::After => "AFTER",
            Operator::WithinDays => "WITHIN_DAYS",
        }
    }

    /// Unary operators take no value.
    pub fn is_unary(self) -> bool {
        matches!(
            self,
            Operator::IsTrue | Operator::IsFalse | Operator::IsNull | Operator::IsNotNull
        )
    }

    /// Whether the value is a list (IS IN, IS NOT IN).
    pub fn takes_list(self) -> bool {
        matches!(self, Operator::IsIn | Operator::IsNotIn)
    }

    /// Whether Entra itself has the operator (the others are Provisio's).
    pub fn is_entra(self) -> bool {
        matches!(
            self,
            Operator::Equals
                | Operator::NotEquals
                | Operator::IsTrue
                | Operator::IsFalse
                | Operator::IsNull
                | Operator::IsNotNull
                | Operator::Includes
                | Operator::EndsWith
                | Operator::RegexMatch
                | Operator::NotRegexMatch
                | Operator::GreaterThan
                | Operator::GreaterThanOrEquals
                | Operator::BitAnd
                | Operator::NotBitAnd
        )
    }
}

/// Spelling-insensitive key: `NOT EQUALS`, `NOT_EQUALS`, `NotEquals` and
/// `notequals` are the same operator.
fn key(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect()
}

impl FromStr for Operator {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        let wanted = key(name.trim());
        let aliases = [
            ("bitand", Operator::BitAnd),
            ("notbitand", Operator::NotBitAnd),
            ("contains", Operator::Includes),
        ];
        Operator::ALL
            .into_iter()
            .find(|op| key(op.name()) == wanted)
            .or_else(|| {
                aliases
                    .into_iter()
                    .find(|(alias, _)| *alias == wanted)
                    .map(|(_, op)| op)
            })
            .ok_or_else(|| {
                let known: Vec<&str> = Operator::ALL.iter().map(|op| op.name()).collect();
                format!(
                    "unknown scoping operator \"{name}\"; known operators: {}",
                    known.join(", ")
                )
            })
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Operator {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Operator {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for op in Operator::ALL {
            assert_eq!(op.name().parse::<Operator>(), Ok(op));
        }
    }

    #[test]
    fn spellings_are_accepted() {
        assert_eq!("NOT_EQUALS".parse(), Ok(Operator::NotEquals));
        assert_eq!("NotEquals".parse(), Ok(Operator::NotEquals));
        assert_eq!("greater_than_or_equals".parse(), Ok(Operator::GreaterThanOrEquals));
        assert_eq!("REGEX_MATCH".parse(), Ok(Operator::RegexMatch));
        assert!("LIKE".parse::<Operator>().unwrap_err().contains("known operators"));
    }
}
