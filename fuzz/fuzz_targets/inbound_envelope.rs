//! Fuzzes the inbound bulk upload check (the BulkRequest envelope and each
//! operation): the first byte picks the Content-Type, the rest is the body.
//! Accepted uploads carry identified records with unique bulkIds; anything
//! else is a client error (see provisio_server::fuzzing).
#![no_main]

use libfuzzer_sys::fuzz_target;
use provisio_server::fuzzing;

const CONTENT_TYPES: [Option<&str>; 5] = [
    Some("application/scim+json"),
    Some("application/scim+json; charset=utf-8"),
    Some("APPLICATION/SCIM+JSON"),
    Some("application/json"),
    None,
];

fuzz_target!(|data: &[u8]| {
    let Some((first, body)) = data.split_first() else {
        return;
    };
    let content_type = CONTENT_TYPES[usize::from(*first) % CONTENT_TYPES.len()];
    fuzzing::inbound_envelope(content_type, body);
});
