//! The sign-in window.

use crate::settings::Settings;
use msnp::types::{Dialect, Email, Status};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct SignInProps {
    pub initial: Settings,
    pub error: Option<String>,
    pub busy: bool,
    pub on_submit: Callback<Settings>,
}

fn text_input(
    value: &str,
    testid: &'static str,
    kind: &'static str,
    placeholder: &'static str,
    set: Callback<String>,
) -> Html {
    let oninput = Callback::from(move |e: InputEvent| set.emit(e.target_unchecked_into::<HtmlInputElement>().value()));
    html! { <input type={kind} data-testid={testid} value={value.to_owned()} placeholder={placeholder} {oninput} /> }
}

#[component]
pub fn SignIn(props: &SignInProps) -> Html {
    let s = use_state(|| props.initial.clone());
    let advanced = use_state(|| false);
    let field = |f: fn(&mut Settings, String)| {
        let s = s.clone();
        Callback::from(move |v: String| {
            let mut n = (*s).clone();
            f(&mut n, v);
            s.set(n);
        })
    };
    // The picture this browser remembers for the address typed, as MSN
    // showed the chosen account's.
    let picture = use_state(|| None::<String>);
    {
        let picture = picture.clone();
        use_effect_with(s.email.trim().to_ascii_lowercase(), move |email| {
            let (email, picture) = (email.clone(), picture.clone());
            if Email::parse(&email).is_ok() {
                wasm_bindgen_futures::spawn_local(async move {
                    let png = crate::store::my_picture(&email).await;
                    let url = match png {
                        Some(png) => crate::picture::checked_url(&png).await.ok(),
                        None => None,
                    };
                    picture.set(url);
                });
            } else {
                picture.set(None);
            }
        });
    }
    // What is wrong with the form itself, found before connecting.
    let invalid = use_state(|| None::<String>);
    let onsubmit = {
        let (s, invalid) = (s.clone(), invalid.clone());
        let cb = props.on_submit.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            match Email::parse(&s.email) {
                Ok(_) => {
                    invalid.set(None);
                    cb.emit((*s).clone());
                }
                Err(why) => invalid.set(Some(format!("That is not an e-mail address: {why}."))),
            }
        })
    };
    let on_protocol = {
        let set = field(|s, v| s.protocol = v);
        Callback::from(move |e: Event| set.emit(e.target_unchecked_into::<HtmlSelectElement>().value()))
    };
    let on_status = {
        let set = field(|s, v| s.status = v);
        Callback::from(move |e: Event| set.emit(e.target_unchecked_into::<HtmlSelectElement>().value()))
    };
    let check = |f: fn(&mut Settings, bool)| {
        let s = s.clone();
        Callback::from(move |e: Event| {
            let mut n = (*s).clone();
            f(&mut n, e.target_unchecked_into::<HtmlInputElement>().checked());
            s.set(n);
        })
    };
    let toggle = {
        let a = advanced.clone();
        Callback::from(move |_| a.set(!*a))
    };
    let open_history = {
        let (ctrl, email) = (use_context::<crate::net::Controller>(), s.email.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(c) = &ctrl {
                c.history(crate::net::HistoryIntent::OpenFor(email.trim().to_owned()));
            }
        })
    };
    let protocols: Vec<String> =
        std::iter::once("auto".to_owned()).chain(Dialect::all_newest_first().iter().map(|d| d.to_string())).collect();
    html! {
        <form class="window signin" novalidate=true {onsubmit}>
            <div class="titlebar">{"Sign in to MSN Messenger"}</div>
            if let Some(url) = (*picture).clone() {
                <img class="picture large signin-picture" data-testid="picture" data-email={s.email.trim().to_ascii_lowercase()}
                    data-default="false" src={url} alt="" />
            } else {
                <div class="buddy-logo" aria-hidden="true"><span class="head"/><span class="body"/></div>
            }
            <label>{"E-mail address"}{text_input(&s.email, "signin-email", "email", "someone@example.com", field(|s, v| s.email = v))}</label>
            <label>{"Password"}{text_input(&s.password, "signin-password", "password", "", field(|s, v| s.password = v))}</label>
            <label>{"Sign in as"}
                <select data-testid="signin-status" onchange={on_status}>
                    { for Status::ALL.iter().filter(|st| **st != Status::Offline && **st != Status::Idle).map(|st| html! {
                        <option value={st.code()} selected={s.status == st.code()}>{crate::view::status_label(*st)}</option>
                    }) }
                </select>
            </label>
            <label class="check"><input type="checkbox" checked={s.remember} onchange={check(|s, v| s.remember = v)} />{"Remember me"}</label>
            <label class="check"><input type="checkbox" checked={s.remember_password} disabled={!s.remember} onchange={check(|s, v| s.remember_password = v)} />{"Remember my password"}</label>
            <button type="button" class="link" data-testid="signin-advanced" onclick={toggle}>{ if *advanced { "Hide advanced settings" } else { "Advanced settings" } }</button>
            <fieldset class="advanced" hidden={!*advanced}>
                <label>{"Relay (WebSocket URL)"}{text_input(&s.relay, "signin-relay", "text", "same origin /ws", field(|s, v| s.relay = v))}</label>
                <label>{"Server (host:port)"}{text_input(&s.server, "signin-server", "text", "relay default", field(|s, v| s.server = v))}</label>
                <label>{"Protocol"}
                    <select data-testid="signin-protocol" onchange={on_protocol}>
                        { for protocols.iter().map(|p| html! { <option value={p.clone()} selected={s.protocol == *p}>{ if p == "auto" { "Automatic (MSNP12 down to MSNP2)".to_owned() } else { p.clone() } }</option> }) }
                    </select>
                </label>
                <label>{"Passport ticket URL"}{text_input(&s.passport, "signin-passport", "text", "/NotRST.srf", field(|s, v| s.passport = v))}</label>
            </fieldset>
            if let Some(err) = invalid.as_ref().or(props.error.as_ref()) {
                <div class="error" role="alert" data-testid="signin-error">{err.clone()}</div>
            }
            <button type="submit" data-testid="signin-submit" disabled={props.busy}>{ if props.busy { "Signing in..." } else { "Sign in" } }</button>
            <button type="button" class="link" data-testid="signin-history" disabled={Email::parse(&s.email).is_err()} onclick={open_history}>
                {"History of this account (works offline)"}</button>
        </form>
    }
}
