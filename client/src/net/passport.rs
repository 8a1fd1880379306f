//! Passport (TWN) tickets, fetched straight from the browser so that the
//! password never passes through the relay.

/// `POST <url>` with `X-User`/`X-Password`; the ticket is in `X-Token`.
pub async fn fetch_ticket(url: &str, email: &str, password: &str) -> Result<String, String> {
    let resp = crate::web::http("POST", url, &[("X-User", email), ("X-Password", password)])
        .await
        .map_err(|e| format!("Could not reach the Passport server at {url}: {e}"))?;
    match resp.status() {
        200 => resp
            .header("X-Token")
            .filter(|t| !t.is_empty())
            .ok_or_else(|| "The Passport server did not return a ticket (is X-Token exposed to the page?)".to_owned()),
        401 | 403 => Err("Wrong e-mail address or password (911).".into()),
        s => Err(format!("The Passport server answered HTTP {s}.")),
    }
}
