//! What users' and groups' listings share: the search box, the "show
//! deleted" toggle and the offset, kept in the address (`?search=&deleted=
//! &offset=`) so that back, reload and links return to the same page.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_location, use_navigate, use_query_map};
use provisio_api::directory::DirectoryQuery;

use crate::api;

/// Rows per page.
pub const PAGE_SIZE: usize = 25;

/// The listing's controls as signals.
#[derive(Debug, Clone, Copy)]
pub struct Listing {
    pub search: RwSignal<String>,
    pub deleted: RwSignal<bool>,
    pub offset: RwSignal<usize>,
}

impl Listing {
    /// Reads the controls from the address and writes them back on change.
    pub fn from_address() -> Listing {
        let query = use_query_map().get_untracked();
        let listing = Listing {
            search: RwSignal::new(query.get("search").unwrap_or_default()),
            deleted: RwSignal::new(query.get("deleted").is_some_and(|d| d == "true")),
            offset: RwSignal::new(query.get("offset").and_then(|o| o.parse().ok()).unwrap_or(0)),
        };
        let navigate = use_navigate();
        let path = use_location().pathname.get_untracked();
        Effect::new(move |first: Option<()>| {
            let address = format!("{path}{}", listing.address_query());
            // The first run only subscribes: the address is already right.
            if first.is_some() {
                navigate(
                    &address,
                    NavigateOptions {
                        replace: true,
                        scroll: false,
                        ..NavigateOptions::default()
                    },
                );
            }
        });
        listing
    }

    fn address_query(&self) -> String {
        let mut parts = Vec::new();
        let search = self.search.get();
        if !search.is_empty() {
            parts.push(format!("search={}", api::encode(&search)));
        }
        if self.deleted.get() {
            parts.push("deleted=true".to_owned());
        }
        let offset = self.offset.get();
        if offset > 0 {
            parts.push(format!("offset={offset}"));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        }
    }

    /// The API's query for the current controls.
    pub fn query(&self) -> DirectoryQuery {
        let search = self.search.get();
        DirectoryQuery {
            search: (!search.trim().is_empty()).then(|| search.trim().to_owned()),
            offset: Some(self.offset.get()),
            limit: Some(PAGE_SIZE),
            deleted: Some(self.deleted.get()),
        }
    }
}

/// `path?search=…&offset=…&limit=…&deleted=…` for a listing query.
pub fn with_query(path: &str, query: &DirectoryQuery) -> String {
    let mut url = format!("{path}?limit={}", query.limit.unwrap_or(PAGE_SIZE));
    if let Some(search) = &query.search {
        url.push_str(&format!("&search={}", api::encode(search)));
    }
    if let Some(offset) = query.offset {
        url.push_str(&format!("&offset={offset}"));
    }
    if query.deleted == Some(true) {
        url.push_str("&deleted=true");
    }
    url
}

/// The search box and the deleted toggle; changing either goes to the first page.
#[component]
pub fn Filters(
    listing: Listing,
    id: &'static str,
    search_label: &'static str,
    deleted_label: &'static str,
) -> impl IntoView {
    let toggle_id = format!("{id}-deleted");
    let toggle_for = toggle_id.clone();
    view! {
        <div class="directory-filters" role="search">
            <div>
                <label for=id>{search_label}</label>
                <input id=id type="search" autocomplete="off" prop:value=move || listing.search.get()
                    on:input=move |e| {
                        listing.search.set(event_target_value(&e));
                        listing.offset.set(0);
                    } />
            </div>
            <label class="check" for=toggle_for>
                <input id=toggle_id type="checkbox" prop:checked=move || listing.deleted.get()
                    on:change=move |e| {
                        listing.deleted.set(event_target_checked(&e));
                        listing.offset.set(0);
                    } />
                {deleted_label}
            </label>
        </div>
    }
}
