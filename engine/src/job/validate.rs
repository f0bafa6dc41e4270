//! Validation of a job definition: every problem at once, each with its
//! place in the document (`objects[0].mappings[2].expression`), its severity
//! and, for expressions, the expression's own diagnostics.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::source_attributes::{self, Sources};
use super::{
    AppRole, Apply, DEFAULT_ACCESS, Direction, JobDefinition, LdapDisable, LdapTarget, MAX_BULK_OPERATIONS,
    ObjectMapping, RestTarget, SourceKind, SqlDisable, SqlTarget, Target,
};
use crate::attributes::Catalogue;
use crate::diagnostic::{Diagnostic, Severity};
use crate::expr::{self, MappingKind, Program};
use crate::scim_path::TargetPath;
use crate::scope::CompiledScope;

/// The shortest schedule interval; anything faster is what `realtime` is for.
pub const MIN_INTERVAL_SECONDS: u64 = 60;

/// A place in a job definition, e.g. `objects[0].mappings[2].expression`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Location(pub String);

impl Location {
    /// The document itself.
    pub fn root() -> Location {
        Location(String::new())
    }

    /// A field of this place: `objects[0]` → `objects[0].mappings`.
    pub fn field(&self, name: &str) -> Location {
        if self.0.is_empty() {
            Location(name.to_owned())
        } else {
            Location(format!("{}.{name}", self.0))
        }
    }

