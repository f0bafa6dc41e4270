//! Parsing target paths (`emails[type eq "work"].value`, extension URNs,
//! flat LDAP/SQL names) and printing them in their canonical form. The
//! lexical rules (URNs, names, `true`/`false`) are `syntax.rs`'s, shared
//! with provisio-scim's filter and PATCH-path parser.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::syntax::{boolean, has_urn_scheme, is_target_name_char, is_urn_char, split_schema};
use super::{FilterValue, TargetPath, ValueFilter};

/// Why a target path does not parse, and where (a byte offset into the path).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message} (at offset {offset})")]
pub struct PathError {
    pub message: String,
    pub offset: usize,
}

impl PathError {
    fn new(offset: usize, message: impl Into<String>) -> Self {
        PathError {
            message: message.into(),
            offset,
        }
    }
}

impl TargetPath {
    /// A path naming a plain attribute, e.g. `userName` or `sAMAccountName`.
    pub fn attribute(name: impl Into<String>) -> TargetPath {
        TargetPath {
            schema: None,
            attribute: name.into(),
            filter: None,
            sub_attribute: None,
        }
    }

    /// Parses `attr`, `attr.sub`, `attr[filterAttr eq "text"]`,
    /// `attr[filterAttr eq true].sub`, each optionally prefixed by a schema
    /// URN (`urn:…:2.0:User:manager`).
    pub fn parse(text: &str) -> Result<TargetPath, PathError> {
        if text.is_empty() {
            return Err(PathError::new(0, "expected an attribute name, found an empty path"));
        }
        // The schema is everything up to the last `:` before the filter.
        let head_end = text.find('[').unwrap_or(text.len());
        let head = text.get(..head_end).unwrap_or(text);
        let (schema, start) = match split_schema(head) {
            Some((schema, _)) => (Some(parse_schema(schema)?), schema.len() + 1),
            None => (None, 0),
        };
        let mut cursor = Cursor { text, pos: start };
        let attribute = cursor.name("an attribute name")?;
        let filter = if cursor.eat('[') { Some(cursor.filter()?) } else { None };
        if filter.is_some() {
            cursor.skip_spaces();
        }
        let sub_attribute = if cursor.eat('.') {
            Some(cursor.name("a sub-attribute name after `.`")?)
        } else {
            None
        };
        if let Some(c) = cursor.peek() {
            let expected = match (&filter, &sub_attribute) {
                (_, Some(_)) => "the end of the path (a path has at most one sub-attribute)",
                (Some(_), None) => "`.` and a sub-attribute, or the end of the path",
                (None, None) => "`.`, `[` or the end of the path",
            };
            return Err(PathError::new(cursor.pos, format!("expected {expected}, found `{c}`")));
        }
        Ok(TargetPath {
            schema,
            attribute,
            filter,
            sub_attribute,
        })
    }

    /// The canonical text: `urn:…:User:manager`, `emails[type eq "work"].value`.
    pub fn canonical(&self) -> String {
        self.to_string()
    }

    /// The name of the attribute the value finally lands in: the
    /// sub-attribute if there is one, otherwise the attribute.
    pub fn leaf(&self) -> &str {
        self.sub_attribute.as_deref().unwrap_or(&self.attribute)
    }
}

/// Checks a schema URN: `urn:` then non-empty segments separated by `:`.
fn parse_schema(schema: &str) -> Result<String, PathError> {
    if !has_urn_scheme(schema) {
        return Err(PathError::new(
            0,
            "expected an attribute name; a path with `:` must start with a schema URN such as \
             `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:`",
        ));
    }
    let mut offset = 0;
    for segment in schema.split(':') {
        if segment.is_empty() {
            return Err(PathError::new(offset, "expected a schema URN segment, found `:`"));
        }
        if let Some((i, c)) = segment.char_indices().find(|&(_, c)| !is_urn_char(c)) {
            return Err(PathError::new(
                offset + i,
                format!("unexpected `{c}` in the schema URN"),
            ));
        }
        offset += segment.len() + 1;
    }
    Ok(schema.to_owned())
}

struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl Cursor<'_> {
    fn rest(&self) -> &str {
        self.text.get(self.pos..).unwrap_or_default()
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn skip_spaces(&mut self) {
        while let Some(c) = self.peek().filter(|c| c.is_whitespace()) {
            self.pos += c.len_utf8();
        }
    }

    fn found(&self) -> String {
        match self.peek() {
            Some(c) => format!("`{c}`"),
            None => "the end of the path".to_owned(),
        }
    }

    fn name(&mut self, what: &str) -> Result<String, PathError> {
        let len: usize = self
            .rest()
            .chars()
            .take_while(|&c| is_target_name_char(c))
            .map(char::len_utf8)
            .sum();
        if len == 0 {
            return Err(PathError::new(
                self.pos,
                format!("expected {what}, found {}", self.found()),
            ));
        }
        let name = self.rest().get(..len).unwrap_or_default().to_owned();
        self.pos += len;
        Ok(name)
    }

    /// `filterAttr eq value]`, after the `[`.
    fn filter(&mut self) -> Result<ValueFilter, PathError> {
        self.skip_spaces();
        let attribute = self.name("a filter attribute name after `[`")?;
        let before_op = self.pos;
        self.skip_spaces();
        if self.pos == before_op {
            return Err(PathError::new(
                self.pos,
                format!("expected a space then `eq`, found {}", self.found()),
            ));
        }
        let op_start = self.pos;
        let op: String = self.rest().chars().take_while(|c| c.is_ascii_alphabetic()).collect();
        if !op.eq_ignore_ascii_case("eq") {
            let message = if op.is_empty() {
                format!("expected `eq`, found {}", self.found())
            } else {
                format!("expected `eq`, found `{op}` (target paths only select with `eq`)")
            };
            return Err(PathError::new(op_start, message));
        }
        self.pos += op.len();
        let after_op = self.pos;
        self.skip_spaces();
        if self.pos == after_op {
            return Err(PathError::new(
                self.pos,
                format!("expected a space after `eq`, found {}", self.found()),
            ));
        }
        let value = self.filter_value()?;
        self.skip_spaces();
        if !self.eat(']') {
            return Err(PathError::new(
                self.pos,
                format!("expected `]`, found {}", self.found()),
            ));
        }
        Ok(ValueFilter { attribute, value })
    }

    fn filter_value(&mut self) -> Result<FilterValue, PathError> {
        let start = self.pos;
        if self.eat('"') {
            let mut value = String::new();
            loop {
                let Some(c) = self.peek() else {
                    return Err(PathError::new(start, "unterminated string: expected a closing `\"`"));
                };
                self.pos += c.len_utf8();
                match c {
                    '"' => return Ok(FilterValue::Text(value)),
                    '\\' => match self.peek() {
                        Some(escaped @ ('"' | '\\')) => {
                            self.pos += 1;
                            value.push(escaped);
                        }
                        _ => {
                            return Err(PathError::new(
                                self.pos - 1,
                                format!("expected `\\\"` or `\\\\`, found `\\` then {}", self.found()),
                            ));
                        }
                    },
                    other => value.push(other),
                }
            }
        }
        let word: String = self.rest().chars().take_while(|c| c.is_ascii_alphabetic()).collect();
        let Some(value) = boolean(&word) else {
            return Err(PathError::new(
                start,
                format!("expected a quoted string, `true` or `false`, found {}", self.found()),
            ));
        };
        let value = FilterValue::Boolean(value);
        self.pos += word.len();
        Ok(value)
    }
}

impl fmt::Display for FilterValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FilterValue::Boolean(b) => write!(f, "{b}"),
            FilterValue::Text(s) => {
                f.write_str("\"")?;
                for c in s.chars() {
                    if matches!(c, '"' | '\\') {
                        f.write_str("\\")?;
                    }
                    write!(f, "{c}")?;
                }
                f.write_str("\"")
            }
        }
    }
}

impl fmt::Display for TargetPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(schema) = &self.schema {
            write!(f, "{schema}:")?;
        }
        f.write_str(&self.attribute)?;
        if let Some(filter) = &self.filter {
            write!(f, "[{} eq {}]", filter.attribute, filter.value)?;
        }
        if let Some(sub) = &self.sub_attribute {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

impl FromStr for TargetPath {
    type Err = PathError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        TargetPath::parse(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn canonical(text: &str, expected: &str) {
        let path = TargetPath::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(path.canonical(), expected);
        assert_eq!(TargetPath::parse(expected).unwrap(), path);
    }

    #[track_caller]
    fn fails(text: &str, offset: usize, message: &str) {
        let error = TargetPath::parse(text).unwrap_err();
        assert_eq!(error.offset, offset, "{text}: {error}");
        assert!(error.message.contains(message), "{text}: {error}");
    }

    #[test]
    fn canonical_forms() {
        canonical("userName", "userName");
        canonical("name.givenName", "name.givenName");
        canonical(r#"emails[type eq "work"].value"#, r#"emails[type eq "work"].value"#);
        canonical(
            r#"emails[ type   EQ "work" ] .value"#,
            r#"emails[type eq "work"].value"#,
        );
        canonical("roles[primary eq TRUE].value", "roles[primary eq true].value");
        canonical(r#"x[a eq "q\"\\"]"#, r#"x[a eq "q\"\\"]"#);
        canonical("urn:acme:hr:1.0:User:costCenter", "urn:acme:hr:1.0:User:costCenter");
    }

    #[test]
    fn errors() {
        fails("", 0, "empty path");
        fails("a.b.c", 3, "at most one sub-attribute");
        fails("a[b ne \"x\"]", 4, "found `ne`");
        fails("a[b eq x]", 7, "quoted string");
        fails("a[b eq \"x\"", 10, "expected `]`");
        fails("a[b eq \"x]", 7, "unterminated");
        fails("a[b eq \"\\x\"]", 8, "expected `\\\"`");
        fails("foo:bar", 0, "schema URN");
        fails("urn::x", 4, "segment");
        fails("a b", 1, "found ` `");
    }
}
