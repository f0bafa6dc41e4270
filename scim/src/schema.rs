//! SCIM schemas as data (RFC 7643 §2, §4, §7, §8.7): the User, Group and
//! extension attribute definitions, attribute lookup by path, and the
//! `/Schemas`, `/ResourceTypes` and `/ServiceProviderConfig` documents.
//!
//! ```
//! use provisio_scim::{AttrPath, schema};
//!
//! let users = schema::user_schema(&[]);
//! let path = AttrPath::parse("URN:ietf:params:scim:schemas:extension:enterprise:2.0:User:MANAGER.value").unwrap();
//! let found = users.resolve(&path).unwrap();
//! assert_eq!(found.canonical(), "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value");
//! ```

use serde_json::Value;

use crate::path::AttrPath;

pub const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const ENTERPRISE_URN: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const DIRECTORY_USER_URN: &str = "urn:provisio:params:scim:schemas:extension:directory:2.0:User";
pub const DIRECTORY_GROUP_URN: &str = "urn:provisio:params:scim:schemas:extension:directory:2.0:Group";
pub const CUSTOM_USER_URN: &str = "urn:provisio:params:scim:schemas:extension:custom:2.0:User";

/// An attribute's data type (RFC 7643 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrType {
    String,
    Boolean,
    Decimal,
    Integer,
    DateTime,
    Binary,
    Reference,
    Complex,
}

impl AttrType {
    pub fn as_str(self) -> &'static str {
        match self {
            AttrType::String => "string",
            AttrType::Boolean => "boolean",
            AttrType::Decimal => "decimal",
            AttrType::Integer => "integer",
            AttrType::DateTime => "dateTime",
            AttrType::Binary => "binary",
            AttrType::Reference => "reference",
            AttrType::Complex => "complex",
        }
    }
}

/// When an attribute may be (re)defined (RFC 7643 §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutability {
    ReadOnly,
    ReadWrite,
    Immutable,
    WriteOnly,
}

/// When an attribute is returned (RFC 7643 §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returned {
    Always,
    Never,
    Default,
    Request,
}

/// How the service provider enforces uniqueness (RFC 7643 §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uniqueness {
    None,
    Server,
    Global,
}

/// One attribute and its characteristics, as `/Schemas` publishes them.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeDef {
    pub name: String,
    pub kind: AttrType,
    pub multi_valued: bool,
    pub required: bool,
    pub case_exact: bool,
    pub mutability: Mutability,
    pub returned: Returned,
    pub uniqueness: Uniqueness,
    pub sub_attributes: Vec<AttributeDef>,
    pub canonical_values: Vec<String>,
    pub reference_types: Vec<String>,
    pub description: String,
}

impl AttributeDef {
    /// A single-valued, optional, case-insensitive, readWrite attribute.
    fn new(name: &str, kind: AttrType, description: &str) -> Self {
        AttributeDef {
            name: name.into(),
            kind,
            multi_valued: false,
            required: false,
            // Binary and reference values are case-exact (RFC 7643 §2.3.6, §2.3.7).
            case_exact: matches!(kind, AttrType::Binary | AttrType::Reference),
            mutability: Mutability::ReadWrite,
            returned: Returned::Default,
            uniqueness: Uniqueness::None,
            sub_attributes: Vec::new(),
            canonical_values: Vec::new(),
            reference_types: Vec::new(),
            description: description.into(),
        }
    }

    /// The sub-attribute called `name`, compared case-insensitively.
    pub fn sub_attribute(&self, name: &str) -> Option<&AttributeDef> {
        self.sub_attributes
            .iter()
            .find(|sub| sub.name.eq_ignore_ascii_case(name))
    }

    fn multi(mut self) -> Self {
        self.multi_valued = true;
        self
    }

    fn req(mut self) -> Self {
        self.required = true;
        self
    }

    fn exact(mut self) -> Self {
        self.case_exact = true;
        self
    }

    fn mutability(mut self, mutability: Mutability) -> Self {
        self.mutability = mutability;
        self
    }

    fn returned(mut self, returned: Returned) -> Self {
        self.returned = returned;
        self
    }

