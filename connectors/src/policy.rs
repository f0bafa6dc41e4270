//! What the operator lets targets reach from this process (the server, or
//! an agent): the networks HTTP targets may not be in ([`NetworkPolicy`]),
//! and the one folder SQLite targets may live under — never Provisio's own
//! database, which holds every job's encrypted secrets and the sign-in
//! hashes.

use std::path::{Path, PathBuf};

use super::ConnectorError;
use super::network::NetworkPolicy;

/// The limits a process puts on the targets it connects to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetPolicy {
    /// Networks HTTP targets may not resolve to.
    pub networks: NetworkPolicy,
    /// The folder SQLite target files must lie under (`--sqlite-target-dir`);
    /// without one, SQLite targets are refused.
    pub sqlite_dir: Option<PathBuf>,
    /// Provisio's own SQLite database, never a target.
    pub own_database: Option<PathBuf>,
}

impl TargetPolicy {
    /// Refuses a `sqlite:` URL unless its file lies under [`Self::sqlite_dir`]
    /// (symbolic links resolved) and is not Provisio's own database.
    pub fn check_sqlite_url(&self, url: &str) -> Result<(), ConnectorError> {
        let refuse = |why: String| Err(ConnectorError::Invalid { detail: why });
        let Some(path) = sqlite_path(url) else {
            return refuse(format!(
                "`{url}` names no database file: a SQLite target is a file, sqlite://PATH"
            ));
        };
        let Some(allowed) = &self.sqlite_dir else {
            return refuse(
                "SQLite targets are files on this machine, and none are allowed until the operator names a folder \
                 for them: start the server (or the agent) with --sqlite-target-dir DIR and keep the file under it"
                    .to_owned(),
            );
        };
        let (Some(file), Ok(allowed)) = (resolved(&path), allowed.canonicalize()) else {
            return refuse(format!(
                "the SQLite target `{}` is not in an existing folder under the allowed one ({})",
                path.display(),
                allowed.display()
            ));
        };
        if !file.starts_with(&allowed) {
            return refuse(format!(
                "the SQLite target `{}` is outside {}, the folder SQLite targets must be in (--sqlite-target-dir)",
                path.display(),
                allowed.display()
            ));
        }
        let own = self.own_database.as_deref().and_then(resolved);
        let is_own = own.as_ref().is_some_and(|own| {
            let name = |p: &Path| {
                p.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            };
            file.parent() == own.parent() && name(&file).starts_with(&name(own))
        });
        if is_own {
            return refuse("a job cannot write to Provisio's own database".to_owned());
        }
        Ok(())
    }
}

/// The file a `sqlite:` URL names, options aside; `None` for in-memory ones.
fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && !path.starts_with(":memory:")).then(|| PathBuf::from(path))
}

/// The path with every symbolic link resolved: the file itself when it
/// exists, else its folder (which must exist) joined with its name.
fn resolved(path: &Path) -> Option<PathBuf> {
    if let Ok(file) = path.canonicalize() {
        return Some(file);
    }
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    Some(parent.canonicalize().ok()?.join(path.file_name()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(dir: &Path) -> TargetPolicy {
        TargetPolicy {
            sqlite_dir: Some(dir.join("targets")),
            own_database: Some(dir.join("targets/provisio.db")),
            ..TargetPolicy::default()
        }
    }

    #[test]
    fn sqlite_targets_only_under_the_allowed_folder_and_never_our_own_database() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("targets/sub")).unwrap();
        std::fs::write(dir.path().join("targets/provisio.db"), b"").unwrap();
        let policy = policy(dir.path());
        let url = |p: &str| format!("sqlite://{}", dir.path().join(p).display());
        assert!(policy.check_sqlite_url(&url("targets/hr.db")).is_ok());
        assert!(
            policy
                .check_sqlite_url(&format!("{}?mode=rwc", url("targets/sub/apps.db")))
                .is_ok()
        );
        for (bad, says) in [
            (url("elsewhere.db"), "outside"),
            (url("targets/../elsewhere.db"), "outside"),
            (url("targets/provisio.db"), "own database"),
            (url("targets/provisio.db-wal"), "own database"),
            (url("targets/missing/x.db"), "not in an existing folder"),
            ("sqlite::memory:".to_owned(), "names no database file"),
        ] {
            let error = policy.check_sqlite_url(&bad).unwrap_err().to_string();
            assert!(error.contains(says), "{bad}: {error}");
        }
        // A link inside the folder that points outside it is outside.
        std::os::unix::fs::symlink("/etc", dir.path().join("targets/etc")).unwrap();
        assert!(policy.check_sqlite_url(&url("targets/etc/x.db")).is_err());
    }

    #[test]
    fn without_a_folder_sqlite_targets_are_refused_saying_how_to_allow_them() {
        let error = TargetPolicy::default()
            .check_sqlite_url("sqlite:///tmp/x.db")
            .unwrap_err()
            .to_string();
        assert!(error.contains("--sqlite-target-dir"), "{error}");
    }
}
