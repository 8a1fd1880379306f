//! The contact list's rows, drawn outside Yew (`components::contact_rows`):
//! in order after any change, untouched when unchanged, the same markup as
//! Yew draws for the same text and pictures. In headless Chromium
//! (`cargo test -p client --target wasm32-unknown-unknown`).

use client::components::contact_rows::{Row, RowList};
use client::components::emoticon_text::{append_emoticon_text, emoticon_text};
use client::components::picture::{make_picture, picture_img};
use client::state::ContactView;
use msnp::types::Status;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, Node};
use yew::prelude::*;

wasm_bindgen_test_configure!(run_in_browser);

fn contact(email: &str, status: Status) -> Rc<ContactView> {
    Rc::new(ContactView::new(email.into(), format!("Name of {email}"), status))
}

fn rows(cs: &[Rc<ContactView>]) -> Vec<Row<'_>> {
    cs.iter().map(|c| Row { contact: c, picture: None, menu_open: false }).collect()
}

/// The addresses of the rows in the list, in page order.
fn order(list: &RowList) -> Vec<String> {
    let lis = list.element().query_selector_all("li.contact").unwrap();
    (0..lis.length())
        .map(|i| lis.item(i).unwrap().unchecked_into::<Element>().get_attribute("data-email").unwrap())
        .collect()
}

/// Rows with `who`'s menu open.
fn open<'a>(cs: &'a [Rc<ContactView>], who: &str) -> Vec<Row<'a>> {
    cs.iter().map(|c| Row { contact: c, picture: None, menu_open: c.email == who }).collect()
}

fn row_el(list: &RowList, email: &str) -> Element {
    list.element().query_selector(&format!("li[data-email='{email}'].contact")).unwrap().unwrap()
}

/// A small deterministic generator (xorshift), so that a failure repeats.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

#[wasm_bindgen_test]
fn rows_follow_any_order_and_only_what_changed_is_touched() {
    let mut list = RowList::new().unwrap();
    let mut rng = Rng(0x5eed);
    let pool: Vec<String> = (0..40).map(|i| format!("c{i:02}@x.com")).collect();
    let mut shown: Vec<Rc<ContactView>> = Vec::new();
    for round in 0..200 {
        // Keep some rows as they were (same Rc), change some, drop some,
        // add some, and shuffle a few: what presence, renames and list
        // changes do.
        let mut next: Vec<Rc<ContactView>> = Vec::new();
        for c in &shown {
            match rng.below(10) {
                0 => {}
                1 | 2 => {
                    let st = [Status::Online, Status::Away, Status::Offline][rng.below(3)];
                    let mut changed = (**c).clone();
                    changed.status = st;
                    changed.psm = if rng.below(2) == 0 { String::new() } else { format!("psm {round} :)") };
                    next.push(Rc::new(changed));
                }
                _ => next.push(c.clone()),
            }
        }
        for _ in 0..rng.below(6) {
            let e = &pool[rng.below(pool.len())];
            if !next.iter().any(|c| &c.email == e) {
                let at = rng.below(next.len() + 1);
                next.insert(at, contact(e, Status::Online));
            }
        }
        for _ in 0..rng.below(3) {
            if next.len() > 1 {
                let (a, b) = (rng.below(next.len()), rng.below(next.len()));
                next.swap(a, b);
            }
        }
        let before: Vec<(String, Element)> = shown.iter().map(|c| (c.email.clone(), row_el(&list, &c.email))).collect();
        list.patch(&rows(&next)).unwrap();
        let want: Vec<String> = next.iter().map(|c| c.email.clone()).collect();
        assert_eq!(order(&list), want, "round {round}");
        assert_eq!(list.element().child_element_count() as usize, next.len(), "nothing else in the list");
        for c in &next {
            let el = row_el(&list, &c.email);
            // A row that stays in the list keeps its element.
            if let Some((_, old)) = before.iter().find(|(e, _)| *e == c.email) {
                assert!(old == &el, "round {round}: {} was made again", c.email);
            }
            let status = if c.status == Status::Offline { "FLN" } else { c.status.code() };
            assert_eq!(el.get_attribute("data-status").unwrap(), status, "round {round}");
            let psm = el.query_selector(".psm").unwrap().map(|p| p.text_content().unwrap());
            assert_eq!(psm, (!c.psm.is_empty()).then(|| format!("– {}", c.psm).replace(":)", "🙂")), "round {round}");
            let state = el.query_selector(".state").unwrap().map(|p| p.text_content().unwrap());
            assert_eq!(state, (c.status == Status::Away).then(|| " (Away)".to_owned()), "round {round}");
        }
        shown = next;
    }
}

