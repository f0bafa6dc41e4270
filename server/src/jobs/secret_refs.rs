//! References to secrets in job files, so a token never has to be written
//! in one: a secret field's value may be `${NAME}` (an environment variable
//! of the `provisio` process) or `secret_file:PATH` (a file's content;
//! `{ secret_file: PATH }` in YAML or JSON reads as the same).
//! `provisio job apply` resolves them before anything is stored; here is
//! their syntax, so what the CLI resolves is exactly what the admin API
//! refuses to store unresolved, and what may not appear in a field that is
//! not a secret.
//!
//! ```
//! use provisio_server::jobs::SecretRef;
//!
//! assert_eq!(SecretRef::parse("${ACME_TOKEN}"), Some(SecretRef::Env("ACME_TOKEN")));
//! assert_eq!(SecretRef::parse("secret_file:/run/secrets/acme"), Some(SecretRef::File("/run/secrets/acme")));
//! assert_eq!(SecretRef::parse("s3cret"), None);
//! ```

use provisio_api::jobs::MASK;
use provisio_engine::job::{JobDefinition, JobProblem, Secret};
use serde_json::Value;

use super::secret_fields::secret_slots;

/// What a secret field's value refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretRef<'a> {
    /// `${NAME}`: the environment variable `NAME` (any text between the
    /// braces is taken as the name; [`SecretRef::valid_name`] says whether
    /// it can be one).
    Env(&'a str),
    /// `secret_file:PATH`: the content of the file at `PATH`.
    File(&'a str),
}

/// What a `secret_file:` reference starts with (a job file may also write
/// it as a mapping, `{ secret_file: PATH }`, which reads as this string).
pub use provisio_engine::job::SECRET_FILE;

impl<'a> SecretRef<'a> {
    /// The reference a whole value is (surrounding spaces aside), if any.
    pub fn parse(value: &'a str) -> Option<SecretRef<'a>> {
        let value = value.trim();
        if let Some(path) = value.strip_prefix(SECRET_FILE) {
            return Some(SecretRef::File(path.trim()));
        }
        value
            .strip_prefix("${")
            .and_then(|rest| rest.strip_suffix('}'))
            .map(SecretRef::Env)
    }

    /// Whether `name` can name an environment variable: a letter or `_`,
    /// then letters, digits or `_`.
    pub fn valid_name(name: &str) -> bool {
        let mut chars = name.chars();
        chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    }
}

/// Whether `text` has a `${NAME}` somewhere in it (a reference inside a
/// longer value, such as a URL, is not resolved either).
fn contains_env_reference(text: &str) -> bool {
    text.match_indices("${").any(|(at, _)| {
        text.get(at + 2..)
            .and_then(|rest| rest.split_once('}'))
            .is_some_and(|(name, _)| SecretRef::valid_name(name))
    })
}

/// Secret fields whose value is still a reference: the admin API stores
/// secrets, it does not resolve them (its environment and files are not
/// the administrator's), so each is an error naming the field.
pub(crate) fn unresolved(definition: &JobDefinition) -> Vec<JobProblem> {
    let mut definition = definition.clone();
    secret_slots(&mut definition)
        .into_iter()
        .filter_map(|(field, slot)| {
            let value = slot.as_ref().map(Secret::expose)?;
            let reference = SecretRef::parse(value)?;
            let what = match reference {
                SecretRef::Env(name) => format!("`${{{name}}}` refers to an environment variable"),
                SecretRef::File(path) => format!("`{SECRET_FILE}{path}` refers to a file"),
            };
            Some(JobProblem::error(
                field,
                format!(
                    "{what}, and the server does not resolve references: send the secret itself, or apply the \
                     file with `provisio job apply`, which resolves ${{NAME}} from its environment and \
                     secret_file: from the file"
                ),
            ))
        })
        .collect()
}

/// References in fields that are not secrets: only secret fields are
/// resolved, so anywhere else a reference would be taken literally (a
/// `${HOST}` in a URL). A whole value that is a reference is an error
/// wherever it stands; a `${NAME}` inside a longer value too, except in
/// object mappings, where `${group}` is how a Replace template names a
/// regular expression's group. Locations are as job problems give them.
pub fn misplaced(definition: &JobDefinition) -> Vec<JobProblem> {
    let mut problems = Vec::new();
    // Secrets serialise as the mask, so only other fields are walked.
    if let Ok(json) = serde_json::to_value(definition) {
        walk(&json, String::new(), &mut problems);
    }
    problems
}

fn walk(value: &Value, at: String, problems: &mut Vec<JobProblem>) {
    match value {
        Value::String(text) if text != MASK => {
            let in_objects = at.starts_with("objects");
            if SecretRef::parse(text).is_some() || (!in_objects && contains_env_reference(text)) {
                problems.push(JobProblem::error(
                    &at,
                    format!(
                        "`{text}` is a secret reference, but this field is not a secret: only secret fields \
                         (such as target.auth.bearer_token, target.bind_password, target.password, \
                         target.bearer_token) take ${{NAME}} and secret_file: references; write the value itself"
                    ),
                ));
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, format!("{at}[{i}]"), problems);
            }
        }
        Value::Object(fields) => {
            for (name, field) in fields {
                let place = if at.is_empty() {
                    name.clone()
                } else {
                    format!("{at}.{name}")
                };
                walk(field, place, problems);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn definition(json: Value) -> JobDefinition {
        serde_json::from_value(json).unwrap()
    }

    fn scim(token: &str, base_url: &str) -> JobDefinition {
        definition(json!({
            "name": "Acme",
            "target": {"kind": "scim", "base_url": base_url, "auth": {"bearer_token": token}},
            "objects": [{"source": "user", "target": "User", "mappings": [
                {"target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1},
                {"target": "phone", "expression": "Replace([mobile], , \"(?<n>\\\\d+)\", , \"${n}\", , )"}]}]
        }))
    }

    #[test]
    fn references_are_whole_values() {
        assert_eq!(SecretRef::parse(" ${A_1} "), Some(SecretRef::Env("A_1")));
        assert_eq!(SecretRef::parse("${not a name}"), Some(SecretRef::Env("not a name")));
        assert!(!SecretRef::valid_name("not a name"));
        assert!(!SecretRef::valid_name("1A"));
        assert_eq!(SecretRef::parse("secret_file: /x "), Some(SecretRef::File("/x")));
        assert_eq!(SecretRef::parse("Bearer ${A}"), None);
        assert_eq!(SecretRef::parse("$A"), None);
    }

    #[test]
    fn an_unresolved_secret_is_an_error_at_its_field() {
        let problems = unresolved(&scim("${ACME_TOKEN}", "https://acme.example/scim"));
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].location, "target.auth.bearer_token");
        assert!(
            problems[0].message.contains("`${ACME_TOKEN}`"),
            "{}",
            problems[0].message
        );
        assert!(problems[0].message.contains("provisio job apply"));
        assert!(!unresolved(&scim("secret_file:/run/x", "https://a.example/scim")).is_empty());
        assert!(unresolved(&scim("s3cret", "https://acme.example/scim")).is_empty());
    }

    #[test]
    fn references_elsewhere_are_errors_but_replace_templates_are_not() {
        assert!(misplaced(&scim("${ACME_TOKEN}", "https://acme.example/scim")).is_empty());
        let problems = misplaced(&scim("t", "https://${ACME_HOST}/scim"));
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].location, "target.base_url");
        assert!(problems[0].message.contains("not a secret"));
        let mut job = scim("t", "https://acme.example/scim");
        job.objects[0].mappings[0].default = Some("secret_file:/etc/passwd".into());
        let problems = misplaced(&job);
        assert_eq!(problems[0].location, "objects[0].mappings[0].default");
    }
}
