//! Any bytes: framing and decoding, both directions, never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use msnp::codec::*;
use msnp::types::Dialect;

fuzz_target!(|data: &[u8]| {
    for dir in [Direction::ToClient, Direction::ToServer] {
        let mut f = Framer::new(dir, Limits::default());
        f.push(data);
        while let Ok(Some(fr)) = f.next_frame() {
            for d in [Dialect::MSNP2, Dialect::MSNP8, Dialect::MSNP12] {
                let _ = decode_server(&fr, Context::ns(d));
                let _ = decode_client(&fr, Context::sb(d));
            }
            let _ = msnp::message::MessageBody::parse(fr.payload.as_deref().unwrap_or(&[]));
        }
    }
});
