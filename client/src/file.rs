//! Files a person chose or dropped, and files received. A file sent is read
//! a window at a time as its transfer asks, and a file received is kept as
//! the browser's own pieces: neither passes whole through the app's memory,
//! which a page cannot give back once it has grown.

use js_sys::{Array, Uint8Array};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, Url};

/// The whole content of `file` (a picture or an emoticon: small).
pub async fn read(file: &web_sys::File) -> Result<Vec<u8>, String> {
    read_blob(file, &file.name()).await
}

/// `len` bytes of `file` from `offset` (fewer at its end).
pub async fn read_part(file: &web_sys::File, offset: u64, len: u64) -> Result<Vec<u8>, String> {
    let part = file
        .slice_with_f64_and_f64(offset as f64, (offset + len) as f64)
        .map_err(|_| format!("{} could not be read", file.name()))?;
    read_blob(&part, &file.name()).await
}

async fn read_blob(blob: &Blob, name: &str) -> Result<Vec<u8>, String> {
    JsFuture::from(blob.array_buffer())
        .await
        .map(|buf| Uint8Array::new(&buf).to_vec())
        .map_err(|_| format!("{name} could not be read"))
}

/// A file arriving: its pieces, copied out as they come.
#[derive(Debug, Default)]
pub struct Pieces(Array);

impl Pieces {
    pub fn push(&self, bytes: &[u8]) {
        self.0.push(&Uint8Array::from(bytes));
    }

    /// A Blob URL of the whole, to save: bytes, never run or shown.
    pub fn url(&self) -> Result<String, String> {
        let opts = BlobPropertyBag::new();
        opts.set_type("application/octet-stream");
        let text = crate::picture::text;
        let blob = Blob::new_with_u8_array_sequence_and_options(&self.0, &opts).map_err(text)?;
        Url::create_object_url_with_blob(&blob).map_err(text)
    }
}