    /// An element of this list: `objects` → `objects[0]`.
    pub fn index(&self, i: usize) -> Location {
        Location(format!("{}[{i}]", self.0))
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One problem in a job definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobProblem {
    /// Where: `objects[0].mappings[2].expression`, or `line 3, column 7` for
    /// a document that does not parse.
    pub location: String,
    pub severity: Severity,
    pub message: String,
    /// For an expression: its diagnostics, with spans within the expression.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<Diagnostic>,
    /// For an expression: its text, so the diagnostics can be rendered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl JobProblem {
    /// One sentence about a definition's problems: how many errors, and the
    /// first one with its place (warnings aside).
    pub fn summary(problems: &[JobProblem]) -> String {
        let errors: Vec<&JobProblem> = problems.iter().filter(|p| p.is_error()).collect();
        let first = errors
            .first()
            .map(|p| format!(": {}: {}", p.location, p.message))
            .unwrap_or_default();
        match errors.len() {
            1 => format!("the job definition has 1 error{first}"),
            n => format!("the job definition has {n} errors{first}"),
        }
    }

    pub fn error(location: impl fmt::Display, message: impl Into<String>) -> JobProblem {
        JobProblem {
            location: location.to_string(),
            severity: Severity::Error,
            message: message.into(),
            diagnostics: Vec::new(),
            source: None,
        }
    }

    pub fn warning(location: impl fmt::Display, message: impl Into<String>) -> JobProblem {
        JobProblem {
            severity: Severity::Warning,
            ..JobProblem::error(location, message)
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The expression's diagnostics rendered in compiler style, if any.
    pub fn rendered_diagnostics(&self) -> Option<String> {
        let source = self.source.as_deref()?;
        (!self.diagnostics.is_empty()).then(|| crate::diagnostic::render_all(&self.diagnostics, source))
    }
}

impl fmt::Display for JobProblem {
    /// `error: objects[0].mappings: …`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{severity}: {}: {}", self.location, self.message)
    }
}

/// Every problem in the definition, errors and warnings, in document order.
/// Source attributes are not looked up: see [`validate_with`].
pub fn validate(job: &JobDefinition) -> Vec<JobProblem> {
    validate_sources(job, None)
}

/// [`validate`], and every source attribute the definition names looked up
/// in what its source objects carry — the directory's `catalogue` (built-in
/// and extension attributes) for an outbound job, a pushed record's SCIM
/// paths for an inbound one: each unknown one is a warning at its place,
/// with the closest known name.
pub fn validate_with(job: &JobDefinition, catalogue: &Catalogue) -> Vec<JobProblem> {
    validate_sources(job, Some(catalogue))
}

fn validate_sources(job: &JobDefinition, catalogue: Option<&Catalogue>) -> Vec<JobProblem> {
    let sources = catalogue.map(|catalogue| Sources {
        catalogue,
        direction: job.direction,
    });
    let mut problems = Vec::new();
    let root = Location::root();
    if job.name.trim().is_empty() {
        problems.push(JobProblem::error(root.field("name"), "the job has no name"));
    }
    check_target(job, &root, &mut problems);
    if job.schedule.interval_seconds < MIN_INTERVAL_SECONDS {
        problems.push(JobProblem::error(
            root.field("schedule").field("interval_seconds"),
            format!(
                "an interval of {} seconds is too frequent: the minimum is {MIN_INTERVAL_SECONDS}; \
                 set \"realtime\": true to react to changes within seconds",
                job.schedule.interval_seconds
            ),
        ));
    }
    if job.deletion_threshold == Some(0) {
        problems.push(JobProblem::error(
            root.field("deletion_threshold"),
            "a deletion threshold of 0 would stage every deletion; use null to turn the guard off",
        ));
    }
    check_app_roles(&job.app_roles, &root.field("app_roles"), &mut problems);
    let objects = root.field("objects");
    if job.objects.is_empty() {
        problems.push(JobProblem::error(
            &objects,
            "the job maps no objects: add a user or group object mapping",
        ));
    }
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, object) in job.objects.iter().enumerate() {
        let at = objects.index(i);
        let kind = source_kind_name(object.source);
        if let Some(first) = kinds.get(kind) {
            problems.push(JobProblem::error(
                at.field("source"),
                format!("`{kind}` objects are already mapped by objects[{first}]; a job maps each source kind once"),
            ));
        } else {
            kinds.insert(kind, i);
        }
        check_object(object, &at, sources.as_ref(), &mut problems);
    }
    problems
}

/// Every role needs a value, unique without regard to case (targets compare
/// role values so), and none may take the name of the implicit Default Access.
fn check_app_roles(roles: &[AppRole], at: &Location, problems: &mut Vec<JobProblem>) {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (i, role) in roles.iter().enumerate() {
        let value = role.value.trim();
        let place = at.index(i).field("value");
        if value.is_empty() {
            problems.push(JobProblem::error(place, "the app role has no value"));
        } else if value.eq_ignore_ascii_case(DEFAULT_ACCESS) {
            problems.push(JobProblem::error(
                place,
                format!("`{DEFAULT_ACCESS}` is the role every assignment has without one; it cannot be defined"),
            ));
        } else if let Some(first) = seen.get(&value.to_lowercase()) {
            problems.push(JobProblem::error(
                place,
                format!("the value `{value}` is already the value of app_roles[{first}]"),
            ));
        } else {
            seen.insert(value.to_lowercase(), i);
        }
    }
}

fn source_kind_name(kind: SourceKind) -> &'static str {
    match kind {
        SourceKind::User => "user",
        SourceKind::Group => "group",
    }
}

fn check_target(job: &JobDefinition, root: &Location, problems: &mut Vec<JobProblem>) {
    let target = root.field("target");
    match (&job.target, job.direction) {
        (Target::Scim { base_url, .. }, direction) => {
            let lower = base_url.trim().to_ascii_lowercase();
            let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://"));
            if rest.is_none_or(str::is_empty) {
                problems.push(JobProblem::error(
                    target.field("base_url"),
                    format!("`{base_url}` is not an http:// or https:// URL"),
                ));
            } else if let Some(problem) = super::urls::plain_http_problem(base_url) {
                problems.push(JobProblem::error(target.field("base_url"), problem));
            }
            if direction == Direction::Inbound {
                problems.push(JobProblem::error(
                    target.field("kind"),
                    "an inbound job writes to Provisio's directory: use \"kind\": \"directory\"",
                ));
            }
        }
        (Target::Directory, Direction::Outbound) => problems.push(JobProblem::error(
            target.field("kind"),
            "an outbound job writes to an application, not to Provisio's directory: use \"kind\": \"scim\" \
             (or \"direction\": \"inbound\")",
        )),
        (Target::Directory, Direction::Inbound) => {}
        (Target::Ldap(_) | Target::Sql(_) | Target::Rest(_), Direction::Inbound) => problems.push(JobProblem::error(
            target.field("kind"),
            "an inbound job writes to Provisio's directory: use \"kind\": \"directory\"",
        )),
        (Target::Ldap(ldap), Direction::Outbound) => check_ldap(job, ldap, &target, problems),
        (Target::Sql(sql), Direction::Outbound) => check_sql(sql, &target, problems),
        (Target::Rest(rest), Direction::Outbound) => check_rest(rest, &target, problems),
    }
    if job.target.via_agent().is_some_and(|agent| agent.trim().is_empty()) {
        problems.push(JobProblem::error(
            target.field("via_agent"),
            "name the agent, or leave `via_agent` out to connect directly",
        ));
    }
    check_inbound(job, root, problems);
}

/// Whether `url` starts with one of the schemes and names something after it.
fn has_scheme(url: &str, schemes: &[&str]) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    schemes
        .iter()
        .any(|scheme| lower.strip_prefix(scheme).is_some_and(|rest| !rest.is_empty()))
}

