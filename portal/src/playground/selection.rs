//! Selecting and inserting text in the expression textarea. Engine spans are byte offsets; the
//! textarea counts UTF-16 code units, and `Span::to_utf16` is the only conversion between them.

use leptos::html::Textarea;
use leptos::prelude::*;
use provisio_engine::span::Span;

/// Focuses the editor and selects `span` of `source` (the editor's current text).
pub fn select_span(editor: NodeRef<Textarea>, source: &str, span: Span) {
    let Some(textarea) = editor.get_untracked() else {
        return;
    };
    let (start, end) = span.to_utf16(source);
    let _ = textarea.focus();
    let _ = textarea.set_selection_range(to_u32(start), to_u32(end));
}

/// Inserts `text` at the editor's cursor (replacing any selection), or replaces the whole
/// expression when the editor holds only whitespace; then updates `expression`.
pub fn insert_at_cursor(editor: NodeRef<Textarea>, expression: RwSignal<String>, text: &str) {
    let Some(textarea) = editor.get_untracked() else {
        expression.set(text.to_owned());
        return;
    };
    if textarea.value().trim().is_empty() {
        textarea.set_value(text);
    } else {
        let end_of_text = to_u32(textarea.value().encode_utf16().count());
        let start = textarea.selection_start().ok().flatten().unwrap_or(end_of_text);
        let end = textarea.selection_end().ok().flatten().unwrap_or(start);
        let _ = textarea.set_range_text_with_start_and_end_and_mode(text, start, end, "end");
    }
    let _ = textarea.focus();
    expression.set(textarea.value());
}

fn to_u32(offset: usize) -> u32 {
    u32::try_from(offset).unwrap_or(u32::MAX)
}
