//! Component tests of the expression playground in a real browser: mount it, type, check the DOM.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should stop loudly

use leptos::prelude::*;
use provisio_portal::Playground;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, Event, EventInit, HtmlElement, HtmlInputElement, HtmlTextAreaElement};

wasm_bindgen_test_configure!(run_in_browser);

/// A playground mounted in its own container, removed again when the test ends.
struct Mounted {
    container: HtmlElement,
    _handle: Box<dyn std::any::Any>,
}

impl Mounted {
    async fn new() -> Self {
        let document = web_sys::window().unwrap().document().unwrap();
        let container: HtmlElement = document.create_element("div").unwrap().unchecked_into();
        document.body().unwrap().append_child(&container).unwrap();
        let handle = leptos::mount::mount_to(container.clone(), || view! { <Playground /> });
        let mounted = Mounted {
            container,
            _handle: Box::new(handle),
        };
        settle().await;
        mounted
    }

    fn find(&self, selector: &str) -> Element {
        self.container
            .query_selector(selector)
            .unwrap()
            .unwrap_or_else(|| panic!("nothing matches {selector}"))
    }

    fn all(&self, selector: &str) -> Vec<Element> {
        let list = self.container.query_selector_all(selector).unwrap();
        (0..list.length())
            .filter_map(|i| list.item(i)?.dyn_into().ok())
            .collect()
    }

    fn text(&self, selector: &str) -> String {
        self.find(selector).text_content().unwrap_or_default()
    }

    fn textarea(&self, selector: &str) -> HtmlTextAreaElement {
        self.find(selector).unchecked_into()
    }

    /// Sets a field's value and fires `input`, as typing does.
    async fn type_into(&self, selector: &str, value: &str) {
        let field = self.find(selector);
        if let Some(textarea) = field.dyn_ref::<HtmlTextAreaElement>() {
            textarea.set_value(value);
        } else {
            field.unchecked_ref::<HtmlInputElement>().set_value(value);
        }
        let init = EventInit::new();
        init.set_bubbles(true);
        field
            .dispatch_event(&Event::new_with_event_init_dict("input", &init).unwrap())
            .unwrap();
        settle().await;
    }

    async fn click(&self, selector: &str) {
        self.find(selector).unchecked_into::<HtmlElement>().click();
        settle().await;
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        self.container.remove();
    }
}

/// Lets the reactive system apply pending updates to the DOM.
async fn settle() {
    for _ in 0..3 {
        leptos::task::tick().await;
    }
}

#[wasm_bindgen_test]
async fn the_default_expression_gives_the_users_address() {
    let page = Mounted::new().await;
    assert!(page.textarea("#expression").value().starts_with("ToLower(Join(\"@\""));
    assert_eq!(page.text("#result-value"), "\"zoe.vanderberg@contoso.com\"");
    assert_eq!(page.text("#result-type"), "string");
    assert!(page.all(".diag").is_empty());
}

#[wasm_bindgen_test]
async fn every_keystroke_re_evaluates() {
    let page = Mounted::new().await;
    page.type_into("#expression", "Left([givenName], 1)").await;
    assert_eq!(page.text("#result-value"), "\"Z\"");
    page.type_into("#expression", "Left([givenName], 2)").await;
    assert_eq!(page.text("#result-value"), "\"Zo\"");
}

#[wasm_bindgen_test]
async fn an_unknown_function_is_underlined_and_listed() {
    let page = Mounted::new().await;
    page.type_into("#expression", "Tolower([mail])").await;
    let marks = page.all("mark.diag");
    assert_eq!(marks.len(), 1);
    assert_eq!(marks[0].text_content().unwrap_or_default(), "Tolower");
    let diagnostics = page.text("#diagnostics");
    assert!(diagnostics.contains("error[E0201]"), "{diagnostics}");
    assert!(diagnostics.contains("did you mean `ToLower`?"), "{diagnostics}");
    assert!(page.text("#result").contains("Fix the problem"));
}

