//! Fuzzes SCIM PATCH bodies: parsed against the User schema (first byte
//! even) or the Group schema (odd) and applied to a sample resource; a
//! failed PATCH leaves the resource as it was (see provisio_scim::fuzzing).
#![no_main]

use libfuzzer_sys::fuzz_target;
use provisio_scim::fuzzing;

fuzz_target!(|data: &[u8]| {
    let Some((first, body)) = data.split_first() else {
        return;
    };
    fuzzing::scim_patch(body, first % 2 == 1);
});
