//! How a reference write (a user's manager, a group's members) reads in the
//! provisioning logs: the referencing object by name on both sides, the
//! referenced objects by name with their target ids beside them, and steps
//! saying what the directory names, what of it exists in the target and
//! what was written, so that searching the logs for a user finds their
//! manager change and a reader sees who, not only ids. Names come from the
//! directory, on whichever side of the job it is (the source of an outbound
//! job, the target of an inbound one).

use std::collections::HashMap;
use std::fmt::Write as _;

use provisio_engine::plan::{Step, StepDetails};

use super::*;
use crate::cycle::state::ReferenceRow;

/// How many objects a step names before it says how many more there are.
const NAMED_IN_A_STEP: usize = 10;

/// The directory's names of the objects one reference write involves.
#[derive(Debug, Default)]
pub(super) struct ReferenceNames {
    /// The referencing object's name.
    object: Option<String>,
    /// Target id → name.
    targets: HashMap<String, String>,
    /// Source id → name.
    sources: HashMap<String, String>,
}

impl ReferenceNames {
    /// A target object as logs show it: `name (target id)`, or the id alone.
    pub(super) fn target(&self, id: &str) -> String {
        labelled(self.targets.get(id), id)
    }

    /// A source object as logs show it: `name (source id)`, or the id alone.
    pub(super) fn source(&self, id: &str) -> String {
        labelled(self.sources.get(id), id)
    }

    /// The referencing object's name, when the directory has it.
    pub(super) fn object(&self) -> Option<String> {
        self.object.clone()
    }
}

fn labelled(name: Option<&String>, id: &str) -> String {
    match name {
        Some(name) if name != id => format!("{name} ({id})"),
        _ => id.to_owned(),
    }
}

impl Pipeline {
    /// The names of `row`'s object and of the referenced objects: those the
    /// directory names (`linked` maps their source ids to target ids) and
    /// the target ids `written` before or now.
    pub(super) async fn reference_names(
        &self,
        row: &ReferenceRow,
        linked: &HashMap<String, String>,
        written: &[String],
    ) -> Result<ReferenceNames, CycleError> {
        let directory = self.store.directory();
        if self.job.definition.direction == provisio_engine::job::Direction::Inbound {
            // The directory is the target: its ids are target ids.
            let mut ids: Vec<String> = written.to_vec();
            ids.extend(linked.values().cloned());
            ids.push(row.target_id.clone());
            let targets = directory.names_of(&ids).await?;
            let sources = linked
                .iter()
                .filter_map(|(source, target)| targets.get(target).map(|name| (source.clone(), name.clone())))
                .collect();
            return Ok(ReferenceNames {
                object: targets.get(&row.target_id).cloned(),
                targets,
                sources,
            });
        }
        let mut source_of: HashMap<String, String> = linked.iter().map(|(s, t)| (t.clone(), s.clone())).collect();
        source_of.insert(row.target_id.clone(), row.source_id.clone());
        let unknown: Vec<String> = written
            .iter()
            .filter(|id| !source_of.contains_key(*id))
            .cloned()
            .collect();
        if !unknown.is_empty() {
            source_of.extend(self.state.sources_of(&unknown).await?);
        }
        let mut ids: Vec<String> = row.desired.clone();
        ids.extend(source_of.values().cloned());
        ids.push(row.source_id.clone());
        ids.sort();
        ids.dedup();
        let sources = directory.names_of(&ids).await?;
        let targets = source_of
            .iter()
            .filter_map(|(target, source)| sources.get(source).map(|name| (target.clone(), name.clone())))
            .collect();
        Ok(ReferenceNames {
            object: sources.get(&row.source_id).cloned(),
            targets,
            sources,
        })
    }
}

/// What a reference write changes, for its steps.
pub(super) struct ReferenceWrite<'a> {
    pub row: &'a ReferenceRow,
    /// Target ids written before.
    pub old: &'a [String],
    /// Target ids written now.
    pub new: &'a [String],
    /// Source ids the directory names that have no target object yet.
    pub waiting: &'a [String],
    /// Whether the target took the write.
    pub succeeded: bool,
}

/// The steps of a reference write: what the directory names and what of it
/// exists in the target (matching), then what was written (action).
pub(super) fn reference_steps(write: &ReferenceWrite<'_>, names: &ReferenceNames) -> Vec<Step> {
    let ReferenceWrite {
        row,
        old,
        new,
        waiting,
        succeeded,
    } = write;
    let path = short_path(&row.path);
    let mut found = if row.desired.is_empty() {
        format!("The directory names no {path} for {}", names.source(&row.source_id))
    } else {
        let named = row.desired.iter().map(|id| names.source(id)).collect::<Vec<_>>();
        format!(
            "The directory names {} as {path} of {}",
            listed(&named),
            names.source(&row.source_id)
        )
    };
    if !new.is_empty() {
        let _ = write!(found, "; in the target: {}", listed(&labels(new, names)));
    }
    if !waiting.is_empty() {
        let _ = write!(found, "; {}", waiting_sentence(waiting, names));
    }
    let matching = Step::new(
        StepKind::Matching,
        StepStatus::Success,
        found,
        StepDetails::Matching {
            linked: Some(row.target_id.clone()),
            queries: Vec::new(),
            matched: None,
            candidates: Vec::new(),
        },
    );
    let (added, removed) = super::references::differences(old, new);
    let mut done = Vec::new();
    if !added.is_empty() {
        done.push(format!("added {}", listed(&labels(&added, names))));
    }
    if !removed.is_empty() {
        done.push(format!("removed {}", listed(&labels(&removed, names))));
    }
    let verb = if *succeeded { "Updated" } else { "Updating" };
    let failed = if *succeeded { "" } else { " failed" };
    let description = format!(
        "{verb} {path} of {} in the target{failed}: {}",
        names.target(&row.target_id),
        done.join("; ")
    );
    let action = Step::new(
        StepKind::Action,
        if *succeeded {
            StepStatus::Success
        } else {
            StepStatus::Failure
        },
        description,
        StepDetails::Action {
            reason: None,
            failures: Vec::new(),
        },
    );
    vec![matching, action]
}