fn check_ldap(job: &JobDefinition, ldap: &LdapTarget, target: &Location, problems: &mut Vec<JobProblem>) {
    if !has_scheme(&ldap.url, &["ldap://", "ldaps://"]) {
        problems.push(JobProblem::error(
            target.field("url"),
            format!("`{}` is not an ldap:// or ldaps:// URL", ldap.url),
        ));
    }
    if ldap.start_tls && ldap.url.trim().to_ascii_lowercase().starts_with("ldaps://") {
        problems.push(JobProblem::error(
            target.field("start_tls"),
            "an ldaps:// connection is already encrypted: StartTLS is for ldap:// URLs",
        ));
    }
    if let Some(pem) = &ldap.ca_certificate {
        let encrypted = ldap.start_tls || ldap.url.trim().to_ascii_lowercase().starts_with("ldaps://");
        if !pem.contains("-----BEGIN CERTIFICATE-----") {
            problems.push(JobProblem::error(
                target.field("ca_certificate"),
                "expected PEM text: one or more -----BEGIN CERTIFICATE----- blocks",
            ));
        } else if !encrypted {
            problems.push(JobProblem::error(
                target.field("ca_certificate"),
                "a CA certificate is only used by ldaps:// URLs and StartTLS",
            ));
        }
    }
    for (field, value) in [("bind_dn", &ldap.bind_dn), ("users_base_dn", &ldap.users_base_dn)] {
        if value.trim().is_empty() {
            problems.push(JobProblem::error(target.field(field), format!("`{field}` is empty")));
        }
    }
    if ldap.user_object_classes.is_empty() {
        problems.push(JobProblem::error(
            target.field("user_object_classes"),
            "name the structural object class of new users, e.g. [\"inetOrgPerson\"]",
        ));
    }
    if let LdapDisable::Attribute { attribute, .. } = &ldap.disable
        && attribute.trim().is_empty()
    {
        problems.push(JobProblem::error(
            target.field("disable").field("attribute"),
            "name the attribute",
        ));
    }
    // Every entry needs its DN: the object mapping's `dn` mapping builds it.
    for (i, object) in job.objects.iter().enumerate() {
        if object.enabled && !object.mappings.iter().any(|m| m.target.eq_ignore_ascii_case("dn")) {
            problems.push(JobProblem::error(
                Location::root().field("objects").index(i).field("mappings"),
                "an LDAP target needs a `dn` mapping that builds each entry's DN, e.g. \
                 Join(\",\", Join(\"=\", \"uid\", [mailNickname]), \"ou=people,dc=example,dc=org\")",
            ));
        }
        if object.source == SourceKind::Group && ldap.groups_base_dn.is_none() {
            problems.push(JobProblem::error(
                target.field("groups_base_dn"),
                "groups are mapped: say where they are searched for",
            ));
        }
    }
}

