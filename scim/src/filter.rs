//! SCIM filters and PATCH paths (RFC 7644 §3.4.2.2 Figure 1, §3.5.2 Figure 7):
//! the lexer, the parser, the up-front check against a schema and the
//! evaluation of a filter on a resource.

use std::cmp::Ordering;
use std::sync::LazyLock;

use chrono::{DateTime, FixedOffset};
use provisio_engine::scim_path::syntax::boolean;
use serde_json::Value;

use crate::error::{ScimError, ScimType};
use crate::path::AttrPath;
use crate::schema::{AttrType, AttributeDef, GROUP_URN, Mutability, ResourceSchema, Returned, USER_URN, Uniqueness};

/// How deeply parentheses, `not` and `[…]` may nest; deeper is refused.
const MAX_DEPTH: usize = 32;

/// A comparison operator (RFC 7644 Table 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Lt,
    Ge,
    Le,
}

impl CompareOp {
    fn parse(word: &str) -> Option<CompareOp> {
        let op = match word.to_ascii_lowercase().as_str() {
            "eq" => CompareOp::Eq,
            "ne" => CompareOp::Ne,
            "co" => CompareOp::Co,
            "sw" => CompareOp::Sw,
            "ew" => CompareOp::Ew,
            "gt" => CompareOp::Gt,
            "lt" => CompareOp::Lt,
            "ge" => CompareOp::Ge,
            "le" => CompareOp::Le,
            _ => return None,
        };
        Some(op)
    }

    fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Co => "co",
            CompareOp::Sw => "sw",
            CompareOp::Ew => "ew",
            CompareOp::Gt => "gt",
            CompareOp::Lt => "lt",
            CompareOp::Ge => "ge",
            CompareOp::Le => "le",
        }
    }

    fn is_ordering(self) -> bool {
        matches!(self, CompareOp::Gt | CompareOp::Lt | CompareOp::Ge | CompareOp::Le)
    }

    fn is_substring(self) -> bool {
        matches!(self, CompareOp::Co | CompareOp::Sw | CompareOp::Ew)
    }
}

/// A parsed filter. `and` and `or` hold two or more operands.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `userName eq "bjensen"`; the value is a JSON literal.
    Compare {
        path: AttrPath,
        op: CompareOp,
        value: Value,
    },
    /// `title pr`
    Present(AttrPath),
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Not(Box<Filter>),
    /// `emails[type eq "work"]`: some value of the complex attribute `path`
    /// matches `filter`, whose paths name its sub-attributes.
    /// `emails[type eq "work"].value co "@x"` is read as
    /// `emails[type eq "work" and value co "@x"]`.
    ValuePath {
        path: AttrPath,
        filter: Box<Filter>,
    },
}

/// A PATCH `path`: `name.givenName`, `members[value eq "2819c223"]`,
/// `emails[type eq "work"].value` (the sub-attribute is then in `path`).
#[derive(Debug, Clone, PartialEq)]
pub struct PatchPath {
    pub path: AttrPath,
    pub filter: Option<Filter>,
}

/// Where paths are looked up: the resource, or one value of a complex attribute.
#[derive(Clone, Copy)]
enum Scope<'s> {
    Resource(&'s ResourceSchema),
    Element(&'s AttributeDef),
}

/// A path found in a scope.
struct Located<'s> {
    /// The extension URN object holding the attribute, if any.
    urn: Option<&'s str>,
    attr: &'s AttributeDef,
    sub: Option<&'s AttributeDef>,
}

impl<'s> Located<'s> {
    /// What a comparison compares: the sub-attribute, else the attribute,
    /// else a complex attribute's `value` (RFC 7644 §3.4.2.2).
    fn compared(&self) -> Option<&'s AttributeDef> {
        match self.sub {
            Some(sub) => Some(sub),
            None if self.attr.kind == AttrType::Complex => self.attr.sub_attribute("value"),
            None => Some(self.attr),
        }
    }
}

/// `schemas`, which filters may test (RFC 7644 Figure 2) though no schema lists it.
static SCHEMAS_ATTRIBUTE: LazyLock<AttributeDef> = LazyLock::new(|| AttributeDef {
    name: "schemas".into(),
    kind: AttrType::Reference,
    multi_valued: true,
    required: true,
    case_exact: false,
    mutability: Mutability::ReadOnly,
    returned: Returned::Always,
    uniqueness: Uniqueness::None,
    sub_attributes: Vec::new(),
    canonical_values: Vec::new(),
    reference_types: vec!["uri".into()],
    description: "The schema URNs the resource uses.".into(),
});

