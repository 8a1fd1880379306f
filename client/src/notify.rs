//! Desktop notifications for what arrives while the page is in the
//! background, as the classic client's toasts did. Nothing happens without
//! the browser's permission, which is asked for when the user signs in (a
//! click, as browsers require).

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{Notification, NotificationOptions, NotificationPermission};

/// Longest message text shown in a notification.
const MAX_BODY: usize = 120;

/// Ask once; a decision the user already made stands.
pub fn ask_permission() {
    if supported() && Notification::permission() == NotificationPermission::Default {
        let _ = Notification::request_permission();
    }
}

fn supported() -> bool {
    js_sys::Reflect::has(&gloo::utils::window(), &"Notification".into()).unwrap_or(false)
}

/// Whether the page is out of sight now.
pub fn page_hidden() -> bool {
    gloo::utils::document().hidden()
}

/// Show `title` and `body`; clicking it brings the page back and runs
/// `on_click`. One notification per conversation (`tag`): a newer one
/// replaces the last.
pub fn show(tag: &str, title: &str, body: &str, on_click: impl FnOnce() + 'static) {
    if !supported() || Notification::permission() != NotificationPermission::Granted {
        return;
    }
    let body: String = if body.chars().count() > MAX_BODY {
        body.chars().take(MAX_BODY).chain(std::iter::once('…')).collect()
    } else {
        body.to_owned()
    };
    let opts = NotificationOptions::new();
    opts.set_body(&body);
    opts.set_tag(tag);
    let Ok(n) = Notification::new_with_options(title, &opts) else { return };
    let click = Closure::once_into_js(move || {
        let _ = gloo::utils::window().focus();
        on_click();
    });
    n.set_onclick(Some(click.unchecked_ref()));
}
