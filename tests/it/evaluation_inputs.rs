//! What real provisioning gives the expression engine besides the source
//! object (issue 14, item 1): an operating-system random source, so
//! `RandomString()` initial passwords and `Guid()` ids differ from one
//! account to the next and from the engine's reproducible seed; and the
//! stored default domain, which `PUT /api/v1/settings` sets and
//! `DefaultDomain()` returns — on demand and in cycles alike, against
//! scim2-server.

use provisio_api::jobs::JOBS_PATH;
use provisio_api::settings::SETTINGS_PATH;
use provisio_engine::expr::{self, EvalContext};
use provisio_engine::object::SourceObject;
use provisio_server::cycle::run::{Mode, run_cycle};
use provisio_tests::scim_target::ScimTarget;
use reqwest::Method;
use serde_json::{Value, json};

use crate::admin_api::{Api, with_api};
use crate::backends::backend_test;

const USERS: &str = "/api/v1/directory/users";

fn job(target: &ScimTarget) -> Value {
    json!({
        "name": "random",
        "target": {"kind": "scim", "base_url": target.base_url(), "auth": {"bearer_token": target.token()}},
        "objects": [
            {"source": "user", "target": "User", "mappings": [
                {"target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1},
                {"target": "externalId", "expression": "Guid()", "apply": "on_create"},
                {"target": "title", "expression": "RandomString(24, 3, 3, 3, 3, \"\")", "apply": "on_create"},
                {"target": "displayName", "expression": "Join(\"@\", [mailNickname], DefaultDomain())"}
            ]}
        ]
    })
}

/// What the engine's default (seeded) context gives: no account may get it.
fn seeded(expression: &str) -> String {
    let program = expr::compile(expression).unwrap();
    let evaluation = program
        .evaluate(&SourceObject::new(), &mut EvalContext::default())
        .unwrap();
    evaluation.value.as_text().unwrap_or_default().into_owned()
}

backend_test!(
    random_values_differ_per_account_and_default_domain_is_the_setting,
    with_api,
    needs = "scim2-server",
    async |api: &Api| {
        let Some(target) = ScimTarget::start() else { return };
        // No default domain yet: the settings say so.
        assert_eq!(api.get(SETTINGS_PATH).await.expect(200)["default_domain"], Value::Null);
        let set = api.put(SETTINGS_PATH, json!({"default_domain": "Fabrikam.COM"})).await;
        assert_eq!(set.expect(200)["default_domain"], "fabrikam.com");
        api.put(SETTINGS_PATH, json!({"default_domain": "not a domain"}))
            .await
            .expect_error(400, "invalid", "default_domain");
        assert_eq!(api.anonymous(Method::GET, SETTINGS_PATH).await.status, 401);

        let job_id = api.post(JOBS_PATH, job(&target)).await.expect(201)["id"]
            .as_str()
            .unwrap()
            .to_owned();
        for (upn, nick) in [
            ("ada@contoso.com", "ada"),
            ("grace@contoso.com", "grace"),
            ("alan@contoso.com", "alan"),
            ("edsger@contoso.com", "edsger"),
        ] {
            api.post(
                USERS,
                json!({"attributes": {"userPrincipalName": upn, "displayName": nick, "mailNickname": nick}}),
            )
            .await
            .expect(201);
        }

        // Two on demand, the other two in a cycle.
        let on_demand = format!("{JOBS_PATH}/{job_id}/provision-on-demand");
        for upn in ["ada@contoso.com", "grace@contoso.com"] {
            let answer = api.post(&on_demand, json!({"user": upn})).await;
            assert_eq!(answer.expect(200)["decision"]["action"], "create", "{}", answer.text);
        }
        let jobs = api.server.jobs().clone();
        let report = run_cycle(api.server.store(), &jobs, &job_id, Mode::Initial)
            .await
            .unwrap();
        assert_eq!(report.actions.get("create"), Some(&2), "{report:?}");

        let users = crate::target::resources(&target, "Users").await;
        assert_eq!(users.len(), 4, "{users:?}");
        let field = |name: &str| -> Vec<String> {
            users
                .iter()
                .map(|u| u[name].as_str().unwrap_or_default().to_owned())
                .collect()
        };
        let (guids, passwords) = (field("externalId"), field("title"));
        for (values, expression) in [(&guids, "Guid()"), (&passwords, "RandomString(24, 3, 3, 3, 3, \"\")")] {
            let distinct: std::collections::HashSet<_> = values.iter().collect();
            assert_eq!(distinct.len(), 4, "every account its own value: {values:?}");
            assert!(
                !values.contains(&seeded(expression)),
                "not the engine's seeded value: {values:?}"
            );
        }
        assert!(
            guids.iter().all(|g| g.len() == 36 && g.matches('-').count() == 4),
            "{guids:?}"
        );
        let mut names = field("displayName");
        names.sort();
        assert_eq!(
            names,
            [
                "ada@fabrikam.com",
                "alan@fabrikam.com",
                "edsger@fabrikam.com",
                "grace@fabrikam.com"
            ]
        );

        // Cleared, DefaultDomain() fails the mapping, and the run says why.
        api.put(SETTINGS_PATH, json!({})).await.expect(200);
        api.post(
            USERS,
            json!({"attributes": {"userPrincipalName": "linus@contoso.com", "mailNickname": "linus"}}),
        )
        .await
        .expect(201);
        let answer = api.post(&on_demand, json!({"user": "linus@contoso.com"})).await;
        let body = answer.expect(200);
        assert_eq!(body["decision"]["status"], "failure", "{body}");
        assert!(answer.text.contains("default domain"), "{}", answer.text);
    }
);