fn locate<'s>(path: &AttrPath, scope: Scope<'s>) -> Option<Located<'s>> {
    match scope {
        Scope::Resource(_)
            if path.urn.is_none() && path.sub_attr.is_none() && path.attr.eq_ignore_ascii_case("schemas") =>
        {
            Some(Located {
                urn: None,
                attr: &SCHEMAS_ATTRIBUTE,
                sub: None,
            })
        }
        Scope::Resource(schema) => {
            let found = schema.resolve(path)?;
            Some(Located {
                urn: found.in_extension.then_some(found.schema.id.as_str()),
                attr: found.attr,
                sub: found.sub,
            })
        }
        Scope::Element(parent) if path.urn.is_none() && path.sub_attr.is_none() => Some(Located {
            urn: None,
            attr: parent.sub_attribute(&path.attr)?,
            sub: None,
        }),
        Scope::Element(_) => None,
    }
}

/// The member `name` of an object, compared case-insensitively.
pub fn get_ignore_case<'v>(object: &'v Value, name: &str) -> Option<&'v Value> {
    let object = object.as_object()?;
    object.get(name).or_else(|| {
        object
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
    })
}

/// The values of an attribute: each element of a multi-valued one.
fn elements(value: Option<&Value>) -> Vec<&Value> {
    match value {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.iter().filter(|item| !item.is_null()).collect(),
        Some(one) => vec![one],
    }
}

/// The values of the located attribute in `target` (a resource or an element).
fn attr_values<'v>(target: &'v Value, found: &Located<'_>) -> Vec<&'v Value> {
    let container = match found.urn {
        Some(urn) => get_ignore_case(target, urn),
        None => Some(target),
    };
    elements(container.and_then(|container| get_ignore_case(container, &found.attr.name)))
}

/// The values a comparison on the located path compares.
fn located_values<'v>(target: &'v Value, found: &Located<'_>) -> Vec<&'v Value> {
    let values = attr_values(target, found);
    match (found.sub, found.attr.kind) {
        (Some(sub), _) => values
            .into_iter()
            .flat_map(|item| elements(get_ignore_case(item, &sub.name)))
            .collect(),
        (None, AttrType::Complex) => match found.attr.sub_attribute("value") {
            Some(value) => values
                .into_iter()
                .flat_map(|item| elements(get_ignore_case(item, &value.name)))
                .collect(),
            None => values,
        },
        (None, _) => values,
    }
}

/// Whether a value counts as present (RFC 7644 `pr`).
pub fn is_present(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(text) => !text.is_empty(),
        Value::Array(items) => items.iter().any(is_present),
        Value::Object(members) => members.values().any(is_present),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

pub fn parse_date_time(text: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(text).ok()
}

/// A boolean, also when a client sent it as "True" or "false".
pub fn as_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(flag) => Some(*flag),
        Value::String(text) => boolean(text),
        _ => None,
    }
}

/// Orders two values of one attribute the way filters and sorting compare
/// them; `None` when they cannot be compared.
pub fn compare_values(def: &AttributeDef, left: &Value, right: &Value) -> Option<Ordering> {
    match def.kind {
        AttrType::Boolean => Some(as_bool(left)?.cmp(&as_bool(right)?)),
        AttrType::Integer | AttrType::Decimal => left.as_f64()?.partial_cmp(&right.as_f64()?),
        AttrType::DateTime => {
            let (left, right) = (left.as_str()?, right.as_str()?);
            match (parse_date_time(left), parse_date_time(right)) {
                (Some(left), Some(right)) => Some(left.cmp(&right)),
                _ => Some(left.cmp(right)),
            }
        }
        AttrType::String | AttrType::Reference | AttrType::Binary => {
            let (left, right) = (left.as_str()?, right.as_str()?);
            Some(if def.case_exact {
                left.cmp(right)
            } else {
                left.to_lowercase().cmp(&right.to_lowercase())
            })
        }
        AttrType::Complex => None,
    }
}

fn compare(def: &AttributeDef, actual: &Value, op: CompareOp, expected: &Value) -> bool {
    if op.is_substring() {
        let (Some(actual), Some(expected)) = (actual.as_str(), expected.as_str()) else {
            return false;
        };
        let (actual, expected) = if def.case_exact {
            (actual.to_owned(), expected.to_owned())
        } else {
            (actual.to_lowercase(), expected.to_lowercase())
        };
        return match op {
            CompareOp::Co => actual.contains(&expected),
            CompareOp::Sw => actual.starts_with(&expected),
            _ => actual.ends_with(&expected),
        };
    }
    if op.is_ordering() && matches!(def.kind, AttrType::Boolean | AttrType::Binary) {
        return false;
    }
    let Some(ordering) = compare_values(def, actual, expected) else {
        return false;
    };
    match op {
        CompareOp::Gt => ordering == Ordering::Greater,
        CompareOp::Ge => ordering != Ordering::Less,
        CompareOp::Lt => ordering == Ordering::Less,
        CompareOp::Le => ordering != Ordering::Greater,
        _ => ordering == Ordering::Equal,
    }
}

