//! Entry points for the fuzz targets in fuzz/ that reach the server's own
//! parsers (the SCIM ones are provisio-scim's, fuzzed beside that crate):
//! each runs one parser that faces the network as a request runs it, and
//! asserts what its callers rely on (the fuzzer itself catches panics).
//! Hidden from the documentation and used by nothing else; the parsers stay
//! private to their modules.

use provisio_scim::ScimError;

use crate::inbound::envelope;

/// The most operations the fuzzed inbound envelopes may carry.
const MAX_OPERATIONS: u32 = 50;

/// An inbound bulk upload (`POST /api/v1/inbound/{job}/bulk`): one that
/// passes carries between one and the allowed number of operations, each
/// with an identity and a unique bulkId; one that does not is a client
/// error.
pub fn inbound_envelope(content_type: Option<&str>, body: &[u8]) {
    match envelope::parse(content_type, body, MAX_OPERATIONS) {
        Ok(operations) => {
            assert!(!operations.is_empty());
            assert!(operations.len() <= MAX_OPERATIONS as usize);
            let mut bulk_ids = std::collections::HashSet::new();
            for operation in &operations {
                assert!(!operation.external_id.is_empty(), "{operation:?}");
                assert!(bulk_ids.insert(&operation.bulk_id), "bulkId twice: {operation:?}");
                assert_eq!(
                    envelope::identity(&operation.data).as_deref(),
                    Some(operation.external_id.as_str())
                );
            }
        }
        Err(error) => assert_client_error(&error),
    }
}

/// A client's mistake: a 4xx with a detail, never a server error.
fn assert_client_error(error: &ScimError) {
    assert!(error.status.is_client_error(), "{error:?}");
    assert!(!error.detail.is_empty(), "{error:?}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_inputs_pass_their_checks() {
        inbound_envelope(
            Some("application/scim+json"),
            br#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [{"method": "POST", "bulkId": "1", "path": "/Users", "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "externalId": "E1", "userName": "a@b.c"}}]}"#,
        );
        inbound_envelope(None, b"[]");
        inbound_envelope(Some("text/plain"), b"{}");
    }
}
