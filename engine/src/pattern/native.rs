//! The native regex backend: fancy-regex, a backtracking engine with
//! lookaround and backreferences on top of the regex crate.

use std::ops::Range;

use fancy_regex::Regex;

use super::Captures;

#[derive(Clone)]
pub(super) struct Compiled(Regex);

impl Compiled {
    pub(super) fn new(source: &str) -> Result<Compiled, String> {
        Regex::new(source).map(Compiled).map_err(|e| e.to_string())
    }

    pub(super) fn is_match(&self, text: &str) -> Result<bool, String> {
        self.0.is_match(text).map_err(|e| e.to_string())
    }

    pub(super) fn captures(&self, text: &str, all: bool) -> Result<Vec<Captures>, String> {
        let names: Vec<(usize, &str)> = self
            .0
            .capture_names()
            .enumerate()
            .filter_map(|(i, name)| Some((i, name?)))
            .collect();
        let mut out = Vec::new();
        for caps in self.0.captures_iter(text) {
            let caps = caps.map_err(|e| e.to_string())?;
            let range = |i: usize| {
                caps.get(i).map(|m| Range {
                    start: m.start(),
                    end: m.end(),
                })
            };
            out.push(Captures {
                numbered: (0..caps.len()).map(range).collect(),
                named: names.iter().map(|&(i, name)| (name.to_owned(), range(i))).collect(),
            });
            if !all {
                break;
            }
        }
        Ok(out)
    }
}
