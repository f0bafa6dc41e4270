//! Installing the tools the portal and the tests need, each skipped in
//! about a second when the right version is already there (TOOLCHAIN.md).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::steps::{Steps, check, describe, probe};
use crate::workspace::{cargo, command, locked_version, npm_bin, npm_tools, on_path, root};

/// Trunk 0.22 needs a newer rustc than the project's 1.95.
const TRUNK_VERSION: &str = "0.21.14";
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// Node runs the engine's wasm tests and binaryen's wasm-opt.
const NODE: [(&str, &str); 2] = [("node", "nodejs"), ("npm", "npm")];
/// The headless browser of the end-to-end and portal tests.
const BROWSER: [(&str, &str); 2] = [("chromium", "chromium"), ("chromedriver", "chromium-driver")];
/// Debian keeps PostgreSQL's server programs (initdb, pg_ctl) off PATH, in
/// `/usr/lib/postgresql/VERSION/bin`.
const POSTGRES_LIB: &str = "/usr/lib/postgresql";
/// OpenLDAP's server, also off PATH for users other than root.
const SLAPD: &str = "/usr/sbin/slapd";
/// Without this answer, installing slapd asks for a domain and an admin
/// password and creates a database the tests do not want: they run their
/// own throwaway slapd from a `slapd.conf` in a temporary folder.
const SLAPD_PRESEED: &str = "slapd slapd/no_configuration boolean true\n";
/// Debian's Python, which `python3-venv` completes with `ensurepip`.
const DEBIAN_PYTHON: &str = "/usr/bin/python3";
/// The exact PyPI packages of the SCIM compliance checker (scim2-tester).
const SCIM2_REQUIREMENTS: &str = "requirements-scim.txt";

/// What `cargo xtask run` needs: the portal's build tools.
pub fn for_portal(steps: &mut Steps) -> Result<(), String> {
    steps.step("Debian packages: Node.js", || apt(&NODE))?;
    portal_build_tools(steps)
}

/// What `cargo xtask test` needs: the portal's build tools, the browser,
/// the real servers the end-to-end tests start (PostgreSQL, OpenLDAP) and
/// the SCIM compliance checker.
pub fn for_tests(steps: &mut Steps) -> Result<(), String> {
    steps.step("Debian packages: Node.js, Chromium, ChromeDriver", || {
        apt(&[NODE.as_slice(), BROWSER.as_slice()].concat())
    })?;
    steps.step(
        "Debian packages: PostgreSQL, OpenLDAP (slapd, ldap-utils), python3-venv",
        test_servers,
    )?;
    steps.step("scim2-tester virtualenv (target/tools/scim2-venv)", scim2_venv)?;
    portal_build_tools(steps)
}

/// The Python of the virtualenv that holds scim2-tester: what the tests'
/// `PROVISIO_SCIM2_PYTHON` names.
pub fn scim2_python() -> PathBuf {
    scim2_venv_dir().join("bin").join("python")
}

fn scim2_venv_dir() -> PathBuf {
    root().join("target").join("tools").join("scim2-venv")
}

/// What `cargo xtask bench` needs: the wasm target, its test runner, Node,
/// and scim2-server (the provisioning benchmark's target).
pub fn for_bench(steps: &mut Steps) -> Result<(), String> {
    steps.step("Debian packages: Node.js", || apt(&NODE))?;
    steps.step("wasm target", wasm_target)?;
    steps.step("wasm-bindgen CLI", wasm_bindgen)?;
    steps.step("Debian packages: python3-venv", || {
        apt_install(if python_makes_venvs() { &[] } else { &["python3-venv"] })
    })?;
    steps.step("scim2-server virtualenv (target/tools/scim2-venv)", scim2_venv)?;
    // The targets benchmark provisions into a real slapd and PostgreSQL.
    steps.step(
        "Debian packages: PostgreSQL, OpenLDAP (slapd, ldap-utils)",
        test_servers,
    )
}

