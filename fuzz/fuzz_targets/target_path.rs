//! Fuzzes the engine's target paths (`emails[type eq "work"].value`,
//! `urn:…:User:manager`), which mappings name: a path that parses prints
//! back to itself, and an error's offset lies within the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use provisio_engine::scim_path::TargetPath;

fuzz_target!(|text: &str| {
    match TargetPath::parse(text) {
        Ok(path) => {
            let printed = path.canonical();
            let reparsed = TargetPath::parse(&printed).unwrap_or_else(|e| panic!("{printed:?} does not parse: {e:?}"));
            assert_eq!(reparsed, path, "{text:?} printed as {printed:?}");
            let _ = path.leaf();
        }
        Err(error) => {
            assert!(error.offset <= text.len(), "offset {} past {text:?}", error.offset);
            assert!(!error.message.is_empty());
        }
    }
});
