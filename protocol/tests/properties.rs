//! Property tests: no input panics the decoders or sessions; encode/decode
//! round trips; framing is independent of how the stream is split.

use msnp::codec::*;
use msnp::message::{MessageBody, TextFormat};
use msnp::session::{NsConfig, NsSession, SbSession, SbStart};
use msnp::types::*;
use proptest::prelude::*;
use web_time::Instant;

/// An address as a server would send it (tests use short ones).
fn em(s: &str) -> msnp::types::Email {
    msnp::types::Email::from_wire(s)
}

fn frames(dir: Direction, chunks: &[&[u8]]) -> Result<Vec<Frame>, FrameError> {
    let mut f = Framer::new(dir, Limits::default());
    let mut out = Vec::new();
    for c in chunks {
        f.push(c);
        while let Some(fr) = f.next_frame()? {
            out.push(fr);
        }
    }
    Ok(out)
}

/// Tokens a line is made of: commands, numbers, addresses, junk.
fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "VER", "USR", "MSG", "LST", "LSG", "ADD", "ADC", "REM", "NLN", "ILN", "FLN", "CHG", "SYN", "XFR", "RNG",
            "IRO", "JOI", "UBX", "GTC", "BLP", "PRP", "BPR", "REG", "ADG", "RMG", "CHL", "QRY", "OUT", "911", "OK",
            "FL", "RL", "NLN", "MD5", "TWN", "S", "I", "N=a@b", "C=x"
        ])
        .prop_map(String::from),
        (0u32..100_000).prop_map(|n| n.to_string()),
        "[a-z]{1,6}@[a-z]{1,5}\\.com",
        "[ -~]{0,12}",
    ]
}

fn line() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(token(), 1..9).prop_map(|t| {
        let mut l = t.join(" ").into_bytes();
        l.extend_from_slice(b"\r\n");
        l
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        for dir in [Direction::ToClient, Direction::ToServer] {
            if let Ok(fs) = frames(dir, &[&bytes]) {
                for fr in fs {
                    for ctx in [Context::ns(Dialect::MSNP2), Context::ns(Dialect::MSNP12), Context::sb(Dialect::MSNP9)] {
                        let _ = decode_server(&fr, ctx);
                        let _ = decode_client(&fr, ctx);
                    }
                }
            }
        }
        let _ = MessageBody::parse(&bytes);
        let mut ns = NsSession::new(NsConfig::new(em("a@b.c"), "p"));
        ns.start(Instant::now());
        ns.handle_input(&bytes, Instant::now());
        let mut sb = SbSession::new(em("a@b.c"), Dialect::MSNP12, SbStart::Call { cookie: "c".into(), invitees: vec![] });
        sb.start(Instant::now());
        sb.handle_input(&bytes, Instant::now());
    }

    #[test]
    fn plausible_lines_decode_then_reencode_stably(lines in prop::collection::vec(line(), 1..20)) {
        let bytes: Vec<u8> = lines.concat();
        for ctx in [Context::ns(Dialect::MSNP7), Context::ns(Dialect::MSNP11), Context::sb(Dialect::MSNP12)] {
            let Ok(fs) = frames(Direction::ToClient, &[&bytes]) else { continue };
            for fr in fs {
                if let Ok(cmd) = decode_server(&fr, ctx) {
                    let mut out = Vec::new();
                    encode_server(&cmd, &mut out);
                    let again = frames(Direction::ToClient, &[&out]).expect("own output frames");
                    prop_assert_eq!(again.len(), 1);
                    prop_assert_eq!(decode_server(&again[0], ctx).expect("own output decodes"), cmd);
                }
            }
        }
    }

    #[test]
    fn split_anywhere_same_frames(lines in prop::collection::vec(line(), 1..20), cut in any::<prop::sample::Index>(), cut2 in any::<prop::sample::Index>()) {
        let bytes: Vec<u8> = lines.concat();
        let (mut a, mut b) = (cut.index(bytes.len() + 1), cut2.index(bytes.len() + 1));
        if a > b { std::mem::swap(&mut a, &mut b); }
        let whole = frames(Direction::ToClient, &[&bytes]);
        let split = frames(Direction::ToClient, &[&bytes[..a], &bytes[a..b], &bytes[b..]]);
        prop_assert_eq!(whole, split);
    }

    #[test]
    fn text_messages_round_trip(text in "\\PC{0,200}", font in "[A-Za-z ]{1,20}", color in 0u32..0x100_0000, bold: bool, italic: bool) {
        let mut fmt = TextFormat { font, color, ..TextFormat::default() };
        fmt.effects.bold = bold;
        fmt.effects.italic = italic;
        let body = MessageBody::text(text, fmt);
        prop_assert_eq!(MessageBody::parse(&body.to_bytes()), body);
    }

    #[test]
    fn names_round_trip(s in "\\PC{0,100}") {
        let n = Name::new(s);
        let w = n.to_wire();
        prop_assert!(!w.contains(' ') && !w.contains('\r') && !w.contains('\n'));
        prop_assert_eq!(Name::from_wire(&w), n);
    }

    #[test]
    fn messages_over_the_cap_are_errors_not_allocations(len in 65_537u64..u64::MAX) {
        let line = format!("MSG a b {len}\r\n");
        let r = frames(Direction::ToClient, &[line.as_bytes()]);
        prop_assert!(r.is_err());
    }
}
