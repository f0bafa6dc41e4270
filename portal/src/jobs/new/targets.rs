//! The LDAP, SQL and REST starting points of `/jobs/new`: a short form each, filling the engine's template.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use provisio_api::agents::{AGENTS_PATH, AgentSummary};
use provisio_api::engine::job::{JobDefinition, JobProblem, Target, templates};
use serde_json::Value;

use super::create;
use crate::api::{self, Failure};
use crate::jobs::definition::problems::{FieldProblems, ProblemList, has_problem};
use crate::ui::ErrorNote;

/// The id of the `<datalist>` of the known agents' names.
const AGENT_NAMES: &str = "agent-names";

/// `definition` as a document with `via_agent` set (when named) and
/// `secret` written into the target's `field`: a `Secret` serialises masked,
/// so the value goes into the document itself.
fn document(mut definition: JobDefinition, agent: &str, field: &str, secret: &str) -> Value {
    let agent = (!agent.trim().is_empty()).then(|| agent.trim().to_owned());
    match &mut definition.target {
        Target::Ldap(ldap) => ldap.via_agent = agent,
        Target::Sql(sql) => sql.via_agent = agent,
        Target::Rest(rest) => rest.via_agent = agent,
        Target::Scim { .. } | Target::Directory => {}
    }
    let mut document = crate::jobs::state::definition_document(&definition);
    if let (false, Some(Value::Object(target))) = (secret.is_empty(), document.get_mut("target")) {
        target.insert(field.to_owned(), Value::String(secret.to_owned()));
    }
    document
}

/// A form's state: its problems, its failure and whether it is sending.
#[derive(Clone, Copy)]
struct Sending {
    problems: RwSignal<Vec<JobProblem>>,
    failure: RwSignal<Option<Failure>>,
    busy: RwSignal<bool>,
}

impl Sending {
    fn new() -> Sending {
        Sending {
            problems: RwSignal::new(Vec::new()),
            failure: RwSignal::new(None),
            busy: RwSignal::new(false),
        }
    }
}

/// The three forms, and the names of the known agents to offer in their
/// "via agent" fields (read once; without them the field is plain text).
#[component]
pub(super) fn TargetForms() -> impl IntoView {
    let agents = LocalResource::new(|| api::get::<Vec<AgentSummary>>(AGENTS_PATH));
    let options = move || {
        agents.get().and_then(Result::ok).map(|list| {
            list.into_iter()
                .map(|agent| view! { <option value=agent.name></option> })
                .collect_view()
        })
    };
    view! {
        <datalist id=AGENT_NAMES>{options}</datalist>
        <Ldap />
        <Sql />
        <Rest />
    }
}

/// A labelled input with its problems under it and an optional hint.
#[component]
fn Field(
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    problems: RwSignal<Vec<JobProblem>>,
    /// Where the server's problems about this field are located, e.g. `target.url`.
    location: &'static str,
    /// The problems' element id (`{id}-problem`).
    problem_id: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] required: bool,
    #[prop(optional)] code: bool,
    #[prop(optional)] placeholder: &'static str,
    #[prop(optional)] hint: &'static str,
    #[prop(optional)] list: Option<&'static str>,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let described = if hint.is_empty() {
        problem_id.to_owned()
    } else {
        format!("{hint_id} {problem_id}")
    };
    let autocomplete = if kind == "password" { "new-password" } else { "off" };
    view! {
        <label for=id>{label}</label>
        <input id=id type=kind required=required class=code.then_some("code") autocomplete=autocomplete
            placeholder=(!placeholder.is_empty()).then_some(placeholder) list=list
            aria-describedby=described
            aria-invalid=move || problems.with(|p| has_problem(p, location)).to_string()
            prop:value=move || value.get() on:input=move |e| value.set(event_target_value(&e)) />
        {(!hint.is_empty()).then(|| view! { <p class="hint" id=hint_id>{hint}</p> })}
        <FieldProblems problems=problems location=location id=problem_id />
    }
}

/// The form's end: its problems, its failure and the submit button.
#[component]
fn Submit(sending: Sending, label: &'static str) -> impl IntoView {
    let busy = sending.busy;
    view! {
        <ProblemList problems=sending.problems />
        <ErrorNote failure=sending.failure />
        <div class="actions">
            <button type="submit" class="primary" disabled=move || busy.get()>
                {move || if busy.get() { "Creating…" } else { label }}
            </button>
        </div>
    }
}

