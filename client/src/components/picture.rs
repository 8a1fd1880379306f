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
    let src = props.url.clone().unwrap_or_else(|| crate::picture::DEFAULT.to_owned());
    html! {
        <img class={classes!("picture", props.size)} data-testid="picture" data-email={props.email.clone()}
            data-default={props.url.is_none().to_string()} src={src} alt="" draggable="false" />
    }
}
