//! The databases storage and SCIM tests run against: a SQLite file, and a
//! fresh database of the test process's throwaway PostgreSQL when it is
//! installed (always under `cargo xtask test`).

/// One database to run a test against; the SQLite file's folder lives as
/// long as this value.
pub struct Backend {
    pub label: &'static str,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

/// A fresh SQLite file and, when PostgreSQL is available, a fresh database.
pub async fn each() -> Vec<Backend> {
    let dir = tempfile::tempdir().unwrap();
    let mut backends = vec![Backend {
        label: "sqlite",
        url: format!("sqlite://{}", dir.path().join("provisio.db").display()),
        _dir: Some(dir),
    }];
    match provisio_tests::postgres::fresh_database().await {
        Some(url) => backends.push(Backend {
            label: "postgres",
            url,
            _dir: None,
        }),
        None => eprintln!("PostgreSQL is not installed: running against SQLite only"),
    }
    backends
}
