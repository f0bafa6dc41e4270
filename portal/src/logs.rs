//! Provisioning logs: the filtered table (`/logs?…`) and one entry's
//! detail (`/logs/{id}`). The filters live in the URL.

mod entry;
mod filters;
pub(crate) mod format;
mod query;
mod table;

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use provisio_api::logs::{ExportFormat, LOGS_EXPORT_PATH};

pub use self::entry::LogEntryPage;
use self::filters::Filters;
use self::table::LogTable;

#[component]
pub fn LogsPage() -> impl IntoView {
    let map = use_query_map();
    let current = Memo::new(move |_| map.with(query::from_map));
    let export = move |format: ExportFormat| {
        let filters = query::to_string(&query::filters_only(&current.get()));
        let format = format.as_str();
        // The filters' `?` becomes `&` after the format.
        let rest = filters.strip_prefix('?').map(|f| format!("&{f}")).unwrap_or_default();
        format!("{LOGS_EXPORT_PATH}?format={format}{rest}")
    };
    view! {
        <section class="logs">
            <header class="logs-header">
                <h1>"Provisioning logs"</h1>
                <p class="exports">
                    "Export these entries: "
                    <a href=move || export(ExportFormat::Csv) download="provisioning-logs.csv">"CSV"</a>
                    " · "
                    <a href=move || export(ExportFormat::Json) download="provisioning-logs.json">"JSON"</a>
                    " · with their steps: "
                    <a href=move || export(ExportFormat::CsvSteps) download="provisioning-log-steps.csv">"steps CSV"</a>
                    " · "
                    <a href=move || export(ExportFormat::CsvModified) download="provisioning-log-modified.csv">"modified properties CSV"</a>
                    " · "
                    <a href=move || export(ExportFormat::Jsonl) download="provisioning-logs.jsonl">"JSON lines"</a>
                </p>
            </header>
            <Filters current=current />
            <LogTable current=current />
        </section>
    }
}