fn check_sql(sql: &SqlTarget, target: &Location, problems: &mut Vec<JobProblem>) {
    if !has_scheme(&sql.url, &["postgres://", "postgresql://", "sqlite://"]) {
        problems.push(JobProblem::error(
            target.field("url"),
            format!("`{}` is not a postgres:// or sqlite:// URL", sql.url),
        ));
    }
    let mut names = vec![
        ("users_table", sql.users_table.as_str()),
        ("key_column", sql.key_column.as_str()),
    ];
    if let Some(table) = &sql.groups_table {
        names.push(("groups_table", table));
    }
    if let Some(memberships) = &sql.memberships {
        names.extend([
            ("memberships.table", memberships.table.as_str()),
            ("memberships.group_column", memberships.group_column.as_str()),
            ("memberships.member_column", memberships.member_column.as_str()),
        ]);
    }
    if let SqlDisable::Column { column, .. } = &sql.disable {
        names.push(("disable.column", column));
    }
    for (field, name) in names {
        if !is_sql_identifier(name) {
            problems.push(JobProblem::error(
                target.field(field),
                format!("`{name}` is not a plain SQL name (letters, digits and _, not starting with a digit)"),
            ));
        }
    }
}

/// Names are put into statements as they are (parameters cannot name a
/// table), so only plain identifiers are allowed.
pub(crate) fn is_sql_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn check_rest(rest: &RestTarget, target: &Location, problems: &mut Vec<JobProblem>) {
    if !has_scheme(&rest.base_url, &["http://", "https://"]) {
        problems.push(JobProblem::error(
            target.field("base_url"),
            format!("`{}` is not an http:// or https:// URL", rest.base_url),
        ));
    } else if let Some(problem) = super::urls::plain_http_problem(&rest.base_url) {
        problems.push(JobProblem::error(target.field("base_url"), problem));
    }
    let resources = [("users", Some(&rest.users)), ("groups", rest.groups.as_ref())];
    for (name, resource) in resources {
        let Some(resource) = resource else { continue };
        let at = target.field(name);
        let calls = [
            ("create", Some(&resource.create)),
            ("read", Some(&resource.read)),
            ("update", Some(&resource.update)),
            ("delete", Some(&resource.delete)),
            ("disable", resource.disable.as_ref()),
        ];
        for (call_name, call) in calls {
            let Some(call) = call else { continue };
            let method = call.method.to_ascii_uppercase();
            if !["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&method.as_str()) {
                problems.push(JobProblem::error(
                    at.field(call_name).field("method"),
                    format!("`{}` is not GET, POST, PUT, PATCH or DELETE", call.method),
                ));
            }
            if !call.path.starts_with('/') {
                problems.push(JobProblem::error(
                    at.field(call_name).field("path"),
                    "a path starts with / (it is appended to base_url)",
                ));
            }
        }
        if !resource.find.path.starts_with('/') {
            problems.push(JobProblem::error(
                at.field("find").field("path"),
                "a path starts with / (it is appended to base_url)",
            ));
        }
        for (field, pointer) in [("id", &resource.id), ("find.results", &resource.find.results)] {
            if !(pointer.is_empty() || pointer.starts_with('/')) {
                problems.push(JobProblem::error(
                    at.field(field),
                    format!("`{pointer}` is not a JSON pointer (\"/id\", \"/data/items\")"),
                ));
            }
        }
    }
}

fn check_inbound(job: &JobDefinition, root: &Location, problems: &mut Vec<JobProblem>) {
    let at = root.field("inbound");
    match (&job.inbound, job.direction) {
        (Some(_), Direction::Outbound) => problems.push(JobProblem::error(
            at,
            "only inbound jobs take bulk uploads: remove \"inbound\" or set \"direction\": \"inbound\"",
        )),
        (Some(settings), Direction::Inbound) => {
            if !(1..=MAX_BULK_OPERATIONS).contains(&settings.max_operations) {
                problems.push(JobProblem::error(
                    at.field("max_operations"),
                    format!("allow 1 to {MAX_BULK_OPERATIONS} operations per bulk request"),
                ));
            }
            if settings.requests_per_second == 0 {
                problems.push(JobProblem::error(
                    at.field("requests_per_second"),
                    "allow at least 1 request per second",
                ));
            }
        }
        (None, _) => {}
    }
    if job.direction == Direction::Inbound {
        for (i, object) in job.objects.iter().enumerate() {
            if object.source == SourceKind::Group {
                problems.push(JobProblem::error(
                    root.field("objects").index(i).field("source"),
                    "inbound jobs provision users: records pushed to them are users",
                ));
            }
        }
    }
}

