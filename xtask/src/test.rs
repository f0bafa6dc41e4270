//! `cargo xtask test`: every check in order, stopping at the first failure;
//! `cargo xtask test --quick`: the checks of the edit–test loop.
//!
//! The tests come in tiers. A plain `cargo test` runs every test that needs
//! nothing but Rust: the unit tests, the engine's, and the end-to-end tests
//! on SQLite. Tests that need a tool (PostgreSQL, slapd, scim2-server or
//! scim2-tester, Chromium with the built portal) are `#[ignore = "needs …"]`;
//! the full run installs the tools and runs them too (`--include-ignored`),
//! with `PROVISIO_E2E=1` so that a missing tool fails rather than skips.

use std::path::Path;

use crate::run::trunk_build;
use crate::steps::Steps;
use crate::tools::{self, WASM_TARGET};
use crate::workspace::{cargo, root};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Every check: the tools installed first, then formatting, lints, docs,
/// the portal build and every test, tool-bound ones included.
pub fn test() -> Result<(), String> {
    let mut steps = Steps::new();
    tools::for_tests(&mut steps)?;
    let dist = root().join("dist");

    format_and_lint(&mut steps)?;
    steps.run(
        "clippy (wasm: portal, engine)",
        cargo()
            .args(["clippy", "-p", "provisio-portal", "-p", "provisio-engine"])
            .args([
                "--features",
                "provisio-engine/wasm",
                "--target",
                WASM_TARGET,
                "--",
                "-D",
                "warnings",
            ]),
    )?;
    steps.run(
        "cargo doc --no-deps (warnings denied)",
        cargo()
            .args(["doc", "--no-deps", "--workspace"])
            .env("RUSTDOCFLAGS", "-D warnings"),
    )?;
    steps.run("portal: trunk build --release", &mut trunk_build())?;
    steps.run("server: cargo build", cargo().args(["build", "-p", "provisio-server"]))?;
    steps.run(
        "cargo test --workspace, ignored tests included (they need the tools above)",
        cargo()
            .args(["test", "--workspace", "--", "--include-ignored"])
            .env("PROVISIO_E2E", "1")
            .env("PROVISIO_PORTAL_DIR", &dist)
            .env("CHROMEDRIVER", CHROMEDRIVER)
            .env("PROVISIO_SCIM2_PYTHON", tools::scim2_python()),
    )?;
    steps.run(
        "engine wasm tests (Node)",
        cargo().args([
            "test",
            "-p",
            "provisio-engine",
            "--target",
            WASM_TARGET,
            "--features",
            "wasm",
        ]),
    )?;
    if portal_has_wasm_tests(&root().join("portal")) {
        steps.run(
            "portal wasm tests (headless Chromium)",
            cargo()
                .args(["test", "-p", "provisio-portal", "--target", WASM_TARGET])
                .env("CHROMEDRIVER", CHROMEDRIVER),
        )?;
    } else {
        println!("\n==> portal wasm tests: skipped (no portal/tests/*.rs, no #[wasm_bindgen_test] in portal/src)");
    }
    steps.print_summary();
    Ok(())
}

/// The edit–test loop: formatting, native clippy and every test that needs
/// no tool (no PostgreSQL, slapd, SCIM server or browser; no portal build,
/// no wasm). Installs nothing.
pub fn quick() -> Result<(), String> {
    let mut steps = Steps::new();
    format_and_lint(&mut steps)?;
    steps.run(
        "cargo test --workspace (the tests that need no tool)",
        cargo().args(["test", "--workspace"]).env_remove("PROVISIO_E2E"),
    )?;
    steps.print_summary();
    Ok(())
}

/// `cargo fmt --check` and native clippy with warnings denied, every target.
fn format_and_lint(steps: &mut Steps) -> Result<(), String> {
    steps.run("cargo fmt --check", cargo().args(["fmt", "--all", "--check"]))?;
    // --workspace includes the fuzz crates: every fuzz target is compiled
    // (checked) here, without cargo-fuzz or its sanitizer build.
    steps.run(
        "clippy (native, fuzz targets included)",
        cargo().args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]),
    )
}

/// Whether `portal/tests/*.rs` exists or a source file uses wasm_bindgen_test.
fn portal_has_wasm_tests(portal: &Path) -> bool {
    !rust_files(&portal.join("tests")).is_empty()
        || rust_files(&portal.join("src"))
            .iter()
            .any(|file| std::fs::read_to_string(file).is_ok_and(|text| text.contains("wasm_bindgen_test")))
}

/// The `.rs` files under `dir`, recursively.
fn rust_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files = Vec::new();
    for path in entries.filter_map(Result::ok).map(|entry| entry.path()) {
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_wasm_tests_in_a_tests_folder_or_in_the_sources() {
        let dir = tempfile_dir("xtask-portal-tests");
        assert!(!portal_has_wasm_tests(&dir));
        std::fs::create_dir_all(dir.join("src/pages")).unwrap();
        std::fs::write(dir.join("src/lib.rs"), "pub fn f() {}").unwrap();
        assert!(!portal_has_wasm_tests(&dir));
        std::fs::write(dir.join("src/pages/home.rs"), "#[wasm_bindgen_test] fn t() {}").unwrap();
        assert!(portal_has_wasm_tests(&dir));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A fresh folder under the system's temporary folder (xtask has no
    /// dependencies, so no tempfile crate).
    fn tempfile_dir(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }
}