impl Filter {
    /// Whether `resource` (SCIM JSON) matches. String comparisons ignore case
    /// unless the attribute is caseExact; a multi-valued attribute matches
    /// when any value does; `ne` matches when no value is equal (so also
    /// when the attribute is unassigned); `eq null` matches an unassigned
    /// attribute. Paths the schema does not know match nothing:
    /// call [`Filter::check`] first to refuse them.
    pub fn matches(&self, resource: &Value, schema: &ResourceSchema) -> bool {
        self.eval(resource, Scope::Resource(schema))
    }

    fn eval(&self, target: &Value, scope: Scope<'_>) -> bool {
        match self {
            Filter::And(operands) => operands.iter().all(|operand| operand.eval(target, scope)),
            Filter::Or(operands) => operands.iter().any(|operand| operand.eval(target, scope)),
            Filter::Not(inner) => !inner.eval(target, scope),
            Filter::Present(path) => match locate(path, scope) {
                Some(found) if found.sub.is_none() => attr_values(target, &found).into_iter().any(is_present),
                Some(found) => located_values(target, &found).into_iter().any(is_present),
                None => false,
            },
            Filter::Compare { path, op, value } => {
                let Some(found) = locate(path, scope) else {
                    return false;
                };
                let Some(def) = found.compared() else {
                    return false;
                };
                let values = located_values(target, &found);
                match (op, value) {
                    (CompareOp::Eq, Value::Null) => !values.into_iter().any(is_present),
                    (CompareOp::Ne, Value::Null) => values.into_iter().any(is_present),
                    (CompareOp::Ne, _) => !values
                        .into_iter()
                        .any(|actual| compare(def, actual, CompareOp::Eq, value)),
                    _ => values.into_iter().any(|actual| compare(def, actual, *op, value)),
                }
            }
            Filter::ValuePath { path, filter } => {
                let (Scope::Resource(_), Some(found)) = (scope, locate(path, scope)) else {
                    return false;
                };
                attr_values(target, &found)
                    .into_iter()
                    .any(|element| filter.eval(element, Scope::Element(found.attr)))
            }
        }
    }

    /// Refuses, with 400 `invalidFilter`, attributes the schema does not
    /// have and operators that do not apply to an attribute's type
    /// (RFC 7644 §3.4.2.2: gt, ge, lt, le on booleans or binary).
    pub fn check(&self, schema: &ResourceSchema) -> Result<(), ScimError> {
        self.check_in(Scope::Resource(schema))
    }

    fn check_in(&self, scope: Scope<'_>) -> Result<(), ScimError> {
        let unknown = |path: &AttrPath| match scope {
            Scope::Resource(schema) => ScimError::invalid_filter(format!(
                "unknown attribute \"{path}\" in the filter on {}",
                schema.resource_type
            )),
            Scope::Element(parent) => {
                ScimError::invalid_filter(format!("\"{}\" has no sub-attribute \"{path}\"", parent.name))
            }
        };
        match self {
            Filter::And(operands) | Filter::Or(operands) => {
                operands.iter().try_for_each(|operand| operand.check_in(scope))
            }
            Filter::Not(inner) => inner.check_in(scope),
            Filter::Present(path) => locate(path, scope).map(|_| ()).ok_or_else(|| unknown(path)),
            Filter::Compare { path, op, value } => {
                let found = locate(path, scope).ok_or_else(|| unknown(path))?;
                let def = found.compared().ok_or_else(|| {
                    ScimError::invalid_filter(format!(
                        "\"{path}\" is a complex attribute: compare one of its sub-attributes, e.g. \"{path}.{}\"",
                        found
                            .attr
                            .sub_attributes
                            .first()
                            .map_or("value", |sub| sub.name.as_str())
                    ))
                })?;
                check_comparison(path, def, *op, value)
            }
            Filter::ValuePath { path, filter } => {
                let found = locate(path, scope).ok_or_else(|| unknown(path))?;
                if found.attr.kind != AttrType::Complex || found.sub.is_some() {
                    return Err(ScimError::invalid_filter(format!(
                        "\"{path}[…]\": a value filter applies to a complex attribute"
                    )));
                }
                filter.check_in(Scope::Element(found.attr))
            }
        }
    }

