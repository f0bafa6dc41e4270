//! Who is signed in: the session context every page reads, the sign-in
//! page, signing out, and [`Protected`], which sends a visitor without a
//! session (or whose session expired) to sign-in and back afterwards.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_location, use_navigate, use_query_map};
use provisio_api::auth::{SESSION_PATH, Secret, SessionInfo, SignInRequest};

use crate::api;
use crate::ui::ErrorNote;

/// The session as the portal knows it.
#[derive(Debug, Clone, Copy)]
pub struct Session {
    /// The signed-in administrator's session, once known.
    pub info: RwSignal<Option<SessionInfo>>,
    /// Whether the server was asked yet (until then, pages wait).
    pub checked: RwSignal<bool>,
}

impl Session {
    fn signed_in(&self, info: SessionInfo) {
        api::set_csrf_token(Some(info.csrf_token.expose().to_owned()));
        self.info.set(Some(info));
        self.checked.set(true);
    }

    fn signed_out(&self) {
        api::set_csrf_token(None);
        self.info.set(None);
        self.checked.set(true);
    }
}

/// Provides the session to the app and asks the server whether the browser
/// already has one; a 401 from any request later signs the portal out.
pub fn provide_session() -> Session {
    let session = Session {
        info: RwSignal::new(None),
        checked: RwSignal::new(false),
    };
    provide_context(session);
    api::on_signed_out(move || session.signed_out());
    spawn_local(async move {
        match api::get::<SessionInfo>(SESSION_PATH).await {
            Ok(info) => session.signed_in(info),
            Err(_) => session.signed_out(),
        }
    });
    session
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}

/// Shows its children to a signed-in administrator; anyone else goes to
/// sign-in, which brings them back here afterwards.
#[component]
pub fn Protected(children: ChildrenFn) -> impl IntoView {
    let session = use_session();
    let location = use_location();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if session.checked.get() && session.info.with(Option::is_none) {
            let search = location.search.get_untracked();
            let search = search.trim_start_matches('?');
            let path = location.pathname.get_untracked();
            let here = if search.is_empty() {
                path
            } else {
                format!("{path}?{search}")
            };
            navigate(
                &format!("/signin?next={}", api::encode(&here)),
                NavigateOptions::default(),
            );
        }
    });
    move || match (session.checked.get(), session.info.with(Option::is_some)) {
        (true, true) => children().into_any(),
        _ => view! { <p class="loading" role="status">"Loading…"</p> }.into_any(),
    }
}

/// The sign-in page.
#[component]
pub fn SignIn() -> impl IntoView {
    let session = use_session();
    let query = use_query_map();
    let navigate = use_navigate();
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<api::Failure>);
    let busy = RwSignal::new(false);
    let next = move || {
        query
            .with_untracked(|q| q.get("next"))
            .filter(|next| next.starts_with('/') && !next.starts_with("//"))
            .unwrap_or_else(|| "/".to_owned())
    };
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        busy.set(true);
        failure.set(None);
        let request = SignInRequest {
            name: name.get_untracked().trim().to_owned(),
            password: Secret::new(password.get_untracked()),
        };
        let navigate = navigate.clone();
        spawn_local(async move {
            match api::post::<_, SessionInfo>(SESSION_PATH, &request).await {
                Ok(info) => {
                    session.signed_in(info);
                    password.set(String::new());
                    navigate(&next(), NavigateOptions::default());
                }
                Err(e) => failure.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="sign-in" aria-labelledby="sign-in-title">
            <h1 id="sign-in-title">"Sign in to Provisio"</h1>
            <form on:submit=submit>
                <label for="sign-in-name">"Administrator"</label>
                <input id="sign-in-name" name="name" autocomplete="username" required
                    prop:value=move || name.get() on:input=move |e| name.set(event_target_value(&e)) />
                <label for="sign-in-password">"Password"</label>
                <input id="sign-in-password" name="password" type="password" autocomplete="current-password" required
                    prop:value=move || password.get() on:input=move |e| password.set(event_target_value(&e)) />
                <ErrorNote failure=failure />
                <button type="submit" disabled=move || busy.get()>
                    {move || if busy.get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
        </section>
    }
}

/// Ends the session on the server and in the portal.
pub fn sign_out(session: Session) {
    spawn_local(async move {
        // Whatever the answer, the portal forgets the session.
        let _ = api::delete(SESSION_PATH).await;
        session.signed_out();
    });
}
