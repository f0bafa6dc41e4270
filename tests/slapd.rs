//! A throwaway OpenLDAP server for the tests: `slapd` from a generated
//! `slapd.conf` in a temporary folder (an mdb database there, the core,
//! cosine, inetorgperson and nis schemas), suffix `dc=example,dc=org`,
//! `ou=people` and `ou=groups` seeded, on a free loopback port; killed when
//! dropped. Entries are read back with the real `ldapsearch`.
//! [`Slapd::start_with_tls`] also serves StartTLS and `ldaps://` with a
//! certificate for 127.0.0.1 from a throwaway CA ([`crate::tls`]).
//! [`Slapd::start_indexed`] indexes `objectClass` and `uid` for equality and
//! gives the database room for a benchmark's entries, as a real deployment
//! would be configured.
//!
//! ```no_run
//! let Some(ldap) = provisio_tests::slapd::Slapd::start() else {
//!     return; // slapd is not installed (cargo xtask test installs it)
//! };
//! let people = ldap.entries("ou=people,dc=example,dc=org", "(objectClass=inetOrgPerson)");
//! assert!(people.is_empty());
//! ```

use crate::server_process::{free_port, wait_listening};
use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

/// Where Debian's `slapd` package installs the server.
const SLAPD: &str = "/usr/sbin/slapd";
/// Set to `1` by `cargo xtask test`: a missing slapd is then a failure.
const E2E: &str = "PROVISIO_E2E";
const SCHEMAS: &str = "/etc/ldap/schema";
const MODULES: &str = "/usr/lib/ldap";
pub const SUFFIX: &str = "dc=example,dc=org";
pub const ADMIN_DN: &str = "cn=admin,dc=example,dc=org";
pub const ADMIN_PASSWORD: &str = "provisio-test-secret";
pub const PEOPLE: &str = "ou=people,dc=example,dc=org";
pub const GROUPS: &str = "ou=groups,dc=example,dc=org";
const START_ATTEMPTS: usize = 3;

/// One entry as `ldapsearch` prints it: attribute name (as the server
/// spells it) to values.
pub type Entry = BTreeMap<String, Vec<String>>;

/// A running slapd, stopped when dropped.
#[derive(Debug)]
pub struct Slapd {
    child: Child,
    port: u16,
    /// The `ldaps://` port, when started with TLS.
    ldaps_port: Option<u16>,
    dir: tempfile::TempDir,
}

impl Slapd {
    /// Starts a fresh, seeded server; `None` (after saying so) when slapd
    /// is not installed and `PROVISIO_E2E` is not `1`.
    pub fn start() -> Option<Slapd> {
        Slapd::launch(false, false)
    }

    /// [`Slapd::start`] with equality indexes on `objectClass` and `uid`
    /// (the attribute benchmarks match on; unindexed, every search scans
    /// every entry) and a 1 GiB map, for benchmarks.
    pub fn start_indexed() -> Option<Slapd> {
        Slapd::launch(false, true)
    }

    /// [`Slapd::start`], also serving StartTLS on its `ldap://` port and
    /// `ldaps://` on another, with a certificate signed by [`Slapd::ca_certificate`].
    pub fn start_with_tls() -> Option<Slapd> {
        Slapd::launch(true, false)
    }

    fn launch(tls: bool, indexed: bool) -> Option<Slapd> {
        if !Path::new(SLAPD).exists() {
            if std::env::var(E2E).is_ok_and(|value| value == "1") {
                panic!("{SLAPD} is missing and {E2E}=1 requires every end-to-end test to run");
            }
            eprintln!("skipped: {SLAPD} is not installed (cargo xtask test installs slapd and ldap-utils)");
            return None;
        }
        let mut failures = Vec::new();
        for _ in 0..START_ATTEMPTS {
            let dir = tempfile::tempdir().unwrap();
            let conf = dir.path().join("slapd.conf");
            std::fs::create_dir(dir.path().join("db")).unwrap();
            if tls {
                crate::tls::write_certificates(dir.path());
            }
            std::fs::write(&conf, config(dir.path(), tls, indexed)).unwrap();
            let port = free_port();
            let ldaps_port = tls.then(free_port);
            let mut listen = format!("ldap://127.0.0.1:{port}/");
            if let Some(ldaps) = ldaps_port {
                listen.push_str(&format!(" ldaps://127.0.0.1:{ldaps}/"));
            }
            let child = Command::new(SLAPD)
                .arg("-f")
                .arg(&conf)
                .args(["-h", &listen, "-d", "0"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot run {SLAPD}: {e}"));
            let mut slapd = Slapd {
                child,
                port,
                ldaps_port,
                dir,
            };
            let listening = wait_listening(&mut slapd.child, port)
                .and_then(|()| ldaps_port.map_or(Ok(()), |ldaps| wait_listening(&mut slapd.child, ldaps)));
            match listening {
                Ok(()) => {
                    slapd.add(&format!(
                        "dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: example\n\n\
                         dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: people\n\n\
                         dn: {GROUPS}\nobjectClass: organizationalUnit\nou: groups\n"
                    ));
                    return Some(slapd);
                }
                Err(failure) => failures.push(failure),
            }
        }
        panic!("slapd did not start: {}", failures.join("; "));
    }

    /// `ldap://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("ldap://127.0.0.1:{}", self.port)
    }

    /// `ldaps://127.0.0.1:PORT` (started with TLS only).
    pub fn ldaps_url(&self) -> String {
        let port = self.ldaps_port.expect("started with Slapd::start_with_tls");
        format!("ldaps://127.0.0.1:{port}")
    }

    /// The PEM certificate of the CA that signed the server's (started with TLS only).
    pub fn ca_certificate(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("ca.pem")).expect("started with Slapd::start_with_tls")
    }

