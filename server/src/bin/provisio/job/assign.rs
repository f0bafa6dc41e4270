//! `provisio job assign JOB [--user U …] [--group G …] [--role ROLE] [--remove]`:
//! a job's assignments — listed, added or removed as the admin API's
//! `/api/v1/jobs/{id}/assignments` does, through a running server or on the
//! database (`Jobs::assignments`, `add_assignment`, `remove_assignment`).
//! Users are named by id or userPrincipalName, groups by id or displayName;
//! every name is resolved, and every removal checked, before anything
//! changes, so a mistake in one leaves the job as it was.

use std::fmt::Write as _;
use std::process::ExitCode;

use clap::{ArgGroup, Args};
use provisio_api::directory::{DirectoryGroup, GROUPS_PATH, Page, UserDetail, group_path, user_path};
use provisio_api::jobs::{Assignment, JobDetail, PrincipalType, encode_segment, job_assignments_path, job_path};
use provisio_engine::job::DEFAULT_ACCESS;
use provisio_server::directory::GroupLookup;
use provisio_server::jobs::JobError;

use super::lifecycle::jobs;
use crate::admin::{Stop, table};
use crate::remote::{Remote, query};
use crate::via::{self, Backend, Via};

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("principals").args(["users", "groups"]).multiple(true)))]
pub struct AssignArgs {
    /// The job: its name (any case) or its id.
    #[arg(value_name = "JOB")]
    job: String,
    /// A user to assign (or with --remove to unassign): its id or userPrincipalName. Repeat for more.
    #[arg(long = "user", value_name = "USER")]
    users: Vec<String>,
    /// A group to assign (or with --remove to unassign): its id or displayName (any case). Repeat for
    /// more.
    #[arg(long = "group", value_name = "GROUP")]
    groups: Vec<String>,
    /// The app role (the `value` of one of the job's app_roles) [default: Default Access]. With
    /// --remove: only the assignment with this role.
    #[arg(long, value_name = "ROLE", requires = "principals")]
    role: Option<String>,
    /// Unassign the users and groups instead: every role they have, or with --role that one.
    #[arg(long, requires = "principals")]
    remove: bool,
    #[command(flatten)]
    via: Via,
}

/// A user or group named on the command line, found in the directory.
#[derive(Debug, Clone)]
struct Principal {
    kind: PrincipalType,
    id: String,
    /// How the command line named it.
    given: String,
}

impl Principal {
    /// `user ada@contoso.com`, with the id when it was named otherwise.
    fn said(&self) -> String {
        if self.given == self.id {
            format!("{} {}", self.kind, self.id)
        } else {
            format!("{} {} ({})", self.kind, self.given, self.id)
        }
    }
}

pub fn run(args: AssignArgs) -> ExitCode {
    let via = args.via.clone();
    via::run(&via, |backend| async move { assign(&backend, &args).await })
}

/// Lists, assigns or unassigns; what to print.
async fn assign(backend: &Backend, args: &AssignArgs) -> Result<String, Stop> {
    let job = job(backend, &args.job).await?;
    let name = &job.definition.name;
    let current = list(backend, &job.id).await?;
    if args.users.is_empty() && args.groups.is_empty() {
        return Ok(render(name, &current));
    }
    let role = args.role.as_deref().map(|r| known(&job, Role::from(r))).transpose()?;
    let principals = resolve(backend, args).await?;
    let mut out = String::new();
    let after = if args.remove {
        // Every removal is checked first: one not there changes nothing.
        let missing: Vec<String> = principals
            .iter()
            .filter(|p| !current.iter().any(|a| a.id == p.id && role.is_none_or(|r| r.of(a))))
            .map(|p| format!("error: {} is not assigned to the job {name}{}", p.said(), with(role)))
            .collect();
        if !missing.is_empty() {
            return Err(Stop::Input(format!("{}\nnothing was unassigned", missing.join("\n"))));
        }
        for principal in &principals {
            remove(backend, &job.id, &principal.id, role).await?;
            let _ = writeln!(out, "unassigned {} from job {name}{}", principal.said(), with(role));
        }
        list(backend, &job.id).await?
    } else {
        let role = role.unwrap_or(Role::Default);
        let mut after = current.clone();
        for principal in &principals {
            if current.iter().any(|a| a.id == principal.id && role.of(a)) {
                let _ = writeln!(
                    out,
                    "{} already has {role} on job {name}: nothing changed",
                    principal.said()
                );
                continue;
            }
            let wanted = Assignment {
                role: role.value().map(str::to_owned),
                ..Assignment::new(principal.id.clone(), principal.kind)
            };
            after = add(backend, &job.id, &wanted).await?;
            let _ = writeln!(out, "assigned {} to job {name} with {role}", principal.said());
        }
        after
    };
    out.push_str(&render(name, &after));
    Ok(out)
}

