//! The framer allocates nothing per frame: a switchboard streams thousands
//! of `MSG` frames a second, and each frame is a view of the bytes read.
//! Counted by this test binary's global allocator, per thread (the test
//! harness allocates on threads of its own).

use alloc_count::{Counting, allocations};
use msnp::codec::*;
use msnp::message::{MessageBody, TextFormat};
use msnp::types::{Name, ServerCommand};

#[global_allocator]
static COUNTING: Counting = Counting;

fn msg_stream(n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..n {
        let body = MessageBody::text(format!("message {i}: the quick brown fox"), TextFormat::default());
        let cmd = ServerCommand::Msg {
            email: "bob@hotmail.com".into(),
            name: Name::new("Bob"),
            payload: body.to_bytes().into(),
        };
        encode_server(&cmd, &mut out);
    }
    out
}

#[test]
fn the_framer_allocates_nothing_per_msg_frame() {
    let bytes = msg_stream(1000);
    // All at once.
    let mut f = Framer::new(Direction::ToClient, Limits::default());
    f.push(&bytes);
    let before = allocations();
    let mut frames = 0;
    while let Some(frame) = f.next_frame().unwrap() {
        assert!(frame.payload.is_some());
        frames += 1;
    }
    let all_at_once = allocations() - before;
    assert_eq!(frames, 1000);
    // The buffer becomes shared with its frames once: one allocation, then none.
    assert!(all_at_once <= 1, "{all_at_once} allocations for {frames} frames");

    // As a socket gives them: reads of 1,500 bytes, each framed as it comes.
    let mut f = Framer::new(Direction::ToClient, Limits::default());
    let before = allocations();
    let (mut frames, mut reads) = (0, 0);
    for read in bytes.chunks(1500) {
        f.push(read);
        reads += 1;
        while let Some(frame) = f.next_frame().unwrap() {
            assert!(frame.payload.is_some());
            frames += 1;
        }
    }
    let per_read = allocations() - before;
    assert_eq!(frames, 1000);
    // Space for a read is found now and then (when a frame still holds the
    // old buffer); never once per frame.
    assert!(
        per_read <= 2 * reads && per_read < frames / 4,
        "{per_read} allocations for {frames} frames in {reads} reads"
    );
    println!("{frames} MSG frames: {all_at_once} allocations in one read, {per_read} in {reads} reads");
}
