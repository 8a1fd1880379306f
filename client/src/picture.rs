//! Display pictures in the browser: what arrives is data, never code. An
//! image is shown only after the browser has decoded it as one, from a Blob
//! URL; mine is scaled and cropped to 96x96 and stored as PNG, as MSN 6-7
//! did; custom emoticons fit in 50x50.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use js_sys::{Array, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, CanvasRenderingContext2d, HtmlCanvasElement, ImageBitmap, Url};

/// The size of a display picture, in pixels.
pub const SIDE: u32 = 96;

pub fn text(e: JsValue) -> String {
    e.as_string().unwrap_or_else(|| "the browser refused it".to_owned())
}

fn blob(bytes: &[u8], mime: &str) -> Result<Blob, String> {
    let parts = Array::of1(&Uint8Array::from(bytes));
    let opts = BlobPropertyBag::new();
    opts.set_type(mime);
    Blob::new_with_u8_array_sequence_and_options(&parts, &opts).map_err(text)
}

/// Decode `bytes` as an image; an error when they are not one.
async fn decode(bytes: &[u8]) -> Result<ImageBitmap, String> {
    let promise = gloo::utils::window().create_image_bitmap_with_blob(&blob(bytes, "")?).map_err(text)?;
    JsFuture::from(promise)
        .await
        .map_err(|_| "not an image".to_owned())?
        .dyn_into::<ImageBitmap>()
        .map_err(|_| "not an image".to_owned())
}

/// A Blob URL for picture bytes, made only once they decode as an image.
pub async fn checked_url(bytes: &[u8]) -> Result<String, String> {
    decode(bytes).await?.close();
    Url::create_object_url_with_blob(&blob(bytes, "image/png")?).map_err(text)
}

/// A Blob URL for bytes of a known type (an export to save).
pub fn blob_url(bytes: &[u8], mime: &str) -> Result<String, String> {
    Url::create_object_url_with_blob(&blob(bytes, mime)?).map_err(text)
}

/// A picture a person chose, made into a 96x96 PNG: the middle square of
/// it, scaled.
pub async fn to_display_picture(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let image = decode(bytes).await?;
    let (w, h) = (f64::from(image.width()), f64::from(image.height()));
    let side = w.min(h);
    let crop = ((w - side) / 2.0, (h - side) / 2.0, side, side);
    redraw(image, crop, SIDE, SIDE)
}

/// The largest side of a custom emoticon, in pixels (MSN's own limit).
pub const EMOTICON_SIDE: u32 = 50;
/// A custom emoticon this small and this light is kept as it came (an
/// animated GIF stays animated); any other is scaled into PNG.
const EMOTICON_KEPT_BYTES: usize = 64 << 10;

/// An image a person chose as a custom emoticon: kept as is when it is
/// small already, else scaled to fit in 50x50 with its proportions.
pub async fn to_emoticon(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let image = decode(bytes).await?;
    let (w, h) = (image.width(), image.height());
    if w <= EMOTICON_SIDE && h <= EMOTICON_SIDE && bytes.len() <= EMOTICON_KEPT_BYTES {
        image.close();
        return Ok(bytes.to_vec());
    }
    let scale = f64::from(EMOTICON_SIDE) / f64::from(w.max(h));
    let (dw, dh) = (((f64::from(w) * scale).round() as u32).max(1), ((f64::from(h) * scale).round() as u32).max(1));
    redraw(image, (0.0, 0.0, f64::from(w), f64::from(h)), dw, dh)
}

/// Draw `crop` (x, y, width, height) of `image` at `dw`x`dh`, as PNG.
fn redraw(image: ImageBitmap, crop: (f64, f64, f64, f64), dw: u32, dh: u32) -> Result<Vec<u8>, String> {
    let canvas = gloo::utils::document()
        .create_element("canvas")
        .map_err(text)?
        .dyn_into::<HtmlCanvasElement>()
        .map_err(|_| "no canvas".to_owned())?;
    canvas.set_width(dw);
    canvas.set_height(dh);
    let ctx = canvas
        .get_context("2d")
        .map_err(text)?
        .ok_or("no 2D canvas")?
        .dyn_into::<CanvasRenderingContext2d>()
        .map_err(|_| "no 2D canvas".to_owned())?;
    let (sx, sy, sw, sh) = crop;
    ctx.draw_image_with_image_bitmap_and_sw_and_sh_and_dx_and_dy_and_dw_and_dh(
        &image,
        sx,
        sy,
        sw,
        sh,
        0.0,
        0.0,
        f64::from(dw),
        f64::from(dh),
    )
    .map_err(text)?;
    image.close();
    let url = canvas.to_data_url_with_type("image/png").map_err(text)?;
    let b64 = url.split_once(',').map(|(_, b)| b).ok_or("the canvas gave no data")?;
    B64.decode(b64).map_err(|e| e.to_string())
}
