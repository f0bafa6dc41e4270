//! Matching many values in one query ([`crate::Connector::find_many`]): which
//! values are asked for together, and which of the returned objects belong
//! to which value. The connectors (SCIM, LDAP, SQL) bring the query; this
//! module brings the rules, the same for all, so that a batch never gives a
//! value an object a single `find` would not have given it.
//!
//! Targets compare either exactly or ignoring case (SCIM `caseExact`, LDAP
//! `caseIgnoreMatch`, a SQL collation), and the connector does not always
//! know which. So:
//! - values equal ignoring case but not exactly (`Zoe`, `zoe`) are never in
//!   one batch: all but the first are looked up alone; identical values are
//!   looked up once and share the answer;
//! - an object whose attribute equals (ignoring case) exactly one value of
//!   the batch belongs to that value, whichever way the target compares;
//! - an object equal to several values belongs to those it equals exactly;
//!   the values it equals only ignoring case are looked up alone;
//! - an object equal to none (the target compares some other way) leaves
//!   every value of its batch to be looked up alone.

use futures_util::{FutureExt as _, StreamExt as _};
use std::collections::HashMap;

use provisio_engine::Value;
use provisio_engine::matching::TargetObject;

use crate::{ConnectorError, ConnectorFuture};

/// Which values are queried together and which alone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Plan {
    /// Indices of the values asked for in one query each.
    pub batches: Vec<Vec<usize>>,
    /// Values looked up alone: without a key, or equal ignoring case to
    /// another value.
    pub singles: Vec<usize>,
    /// `(value, same)`: the value is identical to `same` and shares its answer.
    pub copies: Vec<(usize, usize)>,
}

/// How values are put into batches: at most `max` values, and the sum of
/// their `cost` at most `budget` (a value costing more goes alone).
pub(crate) fn plan(keys: &[Option<String>], max: usize, budget: usize, cost: impl Fn(usize) -> usize) -> Plan {
    let mut plan = Plan::default();
    let mut classes: HashMap<String, usize> = HashMap::new();
    let mut current: Vec<usize> = Vec::new();
    let mut spent = 0;
    for (index, key) in keys.iter().enumerate() {
        let Some(key) = key else {
            plan.singles.push(index);
            continue;
        };
        if let Some(&first) = classes.get(&loose(key)) {
            if keys.get(first).and_then(Option::as_ref) == Some(key) {
                plan.copies.push((index, first));
            } else {
                plan.singles.push(index);
            }
            continue;
        }
        classes.insert(loose(key), index);
        let cost = cost(index);
        if !current.is_empty() && (current.len() >= max.max(1) || spent + cost > budget) {
            plan.batches.push(std::mem::take(&mut current));
            spent = 0;
        }
        current.push(index);
        spent += cost;
    }
    if !current.is_empty() {
        plan.batches.push(current);
    }
    plan
}

/// Text compared ignoring case.
fn loose(text: &str) -> String {
    text.to_lowercase()
}

/// The objects of one batch's answer given to the batch's values (by
/// position in `keys`), and which values must be looked up alone.
pub(crate) fn assign(
    keys: &[&str],
    objects: Vec<TargetObject>,
    texts: impl Fn(&TargetObject) -> Vec<String>,
) -> (Vec<Vec<TargetObject>>, Vec<bool>) {
    let mut found: Vec<Vec<TargetObject>> = vec![Vec::new(); keys.len()];
    let mut uncertain = vec![false; keys.len()];
    let loose_keys: Vec<String> = keys.iter().map(|k| loose(k)).collect();
    for object in objects {
        let texts = texts(&object);
        let loose_texts: Vec<String> = texts.iter().map(|t| loose(t)).collect();
        let matching: Vec<usize> = (0..keys.len())
            .filter(|&p| loose_texts.iter().any(|t| *t == loose_keys[p]))
            .collect();
        match matching.as_slice() {
            [] => uncertain.iter_mut().for_each(|u| *u = true),
            [only] => found[*only].push(object),
            several => {
                for &p in several {
                    if texts.iter().any(|t| t == keys[p]) {
                        found[p].push(object.clone());
                    } else {
                        uncertain[p] = true;
                    }
                }
            }
        }
    }
    (found, uncertain)
}

