//! My own name, status and personal message, editable in place.

use crate::components::picture::picture_img;
use crate::net::Controller;
use crate::state::Me;
use crate::view::status_class;
use msnp::types::Status;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct MeBarProps {
    pub me: Me,
    pub supports_psm: bool,
    /// My display picture's Blob URL, once it can be shown.
    pub picture: Option<String>,
}

/// Commit an edit on Enter or when the field loses focus.
fn commit(ctrl: &Controller, apply: fn(&Controller, &str)) -> (Callback<KeyboardEvent>, Callback<FocusEvent>) {
    let c1 = ctrl.clone();
    let c2 = ctrl.clone();
    (
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" {
                apply(&c1, &e.target_unchecked_into::<HtmlInputElement>().value());
            }
        }),
        Callback::from(move |e: FocusEvent| apply(&c2, &e.target_unchecked_into::<HtmlInputElement>().value())),
    )
}

/// Make a chosen or dropped file my display picture.
fn take_picture(ctrl: &Controller, file: web_sys::File) {
    let ctrl = ctrl.clone();
    wasm_bindgen_futures::spawn_local(async move {
        match crate::file::read(&file).await {
            Ok(bytes) => ctrl.set_picture(bytes),
            Err(e) => web_sys::console::warn_1(&format!("msn-web: {e}").into()),
        }
    });
}

#[component]
pub fn MeBar(props: &MeBarProps) -> Html {
    let ctrl = use_context::<Controller>().expect("the app provides the controller");
    let me = &props.me;
    let status = me.status.unwrap_or(Status::Online);
    let on_status = {
        let ctrl = ctrl.clone();
        Callback::from(move |e: Event| {
            if let Ok(st) = e.target_unchecked_into::<HtmlSelectElement>().value().parse::<Status>() {
                ctrl.set_status(st);
            }
        })
    };
    let (name_key, name_blur) = commit(&ctrl, |c, v| {
        if !v.trim().is_empty() {
            c.set_name(v.trim())
        }
    });
    let (psm_key, psm_blur) = commit(&ctrl, |c, v| c.set_personal_message(v));
    let on_picture = {
        let ctrl = ctrl.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            if let Some(file) = input.files().and_then(|f| f.get(0)) {
                take_picture(&ctrl, file);
            }
            // The same file may be chosen again.
            input.set_value("");
        })
    };
    // A picture dropped on mine replaces it, as one chosen does.
    let ondragover = Callback::from(|e: DragEvent| e.prevent_default());
    let ondrop = {
        let ctrl = ctrl.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            if let Some(file) = e.data_transfer().and_then(|d| d.files()).and_then(|f| f.get(0)) {
                take_picture(&ctrl, file);
            }
        })
    };
    html! {
        <div class="me">
            <label class="me-picture" title="Change my display picture (choose or drop one)" {ondragover} {ondrop}>
                { picture_img(&me.email, props.picture.as_deref(), "medium") }
                <input type="file" accept="image/*" data-testid="me-picture" aria-label="Choose my display picture" onchange={on_picture} />
            </label>
            <span class={classes!("status-icon", status_class(status))} aria-hidden="true"/>
            <div class="me-fields">
                <input class="me-name" data-testid="me-name" key={me.name.clone()} value={me.name.clone()} aria-label="My display name" onkeydown={name_key} onblur={name_blur} />
                <select data-testid="me-status" aria-label="My status" onchange={on_status}>
                    { for Status::ALL.iter().filter(|s| **s != Status::Offline).map(|s| html! {
                        <option value={s.code()} selected={*s == status}>{crate::view::status_label(*s)}</option>
                    }) }
                </select>
                <input class="me-psm" data-testid="me-psm" maxlength="129" key={me.psm.clone()} value={me.psm.clone()} disabled={!props.supports_psm}
                    placeholder={ if props.supports_psm { "<Type a personal message>" } else { "(personal messages need MSNP11+)" } }
                    onkeydown={psm_key} onblur={psm_blur} />
            </div>
        </div>
    }
}
