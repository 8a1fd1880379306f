//! The debug panel (`?debug` in the page URL): the last protocol lines both
//! ways, secrets masked, for finding out what a server really said.

use crate::state::{DEBUG_LINES, DebugLine};
use crate::view::room_to_grow;
use std::collections::VecDeque;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct DebugPanelProps {
    pub lines: VecDeque<DebugLine>,
}

#[component]
pub fn DebugPanel(props: &DebugPanelProps) -> Html {
    let open = use_state(|| true);
    let toggle = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(!*open))
    };
    html! {
        <section class="debug-panel" data-testid="debug-panel" aria-label="Protocol log">
            <button class="link" onclick={toggle} aria-expanded={open.to_string()}>
                {format!("Protocol log ({} lines)", props.lines.len())}
            </button>
            if *open {
                <ol class="debug-lines">
                    { for props.lines.iter().map(|l| html! {
                        <li data-testid="debug-line" data-link={l.link.clone()} data-dir={l.dir.arrow()}>
                            <code>{format!("{} {} {}", l.link, l.dir.arrow(), l.text)}</code>
                        </li>
                    }).chain(room_to_grow(props.lines.len(), DEBUG_LINES)) }
                </ol>
            }
        </section>
    }
}
