//! Criterion benchmark of `decide`: a user with 20 attributes, a job with 15
//! mappings (a third of them expressions) and a 3-clause scoping filter.
#![cfg_attr(target_arch = "wasm32", allow(unused))]

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::hint::black_box;

    use criterion::{Criterion, Throughput, criterion_group};
    use provisio_engine::expr::EvalContext;
    use provisio_engine::job::{JobDefinition, SourceKind};
    use provisio_engine::object::SourceObject;
    use provisio_engine::plan::{CompiledJob, SourceRecord, TargetState, decide};

    const JOB: &str = r#"{
      "name": "Bench", "target": { "kind": "scim", "base_url": "https://app.example/scim/v2" },
      "objects": [ { "source": "user", "target": "User",
        "scoping": [ { "name": "Staff", "clauses": [
          { "attribute": "department", "operator": "IS IN", "value": ["Finance", "Sales", "HR"] },
          { "attribute": "employeeType", "operator": "EQUALS", "value": "Employee" },
          { "attribute": "userPrincipalName", "operator": "ENDS_WITH", "value": "@contoso.com" } ] } ],
        "mappings": [
          { "target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1 },
          { "target": "active", "expression": "Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\")" },
          { "target": "displayName", "expression": "[displayName]" },
          { "target": "title", "expression": "[jobTitle]" },
          { "target": "emails[type eq \"work\"].value", "expression": "ToLower([mail])" },
          { "target": "name.givenName", "expression": "[givenName]" },
          { "target": "name.familyName", "expression": "[surname]" },
          { "target": "name.formatted", "expression": "Join(\" \", [givenName], [surname])" },
          { "target": "nickName", "expression": "ToLower(Join(\".\", NormalizeDiacritics([givenName]), StripSpaces([surname])))" },
          { "target": "phoneNumbers[type eq \"work\"].value", "expression": "[telephoneNumber]" },
          { "target": "phoneNumbers[type eq \"mobile\"].value", "expression": "[mobile]" },
          { "target": "addresses[type eq \"work\"].locality", "expression": "[city]" },
          { "target": "addresses[type eq \"work\"].country", "expression": "[country]" },
          { "target": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "expression": "[department]" },
          { "target": "externalId", "expression": "[mailNickname]" }
        ] } ] }"#;

    /// The 20-attribute user every benchmark uses.
    const USER: &str = include_str!("user.json");

    fn decisions(c: &mut Criterion) {
        let (Ok(definition), Ok(user)) = (
            serde_json::from_str::<JobDefinition>(JOB),
            SourceObject::from_json(USER),
        ) else {
            return;
        };
        let Ok(job) = CompiledJob::compile(definition) else {
            return;
        };
        assert_eq!(user.attributes.len(), 20);
        let source = SourceRecord::from_attributes(SourceKind::User, user);
        let mut ctx = EvalContext::default();
        let unlinked = TargetState::Unlinked(vec![]);
        let created = decide(&job, &source, &unlinked, &mut ctx);
        let Some(current) = created.applied(None) else {
            return;
        };
        let linked = TargetState::Linked(current);
        let mut group = c.benchmark_group("decide");
        group.throughput(Throughput::Elements(1));
        group.bench_function("create: 20 attributes, 15 mappings, 3-clause filter", |b| {
            b.iter(|| decide(&job, black_box(&source), black_box(&unlinked), &mut ctx))
        });
        group.bench_function("linked and in sync: 20 attributes, 15 mappings, 3-clause filter", |b| {
            b.iter(|| decide(&job, black_box(&source), black_box(&linked), &mut ctx))
        });
        group.finish();
    }

    criterion_group!(benches, decisions);
}

#[cfg(not(target_arch = "wasm32"))]
criterion::criterion_main!(native::benches);

/// Criterion does not run in WebAssembly.
#[cfg(target_arch = "wasm32")]
fn main() {}
