//! The contact list's rows, drawn straight into the page rather than by Yew.
//!
//! Why: a hundred contacts coming online in a list of 5,000 must be drawn
//! within a frame. Yew visits every row of a list it draws again (each row a
//! scheduled update, about 1.3 µs: 6 ms of the frame for 5,000 rows, before
//! any element changes). Here one pass compares each row with what was
//! drawn (a pointer: the network actor makes a row anew only when it
//! changed) and touches only the rows that changed, moved, came or went.
//!
//! Yew still draws everything around the rows (sections, their headings) and
//! the actions menu open under a row, through a portal into the place the
//! row list keeps for it. Clicks and keys are handled by the list for all
//! rows at once (`contact_list`), so no row holds a listener.

use crate::components::emoticon_text::append_emoticon_text;
use crate::components::picture::make_picture;
use crate::net::Controller;
use crate::state::{ContactView, GroupView};
use crate::view::Section;
use crate::view::{status_class, status_label};
use msnp::types::Status;
use std::collections::HashMap;
use std::rc::Rc;
use wasm_bindgen::JsValue;
use web_sys::{Document, Element};
use yew::prelude::*;

/// One row as it should be drawn.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    pub contact: &'a Rc<ContactView>,
    /// Their display picture's Blob URL, once it can be shown.
    pub picture: Option<&'a str>,
    /// Their actions menu is open (drawn under the row).
    pub menu_open: bool,
}

/// An open actions menu: the place under its row, for Yew to draw into.
#[derive(Debug, Clone)]
pub struct OpenMenu {
    pub place: Element,
    pub contact: Rc<ContactView>,
}

/// Each section's rows, kept across drawings (by [`Section::key`]; there
/// are a few sections, so a list rather than a map).
#[derive(Debug, Default)]
pub struct RowLists(Vec<(String, RowList)>);

impl RowLists {
    /// Draw the rows of the sections `open` says are open, each as `row`
    /// says. Each section's `ul` (`None` when closed) for Yew to place, and
    /// each open menu's place and whose it is, for Yew to draw into. What
    /// cannot be drawn is logged (the browser refused an element).
    pub fn draw<'a>(
        &mut self,
        sections: &[Section<'a>],
        open: impl Fn(&Section<'a>) -> bool,
        row: impl Fn(&'a Rc<ContactView>) -> Row<'a>,
    ) -> (Vec<Option<Element>>, Vec<OpenMenu>) {
        let keys: Vec<String> = sections.iter().map(Section::key).collect();
        self.0.retain(|(key, _)| keys.contains(key));
        let mut menus = Vec::new();
        let uls = sections
            .iter()
            .zip(keys)
            .map(|(sec, key)| {
                if !open(sec) {
                    return None;
                }
                let at = match self.0.iter().position(|(k, _)| *k == key) {
                    Some(at) => at,
                    None => {
                        self.0.push((key, RowList::new().inspect_err(|e| log("make", e)).ok()?));
                        self.0.len() - 1
                    }
                };
                let list = &mut self.0[at].1;
                let rows: Vec<Row<'a>> = sec.contacts.iter().map(|c| row(c)).collect();
                match list.patch(&rows) {
                    Ok(open) => menus.extend(open),
                    Err(e) => log("draw", &e),
                }
                Some(list.ul.clone())
            })
            .collect();
        (uls, menus)
    }
}

fn log(what: &str, e: &JsValue) {
    web_sys::console::error_2(&format!("could not {what} the contact list:").into(), e);
}

/// A section's `ul` and the rows drawn in it, in order. It owns both; Yew
/// places the `ul` in the page and leaves its contents alone.
#[derive(Debug)]
pub struct RowList {
    ul: Element,
    drawn: Vec<Drawn>,
}

/// A row as drawn: what it was drawn from, and its elements (in this
/// order in the `li`; the optional ones are there when there is something
/// to say). A change redraws only the parts it concerns: a hundred status
/// changes are a few attributes each, not a hundred rows made again.
#[derive(Debug)]
struct Drawn {
    contact: Rc<ContactView>,
    picture: Option<String>,
    menu_open: bool,
    li: Element,
    icon: Element,
    image: Element,
    name: Element,
    /// " (Away)": any status but online and offline.
    state: Option<Element>,
    psm: Option<Element>,
    blocked: Option<Element>,
    /// The actions button, kept across redraws (so it keeps the focus).
    menu: Element,
    /// The place under the row where its open menu is drawn.
    actions: Option<Element>,
}

/// What a row was drawn from, to compare with what it shows now.
struct Was<'a> {
    contact: &'a ContactView,
    picture: Option<&'a str>,
    menu_open: bool,
}

impl RowList {
    pub fn new() -> Result<Self, JsValue> {
        Ok(RowList { ul: gloo::utils::document().create_element("ul")?, drawn: Vec::new() })
    }

