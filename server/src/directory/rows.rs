//! Reading users and groups back from their rows, and the SQL helpers the
//! directory's queries share.

use serde_json::{Map, Value};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::DirectoryError;
use super::model::{Meta, User};

/// The columns [`meta`] and [`json_map`] read, for `SELECT {OBJECT_COLUMNS} FROM …`.
pub(super) const OBJECT_COLUMNS: &str = "id, attributes, scim_extra, version, created_at, modified_at, deleted_at";

pub(super) fn meta(row: &AnyRow) -> Result<Meta, DirectoryError> {
    Ok(Meta {
        version: row.try_get("version")?,
        created: row.try_get("created_at")?,
        modified: row.try_get("modified_at")?,
        deleted: row.try_get("deleted_at")?,
    })
}

pub(super) fn json_map(row: &AnyRow, column: &str) -> Result<Map<String, Value>, DirectoryError> {
    let text: String = row.try_get(column)?;
    Ok(serde_json::from_str(&text)?)
}

pub(super) fn optional_json(row: &AnyRow, column: &str) -> Result<Option<Value>, DirectoryError> {
    let text: Option<String> = row.try_get(column)?;
    Ok(text.map(|text| serde_json::from_str(&text)).transpose()?)
}

pub(super) fn user(row: &AnyRow) -> Result<User, DirectoryError> {
    Ok(User {
        id: row.try_get("id")?,
        attributes: json_map(row, "attributes")?,
        scim_extra: optional_json(row, "scim_extra")?,
        meta: meta(row)?,
    })
}

/// The text of an attribute as an index column keeps it: lower-cased for
/// case-insensitive look-ups.
pub(super) fn key(attributes: &Map<String, Value>, name: &str) -> Option<String> {
    attributes.get(name).and_then(Value::as_str).map(str::to_lowercase)
}

pub(super) fn text(attributes: &Map<String, Value>, name: &str) -> Option<String> {
    attributes.get(name).and_then(Value::as_str).map(str::to_owned)
}

/// A `LIKE` pattern matching `needle` anywhere, with `%`, `_` and `\`
/// escaped (queries say `ESCAPE '\'`).
pub(super) fn contains_pattern(needle: &str) -> String {
    let mut pattern = String::with_capacity(needle.len() + 2);
    pattern.push('%');
    for c in needle.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

pub(super) use crate::store::placeholders;

pub(super) fn to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(contains_pattern("Ab%_\\"), "%ab\\%\\_\\\\%");
        assert_eq!(placeholders(3, 3), "$3, $4, $5");
    }
}
