//! Listing and searching the directory (RFC 7644 §3.4.2, §3.4.3): a
//! [`ListRequest`] (provisio-scim reads it from the query string or a POST
//! `.search` body) answered as a ListResponse, narrowed in the database
//! where it can be and filtered, sorted and projected exactly here.

use provisio_scim::ScimError;
use provisio_scim::filter::{self, Filter};
use provisio_scim::list::{LIST_RESPONSE_URN, ListRequest};
use provisio_scim::projection;
use serde_json::{Value, json};

use super::resource;
use super::service::{Kind, Scim};
use crate::directory::{GroupLookup, GroupQuery, UserLookup, UserQuery};

impl Scim {
    /// Answers a list request with a ListResponse.
    pub(crate) async fn list(&self, kind: Kind, request: &ListRequest) -> Result<Value, ScimError> {
        let schema = self.schema(kind);
        let filter = request
            .filter
            .as_deref()
            .filter(|f| !f.trim().is_empty())
            .map(|text| {
                let filter = filter::parse(text)?;
                filter.check(schema)?;
                Ok::<_, ScimError>(filter)
            })
            .transpose()?;
        let start = request.start_index()?;
        let count = request.count()?;
        let descending = request.descending()?;
        let sort_by = request.sort_by.as_deref().map(str::trim).filter(|s| !s.is_empty());
        if let Some(sort_by) = sort_by {
            projection::check_sort_by(sort_by, schema)?;
        }
        // Project first so a bad attribute list is a 400 before any work.
        projection::check_attribute_lists(
            request.attributes.as_deref(),
            request.excluded_attributes.as_deref(),
            schema,
        )?;

        let (total, mut page) = match (&filter, sort_by) {
            (None, None) => self.page_in_storage_order(kind, start, count).await?,
            _ => {
                let mut matches = self.matching(kind, filter.as_ref()).await?;
                if let Some(sort_by) = sort_by {
                    matches.sort_by(|a, b| {
                        let order = projection::compare(a, b, sort_by, schema);
                        if descending { order.reverse() } else { order }
                    });
                }
                let total = matches.len();
                let page: Vec<Value> = matches.into_iter().skip(start - 1).take(count).collect();
                (total, page)
            }
        };
        match kind {
            Kind::User => self.attach_groups(&mut page).await?,
            Kind::Group => self.attach_member_names(&mut page).await?,
        }
        let resources = page
            .iter()
            .map(|resource| {
                projection::project(
                    resource,
                    schema,
                    request.attributes.as_deref(),
                    request.excluded_attributes.as_deref(),
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(json!({
            "schemas": [LIST_RESPONSE_URN],
            "totalResults": total,
            "startIndex": start,
            "itemsPerPage": resources.len(),
            "Resources": resources,
        }))
    }

    /// A search at the service root (RFC 7644 §3.4.3): users and groups
    /// together. Each type is searched with the filter when the filter fits
    /// its schema; a filter that fits neither is the first type's error.
    pub(crate) async fn search_all(&self, request: &ListRequest) -> Result<Value, ScimError> {
        let text = request.filter.as_deref().filter(|f| !f.trim().is_empty());
        let filter = text.map(filter::parse).transpose()?;
        let start = request.start_index()?;
        let count = request.count()?;
        let descending = request.descending()?;
        let sort_by = request.sort_by.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let mut matches: Vec<(Kind, Value)> = Vec::new();
        let mut first_error = None;
        let mut searched = false;
        for kind in [Kind::User, Kind::Group] {
            let schema = self.schema(kind);
            let fits = filter
                .as_ref()
                .map_or(Ok(()), |f| f.check(schema))
                .and_then(|()| sort_by.map_or(Ok(()), |s| projection::check_sort_by(s, schema)))
                .and_then(|()| {
                    projection::check_attribute_lists(
                        request.attributes.as_deref(),
                        request.excluded_attributes.as_deref(),
                        schema,
                    )
                });
            if let Err(error) = fits {
                first_error.get_or_insert(error);
                continue;
            }
            searched = true;
            matches.extend(
                self.matching(kind, filter.as_ref())
                    .await?
                    .into_iter()
                    .map(|r| (kind, r)),
            );
        }
        if !searched && let Some(error) = first_error {
            return Err(error);
        }
        if let Some(sort_by) = sort_by {
            matches.sort_by(|(ka, a), (kb, b)| {
                let order = if ka == kb {
                    projection::compare(a, b, sort_by, self.schema(*ka))
                } else {
                    projection::compare(a, b, sort_by, self.schema(Kind::User))
                };
                if descending { order.reverse() } else { order }
            });
        }
        let total = matches.len();
        let page: Vec<(Kind, Value)> = matches.into_iter().skip(start - 1).take(count).collect();
        let mut resources = Vec::with_capacity(page.len());
        for (kind, resource) in page {
            let mut one = [resource];
            match kind {
                Kind::User => self.attach_groups(&mut one).await?,
                Kind::Group => self.attach_member_names(&mut one).await?,
            }
            let [resource] = one;
            resources.push(projection::project(
                &resource,
                self.schema(kind),
                request.attributes.as_deref(),
                request.excluded_attributes.as_deref(),
            )?);
        }
        Ok(json!({
            "schemas": [LIST_RESPONSE_URN],
            "totalResults": total,
            "startIndex": start,
            "itemsPerPage": resources.len(),
            "Resources": resources,
        }))
    }

    /// Without a filter or a sort order, the database pages by itself.
    async fn page_in_storage_order(
        &self,
        kind: Kind,
        start: usize,
        count: usize,
    ) -> Result<(usize, Vec<Value>), ScimError> {
        let offset = start - 1;
        match kind {
            Kind::User => {
                let page = self
                    .directory
                    .users_page(&UserQuery {
                        offset,
                        limit: count,
                        ..Default::default()
                    })
                    .await?;
                Ok((page.total, page.items.iter().map(|u| self.user_json(u, &[])).collect()))
            }
            Kind::Group => {
                let page = self
                    .directory
                    .groups_page(&GroupQuery {
                        offset,
                        limit: count,
                        ..Default::default()
                    })
                    .await?;
                Ok((page.total, page.items.iter().map(|g| self.group_json(g)).collect()))
            }
        }
    }

    /// Every resource the filter matches. An equality on an indexed
    /// attribute whose index compares as SCIM does (`id`, `userName`,
    /// `externalId`, `displayName`), or an `or` of such equalities on users,
    /// narrows the scan in the database; the filter itself is always
    /// evaluated exactly here.
    async fn matching(&self, kind: Kind, filter: Option<&Filter>) -> Result<Vec<Value>, ScimError> {
        let schema = self.schema(kind);
        let mut matches = Vec::new();
        let mut too_many = false;
        let mut keep = |resource: Value| {
            if filter.is_none_or(|f| f.matches(&resource, schema)) {
                if matches.len() >= MAX_SCAN_RESULTS {
                    too_many = true;
                } else {
                    matches.push(resource);
                }
            }
        };
        match kind {
            Kind::User => {
                // Every pair of an `or` of equalities on indexed attributes
                // (a client matching many users at once) is read by index.
                let lookups: Option<Vec<UserLookup>> = filter.and_then(Filter::equality_lookups).and_then(|pairs| {
                    pairs
                        .into_iter()
                        .map(|(path, value)| user_lookup(&path, value))
                        .collect()
                });
                // A group's users (`groups.value eq "id"`, as a client asks
                // who is in a group) are read through the memberships.
                let in_group = filter
                    .and_then(Filter::equality_lookup)
                    .filter(|(path, _)| path == "groups.value")
                    .map(|(_, group)| group);
                let (lookups, members) = match in_group {
                    Some(group) => {
                        let members = self.directory.user_members_of(&group).await?;
                        let by_id = members.iter().cloned().map(UserLookup::Id).collect();
                        (Some(by_id), Some(members))
                    }
                    None => (lookups, None),
                };
                // `groups` is derived: read the memberships once when the
                // filter may look at them (those of the group's users alone
                // when narrowed to a group), never otherwise.
                let groups = match (filter.is_some_and(Filter::mentions_groups), &members) {
                    (false, _) => None,
                    (true, Some(members)) => Some(self.directory.groups_of_users(members).await?),
                    (true, None) => Some(self.directory.all_groups_of_users().await?),
                };
                let none = Vec::new();
                let mut visit = |user: crate::directory::User| {
                    let of_user = groups.as_ref().and_then(|g| g.get(&user.id)).unwrap_or(&none);
                    keep(self.user_json(&user, of_user))
                };
                match lookups.as_deref() {
                    Some([]) => {}
                    Some(lookups) if members.is_some() || lookups.len() > 1 => {
                        let mut users = self.directory.users_matching_any(lookups).await?;
                        users.sort_by(|a, b| (&a.meta.created, &a.id).cmp(&(&b.meta.created, &b.id)));
                        users.dedup_by(|a, b| a.id == b.id);
                        users.into_iter().for_each(&mut visit);
                    }
                    one_or_none => {
                        self.directory
                            .scan_users(one_or_none.and_then(<[_]>::first), visit)
                            .await?
                    }
                }
            }
            Kind::Group => {
                let lookup = filter
                    .and_then(Filter::equality_lookup)
                    .and_then(|(path, value)| group_lookup(&path, value));
                // Members' `display` is derived: read every member's name once
                // when the filter may look at it, never otherwise.
                let names = match filter.is_some_and(|f| f.mentions("members")) {
                    true => Some(self.directory.all_member_names().await?),
                    false => None,
                };
                self.directory
                    .scan_groups(lookup.as_ref(), |group| {
                        let mut resource = self.group_json(&group);
                        if let Some(names) = &names {
                            resource::attach_member_names(&mut resource, names);
                        }
                        keep(resource)
                    })
                    .await?;
            }
        }
        if too_many {
            return Err(ScimError::too_many(format!(
                "the filter matches more than {MAX_SCAN_RESULTS} resources; narrow it"
            )));
        }
        Ok(matches)
    }

    /// Fills in each user's `groups` (kept out of scans: one query per user).
    async fn attach_groups(&self, page: &mut [Value]) -> Result<(), ScimError> {
        for resource in page {
            let Some(id) = resource.get("id").and_then(Value::as_str).map(str::to_owned) else {
                continue;
            };
            let groups = self.directory.groups_of(&id).await?;
            if groups.is_empty() {
                continue;
            }
            if let Value::Object(object) = resource {
                let groups = groups
                    .iter()
                    .map(|(gid, name)| json!({"value": gid, "$ref": self.base.groups(gid), "display": name, "type": "direct"}))
                    .collect();
                object.insert("groups".to_owned(), Value::Array(groups));
            }
        }
        Ok(())
    }
}

/// How many matches a filtered or sorted listing holds in memory at most.
const MAX_SCAN_RESULTS: usize = 200_000;

fn user_lookup(path: &str, value: String) -> Option<UserLookup> {
    match path {
        "id" => Some(UserLookup::Id(value)),
        "username" => Some(UserLookup::UserPrincipalName(value)),
        "externalid" => Some(UserLookup::ExternalId(value)),
        "displayname" => Some(UserLookup::DisplayName(value)),
        _ => None,
    }
}

fn group_lookup(path: &str, value: String) -> Option<GroupLookup> {
    match path {
        "id" => Some(GroupLookup::Id(value)),
        "displayname" => Some(GroupLookup::DisplayName(value)),
        "externalid" => Some(GroupLookup::ExternalId(value)),
        _ => None,
    }
}
