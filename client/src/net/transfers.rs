//! File transfers in a conversation, over its switchboard (P2P): offering a
//! file, answering an offer, progress, cancelling from either side, and the
//! received file as a download. The screen's list of transfers lives in the
//! app state; the conversation keeps which link carries which session, the
//! files it sends (read a window at a time, as the link asks) and the pieces
//! of those it receives.

use super::core::{Input, Net};
use super::now_ms;
use super::pace::MIN_WINDOW;
use crate::state::{Action, TransferState, TransferView};
use msnp::p2p::{FileContext, P2pEvent};
use msnp::types::Email;
use web_time::Instant;

/// Progress reaches the screen at most this often, in ms.
const PROGRESS_EVERY_MS: f64 = 100.0;

/// A transfer as the network side knows it: whose link carries it, what it
/// moves (for the line the conversation keeps when it ends), and its file:
/// the one I send, read as the link asks, or the pieces of one arriving.
#[derive(Debug)]
pub(super) struct FileTransfer {
    peer: Email,
    name: String,
    size: u64,
    side: Side,
    /// When its progress last reached the screen (ms).
    progress_at: f64,
}

#[derive(Debug)]
enum Side {
    Sending(web_sys::File),
    Receiving(crate::file::Pieces),
}

impl FileTransfer {
    fn incoming(&self) -> bool {
        matches!(self.side, Side::Receiving(_))
    }

    /// The line the conversation and its history keep once it ended as
    /// `state` (`by_me`: my answer or cancel; `why`: a failure's reason).
    fn ended(&self, who: &str, state: TransferState, by_me: bool, why: Option<&str>) -> String {
        let what = format!("{} ({})", self.name, crate::view::human_size(self.size));
        match state {
            TransferState::Done if self.incoming() => format!("You received {what} from {who}."),
            TransferState::Done => format!("{who} received {what}."),
            TransferState::Declined if by_me => format!("You declined {what} from {who}."),
            TransferState::Declined => format!("{who} declined {what}."),
            TransferState::Cancelled if by_me => format!("You cancelled {what}."),
            TransferState::Cancelled => format!("{who} cancelled {what}."),
            _ => format!("The transfer of {what} failed: {}.", why.unwrap_or("for a reason not given")),
        }
    }
}

impl Net {
    /// Offer a file to the (first) other person in `conv`.
    pub(super) fn send_file(&mut self, conv: u64, file: web_sys::File) {
        let Some(c) = self.chats.get(&conv) else { return };
        let Some(peer) = c.with.first().cloned() else { return };
        if c.with.len() > 1 {
            let who = self.display_name(&peer);
            self.notice(conv, format!("Files go to one person at a time: this one goes to {who}."));
        }
        let (name, size) = (file.name(), file.size() as u64);
        let Some(session) = self.link_to(conv, &peer).map(|l| l.offer_file(&name, size, Instant::now())) else {
            return;
        };
        let t = FileTransfer { peer, name: name.clone(), size, side: Side::Sending(file), progress_at: 0.0 };
        self.track_transfer(conv, session, t);
        let view = TransferView::new(session, name, size, false, TransferState::Waiting);
        self.dispatch(Action::TransferNew { conv, view });
        self.ensure_switchboard(conv);
        self.pump_sb(conv);
    }

    /// The peer offers a file: ask the person (or decline it for them).
    pub(super) fn file_offered(&mut self, conv: u64, peer: Email, session: u32, file: FileContext) {
        self.reveal(conv);
        let limit = self.prefs.max_file_bytes();
        if file.size > limit {
            if let Some(l) = self.link_to(conv, &peer) {
                let _ = l.decline(session);
            }
            let who = self.display_name(&peer);
            let (what, max) = (crate::view::human_size(file.size), limit >> 20);
            self.kept_notice(
                conv,
                format!("{who} offered {} ({what}), over your {max} MiB limit: declined.", file.name),
            );
            return;
        }
        let side = Side::Receiving(crate::file::Pieces::default());
        let t = FileTransfer { peer: peer.clone(), name: file.name.clone(), size: file.size, side, progress_at: 0.0 };
        self.track_transfer(conv, session, t);
        if self.prefs.notify_messages {
            let who = self.display_name(&peer);
            let what = format!("{} ({})", file.name, crate::view::human_size(file.size));
            self.notify_out_of_sight(conv, &format!("{who} wants to send you a file:"), &what);
        }
        let view = TransferView::new(session, file.name, file.size, true, TransferState::Offered);
        self.dispatch(Action::TransferNew { conv, view });
    }

