//! How the admin API refuses: one type, [`Failure`], with the HTTP status
//! and the JSON body (`{"error": CODE, "message": SENTENCE}`, plus the
//! engine's `problems` for an invalid job definition), and the one place
//! where directory, job and storage errors become statuses.

use axum::Json;
use axum::http::header::CACHE_CONTROL;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use provisio_api::ApiError;
use provisio_api::jobs::JobInvalid;
use provisio_engine::job::JobProblem;

use crate::ServerError;
use crate::directory::DirectoryError;
use crate::jobs::JobError;

/// An admin API error answer.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) status: StatusCode,
    pub(crate) error: ApiError,
    /// For an invalid job definition: every problem found.
    pub(crate) problems: Option<Vec<JobProblem>>,
}

impl Failure {
    pub(crate) fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Failure {
            status,
            error: ApiError::new(code, message),
            problems: None,
        }
    }

    /// 400: the request is malformed or breaks a rule; the message says where.
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid", message)
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 409: the request clashes with what exists.
    pub(crate) fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", message)
    }

    /// 412: the `If-Match` version is no longer current.
    pub(crate) fn precondition_failed(message: impl Into<String>) -> Self {
        Self::new(StatusCode::PRECONDITION_FAILED, "precondition_failed", message)
    }

    /// 400 with every problem of a job definition.
    pub(crate) fn job_problems(problems: Vec<JobProblem>) -> Self {
        let message = JobError::Invalid(problems.clone()).to_string();
        Failure {
            problems: Some(problems),
            ..Self::invalid(message)
        }
    }

    /// 500: logged here with its cause, answered without it.
    pub(crate) fn internal(error: &dyn std::fmt::Display) -> Self {
        tracing::error!(%error, "admin API request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error: see the server log",
        )
    }
}

impl From<ServerError> for Failure {
    fn from(error: ServerError) -> Self {
        Failure::internal(&error)
    }
}

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
            JobError::UnknownPrincipal { .. } => Failure::invalid(error.to_string()),
            JobError::Secret(e) => Failure::internal(&e),
            JobError::Storage(e) => Failure::internal(&e),
        }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let mut response = match self.problems {
            Some(problems) => (
                self.status,
                Json(JobInvalid {
                    error: self.error.error,
                    message: self.error.message,
                    problems,
                }),
            )
                .into_response(),
            None => (self.status, Json(self.error)).into_response(),
        };
        response
            .headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

#[cfg(test)]
mod tests {
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
