//! The one place where directory and job errors become the admin API's
//! statuses ([`Failure`]).

use crate::directory::DirectoryError;
use crate::jobs::JobError;

pub(crate) use crate::failure::Failure;

impl From<DirectoryError> for Failure {
    fn from(error: DirectoryError) -> Self {
        match error {
            DirectoryError::NotFound { .. } => Failure::not_found(error.to_string()),
            DirectoryError::Conflict { .. } | DirectoryError::NotDeleted { .. } => Failure::conflict(error.to_string()),
            DirectoryError::Invalid { .. } => Failure::invalid(error.to_string()),
            DirectoryError::VersionMismatch { .. } => Failure::precondition_failed(error.to_string()),
            DirectoryError::Storage(e) => Failure::internal(&e),
        }
    }
}

impl From<JobError> for Failure {
    fn from(error: JobError) -> Self {
        match error {
            JobError::Invalid(problems) => Failure::job_problems(problems),
            JobError::NotFound { .. } | JobError::NotAssigned { .. } => Failure::not_found(error.to_string()),
            JobError::NameTaken { .. } => Failure::conflict(error.to_string()),
            JobError::VersionMismatch { .. } => Failure::precondition_failed(error.to_string()),
            JobError::UnknownPrincipal { .. } | JobError::UnknownRole { .. } => Failure::invalid(error.to_string()),
            JobError::Secret(e) => Failure::internal(&e),
            JobError::Storage(e) => Failure::internal(&e),
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;
    use provisio_engine::job::JobProblem;

    use super::*;
    use crate::directory::ObjectType;

    #[track_caller]
    fn status(failure: impl Into<Failure>) -> (u16, String) {
        let failure = failure.into();
        (failure.status.as_u16(), failure.error.error)
    }

    #[test]
    fn directory_errors_map_to_statuses() {
        let id = || "u1".to_owned();
        let kind = ObjectType::User;
        assert_eq!(
            status(DirectoryError::NotFound { kind, id: id() }),
            (404, "not_found".into())
        );
        assert_eq!(
            status(DirectoryError::invalid("mail", "must be a string")),
            (400, "invalid".into())
        );
        let conflict = DirectoryError::Conflict {
            attribute: "userPrincipalName".into(),
            message: "taken".into(),
        };
        assert_eq!(status(conflict), (409, "conflict".into()));
        assert_eq!(
            status(DirectoryError::NotDeleted { kind, id: id() }),
            (409, "conflict".into())
        );
        let stale = DirectoryError::VersionMismatch {
            kind,
            id: id(),
            current: 2,
            expected: 1,
        };
        assert_eq!(status(stale), (412, "precondition_failed".into()));
    }

    #[test]
    fn job_errors_map_to_statuses() {
        assert_eq!(
            status(JobError::NameTaken { name: "a".into() }),
            (409, "conflict".into())
        );
        assert_eq!(
            status(JobError::NotFound { job: "a".into() }),
            (404, "not_found".into())
        );
        let unknown = JobError::UnknownPrincipal {
            kind: "user",
            id: "u9".into(),
        };
        let failure = Failure::from(unknown);
        assert_eq!(failure.status, StatusCode::BAD_REQUEST);
        assert!(failure.error.message.contains("u9"));
        let invalid = Failure::from(JobError::Invalid(vec![JobProblem::error(
            "name",
            "the job has no name",
        )]));
        assert_eq!(
            invalid.error.message,
            "the job definition has 1 error: name: the job has no name"
        );
        assert_eq!(invalid.problems.map(|p| p.len()), Some(1));
    }
}