/// Sends the document made at submit time and opens the new job's Connection tab.
fn on_submit(sending: Sending, make: impl Fn() -> Value + 'static) -> impl Fn(leptos::ev::SubmitEvent) + 'static {
    let navigate = use_navigate();
    move |event| {
        event.prevent_default();
        let Sending {
            problems,
            failure,
            busy,
        } = sending;
        create(make(), "connection", busy, problems, failure, navigate.clone());
    }
}

fn text() -> RwSignal<String> {
    RwSignal::new(String::new())
}

#[component]
fn Ldap() -> impl IntoView {
    let (name, url, bind_dn, password, users, groups, agent) = (text(), text(), text(), text(), text(), text(), text());
    let start_tls = RwSignal::new(false);
    let sending = Sending::new();
    let problems = sending.problems;
    let submit = on_submit(sending, move || {
        let groups = groups.get_untracked();
        let mut definition = templates::ldap(
            name.get_untracked().trim(),
            url.get_untracked().trim(),
            bind_dn.get_untracked().trim(),
            users.get_untracked().trim(),
            Some(groups.trim()).filter(|g| !g.is_empty()),
        );
        if let Target::Ldap(ldap) = &mut definition.target {
            ldap.start_tls = start_tls.get_untracked();
        }
        document(
            definition,
            &agent.get_untracked(),
            "bind_password",
            &password.get_untracked(),
        )
    });
    view! {
        <section class="panel" aria-labelledby="ldap-title">
            <h2 id="ldap-title">"An LDAP directory"</h2>
            <form class="job-form" on:submit=submit>
                <Field id="ldap-name" problem_id="ldap-name-problem" label="Name" value=name problems=problems location="name" required=true />
                <Field id="ldap-url" problem_id="ldap-url-problem" label="Directory URL" value=url problems=problems
                    location="target.url" required=true code=true placeholder="ldaps://ldap.example.org:636" />
                <label class="check">
                    <input id="ldap-start-tls" type="checkbox" aria-describedby="ldap-start-tls-hint ldap-start-tls-problem"
                        prop:checked=move || start_tls.get() on:change=move |e| start_tls.set(event_target_checked(&e)) />
                    "Use StartTLS"
                </label>
                <p class="hint" id="ldap-start-tls-hint">"For an ldap:// URL: encrypt the connection before binding. Plain ldap:// is accepted only to this machine."</p>
                <FieldProblems problems=problems location="target.start_tls" id="ldap-start-tls-problem" />
                <Field id="ldap-bind-dn" problem_id="ldap-bind-dn-problem" label="Bind DN" value=bind_dn problems=problems
                    location="target.bind_dn" required=true code=true placeholder="cn=provisio,dc=example,dc=org" />
                <Field id="ldap-password" problem_id="ldap-password-problem" label="Bind password" value=password problems=problems
                    location="target.bind_password" kind="password" hint="Stored encrypted and never shown again." />
                <Field id="ldap-users" problem_id="ldap-users-problem" label="Users base DN" value=users problems=problems
                    location="target.users_base_dn" required=true code=true placeholder="ou=people,dc=example,dc=org"
                    hint="Users are inetOrgPerson entries uid=mailNickname under it, matched on uid." />
                <Field id="ldap-groups" problem_id="ldap-groups-problem" label="Groups base DN (optional)" value=groups problems=problems
                    location="target.groups_base_dn" code=true placeholder="ou=groups,dc=example,dc=org"
                    hint="Leave empty to provision users only; groups are groupOfNames entries cn=displayName." />
                <AgentField id="ldap-agent" problem_id="ldap-agent-problem" value=agent problems=problems />
                <Submit sending=sending label="Create LDAP application" />
            </form>
        </section>
    }
}

#[component]
fn Sql() -> impl IntoView {
    let (name, url, password, table, agent) = (text(), text(), text(), text(), text());
    let sending = Sending::new();
    let problems = sending.problems;
    let submit = on_submit(sending, move || {
        let definition = templates::sql(
            name.get_untracked().trim(),
            url.get_untracked().trim(),
            table.get_untracked().trim(),
        );
        document(
            definition,
            &agent.get_untracked(),
            "password",
            &password.get_untracked(),
        )
    });
    view! {
        <section class="panel" aria-labelledby="sql-title">
            <h2 id="sql-title">"A SQL database"</h2>
            <form class="job-form" on:submit=submit>
                <Field id="sql-name" problem_id="sql-name-problem" label="Name" value=name problems=problems location="name" required=true />
                <Field id="sql-url" problem_id="sql-url-problem" label="Database URL" value=url problems=problems
                    location="target.url" required=true code=true placeholder="postgres://provisio@db.internal:5432/hr"
                    hint="postgres://user@host:port/database or sqlite:///path/to/file.db, without the password." />
                <Field id="sql-password" problem_id="sql-password-problem" label="Password (optional)" value=password problems=problems
                    location="target.password" kind="password" hint="Stored encrypted and never shown again." />
                <Field id="sql-table" problem_id="sql-table-problem" label="Users table" value=table problems=problems
                    location="target.users_table" required=true code=true placeholder="users"
                    hint="Rows keyed by id, with the columns user_name (matched), display_name, title and active." />
                <AgentField id="sql-agent" problem_id="sql-agent-problem" value=agent problems=problems />
                <Submit sending=sending label="Create SQL application" />
            </form>
        </section>
    }
}

#[component]
fn Rest() -> impl IntoView {
    let (name, url, token, agent) = (text(), text(), text(), text());
    let sending = Sending::new();
    let problems = sending.problems;
    let submit = on_submit(sending, move || {
        let definition = templates::rest(name.get_untracked().trim(), url.get_untracked().trim());
        document(
            definition,
            &agent.get_untracked(),
            "bearer_token",
            &token.get_untracked(),
        )
    });
    view! {
        <section class="panel" aria-labelledby="rest-title">
            <h2 id="rest-title">"A REST API"</h2>
            <form class="job-form" on:submit=submit>
                <Field id="rest-name" problem_id="rest-name-problem" label="Name" value=name problems=problems location="name" required=true />
                <Field id="rest-url" problem_id="rest-url-problem" label="Base URL" value=url problems=problems
                    location="target.base_url" kind="url" required=true code=true placeholder="https://api.example.com/v1"
                    hint="Users are created with POST /users and read, updated and deleted at /users/{id}; adjust the calls in the Definition tab." />
                <Field id="rest-token" problem_id="rest-token-problem" label="Bearer token (optional)" value=token problems=problems
                    location="target.bearer_token" kind="password" hint="Stored encrypted and never shown again." />
                <AgentField id="rest-agent" problem_id="rest-agent-problem" value=agent problems=problems />
                <Submit sending=sending label="Create REST application" />
            </form>
        </section>
    }
}

/// The optional on-premises agent, offering the known agents' names.
#[component]
fn AgentField(
    id: &'static str,
    problem_id: &'static str,
    value: RwSignal<String>,
    problems: RwSignal<Vec<JobProblem>>,
) -> impl IntoView {
    view! {
        <Field id=id problem_id=problem_id label="Through the on-premises agent (optional)" value=value problems=problems
            location="target.via_agent" list=AGENT_NAMES
            hint="For a target the server cannot reach: the agent's name. Leave empty to connect directly." />
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_carries_the_secret_and_the_agent() {
        let ldap = templates::ldap("L", "ldap://127.0.0.1:1", "cn=admin", "ou=people", None);
        let sent = document(ldap, " datacenter-1 ", "bind_password", "s3cret");
        assert_eq!(sent["target"]["bind_password"], "s3cret");
        assert_eq!(sent["target"]["via_agent"], "datacenter-1");
    }

    #[test]
    fn without_a_secret_or_an_agent_neither_is_sent() {
        let sql = document(templates::sql("S", "sqlite:///tmp/x.db", "users"), " ", "password", "");
        assert_eq!(sql["target"].get("password"), None);
        assert_eq!(sql["target"].get("via_agent"), None);
        let rest = document(templates::rest("R", "https://api.example"), "", "bearer_token", "t");
        assert_eq!(rest["target"]["bearer_token"], "t");
    }
}
