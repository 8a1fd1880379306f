//! File transfers in a conversation, over its switchboard (P2P): offering a
//! file, answering an offer, progress, cancelling from either side, and the
//! received file as a download. The screen's list of transfers lives in the
//! app state; the conversation keeps only which link carries which session.

use super::core::Net;
use super::now_ms;
use crate::state::{Action, TransferState, TransferView};
use msnp::p2p::{FileContext, P2pEvent};
use msnp::types::Email;
use web_time::Instant;

/// Progress reaches the screen at most this often, in ms.
const PROGRESS_EVERY_MS: f64 = 100.0;

impl Net {
    /// Offer a file to the (first) other person in `conv`.
    pub(super) fn send_file(&mut self, conv: u64, name: String, data: Vec<u8>) {
        let Some(c) = self.chats.get(&conv) else { return };
        let Some(peer) = c.with.first().cloned() else { return };
        if c.with.len() > 1 {
            let who = self.display_name(&peer);
            self.notice(conv, format!("Files go to one person at a time: this one goes to {who}."));
        }
        let size = data.len() as u64;
        let Some(session) = self.link_to(conv, &peer).map(|l| l.offer_file(&name, data, Instant::now())) else {
            return;
        };
        self.track_transfer(conv, session, &peer);
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
            self.notice(
                conv,
                format!("{who} offered a file of {} bytes, over the {} MiB limit; declined.", file.size, limit >> 20),
            );
            return;
        }
        self.track_transfer(conv, session, &peer);
        let view = TransferView::new(session, file.name, file.size, true, TransferState::Offered);
        self.dispatch(Action::TransferNew { conv, view });
    }

    /// The person's answer to an offer, or a cancel of any transfer.
    pub(super) fn answer_transfer(&mut self, conv: u64, session: u32, answer: TransferState) {
        let Some(peer) = self.chats.get(&conv).and_then(|c| c.transfers.get(&session)).cloned() else { return };
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
            TransferState::Declined => {
                if let Some(c) = self.chats.get_mut(&conv) {
                    c.transfers.remove(&session);
                }
                self.dispatch(Action::TransferState { conv, id: session, state: answer, url: None, why: None });
            }
            _ => self.dispatch(Action::TransferState { conv, id: session, state: answer, url: None, why: None }),
        }
        self.pump_sb(conv);
    }

    /// What the P2P layer says of a transfer; `false` when `e` is not about one.
    pub(super) fn transfer_event(&mut self, conv: u64, e: &P2pEvent) -> bool {
        let session = match e {
            P2pEvent::Accepted { session }
            | P2pEvent::Declined { session }
            | P2pEvent::Progress { session, .. }
            | P2pEvent::Received { session, .. }
            | P2pEvent::Sent { session }
            | P2pEvent::Cancelled { session, .. }
            | P2pEvent::Failed { session, .. } => *session,
            _ => return false,
        };
        let Some(c) = self.chats.get_mut(&conv) else { return false };
        if !c.transfers.contains_key(&session) {
            return false;
        }
        let (state, url, why) = match e {
            P2pEvent::Accepted { .. } => (TransferState::Sending, None, None),
            P2pEvent::Progress { done, total, .. } => {
                let now = now_ms();
                let last = c.progress_at.get(&session).copied().unwrap_or(0.0);
                if *done < *total && now - last < PROGRESS_EVERY_MS {
                    return true;
                }
                c.progress_at.insert(session, now);
                self.dispatch(Action::TransferProgress { conv, id: session, done: *done, at: now });
                return true;
            }
            P2pEvent::Received { data, .. } => match crate::picture::download_url(data) {
                Ok(url) => (TransferState::Done, Some(url), None),
                Err(e) => (TransferState::Failed, None, Some(format!("it arrived, but could not be kept ({e})"))),
            },
            P2pEvent::Sent { .. } => (TransferState::Done, None, None),
            P2pEvent::Declined { .. } => (TransferState::Declined, None, None),
            P2pEvent::Cancelled { .. } => (TransferState::Cancelled, None, None),
            P2pEvent::Failed { reason, .. } => (TransferState::Failed, None, Some(reason.clone())),
            _ => (TransferState::Failed, None, None),
        };
        if state != TransferState::Sending {
            c.transfers.remove(&session);
            c.progress_at.remove(&session);
        }
        self.dispatch(Action::TransferState { conv, id: session, state, url, why });
        true
    }

    /// Transfers that die with their switchboard.
    pub(super) fn transfers_lost(&mut self, conv: u64) {
        let Some(c) = self.chats.get_mut(&conv) else { return };
        let lost: Vec<u32> = c.transfers.drain().map(|(s, _)| s).collect();
        c.progress_at.clear();
        for id in lost {
            let why = Some("the conversation's connection closed".to_owned());
            self.dispatch(Action::TransferState { conv, id, state: TransferState::Failed, url: None, why });
        }
    }
}
