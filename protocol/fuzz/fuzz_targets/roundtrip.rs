//! Whatever decodes must encode to bytes that decode to the same command.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = msnp::codec::check_roundtrip(data) {
        panic!("{e}");
    }
});
