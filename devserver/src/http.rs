//! Passport for TWN logins: the Passport 1.4 flow (`/rdr/pprdr.asp` +
//! `/login2.srf`) and the browser-friendly `POST /NotRST.srf` that revival
//! servers offer, with CORS so a page on another origin can call it.

use crate::hub::Hub;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use percent_encoding::percent_decode_str;
use std::sync::Arc;

pub fn router(hub: Arc<Hub>) -> Router {
    Router::new()
        .route("/rdr/pprdr.asp", get(nexus))
        .route("/login2.srf", get(login))
        .route("/NotRST.srf", axum::routing::post(not_rst).options(preflight))
        .route("/healthz", get(|| async { "ok" }))
        .with_state(hub)
}

fn cors(h: &mut HeaderMap, origin: Option<&HeaderValue>) {
    // Any page may ask for a ticket: it still needs the password.
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.cloned().unwrap_or(HeaderValue::from_static("*")));
    h.insert(header::VARY, HeaderValue::from_static("Origin"));
    h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("POST, OPTIONS"));
    h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("X-User, X-Password, Content-Type"));
    h.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static("X-Token"));
    h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
}

async fn preflight(headers: HeaderMap) -> Response {
    let mut r = StatusCode::NO_CONTENT.into_response();
    cors(r.headers_mut(), headers.get(header::ORIGIN));
    r
}

async fn not_rst(State(hub): State<Arc<Hub>>, headers: HeaderMap) -> Response {
    let get = |k: &str| headers.get(k).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let (user, pass) = (get("X-User"), get("X-Password"));
    let mut r = if !user.is_empty() && hub.check_password(&user, &pass) {
        let t = hub.new_ticket(&user);
        let mut r = StatusCode::OK.into_response();
        r.headers_mut().insert("X-Token", HeaderValue::from_str(&t).expect("hex token"));
        r
    } else {
        (StatusCode::UNAUTHORIZED, "authentication failed").into_response()
    };
    cors(r.headers_mut(), headers.get(header::ORIGIN));
    r
}

async fn nexus(headers: HeaderMap) -> Response {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
    let urls = format!(
        "DARealm=Passport.Net,DALogin={host}/login2.srf,DAReg=,Properties=,Privacy=,GeneralRedir=,Help=,ConfigVersion=15"
    );
    let mut r = StatusCode::OK.into_response();
    r.headers_mut().insert("PassportURLs", HeaderValue::from_str(&urls).unwrap_or(HeaderValue::from_static("")));
    r
}

/// `Authorization: Passport1.4 OrgVerb=GET,...,sign-in=<enc>,pwd=<enc>,...`
fn passport_field(auth: &str, name: &str) -> Option<String> {
    let rest = auth.strip_prefix("Passport1.4")?.trim();
    rest.split(',')
        .find_map(|kv| kv.trim().strip_prefix(&format!("{name}=")))
        .map(|v| percent_decode_str(v).decode_utf8_lossy().into_owned())
}

async fn login(State(hub): State<Arc<Hub>>, headers: HeaderMap) -> Response {
    let auth = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("");
    let (user, pass) = (passport_field(auth, "sign-in"), passport_field(auth, "pwd"));
    match (user, pass) {
        (Some(u), Some(p)) if hub.check_password(&u, &p) => {
            let t = hub.new_ticket(&u);
            let info = format!(
                "Passport1.4 da-status=success,tname=MSPAuth,tname=MSPProf,tname=MSPSec,from-PP='t={t}&p=',ru=http://messenger.msn.com"
            );
            let mut r = StatusCode::OK.into_response();
            r.headers_mut().insert("Authentication-Info", HeaderValue::from_str(&info).expect("ascii"));
            r
        }
        _ => {
            let mut r = StatusCode::UNAUTHORIZED.into_response();
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Passport1.4 da-status=failed,srealm=Passport.NET,ts=-3,prompt,cburl=,cbtxt="),
            );
            r
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_passport_header_fields() {
        let a = "Passport1.4 OrgVerb=GET,OrgURL=http%3A%2F%2Fmessenger%2Emsn%2Ecom,sign-in=a%40x.com,pwd=p%2Cw,lc=1033";
        assert_eq!(super::passport_field(a, "sign-in").unwrap(), "a@x.com");
        assert_eq!(super::passport_field(a, "pwd").unwrap(), "p,w");
    }
}