/// The texts of an object's `attribute` (its name compared exactly, else
/// ignoring case), each element of a multi-valued one, as `leaf` writes them.
pub(crate) fn attribute_texts(
    object: &TargetObject,
    attribute: &str,
    leaf: impl Fn(&Value) -> Option<String>,
) -> Vec<String> {
    let value = object.attributes.get(attribute).or_else(|| {
        object
            .attributes
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(attribute))
            .map(|(_, value)| value)
    });
    match value {
        Some(Value::Multi(items)) => items.iter().filter_map(&leaf).collect(),
        Some(value) => leaf(value).into_iter().collect(),
        None => Vec::new(),
    }
}

/// The key of a value looked for: a multi-valued one by its first element,
/// as the single finds compare it.
pub(crate) fn first_key(value: &Value, leaf: impl Fn(&Value) -> Option<String>) -> Option<String> {
    match value {
        Value::Multi(items) => items.iter().find(|v| !v.is_null()).and_then(leaf),
        other => leaf(other),
    }
}

/// Runs a plan: each batch through `query` (`None`: the target could not
/// take it, so its values are looked up alone), the objects assigned by
/// `texts`, and `single` for every value left.
/// Values looked up alone at the same time (the HTTP connectors' own
/// limit applies beneath).
const SINGLES_AT_ONCE: usize = 4;

pub(crate) async fn run<'a>(
    values: &'a [Value],
    keys: &[Option<String>],
    plan: Plan,
    mut query: impl FnMut(Vec<usize>) -> ConnectorFuture<'a, Option<Vec<TargetObject>>>,
    single: impl Fn(&'a Value) -> ConnectorFuture<'a, Vec<TargetObject>>,
    texts: impl Fn(&TargetObject) -> Vec<String>,
) -> Result<Vec<Vec<TargetObject>>, ConnectorError> {
    let mut found: Vec<Option<Vec<TargetObject>>> = vec![None; values.len()];
    let mut alone = plan.singles;
    for batch in plan.batches {
        let Some(objects) = query(batch.clone()).await? else {
            alone.extend(batch);
            continue;
        };
        let batch_keys: Vec<&str> = batch
            .iter()
            .map(|&i| keys.get(i).and_then(Option::as_deref).unwrap_or_default())
            .collect();
        let (assigned, uncertain) = assign(&batch_keys, objects, &texts);
        for ((index, objects), uncertain) in batch.into_iter().zip(assigned).zip(uncertain) {
            if uncertain {
                alone.push(index);
            } else if let Some(slot) = found.get_mut(index) {
                *slot = Some(objects);
            }
        }
    }
    alone.sort_unstable();
    // Several at once, as a page of objects would have asked them.
    let mut asked = alone
        .into_iter()
        .filter_map(|index| values.get(index).map(|value| (index, single(value))));
    let mut running = futures_util::stream::FuturesOrdered::new();
    let mut answers = Vec::new();
    loop {
        while running.len() < SINGLES_AT_ONCE {
            let Some((index, answer)) = asked.next() else { break };
            running.push_back(answer.map(move |answer| (index, answer)));
        }
        match running.next().await {
            Some(answer) => answers.push(answer),
            None => break,
        }
    }
    for (index, answer) in answers {
        if let Some(slot) = found.get_mut(index) {
            *slot = Some(answer?);
        }
    }
    for (index, same) in plan.copies {
        let shared = found.get(same).cloned().flatten();
        if let Some(slot) = found.get_mut(index) {
            *slot = shared;
        }
    }
    Ok(found.into_iter().map(Option::unwrap_or_default).collect())
}

#[cfg(test)]
mod tests {
    use provisio_engine::scim_path::TargetAttributes;

    use super::*;

    fn keys(texts: &[&str]) -> Vec<Option<String>> {
        texts.iter().map(|t| (!t.is_empty()).then(|| (*t).to_owned())).collect()
    }

    fn object(id: &str, uid: Value) -> TargetObject {
        TargetObject {
            id: id.into(),
            attributes: TargetAttributes::from([("uid".to_owned(), uid)]),
        }
    }

    fn uid_texts(object: &TargetObject) -> Vec<String> {
        attribute_texts(object, "UID", |v| match v {
            Value::Str(s) => Some(s.clone()),
            _ => None,
        })
    }

    fn ids(found: &[TargetObject]) -> Vec<&str> {
        found.iter().map(|o| o.id.as_str()).collect()
    }