fn check_object(object: &ObjectMapping, at: &Location, sources: Option<&Sources<'_>>, problems: &mut Vec<JobProblem>) {
    if let Err(clause_problems) = CompiledScope::compile(&object.scoping) {
        for p in clause_problems {
            let place = at
                .field("scoping")
                .index(p.filter)
                .field("clauses")
                .index(p.clause)
                .field(p.field);
            problems.push(JobProblem::error(place, p.message));
        }
    }
    if let Some(sources) = sources {
        source_attributes::check_scoping(sources, object, at, problems);
    }
    let mappings = at.field("mappings");
    if object.mappings.is_empty() {
        problems.push(JobProblem::error(
            &mappings,
            "the object mapping has no attribute mappings",
        ));
    } else if object.enabled && object.mappings.iter().all(|m| m.match_precedence.is_none()) {
        problems.push(JobProblem::error(
            &mappings,
            "no attribute is used for matching: give at least one mapping a \"match_precedence\" (1 is tried first)",
        ));
    }
    // Canonical, lower-cased target path → index of its first mapping.
    let mut targets: BTreeMap<String, usize> = BTreeMap::new();
    let mut precedences: BTreeMap<u32, usize> = BTreeMap::new();
    for (j, mapping) in object.mappings.iter().enumerate() {
        let here = mappings.index(j);
        let key = match TargetPath::parse(&mapping.target) {
            Ok(path) => path.canonical(),
            Err(e) => {
                problems.push(JobProblem::error(
                    here.field("target"),
                    format!(
                        "`{}` is not a valid target path: {} (at offset {})",
                        mapping.target, e.message, e.offset
                    ),
                ));
                mapping.target.clone()
            }
        };
        if let Some(first) = targets.get(&key.to_lowercase()) {
            problems.push(JobProblem::error(
                here.field("target"),
                format!("`{}` is already mapped by mappings[{first}]", mapping.target),
            ));
        } else {
            targets.insert(key.to_lowercase(), j);
        }
        if let Some(precedence) = mapping.match_precedence {
            if let Some(first) = precedences.get(&precedence) {
                problems.push(JobProblem::error(
                    here.field("match_precedence"),
                    format!("match precedence {precedence} is already used by mappings[{first}]; each must be unique"),
                ));
            } else {
                precedences.insert(precedence, j);
            }
        }
        if let (Some(program), Some(sources)) = (check_expression(mapping, &here, problems), sources) {
            let at = here.field("expression");
            source_attributes::check_expression(
                sources,
                object.source,
                program.expr(),
                &mapping.expression,
                &at,
                problems,
            );
        }
    }
}

/// The expression's problems; its program when it compiles.
fn check_expression(
    mapping: &super::AttributeMapping,
    here: &Location,
    problems: &mut Vec<JobProblem>,
) -> Option<Program> {
    let at = here.field("expression");
    let program = match expr::compile(&mapping.expression) {
        Ok(program) => program,
        Err(diagnostics) => {
            let message = diagnostics
                .first()
                .map_or_else(|| "the expression does not compile".to_owned(), |d| d.message.clone());
            problems.push(JobProblem {
                diagnostics,
                source: Some(mapping.expression.clone()),
                ..JobProblem::error(&at, message)
            });
            return None;
        }
    };
    if program.calls("SelectUniqueValue") {
        if mapping.match_precedence.is_some() {
            problems.push(JobProblem::error(
                &at,
                "SelectUniqueValue cannot fill a matching attribute: the value it picks depends on the target, \
                 so it cannot identify the object",
            ));
        }
        if mapping.apply != Apply::OnCreate {
            problems.push(JobProblem::warning(
                &at,
                "SelectUniqueValue is meant for \"apply\": \"on_create\"; applied always, it may pick a new value \
                 on every update",
            ));
        }
    }
    if mapping.apply == Apply::Always {
        for function in ["Guid", "RandomString"] {
            if program.calls(function) {
                problems.push(JobProblem::warning(
                    &at,
                    format!(
                        "{function}() gives a new value every cycle, so with \"apply\": \"always\" the attribute \
                         changes on every update; use \"apply\": \"on_create\""
                    ),
                ));
            }
        }
    }
    if mapping.default.is_some() && program.kind() == MappingKind::Constant {
        problems.push(JobProblem::warning(
            here.field("default"),
            "the expression is a constant and never null, so the default is never used",
        ));
    }
    Some(program)
}
