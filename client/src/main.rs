//! Entry point: only mounts the app.
fn main() {
    yew::Renderer::<client::app::App>::new().render();
}
