//! What the browser already does and the page need not carry a second copy
//! of: `fetch` and `localStorage` with the browser's own HTTP and JSON code
//! (`serde-wasm-bindgen` between JS values and our types; a JSON parser and
//! HTTP layer compiled in were a twelfth of the download), and lower-casing
//! text with its own Unicode tables ([`lower`]).

use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestInit, Response};

/// `text` in lower case, as the browser's `toLowerCase` makes it (the same
/// Unicode mapping as `str::to_lowercase`, whose tables and code were about
/// 7 KB of the download, gzip). For sort keys, history search and storage
/// keys.
pub fn lower(text: &str) -> String {
    String::from(js_sys::JsString::from(text).to_lower_case())
}

/// A finished HTTP exchange.
pub struct Answer(Response);

impl Answer {
    pub fn status(&self) -> u16 {
        self.0.status()
    }
    /// A 2xx status.
    pub fn ok(&self) -> bool {
        self.0.ok()
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.0.headers().get(name).ok().flatten()
    }
    pub async fn text(&self) -> Result<String, String> {
        let p = self.0.text().map_err(js_text)?;
        JsFuture::from(p).await.map_err(js_text)?.as_string().ok_or_else(|| "the body is not text".into())
    }
    /// The body as JSON, read into `T`.
    pub async fn json<T: DeserializeOwned>(&self) -> Result<T, String> {
        let p = self.0.json().map_err(js_text)?;
        from_js(JsFuture::from(p).await.map_err(js_text)?)
    }
}

/// `method url` with these headers. `Err` is a network failure (no answer
/// at all); any HTTP status is an [`Answer`].
pub async fn http(method: &str, url: &str, headers: &[(&str, &str)]) -> Result<Answer, String> {
    let init = RequestInit::new();
    init.set_method(method);
    let req = Request::new_with_str_and_init(url, &init).map_err(js_text)?;
    for (k, v) in headers {
        req.headers().set(k, v).map_err(js_text)?;
    }
    let window = web_sys::window().ok_or("no window")?;
    let resp = JsFuture::from(window.fetch_with_request(&req)).await.map_err(js_text)?;
    resp.dyn_into::<Response>().map(Answer).map_err(js_text)
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// What is stored under `key`, if anything readable is. Something stored
/// that no longer reads as `T` is logged and treated as nothing.
pub fn stored<T: DeserializeOwned>(key: &str) -> Option<T> {
    let text = local_storage()?.get_item(key).ok().flatten()?;
    let read = js_sys::JSON::parse(&text).map_err(js_text).and_then(from_js);
    read.map_err(|e| web_sys::console::warn_1(&format!("msn-web: {key} in localStorage is unreadable: {e}").into()))
        .ok()
}

/// Store `value` under `key` as JSON; a browser that will not (private
/// mode, quota) is logged.
pub fn store<T: Serialize>(key: &str, value: &T) {
    let json = value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| e.to_string())
        .and_then(|v| js_sys::JSON::stringify(&v).map_err(js_text))
        .map(String::from);
    let done = json.and_then(|j| {
        let s = local_storage().ok_or_else(|| "no localStorage".to_owned())?;
        s.set_item(key, &j).map_err(js_text)
    });
    if let Err(e) = done {
        web_sys::console::warn_1(&format!("msn-web: could not store {key}: {e}").into());
    }
}

/// Forget what is stored under `key`.
pub fn forget(key: &str) {
    if let Some(s) = local_storage() {
        let _ = s.remove_item(key);
    }
}

fn from_js<T: DeserializeOwned>(v: JsValue) -> Result<T, String> {
    serde_wasm_bindgen::from_value(v).map_err(|e| e.to_string())
}

/// A thrown JS value as text.
fn js_text(v: JsValue) -> String {
    v.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| v.as_string())
        .unwrap_or_else(|| format!("{v:?}"))
}