/// The role `--role` names: Default Access (the assignment without a
/// role), or one of the job's app roles by its value (any case, as the
/// store compares them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role<'a> {
    Default,
    Named(&'a str),
}

impl<'a> From<&'a str> for Role<'a> {
    fn from(text: &'a str) -> Self {
        let text = text.trim();
        if text.is_empty() || text.eq_ignore_ascii_case(DEFAULT_ACCESS) {
            Role::Default
        } else {
            Role::Named(text)
        }
    }
}

impl<'a> Role<'a> {
    /// As an assignment or the API carries it: none for Default Access.
    fn value(self) -> Option<&'a str> {
        match self {
            Role::Default => None,
            Role::Named(role) => Some(role),
        }
    }

    /// Whether the assignment has this role.
    fn of(self, assignment: &Assignment) -> bool {
        match (self, assignment.role.as_deref()) {
            (Role::Default, None) => true,
            (Role::Named(wanted), Some(has)) => wanted.eq_ignore_ascii_case(has),
            _ => false,
        }
    }
}

impl std::fmt::Display for Role<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Role::Default => f.write_str(DEFAULT_ACCESS),
            Role::Named(role) => write!(f, "the role {role}"),
        }
    }
}

/// ` with the role Admin` for a removal of one role, or nothing.
fn with(role: Option<Role>) -> String {
    role.map(|r| format!(" with {r}")).unwrap_or_default()
}

/// The role as the job spells it, or, when the job has no such role, the
/// store's own refusal (naming the job's roles): checked before anything
/// changes.
fn known<'a>(job: &'a JobDetail, role: Role<'_>) -> Result<Role<'a>, Stop> {
    let Role::Named(role) = role else {
        return Ok(Role::Default);
    };
    let roles = &job.definition.app_roles;
    match roles.iter().find(|r| r.value.eq_ignore_ascii_case(role)) {
        Some(known) => Ok(Role::Named(&known.value)),
        None => Err(assignment_error(JobError::UnknownRole {
            role: role.to_owned(),
            known: roles.iter().map(|r| r.value.clone()).collect(),
        })),
    }
}

/// The assignments as a table, or that there are none.
fn render(job: &str, assignments: &[Assignment]) -> String {
    if assignments.is_empty() {
        return format!("job {job} has no assignments\n");
    }
    let rows = assignments
        .iter()
        .map(|a| {
            vec![
                a.kind.to_string(),
                a.display_name
                    .clone()
                    .unwrap_or_else(|| "(gone from the directory)".to_owned()),
                a.id.clone(),
                a.role.clone().unwrap_or_else(|| DEFAULT_ACCESS.to_owned()),
            ]
        })
        .collect();
    table(&["TYPE", "NAME", "ID", "ROLE"], rows)
}

/// Every `--user` and `--group`, found, each once; or every name that
/// finds nothing, or more than one object, as one input error.
async fn resolve(backend: &Backend, args: &AssignArgs) -> Result<Vec<Principal>, Stop> {
    let mut found: Vec<Principal> = Vec::new();
    let mut problems = Vec::new();
    for key in &args.users {
        match find_user(backend, key).await? {
            Ok(p) if !found.iter().any(|f| f.id == p.id && f.kind == p.kind) => found.push(p),
            Ok(_) => {}
            Err(problem) => problems.push(format!("error: {problem}")),
        }
    }
    for key in &args.groups {
        match find_group(backend, key).await? {
            Ok(p) if !found.iter().any(|f| f.id == p.id && f.kind == p.kind) => found.push(p),
            Ok(_) => {}
            Err(problem) => problems.push(format!("error: {problem}")),
        }
    }
    if problems.is_empty() {
        Ok(found)
    } else {
        problems.push(format!(
            "nothing was {}",
            if args.remove { "unassigned" } else { "assigned" }
        ));
        Err(Stop::Input(problems.join("\n")))
    }
}

