//! Installing the tools the portal and the tests need, each skipped in
//! about a second when the right version is already there (TOOLCHAIN.md).

use crate::steps::{Steps, check, probe};
use crate::workspace::{cargo, command, locked_version, npm_bin, npm_tools, on_path};

/// Trunk 0.22 needs a newer rustc than the project's 1.95.
const TRUNK_VERSION: &str = "0.21.14";
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// Node runs the engine's wasm tests and binaryen's wasm-opt.
const NODE: [(&str, &str); 2] = [("node", "nodejs"), ("npm", "npm")];
/// The headless browser of the end-to-end and portal tests.
const BROWSER: [(&str, &str); 2] = [("chromium", "chromium"), ("chromedriver", "chromium-driver")];

/// What `cargo xtask run` needs: the portal's build tools.
pub fn for_portal(steps: &mut Steps) -> Result<(), String> {
    steps.step("Debian packages: Node.js", || apt(&NODE))?;
    portal_build_tools(steps)
}

/// What `cargo xtask test` needs: the portal's build tools and the browser.
pub fn for_tests(steps: &mut Steps) -> Result<(), String> {
    steps.step("Debian packages: Node.js, Chromium, ChromeDriver", || {
        apt(&[NODE.as_slice(), BROWSER.as_slice()].concat())
    })?;
    portal_build_tools(steps)
}

/// What `cargo xtask bench` needs: the wasm target, its test runner, Node.
pub fn for_bench(steps: &mut Steps) -> Result<(), String> {
    steps.step("Debian packages: Node.js", || apt(&NODE))?;
    steps.step("wasm target", wasm_target)?;
    steps.step("wasm-bindgen CLI", wasm_bindgen)
}

fn portal_build_tools(steps: &mut Steps) -> Result<(), String> {
    steps.step("wasm target", wasm_target)?;
    // Cargo.lock names the wasm-bindgen version; trunk builds offline.
    steps.run("cargo fetch", cargo().arg("fetch"))?;
    steps.step(&format!("trunk {TRUNK_VERSION}"), trunk)?;
    steps.step("wasm-bindgen CLI", wasm_bindgen)?;
    steps.step("wasm-opt (binaryen 132, npm)", wasm_opt)
}

fn wasm_target() -> Result<(), String> {
    let installed = probe(command("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if installed.lines().any(|line| line.trim() == WASM_TARGET) {
        return Ok(());
    }
    check(command("rustup").args(["target", "add", WASM_TARGET]))
}

/// A debug build without default features installs in ~4 minutes instead
/// of ~10 and works the same (trunk never downloads anything here).
fn trunk() -> Result<(), String> {
    if has_version("trunk", &format!("trunk {TRUNK_VERSION}")) {
        return Ok(());
    }
    check(cargo().args(["install", "trunk", "--version", TRUNK_VERSION]).args([
        "--locked",
        "--debug",
        "--no-default-features",
    ]))
}

/// The CLI must equal Cargo.lock's wasm-bindgen exactly. Not `--locked`:
/// its lock file pins a crate version the registry lacks.
fn wasm_bindgen() -> Result<(), String> {
    let version = locked_version("wasm-bindgen")?;
    if has_version("wasm-bindgen", &format!("wasm-bindgen {version}")) && on_path("wasm-bindgen-test-runner") {
        return Ok(());
    }
    check(cargo().args(["install", "wasm-bindgen-cli", "--version", &version]))
}

/// binaryen 132 from npm (xtask/tools/package.json); Debian's binaryen 108
/// builds a portal that stays blank.
fn wasm_opt() -> Result<(), String> {
    if npm_bin().join("wasm-opt").is_file() {
        return Ok(());
    }
    check(
        command("npm")
            .current_dir(npm_tools())
            .args(["install", "--no-audit", "--no-fund"]),
    )
}

fn has_version(program: &str, expected: &str) -> bool {
    probe(command(program).arg("--version")).is_some_and(|out| out.trim() == expected)
}

/// Installs the Debian packages of the `(binary, package)` pairs whose
/// binary is not on PATH: as root directly, otherwise through sudo.
fn apt(wanted: &[(&str, &str)]) -> Result<(), String> {
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|(binary, _)| !on_path(binary))
        .map(|(_, package)| *package)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let as_root = |args: &[&str]| {
        let mut apt_get = if is_root() {
            command("env")
        } else {
            let mut sudo = command("sudo");
            sudo.arg("env");
            sudo
        };
        apt_get.arg("DEBIAN_FRONTEND=noninteractive").arg("apt-get").args(args);
        apt_get
    };
    if !is_root() && !on_path("sudo") {
        return Err(format!(
            "missing Debian packages: {0}. Installing them needs root and there is no sudo: \
             run `apt-get install {0}` as root, then run this again.",
            missing.join(" ")
        ));
    }
    check(&mut as_root(&["update", "-qq"]))?;
    check(&mut as_root(
        &[&["install", "-y", "-qq", "--no-install-recommends"], missing.as_slice()].concat(),
    ))
}

fn is_root() -> bool {
    probe(command("id").arg("-u")).is_some_and(|uid| uid.trim() == "0")
}
