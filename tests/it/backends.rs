//! The databases storage and SCIM tests run against — a SQLite file, and a
//! fresh database of the test process's throwaway PostgreSQL — and
//! [`backend_test!`], which makes one test per database so that a failure
//! names the database it failed on.

/// One database to run a test against; the SQLite file's folder lives as
/// long as this value.
pub struct Backend {
    pub label: &'static str,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

impl Backend {
    /// A fresh SQLite file in a folder of its own.
    pub fn sqlite() -> Backend {
        let dir = tempfile::tempdir().unwrap();
        Backend {
            label: "sqlite",
            url: format!("sqlite://{}", dir.path().join("provisio.db").display()),
            _dir: Some(dir),
        }
    }

    /// A fresh database of the test process's PostgreSQL; `None` (after
    /// saying so) when PostgreSQL is not installed and `PROVISIO_E2E` is not
    /// `1` (under `PROVISIO_E2E=1` its absence is a failure).
    pub async fn postgres() -> Option<Backend> {
        match provisio_tests::postgres::fresh_database().await {
            Some(url) => Some(Backend {
                label: "postgres",
                url,
                _dir: None,
            }),
            None => {
                eprintln!("skipped: PostgreSQL is not installed (cargo xtask test installs it)");
                None
            }
        }
    }
}

/// Runs `test` with the backend itself, for tests that start their own
/// servers or commands on it (the runner of `backend_test!` for them).
pub async fn with_backend(backend: Backend, test: impl AsyncFnOnce(Backend)) {
    test(backend).await;
}

/// One test per database: `backend_test!(name, run, test)` makes the tests
/// `name::sqlite` and `name::postgres`, each awaiting `run(backend, test)`
/// with a fresh [`Backend`] of its kind (`run` builds what the test takes
/// from it: a server, a store…). The PostgreSQL test is ignored unless
/// asked for (`cargo xtask test` runs ignored tests). With
/// `needs = "scim2-server"` (or `"slapd"`) after `run`, both are ignored as
/// needing that tool too.
///
/// Beside the module `name` it defines the function `name` that both
/// tests call (a module and a function may share a name).
macro_rules! backend_test {
    ($name:ident, $run:expr, needs = "scim2-server", $test:expr $(,)?) => {
        $crate::backends::backend_test!(
            @tests $name, $run, $test,
            ["needs scim2-server (cargo xtask test)"],
            "needs PostgreSQL and scim2-server (cargo xtask test)"
        );
    };
    ($name:ident, $run:expr, needs = "slapd", $test:expr $(,)?) => {
        $crate::backends::backend_test!(
            @tests $name, $run, $test,
            ["needs slapd (cargo xtask test)"],
            "needs PostgreSQL and slapd (cargo xtask test)"
        );
    };
    ($name:ident, $run:expr, $test:expr $(,)?) => {
        $crate::backends::backend_test!(@tests $name, $run, $test, [], "needs PostgreSQL (cargo xtask test)");
    };
    (@tests $name:ident, $run:expr, $test:expr, [$($sqlite_ignored:literal)?], $postgres_ignored:literal) => {
        async fn $name(backend: $crate::backends::Backend) {
            ($run)(backend, $test).await;
        }

        mod $name {
            #[tokio::test]
            $(#[ignore = $sqlite_ignored])?
            async fn sqlite() {
                super::$name($crate::backends::Backend::sqlite()).await;
            }

            #[tokio::test]
            #[ignore = $postgres_ignored]
            async fn postgres() {
                if let Some(backend) = $crate::backends::Backend::postgres().await {
                    super::$name(backend).await;
                }
            }
        }
    };
}

pub(crate) use backend_test;
