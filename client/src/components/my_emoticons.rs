//! My custom emoticons: a button that opens the list of them, each with its
//! image and shortcut and a way to remove it, and a form to add one (an
//! image and the characters that stand for it).

use crate::net::Controller;
use crate::state::CustomEmoticon;
use std::collections::HashMap;
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct MyEmoticonsProps {
    pub list: Vec<CustomEmoticon>,
    /// SHA1D → Blob URL of what can be shown.
    pub pictures: HashMap<String, String>,
}

#[component]
pub fn MyEmoticons(props: &MyEmoticonsProps) -> Html {
    let ctrl = use_context::<Controller>().expect("the app provides the controller");
    let open = use_state(|| false);
    let shortcut = use_node_ref();
    let file = use_node_ref();
    let toggle = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(!*open))
    };
    let add = {
        let (ctrl, shortcut, file) = (ctrl.clone(), shortcut.clone(), file.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (Some(s), Some(f)) = (shortcut.cast::<HtmlInputElement>(), file.cast::<HtmlInputElement>()) else {
                return;
            };
            let Some(chosen) = f.files().and_then(|l| l.get(0)) else { return };
            let (ctrl, typed) = (ctrl.clone(), s.value());
            s.set_value("");
            f.set_value("");
            wasm_bindgen_futures::spawn_local(async move {
                match crate::file::read(&chosen).await {
                    Ok(bytes) => ctrl.add_emoticon(&typed, bytes),
                    Err(e) => web_sys::console::warn_1(&format!("msn-web: {e}").into()),
                }
            });
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
        <div class="my-emoticons-bar">
            <button class="link" data-testid="my-emoticons" aria-expanded={open.to_string()} onclick={toggle}>
                {format!("My emoticons ({})", props.list.len())}
            </button>
            if *open {
                <div class="my-emoticons" data-testid="my-emoticons-panel" role="dialog" aria-label="My emoticons" {onkeydown}>
                    <ul>
                        { for props.list.iter().map(|e| {
                            let remove = {
                                let (ctrl, s) = (ctrl.clone(), e.shortcut.clone());
                                Callback::from(move |_: MouseEvent| ctrl.remove_emoticon(&s))
                            };
                            html! {
                                <li data-testid="my-emoticon" data-shortcut={e.shortcut.clone()}>
                                    if let Some(url) = props.pictures.get(&e.sha1d) {
                                        <img class="custom-emoticon" src={url.clone()} alt="" />
                                    }
                                    <code>{e.shortcut.clone()}</code>
                                    <button class="link" data-testid="my-emoticon-remove" aria-label={format!("Remove {}", e.shortcut)} onclick={remove}>{"Remove"}</button>
                                </li>
                            }
                        }) }
                        if props.list.is_empty() { <li class="none">{"None yet: add an image and the characters that stand for it."}</li> }
                    </ul>
                    <form class="add" onsubmit={add}>
                        <input type="file" accept="image/*" data-testid="my-emoticon-file" aria-label="Emoticon image" ref={file} required=true />
                        <input type="text" data-testid="my-emoticon-shortcut" aria-label="Shortcut" placeholder="Shortcut" maxlength="7" ref={shortcut} required=true />
                        <button type="submit" data-testid="my-emoticon-add">{"Add"}</button>
                    </form>
                </div>
            }
        </div>
    }
}
