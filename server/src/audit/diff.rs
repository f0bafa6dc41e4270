//! What changed between two JSON documents (job definitions, settings), as
//! a list of paths with their values before and after. Objects are compared
//! key by key and lists element by element, so a changed expression shows
//! as `objects[0].mappings[2].expression`, not as the whole document.

use provisio_api::audit::AuditChange;
use serde_json::Value;

/// Every path whose value differs, in document order.
pub fn changes(before: &Value, after: &Value) -> Vec<AuditChange> {
    let mut out = Vec::new();
    walk(String::new(), Some(before), Some(after), &mut out);
    out
}

fn walk(path: String, before: Option<&Value>, after: Option<&Value>, out: &mut Vec<AuditChange>) {
    match (before, after) {
        (Some(Value::Object(old)), Some(Value::Object(new))) => {
            for (key, value) in old {
                walk(join(&path, key), Some(value), new.get(key), out);
            }
            for (key, value) in new.iter().filter(|(key, _)| !old.contains_key(*key)) {
                walk(join(&path, key), None, Some(value), out);
            }
        }
        (Some(Value::Array(old)), Some(Value::Array(new))) => {
            for i in 0..old.len().max(new.len()) {
                walk(format!("{path}[{i}]"), old.get(i), new.get(i), out);
            }
        }
        (old, new) if old == new => {}
        (old, new) => out.push(AuditChange {
            path: if path.is_empty() { "(document)".to_owned() } else { path },
            before: old.filter(|v| !v.is_null()).cloned(),
            after: new.filter(|v| !v.is_null()).cloned(),
        }),
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn changed_added_and_removed_values_by_path() {
        let before = json!({"name": "A", "objects": [{"mappings": [{"expression": "[mail]"}, {"expression": "[x]"}]}], "old": 1});
        let after = json!({"name": "A", "objects": [{"mappings": [{"expression": "[upn]"}]}], "new": true});
        let found: Vec<_> = changes(&before, &after)
            .into_iter()
            .map(|c| (c.path, c.before, c.after))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "objects[0].mappings[0].expression".to_owned(),
                    Some(json!("[mail]")),
                    Some(json!("[upn]"))
                ),
                (
                    "objects[0].mappings[1]".to_owned(),
                    Some(json!({"expression": "[x]"})),
                    None
                ),
                ("old".to_owned(), Some(json!(1)), None),
                ("new".to_owned(), None, Some(json!(true))),
            ]
        );
        assert!(changes(&before, &before).is_empty());
    }
}
