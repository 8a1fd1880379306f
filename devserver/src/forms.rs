//! The dialect-specific shapes of server lines, in one place.

use md5::{Digest, Md5};
use msnp::codec::encode_server;
use msnp::types::*;

pub fn bytes(cmd: &ServerCommand) -> Vec<u8> {
    let mut out = Vec::new();
    encode_server(cmd, &mut out);
    out
}

/// A GUID-shaped id derived from a seed, stable across restarts (MSNP10+
/// contact and group ids).
pub fn guid(seed: &str) -> String {
    let h = format!("{:x}", Md5::digest(seed.as_bytes()));
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

pub fn contact_guid(email: &str) -> String {
    guid(&format!("contact:{}", email.to_ascii_lowercase()))
}

pub fn group_guid(owner: &str, id: u32) -> String {
    guid(&format!("group:{}:{id}", owner.to_ascii_lowercase()))
}

/// A group id as the dialect writes it.
pub fn group_ref(d: Dialect, owner: &str, id: u32) -> String {
    if d.uses_adc() { group_guid(owner, id) } else { id.to_string() }
}

/// Presence as a watcher on dialect `d` reads it.
pub fn presence(
    d: Dialect,
    status: Status,
    email: &str,
    name: &str,
    caps: Option<Capabilities>,
    msnobj: Option<&Name>,
) -> Presence {
    Presence {
        status,
        email: email.to_owned(),
        name: Name::new(name),
        caps: d.has_capabilities().then(|| caps.unwrap_or_default()),
        msnobj: if d.has_msn_object() { msnobj.cloned() } else { None },
    }
}

/// `UBX` for a personal message (MSNP11+).
pub fn ubx(email: &str, psm: &str) -> ServerCommand {
    ServerCommand::Ubx { email: email.to_owned(), network: None, payload: msnp::message::psm_xml(psm).into_bytes() }
}

/// "Someone added you": `ADD 0 RL ser email name` or `ADC 0 RL N= F=`.
pub fn reverse_add(d: Dialect, serial: u32, email: &str, name: &str) -> ServerCommand {
    if d.uses_adc() {
        ServerCommand::Adc {
            trid: TrId::ASYNC,
            list: List::Reverse,
            fields: AdcFields { email: Some(email.into()), name: Some(Name::new(name)), ..Default::default() },
        }
    } else {
        ServerCommand::Add {
            trid: TrId::ASYNC,
            list: List::Reverse,
            serial: Some(serial),
            email: email.into(),
            name: Name::new(name),
            group: None,
        }
    }
}

pub fn reverse_remove(d: Dialect, serial: u32, email: &str) -> ServerCommand {
    ServerCommand::Rem {
        trid: TrId::ASYNC,
        list: List::Reverse,
        serial: (!d.uses_adc()).then_some(serial),
        target: email.into(),
        group: None,
    }
}
