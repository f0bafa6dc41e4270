//! SelectUniqueValue's look-ups in the target for one decision: the engine
//! asks synchronously, so unanswered questions are collected and asked
//! through the connector between two rounds of the decision.

use std::collections::HashMap;

use provisio_engine::expr::ExistingValues;

/// Values one object's SelectUniqueValue may ask the target about.
pub(super) const MAX_UNIQUE_LOOKUPS: usize = 32;

/// SelectUniqueValue's look-ups for one decision: answers already fetched
/// from the target, and the questions still to ask (answered "unknown",
/// which fails that evaluation until the answer is in).
pub(super) struct TargetLookups<'a> {
    pub(super) known: &'a HashMap<(String, String), bool>,
    pub(super) unknown: &'a mut Vec<(String, String)>,
}

impl ExistingValues for TargetLookups<'_> {
    fn exists(&mut self, value: &str) -> Result<bool, String> {
        self.exists_in(None, value)
    }

    fn exists_in(&mut self, attribute: Option<&str>, value: &str) -> Result<bool, String> {
        let Some(attribute) = attribute else {
            return Err("no target attribute to look the value up in".into());
        };
        let key = (attribute.to_owned(), value.to_owned());
        match self.known.get(&key) {
            Some(exists) => Ok(*exists),
            None => {
                self.unknown.push(key);
                Err("not looked up in the target yet".into())
            }
        }
    }
}
