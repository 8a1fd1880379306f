//! One message, notice or nudge in a conversation. A component of its own,
//! keyed by id and given the shared message, so that a new message draws
//! itself only, not the whole conversation again: what the person waits
//! for between a message arriving and seeing it.

use crate::components::emoticon_text::message_text;
use crate::net::Controller;
use crate::state::{ChatMessage, Delivery, MessageKind};
use msnp::message::TextFormat;
use std::collections::HashMap;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties)]
pub struct MessageViewProps {
    pub conv: u64,
    pub message: Rc<ChatMessage>,
    /// The sender's name as it is now.
    pub who: String,
    pub mine: bool,
    /// Blob URLs of the custom emoticons it uses, those that have come.
    pub pictures: HashMap<String, String>,
}

/// The message by pointer: one that changed is a new `Rc`.
impl PartialEq for MessageViewProps {
    fn eq(&self, o: &Self) -> bool {
        Rc::ptr_eq(&self.message, &o.message)
            && (self.conv, &self.who, self.mine, &self.pictures) == (o.conv, &o.who, o.mine, &o.pictures)
    }
}

#[component]
pub fn MessageView(props: &MessageViewProps) -> Html {
    let m = &props.message;
    match &m.kind {
        MessageKind::Notice(t) => html! { <div class="notice" data-testid="notice">{t.clone()}</div> },
        MessageKind::Nudge => html! {
            <div class="message nudge" data-testid="message" data-from={m.from.clone()} data-state={m.delivery.attr()}>
                { if props.mine { "You have just sent a nudge.".to_owned() } else { format!("{} has just sent you a nudge.", props.who) } }
            </div>
        },
        MessageKind::Text { text, format, emoticons } => html! {
            <div class="message" data-testid="message" data-from={m.from.clone()} data-state={m.delivery.attr()}>
                <div class="who">{format!("{} says:", props.who)}</div>
                <div class="text" style={style_of(format)}>{ message_text(text, emoticons, &props.pictures) }</div>
                if m.delivery == Delivery::Pending { <span class="delivery">{"sending..."}</span> }
                if m.delivery == Delivery::Failed {
                    <span class="delivery failed">{"Not delivered. "}<Retry conv={props.conv} message={m.clone()} /></span>
                }
            </div>
        },
    }
}

#[derive(Properties, PartialEq)]
struct RetryProps {
    conv: u64,
    message: Rc<ChatMessage>,
}

#[component]
fn Retry(props: &RetryProps) -> Html {
    let ctrl = use_context::<Controller>().expect("the app provides the controller");
    let onclick = {
        let (conv, message) = (props.conv, props.message.clone());
        Callback::from(move |_: MouseEvent| ctrl.retry(conv, &message))
    };
    html! { <button class="link" data-testid="message-retry" {onclick}>{"Retry"}</button> }
}

/// Inline style for a message's font, colour and effects.
pub fn style_of(f: &Option<TextFormat>) -> String {
    let Some(f) = f else { return String::new() };
    let e = &f.effects;
    let font: String = f.font.chars().filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-').collect();
    // Black, the colour nearly everyone leaves, is "the text colour": it
    // stays readable in the dark theme.
    let color = if f.color == 0 { "inherit".to_owned() } else { f.css_color() };
    format!(
        "font-family: '{font}', sans-serif; color: {color}; font-weight: {}; font-style: {}; text-decoration: {} {};",
        if e.bold { "bold" } else { "normal" },
        if e.italic { "italic" } else { "normal" },
        if e.underline { "underline" } else { "" },
        if e.strikethrough { "line-through" } else { "" },
    )
}
