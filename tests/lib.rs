//! Provisio's end-to-end tests live in the `it` test binary (`it/main.rs`); this library is empty.
