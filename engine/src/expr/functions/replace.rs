//! Replace, in the five modes Entra documents, with .NET-style regular
//! expressions (named groups `(?<name>…)`) and .NET replacement syntax
//! (`$1`, `${name}`, `$&`, `$$`).

use crate::pattern::{Captures, Pattern as Regex};

use crate::diagnostic::Code;
use crate::expr::functions::FnError;
use crate::value::Value;

/// Which of Replace's modes the present arguments select.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// oldValue + replacementValue: replace every occurrence of oldValue.
    Text,
    /// oldValue + template: replace every oldValue in template with source.
    Template,
    /// regexPattern + replacementValue: regex replace on source.
    Regex,
    /// regexPattern + regexGroupName + replacementValue: replace only the group's text.
    RegexGroup,
    /// regexPattern + regexGroupName + replacementAttributeName: source if it
    /// has a value, else the named group matched in the replacement attribute.
    RegexGroupFromAttribute,
}

impl Mode {
    pub fn uses_regex(self) -> bool {
        !matches!(self, Mode::Text | Mode::Template)
    }
}

/// Picks the mode from which of the seven argument slots are filled.
pub(crate) fn replace_mode(present: [bool; 7]) -> Option<Mode> {
    let [_, old, pattern, group, replacement, attribute, template] = present;
    match () {
        _ if old && replacement => Some(Mode::Text),
        _ if old && template => Some(Mode::Template),
        _ if pattern && group && attribute => Some(Mode::RegexGroupFromAttribute),
        _ if pattern && group && replacement => Some(Mode::RegexGroup),
        _ if pattern && replacement => Some(Mode::Regex),
        _ => None,
    }
}

/// Replace's arguments, already evaluated to text (`None` for null).
pub(crate) struct ReplaceArgs<'a> {
    pub source: Option<&'a str>,
    pub old_value: Option<&'a str>,
    pub regex: Option<&'a Regex>,
    pub group: Option<&'a str>,
    pub replacement: Option<&'a str>,
    pub replacement_attribute: Option<&'a str>,
    pub template: Option<&'a str>,
}

pub(crate) fn replace(mode: Mode, a: ReplaceArgs<'_>) -> Result<Value, FnError> {
    let replacement = a.replacement.unwrap_or_default();
    Ok(match mode {
        Mode::Text => match (a.source, a.old_value) {
            (None, _) => Value::Null,
            (Some(source), Some(old)) if !old.is_empty() => Value::Str(source.replace(old, replacement)),
            (Some(source), _) => Value::str(source),
        },
        Mode::Template => match (a.source, a.template, a.old_value) {
            (_, None, _) => Value::Null,
            (source, Some(template), Some(old)) if !old.is_empty() => {
                Value::Str(template.replace(old, source.unwrap_or_default()))
            }
            (_, Some(template), _) => Value::str(template),
        },
        Mode::Regex => match (a.source, a.regex) {
            (None, _) => Value::Null,
            (Some(source), None) => Value::str(source),
            (Some(source), Some(regex)) => Value::Str(regex_replace(regex, source, replacement)?),
        },
        Mode::RegexGroup => match (a.source, a.regex, a.group) {
            (None, _, _) => Value::Null,
            (Some(source), Some(regex), Some(group)) => Value::Str(group_replace(regex, source, group, replacement)?),
            (Some(source), _, _) => Value::str(source),
        },
        Mode::RegexGroupFromAttribute => match a.source {
            Some(source) if !source.is_empty() => Value::str(source),
            _ => match (a.replacement_attribute, a.regex, a.group) {
                (Some(text), Some(regex), Some(group)) => group_of_first_match(regex, text, group)?,
                _ => Value::Null,
            },
        },
    })
}

fn matching_failed(e: String) -> FnError {
    FnError::new(
        Code::RegexFailed,
        format!("the regular expression failed while matching: {e}"),
    )
    .at(2)
}

fn regex_replace(regex: &Regex, source: &str, replacement: &str) -> Result<String, FnError> {
    let mut out = String::with_capacity(source.len());
    let mut last = 0;
    for caps in regex.captures_iter(source).map_err(matching_failed)? {
        let Some(whole) = caps.get(0) else { continue };
        out.push_str(source.get(last..whole.start).unwrap_or_default());
        expand_dotnet(&caps, source, replacement, &mut out);
        last = whole.end;
    }
    out.push_str(source.get(last..).unwrap_or_default());
    Ok(out)
}

