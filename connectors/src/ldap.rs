//! LDAP targets: users and groups as entries of a directory server such as
//! OpenLDAP. The entry's DN is the mapped target path `dn`; every other
//! mapped path is an attribute of the same name. Target ids are entryUUIDs,
//! so a rename (a changed `dn`) keeps the job's links valid; references
//! (`manager`, `members`) are written as the DNs of the entries they name.
//! See docs/connectors.md for a job definition.
//!
//! One connection is kept, bound as `bind_dn`, and opened again when the
//! server has closed it. Plain `ldap://` is only accepted on loopback:
//! elsewhere the bind password would cross the network in clear.

mod batch;
mod convert;
mod dn;
mod post_read;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, Mod, Scope, SearchEntry, ldap_escape};
use provisio_engine::Value;
use provisio_engine::job::{LdapDisable, LdapGroupClass, LdapTarget, SourceKind};
use provisio_engine::matching::TargetObject;
use provisio_engine::scim_path::{AttributeChange, TargetAttributes};
use tokio::sync::Mutex;

use super::{Connector, ConnectorError, ConnectorFuture};
use convert::{DN, Piece, attribute_name, dn_set, from_ldap, from_result};
use dn::{normalised_dn, split_dn, trim as trim_dn};

/// How long opening a connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one operation may take.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(30);
/// Attributes read for an entry: the user attributes and its id.
const ENTRY_ATTRIBUTES: [&str; 2] = ["*", "entryUUID"];

/// Connects to the target and binds, so a wrong address or credential is
/// reported before any entry is touched.
pub async fn connect(target: &LdapTarget) -> Result<Arc<dyn Connector>, ConnectorError> {
    let connector = LdapConnector::new(target.clone())?;
    connector.handle().await?;
    Ok(Arc::new(connector))
}

