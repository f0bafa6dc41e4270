//! Fuzzes attribute paths as the SCIM service reads them (filters, PATCH
//! `path`, `attributes`, `excludedAttributes`, `sortBy`): a parsed path
//! prints back to itself; errors are client errors whose position lies
//! within the text (see provisio_scim::fuzzing).
#![no_main]

use libfuzzer_sys::fuzz_target;
use provisio_scim::fuzzing;

fuzz_target!(|text: &str| {
    fuzzing::scim_path(text);
});
