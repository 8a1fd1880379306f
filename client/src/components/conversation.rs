//! Conversation tabs and the active conversation window.

use crate::components::message_block::{BLOCK, MessageBlock};
use crate::components::message_view::style_of;
use crate::components::picture::picture_img;
use crate::emoticons::EMOTICONS;
use crate::net::Controller;
use crate::state::{AppState, Conversation, Delivery, MessageKind, TransferState, TransferView};
use crate::view::{room_to_grow, typing_text};
use std::collections::HashMap;
use std::rc::Rc;
use web_sys::{HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

/// Fonts offered for my messages (the receiver needs them installed).
const FONTS: &[&str] = &[
    "Segoe UI",
    "Arial",
    "Comic Sans MS",
    "Courier New",
    "Georgia",
    "Tahoma",
    "Times New Roman",
    "Trebuchet MS",
    "Verdana",
];

#[derive(Properties, PartialEq)]
pub struct ConversationsProps {
    pub state: UseReducerHandle<AppState>,
}

/// The name to show for an address: the contact's friendly name if known.
fn display_name(state: &AppState, email: &str) -> String {
    if email.eq_ignore_ascii_case(&state.me.email) {
        return state.me.name.clone();
    }
    state
        .contacts
        .iter()
        .find(|c| c.email.eq_ignore_ascii_case(email))
        .map(|c| c.name.clone())
        .unwrap_or_else(|| email.to_owned())
}

/// Offer each file a person chose or dropped (read later, as it is sent).
fn send_files(ctrl: &Controller, conv: u64, files: web_sys::FileList) {
    for i in 0..files.length() {
        let Some(file) = files.get(i) else { continue };
        // The most this client takes in (it keeps a file until it is saved).
        if file.size() > msnp::p2p::P2pConfig::default().max_file as f64 {
            ctrl.tell(&format!("\"{}\" is larger than 1 GiB, the most a file sent here can be.", file.name()));
            continue;
        }
        ctrl.send_file(conv, file);
    }
}

/// One file transfer: what, how far, and what can be done with it.
fn transfer_view(ctrl: &Controller, conv: u64, who: &str, t: &TransferView) -> Html {
    let answer = |a: TransferState| {
        let (ctrl, id) = (ctrl.clone(), t.id);
        Callback::from(move |_: MouseEvent| ctrl.answer_transfer(conv, id, a))
    };
    let dismiss = {
        let (ctrl, id) = (ctrl.clone(), t.id);
        Callback::from(move |_: MouseEvent| ctrl.dismiss_transfer(conv, id))
    };
    let what = if t.incoming { format!("{who} is sending you ") } else { format!("Sending {who} ") };
    let status = match t.state {
        TransferState::Offered => "Accept it?".to_owned(),
        TransferState::Waiting => "Waiting for an answer...".to_owned(),
        TransferState::Sending | TransferState::Receiving => {
            t.started.and_then(|s| crate::view::transfer_rate(t.done, t.size, s, t.last)).unwrap_or_default()
        }
        TransferState::Done => if t.incoming { "Received." } else { "Sent." }.to_owned(),
        TransferState::Declined => "Declined.".to_owned(),
        TransferState::Cancelled => "Cancelled.".to_owned(),
        TransferState::Failed => match &t.why {
            Some(why) => format!("The transfer failed: {why}."),
            None => "The transfer failed.".to_owned(),
        },
    };
    html! {
        <div class="transfer" key={t.id} data-testid="transfer" data-name={t.name.clone()} data-size={t.size.to_string()} data-state={t.state.attr()}>
            <div class="transfer-what">{what}<b>{t.name.clone()}</b>{format!(" ({})", crate::view::human_size(t.size))}</div>
            <progress data-testid="transfer-progress" max={t.size.max(1).to_string()} value={t.done.to_string()} />
            <span class="transfer-status">{status}</span>
            if t.incoming && t.state == TransferState::Offered {
                <button data-testid="transfer-accept" onclick={answer(TransferState::Receiving)}>{"Accept"}</button>
                <button data-testid="transfer-decline" onclick={answer(TransferState::Declined)}>{"Decline"}</button>
            }
            if t.state.active() {
                <button data-testid="transfer-cancel" onclick={answer(TransferState::Cancelled)}>{"Cancel"}</button>
            }
            if let Some(url) = &t.url {
                <a data-testid="transfer-save" href={url.clone()} download={crate::view::safe_file_name(&t.name)}>{"Save"}</a>
            }
            if t.state.finished() {
                <button class="transfer-dismiss" data-testid="transfer-dismiss" title="Remove from the list"
                    aria-label={format!("Remove {} from the list", t.name)} onclick={dismiss}>{"\u{d7}"}</button>
            }
        </div>
    }
}

#[component]
pub fn Conversations(props: &ConversationsProps) -> Html {
    let ctrl = use_context::<Controller>().expect("the app provides the controller");
    let state = &props.state;
    // An arrow on a tab selects the next one and takes the focus to it once
    // it is drawn: the selection comes back from the network actor, so only
    // an effect of the change knows when (a timer could fire before it and
    // leave the focus on the old tab, where Delete would close the wrong
    // conversation).
    let focus_selected = use_mut_ref(|| false);
    {
        let focus_selected = focus_selected.clone();
        use_effect_with(state.active, move |_| {
            if std::mem::take(&mut *focus_selected.borrow_mut()) {
                focus_active_tab();
            }
        });
    }
    // The conversation whose window is to close once the person says so:
    // closing ends its file transfers.
    let asking = use_state(|| None::<u64>);
    if state.conversations.is_empty() {
        return html! {};
    }
    let request_close = {
        let (ctrl, asking, state) = (ctrl.clone(), asking.clone(), state.clone());
        Callback::from(move |id: u64| {
            let busy = state.conversation(id).is_some_and(|c| transfers_under_way(c) > 0);
            if busy {
                asking.set(Some(id));
                ctrl.conversation_focus(id);
            } else {
                ctrl.close_conversation(id);
            }
        })
    };
    let several = state.conversations.len() > 1;
    let tabs = state.conversations.iter().map(|c| {
        let ctrl = ctrl.clone();
        let request_close = request_close.clone();
        let focus_selected = focus_selected.clone();
        let id = c.id;
        let label = c.with.iter().map(|e| display_name(state, e)).collect::<Vec<_>>().join(", ");
        let active = state.active == Some(c.id);
        let close = {
            let request_close = request_close.clone();
            Callback::from(move |e: MouseEvent| {
                e.stop_propagation();
                request_close.emit(id);
            })
        };
        let focus = ctrl.clone();
        let onclick = Callback::from(move |_| focus.conversation_focus(id));
        // The tab pattern: Enter or Space selects, the arrows move along
        // the tabs, Delete closes.
        let onkeydown = {
            let ctrl = ctrl.clone();
            Callback::from(move |e: KeyboardEvent| match e.key().as_str() {
                "Enter" | " " => {
                    e.prevent_default();
                    ctrl.conversation_focus(id);
                }
                "Delete" => request_close.emit(id),
                "ArrowRight" | "ArrowLeft" => {
                    e.prevent_default();
                    let step = if e.key() == "ArrowRight" { 1 } else { -1 };
                    // With one conversation the selection does not change.
                    *focus_selected.borrow_mut() = several;
                    ctrl.conversation_step(step);
                }
                _ => {}
            })
        };
        html! {
            <div role="tab" tabindex="0" class={classes!("tab", active.then_some("active"), c.unread.then_some("unread"))} aria-selected={active.to_string()}
                data-testid="conversation-tab" data-with={c.with.join(",")} data-unread={c.unread.to_string()} {onclick} {onkeydown}>
                <span>{label.clone()}</span>
                // For the mouse; from the keyboard, Delete on the tab or the
                // window's Close button (a button here would nest controls).
                <span class="close" aria-hidden="true" title={format!("Close the conversation with {label}")} onclick={close}>{"×"}</span>
            </div>
        }
    });
    let active = state.active.and_then(|id| state.conversation(id));
    let back = {
        let ctrl = ctrl.clone();
        Callback::from(move |_| ctrl.show_list(true))
    };
    html! {
        <div class="conversations window">
            <div class="tabs" role="tablist">
                <button class="back" data-testid="show-contacts" aria-label="Back to contacts" onclick={back}>{"‹ Contacts"}</button>
                { for tabs }
            </div>
            if let Some(c) = active {
                <ConversationView key={c.id} conv={c.clone()} state={state.clone()}
                    close={request_close.clone()} asking={*asking == Some(c.id)}
                    keep={ let asking = asking.clone(); Callback::from(move |()| asking.set(None)) } />
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct ConversationViewProps {
    conv: Conversation,
    state: UseReducerHandle<AppState>,
    /// Close it (asks first when that would end file transfers).
    close: Callback<u64>,
    /// The person is asked whether to close it.
    asking: bool,
    /// They keep it open.
    keep: Callback<()>,
}

/// File transfers that closing the window would end: offered, waiting for
/// an answer, or under way.
fn transfers_under_way(c: &Conversation) -> usize {
    c.transfers.iter().filter(|t| t.state.active() || t.state == TransferState::Offered).count()
}

#[component]
fn ConversationView(props: &ConversationViewProps) -> Html {
    let ctrl = use_context::<Controller>().expect("the app provides the controller");
    let c = &props.conv;
    let state = &props.state;
    let list_ref = use_node_ref();
    // A nudge that arrives shakes the window, as the classic client did;
    // the ones seen before this view was drawn do not.
    let nudges = c.messages.iter().filter(|m| m.kind == MessageKind::Nudge && m.from != state.me.email).count();
    let seen_nudges = use_mut_ref(|| nudges);
    let shaking = use_state(|| false);
    {
        let (seen_nudges, shaking) = (seen_nudges.clone(), shaking.clone());
        use_effect_with(nudges, move |&n| {
            let fresh = n > *seen_nudges.borrow();
            *seen_nudges.borrow_mut() = n;
            let stop = fresh.then(|| {
                shaking.set(true);
                let shaking = shaking.clone();
                gloo::timers::callback::Timeout::new(SHAKE_MS, move || shaking.set(false))
            });
            move || drop(stop)
        });
    }
    {
        let list_ref = list_ref.clone();
        // A transfer shown above the list makes it shorter: its end stays in view.
        let n = (c.messages.len(), c.transfers.len());
        use_effect_with(n, move |_| {
            if let Some(el) = list_ref.cast::<web_sys::Element>() {
                el.set_scroll_top(el.scroll_height());
            }
        });
    }
    // A new transfer goes last in its list: shown (the list scrolls to it)
    // unless the pointer is over the list, where a click may be on its way.
    let transfers_ref = use_node_ref();
    {
        let transfers_ref = transfers_ref.clone();
        use_effect_with(c.transfers.len(), move |_| {
            if let Some(el) = transfers_ref.cast::<web_sys::Element>()
                && !el.matches(":hover").unwrap_or(true)
            {
                el.set_scroll_top(el.scroll_height());
            }
        });
    }
    let compose = use_node_ref();
    // The box keeps its own text (no state of ours): typing draws nothing,
    // and Enter sends what it holds at that moment.
    let send = {
        let (ctrl, id, compose) = (ctrl.clone(), c.id, compose.clone());
        Callback::from(move |_: ()| {
            let Some(field) = compose.cast::<HtmlTextAreaElement>() else { return };
            let text = field.value();
            if !text.trim().is_empty() {
                ctrl.send_text(id, &text);
                field.set_value("");
            }
        })
    };
    let oninput = {
        let (ctrl, id) = (ctrl.clone(), c.id);
        Callback::from(move |_: InputEvent| ctrl.typing(id))
    };
    let onkeydown = {
        let send = send.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" && !e.shift_key() {
                e.prevent_default();
                send.emit(());
            }
        })
    };
    let nudge = {
        let (ctrl, id) = (ctrl.clone(), c.id);
        Callback::from(move |_| ctrl.nudge(id))
    };
    let picking = use_state(|| false);
    let toggle_picker = {
        let picking = picking.clone();
        Callback::from(move |_: MouseEvent| picking.set(!*picking))
    };
    let pick = |code: String| {
        let (compose, picking) = (compose.clone(), picking.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(field) = compose.cast::<HtmlTextAreaElement>() {
                let mut text = field.value();
                if !(text.is_empty() || text.ends_with(char::is_whitespace)) {
                    text.push(' ');
                }
                text.push_str(&code);
                field.set_value(&text);
            }
            picking.set(false);
        })
    };
    let fmt = &state.format;
    let on_font = {
        let (ctrl, color) = (ctrl.clone(), fmt.color);
        Callback::from(move |e: Event| {
            let font = e.target_unchecked_into::<web_sys::HtmlSelectElement>().value();
            ctrl.set_text_format(&font, color);
        })
    };
    let on_color = {
        let (ctrl, font) = (ctrl.clone(), fmt.font.clone());
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<web_sys::HtmlInputElement>().value();
            let color = u32::from_str_radix(v.trim_start_matches('#'), 16).unwrap_or(0);
            ctrl.set_text_format(&font, color);
        })
    };
    let typing_names: Vec<String> = c.typing.iter().map(|(e, _)| display_name(state, e)).collect();
    // The classic status line, when nobody is typing.
    let last_received = c
        .messages
        .iter()
        .rev()
        .find(|m| m.delivery == Delivery::Received && !m.from.is_empty() && m.from != state.me.email)
        .map(|m| m.at);
    // Who can be asked in: online contacts not already here, looked for
    // only while the list is open (thousands, at every message otherwise).
    let inviting = use_state(|| false);
    let candidates: Vec<(String, String)> = if *inviting {
        state
            .contacts
            .iter()
            .filter(|k| k.status != msnp::types::Status::Offline && !c.with.contains(&k.email))
            .map(|k| (k.email.clone(), k.name.clone()))
            .collect()
    } else {
        Vec::new()
    };
    let toggle_invite = {
        let inviting = inviting.clone();
        Callback::from(move |_: MouseEvent| inviting.set(!*inviting))
    };
    let on_pick = {
        let (ctrl, id, inviting) = (ctrl.clone(), c.id, inviting.clone());
        Callback::from(move |e: Event| {
            let email = e.target_unchecked_into::<HtmlSelectElement>().value();
            if !email.is_empty() {
                ctrl.invite(id, &email);
                inviting.set(false);
            }
        })
    };
    let on_send_file = {
        let (ctrl, id) = (ctrl.clone(), c.id);
        Callback::from(move |e: Event| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            if let Some(files) = input.files() {
                send_files(&ctrl, id, files);
            }
            input.set_value("");
        })
    };
    let ondragover = Callback::from(|e: DragEvent| e.prevent_default());
    let ondrop = {
        let (ctrl, id) = (ctrl.clone(), c.id);
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            if let Some(files) = e.data_transfer().and_then(|d| d.files()) {
                send_files(&ctrl, id, files);
            }
        })
    };
    let close_this = {
        let (close, id) = (props.close.clone(), c.id);
        Callback::from(move |_: MouseEvent| close.emit(id))
    };
    // Asked, the keyboard is on the answer that loses nothing.
    let keep_ref = use_node_ref();
    {
        let keep_ref = keep_ref.clone();
        use_effect_with(props.asking, move |asking| {
            if let Some(b) = keep_ref.cast::<web_sys::HtmlElement>().filter(|_| *asking) {
                let _ = b.focus();
            }
        });
    }
    let confirm = props.asking.then(|| {
        let n = transfers_under_way(c);
        let anyway = {
            let (ctrl, id) = (ctrl.clone(), c.id);
            Callback::from(move |_: MouseEvent| ctrl.close_conversation(id))
        };
        let keep = props.keep.reform(|_: MouseEvent| ());
        let what = if n == 1 { "a file transfer".to_owned() } else { format!("{n} file transfers") };
        html! {
            <div class="close-confirm" role="alertdialog" aria-label="Close this conversation?" data-testid="close-confirm">
                <span>{format!("Closing this window ends {what}.")}</span>
                <button data-testid="close-anyway" onclick={anyway}>{"Close anyway"}</button>
                <button data-testid="close-keep" ref={keep_ref.clone()} onclick={keep}>{"Keep it open"}</button>
            </div>
        }
    });
    // Older history: on a click, or when the list is scrolled to its top.
    let older = {
        let (ctrl, id) = (ctrl.clone(), c.id);
        Callback::from(move |_: MouseEvent| ctrl.history(crate::net::HistoryIntent::Older(id)))
    };
    let onscroll = {
        let (ctrl, id, more) = (ctrl.clone(), c.id, c.history_more);
        Callback::from(move |e: Event| {
            if more && e.target_unchecked_into::<web_sys::Element>().scroll_top() <= 0 {
                ctrl.history(crate::net::HistoryIntent::Older(id));
            }
        })
    };
    // Names as they are now, looked up once for the whole conversation
    // (everyone in it, and anyone who wrote and left), and the pictures of
    // the custom emoticons its messages use: shared by its blocks.
    let mut names: HashMap<String, String> = HashMap::new();
    let mut emoticon_pictures: HashMap<String, String> = HashMap::new();
    for e in c.with.iter().chain(std::iter::once(&state.me.email)) {
        names.insert(e.clone(), display_name(state, e));
    }
    for m in &c.messages {
        if !names.contains_key(&m.from) {
            names.insert(m.from.clone(), display_name(state, &m.from));
        }
        if let MessageKind::Text { emoticons, .. } = &m.kind {
            for e in emoticons {
                if let Some(url) = state.pictures.get(&e.sha1d) {
                    emoticon_pictures.insert(e.sha1d.clone(), url.clone());
                }
            }
        }
    }
    let (names, emoticon_pictures) = (Rc::new(names), Rc::new(emoticon_pictures));
    let name_of = |e: &String| names.get(e).cloned().unwrap_or_else(|| e.clone());
    let them_name = c.with.first().map(name_of).unwrap_or_default();
    // Their picture (the first of them in a group) and mine, as MSN 6-7 showed them.
    let url_of = |sha1d: Option<&String>| sha1d.and_then(|s| state.pictures.get(s)).cloned();
    let them = c.with.first().cloned().unwrap_or_default();
    let their_picture = url_of(state.contacts.iter().find(|k| k.email == them).and_then(|k| k.picture.as_ref()));
    let my_picture = url_of(state.me.picture.as_ref());
    html! {
        <div class={classes!("conversation", shaking.then_some("shake"))} data-testid="conversation" data-with={c.with.join(",")} {ondragover} {ondrop}>
            <aside class="pictures">
                { picture_img(&them, their_picture.as_deref(), "large") }
                { picture_img(&state.me.email, my_picture.as_deref(), "large") }
            </aside>
            <div class="to">
                <span class="to-list">{"To: "}{ for c.with.iter().map(|e| html! { <span class="to-name">{format!("{} <{}>", name_of(e), e)}</span> }) }</span>
                <button class="invite" data-testid="invite" aria-expanded={inviting.to_string()} onclick={toggle_invite}>{"Invite"}</button>
                <button class="invite" data-testid="conversation-close" onclick={close_this}>{"Close"}</button>
                if *inviting {
                    <select data-testid="invite-contact" aria-label="Invite someone to this conversation" onchange={on_pick}>
                        <option value="" selected=true>{ if candidates.is_empty() { "Nobody else is online" } else { "Invite someone..." } }</option>
                        { for candidates.iter().map(|(e, n)| html! { <option value={e.clone()}>{format!("{n} <{e}>")}</option> }) }
                    </select>
                }
            </div>
            // One node whether it shows or not (see the contact list).
            <>{ for confirm }</>
            // Above the messages, oldest first: a new offer goes below the
            // others and moves none of them, so an Accept being clicked
            // stays under the pointer.
            if !c.transfers.is_empty() {
                <div class="transfers" ref={transfers_ref}>{ for c.transfers.iter().map(|t| transfer_view(&ctrl, c.id, &them_name, t)) }</div>
            }
            <div class="messages" ref={list_ref} aria-live="polite" {onscroll}>
                if c.history_more {
                    <button class="link older" data-testid="history-older" onclick={older.clone()}>{"Show older messages"}</button>
                }
                { for c.messages.chunks(BLOCK).map(|block| html! {
                    <MessageBlock conv={c.id} messages={block.to_vec()} me={state.me.email.clone()}
                        names={names.clone()} pictures={emoticon_pictures.clone()} />
                }).chain(room_to_grow(c.messages.len().div_ceil(BLOCK), crate::state::MAX_SHOWN_MESSAGES / BLOCK)) }
            </div>
            <div class="typing" data-testid="typing-indicator" hidden={typing_names.is_empty()}>{typing_text(&typing_names).unwrap_or_default()}</div>
            if typing_names.is_empty() && let Some(at) = last_received {
                <div class="typing" data-testid="last-received">{format!("Last message received at {}.", clock(at))}</div>
            }
            <div class="compose">
                <div class="compose-tools">
                    <button data-testid="emoticon-picker" title="Emoticons" aria-expanded={picking.to_string()} onclick={toggle_picker}>{"🙂"}</button>
                    <button data-testid="nudge" title="Send a nudge" onclick={nudge}>{"Nudge"}</button>
                    <label class="send-file" title="Send a file (or drop one on the conversation)">{"Send a file"}
                        <input type="file" data-testid="send-file" multiple=true onchange={on_send_file} />
                    </label>
                    if *picking {
                        <div class="emoticon-grid" role="menu">
                            { for EMOTICONS.iter().map(|e| html! {
                                <button role="menuitem" data-testid="emoticon-choice" data-code={e.code}
                                    title={format!("{} {}", e.name, e.code)} onclick={pick(e.code.to_owned())}>{e.glyph}</button>
                            }) }
                            { for state.my_emoticons.iter().map(|e| html! {
                                <button role="menuitem" data-testid="emoticon-choice" data-code={e.shortcut.clone()}
                                    title={e.shortcut.clone()} onclick={pick(e.shortcut.clone())}>
                                    if let Some(url) = state.pictures.get(&e.sha1d) {
                                        <img class="custom-emoticon" src={url.clone()} alt={e.shortcut.clone()} />
                                    } else { {e.shortcut.clone()} }
                                </button>
                            }) }
                        </div>
                    }
                    <select data-testid="compose-font" aria-label="Font" onchange={on_font}>
                        { for FONTS.iter().map(|f| html! { <option value={*f} selected={fmt.font == *f}>{*f}</option> }) }
                    </select>
                    <input type="color" data-testid="compose-color" aria-label="Text colour" value={fmt.css_color()} onchange={on_color} />
                </div>
                <textarea data-testid="compose-input" ref={compose} {oninput} {onkeydown} aria-label="Type a message" style={style_of(&Some(fmt.clone()))} />
                <button data-testid="compose-send" onclick={send.reform(|_: MouseEvent| ())}>{"Send"}</button>
            </div>
        </div>
    }
}

/// Move keyboard focus to the selected tab (called once it is drawn).
fn focus_active_tab() {
    if let Some(el) = gloo::utils::document().query_selector("[role=tab][aria-selected=true]").ok().flatten()
        && let Ok(el) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el)
    {
        let _ = el.focus();
    }
}

/// How long a window shakes for a nudge, in ms (styles.css: two 0.5 s turns).
const SHAKE_MS: u32 = 1000;

/// `at` (ms since 1970) as this machine's local time, `HH:MM`.
fn clock(at: f64) -> String {
    let d = js_sys::Date::new(&at.into());
    format!("{:02}:{:02}", d.get_hours(), d.get_minutes())
}
