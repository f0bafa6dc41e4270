//! What an administrator can do about each error code, in plain words: the
//! engine's reason codes and the connectors' codes, in one table.

/// Every known code and its recommended action.
const RECOMMENDATIONS: &[(&str, &str)] = &[
    // The engine's reason codes (provisio_engine::plan::ReasonCode).
    (
        "EntrySynchronizationSkipped",
        "Nothing to do when the account is already in sync, or the object should not be provisioned; otherwise assign it to the job or adjust the scoping filters",
    ),
    (
        "ReferenceNotYetProvisioned",
        "Nothing to do if the referenced users or groups are on their way: the reference is written once they exist in the application; otherwise assign them to the job or widen its scoping filters",
    ),
    (
        "ImportSkipped",
        "Give the object a value for the matching attribute in the directory, or match on an attribute every object has",
    ),
    (
        "DuplicateTargetEntries",
        "Remove the duplicate accounts in the application, or make the matching attribute unique",
    ),
    (
        "DuplicateSourceEntries",
        "Make the matching attribute unique in the directory: two source objects match the same account",
    ),
    (
        "InvalidAnchor",
        "The account was deleted in the application; restart the job to create it again, or remove the user from the job",
    ),
    (
        "ActionNotAllowed",
        "Allow the action in the object mapping's target actions if the application should receive it",
    ),
    (
        "ExpressionFailed",
        "Fix the attribute mapping's expression, or give the object the attributes it reads",
    ),
    (
        "SkipOutOfScopeDeletions",
        "Nothing to do: the job leaves out-of-scope accounts alone; turn off skip_out_of_scope_deletions to disable them",
    ),
    (
        "DeletionThresholdExceeded",
        "Check that the disables and deletes are intended, then allow them on the job; otherwise fix the scope or assignments",
    ),
    // The connectors' codes.
    (
        "Conflict",
        "Another account in the application holds a unique value: remove the duplicate, or match on that attribute",
    ),
    (
        "EntryConflict",
        "Another account in the application holds a unique value: remove the duplicate, or match on that attribute",
    ),
    (
        "TooManyRequests",
        "Nothing to do: the application is throttling requests and the object will be retried automatically",
    ),
    (
        "InternalServerError",
        "The application failed; the object will be retried automatically. Contact the application's vendor if it persists",
    ),
    (
        "Timeout",
        "The application did not answer in time; the object will be retried automatically",
    ),
    (
        "WebExceptionProtocolError",
        "Check the job's base URL and that the application is reachable; the object will be retried automatically",
    ),
    (
        "Unauthorized",
        "Check the job's credentials: the application refused them",
    ),
    (
        "InsufficientRights",
        "Give the job's credentials the rights to create, update and delete accounts in the application",
    ),
    (
        "NotPermitted",
        "Give the job's credentials the rights to create, update and delete accounts in the application",
    ),
    (
        "MethodNotAllowed",
        "The application does not support this operation; remove the action from the object mapping's target actions",
    ),
    (
        "NotImplemented",
        "The application does not support this operation; remove the action from the object mapping's target actions",
    ),
    (
        "UnprocessableEntity",
        "The application rejected the values sent: check the attribute mappings against its schema",
    ),
    (
        "SchemaAttributeNotFound",
        "Remove the mapping to an attribute the application does not know, or correct its name",
    ),
    (
        "MandatoryFieldsMissing",
        "Map a value to every attribute the application requires, or give the object those values in the directory",
    ),
    (
        "InvalidDomain",
        "Use a domain the application accepts, for example by mapping userPrincipalName through an expression",
    ),
    (
        "LicenseLimitExceeded",
        "Buy more licences in the application, or remove users from the job",
    ),
    (
        "ServiceIncompatible",
        "The application's answer could not be read; check that the base URL points at its SCIM endpoint",
    ),
];

/// The recommended action for a code, if it is a known one.
pub fn recommended_action(code: &str) -> Option<&'static str> {
    RECOMMENDATIONS
        .iter()
        .find(|(known, _)| *known == code)
        .map(|(_, advice)| *advice)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_one_recommendation_each() {
        let mut codes: Vec<&str> = RECOMMENDATIONS.iter().map(|(code, _)| *code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), RECOMMENDATIONS.len());
        assert_eq!(
            recommended_action("DuplicateTargetEntries"),
            Some("Remove the duplicate accounts in the application, or make the matching attribute unique")
        );
        assert_eq!(recommended_action("NoSuchCode"), None);
    }
}