    /// [`Filter::check`] for a value filter of the complex attribute `parent`.
    pub fn check_element(&self, parent: &AttributeDef) -> Result<(), ScimError> {
        self.check_in(Scope::Element(parent))
    }

    /// [`Filter::matches`] for one value of the complex attribute `parent`.
    pub fn matches_element(&self, element: &Value, parent: &AttributeDef) -> bool {
        self.eval(element, Scope::Element(parent))
    }

    /// Whether any path of the filter names the derived `groups` attribute.
    pub fn mentions_groups(&self) -> bool {
        self.mentions("groups")
    }

    /// Whether any path of the filter names the top-level attribute `attribute`.
    pub fn mentions(&self, attribute: &str) -> bool {
        match self {
            Filter::Compare { path, .. } | Filter::Present(path) | Filter::ValuePath { path, .. } => {
                path.attr.eq_ignore_ascii_case(attribute)
            }
            Filter::And(parts) | Filter::Or(parts) => parts.iter().any(|part| part.mentions(attribute)),
            Filter::Not(inner) => inner.mentions(attribute),
        }
    }

    /// An `attr eq "string"` at the top or among top-level `and`s, to narrow
    /// a database query before exact evaluation: the lower-cased path
    /// (core User and Group paths without their URN) and the value.
    pub fn equality_lookup(&self) -> Option<(String, String)> {
        match self {
            Filter::Compare {
                path,
                op: CompareOp::Eq,
                value: Value::String(value),
            } => {
                let core = path
                    .urn
                    .as_deref()
                    .is_some_and(|urn| urn.eq_ignore_ascii_case(USER_URN) || urn.eq_ignore_ascii_case(GROUP_URN));
                let key = if core {
                    AttrPath {
                        urn: None,
                        ..path.clone()
                    }
                } else {
                    path.clone()
                };
                Some((key.to_string().to_lowercase(), value.clone()))
            }
            Filter::And(operands) => operands.iter().find_map(Filter::equality_lookup),
            _ => None,
        }
    }

    /// [`Filter::equality_lookup`] for a filter that may also be an `or` of
    /// such equalities (`userName eq "a" or userName eq "b"`, as a client
    /// matching many users at once sends): every resource it matches has
    /// one of these `(path, value)` pairs, so a service may read just those.
    /// `None` when any operand of an `or` cannot be narrowed so.
    pub fn equality_lookups(&self) -> Option<Vec<(String, String)>> {
        match self {
            Filter::Or(operands) => operands.iter().try_fold(Vec::new(), |mut all, operand| {
                all.extend(operand.equality_lookups()?);
                Some(all)
            }),
            Filter::And(operands) => operands.iter().find_map(Filter::equality_lookups),
            other => other.equality_lookup().map(|pair| vec![pair]),
        }
    }
}

fn check_comparison(path: &AttrPath, def: &AttributeDef, op: CompareOp, value: &Value) -> Result<(), ScimError> {
    let kind = def.kind.as_str();
    let refuse = |why: String| {
        Err(ScimError::invalid_filter(format!(
            "\"{path} {} …\": {why}",
            op.as_str()
        )))
    };
    if op.is_ordering() && matches!(def.kind, AttrType::Boolean | AttrType::Binary) {
        return refuse(format!(
            "{} cannot order the {kind} attribute \"{}\"",
            op.as_str(),
            def.name
        ));
    }
    if op.is_substring() && matches!(def.kind, AttrType::Boolean | AttrType::Integer | AttrType::Decimal) {
        return refuse(format!(
            "{} needs a string, and \"{}\" is {kind}",
            op.as_str(),
            def.name
        ));
    }
    if value.is_null() {
        return match op {
            CompareOp::Eq | CompareOp::Ne => Ok(()),
            _ => refuse(format!("null can only be compared with eq or ne, not {}", op.as_str())),
        };
    }
    let fits = match def.kind {
        AttrType::Boolean => as_bool(value).is_some(),
        AttrType::Integer | AttrType::Decimal => value.is_number(),
        AttrType::DateTime if !op.is_substring() => value.as_str().is_some_and(|text| parse_date_time(text).is_some()),
        _ => value.is_string(),
    };
    if fits {
        return Ok(());
    }
    let expected = match def.kind {
        AttrType::Boolean => "true or false",
        AttrType::Integer | AttrType::Decimal => "a number",
        AttrType::DateTime if !op.is_substring() => "a quoted xsd:dateTime such as \"2011-05-13T04:42:34Z\"",
        _ => "a quoted string",
    };
    refuse(format!(
        "\"{}\" is {kind}, so the value must be {expected}, not {value}",
        def.name
    ))
}

mod parse;

pub use parse::{parse, parse_path};

#[cfg(test)]
mod tests;
