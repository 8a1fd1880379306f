//! Hello, in Yew: what any Yew app costs before its first feature.
use yew::prelude::*;

#[component]
fn App() -> Html {
    let n = use_state(|| 0);
    let onclick = {
        let n = n.clone();
        Callback::from(move |_| n.set(*n + 1))
    };
    html! { <button {onclick}>{format!("Hello {}", *n)}</button> }
}

fn main() {
    yew::Renderer::<App>::new().render();
}
