//! Provisio's end-to-end tests live in the `it` test binary (`it/main.rs`);
//! this library holds what they share with other test code: a throwaway
//! PostgreSQL ([`postgres`]) and an independent SCIM server to provision
//! into ([`scim_target`]).

pub mod fault_proxy;
pub mod postgres;
pub mod rest_target;
pub mod scim_target;
pub mod slapd;
