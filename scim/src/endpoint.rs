//! The service root and lenient SCIM request paths: SCIM clients differ in
//! how they spell the endpoints (`/scim/v2/users`, `/scim/v2/Users/`), so a
//! request path is made canonical (the endpoint names as RFC 7644 spells
//! them, no trailing slash) before a router sees it. Ids are left untouched.

/// Where the SCIM service is served; endpoints are relative to it.
pub const SCIM_ROOT: &str = "/scim/v2";

/// The endpoint names of the service root, as the routes spell them.
const ROOT_ENDPOINTS: &[&str] = &[
    "Users",
    "Groups",
    "Schemas",
    "ResourceTypes",
    "ServiceProviderConfig",
    "Bulk",
    ".search",
];

/// The canonical spelling of a SCIM request path, or `None` when the path
/// is already canonical or not under `/scim/v2/`.
///
/// ```
/// use provisio_scim::endpoint::canonical_path;
///
/// assert_eq!(canonical_path("/scim/v2/users/42/").as_deref(), Some("/scim/v2/Users/42"));
/// assert_eq!(canonical_path("/scim/v2/Users/42"), None);
/// ```
pub fn canonical_path(path: &str) -> Option<String> {
    let rest = path.strip_prefix(SCIM_ROOT)?.strip_prefix('/')?;
    let mut segments: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    if let Some(first) = segments.first_mut()
        && let Some(name) = ROOT_ENDPOINTS.iter().find(|name| name.eq_ignore_ascii_case(first))
    {
        *first = name;
    }
    let resources = matches!(segments.first(), Some(&"Users" | &"Groups"));
    if let Some(second) = segments.get_mut(1)
        && resources
        && second.eq_ignore_ascii_case(".search")
    {
        *second = ".search";
    }
    let canonical = match segments.as_slice() {
        [""] => SCIM_ROOT.to_owned(),
        _ => format!("{SCIM_ROOT}/{}", segments.join("/")),
    };
    (canonical != path).then_some(canonical)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical(path: &str) -> String {
        canonical_path(path).unwrap_or_else(|| path.to_owned())
    }

    #[test]
    fn endpoint_names_take_their_canonical_case() {
        assert_eq!(canonical("/scim/v2/users"), "/scim/v2/Users");
        assert_eq!(canonical("/scim/v2/GROUPS"), "/scim/v2/Groups");
        assert_eq!(canonical("/scim/v2/schemas"), "/scim/v2/Schemas");
        assert_eq!(canonical("/scim/v2/resourcetypes/User"), "/scim/v2/ResourceTypes/User");
        assert_eq!(
            canonical("/scim/v2/serviceproviderconfig"),
            "/scim/v2/ServiceProviderConfig"
        );
        assert_eq!(canonical("/scim/v2/bulk"), "/scim/v2/Bulk");
        assert_eq!(canonical("/scim/v2/.SEARCH"), "/scim/v2/.search");
        assert_eq!(canonical("/scim/v2/users/.Search"), "/scim/v2/Users/.search");
    }

    #[test]
    fn trailing_slashes_go() {
        assert_eq!(canonical("/scim/v2/Users/"), "/scim/v2/Users");
        assert_eq!(canonical("/scim/v2/users/abc-1/"), "/scim/v2/Users/abc-1");
        assert_eq!(canonical("/scim/v2/Groups//"), "/scim/v2/Groups");
        assert_eq!(canonical("/scim/v2/"), "/scim/v2");
    }

    #[test]
    fn ids_and_other_paths_are_left_alone() {
        assert_eq!(canonical_path("/scim/v2/Users/AbC-users"), None);
        assert_eq!(
            canonical_path("/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User"),
            None
        );
        assert_eq!(canonical("/scim/v2/Users/users"), "/scim/v2/Users/users");
        assert_eq!(canonical_path("/scim/v2/Unknown"), None);
        assert_eq!(canonical_path("/scim/v2"), None);
        assert_eq!(canonical_path("/scim/v2users"), None);
        assert_eq!(canonical_path("/api/v1/jobs/"), None);
        assert_eq!(canonical_path("/"), None);
    }
}
