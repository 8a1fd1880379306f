//! The settings window: what a person sets for their account, kept for
//! that account only.

use crate::net::Controller;
use crate::settings::{MAX_FILE_MIB, Prefs};
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct SettingsProps {
    pub prefs: Prefs,
}

#[component]
pub fn SettingsWindow(props: &SettingsProps) -> Html {
    let ctrl = use_context::<Controller>().expect("the app provides the controller");
    let open = use_state(|| false);
    let toggle = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(!*open))
    };
    let on_max_file = {
        let (ctrl, prefs) = (ctrl.clone(), props.prefs.clone());
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
    let onkeydown = {
        let open = open.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                open.set(false);
            }
        })
    };
    html! {
        <>
            <button class="link" data-testid="settings" aria-expanded={open.to_string()} onclick={toggle.clone()}>{"Settings"}</button>
            if *open {
                <div class="settings" data-testid="settings-panel" role="dialog" aria-label="Settings" {onkeydown}>
                    <h2>{"Settings"}</h2>
                    <fieldset>
                        <legend>{"File transfers"}</legend>
                        <label>{"Decline files larger than "}
                            <input type="number" data-testid="setting-max-file" min="1" max={MAX_FILE_MIB.to_string()}
                                key={props.prefs.max_file_mib} value={props.prefs.max_file_mib.to_string()} onchange={on_max_file} />
                            {" MiB"}
                        </label>
                    </fieldset>
                    <button onclick={toggle}>{"Close"}</button>
                </div>
            }
        </>
    }
}