/// Replaces only the text each match captured in the named group.
fn group_replace(regex: &Regex, source: &str, group: &str, replacement: &str) -> Result<String, FnError> {
    let mut out = String::with_capacity(source.len());
    let mut last = 0;
    for caps in regex.captures_iter(source).map_err(matching_failed)? {
        if let Some(Some(m)) = caps.name(group) {
            out.push_str(source.get(last..m.start).unwrap_or_default());
            out.push_str(replacement);
            last = m.end;
        }
    }
    out.push_str(source.get(last..).unwrap_or_default());
    Ok(out)
}

fn group_of_first_match(regex: &Regex, text: &str, group: &str) -> Result<Value, FnError> {
    let caps = regex.captures(text).map_err(matching_failed)?;
    Ok(caps
        .and_then(|c| c.name(group).flatten())
        .and_then(|m| text.get(m))
        .map_or(Value::Null, Value::str))
}

/// Expands a .NET substitution pattern for one match. A reference to a group
/// that does not exist stays as written, as in .NET.
fn expand_dotnet(caps: &Captures, input: &str, replacement: &str, out: &mut String) {
    let text = |range: Option<std::ops::Range<usize>>| range.and_then(|r| input.get(r)).unwrap_or_default();
    let whole = caps.get(0);
    let mut rest = replacement;
    while let Some(dollar) = rest.find('$') {
        out.push_str(rest.get(..dollar).unwrap_or_default());
        let after = rest.get(dollar + 1..).unwrap_or_default();
        let (consumed, expansion): (usize, Option<&str>) = match after.chars().next() {
            Some('$') => (1, Some("$")),
            Some('&') => (1, Some(text(whole.clone()))),
            Some('`') => (1, Some(text(whole.clone().map(|m| 0..m.start)))),
            Some('\'') => (1, Some(text(whole.clone().map(|m| m.end..input.len())))),
            Some('_') => (1, Some(input)),
            Some('+') => (1, Some(text((1..caps.len()).rev().find_map(|i| caps.get(i))))),
            Some('{') => match after.find('}') {
                Some(close) => {
                    let name = after.get(1..close).unwrap_or_default();
                    (close + 1, group_text(caps, name).map(text))
                }
                None => (0, None),
            },
            Some(c) if c.is_ascii_digit() => {
                let digits = after.chars().take_while(char::is_ascii_digit).count();
                (
                    digits,
                    group_text(caps, after.get(..digits).unwrap_or_default()).map(text),
                )
            }
            _ => (0, None),
        };
        match expansion {
            Some(text) => out.push_str(text),
            None => {
                out.push('$');
                out.push_str(after.get(..consumed).unwrap_or_default());
            }
        }
        rest = after.get(consumed..).unwrap_or_default();
    }
    out.push_str(rest);
}