    #[test]
    fn batches_hold_at_most_max_values_and_the_budget() {
        let plan = plan(&keys(&["a", "b", "c", "d", "e"]), 2, 100, |_| 1);
        assert_eq!(plan.batches, vec![vec![0, 1], vec![2, 3], vec![4]]);
        let plan = super::plan(&keys(&["a", "b", "c", "d"]), 50, 10, |i| [4, 4, 20, 4][i]);
        // A value costing more than the budget is a batch of its own.
        assert_eq!(plan.batches, vec![vec![0, 1], vec![2], vec![3]]);
    }

    #[test]
    fn case_variants_go_alone_and_duplicates_share() {
        let plan = plan(&keys(&["zoe", "", "Zoe", "ann", "zoe"]), 50, 1000, |_| 1);
        assert_eq!(plan.batches, vec![vec![0, 3]]);
        assert_eq!(plan.singles, vec![1, 2]);
        assert_eq!(plan.copies, vec![(4, 0)]);
    }

    #[test]
    fn objects_go_to_the_one_value_they_equal_ignoring_case() {
        let objects = vec![object("1", Value::str("ZOE")), object("2", Value::str("ann"))];
        let (found, uncertain) = assign(&["zoe", "ann", "bob"], objects, uid_texts);
        assert_eq!(
            found.iter().map(|f| ids(f)).collect::<Vec<_>>(),
            [vec!["1"], vec!["2"], vec![]]
        );
        assert_eq!(uncertain, [false, false, false]);
    }

    #[test]
    fn an_object_equal_to_several_values_is_only_certain_where_exact() {
        let multi = Value::Multi(vec![Value::str("zoe"), Value::str("ANN")]);
        let (found, uncertain) = assign(&["zoe", "ann"], vec![object("1", multi)], uid_texts);
        assert_eq!(ids(&found[0]), ["1"]);
        assert_eq!(uncertain, [false, true]);
    }

    #[test]
    fn an_object_equal_to_no_value_makes_the_whole_batch_uncertain() {
        let (_, uncertain) = assign(&["zoe", "ann"], vec![object("1", Value::str("z o e"))], uid_texts);
        assert_eq!(uncertain, [true, true]);
        let (_, uncertain) = assign(
            &["zoe"],
            vec![TargetObject {
                id: "2".into(),
                attributes: TargetAttributes::new(),
            }],
            uid_texts,
        );
        assert_eq!(uncertain, [true]);
    }

    #[test]
    fn multi_valued_values_are_looked_for_by_their_first_element() {
        let leaf = |v: &Value| match v {
            Value::Str(s) => Some(s.clone()),
            _ => None,
        };
        assert_eq!(
            first_key(&Value::Multi(vec![Value::Null, Value::str("a"), Value::str("b")]), leaf),
            Some("a".into())
        );
        assert_eq!(first_key(&Value::Null, leaf), None);
    }

    #[tokio::test]
    async fn a_run_answers_every_value_in_order() {
        let values: Vec<Value> = ["zoe", "ann", "Zoe", "zoe", "bob"]
            .into_iter()
            .map(Value::str)
            .collect();
        let text = |v: &Value| match v {
            Value::Str(s) => Some(s.clone()),
            _ => None,
        };
        let keys: Vec<Option<String>> = values.iter().map(text).collect();
        let plan = plan(&keys, 2, 100, |_| 1);
        let store = [object("1", Value::str("zoe")), object("2", Value::str("Zoe"))];
        let queries = std::sync::atomic::AtomicUsize::new(0);
        let query = |batch: Vec<usize>| -> ConnectorFuture<'_, Option<Vec<TargetObject>>> {
            queries.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let wanted: Vec<String> = batch.iter().filter_map(|&i| text(&values[i])).collect();
            let hits = store
                .iter()
                .filter(|o| uid_texts(o).iter().any(|t| wanted.contains(t)))
                .cloned()
                .collect();
            Box::pin(async move { Ok(Some(hits)) })
        };
        let single = |value: &Value| -> ConnectorFuture<'_, Vec<TargetObject>> {
            let hits = store
                .iter()
                .filter(|o| uid_texts(o).iter().any(|t| Some(t) == text(value).as_ref()))
                .cloned()
                .collect();
            Box::pin(async move { Ok(hits) })
        };
        let found = run(&values, &keys, plan, query, single, uid_texts).await.unwrap();
        let found: Vec<Vec<&str>> = found.iter().map(|f| ids(f)).collect();
        assert_eq!(found, [vec!["1"], vec![], vec!["2"], vec!["1"], vec![]]);
        assert_eq!(queries.into_inner(), 2);
    }
}