    fn unique(mut self, uniqueness: Uniqueness) -> Self {
        self.uniqueness = uniqueness;
        self
    }

    fn canonical(mut self, values: &[&str]) -> Self {
        self.canonical_values = values.iter().map(|value| (*value).into()).collect();
        self
    }
}

fn string(name: &str, description: &str) -> AttributeDef {
    AttributeDef::new(name, AttrType::String, description)
}

fn boolean(name: &str, description: &str) -> AttributeDef {
    AttributeDef::new(name, AttrType::Boolean, description)
}

fn date_time(name: &str, description: &str) -> AttributeDef {
    AttributeDef::new(name, AttrType::DateTime, description)
}

fn reference(name: &str, types: &[&str], description: &str) -> AttributeDef {
    let mut def = AttributeDef::new(name, AttrType::Reference, description);
    def.reference_types = types.iter().map(|kind| (*kind).into()).collect();
    def
}

fn complex(name: &str, description: &str, sub_attributes: Vec<AttributeDef>) -> AttributeDef {
    let mut def = AttributeDef::new(name, AttrType::Complex, description);
    def.sub_attributes = sub_attributes;
    def
}

/// The usual multi-valued shape (RFC 7643 §2.4): value, display, type, primary.
fn plural(name: &str, description: &str, value: AttributeDef, types: &[&str]) -> AttributeDef {
    complex(
        name,
        description,
        vec![
            value,
            string("display", "A human-readable name, primarily used for display purposes."),
            string("type", "A label indicating the attribute's function.").canonical(types),
            boolean(
                "primary",
                "Whether this is the preferred value; true appears no more than once.",
            ),
        ],
    )
    .multi()
}

/// A schema: its URN, name and attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaDef {
    pub id: String,
    pub name: String,
    pub description: String,
    pub attributes: Vec<AttributeDef>,
}

impl SchemaDef {
    fn new(id: &str, name: &str, description: &str, attributes: Vec<AttributeDef>) -> Self {
        SchemaDef {
            id: id.into(),
            name: name.into(),
            description: description.into(),
            attributes,
        }
    }

    /// The attribute called `name`, compared case-insensitively.
    pub fn attribute(&self, name: &str) -> Option<&AttributeDef> {
        self.attributes.iter().find(|attr| attr.name.eq_ignore_ascii_case(name))
    }
}

/// An administrator-defined attribute of the custom User extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomAttribute {
    pub name: String,
    pub kind: AttrType,
    pub multi_valued: bool,
}

/// A resource type with its core schema, extensions and common attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceSchema {
    /// `User` or `Group`: the resource type's id and name.
    pub resource_type: String,
    /// The endpoint relative to the base URL, e.g. `/Users`.
    pub endpoint: String,
    pub core: SchemaDef,
    /// Each extension and whether a resource must include it.
    pub extensions: Vec<(SchemaDef, bool)>,
    /// `id`, `externalId` and `meta` (RFC 7643 §3.1), which belong to no schema.
    pub common: Vec<AttributeDef>,
}

/// What a path resolved to.
#[derive(Debug, Clone, Copy)]
pub struct ResolvedAttr<'a> {
    /// The schema the attribute belongs to (the core schema for common attributes).
    pub schema: &'a SchemaDef,
    /// Whether the attribute lives in its extension's URN object.
    pub in_extension: bool,
    pub attr: &'a AttributeDef,
    pub sub: Option<&'a AttributeDef>,
}

impl ResolvedAttr<'_> {
    /// The definition of the value the path designates.
    pub fn leaf(&self) -> &AttributeDef {
        self.sub.unwrap_or(self.attr)
    }

    /// The canonical spelling: `name.givenName`, `urn:…:enterprise:2.0:User:manager.value`.
    pub fn canonical(&self) -> String {
        let mut text = String::new();
        if self.in_extension {
            text.push_str(&self.schema.id);
            text.push(':');
        }
        text.push_str(&self.attr.name);
        if let Some(sub) = self.sub {
            text.push('.');
            text.push_str(&sub.name);
        }
        text
    }
}

