//! How a reference write (a user's manager, a group's members) reads in the
//! provisioning logs: the referencing object by name on both sides, the
//! referenced objects by name with their target ids beside them, and steps
//! saying what the directory names, what of it exists in the target and
//! what was written, so that searching the logs for a user finds their
//! manager change and a reader sees who, not only ids. Names come from the
//! directory, on whichever side of the job it is (the source of an outbound
//! job, the target of an inbound one).

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use provisio_engine::Value;
use provisio_engine::plan::{Step, StepDetails};

use super::*;
use crate::cycle::state::ReferenceRow;

/// How many objects a step names before it says how many more there are.
const NAMED_IN_A_STEP: usize = 10;

/// How many values a modified property lists before it says how many more
/// there are: a change to a group of a hundred thousand logs what changed
/// in full (its steps) and the lists only this far.
const LISTED_IN_MODIFIED: usize = 100;

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
    /// The names of `row`'s object and of the referenced objects its log
    /// entry shows: `targets` (target ids) and `sources` (source ids);
    /// `linked` maps the row's source ids to target ids. Only what is shown
    /// is looked up, so a big group's entry costs what it lists.
    pub(super) async fn reference_names(
        &self,
        row: &ReferenceRow,
        linked: &HashMap<String, String>,
        targets: &[String],
        sources: &[String],
    ) -> Result<ReferenceNames, CycleError> {
        let directory = self.store.directory();
        if self.job.definition.direction == provisio_engine::job::Direction::Inbound {
            // The directory is the target: its ids are target ids.
            let mut ids: Vec<String> = targets.to_vec();
            ids.extend(sources.iter().filter_map(|source| linked.get(source).cloned()));
            ids.push(row.target_id.clone());
            let targets = directory.names_of(&ids).await?;
            let sources = sources
                .iter()
                .filter_map(|source| {
                    let name = targets.get(linked.get(source)?)?;
                    Some((source.clone(), name.clone()))
                })
                .collect();
            return Ok(ReferenceNames {
                object: targets.get(&row.target_id).cloned(),
                targets,
                sources,
            });
        }
        let shown: HashSet<&str> = targets.iter().map(String::as_str).collect();
        let mut source_of: HashMap<String, String> = linked
            .iter()
            .filter(|(_, target)| shown.contains(target.as_str()))
            .map(|(source, target)| (target.clone(), source.clone()))
            .collect();
        source_of.insert(row.target_id.clone(), row.source_id.clone());
        let unknown: Vec<String> = targets
            .iter()
            .filter(|id| !source_of.contains_key(*id))
            .cloned()
            .collect();
        if !unknown.is_empty() {
            source_of.extend(self.state.sources_of(&unknown).await?);
        }
        let mut ids: Vec<String> = sources.to_vec();
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

/// The ids a reference write's log entry shows by name: target ids (the
/// values of its modified property and what was added and removed) and
/// source ids (what the directory names, what waits).
pub(super) fn shown_ids(write: &ReferenceWrite<'_>) -> (Vec<String>, Vec<String>) {
    let (added, removed) = super::references::differences(write.old, write.new);
    let targets = write
        .old
        .iter()
        .take(LISTED_IN_MODIFIED)
        .chain(write.new.iter().take(LISTED_IN_MODIFIED))
        .chain(added.iter().take(NAMED_IN_A_STEP))
        .chain(removed.iter().take(NAMED_IN_A_STEP))
        .cloned()
        .collect();
    let sources = write
        .row
        .desired
        .iter()
        .take(NAMED_IN_A_STEP)
        .chain(write.waiting.iter().take(NAMED_IN_A_STEP))
        .cloned()
        .collect();
    (targets, sources)
}

/// A modified property's value as a log entry shows it: the target ids by
/// name, at most [`LISTED_IN_MODIFIED`] of them then how many more.
pub(super) fn labels_value(ids: &[String], names: &ReferenceNames) -> Value {
    let mut shown = labels(&ids[..ids.len().min(LISTED_IN_MODIFIED)], names);
    if ids.len() > LISTED_IN_MODIFIED {
        shown.push(format!("… and {} more", ids.len() - LISTED_IN_MODIFIED));
    }
    match shown.as_slice() {
        [] => Value::Null,
        [one] => Value::Str(one.clone()),
        many => Value::Multi(many.iter().cloned().map(Value::Str).collect()),
    }
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
        format!(
            "The directory names {} as {path} of {}",
            listed_by(&row.desired, |id| names.source(id)),
            names.source(&row.source_id)
        )
    };
    if !new.is_empty() {
        let _ = write!(found, "; in the target: {}", listed_by(new, |id| names.target(id)));
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
        done.push(format!("added {}", listed_by(&added, |id| names.target(id))));
    }
    if !removed.is_empty() {
        done.push(format!("removed {}", listed_by(&removed, |id| names.target(id))));
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
    let (subject, object) = if waiting.len() == 1 {
        ("it", "it")
    } else {
        ("they", "them")
    };
    format!(
        "waiting for {} to exist in the target: written once a run provisions {object} ({subject} may be out \
         of scope)",
        listed_by(waiting, |id| names.source(id))
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

/// The ids as [`listed`] shows them, only the shown ones labelled.
fn listed_by(ids: &[String], label: impl Fn(&str) -> String) -> String {
    let shown: Vec<String> = ids.iter().take(NAMED_IN_A_STEP).map(|id| label(id)).collect();
    listed_first(&shown, ids.len())
}

/// "a", "a and b", "a, b and c", at most [`NAMED_IN_A_STEP`] then "and N more".
#[cfg(test)]
fn listed(items: &[String]) -> String {
    let shown: Vec<String> = items.iter().take(NAMED_IN_A_STEP).cloned().collect();
    listed_first(&shown, items.len())
}

/// The first items of `total`, with how many more there are.
fn listed_first(shown: &[String], total: usize) -> String {
    let more = total - shown.len();
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

    #[test]
    fn a_big_groups_entry_names_what_it_lists_not_the_group() {
        let desired: Vec<String> = (0..1_000).map(|i| format!("u{i}")).collect();
        let mut row = row("members", &[]);
        row.desired = desired;
        let old: Vec<String> = (0..1_000).map(|i| format!("t{i}")).collect();
        let mut new = old[5..].to_vec();
        new.extend(["t-new".to_owned()]);
        let write = ReferenceWrite {
            row: &row,
            old: &old,
            new: &new,
            waiting: &[],
            succeeded: true,
        };
        let (targets, sources) = shown_ids(&write);
        assert_eq!(
            targets.len(),
            LISTED_IN_MODIFIED * 2 + 1 + 5,
            "the lists' first values, what changed"
        );
        assert!(targets.contains(&"t-new".to_owned()) && targets.contains(&"t4".to_owned()));
        assert_eq!(sources.len(), NAMED_IN_A_STEP);

        let Value::Multi(listed) = labels_value(&old, &names()) else {
            panic!("a list")
        };
        assert_eq!(listed.len(), LISTED_IN_MODIFIED + 1);
        assert_eq!(listed.last(), Some(&Value::Str("… and 900 more".into())));
        let steps = reference_steps(&write, &names());
        assert!(
            steps[1]
                .description
                .ends_with("added t-new; removed t0, ada@contoso.com (t1), grace@contoso.com (t2), t3 and t4"),
            "{}",
            steps[1].description
        );
    }
}
