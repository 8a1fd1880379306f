//! Files a person chose or dropped, read into memory.

use wasm_bindgen_futures::JsFuture;

/// The whole content of `file`.
pub async fn read(file: &web_sys::File) -> Result<Vec<u8>, String> {
    JsFuture::from(file.array_buffer())
        .await
        .map(|buf| js_sys::Uint8Array::new(&buf).to_vec())
        .map_err(|_| format!("{} could not be read", file.name()))
}
