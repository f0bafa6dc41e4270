//! The values of a multi-valued attribute indexed by their value (a complex
//! value's `value` sub-attribute), so that adding or removing many values
//! at once — a group's members — looks each one up instead of comparing it
//! with every value held: linear in the two lists, not their product.

use std::collections::HashMap;

use serde_json::Value;

use super::members::find_in;
use crate::schema::{AttrType, AttributeDef};

/// Positions of values by their lower-cased text. Equal values share a
/// bucket however the attribute compares text (exactly or ignoring case,
/// which SCIM compares lower-cased), so the bucket is a superset of the
/// equal values; the caller still compares each.
pub(super) struct ByValue {
    buckets: HashMap<String, Vec<usize>>,
    /// Values with no text to index by (compared with every lookup).
    unkeyed: Vec<usize>,
    len: usize,
}

impl ByValue {
    pub(super) fn new(attr: &AttributeDef, values: &[Value]) -> ByValue {
        let mut index = ByValue {
            buckets: HashMap::new(),
            unkeyed: Vec::new(),
            len: 0,
        };
        for value in values {
            index.push(attr, value);
        }
        index
    }

    /// Indexes the next value (at position `len`).
    pub(super) fn push(&mut self, attr: &AttributeDef, value: &Value) {
        match key(attr, value) {
            Some(key) => self.buckets.entry(key).or_default().push(self.len),
            None => self.unkeyed.push(self.len),
        }
        self.len += 1;
    }

    /// The positions, in order, of the values that may equal `other`.
    pub(super) fn may_equal(&self, attr: &AttributeDef, other: &Value) -> Vec<usize> {
        let Some(key) = key(attr, other) else {
            return (0..self.len).collect();
        };
        let mut positions: Vec<usize> = self
            .buckets
            .get(&key)
            .into_iter()
            .flatten()
            .chain(&self.unkeyed)
            .copied()
            .collect();
        positions.sort_unstable();
        positions
    }
}

/// The text a value is indexed by: a simple value's own, a complex
/// value's `value` sub-attribute's; `None` for anything else.
fn key(attr: &AttributeDef, value: &Value) -> Option<String> {
    let text = if attr.kind == AttrType::Complex {
        find_in(value, "value")?
    } else {
        value
    };
    text.as_str().map(str::to_lowercase)
}
