//! The logs table: one page of entries matching the URL's filters, each
//! linking to its detail, with previous/next links that keep the filters.

use leptos::prelude::*;
use provisio_api::directory::Page;
use provisio_api::logs::{DEFAULT_LIMIT, LOGS_PATH, LogEntry, LogQuery};

use super::{format, query};
use crate::api::{self, Failure, encode};
use crate::ui::{ErrorNote, Loading};

#[component]
pub fn LogTable(#[prop(into)] current: Signal<LogQuery>) -> impl IntoView {
    let failure = RwSignal::new(None::<Failure>);
    let page = LocalResource::new(move || {
        let path = format!("{LOGS_PATH}{}", query::to_string(&current.get()));
        async move { api::get::<Page<LogEntry>>(&path).await }
    });
    move || match page.get() {
        None => view! { <Loading /> }.into_any(),
        Some(Err(e)) => {
            failure.set(Some(e));
            view! { <ErrorNote failure=failure /> }.into_any()
        }
        Some(Ok(page)) => {
            let current = current.get_untracked();
            view! { <Rows page=page current=current /> }.into_any()
        }
    }
}

#[component]
fn Rows(page: Page<LogEntry>, current: LogQuery) -> impl IntoView {
    let offset = current.offset.unwrap_or(0);
    let total = page.total;
    // The entry's link carries the filters, so its "back" returns to this view.
    let carried = query::to_string(&current);
    if page.items.is_empty() {
        return view! { <p class="empty" role="status">"No log entries match these filters."</p> }.into_any();
    }
    let rows = page
        .items
        .into_iter()
        .map(|entry| {
            let link = format!("/logs/{}{carried}", encode(&entry.id));
            let status = entry.status.as_str();
            view! {
                <tr>
                    <td class="time">{format::time(&entry.time)}</td>
                    <td><a href=link>{format::identity(&entry.source)}</a>
                        {entry.target.display.clone().or(entry.target.id.clone())
                            .map(|t| view! { <span class="target">" → "{t}</span> })}</td>
                    <td>{entry.action.as_str()}</td>
                    <td><span class=format!("log-status {status}")>{status}</span></td>
                    <td>{entry.job_name}</td>
                </tr>
            }
        })
        .collect_view();
    let at = |offset: usize| {
        let query = LogQuery {
            offset: Some(offset).filter(|o| *o > 0),
            ..current.clone()
        };
        format!("/logs{}", query::to_string(&query))
    };
    let previous = (offset > 0).then(|| at(offset.saturating_sub(DEFAULT_LIMIT)));
    let next = (offset + DEFAULT_LIMIT < total).then(|| at(offset + DEFAULT_LIMIT));
    view! {
        <table class="log-table">
            <caption>{format!("{}–{} of {total} entries", offset + 1, (offset + DEFAULT_LIMIT).min(total))}</caption>
            <thead>
                <tr>
                    <th scope="col">"Time (UTC)"</th>
                    <th scope="col">"Identity"</th>
                    <th scope="col">"Action"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Application"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        <nav class="pager" aria-label="Pages">
            {match previous {
                Some(href) => view! { <a href=href rel="prev">"Previous"</a> }.into_any(),
                None => view! { <span class="disabled">"Previous"</span> }.into_any(),
            }}
            {match next {
                Some(href) => view! { <a href=href rel="next">"Next"</a> }.into_any(),
                None => view! { <span class="disabled">"Next"</span> }.into_any(),
            }}
        </nav>
    }
    .into_any()
}
