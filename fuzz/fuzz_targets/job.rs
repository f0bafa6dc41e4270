//! Fuzzes job definitions as the API and the CLI load them, from JSON and
//! from YAML, with validation: loading returns a definition or located
//! problems, never panics; a definition that parses serialises to JSON that
//! parses back to a definition serialising to the same JSON (secrets are
//! written masked, and the mask reads back as itself).
#![no_main]

use libfuzzer_sys::fuzz_target;
use provisio_engine::job::{self, Format, JobDefinition};

fn round_trip(job: &JobDefinition) {
    let json = serde_json::to_string(job).expect("a definition serialises");
    let again = job::parse_json(&json).unwrap_or_else(|e| panic!("{json} does not parse back: {e}"));
    assert_eq!(serde_json::to_string(&again).expect("a definition serialises"), json);
    let _ = job::validate(&again);
}

fuzz_target!(|text: &str| {
    for format in [Format::Json, Format::Yaml] {
        if let Ok(job) = job::parse(text, format) {
            let problems = job::validate(&job);
            for problem in &problems {
                assert!(!problem.to_string().is_empty());
            }
            round_trip(&job);
        }
    }
    let _ = job::load(text);
});
