//! The secret references of a job file, resolved by `provisio job apply`
//! (and tried by `provisio job check`) before the definition goes anywhere:
//! `"${NAME}"` is the environment variable `NAME` of this process,
//! `secret_file: PATH` the content of the file at `PATH` (relative to the
//! job file's folder), without its trailing line break. The value replaces
//! the reference in memory only: the database stores it encrypted and
//! write-only like any secret, and no message ever shows it.

use std::path::Path;

use provisio_engine::job::{JobDefinition, JobProblem, Secret};
pub use provisio_server::jobs::misplaced_references as misplaced;
use provisio_server::jobs::{SECRET_FILE, SecretRef, secret_slots};

/// Replaces every reference in the definition's secret fields by its value;
/// one error per reference that cannot be resolved, naming the field and
/// the variable or file. (References outside secret fields: [`misplaced`].)
pub fn resolve(definition: &mut JobDefinition, folder: &Path) -> Vec<JobProblem> {
    resolve_with(definition, folder, |name| std::env::var_os(name))
}

fn resolve_with(
    definition: &mut JobDefinition,
    folder: &Path,
    env: impl Fn(&str) -> Option<std::ffi::OsString>,
) -> Vec<JobProblem> {
    let mut problems = Vec::new();
    for (field, slot) in secret_slots(definition) {
        let Some(reference) = slot.as_ref().and_then(|s| SecretRef::parse(s.expose())) else {
            continue;
        };
        match value_of(reference, folder, &env) {
            Ok(value) => *slot = Some(Secret::new(value)),
            Err(message) => problems.push(JobProblem::error(field, message)),
        }
    }
    problems
}

/// The value a reference stands for, or why there is none.
fn value_of(
    reference: SecretRef<'_>,
    folder: &Path,
    env: impl Fn(&str) -> Option<std::ffi::OsString>,
) -> Result<String, String> {
    match reference {
        SecretRef::Env(name) => {
            if !SecretRef::valid_name(name) {
                return Err(format!(
                    "`${{{name}}}` does not name an environment variable: a name is a letter or `_`, then \
                     letters, digits or `_`"
                ));
            }
            let value = env(name).ok_or_else(|| {
                format!("the environment variable {name} is not set (the file gives `${{{name}}}`): set it and run the command again")
            })?;
            let value = value
                .into_string()
                .map_err(|_| format!("the environment variable {name} is not valid UTF-8"))?;
            if value.trim().is_empty() {
                return Err(format!(
                    "the environment variable {name} is empty (the file gives `${{{name}}}`)"
                ));
            }
            Ok(value)
        }
        SecretRef::File(path) => {
            if path.is_empty() {
                return Err(format!("`{SECRET_FILE}` names no file: write `{SECRET_FILE} PATH`"));
            }
            let full = folder.join(path);
            let text = std::fs::read_to_string(&full).map_err(|e| {
                format!(
                    "cannot read the secret file {} (`{SECRET_FILE} {path}`): {e}",
                    full.display()
                )
            })?;
            let value = text.trim_end_matches(['\r', '\n']);
            if value.trim().is_empty() {
                return Err(format!(
                    "the secret file {} (`{SECRET_FILE} {path}`) is empty",
                    full.display()
                ));
            }
            Ok(value.to_owned())
        }
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::OsString;

    use provisio_engine::job::Target;

    use super::*;

    fn scim(token: &str) -> JobDefinition {
        let mut job = provisio_engine::job::templates::scim("Acme", "https://acme.example/scim");
        if let Target::Scim { auth, .. } = &mut job.target {
            auth.bearer_token = Some(Secret::new(token));
        }
        job
    }

    fn token(job: &JobDefinition) -> String {
        match &job.target {
            Target::Scim { auth, .. } => auth
                .bearer_token
                .as_ref()
                .map(|s| s.expose().to_owned())
                .unwrap_or_default(),
            _ => unreachable!(),
        }
    }

    fn env(name: &str) -> Option<OsString> {
        match name {
            "ACME_TOKEN" => Some("from-env".into()),
            "BLANK" => Some("".into()),
            _ => None,
        }
    }

    #[test]
    fn environment_variables_and_files_replace_their_references() {
        let folder = tempfile::tempdir().unwrap();
        std::fs::write(folder.path().join("token.txt"), "from-file\n").unwrap();
        let mut job = scim("${ACME_TOKEN}");
        assert_eq!(resolve_with(&mut job, folder.path(), env), []);
        assert_eq!(token(&job), "from-env");
        let mut job = scim("secret_file: token.txt");
        assert_eq!(resolve_with(&mut job, folder.path(), env), []);
        assert_eq!(
            token(&job),
            "from-file",
            "relative to the job file's folder, without the line break"
        );
        let mut job = scim("plain");
        assert_eq!(resolve_with(&mut job, folder.path(), env), []);
        assert_eq!(token(&job), "plain");
    }

    #[test]
    fn what_cannot_be_resolved_is_an_error_naming_the_field_and_the_source() {
        let folder = tempfile::tempdir().unwrap();
        let message = |value: &str| {
            let mut job = scim(value);
            let problems = resolve_with(&mut job, folder.path(), env);
            assert_eq!(problems.len(), 1, "{problems:?}");
            assert_eq!(problems[0].location, "target.auth.bearer_token");
            assert!(problems[0].is_error());
            problems[0].message.clone()
        };
        let m = message("${MISSING_TOKEN}");
        assert!(m.contains("environment variable MISSING_TOKEN is not set"), "{m}");
        assert!(message("${BLANK}").contains("BLANK is empty"));
        assert!(message("${1X}").contains("does not name an environment variable"));
        let m = message("secret_file: nope.txt");
        assert!(
            m.contains("cannot read the secret file") && m.contains("nope.txt"),
            "{m}"
        );
        std::fs::write(folder.path().join("empty"), "\n").unwrap();
        assert!(message("secret_file:empty").contains("is empty"));
    }
}
