//! Regular expressions as expressions and scoping filters use them: compiled
//! once, then matched, with every match's groups as byte ranges of the text.
//!
//! Natively the engine matches with fancy-regex (backtracking, so lookaround
//! and backreferences work as in .NET, with a backtracking limit). In a
//! JavaScript host (wasm32: the portal, the engine's JS API) it uses the
//! host's own `RegExp`, which has the same features and keeps about 400 KB of
//! regex engine out of the portal's download. The differences between the two
//! are listed in docs/expressions.md.

use std::fmt;
use std::ops::Range;

#[cfg(not(target_arch = "wasm32"))]
#[path = "pattern/native.rs"]
mod imp;

#[cfg(target_arch = "wasm32")]
#[path = "pattern/javascript.rs"]
mod imp;

/// A compiled regular expression.
#[derive(Clone)]
pub struct Pattern {
    source: String,
    compiled: imp::Compiled,
}

impl Pattern {
    /// Compiles `source`; the error says what is wrong with it.
    pub fn new(source: &str) -> Result<Pattern, String> {
        Ok(Pattern {
            source: source.to_owned(),
            compiled: imp::Compiled::new(source)?,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether the pattern matches anywhere in `text`. Fails only when
    /// matching gives up (natively: too much backtracking).
    pub fn is_match(&self, text: &str) -> Result<bool, String> {
        self.compiled.is_match(text)
    }

    /// Every non-overlapping match, left to right.
    pub fn captures_iter(&self, text: &str) -> Result<Vec<Captures>, String> {
        self.compiled.captures(text, true)
    }

    /// The first match, if any.
    pub fn captures(&self, text: &str) -> Result<Option<Captures>, String> {
        Ok(self.compiled.captures(text, false)?.into_iter().next())
    }
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Pattern").field(&self.source).finish()
    }
}

/// One match: its groups by number (0 is the whole match) and by name, as
/// byte ranges of the matched text; `None` for a group that took no part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Captures {
    numbered: Vec<Option<Range<usize>>>,
    named: Vec<(String, Option<Range<usize>>)>,
}

impl Captures {
    /// The number of groups, counting the whole match.
    pub fn len(&self) -> usize {
        self.numbered.len()
    }

    pub fn is_empty(&self) -> bool {
        self.numbered.is_empty()
    }

    /// Group `index`'s range; `None` if it took no part or does not exist.
    pub fn get(&self, index: usize) -> Option<Range<usize>> {
        self.numbered.get(index).cloned().flatten()
    }

    /// The named group's range: `None` if the pattern has no such group,
    /// `Some(None)` if it took no part in this match.
    pub fn name(&self, name: &str) -> Option<Option<Range<usize>>> {
        self.named
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, range)| range.clone())
    }
}
