//! The root component: sign-in window or the contact list with conversations.

use crate::components::{
    contact_list::ContactList, conversation::Conversations, debug_panel::DebugPanel, history_window::HistoryWindow,
    me_bar::MeBar, my_emoticons::MyEmoticons, settings::SettingsWindow, signin::SignIn,
};
use crate::net::Controller;
use crate::settings::Settings;
use crate::state::{Action, AppState, ConnState};
use yew::prelude::*;

/// Where the layout turns to one pane at a time; the same width as the
/// media query in styles.css.
const NARROW: &str = "(max-width: 720px)";

#[component]
pub fn App() -> Html {
    let state = use_reducer(AppState::default);
    let ctrl = {
        let dispatcher = state.dispatcher();
        use_memo((), move |_| {
            // `?debug` in the page URL: keep and show the protocol lines.
            let debug = gloo::utils::window()
                .location()
                .search()
                .is_ok_and(|q| q.trim_start_matches('?').split('&').any(|p| p == "debug" || p.starts_with("debug=")));
            if debug {
                dispatcher.dispatch(Action::Debug);
            }
            Controller::start(Callback::from(move |a| dispatcher.dispatch(a)), debug)
        })
    };
    let ctrl: Controller = (*ctrl).clone();
    {
        let ctrl = ctrl.clone();
        use_effect_with((), move |_| {
            let c = ctrl.clone();
            wasm_bindgen_futures::spawn_local(async move { c.set_defaults(crate::net::Defaults::load().await) });
            // Any input counts as presence (auto-idle after a few minutes without).
            let win = gloo::utils::window();
            let mut listeners: Vec<gloo::events::EventListener> = ["keydown", "pointerdown", "pointermove"]
                .into_iter()
                .map(|ev| {
                    let c = ctrl.clone();
                    let gesture = ev != "pointermove";
                    gloo::events::EventListener::new(&win, ev, move |_| {
                        c.user_active();
                        if gesture {
                            crate::sound::prepare();
                        }
                    })
                })
                .collect();
            // Alt+PageDown / Alt+PageUp: the next or previous conversation,
            // from anywhere (the browser keeps Ctrl+PageDown for its tabs).
            let c = ctrl.clone();
            listeners.push(gloo::events::EventListener::new(&win, "keydown", move |e| {
                let Some(k) = wasm_bindgen::JsCast::dyn_ref::<web_sys::KeyboardEvent>(e) else { return };
                if k.alt_key() && (k.key() == "PageDown" || k.key() == "PageUp") {
                    k.prevent_default();
                    c.conversation_step(if k.key() == "PageDown" { 1 } else { -1 });
                }
            }));
            move || drop(listeners)
        });
    }
    // Each sound the state asks for, once; after the screen is drawn (the
    // first sound starts the audio engine, tens of milliseconds in headless
    // Chromium, and the hundred contacts coming online that cued it are
    // what the person is waiting to see).
    use_effect_with(state.cue, |cue| {
        if let Some((_, sound)) = *cue {
            gloo::timers::callback::Timeout::new(0, move || crate::sound::play(sound)).forget();
        }
    });
    // The theme: the page's `data-theme` (styles.css follows the system
    // when there is none).
    use_effect_with(state.prefs.theme, |theme| {
        let root = gloo::utils::document().document_element();
        if let Some(root) = root {
            let _ = match theme {
                crate::settings::Theme::System => root.remove_attribute("data-theme"),
                t => root.set_attribute("data-theme", t.attr()),
            };
        }
    });
    {
        // A tab in the background has not seen what arrives in it.
        let dispatcher = state.dispatcher();
        use_effect_with((), move |_| {
            let doc = gloo::utils::document();
            dispatcher.dispatch(Action::PageHidden(doc.hidden()));
            let listener = gloo::events::EventListener::new(&doc.clone(), "visibilitychange", move |_| {
                dispatcher.dispatch(Action::PageHidden(doc.hidden()))
            });
            move || drop(listener)
        });
    }
    {
        // Phone-sized screens show the list or the conversations, not both.
        let dispatcher = state.dispatcher();
        use_effect_with((), move |_| {
            let query = gloo::utils::window().match_media(NARROW).ok().flatten();
            let listener = query.map(|q| {
                dispatcher.dispatch(Action::Narrow(q.matches()));
                gloo::events::EventListener::new(&q.clone(), "change", move |_| {
                    dispatcher.dispatch(Action::Narrow(q.matches()))
                })
            });
            move || drop(listener)
        });
    }
    // The unread count in the title shows in the tab strip and taskbar.
    use_effect_with(state.title(), |title| gloo::utils::document().set_title(title));
    let initial = use_memo((), |_| Settings::load());
    let on_submit = {
        let ctrl = ctrl.clone();
        Callback::from(move |s: Settings| ctrl.sign_in(s))
    };
    let sign_out = {
        let ctrl = ctrl.clone();
        Callback::from(move |_| ctrl.sign_out())
    };
    let show_chats = {
        let ctrl = ctrl.clone();
        Callback::from(move |_| ctrl.show_list(false))
    };
    let status_text = match state.conn {
        ConnState::Offline => "Offline",
        ConnState::Connecting => "Connecting...",
        ConnState::Online => "Online",
        ConnState::Reconnecting => "Connection lost. Reconnecting...",
    };
    let toasts = state.toasts.iter().map(|t| {
        let (ctrl, email) = (ctrl.clone(), t.email.clone());
        let onclick = Callback::from(move |_: MouseEvent| {
            ctrl.conversation_with(&email, true);
        });
        html! { <button class="toast" data-testid="toast" data-email={t.email.clone()} {onclick}>{t.text.clone()}</button> }
    });
    html! {
        <ContextProvider<Controller> context={ctrl.clone()}>
        <main class="app">
            <div class="toasts" aria-live="polite">{ for toasts }</div>
            <div class={classes!("connection", state.conn.attr())} data-testid="connection-status" data-state={state.conn.attr()} role="status">{status_text}</div>
            if !state.signed_in {
                <SignIn initial={(*initial).clone()} error={state.error.clone()} busy={state.conn == ConnState::Connecting} {on_submit} />
                if state.history.is_some() {
                    <HistoryWindow view={state.history.clone()} />
                }
            } else {
                <div class={classes!("main", (state.active.is_some() && !state.showing_list).then_some("chatting"))}>
                    <div class="window list">
                        <div class="titlebar">{"MSN Messenger"}<span class="titlebar-actions"><HistoryWindow view={state.history.clone()} /><SettingsWindow prefs={state.prefs.clone()} privacy={state.privacy.clone()} /><button class="link signout" onclick={sign_out}>{"Sign out"}</button></span></div>
                        <MeBar me={state.me.clone()} supports_psm={state.supports_psm}
                            picture={state.me.picture.as_ref().and_then(|p| state.pictures.get(p)).cloned()} />
                        <MyEmoticons list={state.my_emoticons.clone()} pictures={state.pictures.clone()} />
                        if let Some(n) = state.mail_unread {
                            <div class="mail" data-testid="mail" data-unread={n.to_string()} role="status">
                                { match n { 0 => "No unread e-mail".to_owned(), 1 => "1 unread e-mail".to_owned(), n => format!("{n} unread e-mails") } }
                                if let Some((from, subject)) = &state.new_mail {
                                    <span class="new-mail" data-testid="new-mail">{format!(" — new from {from}: {subject}")}</span>
                                }
                            </div>
                        }
                        if state.conn == ConnState::Reconnecting {
                            <div class="banner" role="alert">{"Connection lost. Reconnecting... Your messages are kept."}</div>
                        }
                        if let Some(err) = &state.error {
                            <div class="error" role="alert">{err.clone()}</div>
                        }
                        if !state.conversations.is_empty() {
                            <button class="to-chats" data-testid="show-conversations" onclick={show_chats}>
                                {match state.unread_count() {
                                    0 => format!("Conversations ({}) ›", state.conversations.len()),
                                    n => format!("Conversations ({}), {n} unread ›", state.conversations.len()),
                                }}
                            </button>
                        }
                        <ContactList contacts={state.contacts.clone()} groups={state.groups.clone()} requests={state.requests.clone()} synced_at={state.synced_at} contacts_at={state.contacts_at} pictures={state.pictures.clone()} />
                    </div>
                    <Conversations state={state.clone()} />
                </div>
            }
            if let Some(lines) = &state.debug {
                <DebugPanel lines={lines.clone()} />
            }
        </main>
        </ContextProvider<Controller>>
    }
}