impl ResourceSchema {
    /// Looks a path up case-insensitively. A path without URN is a common or
    /// core attribute, else the first extension attribute of that name.
    pub fn resolve(&self, path: &AttrPath) -> Option<ResolvedAttr<'_>> {
        let (schema, in_extension, attr) = match &path.urn {
            Some(urn) if urn.eq_ignore_ascii_case(&self.core.id) => {
                (&self.core, false, self.core_attribute(&path.attr)?)
            }
            Some(urn) => {
                let extension = self.extension(urn)?;
                (extension, true, extension.attribute(&path.attr)?)
            }
            None => match self.core_attribute(&path.attr) {
                Some(attr) => (&self.core, false, attr),
                None => self
                    .extensions
                    .iter()
                    .find_map(|(ext, _)| Some((ext, true, ext.attribute(&path.attr)?)))?,
            },
        };
        let sub = match &path.sub_attr {
            Some(name) => Some(attr.sub_attribute(name)?),
            None => None,
        };
        Some(ResolvedAttr {
            schema,
            in_extension,
            attr,
            sub,
        })
    }

    /// The attribute name closest to `name` — common, core or extension
    /// attributes, as a path without URN resolves them — for "did you mean".
    pub fn closest_attribute(&self, name: &str) -> Option<&str> {
        let names = self
            .common
            .iter()
            .chain(&self.core.attributes)
            .chain(self.extensions.iter().flat_map(|(ext, _)| &ext.attributes))
            .map(|attr| attr.name.as_str());
        provisio_engine::suggest::closest(name, names)
    }

    /// A common or core-schema attribute.
    fn core_attribute(&self, name: &str) -> Option<&AttributeDef> {
        self.common
            .iter()
            .find(|attr| attr.name.eq_ignore_ascii_case(name))
            .or_else(|| self.core.attribute(name))
    }

    /// The `schemas` of a resource: the URNs `listed` (the core schema when
    /// none are) less extensions it does not hold, plus those it holds.
    pub fn schemas_value(&self, listed: Option<&Value>, holds: impl Fn(&str) -> bool) -> Value {
        let mut urns = match listed {
            Some(Value::Array(urns)) => urns.clone(),
            _ => vec![Value::String(self.core.id.clone())],
        };
        urns.retain(|urn| {
            let urn = urn.as_str().unwrap_or_default();
            self.extension(urn).is_none_or(|ext| holds(&ext.id))
        });
        for (ext, _) in &self.extensions {
            let listed = urns
                .iter()
                .any(|urn| urn.as_str().is_some_and(|urn| urn.eq_ignore_ascii_case(&ext.id)));
            if holds(&ext.id) && !listed {
                urns.push(Value::String(ext.id.clone()));
            }
        }
        Value::Array(urns)
    }

    /// The extension whose URN is `urn`, compared case-insensitively.
    pub fn extension(&self, urn: &str) -> Option<&SchemaDef> {
        self.extensions
            .iter()
            .map(|(ext, _)| ext)
            .find(|ext| ext.id.eq_ignore_ascii_case(urn))
    }
}

/// The User resource type; `custom` lists the administrator's attributes,
/// published as an extension only when there are some.
pub fn user_schema(custom: &[CustomAttribute]) -> ResourceSchema {
    let mut extensions = vec![(enterprise_user(), false), (directory_user(), false)];
    if !custom.is_empty() {
        let attributes = custom
            .iter()
            .map(|attr| {
                let def = AttributeDef::new(&attr.name, attr.kind, "An attribute defined by the administrator.");
                if attr.multi_valued { def.multi() } else { def }
            })
            .collect();
        extensions.push((
            SchemaDef::new(
                CUSTOM_USER_URN,
                "ProvisioCustomUser",
                "Attributes defined by the administrator.",
                attributes,
            ),
            false,
        ));
    }
    ResourceSchema {
        resource_type: "User".into(),
        endpoint: "/Users".into(),
        core: core_user(),
        extensions,
        common: common_attributes(),
    }
}

