//! The contact list: groups (collapsible, with counts) and contacts.

use crate::components::contact_rows::{OpenMenu, Row, RowLists, contact_actions};
use crate::net::Controller;
use crate::state::{AddRequest, Contacts, GroupView};
use crate::view::{matching, sections};
use std::collections::HashSet;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ContactListProps {
    pub contacts: Contacts,
    pub groups: Vec<GroupView>,
    /// People who added me, awaiting an answer.
    pub requests: Vec<AddRequest>,
    /// When the list finished syncing; the drawn list records how long it took.
    pub synced_at: Option<f64>,
    /// When the bytes behind this list arrived; each drawing records how
    /// long it took from them.
    pub contacts_at: f64,
    /// Display pictures that can be shown (SHA1D → Blob URL).
    pub pictures: std::collections::HashMap<String, String>,
}

/// Enter in a text field hands its trimmed, non-empty value to `f`.
fn on_enter(f: impl Fn(String) + 'static) -> Callback<KeyboardEvent> {
    Callback::from(move |e: KeyboardEvent| {
        if e.key() == "Enter" {
            let input = e.target_unchecked_into::<HtmlInputElement>();
            let value = input.value().trim().to_owned();
            if !value.is_empty() {
                input.set_value("");
                f(value);
            }
        }
    })
}

/// The row an event happened in, and whether on its menu button.
fn row_of(e: &Event) -> Option<(String, bool)> {
    let target = e.target()?.dyn_into::<web_sys::Element>().ok()?;
    let row = target.closest("li.contact").ok()??;
    let on_menu = target.closest(".contact-menu").ok().flatten().is_some();
    Some((row.get_attribute("data-email")?, on_menu))
}