/// A group's range by name or number; `None` if the pattern has no such
/// group, `Some(None)` if it exists but took no part in the match (giving "").
fn group_text(caps: &Captures, name: &str) -> Option<Option<std::ops::Range<usize>>> {
    match name.parse::<usize>() {
        Ok(i) if i < caps.len() => Some(caps.get(i)),
        Ok(_) => None,
        Err(_) => caps.name(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: bool = true;
    const O: bool = false;

    fn run(
        mode: Mode,
        source: Option<&str>,
        pattern: &str,
        group: Option<&str>,
        replacement: Option<&str>,
        attribute: Option<&str>,
    ) -> Value {
        let regex = Regex::new(pattern).unwrap();
        replace(
            mode,
            ReplaceArgs {
                source,
                old_value: None,
                regex: Some(&regex),
                group,
                replacement,
                replacement_attribute: attribute,
                template: None,
            },
        )
        .unwrap()
    }

    fn text(source: Option<&str>, old: &str, replacement: Option<&str>, template: Option<&str>) -> Value {
        let mode = if template.is_some() { Mode::Template } else { Mode::Text };
        replace(
            mode,
            ReplaceArgs {
                source,
                old_value: Some(old),
                regex: None,
                group: None,
                replacement,
                replacement_attribute: None,
                template,
            },
        )
        .unwrap()
    }

    #[test]
    fn modes_follow_the_present_arguments() {
        assert_eq!(replace_mode([P, P, O, O, P, O, O]), Some(Mode::Text));
        assert_eq!(replace_mode([P, P, O, O, O, O, P]), Some(Mode::Template));
        assert_eq!(replace_mode([P, O, P, O, P, O, O]), Some(Mode::Regex));
        assert_eq!(replace_mode([P, O, P, P, P, O, O]), Some(Mode::RegexGroup));
        assert_eq!(replace_mode([P, O, P, P, O, P, O]), Some(Mode::RegexGroupFromAttribute));
        assert_eq!(replace_mode([P, O, O, O, P, O, O]), None);
        assert_eq!(replace_mode([P, O, P, O, O, O, O]), None);
    }

    #[test]
    fn text_and_template_modes() {
        assert_eq!(
            text(
                Some("Product Developer"),
                "Product Developer",
                Some("Software Engineer"),
                None
            ),
            Value::str("Software Engineer")
        );
        assert_eq!(
            text(Some("john.doe@contoso.com"), "@contoso.com", Some(""), None),
            Value::str("john.doe")
        );
        assert_eq!(text(Some("a.b.c"), ".", Some("-"), None), Value::str("a-b-c"));
        assert_eq!(
            text(Some("AbA"), "a", Some("x"), None),
            Value::str("AbA"),
            "case-sensitive"
        );
        assert_eq!(text(None, "x", Some("y"), None), Value::Null);
        assert_eq!(text(Some("abc"), "", Some("y"), None), Value::str("abc"));
        assert_eq!(
            text(Some("jsmith"), "<username>", None, Some("<username>@contoso.com")),
            Value::str("jsmith@contoso.com")
        );
    }

    #[test]
    fn regex_mode() {
        let phone = r"\+(?<isdCode>\d* )(?<phoneNumber>\d{10})";
        assert_eq!(
            run(
                Mode::Regex,
                Some("+91 9998887777"),
                phone,
                None,
                Some("${phoneNumber}"),
                None
            ),
            Value::str("9998887777")
        );
        assert_eq!(
            run(
                Mode::Regex,
                Some("+1 (999) 888-7777"),
                r"[()\s-]+",
                None,
                Some(""),
                None
            ),
            Value::str("+19998887777")
        );
        assert_eq!(
            run(Mode::Regex, Some("john_doe72"), "[a-zA-Z_]*", None, Some(""), None),
            Value::str("72")
        );
        assert_eq!(
            run(Mode::Regex, Some("ab"), "(a)(b)", None, Some("$2$1"), None),
            Value::str("ba")
        );
        assert_eq!(
            run(Mode::Regex, Some("ab"), "b", None, Some("[$&]$$"), None),
            Value::str("a[b]$")
        );
        assert_eq!(
            run(Mode::Regex, Some("ab"), "b", None, Some("${nope}$9"), None),
            Value::str("a${nope}$9")
        );
        assert_eq!(run(Mode::Regex, None, "b", None, Some("x"), None), Value::Null);
    }

    #[test]
    fn lookaround_and_backreferences_work() {
        assert_eq!(
            run(Mode::Regex, Some("aa-bb-cd"), r"(\w)\1", None, Some("X"), None),
            Value::str("X-X-cd")
        );
        assert_eq!(
            run(Mode::Regex, Some("a1b2"), r"\d(?=b)", None, Some("_"), None),
            Value::str("a_b2")
        );
    }

    #[test]
    fn group_mode() {
        assert_eq!(
            run(
                Mode::RegexGroup,
                Some("545 Tremont Street"),
                r"(?<streetNumber>^\d*)",
                Some("streetNumber"),
                Some("888"),
                None
            ),
            Value::str("888 Tremont Street")
        );
        assert_eq!(
            run(
                Mode::RegexGroup,
                Some("jsmith@contoso.com"),
                r"(?<Suffix>@(.)*)",
                Some("Suffix"),
                Some(""),
                None
            ),
            Value::str("jsmith")
        );
    }

    #[test]
    fn group_from_attribute_mode() {
        let phone = r"\+(?<isdCode>\d* )(?<phoneNumber>\d{10})";
        assert_eq!(
            run(
                Mode::RegexGroupFromAttribute,
                Some(""),
                phone,
                Some("phoneNumber"),
                None,
                Some("+91 8887779999")
            ),
            Value::str("8887779999")
        );
        assert_eq!(
            run(
                Mode::RegexGroupFromAttribute,
                None,
                phone,
                Some("phoneNumber"),
                None,
                Some("+91 8887779999")
            ),
            Value::str("8887779999")
        );
        assert_eq!(
            run(
                Mode::RegexGroupFromAttribute,
                Some("+1 5"),
                phone,
                Some("phoneNumber"),
                None,
                Some("+91 8887779999")
            ),
            Value::str("+1 5")
        );
        assert_eq!(
            run(
                Mode::RegexGroupFromAttribute,
                None,
                phone,
                Some("phoneNumber"),
                None,
                Some("none")
            ),
            Value::Null
        );
    }
}
