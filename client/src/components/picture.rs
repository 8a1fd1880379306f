//! A display picture: the person's own once it has come and decoded, our
//! default drawing until then (or for those without one).

use yew::prelude::*;

/// A display picture, `size` `small` (the list), `medium` (mine, above
/// it) or `large` (conversations); `data-email` says whose. A plain
/// function, not a component: it holds nothing. The contact list's rows
/// draw the same straight into the page ([`make_picture`]; a test compares
/// the two).
pub fn picture_img(email: &str, url: Option<&str>, size: &'static str) -> Html {
    match url {
        Some(src) => html! {
            <img class={classes!("picture", size)} data-testid="picture" data-email={email.to_owned()}
                data-default="false" src={src.to_owned()} alt="" draggable="false" />
        },
        // Our drawing comes from the style sheet: one image for every row
        // instead of one decoded per row (a thousand rows drew a third
        // slower as images).
        None => html! {
            <span class={classes!("picture", size, "default")} data-testid="picture" data-email={email.to_owned()}
                data-default="true" aria-hidden="true" />
        },
    }
}

/// [`picture_img`] as an element, for the contact list's rows, which are
/// drawn outside Yew (see `contact_rows`).
pub fn make_picture(
    doc: &web_sys::Document,
    email: &str,
    url: Option<&str>,
    size: &str,
) -> Result<web_sys::Element, wasm_bindgen::JsValue> {
    let el = match url {
        Some(src) => {
            let img = doc.create_element("img")?;
            img.set_class_name(&format!("picture {size}"));
            img.set_attribute("data-default", "false")?;
            img.set_attribute("src", src)?;
            img.set_attribute("alt", "")?;
            img.set_attribute("draggable", "false")?;
            img
        }
        None => {
            let span = doc.create_element("span")?;
            span.set_class_name(&format!("picture {size} default"));
            span.set_attribute("data-default", "true")?;
            span.set_attribute("aria-hidden", "true")?;
            span
        }
    };
    el.set_attribute("data-testid", "picture")?;
    el.set_attribute("data-email", email)?;
    Ok(el)
}
