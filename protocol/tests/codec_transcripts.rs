//! Every line of every transcript decodes to a typed command (never
//! `Unknown`), re-encodes, and decodes again to the same value; framing the
//! same stream split anywhere gives the same frames.

mod support;

use msnp::codec::*;
use msnp::types::{ClientCommand, ServerCommand};

/// Lines real servers send that we deliberately do not type.
const UNTYPED: &[&str] = &["SBS"];

fn one_frame(dir: Direction, bytes: &[u8]) -> Frame {
    let mut f = Framer::new(dir, Limits::default());
    f.push(bytes);
    let frame = f.next_frame().unwrap().expect("a whole frame");
    assert_eq!(f.next_frame().unwrap(), None, "exactly one frame");
    assert_eq!(f.buffered(), 0);
    frame
}

#[test]
fn every_line_round_trips() {
    let mut checked = 0;
    for s in support::all() {
        let ctx = Context { dialect: s.dialect, role: s.role };
        for e in &s.entries {
            let where_ = format!("{} {}: {:?}", s.file, s.name, e.line);
            let frame = one_frame(e.dir, &e.bytes());
            assert_eq!(frame.payload.as_deref(), e.payload.as_deref(), "{where_}");
            let mut out = Vec::new();
            match e.dir {
                Direction::ToClient => {
                    let cmd = decode_server(&frame, ctx).unwrap_or_else(|err| panic!("{where_}: {err}"));
                    if matches!(cmd, ServerCommand::Unknown { .. }) {
                        assert!(UNTYPED.contains(&e.command()), "{where_} decoded as Unknown");
                    }
                    encode_server(&cmd, &mut out);
                    let again = decode_server(&one_frame(e.dir, &out), ctx).unwrap();
                    assert_eq!(again, cmd, "{where_} re-encoded as {:?}", String::from_utf8_lossy(&out));
                }
                Direction::ToServer => {
                    let cmd = decode_client(&frame, ctx).unwrap_or_else(|err| panic!("{where_}: {err}"));
                    assert!(!matches!(cmd, ClientCommand::Unknown { .. }), "{where_} decoded as Unknown");
                    encode_client(&cmd, &mut out);
                    let again = decode_client(&one_frame(e.dir, &out), ctx).unwrap();
                    assert_eq!(again, cmd, "{where_}");
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 300, "only {checked} lines checked");
}

/// Lines already in canonical form come back byte for byte.
#[test]
fn canonical_lines_encode_identically() {
    for file in [
        "escargot-msnp2-two-users.txt",
        "escargot-msnp8-twn-two-users.txt",
        "switchboard-walkthrough.txt",
        "reference-forms.txt",
    ] {
        for s in support::load(file) {
            let ctx = Context { dialect: s.dialect, role: s.role };
            for e in &s.entries {
                let frame = one_frame(e.dir, &e.bytes());
                let mut out = Vec::new();
                match e.dir {
                    Direction::ToClient => encode_server(&decode_server(&frame, ctx).unwrap(), &mut out),
                    Direction::ToServer => encode_client(&decode_client(&frame, ctx).unwrap(), &mut out),
                }
                assert_eq!(String::from_utf8_lossy(&out), String::from_utf8_lossy(&e.bytes()), "{file} {}", s.name);
            }
        }
    }
}

#[test]
fn split_anywhere_gives_the_same_frames() {
    for s in support::all() {
        let bytes = s.server_bytes();
        let whole: Vec<Frame> = {
            let mut f = Framer::new(Direction::ToClient, Limits::default());
            f.push(&bytes);
            std::iter::from_fn(|| f.next_frame().unwrap()).collect()
        };
        let step = (bytes.len() / 400).max(1);
        for cut in (0..=bytes.len()).step_by(step) {
            let mut f = Framer::new(Direction::ToClient, Limits::default());
            let mut got = Vec::new();
            for part in [&bytes[..cut], &bytes[cut..]] {
                f.push(part);
                while let Some(fr) = f.next_frame().unwrap() {
                    got.push(fr);
                }
            }
            assert_eq!(got, whole, "{} {} split at {cut}", s.file, s.name);
        }
        // And one byte at a time.
        let mut f = Framer::new(Direction::ToClient, Limits::default());
        let mut got = Vec::new();
        for b in &bytes {
            f.push(std::slice::from_ref(b));
            while let Some(fr) = f.next_frame().unwrap() {
                got.push(fr);
            }
        }
        assert_eq!(got, whole, "{} {} byte by byte", s.file, s.name);
    }
}

#[test]
fn raw_utf8_names_from_the_msnp9_log_decode() {
    let s = support::section("amsn-msnp9-log.txt", "amsn-ns-referred");
    let ctx = Context::ns(s.dialect);
    let mut names = Vec::new();
    for e in s.entries.iter().filter(|e| e.command() == "LST") {
        if let ServerCommand::Lst(msnp::types::LstForm::Bitmask { name, .. }) =
            decode_server(&one_frame(e.dir, &e.bytes()), ctx).unwrap()
        {
            names.push(name.into_string());
        }
    }
    assert!(names.contains(&"赵炯~~寻找工作中".to_owned()), "{names:?}");
    assert!(names.contains(&"å¨èª".to_owned()), "raw UTF-8 kept as is");
}
