//! Fuzzes the SCIM filter parser as `?filter=` and a SearchRequest body
//! reach it: a filter parses, is checked against the User and Group schemas
//! and evaluated against sample resources, or is a 400 `invalidFilter` whose
//! position lies within the text (see provisio_scim::fuzzing).
#![no_main]

use libfuzzer_sys::fuzz_target;
use provisio_scim::fuzzing;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        fuzzing::scim_filter(text);
    }
    fuzzing::scim_search(data);
});
