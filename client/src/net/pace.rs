//! How many P2P messages (files, pictures) a switchboard may have in flight.
//!
//! Each one is answered by the server's `ACK`; the window bounds how many
//! wait for theirs. A fixed window caps a file at window × chunk per round
//! trip: 8 messages were 0.18 MB/s with the server 50 ms away. So the window
//! follows the ACKs' delay, as LEDBAT does for background transfers: while
//! they come back as fast as the fastest seen (nothing queues), it grows; as
//! they slow down (a queue builds, at our own uplink or at a server holding
//! us back for a slow reader), it shrinks. A file then takes the line's
//! spare capacity, and a chat message typed meanwhile waits behind at most
//! about [`TARGET`] of it.

use msnp::session::MessageId;
use std::collections::VecDeque;
use std::time::Duration;
use web_time::Instant;

/// The window's bounds. The floor is the fixed window this replaced.
pub const MIN_WINDOW: usize = 8;
pub const MAX_WINDOW: usize = 128;

/// The queueing delay aimed at: what the ACKs may take beyond the fastest.
pub const TARGET: Duration = Duration::from_millis(50);

/// The P2P window of one switchboard, and the messages it is timing.
#[derive(Debug)]
pub struct Pace {
    window: f64,
    /// The fastest answer seen: the round trip with nothing queued.
    base: Option<Duration>,
    /// P2P messages awaiting their ACK, oldest first, with when they went.
    timing: VecDeque<(MessageId, Instant)>,
}

impl Default for Pace {
    fn default() -> Self {
        Pace { window: MIN_WINDOW as f64, base: None, timing: VecDeque::new() }
    }
}

impl Pace {
    /// P2P messages allowed in flight now.
    pub fn window(&self) -> usize {
        self.window as usize
    }

    /// A P2P message went at `at`.
    pub fn sent(&mut self, id: MessageId, at: Instant) {
        self.timing.push_back((id, at));
    }

    /// The server answered `id` at `at`: if it is one of ours, its round trip
    /// moves the window, up by at most one message per answer (doubling per
    /// round trip), down by at most one.
    pub fn answered(&mut self, id: MessageId, at: Instant) {
        let Some(i) = self.timing.iter().position(|(m, _)| *m == id) else { return };
        let (_, sent) = self.timing.remove(i).expect("found above");
        let rtt = at.saturating_duration_since(sent);
        let base = *self.base.get_or_insert(rtt);
        let base = base.min(rtt);
        self.base = Some(base);
        let queued = (rtt - base).as_secs_f64();
        let off = ((TARGET.as_secs_f64() - queued) / TARGET.as_secs_f64()).clamp(-1.0, 1.0);
        self.window = (self.window + off).clamp(MIN_WINDOW as f64, MAX_WINDOW as f64);
    }

    /// `id` will never be answered (the switchboard failed it).
    pub fn lost(&mut self, id: MessageId) {
        self.timing.retain(|(m, _)| *m != id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// Send a window's worth, answered `rtt` later each; the window after.
    fn round(p: &mut Pace, next: &mut u64, now: &mut Instant, rtt: Duration) -> usize {
        let ids: Vec<MessageId> = (0..p.window())
            .map(|_| {
                *next += 1;
                MessageId(*next)
            })
            .collect();
        for id in &ids {
            p.sent(*id, *now);
        }
        *now += rtt;
        for id in ids {
            p.answered(id, *now);
        }
        p.window()
    }

    #[test]
    fn grows_while_nothing_queues_and_stops_at_its_ceiling() {
        let (mut p, mut next, mut now) = (Pace::default(), 0, Instant::now());
        assert_eq!(p.window(), MIN_WINDOW);
        let rtt = Duration::from_millis(50);
        assert_eq!(round(&mut p, &mut next, &mut now, rtt), 2 * MIN_WINDOW, "doubles per round trip");
        for _ in 0..10 {
            round(&mut p, &mut next, &mut now, rtt);
        }
        assert_eq!(p.window(), MAX_WINDOW);
    }

    #[test]
    fn shrinks_as_answers_slow_down_and_never_below_its_floor() {
        let (mut p, mut next, mut now) = (Pace::default(), 0, Instant::now());
        for _ in 0..5 {
            round(&mut p, &mut next, &mut now, Duration::from_millis(20));
        }
        let grown = p.window();
        assert!(grown > 4 * MIN_WINDOW, "{grown}");
        // A queue of twice the target: one message less per answer.
        let slow = Duration::from_millis(20) + 2 * TARGET;
        let after = round(&mut p, &mut next, &mut now, slow);
        assert!(after < grown, "{after} < {grown}");
        for _ in 0..20 {
            round(&mut p, &mut next, &mut now, slow);
        }
        assert_eq!(p.window(), MIN_WINDOW);
        // At the target exactly it holds still.
        let at_target = Duration::from_millis(20) + TARGET;
        let w = p.window();
        assert_eq!(round(&mut p, &mut next, &mut now, at_target), w);
    }

    #[test]
    fn answers_to_other_messages_and_lost_ones_move_nothing() {
        let (mut p, now) = (Pace::default(), Instant::now());
        p.sent(MessageId(1), now);
        p.answered(MessageId(2), now + Duration::from_millis(5));
        p.lost(MessageId(1));
        p.answered(MessageId(1), now + Duration::from_millis(5));
        assert_eq!(p.window(), MIN_WINDOW);
        assert!(p.timing.is_empty());
    }
}