#[wasm_bindgen_test]
fn a_status_change_keeps_the_focus_and_the_open_menu_follows_its_row() {
    let body = gloo::utils::document().body().unwrap();
    let mut list = RowList::new().unwrap();
    body.append_child(list.element()).unwrap();
    let (a, b) = (contact("a@x.com", Status::Offline), contact("b@x.com", Status::Offline));
    list.patch(&rows(&[a.clone(), b.clone()])).unwrap();
    // Open b's menu: its place comes right under its row, and only one.
    let hosts = list.patch(&open(&[a.clone(), b.clone()], "b@x.com")).unwrap();
    assert_eq!(hosts.len(), 1);
    assert_eq!(hosts[0].contact.email, "b@x.com");
    let menu = row_el(&list, "b@x.com").query_selector(".contact-menu").unwrap().unwrap();
    assert_eq!(menu.get_attribute("aria-expanded").unwrap(), "true");
    assert!(row_el(&list, "b@x.com").next_element_sibling() == Some(hosts[0].place.clone()));
    menu.unchecked_ref::<web_sys::HtmlElement>().focus().unwrap();
    // b comes online and moves first: its menu's place moves with it.
    let mut b2 = (*b).clone();
    b2.status = Status::Online;
    let b2 = Rc::new(b2);
    let hosts = list.patch(&open(&[b2.clone(), a.clone()], "b@x.com")).unwrap();
    assert_eq!(order(&list), ["b@x.com", "a@x.com"]);
    assert!(row_el(&list, "b@x.com").next_element_sibling() == Some(hosts[0].place.clone()));
    // a changes in place while its button has the focus: it keeps it.
    let a_menu = row_el(&list, "a@x.com").query_selector(".contact-menu").unwrap().unwrap();
    a_menu.unchecked_ref::<web_sys::HtmlElement>().focus().unwrap();
    let mut a2 = (*a).clone();
    a2.status = Status::Busy;
    a2.name = "Renamed (H)".into();
    let a2 = Rc::new(a2);
    let hosts = list.patch(&open(&[b2.clone(), a2.clone()], "b@x.com")).unwrap();
    assert!(gloo::utils::document().active_element() == Some(a_menu.clone()), "the focus stayed");
    assert_eq!(a_menu.get_attribute("aria-label").unwrap(), "Actions for Renamed (H)");
    let a_row = row_el(&list, "a@x.com");
    assert_eq!(a_row.get_attribute("title").unwrap(), "Renamed (H) <a@x.com> — Busy");
    assert_eq!(a_row.query_selector(".name .emoticon").unwrap().unwrap().get_attribute("data-code").unwrap(), "(H)");
    // Closed: the place goes.
    let host = hosts[0].place.clone();
    assert!(list.patch(&rows(&[b2, a2])).unwrap().is_empty());
    assert!(!host.is_connected());
    assert_eq!(list.element().child_element_count(), 2);
    list.element().remove();
}

#[derive(Properties, PartialEq)]
struct ProbeProps {
    html: Html,
}

#[component]
fn Probe(p: &ProbeProps) -> Html {
    p.html.clone()
}

/// What Yew draws for `html`, inside a fresh element.
async fn drawn_by_yew(html: Html) -> Element {
    let root = gloo::utils::document().create_element("div").unwrap();
    let handle = yew::Renderer::<Probe>::with_root_and_props(root.clone(), ProbeProps { html }).render();
    gloo_timers::future::TimeoutFuture::new(20).await;
    drop(handle);
    root
}

/// Markup as a tree, attributes in a fixed order (the order they were set
/// in does not matter to the page).
fn shape(node: &Node) -> String {
    match node.dyn_ref::<Element>() {
        None => format!("{:?}", node.text_content().unwrap_or_default()),
        Some(el) => {
            let mut attrs: Vec<String> = el
                .get_attribute_names()
                .iter()
                .map(|n| {
                    let n = n.as_string().unwrap();
                    format!("{n}={:?}", el.get_attribute(&n).unwrap())
                })
                .collect();
            attrs.sort();
            let kids = el.child_nodes();
            let kids: Vec<String> = (0..kids.length()).map(|i| shape(&kids.item(i).unwrap())).collect();
            format!("<{} {}>[{}]", el.tag_name(), attrs.join(" "), kids.join(","))
        }
    }
}

#[wasm_bindgen_test]
async fn rows_draw_text_and_pictures_as_yew_does() {
    let doc = gloo::utils::document();
    for text in [
        "plain",
        "",
        "Bob (H) :) at www.example.com, said <b>&amp;</b> (so) http://x.y/(c) ;)",
        "javascript:alert(1) :-( <img src=x onerror=alert(1)>",
    ] {
        let ours = doc.create_element("div").unwrap();
        append_emoticon_text(&doc, &ours, text).unwrap();
        let yews = drawn_by_yew(emoticon_text(text)).await;
        assert_eq!(shape(&ours), shape(&yews), "{text:?}");
    }
    for url in [None, Some("blob:http://localhost/abc")] {
        let ours = doc.create_element("div").unwrap();
        ours.append_child(&make_picture(&doc, "a@x.com", url, "small").unwrap()).unwrap();
        let yews = drawn_by_yew(picture_img("a@x.com", url, "small")).await;
        assert_eq!(shape(&ours), shape(&yews), "{url:?}");
    }
}
