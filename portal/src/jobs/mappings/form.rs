//! Editing one attribute mapping: its target, matching precedence, apply
//! mode, default and flags, and its expression in the playground's editor
//! (diagnostics underlined as you type, the value for a picked user, the
//! function reference).

use leptos::prelude::*;
use provisio_engine::job::{Apply, AttributeMapping, Direction, JobDefinition};

use super::Edit;
use super::record_sample::RecordSample;
use super::user_picker::UserPicker;
use crate::jobs::directory_source::SourceEntry;
use crate::playground::{DiagnosticList, ExpressionEditor, FunctionReference, PlaygroundState, ResultPanel};

/// The form's fields as the admin typed them.
#[derive(Clone, Copy)]
struct Fields {
    target: RwSignal<String>,
    precedence: RwSignal<String>,
    on_create: RwSignal<bool>,
    default: RwSignal<String>,
    flow_null: RwSignal<bool>,
    case_exact: RwSignal<bool>,
}

impl Fields {
    fn new(m: &AttributeMapping) -> Fields {
        Fields {
            target: RwSignal::new(m.target.clone()),
            precedence: RwSignal::new(m.match_precedence.map(|p| p.to_string()).unwrap_or_default()),
            on_create: RwSignal::new(m.apply == Apply::OnCreate),
            default: RwSignal::new(m.default.clone().unwrap_or_default()),
            flow_null: RwSignal::new(m.flow_null),
            case_exact: RwSignal::new(m.case_exact),
        }
    }

    fn target_error(&self) -> Option<&'static str> {
        self.target
            .with(|t| t.trim().is_empty())
            .then_some("Name the target attribute.")
    }

    /// The precedence, `None` when empty, or why it is unusable.
    fn precedence(&self) -> Result<Option<u32>, &'static str> {
        let text = self.precedence.get();
        match text.trim() {
            "" => Ok(None),
            t => t
                .parse::<u32>()
                .ok()
                .filter(|p| *p > 0)
                .map(Some)
                .ok_or("A whole number from 1, or empty when the attribute is not used for matching."),
        }
    }

    fn mapping(&self, expression: String) -> Option<AttributeMapping> {
        if self.target_error().is_some() {
            return None;
        }
        let default = self.default.get();
        Some(AttributeMapping {
            target: self.target.get().trim().to_owned(),
            expression,
            match_precedence: self.precedence().ok()?,
            apply: if self.on_create.get() {
                Apply::OnCreate
            } else {
                Apply::Always
            },
            default: (!default.is_empty()).then_some(default),
            flow_null: self.flow_null.get(),
            case_exact: self.case_exact.get(),
        })
    }
}

fn blank() -> AttributeMapping {
    AttributeMapping {
        target: String::new(),
        expression: String::new(),
        match_precedence: None,
        apply: Apply::Always,
        default: None,
        flow_null: false,
        case_exact: false,
    }
}

