//! The secret fields of a job definition, and their write-only rules: a
//! definition is stored with every secret masked, the values apart and
//! encrypted; a write that sends `"********"` or leaves a secret out keeps
//! the stored value, an empty string clears it, anything else replaces it.

use std::collections::BTreeMap;

use provisio_api::jobs::MASK;
use provisio_engine::job::{JobDefinition, Secret, Target};

use crate::secrets::{SecretBox, SecretError};

/// Every secret field a definition has, by its place in the document (as
/// job problems name places), with the field itself. A new secret field of
/// the engine's definition is one more `push` here; nothing else changes.
pub fn secret_slots(definition: &mut JobDefinition) -> Vec<(&'static str, &mut Option<Secret>)> {
    target_secret_slots(&mut definition.target)
}

/// [`secret_slots`] of a target alone (an agent receives only the target).
pub fn target_secret_slots(target: &mut Target) -> Vec<(&'static str, &mut Option<Secret>)> {
    let mut slots = Vec::new();
    match target {
        Target::Scim { auth, .. } => slots.push(("target.auth.bearer_token", &mut auth.bearer_token)),
        Target::Ldap(ldap) => slots.push(("target.bind_password", &mut ldap.bind_password)),
        Target::Sql(sql) => slots.push(("target.password", &mut sql.password)),
        Target::Rest(rest) => slots.push(("target.bearer_token", &mut rest.bearer_token)),
        Target::Directory => {}
    }
    slots
}

/// Secret values by field name.
pub(crate) type SecretValues = BTreeMap<String, String>;

/// Which secret fields the definition has and whether each holds a value
/// (in a stored definition, a set secret holds the mask).
pub(crate) fn secret_flags(definition: &JobDefinition) -> BTreeMap<String, bool> {
    let mut definition = definition.clone();
    secret_slots(&mut definition)
        .into_iter()
        .map(|(name, slot)| (name.to_owned(), slot.is_some()))
        .collect()
}

/// Applies the write-only rules to an incoming definition against the
/// values stored so far: returns the values to store, and leaves the
/// definition with each set secret masked and each unset one empty.
/// Values of fields the definition no longer has are dropped.
pub(crate) fn merge(definition: &mut JobDefinition, stored: &SecretValues) -> SecretValues {
    let mut values = SecretValues::new();
    for (name, slot) in secret_slots(definition) {
        let value = match slot.as_ref().map(Secret::expose) {
            None | Some(MASK) => stored.get(name).cloned(),
            Some("") => None,
            Some(value) => Some(value.to_owned()),
        };
        *slot = value.as_ref().map(|_| Secret::new(MASK));
        if let Some(value) = value {
            values.insert(name.to_owned(), value);
        }
    }
    values
}

/// Puts stored values back into a masked definition.
pub(crate) fn reveal(definition: &mut JobDefinition, values: &SecretValues) {
    for (name, slot) in secret_slots(definition) {
        *slot = values.get(name).map(|value| Secret::new(value.as_str()));
    }
}

/// The values as the `secrets` column keeps them: the encrypted JSON
/// object, bound to the job's id; `None` when there are none.
pub(crate) fn seal(secrets: &SecretBox, job_id: &str, values: &SecretValues) -> Result<Option<String>, SecretError> {
    if values.is_empty() {
        return Ok(None);
    }
    let json = serde_json::to_string(values).map_err(|_| SecretError::Encrypt)?;
    secrets.encrypt(&json, job_id.as_bytes()).map(Some)
}

pub(crate) fn open(secrets: &SecretBox, job_id: &str, sealed: Option<&str>) -> Result<SecretValues, SecretError> {
    let Some(sealed) = sealed else {
        return Ok(SecretValues::new());
    };
    let json = secrets.decrypt(sealed, job_id.as_bytes())?;
    serde_json::from_str(&json).map_err(|_| SecretError::Malformed("the decrypted secrets are not a JSON object"))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn scim(token: Option<&str>) -> JobDefinition {
        let mut auth = json!({});
        if let Some(token) = token {
            auth["bearer_token"] = json!(token);
        }
        serde_json::from_value(json!({
            "name": "Acme",
            "target": {"kind": "scim", "base_url": "https://acme.example/scim", "auth": auth},
            "objects": []
        }))
        .unwrap()
    }

    fn token(definition: &JobDefinition) -> Option<String> {
        match &definition.target {
            Target::Scim { auth, .. } => auth.bearer_token.as_ref().map(|s| s.expose().to_owned()),
            _ => None,
        }
    }

    fn stored(value: &str) -> SecretValues {
        SecretValues::from([("target.auth.bearer_token".to_owned(), value.to_owned())])
    }

    #[track_caller]
    fn merges(incoming: Option<&str>, before: &SecretValues, kept: Option<&str>) {
        let mut definition = scim(incoming);
        let values = merge(&mut definition, before);
        assert_eq!(
            values.get("target.auth.bearer_token").map(String::as_str),
            kept,
            "{incoming:?}"
        );
        assert_eq!(token(&definition).as_deref(), kept.map(|_| MASK), "{incoming:?}");
    }

    #[test]
    fn secrets_are_write_only() {
        merges(Some("new"), &SecretValues::new(), Some("new"));
        merges(Some("new"), &stored("old"), Some("new"));
        merges(Some(MASK), &stored("old"), Some("old"));
        merges(None, &stored("old"), Some("old"));
        merges(Some(""), &stored("old"), None);
        merges(Some(MASK), &SecretValues::new(), None);
        merges(None, &SecretValues::new(), None);
    }

    #[test]
    fn a_definition_without_the_field_drops_its_value() {
        let mut definition: JobDefinition = serde_json::from_value(json!({
            "name": "HR", "direction": "inbound", "target": {"kind": "directory"}, "objects": []
        }))
        .unwrap();
        assert!(merge(&mut definition, &stored("old")).is_empty());
        assert!(secret_flags(&definition).is_empty());
    }

    #[test]
    fn flags_say_which_secrets_are_set_and_reveal_restores_them() {
        let mut definition = scim(Some("s3cret"));
        let values = merge(&mut definition, &SecretValues::new());
        assert_eq!(
            secret_flags(&definition),
            BTreeMap::from([("target.auth.bearer_token".to_owned(), true)])
        );
        assert_eq!(
            secret_flags(&scim(None)),
            BTreeMap::from([("target.auth.bearer_token".to_owned(), false)])
        );
        assert!(!serde_json::to_string(&definition).unwrap().contains("s3cret"));
        reveal(&mut definition, &values);
        assert_eq!(token(&definition).as_deref(), Some("s3cret"));
    }

    #[test]
    fn sealed_values_open_only_for_their_job() {
        let secrets = SecretBox::from_key([3; 32]);
        let sealed = seal(&secrets, "job-1", &stored("s3cret")).unwrap().unwrap();
        assert!(!sealed.contains("s3cret"));
        assert_eq!(open(&secrets, "job-1", Some(&sealed)).unwrap(), stored("s3cret"));
        assert!(open(&secrets, "job-2", Some(&sealed)).is_err());
        assert_eq!(seal(&secrets, "job-1", &SecretValues::new()).unwrap(), None);
        assert!(open(&secrets, "job-1", None).unwrap().is_empty());
    }
}
