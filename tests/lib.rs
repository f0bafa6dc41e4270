//! Provisio's end-to-end tests live in the `it` test binary (`it/main.rs`);
//! this library holds what they share with other test code: a throwaway
//! PostgreSQL ([`postgres`]).

pub mod postgres;
