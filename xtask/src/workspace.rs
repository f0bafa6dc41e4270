//! Where things are: the workspace root, the tool folders, and commands
//! that run there with those tools first on PATH.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root (this crate's parent folder).
pub fn root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}

/// `xtask/tools`, the npm package that brings wasm-opt.
pub fn npm_tools() -> PathBuf {
    root().join("xtask").join("tools")
}

/// `xtask/tools/node_modules/.bin`.
pub fn npm_bin() -> PathBuf {
    npm_tools().join("node_modules").join(".bin")
}

/// Where `cargo install` puts binaries.
fn cargo_bin() -> PathBuf {
    match std::env::var_os("CARGO_HOME") {
        Some(home) => PathBuf::from(home).join("bin"),
        None => PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
            .join(".cargo")
            .join("bin"),
    }
}

/// PATH with the npm tools and cargo's binaries first, so trunk finds
/// binaryen 132's wasm-opt and freshly installed tools are found at once.
pub fn path() -> OsString {
    let inherited = std::env::var_os("PATH").unwrap_or_default();
    let dirs = [npm_bin(), cargo_bin()]
        .into_iter()
        .chain(std::env::split_paths(&inherited));
    std::env::join_paths(dirs).unwrap_or(inherited)
}

/// `program` run in the workspace root with [`path`] as PATH.
pub fn command(program: &str) -> Command {
    let mut command = Command::new(program);
    command.current_dir(root()).env("PATH", path());
    command
}

/// `cargo`, the same one that runs xtask.
pub fn cargo() -> Command {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    command(&cargo)
}

/// Whether `program` is an executable file somewhere on [`path`].
pub fn on_path(program: &str) -> bool {
    std::env::split_paths(&path()).any(|dir| dir.join(program).is_file())
}

/// The `version = "…"` of `package` in Cargo.lock (the first one listed).
pub fn locked_version(package: &str) -> Result<String, String> {
    let lock_file = root().join("Cargo.lock");
    let lock = std::fs::read_to_string(&lock_file).map_err(|e| format!("cannot read {}: {e}", lock_file.display()))?;
    let name_line = format!("name = \"{package}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == name_line {
            let version = lines
                .next()
                .and_then(|l| l.strip_prefix("version = \"")?.strip_suffix('"'));
            if let Some(version) = version {
                return Ok(version.to_owned());
            }
        }
    }
    Err(format!("{package} is not in Cargo.lock"))
}