/// "waits for X (id) to exist in the target: written once a run provisions it".
pub(super) fn waiting_sentence(waiting: &[String], names: &ReferenceNames) -> String {
    let named: Vec<String> = waiting.iter().map(|id| names.source(id)).collect();
    let (subject, object) = if waiting.len() == 1 {
        ("it", "it")
    } else {
        ("they", "them")
    };
    format!(
        "waiting for {} to exist in the target: written once a run provisions {object} ({subject} may be out \
         of scope)",
        listed(&named)
    )
}

/// Target ids as logs show them, by name.
pub(super) fn labels(ids: &[String], names: &ReferenceNames) -> Vec<String> {
    ids.iter().map(|id| names.target(id)).collect()
}

/// The last segment of a path: `manager` of the enterprise extension's URN.
pub(super) fn short_path(path: &str) -> &str {
    path.rsplit(':').next().unwrap_or(path)
}

/// "a", "a and b", "a, b and c", at most [`NAMED_IN_A_STEP`] then "and N more".
fn listed(items: &[String]) -> String {
    let shown: Vec<String> = items.iter().take(NAMED_IN_A_STEP).cloned().collect();
    let more = items.len() - shown.len();
    if more > 0 {
        return format!("{} and {more} more", shown.join(", "));
    }
    match shown.split_last() {
        None => "none".to_owned(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cycle::state::Pending;

    fn names() -> ReferenceNames {
        ReferenceNames {
            object: Some("ada@contoso.com".into()),
            targets: [("t1", "ada@contoso.com"), ("t2", "grace@contoso.com")]
                .map(|(id, name)| (id.to_owned(), name.to_owned()))
                .into(),
            sources: [
                ("u1", "ada@contoso.com"),
                ("u2", "grace@contoso.com"),
                ("u3", "alan@contoso.com"),
            ]
            .map(|(id, name)| (id.to_owned(), name.to_owned()))
            .into(),
        }
    }

    fn row(path: &str, desired: &[&str]) -> ReferenceRow {
        ReferenceRow {
            object_type: ObjectType::User,
            source_id: "u1".into(),
            path: path.into(),
            target_id: "t1".into(),
            desired: desired.iter().map(|id| (*id).to_owned()).collect(),
            exported: Vec::new(),
            pending: Pending::Changed,
        }
    }

    #[test]
    fn objects_are_named_with_their_ids_beside() {
        let names = names();
        assert_eq!(names.target("t2"), "grace@contoso.com (t2)");
        assert_eq!(names.source("u3"), "alan@contoso.com (u3)");
        assert_eq!(names.target("t7"), "t7", "unnamed: the id alone");
        assert_eq!(names.object().as_deref(), Some("ada@contoso.com"));
    }

    #[test]
    fn a_manager_write_says_who_in_words() {
        let row = row(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
            &["u2"],
        );
        let new = ["t2".to_owned()];
        let write = ReferenceWrite {
            row: &row,
            old: &[],
            new: &new,
            waiting: &[],
            succeeded: true,
        };
        let steps = reference_steps(&write, &names());
        let said: Vec<&str> = steps.iter().map(|s| &*s.description).collect();
        assert_eq!(
            said,
            [
                "The directory names grace@contoso.com (u2) as manager of ada@contoso.com (u1); in the target: \
                 grace@contoso.com (t2)",
                "Updated manager of ada@contoso.com (t1) in the target: added grace@contoso.com (t2)",
            ]
        );
    }

    #[test]
    fn members_waiting_for_their_objects_are_named() {
        let row = row("members", &["u2", "u3"]);
        let new = ["t2".to_owned()];
        let waiting = ["u3".to_owned()];
        let write = ReferenceWrite {
            row: &row,
            old: &[],
            new: &new,
            waiting: &waiting,
            succeeded: false,
        };
        let steps = reference_steps(&write, &names());
        assert!(
            steps[0]
                .description
                .ends_with("waiting for alan@contoso.com (u3) to exist in the target: written once a run provisions it (it may be out of scope)"),
            "{}",
            steps[0].description
        );
        assert_eq!(steps[1].status, StepStatus::Failure);
        assert!(
            steps[1]
                .description
                .starts_with("Updating members of ada@contoso.com (t1) in the target failed")
        );
    }

    #[test]
    fn long_lists_are_cut() {
        let items: Vec<String> = (1..=12).map(|i| i.to_string()).collect();
        assert_eq!(listed(&items[..1]), "1");
        assert_eq!(listed(&items[..3]), "1, 2 and 3");
        assert_eq!(listed(&items), "1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 2 more");
    }
}
