//! Typed command -> bytes. Infallible: values were validated when built.

use crate::types::*;
use std::fmt::Display;
use std::io::Write;

/// Appends one line: command, space-separated arguments, CRLF, payload.
struct Line<'a> {
    out: &'a mut Vec<u8>,
}

impl<'a> Line<'a> {
    fn new(out: &'a mut Vec<u8>, command: &str) -> Self {
        out.extend_from_slice(command.as_bytes());
        Line { out }
    }
    fn arg(&mut self, a: impl Display) -> &mut Self {
        // Writing to a Vec cannot fail.
        let _ = write!(self.out, " {a}");
        self
    }
    fn opt(&mut self, a: Option<impl Display>) -> &mut Self {
        if let Some(a) = a {
            self.arg(a);
        }
        self
    }
    fn all<T: Display>(&mut self, items: impl IntoIterator<Item = T>) -> &mut Self {
        for i in items {
            self.arg(i);
        }
        self
    }
    fn end(&mut self) {
        self.out.extend_from_slice(b"\r\n");
    }
    fn end_payload(&mut self, payload: &[u8]) {
        self.arg(payload.len());
        self.end();
        self.out.extend_from_slice(payload);
    }
}

fn wire(n: &Name) -> String {
    n.to_wire()
}

fn joined(groups: &[String]) -> String {
    groups.join(",")
}

fn adc(l: &mut Line<'_>, f: &AdcFields) {
    l.opt(f.email.as_ref().map(|e| format!("N={e}")))
        .opt(f.name.as_ref().map(|n| format!("F={}", n.to_wire())))
        .opt(f.guid.as_ref().map(|g| format!("C={g}")))
        .opt(f.group.as_ref());
}

fn presence(l: &mut Line<'_>, p: &Presence) {
    l.arg(p.status).arg(&p.email).arg(wire(&p.name)).opt(p.caps).opt(p.msnobj.as_ref().map(wire));
}

