//! What the fuzz campaign found, kept as tests: each input under
//! `tests/fuzz_findings/` runs through the target that found it.
use msnp::codec::*;
use msnp::types::Dialect;

/// The `roundtrip` target: whatever decodes encodes to bytes that decode
/// to the same command.
fn roundtrip(data: &[u8]) {
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
                let back = decode_server(&again, ctx);
                assert_eq!(
                    back.as_ref().ok(),
                    Some(&cmd),
                    "{:?} in {ctx:?} became {:?}, which reads back as {back:?}",
                    String::from_utf8_lossy(&fr.line),
                    String::from_utf8_lossy(&out)
                );
            }
        }
    }
}

#[test]
fn roundtrip_findings() {
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fuzz_findings")).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().unwrap().to_string_lossy().starts_with("roundtrip-") {
            roundtrip(&std::fs::read(&path).unwrap());
        }
    }
}
