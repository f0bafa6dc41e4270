//! The secret fields of a job definition, and their write-only rules: a
//! definition is stored with every secret masked, the values apart and
//! encrypted; a write that sends `"********"` or leaves a secret out keeps
//! the stored value, an empty string clears it, anything else replaces it —
//! but a stored value is never kept for a new destination (another address
//! or agent): that write is refused until the secret is entered again.

use std::collections::BTreeMap;

use provisio_api::jobs::MASK;
use provisio_engine::job::{JobDefinition, JobProblem, Secret, Target};

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

/// The secret fields a job cannot work without, each with what messages
/// call it: a SCIM application's token, an LDAP directory's bind password
/// (unless it binds anonymously, without a bind DN),
/// a PostgreSQL database's password (unless its URL carries one), a REST
/// API's token (unless a header — `Authorization`, or one whose name says
/// key or token — authenticates instead). SQLite needs none.
pub fn needed_secrets(definition: &JobDefinition) -> Vec<(&'static str, &'static str)> {
    match &definition.target {
        Target::Scim { .. } => vec![("target.auth.bearer_token", "token")],
        // An empty bind DN binds anonymously.
        Target::Ldap(ldap) if ldap.bind_dn.trim().is_empty() => Vec::new(),
        Target::Ldap(_) => vec![("target.bind_password", "bind password")],
        Target::Sql(sql) => {
            let url = sql.url.trim().to_ascii_lowercase();
            let postgres = url.starts_with("postgres://") || url.starts_with("postgresql://");
            // postgres://user:password@host/db
            let has_password = url
                .split_once("://")
                .and_then(|(_, rest)| rest.split_once('@'))
                .is_some_and(|(credentials, _)| credentials.contains(':'));
            if postgres && !has_password {
                vec![("target.password", "database password")]
            } else {
                Vec::new()
            }
        }
        Target::Rest(rest) => {
            let header_authenticates = rest.headers.keys().any(|name| {
                let name = name.to_ascii_lowercase();
                name == "authorization" || name.contains("key") || name.contains("token")
            });
            if header_authenticates {
                Vec::new()
            } else {
                vec![("target.bearer_token", "token")]
            }
        }
        Target::Directory => Vec::new(),
    }
}