/// The Group resource type.
pub fn group_schema() -> ResourceSchema {
    ResourceSchema {
        resource_type: "Group".into(),
        endpoint: "/Groups".into(),
        core: core_group(),
        extensions: vec![(directory_group(), false)],
        common: common_attributes(),
    }
}

fn common_attributes() -> Vec<AttributeDef> {
    use Mutability::ReadOnly;
    vec![
        string(
            "id",
            "A unique identifier for the resource, assigned by the service provider.",
        )
        .exact()
        .mutability(ReadOnly)
        .returned(Returned::Always)
        .unique(Uniqueness::Server),
        string(
            "externalId",
            "An identifier for the resource as defined by the provisioning client.",
        )
        .exact(),
        complex(
            "meta",
            "Resource metadata.",
            vec![
                string("resourceType", "The name of the resource type.")
                    .exact()
                    .mutability(ReadOnly),
                date_time("created", "When the resource was added to the service provider.").mutability(ReadOnly),
                date_time("lastModified", "When the resource was last updated.").mutability(ReadOnly),
                reference("location", &["uri"], "The URI of the resource.").mutability(ReadOnly),
                string("version", "The version (ETag) of the resource.")
                    .exact()
                    .mutability(ReadOnly),
            ],
        )
        .mutability(ReadOnly),
    ]
}

fn core_user() -> SchemaDef {
    use Mutability::{ReadOnly, WriteOnly};
    let name = complex(
        "name",
        "The components of the user's real name.",
        vec![
            string("formatted", "The full name, formatted for display."),
            string("familyName", "The family name, or last name."),
            string("givenName", "The given name, or first name."),
            string("middleName", "The middle name(s)."),
            string("honorificPrefix", "The honorific prefix(es), or title."),
            string("honorificSuffix", "The honorific suffix(es)."),
        ],
    );
    let address = complex(
        "addresses",
        "Physical mailing addresses for this User.",
        vec![
            string("formatted", "The full mailing address, formatted for display."),
            string("streetAddress", "The full street address component."),
            string("locality", "The city or locality component."),
            string("region", "The state or region component."),
            string("postalCode", "The zip code or postal code component."),
            string("country", "The country name component."),
            string("type", "A label indicating the address's function.").canonical(&["work", "home", "other"]),
            boolean(
                "primary",
                "Whether this is the preferred address; true appears no more than once.",
            ),
        ],
    )
    .multi();
    let groups = complex(
        "groups",
        "The groups the user belongs to, directly or through nested groups.",
        vec![
            string("value", "The identifier of the group.")
                .exact()
                .mutability(ReadOnly),
            reference("$ref", &["User", "Group"], "The URI of the group.").mutability(ReadOnly),
            string("display", "The group's display name.").mutability(ReadOnly),
            string("type", "Whether membership is direct or indirect.")
                .canonical(&["direct", "indirect"])
                .mutability(ReadOnly),
        ],
    )
    .multi()
    .mutability(ReadOnly);
    SchemaDef::new(
        USER_URN,
        "User",
        "User Account",
        vec![
            string(
                "userName",
                "Unique identifier for the User, typically used to authenticate.",
            )
            .req()
            .unique(Uniqueness::Server),
            name,
            string(
                "displayName",
                "The name of the User, suitable for display to end-users.",
            ),
            string("nickName", "The casual way to address the user in real life."),
            reference(
                "profileUrl",
                &["external"],
                "A URL of a page representing the User's online profile.",
            ),
            string("title", "The user's title, such as \"Vice President\"."),
            string(
                "userType",
                "The relationship between the organization and the user, e.g. 'Employee'.",
            ),
            string(
                "preferredLanguage",
                "The User's preferred written or spoken language, e.g. 'en-US'.",
            ),
            string("locale", "The User's default location for localization, e.g. 'en-US'."),
            string(
                "timezone",
                "The User's time zone in IANA format, e.g. 'America/Los_Angeles'.",
            ),
            boolean("active", "The User's administrative status."),
            string(
                "password",
                "The User's cleartext password, to set an initial password or reset it.",
            )
            .exact()
            .mutability(WriteOnly)
            .returned(Returned::Never),
            plural(
                "emails",
                "Email addresses for the User.",
                string("value", "An email address."),
                &["work", "home", "other"],
            ),
            plural(
                "phoneNumbers",
                "Phone numbers for the User.",
                string("value", "A phone number."),
                &["work", "home", "mobile", "fax", "pager", "other"],
            ),
            plural(
                "ims",
                "Instant messaging addresses for the User.",
                string("value", "An IM address."),
                &["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"],
            ),
            plural(
                "photos",
                "URLs of photos of the User.",
                reference("value", &["external"], "The URL of a photo of the User."),
                &["photo", "thumbnail"],
            ),
            address,
            groups,
            plural(
                "entitlements",
                "Entitlements the User has.",
                string("value", "An entitlement."),
                &[],
            ),
            plural("roles", "Roles of the User.", string("value", "A role."), &[]),
            plural(
                "x509Certificates",
                "Certificates issued to the User.",
                AttributeDef::new("value", AttrType::Binary, "A DER-encoded X.509 certificate, in base64."),
                &[],
            ),
        ],
    )
}

