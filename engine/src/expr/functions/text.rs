//! String functions: Append, Left, Mid, Word, InStr, PCase, StripSpaces,
//! ToLower/ToUpper with cultures, CStr and the two byte encodings.
//!
//! Positions and lengths count Unicode characters. Entra (.NET) counts UTF-16
//! code units, which splits characters outside the Basic Multilingual Plane;
//! counting characters never cuts one in half.

use base64::Engine as _;
use unicode_normalization::char::is_combining_mark;

use crate::diagnostic::Code;
use crate::expr::functions::FnError;
use crate::value::Value;

/// Null only when both are null; otherwise a null side counts as empty.
pub(crate) fn append(source: Option<&str>, suffix: Option<&str>) -> Value {
    match (source, suffix) {
        (None, None) => Value::Null,
        (a, b) => Value::Str(format!("{}{}", a.unwrap_or_default(), b.unwrap_or_default())),
    }
}

/// The first `count` characters: 0 gives "", a negative count the whole
/// string, and null "" (all as Entra documents).
pub(crate) fn left(source: Option<&str>, count: i64) -> String {
    let Some(source) = source else {
        return String::new();
    };
    match usize::try_from(count) {
        Ok(n) => source.chars().take(n).collect(),
        Err(_) => source.to_owned(),
    }
}

pub(crate) fn mid(source: &str, start: i64, length: i64) -> Result<String, FnError> {
    let Some(skip) = usize::try_from(start).ok().and_then(|s| s.checked_sub(1)) else {
        return Err(FnError::new(
            Code::InvalidArgument,
            format!("Mid's start must be 1 or more, not {start}"),
        )
        .at(1));
    };
    let Ok(take) = usize::try_from(length) else {
        return Err(FnError::new(
            Code::InvalidArgument,
            format!("Mid's length cannot be negative ({length})"),
        )
        .at(2));
    };
    Ok(source.chars().skip(skip).take(take).collect())
}

/// The `number`-th word, where any character of `delimiters` separates words
/// and empty words are skipped.
pub(crate) fn word(source: Option<&str>, number: i64, delimiters: &str) -> String {
    let (Some(source), Some(index)) = (source, usize::try_from(number).ok().and_then(|n| n.checked_sub(1))) else {
        return String::new();
    };
    source
        .split(|c| delimiters.contains(c))
        .filter(|w| !w.is_empty())
        .nth(index)
        .unwrap_or_default()
        .to_owned()
}

/// The 1-based position of `needle` in `haystack` at or after `start`, or 0.
pub(crate) fn instr(haystack: &str, needle: &str, start: i64, ignore_case: bool) -> Result<i64, FnError> {
    let Some(from) = usize::try_from(start).ok().and_then(|s| s.checked_sub(1)) else {
        return Err(FnError::new(
            Code::InvalidArgument,
            format!("InStr's start must be 1 or more, not {start}"),
        ));
    };
    let hay: Vec<char> = haystack.chars().collect();
    let needle: Vec<char> = needle.chars().collect();
    if from > hay.len() {
        return Ok(0);
    }
    if needle.is_empty() {
        return Ok(to_i64(from + 1));
    }
    let same = |a: char, b: char| a == b || (ignore_case && a.to_lowercase().eq(b.to_lowercase()));
    let found = hay
        .get(from..)
        .unwrap_or_default()
        .windows(needle.len())
        .position(|window| window.iter().zip(&needle).all(|(a, b)| same(*a, *b)));
    Ok(found.map_or(0, |i| to_i64(from + i + 1)))
}

fn to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Proper case: the first letter of each word upper-cased, the rest lower.
/// Without `separators`, words break at anything but letters, digits,
/// combining marks and apostrophes (as .NET's ToTitleCase does: O'NEIL → O'neil).
pub(crate) fn pcase(source: &str, separators: Option<&str>) -> String {
    let is_separator = |c: char| match separators {
        Some(set) => set.contains(c),
        None => !(c.is_alphanumeric() || is_combining_mark(c) || c == '\''),
    };
    let mut out = String::with_capacity(source.len());
    let mut word_start = true;
    for c in source.chars() {
        if is_separator(c) {
            out.push(c);
            word_start = true;
        } else if word_start {
            push_upper(&mut out, c, false);
            word_start = false;
        } else {
            push_lower(&mut out, c, false);
        }
    }
    out
}

pub(crate) fn strip_spaces(source: &str) -> String {
    source.replace(' ', "")
}

/// A culture for ToLower/ToUpper. Only Turkic cultures case differently
/// (dotted and dotless i); every other well-formed name behaves invariantly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Culture {
    turkic: bool,
}

