//! The root component: sign-in window or the contact list with conversations.

use crate::components::{contact_list::ContactList, conversation::Conversations, me_bar::MeBar, signin::SignIn};
use crate::net::Controller;
use crate::settings::Settings;
use crate::state::{AppState, ConnState};
use yew::prelude::*;

#[component]
pub fn App() -> Html {
    let state = use_reducer(AppState::default);
    let ctrl = {
        let dispatcher = state.dispatcher();
        use_memo((), move |_| Controller::new(Callback::from(move |a| dispatcher.dispatch(a))))
    };
    let ctrl: Controller = (*ctrl).clone();
    {
        let ctrl = ctrl.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move { ctrl.set_defaults(crate::net::Defaults::load().await) });
        });
    }
    let initial = use_memo((), |_| Settings::load());
    let on_submit = {
        let ctrl = ctrl.clone();
        Callback::from(move |s: Settings| ctrl.sign_in(s))
    };
    let sign_out = {
        let ctrl = ctrl.clone();
        Callback::from(move |_| ctrl.sign_out())
    };
    let status_text = match state.conn {
        ConnState::Offline => "Offline",
        ConnState::Connecting => "Connecting...",
        ConnState::Online => "Online",
        ConnState::Reconnecting => "Connection lost. Reconnecting...",
    };
    html! {
        <main class="app">
            <div class={classes!("connection", state.conn.attr())} data-testid="connection-status" data-state={state.conn.attr()} role="status">{status_text}</div>
            if !state.signed_in {
                <SignIn initial={(*initial).clone()} error={state.error.clone()} busy={state.conn == ConnState::Connecting} {on_submit} />
            } else {
                <div class="main">
                    <div class="window list">
                        <div class="titlebar">{"MSN Messenger"}<button class="link signout" onclick={sign_out}>{"Sign out"}</button></div>
                        <MeBar me={state.me.clone()} supports_psm={state.supports_psm} ctrl={ctrl.clone()} />
                        if state.conn == ConnState::Reconnecting {
                            <div class="banner" role="alert">{"Connection lost. Reconnecting... Your messages are kept."}</div>
                        }
                        if let Some(err) = &state.error {
                            <div class="error" role="alert">{err.clone()}</div>
                        }
                        <ContactList contacts={state.contacts.clone()} groups={state.groups.clone()} ctrl={ctrl.clone()} />
                    </div>
                    <Conversations state={state.clone()} ctrl={ctrl.clone()} />
                </div>
            }
        </main>
    }
}
