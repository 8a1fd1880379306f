//! Decode throughput: a SYN burst of 1,000 contacts (MSNP8 and MSNP12 forms)
//! and a stream of switchboard MSG frames. `cargo bench -p msnp`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use msnp::codec::*;
use msnp::message::{MessageBody, TextFormat};
use msnp::types::*;
use std::hint::black_box;

fn syn_burst(d: Dialect) -> Vec<u8> {
    let mut out = Vec::new();
    let mut push = |c: ServerCommand| encode_server(&c, &mut out);
    push(ServerCommand::Syn {
        trid: TrId(5),
        list_version: "42".into(),
        ab_version: (d >= Dialect::MSNP10).then(|| "0".into()),
        counts: Some((1000, 5)),
    });
    push(ServerCommand::Gtc { trid: None, serial: None, mode: GtcMode::Ask });
    push(ServerCommand::Blp { trid: None, serial: None, mode: BlpMode::AllowAll });
    for g in 0..5 {
        push(ServerCommand::Lsg(LsgForm::Numbered {
            id: g.to_string(),
            name: Name::new(format!("Group {g}")),
            flag: "0".into(),
        }));
    }
    for i in 0..1000 {
        let email = format!("contact{i}@hotmail.com");
        let name = Name::new(format!("Contact Número {i} ✓"));
        let form = if d >= Dialect::MSNP10 {
            LstForm::Keyed {
                email,
                name: Some(name),
                guid: Some(format!("6bd3a1c4-0000-4f5a-9d0f-{i:012}")),
                lists: ListMask(11),
                network: Some(1),
                groups: Some(vec!["9fd7b3c5-9b0a-4a8d-8d7a-4d2d2e2b3f01".into()]),
            }
        } else {
            LstForm::Bitmask { email, name, lists: ListMask(11), groups: Some(vec![(i % 5).to_string()]) }
        };
        push(ServerCommand::Lst(form));
    }
    out
}

fn msg_stream() -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..1000 {
        let body = MessageBody::text(
            format!("message number {i}: the quick brown fox jumps over the lazy dog"),
            TextFormat::default(),
        );
        encode_server(
            &ServerCommand::Msg {
                email: "bob@hotmail.com".into(),
                name: Name::new("Bob Smith"),
                payload: body.to_bytes().into(),
            },
            &mut out,
        );
    }
    out
}

fn decode_all(bytes: &[u8], ctx: Context, bodies: bool) -> usize {
    let mut f = Framer::new(Direction::ToClient, Limits::default());
    f.push(bytes);
    let mut n = 0;
    while let Some(fr) = f.next_frame().unwrap() {
        let cmd = decode_server(&fr, ctx).unwrap();
        if bodies {
            if let ServerCommand::Msg { payload, .. } = &cmd {
                black_box(MessageBody::parse(payload));
            }
        }
        black_box(cmd);
        n += 1;
    }
    n
}

/// Framing alone: what decoding adds is the difference.
fn frame_all(bytes: &[u8]) -> usize {
    let mut f = Framer::new(Direction::ToClient, Limits::default());
    f.push(bytes);
    let mut n = 0;
    while let Some(fr) = f.next_frame().unwrap() {
        black_box(fr);
        n += 1;
    }
    n
}

/// The ceiling: the same bytes split into lines with memchr, nothing else.
fn split_lines(bytes: &[u8]) -> usize {
    memchr::memchr_iter(b'\n', bytes).count()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("decode");
    for (label, d) in [("syn_1000_msnp8", Dialect::MSNP8), ("syn_1000_msnp12", Dialect::MSNP12)] {
        let bytes = syn_burst(d);
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function(label, |b| b.iter(|| decode_all(&bytes, Context::ns(d), false)));
        g.bench_function(format!("{label}_frames_only"), |b| b.iter(|| frame_all(&bytes)));
        g.bench_function(format!("{label}_memchr_ceiling"), |b| b.iter(|| split_lines(black_box(&bytes))));
    }
    let msgs = msg_stream();
    g.throughput(Throughput::Bytes(msgs.len() as u64));
    g.bench_function("msg_stream_1000_memchr_ceiling", |b| b.iter(|| split_lines(black_box(&msgs))));
    g.bench_function("msg_stream_1000", |b| b.iter(|| decode_all(&msgs, Context::sb(Dialect::MSNP12), false)));
    g.bench_function("msg_stream_1000_with_bodies", |b| {
        b.iter(|| decode_all(&msgs, Context::sb(Dialect::MSNP12), true))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
