//! Target attribute paths as SCIM writes them — `name.givenName`,
//! `emails[type eq "work"].value`, extension URNs such as
//! `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager` — and
//! the conversion between a flat list of path → value and a SCIM resource,
//! and the difference between desired and current target attributes.
//! [`syntax`] holds the lexical rules these paths share with the SCIM
//! service's filters and PATCH paths (parsed by provisio-scim).

pub(crate) mod diff;
mod parse;
mod resource;
pub mod syntax;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::value::Value;

pub use diff::{AttributeChange, diff};
pub use parse::PathError;
pub use resource::{from_resource, to_resource};

/// A target object's attributes, keyed by the canonical text of their path.
pub type TargetAttributes = BTreeMap<String, Value>;

/// One parsed target path.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TargetPath {
    /// The extension schema URN, when the path names one.
    pub schema: Option<String>,
    /// The attribute, e.g. `emails` or `name`.
    pub attribute: String,
    /// A value filter selecting one element of a multi-valued attribute.
    pub filter: Option<ValueFilter>,
    /// The sub-attribute, e.g. `value` or `givenName`.
    pub sub_attribute: Option<String>,
}

/// `[type eq "work"]`: selects the element whose `attribute` equals `value`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ValueFilter {
    pub attribute: String,
    pub value: FilterValue,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FilterValue {
    Text(String),
    Boolean(bool),
}
