//! `cargo xtask bench [--large]`: the engine's benchmarks (expressions and decisions),
//! natively (criterion) and compiled to wasm running in Node, the server's SCIM
//! benchmark, provisioning into a real SCIM server (scim2-server) and into a second
//! Provisio, inbound bulk uploads, initial cycles into slapd and PostgreSQL beside their
//! raw create rates, and how cycles scale with the directory. `--large` sets
//! `PROVISIO_BENCH_LARGE=1` for the provisioning benchmarks: the million-user figures
//! and a minute of realtime changes (instead of 30 s).

use crate::steps::Steps;
use crate::tools::{self, WASM_TARGET};
use crate::workspace::cargo;

/// What the provisioning benchmarks read for `--large`.
const LARGE: &str = "PROVISIO_BENCH_LARGE";

pub fn bench(large: bool) -> Result<(), String> {
    let large = if large { "1" } else { "0" };
    let mut steps = Steps::new();
    tools::for_bench(&mut steps)?;
    steps.run(
        "native: cargo bench (expressions, decisions)",
        cargo().args(["bench", "-p", "provisio-engine", "--bench", "expr", "--bench", "decide"]),
    )?;
    steps.run(
        "native: cargo bench (SCIM directory writes and reads over HTTP)",
        cargo().args(["bench", "-p", "provisio-server", "--bench", "scim"]),
    )?;
    steps.run(
        "native: cargo bench (provisioning 10,000 users into scim2-server, realtime latency)",
        cargo()
            .args(["bench", "-p", "provisio-tests", "--bench", "provisioning"])
            .env("PROVISIO_SCIM2_PYTHON", tools::scim2_python())
            .env(LARGE, large),
    )?;
    steps.run(
        "native: cargo bench (into a second Provisio: 10,000 users, a group of 100,000 members)",
        cargo()
            .args(["bench", "-p", "provisio-tests", "--bench", "provisio_target"])
            .env(LARGE, large),
    )?;
    steps.run(
        "native: cargo bench (inbound: 10,000 records as 200 bulk requests into the directory)",
        cargo().args(["bench", "-p", "provisio-tests", "--bench", "inbound"]),
    )?;
    steps.run(
        "native: cargo bench (initial cycles of 10,000 users into slapd and PostgreSQL)",
        cargo()
            .args(["bench", "-p", "provisio-tests", "--bench", "targets"])
            .env(LARGE, large),
    )?;
    steps.run(
        "native: cargo bench (4 jobs over 20,000 users by one and by three instances on one PostgreSQL)",
        cargo().args(["bench", "-p", "provisio-tests", "--bench", "instances"]),
    )?;
    steps.run(
        "native: cargo bench (cycles by directory size: memory, incremental cycles)",
        cargo()
            .args(["bench", "-p", "provisio-tests", "--bench", "scale"])
            .env(LARGE, large),
    )?;
    steps.run(
        "wasm (Node): wasm_bench",
        cargo()
            .args(["test", "-p", "provisio-engine", "--release", "--target", WASM_TARGET])
            // `wasm-bench` (which implies `wasm`) keeps the benchmark out of the wasm tests.
            .args(["--features", "wasm-bench", "--test", "wasm_bench", "--", "--nocapture"]),
    )?;
    steps.print_summary();
    Ok(())
}
