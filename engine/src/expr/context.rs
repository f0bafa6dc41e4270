//! Everything an evaluation needs from outside the expression: the current
//! time, a random source, the organisation's default domain and the
//! "does this value already exist in the target" look-up.

use std::collections::{BTreeSet, HashSet};

use chrono::{DateTime, Utc};

use crate::random::{RandomSource, SeededRandom};

/// Answers SelectUniqueValue's question for one target attribute.
pub trait ExistingValues {
    /// Whether `value` is already taken in the target; `Err` carries the
    /// target's error, which fails the evaluation.
    fn exists(&mut self, value: &str) -> Result<bool, String>;

    /// The same question for the target attribute being mapped (the
    /// mapping's target path, when a mapping is evaluated). Look-ups that
    /// know the target override it; the default ignores the attribute.
    fn exists_in(&mut self, attribute: Option<&str>, value: &str) -> Result<bool, String> {
        let _ = attribute;
        self.exists(value)
    }
}

/// Nothing exists yet: SelectUniqueValue returns its first candidate.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoExistingValues;

impl ExistingValues for NoExistingValues {
    fn exists(&mut self, _value: &str) -> Result<bool, String> {
        Ok(false)
    }
}

impl ExistingValues for BTreeSet<String> {
    fn exists(&mut self, value: &str) -> Result<bool, String> {
        Ok(self.contains(value))
    }
}

impl ExistingValues for HashSet<String> {
    fn exists(&mut self, value: &str) -> Result<bool, String> {
        Ok(self.contains(value))
    }
}

impl<F: FnMut(&str) -> Result<bool, String>> ExistingValues for F {
    fn exists(&mut self, value: &str) -> Result<bool, String> {
        self(value)
    }
}

/// The inputs of one evaluation. `EvalContext::default()` is fully
/// deterministic: the Unix epoch as "now", a fixed random seed, no default
/// domain and an empty target.
pub struct EvalContext<'a> {
    pub now: DateTime<Utc>,
    pub default_domain: Option<String>,
    pub random: Box<dyn RandomSource + 'a>,
    pub existing: Box<dyn ExistingValues + 'a>,
    /// The target path of the mapping being evaluated, if any: what
    /// SelectUniqueValue asks [`ExistingValues::exists_in`] about.
    pub target_attribute: Option<std::sync::Arc<str>>,
}

impl Default for EvalContext<'_> {
    fn default() -> Self {
        EvalContext::new(DateTime::UNIX_EPOCH)
    }
}

impl<'a> EvalContext<'a> {
    pub fn new(now: DateTime<Utc>) -> Self {
        EvalContext {
            now,
            default_domain: None,
            random: Box::new(SeededRandom::default()),
            existing: Box::new(NoExistingValues),
            target_attribute: None,
        }
    }

    pub fn with_default_domain(mut self, domain: impl Into<String>) -> Self {
        self.default_domain = Some(domain.into());
        self
    }

    pub fn with_random(mut self, random: impl RandomSource + 'a) -> Self {
        self.random = Box::new(random);
        self
    }

    pub fn with_existing(mut self, existing: impl ExistingValues + 'a) -> Self {
        self.existing = Box::new(existing);
        self
    }
}

impl std::fmt::Debug for EvalContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EvalContext")
            .field("now", &self.now)
            .field("default_domain", &self.default_domain)
            .finish_non_exhaustive()
    }
}