/// A live user by id or userPrincipalName (any case), or why not.
async fn find_user(backend: &Backend, key: &str) -> Result<Result<Principal, String>, Stop> {
    let user = match backend {
        Backend::Server(remote) => {
            let detail: Option<UserDetail> = remote.find(&user_path(&encode_segment(key))).await?;
            detail.map(|d| (d.user.id, d.user.meta.deleted_at.is_some()))
        }
        Backend::Database(store) => {
            let user = store.directory().user_by_id_or_upn(key).await.map_err(failed)?;
            user.map(|u| {
                let deleted = u.is_deleted();
                (u.id, deleted)
            })
        }
    };
    Ok(match user {
        None => Err(format!("no user has the id or userPrincipalName {key:?}")),
        Some((id, true)) => Err(format!("the user {key:?} ({id}) is deleted: restore it first")),
        Some((id, false)) => Ok(Principal {
            kind: PrincipalType::User,
            id,
            given: key.to_owned(),
        }),
    })
}

/// A live group by id, else by displayName (any case, exactly one), or why not.
async fn find_group(backend: &Backend, key: &str) -> Result<Result<Principal, String>, Stop> {
    let ids = match backend {
        Backend::Server(remote) => {
            let by_id: Option<DirectoryGroup> = remote.find(&group_path(&encode_segment(key))).await?;
            match by_id.filter(|g| g.meta.deleted_at.is_none()) {
                Some(group) => vec![group.id],
                None => groups_named(remote, key).await?,
            }
        }
        Backend::Database(store) => {
            let directory = store.directory();
            match directory.group_without_members(key).await.map_err(failed)? {
                Some(group) => vec![group.id],
                None => {
                    let mut ids = Vec::new();
                    let lookup = GroupLookup::DisplayName(key.to_owned());
                    directory
                        .scan_groups(Some(&lookup), |group| ids.push(group.id))
                        .await
                        .map_err(failed)?;
                    ids
                }
            }
        }
    };
    Ok(match ids.as_slice() {
        [] => Err(format!("no group has the id or displayName {key:?}")),
        [id] => Ok(Principal {
            kind: PrincipalType::Group,
            id: id.clone(),
            given: key.to_owned(),
        }),
        several => Err(format!(
            "{} groups have the displayName {key:?} ({}): name one by its id",
            several.len(),
            several.join(", ")
        )),
    })
}

/// The ids of the live groups whose displayName is `name` (any case):
/// the server's search finds those containing it, page by page.
async fn groups_named(remote: &Remote, name: &str) -> Result<Vec<String>, Stop> {
    const LIMIT: usize = provisio_api::directory::MAX_LIMIT;
    let wanted = name.to_lowercase();
    let mut ids = Vec::new();
    let mut offset = 0;
    loop {
        let path = format!(
            "{GROUPS_PATH}{}",
            query(&[
                ("search", Some(name.to_owned())),
                ("offset", Some(offset.to_string())),
                ("limit", Some(LIMIT.to_string())),
            ])
        );
        let page: Page<DirectoryGroup> = remote.get(&path).await?;
        let seen = page.items.len();
        ids.extend(
            page.items
                .into_iter()
                .filter(|g| {
                    let display_name = g.attributes.get("displayName").and_then(serde_json::Value::as_str);
                    display_name.is_some_and(|n| n.to_lowercase() == wanted)
                })
                .map(|g| g.id),
        );
        offset += seen;
        if seen == 0 || offset >= page.total {
            return Ok(ids);
        }
    }
}

async fn job(backend: &Backend, name: &str) -> Result<JobDetail, Stop> {
    match backend {
        Backend::Server(remote) => remote.get(&job_path(name)).await,
        Backend::Database(store) => jobs(store)?.get(name).await.map_err(assignment_error),
    }
}

async fn list(backend: &Backend, job: &str) -> Result<Vec<Assignment>, Stop> {
    match backend {
        Backend::Server(remote) => remote.get(&job_assignments_path(job)).await,
        Backend::Database(store) => jobs(store)?.assignments(job).await.map_err(assignment_error),
    }
}

