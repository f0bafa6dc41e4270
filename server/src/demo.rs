//! Demo data for `provisio serve --demo`: a ready-made organisation to try
//! the portal with (the default domain, and the people and groups of
//! [`org`] when the directory is empty). Seeding never overwrites what an
//! operator has set. Above the directory: it writes through it.

mod org;

use std::collections::HashMap;

use crate::ServerError;
use crate::directory::{DirectoryError, GroupDraft, UserDraft};
use crate::store::{DEFAULT_DOMAIN, Store};
use org::{DemoOrg, demo_org};

/// The demo organisation's domain.
pub const DEMO_DOMAIN: &str = "contoso.com";

/// Adds the demo data that is not there yet.
pub async fn seed(store: &Store) -> Result<(), ServerError> {
    if store.set_setting_if_absent(DEFAULT_DOMAIN, DEMO_DOMAIN).await? {
        tracing::info!(default_domain = DEMO_DOMAIN, "demo default domain set");
    }
    let directory = store.directory();
    let empty =
        directory.user_count().await.map_err(storage)? == 0 && directory.group_count().await.map_err(storage)? == 0;
    if empty {
        let org = demo_org();
        let (users, groups) = (org.users.len(), org.groups.len());
        seed_directory(store, org).await.map_err(storage)?;
        tracing::info!(users, groups, "demo directory seeded");
    }
    Ok(())
}

/// Writes the people level by level (managers before their reports, one
/// transaction per level), then the groups, nested ones last.
async fn seed_directory(store: &Store, org: DemoOrg) -> Result<(), DirectoryError> {
    let directory = store.directory();
    let mut ids: HashMap<usize, String> = HashMap::new();
    let mut remaining = org.users;
    while !remaining.is_empty() {
        let (ready, waiting): (Vec<_>, Vec<_>) = remaining
            .into_iter()
            .partition(|user| user.manager.is_none_or(|m| ids.contains_key(&m)));
        if ready.is_empty() {
            return Err(DirectoryError::invalid(
                "manager",
                "the demo organisation's managers form a circle",
            ));
        }
        let keys: Vec<usize> = ready.iter().map(|user| user.key).collect();
        let drafts = ready
            .into_iter()
            .map(|user| {
                let mut attributes = user.attributes;
                if let Some(manager) = user.manager.and_then(|m| ids.get(&m)) {
                    attributes.insert("manager".into(), manager.clone().into());
                }
                UserDraft {
                    attributes,
                    scim_extra: None,
                }
            })
            .collect();
        for (key, user) in keys.into_iter().zip(directory.create_users(drafts).await?) {
            ids.insert(key, user.id);
        }
        remaining = waiting;
    }
    let mut group_ids: HashMap<usize, String> = HashMap::new();
    let mut order: Vec<usize> = (0..org.groups.len()).collect();
    // Groups holding groups after the groups they hold.
    order.sort_by_key(|index| org.groups.get(*index).is_some_and(|g| !g.member_groups.is_empty()));
    for index in order {
        let Some(group) = org.groups.get(index) else { continue };
        let members = group
            .member_users
            .iter()
            .filter_map(|key| ids.get(key))
            .chain(group.member_groups.iter().filter_map(|index| group_ids.get(index)))
            .cloned()
            .collect();
        let created = directory
            .create_group(GroupDraft {
                attributes: group.attributes.clone(),
                members,
                scim_extra: None,
            })
            .await?;
        group_ids.insert(index, created.id);
    }
    Ok(())
}

fn storage(error: DirectoryError) -> ServerError {
    match error {
        DirectoryError::Storage(e) => e,
        other => ServerError::Corrupt(format!("demo data refused: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn seeds_the_default_domain_but_keeps_an_existing_one() {
        let s = Store::open("sqlite::memory:").await.unwrap();
        seed(&s).await.unwrap();
        assert_eq!(s.setting(DEFAULT_DOMAIN).await.unwrap().as_deref(), Some(DEMO_DOMAIN));
        s.set_setting(DEFAULT_DOMAIN, "fabrikam.com").await.unwrap();
        seed(&s).await.unwrap();
        assert_eq!(
            s.setting(DEFAULT_DOMAIN).await.unwrap().as_deref(),
            Some("fabrikam.com")
        );
    }

    #[tokio::test]
    async fn seeds_a_living_organisation_once() {
        let s = Store::open("sqlite::memory:").await.unwrap();
        seed(&s).await.unwrap();
        let directory = s.directory();
        let users = directory.user_count().await.unwrap();
        assert!(users >= 250, "{users} users");
        assert!(directory.group_count().await.unwrap() >= 10);
        let mut with_manager = 0;
        directory
            .scan_users(None, |user| {
                with_manager += usize::from(user.attributes.contains_key("manager"))
            })
            .await
            .unwrap();
        assert_eq!(with_manager, users - 1, "everyone but the CEO has a manager");
        let seq = directory.latest_change().await.unwrap();
        seed(&s).await.unwrap();
        assert_eq!(
            directory.latest_change().await.unwrap(),
            seq,
            "a second start adds nothing"
        );
    }
}
