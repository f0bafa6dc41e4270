//! Matching many values on a SCIM target in few requests:
//! `filter=userName eq "a" or userName eq "b" …`, 50 values a request or
//! fewer so that the URL stays under 4 KB, and `POST /Users/.search`
//! (RFC 7644 §3.4.3) for a value too long for a URL on its own. A target
//! that cannot take it (its ServiceProviderConfig says filtering is not
//! supported, it answers `invalidFilter` or `tooMany`, it has no `.search`)
//! gets single finds from then on, for the connector's lifetime; so does a
//! target on which a combined filter costs per value more than half a
//! single one (measured on the first batch against one value asked alone:
//! some servers scan every resource once per term). Objects are
//! given to values by [`crate::batch`]'s rules; SCIM string attributes such
//! as `userName` compare ignoring case, others exactly, and those rules hold
//! either way.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use provisio_engine::Value;
use provisio_engine::job::SourceKind;
use provisio_engine::matching::TargetObject;
use reqwest::Method;
use serde_json::Value as Json;

use super::{ScimConnector, request};
use crate::batch::{self as rules, Plan};
use crate::{Connector, ConnectorError, ConnectorFuture};

/// Values in one filter at most.
pub(super) const MAX_VALUES: usize = 50;
/// The longest URL a batch is sent in.
pub(super) const MAX_URL: usize = 4096;
/// The fewest values in a batch that is timed against a single query: a
/// smaller one costs little either way.
const PROBED_BATCH: usize = 20;
/// Batches between two timings of a single query.
const PROBE_EVERY: usize = 10;
/// `" or "` as a query encodes it (`+or+`).
const OR_COST: usize = 4;

/// What a target showed of filters combining values, remembered for the
/// connector's lifetime.
#[derive(Debug, Default)]
pub(super) struct Support {
    /// The ServiceProviderConfig's `filter.supported`, once read.
    filtering: OnceLock<bool>,
    /// The target refused a combined filter: values are looked up alone.
    refused: AtomicBool,
    /// The target has no `.search`: a value too long for a URL is looked up alone.
    no_search: AtomicBool,
    /// Whether batches are timed against single queries (see `judge`).
    judge: bool,
    /// Set once a batch cost per value as much as half a single query:
    /// values are looked up alone for the rest of the connector's life.
    unpaid: AtomicBool,
    /// A single query's latest timing, and the batches sent since.
    single: std::sync::Mutex<Option<(Duration, usize)>>,
}

impl Support {
    /// Batches timed against a single query (`judge`), or always sent.
    pub(super) fn judging(judge: bool) -> Support {
        Support {
            judge,
            ..Support::default()
        }
    }

    /// The single query to time this batch against, if it is time to
    /// measure one again (the first batch, then every [`PROBE_EVERY`]).
    fn probe_due(&self) -> bool {
        self.judge
            && self
                .single
                .lock()
                .map(|single| single.is_none_or(|(_, since)| since >= PROBE_EVERY))
                .unwrap_or(false)
    }

    fn probed(&self, took: Duration) {
        if let Ok(mut single) = self.single.lock() {
            *single = Some((took, 0));
        }
    }

    /// Counts a batch of `values` that took `took`, and gives batches up
    /// when a value in it cost as much as half a single query.
    fn judge(&self, took: Duration, values: usize) {
        if !self.judge {
            return;
        }
        let Ok(mut single) = self.single.lock() else { return };
        let Some((single_took, since)) = single.as_mut() else {
            return;
        };
        *since += 1;
        let per_value = took / u32::try_from(values.max(1)).unwrap_or(u32::MAX);
        if !pays(per_value, *single_took) && !self.unpaid.swap(true, Ordering::SeqCst) {
            tracing::info!(
                batch_ms = took.as_millis(),
                values,
                single_ms = single_took.as_millis(),
                "a SCIM filter combining values costs the target about as much per value as a single one: \
                 matching one value at a time"
            );
        }
    }

    /// Takes in a ServiceProviderConfig: filtering is supported unless it says not.
    pub(super) fn read_config(&self, config: &Json) {
        let supported = config
            .get("filter")
            .and_then(|f| f.get("supported"))
            .and_then(Json::as_bool);
        let _ = self.filtering.set(supported != Some(false));
    }

    fn refuse(&self) {
        if !self.refused.swap(true, Ordering::SeqCst) {
            tracing::info!("the SCIM target refused a filter combining values: matching one value at a time");
        }
    }
}

