//! Decode throughput on the same bytes, natively and in wasm: the notification
//! server's SYN burst of 1,000 contacts (MSNP12) and a switchboard stream of
//! 1,000 `MSG` frames, framed and decoded into typed commands, as the client
//! does. `bench/decode.sh` runs the native binary and the wasm build under
//! node and prints both and their ratio.

use msnp::codec::*;
use msnp::message::{MessageBody, TextFormat};
use msnp::types::*;

/// What is decoded: `syn` or `msg`.
pub fn sample(kind: &str) -> (Vec<u8>, Context) {
    let mut out = Vec::new();
    if kind == "msg" {
        for i in 0..1000 {
            let body = MessageBody::text(
                format!("message number {i}: the quick brown fox jumps over the lazy dog"),
                TextFormat::default(),
            );
            let cmd = ServerCommand::Msg {
                email: "bob@hotmail.com".into(),
                name: Name::new("Bob Smith"),
                payload: body.to_bytes().into(),
            };
            encode_server(&cmd, &mut out);
        }
        return (out, Context::sb(Dialect::MSNP12));
    }
    let d = Dialect::MSNP12;
    encode_server(
        &ServerCommand::Syn {
            trid: TrId(5),
            list_version: "42".into(),
            ab_version: Some("0".into()),
            counts: Some((1000, 5)),
        },
        &mut out,
    );
    for i in 0..1000 {
        let form = LstForm::Keyed {
            email: format!("contact{i}@hotmail.com"),
            name: Some(Name::new(format!("Contact Número {i} ✓"))),
            guid: Some(format!("6bd3a1c4-0000-4f5a-9d0f-{i:012}")),
            lists: ListMask(11),
            network: Some(1),
            groups: Some(vec!["9fd7b3c5-9b0a-4a8d-8d7a-4d2d2e2b3f01".into()]),
        };
        encode_server(&ServerCommand::Lst(form), &mut out);
    }
    (out, Context::ns(d))
}

/// Frame and decode `bytes` once; the number of commands.
pub fn decode_all(bytes: &[u8], ctx: Context) -> usize {
    let mut f = Framer::new(Direction::ToClient, Limits::default());
    f.push(bytes);
    let mut n = 0;
    while let Ok(Some(frame)) = f.next_frame() {
        if decode_server(&frame, ctx).is_ok() {
            n += 1;
        }
    }
    n
}

/// MiB/s decoding `kind` over about `secs` seconds, with `now` (ms) as the clock.
pub fn throughput(kind: &str, secs: f64, now: impl Fn() -> f64) -> f64 {
    let (bytes, ctx) = sample(kind);
    // Warm up, then count whole passes.
    for _ in 0..20 {
        std::hint::black_box(decode_all(&bytes, ctx));
    }
    let (start, mut passes) = (now(), 0u64);
    while now() - start < secs * 1000.0 {
        std::hint::black_box(decode_all(std::hint::black_box(&bytes), ctx));
        passes += 1;
    }
    let elapsed = (now() - start) / 1000.0;
    passes as f64 * bytes.len() as f64 / elapsed / (1024.0 * 1024.0)
}

/// The wasm entry point: MiB/s for `kind` over `secs`, timed by `Date.now`.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn wasm_throughput(kind: &str, secs: f64) -> f64 {
    throughput(kind, secs, js_sys::Date::now)
}
