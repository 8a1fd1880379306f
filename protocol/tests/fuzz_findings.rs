//! What the fuzz campaign found, kept as tests: each input under
//! `tests/fuzz_findings/` runs through the check of the target that found
//! it (the file name starts with the target's name).

#[test]
fn roundtrip_findings() {
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fuzz_findings")).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().unwrap().to_string_lossy().starts_with("roundtrip-") {
            let data = std::fs::read(&path).unwrap();
            if let Err(e) = msnp::codec::check_roundtrip(&data) {
                panic!("{}: {e}", path.display());
            }
        }
    }
}
