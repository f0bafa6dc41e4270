//! What the server gives every evaluation besides the source object, read
//! from its settings so the browser evaluates as cycles do: the
//! organisation's default domain (`DefaultDomain()`).

use leptos::prelude::*;
use leptos::task::spawn_local;
use provisio_api::settings::{SETTINGS_PATH, Settings};

/// The stored default domain, once read: `None` while loading, then
/// `Some(None)` when none is set (or the settings could not be read: an
/// evaluation then fails on DefaultDomain() as it would on the server).
pub fn default_domain() -> RwSignal<Option<Option<String>>> {
    let domain = RwSignal::new(None);
    spawn_local(async move {
        let read = crate::api::get::<Settings>(SETTINGS_PATH).await;
        domain.set(Some(read.ok().and_then(|settings| settings.default_domain)));
    });
    domain
}
