//! The native half of `bench/decode.sh`: `<kind> <MiB/s>` per line.

fn main() {
    let secs: f64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(3.0);
    let t0 = std::time::Instant::now();
    for kind in ["syn", "msg"] {
        let mib = decode_wasm::throughput(kind, secs, || t0.elapsed().as_secs_f64() * 1000.0);
        println!("{kind} {mib:.1}");
    }
}
