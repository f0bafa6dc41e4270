//! Matching many values on an LDAP target in few searches:
//! `(&(objectClass=…)(|(uid=a)(uid=b)…))`, 100 values a search, each value
//! escaped as RFC 4515 says (as a single find escapes it), under the same
//! base and scope as a single find. Objects are given to values by
//! [`crate::batch`]'s rules, which hold for caseIgnore attributes (`uid`,
//! `mail`) and caseExact ones alike; an attribute compared some other way
//! (`telephoneNumber` ignores spaces) leaves its values to single finds.

use ldap3::{Scope, ldap_escape};
use provisio_engine::Value;
use provisio_engine::job::SourceKind;
use provisio_engine::matching::TargetObject;

use super::convert::{self, DN};
use super::{ENTRY_ATTRIBUTES, LdapConnector, object};
use crate::batch::{self as rules, Plan};
use crate::{Connector, ConnectorError, ConnectorFuture};

/// Values in one search at most.
pub(super) const MAX_VALUES: usize = 100;

/// The filter finding entries of `class` whose `attribute` is one of `texts`.
pub(super) fn any_of(class: &str, attribute: &str, texts: &[&str]) -> String {
    let terms: String = texts
        .iter()
        .map(|text| format!("({attribute}={})", ldap_escape(*text)))
        .collect();
    format!("(&{class}(|{terms}))")
}

fn leaf(value: &Value) -> Option<String> {
    match value {
        Value::Str(text) => Some(text.clone()),
        _ => None,
    }
}

impl LdapConnector {
    /// [`Connector::find_many`] for LDAP.
    pub(super) async fn find_batched(
        &self,
        kind: SourceKind,
        target_attribute: &str,
        values: &[Value],
    ) -> Result<Vec<Vec<TargetObject>>, ConnectorError> {
        // A DN is looked up at its place, not searched for.
        let batched = values.len() > 1 && !target_attribute.eq_ignore_ascii_case(DN);
        // A value that cannot be searched for matches nothing, as in `find`.
        let keys: Vec<Option<String>> = values.iter().map(convert::search_text).collect();
        let plan = if batched {
            rules::plan(&keys, MAX_VALUES, usize::MAX, |_| 0)
        } else {
            Plan {
                singles: (0..values.len()).collect(),
                ..Plan::default()
            }
        };
        let attribute = if batched {
            self.attribute(target_attribute)?
        } else {
            target_attribute
        };
        let class = self.class_filter(kind);
        let query = |batch: Vec<usize>| -> ConnectorFuture<'_, Option<Vec<TargetObject>>> {
            let texts: Vec<&str> = batch
                .iter()
                .filter_map(|&i| keys.get(i).and_then(Option::as_deref))
                .collect();
            let filter = any_of(&class, attribute, &texts);
            Box::pin(async move {
                let entries = self
                    .search(self.base(kind)?, Scope::Subtree, &filter, &ENTRY_ATTRIBUTES)
                    .await?;
                entries.into_iter().map(object).collect::<Result<Vec<_>, _>>().map(Some)
            })
        };
        let single = |value| self.find(kind, target_attribute, value);
        let texts = |found: &TargetObject| rules::attribute_texts(found, attribute, leaf);
        rules::run(values, &keys, plan, query, single, texts).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_as_rfc_4515_says() {
        assert_eq!(
            any_of(
                "(objectClass=inetOrgPerson)",
                "uid",
                &["zoe", "a*b", "(x)", r"c\d", "nul\0"]
            ),
            r"(&(objectClass=inetOrgPerson)(|(uid=zoe)(uid=a\2ab)(uid=\28x\29)(uid=c\5cd)(uid=nul\00)))"
        );
    }
}
