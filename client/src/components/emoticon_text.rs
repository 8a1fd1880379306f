//! Text from the network with its emoticons drawn: messages, names and
//! personal messages alike.

use crate::emoticons::{Piece, link_target, pieces};
use yew::prelude::*;

/// `text` as text nodes, each emoticon as its glyph with a name for screen
/// readers and what was typed on hover, each web link a link that opens in
/// a new tab (http and https only). Never HTML.
pub fn emoticon_text(text: &str) -> Html {
    html! { <>{ for pieces(text).into_iter().map(piece) }</> }
}

fn piece(p: Piece<'_>) -> Html {
    match p {
        Piece::Text(t) => html! { {t.to_owned()} },
        Piece::Link { typed } => html! {
            <a href={link_target(typed)} target="_blank" rel="noopener noreferrer nofollow">{typed.to_owned()}</a>
        },
        Piece::Emoticon { typed, emoticon } => html! {
            <span class="emoticon" data-testid="emoticon" data-code={emoticon.code} role="img"
                aria-label={emoticon.name} title={typed.to_owned()}>{emoticon.glyph}</span>
        },
    }
}