/// A TLS client trusting the system's roots and the certificates in `pem`.
fn tls_trusting(pem: &str) -> Result<Arc<rustls::ClientConfig>, ConnectorError> {
    let invalid = |detail: String| ConnectorError::Invalid {
        detail: format!("target.ca_certificate: {detail}"),
    };
    let mut roots = rustls::RootCertStore::empty();
    // Unreadable system roots leave the job's own CA, which is what it named.
    roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    for certificate in crate::pem::certificates(pem.as_bytes()).map_err(invalid)? {
        roots
            .add(certificate)
            .map_err(|e| invalid(format!("a certificate cannot be used as a root: {e}")))?;
    }
    let config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Provisions users and groups into an LDAP directory.
pub struct LdapConnector {
    target: LdapTarget,
    /// TLS with the job's CA certificate besides the system's roots; `None`
    /// uses ldap3's default (the system's roots).
    tls: Option<Arc<rustls::ClientConfig>>,
    /// The bound connection, `None` until the first operation or after the
    /// server closed it.
    connection: Mutex<Option<Ldap>>,
}

impl LdapConnector {
    /// Checks the URL (plain `ldap://` only on loopback); connects lazily.
    pub fn new(target: LdapTarget) -> Result<LdapConnector, ConnectorError> {
        let url = target.url.trim().to_ascii_lowercase();
        if url.starts_with("ldap://") && !target.start_tls && !provisio_engine::job::urls::is_loopback_url(&url) {
            return Err(ConnectorError::Incompatible {
                detail: format!(
                    "`{}` is plain LDAP to another host: the bind password would cross the network in clear; \
                     use ldaps:// or set start_tls",
                    target.url
                ),
            });
        }
        let tls = target.ca_certificate.as_deref().map(tls_trusting).transpose()?;
        Ok(LdapConnector {
            target,
            tls,
            connection: Mutex::new(None),
        })
    }

    /// A bound connection: the kept one, or a new one.
    async fn handle(&self) -> Result<Ldap, ConnectorError> {
        let mut kept = self.connection.lock().await;
        if let Some(ldap) = kept.as_mut()
            && !ldap.is_closed()
        {
            return Ok(ldap.clone());
        }
        let ldap = self.open().await?;
        *kept = Some(ldap.clone());
        Ok(ldap)
    }

    /// Opens a connection and binds.
    async fn open(&self) -> Result<Ldap, ConnectorError> {
        let mut settings = LdapConnSettings::new()
            .set_conn_timeout(CONNECT_TIMEOUT)
            .set_starttls(self.target.start_tls);
        if let Some(tls) = &self.tls {
            settings = settings.set_config(tls.clone());
        }
        let what = format!("connecting to {}", self.target.url);
        let (conn, mut ldap) = LdapConnAsync::with_settings(settings, self.target.url.trim())
            .await
            .map_err(|e| from_ldap(&what, e))?;
        tokio::spawn(async move {
            if let Err(error) = conn.drive().await {
                tracing::debug!(%error, "LDAP connection closed");
            }
        });
        let password = self
            .target
            .bind_password
            .as_ref()
            .map(|p| p.expose())
            .unwrap_or_default();
        let what = format!("binding as {}", self.target.bind_dn);
        ldap.with_timeout(OPERATION_TIMEOUT)
            .simple_bind(&self.target.bind_dn, password)
            .await
            .map_err(|e| from_ldap(&what, e))?
            .success()
            .map_err(|e| from_ldap(&what, e))?;
        Ok(ldap)
    }

    /// Entries under `base` matching `filter`; a missing base is a job
    /// definition error, not an empty answer.
    async fn search(
        &self,
        base: &str,
        scope: Scope,
        filter: &str,
        attributes: &[&str],
    ) -> Result<Vec<SearchEntry>, ConnectorError> {
        let what = format!("searching {base} for {filter}");
        let mut ldap = self.handle().await?;
        let result = ldap
            .with_timeout(OPERATION_TIMEOUT)
            .search(base, scope, filter, attributes)
            .await
            .map_err(|e| from_ldap(&what, e))?;
        let (entries, done) = (result.0, result.1);
        match done.rc {
            0 => Ok(entries.into_iter().map(SearchEntry::construct).collect()),
            32 if scope != Scope::Base => Err(ConnectorError::Incompatible {
                detail: format!("the base DN {base} does not exist in the directory"),
            }),
            _ => Err(from_result(&what, &done)),
        }
    }

    /// The entry at a DN, `None` when there is none.
    async fn entry_at(&self, dn: &str, filter: &str) -> Result<Option<SearchEntry>, ConnectorError> {
        match self.search(dn, Scope::Base, filter, &ENTRY_ATTRIBUTES).await {
            Ok(mut entries) => Ok(entries.pop()),
            Err(ConnectorError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The entry of `kind` with this entryUUID.
    async fn entry(&self, kind: SourceKind, id: &str) -> Result<Option<SearchEntry>, ConnectorError> {
        let filter = format!("(entryUUID={})", ldap_escape(id));
        let mut found = self
            .search(self.base(kind)?, Scope::Subtree, &filter, &ENTRY_ATTRIBUTES)
            .await?;
        Ok(found.pop())
    }

    /// The DN of the entry of `kind` with this id, or `NotFound`.
    async fn dn(&self, kind: SourceKind, id: &str) -> Result<String, ConnectorError> {
        match self.entry(kind, id).await? {
            Some(entry) => Ok(entry.dn),
            None => Err(ConnectorError::NotFound {
                detail: format!("no entry has entryUUID {id}"),
            }),
        }
    }

    /// The DN of a referenced entry (a user or a group), looked up by id.
    async fn referenced_dn(&self, id: &str) -> Result<String, ConnectorError> {
        let filter = format!("(entryUUID={})", ldap_escape(id));
        for base in self.bases() {
            if let Some(entry) = self.search(base, Scope::Subtree, &filter, &["1.1"]).await?.pop() {
                return Ok(entry.dn);
            }
        }
        Err(ConnectorError::NotFound {
            detail: format!("the referenced entry {id} is not in the directory"),
        })
    }

    /// Values to write, with references translated from ids to DNs.
    async fn values(&self, path: &str, value: &Value) -> Result<HashSet<String>, ConnectorError> {
        let mut out = HashSet::new();
        for piece in convert::pieces(path, value)? {
            out.insert(match piece {
                Piece::Text(text) => text,
                Piece::Reference(id) => self.referenced_dn(&id).await?,
            });
        }
        Ok(out)
    }

    fn base(&self, kind: SourceKind) -> Result<&str, ConnectorError> {
        match kind {
            SourceKind::User => Ok(&self.target.users_base_dn),
            SourceKind::Group => self
                .target
                .groups_base_dn
                .as_deref()
                .ok_or_else(|| ConnectorError::Incompatible {
                    detail: "the job provisions groups but the LDAP target has no groups_base_dn".into(),
                }),
        }
    }

    /// Where entries are looked for by id: the users' base, then the groups'.
    fn bases(&self) -> Vec<&str> {
        let mut bases = vec![self.target.users_base_dn.as_str()];
        if let Some(groups) = &self.target.groups_base_dn
            && normalised_dn(groups) != normalised_dn(&self.target.users_base_dn)
        {
            bases.push(groups);
        }
        bases
    }

    /// The structural class searched for and the classes of new entries.
    fn object_classes(&self, kind: SourceKind) -> Vec<String> {
        match kind {
            SourceKind::User => self.target.user_object_classes.clone(),
            SourceKind::Group => vec![self.group_class().to_owned()],
        }
    }

    fn group_class(&self) -> &'static str {
        match self.target.group_object_class {
            LdapGroupClass::GroupOfNames => "groupOfNames",
            LdapGroupClass::GroupOfUniqueNames => "groupOfUniqueNames",
        }
    }

    /// The attribute holding a group's members.
    fn member_attribute(&self) -> &'static str {
        match self.target.group_object_class {
            LdapGroupClass::GroupOfNames => "member",
            LdapGroupClass::GroupOfUniqueNames => "uniqueMember",
        }
    }

    /// The LDAP attribute a target path is written to: `members` is the
    /// group class's member attribute, everything else its own name.
    fn attribute<'a>(&self, path: &'a str) -> Result<&'a str, ConnectorError> {
        if path.eq_ignore_ascii_case("members") {
            Ok(self.member_attribute())
        } else {
            attribute_name(path)
        }
    }

    /// The filter that restricts a search to the kind's entries.
    fn class_filter(&self, kind: SourceKind) -> String {
        let class = self
            .object_classes(kind)
            .into_iter()
            .next()
            .unwrap_or_else(|| "top".to_owned());
        format!("(objectClass={})", ldap_escape(class))
    }

    async fn find_entries(
        &self,
        kind: SourceKind,
        target_attribute: &str,
        value: &Value,
    ) -> Result<Vec<SearchEntry>, ConnectorError> {
        let Some(text) = convert::search_text(value) else {
            return Ok(Vec::new());
        };
        let class = self.class_filter(kind);
        if target_attribute.eq_ignore_ascii_case(DN) {
            return Ok(self.entry_at(&text, &class).await?.into_iter().collect());
        }
        let attribute = self.attribute(target_attribute)?;
        let filter = format!("(&{class}({attribute}={}))", ldap_escape(text));
        self.search(self.base(kind)?, Scope::Subtree, &filter, &ENTRY_ATTRIBUTES)
            .await
    }

    async fn create_entry(
        &self,
        kind: SourceKind,
        attributes: &TargetAttributes,
    ) -> Result<TargetObject, ConnectorError> {
        let dn = match attributes.iter().find(|(path, _)| path.eq_ignore_ascii_case(DN)) {
            Some((_, Value::Str(dn))) if !trim_dn(dn).is_empty() => trim_dn(dn).to_owned(),
            _ => {
                return Err(ConnectorError::Invalid {
                    detail: "no mapping gives the entry's DN: map the target attribute `dn`".into(),
                });
            }
        };
        let mut classes: HashSet<String> = self.object_classes(kind).into_iter().collect();
        let mut entry: Vec<(String, HashSet<String>)> = Vec::new();
        for (path, value) in attributes {
            if path.eq_ignore_ascii_case(DN) {
                continue;
            }
            let values = self.values(path, value).await?;
            if path.eq_ignore_ascii_case("objectClass") {
                classes.extend(values);
            } else if !values.is_empty() {
                entry.push((self.attribute(path)?.to_owned(), values));
            }
        }
        let members = self.member_attribute();
        if kind == SourceKind::Group && !entry.iter().any(|(name, _)| name.eq_ignore_ascii_case(members)) {
            // groupOfNames and groupOfUniqueNames need a member: the bind DN
            // stands in until the first real one is added.
            entry.push((members.to_owned(), HashSet::from([self.target.bind_dn.clone()])));
        }
        entry.push(("objectClass".to_owned(), classes));
        let what = format!("adding {dn}");
        let mut ldap = self.handle().await?;
        let added = ldap
            .with_timeout(OPERATION_TIMEOUT)
            .with_controls(post_read::request(&ENTRY_ATTRIBUTES))
            .add(&dn, entry)
            .await
            .map_err(|e| from_ldap(&what, e))?
            .success()
            .map_err(|e| from_ldap(&what, e))?;
        // The entry as added, from the add's answer; a server without the
        // Post-Read control (or one that sent no entryUUID) is read back.
        if let Some(created) = post_read::entry(&added).and_then(|entry| object(entry).ok()) {
            return Ok(created);
        }
        let created = self
            .entry_at(&dn, "(objectClass=*)")
            .await?
            .ok_or_else(|| ConnectorError::Transient {
                detail: format!("{dn} was added but cannot be read back"),
            })?;
        object(created)
    }

    async fn update_entry(
        &self,
        kind: SourceKind,
        id: &str,
        changes: &[AttributeChange],
    ) -> Result<(), ConnectorError> {
        if changes.is_empty() {
            return Ok(());
        }
        let mut dn = self.dn(kind, id).await?;
        if let Some(change) = changes.iter().find(|c| c.path.eq_ignore_ascii_case(DN))
            && let Value::Str(new) = &change.new
            && !trim_dn(new).is_empty()
            && normalised_dn(new) != normalised_dn(&dn)
        {
            let new = trim_dn(new);
            self.rename(&dn, new).await?;
            self.repoint(&dn, new).await?;
            dn = new.to_owned();
        }
        let mut mods = Vec::new();
        for change in changes.iter().filter(|c| !c.path.eq_ignore_ascii_case(DN)) {
            let values = self.values(&change.path, &change.new).await?;
            // Replace with no values removes the attribute, and is no error
            // when it is already absent.
            mods.push(Mod::Replace(self.attribute(&change.path)?.to_owned(), values));
        }
        self.modify(&dn, mods).await
    }

    /// Moves an entry to a new DN (new RDN, and new parent if it differs).
    async fn rename(&self, old: &str, new: &str) -> Result<(), ConnectorError> {
        let (rdn, parent) = split_dn(new);
        let (_, old_parent) = split_dn(old);
        let superior = parent.filter(|p| old_parent.is_none_or(|o| normalised_dn(o) != normalised_dn(p)));
        let what = format!("renaming {old} to {new}");
        let mut ldap = self.handle().await?;
        ldap.with_timeout(OPERATION_TIMEOUT)
            .modifydn(old, rdn, true, superior)
            .await
            .map_err(|e| from_ldap(&what, e))?
            .success()
            .map_err(|e| from_ldap(&what, e))
            .map(drop)
    }

    /// After a rename, the groups that listed the old DN and the users
    /// whose manager it was name the new one (as OpenLDAP's refint overlay
    /// would).
    async fn repoint(&self, old: &str, new: &str) -> Result<(), ConnectorError> {
        let members = self.member_attribute();
        let mut referring = vec![(self.target.users_base_dn.clone(), "manager")];
        if let Some(groups) = &self.target.groups_base_dn {
            referring.push((groups.clone(), members));
        }
        for (base, attribute) in referring {
            let filter = format!("({attribute}={})", ldap_escape(old));
            for entry in self.search(&base, Scope::Subtree, &filter, &[attribute]).await? {
                let stale: HashSet<String> = convert::values_of(&entry, attribute)
                    .iter()
                    .filter(|dn| normalised_dn(dn) == normalised_dn(old))
                    .cloned()
                    .collect();
                // An empty Delete would remove every value.
                if stale.is_empty() {
                    continue;
                }
                let mods = vec![
                    Mod::Delete(attribute.to_owned(), stale),
                    Mod::Add(attribute.to_owned(), HashSet::from([new.to_owned()])),
                ];
                self.modify(&entry.dn, mods).await?;
            }
        }
        Ok(())
    }

    async fn modify(&self, dn: &str, mods: Vec<Mod<String>>) -> Result<(), ConnectorError> {
        if mods.is_empty() {
            return Ok(());
        }
        let what = format!("modifying {dn}");
        let mut ldap = self.handle().await?;
        ldap.with_timeout(OPERATION_TIMEOUT)
            .modify(dn, mods)
            .await
            .map_err(|e| from_ldap(&what, e))?
            .success()
            .map_err(|e| from_ldap(&what, e))
            .map(drop)
    }

    /// Deletes an entry, first taking it out of the groups that list it
    /// (as OpenLDAP's refint overlay would): once it is gone its id can no
    /// longer be turned into the DN the groups hold.
    async fn delete_entry(&self, kind: SourceKind, id: &str) -> Result<(), ConnectorError> {
        let dn = self.dn(kind, id).await?;
        if let Some(groups) = &self.target.groups_base_dn {
            let members = self.member_attribute();
            let filter = format!(
                "(&{}({members}={}))",
                self.class_filter(SourceKind::Group),
                ldap_escape(&dn)
            );
            for group in self.search(groups, Scope::Subtree, &filter, &[members]).await? {
                self.write_members(&group, &[], std::slice::from_ref(&dn)).await?;
            }
        }
        let what = format!("deleting {dn}");
        let mut ldap = self.handle().await?;
        ldap.with_timeout(OPERATION_TIMEOUT)
            .delete(&dn)
            .await
            .map_err(|e| from_ldap(&what, e))?
            .success()
            .map_err(|e| from_ldap(&what, e))
            .map(drop)
    }

    async fn disable_entry(&self, kind: SourceKind, id: &str) -> Result<(), ConnectorError> {
        match &self.target.disable {
            LdapDisable::Delete => self.delete_entry(kind, id).await,
            LdapDisable::Attribute { attribute, value } => {
                let dn = self.dn(kind, id).await?;
                let name = attribute_name(attribute)?.to_owned();
                self.modify(&dn, vec![Mod::Replace(name, HashSet::from([value.clone()]))])
                    .await
            }
        }
    }

    /// Adds and removes members (ids), in one modify of exactly the values
    /// that change.
    async fn change_members(&self, group_id: &str, add: &[String], remove: &[String]) -> Result<(), ConnectorError> {
        let members = self.member_attribute();
        let filter = self.class_filter(SourceKind::Group);
        let group_dn = self.dn(SourceKind::Group, group_id).await?;
        let group = self
            .search(&group_dn, Scope::Base, &filter, &[members])
            .await?
            .pop()
            .ok_or_else(|| ConnectorError::NotFound {
                detail: format!("{group_dn} is not a {}", self.group_class()),
            })?;
        let mut add_dns = Vec::new();
        for id in add {
            add_dns.push(self.referenced_dn(id).await?);
        }
        // A member whose entry is gone was taken out of the group when it
        // was deleted; nothing is left to remove.
        let mut remove_dns = Vec::new();
        for id in remove {
            match self.referenced_dn(id).await {
                Ok(dn) => remove_dns.push(dn),
                Err(ConnectorError::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        self.write_members(&group, &add_dns, &remove_dns).await
    }

    /// The modify of a group's member values: values already there are not
    /// added again, absent ones not removed, and the placeholder (the bind
    /// DN) comes and goes so that the group is never without a member.
    async fn write_members(
        &self,
        group: &SearchEntry,
        add: &[String],
        remove: &[String],
    ) -> Result<(), ConnectorError> {
        let attribute = self.member_attribute();
        let current: Vec<String> = convert::values_of(group, attribute).to_vec();
        let have = dn_set(&current);
        let placeholder = normalised_dn(&self.target.bind_dn);
        let adding: HashSet<String> = add
            .iter()
            .filter(|dn| !have.contains(&normalised_dn(dn)))
            .cloned()
            .collect();
        let leaving = dn_set(remove);
        let removing: HashSet<String> = current
            .iter()
            .filter(|dn| leaving.contains(&normalised_dn(dn)))
            .cloned()
            .collect();
        let wanted = dn_set(add);
        let mut after: HashSet<String> = have.difference(&leaving).cloned().collect();
        after.extend(wanted.iter().cloned());
        let mut removing = removing;
        let mut mods = Vec::new();
        if after.is_empty() {
            mods.push(Mod::Add(
                attribute.to_owned(),
                HashSet::from([self.target.bind_dn.clone()]),
            ));
        } else if after.len() > 1 && after.contains(&placeholder) && !wanted.contains(&placeholder) {
            // Real members now: the placeholder goes.
            removing.extend(current.iter().filter(|dn| normalised_dn(dn) == placeholder).cloned());
        }
        if !adding.is_empty() {
            mods.push(Mod::Add(attribute.to_owned(), adding));
        }
        if !removing.is_empty() {
            mods.push(Mod::Delete(attribute.to_owned(), removing));
        }
        self.modify(&group.dn, mods).await
    }

    async fn test(&self) -> Result<(), ConnectorError> {
        // A fresh bind checks the credentials as they are now.
        let fresh = self.open().await?;
        *self.connection.lock().await = Some(fresh);
        for base in self.bases() {
            let entry = self
                .search(base, Scope::Base, "(objectClass=*)", &["entryUUID"])
                .await
                .map_err(|e| match e {
                    ConnectorError::NotFound { .. } => ConnectorError::Incompatible {
                        detail: format!("the base DN {base} does not exist in the directory"),
                    },
                    other => other,
                })?
                .pop();
            if entry.as_ref().and_then(convert::entry_uuid).is_none() {
                return Err(ConnectorError::Incompatible {
                    detail: format!("the directory does not show the entryUUID of {base}, which Provisio uses as ids"),
                });
            }
        }
        Ok(())
    }
}

/// A search entry as a target object, its entryUUID as the id.
fn object(entry: SearchEntry) -> Result<TargetObject, ConnectorError> {
    let id = convert::entry_uuid(&entry).ok_or_else(|| ConnectorError::Incompatible {
        detail: format!(
            "the directory does not show the entryUUID of {}, which Provisio uses as ids",
            entry.dn
        ),
    })?;
    Ok(TargetObject {
        id,
        attributes: convert::attributes(&entry),
    })
}

impl Connector for LdapConnector {
    fn test_connection(&self) -> ConnectorFuture<'_, ()> {
        Box::pin(self.test())
    }

    fn find<'a>(
        &'a self,
        kind: SourceKind,
        target_attribute: &'a str,
        value: &'a Value,
    ) -> ConnectorFuture<'a, Vec<TargetObject>> {
        Box::pin(async move {
            self.find_entries(kind, target_attribute, value)
                .await?
                .into_iter()
                .map(object)
                .collect()
        })
    }

    fn find_many<'a>(
        &'a self,
        kind: SourceKind,
        target_attribute: &'a str,
        values: &'a [Value],
    ) -> ConnectorFuture<'a, Vec<Vec<TargetObject>>> {
        Box::pin(self.find_batched(kind, target_attribute, values))
    }

    fn read<'a>(&'a self, kind: SourceKind, id: &'a str) -> ConnectorFuture<'a, Option<TargetObject>> {
        Box::pin(async move { self.entry(kind, id).await?.map(object).transpose() })
    }

    fn create<'a>(&'a self, kind: SourceKind, attributes: &'a TargetAttributes) -> ConnectorFuture<'a, TargetObject> {
        Box::pin(self.create_entry(kind, attributes))
    }

    fn update<'a>(&'a self, kind: SourceKind, id: &'a str, changes: &'a [AttributeChange]) -> ConnectorFuture<'a, ()> {
        Box::pin(self.update_entry(kind, id, changes))
    }

    fn disable<'a>(&'a self, kind: SourceKind, id: &'a str) -> ConnectorFuture<'a, ()> {
        Box::pin(self.disable_entry(kind, id))
    }

    fn delete<'a>(&'a self, kind: SourceKind, id: &'a str) -> ConnectorFuture<'a, ()> {
        Box::pin(self.delete_entry(kind, id))
    }

    fn add_members<'a>(&'a self, group_id: &'a str, member_ids: &'a [String]) -> ConnectorFuture<'a, ()> {
        Box::pin(self.change_members(group_id, member_ids, &[]))
    }

    fn remove_members<'a>(&'a self, group_id: &'a str, member_ids: &'a [String]) -> ConnectorFuture<'a, ()> {
        Box::pin(self.change_members(group_id, &[], member_ids))
    }

    fn value_exists<'a>(
        &'a self,
        kind: SourceKind,
        target_attribute: &'a str,
        value: &'a Value,
    ) -> ConnectorFuture<'a, bool> {
        Box::pin(async move { Ok(!self.find_entries(kind, target_attribute, value).await?.is_empty()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(url: &str, start_tls: bool) -> LdapTarget {
        serde_json::from_value(serde_json::json!({
            "url": url, "start_tls": start_tls, "bind_dn": "cn=admin,dc=x",
            "users_base_dn": "ou=people,dc=x", "user_object_classes": ["inetOrgPerson"]
        }))
        .unwrap()
    }

    #[test]
    fn plain_ldap_only_on_loopback() {
        assert!(LdapConnector::new(target("ldap://127.0.0.1:389", false)).is_ok());
        assert!(LdapConnector::new(target("ldap://localhost", false)).is_ok());
        assert!(LdapConnector::new(target("ldap://[::1]:389/", false)).is_ok());
        assert!(LdapConnector::new(target("ldaps://ldap.example", false)).is_ok());
        assert!(LdapConnector::new(target("ldap://ldap.example", true)).is_ok());
        for url in ["ldap://ldap.example:389", "ldap://127.0.0.1:389@ldap.example/"] {
            assert!(
                matches!(
                    LdapConnector::new(target(url, false)),
                    Err(ConnectorError::Incompatible { .. })
                ),
                "{url}"
            );
        }
    }
}
