//! One contact in the list. A component of its own, keyed by address and
//! given the shared row (see [`crate::state::Contacts`]), so that a presence
//! change redraws that row only, not thousands. It holds no listeners: the
//! list handles clicks and keys for all its rows at once, which is most of
//! what drawing a thousand rows used to cost.

use crate::components::emoticon_text::emoticon_text;
use crate::components::picture::picture_img;
use crate::net::Controller;
use crate::state::{ContactView, GroupView};
use crate::view::{status_class, status_label};
use msnp::types::Status;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ContactRowProps {
    pub contact: Rc<ContactView>,
    /// Their display picture's Blob URL, once it can be shown.
    pub picture: Option<String>,
    pub menu_open: bool,
    /// Groups to move them to: given only while the menu is open, so that a
    /// group change does not redraw every row.
    pub groups: Vec<GroupView>,
    /// Whose menu is open (one at a time, kept by the list).
    pub menu_for: UseStateSetter<Option<String>>,
}

#[component]
pub fn ContactRow(props: &ContactRowProps) -> Html {
    let c = &props.contact;
    let st = if c.status == Status::Offline { "FLN" } else { c.status.code() };
    let want_picture = c.waits_for_picture(props.picture.is_some());
    html! { <>
        <li class={classes!("contact", (c.status == Status::Offline).then_some("offline"))} tabindex="0"
            data-testid="contact" data-email={c.email.clone()} data-status={st}
            data-want-picture={want_picture.then_some("")}
            title={format!("{} <{}> — {}", c.name, c.email, status_label(c.status))}>
            <span class={classes!("status-icon", status_class(c.status))} aria-hidden="true"/>
            { picture_img(&c.email, props.picture.as_deref(), "small") }
            <span class="name">{emoticon_text(&c.name)}</span>
            if c.status != Status::Offline && c.status != Status::Online {
                <span class="state">{format!(" ({})", status_label(c.status))}</span>
            }
            if !c.psm.is_empty() { <span class="psm">{"– "}{emoticon_text(&c.psm)}</span> }
            if c.blocked { <span class="blocked">{" (blocked)"}</span> }
            <button class="contact-menu" data-testid="contact-menu" aria-expanded={props.menu_open.to_string()}
                aria-label={format!("Actions for {}", c.name)}>{"⋯"}</button>
        </li>
        if props.menu_open {
            <ContactActions contact={c.clone()} groups={props.groups.clone()} menu_for={props.menu_for.clone()} />
        }
    </> }
}

#[derive(Properties, PartialEq)]
struct ContactActionsProps {
    contact: Rc<ContactView>,
    groups: Vec<GroupView>,
    menu_for: UseStateSetter<Option<String>>,
}

/// The open menu under a contact: block or unblock, delete, move to a group.
#[component]
fn ContactActions(props: &ContactActionsProps) -> Html {
    let ctrl = use_context::<Controller>().expect("the app provides the controller");
    let c = &props.contact;
    let act = |f: fn(&Controller, &str)| {
        let (ctrl, email, menu_for) = (ctrl.clone(), c.email.clone(), props.menu_for.clone());
        Callback::from(move |_: MouseEvent| {
            f(&ctrl, &email);
            menu_for.set(None);
        })
    };
    let on_move = {
        let (ctrl, email, menu_for) = (ctrl.clone(), c.email.clone(), props.menu_for.clone());
        Callback::from(move |e: Event| {
            let to = e.target_unchecked_into::<web_sys::HtmlSelectElement>().value();
            if !to.is_empty() {
                ctrl.move_to_group(&email, &to);
                menu_for.set(None);
            }
        })
    };
    let block = act(if c.blocked { |c, e| c.block(e, false) } else { |c, e| c.block(e, true) });
    html! {
        <li class="contact-actions" data-email={c.email.clone()}>
            <button data-testid="contact-block" onclick={block}>{ if c.blocked { "Unblock" } else { "Block" } }</button>
            <button data-testid="contact-delete" onclick={act(|c, e| c.remove_contact(e))}>{"Delete contact"}</button>
            if !props.groups.is_empty() {
                <select data-testid="contact-move" aria-label="Move to group" onchange={on_move}>
                    <option value="" selected=true>{"Move to group..."}</option>
                    { for props.groups.iter().filter(|g| !c.groups.contains(&g.id)).map(|g| html! {
                        <option value={g.id.clone()}>{g.name.clone()}</option>
                    }) }
                </select>
            }
        </li>
    }
}
