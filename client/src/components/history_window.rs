//! The history window: every conversation kept in this browser, a search
//! across them (words, names, addresses, dates), one conversation shown and
//! scrolled to a hit, export as text or HTML, and deletion.

use crate::history::{Entry, stamp};
use crate::net::{Controller, HistoryIntent};
use crate::state::HistoryView;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct HistoryProps {
    pub view: Option<HistoryView>,
}

/// One line; the hit has `hit_ref` (to be scrolled to).
fn line(e: &Entry, hit_ref: Option<&NodeRef>) -> Html {
    let what = e.what();
    let hit = hit_ref.is_some();
    html! {
        <li class={classes!("history-line", hit.then_some("hit"))} data-testid="history-line" data-hit={hit.then_some("true")}
            ref={hit_ref.cloned().unwrap_or_default()}>
            <time>{stamp(e.at)}</time>{" "}{what}
        </li>
    }
}

#[component]
pub fn HistoryWindow(props: &HistoryProps) -> Html {
    let ctrl = use_context::<Controller>().expect("the app provides the controller");
    let confirming = use_state(|| false);
    let html_format = use_state(|| false);
    let hit_ref = use_node_ref();
    {
        // Scroll to the hit once it is drawn.
        let hit_ref = hit_ref.clone();
        let key = props.view.as_ref().map(|v| (v.shown.clone(), v.hit.map(f64::to_bits)));
        use_effect_with(key, move |_| {
            if let Some(el) = hit_ref.cast::<web_sys::Element>() {
                el.scroll_into_view();
            }
        });
    }
    {
        // A new export: start its download, as the link would.
        let export = props.view.as_ref().and_then(|v| v.export.clone());
        use_effect_with(export, |export| {
            if export.is_some()
                && let Some(a) = gloo::utils::document().query_selector("[data-testid=history-download]").ok().flatten()
                && let Ok(a) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(a)
            {
                a.click();
            }
        });
    }
    let do_ = |h: fn() -> HistoryIntent| {
        let ctrl = ctrl.clone();
        Callback::from(move |_: MouseEvent| ctrl.history(h()))
    };
    let Some(v) = &props.view else {
        return html! { <button class="link" data-testid="history" onclick={do_(|| HistoryIntent::Open)}>{"History"}</button> };
    };
    let oninput = {
        let ctrl = ctrl.clone();
        Callback::from(move |e: InputEvent| {
            ctrl.history(HistoryIntent::Search(e.target_unchecked_into::<HtmlInputElement>().value()))
        })
    };
    let show = |with: Option<String>, hit: Option<f64>| {
        let (ctrl, confirming) = (ctrl.clone(), confirming.clone());
        Callback::from(move |_: MouseEvent| {
            confirming.set(false);
            ctrl.history(HistoryIntent::Show { with: with.clone(), hit })
        })
    };
    let more = |earlier: bool| {
        let ctrl = ctrl.clone();
        Callback::from(move |_: MouseEvent| ctrl.history(HistoryIntent::More { earlier }))
    };
    let export = {
        let (ctrl, html_format) = (ctrl.clone(), html_format.clone());
        Callback::from(move |_: MouseEvent| ctrl.history(HistoryIntent::Export { html: *html_format }))
    };
    let on_format = {
        let html_format = html_format.clone();
        Callback::from(move |e: Event| {
            html_format.set(e.target_unchecked_into::<HtmlSelectElement>().value() == "html")
        })
    };
    let delete = {
        let (ctrl, confirming) = (ctrl.clone(), confirming.clone());
        Callback::from(move |_: MouseEvent| {
            if *confirming {
                ctrl.history(HistoryIntent::Delete);
            }
            confirming.set(!*confirming);
        })
    };
    let onkeydown = {
        let ctrl = ctrl.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                ctrl.history(HistoryIntent::Close);
            }
        })
    };
    let what = v.shown.clone().unwrap_or_else(|| "all conversations".into());
    html! {
        <>
        <button class="link" data-testid="history" aria-expanded="true" onclick={do_(|| HistoryIntent::Close)}>{"History"}</button>
        <div class="history-window" data-testid="history-window" role="dialog" aria-label="History" {onkeydown}>
            <div class="history-bar">
                <h2>{"History"}</h2>
                <input type="search" data-testid="history-search" aria-label="Search history (words, names, dates such as 2026-11-29)"
                    placeholder="Search: words, names, 2026-11-29" value={v.query.clone()} {oninput} />
                <select data-testid="history-export-format" aria-label="Export as" onchange={on_format}>
                    <option value="text" selected={!*html_format}>{"Text"}</option>
                    <option value="html" selected={*html_format}>{"HTML"}</option>
                </select>
                <button data-testid="history-export" title={format!("Export {what}")} onclick={export}>{"Export"}</button>
                <button data-testid="history-delete" class={classes!(confirming.then_some("danger"))} onclick={delete}>
                    { if *confirming { format!("Really delete {what}?") } else { "Delete".to_owned() } }
                </button>
                if let Some((url, name)) = &v.export {
                    <a data-testid="history-download" href={url.clone()} download={name.clone()}>{format!("Save {name}")}</a>
                }
                <button class="link" data-testid="history-close" onclick={do_(|| HistoryIntent::Close)}>{"Close"}</button>
            </div>
            <div class="history-panes">
                <nav aria-label="Conversations kept">
                    <ul>
                        <li><button class="link" aria-current={v.shown.is_none().then_some("true")} onclick={show(None, None)}>{"All"}</button></li>
                        { for v.conversations.iter().map(|(with, n)| html! {
                            <li><button class="link" data-testid="history-conversation" data-with={with.clone()}
                                aria-current={(v.shown.as_ref() == Some(with)).then_some("true")}
                                onclick={show(Some(with.clone()), None)}>{format!("{with} ({n})")}</button></li>
                        }) }
                        if v.conversations.is_empty() { <li class="none">{"Nothing kept yet."}</li> }
                    </ul>
                </nav>
                <section aria-label="Messages">
                    if v.shown.is_some() {
                        <ol class="history-lines">
                            if v.earlier > 0 {
                                <li class="history-more"><button class="link" data-testid="history-earlier" onclick={more(true)}>
                                    {format!("Show earlier messages ({} more)", v.earlier)}
                                </button></li>
                            }
                            { for v.lines.iter().map(|e| line(e, (v.hit == Some(e.at)).then_some(&hit_ref))) }
                            if v.later > 0 {
                                <li class="history-more"><button class="link" data-testid="history-later" onclick={more(false)}>
                                    {format!("Show later messages ({} more)", v.later)}
                                </button></li>
                            }
                        </ol>
                    } else if !v.query.trim().is_empty() {
                        <ul class="history-results" aria-live="polite">
                            { for v.results.iter().map(|e| html! {
                                <li><button class="link" data-testid="history-result" data-with={e.with.clone()} onclick={show(Some(e.with.clone()), Some(e.at))}>
                                    <time>{stamp(e.at)}</time>{format!(" {} — {}", e.with, e.what())}
                                </button></li>
                            }) }
                            if v.results.is_empty() { <li class="none">{"No message matches."}</li> }
                        </ul>
                    }
                </section>
            </div>
        </div>
        </>
    }
}