/// A warning for each secret the job needs ([`needed_secrets`]) and will
/// not have once `incoming` is written over `stored` (`None` when the job
/// is created), by the write-only rules: a secret left out or sent as
/// `"********"` keeps the stored one, `""` clears it. Not an error: a job
/// may be written first and given its secret later, but it cannot connect
/// until then.
pub(crate) fn missing(incoming: &JobDefinition, stored: Option<&JobDefinition>) -> Vec<JobProblem> {
    let stored = stored.map(secret_flags).unwrap_or_default();
    let mut incoming_slots = incoming.clone();
    let set: BTreeMap<&str, bool> = secret_slots(&mut incoming_slots)
        .into_iter()
        .map(|(name, slot)| {
            let set = match slot.as_ref().map(Secret::expose) {
                None | Some(MASK) => stored.get(name).copied().unwrap_or(false),
                Some(value) => !value.is_empty(),
            };
            (name, set)
        })
        .collect();
    needed_secrets(incoming)
        .into_iter()
        .filter(|(field, _)| !set.get(field).copied().unwrap_or(false))
        .map(|(field, what)| {
            JobProblem::warning(
                field,
                format!(
                    "the job has no {what}, so it cannot connect to its target until one is set: in a job file \
                     as \"${{NAME}}\" (an environment variable) or `secret_file: PATH`, which `provisio job apply` \
                     resolves; or in the portal's Connection tab, or with PUT /api/v1/jobs/{{id}}"
                ),
            )
        })
        .collect()
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

/// Where a target's secrets are sent, field by field: changing any of these
/// points the stored secrets at another server (or another agent), so they
/// are not kept across the change ([`check_destination`]).
fn destination(target: &Target) -> Vec<(&'static str, String)> {
    let url = |url: &str| url.trim().trim_end_matches('/').to_owned();
    let agent = |agent: &Option<String>| agent.clone().unwrap_or_default();
    match target {
        Target::Scim { base_url, .. } => vec![("target.base_url", url(base_url))],
        Target::Ldap(ldap) => vec![
            ("target.url", url(&ldap.url)),
            ("target.start_tls", ldap.start_tls.to_string()),
            ("target.ca_certificate", ldap.ca_certificate.clone().unwrap_or_default()),
            ("target.via_agent", agent(&ldap.via_agent)),
        ],
        Target::Sql(sql) => vec![
            ("target.url", url(&sql.url)),
            ("target.via_agent", agent(&sql.via_agent)),
        ],
        Target::Rest(rest) => vec![
            ("target.base_url", url(&rest.base_url)),
            ("target.via_agent", agent(&rest.via_agent)),
        ],
        Target::Directory => Vec::new(),
    }
}

/// Refuses to keep a stored secret (sent as `"********"` or left out) when
/// the incoming definition sends it somewhere else than the stored one did:
/// an administrator who could read no secret must not be able to point the
/// job at a server or agent of their own and receive it there. One problem
/// per such secret, naming the field and what changed.
pub(crate) fn check_destination(
    incoming: &JobDefinition,
    current: &JobDefinition,
    stored: &SecretValues,
) -> Result<(), Vec<JobProblem>> {
    let before = destination(&current.target);
    let after = destination(&incoming.target);
    let Some(changed) = after
        .iter()
        .find(|(field, value)| before.iter().any(|(f, v)| f == field && v != value))
        .map(|(field, _)| *field)
    else {
        return Ok(());
    };
    let mut incoming = incoming.clone();
    let problems: Vec<JobProblem> = secret_slots(&mut incoming)
        .into_iter()
        .filter(|(name, slot)| {
            stored.contains_key(*name) && matches!(slot.as_ref().map(Secret::expose), None | Some(MASK))
        })
        .map(|(name, _)| {
            JobProblem::error(
                name,
                format!(
                    "`{changed}` changed, so the stored secret is not sent to the new destination: \
                     enter it again (or send \"\" to leave it empty)"
                ),
            )
        })
        .collect();
    if problems.is_empty() { Ok(()) } else { Err(problems) }
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

    fn scim_at(base_url: &str, token: Option<&str>) -> JobDefinition {
        let mut definition = scim(token);
        if let Target::Scim { base_url: url, .. } = &mut definition.target {
            *url = base_url.to_owned();
        }
        definition
    }

    #[test]
    fn a_stored_secret_is_not_kept_for_a_new_destination() {
        let current = scim_at("https://acme.example/scim", None);
        let check = |incoming: &JobDefinition| check_destination(incoming, &current, &stored("old"));
        // The same destination (a trailing slash aside) keeps it.
        assert!(check(&scim_at("https://acme.example/scim/", Some(MASK))).is_ok());
        // Elsewhere, masked or left out: refused, naming the field and why.
        for incoming in [
            scim_at("https://attacker.example/scim", Some(MASK)),
            scim_at("https://acme.example/other-tenant/scim", None),
        ] {
            let problems = check(&incoming).unwrap_err();
            assert_eq!(problems.len(), 1);
            assert_eq!(problems[0].location, "target.auth.bearer_token");
            assert!(
                problems[0].message.contains("`target.base_url` changed"),
                "{}",
                problems[0].message
            );
        }
        // A new value, or clearing it, is fine anywhere.
        assert!(check(&scim_at("https://attacker.example/scim", Some("typed-again"))).is_ok());
        assert!(check(&scim_at("https://attacker.example/scim", Some(""))).is_ok());
        // Nothing stored, nothing to keep.
        assert!(
            check_destination(
                &scim_at("https://b.example", Some(MASK)),
                &current,
                &SecretValues::new()
            )
            .is_ok()
        );
    }

    #[test]
    fn another_agent_is_another_destination() {
        let rest = |agent: Option<&str>| -> JobDefinition {
            let mut definition = provisio_engine::job::templates::rest("R", "https://hr.example/api");
            if let Target::Rest(rest) = &mut definition.target {
                rest.via_agent = agent.map(str::to_owned);
                rest.bearer_token = Some(Secret::new(MASK));
            }
            definition
        };
        let stored = SecretValues::from([("target.bearer_token".to_owned(), "t".to_owned())]);
        assert!(check_destination(&rest(Some("dc1")), &rest(Some("dc1")), &stored).is_ok());
        let problems = check_destination(&rest(Some("mine")), &rest(Some("dc1")), &stored).unwrap_err();
        assert!(problems[0].message.contains("`target.via_agent` changed"));
    }

    #[test]
    fn the_secrets_a_job_needs() {
        assert_eq!(needed_secrets(&scim(None)), vec![("target.auth.bearer_token", "token")]);
        let sql = |url: &str| provisio_engine::job::templates::sql("S", url, "users");
        assert_eq!(
            needed_secrets(&sql("postgres://app@db/hr")),
            vec![("target.password", "database password")]
        );
        assert!(needed_secrets(&sql("postgres://app:pw@db/hr")).is_empty());
        assert!(needed_secrets(&sql("sqlite:///var/hr.db")).is_empty());
        let mut rest = provisio_engine::job::templates::rest("R", "https://hr.example/api");
        assert_eq!(needed_secrets(&rest), vec![("target.bearer_token", "token")]);
        if let Target::Rest(target) = &mut rest.target {
            target.headers.insert("X-Api-Key".into(), "k".into());
        }
        assert!(needed_secrets(&rest).is_empty());
        let inbound = provisio_engine::job::templates::inbound("HR");
        assert!(needed_secrets(&inbound).is_empty());
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
