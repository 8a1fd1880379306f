//! The settings window: what a person sets for their account (kept for that
//! account only, in this browser) and their privacy, which the server keeps.

use crate::net::Controller;
use crate::settings::{MAX_FILE_MIB, Prefs, Theme};
use crate::state::PrivacyView;
use msnp::types::BlpMode;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct SettingsProps {
    pub prefs: Prefs,
    pub privacy: PrivacyView,
}

/// A checkbox bound to one of the prefs.
fn check(
    ctrl: &Controller,
    prefs: &Prefs,
    testid: &'static str,
    label: &'static str,
    field: fn(&mut Prefs) -> &mut bool,
) -> Html {
    // One copy: read the flag from it, and change it on a click.
    let mut mine = prefs.clone();
    let on = *field(&mut mine);
    let onchange = {
        let ctrl = ctrl.clone();
        Callback::from(move |e: Event| {
            let mut p = mine.clone();
            *field(&mut p) = e.target_unchecked_into::<HtmlInputElement>().checked();
            ctrl.set_prefs(p);
        })
    };
    html! {
        <label class="check"><input type="checkbox" data-testid={testid} checked={on} {onchange} />{label}</label>
    }
}

/// One list of the privacy section: each address with a button that moves
/// it to the other list.
fn privacy_list(
    ctrl: &Controller,
    list: &[String],
    code: &'static str,
    title: &'static str,
    move_label: &'static str,
) -> Html {
    html! {
        <div class="privacy-list">
            <h4>{title}</h4>
            <ul aria-label={title}>
                { for list.iter().map(|email| {
                    let onclick = {
                        let (ctrl, email) = (ctrl.clone(), email.clone());
                        Callback::from(move |_: MouseEvent| ctrl.block(&email, code == "AL"))
                    };
                    html! {
                        <li data-testid="privacy-entry" data-email={email.clone()} data-list={code}>
                            <span class="address">{email.clone()}</span>
                            <button class="link" data-testid="privacy-move" aria-label={format!("{move_label}: {email}")} {onclick}>{move_label}</button>
                        </li>
                    }
                }) }
                if list.is_empty() { <li class="none">{"Nobody."}</li> }
            </ul>
        </div>
    }
}

#[component]
pub fn SettingsWindow(props: &SettingsProps) -> Html {
    let ctrl = use_context::<Controller>().expect("the app provides the controller");
    let open = use_state(|| false);
    let toggle = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(!*open))
    };
    let prefs = &props.prefs;
    let on_max_file = {
        let (ctrl, prefs) = (ctrl.clone(), prefs.clone());
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let typed = input.value();
            if typed.trim().is_empty() {
                return; // still being typed
            }
            match typed.trim().parse::<u32>() {
                Ok(mib) => {
                    let mut p = prefs.clone();
                    p.max_file_mib = mib;
                    ctrl.set_prefs(p);
                }
                // What cannot be read goes back to what holds.
                Err(_) => input.set_value(&prefs.max_file_mib.to_string()),
            }
        })
    };
    let on_theme = {
        let (ctrl, prefs) = (ctrl.clone(), prefs.clone());
        Callback::from(move |e: Event| {
            if let Some(t) = Theme::from_attr(&e.target_unchecked_into::<HtmlSelectElement>().value()) {
                let mut p = prefs.clone();
                p.theme = t;
                ctrl.set_prefs(p);
            }
        })
    };
    let on_mode = {
        let ctrl = ctrl.clone();
        Callback::from(move |e: Event| {
            let mode = if e.target_unchecked_into::<HtmlSelectElement>().value() == "AL" {
                BlpMode::AllowAll
            } else {
                BlpMode::BlockAll
            };
            ctrl.set_privacy(mode);
        })
    };
    let on_prompt = {
        let ctrl = ctrl.clone();
        Callback::from(move |e: Event| ctrl.set_add_prompt(e.target_unchecked_into::<HtmlInputElement>().checked()))
    };
    let onkeydown = {
        let open = open.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                open.set(false);
            }
        })
    };
    let privacy = &props.privacy;
    html! {
        <>
            <button class="link" data-testid="settings" aria-expanded={open.to_string()} onclick={toggle.clone()}>{"Settings"}</button>
            if *open {
                <div class="settings" data-testid="settings-panel" role="dialog" aria-label="Settings" {onkeydown}>
                    <h2>{"Settings"}</h2>
                    <fieldset>
                        <legend>{"Notifications and sounds"}</legend>
                        { check(&ctrl, prefs, "setting-notify-messages", "Tell me of new messages", |p| &mut p.notify_messages) }
                        { check(&ctrl, prefs, "setting-notify-signin", "Tell me when a contact signs in", |p| &mut p.notify_signin) }
                        { check(&ctrl, prefs, "setting-notify-nudges", "Tell me of nudges", |p| &mut p.notify_nudges) }
                        { check(&ctrl, prefs, "setting-sounds", "Play sounds", |p| &mut p.sounds) }
                    </fieldset>
                    <fieldset>
                        <legend>{"History"}</legend>
                        { check(&ctrl, prefs, "setting-history", "Keep my conversations in this browser", |p| &mut p.history) }
                    </fieldset>
                    <fieldset>
                        <legend>{"Look"}</legend>
                        <label>{"Theme "}
                            <select data-testid="setting-theme" onchange={on_theme}>
                                { for Theme::ALL.iter().map(|t| html! { <option value={t.attr()} selected={*t == prefs.theme}>{t.label()}</option> }) }
                            </select>
                        </label>
                    </fieldset>
                    <fieldset>
                        <legend>{"File transfers"}</legend>
                        <label>{"Decline files larger than "}
                            <input type="number" data-testid="setting-max-file" min="1" max={MAX_FILE_MIB.to_string()}
                                key={prefs.max_file_mib} value={prefs.max_file_mib.to_string()} onchange={on_max_file} />
                            {" MiB"}
                        </label>
                    </fieldset>
                    <fieldset class="privacy">
                        <legend>{"Privacy"}</legend>
                        <label>{"Who can see my status and send me messages: "}
                            <select data-testid="privacy-mode" onchange={on_mode}>
                                <option value="AL" selected={!privacy.only_allowed}>{"Everyone except those I block"}</option>
                                <option value="BL" selected={privacy.only_allowed}>{"Only people I allow"}</option>
                            </select>
                        </label>
                        <label class="check"><input type="checkbox" data-testid="privacy-prompt" checked={privacy.ask_when_added} onchange={on_prompt} />
                            {"Tell me when someone adds me to their list"}</label>
                        <div class="privacy-lists">
                            { privacy_list(&ctrl, &privacy.allowed, "AL", "Allowed", "Block") }
                            { privacy_list(&ctrl, &privacy.blocked, "BL", "Blocked", "Allow") }
                        </div>
                    </fieldset>
                    <button onclick={toggle}>{"Close"}</button>
                </div>
            }
        </>
    }
}
