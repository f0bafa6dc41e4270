//! The regex backend in a JavaScript host: the host's own `RegExp`, with the
//! `u` flag (code points, `\p{…}` classes), falling back to JavaScript's
//! lenient syntax for patterns only it accepts (such as `\-` outside a class,
//! which .NET allows). `\w` and `\d` are rewritten to match in every script,
//! and `\A`, `\z`, `\Z` to lookarounds, as .NET reads them; a leading .NET
//! inline option group such as `(?i)` becomes the flag. Offsets in UTF-16
//! units are turned back into byte offsets.

use std::ops::Range;

use js_sys::{Array, Function, JsString, Object, Reflect, RegExp};
use wasm_bindgen::{JsCast, JsValue};

use super::Captures;

/// The pattern and flags the host accepted. The `RegExp` itself is built
/// again for each use (hosts cache compiled patterns by source and flags):
/// a JavaScript object cannot be shared across threads, and compiled jobs
/// must be.
#[derive(Clone)]
pub(super) struct Compiled {
    source: String,
    flags: String,
}

impl Compiled {
    pub(super) fn new(pattern: &str) -> Result<Compiled, String> {
        let (source, inline_flags) = inline_options(pattern);
        let strict = format!("u{inline_flags}");
        let unicode_source = dotnet_escapes(source, true);
        match construct(&unicode_source, &strict) {
            Ok(_) => Ok(Compiled {
                source: unicode_source,
                flags: strict,
            }),
            Err(strict_error) => {
                let unicode_classes = source.contains("\\p") || source.contains("\\P");
                let lenient_source = dotnet_escapes(source, false);
                match construct(&lenient_source, inline_flags) {
                    Ok(_) if !unicode_classes => Ok(Compiled {
                        source: lenient_source,
                        flags: inline_flags.to_owned(),
                    }),
                    _ => Err(strict_error),
                }
            }
        }
    }

    fn regexp(&self, extra_flags: &str) -> Result<RegExp, String> {
        construct(&self.source, &format!("{}{extra_flags}", self.flags))
    }

    pub(super) fn is_match(&self, text: &str) -> Result<bool, String> {
        Ok(self.regexp("")?.test(text))
    }

    pub(super) fn captures(&self, text: &str, all: bool) -> Result<Vec<Captures>, String> {
        let regexp = self.regexp("gd")?;
        let offsets = ByteOffsets::of(text);
        let mut out = Vec::new();
        for found in JsString::from(text).match_all(&regexp) {
            let found = found.map_err(|e| describe(&e))?;
            let indices = Reflect::get(&found, &"indices".into()).map_err(|e| describe(&e))?;
            let numbered = Array::from(&indices).iter().map(|pair| offsets.range(&pair)).collect();
            let groups = Reflect::get(&indices, &"groups".into()).map_err(|e| describe(&e))?;
            // `groups` has no prototype, so it is no `instanceof Object`.
            let named = match groups.is_object() {
                true => Object::entries(groups.unchecked_ref())
                    .iter()
                    .map(|entry| {
                        let entry = Array::from(&entry);
                        (
                            entry.get(0).as_string().unwrap_or_default(),
                            offsets.range(&entry.get(1)),
                        )
                    })
                    .collect(),
                false => Vec::new(),
            };
            out.push(Captures { numbered, named });
            if !all {
                break;
            }
        }
        Ok(out)
    }
}

/// Splits a leading `(?ims)` off the pattern: JavaScript has no inline
/// options, but the same flags. Other options are left for the host to reject.
fn inline_options(pattern: &str) -> (&str, &str) {
    let Some(rest) = pattern.strip_prefix("(?") else {
        return (pattern, "");
    };
    match rest.find(')') {
        Some(close) => {
            let flags = rest.get(..close).unwrap_or_default();
            let known = !flags.is_empty() && flags.chars().all(|c| matches!(c, 'i' | 'm' | 's'));
            match rest.get(close + 1..) {
                Some(body) if known => (body, flags),
                _ => (pattern, ""),
            }
        }
        None => (pattern, ""),
    }
}

/// What .NET's `\w` and `\d` match: letters, marks, digits and connectors
/// in every script (JavaScript's own are ASCII only). `\b` stays ASCII.
const WORD: &str = r"\p{L}\p{M}\p{Nd}\p{Pc}";
const DIGIT: &str = r"\p{Nd}";

/// Rewrites the .NET escapes JavaScript lacks or reads differently: the
/// anchors `\A`, `\z` and `\Z` everywhere, and with `unicode` (the `u` flag)
/// `\w`, `\d`, `\W` and `\D` as Unicode classes (inside a class only `\w`
/// and `\d`, which a class can list).
fn dotnet_escapes(source: &str, unicode: bool) -> String {
    let mut out = String::with_capacity(source.len());
    let mut in_class = false;
    let mut chars = source.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('A') if !in_class => out.push_str(r"(?<![\s\S])"),
                Some('z') if !in_class => out.push_str(r"(?![\s\S])"),
                Some('Z') if !in_class => out.push_str(r"(?=\n?(?![\s\S]))"),
                Some('w') if unicode && in_class => out.push_str(WORD),
                Some('d') if unicode && in_class => out.push_str(DIGIT),
                Some('w') if unicode => out.push_str(&format!("[{WORD}]")),
                Some('d') if unicode => out.push_str(&format!("[{DIGIT}]")),
                Some('W') if unicode && !in_class => out.push_str(&format!("[^{WORD}]")),
                Some('D') if unicode && !in_class => out.push_str(&format!("[^{DIGIT}]")),
                Some(escaped) => {
                    out.push('\\');
                    out.push(escaped);
                }
                None => out.push('\\'),
            },
            '[' => {
                in_class = true;
                out.push(c);
            }
            ']' => {
                in_class = false;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

fn construct(source: &str, flags: &str) -> Result<RegExp, String> {
    let constructor: Function = RegExp::new("", "").constructor();
    let made =
        Reflect::construct(&constructor, &Array::of2(&source.into(), &flags.into())).map_err(|e| describe(&e))?;
    made.dyn_into::<RegExp>().map_err(|e| describe(&e))
}

/// The message of a JavaScript error (a `SyntaxError` for a bad pattern).
fn describe(error: &JsValue) -> String {
    Reflect::get(error, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "the browser's regular expression engine failed".to_owned())
}

/// Byte offsets of a text by UTF-16 offset.
struct ByteOffsets(Vec<usize>);

impl ByteOffsets {
    fn of(text: &str) -> ByteOffsets {
        let mut offsets = Vec::with_capacity(text.len() + 1);
        for (at, c) in text.char_indices() {
            offsets.extend(std::iter::repeat_n(at, c.len_utf16()));
        }
        offsets.push(text.len());
        ByteOffsets(offsets)
    }

    fn at(&self, utf16: f64) -> Option<usize> {
        self.0.get(utf16 as usize).copied()
    }

    /// A group's `[start, end]` in UTF-16 units, or `undefined`.
    fn range(&self, pair: &JsValue) -> Option<Range<usize>> {
        if pair.is_undefined() {
            return None;
        }
        let pair = Array::from(pair);
        Some(self.at(pair.get(0).as_f64()?)?..self.at(pair.get(1).as_f64()?)?)
    }
}
