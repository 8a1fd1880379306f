//! Whatever decodes must encode to bytes that decode to the same command.
#![no_main]
use libfuzzer_sys::fuzz_target;
use msnp::codec::*;
use msnp::types::Dialect;

fuzz_target!(|data: &[u8]| {
    let mut f = Framer::new(Direction::ToClient, Limits::default());
    f.push(data);
    while let Ok(Some(fr)) = f.next_frame() {
        for ctx in [Context::ns(Dialect::MSNP7), Context::ns(Dialect::MSNP11), Context::sb(Dialect::MSNP12)] {
            if let Ok(cmd) = decode_server(&fr, ctx) {
                let mut out = Vec::new();
                encode_server(&cmd, &mut out);
                let mut g = Framer::new(Direction::ToClient, Limits::default());
                g.push(&out);
                let again = g.next_frame().expect("own output frames").expect("whole frame");
                assert_eq!(decode_server(&again, ctx).expect("own output decodes"), cmd);
            }
        }
    }
});
