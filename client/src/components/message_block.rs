//! A block of a conversation's messages, a component of its own. A new
//! message (or a delivery state) redraws its block of [`BLOCK`], not the
//! whole conversation: Yew visits every element of a list it draws again,
//! which for a conversation of a thousand messages was most of the script
//! time between a message arriving and being drawn.

use crate::components::message_view::MessageView;
use crate::state::{ChatMessage, MessageKind};
use crate::view::room_to_grow;
use std::collections::HashMap;
use std::rc::Rc;
use yew::prelude::*;

/// Messages in a block: what a new message costs to draw again (each
/// compared by pointer). Blocks are drawn by place, like the messages in
/// them, so when the oldest quarter goes (`state::overflow`) every block is
/// drawn again, as every message was before.
pub const BLOCK: usize = 50;

#[derive(Properties)]
pub struct MessageBlockProps {
    pub conv: u64,
    /// At most [`BLOCK`], oldest first.
    pub messages: Vec<Rc<ChatMessage>>,
    /// My address (my messages are drawn as mine).
    pub me: String,
    /// Senders' names as they are now (others: the name they came with).
    pub names: Rc<HashMap<String, String>>,
    /// Blob URLs of custom emoticons, those that have come.
    pub pictures: Rc<HashMap<String, String>>,
}

/// Messages are compared by pointer: one that changed is a new `Rc`
/// (comparing their text at every drawing was itself a cost).
impl PartialEq for MessageBlockProps {
    fn eq(&self, o: &Self) -> bool {
        self.conv == o.conv
            && self.me == o.me
            && self.names == o.names
            && self.pictures == o.pictures
            && self.messages.len() == o.messages.len()
            && self.messages.iter().zip(&o.messages).all(|(a, b)| Rc::ptr_eq(a, b))
    }
}

#[component]
pub fn MessageBlock(p: &MessageBlockProps) -> Html {
    let drawn = p.messages.iter().map(|m| {
        let who = p.names.get(&m.from).cloned().unwrap_or_else(|| m.from_name.clone());
        let pictures: HashMap<String, String> = match &m.kind {
            MessageKind::Text { emoticons, .. } => {
                emoticons.iter().filter_map(|e| Some((e.sha1d.clone(), p.pictures.get(&e.sha1d)?.clone()))).collect()
            }
            _ => HashMap::new(),
        };
        html! { <MessageView conv={p.conv} message={m.clone()} {who} mine={m.from == p.me} {pictures} /> }
    });
    // Kept at full length, as the conversation keeps its blocks: a message
    // appended fills the next place and the others are not touched.
    html! { <>{ for drawn.chain(room_to_grow(p.messages.len(), BLOCK)) }</> }
}
