//! The first administrator, on a server's first start: from
//! `PROVISIO_ADMIN_PASSWORD` (and `PROVISIO_ADMIN_NAME`, default `admin`),
//! or with a generated password in demo mode, or else a hint on how to
//! create one. Passwords never reach the log.

use super::Admins;
use provisio_api::auth::{Secret, check_admin_name, check_password};

use super::random_text;
use crate::ServerError;
use crate::store::Store;

/// The first administrator's password, read on a start with no administrator.
pub(crate) const ADMIN_PASSWORD_ENV: &str = "PROVISIO_ADMIN_PASSWORD";
/// The first administrator's name (default [`DEFAULT_ADMIN_NAME`]).
pub(crate) const ADMIN_NAME_ENV: &str = "PROVISIO_ADMIN_NAME";
pub(crate) const DEFAULT_ADMIN_NAME: &str = "admin";

/// Creates the first administrator when there is none. Answers a message to
/// print once on stdout (it may hold a generated demo password), or `None`
/// when there is nothing to say.
pub(crate) async fn bootstrap_admin(store: &Store, demo: bool) -> Result<Option<String>, ServerError> {
    bootstrap(store, demo, |key| std::env::var(key).ok()).await
}

async fn bootstrap(
    store: &Store,
    demo: bool,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<String>, ServerError> {
    let env = |key: &str| env(key).filter(|value| !value.is_empty());
    let password = env(ADMIN_PASSWORD_ENV).map(Secret::from);
    if Admins::new(store).count().await? > 0 {
        if password.is_some() {
            tracing::debug!("administrators exist: {ADMIN_PASSWORD_ENV} is not used");
        }
        return Ok(None);
    }
    if let Some(password) = password {
        let name = env(ADMIN_NAME_ENV).unwrap_or_else(|| DEFAULT_ADMIN_NAME.to_owned());
        if let Err(problem) = check_admin_name(&name).and_then(|()| check_password(&password)) {
            tracing::warn!(%problem, "{ADMIN_PASSWORD_ENV} not used");
            return Ok(Some(format!(
                "No administrator was created from {ADMIN_PASSWORD_ENV}: {problem}. \
                 Fix it and restart, or run `provisio admin create NAME`."
            )));
        }
        if Admins::new(store).create(&name, &password).await?.is_some() {
            tracing::info!(admin = %name, "first start: administrator created from {ADMIN_PASSWORD_ENV}");
        }
        return Ok(None);
    }
    if demo {
        let password = Secret::new(random_text::<15>()?);
        if Admins::new(store)
            .create(DEFAULT_ADMIN_NAME, &password)
            .await?
            .is_none()
        {
            return Ok(None);
        }
        tracing::info!(
            admin = DEFAULT_ADMIN_NAME,
            "demo: administrator created with a generated password"
        );
        return Ok(Some(format!(
            "Demo administrator: sign in as `{DEFAULT_ADMIN_NAME}` with the password {} \
             (shown only this once; change it with `provisio admin password {DEFAULT_ADMIN_NAME}`).",
            password.expose()
        )));
    }
    Ok(Some(format!(
        "No administrator exists yet: create one with `provisio admin create NAME`, \
         or set {ADMIN_PASSWORD_ENV} (and optionally {ADMIN_NAME_ENV}) before starting."
    )))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::auth::password;

    async fn run(demo: bool, vars: &[(&str, &str)]) -> (Store, Option<String>) {
        let store = Store::open("sqlite::memory:").await.unwrap();
        let vars: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
        let message = bootstrap(&store, demo, |key| vars.get(key).cloned()).await.unwrap();
        (store, message)
    }

    async fn names(store: &Store) -> Vec<String> {
        Admins::new(store)
            .list()
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.name)
            .collect()
    }

    async fn password_is(store: &Store, name: &str, text: &str) -> bool {
        let hash = Admins::new(store)
            .credentials(name)
            .await
            .unwrap()
            .map(|c| c.password_hash);
        password::verify(Secret::new(text), hash).await.unwrap()
    }

    #[tokio::test]
    async fn the_password_variable_creates_admin() {
        let (store, message) = run(false, &[(ADMIN_PASSWORD_ENV, "correct horse battery")]).await;
        assert_eq!(message, None);
        assert_eq!(names(&store).await, ["admin"]);
        assert!(password_is(&store, "admin", "correct horse battery").await);
    }

    #[tokio::test]
    async fn the_name_variable_names_it() {
        let vars = [(ADMIN_PASSWORD_ENV, "correct horse battery"), (ADMIN_NAME_ENV, "root")];
        let (store, _) = run(true, &vars).await;
        assert_eq!(names(&store).await, ["root"], "the variable wins over demo mode");
    }

    #[tokio::test]
    async fn a_short_password_is_refused_with_a_message_that_does_not_repeat_it() {
        let (store, message) = run(false, &[(ADMIN_PASSWORD_ENV, "hunter2")]).await;
        let message = message.unwrap();
        assert!(message.contains("too short"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
        assert_eq!(names(&store).await, Vec::<String>::new());
    }

    #[tokio::test]
    async fn demo_mode_generates_a_password_and_shows_it_once() {
        let (store, message) = run(true, &[]).await;
        let message = message.unwrap();
        let password = message
            .split_whitespace()
            .skip_while(|word| *word != "password")
            .nth(1)
            .unwrap();
        assert_eq!(password.len(), 20, "{message}");
        assert!(password_is(&store, "admin", password).await);
        let again = bootstrap(&store, true, |_| None).await.unwrap();
        assert_eq!(again, None);
    }

    #[tokio::test]
    async fn otherwise_it_says_how_to_create_one() {
        let (store, message) = run(false, &[(ADMIN_PASSWORD_ENV, "")]).await;
        assert!(message.unwrap().contains("provisio admin create NAME"));
        assert_eq!(names(&store).await, Vec::<String>::new());
    }

    #[tokio::test]
    async fn nothing_happens_once_an_administrator_exists() {
        let store = Store::open("sqlite::memory:").await.unwrap();
        Admins::new(&store)
            .create("alice", &Secret::new("correct horse battery"))
            .await
            .unwrap();
        let message = bootstrap(&store, true, |_| Some("another password".into()))
            .await
            .unwrap();
        assert_eq!(message, None);
        assert_eq!(names(&store).await, ["alice"]);
    }
}