#[component]
pub fn MappingForm(
    draft: RwSignal<JobDefinition>,
    edit: Edit,
    editing: RwSignal<Option<Edit>>,
    picked: RwSignal<Option<SourceEntry>>,
) -> impl IntoView {
    let current = draft.with_untracked(|d| {
        let object = d.objects.get(edit.object);
        edit.index
            .and_then(|i| object.and_then(|o| o.mappings.get(i)).cloned())
            .unwrap_or_else(blank)
    });
    let inbound = draft.with_untracked(|d| d.direction == Direction::Inbound);
    let fields = Fields::new(&current);
    let state = PlaygroundState::new();
    // The job's mappings evaluate with the organisation's default domain, as cycles do.
    let domain = crate::jobs::eval_inputs::default_domain();
    Effect::new(move |_| {
        if let Some(stored) = domain.get() {
            state.default_domain.set(stored.unwrap_or_default());
        }
    });
    state.expression.set(current.expression.clone());
    if let Some(entry) = picked.get_untracked() {
        state.source.set(entry.json());
    }
    let analysis = state.analysis();
    let tried = RwSignal::new(false);
    let apply = move |_| {
        tried.set(true);
        let Some(mapping) = fields.mapping(state.expression.get_untracked()) else {
            return;
        };
        draft.update(|d| {
            if let Some(mappings) = d.objects.get_mut(edit.object).map(|o| &mut o.mappings) {
                match edit.index.filter(|i| *i < mappings.len()) {
                    Some(i) => mappings[i] = mapping,
                    None => mappings.push(mapping),
                }
            }
        });
        editing.set(None);
    };
    let cancel = move || editing.set(None);
    let target_error = move || tried.get().then(|| fields.target_error()).flatten();
    let precedence_error = move || fields.precedence().err();
    let heading = if edit.index.is_some() {
        "Edit mapping"
    } else {
        "New mapping"
    };
    view! {
        <section class="mapping-form" aria-labelledby="mapping-form-heading"
            on:keydown=move |ev| if ev.key() == "Escape" { cancel() }>
            <h3 id="mapping-form-heading">{heading}</h3>
            <div class="mapping-fields">
                <div class="field">
                    <label for="mapping-target">"Target attribute"</label>
                    <input id="mapping-target" autocomplete="off" spellcheck="false"
                        placeholder="e.g. name.givenName" aria-describedby="mapping-target-error"
                        aria-invalid=move || target_error().is_some().to_string()
                        prop:value=move || fields.target.get()
                        on:input=move |ev| fields.target.set(event_target_value(&ev)) />
                    <p id="mapping-target-error" class="field-error" role="alert">{target_error}</p>
                </div>
                <div class="field">
                    <label for="mapping-precedence">"Matching precedence"</label>
                    <input id="mapping-precedence" inputmode="numeric" autocomplete="off"
                        placeholder="not used for matching" aria-describedby="mapping-precedence-error"
                        aria-invalid=move || precedence_error().is_some().to_string()
                        prop:value=move || fields.precedence.get()
                        on:input=move |ev| fields.precedence.set(event_target_value(&ev)) />
                    <p id="mapping-precedence-error" class="field-error" role="alert">{precedence_error}</p>
                </div>
                <div class="field">
                    <label for="mapping-apply">"Apply"</label>
                    <select id="mapping-apply" on:change=move |ev| fields.on_create.set(event_target_value(&ev) == "on_create")>
                        <option value="always" selected=move || !fields.on_create.get()>"Always"</option>
                        <option value="on_create" selected=move || fields.on_create.get()>"Only on create"</option>
                    </select>
                </div>
                <div class="field">
                    <label for="mapping-default">"Default when null (on create)"</label>
                    <input id="mapping-default" autocomplete="off" prop:value=move || fields.default.get()
                        on:input=move |ev| fields.default.set(event_target_value(&ev)) />
                </div>
                <div class="field checkbox">
                    <input id="mapping-flow-null" type="checkbox" prop:checked=move || fields.flow_null.get()
                        on:change=move |ev| fields.flow_null.set(event_target_checked(&ev)) />
                    <label for="mapping-flow-null">"Clear the attribute when the value is null"</label>
                </div>
                <div class="field checkbox">
                    <input id="mapping-case-exact" type="checkbox" prop:checked=move || fields.case_exact.get()
                        on:change=move |ev| fields.case_exact.set(event_target_checked(&ev)) />
                    <label for="mapping-case-exact">"Compare case-sensitively"</label>
                </div>
            </div>
            <div class="mapping-workbench">
                <div class="workbench">
                    {if inbound {
                        view! { <RecordSample state /> }.into_any()
                    } else {
                        view! { <UserPicker state picked /> }.into_any()
                    }}
                    <ExpressionEditor state analysis />
                    <DiagnosticList state analysis />
                    <ResultPanel state analysis />
                </div>
                <FunctionReference state />
            </div>
            <div class="form-actions">
                <button type="button" class="primary" id="apply-mapping" on:click=apply>"Apply to draft"</button>
                <button type="button" id="cancel-mapping" on:click=move |_| cancel()>"Cancel"</button>
            </div>
        </section>
    }
}