#[wasm_bindgen_test]
async fn choosing_a_diagnostic_selects_its_span_in_utf16() {
    let page = Mounted::new().await;
    page.type_into("#expression", "Join(\"😀\", Tolower([mail]))").await;
    page.click(".diagnostic-jump").await;
    let editor = page.textarea("#expression");
    // "Join(\"😀\", " is 11 UTF-16 code units (the emoji takes two) but 13 bytes.
    assert_eq!(
        (editor.selection_start().unwrap(), editor.selection_end().unwrap()),
        (Some(11), Some(18))
    );
}

#[wasm_bindgen_test]
async fn invalid_source_json_shows_its_own_error() {
    let page = Mounted::new().await;
    page.type_into("#source", "{\n  \"givenName\": \"Zoë\",\n}").await;
    let error = page.find("#source-error");
    assert!(!error.unchecked_ref::<HtmlElement>().hidden());
    assert!(error.text_content().unwrap_or_default().contains("line 3 column 1"));
    assert!(page.text("#result").contains("not valid JSON"));
    page.type_into("#source", "{\"givenName\": \"Ann\", \"surname\": \"Lee\"}")
        .await;
    assert!(page.find("#source-error").unchecked_ref::<HtmlElement>().hidden());
    assert_eq!(page.text("#result-value"), "\"ann.lee@contoso.com\"");
}

#[wasm_bindgen_test]
async fn insert_puts_the_example_into_an_empty_editor() {
    let page = Mounted::new().await;
    page.type_into("#expression", "").await;
    page.click("[data-function=\"Left\"] button.insert").await;
    assert_eq!(page.textarea("#expression").value(), "Left(\"John Doe\", 3)");
    assert_eq!(page.text("#result-value"), "\"Joh\"");
}

#[wasm_bindgen_test]
async fn insert_goes_to_the_cursor() {
    let page = Mounted::new().await;
    page.type_into("#expression", "Join(\",\", , [mail])").await;
    page.textarea("#expression").set_selection_range(10, 10).unwrap();
    page.click("[data-function=\"Left\"] button.insert").await;
    assert_eq!(
        page.textarea("#expression").value(),
        "Join(\",\", Left(\"John Doe\", 3), [mail])"
    );
    assert_eq!(page.text("#result-value"), "\"Joh,Zoe.vanderBerg@contoso.com\"");
}

#[wasm_bindgen_test]
async fn redaction_and_ignored_flow_have_notes() {
    let page = Mounted::new().await;
    page.type_into("#expression", "Redact([mail])").await;
    assert!(page.text("#result").contains("[Redact]"));
    page.type_into("#expression", "IgnoreFlowIfNullOrEmpty([manager])")
        .await;
    assert!(page.text("#result").contains("the attribute would not be sent"));
}

#[wasm_bindgen_test]
async fn evaluation_inputs_feed_the_engine() {
    let page = Mounted::new().await;
    page.type_into("#option-now", "2024-02-29T13:45:00Z").await;
    page.type_into("#expression", "Now()").await;
    assert_eq!(page.text("#result-value"), "\"2/29/2024 1:45:00 PM\"");
    page.type_into("#option-domain", "fabrikam.com").await;
    page.type_into("#expression", "DefaultDomain()").await;
    assert_eq!(page.text("#result-value"), "\"fabrikam.com\"");
    page.type_into("#option-seed", "not a number").await;
    assert!(page.text("#result").contains("evaluation input"));
}

#[wasm_bindgen_test]
async fn the_reference_lists_every_function_and_filters() {
    let page = Mounted::new().await;
    let all = provisio_engine::expr::FUNCTIONS.len();
    assert_eq!(page.all("#function-reference [data-function]").len(), all);
    assert!(page.text("[data-function=\"Left\"]").contains("Left(string, numChars)"));
    page.type_into("#function-filter", "tolower").await;
    let visible: Vec<String> = page
        .all("#function-reference [data-function]")
        .into_iter()
        .filter(|card| !card.unchecked_ref::<HtmlElement>().hidden())
        .filter_map(|card| card.get_attribute("data-function"))
        .collect();
    assert_eq!(visible, ["ToLower"]);
}