fn enterprise_user() -> SchemaDef {
    SchemaDef::new(
        ENTERPRISE_URN,
        "EnterpriseUser",
        "Enterprise User",
        vec![
            string(
                "employeeNumber",
                "A string identifier of the employee, typically numeric.",
            ),
            string("costCenter", "The name of a cost center."),
            string("organization", "The name of an organization."),
            string("division", "The name of a division."),
            string("department", "The name of a department."),
            complex(
                "manager",
                "The User's manager.",
                vec![
                    string("value", "The id of the manager's User resource."),
                    reference("$ref", &["User"], "The URI of the manager's User resource."),
                    string("displayName", "The manager's display name.").mutability(Mutability::ReadOnly),
                ],
            ),
        ],
    )
}

fn directory_user() -> SchemaDef {
    SchemaDef::new(
        DIRECTORY_USER_URN,
        "ProvisioDirectoryUser",
        "Directory attributes of a Provisio User.",
        vec![
            string("mailNickname", "The mail alias of the user."),
            string("officeLocation", "The office location of the user."),
            string(
                "employeeType",
                "The kind of employment, e.g. 'Employee' or 'Contractor'.",
            ),
            // Read-only as in Microsoft Graph, where mail systems own them;
            // administrators and inbound jobs set them in the directory.
            string(
                "proxyAddresses",
                "The user's proxy addresses, e.g. 'SMTP:ada@example.com' (the case of the prefix matters).",
            )
            .multi()
            .exact()
            .mutability(Mutability::ReadOnly),
            boolean("isSoftDeleted", "Whether the user is soft-deleted in the directory.")
                .mutability(Mutability::ReadOnly),
            string(
                "usageLocation",
                "A two-letter country code (ISO 3166) where the user's services are used.",
            ),
        ],
    )
}

fn core_group() -> SchemaDef {
    use Mutability::{Immutable, ReadOnly};
    SchemaDef::new(
        GROUP_URN,
        "Group",
        "Group",
        vec![
            string("displayName", "A human-readable name for the Group.").req(),
            complex(
                "members",
                "The members of the Group.",
                vec![
                    string("value", "The id of the member's resource.").mutability(Immutable),
                    reference("$ref", &["User", "Group"], "The URI of the member's resource.").mutability(Immutable),
                    string("type", "The type of the member's resource.")
                        .canonical(&["User", "Group"])
                        .mutability(Immutable),
                    string("display", "The member's display name.").mutability(ReadOnly),
                ],
            )
            .multi(),
        ],
    )
}

fn directory_group() -> SchemaDef {
    SchemaDef::new(
        DIRECTORY_GROUP_URN,
        "ProvisioDirectoryGroup",
        "Directory attributes of a Provisio Group.",
        vec![
            string("description", "A description of the group."),
            string("mailNickname", "The mail alias of the group."),
        ],
    )
}

mod render;

pub use render::{resource_types_json, schemas_json, service_provider_config_json};

#[cfg(test)]
mod tests;