fn portal_build_tools(steps: &mut Steps) -> Result<(), String> {
    steps.step("wasm target", wasm_target)?;
    // Cargo.lock names the wasm-bindgen version; trunk builds offline.
    steps.run("cargo fetch", cargo().arg("fetch"))?;
    steps.step(&format!("trunk {TRUNK_VERSION}"), trunk)?;
    steps.step("wasm-bindgen CLI", wasm_bindgen)?;
    steps.step("npm tools: wasm-opt (binaryen 132), axe-core", npm_tools_installed)
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

/// The npm packages of xtask/tools/package.json: binaryen 132 (Debian's
/// binaryen 108 builds a portal that stays blank) and axe-core, which the
/// portal's accessibility tests inject into the page. A tree installed
/// before axe-core joined the list lacks it, hence a check per package.
fn npm_tools_installed() -> Result<(), String> {
    let axe = npm_tools().join("node_modules").join("axe-core").join("axe.min.js");
    if npm_bin().join("wasm-opt").is_file() && axe.is_file() {
        return Ok(());
    }
    check(
        command("npm")
            .current_dir(npm_tools())
            .args(["install", "--no-audit", "--no-fund"]),
    )
}

/// PostgreSQL 15, slapd with the LDAP command-line tools, and what Python
/// needs to make a virtualenv; each package only when its program is missing.
fn test_servers() -> Result<(), String> {
    let mut missing = Vec::new();
    if !postgres_installed(Path::new(POSTGRES_LIB)) {
        missing.push("postgresql");
    }
    if !Path::new(SLAPD).is_file() {
        missing.push("slapd");
    }
    if !on_path("ldapsearch") {
        missing.push("ldap-utils");
    }
    if !python_makes_venvs() {
        missing.push("python3-venv");
    }
    if missing.contains(&"slapd") {
        preseed_slapd()?;
    }
    apt_install(&missing)
}

/// Whether some `/usr/lib/postgresql/VERSION/bin/initdb` exists.
fn postgres_installed(lib: &Path) -> bool {
    std::fs::read_dir(lib).is_ok_and(|versions| {
        versions
            .filter_map(Result::ok)
            .any(|version| version.path().join("bin").join("initdb").is_file())
    })
}

/// Whether Debian's Python has both `venv` and the `ensurepip` that
/// `python3-venv` brings (without it, `python3 -m venv` fails half-way).
fn python_makes_venvs() -> bool {
    probe(Command::new(DEBIAN_PYTHON).args(["-c", "import ensurepip, venv"])).is_some()
}

/// Tells debconf, before slapd is installed, not to configure a database.
fn preseed_slapd() -> Result<(), String> {
    let mut preseed = as_root("debconf-set-selections", &[]);
    let mut child = preseed
        .stdin(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", describe(&preseed)))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(SLAPD_PRESEED.as_bytes())
            .map_err(|e| format!("cannot write to debconf-set-selections: {e}"))?;
    }
    let status = child.wait().map_err(|e| format!("debconf-set-selections: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{} failed ({status})", describe(&preseed)))
    }
}

/// A virtualenv with exactly the packages of
/// `xtask/tools/requirements-scim.txt` (scim2-server and scim2-tester, and
/// aiosmtpd for the alert tests' SMTP server). A copy of that file inside the
/// virtualenv records what it holds: made again only when it is missing,
/// broken, or the pins changed.
fn scim2_venv() -> Result<(), String> {
    let requirements_file = root().join("xtask").join("tools").join(SCIM2_REQUIREMENTS);
    let requirements = std::fs::read_to_string(&requirements_file)
        .map_err(|e| format!("cannot read {}: {e}", requirements_file.display()))?;
    let venv = scim2_venv_dir();
    let stamp = venv.join(SCIM2_REQUIREMENTS);
    let python = scim2_python();
    let imports = || {
        probe(Command::new(&python).args(["-c", "import scim2_tester, scim2_client.engines.httpx2, aiosmtpd"]))
            .is_some()
    };
    if std::fs::read_to_string(&stamp).is_ok_and(|installed| installed == requirements) && imports() {
        return Ok(());
    }
    if venv.exists() {
        std::fs::remove_dir_all(&venv).map_err(|e| format!("cannot remove {}: {e}", venv.display()))?;
    }
    check(Command::new(DEBIAN_PYTHON).args(["-m", "venv"]).arg(&venv))?;
    check(
        Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--require-virtualenv",
                "--disable-pip-version-check",
            ])
            .arg("--requirement")
            .arg(&requirements_file),
    )?;
    if !imports() {
        return Err(format!(
            "{} cannot import scim2_tester after installing it",
            python.display()
        ));
    }
    std::fs::write(&stamp, requirements).map_err(|e| format!("cannot write {}: {e}", stamp.display()))
}

fn has_version(program: &str, expected: &str) -> bool {
    probe(command(program).arg("--version")).is_some_and(|out| out.trim() == expected)
}

/// Installs the Debian packages of the `(binary, package)` pairs whose
/// binary is not on PATH.
fn apt(wanted: &[(&str, &str)]) -> Result<(), String> {
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|(binary, _)| !on_path(binary))
        .map(|(_, package)| *package)
        .collect();
    apt_install(&missing)
}

/// Installs Debian packages (none: nothing to do), as root directly,
/// otherwise through sudo.
fn apt_install(missing: &[&str]) -> Result<(), String> {
    if missing.is_empty() {
        return Ok(());
    }
    if !is_root() && !on_path("sudo") {
        return Err(format!(
            "missing Debian packages: {0}. Installing them needs root and there is no sudo: \
             run `apt-get install {0}` as root, then run this again.",
            missing.join(" ")
        ));
    }
    check(&mut as_root("apt-get", &["update", "-qq"]))?;
    check(&mut as_root(
        "apt-get",
        &[&["install", "-y", "-qq", "--no-install-recommends"], missing].concat(),
    ))
}

/// `program args…` with `DEBIAN_FRONTEND=noninteractive`, as root directly
/// or through sudo.
fn as_root(program: &str, args: &[&str]) -> Command {
    let mut run = if is_root() {
        command("env")
    } else {
        let mut sudo = command("sudo");
        sudo.arg("env");
        sudo
    };
    run.arg("DEBIAN_FRONTEND=noninteractive").arg(program).args(args);
    run
}

fn is_root() -> bool {
    probe(command("id").arg("-u")).is_some_and(|uid| uid.trim() == "0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_is_installed_when_some_version_has_initdb() {
        let dir = std::env::temp_dir().join(format!("xtask-postgres-lib-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        assert!(!postgres_installed(&dir));
        std::fs::create_dir_all(dir.join("15/bin")).unwrap();
        assert!(!postgres_installed(&dir));
        std::fs::write(dir.join("15/bin/initdb"), "").unwrap();
        assert!(postgres_installed(&dir));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