async fn add(backend: &Backend, job: &str, assignment: &Assignment) -> Result<Vec<Assignment>, Stop> {
    match backend {
        Backend::Server(remote) => remote.post(&job_assignments_path(job), assignment).await,
        Backend::Database(store) => jobs(store)?
            .add_assignment(job, assignment)
            .await
            .map_err(assignment_error),
    }
}

/// Unassigns one principal: every assignment it has, or the one with `role`.
async fn remove(backend: &Backend, job: &str, principal: &str, role: Option<Role<'_>>) -> Result<(), Stop> {
    // The API and the store name the assignment without a role so.
    let role = role.map(|r| r.value().unwrap_or(DEFAULT_ACCESS));
    match backend {
        Backend::Server(remote) => {
            let path = format!(
                "{}/{}{}",
                job_assignments_path(job),
                encode_segment(principal),
                query(&[("role", role.map(str::to_owned))])
            );
            remote.delete(&path).await
        }
        Backend::Database(store) => jobs(store)?
            .remove_assignment(job, principal, role)
            .await
            .map_err(assignment_error),
    }
}

/// The caller's mistakes (an unknown job, user, group or role, someone not
/// assigned) exit 2, as the admin API answers them `400` or `404`; the
/// rest are failures.
fn assignment_error(error: JobError) -> Stop {
    match error {
        JobError::NotFound { .. }
        | JobError::UnknownPrincipal { .. }
        | JobError::UnknownRole { .. }
        | JobError::NotAssigned { .. } => Stop::Input(format!("error: {error}")),
        other => Stop::Failed(format!("error: {other}")),
    }
}

fn failed(error: impl std::fmt::Display) -> Stop {
    Stop::Failed(format!("error: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(roles: &str) -> JobDetail {
        let definition = provisio_engine::job::parse(
            &format!(r#"{{"name": "Acme", "target": {{"kind": "directory"}}, "objects": [], "app_roles": {roles}}}"#),
            provisio_engine::job::Format::Json,
        )
        .unwrap();
        JobDetail {
            id: "j-1".to_owned(),
            definition,
            secrets: Default::default(),
            state: provisio_api::jobs::JobState::Stopped,
            version: 1,
            created_at: "2026-11-26T09:00:00Z".to_owned(),
            modified_at: "2026-11-26T09:00:00Z".to_owned(),
            state_changed_at: "2026-11-26T09:00:00Z".to_owned(),
            restart_requested_at: None,
            connection_changed_at: None,
            warnings: Vec::new(),
        }
    }

    #[test]
    fn roles_are_spelt_as_the_job_spells_them_and_default_access_is_none() {
        let acme = job(r#"[{"value": "Admin"}, {"value": "Reader"}]"#);
        let known = |text: &str| known(&acme, Role::from(text)).map_err(|stop| format!("{stop:?}"));
        assert_eq!(known("admin"), Ok(Role::Named("Admin")));
        assert_eq!(known(" default access "), Ok(Role::Default));
        assert_eq!(known(""), Ok(Role::Default));
        let owner = known("Owner").unwrap_err();
        assert!(
            owner.contains("no app role `Owner`; its roles are Default Access, Admin, Reader"),
            "{owner}"
        );
        let reader = Assignment::new("u-1", PrincipalType::User).with_role("Reader");
        let default = Assignment::new("u-1", PrincipalType::User);
        assert!(Role::Named("READER").of(&reader) && !Role::Default.of(&reader));
        assert!(Role::Default.of(&default) && !Role::Named("Reader").of(&default));
        assert_eq!(Role::Default.to_string(), "Default Access");
        assert_eq!(Role::Named("Admin").to_string(), "the role Admin");
    }

    #[test]
    fn assignments_are_a_table_or_a_sentence() {
        assert_eq!(render("Acme", &[]), "job Acme has no assignments\n");
        let ada = Assignment {
            display_name: Some("Ada".to_owned()),
            ..Assignment::new("u-1", PrincipalType::User).with_role("Admin")
        };
        let gone = Assignment::new("g-9", PrincipalType::Group);
        assert_eq!(
            render("Acme", &[ada, gone]),
            "TYPE   NAME                       ID   ROLE\n\
             user   Ada                        u-1  Admin\n\
             group  (gone from the directory)  g-9  Default Access\n"
        );
    }
}
