//! The expression playground: write a mapping expression and see, on every keystroke, what the
//! engine makes of it for a sample source object.

mod analysis;
mod diagnostics;
mod editor;
mod highlight;
mod options;
mod reference;
mod result_panel;
mod selection;
mod source_editor;
mod state;

use leptos::prelude::*;

pub use analysis::{Analysis, Outcome, ValueView, analyse};
pub use highlight::{Segment, segments};
pub use options::{EvalOptions, browser_now};
pub use state::{DEFAULT_EXPRESSION, DEFAULT_SOURCE, PlaygroundState};

// The editor's parts, reused by the job's mappings tab.
pub use diagnostics::DiagnosticList;
pub use editor::ExpressionEditor;
pub use reference::FunctionReference;
pub use result_panel::ResultPanel;

use options::OptionsForm;
use source_editor::SourceEditor;

/// The playground page: editor, diagnostics and result on the left, the source object and
/// evaluation inputs below them, the function reference on the right.
#[component]
pub fn Playground() -> impl IntoView {
    let state = PlaygroundState::new();
    let analysis = state.analysis();
    view! {
        <div class="playground">
            <div class="workbench">
                <h1>"Expression playground"</h1>
                <p class="intro">
                    "Write an attribute-mapping expression. It is checked and evaluated in your browser by the \
                     same engine the provisioning service runs, against the source object below."
                </p>
                <ExpressionEditor state analysis />
                <DiagnosticList state analysis />
                <ResultPanel state analysis />
                <div class="inputs">
                    <SourceEditor state />
                    <OptionsForm state />
                </div>
            </div>
            <FunctionReference state />
        </div>
    }
}
