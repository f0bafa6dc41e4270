//! Provisioning on demand: one directory user now, or a group with up to
//! [`ON_DEMAND_MEMBERS`] of its direct members, through the job's pipeline,
//! logged as an on-demand run.

use super::*;

/// Members a group's on-demand run provisions with it, at most (as Entra).
pub const ON_DEMAND_MEMBERS: usize = 5;

/// A group's on-demand run: the group's outcome, its chosen members' and how
/// many reference writes (memberships) followed.
#[derive(Debug, Clone, Serialize)]
pub struct GroupOnDemand {
    pub run_id: String,
    pub group: ObjectOutcome,
    pub members: Vec<ObjectOutcome>,
    pub references: u64,
    pub failed_references: u64,
}

/// Runs the pipeline now for a group, named by its id or displayName, and
/// up to [`ON_DEMAND_MEMBERS`] of its direct member users (ids or
/// userPrincipalNames): the members first, then the group, then the group's
/// memberships for the members the job has provisioned. Logged as one
/// on-demand run.
pub async fn provision_group_on_demand(
    store: &Store,
    jobs: &Jobs,
    job_id: &str,
    group: &str,
    members: &[String],
) -> Result<GroupOnDemand, CycleError> {
    if members.len() > ON_DEMAND_MEMBERS {
        return Err(CycleError::Invalid(format!(
            "members: at most {ON_DEMAND_MEMBERS} members can be provisioned on demand with a group, not {}",
            members.len()
        )));
    }
    let mut pipeline = Pipeline::open(store, jobs, job_id, PipelineRun::OnDemand).await?;
    pipeline.require_directory_source()?;
    let directory = store.directory();
    let found = match directory.group_including_deleted(group).await? {
        Some(found) => Some(found),
        None => {
            let mut found = None;
            directory
                .scan_groups(Some(&GroupLookup::DisplayName(group.to_owned())), |g| {
                    found.get_or_insert(g);
                })
                .await?;
            found
        }
    };
    let found = found.ok_or_else(|| CycleError::NoSuchGroup(group.to_owned()))?;
    let mut chosen = Vec::new();
    for member in members {
        let user = find_user(store, member).await?;
        if !found.members.iter().any(|m| m.id == user.id) {
            return Err(CycleError::Invalid(format!(
                "members: `{member}` is not a direct member of the group `{}`",
                found.display_name()
            )));
        }
        chosen.push(user);
    }
    let mut outcomes = Vec::new();
    for user in &chosen {
        outcomes.push(pipeline.process(&Incoming::user(user), None).await?);
    }
    let mut outcome = pipeline.process(&Incoming::group(&found), None).await?;
    let mut report = CycleReport::default();
    for (user, member) in chosen.iter().zip(&mut outcomes) {
        member.references = pipeline
            .settle_references_of(ObjectType::User, &user.id, &mut report)
            .await?;
    }
    outcome.references = pipeline
        .settle_references_of(ObjectType::Group, &found.id, &mut report)
        .await?;
    let run = GroupOnDemand {
        run_id: pipeline.run_id().to_owned(),
        group: outcome,
        members: outcomes,
        references: report.references,
        failed_references: report.failed_references,
    };
    pipeline.close().await;
    Ok(run)
}

/// A directory user by id or userPrincipalName, deleted or not.
async fn find_user(store: &Store, user: &str) -> Result<User, CycleError> {
    store
        .directory()
        .user_by_id_or_upn(user)
        .await?
        .ok_or_else(|| CycleError::NoSuchUser(user.to_owned()))
}

/// Runs the pipeline now for one user, named by its directory id or its
/// userPrincipalName, and logs it as an on-demand run.
pub async fn provision_on_demand(
    store: &Store,
    jobs: &Jobs,
    job_id: &str,
    user: &str,
) -> Result<(String, ObjectOutcome), CycleError> {
    let mut pipeline = Pipeline::open(store, jobs, job_id, PipelineRun::OnDemand).await?;
    pipeline.require_directory_source()?;
    let found = find_user(store, user).await?;
    let mut outcome = pipeline.process(&Incoming::user(&found), None).await?;
    outcome.references = pipeline
        .settle_references_of(ObjectType::User, &found.id, &mut CycleReport::default())
        .await?;
    let run_id = pipeline.run_id().to_owned();
    pipeline.close().await;
    Ok((run_id, outcome))
}
