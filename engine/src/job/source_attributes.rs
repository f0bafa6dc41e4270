//! The check of a job definition's source attributes against what its
//! source objects carry: the directory's attribute catalogue for outbound
//! jobs, the SCIM paths of pushed records for inbound ones. Every place that
//! names a source attribute — each `[attribute]` of each mapping's
//! expression (read from the parsed expression, matching mappings
//! included) and each scoping clause's attribute — is looked up, and an
//! unknown one is a warning at its place, with the closest known name. A
//! warning, not an error: the attribute may be about to exist (an extension
//! defined after the job), but until then it is always null.

use std::collections::BTreeMap;

use super::validate::{JobProblem, Location};
use super::{Direction, ObjectMapping, SourceKind};
use crate::attributes::Catalogue;
use crate::diagnostic::{Code, Diagnostic};
use crate::expr::Expr;
use crate::inbound_record::schema::{self, Lookup};
use crate::span::Span;

/// What a job's source objects carry: the catalogue, and which way the
/// job runs (inbound jobs read pushed records, not the directory).
#[derive(Debug, Clone, Copy)]
pub(super) struct Sources<'a> {
    pub catalogue: &'a Catalogue,
    pub direction: Direction,
}

/// An unknown name: what is wrong in a few words (a diagnostic's message),
/// the whole message (with the closest known name or where to look), and
/// the suggestion alone (a diagnostic's help).
struct Unknown {
    headline: String,
    message: String,
    help: Option<String>,
}

impl Sources<'_> {
    /// `None` when objects of `kind` carry `name`.
    fn unknown(&self, kind: SourceKind, name: &str) -> Option<Unknown> {
        let (suggestion, what) = match self.direction {
            Direction::Outbound => {
                if self.catalogue.has(kind, name) {
                    return None;
                }
                let what = match kind {
                    SourceKind::User => "the directory's users",
                    SourceKind::Group => "the directory's groups",
                };
                (self.catalogue.suggest(kind, name), what)
            }
            Direction::Inbound => match schema::lookup(name) {
                Lookup::Known => return None,
                Lookup::Unknown { suggestion } => (suggestion, "the records pushed to an inbound job"),
            },
        };
        let headline = format!("`{name}` is not an attribute of {what}");
        let mut message = format!("{headline}, so it is always empty");
        let help = suggestion.map(|close| {
            if close.eq_ignore_ascii_case(name) {
                format!("did you mean `{close}`? (attribute names are case-sensitive)")
            } else {
                format!("did you mean `{close}`?")
            }
        });
        match (&help, self.direction, kind) {
            (Some(help), ..) => message.push_str(&format!(": {help}")),
            (None, Direction::Outbound, SourceKind::User) => message.push_str(
                ": see the attribute catalogue (GET /api/v1/directory/attributes), or define it there as an \
                 extension attribute",
            ),
            (None, Direction::Outbound, SourceKind::Group) => {
                message.push_str(": groups have displayName, description, mailNickname, externalId, members and id")
            }
            (None, Direction::Inbound, _) => message.push_str(
                ": records name attributes as SCIM paths, e.g. name.givenName or \
                 urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department (docs/inbound.md)",
            ),
        }
        Some(Unknown {
            headline,
            message,
            help,
        })
    }
}

/// The unknown attributes of one mapping's expression: one warning per
/// unknown name, its diagnostics underlining each place it is read.
pub(super) fn check_expression(
    sources: &Sources<'_>,
    kind: SourceKind,
    expr: &Expr,
    text: &str,
    at: &Location,
    problems: &mut Vec<JobProblem>,
) {
    let mut unknown: BTreeMap<&str, (usize, Vec<Span>)> = BTreeMap::new();
    for (order, (name, span)) in expr.attribute_references().into_iter().enumerate() {
        unknown.entry(name).or_insert_with(|| (order, Vec::new())).1.push(span);
    }
    let mut found: Vec<(usize, JobProblem)> = Vec::new();
    for (name, (order, spans)) in unknown {
        let Some(Unknown {
            headline,
            message,
            help,
        }) = sources.unknown(kind, name)
        else {
            continue;
        };
        let diagnostics = spans
            .into_iter()
            .map(|span| {
                let mut d = Diagnostic::warning(Code::UnknownAttribute, span, headline.clone());
                d.help.clone_from(&help);
                d
            })
            .collect();
        found.push((
            order,
            JobProblem {
                diagnostics,
                source: Some(text.to_owned()),
                ..JobProblem::warning(at, message)
            },
        ));
    }
    found.sort_by_key(|(order, _)| *order);
    problems.extend(found.into_iter().map(|(_, problem)| problem));
}

/// The unknown attributes of an object mapping's scoping clauses.
pub(super) fn check_scoping(
    sources: &Sources<'_>,
    object: &ObjectMapping,
    at: &Location,
    problems: &mut Vec<JobProblem>,
) {
    for (i, filter) in object.scoping.iter().enumerate() {
        for (k, clause) in filter.clauses.iter().enumerate() {
            if clause.attribute.trim().is_empty() {
                continue; // the clause's own check says it names none
            }
            if let Some(Unknown { message, .. }) = sources.unknown(object.source, &clause.attribute) {
                let place = at
                    .field("scoping")
                    .index(i)
                    .field("clauses")
                    .index(k)
                    .field("attribute");
                problems.push(JobProblem::warning(place, message));
            }
        }
    }
}