/// The text a value (or an element of a returned attribute) is compared by.
fn leaf(value: &Value) -> Option<String> {
    match value {
        Value::Str(s) | Value::Reference(s) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::DateTime(t) => Some(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        Value::Null | Value::Multi(_) | Value::Complex(_) => None,
    }
}

/// How long a filter term is once in a query.
fn encoded_len(term: &str) -> usize {
    url::form_urlencoded::byte_serialize(term.as_bytes())
        .map(str::len)
        .sum()
}

/// A refusal that means "not this kind of filter", not "not this value".
fn refuses_filter(error: &ConnectorError) -> bool {
    matches!(
        error,
        ConnectorError::Rejected { status: 400, scim_type: Some(t), .. }
            if t.eq_ignore_ascii_case("invalidFilter") || t.eq_ignore_ascii_case("tooMany")
    )
}

/// An answer to `POST …/.search` that means the target has none.
fn no_search(error: &ConnectorError) -> bool {
    matches!(
        error,
        ConnectorError::NotFound { .. }
            | ConnectorError::Incompatible { .. }
            | ConnectorError::Rejected { status: 405, .. }
    )
}

/// Whether a value matched in a batch (`per_value` of its time) costs less
/// than half a single query: below that, the batch's fewer round trips are
/// worth its longer request.
fn pays(per_value: Duration, single: Duration) -> bool {
    per_value * 2 < single
}

/// The filter combining these terms.
pub(super) fn combined(terms: &[&str]) -> String {
    terms.join(" or ")
}

impl ScimConnector {
    /// Whether values may be combined in one filter (the ServiceProviderConfig
    /// is read once, the first time it matters).
    async fn combining(&self) -> Result<bool, ConnectorError> {
        if self.batches.refused.load(Ordering::SeqCst) {
            return Ok(false);
        }
        if let Some(&supported) = self.batches.filtering.get() {
            return Ok(supported);
        }
        match self
            .send(Method::GET, self.url(&["ServiceProviderConfig"])?, None, true)
            .await
        {
            Ok(reply) => self.batches.read_config(&reply.body),
            Err(error @ ConnectorError::InvalidCredentials { .. }) => return Err(error),
            // Discovery is optional, and some targets answer it badly: such
            // a target is tried, and a refused filter is learnt from its answer.
            Err(_) => {
                let _ = self.batches.filtering.set(true);
            }
        }
        Ok(self.batches.filtering.get().copied().unwrap_or(true))
    }

    /// [`Connector::find_many`] for SCIM.
    pub(super) async fn find_batched(
        &self,
        kind: SourceKind,
        target_attribute: &str,
        values: &[Value],
    ) -> Result<Vec<Vec<TargetObject>>, ConnectorError> {
        let terms: Vec<Option<String>> = values
            .iter()
            .map(|v| request::equality_filter(self.dialect, target_attribute, v).ok())
            .collect();
        // A value without a term is looked up alone, which reports why.
        let keys: Vec<Option<String>> = values
            .iter()
            .zip(&terms)
            .map(|(value, term)| term.as_ref().and_then(|_| rules::first_key(value, leaf)))
            .collect();
        let plan = if values.len() > 1 && self.combining().await? {
            let fixed = self
                .query_url(kind, "", u64::from(u32::MAX), self.page_size)?
                .as_str()
                .len();
            let budget = MAX_URL.saturating_sub(fixed);
            rules::plan(&keys, MAX_VALUES, budget, |i| {
                terms
                    .get(i)
                    .and_then(Option::as_deref)
                    .map_or(0, |t| encoded_len(t) + OR_COST)
            })
        } else {
            Plan {
                singles: (0..values.len()).collect(),
                ..Plan::default()
            }
        };
        let query = |batch: Vec<usize>| -> ConnectorFuture<'_, Option<Vec<TargetObject>>> {
            let batch_terms: Vec<&str> = batch
                .iter()
                .filter_map(|&i| terms.get(i).and_then(Option::as_deref))
                .collect();
            let filter = combined(&batch_terms);
            let probe = batch_terms.first().map(|term| (*term).to_owned());
            let size = batch_terms.len();
            Box::pin(async move { self.batch_query(kind, &filter, size, probe.as_deref()).await })
        };
        let single = |value| self.find(kind, target_attribute, value);
        let texts = |object: &TargetObject| rules::attribute_texts(object, target_attribute, leaf);
        rules::run(values, &keys, plan, query, single, texts).await
    }

    /// The objects a combined filter of `values` terms selects, or `None`
    /// when the target cannot take it, or it does not pay (and its values
    /// are to be looked up alone). Batches are timed against `probe` (the
    /// batch's first term) asked alone, twice, the faster counting: on the
    /// first batch and every [`PROBE_EVERY`] after, since a target's cost of
    /// either may change as it fills.
    async fn batch_query(
        &self,
        kind: SourceKind,
        filter: &str,
        values: usize,
        probe: Option<&str>,
    ) -> Result<Option<Vec<TargetObject>>, ConnectorError> {
        if self.batches.refused.load(Ordering::SeqCst) || self.batches.unpaid.load(Ordering::SeqCst) {
            return Ok(None);
        }
        let long = self.query_url(kind, filter, 1, self.page_size)?.as_str().len() > MAX_URL;
        if long && self.batches.no_search.load(Ordering::SeqCst) {
            return Ok(None);
        }
        if let Some(term) = probe.filter(|_| values >= PROBED_BATCH && !long && self.batches.probe_due()) {
            let mut fastest = Duration::MAX;
            for _ in 0..2 {
                let started = Instant::now();
                self.query(kind, term, false).await?;
                fastest = fastest.min(started.elapsed());
            }
            self.batches.probed(fastest);
        }
        let started = Instant::now();
        let answer = self.query(kind, filter, long).await;
        if answer.is_ok() && values >= PROBED_BATCH {
            self.batches.judge(started.elapsed(), values);
        }
        match answer {
            Ok(found) => Ok(Some(found)),
            Err(error) if refuses_filter(&error) => {
                self.batches.refuse();
                Ok(None)
            }
            Err(error) if long && no_search(&error) => {
                self.batches.no_search.store(true, Ordering::SeqCst);
                Ok(None)
            }
            Err(error) => Err(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::ScimOptions;
    use serde_json::json;

    fn connector() -> ScimConnector {
        ScimConnector::new("https://app.example/scim/v2", None, ScimOptions::default()).unwrap()
    }

    #[test]
    fn terms_are_escaped_as_single_finds_escape_them_and_joined_with_or() {
        let c = connector();
        let terms: Vec<String> = [r#"a"b"#, r"c\d", "zoe@x"]
            .into_iter()
            .map(|v| request::equality_filter(c.dialect, "userName", &Value::str(v)).unwrap())
            .collect();
        let terms: Vec<&str> = terms.iter().map(String::as_str).collect();
        assert_eq!(
            combined(&terms),
            r#"userName eq "a\"b" or userName eq "c\\d" or userName eq "zoe@x""#
        );
    }

    #[test]
    fn batches_pay_when_a_value_in_one_costs_less_than_half_a_single_query() {
        let ms = Duration::from_millis;
        // An indexed target: 50 values in 6 ms against 2 ms alone.
        assert!(pays(ms(6) / 50, ms(2)));
        // A target that scans once per term: 50 values in 900 ms against 20 ms.
        assert!(!pays(ms(900) / 50, ms(20)));
        assert!(!pays(ms(1), ms(2)), "at half, the longer request is not worth it");
    }

    #[test]
    fn only_filter_refusals_make_values_go_alone() {
        let rejected = |scim_type: &str| ConnectorError::Rejected {
            status: 400,
            scim_type: Some(scim_type.into()),
            detail: "no".into(),
        };
        assert!(refuses_filter(&rejected("invalidFilter")));
        assert!(refuses_filter(&rejected("tooMany")));
        assert!(!refuses_filter(&rejected("invalidValue")));
        assert!(no_search(&ConnectorError::NotFound { detail: "x".into() }));
        assert!(!no_search(&ConnectorError::Transient { detail: "x".into() }));
    }

    #[test]
    fn the_service_provider_config_can_turn_batches_off() {
        let c = connector();
        c.batches
            .read_config(&json!({"filter": {"supported": false, "maxResults": 0}}));
        assert_eq!(c.batches.filtering.get(), Some(&false));
        let other = connector();
        other.batches.read_config(&json!({"patch": {"supported": true}}));
        assert_eq!(other.batches.filtering.get(), Some(&true));
    }

    #[test]
    fn batches_keep_the_url_under_the_limit() {
        let c = connector();
        let long = "x".repeat(5000);
        let values: Vec<String> = (0..120).map(|i| format!("user-{i:03}@example.org")).collect();
        let mut all: Vec<&str> = values.iter().map(String::as_str).collect();
        all.insert(7, &long);
        let terms: Vec<String> = all
            .iter()
            .map(|v| request::equality_filter(c.dialect, "userName", &Value::str(*v)).unwrap())
            .collect();
        let keys: Vec<Option<String>> = all.iter().map(|v| Some((*v).to_owned())).collect();
        let fixed = c
            .query_url(SourceKind::User, "", u64::from(u32::MAX), 100)
            .unwrap()
            .as_str()
            .len();
        let plan = rules::plan(&keys, MAX_VALUES, MAX_URL - fixed, |i| encoded_len(&terms[i]) + OR_COST);
        let sizes: Vec<usize> = plan.batches.iter().map(Vec::len).collect();
        assert_eq!(sizes, [7, 1, 50, 50, 13]);
        for batch in &plan.batches {
            let batch_terms: Vec<&str> = batch.iter().map(|&i| terms[i].as_str()).collect();
            let url = c.query_url(SourceKind::User, &combined(&batch_terms), 1, 100).unwrap();
            // Only the value too long on its own goes over (and by POST).
            assert_eq!(url.as_str().len() > MAX_URL, batch == &vec![7], "{batch:?}");
        }
    }
}