    /// Adds entries with `ldapadd`; panics when it fails.
    pub fn add(&self, ldif: &str) {
        let output = self.tool("ldapadd", &[], Some(ldif));
        assert!(output.status.success(), "ldapadd failed: {}", text(&output.stderr));
    }

    /// The entries under `base` (whole subtree) matching `filter`, with
    /// their user attributes and `dn`, by DN.
    pub fn entries(&self, base: &str, filter: &str) -> BTreeMap<String, Entry> {
        let output = self.tool(
            "ldapsearch",
            &["-LLL", "-o", "ldif-wrap=no", "-b", base, filter, "*"],
            None,
        );
        match output.status.code() {
            Some(0) => parse_ldif(&text(&output.stdout)),
            // noSuchObject: nothing there.
            Some(32) => BTreeMap::new(),
            _ => panic!("ldapsearch failed: {}", text(&output.stderr)),
        }
    }

    /// The entry at `dn`, if there is one.
    pub fn entry(&self, dn: &str) -> Option<Entry> {
        let output = self.tool(
            "ldapsearch",
            &[
                "-LLL",
                "-o",
                "ldif-wrap=no",
                "-s",
                "base",
                "-b",
                dn,
                "(objectClass=*)",
                "*",
            ],
            None,
        );
        match output.status.code() {
            Some(0) => parse_ldif(&text(&output.stdout)).into_values().next(),
            Some(32) => None,
            _ => panic!("ldapsearch failed: {}", text(&output.stderr)),
        }
    }

    /// How many operations of a kind (`Search`, `Add`, `Modify`…) the
    /// server has completed, from its monitor (`cn=Monitor`). The read
    /// itself is a search, counted by the next read.
    pub fn operations(&self, kind: &str) -> u64 {
        let base = format!("cn={kind},cn=Operations,cn=Monitor");
        let output = self.tool(
            "ldapsearch",
            &[
                "-LLL",
                "-s",
                "base",
                "-b",
                &base,
                "(objectClass=*)",
                "monitorOpCompleted",
            ],
            None,
        );
        assert!(
            output.status.success(),
            "ldapsearch of the monitor failed: {}",
            text(&output.stderr)
        );
        text(&output.stdout)
            .lines()
            .find_map(|line| line.strip_prefix("monitorOpCompleted:"))
            .and_then(|count| count.trim().parse().ok())
            .unwrap_or_else(|| panic!("no monitorOpCompleted in {}", text(&output.stdout)))
    }

    /// Runs an OpenLDAP client bound as the admin.
    fn tool(&self, program: &str, args: &[&str], stdin: Option<&str>) -> Output {
        let mut child = Command::new(program)
            .args(["-x", "-H", &self.url(), "-D", ADMIN_DN, "-w", ADMIN_PASSWORD])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {program} (package ldap-utils): {e}"));
        let mut input = child.stdin.take().unwrap();
        input.write_all(stdin.unwrap_or_default().as_bytes()).unwrap();
        drop(input);
        child.wait_with_output().unwrap()
    }
}

impl Drop for Slapd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn config(dir: &Path, tls: bool, indexed: bool) -> String {
    let dir = dir.display();
    // mdb's map is sparse: its size is a ceiling, not disk taken.
    let (maxsize, index) = if indexed {
        (1024 * 1024 * 1024, "index objectClass,uid eq\n")
    } else {
        (16 * 1024 * 1024, "")
    };
    let tls = if tls {
        format!(
            "TLSCACertificateFile {dir}/ca.pem\n\
             TLSCertificateFile {dir}/server.pem\n\
             TLSCertificateKeyFile {dir}/server.key\n"
        )
    } else {
        String::new()
    };
    format!(
        "{tls}\
         include {SCHEMAS}/core.schema\n\
         include {SCHEMAS}/cosine.schema\n\
         include {SCHEMAS}/inetorgperson.schema\n\
         include {SCHEMAS}/nis.schema\n\
         pidfile {dir}/slapd.pid\n\
         modulepath {MODULES}\n\
         moduleload back_mdb\n\
         database mdb\n\
         maxsize {maxsize}\n\
         suffix \"{SUFFIX}\"\n\
         rootdn \"{ADMIN_DN}\"\n\
         rootpw {ADMIN_PASSWORD}\n\
         directory {dir}/db\n\
         {index}\
         database monitor\n"
    )
}

/// Unwrapped LDIF (`-o ldif-wrap=no`) to entries by DN; base64 values
/// (`attr:: …`, as LDIF writes a value with a leading space or non-ASCII
/// text) are decoded when they are UTF-8 text and kept encoded otherwise.
fn parse_ldif(ldif: &str) -> BTreeMap<String, Entry> {
    let mut entries = BTreeMap::new();
    for block in ldif.split("\n\n") {
        let mut dn = None;
        let mut entry = Entry::new();
        for line in block.lines().filter(|l| !l.trim().is_empty()) {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = match value.strip_prefix(':') {
                Some(encoded) => decode_text(encoded.trim()),
                None => value.trim().to_owned(),
            };
            if name.eq_ignore_ascii_case("dn") {
                dn = Some(value);
            } else {
                entry.entry(name.to_owned()).or_default().push(value);
            }
        }
        if let Some(dn) = dn {
            entries.insert(dn, entry);
        }
    }
    entries
}

/// A base64 LDIF value as text, or as it came when it is not UTF-8 text.
fn decode_text(encoded: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .unwrap_or_else(|| encoded.to_owned())
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