/// Append a server command to `out`.
pub fn encode_server(cmd: &ServerCommand, out: &mut Vec<u8>) {
    use ServerCommand as S;
    match cmd {
        S::Ver { trid, dialects } => Line::new(out, "VER").arg(trid).all(dialects).end(),
        S::Cvr { trid, recommended, recommended_again, minimum, download_url, info_url } => Line::new(out, "CVR")
            .arg(trid)
            .arg(recommended)
            .arg(recommended_again)
            .arg(minimum)
            .arg(download_url)
            .arg(info_url)
            .end(),
        S::Inf { trid, methods } => Line::new(out, "INF").arg(trid).all(methods).end(),
        S::UsrChallenge { trid, method, challenge } => {
            Line::new(out, "USR").arg(trid).arg(method.code()).arg("S").arg(challenge).end()
        }
        S::UsrOk { trid, email, name, verified, extra } => Line::new(out, "USR")
            .arg(trid)
            .arg("OK")
            .arg(email)
            .opt(name.as_ref().map(wire))
            .opt(verified.as_ref())
            .opt(extra.as_ref())
            .end(),
        S::XfrNs { trid, addr, extra } => Line::new(out, "XFR").arg(trid).arg("NS").arg(addr).all(extra).end(),
        S::XfrSb { trid, addr, auth, cookie, extra } => {
            Line::new(out, "XFR").arg(trid).arg("SB").arg(addr).arg(auth).arg(cookie).all(extra).end()
        }
        S::Syn { trid, list_version, ab_version, counts } => Line::new(out, "SYN")
            .arg(trid)
            .arg(list_version)
            .opt(ab_version.as_ref())
            .opt(counts.map(|c| c.0))
            .opt(counts.map(|c| c.1))
            .end(),
        S::Gtc { trid, serial, mode } => Line::new(out, "GTC").opt(*trid).opt(*serial).arg(mode.code()).end(),
        S::Blp { trid, serial, mode } => Line::new(out, "BLP").opt(*trid).opt(*serial).arg(mode.code()).end(),
        S::Prp { trid, serial, key, value } => {
            Line::new(out, "PRP").opt(*trid).opt(*serial).arg(key).opt(value.as_ref().map(wire)).end()
        }
        S::Bpr { serial, email, key, value } => {
            Line::new(out, "BPR").opt(*serial).opt(email.as_ref()).arg(key).opt(value.as_ref().map(wire)).end()
        }
        S::Lsg(form) => {
            let mut l = Line::new(out, "LSG");
            match form {
                LsgForm::Indexed { trid, serial, index, total, group } => {
                    l.arg(trid).arg(serial).arg(index).arg(total);
                    if let Some((id, name, flag)) = group {
                        l.arg(id).arg(wire(name)).arg(flag);
                    }
                }
                LsgForm::Numbered { id, name, flag } => {
                    l.arg(id).arg(wire(name)).arg(flag);
                }
                LsgForm::Guid { name, guid, flag } => {
                    l.arg(wire(name)).arg(guid).opt(flag.as_ref());
                }
            }
            l.end();
        }
        S::Lst(form) => {
            let mut l = Line::new(out, "LST");
            match form {
                LstForm::Indexed { trid, list, serial, index, total, item } => {
                    l.arg(trid).arg(list).arg(serial).arg(index).arg(total);
                    if let Some(i) = item {
                        l.arg(&i.email).arg(wire(&i.name)).opt(i.groups.as_deref().map(joined));
                    }
                }
                LstForm::Bitmask { email, name, lists, groups } => {
                    l.arg(email).arg(wire(name)).arg(lists.0).opt(groups.as_deref().map(joined));
                }
                LstForm::Keyed { email, name, guid, lists, network, groups } => {
                    l.arg(format!("N={email}"))
                        .opt(name.as_ref().map(|n| format!("F={}", n.to_wire())))
                        .opt(guid.as_ref().map(|g| format!("C={g}")))
                        .arg(lists.0)
                        .opt(*network)
                        .opt(groups.as_deref().map(|g| {
                            // With no network before it, a group id of digits
                            // alone would read back as the network: a
                            // trailing comma keeps it a group list (the fuzz
                            // campaign's third finding).
                            let mut s = joined(g);
                            if network.is_none() && s.bytes().all(|b| b.is_ascii_digit()) {
                                s.push(',');
                            }
                            s
                        }));
                }
            }
            l.end();
        }
        S::Add { trid, list, serial, email, name, group } => {
            Line::new(out, "ADD").arg(trid).arg(list).opt(*serial).arg(email).arg(wire(name)).opt(group.as_ref()).end()
        }
        S::Adc { trid, list, fields } => {
            let mut l = Line::new(out, "ADC");
            l.arg(trid).arg(list);
            adc(&mut l, fields);
            l.end();
        }
        S::Rem { trid, list, serial, target, group } => {
            Line::new(out, "REM").arg(trid).arg(list).opt(*serial).arg(target).opt(group.as_ref()).end()
        }
        S::Adg { trid, serial, name, id, flag } => {
            Line::new(out, "ADG").arg(trid).opt(*serial).arg(wire(name)).arg(id).opt(flag.as_ref()).end()
        }
        S::Rmg { trid, serial, id } => Line::new(out, "RMG").arg(trid).opt(*serial).arg(id).end(),
        S::Reg { trid, serial, id, name, flag, layout } => {
            let mut l = Line::new(out, "REG");
            l.arg(trid).opt(*serial);
            match layout {
                RegLayout::IdThenName => l.arg(id).arg(wire(name)),
                RegLayout::NameThenId => l.arg(wire(name)).arg(id),
            };
            l.opt(flag.as_ref()).end();
        }
        S::Rea { trid, serial, email, name } => {
            Line::new(out, "REA").arg(trid).opt(*serial).arg(email).arg(wire(name)).end()
        }
        S::Chg { trid, status, caps, msnobj } => {
            Line::new(out, "CHG").arg(trid).arg(status).opt(*caps).opt(msnobj.as_ref().map(wire)).end()
        }
        S::Iln { trid, presence: p } => {
            let mut l = Line::new(out, "ILN");
            l.arg(trid);
            presence(&mut l, p);
            l.end();
        }
        S::Nln(p) => {
            let mut l = Line::new(out, "NLN");
            presence(&mut l, p);
            l.end();
        }
        S::Fln { email, network } => Line::new(out, "FLN").arg(email).opt(network.as_ref()).end(),
        S::Rng { session_id, addr, auth, cookie, email, name, extra } => Line::new(out, "RNG")
            .arg(session_id)
            .arg(addr)
            .arg(auth)
            .arg(cookie)
            .arg(email)
            .arg(wire(name))
            .all(extra)
            .end(),
        S::Chl { trid, challenge } => Line::new(out, "CHL").arg(trid).arg(challenge).end(),
        S::Qry { trid } => Line::new(out, "QRY").arg(trid).end(),
        S::Qng { next_ping } => Line::new(out, "QNG").opt(*next_ping).end(),
        S::Out { reason } => Line::new(out, "OUT").opt(reason.as_ref().map(OutReason::code)).end(),
        S::Msg { email, name, payload } => Line::new(out, "MSG").arg(email).arg(wire(name)).end_payload(payload),
        S::Ubx { email, network, payload } => {
            Line::new(out, "UBX").arg(email).opt(network.as_ref()).end_payload(payload)
        }
        S::Uux { trid, payload } => Line::new(out, "UUX").arg(trid).end_payload(payload),
        S::Gcf { trid, filename, payload } => Line::new(out, "GCF").arg(trid).arg(filename).end_payload(payload),
        S::Not { payload } => Line::new(out, "NOT").end_payload(payload),
        S::Ipg { payload } => Line::new(out, "IPG").end_payload(payload),
        S::Url { trid, rru, url, id } => Line::new(out, "URL").arg(trid).arg(rru).arg(url).opt(id.as_ref()).end(),
        S::CalRinging { trid, session_id } => Line::new(out, "CAL").arg(trid).arg("RINGING").arg(session_id).end(),
        S::Joi { email, name, caps } => Line::new(out, "JOI").arg(email).arg(wire(name)).opt(*caps).end(),
        S::Iro { trid, index, total, email, name, caps } => {
            Line::new(out, "IRO").arg(trid).arg(index).arg(total).arg(email).arg(wire(name)).opt(*caps).end()
        }
        S::AnsOk { trid } => Line::new(out, "ANS").arg(trid).arg("OK").end(),
        S::Bye { email, reason } => Line::new(out, "BYE").arg(email).opt(reason.as_ref()).end(),
        S::Ack { trid } => Line::new(out, "ACK").arg(trid).end(),
        S::Nak { trid } => Line::new(out, "NAK").arg(trid).end(),
        S::Error { code, trid, extra } => Line::new(out, &format!("{:03}", code.code())).opt(*trid).all(extra).end(),
        S::Unknown { command, args, payload } => unknown(out, command, args, payload.as_deref()),
    }
}

