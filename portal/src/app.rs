//! The portal's shell: the router, the header with navigation and the
//! signed-in administrator, and which page each path shows. Every page but
//! sign-in and the expression playground needs a session ([`Protected`]).

use leptos::prelude::*;
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::hooks::use_location;
use leptos_router::path;

use crate::agents::AgentsPage;
use crate::directory::{GroupPage, GroupsPage, UserPage, UsersPage};
use crate::jobs::{JobPage, JobsPage, NewJobPage};
use crate::logs::{LogEntryPage, LogsPage};
use crate::overview::Overview;
use crate::playground::Playground;
use crate::session::{Protected, SignIn, provide_session, sign_out, use_session};
use crate::settings::NotificationsPage;

/// The whole portal.
#[component]
pub fn App() -> impl IntoView {
    provide_session();
    view! {
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <Header />
            <main id="main" tabindex="-1">
                <Routes fallback=|| view! { <NotFound /> }>
                    <Route path=path!("/signin") view=SignIn />
                    <Route path=path!("/playground") view=Playground />
                    <Route path=path!("/") view=|| view! { <Protected><Overview /></Protected> } />
                    <Route path=path!("/directory/users") view=|| view! { <Protected><UsersPage /></Protected> } />
                    <Route path=path!("/directory/users/:id") view=|| view! { <Protected><UserPage /></Protected> } />
                    <Route path=path!("/directory/groups") view=|| view! { <Protected><GroupsPage /></Protected> } />
                    <Route path=path!("/directory/groups/:id") view=|| view! { <Protected><GroupPage /></Protected> } />
                    <Route path=path!("/jobs") view=|| view! { <Protected><JobsPage /></Protected> } />
                    <Route path=path!("/jobs/new") view=|| view! { <Protected><NewJobPage /></Protected> } />
                    <Route path=path!("/jobs/:id") view=|| view! { <Protected><JobPage /></Protected> } />
                    <Route path=path!("/jobs/:id/:tab") view=|| view! { <Protected><JobPage /></Protected> } />
                    <Route path=path!("/logs") view=|| view! { <Protected><LogsPage /></Protected> } />
                    <Route path=path!("/logs/:id") view=|| view! { <Protected><LogEntryPage /></Protected> } />
                    <Route path=path!("/agents") view=|| view! { <Protected><AgentsPage /></Protected> } />
                    <Route path=path!("/settings") view=|| view! { <Protected><NotificationsPage /></Protected> } />
                    <Route path=path!("/settings/notifications") view=|| view! { <Protected><NotificationsPage /></Protected> } />
                </Routes>
            </main>
        </Router>
    }
}

/// The top bar: the brand, the main navigation and who is signed in.
#[component]
fn Header() -> impl IntoView {
    let session = use_session();
    let location = use_location();
    view! {
        <header class="top-bar">
            <a class="brand" href="/">"Provisio"</a>
            <nav aria-label="Main">
                <ul>
                    <li><A href="/" exact=true>"Overview"</A></li>
                    // Users and groups are one section: current on either.
                    <li><a href="/directory/users"
                        aria-current=move || location.pathname.get().starts_with("/directory").then_some("page")>"Directory"</a></li>
                    <li><A href="/jobs">"Applications"</A></li>
                    <li><A href="/logs">"Provisioning logs"</A></li>
                    <li><A href="/agents">"Agents"</A></li>
                    <li><a href="/settings/notifications"
                        aria-current=move || location.pathname.get().starts_with("/settings").then_some("page")>"Settings"</a></li>
                    <li><A href="/playground">"Expression playground"</A></li>
                </ul>
            </nav>
            {move || session.info.get().map(|info| view! {
                <div class="who">
                    <span class="who-name">{info.name.clone()}</span>
                    <button type="button" class="sign-out" on:click=move |_| sign_out(session)>"Sign out"</button>
                </div>
            })}
        </header>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    view! {
        <section>
            <h1>"Not found"</h1>
            <p>"There is no such page. " <a href="/">"Go to the overview"</a>"."</p>
        </section>
    }
}
