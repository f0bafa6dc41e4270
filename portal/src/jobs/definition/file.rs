//! Job definitions as files: reading the one chosen in a file input, and a
//! download link's address for a document.
//!
//! The portal has no `File` bindings (each web-sys feature adds to the
//! wasm), so a chosen file is read as the `Blob` it also is, through an
//! object URL fetched like any other address.

use wasm_bindgen::{JsCast as _, JsValue};
use web_sys::{Blob, HtmlInputElement, Url};

use crate::api::{self, Failure};

/// A file the administrator chose: its name and its text.
pub struct Chosen {
    pub name: String,
    pub text: String,
}

/// The first file chosen in `input`, read as text; `None` when none is.
pub async fn read_chosen(input: &HtmlInputElement) -> Result<Option<Chosen>, Failure> {
    let files = js_sys::Reflect::get(input, &JsValue::from_str("files")).unwrap_or(JsValue::NULL);
    if files.is_null() || files.is_undefined() {
        return Ok(None);
    }
    let file = js_sys::Reflect::get(&files, &JsValue::from_f64(0.0)).unwrap_or(JsValue::UNDEFINED);
    if file.is_null() || file.is_undefined() {
        return Ok(None);
    }
    let name = js_sys::Reflect::get(&file, &JsValue::from_str("name"))
        .ok()
        .and_then(|n| n.as_string())
        .unwrap_or_default();
    let blob: Blob = file.unchecked_into();
    let url = Url::create_object_url_with_blob(&blob).map_err(|_| unreadable(&name))?;
    let text = api::get_text(&url).await;
    // The object URL holds the file in memory until revoked.
    let _ = Url::revoke_object_url(&url);
    let text = text.map_err(|_| unreadable(&name))?;
    Ok(Some(Chosen { name, text }))
}

fn unreadable(name: &dyn std::fmt::Display) -> Failure {
    Failure {
        status: 0,
        error: "file".into(),
        message: format!("the file {name} could not be read"),
        body: None,
    }
}

/// A `data:` address holding `text` as JSON, for a download link.
pub fn json_data_url(text: &str) -> String {
    format!("data:application/json;charset=utf-8,{}", api::encode(text))
}