    /// The link wants the next window of a file I send: read it from disk.
    fn read_for(&mut self, conv: u64, session: u32, offset: u64, len: u64) {
        let Some(Side::Sending(file)) = self.chats.get(&conv).and_then(|c| c.transfers.get(&session)).map(|t| &t.side)
        else {
            return;
        };
        let file = file.clone();
        let inbox = self.inbox.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let bytes = crate::file::read_part(&file, offset, len).await;
            let _ = inbox.unbounded_send(Input::FileRead { conv, session, bytes });
        });
    }

    /// A window of a file I send, read (or not): on to its link.
    pub(super) fn file_read(&mut self, conv: u64, session: u32, bytes: Result<Vec<u8>, String>) {
        let Some(peer) = self.chats.get(&conv).and_then(|c| c.transfers.get(&session)).map(|t| t.peer.clone()) else {
            return;
        };
        let Some(link) = self.link_to(conv, &peer) else { return };
        match bytes {
            // A refusal means the session ended meanwhile (or the file
            // changed, which the link reports as the transfer's failure).
            Ok(bytes) => drop(link.give_data(session, &bytes)),
            Err(e) => link.give_up(session, &e),
        }
        self.pump_sb(conv);
    }

    /// The person's answer to an offer, or a cancel of any transfer.
    pub(super) fn answer_transfer(&mut self, conv: u64, session: u32, answer: TransferState) {
        let Some(peer) = self.chats.get(&conv).and_then(|c| c.transfers.get(&session)).map(|t| t.peer.clone()) else {
            return;
        };
        let Some(link) = self.link_to(conv, &peer) else { return };
        let ok = match answer {
            TransferState::Receiving => link.accept(session, Instant::now()).is_ok(),
            TransferState::Declined => link.decline(session).is_ok(),
            _ => link.cancel(session).is_ok(),
        };
        if !ok {
            return;
        }
        match answer {
            // The link reports a cancel as an event, which ends it on screen.
            TransferState::Cancelled => {}
            TransferState::Declined => self.end_transfer(conv, session, answer, true, None, None),
            _ => self.dispatch(Action::TransferState { conv, id: session, state: answer, url: None, why: None }),
        }
        self.pump_sb(conv);
    }

    /// What the P2P layer says of a transfer; `e` back when it is not about one.
    pub(super) fn transfer_event(&mut self, conv: u64, e: P2pEvent) -> Option<P2pEvent> {
        let session = match &e {
            P2pEvent::WantData { session, .. }
            | P2pEvent::FileData { session, .. }
            | P2pEvent::Accepted { session }
            | P2pEvent::Declined { session }
            | P2pEvent::Progress { session, .. }
            | P2pEvent::Received { session, .. }
            | P2pEvent::Sent { session }
            | P2pEvent::Cancelled { session, .. }
            | P2pEvent::Failed { session, .. } => *session,
            _ => return Some(e),
        };
        let Some(t) = self.chats.get_mut(&conv).and_then(|c| c.transfers.get_mut(&session)) else {
            return Some(e);
        };
        let by_me = matches!(e, P2pEvent::Cancelled { by_peer: false, .. });
        let (state, url, why) = match e {
            P2pEvent::WantData { offset, len, .. } => {
                self.read_for(conv, session, offset, len);
                return None;
            }
            P2pEvent::FileData { data, .. } => {
                if let Side::Receiving(pieces) = &t.side {
                    pieces.push(&data);
                }
                return None;
            }
            P2pEvent::Accepted { .. } => (TransferState::Sending, None, None),
            P2pEvent::Progress { done, total, .. } => {
                let now = now_ms();
                if done < total && now - t.progress_at < PROGRESS_EVERY_MS {
                    return None;
                }
                t.progress_at = now;
                self.dispatch(Action::TransferProgress { conv, id: session, done, at: now });
                return None;
            }
            P2pEvent::Received { .. } => {
                let kept = match &t.side {
                    Side::Receiving(pieces) => pieces.url(),
                    Side::Sending(_) => Err("it was mine".to_owned()),
                };
                match kept {
                    Ok(url) => (TransferState::Done, Some(url), None),
                    Err(e) => (TransferState::Failed, None, Some(format!("it arrived, but could not be kept ({e})"))),
                }
            }
            P2pEvent::Sent { .. } => (TransferState::Done, None, None),
            P2pEvent::Declined { .. } => (TransferState::Declined, None, None),
            P2pEvent::Cancelled { .. } => (TransferState::Cancelled, None, None),
            P2pEvent::Failed { reason, .. } => (TransferState::Failed, None, Some(reason)),
            _ => (TransferState::Failed, None, None),
        };
        if state == TransferState::Sending {
            self.dispatch(Action::TransferState { conv, id: session, state, url, why });
        } else {
            self.end_transfer(conv, session, state, by_me, url, why);
        }
        None
    }

    /// A transfer is over: off the books, its last state on screen, and a
    /// line in the conversation and its history.
    fn end_transfer(
        &mut self,
        conv: u64,
        session: u32,
        state: TransferState,
        by_me: bool,
        url: Option<String>,
        why: Option<String>,
    ) {
        let Some(t) = self.chats.get_mut(&conv).and_then(|c| c.transfers.remove(&session)) else { return };
        let line = t.ended(&self.display_name(&t.peer), state, by_me, why.as_deref());
        self.dispatch(Action::TransferState { conv, id: session, state, url, why });
        self.kept_notice(conv, line);
    }

    /// The window closes: offers to me are declined and transfers under
    /// way cancelled, at both ends, before the switchboard is left (the
    /// peer would otherwise see it fail them).
    pub(super) fn end_transfers_here(&mut self, conv: u64) {
        let here: Vec<(u32, Email)> = self
            .chats
            .get(&conv)
            .map(|c| c.transfers.iter().map(|(s, t)| (*s, t.peer.clone())).collect())
            .unwrap_or_default();
        let n = here.len();
        for (session, peer) in here {
            let Some(link) = self.link_to(conv, &peer) else { continue };
            if link.decline(session).is_ok() {
                self.end_transfer(conv, session, TransferState::Declined, true, None, None);
            } else {
                // Reported back as the link's event, which ends it here.
                let _ = link.cancel(session);
            }
        }
        // The answers and BYEs (after any acknowledgements due) go now.
        self.flush_p2p(conv, n + MIN_WINDOW);
    }

    /// Transfers that die with their switchboard.
    pub(super) fn transfers_lost(&mut self, conv: u64) {
        let lost: Vec<u32> = self.chats.get(&conv).map(|c| c.transfers.keys().copied().collect()).unwrap_or_default();
        for id in lost {
            let why = Some("the conversation's connection closed".to_owned());
            self.end_transfer(conv, id, TransferState::Failed, false, None, why);
        }
    }
}
