//! Provisio's end-to-end tests live in the `it` test binary (`it/main.rs`);
//! this library holds what they share with other test code (benchmarks):
//! a throwaway PostgreSQL ([`postgres`]), the targets to provision into —
//! an independent SCIM server ([`scim_target`]), OpenLDAP ([`slapd`]), a
//! REST service ([`rest_target`]) — a faulty proxy ([`fault_proxy`]), and
//! starting servers as child processes ([`server_process`]), and a
//! throwaway certificate authority for their TLS ([`tls`]).

pub mod fault_proxy;
pub mod postgres;
pub mod rest_target;
pub mod scim_target;
pub mod server_process;
pub mod slapd;
pub mod tls;