fn unknown(out: &mut Vec<u8>, command: &str, args: &[String], payload: Option<&[u8]>) {
    let mut l = Line::new(out, command);
    match payload {
        // The decoded args still hold the length; put the real one back.
        Some(p) => {
            l.all(&args[..args.len().saturating_sub(1)]).end_payload(p);
        }
        None => {
            l.all(args).end();
        }
    }
}

/// Append a client command to `out`.
pub fn encode_client(cmd: &ClientCommand, out: &mut Vec<u8>) {
    use ClientCommand as C;
    match cmd {
        C::Ver { trid, dialects } => Line::new(out, "VER").arg(trid).all(dialects).end(),
        C::Cvr { trid, version: v } => Line::new(out, "CVR")
            .arg(trid)
            .arg(&v.locale)
            .arg(&v.os_type)
            .arg(&v.os_version)
            .arg(&v.arch)
            .arg(&v.client_name)
            .arg(&v.client_version)
            .arg(&v.library)
            .opt(v.email.as_ref())
            .end(),
        C::Inf { trid } => Line::new(out, "INF").arg(trid).end(),
        C::UsrInitial { trid, method, email } => {
            Line::new(out, "USR").arg(trid).arg(method.code()).arg("I").arg(email).end()
        }
        C::UsrSubsequent { trid, method, response } => {
            Line::new(out, "USR").arg(trid).arg(method.code()).arg("S").arg(response.expose()).end()
        }
        C::SbUsr { trid, email, cookie } => Line::new(out, "USR").arg(trid).arg(email).arg(cookie).end(),
        C::Syn { trid, list_version, ab_version } => {
            Line::new(out, "SYN").arg(trid).arg(list_version).opt(ab_version.as_ref()).end()
        }
        C::Chg { trid, status, caps, msnobj } => {
            Line::new(out, "CHG").arg(trid).arg(status).opt(*caps).opt(msnobj.as_ref().map(wire)).end()
        }
        C::Gtc { trid, mode } => Line::new(out, "GTC").arg(trid).arg(mode.code()).end(),
        C::Blp { trid, mode } => Line::new(out, "BLP").arg(trid).arg(mode.code()).end(),
        C::Add { trid, list, email, name, group } => {
            Line::new(out, "ADD").arg(trid).arg(list).arg(email).arg(wire(name)).opt(group.as_ref()).end()
        }
        C::Adc { trid, list, fields } => {
            let mut l = Line::new(out, "ADC");
            l.arg(trid).arg(list);
            adc(&mut l, fields);
            l.end();
        }
        C::Rem { trid, list, target, group } => {
            Line::new(out, "REM").arg(trid).arg(list).arg(target).opt(group.as_ref()).end()
        }
        C::Adg { trid, name, flag } => Line::new(out, "ADG").arg(trid).arg(wire(name)).opt(flag.as_ref()).end(),
        C::Rmg { trid, id } => Line::new(out, "RMG").arg(trid).arg(id).end(),
        C::Reg { trid, id, name, flag } => {
            Line::new(out, "REG").arg(trid).arg(id).arg(wire(name)).opt(flag.as_ref()).end()
        }
        C::Rea { trid, email, name } => Line::new(out, "REA").arg(trid).arg(email).arg(wire(name)).end(),
        C::Prp { trid, key, value } => Line::new(out, "PRP").arg(trid).arg(key).opt(value.as_ref().map(wire)).end(),
        C::XfrSb { trid } => Line::new(out, "XFR").arg(trid).arg("SB").end(),
        C::Qry { trid, product_id, response } => Line::new(out, "QRY").arg(trid).arg(product_id).end_payload(response),
        C::Png => Line::new(out, "PNG").end(),
        C::Uux { trid, payload } => Line::new(out, "UUX").arg(trid).end_payload(payload),
        C::Url { trid, service, extra } => Line::new(out, "URL").arg(trid).arg(service).all(extra).end(),
        C::Gcf { trid, filename } => Line::new(out, "GCF").arg(trid).arg(filename).end(),
        C::Out => Line::new(out, "OUT").end(),
        C::Cal { trid, email } => Line::new(out, "CAL").arg(trid).arg(email).end(),
        C::Ans { trid, email, cookie, session_id } => {
            Line::new(out, "ANS").arg(trid).arg(email).arg(cookie).arg(session_id).end()
        }
        C::Msg { trid, ack, payload } => Line::new(out, "MSG").arg(trid).arg(ack.code()).end_payload(payload),
        C::Unknown { command, args, payload } => unknown(out, command, args, payload.as_deref()),
    }
}
