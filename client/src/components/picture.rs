//! A display picture: the person's own once it has come and decoded, our
//! default drawing until then (or for those without one).

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct PictureProps {
    /// Whose picture (`data-email`).
    pub email: String,
    /// Its Blob URL, when it can be shown.
    pub url: Option<String>,
    /// `small` (the list), `medium` (mine, above it) or `large` (conversations).
    pub size: &'static str,
}

#[component]
pub fn Picture(props: &PictureProps) -> Html {
    picture_img(&props.email, props.url.as_deref(), props.size)
}

/// The same as plain markup, for the contact list's rows: a thousand
/// components cost far more to draw than a thousand images.
pub fn picture_img(email: &str, url: Option<&str>, size: &'static str) -> Html {
    match url {
        Some(src) => html! {
            <img class={classes!("picture", size)} data-testid="picture" data-email={email.to_owned()}
                data-default="false" src={src.to_owned()} alt="" draggable="false" />
        },
        // Our drawing comes from the style sheet: one image for every row
        // instead of one decoded per row (a thousand rows drew a third
        // slower as images).
        None => html! {
            <span class={classes!("picture", size, "default")} data-testid="picture" data-email={email.to_owned()}
                data-default="true" aria-hidden="true" />
        },
    }
}