impl Culture {
    /// Accepts RFC 4646 names such as `en-US`, `tr-TR`, `zh-Hans-CN`; the
    /// empty name is the invariant culture.
    pub fn parse(name: &str) -> Result<Culture, String> {
        let mut parts = name.split(['-', '_']);
        let language = parts.next().unwrap_or_default();
        let well_formed = name.is_empty()
            || ((2..=3).contains(&language.len())
                && language.chars().all(|c| c.is_ascii_alphabetic())
                && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric())));
        if !well_formed {
            return Err(format!(
                "\"{name}\" is not a culture name such as \"en-US\" or \"tr-TR\""
            ));
        }
        let language = language.to_ascii_lowercase();
        Ok(Culture {
            turkic: language == "tr" || language == "az",
        })
    }
}

/// Lower-cases character by character like .NET does, so a character whose
/// full lower-case form is longer (İ) takes its simple one-character mapping.
pub(crate) fn to_lower(source: &str, culture: Option<Culture>) -> String {
    let turkic = culture.is_some_and(|c| c.turkic);
    if source.is_ascii() && !turkic {
        return source.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(source.len());
    for c in source.chars() {
        push_lower(&mut out, c, turkic);
    }
    out
}

/// Upper-cases character by character like .NET does: ß stays ß rather than
/// becoming SS, so lengths never change.
pub(crate) fn to_upper(source: &str, culture: Option<Culture>) -> String {
    let turkic = culture.is_some_and(|c| c.turkic);
    if source.is_ascii() && !turkic {
        return source.to_ascii_uppercase();
    }
    let mut out = String::with_capacity(source.len());
    for c in source.chars() {
        push_upper(&mut out, c, turkic);
    }
    out
}

fn push_lower(out: &mut String, c: char, turkic: bool) {
    match c {
        'I' if turkic => out.push('ı'),
        'İ' => out.push('i'),
        _ => push_simple(out, c, c.to_lowercase()),
    }
}

fn push_upper(out: &mut String, c: char, turkic: bool) {
    match c {
        'i' if turkic => out.push('İ'),
        _ => push_simple(out, c, c.to_uppercase()),
    }
}

fn push_simple(out: &mut String, original: char, mut mapped: impl Iterator<Item = char>) {
    match (mapped.next(), mapped.next()) {
        (Some(single), None) => out.push(single),
        _ => out.push(original),
    }
}

/// Base64 of the UTF-16LE bytes, as .NET's Convert.ToBase64String(Encoding.Unicode…).
pub(crate) fn base64_utf16(source: &str) -> String {
    let bytes: Vec<u8> = source.encode_utf16().flat_map(u16::to_le_bytes).collect();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub(crate) fn utf8_hex(source: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(source.len() * 2);
    for byte in source.bytes() {
        let _ = write!(out, "{byte:02X}");
    }
    out
}

pub(crate) fn cstr(value: &Value) -> Result<Value, FnError> {
    match value {
        Value::Null => Ok(Value::Null),
        Value::Multi(items) if items.len() <= 1 => items.first().map_or(Ok(Value::Null), cstr),
        Value::Multi(items) => Err(FnError::new(
            Code::InvalidArgument,
            format!("CStr expects a single value, but got {} values", items.len()),
        )
        .help("pick one value with Item(...) or combine them with Join(...)")),
        Value::Complex(_) => Ok(Value::Str(value.to_json().to_string())),
        other => Ok(Value::Str(other.as_text().unwrap_or_default().into_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn append_cases() {
        assert_eq!(
            append(Some("John.Doe@contoso.com"), Some(".test")),
            Value::str("John.Doe@contoso.com.test")
        );
        assert_eq!(append(None, Some("x")), Value::str("x"));
        assert_eq!(append(Some("x"), None), Value::str("x"));
        assert_eq!(append(None, None), Value::Null);
        assert_eq!(append(Some("Zoë"), Some("ü")), Value::str("Zoëü"));
    }

    #[test]
    fn left_cases() {
        assert_eq!(left(Some("John Doe"), 3), "Joh");
        assert_eq!(left(Some("John Doe"), 0), "");
        assert_eq!(left(Some("John Doe"), -1), "John Doe");
        assert_eq!(left(Some("John Doe"), 100), "John Doe");
        assert_eq!(left(None, 3), "");
        assert_eq!(left(Some("Zoë😀x"), 4), "Zoë😀");
    }

    #[test]
    fn mid_cases() {
        assert_eq!(mid("John", 1, 3).unwrap(), "Joh");
        assert_eq!(mid("Doe", 1, 5).unwrap(), "Doe");
        assert_eq!(mid("John", 3, 10).unwrap(), "hn");
        assert_eq!(mid("John", 9, 2).unwrap(), "");
        assert_eq!(mid("John", 2, 0).unwrap(), "");
        assert_eq!(mid("Zoë", 3, 1).unwrap(), "ë");
        assert_eq!(mid("John", 0, 1).unwrap_err().arg, Some(1));
        assert_eq!(mid("John", 1, -1).unwrap_err().arg, Some(2));
    }

    #[test]
    fn word_cases() {
        assert_eq!(word(Some("The quick brown fox"), 3, " "), "brown");
        assert_eq!(word(Some("This,string!has&many separators"), 3, ",!&#"), "has");
        assert_eq!(word(Some("a  b"), 2, " "), "b");
        assert_eq!(word(Some("one two"), 0, " "), "");
        assert_eq!(word(Some("one two"), 3, " "), "");
        assert_eq!(word(None, 1, " "), "");
        assert_eq!(word(Some("one two"), 1, ""), "one two");
    }

    #[test]
    fn instr_cases() {
        assert_eq!(instr("The quick brown fox", "quick", 1, false).unwrap(), 5);
        assert_eq!(instr("repEated", "e", 3, false).unwrap(), 7);
        assert_eq!(instr("repEated", "e", 3, true).unwrap(), 4);
        assert_eq!(instr("abc", "z", 1, false).unwrap(), 0);
        assert_eq!(instr("abc", "", 2, false).unwrap(), 2);
        assert_eq!(instr("abc", "c", 9, false).unwrap(), 0);
        assert_eq!(instr("Zoë Smith", "Smith", 1, false).unwrap(), 5);
        assert!(instr("abc", "a", 0, false).is_err());
    }

    #[test]
    fn pcase_cases() {
        assert_eq!(pcase("PABLO GONSALVES (SECOND)", None), "Pablo Gonsalves (Second)");
        assert_eq!(pcase("PINTO-DE'SILVA", Some(" '-")), "Pinto-De'Silva");
        assert_eq!(pcase("GREGORY JAMES", None), "Gregory James");
        assert_eq!(pcase("o'NEIL", None), "O'neil");
        assert_eq!(pcase("éLODIE ÅSTRÖM", None), "Élodie Åström");
        assert_eq!(pcase("", None), "");
        assert_eq!(pcase("ab-cd", Some("")), "Ab-cd");
    }

    #[test]
    fn case_mapping() {
        assert_eq!(to_lower("JOHN.Smith@Contoso.com", None), "john.smith@contoso.com");
        assert_eq!(to_upper("straße", None), "STRAßE");
        assert_eq!(to_lower("İSTANBUL", None), "istanbul");
        let tr = Culture::parse("tr-TR").ok();
        assert_eq!(to_lower("ISPARTA", tr), "ısparta");
        assert_eq!(to_upper("istanbul", tr), "İSTANBUL");
        assert_eq!(to_upper("ÅSA", Culture::parse("sv-SE").ok()), "ÅSA");
    }

    #[test]
    fn cultures() {
        for ok in ["en-US", "en", "tr-TR", "zh-Hans-CN", "", "de_DE"] {
            assert!(Culture::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["e", "english!", "en-", "12-US", "not a culture!"] {
            assert!(Culture::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn encodings() {
        assert_eq!(base64_utf16("Hello world!"), "SABlAGwAbABvACAAdwBvAHIAbABkACEA");
        assert_eq!(utf8_hex("Hello world!"), "48656C6C6F20776F726C6421");
        assert_eq!(utf8_hex("ë"), "C3AB");
        assert_eq!(base64_utf16(""), "");
        assert_eq!(base64_utf16("😀"), "PdgA3g==");
    }

    #[test]
    fn strip_spaces_removes_only_spaces() {
        assert_eq!(strip_spaces(" John  van Doe "), "JohnvanDoe");
        assert_eq!(strip_spaces("a\tb"), "a\tb");
    }

    #[test]
    fn cstr_cases() {
        assert_eq!(cstr(&Value::Int(42)).unwrap(), Value::str("42"));
        assert_eq!(cstr(&Value::Bool(true)).unwrap(), Value::str("True"));
        assert_eq!(cstr(&Value::Reference("cn=Joe".into())).unwrap(), Value::str("cn=Joe"));
        assert_eq!(cstr(&Value::Null).unwrap(), Value::Null);
        assert!(cstr(&Value::Multi(vec![Value::Int(1), Value::Int(2)])).is_err());
    }
}
