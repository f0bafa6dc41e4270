//! API tokens as the pages that hand them out list them: a table of names,
//! dates and expiry (never the token itself), each unrevoked one with a
//! Revoke button asked twice.

use leptos::prelude::*;
use provisio_api::auth::TokenSummary;

use crate::directory::confirm::ConfirmButton;
use crate::overview::time::now;
use crate::ui::short_time;

/// `list` in a table; `revoke` gets the id of a token to revoke once
/// confirmed, whose consequence `refused` states ("Uploads with it are
/// refused at once.").
#[component]
pub fn TokenTable(
    list: Vec<TokenSummary>,
    refused: &'static str,
    #[prop(into)] busy: Signal<bool>,
    revoke: Callback<String>,
) -> impl IntoView {
    view! {
        <table class="jobs-table tokens-table">
            <thead><tr>
                <th scope="col">"Name"</th><th scope="col">"Created"</th>
                <th scope="col">"Last used"</th><th scope="col">"Expires"</th><th scope="col">"Status"</th>
                <th scope="col"><span class="sr-only">"Actions"</span></th>
            </tr></thead>
            <tbody>
                {list.into_iter().map(|t| {
                    let question = format!("Revoke {}? {refused}", t.name);
                    let id = t.id.clone();
                    let revoked = t.revoked_at.is_some();
                    let status = t.status(now(), short_time);
                    view! {
                        <tr data-revoked=revoked.to_string()>
                            <td>{t.name}</td>
                            <td>{short_time(&t.created_at)}</td>
                            <td>{t.last_used_at.as_deref().map_or_else(|| "never".to_owned(), short_time)}</td>
                            <td>{t.expires_at.as_deref().map_or_else(|| "never".to_owned(), short_time)}</td>
                            <td>{status}</td>
                            <td>{(!revoked).then(|| view! {
                                <ConfirmButton label="Revoke" confirm="Yes, revoke" question=question busy=busy
                                    on_confirm=Callback::new(move |()| revoke.run(id.clone())) />
                            })}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