    /// The `ul`, for Yew to place.
    pub fn element(&self) -> &Element {
        &self.ul
    }

    /// Make the drawn rows `rows`, in that order, changing only what
    /// differs. Each open menu's place and whose it is, for Yew to draw into.
    /// Should the browser refuse a change, the list starts again empty (the
    /// next drawing makes every row), so no row is left half known.
    pub fn patch(&mut self, rows: &[Row<'_>]) -> Result<Vec<OpenMenu>, JsValue> {
        let patched = self.patch_rows(rows);
        if patched.is_err() {
            self.ul.set_text_content(None);
            self.drawn.clear();
        }
        patched
    }

    fn patch_rows(&mut self, rows: &[Row<'_>]) -> Result<Vec<OpenMenu>, JsValue> {
        let doc = gloo::utils::document();
        // Where each address goes now; rows no longer here are taken away.
        let wanted: HashMap<&str, usize> =
            rows.iter().enumerate().map(|(i, r)| (r.contact.email.as_str(), i)).collect();
        let mut kept: Vec<Option<(usize, Drawn)>> = std::iter::repeat_with(|| None).take(rows.len()).collect();
        for (was, d) in std::mem::take(&mut self.drawn).into_iter().enumerate() {
            match wanted.get(d.contact.email.as_str()).map(|&i| &mut kept[i]) {
                Some(slot @ None) => *slot = Some((was, d)),
                _ => d.remove(),
            }
        }
        // From the end, each row goes before the one after it, unless it
        // is already there: the kept rows whose old places still ascend
        // stay put, and only the others are moved.
        let mut drawn = Vec::with_capacity(rows.len());
        let mut lowest_staying = usize::MAX;
        for (row, slot) in rows.iter().zip(kept).rev() {
            let (d, stays, new_place) = match slot {
                Some((was, mut d)) => {
                    let new_place = d.update(&doc, row)?;
                    let stays = was < lowest_staying;
                    if stays {
                        lowest_staying = was;
                    }
                    (d, stays, new_place)
                }
                None => (Drawn::make(&doc, row)?, false, true),
            };
            if !stays {
                let next = drawn.last().map(|n: &Drawn| n.li.as_ref());
                self.ul.insert_before(&d.li, next)?;
            }
            // Its menu's place follows it (not moved when it need not be:
            // moving an element takes the focus from what is in it).
            if let Some(actions) = d.actions.as_ref().filter(|_| !stays || new_place) {
                d.li.after_with_node_1(actions)?;
            }
            drawn.push(d);
        }
        drawn.reverse();
        self.drawn = drawn;
        Ok(self
            .drawn
            .iter()
            .filter_map(|d| d.actions.clone().map(|place| OpenMenu { place, contact: d.contact.clone() }))
            .collect())
    }
}

impl Drawn {
    fn make(doc: &Document, row: &Row<'_>) -> Result<Self, JsValue> {
        let c = &**row.contact;
        let li = doc.create_element("li")?;
        li.set_attribute("tabindex", "0")?;
        li.set_attribute("data-testid", "contact")?;
        li.set_attribute("data-email", &c.email)?;
        let icon = span(doc, "status-icon")?;
        icon.set_attribute("aria-hidden", "true")?;
        let image = make_picture(doc, &c.email, row.picture, "small")?;
        let name = span(doc, "name")?;
        let menu = doc.create_element("button")?;
        menu.set_class_name("contact-menu");
        menu.set_attribute("data-testid", "contact-menu")?;
        menu.append_with_str_1("⋯")?;
        for part in [&icon, &image, &name, &menu] {
            li.append_with_node_1(part)?;
        }
        let mut d = Drawn {
            contact: row.contact.clone(),
            picture: row.picture.map(str::to_owned),
            menu_open: row.menu_open,
            li,
            icon,
            image,
            name,
            state: None,
            psm: None,
            blocked: None,
            menu,
            actions: None,
        };
        d.draw(doc, None)?;
        Ok(d)
    }

    /// Draw `row` where it differs from what was drawn. Whether a place for
    /// its menu was made (it must then be put in the page).
    fn update(&mut self, doc: &Document, row: &Row<'_>) -> Result<bool, JsValue> {
        let same = Rc::ptr_eq(&self.contact, row.contact)
            && self.picture.as_deref() == row.picture
            && self.menu_open == row.menu_open;
        if same {
            return Ok(false);
        }
        let had_place = self.actions.is_some();
        let contact = std::mem::replace(&mut self.contact, row.contact.clone());
        let picture = std::mem::replace(&mut self.picture, row.picture.map(str::to_owned));
        let menu_open = std::mem::replace(&mut self.menu_open, row.menu_open);
        self.draw(doc, Some(Was { contact: &contact, picture: picture.as_deref(), menu_open }))?;
        Ok(!had_place && self.actions.is_some())
    }

    /// The parts of the row that differ from `was` (all of them when new).
    fn draw(&mut self, doc: &Document, was: Option<Was<'_>>) -> Result<(), JsValue> {
        let c = Rc::clone(&self.contact);
        let differs = |f: fn(&ContactView, &ContactView) -> bool| was.as_ref().is_none_or(|w| !f(w.contact, &c));
        let status = differs(|a, b| a.status == b.status);
        let name = differs(|a, b| a.name == b.name);
        let offline = c.status == Status::Offline;
        if status {
            self.li.set_class_name(if offline { "contact offline" } else { "contact" });
            self.li.set_attribute("data-status", if offline { "FLN" } else { c.status.code() })?;
            self.icon.set_class_name(&format!("status-icon {}", status_class(c.status)));
            let state = (!offline && c.status != Status::Online)
                .then(|| span_with(doc, "state", &format!(" ({})", status_label(c.status))))
                .transpose()?;
            self.put(Part::State, state)?;
        }
        let wants = |picture: Option<&str>, c: &ContactView| c.waits_for_picture(picture.is_some());
        let want = wants(self.picture.as_deref(), &c);
        if was.as_ref().is_none_or(|w| wants(w.picture, w.contact) != want) {
            if want {
                self.li.set_attribute("data-want-picture", "")?;
            } else {
                self.li.remove_attribute("data-want-picture")?;
            }
        }
        if status || name {
            self.li.set_attribute("title", &format!("{} <{}> — {}", c.name, c.email, status_label(c.status)))?;
        }
        if was.as_ref().is_some_and(|w| w.picture != self.picture.as_deref()) {
            let image = make_picture(doc, &c.email, self.picture.as_deref(), "small")?;
            self.image.replace_with_with_node_1(&image)?;
            self.image = image;
        }
        if name {
            self.name.set_text_content(None);
            append_emoticon_text(doc, &self.name, &c.name)?;
            self.menu.set_attribute("aria-label", &format!("Actions for {}", c.name))?;
        }
        if differs(|a, b| a.psm == b.psm) {
            let psm = (!c.psm.is_empty())
                .then(|| {
                    let psm = span_with(doc, "psm", "– ")?;
                    append_emoticon_text(doc, &psm, &c.psm)?;
                    Ok::<_, JsValue>(psm)
                })
                .transpose()?;
            self.put(Part::Psm, psm)?;
        }
        if differs(|a, b| a.blocked == b.blocked) {
            let blocked = c.blocked.then(|| span_with(doc, "blocked", " (blocked)")).transpose()?;
            self.put(Part::Blocked, blocked)?;
        }
        if was.as_ref().is_none_or(|w| w.menu_open != self.menu_open) {
            self.menu.set_attribute("aria-expanded", if self.menu_open { "true" } else { "false" })?;
            match (&self.actions, self.menu_open) {
                (None, true) => {
                    let host = doc.create_element("li")?;
                    host.set_class_name("contact-actions");
                    host.set_attribute("data-email", &c.email)?;
                    self.actions = Some(host);
                }
                (Some(host), false) => {
                    host.remove();
                    self.actions = None;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Put `new` in the place of the optional part `which`: before the next
    /// part there is (the menu button at the latest), as the row orders them.
    fn put(&mut self, which: Part, new: Option<Element>) -> Result<(), JsValue> {
        let before = match which {
            Part::State => self.psm.as_ref().or(self.blocked.as_ref()),
            Part::Psm => self.blocked.as_ref(),
            Part::Blocked => None,
        }
        .unwrap_or(&self.menu)
        .clone();
        let slot = match which {
            Part::State => &mut self.state,
            Part::Psm => &mut self.psm,
            Part::Blocked => &mut self.blocked,
        };
        if let Some(old) = slot.take() {
            old.remove();
        }
        if let Some(new) = &new {
            self.li.insert_before(new, Some(&before))?;
        }
        *slot = new;
        Ok(())
    }

    /// Out of the page, with its menu's place.
    fn remove(self) {
        self.li.remove();
        if let Some(host) = self.actions {
            host.remove();
        }
    }
}

/// The optional parts of a row.
#[derive(Debug, Clone, Copy)]
enum Part {
    State,
    Psm,
    Blocked,
}

fn span(doc: &Document, class: &str) -> Result<Element, JsValue> {
    let s = doc.create_element("span")?;
    s.set_class_name(class);
    Ok(s)
}

fn span_with(doc: &Document, class: &str, text: &str) -> Result<Element, JsValue> {
    let s = span(doc, class)?;
    s.append_with_str_1(text)?;
    Ok(s)
}

/// The open menu under a contact: block or unblock, delete, move to a
/// group. Drawn by Yew into the place the row list keeps under the row.
pub fn contact_actions(
    ctrl: &Controller,
    c: &ContactView,
    groups: &[GroupView],
    menu_for: &UseStateSetter<Option<String>>,
) -> Html {
    let act = |f: fn(&Controller, &str)| {
        let (ctrl, email, menu_for) = (ctrl.clone(), c.email.clone(), menu_for.clone());
        Callback::from(move |_: MouseEvent| {
            f(&ctrl, &email);
            menu_for.set(None);
        })
    };
    let on_move = {
        let (ctrl, email, menu_for) = (ctrl.clone(), c.email.clone(), menu_for.clone());
        Callback::from(move |e: Event| {
            let to = e.target_unchecked_into::<web_sys::HtmlSelectElement>().value();
            if !to.is_empty() {
                ctrl.move_to_group(&email, &to);
                menu_for.set(None);
            }
        })
    };
    let block = act(if c.blocked { |c, e| c.block(e, false) } else { |c, e| c.block(e, true) });
    html! { <>
        <button data-testid="contact-block" onclick={block}>{ if c.blocked { "Unblock" } else { "Block" } }</button>
        <button data-testid="contact-delete" onclick={act(|c, e| c.remove_contact(e))}>{"Delete contact"}</button>
        if !groups.is_empty() {
            <select data-testid="contact-move" aria-label="Move to group" onchange={on_move}>
                <option value="" selected=true>{"Move to group..."}</option>
                { for groups.iter().filter(|g| !c.groups.contains(&g.id)).map(|g| html! {
                    <option value={g.id.clone()}>{g.name.clone()}</option>
                }) }
            </select>
        }
    </> }
}