#[component]
pub fn ContactList(props: &ContactListProps) -> Html {
    let ctrl = use_context::<Controller>().expect("the app provides the controller");
    let collapsed = use_state(HashSet::<String>::new);
    // What the person is looking for: only the contacts it matches show,
    // in every section, closed ones too.
    let query = use_state(String::new);
    // `data-draw-ms` on the list: time from the last LST to the list on
    // screen (after the browser laid it out), for performance checks.
    let root = use_node_ref();
    {
        let (root, later) = (root.clone(), root.clone());
        let n = props.contacts.len();
        use_effect_with((n, props.synced_at), move |(_, synced)| {
            if let (Some(t0), Some(el)) = (*synced, root.cast::<web_sys::HtmlElement>()) {
                let _ = el.offset_height(); // force layout of what was just drawn
                let _ = el.set_attribute("data-draw-ms", &format!("{:.1}", crate::net::perf_now() - t0));
            }
        });
        // And every later change (presence, say): `data-update-ms`, of
        // which `data-update-dom-ms` until the page's elements were changed
        // (the rest is the browser's style and layout).
        use_effect_with(props.contacts_at, move |at| {
            if let Some(el) = later.cast::<web_sys::HtmlElement>().filter(|_| *at > 0.0) {
                let dom = crate::net::perf_now() - at;
                let _ = el.offset_height();
                let _ = el.set_attribute("data-update-ms", &format!("{:.1}", crate::net::perf_now() - at));
                let _ = el.set_attribute("data-update-dom-ms", &format!("{dom:.1}"));
            }
        });
    }
    // Rows of online contacts whose picture is not here yet are watched:
    // once on screen, their picture is fetched (and only then).
    {
        let (root, ctrl) = (root.clone(), ctrl.clone());
        let observer = use_mut_ref(|| None::<(web_sys::IntersectionObserver, Closure<dyn Fn(js_sys::Array)>)>);
        // Looked for again only when who is waiting, where (a row moved to
        // another section is a new element), or what is shown changed; not
        // at every presence change in a list of thousands.
        let waiting: Vec<(String, Vec<String>)> = props
            .contacts
            .iter()
            .filter(|c| c.waits_for_picture(c.picture.as_ref().is_some_and(|p| props.pictures.contains_key(p))))
            .map(|c| (c.email.clone(), c.groups.clone()))
            .collect();
        use_effect_with((waiting, (*collapsed).clone()), move |_| {
            let mut slot = observer.borrow_mut();
            if slot.is_none() {
                let ctrl = ctrl.clone();
                let seen = Closure::<dyn Fn(js_sys::Array)>::new(move |entries: js_sys::Array| {
                    let rows = entries
                        .iter()
                        .filter_map(|e| e.dyn_into::<web_sys::IntersectionObserverEntry>().ok())
                        .filter_map(|e| e.target().get_attribute("data-email").map(|m| (m, e.is_intersecting())))
                        .collect();
                    ctrl.in_view(rows);
                });
                if let Ok(o) = web_sys::IntersectionObserver::new(seen.as_ref().unchecked_ref()) {
                    *slot = Some((o, seen));
                }
            }
            if let (Some((o, _)), Some(list)) = (slot.as_ref(), root.cast::<web_sys::Element>()) {
                // Watched anew: rows may have been drawn again (a section opened).
                o.disconnect();
                if let Ok(rows) = list.query_selector_all("[data-want-picture]") {
                    for row in (0..rows.length()).filter_map(|i| rows.item(i)?.dyn_into::<web_sys::Element>().ok()) {
                        o.observe(&row);
                    }
                }
            }
        });
    }
    let add_open = use_state(|| false);
    // The contact whose actions (block, delete) are showing.
    let menu_for = use_state(|| None::<String>);
    let act = |email: &str, f: fn(&Controller, &str)| {
        let (ctrl, email, menu_for) = (ctrl.clone(), email.to_owned(), menu_for.clone());
        Callback::from(move |_: MouseEvent| {
            f(&ctrl, &email);
            menu_for.set(None);
        })
    };
    let on_add = {
        let (ctrl, add_open) = (ctrl.clone(), add_open.clone());
        on_enter(move |email| {
            ctrl.add_contact(&email);
            add_open.set(false);
        })
    };
    let add_group_open = use_state(|| false);
    let on_add_group = {
        let (ctrl, open) = (ctrl.clone(), add_group_open.clone());
        on_enter(move |name| {
            ctrl.add_group(&name);
            open.set(false);
        })
    };
    // The group whose actions (rename, delete) are showing.
    let group_menu = use_state(|| None::<String>);
    // Clicks and keys for every row, here rather than on each of them.
    let ondblclick = {
        let ctrl = ctrl.clone();
        Callback::from(move |e: MouseEvent| {
            if let Some((email, false)) = row_of(&e) {
                ctrl.conversation_with(&email, true);
            }
        })
    };
    let onkeydown = {
        let ctrl = ctrl.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter"
                && let Some((email, false)) = row_of(&e)
            {
                ctrl.conversation_with(&email, true);
            }
        })
    };
    let onclick = {
        let menu_for = menu_for.clone();
        Callback::from(move |e: MouseEvent| {
            if let Some((email, true)) = row_of(&e) {
                menu_for.set(if menu_for.as_deref() == Some(email.as_str()) { None } else { Some(email) });
            }
        })
    };
    let requests = props.requests.iter().map(|r| {
        let label = if r.name.is_empty() || r.name.eq_ignore_ascii_case(&r.email) {
            r.email.clone()
        } else {
            format!("{} ({})", r.name, r.email)
        };
        html! {
            <div class="request" role="alert" data-testid="add-request" data-email={r.email.clone()}>
                <span>{format!("{label} has added you to their contact list.")}</span>
                <button data-testid="add-request-allow" onclick={act(&r.email, |c, e| c.accept(e))}>{"Allow and add"}</button>
                <button data-testid="add-request-block" onclick={act(&r.email, |c, e| c.block(e, true))}>{"Block"}</button>
            </div>
        }
    });
    // The rows of each open section are drawn by `contact_rows`: Yew
    // places each section's `ul` and draws the open menu's contents.
    let row_lists = use_mut_ref(RowLists::default);
    let searching = !query.trim().is_empty();
    let sections = matching(sections(&props.contacts, &props.groups), &query);
    let (uls, menus) = row_lists.borrow_mut().draw(
        &sections,
        |sec| searching || !collapsed.contains(&sec.name),
        |c| Row {
            contact: c,
            picture: c.picture.as_ref().and_then(|p| props.pictures.get(p)).map(String::as_str),
            menu_open: menu_for.as_deref() == Some(c.email.as_str()),
        },
    );
    let menus = menus.into_iter().map(|OpenMenu { place, contact }| {
        create_portal(contact_actions(&ctrl, &contact, &props.groups, &menu_for.setter()), place)
    });
    let first = sections.iter().flat_map(|s| s.contacts.first()).next().map(|c| c.email.clone());
    let on_search_input = {
        let query = query.clone();
        Callback::from(move |e: InputEvent| query.set(e.target_unchecked_into::<HtmlInputElement>().value()))
    };
    // Enter talks to the first match; Escape clears the search.
    let on_search_key = {
        let (ctrl, query) = (ctrl.clone(), query.clone());
        Callback::from(move |e: KeyboardEvent| match e.key().as_str() {
            "Enter" => {
                if let Some(email) = first.as_deref() {
                    ctrl.conversation_with(email, true);
                }
            }
            "Escape" => {
                e.target_unchecked_into::<HtmlInputElement>().set_value("");
                query.set(String::new());
            }
            _ => {}
        })
    };
    html! {
        // Each run of rows is one fragment: Yew matches a list's children
        // from its end, and a section more or less (a search) would make it
        // replace the search box being typed in.
        <div class="contacts" ref={root}>
            <>{ for requests }</>
            <input type="search" class="contact-search" data-testid="contact-search" placeholder="Find a contact"
                aria-label="Find a contact by name or address" oninput={on_search_input} onkeydown={on_search_key} />
            if searching && sections.is_empty() {
                <p class="none" data-testid="contact-search-none">{format!("No contact matches \u{201c}{}\u{201d}.", query.trim())}</p>
            }
            <div class="toolbar">
                <button class="link" onclick={ let a = add_open.clone(); Callback::from(move |_| a.set(!*a)) }>{"+ Add a contact"}</button>
                if *add_open {
                    <input data-testid="add-contact" placeholder="E-mail address, then Enter" onkeydown={on_add} />
                }
                if !props.groups.is_empty() {
                    <button class="link" onclick={ let a = add_group_open.clone(); Callback::from(move |_| a.set(!*a)) }>{"+ Add a group"}</button>
                    if *add_group_open {
                        <input data-testid="add-group" placeholder="Group name, then Enter" onkeydown={on_add_group} />
                    }
                }
            </div>
            <>{ for sections.into_iter().zip(uls).map(|(sec, ul)| {
                let name = sec.name.clone();
                let is_collapsed = !searching && collapsed.contains(&name);
                let toggle = {
                    let collapsed = collapsed.clone();
                    let name = name.clone();
                    Callback::from(move |_| {
                        let mut c = (*collapsed).clone();
                        if !c.remove(&name) { c.insert(name.clone()); }
                        collapsed.set(c);
                    })
                };
                let group_actions = sec.id.clone().map(|id| {
                    let open = group_menu.as_deref() == Some(id.as_str());
                    let toggle = {
                        let (group_menu, id) = (group_menu.clone(), id.clone());
                        Callback::from(move |_: MouseEvent| group_menu.set(if open { None } else { Some(id.clone()) }))
                    };
                    let rename = {
                        let (ctrl, id, group_menu) = (ctrl.clone(), id.clone(), group_menu.clone());
                        on_enter(move |name| {
                            ctrl.rename_group(&id, &name);
                            group_menu.set(None);
                        })
                    };
                    let delete = {
                        let (ctrl, id, group_menu) = (ctrl.clone(), id.clone(), group_menu.clone());
                        Callback::from(move |_: MouseEvent| {
                            ctrl.remove_group(&id);
                            group_menu.set(None);
                        })
                    };
                    html! { <>
                        <button class="group-menu" data-testid="group-menu" aria-expanded={open.to_string()}
                            aria-label={format!("Actions for group {name}")} onclick={toggle}>{"⋯"}</button>
                        if open {
                            <div class="group-actions">
                                <input data-testid="group-name" value={name.clone()} aria-label="New name, then Enter" onkeydown={rename} />
                                <button data-testid="group-delete" onclick={delete}>{"Delete group"}</button>
                            </div>
                        }
                    </> }
                });
                html! {
                    <section key={sec.key()} class="group" data-testid="group" data-name={name.clone()}
                        ondblclick={ondblclick.clone()} onkeydown={onkeydown.clone()} onclick={onclick.clone()}>
                        <div class="group-bar">
                            <button class="group-head" onclick={toggle} aria-expanded={(!is_collapsed).to_string()}>
                                <span class="arrow">{ if is_collapsed { "▸" } else { "▾" } }</span>
                                {format!("{} ({}/{})", name, sec.online, sec.contacts.len())}
                            </button>
                            { for group_actions }
                        </div>
                        { for ul.map(|ul| Html::VRef(ul.into())) }
                    </section>
                }
            }) }</>
            <>{ for menus }</>
        </div>
    }
}
