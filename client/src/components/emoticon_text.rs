//! Text from the network with its emoticons drawn: messages, names and
//! personal messages alike.

use crate::emoticons::{Piece, pieces};
use yew::prelude::*;

/// `text` as text nodes, each emoticon as its glyph with a name for screen
/// readers and what was typed on hover. Never HTML.
pub fn emoticon_text(text: &str) -> Html {
    html! { <>{ for pieces(text).into_iter().map(piece) }</> }
}

fn piece(p: Piece<'_>) -> Html {
    match p {
        Piece::Text(t) => html! { {t.to_owned()} },
        Piece::Emoticon { typed, emoticon } => html! {
            <span class="emoticon" data-testid="emoticon" data-code={emoticon.code} role="img"
                aria-label={emoticon.name} title={typed.to_owned()}>{emoticon.glyph}</span>
        },
    }
}
