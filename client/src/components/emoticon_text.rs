//! Text from the network with its emoticons drawn: messages, names and
//! personal messages alike.

use crate::emoticons::{Piece, link_target, pieces, pieces_with};
use crate::state::CustomEmoticon;
use std::collections::HashMap;
use wasm_bindgen::JsValue;
use yew::prelude::*;

/// `text` as text nodes, each emoticon as its glyph with a name for screen
/// readers and what was typed on hover, each web link a link that opens in
/// a new tab (http and https only). Never HTML.
pub fn emoticon_text(text: &str) -> Html {
    html! { <>{ for pieces(text).into_iter().map(|p| piece(p, &[], &HashMap::new())) }</> }
}

/// As [`emoticon_text`], with the sender's custom emoticons drawn from
/// `pictures` (SHA1D → Blob URL); one not fetched yet shows as typed.
pub fn message_text(text: &str, custom: &[CustomEmoticon], pictures: &HashMap<String, String>) -> Html {
    let shortcuts: Vec<&str> = custom.iter().map(|c| c.shortcut.as_str()).collect();
    html! { <>{ for pieces_with(text, &shortcuts).into_iter().map(|p| piece(p, custom, pictures)) }</> }
}

fn piece(p: Piece<'_>, custom: &[CustomEmoticon], pictures: &HashMap<String, String>) -> Html {
    match p {
        Piece::Text(t) => html! { {t.to_owned()} },
        Piece::Link { typed } => html! {
            <a href={link_target(typed)} target="_blank" rel="noopener noreferrer nofollow">{typed.to_owned()}</a>
        },
        Piece::Emoticon { typed, emoticon } => html! {
            <span class="emoticon" data-testid="emoticon" data-code={emoticon.code} role="img"
                aria-label={emoticon.name} title={typed.to_owned()}>{emoticon.glyph}</span>
        },
        Piece::Custom { typed, index } => match custom.get(index).and_then(|c| pictures.get(&c.sha1d)) {
            Some(url) => html! {
                <img class="custom-emoticon" data-testid="custom-emoticon" data-shortcut={typed.to_owned()}
                    src={url.clone()} alt={typed.to_owned()} title={typed.to_owned()} />
            },
            None => html! { {typed.to_owned()} },
        },
    }
}

/// [`emoticon_text`] drawn straight into `parent`, for the contact list's
/// rows, which are drawn outside Yew (see `contact_rows`, which handles a
/// refusal). The same markup as [`piece`] (a test renders both and compares
/// them).
pub fn append_emoticon_text(doc: &web_sys::Document, parent: &web_sys::Element, text: &str) -> Result<(), JsValue> {
    for p in pieces(text) {
        match p {
            Piece::Text(t) | Piece::Custom { typed: t, .. } => parent.append_with_str_1(t)?,
            Piece::Link { typed } => {
                let a = doc.create_element("a")?;
                a.set_attribute("href", &link_target(typed))?;
                a.set_attribute("target", "_blank")?;
                a.set_attribute("rel", "noopener noreferrer nofollow")?;
                a.append_with_str_1(typed)?;
                parent.append_with_node_1(&a)?;
            }
            Piece::Emoticon { typed, emoticon } => {
                let s = doc.create_element("span")?;
                s.set_class_name("emoticon");
                s.set_attribute("data-testid", "emoticon")?;
                s.set_attribute("data-code", emoticon.code)?;
                s.set_attribute("role", "img")?;
                s.set_attribute("aria-label", emoticon.name)?;
                s.set_attribute("title", typed)?;
                s.append_with_str_1(emoticon.glyph)?;
                parent.append_with_node_1(&s)?;
            }
        }
    }
    Ok(())
}
